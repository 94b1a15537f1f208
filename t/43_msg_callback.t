#!/usr/bin/perl
# set_msg_callback: one call per TLS protocol message, with the socket, the
# direction, version, content type, the bytes and the user's extra args.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use TestLib;
use IO::Socket::SSL;

watchdog(30);
my $l = ssl_listener();
my ($pid, $port) = fork_server($l, sub { my $c = shift->accept or die; print $c "x\n"; <$c>; $c->close });
my $c = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port,
    SSL_ca_file => cert('test-ca.pem'), SSL_startHandshake => 0) or die $SSL_ERROR;
my @seen;
$c->set_msg_callback(sub {
    my ($sock, $dir, $ver, $ct, $buf, $len, $ssl, $tag) = @_;
    push @seen, { sock => $sock, dir => $dir, ct => $ct, len => $len, buflen => length($buf),
        ssl => $ssl, tag => $tag };
}, 'mytag');
ok($c->connect_SSL, 'handshake with a message callback') or diag($SSL_ERROR);
is(scalar <$c>, "x\n", 'data');
ok(@seen > 4, 'several protocol messages seen (' . scalar(@seen) . ')');
ok((grep { $_->{dir} == 1 && $_->{ct} == 22 } @seen), 'a handshake message we sent');
ok((grep { $_->{dir} == 0 && $_->{ct} == 22 } @seen), 'a handshake message we received');
is($seen[0]{sock}, $c, 'the socket is the first argument');
is($seen[0]{tag}, 'mytag', 'extra arguments follow');
is($seen[0]{ssl}, $c->_get_ssl_object, 'the SSL handle as integer');
ok(!(grep { $_->{len} != $_->{buflen} } @seen), 'length matches the buffer');
my $n = @seen;
$c->set_msg_callback(undef);
print $c "bye\n";
$c->close;
is(scalar @seen, $n, 'no more calls after switching it off');
wait_child($pid);
done_testing;
