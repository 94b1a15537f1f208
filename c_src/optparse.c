/* optparse.c: the option strings a user hands to SSL_Context, parsed in C so
 * that one tested and fuzzed implementation decides what they mean:
 * SSL_version ("SSLv23:!TLSv1") and SSL_fingerprint ("sha256$pub$ab:cd..."). */
#include <ctype.h>
#include <string.h>
#include "iss.h"

/* The reference matches each field with a Perl regex ending in '$', which
 * also accepts one newline at the very end of the field. */
static size_t strip_final_newline(const char *s, size_t n)
{
    return n && s[n - 1] == '\n' ? n - 1 : n;
}

static int ieq_lit(const char *s, size_t n, const char *lit)
{
    size_t i;
    if (strlen(lit) != n)
        return 0;
    for (i = 0; i < n; i++)
        if (tolower((unsigned char)s[i]) != tolower((unsigned char)lit[i]))
            return 0;
    return 1;
}

/* One field: [!]SSLv2|SSLv3|SSLv23|SSLv2/3|TLSv1|TLSv1[_]1|TLSv1[_]2|TLSv1[_]3,
 * any case. Returns the ISS_VER_* value or -1. */
static int version_word(const char *s, size_t n)
{
    static const struct { const char *word; int ver; } words[] = {
        {"SSLv2", ISS_VER_SSL2}, {"SSLv3", ISS_VER_SSL3}, {"SSLv23", ISS_VER_ANY},
        {"SSLv2/3", ISS_VER_ANY}, {"TLSv1", ISS_VER_TLS1},
        {"TLSv1_1", ISS_VER_TLS1_1}, {"TLSv11", ISS_VER_TLS1_1},
        {"TLSv1_2", ISS_VER_TLS1_2}, {"TLSv12", ISS_VER_TLS1_2},
        {"TLSv1_3", ISS_VER_TLS1_3}, {"TLSv13", ISS_VER_TLS1_3},
    };
    size_t i;
    for (i = 0; i < sizeof words / sizeof words[0]; i++)
        if (ieq_lit(s, n, words[i].word))
            return words[i].ver;
    return -1;
}

static int is_space(unsigned char ch)
{
    /* Perl's \s on a byte string */
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

int iss_parse_ssl_version(const char *spec, size_t len, int *ver, unsigned *excluded,
                          const char **err)
{
    size_t pos = 0, end = len;
    *ver = -1;
    *excluded = 0;
    *err = NULL;
    /* Perl's split /\s*:\s*\/ drops trailing empty fields: cut separators
     * (colons with the blanks around them) off the end first. */
    for (;;) {
        size_t e = end;
        while (e > 0 && is_space((unsigned char)spec[e - 1]))
            e--;
        if (e > 0 && spec[e - 1] == ':') {
            e--;
            while (e > 0 && is_space((unsigned char)spec[e - 1]))
                e--;
            end = e;
        } else {
            break;
        }
    }
    while (pos < end) {
        size_t fend = pos, next;
        int not = 0, v;
        const char *f;
        size_t flen;
        while (fend < end && spec[fend] != ':')
            fend++;
        /* blanks before the colon belong to the separator */
        next = fend;
        if (fend < end) {
            next = fend + 1;
            while (fend > pos && is_space((unsigned char)spec[fend - 1]))
                fend--;
            while (next < end && is_space((unsigned char)spec[next]))
                next++;
        }
        f = spec + pos;
        flen = fend - pos;
        if (fend == end)
            flen = strip_final_newline(f, flen);
        if (flen && f[0] == '!') {
            not = 1;
            f++;
            flen--;
        }
        v = version_word(f, flen);
        if (v < 0) {
            *err = "invalid SSL_version specified";
            return ISS_ERR;
        }
        if (not) {
            if (v != ISS_VER_ANY)  /* "!SSLv23" excludes nothing */
                *excluded |= 1u << v;
        } else {
            if (*ver >= 0 && *ver != v) {
                *err = "cannot set multiple SSL protocols in SSL_version";
                return ISS_ERR;
            }
            *ver = v;
        }
        pos = next;
    }
    if (*ver < 0)
        *ver = ISS_VER_ANY;
    return ISS_OK;
}

static int hexval(unsigned char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    ch = (unsigned char)tolower(ch);
    return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* Perl's [\w-] on a byte string, ASCII only whatever the C locale says */
static int is_word(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '-';
}

int iss_parse_fingerprint(const char *s, size_t len, char *algo, int *pubkey,
                          unsigned char *digest, size_t *dlen)
{
    size_t i = 0, n = strip_final_newline(s, len), alen = 0, hexdigits = 0;
    *pubkey = 0;
    *dlen = 0;
    algo[0] = '\0';
    /* an optional "algo$": the longest run of word characters ending in '$'
     * (so "pub$<hex>" names the algorithm "pub", as the reference reads it) */
    while (i < n && is_word((unsigned char)s[i]))
        i++;
    if (i > 0 && i < n && s[i] == '$') {
        for (alen = 0; alen < i; alen++)
            algo[alen] = (char)tolower((unsigned char)s[alen]);
        algo[alen] = '\0';
        i++;
    } else {
        i = 0;
    }
    if (n - i >= 4 && ieq_lit(s + i, 4, "pub$")) {
        *pubkey = 1;
        i += 4;
    }
    if (i == n)
        return ISS_FP_INVALID;
    for (; i < n; i++) {
        int h;
        if (s[i] == ':')
            continue;
        h = hexval((unsigned char)s[i]);
        if (h < 0)
            return ISS_FP_INVALID;
        /* pack('H*'): high nibble first, an odd last digit padded with 0 */
        if (hexdigits % 2 == 0)
            digest[hexdigits / 2] = (unsigned char)(h << 4);
        else
            digest[hexdigits / 2] |= (unsigned char)h;
        hexdigits++;
    }
    *dlen = (hexdigits + 1) / 2;
    /* the reference's "$algo ||= guess": an algorithm named "0" is false */
    if (alen == 1 && algo[0] == '0')
        alen = 0;
    if (!alen) {
        const char *guess = hexdigits == 32 ? "md5" : hexdigits == 40 ? "sha1"
                          : hexdigits == 64 ? "sha256" : NULL;
        if (!guess)
            return ISS_FP_NO_ALGO;
        strcpy(algo, guess);
    }
    return ISS_OK;
}
