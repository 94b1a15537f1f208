/* session.c: resumption: the client's session cache hook (sessions and
 * TLS 1.3 tickets arrive through the new-session callback, also after the
 * handshake) and the server's ticket key callback (RFC 5077 key rotation). */
#include <pthread.h>
#include <string.h>
#include <openssl/rand.h>
#include <openssl/core_names.h>
#include "iss_internal.h"

/* The context the connection was made on. OpenSSL runs the session, ticket
 * and PSK callbacks of that one (the session context), also after SNI moved
 * the connection to a per-host context. */
static iss_ctx *session_ctx(SSL *ssl, iss_conn **cp)
{
    iss_conn *c = *cp = SSL_get_ex_data(ssl, iss_conn_ex_index);
    return c ? c->ctx : SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), iss_ctx_ex_index);
}

static int new_session_cb(SSL *ssl, SSL_SESSION *sess)
{
    iss_conn *c;
    iss_ctx *ctx = session_ctx(ssl, &c);
    if (!ctx || !ctx->session_hook)
        return 0;
    /* 1: the hook kept our reference on sess */
    return ctx->session_hook(ctx->session_data, c, sess);
}

void iss_ctx_set_session_hook(iss_ctx *ctx, iss_session_hook fn, void *data)
{
    ctx->session_hook = fn;
    ctx->session_data = data;
    if (fn) {
        SSL_CTX_set_session_cache_mode(ctx->ssl_ctx,
            SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
        SSL_CTX_sess_set_new_cb(ctx->ssl_ctx, new_session_cb);
    }
}

int iss_conn_set_session(iss_conn *c, iss_session *sess)
{
    return SSL_set_session(c->ssl, (SSL_SESSION *)sess) ? ISS_OK : ISS_ERR;
}

iss_session *iss_conn_get1_session(iss_conn *c)
{
    return SSL_get1_session(c->ssl);
}

void iss_session_free(iss_session *sess)
{
    SSL_SESSION_free((SSL_SESSION *)sess);
}

int iss_session_up_ref(iss_session *sess)
{
    return SSL_SESSION_up_ref((SSL_SESSION *)sess);
}

int iss_session_is_resumable(iss_session *sess)
{
    return SSL_SESSION_is_resumable((SSL_SESSION *)sess);
}

/* Client sessions carry the settings they were checked under: a resumed
 * handshake skips the checks (chain, host name, fingerprints, callbacks) and
 * presents the client certificate of the handshake that made the session,
 * so a session is offered only to connections with the same settings. The
 * digest of those settings is the session id context, which a client's
 * sessions otherwise leave empty; OpenSSL copies it into every session of
 * the connection and refuses a resumption under another one. */
/* SHA-256 fetched once: EVP_sha256() makes EVP_Digest look the algorithm
 * up in the provider store on every call, about a third of the digest of
 * these short strings. */
static EVP_MD *sig_md;
static pthread_once_t sig_md_once = PTHREAD_ONCE_INIT;

static void sig_md_fetch(void)
{
    sig_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static int sig_digest(const void *sig, size_t len, unsigned char *md)
{
    unsigned int mdlen = 0;
    pthread_once(&sig_md_once, sig_md_fetch);
    return EVP_Digest(sig, len, md, &mdlen, sig_md ? sig_md : EVP_sha256(), NULL) && mdlen == 32;
}

static int id_ctx_is(iss_session *sess, const unsigned char *md)
{
    unsigned int have = 0;
    const unsigned char *id = SSL_SESSION_get0_id_context((SSL_SESSION *)sess, &have);
    return have == 32 && memcmp(id, md, 32) == 0;
}

/* One digest per connection: the session to offer (if any) is checked
 * against the same one. *offered says whether it fitted and was offered. */
int iss_conn_bind_sessions(iss_conn *c, const void *sig, size_t len,
                           iss_session *offer, int *offered)
{
    unsigned char md[32];
    if (offered)
        *offered = 0;
    if (!sig_digest(sig, len, md) || !SSL_set_session_id_context(c->ssl, md, sizeof md))
        return ISS_ERR;
    if (offer && id_ctx_is(offer, md)) {
        iss_conn_set_session(c, offer);
        if (offered)
            *offered = 1;
    }
    return ISS_OK;
}

/* The 32-byte key of the Perl callback: 16 bytes HMAC secret, then 16 bytes
 * AES-128 key, the layout the reference's callback contract uses. */
static int ticket_cb(SSL *ssl, unsigned char *key_name, unsigned char *iv,
                     EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx, int enc)
{
    iss_conn *c;
    iss_ctx *ctx = session_ctx(ssl, &c);
    unsigned char key[32], name[16];
    OSSL_PARAM params[3];
    int r;
    if (!ctx || !ctx->ticket_hook)
        return 0;
    if (enc) {
        r = ctx->ticket_hook(ctx->ticket_data, c, NULL, key, name) == 1 ? 1 : -1;
        if (r == 1) {
            memcpy(key_name, name, 16);
            if (RAND_bytes(iv, 16) <= 0)
                r = -1;
        }
    } else {
        r = ctx->ticket_hook(ctx->ticket_data, c, key_name, key, name) == 1 ? 1 : 0;
    }                             /* (decrypting, an unknown key: a full handshake) */
    if (r == 1) {
        params[0] = OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, key, 16);
        params[1] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
        params[2] = OSSL_PARAM_construct_end();
        if (!EVP_MAC_CTX_set_params(hctx, params))
            r = -1;
        else if (!(enc ? EVP_EncryptInit_ex(cctx, EVP_aes_128_cbc(), NULL, key + 16, iv)
                       : EVP_DecryptInit_ex(cctx, EVP_aes_128_cbc(), NULL, key + 16, iv)))
            r = -1;
    }
    OPENSSL_cleanse(key, sizeof key);   /* on every way out */
    if (r != 1)
        return r;
    /* 2: accepted, but renew the ticket under the current key */
    return (!enc && memcmp(name, key_name, 16) != 0) ? 2 : 1;
}

void iss_ctx_set_ticket_hook(iss_ctx *ctx, iss_ticket_hook fn, void *data)
{
    ctx->ticket_hook = fn;
    ctx->ticket_data = data;
    SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx->ssl_ctx, fn ? ticket_cb : NULL);
}

/* ---- pre-shared keys ---- */

static unsigned int psk_client_cb(SSL *ssl, const char *hint, char *identity,
                                  unsigned int max_identity_len, unsigned char *psk,
                                  unsigned int max_psk_len)
{
    iss_conn *c;
    iss_ctx *ctx = session_ctx(ssl, &c);
    size_t idl;
    (void)hint;
    if (!ctx || !ctx->npsk)
        return 0;
    idl = strlen(ctx->psk[0].identity);
    if (idl + 1 > max_identity_len || ctx->psk[0].len > max_psk_len)
        return 0;
    memcpy(identity, ctx->psk[0].identity, idl + 1);
    memcpy(psk, ctx->psk[0].key, ctx->psk[0].len);
    return (unsigned int)ctx->psk[0].len;
}

static unsigned int psk_server_cb(SSL *ssl, const char *identity, unsigned char *psk,
                                  unsigned int max_psk_len)
{
    iss_conn *c;
    iss_ctx *ctx = session_ctx(ssl, &c);
    int i, dflt = -1;
    if (!ctx)
        return 0;
    for (i = 0; i < ctx->npsk; i++) {
        if (!ctx->psk[i].identity[0])
            dflt = i;
        else if (identity && strcmp(ctx->psk[i].identity, identity) == 0)
            break;
    }
    if (i == ctx->npsk)
        i = dflt;                 /* '' is the key for any other identity */
    if (i < 0 || ctx->psk[i].len > max_psk_len)
        return 0;
    memcpy(psk, ctx->psk[i].key, ctx->psk[i].len);
    return (unsigned int)ctx->psk[i].len;
}

int iss_ctx_add_psk(iss_ctx *ctx, const char *identity, const unsigned char *key, size_t len)
{
    struct iss_psk *n;
    if (len == 0 || len > PSK_MAX_PSK_LEN || strlen(identity) > PSK_MAX_IDENTITY_LEN)
        return ISS_ERR;
    /* the keys are secret: no copies left behind in freed memory */
    n = OPENSSL_clear_realloc(ctx->psk, ctx->npsk * sizeof *n, (ctx->npsk + 1) * sizeof *n);
    if (!n)
        return ISS_ERR;
    ctx->psk = n;
    n += ctx->npsk++;
    memset(n, 0, sizeof *n);
    strcpy(n->identity, identity);
    memcpy(n->key, key, len);
    n->len = len;
    if (ctx->is_server)
        SSL_CTX_set_psk_server_callback(ctx->ssl_ctx, psk_server_cb);
    else
        SSL_CTX_set_psk_client_callback(ctx->ssl_ctx, psk_client_cb);
    return ISS_OK;
}

void iss_psk_free(iss_ctx *ctx)
{
    if (ctx->psk)
        OPENSSL_clear_free(ctx->psk, ctx->npsk * sizeof *ctx->psk);
    ctx->psk = NULL;
    ctx->npsk = 0;
}
