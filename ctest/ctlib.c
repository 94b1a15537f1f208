/* ctlib.c: the C tests' TAP printer and the entry points that the tests and
 * the fuzz targets share (see ctlib.h). No Perl in here. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include "ctlib.h"

/* ---- TAP ---- */

static int tap_n, tap_failed, tap_planned;

void ct_plan(int n)
{
    tap_planned = n;
    if (n > 0)
        printf("1..%d\n", n);
    fflush(stdout);
}

static int vok(int ok, const char *fmt, va_list ap)
{
    char desc[512];
    size_t i;
    vsnprintf(desc, sizeof desc, fmt, ap);
    printf("%sok %d - ", ok ? "" : "not ", ++tap_n);
    /* one line per test whatever the description holds; '#' would start a
     * TAP directive */
    for (i = 0; desc[i]; i++) {
        unsigned char ch = (unsigned char)desc[i];
        if (ch < 0x20 || ch == 0x7f || ch == '#')
            printf("\\x%02x", ch);
        else
            putchar(ch);
    }
    printf("\n");
    fflush(stdout);
    if (!ok)
        tap_failed++;
    return ok;
}

int ct_ok(int ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vok(ok, fmt, ap);
    va_end(ap);
    return ok;
}

int ct_is_int(long long got, long long want, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vok(got == want, fmt, ap);
    va_end(ap);
    if (got != want)
        ct_diag("got %lld, expected %lld", got, want);
    return got == want;
}

static void show(const char *what, const char *p, size_t n)
{
    size_t i;
    printf("#   %s '", what);
    for (i = 0; i < n && i < 200; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch >= 0x20 && ch < 0x7f && ch != '\\')
            putchar(ch);
        else
            printf("\\x%02x", ch);
    }
    printf("'%s (%zu bytes)\n", n > 200 ? "..." : "", n);
}

int ct_is_mem(const char *got, size_t glen, const char *want, size_t wlen, const char *fmt, ...)
{
    va_list ap;
    int ok = got && glen == wlen && memcmp(got, want, wlen) == 0;
    va_start(ap, fmt);
    vok(ok, fmt, ap);
    va_end(ap);
    if (!ok) {
        show("got:     ", got ? got : "", got ? glen : 0);
        show("expected:", want, wlen);
    }
    return ok;
}

void ct_diag(const char *fmt, ...)
{
    va_list ap;
    printf("# ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
}

int ct_done(void)
{
    if (tap_planned <= 0)
        printf("1..%d\n", tap_n);
    else if (tap_n != tap_planned)
        ct_diag("planned %d tests, ran %d", tap_planned, tap_n);
    fflush(stdout);
    return tap_failed || (tap_planned > 0 && tap_n != tap_planned) ? 1 : 0;
}

const char *ct_cert_path(const char *name)
{
    static char buf[4096];
    const char *dir = getenv("ISS_CERTDIR");
    snprintf(buf, sizeof buf, "%s/%s", dir && *dir ? dir : "t/certs", name);
    return buf;
}

/* ---- bytes as a file ---- */

static int bytes_fd = -1;

const char *ct_bytes_file(const void *data, size_t len)
{
    static char path[64];
    const char *p = data;
    ct_bytes_file_close();
    bytes_fd = memfd_create("ct_input", 0);
    if (bytes_fd < 0)
        return NULL;
    while (len > 0) {
        ssize_t n = write(bytes_fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return NULL;
        p += n;
        len -= (size_t)n;
    }
    snprintf(path, sizeof path, "/proc/self/fd/%d", bytes_fd);
    return path;
}

void ct_bytes_file_close(void)
{
    if (bytes_fd >= 0)
        close(bytes_fd);
    bytes_fd = -1;
}

/* ---- loaders ---- */

static int passwd_hook(void *data, int rwflag, char *buf, int size)
{
    const char *pw = data;
    int n = pw ? (int)strlen(pw) : -1;
    (void)rwflag;
    if (n < 0 || n > size)
        return -1;
    memcpy(buf, pw, (size_t)n);
    return n;
}

static void free_listed(void *data, iss_x509 *x509)
{
    ++*(int *)data;
    iss_x509_free(x509);
}

int ct_load_all(const void *data, size_t len, const char *passwd)
{
    iss_ctx *ctx = iss_ctx_new(1, 0, 0, 0);
    int got = ctx ? ct_load_into(ctx, data, len, passwd) : -1;
    iss_ctx_decref(ctx);
    return got;
}

int ct_load_into(iss_ctx *ctx, const void *data, size_t len, const char *passwd)
{
    int got = 0, got_key = 0, listed = 0;
    const char *fmt = NULL, *path = ct_bytes_file(data, len);
    void *obj;
    if (!path)
        return -1;
    /* a password prompt must never reach OpenSSL's terminal default */
    iss_ctx_set_passwd_hook(ctx, passwd_hook, (void *)passwd);
    if (iss_ctx_use_cert_file(ctx, path, &got_key, &fmt) == ISS_OK)
        got |= CT_LOAD_CERT;
    if (iss_ctx_use_key_file(ctx, path) == ISS_OK)
        got |= CT_LOAD_KEY;
    iss_ctx_check_key(ctx);
    if (iss_ctx_load_ca(ctx, path, NULL) == ISS_OK)
        got |= CT_LOAD_CA;
    if (iss_ctx_load_crl_file(ctx, path) == ISS_OK)
        got |= CT_LOAD_CRL;
    iss_ctx_load_client_ca_file(ctx, path);
    if ((obj = iss_x509_from_pem(data, len)) != NULL) {
        got |= CT_LOAD_X509;
        iss_x509_free(obj);
    }
    /* Utils (PEM_string2key) passes no password callback, so OpenSSL would
     * prompt on the terminal for an encrypted key, as the reference's
     * Net::SSLeay call does: keep encrypted keys away from that loader. */
    if (!memmem(data, len, "ENCRYPTED", 9) && (obj = iss_pkey_from_pem(data, len, 0)) != NULL) {
        got |= CT_LOAD_PKEY;
        iss_pkey_free(obj);
    }
    if (iss_x509_list_from_pem_file(path, free_listed, &listed) > 0)
        got |= CT_LOAD_LIST;
    ct_bytes_file_close();
    iss_err_clear();
    return got;
}

/* ---- certificates for the name check ---- */

void *ct_make_cert(const char *cn, size_t cnlen, const char *const *alts, const size_t *altlen,
                   int nalts)
{
    X509 *x = X509_new();
    X509_NAME *name;
    GENERAL_NAMES *gens = NULL;
    int i;
    if (!x)
        return NULL;
    name = X509_get_subject_name(x);
    if (cn && !X509_NAME_add_entry_by_NID(name, NID_commonName, V_ASN1_UTF8STRING,
                                          (const unsigned char *)cn, (int)cnlen, -1, 0))
        goto err;
    if (nalts > 0) {
        gens = sk_GENERAL_NAME_new_null();
        if (!gens)
            goto err;
        for (i = 0; i < nalts; i++) {
            GENERAL_NAME *g;
            ASN1_STRING *s;
            int ip;
            if (altlen[i] < 1)
                continue;
            ip = alts[i][0] == 'I';
            g = GENERAL_NAME_new();
            s = ip ? ASN1_OCTET_STRING_new() : ASN1_IA5STRING_new();
            if (!g || !s || !ASN1_STRING_set(s, alts[i] + 1, (int)altlen[i] - 1)) {
                GENERAL_NAME_free(g);
                ASN1_STRING_free(s);
                goto err;
            }
            GENERAL_NAME_set0_value(g, ip ? GEN_IPADD : GEN_DNS, s);
            if (!sk_GENERAL_NAME_push(gens, g)) {
                GENERAL_NAME_free(g);
                goto err;
            }
        }
        if (!X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT))
            goto err;
        GENERAL_NAMES_free(gens);
    }
    return x;
err:
    GENERAL_NAMES_free(gens);
    X509_free(x);
    return NULL;
}

int ct_scheme(const char *text, iss_scheme *s)
{
    static const char *const wild[] = {"0", "full_label", "leftmost", "anywhere"};
    static const char *const cn[] = {"0", "always", "when_only"};
    char buf[512], *p, *save = NULL;
    size_t n = strlen(text);
    memset(s, 0, sizeof *s);
    if (text[0] != '{')
        return iss_scheme_by_name(text, s);
    if (n < 2 || text[n - 1] != '}' || n - 2 >= sizeof buf)
        return 0;
    memcpy(buf, text + 1, n - 2);
    buf[n - 2] = '\0';
    s->check = 1;
    for (p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        char *v = strchr(p, '=');
        int i, *dst = NULL, found = -1;
        if (!v)
            return 0;
        *v++ = '\0';
        if (!strcmp(p, "wildcards_in_cn") || !strcmp(p, "wildcards_in_alt")) {
            dst = p[13] == 'c' ? &s->wildcards_in_cn : &s->wildcards_in_alt;
            for (i = 0; i < 4; i++)
                if (!strcmp(v, wild[i]))
                    found = i;
        } else if (!strcmp(p, "check_cn")) {
            dst = &s->check_cn;
            for (i = 0; i < 3; i++)
                if (!strcmp(v, cn[i]))
                    found = i;
        } else if (!strcmp(p, "ip_in_cn")) {
            dst = &s->ip_in_cn;
            found = !strcmp(v, "4") ? 4 : !strcmp(v, "6") ? 6 : !strcmp(v, "0") ? 0 : 1;
        } else {
            return 0;             /* callback and the like live in Perl */
        }
        if (found < 0)
            return 0;
        *dst = found;
    }
    return 1;
}

unsigned char *ct_alpn_wire(const char *names, size_t len, unsigned int *outlen)
{
    const char *list[64];
    char *copy = malloc(len + 1);
    unsigned char *wire;
    size_t i, start = 0;
    int n = 0;
    if (!copy)
        return NULL;
    memcpy(copy, names, len);
    copy[len] = '\0';
    for (i = 0; i <= len && n < 64; i++)
        if (i == len || copy[i] == '\0') {
            list[n++] = copy + start;
            start = i + 1;
        }
    wire = iss_protos_wire(list, n, outlen);
    free(copy);
    return wire;
}

/* ---- a client and a server over a socketpair ---- */

int ct_pair_init(ct_pair *p, int version, const char *verify_name)
{
    int fds[2], got_key = 0;
    const char *fmt;
    iss_scheme scheme;
    memset(p, 0, sizeof *p);
    p->sfd = p->cfd = -1;
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) < 0)
        return ISS_ERR;
    p->sfd = fds[0];
    p->cfd = fds[1];
    fcntl(p->sfd, F_SETFL, O_NONBLOCK);
    fcntl(p->cfd, F_SETFL, O_NONBLOCK);
    p->sctx = iss_ctx_new(1, version, version, 0);
    p->cctx = iss_ctx_new(0, version, version, 0);
    if (!p->sctx || !p->cctx)
        return ISS_ERR;
    if (iss_ctx_use_cert_file(p->sctx, ct_cert_path("server-chain.pem"), &got_key, &fmt) != ISS_OK
        || iss_ctx_use_key_file(p->sctx, ct_cert_path("server-key.pem")) != ISS_OK
        || iss_ctx_check_key(p->sctx) != ISS_OK)
        return ISS_ERR;
    if (verify_name) {
        iss_scheme_by_name("default", &scheme);
        if (iss_ctx_load_ca(p->cctx, ct_cert_path("test-ca.pem"), NULL) != ISS_OK ||
            iss_ctx_set_verify(p->cctx, SSL_VERIFY_PEER, &scheme) != ISS_OK)
            return ISS_ERR;
    }
    p->server = iss_conn_new(p->sctx, p->sfd, 1);
    p->client = iss_conn_new(p->cctx, p->cfd, 0);
    if (!p->server || !p->client)
        return ISS_ERR;
    if (verify_name && iss_conn_set_verify_name(p->client, verify_name) != ISS_OK)
        return ISS_ERR;
    iss_conn_set_sni(p->client, "localhost");
    return ISS_OK;
}

int ct_pair_handshake(ct_pair *p)
{
    int cdone = 0, sdone = 0, round;
    /* each flight needs one turn; 20 rounds is far more than TLS uses */
    for (round = 0; round < 20 && !(cdone && sdone); round++) {
        if (!cdone) {
            int r = iss_conn_handshake(p->client, -1);
            if (r == ISS_OK)
                cdone = 1;
            else if (r != ISS_WANT_READ && r != ISS_WANT_WRITE)
                return r;
        }
        if (!sdone) {
            int r = iss_conn_handshake(p->server, -1);
            if (r == ISS_OK)
                sdone = 1;
            else if (r != ISS_WANT_READ && r != ISS_WANT_WRITE)
                return r;
        }
    }
    return cdone && sdone ? ISS_OK : ISS_ERR;
}

void ct_pair_free(ct_pair *p)
{
    iss_conn_free(p->client);
    iss_conn_free(p->server);
    iss_ctx_decref(p->cctx);
    iss_ctx_decref(p->sctx);
    if (p->sfd >= 0)
        close(p->sfd);
    if (p->cfd >= 0)
        close(p->cfd);
    memset(p, 0, sizeof *p);
    p->sfd = p->cfd = -1;
}
