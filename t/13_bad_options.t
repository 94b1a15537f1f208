#!perl
# Wrong context options: each gives a clear error from new() (a die or a
# false return with $SSL_ERROR set; the reference does either, depending on
# the option), never a crash, no warning noise, and repeating all of them
# leaks no file descriptor. Broken fixture files: t/certs/make_formats.sh.
use strict;
use warnings;
use lib 't/lib';
use TestLib;
use Test::More;
use File::Temp ();
use IO::Socket::SSL;

watchdog(120);

my $N = 20;
my $tmp = File::Temp->newdir;
my $missing = "$tmp/no-such-file.pem";

# try_new with its warnings caught: (object, error text, [warnings])
sub try_new_quiet {
    my @warn;
    local $SIG{__WARN__} = sub { push @warn, "@_" };
    return (try_new(@_), \@warn);
}

my @listen = (LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 5);
my @server = (@listen, SSL_cert_file => cert('server-chain.pem'), SSL_key_file => cert('server-key.pem'));
# a client never gets to connect: its context fails first (port 1 is closed)
my @client = (PeerHost => '127.0.0.1', PeerPort => 1, Timeout => 5);

my $load_cert = qr/Failed to load certificate from file/;
my @cases = (
    # [ name, [args], qr/error/ ]
    [ 'unknown SSL_version',      [@server, SSL_version => 'TLSv9'], qr/invalid SSL_version specified/ ],
    [ 'SSL_version SSLv3',        [@server, SSL_version => 'SSLv3'], qr/SSL Version SSLv3 not supported/ ],
    [ 'two SSL_versions',         [@client, SSL_version => 'TLSv1_2:TLSv1_3'],
        qr/cannot set multiple SSL protocols in SSL_version/ ],
    [ 'missing SSL_cert_file',    [@server, SSL_cert_file => $missing],
        qr/SSL_cert_file \Q$missing\E can't be used: No such file or directory/ ],
    [ 'missing SSL_key_file',     [@server, SSL_key_file => $missing],
        qr/SSL_key_file \Q$missing\E can't be used: No such file or directory/ ],
    [ 'missing SSL_ca_file',      [@client, SSL_ca_file => $missing],
        qr/SSL_ca_file \Q$missing\E can't be used: No such file or directory/ ],
    [ 'nonexistent SSL_ca_path',  [@client, SSL_ca_path => "$tmp/no-such-dir"],
        qr/SSL_ca_path \Q$tmp\E\/no-such-dir does not exist/ ],
    [ 'directory as SSL_cert_file', [@server, SSL_cert_file => $tmp], $load_cert ],
    [ 'garbage PEM cert',         [@server, SSL_cert_file => cert('bad-garbage.pem')],
        qr/$load_cert.*\[format:PEM\].*no start line/ ],
    [ 'truncated PEM cert',       [@server, SSL_cert_file => cert('bad-truncated-cert.pem')],
        qr/$load_cert.*\[format:PEM\]/ ],
    [ 'bad base64 in PEM cert',   [@server, SSL_cert_file => cert('bad-base64-cert.pem')],
        qr/$load_cert.*bad base64 decode/ ],
    [ 'empty cert file',          [@server, SSL_cert_file => cert('empty.pem')], $load_cert ],
    [ 'garbage DER cert',         [@server, SSL_cert_file => cert('bad-garbage.der')],
        qr/$load_cert.*\[format:DER\]/ ],
    [ 'truncated DER cert',       [@server, SSL_cert_file => cert('bad-truncated-cert.der')],
        qr/$load_cert.*\[format:DER\].*not enough data/ ],
    [ 'truncated PKCS#12',        [@listen, SSL_cert_file => cert('bad-truncated.p12'),
        SSL_passwd_cb => sub { 'p12pass' }], qr/$load_cert.*\[format:PKCS12\]/ ],
    [ 'PKCS#12, wrong password',  [@listen, SSL_cert_file => cert('server.p12'),
        SSL_passwd_cb => sub { 'wrong' }], qr/$load_cert.*mac verify failure/ ],
    [ 'truncated PEM key',        [@server, SSL_key_file => cert('bad-truncated-key.pem')],
        qr/Failed to load key from file/ ],
    [ 'garbage key file',         [@server, SSL_key_file => cert('bad-garbage.pem')],
        qr/Failed to load key from file/ ],
    [ 'encrypted key, wrong password', [@server, SSL_key_file => cert('server-key-enc.pem'),
        SSL_passwd_cb => sub { 'wrong' }], qr/Failed to load key from file.*bad decrypt/ ],
    [ 'encrypted key, no password', [@server, SSL_key_file => cert('server-key-enc.pem'),
        SSL_passwd_cb => sub { undef }], qr/Failed to load key from file/ ],
    [ 'SSL_passwd_cb dies',       [@server, SSL_key_file => cert('server-key-enc.pem'),
        SSL_passwd_cb => sub { die "no password for you\n" }], qr/no password for you/ ],
    [ 'key not matching the cert', [@server, SSL_key_file => cert('mismatch-key.pem')],
        qr/key values mismatch/ ],
    [ "SSL_cert => 'abc'",        [@listen, SSL_cert => 'abc', SSL_key_file => cert('server-key.pem')],
        qr/Failed to use Certificate|X509/ ],
    [ "SSL_key => 'abc'",         [@listen, SSL_cert_file => cert('server-chain.pem'), SSL_key => 'abc'],
        qr/Failed to use Private Key|EVP_PKEY|key/ ],
    [ "SSL_ca => ['abc']",        [@client, SSL_ca => ['abc']], qr/CA store|X509/ ],
    [ "SSL_verify_mode 'SSL_VERIFY_PEER'", [@client, SSL_verify_mode => 'SSL_VERIFY_PEER'],
        qr/SSL_verify_mode must be a number and not a string/ ],
    [ 'garbage SSL_ca_file',      [@client, SSL_ca_file => cert('bad-garbage.pem')],
        qr/Invalid certificate authority locations/ ],
    [ "SSL_cipher_list 'NOPE'",   [@server, SSL_cipher_list => 'NOPE'],
        qr/Failed to set SSL cipher list.*no cipher match/ ],
    [ "SSL_cipher_list 'NOPE' (client)", [@client, SSL_cipher_list => 'NOPE'],
        qr/Failed to set SSL cipher list/ ],
    [ "SSL_ciphersuites 'NOPE'",  [@server, SSL_ciphersuites => 'NOPE'],
        qr/Failed to set SSL cipher list/ ],
    [ "SSL_ecdh_curve 'nope'",    [@server, SSL_ecdh_curve => 'nope'],
        qr/failed to set ECDH groups\/curves on context/ ],
    [ "SSL_ecdh_curve 'P-256:bogus' (client)", [@client, SSL_ecdh_curve => 'P-256:bogus'],
        qr/failed to set ECDH groups\/curves on context/ ],
    [ 'garbage SSL_dh_file',      [@server, SSL_dh_file => cert('bad-garbage.pem')],
        qr/Failed to read PEM for DH from \S*bad-garbage\.pem/ ],
    [ 'missing SSL_dh_file',      [@server, SSL_dh_file => $missing],
        qr/Failed to open DH file \Q$missing\E/ ],
    [ 'garbage SSL_client_ca_file', [@server, SSL_verify_mode => SSL_VERIFY_PEER,
        SSL_ca_file => cert('test-ca.pem'), SSL_client_ca_file => cert('bad-garbage.pem')],
        qr/Failed to load certificate to client CA list/ ],
    [ 'garbage SSL_crl_file',     [@server, SSL_check_crl => 1, SSL_crl_file => cert('bad-garbage.pem')],
        qr/Invalid certificate revocation list/ ],
    [ "SSL_fingerprint 'xyz'",    [@client, SSL_fingerprint => 'xyz'], qr/invalid fingerprint 'xyz'/ ],
    [ "SSL_fingerprint 'abcd'",   [@client, SSL_fingerprint => 'abcd'],
        qr/cannot detect hash algorithm from fingerprint 'abcd'/ ],
);

# ----- each case once: a clear error, no object, no warning -----------------
for (@cases) {
    my ($name, $args, $re) = @$_;
    my ($obj, $err, $warn) = try_new_quiet(@$args);
    ok(!$obj, "$name: no object");
    like($err, $re, "$name: error") or diag("got: $err");
    is_deeply($warn, [], "$name: no warnings") or diag(explain($warn));
}

# an unreadable file (only meaningful when not root)
SKIP: {
    skip 'running as root: every file is readable', 2 if $> == 0;
    my $f = "$tmp/unreadable.pem";
    open(my $fh, '>', $f) or die $!;
    print $fh "x\n";
    close $fh;
    chmod 0, $f;
    my ($obj, $err) = try_new_quiet(@server, SSL_cert_file => $f);
    ok(!$obj, 'unreadable SSL_cert_file: no object');
    like($err, qr/SSL_cert_file \Q$f\E can't be used: Permission denied/, "unreadable: $err");
}

# ----- a working configuration still works after all of that -----------------
{
    my ($obj, $err) = try_new_quiet(@server);
    ok($obj, 'a good server configuration works after the failures') or diag($err);
    $obj->close if $obj;
}

# ----- no fd leak over $N rounds of every case -------------------------------
{
    my $round = sub { my @r = try_new_quiet(@{ $_->[1] }) for @cases; return };
    $round->();    # warm-up: lazily opened things do not count
    my $before = count_fds();
    $round->() for 1 .. $N;
    my $after = count_fds();
    is($after, $before, "no fd leaked over $N rounds of " . scalar(@cases) . " bad configurations")
        or do {
            diag("fds before: $before, after: $after: " . join(' ', fd_list()));
            # which ones leak
            for my $c (@cases) {
                my $b = count_fds();
                my @r = try_new_quiet(@{ $c->[1] }) for 1 .. 3;
                my $d = count_fds() - $b;
                diag("leaks $d fds in 3 attempts: $c->[0]") if $d;
            }
        };
}

done_testing;
