#!perl
# LWP::UserAgent (LWP::Protocol::https, Net::HTTPS) on this build: against our
# own server, against Debian's nginx (verification on; a wrong host name and
# an untrusted CA refused with LWP's usual messages), and HTTP::Daemon::SSL
# serving LWP. Run twice by Consumer: without Net::SSLeay, and with Debian's
# Net::SSLeay and IO::Socket::SSL installed.
use strict;
use warnings;
use lib 't/lib';
use Consumer;
use TestLib;
use RealServers;
use Test::More;

watchdog(90);
need_module(qw(LWP::UserAgent LWP::Protocol::https HTTP::Daemon::SSL));

my $ca = cert('test-ca.pem');
my %verify = (ssl_opts => { verify_hostname => 1, SSL_ca_file => $ca }, timeout => 15);

# ---- our own server (IO::Socket::SSL in a child) ----
{
    my ($pid, $port) = fork_server(ssl_listener(), sub {
        my $l = shift;
        my $c = $l->accept or die "accept: $IO::Socket::SSL::SSL_ERROR";
        report(sni => $c->get_servername);
        my $req = <$c>;
        report(req => $req);
        while (defined(my $h = <$c>)) { last if $h =~ /^\r?\n\z/ }
        my $body = "ours over " . $c->get_sslversion . "\n";
        print $c "HTTP/1.1 200 OK\r\nContent-Length: " . length($body)
            . "\r\nConnection: close\r\n\r\n$body";
        $c->close;
    });
    my $ua = LWP::UserAgent->new(%verify);
    my $res = $ua->get("https://localhost:$port/ours");
    is($res->code, 200, 'LWP GET from our server: 200') or diag($res->status_line);
    is($res->content, "ours over TLSv1_3\n", 'body');
    is($res->header('Client-SSL-Socket-Class'), 'IO::Socket::SSL', 'Net::HTTPS used IO::Socket::SSL');
    like($res->header('Client-SSL-Cert-Subject') // '', qr/CN\s*=\s*localhost/, 'Client-SSL-Cert-Subject');
    like($res->header('Client-SSL-Cert-Issuer') // '', qr/Test/, 'Client-SSL-Cert-Issuer');
    ok($res->header('Client-SSL-Cipher'), 'Client-SSL-Cipher: ' . ($res->header('Client-SSL-Cipher') // ''));
    is($res->header('Client-SSL-Version'), 'TLSv1_3', 'Client-SSL-Version');
    ok(!defined $res->header('Client-SSL-Warning'), 'no Client-SSL-Warning with verification');
    my ($st, $r) = wait_child($pid);
    is($st, 0, 'server ok') or diag($r->{__died__});
    is($r->{req}, "GET /ours HTTP/1.1\r\n", 'server got the request');
    is($r->{sni}, 'localhost', 'LWP sent SNI');
}

# ---- Debian's nginx ----
my $ng = start_nginx(
    good  => { cert => cert('server-chain.pem'),     key => cert('server-key.pem') },
    wrong => { cert => cert('wronghost-cert.pem'),   key => cert('wronghost-key.pem') },
    other => { cert => cert('other-server-cert.pem'), key => cert('other-server-key.pem') },
);
my %p = %{ $ng->{port} };
{
    my $ua = LWP::UserAgent->new(%verify, keep_alive => 2);
    for my $i (1 .. 3) {
        my $res = $ua->get("https://localhost:$p{good}/index.html");
        is($res->code, 200, "nginx: verified GET $i: 200") or diag($res->status_line);
        is($res->content, "site good\n", "nginx: body $i");
    }
    my $res = $ua->get("https://127.0.0.1:$p{good}/");
    is($res->code, 200, 'nginx: verified GET by IP address (IP SAN)') or diag($res->status_line);

    $res = $ua->get("https://localhost:$p{wrong}/");
    is($res->code, 500, 'nginx, certificate for another host name: 500');
    like($res->status_line, qr/^500 Can't connect to localhost:$p{wrong} \(/,
        "LWP's \"Can't connect\" message: " . $res->status_line);
    like($res->status_line, qr/hostname verification failed|certificate verify failed/,
        'names the verification failure');
    is($res->header('Client-Warning'), 'Internal response', 'LWP marks it an internal response');

    $res = $ua->get("https://localhost:$p{other}/");
    is($res->code, 500, 'nginx, certificate from an untrusted CA: 500');
    like($res->status_line, qr/^500 Can't connect to localhost:$p{other} \(.*certificate verify failed/,
        "untrusted CA: " . $res->status_line);

    # verification off: the untrusted server is accepted, and LWP says so
    my $lax = LWP::UserAgent->new(ssl_opts => { verify_hostname => 0, SSL_verify_mode => 0 }, timeout => 15);
    $res = $lax->get("https://localhost:$p{other}/");
    is($res->code, 200, 'verification off: untrusted server accepted') or diag($res->status_line);
    like($res->header('Client-SSL-Warning') // '', qr/not verified/, 'with LWP\'s Client-SSL-Warning');

    # user code on the raw handles of a connection to nginx
    my $s = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $p{good},
        SSL_ca_file => $ca) or die "connect to nginx: $IO::Socket::SSL::SSL_ERROR";
    check_raw_handle($s, 'client to nginx');
    $s->close;
}
stop_bg($ng->{h});

# ---- HTTP::Daemon::SSL serving LWP ----
{
    my $d = HTTP::Daemon::SSL->new(
        LocalAddr     => '127.0.0.1',
        LocalPort     => 0,
        ReuseAddr     => 1,
        SSL_cert_file => cert('server-chain.pem'),
        SSL_key_file  => cert('server-key.pem'),
    ) or die "HTTP::Daemon::SSL: $IO::Socket::SSL::SSL_ERROR";
    ok($d->isa('IO::Socket::SSL'), 'HTTP::Daemon::SSL is an IO::Socket::SSL');
    my $url = $d->url;
    like($url, qr{^https://}, "daemon url $url");
    my ($pid) = fork_server($d, sub {
        my $d = shift;
        for my $i (1 .. 2) {
            my $c = $d->accept or die "accept: $IO::Socket::SSL::SSL_ERROR";
            my $req = $c->get_request or die "get_request: " . $c->reason;
            report("path$i" => $req->uri->path, "class$i" => ref $c,
                "cipher$i" => $c->get_cipher);
            my $res = HTTP::Response->new(200, 'OK', ['Content-Type' => 'text/plain'],
                "daemon says hi to " . $req->uri->path . "\n");
            $c->send_response($res);
            $c->close;
        }
    });
    my $port = (split /:/, ($url =~ m{^https://([^/]+)})[0])[-1];
    my $ua = LWP::UserAgent->new(%verify);
    for my $i (1 .. 2) {
        my $res = $ua->get("https://localhost:$port/p$i");
        is($res->code, 200, "HTTP::Daemon::SSL request $i: 200") or diag($res->status_line);
        is($res->content, "daemon says hi to /p$i\n", "HTTP::Daemon::SSL body $i");
    }
    my ($st, $r) = wait_child($pid);
    is($st, 0, 'daemon ok') or diag($r->{__died__});
    is($r->{path1}, '/p1', 'daemon saw the first request');
    is($r->{class2}, 'HTTP::Daemon::ClientConn::SSL', 'daemon connection class');
    ok($r->{cipher2}, "daemon side cipher $r->{cipher2}");
}

check_build('LWP');
done_testing;
