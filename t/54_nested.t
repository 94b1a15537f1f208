#!/usr/bin/perl
# TLS inside TLS (SSL_usebio): an outer and an inner handshake with
# different certificates, as through a TLS proxy; data through both layers.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use TestLib;
use IO::Socket::SSL;

watchdog(60);
ok(IO::Socket::SSL->can_nested_ssl, 'can_nested_ssl');

for my $v (qw(TLSv1_2 TLSv1_3)) {
    my $l = ssl_listener(SSL_version => $v);
    my ($pid, $port) = fork_server($l, sub {
        my $outer = shift->accept or die "outer accept: $SSL_ERROR";
        print $outer "outer ok\n";
        my $inner = IO::Socket::SSL->start_SSL($outer, SSL_server => 1, SSL_usebio => 1,
            SSL_cert_file => cert('wronghost-cert.pem'), SSL_key_file => cert('wronghost-key.pem'))
            or die "inner accept: $SSL_ERROR";
        report(inner_class => ref($inner), inner_version => $inner->get_sslversion);
        while (defined(my $line = <$inner>)) {
            print $inner "inner echo $line";
        }
        $inner->close;
        print $outer "outer after inner\n";
        $outer->close;
    });
    my $outer = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port,
        SSL_ca_file => cert('test-ca.pem'), SSL_version => $v) or die "outer: $SSL_ERROR";
    is(scalar <$outer>, "outer ok\n", "$v: outer layer works");
    my $inner = IO::Socket::SSL->start_SSL($outer, SSL_usebio => 1,
        SSL_ca_file => cert('test-ca.pem'), SSL_hostname => 'www.example.org');
    ok($inner, "$v: inner handshake through the outer layer") or diag($SSL_ERROR);
    isnt($inner, $outer, "$v: the inner socket is a new object");
    is(ref($inner), 'IO::Socket::SSL', "$v: of class IO::Socket::SSL");
    is($inner->peer_certificate('cn'), 'www.example.org', "$v: inner sees the inner certificate");
    is($outer->peer_certificate('cn'), 'localhost', "$v: outer still has the outer certificate");
    is($inner->fileno, $outer->fileno, "$v: fileno is the outer's");
    for my $i (1 .. 3) {
        print $inner "line $i\n";
        is(scalar <$inner>, "inner echo line $i\n", "$v: line $i through both layers");
    }
    my $big = join('', map { chr(65 + $_ % 26) } 1 .. 100_000) . "\n";
    print $inner $big;
    is(scalar <$inner>, "inner echo $big", "$v: 100 kB line through both layers");
    # a full close_notify exchange, so no inner record is left on the outer stream
    ok($inner->close(SSL_fast_shutdown => 0), "$v: inner close");
    is(scalar <$outer>, "outer after inner\n", "$v: outer layer still works after the inner ended");
    $outer->close;
    my ($st, $r) = wait_child($pid);
    is($st, 0, "$v: server side ok");
    is($r->{inner_version}, 'TLSv1_3', "$v: inner layer negotiated its own version");
}

done_testing;
