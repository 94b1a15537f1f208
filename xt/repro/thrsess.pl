# A client context with a session cache; a thread is started and ends. The
# clone of the cache (plain integers) frees the parent's SSL_SESSIONs.
use strict; use warnings;
use threads;
use lib 't/lib';
use TestLib; use IO::Socket::SSL; use POSIX ();
my $l = ssl_listener(SSL_version => 'TLSv1_2');
my ($pid, $port) = fork_server($l, sub {
    my $l = shift; for (1..3) { my $c = $l->accept or next; my $x = <$c>; print $c "pong\n"; $c->close }
});
my $ctx = IO::Socket::SSL::SSL_Context->new(SSL_ca_file => cert('test-ca.pem'),
    SSL_verify_mode => 1, SSL_session_cache_size => 10);
for my $i (1..2) {
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port, SSL_hostname => 'localhost',
        SSL_reuse_ctx => $ctx) or die $SSL_ERROR;
    print $c "ping\n"; <$c>;
    print "conn $i: reused=", $c->get_session_reused, "; cache: ", join(' ', $ctx->{session_cache}->_dump), "\n";
    $c->close;
    threads->create(sub { 1 })->join if $i == 1;     # a thread that does nothing
}
wait_child($pid);
