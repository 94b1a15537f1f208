#!perl
# One-sided TLS shutdown and failed upgrades as in the reference 2.091-2.099,
# in the patterns real programs use: SSL_on_peer_shutdown, a client that
# half-closes (fast stop_SSL) and still reads the answer, an FTP-style data
# channel closed by the sender, SMTP-style STARTTLS up and down, a failed
# upgrade that keeps the socket; against our own ends, openssl s_server and
# openssl s_client.
use strict;
use warnings;
use lib 't/lib';
use TestLib;
use Test::More;
use IO::Socket::SSL;
use IO::Socket::INET;
use Errno ();
use Socket;
use Symbol ();

watchdog(120);
my @CLIENT = (SSL_ca_file => cert('test-ca.pem'), SSL_verifycn_name => 'localhost');

sub line { my $s = shift; my $l = ''; while (1) { my $n = sysread($s, my $c, 1); return length $l ? $l : undef if !$n; $l .= $c; return $l if $c eq "\n" } }

# ---- SSL_on_peer_shutdown: sysread returns the callback's value, reading is
# closed, writing goes on with TLS, then plain data is read raw ---------------
{
    my $l = ssl_listener();
    my ($pid, $port) = fork_server($l, sub {
        my $c = shift->accept or die "accept: $SSL_ERROR";
        print $c "hello\n";
        $c->stop_SSL(SSL_fast_shutdown => 1) or die "stop: $SSL_ERROR";
        report(is_ssl => $c->is_SSL);
        my $l = line($c);                          # still TLS for reading
        report(tls_line => $l);
        syswrite($c, "raw after close_notify\n");  # plain: TLS is over for writing
        my $n = sysread($c, my $b, 100);           # the client's close_notify
        report(end => $n, is_ssl_end => $c->is_SSL // 'undef');
    });
    my @cb;
    my $s = IO::Socket::SSL->new(PeerAddr => "127.0.0.1:$port", @CLIENT,
        SSL_on_peer_shutdown => sub { push @cb, $_[0]; return 'cb-ret' }) or die "new: $SSL_ERROR";
    is(line($s), "hello\n", 'on_peer_shutdown: data');
    my $n = sysread($s, my $buf, 100);
    is($n, 'cb-ret', 'sysread returns what SSL_on_peer_shutdown returned');
    is(scalar(@cb), 1, '... the callback ran once');
    is($cb[0], $s, '... with the socket');
    is($s->is_SSL, 'w', "is_SSL 'w': reading closed, writing open");
    is(${*$s}{_SSL_read_closed}, 1, '_SSL_read_closed 1');
    syswrite($s, "tls from client\n");
    is(line($s), "raw after close_notify\n", 'later reads take plain data from the socket');
    ok($s->stop_SSL, 'stop_SSL then');
    ok(!defined $s->is_SSL, '... TLS over');
    close $s;
    my ($st, $r) = wait_child($pid);
    is($st, 0, 'server ok') or diag($r->{__died__});
    is($r->{is_ssl}, 'r', "server: is_SSL 'r' after its fast stop_SSL");
    is($r->{tls_line}, "tls from client\n", 'server: the client\'s TLS data was still decrypted');
    is($r->{end}, 0, "server: the client's close_notify ends TLS (EOF)");
    is($r->{is_ssl_end}, 'undef', '... is_SSL undef');
}

# ---- a client that half-closes and still reads the answer (our server) ------
{
    my $l = ssl_listener();
    my ($pid, $port) = fork_server($l, sub {
        my $c = shift->accept or die "accept: $SSL_ERROR";
        my $req = line($c);
        print $c "answer to $req";
        my $n = sysread($c, my $b, 100);          # the client's close_notify
        report(eof => $n, is_ssl => $c->is_SSL);
        close $c;
    });
    my $s = IO::Socket::SSL->new(PeerAddr => "127.0.0.1:$port", @CLIENT) or die "new: $SSL_ERROR";
    print $s "question\n";
    my $ret = $s->stop_SSL(SSL_fast_shutdown => 1);
    is($ret, $s, 'stop_SSL(SSL_fast_shutdown => 1) returns the socket');
    is(ref($s), 'IO::Socket::SSL', '... still an IO::Socket::SSL');
    is($s->is_SSL, 'r', "... is_SSL 'r'");
    is(${*$s}{_SSL_write_closed}, 1, '... _SSL_write_closed 1');
    is(line($s), "answer to question\n", 'the answer is still decrypted');
    is(sysread($s, my $b, 10), 0, "EOF at the server's close_notify");
    ok(!defined $s->is_SSL, '... which ends TLS (is_SSL undef)');
    close $s;
    my ($st, $r) = wait_child($pid);
    is($st, 0, 'server ok') or diag($r->{__died__});
    is($r->{eof}, 0, 'server: EOF at the client\'s close_notify');
    is($r->{is_ssl}, '', "server: is_SSL '' (answered automatically)");
}

# ---- the same against openssl s_server -------------------------------------
SKIP: {
    my $openssl = openssl_bin() or skip 'no openssl', 4;
    my $h = run_bg([$openssl, 's_server', '-accept', '127.0.0.1:0', '-rev', '-naccept', 1,
        '-cert', cert('server-cert.pem'), '-key', cert('server-key.pem')], stdin_hold => 1);
    wait_bg_output($h, qr/^ACCEPT \S+:(\d+)/m, 10) or skip 's_server did not start', 4;
    my ($port) = bg_output($h) =~ /^ACCEPT \S+:(\d+)/m;
    my $s = IO::Socket::SSL->new(PeerAddr => "127.0.0.1:$port", SSL_verify_mode => 0) or die "new: $SSL_ERROR";
    print $s "olleh\n";
    # wait for the answer's first byte to be sure s_server got the line
    # before our close_notify
    vec(my $rin = '', fileno($s), 1) = 1;
    select(my $r = $rin, undef, undef, 10);
    is($s->stop_SSL(SSL_fast_shutdown => 1), $s, 's_server: fast stop_SSL returns the socket');
    is(line($s), "hello\n", 's_server: answer read after our close_notify');
    is($s->is_SSL, 'r', "s_server: is_SSL 'r' while the answer is read");
    my ($rc, $out) = wait_bg($h, 10);
    like($out, qr/CONNECTION CLOSED|DONE|shutting down/, 's_server saw our close_notify and ended the connection');
    close $s;
}

# ---- openssl s_client sends data then close_notify: our server answers it --
SKIP: {
    my $openssl = openssl_bin() or skip 'no openssl', 5;
    my $l = ssl_listener();
    my $port = listener_port($l);
    my $h = run_bg([$openssl, 's_client', '-connect', "127.0.0.1:$port", '-quiet', '-no_ign_eof'],
        stdin => "line from s_client\n");
    my $c = $l->accept or die "accept: $SSL_ERROR";
    is(line($c), "line from s_client\n", 's_client: data');
    my $n = sysread($c, my $b, 100);
    is($n, 0, "s_client: EOF at its close_notify");
    is($c->is_SSL, '', "s_client: is_SSL '' (answered automatically)");
    $! = 0;
    ok(!defined syswrite($c, "late\n") && $! == Errno::EPERM(), 's_client: writes fail with EPERM after that');
    is($c->stop_SSL, $c, 's_client: stop_SSL returns the socket');
    close $c;
    wait_bg($h, 10);
}

# ---- FTP-style data channel: the sender closes, the receiver reads to EOF --
{
    my $l = ssl_listener();
    my $data = join '', map { "line $_\n" } 1 .. 2000;
    my ($pid, $port) = fork_server($l, sub {
        my $c = shift->accept or die "accept: $SSL_ERROR";
        print $c $data;
        report(close => $c->close ? 1 : "fail $SSL_ERROR");
    });
    my $s = IO::Socket::SSL->new(PeerAddr => "127.0.0.1:$port", @CLIENT) or die "new: $SSL_ERROR";
    my $got = '';
    while (1) { my $n = sysread($s, my $b, 65536); last if !$n; $got .= $b }
    is(length($got), length($data), 'data channel: everything read to EOF');
    is($got eq $data ? 1 : 0, 1, '... intact');
    ok($s->close, 'data channel: close after EOF');
    my ($st, $r) = wait_child($pid);
    is($r->{close}, 1, 'data channel: the sender\'s close');
}

# ---- SMTP-style STARTTLS up and down, both sides upgraded sockets ---------
{
    my $l = tcp_listener();
    my ($pid, $port) = fork_server($l, sub {
        my $c = shift->accept or die "accept: $!";
        line($c) eq "STARTTLS\n" or die 'no STARTTLS';
        syswrite($c, "220 go ahead\n");
        IO::Socket::SSL->start_SSL($c, SSL_server => 1, SSL_cert_file => cert('server-chain.pem'),
            SSL_key_file => cert('server-key.pem')) or die "start_SSL: $SSL_ERROR";
        my $m = line($c);
        print $c "250 got $m";
        my $n = sysread($c, my $b, 10);           # the client's close_notify
        report(eof => $n, is_ssl => $c->is_SSL);
        my $ret = $c->stop_SSL;
        report(ret => ($ret && $ret == $c) ? 'self' : 'other', class => ref($c));
        report(plain => line($c));
        syswrite($c, "221 bye\n");
    });
    my $s = IO::Socket::INET->new("127.0.0.1:$port") or die;
    syswrite($s, "STARTTLS\n");
    is(line($s), "220 go ahead\n", 'STARTTLS: plain greeting');
    ok(IO::Socket::SSL->start_SSL($s, @CLIENT), 'STARTTLS: upgraded') or diag($SSL_ERROR);
    print $s "MAIL\n";
    is(line($s), "250 got MAIL\n", 'STARTTLS: TLS exchange');
    my $ret = $s->stop_SSL;
    is($ret, $s, 'STARTTLS: client stop_SSL (both ways) returns the socket');
    is(ref($s), 'IO::Socket::INET', '... downgraded to IO::Socket::INET');
    syswrite($s, "QUIT\n");
    is(line($s), "221 bye\n", 'STARTTLS: plain again');
    my ($st, $r) = wait_child($pid);
    is($st, 0, 'STARTTLS server ok') or diag($r->{__died__});
    is($r->{eof}, 0, 'server: EOF at the close_notify');
    is($r->{is_ssl}, '', "server: is_SSL ''");
    is($r->{ret}, 'self', 'server: stop_SSL returns the socket');
    is($r->{class}, 'IO::Socket::INET', 'server: downgraded');
    is($r->{plain}, "QUIT\n", 'server: plain line after TLS');
}

# ---- failed upgrades keep the socket (2.099); new() still closes ----------
{
    my $l = tcp_listener();
    my ($pid, $port) = fork_server($l, sub {
        my $l = shift;
        for (1 .. 3) {
            my $c = $l->accept or next;
            syswrite($c, "NOT TLS AT ALL\r\n" x 4);
            my $got = '';
            while (sysread($c, my $b, 1000)) { $got .= $b; last if $got =~ /still\n/ }
            syswrite($c, "plain ok\n") if $got =~ /still\n/;
        }
    });
    my $s = IO::Socket::INET->new("127.0.0.1:$port") or die;
    ok(!IO::Socket::SSL->start_SSL($s, @CLIENT), 'start_SSL against a plain server fails');
    is(ref($s), 'IO::Socket::INET', '... the socket is back in its class');
    ok(defined fileno($s), '... and still open');
    syswrite($s, "still\n");

    my $g = Symbol::gensym();
    socket($g, AF_INET, SOCK_STREAM, 0) or die;
    connect($g, pack_sockaddr_in($port, inet_aton('127.0.0.1'))) or die;
    ok(!IO::Socket::SSL->start_SSL($g, @CLIENT), 'start_SSL of an unblessed glob fails');
    is(ref($g), 'IO::Socket::SSL', '... the glob was blessed in place and stays IO::Socket::SSL');
    ok(defined fileno($g), '... still open');
    syswrite($g, "still\n");
    my $n = IO::Socket::SSL->new(PeerAddr => "127.0.0.1:$port", @CLIENT);
    ok(!$n, 'new() against the plain server fails');
    kill_child($pid);
}

# ---- an unblessed glob: start_SSL, stop_SSL, still IO::Socket::SSL --------
{
    my $l = tcp_listener();
    my ($pid, $port) = fork_server($l, sub {
        my $c = shift->accept or die;
        IO::Socket::SSL->start_SSL($c, SSL_server => 1, SSL_cert_file => cert('server-chain.pem'),
            SSL_key_file => cert('server-key.pem')) or die "start_SSL: $SSL_ERROR";
        print $c "tls\n";
        sysread($c, my $b, 10);
        $c->stop_SSL;
        syswrite($c, "plain\n");
    });
    my $g = Symbol::gensym();
    socket($g, AF_INET, SOCK_STREAM, 0) or die;
    connect($g, pack_sockaddr_in($port, inet_aton('127.0.0.1'))) or die;
    ok(IO::Socket::SSL->start_SSL($g, @CLIENT), 'glob: start_SSL') or diag($SSL_ERROR);
    is(ref($g), 'IO::Socket::SSL', 'glob: blessed in place');
    is(line($g), "tls\n", 'glob: TLS data');
    is($g->stop_SSL, $g, 'glob: stop_SSL returns it');
    is(ref($g), 'IO::Socket::SSL', 'glob: stays IO::Socket::SSL after stop_SSL (not GLOB)');
    is(line($g), "plain\n", 'glob: plain data after');
    wait_child($pid);
}

done_testing;
