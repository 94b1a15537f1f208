#!perl
# Interoperability with the openssl command line tool:
# our client against "openssl s_server", our server against "openssl s_client",
# TLS 1.2 and TLS 1.3. External processes run with bounded waits and are
# killed at the end.
use strict;
use warnings;
use lib 't/lib';
use TestLib;
use Test::More;
use IO::Socket::SSL;

watchdog(60);

my $openssl = openssl_bin();
plan skip_all => 'openssl command line tool not found' if !$openssl;

# (TestLib kills background processes still running when the test ends)

# start "openssl s_server" on a kernel-chosen port; returns ($handle, $port)
sub s_server {
    my (%opt) = @_;
    my @cmd = ($openssl, 's_server', '-accept', '127.0.0.1:0',
        '-cert', $opt{cert} || cert('server-cert.pem'),
        '-key', $opt{key} || cert('server-key.pem'),
        ($opt{chain} // 1) ? ('-cert_chain', cert('intermediate-ca.pem')) : (),
        '-naccept', 1,
        @{ $opt{args} || [] });
    my $h = run_bg(\@cmd, stdin_hold => 1);
    if (!wait_bg_output($h, qr/^ACCEPT \S+:(\d+)/m, 10)) {
        diag("s_server did not start: " . bg_output($h));
        return;
    }
    my ($port) = bg_output($h) =~ /^ACCEPT \S+:(\d+)/m;
    return ($h, $port);
}

# run "openssl s_client" against our server, feed it $stdin, wait until it
# exits (our server closes the connection); stdin is kept open meanwhile,
# because s_client (TLS 1.3, with client certificate) may drop received data
# when its stdin is already at EOF. Note: s_client writes received data raw
# while its own messages are buffered, so data may appear in mid-line.
sub s_client {
    my ($port, $stdin, @args) = @_;
    my $h = run_bg([$openssl, 's_client', '-connect', "127.0.0.1:$port",
        '-CAfile', cert('test-ca.pem'), '-verify_return_error', @args],
        stdin => $stdin, stdin_hold => 1);
    return wait_bg($h, 15, keep_stdin => 1);
}

my %proto = (TLSv1_2 => 'TLSv1.2', TLSv1_3 => 'TLSv1.3');
my @ca = (SSL_ca_file => cert('test-ca.pem'));

for my $version (qw(TLSv1_2 TLSv1_3)) {
    my $flag = $version eq 'TLSv1_2' ? '-tls1_2' : '-tls1_3';
    my $t = sub { "$version: $_[0]" };

    # ================= our client  ->  openssl s_server =================

    # ---- -www ----
    SKIP: {
        my ($h, $port) = s_server(args => [$flag, '-www']);
        skip 's_server failed', 5 if !$h;
        my $c = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port, @ca);
        ok($c, $t->('client connects to s_server -www')) or diag("error: $SSL_ERROR");
        skip 'no connection', 4 if !$c;
        is($c->get_sslversion, $version, $t->('negotiated version'));
        my $cipher = $c->get_cipher;
        print $c "GET / HTTP/1.0\r\n\r\n";
        my $resp = do { local $/; <$c> };
        like($resp, qr{^HTTP/1\.0 200 ok\r\n}, $t->('s_server -www answered 200'));
        like($resp, qr/New, \Q$proto{$version}\E, Cipher is \Q$cipher\E/,
            $t->("s_server reports the same protocol and cipher ($cipher)"));
        $c->close;
        my ($rc) = wait_bg($h, 5);
        is($rc, 0, $t->('s_server exited cleanly after one connection'));
    }

    # ---- -rev ----
    SKIP: {
        my ($h, $port) = s_server(args => [$flag, '-rev']);
        skip 's_server failed', 3 if !$h;
        my $c = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port, @ca);
        ok($c, $t->('client connects to s_server -rev')) or diag("error: $SSL_ERROR");
        skip 'no connection', 2 if !$c;
        print $c "hello world\n";
        is(scalar <$c>, "dlrow olleh\n", $t->('s_server -rev reversed the line'));
        print $c "second line\n";
        is(scalar <$c>, "enil dnoces\n", $t->('second line reversed'));
        $c->close;
        stop_bg($h);
    }

    # ---- plain echo mode: s_server stdin -> client, client -> s_server stdout ----
    SKIP: {
        my ($h, $port) = s_server(args => [$flag]);
        skip 's_server failed', 3 if !$h;
        my $c = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port, @ca);
        ok($c, $t->('client connects to s_server (echo mode)')) or diag("error: $SSL_ERROR");
        skip 'no connection', 2 if !$c;
        print {$h->{in}} "from s_server\n";
        is(scalar <$c>, "from s_server\n", $t->('client received s_server stdin'));
        print $c "from our client\n";
        ok(wait_bg_output($h, qr/from our client\n/, 5), $t->('s_server printed what the client sent'));
        $c->close;
        stop_bg($h);
    }

    # ---- client certificate requested by s_server ----
    SKIP: {
        my ($h, $port) = s_server(args => [$flag, '-rev', '-Verify', 2,
            '-CAfile', cert('test-ca.pem'), '-verify_return_error']);
        skip 's_server failed', 3 if !$h;
        my $c = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port, @ca,
            SSL_cert_file => cert('client-cert.pem'), SSL_key_file => cert('client-key.pem'));
        ok($c, $t->('client with certificate connects to s_server -Verify')) or diag("error: $SSL_ERROR");
        skip 'no connection', 2 if !$c;
        print $c "mtls\n";
        is(scalar <$c>, "sltm\n", $t->('data over mTLS'));
        $c->close;
        my $out = stop_bg($h);
        like($out, qr/CN\s*=\s*testclient/, $t->('s_server saw the client certificate'));
    }

    # ---- s_server with a certificate from an unknown CA: verification fails ----
    SKIP: {
        my ($h, $port) = s_server(args => [$flag, '-www'], chain => 0,
            cert => cert('other-server-cert.pem'), key => cert('other-server-key.pem'));
        skip 's_server failed', 2 if !$h;
        my $c = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port, @ca);
        ok(!$c, $t->('client rejects s_server certificate from an unknown CA'));
        like($SSL_ERROR, qr/certificate verify failed/, $t->("error: $SSL_ERROR"));
        stop_bg($h);
    }

    # ---- EC server certificate ----
    SKIP: {
        my ($h, $port) = s_server(args => [$flag, '-rev'],
            cert => cert('server-ec-cert.pem'), key => cert('server-ec-key.pem'));
        skip 's_server failed', 2 if !$h;
        my $c = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port, @ca);
        ok($c, $t->('client connects to s_server with an EC (P-256) certificate'))
            or diag("error: $SSL_ERROR");
        skip 'no connection', 1 if !$c;
        print $c "ec\n";
        is(scalar <$c>, "ce\n", $t->('data with EC certificate'));
        $c->close;
        stop_bg($h);
    }

    # ================= openssl s_client  ->  our server =================

    {
        my $listener = ssl_listener(SSL_version => $version);
        my ($pid, $port) = fork_server($listener, sub {
            my $c = shift->accept or die "accept failed: $SSL_ERROR";
            my $line = <$c>;
            report(line => $line, version => $c->get_sslversion,
                sni => $c->get_servername, cipher => $c->get_cipher);
            print $c "echo: $line";
            $c->close;
        });
        my ($rc, $out) = s_client($port, "hello from s_client\n", $flag,
            '-servername', 'localhost', '-verify_hostname', 'localhost');
        is($rc, 0, $t->('s_client exit code 0')) or diag($out);
        like($out, qr/Verification: OK/, $t->('s_client verified our server chain'));
        like($out, qr/Verified peername: localhost/, $t->('s_client verified the host name'));
        like($out, qr/echo: hello from s_client\n/, $t->('s_client got the echo'));
        my ($status, $r) = wait_child($pid);
        is($status, 0, $t->('server ok')) or diag($r->{__died__});
        is($r->{line}, "hello from s_client\n", $t->('server received the line'));
        is($r->{version}, $version, $t->('server: negotiated version'));
        is($r->{sni}, 'localhost', $t->('server: SNI from s_client -servername'));
        like($out, qr/Cipher is \Q$r->{cipher}\E/, $t->('same cipher on both sides'))
            if defined $r->{cipher};
    }

    # ---- s_client with client certificate, server requires it ----
    {
        my $listener = ssl_listener(SSL_version => $version,
            SSL_verify_mode => SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, @ca);
        my ($pid, $port) = fork_server($listener, sub {
            my $c = shift->accept or die "accept failed: $SSL_ERROR";
            report(cn => scalar $c->peer_certificate('cn'));
            my $line = <$c>;
            print $c "hi $line";
            $c->close;
        });
        my ($rc, $out) = s_client($port, "mtls\n", $flag,
            '-cert', cert('client-cert.pem'), '-key', cert('client-key.pem'));
        is($rc, 0, $t->('s_client with client certificate: exit code 0')) or diag($out);
        like($out, qr/hi mtls\n/, $t->('s_client with client certificate: data'));
        my ($status, $r) = wait_child($pid);
        is($status, 0, $t->('mTLS server ok')) or diag($r->{__died__});
        is($r->{cn}, 'testclient', $t->('server saw the s_client certificate'));
    }

    # ---- s_client expecting another host name fails; our accept fails ----
    {
        my $listener = ssl_listener(SSL_version => $version);
        my ($pid, $port) = fork_server($listener, sub {
            my $l = shift;
            my $c = $l->accept;
            report(accept1 => $c ? 'ok' : "$SSL_ERROR");
            $c->close if $c;
        });
        my ($rc, $out) = s_client($port, "x\n", $flag, '-verify_hostname', 'www.example.org');
        isnt($rc, 0, $t->('s_client -verify_hostname www.example.org fails'));
        my ($status, $r) = wait_child($pid);
        is($status, 0, $t->('server ok')) or diag($r->{__died__});
        like($r->{accept1}, qr/^SSL accept attempt failed/, $t->("server accept failed: $r->{accept1}"));
    }

    # ---- our server with the EC certificate ----
    {
        my $listener = ssl_listener(SSL_version => $version,
            SSL_cert_file => cert('server-ec-cert.pem'), SSL_key_file => cert('server-ec-key.pem'));
        my ($pid, $port) = fork_server($listener, sub {
            my $c = shift->accept or die "accept failed: $SSL_ERROR";
            my $line = <$c>;
            print $c "ec $line";
            $c->close;
        });
        my ($rc, $out) = s_client($port, "works\n", $flag, '-verify_hostname', 'localhost');
        is($rc, 0, $t->('s_client against our EC-certificate server')) or diag($out);
        like($out, qr/Peer signature type: ECDSA/, $t->('ECDSA signature'));
        like($out, qr/ec works\n/, $t->('data with EC server'));
        my ($status, $r) = wait_child($pid);
        is($status, 0, $t->('EC server ok')) or diag($r->{__died__});
    }
}

done_testing;
