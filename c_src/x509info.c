/* x509info.c: what a connection and its certificates tell about themselves. */
#include <stdlib.h>
#include <string.h>
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

void *iss_conn_peer_cert(iss_conn *c)
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

void *iss_conn_own_cert(iss_conn *c) { return SSL_get_certificate(c->ssl); }

int iss_conn_peer_chain(iss_conn *c, void **out, int max)
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

char *iss_x509_name_oneline(const void *x509, int which)
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

char *iss_x509_common_name(const void *x509, size_t *len)
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

int iss_x509_alt_names(const void *x509, void (*fn)(void *, int, const char *, size_t),
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

int iss_x509_digest(const void *x509, const char *algo, int pubkey, unsigned char *out)
{
    const EVP_MD *md = EVP_get_digestbyname(algo);
    unsigned int len = 0;
    int ok;
    if (!md)
        return -1;
    ok = pubkey ? X509_pubkey_digest(x509, md, out, &len) : X509_digest(x509, md, out, &len);
    return ok ? (int)len : -1;
}

void *iss_x509_from_pem_file(const char *file)
{
    BIO *bio = BIO_new_file(file, "r");
    X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    return x;
}

void *iss_x509_from_pem(const char *pem, size_t len)
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

char *iss_x509_to_pem(const void *x509, size_t *len)
{
    BIO *bio = BIO_new(BIO_s_mem());
    return mem_bio_take(bio, bio && PEM_write_bio_X509(bio, (X509 *)x509), len);
}

void iss_x509_free(void *x509)
{
    X509_free(x509);
}

void *iss_pkey_from_pem(const char *pem, size_t len, int is_file)
{
    BIO *bio = is_file ? BIO_new_file(pem, "r") : BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *k = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    if (!k)
        ERR_clear_error();
    return k;
}

char *iss_pkey_to_pem(const void *pkey, size_t *len)
{
    BIO *bio = BIO_new(BIO_s_mem());
    return mem_bio_take(bio, bio && PEM_write_bio_PrivateKey(bio, (EVP_PKEY *)pkey,
                                                              NULL, NULL, 0, NULL, NULL), len);
}

void iss_pkey_free(void *pkey)
{
    EVP_PKEY_free(pkey);
}
