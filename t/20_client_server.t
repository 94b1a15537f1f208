#!perl
# Basic client/server over loopback, TLS 1.2 and TLS 1.3: connection info
# methods, certificate inspection, the different ways to call new() and
# accept() in list context.
use strict;
use warnings;
use lib 't/lib';
use TestLib;
use Test::More;
use IO::Socket::SSL;

watchdog(30);

# fingerprint of the server certificate as computed by the openssl CLI
my $expected_fp;
SKIP: {
    my $openssl = openssl_bin();
    skip 'no openssl command line tool', 1 if !$openssl;
    my $out = `$openssl x509 -in @{[cert('server-cert.pem')]} -noout -fingerprint -sha256 2>&1`;
    if ($out =~ /=\s*([0-9A-Fa-f:]+)\s*$/) {
        ($expected_fp = lc $1) =~ s/://g;
        $expected_fp = 'sha256$' . $expected_fp;
    }
    ok($expected_fp, "openssl x509 -fingerprint -sha256: $expected_fp")
        or diag($out);
}

my %versions = (TLSv1_2 => 0x303, TLSv1_3 => 0x304);

for my $version (sort keys %versions) {
    my $vint = $versions{$version};

    # ---- PeerHost/PeerPort form, verification on by default --------------
    {
        my $listener = ssl_listener(SSL_version => $version);
        ok($listener->isa('IO::Socket::SSL'), "$version: listener is an IO::Socket::SSL");
        my ($pid, $port) = fork_server($listener, sub {
            my $l = shift;
            my $c = $l->accept or die "accept failed: $SSL_ERROR";
            report(
                class   => ref($c),
                version => $c->get_sslversion,
                vint    => $c->get_sslversion_int,
                cipher  => $c->get_cipher,
                sni     => $c->get_servername,
                peer_cert_undef => (defined($c->peer_certificate) ? 0 : 1),
            );
            my $line = <$c>;
            report(line => $line);
            print $c "pong $version\n";
            $c->close;
        });

        my $c = IO::Socket::SSL->new(
            PeerHost    => 'localhost',
            PeerPort    => $port,
            SSL_ca_file => cert('test-ca.pem'),
        );
        ok($c, "$version: client connected (verify on by default)")
            or diag("error: $SSL_ERROR / $!");
        SKIP: {
            skip "no connection", 19 if !$c;
            isa_ok($c, 'IO::Socket::SSL');
            is($c->get_sslversion, $version, "$version: get_sslversion");
            is($c->get_sslversion_int, $vint, sprintf("%s: get_sslversion_int 0x%x", $version, $vint));
            my $cipher = $c->get_cipher;
            ok(defined $cipher && length $cipher, "$version: get_cipher '" . ($cipher // 'undef') . "'");
            like($cipher, $version eq 'TLSv1_3' ? qr/^TLS_/ : qr/^(?!TLS_)\S+$/,
                "$version: cipher name looks like a $version cipher");

            is($c->peer_certificate('subject'), '/C=DE/O=IO-Socket-SSL-Test/CN=localhost',
                "$version: peer_certificate('subject')");
            is($c->peer_certificate('owner'), '/C=DE/O=IO-Socket-SSL-Test/CN=localhost',
                "$version: peer_certificate('owner')");
            is($c->peer_certificate('issuer'),
                '/C=DE/O=IO-Socket-SSL-Test/CN=IO::Socket::SSL Test Intermediate CA',
                "$version: peer_certificate('issuer')");
            is($c->peer_certificate('authority'), $c->peer_certificate('issuer'),
                "$version: peer_certificate('authority')");
            is($c->peer_certificate('cn'), 'localhost', "$version: peer_certificate('cn')");
            is($c->peer_certificate('commonName'), 'localhost', "$version: peer_certificate('commonName')");
            ok($c->peer_certificate, "$version: peer_certificate() without field returns a handle");

            is($c->dump_peer_certificate,
                "Subject Name: /C=DE/O=IO-Socket-SSL-Test/CN=localhost\n"
                . "Issuer  Name: /C=DE/O=IO-Socket-SSL-Test/CN=IO::Socket::SSL Test Intermediate CA\n",
                "$version: dump_peer_certificate");

            SKIP: {
                skip 'no fingerprint from openssl CLI', 2 if !$expected_fp;
                is($c->get_fingerprint, $expected_fp, "$version: get_fingerprint default sha256");
                is($c->get_fingerprint('sha256'), $expected_fp, "$version: get_fingerprint('sha256')");
            }
            my $bin = $c->get_fingerprint_bin;
            is(length($bin // ''), 32, "$version: get_fingerprint_bin is 32 bytes");

            my $ssl = $c->_get_ssl_object;
            my $ctx = $c->_get_ctx_object;
            like($ssl, qr/^[1-9]\d*$/, "$version: _get_ssl_object is a positive integer");
            like($ctx, qr/^[1-9]\d*$/, "$version: _get_ctx_object is a positive integer");

            print $c "ping $version\n";
            is(scalar <$c>, "pong $version\n", "$version: data exchanged");
            $c->close;
        }
        my ($status, $r) = wait_child($pid);
        is($status, 0, "$version: server child ok") or diag($r->{__died__});
        is($r->{class}, 'IO::Socket::SSL', "$version: server: accepted socket class");
        is($r->{version}, $version, "$version: server: get_sslversion");
        is($r->{vint}, $vint, "$version: server: get_sslversion_int");
        ok(length($r->{cipher} // ''), "$version: server: get_cipher");
        is($r->{sni}, 'localhost', "$version: server: get_servername (SNI)");
        is($r->{peer_cert_undef}, 1, "$version: server: no client certificate");
        is($r->{line}, "ping $version\n", "$version: server got the line");
    }

    # ---- 'host:port' form and PeerAddr form ---------------------------------
    for my $form ('host:port', 'PeerAddr', 'PeerAddr host:port') {
        my $listener = ssl_listener(SSL_version => $version);
        my ($pid, $port) = fork_server($listener, sub {
            my $l = shift;
            my $c = $l->accept or die "accept failed: $SSL_ERROR";
            print $c "hello\n";
            my $line = <$c>;
            report(line => $line);
            $c->close;
        });
        my $c;
        if ($form eq 'host:port') {
            # single argument 'host:port': no room for SSL_ca_file, so make
            # the test CA the default CA store for this call
            IO::Socket::SSL::default_ca(cert('test-ca.pem'));
            $c = IO::Socket::SSL->new("localhost:$port");
            IO::Socket::SSL::default_ca(undef);
        } elsif ($form eq 'PeerAddr') {
            $c = IO::Socket::SSL->new(PeerAddr => 'localhost', PeerPort => $port,
                SSL_ca_file => cert('test-ca.pem'));
        } else {
            $c = IO::Socket::SSL->new(PeerAddr => "localhost:$port",
                SSL_ca_file => cert('test-ca.pem'));
        }
        ok($c, "$version: new() with $form") or diag("error: $SSL_ERROR / $!");
        SKIP: {
            skip 'no connection', 3 if !$c;
            is(scalar <$c>, "hello\n", "$version/$form: read greeting");
            print $c "bye\n";
            is($c->get_sslversion, $version, "$version/$form: version");
            is($c->peer_certificate('cn'), 'localhost', "$version/$form: peer cn");
            $c->close;
        }
        my ($status, $r) = wait_child($pid);
        is($status, 0, "$version/$form: server ok") or diag($r->{__died__});
        is($r->{line}, "bye\n", "$version/$form: server got data");
    }

    # ---- accept() in list context --------------------------------------------
    {
        my $listener = ssl_listener(SSL_version => $version);
        my ($pid, $port) = fork_server($listener, sub {
            my $l = shift;
            my @r = $l->accept or die "accept failed: $SSL_ERROR";
            report(n => scalar(@r), class => ref($r[0]));
            my ($port, $addr) = Socket::unpack_sockaddr_in($r[1]);
            report(peeraddr => Socket::inet_ntoa($addr), peerport => $port);
            my $c = $r[0];
            report(peerhost => $c->peerhost, peerport2 => $c->peerport,
                sockport => $c->sockport);
            print $c "x\n";
            <$c>;
            $c->close;
        });
        my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
            SSL_ca_file => cert('test-ca.pem'));
        ok($c, "$version: connect to 127.0.0.1") or diag("error: $SSL_ERROR");
        my $myport = $c ? $c->sockport : -1;
        if ($c) {
            <$c>;
            print $c "y\n";
            is($c->peerhost, '127.0.0.1', "$version: peerhost");
            is($c->peerport, $port, "$version: peerport");
            $c->close;
        }
        my ($status, $r) = wait_child($pid);
        is($status, 0, "$version: list-context accept server ok") or diag($r->{__died__});
        is($r->{n}, 2, "$version: accept in list context returns 2 values");
        is($r->{class}, 'IO::Socket::SSL', "$version: first is the socket");
        is($r->{peeraddr}, '127.0.0.1', "$version: second is the peer sockaddr (address)");
        is($r->{peerport}, $myport, "$version: second is the peer sockaddr (port)");
        is($r->{peerhost}, '127.0.0.1', "$version: accepted socket peerhost");
        is($r->{sockport}, $port, "$version: accepted socket sockport");
    }
}

# ---- default: no SSL_version given; negotiates the best (TLS 1.3) ------------
{
    my $listener = ssl_listener();
    my ($pid, $port) = fork_server($listener, sub {
        my $l = shift;
        for (1 .. 2) {
            my $c = $l->accept or die "accept failed: $SSL_ERROR";
            report(version => $c->get_sslversion);
            print $c "ok\n";
            $c->close;
        }
    });
    my $c = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port,
        SSL_ca_file => cert('test-ca.pem'));
    ok($c, 'default versions: connected') or diag("error: $SSL_ERROR");
    is($c && $c->get_sslversion, 'TLSv1_3', 'default versions: TLS 1.3 negotiated');
    is($c && scalar(<$c>), "ok\n", 'default versions: data');
    $c->close if $c;

    # client restricted to TLS 1.2 against a default server
    $c = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port,
        SSL_ca_file => cert('test-ca.pem'), SSL_version => 'TLSv1_2');
    ok($c, 'client SSL_version TLSv1_2: connected') or diag("error: $SSL_ERROR");
    is($c && $c->get_sslversion, 'TLSv1_2', 'client SSL_version TLSv1_2 honoured');
    is($c && scalar(<$c>), "ok\n", 'client TLSv1_2: data');
    $c->close if $c;
    my ($status, $r) = wait_child($pid);
    is($status, 0, 'default versions: server ok') or diag($r->{__died__});
    is_deeply($r->{'version[]'}, ['TLSv1_3', 'TLSv1_2'], 'server saw TLS 1.3 then TLS 1.2');
}

done_testing;
