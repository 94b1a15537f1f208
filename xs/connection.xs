# IO::Socket::SSL::_Conn: one TLS connection (handshake, state, peer). With
# PREFIX, an XSUB named iss_conn_X is the method X calling the core function
# of that name; the typemap checks the handle.

MODULE = IO::Socket::SSL    PACKAGE = IO::Socket::SSL::_Conn    PREFIX = iss_conn_

SV *
new(const char *class, iss_ctx *ctx, int fd, int is_server, SV *sock)
  CODE:
  {
    iss_conn *c = iss_conn_new(ctx, fd, is_server);
    PERL_UNUSED_VAR(class);
    if (!c)
        XSRETURN_UNDEF;
    glue_conn_attach(aTHX_ c, sock);
    RETVAL = glue_wrap(aTHX_ c, &glue_conn_vtbl, "IO::Socket::SSL::_Conn");
  }
  OUTPUT:
    RETVAL

SV *
new_over(const char *class, iss_ctx *ctx, SV *outer, int is_server, int outer_fd, SV *sock)
  CODE:
  {
    io_glue *g;
    iss_conn *c;
    PERL_UNUSED_VAR(class);
    Newxz(g, 1, io_glue);
    g->outer = newSVsv(outer);
#ifdef USE_ITHREADS
    g->perl = aTHX;
#endif
    c = iss_conn_new_io(ctx, is_server, glue_io_read, glue_io_write, g);
    if (!c) {
        glue_io_free(g);
        XSRETURN_UNDEF;
    }
    iss_conn_set_io_free(c, glue_io_free);
    glue_conn_attach(aTHX_ c, sock);
    iss_conn_set_wait_fd(c, outer_fd);    /* to wait for the outer socket */
    RETVAL = glue_wrap(aTHX_ c, &glue_conn_vtbl, "IO::Socket::SSL::_Conn");
  }
  OUTPUT:
    RETVAL

void
free(SV *self)
  CODE:
  {
    MAGIC *mg = glue_find_mg(aTHX_ self, &glue_conn_vtbl);
    if (mg && mg->mg_ptr) {
        iss_conn_free((iss_conn *)mg->mg_ptr);
        mg->mg_ptr = NULL;
    }
  }

UV
ptr(iss_conn *self)
  CODE:
    RETVAL = PTR2UV(iss_conn_ssl(self));
  OUTPUT:
    RETVAL

SV *
warning(iss_conn *self)
  CODE:
  {
    const char *w = iss_conn_warning(self);
    if (!*w)
        XSRETURN_UNDEF;
    RETVAL = newSVpv(w, 0);
  }
  OUTPUT:
    RETVAL

int
iss_conn_last_ret(iss_conn *self)

int
iss_conn_is_server(iss_conn *self)

int
iss_conn_busy(iss_conn *self)

int
last_ssl_error(iss_conn *self)
  CODE:
    RETVAL = iss_conn_ssl_error(self);
  OUTPUT:
    RETVAL

void
set_msg_callback(iss_conn *self, int on)
  CODE:
    iss_conn_set_msg_hook(self, on ? glue_msg_hook : NULL, self);

iss_ok_t
iss_conn_set_sni(iss_conn *self, const char *host)

iss_ok_t
set_verify_name(iss_conn *self, SV *name)
  CODE:
    RETVAL = iss_conn_set_verify_name(self, SvOK(name) ? SvPV_nolen(name) : NULL);
  OUTPUT:
    RETVAL

int
handshake(SV *self, NV timeout)
  CODE:
  {
    iss_conn *c = CONN(self);
    /* the deadline survives signals: a handler runs, then the wait goes on */
    NV start = glue_now();
    for (;;) {
        NV left = -1;
        if (timeout >= 0) {
            left = timeout - (glue_now() - start);
            if (left < 0)
                left = 0;
        }
        RETVAL = iss_conn_handshake(c, left);
        if (RETVAL == ISS_GONE)
            glue_conn_gone(aTHX);
        if (RETVAL != ISS_EINTR)
            break;
        /* the handler may have closed the socket (and freed the connection) */
        if (!(c = glue_after_signal(aTHX_ self))) {
            RETVAL = ISS_GONE;
            break;
        }
    }
  }
  OUTPUT:
    RETVAL

int
shutdown(iss_conn *self, int fast, NV timeout)
  CODE:
    RETVAL = iss_conn_shutdown(self, fast, timeout);
    if (RETVAL == ISS_GONE)
        glue_conn_gone(aTHX);
  OUTPUT:
    RETVAL

int
iss_conn_get_shutdown(iss_conn *self)

int
iss_conn_version(iss_conn *self)

const char *
iss_conn_cipher(iss_conn *self)

int
iss_conn_session_reused(iss_conn *self)

SV *
servername(iss_conn *self)
  CODE:
  {
    const char *s = iss_conn_servername(self);
    if (!s)
        XSRETURN_UNDEF;
    RETVAL = newSVpv(s, 0);
  }
  OUTPUT:
    RETVAL

UV
peer_cert(iss_conn *self, int reload = 0)
  CODE:
    if (reload)
        iss_conn_forget_peer_cert(self);
    RETVAL = PTR2UV(iss_conn_peer_cert(self));
  OUTPUT:
    RETVAL

void
peer_chain(iss_conn *self)
  PPCODE:
  {
    iss_x509 *certs[64];
    int i, n = iss_conn_peer_chain(self, certs, 64);
    EXTEND(SP, n);
    for (i = 0; i < n; i++)
        mPUSHu(PTR2UV(certs[i]));
  }

SV *
alpn_selected(iss_conn *self)
  ALIAS:
    npn_selected = 1
  CODE:
  {
    const char *p;
    unsigned int len;
    int ok = ix ? iss_conn_npn_selected(self, &p, &len)
                : iss_conn_alpn_selected(self, &p, &len);
    if (!ok)
        XSRETURN_UNDEF;
    RETVAL = newSVpvn(p, len);
  }
  OUTPUT:
    RETVAL

iss_ok_t
set_session(iss_conn *self, iss_session *sess)
  CODE:
    if (!sess)
        croak("no session given");
    RETVAL = iss_conn_set_session(self, sess);
  OUTPUT:
    RETVAL

int
bind_sessions(iss_conn *self, SV *sig, SV *offer = NULL)
  CODE:
  {
    /* -1: failed; 1: the session given was made under sig and is offered;
     * else 0 */
    STRLEN len;
    const char *p = SvPVbyte(sig, len);
    iss_session *sess = offer && SvOK(offer) ? INT2PTR(iss_session *, SvUV(offer)) : NULL;
    int offered = 0;
    RETVAL = iss_conn_bind_sessions(self, p, len, sess, &offered) == ISS_OK ? offered : -1;
  }
  OUTPUT:
    RETVAL

UV
get1_session(iss_conn *self)
  CODE:
    RETVAL = PTR2UV(iss_conn_get1_session(self));
  OUTPUT:
    RETVAL

UV
own_cert(iss_conn *self)
  CODE:
    RETVAL = PTR2UV(iss_conn_own_cert(self));
  OUTPUT:
    RETVAL
