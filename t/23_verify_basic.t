#!perl
# Client-side certificate and hostname verification defaults, and SNI.
use strict;
use warnings;
use lib 't/lib';
use TestLib;
use Test::More;
use IO::Socket::SSL;

watchdog(40);

# A server child that accepts up to $n connections, reporting the SNI name
# (sni<i>) or the accept error (err<i>) for each; it ends after $n
# connections or when a client sends "stop\n".
sub start_server {
    my ($n, %args) = @_;
    my $listener = ssl_listener(%args);
    return fork_server($listener, sub {
        my $l = shift;
        for my $i (1 .. $n) {
            my $c = $l->accept;
            if (!$c) { report("err$i" => "$SSL_ERROR"); next }
            my $sni = $c->get_servername;
            report("sni$i" => $sni);
            print $c "hi\n";
            my $line = <$c>;
            $c->close;
            last if defined $line && $line eq "stop\n";
        }
    });
}

sub try_connect {
    my %args = @_;
    $IO::Socket::SSL::SSL_ERROR = undef;
    my @warn;
    local $SIG{__WARN__} = sub { push @warn, @_ };
    my $c = IO::Socket::SSL->new(%args);
    my $data;
    if ($c) {
        $data = <$c>;
        print $c "x\n";
        $c->close;
    }
    return ($c, $data, ($SSL_ERROR // ""), \@warn);
}

my @other = (SSL_cert_file => cert('other-server-cert.pem'),
    SSL_key_file => cert('other-server-key.pem'));
my @wronghost = (SSL_cert_file => cert('wronghost-cert.pem'),
    SSL_key_file => cert('wronghost-key.pem'));

# ---- untrusted CA ------------------------------------------------------------
{
    my ($pid, $port) = start_server(3, @other);
    my ($c, $data, $err) = try_connect(PeerHost => 'localhost', PeerPort => $port,
        SSL_ca_file => cert('test-ca.pem'));
    ok(!$c, 'server cert from unknown CA: connect fails');
    like($err, qr/^SSL connect attempt failed/, 'error starts with "SSL connect attempt failed"');
    like($err, qr/certificate verify failed/, "error mentions certificate verify failed: $err");
    {
        no warnings 'numeric';
        ok($IO::Socket::SSL::SSL_ERROR + 0 < 0, '$SSL_ERROR is a dualvar with a negative number');
    }
    is(IO::Socket::SSL::errstr(), $err, 'errstr() gives the same error');

    # verification disabled: connects
    ($c, $data, $err) = try_connect(PeerHost => 'localhost', PeerPort => $port,
        SSL_ca_file => cert('test-ca.pem'), SSL_verify_mode => SSL_VERIFY_NONE);
    ok($c, 'SSL_VERIFY_NONE connects to the other-CA server') or diag($err);
    is($data, "hi\n", 'SSL_VERIFY_NONE: data');

    # trusting the other CA: connects
    ($c, $data, $err) = try_connect(PeerHost => 'localhost', PeerPort => $port,
        SSL_ca_file => cert('other-ca.pem'), SSL_verify_mode => SSL_VERIFY_PEER);
    ok($c, 'SSL_ca_file with the other CA connects') or diag($err);
    is($data, "hi\n", 'other CA: data');
    kill_child($pid);
}

# ---- no SSL_ca_file: default (system) CA store does not trust our test CA ---
{
    my ($pid, $port) = start_server(1);
    my ($c, $data, $err) = try_connect(PeerHost => 'localhost', PeerPort => $port);
    ok(!$c, 'default CA store: our test CA is not trusted');
    like($err, qr/certificate verify failed/, 'default CA store: certificate verify failed');
    kill_child($pid);
}

# ---- missing intermediate / partial chain ------------------------------------
{
    # server sends only its own certificate, without the intermediate
    my ($pid, $port) = start_server(3, SSL_cert_file => cert('server-cert.pem'));
    my ($c, $data, $err) = try_connect(PeerHost => 'localhost', PeerPort => $port,
        SSL_ca_file => cert('test-ca.pem'));
    ok(!$c, 'server without intermediate: verification against root fails');
    like($err, qr/certificate verify failed/, 'missing intermediate: certificate verify failed');
    kill_child($pid);

    # server sends the chain; client trusts only the intermediate (partial
    # chain verification is on by default)
    ($pid, $port) = start_server(3);
    ($c, $data, $err) = try_connect(PeerHost => 'localhost', PeerPort => $port,
        SSL_ca_file => cert('intermediate-ca.pem'));
    ok($c, 'partial chain: trusting only the intermediate CA works') or diag($err);
    is($data, "hi\n", 'partial chain: data');
    kill_child($pid);
}

# ---- hostname verification -----------------------------------------------------
{
    my ($pid, $port) = start_server(5, @wronghost);
    my ($c, $data, $err) = try_connect(PeerHost => 'localhost', PeerPort => $port,
        SSL_ca_file => cert('test-ca.pem'));
    ok(!$c, 'certificate for www.example.org, connecting to localhost: fails');
    # the reference gives exactly "hostname verification failed"
    like($err, qr/hostname verification failed/, "hostname mismatch error: $err");

    ($c, $data, $err) = try_connect(PeerHost => '127.0.0.1', PeerPort => $port,
        SSL_ca_file => cert('test-ca.pem'), SSL_verifycn_name => 'www.example.org');
    ok($c, 'SSL_verifycn_name www.example.org matches the wronghost certificate') or diag($err);
    is($data, "hi\n", 'SSL_verifycn_name: data');

    ($c, $data, $err) = try_connect(PeerHost => 'localhost', PeerPort => $port,
        SSL_ca_file => cert('test-ca.pem'), SSL_verifycn_scheme => 'none');
    ok($c, "SSL_verifycn_scheme 'none' skips the hostname check") or diag($err);
    kill_child($pid);
}
{
    my ($pid, $port) = start_server(10);
    my ($c, $data, $err) = try_connect(PeerHost => 'localhost', PeerPort => $port,
        SSL_ca_file => cert('test-ca.pem'), SSL_verifycn_name => 'www.example.org');
    ok(!$c, 'SSL_verifycn_name www.example.org vs localhost certificate: fails');
    like($err, qr/hostname verification failed/, "error: $err");

    ($c, $data, $err) = try_connect(PeerHost => '127.0.0.1', PeerPort => $port,
        SSL_ca_file => cert('test-ca.pem'), SSL_hostname => 'www.example.org');
    ok(!$c, 'SSL_hostname www.example.org is used for verification too: fails');
    like($err, qr/hostname verification failed/, "error: $err");

    ($c, $data, $err) = try_connect(PeerHost => '127.0.0.1', PeerPort => $port,
        SSL_ca_file => cert('test-ca.pem'));
    ok($c, 'connect by IP 127.0.0.1 verifies against the IP SAN') or diag($err);
    is($data, "hi\n", 'IP SAN: data');

    ($c, $data, $err) = try_connect(PeerAddr => "127.0.0.1:$port",
        SSL_ca_file => cert('test-ca.pem'));
    ok($c, 'PeerAddr 127.0.0.1:port verifies against the IP SAN') or diag($err);
    kill_child($pid);
}

# ---- IPv6 loopback (skipped when ::1 is not available) -------------------------
SKIP: {
    my $l = IO::Socket::SSL->new(
        LocalAddr     => '::1',
        LocalPort     => 0,
        Listen        => 5,
        SSL_cert_file => cert('server-chain.pem'),
        SSL_key_file  => cert('server-key.pem'),
    );
    skip 'no IPv6 loopback', 3 if !$l;
    my ($pid, $port) = fork_server($l, sub {
        my $l = shift;
        my $c = $l->accept or die "accept: $SSL_ERROR";
        print $c "hi\n";
        <$c>;
        $c->close;
    });
    my ($c, $data, $err) = try_connect(PeerHost => '::1', PeerPort => $port,
        SSL_ca_file => cert('test-ca.pem'));
    ok($c, 'connect to ::1 verifies against the IPv6 SAN') or diag($err);
    is($data, "hi\n", '::1: data');
    my ($status, $r) = wait_child($pid);
    is($status, 0, '::1 server ok') or diag($r->{__died__});
}

# ---- SNI ------------------------------------------------------------------------
{
    my ($pid, $port) = start_server(10);
    my @ca = (SSL_ca_file => cert('test-ca.pem'));

    my ($c, $data, $err) = try_connect(PeerHost => 'localhost', PeerPort => $port, @ca);
    ok($c, 'SNI: PeerHost localhost') or diag($err);

    ($c, $data, $err) = try_connect(PeerHost => '127.0.0.1', PeerPort => $port, @ca);
    ok($c, 'SNI: PeerHost 127.0.0.1') or diag($err);

    ($c, $data, $err) = try_connect(PeerHost => '127.0.0.1', PeerPort => $port, @ca,
        SSL_hostname => 'localhost');
    ok($c, 'SNI: SSL_hostname localhost with PeerHost 127.0.0.1') or diag($err);

    ($c, $data, $err) = try_connect(PeerHost => '127.0.0.1', PeerPort => $port, @ca,
        SSL_hostname => 'sni.example.net', SSL_verifycn_name => 'localhost');
    ok($c, 'SNI: SSL_hostname sni.example.net, SSL_verifycn_name localhost') or diag($err);

    my $warn;
    ($c, $data, $err, $warn) = try_connect(PeerHost => 'localhost', PeerPort => $port, @ca,
        SSL_hostname => '', SSL_verifycn_name => 'localhost');
    ok($c, "SNI: SSL_hostname '' (disabled), verifying localhost") or diag($err);
    is_deeply($warn, [], 'no warnings');

    ($c, $data, $err) = try_connect(PeerAddr => "localhost:$port", @ca);
    ok($c, 'SNI: PeerAddr localhost:port') or diag($err);

    ($c, $data, $err) = try_connect(PeerHost => 'localhost', PeerPort => $port, @ca,
        SSL_version => 'TLSv1_2');
    ok($c, 'SNI: PeerHost localhost with TLS 1.2') or diag($err);

    # last one stops the server
    my $last = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port, @ca);
    if ($last) { <$last>; print $last "stop\n"; $last->close }

    my ($status, $r) = wait_child($pid);
    is($status, 0, 'SNI server ok') or diag($r->{__died__});
    is($r->{sni1}, 'localhost', 'server sees SNI localhost for PeerHost localhost');
    ok(!defined $r->{sni2} || $r->{sni2} eq '', 'no SNI when connecting by IP')
        or diag("got: $r->{sni2}");
    is($r->{sni3}, 'localhost', 'SSL_hostname overrides the SNI name');
    is($r->{sni4}, 'sni.example.net', 'SNI name is SSL_hostname, not the verify name');
    ok(!defined $r->{sni5} || $r->{sni5} eq '', "SSL_hostname '' disables SNI")
        or diag("got: $r->{sni5}");
    is($r->{sni6}, 'localhost', 'SNI from PeerAddr host:port');
    is($r->{sni7}, 'localhost', 'SNI with TLS 1.2');
}

done_testing;
