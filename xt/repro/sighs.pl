# A signal handler closes the socket while its handshake waits (EINTR loop in
# XS handshake keeps using the freed iss_conn).
use strict; use warnings;
use lib 't/lib';
use TestLib; use IO::Socket::SSL; use IO::Socket::INET; use POSIX (); use Time::HiRes ();
my $l = tcp_listener();
my ($pid, $port) = fork_server($l, sub {
    my $c = shift->accept or die; sleep 8; POSIX::_exit(0);   # never answers the ClientHello
});
my $s = IO::Socket::INET->new(PeerHost => '127.0.0.1', PeerPort => $port) or die;
$SIG{ALRM} = sub { $s->close };
Time::HiRes::alarm(3);
my $ok = IO::Socket::SSL->start_SSL($s, SSL_verify_mode => 0, Timeout => 6);
print "start_SSL returned ", ($ok ? 'ok' : "undef ($SSL_ERROR)"), "\n";
wait_child($pid);
