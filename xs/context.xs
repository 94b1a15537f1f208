# IO::Socket::SSL::_Ctx: one SSL_CTX with its Perl callbacks. With PREFIX, an
# XSUB named iss_ctx_X is the method X and calls the core function of that
# name with the same arguments; the typemap checks the handle and turns a
# status into 1 or 0.

MODULE = IO::Socket::SSL    PACKAGE = IO::Socket::SSL::_Ctx    PREFIX = iss_ctx_

SV *
new(const char *class, int is_server, int min_version, int max_version, IV options)
  CODE:
  {
    iss_ctx *ctx = iss_ctx_new(is_server, min_version, max_version, (long)options);
    PERL_UNUSED_VAR(class);
    if (!ctx)
        XSRETURN_UNDEF;
    RETVAL = glue_wrap(aTHX_ glue_ctx_new(aTHX_ ctx), &glue_ctx_vtbl, "IO::Socket::SSL::_Ctx");
  }
  OUTPUT:
    RETVAL

UV
ptr(iss_ctx *self)
  CODE:
    RETVAL = PTR2UV(iss_ctx_ssl_ctx(self));
  OUTPUT:
    RETVAL

iss_ok_t
iss_ctx_set_cipher_list(iss_ctx *self, const char *list)

iss_ok_t
iss_ctx_set_ciphersuites(iss_ctx *self, const char *list)

iss_ok_t
set_verify(iss_ctx *self, int mode, SV *scheme, int explicit_scheme, int use_psl)
  CODE:
  {
    iss_scheme s;
    int has = glue_scheme(aTHX_ scheme, &s);
    s.explicit_scheme = explicit_scheme;
    s.use_psl = use_psl;
    RETVAL = iss_ctx_set_verify(self, mode, has ? &s : NULL);
  }
  OUTPUT:
    RETVAL

void
set_verify_callback(iss_ctx *self, SV *cb)
  CODE:
  {
    ctx_glue *g = glue_of(aTHX_ self);
    SvREFCNT_dec(g->verify_cb);
    g->verify_cb = SvOK(cb) ? newSVsv(cb) : NULL;
    iss_ctx_set_verify_hook(self, g->verify_cb ? glue_verify_hook : NULL, self);
  }

void
set_passwd_callback(iss_ctx *self, SV *cb)
  CODE:
  {
    ctx_glue *g = glue_of(aTHX_ self);
    SvREFCNT_dec(g->passwd_cb);
    g->passwd_cb = SvOK(cb) ? newSVsv(cb) : NULL;
    iss_ctx_set_passwd_hook(self, g->passwd_cb ? glue_passwd_hook : NULL, self);
  }

void
enable_session_cache(iss_ctx *self)
  CODE:
    iss_ctx_set_session_hook(self, glue_session_hook, self);

void
set_ticket_callback(iss_ctx *self, SV *cb, SV *data)
  CODE:
  {
    ctx_glue *g = glue_of(aTHX_ self);
    SvREFCNT_dec(g->ticket_cb);
    SvREFCNT_dec(g->ticket_data);
    g->ticket_cb = SvOK(cb) ? newSVsv(cb) : NULL;
    g->ticket_data = SvOK(data) ? newSVsv(data) : NULL;
    iss_ctx_set_ticket_hook(self, g->ticket_cb ? glue_ticket_hook : NULL, self);
  }

iss_ok_t
add_psk(iss_ctx *self, const char *identity, SV *key)
  CODE:
  {
    STRLEN len;
    const char *p = SvPV(key, len);
    RETVAL = iss_ctx_add_psk(self, identity, (const unsigned char *)p, len);
  }
  OUTPUT:
    RETVAL

iss_ok_t
set_mode(iss_ctx *self, IV mode)
  CODE:
    RETVAL = iss_ctx_set_mode(self, (long)mode);
  OUTPUT:
    RETVAL

iss_ok_t
set_session_id_context(iss_ctx *self, SV *id)
  CODE:
  {
    STRLEN len;
    const char *p = SvPV(id, len);
    RETVAL = iss_ctx_set_session_id_context(self, p, len);
  }
  OUTPUT:
    RETVAL

iss_ok_t
iss_ctx_set_groups(iss_ctx *self, const char *list)

iss_ok_t
set_dh(iss_ctx *self, SV *pem)
  CODE:
  {
    STRLEN len = 0;
    const char *p = SvOK(pem) ? SvPV(pem, len) : NULL;
    RETVAL = iss_ctx_set_dh_pem(self, p, len);
  }
  OUTPUT:
    RETVAL

iss_ok_t
set_dh_handle(iss_ctx *self, iss_dh *dh)
  CODE:
    RETVAL = iss_ctx_set_dh_handle(self, dh);
  OUTPUT:
    RETVAL

iss_ok_t
iss_ctx_set_dh_file(iss_ctx *self, const char *file)

iss_ok_t
set_verify_flags(iss_ctx *self, UV flags)
  CODE:
    RETVAL = iss_ctx_set_verify_flags(self, (unsigned long)flags);
  OUTPUT:
    RETVAL

iss_ok_t
add_fingerprint(iss_ctx *self, const char *algo, int pubkey, SV *digest)
  CODE:
  {
    STRLEN len;
    const char *p = SvPV(digest, len);
    RETVAL = iss_ctx_add_fingerprint(self, algo, pubkey, (const unsigned char *)p, len);
  }
  OUTPUT:
    RETVAL

iss_ok_t
iss_ctx_add_sni(iss_ctx *self, const char *host, iss_ctx *child)

void
iss_ctx_sni_default(iss_ctx *self, int has_default)

iss_ok_t
set_protocols(iss_ctx *self, int npn, AV *list)
  CODE:
  {
    SSize_t i, n = av_len(list) + 1;
    const char **names;
    unsigned char *wire;
    unsigned int len = 0;
    Newx(names, n ? n : 1, const char *);
    SAVEFREEPV(names);
    for (i = 0; i < n; i++) {
        SV **e = av_fetch(list, i, 0);
        names[i] = e ? SvPV_nolen(*e) : "";
    }
    wire = iss_protos_wire(names, (int)n, &len);
    if (!wire)
        croak("invalid protocol name in %s list (1 to 255 bytes each)", npn ? "NPN" : "ALPN");
    RETVAL = npn ? iss_ctx_set_npn(self, wire, len) : iss_ctx_set_alpn(self, wire, len);
    free(wire);
  }
  OUTPUT:
    RETVAL

void
iss_ctx_force_fingerprint(iss_ctx *self, int force)

iss_ok_t
load_ca(iss_ctx *self, SV *file, SV *dir)
  ALIAS:
    use_default_ca = 1
  CODE:
  {
    const char *f = SvOK(file) ? SvPV_nolen(file) : NULL;
    const char *d = SvOK(dir) ? SvPV_nolen(dir) : NULL;
    RETVAL = ix ? iss_ctx_use_default_ca(self, f, d) : iss_ctx_load_ca(self, f, d);
  }
  OUTPUT:
    RETVAL

iss_ok_t
add_ca(iss_ctx *self, iss_x509 *x509)
  CODE:
    if (!x509)
        croak("SSL_ca: not an X509 handle");
    RETVAL = iss_ctx_add_ca_x509(self, x509);
  OUTPUT:
    RETVAL

iss_ok_t
iss_ctx_load_crl_file(iss_ctx *self, const char *file)

iss_ok_t
add_client_ca(iss_ctx *self, iss_x509 *x509)
  CODE:
    if (!x509)
        croak("SSL_client_ca: not an X509 handle");
    RETVAL = iss_ctx_add_client_ca(self, x509);
  OUTPUT:
    RETVAL

iss_ok_t
iss_ctx_load_client_ca_file(iss_ctx *self, const char *file)

void
use_cert_file(iss_ctx *self, const char *file)
  PPCODE:
  {
    int got_key = 0;
    const char *fmt = NULL;
    if (iss_ctx_use_cert_file(self, file, &got_key, &fmt) != ISS_OK)
        XSRETURN_EMPTY;
    mXPUSHp(fmt, strlen(fmt));
    mXPUSHi(got_key);
  }

iss_ok_t
iss_ctx_use_key_file(iss_ctx *self, const char *file)

iss_ok_t
use_cert(iss_ctx *self, iss_x509 *x509, int is_chain)
  CODE:
    if (!x509)
        croak("SSL_cert: not an X509 handle");
    RETVAL = iss_ctx_use_cert_x509(self, x509, is_chain);
  OUTPUT:
    RETVAL

iss_ok_t
use_key(iss_ctx *self, iss_pkey *pkey)
  CODE:
    if (!pkey)
        croak("SSL_key: not an EVP_PKEY handle");
    RETVAL = iss_ctx_use_key_pkey(self, pkey);
  OUTPUT:
    RETVAL

iss_ok_t
iss_ctx_check_key(iss_ctx *self)
