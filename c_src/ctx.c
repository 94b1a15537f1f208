/* ctx.c: a TLS context (SSL_CTX plus our settings), reference counted. */
#include <stdlib.h>
#include <string.h>
#include <openssl/dh.h>
#include <openssl/pem.h>
#include "iss_internal.h"

void iss_ctx_record_error(iss_ctx *ctx)
{
    iss_error_openssl(&ctx->err);
}

iss_ctx *iss_ctx_new(int is_server, int min_version, int max_version, long options)
{
    iss_ctx *ctx;
    if (iss_init() != ISS_OK)
        return NULL;
    ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return NULL;
    ctx->refs = 1;
    iss_error_init(&ctx->err);
    ctx->is_server = is_server;
    ctx->ssl_ctx = SSL_CTX_new(is_server ? TLS_server_method() : TLS_client_method());
    if (!ctx->ssl_ctx)
        goto err;
    SSL_CTX_set_ex_data(ctx->ssl_ctx, iss_ctx_ex_index, ctx);
    /* OpenSSL 3 forbids TLS < 1.2 at its default security level; a caller who
     * asks for an old version explicitly gets level 0, as the version grammar
     * is the only way to reach them. */
    if ((min_version && min_version < TLS1_2_VERSION) ||
        (max_version && max_version < TLS1_2_VERSION))
        SSL_CTX_set_security_level(ctx->ssl_ctx, 0);
    if (!SSL_CTX_set_min_proto_version(ctx->ssl_ctx, min_version) ||
        !SSL_CTX_set_max_proto_version(ctx->ssl_ctx, max_version))
        goto err;
    SSL_CTX_set_options(ctx->ssl_ctx, (uint64_t)options);
    /* Partial writes so syswrite can report them; a moving buffer because a Perl
     * string may be reallocated between retries; auto-retry so a blocking read
     * does not return after a lone post-handshake message (non-blocking sockets
     * still get WANT_READ from the EAGAIN that follows). Buffers released
     * while idle: ~9 KiB less per idle connection, for 0.2 % more
     * instructions in bulk reads (bench/RESULTS.md). */
    SSL_CTX_set_mode(ctx->ssl_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
                     SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_AUTO_RETRY |
                     SSL_MODE_RELEASE_BUFFERS);
    /* Trusted-first and partial chains: an intermediate CA in the trust store
     * is an anchor, as the reference configures. */
    X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param(ctx->ssl_ctx),
                                X509_V_FLAG_TRUSTED_FIRST | X509_V_FLAG_PARTIAL_CHAIN);
    SSL_CTX_set_verify(ctx->ssl_ctx, SSL_VERIFY_NONE, iss_verify_cb);
    return ctx;
err:
    iss_err_clear();           /* nobody is left to read the record */
    if (ctx->ssl_ctx)
        SSL_CTX_free(ctx->ssl_ctx);
    free(ctx);
    return NULL;
}

/* A context may be shared by the interpreters of several threads (each
 * holds a reference) and used by their connections at once. */
void iss_ctx_incref(iss_ctx *ctx)
{
    if (ctx)
        __atomic_add_fetch(&ctx->refs, 1, __ATOMIC_RELAXED);
}

void iss_ctx_decref(iss_ctx *ctx)
{
    /* release: our writes happen before the free; acquire: the last owner
     * sees every other owner's writes before it frees */
    if (!ctx || __atomic_sub_fetch(&ctx->refs, 1, __ATOMIC_ACQ_REL) > 0)
        return;
    SSL_CTX_free(ctx->ssl_ctx);
    iss_sni_free(ctx);
    iss_alpn_free(ctx);
    iss_psk_free(ctx);
    iss_ocsp_ctx_free(ctx);
    free(ctx->fps);
    free(ctx->default_dir);
    free(ctx->cipher_list);
    free(ctx->ciphersuites);
    iss_error_clear(&ctx->err);
    free(ctx);
}

iss_ssl_ctx *iss_ctx_ssl_ctx(iss_ctx *ctx) { return ctx->ssl_ctx; }

iss_error *iss_ctx_error(iss_ctx *ctx) { return &ctx->err; }
int iss_ctx_is_server(iss_ctx *ctx) { return ctx->is_server; }

int iss_ctx_set_cipher_list(iss_ctx *ctx, const char *list)
{
    if (SSL_CTX_set_cipher_list(ctx->ssl_ctx, list)) {
        free(ctx->cipher_list);
        ctx->cipher_list = strdup(list);   /* SNI applies it per connection */
        return ISS_OK;
    }
    iss_ctx_record_error(ctx);
    return ISS_ERR;
}

int iss_ctx_set_ciphersuites(iss_ctx *ctx, const char *list)
{
    if (SSL_CTX_set_ciphersuites(ctx->ssl_ctx, list)) {
        free(ctx->ciphersuites);
        ctx->ciphersuites = strdup(list);
        return ISS_OK;
    }
    iss_ctx_record_error(ctx);
    return ISS_ERR;
}

int iss_ctx_set_verify(iss_ctx *ctx, int mode, const iss_scheme *scheme)
{
    ctx->verify_mode = mode;
    if (scheme)
        ctx->scheme = *scheme;
    else
        memset(&ctx->scheme, 0, sizeof ctx->scheme);
    SSL_CTX_set_verify(ctx->ssl_ctx, mode, iss_verify_cb);
    return ISS_OK;
}

void iss_ctx_set_post_handshake_auth(iss_ctx *ctx, int on)
{
    SSL_CTX_set_post_handshake_auth(ctx->ssl_ctx, on ? 1 : 0);
}

/* Queues the CertificateRequest and sends it at once (it would otherwise
 * wait for the next write); the client's answer is read with later reads. */
int iss_raw_verify_client_post_handshake(void *ssl)
{
    if (!SSL_verify_client_post_handshake((SSL *)ssl)) {
        ERR_clear_error();
        return 0;
    }
    return SSL_do_handshake((SSL *)ssl) == 1 ? 1 : 0;
}

void iss_ctx_set_verify_hook(iss_ctx *ctx, iss_verify_hook fn, void *data)
{
    ctx->verify_hook = fn;
    ctx->verify_data = data;
}

static int passwd_trampoline(char *buf, int size, int rwflag, void *u)
{
    iss_ctx *ctx = u;
    if (!ctx->passwd_hook)
        return 0;
    return ctx->passwd_hook(ctx->passwd_data, rwflag, buf, size);
}

void iss_ctx_set_passwd_hook(iss_ctx *ctx, iss_passwd_hook fn, void *data)
{
    ctx->passwd_hook = fn;
    ctx->passwd_data = data;
    SSL_CTX_set_default_passwd_cb(ctx->ssl_ctx, fn ? passwd_trampoline : NULL);
    SSL_CTX_set_default_passwd_cb_userdata(ctx->ssl_ctx, fn ? ctx : NULL);
}

int iss_ctx_set_mode(iss_ctx *ctx, long mode)
{
    SSL_CTX_set_mode(ctx->ssl_ctx, mode);
    return ISS_OK;
}

int iss_ctx_set_session_id_context(iss_ctx *ctx, const char *id, size_t len)
{
    if (len > SSL_MAX_SID_CTX_LENGTH)
        len = SSL_MAX_SID_CTX_LENGTH;
    if (SSL_CTX_set_session_id_context(ctx->ssl_ctx, (const unsigned char *)id,
                                       (unsigned int)len))
        return ISS_OK;
    iss_ctx_record_error(ctx);
    return ISS_ERR;
}

int iss_ctx_set_groups(iss_ctx *ctx, const char *list)
{
    if (SSL_CTX_set1_groups_list(ctx->ssl_ctx, list))
        return ISS_OK;
    iss_ctx_record_error(ctx);
    return ISS_ERR;
}

static int use_dh_bio(iss_ctx *ctx, BIO *bio)
{
    EVP_PKEY *pkey = bio ? PEM_read_bio_Parameters(bio, NULL) : NULL;
    if (!pkey || !SSL_CTX_set0_tmp_dh_pkey(ctx->ssl_ctx, pkey)) {
        EVP_PKEY_free(pkey);
        iss_ctx_record_error(ctx);
        return ISS_ERR;
    }
    return ISS_OK;    /* the context owns pkey now */
}

int iss_ctx_set_dh_pem(iss_ctx *ctx, const char *pem, size_t len)
{
    BIO *bio;
    int rc;
    if (!pem) {
        /* The built-in group: OpenSSL's RFC 7919/3526 groups sized to the key. */
        SSL_CTX_set_dh_auto(ctx->ssl_ctx, 1);
        return ISS_OK;
    }
    bio = BIO_new_mem_buf(pem, (int)len);
    rc = use_dh_bio(ctx, bio);
    BIO_free(bio);
    return rc;
}

int iss_ctx_set_dh_file(iss_ctx *ctx, const char *file)
{
    BIO *bio = BIO_new_file(file, "r");
    int rc = use_dh_bio(ctx, bio);
    BIO_free(bio);
    return rc;
}

int iss_ctx_set_verify_flags(iss_ctx *ctx, unsigned long flags)
{
    X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param(ctx->ssl_ctx), flags);
    return ISS_OK;
}

int iss_ctx_add_fingerprint(iss_ctx *ctx, const char *algo, int pubkey,
                            const unsigned char *digest, size_t len)
{
    struct iss_fp *n;
    if (len > EVP_MAX_MD_SIZE || strlen(algo) >= sizeof n->algo || !EVP_get_digestbyname(algo))
        return ISS_ERR;
    n = realloc(ctx->fps, (ctx->nfps + 1) * sizeof *n);
    if (!n)
        return ISS_ERR;
    ctx->fps = n;
    n += ctx->nfps++;
    strcpy(n->algo, algo);
    n->pubkey = pubkey;
    memcpy(n->digest, digest, len);
    n->len = (unsigned int)len;
    return ISS_OK;
}

void iss_ctx_force_fingerprint(iss_ctx *ctx, int force)
{
    ctx->force_fps = force;
}
