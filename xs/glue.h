/* glue.h: what the XS files (the .xs files in xs/, included by SSL.xs) share with the
 * glue's C files: checked handles, the error path to the Perl side, the Perl
 * callbacks OpenSSL runs (under G_EVAL), and the socket I/O loops. The core
 * (c_src/) stays free of Perl; this layer is the only one that knows both. */
#ifndef ISS_GLUE_H
#define ISS_GLUE_H

#define PERL_NO_GET_CONTEXT
#include "EXTERN.h"
#include "perl.h"
#include "XSUB.h"
#include "ppport.h"         /* the XS API back to perl 5.14 (G_LIST, ...) */

#include <errno.h>
#include <string.h>
#include "iss.h"
#include "iss_raw.h"

/* Our symbols stay inside SSL.so: a same-named symbol elsewhere in the
 * process must never be called instead (or interpose ours). */
#if defined(__GNUC__) && !defined(_WIN32)
#pragma GCC visibility push(hidden)
#endif

/* In PPCODE (SP below the arguments): hand the call to a Perl method. */
#define FALLBACK(method, nargs, gimme) STMT_START {                      \
        int n_;                                                        \
        PUTBACK;                                                       \
        n_ = glue_call_plain(aTHX_ (method), &ST(0), (nargs), (gimme)); \
        SPAGAIN;                                                       \
        XSRETURN(n_);                                                  \
    } STMT_END
/* A core status that only says whether it worked (typemap: 1 or 0). */
typedef int iss_ok_t;

#define ISS_INTERNAL_ERR (-101)   /* tells _io_fail: a usage error, severity 9 */

/* Per-interpreter state (MY_CXT lives in glue.c). */
typedef struct {
    GV *ssl_error;      /* *IO::Socket::SSL::SSL_ERROR (its scalar may be localized) */
    void *ctx_list;     /* this interpreter's ctx_glue list (see glue_ctx_find) */
    SV *line;           /* READLINE's result: pp_readline copies it at once, so one
                         * reused scalar, borrowing the connection's buffer, saves
                         * an allocation and a copy per line */
    SV *want[2];        /* SSL_WANT_READ, SSL_WANT_WRITE (the constants' own values),
                         * found at the first would-block */
} my_cxt_t;

void glue_boot(pTHX);
void glue_clone(pTHX);
my_cxt_t *glue_cxt(pTHX);

/* ---- checked handles (ext magic on the object) ---- */
extern MGVTBL glue_conn_vtbl, glue_ctx_vtbl, glue_tiecache_vtbl;
SV *glue_wrap(pTHX_ void *ptr, MGVTBL *vtbl, const char *class);
MAGIC *glue_find_mg(pTHX_ SV *sv, MGVTBL *vtbl);
void *glue_unwrap(pTHX_ SV *sv, MGVTBL *vtbl, const char *what);
#define CONN(sv) ((iss_conn *)glue_unwrap(aTHX_ (sv), &glue_conn_vtbl, "IO::Socket::SSL::_Conn"))
#define CTX(sv) (((ctx_glue *)glue_unwrap(aTHX_ (sv), &glue_ctx_vtbl, "IO::Socket::SSL::_Ctx"))->ctx)
iss_conn *glue_sock_conn(pTHX_ SV *self);
SV *glue_tied_sock(pTHX_ SV *tie);
iss_conn *glue_tie_conn(pTHX_ SV *tie, SV *self);
void glue_tie_cache(pTHX_ SV *tie, SV *conn);

/* glue_tied_sock + glue_tie_conn for the per-line tie methods: the cache
 * (glue_tie_cache) is the newest magic on the tie object, so it is the head
 * of the chain and is looked at in place; anything else takes the calls. */
static inline iss_conn *glue_tie_conn_quick(pTHX_ SV *tie, SV **self)
{
    SV *inner;
    MAGIC *mg, *cm;
    if (SvROK(tie) && SvROK(inner = SvRV(tie)) && SvTYPE(inner) >= SVt_PVMG
        && (mg = SvMAGIC(inner)) && mg->mg_type == PERL_MAGIC_ext
        && mg->mg_virtual == &glue_tiecache_vtbl && (cm = (MAGIC *)mg->mg_ptr)
        && cm->mg_ptr) {
        *self = inner;
        return (iss_conn *)cm->mg_ptr;
    }
    *self = glue_tied_sock(aTHX_ tie);
    return glue_tie_conn(aTHX_ tie, *self);
}

iss_conn *glue_after_signal(pTHX_ SV *obj);
int glue_scheme(pTHX_ SV *scheme, iss_scheme *s);

/* The interpreter a callback from OpenSSL runs in: the one that made g. */
#ifdef USE_ITHREADS
#define dGLUE_THX(g) dTHXa((g)->perl)
#else
#define dGLUE_THX(g) dTHX
#endif

/* ---- errors and calls into Perl ---- */
void glue_clear_error(pTHX);
void glue_io_fail(pTHX_ SV *sock, int status, const char *what);
void glue_io_wait_status(pTHX_ SV *sock, int status, int saved);
SV *glue_peer_shutdown_check(pTHX_ SV *sock, iss_conn *c);
int glue_call_plain(pTHX_ const char *method, SV **args, int nargs, I32 ctx);
void glue_conn_gone(pTHX);
void glue_croak_ssl(pTHX_ const char *what);

/* ---- Perl callbacks (run under G_EVAL) ---- */
/* A call into Perl from a callback of OpenSSL, inside glue_cb_enter (a
 * scope for temporaries, with $@ saved) and glue_cb_leave. */
void glue_cb_enter(pTHX);
void glue_cb_leave(pTHX);
/* Calls cb with the nargs values of args under G_EVAL, in the context of
 * flags (G_SCALAR, G_LIST; G_DISCARD: scalar, the results dropped at once).
 * The first strlen(as) results go to res, each made safe to read outside
 * any eval as its letter in as says: b SvTRUE, i SvIV/SvOK, s SvPV/SvOK,
 * B SvPVbyte/SvOK (as may be NULL: none). They live until glue_cb_leave.
 * Returns how many results came, or -1 when the call died or reading a
 * result would have ($@ says why, a plain string). */
int glue_call(pTHX_ SV *cb, I32 flags, SV **args, int nargs, SV **res, const char *as);
/* A sub of the Perl side by its name in IO::Socket::SSL, for glue_call. */
#define GLUE_SUB(name) MUTABLE_SV(get_cv("IO::Socket::SSL::" name, GV_ADD))

/* A context as one interpreter sees it: threads share the iss_ctx (one
 * reference per interpreter), each has its own copy of the Perl callbacks
 * (perl clones them with the object). The _Ctx object's magic points here;
 * C callbacks find it through the current interpreter's ctx_map. */
typedef struct {
    iss_ctx *ctx;       /* counted reference */
    int refs;           /* the _Ctx object, and each connection made on it here */
    SV *verify_cb;
    SV *passwd_cb;
    SV *ticket_cb;
    SV *ticket_data;
    void *next;         /* the interpreter's list: plain C, so no Perl value that
                         * global destruction may free first */
} ctx_glue;

/* Per connection: its Perl socket (a weak reference). A callback that dies
 * leaves its $@ in the connection's error record (iss_conn_error). */
typedef struct {
    SV *sock;
    ctx_glue *ctxg;     /* keeps the context's callbacks while the connection lives */
#ifdef USE_ITHREADS
    PerlInterpreter *perl;
#endif
} conn_glue;

ctx_glue *glue_ctx_new(pTHX_ iss_ctx *ctx);
ctx_glue *glue_ctx_find(pTHX_ iss_ctx *ctx);
ctx_glue *glue_of(pTHX_ iss_ctx *ctx);
void glue_conn_attach(pTHX_ iss_conn *c, SV *sock);
/* The error record of a _Ctx or _Conn object. */
iss_error *glue_error_of(pTHX_ SV *obj);
/* Records $@ of a callback that died (ISS_E_CALLBACK) on c, or on ctx when
 * there is no connection. */
void glue_keep_error(pTHX_ iss_ctx *ctx, iss_conn *c);
/* A new mortal reference to a connection's socket (weakly held), or undef. */
SV *glue_conn_sock(pTHX_ iss_conn *c);
int glue_verify_hook(void *data, iss_conn *c, int ok, iss_x509_store_ctx *store,
                     iss_x509 *x509, int depth, int err);
int glue_passwd_hook(void *data, int rwflag, char *buf, int size);
int glue_session_hook(void *data, iss_conn *c, iss_session *sess);
int glue_ticket_hook(void *data, iss_conn *c, const unsigned char *name, unsigned char *key,
                     unsigned char *cur_name);
void glue_msg_hook(void *data, int write_p, int version, int content_type,
                   const void *buf, size_t len, iss_ssl *ssl);

/* SSL_usebio: the transport is another Perl handle */
typedef struct {
    SV *outer;
#ifdef USE_ITHREADS
    PerlInterpreter *perl;
#endif
} io_glue;

void glue_io_free(void *p);
ssize_t glue_io_read(void *data, char *buf, size_t len);
ssize_t glue_io_write(void *data, const char *buf, size_t len);

/* ---- socket I/O (io.c) ---- */
SV *glue_read(pTHX_ SV *sock, iss_conn *c, SV *buf, SSize_t len, SSize_t offset, int mode);
SV *glue_write(pTHX_ SV *sock, iss_conn *c, const char *p, STRLEN len, int all);
int glue_readline(pTHX_ SV *sock, iss_conn *c, I32 gimme, int tied);
SV *glue_readline_quick(pTHX_ iss_conn *c);
int glue_print(pTHX_ SV *sock, iss_conn *c, SV **items, int count);
const char *glue_write_range(pTHX_ SV *sock, SV *buf, SV *lensv, SSize_t offset, STRLEN *len);

/* ---- small conversions ---- */
NV glue_now(void);
SV *glue_cstr_sv(pTHX_ char *s);
void glue_alt_push(void *data, int type, const char *val, size_t len);
void glue_put_name_entry(void *data, const char *key, const char *val, size_t len);
void glue_put_eku(void *data, const char *key, const char *val, size_t len);
void glue_push_handle(void *data, iss_x509 *x509);
SV *glue_list_ref(pTHX_ void (*get)(const iss_x509 *, iss_str_fn, void *),
                  const iss_x509 *x509);

/* ---- OCSP (ocsp_glue.c) ---- */
#include "ocsp.h"
typedef struct ocsp_hook ocsp_hook;
ocsp_hook *glue_ocsp_hook_new(pTHX_ SV *cb);
void glue_ocsp_hook_free(void *p);
int glue_ocsp_staple_hook(void *data, iss_conn *c, void *resp);
void glue_ocsp_staple_source(void *data, iss_conn *c, iss_staple_give give, void *arg);
/* The DER certificate ids of an array, as the core takes them: two arrays
 * freed with the calling XSUB's scope (SAVEFREEPV), NULL for none. Returns
 * how many there are. */
SSize_t glue_ocsp_ids(pTHX_ AV *ids, const unsigned char ***p, size_t **lens);
SV *glue_ocsp_result_av(pTHX_ const unsigned char *id, size_t idlen, const iss_ocsp_single *s);
SV *glue_ocsp_uri(pTHX_ void *x509);
extern MGVTBL glue_trust_vtbl;
#define TRUST(sv) ((iss_ocsp_trust *)glue_unwrap(aTHX_ (sv), &glue_trust_vtbl, "IO::Socket::SSL::_OCSPTrust"))

#if defined(__GNUC__) && !defined(_WIN32)
#pragma GCC visibility pop
#endif

#endif
