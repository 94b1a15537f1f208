/* t_loaders.c: certificate, key and CA loading from PEM, DER and PKCS#12
 * (certs.c, store.c, x509info.c) through the entry point the fuzzers use:
 * every file of the test PKI is accepted by the loaders it is meant for, and
 * broken files are refused without a crash or a leak. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctlib.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1)) != NULL) {
        *len = fread(buf, 1, (size_t)n, f);
        buf[*len] = '\0';
    }
    fclose(f);
    return buf;
}

static void loads(const char *file, const char *passwd, int want)
{
    size_t len = 0;
    char *data = slurp(ct_cert_path(file), &len);
    int got = data ? ct_load_all(data, len, passwd) : -1;
    /* only the bits we state: other loaders may accept more */
    ct_ok(got >= 0 && (got & want) == want, "%s (password %s) loads as %#x", file,
          passwd ? passwd : "none", want);
    if (got < 0 || (got & want) != want)
        ct_diag("got %#x", got);
    free(data);
}

static void refused(const char *file, const char *passwd, int mask)
{
    size_t len = 0;
    char *data = slurp(ct_cert_path(file), &len);
    int got = data ? ct_load_all(data, len, passwd) : -1;
    ct_ok(got >= 0 && (got & mask) == 0, "%s is refused by loaders %#x", file, mask);
    if (got < 0 || (got & mask))
        ct_diag("got %#x", got);
    free(data);
}

int main(void)
{
    ct_plan(0);
    loads("server-cert.pem", "", CT_LOAD_CERT | CT_LOAD_CA | CT_LOAD_X509 | CT_LOAD_LIST);
    loads("server-chain.pem", "", CT_LOAD_CERT | CT_LOAD_CA | CT_LOAD_X509 | CT_LOAD_LIST);
    loads("server-key.pem", "", CT_LOAD_KEY | CT_LOAD_PKEY);
    loads("server-combined.pem", "", CT_LOAD_CERT | CT_LOAD_KEY | CT_LOAD_X509 | CT_LOAD_PKEY);
    loads("server-cert.der", "", CT_LOAD_CERT);
    loads("server-key.der", "", CT_LOAD_KEY);
    loads("server-key-enc.pem", "keypass", CT_LOAD_KEY);
    loads("server-key-enc-trad.pem", "keypass", CT_LOAD_KEY);
    loads("server.p12", "p12pass", CT_LOAD_CERT);
    loads("server-nopass.p12", NULL, CT_LOAD_CERT);
    loads("server-leaf.p12", "p12pass", CT_LOAD_CERT);
    loads("ca-bundle.pem", "", CT_LOAD_CA | CT_LOAD_LIST);
    refused("server-key-enc.pem", "wrong", CT_LOAD_KEY | CT_LOAD_PKEY);
    refused("server-key-enc.pem", NULL, CT_LOAD_KEY | CT_LOAD_PKEY);
    refused("server.p12", "wrong", CT_LOAD_CERT);
    refused("bad-base64-cert.pem", "", CT_LOAD_CERT | CT_LOAD_X509);
    refused("bad-garbage.der", "", CT_LOAD_CERT | CT_LOAD_KEY | CT_LOAD_X509);
    refused("bad-garbage.pem", "", CT_LOAD_CERT | CT_LOAD_KEY | CT_LOAD_X509);
    refused("bad-truncated-cert.der", "", CT_LOAD_CERT);
    refused("bad-truncated-cert.pem", "", CT_LOAD_CERT | CT_LOAD_X509);
    refused("bad-truncated-key.pem", "", CT_LOAD_KEY | CT_LOAD_PKEY);
    refused("bad-truncated.p12", "p12pass", CT_LOAD_CERT);
    refused("empty.pem", "", 0x7f);
    {
        /* bytes that are none of the formats, and nothing at all */
        static const char junk[] = "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n";
        ct_is_int(ct_load_all(junk, sizeof junk - 1, "") & 0x7f, 0, "a PEM frame around junk");
        ct_is_int(ct_load_all("", 0, "") & 0x7f, 0, "zero bytes");
        ct_is_int(ct_load_all("\x30\x82\xff\xff", 4, "") & 0x7f, 0, "a DER header claiming 64 KB");
    }
    return ct_done();
}
