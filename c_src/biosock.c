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
 * Plain text may follow the last record only after a close_notify, and the
 * header fetched behind a close_notify would be the first bytes of that text,
 * lost to the plain socket after stop_SSL. So the next header is fetched only
 * where the record's type shows it is no alert: TLS 1.2 and older, after the
 * handshake (conn.c switches it on). TLS 1.3 hides the type inside the
 * encryption and a peer may pad its close_notify to any length, so there is
 * no safe place to read ahead and it reads records as OpenSSL asks. Bytes
 * that do not frame as TLS records (an SSLv2-style hello, garbage) switch the
 * speculation off for good.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include "iss_internal.h"

#define HDR_LEN 5

/* Flags and the header counts (0..HDR_LEN) as bytes: one of these lives as
 * long as its connection, and ints made it a malloc size class bigger. */
typedef struct {
    int fd;
    unsigned char not_sock;           /* recvmsg/send said ENOTSOCK: readv/write */
    unsigned char nosignal;           /* writes must not raise SIGPIPE (handshake, shutdown) */
    unsigned char speculate;          /* record types are visible: fetch next headers */
    unsigned char nonblock;           /* O_NONBLOCK was seen at the last would-block */
    unsigned char sent_last;          /* the last bytes moved were written, not read */
    unsigned char eof;
    unsigned char framing_lost;       /* stream is not TLS records: no speculation */
    unsigned char ahead[HDR_LEN];     /* fetched, not yet handed to OpenSSL */
    unsigned char ahead_len, ahead_off;
    unsigned char hdr[HDR_LEN];       /* header of the record OpenSSL is reading */
    unsigned char hdr_have;
    unsigned long reads;              /* receive system calls made, for tests */
    size_t body_len, body_left;
} sockbio;

static BIO_METHOD *method;
static int method_type;
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
            s->hdr_have += (unsigned char)k;
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
    return s->speculate && !s->framing_lost && s->hdr_have == HDR_LEN && s->body_left > 0
        && want == s->body_left && s->hdr[0] != 21 /* alert */;
}

/* The socket's SO_RCVTIMEO/SO_SNDTIMEO in ms, -1 for none: a blocking
 * socket's timeout set by the user still ends a wait. */
static int sock_timeout_ms(int fd, int for_read)
{
    struct timeval tv;
    socklen_t l = sizeof tv;
    if (getsockopt(fd, SOL_SOCKET, for_read ? SO_RCVTIMEO : SO_SNDTIMEO, &tv, &l) != 0
        || (tv.tv_sec == 0 && tv.tv_usec == 0))
        return -1;
    if (tv.tv_sec > 86400)
        return 86400000;
    return (int)(tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000);
}

/* After a try that would block: on a blocking descriptor, wait as the
 * blocking call would have, but so that a pending Perl signal ends the wait
 * (fdwait.c). 1: try again; 0: report r/errno as they are. */
static int wait_blocking(sockbio *s, int for_read)
{
    int fd = s->fd, fl, r;
    if (errno != EAGAIN && errno != EWOULDBLOCK)
        return 0;
    fl = fcntl(fd, F_GETFL);
    if (fl < 0 || (fl & O_NONBLOCK)) {
        s->nonblock = fl >= 0;    /* the caller retries; see io_flags */
        return 0;
    }
    r = iss_fd_wait(fd, for_read, sock_timeout_ms(fd, for_read));
    if (r > 0)
        return 1;
    if (r == 0)
        errno = EAGAIN;           /* SO_RCVTIMEO/SO_SNDTIMEO ran out */
    return 0;
}

/* Sockets are read and written without blocking in the kernel (one system
 * call when data or room is there, as before); a blocking socket then waits
 * in wait_blocking, where a signal cannot be missed.
 *
 * A socket found non-blocking at its last would-block is called without
 * MSG_DONTWAIT: it says EAGAIN by itself, and a non-blocking loop does not
 * pay an fcntl(F_GETFL) for every would-block. Should it have been made
 * blocking since behind our back (raw fcntl; the blocking() method and our
 * own timed handshakes forget the mode, iss_ssl_socket_mode_changed), the
 * kernel blocks as for a plain socket: same results, SO_RCVTIMEO and EINTR
 * included; only a signal that arrives just before the call waits for it. */
static int io_flags(const sockbio *s)
{
    return s->nonblock ? 0 : MSG_DONTWAIT;
}

static ssize_t sock_readv(sockbio *s, struct iovec *iov, int n)
{
    ssize_t r;
    int saved = errno;
    s->reads++;
    for (;;) {
        struct msghdr m;
        if (s->not_sock)
            return readv(s->fd, iov, n);
        memset(&m, 0, sizeof m);
        m.msg_iov = iov;
        m.msg_iovlen = (size_t)n;
        r = recvmsg(s->fd, &m, io_flags(s));
        if (r < 0 && errno == ENOTSOCK) {
            s->not_sock = 1;      /* a pipe or file: found out once, see BIO_C_SET_FD */
            errno = saved;        /* nobody is to see this ENOTSOCK in $! */
            continue;
        }
        if (r >= 0 || s->nonblock || !wait_blocking(s, 1))
            return r;
        s->reads++;               /* the retry after the wait */
    }
}

/* A pipe or other non-socket descriptor cannot be asked for MSG_NOSIGNAL:
 * hold SIGPIPE around the write, and consume one only when this write
 * failed with EPIPE (it was ours then; one sent from outside at the same
 * moment would have merged with it anyway). */
static ssize_t plain_write_nosignal(int fd, const char *buf, size_t len)
{
    sigset_t block, old, pending;
    ssize_t r;
    int saved, had;
    sigemptyset(&block);
    sigaddset(&block, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    sigpending(&pending);
    had = sigismember(&pending, SIGPIPE);
    r = write(fd, buf, len);
    saved = errno;
    if (r < 0 && saved == EPIPE && !had) {
        struct timespec zero = {0, 0};
        sigtimedwait(&block, NULL, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = saved;
    return r;
}

static ssize_t sock_write(sockbio *s, const char *buf, size_t len)
{
    ssize_t r;
    int saved = errno;
    for (;;) {
        if (s->not_sock)
            return s->nosignal ? plain_write_nosignal(s->fd, buf, len) : write(s->fd, buf, len);
        r = send(s->fd, buf, len, io_flags(s) | (s->nosignal ? MSG_NOSIGNAL : 0));
        if (r < 0 && errno == ENOTSOCK) {
            s->not_sock = 1;
            errno = saved;
            continue;
        }
        if (r >= 0 || s->nonblock || !wait_blocking(s, 0))
            return r;
    }
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
    r = sock_readv(s, iov, may_speculate(s, (size_t)len) ? 2 : 1);
    if (r > 0)
        s->sent_last = 0;
    if (r <= 0) {
        if (r == 0)
            s->eof = 1;
        else if (BIO_sock_should_retry((int)r))
            BIO_set_retry_read(b);
        return (int)r;
    }
    if (r > len) {
        s->ahead_len = (unsigned char)(r - len);    /* at most HDR_LEN */
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
    r = sock_write(s, buf, (size_t)len);
    if (r > 0)
        s->sent_last = 1;
    if (r <= 0 && BIO_sock_should_retry((int)r))
        BIO_set_retry_write(b);
    return (int)r;
}

static long sb_ctrl_any(BIO *b, int cmd, long num, void *ptr)
#if defined(__GNUC__)
    __attribute__((noinline))
#endif
    ;

/* OpenSSL 3.0 built with kernel TLS asks whether the BIO sends with it ten
 * times per SSL_write, and it is the only ctrl it sends there: that answer
 * (no, as sb_ctrl_any's default) takes a compare, not the whole function's
 * prologue and a BIO_get_data call. */
static long sb_ctrl(BIO *b, int cmd, long num, void *ptr)
{
#ifdef BIO_CTRL_GET_KTLS_SEND
    if (cmd == BIO_CTRL_GET_KTLS_SEND)
        return 0;
#endif
    return sb_ctrl_any(b, cmd, num, ptr);
}

static long sb_ctrl_any(BIO *b, int cmd, long num, void *ptr)
{
    sockbio *s = BIO_get_data(b);
    if (!s)
        return 0;
    switch (cmd) {
    case BIO_C_SET_FD:
        /* a new descriptor (or -1 to cut a dying connection off): start over */
        memset(s, 0, sizeof *s);
        s->fd = ptr ? *(int *)ptr : -1;
        /* Socket or not is found out by the first recvmsg/send: ENOTSOCK,
         * which changes nothing, moves it to readv/write for good. Asking
         * getsockopt(SO_TYPE) here cost a system call per connection. */
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
    int type = BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR;
    BIO_METHOD *m = BIO_meth_new(type, "iss socket");
    if (!m)
        return;
    BIO_meth_set_read(m, sb_read);
    BIO_meth_set_write(m, sb_write);
    BIO_meth_set_ctrl(m, sb_ctrl);
    BIO_meth_set_create(m, sb_create);
    BIO_meth_set_destroy(m, sb_destroy);
    method_type = type;
    method = m;
}

/* Handshakes and close_notify must not raise SIGPIPE (see conn.c); on a
 * socket this is MSG_NOSIGNAL, nothing is held or consumed. */
static sockbio *our_bio(SSL *ssl);

void iss_ssl_socket_nosignal(SSL *ssl, int on)
{
    sockbio *s = our_bio(ssl);
    if (s)
        s->nosignal = on != 0;
}

static sockbio *our_bio(SSL *ssl)
{
    BIO *b = SSL_get_rbio(ssl);
    return b && method && BIO_method_type(b) == method_type ? BIO_get_data(b) : NULL;
}

/* The descriptor's blocking mode may have changed: look again at the next
 * would-block. */
void iss_ssl_socket_mode_changed(SSL *ssl)
{
    sockbio *s = our_bio(ssl);
    if (s)
        s->nonblock = 0;
}

void iss_ssl_socket_speculate(SSL *ssl, int on)
{
    sockbio *s = our_bio(ssl);
    if (s)
        s->speculate = on != 0;
}

/* Whether a handshake's last flight was ours: the peer's answer to a
 * flight carries the ACK of all of it, so after a read nothing of ours is
 * unacknowledged and Nagle holds no write back (conn.c first_write_push). */
int iss_ssl_socket_sent_last(SSL *ssl)
{
    sockbio *s = our_bio(ssl);
    return s ? s->sent_last : 1;
}

unsigned long iss_ssl_socket_reads(SSL *ssl)
{
    sockbio *s = our_bio(ssl);
    return s ? s->reads : 0;
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
