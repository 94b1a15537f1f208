/* SSL.xs: the thin glue between Perl and the C core in c_src/. Objects are
 * checked through ext magic when they come back from Perl; Perl callbacks run
 * under G_EVAL and never unwind through OpenSSL; the hot I/O paths are one XS
 * call each. */
#define PERL_NO_GET_CONTEXT
#include "EXTERN.h"
#include "perl.h"
#include "XSUB.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/types.h>
#include <string.h>
#include <time.h>
#include "iss.h"

/* In PPCODE (SP below the arguments): hand the call to a Perl method. */
#define FALLBACK(method, nargs, gimme) STMT_START {                      \
        int n_;                                                        \
        PUTBACK;                                                       \
        n_ = call_plain(aTHX_ (method), &ST(0), (nargs), (gimme));     \
        SPAGAIN;                                                       \
        XSRETURN(n_);                                                  \
    } STMT_END
#define ISS_INTERNAL_ERR (-101)   /* tells _io_fail: a usage error, severity 9 */

#define MY_CXT_KEY "IO::Socket::SSL::_guts" XS_VERSION
typedef struct {
    GV *ssl_error;      /* *IO::Socket::SSL::SSL_ERROR (its scalar may be localized) */
    SV *line;           /* READLINE's result: pp_readline copies it at once, so one
                         * reused scalar saves an allocation per line */
    HV *handle_stash;   /* IO::Socket::SSL::SSL_HANDLE, for the fast ops below */
    CV *print_cv, *readline_cv;     /* our XS PRINT and READLINE */
    U32 methods_gen;    /* the stash's method generation when these were checked */
    int print_ours, readline_ours;  /* the stash still has them */
    UV fast_calls;      /* prints and readlines that took the fast ops (for tests) */
} my_cxt_t;
START_MY_CXT

/* ---- checked handles ---- */

/* A cloned thread gets a dead handle: it must never free what its parent owns. */
static int mg_dup_dead(pTHX_ MAGIC *mg, CLONE_PARAMS *param)
{
    PERL_UNUSED_ARG(param);
    mg->mg_ptr = NULL;
    return 0;
}

static int conn_mg_free(pTHX_ SV *sv, MAGIC *mg)
{
    PERL_UNUSED_ARG(sv);
    iss_conn_free((iss_conn *)mg->mg_ptr);
    mg->mg_ptr = NULL;
    return 0;
}

static int ctx_mg_free(pTHX_ SV *sv, MAGIC *mg)
{
    PERL_UNUSED_ARG(sv);
    iss_ctx_decref((iss_ctx *)mg->mg_ptr);
    mg->mg_ptr = NULL;
    return 0;
}

static MGVTBL conn_vtbl = { 0, 0, 0, 0, conn_mg_free, 0, mg_dup_dead, 0 };
static MGVTBL ctx_vtbl = { 0, 0, 0, 0, ctx_mg_free, 0, mg_dup_dead, 0 };

static SV *wrap(pTHX_ void *ptr, MGVTBL *vtbl, const char *class)
{
    SV *obj = newSV(0);
    MAGIC *mg = sv_magicext(obj, NULL, PERL_MAGIC_ext, vtbl, (const char *)ptr, 0);
    mg->mg_flags |= MGf_DUP;
    return sv_bless(newRV_noinc(obj), gv_stashpv(class, GV_ADD));
}

static MAGIC *find_mg(pTHX_ SV *sv, MGVTBL *vtbl)
{
    if (sv && SvROK(sv))
        return mg_findext(SvRV(sv), PERL_MAGIC_ext, vtbl);
    return NULL;
}

static void *unwrap(pTHX_ SV *sv, MGVTBL *vtbl, const char *what)
{
    MAGIC *mg = find_mg(aTHX_ sv, vtbl);
    if (!mg)
        croak("not a %s object", what);
    if (!mg->mg_ptr)
        croak("%s object is no longer valid (freed or from another thread)", what);
    return mg->mg_ptr;
}

#define CONN(sv) ((iss_conn *)unwrap(aTHX_ (sv), &conn_vtbl, "IO::Socket::SSL::_Conn"))
#define CTX(sv) ((iss_ctx *)unwrap(aTHX_ (sv), &ctx_vtbl, "IO::Socket::SSL::_Ctx"))

/* The connection behind a socket: ${*$sock}{_SSL_conn}. NULL when TLS is not
 * (or no longer) active, so callers fall back to plain socket I/O. */
static iss_conn *sock_conn(pTHX_ SV *self)
{
    SV *gv;
    HV *hv;
    SV **svp;
    MAGIC *mg;
    if (!SvROK(self))
        return NULL;
    gv = SvRV(self);
    if (SvTYPE(gv) != SVt_PVGV || !(hv = GvHV((GV *)gv)))
        return NULL;
    svp = hv_fetchs(hv, "_SSL_conn", 0);
    if (!svp || !(mg = find_mg(aTHX_ *svp, &conn_vtbl)))
        return NULL;
    if (!mg->mg_ptr)
        croak("IO::Socket::SSL: this TLS connection belongs to another thread");
    return (iss_conn *)mg->mg_ptr;
}

/* The tie object is a blessed ref to a (weak) ref to the socket. */
static SV *tied_sock(pTHX_ SV *tie)
{
    SV *inner;
    if (!SvROK(tie))
        croak("bad IO::Socket::SSL::SSL_HANDLE object");
    inner = SvRV(tie);
    if (!SvROK(inner))
        croak("IO::Socket::SSL::SSL_HANDLE: the socket is gone");
    return inner;
}

/* The tie object caches the socket's connection object (a counted ref in
 * ext magic), so `<$sock>` and `print $sock` skip the hash lookup. The
 * cache is only a shortcut: a connection freed meanwhile reads as NULL. */
static MGVTBL tiecache_vtbl = { 0, 0, 0, 0, 0, 0, 0, 0 };

static iss_conn *tie_conn(pTHX_ SV *tie, SV *self)
{
    MAGIC *mg = mg_findext(SvRV(tie), PERL_MAGIC_ext, &tiecache_vtbl);
    if (mg) {
        MAGIC *cm = find_mg(aTHX_ mg->mg_obj, &conn_vtbl);
        if (cm && cm->mg_ptr)
            return (iss_conn *)cm->mg_ptr;
    }
    return sock_conn(aTHX_ self);
}

/* ---- errors: every failure goes through the Perl side's one place ---- */

static void clear_error(pTHX)
{
    dMY_CXT;
    SV *e = GvSVn(MY_CXT.ssl_error);
    if (SvOK(e))
        sv_setsv(e, &PL_sv_undef);
    SETERRNO(0, 0);
}

/* Calls IO::Socket::SSL::_io_fail($sock, $status, $what): sets $SSL_ERROR
 * and $! as the reference does for WANT_* and errors. */
static void io_fail(pTHX_ SV *sock, int status, const char *what)
{
    dSP;
    int saved = errno;
    ENTER;
    SAVETMPS;
    PUSHMARK(SP);
    XPUSHs(sock);
    mXPUSHi(status);
    mXPUSHp(what, strlen(what));
    PUTBACK;
    errno = saved;
    call_pv("IO::Socket::SSL::_io_fail", G_DISCARD);
    FREETMPS;
    LEAVE;
}

/* The first read that ends at the peer's close_notify tells the Perl side,
 * which runs SSL_on_peer_shutdown if there is one. */
static void peer_shutdown_check(pTHX_ SV *sock, iss_conn *c)
{
    if (iss_conn_take_peer_shutdown(c)) {
        dSP;
        ENTER;
        SAVETMPS;
        PUSHMARK(SP);
        XPUSHs(sock);
        PUTBACK;
        call_pv("IO::Socket::SSL::_peer_shutdown", G_DISCARD);
        FREETMPS;
        LEAVE;
    }
}

/* Falls back to the plain-socket method when TLS is not active. */
static int call_plain(pTHX_ const char *method, SV **args, int nargs, I32 ctx)
{
    dSP;
    int i, n;
    PUSHMARK(SP);
    EXTEND(SP, nargs);
    for (i = 0; i < nargs; i++)
        PUSHs(args[i]);
    PUTBACK;
    n = call_method(method, ctx);
    return n;
}

/* ---- Perl callbacks (run under G_EVAL) ---- */

typedef struct {
    SV *verify_cb;
    SV *passwd_cb;
    SV *ticket_cb;
    SV *ticket_data;
    SV *error;          /* $@ of a callback that died, reported after OpenSSL returns */
#ifdef USE_ITHREADS
    PerlInterpreter *perl;
#endif
} ctx_glue;

static void glue_free(void *p)
{
    ctx_glue *g = p;
#ifdef USE_ITHREADS
    dTHXa(g->perl);
#else
    dTHX;
#endif
    SvREFCNT_dec(g->verify_cb);
    SvREFCNT_dec(g->passwd_cb);
    SvREFCNT_dec(g->ticket_cb);
    SvREFCNT_dec(g->ticket_data);
    SvREFCNT_dec(g->error);
    Safefree(g);
}

static ctx_glue *glue_of(pTHX_ iss_ctx *ctx)
{
    ctx_glue *g = iss_ctx_owner(ctx);
    if (!g) {
        Newxz(g, 1, ctx_glue);
#ifdef USE_ITHREADS
        g->perl = aTHX;
#endif
        iss_ctx_set_owner(ctx, g, glue_free);
    }
    return g;
}

static void keep_error(pTHX_ ctx_glue *g)
{
    if (!g->error)
        g->error = newSV(0);
    sv_setsv(g->error, ERRSV);
}

/* The context keeps the $@ of a callback until a failure reports it. A
 * handshake starts clean, and one that succeeds leaves nothing behind for
 * the next connection on the same context to report as its own. */
static void forget_callback_error(pTHX_ iss_conn *c)
{
    ctx_glue *g = iss_ctx_owner(iss_conn_ctx(c));
    if (g && g->error && SvOK(g->error))
        sv_setsv(g->error, &PL_sv_undef);
}

static int verify_hook(void *data, int ok, void *store, void *x509, int depth, int err)
{
    ctx_glue *g = data;
#ifdef USE_ITHREADS
    dTHXa(g->perl);
#else
    dTHX;
#endif
    dSP;
    int n, rv = 0;
    char *issuer = x509 ? iss_x509_name_oneline(x509, 1) : NULL;
    char *subject = x509 ? iss_x509_name_oneline(x509, 0) : NULL;
    SV *certname = newSVpvf("%s%s", issuer ? issuer : "", subject ? subject : "");
    free(issuer);
    free(subject);
    ENTER;
    SAVETMPS;
    save_scalar(PL_errgv);
    PUSHMARK(SP);
    EXTEND(SP, 6);
    mPUSHi(ok);
    mPUSHu(PTR2UV(store));
    mPUSHs(certname);
    if (err) {
        char buf[256];
        iss_err_string((unsigned long)err, buf, sizeof buf);
        mPUSHp(buf, strlen(buf));
    } else {
        mPUSHi(0);
    }
    mPUSHu(PTR2UV(x509));
    mPUSHi(depth);
    PUTBACK;
    n = call_sv(g->verify_cb, G_SCALAR | G_EVAL);
    SPAGAIN;
    if (SvTRUE(ERRSV)) {
        keep_error(aTHX_ g);
        rv = 0;
    } else if (n == 1) {
        rv = SvTRUE(TOPs) ? 1 : 0;
    }
    SP -= n;
    PUTBACK;
    FREETMPS;
    LEAVE;
    return rv;
}

static int passwd_hook(void *data, int rwflag, char *buf, int size)
{
    ctx_glue *g = data;
#ifdef USE_ITHREADS
    dTHXa(g->perl);
#else
    dTHX;
#endif
    dSP;
    int n, len = -1;
    ENTER;
    SAVETMPS;
    save_scalar(PL_errgv);
    PUSHMARK(SP);
    mXPUSHi(rwflag);
    PUTBACK;
    n = call_sv(g->passwd_cb, G_SCALAR | G_EVAL);
    SPAGAIN;
    if (SvTRUE(ERRSV)) {
        keep_error(aTHX_ g);
    } else if (n == 1 && SvOK(TOPs)) {
        STRLEN l;
        const char *pw = SvPV(TOPs, l);
        len = (int)(l < (STRLEN)size ? l : (STRLEN)size);
        memcpy(buf, pw, len);
    }
    SP -= n;
    PUTBACK;
    FREETMPS;
    LEAVE;
    return len < 0 ? (rwflag == 0 && len < 0 ? -1 : 0) : len;
}

static int session_hook(void *data, void *ssl, void *sess)
{
    ctx_glue *g = data;
#ifdef USE_ITHREADS
    dTHXa(g->perl);
#else
    dTHX;
#endif
    dSP;
    int n, keep = 0;
    ENTER;
    SAVETMPS;
    save_scalar(PL_errgv);
    PUSHMARK(SP);
    mXPUSHu(PTR2UV(ssl));
    mXPUSHu(PTR2UV(sess));
    PUTBACK;
    n = call_pv("IO::Socket::SSL::_session_new", G_SCALAR | G_EVAL);
    SPAGAIN;
    if (SvTRUE(ERRSV))
        keep_error(aTHX_ g);
    else if (n == 1)
        keep = SvTRUE(TOPs) ? 1 : 0;
    SP -= n;
    PUTBACK;
    FREETMPS;
    LEAVE;
    return keep;
}

static int ticket_hook(void *data, const unsigned char *name, unsigned char *key,
                       unsigned char *cur_name)
{
    ctx_glue *g = data;
#ifdef USE_ITHREADS
    dTHXa(g->perl);
#else
    dTHX;
#endif
    dSP;
    int n, rv = -1;
    ENTER;
    SAVETMPS;
    save_scalar(PL_errgv);
    PUSHMARK(SP);
    XPUSHs(g->ticket_data ? g->ticket_data : &PL_sv_undef);
    if (name)
        mXPUSHp((const char *)name, 16);
    PUTBACK;
    n = call_sv(g->ticket_cb, G_LIST | G_EVAL);
    SPAGAIN;
    if (SvTRUE(ERRSV)) {
        keep_error(aTHX_ g);
    } else if (n == 0) {
        rv = 0;                   /* no such key */
    } else if (n >= 2) {
        STRLEN kl, nl;
        const char *k = SvPV(*(SP - n + 1), kl);
        const char *nm = SvPV(*(SP - n + 2), nl);
        if (kl == 32 && nl == 16) {
            memcpy(key, k, 32);
            memcpy(cur_name, nm, 16);
            rv = 1;
        }
    }
    SP -= n;
    PUTBACK;
    FREETMPS;
    LEAVE;
    return rv;
}

/* set_msg_callback: ($direction, $ssl_version, $content_type, $buf, $len,
 * $ssl) to IO::Socket::SSL::_msg_callback, which finds the socket. */
static void msg_hook(void *data, int write_p, int version, int content_type,
                     const void *buf, size_t len, void *ssl)
{
    dTHX;
    dSP;
    PERL_UNUSED_ARG(data);
    ENTER;
    SAVETMPS;
    save_scalar(PL_errgv);
    PUSHMARK(SP);
    EXTEND(SP, 6);
    mPUSHi(write_p);
    mPUSHi(version);
    mPUSHi(content_type);
    mPUSHp((const char *)buf, len);
    mPUSHu(len);
    mPUSHu(PTR2UV(ssl));
    PUTBACK;
    call_pv("IO::Socket::SSL::_msg_callback", G_DISCARD | G_EVAL);
    FREETMPS;
    LEAVE;
}

/* ---- SSL_usebio: the transport is another Perl handle ---- */

typedef struct {
    SV *outer;
#ifdef USE_ITHREADS
    PerlInterpreter *perl;
#endif
} io_glue;

static void io_glue_free(void *p)
{
    io_glue *g = p;
#ifdef USE_ITHREADS
    dTHXa(g->perl);
#else
    dTHX;
#endif
    SvREFCNT_dec(g->outer);
    Safefree(g);
}

/* $outer->sysread / ->syswrite under G_EVAL; undef with EAGAIN is
 * would-block, EINTR is a signal. */
static ssize_t io_call(io_glue *g, const char *method, char *rbuf, const char *wbuf, size_t len)
{
#ifdef USE_ITHREADS
    dTHXa(g->perl);
#else
    dTHX;
#endif
    dSP;
    ssize_t rv = ISS_ERR;
    int n;
    SV *buf;
    ENTER;
    SAVETMPS;
    save_scalar(PL_errgv);    /* a callback never clobbers the caller's $@ */
    buf = sv_2mortal(wbuf ? newSVpvn(wbuf, len) : newSVpvs(""));
    PUSHMARK(SP);
    XPUSHs(g->outer);
    mXPUSHp(method, strlen(method));
    XPUSHs(buf);
    mXPUSHu(len);
    PUTBACK;
    /* the Perl side makes the values plain, so reading them cannot die */
    n = call_pv("IO::Socket::SSL::_usebio_io", G_SCALAR | G_EVAL);
    SPAGAIN;
    if (SvTRUE(ERRSV)) {
        SV *err = sv_2mortal(newSVsv(ERRSV));
        SP -= n;
        PUSHMARK(SP);
        XPUSHs(err);
        PUTBACK;
        call_pv("IO::Socket::SSL::_usebio_died", G_DISCARD | G_EVAL);
        SPAGAIN;
        n = 0;
    } else if (n == 1) {
        SV *r = TOPs;
        if (SvOK(r)) {
            IV v = SvIV(r);
            rv = v < 0 ? ISS_ERR : v > (IV)len ? (ssize_t)len : (ssize_t)v;   /* never more than asked */
            if (rbuf && rv > 0) {
                STRLEN got;
                const char *p = SvPV(buf, got);
                if ((size_t)rv > got)
                    rv = got;
                memcpy(rbuf, p, rv);
            }
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            rv = rbuf ? ISS_WANT_READ : ISS_WANT_WRITE;
        } else if (errno == EINTR) {
            rv = ISS_EINTR;
        }
    }
    SP -= n;
    PUTBACK;
    FREETMPS;
    LEAVE;
    return rv;
}

static ssize_t io_read_cb(void *data, char *buf, size_t len)
{
    return io_call(data, "sysread", buf, NULL, len);
}

static ssize_t io_write_cb(void *data, const char *buf, size_t len)
{
    return io_call(data, "syswrite", NULL, buf, len);
}

/* ---- I/O helpers ---- */

/* Makes buf a byte string able to hold offset+len bytes; returns its start. */
static char *prepare_buf(pTHX_ SV *buf, SSize_t len, SSize_t *offset)
{
    STRLEN cur;
    char *p;
    if (SvREADONLY(buf))
        croak("Modification of a read-only value attempted");
    if (!SvOK(buf))
        sv_setpvs(buf, "");
    (void)SvPV_force(buf, cur);
    if (SvUTF8(buf))
        sv_utf8_downgrade(buf, FALSE);
    cur = SvCUR(buf);
    if (*offset < 0) {
        if ((STRLEN)-*offset > cur)
            croak("Offset outside string");
        *offset += cur;
    }
    p = SvGROW(buf, (STRLEN)(*offset + len + 1));
    if ((STRLEN)*offset > cur)
        memset(p + cur, 0, *offset - cur);   /* as sysread pads with NULs */
    return p;
}

/* An operation found its connection closed by a Perl callback run inside
 * OpenSSL (the core has freed it): the call fails as on a closed socket. */
static void conn_gone(pTHX)
{
    SETERRNO(EBADF, 0);
}

static void finish_buf(pTHX_ SV *buf, SSize_t end)
{
    SvCUR_set(buf, end);
    *SvEND(buf) = '\0';
    SvPOK_only(buf);
    SvSETMAGIC(buf);
}

/* sysread/read/peek. all: keep reading until len bytes, EOF or would-block. */
static SV *do_read(pTHX_ SV *sock, iss_conn *c, SV *buf, SSize_t len, SSize_t offset, int mode)
{
    SSize_t got = 0, n;
    char *p;
    if (len < 0)
        croak("Negative length");
    p = prepare_buf(aTHX_ buf, len, &offset);
    clear_error(aTHX);
    for (;;) {
        if (mode == 2)
            n = iss_conn_peek(c, p + offset + got, len - got);
        else
            n = iss_conn_read(c, p + offset + got, len - got);
        if (n == ISS_GONE) {
            conn_gone(aTHX);
            if (got)
                finish_buf(aTHX_ buf, offset + got);
            return got ? sv_2mortal(newSViv(got)) : &PL_sv_undef;
        }
        if (n > 0) {
            got += n;
            if (mode == 1 && got < len)
                continue;
            break;
        }
        if (n == 0)
            break;
        if (n == ISS_EINTR && (mode == 1 || got == 0)) {
            /* Run the Perl handler; read() continues, sysread reports EINTR.
             * The handler may close the socket or replace $buf: commit what
             * we have and look everything up again afterwards. */
            SSize_t at;
            if (got)
                finish_buf(aTHX_ buf, offset + got);
            PERL_ASYNC_CHECK();
            if (mode != 1)
                break;
            c = sock_conn(aTHX_ sock);
            if (!c) {
                SETERRNO(EBADF, 0);
                return got ? sv_2mortal(newSViv(got)) : &PL_sv_undef;
            }
            at = offset + got;
            p = prepare_buf(aTHX_ buf, len - got, &at);
            continue;
        }
        break;
    }
    if (got == 0 && n < 0) {
        io_fail(aTHX_ sock, (int)n, "SSL read error");
        return &PL_sv_undef;
    }
    finish_buf(aTHX_ buf, offset + got);
    if (n == 0 && got == 0)
        peer_shutdown_check(aTHX_ sock, c);   /* after the buffer is settled */
    return sv_2mortal(newSViv(got));
}

/* Writes p[0..len). all=0: one record (syswrite); all=1: everything on a
 * blocking socket, the partial count at would-block (write); all=2: all of
 * it even on a non-blocking socket, waiting for the socket as the reference's
 * write-all does, since print has no count to report a partial write with. */
static SV *do_write(pTHX_ SV *sock, iss_conn *c, const char *p, STRLEN len, int all)
{
    STRLEN done = 0;
    SV *copy = NULL;
    clear_error(aTHX);
    if (len == 0)
        return sv_2mortal(newSViv(0));
    while (done < len) {
        /* one record per call: between records a pending signal can run */
        ssize_t n = iss_conn_write(c, p + done, len - done, 0);
        if (n == ISS_GONE) {
            conn_gone(aTHX);
            return done ? sv_2mortal(newSVuv(done)) : &PL_sv_undef;
        }
        if (n > 0) {
            done += n;
            if (!all || done >= len)
                break;
            if (!PL_sig_pending)
                continue;
            n = ISS_EINTR;        /* a signal arrived meanwhile: let it run */
        } else if (all == 2 && (n == ISS_WANT_READ || n == ISS_WANT_WRITE)) {
            n = iss_conn_wait(c, n == ISS_WANT_READ, -1);
            if (n != ISS_EINTR)
                continue;
        }
        if (n == ISS_EINTR) {
            /* Run the handler on a private copy of the rest, and find the
             * connection again: the handler may have closed it. */
            if (!copy) {
                copy = sv_2mortal(newSVpvn(p + done, len - done));
                p = SvPVX(copy) - done;
            }
            PERL_ASYNC_CHECK();
            c = sock_conn(aTHX_ sock);
            if (!c) {
                SETERRNO(EBADF, 0);
                return done ? sv_2mortal(newSVuv(done)) : &PL_sv_undef;
            }
            continue;
        }
        if (done)
            break;
        {
            char what[64];
            snprintf(what, sizeof what, "SSL write error (%d)", iss_conn_ssl_error(c));
            io_fail(aTHX_ sock, (int)n, what);
        }
        return &PL_sv_undef;
    }
    return sv_2mortal(newSVuv(done));
}

/* The separator as readline sees it: 0 normal, 1 paragraph, 2 record, 3 slurp. */
static int rs_mode(pTHX_ const char **d, STRLEN *dlen, SSize_t *rec)
{
    SV *rs = PL_rs;
    if (!rs || !SvOK(rs))
        return 3;
    if (SvROK(rs)) {
        IV n = SvIV(SvRV(rs));
        if (n <= 0)
            croak("bad value in ref $/: %" IVdf, n);
        *rec = n;
        return 2;
    }
    *d = SvPV(rs, *dlen);
    if (*dlen == 0)
        return 1;
    return 0;
}

/* Splits everything that was read into records, for list context. */
static int push_split(pTHX_ const char *p, STRLEN len, int mode, const char *d, STRLEN dlen,
                      SSize_t rec)
{
    dSP;
    int count = 0;
    STRLEN pos = 0;
    if (mode == 1) {
        d = "\n\n";
        dlen = 2;
    }
    while (pos < len) {
        STRLEN end;
        if (mode == 2) {
            end = pos + rec < len ? pos + rec : len;
        } else if (mode == 3) {
            end = len;
        } else {
            const char *hit = dlen == 1 ? memchr(p + pos, d[0], len - pos)
                                        : memmem(p + pos, len - pos, d, dlen);
            end = hit ? (STRLEN)(hit - p) + dlen : len;
            if (hit && mode == 1)
                while (end < len && p[end] == '\n')
                    end++;
        }
        mXPUSHp(p + pos, end - pos);
        count++;
        pos = end;
    }
    PUTBACK;
    return count;
}

static int readline_impl(pTHX_ SV *sock, iss_conn *c, I32 gimme, int tied)
{
    dSP;
    const char *d = "\n", *out = NULL;
    STRLEN dlen = 1;
    SSize_t rec = 0, n;
    int mode = rs_mode(aTHX_ &d, &dlen, &rec), k;
    clear_error(aTHX);
    for (;;) {
        if (gimme == G_LIST || mode == 3)
            n = iss_conn_readall(c, &out);
        else if (mode == 2)
            n = iss_conn_readrec(c, rec, &out);
        else
            n = iss_conn_readline(c, d, dlen, mode == 1, &out);
        if (n == ISS_GONE) {
            conn_gone(aTHX);
            c = NULL;
            n = ISS_ERR;
            break;
        }
        if (n != ISS_EINTR)
            break;
        /* the handler may close the socket or change $/ */
        PERL_ASYNC_CHECK();
        c = sock_conn(aTHX_ sock);
        if (!c) {
            SETERRNO(EBADF, 0);
            n = ISS_ERR;
            break;
        }
        mode = rs_mode(aTHX_ &d, &dlen, &rec);
    }
    SPAGAIN;                      /* a handler may have moved the stack */
    if (n < 0) {
        if (c)
            io_fail(aTHX_ sock, (int)n, "SSL read error");
        SPAGAIN;
        if (gimme == G_LIST)
            return 0;
        XPUSHs(&PL_sv_undef);
        PUTBACK;
        return 1;
    }
    /* copy the data out before any Perl code (SSL_on_peer_shutdown) runs */
    if (gimme == G_LIST) {
        PUTBACK;
        k = push_split(aTHX_ out, n, mode, d, dlen, rec);
    } else {
        if (n == 0 && mode != 3) {
            XPUSHs(&PL_sv_undef);
        } else if (tied && n > 0 && mode != 3) {
            /* Readonly while pp_readline copies it: no copy-on-write sharing,
             * so the next line reuses this buffer instead of allocating.
             * (Not when SSL_on_peer_shutdown may run below: it could read
             * another tied handle into the same scalar.) */
            dMY_CXT;
            SV *l = MY_CXT.line;
            SvREADONLY_off(l);
            sv_setpvn(l, out ? out : "", n);
            SvREADONLY_on(l);
            XPUSHs(l);
        } else {
            mXPUSHp(out ? out : "", n);
        }
        PUTBACK;
        k = 1;
    }
    if (n == 0 || gimme == G_LIST || mode == 3)
        peer_shutdown_check(aTHX_ sock, c);
    return k;
}

/* Writes the print list joined by $, and followed by $\. */
static SV *print_impl(pTHX_ SV *sock, iss_conn *c, SV **items, int count)
{
    SV *ofs = PL_ofsgv ? GvSV(PL_ofsgv) : NULL;
    SV *ors = PL_ors_sv;
    STRLEN ofslen = 0;
    int has_ofs = ofs && SvOK(ofs) && (SvPV(ofs, ofslen), ofslen > 0);
    int has_ors = ors && SvOK(ors);
    STRLEN len;
    const char *p;
    SV *tmp;
    int i;
    if (count == 1 && !has_ors) {
        p = SvPV(items[0], len);
        return do_write(aTHX_ sock, c, p, len, 2);
    }
    tmp = sv_2mortal(newSVpvs(""));
    for (i = 0; i < count; i++) {
        if (i && has_ofs)
            sv_catsv(tmp, ofs);
        sv_catsv(tmp, items[i]);
    }
    if (has_ors)
        sv_catsv(tmp, ors);
    p = SvPV(tmp, len);
    return do_write(aTHX_ sock, c, p, len, 2);
}

static NV mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static SV *cstr_sv(pTHX_ char *s)
{
    SV *sv;
    if (!s)
        return &PL_sv_undef;
    sv = sv_2mortal(newSVpv(s, 0));
    free(s);
    return sv;
}

static void alt_push(void *data, int type, const char *val, size_t len)
{
    dTHX;
    AV *av = data;
    av_push(av, newSViv(type));
    av_push(av, newSVpvn(val, len));
}

/* ---- print and readline on our tied handles without the tie dispatch ----
 * For `print $sock LIST` and `<$sock>` on a tied glob, perl looks PRINT or
 * READLINE up by name and calls it on a stack of its own: a fifth of the CPU
 * of a short print, half of a short readline. The print and readline ops
 * compiled while this module is loaded first look whether the handle is tied
 * to IO::Socket::SSL::SSL_HANDLE itself (not a subclass), whose method is
 * still our XS, with TLS active; then they run the same C code as that
 * method directly. Anything else (other handles, say, print to the selected
 * handle, an overloaded <>, a redefined method, a socket after stop_SSL)
 * takes perl's own path. IO_SOCKET_SSL_NO_FAST_OPS=1 turns this off. */
#define FASTOPS_KEY "IO::Socket::SSL::fast ops"
static Perl_ppaddr_t orig_pp_print, orig_pp_readline;
static Perl_check_t orig_ck_print, orig_ck_readline;

/* Are PRINT and READLINE still ours? Looked up again only when the
 * package's methods change. */
static void fast_refresh(pTHX_ my_cxt_t *cx)
{
    U32 gen = HvMROMETA(cx->handle_stash)->pkg_gen;
    if (gen != cx->methods_gen) {
        GV *p = gv_fetchmeth_pvn(cx->handle_stash, "PRINT", 5, 0, 0);
        GV *r = gv_fetchmeth_pvn(cx->handle_stash, "READLINE", 8, 0, 0);
        cx->print_ours = p && cx->print_cv && GvCV(p) == cx->print_cv;
        cx->readline_ours = r && cx->readline_cv && GvCV(r) == cx->readline_cv;
        cx->methods_gen = gen;
    }
}

/* The tie object of gv when it is one of ours, else NULL. */
static SV *fast_tie(pTHX_ my_cxt_t *cx, GV *gv)
{
    IO *io;
    MAGIC *mg;
    SV *tie;
    if (!gv || !isGV_with_GP(gv) || !(io = GvIO(gv))
        || !(mg = SvTIED_mg((const SV *)io, PERL_MAGIC_tiedscalar)))
        return NULL;
    tie = SvTIED_obj(MUTABLE_SV(io), mg);
    if (!SvROK(tie) || !SvOBJECT(SvRV(tie)) || SvSTASH(SvRV(tie)) != cx->handle_stash
        || !SvROK(SvRV(tie)))
        return NULL;
    fast_refresh(aTHX_ cx);
    return tie;
}

static OP *iss_pp_print(pTHX)
{
    dMY_CXT;
    SV **mark = PL_stack_base + TOPMARK;      /* only looked at: the fallback pops it */
    SV *tie, *self, *rv;
    iss_conn *c;
    I32 ax;
    if (PL_op->op_type != OP_PRINT || !(PL_op->op_flags & OPf_STACKED)
        || !(tie = fast_tie(aTHX_ &MY_CXT, (GV *)mark[1])) || !MY_CXT.print_ours
        || !(c = tie_conn(aTHX_ tie, self = SvRV(tie))))
        return orig_pp_print(aTHX);
    MY_CXT.fast_calls++;
    SvREFCNT_inc_simple_void_NN(self);   /* a handler may untie and drop it */
    sv_2mortal(self);
    ax = POPMARK;
    /* the items are read before any Perl code can move the stack */
    rv = print_impl(aTHX_ self, c, PL_stack_base + ax + 2,
                    (int)(PL_stack_sp - (PL_stack_base + ax + 1)));
    PL_stack_sp = PL_stack_base + ax;
    {
        dSP;
        XPUSHs(SvOK(rv) ? &PL_sv_yes : &PL_sv_undef);
        PUTBACK;
    }
    return NORMAL;
}

/* As pp_readline and do_readline for a tied handle: the handle (a glob or a
 * reference to one) is on top, below it the target when OPf_STACKED. */
static OP *iss_pp_readline(pTHX)
{
    dMY_CXT;
    SV *h = *PL_stack_sp, *tie, *self, *targ;
    GV *gv = NULL;
    iss_conn *c;
    I32 gimme;
    if (PL_op->op_type == OP_READLINE && h && !SvGMAGICAL(h)) {
        if (isGV_with_GP(h))
            gv = (GV *)h;
        else if (SvROK(h) && !SvAMAGIC(h) && isGV_with_GP(SvRV(h)))
            gv = (GV *)SvRV(h);
    }
    if (!(tie = fast_tie(aTHX_ &MY_CXT, gv)) || !MY_CXT.readline_ours
        || !(c = tie_conn(aTHX_ tie, self = SvRV(tie))))
        return orig_pp_readline(aTHX);
    MY_CXT.fast_calls++;
    SvREFCNT_inc_simple_void_NN(self);   /* a handler may untie and drop it */
    sv_2mortal(self);
    PL_last_in_gv = gv;                       /* for eof() and $. as perl does */
    PL_stack_sp--;
    targ = PL_op->op_flags & OPf_STACKED ? *PL_stack_sp-- : PAD_SV(PL_op->op_targ);
    gimme = GIMME_V;
    readline_impl(aTHX_ self, c, gimme == G_LIST ? G_LIST : G_SCALAR, 1);
    if (gimme != G_LIST) {
        dSP;
        SvSetSV_nosteal(targ, TOPs);
        SvSETMAGIC(targ);
        SETs(targ);
        PUTBACK;
    }
    return NORMAL;
}

static int fast_ops_here(pTHX)
{
    /* the checkers are process-wide: only interpreters that loaded us */
    return hv_exists(PL_modglobal, FASTOPS_KEY, sizeof FASTOPS_KEY - 1);
}

static OP *iss_ck_print(pTHX_ OP *o)
{
    o = orig_ck_print(aTHX_ o);
    if (o->op_type == OP_PRINT && o->op_ppaddr == PL_ppaddr[OP_PRINT] && fast_ops_here(aTHX)) {
        orig_pp_print = PL_ppaddr[OP_PRINT];
        o->op_ppaddr = iss_pp_print;
    }
    return o;
}

static OP *iss_ck_readline(pTHX_ OP *o)
{
    o = orig_ck_readline(aTHX_ o);
    if (o->op_type == OP_READLINE && o->op_ppaddr == PL_ppaddr[OP_READLINE] && fast_ops_here(aTHX)) {
        orig_pp_readline = PL_ppaddr[OP_READLINE];
        o->op_ppaddr = iss_pp_readline;
    }
    return o;
}

/* ---- Utils: certificates taken apart and made ---- */

/* croaks "what: <OpenSSL errors>" */
static void croak_ssl(pTHX_ const char *what)
{
    char buf[1024];
    size_t n = iss_err_drain(buf, sizeof buf);
    croak("%s%s%s", what, n ? ": " : "", n ? buf : "");
}

static void push_str(void *data, const char *key, const char *val, size_t len)
{
    dTHX;
    PERL_UNUSED_ARG(key);
    av_push((AV *)data, newSVpvn(val, len));
}

/* name entries: a repeated field becomes a list, in order */
static void put_name_entry(void *data, const char *key, const char *val, size_t len)
{
    dTHX;
    HV *hv = data;
    SV **old = hv_fetch(hv, key, (I32)strlen(key), 0);
    SV *v = newSVpvn(val, len);
    if (!old) {
        (void)hv_store(hv, key, (I32)strlen(key), v, 0);
    } else if (SvROK(*old) && SvTYPE(SvRV(*old)) == SVt_PVAV) {
        av_push((AV *)SvRV(*old), v);
    } else {
        AV *av = newAV();
        av_push(av, SvREFCNT_inc(*old));
        av_push(av, v);
        (void)hv_store(hv, key, (I32)strlen(key), newRV_noinc((SV *)av), 0);
    }
}

static void put_eku(void *data, const char *key, const char *val, size_t len)
{
    dTHX;
    SV **list = hv_fetch((HV *)data, key, (I32)strlen(key), 0);
    if (list && SvROK(*list))
        av_push((AV *)SvRV(*list), newSVpvn(val, len));
}

static void push_handle(void *data, void *x509)
{
    dTHX;
    av_push((AV *)data, newSVuv(PTR2UV(x509)));
}

static SV *list_ref(pTHX_ void (*get)(const void *, iss_str_fn, void *), const void *x509)
{
    AV *av = newAV();
    get(x509, push_str, av);
    return newRV_noinc((SV *)av);
}

static void init_cxt(pTHX_ my_cxt_t *cxt)
{
    cxt->line = newSV(0);
    cxt->ssl_error = gv_fetchpvs("IO::Socket::SSL::SSL_ERROR", GV_ADD | GV_ADDMULTI, SVt_PV);
    cxt->handle_stash = gv_stashpvs("IO::Socket::SSL::SSL_HANDLE", GV_ADD);
    cxt->print_cv = get_cv("IO::Socket::SSL::SSL_HANDLE::PRINT", 0);
    cxt->readline_cv = get_cv("IO::Socket::SSL::SSL_HANDLE::READLINE", 0);
    cxt->methods_gen = (U32)-1;
    cxt->print_ours = cxt->readline_ours = 0;
    cxt->fast_calls = 0;
}

MODULE = IO::Socket::SSL    PACKAGE = IO::Socket::SSL::_Lib

PROTOTYPES: DISABLE

BOOT:
{
    MY_CXT_INIT;
    init_cxt(aTHX_ &MY_CXT);
    /* a wait in the core ends as soon as a Perl signal is pending */
    iss_set_signal_flag((const volatile int *)&PL_sig_pending);
    /* OpenSSL itself starts with the first context: loading the module stays cheap */
    if (!getenv("IO_SOCKET_SSL_NO_FAST_OPS")) {
        (void)hv_stores(PL_modglobal, FASTOPS_KEY, newSViv(1));
        wrap_op_checker(OP_PRINT, iss_ck_print, &orig_ck_print);
        wrap_op_checker(OP_READLINE, iss_ck_readline, &orig_ck_readline);
    }
}

void
CLONE(...)
  CODE:
    MY_CXT_CLONE;
    init_cxt(aTHX_ &MY_CXT);

UV
fast_calls()
  CODE:
    {
        dMY_CXT;
        RETVAL = MY_CXT.fast_calls;
    }
  OUTPUT:
    RETVAL

UV
openssl_version_number()
  CODE:
    RETVAL = iss_openssl_version_number();
  OUTPUT:
    RETVAL

const char *
openssl_version_text(int which)
  CODE:
    RETVAL = iss_openssl_version_text(which);
  OUTPUT:
    RETVAL

SV *
errstack()
  CODE:
  {
    char buf[2048];
    size_t n = iss_err_drain(buf, sizeof buf);
    RETVAL = newSVpvn(buf, n);
  }
  OUTPUT:
    RETVAL

void
session_free(UV sess)
  CODE:
    if (sess)
        iss_session_free(INT2PTR(void *, sess));

int
session_is_resumable(UV sess)
  CODE:
    RETVAL = sess ? iss_session_is_resumable(INT2PTR(void *, sess)) : 0;
  OUTPUT:
    RETVAL

int
can_npn()
  CODE:
    RETVAL = iss_can_npn();
  OUTPUT:
    RETVAL

int
psl_suffix_labels(SV *host, int min_suffix)
  CODE:
  {
    STRLEN len;
    const char *p = SvPV(host, len);
    RETVAL = iss_psl_suffix_labels(p, len, min_suffix);
  }
  OUTPUT:
    RETVAL

UV
raw_options(int is_ctx, UV ptr, UV set, UV clear)
  CODE:
    if (!ptr)
        croak("NULL SSL handle");
    RETVAL = (UV)iss_raw_options(is_ctx, INT2PTR(void *, ptr), (uint64_t)set, (uint64_t)clear);
  OUTPUT:
    RETVAL

IV
raw_mode(int is_ctx, UV ptr, IV set, IV clear)
  CODE:
    /* Net::SSLeay's contract: the caller vouches for the raw pointer */
    if (!ptr)
        croak("NULL SSL handle");
    RETVAL = iss_raw_mode(is_ctx, INT2PTR(void *, ptr), (long)set, (long)clear);
  OUTPUT:
    RETVAL

UV
raw_bio_new_file(const char *path, const char *mode)
  CODE:
    RETVAL = PTR2UV(iss_raw_bio_new_file(path, mode));
  OUTPUT:
    RETVAL

void
raw_bio_free(UV bio)
  CODE:
    if (bio)
        iss_raw_bio_free(INT2PTR(void *, bio));

UV
raw_pem_read_dh(UV bio)
  CODE:
    RETVAL = PTR2UV(iss_raw_pem_read_dh(INT2PTR(void *, bio)));
  OUTPUT:
    RETVAL

void
raw_dh_free(UV dh)
  CODE:
    if (dh)
        iss_raw_dh_free(INT2PTR(void *, dh));

void
forget_default_stores()
  CODE:
    iss_store_forget_defaults();

int
verify_hostname_of_cert(UV x509, SV *name, SV *scheme, int use_psl)
  CODE:
  {
    iss_scheme s;
    STRLEN len;
    const char *p = SvPV(name, len);
    memset(&s, 0, sizeof s);
    if (SvROK(scheme) && SvTYPE(SvRV(scheme)) == SVt_PVAV) {
        AV *av = (AV *)SvRV(scheme);
        SV **e;
        s.check = 1;
        if ((e = av_fetch(av, 0, 0))) s.wildcards_in_cn = SvIV(*e);
        if ((e = av_fetch(av, 1, 0))) s.wildcards_in_alt = SvIV(*e);
        if ((e = av_fetch(av, 2, 0))) s.check_cn = SvIV(*e);
        if ((e = av_fetch(av, 3, 0))) s.ip_in_cn = SvIV(*e);
    } else if (!iss_scheme_by_name(SvPV_nolen(scheme), &s)) {
        croak("scheme %s not defined", SvPV_nolen(scheme));
    }
    s.use_psl = use_psl;
    if (!x509)
        croak("no certificate given");
    RETVAL = iss_verify_hostname(INT2PTR(void *, x509), p, len, &s);
  }
  OUTPUT:
    RETVAL

SV *
x509_name(UV x509, int which)
  CODE:
    if (!x509)
        XSRETURN_UNDEF;
    RETVAL = SvREFCNT_inc(cstr_sv(aTHX_ iss_x509_name_oneline(INT2PTR(void *, x509), which)));
  OUTPUT:
    RETVAL

SV *
x509_cn(UV x509)
  CODE:
  {
    size_t len = 0;
    char *cn;
    if (!x509)
        XSRETURN_UNDEF;
    cn = iss_x509_common_name(INT2PTR(void *, x509), &len);
    RETVAL = cn ? newSVpvn(cn, len) : newSVpvs("");
    free(cn);
  }
  OUTPUT:
    RETVAL

void
x509_alt_names(UV x509)
  PPCODE:
  {
    AV *av = (AV *)sv_2mortal((SV *)newAV());
    SSize_t i;
    if (!x509)
        XSRETURN_EMPTY;
    iss_x509_alt_names(INT2PTR(void *, x509), alt_push, av);
    EXTEND(SP, av_len(av) + 1);
    for (i = 0; i <= av_len(av); i++)
        PUSHs(sv_2mortal(newSVsv(*av_fetch(av, i, 0))));
  }

SV *
x509_digest(UV x509, const char *algo, int pubkey)
  CODE:
  {
    unsigned char md[64];
    int n;
    if (!x509)
        XSRETURN_UNDEF;
    n = iss_x509_digest(INT2PTR(void *, x509), algo, pubkey, md);
    if (n < 0)
        croak("Digest algorithm %s is not available", algo);
    RETVAL = newSVpvn((char *)md, n);
  }
  OUTPUT:
    RETVAL

UV
pem_file2cert(const char *file)
  CODE:
    RETVAL = PTR2UV(iss_x509_from_pem_file(file));
    if (!RETVAL)
        iss_err_clear();
  OUTPUT:
    RETVAL

UV
pem_string2cert(SV *pem)
  CODE:
  {
    STRLEN len;
    const char *p = SvPV(pem, len);
    RETVAL = PTR2UV(iss_x509_from_pem(p, len));
    if (!RETVAL)
        iss_err_clear();
  }
  OUTPUT:
    RETVAL

SV *
pem_cert2string(UV x509)
  CODE:
  {
    size_t len = 0;
    char *s;
    if (!x509)
        croak("no certificate given");
    s = iss_x509_to_pem(INT2PTR(void *, x509), &len);
    if (!s)
        XSRETURN_UNDEF;
    RETVAL = newSVpvn(s, len);
    free(s);
  }
  OUTPUT:
    RETVAL

UV
pem_file2key(const char *file)
  CODE:
    RETVAL = PTR2UV(iss_pkey_from_pem(file, 0, 1));
  OUTPUT:
    RETVAL

UV
pem_string2key(SV *pem)
  CODE:
  {
    STRLEN len;
    const char *p = SvPV(pem, len);
    RETVAL = PTR2UV(iss_pkey_from_pem(p, len, 0));
  }
  OUTPUT:
    RETVAL

SV *
pem_key2string(UV pkey)
  CODE:
  {
    size_t len = 0;
    char *s;
    if (!pkey)
        croak("no key given");
    s = iss_pkey_to_pem(INT2PTR(void *, pkey), &len);
    if (!s)
        XSRETURN_UNDEF;
    RETVAL = newSVpvn(s, len);
    free(s);
  }
  OUTPUT:
    RETVAL

void
key_free(UV pkey)
  CODE:
    if (pkey)
        iss_pkey_free(INT2PTR(void *, pkey));

void
cert_free(UV x509)
  CODE:
    if (x509)
        iss_x509_free(INT2PTR(void *, x509));

void
pem_file2certs(const char *file)
  PPCODE:
  {
    AV *got = (AV *)sv_2mortal((SV *)newAV());
    SSize_t i;
    if (iss_x509_list_from_pem_file(file, push_handle, got) < 0) {
        for (i = 0; i <= av_len(got); i++)
            iss_x509_free(INT2PTR(void *, SvUV(*av_fetch(got, i, 0))));
        iss_err_clear();
        XSRETURN_EMPTY;
    }
    EXTEND(SP, av_len(got) + 1);
    for (i = 0; i <= av_len(got); i++)
        PUSHs(sv_2mortal(newSVsv(*av_fetch(got, i, 0))));
  }

SV *
x509_as_hash(UV x509)
  CODE:
  {
    const void *x = INT2PTR(const void *, x509);
    HV *h, *subj, *iss, *eku;
    AV *ext;
    long long nb, na;
    char buf[256], *serial;
    int i, n;
    if (!x)
        croak("no certificate given");
    h = newHV();
    RETVAL = newRV_noinc((SV *)h);
    (void)hv_stores(h, "version", newSViv(iss_x509_version(x)));
    iss_x509_validity(x, &nb, &na);
    (void)hv_stores(h, "not_before", newSViv((IV)nb));
    (void)hv_stores(h, "not_after", newSViv((IV)na));
    serial = iss_x509_serial_dec(x);
    (void)hv_stores(h, "serial", serial ? newSVpv(serial, 0) : newSV(0));
    free(serial);
    n = iss_x509_sigalg(x, buf, sizeof buf);
    (void)hv_stores(h, "signature_alg", n > 0 ? newSVpv(buf, 0) : newSV(0));
    subj = newHV();
    iss_x509_name_entries(x, 0, put_name_entry, subj);
    (void)hv_stores(h, "subject", newRV_noinc((SV *)subj));
    iss = newHV();
    iss_x509_name_entries(x, 1, put_name_entry, iss);
    (void)hv_stores(h, "issuer", newRV_noinc((SV *)iss));
    (void)hv_stores(h, "crl_uri", list_ref(aTHX_ iss_x509_crl_uris, x));
    (void)hv_stores(h, "ocsp_uri", list_ref(aTHX_ iss_x509_ocsp_uris, x));
    (void)hv_stores(h, "keyusage", list_ref(aTHX_ iss_x509_key_usage, x));
    eku = newHV();
    (void)hv_stores(eku, "oid", newRV_noinc((SV *)newAV()));
    (void)hv_stores(eku, "nid", newRV_noinc((SV *)newAV()));
    (void)hv_stores(eku, "sn", newRV_noinc((SV *)newAV()));
    (void)hv_stores(eku, "ln", newRV_noinc((SV *)newAV()));
    iss_x509_ext_key_usage(x, put_eku, eku);
    (void)hv_stores(h, "extkeyusage", newRV_noinc((SV *)eku));
    ext = newAV();
    n = iss_x509_ext_count(x);
    for (i = 0; i < n; i++) {
        HV *e = newHV();
        int nid = 0, crit = 0;
        size_t tlen = 0;
        char *text = iss_x509_ext_get(x, i, buf, sizeof buf, &nid, &crit, &tlen);
        (void)hv_stores(e, "oid", newSVpv(buf, 0));
        (void)hv_stores(e, "nid", nid > 0 ? newSViv(nid) : newSV(0));
        (void)hv_stores(e, "sn", nid > 0 ? newSVpv(iss_nid_sn(nid), 0) : newSV(0));
        (void)hv_stores(e, "critical", newSViv(crit));
        (void)hv_stores(e, "data", text ? newSVpvn(text, tlen) : newSV(0));
        free(text);
        av_push(ext, newRV_noinc((SV *)e));
    }
    (void)hv_stores(h, "ext", newRV_noinc((SV *)ext));
  }
  OUTPUT:
    RETVAL

UV
key_create_rsa(int bits)
  CODE:
    RETVAL = PTR2UV(iss_pkey_create_rsa(bits));
    if (!RETVAL)
        croak_ssl(aTHX_ "failed to create RSA key");
  OUTPUT:
    RETVAL

UV
key_create_ec(const char *curve)
  CODE:
    RETVAL = PTR2UV(iss_pkey_create_ec(curve));
    if (!RETVAL) {
        char what[160];
        snprintf(what, sizeof what, "failed to create EC key on curve %s", curve);
        croak_ssl(aTHX_ what);
    }
  OUTPUT:
    RETVAL

UV
x509_new()
  CODE:
    RETVAL = PTR2UV(iss_x509_new());
    if (!RETVAL)
        croak_ssl(aTHX_ "failed to create certificate");
  OUTPUT:
    RETVAL

void
x509_set_serial(UV x509, const char *dec)
  CODE:
    if (!iss_x509_set_serial(INT2PTR(void *, x509), dec))
        croak_ssl(aTHX_ form("invalid serial number '%s'", dec));

void
x509_set_version(UV x509, IV version)
  CODE:
    if (!iss_x509_set_version(INT2PTR(void *, x509), (long)version))
        croak_ssl(aTHX_ "failed to set certificate version");

void
x509_set_validity(UV x509, NV not_before, NV not_after)
  CODE:
    if (!iss_x509_set_validity(INT2PTR(void *, x509), (long long)not_before, (long long)not_after))
        croak_ssl(aTHX_ "failed to set certificate validity");

void
x509_subject_add(UV x509, const char *field, SV *value)
  CODE:
  {
    STRLEN len;
    /* characters as UTF-8; bytes as they are (CERT_asHash hands out the
     * raw bytes of each entry, and a clone must not encode them twice) */
    const char *v = SvUTF8(value) ? SvPVutf8(value, len) : SvPV(value, len);
    if (!iss_x509_subject_add(INT2PTR(void *, x509), field, v, len))
        croak_ssl(aTHX_ form("failed to add entry for %s", field));
  }

void
x509_set_pubkey(UV x509, UV pkey)
  CODE:
    if (!pkey || !iss_x509_set_pubkey(INT2PTR(void *, x509), INT2PTR(void *, pkey)))
        croak_ssl(aTHX_ "failed to set the certificate's public key");

void
x509_add_ext(UV x509, UV issuer, int nid, const char *value)
  CODE:
    if (!iss_x509_add_ext(INT2PTR(void *, x509), INT2PTR(void *, issuer), nid, value))
        croak_ssl(aTHX_ form("failed to add extension %s '%s'", iss_nid_sn(nid), value));

void
x509_sign(UV x509, UV issuer, UV pkey, const char *digest)
  CODE:
  {
    int r;
    if (!issuer || !pkey)
        croak("no issuer certificate or key to sign with");
    r = iss_x509_sign(INT2PTR(void *, x509), INT2PTR(void *, issuer), INT2PTR(void *, pkey), digest);
    if (r < 0)
        croak("Digest algorithm %s is not available", digest);
    if (!r)
        croak_ssl(aTHX_ "failed to sign certificate");
  }

int
obj_nid(const char *name)
  CODE:
    RETVAL = iss_obj_nid(name);
  OUTPUT:
    RETVAL

void
tie_cache(SV *tie, SV *conn)
  CODE:
    if (!SvROK(tie) || !find_mg(aTHX_ conn, &conn_vtbl))
        croak("tie_cache: bad arguments");
    sv_magicext(SvRV(tie), conn, PERL_MAGIC_ext, &tiecache_vtbl, NULL, 0);

MODULE = IO::Socket::SSL    PACKAGE = IO::Socket::SSL::_Ctx

SV *
new(const char *class, int is_server, int min_version, int max_version, IV options)
  CODE:
  {
    iss_ctx *ctx = iss_ctx_new(is_server, min_version, max_version, (long)options);
    PERL_UNUSED_VAR(class);
    if (!ctx)
        XSRETURN_UNDEF;
    RETVAL = wrap(aTHX_ ctx, &ctx_vtbl, "IO::Socket::SSL::_Ctx");
  }
  OUTPUT:
    RETVAL

UV
ptr(SV *self)
  CODE:
    RETVAL = PTR2UV(iss_ctx_ssl_ctx(CTX(self)));
  OUTPUT:
    RETVAL

SV *
error(SV *self)
  CODE:
  {
    iss_ctx *ctx = CTX(self);
    ctx_glue *g = iss_ctx_owner(ctx);
    /* a Perl callback that died says more than OpenSSL's generic failure */
    if (g && g->error && SvOK(g->error)) {
        RETVAL = newSVsv(g->error);
        sv_setsv(g->error, &PL_sv_undef);
    } else {
        RETVAL = newSVpv(iss_ctx_error(ctx), 0);
    }
  }
  OUTPUT:
    RETVAL

int
set_cipher_list(SV *self, const char *list)
  CODE:
    RETVAL = iss_ctx_set_cipher_list(CTX(self), list) == ISS_OK;
  OUTPUT:
    RETVAL

int
set_ciphersuites(SV *self, const char *list)
  CODE:
    RETVAL = iss_ctx_set_ciphersuites(CTX(self), list) == ISS_OK;
  OUTPUT:
    RETVAL

int
set_verify(SV *self, int mode, SV *scheme, int explicit_scheme, int use_psl)
  CODE:
  {
    iss_scheme s;
    memset(&s, 0, sizeof s);
    if (SvROK(scheme) && SvTYPE(SvRV(scheme)) == SVt_PVAV) {
        AV *av = (AV *)SvRV(scheme);
        SV **e;
        s.check = 1;
        if ((e = av_fetch(av, 0, 0))) s.wildcards_in_cn = SvIV(*e);
        if ((e = av_fetch(av, 1, 0))) s.wildcards_in_alt = SvIV(*e);
        if ((e = av_fetch(av, 2, 0))) s.check_cn = SvIV(*e);
        if ((e = av_fetch(av, 3, 0))) s.ip_in_cn = SvIV(*e);
    } else if (SvOK(scheme) && !iss_scheme_by_name(SvPV_nolen(scheme), &s)) {
        croak("scheme %s not defined", SvPV_nolen(scheme));
    }
    s.explicit_scheme = explicit_scheme;
    s.use_psl = use_psl;
    RETVAL = iss_ctx_set_verify(CTX(self), mode, SvOK(scheme) ? &s : NULL) == ISS_OK;
  }
  OUTPUT:
    RETVAL

void
set_verify_callback(SV *self, SV *cb)
  CODE:
  {
    iss_ctx *ctx = CTX(self);
    ctx_glue *g = glue_of(aTHX_ ctx);
    SvREFCNT_dec(g->verify_cb);
    g->verify_cb = SvOK(cb) ? newSVsv(cb) : NULL;
    iss_ctx_set_verify_hook(ctx, g->verify_cb ? verify_hook : NULL, g);
  }

void
set_passwd_callback(SV *self, SV *cb)
  CODE:
  {
    iss_ctx *ctx = CTX(self);
    ctx_glue *g = glue_of(aTHX_ ctx);
    SvREFCNT_dec(g->passwd_cb);
    g->passwd_cb = SvOK(cb) ? newSVsv(cb) : NULL;
    iss_ctx_set_passwd_hook(ctx, g->passwd_cb ? passwd_hook : NULL, g);
  }

void
enable_session_cache(SV *self)
  CODE:
  {
    iss_ctx *ctx = CTX(self);
    iss_ctx_set_session_hook(ctx, session_hook, glue_of(aTHX_ ctx));
  }

void
set_ticket_callback(SV *self, SV *cb, SV *data)
  CODE:
  {
    iss_ctx *ctx = CTX(self);
    ctx_glue *g = glue_of(aTHX_ ctx);
    SvREFCNT_dec(g->ticket_cb);
    SvREFCNT_dec(g->ticket_data);
    g->ticket_cb = SvOK(cb) ? newSVsv(cb) : NULL;
    g->ticket_data = SvOK(data) ? newSVsv(data) : NULL;
    iss_ctx_set_ticket_hook(ctx, g->ticket_cb ? ticket_hook : NULL, g);
  }

int
add_psk(SV *self, const char *identity, SV *key)
  CODE:
  {
    STRLEN len;
    const char *p = SvPV(key, len);
    RETVAL = iss_ctx_add_psk(CTX(self), identity, (const unsigned char *)p, len) == ISS_OK;
  }
  OUTPUT:
    RETVAL

int
set_mode(SV *self, IV mode)
  CODE:
    RETVAL = iss_ctx_set_mode(CTX(self), (long)mode) == ISS_OK;
  OUTPUT:
    RETVAL

int
set_session_id_context(SV *self, SV *id)
  CODE:
  {
    STRLEN len;
    const char *p = SvPV(id, len);
    RETVAL = iss_ctx_set_session_id_context(CTX(self), p, len) == ISS_OK;
  }
  OUTPUT:
    RETVAL

int
set_groups(SV *self, const char *list)
  CODE:
    RETVAL = iss_ctx_set_groups(CTX(self), list) == ISS_OK;
  OUTPUT:
    RETVAL

int
set_dh(SV *self, SV *pem)
  CODE:
  {
    STRLEN len = 0;
    const char *p = SvOK(pem) ? SvPV(pem, len) : NULL;
    RETVAL = iss_ctx_set_dh_pem(CTX(self), p, len) == ISS_OK;
  }
  OUTPUT:
    RETVAL

int
set_dh_handle(SV *self, UV dh)
  CODE:
    RETVAL = iss_ctx_set_dh_handle(CTX(self), INT2PTR(void *, dh)) == ISS_OK;
  OUTPUT:
    RETVAL

int
set_dh_file(SV *self, const char *file)
  CODE:
    RETVAL = iss_ctx_set_dh_file(CTX(self), file) == ISS_OK;
  OUTPUT:
    RETVAL

int
set_verify_flags(SV *self, UV flags)
  CODE:
    RETVAL = iss_ctx_set_verify_flags(CTX(self), (unsigned long)flags) == ISS_OK;
  OUTPUT:
    RETVAL

int
add_fingerprint(SV *self, const char *algo, int pubkey, SV *digest)
  CODE:
  {
    STRLEN len;
    const char *p = SvPV(digest, len);
    RETVAL = iss_ctx_add_fingerprint(CTX(self), algo, pubkey, (const unsigned char *)p, len)
             == ISS_OK;
  }
  OUTPUT:
    RETVAL

int
add_sni(SV *self, const char *host, SV *child)
  CODE:
    RETVAL = iss_ctx_add_sni(CTX(self), host, CTX(child)) == ISS_OK;
  OUTPUT:
    RETVAL

void
sni_default(SV *self, int has_default)
  CODE:
    iss_ctx_sni_default(CTX(self), has_default);

int
set_protocols(SV *self, int npn, AV *list)
  CODE:
  {
    iss_ctx *ctx = CTX(self);     /* may croak: before anything is allocated */
    SSize_t i, n = av_len(list) + 1;
    const char **names;
    unsigned char *wire;
    unsigned int len = 0;
    Newx(names, n ? n : 1, const char *);
    SAVEFREEPV(names);
    for (i = 0; i < n; i++) {
        SV **e = av_fetch(list, i, 0);
        names[i] = e ? SvPV_nolen(*e) : "";
    }
    wire = iss_protos_wire(names, (int)n, &len);
    if (!wire)
        croak("invalid protocol name in %s list (1 to 255 bytes each)", npn ? "NPN" : "ALPN");
    RETVAL = (npn ? iss_ctx_set_npn(ctx, wire, len)
                  : iss_ctx_set_alpn(ctx, wire, len)) == ISS_OK;
    free(wire);
  }
  OUTPUT:
    RETVAL

void
force_fingerprint(SV *self, int force)
  CODE:
    iss_ctx_force_fingerprint(CTX(self), force);

int
load_ca(SV *self, SV *file, SV *dir)
  CODE:
    RETVAL = iss_ctx_load_ca(CTX(self), SvOK(file) ? SvPV_nolen(file) : NULL,
                             SvOK(dir) ? SvPV_nolen(dir) : NULL) == ISS_OK;
  OUTPUT:
    RETVAL

int
use_default_ca(SV *self, SV *file, SV *dir)
  CODE:
    RETVAL = iss_ctx_use_default_ca(CTX(self), SvOK(file) ? SvPV_nolen(file) : NULL,
                                    SvOK(dir) ? SvPV_nolen(dir) : NULL) == ISS_OK;
  OUTPUT:
    RETVAL

int
add_ca(SV *self, UV x509)
  CODE:
    if (!x509)
        croak("SSL_ca: not an X509 handle");
    RETVAL = iss_ctx_add_ca_x509(CTX(self), INT2PTR(void *, x509)) == ISS_OK;
  OUTPUT:
    RETVAL

int
load_crl_file(SV *self, const char *file)
  CODE:
    RETVAL = iss_ctx_load_crl_file(CTX(self), file) == ISS_OK;
  OUTPUT:
    RETVAL

int
add_client_ca(SV *self, UV x509)
  CODE:
    if (!x509)
        croak("SSL_client_ca: not an X509 handle");
    RETVAL = iss_ctx_add_client_ca(CTX(self), INT2PTR(void *, x509)) == ISS_OK;
  OUTPUT:
    RETVAL

int
load_client_ca_file(SV *self, const char *file)
  CODE:
    RETVAL = iss_ctx_load_client_ca_file(CTX(self), file) == ISS_OK;
  OUTPUT:
    RETVAL

void
use_cert_file(SV *self, const char *file)
  PPCODE:
  {
    int got_key = 0;
    const char *fmt = NULL;
    if (iss_ctx_use_cert_file(CTX(self), file, &got_key, &fmt) != ISS_OK)
        XSRETURN_EMPTY;
    mXPUSHp(fmt, strlen(fmt));
    mXPUSHi(got_key);
  }

int
use_key_file(SV *self, const char *file)
  CODE:
    RETVAL = iss_ctx_use_key_file(CTX(self), file) == ISS_OK;
  OUTPUT:
    RETVAL

int
use_cert(SV *self, UV x509, int is_chain)
  CODE:
    if (!x509)
        croak("SSL_cert: not an X509 handle");
    RETVAL = iss_ctx_use_cert_x509(CTX(self), INT2PTR(void *, x509), is_chain) == ISS_OK;
  OUTPUT:
    RETVAL

int
use_key(SV *self, UV pkey)
  CODE:
    if (!pkey)
        croak("SSL_key: not an EVP_PKEY handle");
    RETVAL = iss_ctx_use_key_pkey(CTX(self), INT2PTR(void *, pkey)) == ISS_OK;
  OUTPUT:
    RETVAL

int
check_key(SV *self)
  CODE:
    RETVAL = iss_ctx_check_key(CTX(self)) == ISS_OK;
  OUTPUT:
    RETVAL

MODULE = IO::Socket::SSL    PACKAGE = IO::Socket::SSL::_Conn

SV *
new(const char *class, SV *ctxsv, int fd, int is_server)
  CODE:
  {
    iss_ctx *ctx = CTX(ctxsv);
    iss_conn *c = iss_conn_new(ctx, fd, is_server);
    PERL_UNUSED_VAR(class);
    if (!c)
        XSRETURN_UNDEF;
    RETVAL = wrap(aTHX_ c, &conn_vtbl, "IO::Socket::SSL::_Conn");
  }
  OUTPUT:
    RETVAL

SV *
new_over(const char *class, SV *ctxsv, SV *outer, int is_server, int outer_fd)
  CODE:
  {
    iss_ctx *ctx = CTX(ctxsv);
    io_glue *g;
    iss_conn *c;
    PERL_UNUSED_VAR(class);
    Newxz(g, 1, io_glue);
    g->outer = newSVsv(outer);
#ifdef USE_ITHREADS
    g->perl = aTHX;
#endif
    c = iss_conn_new_io(ctx, is_server, io_read_cb, io_write_cb, g);
    if (!c) {
        io_glue_free(g);
        XSRETURN_UNDEF;
    }
    iss_conn_set_io_free(c, io_glue_free);
    iss_conn_set_wait_fd(c, outer_fd);    /* to wait for the outer socket */
    RETVAL = wrap(aTHX_ c, &conn_vtbl, "IO::Socket::SSL::_Conn");
  }
  OUTPUT:
    RETVAL

void
free(SV *self)
  CODE:
  {
    MAGIC *mg = find_mg(aTHX_ self, &conn_vtbl);
    if (mg && mg->mg_ptr) {
        iss_conn_free((iss_conn *)mg->mg_ptr);
        mg->mg_ptr = NULL;
    }
  }

UV
ptr(SV *self)
  CODE:
    RETVAL = PTR2UV(iss_conn_ssl(CONN(self)));
  OUTPUT:
    RETVAL

SV *
error(SV *self)
  CODE:
  {
    iss_conn *c = CONN(self);
    ctx_glue *g = iss_ctx_owner(iss_conn_ctx(c));
    if (g && g->error && SvOK(g->error)) {
        RETVAL = newSVsv(g->error);
        sv_setsv(g->error, &PL_sv_undef);
    } else {
        RETVAL = newSVpv(iss_conn_error(c), 0);
    }
  }
  OUTPUT:
    RETVAL

void
callback_error(SV *self)
  PPCODE:
  {
    int sev = -1;
    const char *msg = iss_conn_cb_error(CONN(self), &sev);
    if (!msg)
        XSRETURN_EMPTY;
    mXPUSHp(msg, strlen(msg));
    mXPUSHi(sev);
  }

SV *
warning(SV *self)
  CODE:
  {
    const char *w = iss_conn_warning(CONN(self));
    if (!*w)
        XSRETURN_UNDEF;
    RETVAL = newSVpv(w, 0);
  }
  OUTPUT:
    RETVAL

int
last_ret(SV *self)
  CODE:
    RETVAL = iss_conn_last_ret(CONN(self));
  OUTPUT:
    RETVAL

int
last_ssl_error(SV *self)
  CODE:
    RETVAL = iss_conn_ssl_error(CONN(self));
  OUTPUT:
    RETVAL

void
set_msg_callback(SV *self, int on)
  CODE:
    iss_conn_set_msg_hook(CONN(self), on ? msg_hook : NULL, NULL);

int
set_sni(SV *self, const char *host)
  CODE:
    RETVAL = iss_conn_set_sni(CONN(self), host) == ISS_OK;
  OUTPUT:
    RETVAL

void
set_verify_name(SV *self, SV *name)
  CODE:
    iss_conn_set_verify_name(CONN(self), SvOK(name) ? SvPV_nolen(name) : NULL);

int
handshake(SV *self, NV timeout)
  CODE:
  {
    iss_conn *c = CONN(self);
    /* the deadline survives signals: a handler runs, then the wait goes on */
    NV start = mono_now();
    forget_callback_error(aTHX_ c);   /* one left by another connection */
    for (;;) {
        NV left = -1;
        if (timeout >= 0) {
            left = timeout - (mono_now() - start);
            if (left < 0)
                left = 0;
        }
        RETVAL = iss_conn_handshake(c, left);
        if (RETVAL == ISS_GONE)
            conn_gone(aTHX);
        else if (RETVAL == ISS_OK)
            forget_callback_error(aTHX_ c);   /* a callback died, yet it worked */
        if (RETVAL != ISS_EINTR)
            break;
        PERL_ASYNC_CHECK();
        /* the handler may have closed the socket (and freed the connection) */
        {
            MAGIC *mg = find_mg(aTHX_ self, &conn_vtbl);
            if (!mg || !mg->mg_ptr) {
                SETERRNO(EBADF, 0);
                RETVAL = ISS_GONE;
                break;
            }
            c = (iss_conn *)mg->mg_ptr;
        }
    }
  }
  OUTPUT:
    RETVAL

int
shutdown(SV *self, int fast, NV timeout)
  CODE:
  {
    iss_conn *c = CONN(self);
    RETVAL = iss_conn_shutdown(c, fast, timeout);
    if (RETVAL == ISS_GONE)
        conn_gone(aTHX);
  }
  OUTPUT:
    RETVAL

int
get_shutdown(SV *self)
  CODE:
    RETVAL = iss_conn_get_shutdown(CONN(self));
  OUTPUT:
    RETVAL

int
version(SV *self)
  CODE:
    RETVAL = iss_conn_version(CONN(self));
  OUTPUT:
    RETVAL

const char *
cipher(SV *self)
  CODE:
    RETVAL = iss_conn_cipher(CONN(self));
  OUTPUT:
    RETVAL

int
session_reused(SV *self)
  CODE:
    RETVAL = iss_conn_session_reused(CONN(self));
  OUTPUT:
    RETVAL

SV *
servername(SV *self)
  CODE:
  {
    const char *s = iss_conn_servername(CONN(self));
    if (!s)
        XSRETURN_UNDEF;
    RETVAL = newSVpv(s, 0);
  }
  OUTPUT:
    RETVAL

UV
peer_cert(SV *self, int reload = 0)
  CODE:
  {
    iss_conn *c = CONN(self);
    if (reload)
        iss_conn_forget_peer_cert(c);
    RETVAL = PTR2UV(iss_conn_peer_cert(c));
  }
  OUTPUT:
    RETVAL

void
peer_chain(SV *self)
  PPCODE:
  {
    void *certs[64];
    int i, n = iss_conn_peer_chain(CONN(self), certs, 64);
    EXTEND(SP, n);
    for (i = 0; i < n; i++)
        mPUSHu(PTR2UV(certs[i]));
  }

SV *
alpn_selected(SV *self)
  ALIAS:
    npn_selected = 1
  CODE:
  {
    const char *p;
    unsigned int len;
    int ok = ix ? iss_conn_npn_selected(CONN(self), &p, &len)
                : iss_conn_alpn_selected(CONN(self), &p, &len);
    if (!ok)
        XSRETURN_UNDEF;
    RETVAL = newSVpvn(p, len);
  }
  OUTPUT:
    RETVAL

int
set_session(SV *self, UV sess)
  CODE:
    if (!sess)
        croak("no session given");
    RETVAL = iss_conn_set_session(CONN(self), INT2PTR(void *, sess)) == ISS_OK;
  OUTPUT:
    RETVAL

UV
get1_session(SV *self)
  CODE:
    RETVAL = PTR2UV(iss_conn_get1_session(CONN(self)));
  OUTPUT:
    RETVAL

UV
own_cert(SV *self)
  CODE:
    RETVAL = PTR2UV(iss_conn_own_cert(CONN(self)));
  OUTPUT:
    RETVAL

MODULE = IO::Socket::SSL    PACKAGE = IO::Socket::SSL

void
sysread(SV *self, SV *buf, SSize_t len, SSize_t offset = 0)
  PPCODE:
  {
    iss_conn *c = sock_conn(aTHX_ self);
    if (!c)
        FALLBACK("_plain_sysread", items, G_SCALAR);
    ST(0) = do_read(aTHX_ self, c, buf, len, offset, 0);
    XSRETURN(1);
  }

void
read(SV *self, SV *buf, SSize_t len, SSize_t offset = 0)
  PPCODE:
  {
    iss_conn *c = sock_conn(aTHX_ self);
    if (!c)
        FALLBACK("_plain_read", items, G_SCALAR);
    ST(0) = do_read(aTHX_ self, c, buf, len, offset, 1);
    XSRETURN(1);
  }

void
peek(SV *self, SV *buf, SSize_t len, SSize_t offset = 0)
  PPCODE:
  {
    iss_conn *c = sock_conn(aTHX_ self);
    if (!c)
        FALLBACK("_plain_peek", items, G_SCALAR);
    ST(0) = do_read(aTHX_ self, c, buf, len, offset, 2);
    XSRETURN(1);
  }

void
syswrite(SV *self, SV *buf, SV *lensv = &PL_sv_undef, SSize_t offset = 0)
  ALIAS:
    write = 1
  PPCODE:
  {
    iss_conn *c = sock_conn(aTHX_ self);
    STRLEN blen, len;
    const char *p;
    if (!c) {
        int n;
        PUTBACK;
        n = call_plain(aTHX_ ix ? "_plain_write" : "_plain_syswrite", &ST(0), items, G_SCALAR);
        SPAGAIN;
        XSRETURN(n);
    }
    p = SvPV(buf, blen);
    /* as the reference: a length of 0 or undef means the whole buffer */
    len = SvOK(lensv) && SvIV(lensv) > 0 ? (STRLEN)SvIV(lensv) : blen;
    if (offset < 0) {
        if ((STRLEN)-offset > blen)
            croak("Offset outside string");
        offset += blen;
    }
    if ((STRLEN)offset > blen) {
        clear_error(aTHX);
        io_fail(aTHX_ self, ISS_INTERNAL_ERR, "Invalid offset for SSL write");
        XSRETURN_UNDEF;
    }
    if (len > blen - offset)
        len = blen - offset;
    ST(0) = do_write(aTHX_ self, c, p + offset, len, ix == 1);
    XSRETURN(1);
  }

void
print(SV *self, ...)
  PPCODE:
  {
    iss_conn *c = sock_conn(aTHX_ self);
    SV *rv;
    if (!c)
        FALLBACK("_plain_print", items, G_SCALAR);
    rv = print_impl(aTHX_ self, c, &ST(1), items - 1);
    ST(0) = SvOK(rv) ? &PL_sv_yes : &PL_sv_undef;
    XSRETURN(1);
  }

void
readline(SV *self)
  PPCODE:
  {
    iss_conn *c = sock_conn(aTHX_ self);
    I32 gimme = GIMME_V;
    int n;
    if (!c) {
        PUTBACK;
        n = call_plain(aTHX_ "_plain_readline", &ST(0), 1, gimme == G_LIST ? G_LIST : G_SCALAR);
        return;
    }
    PUTBACK;
    n = readline_impl(aTHX_ self, c, gimme == G_LIST ? G_LIST : G_SCALAR, 0);
    SPAGAIN;
    XSRETURN(n);
  }

void
getline(SV *self)
  PPCODE:
  {
    iss_conn *c = sock_conn(aTHX_ self);
    int n;
    if (!c) {
        PUTBACK;
        n = call_plain(aTHX_ "_plain_readline", &ST(0), 1, G_SCALAR);
        return;
    }
    PUTBACK;
    n = readline_impl(aTHX_ self, c, G_SCALAR, 0);
    SPAGAIN;
    XSRETURN(n);
  }

void
getlines(SV *self)
  PPCODE:
  {
    iss_conn *c;
    int n;
    if (GIMME_V != G_LIST)
        croak("Use of getlines() not allowed in scalar context");
    c = sock_conn(aTHX_ self);
    if (!c) {
        PUTBACK;
        n = call_plain(aTHX_ "_plain_readline", &ST(0), 1, G_LIST);
        return;
    }
    PUTBACK;
    n = readline_impl(aTHX_ self, c, G_LIST, 0);
    SPAGAIN;
    XSRETURN(n);
  }

void
getc(SV *self)
  PPCODE:
  {
    iss_conn *c = sock_conn(aTHX_ self);
    char ch;
    ssize_t n;
    if (!c)
        FALLBACK("_plain_getc", 1, G_SCALAR);
    clear_error(aTHX);
    for (;;) {
        n = iss_conn_read(c, &ch, 1);
        if (n == ISS_GONE) {
            conn_gone(aTHX);
            XSRETURN_UNDEF;
        }
        if (n != ISS_EINTR)
            break;
        PERL_ASYNC_CHECK();
        if (!(c = sock_conn(aTHX_ self))) {
            SETERRNO(EBADF, 0);
            XSRETURN_UNDEF;
        }
    }
    if (n < 0)
        io_fail(aTHX_ self, (int)n, "SSL read error");
    if (n <= 0)
        XSRETURN_UNDEF;
    ST(0) = sv_2mortal(newSVpvn(&ch, 1));
    XSRETURN(1);
  }

void
eof(SV *self)
  PPCODE:
  {
    iss_conn *c = sock_conn(aTHX_ self);
    char ch;
    ssize_t n;
    if (!c)
        FALLBACK("_plain_eof", 1, G_SCALAR);
    if (iss_conn_pending(c))
        XSRETURN_NO;
    for (;;) {
        n = iss_conn_peek(c, &ch, 1);
        if (n == ISS_GONE) {
            conn_gone(aTHX);
            XSRETURN_YES;
        }
        if (n != ISS_EINTR)
            break;
        PERL_ASYNC_CHECK();
        if (!(c = sock_conn(aTHX_ self)))
            XSRETURN_YES;
    }
    /* would-block is not the end; an error is, as on a plain socket */
    if (n == 0 || n == ISS_ERR)
        XSRETURN_YES;
    XSRETURN_NO;
  }

void
pending(SV *self)
  PPCODE:
  {
    iss_conn *c = sock_conn(aTHX_ self);
    if (!c)
        XSRETURN_UNDEF;
    ST(0) = sv_2mortal(newSVuv(iss_conn_pending(c)));
    XSRETURN(1);
  }

void
_socket_reads(SV *self)
  PPCODE:
  {
    iss_conn *c = sock_conn(aTHX_ self);
    if (!c)
        XSRETURN_UNDEF;
    ST(0) = sv_2mortal(newSVuv(iss_conn_socket_reads(c)));
    XSRETURN(1);
  }

MODULE = IO::Socket::SSL    PACKAGE = IO::Socket::SSL::SSL_HANDLE

void
READ(SV *tie, SV *buf, SSize_t len, SSize_t offset = 0)
  PPCODE:
  {
    SV *self = tied_sock(aTHX_ tie);
    iss_conn *c = tie_conn(aTHX_ tie, self);
    if (!c) {
        SV *args[4];
        int i, n;
        args[0] = self;
        for (i = 1; i < items; i++)
            args[i] = ST(i);
        PUTBACK;
        n = call_plain(aTHX_ "sysread", args, items, G_SCALAR);
        SPAGAIN;
        XSRETURN(n);
    }
    ST(0) = do_read(aTHX_ self, c, buf, len, offset, 0);
    XSRETURN(1);
  }

void
READLINE(SV *tie)
  PPCODE:
  {
    SV *self = tied_sock(aTHX_ tie);
    iss_conn *c = tie_conn(aTHX_ tie, self);
    I32 gimme = GIMME_V == G_LIST ? G_LIST : G_SCALAR;
    int n;
    if (!c) {
        PUTBACK;
        n = call_plain(aTHX_ "readline", &self, 1, gimme);
        return;
    }
    PUTBACK;
    n = readline_impl(aTHX_ self, c, gimme, 1);
    SPAGAIN;
    XSRETURN(n);
  }

void
WRITE(SV *tie, SV *buf, SV *lensv = &PL_sv_undef, SSize_t offset = 0)
  PPCODE:
  {
    SV *self = tied_sock(aTHX_ tie);
    iss_conn *c = tie_conn(aTHX_ tie, self);
    STRLEN blen, len;
    const char *p;
    if (!c) {
        SV *args[4];
        int i, n;
        args[0] = self;
        for (i = 1; i < items; i++)
            args[i] = ST(i);
        PUTBACK;
        n = call_plain(aTHX_ "syswrite", args, items, G_SCALAR);
        SPAGAIN;
        XSRETURN(n);
    }
    p = SvPV(buf, blen);
    len = SvOK(lensv) && SvIV(lensv) > 0 ? (STRLEN)SvIV(lensv) : blen;
    if (offset < 0) {
        if ((STRLEN)-offset > blen)
            croak("Offset outside string");
        offset += blen;
    }
    if ((STRLEN)offset > blen) {
        io_fail(aTHX_ self, ISS_INTERNAL_ERR, "Invalid offset for SSL write");
        XSRETURN_UNDEF;
    }
    if (len > blen - offset)
        len = blen - offset;
    ST(0) = do_write(aTHX_ self, c, p + offset, len, 0);
    XSRETURN(1);
  }

void
PRINT(SV *tie, ...)
  PPCODE:
  {
    SV *self = tied_sock(aTHX_ tie);
    iss_conn *c = tie_conn(aTHX_ tie, self);
    SV *rv;
    if (!c) {
        int n;
        ST(0) = self;
        PUTBACK;
        n = call_plain(aTHX_ "print", &ST(0), items, G_SCALAR);
        SPAGAIN;
        XSRETURN(n);
    }
    rv = print_impl(aTHX_ self, c, &ST(1), items - 1);
    ST(0) = SvOK(rv) ? &PL_sv_yes : &PL_sv_undef;
    XSRETURN(1);
  }

void
GETC(SV *tie)
  PPCODE:
  {
    SV *self = tied_sock(aTHX_ tie);
    int n;
    PUTBACK;
    n = call_plain(aTHX_ "getc", &self, 1, G_SCALAR);
    SPAGAIN;
    XSRETURN(n);
  }

void
EOF(SV *tie, ...)
  PPCODE:
  {
    SV *self = tied_sock(aTHX_ tie);
    int n;
    PUTBACK;
    n = call_plain(aTHX_ "eof", &self, 1, G_SCALAR);
    SPAGAIN;
    XSRETURN(n);
  }
