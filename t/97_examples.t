#!perl
# Every script in examples/ runs, on loopback, with this build: the main
# job (tls_roundtrip.pl, which makes its own PKI with the openssl command)
# and the echo server with the client talking to it, with their defaults
# (the test PKI in t/certs). A script added to examples/ without a case here
# fails this test.
use strict;
use warnings;
use lib 't/lib';
use TestLib;
use Test::More;

watchdog(90);

my @perl = ($^X, perl_inc_args());
my %done;

sub run_fg {
    my (@cmd) = @_;
    my $h = run_bg(\@cmd);
    return wait_bg($h, 60);
}

# ---- examples/tls_roundtrip.pl ----
SKIP: {
    skip 'the openssl command is needed (.ci/run installs openssl)', 3
        if !openssl_bin() && !($ENV{CI} && $ENV{CI} ne 'false');
    my ($rc, $out) = run_fg(@perl, 'examples/tls_roundtrip.pl');
    is($rc, 0, 'examples/tls_roundtrip.pl exits 0') or diag($out);
    like($out, qr/^protocol: TLSv1_3$/m, 'it negotiated TLS 1.3');
    like($out, qr/verified TLS round trip: OK/, 'verified TLS round trip');
}
$done{'tls_roundtrip.pl'} = 1;

# ---- examples/ssl_server.pl with examples/ssl_client.pl ----
{
    my $port = free_port();
    my $srv = run_bg([@perl, 'examples/ssl_server.pl', $port]);
    ok(wait_bg_output($srv, qr/listening on 127\.0\.0\.1:$port/, 30), 'ssl_server.pl listening')
        or diag(bg_output($srv));
    for my $i (1 .. 2) {
        my ($rc, $out) = run_fg(@perl, 'examples/ssl_client.pl', "localhost:$port",
            't/certs/test-ca.pem');
        is($rc, 0, "ssl_client.pl run $i exits 0") or diag($out);
        like($out, qr/^connected with TLSv1_3 /m, "run $i: connected with TLS 1.3");
        like($out, qr/^server said: hello$/m, "run $i: the server echoed the line");
        like($out, qr/localhost/, "run $i: dumped the peer certificate");
    }
    # a client that does not trust the server's CA is refused, the server lives on
    my ($rc, $out) = run_fg(@perl, 'examples/ssl_client.pl', "localhost:$port",
        't/certs/other-ca.pem');
    isnt($rc, 0, 'ssl_client.pl with another CA fails');
    like($out, qr/certificate verify failed/, 'with the verification error');
    ($rc, $out) = run_fg(@perl, 'examples/ssl_client.pl', "localhost:$port", 't/certs/test-ca.pem');
    is($rc, 0, 'the server still serves after a refused client') or diag($out);
    my $log = stop_bg($srv);
    like($log, qr/handshake failed/, 'the server reported the refused handshake');
}
$done{$_} = 1 for 'ssl_server.pl', 'ssl_client.pl';

# ---- nothing left out ----
opendir(my $dh, 'examples') or die "examples: $!";
for my $f (sort grep { !/^\./ && -f "examples/$_" } readdir $dh) {
    ok($done{$f}, "examples/$f is run by this test");
}

done_testing;
