/* x509info.c: what a connection and its certificates tell about themselves. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include "iss_internal.h"

int iss_conn_version(iss_conn *c) { return SSL_version(c->ssl); }

const char *iss_conn_cipher(iss_conn *c)
{
    return SSL_get_cipher_name(c->ssl);
}

int iss_conn_session_reused(iss_conn *c) { return SSL_session_reused(c->ssl); }

const char *iss_conn_servername(iss_conn *c)
{
    return SSL_get_servername(c->ssl, TLSEXT_NAMETYPE_host_name);
}

iss_x509 *iss_conn_peer_cert(iss_conn *c)
{
    if (!c->peer_cert)
        c->peer_cert = SSL_get1_peer_certificate(c->ssl);
    return c->peer_cert;
}

void iss_conn_forget_peer_cert(iss_conn *c)
{
    X509_free(c->peer_cert);
    c->peer_cert = NULL;
}

iss_x509 *iss_conn_own_cert(iss_conn *c) { return SSL_get_certificate(c->ssl); }

int iss_conn_peer_chain(iss_conn *c, iss_x509 **out, int max)
{
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(c->ssl);
    int i, n = 0;
    /* a client's chain starts with the leaf, a server's does not */
    if (c->is_server && iss_conn_peer_cert(c) && n < max)
        out[n++] = c->peer_cert;
    for (i = 0; chain && i < sk_X509_num(chain) && n < max; i++)
        out[n++] = sk_X509_value(chain, i);
    return n;
}

char *iss_x509_name_oneline(const iss_x509 *x509, int which)
{
    const X509_NAME *n = which ? X509_get_issuer_name(x509) : X509_get_subject_name(x509);
    char *s = n ? X509_NAME_oneline(n, NULL, 0) : NULL;
    char *out;
    if (!s)
        return NULL;
    out = strdup(s);              /* callers free() with the C library */
    OPENSSL_free(s);
    return out;
}

char *iss_x509_common_name(const iss_x509 *x509, size_t *len)
{
    const X509_NAME *n = X509_get_subject_name(x509);
    int i = n ? X509_NAME_get_index_by_NID(n, NID_commonName, -1) : -1;
    const ASN1_STRING *d;
    char *out;
    if (i < 0)
        return NULL;
    d = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i));
    /* The raw bytes, as X509_NAME_get_text_by_NID gives them: an embedded NUL
     * stays and so can never match a host name. */
    *len = (size_t)ASN1_STRING_length(d);
    out = malloc(*len + 1);
    if (!out)
        return NULL;
    memcpy(out, ASN1_STRING_get0_data(d), *len);
    out[*len] = '\0';
    return out;
}

int iss_x509_alt_names(const iss_x509 *x509, void (*fn)(void *, int, const char *, size_t),
                       void *data)
{
    GENERAL_NAMES *gens = X509_get_ext_d2i(x509, NID_subject_alt_name, NULL, NULL);
    int i, n;
    if (!gens)
        return 0;
    n = sk_GENERAL_NAME_num(gens);
    for (i = 0; i < n; i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        switch (g->type) {
        case GEN_DNS:
        case GEN_EMAIL:
        case GEN_URI:
        case GEN_IPADD: {
            const ASN1_STRING *s = g->d.ia5;   /* the same ASN1_STRING layout for all four */
            fn(data, g->type, (const char *)ASN1_STRING_get0_data(s),
               (size_t)ASN1_STRING_length(s));
            break;
        }
        case GEN_DIRNAME: {
            char *s = X509_NAME_oneline(g->d.directoryName, NULL, 0);
            if (s)
                fn(data, g->type, s, strlen(s));
            OPENSSL_free(s);
            break;
        }
        case GEN_RID: {
            char buf[128];
            int l = OBJ_obj2txt(buf, sizeof buf, g->d.registeredID, 1);
            if (l > 0)
                fn(data, g->type, buf, (size_t)l < sizeof buf ? (size_t)l : sizeof buf - 1);
            break;
        }
        default:
            break;
        }
    }
    GENERAL_NAMES_free(gens);
    return n;
}

int iss_x509_digest(const iss_x509 *x509, const char *algo, int pubkey, unsigned char *out)
{
    const EVP_MD *md = EVP_get_digestbyname(algo);
    unsigned int len = 0;
    int ok;
    if (!md)
        return -1;
    ok = pubkey ? X509_pubkey_digest(x509, md, out, &len) : X509_digest(x509, md, out, &len);
    return ok ? (int)len : -1;
}

iss_x509 *iss_x509_from_pem_file(const char *file)
{
    BIO *bio = BIO_new_file(file, "r");
    X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    return x;
}

iss_x509 *iss_x509_from_pem(const char *pem, size_t len)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    return x;
}

/* What was written to a memory BIO, as a malloc'ed NUL-terminated string
 * (NULL when written is false or on failure); frees the BIO. */
static char *mem_bio_take(BIO *bio, int written, size_t *len)
{
    char *data, *out = NULL;
    long n;
    if (bio && written) {
        n = BIO_get_mem_data(bio, &data);
        if (n > 0 && (out = malloc((size_t)n + 1)) != NULL) {
            memcpy(out, data, (size_t)n);
            out[n] = '\0';
            *len = (size_t)n;
        }
    }
    BIO_free(bio);
    return out;
}

char *iss_x509_to_pem(const iss_x509 *x509, size_t *len)
{
    BIO *bio = BIO_new(BIO_s_mem());
    return mem_bio_take(bio, bio && PEM_write_bio_X509(bio, (X509 *)x509), len);
}

void iss_x509_free(iss_x509 *x509)
{
    X509_free(x509);
}

iss_pkey *iss_pkey_from_pem(const char *pem, size_t len, int is_file)
{
    BIO *bio = is_file ? BIO_new_file(pem, "r") : BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *k = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    if (!k)
        ERR_clear_error();
    return k;
}

char *iss_pkey_to_pem(const iss_pkey *pkey, size_t *len)
{
    BIO *bio = BIO_new(BIO_s_mem());
    return mem_bio_take(bio, bio && PEM_write_bio_PrivateKey(bio, (EVP_PKEY *)pkey,
                                                              NULL, NULL, 0, NULL, NULL), len);
}

void iss_pkey_free(iss_pkey *pkey)
{
    EVP_PKEY_free(pkey);
}

/* ---- the parts of a certificate that CERT_asHash reports ---- */

long iss_x509_version(const iss_x509 *x509)
{
    return X509_get_version(x509);
}

static long long asn1_time_t(const ASN1_TIME *t)
{
    struct tm tm;
    if (!t || !ASN1_TIME_to_tm(t, &tm))
        return 0;
    return (long long)timegm(&tm);
}

void iss_x509_validity(const iss_x509 *x509, long long *not_before, long long *not_after)
{
    *not_before = asn1_time_t(X509_get0_notBefore(x509));
    *not_after = asn1_time_t(X509_get0_notAfter(x509));
}

char *iss_x509_serial_dec(const iss_x509 *x509)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x509), NULL);
    char *dec = bn ? BN_bn2dec(bn) : NULL, *out = dec ? strdup(dec) : NULL;
    OPENSSL_free(dec);
    BN_free(bn);
    return out;
}

/* Long name ("sha256WithRSAEncryption"), or the OID when it has none. */
int iss_x509_sigalg(const iss_x509 *x509, char *buf, size_t len)
{
    const X509_ALGOR *alg = NULL;
    X509_get0_signature(NULL, &alg, x509);
    return alg ? OBJ_obj2txt(buf, (int)len, alg->algorithm, 0) : 0;
}

void iss_x509_name_entries(const iss_x509 *x509, int which, iss_str_fn fn, void *data)
{
    const X509_NAME *n = which ? X509_get_issuer_name(x509) : X509_get_subject_name(x509);
    int i, count = X509_NAME_entry_count(n);
    for (i = 0; i < count; i++) {
        const X509_NAME_ENTRY *e = X509_NAME_get_entry(n, i);
        const ASN1_STRING *v = X509_NAME_ENTRY_get_data(e);
        char key[128];
        if (OBJ_obj2txt(key, sizeof key, X509_NAME_ENTRY_get_object(e), 0) <= 0)
            continue;
        fn(data, key, (const char *)ASN1_STRING_get0_data(v), (size_t)ASN1_STRING_length(v));
    }
}

void iss_x509_crl_uris(const iss_x509 *x509, iss_str_fn fn, void *data)
{
    STACK_OF(DIST_POINT) *dps = X509_get_ext_d2i(x509, NID_crl_distribution_points, NULL, NULL);
    int i, j;
    for (i = 0; dps && i < sk_DIST_POINT_num(dps); i++) {
        DIST_POINT *dp = sk_DIST_POINT_value(dps, i);
        if (!dp->distpoint || dp->distpoint->type != 0)
            continue;                       /* not a list of full names */
        for (j = 0; j < sk_GENERAL_NAME_num(dp->distpoint->name.fullname); j++) {
            GENERAL_NAME *g = sk_GENERAL_NAME_value(dp->distpoint->name.fullname, j);
            if (g->type == GEN_URI)
                fn(data, NULL, (const char *)ASN1_STRING_get0_data(g->d.uniformResourceIdentifier),
                   (size_t)ASN1_STRING_length(g->d.uniformResourceIdentifier));
        }
    }
    sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
}

void iss_x509_ocsp_uris(const iss_x509 *x509, iss_str_fn fn, void *data)
{
    AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(x509, NID_info_access, NULL, NULL);
    int i;
    for (i = 0; aia && i < sk_ACCESS_DESCRIPTION_num(aia); i++) {
        ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);
        if (OBJ_obj2nid(ad->method) == NID_ad_OCSP && ad->location->type == GEN_URI)
            fn(data, NULL, (const char *)ASN1_STRING_get0_data(ad->location->d.uniformResourceIdentifier),
               (size_t)ASN1_STRING_length(ad->location->d.uniformResourceIdentifier));
    }
    AUTHORITY_INFO_ACCESS_free(aia);
}

void iss_x509_key_usage(const iss_x509 *x509, iss_str_fn fn, void *data)
{
    static const struct { unsigned long bit; const char *name; } ku[] = {
        { KU_DIGITAL_SIGNATURE, "digitalSignature" }, { KU_NON_REPUDIATION, "nonRepudiation" },
        { KU_KEY_ENCIPHERMENT, "keyEncipherment" }, { KU_DATA_ENCIPHERMENT, "dataEncipherment" },
        { KU_KEY_AGREEMENT, "keyAgreement" }, { KU_KEY_CERT_SIGN, "keyCertSign" },
        { KU_CRL_SIGN, "cRLSign" }, { KU_ENCIPHER_ONLY, "encipherOnly" },
        { KU_DECIPHER_ONLY, "decipherOnly" },
    };
    ASN1_BIT_STRING *bits = X509_get_ext_d2i(x509, NID_key_usage, NULL, NULL);
    unsigned long u = 0;
    size_t i;
    if (!bits)
        return;                               /* no keyUsage: nothing listed */
    if (bits->length > 0)
        u = bits->data[0];
    if (bits->length > 1)
        u |= (unsigned long)bits->data[1] << 8;
    ASN1_BIT_STRING_free(bits);
    for (i = 0; i < sizeof ku / sizeof *ku; i++)
        if (u & ku[i].bit)
            fn(data, NULL, ku[i].name, strlen(ku[i].name));
}

/* fn(data, what, value): what is "oid", "nid", "sn" or "ln" per usage */
void iss_x509_ext_key_usage(const iss_x509 *x509, iss_str_fn fn, void *data)
{
    EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(x509, NID_ext_key_usage, NULL, NULL);
    int i;
    for (i = 0; eku && i < sk_ASN1_OBJECT_num(eku); i++) {
        ASN1_OBJECT *o = sk_ASN1_OBJECT_value(eku, i);
        int nid = OBJ_obj2nid(o);
        char buf[128];
        if (OBJ_obj2txt(buf, sizeof buf, o, 1) > 0)
            fn(data, "oid", buf, strlen(buf));
        snprintf(buf, sizeof buf, "%d", nid);
        fn(data, "nid", buf, strlen(buf));
        if (nid != NID_undef) {
            fn(data, "sn", OBJ_nid2sn(nid), strlen(OBJ_nid2sn(nid)));
            fn(data, "ln", OBJ_nid2ln(nid), strlen(OBJ_nid2ln(nid)));
        }
    }
    sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
}

int iss_x509_ext_count(const iss_x509 *x509)
{
    return X509_get_ext_count(x509);
}

/* Extension i: its name or OID, NID (0 if none), criticality and the text
 * X509V3_EXT_print makes of it (malloc'd; NULL when OpenSSL cannot print it). */
char *iss_x509_ext_get(const iss_x509 *x509, int i, char *name, size_t namelen, int *nid,
                       int *critical, size_t *textlen)
{
    X509_EXTENSION *e = X509_get_ext(x509, i);
    ASN1_OBJECT *o;
    BIO *bio;
    if (!e)
        return NULL;
    o = X509_EXTENSION_get_object(e);
    if (OBJ_obj2txt(name, (int)namelen, o, 0) <= 0)
        name[0] = '\0';
    *nid = OBJ_obj2nid(o);
    *critical = X509_EXTENSION_get_critical(e);
    bio = BIO_new(BIO_s_mem());
    return mem_bio_take(bio, bio && X509V3_EXT_print(bio, e, 0, 0) > 0, textlen);
}

/* Every certificate of a PEM file, in order: fn gets each new X509* (the
 * caller's to free). Returns how many, or -1 when the file cannot be read
 * or a certificate in it cannot be parsed (those read so far are freed). */
int iss_x509_list_from_pem_file(const char *file, void (*fn)(void *, iss_x509 *), void *data)
{
    BIO *bio = BIO_new_file(file, "r");
    STACK_OF(X509_INFO) *infos;
    int i, n = 0;
    if (!bio)
        return -1;
    infos = PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (!infos)
        return -1;
    for (i = 0; i < sk_X509_INFO_num(infos); i++) {
        X509_INFO *xi = sk_X509_INFO_value(infos, i);
        if (xi->x509) {
            fn(data, xi->x509);
            xi->x509 = NULL;                  /* now the caller's */
            n++;
        }
    }
    sk_X509_INFO_pop_free(infos, X509_INFO_free);
    return n;
}
