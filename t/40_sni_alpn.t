#!/usr/bin/perl
# Server name indication with a certificate per name (and an ECDSA one next
# to RSA for the same name), ALPN and NPN, between our own ends and against
# openssl s_client.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use TestLib;
use IO::Socket::SSL;

watchdog(60);
my $ca = cert('test-ca.pem');

# A server that accepts $n connections and reports what it saw.
sub server {
    my ($n, %args) = @_;
    return greeting_server($n, sub { (sni => $_[0]->get_servername, alpn => $_[0]->alpn_selected,
        cipher => $_[0]->get_cipher) }, %args);
}

sub client {
    my ($port, %args) = @_;
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
        SSL_ca_file => $ca, %args) or return;
    return $c;
}

# ---- SNI: certificate per host, '' as default ----
{
    my %sni = (SSL_cert_file => {
            'localhost' => cert('server-chain.pem'),
            'www.example.org' => cert('wronghost-cert.pem'),
            '' => cert('server-chain.pem'),
        },
        SSL_key_file => {
            'localhost' => cert('server-key.pem'),
            'www.example.org' => cert('wronghost-key.pem'),
            '' => cert('server-key.pem'),
        });
    my ($pid, $port) = server(3, %sni);
    my $c = client($port, SSL_hostname => 'www.example.org');
    ok($c, 'client with SNI www.example.org verifies its certificate') or diag($SSL_ERROR);
    is($c && $c->peer_certificate('cn'), 'www.example.org', '... and got the www.example.org cert');
    print $c "bye\n" if $c;
    undef $c;
    $c = client($port, SSL_hostname => 'localhost');
    is($c && $c->peer_certificate('cn'), 'localhost', 'SNI localhost: localhost cert');
    print $c "bye\n" if $c;
    undef $c;
    # no SNI at all (IP address): the default ('') certificate
    $c = client($port, SSL_verifycn_name => 'localhost');
    is($c && $c->peer_certificate('cn'), 'localhost', 'no SNI: default cert');
    print $c "bye\n" if $c;
    undef $c;
    my ($st, $r) = wait_child($pid);
    is($r->{sni1}, 'www.example.org', 'server saw SNI www.example.org');
    is($r->{sni2}, 'localhost', 'server saw SNI localhost');
    ok(!$r->{sni3}, 'server saw no SNI');
}

# ---- SNI by openssl s_client -servername ----
SKIP: {
    my $openssl = openssl_bin() or skip 'no openssl', 2;
    my %sni = (SSL_cert_file => { 'www.example.org' => cert('wronghost-cert.pem'),
                                  '' => cert('server-chain.pem') },
               SSL_key_file  => { 'www.example.org' => cert('wronghost-key.pem'),
                                  '' => cert('server-key.pem') });
    my ($pid, $port) = server(1, %sni);
    my $out = `echo bye | $openssl s_client -connect 127.0.0.1:$port -servername www.example.org -CAfile $ca 2>&1`;
    like($out, qr/subject=.*CN\s*=\s*www\.example\.org/, 's_client -servername gets that cert');
    my ($st, $r) = wait_child($pid);
    is($r->{sni1}, 'www.example.org', 'server saw it');
}

# ---- RSA and ECDSA certificates for the same name ----
{
    my %multi = (SSL_cert_file => { '' => cert('server-chain.pem'), '%ecc' => cert('server-ec-cert.pem') },
                 SSL_key_file  => { '' => cert('server-key.pem'),   '%ecc' => cert('server-ec-key.pem') },
                 SSL_version => 'TLSv1_2');
    my ($pid, $port) = server(2, %multi);
    my $c = client($port, SSL_verifycn_name => 'localhost', SSL_cipher_list => 'ECDHE-ECDSA-AES128-GCM-SHA256');
    ok($c, 'client asking for ECDSA connects') or diag($SSL_ERROR);
    like($c && $c->get_cipher, qr/ECDSA/, '... with an ECDSA cipher');
    print $c "bye\n" if $c;
    undef $c;
    $c = client($port, SSL_verifycn_name => 'localhost', SSL_cipher_list => 'ECDHE-RSA-AES128-GCM-SHA256');
    like($c && $c->get_cipher, qr/RSA/, 'client asking for RSA gets RSA');
    print $c "bye\n" if $c;
    undef $c;
    wait_child($pid);
}

# ---- ALPN ----
{
    my ($pid, $port) = server(3, SSL_alpn_protocols => [qw(h2 http/1.1)]);
    my $c = client($port, SSL_verifycn_name => 'localhost', SSL_alpn_protocols => [qw(http/1.1 h2)]);
    is($c && $c->alpn_selected, 'h2', 'ALPN: the server order decides');
    print $c "bye\n" if $c; undef $c;
    $c = client($port, SSL_verifycn_name => 'localhost', SSL_alpn_protocols => ['spdy/3']);
    ok($c, 'ALPN without overlap: handshake still succeeds');
    ok($c && !defined $c->alpn_selected, '... with no protocol');
    print $c "bye\n" if $c; undef $c;
    $c = client($port, SSL_verifycn_name => 'localhost');
    ok($c && !defined $c->alpn_selected, 'client without ALPN: none');
    print $c "bye\n" if $c; undef $c;
    my ($st, $r) = wait_child($pid);
    is($r->{alpn1}, 'h2', 'server side agrees');
}

SKIP: {
    my $openssl = openssl_bin() or skip 'no openssl', 1;
    my ($pid, $port) = server(1, SSL_alpn_protocols => [qw(h2 http/1.1)]);
    my $out = `echo bye | $openssl s_client -connect 127.0.0.1:$port -alpn http/1.1 -CAfile $ca 2>&1`;
    like($out, qr{ALPN protocol: http/1\.1}, 's_client -alpn http/1.1 negotiated');
    wait_child($pid);
}

# ---- NPN (TLS 1.2 only) ----
SKIP: {
    skip 'no NPN in this OpenSSL', 2 if !IO::Socket::SSL->can_npn;
    my ($pid, $port) = server(1, SSL_npn_protocols => [qw(spdy/2 http/1.1)], SSL_version => 'TLSv1_2');
    my $c = client($port, SSL_verifycn_name => 'localhost', SSL_npn_protocols => [qw(http/1.1 spdy/2)]);
    ok($c, 'NPN handshake') or diag($SSL_ERROR);
    is($c && $c->next_proto_negotiated, 'http/1.1', 'NPN: the client chooses');
    print $c "bye\n" if $c; undef $c;
    wait_child($pid);
}

done_testing;
