# The usual timeout idiom around a blocking print to a peer that stops reading.
use strict; use warnings;
use lib 't/lib';
use TestLib; use IO::Socket::SSL; use POSIX (); use Time::HiRes qw(time);
my $l = ssl_listener();
my ($pid, $port) = fork_server($l, sub { my $c = shift->accept or die; sleep 12; POSIX::_exit(0) });
my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
    SSL_ca_file => cert('test-ca.pem'), SSL_hostname => 'localhost') or die $SSL_ERROR;
my $big = "A" x 64_000_000;
my $t0 = time;
my $ok = eval {
    local $SIG{ALRM} = sub { die "timeout\n" };
    alarm 1;
    print $c $big;
    alarm 0;
    1;
};
printf "print %s after %.1fs (%s)\n", $ok ? 'returned' : 'died', time - $t0, $@ =~ s/\n//r;
kill 'KILL', $pid; wait_child($pid);
