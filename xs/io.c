/* io.c: the socket I/O loops behind sysread/read/peek, syswrite/write,
 * print and readline (and their tie methods): one XS call each, the loop in C. */
#include "glue.h"


/* Makes buf a byte string able to hold offset+len bytes; returns its start. */
static char *prepare_buf(pTHX_ SV *buf, SSize_t len, SSize_t *offset)
{
    STRLEN cur;
    char *p;
    if (SvREADONLY(buf))
        croak("Modification of a read-only value attempted");
    if (!SvOK(buf))
        sv_setpvs(buf, "");
    (void)SvPV_force(buf, cur);
    if (SvUTF8(buf))
        sv_utf8_downgrade(buf, FALSE);
    cur = SvCUR(buf);
    if (*offset < 0) {
        if ((STRLEN)-*offset > cur)
            croak("Offset outside string");
        *offset += cur;
    }
    p = SvGROW(buf, (STRLEN)(*offset + len + 1));
    if ((STRLEN)*offset > cur)
        memset(p + cur, 0, *offset - cur);   /* as sysread pads with NULs */
    return p;
}

/* An operation found its connection closed by a Perl callback run inside
 * OpenSSL (the core has freed it): the call fails as on a closed socket. */
void glue_conn_gone(pTHX)
{
    SETERRNO(EBADF, 0);
}

static void finish_buf(pTHX_ SV *buf, SSize_t end)
{
    SvCUR_set(buf, end);
    *SvEND(buf) = '\0';
    SvPOK_only(buf);
    SvSETMAGIC(buf);
}

/* sysread/read/peek. all: keep reading until len bytes, EOF or would-block. */
SV *glue_read(pTHX_ SV *sock, iss_conn *c, SV *buf, SSize_t len, SSize_t offset, int mode)
{
    SSize_t got = 0, n;
    char *p;
    if (len < 0)
        croak("Negative length");
    p = prepare_buf(aTHX_ buf, len, &offset);
    glue_clear_error(aTHX);
    for (;;) {
        if (mode == 2)
            n = iss_conn_peek(c, p + offset + got, len - got);
        else
            n = iss_conn_read(c, p + offset + got, len - got);
        if (n == ISS_GONE) {
            glue_conn_gone(aTHX);
            if (got)
                finish_buf(aTHX_ buf, offset + got);
            return got ? sv_2mortal(newSViv(got)) : &PL_sv_undef;
        }
        if (n > 0) {
            got += n;
            if (mode == 1 && got < len)
                continue;
            break;
        }
        if (n == 0)
            break;
        if (n == ISS_EINTR && (mode == 1 || got == 0)) {
            /* Run the Perl handler; read() continues, sysread reports EINTR.
             * The handler may close the socket or replace $buf: commit what
             * we have and look everything up again afterwards. */
            SSize_t at;
            if (got)
                finish_buf(aTHX_ buf, offset + got);
            if (mode != 1) {
                PERL_ASYNC_CHECK();
                break;
            }
            if (!(c = glue_after_signal(aTHX_ sock)))
                return got ? sv_2mortal(newSViv(got)) : &PL_sv_undef;
            at = offset + got;
            p = prepare_buf(aTHX_ buf, len - got, &at);
            continue;
        }
        break;
    }
    if (got == 0 && n < 0) {
        glue_io_fail(aTHX_ sock, (int)n, "SSL read error");
        return &PL_sv_undef;
    }
    finish_buf(aTHX_ buf, offset + got);
    if (n == 0 && got == 0 && mode != 2) {
        SV *r = glue_peer_shutdown_check(aTHX_ sock, c);   /* after the buffer is settled */
        if (r)
            return r;
    }
    return sv_2mortal(newSViv(got));
}

/* Writes p[0..len); returns the count, or -1 (error reported) for undef.
 * all=0: one record (syswrite); all=1: everything on a blocking socket, the
 * partial count at would-block (write); all=2: all of it even on a
 * non-blocking socket, waiting for the socket as the reference's write-all
 * does, since print has no count to report a partial write with. */
static ssize_t write_loop(pTHX_ SV *sock, iss_conn *c, const char *p, STRLEN len, int all)
{
    STRLEN done = 0;
    SV *copy = NULL;
    glue_clear_error(aTHX);
    if (len == 0)
        return 0;
    while (done < len) {
        /* one record per call: between records a pending signal can run */
        ssize_t n = iss_conn_write(c, p + done, len - done, 0);
        if (n == ISS_GONE) {
            glue_conn_gone(aTHX);
            return done ? (ssize_t)done : -1;
        }
        if (n > 0) {
            done += n;
            if (!all || done >= len)
                break;
            if (!PL_sig_pending)
                continue;
            n = ISS_EINTR;        /* a signal arrived meanwhile: let it run */
        } else if (all == 2 && (n == ISS_WANT_READ || n == ISS_WANT_WRITE)) {
            n = iss_conn_wait(c, n == ISS_WANT_READ, -1);
            if (n != ISS_EINTR)
                continue;
        }
        if (n == ISS_EINTR) {
            /* Run the handler on a private copy of the rest, and find the
             * connection again: the handler may have closed it. */
            if (!copy) {
                copy = sv_2mortal(newSVpvn(p + done, len - done));
                p = SvPVX(copy) - done;
            }
            if (!(c = glue_after_signal(aTHX_ sock)))
                return done ? (ssize_t)done : -1;
            continue;
        }
        if (done)
            break;
        {
            char what[64];
            if (n == ISS_BUSY)
                snprintf(what, sizeof what, "SSL write error");
            else
                snprintf(what, sizeof what, "SSL write error (%d)", iss_conn_ssl_error(c));
            glue_io_fail(aTHX_ sock, (int)n, what);
        }
        return -1;
    }
    return (ssize_t)done;
}

SV *glue_write(pTHX_ SV *sock, iss_conn *c, const char *p, STRLEN len, int all)
{
    ssize_t n = write_loop(aTHX_ sock, c, p, len, all);
    return n < 0 ? &PL_sv_undef : sv_2mortal(newSVuv((UV)n));
}

/* The separator as readline sees it: 0 normal, 1 paragraph, 2 record, 3 slurp. */
static int rs_mode(pTHX_ const char **d, STRLEN *dlen, SSize_t *rec)
{
    SV *rs = PL_rs;
    if (!rs || !SvOK(rs))
        return 3;
    if (SvROK(rs)) {
        IV n = SvIV(SvRV(rs));
        if (n <= 0)
            croak("bad value in ref $/: %" IVdf, n);
        *rec = n;
        return 2;
    }
    *d = SvPV(rs, *dlen);
    if (*dlen == 0)
        return 1;
    return 0;
}

/* Splits everything that was read into records, for list context. */
static int push_split(pTHX_ const char *p, STRLEN len, int mode, const char *d, STRLEN dlen,
                      SSize_t rec)
{
    dSP;
    int count = 0;
    STRLEN pos = 0;
    if (mode == 1) {
        d = "\n\n";
        dlen = 2;
    }
    while (pos < len) {
        STRLEN end;
        if (mode == 2) {
            end = pos + rec < len ? pos + rec : len;
        } else if (mode == 3) {
            end = len;
        } else {
            const char *hit = dlen == 1 ? memchr(p + pos, d[0], len - pos)
                                        : memmem(p + pos, len - pos, d, dlen);
            end = hit ? (STRLEN)(hit - p) + dlen : len;
            if (hit && mode == 1)
                while (end < len && p[end] == '\n')
                    end++;
        }
        mXPUSHp(p + pos, end - pos);
        count++;
        pos = end;
    }
    PUTBACK;
    return count;
}

/* READLINE called by perl's readline op for `<$sock>`, which copies the
 * result at once: its tie call runs on a stack of its own (PERLSI_MAGIC)
 * with no Perl sub in between. Called as a method (tied(*$s)->READLINE),
 * also from inside some other tie's method, there is a sub frame or another
 * stack: the caller keeps the scalar and must get its own. */
static int from_readline_op(pTHX)
{
    return PL_curstackinfo->si_type == PERLSI_MAGIC && cxstack_ix < 0;
}

/* READLINE's common case, in scalar context from `<$sock>`: $/ one plain
 * byte and the line whole in the record at hand. Returns the borrowed line
 * (see glue_readline), or NULL for glue_readline to do everything. The
 * result is the same as glue_readline's: nothing that can fail or run Perl
 * code lies between the two, so clearing the error after the read is as
 * clearing it before. */
SV *glue_readline_quick(pTHX_ iss_conn *c)
{
    SV *rs = PL_rs, *l, *e;
    const char *out;
    ssize_t n;
    my_cxt_t *cx_;
    /* as rs_mode for a plain string: SvPV without get magic is SvPVX */
    if (!rs || !SvPOK(rs) || SvGMAGICAL(rs) || SvCUR(rs) != 1 || !from_readline_op(aTHX))
        return NULL;
    if ((n = iss_conn_nextline(c, (unsigned char)*SvPVX(rs), &out)) <= 0)
        return NULL;
    cx_ = glue_cxt(aTHX);
    e = GvSVn(cx_->ssl_error);    /* glue_clear_error */
    if (SvOK(e))
        sv_setsv(e, &PL_sv_undef);
    SETERRNO(0, 0);
    l = cx_->line;
    SvPV_set(l, (char *)out);
    SvCUR_set(l, n);
    return l;
}

int glue_readline(pTHX_ SV *sock, iss_conn *c, I32 gimme, int tied)
{
    dSP;
    const char *d = "\n", *out = NULL;
    STRLEN dlen = 1;
    SSize_t rec = 0, n;
    int mode = rs_mode(aTHX_ &d, &dlen, &rec), k;
    glue_clear_error(aTHX);
    for (;;) {
        if (gimme == G_LIST || mode == 3)
            n = iss_conn_readall(c, &out);
        else if (mode == 2)
            n = iss_conn_readrec(c, rec, &out);
        else
            n = iss_conn_readline(c, d, dlen, mode == 1, &out);
        if (n == ISS_GONE) {
            glue_conn_gone(aTHX);
            c = NULL;
            n = ISS_ERR;
            break;
        }
        if (n != ISS_EINTR)
            break;
        /* the handler may close the socket or change $/ */
        if (!(c = glue_after_signal(aTHX_ sock))) {
            n = ISS_ERR;
            break;
        }
        mode = rs_mode(aTHX_ &d, &dlen, &rec);
    }
    SPAGAIN;                      /* a handler may have moved the stack */
    if (n < 0) {
        if (c)
            glue_io_fail(aTHX_ sock, (int)n, "SSL read error");
        SPAGAIN;
        if (gimme == G_LIST)
            return 0;
        XPUSHs(&PL_sv_undef);
        PUTBACK;
        return 1;
    }
    /* copy the data out before any Perl code (SSL_on_peer_shutdown) runs */
    if (gimme == G_LIST) {
        PUTBACK;
        k = push_split(aTHX_ out, n, mode, d, dlen, rec);
    } else {
        if (n == 0 && mode != 3) {
            XPUSHs(&PL_sv_undef);
        } else if (tied && n > 0 && mode != 3 && from_readline_op(aTHX)) {
            /* pp_readline copies the result into its target at once, and the
             * line stays in the connection's buffer until the next read: the
             * scalar handed over borrows it (SvLEN 0: perl never frees or
             * shares it; readonly: nobody writes through it), so each line is
             * copied once, not twice. (Not when SSL_on_peer_shutdown may run
             * below: it could read another tied handle into the same scalar.) */
            my_cxt_t *cx_ = glue_cxt(aTHX);
            SV *l = cx_->line;
            SvPV_set(l, (char *)out);
            SvCUR_set(l, n);
            XPUSHs(l);
        } else {
            mXPUSHp(out ? out : "", n);
        }
        PUTBACK;
        k = 1;
    }
    if (n == 0 || gimme == G_LIST || mode == 3)
        glue_peer_shutdown_check(aTHX_ sock, c);
    return k;
}

/* Writes the print list joined by $, and followed by $\; 1 if it worked.
 * No value to return: print's true or false is all the caller gets, so
 * there is no mortal count as glue_write makes. One item and no $\ (the
 * common case) goes out as it is, and $, does not matter then. */
int glue_print(pTHX_ SV *sock, iss_conn *c, SV **items, int count)
{
    SV *ofs, *ors = PL_ors_sv, *tmp;
    STRLEN len, ofslen = 0;
    const char *p;
    int i, has_ofs, has_ors = ors && SvOK(ors);
    if (count == 1 && !has_ors) {
        p = SvPV(items[0], len);
        return write_loop(aTHX_ sock, c, p, len, 2) >= 0;
    }
    ofs = PL_ofsgv ? GvSV(PL_ofsgv) : NULL;
    has_ofs = ofs && SvOK(ofs) && (SvPV(ofs, ofslen), ofslen > 0);
    tmp = sv_2mortal(newSVpvs(""));
    for (i = 0; i < count; i++) {
        if (i && has_ofs)
            sv_catsv(tmp, ofs);
        sv_catsv(tmp, items[i]);
    }
    if (has_ors)
        sv_catsv(tmp, ors);
    p = SvPV(tmp, len);
    return write_loop(aTHX_ sock, c, p, len, 2) >= 0;
}

/* syswrite/WRITE's (buf, len, offset) as the reference reads them: a length
 * of 0 or undef means the whole buffer, a negative offset counts from the
 * end. Returns the start and sets *len; NULL (after reporting "Invalid
 * offset") when the offset lies beyond the buffer. */
const char *glue_write_range(pTHX_ SV *sock, SV *buf, SV *lensv, SSize_t offset, STRLEN *len)
{
    STRLEN blen;
    const char *p = SvPV(buf, blen);
    *len = SvOK(lensv) && SvIV(lensv) > 0 ? (STRLEN)SvIV(lensv) : blen;
    if (offset < 0) {
        if ((STRLEN)-offset > blen)
            croak("Offset outside string");
        offset += blen;
    }
    if ((STRLEN)offset > blen) {
        glue_clear_error(aTHX);
        glue_io_fail(aTHX_ sock, ISS_INTERNAL_ERR, "Invalid offset for SSL write");
        return NULL;
    }
    if (*len > blen - offset)
        *len = blen - offset;
    return p + offset;
}
