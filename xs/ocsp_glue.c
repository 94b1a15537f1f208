/* xs/ocsp_glue.c: the Perl side of the OCSP hooks of the core (c_src/ocsp.c):
 * the client's SSL_ocsp_staple_callback and a server's per-handshake staple
 * source, each run under G_EVAL; and the checked handle of the resolver's
 * trust (IO::Socket::SSL::_OCSPTrust). */
#include "glue.h"
#include "ocsp.h"

struct ocsp_hook {
    SV *cb;
#ifdef USE_ITHREADS
    PerlInterpreter *perl;
#endif
};

ocsp_hook *glue_ocsp_hook_new(pTHX_ SV *cb)
{
    ocsp_hook *h;
    Newxz(h, 1, ocsp_hook);
    h->cb = newSVsv(cb);
#ifdef USE_ITHREADS
    h->perl = aTHX;
#endif
    return h;
}

void glue_ocsp_hook_free(void *p)
{
    ocsp_hook *h = p;
    dGLUE_THX(h);
    SvREFCNT_dec(h->cb);
    Safefree(h);
}

/* The connection's socket (a new mortal reference), or undef. */
/* SSL_ocsp_staple_callback: cb->($sock, $resp or undef); a die fails the
 * handshake, and its $@ (kept on the connection) becomes the error. */
int glue_ocsp_staple_hook(void *data, iss_conn *c, void *resp)
{
    ocsp_hook *h = data;
    dGLUE_THX(h);
    dSP;
    int ok = 1;
    ENTER;
    SAVETMPS;
    save_scalar(PL_errgv);
    PUSHMARK(SP);
    EXTEND(SP, 2);
    PUSHs(glue_conn_sock(aTHX_ c));
    if (resp)
        mPUSHu(PTR2UV(resp));
    else
        PUSHs(&PL_sv_undef);
    PUTBACK;
    call_sv(h->cb, G_DISCARD | G_EVAL);
    SPAGAIN;
    if (SvTRUE(ERRSV)) {
        if (c)
            glue_keep_error(aTHX_ NULL, c);
        ok = 0;
    }
    PUTBACK;
    FREETMPS;
    LEAVE;
    return ok;
}

/* SSL_ocsp_staple as a code reference: cb->($sock) returns the DER response
 * (or undef/'' for none). A die means no staple this time, and a warning: a
 * failed refresh must not take the server down. */
void glue_ocsp_staple_source(void *data, iss_conn *c, iss_staple_give give, void *arg)
{
    ocsp_hook *h = data;
    dGLUE_THX(h);
    dSP;
    int n;
    ENTER;
    SAVETMPS;
    save_scalar(PL_errgv);
    PUSHMARK(SP);
    XPUSHs(glue_conn_sock(aTHX_ c));
    PUTBACK;
    n = call_sv(h->cb, G_SCALAR | G_EVAL);
    SPAGAIN;
    if (SvTRUE(ERRSV)) {
        SV *msg = sv_2mortal(newSVpvf("IO::Socket::SSL: SSL_ocsp_staple callback died: %" SVf,
                                      SVfARG(ERRSV)));
        SP -= n;
        PUTBACK;
        /* warn may die too (a __WARN__ handler): keep it inside an eval */
        PUSHMARK(SP);
        XPUSHs(msg);
        PUTBACK;
        call_pv("IO::Socket::SSL::_ocsp_source_died", G_DISCARD | G_EVAL);
    } else {
        SV *rv = n == 1 ? TOPs : NULL;
        if (rv && SvOK(rv) && !SvROK(rv)) {
            STRLEN len;
            const char *p = SvPVbyte(rv, len);
            if (len)
                give(arg, (const unsigned char *)p, len);
        }
        SP -= n;
        PUTBACK;
    }
    FREETMPS;
    LEAVE;
}

/* A hash like an entry of Net::SSLeay's OCSP_response_results. */
static SV *single_hv(pTHX_ const iss_ocsp_single *s)
{
    HV *hv = newHV();
    (void)hv_stores(hv, "statusType", newSViv(s->status));
    if (s->this_update)
        (void)hv_stores(hv, "thisUpdate", newSVnv((NV)s->this_update));
    if (s->next_update)
        (void)hv_stores(hv, "nextUpdate", newSVnv((NV)s->next_update));
    if (s->status == ISS_OCSP_REVOKED) {
        (void)hv_stores(hv, "revocationTime", newSVnv((NV)s->revocation_time));
        (void)hv_stores(hv, "revocationReason", newSViv(s->reason));
        (void)hv_stores(hv, "revocationReason_str",
                        newSVpv(iss_ocsp_reason_str(s->reason), 0));
    }
    return newRV_noinc((SV *)hv);
}

/* [certid, \%status or undef, error or undef] */
SV *glue_ocsp_result_av(pTHX_ const unsigned char *id, size_t idlen, const iss_ocsp_single *s)
{
    AV *av = newAV();
    av_push(av, newSVpvn((const char *)id, idlen));
    av_push(av, s->found ? single_hv(aTHX_ s) : newSV(0));
    av_push(av, s->error ? newSVpv(s->error, 0) : newSV(0));
    return newRV_noinc((SV *)av);
}

static int trust_mg_free(pTHX_ SV *sv, MAGIC *mg)
{
    PERL_UNUSED_ARG(sv);
    iss_ocsp_trust_free((iss_ocsp_trust *)mg->mg_ptr);
    mg->mg_ptr = NULL;
    return 0;
}

/* A cloned thread gets a dead handle: it must never free what its parent owns. */
static int trust_mg_dup(pTHX_ MAGIC *mg, CLONE_PARAMS *param)
{
    PERL_UNUSED_ARG(param);
    mg->mg_ptr = NULL;
    return 0;
}

MGVTBL glue_trust_vtbl = { 0, 0, 0, 0, trust_mg_free, 0, trust_mg_dup, 0 };

static void first_uri(void *data, const char *key, const char *val, size_t len)
{
    SV *sv = data;
    PERL_UNUSED_ARG(key);
    if (!SvOK(sv)) {
        dTHX;
        sv_setpvn(sv, val, len);
    }
}

/* The first OCSP URL of the certificate's AIA, or undef (a new SV). */
SV *glue_ocsp_uri(pTHX_ void *x509)
{
    SV *sv = newSV(0);
    iss_x509_ocsp_uris(x509, first_uri, sv);
    return sv;
}
