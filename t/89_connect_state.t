#!/usr/bin/perl
# A connected client lets go of IO::Socket::IP's connect-time state (the
# resolved addresses, error slots, socket options: ~1 KiB per idle
# connection). Checked here: it is gone once new() returned, the socket
# still behaves as a connected IO::Socket::IP (connected, connect without
# arguments, peer and local names, I/O), the next address is still tried
# when the first one fails, a socket whose handshake is deferred
# (SSL_startHandshake => 0) upgrades later, and a listener keeps its state.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use TestLib;
use IO::Socket::SSL;
use Socket qw(AF_INET SOCK_STREAM IPPROTO_TCP pack_sockaddr_in inet_aton);

watchdog(60);
plan skip_all => 'IO::Socket::SSL is not based on IO::Socket::IP here'
    if !IO::Socket::SSL->isa('IO::Socket::IP');

my @ca = (SSL_ca_file => cert('test-ca.pem'), SSL_hostname => 'localhost');
my @ip_keys = qw(io_socket_ip_infos io_socket_ip_idx io_socket_ip_errors
    io_socket_ip_sockopts io_socket_ip_v6only io_socket_ip_listenqueue io_socket_ip_blocking);
sub ip_keys_left { my $s = shift; grep { exists ${*$s}{$_} } @ip_keys }

my ($pid, $port) = greeting_server(3, sub { (ok => 1) });

# ---- a plain client ----
{
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port, @ca)
        or die "connect: $SSL_ERROR";
    is_deeply([ip_keys_left($c)], [], 'connected client: no connect-time state kept');
    ok($c->connected, 'connected() is true');
    ok($c->connect, 'connect() without arguments is true');
    is($c->peerhost, '127.0.0.1', 'peerhost');
    is($c->peerport, $port, 'peerport');
    is($c->sockhost, '127.0.0.1', 'sockhost');
    is(scalar <$c>, "hi\n", 'reads the greeting');
    print $c "bye\n";
    ok(defined $c->get_cipher, 'TLS is up');
    $c->close;
}

# ---- the first address refuses: the next one is still tried ----
{
    my $refused = tcp_listener();
    my $dead_port = listener_port($refused);
    close $refused;    # nothing listens there now: connection refused
    my %info = (family => AF_INET, socktype => SOCK_STREAM, protocol => IPPROTO_TCP);
    my $c = IO::Socket::SSL->new(
        PeerAddrInfo => [
            { %info, addr => pack_sockaddr_in($dead_port, inet_aton('127.0.0.1')) },
            { %info, addr => pack_sockaddr_in($port, inet_aton('127.0.0.1')) },
        ],
        @ca) or die "connect: $SSL_ERROR / $!";
    is($c->peerport, $port, 'second address used after the first refused');
    is_deeply([ip_keys_left($c)], [], '... and its connect-time state is gone too');
    is(scalar <$c>, "hi\n", '... reads the greeting');
    print $c "bye\n";
    $c->close;
}

# ---- handshake deferred: a plain connected socket first, TLS later ----
{
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
        SSL_startHandshake => 0, @ca) or die "connect: $SSL_ERROR";
    is_deeply([ip_keys_left($c)], [], 'deferred handshake: no connect-time state kept');
    ok($c->connect_SSL, 'the handshake runs later') or diag $SSL_ERROR;
    is(scalar <$c>, "hi\n", '... reads the greeting');
    print $c "bye\n";
    $c->close;
}

my ($status, $r) = wait_child($pid);
is($status, 0, 'server done');
is_deeply([map { $r->{"ok$_"} } 1 .. 3], [1, 1, 1], 'server accepted all three');

# ---- a listener keeps IO::Socket::IP's state ----
{
    my $l = ssl_listener();
    ok(exists ${*$l}{io_socket_ip_infos}, 'listener keeps its state');
    $l->close;
}

done_testing;
