/* fuzz_hostname.c: the host-name matcher and the identity's IP parsing
 * (iss_verify_hostname) on certificates made from the input.
 * Input: scheme byte, flags byte, then fields split by 0xff: the identity,
 * the subject CN (absent when the field is missing), then subjectAltNames
 * ('D'name for DNS, 'I'bytes for an IP address). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ctlib.h"

#define MAXF 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const schemes[] = {
        "default", "rfc2818", "http", "ldap", "smtp", "sip", "gist", "none",
        "{check_cn=always,wildcards_in_cn=leftmost,wildcards_in_alt=leftmost}",
        "{check_cn=when_only,ip_in_cn=4}", "{check_cn=always,ip_in_cn=6}",
        "{check_cn=always,ip_in_cn=1,wildcards_in_alt=full_label}",
    };
    const char *f[MAXF];
    size_t flen[MAXF], start = 2, i;
    int nf = 0, r1, r2;
    iss_scheme s;
    void *x509;
    char *upper;
    if (size < 2)
        return 0;
    ct_scheme(schemes[data[0] % (sizeof schemes / sizeof schemes[0])], &s);
    s.use_psl = data[1] & 1;
    for (i = 2; i <= size && nf < MAXF; i++)
        if (i == size || data[i] == 0xff) {
            f[nf] = (const char *)data + start;
            flen[nf++] = i - start;
            start = i + 1;
        }
    x509 = ct_make_cert(nf > 1 ? f[1] : NULL, nf > 1 ? flen[1] : 0, f + 2, flen + 2,
                        nf > 2 ? nf - 2 : 0);
    if (!x509)
        return 0;
    r1 = iss_verify_hostname(x509, f[0], flen[0], &s);
    /* host names compare without regard to case (RFC 4343) */
    upper = malloc(flen[0] + 1);
    for (i = 0; i < flen[0]; i++)
        upper[i] = (f[0][i] >= 'a' && f[0][i] <= 'z') ? f[0][i] - 32 : f[0][i];
    r2 = iss_verify_hostname(x509, upper, flen[0], &s);
    if (r1 != r2)
        abort();
    if (r1 != 0 && r1 != 1)
        abort();
    free(upper);
    iss_x509_free(x509);
    return 0;
}
