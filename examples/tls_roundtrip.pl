#!/usr/bin/perl
# The main job: a verified TLS round trip on loopback. Creates a throwaway
# PKI (a CA and a certificate for "localhost") with the openssl command,
# starts a TLS echo server in a child process, connects to it with full
# verification (chain and host name) and prints what was negotiated.
use strict;
use warnings;
use IO::Socket::SSL;
use File::Temp qw(tempdir);

my $dir = tempdir(CLEANUP => 1);
sub run { system(@_) == 0 or die "failed: @_\n" }
my @q = ('-loglevel', 'error');
run("openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=Example-Root-CA "
    . "-keyout $dir/ca.key -out $dir/ca.pem 2>/dev/null");
run("openssl req -newkey rsa:2048 -nodes -subj /CN=localhost "
    . "-keyout $dir/server.key -out $dir/server.csr 2>/dev/null");
open my $ext, '>', "$dir/ext.cnf" or die $!;
print $ext "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n";
close $ext;
run("openssl x509 -req -in $dir/server.csr -CA $dir/ca.pem -CAkey $dir/ca.key "
    . "-CAcreateserial -days 30 -extfile $dir/ext.cnf -out $dir/server.pem 2>/dev/null");

my $server = IO::Socket::SSL->new(
    LocalAddr     => '127.0.0.1',
    LocalPort     => 0,
    Listen        => 5,
    SSL_cert_file => "$dir/server.pem",
    SSL_key_file  => "$dir/server.key",
) or die "server: $SSL_ERROR\n";
my $port = $server->sockport;

my $pid = fork() // die "fork: $!";
if (!$pid) {
    my $c = $server->accept or exit 1;
    while (defined(my $line = <$c>)) {
        print $c "echo: $line";
    }
    $c->close;
    exit 0;
}
close $server;

my $client = IO::Socket::SSL->new(
    PeerHost    => 'localhost',
    PeerPort    => $port,
    SSL_ca_file => "$dir/ca.pem",      # verification is on by default
) or die "client: $SSL_ERROR\n";

print $client "hello over TLS\n";
my $answer = <$client>;
printf "protocol: %s\ncipher:   %s\npeer:     %s\nanswer:   %s",
    $client->get_sslversion, $client->get_cipher,
    $client->peer_certificate('subject'), $answer;
$client->close;
waitpid($pid, 0);
die "round trip failed\n" unless $answer eq "echo: hello over TLS\n" && $? == 0;
print "verified TLS round trip: OK\n";
