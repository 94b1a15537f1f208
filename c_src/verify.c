/* verify.c: the certificate verification callback and the reference's host
 * name algorithm (RFC 6125 with per-protocol schemes). */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "iss_internal.h"

static const struct {
    const char *names[5];
    iss_scheme s;
} schemes[] = {
    /* default: a superset of the others, better than no check at all */
    {{"default"}, {1, ISS_WILD_ANYWHERE, ISS_WILD_ANYWHERE, ISS_CN_ALWAYS, 1, 1, 0}},
    {{"rfc2818", "rfc3920", "xmpp", "rfc4217", "ftp"},
     {1, ISS_WILD_ANYWHERE, ISS_WILD_ANYWHERE, ISS_CN_WHEN_ONLY, 0, 1, 0}},
    {{"www", "http"}, {1, ISS_WILD_ANYWHERE, ISS_WILD_ANYWHERE, ISS_CN_WHEN_ONLY, 4, 1, 0}},
    {{"rfc4513", "ldap"}, {1, ISS_WILD_NONE, ISS_WILD_FULL_LABEL, ISS_CN_ALWAYS, 0, 1, 0}},
    {{"rfc2595", "smtp", "rfc4642", "imap", "pop3"},
     {1, ISS_WILD_FULL_LABEL, ISS_WILD_FULL_LABEL, ISS_CN_ALWAYS, 0, 1, 0}},
    {{"acap", "rfc5539", "nntp", "rfc5538", "netconf"},
     {1, ISS_WILD_FULL_LABEL, ISS_WILD_FULL_LABEL, ISS_CN_ALWAYS, 0, 1, 0}},
    {{"rfc5425", "syslog", "rfc5953", "snmp"},
     {1, ISS_WILD_FULL_LABEL, ISS_WILD_FULL_LABEL, ISS_CN_ALWAYS, 0, 1, 0}},
    {{"rfc5971", "gist"}, {1, ISS_WILD_FULL_LABEL, ISS_WILD_FULL_LABEL, ISS_CN_WHEN_ONLY, 0, 1, 0}},
    {{"rfc5922", "sip"}, {1, ISS_WILD_NONE, ISS_WILD_NONE, ISS_CN_ALWAYS, 0, 1, 0}},
    {{"none"}, {0, 0, 0, 0, 0, 0, 0}},
};

int iss_scheme_by_name(const char *name, iss_scheme *s)
{
    size_t i, j;
    for (i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
        for (j = 0; j < 5 && schemes[i].names[j]; j++)
            if (strcmp(schemes[i].names[j], name) == 0) {
                *s = schemes[i].s;
                return 1;
            }
    return 0;
}

static int is_label_char(unsigned char ch)
{
    return isalnum(ch) || ch == '_' || ch == '-';
}

static int ieq(const char *a, const char *b, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
            return 0;
    return 1;
}

/* Counts labels as Perl's split /\.+/ does (a leading empty field counts). */
static int count_labels(const char *s, size_t n)
{
    int labels = 0;
    size_t i = 0;
    while (i < n) {
        labels++;
        while (i < n && s[i] != '.')
            i++;
        while (i < n && s[i] == '.')
            i++;
    }
    return labels;
}

/* A wildcard may not cover a public suffix: the name must have more labels
 * than its public suffix plus one (*.co.uk never matches foo.co.uk). */
static int psl_allows(const char *id, size_t idlen, const iss_scheme *s)
{
    int labels, suffix;
    if (!s->use_psl)
        return 1;
    if (s->use_psl == 2)
        return 0;                 /* the caller's own list refused this identity */
    if (idlen > 255)
        return 0;                 /* not a DNS name: no wildcard for it */
    labels = count_labels(id, idlen);
    suffix = iss_psl_suffix_labels(id, idlen, 1) + 1;
    if (suffix > labels)
        suffix = labels;
    return labels > suffix;
}

static int check_name(const char *name, size_t nlen, const char *id, size_t idlen, int wtyp,
                      const iss_scheme *s)
{
    size_t pre = 0, i;
    while (nlen && name[nlen - 1] == '.')
        nlen--;                   /* ignore absolute names */
    if (nlen == 0)
        return 0;
    while (pre < nlen && is_label_char((unsigned char)name[pre]))
        pre++;
    if (wtyp == ISS_WILD_ANYWHERE && pre < nlen && name[pre] == '*' && pre + 1 < nlen) {
        /* prefix*rest: the star stands for one or more label characters */
        const char *rest = name + pre + 1;
        size_t rlen = nlen - pre - 1;
        /* no partial wildcards on IDNA labels (RFC 6125 6.4.3); the ACE
         * prefix is case-insensitive (RFC 5890 2.3.2.1), so "XN--" is one too
         * (the reference compares case-sensitively; found by fuzz_hostname) */
        if (pre && idlen >= 4 && ieq(id, "xn--", 4))
            return 0;
        if (idlen < pre + rlen + 1 || !ieq(id, name, pre) ||
            !ieq(id + idlen - rlen, rest, rlen))
            return 0;
        for (i = pre; i < idlen - rlen; i++)
            if (!is_label_char((unsigned char)id[i]))
                return 0;
        return psl_allows(id, idlen, s);
    }
    if ((wtyp == ISS_WILD_FULL_LABEL || wtyp == ISS_WILD_LEFTMOST) && nlen > 2 &&
        name[0] == '*' && name[1] == '.') {
        const char *rest = name + 1;
        size_t rlen = nlen - 1;
        if (idlen < rlen + 1 || !ieq(id + idlen - rlen, rest, rlen))
            return 0;
        for (i = 0; i < idlen - rlen; i++)
            if (!is_label_char((unsigned char)id[i]))
                return 0;
        return psl_allows(id, idlen, s);
    }
    return nlen == idlen && ieq(id, name, idlen);
}

/* Parses the identity as the reference does: IPv6 if it has a ':', IPv4 if
 * it is dotted digits; returns the packed length, 0 for a host name, -1 for
 * a name that cannot match anything. */
static int parse_ip(const char *id, size_t len, unsigned char *ip)
{
    size_t i;
    int has_colon = memchr(id, ':', len) != NULL, all_digits = 1;
    if (has_colon) {
        char tmp[64];
        for (i = 0; i < len; i++)
            if (!isxdigit((unsigned char)id[i]) && id[i] != ':' && id[i] != '.')
                return -1;
        if (len >= sizeof tmp)
            return -1;
        memcpy(tmp, id, len);
        tmp[len] = '\0';
        return inet_pton(AF_INET6, tmp, ip) == 1 ? 16 : -1;
    }
    if (len == 0 || !isdigit((unsigned char)id[0]))
        return 0;
    for (i = 0; i < len; i++)
        if (!isdigit((unsigned char)id[i]) && id[i] != '.')
            all_digits = 0;
    if (!all_digits)
        return 0;
    {
        /* exactly four decimal parts below 256 */
        int part = 0;
        unsigned long v = 0;
        size_t digits = 0;
        for (i = 0; i <= len; i++) {
            if (i == len || id[i] == '.') {
                if (!digits || v > 255 || part > 3)
                    return -1;
                ip[part++] = (unsigned char)v;
                v = 0;
                digits = 0;
            } else {
                v = v * 10 + (id[i] - '0');
                if (v > 100000)
                    v = 100000;
                digits++;
            }
        }
        return part == 4 ? 4 : -1;
    }
}

struct alt_state {
    const char *id;
    size_t idlen;
    const unsigned char *ip;
    int iplen;
    const iss_scheme *s;
    int dns_names;
    int matched;
};

static void alt_cb(void *data, int type, const char *val, size_t len)
{
    struct alt_state *st = data;
    if (st->matched)
        return;
    if (st->iplen > 0 && type == GEN_IPADD) {
        if ((int)len == st->iplen && memcmp(val, st->ip, len) == 0)
            st->matched = 1;
    } else if (st->iplen == 0 && type == GEN_DNS) {
        while (len && isspace((unsigned char)val[len - 1]))
            len--;
        while (len && isspace((unsigned char)*val)) {
            val++;
            len--;
        }
        st->dns_names++;
        if (check_name(val, len, st->id, st->idlen, st->s->wildcards_in_alt, st->s))
            st->matched = 1;
    }
}

int iss_verify_hostname(const iss_x509 *x509, const char *id, size_t idlen, const iss_scheme *s)
{
    unsigned char ip[16];
    int iplen;
    size_t i;
    struct alt_state st;
    if (!s->check)
        return 1;
    while (idlen && id[idlen - 1] == '.')
        idlen--;
    iplen = parse_ip(id, idlen, ip);
    if (iplen < 0)
        return 0;
    if (iplen == 0)
        for (i = 0; i < idlen; i++)
            if (!is_label_char((unsigned char)id[i]) && id[i] != '.')
                return 0;         /* not ASCII after IDN conversion by the caller */
    memset(&st, 0, sizeof st);
    st.id = id;
    st.idlen = idlen;
    st.ip = ip;
    st.iplen = iplen;
    st.s = s;
    iss_x509_alt_names(x509, alt_cb, &st);
    if (st.matched)
        return 1;
    if (s->check_cn == ISS_CN_ALWAYS || (s->check_cn == ISS_CN_WHEN_ONLY && !st.dns_names)) {
        size_t cnlen = 0;
        char *cn = iss_x509_common_name(x509, &cnlen);
        int ok = 0;
        if (cn && iplen == 0) {
            ok = check_name(cn, cnlen, id, idlen, s->wildcards_in_cn, s);
        } else if (cn && s->ip_in_cn && cnlen == idlen && memcmp(cn, id, idlen) == 0) {
            ok = s->ip_in_cn == 4 ? iplen == 4 : s->ip_in_cn == 6 ? iplen == 16 : 1;
        }
        free(cn);
        return ok;
    }
    return 0;
}

static int fingerprint_matches(iss_ctx *ctx, X509 *cert)
{
    int i;
    for (i = 0; i < ctx->nfps; i++) {
        unsigned char md[EVP_MAX_MD_SIZE];
        int n = iss_x509_digest(cert, ctx->fps[i].algo, ctx->fps[i].pubkey, md);
        if (n == (int)ctx->fps[i].len && memcmp(md, ctx->fps[i].digest, n) == 0)
            return 1;
    }
    return 0;
}

/* The client's host name check on the leaf: 1 pass, 0 fail. */
static int check_peer_name(iss_conn *c, iss_ctx *ctx, X509 *cert)
{
    if (c->verify_name_lost) {
        /* a name was given but could not be kept: never "no name, no check" */
        iss_error_set(&c->err, ISS_E_NOMEM, ISS_SEV_FATAL, "hostname verification failed: "
                      "out of memory copying the host name to verify");
        return 0;
    }
    if (!c->verify_name || !*c->verify_name) {
        if (ctx->scheme.explicit_scheme) {
            iss_error_set(&c->err, ISS_E_NONAME, ISS_SEV_NONAME,
                          "Cannot determine peer hostname for verification");
            return 0;
        }
        c->warning = "Cannot determine hostname of peer for verification. "
                     "Disabling default hostname verification for now. "
                     "Please specify hostname with SSL_verifycn_name and better set "
                     "SSL_verifycn_scheme too.\n";
        return 1;
    }
    if (!iss_verify_hostname(cert, c->verify_name, strlen(c->verify_name), &ctx->scheme)) {
        iss_error_set(&c->err, ISS_E_VERIFY, ISS_SEV_VERIFY, "hostname verification failed");
        return 0;
    }
    return 1;
}

/* Called by OpenSSL for each element of the chain, the root first. The order
 * of decisions is the reference's: the user's callback, then the host name
 * (leaf only), then the pinned fingerprints, which may overrule both. */
int iss_verify_cb(int ok, X509_STORE_CTX *store)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    iss_conn *c = ssl ? SSL_get_ex_data(ssl, iss_conn_ex_index) : NULL;
    iss_ctx *ctx = ssl ? SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), iss_ctx_ex_index) : NULL;
    int depth = X509_STORE_CTX_get_error_depth(store);
    X509 *cert = X509_STORE_CTX_get_current_cert(store);
    if (!ctx)
        return ok;
    if (ctx->verify_hook)
        ok = ctx->verify_hook(ctx->verify_data, c, ok, store, cert, depth,
                              X509_STORE_CTX_get_error(store));
    /* a client that must check the name but cannot find its connection
     * fails closed, as does a pinned peer */
    if (ok && depth == 0 && !ctx->is_server && ctx->scheme.check &&
        (ctx->verify_mode & SSL_VERIFY_PEER))
        ok = c ? check_peer_name(c, ctx, cert) : 0;
    if (depth == 0 && !c && ctx->force_fps)
        return 0;
    if (ctx->nfps && cert && c) {
        if (!ok)
            c->fp_fail = 1;
        if (depth > 0)
            return 1;             /* decide at the leaf */
        if (fingerprint_matches(ctx, cert)) {
            X509_STORE_CTX_set_error(store, X509_V_OK);
            return 1;
        }
        if (ctx->force_fps) {
            iss_error_set(&c->err, ISS_E_VERIFY, ISS_SEV_VERIFY,
                          "fingerprint of peer certificate does not match");
            return 0;
        }
        return !c->fp_fail;
    }
    return ok;
}
