use strict; use warnings;
use lib 't/lib';
use TestLib; use IO::Socket::SSL; use IO::Socket::INET; use POSIX ();
my $N = 50;
my $l = ssl_listener(Timeout => 2);
my $port = listener_port($l);
my $before = count_fds();
my $pid = fork // die;
if (!$pid) {
    for my $i (1..$N) {
        my $s = IO::Socket::INET->new(PeerHost=>'127.0.0.1', PeerPort=>$port) or next;
        if ($i % 3 == 0) { print $s "GET / HTTP/1.0\r\n\r\n"; sysread($s, my $b, 100); }
        elsif ($i % 3 == 1) { print $s "\x16\x03\x01\x00"; }   # partial record then close
        else { my $c = IO::Socket::SSL->start_SSL($s, SSL_verify_mode => 1, SSL_ca_file => cert('other-ca.pem')); } # client rejects server cert
        close $s;
    }
    POSIX::_exit(0);
}
my $ok = 0;
for (1..$N) { my $c = $l->accept; $ok++ if $c; }
waitpid($pid, 0);
my $after = count_fds();
print "server: $N failed accepts, $ok succeeded, fds before $before after $after\n";
