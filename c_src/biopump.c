/* biopump.c: a BIO whose reads and writes go through callbacks of the glue,
 * so TLS can run over another TLS connection (SSL_usebio) or any handle that
 * is not a plain file descriptor. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include "iss_internal.h"

static BIO_METHOD *method;
static pthread_once_t method_once = PTHREAD_ONCE_INIT;

/* Maps a callback result to BIO semantics: >0 bytes, 0 EOF, else retry or error. */
static int io_result(BIO *b, ssize_t n, int reading)
{
    if (n > 0)
        return (int)n;
    if (n == 0)
        return 0;
    if (n == ISS_WANT_READ || n == ISS_WANT_WRITE || n == ISS_EINTR) {
        if (n == ISS_EINTR)
            errno = EINTR;
        if (reading)
            BIO_set_retry_read(b);
        else
            BIO_set_retry_write(b);
    }
    return -1;
}

static int pump_read(BIO *b, char *buf, int len)
{
    iss_conn *c = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    if (!c || !c->io_read || len <= 0)
        return 0;
    return io_result(b, c->io_read(c->io.data, buf, (size_t)len), 1);
}

static int pump_write(BIO *b, const char *buf, int len)
{
    iss_conn *c = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    if (!c || !c->io_write || len <= 0)
        return 0;
    return io_result(b, c->io_write(c->io.data, buf, (size_t)len), 0);
}

static long pump_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)b; (void)num; (void)ptr;
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1;
    case BIO_CTRL_PENDING:
    case BIO_CTRL_WPENDING:
        return 0;
    default:
        return 0;
    }
}

static int pump_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static void make_method(void)
{
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "iss pump");
    if (!m)
        return;
    BIO_meth_set_read(m, pump_read);
    BIO_meth_set_write(m, pump_write);
    BIO_meth_set_ctrl(m, pump_ctrl);
    BIO_meth_set_create(m, pump_create);
    method = m;
}

iss_conn *iss_conn_new_io(iss_ctx *ctx, int is_server, iss_io_fn rd, iss_io_wfn wr, void *data)
{
    iss_conn *c;
    BIO *bio;
    pthread_once(&method_once, make_method);
    if (!method)
        return NULL;
    c = iss_conn_alloc(ctx, is_server);   /* fd stays -1: no descriptor to poll */
    if (!c)
        return NULL;
    bio = BIO_new(method);
    if (!bio) {
        iss_error_openssl(&ctx->err);
        iss_conn_free(c);
        return NULL;
    }
    BIO_set_data(bio, c);
    SSL_set_bio(c->ssl, bio, bio);          /* one reference, now the SSL's */
    c->io_read = rd;
    c->io_write = wr;
    c->io.data = data;      /* its free function comes with iss_conn_set_io_free */
    return c;
}
