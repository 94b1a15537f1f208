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

