#!/usr/bin/perl
# $sock->ocsp_resolver against real responders (openssl ocsp on loopback):
# good, revoked, unknown, no OCSP URL, the full chain over two responders,
# a responder that is down or answers with an HTTP error, bad answers given
# to add_response, a responder that answers only part of a request, the
# cache, and OCSP_Cache itself.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use TestLib;
use OCSPLib;
use IO::Socket::SSL;
use IO::Socket::SSL::Utils;

watchdog(240);

# ---- OCSP_Cache on its own ----
{
    my $c = IO::Socket::SSL::OCSP_Cache->new(2);
    $c->put(a => { nextUpdate => time() + 100, statusType => 0 });
    ok($c->get('a'), 'cache: a fresh entry is found (2.099 dropped it)');
    $c->put(b => { nextUpdate => time() - 1 });
    ok(!$c->get('b'), 'cache: an entry past nextUpdate is gone');
    ok(!exists $c->{b}, '... and removed');
    $c->put(c => { expire => time() - 1, soft_error => 'x' });
    ok(!$c->get('c'), 'cache: an entry past its expire time is gone');
    $c->put(d => { expire => time() + 100 });
    $c->put(e => { expire => time() + 100 });
    $c->get('d');
    $c->put(f => { expire => time() + 100 });
    ok(!$c->get('e') && $c->get('d') && $c->get('f'), 'cache: size bound, least recently used goes');
    ok(!defined $c->get(''), "cache: '' is not an entry");
}

my $pki = ocsp_pki(responders => 1) or plan skip_all => 'no openssl command line tool';
my $d = $pki->{dir};

# A server for $cert (file base names) accepting until killed; no staple.
sub server {
    my ($cert, $key) = @_;
    my $l = ssl_listener(SSL_cert_file => "$d/$cert.pem", SSL_key_file => "$d/" . ($key || $cert) . ".key");
    return fork_server($l, sub {
        my $l = shift;
        for (1 .. 80) { my $c = $l->accept or next; close $c }
    }, timeout => 200);
}

sub client {
    my ($c, $err) = ocsp_client($pki, @_);
    return $c || die "connect: $err";
}

my $uri1 = "http://127.0.0.1:$pki->{port1}/";
my $uri2 = "http://127.0.0.1:$pki->{port2}/";

for my $case (['good', ''], ['revoked', qr/certificate status is revoked \(reason: keyCompromise\); subject: .*CN=localhost/],
              ['unknown', qr/certificate status is unknown/]) {
    my ($cert, $want) = @$case;
    my ($pid, $port) = server($cert);
    my $c = client($port);
    my $r = $c->ocsp_resolver;
    isa_ok($r, 'IO::Socket::SSL::OCSP_Resolver', "$cert: resolver");
    my %req = $r->requests;
    is_deeply([keys %req], [$uri1], "$cert: one request, to the certificate's responder");
    ok(!defined $r->hard_error, '... no result yet');
    my $res = $r->resolve_blocking;
    if (ref $want) {
        like($res, $want, "$cert: hard error");
        like($r->hard_error, $want, '... also from hard_error');
    } else {
        is($res, '', "$cert: resolved, no error");
        is($r->soft_error, undef, '... and no soft error');
    }
    is_deeply({ $r->requests }, {}, '... nothing left to ask');
    kill_child($pid);
}

# no OCSP URL: a soft error, nothing to ask
{
    my ($pid, $port) = server('noaia');
    my $r = client($port, SSL_ocsp_mode => SSL_OCSP_TRY_STAPLE | SSL_OCSP_FAIL_HARD)->ocsp_resolver;
    is_deeply({ $r->requests }, {}, 'no OCSP URL: no request');
    is($r->hard_error, '', '... resolved');
    like($r->soft_error, qr/no ocsp_uri for .*CN=localhost/, '... with a soft error');
    kill_child($pid);
}

# the whole chain over two responders: one request each
{
    my ($pid, $port) = server('leaf2-chain', 'leaf2');
    my $c = client($port, SSL_ocsp_mode => SSL_OCSP_FULL_CHAIN);
    my $r = $c->ocsp_resolver;
    my %req = $r->requests;
    is_deeply([sort keys %req], [sort $uri1, $uri2], 'FULL_CHAIN: a request to each responder');
    my $leaf = client($port)->ocsp_resolver;
    is_deeply([keys %{{ $leaf->requests }}], [$uri2], 'without FULL_CHAIN: only the leaf');
    close $c;    # the resolver does not need the connection any more
    is($r->resolve_blocking, '', 'FULL_CHAIN: both answered good');
    kill_child($pid);
}

# a responder that is down, then one that answers HTTP 500
{
    my ($pid, $port) = server('badresp');
    my $r = client($port)->ocsp_resolver;
    is($r->resolve_blocking, '', 'responder down: no hard error');
    like($r->soft_error, qr/http request for OCSP failed/, '... a soft error');
    $r = client($port, SSL_ocsp_mode => SSL_OCSP_TRY_STAPLE | SSL_OCSP_FAIL_HARD)->ocsp_resolver;
    like($r->resolve_blocking, qr/http request for OCSP failed/, 'responder down, FAIL_HARD: hard error');
    my $hpid = http_error_server($pki->{port3});
    SKIP: {
        skip 'port for the HTTP error server was taken', 2 if !$hpid;
        $r = client($port)->ocsp_resolver;
        is($r->resolve_blocking, '', 'HTTP 500: no hard error');
        like($r->soft_error, qr/http request for OCSP failed/, '... a soft error');
        kill_child($hpid);
    }
    kill_child($pid);
}

# answers that cannot be used, through add_response
{
    my ($pid, $port) = server('good');
    my $good = slurp("$d/resp-good.der");
    my %bad = (
        'garbage bytes'            => ["\x00\x01garbage" x 10, qr/invalid response/],
        'a truncated response'     => [substr($good, 0, length($good) - 7), qr/invalid response/],
        'trailing bytes'           => [$good . "\x00", qr/invalid response/],
        'an oversized response'    => ["\x30\x84\x00\x20\x00\x00" . ("\x00" x (2 * 1024 * 1024)), qr/invalid response/],
        'an empty response'        => ['', qr/http request for OCSP failed/],
        'tryLater'                 => [slurp("$d/resp-tryLater.der"), qr/OCSP response failed: trylater/i],
        'the wrong key'            => [slurp("$d/resp-good-wrongkey.der"), qr/failed to verify OCSP response/],
        "another certificate's"    => [slurp("$d/resp-revoked.der"), qr/cannot find entry for certificate/],
        (-e "$d/resp-good-expired.der"
            ? ('an expired response' => [slurp("$d/resp-good-expired.der"), qr/response not yet valid or expired/])
            : ()),
    );
    for my $name (sort keys %bad) {
        my ($body, $want) = @{ $bad{$name} };
        my $r = client($port)->ocsp_resolver;
        my $res = $r->add_response($uri1, $body);
        is($res, '', "$name: finished without a hard error");
        like($r->soft_error, $want, '... soft error says why');
        $r = client($port, SSL_ocsp_mode => SSL_OCSP_TRY_STAPLE | SSL_OCSP_FAIL_HARD)->ocsp_resolver;
        like($r->add_response($uri1, $body), $want, "$name, FAIL_HARD: hard error");
    }
    my $r = client($port)->ocsp_resolver;
    is($r->add_response($uri1, slurp("$d/resp-good-delegated.der")), '',
        'a response from the delegated responder is accepted');
    is($r->soft_error, undef, '... without complaint');
    is($r->add_response('http://elsewhere/', 'x'), '', 'a response for a URI never asked: ignored');

    # the cache: a second connection sharing it has nothing to ask
    my $cache = IO::Socket::SSL::OCSP_Cache->new;
    $r = client($port, SSL_ocsp_cache => $cache)->ocsp_resolver;
    is($r->resolve_blocking, '', 'resolved into a shared cache');
    $r = client($port, SSL_ocsp_cache => $cache)->ocsp_resolver;
    is_deeply({ $r->requests }, {}, 'next connection: answered from the cache');
    is($r->hard_error, '', '... resolved');
    kill_child($pid);
}

# a responder that answers only part of the request is asked again
{
    my ($pid, $port) = server('good');
    my $c = client($port);
    my @certs = map { PEM_file2cert("$d/$_.pem") } qw(good muststaple);
    my $r = $c->ocsp_resolver(@certs);
    my %req = $r->requests;
    is_deeply([keys %req], [$uri1], 'two certificates, one responder: one request');
    is($r->add_response($uri1, slurp("$d/resp-good.der")), undef,
        'an answer for one of the two: not finished');
    %req = $r->requests;
    ok($req{$uri1}, '... the rest is asked again');
    is($r->resolve_blocking, '', '... and resolved by the responder');
    CERT_free(@certs);
    kill_child($pid);
}

# a certificate whose issuer is neither in the chain nor in the store
{
    my ($pid, $port) = server('good');
    my $c = client($port);
    my $x = PEM_file2cert("$d/leaf2.pem");
    my $r = $c->ocsp_resolver($x);
    is_deeply({ $r->requests }, {}, 'unknown issuer: no request');
    is($r->hard_error, '', '... resolved');
    like($r->soft_error, qr/no certid for .*CN=localhost: cannot find issuer certificate/, '... with a soft error');
    CERT_free($x);
    kill_child($pid);
}

# DEBUG output as 2.099 prints it
{
    my ($pid, $port) = server('good');
    my $r = client($port)->ocsp_resolver;
    my $err = '';
    {
        local $IO::Socket::SSL::DEBUG = 3;
        local *STDERR;
        open(STDERR, '>', \$err) or die;
        $r->resolve_blocking;
    }
    like($err, qr/sending OCSP request to \Q$uri1\E/, 'DEBUG: the request');
    like($err, qr/got  OCSP response from \Q$uri1\E code=200/, 'DEBUG: the response');
    kill_child($pid);
}

done_testing;
