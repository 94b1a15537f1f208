/* SSL.xs: the module's XS entry point. The XSUBs live in xs/ by area, one .xs file each;
 * the glue they share (checked handles, callbacks, errors, the I/O loops)
 * in xs/glue.c and xs/io.c, declared in xs/glue.h. */
#include "glue.h"

MODULE = IO::Socket::SSL    PACKAGE = IO::Socket::SSL::_Lib

PROTOTYPES: DISABLE

BOOT:
    glue_boot(aTHX);

INCLUDE: xs/lib.xs

INCLUDE: xs/optparse.xs

INCLUDE: xs/netssleay.xs

INCLUDE: xs/x509.xs

INCLUDE: xs/context.xs

INCLUDE: xs/connection.xs

INCLUDE: xs/socket.xs

INCLUDE: xs/conform.xs
INCLUDE: xs/ocsp.xs
