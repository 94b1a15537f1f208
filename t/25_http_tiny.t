#!perl
# HTTP::Tiny (core) over https against our own forked IO::Socket::SSL server,
# run twice by Consumer (without Net::SSLeay, and with Debian's installed).
use strict;
use warnings;
use lib 't/lib';
use Consumer;
use TestLib;
use Test::More;
use IO::Socket::SSL;
use HTTP::Tiny;

watchdog(40);

# A minimal HTTP/1.1 server: one response per connection (Connection: close).
# Reports for each connection the request line (req<i>) or the accept error
# (err<i>) and the SNI name (sni<i>).
sub http_server {
    my ($n, %args) = @_;
    # (Timeout: a request that never arrives must not block the child long)
    my $listener = ssl_listener(Timeout => 8, %args);
    return fork_server($listener, sub {
        my $l = shift;
        for my $i (1 .. $n) {
            my $c = $l->accept;
            if (!$c) { report("err$i" => "$SSL_ERROR"); next }
            report("sni$i" => $c->get_servername);
            my $reqline = <$c>;
            report("req$i" => $reqline);
            while (defined(my $h = <$c>)) { last if $h =~ /^\r?\n\z/ }
            my $body = "hello over " . $c->get_sslversion . "\n";
            print $c "HTTP/1.1 200 OK\r\n",
                "Content-Type: text/plain\r\n",
                "Content-Length: " . length($body) . "\r\n",
                "Connection: close\r\n\r\n", $body;
            $c->close;
        }
    });
}

# HTTP::Tiny 0.080 (perl 5.36) insists on Net::SSLeay for https (can_ssl does
# "require Net::SSLeay" >= 1.49; it calls Net::SSLeay::OPENSSL_VERSION_NUMBER
# and, in its SSL_create_ctx_callback, Net::SSLeay::CTX_set_mode). So the
# native implementation needs a compatible answer to that; the real XS
# Net::SSLeay must not be what gets loaded (see the %INC check below).
my ($can_ssl, $why) = HTTP::Tiny->can_ssl;
if (!ok($can_ssl, 'HTTP::Tiny->can_ssl')) {
    # every request below would fail before connecting; stop here
    diag($why);
    done_testing;
    exit;
}

my @ssl_ok = (verify_SSL => 1, SSL_options => { SSL_ca_file => cert('test-ca.pem') });

# ---- successful requests ----
{
    my ($pid, $port) = http_server(2);
    my $http = HTTP::Tiny->new(@ssl_ok, timeout => 10);
    my $res = $http->get("https://localhost:$port/index.html");
    is($res->{status}, 200, 'GET https://localhost:PORT/ with verify_SSL => 1: 200')
        or diag("$res->{status} $res->{reason}: $res->{content}");
    like($res->{content}, qr/^hello over TLSv1_3$/m, 'body (TLS 1.3 by default)');
    is($res->{headers}{'content-type'}, 'text/plain', 'header');

    # by IP: the server certificate has IP:127.0.0.1 in subjectAltName
    $res = $http->get("https://127.0.0.1:$port/by-ip");
    is($res->{status}, 200, 'GET https://127.0.0.1:PORT/ verifies against the IP SAN')
        or diag("$res->{status} $res->{reason}: $res->{content}");

    my ($status, $r) = wait_child($pid);
    is($status, 0, 'server ok') or diag($r->{__died__});
    is($r->{req1}, "GET /index.html HTTP/1.1\r\n", 'server got the request');
    is($r->{sni1}, 'localhost', 'HTTP::Tiny sent SNI');
    is($r->{req2}, "GET /by-ip HTTP/1.1\r\n", 'server got the second request');
}

# ---- TLS 1.2 server ----
{
    my ($pid, $port) = http_server(1, SSL_version => 'TLSv1_2');
    my $res = HTTP::Tiny->new(@ssl_ok, timeout => 10)->get("https://localhost:$port/");
    is($res->{status}, 200, 'GET against a TLS 1.2 server') or diag("$res->{status}: $res->{content}");
    like($res->{content}, qr/^hello over TLSv1_2$/m, 'TLS 1.2 body');
    my ($status, $r) = wait_child($pid);
    is($status, 0, 'TLS 1.2 server ok') or diag($r->{__died__});
}

# ---- untrusted CA ----
{
    my ($pid, $port) = http_server(1,
        SSL_cert_file => cert('other-server-cert.pem'),
        SSL_key_file  => cert('other-server-key.pem'));
    my $res = HTTP::Tiny->new(@ssl_ok, timeout => 10)->get("https://localhost:$port/");
    is($res->{status}, 599, 'untrusted CA: status 599');
    like($res->{content}, qr/SSL connection failed for localhost/, 'untrusted CA: SSL connection failed');
    like($res->{content}, qr/certificate verify failed/, 'untrusted CA: certificate verify failed');
    my ($status, $r) = wait_child($pid);
    is($status, 0, 'server ok') or diag($r->{__died__});
    like($r->{err1} // '', qr/^SSL accept attempt failed/, 'server: accept failed');
}

# ---- wrong host name ----
{
    my ($pid, $port) = http_server(1,
        SSL_cert_file => cert('wronghost-cert.pem'),
        SSL_key_file  => cert('wronghost-key.pem'));
    my $res = HTTP::Tiny->new(@ssl_ok, timeout => 10)->get("https://localhost:$port/");
    is($res->{status}, 599, 'wrong host name: status 599');
    like($res->{content}, qr/hostname verification failed|certificate verify failed/,
        'wrong host name: verification error');
    my ($status, $r) = wait_child($pid);
    is($status, 0, 'server ok') or diag($r->{__died__});
}

# ---- verify_SSL => 0 accepts the untrusted server ----
{
    my ($pid, $port) = http_server(1,
        SSL_cert_file => cert('other-server-cert.pem'),
        SSL_key_file  => cert('other-server-key.pem'));
    my $res = HTTP::Tiny->new(verify_SSL => 0, timeout => 10)->get("https://localhost:$port/");
    is($res->{status}, 200, 'verify_SSL => 0: untrusted server accepted')
        or diag("$res->{status}: $res->{content}");
    my ($status, $r) = wait_child($pid);
    is($status, 0, 'server ok') or diag($r->{__died__});
}

# ---- which implementation did HTTP::Tiny use ----
# (HTTP::Tiny requires Net::SSLeay: the stand-in without one installed, the
# real one on our raw SSL_CTX* with Debian's installed; see t/lib/Consumer.pm)
ok(exists $INC{'Net/SSLeay.pm'}, 'HTTP::Tiny loaded a Net::SSLeay');
check_build('HTTP::Tiny');
# and in either run, a TLS round trip through IO::Socket::SSL alone loads none
{
    my ($pid, $port) = fork_server(ssl_listener(), sub { my $c = shift->accept or die; print $c "hi\n"; <$c> });
    my $code = 'use IO::Socket::SSL; my $c = IO::Socket::SSL->new(PeerHost => "127.0.0.1", PeerPort => $ARGV[0],'
        . ' SSL_ca_file => $ARGV[1], SSL_hostname => "localhost") or die $IO::Socket::SSL::SSL_ERROR;'
        . ' my $l = <$c>; print $c "bye\n"; print $l, exists $INC{"Net/SSLeay.pm"} ? "loaded\n" : "none\n"';
    my $out = `$^X -Mblib -e '$code' $port @{[cert('test-ca.pem')]} 2>&1`;
    is($out, "hi\nnone\n", 'a TLS round trip through IO::Socket::SSL alone loads no Net::SSLeay');
    wait_child($pid);
}

done_testing;
