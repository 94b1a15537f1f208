# XSUBs added to behave as the reference release 2.099 (issue 13): one-sided
# TLS shutdown state and post-handshake authentication.

MODULE = IO::Socket::SSL    PACKAGE = IO::Socket::SSL::_Ctx

void
set_post_handshake_auth(iss_ctx *self, int on)
  CODE:
    iss_ctx_set_post_handshake_auth(self, on);

MODULE = IO::Socket::SSL    PACKAGE = IO::Socket::SSL::_Lib

int
raw_verify_client_post_handshake(UV ssl)
  CODE:
    if (!ssl)
        croak("no SSL object given");
    RETVAL = iss_raw_verify_client_post_handshake(INT2PTR(void *, ssl));
  OUTPUT:
    RETVAL

MODULE = IO::Socket::SSL    PACKAGE = IO::Socket::SSL::_Conn

void
set_closed(iss_conn *self, int rd, int wr)
  CODE:
    iss_conn_set_closed(self, rd, wr);
