#!/usr/bin/perl
# One context shared by ithreads: an IO::Socket::SSL::SSL_Context, the
# context of set_default_context and the context of a socket given as
# SSL_reuse_ctx, each used by 4 threads x 50 handshakes at once, client side
# and server side. Every handshake works, and the Perl callbacks on the
# context (verify callback, ticket key callback) run in the thread doing
# the handshake, with that thread's copy of the callback: each thread's
# callbacks see only its own thread id. A client session cache on a shared
# context keeps working in every thread. (Before, every thread died with
# "IO::Socket::SSL::_Ctx object is no longer valid".)
use strict;
use warnings;
use lib 't/lib';
use Config;
use Test::More;
BEGIN {
    plan skip_all => 'perl without ithreads' if !$Config{useithreads};
}
use threads;
use TestLib;
use IO::Socket::SSL;

my $THREADS = 4;
my $N = $ENV{ISS_THREAD_HANDSHAKES} || 50;    # xt/valgrind.sh may ask for fewer
watchdog(($ENV{VALGRIND_TIME_SCALE} || 1) * 240);

our @SEEN;     # per interpreter: the thread ids the callbacks ran with
our @TICKET;

# A server process for the client side: accepts connections one after the
# other, echoes a line, until told to stop.
sub echo_server {
    my $l = ssl_listener(Listen => 128);
    return fork_server($l, sub {
        my $l = shift;
        my $n = 0;
        while (1) {
            my $c = $l->accept or next;
            my $line = <$c>;
            last if !defined $line || $line eq "stop\n";
            print $c "echo $line";
            $c->close;
            $n++;
        }
        report(served => $n);
    }, timeout => 600);
}

# In a thread: $N handshakes with the given arguments; returns
# (handshakes that worked and echoed, resumed count, thread ids the callbacks saw, first error).
sub client_thread {
    my ($port, @args) = @_;
    my ($ok, $resumed, $err) = (0, 0);
    for my $i (1 .. $N) {
        my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
            SSL_hostname => 'localhost', @args);
        if (!$c) {
            $err //= "handshake $i: $SSL_ERROR";
            next;
        }
        $resumed++ if $c->get_session_reused;
        print $c "t" . threads->tid . " $i\n";
        my $l = <$c>;
        $ok++ if defined $l && $l eq "echo t" . threads->tid . " $i\n";
        $c->close;
    }
    my %tids = map { $_ => 1 } @SEEN;
    return ($ok, $resumed, join(',', sort keys %tids), scalar(@SEEN), $err // '');
}

sub run_threads {
    my ($what, $code) = @_;
    my @thr = map { threads->create({ context => 'list' }, $code) } 1 .. $THREADS;
    my @res;
    for my $t (@thr) {
        my $tid = $t->tid;
        my @r = $t->join;
        push @res, [$tid, @r];
    }
    return @res;
}

# ---- client side ----
my ($spid, $port) = echo_server();
my $verify = sub { push @SEEN, threads->tid; return $_[0] };
my $client_ctx = IO::Socket::SSL::SSL_Context->new(
    SSL_ca_file => cert('test-ca.pem'), SSL_verify_mode => SSL_VERIFY_PEER,
    SSL_verifycn_name => 'localhost', SSL_verify_callback => $verify,
) or die "client context: $SSL_ERROR";

# the main thread uses it too, before and after the threads
{
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
        SSL_reuse_ctx => $client_ctx) or die "main: $SSL_ERROR";
    print $c "main\n";
    is(scalar <$c>, "echo main\n", 'main thread: a handshake on the context');
    $c->close;
}
my $main_seen = @SEEN;
ok($main_seen > 0, "main thread: its verify callback ran ($main_seen calls)");

my $sock_for_reuse = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
    SSL_ca_file => cert('test-ca.pem'), SSL_verifycn_name => 'localhost',
    SSL_verify_callback => $verify) or die "socket: $SSL_ERROR";
print $sock_for_reuse "reuse\n";
<$sock_for_reuse>;
@SEEN = ();

my %variants = (
    'SSL_Context object' => sub { client_thread($port, SSL_reuse_ctx => $client_ctx) },
    'set_default_context' => sub {
        IO::Socket::SSL::set_default_context($client_ctx);
        client_thread($port);
    },
    'SSL_reuse_ctx => $socket' => sub { client_thread($port, SSL_reuse_ctx => $sock_for_reuse) },
);
for my $v (sort keys %variants) {
    my @res = run_threads($v, $variants{$v});
    for my $r (@res) {
        my ($tid, $ok, $resumed, $tids, $calls, $err) = @$r;
        is($ok, $N, "client, $v: thread $tid: $N handshakes, all worked") or diag($err);
        is($tids, $tid, "client, $v: thread $tid: its verify callback ran in this thread only ($calls calls)");
        ok($calls >= $N, "client, $v: thread $tid: ... once per handshake at least");
    }
}
is(scalar @SEEN, 0, 'client: no callback of a thread ran in the main interpreter');
IO::Socket::SSL::set_default_context(undef);
{
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
        SSL_reuse_ctx => $client_ctx) or die "main after: $SSL_ERROR";
    print $c "main again\n";
    is(scalar <$c>, "echo main again\n", 'main thread: the context works after the threads ended');
    $c->close;
}
ok(@SEEN > 0 && !grep({ $_ != 0 } @SEEN), 'main thread: its callback still runs, in the main thread');

# A session cache on a shared context: each thread resumes.
{
    my $cached = IO::Socket::SSL::SSL_Context->new(
        SSL_ca_file => cert('test-ca.pem'), SSL_verifycn_name => 'localhost',
        SSL_session_cache_size => 20, SSL_version => 'TLSv1_2',
    ) or die "cached context: $SSL_ERROR";
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
        SSL_reuse_ctx => $cached) or die "main: $SSL_ERROR";
    print $c "cache\n";
    <$c>;
    $c->close;
    my @res = run_threads('session cache', sub { client_thread($port, SSL_reuse_ctx => $cached) });
    for my $r (@res) {
        my ($tid, $ok, $resumed, undef, undef, $err) = @$r;
        is($ok, $N, "client, session cache: thread $tid: $N handshakes, all worked") or diag($err);
        ok($resumed >= $N - 1, "client, session cache: thread $tid: resumed ($resumed of $N)");
    }
}
$sock_for_reuse->close;
{
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
        SSL_ca_file => cert('test-ca.pem'), SSL_verifycn_name => 'localhost') or die $SSL_ERROR;
    print $c "stop\n";
    $c->close;
}
my ($sst, $sr) = wait_child($spid, 120);
is($sr->{served}, 1 + 1 + 3 * $THREADS * $N + 1 + 1 + $THREADS * $N,
    'client: the server served every connection');

# ---- server side ----
# 4 plain listeners and 4 client processes made before any thread; each
# server thread accepts its $N connections and starts TLS on them with the
# shared server context, which asks for client certificates (so its verify
# callback runs) and issues tickets with a Perl key callback.
@SEEN = ();
my $key = 'k' x 32;
my $server_ctx = IO::Socket::SSL::SSL_Context->new(
    SSL_server => 1,
    SSL_cert_file => cert('server-chain.pem'), SSL_key_file => cert('server-key.pem'),
    SSL_ca_file => cert('test-ca.pem'),
    SSL_verify_mode => SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
    SSL_verify_callback => $verify,
    SSL_ticket_keycb => sub { push @TICKET, threads->tid; return ($key, 'n' x 16) },
) or die "server context: $SSL_ERROR";
my (@listeners, @clients);
for (1 .. $THREADS) {
    my $l = tcp_listener(Listen => 128);
    my $p = listener_port($l);
    push @listeners, $l;
    push @clients, fork_child(sub {
        my $ok = 0;
        my $err;
        for my $i (1 .. $N) {
            my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $p,
                SSL_ca_file => cert('test-ca.pem'), SSL_hostname => 'localhost',
                SSL_cert_file => cert('client-cert.pem'), SSL_key_file => cert('client-key.pem'));
            if (!$c) { $err //= $SSL_ERROR; next }
            print $c "c$i\n";
            my $l = <$c>;
            $ok++ if defined $l && $l eq "echo c$i\n";
            $c->close;
        }
        report(ok => $ok, err => $err);
    }, timeout => 600);
}
my @res;
{
    my @thr = map {
        my $l = $listeners[$_];
        threads->create({ context => 'list' }, sub {
            my ($ok, $err) = (0);
            for my $i (1 .. $N) {
                my $s = $l->accept or do { $err //= "accept: $!"; next };
                my $c = IO::Socket::SSL->start_SSL($s, SSL_server => 1,
                    SSL_reuse_ctx => $server_ctx);
                if (!$c) { $err //= "handshake $i: $SSL_ERROR"; next }
                my $line = <$c>;
                print $c "echo $line" if defined $line;
                $ok++;
                $c->close;
            }
            my %t = map { $_ => 1 } @SEEN, @TICKET;
            return ($ok, join(',', sort keys %t), scalar(@SEEN), scalar(@TICKET), $err // '');
        });
    } 0 .. $THREADS - 1;
    push @res, [$_->tid, $_->join] for @thr;
}
for my $r (@res) {
    my ($tid, $ok, $tids, $vcalls, $tcalls, $err) = @$r;
    is($ok, $N, "server: thread $tid: $N handshakes, all worked") or diag($err);
    is($tids, $tid, "server: thread $tid: verify and ticket callbacks ran in this thread only");
    ok($vcalls >= $N && $tcalls >= $N,
        "server: thread $tid: ... for every handshake ($vcalls verify, $tcalls ticket calls)");
}
for my $pid (@clients) {
    my ($st, $r) = wait_child($pid, 300);
    is($r->{ok}, $N, "server: a client process saw $N echoes") or diag($r->{err} // '');
}
is(scalar(@SEEN) + scalar(@TICKET), 0, 'server: no callback of a thread ran in the main interpreter');

done_testing;
