/* dh_legacy.c: DH* handles. The reference's SSL_dh takes a DH* made with
 * Net::SSLeay (PEM_read_bio_DHparams), and our Net::SSLeay stand-in can make
 * one. DH is deprecated API in OpenSSL 3, so it is confined to this file;
 * everything else uses EVP_PKEY. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/ssl.h>
#include <openssl/pem.h>
#include <openssl/bio.h>
#include <openssl/dh.h>
#include <openssl/err.h>
#include <stdio.h>
#include "iss_internal.h"

#ifndef OPENSSL_NO_DEPRECATED_3_0
/* The context takes its own reference; the caller still frees its DH*. */
int iss_ctx_set_dh_handle(iss_ctx *ctx, void *dh)
{
    if (dh && SSL_CTX_set_tmp_dh(ctx->ssl_ctx, (DH *)dh))
        return ISS_OK;
    iss_ctx_record_error(ctx);
    return ISS_ERR;
}

void *iss_raw_pem_read_dh(void *bio)
{
    DH *dh = bio ? PEM_read_bio_DHparams((BIO *)bio, NULL, NULL, NULL) : NULL;
    if (!dh)
        ERR_clear_error();        /* the stand-in reports failure by NULL alone */
    return dh;
}

void iss_raw_dh_free(void *dh)
{
    DH_free((DH *)dh);
}
#else
int iss_ctx_set_dh_handle(iss_ctx *ctx, void *dh)
{
    (void)dh;
    snprintf(ctx->err, sizeof ctx->err, "DH handles need OpenSSL's deprecated API");
    return ISS_ERR;
}

void *iss_raw_pem_read_dh(void *bio)
{
    (void)bio;
    return NULL;
}

void iss_raw_dh_free(void *dh)
{
    (void)dh;
}
#endif

void *iss_raw_bio_new_file(const char *path, const char *mode)
{
    BIO *bio = BIO_new_file(path, mode);
    if (!bio)
        ERR_clear_error();
    return bio;
}

void iss_raw_bio_free(void *bio)
{
    BIO_free((BIO *)bio);
}
