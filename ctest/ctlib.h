/* ctlib.h: what the C tests (ctest/t_*.c) and the fuzz targets (in fuzz/)
 * share: a TAP printer and entry points that drive the core (c_src/) the way
 * the glue does, with no Perl in the process. */
#ifndef CTLIB_H
#define CTLIB_H

#include <stddef.h>
#include <sys/types.h>
#include "iss.h"

/* ---- TAP ---- */
void ct_plan(int n);                       /* 0: "no plan", ct_done prints it */
int ct_ok(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ct_is_int(long long got, long long want, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int ct_is_mem(const char *got, size_t glen, const char *want, size_t wlen, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void ct_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int ct_done(void);                         /* exit status: 0 when all passed */
/* A file of the test PKI: $ISS_CERTDIR (default t/certs) + "/" + name. */
const char *ct_cert_path(const char *name);

/* ---- entry points shared with the fuzzers ---- */
/* Everything the loaders accept, from bytes: writes them to an anonymous
 * file (memfd) and hands the core its /proc/self/fd path, as a user's file
 * name would arrive. Returns a path valid until ct_bytes_file_close(). */
const char *ct_bytes_file(const void *data, size_t len);
void ct_bytes_file_close(void);

/* Loads data as SSL_cert_file, SSL_key_file, SSL_ca_file and through the
 * Utils loaders, the way SSL_Context and Utils call the core; a PKCS#12
 * password prompt answers passwd. Returns a bit per loader that accepted
 * the input (CT_LOAD_*). */
enum { CT_LOAD_CERT = 1, CT_LOAD_KEY = 2, CT_LOAD_CA = 4, CT_LOAD_X509 = 8,
       CT_LOAD_PKEY = 16, CT_LOAD_LIST = 32, CT_LOAD_CRL = 64 };
int ct_load_all(const void *data, size_t len, const char *passwd);
/* The same into an existing server context (the fuzzer reuses one: making
 * an SSL_CTX costs more than most inputs). */
int ct_load_into(iss_ctx *ctx, const void *data, size_t len, const char *passwd);

/* The host-name check on a certificate made for the test: subject CN cn (NULL:
 * none) and subjectAltNames from alts, "DNS:name" or "IP:addr" entries. */
void *ct_make_cert(const char *cn, size_t cnlen, const char *const *alts, const size_t *altlen,
                   int nalts);
/* Fills s for a scheme written as the hostname table does: a name, or
 * "{key=value,...}"; returns 0 when unknown. */
int ct_scheme(const char *text, iss_scheme *s);

/* ALPN: splits a list given as NUL-separated names into wire format, sets it
 * on a client and a server context and negotiates over a socketpair. */
unsigned char *ct_alpn_wire(const char *names, size_t len, unsigned int *outlen);

/* ---- a client and a server in one process over a socketpair ---- */
typedef struct ct_pair {
    iss_ctx *sctx, *cctx;
    iss_conn *server, *client;
    int sfd, cfd;
} ct_pair;
/* Contexts with the test PKI (server-chain.pem/server-key.pem, the client
 * trusts test-ca.pem and checks the name "localhost" unless verify_name is
 * NULL); version 0 or a TLS1_x_VERSION for both ends. */
int ct_pair_init(ct_pair *p, int version, const char *verify_name);
/* Handshake both ends, alternating on non-blocking sockets: ISS_OK or the
 * failing status; the messages are in the connections' error texts. */
int ct_pair_handshake(ct_pair *p);
void ct_pair_free(ct_pair *p);

#endif
