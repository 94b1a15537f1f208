/* t_hostname.c: the host-name matcher (iss_verify_hostname) against the
 * vectors of t/data/hostname_vectors.txt, whose expected column is the
 * reference's answer. Rows that need Perl are left to t/30_hostname.t:
 * callback schemes, names with non-ASCII bytes (IDN conversion happens in
 * Perl before the core sees the name) and names with NUL (refused in Perl). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctlib.h"

static int unhex(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* \xNN escapes; '' is the empty name. Returns the length. */
static size_t unescape(const char *in, char *out)
{
    size_t n = 0;
    if (strcmp(in, "''") == 0)
        return 0;
    while (*in) {
        if (in[0] == '\\' && in[1] == 'x' && unhex(in[2]) >= 0 && unhex(in[3]) >= 0) {
            out[n++] = (char)(unhex(in[2]) * 16 + unhex(in[3]));
            in += 4;
        } else {
            out[n++] = *in++;
        }
    }
    return n;
}

static int is_ip4_newline(const char *s, size_t n)
{
    size_t i;
    if (n < 2 || s[n - 1] != '\n')
        return 0;
    for (i = 0; i < n - 1; i++)
        if (!(s[i] == '.' || (s[i] >= '0' && s[i] <= '9')))
            return 0;
    return 1;
}

int main(void)
{
    char path[4096], line[8192];
    const char *dir = getenv("ISS_DATADIR");
    FILE *f;
    int rows = 0, skipped = 0, lineno = 0, i;
    snprintf(path, sizeof path, "%s/hostname_vectors.txt", dir && *dir ? dir : "t/data");
    ct_plan(0);
    f = fopen(path, "r");
    if (!ct_ok(f != NULL, "open %s", path))
        return ct_done();
    while (fgets(line, sizeof line, f)) {
        char *field[6], *p = line, name[4096], certfile[256];
        size_t nlen, j;
        int nf = 0, want, got, nonascii = 0, hasnul = 0;
        iss_scheme s;
        void *x509;
        lineno++;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        line[strcspn(line, "\n")] = '\0';
        while (nf < 6 && p) {
            field[nf++] = p;
            p = strchr(p, '\t');
            if (p)
                *p++ = '\0';
        }
        if (nf < 5) {
            ct_ok(0, "line %d has 5 fields", lineno);
            continue;
        }
        nlen = unescape(field[3], name);
        for (j = 0; j < nlen; j++) {
            nonascii |= (unsigned char)name[j] >= 0x80;
            hasnul |= name[j] == '\0';
        }
        if (nonascii || hasnul || strcmp(field[1], "{}") == 0 || !ct_scheme(field[1], &s)) {
            skipped++;
            continue;
        }
        if (is_ip4_newline(name, nlen))
            nlen--;               /* as verify_hostname_of_cert does */
        s.use_psl = strcmp(field[2], "''") != 0;
        want = atoi(field[4]);
        /* the deliberate deviation of t/30_hostname.t (see Changes): a
         * certificate name with a newline in it never matches */
        if ((!strcmp(field[0], "san_nl.pem") || !strcmp(field[0], "cn_nl.pem") ||
             !strcmp(field[0], "cn_trailnl.pem")) && !strcmp(field[3], "www.example.com") &&
            strcmp(field[1], "none"))
            want = 0;
        /* and the one of the IDNA prefix: "XN--" rules out partial
         * wildcards (x*.example.net) as "xn--" does */
        if (!strcmp(field[0], "san_idn.pem") && strcmp(field[1], "none") &&
            !strncmp(field[3], "XN--", 4) && strstr(field[3], ".example.net"))
            want = 0;
        snprintf(certfile, sizeof certfile, "hostname/%s", field[0]);
        x509 = iss_x509_from_pem_file(ct_cert_path(certfile));
        if (!x509) {
            ct_ok(0, "line %d: load %s", lineno, certfile);
            continue;
        }
        got = iss_verify_hostname(x509, name, nlen, &s);
        iss_x509_free(x509);
        rows++;
        /* one test per row would be 3000 lines of TAP: report failures only */
        if (got != want)
            ct_ok(0, "line %d: %s %s psl=%s '%s' => %d (got %d)%s%s", lineno, field[0],
                  field[1], field[2], field[3], want, got, nf > 5 ? " " : "",
                  nf > 5 ? field[5] : "");
    }
    fclose(f);
    ct_ok(rows > 2500, "%d vectors checked in C (%d left to t/30_hostname.t)", rows, skipped);

    /* IP parsing at the edges: the core gets the name as the user gave it */
    {
        static const struct { const char *name; int want; } ip[] = {
            {"127.0.0.1", 1}, {"127.0.0.1.", 1}, {"127.000.0.1", 1}, {"127.0.0.01", 1},
            {"127.0.0.256", 0}, {"127.0.0", 0}, {"127.0.0.1.1", 0}, {"127..0.1", 0},
            {"99999999999999999999.0.0.1", 0}, {"::1", 1}, {"0:0:0:0:0:0:0:1", 1},
            {"::ffff:127.0.0.1", 0}, {"::1%lo", 0}, {":::1", 0},
            {"0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0001", 0},
        };
        void *x509 = iss_x509_from_pem_file(ct_cert_path("server-cert.pem"));
        iss_scheme s;
        iss_scheme_by_name("http", &s);
        for (i = 0; i < (int)(sizeof ip / sizeof ip[0]); i++)
            ct_is_int(iss_verify_hostname(x509, ip[i].name, strlen(ip[i].name), &s), ip[i].want,
                      "server-cert.pem (IP:127.0.0.1, ::1) and '%s'", ip[i].name);
        iss_x509_free(x509);
    }
    /* found by fuzz/fuzz_hostname: the IDNA prefix that rules out partial
     * wildcards is case-insensitive, "XN--" as "xn--" */
    {
        static const char *const alts[] = {"Dxn--*.example.com", "Df*.example.com"};
        static const size_t altlen[] = {18, 15};
        static const struct { const char *name; int want; } v[] = {
            {"xn--bcher-kva.example.com", 0}, {"XN--BCHER-KVA.EXAMPLE.COM", 0},
            {"Xn--bcher-kva.example.com", 0}, {"foo.example.com", 1}, {"FOO.EXAMPLE.COM", 1},
        };
        void *x509 = ct_make_cert("x", 1, alts, altlen, 2);
        iss_scheme s;
        iss_scheme_by_name("default", &s);
        for (i = 0; i < (int)(sizeof v / sizeof v[0]); i++)
            ct_is_int(iss_verify_hostname(x509, v[i].name, strlen(v[i].name), &s), v[i].want,
                      "SANs xn--*.example.com, f*.example.com and '%s'", v[i].name);
        iss_x509_free(x509);
    }
    return ct_done();
}
