/* biosock.c: the socket BIO under every descriptor connection.
 *
 * It behaves like OpenSSL's BIO_s_socket (read(2)/write(2) on the
 * descriptor, same retry and EOF reporting) with one difference: when
 * OpenSSL asks for the rest of a record's body, the same readv(2) also asks
 * for the next record's 5-byte header. A stream of small records then costs
 * one system call per record instead of two.
 *
 * Why not OpenSSL's read-ahead: it takes whatever the kernel holds, so whole
 * records (or the plain text that follows a close_notify, for stop_SSL) would
 * sit in user space where select() cannot see them. Here at most one header
 * is held, and a header alone is never a complete record (every record has a
 * body), so whenever decrypted data is not pending, the rest is still in the
 * kernel and select() reports it, exactly as without this BIO.
 *
 * Plain text may follow the last record only after a close_notify, so the
 * next header is not fetched after an alert record (TLS 1.2) or after any
 * record short enough to be an encrypted alert (TLS 1.3 hides the type:
 * an alert is 19 bytes there, see SPEC_MIN_BODY). Bytes that do not frame as
 * TLS records (an SSLv2-style hello, garbage) switch the speculation off for
 * good. */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include "iss_internal.h"

#define HDR_LEN 5
#define SPEC_MIN_BODY 32   /* smaller records may be a (padded) encrypted alert */

typedef struct {
    int fd;
    int eof;
    int framing_lost;                 /* stream is not TLS records: no speculation */
    unsigned char ahead[HDR_LEN];     /* fetched, not yet handed to OpenSSL */
    int ahead_len, ahead_off;
    unsigned char hdr[HDR_LEN];       /* header of the record OpenSSL is reading */
    int hdr_have;
    size_t body_len, body_left;
} sockbio;

static BIO_METHOD *method;
static pthread_once_t method_once = PTHREAD_ONCE_INIT;

/* Follows the record framing over the bytes handed to OpenSSL. */
static void track(sockbio *s, const unsigned char *p, size_t n)
{
    while (n > 0 && !s->framing_lost) {
        if (s->hdr_have < HDR_LEN) {
            size_t k = HDR_LEN - s->hdr_have;
            if (k > n)
                k = n;
            memcpy(s->hdr + s->hdr_have, p, k);
            s->hdr_have += (int)k;
            p += k;
            n -= k;
            if (s->hdr_have == HDR_LEN) {
                if (s->hdr[0] < 20 || s->hdr[0] > 24 || s->hdr[1] != 3) {
                    s->framing_lost = 1;
                    return;
                }
                s->body_len = s->body_left = ((size_t)s->hdr[3] << 8) | s->hdr[4];
                if (s->body_left == 0)
                    s->hdr_have = 0;
            }
        } else {
            size_t k = s->body_left < n ? s->body_left : n;
            s->body_left -= k;
            p += k;
            n -= k;
            if (s->body_left == 0)
                s->hdr_have = 0;
        }
    }
}

/* May the read that finishes this record's body also fetch the next header? */
static int may_speculate(const sockbio *s, size_t want)
{
    return !s->framing_lost && s->hdr_have == HDR_LEN && s->body_left > 0
        && want == s->body_left && s->hdr[0] != 21 /* alert */
        && s->body_len >= SPEC_MIN_BODY;
}

static int sb_read(BIO *b, char *out, int len)
{
    sockbio *s = BIO_get_data(b);
    struct iovec iov[2];
    ssize_t r;
    BIO_clear_retry_flags(b);
    if (!s || len <= 0)
        return 0;
    if (s->ahead_off < s->ahead_len) {
        int k = s->ahead_len - s->ahead_off;
        if (k > len)
            k = len;
        memcpy(out, s->ahead + s->ahead_off, (size_t)k);
        s->ahead_off += k;
        track(s, (unsigned char *)out, (size_t)k);
        return k;
    }
    iov[0].iov_base = out;
    iov[0].iov_len = (size_t)len;
    iov[1].iov_base = s->ahead;
    iov[1].iov_len = HDR_LEN;
    errno = 0;
    r = readv(s->fd, iov, may_speculate(s, (size_t)len) ? 2 : 1);
    if (r <= 0) {
        if (r == 0)
            s->eof = 1;
        else if (BIO_sock_should_retry((int)r))
            BIO_set_retry_read(b);
        return (int)r;
    }
    if (r > len) {
        s->ahead_len = (int)(r - len);
        s->ahead_off = 0;
        r = len;
    }
    track(s, (unsigned char *)out, (size_t)r);
    return (int)r;
}

static int sb_write(BIO *b, const char *buf, int len)
{
    sockbio *s = BIO_get_data(b);
    ssize_t r;
    BIO_clear_retry_flags(b);
    if (!s || len <= 0)
        return 0;
    errno = 0;
    r = write(s->fd, buf, (size_t)len);
    if (r <= 0 && BIO_sock_should_retry((int)r))
        BIO_set_retry_write(b);
    return (int)r;
}

static long sb_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    sockbio *s = BIO_get_data(b);
    if (!s)
        return 0;
    switch (cmd) {
    case BIO_C_SET_FD:
        /* a new descriptor (or -1 to cut a dying connection off): start over */
        memset(s, 0, sizeof *s);
        s->fd = ptr ? *(int *)ptr : -1;
        BIO_set_shutdown(b, (int)num);
        BIO_set_init(b, 1);
        return 1;
    case BIO_C_GET_FD:
        if (!BIO_get_init(b))
            return -1;
        if (ptr)
            *(int *)ptr = s->fd;
        return s->fd;
    case BIO_CTRL_GET_CLOSE:
        return BIO_get_shutdown(b);
    case BIO_CTRL_SET_CLOSE:
        BIO_set_shutdown(b, (int)num);
        return 1;
    case BIO_CTRL_EOF:
        return s->eof;
    case BIO_CTRL_PENDING:
        return s->ahead_len - s->ahead_off;
    case BIO_CTRL_DUP:
    case BIO_CTRL_FLUSH:
        return 1;
    default:
        return 0;
    }
}

static int sb_create(BIO *b)
{
    sockbio *s = OPENSSL_zalloc(sizeof *s);
    if (!s)
        return 0;
    s->fd = -1;
    BIO_set_data(b, s);
    return 1;
}

/* Our connections never own the descriptor (Perl does), but honour
 * BIO_CLOSE for anyone who asks for it through the raw handle. */
static int sb_destroy(BIO *b)
{
    sockbio *s = BIO_get_data(b);
    if (!s)
        return 0;
    if (BIO_get_shutdown(b) && BIO_get_init(b) && s->fd >= 0)
        close(s->fd);
    OPENSSL_free(s);
    BIO_set_data(b, NULL);
    BIO_set_init(b, 0);
    return 1;
}

static void make_method(void)
{
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR,
                                 "iss socket");
    if (!m)
        return;
    BIO_meth_set_read(m, sb_read);
    BIO_meth_set_write(m, sb_write);
    BIO_meth_set_ctrl(m, sb_ctrl);
    BIO_meth_set_create(m, sb_create);
    BIO_meth_set_destroy(m, sb_destroy);
    method = m;
}

int iss_ssl_set_socket(SSL *ssl, int fd)
{
    BIO *bio;
    pthread_once(&method_once, make_method);
    if (!method || !(bio = BIO_new(method)))
        return 0;
    BIO_set_fd(bio, fd, BIO_NOCLOSE);
    SSL_set_bio(ssl, bio, bio);     /* one reference, now the SSL's */
    return 1;
}
