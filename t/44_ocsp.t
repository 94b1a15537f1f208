#!/usr/bin/perl
# OCSP is not implemented in this build: can_ocsp is false, and a client that
# requires a stapled response fails instead of connecting without the check.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use TestLib;
use IO::Socket::SSL;

watchdog(30);
ok(!IO::Socket::SSL->can_ocsp, 'can_ocsp is false');
my $l = ssl_listener();
my ($pid, $port) = fork_server($l, sub { my $l = shift; for (1 .. 3) { my $c = $l->accept or next; $c->close } });
for my $mode (SSL_OCSP_MUST_STAPLE, SSL_OCSP_FAIL_HARD) {
    my $c = eval { IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port,
        SSL_ca_file => cert('test-ca.pem'), SSL_ocsp_mode => $mode) };
    ok(!$c, "SSL_ocsp_mode $mode: no connection");
    like($@, qr/OCSP stapling not supported/, '... with a clear error');
}
my $c = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port,
    SSL_ca_file => cert('test-ca.pem'), SSL_ocsp_mode => SSL_OCSP_NO_STAPLE);
ok($c, 'SSL_OCSP_NO_STAPLE connects') or diag($SSL_ERROR);
kill_child($pid);
done_testing;
