/* fuzz_fingerprint.c: SSL_fingerprint strings (iss_parse_fingerprint), in
 * buffers of exactly the documented sizes so an overrun is caught. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ctlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *algo = malloc(size + 1);
    unsigned char *digest = malloc((size + 1) / 2 ? (size + 1) / 2 : 1);
    int pub = -1;
    size_t dlen = 99;
    int rc = iss_parse_fingerprint((const char *)data, size, algo, &pub, digest, &dlen);
    if (rc == ISS_OK && (strlen(algo) == 0 || strlen(algo) > size || dlen > (size + 1) / 2 ||
                         (pub != 0 && pub != 1)))
        abort();
    if (rc != ISS_OK && rc != ISS_FP_INVALID && rc != ISS_FP_NO_ALGO)
        abort();
    free(algo);
    free(digest);
    return 0;
}
