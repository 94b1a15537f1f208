/* t_psl.c: the public-suffix lookup (iss_psl_suffix_labels) against the
 * compiled-in list itself: every rule, exception and wildcard of the ICANN
 * section must give its own length, plus the edge cases of the name syntax. */
#include <stdio.h>
#include <string.h>
#include "ctlib.h"
#include "psl_data.inc"

static int labels(const char *s)
{
    int n = 1;
    for (; *s; s++)
        n += *s == '.';
    return n;
}

static int psl(const char *host)
{
    return iss_psl_suffix_labels(host, strlen(host), 1);
}

int main(void)
{
    size_t i;
    int bad_rule = 0, bad_under = 0, bad_exc = 0, bad_wild = 0;
    char buf[600];
    ct_plan(0);
    for (i = 0; i < ISS_PSL_ICANN_COUNT; i++) {
        const char *r = iss_psl_icann[i];
        if (i < ISS_PSL_ICANN_EXCEPTIONS) {
            /* "!E": E is no suffix, its parent is */
            if (psl(r + 1) != labels(r + 1) - 1 && bad_exc++ < 5)
                ct_diag("exception %s: got %d", r, psl(r + 1));
        } else if (i < ISS_PSL_ICANN_EXCEPTIONS + ISS_PSL_ICANN_WILDCARDS) {
            /* "*.W": any label under W is a suffix (unless excepted) */
            snprintf(buf, sizeof buf, "zz9-not-excepted.%s", r + 2);
            if (psl(buf) != labels(r) && bad_wild++ < 5)
                ct_diag("wildcard %s: %s got %d", r, buf, psl(buf));
        } else {
            /* a plain rule is a suffix at least as long as itself, also
             * under a registrable name */
            if (psl(r) < labels(r) && bad_rule++ < 5)
                ct_diag("rule %s: got %d", r, psl(r));
            snprintf(buf, sizeof buf, "www.example-zz9.%s", r);
            if (psl(buf) < labels(r) && bad_under++ < 5)
                ct_diag("under rule %s: got %d", r, psl(buf));
        }
    }
    ct_is_int(bad_rule, 0, "each of %d plain rules is its own suffix",
              ISS_PSL_ICANN_COUNT - ISS_PSL_ICANN_EXCEPTIONS - ISS_PSL_ICANN_WILDCARDS);
    ct_is_int(bad_under, 0, "and stays one under a registrable name");
    ct_is_int(bad_exc, 0, "each of %d exceptions is one label shorter",
              ISS_PSL_ICANN_EXCEPTIONS);
    ct_is_int(bad_wild, 0, "each of %d wildcards covers a label under it",
              ISS_PSL_ICANN_WILDCARDS);
    {
        static const struct { const char *host; size_t len; int want; } v[] = {
            {"www.example.co.uk", 17, 2}, {"WWW.EXAMPLE.CO.UK", 17, 2},
            {"foo.kobe.jp", 11, 3}, {"city.kobe.jp", 12, 2}, {"www.ck", 6, 1},
            {"a.pvt.k12.ma.us", 15, 4}, {"localhost", 9, 1}, {"example.co.uk.", 14, 2},
            {"..example..co..uk..", 19, 2}, {"", 0, 0}, {".", 1, 0}, {"....", 4, 0},
            {"*.co.uk", 7, 2}, {"!city.kobe.jp", 13, 3}, {"a\0b.co.uk", 9, 2},
            {"x\0.kobe.jp", 10, 3}, {"co\0.uk", 6, 1}, {"foo.github.io", 13, 1},
        };
        for (i = 0; i < sizeof v / sizeof v[0]; i++)
            ct_is_int(iss_psl_suffix_labels(v[i].host, v[i].len, 1), v[i].want,
                      "'%.*s' => %d", (int)v[i].len, v[i].host, v[i].want);
    }
    {
        /* the 255-byte limit, and min_suffix where nothing matches */
        memset(buf, 'a', sizeof buf);
        memcpy(buf + 249, ".co.uk", 7);
        ct_is_int(iss_psl_suffix_labels(buf, 255, 1), 2, "255 characters are looked up");
        memset(buf, 'a', sizeof buf);
        memcpy(buf + 250, ".co.uk", 7);
        ct_is_int(iss_psl_suffix_labels(buf, 256, 1), 1, "256 characters: min_suffix");
        ct_is_int(iss_psl_suffix_labels("foo.zz9unknown", 14, 7), 7, "unknown TLD: min_suffix");
        memset(buf, '.', sizeof buf);
        ct_is_int(iss_psl_suffix_labels(buf, 255, 1), 0, "255 dots: no labels");
    }
    return ct_done();
}
