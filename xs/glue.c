/* glue.c: the shared glue between the XS files and the core: checked
 * handles (ext magic), the one error path to the Perl side, the Perl
 * callbacks OpenSSL runs (always under G_EVAL: no longjmp across OpenSSL),
 * and the per-interpreter state. */
#include "glue.h"
#include <pthread.h>
#include <time.h>

#define MY_CXT_KEY "IO::Socket::SSL::_guts" XS_VERSION
START_MY_CXT

my_cxt_t *glue_cxt(pTHX)
{
    dMY_CXT;
    return &MY_CXT;
}

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

static void ctx_glue_release(pTHX_ ctx_glue *g);
static void ctx_map_put(pTHX_ ctx_glue *g);

static int ctx_mg_free(pTHX_ SV *sv, MAGIC *mg)
{
    PERL_UNUSED_ARG(sv);
    if (mg->mg_ptr)
        ctx_glue_release(aTHX_ (ctx_glue *)mg->mg_ptr);
    mg->mg_ptr = NULL;
    return 0;
}

/* Contexts cloned for a new thread wait here until its CLONE runs: during
 * the copy, the new interpreter's MY_CXT is not its own yet. perl_clone
 * runs in the parent's OS thread, but two threads may clone at once. */
typedef struct pending_glue {
    void *owner;        /* the new interpreter */
    ctx_glue *g;
    struct pending_glue *next;
} pending_glue;
static pending_glue *pending;
static pthread_mutex_t pending_lock = PTHREAD_MUTEX_INITIALIZER;

/* A new thread shares the context (one more reference, atomically) and
 * gets its own copy of the callbacks, cloned by perl like any other value
 * of the parent, so they run in the new thread's interpreter. */
static int ctx_mg_dup(pTHX_ MAGIC *mg, CLONE_PARAMS *param)
{
    ctx_glue *old = (ctx_glue *)mg->mg_ptr, *g;
    pending_glue *p;
    if (!old)
        return 0;
    Newxz(g, 1, ctx_glue);
    Newxz(p, 1, pending_glue);
    g->ctx = old->ctx;
    iss_ctx_incref(g->ctx);
    g->refs = 1;
    g->verify_cb = sv_dup_inc(old->verify_cb, param);
    g->passwd_cb = sv_dup_inc(old->passwd_cb, param);
    g->ticket_cb = sv_dup_inc(old->ticket_cb, param);
    g->ticket_data = sv_dup_inc(old->ticket_data, param);
    mg->mg_ptr = (char *)g;
    p->owner = aTHX;
    p->g = g;
    pthread_mutex_lock(&pending_lock);
    p->next = pending;
    pending = p;
    pthread_mutex_unlock(&pending_lock);
    return 0;
}

/* In the new interpreter's CLONE: its contexts go into its own map. */
static void ctx_take_pending(pTHX)
{
    pending_glue **pp, *p;
    pthread_mutex_lock(&pending_lock);
    for (pp = &pending; (p = *pp) != NULL;) {
        if (p->owner == (void *)aTHX) {
            *pp = p->next;
            ctx_map_put(aTHX_ p->g);
            Safefree(p);
        } else {
            pp = &p->next;
        }
    }
    pthread_mutex_unlock(&pending_lock);
}

MGVTBL glue_conn_vtbl = { 0, 0, 0, 0, conn_mg_free, 0, mg_dup_dead, 0 };
MGVTBL glue_ctx_vtbl = { 0, 0, 0, 0, ctx_mg_free, 0, ctx_mg_dup, 0 };

SV *glue_wrap(pTHX_ void *ptr, MGVTBL *vtbl, const char *class)
{
    SV *obj = newSV(0);
    MAGIC *mg = sv_magicext(obj, NULL, PERL_MAGIC_ext, vtbl, (const char *)ptr, 0);
    mg->mg_flags |= MGf_DUP;
    return sv_bless(newRV_noinc(obj), gv_stashpv(class, GV_ADD));
}

MAGIC *glue_find_mg(pTHX_ SV *sv, MGVTBL *vtbl)
{
    /* only a PVMG or above has a magic chain to look at */
    if (sv && SvROK(sv) && SvTYPE(SvRV(sv)) >= SVt_PVMG)
        return mg_findext(SvRV(sv), PERL_MAGIC_ext, vtbl);
    return NULL;
}

void *glue_unwrap(pTHX_ SV *sv, MGVTBL *vtbl, const char *what)
{
    MAGIC *mg = glue_find_mg(aTHX_ sv, vtbl);
    if (!mg)
        croak("not a %s object", what);
    if (!mg->mg_ptr)
        croak("%s object is no longer valid (freed or from another thread)", what);
    return mg->mg_ptr;
}


/* The connection behind a socket: ${*$sock}{_SSL_conn}. NULL when TLS is not
 * (or no longer) active, so callers fall back to plain socket I/O. */
iss_conn *glue_sock_conn(pTHX_ SV *self)
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
    if (!svp || !(mg = glue_find_mg(aTHX_ *svp, &glue_conn_vtbl)))
        return NULL;
    if (!mg->mg_ptr)
        croak("IO::Socket::SSL: this TLS connection belongs to another thread");
    return (iss_conn *)mg->mg_ptr;
}

/* The tie object is a blessed ref to a (weak) ref to the socket. */
SV *glue_tied_sock(pTHX_ SV *tie)
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
 * ext magic, mg_obj) and that object's own magic (mg_ptr: it lives as long
 * as the object), so `<$sock>` and `print $sock` skip the hash and magic
 * lookups. The cache is only a shortcut: a connection freed meanwhile reads
 * as NULL; a cloned thread has none (its copy of the object is dead). */
MGVTBL glue_tiecache_vtbl = { 0, 0, 0, 0, 0, 0, mg_dup_dead, 0 };

void glue_tie_cache(pTHX_ SV *tie, SV *conn)
{
    MAGIC *cm = glue_find_mg(aTHX_ conn, &glue_conn_vtbl);
    MAGIC *mg;
    if (!SvROK(tie) || !cm)
        croak("tie_cache: bad arguments");
    mg = sv_magicext(SvRV(tie), conn, PERL_MAGIC_ext, &glue_tiecache_vtbl, (const char *)cm, 0);
    mg->mg_flags |= MGf_DUP;
}

iss_conn *glue_tie_conn(pTHX_ SV *tie, SV *self)
{
    MAGIC *mg = mg_findext(SvRV(tie), PERL_MAGIC_ext, &glue_tiecache_vtbl);
    if (mg && mg->mg_ptr) {
        MAGIC *cm = (MAGIC *)mg->mg_ptr;
        if (cm->mg_ptr)
            return (iss_conn *)cm->mg_ptr;
    }
    return glue_sock_conn(aTHX_ self);
}

/* After ISS_EINTR: run the pending Perl signal handlers, then find the
 * connection again from the object the call came in on (a socket, or a
 * _Conn object): a handler may have closed the socket and so freed the
 * connection. NULL, with $! = EBADF, when it is gone. */
iss_conn *glue_after_signal(pTHX_ SV *obj)
{
    MAGIC *mg;
    iss_conn *c;
    PERL_ASYNC_CHECK();
    if ((mg = glue_find_mg(aTHX_ obj, &glue_conn_vtbl)))
        c = (iss_conn *)mg->mg_ptr;
    else
        c = glue_sock_conn(aTHX_ obj);
    if (!c)
        SETERRNO(EBADF, 0);
    return c;
}

/* A host name scheme from Perl: a predefined name, or an array ref of
 * [wildcards_in_cn, wildcards_in_alt, check_cn, ip_in_cn]. Returns 0 for
 * undef (no scheme); croaks for an unknown name. */
int glue_scheme(pTHX_ SV *scheme, iss_scheme *s)
{
    memset(s, 0, sizeof *s);
    if (SvROK(scheme) && SvTYPE(SvRV(scheme)) == SVt_PVAV) {
        AV *av = (AV *)SvRV(scheme);
        SV **e;
        s->check = 1;
        if ((e = av_fetch(av, 0, 0))) s->wildcards_in_cn = SvIV(*e);
        if ((e = av_fetch(av, 1, 0))) s->wildcards_in_alt = SvIV(*e);
        if ((e = av_fetch(av, 2, 0))) s->check_cn = SvIV(*e);
        if ((e = av_fetch(av, 3, 0))) s->ip_in_cn = SvIV(*e);
        return 1;
    }
    if (!SvOK(scheme))
        return 0;
    if (!iss_scheme_by_name(SvPV_nolen(scheme), s))
        croak("scheme %s not defined", SvPV_nolen(scheme));
    return 1;
}

/* ---- errors: every failure goes through the Perl side's one place ---- */

void glue_clear_error(pTHX)
{
    dMY_CXT;
    SV *e = GvSVn(MY_CXT.ssl_error);
    if (SvOK(e))
        sv_setsv(e, &PL_sv_undef);
    SETERRNO(0, 0);
}

/* The value of the constant IO::Socket::SSL::SSL_WANT_READ/_WRITE. */
static SV *want_value(pTHX_ my_cxt_t *cx, int for_write)
{
    if (!cx->want[for_write]) {
        CV *cv = get_cv(for_write ? "IO::Socket::SSL::SSL_WANT_WRITE"
                                  : "IO::Socket::SSL::SSL_WANT_READ", 0);
        SV *v = cv ? cv_const_sv(cv) : NULL;
        if (!v)
            return NULL;
        cx->want[for_write] = SvREFCNT_inc_simple_NN(v);
    }
    return cx->want[for_write];
}

/* Would-block and EINTR, which a non-blocking loop meets on every pass:
 * $SSL_ERROR, $! and (would-block) the socket's _SSL_last_err, set here
 * without a Perl call. The one place for these cases: _io_fail in Perl
 * calls it too (_Lib::io_wait_status). */
void glue_io_wait_status(pTHX_ SV *sock, int status, int saved)
{
    dMY_CXT;
    SV *err = GvSVn(MY_CXT.ssl_error);
    SV *want = want_value(aTHX_ &MY_CXT, status == ISS_WANT_WRITE);
    if (want)
        sv_setsv_mg(err, want);
    else                          /* the constants are gone: the bare number */
        sv_setiv_mg(err, status == ISS_WANT_WRITE ? 3 : 2);
    if (status == ISS_EINTR) {
        SETERRNO(EINTR, 0);
        return;
    }
    SETERRNO(saved ? saved : EWOULDBLOCK, 0);
    if (SvROK(sock) && SvTYPE(SvRV(sock)) == SVt_PVGV) {
        /* ${*$self}{_SSL_last_err} = [$SSL_ERROR, 4] */
        AV *av = newAV();
        av_extend(av, 1);
        av_store(av, 0, newSVsv(err));
        av_store(av, 1, newSViv(4));
        (void)hv_stores(GvHVn((GV *)SvRV(sock)), "_SSL_last_err", newRV_noinc((SV *)av));
    }
}

/* Calls IO::Socket::SSL::_io_fail($sock, $status, $what): sets $SSL_ERROR
 * and $! as the reference does for WANT_* and errors. */
void glue_io_fail(pTHX_ SV *sock, int status, const char *what)
{
    dSP;
    int saved = errno;
    if (status == ISS_WANT_READ || status == ISS_WANT_WRITE || status == ISS_EINTR) {
        glue_io_wait_status(aTHX_ sock, status, saved);
        return;
    }
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
 * which answers it or runs SSL_on_peer_shutdown. With the callback, the read
 * returns what it returned: _peer_shutdown hands back a reference to that
 * value, this returns a new mortal copy (NULL: the read returns 0). The
 * connection may be freed meanwhile: callers must not use it afterwards. */
SV *glue_peer_shutdown_check(pTHX_ SV *sock, iss_conn *c)
{
    SV *ret = NULL;
    if (c && iss_conn_take_peer_shutdown(c)) {
        dSP;
        int n;
        ENTER;
        SAVETMPS;
        PUSHMARK(SP);
        XPUSHs(sock);
        PUTBACK;
        n = call_pv("IO::Socket::SSL::_peer_shutdown", G_SCALAR);
        SPAGAIN;
        if (n == 1) {
            SV *r = POPs;
            if (SvROK(r))
                ret = newSVsv(SvRV(r));
        }
        PUTBACK;
        FREETMPS;
        LEAVE;
    }
    return ret ? sv_2mortal(ret) : NULL;
}

/* The arguments of a call: a mark, then args. */
static void push_args(pTHX_ SV **args, int nargs)
{
    dSP;
    int i;
    PUSHMARK(SP);
    EXTEND(SP, nargs);
    for (i = 0; i < nargs; i++)
        PUSHs(args[i]);
    PUTBACK;
}

/* Falls back to the plain-socket method when TLS is not active. */
int glue_call_plain(pTHX_ const char *method, SV **args, int nargs, I32 ctx)
{
    push_args(aTHX_ args, nargs);
    return call_method(method, ctx);
}

/* ---- Perl callbacks (run under G_EVAL) ----
 * Every call into Perl from under an OpenSSL frame goes through glue_call:
 * a die never unwinds across OpenSSL, it leaves $@ for the caller to record
 * or report. The caller brackets it with glue_cb_enter/glue_cb_leave: the
 * mortal arguments it makes and the results it reads live until the leave,
 * which also gives its own caller's $@ back. */

void glue_cb_enter(pTHX)
{
    ENTER;
    SAVETMPS;
    save_scalar(PL_errgv);    /* a callback never clobbers the caller's $@ */
}

void glue_cb_leave(pTHX)
{
    FREETMPS;
    LEAVE;
}

/* ---- callback results that are safe to read ----
 * What a callback returns (and $@ when it died) is read after call_sv is
 * back, outside its eval, with OpenSSL's frames below: a read that dies there
 * (an overloaded bool or "" that dies, a tied value whose FETCH dies, wide
 * characters where bytes are wanted) would longjmp across them. So a result
 * that is not plain - magic, or an object with overloading - is converted by
 * glue_xs_plain under G_EVAL first; a plain one is read as it is. */

/* IO::Socket::SSL::_Glue::plain($value, $kind): $value as a plain bool (b),
 * number (i) or string (s, B); undef stays undef. Only ever called under
 * G_EVAL, by result_fix and call_died. */
XS_INTERNAL(glue_xs_plain);
XS_INTERNAL(glue_xs_plain)
{
    dXSARGS;
    SV *v, *r;
    char kind;
    if (items != 2)
        croak_xs_usage(cv, "value, kind");
    v = ST(0);
    kind = *SvPV_nolen(ST(1));
    SvGETMAGIC(v);
    if (!SvOK(v)) {
        r = &PL_sv_undef;
    } else if (kind == 'b') {
        r = boolSV(SvTRUE_nomg(v));
    } else if (kind == 'i') {
        r = sv_2mortal(newSViv(SvIV_nomg(v)));
    } else {
        r = sv_newmortal();
        sv_copypv_nomg(r, v);
    }
    ST(0) = r;
    XSRETURN(1);
}

/* Not plain: reading it may run Perl code (magic, overloading). */
static int needs_eval(SV *sv)
{
    return SvGMAGICAL(sv) || (SvROK(sv) && SvAMAGIC(sv));
}

/* glue_xs_plain($sv, kind) under G_EVAL: the plain value (a mortal), or
 * NULL when the conversion died ($@ says why, as a plain string). */
static SV *plain_in_eval(pTHX_ SV *sv, char kind)
{
    dSP;
    CV *conv = get_cv("IO::Socket::SSL::_Glue::plain", 0);
    SV *args[2], *r = &PL_sv_undef;
    int n;
    if (!conv) {
        sv_setpvs(ERRSV, "IO::Socket::SSL::_Glue::plain is gone\n");
        return NULL;
    }
    args[0] = sv;
    args[1] = sv_2mortal(newSVpvn(&kind, 1));
    push_args(aTHX_ args, 2);
    n = call_sv(MUTABLE_SV(conv), G_SCALAR | G_EVAL);
    SPAGAIN;
    if (n == 1)
        r = POPs;
    PUTBACK;
    if (needs_eval(ERRSV)) {
        /* the conversion died with an exception object: not read either */
        sv_setpvs(ERRSV, "IO::Socket::SSL: reading a callback's result died"
                         " with an exception object\n");
        return NULL;
    }
    return SvTRUE_nomg(ERRSV) ? NULL : r;
}

/* Whether the call just made under G_EVAL died. A $@ that is not plain (an
 * exception object with overloading) becomes its string here, under G_EVAL
 * too, so that the callers' SvTRUE/SvPV of $@ cannot die either. */
static int call_died(pTHX)
{
    SV *err = ERRSV, *copy, *r;
    if (!needs_eval(err))
        return SvTRUE_nomg(err);
    /* a successful call leaves $@ empty: this is a death */
    copy = sv_newmortal();
    sv_setsv_flags(copy, err, SV_NOSTEAL);
    r = plain_in_eval(aTHX_ copy, 's');
    if (r && SvOK(r))
        sv_setsv_flags(ERRSV, r, SV_NOSTEAL);
    else
        sv_setpvs(ERRSV, "IO::Socket::SSL: a callback died with an exception object"
                         " that cannot be made a string\n");
    return 1;
}

/* Makes *res readable as kind (b: SvTRUE, i: SvIV, s: SvPV, B: SvPVbyte)
 * without running Perl code; 0, or -1 when that conversion died ($@). A
 * number from a string may warn, and a warning may die: only numbers are
 * plain for i. */
static int result_fix(pTHX_ SV **res, char kind)
{
    SV *sv = *res;
    if (needs_eval(sv) || (kind == 'i' && SvOK(sv) && !SvIOK(sv) && !SvNOK(sv))) {
        if (!(sv = plain_in_eval(aTHX_ sv, kind)))
            return -1;
    }
    if (kind == 'B' && SvPOK(sv) && SvUTF8(sv)) {
        sv = sv_mortalcopy(sv);
        if (!sv_utf8_downgrade(sv, TRUE)) {
            sv_setpvs(ERRSV, "Wide character in a callback's result, where bytes are expected\n");
            return -1;
        }
    }
    *res = sv;
    return 0;
}

int glue_call(pTHX_ SV *cb, I32 flags, SV **args, int nargs, SV **res, const char *as)
{
    dSP;
    int i, n, nres = as ? (int)strlen(as) : 0;
    push_args(aTHX_ args, nargs);
    n = call_sv(cb, flags | G_EVAL);
    SPAGAIN;
    for (i = 0; i < n && i < nres; i++)
        res[i] = *(SP - n + 1 + i);
    SP -= n;
    PUTBACK;
    if (call_died(aTHX))
        return -1;
    for (i = 0; i < n && i < nres; i++)
        if (result_fix(aTHX_ &res[i], as[i]) < 0)
            return -1;
    return n;
}

/* ---- contexts per interpreter ---- */

static void ctx_map_put(pTHX_ ctx_glue *g)
{
    dMY_CXT;
    g->next = MY_CXT.ctx_list;
    MY_CXT.ctx_list = g;
}

/* This interpreter's glue of ctx, NULL if it holds none. A program holds
 * few contexts at once; the one found moves to the front. */
ctx_glue *glue_ctx_find(pTHX_ iss_ctx *ctx)
{
    dMY_CXT;
    ctx_glue *g, *prev = NULL;
    for (g = MY_CXT.ctx_list; g; prev = g, g = g->next) {
        if (g->ctx == ctx) {
            if (prev) {
                prev->next = g->next;
                g->next = MY_CXT.ctx_list;
                MY_CXT.ctx_list = g;
            }
            return g;
        }
    }
    return NULL;
}

/* The glue of a new context (it takes over the caller's reference). */
ctx_glue *glue_ctx_new(pTHX_ iss_ctx *ctx)
{
    ctx_glue *g;
    Newxz(g, 1, ctx_glue);
    g->ctx = ctx;
    g->refs = 1;
    ctx_map_put(aTHX_ g);
    return g;
}

static void ctx_glue_release(pTHX_ ctx_glue *g)
{
    dMY_CXT;
    ctx_glue **pp;
    if (--g->refs > 0)
        return;
    for (pp = (ctx_glue **)&MY_CXT.ctx_list; *pp; pp = (ctx_glue **)&(*pp)->next)
        if (*pp == g) {
            *pp = g->next;
            break;
        }
    SvREFCNT_dec(g->verify_cb);
    SvREFCNT_dec(g->passwd_cb);
    SvREFCNT_dec(g->ticket_cb);
    SvREFCNT_dec(g->ticket_data);
    iss_ctx_decref(g->ctx);     /* the last owner in any thread frees the SSL_CTX */
    Safefree(g);
}

ctx_glue *glue_of(pTHX_ iss_ctx *ctx)
{
    ctx_glue *g = glue_ctx_find(aTHX_ ctx);
    if (!g)
        croak("IO::Socket::SSL::_Ctx: context unknown in this thread");
    return g;
}

/* The glue a callback of ctx runs with: the calling thread's. OpenSSL runs
 * it in the thread that drives the connection, whose interpreter is the
 * current one. */
static ctx_glue *hook_glue(pTHX_ void *data)
{
    return glue_ctx_find(aTHX_ (iss_ctx *)data);
}

/* ---- the glue of one connection ----
 * As CPython's _ssl: the connection holds a weak reference to its Perl
 * socket, handed to the callbacks that need it (no process-wide table from
 * SSL* to socket). A callback's $@ goes to the connection's own error record,
 * not the context's: SNI may move a connection to a per-host context while
 * it runs, and two handshakes may share one context. */
static void conn_glue_free(void *p)
{
    conn_glue *g = p;
    dGLUE_THX(g);
    SvREFCNT_dec(g->sock);
    if (g->ctxg)
        ctx_glue_release(aTHX_ g->ctxg);
    Safefree(g);
}

void glue_conn_attach(pTHX_ iss_conn *c, SV *sock)
{
    conn_glue *g;
    Newxz(g, 1, conn_glue);
#ifdef USE_ITHREADS
    g->perl = aTHX;
#endif
    if ((g->ctxg = glue_ctx_find(aTHX_ iss_conn_ctx(c))) != NULL)
        g->ctxg->refs++;
    if (SvROK(sock)) {
        g->sock = newRV_inc(SvRV(sock));
        sv_rvweaken(g->sock);   /* the socket owns the connection, not the reverse */
    }
    iss_conn_set_owner(c, g, conn_glue_free);
}

/* The connection's socket (a new mortal reference), or undef once it is gone. */
SV *glue_conn_sock(pTHX_ iss_conn *c)
{
    conn_glue *g = c ? iss_conn_owner(c) : NULL;
    if (g && g->sock && SvROK(g->sock))
        return sv_2mortal(newRV_inc(SvRV(g->sock)));
    return &PL_sv_undef;
}

/* Keeps $@ of a callback that died in the error record of its connection,
 * or of the context for callbacks without one (the key password while
 * loading). The record holds bytes: the text goes in as UTF-8 and comes
 * back out as characters (the accessor, xs/lib.xs). */
void glue_keep_error(pTHX_ iss_ctx *ctx, iss_conn *c)
{
    iss_error *rec = c ? iss_conn_error(c) : iss_ctx_error(ctx);
    SV *copy = sv_2mortal(newSVsv(ERRSV));
    const char *text;
    sv_utf8_upgrade(copy);
    text = SvPV_nolen(copy);
    iss_error_set(rec, ISS_E_CALLBACK, ISS_SEV_OPENSSL, "%s", text);
}

iss_error *glue_error_of(pTHX_ SV *obj)
{
    if (glue_find_mg(aTHX_ obj, &glue_conn_vtbl))
        return iss_conn_error(CONN(obj));
    if (glue_find_mg(aTHX_ obj, &glue_ctx_vtbl))
        return iss_ctx_error(CTX(obj));
    croak("not an IO::Socket::SSL::_Ctx or _Conn object");
    return NULL;
}

/* A callback whose scalar result says yes or no: 1 or 0; a die says no and
 * leaves $@ in c's error record (or ctx's). */
static int call_yes_no(pTHX_ SV *cb, SV **args, int nargs, iss_ctx *ctx, iss_conn *c)
{
    SV *res;
    int n = glue_call(aTHX_ cb, G_SCALAR, args, nargs, &res, "b");
    if (n < 0)
        glue_keep_error(aTHX_ ctx, c);
    return n == 1 && SvTRUE(res) ? 1 : 0;
}

/* ($ok, $store, $certname, $error, $cert, $depth, $socket): the reference's
 * six arguments, and the socket of the connection (undef if none) for the
 * Perl side's wrapper, which takes it off before the user's callback. */
int glue_verify_hook(void *data, iss_conn *c, int ok, iss_x509_store_ctx *store,
                     iss_x509 *x509, int depth, int err)
{
    dTHX;
    ctx_glue *g = hook_glue(aTHX_ data);
    int rv;
    char *issuer;
    char *subject;
    SV *certname, *args[7];
    if (!g || !g->verify_cb) {
        /* set in another thread only: fail closed */
        if (c)
            iss_error_set(iss_conn_error(c), ISS_E_CALLBACK, ISS_SEV_FATAL,
                          "SSL_verify_callback is not known in this thread");
        return 0;
    }
    issuer = x509 ? iss_x509_name_oneline(x509, 1) : NULL;
    subject = x509 ? iss_x509_name_oneline(x509, 0) : NULL;
    certname = newSVpvf("%s%s", issuer ? issuer : "", subject ? subject : "");
    free(issuer);
    free(subject);
    glue_cb_enter(aTHX);
    args[0] = sv_2mortal(newSViv(ok));
    args[1] = sv_2mortal(newSVuv(PTR2UV(store)));
    args[2] = sv_2mortal(certname);
    if (err) {
        char buf[256];
        iss_err_string((unsigned long)err, buf, sizeof buf);
        args[3] = sv_2mortal(newSVpvn(buf, strlen(buf)));
    } else {
        args[3] = sv_2mortal(newSViv(0));
    }
    args[4] = sv_2mortal(newSVuv(PTR2UV(x509)));
    args[5] = sv_2mortal(newSViv(depth));
    args[6] = glue_conn_sock(aTHX_ c);
    rv = call_yes_no(aTHX_ g->verify_cb, args, 7, g->ctx, c);
    glue_cb_leave(aTHX);
    return rv;
}

int glue_passwd_hook(void *data, int rwflag, char *buf, int size)
{
    dTHX;
    ctx_glue *g = hook_glue(aTHX_ data);
    int n, len = -1;
    SV *arg, *res;
    if (!g || !g->passwd_cb)
        return rwflag == 0 ? -1 : 0;
    glue_cb_enter(aTHX);
    arg = sv_2mortal(newSViv(rwflag));
    n = glue_call(aTHX_ g->passwd_cb, G_SCALAR, &arg, 1, &res, "s");
    if (n < 0) {
        glue_keep_error(aTHX_ g->ctx, NULL);
    } else if (n == 1 && SvOK(res)) {
        STRLEN l;
        const char *pw = SvPV(res, l);
        len = (int)(l < (STRLEN)size ? l : (STRLEN)size);
        memcpy(buf, pw, len);
    }
    glue_cb_leave(aTHX);
    return len < 0 ? (rwflag == 0 && len < 0 ? -1 : 0) : len;
}

/* IO::Socket::SSL::_session_new($socket, $session) */
int glue_session_hook(void *data, iss_conn *c, iss_session *sess)
{
    dTHX;
    ctx_glue *g = hook_glue(aTHX_ data);
    int keep;
    SV *args[2];
    if (!g)
        return 0;
    glue_cb_enter(aTHX);
    args[0] = glue_conn_sock(aTHX_ c);
    args[1] = sv_2mortal(newSVuv(PTR2UV(sess)));
    keep = call_yes_no(aTHX_ GLUE_SUB("_session_new"), args, 2, g->ctx, c);
    glue_cb_leave(aTHX);
    return keep;
}

int glue_ticket_hook(void *data, iss_conn *c, const unsigned char *name, unsigned char *key,
                     unsigned char *cur_name)
{
    dTHX;
    ctx_glue *g = hook_glue(aTHX_ data);
    int n, rv = -1;
    SV *args[2], *res[2];
    if (!g || !g->ticket_cb)
        return -1;
    glue_cb_enter(aTHX);
    args[0] = g->ticket_data ? g->ticket_data : &PL_sv_undef;
    if (name)
        args[1] = sv_2mortal(newSVpvn((const char *)name, 16));
    n = glue_call(aTHX_ g->ticket_cb, G_LIST, args, name ? 2 : 1, res, "BB");
    if (n < 0) {
        glue_keep_error(aTHX_ g->ctx, c);
    } else if (n == 0) {
        rv = 0;                   /* no such key */
    } else if (n >= 2) {
        STRLEN kl = 0, nl = 0;
        const char *k = SvOK(res[0]) ? SvPVbyte(res[0], kl) : "";
        const char *nm = SvOK(res[1]) ? SvPVbyte(res[1], nl) : "";
        /* as the reference (Net::SSLeay): a key name of 1 to 16 bytes,
         * padded with zero bytes to 16; anything else fails the handshake
         * with a message (where the reference's server process dies) */
        if (kl == 32 && nl >= 1 && nl <= 16) {
            memcpy(key, k, 32);
            memset(cur_name, 0, 16);
            memcpy(cur_name, nm, nl);
            rv = 1;
        } else {
            sv_setpvf(ERRSV, kl != 32 ? "SSL_ticket_keycb: the key must be 32 bytes, got %d"
                                      : "SSL_ticket_keycb: the key name must be 1 to 16 bytes, got %d",
                      (int)(kl != 32 ? kl : nl));
            glue_keep_error(aTHX_ g->ctx, c);
        }
    }
    glue_cb_leave(aTHX);
    return rv;
}

/* set_msg_callback: IO::Socket::SSL::_msg_callback($socket, $direction,
 * $ssl_version, $content_type, $buf, $len, $ssl). data is the connection. */
void glue_msg_hook(void *data, int write_p, int version, int content_type,
                   const void *buf, size_t len, iss_ssl *ssl)
{
    iss_conn *c = data;
    conn_glue *g = iss_conn_owner(c);
    dGLUE_THX(g);
    SV *args[7];
    glue_cb_enter(aTHX);
    args[0] = glue_conn_sock(aTHX_ c);
    args[1] = sv_2mortal(newSViv(write_p));
    args[2] = sv_2mortal(newSViv(version));
    args[3] = sv_2mortal(newSViv(content_type));
    args[4] = sv_2mortal(newSVpvn((const char *)buf, len));
    args[5] = sv_2mortal(newSVuv(len));
    args[6] = sv_2mortal(newSVuv(PTR2UV(ssl)));
    (void)glue_call(aTHX_ GLUE_SUB("_msg_callback"), G_DISCARD, args, 7, NULL, NULL);
    glue_cb_leave(aTHX);
}

/* ---- SSL_usebio: the transport is another Perl handle ---- */

void glue_io_free(void *p)
{
    io_glue *g = p;
    dGLUE_THX(g);
    SvREFCNT_dec(g->outer);
    Safefree(g);
}

/* $outer->sysread / ->syswrite under G_EVAL; undef with EAGAIN is
 * would-block, EINTR is a signal. */
static ssize_t io_call(io_glue *g, const char *method, char *rbuf, const char *wbuf, size_t len)
{
    dGLUE_THX(g);
    ssize_t rv = ISS_ERR;
    int n;
    SV *buf, *args[4], *r;
    glue_cb_enter(aTHX);
    buf = sv_2mortal(wbuf ? newSVpvn(wbuf, len) : newSVpvs(""));
    args[0] = g->outer;
    args[1] = sv_2mortal(newSVpvn(method, strlen(method)));
    args[2] = buf;
    args[3] = sv_2mortal(newSVuv(len));
    /* the Perl side makes the values plain; glue_call and result_fix check */
    n = glue_call(aTHX_ GLUE_SUB("_usebio_io"), G_SCALAR, args, 4, &r, "i");
    if (n < 0) {
        SV *err = sv_2mortal(newSVsv(ERRSV));
        (void)glue_call(aTHX_ GLUE_SUB("_usebio_died"), G_DISCARD, &err, 1, NULL, NULL);
    } else if (n == 1) {
        if (SvOK(r)) {
            IV v = SvIV(r);
            rv = v < 0 ? ISS_ERR : v > (IV)len ? (ssize_t)len : (ssize_t)v;   /* never more than asked */
            if (rbuf && rv > 0 && result_fix(aTHX_ &buf, 's') < 0) {
                rv = ISS_ERR;           /* reading the buffer died: as the call dying */
                buf = sv_2mortal(newSVsv(ERRSV));
                (void)glue_call(aTHX_ GLUE_SUB("_usebio_died"), G_DISCARD, &buf, 1, NULL, NULL);
            } else if (rbuf && rv > 0) {
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
    glue_cb_leave(aTHX);
    return rv;
}

ssize_t glue_io_read(void *data, char *buf, size_t len)
{
    return io_call(data, "sysread", buf, NULL, len);
}

ssize_t glue_io_write(void *data, const char *buf, size_t len)
{
    return io_call(data, "syswrite", NULL, buf, len);
}

/* ---- I/O helpers ---- */
NV glue_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

SV *glue_cstr_sv(pTHX_ char *s)
{
    SV *sv;
    if (!s)
        return &PL_sv_undef;
    sv = sv_2mortal(newSVpv(s, 0));
    free(s);
    return sv;
}

void glue_alt_push(void *data, int type, const char *val, size_t len)
{
    dTHX;
    AV *av = data;
    av_push(av, newSViv(type));
    av_push(av, newSVpvn(val, len));
}

/* ---- Utils: certificates taken apart and made ---- */

/* croaks "what: <OpenSSL errors>" */
void glue_croak_ssl(pTHX_ const char *what)
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
void glue_put_name_entry(void *data, const char *key, const char *val, size_t len)
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

void glue_put_eku(void *data, const char *key, const char *val, size_t len)
{
    dTHX;
    SV **list = hv_fetch((HV *)data, key, (I32)strlen(key), 0);
    if (list && SvROK(*list))
        av_push((AV *)SvRV(*list), newSVpvn(val, len));
}

void glue_push_handle(void *data, iss_x509 *x509)
{
    dTHX;
    av_push((AV *)data, newSVuv(PTR2UV(x509)));
}

SV *glue_list_ref(pTHX_ void (*get)(const iss_x509 *, iss_str_fn, void *),
                  const iss_x509 *x509)
{
    AV *av = newAV();
    get(x509, push_str, av);
    return newRV_noinc((SV *)av);
}

static void init_cxt(pTHX_ my_cxt_t *cxt)
{
    /* READLINE's borrowed view of a line (see glue_readline) */
    cxt->line = newSV_type(SVt_PV);
    SvPV_set(cxt->line, (char *)"");
    SvLEN_set(cxt->line, 0);
    SvPOK_only(cxt->line);
    SvREADONLY_on(cxt->line);
    cxt->ctx_list = NULL;
    cxt->want[0] = cxt->want[1] = NULL;
    cxt->ssl_error = gv_fetchpvs("IO::Socket::SSL::SSL_ERROR", GV_ADD | GV_ADDMULTI, SVt_PV);
}

/* IO::Socket::SSL::SSL_WANT_READ/_WRITE: constant dualvars. The module's
 * Perl stubs of these names (they exist from `use` on, before this shared
 * object is loaded) have lost their bodies by now, so newCONSTSUB fills in
 * those very subs: imported copies become the constants too. */
static void make_want_const(pTHX_ HV *stash, const char *name, IV n, const char *text)
{
    SV *sv = newSVpv(text, 0);
    (void)SvUPGRADE(sv, SVt_PVIV);
    SvIV_set(sv, n);
    SvIOK_on(sv);
    SvREADONLY_on(sv);    /* as `use constant` makes it */
    newCONSTSUB(stash, name, sv);
}

void glue_boot(pTHX)
{
    HV *stash = gv_stashpvs("IO::Socket::SSL", GV_ADD);
    MY_CXT_INIT;
    newXS("IO::Socket::SSL::_Glue::plain", glue_xs_plain, __FILE__);
    make_want_const(aTHX_ stash, "SSL_WANT_READ", 2, "SSL wants a read first");
    make_want_const(aTHX_ stash, "SSL_WANT_WRITE", 3, "SSL wants a write first");
    /* OpenSSL itself starts with the first context: loading the module stays cheap */
    init_cxt(aTHX_ &MY_CXT);
    /* a wait in the core ends as soon as a Perl signal is pending */
    iss_set_signal_flag((const volatile int *)&PL_sig_pending);
}

void glue_clone(pTHX)
{
    MY_CXT_CLONE;
    init_cxt(aTHX_ &MY_CXT);
    ctx_take_pending(aTHX);
}
