# After the handshake the server writes a forged application-data record on the
# raw socket: the client's SSL_read fails with "bad record mac"/"decryption
# failed" (SSL_ERROR_SSL, errno 0). Expect an error, not a clean EOF.
use strict; use warnings;
use lib 't/lib';
use TestLib; use IO::Socket::SSL; use POSIX ();
for my $ver (qw(TLSv1_2 TLSv1_3)) {
    my $l = ssl_listener(SSL_version => $ver);
    my ($pid, $port) = fork_server($l, sub {
        my $c = shift->accept or die;
        print $c "hello\n";
        select(undef, undef, undef, 0.2);
        # forged record straight to the fd, bypassing TLS
        syswrite(*$c{IO} ? $c : $c, '') ;
        my $fd = fileno($c);
        open(my $raw, '>&=', $fd) or die;
        syswrite($raw, "\x17\x03\x03\x00\x40" . ("\xAA" x 64));
        select(undef, undef, undef, 0.5);
        POSIX::_exit(0);
    });
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
        SSL_ca_file => cert('test-ca.pem'), SSL_hostname => 'localhost', SSL_version => $ver) or die $SSL_ERROR;
    my $l1 = <$c>;
    $! = 0;
    my $n = sysread($c, my $buf, 100);
    printf "%s: first line %s; then sysread returned %s, SSL_ERROR='%s' errno='%s' last_ssl_error=%d\n",
        $ver, ($l1 // 'undef') =~ s/\n/\\n/r, defined $n ? $n : 'undef', $SSL_ERROR // '', $!,
        ${*$c}{_SSL_conn}->last_ssl_error;
    wait_child($pid);
}
