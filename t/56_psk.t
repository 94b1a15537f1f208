#!/usr/bin/perl
# Pre-shared keys (SSL_psk) between our ends, TLS 1.2 and 1.3, and against
# openssl s_server -psk.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use TestLib;
use IO::Socket::SSL;

watchdog(60);
my $key = pack('H*', '00112233445566778899aabbccddeeff');

is_deeply(IO::Socket::SSL->can_psk, { client => 1, server => 1 }, 'can_psk');

for my $v (qw(TLSv1_2 TLSv1_3)) {
    my $l = IO::Socket::SSL->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 5,
        SSL_version => $v, SSL_psk => { client1 => $key, '' => 'x' x 16 },
        SSL_use_cert => 0) or die "listener: $SSL_ERROR";
    my ($pid, $port) = fork_server($l, sub {
        my $l = shift;
        for my $i (1 .. 2) {
            my $c = $l->accept or do { report("err$i" => "$SSL_ERROR"); next };
            print $c "hi\n";
            $c->close;
        }
    });
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
        SSL_version => $v, SSL_psk => [ client1 => $key ], SSL_verify_mode => SSL_VERIFY_NONE);
    ok($c, "$v: PSK handshake") or diag($SSL_ERROR);
    is($c && scalar(<$c>), "hi\n", "$v: data over PSK");
    is($c && $c->get_sslversion, $v, "$v: version");
    undef $c;
    $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
        SSL_version => $v, SSL_psk => [ client1 => 'wrong key bytes!' ], SSL_verify_mode => SSL_VERIFY_NONE);
    ok(!$c || !defined(<$c>), "$v: wrong key fails");
    wait_child($pid);
}

SKIP: {
    my $openssl = openssl_bin() or skip 'no openssl', 3;
    my $port = free_port();
    my $srv = run_bg([$openssl, qw(s_server -nocert -tls1_2 -rev -psk_identity client1),
        -accept => "127.0.0.1:$port", -psk => '00112233445566778899aabbccddeeff'], stdin_hold => 1);
    ok(wait_port($port), 'openssl s_server -psk started') or diag(bg_output($srv));
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
        SSL_psk => [ client1 => $key ], SSL_verify_mode => SSL_VERIFY_NONE);
    ok($c, 'PSK against openssl s_server -psk') or diag($SSL_ERROR);
    if ($c) {
        print $c "hello\n";
        is(scalar(<$c>), "olleh\n", 's_server -rev answered over PSK');
    } else {
        fail('no data');
    }
    stop_bg($srv);
}

# A client that gives only a key uses the identity 'io_socket_ssl' (as the
# reference): openssl s_server -psk_identity io_socket_ssl accepts it, and a
# server with a key table finds it under that name.
SKIP: {
    my $openssl = openssl_bin() or skip 'no openssl', 3;
    my $port = free_port();
    my $srv = run_bg([$openssl, qw(s_server -nocert -tls1_2 -rev -psk_identity io_socket_ssl),
        -accept => "127.0.0.1:$port", -psk => '00112233445566778899aabbccddeeff'], stdin_hold => 1);
    ok(wait_port($port), 'openssl s_server -psk_identity io_socket_ssl started') or diag(bg_output($srv));
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
        SSL_psk => $key, SSL_verify_mode => SSL_VERIFY_NONE);
    ok($c, 'a client with only a key connects as identity io_socket_ssl') or diag($SSL_ERROR);
    if ($c) {
        print $c "hello\n";
        is(scalar(<$c>), "olleh\n", '... and talks');
    } else {
        fail('no data');
    }
    stop_bg($srv);
}
{
    my $l = IO::Socket::SSL->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 5,
        SSL_version => 'TLSv1_2', SSL_psk => { other => 'y' x 16, io_socket_ssl => $key },
        SSL_use_cert => 0) or die "listener: $SSL_ERROR";
    my ($pid, $port) = fork_server($l, sub {
        my $c = shift->accept or do { report(err => "$SSL_ERROR"); return };
        print $c "hi\n";
        $c->close;
    });
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
        SSL_psk => $key, SSL_verify_mode => SSL_VERIFY_NONE);
    ok($c, 'our server with a key table finds the identity io_socket_ssl') or diag($SSL_ERROR);
    is($c && scalar(<$c>), "hi\n", '... data');
    wait_child($pid);
}

done_testing;
