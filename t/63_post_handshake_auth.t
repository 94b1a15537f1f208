#!perl
# TLS 1.3 post-handshake client authentication (as the reference: a client
# with a certificate allows it; can_pha true): openssl s_server asks with its
# "c" command and gets the certificate; our own server asks through the
# Net::SSLeay subset's verify_client_post_handshake.
use strict;
use warnings;
use lib 't/lib';
use TestLib;
use Test::More;
use IO::Socket::SSL;

watchdog(60);
ok(IO::Socket::SSL->can_pha, 'can_pha true');

SKIP: {
    my $openssl = openssl_bin() or skip 'no openssl', 4;
    my $h = run_bg([$openssl, 's_server', '-accept', '127.0.0.1:0', '-naccept', 1, '-tls1_3',
        '-CAfile', cert('test-ca.pem'), '-cert', cert('server-cert.pem'), '-key', cert('server-key.pem')],
        stdin_hold => 1);
    wait_bg_output($h, qr/^ACCEPT \S+:(\d+)/m, 10) or skip 's_server did not start', 4;
    my ($port) = bg_output($h) =~ /^ACCEPT \S+:(\d+)/m;
    my $s = IO::Socket::SSL->new(PeerAddr => "127.0.0.1:$port", SSL_verify_mode => 0,
        SSL_cert_file => cert('client-cert.pem'), SSL_key_file => cert('client-key.pem'))
        or die "new: $SSL_ERROR";
    print $s "before\n";
    ok(wait_bg_output($h, qr/before/, 10), 's_server: connected, no certificate asked yet');
    unlike(bg_output($h), qr/CN = testclient/, '... the handshake sent none');
    print { $h->{in} } "c\n";                 # s_server: request the client certificate now
    # The CertificateRequest arrives (maybe behind the session tickets):
    # reads process it and answer it. Non-blocking reads, until s_server
    # shows the certificate it got (or 20 s pass).
    $s->blocking(0);
    my ($reads, $data) = (0, '');
    for (1 .. 200) {
        vec(my $rin = '', fileno($s), 1) = 1;
        if (select(my $r = $rin, undef, undef, 0.1)) {
            my $n = sysread($s, my $buf, 100);
            $reads++;
            $data .= $buf if $n;
        }
        last if bg_output($h) =~ /depth=0 .*CN = testclient/;
    }
    $s->blocking(1);
    ok($reads, 'the CertificateRequest arrived and was read');
    is($data, '', '... no application data with it');
    like(bg_output($h), qr/depth=0 .*CN = testclient/,
        's_server got and verified the client certificate after the handshake');
    ok(wait_bg_output($h, qr/SSL_do_handshake -> 1/, 10), 's_server: its post-handshake request succeeded');
    print { $h->{in} } "from server\n";
    is(scalar <$s>, "from server\n", 'data after it');
    close $s;
    stop_bg($h);
}

{
    # our server: verify mode PEER | POST_HANDSHAKE (0x08): no request in the handshake
    my $l = ssl_listener(SSL_version => 'TLSv1_3', SSL_verify_mode => SSL_VERIFY_PEER | 0x08,
        SSL_ca_file => cert('test-ca.pem'));
    my ($pid, $port) = fork_server($l, sub {
        my $c = shift->accept or die "accept: $SSL_ERROR";
        report(before => $c->peer_certificate ? 'cert' : 'none');
        require IO::Socket::SSL::NetSSLeay;
        report(asked => Net::SSLeay::verify_client_post_handshake($c->_get_ssl_object) ? 1 : 0);
        print $c "asked\n";
        my $l = <$c>;
        report(line => $l, after => $c->peer_certificate('cn', 1) // 'none');
    });
    my $s = IO::Socket::SSL->new(PeerAddr => "127.0.0.1:$port", SSL_ca_file => cert('test-ca.pem'),
        SSL_verifycn_name => 'localhost',
        SSL_cert_file => cert('client-cert.pem'), SSL_key_file => cert('client-key.pem'))
        or die "new: $SSL_ERROR";
    is(scalar <$s>, "asked\n", 'our server asked after the handshake');
    print $s "answer\n";
    my ($st, $r) = wait_child($pid);
    is($st, 0, 'server ok') or diag($r->{__died__});
    is($r->{before}, 'none', 'our server: no client certificate from the handshake');
    is($r->{asked}, 1, 'our server: post-handshake request sent');
    is($r->{line}, "answer\n", 'our server: data after it');
    is($r->{after}, 'testclient', 'our server: the client certificate arrived after the handshake');
}

done_testing;
