/* store.c: trust stores: CA files and directories, CRLs, client CA lists, and
 * the process-wide default store that every context on the defaults shares. */
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <openssl/pem.h>
#include "iss_internal.h"

static int store_unshare(iss_ctx *ctx);

/* A CA file or directory given as '' is none; 1 when neither is left. */
static int no_locations(const char **file, const char **dir)
{
    if (*file && !**file)
        *file = NULL;
    if (*dir && !**dir)
        *dir = NULL;
    return !*file && !*dir;
}

int iss_ctx_load_ca(iss_ctx *ctx, const char *file, const char *dir)
{
    if (no_locations(&file, &dir))
        return ISS_OK;
    if (store_unshare(ctx) == ISS_OK && SSL_CTX_load_verify_locations(ctx->ssl_ctx, file, dir))
        return ISS_OK;
    iss_ctx_record_error(ctx);
    return ISS_ERR;
}

/* The system bundle is ~140 certificates: parsing it costs tens of ms, and
 * HTTP clients build a context per connection. One parsed X509_STORE per
 * (file, dir) pair is kept for the life of the process and shared by
 * reference count; contexts that would modify it get a private copy first. */
struct default_store {
    char *file, *dir;
    X509_STORE *store;
    struct default_store *next;
};
static struct default_store *defaults;
static pthread_mutex_t defaults_lock = PTHREAD_MUTEX_INITIALIZER;

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static X509_STORE *store_load(const char *file, const char *dir)
{
    X509_STORE *st = X509_STORE_new();
    if (!st)
        return NULL;
    if (!X509_STORE_load_locations(st, file, dir)) {
        X509_STORE_free(st);
        return NULL;
    }
    return st;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* A fork() while another thread holds the lock would leave the child with
 * a lock nobody can release: hold it across fork() and release it on both
 * sides, so the child finds it free. */
static void fork_prepare(void) { pthread_mutex_lock(&defaults_lock); }
static void fork_after(void) { pthread_mutex_unlock(&defaults_lock); }
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static void atfork_register(void) { pthread_atfork(fork_prepare, fork_after, fork_after); }

static struct default_store *find_default(const char *file, const char *dir)
{
    struct default_store *d;
    for (d = defaults; d; d = d->next)
        if (same(d->file, file) && same(d->dir, dir))
            return d;
    return NULL;
}

int iss_ctx_use_default_ca(iss_ctx *ctx, const char *file, const char *dir)
{
    struct default_store *d, *fresh = NULL;
    X509_STORE *st = NULL;
    if (no_locations(&file, &dir))
        return ISS_OK;
    pthread_once(&atfork_once, atfork_register);
    pthread_mutex_lock(&defaults_lock);
    d = find_default(file, dir);
    pthread_mutex_unlock(&defaults_lock);
    if (!d) {
        /* parse outside the lock: it reads files for tens of ms */
        X509_STORE *loaded = store_load(file, dir);
        if (loaded && (fresh = calloc(1, sizeof *fresh)) != NULL) {
            fresh->file = dup_or_null(file);
            fresh->dir = dup_or_null(dir);
            fresh->store = loaded;
            if ((file && !fresh->file) || (dir && !fresh->dir)) {
                free(fresh->file);
                free(fresh->dir);
                free(fresh);
                fresh = NULL;
            }
        }
        if (loaded && !fresh)
            X509_STORE_free(loaded);
    }
    pthread_mutex_lock(&defaults_lock);
    if (!d && (d = find_default(file, dir)) == NULL && fresh) {
        fresh->next = defaults;        /* ours is the first: keep it */
        defaults = d = fresh;
        fresh = NULL;
    }
    if (d)
        st = d->store;
    if (st)
        SSL_CTX_set1_cert_store(ctx->ssl_ctx, st);   /* takes a reference */
    pthread_mutex_unlock(&defaults_lock);
    if (fresh) {                       /* another thread loaded it meanwhile */
        X509_STORE_free(fresh->store);
        free(fresh->file);
        free(fresh->dir);
        free(fresh);
    }
    if (!st) {
        iss_ctx_record_error(ctx);
        return ISS_ERR;
    }
    ctx->shared_store = 1;
    free(ctx->default_dir);
    ctx->default_dir = dup_or_null(dir);
    return ISS_OK;
}

void iss_store_forget_defaults(void)
{
    struct default_store *d, *next;
    pthread_mutex_lock(&defaults_lock);
    for (d = defaults; d; d = next) {
        next = d->next;
        X509_STORE_free(d->store);    /* contexts keep their own references */
        free(d->file);
        free(d->dir);
        free(d);
    }
    defaults = NULL;
    pthread_mutex_unlock(&defaults_lock);
}

/* Before adding to a shared store, give the context its own copy. */
static int store_unshare(iss_ctx *ctx)
{
    X509_STORE *st;
    STACK_OF(X509) *certs;
    int i;
    if (!ctx->shared_store)
        return ISS_OK;
    st = X509_STORE_new();
    if (!st)
        return ISS_ERR;
    /* the certificates are copied below; a CA directory is looked up
     * lazily, so only it is named again (the bundle is not parsed twice) */
    if (ctx->default_dir && !X509_STORE_load_locations(st, NULL, ctx->default_dir)) {
        X509_STORE_free(st);
        return ISS_ERR;
    }
    certs = X509_STORE_get1_all_certs(SSL_CTX_get_cert_store(ctx->ssl_ctx));
    for (i = 0; certs && i < sk_X509_num(certs); i++)
        X509_STORE_add_cert(st, sk_X509_value(certs, i));
    sk_X509_pop_free(certs, X509_free);
    SSL_CTX_set_cert_store(ctx->ssl_ctx, st);     /* drops our ref on the shared one */
    ctx->shared_store = 0;
    return ISS_OK;
}

int iss_ctx_add_ca_x509(iss_ctx *ctx, iss_x509 *x509)
{
    if (store_unshare(ctx) != ISS_OK ||
        !X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx->ssl_ctx), (X509 *)x509)) {
        iss_ctx_record_error(ctx);
        return ISS_ERR;
    }
    return ISS_OK;
}

int iss_ctx_load_crl_file(iss_ctx *ctx, const char *file)
{
    BIO *bio = BIO_new_file(file, "r");
    X509_CRL *crl = bio ? PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL) : NULL;
    int rc = ISS_ERR;
    BIO_free(bio);
    if (crl && store_unshare(ctx) == ISS_OK &&
        X509_STORE_add_crl(SSL_CTX_get_cert_store(ctx->ssl_ctx), crl))
        rc = ISS_OK;
    X509_CRL_free(crl);
    if (rc != ISS_OK)
        iss_ctx_record_error(ctx);
    return rc;
}

int iss_ctx_add_client_ca(iss_ctx *ctx, iss_x509 *x509)
{
    if (SSL_CTX_add_client_CA(ctx->ssl_ctx, (X509 *)x509))
        return ISS_OK;
    iss_ctx_record_error(ctx);
    return ISS_ERR;
}

int iss_ctx_load_client_ca_file(iss_ctx *ctx, const char *file)
{
    STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(file);
    if (!names) {
        iss_ctx_record_error(ctx);
        return ISS_ERR;
    }
    SSL_CTX_set_client_CA_list(ctx->ssl_ctx, names);
    return ISS_OK;
}
