# IO::Socket::SSL::_Conn: one TLS connection (handshake, state, peer).

MODULE = IO::Socket::SSL    PACKAGE = IO::Socket::SSL::_Conn

SV *
new(const char *class, SV *ctxsv, int fd, int is_server)
  CODE:
  {
    iss_ctx *ctx = CTX(ctxsv);
    iss_conn *c = iss_conn_new(ctx, fd, is_server);
    PERL_UNUSED_VAR(class);
    if (!c)
        XSRETURN_UNDEF;
    RETVAL = glue_wrap(aTHX_ c, &glue_conn_vtbl, "IO::Socket::SSL::_Conn");
  }
  OUTPUT:
    RETVAL

SV *
new_over(const char *class, SV *ctxsv, SV *outer, int is_server, int outer_fd)
  CODE:
  {
    iss_ctx *ctx = CTX(ctxsv);
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
ptr(SV *self)
  CODE:
    RETVAL = PTR2UV(iss_conn_ssl(CONN(self)));
  OUTPUT:
    RETVAL

SV *
error(SV *self)
  CODE:
  {
    iss_conn *c = CONN(self);
    ctx_glue *g = iss_ctx_owner(iss_conn_ctx(c));
    if (g && g->error && SvOK(g->error)) {
        RETVAL = newSVsv(g->error);
        sv_setsv(g->error, &PL_sv_undef);
    } else {
        RETVAL = newSVpv(iss_conn_error(c), 0);
    }
  }
  OUTPUT:
    RETVAL

void
callback_error(SV *self)
  PPCODE:
  {
    int sev = -1;
    const char *msg = iss_conn_cb_error(CONN(self), &sev);
    if (!msg)
        XSRETURN_EMPTY;
    mXPUSHp(msg, strlen(msg));
    mXPUSHi(sev);
  }

SV *
warning(SV *self)
  CODE:
  {
    const char *w = iss_conn_warning(CONN(self));
    if (!*w)
        XSRETURN_UNDEF;
    RETVAL = newSVpv(w, 0);
  }
  OUTPUT:
    RETVAL

int
last_ret(SV *self)
  CODE:
    RETVAL = iss_conn_last_ret(CONN(self));
  OUTPUT:
    RETVAL

int
last_ssl_error(SV *self)
  CODE:
    RETVAL = iss_conn_ssl_error(CONN(self));
  OUTPUT:
    RETVAL

void
set_msg_callback(SV *self, int on)
  CODE:
    iss_conn_set_msg_hook(CONN(self), on ? glue_msg_hook : NULL, NULL);

int
set_sni(SV *self, const char *host)
  CODE:
    RETVAL = iss_conn_set_sni(CONN(self), host) == ISS_OK;
  OUTPUT:
    RETVAL

void
set_verify_name(SV *self, SV *name)
  CODE:
    iss_conn_set_verify_name(CONN(self), SvOK(name) ? SvPV_nolen(name) : NULL);

int
handshake(SV *self, NV timeout)
  CODE:
  {
    iss_conn *c = CONN(self);
    /* the deadline survives signals: a handler runs, then the wait goes on */
    NV start = glue_now();
    glue_forget_callback_error(aTHX_ c);   /* one left by another connection */
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
        else if (RETVAL == ISS_OK)
            glue_forget_callback_error(aTHX_ c);   /* a callback died, yet it worked */
        if (RETVAL != ISS_EINTR)
            break;
        PERL_ASYNC_CHECK();
        /* the handler may have closed the socket (and freed the connection) */
        {
            MAGIC *mg = glue_find_mg(aTHX_ self, &glue_conn_vtbl);
            if (!mg || !mg->mg_ptr) {
                SETERRNO(EBADF, 0);
                RETVAL = ISS_GONE;
                break;
            }
            c = (iss_conn *)mg->mg_ptr;
        }
    }
  }
  OUTPUT:
    RETVAL

int
shutdown(SV *self, int fast, NV timeout)
  CODE:
  {
    iss_conn *c = CONN(self);
    RETVAL = iss_conn_shutdown(c, fast, timeout);
    if (RETVAL == ISS_GONE)
        glue_conn_gone(aTHX);
  }
  OUTPUT:
    RETVAL

int
get_shutdown(SV *self)
  CODE:
    RETVAL = iss_conn_get_shutdown(CONN(self));
  OUTPUT:
    RETVAL

int
version(SV *self)
  CODE:
    RETVAL = iss_conn_version(CONN(self));
  OUTPUT:
    RETVAL

const char *
cipher(SV *self)
  CODE:
    RETVAL = iss_conn_cipher(CONN(self));
  OUTPUT:
    RETVAL

int
session_reused(SV *self)
  CODE:
    RETVAL = iss_conn_session_reused(CONN(self));
  OUTPUT:
    RETVAL

SV *
servername(SV *self)
  CODE:
  {
    const char *s = iss_conn_servername(CONN(self));
    if (!s)
        XSRETURN_UNDEF;
    RETVAL = newSVpv(s, 0);
  }
  OUTPUT:
    RETVAL

UV
peer_cert(SV *self, int reload = 0)
  CODE:
  {
    iss_conn *c = CONN(self);
    if (reload)
        iss_conn_forget_peer_cert(c);
    RETVAL = PTR2UV(iss_conn_peer_cert(c));
  }
  OUTPUT:
    RETVAL

void
peer_chain(SV *self)
  PPCODE:
  {
    void *certs[64];
    int i, n = iss_conn_peer_chain(CONN(self), certs, 64);
    EXTEND(SP, n);
    for (i = 0; i < n; i++)
        mPUSHu(PTR2UV(certs[i]));
  }

SV *
alpn_selected(SV *self)
  ALIAS:
    npn_selected = 1
  CODE:
  {
    const char *p;
    unsigned int len;
    int ok = ix ? iss_conn_npn_selected(CONN(self), &p, &len)
                : iss_conn_alpn_selected(CONN(self), &p, &len);
    if (!ok)
        XSRETURN_UNDEF;
    RETVAL = newSVpvn(p, len);
  }
  OUTPUT:
    RETVAL

int
set_session(SV *self, UV sess)
  CODE:
    if (!sess)
        croak("no session given");
    RETVAL = iss_conn_set_session(CONN(self), INT2PTR(void *, sess)) == ISS_OK;
  OUTPUT:
    RETVAL

UV
get1_session(SV *self)
  CODE:
    RETVAL = PTR2UV(iss_conn_get1_session(CONN(self)));
  OUTPUT:
    RETVAL

UV
own_cert(SV *self)
  CODE:
    RETVAL = PTR2UV(iss_conn_own_cert(CONN(self)));
  OUTPUT:
    RETVAL

