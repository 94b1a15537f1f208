#!/usr/bin/perl
# Tampering is an error, never an end of file. A proxy between client and
# server flips one bit in the next record the server sends once the test
# arms it (after the handshake and the first line, so the damaged record is
# the one that carries "world"). sysread, read and readline must fail with
# $SSL_ERROR naming the failure; only close_notify and a bare TCP close read
# as EOF.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use TestLib;
use IO::Socket::SSL;
use IO::Socket::INET;

watchdog(60);
my @ca = (SSL_ca_file => cert('test-ca.pem'), SSL_hostname => 'localhost');

# A TCP proxy in a child: forwards both ways; after a byte arrives on the
# arm pipe it corrupts the body of the next whole TLS record from the server.
sub proxy {
    my ($sport) = @_;
    pipe(my $arm_r, my $arm_w) or die "pipe: $!";
    $arm_w->autoflush(1);
    my ($pid, $port) = fork_server(tcp_listener(), sub {
        my $l = shift;
        close $arm_w;
        my $cl = $l->accept or die "accept: $!";
        my $sv = IO::Socket::INET->new("127.0.0.1:$sport") or die "connect: $!";
        my ($armed, $pending) = (0, '');
        while (1) {
            my $rin = '';
            vec($rin, fileno($_), 1) = 1 for grep { defined } $cl, $sv, $arm_r;
            select(my $r = $rin, undef, undef, undef) > 0 or last;
            if ($arm_r && vec($r, fileno($arm_r), 1)) {
                sysread($arm_r, my $x, 1);
                $armed = 1;
                close $arm_r;
                undef $arm_r;
            }
            if (vec($r, fileno($cl), 1)) {
                sysread($cl, my $b, 65536) or last;
                syswrite($sv, $b);
            }
            if (vec($r, fileno($sv), 1)) {
                my $n = sysread($sv, my $b, 65536);
                if (!$n) { syswrite($cl, $pending) if length $pending; last }
                if (!$armed) { syswrite($cl, $b); next }
                # armed: collect whole records, damage the first one's body
                $pending .= $b;
                next if length($pending) < 5;
                my $len = unpack('n', substr($pending, 3, 2));
                next if length($pending) < 5 + $len;
                substr($pending, 5 + int($len / 2), 1) ^= "\x01";
                syswrite($cl, $pending);
                ($armed, $pending) = (0, '');
            }
        }
        sleep 1;
    });
    close $arm_r;
    return ($pid, $port, $arm_w);
}

for my $version (qw(TLSv1_2 TLSv1_3)) {
    for my $how (qw(sysread read readline)) {
        my ($spid, $sport) = fork_server(ssl_listener(SSL_version => $version), sub {
            my $c = shift->accept or die "accept: $SSL_ERROR";
            print $c "hello\n";
            my $go = <$c>;
            print $c "world\n";
            <$c>;    # until the client goes away
        });
        my ($ppid, $pport, $arm) = proxy($sport);
        my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $pport, @ca,
            SSL_version => $version) or die "connect: $SSL_ERROR";
        is(scalar <$c>, "hello\n", "$version $how: first line intact");
        print $arm "x";
        print $c "go\n";
        $SSL_ERROR = undef;
        my $got = $how eq 'sysread' ? sysread($c, my $buf, 100)
                : $how eq 'read'    ? $c->read(my $b2, 6)
                :                     scalar <$c>;
        ok(!defined $got, "$version $how: a damaged record gives undef, not EOF or data")
            or diag('got ' . ($got // 'undef'));
        like("$SSL_ERROR", qr/bad record mac|decryption failed|decrypt/i,
            "$version $how: \$SSL_ERROR names the failure ($SSL_ERROR)");
        $c->close(SSL_no_shutdown => 1);
        kill_child($_) for $spid, $ppid;
    }
}

# the two endings that are EOF: close_notify, and a bare TCP close
for my $ending (qw(close_notify tcp_close)) {
    my ($pid, $port) = fork_server(ssl_listener(), sub {
        my $c = shift->accept or die "accept: $SSL_ERROR";
        print $c "bye\n";
        $ending eq 'close_notify' ? $c->close : $c->close(SSL_no_shutdown => 1);
    });
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port, @ca)
        or die "connect: $SSL_ERROR";
    is(scalar <$c>, "bye\n", "$ending: data before the end");
    $SSL_ERROR = undef;
    my $n = sysread($c, my $buf, 100);
    is($n, 0, "$ending: reads as EOF");
    ok(!$SSL_ERROR, "$ending: no error");
    wait_child($pid);
}

done_testing;
