# Certificates and keys for IO::Socket::SSL::Utils and ::Intercept, and the
# host-name check.

MODULE = IO::Socket::SSL    PACKAGE = IO::Socket::SSL::_Lib

int
verify_hostname_of_cert(iss_x509 *x509, SV *name, SV *scheme, int use_psl)
  CODE:
  {
    iss_scheme s;
    STRLEN len;
    const char *p = SvPV(name, len);
    if (!glue_scheme(aTHX_ scheme, &s))
        croak("scheme %s not defined", "");
    s.use_psl = use_psl;
    if (!x509)
        croak("no certificate given");
    RETVAL = iss_verify_hostname(x509, p, len, &s);
  }
  OUTPUT:
    RETVAL

SV *
x509_name(iss_x509 *x509, int which)
  CODE:
    if (!x509)
        XSRETURN_UNDEF;
    RETVAL = SvREFCNT_inc(glue_cstr_sv(aTHX_ iss_x509_name_oneline(x509, which)));
  OUTPUT:
    RETVAL

SV *
x509_cn(iss_x509 *x509)
  CODE:
  {
    size_t len = 0;
    char *cn;
    if (!x509)
        XSRETURN_UNDEF;
    cn = iss_x509_common_name(x509, &len);
    RETVAL = cn ? newSVpvn(cn, len) : newSVpvs("");
    free(cn);
  }
  OUTPUT:
    RETVAL

void
x509_alt_names(iss_x509 *x509)
  PPCODE:
  {
    AV *av = (AV *)sv_2mortal((SV *)newAV());
    SSize_t i;
    if (!x509)
        XSRETURN_EMPTY;
    iss_x509_alt_names(x509, glue_alt_push, av);
    EXTEND(SP, av_len(av) + 1);
    for (i = 0; i <= av_len(av); i++)
        PUSHs(sv_2mortal(newSVsv(*av_fetch(av, i, 0))));
  }

SV *
x509_digest(iss_x509 *x509, const char *algo, int pubkey)
  CODE:
  {
    unsigned char md[64];
    int n;
    if (!x509)
        XSRETURN_UNDEF;
    n = iss_x509_digest(x509, algo, pubkey, md);
    if (n < 0)
        croak("Digest algorithm %s is not available", algo);
    RETVAL = newSVpvn((char *)md, n);
  }
  OUTPUT:
    RETVAL

UV
pem_file2cert(const char *file)
  CODE:
    RETVAL = PTR2UV(iss_x509_from_pem_file(file));
    if (!RETVAL)
        iss_err_clear();
  OUTPUT:
    RETVAL

UV
pem_string2cert(SV *pem)
  CODE:
  {
    STRLEN len;
    const char *p = SvPV(pem, len);
    RETVAL = PTR2UV(iss_x509_from_pem(p, len));
    if (!RETVAL)
        iss_err_clear();
  }
  OUTPUT:
    RETVAL

SV *
pem_cert2string(iss_x509 *x509)
  CODE:
  {
    size_t len = 0;
    char *s;
    if (!x509)
        croak("no certificate given");
    s = iss_x509_to_pem(x509, &len);
    if (!s)
        XSRETURN_UNDEF;
    RETVAL = newSVpvn(s, len);
    free(s);
  }
  OUTPUT:
    RETVAL

UV
pem_file2key(const char *file)
  CODE:
    RETVAL = PTR2UV(iss_pkey_from_pem(file, 0, 1));
  OUTPUT:
    RETVAL

UV
pem_string2key(SV *pem)
  CODE:
  {
    STRLEN len;
    const char *p = SvPV(pem, len);
    RETVAL = PTR2UV(iss_pkey_from_pem(p, len, 0));
  }
  OUTPUT:
    RETVAL

SV *
pem_key2string(iss_pkey *pkey)
  CODE:
  {
    size_t len = 0;
    char *s;
    if (!pkey)
        croak("no key given");
    s = iss_pkey_to_pem(pkey, &len);
    if (!s)
        XSRETURN_UNDEF;
    RETVAL = newSVpvn(s, len);
    free(s);
  }
  OUTPUT:
    RETVAL

void
key_free(iss_pkey *pkey)
  CODE:
    if (pkey)
        iss_pkey_free(pkey);

void
cert_free(iss_x509 *x509)
  CODE:
    if (x509)
        iss_x509_free(x509);

void
pem_file2certs(const char *file)
  PPCODE:
  {
    AV *got = (AV *)sv_2mortal((SV *)newAV());
    SSize_t i;
    if (iss_x509_list_from_pem_file(file, glue_push_handle, got) < 0) {
        for (i = 0; i <= av_len(got); i++)
            iss_x509_free(INT2PTR(iss_x509 *, SvUV(*av_fetch(got, i, 0))));
        iss_err_clear();
        XSRETURN_EMPTY;
    }
    EXTEND(SP, av_len(got) + 1);
    for (i = 0; i <= av_len(got); i++)
        PUSHs(sv_2mortal(newSVsv(*av_fetch(got, i, 0))));
  }

SV *
x509_as_hash(iss_x509 *x509)
  CODE:
  {
    const void *x = x509;
    HV *h, *subj, *iss, *eku;
    AV *ext;
    long long not_before, not_after;
    char buf[256], *serial;
    int i, n;
    if (!x)
        croak("no certificate given");
    h = newHV();
    RETVAL = newRV_noinc((SV *)h);
    (void)hv_stores(h, "version", newSViv(iss_x509_version(x)));
    iss_x509_validity(x, &not_before, &not_after);
    (void)hv_stores(h, "not_before", newSViv((IV)not_before));
    (void)hv_stores(h, "not_after", newSViv((IV)not_after));
    serial = iss_x509_serial_dec(x);
    (void)hv_stores(h, "serial", serial ? newSVpv(serial, 0) : newSV(0));
    free(serial);
    n = iss_x509_sigalg(x, buf, sizeof buf);
    (void)hv_stores(h, "signature_alg", n > 0 ? newSVpv(buf, 0) : newSV(0));
    subj = newHV();
    iss_x509_name_entries(x, 0, glue_put_name_entry, subj);
    (void)hv_stores(h, "subject", newRV_noinc((SV *)subj));
    iss = newHV();
    iss_x509_name_entries(x, 1, glue_put_name_entry, iss);
    (void)hv_stores(h, "issuer", newRV_noinc((SV *)iss));
    (void)hv_stores(h, "crl_uri", glue_list_ref(aTHX_ iss_x509_crl_uris, x));
    (void)hv_stores(h, "ocsp_uri", glue_list_ref(aTHX_ iss_x509_ocsp_uris, x));
    (void)hv_stores(h, "keyusage", glue_list_ref(aTHX_ iss_x509_key_usage, x));
    eku = newHV();
    (void)hv_stores(eku, "oid", newRV_noinc((SV *)newAV()));
    (void)hv_stores(eku, "nid", newRV_noinc((SV *)newAV()));
    (void)hv_stores(eku, "sn", newRV_noinc((SV *)newAV()));
    (void)hv_stores(eku, "ln", newRV_noinc((SV *)newAV()));
    iss_x509_ext_key_usage(x, glue_put_eku, eku);
    (void)hv_stores(h, "extkeyusage", newRV_noinc((SV *)eku));
    ext = newAV();
    n = iss_x509_ext_count(x);
    for (i = 0; i < n; i++) {
        HV *e = newHV();
        int nid = 0, crit = 0;
        size_t tlen = 0;
        char *text = iss_x509_ext_get(x, i, buf, sizeof buf, &nid, &crit, &tlen);
        (void)hv_stores(e, "oid", newSVpv(buf, 0));
        (void)hv_stores(e, "nid", nid > 0 ? newSViv(nid) : newSV(0));
        (void)hv_stores(e, "sn", nid > 0 ? newSVpv(iss_nid_sn(nid), 0) : newSV(0));
        (void)hv_stores(e, "critical", newSViv(crit));
        (void)hv_stores(e, "data", text ? newSVpvn(text, tlen) : newSV(0));
        free(text);
        av_push(ext, newRV_noinc((SV *)e));
    }
    (void)hv_stores(h, "ext", newRV_noinc((SV *)ext));
  }
  OUTPUT:
    RETVAL

UV
key_create_rsa(int bits)
  CODE:
    RETVAL = PTR2UV(iss_pkey_create_rsa(bits));
    if (!RETVAL)
        glue_croak_ssl(aTHX_ "failed to create RSA key");
  OUTPUT:
    RETVAL

UV
key_create_ec(const char *curve)
  CODE:
    RETVAL = PTR2UV(iss_pkey_create_ec(curve));
    if (!RETVAL) {
        char what[160];
        snprintf(what, sizeof what, "failed to create EC key on curve %s", curve);
        glue_croak_ssl(aTHX_ what);
    }
  OUTPUT:
    RETVAL

UV
x509_new()
  CODE:
    RETVAL = PTR2UV(iss_x509_new());
    if (!RETVAL)
        glue_croak_ssl(aTHX_ "failed to create certificate");
  OUTPUT:
    RETVAL

void
x509_set_serial(iss_x509 *x509, const char *dec)
  CODE:
    if (!iss_x509_set_serial(x509, dec))
        glue_croak_ssl(aTHX_ form("invalid serial number '%s'", dec));

void
x509_set_version(iss_x509 *x509, IV version)
  CODE:
    if (!iss_x509_set_version(x509, (long)version))
        glue_croak_ssl(aTHX_ "failed to set certificate version");

void
x509_set_validity(iss_x509 *x509, NV not_before, NV not_after)
  CODE:
    if (!iss_x509_set_validity(x509, (long long)not_before, (long long)not_after))
        glue_croak_ssl(aTHX_ "failed to set certificate validity");

void
x509_subject_add(iss_x509 *x509, const char *field, SV *value)
  CODE:
  {
    STRLEN len;
    /* characters as UTF-8; bytes as they are (CERT_asHash hands out the
     * raw bytes of each entry, and a clone must not encode them twice) */
    const char *v = SvUTF8(value) ? SvPVutf8(value, len) : SvPV(value, len);
    if (!iss_x509_subject_add(x509, field, v, len))
        glue_croak_ssl(aTHX_ form("failed to add entry for %s", field));
  }

void
x509_set_pubkey(iss_x509 *x509, iss_pkey *pkey)
  CODE:
    if (!pkey || !iss_x509_set_pubkey(x509, pkey))
        glue_croak_ssl(aTHX_ "failed to set the certificate's public key");

void
x509_add_ext(iss_x509 *x509, iss_x509 *issuer, int nid, const char *value)
  CODE:
    if (!iss_x509_add_ext(x509, issuer, nid, value))
        glue_croak_ssl(aTHX_ form("failed to add extension %s '%s'", iss_nid_sn(nid), value));

void
x509_sign(iss_x509 *x509, iss_x509 *issuer, iss_pkey *pkey, const char *digest)
  CODE:
  {
    int r;
    if (!issuer || !pkey)
        croak("no issuer certificate or key to sign with");
    r = iss_x509_sign(x509, issuer, pkey, digest);
    if (r < 0)
        croak("Digest algorithm %s is not available", digest);
    if (!r)
        glue_croak_ssl(aTHX_ "failed to sign certificate");
  }

int
obj_nid(const char *name)
  CODE:
    RETVAL = iss_obj_nid(name);
  OUTPUT:
    RETVAL

