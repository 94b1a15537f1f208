# The hot I/O methods of IO::Socket::SSL and its tie class SSL_HANDLE.

MODULE = IO::Socket::SSL    PACKAGE = IO::Socket::SSL

void
sysread(SV *self, SV *buf, SSize_t len, SSize_t offset = 0)
  ALIAS:
    read = 1
    peek = 2
  PPCODE:
  {
    /* ix is glue_read's mode */
    static const char *const plain[] = { "_plain_sysread", "_plain_read", "_plain_peek" };
    iss_conn *c = glue_sock_conn(aTHX_ self);
    if (!c)
        FALLBACK(plain[ix], items, G_SCALAR);
    ST(0) = glue_read(aTHX_ self, c, buf, len, offset, ix);
    XSRETURN(1);
  }

void
syswrite(SV *self, SV *buf, SV *lensv = &PL_sv_undef, SSize_t offset = 0)
  ALIAS:
    write = 1
  PPCODE:
  {
    iss_conn *c = glue_sock_conn(aTHX_ self);
    STRLEN len;
    const char *p;
    if (!c)
        FALLBACK(ix ? "_plain_write" : "_plain_syswrite", items, G_SCALAR);
    if (!(p = glue_write_range(aTHX_ self, buf, lensv, offset, &len)))
        XSRETURN_UNDEF;
    ST(0) = glue_write(aTHX_ self, c, p, len, ix == 1);
    XSRETURN(1);
  }

void
print(SV *self, ...)
  PPCODE:
  {
    iss_conn *c = glue_sock_conn(aTHX_ self);
    if (!c)
        FALLBACK("_plain_print", items, G_SCALAR);
    ST(0) = glue_print(aTHX_ self, c, &ST(1), items - 1) ? &PL_sv_yes : &PL_sv_undef;
    XSRETURN(1);
  }

void
readline(SV *self)
  PPCODE:
  {
    iss_conn *c = glue_sock_conn(aTHX_ self);
    I32 gimme = GIMME_V;
    int n;
    if (!c) {
        PUTBACK;
        n = glue_call_plain(aTHX_ "_plain_readline", &ST(0), 1, gimme == G_LIST ? G_LIST : G_SCALAR);
        return;
    }
    PUTBACK;
    n = glue_readline(aTHX_ self, c, gimme == G_LIST ? G_LIST : G_SCALAR, 0);
    SPAGAIN;
    XSRETURN(n);
  }

void
getline(SV *self)
  PPCODE:
  {
    iss_conn *c = glue_sock_conn(aTHX_ self);
    int n;
    if (!c) {
        PUTBACK;
        n = glue_call_plain(aTHX_ "_plain_readline", &ST(0), 1, G_SCALAR);
        return;
    }
    PUTBACK;
    n = glue_readline(aTHX_ self, c, G_SCALAR, 0);
    SPAGAIN;
    XSRETURN(n);
  }

void
getlines(SV *self)
  PPCODE:
  {
    iss_conn *c;
    int n;
    if (GIMME_V != G_LIST)
        croak("Use of getlines() not allowed in scalar context");
    c = glue_sock_conn(aTHX_ self);
    if (!c) {
        PUTBACK;
        n = glue_call_plain(aTHX_ "_plain_readline", &ST(0), 1, G_LIST);
        return;
    }
    PUTBACK;
    n = glue_readline(aTHX_ self, c, G_LIST, 0);
    SPAGAIN;
    XSRETURN(n);
  }

void
getc(SV *self)
  PPCODE:
  {
    iss_conn *c = glue_sock_conn(aTHX_ self);
    char ch;
    ssize_t n;
    if (!c)
        FALLBACK("_plain_getc", 1, G_SCALAR);
    glue_clear_error(aTHX);
    for (;;) {
        n = iss_conn_read(c, &ch, 1);
        if (n == ISS_GONE) {
            glue_conn_gone(aTHX);
            XSRETURN_UNDEF;
        }
        if (n != ISS_EINTR)
            break;
        if (!(c = glue_after_signal(aTHX_ self)))
            XSRETURN_UNDEF;
    }
    if (n < 0)
        glue_io_fail(aTHX_ self, (int)n, "SSL read error");
    if (n <= 0)
        XSRETURN_UNDEF;
    ST(0) = sv_2mortal(newSVpvn(&ch, 1));
    XSRETURN(1);
  }

void
eof(SV *self)
  PPCODE:
  {
    iss_conn *c = glue_sock_conn(aTHX_ self);
    char ch;
    ssize_t n;
    if (!c)
        FALLBACK("_plain_eof", 1, G_SCALAR);
    if (iss_conn_pending(c))
        XSRETURN_NO;
    for (;;) {
        n = iss_conn_peek(c, &ch, 1);
        if (n == ISS_GONE) {
            glue_conn_gone(aTHX);
            XSRETURN_YES;
        }
        if (n == ISS_BUSY) {
            glue_io_fail(aTHX_ self, (int)n, "eof");
            XSRETURN_UNDEF;
        }
        if (n != ISS_EINTR)
            break;
        if (!(c = glue_after_signal(aTHX_ self)))
            XSRETURN_YES;
    }
    /* would-block is not the end; an error is, as on a plain socket */
    if (n == 0 || n == ISS_ERR)
        XSRETURN_YES;
    XSRETURN_NO;
  }

void
pending(SV *self)
  PPCODE:
  {
    iss_conn *c = glue_sock_conn(aTHX_ self);
    if (!c)
        XSRETURN_UNDEF;
    ST(0) = sv_2mortal(newSVuv(iss_conn_pending(c)));
    XSRETURN(1);
  }

void
_mode_changed(SV *self)
  PPCODE:
  {
    /* blocking() set the mode: the socket BIO looks again (c_src/biosock.c) */
    iss_conn *c = glue_sock_conn(aTHX_ self);
    if (c)
        iss_conn_mode_changed(c);
    XSRETURN_EMPTY;
  }

void
_socket_reads(SV *self)
  PPCODE:
  {
    iss_conn *c = glue_sock_conn(aTHX_ self);
    if (!c)
        XSRETURN_UNDEF;
    ST(0) = sv_2mortal(newSVuv(iss_conn_socket_reads(c)));
    XSRETURN(1);
  }

MODULE = IO::Socket::SSL    PACKAGE = IO::Socket::SSL::SSL_HANDLE

# The tie object: a blessed ref to a weak ref to the socket, with the
# connection cached (glue_tie_cache). In C: tie runs it for every
# connection, and a Perl sub here cost as much as the tie itself.
SV *
TIEHANDLE(SV *class, SV *handle)
  CODE:
  {
    SV *weak = newSVsv(handle);
    SV *gv;
    HV *hv;
    SV **conn = NULL;
    if (SvROK(weak))
        sv_rvweaken(weak);
    RETVAL = sv_bless(newRV_noinc(weak), gv_stashsv(class, GV_ADD));
    if (SvROK(handle) && SvTYPE(gv = SvRV(handle)) == SVt_PVGV && (hv = GvHV((GV *)gv)))
        conn = hv_fetchs(hv, "_SSL_conn", 0);
    if (conn && SvTRUE(*conn))
        glue_tie_cache(aTHX_ RETVAL, *conn);
  }
  OUTPUT:
    RETVAL

void
READ(SV *tie, SV *buf, SSize_t len, SSize_t offset = 0)
  PPCODE:
  {
    SV *self;
    iss_conn *c = glue_tie_conn_quick(aTHX_ tie, &self);
    if (!c) {
        SV *args[4];
        int i, n;
        args[0] = self;
        for (i = 1; i < items; i++)
            args[i] = ST(i);
        PUTBACK;
        n = glue_call_plain(aTHX_ "sysread", args, items, G_SCALAR);
        SPAGAIN;
        XSRETURN(n);
    }
    ST(0) = glue_read(aTHX_ self, c, buf, len, offset, 0);
    XSRETURN(1);
  }

void
READLINE(SV *tie)
  PPCODE:
  {
    SV *self;
    iss_conn *c = glue_tie_conn_quick(aTHX_ tie, &self);
    I32 gimme = GIMME_V == G_LIST ? G_LIST : G_SCALAR;
    int n;
    SV *line;
    if (!c) {
        PUTBACK;
        n = glue_call_plain(aTHX_ "readline", &self, 1, gimme);
        return;
    }
    if (gimme == G_SCALAR && (line = glue_readline_quick(aTHX_ c))) {
        ST(0) = line;
        XSRETURN(1);
    }
    PUTBACK;
    n = glue_readline(aTHX_ self, c, gimme, 1);
    SPAGAIN;
    XSRETURN(n);
  }

void
WRITE(SV *tie, SV *buf, SV *lensv = &PL_sv_undef, SSize_t offset = 0)
  PPCODE:
  {
    SV *self;
    iss_conn *c = glue_tie_conn_quick(aTHX_ tie, &self);
    STRLEN len;
    const char *p;
    if (!c) {
        SV *args[4];
        int i, n;
        args[0] = self;
        for (i = 1; i < items; i++)
            args[i] = ST(i);
        PUTBACK;
        n = glue_call_plain(aTHX_ "syswrite", args, items, G_SCALAR);
        SPAGAIN;
        XSRETURN(n);
    }
    if (!(p = glue_write_range(aTHX_ self, buf, lensv, offset, &len)))
        XSRETURN_UNDEF;
    ST(0) = glue_write(aTHX_ self, c, p, len, 0);
    XSRETURN(1);
  }

void
PRINT(SV *tie, ...)
  PPCODE:
  {
    SV *self;
    iss_conn *c = glue_tie_conn_quick(aTHX_ tie, &self);
    if (!c) {
        int n;
        ST(0) = self;
        PUTBACK;
        n = glue_call_plain(aTHX_ "print", &ST(0), items, G_SCALAR);
        SPAGAIN;
        XSRETURN(n);
    }
    ST(0) = glue_print(aTHX_ self, c, &ST(1), items - 1) ? &PL_sv_yes : &PL_sv_undef;
    XSRETURN(1);
  }

void
GETC(SV *tie)
  PPCODE:
  {
    SV *self = glue_tied_sock(aTHX_ tie);
    int n;
    PUTBACK;
    n = glue_call_plain(aTHX_ "getc", &self, 1, G_SCALAR);
    SPAGAIN;
    XSRETURN(n);
  }

void
EOF(SV *tie, ...)
  PPCODE:
  {
    SV *self = glue_tied_sock(aTHX_ tie);
    int n;
    PUTBACK;
    n = glue_call_plain(aTHX_ "eof", &self, 1, G_SCALAR);
    SPAGAIN;
    XSRETURN(n);
  }

MODULE = IO::Socket::SSL    PACKAGE = IO::Socket::SSL::_Lib

void
io_wait_status(SV *sock, int status)
  PPCODE:
    /* _io_fail's would-block and EINTR cases, done where sysread's are */
    glue_io_wait_status(aTHX_ sock, status, errno);
    XSRETURN_EMPTY;
