/* ocsp.c: OCSP (RFC 6960): certificate ids, requests, response checks, and
 * stapling on both sides (RFC 6066 8; must-staple per RFC 7633). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/ocsp.h>
#include "iss_internal.h"
#include "ocsp.h"

struct iss_ocsp_trust {
    X509_STORE *store;        /* counted reference */
    STACK_OF(X509) *certs;    /* untrusted helpers, counted references */
};

/* What a context does about OCSP. */
typedef struct ocsp_cfg {
    int client_flags;         /* ISS_OCSP_ASK | MUST | CHECK */
    iss_staple_hook hook;     /* SSL_ocsp_staple_callback */
    iss_owned hook_data;
    unsigned char *staple;    /* server: fixed DER response */
    size_t staple_len;
    iss_staple_source source; /* server: asked per handshake */
    iss_owned source_data;
} ocsp_cfg;

/* What a connection learned from the staple. */
typedef struct ocsp_res {
    unsigned char *id;
    size_t idlen;
    iss_ocsp_single s;
} ocsp_res;

typedef struct ocsp_state {
    int state;                /* ISS_STAPLE_* */
    char *msg;                /* NULL for none; as long as the text: every client
                               * connection that asks for a staple keeps one */
    ocsp_res *res;
    int nres;
} ocsp_state;

/* ---- small helpers ---- */

/* Seconds since the epoch (as Net::SSLeay reports them), 0 when absent. */
static long long asn1_time_t(const ASN1_GENERALIZEDTIME *t)
{
    ASN1_TIME *epoch;
    int days = 0, secs = 0, ok;
    if (!t || !(epoch = ASN1_TIME_set(NULL, 0)))
        return 0;
    ok = ASN1_TIME_diff(&days, &secs, epoch, t);
    ASN1_TIME_free(epoch);
    return ok ? (long long)days * 86400 + secs : 0;
}

static void set_err(char *err, size_t errlen, const char *what)
{
    char ossl[512];
    size_t n = iss_err_drain(ossl, sizeof ossl);
    if (err && errlen)
        snprintf(err, errlen, n ? "%s: %s" : "%s", what, ossl);
}

const char *iss_ocsp_reason_str(int reason)
{
    return reason < 0 ? "" : OCSP_crl_reason_str(reason);
}

static OCSP_RESPONSE *parse_response(const unsigned char *der, size_t len, char *err,
                                     size_t errlen)
{
    const unsigned char *p = der;
    OCSP_RESPONSE *r;
    if (!der || len == 0 || len > ISS_OCSP_MAX_RESPONSE || len > LONG_MAX) {
        if (err && errlen)
            snprintf(err, errlen, "%s", len ? "response too large" : "empty response");
        return NULL;
    }
    r = d2i_OCSP_RESPONSE(NULL, &p, (long)len);
    if (r && p != der + len) {
        OCSP_RESPONSE_free(r);   /* trailing bytes: not what the responder sent */
        r = NULL;
    }
    if (!r)
        set_err(err, errlen, "invalid response (no OCSP_RESPONSE)");
    return r;
}

int iss_ocsp_response_parses(const unsigned char *der, size_t len)
{
    OCSP_RESPONSE *r = parse_response(der, len, NULL, 0);
    ERR_clear_error();
    OCSP_RESPONSE_free(r);
    return r != NULL;
}

void *iss_ocsp_response_d2i(const unsigned char *der, size_t len)
{
    OCSP_RESPONSE *r = parse_response(der, len, NULL, 0);
    ERR_clear_error();
    return r;
}

void iss_ocsp_response_free(void *resp) { OCSP_RESPONSE_free(resp); }

unsigned char *iss_ocsp_raw_i2d(const void *resp, size_t *len)
{
    unsigned char *der = NULL, *p;
    int n = resp ? i2d_OCSP_RESPONSE(resp, NULL) : -1;
    if (n > 0 && (der = malloc(n))) {
        p = der;
        i2d_OCSP_RESPONSE(resp, &p);
        *len = (size_t)n;
    }
    return der;
}

int iss_ocsp_raw_status(const void *resp)
{
    return resp ? OCSP_response_status((OCSP_RESPONSE *)resp) : -1;
}

const char *iss_ocsp_status_str(int status) { return OCSP_response_status_str(status); }

int iss_x509_must_staple(const void *x509)
{
    int crit = -1, i, must = 0;
    STACK_OF(ASN1_INTEGER) *feat = X509_get_ext_d2i(x509, NID_tlsfeature, &crit, NULL);
    if (!feat) {
        ERR_clear_error();
        return crit != -1;        /* present but unreadable: fail closed */
    }
    for (i = 0; i < sk_ASN1_INTEGER_num(feat); i++)
        if (ASN1_INTEGER_get(sk_ASN1_INTEGER_value(feat, i)) == TLSEXT_TYPE_status_request)
            must = 1;
    sk_ASN1_INTEGER_pop_free(feat, ASN1_INTEGER_free);
    return must;
}

/* ---- trust ---- */

iss_ocsp_trust *iss_ocsp_trust_new(void)
{
    iss_ocsp_trust *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->store = X509_STORE_new();
    t->certs = sk_X509_new_null();
    if (!t->store || !t->certs) {
        iss_ocsp_trust_free(t);
        return NULL;
    }
    /* an anchor added here is trusted as it is: the issuer of the
     * certificate asked about may be an intermediate CA */
    X509_STORE_set_flags(t->store, X509_V_FLAG_PARTIAL_CHAIN);
    return t;
}

void iss_ocsp_trust_free(iss_ocsp_trust *t)
{
    if (!t)
        return;
    X509_STORE_free(t->store);
    sk_X509_pop_free(t->certs, X509_free);
    free(t);
}

static int push_copy(STACK_OF(X509) *sk, X509 *x)
{
    if (!X509_up_ref(x))
        return 0;
    if (!sk_X509_push(sk, x)) {
        X509_free(x);
        return 0;
    }
    return 1;
}

int iss_ocsp_trust_add(iss_ocsp_trust *t, const void *x509, int trusted)
{
    X509 *x = (X509 *)x509;
    if (!x)
        return 0;
    return trusted ? X509_STORE_add_cert(t->store, x) : push_copy(t->certs, x);
}

int iss_ocsp_trust_load_file(iss_ocsp_trust *t, const char *file)
{
    return X509_STORE_load_file(t->store, file);
}

iss_ocsp_trust *iss_ocsp_trust_from_conn(iss_conn *c)
{
    iss_ocsp_trust *t;
    STACK_OF(X509) *lists[2];
    int i, j;
    if (!c || !c->ssl)
        return NULL;
    t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->store = SSL_CTX_get_cert_store(SSL_get_SSL_CTX(c->ssl));
    if (!t->store || !X509_STORE_up_ref(t->store)) {
        t->store = NULL;
        goto err;
    }
    if (!(t->certs = sk_X509_new_null()))
        goto err;
    /* the verified chain has the issuers up to the anchor; what the peer
     * sent may hold more (a delegated responder's issuer, a cross cert) */
    lists[0] = SSL_get0_verified_chain(c->ssl);
    lists[1] = SSL_get_peer_cert_chain(c->ssl);
    for (j = 0; j < 2; j++)
        for (i = 0; lists[j] && i < sk_X509_num(lists[j]); i++)
            if (!push_copy(t->certs, sk_X509_value(lists[j], i)))
                goto err;
    return t;
err:
    iss_ocsp_trust_free(t);
    return NULL;
}

unsigned char *iss_ocsp_certid(const void *cert, const void *issuer, size_t *len)
{
    OCSP_CERTID *id;
    unsigned char *der = NULL, *p;
    int n;
    if (!cert || !issuer)
        return NULL;
    id = OCSP_cert_to_id(NULL, cert, issuer);
    if (!id)
        return NULL;
    n = i2d_OCSP_CERTID(id, NULL);
    if (n > 0 && (der = malloc(n))) {
        p = der;
        i2d_OCSP_CERTID(id, &p);
        *len = (size_t)n;
    }
    OCSP_CERTID_free(id);
    return der;
}

/* The issuer of cert: a certificate of the chain that issued it, else the
 * store's; a new reference or NULL. */
static X509 *find_issuer(iss_ocsp_trust *t, X509 *cert)
{
    X509 *issuer = NULL;
    X509_STORE_CTX *sctx;
    int i;
    for (i = 0; i < sk_X509_num(t->certs); i++) {
        X509 *x = sk_X509_value(t->certs, i);
        if (X509_cmp(x, cert) != 0 && X509_check_issued(x, cert) == X509_V_OK)
            return X509_up_ref(x) ? x : NULL;
    }
    sctx = X509_STORE_CTX_new();
    if (sctx && X509_STORE_CTX_init(sctx, t->store, cert, NULL) &&
        X509_STORE_CTX_get1_issuer(&issuer, sctx, cert) <= 0)
        issuer = NULL;
    X509_STORE_CTX_free(sctx);
    return issuer;
}

unsigned char *iss_ocsp_trust_certid(iss_ocsp_trust *t, const void *cert, size_t *len,
                                     const char **err)
{
    X509 *issuer = find_issuer(t, (X509 *)cert);
    unsigned char *der;
    ERR_clear_error();
    if (!issuer) {
        *err = "cannot find issuer certificate";
        return NULL;
    }
    der = iss_ocsp_certid(cert, issuer, len);
    X509_free(issuer);
    if (!der)
        *err = "out of memory for generating OCSP certid";
    ERR_clear_error();
    return der;
}

unsigned char *iss_ocsp_request(const unsigned char *const *ids, const size_t *lens, int n,
                                size_t *len)
{
    OCSP_REQUEST *req = OCSP_REQUEST_new();
    unsigned char *der = NULL, *p;
    int i, m;
    if (!req)
        return NULL;
    for (i = 0; i < n; i++) {
        const unsigned char *q = ids[i];
        OCSP_CERTID *id = d2i_OCSP_CERTID(NULL, &q, (long)lens[i]);
        if (!id)
            goto done;
        if (!OCSP_request_add0_id(req, id)) {
            OCSP_CERTID_free(id);
            goto done;
        }
    }
    /* a fresh nonce binds the answer to this request (RFC 6960 4.4.1) */
    if (!OCSP_request_add1_nonce(req, NULL, -1))
        goto done;
    m = i2d_OCSP_REQUEST(req, NULL);
    if (m > 0 && (der = malloc(m))) {
        p = der;
        i2d_OCSP_REQUEST(req, &p);
        *len = (size_t)m;
    }
done:
    OCSP_REQUEST_free(req);
    ERR_clear_error();
    return der;
}

static void single_of(OCSP_BASICRESP *bs, const unsigned char *idder, size_t idlen,
                      iss_ocsp_single *out)
{
    const unsigned char *q = idder;
    OCSP_CERTID *id = d2i_OCSP_CERTID(NULL, &q, (long)idlen);
    ASN1_GENERALIZEDTIME *rev = NULL, *thisupd = NULL, *nextupd = NULL;
    OCSP_SINGLERESP *sr;
    int idx;
    memset(out, 0, sizeof *out);
    out->reason = -1;
    if (!id || (idx = OCSP_resp_find(bs, id, -1)) < 0 || !(sr = OCSP_resp_get0(bs, idx))) {
        out->error = id ? "cannot find entry for certificate in OCSP response"
                        : "failed to get OCSP certid from string";
        OCSP_CERTID_free(id);
        return;
    }
    OCSP_CERTID_free(id);
    out->found = 1;
    out->status = OCSP_single_get0_status(sr, &out->reason, &rev, &thisupd, &nextupd);
    out->this_update = asn1_time_t(thisupd);
    out->next_update = asn1_time_t(nextupd);
    out->revocation_time = asn1_time_t(rev);
    if (out->status != V_OCSP_CERTSTATUS_REVOKED)
        out->reason = -1;
    out->time_ok = OCSP_check_validity(thisupd, nextupd, ISS_OCSP_LEEWAY, -1) == 1;
    /* a revocation stays one however old the answer (certificateHold aside,
     * which a later good answer lifts); any other status needs a fresh one */
    if (out->status == V_OCSP_CERTSTATUS_REVOKED)
        out->error = "certificate status is revoked";
    else if (!out->time_ok)
        out->error = "response not yet valid or expired";
    else if (out->status != V_OCSP_CERTSTATUS_GOOD)
        out->error = "certificate status is unknown";
}

int iss_ocsp_trust_check(iss_ocsp_trust *t, const unsigned char *der, size_t len,
                         const unsigned char *req, size_t reqlen,
                         const unsigned char *const *ids, const size_t *idlens, int n,
                         iss_ocsp_single *out, char *err, size_t errlen)
{
    OCSP_RESPONSE *r;
    OCSP_BASICRESP *bs = NULL;
    OCSP_REQUEST *oreq = NULL;
    int rc = ISS_OCSP_EINVALID, status, i;
    if (err && errlen)
        *err = '\0';
    ERR_clear_error();
    if (!(r = parse_response(der, len, err, errlen)))
        return ISS_OCSP_EINVALID;
    status = OCSP_response_status(r);
    if (status != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
        if (err && errlen)
            snprintf(err, errlen, "OCSP response failed: %s", OCSP_response_status_str(status));
        rc = ISS_OCSP_ESTATUS;
        goto done;
    }
    if (!(bs = OCSP_response_get1_basic(r))) {
        set_err(err, errlen, "invalid response (no basic response)");
        goto done;
    }
    if (req) {
        const unsigned char *q = req;
        if (!(oreq = d2i_OCSP_REQUEST(NULL, &q, (long)reqlen))) {
            set_err(err, errlen, "invalid OCSP request");
            goto done;
        }
        /* 0: both carry a nonce and they differ; a responder that sends
         * pre-signed answers without one (-1) is allowed, as 2.099 does */
        if (OCSP_check_nonce(oreq, bs) == 0) {
            if (err && errlen)
                snprintf(err, errlen, "nonce in OCSP response does not match request");
            rc = ISS_OCSP_ENONCE;
            goto done;
        }
    }
    if (OCSP_basic_verify(bs, t->certs, t->store, 0) <= 0) {
        set_err(err, errlen, "failed to verify OCSP response");
        rc = ISS_OCSP_EVERIFY;
        goto done;
    }
    for (i = 0; i < n; i++)
        single_of(bs, ids[i], idlens[i], &out[i]);
    rc = ISS_OCSP_OK;
done:
    OCSP_REQUEST_free(oreq);
    OCSP_BASICRESP_free(bs);
    OCSP_RESPONSE_free(r);
    ERR_clear_error();
    return rc;
}

int iss_ocsp_check_response(const unsigned char *der, size_t len, const void *cert,
                            const void *issuer, iss_ocsp_single *out, char *err,
                            size_t errlen)
{
    iss_ocsp_trust *t = iss_ocsp_trust_new();
    unsigned char *id = NULL;
    size_t idlen = 0;
    int rc = ISS_OCSP_ENOMEM;
    if (!t || !iss_ocsp_trust_add(t, issuer, 1) ||
        !(id = iss_ocsp_certid(cert, issuer, &idlen))) {
        if (err && errlen)
            snprintf(err, errlen, "cannot set up the check");
        goto done;
    }
    {
        const unsigned char *ids[1] = { id };
        rc = iss_ocsp_trust_check(t, der, len, NULL, 0, ids, &idlen, 1, out, err, errlen);
    }
done:
    free(id);
    iss_ocsp_trust_free(t);
    ERR_clear_error();
    return rc;
}

/* ---- per context and per connection state ---- */

static ocsp_cfg *cfg_of(iss_ctx *ctx)
{
    if (!ctx->ocsp)
        ctx->ocsp = calloc(1, sizeof(ocsp_cfg));
    return ctx->ocsp;
}

/* cfg_of for a setter that takes over data: without memory, data is freed
 * here, as the setter promises. */
static ocsp_cfg *cfg_taking(iss_ctx *ctx, void *data, void (*free_fn)(void *))
{
    ocsp_cfg *cfg = cfg_of(ctx);
    if (!cfg && free_fn)
        free_fn(data);
    return cfg;
}

void iss_ocsp_ctx_free(iss_ctx *ctx)
{
    ocsp_cfg *cfg = ctx->ocsp;
    if (!cfg)
        return;
    iss_owned_clear(&cfg->hook_data);
    iss_owned_clear(&cfg->source_data);
    free(cfg->staple);
    free(cfg);
    ctx->ocsp = NULL;
}

static void state_clear(ocsp_state *st)
{
    int i;
    for (i = 0; i < st->nres; i++)
        free(st->res[i].id);
    free(st->res);
    st->res = NULL;
    st->nres = 0;
}

void iss_ocsp_conn_free(iss_conn *c)
{
    if (!c->ocsp)
        return;
    state_clear(c->ocsp);
    free(c->ocsp->msg);
    free(c->ocsp);
    c->ocsp = NULL;
}

int iss_conn_ocsp_state(iss_conn *c, const char **msg)
{
    ocsp_state *st = c->ocsp;
    *msg = st && st->msg && st->msg[0] ? st->msg : NULL;
    return st ? st->state : ISS_STAPLE_NOT_RUN;
}

int iss_conn_ocsp_result(iss_conn *c, int i, const unsigned char **id, size_t *idlen,
                         iss_ocsp_single *out)
{
    ocsp_state *st = c->ocsp;
    if (!st || i < 0 || i >= st->nres)
        return 0;
    *id = st->res[i].id;
    *idlen = st->res[i].idlen;
    *out = st->res[i].s;
    return 1;
}

static void state_msg(ocsp_state *st, int state, const char *fmt, const char *a,
                      const char *b)
{
    char buf[256];
    st->state = state;
    snprintf(buf, sizeof buf, fmt, a ? a : "", b ? b : "");
    free(st->msg);
    st->msg = strdup(buf);    /* out of memory: no text, the state still tells */
}

/* ---- client: the staple ---- */

/* Checks the stapled response against every certificate of the chain it
 * answers for (the leaf must be among them). */
static void check_staple(iss_conn *c, ocsp_state *st, const unsigned char *der, size_t len)
{
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(c->ssl);
    iss_ocsp_trust *t = iss_ocsp_trust_from_conn(c);
    const unsigned char **ids = NULL;
    size_t *lens = NULL;
    iss_ocsp_single *out = NULL;
    char err[256];
    int n = chain ? sk_X509_num(chain) : 0, i, m = 0, rc;
    if (!t || n == 0 || !(st->res = calloc(n, sizeof *st->res)) ||
        !(ids = calloc(n, sizeof *ids)) || !(lens = calloc(n, sizeof *lens)) ||
        !(out = calloc(n, sizeof *out))) {
        state_msg(st, ISS_STAPLE_UNUSABLE, "cannot check the stapled OCSP response%s%s",
                  NULL, NULL);
        goto done;
    }
    for (i = 0; i < n; i++) {
        const char *why = NULL;
        unsigned char *id = iss_ocsp_trust_certid(t, sk_X509_value(chain, i),
                                                  &st->res[m].idlen, &why);
        if (!id) {
            if (i == 0) {
                state_msg(st, ISS_STAPLE_UNUSABLE, "cannot create OCSP_CERTID: %s%s", why,
                          NULL);
                goto done;
            }
            break;                /* the rest of the chain cannot be asked about */
        }
        st->res[m].id = id;
        ids[m] = id;
        lens[m] = st->res[m].idlen;
        m++;
    }
    st->nres = m;
    rc = iss_ocsp_trust_check(t, der, len, NULL, 0, ids, lens, m, out, err, sizeof err);
    if (rc != ISS_OCSP_OK) {
        state_clear(st);
        state_msg(st, ISS_STAPLE_UNUSABLE, "%s%s", err, NULL);
        goto done;
    }
    for (i = 0; i < m; i++)
        st->res[i].s = out[i];
    /* a hard error anywhere in the chain decides; else the leaf's answer */
    for (i = 0; i < m; i++) {
        if (out[i].found && out[i].status != ISS_OCSP_GOOD &&
            (out[i].status == ISS_OCSP_REVOKED || out[i].time_ok)) {
            char *subj = iss_x509_name_oneline(sk_X509_value(chain, i), 0);
            char why[160];
            if (out[i].reason >= 0)
                snprintf(why, sizeof why, "%s (reason: %s)", out[i].error,
                         iss_ocsp_reason_str(out[i].reason));
            else
                snprintf(why, sizeof why, "%s", out[i].error);
            state_msg(st, ISS_STAPLE_REVOKED, "%s; subject: %s", why, subj);
            free(subj);
            goto done;
        }
    }
    if (!out[0].found || out[0].error)
        state_msg(st, ISS_STAPLE_UNUSABLE, "%s%s", out[0].error, NULL);
    else
        state_msg(st, ISS_STAPLE_GOOD, "%s%s", NULL, NULL);
done:
    free(ids);
    free(lens);
    free(out);
    iss_ocsp_trust_free(t);
    ERR_clear_error();
}

static int leaf_must_staple(iss_conn *c)
{
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(c->ssl);
    return chain && sk_X509_num(chain) > 0 && iss_x509_must_staple(sk_X509_value(chain, 0));
}

#define MUST_STAPLE_MSG "did not receive the required stapled OCSP response"

/* The verdict: 1 to go on, 0 to fail the handshake (error recorded). */
static int staple_verdict(iss_conn *c, ocsp_cfg *cfg, ocsp_state *st)
{
    int have = st->state == ISS_STAPLE_GOOD || st->state == ISS_STAPLE_USER;
    if (st->state == ISS_STAPLE_REVOKED) {
        iss_error_set(&c->err, ISS_E_REVOKED, ISS_SEV_VERIFY, "%s", st->msg ? st->msg : "revoked");
        return 0;
    }
    if (have)
        return 1;
    if (cfg->client_flags & ISS_OCSP_MUST) {
        iss_error_set(&c->err, ISS_E_NO_STAPLE, ISS_SEV_VERIFY, "%s", MUST_STAPLE_MSG);
        return 0;
    }
    if ((cfg->client_flags & ISS_OCSP_CHECK) && leaf_must_staple(c)) {
        iss_error_set(&c->err, ISS_E_NO_STAPLE, ISS_SEV_VERIFY, "%s", MUST_STAPLE_MSG
                      " (the certificate demands one: TLS feature status_request)");
        return 0;
    }
    return 1;
}

static ocsp_state *conn_state(iss_conn *c)
{
    if (!c->ocsp)
        c->ocsp = calloc(1, sizeof(ocsp_state));
    else
        state_clear(c->ocsp);
    return c->ocsp;
}

/* Runs once the server's certificate (and its status) arrived. */
static int client_status_cb(SSL *ssl, void *arg)
{
    iss_conn *c = SSL_get_ex_data(ssl, iss_conn_ex_index);
    ocsp_cfg *cfg = c && c->ctx ? c->ctx->ocsp : NULL;
    const unsigned char *der = NULL;
    long len;
    ocsp_state *st;
    (void)arg;
    if (!c || !cfg || c->is_server)
        return 1;
    if (!(st = conn_state(c)))
        return -1;
    len = SSL_get_tlsext_status_ocsp_resp(ssl, &der);
    if (len <= 0)
        der = NULL;
    /* a resumed session (TLS 1.3 runs this callback then, 1.2 does not)
     * was checked by the handshake that made it; servers staple nothing */
    if (!der && SSL_session_reused(ssl)) {
        st->state = ISS_STAPLE_NOT_RUN;
        return 1;
    }
    if (cfg->hook) {
        OCSP_RESPONSE *r = der ? iss_ocsp_response_d2i(der, (size_t)len) : NULL;
        int ok;
        st->state = r ? ISS_STAPLE_USER : ISS_STAPLE_NONE;
        ok = cfg->hook(cfg->hook_data.data, c, r);
        OCSP_RESPONSE_free(r);
        if (!ok)
            return 0;
    } else if (!der) {
        state_msg(st, ISS_STAPLE_NONE, "did not get stapled OCSP response%s%s", NULL, NULL);
    } else if (cfg->client_flags & ISS_OCSP_CHECK) {
        check_staple(c, st, der, (size_t)len);
    }
    return staple_verdict(c, cfg, st);
}

int iss_ctx_ocsp_client(iss_ctx *ctx, int flags, iss_staple_hook fn, void *data,
                        void (*free_fn)(void *))
{
    ocsp_cfg *cfg = cfg_taking(ctx, data, free_fn);
    if (!cfg)
        return ISS_ERR;
    iss_owned_set(&cfg->hook_data, data, free_fn);
    cfg->hook = fn;
    cfg->client_flags = flags;
    if (flags & ISS_OCSP_ASK)
        SSL_CTX_set_tlsext_status_type(ctx->ssl_ctx, TLSEXT_STATUSTYPE_ocsp);
    SSL_CTX_set_tlsext_status_cb(ctx->ssl_ctx, client_status_cb);
    return ISS_OK;
}

int iss_conn_ocsp_post_check(iss_conn *c, char *msg, size_t len)
{
    ocsp_cfg *cfg = c->ctx ? c->ctx->ocsp : NULL;
    ocsp_state *st = c->ocsp;
    if (!cfg || c->is_server || (st && st->state != ISS_STAPLE_NOT_RUN))
        return ISS_OK;            /* the status callback already decided */
    if (SSL_session_reused(c->ssl))
        return ISS_OK;            /* checked by the handshake that made the session */
    if (cfg->client_flags & ISS_OCSP_MUST) {
        /* asked, yet no certificate came to ask about (e.g. SSL_psk) */
        snprintf(msg, len, "%s", MUST_STAPLE_MSG);
        return ISS_ERR;
    }
    if ((cfg->client_flags & ISS_OCSP_CHECK) && leaf_must_staple(c)) {
        snprintf(msg, len, "%s", MUST_STAPLE_MSG
                 " (the certificate demands one: TLS feature status_request)");
        return ISS_ERR;
    }
    return ISS_OK;
}

/* ---- server: stapling our own response ---- */

static void give_staple(void *arg, const unsigned char *der, size_t len)
{
    SSL *ssl = arg;
    unsigned char *copy;
    if (!der || !len || !iss_ocsp_response_parses(der, len))
        return;
    if (!(copy = OPENSSL_malloc(len)))
        return;
    memcpy(copy, der, len);
    /* OpenSSL owns copy from here on */
    if (!SSL_set_tlsext_status_ocsp_resp(ssl, copy, (long)len))
        OPENSSL_free(copy);
}

/* Called only when the client asked (status_request), on the context the
 * connection has after SNI. */
static int server_status_cb(SSL *ssl, void *arg)
{
    iss_ctx *ctx = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), iss_ctx_ex_index);
    ocsp_cfg *cfg = ctx ? ctx->ocsp : NULL;
    const unsigned char *p = NULL;
    (void)arg;
    if (!cfg)
        return SSL_TLSEXT_ERR_NOACK;
    if (cfg->source)
        cfg->source(cfg->source_data.data, SSL_get_ex_data(ssl, iss_conn_ex_index), give_staple,
                    ssl);
    else if (cfg->staple)
        give_staple(ssl, cfg->staple, cfg->staple_len);
    return SSL_get_tlsext_status_ocsp_resp(ssl, &p) > 0 ? SSL_TLSEXT_ERR_OK
                                                      : SSL_TLSEXT_ERR_NOACK;
}

int iss_ctx_ocsp_staple(iss_ctx *ctx, const unsigned char *der, size_t len)
{
    ocsp_cfg *cfg;
    unsigned char *copy;
    if (!iss_ocsp_response_parses(der, len)) {
        iss_error_set(&ctx->err, ISS_E_BAD_INPUT, ISS_SEV_FATAL, "not a DER encoded OCSP response");
        return ISS_ERR;
    }
    if (!(cfg = cfg_of(ctx)) || !(copy = malloc(len)))
        return ISS_ERR;
    memcpy(copy, der, len);
    free(cfg->staple);
    cfg->staple = copy;
    cfg->staple_len = len;
    SSL_CTX_set_tlsext_status_cb(ctx->ssl_ctx, server_status_cb);
    return ISS_OK;
}

int iss_ctx_ocsp_staple_source(iss_ctx *ctx, iss_staple_source fn, void *data,
                               void (*free_fn)(void *))
{
    ocsp_cfg *cfg = cfg_taking(ctx, data, free_fn);
    if (!cfg)
        return ISS_ERR;
    iss_owned_set(&cfg->source_data, data, free_fn);
    cfg->source = fn;
    SSL_CTX_set_tlsext_status_cb(ctx->ssl_ctx, server_status_cb);
    return ISS_OK;
}
