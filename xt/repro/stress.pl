#!/usr/bin/perl
# Many handshakes + readline + close, TLS 1.2 and 1.3; watch RSS of client and server.
use strict; use warnings;
use lib 't/lib';
use TestLib; use IO::Socket::SSL; use POSIX ();
$| = 1;
my $ITER = shift || 2000;
my $VARIANT = shift || 'plain';   # plain | cb (verify+passwd callbacks, peer cert introspection) | reuse | sess (shared ctx + session cache: resumption)
my %reused;
sub rss { my $pid = shift || 'self'; open(my $f, '<', "/proc/$pid/status") or return -1;
          while (<$f>) { return $1 if /^VmRSS:\s+(\d+)/ } -1 }
my %rep;
for my $ver (qw(TLSv1_2 TLSv1_3)) {
    my $l = ssl_listener(SSL_version => $ver,
        ($VARIANT eq 'cb' ? (SSL_passwd_cb => sub { '' }, SSL_verify_mode => 1,
                             SSL_ca_file => cert('test-ca.pem'),
                             SSL_verify_callback => sub { $_[0] }) : ()));
    my $port = listener_port($l);
    my $pid = fork // die;
    if (!$pid) {
        $SIG{ALRM} = sub { POSIX::_exit(3) }; alarm 900;
        while (1) {
            my $c = $l->accept or next;
            my $line = <$c>;
            last if !defined $line || $line eq "quit\n";
            print $c "pong $line";
            my $x = $c->peer_certificate('subject') if $VARIANT eq 'cb';
            $c->close;
        }
        POSIX::_exit(0);
    }
    $l->close(SSL_no_shutdown => 1);
    my $shared;
    $shared = IO::Socket::SSL::SSL_Context->new(SSL_ca_file => cert('test-ca.pem'),
        SSL_verify_mode => 1, SSL_version => $ver,
        ($VARIANT eq 'sess' ? (SSL_session_cache_size => 50) : ())) if $VARIANT eq 'reuse' || $VARIANT eq 'sess';
    my ($c0, $s0);
    for my $i (1 .. $ITER) {
        my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
            SSL_hostname => 'localhost', SSL_version => $ver,
            ($shared ? (SSL_reuse_ctx => $shared)
                     : (SSL_ca_file => cert('test-ca.pem'))),
            ($VARIANT eq 'cb' ? (SSL_verify_callback => sub { my $ok = shift; $ok },
                                 SSL_cert_file => cert('client-cert.pem'),
                                 SSL_key_file => cert('client-key.pem')) : ()),
        ) or die "connect $i: $SSL_ERROR";
        $reused{$ver}++ if $c->get_session_reused;
        print $c "ping $i\n";
        my $r = <$c>;
        die "bad reply $i: $r" if $r ne "pong ping $i\n";
        if ($VARIANT eq 'cb') {
            my @x = ($c->get_cipher, $c->get_sslversion, $c->peer_certificate('subject'),
                     $c->peer_certificate('subjectAltNames'), $c->get_fingerprint,
                     $c->dump_peer_certificate);
        }
        $c->close;
        if ($i == 200) { ($c0, $s0) = (rss(), rss($pid)) }
        if ($i % 250 == 0 || $i == $ITER) {
            printf "%s %-7s iter %5d: client RSS %6d kB  server RSS %6d kB\n",
                $VARIANT, $ver, $i, rss(), rss($pid);
        }
    }
    my ($c1, $s1) = (rss(), rss($pid));
    $rep{$ver} = sprintf "%s: client +%d kB, server +%d kB from iter 200 to %d", $ver, $c1 - $c0, $s1 - $s0, $ITER;
    my $q = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
        SSL_verify_mode => 0, SSL_version => $ver,
        ($VARIANT eq 'cb' ? (SSL_cert_file => cert('client-cert.pem'), SSL_key_file => cert('client-key.pem')) : ()));
    print $q "quit\n" if $q; close $q if $q;
    waitpid($pid, 0);
}
print "$_\n" for map { $rep{$_} } sort keys %rep;
print "resumed handshakes: ", join(', ', map { "$_ " . ($reused{$_} || 0) } sort keys %rep), "\n";
