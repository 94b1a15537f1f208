#!/usr/bin/perl
# Our servers staple: SSL_ocsp_staple (DER string or code reference),
# SSL_ocsp_staple_file, per SNI host; checked by real clients (openssl
# s_client -status, curl --cert-status) and by ours. The fetch helper gets
# the response from the responder first.
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

# A server accepting until killed; it answers one HTTP request (for curl)
# and reports how often a staple code reference ran.
sub server {
    my %args = @_;
    my $l = ssl_listener(SSL_cert_file => "$d/good-chain.pem", SSL_key_file => "$d/good.key", %args);
    return fork_server($l, sub {
        my $l = shift;
        for (1 .. 50) {
            my $c = $l->accept or next;
            my $line = <$c>;
            if (defined $line && $line =~ /^GET /) {
                while (defined(my $h = <$c>)) { last if $h =~ /^\r?\n\z/ }
                print $c "HTTP/1.0 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n";
            }
            close $c;
        }
    }, timeout => 200);
}

# openssl s_client -status against $port: its output
sub s_client {
    my ($port, @extra) = @_;
    my $h = run_bg([$openssl, 's_client', '-connect', "127.0.0.1:$port", '-CAfile', "$d/ca.pem",
        '-verify_return_error', @extra], stdin => "Q\n");
    my ($rc, $out) = wait_bg($h, 30);
    return $out;
}

my $good = slurp("$d/resp-good.der");
# servers send the issuer along, as with a real CA's intermediate: curl
# looks for the issuer of the leaf in what the server sent
{
    open(my $fh, '>', "$d/good-chain.pem") or die $!;
    print $fh slurp("$d/good.pem"), slurp("$d/ca.pem");
}

# a DER string
{
    my ($pid, $port) = server(SSL_ocsp_staple => $good);
    my $out = s_client($port, '-status');
    like($out, qr/OCSP Response Status: successful/, 's_client -status: gets our staple');
    like($out, qr/Cert Status: good/, '... saying good');
    like($out, qr/Verify return code: 0/, '... on a verified connection');
    $out = s_client($port);
    unlike($out, qr/OCSP Response Status/, 'without -status nothing is stapled');
    $out = s_client($port, '-status', '-tls1_2');
    like($out, qr/Cert Status: good/, 's_client -status, TLS 1.2: gets our staple');

    # curl checks the staple itself: good here, refused when there is none
    SKIP: {
        my $curl = `curl -V 2>/dev/null`;
        skip 'curl not installed', 3 if !$curl;
        my $url = "https://localhost:$port/";
        my @c = ('curl', '-sS', '--max-time', '20', '--cacert', "$d/ca.pem",
            '--resolve', "localhost:$port:127.0.0.1", '--cert-status', $url);
        my $h = run_bg(\@c);
        my ($rc, $body) = wait_bg($h, 30);
        is($rc, 0, 'curl --cert-status accepts our staple') or diag($body);
        like($body, qr/^ok$/m, '... and gets the page');
        kill_child($pid);
        ($pid, $port) = server();
        $url = "https://localhost:$port/";
        $c[-1] = $url;
        $c[-4] = "localhost:$port:127.0.0.1";
        $h = run_bg(\@c);
        ($rc, $body) = wait_bg($h, 30);
        isnt($rc, 0, 'curl --cert-status refuses a server without a staple');
    }
    kill_child($pid);
}

# a file, and our own client requiring the staple
{
    my ($pid, $port) = server(SSL_ocsp_staple_file => "$d/resp-good.der");
    my $out = s_client($port, '-status');
    like($out, qr/Cert Status: good/, 'SSL_ocsp_staple_file: stapled');
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
        SSL_verifycn_name => 'localhost', SSL_ca_file => "$d/ca.pem",
        SSL_ocsp_mode => SSL_OCSP_MUST_STAPLE);
    ok($c, 'our client with MUST_STAPLE accepts it') or diag($SSL_ERROR);
    kill_child($pid);
}

# bad configuration is refused at once
{
    my $l = eval { IO::Socket::SSL->new(LocalAddr => '127.0.0.1', Listen => 1,
        SSL_cert_file => "$d/good.pem", SSL_key_file => "$d/good.key",
        SSL_ocsp_staple => "not an OCSP response") };
    ok(!$l, 'SSL_ocsp_staple that is no OCSP response: refused');
    like($SSL_ERROR, qr/Invalid SSL_ocsp_staple: not a DER encoded OCSP response/, '... saying so');
    $l = eval { IO::Socket::SSL->new(LocalAddr => '127.0.0.1', Listen => 1,
        SSL_cert_file => "$d/good.pem", SSL_key_file => "$d/good.key",
        SSL_ocsp_staple_file => "$d/no-such-file.der") };
    ok(!$l, 'SSL_ocsp_staple_file that does not exist: refused');
    like($SSL_ERROR, qr/Failed to read SSL_ocsp_staple_file/, '... saying so');
}

# a code reference, asked per handshake (and only when the client asks)
{
    my $l = ssl_listener(SSL_cert_file => "$d/good.pem", SSL_key_file => "$d/good.key",
        SSL_ocsp_staple => sub {
            my $sock = shift;
            report(arg => ref $sock);
            report(call => 1);
            return $good;
        });
    my ($pid, $port) = fork_server($l, sub {
        my $l = shift;
        for (1 .. 3) { my $c = $l->accept or next; report(accepted => 1); close $c }
    });
    like(s_client($port, '-status'), qr/Cert Status: good/, 'code reference: stapled');
    unlike(s_client($port), qr/OCSP Response Status/, 'code reference, client did not ask: nothing');
    like(s_client($port, '-status'), qr/Cert Status: good/, 'code reference: stapled again');
    my ($st, $r) = wait_child($pid, 30);
    is(scalar @{ $r->{'call[]'} || [] }, 2, '... called once per handshake that asked');
    is($r->{arg}, 'IO::Socket::SSL', '... with the socket');
}

# per SNI host, like the certificates
{
    my ($pid, $port) = server(
        SSL_cert_file => { localhost => "$d/good.pem", 'must.test' => "$d/muststaple.pem" },
        SSL_key_file  => { localhost => "$d/good.key", 'must.test' => "$d/muststaple.key" },
        SSL_ocsp_staple => { localhost => $good, 'must.test' => slurp("$d/resp-muststaple.der") },
    );
    my $out = s_client($port, '-status', '-servername', 'localhost');
    like($out, qr/Serial Number: 20\b/, 'SNI localhost: the response for its certificate');
    $out = s_client($port, '-status', '-servername', 'must.test', '-verify_hostname', 'localhost');
    like($out, qr/Serial Number: 23\b/, 'SNI must.test: the response for its certificate');
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
        SSL_hostname => 'must.test', SSL_verifycn_name => 'localhost', SSL_ca_file => "$d/ca.pem");
    ok($c, 'our client accepts the must-staple certificate with its staple') or diag($SSL_ERROR);
    kill_child($pid);
}

# the fetch helper: a fresh response from the responder, to staple
{
    my ($der, $st) = IO::Socket::SSL::OCSP_Resolver->fetch_response(
        cert_file => "$d/good.pem", issuer_file => "$d/ca.pem", http => { timeout => 20 });
    ok($der, 'fetch_response: got a response') or diag($SSL_ERROR);
    is($st && $st->{statusType}, 0, '... good');
    ok($st && $st->{nextUpdate} > time(), '... with a nextUpdate to refresh by');
    my ($pid, $port) = server(SSL_ocsp_staple => sub { $der });
    like(s_client($port, '-status'), qr/Cert Status: good/, '... which s_client accepts stapled');
    kill_child($pid);

    ($der, $st) = IO::Socket::SSL::OCSP_Resolver->fetch_response(cert_file => "$d/leaf2-chain.pem");
    ok($der, 'fetch_response: the issuer from the chain in the file') or diag($SSL_ERROR);
    ($der, $st) = IO::Socket::SSL::OCSP_Resolver->fetch_response(
        cert_file => "$d/revoked.pem", issuer_file => "$d/ca.pem");
    ok($der, 'fetch_response: a revocation is handed out too') or diag($SSL_ERROR);
    is($st && $st->{statusType}, 1, '... as revoked');
    ok(!IO::Socket::SSL::OCSP_Resolver->fetch_response(
        cert_file => "$d/noaia.pem", issuer_file => "$d/ca.pem"), 'fetch_response: no OCSP URL');
    like($SSL_ERROR, qr/no ocsp_uri/, '... says so');
    ok(!IO::Socket::SSL::OCSP_Resolver->fetch_response(
        cert_file => "$d/badresp.pem", issuer_file => "$d/ca.pem", http => { timeout => 20 }),
        'fetch_response: responder down');
    like($SSL_ERROR, qr/http request for OCSP .* failed/, '... says so');
    ok(!IO::Socket::SSL::OCSP_Resolver->fetch_response(cert_file => "$d/good.pem"),
        'fetch_response: no issuer');
}

done_testing;
