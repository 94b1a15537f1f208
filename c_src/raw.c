/* raw.c: raw OpenSSL handles for the Net::SSLeay stand-in (iss_raw.h):
 * modes and options on an SSL* or SSL_CTX*, BIOs, and DH* handles. The
 * reference's SSL_dh takes a DH* made with Net::SSLeay
 * (PEM_read_bio_DHparams), and our stand-in can make one. DH is deprecated
 * API in OpenSSL 3, so it is confined to this file; everything else uses
 * EVP_PKEY. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/ssl.h>
#include <openssl/pem.h>
#include <openssl/bio.h>
#include <openssl/dh.h>
#include <openssl/err.h>
#include <stdio.h>
#include "iss_internal.h"
#include "iss_raw.h"

#ifndef OPENSSL_NO_DEPRECATED_3_0
/* The context takes its own reference; the caller still frees its DH*. */
int iss_ctx_set_dh_handle(iss_ctx *ctx, iss_dh *dh)
{
    if (dh && SSL_CTX_set_tmp_dh(ctx->ssl_ctx, (DH *)dh))
        return ISS_OK;
    iss_ctx_record_error(ctx);
    return ISS_ERR;
}

iss_dh *iss_raw_pem_read_dh(iss_bio *bio)
{
    DH *dh = bio ? PEM_read_bio_DHparams((BIO *)bio, NULL, NULL, NULL) : NULL;
    if (!dh)
        ERR_clear_error();        /* the stand-in reports failure by NULL alone */
    return dh;
}

void iss_raw_dh_free(iss_dh *dh)
{
    DH_free((DH *)dh);
}
#else
int iss_ctx_set_dh_handle(iss_ctx *ctx, iss_dh *dh)
{
    (void)dh;
    iss_error_set(&ctx->err, ISS_E_UNSUPPORTED, ISS_SEV_OPENSSL, "DH handles need OpenSSL's deprecated API");
    return ISS_ERR;
}

iss_dh *iss_raw_pem_read_dh(iss_bio *bio)
{
    (void)bio;
    return NULL;
}

void iss_raw_dh_free(iss_dh *dh)
{
    (void)dh;
}
#endif

iss_bio *iss_raw_bio_new_file(const char *path, const char *mode)
{
    BIO *bio = BIO_new_file(path, mode);
    if (!bio)
        ERR_clear_error();
    return bio;
}

void iss_raw_bio_free(iss_bio *bio)
{
    BIO_free((BIO *)bio);
}

long iss_raw_mode(int is_ctx, void *p, long set, long clear)
{
    if (is_ctx) {
        if (clear)
            SSL_CTX_clear_mode((SSL_CTX *)p, clear);
        return set ? SSL_CTX_set_mode((SSL_CTX *)p, set) : SSL_CTX_get_mode((SSL_CTX *)p);
    }
    if (clear)
        SSL_clear_mode((SSL *)p, clear);
    return set ? SSL_set_mode((SSL *)p, set) : SSL_get_mode((SSL *)p);
}

unsigned long long iss_raw_options(int is_ctx, void *p, unsigned long long set,
                                   unsigned long long clear)
{
    if (is_ctx) {
        if (clear)
            SSL_CTX_clear_options((SSL_CTX *)p, clear);
        return set ? SSL_CTX_set_options((SSL_CTX *)p, set) : SSL_CTX_get_options((SSL_CTX *)p);
    }
    if (clear)
        SSL_clear_options((SSL *)p, clear);
    return set ? SSL_set_options((SSL *)p, set) : SSL_get_options((SSL *)p);
}
