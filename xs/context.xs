# IO::Socket::SSL::_Ctx: one SSL_CTX with its Perl callbacks.

MODULE = IO::Socket::SSL    PACKAGE = IO::Socket::SSL::_Ctx

SV *
new(const char *class, int is_server, int min_version, int max_version, IV options)
  CODE:
  {
    iss_ctx *ctx = iss_ctx_new(is_server, min_version, max_version, (long)options);
    PERL_UNUSED_VAR(class);
    if (!ctx)
        XSRETURN_UNDEF;
    RETVAL = glue_wrap(aTHX_ ctx, &glue_ctx_vtbl, "IO::Socket::SSL::_Ctx");
  }
  OUTPUT:
    RETVAL

UV
ptr(SV *self)
  CODE:
    RETVAL = PTR2UV(iss_ctx_ssl_ctx(CTX(self)));
  OUTPUT:
    RETVAL

SV *
error(SV *self)
  CODE:
  {
    iss_ctx *ctx = CTX(self);
    ctx_glue *g = iss_ctx_owner(ctx);
    /* a Perl callback that died says more than OpenSSL's generic failure */
    if (g && g->error && SvOK(g->error)) {
        RETVAL = newSVsv(g->error);
        sv_setsv(g->error, &PL_sv_undef);
    } else {
        RETVAL = newSVpv(iss_ctx_error(ctx), 0);
    }
  }
  OUTPUT:
    RETVAL

int
set_cipher_list(SV *self, const char *list)
  CODE:
    RETVAL = iss_ctx_set_cipher_list(CTX(self), list) == ISS_OK;
  OUTPUT:
    RETVAL

int
set_ciphersuites(SV *self, const char *list)
  CODE:
    RETVAL = iss_ctx_set_ciphersuites(CTX(self), list) == ISS_OK;
  OUTPUT:
    RETVAL

int
set_verify(SV *self, int mode, SV *scheme, int explicit_scheme, int use_psl)
  CODE:
  {
    iss_scheme s;
    memset(&s, 0, sizeof s);
    if (SvROK(scheme) && SvTYPE(SvRV(scheme)) == SVt_PVAV) {
        AV *av = (AV *)SvRV(scheme);
        SV **e;
        s.check = 1;
        if ((e = av_fetch(av, 0, 0))) s.wildcards_in_cn = SvIV(*e);
        if ((e = av_fetch(av, 1, 0))) s.wildcards_in_alt = SvIV(*e);
        if ((e = av_fetch(av, 2, 0))) s.check_cn = SvIV(*e);
        if ((e = av_fetch(av, 3, 0))) s.ip_in_cn = SvIV(*e);
    } else if (SvOK(scheme) && !iss_scheme_by_name(SvPV_nolen(scheme), &s)) {
        croak("scheme %s not defined", SvPV_nolen(scheme));
    }
    s.explicit_scheme = explicit_scheme;
    s.use_psl = use_psl;
    RETVAL = iss_ctx_set_verify(CTX(self), mode, SvOK(scheme) ? &s : NULL) == ISS_OK;
  }
  OUTPUT:
    RETVAL

void
set_verify_callback(SV *self, SV *cb)
  CODE:
  {
    iss_ctx *ctx = CTX(self);
    ctx_glue *g = glue_of(aTHX_ ctx);
    SvREFCNT_dec(g->verify_cb);
    g->verify_cb = SvOK(cb) ? newSVsv(cb) : NULL;
    iss_ctx_set_verify_hook(ctx, g->verify_cb ? glue_verify_hook : NULL, g);
  }

void
set_passwd_callback(SV *self, SV *cb)
  CODE:
  {
    iss_ctx *ctx = CTX(self);
    ctx_glue *g = glue_of(aTHX_ ctx);
    SvREFCNT_dec(g->passwd_cb);
    g->passwd_cb = SvOK(cb) ? newSVsv(cb) : NULL;
    iss_ctx_set_passwd_hook(ctx, g->passwd_cb ? glue_passwd_hook : NULL, g);
  }

void
enable_session_cache(SV *self)
  CODE:
  {
    iss_ctx *ctx = CTX(self);
    iss_ctx_set_session_hook(ctx, glue_session_hook, glue_of(aTHX_ ctx));
  }

void
set_ticket_callback(SV *self, SV *cb, SV *data)
  CODE:
  {
    iss_ctx *ctx = CTX(self);
    ctx_glue *g = glue_of(aTHX_ ctx);
    SvREFCNT_dec(g->ticket_cb);
    SvREFCNT_dec(g->ticket_data);
    g->ticket_cb = SvOK(cb) ? newSVsv(cb) : NULL;
    g->ticket_data = SvOK(data) ? newSVsv(data) : NULL;
    iss_ctx_set_ticket_hook(ctx, g->ticket_cb ? glue_ticket_hook : NULL, g);
  }

int
add_psk(SV *self, const char *identity, SV *key)
  CODE:
  {
    STRLEN len;
    const char *p = SvPV(key, len);
    RETVAL = iss_ctx_add_psk(CTX(self), identity, (const unsigned char *)p, len) == ISS_OK;
  }
  OUTPUT:
    RETVAL

int
set_mode(SV *self, IV mode)
  CODE:
    RETVAL = iss_ctx_set_mode(CTX(self), (long)mode) == ISS_OK;
  OUTPUT:
    RETVAL

int
set_session_id_context(SV *self, SV *id)
  CODE:
  {
    STRLEN len;
    const char *p = SvPV(id, len);
    RETVAL = iss_ctx_set_session_id_context(CTX(self), p, len) == ISS_OK;
  }
  OUTPUT:
    RETVAL

int
set_groups(SV *self, const char *list)
  CODE:
    RETVAL = iss_ctx_set_groups(CTX(self), list) == ISS_OK;
  OUTPUT:
    RETVAL

int
set_dh(SV *self, SV *pem)
  CODE:
  {
    STRLEN len = 0;
    const char *p = SvOK(pem) ? SvPV(pem, len) : NULL;
    RETVAL = iss_ctx_set_dh_pem(CTX(self), p, len) == ISS_OK;
  }
  OUTPUT:
    RETVAL

int
set_dh_handle(SV *self, UV dh)
  CODE:
    RETVAL = iss_ctx_set_dh_handle(CTX(self), INT2PTR(void *, dh)) == ISS_OK;
  OUTPUT:
    RETVAL

int
set_dh_file(SV *self, const char *file)
  CODE:
    RETVAL = iss_ctx_set_dh_file(CTX(self), file) == ISS_OK;
  OUTPUT:
    RETVAL

int
set_verify_flags(SV *self, UV flags)
  CODE:
    RETVAL = iss_ctx_set_verify_flags(CTX(self), (unsigned long)flags) == ISS_OK;
  OUTPUT:
    RETVAL

int
add_fingerprint(SV *self, const char *algo, int pubkey, SV *digest)
  CODE:
  {
    STRLEN len;
    const char *p = SvPV(digest, len);
    RETVAL = iss_ctx_add_fingerprint(CTX(self), algo, pubkey, (const unsigned char *)p, len)
             == ISS_OK;
  }
  OUTPUT:
    RETVAL

int
add_sni(SV *self, const char *host, SV *child)
  CODE:
    RETVAL = iss_ctx_add_sni(CTX(self), host, CTX(child)) == ISS_OK;
  OUTPUT:
    RETVAL

void
sni_default(SV *self, int has_default)
  CODE:
    iss_ctx_sni_default(CTX(self), has_default);

int
set_protocols(SV *self, int npn, AV *list)
  CODE:
  {
    iss_ctx *ctx = CTX(self);     /* may croak: before anything is allocated */
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
    RETVAL = (npn ? iss_ctx_set_npn(ctx, wire, len)
                  : iss_ctx_set_alpn(ctx, wire, len)) == ISS_OK;
    free(wire);
  }
  OUTPUT:
    RETVAL

void
force_fingerprint(SV *self, int force)
  CODE:
    iss_ctx_force_fingerprint(CTX(self), force);

int
load_ca(SV *self, SV *file, SV *dir)
  CODE:
    RETVAL = iss_ctx_load_ca(CTX(self), SvOK(file) ? SvPV_nolen(file) : NULL,
                             SvOK(dir) ? SvPV_nolen(dir) : NULL) == ISS_OK;
  OUTPUT:
    RETVAL

int
use_default_ca(SV *self, SV *file, SV *dir)
  CODE:
    RETVAL = iss_ctx_use_default_ca(CTX(self), SvOK(file) ? SvPV_nolen(file) : NULL,
                                    SvOK(dir) ? SvPV_nolen(dir) : NULL) == ISS_OK;
  OUTPUT:
    RETVAL

int
add_ca(SV *self, UV x509)
  CODE:
    if (!x509)
        croak("SSL_ca: not an X509 handle");
    RETVAL = iss_ctx_add_ca_x509(CTX(self), INT2PTR(void *, x509)) == ISS_OK;
  OUTPUT:
    RETVAL

int
load_crl_file(SV *self, const char *file)
  CODE:
    RETVAL = iss_ctx_load_crl_file(CTX(self), file) == ISS_OK;
  OUTPUT:
    RETVAL

int
add_client_ca(SV *self, UV x509)
  CODE:
    if (!x509)
        croak("SSL_client_ca: not an X509 handle");
    RETVAL = iss_ctx_add_client_ca(CTX(self), INT2PTR(void *, x509)) == ISS_OK;
  OUTPUT:
    RETVAL

int
load_client_ca_file(SV *self, const char *file)
  CODE:
    RETVAL = iss_ctx_load_client_ca_file(CTX(self), file) == ISS_OK;
  OUTPUT:
    RETVAL

void
use_cert_file(SV *self, const char *file)
  PPCODE:
  {
    int got_key = 0;
    const char *fmt = NULL;
    if (iss_ctx_use_cert_file(CTX(self), file, &got_key, &fmt) != ISS_OK)
        XSRETURN_EMPTY;
    mXPUSHp(fmt, strlen(fmt));
    mXPUSHi(got_key);
  }

int
use_key_file(SV *self, const char *file)
  CODE:
    RETVAL = iss_ctx_use_key_file(CTX(self), file) == ISS_OK;
  OUTPUT:
    RETVAL

int
use_cert(SV *self, UV x509, int is_chain)
  CODE:
    if (!x509)
        croak("SSL_cert: not an X509 handle");
    RETVAL = iss_ctx_use_cert_x509(CTX(self), INT2PTR(void *, x509), is_chain) == ISS_OK;
  OUTPUT:
    RETVAL

int
use_key(SV *self, UV pkey)
  CODE:
    if (!pkey)
        croak("SSL_key: not an EVP_PKEY handle");
    RETVAL = iss_ctx_use_key_pkey(CTX(self), INT2PTR(void *, pkey)) == ISS_OK;
  OUTPUT:
    RETVAL

int
check_key(SV *self)
  CODE:
    RETVAL = iss_ctx_check_key(CTX(self)) == ISS_OK;
  OUTPUT:
    RETVAL

