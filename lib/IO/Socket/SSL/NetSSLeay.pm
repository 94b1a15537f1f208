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
our $trace = 0;
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
