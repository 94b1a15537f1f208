#!perl
# SSL_ticket_keycb key names as in the reference: 1 to 16 bytes (padded with
# zero bytes), so a 4-byte name works, tickets resume, and the name given to
# the callback on decryption is the padded one; a longer name fails the
# handshake with a clear message (the reference's server dies).
use strict;
use warnings;
use lib 't/lib';
use TestLib;
use Test::More;
use IO::Socket::SSL;

watchdog(60);
for my $v (qw(TLSv1_2 TLSv1_3)) {
    for my $nl (4, 16, 20) {
        my ($name, $key) = ('N' x $nl, 'K' x 32);
        my $l = ssl_listener(SSL_version => $v, SSL_ticket_keycb => sub {
            my (undef, $n) = @_;
            report(seen => $n) if defined $n;
            return ($key, $name);
        });
        my ($pid, $port) = fork_server($l, sub {
            my $l = shift;
            for my $i (1, 2) {
                my $c = $l->accept or do { report("err$i" => "$SSL_ERROR"); next };
                print $c "hi\n";
                <$c>;
            }
        });
        my $cache = IO::Socket::SSL::Session_Cache->new(4);
        my @r;
        for (1, 2) {
            my $s = IO::Socket::SSL->new(PeerAddr => "127.0.0.1:$port", SSL_version => $v,
                SSL_verify_mode => 0, SSL_session_cache => $cache, SSL_session_key => 'k');
            my $line = $s && <$s>;
            push @r, !$line ? 'fail' : $s->get_session_reused ? 'reused' : 'full';
            if ($s) { print $s "x\n"; $s->close }
        }
        my ($st, $res) = wait_child($pid);
        if ($nl <= 16) {
            is("@r", 'full reused', "$v: a $nl-byte key name works and tickets resume");
            is($res->{seen}, $name . ("\0" x (16 - $nl)), "$v: ... the callback gets the name padded to 16 bytes");
        } else {
            like($res->{err1} // '', qr/key name must be 1 to 16 bytes, got 20/, "$v: a 20-byte key name fails the handshake, saying why");
            is($st, 0, "$v: ... and the server lives on");
        }
    }
}
done_testing;
