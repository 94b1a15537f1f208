# One side of xt/peer_2099.t: run under 2.099 (the oracle) or this build.
#   server PORTFILE  - accepts one TLS client, sends "hello", stop_SSL(fast),
#                      reads the client's TLS line, then plain text
#   client PORT      - connects, reads "hello", sees EOF at the close_notify,
#                      stop_SSL, talks plain
use strict; use warnings;
use lib 't/lib';
use TestLib;
use IO::Socket::SSL;
$| = 1;
my ($role, $arg) = @ARGV;
if ($role eq 'server') {
    my $l = ssl_listener();
    open(my $fh, '>', $arg) or die; print $fh listener_port($l), "\n"; close $fh;
    my $c = $l->accept or die "accept: $SSL_ERROR";
    print $c "hello\n";
    my $r = $c->stop_SSL(SSL_fast_shutdown => 1);
    print "server stop: ", ($r && $r == $c ? 'self' : $r // 'undef'), " is_SSL=", $c->is_SSL // 'undef', "\n";
    my $n = sysread($c, my $b, 100);
    print "server read after fast stop: ", $n // 'undef', " is_SSL=", $c->is_SSL // 'undef', "\n";
    my $line = '';
    while (sysread($c, my $ch, 1)) { $line .= $ch; last if $ch eq "\n" }
    print "server plain: $line";
    syswrite($c, "plain back\n");
    sleep 1;
} else {
    my $s = IO::Socket::SSL->new(PeerAddr => "127.0.0.1:$arg", SSL_verify_mode => 0) or die "connect: $SSL_ERROR";
    my $l = <$s>;
    print "client got: $l";
    my $n = sysread($s, my $b, 100);
    print "client read: ", $n // 'undef', " is_SSL=", $s->is_SSL // 'undef', "\n";
    $! = 0;
    my $w = syswrite($s, "x\n");
    print "client write: ", $w // 'undef', " errno=", $! + 0, "\n";
    my $r = $s->stop_SSL;
    print "client stop: ", ($r && $r == $s ? 'self' : $r // 'undef'), "\n";
    syswrite($s, "plain from client\n");
    my $line = '';
    while (sysread($s, my $ch, 1)) { $line .= $ch; last if $ch eq "\n" }
    print "client plain: $line";
}
