#!perl
# Upgrading plain sockets to TLS (start_SSL): a small SMTP-like server of
# ours upgrades with start_SSL(SSL_server => 1) on STARTTLS; clients are
# Net::SMTP->starttls, openssl s_client -starttls smtp, start_SSL on a plain
# glob, a subclass (MyClass->start_SSL), new_from_fd. A failing start_SSL
# (garbage from the peer, wrong CA) leaves the socket in its original class
# and usable for plain text.
use strict;
use warnings;
use lib 't/lib';
use TestLib;
use Test::More;
use IO::Socket::SSL;
use IO::Socket::INET;
use Socket qw(PF_INET SOCK_STREAM pack_sockaddr_in inet_aton);
use Time::HiRes qw(time);

watchdog(60);

{
    package MyClass;
    our @ISA = ('IO::Socket::SSL');
    sub my_method { return 'mine' }
}

my @CLIENT_SSL = (
    SSL_ca_file       => cert('test-ca.pem'),
    SSL_verifycn_name => 'localhost',
    SSL_hostname      => 'localhost',
);

# unbuffered line reading (works the same on plain and TLS sockets, never
# reads ahead into the TLS handshake)
sub getline_raw {
    my $s = shift;
    my $line = '';
    while (1) {
        my $n = sysread($s, my $c, 1);
        if (!defined $n && ($!{EAGAIN} || $!{EWOULDBLOCK})) {
            # (a socket left non-blocking): wait and retry
            vec(my $rin = '', fileno($s), 1) = 1;
            select(my $r = $rin, undef, undef, 5) or return undef;
            next;
        }
        return(length($line) ? $line : undef) if !$n;
        $line .= $c;
        return $line if $c eq "\n";
    }
}

# read raw bytes (skipping whatever else comes first) until $re matches or
# $timeout passes; returns everything read
sub read_until {
    my ($s, $re, $timeout) = @_;
    my $buf = '';
    my $deadline = time + ($timeout || 5);
    while (time < $deadline && $buf !~ $re) {
        vec(my $rin = '', fileno($s), 1) = 1;
        next if !select(my $r = $rin, undef, undef, 0.2);
        my $n = sysread($s, $buf, 4096, length $buf);
        last if !$n;
    }
    return $buf;
}

# ---------------------------------------------------------------------------
# the server: plain IO::Socket::INET, one connection after the other
# ---------------------------------------------------------------------------
my $listener = tcp_listener();
my ($srv_pid, $port) = fork_server($listener, sub {
    my $l = shift;
    my $stop = 0;
    while (!$stop and my $c = $l->accept) {
        my $tls = 0;
        syswrite($c, "220 localhost ESMTP test server\r\n");
        while (defined(my $line = getline_raw($c))) {
            if ($line =~ /^(?:EHLO|HELO)\b/i) {
                syswrite($c, $tls
                    ? "250-localhost hello\r\n250 8BITMIME\r\n"
                    : "250-localhost hello\r\n250-8BITMIME\r\n250 STARTTLS\r\n");
            } elsif ($line =~ /^STARTTLS\r?\n/i) {
                syswrite($c, "220 ready\r\n");
                my $ok = IO::Socket::SSL->start_SSL($c,
                    SSL_server    => 1,
                    SSL_cert_file => cert('server-chain.pem'),
                    SSL_key_file  => cert('server-key.pem'),
                );
                report(log => 'starttls ' . ($ok ? 'ok' : 'failed') . ' ' . ref($c)
                    . ($ok ? ' same=' . ($ok == $c ? 1 : 0) : ' blocking=' . ($c->blocking ? 1 : 0)));
                $tls = 1 if $ok;
            } elsif ($line =~ /^XGARBAGE\r?\n/) {
                # claim to start TLS, then answer the ClientHello with garbage
                syswrite($c, "220 ready\r\n");
                my $hdr = '';
                while (length($hdr) < 5) {
                    sysread($c, $hdr, 5 - length $hdr, length $hdr) or last;
                }
                my $len = length($hdr) == 5 ? unpack('n', substr($hdr, 3, 2)) : 0;
                my $body = '';
                while (length($body) < $len) {
                    sysread($c, $body, $len - length $body, length $body) or last;
                }
                report(log => sprintf('garbage: got record type %d len %d', ord($hdr), $len));
                syswrite($c, "this is not TLS at all, sorry!\r\n");
            } elsif ($line =~ /PLAIN (\S+)/) {
                syswrite($c, ($tls ? "250 tls" : "250 plain") . " $1\r\n");
            } elsif ($line =~ /^NOOP\s*(.*?)\r?\n/i) {
                syswrite($c, "250 got NOOP $1\r\n");
            } elsif ($line =~ /^XSTOP/) {
                $stop = 1;
                last;
            } elsif ($line =~ /^QUIT/i) {
                syswrite($c, "221 bye\r\n");
                last;
            } else {
                syswrite($c, "500 unknown command\r\n");
            }
        }
        report(log => 'closed ' . ($tls ? 'tls' : 'plain'));
        if ($c->isa('IO::Socket::SSL')) { $c->close(SSL_fast_shutdown => 1) } else { close $c }
    }
}, timeout => 55);

# plain SMTP dialog up to (and including) the "220 ready" of STARTTLS
sub plain_dialog {
    my ($s, $cmd) = @_;
    my $banner = getline_raw($s) // '';
    syswrite($s, "EHLO client.test\r\n");
    my @ehlo;
    while (defined(my $l = getline_raw($s))) { push @ehlo, $l; last if $l =~ /^\d{3} / }
    syswrite($s, ($cmd // 'STARTTLS') . "\r\n");
    my $ready = getline_raw($s) // '';
    return ($banner, join('', @ehlo), $ready);
}

sub tcp_connect {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
        Proto => 'tcp') or die "connect: $!";
    return $s;
}

# ---- Net::SMTP starttls ----------------------------------------------------
SKIP: {
    eval { require Net::SMTP; 1 } or skip 'Net::SMTP not available', 8;
    skip 'Net::SMTP without starttls', 8 if !Net::SMTP->can('starttls');
    my $smtp = Net::SMTP->new('127.0.0.1', Port => $port, Hello => 'client.test',
        Timeout => 10, @CLIENT_SSL);
    ok($smtp, 'Net::SMTP connected (plain)') or skip "Net::SMTP: $@", 7;
    ok(defined $smtp->supports('STARTTLS'), 'server announced STARTTLS');
    ok(!$smtp->isa('IO::Socket::SSL'), 'Net::SMTP object is not TLS yet');
    ok($smtp->starttls, 'Net::SMTP->starttls') or diag("error: $@ / $SSL_ERROR");
    ok($smtp->isa('IO::Socket::SSL') && $smtp->is_SSL, 'Net::SMTP object is TLS now (' . ref($smtp) . ')');
    is(eval { $smtp->peer_certificate('cn') }, 'localhost', 'peer certificate CN over Net::SMTP');
    is($smtp->command('NOOP over-tls')->response, Net::Cmd::CMD_OK(), 'SMTP command over TLS');
    like(scalar $smtp->message, qr/got NOOP over-tls/, 'SMTP response over TLS');
    $smtp->quit;
}

# ---- openssl s_client -starttls smtp ----------------------------------------
SKIP: {
    my $openssl = openssl_bin() or skip 'no openssl command line tool', 3;
    my $h = run_bg([$openssl, 's_client', '-starttls', 'smtp',
        '-connect', "127.0.0.1:$port", '-CAfile', cert('test-ca.pem'),
        '-verify_return_error', '-verify_hostname', 'localhost'],
        stdin => "NOOP from-s_client\n", stdin_hold => 1);
    ok(wait_bg_output($h, qr/250 got NOOP from-s_client/, 15),
        's_client -starttls smtp: line answered over TLS');
    my ($rc, $out) = wait_bg($h, 10);
    like($out, qr/Verify return code: 0 \(ok\)/, 's_client verified our certificate');
    is($rc, 0, 's_client exited cleanly') or diag($out);
}

# ---- start_SSL on a plain glob ------------------------------------------------
{
    socket(my $fh, PF_INET, SOCK_STREAM, 0) or die "socket: $!";
    connect($fh, pack_sockaddr_in($port, inet_aton('127.0.0.1'))) or die "connect: $!";
    my (undef, undef, $ready) = plain_dialog($fh);
    is($ready, "220 ready\r\n", 'glob: STARTTLS accepted');
    is(ref($fh), 'GLOB', 'glob: plain glob reference before start_SSL');
    my $ssl = IO::Socket::SSL->start_SSL($fh, @CLIENT_SSL);
    ok($ssl, 'start_SSL on a plain glob') or diag("error: $SSL_ERROR");
    ok($ssl && $ssl->isa('IO::Socket::SSL'), 'glob: start_SSL returns an IO::Socket::SSL object');
    ok($ssl && $ssl->is_SSL, 'glob: is_SSL');
    is($ssl && $ssl->peerport, $port, 'glob: the object is connected to the same peer');
    if ($ssl) {
        syswrite($ssl, "PLAIN x1\r\n");
        is(getline_raw($ssl), "250 tls x1\r\n", 'glob: data over TLS');
        syswrite($ssl, "QUIT\r\n");
        is(getline_raw($ssl), "221 bye\r\n", 'glob: QUIT over TLS');
        $ssl->close;
    }
    close $fh;
}

# ---- MyClass->start_SSL --------------------------------------------------------
{
    my $s = tcp_connect();
    my (undef, undef, $ready) = plain_dialog($s);
    is($ready, "220 ready\r\n", 'subclass: STARTTLS accepted');
    my $r = MyClass->start_SSL($s, @CLIENT_SSL);
    ok($r, 'MyClass->start_SSL') or diag("error: $SSL_ERROR");
    is(ref($s), 'MyClass', 'socket blessed into MyClass');
    ok($s->isa('IO::Socket::SSL'), 'MyClass isa IO::Socket::SSL');
    is($s->my_method, 'mine', 'subclass method callable');
    ok($r && $r == $s, 'start_SSL returns the upgraded socket itself');
    syswrite($s, "PLAIN x2\r\n");
    is(getline_raw($s), "250 tls x2\r\n", 'subclass: data over TLS');
    syswrite($s, "QUIT\r\n");
    getline_raw($s);
    $s->close;
}

# ---- failing start_SSL: the peer sends garbage -----------------------------------
{
    my $s = tcp_connect();
    my (undef, undef, $ready) = plain_dialog($s, 'XGARBAGE');
    is($ready, "220 ready\r\n", 'garbage: server pretends to start TLS');
    $SSL_ERROR = undef;
    my $t0 = time;
    my $r = IO::Socket::SSL->start_SSL($s, @CLIENT_SSL);
    ok(!$r, 'garbage: start_SSL fails');
    ok(time - $t0 < 10, 'garbage: ... at once (no timeout needed)');
    ok($SSL_ERROR, "garbage: \$SSL_ERROR set ($SSL_ERROR)");
    is(ref($s), 'IO::Socket::INET', 'garbage: socket stays in its original class');
    ok(defined fileno($s) && $s->opened, 'garbage: socket is still open');
    ok($s->connected, 'garbage: socket is still connected');
    ok($s->blocking, 'garbage: socket is still blocking');
    is($s->peerport, $port, 'garbage: still connected to the same peer');
    ok(syswrite($s, "PLAIN after-garbage\r\n"), 'garbage: plain write after the failed start_SSL');
    like(read_until($s, qr/250 plain after-garbage\r\n/), qr/250 plain after-garbage\r\n/,
        'garbage: plain text exchanged after the failed start_SSL');
    syswrite($s, "QUIT\r\n");
    like(read_until($s, qr/221 bye/), qr/221 bye/, 'garbage: plain QUIT');
    close $s;
}

# ---- failing start_SSL: wrong CA -----------------------------------------------
# (TLS 1.2 without, TLS 1.3 with a Timeout for the handshake)
for my $version (qw(TLSv1_2 TLSv1_3)) {
    my @to = $version eq 'TLSv1_3' ? (Timeout => 5) : ();
    my $s = tcp_connect();
    my (undef, undef, $ready) = plain_dialog($s);
    is($ready, "220 ready\r\n", "wrong CA $version: STARTTLS accepted");
    $SSL_ERROR = undef;
    my $r = IO::Socket::SSL->start_SSL($s, @CLIENT_SSL,
        SSL_ca_file => cert('other-ca.pem'), SSL_version => $version, @to);
    ok(!$r, "wrong CA $version: start_SSL fails");
    like("$SSL_ERROR", qr/certificate verify failed/i, "wrong CA $version: \$SSL_ERROR says why");
    is(ref($s), 'IO::Socket::INET', "wrong CA $version: socket stays IO::Socket::INET");
    ok($s->opened && $s->connected, "wrong CA $version: socket still open and connected");
    ok($s->blocking, "wrong CA $version" . (@to ? ' (Timeout)' : '') . ': socket still blocking as before');
    ok(syswrite($s, "PLAIN after-badca\r\n"), "wrong CA $version: plain write");
    like(read_until($s, qr/250 plain after-badca\r\n/), qr/250 plain after-badca\r\n/,
        "wrong CA $version: server (start_SSL failed there too) answers in plain text");
    syswrite($s, "QUIT\r\n");
    read_until($s, qr/221 bye/);
    close $s;
}

# ---- new_from_fd -------------------------------------------------------------------
for my $with_mode (0, 1) {
    my $what = $with_mode ? "new_from_fd(\$fd, '+<', ...)" : 'new_from_fd($fd, ...)';
    my $s = tcp_connect();
    my (undef, undef, $ready) = plain_dialog($s);
    is($ready, "220 ready\r\n", "$what: STARTTLS accepted");
    my $ssl = IO::Socket::SSL->new_from_fd(fileno($s), ($with_mode ? '+<' : ()), @CLIENT_SSL);
    ok($ssl, $what) or diag("error: $SSL_ERROR");
    ok($ssl && $ssl->isa('IO::Socket::SSL') && $ssl->is_SSL, "$what: TLS object");
    is($ssl && $ssl->peerport, $port, "$what: connected to the same peer");
    if ($ssl) {
        syswrite($ssl, "PLAIN x3\r\n");
        is(getline_raw($ssl), "250 tls x3\r\n", "$what: data over TLS");
        syswrite($ssl, "QUIT\r\n");
        getline_raw($ssl);
        $ssl->close;
    }
}

{
    my $s = tcp_connect();
    getline_raw($s);
    syswrite($s, "XSTOP\r\n");
    close $s;
}
my ($status, $r) = wait_child($srv_pid, 10);
is($status, 0, 'server finished') or diag($r->{__died__});
my @log = @{ $r->{'log[]'} || [] };
note("server: $_") for @log;

my @starttls = grep { /^starttls/ } @log;
ok(@starttls >= 5, 'server: STARTTLS upgrades seen (' . scalar(@starttls) . ')');
ok(!grep({ /^starttls ok/ && !/^starttls ok IO::Socket::SSL same=1$/ } @starttls),
    'server: successful start_SSL upgrades the INET socket itself into IO::Socket::SSL');
my @failed = grep { /^starttls failed/ } @log;
is(scalar(@failed), 2, 'server: start_SSL failed for the two wrong-CA clients');
ok(!grep({ $_ ne 'starttls failed IO::Socket::INET blocking=1' } @failed),
    'server: after the failed start_SSL the socket is a blocking IO::Socket::INET again');
ok(grep({ /^garbage: got record type 22 / } @log), 'server: got a TLS ClientHello record before sending garbage');

done_testing;
