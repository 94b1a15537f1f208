#!perl
# Client certificates (mutual TLS), TLS 1.2 and TLS 1.3.
use strict;
use warnings;
use lib 't/lib';
use TestLib;
use Test::More;
use IO::Socket::SSL;

watchdog(40);

my @client_cert = (
    SSL_cert_file => cert('client-cert.pem'),
    SSL_key_file  => cert('client-key.pem'),
);

# The server child accepts connections until told to stop and reports per
# connection either ok<n> => client subject or err<n> => $SSL_ERROR.
sub mtls_server {
    my $l = shift;
    for my $n (1 .. 20) {
        my $c = $l->accept;
        if (!$c) {
            report("err$n" => "$SSL_ERROR");
            next;
        }
        my $subject = $c->peer_certificate('subject');
        # an accepted socket's chain: the client's leaf (the client sends no
        # intermediate), as 2.099
        report("ok$n" => defined $subject ? $subject : 'NONE',
            "cn$n" => scalar $c->peer_certificate('cn'),
            "chain$n" => scalar(my @chain = $c->peer_certificates));
        print $c "hello\n";
        my $line = <$c>;
        $c->close;
        last if defined $line && $line eq "stop\n";
    }
}

for my $version (qw(TLSv1_2 TLSv1_3)) {
    my $t = sub { "$version: $_[0]" };

    # ---- client certificate required --------------------------------------
    {
        my $listener = ssl_listener(
            SSL_version     => $version,
            SSL_verify_mode => SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
            SSL_ca_file     => cert('test-ca.pem'),
        );
        my ($pid, $port) = fork_server($listener, \&mtls_server);
        my %base = (PeerHost => 'localhost', PeerPort => $port,
            SSL_ca_file => cert('test-ca.pem'));

        # 1: with client certificate
        my $c = IO::Socket::SSL->new(%base, @client_cert);
        ok($c, $t->('connect with client certificate')) or diag("error: $SSL_ERROR");
        is($c && scalar(<$c>), "hello\n", $t->('data after mTLS handshake'));
        print $c "next\n" if $c;
        $c->close if $c;

        # 2: without client certificate
        $c = IO::Socket::SSL->new(%base);
        if ($version eq 'TLSv1_2') {
            ok(!$c, $t->('connect without client certificate fails in the handshake'));
            like($SSL_ERROR, qr/^SSL connect attempt failed/, $t->('client error: SSL connect attempt failed'));
            like($SSL_ERROR, qr/alert|handshake failure/i, $t->("client error mentions the alert: $SSL_ERROR"));
        } else {
            # With TLS 1.3 the client finishes its side of the handshake before
            # the server checks the client certificate, so new() may succeed and
            # the failure shows on the first read. Either way: no data.
            if (!$c) {
                pass($t->('connect without client certificate fails'));
                like($SSL_ERROR, qr/^SSL connect attempt failed/, $t->('client error: SSL connect attempt failed'));
            } else {
                my $line = <$c>;
                ok(!defined $line, $t->('no data without client certificate (connection fails on first read)'));
                $c->close;
                pass($t->('(handshake failure seen at first read)'));
            }
        }

        # 3: client certificate from an unrelated CA
        $c = IO::Socket::SSL->new(%base,
            SSL_cert_file => cert('other-server-cert.pem'),
            SSL_key_file  => cert('other-server-key.pem'));
        my $line = $c ? <$c> : undef;
        ok(!defined $line, $t->('client certificate from an untrusted CA: no data'));
        $c->close if $c;

        # 4: the listening socket still works
        $c = IO::Socket::SSL->new(%base, @client_cert);
        ok($c, $t->('listener still accepts after failed handshakes')) or diag("error: $SSL_ERROR");
        is($c && scalar(<$c>), "hello\n", $t->('data on next connection'));
        print $c "stop\n" if $c;
        $c->close if $c;

        my ($status, $r) = wait_child($pid);
        is($status, 0, $t->('server ok')) or diag($r->{__died__});
        is($r->{ok1}, '/C=DE/O=IO-Socket-SSL-Test/CN=testclient', $t->('server: client subject'));
        is($r->{cn1}, 'testclient', $t->('server: client cn'));
        is($r->{chain1}, 1, $t->('server: peer_certificates of an accepted socket'));
        like($r->{err2} // '', qr/^SSL accept attempt failed/, $t->('server: accept failed without client cert'));
        like($r->{err2} // '', qr/peer did not return a certificate/,
            $t->('server: error says "peer did not return a certificate"'));
        like($r->{err3} // '', qr/^SSL accept attempt failed/, $t->('server: accept failed with untrusted client cert'));
        like($r->{err3} // '', qr/certificate verify failed|unsupported certificate purpose|unknown ca/i,
            $t->('server: verify error for untrusted client cert'));
        is($r->{ok4}, '/C=DE/O=IO-Socket-SSL-Test/CN=testclient', $t->('server: 4th connection ok'));
    }

    # ---- client certificate requested but optional (VERIFY_PEER only) -------
    {
        my $listener = ssl_listener(
            SSL_version     => $version,
            SSL_verify_mode => SSL_VERIFY_PEER,
            SSL_ca_file     => cert('test-ca.pem'),
        );
        my ($pid, $port) = fork_server($listener, \&mtls_server);
        my %base = (PeerHost => 'localhost', PeerPort => $port,
            SSL_ca_file => cert('test-ca.pem'));
        my $c = IO::Socket::SSL->new(%base);
        ok($c, $t->('optional client cert: connect without')) or diag("error: $SSL_ERROR");
        is($c && scalar(<$c>), "hello\n", $t->('optional client cert: data'));
        print $c "next\n" if $c;
        $c->close if $c;
        $c = IO::Socket::SSL->new(%base, @client_cert);
        ok($c, $t->('optional client cert: connect with')) or diag("error: $SSL_ERROR");
        is($c && scalar(<$c>), "hello\n", $t->('optional client cert: data'));
        print $c "stop\n" if $c;
        $c->close if $c;
        my ($status, $r) = wait_child($pid);
        is($status, 0, $t->('server ok')) or diag($r->{__died__});
        is($r->{ok1}, 'NONE', $t->('server: no peer certificate when none sent'));
        is($r->{ok2}, '/C=DE/O=IO-Socket-SSL-Test/CN=testclient', $t->('server: client subject when sent'));
    }

    # ---- server does not ask: client cert is not sent -------------------------
    {
        my $listener = ssl_listener(SSL_version => $version);
        my ($pid, $port) = fork_server($listener, \&mtls_server);
        my $c = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port,
            SSL_ca_file => cert('test-ca.pem'), @client_cert);
        ok($c, $t->('default server (verify none): connect with client cert')) or diag("error: $SSL_ERROR");
        is($c && scalar(<$c>), "hello\n", $t->('data'));
        print $c "stop\n" if $c;
        $c->close if $c;
        my ($status, $r) = wait_child($pid);
        is($status, 0, $t->('server ok')) or diag($r->{__died__});
        is($r->{ok1}, 'NONE', $t->('server with default SSL_verify_mode does not request a client cert'));
    }
}

done_testing;
