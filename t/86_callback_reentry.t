#!/usr/bin/perl
# A Perl callback that OpenSSL runs for a socket (verify callback, message
# callback, ...) and that does I/O on that same socket would re-enter OpenSSL
# on the SSL it is working on. Every such call is refused: undef, $SSL_ERROR
# naming it, $! EBUSY; the operation that is running goes on unharmed.
# Closing the socket from a callback stays allowed (t/82_robustness.t).
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use TestLib;
use IO::Socket::SSL;
use POSIX ();

watchdog(60);
my @ca = (SSL_ca_file => cert('test-ca.pem'), SSL_hostname => 'localhost');
my $BUSY = qr/called from a callback while OpenSSL works on this connection/;

sub echo_server {
    return fork_server(ssl_listener(), sub {
        my $c = shift->accept or die "accept: $SSL_ERROR";
        while (defined(my $l = <$c>)) { print $c "echo $l" }
    });
}

# Runs each I/O call on $s; returns { name => [result, "$SSL_ERROR", $!+0] }.
sub try_all {
    my ($s, @names) = @_;
    my %ops = (
        sysread     => sub { $s->sysread(my $b, 10) },
        read        => sub { $s->read(my $b, 10) },
        peek        => sub { $s->peek(my $b, 10) },
        syswrite    => sub { $s->syswrite("x\n") },
        write       => sub { $s->write("x\n", 2) },
        print       => sub { $s->print("x\n") },
        readline    => sub { scalar $s->readline },
        # through the tie: only once the handshake is done (before that,
        # CORE::print and <> on the glob are plain socket I/O, as in the
        # reference)
        print_op    => sub { print $s "x\n" },
        readline_op => sub { scalar <$s> },
        getc        => sub { $s->getc },
        connect_SSL => sub { $s->connect_SSL },
        start_SSL   => sub { IO::Socket::SSL->start_SSL($s, @ca) },
        stop_SSL    => sub { $s->stop_SSL },
    );
    my %r;
    for my $n (@names) {
        $SSL_ERROR = undef;
        $! = 0;
        my $rv = eval { $ops{$n}->() };
        $r{$n} = [$rv, $@ ? "died: $@" : "$SSL_ERROR", $! + 0];
    }
    return \%r;
}

sub check {
    my ($where, $r) = @_;
    for my $n (sort keys %$r) {
        my ($rv, $err, $errno) = @{ $r->{$n} };
        ok(!$rv, "$where: $n is refused");
        like($err, $BUSY, "... \$SSL_ERROR names it ($err)");
        is($errno, POSIX::EBUSY(), '... $! is EBUSY');
    }
}

# ---- the verify callback of a client handshake ----
{
    my ($pid, $port) = echo_server();
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port") or die "connect: $!";
    my ($r, $calls);
    my $ok = IO::Socket::SSL->start_SSL($s, @ca, SSL_verify_callback => sub {
        my ($ok, undef, undef, undef, undef, $depth) = @_;
        $calls++;
        $r ||= try_all($s, qw(sysread read peek syswrite write print readline getc
                               connect_SSL start_SSL stop_SSL)) if $depth == 0;
        return $ok;
    });
    ok($ok, 'verify callback doing I/O on its own socket: the handshake still works')
        or diag("SSL_ERROR: $SSL_ERROR");
    check('verify callback', $r || {});
    if ($ok) {
        print $s "after\n";
        is(scalar <$s>, "echo after\n", '... and the connection works afterwards');
        $s->close;
    }
    kill_child($pid);
}

# ---- the message callback inside sysread, readline and syswrite ----
for my $outer (qw(sysread readline syswrite)) {
    my ($pid, $port) = echo_server();
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port, @ca)
        or die "client: $SSL_ERROR";
    print $c "one\n";
    my $r;
    $c->set_msg_callback(sub { $r ||= try_all($_[0], qw(sysread syswrite readline print print_op readline_op stop_SSL)) });
    my $got;
    if ($outer eq 'sysread') {
        $c->sysread($got, 100);
    } elsif ($outer eq 'readline') {
        $got = <$c>;
    } else {
        $c->syswrite("two\n") or die "syswrite: $SSL_ERROR";
        $c->set_msg_callback(undef);
        $got = <$c>;
        $got .= <$c>;
    }
    $c->set_msg_callback(undef);
    is($got, $outer eq 'syswrite' ? "echo one\necho two\n" : "echo one\n",
        "msg callback inside $outer: $outer gets its data");
    check("msg callback inside $outer", $r || {});
    print $c "three\n";
    is(scalar <$c>, "echo three\n", '... the connection works afterwards');
    $c->close;
    kill_child($pid);
}

done_testing;
