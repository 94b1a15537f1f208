#!/usr/bin/perl
# The built-in default certificate locations ("Defaults for Cert, Key and
# CA"): a server without any SSL_cert*/SSL_key*/SSL_ca* option uses
# certs/server-cert.pem and certs/server-key.pem of the current directory.
# Deliberately not taken over: certs/my-ca.pem as trust anchor (see Changes).
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use TestLib;
use File::Copy qw(copy);
use File::Temp qw(tempdir);
use Cwd qw(getcwd);
use IO::Socket::SSL;

watchdog(30);
my $ca = cert('test-ca.pem');
my $dir = tempdir(CLEANUP => 1);
mkdir "$dir/certs" or die $!;
copy(cert('server-chain.pem'), "$dir/certs/server-cert.pem") or die $!;
copy(cert('server-key.pem'), "$dir/certs/server-key.pem") or die $!;
copy(cert('test-ca.pem'), "$dir/certs/my-ca.pem") or die $!;
my $here = getcwd();
chdir $dir or die $!;
my $l = IO::Socket::SSL->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 5)
    or die "listener: $SSL_ERROR";
chdir $here;
ok($l, 'a server without certificate options starts with certs/server-*.pem');
my ($pid, $port) = fork_server($l, sub {
    my $l = shift;
    for (1 .. 2) { my $c = $l->accept or next; print $c "hi\n"; $c->close }
});
my $c = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port, SSL_ca_file => $ca);
ok($c, 'a client verifies that default certificate') or diag($SSL_ERROR);
is($c && $c->peer_certificate('cn'), 'localhost', '... which is the server certificate');
undef $c;
# a client in that directory does not trust certs/my-ca.pem by default
chdir $dir;
$c = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port);
chdir $here;
ok(!$c, 'certs/my-ca.pem in the current directory is not a trust anchor');
like("$SSL_ERROR", qr/certificate verify failed/, '... the system store decides');
wait_child($pid);
done_testing;
