# xs/optparse.xs: the option strings of SSL_Context (SSL_version,
# SSL_fingerprint), parsed by c_src/optparse.c. INCLUDEd by SSL.xs.

MODULE = IO::Socket::SSL    PACKAGE = IO::Socket::SSL::_Lib

# (version index, excluded bits), or (undef, message) for a bad spec
void
parse_ssl_version(SV *spec)
  PPCODE:
  {
    STRLEN len;
    const char *p = SvPV(spec, len), *err;
    int ver;
    unsigned excluded;
    EXTEND(SP, 2);
    if (iss_parse_ssl_version(p, len, &ver, &excluded, &err) == ISS_OK) {
        mPUSHi(ver);
        mPUSHu(excluded);
    } else {
        PUSHs(&PL_sv_undef);
        mPUSHp(err, strlen(err));
    }
  }

# (status, algo, pubkey, digest): status 0 ok, ISS_FP_INVALID or ISS_FP_NO_ALGO
void
parse_fingerprint(SV *fp)
  PPCODE:
  {
    STRLEN len;
    const char *p = SvPV(fp, len);
    char *algo;
    unsigned char *digest;
    int pubkey = 0, rc;
    size_t dlen = 0;
    Newx(algo, len + 1, char);
    Newx(digest, len / 2 + 1, unsigned char);
    rc = iss_parse_fingerprint(p, len, algo, &pubkey, digest, &dlen);
    EXTEND(SP, 4);
    mPUSHi(rc);
    mPUSHp(algo, strlen(algo));
    mPUSHi(pubkey);
    mPUSHp((char *)digest, rc == ISS_OK ? dlen : 0);
    Safefree(algo);
    Safefree(digest);
  }

