/* fuzz_load.c: certificate, key, CA and CRL files as a user names them
 * (SSL_cert_file, SSL_key_file, SSL_ca_file, SSL_crl_file, Utils): PEM, DER
 * and PKCS#12, through ct_load_all, the C tests' entry point. */
#include <stdint.h>
#include <stdlib.h>
#include "ctlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static iss_ctx *ctx;
    if (!ctx && !(ctx = iss_ctx_new(1, 0, 0, 0)))
        abort();
    /* the test PKI's PKCS#12 password, so its seeds decrypt */
    ct_load_into(ctx, data, size, "p12pass");
    return 0;
}
