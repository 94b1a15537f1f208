/* t_handshake.c: a client and a server of the core talking over a
 * socketpair in one process: TLS 1.2 and 1.3 handshakes with chain and name
 * verification, ALPN, data both ways, close_notify, and the failures a user
 * sees (untrusted chain, wrong name, pinned fingerprint). */
#include <stdlib.h>
#include <string.h>
#include <openssl/ssl.h>
#include "ctlib.h"

static void roundtrip(ct_pair *p, const char *what)
{
    char buf[64];
    ssize_t n;
    ct_is_int(iss_conn_write(p->client, "ping\n", 5, 1), 5, "%s: client writes", what);
    n = iss_conn_read(p->server, buf, sizeof buf);
    ct_is_mem(n > 0 ? buf : NULL, n > 0 ? (size_t)n : 0, "ping\n", 5, "%s: server reads", what);
    ct_is_int(iss_conn_write(p->server, "pong\n", 5, 1), 5, "%s: server writes", what);
    n = iss_conn_read(p->client, buf, sizeof buf);
    ct_is_mem(n > 0 ? buf : NULL, n > 0 ? (size_t)n : 0, "pong\n", 5, "%s: client reads", what);
}

int main(void)
{
    static const struct { int version; const char *name; } v[] = {
        {TLS1_2_VERSION, "TLSv1.2"}, {TLS1_3_VERSION, "TLSv1.3"}, {0, "any"},
    };
    ct_pair p;
    size_t i;
    ct_plan(0);
    for (i = 0; i < sizeof v / sizeof v[0]; i++) {
        int ok = ct_pair_init(&p, v[i].version, "localhost") == ISS_OK;
        ct_ok(ok && ct_pair_handshake(&p) == ISS_OK, "%s: verified handshake", v[i].name);
        if (ok) {
            ct_is_int(iss_conn_version(p.client), v[i].version ? v[i].version : TLS1_3_VERSION,
                      "%s: negotiated version", v[i].name);
            ct_ok(iss_conn_peer_cert(p.client) != NULL, "%s: client has the server's cert",
                  v[i].name);
            roundtrip(&p, v[i].name);
            ct_is_int(iss_conn_shutdown(p.client, 1, -1), ISS_OK, "%s: client close_notify",
                      v[i].name);
            {
                char buf[8];
                ct_is_int(iss_conn_read(p.server, buf, sizeof buf), 0,
                          "%s: server reads EOF", v[i].name);
            }
        }
        ct_pair_free(&p);
    }

    /* a wrong name fails the handshake with the reference's message */
    ct_pair_init(&p, 0, "www.example.org");
    ct_ok(ct_pair_handshake(&p) != ISS_OK, "wrong name: handshake fails");
    {
        const iss_error *e = iss_conn_error(p.client);
        const char *t = iss_error_text(e);
        ct_is_mem(t, strlen(t), "hostname verification failed", 28,
                  "wrong name: the error says why");
        ct_ok(e->code == ISS_E_VERIFY && e->severity == ISS_SEV_VERIFY,
              "wrong name: recorded as a verify error of severity %d (%d)", e->severity, e->code);
    }
    ct_pair_free(&p);

    /* no CA for the chain */
    ct_pair_init(&p, 0, "localhost");
    iss_ctx_decref(p.cctx);
    p.cctx = iss_ctx_new(0, 0, 0, 0);
    {
        iss_scheme s;
        iss_scheme_by_name("default", &s);
        iss_ctx_set_verify(p.cctx, SSL_VERIFY_PEER, &s);
        iss_conn_free(p.client);
        p.client = iss_conn_new(p.cctx, p.cfd, 0);
        iss_conn_set_verify_name(p.client, "localhost");
    }
    ct_ok(ct_pair_handshake(&p) != ISS_OK, "untrusted chain: handshake fails");
    ct_ok(strstr(iss_error_text(iss_conn_error(p.client)), "certificate verify failed") != NULL
          && iss_conn_error(p.client)->code == ISS_E_OPENSSL,
          "untrusted chain: OpenSSL's '%s'", iss_error_text(iss_conn_error(p.client)));
    ct_pair_free(&p);

    /* SSL_fingerprint: the leaf's digest accepts an untrusted chain; a
     * different one with force fails */
    {
        unsigned char md[64];
        void *leaf = iss_x509_from_pem_file(ct_cert_path("server-cert.pem"));
        int n = iss_x509_digest(leaf, "sha256", 0, md), round;
        iss_x509_free(leaf);
        for (round = 0; round < 2; round++) {
            iss_scheme s;
            ct_pair_init(&p, 0, "localhost");
            iss_ctx_decref(p.cctx);
            p.cctx = iss_ctx_new(0, 0, 0, 0);
            iss_scheme_by_name("default", &s);
            iss_ctx_set_verify(p.cctx, SSL_VERIFY_PEER, &s);
            if (round)
                md[0] ^= 1;
            iss_ctx_add_fingerprint(p.cctx, "sha256", 0, md, (size_t)n);
            iss_ctx_force_fingerprint(p.cctx, 1);
            iss_conn_free(p.client);
            p.client = iss_conn_new(p.cctx, p.cfd, 0);
            iss_conn_set_verify_name(p.client, "localhost");
            if (round == 0)
                ct_ok(ct_pair_handshake(&p) == ISS_OK, "pinned leaf: untrusted chain accepted");
            else
                ct_ok(ct_pair_handshake(&p) != ISS_OK &&
                      iss_conn_error(p.client)->code == ISS_E_VERIFY &&
                      strcmp(iss_error_text(iss_conn_error(p.client)),
                             "fingerprint of peer certificate does not match") == 0,
                      "another pin with force: refused");
            ct_pair_free(&p);
        }
    }

    /* ALPN: the server's first protocol that the client offers */
    {
        unsigned int sl, cl, len = 0;
        unsigned char *sw = ct_alpn_wire("h2\0http/1.1", 11, &sl);
        unsigned char *cw = ct_alpn_wire("spdy/1\0http/1.1\0h2", 18, &cl);
        const char *sel = NULL;
        ct_pair_init(&p, 0, "localhost");
        ct_ok(sw && cw && iss_ctx_set_alpn(p.sctx, sw, sl) == ISS_OK &&
              iss_ctx_set_alpn(p.cctx, cw, cl) == ISS_OK, "ALPN lists set");
        /* the connections were made before: ALPN is read from the context at
         * handshake time on the server, from the SSL on the client */
        iss_conn_free(p.client);
        p.client = iss_conn_new(p.cctx, p.cfd, 0);
        iss_conn_set_verify_name(p.client, "localhost");
        ct_ok(ct_pair_handshake(&p) == ISS_OK, "ALPN handshake");
        ct_ok(iss_conn_alpn_selected(p.client, &sel, &len) && len == 2 && !memcmp(sel, "h2", 2),
              "ALPN: h2 selected");
        ct_ok(ct_alpn_wire("h2\0\0x", 5, &sl) == NULL, "an empty protocol name is refused");
        free(sw);
        free(cw);
        ct_pair_free(&p);
    }
    return ct_done();
}
