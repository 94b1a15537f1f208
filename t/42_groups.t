#!/usr/bin/perl
# Key exchange groups (SSL_ecdh_curve): lists on both sides, no common group,
# the server default ('auto'), TLS 1.2 ECDHE with a named curve; the group
# actually used is checked with openssl s_client / s_server.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use TestLib;
use IO::Socket::SSL;

watchdog(90);
my $ca = cert('test-ca.pem');
my $openssl = openssl_bin();

# A server that accepts $n connections and reports what it saw.
sub server {
    my ($n, %args) = @_;
    return greeting_server($n, sub { (ok => 1, cipher => $_[0]->get_cipher, version => $_[0]->get_sslversion) }, %args);
}

# Connect, read the greeting, say bye: the cipher or "failed: ...".
sub talk {
    my ($port, %args) = @_;
    my $c = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port,
        SSL_ca_file => $ca, Timeout => 10, %args) or return "failed: $SSL_ERROR";
    my $line = <$c>;
    return "failed: no greeting" if !defined $line || $line ne "hi\n";
    my $cipher = $c->get_cipher;
    print $c "bye\n";
    $c->close;
    return $cipher;
}

# the key exchange group as openssl s_client reports it ('Server Temp Key')
sub s_client_group {
    my ($port, @opt) = @_;
    my $h = run_bg([$openssl, 's_client', '-connect', "127.0.0.1:$port", '-CAfile', $ca, @opt],
        stdin => "bye\n");
    my ($rc, $out) = wait_bg($h, 10);
    my ($key) = $out =~ /^Server Temp Key: (.*)$/m;
    return $key // "(none)";
}

# ---- lists on both sides with one group in common ----
for my $v (qw(TLSv1_3 TLSv1_2)) {
    my ($pid, $port) = server(3, SSL_ecdh_curve => 'P-384', SSL_version => $v);
    my $r = talk($port, SSL_ecdh_curve => 'P-521:P-384');
    unlike($r, qr/^failed/, "$v: client P-521:P-384 vs server P-384 connects") or diag($r);
    $r = talk($port, SSL_ecdh_curve => 'P-384');
    unlike($r, qr/^failed/, "$v: client P-384 vs server P-384 connects") or diag($r);
    SKIP: {
        skip 'no openssl command', 1 if !$openssl;
        like(s_client_group($port, '-groups', 'P-521:P-384'), qr/\b(?:secp384r1|P-384)\b/,
            "$v: s_client -groups P-521:P-384 vs server P-384: P-384 is used");
    }
    my ($st, $res) = wait_child($pid);
    is($res->{ok1}, 1, "$v: server accepted the P-521:P-384 client");
}

# ---- no group in common: a clean failure on both ends ----
for my $v (qw(TLSv1_3 TLSv1_2)) {
    my ($pid, $port) = server(2, SSL_ecdh_curve => 'P-256', SSL_version => $v,
        # TLS 1.2: only ECDHE ciphers, so no other key exchange can step in
        $v eq 'TLSv1_2' ? (SSL_cipher_list => 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384') : ());
    my $r = talk($port, SSL_ecdh_curve => 'P-521');
    like($r, qr/^failed: SSL connect attempt failed.*handshake failure/i,
        "$v: client P-521 only vs server P-256 only fails with an SSL error");
    $r = talk($port, SSL_ecdh_curve => 'P-256');
    unlike($r, qr/^failed/, "$v: the server still serves a P-256 client afterwards") or diag($r);
    my ($st, $res) = wait_child($pid);
    like($res->{err1} // '', qr/accept attempt failed.*(?:no suitable key share|no shared cipher)/i,
        "$v: server reports the failed handshake") or diag($res->{err1});
    is($res->{ok2}, 1, "$v: server accepted the second client");
}

# ---- the server default ('auto') accepts common clients ----
{
    my @groups = qw(X25519 P-256 P-384 P-521 X448);
    my ($pid, $port) = server(scalar(@groups));
    for my $g (@groups) {
        my $r = talk($port, SSL_ecdh_curve => $g);
        unlike($r, qr/^failed/, "default server, client offering only $g: connects") or diag($r);
    }
    my ($st, $res) = wait_child($pid);
    is(scalar(grep { $res->{"ok$_"} } 1 .. @groups), scalar(@groups), 'server accepted all of them');
}
SKIP: {
    skip 'no openssl command', 2 if !$openssl;
    my ($pid, $port) = server(2);
    like(s_client_group($port, '-groups', 'X25519'), qr/X25519/, 'default server, s_client X25519: X25519');
    like(s_client_group($port, '-groups', 'P-521'), qr/\b(?:secp521r1|P-521)\b/,
        'default server, s_client P-521: P-521');
    wait_child($pid);
}

# ---- TLS 1.2 ECDHE with a named curve ----
{
    my $cipher = 'ECDHE-RSA-AES128-GCM-SHA256';
    my ($pid, $port) = server(3, SSL_version => 'TLSv1_2', SSL_ecdh_curve => 'prime256v1',
        SSL_cipher_list => $cipher);
    is(talk($port, SSL_cipher_list => $cipher), $cipher, 'TLS 1.2, server curve prime256v1: ECDHE cipher');
    is(talk($port, SSL_cipher_list => $cipher, SSL_ecdh_curve => 'prime256v1'), $cipher,
        '... also with the client naming prime256v1');
    SKIP: {
        skip 'no openssl command', 1 if !$openssl;
        like(s_client_group($port, '-tls1_2'), qr/ECDH, (?:prime256v1|P-256)\b/,
            's_client -tls1_2 sees ECDH on prime256v1');
    }
    my ($st, $res) = wait_child($pid);
    is($res->{cipher1}, $cipher, 'server side agrees on the cipher');
}

# ---- our client's groups against openssl s_server ----
SKIP: {
    skip 'no openssl command', 3 if !$openssl;
    for my $case (['secp384r1', 'secp384r1', 1], ['P-256', 'secp384r1', 0]) {
        my ($server_groups, $client_groups, $want) = @$case;
        my $port = free_port();
        my $h = run_bg([$openssl, 's_server', '-accept', "127.0.0.1:$port", '-tls1_2',
            '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256', '-groups', $server_groups,
            '-cert', cert('server-cert.pem'), '-key', cert('server-key.pem'),
            '-cert_chain', cert('intermediate-ca.pem'), '-naccept', '1'], stdin_hold => 1);
        if (!wait_bg_output($h, qr/ACCEPT/, 10)) {
            stop_bg($h);
            skip 's_server did not start', 3;
        }
        my $c = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port,
            SSL_ca_file => $ca, SSL_ecdh_curve => $client_groups, Timeout => 10);
        if ($want) {
            ok($c, "client $client_groups vs s_server -groups $server_groups: connects")
                or diag($SSL_ERROR);
            is($c && $c->get_cipher, 'ECDHE-RSA-AES128-GCM-SHA256', '... with the ECDHE cipher');
        } else {
            ok(!$c, "client $client_groups vs s_server -groups $server_groups: fails");
        }
        $c->close if $c;
        stop_bg($h);
    }
}

# ---- an unknown group name is a context error ----
{
    my $c = IO::Socket::SSL::SSL_Context->new(SSL_ecdh_curve => 'no-such-curve', SSL_server => 1,
        SSL_cert_file => cert('server-chain.pem'), SSL_key_file => cert('server-key.pem'));
    ok(!$c, 'SSL_ecdh_curve with an unknown name: context creation fails');
    like($SSL_ERROR, qr/curve|group/i, '... with an error about the groups') or diag($SSL_ERROR);
}

done_testing;
