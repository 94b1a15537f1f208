/* fuzz_version.c: the SSL_version grammar (iss_parse_ssl_version). */
#include <stdint.h>
#include <stdlib.h>
#include "ctlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int ver;
    unsigned ex;
    const char *err;
    int rc = iss_parse_ssl_version((const char *)data, size, &ver, &ex, &err);
    if (rc == ISS_OK && (ver < ISS_VER_ANY || ver > ISS_VER_TLS1_3 || (ex & ~0x7eu)))
        abort();
    if (rc != ISS_OK && (rc != ISS_ERR || !err))
        abort();
    return 0;
}
