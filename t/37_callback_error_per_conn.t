#!perl
# The $@ of a Perl callback that died is kept per connection and reported by
# that connection's failure, whichever context OpenSSL ran the callback on:
#  - a server whose connection SNI moved to a per-host context reports its
#    verify callback's own message (not OpenSSL's "certificate verify
#    failed"), as it does without SNI;
#  - two non-blocking handshakes interleaved on one context, whose callbacks
#    die with different messages, each report their own.
use strict;
use warnings;
use lib 't/lib';
use TestLib;
use Test::More;
use IO::Select;
use POSIX ();
use IO::Socket::SSL;

watchdog(60);

my $ca = cert('test-ca.pem');

# ---- server verify callback dies, with and without SNI switching ----
for my $case (['without SNI', undef], ['SNI to a per-host context', 'localhost']) {
    my ($name, $sni) = @$case;
    my $l = ssl_listener(
        SSL_cert_file => { 'localhost' => cert('server-chain.pem'), '' => cert('server-chain.pem') },
        SSL_key_file  => { 'localhost' => cert('server-key.pem'),   '' => cert('server-key.pem') },
        SSL_ca_file => $ca,
        SSL_verify_mode => SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
        SSL_verify_callback => sub { die "server callback died\n" });
    my ($pid, $port) = fork_server($l, sub {
        my $l = shift;
        $IO::Socket::SSL::SSL_ERROR = undef;
        my $c = eval { $l->accept };
        report(ok => $c ? 1 : 0, died => $@, err => "$IO::Socket::SSL::SSL_ERROR",
            sni => $c ? $c->get_servername : undef);
    });
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port, Timeout => 10,
        SSL_ca_file => $ca, SSL_verifycn_name => 'localhost',
        (defined $sni ? (SSL_hostname => $sni) : (SSL_hostname => '')),
        SSL_cert_file => cert('client-cert.pem'), SSL_key_file => cert('client-key.pem'));
    my $data = $c ? <$c> : undef;
    my ($status, $r) = wait_child($pid);
    is($status, 0, "$name: server child ok");
    is($r->{ok}, 0, "$name: accept fails");
    my $msg = $r->{died} || ($r->{err} // '');
    like($msg, qr/server callback died/, "$name: the callback's own message: $msg");
}

# ---- two interleaved non-blocking TLS 1.2 handshakes on one client context ----
# The server sends its first flight, waits for the client's answer (so the
# client's verify callback has run), then sends garbage instead of its
# Finished: each client handshake fails one step after its callback died.
# Two pipes keep the steps apart, since OpenSSL reads on after it wrote
# whenever data is there: the client answers only once the server stopped
# after both first flights, and the server sends its garbage only once both
# client handshakes are waiting for the server's Finished.
{
    pipe(my $go_rd, my $go_wr) or die "pipe: $!";      # server -> client
    pipe(my $go2_rd, my $go2_wr) or die "pipe: $!";    # client -> server
    my $wait = sub { IO::Select->new($_[0])->can_read(20) or die "nothing to read\n" };
    my $l = ssl_listener(SSL_version => 'TLSv1_2', SSL_startHandshake => 0);
    my ($pid, $port) = fork_server($l, sub {
        my $l = shift;
        close $go_rd;
        close $go2_wr;
        my @s = map { $l->accept or die "accept: $!" } 1 .. 2;
        for my $s (@s) {
            $wait->($s);                          # the ClientHello
            $s->blocking(0);
            !$s->accept_SSL or die "handshake finished early\n";
            $!{EWOULDBLOCK} || $!{EAGAIN} or die "accept_SSL: $IO::Socket::SSL::SSL_ERROR\n";
        }
        syswrite($go_wr, "1") or die "pipe: $!";
        $wait->($go2_rd);
        for my $s (@s) {
            $wait->($s);                          # the client's second flight
            POSIX::write(fileno($s), "not TLS at all\r\n" x 4, 64);
            shutdown($s, 2);
        }
        report(done => 1);
    });
    close $go_wr;
    close $go2_rd;
    my %ran;
    my $ctx = IO::Socket::SSL::SSL_Context->new(SSL_version => 'TLSv1_2',
        SSL_verify_mode => SSL_VERIFY_NONE,
        SSL_verify_callback => sub {
            my ($ok, $store, $certname, $error, $cert, $depth) = @_;
            return 1 if $depth;
            $ran{$main::WHO}++;
            die "callback died for connection $main::WHO\n";
        });
    my %c;
    for my $who (qw(A B)) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port)
            or die "connect: $!";
        IO::Socket::SSL->start_SSL($s, SSL_reuse_ctx => $ctx, SSL_startHandshake => 0,
            SSL_hostname => 'localhost') or die "start_SSL: $IO::Socket::SSL::SSL_ERROR";
        $s->blocking(0);
        ok(!$s->connect_SSL && $IO::Socket::SSL::SSL_ERROR == SSL_WANT_READ,
            "$who: ClientHello sent, waiting");
        $c{$who} = $s;
    }
    ok($wait->($go_rd) && sysread($go_rd, my $go, 1), 'server sent both first flights and stopped');
    # one handshake step (or more, while the server's flight comes in parts)
    my $step = sub {
        my ($who, $until) = @_;
        my $s = $c{$who};
        local $main::WHO = $who;
        while (1) {
            $wait->($s);
            $IO::Socket::SSL::SSL_ERROR = undef;
            my $ok = eval { $s->connect_SSL };
            my $want = !$ok && !$@ && ($IO::Socket::SSL::SSL_ERROR // 0) == SSL_WANT_READ;
            return ($ok, $@ || "$IO::Socket::SSL::SSL_ERROR", $want)
                if !$want || $until->();
        }
    };
    # the first flight of each: the callback dies, the handshake goes on
    for my $who (qw(A B)) {
        my ($ok, $err, $want) = $step->($who, sub { $ran{$who} });
        ok($ran{$who} && $want, "$who: callback died, handshake waits for the server's Finished")
            or diag($err);
    }
    syswrite($go2_wr, "1") or die "pipe: $!";
    # then each gets garbage and fails: with its own callback's message
    for my $who (qw(A B)) {
        my ($ok, $err, $want) = $step->($who, sub { 0 });
        ok(!$ok && !$want, "$who: handshake fails");
        like($err, qr/callback died for connection $who\b/, "$who: its own message: $err");
    }
    is($ran{A} + $ran{B}, 2, 'each callback ran once');
    my ($status, $r) = wait_child($pid);
    is($r->{done}, 1, 'server saw both flights') or diag($r->{__died__});
}

done_testing;
