/* fuzz_psl.c: the public-suffix lookup (iss_psl_suffix_labels). */
#include <stdint.h>
#include <stdlib.h>
#include "ctlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *host = (const char *)data;
    int n = iss_psl_suffix_labels(host, size, 1), labels = 0, in = 0;
    size_t i;
    char *lower;
    for (i = 0; i < size; i++) {
        if (host[i] != '.' && !in)
            labels++;
        in = host[i] != '.';
    }
    /* never more labels than the name has (min_suffix 1 aside), and case
     * does not matter */
    if (n < 0 || (size <= 255 && n > (labels > 1 ? labels : 1)))
        abort();
    lower = malloc(size ? size : 1);
    for (i = 0; i < size; i++)
        lower[i] = (host[i] >= 'A' && host[i] <= 'Z') ? host[i] + 32 : host[i];
    if (iss_psl_suffix_labels(lower, size, 1) != n)
        abort();
    free(lower);
    return 0;
}
