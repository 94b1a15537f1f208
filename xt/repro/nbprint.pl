# print() on a non-blocking SSL socket to a slow reader.
use strict; use warnings;
use lib 't/lib';
use TestLib; use IO::Socket::SSL; use POSIX (); use Digest::MD5 'md5_hex';
my $l = ssl_listener();
my ($pid, $port) = fork_server($l, sub {
    my $c = shift->accept or die; sleep 1;
    my $d = ''; while (1) { my $n = sysread($c, $d, 65536, length $d); last if !$n }
    report(total => length $d, md5 => md5_hex($d));
});
my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
    SSL_ca_file => cert('test-ca.pem'), SSL_hostname => 'localhost') or die $SSL_ERROR;
$c->blocking(0);
my $data = join '', map { sprintf "%09d\n", $_ } 1 .. 800_000;   # 8 MB
my $rv = print $c $data;
printf "print returned %s, \$SSL_ERROR=%s, \$!=%s\n", $rv // 'undef', $SSL_ERROR // '', $!;
my $rv2 = print $c "TAIL\n";
printf "second print returned %s, \$SSL_ERROR=%s\n", $rv2 // 'undef', $SSL_ERROR // '';
$c->blocking(1);
$c->close(SSL_fast_shutdown => 0);
my (undef, $r) = wait_child($pid, 30);
printf "server received %d of %d bytes (md5 %s)\n", $r->{total}, length($data) + 5,
    $r->{md5} eq md5_hex($data . "TAIL\n") ? 'matches' : 'DIFFERS';
