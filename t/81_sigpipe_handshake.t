#!/usr/bin/perl
# A server with SIGPIPE at its default survives TLS 1.3 clients that close
# right after their side of the handshake: the server's session tickets are
# written to a closed socket, which must fail with EPIPE, not kill it.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use TestLib;
use IO::Socket::SSL;

watchdog(60);
my $n = 40;
my $l = ssl_listener(SSL_version => 'TLSv1_3');
my ($pid, $port) = fork_server($l, sub {
    local $SIG{PIPE} = 'DEFAULT';   # TestLib ignores it; this test needs the default
    my $l = shift;
    my $ok = 0;
    for (1 .. $n) {
        my $c = $l->accept or next;
        $ok++;
        $c->close;
    }
    report(accepted => $ok);
});
my $done = 0;
for (1 .. $n) {
    my $c = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port,
        SSL_ca_file => cert('test-ca.pem'), Timeout => 10) or last;
    $done++;
    close($c);   # at once, before the server's tickets arrive
}
is($done, $n, "$n clients connected and closed at once");
my ($st, $r) = wait_child($pid, 30);
is($st, 0, 'the server was not killed by SIGPIPE');
ok($r->{accepted} > 0, "server completed $r->{accepted} handshakes");

# SIGPIPE is kept away from the handshake's own writes without blocking or
# consuming the signal: one that the process gets from outside meanwhile
# (here: sent by a callback that runs inside the handshake) still reaches
# its handler.
{
    my ($pid, $port) = fork_server(ssl_listener(), sub { my $c = shift->accept; <$c> if $c });
    my $got = 0;
    local $SIG{PIPE} = sub { $got++ };
    my $c = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port,
        SSL_ca_file => cert('test-ca.pem'),
        SSL_verify_callback => sub { kill 'PIPE', $$ if !$got; $_[0] });
    ok($c, 'handshake with a callback that sends SIGPIPE to the process');
    is($got, 1, 'the SIGPIPE sent from outside the write reached its handler');
    print $c "bye\n" if $c;
    wait_child($pid);
}
done_testing;
