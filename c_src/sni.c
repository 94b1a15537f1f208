/* sni.c: server name indication: a server context with one child context
 * per host name, chosen by the client's SNI ('' is the default). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "iss_internal.h"

/* The host's context, NULL for a name without one. */
static iss_ctx *sni_find(iss_ctx *ctx, const char *host)
{
    int i;
    for (i = 0; i < ctx->nsni; i++)
        if (strcasecmp(ctx->sni[i].host, host) == 0)
            return ctx->sni[i].ctx;
    return NULL;
}

/* Moves the connection to child's context; 1 if it was not there yet. */
static int sni_switch(SSL *ssl, iss_ctx *child)
{
    if (child->ssl_ctx == SSL_get_SSL_CTX(ssl))
        return 0;
    SSL_set_SSL_CTX(ssl, child->ssl_ctx);
    return 1;
}

static int servername_cb(SSL *ssl, int *alert, void *arg)
{
    iss_ctx *ctx = arg, *child;
    const char *host = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    (void)alert;
    child = sni_find(ctx, host ? host : "");
    if (!child)   /* unknown names get the default context, if there is one */
        return ctx->has_default ? SSL_TLSEXT_ERR_OK : SSL_TLSEXT_ERR_ALERT_FATAL;
    sni_switch(ssl, child);
    return SSL_TLSEXT_ERR_OK;
}

/* The host name from the ClientHello's server_name extension (RFC 6066 3). */
static int hello_servername(SSL *ssl, char *out, size_t outlen)
{
    const unsigned char *p;
    size_t len, n;
    if (!SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &p, &len) || len < 5)
        return 0;
    n = ((size_t)p[0] << 8) | p[1];
    if (n + 2 != len || p[2] != TLSEXT_NAMETYPE_host_name)
        return 0;
    n = ((size_t)p[3] << 8) | p[4];
    if (n + 5 > len || n == 0 || n >= outlen || memchr(p + 5, 0, n))
        return 0;
    memcpy(out, p + 5, n);
    out[n] = '\0';
    return 1;
}

/* Switch to the host's context as early as the ClientHello, so that its
 * TLS 1.3 cipher suites and cipher list apply: OpenSSL picks the suite
 * before the servername callback runs. */
static int client_hello_cb(SSL *ssl, int *alert, void *arg)
{
    iss_ctx *ctx = arg, *child = NULL;
    char host[256];
    (void)alert;
    if (hello_servername(ssl, host, sizeof host))
        child = sni_find(ctx, host);
    if (!child)
        return SSL_CLIENT_HELLO_SUCCESS;   /* the servername callback decides */
    /* the connection keeps the ciphers it was made with: set the host's,
     * once (a HelloRetryRequest brings the ClientHello back) */
    if (sni_switch(ssl, child)) {
        if (child->cipher_list)
            SSL_set_cipher_list(ssl, child->cipher_list);
        if (child->ciphersuites)
            SSL_set_ciphersuites(ssl, child->ciphersuites);
    }
    return SSL_CLIENT_HELLO_SUCCESS;
}

int iss_ctx_add_sni(iss_ctx *ctx, const char *host, iss_ctx *child)
{
    char *name = strdup(host);
    struct iss_sni *n = name ? realloc(ctx->sni, (ctx->nsni + 1) * sizeof *n) : NULL;
    if (!n) {
        free(name);
        return ISS_ERR;
    }
    ctx->sni = n;
    n += ctx->nsni++;
    n->host = name;
    n->ctx = child;
    /* the main context may serve a name itself: no reference on itself,
     * or it could never be freed */
    if (child != ctx)
        iss_ctx_incref(child);
    SSL_CTX_set_tlsext_servername_callback(ctx->ssl_ctx, servername_cb);
    SSL_CTX_set_tlsext_servername_arg(ctx->ssl_ctx, ctx);
    SSL_CTX_set_client_hello_cb(ctx->ssl_ctx, client_hello_cb, ctx);
    return ISS_OK;
}

void iss_ctx_sni_default(iss_ctx *ctx, int has_default)
{
    ctx->has_default = has_default;
}

void iss_sni_free(iss_ctx *ctx)
{
    int i;
    for (i = 0; i < ctx->nsni; i++) {
        free(ctx->sni[i].host);
        if (ctx->sni[i].ctx != ctx)
            iss_ctx_decref(ctx->sni[i].ctx);
    }
    free(ctx->sni);
    ctx->sni = NULL;
    ctx->nsni = 0;
}
