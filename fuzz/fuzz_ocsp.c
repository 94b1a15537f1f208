/* fuzz_ocsp.c: OCSP responses (c_src/ocsp.c, iss_ocsp_check_response) as a
 * server staples or a responder returns them, checked against the test
 * PKI's server certificate and its issuer. Built by fuzz/run.sh only when
 * c_src/ocsp.h exists. */
#include <stdint.h>
#include <stdlib.h>
#include "ctlib.h"
#include "ocsp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static void *cert, *issuer;
    iss_ocsp_single out;
    char err[256];
    if (!cert) {
        cert = iss_x509_from_pem_file(ct_cert_path("server-cert.pem"));
        issuer = iss_x509_from_pem_file(ct_cert_path("intermediate-ca.pem"));
        if (!cert || !issuer)
            abort();
    }
    iss_ocsp_response_parses(data, size);
    iss_ocsp_check_response(data, size, cert, issuer, &out, err, sizeof err);
    iss_ocsp_response_free(iss_ocsp_response_d2i(data, size));
    return 0;
}
