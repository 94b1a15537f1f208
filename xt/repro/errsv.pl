# $@ survives a readline? (TLS 1.3 tickets arrive during the first read and run
# the session callback under G_EVAL, which clears $@)
use strict; use warnings;
use lib 't/lib';
use TestLib; use IO::Socket::SSL; use POSIX ();
my $l = ssl_listener();
my ($pid, $port) = fork_server($l, sub { my $c = shift->accept or die; print $c "hello\n"; sleep 1 });
my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port, SSL_hostname => 'localhost',
    SSL_ca_file => cert('test-ca.pem'), SSL_session_cache_size => 10) or die $SSL_ERROR;
eval { die "important error\n" };
my $line = <$c>;
print "after readline: \$\@ = ", ($@ eq '' ? "'' (clobbered)" : $@);
wait_child($pid);
