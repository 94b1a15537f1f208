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

/* SSL_ocsp_staple_callback: cb->($sock, $resp or undef); a die fails the
 * handshake, and its $@ (kept on the connection) becomes the error. */
int glue_ocsp_staple_hook(void *data, iss_conn *c, void *resp)
{
    ocsp_hook *h = data;
    dGLUE_THX(h);
    int ok = 1;
    SV *args[2];
    glue_cb_enter(aTHX);
    args[0] = glue_conn_sock(aTHX_ c);
    args[1] = resp ? sv_2mortal(newSVuv(PTR2UV(resp))) : &PL_sv_undef;
    if (glue_call(aTHX_ h->cb, G_DISCARD, args, 2, NULL, NULL) < 0) {
        if (c)
            glue_keep_error(aTHX_ NULL, c);
        ok = 0;
    }
    glue_cb_leave(aTHX);
    return ok;
}

/* SSL_ocsp_staple as a code reference: cb->($sock) returns the DER response
 * (or undef/'' for none). A die means no staple this time, and a warning: a
 * failed refresh must not take the server down. */
void glue_ocsp_staple_source(void *data, iss_conn *c, iss_staple_give give, void *arg)
{
    ocsp_hook *h = data;
    dGLUE_THX(h);
    int n;
    SV *sock, *rv;
    glue_cb_enter(aTHX);
    sock = glue_conn_sock(aTHX_ c);
    n = glue_call(aTHX_ h->cb, G_SCALAR, &sock, 1, &rv, "B");
    if (n < 0) {
        SV *msg = sv_2mortal(newSVpvf("IO::Socket::SSL: SSL_ocsp_staple callback died: %" SVf,
                                      SVfARG(ERRSV)));
        /* warn may die too (a __WARN__ handler): it runs under G_EVAL as well */
        (void)glue_call(aTHX_ GLUE_SUB("_ocsp_source_died"), G_DISCARD, &msg, 1, NULL, NULL);
    } else if (n == 1 && SvOK(rv) && !SvROK(rv)) {
        STRLEN len;
        const char *p = SvPVbyte(rv, len);
        if (len)
            give(arg, (const unsigned char *)p, len);
    }
    glue_cb_leave(aTHX);
}

SSize_t glue_ocsp_ids(pTHX_ AV *ids, const unsigned char ***p, size_t **lens)
{
    SSize_t i, n = av_len(ids) + 1;
    *p = NULL;
    *lens = NULL;
    if (n <= 0)
        return 0;
    Newx(*p, n, const unsigned char *);
    SAVEFREEPV(*p);
    Newx(*lens, n, size_t);
    SAVEFREEPV(*lens);
    for (i = 0; i < n; i++) {
        SV **sv = av_fetch(ids, i, 0);
        STRLEN l = 0;
        (*p)[i] = (const unsigned char *)(sv ? SvPVbyte(*sv, l) : "");
        (*lens)[i] = l;
    }
    return n;
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
