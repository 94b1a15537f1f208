# SSL_on_peer_shutdown closing the socket, called from inside readline after the
# C layer handed out a pointer into the connection's buffers.
use strict; use warnings;
use lib 't/lib';
use TestLib; use IO::Socket::SSL; use POSIX ();
my $mode = shift || 'list';
my $l = ssl_listener();
my ($pid, $port) = fork_server($l, sub {
    my $c = shift->accept or die;
    print $c "line $_\n" for 1 .. 200;
    $c->close(SSL_fast_shutdown => 1);     # close_notify right behind the data
    sleep 1;
});
my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
    SSL_ca_file => cert('test-ca.pem'), SSL_hostname => 'localhost',
    SSL_on_peer_shutdown => sub { $_[0]->close }) or die $SSL_ERROR;
sleep 1;      # everything incl. close_notify has arrived
if ($mode eq 'list') {
    my @l = <$c>;
    print "list: ", scalar(@l), " lines, last: ", ($l[-1] // 'undef');
} else {
    local $/;
    my $all = <$c>;
    print "slurp: ", length($all // ''), " bytes\n";
}
wait_child($pid);
