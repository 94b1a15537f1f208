#!/usr/bin/perl
# A connected client lets go of IO::Socket::IP's connect-time state (the
# resolved addresses, error slots, socket options: ~1 KiB per idle
# connection). Checked here: it is gone once new() returned, the socket
# still behaves as a connected IO::Socket::IP (connected, connect without
# arguments, peer and local names, I/O), the next address is still tried
# when the first one fails, a socket whose handshake is deferred
# (SSL_startHandshake => 0) upgrades later, and a listener keeps its state.
# The defaults new() added to the arguments it keeps (_SSL_arguments) and
# that are no use once connected (SSL_server => 0, SSL_keepSocketOnError =>
# 0, Family => undef, Proto) go too; given by the caller, they stay, and a
# later handshake that fails still closes the socket.
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

my ($pid, $port) = greeting_server(4, sub { (ok => 1) });

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
    is_deeply([grep { exists ${*$c}{_SSL_arguments}{$_} } qw(SSL_server SSL_keepSocketOnError Family Proto)],
        [], 'the added defaults are not kept');
    is(${*$c}{_SSL_arguments}{SSL_hostname}, 'localhost', 'the given arguments are');
    $c->close;
}

# ---- given by the caller, they stay ----
{
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port, @ca,
        Proto => 'tcp', SSL_keepSocketOnError => 0, SSL_server => 0)
        or die "connect: $SSL_ERROR";
    is_deeply({map { $_ => ${*$c}{_SSL_arguments}{$_} } qw(Proto SSL_keepSocketOnError SSL_server)},
        {Proto => 'tcp', SSL_keepSocketOnError => 0, SSL_server => 0}, 'given arguments are kept');
    is(scalar <$c>, "hi\n", '... reads the greeting');
    print $c "bye\n";
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
is_deeply([map { $r->{"ok$_"} } 1 .. 4], [1, 1, 1, 1], 'server accepted all four');

# ---- a deferred handshake that fails still closes the socket ----
{
    my $plain = tcp_listener();
    my ($pid2, $port2) = fork_server($plain, sub {
        my $l = shift;
        my $c = $l->accept or die "accept: $!";
        print $c "not TLS\r\n" x 4;    # no ServerHello: the handshake fails
        sysread($c, my $buf, 1);         # until the client gives up
    });
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port2,
        SSL_startHandshake => 0, @ca) or die "connect: $SSL_ERROR";
    ok(!$c->connect_SSL, 'handshake with a plain server fails');
    ok(!defined fileno($c), '... and the socket is closed (SSL_keepSocketOnError defaults to 0)');
    wait_child($pid2);
}

# ---- a listener keeps IO::Socket::IP's state ----
{
    my $l = ssl_listener();
    ok(exists ${*$l}{io_socket_ip_infos}, 'listener keeps its state');
    $l->close;
}

done_testing;
