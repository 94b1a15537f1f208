/* lib.c: library start-up, version facts and the OpenSSL error queue. */
#include <string.h>
#include <pthread.h>
#include <openssl/crypto.h>
#include "iss_internal.h"
#include <openssl/ssl.h>

int iss_conn_ex_index = -1;
int iss_ctx_ex_index = -1;

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_once_fn(void)
{
    if (!OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS, NULL))
        return;
    /* ex_data slots let OpenSSL callbacks find our objects again */
    iss_ctx_ex_index = SSL_CTX_get_ex_new_index(0, "iss_ctx", NULL, NULL, NULL);
    iss_conn_ex_index = SSL_get_ex_new_index(0, "iss_conn", NULL, NULL, NULL);
}

/* Once per process, whichever thread gets here first. */
int iss_init(void)
{
    pthread_once(&init_once, init_once_fn);
    return (iss_conn_ex_index >= 0 && iss_ctx_ex_index >= 0) ? ISS_OK : ISS_ERR;
}

unsigned long iss_openssl_version_number(void)
{
    return OpenSSL_version_num();
}

const char *iss_openssl_version_text(int which)
{
    return OpenSSL_version(which);
}

size_t iss_err_drain(char *buf, size_t len)
{
    size_t used = 0;
    unsigned long e;
    if (len == 0)
        return 0;
    buf[0] = '\0';
    while ((e = ERR_get_error()) != 0) {
        char one[256];
        size_t n;
        ERR_error_string_n(e, one, sizeof one);
        n = strlen(one);
        if (used + n + 2 > len)
            continue;               /* keep draining; the text is full */
        if (used)
            buf[used++] = ' ';
        memcpy(buf + used, one, n + 1);
        used += n;
    }
    return used;
}

void iss_err_clear(void)
{
    ERR_clear_error();
}

void iss_err_string(unsigned long e, char *buf, size_t len)
{
    ERR_error_string_n(e, buf, len);
}
