/* fuzz_readline.c: line framing on decrypted records (iss_conn_readline,
 * readrec) - what a peer controls. One handshake for the whole run; each
 * input is sent as records and must come out as the same bytes, cut only
 * after the delimiter.
 * Input: mode byte (bit 0: paragraph mode, bit 1: fixed-size records of
 * 1 + byte 1 bytes), delimiter length (1-4) and delimiter, then records
 * split by 0xff (up to 100; later 0xff bytes are data). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ctlib.h"

static ct_pair P;
static int ready;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t dlen, pos, start, total = 0, got = 0;
    const char *delim;
    char *sent, *recv_buf;
    int para, fixed, records = 0;
    if (!ready) {
        if (ct_pair_init(&P, 0, NULL) != ISS_OK || ct_pair_handshake(&P) != ISS_OK)
            abort();
        ready = 1;
    }
    if (size < 3)
        return 0;
    para = data[0] & 1;
    fixed = (data[0] & 2) ? 1 + data[1] : 0;
    dlen = 1 + data[1] % 4;
    if (2 + dlen > size)
        return 0;
    delim = (const char *)data + 2;
    pos = 2 + dlen;
    sent = malloc(size);
    recv_buf = malloc(size + 1);
    /* at most 100 records: the socketpair's buffer counts each small record
     * at a kernel buffer's full size, and nobody reads before the end */
    for (start = pos; pos <= size; pos++) {
        if (pos == size || (data[pos] == 0xff && records < 100)) {
            records++;
            size_t n = pos - start;
            if (n && iss_conn_write(P.server, (const char *)data + start, n, 1) != (ssize_t)n)
                abort();
            memcpy(sent + total, data + start, n);
            total += n;
            start = pos + 1;
        }
    }
    for (;;) {
        const char *out = NULL;
        ssize_t n = fixed ? iss_conn_readrec(P.client, (size_t)fixed, &out)
                          : iss_conn_readline(P.client, delim, dlen, para, &out);
        if (n == ISS_WANT_READ)
            break;
        if (n <= 0 || got + (size_t)n > total)
            abort();
        memcpy(recv_buf + got, out, (size_t)n);
        got += (size_t)n;
        /* a piece that is not the last must end where a line ends */
        if (got < total) {
            if (fixed && (size_t)n != (size_t)fixed)
                abort();
            if (!fixed && !para && ((size_t)n < dlen || memcmp(out + n - dlen, delim, dlen)))
                abort();
            if (!fixed && para && ((size_t)n < 2 || out[n - 1] != '\n' || out[n - 2] != '\n'))
                abort();
        }
    }
    if (got != total || memcmp(sent, recv_buf, total) != 0)
        abort();
    free(sent);
    free(recv_buf);
    return 0;
}
