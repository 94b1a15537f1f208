#!perl
# Handshake timeouts: a silent peer must not hang connect/accept when a
# Timeout is given.
use strict;
use warnings;
use lib 't/lib';
use TestLib;
use Test::More;
use IO::Socket::SSL;
use Errno qw(ETIMEDOUT EAGAIN EWOULDBLOCK);
use Time::HiRes qw(time);

watchdog(40);

# ---- client: Timeout => 2 against a TCP server that accepts and never speaks
{
    my $l = tcp_listener();
    my ($pid, $port) = fork_server($l, sub {
        my $l = shift;
        my @keep;
        # accept, keep the connections open, say nothing; until told to stop
        while (my $c = $l->accept) {
            push @keep, $c;
            last if @keep >= 3;
        }
        sleep 15;
    });

    my $t0 = time;
    $IO::Socket::SSL::SSL_ERROR = undef;
    my $c = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port,
        SSL_ca_file => cert('test-ca.pem'), Timeout => 2);
    my ($errno, $err) = ($! + 0, $IO::Socket::SSL::SSL_ERROR);
    my $dt = time - $t0;
    ok(!$c, 'client Timeout => 2 vs silent server: new() fails');
    # A timeout never fires early; how late it fires depends on how busy the
    # machine is, so the upper bound only rules out "never" (the peer stays
    # silent for 15 s).
    ok($dt >= 1.5 && $dt <= 12, sprintf('client gave up after ~2 s (%.2fs)', $dt));
    # the reference leaves $! = EAGAIN and $SSL_ERROR = SSL_WANT_READ here;
    # ETIMEDOUT would be fine as well
    ok($errno == ETIMEDOUT || $errno == EAGAIN || $errno == EWOULDBLOCK,
        "client timeout: \$! is ETIMEDOUT or EAGAIN ($!)");
    ok(defined $err && length "$err", 'client timeout: $SSL_ERROR set (' . ($err // 'undef') . ')');

    # start_SSL on a plain socket with Timeout
    my $tcp = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp')
        or die "connect: $!";
    $t0 = time;
    my $r = IO::Socket::SSL->start_SSL($tcp, SSL_ca_file => cert('test-ca.pem'),
        SSL_hostname => 'localhost', Timeout => 1);
    $dt = time - $t0;
    ok(!$r, 'start_SSL with Timeout => 1 vs silent server fails');
    ok($dt >= 0.7 && $dt <= 12, sprintf('start_SSL gave up after ~1 s (%.2fs)', $dt));
    is(ref($tcp), 'IO::Socket::INET', 'socket stays in its original class after failed start_SSL');
    close $tcp;

    kill_child($pid);
}

# ---- server: accept() with Timeout against a silent TCP client -------------------
{
    my $l = ssl_listener(Timeout => 2);
    my ($pid, $port) = fork_server($l, sub {
        my $l = shift;
        # 1: silent client
        my $t0 = time;
        my $c = $l->accept;
        report(silent => $c ? 'ok' : 'fail', silent_dt => time - $t0,
            silent_err => defined $SSL_ERROR ? "$SSL_ERROR" : undef);
        undef $c;
        # 2: no client at all
        $t0 = time;
        $! = 0;
        $c = $l->accept;
        report(none_dt => time - $t0, none_errno => $! + 0, none => $c ? 'ok' : 'fail');
        undef $c;
        # 3: a good client (the listener still works)
        $c = $l->accept or die "good accept failed: $SSL_ERROR";
        print $c "alive\n";
        my $x = <$c>;
        $c->close;
    });

    # silent client: connect, say nothing, wait (bounded) for the server to
    # give up and close the connection
    my $t0 = time;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp')
        or die "connect: $!";
    my $rin = '';
    vec($rin, fileno($s), 1) = 1;
    my $closed = 0;
    if (select(my $rout = $rin, undef, undef, 14)) {
        my $n = sysread($s, my $buf, 100);
        $closed = 1 if defined $n && $n == 0 || !defined $n;
    }
    my $dt = time - $t0;
    ok($closed, 'server closed the connection of the silent client');
    ok($dt >= 1.5 && $dt <= 12, sprintf('... after ~2 s (%.2fs)', $dt));
    close $s;

    # wait until the "no client" accept has timed out, then a good client
    is(wait_report($pid, 'none'), 'fail', 'accept() without any client fails');
    my $c = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port,
        SSL_ca_file => cert('test-ca.pem'), Timeout => 5);
    ok($c, 'listener still accepts a good client after the timeouts') or diag("error: $SSL_ERROR");
    is($c && scalar(<$c>), "alive\n", 'data on the good connection');
    if ($c) { print $c "bye\n"; $c->close }

    my ($status, $r) = wait_child($pid);
    is($status, 0, 'server ok') or diag($r->{__died__});
    is($r->{silent}, 'fail', 'accept() against a silent client fails');
    ok($r->{silent_dt} >= 1.5 && $r->{silent_dt} <= 12,
        sprintf('accept() gave up after ~2 s (%.2fs)', $r->{silent_dt} // -1));
    ok(defined $r->{silent_err}, 'accept() timeout: $SSL_ERROR set (' . ($r->{silent_err} // 'undef') . ')');
    ok($r->{none_dt} >= 1.5 && $r->{none_dt} <= 12,
        sprintf('accept() without client gave up after ~2 s (%.2fs)', $r->{none_dt} // -1));
    is($r->{none_errno}, ETIMEDOUT, 'accept() without client: $! is ETIMEDOUT');
}

done_testing;
