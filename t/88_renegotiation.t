#!/usr/bin/perl
# A client cannot make our server renegotiate (TLS 1.2): each renegotiation
# costs the server a full handshake, a cheap denial of service. OpenSSL 3
# refuses client-initiated renegotiation unless told otherwise, and this
# module never tells it otherwise. testssl.sh reports "Secure Client-Initiated
# Renegotiation VULNERABLE" against a server that answers one line and
# closes; this is the check done by hand: openssl s_client's R command on a
# connection that stays open, and the server's answer is a no_renegotiation
# alert, after which no second handshake happens.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use TestLib;
use IO::Socket::SSL;

watchdog(60);
my $openssl = openssl_bin() or plan skip_all => 'no openssl binary';

my ($pid, $port) = fork_server(ssl_listener(SSL_version => 'TLSv1_2'), sub {
    my $c = shift->accept or die "accept: $SSL_ERROR";
    while (defined(my $line = <$c>)) { print $c "echo $line" }
    report(end => "$SSL_ERROR");
});
my $bg = run_bg([$openssl, 's_client', '-connect', "127.0.0.1:$port", '-tls1_2', '-msg',
    '-CAfile', cert('test-ca.pem')], stdin_hold => 1);
print {$bg->{in}} "hello\n";
ok(wait_bg_output($bg, qr/echo hello/, 20), 'data over the connection before');
my $server_hellos = () = bg_output($bg) =~ /<<< TLS 1\.2, Handshake \[length [0-9a-f]+\], ServerHello\b/g;
print {$bg->{in}} "R\n";
ok(wait_bg_output($bg, qr/Alert .*no_renegotiation/, 20),
    'the server answers the renegotiation attempt with a no_renegotiation alert')
    or diag(bg_output($bg));
my $after = () = bg_output($bg) =~ /<<< TLS 1\.2, Handshake \[length [0-9a-f]+\], ServerHello\b/g;
is($after, $server_hellos, 'no second ServerHello: no renegotiation took place');
close $bg->{in};
stop_bg($bg);
wait_child($pid);
done_testing;
