#!perl
# Context configuration, protocol side: the SSL_version grammar, protocol
# combinations between client and server, SSL_cipher_list, SSL_ciphersuites,
# SSL_honor_cipher_order, DH parameters and ECDH groups. Real client and
# server over loopback; "openssl s_client" where only it can see what was
# negotiated (the server's temporary key, a TLS 1.1 attempt).
use strict;
use warnings;
use lib 't/lib';
use TestLib;
use Test::More;
use IO::Socket::SSL;

watchdog(120);

my @ca = (SSL_ca_file => cert('test-ca.pem'));
my $openssl = openssl_bin();

# One connection between our client and our server.
#   my ($c, $err, $r) = pair({server args}, {client args});
# $c: the connected client (or undef), $err: $SSL_ERROR of a failed client,
# $r: what the server saw (ok, version, cipher, err, line).
sub pair {
    my ($sargs, $cargs) = @_;
    my $l = ssl_listener(%$sargs);
    my ($pid, $port) = fork_server($l, sub {
        my $l = shift;
        my $s = $l->accept;
        if (!$s) {
            report(ok => 0, err => "$SSL_ERROR");
            return;
        }
        report(ok => 1, version => $s->get_sslversion, cipher => $s->get_cipher);
        my $line = <$s>;
        report(line => $line);
        print $s "pong\n" if defined $line;
        $s->close;
    });
    $SSL_ERROR = undef;
    my $c = IO::Socket::SSL->new(
        PeerHost => '127.0.0.1', PeerPort => $port, @ca, Timeout => 10, %$cargs);
    my $err = $c ? '' : "$SSL_ERROR";
    my $pong;
    if ($c) {
        print $c "ping\n";
        $pong = <$c>;
    }
    my ($st, $r) = wait_child($pid);
    $r->{status} = $st;
    $r->{pong} = $pong;
    return ($c, $err, $r);
}

# ============================ SSL_version grammar ===========================
# (the server is restricted; the client keeps its default)
{
    my @grammar = (
        [ 'SSLv23'             => 'TLSv1_3' ],
        [ 'sslv23'             => 'TLSv1_3' ],
        [ 'SSLv2/3'            => 'TLSv1_3' ],
        [ 'TLSv1_2'            => 'TLSv1_2' ],
        [ 'TLSv12'             => 'TLSv1_2' ],
        [ 'tlsv1_2'            => 'TLSv1_2' ],
        [ 'TLSv1_3'            => 'TLSv1_3' ],
        [ 'tlsv1_3'            => 'TLSv1_3' ],
        [ 'TLSv13'             => 'TLSv1_3' ],
        [ 'SSLv23:!TLSv1_3'    => 'TLSv1_2' ],
        [ 'SSLv23:!TLSv13'     => 'TLSv1_2' ],
        [ 'SSLv23 : !TLSv1_3'  => 'TLSv1_2' ],
        [ 'sslv23:!tlsv1_3'    => 'TLSv1_2' ],
        [ 'SSLv23:!TLSv1_2'    => 'TLSv1_3' ],
        [ 'SSLv23:!SSLv3:!SSLv2:!TLSv1:!TLSv1_1' => 'TLSv1_3' ],
        [ 'SSLv23 :!SSLv2: !SSLv3 : !TLSv1_3'      => 'TLSv1_2' ],
    );
    for (@grammar) {
        my ($spec, $want) = @$_;
        my ($c, $err, $r) = pair({ SSL_version => $spec }, {});
        ok($c, "server SSL_version '$spec': client connects") or diag("error: $err");
        is($c && $c->get_sslversion, $want, "server SSL_version '$spec': negotiated $want");
        is($r->{version}, $want, "server SSL_version '$spec': server sees $want");
    }
    # the same restrictions on the client side
    for (['TLSv1_2' => 'TLSv1_2'], ['TLSv12' => 'TLSv1_2'], ['SSLv23:!TLSv1_3' => 'TLSv1_2'],
         ['tlsv1_3' => 'TLSv1_3'], ['SSLv23:!TLSv1:!TLSv1_1:!TLSv1_2' => 'TLSv1_3'],
         ['SSLv23' => 'TLSv1_3']) {
        # (not 'SSLv23:!TLSv1_2' on a client: OpenSSL's client then only uses
        # the versions below the hole, TLS 1.0 and 1.1)
        my ($spec, $want) = @$_;
        my ($c, $err, $r) = pair({}, { SSL_version => $spec });
        ok($c, "client SSL_version '$spec': connects") or diag("error: $err");
        is($c && $c->get_sslversion, $want, "client SSL_version '$spec': negotiated $want");
        is($r->{line}, "ping\n", "client SSL_version '$spec': data flows");
    }
}

# ======================= protocol combinations that fail =====================
{
    my @fail = (
        [ 'client TLSv1_2 vs server TLSv1_3', { SSL_version => 'TLSv1_3' }, { SSL_version => 'TLSv1_2' } ],
        [ 'client TLSv1_3 vs server TLSv1_2', { SSL_version => 'TLSv1_2' }, { SSL_version => 'TLSv1_3' } ],
        [ 'client SSLv23:!TLSv1_3 vs server SSLv23:!TLSv1_2',
            { SSL_version => 'SSLv23:!TLSv1_2' }, { SSL_version => 'SSLv23:!TLSv1_3' } ],
        [ 'client TLSv1_1 vs default server', {}, { SSL_version => 'TLSv1_1' } ],
        [ 'client default vs server TLSv1_1', { SSL_version => 'TLSv1_1' }, {} ],
    );
    for (@fail) {
        my ($name, $s, $cl) = @$_;
        my ($c, $err, $r) = pair($s, $cl);
        ok(!$c, "$name: client fails");
        like($err, qr/SSL connect attempt failed/, "$name: client error '$err'");
        is($r->{ok}, 0, "$name: server accept fails");
        ok(length($r->{err} // ''), "$name: server has an error: " . ($r->{err} // 'undef'));
        is($r->{status}, 0, "$name: server process did not crash");
    }
}

# ============ the default allows TLS 1.2 and 1.3 but not TLS 1.1 ============
SKIP: {
    skip 'openssl command line tool not found', 8 if !$openssl;
    my $l = ssl_listener();
    my ($pid, $port) = fork_server($l, sub {
        my $l = shift;
        for my $i (1 .. 3) {
            my $s = $l->accept;
            report("accept$i" => $s ? $s->get_sslversion : "fail: $SSL_ERROR");
            $s->close if $s;
        }
    });
    my %out;
    for my $v (qw(tls1_2 tls1_3 tls1_1)) {
        # @SECLEVEL=0 so that it is our server, not the client's own security
        # level, which refuses TLS 1.1
        my $h = run_bg([$openssl, 's_client', '-connect', "127.0.0.1:$port", "-$v",
            ($v eq 'tls1_1' ? ('-cipher', 'DEFAULT:@SECLEVEL=0') : ()),
            '-CAfile', cert('test-ca.pem')], stdin => '');
        (undef, $out{$v}) = wait_bg($h, 15);
    }
    my ($st, $r) = wait_child($pid);
    like($out{tls1_2}, qr/Protocol\s*:\s*TLSv1\.2/, 's_client -tls1_2 connects to a default server');
    like($out{tls1_3}, qr/Protocol\s*:\s*TLSv1\.3|New, TLSv1\.3/, 's_client -tls1_3 connects to a default server');
    unlike($out{tls1_1}, qr/^New, TLSv1\.1/m, 's_client -tls1_1 does not get TLS 1.1');
    like($out{tls1_1}, qr/Cipher is \(NONE\)/, 's_client -tls1_1: no cipher negotiated');
    like($out{tls1_1}, qr/alert|error|handshake failure|no protocols available/i,
        's_client -tls1_1: handshake error reported') or diag($out{tls1_1});
    is($r->{accept1}, 'TLSv1_2', 'server saw TLS 1.2');
    is($r->{accept2}, 'TLSv1_3', 'server saw TLS 1.3');
    like($r->{accept3}, qr/^fail: \S/, "server refused TLS 1.1: $r->{accept3}");
}

# ========================== invalid SSL_version =============================
{
    for my $spec ('foo', 'TLSv1_4', 'TLSv1_2x', 'SSLv23:!bar', 'TLS1_2', '') {
        next if $spec eq '';    # '' is "not given": the default
        my ($obj, $err) = try_new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1,
            SSL_cert_file => cert('server-chain.pem'), SSL_key_file => cert('server-key.pem'),
            SSL_version => $spec);
        ok(!$obj, "SSL_version '$spec': no object");
        like($err, qr/invalid SSL_version specified/, "SSL_version '$spec': $err");
    }
    for my $spec ('SSLv2', 'SSLv3', 'sslv3') {
        (my $canon = $spec) =~ s/^ssl/SSL/;
        my ($obj, $err) = try_new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1,
            SSL_cert_file => cert('server-chain.pem'), SSL_key_file => cert('server-key.pem'),
            SSL_version => $spec);
        ok(!$obj, "SSL_version '$spec': no object");
        like($err, qr/SSL Version \Q$canon\E not supported/, "SSL_version '$spec': $err");
    }
    my ($obj, $err) = try_new(PeerHost => '127.0.0.1', PeerPort => 1, SSL_version => 'TLSv1_2:TLSv1_3');
    ok(!$obj, 'two versions: no object');
    like($err, qr/cannot set multiple SSL protocols in SSL_version/, "two versions: $err");
    # on a client too: the context is made before any connect
    ($obj, $err) = try_new(PeerHost => '127.0.0.1', PeerPort => 1, SSL_version => 'bogus');
    ok(!$obj, 'client with a bogus version: no object');
    like($err, qr/invalid SSL_version specified/, "client with a bogus version: $err");
}

# ============================== SSL_cipher_list =============================
{
    for my $cipher (qw(DHE-RSA-AES128-GCM-SHA256 ECDHE-RSA-AES256-GCM-SHA384
                       ECDHE-RSA-CHACHA20-POLY1305)) {
        my ($c, $err, $r) = pair({ SSL_version => 'TLSv1_2', SSL_cipher_list => $cipher }, {});
        ok($c, "server cipher list '$cipher': client connects") or diag("error: $err");
        is($c && $c->get_cipher, $cipher, "server cipher list '$cipher': client get_cipher");
        is($r->{cipher}, $cipher, "server cipher list '$cipher': server get_cipher");

        ($c, $err, $r) = pair({}, { SSL_version => 'TLSv1_2', SSL_cipher_list => $cipher });
        ok($c, "client cipher list '$cipher': connects") or diag("error: $err");
        is($c && $c->get_cipher, $cipher, "client cipher list '$cipher': get_cipher");
    }
    # client and server share no cipher
    my ($c, $err, $r) = pair({ SSL_version => 'TLSv1_2', SSL_cipher_list => 'DHE-RSA-AES128-GCM-SHA256' },
        { SSL_cipher_list => 'ECDHE-RSA-AES128-GCM-SHA256' });
    ok(!$c, 'no shared TLS 1.2 cipher: client fails');
    like($err, qr/SSL connect attempt failed/, "no shared cipher: client error '$err'");
    is($r->{ok}, 0, 'no shared cipher: server accept fails');
    like($r->{err} // '', qr/no shared cipher|handshake|SSL accept attempt failed/i,
        'no shared cipher: server error: ' . ($r->{err} // 'undef'));

    # '' means: OpenSSL's default list instead of ours
    ($c, $err, $r) = pair({ SSL_version => 'TLSv1_2', SSL_cipher_list => '' },
        { SSL_cipher_list => '' });
    ok($c, "SSL_cipher_list '' on both sides: connects") or diag("error: $err");
    like($c && $c->get_cipher, qr/^(ECDHE|DHE)-/, "SSL_cipher_list '': a forward-secret default cipher");

    # the cipher list does not restrict TLS 1.3
    ($c, $err, $r) = pair({ SSL_cipher_list => 'DHE-RSA-AES128-GCM-SHA256' }, {});
    ok($c, 'TLS 1.2 cipher list on a TLS 1.3 connection: connects') or diag("error: $err");
    is($c && $c->get_sslversion, 'TLSv1_3', 'cipher list leaves TLS 1.3 alone');
    like($c && $c->get_cipher, qr/^TLS_/, 'TLS 1.3 cipher suite negotiated');
}

# ============================== SSL_ciphersuites ============================
{
    my $cs = 'TLS_CHACHA20_POLY1305_SHA256';
    my ($c, $err, $r) = pair({ SSL_ciphersuites => $cs }, {});
    ok($c, "server SSL_ciphersuites $cs: connects") or diag("error: $err");
    is($c && $c->get_sslversion, 'TLSv1_3', 'SSL_ciphersuites: TLS 1.3');
    is($c && $c->get_cipher, $cs, 'server SSL_ciphersuites: client get_cipher');
    is($r->{cipher}, $cs, 'server SSL_ciphersuites: server get_cipher');

    ($c, $err, $r) = pair({}, { SSL_ciphersuites => $cs });
    ok($c, "client SSL_ciphersuites $cs: connects") or diag("error: $err");
    is($c && $c->get_cipher, $cs, 'client SSL_ciphersuites: get_cipher');

    ($c, $err, $r) = pair({ SSL_ciphersuites => 'TLS_AES_128_GCM_SHA256' },
        { SSL_ciphersuites => $cs });
    ok(!$c, 'no shared TLS 1.3 cipher suite: client fails');
    like($err, qr/SSL connect attempt failed/, "no shared suite: client error '$err'");
    is($r->{ok}, 0, 'no shared suite: server accept fails');

    # the TLS 1.3 suites do not restrict TLS 1.2
    ($c, $err, $r) = pair({ SSL_ciphersuites => $cs, SSL_version => 'TLSv1_2' }, {});
    ok($c, 'SSL_ciphersuites with TLS 1.2: connects') or diag("error: $err");
    unlike($c && $c->get_cipher, qr/^TLS_/, 'SSL_ciphersuites leaves TLS 1.2 ciphers alone');
}

# =========================== SSL_honor_cipher_order =========================
{
    my $server_pref = 'ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256';
    my $client_pref = 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384';
    my ($c, $err, $r) = pair({ SSL_version => 'TLSv1_2', SSL_cipher_list => $server_pref },
        { SSL_cipher_list => $client_pref });
    is($c && $c->get_cipher, 'ECDHE-RSA-AES256-GCM-SHA384',
        'TLS 1.2, server default (honor order): server preference wins') or diag("error: $err");
    ($c, $err, $r) = pair({ SSL_version => 'TLSv1_2', SSL_cipher_list => $server_pref,
        SSL_honor_cipher_order => 0 }, { SSL_cipher_list => $client_pref });
    is($c && $c->get_cipher, 'ECDHE-RSA-AES128-GCM-SHA256',
        'TLS 1.2, SSL_honor_cipher_order 0: client preference wins') or diag("error: $err");
    ($c, $err, $r) = pair({ SSL_version => 'TLSv1_2', SSL_cipher_list => $server_pref,
        SSL_honor_cipher_order => 1 }, { SSL_cipher_list => $client_pref });
    is($c && $c->get_cipher, 'ECDHE-RSA-AES256-GCM-SHA384',
        'TLS 1.2, SSL_honor_cipher_order 1: server preference wins') or diag("error: $err");

    my $s13 = 'TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384';
    my $c13 = 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256';
    ($c, $err, $r) = pair({ SSL_ciphersuites => $s13 }, { SSL_ciphersuites => $c13 });
    is($c && $c->get_cipher, 'TLS_CHACHA20_POLY1305_SHA256',
        'TLS 1.3, server default: server preference wins') or diag("error: $err");
    ($c, $err, $r) = pair({ SSL_ciphersuites => $s13, SSL_honor_cipher_order => 0 },
        { SSL_ciphersuites => $c13 });
    is($c && $c->get_cipher, 'TLS_AES_256_GCM_SHA384',
        'TLS 1.3, SSL_honor_cipher_order 0: client preference wins') or diag("error: $err");
}

# ====================== DH parameters and ECDH groups =======================
# through IO::Socket::SSL: the handshake works with the setting
{
    my $dhe = { SSL_version => 'TLSv1_2', SSL_cipher_list => 'DHE-RSA-AES128-GCM-SHA256' };
    my ($c, $err, $r) = pair({ %$dhe, SSL_dh_file => cert('dh-ffdhe3072.pem') }, {});
    ok($c, 'SSL_dh_file: DHE connection') or diag("error: $err");
    is($c && $c->get_cipher, 'DHE-RSA-AES128-GCM-SHA256', 'SSL_dh_file: DHE cipher');
    ($c, $err, $r) = pair($dhe, {});
    ok($c, 'built-in DH parameters: DHE connection') or diag("error: $err");

    for my $curve ('P-384', 'prime256v1:secp384r1', 'secp384r1', 'X25519:P-256') {
        for my $v ('TLSv1_2', 'TLSv1_3') {
            ($c, $err, $r) = pair({ SSL_version => $v, SSL_ecdh_curve => $curve,
                SSL_cipher_list => 'ECDHE-RSA-AES128-GCM-SHA256' }, {});
            ok($c, "$v: server SSL_ecdh_curve '$curve': connects") or diag("error: $err");
        }
    }
    # a client offering only groups the server does not accept
    for my $v ('TLSv1_2', 'TLSv1_3') {
        ($c, $err, $r) = pair({ SSL_version => $v, SSL_ecdh_curve => 'P-384',
            SSL_cipher_list => 'ECDHE-RSA-AES128-GCM-SHA256' }, { SSL_ecdh_curve => 'X25519:P-256' });
        ok(!$c, "$v: client groups X25519:P-256 vs server P-384: client fails");
        like($err, qr/SSL connect attempt failed/, "$v: no shared group: client error '$err'");
        is($r->{ok}, 0, "$v: no shared group: server accept fails");
        is($r->{status}, 0, "$v: no shared group: server did not crash");
    }
    # the client side setting alone
    ($c, $err, $r) = pair({}, { SSL_ecdh_curve => 'secp384r1' });
    ok($c, "client SSL_ecdh_curve 'secp384r1': connects") or diag("error: $err");
}

# SSL_dh as the reference takes it: a DH* handle from Net::SSLeay (the real
# one when installed, else our stand-in), or a PEM string
require Net::SSLeay;
my $dh_handle = do {
    my $bio = Net::SSLeay::BIO_new_file(cert('dh-ffdhe3072.pem'), 'r') or die "BIO_new_file";
    my $dh = Net::SSLeay::PEM_read_bio_DHparams($bio);
    Net::SSLeay::BIO_free($bio);
    $dh;
};
ok($dh_handle, 'a DH* handle from Net::SSLeay::PEM_read_bio_DHparams');
my $dh_pem = do { open(my $fh, '<', cert('dh-ffdhe3072.pem')) or die; local $/; <$fh> };

# through openssl s_client: which DH parameters and group the server used
SKIP: {
    skip 'openssl command line tool not found', 10 if !$openssl;
    my @cases = (
        [ 'SSL_dh DH* handle ffdhe3072', { SSL_dh => $dh_handle },
          ['-tls1_2', '-cipher', 'DHE-RSA-AES128-GCM-SHA256'], qr/Server Temp Key: DH, 3072 bits/ ],
        [ 'SSL_dh PEM string ffdhe3072', { SSL_dh => $dh_pem },
          ['-tls1_2', '-cipher', 'DHE-RSA-AES128-GCM-SHA256'], qr/Server Temp Key: DH, 3072 bits/ ],
        [ 'SSL_dh_file ffdhe3072', { SSL_dh_file => cert('dh-ffdhe3072.pem') },
          ['-tls1_2', '-cipher', 'DHE-RSA-AES128-GCM-SHA256'], qr/Server Temp Key: DH, 3072 bits/ ],
        [ 'built-in DH', {},
          ['-tls1_2', '-cipher', 'DHE-RSA-AES128-GCM-SHA256'], qr/Server Temp Key: DH, (2048|[3-9]\d{3}) bits/ ],
        [ 'ecdh P-384, TLS 1.2', { SSL_ecdh_curve => 'P-384' },
          ['-tls1_2', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256'], qr/Server Temp Key: ECDH, (secp384r1|P-384), 384 bits/ ],
        [ 'ecdh P-384, TLS 1.3', { SSL_ecdh_curve => 'P-384' },
          ['-tls1_3'], qr/Server Temp Key: ECDH, (secp384r1|P-384), 384 bits/ ],
        [ 'ecdh prime256v1:secp384r1, TLS 1.3', { SSL_ecdh_curve => 'prime256v1:secp384r1' },
          ['-tls1_3', '-groups', 'secp384r1'], qr/Server Temp Key: ECDH, (secp384r1|P-384), 384 bits/ ],
        [ 'ecdh prime256v1:secp384r1, TLS 1.2', { SSL_ecdh_curve => 'prime256v1:secp384r1' },
          ['-tls1_2', '-groups', 'P-256', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256'],
          qr/Server Temp Key: ECDH, (prime256v1|P-256), 256 bits/ ],
        [ 'ecdh P-384 vs client X25519', { SSL_ecdh_curve => 'P-384' },
          ['-tls1_3', '-groups', 'X25519'], undef ],
        [ 'default groups vs client X25519', {},
          ['-tls1_3', '-groups', 'X25519'], qr/Server Temp Key: X25519/ ],
    );
    for (@cases) {
        my ($name, $sargs, $cargs, $want) = @$_;
        my $l = ssl_listener(%$sargs);
        my ($pid, $port) = fork_server($l, sub {
            my $s = shift->accept;
            report(ok => $s ? 1 : 0, err => $SSL_ERROR // '');
            $s->close if $s;
        });
        my $h = run_bg([$openssl, 's_client', '-connect', "127.0.0.1:$port", @$cargs,
            '-CAfile', cert('test-ca.pem')], stdin => '');
        my (undef, $out) = wait_bg($h, 15);
        my ($st, $r) = wait_child($pid);
        if ($want) {
            like($out, $want, "s_client: $name") or diag($out);
        } else {
            ok(!$r->{ok} && $out !~ /Server Temp Key/, "s_client: $name fails")
                or diag($out);
        }
    }
}

Net::SSLeay::DH_free($dh_handle);    # the contexts hold their own references

done_testing;
