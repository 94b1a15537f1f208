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
done_testing;
