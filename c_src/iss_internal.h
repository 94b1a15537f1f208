/* iss_internal.h: struct layouts shared by the files of c_src/ only. */
#ifndef ISS_INTERNAL_H
#define ISS_INTERNAL_H

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include "iss.h"

/* Before an SSL call whose failure SSL_get_error() will classify: stale
 * errors would turn a WANT_READ into SSL_ERROR_SSL. The queue is almost
 * always empty, and looking costs less than clearing its 16 slots. */
static inline void iss_err_reset(void)
{
    if (ERR_peek_error())
        ERR_clear_error();
}

#define ISS_ERRLEN 1024

/* Data the glue hands the core together with the function that frees it: a
 * callback's own data, or the glue's state of an object. The callback that
 * takes it (typed) is kept beside it. */
typedef struct iss_owned {
    void *data;
    void (*free_fn)(void *);  /* NULL: not ours to free */
} iss_owned;

/* Holds data from now on, and frees what o held before (after the switch,
 * so a free function that looks at o finds the new data). */
static inline void iss_owned_set(iss_owned *o, void *data, void (*free_fn)(void *))
{
    iss_owned old = *o;
    o->data = data;
    o->free_fn = free_fn;
    if (old.free_fn)
        old.free_fn(old.data);
}

static inline void iss_owned_clear(iss_owned *o) { iss_owned_set(o, NULL, NULL); }

struct iss_ctx {
    SSL_CTX *ssl_ctx;
    int refs;                 /* owners: each interpreter's Perl object, each connection;
                               * threads share it: only changed atomically */
    int is_server;
    int verify_mode;
    int shared_store;         /* the cert store is a process-wide default */
    char *default_dir;        /* the default store's CA directory, for a private copy */
    char *cipher_list, *ciphersuites;   /* as set, for SNI switching */
    iss_scheme scheme;        /* host name check on the client, when scheme.check */
    iss_verify_hook verify_hook;
    void *verify_data;
    struct iss_fp {
        char algo[32];
        int pubkey;
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int len;
    } *fps;                   /* SSL_fingerprint: accepted leaf digests */
    int nfps;
    int force_fps;            /* SSL_force_fingerprint: only these are trusted */
    struct iss_sni {
        char *host;
        iss_ctx *ctx;         /* counted reference */
    } *sni;                   /* servers: a context per host name */
    int nsni;
    int has_default;          /* unknown SNI names use this context */
    unsigned char *alpn, *npn;   /* wire format */
    unsigned int alpn_len, npn_len;
    iss_session_hook session_hook;
    void *session_data;
    iss_ticket_hook ticket_hook;
    void *ticket_data;
    struct iss_psk {
        char identity[PSK_MAX_IDENTITY_LEN + 1];   /* '' on a server: any identity */
        unsigned char key[PSK_MAX_PSK_LEN];
        size_t len;
    } *psk;
    int npsk;
    iss_passwd_hook passwd_hook;
    void *passwd_data;
    struct ocsp_cfg *ocsp;    /* stapling and staple checks (ocsp.c), NULL when unused */
    iss_error err;
};

/* Decrypted bytes we took from OpenSSL but have not handed out yet. Line
 * reading scans them in place; sysread and peek serve from them first. */
typedef struct iss_rbuf {
    char *data;
    size_t cap, off, len;     /* unread bytes are data[off .. off+len) */
} iss_rbuf;

struct iss_conn {
    SSL *ssl;
    iss_ctx *ctx;             /* counted reference */
    int fd;
    int wait_fd;              /* SSL_usebio: the outer socket, to wait for writing */
    int last_ssl_error;
    int last_ret;             /* raw return of the last SSL_do_handshake */
    /* Flags and small counters as bytes: a server keeps thousands of idle
     * connections, and 4-byte ints made this struct 32 bytes (one malloc
     * size class) bigger. */
    short busy;               /* depth of operations inside OpenSSL */
    signed char is_server;
    signed char eof;          /* a clean EOF was seen */
    signed char shutdown_seen;   /* the peer's close_notify was reported to the glue */
    signed char rd_closed, wr_closed;   /* TLS ended in one direction (iss_conn_set_closed):
                                         * -1, 0 or 1 */
    signed char fp_fail;      /* chain or name failed before the leaf's fingerprint */
    signed char line_done;    /* line.data was handed out; drop it on the next call */
    signed char doomed;       /* freed by a callback while busy */
    signed char free_buf_reads;  /* reads left that drop OpenSSL's kept read buffer */
    signed char push_first_write;   /* TCP_NODELAY is on until the first write after a handshake */
    signed char verify_name_lost;   /* copying the name failed: the name check must fail */
    X509 *peer_cert;          /* cached SSL_get1_peer_certificate */
    char *verify_name;        /* host name to check the leaf against */
    iss_msg_hook msg_hook;    /* set_msg_callback */
    void *msg_data;
    iss_io_fn io_read;        /* SSL_usebio: transport through the glue */
    iss_io_wfn io_write;
    iss_owned io;             /* their data */
    iss_owned owner;          /* the glue's data, freed with the connection */
    iss_rbuf rbuf;
    iss_rbuf line;            /* the line being assembled across records */
    struct ocsp_state *ocsp;  /* what the staple said (ocsp.c), NULL before */
    const char *warning;      /* a static text, NULL for none (not a buffer per connection) */
    iss_error err;
};

extern int iss_conn_ex_index;
extern int iss_ctx_ex_index;

void iss_ctx_record_error(iss_ctx *ctx);
iss_conn *iss_conn_alloc(iss_ctx *ctx, int is_server);   /* no transport yet */
/* Puts the descriptor under ssl through our socket BIO (biosock.c); 0 on failure. */
int iss_ssl_set_socket(SSL *ssl, int fd);
void iss_ssl_socket_nosignal(SSL *ssl, int on);
void iss_ssl_socket_speculate(SSL *ssl, int on);
void iss_ssl_socket_mode_changed(SSL *ssl);
unsigned long iss_ssl_socket_reads(SSL *ssl);
/* 1 when the last bytes moved on the socket were ours (sent, not yet
 * answered), or when it is not our BIO; 0 after the peer's bytes came. */
int iss_ssl_socket_sent_last(SSL *ssl);
/* Waits until fd is readable/writable, at most ms (-1: no limit), without
 * missing a signal that arrives just before: 1 ready, 0 timeout, -1 error
 * (errno EINTR when a signal is pending or arrived). */
int iss_fd_wait(int fd, int for_read, int ms);
void iss_sni_free(iss_ctx *ctx);
void iss_alpn_free(iss_ctx *ctx);
void iss_psk_free(iss_ctx *ctx);
int iss_verify_cb(int ok, X509_STORE_CTX *store);
/* Free what a context or connection holds for OCSP (ocsp.c). */
void iss_ocsp_ctx_free(iss_ctx *ctx);
void iss_ocsp_conn_free(iss_conn *c);

#endif
