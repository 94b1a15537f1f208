#!/usr/bin/perl
# A TLS client: connects, verifies the server (chain and name), sends a line
# and prints the answer. Defaults to the example server on localhost.
#   perl examples/ssl_client.pl [host:port] [ca-file]
use strict;
use warnings;
use IO::Socket::SSL;

my $peer = shift || 'localhost:4433';
my $ca   = shift || 't/certs/test-ca.pem';
my $cl = IO::Socket::SSL->new(
    PeerAddr    => $peer,
    SSL_ca_file => $ca,
    Timeout     => 10,
) or die "cannot connect to $peer: $SSL_ERROR\n";
print "connected with ", $cl->get_sslversion, " ", $cl->get_cipher, "\n";
print $cl->dump_peer_certificate;
print $cl "hello\n";
print "server said: ", scalar(<$cl>);
$cl->close;
