/* iss.h: the public C API of the TLS core behind IO::Socket::SSL (no Perl in here). */
#ifndef ISS_H
#define ISS_H

#include <stddef.h>
#include <sys/types.h>

/* Status codes, as libtls: anything >= 0 is success (or a byte count). */
#define ISS_OK          0
#define ISS_ERR        -1
#define ISS_WANT_READ  -2
#define ISS_WANT_WRITE -3
#define ISS_EINTR      -4   /* a signal interrupted a wait: let Perl run its handler, then call again */
#define ISS_TIMEOUT    -5
#define ISS_GONE       -6   /* a callback closed the socket meanwhile: the connection is freed */
#define ISS_BUSY       -7   /* called from a callback while OpenSSL works on this connection */

/* Severity of an internal error, the reference's ranking: a later error only
 * replaces an earlier one of the same or lower severity. */
#define ISS_SEV_FALLBACK 0
#define ISS_SEV_OPENSSL  4
#define ISS_SEV_VERIFY   5
#define ISS_SEV_NONAME   8
#define ISS_SEV_FATAL    9

/* What an error record says failed (err.c). */
#define ISS_E_NONE      0
#define ISS_E_OPENSSL   1   /* OpenSSL's error queue; the text may be empty */
#define ISS_E_CALLBACK  2   /* a Perl callback died: the text is its $@ */
#define ISS_E_VERIFY    3   /* the peer's host name or fingerprint does not match */
#define ISS_E_NONAME    4   /* no host name to check the peer's certificate against */
#define ISS_E_UNSUPPORTED 5 /* this OpenSSL build cannot do what was asked */
#define ISS_E_REVOKED   6   /* the peer's stapled OCSP response says revoked */
#define ISS_E_NO_STAPLE 7   /* a required stapled OCSP response is missing */
#define ISS_E_BAD_INPUT 8   /* the caller's data is not what it must be */
#define ISS_E_NOMEM     9   /* out of memory */

/* One record per context and per connection: the error that explains the
 * last failure best (iss_error_outranks decides). text is NULL when empty. */
typedef struct iss_error {
    int code;
    int severity;             /* an ISS_SEV_*, -1 when the record is empty */
    char *text;
} iss_error;

typedef struct iss_ctx iss_ctx;
typedef struct iss_conn iss_conn;

/* OpenSSL's own types, named by their struct tags: the compiler checks what
 * crosses this boundary, while the glue needs no OpenSSL header. (OpenSSL's
 * X509, EVP_PKEY, ... are typedefs of these same structs.) */
typedef struct x509_st iss_x509;                    /* X509 */
typedef struct evp_pkey_st iss_pkey;                /* EVP_PKEY */
typedef struct ssl_st iss_ssl;                      /* SSL */
typedef struct ssl_ctx_st iss_ssl_ctx;              /* SSL_CTX */
typedef struct ssl_session_st iss_session;          /* SSL_SESSION */
typedef struct x509_store_ctx_st iss_x509_store_ctx;   /* X509_STORE_CTX */

/* ---- library (lib.c) ---- */
int iss_init(void);
unsigned long iss_openssl_version_number(void);
const char *iss_openssl_version_text(int which);
/* Drain OpenSSL's (thread-local) error queue into buf as the reference prints
 * it: "error:XXXXXXXX:lib::reason" joined by single spaces. Returns length. */
size_t iss_err_drain(char *buf, size_t len);
void iss_err_clear(void);
void iss_err_string(unsigned long e, char *buf, size_t len);
/* Registers the embedding interpreter's "signal pending" flag (fdwait.c):
 * a wait that would block returns ISS_EINTR at once while it is set. */
void iss_set_signal_flag(const volatile int *flag);

/* ---- error records (err.c) ---- */
/* The one ranking: whether (code, sev) replaces a record holding
 * (old_code, old_sev); old_sev -1 is an empty record. */
int iss_error_outranks(int old_code, int old_sev, int code, int sev);
void iss_error_init(iss_error *e);
void iss_error_clear(iss_error *e);
void iss_error_forget(iss_error *e, int code);   /* clears e if it holds code */
/* Stores the error if it outranks the record's; 1 when stored. */
int iss_error_set(iss_error *e, int code, int sev, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 4, 5)))
#endif
    ;
int iss_error_openssl(iss_error *e);   /* drains OpenSSL's queue into e */
/* Appends to a record that holds code, else stores (ranked) as iss_error_set. */
void iss_error_append(iss_error *e, int code, int sev, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 4, 5)))
#endif
    ;
const char *iss_error_text(const iss_error *e);   /* "" when empty */

/* ---- host name schemes (verify.c) ---- */
enum { ISS_WILD_NONE = 0, ISS_WILD_FULL_LABEL, ISS_WILD_LEFTMOST, ISS_WILD_ANYWHERE };
enum { ISS_CN_NEVER = 0, ISS_CN_ALWAYS, ISS_CN_WHEN_ONLY };
typedef struct iss_scheme {
    int check;            /* 0: scheme 'none', nothing is checked */
    int wildcards_in_cn;
    int wildcards_in_alt;
    int check_cn;
    int ip_in_cn;         /* 0, 1 (any), 4, 6 */
    int use_psl;          /* 1: refuse wildcards covering a public suffix, 2: refuse every wildcard */
    int explicit_scheme;  /* the user named a scheme: an unknown peer name is an error */
} iss_scheme;
/* Fills *s from a predefined scheme name; returns 0 if the name is unknown. */
int iss_scheme_by_name(const char *name, iss_scheme *s);
/* The reference's verify_hostname_of_cert on an X509* (given as pointer).
 * Returns 1 match, 0 no match. */
int iss_verify_hostname(const iss_x509 *x509, const char *name, size_t namelen,
                        const iss_scheme *s);

/* ---- public suffixes (psl.c) ---- */
/* Number of trailing labels of host (ASCII, lower case not required) that form
 * its public suffix, using the built-in list; min_suffix when nothing matches. */
int iss_psl_suffix_labels(const char *host, size_t len, int min_suffix);

/* ---- contexts (ctx.c) ---- */
/* Perl callback trampolines, registered by the glue. Each runs the Perl code
 * under G_EVAL; a Perl die is recorded by the glue and reported as failure.
 * data is what the glue registered with the context; c is the connection
 * the callback runs for (NULL when there is none), so the glue can reach
 * that connection's own data (iss_conn_owner). */
typedef int (*iss_verify_hook)(void *data, iss_conn *c, int ok, iss_x509_store_ctx *store_ctx,
                               iss_x509 *x509, int depth, int err);
typedef int (*iss_passwd_hook)(void *data, int rwflag, char *buf, int size);
/* A new client session (SSL_SESSION*): return 1 to keep the reference. */
typedef int (*iss_session_hook)(void *data, iss_conn *c, iss_session *session);
/* Ticket keys: name NULL asks for the current key; else for the key of name.
 * Fills key[32] and cur_name[16]; returns 1 found, 0 unknown, -1 error. */
typedef int (*iss_ticket_hook)(void *data, iss_conn *c, const unsigned char *name,
                               unsigned char *key, unsigned char *cur_name);

iss_ctx *iss_ctx_new(int is_server, int min_version, int max_version, long options);
void iss_ctx_incref(iss_ctx *ctx);
void iss_ctx_decref(iss_ctx *ctx);        /* NULL is fine */
iss_ssl_ctx *iss_ctx_ssl_ctx(iss_ctx *ctx);      /* borrowed SSL_CTX* */
iss_error *iss_ctx_error(iss_ctx *ctx);   /* the context's error record */
int iss_ctx_is_server(iss_ctx *ctx);

int iss_ctx_set_cipher_list(iss_ctx *ctx, const char *list);
int iss_ctx_set_ciphersuites(iss_ctx *ctx, const char *list);
int iss_ctx_set_verify(iss_ctx *ctx, int mode, const iss_scheme *scheme);
/* TLS 1.3 post-handshake client authentication: a client allows it; a
 * server asks with iss_raw_verify_client_post_handshake on its SSL*. */
void iss_ctx_set_post_handshake_auth(iss_ctx *ctx, int on);
int iss_raw_verify_client_post_handshake(void *ssl);
void iss_ctx_set_verify_hook(iss_ctx *ctx, iss_verify_hook fn, void *data);
void iss_ctx_set_passwd_hook(iss_ctx *ctx, iss_passwd_hook fn, void *data);
int iss_ctx_set_mode(iss_ctx *ctx, long mode);
int iss_ctx_set_session_id_context(iss_ctx *ctx, const char *id, size_t len);
int iss_ctx_set_groups(iss_ctx *ctx, const char *list);
int iss_ctx_set_dh_pem(iss_ctx *ctx, const char *pem, size_t len);   /* NULL: built-in group */
int iss_ctx_set_dh_file(iss_ctx *ctx, const char *file);
int iss_ctx_set_verify_flags(iss_ctx *ctx, unsigned long flags);
/* SSL_fingerprint: a leaf whose digest is listed is accepted even when the
 * chain fails; with force, only listed leaves are accepted. */
int iss_ctx_add_fingerprint(iss_ctx *ctx, const char *algo, int pubkey,
                            const unsigned char *digest, size_t len);
void iss_ctx_force_fingerprint(iss_ctx *ctx, int force);

/* ---- server name indication (sni.c) ---- */
/* A server context hands connections for host to child (a new reference). */
int iss_ctx_add_sni(iss_ctx *ctx, const char *host, iss_ctx *child);
void iss_ctx_sni_default(iss_ctx *ctx, int has_default);

/* ---- protocol negotiation (alpn.c) ---- */
unsigned char *iss_protos_wire(const char *const *list, int n, unsigned int *outlen);
int iss_ctx_set_alpn(iss_ctx *ctx, const unsigned char *wire, unsigned int len);
int iss_ctx_set_npn(iss_ctx *ctx, const unsigned char *wire, unsigned int len);
int iss_can_npn(void);
int iss_conn_alpn_selected(iss_conn *c, const char **p, unsigned int *len);
int iss_conn_npn_selected(iss_conn *c, const char **p, unsigned int *len);

/* ---- sessions, tickets, PSK (session.c) ---- */
void iss_ctx_set_session_hook(iss_ctx *ctx, iss_session_hook fn, void *data);
int iss_conn_set_session(iss_conn *c, iss_session *sess);
iss_session *iss_conn_get1_session(iss_conn *c);
void iss_session_free(iss_session *sess);
int iss_session_up_ref(iss_session *sess);
int iss_session_is_resumable(iss_session *sess);
/* the settings a client's sessions are checked under (a digest of sig);
 * offer (may be NULL) is offered when it was made under the same */
int iss_conn_bind_sessions(iss_conn *c, const void *sig, size_t len,
                           iss_session *offer, int *offered);
void iss_ctx_set_ticket_hook(iss_ctx *ctx, iss_ticket_hook fn, void *data);
/* Client: the first entry is used; server: '' is the key for other identities. */
int iss_ctx_add_psk(iss_ctx *ctx, const char *identity, const unsigned char *key, size_t len);

/* ---- trust store (store.c) ---- */
/* file/dir may be NULL; dir may hold several directories separated by ':'. */
int iss_ctx_load_ca(iss_ctx *ctx, const char *file, const char *dir);
/* The process-wide default store for (file, dir), parsed once and shared. */
int iss_ctx_use_default_ca(iss_ctx *ctx, const char *file, const char *dir);
int iss_ctx_add_ca_x509(iss_ctx *ctx, iss_x509 *x509);
int iss_ctx_load_crl_file(iss_ctx *ctx, const char *file);
int iss_ctx_add_client_ca(iss_ctx *ctx, iss_x509 *x509);
int iss_ctx_load_client_ca_file(iss_ctx *ctx, const char *file);
void iss_store_forget_defaults(void);

/* ---- certificates and keys (certs.c) ---- */
/* Loads a certificate (and chain) from PEM, DER or PKCS#12, detected by content.
 * *got_key is set when the file also carried the private key (PKCS#12). */
int iss_ctx_use_cert_file(iss_ctx *ctx, const char *file, int *got_key, const char **fmt);
int iss_ctx_use_key_file(iss_ctx *ctx, const char *file);
int iss_ctx_use_cert_x509(iss_ctx *ctx, iss_x509 *x509, int is_chain);
int iss_ctx_use_key_pkey(iss_ctx *ctx, iss_pkey *pkey);
int iss_ctx_check_key(iss_ctx *ctx);

/* ---- connections (conn.c) ---- */
iss_conn *iss_conn_new(iss_ctx *ctx, int fd, int is_server);
/* A connection whose bytes travel through callbacks (biopump.c): they return
 * bytes > 0, 0 at EOF, or ISS_WANT_READ/WANT_WRITE/EINTR/ERR. */
typedef ssize_t (*iss_io_fn)(void *data, char *buf, size_t len);
typedef ssize_t (*iss_io_wfn)(void *data, const char *buf, size_t len);
iss_conn *iss_conn_new_io(iss_ctx *ctx, int is_server, iss_io_fn rd, iss_io_wfn wr, void *data);
/* free_fn(data) runs when the connection is freed. */
void iss_conn_set_io_free(iss_conn *c, void (*free_fn)(void *));
void iss_conn_set_wait_fd(iss_conn *c, int fd);   /* the outer socket, -1 for none */
void iss_conn_free(iss_conn *c);          /* frees the SSL*, never sends close_notify */
/* Data of the glue that lives exactly as long as the connection (its Perl
 * socket, its callbacks' errors): free_fn runs when the connection is freed. */
void iss_conn_set_owner(iss_conn *c, void *data, void (*free_fn)(void *));
void *iss_conn_owner(iss_conn *c);
iss_ssl *iss_conn_ssl(iss_conn *c);          /* borrowed SSL* */
iss_ctx *iss_conn_ctx(iss_conn *c);
int iss_conn_is_server(iss_conn *c);
int iss_conn_fd(iss_conn *c);
iss_error *iss_conn_error(iss_conn *c);   /* the connection's error record */
int iss_conn_ssl_error(iss_conn *c);      /* SSL_get_error() of the last failure */
int iss_conn_last_ret(iss_conn *c);       /* raw return of the last SSL_do_handshake */
/* 1 while an operation on c is inside OpenSSL (so a callback runs for it). */
int iss_conn_busy(iss_conn *c);
const char *iss_conn_warning(iss_conn *c);   /* a warning to emit after the handshake */

typedef void (*iss_msg_hook)(void *data, int write_p, int version, int content_type,
                             const void *buf, size_t len, iss_ssl *ssl);
void iss_conn_set_msg_hook(iss_conn *c, iss_msg_hook fn, void *data);
int iss_conn_set_sni(iss_conn *c, const char *host);
int iss_conn_set_verify_name(iss_conn *c, const char *name);

/* Drives the handshake. timeout < 0: as the socket is (blocking or not);
 * timeout >= 0: bounded by poll() on a temporarily non-blocking socket. */
int iss_conn_handshake(iss_conn *c, double timeout);
/* Reads up to len bytes (at most one record). >0 bytes, 0 EOF, <0 status. */
ssize_t iss_conn_read(iss_conn *c, char *buf, size_t len);
ssize_t iss_conn_peek(iss_conn *c, char *buf, size_t len);
/* Writes at most len bytes; all=1 loops until everything is written (blocking). */
ssize_t iss_conn_write(iss_conn *c, const char *buf, size_t len, int all);
size_t iss_conn_pending(iss_conn *c);
void iss_conn_mode_changed(iss_conn *c);
/* Receive system calls the socket BIO has made (tests count them). */
unsigned long iss_conn_socket_reads(iss_conn *c);
/* poll() the socket for reading or writing; ISS_OK, ISS_TIMEOUT, ISS_EINTR. */
int iss_conn_wait(iss_conn *c, int for_read, double timeout);

/* Line reading. delim/dlen: the separator; para=1 for paragraph mode (the
 * reference: "\n\n" then as many "\n" as follow). On success *out points at
 * the line, valid until the next call on c. Returns length, 0 at EOF with no
 * data, or a status < 0 (a status never loses data already collected: the
 * partial line is kept and returned by a later call). */
ssize_t iss_conn_readline(iss_conn *c, const char *delim, size_t dlen, int para,
                          const char **out);
/* iss_conn_readline's common case, for a one-byte separator: the next line
 * when it lies whole in the decrypted record at hand; 0 otherwise (then
 * iss_conn_readline does the rest). It never reads, blocks or runs a
 * callback, and sets no error: <$sock> takes it for ~90 % of its own cost. */
ssize_t iss_conn_nextline(iss_conn *c, int delim, const char **out);
/* Fixed-size record (\N): up to n bytes, fewer only at EOF / would-block. */
ssize_t iss_conn_readrec(iss_conn *c, size_t n, const char **out);
/* Everything until EOF (or would-block with data). */
ssize_t iss_conn_readall(iss_conn *c, const char **out);

/* close_notify: ISS_OK when done (sent, and received unless fast), status otherwise. */
int iss_conn_shutdown(iss_conn *c, int fast, double timeout);
int iss_conn_get_shutdown(iss_conn *c);   /* SSL_SENT_SHUTDOWN=1 | SSL_RECEIVED_SHUTDOWN=2 */

/* ---- introspection (x509info.c) ---- */
int iss_conn_version(iss_conn *c);
const char *iss_conn_cipher(iss_conn *c);
int iss_conn_session_reused(iss_conn *c);
const char *iss_conn_servername(iss_conn *c);
iss_x509 *iss_conn_peer_cert(iss_conn *c);     /* borrowed, cached X509* or NULL */
void iss_conn_forget_peer_cert(iss_conn *c);
iss_x509 *iss_conn_own_cert(iss_conn *c);      /* borrowed X509* or NULL */
/* The peer's chain, leaf first, borrowed from the connection. */
int iss_conn_peer_chain(iss_conn *c, iss_x509 **out, int max);
/* 1 once, the first time a read ended at the peer's close_notify. */
int iss_conn_take_peer_shutdown(iss_conn *c);
/* One-sided shutdown, per direction: 0 TLS, 1 TLS ended and plain bytes
 * follow on the socket (read/write go to the descriptor), -1 TLS ended by
 * the automatic answer to the peer's close_notify: writes fail with EPERM,
 * reads give EOF at the socket's EOF and fail with EPERM if plain data
 * waits (it must not be mistaken for TLS data). ISS_ERR with errno EPERM. */
void iss_conn_set_closed(iss_conn *c, int rd, int wr);
/* X509_NAME_oneline of subject (which=0) or issuer (1); returns malloc'd string. */
char *iss_x509_name_oneline(const iss_x509 *x509, int which);
/* Common name as X509_NAME_get_text_by_NID returns it; malloc'd, may be NULL. */
char *iss_x509_common_name(const iss_x509 *x509, size_t *len);
/* subjectAltNames: calls fn(type, value, len) per entry; IPs packed. */
int iss_x509_alt_names(const iss_x509 *x509, void (*fn)(void *, int, const char *, size_t),
                       void *data);
/* Digest of the certificate or (pubkey=1) its public key; returns length or -1. */
int iss_x509_digest(const iss_x509 *x509, const char *algo, int pubkey, unsigned char *out);

/* Certificates as raw handles for IO::Socket::SSL::Utils: new references
 * that the caller frees with iss_x509_free. */
iss_x509 *iss_x509_from_pem_file(const char *file);
iss_x509 *iss_x509_from_pem(const char *pem, size_t len);
char *iss_x509_to_pem(const iss_x509 *x509, size_t *len);   /* malloc'd */
void iss_x509_free(iss_x509 *x509);
iss_pkey *iss_pkey_from_pem(const char *pem, size_t len, int is_file);   /* EVP_PKEY* */
char *iss_pkey_to_pem(const iss_pkey *pkey, size_t *len);
void iss_pkey_free(iss_pkey *pkey);

/* The parts of a certificate CERT_asHash reports (x509info.c). Lists are
 * handed out one value at a time through fn; key says what a value is
 * where a list mixes kinds (name entries: the field's long name). */
typedef void (*iss_str_fn)(void *data, const char *key, const char *val, size_t len);
long iss_x509_version(const iss_x509 *x509);
void iss_x509_validity(const iss_x509 *x509, long long *not_before, long long *not_after);
char *iss_x509_serial_dec(const iss_x509 *x509);             /* malloc'd */
int iss_x509_sigalg(const iss_x509 *x509, char *buf, size_t len);
void iss_x509_name_entries(const iss_x509 *x509, int which, iss_str_fn fn, void *data);
void iss_x509_crl_uris(const iss_x509 *x509, iss_str_fn fn, void *data);
void iss_x509_ocsp_uris(const iss_x509 *x509, iss_str_fn fn, void *data);
void iss_x509_key_usage(const iss_x509 *x509, iss_str_fn fn, void *data);
void iss_x509_ext_key_usage(const iss_x509 *x509, iss_str_fn fn, void *data);
int iss_x509_ext_count(const iss_x509 *x509);
int iss_x509_list_from_pem_file(const char *file, void (*fn)(void *, iss_x509 *), void *data);
char *iss_x509_ext_get(const iss_x509 *x509, int i, char *name, size_t namelen, int *nid,
                       int *critical, size_t *textlen);

/* Making keys and certificates (certgen.c): 0/NULL on failure, with the
 * OpenSSL error queued for iss_err_drain. */
iss_pkey *iss_pkey_create_rsa(int bits);
iss_pkey *iss_pkey_create_ec(const char *curve);      /* NULL, nothing queued: unknown curve */
iss_x509 *iss_x509_new(void);
int iss_x509_set_serial(iss_x509 *x509, const char *dec);
int iss_x509_set_version(iss_x509 *x509, long version);
int iss_x509_set_validity(iss_x509 *x509, long long not_before, long long not_after);
int iss_x509_subject_add(iss_x509 *x509, const char *field, const char *val, size_t len);
int iss_x509_set_pubkey(iss_x509 *x509, iss_pkey *pkey);
int iss_x509_add_ext(iss_x509 *x509, iss_x509 *issuer, int nid, const char *value);
int iss_x509_sign(iss_x509 *x509, iss_x509 *issuer, iss_pkey *key, const char *digest);   /* -1: unknown digest */
int iss_obj_nid(const char *name);                 /* NID of a short or long name or OID, 0 if none */
const char *iss_nid_sn(int nid);                  /* "" when unknown */

/* ---- option strings (optparse.c) ---- */
/* SSL_version: one version (or SSLv23, any) plus "!version" exclusions,
 * ':'-joined, as the reference reads it. *ver gets an ISS_VER_*, *excluded
 * the bits (1 << ISS_VER_*) of the excluded ones. ISS_ERR with *err set to
 * the reference's message. */
enum { ISS_VER_ANY = 0, ISS_VER_SSL2, ISS_VER_SSL3, ISS_VER_TLS1, ISS_VER_TLS1_1,
       ISS_VER_TLS1_2, ISS_VER_TLS1_3 };
int iss_parse_ssl_version(const char *spec, size_t len, int *ver, unsigned *excluded,
                          const char **err);
/* SSL_fingerprint: "[algo$][pub$]hex[:hex...]". algo needs room for len+1
 * bytes, digest for (len+1)/2. Without algo$ the digest length picks md5,
 * sha1 or sha256. ISS_OK, or: */
#define ISS_FP_INVALID -1    /* not a fingerprint */
#define ISS_FP_NO_ALGO -2    /* no algo$ and a length that names none */
int iss_parse_fingerprint(const char *s, size_t len, char *algo, int *pubkey,
                          unsigned char *digest, size_t *dlen);

#endif
