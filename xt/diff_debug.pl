# Run by xt/diff_2099.t under 2.099 and under this build: the debug output
# (levels 1-3) of a client connecting to a server process, with locations,
# addresses, ports and pointers taken out.
use strict; use warnings;
use lib 't/lib';
use TestLib;
my $level = shift || 2;
my $l;
BEGIN { require IO::Socket::SSL; }
$l = ssl_listener(SSL_version => 'TLSv1_3');
my ($pid, $port) = fork_server($l, sub { my $c = shift->accept or die; print $c "hi\n"; <$c> });
open(my $save, '>&', \*STDERR) or die;
my $tmp = File::Temp->new;
open(STDERR, '>', $tmp->filename) or die;
$IO::Socket::SSL::DEBUG = $level;
my $s = IO::Socket::SSL->new(PeerAddr => "127.0.0.1:$port", SSL_ca_file => cert('test-ca.pem'),
    SSL_verifycn_name => 'localhost', SSL_verifycn_scheme => 'http') or die "connect: $IO::Socket::SSL::SSL_ERROR";
my $x = <$s>;
print $s "bye\n";
close $s;
$IO::Socket::SSL::DEBUG = 0;
open(STDERR, '>&', $save) or die;
wait_child($pid);
open(my $fh, '<', $tmp->filename) or die;
while (<$fh>) {
    s{^DEBUG: \S+:\d+: }{DEBUG: };
    s{0x[0-9a-f]+|\b\d{6,}\b}{ADDR}g;
    s{127\.0\.0\.1:\d+}{127.0.0.1:PORT}g;
    print;
}
