#!/usr/bin/perl
# More server name indication and ALPN: certificates (and keys) given as
# X509/EVP_PKEY handles per host, cipher lists and TLS 1.3 cipher suites per
# host, an unknown name without a default, SNI chosen by openssl s_client,
# the RSA/ECDSA certificate choice under client or server cipher order, and
# ALPN with curl and openssl s_client.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use TestLib;
use IO::Socket::SSL;
use IO::Socket::SSL::Utils;

watchdog(90);
my $ca = cert('test-ca.pem');
my $openssl = openssl_bin();

# A server that accepts $n connections and reports what it saw.
sub server {
    my ($n, %args) = @_;
    return greeting_server($n, sub { (sni => $_[0]->get_servername, alpn => $_[0]->alpn_selected,
        cipher => $_[0]->get_cipher) }, %args);
}

# Connect, read the greeting, say bye; returns the socket's facts or undef.
sub talk {
    my ($port, %args) = @_;
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
        SSL_ca_file => $ca, %args) or return;
    my %r = (cn => scalar $c->peer_certificate('cn'),
        org => scalar $c->peer_certificate('subject'),
        cipher => $c->get_cipher, version => $c->get_sslversion);
    my $line = <$c>;
    $r{line} = $line;
    print $c "bye\n";
    $c->close;
    return \%r;
}

# ---- SSL_cert as X509 handles per host (chain as array), keys as files ----
# The reference hands chain certificates to SSL_CTX_add_extra_chain_cert,
# which takes them over; we add copies instead (freeing a handle after use
# can never break a context), so every handle made here is freed at the end.
my @leaves;
sub chain {
    my $leaf = PEM_file2cert(cert(shift));
    my $int = PEM_file2cert(cert('intermediate-ca.pem'));
    push @leaves, $leaf, $int;
    return [$leaf, $int];
}
{
    my ($pid, $port) = server(3,
        SSL_cert => { 'localhost' => chain('server-cert.pem'),
                      'www.example.org' => chain('wronghost-cert.pem'),
                      '' => chain('server-cert.pem') },
        SSL_key_file => { 'localhost' => cert('server-key.pem'),
                          'www.example.org' => cert('wronghost-key.pem'),
                          '' => cert('server-key.pem') },
        SSL_cert_file => undef, SSL_key => undef);
    my $r = talk($port, SSL_hostname => 'www.example.org');
    ok($r, 'X509 handles per host: SNI www.example.org verifies') or diag($SSL_ERROR);
    is($r && $r->{cn}, 'www.example.org', '... and got the www.example.org certificate');
    $r = talk($port, SSL_hostname => 'localhost');
    is($r && $r->{cn}, 'localhost', 'X509 handles per host: SNI localhost');
    $r = talk($port, SSL_verifycn_name => 'localhost');
    is($r && $r->{cn}, 'localhost', 'X509 handles per host: no SNI gets the default');
    my ($st, $res) = wait_child($pid);
    is($res->{sni1}, 'www.example.org', 'server saw SNI www.example.org');
}

# ---- SSL_cert and SSL_key both as handles per host ----
SKIP: {
    skip 'IO::Socket::SSL::Utils has no PEM_file2key: key handles per host not tested', 3
        if !IO::Socket::SSL::Utils->can('PEM_file2key');
    my $lkey = IO::Socket::SSL::Utils::PEM_file2key(cert('server-key.pem'));
    my $wkey = IO::Socket::SSL::Utils::PEM_file2key(cert('wronghost-key.pem'));
    my ($pid, $port) = server(2,
        SSL_cert => { 'localhost' => chain('server-cert.pem'),
                      'www.example.org' => chain('wronghost-cert.pem') },
        SSL_key  => { 'localhost' => $lkey, 'www.example.org' => $wkey },
        SSL_cert_file => undef, SSL_key_file => undef);
    my $r = talk($port, SSL_hostname => 'www.example.org');
    is($r && $r->{cn}, 'www.example.org', 'cert+key handles per host: www.example.org')
        or diag($SSL_ERROR);
    $r = talk($port, SSL_hostname => 'localhost');
    is($r && $r->{cn}, 'localhost', 'cert+key handles per host: localhost') or diag($SSL_ERROR);
    my ($st, $res) = wait_child($pid);
    is($st, 0, 'server with key handles ran cleanly');
    IO::Socket::SSL::Utils::KEY_free($lkey, $wkey) if IO::Socket::SSL::Utils->can('KEY_free');
}
CERT_free(@leaves);

my %two_hosts = (
    SSL_cert_file => { 'localhost' => cert('server-chain.pem'),
                       'www.example.org' => cert('wronghost-cert.pem'),
                       '' => cert('server-chain.pem') },
    SSL_key_file  => { 'localhost' => cert('server-key.pem'),
                       'www.example.org' => cert('wronghost-key.pem'),
                       '' => cert('server-key.pem') },
);

# ---- SSL_cipher_list per host (TLS 1.2) ----
{
    my ($pid, $port) = server(3, %two_hosts, SSL_version => 'TLSv1_2',
        SSL_cipher_list => { 'localhost' => 'ECDHE-RSA-AES128-GCM-SHA256',
                             'www.example.org' => 'ECDHE-RSA-CHACHA20-POLY1305',
                             '' => 'ECDHE-RSA-AES256-GCM-SHA384' });
    my %cl = (SSL_cipher_list => 'ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256');
    my $r = talk($port, SSL_hostname => 'localhost', %cl);
    is($r && $r->{cipher}, 'ECDHE-RSA-AES128-GCM-SHA256', 'TLS 1.2 cipher list of host localhost')
        or diag($SSL_ERROR);
    $r = talk($port, SSL_hostname => 'www.example.org', %cl);
    is($r && $r->{cipher}, 'ECDHE-RSA-CHACHA20-POLY1305', 'TLS 1.2 cipher list of host www.example.org')
        or diag($SSL_ERROR);
    $r = talk($port, SSL_verifycn_name => 'localhost', %cl);
    is($r && $r->{cipher}, 'ECDHE-RSA-AES256-GCM-SHA384', 'TLS 1.2 cipher list of the default')
        or diag($SSL_ERROR);
    my ($st, $res) = wait_child($pid);
    is($res->{cipher2}, 'ECDHE-RSA-CHACHA20-POLY1305', 'server side agrees');
}

# ---- SSL_ciphersuites per host (TLS 1.3) ----
{
    my ($pid, $port) = server(2, %two_hosts, SSL_version => 'TLSv1_3',
        SSL_ciphersuites => { 'localhost' => 'TLS_AES_128_GCM_SHA256',
                              'www.example.org' => 'TLS_CHACHA20_POLY1305_SHA256',
                              '' => 'TLS_AES_256_GCM_SHA384' });
    my %cs = (SSL_ciphersuites => 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256');
    # OpenSSL chooses the TLS 1.3 suite before the server name callback
    # runs; we switch the host's context in a client hello callback, so the
    # host's suites apply (the reference, switching only in the servername
    # callback, keeps the default context's suites here).
    my $r = talk($port, SSL_hostname => 'localhost', %cs);
    is($r && $r->{cipher}, 'TLS_AES_128_GCM_SHA256', 'TLS 1.3 cipher suites of host localhost')
        or diag($SSL_ERROR);
    $r = talk($port, SSL_hostname => 'www.example.org', %cs);
    is($r && $r->{cipher}, 'TLS_CHACHA20_POLY1305_SHA256', 'TLS 1.3 cipher suites of host www.example.org')
        or diag($SSL_ERROR);
    wait_child($pid);
}

# ---- no '' entry: an unknown name (and no name) fails cleanly ----
{
    my %nodefault = (
        SSL_cert_file => { 'localhost' => cert('server-chain.pem'),
                           'www.example.org' => cert('wronghost-cert.pem') },
        SSL_key_file  => { 'localhost' => cert('server-key.pem'),
                           'www.example.org' => cert('wronghost-key.pem') });
    my ($pid, $port) = server(3, %nodefault);
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
        SSL_ca_file => $ca, SSL_hostname => 'unknown.example.com', Timeout => 10);
    ok(!$c, 'unknown SNI name without a default: handshake fails');
    like($SSL_ERROR, qr/SSL connect attempt failed|alert|unrecognized/i,
        '... with an SSL error') or diag($SSL_ERROR);
    $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
        SSL_ca_file => $ca, SSL_verifycn_name => 'localhost', Timeout => 10);
    ok(!$c, 'no SNI at all without a default: handshake fails') or diag($c->peer_certificate('cn'));
    # the server is still fine after both
    my $r = talk($port, SSL_hostname => 'www.example.org');
    is($r && $r->{cn}, 'www.example.org', 'a known name still works afterwards') or diag($SSL_ERROR);
    my ($st, $res) = wait_child($pid);
    ok($res->{err1}, 'server: accept failed for the unknown name');
    ok($res->{err2}, 'server: accept failed without a name');
    is($res->{sni3}, 'www.example.org', 'server: the third connection succeeded');
}

# ---- SSL_create_ctx_callback sees every per-host context ----
{
    my %seen;
    my $l = ssl_listener(%two_hosts, SSL_create_ctx_callback => sub { $seen{$_[0]}++ });
    is(scalar(keys %seen), 3, 'SSL_create_ctx_callback called for each of the 3 host contexts');
    $l->close;
}

# ---- SNI chosen by openssl s_client ----
SKIP: {
    skip 'no openssl command', 6 if !$openssl;
    my %three = (
        SSL_cert_file => { 'localhost' => cert('server-chain.pem'),
                           'www.example.org' => cert('wronghost-cert.pem'),
                           '' => cert('other-server-cert.pem') },
        SSL_key_file  => { 'localhost' => cert('server-key.pem'),
                           'www.example.org' => cert('wronghost-key.pem'),
                           '' => cert('other-server-key.pem') });
    my ($pid, $port) = server(3, %three);
    my @base = ($openssl, 's_client', '-connect', "127.0.0.1:$port");
    my %subject;
    for my $sn (['www.example.org'], ['localhost'], []) {
        my $h = run_bg([@base, (@$sn ? ('-servername', $sn->[0]) : ())], stdin => "bye\n");
        my ($rc, $out) = wait_bg($h, 10);
        my ($subj) = $out =~ /^subject=(.*)$/m;
        $subject{ @$sn ? $sn->[0] : '' } = $subj // "(none) $out";
    }
    like($subject{'www.example.org'}, qr/CN\s*=\s*www\.example\.org/, 's_client -servername www.example.org');
    like($subject{localhost}, qr/IO-Socket-SSL-Test.*CN\s*=\s*localhost/, 's_client -servername localhost');
    like($subject{''}, qr/Other-Test-Org.*CN\s*=\s*localhost/, 's_client without -servername: default cert');
    my ($st, $res) = wait_child($pid);
    is($res->{sni1}, 'www.example.org', 'server saw www.example.org');
    is($res->{sni2}, 'localhost', 'server saw localhost');
    ok(!defined $res->{sni3} || $res->{sni3} !~ /^(?:localhost|www\.example\.org)$/,
        'server saw neither name for the third');
}

# ---- RSA and ECDSA certificates for one name: whose cipher order decides ----
{
    my %multi = (SSL_cert_file => { '' => cert('server-chain.pem'), '%ecc' => cert('server-ec-cert.pem') },
                 SSL_key_file  => { '' => cert('server-key.pem'),   '%ecc' => cert('server-ec-key.pem') },
                 SSL_version => 'TLSv1_2');
    my $ecdsa = 'ECDHE-ECDSA-AES128-GCM-SHA256';
    my $rsa = 'ECDHE-RSA-AES128-GCM-SHA256';
    my %client = (SSL_verifycn_name => 'localhost', SSL_version => 'TLSv1_2');

    # client order
    my ($pid, $port) = server(2, %multi, SSL_honor_cipher_order => 0,
        SSL_cipher_list => "$rsa:$ecdsa");
    my $r = talk($port, %client, SSL_cipher_list => "$ecdsa:$rsa");
    is($r && $r->{cipher}, $ecdsa, 'honor_cipher_order 0, client prefers ECDSA: ECDSA cipher')
        or diag($SSL_ERROR);
    $r = talk($port, %client, SSL_cipher_list => "$rsa:$ecdsa");
    is($r && $r->{cipher}, $rsa, 'honor_cipher_order 0, client prefers RSA: RSA cipher')
        or diag($SSL_ERROR);
    wait_child($pid);

    # server order (the default), server prefers ECDSA
    ($pid, $port) = server(2, %multi, SSL_cipher_list => "$ecdsa:$rsa");
    $r = talk($port, %client, SSL_cipher_list => "$rsa:$ecdsa");
    is($r && $r->{cipher}, $ecdsa, 'server order ECDSA first, client prefers RSA: ECDSA')
        or diag($SSL_ERROR);
    $r = talk($port, %client, SSL_cipher_list => "$ecdsa:$rsa");
    is($r && $r->{cipher}, $ecdsa, 'server order ECDSA first, client prefers ECDSA: ECDSA')
        or diag($SSL_ERROR);
    wait_child($pid);

    # server order, server prefers RSA
    ($pid, $port) = server(1, %multi, SSL_cipher_list => "$rsa:$ecdsa");
    $r = talk($port, %client, SSL_cipher_list => "$ecdsa:$rsa");
    is($r && $r->{cipher}, $rsa, 'server order RSA first, client prefers ECDSA: RSA')
        or diag($SSL_ERROR);
    wait_child($pid);
}

# ---- ALPN with curl ----
sub http_server {
    my (%args) = @_;
    my $l = ssl_listener(SSL_alpn_protocols => [qw(h2 http/1.1)], %args);
    return fork_server($l, sub {
        my $c = shift->accept or die "accept: $SSL_ERROR";
        report(alpn => $c->alpn_selected);
        if (($c->alpn_selected // '') eq 'h2') {
            $c->close;    # no HTTP/2 here: just hang up
            return;
        }
        while (defined(my $line = <$c>)) { last if $line =~ /^\r?\n\z/ }
        print $c "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n";
        $c->close;
    });
}

SKIP: {
    my $v = `curl -V 2>/dev/null`;
    skip 'no curl', 4 if !$v;
    skip 'curl without TLS', 4 if $v !~ /^Features:.*\b(?:SSL|HTTPS)\b/m
        && $v !~ /\bhttps\b/;
    my ($pid, $port) = http_server();
    my $h = run_bg(['curl', '-sk', '--http1.1', '--max-time', '10', "https://127.0.0.1:$port/"]);
    my ($rc, $out) = wait_bg($h, 15);
    is($out, "ok\n", 'curl --http1.1 got the response');
    my ($st, $r) = wait_child($pid);
    is($r->{alpn}, 'http/1.1', 'curl --http1.1 offered http/1.1 only: server selected http/1.1');

    SKIP: {
        skip 'curl -V shows no HTTP2 feature: curl offers no h2', 2 if $v !~ /^Features:.*\bHTTP2\b/m;
        ($pid, $port) = http_server();
        $h = run_bg(['curl', '-sk', '--max-time', '10', "https://127.0.0.1:$port/"]);
        ($rc, $out) = wait_bg($h, 15);
        ($st, $r) = wait_child($pid);
        is($st, 0, 'server for curl default ALPN ran cleanly');
        is($r->{alpn}, 'h2', 'curl offers h2,http/1.1: server selected h2 (its first)');
    }
}

# ---- ALPN with openssl s_client: the server's order decides ----
SKIP: {
    skip 'no openssl command', 3 if !$openssl;
    my ($pid, $port) = server(1, SSL_alpn_protocols => [qw(http/1.1 h2)]);
    my $h = run_bg([$openssl, 's_client', '-connect', "127.0.0.1:$port",
        '-alpn', 'h2,http/1.1', '-CAfile', $ca], stdin => "bye\n");
    my ($rc, $out) = wait_bg($h, 10);
    like($out, qr{ALPN protocol: http/1\.1}, 's_client -alpn h2,http/1.1 vs server [http/1.1 h2]: http/1.1');
    my ($st, $r) = wait_child($pid);
    is($r->{alpn1}, 'http/1.1', 'server side agrees');

    ($pid, $port) = server(1, SSL_alpn_protocols => [qw(h2 http/1.1)]);
    $h = run_bg([$openssl, 's_client', '-connect', "127.0.0.1:$port",
        '-alpn', 'http/1.1,h2', '-CAfile', $ca], stdin => "bye\n");
    ($rc, $out) = wait_bg($h, 10);
    like($out, qr{ALPN protocol: h2\b}, 's_client -alpn http/1.1,h2 vs server [h2 http/1.1]: h2');
    wait_child($pid);
}

done_testing;
