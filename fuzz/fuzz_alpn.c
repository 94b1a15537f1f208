/* fuzz_alpn.c: ALPN lists (iss_protos_wire, iss_ctx_set_alpn and the
 * server's selection) negotiated by a real handshake over a socketpair.
 * Input: the server's names, 0xff, the client's names; names are split by
 * NUL. The result must be the server's first name the client offers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ctlib.h"

static int offered(const unsigned char *wire, unsigned int len, const char *p, unsigned int n)
{
    unsigned int i = 0;
    while (i < len) {
        unsigned int l = wire[i];
        if (l == n && i + 1 + l <= len && memcmp(wire + i + 1, p, n) == 0)
            return 1;
        i += 1 + l;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *sep = memchr(data, 0xff, size);
    unsigned int sl = 0, cl = 0, len = 0, i;
    unsigned char *sw, *cw;
    const char *sel = NULL;
    ct_pair p;
    int hs;
    if (!sep)
        return 0;
    sw = ct_alpn_wire((const char *)data, (size_t)(sep - data), &sl);
    cw = ct_alpn_wire((const char *)sep + 1, size - (size_t)(sep - data) - 1, &cl);
    if (!sw || !cw)
        goto done;
    if (ct_pair_init(&p, 0, NULL) != ISS_OK)
        abort();
    if (iss_ctx_set_alpn(p.sctx, sw, sl) != ISS_OK) {
        ct_pair_free(&p);
        goto done;
    }
    if (iss_ctx_set_alpn(p.cctx, cw, cl) == ISS_OK) {
        /* the client connection was made before its context had the list */
        iss_conn_free(p.client);
        p.client = iss_conn_new(p.cctx, p.cfd, 0);
        hs = ct_pair_handshake(&p);
        if (hs == ISS_OK && iss_conn_alpn_selected(p.client, &sel, &len)) {
            /* what the server picked: in both lists, and no earlier server
             * entry is offered by the client */
            if (!offered(sw, sl, sel, len) || !offered(cw, cl, sel, len))
                abort();
            for (i = 0; i < sl && !(sw[i] == len && !memcmp(sw + i + 1, sel, len)); i += 1 + sw[i])
                if (offered(cw, cl, (const char *)sw + i + 1, sw[i]))
                    abort();
        }
    }
    ct_pair_free(&p);
done:
    free(sw);
    free(cw);
    return 0;
}
