#!/usr/bin/perl
# The client's check of a stapled OCSP response, in every SSL_ocsp_mode,
# against our own server stapling each kind of response (good, revoked,
# unknown, delegated, wrong key, expired, for another certificate, broken),
# must-staple certificates, SSL_ocsp_staple_callback and the cache.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use TestLib;
use OCSPLib;
use IO::Socket::SSL;

watchdog(240);
my $pki = ocsp_pki() or plan skip_all => 'no openssl command line tool';
my $d = $pki->{dir};
my %der = map { $_ => slurp("$d/resp-$_.der") }
    qw(good revoked unknown muststaple good-delegated good-wrongkey tryLater);
$der{expired} = slurp("$d/resp-good-expired.der") if -e "$d/resp-good-expired.der";
# a successful response whose basic response is garbage: parses as an
# OCSPResponse, fails when its content is read
{
    my $junk = "\x30\x05garbage-bytes";
    my $oid = "\x06\x09\x2b\x06\x01\x05\x05\x07\x30\x01\x01";    # id-pkix-ocsp-basic
    my $octets = "\x04" . chr(length $junk) . $junk;
    my $rb = "\x30" . chr(length($oid . $octets)) . $oid . $octets;
    my $ctx0 = "\xa0" . chr(length $rb) . $rb;
    my $body = "\x0a\x01\x00" . $ctx0;
    $der{garbage} = "\x30" . chr(length $body) . $body;
}

# A server for $cert that staples $staple (DER, code or undef) and accepts
# until it is killed.
sub server {
    my ($cert, $staple, %args) = @_;
    my $l = ssl_listener(SSL_cert_file => "$d/$cert.pem", SSL_key_file => "$d/$cert.key",
        (defined $staple ? (SSL_ocsp_staple => $staple) : ()), %args);
    return fork_server($l, sub {
        my $l = shift;
        for (1 .. 50) { my $c = $l->accept or next; print $c "hi\n"; close $c }
    }, timeout => 200);
}

my $MUST = qr/did not receive the required stapled OCSP response/;
for my $ver (qw(TLSv1_3 TLSv1_2)) {
    my @v = (SSL_version => $ver);
    my @case = (
        # cert, staple, [TRY ok?, error], [MUST ok?, error]
        ['good', 'good', [1], [1]],
        ['good', undef, [1], [0, $MUST]],
        ['revoked', 'revoked', [0, qr/certificate status is revoked \(reason: keyCompromise\)/],
            [0, qr/revoked/]],
        ['unknown', 'unknown', [0, qr/certificate status is unknown/], [0, qr/unknown/]],
        ['good', 'good-delegated', [1], [1]],
        ['good', 'good-wrongkey', [1], [0, $MUST]],
        ['good', 'revoked', [1], [0, $MUST]],     # the answer is for another certificate
        ['good', 'garbage', [1], [0, $MUST]],
        ['good', 'tryLater', [1], [0, $MUST]],
        ($der{expired} ? ['good', 'expired', [1], [0, $MUST]] : ()),
    );
    for my $case (@case) {
        my ($cert, $staple, @want) = @$case;
        my ($pid, $port) = server($cert, defined $staple ? $der{$staple} : undef, @v);
        my $name = "$ver: $cert certificate, staple " . ($staple // 'none');
        for my $m ([TRY => SSL_OCSP_TRY_STAPLE], [MUST => SSL_OCSP_MUST_STAPLE],
                   ['default' => undef], [FAIL_HARD => SSL_OCSP_TRY_STAPLE | SSL_OCSP_FAIL_HARD]) {
            my $w = $m->[0] eq 'MUST' ? $want[1] : $want[0];
            my ($c, $err) = ocsp_client($pki, $port, @v,
                defined $m->[1] ? (SSL_ocsp_mode => $m->[1]) : ());
            if ($w->[0]) {
                ok($c, "$name, $m->[0]: connects") or diag($err);
                is($c && scalar <$c>, "hi\n", '... and talks') if $m->[0] eq 'TRY';
            } else {
                ok(!$c, "$name, $m->[0]: fails");
                like($err, $w->[1], '... saying why') if $w->[1];
            }
        }
        # NO_STAPLE does not ask, so nothing is checked (and nothing sent)
        my ($c, $err) = ocsp_client($pki, $port, @v, SSL_ocsp_mode => SSL_OCSP_NO_STAPLE);
        ok($c, "$name, NO_STAPLE: connects") or diag($err);
        kill_child($pid);
    }
}

# must-staple (RFC 7633): required whatever the mode says, when verifying
{
    my ($pid, $port) = server('muststaple', undef);
    for my $mode (SSL_OCSP_TRY_STAPLE, SSL_OCSP_NO_STAPLE) {
        my ($c, $err) = ocsp_client($pki, $port, SSL_ocsp_mode => $mode);
        ok(!$c, "must-staple certificate without a staple, mode $mode: fails");
        like($err, qr/$MUST.*status_request/, '... saying the certificate demands it');
    }
    my ($c, $err) = ocsp_client($pki, $port, SSL_verify_mode => SSL_VERIFY_NONE);
    ok($c, 'must-staple without a staple: a client that does not verify connects') or diag($err);
    kill_child($pid);
    ($pid, $port) = server('muststaple', $der{'good'});
    ($c, $err) = ocsp_client($pki, $port);
    ok(!$c, "must-staple with another certificate's response: fails");
    kill_child($pid);
    ($pid, $port) = server('muststaple', $der{muststaple});
    ($c, $err) = ocsp_client($pki, $port);
    ok($c, 'must-staple with its good response: connects') or diag($err);
    kill_child($pid);
}

# SSL_ocsp_staple_callback: the socket and the OCSP_RESPONSE*, or undef
{
    my ($pid, $port) = server('good', $der{good});
    my @got;
    my ($c, $err) = ocsp_client($pki, $port, SSL_ocsp_staple_callback => sub { @got = @_ });
    ok($c, 'with SSL_ocsp_staple_callback: connects') or diag($err);
    isa_ok($got[0], 'IO::Socket::SSL', 'callback gets the socket');
    like($got[1], qr/^[1-9]\d*$/, '... and the response as a handle');
    # the handle works with Net::SSLeay (the real one, or our stand-in)
    my ($der, $status);
    ($c, $err) = ocsp_client($pki, $port, SSL_ocsp_staple_callback => sub {
        require Net::SSLeay;
        $status = Net::SSLeay::OCSP_response_status($_[1]);
        $der = Net::SSLeay::i2d_OCSP_RESPONSE($_[1]);
    });
    ok($c, 'callback using Net::SSLeay: connects') or diag($err);
    is($status, 0, '... OCSP_response_status: successful');
    is($der, $der{good}, '... i2d_OCSP_RESPONSE gives the stapled bytes');
    ($c, $err) = ocsp_client($pki, $port,
        SSL_ocsp_staple_callback => sub { die "my callback says no\n" });
    ok(!$c, 'a dying SSL_ocsp_staple_callback fails the handshake');
    like($err, qr/my callback says no/, '... with its message');
    kill_child($pid);
    ($pid, $port) = server('good', undef);
    @got = ('x', 'x');
    ($c, $err) = ocsp_client($pki, $port, SSL_ocsp_staple_callback => sub { @got = @_ });
    ok($c, 'no staple, with callback: connects') or diag($err);
    ok(!defined $got[1] && ref($got[0]), '... and the callback got undef as response');
    kill_child($pid);
}

# the cache: stapled results are kept by certificate id for the resolver
{
    my ($pid, $port) = server('good', $der{good});
    my $cache = IO::Socket::SSL::OCSP_Cache->new;
    my ($c, $err) = ocsp_client($pki, $port, SSL_ocsp_cache => $cache);
    ok($c, 'connects with a cache') or diag($err);
    my @ids = grep { $_ ne '' } keys %$cache;
    is(scalar @ids, 1, 'the stapled result is in the cache');
    is($cache->{$ids[0]}{statusType}, 0, '... as good');
    ok($cache->{$ids[0]}{nextUpdate} > time(), '... with its nextUpdate');
    kill_child($pid);
    # a new connection without a staple: the resolver has nothing to ask
    ($pid, $port) = server('good', undef);
    ($c, $err) = ocsp_client($pki, $port, SSL_ocsp_cache => $cache);
    my $r = $c && $c->ocsp_resolver;
    ok($r, 'resolver') or diag($err);
    is_deeply({ $r->requests }, {}, 'the cached answer is reused: no request');
    is($r->hard_error, '', '... and no error');
    kill_child($pid);
}

# resumed sessions: the handshake that made the session checked the staple
for my $ver (qw(TLSv1_3 TLSv1_2)) {
    my ($pid, $port) = server('good', $der{good}, SSL_version => $ver);
    my $cache = IO::Socket::SSL::Session_Cache->new(10);
    for my $n (1, 2) {
        my ($c, $err) = ocsp_client($pki, $port, SSL_version => $ver,
            SSL_ocsp_mode => SSL_OCSP_MUST_STAPLE,
            SSL_session_cache => $cache, SSL_session_key => 'k');
        ok($c, "$ver MUST_STAPLE, connection $n: connects") or diag($err);
        $c or next;
        is(scalar <$c>, "hi\n", '... talks');    # TLS 1.3: takes the ticket too
        is($c->get_session_reused ? 1 : 0, $n - 1, "... resumed: " . ($n - 1));
        $c->close;
    }
    kill_child($pid);
}

# DEBUG output as 2.099 prints it
{
    my ($pid, $port) = server('good', $der{good});
    my $err = '';
    {
        local $IO::Socket::SSL::DEBUG = 3;
        local *STDERR;
        open(STDERR, '>', \$err) or die;
        ocsp_client($pki, $port);
    }
    like($err, qr/request OCSP stapling/, 'DEBUG: asking for a staple');
    like($err, qr/got OCSP success with stapling/, 'DEBUG: the staple was good');
    kill_child($pid);
}

done_testing;
