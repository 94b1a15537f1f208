package IO::Socket::SSL::Trace;
# The curl-like record trace of the debug output ($IO::Socket::SSL::DEBUG 2
# and up): one line per TLS protocol message, as the reference prints it,
# e.g. "* TLSv1.3 (OUT), TLS handshake, Client hello (1)". Fed by the
# message callback of every connection while the debug level is 2 or more.
use strict;
use warnings;

our $VERSION = '2.099';

# OpenSSL's protocol numbers (they are wire values and never change).
my %VERSION = (
    0x0002 => 'SSLv2', 0x0300 => 'SSLv3', 0x0301 => 'TLSv1.0', 0x0302 => 'TLSv1.1',
    0x0303 => 'TLSv1.2', 0x0304 => 'TLSv1.3', 0xfeff => 'DTLSv1.0', 0xfefd => 'DTLSv1.2',
    0x0100 => 'DTLSv1.0 (bad)',
);
use constant {
    RT_CHANGE_CIPHER_SPEC => 20, RT_ALERT => 21, RT_HANDSHAKE => 22, RT_APPLICATION_DATA => 23,
    RT_HEADER => 256, RT_INNER_CONTENT_TYPE => 257, SSL3_MAJOR => 3,
};
my %RECORD = (
    RT_HEADER, 'TLS header', RT_CHANGE_CIPHER_SPEC, 'TLS change cipher',
    RT_ALERT, 'TLS alert', RT_HANDSHAKE, 'TLS handshake', RT_APPLICATION_DATA, 'TLS app data',
);
my %HANDSHAKE = (
    0 => 'Hello request', 1 => 'Client hello', 2 => 'Server hello', 4 => 'Newsession Ticket',
    5 => 'End of early data', 8 => 'Encrypted Extensions', 11 => 'Certificate',
    12 => 'Server key exchange', 13 => 'Request CERT', 14 => 'Server finished',
    15 => 'CERT verify', 16 => 'Client key exchange', 20 => 'Finished',
    22 => 'Certificate Status', 23 => 'Supplemental data', 24 => 'Key update',
    67 => 'Next protocol', 254 => 'Message hash',
);
# OpenSSL's long alert descriptions (SSL_alert_desc_string_long)
my %ALERT = (
    0 => 'close notify', 10 => 'unexpected_message', 20 => 'bad record mac',
    21 => 'decryption failed', 22 => 'record overflow', 30 => 'decompression failure',
    40 => 'handshake failure', 41 => 'no certificate', 42 => 'bad certificate',
    43 => 'unsupported certificate', 44 => 'certificate revoked', 45 => 'certificate expired',
    46 => 'certificate unknown', 47 => 'illegal parameter', 48 => 'unknown CA',
    49 => 'access denied', 50 => 'decode error', 51 => 'decrypt error',
    60 => 'export restriction', 70 => 'protocol version', 71 => 'insufficient security',
    80 => 'internal error', 90 => 'user canceled', 100 => 'no renegotiation',
    110 => 'unsupported extension', 111 => 'certificate unobtainable',
    112 => 'unrecognized name', 113 => 'bad certificate status response',
    114 => 'bad certificate hash value', 115 => 'unknown PSK identity',
    116 => 'certificate required', 120 => 'no application protocol',
);

# ($direction, $version, $content_type, $buf, $len, $ssl): a message
# callback's arguments. Prints the line through IO::Socket::SSL::DEBUG.
sub ossl_trace {
    $IO::Socket::SSL::DEBUG >= 2 or return;
    my ($direction, $ver, $type, $buf) = @_;
    local $!;
    # only whole messages: no record headers, no TLS 1.3 inner content type
    return if !$ver || $type == RT_HEADER || $type == RT_INNER_CONTENT_TYPE;
    my $verstr = $VERSION{$ver} || "(version=$ver)";
    my $major = $ver >> 8;
    my $rt = $major == SSL3_MAJOR && $type ? ($RECORD{$type} || "TLS Unknown (type=$type)") : '';
    $buf = '' if !defined $buf;
    my ($msg_type, $msg_name);
    if ($type == RT_CHANGE_CIPHER_SPEC) {
        $msg_type = unpack('c', $buf);
        $msg_name = 'Change cipher spec';
    } elsif ($type == RT_ALERT) {
        my ($level, $desc) = unpack('c2', $buf);
        $msg_type = (($level || 0) << 8) + ($desc || 0);
        $msg_name = $ALERT{ ($desc || 0) & 0xff } || 'Unknown alert';
    } else {
        # the reference reads the type as a signed byte
        $msg_type = unpack('c', $buf);
        $msg_type = 0 if !defined $msg_type;
        $msg_name = $major == SSL3_MAJOR && $HANDSHAKE{ $msg_type & 0xff }
            || "Unknown (ssl_ver=$major, msg=$msg_type)";
    }
    IO::Socket::SSL::DEBUG(sprintf('* %s (%s), %s, %s (%d)',
        $verstr, $direction ? 'OUT' : 'IN', $rt, $msg_name, $msg_type));
}

1;

__END__

=head1 NAME

IO::Socket::SSL::Trace - the TLS record trace of IO::Socket::SSL's debug output

=head1 SYNOPSIS

    use IO::Socket::SSL 'debug2';     # the trace is printed to STDERR

    # or by hand, from a message callback
    $sock->set_msg_callback(sub {
        my ($sock, @msg) = @_;
        IO::Socket::SSL::Trace::ossl_trace(@msg);
    });

=head1 DESCRIPTION

C<ossl_trace($direction, $version, $content_type, $buf, $len, $ssl)> prints
one line per TLS protocol message, in the form curl uses (and the reference
IO::Socket::SSL 2.099): C<* TLSv1.3 (OUT), TLS handshake, Client hello (1)>.
It prints only while C<$IO::Socket::SSL::DEBUG> is 2 or more; IO::Socket::SSL
calls it for every connection then.

=head1 FUNCTIONS

=over 4

=item ossl_trace($direction, $version, $content_type, $buf, $len, $ssl)

The message callback described above; its arguments are those of
C<set_msg_callback>'s callback.

=back

=cut
