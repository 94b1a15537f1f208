#!perl
# Timeouts and signals: Timeout on new() against a silent server, accept()
# with Timeout against a silent client, stop_SSL (waiting for the peer's
# close_notify) bounded by Timeout, SIGALRM and SIGHUP during a blocking
# readline or read,
# writing to a peer that has closed with SIGPIPE ignored.
use strict;
use warnings;
use lib 't/lib';
use TestLib;
use Test::More;
use IO::Socket::SSL;
use IO::Socket::INET;
use Errno qw(EAGAIN EWOULDBLOCK ETIMEDOUT EPIPE ECONNRESET);
use Time::HiRes qw(time);

my $WATCHDOG = 60;
watchdog($WATCHDOG);
my $T0 = time;

my @CLIENT_SSL = (
    SSL_ca_file       => cert('test-ca.pem'),
    SSL_verifycn_name => 'localhost',
    SSL_hostname      => 'localhost',
);

# wait (bounded) until the socket is readable
sub wait_readable {
    my ($s, $t) = @_;
    return 1 if $s->can('pending') && $s->pending;
    vec(my $rin = '', fileno($s), 1) = 1;
    return select(my $r = $rin, undef, undef, $t || 5);
}

# ---- Timeout on new() against a TCP peer that accepts and never speaks -------
{
    my ($pid, $port) = fork_server(tcp_listener(), sub {
        my $l = shift;
        my $c = $l->accept or die "accept: $!";
        sleep 10;    # never speak
    });
    my $t0 = time;
    $SSL_ERROR = undef;
    $! = 0;
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
        Timeout => 2, @CLIENT_SSL);
    my ($errno, $err, $dt) = ($! + 0, $SSL_ERROR, time - $t0);
    ok(!$c, 'new(Timeout => 2) against a silent server fails');
    ok($dt >= 1.5 && $dt < 12, sprintf('... after about 2 s (%.2fs)', $dt));
    ok($errno == EAGAIN || $errno == EWOULDBLOCK || $errno == ETIMEDOUT,
        '... $! is EAGAIN or ETIMEDOUT (' . ($errno ? "$errno" : 'not set') . ')');
    ok(defined $err && length "$err", '... $SSL_ERROR set (' . ($err // 'undef') . ')');
    kill_child($pid);
}

# ---- accept() with Timeout against a silent TCP client -------------------------
{
    my $l = ssl_listener(Timeout => 2);
    my ($pid, $port) = fork_server($l, sub {
        my $l = shift;
        my $t0 = time;
        $SSL_ERROR = undef;
        my $c = $l->accept;
        report(result => $c ? 'accepted' : 'failed', dt => time - $t0,
            err => defined $SSL_ERROR ? "$SSL_ERROR" : undef);
    });
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp')
        or die "connect: $!";
    # say nothing; the server gives up and closes the connection
    my $t0 = time;
    my $closed = wait_readable($s, 12) && !sysread($s, my $buf, 100);
    my $dt = time - $t0;
    ok($closed, 'server closed the silent connection');
    ok($dt >= 1.5 && $dt < 12, sprintf('... after about 2 s (%.2fs)', $dt));
    my ($status, $r) = wait_child($pid);
    is($status, 0, 'server finished') or diag($r->{__died__});
    is($r->{result}, 'failed', 'accept() with Timeout => 2 against a silent client fails');
    ok(defined $r->{dt} && $r->{dt} >= 1.5 && $r->{dt} < 12,
        sprintf('... after about 2 s (%.2fs)', $r->{dt} // -1));
    ok(defined $r->{err} && length $r->{err}, '... $SSL_ERROR set (' . ($r->{err} // 'undef') . ')');
    close $s;
}

# ---- stop_SSL(SSL_fast_shutdown => 0) with Timeout: peer never answers ----------
for my $how ('Timeout argument', 'socket Timeout') {
    my ($pid, $port) = fork_server(ssl_listener(), sub {
        my $l = shift;
        my $c = $l->accept or die "accept: $SSL_ERROR";
        print $c "hi\n";
        sleep 10;    # never read, never answer the close_notify, never close
    });
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port, @CLIENT_SSL,
        $how eq 'socket Timeout' ? (Timeout => 2) : ()) or die "new: $SSL_ERROR";
    is(scalar <$c>, "hi\n", "$how: connected");
    my $t0 = time;
    $c->stop_SSL(SSL_fast_shutdown => 0, $how eq 'socket Timeout' ? () : (Timeout => 2));
    my $dt = time - $t0;
    ok($dt < 9, sprintf("$how: stop_SSL waiting for a close_notify that never comes "
        . 'gives up after the Timeout (%.2fs)', $dt));
    ok($dt >= 0.9, sprintf("$how: ... but did wait for it (%.2fs)", $dt));
    # as the reference: the peer did not answer, so only our direction is
    # closed; its TLS records could still come
    is($c->is_SSL, 'r', "$how: after the Timeout only our direction is closed (is_SSL 'r')");
    ok($c->blocking, "$how: socket is blocking again");
    ok(defined fileno($c), "$how: socket still open");
    close $c;
    kill_child($pid);
}

# ---- a signal (SIGALRM, SIGHUP) during a blocking readline or read ----------
# The handler runs while the read waits; the read then continues and returns
# the whole line, nothing lost. SIGALRM comes from our own timer, SIGHUP from
# the server process while it holds back the second half of the line.
for my $version (qw(TLSv1_2 TLSv1_3)) {
    for my $case ([ALRM => 'readline'], [HUP => 'readline'], [ALRM => 'read'], [HUP => 'read']) {
        my ($sig, $method) = @$case;
        my $what = "$version, SIG$sig during $method";
        my $parent = $$;
        my ($pid, $port) = fork_server(ssl_listener(SSL_version => $version), sub {
            my $l = shift;
            my $c = $l->accept or die "accept: $SSL_ERROR";
            my $go = <$c>;    # client is ready
            syswrite($c, "first half, ");
            select(undef, undef, undef, 0.4);
            kill 'HUP', $parent if $sig eq 'HUP';
            select(undef, undef, undef, 0.6);
            syswrite($c, "second half\n");
            my $bye = <$c>;
            report(bye => $bye);
        });
        my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
            SSL_version => $version, @CLIENT_SSL) or die "new: $SSL_ERROR";
        my $signals = 0;
        my ($line, $dt, $errno, $n);
        {
            my $left = alarm(0);    # (the watchdog)
            local $SIG{$sig} = sub { $signals++ };
            print $c "go\n";
            my $t0 = time;
            Time::HiRes::alarm(0.4) if $sig eq 'ALRM';
            $! = 0;
            if ($method eq 'readline') {
                $line = $c->readline;
            } else {
                $n = $c->read($line, 24);
            }
            $errno = $! + 0;
            $dt = time - $t0;
            Time::HiRes::alarm(0);
            alarm($left > 1 ? $left : 1);
        }
        is($signals, 1, "$what: the handler ran once");
        is($line, "first half, second half\n",
            "$what: the read continued after the signal and returned the whole line")
            or diag("\$! = $errno, \$SSL_ERROR = " . ($SSL_ERROR // 'undef'));
        is($n, 24, "$what: read returned the full length") if $method eq 'read';
        ok($dt >= 0.9, sprintf("$what: waited for the rest of the line (%.2fs)", $dt));
        print $c "bye\n";
        my ($status, $r) = wait_child($pid);
        is($status, 0, "$what: server finished") or diag($r->{__died__});
        is($r->{bye}, "bye\n", "$what: connection still fine after the signal");
        $c->close;
    }
}

# ---- write to a peer that has closed, SIGPIPE ignored ---------------------------
for my $method (qw(syswrite print)) {
    local $SIG{PIPE} = 'IGNORE';
    my ($pid, $port) = fork_server(ssl_listener(), sub {
        my $l = shift;
        my $c = $l->accept or die "accept: $SSL_ERROR";
        print $c "bye\n";
        $c->close(SSL_no_shutdown => 1);    # TCP close only, no close_notify
    });
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port, @CLIENT_SSL)
        or die "new: $SSL_ERROR";
    is(scalar <$c>, "bye\n", "$method: connected");
    my ($status) = wait_child($pid);    # the peer is gone now
    my ($rv, $errno, $tries) = (1, 0, 0);
    my $data = 'x' x 16000;
    my $deadline = time + 5;
    while (time < $deadline) {
        $tries++;
        $! = 0;
        $rv = $method eq 'print' ? $c->print($data) : $c->syswrite($data);
        $errno = $! + 0;
        last if !$rv;
        select(undef, undef, undef, 0.05);
    }
    ok(!$rv, "$method to a closed peer fails (after $tries tries), the process survives");
    ok(!defined $rv, 'syswrite: returns undef') if $method eq 'syswrite';
    ok($errno == EPIPE || $errno == ECONNRESET, "$method: \$! is EPIPE or ECONNRESET ("
        . do { local $! = $errno; "$errno: $!" } . ')');
    $c->close;
}

# ---- a blocking socket's SO_RCVTIMEO still ends a read ----
# (reads wait in the core's signal-safe wait; the user's receive timeout must
# end that wait as it ends a plain blocking read)
{
    my ($pid, $port) = fork_server(ssl_listener(), sub {
        my $c = shift->accept or die "accept: $SSL_ERROR";
        <$c>;
    });
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port, @CLIENT_SSL)
        or die "new: $SSL_ERROR";
    setsockopt($c, Socket::SOL_SOCKET(), Socket::SO_RCVTIMEO(), pack('l!l!', 0, 300_000))
        or die "setsockopt: $!";
    $! = 0;
    my $n = sysread($c, my $buf, 10);
    my $errno = $! + 0;
    ok(!defined $n, 'sysread on a blocking socket with SO_RCVTIMEO and no data: undef');
    ok($errno == EAGAIN || $errno == EWOULDBLOCK, "... \$! is EAGAIN ($errno)");
    print $c "bye\n";
    wait_child($pid);
}

my $total = time - $T0;
ok($total < 90, sprintf('test ran in %.1fs', $total));

done_testing;
