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

# ---- a transport that misbehaves: negative counts, dying, a dying __WARN__ ----
{
    package Transport;
    sub new { my ($class, %how) = @_; bless {%how}, $class }
    sub fileno { undef }
    sub blocking { 1 }
    sub syswrite { my $s = shift; die "transport write died\n" if $s->{die}; length $_[0] }
    sub sysread { my $s = shift; die "transport read died\n" if $s->{die}; $s->{read} }
}
for my $case ([negative => Transport->new(read => -2)], [dies => Transport->new(die => 1)]) {
    my ($name, $t) = @$case;
    my @warn;
    local $SIG{__WARN__} = sub { push @warn, $_[0]; die "the warn handler dies too\n" };
    my $inner = eval { IO::Socket::SSL->start_SSL($t, SSL_usebio => 1,
        SSL_ca_file => cert('test-ca.pem'), SSL_hostname => 'localhost') };
    is($@, '', "transport $name: start_SSL does not die");
    ok(!$inner, "transport $name: the handshake fails");
    ok(defined $SSL_ERROR && "$SSL_ERROR" ne '', "transport $name: \$SSL_ERROR says why: " . ($SSL_ERROR // ''));
    like("@warn", qr/SSL_usebio transport died: transport write died/, 'transport dies: warned')
        if $name eq 'dies';
}

# ---- print waiting for the outer socket sleeps instead of spinning ----
{
    my ($pid, $port) = fork_server(ssl_listener(), sub {
        my $l = shift;
        my $outer = $l->accept or die "accept: $SSL_ERROR";
        my $inner = IO::Socket::SSL->start_SSL($outer, SSL_server => 1, SSL_usebio => 1,
            SSL_cert_file => cert('server-chain.pem'), SSL_key_file => cert('server-key.pem'))
            or die "inner accept: $SSL_ERROR";
        my $line = <$inner>;
        sleep 2;                                 # the client's print has to wait
        my $got = 0;
        while (defined(my $l = <$inner>)) { $got += length $l; last if $l eq "end\n" }
        report(got => $got);
    });
    my $outer = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port,
        SSL_ca_file => cert('test-ca.pem')) or die "outer: $SSL_ERROR";
    my $inner = IO::Socket::SSL->start_SSL($outer, SSL_usebio => 1,
        SSL_ca_file => cert('test-ca.pem'), SSL_hostname => 'localhost') or die "inner: $SSL_ERROR";
    print $inner "go\n";
    $outer->blocking(0);
    my $data = ("x" x 99 . "\n") x 100_000;    # 10 MB: more than the socket buffers
    my @t0 = times;
    ok((print $inner $data, "end\n"), 'print over a non-blocking outer socket delivers');
    my @t1 = times;
    my $cpu = ($t1[0] - $t0[0]) + ($t1[1] - $t0[1]);
    ok($cpu < 1.5, sprintf('... waiting in poll, not spinning (%.2f s CPU during a 2 s stall)', $cpu));
    my ($st, $r) = wait_child($pid, 30);
    is($r->{got}, length($data) + 4, '... the server got it all');
}

done_testing;
