#!/usr/bin/perl
# Perl code that re-enters the module at awkward moments: signal handlers that
# close the socket or replace buffers, SSL_on_peer_shutdown closing the
# socket inside readline, callbacks returning objects whose bool dies,
# threads next to a session cache, print on non-blocking sockets and signals
# during a blocking print. None of it may crash, hang or lose data.
use strict;
use warnings;
use lib 't/lib';
use Config;
use Test::More;
use TestLib;
use IO::Socket::SSL;
use POSIX ();
use Time::HiRes ();

watchdog(90);
my @ca = (SSL_ca_file => cert('test-ca.pem'), SSL_hostname => 'localhost');

sub server (&) {
    my $code = shift;
    return fork_server(ssl_listener(), sub { my $c = shift->accept or die $SSL_ERROR; $code->($c) });
}
sub client { IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => shift, @ca, @_) or die $SSL_ERROR }

# ---- a signal handler changes $/ and grows the stack during a blocking readline ----
{
    my ($pid, $port) = server { sleep 1; print {$_[0]} "line one\nline two\n"; sleep 2 };
    my $c = client($port);
    local $SIG{ALRM} = sub { my @big = (1) x 1_000_000; $/ = "two\n" };
    Time::HiRes::alarm(0.3);
    my $line = <$c>;
    is($line, "line one\nline two\n", 'readline continues after a handler that changed $/');
    $/ = "\n";
    kill_child($pid);
}

# ---- a signal handler replaces the buffer of a blocking read ----
{
    my ($pid, $port) = server { sleep 1; print {$_[0]} "0123456789"; sleep 2 };
    my $c = client($port);
    my $buf = 'abcde';
    local $SIG{ALRM} = sub { $buf = 'Z' x 100_000 };
    Time::HiRes::alarm(0.3);
    my $n = $c->read($buf, 10, 5);
    is($n, 10, 'read continues after a handler that replaced the buffer');
    is(substr($buf, 5, 10), '0123456789', '... and the data lands after the offset');
    kill_child($pid);
}

# ---- a signal handler closes the socket during a blocking read ----
{
    my ($pid, $port) = server { sleep 3 };
    my $c = client($port);
    local $SIG{ALRM} = sub { $c->close };
    Time::HiRes::alarm(0.3);
    my $n = eval { $c->read(my $buf, 10) };
    ok(!$n, 'read on a socket closed by the signal handler fails cleanly');
    kill_child($pid);
}

# ---- SSL_on_peer_shutdown closes the socket inside readline ----
for my $mode ('list', 'slurp') {
    my ($pid, $port) = server { print {$_[0]} "line $_\n" for 1 .. 200; $_[0]->close; sleep 1 };
    my $c = client($port, SSL_on_peer_shutdown => sub { $_[0]->close });
    sleep 1;
    if ($mode eq 'list') {
        my @l = <$c>;
        is(scalar @l, 200, 'list readline: all lines although the callback closed the socket');
        is($l[-1], "line 200\n", '... the last one intact');
    } else {
        local $/;
        my $all = <$c>;
        is(length $all, 1692, 'slurp: all bytes although the callback closed the socket')
            or diag(length $all);
    }
    wait_child($pid);
}

# ---- print on a non-blocking socket delivers everything ----
{
    my $total = 4_000_000;
    my ($pid, $port) = server {
        my $c = shift;
        my ($got, $buf) = (0, '');
        sleep 1;
        while ($got < $total) { my $n = sysread($c, $buf, 65536) or last; $got += $n }
        report(got => $got);
    };
    my $c = client($port);
    $c->blocking(0);
    ok(print($c 'x' x 1_000_000), 'non-blocking print of 1 MB');
    ok(print($c 'y' x 3_000_000), 'non-blocking print of 3 MB');
    $c->blocking(1);
    my ($st, $r) = wait_child($pid);
    is($r->{got}, $total, 'the server received every byte');
}

# ---- alarm + die around a blocking print to a peer that does not read ----
{
    my ($pid, $port) = server { sleep 10 };
    my $c = client($port);
    my $t0 = Time::HiRes::time();
    my $ok = eval {
        local $SIG{ALRM} = sub { die "timeout\n" };
        alarm 1;
        print $c 'A' x 50_000_000;
        alarm 0;
        1;
    };
    my $dt = Time::HiRes::time() - $t0;
    ok(!$ok && $@ eq "timeout\n", 'the alarm handler ran during a blocking print');
    cmp_ok($dt, '<', 9, sprintf('... after %.1f s (the peer would close after 10 s)', $dt));
    kill_child($pid);
}

# ---- a verify callback whose result dies when used as a boolean ----
{
    package Evil;
    use overload 'bool' => sub { die "evil bool\n" }, fallback => 1;
}
{
    my ($pid, $port) = server { };
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port, @ca,
        SSL_verify_callback => sub { bless {}, 'Evil' });
    ok(!$c, 'a callback result that dies fails the handshake');
    like("$SSL_ERROR", qr/evil bool|verify failed/, '... with a clear error');
    kill_child($pid);
}

# ---- a callback run inside OpenSSL closes its own socket ----
# The connection may not be freed under OpenSSL's feet: the operation fails
# cleanly with EBADF and the socket is left as the callback made it.
# (stop_SSL there is refused, as other I/O: t/86_callback_reentry.t)
for my $how (qw(close)) {
    # (the server's accept fails: the client goes away mid-handshake)
    my ($pid, $port) = fork_server(ssl_listener(), sub { shift->accept; sleep 1 });
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port") or die "connect: $!";
    my $calls = 0;
    my $ok = IO::Socket::SSL->start_SSL($s, @ca, SSL_verify_callback => sub {
        $calls++;
        $how eq 'close' ? $s->close : $s->stop_SSL;
        return 1;
    });
    ok(!$ok, "verify callback calling \$sock->$how: the handshake fails");
    ok($calls >= 1, "verify callback calling \$sock->$how: it ran ($calls calls, one per chain element)");
    like("$SSL_ERROR", qr/closed during the handshake/, "... error: $SSL_ERROR");
    is($! + 0, POSIX::EBADF(), '... $! is EBADF');
    kill_child($pid);
}
for my $method (qw(sysread readline)) {
    my ($pid, $port) = server { print {$_[0]} "one\n"; sleep 1; print {$_[0]} "two\n"; sleep 2 };
    my $c = client($port);
    is(scalar <$c>, "one\n", "msg callback closing in $method: first line");
    my $seen = 0;
    $c->set_msg_callback(sub { $seen++; $c->close if $seen == 1 });
    my $got = $method eq 'sysread' ? $c->sysread(my $buf, 100) : <$c>;
    ok(!defined $got, "msg callback closing the socket inside $method: $method returns undef");
    is($! + 0, POSIX::EBADF(), '... $! is EBADF');
    ok($seen >= 1, '... the callback ran');
    ok(!defined fileno($c), '... the socket is closed');
    kill_child($pid);
}

# a message callback closing the socket while a record is being written:
# no close_notify is sent from inside OpenSSL's write
{
    my ($pid, $port) = server { my $l = <$_[0]>; sleep 1 };
    my $c = client($port);
    my $seen = 0;
    $c->set_msg_callback(sub { my (undef, $write_p) = @_; $seen++; $c->close if $write_p });
    my $n = $c->syswrite("hello\n");
    ok($seen >= 1, 'msg callback closing the socket inside syswrite: it ran');
    ok(!defined fileno($c), '... the socket is closed');
    ok(!defined $n || $n == 6, '... syswrite fails or reports the record it wrote');
    kill_child($pid);
}
# the descriptor of a socket closed by a callback is reused at once: the
# read that was going on must not go on reading from the new owner
{
    my ($pid, $port) = server { print {$_[0]} "one\n"; sleep 1; print {$_[0]} "two\n"; sleep 3 };
    my $c = client($port);
    is(scalar <$c>, "one\n", 'fd reuse: first line');
    my (@keep, $fd);
    $c->set_msg_callback(sub {
        return if $fd;
        $fd = fileno($c);
        $c->close;
        pipe(my $r, my $w) or die "pipe: $!";
        push @keep, $r, $w;    # the pipe's read end gets the socket's descriptor
    });
    my $t0 = Time::HiRes::time();
    my @lines = eval {
        local $SIG{ALRM} = sub { die "blocked\n" };
        alarm 5;
        my @l = <$c>;
        alarm 0;
        @l;
    };
    alarm 0;
    is($@, '', 'fd reuse: list readline does not block on the new owner of the descriptor');
    ok(Time::HiRes::time() - $t0 < 4, '... it returns at once');
    is(fileno($keep[0]), $fd, '... (the pipe did get the descriptor)') if @keep;
    watchdog(90);
    kill_child($pid);
}

# a signal handler closes the socket during a blocking handshake
{
    my ($pid, $port) = fork_server(tcp_listener(), sub { my $c = shift->accept; sleep 3 });
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port") or die "connect: $!";
    local $SIG{ALRM} = sub { $s->close };
    Time::HiRes::alarm(0.3);
    my $ok = eval { IO::Socket::SSL->start_SSL($s, @ca, Timeout => 5) };
    Time::HiRes::alarm(0);
    is($@, '', 'a handler closing the socket during the handshake: no die');
    ok(!$ok, '... the handshake fails');
    watchdog(90);
    kill_child($pid);
}

# ---- $@ survives I/O that runs callbacks (a TLS 1.3 ticket arriving) ----
{
    my ($pid, $port) = server { print {$_[0]} "hi\n"; <$_[0]> };
    my $c = client($port, SSL_session_cache_size => 5);
    eval { die "important\n" };
    my $line = <$c>;
    is($@, "important\n", '$@ is kept across a readline that ran the session callback');
    print $c "bye\n";
    wait_child($pid);
}

# ---- a thread starts and ends next to a session cache ----
SKIP: {
    skip 'perl without ithreads', 2 if !$Config{useithreads};
    require threads;
    my ($pid, $port) = server { print {$_[0]} "hi\n"; <$_[0]> };
    my $cache = IO::Socket::SSL::Session_Cache->new(5);
    my $c = client($port, SSL_session_cache => $cache, SSL_session_key => 'k');
    <$c>;
    threads->create(sub { 1 })->join;
    ok($cache->get_session('k'), 'the cache still holds its session after a thread ended');
    print $c "bye\n";
    $c->close;
    wait_child($pid);
    undef $cache;
    pass('the cache frees its sessions once, in its own thread');
}

# ---- descriptors that are not sockets: the socket BIO finds out from the
# first recvmsg/send (ENOTSOCK) and goes on with readv/write; that ENOTSOCK
# never shows in $! ----
{
    open my $null, '+<', '/dev/null' or die "/dev/null: $!";
    $! = 0;
    my $ok = IO::Socket::SSL->start_SSL($null, @ca, Timeout => 5);
    my $err = $!;
    ok(!$ok, 'TLS client on /dev/null: the handshake fails');
    like($SSL_ERROR, qr/eof/i, '... the ClientHello was written and the read saw EOF');
    isnt($err + 0, POSIX::ENOTSOCK(), '... $! is not ENOTSOCK');

    pipe(my $rd, my $wr) or die "pipe: $!";
    syswrite($wr, "GARBAGE!" x 8) or die "pipe write: $!";
    close $wr;
    $! = 0;
    $ok = IO::Socket::SSL->start_SSL($rd, SSL_server => 1,
        SSL_cert_file => cert('server-chain.pem'), SSL_key_file => cert('server-key.pem'));
    $err = $!;
    ok(!$ok, 'TLS server on a pipe of garbage: the handshake fails');
    like($SSL_ERROR, qr/wrong version number|unknown protocol|http request/i, '... on what it read from the pipe');
    isnt($err + 0, POSIX::ENOTSOCK(), '... $! is not ENOTSOCK');
}

done_testing;
