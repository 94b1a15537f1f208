#!/usr/bin/perl
# Our client against openssl s_server stapling: from a file (-status_file)
# and fetched from the responder (-status_url), TLS 1.3 and 1.2.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use TestLib;
use OCSPLib;
use IO::Socket::SSL;

watchdog(240);
my $pki = ocsp_pki(responders => 1) or plan skip_all => 'no openssl command line tool';
my $d = $pki->{dir};
my $openssl = openssl_bin();

# s_server for $cert with @opt on a port the kernel picks (it prints it).
sub s_server {
    my ($cert, @opt) = @_;
    my $h = run_bg([$openssl, 's_server', '-accept', '127.0.0.1:0', '-cert', "$d/$cert.pem",
        '-key', "$d/$cert.key", '-CAfile', "$d/ca.pem", '-naccept', 20, @opt], stdin_hold => 1);
    wait_bg_output($h, qr/^ACCEPT \S+:(\d+)/m, 20) or die "s_server did not start: " . bg_output($h);
    my ($port) = bg_output($h) =~ /^ACCEPT \S+:(\d+)/m;
    return ($h, $port);
}

my $MUST = qr/did not receive the required stapled OCSP response/;
my $url = "http://127.0.0.1:$pki->{port1}/";
my @case = (
    # name, cert, s_server options, [TRY ok, error], [MUST ok, error]
    ['-status_file good', 'good', ['-status_file', "$d/resp-good.der"], [1], [1]],
    ['-status_file delegated', 'good', ['-status_file', "$d/resp-good-delegated.der"], [1], [1]],
    ['-status_file revoked', 'revoked', ['-status_file', "$d/resp-revoked.der"],
        [0, qr/certificate status is revoked \(reason: keyCompromise\)/], [0, qr/revoked/]],
    ['-status_file wrong key', 'good', ['-status_file', "$d/resp-good-wrongkey.der"], [1], [0, $MUST]],
    ['no -status', 'good', [], [1], [0, $MUST]],
    ['-status_url good', 'good', ['-status_url', $url], [1], [1]],
    ['-status_url revoked', 'revoked', ['-status_url', $url], [0, qr/revoked/], [0, qr/revoked/]],
    ['-status_url unknown', 'unknown', ['-status_url', $url], [0, qr/unknown/], [0, qr/unknown/]],
    ['must-staple, no -status', 'muststaple', [], [0, qr/$MUST.*status_request/], [0, $MUST]],
    ['must-staple, -status_url', 'muststaple', ['-status_url', $url], [1], [1]],
);
for my $case (@case) {
    my ($name, $cert, $opt, @want) = @$case;
    my ($h, $port) = s_server($cert, @$opt);
    for my $ver (qw(TLSv1_3 TLSv1_2)) {
        for my $m ([TRY => SSL_OCSP_TRY_STAPLE], [MUST => SSL_OCSP_MUST_STAPLE]) {
            my $w = $m->[0] eq 'MUST' ? $want[1] : $want[0];
            my ($c, $err) = ocsp_client($pki, $port, SSL_version => $ver, SSL_ocsp_mode => $m->[1]);
            if ($w->[0]) {
                ok($c, "s_server $name, $ver, $m->[0]: connects") or diag($err);
            } else {
                ok(!$c, "s_server $name, $ver, $m->[0]: fails");
                like($err, $w->[1], '... saying why');
            }
        }
    }
    stop_bg($h);
}

done_testing;
