#!perl
# Certificate chain verification: our server presents a chain from
# t/certs/chains (made by t/certs/make_chains.sh), our client verifies it with
# the default verify mode against a given trust anchor. Outcomes and error
# texts are the reference's (IO::Socket::SSL 2.081 on OpenSSL 3): the client
# only says "certificate verify failed"; the reason shows in the alert the
# server receives.
use strict;
use warnings;
use lib 't/lib';
use TestLib;
use ChainLib;
use Test::More;
use File::Copy ();
use File::Spec;
use File::Temp ();
use IO::Socket::SSL;

watchdog(90);


my $VERIFY_FAILED =
    'SSL connect attempt failed error:0A000086:SSL routines::certificate verify failed';
my %ALERT = (
    expired     => 'SSL accept attempt failed error:0A000415:SSL routines::sslv3 alert certificate expired',
    bad         => 'SSL accept attempt failed error:0A000412:SSL routines::sslv3 alert bad certificate',
    unknown_ca  => 'SSL accept attempt failed error:0A000418:SSL routines::tlsv1 alert unknown ca',
    revoked     => 'SSL accept attempt failed error:0A000414:SSL routines::sslv3 alert certificate revoked',
    unsupported => 'SSL accept attempt failed error:0A000413:SSL routines::sslv3 alert unsupported certificate',
);

# check(name, chain file, [client args], expected: undef = success, or the
# key of %ALERT the server must get)
sub check {
    my ($name, $chain, $args, $alert) = @_;
    my ($pid, $port) = serve($chain);
    my ($ok, $err, $data, $warn) = client($port, @$args);
    my ($status, $r) = wait_child($pid);
    if (!defined $alert) {
        ok($ok, "$name: connects") or diag("error: " . ($err // ''));
        is($data, "hi\n", "$name: data from the server");
        is($r->{line}, "bye\n", "$name: server got the client's data");
        is($r->{accept_err}, undef, "$name: server accept succeeded");
    } else {
        ok(!$ok, "$name: verification fails");
        is($err, $VERIFY_FAILED, "$name: \$SSL_ERROR");
        is($r->{accept_err}, $ALERT{$alert}, "$name: alert received by the server");
    }
    is($status, 0, "$name: server child ok");
    is("@$warn", '', "$name: no warnings");
}

my @root = (SSL_ca_file => chain('root-ca.pem'));

check('valid chain (leaf + intermediate)', 'leaf-chain.pem', [@root]);
check('expired leaf', 'expired-chain.pem', [@root], 'expired');
check('not yet valid leaf', 'notyet-chain.pem', [@root], 'bad');
check('self-signed leaf', 'selfsigned.pem', [@root], 'unknown_ca');
check('self-signed leaf trusted as its own anchor', 'selfsigned.pem',
    [SSL_ca_file => chain('selfsigned.pem')]);
check('unknown CA', 'leaf-chain.pem', [SSL_ca_file => chain('other-root-ca.pem')],
    'unknown_ca');
check('intermediate missing (server sends only the leaf)', 'leaf.pem', [@root],
    'unknown_ca');
check('client certificate (clientAuth only) presented by a server',
    'clientauth-chain.pem', [@root], 'unsupported');
check('default verify mode is verify peer: SSL_verify_mode 0 accepts the unknown CA',
    'leaf-chain.pem', [SSL_ca_file => chain('other-root-ca.pem'), SSL_verify_mode => 0]);

# ---- partial chains: the intermediate alone as trust anchor -------------------
ok(IO::Socket::SSL::can_partial_chain(), 'can_partial_chain');
check('intermediate alone as trust anchor', 'leaf-chain.pem',
    [SSL_ca_file => chain('int-ca.pem')]);
check('intermediate alone as trust anchor, server sends only the leaf', 'leaf.pem',
    [SSL_ca_file => chain('int-ca.pem')]);
check('intermediate as trust anchor does not make an expired leaf valid',
    'expired-chain.pem', [SSL_ca_file => chain('int-ca.pem')], 'expired');

# ---- CRLs: SSL_check_crl with SSL_crl_file ----------------------------------
my @crl = (SSL_check_crl => 1, SSL_crl_file => chain('int-ca.crl.pem'));
check('revoked leaf, SSL_check_crl + SSL_crl_file', 'revoked-chain.pem', [@root, @crl],
    'revoked');
check('valid leaf, SSL_check_crl + SSL_crl_file', 'leaf-chain.pem', [@root, @crl]);
check('revoked leaf without SSL_check_crl (SSL_crl_file alone is not used)',
    'revoked-chain.pem', [@root, SSL_crl_file => chain('int-ca.crl.pem')]);
check('SSL_check_crl without any CRL for the issuer', 'leaf-chain.pem',
    [@root, SSL_check_crl => 1], 'unknown_ca');
check('SSL_check_crl with the CRL of another CA (the root)', 'revoked-chain.pem',
    [@root, SSL_check_crl => 1, SSL_crl_file => chain('root-ca.crl.pem')], 'unknown_ca');
check('expired leaf, also revoked-checked: expiry reported', 'expired-chain.pem',
    [@root, @crl], 'expired');

# an SSL_crl_file that is no CRL: new() fails before connecting
{
    my $l = tcp_listener();    # never accepts: nothing must get that far
    my $port = listener_port($l);
    my ($ok, $err) = client($port, @root, SSL_check_crl => 1,
        SSL_crl_file => chain('root-ca.pem'));
    ok(!$ok, 'SSL_crl_file with a certificate instead of a CRL: new() fails');
    is($err, 'Invalid certificate revocation list error:0480006C:PEM routines::no start line',
        'invalid CRL file: error text');
    ($ok, $err) = client($port, @root, SSL_check_crl => 1,
        SSL_crl_file => File::Spec->catfile(certdir(), 'chains', 'no-such-file.crl.pem'));
    ok(!$ok, 'missing SSL_crl_file: new() fails');
    like($err, qr/^Invalid certificate revocation list error:80000002:system library::No such file or directory\b/,
        'missing CRL file: error text');
    close $l;
}

# ---- CRLs found in SSL_ca_path ------------------------------------------------
SKIP: {
    my $openssl = openssl_bin();
    skip 'no openssl command line tool (needed for rehash)', 32 if !$openssl;
    my $hashdir = sub {
        my @files = @_;
        my $dir = File::Temp->newdir;
        for (@files) {
            File::Copy::copy(chain($_), File::Spec->catfile("$dir", $_))
                or die "copy $_: $!";
        }
        my $out = `"$openssl" rehash "$dir" 2>&1`;
        if ($?) {    # old openssl: c_rehash
            $out = `c_rehash "$dir" 2>&1`;
        }
        opendir(my $dh, "$dir") or die;
        my @hashed = grep { /^[0-9a-f]{8}\.r?\d+$/ } readdir $dh;
        return ($dir, scalar @hashed);
    };
    my ($dir, $n) = $hashdir->(qw(root-ca.pem int-ca.crl.pem root-ca.crl.pem));
    skip "rehash failed to create hash links", 32 if $n != 3;
    my ($dir_nocrl) = $hashdir->(qw(root-ca.pem));

    check('revoked leaf, CA and CRL from SSL_ca_path', 'revoked-chain.pem',
        [SSL_ca_path => "$dir", SSL_check_crl => 1], 'revoked');
    check('valid leaf, CA and CRL from SSL_ca_path', 'leaf-chain.pem',
        [SSL_ca_path => "$dir", SSL_check_crl => 1]);
    check('revoked leaf, SSL_ca_path without SSL_check_crl', 'revoked-chain.pem',
        [SSL_ca_path => "$dir"]);
    check('SSL_ca_path without CRLs, SSL_check_crl: no CRL', 'leaf-chain.pem',
        [SSL_ca_path => "$dir_nocrl", SSL_check_crl => 1], 'unknown_ca');
    check('SSL_ca_path without CRLs + SSL_crl_file: revoked', 'revoked-chain.pem',
        [SSL_ca_path => "$dir_nocrl", @crl], 'revoked');
    check('intermediate missing, SSL_ca_path', 'leaf.pem',
        [SSL_ca_path => "$dir"], 'unknown_ca');
}

done_testing;
