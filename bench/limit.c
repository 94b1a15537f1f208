/*
 * bench/limit.c - the "C on OpenSSL" column of bench/bench.pl: the same
 * workloads as bench/worker.pl, written directly on OpenSSL 3 with blocking
 * sockets, as the limit of what a program on the same library can do.
 * bench.pl compiles it into its temp dir (cc -O2 limit.c -lssl -lcrypto);
 * Makefile.PL does not build it.
 *
 *   limit WORKLOAD certdir=DIR key=val...   prints one line "RESULT {json}"
 *   limit load                               only initialises libssl (start-up time)
 *   limit selectclient port=P conns=N secs=S tls=0|1 certdir=DIR
 *                                            the clients of every select-loop
 *                                            server (Perl, Python and C)
 *
 * Client and server are the same program: the server is a forked child,
 * except in "select", where this process is the server and the forked child
 * runs the clients. Everything is over 127.0.0.1; the client verifies the
 * chain (ca.crt) and the host name "localhost"; TLS 1.3 unless version= says
 * otherwise.  No TCP_NODELAY anywhere (as the Perl and Python workers).
 */
#define _GNU_SOURCE
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/crypto.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int nopt;
static char **opts;

static const char *opt(const char *key, const char *dflt)
{
    size_t kl = strlen(key);
    for (int i = 0; i < nopt; i++)
        if (strncmp(opts[i], key, kl) == 0 && opts[i][kl] == '=')
            return opts[i] + kl + 1;
    return dflt;
}
static long opt_l(const char *key, long dflt)
{
    const char *v = opt(key, NULL);
    return v ? atol(v) : dflt;
}

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("limit: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    ERR_print_errors_fp(stderr);
    exit(1);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

static int version(void)
{
    const char *v = opt("version", "TLSv1_3");
    return strcmp(v, "TLSv1_2") == 0 ? TLS1_2_VERSION : TLS1_3_VERSION;
}

static SSL_CTX *server_ctx(void)
{
    char crt[4096], key[4096];
    const char *dir = opt("certdir", ".");
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    snprintf(crt, sizeof crt, "%s/server.crt", dir);
    snprintf(key, sizeof key, "%s/server.key", dir);
    if (!ctx || SSL_CTX_use_certificate_chain_file(ctx, crt) != 1
        || SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
        die("server context (%s)", crt);
    SSL_CTX_set_min_proto_version(ctx, version());
    SSL_CTX_set_max_proto_version(ctx, version());
    return ctx;
}

static SSL_CTX *client_ctx(void)
{
    char ca[4096];
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    snprintf(ca, sizeof ca, "%s/ca.crt", opt("certdir", "."));
    if (!ctx || SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1)
        die("client context (%s)", ca);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_min_proto_version(ctx, version());
    SSL_CTX_set_max_proto_version(ctx, version());
    return ctx;
}

static int listen_any(int *port)
{
    struct sockaddr_in a = { .sin_family = AF_INET };
    socklen_t al = sizeof a;
    int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 1024)
        || getsockname(fd, (struct sockaddr *)&a, &al))
        die("listen: %s", strerror(errno));
    *port = ntohs(a.sin_port);
    return fd;
}

static int connect_port(int port)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a))
        die("connect: %s", strerror(errno));
    return fd;
}

static SSL *tls_accept(SSL_CTX *ctx, int lfd)
{
    int fd = accept(lfd, NULL, NULL);
    SSL *ssl;
    if (fd < 0)
        return NULL;
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) != 1) {
        ERR_clear_error();
        SSL_free(ssl);
        close(fd);
        return NULL;
    }
    return ssl;
}

/* a client connection: verifies chain and host name "localhost" */
static SSL *tls_connect(SSL_CTX *ctx, int port, SSL_SESSION *sess)
{
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, connect_port(port));
    SSL_set_tlsext_host_name(ssl, "localhost");
    SSL_set1_host(ssl, "localhost");
    if (sess)
        SSL_set_session(ssl, sess);
    if (SSL_connect(ssl) != 1)
        die("SSL_connect failed");
    return ssl;
}

static void tls_close(SSL *ssl)
{
    int fd = SSL_get_fd(ssl);
    SSL_shutdown(ssl);
    SSL_free(ssl);
    close(fd);
}

static void write_all(SSL *ssl, const char *buf, size_t len)
{
    while (len) {
        int n = SSL_write(ssl, buf, (int)len);
        if (n <= 0)
            die("SSL_write failed");
        buf += n;
        len -= n;
    }
}

static pid_t server_pid;

static pid_t fork_server(void (*body)(SSL_CTX *, int), int *port)
{
    SSL_CTX *ctx = server_ctx();
    int lfd = listen_any(port);
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        body(ctx, lfd);
        _exit(0);
    }
    close(lfd);
    SSL_CTX_free(ctx);
    server_pid = pid;
    return pid;
}

static void stop_server(void)
{
    if (server_pid > 0) {
        kill(server_pid, SIGTERM);
        waitpid(server_pid, NULL, 0);
        server_pid = 0;
    }
}

static void result(const char *fmt, ...)
{
    va_list ap;
    printf("RESULT {\"impl_version\":\"%s\",\"impl_path\":\"limit.c\",", OpenSSL_version(OPENSSL_VERSION));
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("}\n");
    fflush(stdout);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* ------------------------------------------------------------ latency */
/* Server speaks first: a banner right after the handshake; the client times
 * from the end of its handshake to the first line. */
static void latency_server(SSL_CTX *ctx, int lfd)
{
    static const char banner[] = "220 localhost ESMTP bench ready\r\n";
    char buf[256];
    for (;;) {
        SSL *ssl = tls_accept(ctx, lfd);
        if (!ssl)
            continue;
        write_all(ssl, banner, sizeof banner - 1);
        while (SSL_read(ssl, buf, sizeof buf) > 0)
            ;
        ERR_clear_error();
        tls_close(ssl);
    }
}

static void w_latency(void)
{
    int port, n = (int)opt_l("n", 20);
    double *ms = calloc(n, sizeof *ms), sum = 0;
    SSL_CTX *ctx;
    fork_server(latency_server, &port);
    ctx = client_ctx();
    for (int i = 0; i < n; i++) {
        char line[256];
        size_t got = 0;
        SSL *ssl = tls_connect(ctx, port, NULL);
        double t0 = now();
        while (!memchr(line, '\n', got)) {
            int r = SSL_read(ssl, line + got, (int)(sizeof line - got));
            if (r <= 0)
                die("banner read failed");
            got += r;
        }
        ms[i] = (now() - t0) * 1000;
        sum += ms[i];
        tls_close(ssl);
    }
    stop_server();
    qsort(ms, n, sizeof *ms, cmp_d);
    result("\"value\":%.4f,\"unit\":\"ms\",\"n\":%d,\"min\":%.4f,\"max\":%.4f,\"mean\":%.4f",
           ms[n / 2], n, ms[0], ms[n - 1], sum / n);
}

/* ------------------------------------------------------------ memory */
/* Both sides measure their own RSS: after one warm-up connection, and after
 * `conns` more, each idle (handshake done, one sync byte read, nothing
 * pending).  The server reports its delta through a pipe.  release=1 frees
 * the record buffers as this module does (SSL_MODE_RELEASE_BUFFERS on both
 * contexts, SSL_free_buffers after the client's first read, which OpenSSL
 * 3.0 needs once it has processed the TLS 1.3 tickets): what OpenSSL alone
 * holds per idle connection then, the floor for any binding on it. */
static int mem_pipe[2];
static long mem_conns;
static int mem_release;

static void memory_server(SSL_CTX *ctx, int lfd)
{
    SSL **keep = calloc(mem_conns + 1, sizeof *keep);
    long r0 = 0, r1;
    char msg[64];
    if (mem_release)
        SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    for (long i = 0; i <= mem_conns;) {
        SSL *ssl = tls_accept(ctx, lfd);
        if (!ssl)
            continue;
        write_all(ssl, "x", 1);
        keep[i] = ssl;
        if (i++ == 0)
            r0 = rss_kb();
    }
    r1 = rss_kb();
    snprintf(msg, sizeof msg, "%ld %ld\n", r0, r1);
    if (write(mem_pipe[1], msg, strlen(msg)) < 0)
        _exit(1);
    pause();
}

static void w_memory(void)
{
    int port;
    long c0 = 0, c1, s0 = 0, s1 = 0;
    char buf[64];
    SSL_CTX *ctx;
    SSL **keep;
    ssize_t n;
    mem_conns = opt_l("conns", 1000);
    mem_release = (int)opt_l("release", 0);
    keep = calloc(mem_conns + 1, sizeof *keep);
    if (pipe(mem_pipe))
        die("pipe");
    fork_server(memory_server, &port);
    ctx = client_ctx();
    if (mem_release)
        SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    for (long i = 0; i <= mem_conns; i++) {
        keep[i] = tls_connect(ctx, port, NULL);
        if (SSL_read(keep[i], buf, 1) != 1)
            die("sync read");
        if (mem_release)
            SSL_free_buffers(keep[i]);
        if (i == 0)
            c0 = rss_kb();
    }
    c1 = rss_kb();
    n = read(mem_pipe[0], buf, sizeof buf - 1);
    if (n <= 0)
        die("no server report");
    buf[n] = 0;
    sscanf(buf, "%ld %ld", &s0, &s1);
    stop_server();
    result("\"value\":%.3f,\"unit\":\"KiB/conn\",\"client_kib\":%.3f,\"server_kib\":%.3f,"
           "\"conns\":%ld,\"client_rss_before\":%ld,\"client_rss_after\":%ld,"
           "\"server_rss_before\":%ld,\"server_rss_after\":%ld",
           (c1 - c0) / (double)mem_conns, (c1 - c0) / (double)mem_conns,
           (s1 - s0) / (double)mem_conns, mem_conns, c0, c1, s0, s1);
}

/* ------------------------------------------------------------ handshakes */
/* Server: accept, close (close_notify).  Client: shared context, connect,
 * read to EOF (takes the TLS 1.3 tickets and the close_notify), close.
 * resume=1: each connection offers the session of the previous one. */
static void handshake_server(SSL_CTX *ctx, int lfd)
{
    for (;;) {
        SSL *ssl = tls_accept(ctx, lfd);
        if (ssl)
            tls_close(ssl);
    }
}

static void w_handshake(void)
{
    int port, resume = (int)opt_l("resume", 0);
    double secs = atof(opt("secs", "3")), t0, t;
    long n = 0, reused = 0;
    SSL_CTX *ctx;
    SSL_SESSION *sess = NULL;
    char buf[1024];
    fork_server(handshake_server, &port);
    ctx = client_ctx();
    t0 = now();
    do {
        SSL *ssl = tls_connect(ctx, port, sess);
        reused += SSL_session_reused(ssl);
        while (SSL_read(ssl, buf, sizeof buf) > 0)
            ;
        ERR_clear_error();
        if (resume) {
            SSL_SESSION_free(sess);
            sess = SSL_get1_session(ssl);
        }
        tls_close(ssl);
        n++;
        t = now();
    } while (t - t0 < secs);
    stop_server();
    result("\"value\":%.2f,\"unit\":\"handshakes/s\",\"n\":%ld,\"elapsed\":%.3f,\"reused\":%ld,"
           "\"negotiated\":\"%s\",\"verify_enforced\":1",
           n / (t - t0), n, t - t0, reused, version() == TLS1_2_VERSION ? "TLSv1_2" : "TLSv1_3");
}

/* ------------------------------------------------------------ tcpconn */
/* The same connection loop as handshake, without TLS: connect, read to EOF,
 * close; the server accepts and closes. What the kernel's TCP set-up and
 * tear-down cost per connection: beside the Perl column it shows what a Perl
 * program's socket objects add to every connection before any TLS. */
static void tcpconn_server(SSL_CTX *ctx, int lfd)
{
    (void)ctx;
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd >= 0)
            close(fd);
    }
}

static void w_tcpconn(void)
{
    int port;
    double secs = atof(opt("secs", "3")), t0, t;
    long n = 0;
    char buf[1024];
    fork_server(tcpconn_server, &port);
    t0 = now();
    do {
        int fd = connect_port(port);
        while (read(fd, buf, sizeof buf) > 0)
            ;
        close(fd);
        n++;
        t = now();
    } while (t - t0 < secs);
    stop_server();
    result("\"value\":%.2f,\"unit\":\"connections/s\",\"n\":%ld,\"elapsed\":%.3f", n / (t - t0), n,
           t - t0);
}

/* ------------------------------------------------------------ bulk */
static long bulk_total;

static void bulk_server(SSL_CTX *ctx, int lfd)
{
    static char data[16384];
    SSL *ssl;
    while (!(ssl = tls_accept(ctx, lfd)))
        ;
    memset(data, 'x', sizeof data);
    for (long left = bulk_total; left > 0;) {
        int k = left < (long)sizeof data ? (int)left : (int)sizeof data;
        int n = SSL_write(ssl, data, k);
        if (n <= 0)
            die("server SSL_write");
        left -= n;
    }
    tls_close(ssl);
}

static void w_bulk(void)
{
    int port;
    long mib = opt_l("mib", 256), got = 0;
    static char buf[16384];
    double t0, el;
    SSL *ssl;
    SSL_CTX *ctx;
    bulk_total = mib * 1024 * 1024;
    fork_server(bulk_server, &port);
    ctx = client_ctx();
    ssl = tls_connect(ctx, port, NULL);
    t0 = now();
    while (got < bulk_total) {
        int n = SSL_read(ssl, buf, sizeof buf);
        if (n <= 0)
            die("client SSL_read after %ld bytes", got);
        got += n;
    }
    el = now() - t0;
    result("\"value\":%.2f,\"unit\":\"MiB/s\",\"bytes\":%ld,\"elapsed\":%.3f,\"cipher\":\"%s\"",
           mib / el, got, el, SSL_get_cipher_name(ssl));
    tls_close(ssl);
    stop_server();
}

/* ------------------------------------------------------------ readline */
/* 60-byte lines; the client reads into its own 16 KiB buffer and hands out
 * one line at a time (copied out, as fgets would). */
static long n_lines;
static const char LINE[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaz\n";

static void readline_server(SSL_CTX *ctx, int lfd)
{
    static char block[273 * 60];
    SSL *ssl;
    for (int i = 0; i < 273; i++)
        memcpy(block + i * 60, LINE, 60);
    while (!(ssl = tls_accept(ctx, lfd)))
        ;
    for (long left = n_lines; left > 0;) {
        long k = left < 273 ? left : 273;
        write_all(ssl, block, k * 60);
        left -= k;
    }
    tls_close(ssl);
}

static void w_readline(void)
{
    int port;
    static char buf[16384 + 256];
    char line[256];
    size_t have = 0, off = 0;
    long n = 0, bytes = 0;
    double t0, c0, el, cp;
    SSL *ssl;
    n_lines = opt_l("lines", 1000000);
    fork_server(readline_server, &port);
    ssl = tls_connect(client_ctx(), port, NULL);
    t0 = now();
    c0 = cpu();
    for (;;) {
        char *nl = memchr(buf + off, '\n', have - off);
        if (nl) {
            size_t len = nl + 1 - (buf + off);
            memcpy(line, buf + off, len);
            off += len;
            n++;
            bytes += len;
            continue;
        }
        memmove(buf, buf + off, have - off);
        have -= off;
        off = 0;
        int r = SSL_read(ssl, buf + have, (int)(sizeof buf - have));
        if (r <= 0)
            break;
        have += r;
    }
    cp = cpu() - c0;
    el = now() - t0;
    ERR_clear_error();
    tls_close(ssl);
    stop_server();
    if (n != n_lines || bytes != n_lines * 60)
        die("readline: %ld lines / %ld bytes (line[0]=%c)", n, bytes, line[0]);
    result("\"value\":%.1f,\"unit\":\"lines/s\",\"lines\":%ld,\"elapsed\":%.3f,\"cpu\":%.3f,\"cpu_rate\":%.1f",
           n / el, n, el, cp, cp > 0 ? n / cp : 0.0);
}

/* ------------------------------------------------------------ print */
static void print_server(SSL_CTX *ctx, int lfd)
{
    static char buf[65536];
    char ack[64];
    long got = 0, total = n_lines * 60;
    SSL *ssl;
    while (!(ssl = tls_accept(ctx, lfd)))
        ;
    while (got < total) {
        int n = SSL_read(ssl, buf, sizeof buf);
        if (n <= 0)
            break;
        got += n;
    }
    snprintf(ack, sizeof ack, "GOT %ld\n", got);
    write_all(ssl, ack, strlen(ack));
    while (SSL_read(ssl, buf, sizeof buf) > 0)
        ;
    tls_close(ssl);
}

static void w_print(void)
{
    int port;
    char ack[64];
    size_t got = 0;
    double t0, c0, cp, el;
    SSL *ssl;
    n_lines = opt_l("lines", 1000000);
    fork_server(print_server, &port);
    ssl = tls_connect(client_ctx(), port, NULL);
    t0 = now();
    c0 = cpu();
    for (long i = 0; i < n_lines; i++)
        if (SSL_write(ssl, LINE, 60) != 60)
            die("SSL_write");
    cp = cpu() - c0;
    while (!memchr(ack, '\n', got)) {
        int r = SSL_read(ssl, ack + got, (int)(sizeof ack - 1 - got));
        if (r <= 0)
            die("no ack");
        got += r;
    }
    el = now() - t0;
    ack[got] = 0;
    if (atol(ack + 4) != n_lines * 60)
        die("server got %s", ack);
    tls_close(ssl);
    stop_server();
    result("\"value\":%.1f,\"unit\":\"lines/s\",\"lines\":%ld,\"elapsed\":%.3f,\"cpu\":%.3f,\"cpu_rate\":%.1f",
           n_lines / el, n_lines, el, cp, cp > 0 ? n_lines / cp : 0.0);
}

/* ------------------------------------------------------------ select loop */
/* The clients of every select-loop server: `conns` connections (TLS when
 * tls=1, verified), each with one 32-byte message in flight; a round trip is
 * a message sent and its echo read back whole.  Runs for secs seconds after
 * all connections are up, then closes them and prints the rate. */
#define MSG 32
static void selectclient(void)
{
    int port = (int)opt_l("port", 0), conns = (int)opt_l("conns", 16), tls = (int)opt_l("tls", 1);
    double secs = atof(opt("secs", "3")), t0, el;
    long rt = 0;
    SSL_CTX *ctx = tls ? client_ctx() : NULL;
    SSL **ssl = calloc(conns, sizeof *ssl);
    int *fd = calloc(conns, sizeof *fd), *got = calloc(conns, sizeof *got);
    struct pollfd *pf = calloc(conns, sizeof *pf);
    char msg[MSG], buf[4096];
    memset(msg, 'p', MSG - 1);
    msg[MSG - 1] = '\n';
    for (int i = 0; i < conns; i++) {
        if (tls) {
            ssl[i] = tls_connect(ctx, port, NULL);
            fd[i] = SSL_get_fd(ssl[i]);
        } else {
            fd[i] = connect_port(port);
        }
        pf[i].fd = fd[i];
        pf[i].events = POLLIN;
    }
    t0 = now();
    for (int i = 0; i < conns; i++)
        if (tls ? SSL_write(ssl[i], msg, MSG) != MSG : write(fd[i], msg, MSG) != MSG)
            die("selectclient write");
    while ((el = now() - t0) < secs) {
        if (poll(pf, conns, 10000) <= 0)
            die("selectclient: no echo within 10 s (%ld round trips)", rt);
        for (int i = 0; i < conns; i++) {
            int n;
            if (!(pf[i].revents & (POLLIN | POLLERR | POLLHUP)))
                continue;
            do {
                n = tls ? SSL_read(ssl[i], buf, sizeof buf) : (int)read(fd[i], buf, sizeof buf);
                if (n <= 0)
                    die("selectclient read: server closed (%ld round trips)", rt);
                got[i] += n;
            } while (tls && SSL_pending(ssl[i]));
            if (got[i] >= MSG) {
                got[i] -= MSG;
                rt++;
                if (tls ? SSL_write(ssl[i], msg, MSG) != MSG : write(fd[i], msg, MSG) != MSG)
                    die("selectclient write");
            }
        }
    }
    el = now() - t0;
    for (int i = 0; i < conns; i++) {
        if (tls)
            tls_close(ssl[i]);
        else
            close(fd[i]);
    }
    result("\"value\":%.1f,\"unit\":\"round trips/s\",\"round_trips\":%ld,\"elapsed\":%.3f,\"conns\":%d,\"tls\":%d",
           rt / el, rt, el, conns, tls);
}

/* The C select() server: one process, select() over the listener and every
 * connection; echoes what it reads (taking what SSL_pending still holds). */
static void w_select(void)
{
    int port, conns = (int)opt_l("conns", 16), lfd, nfd = 0, seen = 0;
    SSL_CTX *ctx = server_ctx();
    SSL *ssl[FD_SETSIZE] = { 0 };
    char buf[4096];
    int pfd[2];
    pid_t pid;
    char out[1024];
    ssize_t n;
    lfd = listen_any(&port);
    if (pipe(pfd))
        die("pipe");
    pid = fork();
    if (pid == 0) {
        char p[32];
        static char *args[8];
        int k = 0;
        close(pfd[0]);
        dup2(pfd[1], 1);
        snprintf(p, sizeof p, "port=%d", port);
        args[k++] = p;
        for (int i = 0; i < nopt && k < 7; i++)
            if (strncmp(opts[i], "port=", 5))
                args[k++] = opts[i];
        nopt = k;
        opts = args;
        selectclient();
        _exit(0);
    }
    close(pfd[1]);
    for (;;) {
        fd_set rd;
        FD_ZERO(&rd);
        if (seen < conns) {
            FD_SET(lfd, &rd);
            nfd = lfd + 1 > nfd ? lfd + 1 : nfd;
        }
        int live = 0;
        for (int f = 0; f < FD_SETSIZE; f++)
            if (ssl[f]) {
                FD_SET(f, &rd);
                live++;
            }
        if (!live && seen >= conns)
            break;
        if (select(nfd, &rd, NULL, NULL, NULL) < 0)
            die("select: %s", strerror(errno));
        if (seen < conns && FD_ISSET(lfd, &rd)) {
            SSL *s = tls_accept(ctx, lfd);
            if (s) {
                int f = SSL_get_fd(s);
                ssl[f] = s;
                nfd = f + 1 > nfd ? f + 1 : nfd;
                seen++;
            }
        }
        for (int f = 0; f < nfd; f++) {
            if (!ssl[f] || !FD_ISSET(f, &rd))
                continue;
            int r = SSL_read(ssl[f], buf, sizeof buf);
            while (r > 0 && SSL_pending(ssl[f])) {
                write_all(ssl[f], buf, r);
                r = SSL_read(ssl[f], buf, sizeof buf);
            }
            if (r > 0) {
                write_all(ssl[f], buf, r);
            } else {
                int e = SSL_get_error(ssl[f], r);
                if (e == SSL_ERROR_WANT_READ)
                    continue;
                ERR_clear_error();
                tls_close(ssl[f]);
                ssl[f] = NULL;
            }
        }
    }
    n = read(pfd[0], out, sizeof out - 1);
    waitpid(pid, NULL, 0);
    if (n <= 0)
        die("no result from the clients");
    out[n] = 0;
    fputs(out, stdout);
}

int main(int argc, char **argv)
{
    const char *w = argc > 1 ? argv[1] : "";
    signal(SIGPIPE, SIG_IGN);
    nopt = argc - 2;
    opts = argv + 2;
    OPENSSL_init_ssl(0, NULL);
    if (!strcmp(w, "load"))
        return 0;
    alarm((unsigned)opt_l("timeout", 300) + 5);
    if (!strcmp(w, "latency"))
        w_latency();
    else if (!strcmp(w, "memory"))
        w_memory();
    else if (!strcmp(w, "handshake"))
        w_handshake();
    else if (!strcmp(w, "tcpconn"))
        w_tcpconn();
    else if (!strcmp(w, "bulk"))
        w_bulk();
    else if (!strcmp(w, "readline"))
        w_readline();
    else if (!strcmp(w, "print"))
        w_print();
    else if (!strcmp(w, "select"))
        w_select();
    else if (!strcmp(w, "selectclient"))
        selectclient();
    else
        die("unknown workload '%s'", w);
    return 0;
}
