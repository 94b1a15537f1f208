/* t_readline.c: line framing across TLS record boundaries (iss_conn_readline,
 * readrec, readall). The server sends each piece as its own record; the
 * client must frame lines by delimiter whatever the record boundaries. */
#include <stdlib.h>
#include <string.h>
#include "ctlib.h"

static ct_pair P;

/* each piece one record (writes below 16 KiB are one record each) */
static void send_records(const char *const *pieces, int n)
{
    int i;
    for (i = 0; i < n; i++) {
        size_t len = strlen(pieces[i]);
        ssize_t w = iss_conn_write(P.server, pieces[i], len, 1);
        if (w != (ssize_t)len)
            ct_diag("write of record %d returned %zd", i, w);
    }
}

static void expect_lines(const char *what, const char *delim, int para,
                         const char *const *want, int nwant)
{
    int i;
    for (i = 0; i < nwant; i++) {
        const char *line = NULL;
        ssize_t n = iss_conn_readline(P.client, delim, strlen(delim), para, &line);
        ct_is_mem(n > 0 ? line : NULL, n > 0 ? (size_t)n : 0, want[i], strlen(want[i]),
                  "%s: line %d", what, i + 1);
    }
}

static void expect_would_block(const char *what, const char *delim)
{
    const char *line = NULL;
    ssize_t n = iss_conn_readline(P.client, delim, strlen(delim), 0, &line);
    ct_is_int(n, ISS_WANT_READ, "%s: nothing more, would block", what);
}

int main(void)
{
    ct_plan(0);
    if (!ct_ok(ct_pair_init(&P, 0, "localhost") == ISS_OK && ct_pair_handshake(&P) == ISS_OK,
               "handshake over a socketpair")) {
        ct_diag("client: %s / server: %s", P.client ? iss_error_text(iss_conn_error(P.client)) : "-",
                P.server ? iss_error_text(iss_conn_error(P.server)) : "-");
        return ct_done();
    }
    {
        static const char *const rec[] = {"a\nb", "c\n", "d", "e", "f\ng\n"};
        static const char *const want[] = {"a\n", "bc\n", "def\n", "g\n"};
        send_records(rec, 5);
        expect_lines("newline split over records", "\n", 0, want, 4);
        expect_would_block("newline split over records", "\n");
    }
    {
        /* a two-byte delimiter whose halves are in different records */
        static const char *const rec[] = {"ab\r", "\ncd\r\n", "e\r", "\r\n"};
        static const char *const want[] = {"ab\r\n", "cd\r\n", "e\r\r\n"};
        send_records(rec, 4);
        expect_lines("CRLF split over records", "\r\n", 0, want, 3);
        expect_would_block("CRLF split over records", "\r\n");
    }
    {
        /* a delimiter spread over three records, one byte each */
        static const char *const rec[] = {"x<", "-", "-", ">y", "<-->"};
        static const char *const want[] = {"x<-->", "y<-->"};
        send_records(rec, 5);
        expect_lines("3-byte delimiter over 3 records", "<-->", 0, want, 2);
    }
    {
        /* almost-delimiters at a boundary must not match */
        static const char *const rec[] = {"a<-", "-b<-->", "<-", "->"};
        static const char *const want[] = {"a<--b<-->", "<-->"};
        send_records(rec, 4);
        expect_lines("partial delimiter at a boundary", "<-->", 0, want, 2);
    }
    {
        /* paragraph mode: "\n\n" plus all newlines that follow, also from
         * the next record */
        static const char *const rec[] = {"p1\nstill p1\n", "\n", "\n\n", "p2\n\n", "p3"};
        static const char *const want[] = {"p1\nstill p1\n\n\n\n", "p2\n\n"};
        send_records(rec, 5);
        expect_lines("paragraph mode", "", 1, want, 2);
    }
    {
        /* the rest "p3" of the paragraph test, then a line longer than a
         * record: 40000 bytes travel in 3 records */
        char *big = malloc(40002);
        const char *line = NULL;
        ssize_t n;
        memset(big, 'x', 40000);
        memcpy(big, "p3", 2);
        big[40000] = '\n';
        big[40001] = '\0';
        ct_is_int(iss_conn_write(P.server, big + 2, 40000 - 2 + 1, 1), 40000 - 1,
                  "server writes a 40 KB line");
        n = iss_conn_readline(P.client, "\n", 1, 0, &line);
        ct_is_mem(n > 0 ? line : NULL, n > 0 ? (size_t)n : 0, big, 40001,
                  "a line longer than one record is framed whole");
        free(big);
    }
    {
        /* fixed-size records ($/ = \N) across record boundaries */
        static const char *const rec[] = {"12", "345", "6789", "0"};
        const char *out = NULL;
        ssize_t n;
        send_records(rec, 4);
        n = iss_conn_readrec(P.client, 4, &out);
        ct_is_mem(n > 0 ? out : NULL, n > 0 ? (size_t)n : 0, "1234", 4, "readrec 4: 1234");
        n = iss_conn_readrec(P.client, 4, &out);
        ct_is_mem(n > 0 ? out : NULL, n > 0 ? (size_t)n : 0, "5678", 4, "readrec 4: 5678");
        n = iss_conn_readrec(P.client, 4, &out);
        ct_is_mem(n > 0 ? out : NULL, n > 0 ? (size_t)n : 0, "90", 2,
                  "readrec 4: 90 (what there is when the socket would block)");
    }
    {
        /* a line and bytes read by sysread interleave in order */
        static const char *const rec[] = {"first\nsec", "ond\nthird"};
        static const char *const want[] = {"first\n"};
        char buf[16];
        ssize_t n;
        send_records(rec, 2);
        expect_lines("readline then read", "\n", 0, want, 1);
        n = iss_conn_read(P.client, buf, 3);
        ct_is_mem(n > 0 ? buf : NULL, n > 0 ? (size_t)n : 0, "sec", 3,
                  "read after readline continues where the line ended");
        {
            static const char *const w2[] = {"ond\n"};
            expect_lines("readline after read", "\n", 0, w2, 1);
        }
    }
    {
        /* at EOF (close_notify) a partial line is returned, then 0 */
        const char *line = NULL;
        ssize_t n;
        ct_is_int(iss_conn_shutdown(P.server, 1, -1), ISS_OK, "server sends close_notify");
        n = iss_conn_readline(P.client, "\n", 1, 0, &line);
        ct_is_mem(n > 0 ? line : NULL, n > 0 ? (size_t)n : 0, "third", 5,
                  "partial last line at EOF");
        n = iss_conn_readline(P.client, "\n", 1, 0, &line);
        ct_is_int(n, 0, "then EOF");
        ct_is_int(iss_conn_take_peer_shutdown(P.client), 1, "EOF came from close_notify");
    }
    ct_pair_free(&P);
    return ct_done();
}
