#!perl
# IO::Socket::SSL::Utils: keys and certificates made with KEY_create_* and
# CERT_create, taken apart by CERT_asHash, checked by the openssl CLI and
# used for real TLS connections; PEM_file2certs/PEM_certs2file.
# IO::Socket::SSL::Intercept: clones signed by a proxy CA, its caches and
# serialization, and a real interception over loopback.
use strict;
use warnings;
use lib 't/lib';
use TestLib;
use Test::More;
use File::Temp qw(tempdir);
use IO::Socket::SSL;
use IO::Socket::SSL::Utils;
use IO::Socket::SSL::Intercept;

watchdog(120);
my $dir = tempdir(CLEANUP => 1);
my $openssl = openssl_bin();

sub openssl_out {
    my @cmd = @_;
    open my $fh, '-|', $openssl, @cmd or die "openssl: $!";
    local $/;
    return scalar <$fh>;
}
sub openssl_verify {
    my ($ca, $cert) = @_;
    PEM_cert2file($ca, "$dir/v-ca.pem");
    PEM_cert2file($cert, "$dir/v-cert.pem");
    my $out = `$openssl verify -CAfile $dir/v-ca.pem $dir/v-cert.pem 2>&1`;
    return $out =~ /: OK$/m ? 'OK' : $out;
}

# ---- keys --------------------------------------------------------------------
my $rsa = KEY_create_rsa();
ok($rsa, 'KEY_create_rsa() gives a key handle');
like(PEM_key2string($rsa), qr/BEGIN PRIVATE KEY/, 'which writes as PEM');
PEM_key2file($rsa, "$dir/rsa.pem");
like(openssl_out('pkey', '-in', "$dir/rsa.pem", '-noout', '-text'), qr/Private-Key: \(2048 bit/,
    'RSA key is 2048 bits by default');
my $ec = KEY_create_ec();
PEM_key2file($ec, "$dir/ec.pem");
like(openssl_out('pkey', '-in', "$dir/ec.pem", '-noout', '-text'), qr/prime256v1|P-256/,
    'KEY_create_ec() defaults to prime256v1');
my $ec384 = KEY_create_ec('secp384r1');
PEM_key2file($ec384, "$dir/ec384.pem");
like(openssl_out('pkey', '-in', "$dir/ec384.pem", '-noout', '-text'), qr/secp384r1|P-384/,
    'KEY_create_ec(secp384r1)');
ok(!eval { KEY_create_ec('no-such-curve'); 1 }, 'unknown curve dies');
like($@, qr/no-such-curve/, '... naming the curve');

# ---- a CA and a server certificate --------------------------------------------
my ($ca, $cakey) = CERT_create(CA => 1, subject => { commonName => 'Utils Test CA', organizationName => 'Tests' });
my $cah = CERT_asHash($ca);
is($cah->{subject}{commonName}, 'Utils Test CA', 'CA subject');
is_deeply($cah->{issuer}, $cah->{subject}, 'CA is self-signed');
is($cah->{version}, 2, 'version 2 (X.509v3) by default');
my ($bc) = grep { ($_->{sn} // '') eq 'basicConstraints' } @{ $cah->{ext} };
is($bc->{data}, 'CA:TRUE', 'CA => 1 gives basicConstraints CA:TRUE');
ok($bc->{critical}, '... critical');
is_deeply([ sort @{ $cah->{keyusage} } ], [qw(digitalSignature keyCertSign)], 'CA key usage');
is(openssl_verify($ca, $ca), 'OK', 'openssl verifies the self-signed CA');

my $nb = time - 3600;
my $na = time + 10 * 86400;
my ($srv, $srvkey) = CERT_create(
    subject         => { commonName => 'x.example', organizationName => [ 'One', 'Two' ] },
    subjectAltNames => [ [ DNS => 'x.example' ], [ DNS => '*.w.example' ], [ IP => '127.0.0.1' ],
                         [ IP => '2001:db8:0:0:1:0:0:1' ], [ EMAIL => 'a@x.example' ], [ URI => 'https://x.example/' ] ],
    issuer_cert     => $ca,
    issuer_key      => $cakey,
    purpose         => 'server',
    not_before      => $nb,
    not_after       => $na,
    serial          => '123456789012345678901234567890',
    digest          => 'sha384',
    ext             => [ { sn => 'crlDistributionPoints', data => 'URI:http://crl.example/ca.crl' },
                         { sn => 'authorityInfoAccess',
                           data => "OCSP - URI:http://ocsp.example/\nCA Issuers - URI:http://ca.example/ca.crt" } ],
);
my $h = CERT_asHash($srv);
is($h->{subject}{commonName}, 'x.example', 'server subject CN');
is_deeply($h->{subject}{organizationName}, [ 'One', 'Two' ], 'a repeated subject field is a list, in order');
is($h->{issuer}{commonName}, 'Utils Test CA', 'issuer is the CA');
is($h->{not_before}, $nb, 'not_before as given');
is($h->{not_after}, $na, 'not_after as given');
is($h->{serial}, '123456789012345678901234567890', 'a serial larger than 64 bits');
is($h->{signature_alg}, 'sha384WithRSAEncryption', 'digest sha384');
is_deeply($h->{subjectAltNames}, [ [ DNS => 'x.example' ], [ DNS => '*.w.example' ], [ IP => '127.0.0.1' ],
    [ IP => '2001:db8::1:0:0:1' ], [ EMAIL => 'a@x.example' ], [ URI => 'https://x.example/' ] ],
    'subjectAltNames round trip (IPv6 compressed at the first longest zero run)');
is_deeply([ sort @{ $h->{keyusage} } ], [qw(digitalSignature keyEncipherment)], 'server key usage');
is_deeply($h->{extkeyusage}{sn}, ['serverAuth'], 'server ext key usage (sn)');
is_deeply($h->{extkeyusage}{oid}, ['1.3.6.1.5.5.7.3.1'], '... (oid)');
is_deeply($h->{crl_uri}, ['http://crl.example/ca.crl'], 'crl_uri');
is_deeply($h->{ocsp_uri}, ['http://ocsp.example/'], 'ocsp_uri from one authorityInfoAccess extension');
PEM_cert2file($srv, "$dir/srv.pem");
my $sha1 = openssl_out('x509', '-in', "$dir/srv.pem", '-noout', '-fingerprint', '-sha1');
my $h1 = CERT_asHash($srv, 'sha1');
like($sha1, qr/=\Q$h1->{fingerprint_sha1}\E$/m, 'fingerprint_sha1 as openssl prints it');
is(length $h1->{x509_digest_sha1}, 20, 'x509_digest_sha1 is binary');
is(length $h->{pubkey_digest_sha256}, 32, 'pubkey_digest_sha256 is binary');
is(openssl_verify($ca, $srv), 'OK', 'openssl verifies the server certificate against the CA');
my $text = openssl_out('x509', '-in', "$dir/srv.pem", '-noout', '-text');
like($text, qr/CA:FALSE/, 'not a CA');
like($text, qr/TLS Web Server Authentication/, 'serverAuth');

# a self-signed certificate names its own key as the authority's
{
    my ($ski) = grep { ($_->{sn} // '') eq 'subjectKeyIdentifier' } @{ $cah->{ext} };
    my ($aki) = grep { ($_->{sn} // '') eq 'authorityKeyIdentifier' } @{ $cah->{ext} };
    like($aki->{data}, qr/\Q$ski->{data}\E/, 'self-signed: authorityKeyIdentifier is the subject key id, not empty');
}

# serials from Perl numbers
{
    my ($c) = CERT_create(serial => 1.5, key => $rsa);
    is(CERT_asHash($c)->{serial}, '1', 'serial 1.5 is truncated to 1');
    CERT_free($c);
    ($c) = CERT_create(serial => 1e20, key => $rsa);
    is(CERT_asHash($c)->{serial}, '100000000000000000000', 'serial 1e20 in full');
    CERT_free($c);
    for my $bad ('deadbeef', -5) {
        ok(!eval { CERT_create(serial => $bad, key => $rsa); 1 }, "serial '$bad' dies");
    }
}

# purpose forms
for my $case ([ 'client', [qw(clientAuth)] ], [ 'server,client', [qw(clientAuth serverAuth)] ],
              [ [ 'server', '+client' ], [qw(clientAuth serverAuth)] ], [ { server => 1, client => '-' }, [qw(serverAuth)] ],
              [ 'sslCA,server', [qw(serverAuth)] ]) {
    my ($c, $k) = CERT_create(purpose => $case->[0], issuer => [ $ca, $cakey ], key => $rsa);
    my $x = CERT_asHash($c);
    my $p = ref $case->[0] ? (ref $case->[0] eq 'ARRAY' ? "@{ $case->[0] }" : 'hash') : $case->[0];
    is_deeply([ sort @{ $x->{extkeyusage}{sn} } ], $case->[1], "purpose $p");
    is($k, $rsa, "purpose $p: the given key is used");
    CERT_free($c);
}
ok(!eval { CERT_create(purpose => 'bogus', key => $rsa); 1 }, 'unknown purpose dies');
like($@, qr/unknown purpose bogus/, '... with its name');
ok(!eval { CERT_create(serial => 'abc', key => $rsa); 1 }, 'a bad serial dies');
ok(!eval { CERT_create(digest => 'nosuch', key => $rsa); 1 }, 'an unknown digest dies');
like($@, qr/Digest algorithm nosuch/, '... naming it');

# UTF-8 in the subject: characters in, their UTF-8 bytes out (as the reference)
{
    my ($c) = CERT_create(subject => { commonName => "M\x{fc}ller \x{263a}" }, key => $rsa);
    is(CERT_asHash($c)->{subject}{commonName}, "M\xc3\xbcller \xe2\x98\xba", 'a character subject comes back as UTF-8 bytes');
    CERT_free($c);
}

# a subject value that needs a fallback string type leaves no stale error
# behind for the next failure's message
{
    ok(!eval { CERT_create(key => $rsa, subject => { countryName => 'USA' },
        ext => [ { sn => 'nameConstraints', data => 'bogus' } ]); 1 }, 'a bad extension value dies');
    unlike($@, qr/string too long|too long/i, '... with its own error only, not the subject fallback');
    like($@, qr/nameConstraints 'bogus'/, '... naming the extension');
}

# an EC issuer
{
    my ($eca, $ecakey) = CERT_create(CA => 1, key => $ec, subject => { commonName => 'EC CA' });
    my ($c) = CERT_create(issuer => [ $eca, $ecakey ], key => $ec384, subject => { commonName => 'ec leaf' });
    is(CERT_asHash($c)->{signature_alg}, 'ecdsa-with-SHA256', 'signed by an EC CA');
    is(openssl_verify($eca, $c), 'OK', 'openssl verifies it');
    CERT_free($c, $eca);
}

# ---- PEM_file2certs / PEM_certs2file --------------------------------------------
PEM_certs2file("$dir/chain.pem", $srv, $ca);
my @certs = PEM_file2certs("$dir/chain.pem");
is(scalar @certs, 2, 'PEM_file2certs reads both certificates');
is(CERT_asHash($certs[0])->{subject}{commonName}, 'x.example', 'in order (leaf)');
is(CERT_asHash($certs[1])->{subject}{commonName}, 'Utils Test CA', 'in order (CA)');
CERT_free(@certs);
ok(!eval { PEM_file2certs("$dir/missing.pem"); 1 }, 'PEM_file2certs on a missing file dies');
ok(!eval { PEM_file2certs(cert('bad-garbage.pem')); 1 }, 'PEM_file2certs on garbage dies');

# ---- the made certificates in a real TLS connection ------------------------------
{
    my ($pid, $port) = fork_server(ssl_listener(SSL_cert => $srv, SSL_key => $srvkey, SSL_cert_file => undef, SSL_key_file => undef), sub {
        my $c = shift->accept or die "accept: $SSL_ERROR";
        print $c "made by Utils\n";
        <$c>;
    });
    my $cl = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
        SSL_ca => [$ca], SSL_hostname => 'x.example', SSL_verifycn_name => 'x.example');
    ok($cl, 'client verifies a server certificate made by CERT_create') or diag $SSL_ERROR;
    is($cl && scalar <$cl>, "made by Utils\n", 'and talks to it');
    print $cl "bye\n" if $cl;
    wait_child($pid);
}

# ---- Intercept --------------------------------------------------------------------
ok(!eval { IO::Socket::SSL::Intercept->new(proxy_key => $cakey); 1 }, 'Intercept without proxy_cert dies');
like($@, qr/proxy_cert/, '... saying so');

PEM_cert2file($ca, "$dir/proxy-ca.pem");
PEM_key2file($cakey, "$dir/proxy-key.pem");
my $mitm = IO::Socket::SSL::Intercept->new(proxy_cert_file => "$dir/proxy-ca.pem", proxy_key_file => "$dir/proxy-key.pem");
my $orig = PEM_file2cert(cert('server-cert.pem'));
my $oh = CERT_asHash($orig);
my ($clone, $ckey) = $mitm->clone_cert($orig);
my $ch = CERT_asHash($clone);
is_deeply($ch->{subject}, $oh->{subject}, 'clone keeps the subject');
is_deeply($ch->{subjectAltNames}, $oh->{subjectAltNames}, 'clone keeps the names');
is($ch->{not_after}, $oh->{not_after}, 'clone keeps the validity');
is($ch->{issuer}{commonName}, 'Utils Test CA', 'clone is issued by the proxy CA');
is(openssl_verify($ca, $clone), 'OK', 'openssl verifies the clone against the proxy CA');
is($ch->{serial}, (unpack 'L', $oh->{x509_digest_sha256})[0], 'serial from the digest of the original');
my ($again, $k2) = $mitm->clone_cert($orig);
is($again, $clone, 'a second clone_cert comes from the cache');
is($k2, $ckey, 'with the same key');
my ($other) = $mitm->clone_cert($orig, 'host:443');
isnt($other, $clone, 'another ident makes another clone');
my @stored = sort keys %{ $mitm->{cache} };
is(scalar @stored, 2, 'two entries in the hash cache');

{
    my $counted = IO::Socket::SSL::Intercept->new(proxy_cert => $ca, proxy_key => $cakey, cert_key => $rsa, serial => 100);
    my ($c1, $k) = $counted->clone_cert($orig);
    is(CERT_asHash($c1)->{serial}, 101, 'serial counts up from the given start');
    is($k, $rsa, 'cert_key is the key of the clones');
    my %seen;
    my $code = IO::Socket::SSL::Intercept->new(proxy_cert => $ca, proxy_key => $cakey, cert_key => $rsa,
        serial => sub { 4242 },
        cache => sub { my ($id, $create) = @_; return 1 if $id eq 'type'; $seen{$id} ||= [ $create->() ]; @{ $seen{$id} } });
    my ($c2) = $code->clone_cert($orig, 'id1');
    my ($c3) = $code->clone_cert($orig, 'id1');
    is($c2, $c3, 'a code cache (type 1) is used');
    is(CERT_asHash($c2)->{serial}, 4242, 'a code serial');
    my %old;
    my $oldstyle = IO::Socket::SSL::Intercept->new(proxy_cert => $ca, proxy_key => $cakey, cert_key => $rsa,
        cache => sub { my ($id, @ck) = @_; return if $id eq 'type'; $old{$id} = [@ck] if @ck; @{ $old{$id} || [] } });
    my ($c4) = $oldstyle->clone_cert($orig, 'x');
    my ($c5) = $oldstyle->clone_cert($orig, 'x');
    is($c4, $c5, 'an old-style code cache (get, then set) is used');
    CERT_free($c2, $c4);
}

# extensions that must not or cannot be cloned
{
    my ($o) = CERT_create(issuer => [ $ca, $cakey ], key => $rsa, subject => { commonName => 'ext.example' },
        ext => [ { sn => 'tlsfeature', data => 'status_request' },
                 { sn => 'nameConstraints', data => 'permitted;DNS:.example' } ]);
    my %osn = map { ($_->{sn} // '') => 1 } @{ CERT_asHash($o)->{ext} };
    ok($osn{tlsfeature} && $osn{nameConstraints}, 'original has tlsfeature and nameConstraints');
    my ($c) = eval { $mitm->clone_cert($o) };
    ok($c, 'clone_cert copes with an extension OpenSSL cannot parse back') or diag $@;
    my %csn = map { ($_->{sn} // '') => 1 } @{ CERT_asHash($c)->{ext} };
    ok(!$csn{tlsfeature}, 'must-staple is not cloned');
    ok(!$csn{nameConstraints}, 'the unparseable extension is left out');
    is(CERT_asHash($c)->{subject}{commonName}, 'ext.example', 'the rest is cloned');
    CERT_free($o);
}

# a copy of the interceptor in a new thread does not free the parent's handles
SKIP: {
    require Config;
    skip 'no ithreads', 2 unless $Config::Config{useithreads};
    require threads;
    my $pem = PEM_cert2string($clone);
    my $t = threads->create(sub { my ($c) = $mitm->clone_cert($orig); return $c == $clone ? 1 : 0 });
    is($t->join, 1, 'the thread sees the cached clone');
    is(PEM_cert2string($clone), $pem, 'the parent still has it after the thread ended');
}

# serialize / unserialize, and Storable
{
    my $data = $mitm->serialize;
    my $back = IO::Socket::SSL::Intercept->unserialize($data);
    is_deeply([ sort keys %{ $back->{cache} } ], [ sort keys %{ $mitm->{cache} } ], 'unserialize restores the cache');
    my ($rc, $rk) = $back->clone_cert($orig);
    is(PEM_cert2string($rc), PEM_cert2string($clone), 'the restored clone is the same certificate');
    is(PEM_key2string($rk), PEM_key2string($ckey), 'with the same key');
    ok(!eval { IO::Socket::SSL::Intercept->unserialize("xx"); 1 }, 'garbage does not unserialize');
    require Storable;
    my $thawed = Storable::thaw(Storable::freeze($mitm));
    my ($tc) = $thawed->clone_cert($orig);
    is(PEM_cert2string($tc), PEM_cert2string($clone), 'Storable freeze/thaw keeps the clones');
}

# a real interception: client -> proxy (clone) -> server, twice: a client
# that trusts the proxy CA, then one that trusts only the real CA
{
    my ($spid, $sport) = fork_server(ssl_listener(), sub {
        my $l = shift;
        for (1, 2) {
            my $c = $l->accept or next;
            my $line = <$c>;
            print $c "server got: $line" if defined $line;
            <$c>;
        }
    });
    my $plain = tcp_listener();
    my $pport = listener_port($plain);
    my $ppid = fork_child(sub {
        for my $round (1, 2) {
            my $cl = $plain->accept or die "accept: $!";
            my $up = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $sport,
                SSL_ca_file => cert('test-ca.pem'), SSL_hostname => 'localhost', SSL_verifycn_name => 'localhost')
                or die "proxy to server: $SSL_ERROR";
            my ($c, $k) = $mitm->clone_cert($up->peer_certificate);
            if (!IO::Socket::SSL->start_SSL($cl, SSL_server => 1, SSL_cert => $c, SSL_key => $k)) {
                report("fail$round" => "$SSL_ERROR");
                close $up;
                next;
            }
            my $line = <$cl>;
            report("seen$round" => $line);
            print $up $line;
            print $cl scalar <$up>;
            <$cl>;
            close $up;
        }
    });
    close $plain;
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $pport,
        SSL_ca => [$ca], SSL_hostname => 'localhost', SSL_verifycn_name => 'localhost');
    ok($c, 'a client that trusts the proxy CA accepts the clone for localhost') or diag $SSL_ERROR;
    if ($c) {
        print $c "secret\n";
        is(scalar <$c>, "server got: secret\n", 'data flows through the interceptor');
        close $c;
    }
    my $untrusting = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $pport,
        SSL_ca_file => cert('test-ca.pem'), SSL_hostname => 'localhost', SSL_verifycn_name => 'localhost');
    ok(!$untrusting, 'a client that trusts only the real CA refuses the clone');
    like($SSL_ERROR, qr/certificate verify failed/, '... as an unverifiable certificate');
    my ($st, $r) = wait_child($ppid);
    is($r->{seen1}, "secret\n", 'the proxy saw the plain text');
    ok($r->{fail2}, 'the proxy saw the second handshake fail');
    wait_child($spid);
}

CERT_free($orig, $srv, $ca);
KEY_free($rsa, $ec, $ec384, $srvkey, $cakey);
done_testing;
