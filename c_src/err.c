/* err.c: the error record every context and connection keeps: what failed
 * (a code), how much it says (a severity) and its text. The ranking of
 * severities lives here and nowhere else; the Perl side asks it too. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "iss_internal.h"

/* Whether an error (code, sev) replaces what the record holds: an empty
 * record takes anything, otherwise the later error wins when it is at least
 * as severe - except that OpenSSL's generic failure never hides the death of
 * a Perl callback during the same operation, which is what caused it. */
int iss_error_outranks(int old_code, int old_sev, int code, int sev)
{
    if (old_sev < 0 || sev > old_sev)
        return 1;
    if (sev < old_sev)
        return 0;
    return !(old_code == ISS_E_CALLBACK && code == ISS_E_OPENSSL);
}

void iss_error_init(iss_error *e)
{
    e->code = ISS_E_NONE;
    e->severity = -1;
    e->text = NULL;
}

void iss_error_clear(iss_error *e)
{
    free(e->text);
    iss_error_init(e);
}

void iss_error_forget(iss_error *e, int code)
{
    if (e->code == code)
        iss_error_clear(e);
}

static char *vformat(const char *fmt, va_list ap)
{
    va_list ap2;
    int n;
    char *s;
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0 || !(s = malloc((size_t)n + 1)))
        return NULL;
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

static int store(iss_error *e, int code, int sev, char *text)
{
    if (!iss_error_outranks(e->code, e->severity, code, sev)) {
        free(text);
        return 0;
    }
    free(e->text);
    e->code = code;
    e->severity = sev;
    e->text = text;
    return 1;
}

int iss_error_set(iss_error *e, int code, int sev, const char *fmt, ...)
{
    va_list ap;
    char *text;
    va_start(ap, fmt);
    text = vformat(fmt, ap);
    va_end(ap);
    return store(e, code, sev, text);
}

int iss_error_openssl(iss_error *e)
{
    char buf[ISS_ERRLEN];
    iss_err_drain(buf, sizeof buf);
    return iss_error_set(e, ISS_E_OPENSSL, ISS_SEV_OPENSSL, "%s", buf);
}

void iss_error_append(iss_error *e, int code, int sev, const char *fmt, ...)
{
    va_list ap;
    char *more, *text;
    size_t a, b;
    va_start(ap, fmt);
    more = vformat(fmt, ap);
    va_end(ap);
    if (!more)
        return;
    if (e->code != code || !e->text) {
        store(e, code, sev, more);
        return;
    }
    a = strlen(e->text);
    b = strlen(more);
    if ((text = realloc(e->text, a + b + 1)) != NULL) {
        memcpy(text + a, more, b + 1);
        e->text = text;
    }
    free(more);
}

const char *iss_error_text(const iss_error *e)
{
    return e->text ? e->text : "";
}
