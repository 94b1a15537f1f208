# Library-wide: versions, the error queue, sessions, threads.

MODULE = IO::Socket::SSL    PACKAGE = IO::Socket::SSL::_Lib

void
CLONE(...)
  CODE:
    glue_clone(aTHX);

UV
openssl_version_number()
  CODE:
    RETVAL = iss_openssl_version_number();
  OUTPUT:
    RETVAL

const char *
openssl_version_text(int which)
  CODE:
    RETVAL = iss_openssl_version_text(which);
  OUTPUT:
    RETVAL

# The one accessor of an error record: ($code, $severity, $text) of a
# context or connection; $take forgets a callback's death once read.
void
error_record(SV *obj, int take = 0)
  PPCODE:
  {
    iss_error *e = glue_error_of(aTHX_ obj);
    SV *text = newSVpv(iss_error_text(e), 0);
    if (e->code == ISS_E_CALLBACK)
        SvUTF8_on(text);      /* keep_error stored it as UTF-8 */
    EXTEND(SP, 3);
    mPUSHi(e->code);
    mPUSHi(e->severity);
    mPUSHs(text);
    if (take)
        iss_error_forget(e, ISS_E_CALLBACK);
  }

# The one ranking of severities (err.c), for errors made on the Perl side.
int
error_outranks(int old_sev, int sev)
  CODE:
    RETVAL = iss_error_outranks(ISS_E_NONE, old_sev, ISS_E_NONE, sev);
  OUTPUT:
    RETVAL

SV *
errstack()
  CODE:
  {
    char buf[2048];
    size_t n = iss_err_drain(buf, sizeof buf);
    RETVAL = newSVpvn(buf, n);
  }
  OUTPUT:
    RETVAL

void
session_free(iss_session *sess)
  CODE:
    if (sess)
        iss_session_free(sess);

void
session_up_ref(UV sess)
  CODE:
    if (sess)
        iss_session_up_ref(INT2PTR(void *, sess));

int
session_is_resumable(iss_session *sess)
  CODE:
    RETVAL = sess ? iss_session_is_resumable(sess) : 0;
  OUTPUT:
    RETVAL

int
can_npn()
  CODE:
    RETVAL = iss_can_npn();
  OUTPUT:
    RETVAL

int
psl_suffix_labels(SV *host, int min_suffix)
  CODE:
  {
    STRLEN len;
    const char *p = SvPV(host, len);
    RETVAL = iss_psl_suffix_labels(p, len, min_suffix);
  }
  OUTPUT:
    RETVAL

void
forget_default_stores()
  CODE:
    iss_store_forget_defaults();


# Scalar::Util's dualvar, here so that loading IO::Socket::SSL does not load
# Scalar::Util (and List::Util) for two constants.
void
dualvar(SV *num, SV *str)
  PPCODE:
  {
    SV *sv = sv_newmortal();
    (void)SvUPGRADE(sv, SVt_PVNV);
    sv_copypv(sv, str);
    if (SvNOK(num) || SvPOK(num) || SvMAGICAL(num)) {
        SvNV_set(sv, SvNV(num));
        SvNOK_on(sv);
    } else if (SvUOK(num)) {
        SvUV_set(sv, SvUV(num));
        SvIOK_on(sv);
        SvIsUV_on(sv);
    } else {
        SvIV_set(sv, SvIV(num));
        SvIOK_on(sv);
    }
    if (TAINTING_get && (SvTAINTED(num) || SvTAINTED(str)))
        SvTAINTED_on(sv);
    ST(0) = sv;
    XSRETURN(1);
  }
