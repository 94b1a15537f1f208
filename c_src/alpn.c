/* alpn.c: application protocol negotiation, ALPN (RFC 7301) and the older
 * NPN, on both sides. Lists are kept in wire format (length-prefixed). */
#include <stdlib.h>
#include <string.h>
#include "iss_internal.h"

/* "h2", "http/1.1" -> "\x02h2\x08http/1.1"; returns NULL on a bad entry. */
unsigned char *iss_protos_wire(const char *const *list, int n, unsigned int *outlen)
{
    size_t total = 0;
    unsigned char *out, *p;
    int i;
    for (i = 0; i < n; i++) {
        size_t l = strlen(list[i]);
        if (l == 0 || l > 255)
            return NULL;
        total += l + 1;
    }
    out = p = malloc(total ? total : 1);
    if (!out)
        return NULL;
    for (i = 0; i < n; i++) {
        size_t l = strlen(list[i]);
        *p++ = (unsigned char)l;
        memcpy(p, list[i], l);
        p += l;
    }
    *outlen = (unsigned int)total;
    return out;
}

/* Server: the first protocol of our list that the client offers wins. No
 * overlap means no protocol, not a failed handshake (RFC 7301 allows both;
 * the reference does this). */
static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    iss_ctx *ctx = arg;
    unsigned char *sel;
    (void)ssl;
    if (SSL_select_next_proto(&sel, outlen, ctx->alpn, ctx->alpn_len, in, inlen)
        != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK;
    *out = sel;
    return SSL_TLSEXT_ERR_OK;
}

#ifndef OPENSSL_NO_NEXTPROTONEG
static int npn_advertise(SSL *ssl, const unsigned char **out, unsigned int *outlen, void *arg)
{
    iss_ctx *ctx = arg;
    (void)ssl;
    *out = ctx->npn;
    *outlen = ctx->npn_len;
    return SSL_TLSEXT_ERR_OK;
}

static int npn_select(SSL *ssl, unsigned char **out, unsigned char *outlen,
                      const unsigned char *in, unsigned int inlen, void *arg)
{
    iss_ctx *ctx = arg;
    (void)ssl;
    /* our preference first; without overlap OpenSSL's rule takes our first */
    SSL_select_next_proto(out, outlen, ctx->npn, ctx->npn_len, in, inlen);
    return SSL_TLSEXT_ERR_OK;
}
#endif

/* Replaces *dst with a copy of the wire-format protocol list. */
static int keep_wire(unsigned char **dst, unsigned int *dst_len,
                     const unsigned char *wire, unsigned int len)
{
    unsigned char *copy = malloc(len ? len : 1);
    if (!copy)
        return ISS_ERR;
    memcpy(copy, wire, len);
    free(*dst);
    *dst = copy;
    *dst_len = len;
    return ISS_OK;
}

int iss_ctx_set_alpn(iss_ctx *ctx, const unsigned char *wire, unsigned int len)
{
    if (keep_wire(&ctx->alpn, &ctx->alpn_len, wire, len) != ISS_OK)
        return ISS_ERR;
    if (ctx->is_server) {
        SSL_CTX_set_alpn_select_cb(ctx->ssl_ctx, alpn_select, ctx);
        return ISS_OK;
    }
    /* SSL_CTX_set_alpn_protos returns 0 on success */
    if (SSL_CTX_set_alpn_protos(ctx->ssl_ctx, wire, len) == 0)
        return ISS_OK;
    iss_ctx_record_error(ctx);
    return ISS_ERR;
}

int iss_ctx_set_npn(iss_ctx *ctx, const unsigned char *wire, unsigned int len)
{
#ifndef OPENSSL_NO_NEXTPROTONEG
    if (keep_wire(&ctx->npn, &ctx->npn_len, wire, len) != ISS_OK)
        return ISS_ERR;
    if (ctx->is_server)
        SSL_CTX_set_next_protos_advertised_cb(ctx->ssl_ctx, npn_advertise, ctx);
    else
        SSL_CTX_set_next_proto_select_cb(ctx->ssl_ctx, npn_select, ctx);
    return ISS_OK;
#else
    (void)ctx; (void)wire; (void)len;
    return ISS_ERR;
#endif
}

int iss_can_npn(void)
{
#ifndef OPENSSL_NO_NEXTPROTONEG
    return 1;
#else
    return 0;
#endif
}

int iss_conn_alpn_selected(iss_conn *c, const char **p, unsigned int *len)
{
    const unsigned char *d = NULL;
    SSL_get0_alpn_selected(c->ssl, &d, len);
    *p = (const char *)d;
    return d != NULL && *len > 0;
}

int iss_conn_npn_selected(iss_conn *c, const char **p, unsigned int *len)
{
#ifndef OPENSSL_NO_NEXTPROTONEG
    const unsigned char *d = NULL;
    SSL_get0_next_proto_negotiated(c->ssl, &d, len);
    *p = (const char *)d;
    return d != NULL && *len > 0;
#else
    (void)c; (void)p; (void)len;
    return 0;
#endif
}

void iss_alpn_free(iss_ctx *ctx)
{
    free(ctx->alpn);
    free(ctx->npn);
}
