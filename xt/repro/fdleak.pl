#!/usr/bin/perl
# 50 failed client connections of each kind; the client's fd count must not grow.
use strict; use warnings;
use lib 't/lib';
use TestLib;
use IO::Socket::SSL;
use IO::Socket::INET;
use POSIX ();
$| = 1;
my $N = shift || 50;
my %srv;

sub fds { my @l = fd_list(); return scalar @l }

# server kinds, each in a forked child looping forever
sub start {
    my ($kind) = @_;
    my $l;
    if ($kind eq 'badcert') {
        $l = ssl_listener(SSL_cert_file => cert('other-server-cert.pem'),
                          SSL_key_file => cert('other-server-key.pem'));
    } else {
        $l = tcp_listener(Listen => 64);
    }
    my $port = listener_port($l);
    my $pid = fork // die;
    if (!$pid) {
        $SIG{ALRM} = sub { POSIX::_exit(0) }; alarm 120;
        while (1) {
            my $c = $l->accept or next;
            if ($kind eq 'plain') {
                # a plain TCP peer: says something that is not TLS
                sysread($c, my $buf, 4096);
                print $c "HTTP/1.0 400 Bad Request\r\n\r\n";
                close $c;
            } elsif ($kind eq 'midclose') {
                sysread($c, my $buf, 10);   # part of the ClientHello, then gone
                close $c;
            } elsif ($kind eq 'rst') {
                sysread($c, my $buf, 4096);
                setsockopt($c, Socket::SOL_SOCKET(), Socket::SO_LINGER(), pack('ii', 1, 0));
                close $c;                 # RST
            } elsif ($kind eq 'silent') {
                push @{$srv{held}}, $c;    # never answers: client Timeout
            } elsif ($kind eq 'badcert') {
                # handshake fails on the client side; nothing to do
                close $c if $c;
            }
        }
    }
    close $l;
    return ($pid, $port);
}

my $fail = 0;
for my $kind (qw(badcert plain midclose rst silent)) {
    my ($pid, $port) = start($kind);
    my $before = fds();
    my @before = fd_list();
    my $ok = 0;
    my $n = $kind eq 'silent' ? 10 : $N;
    for my $i (1 .. $n) {
        my %a = (PeerHost => '127.0.0.1', PeerPort => $port,
                 SSL_ca_file => cert('test-ca.pem'), SSL_hostname => 'localhost',
                 SSL_verifycn_name => 'localhost');
        $a{Timeout} = 0.3 if $kind eq 'silent';
        my $c = IO::Socket::SSL->new(%a);
        $ok++ if $c;
        undef $c;
    }
    # non-blocking handshake variant (failure found via connect_SSL)
    for my $i (1 .. ($kind eq 'silent' ? 0 : 10)) {
        my $s = IO::Socket::INET->new(PeerHost => '127.0.0.1', PeerPort => $port) or die;
        my $c = IO::Socket::SSL->start_SSL($s, SSL_ca_file => cert('test-ca.pem'),
            SSL_hostname => 'localhost', SSL_startHandshake => 0);
        if ($c) {
            $c->blocking(0);
            my $end = time + 5;
            while (time < $end) {
                last if !$c->isa('IO::Socket::SSL');
                last if $c->connect_SSL;
                last if $SSL_ERROR != SSL_WANT_READ && $SSL_ERROR != SSL_WANT_WRITE;
                my $v = ''; vec($v, fileno($c), 1) = 1; select($v, undef, undef, 0.1);
            }
            $c->close if $c->isa('IO::Socket::SSL') && $c->opened;
        }
        undef $c; undef $s;
    }
    my $after = fds();
    my @after = fd_list();
    my %b = map { $_ => 1 } @before;
    my @new = grep { !$b{$_} } @after;
    printf "%-9s: %d attempts, %d succeeded (should be 0), fds before %d after %d%s\n",
        $kind, $n, $ok, $before, $after,
        @new ? "  LEAKED: " . join(' ', map { "$_ -> " . (readlink("/proc/self/fd/$_") // '?') } @new) : '';
    $fail++ if $after > $before || $ok;
    kill 'KILL', $pid; waitpid($pid, 0);
}
print $fail ? "FAIL\n" : "PASS\n";
exit($fail ? 1 : 0);
