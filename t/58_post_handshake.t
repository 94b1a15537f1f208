#!perl
# TLS 1.3 messages that arrive after the handshake and carry no application
# data (session tickets, KeyUpdate): on a non-blocking socket, a sysread that
# only finds such a message fails with SSL_WANT_READ and EAGAIN (it neither
# returns 0, which would read as EOF, nor blocks); on a blocking socket it
# waits for the data that follows. KeyUpdate comes from openssl s_server
# (its "k" and "K" commands), tickets from our own server.
use strict;
use warnings;
use lib 't/lib';
use TestLib;
use Test::More;
use IO::Socket::SSL;
use IO::Socket::INET;
use Errno qw(EAGAIN EWOULDBLOCK);
use Time::HiRes qw(time);

watchdog(60);

my @CLIENT_SSL = (
    SSL_ca_file  => cert('test-ca.pem'),
    SSL_hostname => 'localhost',
);

sub readable {
    my ($s, $t) = @_;
    vec(my $rin = '', fileno($s), 1) = 1;
    return select(my $r = $rin, undef, undef, $t || 5) > 0;
}

# A sysread that must find no application data: ($rv, $errno, $ssl_error).
sub sysread_nothing {
    my $s = shift;
    $! = 0;
    my $rv = $s->sysread(my $buf, 100);
    return ($rv, $! + 0, $SSL_ERROR);
}

sub is_want_read {
    my ($what, $rv, $errno, $err) = @_;
    ok(!defined $rv, "$what: sysread returns undef (not 0, not data)")
        or diag("returned " . (defined $rv ? "'$rv'" : 'undef'));
    ok($errno == EAGAIN || $errno == EWOULDBLOCK, "$what: \$! is EAGAIN")
        or diag("\$! = $errno");
    ok(defined $err && $err == SSL_WANT_READ, "$what: \$SSL_ERROR is SSL_WANT_READ")
        or diag("\$SSL_ERROR = " . ($err // 'undef'));
}

# ---- session tickets from our server, non-blocking client --------------------
{
    my ($pid, $port) = fork_server(ssl_listener(SSL_version => 'TLSv1_3'), sub {
        my $l = shift;
        my $c = $l->accept or die "accept: $SSL_ERROR";   # tickets go out here
        my $go = <$c>;
        print $c "data after the tickets\n";
        my $bye = <$c>;
        report(go => $go, bye => $bye);
    });
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port, @CLIENT_SSL)
        or die "new: $SSL_ERROR";
    is($c->get_sslversion, 'TLSv1_3', 'tickets: TLS 1.3');
    $c->blocking(0);
    ok(readable($c), 'tickets: the socket turns readable (the tickets arrive)');
    is($c->pending, 0, 'tickets: pending() is 0, no application data');
    is_want_read('tickets', sysread_nothing($c));
    # again: nothing left, still WANT_READ, and no EOF was recorded
    is_want_read('tickets, second sysread', sysread_nothing($c));
    ok(print($c "go\n"), 'tickets: write after the tickets');
    my $buf = '';
    my $deadline = time + 5;
    while ($buf !~ /\n/ && time < $deadline) {
        readable($c, 1) or next;
        my $n = $c->sysread($buf, 100, length $buf);
        last if defined $n && $n == 0;
    }
    is($buf, "data after the tickets\n", 'tickets: the data after them is read');
    $c->blocking(1);
    print $c "bye\n";
    my ($status, $r) = wait_child($pid);
    is($status, 0, 'tickets: server finished') or diag($r->{__died__});
    is($r->{bye}, "bye\n", 'tickets: server got the last line');
    $c->close;
}

# ---- session tickets, blocking client: sysread waits for the data ------------
{
    my ($pid, $port) = fork_server(ssl_listener(SSL_version => 'TLSv1_3'), sub {
        my $l = shift;
        my $c = $l->accept or die "accept: $SSL_ERROR";
        select(undef, undef, undef, 0.5);
        print $c "late data\n";
        my $bye = <$c>;
        report(bye => $bye);
    });
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port, @CLIENT_SSL)
        or die "new: $SSL_ERROR";
    my $t0 = time;
    my $n = $c->sysread(my $buf, 100);
    is($n, 10, 'blocking: sysread skips the tickets and returns the data');
    is($buf, "late data\n", 'blocking: the data');
    ok(time - $t0 >= 0.4, 'blocking: it waited for the data');
    print $c "bye\n";
    my ($status, $r) = wait_child($pid);
    is($r->{bye}, "bye\n", 'blocking: server got the last line');
    $c->close;
}

# ---- KeyUpdate from openssl s_server -----------------------------------------
SKIP: {
    my $openssl = openssl_bin() or skip 'no openssl command line tool', 20;
    my $h = run_bg([$openssl, 's_server', '-accept', '127.0.0.1:0', '-tls1_3',
        '-cert', cert('server-cert.pem'), '-key', cert('server-key.pem'),
        '-cert_chain', cert('intermediate-ca.pem'), '-naccept', 1],
        stdin_hold => 1);
    if (!wait_bg_output($h, qr/^ACCEPT \S+:(\d+)/m, 10)) {
        diag(stop_bg($h));
        skip 's_server did not start', 20;
    }
    my ($port) = bg_output($h) =~ /^ACCEPT \S+:(\d+)/m;
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port, @CLIENT_SSL)
        or die "new: $SSL_ERROR";
    # a first line through, so the tickets are behind us
    print { $h->{in} } "hello\n";
    is(scalar <$c>, "hello\n", 'KeyUpdate: first line from s_server');
    $c->blocking(0);
    is_want_read('KeyUpdate: nothing yet', sysread_nothing($c));

    for my $cmd (qw(k K)) {
        my $what = $cmd eq 'k' ? 'KeyUpdate (no update requested)'
                               : 'KeyUpdate (update requested)';
        print { $h->{in} } "$cmd\n";
        ok(readable($c), "$what: the socket turns readable");
        is_want_read($what, sysread_nothing($c));
        print { $h->{in} } "after $cmd\n";
        my $buf = '';
        my $deadline = time + 5;
        while ($buf !~ /\n/ && time < $deadline) {
            readable($c, 1) or next;
            my $n = $c->sysread($buf, 100, length $buf);
            last if defined $n && $n == 0;
        }
        is($buf, "after $cmd\n", "$what: data under the new keys");
        ok(defined $c->syswrite("client after $cmd\n"), "$what: our write under the new keys");
        ok(wait_bg_output($h, qr/client after $cmd/, 5), "$what: s_server reads it");
    }
    my @done = bg_output($h) =~ /^SSL_do_handshake -> 1$/mg;
    is(scalar @done, 2, "s_server sent both KeyUpdates (SSL_do_handshake -> 1 after each)");
    $c->blocking(1);
    $c->close;
    stop_bg($h);
}

done_testing;
