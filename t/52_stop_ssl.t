#!perl
# Downgrading with stop_SSL: plain text after TLS on both sides, repeated
# start_SSL/stop_SSL on one socket, new(SSL_startHandshake => 0) + connect_SSL
# + stop_SSL, close() does not downgrade, stop_SSL against openssl s_server,
# is_SSL before/after, EOF (and writes) after the peer's close_notify.
use strict;
use warnings;
use lib 't/lib';
use TestLib;
use Test::More;
use IO::Socket::SSL;
use IO::Socket::INET;
use Time::HiRes qw(time);

watchdog(60);

my @CLIENT_SSL = (
    SSL_ca_file       => cert('test-ca.pem'),
    SSL_verifycn_name => 'localhost',
    SSL_hostname      => 'localhost',
);
my @SERVER_SSL = (
    SSL_server    => 1,
    SSL_cert_file => cert('server-chain.pem'),
    SSL_key_file  => cert('server-key.pem'),
);

# unbuffered line reading, the same on plain and TLS sockets; bounded by
# select when the socket has nothing buffered in TLS
sub getline_raw {
    my ($s, $timeout) = @_;
    my $line = '';
    my $deadline = time + ($timeout || 10);
    while (time < $deadline) {
        if (!($s->can('pending') && $s->pending)) {
            vec(my $rin = '', fileno($s), 1) = 1;
            select(my $r = $rin, undef, undef, 0.5) or next;
        }
        my $n = sysread($s, my $c, 1);
        return(length($line) ? $line : undef) if !$n;
        $line .= $c;
        return $line if $c eq "\n";
    }
    return length($line) ? $line : undef;
}

# read exactly $len raw bytes (bounded)
sub read_raw {
    my ($s, $len, $timeout) = @_;
    my $buf = '';
    my $deadline = time + ($timeout || 5);
    while (length($buf) < $len && time < $deadline) {
        vec(my $rin = '', fileno($s), 1) = 1;
        select(my $r = $rin, undef, undef, 0.5) or next;
        sysread($s, $buf, $len - length($buf), length $buf) or last;
    }
    return $buf;
}

# A line based server on a plain TCP socket: PLAIN/TLS x -> "plain-ok x" or
# "tls-ok x" (depending on the state), STARTTLS -> "220 go" + start_SSL,
# STOPTLS -> "stop-ok" + stop_SSL, BYE -> end. Reports what happened.
sub line_server {
    my $l = shift;
    my $c = $l->accept or die "accept: $!";
    my $round = 0;
    while (defined(my $line = getline_raw($c))) {
        my $tls = $c->isa('IO::Socket::SSL') && $c->is_SSL;
        if ($line =~ /^(?:PLAIN|TLS) (\S+)/) {
            syswrite($c, ($tls ? 'tls-ok' : 'plain-ok') . " $1\n");
        } elsif ($line =~ /^STARTTLS/) {
            syswrite($c, "220 go\n");
            $round++;
            my $ok = IO::Socket::SSL->start_SSL($c, @SERVER_SSL);
            report("start$round" => $ok ? ref($c) : "failed: $SSL_ERROR");
        } elsif ($line =~ /^STOPTLS/) {
            syswrite($c, "stop-ok\n");
            my $ok = $c->stop_SSL;
            report("stop$round" => ($ok ? 'ok' : "failed: $SSL_ERROR") . ' ' . ref($c)
                . ' is_SSL=' . ($c->isa('IO::Socket::SSL') && $c->is_SSL ? 1 : 0));
        } elsif ($line =~ /^BYE/) {
            syswrite($c, "bye\n");
            last;
        } else {
            syswrite($c, "unknown\n");
        }
    }
    report(end => 'ok');
}

# ---- repeated start_SSL/stop_SSL on one socket, both sides upgraded ---------
{
    my ($pid, $port) = fork_server(tcp_listener(), \&line_server);
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp')
        or die "connect: $!";
    for my $i (1 .. 3) {
        syswrite($s, "PLAIN p$i\n");
        is(getline_raw($s), "plain-ok p$i\n", "round $i: plain text before start_SSL");
        syswrite($s, "STARTTLS\n");
        is(getline_raw($s), "220 go\n", "round $i: STARTTLS");
        my $ok = IO::Socket::SSL->start_SSL($s, @CLIENT_SSL);
        ok($ok, "round $i: start_SSL") or diag("error: $SSL_ERROR");
        is(ref($s), 'IO::Socket::SSL', "round $i: upgraded to IO::Socket::SSL");
        ok($s->is_SSL, "round $i: is_SSL true while TLS is active");
        syswrite($s, "TLS t$i\n");
        is(getline_raw($s), "tls-ok t$i\n", "round $i: data over TLS, server in TLS mode");
        syswrite($s, "STOPTLS\n");
        is(getline_raw($s), "stop-ok\n", "round $i: STOPTLS answered over TLS");
        ok(!$s->pending, "round $i: nothing pending before stop_SSL");
        $ok = $s->stop_SSL;
        ok($ok, "round $i: stop_SSL returns true") or diag("error: $SSL_ERROR");
        is(ref($s), 'IO::Socket::INET', "round $i: stop_SSL returns to the original class");
        ok(!$s->can('is_SSL') || !$s->is_SSL, "round $i: no TLS after stop_SSL");
        # plain data right after stop_SSL, without waiting for anything
        syswrite($s, "PLAIN q$i\n");
        is(getline_raw($s), "plain-ok q$i\n", "round $i: plain text after stop_SSL, in both directions");
    }
    syswrite($s, "BYE\n");
    is(getline_raw($s), "bye\n", 'plain BYE at the end');
    close $s;
    my ($status, $r) = wait_child($pid);
    is($status, 0, 'server finished') or diag($r->{__died__});
    for my $i (1 .. 3) {
        is($r->{"start$i"}, 'IO::Socket::SSL', "round $i: server start_SSL upgraded its socket");
        is($r->{"stop$i"}, 'ok IO::Socket::INET is_SSL=0',
            "round $i: server stop_SSL returned to IO::Socket::INET");
    }
    is($r->{end}, 'ok', 'server saw BYE');
}

# ---- new(SSL_startHandshake => 0) + connect_SSL + stop_SSL: stays IO::Socket::SSL
{
    my ($pid, $port) = fork_server(tcp_listener(), \&line_server);
    my $s = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
        SSL_startHandshake => 0, @CLIENT_SSL) or die "new: $SSL_ERROR";
    ok(!$s->is_SSL, 'new(SSL_startHandshake => 0): is_SSL false');
    syswrite($s, "PLAIN a\n");
    is(getline_raw($s), "plain-ok a\n", 'new(SSL_startHandshake => 0): plain text');
    for my $i (1, 2) {
        syswrite($s, "STARTTLS\n");
        is(getline_raw($s), "220 go\n", "connect_SSL $i: STARTTLS");
        ok($s->connect_SSL, "connect_SSL $i") or diag("error: $SSL_ERROR");
        ok($s->is_SSL, "connect_SSL $i: is_SSL true");
        syswrite($s, "TLS b$i\n");
        is(getline_raw($s), "tls-ok b$i\n", "connect_SSL $i: data over TLS");
        syswrite($s, "STOPTLS\n");
        is(getline_raw($s), "stop-ok\n", "connect_SSL $i: STOPTLS");
        ok($s->stop_SSL, "connect_SSL $i: stop_SSL") or diag("error: $SSL_ERROR");
        is(ref($s), 'IO::Socket::SSL', "connect_SSL $i: class stays IO::Socket::SSL after stop_SSL");
        ok(!$s->is_SSL, "connect_SSL $i: is_SSL false after stop_SSL");
        syswrite($s, "PLAIN c$i\n");
        is(getline_raw($s), "plain-ok c$i\n", "connect_SSL $i: plain text after stop_SSL");
    }
    syswrite($s, "BYE\n");
    is(getline_raw($s), "bye\n", 'plain BYE');
    close $s;
    my ($status, $r) = wait_child($pid);
    is($status, 0, 'server finished') or diag($r->{__died__});
    is($r->{stop2}, 'ok IO::Socket::INET is_SSL=0', 'server side downgraded twice');
}

# ---- close() does not downgrade -----------------------------------------------
{
    my ($pid, $port) = fork_server(tcp_listener(), \&line_server);
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp')
        or die "connect: $!";
    syswrite($s, "STARTTLS\n");
    getline_raw($s);
    ok(IO::Socket::SSL->start_SSL($s, @CLIENT_SSL), 'close: start_SSL') or diag("error: $SSL_ERROR");
    syswrite($s, "TLS d\n");
    is(getline_raw($s), "tls-ok d\n", 'close: data over TLS');
    ok($s->close, 'close() on the upgraded socket');
    is(ref($s), 'IO::Socket::SSL', 'close() does not downgrade: still IO::Socket::SSL');
    ok(!$s->opened, 'socket is closed');
    ok(!defined fileno($s), 'no file descriptor after close');
    ok(!$s->is_SSL, 'is_SSL false after close');
    my ($status, $r) = wait_child($pid);
    is($status, 0, 'server saw the end of the connection') or diag($r->{__died__});
}

# ---- one-sided shutdown (2.091+): the peer's close_notify is answered at once,
# both directions are closed until stop_SSL; our fast stop_SSL closes only our
# direction and the peer's records are still decrypted --------------------------
for my $version (qw(TLSv1_2 TLSv1_3)) {
    my $l = ssl_listener(SSL_version => $version);
    my ($pid, $port) = fork_server($l, sub {
        my $l = shift;
        my $c = $l->accept or die "accept: $SSL_ERROR";
        print $c "hello\n";
        # send close_notify, do not wait for the answer, keep TCP open
        my $ok = $c->stop_SSL(SSL_fast_shutdown => 1);
        report(stop => !$ok ? "failed: $SSL_ERROR" : $ok == $c ? 'self' : "returned $ok");
        report(class => ref($c), is_ssl => $c->is_SSL);
        # still TLS for reading: the client's answer ends TLS here too
        my $n = sysread($c, my $buf, 100);
        report(read_end => $n, is_ssl_end => $c->is_SSL // 'undef');
        # plain from now on; say something before the client's stop_SSL
        syswrite($c, "early plain\n");
        report(plain => getline_raw($c));
        syswrite($c, "plain reply\n");
        read_raw($c, 1, 3);    # wait for the client to close
    });
    my $s = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
        SSL_version => $version, @CLIENT_SSL) or die "new: $SSL_ERROR";
    is($s->is_SSL, 'rw', "$version: is_SSL 'rw' before the close_notify");
    is(getline_raw($s), "hello\n", "$version: data before the close_notify");
    vec(my $rin = '', fileno($s), 1) = 1;
    select(my $r = $rin, undef, undef, 5);
    my $n = sysread($s, my $buf, 100);
    is($n, 0, "$version: sysread returns 0 (EOF) at the peer's close_notify");
    ok($s->opened, "$version: socket still open (TCP still up)");
    is($s->is_SSL, '', "$version: is_SSL '': both directions closed (close_notify answered)");
    ok(exists ${*$s}{_SSL_read_closed} && ${*$s}{_SSL_read_closed} == -1
        && ${*$s}{_SSL_write_closed} == -1, "$version: _SSL_read_closed/_SSL_write_closed -1 (automatic)");
    $! = 0;
    $n = syswrite($s, "after close_notify\n");
    ok(!defined $n, "$version: syswrite after it fails");
    is($! + 0, Errno::EPERM(), "$version: ... with EPERM");
    ok(!defined($s->print("x\n")), "$version: print fails too");
    # the server writes plain text now: it must not be read as TLS data
    select($r = $rin, undef, undef, 5);
    $! = 0;
    $n = sysread($s, $buf, 100);
    ok(!defined $n, "$version: sysread with plain data waiting fails");
    is($! + 0, Errno::EPERM(), "$version: ... with EPERM");
    my $t0 = time;
    my $ret = $s->stop_SSL;
    is($ret, $s, "$version: stop_SSL after the peer's close_notify returns the socket");
    ok(time - $t0 < 8, "$version: ... at once (no waiting for the Timeout)");
    ok(!defined $s->is_SSL, "$version: is_SSL undef after stop_SSL");
    is(ref($s), 'IO::Socket::SSL', "$version: class stays IO::Socket::SSL (created by new)");
    is(getline_raw($s), "early plain\n", "$version: the plain text is read after stop_SSL");
    syswrite($s, "plain after\n");
    is(getline_raw($s), "plain reply\n", "$version: plain text both ways");
    close $s;
    my ($status, $res) = wait_child($pid);
    is($status, 0, "$version: server finished") or diag($res->{__died__});
    is($res->{stop}, 'self', "$version: server stop_SSL(SSL_fast_shutdown => 1) returns the socket");
    is($res->{class}, 'IO::Socket::SSL', "$version: ... which stays an IO::Socket::SSL");
    is($res->{is_ssl}, 'r', "$version: ... with is_SSL 'r'");
    is($res->{read_end}, 0, "$version: server: the client's close_notify is read through TLS (EOF)");
    is($res->{is_ssl_end}, 'undef', "$version: ... and ends TLS on the server");
    is($res->{plain}, "plain after\n", "$version: server got the plain line after them");
}

# ---- stop_SSL against openssl s_server ----------------------------------------
SKIP: {
    my $openssl = openssl_bin() or skip 'no openssl command line tool', 14;
    for my $version (qw(TLSv1_2 TLSv1_3)) {
        my $flag = $version eq 'TLSv1_2' ? '-tls1_2' : '-tls1_3';
        my $h = run_bg([$openssl, 's_server', '-accept', '127.0.0.1:0',
            '-cert', cert('server-cert.pem'), '-key', cert('server-key.pem'),
            '-cert_chain', cert('intermediate-ca.pem'), '-naccept', 1, $flag],
            stdin_hold => 1);
        if (!wait_bg_output($h, qr/^ACCEPT \S+:(\d+)/m, 10)) {
            diag(stop_bg($h));
            skip "s_server did not start", 7;
        }
        my ($port) = bg_output($h) =~ /^ACCEPT \S+:(\d+)/m;
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp')
            or die "connect: $!";
        ok(IO::Socket::SSL->start_SSL($s, @CLIENT_SSL), "s_server $version: start_SSL")
            or diag("error: $SSL_ERROR");
        print { $h->{in} } "from s_server\n";
        is(getline_raw($s), "from s_server\n", "s_server $version: data from s_server");
        syswrite($s, "from client\n");
        ok(wait_bg_output($h, qr/from client/, 5), "s_server $version: data to s_server");
        my $t0 = time;
        my $ok = $s->stop_SSL(Timeout => 5);
        ok($ok && time - $t0 < 3, "s_server $version: stop_SSL succeeds (s_server answers the close_notify)")
            or diag("error: $SSL_ERROR");
        is(ref($s), 'IO::Socket::INET', "s_server $version: downgraded to IO::Socket::INET");
        my ($rc, $out) = wait_bg($h, 5);
        like($out, qr/DONE.*shutting down SSL/s, "s_server $version: s_server got our close_notify and shut down");
        close $s;
        SKIP: {
            skip 's_server closes the TCP connection after the TLS shutdown: '
                . 'no plain text after stop_SSL to test against it', 1;
        }
    }
}

done_testing;
