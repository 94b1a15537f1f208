#!/usr/bin/perl
# Certificate pinning: SSL_fingerprint in every form, and SSL_force_fingerprint.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use TestLib;
use IO::Socket::SSL;

watchdog(60);

sub openssl_fp {
    my ($file, $algo) = @_;
    my $out = `openssl x509 -noout -fingerprint -$algo -in $file`;
    $out =~ /=([0-9A-F:]+)/ or die "no fingerprint from openssl: $out";
    return $1;    # colon-separated upper-case hex
}

# A server that accepts one connection per expected client and reports.
sub server {
    my ($n, %args) = @_;
    my $l = ssl_listener(%args);
    return fork_server($l, sub {
        my $l = shift;
        for (1 .. $n) {
            my $c = $l->accept or next;
            print $c "hi\n";
            $c->close;
        }
    });
}

sub try_client {
    my ($port, %args) = @_;
    my $c = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port,
        SSL_ca_file => cert('test-ca.pem'), %args);
    return $c ? scalar(<$c>) : undef;
}

my $other = cert('other-server-cert.pem');   # signed by a CA the client does not trust
my $sha256 = lc(openssl_fp($other, 'sha256')) =~ s/://gr;
my $sha1_colons = openssl_fp($other, 'sha1');
my $pub = do {
    # X509_pubkey_digest hashes the key bits (for RSA: the RSAPublicKey DER)
    my $der = `openssl x509 -in $other -noout -pubkey | openssl rsa -pubin -RSAPublicKey_out -outform DER 2>/dev/null | openssl dgst -sha256 -r`;
    (split ' ', $der)[0];
};

my @cases = (
    [ 'untrusted, no pin', {}, 0 ],
    [ 'sha256$hex', { SSL_fingerprint => "sha256\$$sha256" }, 1 ],
    [ 'bare sha256 hex', { SSL_fingerprint => $sha256 }, 1 ],
    [ 'bare sha1 with colons', { SSL_fingerprint => $sha1_colons }, 1 ],
    [ 'sha256$pub$hex', { SSL_fingerprint => "sha256\$pub\$$pub" }, 1 ],
    [ 'list, second matches', { SSL_fingerprint => [ 'sha256$' . ('00' x 32), $sha256 ] }, 1 ],
    [ 'wrong pin', { SSL_fingerprint => 'sha256$' . ('ab' x 32) }, 0 ],
);
{
    my ($pid, $port) = server(scalar @cases,
        SSL_cert_file => $other, SSL_key_file => cert('other-server-key.pem'));
    for (@cases) {
        my ($name, $args, $want) = @$_;
        my $got = try_client($port, %$args);
        if ($want) {
            is($got, "hi\n", "$name: accepted");
        } else {
            ok(!defined $got, "$name: refused");
            like("$SSL_ERROR", qr/certificate verify failed/, "$name: error text");
        }
    }
    wait_child($pid);
}

# A CA-valid server: a non-matching pin alone still accepts, with force it does not.
{
    my ($pid, $port) = server(3);
    my $valid = lc(openssl_fp(cert('server-cert.pem'), 'sha256')) =~ s/://gr;
    is(try_client($port, SSL_fingerprint => "sha256\$$sha256"), "hi\n",
        'valid chain, pin of another cert: accepted without force');
    ok(!defined try_client($port, SSL_fingerprint => "sha256\$$sha256", SSL_force_fingerprint => 1),
        'valid chain, pin of another cert, force: refused');
    is(try_client($port, SSL_fingerprint => "sha256\$$valid", SSL_force_fingerprint => 1), "hi\n",
        'valid chain, its own pin, force: accepted');
    wait_child($pid);
}

# Malformed pins fail new() with the reference's messages.
ok(!IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => 1, SSL_fingerprint => 'xyz'),
    'malformed pin refused');
like("$SSL_ERROR", qr/invalid fingerprint 'xyz'/, 'malformed pin: message');
ok(!IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => 1, SSL_fingerprint => 'abcd'),
    'pin of unknown length refused');
like("$SSL_ERROR", qr/cannot detect hash algorithm from fingerprint 'abcd'/, 'unknown length: message');

done_testing;
