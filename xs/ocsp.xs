# xs/ocsp.xs: XSUBs for OCSP (the work is in c_src/ocsp.c): certificate ids,
# requests and response checks for the resolver, the client's staple state,
# and stapling on servers. Included from SSL.xs.

MODULE = IO::Socket::SSL    PACKAGE = IO::Socket::SSL::_Lib

SV *
ocsp_uri(UV x509)
  CODE:
    RETVAL = glue_ocsp_uri(aTHX_ INT2PTR(void *, x509));
  OUTPUT:
    RETVAL

int
x509_must_staple(UV x509)
  CODE:
    RETVAL = iss_x509_must_staple(INT2PTR(void *, x509));
  OUTPUT:
    RETVAL

int
ocsp_response_parses(SV *der)
  CODE:
  {
    STRLEN len;
    const char *p = SvPVbyte(der, len);
    RETVAL = iss_ocsp_response_parses((const unsigned char *)p, len);
  }
  OUTPUT:
    RETVAL

SV *
ocsp_request(AV *ids)
  CODE:
  {
    const unsigned char **p;
    size_t *lens, len = 0;
    unsigned char *der;
    SSize_t n = glue_ocsp_ids(aTHX_ ids, &p, &lens);
    if (n == 0)
        XSRETURN_UNDEF;
    der = iss_ocsp_request(p, lens, (int)n, &len);
    if (!der)
        XSRETURN_UNDEF;
    RETVAL = newSVpvn((const char *)der, len);
    free(der);
  }
  OUTPUT:
    RETVAL

SV *
ocsp_raw_i2d(UV resp)
  CODE:
  {
    size_t len = 0;
    unsigned char *der = iss_ocsp_raw_i2d(INT2PTR(void *, resp), &len);
    if (!der)
        XSRETURN_UNDEF;
    RETVAL = newSVpvn((const char *)der, len);
    free(der);
  }
  OUTPUT:
    RETVAL

int
ocsp_raw_status(UV resp)
  CODE:
    RETVAL = iss_ocsp_raw_status(INT2PTR(void *, resp));
  OUTPUT:
    RETVAL

const char *
ocsp_status_str(int status)
  CODE:
    RETVAL = iss_ocsp_status_str(status);
  OUTPUT:
    RETVAL

MODULE = IO::Socket::SSL    PACKAGE = IO::Socket::SSL::_OCSPTrust

SV *
new(const char *class)
  CODE:
  {
    iss_ocsp_trust *t = iss_ocsp_trust_new();
    if (!t)
        croak("out of memory");
    RETVAL = glue_wrap(aTHX_ t, &glue_trust_vtbl, class);
  }
  OUTPUT:
    RETVAL

SV *
from_conn(const char *class, SV *connsv)
  CODE:
  {
    iss_ocsp_trust *t = iss_ocsp_trust_from_conn(CONN(connsv));
    if (!t)
        XSRETURN_UNDEF;
    RETVAL = glue_wrap(aTHX_ t, &glue_trust_vtbl, class);
  }
  OUTPUT:
    RETVAL

int
add(SV *self, UV x509, int trusted)
  CODE:
    RETVAL = iss_ocsp_trust_add(TRUST(self), INT2PTR(void *, x509), trusted);
  OUTPUT:
    RETVAL

int
load_file(SV *self, const char *file)
  CODE:
    RETVAL = iss_ocsp_trust_load_file(TRUST(self), file);
    iss_err_clear();
  OUTPUT:
    RETVAL

void
certid(SV *self, UV x509)
  PPCODE:
  {
    const char *err = "invalid certificate";
    size_t len = 0;
    unsigned char *der = x509 ? iss_ocsp_trust_certid(TRUST(self), INT2PTR(void *, x509),
                                                      &len, &err) : NULL;
    if (!der) {
        XPUSHs(&PL_sv_undef);
        mXPUSHp(err, strlen(err));
        XSRETURN(2);
    }
    mXPUSHp((const char *)der, len);
    free(der);
    XSRETURN(1);
  }

void
check(SV *self, SV *resp, SV *req, AV *ids)
  PPCODE:
  {
    iss_ocsp_trust *t = TRUST(self);
    SSize_t i, n;
    const unsigned char **p;
    size_t *lens;
    iss_ocsp_single *out = NULL;
    STRLEN rlen, qlen = 0;
    const char *r = SvPVbyte(resp, rlen), *q = SvOK(req) ? SvPVbyte(req, qlen) : NULL;
    char err[512];
    int rc;
    n = glue_ocsp_ids(aTHX_ ids, &p, &lens);
    if (n > 0) {
        Newxz(out, n, iss_ocsp_single);
        SAVEFREEPV(out);
    }
    rc = iss_ocsp_trust_check(t, (const unsigned char *)r, rlen, (const unsigned char *)q,
                              qlen, p, lens, (int)n, out, err, sizeof err);
    if (rc != ISS_OCSP_OK) {
        mXPUSHi(rc);
        mXPUSHp(err, strlen(err));
        XSRETURN(2);
    }
    mXPUSHi(rc);
    XPUSHs(&PL_sv_undef);
    for (i = 0; i < n; i++)
        mXPUSHs(glue_ocsp_result_av(aTHX_ p[i], lens[i], &out[i]));
    XSRETURN(2 + n);
  }

MODULE = IO::Socket::SSL    PACKAGE = IO::Socket::SSL::_Ctx

int
ocsp_client(SV *self, int flags, SV *cb)
  CODE:
  {
    iss_ctx *ctx = CTX(self);
    RETVAL = SvOK(cb)
        ? iss_ctx_ocsp_client(ctx, flags, glue_ocsp_staple_hook, glue_ocsp_hook_new(aTHX_ cb),
                              glue_ocsp_hook_free) == ISS_OK
        : iss_ctx_ocsp_client(ctx, flags, NULL, NULL, NULL) == ISS_OK;
  }
  OUTPUT:
    RETVAL

int
ocsp_staple(SV *self, SV *der)
  CODE:
  {
    iss_ctx *ctx = CTX(self);
    if (SvROK(der)) {
        RETVAL = iss_ctx_ocsp_staple_source(ctx, glue_ocsp_staple_source,
                     glue_ocsp_hook_new(aTHX_ der), glue_ocsp_hook_free) == ISS_OK;
    } else {
        STRLEN len;
        const char *p = SvPVbyte(der, len);
        RETVAL = iss_ctx_ocsp_staple(ctx, (const unsigned char *)p, len) == ISS_OK;
    }
  }
  OUTPUT:
    RETVAL

MODULE = IO::Socket::SSL    PACKAGE = IO::Socket::SSL::_Conn

void
ocsp_state(SV *self)
  PPCODE:
  {
    const char *msg = NULL;
    int st = iss_conn_ocsp_state(CONN(self), &msg);
    mXPUSHi(st);
    if (msg)
        mXPUSHp(msg, strlen(msg));
    else
        XPUSHs(&PL_sv_undef);
  }

void
ocsp_results(SV *self)
  PPCODE:
  {
    iss_conn *c = CONN(self);
    const unsigned char *id;
    size_t idlen;
    iss_ocsp_single s;
    int i;
    for (i = 0; iss_conn_ocsp_result(c, i, &id, &idlen, &s); i++)
        mXPUSHs(glue_ocsp_result_av(aTHX_ id, idlen, &s));
  }

SV *
ocsp_post_check(SV *self)
  CODE:
  {
    char msg[256];
    if (iss_conn_ocsp_post_check(CONN(self), msg, sizeof msg) == ISS_OK)
        XSRETURN_UNDEF;
    RETVAL = newSVpv(msg, 0);
  }
  OUTPUT:
    RETVAL
