#!/usr/bin/perl
# OCSP is there: can_ocsp is true, and against a server that staples
# nothing (the usual case) the modes behave as 2.099 documents them. The
# details are in t/7x_ocsp_*.t.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use TestLib;
use IO::Socket::SSL;

watchdog(30);
ok(IO::Socket::SSL->can_ocsp, 'can_ocsp is true');
my $l = ssl_listener();
my ($pid, $port) = fork_server($l, sub { my $l = shift; for (1 .. 4) { my $c = $l->accept or next; $c->close } });
my %want = (
    SSL_OCSP_MUST_STAPLE() => 0,
    SSL_OCSP_TRY_STAPLE() => 1,
    SSL_OCSP_TRY_STAPLE() | SSL_OCSP_FAIL_HARD() => 1,
    SSL_OCSP_NO_STAPLE() => 1,
);
for my $mode (sort keys %want) {
    my $c = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port,
        SSL_ca_file => cert('test-ca.pem'), SSL_ocsp_mode => $mode);
    if ($want{$mode}) {
        ok($c, "SSL_ocsp_mode $mode without a staple: connects") or diag($SSL_ERROR);
    } else {
        ok(!$c, "SSL_ocsp_mode $mode without a staple: fails");
        like($SSL_ERROR, qr/did not receive the required stapled OCSP response/, '... with 2.099\'s message');
    }
}
kill_child($pid);
done_testing;
