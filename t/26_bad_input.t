#!perl
# Bad configuration and misbehaving peers: no crash, no hang, a clear
# $SSL_ERROR, and no leaked file descriptors over repeated failures.
use strict;
use warnings;
use lib 't/lib';
use TestLib;
use Test::More;
use IO::Socket::SSL;

watchdog(60);

my $N = 20;    # failing attempts per leak check

# run $code $N times (after one warm-up call), return (fd delta, @results of
# the last call)
sub leak_check {
    my ($code) = @_;
    $code->();    # warm-up: lazily opened things (config, random) don't count
    my $before = count_fds();
    my @last;
    @last = $code->() for 1 .. $N;
    my $after = count_fds();
    return ($after - $before, @last);
}

my @server = (LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 5);
my $missing = certdir() . '/no-such-file.pem';

# ============================ bad configuration ==============================
# NOTE: for missing files the reference dies inside new() with
# "SSL_cert_file <path> can't be used: No such file or directory at ...";
# returning false with that text in $SSL_ERROR is accepted here as well.
{
    my ($d, $obj, $err) = leak_check(sub { try_new(@server,
        SSL_cert_file => $missing, SSL_key_file => cert('server-key.pem')) });
    ok(!$obj, 'missing SSL_cert_file: no object');
    like($err, qr/SSL_cert_file \Q$missing\E can't be used: No such file or directory/,
        "missing SSL_cert_file: error names the file");
    is($d, 0, "missing SSL_cert_file: no fd leaked over $N attempts");
}
{
    my ($d, $obj, $err) = leak_check(sub { try_new(@server,
        SSL_cert_file => cert('server-chain.pem'), SSL_key_file => $missing) });
    ok(!$obj, 'missing SSL_key_file: no object');
    like($err, qr/SSL_key_file \Q$missing\E can't be used: No such file or directory/,
        'missing SSL_key_file: error names the file');
    is($d, 0, "missing SSL_key_file: no fd leaked over $N attempts");
}
{
    my ($d, $obj, $err) = leak_check(sub { try_new(PeerHost => 'localhost', PeerPort => 1,
        SSL_ca_file => $missing) });
    ok(!$obj, 'missing SSL_ca_file: no object');
    like($err, qr/SSL_ca_file \Q$missing\E can't be used: No such file or directory/,
        'missing SSL_ca_file: error names the file');
    is($d, 0, "missing SSL_ca_file: no fd leaked over $N attempts");
}
{
    my ($d, $obj, $err) = leak_check(sub { try_new(@server,
        SSL_cert_file => cert('server-chain.pem'), SSL_key_file => cert('mismatch-key.pem')) });
    ok(!$obj, 'key not matching the certificate: no object');
    like($err, qr/mismatch/i, "key mismatch: error says so: $err");
    is($d, 0, "key mismatch: no fd leaked over $N attempts");
}
{
    my $notcert = cert('make_certs.sh');    # exists, but is no certificate
    my ($d, $obj, $err) = leak_check(sub { try_new(@server,
        SSL_cert_file => $notcert, SSL_key_file => cert('server-key.pem')) });
    ok(!$obj, 'file that is not a certificate: no object');
    like($err, qr/certificate/i, "not a certificate: error mentions the certificate: $err");
    like($err, qr/\Q$notcert\E/, 'not a certificate: error names the file');
    is($d, 0, "not a certificate: no fd leaked over $N attempts");
}
{
    # a key file used as certificate and a certificate used as key
    my ($obj, $err) = try_new(@server,
        SSL_cert_file => cert('server-key.pem'), SSL_key_file => cert('server-cert.pem'));
    ok(!$obj, 'cert and key swapped: no object');
    ok(length $err, "cert and key swapped: error: $err");
}

# ======================== client vs bad servers ==============================
# plain TCP server child: serves $count connections with $behaviour
sub bad_tcp_server {
    my ($count, $behaviour) = @_;
    my $l = tcp_listener();
    return fork_server($l, sub {
        my $l = shift;
        for (1 .. $count) {
            my $c = $l->accept or die "accept: $!";
            if ($behaviour eq 'garbage') {
                syswrite($c, "this is not TLS at all\r\n" . ("\xff" x 200));
                sysread($c, my $buf, 4096);
            } elsif ($behaviour eq 'http') {
                sysread($c, my $buf, 4096);
                syswrite($c, "HTTP/1.0 400 Bad Request\r\nConnection: close\r\n\r\n");
            } elsif ($behaviour eq 'close') {
                # accept and close at once
            } elsif ($behaviour eq 'midhandshake') {
                # read the ClientHello, then close
                sysread($c, my $buf, 4096);
            } elsif ($behaviour eq 'truncated') {
                # a TLS record header promising more than is sent
                sysread($c, my $buf, 4096);
                syswrite($c, "\x16\x03\x03\x10\x00" . ("\x02" x 10));
            }
            close $c;
        }
    });
}

for my $case (
    ['garbage',      qr/wrong version number|record layer|packet length/i],
    ['http',         qr/wrong version number|http|record layer/i],
    ['close',        qr/unexpected eof|eof|reset|closed|broken pipe/i],
    ['midhandshake', qr/unexpected eof|eof|reset|closed|broken pipe/i],
    ['truncated',    qr/unexpected eof|eof|reset|closed|broken pipe/i],
) {
    my ($behaviour, $re) = @$case;
    my ($pid, $port) = bad_tcp_server($N + 1, $behaviour);
    my ($d, $obj, $err) = leak_check(sub {
        try_new(PeerHost => 'localhost', PeerPort => $port, SSL_ca_file => cert('test-ca.pem'), Timeout => 10);
    });
    ok(!$obj, "client vs $behaviour server: connect fails");
    like($err, qr/^SSL connect attempt failed/, "client vs $behaviour server: SSL connect attempt failed");
    like($err . " $!", $re, "client vs $behaviour server: error: $err");
    is($d, 0, "client vs $behaviour server: no fd leaked over $N attempts");
    my ($status, $r) = wait_child($pid);
    is($status, 0, "$behaviour server ok") or diag($r->{__died__});
}

# ======================== server vs bad clients ==============================
# Our SSL server child: $count failing accepts (reporting the errors and its
# fd count before/after), then one good connection.
sub ssl_server_expecting_failures {
    my ($count) = @_;
    my $l = ssl_listener();
    return fork_server($l, sub {
        my $l = shift;
        # warm-up: first (failing) accept
        my $c = $l->accept;
        report(first => $c ? 'ok' : "$SSL_ERROR");
        my $before = count_fds();
        for my $i (1 .. $count) {
            my $c = $l->accept;
            report(err => $c ? 'unexpectedly ok' : "$SSL_ERROR");
            undef $c;
        }
        report(fd_delta => count_fds() - $before);
        my $good = $l->accept or die "good accept failed: $SSL_ERROR";
        print $good "still working\n";
        my $x = <$good>;
        $good->close;
    });
}

# a plain TCP client: connect, send $data (if any), half-close, wait for the
# server to close (bounded), close
sub bad_client {
    my ($port, $data, $halfclose) = @_;
    my $c = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp')
        or die "connect: $!";
    syswrite($c, $data) if defined $data;
    shutdown($c, 1) if $halfclose;
    my $rin = '';
    vec($rin, fileno($c), 1) = 1;
    my $got = '';
    while (select(my $r = $rin, undef, undef, 5)) {
        my $n = sysread($c, my $buf, 4096);
        last if !$n;
        $got .= $buf;
    }
    close $c;
    return $got;
}

for my $case (
    ['garbage',   "\x16\x03\x01\x00\x05hello" . ("\xff" x 100), 0, qr/unexpected message|record|length|version/i],
    ['random',    join('', map { chr(($_ * 7919) % 256) } 1 .. 300),  0, qr/wrong version number|record|unexpected|length|version/i],
    ['http',      "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n",    0, qr/http request/i],
    ['connclose', undef,                                          1, qr/unexpected eof|eof|reset|closed/i],
    ['partial',   "\x16\x03\x01\x02\x00\x01\x00",                 1, qr/unexpected eof|eof|reset|closed/i],
) {
    my ($name, $data, $halfclose, $re) = @$case;
    my ($pid, $port) = ssl_server_expecting_failures($N);
    bad_client($port, $data, $halfclose) for 0 .. $N;
    my $c = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port,
        SSL_ca_file => cert('test-ca.pem'));
    ok($c, "server vs $name clients: listener still accepts a good client") or diag("error: $SSL_ERROR");
    is($c && scalar(<$c>), "still working\n", "server vs $name clients: data on the good connection");
    if ($c) { print $c "bye\n"; $c->close }
    my ($status, $r) = wait_child($pid);
    is($status, 0, "server vs $name clients: server ok") or diag($r->{__died__});
    my @errs = @{ $r->{'err[]'} || [] };
    is(scalar(@errs), $N, "server vs $name clients: $N failed accepts");
    is(scalar(grep { /^SSL accept attempt failed/ } @errs), $N,
        "server vs $name clients: all errors start with 'SSL accept attempt failed'")
        or diag(join "\n", @errs);
    like($errs[-1] // '', $re, "server vs $name clients: error: " . ($errs[-1] // 'none'));
    is($r->{fd_delta}, 0, "server vs $name clients: no fd leaked in the server over $N accepts");
}

# a plain TCP client that just connects and closes (no half-close/wait)
{
    my ($pid, $port) = ssl_server_expecting_failures(5);
    for (0 .. 5) {
        my $c = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp')
            or die "connect: $!";
        close $c;
    }
    my $c = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port,
        SSL_ca_file => cert('test-ca.pem'), Timeout => 10);
    ok($c, 'connect+close clients: listener still accepts a good client') or diag("error: $SSL_ERROR");
    is($c && scalar(<$c>), "still working\n", 'connect+close clients: data');
    if ($c) { print $c "bye\n"; $c->close }
    my ($status, $r) = wait_child($pid);
    is($status, 0, 'connect+close clients: server ok') or diag($r->{__died__});
    is($r->{fd_delta}, 0, 'connect+close clients: no fd leaked in the server');
}

done_testing;
