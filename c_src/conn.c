/* conn.c: one TLS connection on a socket: handshake, reads (with line
 * reading done in place), writes, pending data and close_notify. */
#ifndef _GNU_SOURCE   /* memmem */
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "iss_internal.h"

#define RBUF_SIZE (16384 + 512)   /* one full TLS record of plaintext */

/* A connection on ctx with no transport yet; NULL (error in ctx) on failure. */
iss_conn *iss_conn_alloc(iss_ctx *ctx, int is_server)
{
    iss_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->ssl = SSL_new(ctx->ssl_ctx);
    if (!c->ssl) {
        iss_error_openssl(&ctx->err);
        free(c);
        return NULL;
    }
    SSL_set_ex_data(c->ssl, iss_conn_ex_index, c);
    if (is_server)
        SSL_set_accept_state(c->ssl);
    else
        SSL_set_connect_state(c->ssl);
    iss_ctx_incref(ctx);
    c->ctx = ctx;
    c->fd = -1;
    c->wait_fd = -1;
    c->is_server = is_server != 0;
    iss_error_init(&c->err);
    return c;
}

iss_conn *iss_conn_new(iss_ctx *ctx, int fd, int is_server)
{
    iss_conn *c = iss_conn_alloc(ctx, is_server);
    if (!c)
        return NULL;
    if (!iss_ssl_set_socket(c->ssl, fd)) {
        iss_error_openssl(&ctx->err);
        iss_conn_free(c);
        return NULL;
    }
    c->fd = fd;
    return c;
}

void iss_conn_free(iss_conn *c)
{
    if (!c)
        return;
    if (c->busy) {
        /* A Perl callback closed the socket while OpenSSL is still working
         * on it: free when the operation returns (it reports ISS_GONE).
         * OpenSSL may still read the rest of a record meanwhile: cut it off
         * from the descriptor, whose number the callback may reuse at once,
         * and from the transport of SSL_usebio. */
        BIO *rb = SSL_get_rbio(c->ssl), *wb = SSL_get_wbio(c->ssl);
        c->doomed = 1;
        if (c->fd >= 0) {
            if (rb)
                BIO_set_fd(rb, -1, BIO_NOCLOSE);
            if (wb && wb != rb)
                BIO_set_fd(wb, -1, BIO_NOCLOSE);
        }
        c->io_read = NULL;
        c->io_write = NULL;
        return;
    }
    /* Freeing without SSL_shutdown: nothing is sent, so a forked child that
     * drops its copy never ends the parent's session. */
    SSL_free(c->ssl);
    X509_free(c->peer_cert);
    iss_ocsp_conn_free(c);
    iss_ctx_decref(c->ctx);
    free(c->verify_name);
    iss_owned_clear(&c->io);
    iss_owned_clear(&c->owner);
    free(c->rbuf.data);
    free(c->line.data);
    iss_error_clear(&c->err);
    free(c);
}

iss_ssl *iss_conn_ssl(iss_conn *c) { return c->ssl; }

void iss_conn_set_io_free(iss_conn *c, void (*free_fn)(void *))
{
    c->io.free_fn = free_fn;  /* the data came with iss_conn_new_io */
}

void iss_conn_set_owner(iss_conn *c, void *data, void (*free_fn)(void *))
{
    iss_owned_set(&c->owner, data, free_fn);
}

void *iss_conn_owner(iss_conn *c) { return c->owner.data; }
iss_ctx *iss_conn_ctx(iss_conn *c) { return c->ctx; }
int iss_conn_is_server(iss_conn *c) { return c->is_server; }
int iss_conn_fd(iss_conn *c) { return c->fd; }
iss_error *iss_conn_error(iss_conn *c) { return &c->err; }
int iss_conn_ssl_error(iss_conn *c) { return c->last_ssl_error; }
int iss_conn_last_ret(iss_conn *c) { return c->last_ret; }
const char *iss_conn_warning(iss_conn *c) { return c->warning ? c->warning : ""; }

int iss_conn_set_sni(iss_conn *c, const char *host)
{
    if (SSL_set_tlsext_host_name(c->ssl, host))
        return ISS_OK;
    iss_error_openssl(&c->err);
    return ISS_ERR;
}

int iss_conn_set_verify_name(iss_conn *c, const char *name)
{
    char *copy = NULL;
    /* No copy must not mean no check: the caller learns of it, and should
     * it go on anyway, the name check of this connection fails (verify.c). */
    if (name && !(copy = strdup(name))) {
        c->verify_name_lost = 1;
        iss_error_set(&c->err, ISS_E_NOMEM, ISS_SEV_FATAL, "out of memory copying the host name to verify");
        return ISS_ERR;
    }
    free(c->verify_name);
    c->verify_name = copy;
    c->verify_name_lost = 0;
    return ISS_OK;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* No SIGPIPE from handshakes and close_notify: a peer that is already gone
 * (a TLS 1.3 client closing before the server's tickets are written, or
 * before our goodbye) must not kill the process; the write fails with EPIPE
 * instead. The socket BIO sends with MSG_NOSIGNAL meanwhile, so nothing is
 * blocked or consumed and a SIGPIPE sent from outside is never lost.
 * Application writes keep the default, as the reference. */
static void sigpipe_hold(iss_conn *c)
{
    iss_ssl_socket_nosignal(c->ssl, 1);
}

static void sigpipe_release(iss_conn *c)
{
    iss_ssl_socket_nosignal(c->ssl, 0);
}

/* Maps SSL_get_error() after a failed call to our status; records the error. */
static int status_of(iss_conn *c, int r)
{
    int e = SSL_get_error(c->ssl, r);
    c->last_ssl_error = e;
    switch (e) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        /* A blocking socket only "wants" when a signal interrupted read/write. */
        if (errno == EINTR)
            return ISS_EINTR;
        /* SSL_get_error found the queue empty: OpenSSL 3.0's ERR_clear_error
         * walks all 16 slots (~1,000 instructions), so only when needed */
        iss_err_reset();
        return e == SSL_ERROR_WANT_READ ? ISS_WANT_READ : ISS_WANT_WRITE;
    case SSL_ERROR_ZERO_RETURN:
        iss_err_reset();
        return 0;
    default:
        iss_error_openssl(&c->err);
        return ISS_ERR;
    }
}

/* The first write after a handshake must not wait for an ACK. The last
 * flight of the handshake (the server's tickets in TLS 1.3, its Finished in
 * TLS 1.2) is still unacknowledged then; Nagle holds a small write back until
 * it is, and a peer with nothing to say delays its ACK (40 ms on Linux): every
 * server that speaks first (SMTP, IMAP, POP3, FTP banners) stalled that long.
 * So TCP_NODELAY is on from the end of the handshake until the first write
 * has gone out, then the socket's own setting is back. Only the side that
 * sent the last flight needs it: the other one has read the peer's answer,
 * which acknowledged all it sent, and Nagle holds nothing back there (a
 * TLS 1.2 resumed server, a TLS 1.2 full client: three system calls less). */
static void first_write_push_begin(iss_conn *c)
{
    int v = 0, on = 1;
    socklen_t l = sizeof v;
    if (c->fd < 0 || c->push_first_write || !iss_ssl_socket_sent_last(c->ssl))
        return;
    if (getsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &v, &l) != 0 || v)
        return;                   /* not TCP, or the user turned Nagle off */
    if (setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == 0)
        c->push_first_write = 1;
}

static void first_write_push_end(iss_conn *c)
{
    int off = 0, saved = errno;
    c->push_first_write = 0;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &off, sizeof off);
    errno = saved;
}

/* A bounded blocking operation runs on a non-blocking descriptor and polls;
 * returns the flags to put back afterwards, -1 when nothing is to change. */
static int nonblock_begin(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || (flags & O_NONBLOCK))
        return -1;
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    return flags;
}

static void nonblock_end(int fd, int flags)
{
    if (flags >= 0) {
        int saved = errno;
        fcntl(fd, F_SETFL, flags);
        errno = saved;
    }
}

/* Waits for what an operation that returned want (ISS_WANT_*) needs, until
 * the deadline: ISS_OK to try again, else ISS_TIMEOUT, ISS_EINTR, ISS_ERR. */
static int wait_until(iss_conn *c, int want, double deadline)
{
    double left = deadline - now();
    if (left <= 0)
        return ISS_TIMEOUT;
    return iss_conn_wait(c, want == ISS_WANT_READ, left);
}

static int op_handshake(iss_conn *c, double timeout)
{
    int flags = -1, rc;
    double deadline = 0;
    if (c->fd < 0)
        timeout = -1;             /* the transport blocks (or not) by itself */
    if (timeout >= 0) {
        flags = nonblock_begin(c->fd);
        deadline = now() + timeout;
    }
    iss_error_forget(&c->err, ISS_E_OPENSSL);   /* the last failure's text is old now */
    iss_ssl_socket_mode_changed(c->ssl);        /* may have changed since the last step */
    for (;;) {
        int r;
        iss_err_reset();
        errno = 0;
        sigpipe_hold(c);
        r = SSL_do_handshake(c->ssl);
        sigpipe_release(c);
        c->last_ret = r;
        if (c->doomed) {          /* a callback closed the socket: its fd is not ours now */
            rc = ISS_ERR;
            flags = -1;
            break;
        }
        if (r == 1) {
            /* record types are visible up to TLS 1.2: reading ahead is safe
             * there (biosock.c) */
            iss_ssl_socket_speculate(c->ssl, SSL_version(c->ssl) < TLS1_3_VERSION);
            first_write_push_begin(c);
            /* TLS 1.3 post-handshake messages (session tickets) come with
             * the first reads: see ssl_read */
            c->free_buf_reads = SSL_version(c->ssl) >= TLS1_3_VERSION ? 4 : 0;
            /* a callback that died or a check that failed, yet it worked
             * (verify mode none): nothing for a later failure to report */
            iss_error_clear(&c->err);
            rc = ISS_OK;
            break;
        }
        rc = status_of(c, r);
        if (rc == 0) {            /* close_notify during the handshake */
            rc = ISS_ERR;
            break;
        }
        if (timeout < 0 || (rc != ISS_WANT_READ && rc != ISS_WANT_WRITE))
            break;
        if ((rc = wait_until(c, rc, deadline)) != ISS_OK)
            break;
    }
    nonblock_end(c->fd, flags);
    iss_ssl_socket_mode_changed(c->ssl);   /* as it was, or as set meanwhile */
    if (rc == ISS_TIMEOUT)
        errno = ETIMEDOUT;
    return rc;
}

/* One SSL_read into buf: >0 bytes, 0 EOF, <0 status. */
/* A plain read(2)/write(2) result as a status: bytes, 0 at EOF, WANT_*,
 * EINTR or ERR (errno kept). */
static ssize_t plain_status(ssize_t r, int for_read)
{
    if (r >= 0)
        return r;
    if (errno == EAGAIN || errno == EWOULDBLOCK)
        return for_read ? ISS_WANT_READ : ISS_WANT_WRITE;
    if (errno == EINTR)
        return ISS_EINTR;
    return ISS_ERR;
}

/* Reads after TLS ended for reading (see iss_conn_set_closed). */
static ssize_t closed_read(iss_conn *c, char *buf, size_t len)
{
    char probe;
    ssize_t r;
    if (c->fd < 0) {              /* SSL_usebio: no descriptor of our own */
        errno = EPERM;
        return ISS_ERR;
    }
    errno = 0;
    if (c->rd_closed > 0)
        return plain_status(recv(c->fd, buf, len, 0), 1);
    r = recv(c->fd, &probe, 1, MSG_PEEK);
    if (r > 0) {
        errno = EPERM;            /* plain data where TLS ended unasked */
        return ISS_ERR;
    }
    return plain_status(r, 1);
}

void iss_conn_set_closed(iss_conn *c, int rd, int wr)
{
    c->rd_closed = rd > 0 ? 1 : rd < 0 ? -1 : 0;
    c->wr_closed = wr > 0 ? 1 : wr < 0 ? -1 : 0;
}

static ssize_t ssl_read(iss_conn *c, char *buf, size_t len)
{
    int r, e;
    if (c->doomed)                /* closed by a callback: the fd is not ours */
        return ISS_ERR;
    if (c->rd_closed)
        return closed_read(c, buf, len);
    if (len > INT_MAX)
        len = INT_MAX;
    iss_err_reset();
    errno = 0;
    r = SSL_read(c->ssl, buf, (int)len);
    if (c->free_buf_reads > 0 && !c->doomed) {
        /* OpenSSL 3.0 keeps its read buffer (16.7 KiB) after processing a
         * post-handshake message - the TLS 1.3 tickets that a client reads
         * with its first data - even with SSL_MODE_RELEASE_BUFFERS: on an
         * idle connection that was 40 % of its memory. The first reads
         * after a handshake drop it when nothing waits in it. */
        c->free_buf_reads--;
        if (!SSL_has_pending(c->ssl) && (SSL_get_mode(c->ssl) & SSL_MODE_RELEASE_BUFFERS))
            SSL_free_buffers(c->ssl);
    }
    if (r > 0)
        return r;
    e = SSL_get_error(c->ssl, r);
    /* As the reference: a peer that vanishes without close_notify (a bare
     * TCP close: SYSCALL without errno, or OpenSSL 3's "unexpected eof while
     * reading") reads as EOF. Any other failure - a record that does not
     * decrypt or authenticate, a forged alert - is an error, never an EOF:
     * the reference reports tampering as a clean end of the data. */
    if ((e == SSL_ERROR_SYSCALL && errno == 0 && ERR_peek_error() == 0)
        || (e == SSL_ERROR_SSL && ERR_GET_LIB(ERR_peek_error()) == ERR_LIB_SSL
            && ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING)) {
        c->last_ssl_error = e;
        ERR_clear_error();
        c->eof = 1;
        return 0;
    }
    r = status_of(c, r);
    if (r == 0)
        c->eof = 1;
    return r;
}

static int rbuf_reserve(iss_rbuf *b, size_t want)
{
    char *p;
    size_t cap;
    if (b->off && b->len == 0)
        b->off = 0;
    if (b->off + b->len + want <= b->cap)
        return 0;
    if (b->off) {                 /* compact before growing */
        memmove(b->data, b->data + b->off, b->len);
        b->off = 0;
        if (b->len + want <= b->cap)
            return 0;
    }
    cap = b->cap ? b->cap : 256;
    while (cap < b->len + want)
        cap *= 2;
    p = realloc(b->data, cap);
    if (!p)
        return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

static int rbuf_append(iss_rbuf *b, const char *p, size_t n)
{
    if (rbuf_reserve(b, n) < 0)
        return -1;
    memcpy(b->data + b->off + b->len, p, n);
    b->len += n;
    return 0;
}

/* Refills the record buffer (only when it is empty). */
static ssize_t fill(iss_conn *c)
{
    ssize_t n;
    if (!c->rbuf.data) {
        c->rbuf.data = malloc(RBUF_SIZE);
        if (!c->rbuf.data)
            return ISS_ERR;
        c->rbuf.cap = RBUF_SIZE;
    }
    c->rbuf.off = 0;
    n = ssl_read(c, c->rbuf.data, c->rbuf.cap);
    c->rbuf.len = n > 0 ? (size_t)n : 0;
    return n;
}

static size_t take(iss_rbuf *b, char *dst, size_t len)
{
    size_t n = len < b->len ? len : b->len;
    memcpy(dst, b->data + b->off, n);
    b->off += n;
    b->len -= n;
    return n;
}

/* A line handed out last time is dropped when the next read starts. */
static void line_settle(iss_conn *c)
{
    if (c->line_done) {
        c->line.off = c->line.len = 0;
        c->line_done = 0;
    }
}

static ssize_t op_read(iss_conn *c, char *buf, size_t len)
{
    line_settle(c);
    if (len == 0)
        return 0;
    /* Bytes kept by an interrupted line read come first: nothing is lost. */
    if (c->line.len)
        return take(&c->line, buf, len);
    if (c->rbuf.len)
        return take(&c->rbuf, buf, len);
    return ssl_read(c, buf, len);
}

static ssize_t op_peek(iss_conn *c, char *buf, size_t len)
{
    ssize_t n;
    line_settle(c);
    if (c->line.len) {
        n = len < c->line.len ? len : c->line.len;
        memcpy(buf, c->line.data + c->line.off, n);
        return n;
    }
    if (!c->rbuf.len) {
        n = fill(c);
        if (n <= 0)
            return n;
    }
    n = len < c->rbuf.len ? len : c->rbuf.len;
    memcpy(buf, c->rbuf.data + c->rbuf.off, n);
    return n;
}

/* The socket's blocking mode was set (the blocking() method). */
void iss_conn_mode_changed(iss_conn *c)
{
    iss_ssl_socket_mode_changed(c->ssl);
}

size_t iss_conn_pending(iss_conn *c)
{
    size_t extra = c->line_done ? 0 : c->line.len;
    return extra + c->rbuf.len + (size_t)SSL_pending(c->ssl);
}

static ssize_t op_write(iss_conn *c, const char *buf, size_t len, int all)
{
    size_t done = 0;
    iss_error_forget(&c->err, ISS_E_OPENSSL);
    if (c->wr_closed < 0 || (c->wr_closed && c->fd < 0)) {
        errno = EPERM;            /* no plain bytes after the automatic close_notify */
        return ISS_ERR;
    }
    while (c->wr_closed && done < len) {
        /* our close_notify went out: plain bytes follow, as the
         * reference's write to the raw descriptor (SIGPIPE as there) */
        ssize_t r;
        errno = 0;
        r = plain_status(write(c->fd, buf + done, len - done), 0);
        if (r > 0) {
            done += r;
            if (!all)
                break;
            continue;
        }
        return done ? (ssize_t)done : (r == 0 ? ISS_ERR : r);
    }
    if (c->wr_closed)
        return done;
    while (done < len) {
        size_t chunk = len - done;
        int r;
        if (chunk > INT_MAX)
            chunk = INT_MAX;
        if (c->doomed)
            return done ? (ssize_t)done : ISS_ERR;
        /* The error queue is looked at after a failure only, not before
         * every write: looking finds the thread's error state each time
         * (~3 % of a 60-byte print). Stale errors left by other code there
         * must not turn a retry the socket asked for into an SSL error, so
         * a write that stopped at the socket drops them first. */
        errno = 0;
        r = SSL_write(c->ssl, buf + done, (int)chunk);
        if (r > 0) {
            if (c->push_first_write)
                first_write_push_end(c);
            done += r;
            if (!all)
                break;
            continue;
        }
        if (SSL_want_write(c->ssl) || SSL_want_read(c->ssl))
            iss_err_reset();
        r = status_of(c, r);
        if (r == 0)
            r = ISS_ERR;
        return done ? (ssize_t)done : r;
    }
    return done;
}

/* Hands out the assembled line; it stays valid until the next call. */
static ssize_t line_out(iss_conn *c, const char **out)
{
    *out = c->line.data + c->line.off;
    c->line_done = 1;
    return c->line.len;
}

/* Where delim ends in (tail of line accumulator + rbuf), as an offset just
 * past it in rbuf; 0 when not found. Only a delimiter that straddles the two
 * buffers needs the small stitched copy. */
static size_t find_delim(iss_conn *c, const char *delim, size_t dlen)
{
    const char *p = c->rbuf.data + c->rbuf.off;
    size_t n = c->rbuf.len;
    const char *hit;
    if (dlen > 1 && c->line.len) {
        /* a delimiter starting in the last dlen-1 bytes of the line so far
         * and ending in rbuf: compare both parts in place, any length */
        const char *tail = c->line.data + c->line.off + c->line.len;
        size_t k = c->line.len < dlen - 1 ? c->line.len : dlen - 1, i;
        for (i = k; i > 0; i--) {          /* i bytes of it in the line */
            if (dlen - i <= n && memcmp(tail - i, delim, i) == 0 &&
                memcmp(p, delim + i, dlen - i) == 0)
                return dlen - i;
        }
    }
    if (dlen == 1)
        hit = memchr(p, delim[0], n);
    else
        hit = memmem(p, n, delim, dlen);
    return hit ? (size_t)(hit - p) + dlen : 0;
}

static ssize_t op_readline(iss_conn *c, const char *delim, size_t dlen, int para,
                          const char **out)
{
    size_t end = 0;
    int found = 0;
    line_settle(c);
    if (para) {
        delim = "\n\n";
        dlen = 2;
    }
    for (;;) {
        if (c->rbuf.len == 0) {
            ssize_t r = fill(c);
            if (r <= 0) {
                /* EOF, or the socket would block: return what we have, as the
                 * reference does; a signal or error keeps it for next time. */
                if (c->line.len && (found || r == 0 || r == ISS_WANT_READ || r == ISS_WANT_WRITE))
                    return line_out(c, out);
                return r;
            }
        }
        if (!found) {
            end = find_delim(c, delim, dlen);
            if (!end) {
                if (rbuf_append(&c->line, c->rbuf.data + c->rbuf.off, c->rbuf.len) < 0)
                    return ISS_ERR;
                c->rbuf.len = 0;
                continue;
            }
            found = 1;
        } else {
            end = 0;              /* swallowing newlines across a record boundary */
        }
        if (para) {
            while (end < c->rbuf.len && c->rbuf.data[c->rbuf.off + end] == '\n')
                end++;
            if (end == c->rbuf.len) {
                /* More newlines may follow in the next record. */
                if (rbuf_append(&c->line, c->rbuf.data + c->rbuf.off, end) < 0)
                    return ISS_ERR;
                c->rbuf.len = 0;
                continue;
            }
        }
        if (c->line.len == 0) {
            /* The common case: the whole line is inside this record. */
            *out = c->rbuf.data + c->rbuf.off;
            c->rbuf.off += end;
            c->rbuf.len -= end;
            return end;
        }
        if (rbuf_append(&c->line, c->rbuf.data + c->rbuf.off, end) < 0)
            return ISS_ERR;
        c->rbuf.off += end;
        c->rbuf.len -= end;
        return line_out(c, out);
    }
}

static ssize_t op_readrec(iss_conn *c, size_t n, const char **out)
{
    line_settle(c);
    if (c->line.len >= n) {
        /* a line kept from an interrupted read is longer than the record */
        *out = c->line.data + c->line.off;
        c->line.off += n;
        c->line.len -= n;
        return n;
    }
    for (;;) {
        size_t want = n - c->line.len;
        if (c->rbuf.len == 0) {
            ssize_t r = fill(c);
            if (r <= 0) {
                if (c->line.len && (r == 0 || r == ISS_WANT_READ || r == ISS_WANT_WRITE))
                    return line_out(c, out);
                return r;
            }
        }
        if (c->line.len == 0 && c->rbuf.len >= n) {
            *out = c->rbuf.data + c->rbuf.off;
            c->rbuf.off += n;
            c->rbuf.len -= n;
            return n;
        }
        if (want > c->rbuf.len)
            want = c->rbuf.len;
        if (rbuf_append(&c->line, c->rbuf.data + c->rbuf.off, want) < 0)
            return ISS_ERR;
        c->rbuf.off += want;
        c->rbuf.len -= want;
        if (c->line.len == n)
            return line_out(c, out);
    }
}

static ssize_t op_readall(iss_conn *c, const char **out)
{
    line_settle(c);
    for (;;) {
        ssize_t r;
        if (c->rbuf.len) {
            if (rbuf_append(&c->line, c->rbuf.data + c->rbuf.off, c->rbuf.len) < 0)
                return ISS_ERR;
            c->rbuf.len = 0;
        }
        r = fill(c);
        if (r > 0)
            continue;
        if (r == 0 || r == ISS_WANT_READ || r == ISS_WANT_WRITE) {
            if (c->line.len || r == 0)
                return line_out(c, out);
        }
        return r;
    }
}

int iss_conn_take_peer_shutdown(iss_conn *c)
{
    if (c->shutdown_seen || !(SSL_get_shutdown(c->ssl) & SSL_RECEIVED_SHUTDOWN))
        return 0;
    c->shutdown_seen = 1;
    return 1;
}

unsigned long iss_conn_socket_reads(iss_conn *c)
{
    return iss_ssl_socket_reads(c->ssl);
}

int iss_conn_get_shutdown(iss_conn *c)
{
    return SSL_get_shutdown(c->ssl);
}

static int shutdown_once(iss_conn *c)
{
    int r;
    sigpipe_hold(c);
    iss_err_reset();
    errno = 0;
    r = SSL_shutdown(c->ssl);
    sigpipe_release(c);
    return r;
}

static int op_shutdown(iss_conn *c, int fast, double timeout)
{
    double deadline;
    int flags = -1;
    int rc = ISS_OK;
    if (c->fd < 0)
        timeout = -1;
    deadline = timeout >= 0 ? now() + timeout : 0;
    if (timeout >= 0)
        flags = nonblock_begin(c->fd);
    for (;;) {
        int st = SSL_get_shutdown(c->ssl);
        int r;
        if ((st & SSL_SENT_SHUTDOWN) && ((st & SSL_RECEIVED_SHUTDOWN) || fast))
            break;
        r = shutdown_once(c);
        if (c->doomed) {
            rc = ISS_ERR;
            flags = -1;
            break;
        }
        if (r == 1)
            break;
        if (r == 0)
            continue;             /* sent; now wait for the peer's (unless fast) */
        rc = status_of(c, r);
        if (rc == 0) {
            rc = ISS_OK;
            break;
        }
        if (timeout < 0 || (rc != ISS_WANT_READ && rc != ISS_WANT_WRITE))
            break;
        if ((rc = wait_until(c, rc, deadline)) != ISS_OK)
            break;
    }
    nonblock_end(c->fd, flags);
    iss_ssl_socket_mode_changed(c->ssl);   /* as it was, or as set meanwhile */
    return rc;
}

/* Protocol message tracing (set_msg_callback). */
static void msg_cb(int write_p, int version, int content_type, const void *buf, size_t len,
                   SSL *ssl, void *arg)
{
    iss_conn *c = arg;
    if (c && c->msg_hook)
        c->msg_hook(c->msg_data, write_p, version, content_type, buf, len, ssl);
}

void iss_conn_set_msg_hook(iss_conn *c, iss_msg_hook fn, void *data)
{
    c->msg_hook = fn;
    c->msg_data = data;
    SSL_set_msg_callback(c->ssl, fn ? msg_cb : NULL);
    SSL_set_msg_callback_arg(c->ssl, fn ? c : NULL);
}

void iss_conn_set_wait_fd(iss_conn *c, int fd)
{
    c->wait_fd = fd;
}

int iss_conn_wait(iss_conn *c, int for_read, double timeout)
{
    int r, ms;
    /* Over SSL_usebio, wait for the outer socket to take data; its input
     * may sit decrypted in the outer connection, invisible to poll. */
    int fd = c->fd >= 0 ? c->fd : for_read ? -1 : c->wait_fd;
    if (c->doomed)
        return ISS_ERR;
    if (fd < 0)
        return ISS_OK;            /* the transport blocks by itself */
    ms = timeout < 0 ? -1 : timeout > 86400 ? 86400000 : (int)(timeout * 1000 + 0.999);
    r = iss_fd_wait(fd, for_read, ms);
    if (r > 0)
        return ISS_OK;
    if (r == 0)
        return ISS_TIMEOUT;
    return errno == EINTR ? ISS_EINTR : ISS_ERR;
}

/* ---- the operations that can run Perl callbacks ----
 * Verify, SNI, session, message and PSK callbacks run inside OpenSSL, and
 * may close the very socket being worked on. iss_conn_free only marks the
 * connection then; the outermost operation frees it on the way out and
 * reports ISS_GONE: the caller must not touch the connection again. */
int iss_conn_busy(iss_conn *c) { return c->busy > 0; }

/* A callback that does I/O on the connection OpenSSL is working on would
 * re-enter OpenSSL on the same SSL* (read inside its own handshake, write
 * inside a read): each operation refuses with ISS_BUSY instead. Closing
 * stays allowed (iss_conn_free, iss_conn_shutdown). */
static ssize_t op_leave(iss_conn *c, ssize_t r)
{
    if (--c->busy == 0 && c->doomed) {
        iss_conn_free(c);
        return ISS_GONE;
    }
    return r;
}

int iss_conn_handshake(iss_conn *c, double timeout)
{
    if (c->busy)
        return ISS_BUSY;
    c->busy++;
    return (int)op_leave(c, op_handshake(c, timeout));
}

ssize_t iss_conn_read(iss_conn *c, char *buf, size_t len)
{
    if (c->busy)
        return ISS_BUSY;
    c->busy++;
    return op_leave(c, op_read(c, buf, len));
}

ssize_t iss_conn_peek(iss_conn *c, char *buf, size_t len)
{
    if (c->busy)
        return ISS_BUSY;
    c->busy++;
    return op_leave(c, op_peek(c, buf, len));
}

ssize_t iss_conn_write(iss_conn *c, const char *buf, size_t len, int all)
{
    if (c->busy)
        return ISS_BUSY;
    c->busy++;
    return op_leave(c, op_write(c, buf, len, all));
}

ssize_t iss_conn_readline(iss_conn *c, const char *delim, size_t dlen, int para,
                          const char **out)
{
    if (c->busy)
        return ISS_BUSY;
    c->busy++;
    return op_leave(c, op_readline(c, delim, dlen, para, out));
}

ssize_t iss_conn_nextline(iss_conn *c, int delim, const char **out)
{
    const char *p, *hit;
    size_t end;
    /* busy: let iss_conn_readline refuse; a kept partial line: it comes first */
    if (c->busy || (c->line.len && !c->line_done) || c->rbuf.len == 0)
        return 0;
    p = c->rbuf.data + c->rbuf.off;
    if (!(hit = memchr(p, delim, c->rbuf.len)))
        return 0;
    line_settle(c);
    end = (size_t)(hit - p) + 1;
    *out = p;
    c->rbuf.off += end;
    c->rbuf.len -= end;
    return (ssize_t)end;
}

ssize_t iss_conn_readrec(iss_conn *c, size_t n, const char **out)
{
    if (c->busy)
        return ISS_BUSY;
    c->busy++;
    return op_leave(c, op_readrec(c, n, out));
}

ssize_t iss_conn_readall(iss_conn *c, const char **out)
{
    if (c->busy)
        return ISS_BUSY;
    c->busy++;
    return op_leave(c, op_readall(c, out));
}

int iss_conn_shutdown(iss_conn *c, int fast, double timeout)
{
    /* Called from a callback inside another operation on this connection:
     * OpenSSL cannot be re-entered to send close_notify; close without it. */
    if (c->busy)
        return ISS_OK;
    c->busy++;
    return (int)op_leave(c, op_shutdown(c, fast, timeout));
}
