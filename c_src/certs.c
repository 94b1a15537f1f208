/* certs.c: the context's own certificate and key, from PEM, DER or PKCS#12. */
#include <stdio.h>
#include <string.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include "iss_internal.h"

/* Appends " [format:NAME] <OpenSSL errors> **" to the context's error, as
 * the reference reports every format it tried. */
static void note_format(iss_ctx *ctx, const char *name)
{
    char errs[ISS_ERRLEN];
    if (iss_err_drain(errs, sizeof errs) == 0)
        return;
    iss_error_append(&ctx->err, ISS_E_OPENSSL, ISS_SEV_OPENSSL, " [format:%s] %s **", name, errs);
}

static int use_pkcs12(iss_ctx *ctx, const char *file, int *got_key)
{
    BIO *bio = BIO_new_file(file, "rb");
    PKCS12 *p12 = bio ? d2i_PKCS12_bio(bio, NULL) : NULL;
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    STACK_OF(X509) *ca = NULL;
    int rc = ISS_ERR, ok;
    BIO_free(bio);
    if (!p12)
        return ISS_ERR;
    ok = PKCS12_parse(p12, NULL, &key, &cert, &ca) || PKCS12_parse(p12, "", &key, &cert, &ca);
    if (!ok && ctx->passwd_hook) {
        char pw[1024];
        int n = ctx->passwd_hook(ctx->passwd_data, 0, pw, sizeof pw - 1);
        if (n >= 0) {
            pw[n] = '\0';
            ERR_clear_error();
            ok = PKCS12_parse(p12, pw, &key, &cert, &ca);
        }
        OPENSSL_cleanse(pw, sizeof pw);
    }
    PKCS12_free(p12);
    if (!ok || !cert)
        goto done;
    if (!SSL_CTX_use_certificate(ctx->ssl_ctx, cert))
        goto done;
    /* PKCS12_parse returns the chain in file order: send it as given. */
    while (ca && sk_X509_num(ca) > 0) {
        X509 *x = sk_X509_shift(ca);
        if (!SSL_CTX_add_extra_chain_cert(ctx->ssl_ctx, x)) {   /* takes x on success */
            X509_free(x);
            goto done;
        }
    }
    if (key) {
        if (!SSL_CTX_use_PrivateKey(ctx->ssl_ctx, key))
            goto done;
        *got_key = 1;
    }
    rc = ISS_OK;
done:
    X509_free(cert);
    EVP_PKEY_free(key);
    sk_X509_pop_free(ca, X509_free);
    return rc;
}

int iss_ctx_use_cert_file(iss_ctx *ctx, const char *file, int *got_key, const char **fmt)
{
    *got_key = 0;
    iss_error_forget(&ctx->err, ISS_E_OPENSSL);
    ERR_clear_error();
    if (SSL_CTX_use_certificate_chain_file(ctx->ssl_ctx, file)) {
        *fmt = "PEM";
        return ISS_OK;
    }
    note_format(ctx, "PEM");
    if (SSL_CTX_use_certificate_file(ctx->ssl_ctx, file, SSL_FILETYPE_ASN1)) {
        *fmt = "DER";
        return ISS_OK;
    }
    note_format(ctx, "DER");
    if (use_pkcs12(ctx, file, got_key) == ISS_OK) {
        *fmt = "PKCS12";
        return ISS_OK;
    }
    note_format(ctx, "PKCS12");
    return ISS_ERR;
}

int iss_ctx_use_key_file(iss_ctx *ctx, const char *file)
{
    ERR_clear_error();
    if (SSL_CTX_use_PrivateKey_file(ctx->ssl_ctx, file, SSL_FILETYPE_PEM))
        return ISS_OK;
    {
        /* Keep the PEM failure: it says "bad decrypt" or "key values mismatch",
         * which is the useful part when the DER attempt fails too. */
        char pem_err[ISS_ERRLEN];
        iss_err_drain(pem_err, sizeof pem_err);
        if (SSL_CTX_use_PrivateKey_file(ctx->ssl_ctx, file, SSL_FILETYPE_ASN1)) {
            return ISS_OK;
        }
        ERR_clear_error();
        iss_error_set(&ctx->err, ISS_E_OPENSSL, ISS_SEV_OPENSSL, "%s", pem_err);
    }
    return ISS_ERR;
}

int iss_ctx_use_cert_x509(iss_ctx *ctx, iss_x509 *x509, int is_chain)
{
    int ok;
    if (is_chain) {
        X509 *x = X509_dup((X509 *)x509);   /* the context takes what we add */
        ok = x && SSL_CTX_add_extra_chain_cert(ctx->ssl_ctx, x);
        if (!ok)
            X509_free(x);
    } else {
        ok = SSL_CTX_use_certificate(ctx->ssl_ctx, (X509 *)x509);
    }
    if (ok)
        return ISS_OK;
    iss_ctx_record_error(ctx);
    return ISS_ERR;
}

int iss_ctx_use_key_pkey(iss_ctx *ctx, iss_pkey *pkey)
{
    if (SSL_CTX_use_PrivateKey(ctx->ssl_ctx, (EVP_PKEY *)pkey))
        return ISS_OK;
    iss_ctx_record_error(ctx);
    return ISS_ERR;
}

int iss_ctx_check_key(iss_ctx *ctx)
{
    if (SSL_CTX_check_private_key(ctx->ssl_ctx))
        return ISS_OK;
    iss_ctx_record_error(ctx);
    return ISS_ERR;
}
