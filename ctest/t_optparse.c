/* t_optparse.c: the SSL_version grammar and SSL_fingerprint strings
 * (c_src/optparse.c), as the reference reads them. */
#include <string.h>
#include "ctlib.h"

#define B(v) (1u << (v))

static void version_ok(const char *spec, size_t len, int want_ver, unsigned want_ex)
{
    int ver = -2;
    unsigned ex = 0;
    const char *err = NULL;
    int rc = iss_parse_ssl_version(spec, len, &ver, &ex, &err);
    ct_ok(rc == ISS_OK && ver == want_ver && ex == want_ex, "SSL_version '%.*s' => %d/%#x",
          (int)len, spec, want_ver, want_ex);
    if (rc != ISS_OK || ver != want_ver || ex != want_ex)
        ct_diag("got rc %d ver %d excluded %#x (%s)", rc, ver, ex, err ? err : "");
}

static void version_bad(const char *spec, size_t len, const char *want_err)
{
    int ver;
    unsigned ex;
    const char *err = NULL;
    int rc = iss_parse_ssl_version(spec, len, &ver, &ex, &err);
    ct_ok(rc == ISS_ERR && err && strcmp(err, want_err) == 0, "SSL_version '%.*s' fails: %s",
          (int)len, spec, want_err);
}

#define VOK(s, v, e) version_ok(s, sizeof(s) - 1, v, e)
#define VBAD(s) version_bad(s, sizeof(s) - 1, "invalid SSL_version specified")
#define VMULTI(s) version_bad(s, sizeof(s) - 1, "cannot set multiple SSL protocols in SSL_version")

static void fp_case(const char *s, int want_rc, const char *want_algo, int want_pub,
                    const char *want_digest, size_t want_dlen)
{
    char algo[256];
    unsigned char digest[128];
    int pub = -1;
    size_t dlen = 0, len = strlen(s);
    int rc = iss_parse_fingerprint(s, len, algo, &pub, digest, &dlen);
    int ok = rc == want_rc;
    if (ok && rc == ISS_OK)
        ok = strcmp(algo, want_algo) == 0 && pub == want_pub && dlen == want_dlen &&
             memcmp(digest, want_digest, dlen) == 0;
    ct_ok(ok, "fingerprint '%s' => %d %s%s", s, want_rc, want_algo ? want_algo : "",
          want_pub ? " pub" : "");
    if (!ok)
        ct_diag("got rc %d algo '%s' pub %d dlen %zu", rc, rc == ISS_OK ? algo : "", pub, dlen);
}

int main(void)
{
    static const char sha1[] = "\x01\x23\x45\x67\x89\xab\xcd\xef\x01\x23\x45\x67\x89\xab\xcd\xef"
                               "\x01\x23\x45\x67";
    ct_plan(0);
    /* the default and single versions, any case, with and without '_' */
    VOK("SSLv23:!SSLv3:!SSLv2:!TLSv1:!TLSv1_1", ISS_VER_ANY,
        B(ISS_VER_SSL3) | B(ISS_VER_SSL2) | B(ISS_VER_TLS1) | B(ISS_VER_TLS1_1));
    VOK("TLSv1_2", ISS_VER_TLS1_2, 0);
    VOK("tlsv12", ISS_VER_TLS1_2, 0);
    VOK("TLSV1_3", ISS_VER_TLS1_3, 0);
    VOK("TLSv1", ISS_VER_TLS1, 0);
    VOK("TLSv11", ISS_VER_TLS1_1, 0);
    VOK("SSLv2/3", ISS_VER_ANY, 0);
    VOK("sslv3", ISS_VER_SSL3, 0);
    VOK("!TLSv1_3", ISS_VER_ANY, B(ISS_VER_TLS1_3));
    VOK("!SSLv23:TLSv1_2", ISS_VER_TLS1_2, 0);   /* excludes nothing */
    /* blanks around ':' belong to the separator; trailing empty fields go */
    VOK("SSLv23 : !TLSv1 :\t!TLSv1_1", ISS_VER_ANY, B(ISS_VER_TLS1) | B(ISS_VER_TLS1_1));
    VOK("TLSv1_2:", ISS_VER_TLS1_2, 0);
    VOK("TLSv1_2 : : ", ISS_VER_TLS1_2, 0);
    VOK("TLSv1_2\n", ISS_VER_TLS1_2, 0);      /* Perl's $ before a final newline */
    VOK("TLSv1_2:TLSv12", ISS_VER_TLS1_2, 0); /* the same version twice */
    VOK("", ISS_VER_ANY, 0);
    VOK(":", ISS_VER_ANY, 0);
    VBAD("TLSv1_4");
    VBAD("TLSv1_2 ");
    VBAD(" TLSv1_2");
    VBAD(":TLSv1_2");
    VBAD("TLSv1_2::!TLSv1");
    VBAD("!!TLSv1");
    VBAD("TLSv1_2\n\n");
    VBAD("TLSv1__2");
    VBAD("TLSv1_2\0");
    VBAD("SSLv2/");
    VBAD("tls1_2");
    VMULTI("TLSv1_2:TLSv1_3");
    VMULTI("SSLv23:TLSv1_2");

    fp_case("sha1$0123456789abcdef0123456789ABCDEF01234567", ISS_OK, "sha1", 0, sha1, 20);
    fp_case("SHA1$pub$01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67", ISS_OK,
            "sha1", 1, sha1, 20);
    fp_case("0123456789abcdef0123456789abcdef01234567", ISS_OK, "sha1", 0, sha1, 20);
    fp_case("0123456789abcdef0123456789abcdef01234567\n", ISS_OK, "sha1", 0, sha1, 20);
    fp_case("0123456789abcdef0123456789abcdef", ISS_OK, "md5", 0, sha1, 16);
    fp_case("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", ISS_OK,
            "sha256", 0, "\x01\x23\x45\x67\x89\xab\xcd\xef\x01\x23\x45\x67\x89\xab\xcd\xef"
            "\x01\x23\x45\x67\x89\xab\xcd\xef\x01\x23\x45\x67\x89\xab\xcd\xef", 32);
    /* "pub$" alone is read as an algorithm name, as the reference's regex does */
    fp_case("pub$0123456789abcdef0123456789abcdef01234567", ISS_OK, "pub", 0, sha1, 20);
    fp_case("sha-512/256$abc", ISS_FP_INVALID, NULL, 0, NULL, 0);
    fp_case("sha512-256$abc", ISS_OK, "sha512-256", 0, "\xab\xc0", 2);   /* pack('H*') pads */
    fp_case("sha1$", ISS_FP_INVALID, NULL, 0, NULL, 0);
    fp_case("sha1$pub$", ISS_FP_INVALID, NULL, 0, NULL, 0);
    fp_case("", ISS_FP_INVALID, NULL, 0, NULL, 0);
    fp_case("$abcd", ISS_FP_INVALID, NULL, 0, NULL, 0);
    fp_case("sha1$xyz", ISS_FP_INVALID, NULL, 0, NULL, 0);
    fp_case("sha1$ab cd", ISS_FP_INVALID, NULL, 0, NULL, 0);
    fp_case("abcd\n\n", ISS_FP_INVALID, NULL, 0, NULL, 0);
    fp_case("abcd", ISS_FP_NO_ALGO, NULL, 0, NULL, 0);
    fp_case("::", ISS_FP_NO_ALGO, NULL, 0, NULL, 0);
    fp_case("md5$::", ISS_OK, "md5", 0, "", 0);
    /* an algorithm named "0" is false in the reference's "$algo ||=" */
    fp_case("0$0123456789abcdef0123456789abcdef01234567", ISS_OK, "sha1", 0, sha1, 20);
    fp_case("0$ab", ISS_FP_NO_ALGO, NULL, 0, NULL, 0);
    fp_case("00$ab", ISS_OK, "00", 0, "\xab", 1);
    return ct_done();
}
