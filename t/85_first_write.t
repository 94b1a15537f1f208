#!/usr/bin/perl
# The first write after a handshake goes out at once. The handshake's last
# flight is still unacknowledged when a server greets (SMTP/IMAP/POP3/FTP
# banners) or a client sends its request; with Nagle on, the kernel held such
# a small write back until the peer's delayed ACK came, ~40 ms later.
#
# What is asserted does not depend on timing: right after print returns, the
# kernel has nothing of it left unsent (SIOCOUTQNSD; Nagle would keep the
# whole record queued). The latency is shown for information only. The
# socket's TCP_NODELAY setting is the user's again afterwards.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use TestLib;
use IO::Socket::SSL;
use Socket qw(IPPROTO_TCP TCP_NODELAY);
use Time::HiRes qw(time);

plan skip_all => 'SIOCOUTQNSD is Linux only' if $^O ne 'linux';
watchdog(60);
my @ca = (SSL_ca_file => cert('test-ca.pem'), SSL_hostname => 'localhost');

# bytes queued in the socket that the kernel has not sent yet
sub unsent {
    my $s = shift;
    my $n = pack('i', -1);
    ioctl($s, 0x894B, $n) or return -1;    # SIOCOUTQNSD
    return unpack('i', $n);
}
sub nodelay { unpack('i', getsockopt($_[0], IPPROTO_TCP, TCP_NODELAY)) }

for my $version (qw(TLSv1_2 TLSv1_3)) {
    # ---- server speaks first (5 connections: without the push, most stall) ----
    {
        my $n = 5;
        my ($pid, $port) = fork_server(ssl_listener(SSL_version => $version), sub {
            my $l = shift;
            for my $i (1 .. $n) {
                my $c = $l->accept or die "accept: $SSL_ERROR";
                print $c "220 banner\r\n";
                report("unsent$i" => unsent($c), "nodelay$i" => nodelay($c));
                print $c "second\r\n";
                <$c>;
            }
        }, timeout => 60);
        my @ms;
        for my $i (1 .. $n) {
            my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port, @ca,
                SSL_version => $version) or die "connect: $SSL_ERROR";
            my $t0 = time;
            my $banner = <$c>;
            push @ms, sprintf '%.1f', (time - $t0) * 1000;
            is($banner, "220 banner\r\n", "$version server first #$i: banner");
            is(scalar <$c>, "second\r\n", "$version server first #$i: second line");
            print $c "bye\n";
            close $c;
        }
        my ($st, $r) = wait_child($pid, 60);
        is(join(',', map { $r->{"unsent$_"} } 1 .. $n), join(',', (0) x $n),
            "$version server first: each banner left at once (nothing unsent after print)");
        is(join(',', map { $r->{"nodelay$_"} } 1 .. $n), join(',', (0) x $n),
            "$version server first: TCP_NODELAY is back off after the first write");
        diag("$version: banners after @ms ms") if $ENV{TEST_VERBOSE};
    }
    # ---- client speaks first ----
    {
        my $n = 5;
        my ($pid, $port) = fork_server(ssl_listener(SSL_version => $version), sub {
            my $l = shift;
            for my $i (1 .. $n) {
                my $c = $l->accept or die "accept: $SSL_ERROR";
                report("req$i" => scalar <$c>);
                print $c "ok\n";
                <$c>;
            }
        }, timeout => 60);
        my (@unsent, @nodelay);
        for my $i (1 .. $n) {
            my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port, @ca,
                SSL_version => $version) or die "connect: $SSL_ERROR";
            print $c "GET / HTTP/1.0\r\n";
            push @unsent, unsent($c);
            push @nodelay, nodelay($c);
            is(scalar <$c>, "ok\n", "$version client first #$i: answer");
            print $c "bye\n";
            close $c;
        }
        is("@unsent", join(' ', (0) x $n), "$version client first: each request left at once");
        is("@nodelay", join(' ', (0) x $n), "$version client first: TCP_NODELAY back off");
        my ($st, $r) = wait_child($pid, 60);
        is($r->{req5}, "GET / HTTP/1.0\r\n", "$version client first: requests arrived");
    }
    # ---- resumed sessions, both sides speak first: in TLS 1.2 the server
    # reads the client's Finished last (it needs no push), the client sends
    # it last ----
    {
        my $n = 4;
        my ($pid, $port) = fork_server(ssl_listener(SSL_version => $version), sub {
            my $l = shift;
            for my $i (1 .. $n) {
                my $c = $l->accept or die "accept: $SSL_ERROR";
                print $c "220 banner\r\n";
                report("unsent$i" => unsent($c));
                <$c>;
                print $c "ok\n";
                <$c>;
            }
        }, timeout => 60);
        my $ctx = IO::Socket::SSL::SSL_Context->new(@ca, SSL_version => $version,
            SSL_session_cache_size => 4) or die "context: $SSL_ERROR";
        my (@unsent, @reused);
        for my $i (1 .. $n) {
            my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
                SSL_hostname => 'localhost', SSL_reuse_ctx => $ctx) or die "connect: $SSL_ERROR";
            is(scalar <$c>, "220 banner\r\n", "$version resumed #$i: banner");
            push @reused, $c->get_session_reused ? 1 : 0;
            print $c "REQ\n";
            push @unsent, unsent($c);
            is(scalar <$c>, "ok\n", "$version resumed #$i: answer");
            print $c "bye\n";
            close $c;
        }
        my ($st, $r) = wait_child($pid, 60);
        is("@reused[1 .. $n - 1]", join(' ', (1) x ($n - 1)), "$version: the later connections resumed");
        is(join(',', map { $r->{"unsent$_"} } 1 .. $n), join(',', (0) x $n),
            "$version resumed, server first: each banner left at once");
        is("@unsent", join(' ', (0) x $n), "$version resumed: each request left at once");
    }
    # ---- a user who turned Nagle off keeps it off ----
    {
        my ($pid, $port) = fork_server(ssl_listener(SSL_version => $version), sub {
            my $c = shift->accept or die "accept: $SSL_ERROR";
            print $c "hi\n";
            <$c>;
        });
        my $s = IO::Socket::INET->new("127.0.0.1:$port") or die "connect: $!";
        setsockopt($s, IPPROTO_TCP, TCP_NODELAY, 1) or die "setsockopt: $!";
        IO::Socket::SSL->start_SSL($s, @ca, SSL_version => $version) or die "start_SSL: $SSL_ERROR";
        print $s "x\n";
        is(nodelay($s), 1, "$version: TCP_NODELAY set by the user stays on");
        is(scalar <$s>, "hi\n", "$version: data");
        wait_child($pid);
    }
}

done_testing;
