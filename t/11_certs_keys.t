#!perl
# Context configuration, certificates and keys: SSL_cert_file/SSL_key_file in
# PEM, DER and PKCS#12; a PEM file holding the key too; encrypted keys and
# SSL_passwd_cb; chains sent from PEM and PKCS#12; SSL_cert/SSL_key/SSL_ca as
# X509 handles; SSL_ca_file and SSL_ca_path (hashed directories, lists);
# "no CA at all"; client certificates, SSL_client_ca(_file),
# SSL_session_id_context, SSL_use_cert; default_ca() detection and setting.
# Fixtures: t/certs/make_certs.sh and t/certs/make_formats.sh.
use strict;
use warnings;
use lib 't/lib';
use TestLib;
use Test::More;
use File::Copy ();
use File::Temp ();
use MIME::Base64 ();
use IO::Socket::SSL;
use IO::Socket::SSL::Utils;

watchdog(150);

my $openssl = openssl_bin();
my $tmp = File::Temp->newdir;

sub slurp { open(my $fh, '<:raw', $_[0]) or die "$_[0]: $!"; local $/; scalar <$fh> }
sub spew  { open(my $fh, '>:raw', $_[0]) or die "$_[0]: $!"; print $fh $_[1]; close $fh }

# root + intermediate in one file: for servers that send no chain
my $root_and_int = "$tmp/root-and-intermediate.pem";
spew($root_and_int, slurp(cert('test-ca.pem')) . slurp(cert('intermediate-ca.pem')));

my @listen = (LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 5, ReuseAddr => 1);

# A server with exactly the given SSL args (no TestLib defaults) and one
# client connection with the given client args.
#   my ($c, $err, $r) = pair([server args], [client args], %opt);
# $r: what the server saw (ok, err, cn = peer cert CN, version, reused...);
# opt n => connections (each client made by $opt{client}->() if given).
sub pair {
    my ($sargs, $cargs, %opt) = @_;
    my ($l, $lerr) = try_new(@listen, @$sargs);
    if (!$l) {
        return (undef, "server: $lerr", { ok => 0, err => 'no server' });
    }
    my $n = $opt{n} || 1;
    my ($pid, $port) = fork_server($l, sub {
        my $l = shift;
        for my $i (1 .. $n) {
            my $s = $l->accept;
            if (!$s) { report(ok => 0, err => "$SSL_ERROR"); next }
            report(ok => 1, version => $s->get_sslversion,
                cn => scalar $s->peer_certificate('cn'),
                reused => $s->get_session_reused ? 1 : 0);
            my $line = <$s>;
            report(line => $line);
            print $s "pong\n" if defined $line;
            $s->close;
        }
    });
    my (@c, $err);
    for my $i (1 .. $n) {
        my ($c, $e) = try_new(PeerHost => '127.0.0.1', PeerPort => $port, Timeout => 10,
            @$cargs);
        $err = $e;
        if ($c) {
            print $c "ping\n";
            my $pong = <$c>;
            $err = "no pong (server rejected us?) " . ($SSL_ERROR // "") if !defined $pong;
            $c = undef if !defined $pong && $opt{need_pong};
        }
        push @c, $c;
    }
    my ($st, $r) = wait_child($pid);
    $r->{status} = $st;
    return ($opt{n} ? \@c : $c[0], $err, $r);
}

my @root = (SSL_ca_file => cert('test-ca.pem'));

# ============================ the fixtures ==================================
{
    my ($b64) = slurp(cert('server-cert.pem')) =~ /-----BEGIN CERTIFICATE-----(.*?)-----END/s;
    is(MIME::Base64::decode_base64($b64), slurp(cert('server-cert.der')),
        'server-cert.der matches server-cert.pem (else rerun t/certs/make_formats.sh)');
}

# ======================= server certificate formats =========================
{
    my @ok = (
        [ 'PEM chain + PEM key', [SSL_cert_file => cert('server-chain.pem'),
            SSL_key_file => cert('server-key.pem')], \@root ],
        [ 'DER cert + DER key (PKCS#8)', [SSL_cert_file => cert('server-cert.der'),
            SSL_key_file => cert('server-key.der')], [SSL_ca_file => $root_and_int] ],
        [ 'DER cert + DER key (PKCS#1)', [SSL_cert_file => cert('server-cert.der'),
            SSL_key_file => cert('server-key-rsa.der')], [SSL_ca_file => $root_and_int] ],
        [ 'DER cert + PEM key', [SSL_cert_file => cert('server-cert.der'),
            SSL_key_file => cert('server-key.pem')], [SSL_ca_file => $root_and_int] ],
        [ 'PEM cert + DER key', [SSL_cert_file => cert('server-chain.pem'),
            SSL_key_file => cert('server-key.der')], \@root ],
        [ 'PKCS#12 with password (chain from the p12, key from the p12)',
            [SSL_cert_file => cert('server.p12'), SSL_passwd_cb => sub { 'p12pass' }], \@root ],
        [ 'PKCS#12 with empty password, no passwd_cb',
            [SSL_cert_file => cert('server-nopass.p12')], \@root ],
        [ 'PKCS#12: the key inside wins over SSL_key_file',
            [SSL_cert_file => cert('server.p12'), SSL_passwd_cb => sub { 'p12pass' },
             SSL_key_file => cert('mismatch-key.pem')], \@root ],
        [ 'PKCS#12 without chain, client trusts the intermediate too',
            [SSL_cert_file => cert('server-leaf.p12'), SSL_passwd_cb => sub { 'p12pass' }],
            [SSL_ca_file => $root_and_int] ],
        [ 'PEM with cert, chain and key, no SSL_key_file',
            [SSL_cert_file => cert('server-combined.pem')], \@root ],
        [ 'encrypted PKCS#8 key, right password',
            [SSL_cert_file => cert('server-chain.pem'), SSL_key_file => cert('server-key-enc.pem'),
             SSL_passwd_cb => sub { 'keypass' }], \@root ],
        [ 'encrypted traditional key, right password',
            [SSL_cert_file => cert('server-chain.pem'), SSL_key_file => cert('server-key-enc-trad.pem'),
             SSL_passwd_cb => sub { 'keypass' }], \@root ],
    );
    for (@ok) {
        my ($name, $sargs, $cargs) = @$_;
        my ($c, $err, $r) = pair($sargs, $cargs);
        ok($c, "$name: verified connection") or diag("error: $err");
        is($c && $c->peer_certificate('cn'), 'localhost', "$name: the server certificate");
        is($r->{line}, "ping\n", "$name: data flows");
    }

    # the chain is really needed: without it a client trusting only the root
    # cannot verify the leaf (signed by the intermediate)
    my @nochain = (
        [ 'PEM leaf only', [SSL_cert_file => cert('server-cert.pem'), SSL_key_file => cert('server-key.pem')] ],
        [ 'DER leaf',      [SSL_cert_file => cert('server-cert.der'), SSL_key_file => cert('server-key.der')] ],
        [ 'PKCS#12 leaf only', [SSL_cert_file => cert('server-leaf.p12'), SSL_passwd_cb => sub { 'p12pass' }] ],
    );
    for (@nochain) {
        my ($name, $sargs) = @$_;
        my ($c, $err, $r) = pair($sargs, \@root);
        ok(!$c, "$name, client trusts only the root: fails");
        like($err, qr/certificate verify failed/, "$name: $err");
    }
}

# ======================== keys and passwords that fail ======================
{
    my @srv = (@listen, SSL_cert_file => cert('server-chain.pem'));
    my $calls = 0;
    my ($obj, $err) = try_new(@srv, SSL_key_file => cert('server-key-enc.pem'),
        SSL_passwd_cb => sub { $calls++; 'wrong' });
    ok(!$obj, 'encrypted key, wrong password: no object');
    like($err, qr/Failed to load key from file/, "wrong password: $err");
    like($err, qr/bad decrypt/, 'wrong password: OpenSSL says bad decrypt');
    ok($calls >= 1, "wrong password: SSL_passwd_cb was called ($calls)");

    ($obj, $err) = try_new(@srv, SSL_key_file => cert('server-key-enc-trad.pem'),
        SSL_passwd_cb => sub { 'wrong' });
    ok(!$obj, 'encrypted traditional key, wrong password: no object');
    like($err, qr/Failed to load key|bad decrypt/, "wrong password (traditional): $err");

    ($obj, $err) = try_new(@srv, SSL_key_file => cert('server-key-enc.pem'),
        SSL_passwd_cb => sub { '' });
    ok(!$obj, 'encrypted key, empty password: no object');
    like($err, qr/Failed to load key from file/, "empty password: $err");

    ($obj, $err) = try_new(@srv, SSL_key_file => cert('server-key-enc.pem'),
        SSL_passwd_cb => sub { die "passwd_cb died on purpose\n" });
    ok(!$obj, 'SSL_passwd_cb dies: no object');
    like($err, qr/passwd_cb died on purpose/, "SSL_passwd_cb dies: message kept: $err");

    my $p12calls = 0;
    ($obj, $err) = try_new(@listen, SSL_cert_file => cert('server.p12'),
        SSL_passwd_cb => sub { $p12calls++; 'wrong' });
    ok(!$obj, 'PKCS#12, wrong password: no object');
    like($err, qr/Failed to load certificate from file .*server\.p12.*mac verify failure/,
        "PKCS#12 wrong password: $err");

    ($obj, $err) = try_new(@listen, SSL_cert_file => cert('server.p12'));
    ok(!$obj, 'PKCS#12 with password, no SSL_passwd_cb: no object');
    like($err, qr/Failed to load certificate from file .*server\.p12/, "PKCS#12 no password: $err");

    ($obj, $err) = try_new(@srv);
    ok(!$obj, 'PEM chain without any key: no object');
    like($err, qr/Failed to load key from file/, "no key: $err");

    ($obj, $err) = try_new(@srv, SSL_key_file => cert('mismatch-key.pem'));
    ok(!$obj, 'key not matching the certificate: no object');
    like($err, qr/key values mismatch/, "mismatching key: $err");
}

# ===================== SSL_cert / SSL_key / SSL_ca as handles ===============
{
    my $leaf = PEM_file2cert(cert('server-cert.pem'));
    my $int  = PEM_file2cert(cert('intermediate-ca.pem'));
    ok($leaf && $leaf =~ /^\d+$/ && $leaf > 0, "PEM_file2cert gives an integer handle ($leaf)");
    my ($c, $err, $r) = pair([@listen, SSL_cert => [$leaf, $int],
        SSL_key_file => cert('server-key.pem')], \@root);
    ok($c, 'SSL_cert => [leaf, intermediate] + SSL_key_file: verified connection (chain sent)')
        or diag("error: $err");

    my $leaf2 = PEM_file2cert(cert('server-cert.pem'));
    ($c, $err, $r) = pair([@listen, SSL_cert => $leaf2, SSL_key_file => cert('server-key.pem')],
        [SSL_ca_file => $root_and_int]);
    ok($c, 'SSL_cert => single handle: verified connection') or diag("error: $err");

    SKIP: {
        skip 'IO::Socket::SSL::Utils has no PEM_file2key yet', 2
            if !IO::Socket::SSL::Utils->can('PEM_file2key');
        my $leaf3 = PEM_file2cert(cert('server-cert.pem'));
        my $int3  = PEM_file2cert(cert('intermediate-ca.pem'));
        my $key = IO::Socket::SSL::Utils::PEM_file2key(cert('server-key.pem'));
        ok($key, 'PEM_file2key gives a key handle');
        ($c, $err, $r) = pair([@listen, SSL_cert => [$leaf3, $int3], SSL_key => $key], \@root);
        ok($c, 'SSL_cert + SSL_key handles: verified connection') or diag("error: $err");
        CERT_free($leaf3, $int3);
        IO::Socket::SSL::Utils::KEY_free($key);
    }

    my $root = PEM_file2cert(cert('test-ca.pem'));
    ($c, $err, $r) = pair([@listen, SSL_cert_file => cert('server-chain.pem'),
        SSL_key_file => cert('server-key.pem')], [SSL_ca => [$root]]);
    ok($c, 'client SSL_ca => [root handle]: verified connection') or diag("error: $err");

    my $other = PEM_file2cert(cert('other-ca.pem'));
    ($c, $err, $r) = pair([@listen, SSL_cert_file => cert('server-chain.pem'),
        SSL_key_file => cert('server-key.pem')], [SSL_ca => [$other]]);
    ok(!$c, 'client SSL_ca => [unrelated CA handle]: fails');
    like($err, qr/certificate verify failed/, "unrelated SSL_ca: $err");

    my $root2 = PEM_file2cert(cert('test-ca.pem'));
    ($c, $err, $r) = pair([@listen, SSL_cert_file => cert('server-chain.pem'),
        SSL_key_file => cert('server-key.pem')], [SSL_ca => [$other, $root2]]);
    ok($c, 'client SSL_ca => [other, root]: verified connection') or diag("error: $err");
    # the handles are ours to free, the contexts hold their own references
    CERT_free($leaf, $int, $leaf2, $root, $other, $root2);
}

# ======================= Utils: PEM strings and files ========================
{
    my $dir = File::Temp->newdir;
    my $cert = PEM_file2cert(cert('server-cert.pem'));
    my $pem = PEM_cert2string($cert);
    like($pem, qr/^-----BEGIN CERTIFICATE-----\n/, 'PEM_cert2string');
    PEM_cert2file($cert, "$dir/c.pem");
    my $back = PEM_file2cert("$dir/c.pem");
    is(PEM_cert2string($back), $pem, 'PEM_cert2file + PEM_file2cert round trip');
    my $from_string = PEM_string2cert($pem);
    is(PEM_cert2string($from_string), $pem, 'PEM_string2cert round trip');
    my $key = PEM_file2key(cert('server-key.pem'));
    my $kpem = PEM_key2string($key);
    like($kpem, qr/^-----BEGIN PRIVATE KEY-----\n/, 'PEM_key2string');
    PEM_key2file($key, "$dir/k.pem");
    my $kback = PEM_file2key("$dir/k.pem");
    is(PEM_key2string($kback), $kpem, 'PEM_key2file + PEM_file2key round trip');
    my $kstr = PEM_string2key($kpem);
    is(PEM_key2string($kstr), $kpem, 'PEM_string2key round trip');
    ok(!eval { PEM_cert2file($cert, "$dir/no/such/dir/c.pem"); 1 }, 'PEM_cert2file to a bad path dies');
    like($@, qr/^cannot write \Q$dir\E\/no\/such\/dir\/c\.pem: /, "... clearly, as the reference: $@");
    ok(!eval { PEM_key2file($key, "$dir/no/such/dir/k.pem"); 1 }, 'PEM_key2file to a bad path dies');
    ok(!eval { PEM_string2cert("garbage"); 1 }, 'PEM_string2cert on garbage dies');
    like($@, qr/^cannot parse string as PEM X509 cert: /, "... clearly, as the reference: $@");
    CERT_free($cert, $back, $from_string);
    KEY_free($key, $kback, $kstr);
}

# ======================== SSL_ca_file and SSL_ca_path =======================
my @server = (@listen, SSL_cert_file => cert('server-chain.pem'), SSL_key_file => cert('server-key.pem'));
my ($hashdir, $otherdir);
SKIP: {
    {
        my ($c, $err) = pair(\@server, [SSL_ca_file => cert('ca-bundle.pem')]);
        ok($c, 'SSL_ca_file with two CAs: verified') or diag("error: $err");
        ($c, $err) = pair(\@server, [SSL_ca_file => cert('other-ca.pem')]);
        ok(!$c, 'SSL_ca_file with an unrelated CA: fails');
        like($err, qr/certificate verify failed/, "unrelated SSL_ca_file: $err");
    }

    skip 'openssl command line tool not found (needed for openssl rehash)', 12 if !$openssl;
    $hashdir = "$tmp/hashdir";
    $otherdir = "$tmp/otherdir";
    mkdir $_ for $hashdir, $otherdir;
    File::Copy::copy(cert('test-ca.pem'), "$hashdir/test-ca.pem") or die $!;
    File::Copy::copy(cert('other-ca.pem'), "$otherdir/other-ca.pem") or die $!;
    my $out = `$openssl rehash $hashdir $otherdir 2>&1`;
    my @links = grep { /^[0-9a-f]{8}\.0$/ } do { opendir(my $d, $hashdir); readdir $d };
    ok(@links == 1, "openssl rehash made a hash link (@links)") or diag($out);

    my ($c, $err) = pair(\@server, [SSL_ca_path => $hashdir]);
    ok($c, 'SSL_ca_path: verified connection') or diag("error: $err");
    ($c, $err) = pair(\@server, [SSL_ca_path => $otherdir]);
    ok(!$c, 'SSL_ca_path with an unrelated CA: fails');
    like($err, qr/certificate verify failed/, "unrelated SSL_ca_path: $err");
    ($c, $err) = pair(\@server, [SSL_ca_path => ["$tmp/does-not-exist", $hashdir]]);
    ok($c, 'SSL_ca_path as array ref, first missing: verified') or diag("error: $err");
    ($c, $err) = pair(\@server, [SSL_ca_path => [$otherdir, $hashdir]]);
    ok($c, 'SSL_ca_path as array ref [other, good]: verified') or diag("error: $err");
    ($c, $err) = pair(\@server, [SSL_ca_path => "$tmp/does-not-exist:$hashdir"]);
    ok($c, "SSL_ca_path 'missing:dir' string: verified") or diag("error: $err");
    ($c, $err) = pair(\@server, [SSL_ca_path => "$otherdir:$hashdir"]);
    ok($c, "SSL_ca_path 'other:good' string: verified") or diag("error: $err");
    ($c, $err) = pair(\@server, [SSL_ca_path => $otherdir, SSL_ca_file => cert('test-ca.pem')]);
    ok($c, 'SSL_ca_path (unrelated) + SSL_ca_file (root): verified') or diag("error: $err");

    my ($obj, $e) = try_new(PeerHost => '127.0.0.1', PeerPort => 1,
        SSL_ca_path => "$tmp/does-not-exist:$tmp/neither");
    ok(!$obj, 'SSL_ca_path with no existing directory: no object');
    like($e, qr/SSL_ca_path \Q$tmp\E\/does-not-exist does not exist/, "no existing SSL_ca_path: $e");
    ($obj, $e) = try_new(PeerHost => '127.0.0.1', PeerPort => 1, SSL_ca_path => "$tmp/nope");
    ok(!$obj, 'missing SSL_ca_path: no object');
}

# ================ no trust at all: \undef and [] (default CA set) ===========
{
    IO::Socket::SSL::default_ca(SSL_ca_file => cert('test-ca.pem'));
    my %d = IO::Socket::SSL::default_ca();
    is_deeply(\%d, { SSL_ca_file => cert('test-ca.pem') }, 'default_ca(SSL_ca_file => ...) set');

    my ($c, $err) = pair(\@server, []);
    ok($c, 'no CA arguments: the default CA is used') or diag("error: $err");

    for ([ 'SSL_ca => []', [SSL_ca => []] ],
         [ 'SSL_ca_file => \undef', [SSL_ca_file => \undef] ],
         [ 'SSL_ca_path => \undef', [SSL_ca_path => \undef] ],
         [ 'SSL_ca_file and SSL_ca_path => \undef', [SSL_ca_file => \undef, SSL_ca_path => \undef] ]) {
        my ($name, $args) = @$_;
        ($c, $err) = pair(\@server, $args);
        ok(!$c, "$name: no trust, verification fails");
        like($err, qr/certificate verify failed/, "$name: $err");
    }
    # and verification off still works without any CA
    ($c, $err) = pair(\@server, [SSL_ca => [], SSL_verify_mode => SSL_VERIFY_NONE]);
    ok($c, 'SSL_ca => [] with SSL_VERIFY_NONE: connects') or diag("error: $err");

    IO::Socket::SSL::default_ca(cert('other-ca.pem'));
    %d = IO::Socket::SSL::default_ca();
    is_deeply(\%d, { SSL_ca_file => cert('other-ca.pem') }, 'default_ca($file) set');
    ($c, $err) = pair(\@server, []);
    ok(!$c, 'changed default CA (unrelated) is used: fails');
    if ($hashdir) {
        IO::Socket::SSL::default_ca($hashdir);
        %d = IO::Socket::SSL::default_ca();
        is_deeply(\%d, { SSL_ca_path => $hashdir }, 'default_ca($dir) set');
        ($c, $err) = pair(\@server, []);
        ok($c, 'default_ca($dir) is used') or diag("error: $err");
    }
    IO::Socket::SSL::default_ca(undef);
}

# ====================== default_ca() detection (child perl) =================
SKIP: {
    skip 'needs the hash directory (openssl)', 6 if !$hashdir;
    my $code = <<'PERL';
use IO::Socket::SSL;
my %d = IO::Socket::SSL::default_ca();
print "detected $_=$d{$_}\n" for sort keys %d;
IO::Socket::SSL::default_ca(SSL_ca_file => '/custom/file.pem', SSL_ca_path => '/custom/dir');
%d = IO::Socket::SSL::default_ca();
print "custom $_=$d{$_}\n" for sort keys %d;
IO::Socket::SSL::default_ca(undef);
%d = IO::Socket::SSL::default_ca();
print "forgot $_=$d{$_}\n" for sort keys %d;
if (my $port = shift) {
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port);
    print $c ? "connect ok\n" : "connect failed: $SSL_ERROR\n";
    if ($c) { print $c "ping\n"; <$c> }
}
PERL
    my $run = sub {
        my ($env, $port) = @_;
        local %ENV = (%ENV, %$env);
        delete $ENV{$_} for grep { !defined $ENV{$_} } keys %ENV;
        my $pid = open(my $fh, '-|') // die "fork: $!";
        if (!$pid) {
            open(STDERR, '>&', \*STDOUT);
            exec($^X, perl_inc_args(), '-e', $code, $port || ()) or POSIX::_exit(127);
        }
        local $/;
        my $out = <$fh>;
        close $fh;
        return $out;
    };

    my $out = $run->({ SSL_CERT_FILE => cert('test-ca.pem'), SSL_CERT_DIR => "$tmp/nope" });
    like($out, qr/^detected SSL_ca_file=\Q${\ cert('test-ca.pem')}\E$/m,
        'SSL_CERT_FILE is detected as SSL_ca_file') or diag($out);
    unlike($out, qr/^detected SSL_ca_path/m, 'missing SSL_CERT_DIR: no SSL_ca_path');
    like($out, qr/^custom SSL_ca_file=\/custom\/file\.pem\ncustom SSL_ca_path=\/custom\/dir$/m,
        'default_ca(%custom) replaces the detected values');
    like($out, qr/^forgot SSL_ca_file=\Q${\ cert('test-ca.pem')}\E$/m,
        'default_ca(undef): detected again') or diag($out);

    $out = $run->({ SSL_CERT_FILE => "$tmp/nope.pem", SSL_CERT_DIR => $hashdir });
    like($out, qr/^detected SSL_ca_path=\Q$hashdir\E$/m, 'SSL_CERT_DIR is detected as SSL_ca_path')
        or diag($out);

    # a client with no CA arguments in a child that trusts our root through
    # the environment verifies our server
    my $l = ssl_listener();
    my ($pid, $port) = fork_server($l, sub {
        my $s = shift->accept;
        report(ok => $s ? 1 : 0);
        if ($s) { my $x = <$s>; print $s "pong\n"; $s->close }
    });
    $out = $run->({ SSL_CERT_FILE => cert('test-ca.pem'), SSL_CERT_DIR => "$tmp/nope" }, $port);
    wait_child($pid);
    like($out, qr/^connect ok$/m, 'client with SSL_CERT_FILE in the environment verifies')
        or diag($out);
}

# ============================ client certificates ===========================
{
    my @verify = (@server, SSL_verify_mode => SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
        SSL_ca_file => cert('test-ca.pem'));
    my @client = (@root, SSL_cert_file => cert('client-cert.pem'), SSL_key_file => cert('client-key.pem'));
    for my $v ('TLSv1_2', 'TLSv1_3') {
        my ($c, $err, $r) = pair([@verify, SSL_version => $v], \@client, need_pong => 1);
        ok($c, "$v: client certificate accepted") or diag("error: $err");
        is($r->{cn}, 'testclient', "$v: server sees the client certificate");

        ($c, $err, $r) = pair([@verify, SSL_version => $v], \@root, need_pong => 1);
        ok(!$c, "$v: no client certificate: rejected");
        is($r->{ok}, 0, "$v: no client certificate: server accept fails");
        like($r->{err} // '', qr/peer did not return a certificate|certificate required/i,
            "$v: server error: " . ($r->{err} // 'undef'));

        # SSL_use_cert only defaults to true when a certificate is given;
        # the reference loads a given certificate whatever its value
        ($c, $err, $r) = pair([@verify, SSL_version => $v], [@client, SSL_use_cert => 1], need_pong => 1);
        ok($c, "$v: SSL_use_cert => 1: accepted") or diag("error: $err");
        ($c, $err, $r) = pair([@verify, SSL_version => $v], [@client, SSL_use_cert => 0], need_pong => 1);
        ok($c, "$v: SSL_use_cert => 0 with a certificate given: it is still used (as the reference)")
            or diag("error: $err");
        is($r->{cn}, 'testclient', "$v: SSL_use_cert => 0: server sees the client certificate");

        # a client certificate from an unrelated CA
        ($c, $err, $r) = pair([@verify, SSL_version => $v],
            [@root, SSL_cert_file => cert('other-server-cert.pem'),
             SSL_key_file => cert('other-server-key.pem')], need_pong => 1);
        ok(!$c, "$v: client certificate from an unknown CA: rejected");
        like($r->{err} // '', qr/certificate verify failed|unknown ca|unable to get/i,
            "$v: server error: " . ($r->{err} // 'undef'));
    }

    # a server given SSL_use_cert => 0 still uses its certificate
    my ($c0, $err0) = pair([@server, SSL_use_cert => 0], \@root);
    ok($c0, 'server with SSL_use_cert => 0: still uses the given certificate') or diag("error: $err0");

    # with SSL_VERIFY_PEER only, a client without certificate is allowed
    my ($c, $err, $r) = pair([@server, SSL_verify_mode => SSL_VERIFY_PEER,
        SSL_ca_file => cert('test-ca.pem')], \@root);
    ok($c, 'SSL_VERIFY_PEER without FAIL_IF_NO_PEER_CERT: anonymous client allowed')
        or diag("error: $err");
    ok(!defined $r->{cn}, 'server sees no client certificate');

    # SSL_session_id_context: resumption with a verified client certificate
    my $cache = IO::Socket::SSL::Session_Cache->new(4);
    my ($cs, $err2, $r2) = pair([@verify, SSL_version => 'TLSv1_2', SSL_session_id_context => 'ctx-11'],
        [@client, SSL_session_cache => $cache], n => 2);
    ok($cs->[0] && $cs->[1], 'SSL_session_id_context: two connections') or diag("error: $err2");
    is_deeply($r2->{'reused[]'}, [0, 1], 'SSL_session_id_context: the second one resumed');
    is_deeply($r2->{'cn[]'}, ['testclient', 'testclient'],
        'SSL_session_id_context: client certificate known on both');
}

# ============= CA names sent to clients: SSL_client_ca(_file) ===============
SKIP: {
    skip 'openssl command line tool not found', 6 if !$openssl;
    my $ca_names = sub {
        my @sargs = @_;
        my ($l, $e) = try_new(@server, SSL_verify_mode => SSL_VERIFY_PEER,
            SSL_ca_file => cert('test-ca.pem'), @sargs);
        return "server failed: $e" if !$l;
        my ($pid, $port) = fork_server($l, sub {
            my $s = shift->accept;
            $s->close if $s;
        });
        my $h = run_bg([$openssl, 's_client', '-connect', "127.0.0.1:$port", '-tls1_2',
            '-CAfile', cert('test-ca.pem')], stdin => '');
        my (undef, $out) = wait_bg($h, 15);
        wait_child($pid);
        return $out;
    };
    my $out = $ca_names->(SSL_client_ca_file => cert('ca-bundle.pem'));
    like($out, qr/Acceptable client certificate CA names\n(?:.*\n)*?.*CN\s*=\s*IO::Socket::SSL Test CA/,
        'SSL_client_ca_file: the test CA is announced') or diag($out);
    like($out, qr/Acceptable client certificate CA names\n(?:.*\n)*?.*CN\s*=\s*Other Test CA/,
        'SSL_client_ca_file: the other CA is announced');

    $out = $ca_names->(SSL_client_ca_file => cert('other-ca.pem'));
    like($out, qr/Acceptable client certificate CA names\n.*CN\s*=\s*Other Test CA\n(?!.*CN)/,
        'SSL_client_ca_file with one CA: only that one') or diag($out);

    my $other_ca = PEM_file2cert(cert('other-ca.pem'));
    $out = $ca_names->(SSL_client_ca => [$other_ca]);
    CERT_free($other_ca);
    like($out, qr/Acceptable client certificate CA names\n.*CN\s*=\s*Other Test CA/,
        'SSL_client_ca handles: announced') or diag($out);

    $out = $ca_names->();
    like($out, qr/No client certificate CA names sent/, 'no SSL_client_ca*: no CA names')
        or diag($out);

    # only with SSL_VERIFY_PEER the list is used
    $out = $ca_names->(SSL_client_ca_file => cert('ca-bundle.pem'), SSL_verify_mode => SSL_VERIFY_NONE);
    unlike($out, qr/Acceptable client certificate CA names/,
        'SSL_VERIFY_NONE: no certificate request at all');
}

done_testing;
