#!perl
# How records come off the socket (c_src/biosock.c): the read that finishes
# a record's body also fetches the next record's header, so a stream of small
# records costs one read(2) each, not two; but nothing more is taken from the
# kernel, so select() still sees every record that sysread has not returned,
# and plain text after a close_notify (stop_SSL) stays on the socket.
# TLS 1.2 and 1.3.
use strict;
use warnings;
use lib 't/lib';
use TestLib;
use Test::More;
use IO::Socket::SSL;
use Time::HiRes qw(time sleep);
use File::Temp ();

watchdog(60);

my @CLIENT_SSL = (
    SSL_ca_file       => cert('test-ca.pem'),
    SSL_verifycn_name => 'localhost',
    SSL_hostname      => 'localhost',
);
my $N = 300;              # records per burst
my $REC = 'r' x 99 . "\n";

# Bytes queued on the socket for reading (FIONREAD).
sub queued {
    my $s = shift;
    my $n = pack('L', 0);
    ioctl($s, 0x541B, $n) or return -1;     # FIONREAD on Linux
    return unpack('L', $n);
}

# Waits until the peer's burst has arrived: the queue stops growing.
sub wait_settled {
    my ($s, $min) = @_;
    my ($last, $since, $deadline) = (-1, time, time + 10);
    while (time < $deadline) {
        my $q = queued($s);
        if ($q != $last) { ($last, $since) = ($q, time) }
        elsif ($q >= $min && time - $since > 0.15) { return $q }
        sleep 0.01;
    }
    return $last;
}

# Receive system calls made on the socket so far, counted by the socket BIO
# where it makes them (recvmsg does not show in /proc/self/io's syscr).
sub read_syscalls { $_[0]->_socket_reads }

# A server that sends $N records (one syswrite each), then, on "stop\n",
# a last record, a close_notify and plain text in one go.
sub burst_server {
    my $version = shift;
    return fork_server(ssl_listener(SSL_version => $version), sub {
        my $l = shift;
        my $c = $l->accept or die "accept: $SSL_ERROR";
        for (1 .. $N) { $c->syswrite($REC) == length $REC or die "write: $SSL_ERROR" }
        my $cmd = <$c>;
        die "expected stop, got " . ($cmd // 'EOF') unless ($cmd // '') eq "stop\n";
        $c->syswrite('last ' . 'x' x 60 . "\n");
        $c->stop_SSL(SSL_fast_shutdown => 1) or die "stop_SSL: $SSL_ERROR";
        syswrite($c, "PLAIN after TLS\n");
        # after a fast shutdown the client's TLS is still read (2.091+): its
        # answering close_notify ends TLS here (EOF), then plain text follows
        my $rest = '';
        my $n = sysread($c, my $first, 100);
        $rest .= $first if $n;
        while ($rest !~ /bye\n\z/ && sysread($c, my $chunk, 100)) { $rest .= $chunk }
        report(bye => $rest =~ /bye\n\z/ ? "bye\n" : $rest);
    });
}

sub getline_plain {
    my $s = shift;
    my $line = '';
    while (sysread($s, my $ch, 1)) { $line .= $ch; last if $ch eq "\n" }
    return $line;
}


for my $version (qw(TLSv1_2 TLSv1_3)) {
    # ---- one read(2) per record, and select() sees each record -------------
    {
        my ($pid, $port) = burst_server($version);
        my $s = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port, @CLIENT_SSL)
            or die "connect: $SSL_ERROR";
        is($s->get_sslversion, $version, "$version negotiated");
        my $q = wait_settled($s, $N * (length($REC) + 21));
        cmp_ok($q, '>=', $N * (length($REC) + 21), "$version: the whole burst is queued ($q bytes)");

        my $before = read_syscalls($s);
        my ($got, $waits, $short) = (0, 0, 0);
        for (1 .. $N) {
            if (!$s->pending) {
                vec(my $rin = '', fileno($s), 1) = 1;
                # the data is all there: select must say so at once
                select(my $r = $rin, undef, undef, 2) or $waits++;
            }
            my $n = sysread($s, my $buf, 65536);
            last unless $n;
            $short++ if $n != length $REC;
            $got += $n;
        }
        my $after = read_syscalls($s);
        is($got, $N * length($REC), "$version: all $N records read");
        is($short, 0, "$version: sysread returns one whole record per call");
        is($waits, 0, "$version: select() reported every record sysread had not returned yet");
        my $calls = $after - $before;
        if ($version eq 'TLSv1_2') {
            # the header of the next record comes with this one's body;
            # two per record without that (plus a few for stray waits)
            cmp_ok($calls, '<=', $N * 1.1 + 10, "$version: $calls read calls for $N records");
        } else {
            # TLS 1.3 hides the record type, a close_notify may be padded to
            # any length: no reading ahead, header and body read separately
            cmp_ok($calls, '>=', $N * 2, "$version: $calls read calls for $N records (no read-ahead)");
            cmp_ok($calls, '<=', $N * 2.1 + 10, "$version: ... and no more than two per record");
        }

        # ---- close_notify and plain text right after the last record -------
        print $s "stop\n";
        wait_settled($s, 80);
        my $last = <$s>;
        like($last, qr/^last x+\n\z/, "$version: last record before the close_notify");
        my $n = sysread($s, my $buf, 100);
        is($n, 0, "$version: EOF at the peer's close_notify");
        ok($s->stop_SSL, "$version: stop_SSL") or diag $SSL_ERROR;
        is(getline_plain($s), "PLAIN after TLS\n",
            "$version: the plain text that followed the close_notify is intact on the socket");
        syswrite($s, "bye\n");
        my ($status, $r) = wait_child($pid);
        is($status, 0, "$version: server ok") or diag $r->{__died__};
        is($r->{bye}, "bye\n", "$version: plain text back to the server");
        close $s;
    }
}

# ---- a TLS 1.3 peer that pads its records to 64 bytes (its close_notify
# too, so no length tells it from data) and sends plain text right behind
# its close_notify: stop_SSL must leave every byte of the text on the socket.
# The peer is this module in another process whose OpenSSL configuration
# turns on record padding (RecordPadding in the system_default section).
for my $version (qw(TLSv1_3 TLSv1_2)) {
    my $conf = File::Temp->new(SUFFIX => '.cnf');
    print $conf "openssl_conf = conf\n[conf]\nssl_conf = ssl\n[ssl]\nsystem_default = sys\n"
        . "[sys]\nRecordPadding = 64\n";
    close $conf;
    my $server = <<'PERL';
use IO::Socket::SSL;
my ($cert, $key, $version) = @ARGV;
my $l = IO::Socket::SSL->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1,
    SSL_cert_file => $cert, SSL_key_file => $key, SSL_version => $version) or die $SSL_ERROR;
$| = 1;
print "port ", $l->sockport, "\n";
my $c = $l->accept or die $SSL_ERROR;
$c->syswrite("record $_\n") for 1 .. 20;
my $cmd = <$c>;
$c->syswrite("last\n");
$c->stop_SSL(SSL_fast_shutdown => 1) or die $SSL_ERROR;
syswrite($c, "PLAINTEXT\n");
sysread($c, my $x, 100);
PERL
    local $ENV{OPENSSL_CONF} = $conf->filename;
    my $bg = run_bg([$^X, perl_inc_args(), '-e', $server, cert('server-chain.pem'),
        cert('server-key.pem'), $version]);
    wait_bg_output($bg, qr/port (\d+)/, 20) or die 'padded server: ' . bg_output($bg);
    my ($port) = bg_output($bg) =~ /port (\d+)/;
    my $s = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port, @CLIENT_SSL)
        or die "connect: $SSL_ERROR";
    my @got = map { scalar <$s> } 1 .. 20;
    is($got[-1], "record 20\n", "padded $version peer: records read");
    print $s "stop\n";
    wait_settled($s, 2 * 64);
    is(scalar <$s>, "last\n", "padded $version peer: last record");
    is(sysread($s, my $buf, 100), 0, "padded $version peer: EOF at its close_notify");
    ok($s->stop_SSL, "padded $version peer: stop_SSL");
    is(getline_plain($s), "PLAINTEXT\n", "padded $version peer: the plain text behind the close_notify is whole");
    syswrite($s, "bye\n");
    close $s;
    stop_bg($bg);
}

# ---- the same header fetch in a non-blocking select loop ------------------
{
    my ($pid, $port) = burst_server('TLSv1_2');
    my $s = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port, @CLIENT_SSL)
        or die "connect: $SSL_ERROR";
    $s->blocking(0);
    my ($got, $again, $deadline) = (0, 0, time + 20);
    while ($got < $N * length($REC) && time < $deadline) {
        my $n = sysread($s, my $buf, 65536);
        if ($n) { $got += $n; next }
        last if defined $n;
        $again++;
        die "sysread: $SSL_ERROR" unless $SSL_ERROR == SSL_WANT_READ;
        vec(my $rin = '', fileno($s), 1) = 1;
        select(my $r = $rin, undef, undef, 5) or last;   # must never time out
    }
    is($got, $N * length($REC), 'non-blocking: every record read, each select() woke up');
    $s->blocking(1);
    print $s "stop\n";
    like(scalar <$s>, qr/^last/, 'non-blocking: last record');
    is(sysread($s, my $buf, 10), 0, 'non-blocking: EOF at close_notify');
    ok($s->stop_SSL, 'non-blocking: stop_SSL');
    is(getline_plain($s), "PLAIN after TLS\n", 'non-blocking: plain text intact after stop_SSL');
    syswrite($s, "bye\n");
    my ($status, $r) = wait_child($pid);
    is($status, 0, 'non-blocking: server ok') or diag $r->{__died__};
    close $s;
}

done_testing;
