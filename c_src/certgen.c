/* certgen.c: making keys and certificates (IO::Socket::SSL::Utils's
 * KEY_create_* and CERT_create, which IO::Socket::SSL::Intercept clones
 * server certificates with). The Perl side decides what goes into a
 * certificate; these are the steps it is built from. Every function returns
 * 0/NULL on failure with the OpenSSL error left in the queue for the caller
 * to drain. */
#include <string.h>
#include <time.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>
#include "iss_internal.h"

static EVP_PKEY *keygen(int type, int bits, int curve_nid)
{
    EVP_PKEY_CTX *kc = EVP_PKEY_CTX_new_id(type, NULL);
    EVP_PKEY *k = NULL;
    int ok = kc && EVP_PKEY_keygen_init(kc) > 0;
    if (ok && type == EVP_PKEY_RSA)
        ok = EVP_PKEY_CTX_set_rsa_keygen_bits(kc, bits) > 0;
    if (ok && type == EVP_PKEY_EC)
        ok = EVP_PKEY_CTX_set_ec_paramgen_curve_nid(kc, curve_nid) > 0
            && EVP_PKEY_CTX_set_ec_param_enc(kc, OPENSSL_EC_NAMED_CURVE) > 0;
    if (ok && EVP_PKEY_keygen(kc, &k) <= 0)
        k = NULL;
    EVP_PKEY_CTX_free(kc);
    return k;
}

iss_pkey *iss_pkey_create_rsa(int bits)
{
    return keygen(EVP_PKEY_RSA, bits, 0);
}

iss_pkey *iss_pkey_create_ec(const char *curve)
{
    int nid = EC_curve_nist2nid(curve);       /* "P-256" */
    if (nid == NID_undef)
        nid = OBJ_sn2nid(curve);              /* "prime256v1", "secp384r1" */
    if (nid == NID_undef)
        return NULL;                          /* the caller names the curve */
    return keygen(EVP_PKEY_EC, 0, nid);
}

iss_x509 *iss_x509_new(void)
{
    return X509_new();
}

/* serial as a decimal string of any size */
int iss_x509_set_serial(iss_x509 *x509, const char *dec)
{
    BIGNUM *bn = NULL;
    int n = BN_dec2bn(&bn, dec);
    int ok = n > 0 && (size_t)n == strlen(dec)
        && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x509)) != NULL;
    BN_free(bn);
    return ok;
}

int iss_x509_set_version(iss_x509 *x509, long version)
{
    return X509_set_version(x509, version);
}

int iss_x509_set_validity(iss_x509 *x509, long long not_before, long long not_after)
{
    return ASN1_TIME_set(X509_getm_notBefore(x509), (time_t)not_before) != NULL
        && ASN1_TIME_set(X509_getm_notAfter(x509), (time_t)not_after) != NULL;
}

/* One subject entry: as UTF-8 text when it is valid UTF-8 for the field,
 * else as T61String, else as octets, as the reference tries them. */
int iss_x509_subject_add(iss_x509 *x509, const char *field, const char *val, size_t len)
{
    X509_NAME *n = X509_get_subject_name(x509);
    static const int types[] = { MBSTRING_UTF8, V_ASN1_T61STRING, V_ASN1_OCTET_STRING };
    size_t i;
    for (i = 0; i < sizeof types / sizeof *types; i++) {
        if (X509_NAME_add_entry_by_txt(n, field, types[i], (const unsigned char *)val,
                                       (int)len, -1, 0)) {
            if (i)
                ERR_clear_error();    /* the failed tries must not show in a later error */
            return 1;
        }
    }
    return 0;
}

int iss_x509_set_pubkey(iss_x509 *x509, iss_pkey *pkey)
{
    return X509_set_pubkey(x509, pkey);
}

/* An extension in openssl.cnf syntax ("critical,CA:TRUE", "hash", ...);
 * issuer is the signing certificate (x509 itself when self-signed). */
int iss_x509_add_ext(iss_x509 *x509, iss_x509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509_EXTENSION *e;
    int ok;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, issuer, x509, NULL, NULL, 0);
    e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    if (!e)
        return 0;
    ok = X509_add_ext(x509, e, -1);
    X509_EXTENSION_free(e);
    return ok;
}

/* 1 signed, 0 OpenSSL error, -1 unknown digest */
int iss_x509_sign(iss_x509 *x509, iss_x509 *issuer, iss_pkey *key, const char *digest)
{
    const EVP_MD *md = NULL;
    int id = EVP_PKEY_base_id(key);
    /* Ed25519/Ed448 sign without a separate digest */
    if (id != EVP_PKEY_ED25519 && id != EVP_PKEY_ED448) {
        md = EVP_get_digestbyname(digest);
        if (!md)
            return -1;
    }
    return X509_set_issuer_name(x509, X509_get_subject_name(issuer))
        && X509_sign(x509, key, md) > 0;
}

int iss_obj_nid(const char *name)
{
    int nid = OBJ_sn2nid(name);
    return nid != NID_undef ? nid : OBJ_txt2nid(name);
}

const char *iss_nid_sn(int nid)
{
    const char *sn = nid > 0 ? OBJ_nid2sn(nid) : NULL;
    return sn ? sn : "";
}
