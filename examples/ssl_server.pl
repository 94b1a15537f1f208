#!/usr/bin/perl
# A TLS echo server, one connection at a time, on 127.0.0.1.
#   perl examples/ssl_server.pl [port] [cert] [key]
use strict;
use warnings;
use IO::Socket::SSL;

my $port = shift || 4433;
# (the certificate file holds the chain: the test CA signs through an
# intermediate, which the server must send)
my $cert = shift || 't/certs/server-chain.pem';
my $key  = shift || 't/certs/server-key.pem';
my $srv = IO::Socket::SSL->new(
    LocalAddr     => '127.0.0.1',
    LocalPort     => $port,
    Listen        => 10,
    ReuseAddr     => 1,
    SSL_cert_file => $cert,
    SSL_key_file  => $key,
) or die "cannot listen: $SSL_ERROR\n";
$| = 1;    # the line below tells a waiting parent that we are ready
print "listening on 127.0.0.1:$port\n";
while (1) {
    my $c = $srv->accept or do { warn "handshake failed: $SSL_ERROR\n"; next };
    while (defined(my $line = <$c>)) {
        print $c $line;
    }
    $c->close;
}
