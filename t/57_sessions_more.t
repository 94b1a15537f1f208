#!/usr/bin/perl
# More client session caching: TLS 1.2 resumption by session ID (tickets
# disabled on the server), TLS 1.3 tickets arriving after the handshake,
# several single-use tickets per key, LRU eviction, the default cache,
# explicit session keys, the Session_Cache methods used directly, and a
# server that requires client certificates.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use TestLib;
use IO::Socket::SSL;

watchdog(90);
my $ca = cert('test-ca.pem');
my $openssl = openssl_bin();

# A server that accepts $n connections and reports what it saw.
sub server {
    my ($n, %args) = @_;
    return greeting_server($n, sub { (reused => $_[0]->get_session_reused ? 1 : 0,
        peer => scalar $_[0]->peer_certificate('cn')) }, %args);
}

# Connect; with read => 1 (default) read the greeting first, which lets
# TLS 1.3 tickets arrive. Returns 1/0 (resumed or not) or "failed: ...".
# The closed sockets are kept: the reference empties a shared cache when a
# client's context is freed (OpenSSL's remove callback on SSL_CTX_free);
# t/55_sessions.t covers caches outliving their clients' contexts.
our @KEEP;
sub talk {
    my ($port, %args) = @_;
    my $read = exists $args{read} ? delete $args{read} : 1;
    my $after = delete $args{after_handshake};
    my $c = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port,
        SSL_ca_file => $ca, %args) or return "failed: $SSL_ERROR";
    $after->($c) if $after;
    my $reused = $c->get_session_reused ? 1 : 0;
    if ($read) {
        my $line = <$c>;
        return "failed: no greeting" if !defined $line || $line ne "hi\n";
    }
    print $c "bye\n";
    $c->close;
    push @KEEP, $c;
    return $reused;
}

my $no_ticket = sub {
    require Net::SSLeay;
    Net::SSLeay::CTX_set_options($_[0], Net::SSLeay::OP_NO_TICKET());
};

# ---- TLS 1.2 resumption by session ID: the server sends no tickets ----
{
    my ($pid, $port) = server(2, SSL_version => 'TLSv1_2', SSL_create_ctx_callback => $no_ticket);
    my $cache = IO::Socket::SSL::Session_Cache->new(10);
    is(talk($port, SSL_session_cache => $cache), 0, 'TLS 1.2 without tickets: first connection is new');
    is(talk($port, SSL_session_cache => $cache), 1, 'TLS 1.2 without tickets: resumed by session ID');
    my ($st, $r) = wait_child($pid);
    is($r->{reused2}, 1, '... server agrees');
}

SKIP: {
    skip 'no openssl command', 4 if !$openssl;
    # openssl s_client -reconnect: 1 + 5 connections with the same session;
    # the session printout shows a ticket only if the server sent one
    for my $case ([1, 'without tickets'], [0, 'with tickets']) {
        my ($off, $name) = @$case;
        my $l = ssl_listener(SSL_version => 'TLSv1_2',
            $off ? (SSL_create_ctx_callback => $no_ticket) : ());
        my ($pid, $port) = fork_server($l, sub {
            my $l = shift;
            for my $i (1 .. 6) {
                my $c = $l->accept or next;
                report(reused => $c->get_session_reused ? 1 : 0);
                $c->close;
            }
        });
        my $h = run_bg([$openssl, 's_client', '-connect', "127.0.0.1:$port", '-tls1_2',
            '-reconnect', '-CAfile', $ca], stdin => '');
        my ($rc, $out) = wait_bg($h, 15);
        like($out, qr/^Reused, TLSv1\.2/m, "s_client -reconnect resumes ($name)");
        if ($off) {
            unlike($out, qr/TLS session ticket/, '... and never got a ticket');
        } else {
            like($out, qr/TLS session ticket/, '... and got a ticket');
        }
        wait_child($pid);
    }
}

# ---- TLS 1.3: tickets arrive after the handshake ----
{
    my ($pid, $port) = server(2, SSL_version => 'TLSv1_3');
    my $cache = IO::Socket::SSL::Session_Cache->new(10);
    my ($before, $after);
    is(talk($port, SSL_session_cache => $cache, SSL_session_key => 't13',
        after_handshake => sub {
            my $c = shift;
            $before = $cache->get_session('t13') ? 1 : 0;
            my $line = <$c>;
            $after = $cache->get_session('t13') ? 1 : 0;
        }, read => 0), 0, 'TLS 1.3: first connection is new');
    is($before, 0, 'TLS 1.3: no session in the cache right after the handshake');
    is($after, 1, 'TLS 1.3: a ticket is in the cache after reading data');
    is(talk($port, SSL_session_cache => $cache, SSL_session_key => 't13'), 1,
        'TLS 1.3: second connection resumed with that ticket');
    my ($st, $r) = wait_child($pid);
    is($r->{reused2}, 1, '... server agrees');
}

# ---- several sessions per key: TLS 1.3 tickets are single-use ----
{
    my ($pid, $port) = server(4, SSL_version => 'TLSv1_3');
    my $cache = IO::Socket::SSL::Session_Cache->new(10);
    # the full handshake brings two tickets (OpenSSL's default)
    is(talk($port, SSL_session_cache => $cache), 0, 'single-use tickets: full handshake');
    # these two don't read, so they get no new tickets: each uses one of the two
    is(talk($port, SSL_session_cache => $cache, read => 0), 1, 'first ticket: resumed');
    is(talk($port, SSL_session_cache => $cache, read => 0), 1, 'second ticket: resumed');
    ok(!$cache->get_session("localhost:$port"), 'both used tickets are gone from the cache');
    is(talk($port, SSL_session_cache => $cache, read => 0), 0, 'no ticket left: full handshake');
    my ($st, $r) = wait_child($pid);
    is(join(',', map { $r->{"reused$_"} // 'x' } 1 .. 4), '0,1,1,0', 'server agrees');
}

# ---- LRU with room for one session, two keys ----
{
    my ($pid, $port) = server(3, SSL_version => 'TLSv1_2');
    my $cache = IO::Socket::SSL::Session_Cache->new(1);
    is(talk($port, SSL_session_cache => $cache, SSL_session_key => 'A'), 0, 'LRU: key A new');
    ok($cache->get_session('A'), 'LRU: session of A cached');
    is(talk($port, SSL_session_cache => $cache, SSL_session_key => 'B'), 0, 'LRU: key B new');
    ok(!$cache->get_session('A'), 'LRU: A evicted by B');
    ok($cache->get_session('B'), 'LRU: B cached');
    is(talk($port, SSL_session_cache => $cache, SSL_session_key => 'A'), 0,
        'LRU: A again is a full handshake');
    ok(!$cache->get_session('B'), 'LRU: B evicted by A');
    wait_child($pid);
}

# ---- set_default_session_cache ----
{
    my ($pid, $port) = server(3, SSL_version => 'TLSv1_3');
    my $cache = IO::Socket::SSL::Session_Cache->new(10);
    IO::Socket::SSL::set_default_session_cache($cache);
    is(talk($port), 0, 'default cache: first connection new');
    ok($cache->get_session("localhost:$port"), 'default cache: holds the session under host:port');
    is(talk($port), 1, 'default cache: second connection resumed');
    my $other = IO::Socket::SSL::Session_Cache->new(10);
    is(talk($port, SSL_session_cache => $other), 0, 'an explicit SSL_session_cache overrides the default');
    IO::Socket::SSL::set_default_session_cache(undef);
    wait_child($pid);
}

# ---- SSL_session_key: one key across different peer names ----
{
    my ($pid, $port) = server(3, SSL_version => 'TLSv1_3');
    my $cache = IO::Socket::SSL::Session_Cache->new(10);
    is(talk($port, SSL_session_cache => $cache, SSL_session_key => 'shared'), 0,
        'explicit key: first connection new');
    ok($cache->get_session('shared'), 'explicit key: session stored under it');
    ok(!$cache->get_session("localhost:$port"), 'explicit key: nothing under host:port');
    is(talk($port, PeerHost => '127.0.0.1', SSL_hostname => 'localhost',
        SSL_session_cache => $cache, SSL_session_key => 'shared'), 1,
        'explicit key: another peer name with the same key resumes');
    is(talk($port, SSL_session_cache => $cache, SSL_session_key => 'other'), 0,
        'explicit key: a different key does not');
    wait_child($pid);
}

# ---- Session_Cache methods used directly ----
{
    package My::Capture;
    # keeps every session handed to it (and owns it), never offers one
    sub new { bless { got => [] }, shift }
    sub add_session { my ($s, $k, $v) = @_; push @{ $s->{got} }, $v; 1 }
    sub get_session { return }
    sub del_session { 0 }
}
{
    my ($pid, $port) = server(3, SSL_version => 'TLSv1_3');
    my $cap = My::Capture->new;
    is(talk($port, SSL_session_cache => $cap, SSL_session_key => 'cap'), 0, 'capture: new connection');
    my @s = @{ $cap->{got} };
    cmp_ok(scalar(@s), '>=', 2, 'capture: got (at least) two TLS 1.3 tickets');
    my ($s1, $s2) = @s[-2, -1];

    my $cache = IO::Socket::SSL::Session_Cache->new(10);
    ok(!$cache->get_session('m'), 'get_session on an empty cache: nothing');
    # the cache takes over the references the capture object held
    $cache->add_session('m', $s1);
    $cache->add_session('m', $s2);
    is($cache->get_session('m'), $s2, 'add_session twice: get_session returns the newest');
    is($cache->del_session('m', $s2), 1, 'del_session(key, session) removes one');
    is($cache->get_session('m'), $s1, '... and the older one is next');
    is(talk($port, SSL_session_cache => $cache, SSL_session_key => 'm', read => 0), 1,
        'a session added by hand resumes');
    ok(!$cache->get_session('m'), 'the used ticket was removed');
    is(talk($port, SSL_session_cache => $cache, SSL_session_key => 'm'), 0,
        'nothing left: full handshake (new tickets stored)');
    ok($cache->get_session('m'), 'new tickets under m');
    cmp_ok($cache->del_session('m'), '>=', 1, 'del_session(key) removes all of the key');
    ok(!$cache->get_session('m'), '... none left');
    my ($st, $r) = wait_child($pid);
    is(join(',', map { $r->{"reused$_"} // 'x' } 1 .. 3), '0,1,0', 'server agrees');
}

# ---- a server that requires client certificates still resumes ----
for my $v (qw(TLSv1_2 TLSv1_3)) {
    my ($pid, $port) = server(2, SSL_version => $v,
        SSL_verify_mode => SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
        SSL_ca_file => $ca);
    my $cache = IO::Socket::SSL::Session_Cache->new(10);
    my %cl = (SSL_session_cache => $cache, SSL_version => $v,
        SSL_cert_file => cert('client-cert.pem'), SSL_key_file => cert('client-key.pem'));
    is(talk($port, %cl), 0, "$v client certs required: first connection new");
    is(talk($port, %cl), 1, "$v client certs required: second connection resumed");
    my ($st, $r) = wait_child($pid);
    is($r->{err2}, undef, "$v: server accepted the resumed connection") or diag($r->{err2});
    is($r->{reused2}, 1, "$v: server agrees it was resumed");
    is($r->{peer2}, 'testclient', "$v: the resumed session still knows the client certificate");
}

done_testing;
