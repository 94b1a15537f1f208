package IO::Socket::SSL::NetSSLeay;
# Stands in for Net::SSLeay when it is not installed at all. Code written for
# the reference IO::Socket::SSL often checks Net::SSLeay's version and calls
# a few of its functions on the handles IO::Socket::SSL hands out (HTTP::Tiny
# sets SSL_MODE_AUTO_RETRY on the SSL_CTX* from SSL_create_ctx_callback).
# This is that small subset, on our own XS; anything else croaks clearly. A
# real Net::SSLeay anywhere in @INC is always found first.

use strict;
use warnings;

package Net::SSLeay;
our $VERSION = '1.92';    # the Net::SSLeay whose interface this subset follows
our $trace; $trace ||= 0;    # also $IO::Socket::SSL::DEBUG: keep its level
our $AUTOLOAD;

use constant {
    ERROR_NONE => 0, ERROR_SSL => 1, ERROR_WANT_READ => 2, ERROR_WANT_WRITE => 3,
    ERROR_WANT_X509_LOOKUP => 4, ERROR_SYSCALL => 5, ERROR_ZERO_RETURN => 6,
    ERROR_WANT_CONNECT => 7, ERROR_WANT_ACCEPT => 8,
    VERIFY_NONE => 0, VERIFY_PEER => 1, VERIFY_FAIL_IF_NO_PEER_CERT => 2,
    VERIFY_CLIENT_ONCE => 4,
    MODE_ENABLE_PARTIAL_WRITE => 0x1, MODE_ACCEPT_MOVING_WRITE_BUFFER => 0x2,
    MODE_AUTO_RETRY => 0x4, MODE_RELEASE_BUFFERS => 0x10,
    FILETYPE_PEM => 1, FILETYPE_ASN1 => 2,
    OP_NO_TICKET => 0x00004000, OP_CIPHER_SERVER_PREFERENCE => 0x00400000,
    OP_NO_TLSv1 => 0x04000000, OP_NO_TLSv1_1 => 0x10000000, OP_NO_TLSv1_2 => 0x08000000,
    OP_NO_TLSv1_3 => 0x20000000,
    GEN_DNS => 2, GEN_IPADD => 7, NID_commonName => 13,
    OCSP_RESPONSE_STATUS_SUCCESSFUL => 0, V_OCSP_CERTSTATUS_GOOD => 0,
    V_OCSP_CERTSTATUS_REVOKED => 1, V_OCSP_CERTSTATUS_UNKNOWN => 2,
};

sub OPENSSL_VERSION_NUMBER { IO::Socket::SSL::_Lib::openssl_version_number() }
sub SSLeay                 { IO::Socket::SSL::_Lib::openssl_version_number() }
sub SSLeay_version         { IO::Socket::SSL::_Lib::openssl_version_text($_[0] || 0) }
sub OpenSSL_version        { IO::Socket::SSL::_Lib::openssl_version_text($_[0] || 0) }

sub library_init           { 1 }
sub load_error_strings     { 1 }
sub SSLeay_add_ssl_algorithms { 1 }
sub OpenSSL_add_all_digests { 1 }
sub randomize              { 1 }

sub CTX_set_mode   { IO::Socket::SSL::_Lib::raw_mode(1, $_[0], $_[1], 0) }
sub CTX_clear_mode { IO::Socket::SSL::_Lib::raw_mode(1, $_[0], 0, $_[1]) }
sub CTX_get_mode   { IO::Socket::SSL::_Lib::raw_mode(1, $_[0], 0, 0) }
sub set_mode       { IO::Socket::SSL::_Lib::raw_mode(0, $_[0], $_[1], 0) }
sub clear_mode     { IO::Socket::SSL::_Lib::raw_mode(0, $_[0], 0, $_[1]) }
sub get_mode       { IO::Socket::SSL::_Lib::raw_mode(0, $_[0], 0, 0) }

sub CTX_set_options   { IO::Socket::SSL::_Lib::raw_options(1, $_[0], $_[1], 0) }
sub CTX_clear_options { IO::Socket::SSL::_Lib::raw_options(1, $_[0], 0, $_[1]) }
sub CTX_get_options   { IO::Socket::SSL::_Lib::raw_options(1, $_[0], 0, 0) }
sub set_options       { IO::Socket::SSL::_Lib::raw_options(0, $_[0], $_[1], 0) }
sub clear_options     { IO::Socket::SSL::_Lib::raw_options(0, $_[0], 0, $_[1]) }
sub get_options       { IO::Socket::SSL::_Lib::raw_options(0, $_[0], 0, 0) }
sub BIO_new_file   { IO::Socket::SSL::_Lib::raw_bio_new_file($_[0], $_[1]) }
sub BIO_free       { IO::Socket::SSL::_Lib::raw_bio_free($_[0]); 1 }
sub PEM_read_bio_DHparams { IO::Socket::SSL::_Lib::raw_pem_read_dh($_[0]) }
sub DH_free        { IO::Socket::SSL::_Lib::raw_dh_free($_[0]) }
sub SESSION_free   { IO::Socket::SSL::_Lib::session_free($_[0]) }
sub verify_client_post_handshake { IO::Socket::SSL::_Lib::raw_verify_client_post_handshake($_[0]) }
# what SSL_ocsp_staple_callback users need: keep the response, look at it
sub i2d_OCSP_RESPONSE        { IO::Socket::SSL::_Lib::ocsp_raw_i2d($_[0]) }
sub OCSP_response_status     { IO::Socket::SSL::_Lib::ocsp_raw_status($_[0]) }
sub OCSP_response_status_str { IO::Socket::SSL::_Lib::ocsp_status_str($_[0]) }
sub ERR_get_error  { 0 }
sub print_errs     { '' }

sub AUTOLOAD {
    my $name = $AUTOLOAD;
    $name =~ s/.*:://;
    return if $name eq 'DESTROY';
    require Carp;
    Carp::croak("Net::SSLeay::$name is not available: Net::SSLeay is not installed, "
        . "and IO::Socket::SSL provides only a small compatibility subset");
}

1;

__END__

=head1 NAME

IO::Socket::SSL::NetSSLeay - the small Net::SSLeay that IO::Socket::SSL offers when none is installed

=head1 SYNOPSIS

    use IO::Socket::SSL;
    require Net::SSLeay;    # the real one if installed, else this subset

    my $ctx = IO::Socket::SSL::SSL_Context->new;
    Net::SSLeay::CTX_set_mode($ctx->{context}, Net::SSLeay::MODE_AUTO_RETRY());

=head1 DESCRIPTION

This IO::Socket::SSL does not use L<Net::SSLeay>. Code written for the
reference implementation sometimes loads it anyway, to check that HTTPS
works (L<HTTP::Tiny> does) or to set a mode or option on the raw C<SSL*>
or C<SSL_CTX*> that a socket hands out. So that such code keeps working on
a machine without Net::SSLeay, loading IO::Socket::SSL puts a hook at the
end of C<@INC> that answers C<require Net::SSLeay> with this module, which
defines package C<Net::SSLeay> with the subset below, implemented on
IO::Socket::SSL's own XS. C<$INC{'Net/SSLeay.pm'}> then names this file.
A real Net::SSLeay anywhere in C<@INC> is always found first, and works on
the same handles (both use the process's one OpenSSL).

Any other function croaks with the message C<Net::SSLeay::NAME is not
available: Net::SSLeay is not installed, and IO::Socket::SSL provides only a
small compatibility subset>.

=head1 FUNCTIONS AND CONSTANTS

All are in package C<Net::SSLeay>. C<$Net::SSLeay::VERSION> is C<1.92>,
the Net::SSLeay release whose interface the subset follows, and
C<$Net::SSLeay::trace> exists (it has no effect).

=over 4

=item OPENSSL_VERSION_NUMBER, SSLeay, SSLeay_version($type), OpenSSL_version($type)

The version number and text of the OpenSSL in use, as OpenSSL's functions
of those names return them.

=item library_init, load_error_strings, SSLeay_add_ssl_algorithms, OpenSSL_add_all_digests, randomize

Return 1: OpenSSL 1.1.1 and later initialise themselves.

=item CTX_set_mode($ctx, $mode), CTX_clear_mode($ctx, $mode), CTX_get_mode($ctx)

=item set_mode($ssl, $mode), clear_mode($ssl, $mode), get_mode($ssl)

Set, clear or read the mode bits of an C<SSL_CTX*> or C<SSL*> handed out by
IO::Socket::SSL; each returns the new mode.

=item CTX_set_options($ctx, $op), CTX_clear_options($ctx, $op), CTX_get_options($ctx)

=item set_options($ssl, $op), clear_options($ssl, $op), get_options($ssl)

The same for the option bits.

=item BIO_new_file($file, $mode), BIO_free($bio), PEM_read_bio_DHparams($bio), DH_free($dh)

Read DH parameters from a PEM file, for C<SSL_dh> (see
L<IO::Socket::SSL/"SSL_dh">).

=item i2d_OCSP_RESPONSE($resp), OCSP_response_status($resp), OCSP_response_status_str($status)

For C<SSL_ocsp_staple_callback>: the DER form of the C<OCSP_RESPONSE*> it is
given, its response status, and the name of a status.

=item verify_client_post_handshake($ssl)

Asks the client of a TLS 1.3 server connection for its certificate after the
handshake (post-handshake authentication); the certificate comes with the
next read. Returns 1 when the request was queued.

=item SESSION_free($session)

Releases a reference on an C<SSL_SESSION*>.

=item ERR_get_error, print_errs

Return 0 and the empty string: this module's errors are reported through
C<$IO::Socket::SSL::SSL_ERROR> instead of OpenSSL's error queue.

=item ERROR_NONE, ERROR_SSL, ERROR_WANT_READ, ERROR_WANT_WRITE, ERROR_WANT_X509_LOOKUP, ERROR_SYSCALL, ERROR_ZERO_RETURN, ERROR_WANT_CONNECT, ERROR_WANT_ACCEPT

=item VERIFY_NONE, VERIFY_PEER, VERIFY_FAIL_IF_NO_PEER_CERT, VERIFY_CLIENT_ONCE

=item MODE_ENABLE_PARTIAL_WRITE, MODE_ACCEPT_MOVING_WRITE_BUFFER, MODE_AUTO_RETRY, MODE_RELEASE_BUFFERS

=item FILETYPE_PEM, FILETYPE_ASN1

=item OP_NO_TICKET, OP_CIPHER_SERVER_PREFERENCE, OP_NO_TLSv1, OP_NO_TLSv1_1, OP_NO_TLSv1_2, OP_NO_TLSv1_3

=item GEN_DNS, GEN_IPADD, NID_commonName

Constants with OpenSSL's values.

=back

=head1 SEE ALSO

L<IO::Socket::SSL/"DIFFERENCES FROM THE REFERENCE">, L<Net::SSLeay>.

=cut
