#!/usr/bin/perl
# bench/worker.pl - runs ONE workload with whatever IO::Socket::SSL is first in
# @INC and prints one line "RESULT <json>" on stdout.  Started by bench/bench.pl,
# which selects the implementation via -I / PERL5LIB.  Not meant to be run by
# hand, but you can:
#   perl -Iblib/lib -Iblib/arch bench/worker.pl handshake certdir=/tmp/x version=TLSv1_3 secs=3
use strict;
use warnings;
# load=require: the module comes in at run time, after this script's own
# print and readline ops are compiled, as HTTP::Tiny, LWP and Net::SMTP's
# starttls load it; otherwise at compile time, as `use` does.
BEGIN { require IO::Socket::SSL if !grep { $_ eq 'load=require' } @ARGV }
use Time::HiRes qw(time sleep);
use JSON::PP ();
use POSIX ();
use Socket ();

my $workload = shift @ARGV or die "usage: worker.pl WORKLOAD key=val...\n";
my %o = map { /^([^=]+)=(.*)$/s ? ($1 => $2) : die "bad arg $_\n" } @ARGV;
my $certdir = $o{certdir};
require IO::Socket::SSL if ($o{load} || '') eq 'require';
my $watchdog = $o{timeout} || 120;

my @kids;
$SIG{ALRM} = sub { kill 'KILL', @kids if @kids; print STDERR "worker: watchdog ($watchdog s) fired in $workload\n"; POSIX::_exit(3) };
alarm $watchdog;

my %common_srv = (
    LocalAddr     => '127.0.0.1',
    LocalPort     => 0,
    Listen        => 512,
    ReuseAddr     => 1,
    SSL_server    => 1,
    SSL_cert_file => "$certdir/server.crt",
    SSL_key_file  => "$certdir/server.key",
);
my %common_cli = (
    PeerAddr            => '127.0.0.1',
    SSL_hostname        => 'localhost',
    SSL_verifycn_name   => 'localhost',
    SSL_verifycn_scheme => 'default',
    SSL_verify_mode     => 1,              # SSL_VERIFY_PEER
    SSL_ca_file         => "$certdir/ca.crt",
);

# CPU seconds (user + system) of this process: on a busy machine a rate per
# CPU second says more about the code than one per wall-clock second.
sub cpu { my @t = times; $t[0] + $t[1] }

sub result {
    my %r = @_;
    $r{impl_version} = $IO::Socket::SSL::VERSION;
    $r{impl_path}    = $INC{'IO/Socket/SSL.pm'};
    print "RESULT ", JSON::PP->new->canonical->encode(\%r), "\n";
    exit 0;
}

sub rss_kb {
    my $pid = shift || 'self';
    open my $fh, '<', "/proc/$pid/status" or return undef;
    while (<$fh>) { return $1 if /^VmRSS:\s+(\d+)\s+kB/ }
    return undef;
}

# fork a server; $body->($listen_socket) runs in the child.  Returns port.
sub start_server {
    my ($srv_args, $body) = @_;
    my $srv = IO::Socket::SSL->new(%common_srv, %$srv_args)
        or die "server listen failed: $IO::Socket::SSL::SSL_ERROR / $!\n";
    my $port = $srv->sockport;
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        alarm $watchdog;
        $SIG{TERM} = sub { POSIX::_exit(0) };
        eval { $body->($srv) };
        print STDERR "server: $@" if $@;
        POSIX::_exit(0);
    }
    push @kids, $pid;
    close $srv;    # parent does not need the listener (close w/o SSL shutdown on a listener is fine)
    return ($port, $pid);
}

sub stop_servers {
    for (@kids) { kill 'TERM', $_; waitpid $_, 0 }
    @kids = ();
}

sub connect_cli {
    my ($port, %extra) = @_;
    my $c = IO::Socket::SSL->new(%common_cli, PeerPort => $port, %extra)
        or die "client connect failed: $IO::Socket::SSL::SSL_ERROR / $!\n";
    return $c;
}

sub write_all {
    my ($s, $buf) = @_;
    my $off = 0; my $len = length $buf;
    while ($off < $len) {
        my $n = $s->syswrite($buf, $len - $off, $off);
        die "syswrite failed: $! / $IO::Socket::SSL::SSL_ERROR\n" unless defined $n && $n > 0;
        $off += $n;
    }
}

# ---------------------------------------------------------------------------
my %W;

# Full handshakes/s, fresh client context per connection (the normal
# IO::Socket::SSL->new usage), no session reuse.  Server: accept + close.
# Client: connect (verifies chain + hostname 'localhost'), read to EOF
# (consumes TLS1.3 tickets + close_notify), close.
$W{handshake} = sub {
    my $ver  = $o{version} || 'TLSv1_3';
    my $secs = $o{secs} || 3;
    my ($port) = start_server({ SSL_version => $ver }, sub {
        my $srv = shift;
        while (1) {
            my $c = $srv->accept or next;
            $c->close;
        }
    });
    # guard: verification must really be on (a wrong name has to fail)
    my $bad = IO::Socket::SSL->new(%common_cli, PeerPort => $port,
        SSL_hostname => 'wrong.example', SSL_verifycn_name => 'wrong.example');
    my $enforced = $bad ? 0 : 1;
    undef $bad;
    my ($n, $reused, $got_ver) = (0, 0, undef);
    my $buf;
    my $t0 = time; my $t;
    do {
        my $c = connect_cli($port);
        if (!defined $got_ver) {
            $got_ver = eval { $c->get_sslversion } // '?';
        }
        $reused++ if eval { $c->get_session_reused };
        1 while $c->sysread($buf, 1024);
        $c->close;
        $n++;
        $t = time;
    } while ($t - $t0 < $secs);
    my $el = $t - $t0;
    stop_servers();
    result(value => $n / $el, unit => 'handshakes/s', n => $n, elapsed => $el,
           negotiated => $got_ver, reused => $reused, verify_enforced => $enforced);
};

# Bulk throughput: server syswrites 16 KiB chunks, client sysreads 16 KiB,
# timed on the client (receiver) from just after the handshake to the last byte.
$W{bulk} = sub {
    my $mib = $o{mib} || 256;
    my $total = $mib * 1024 * 1024;
    my $chunk = 16384;
    my ($port) = start_server({}, sub {
        my $srv = shift;
        my $c = $srv->accept or die "accept: $IO::Socket::SSL::SSL_ERROR\n";
        my $data = 'x' x $chunk;
        my $left = $total;
        while ($left > 0) {
            my $n = $c->syswrite($data, $left < $chunk ? $left : $chunk);
            die "server syswrite: $!\n" unless $n;
            $left -= $n;
        }
        $c->close;
    });
    my $c = connect_cli($port);
    my $ver = eval { $c->get_sslversion } // '?';
    my $cipher = eval { $c->get_cipher } // '?';
    my ($got, $buf) = (0, '');
    my $t0 = time;
    while ($got < $total) {
        my $n = $c->sysread($buf, $chunk);
        die "client sysread: " . (defined $n ? 'EOF' : "$! $IO::Socket::SSL::SSL_ERROR") . " after $got bytes\n"
            unless $n;
        $got += $n;
    }
    my $el = time - $t0;
    $c->close;
    stop_servers();
    result(value => $mib / $el, unit => 'MiB/s', bytes => $got, elapsed => $el,
           negotiated => $ver, cipher => $cipher);
};

sub make_lines_block {
    # 273 lines * 60 bytes = 16380 bytes per block
    my $line = ('a' x 58) . "z\n";
    return ($line, $line x 273, 273);
}

# readline: server sends N lines of 60 bytes, client reads with <$sock>.
$W{readline} = sub {
    my $lines = $o{lines} || 1_000_000;
    my ($line, $block, $per) = make_lines_block();
    my ($port) = start_server({}, sub {
        my $srv = shift;
        my $c = $srv->accept or die "accept: $IO::Socket::SSL::SSL_ERROR\n";
        my $left = $lines;
        while ($left > 0) {
            my $k = $left < $per ? $left : $per;
            write_all($c, $k == $per ? $block : $line x $k);
            $left -= $k;
        }
        $c->close;
    });
    my $sock = connect_cli($port);
    my ($n, $bytes, $bad) = (0, 0, 0);
    my $t0 = time;
    my $c0 = cpu();
    while (defined(my $l = <$sock>)) {
        $n++;
        $bytes += length $l;
    }
    my $cpu = cpu() - $c0;
    my $el = time - $t0;
    $sock->close;
    stop_servers();
    die "readline: got $n lines / $bytes bytes, expected $lines / " . ($lines * 60) . "\n"
        unless $n == $lines && $bytes == $lines * 60;
    result(value => $n / $el, unit => 'lines/s', lines => $n, elapsed => $el,
        cpu => $cpu, cpu_rate => $cpu > 0 ? $n / $cpu : undef);
};

# print: client does print $sock $line N times; server drains with sysread and
# acks once it has everything; timed on the client until the ack arrives.
$W{print} = sub {
    my $lines = $o{lines} || 1_000_000;
    my $total = $lines * 60;
    my ($line) = make_lines_block();
    my ($port) = start_server({}, sub {
        my $srv = shift;
        my $c = $srv->accept or die "accept: $IO::Socket::SSL::SSL_ERROR\n";
        my ($got, $buf) = (0, '');
        while ($got < $total) {
            my $n = $c->sysread($buf, 65536);
            last unless $n;
            $got += $n;
        }
        write_all($c, "GOT $got\n");
        1 while $c->sysread($buf, 1024);
        $c->close;
    });
    my $sock = connect_cli($port);
    my $t0 = time;
    my $c0 = cpu();
    for (1 .. $lines) {
        print $sock $line or die "print failed: $! $IO::Socket::SSL::SSL_ERROR\n";
    }
    my $cpu = cpu() - $c0;
    my ($ack, $buf) = ('', '');
    while ($ack !~ /\n/) {
        my $n = $sock->sysread($buf, 100) or die "no ack from server\n";
        $ack .= $buf;
    }
    my $el = time - $t0;
    $sock->close;
    stop_servers();
    die "print: server got '$ack', expected $total bytes\n" unless $ack eq "GOT $total\n";
    result(value => $lines / $el, unit => 'lines/s', lines => $lines, elapsed => $el,
        cpu => $cpu, cpu_rate => $cpu > 0 ? $lines / $cpu : undef);
};

# Memory per idle connection.  One warm-up connection first, then N
# connections held open (each with its own client context, i.e. plain
# IO::Socket::SSL->new), RSS delta / N for client and server.
$W{memory} = sub {
    my $conns = $o{conns} || 200;
    my ($port, $spid) = start_server({}, sub {
        my $srv = shift;
        my @keep;
        while (1) {
            my $c = $srv->accept or next;
            write_all($c, "x");          # sync: client knows accept finished
            push @keep, $c;
        }
    });
    my $buf;
    {   # warm-up: lazy initialisation, first context etc.
        my $c = connect_cli($port);
        $c->sysread($buf, 1) or die "warm-up read failed\n";
        $c->close;
    }
    sleep 0.2;
    my ($c0, $s0) = (rss_kb(), rss_kb($spid));
    my @conns;
    for (1 .. $conns) {
        my $c = connect_cli($port);
        $c->sysread($buf, 1) or die "sync read failed\n";
        push @conns, $c;
    }
    sleep 0.2;
    my ($c1, $s1) = (rss_kb(), rss_kb($spid));
    $_->close for @conns;
    stop_servers();
    result(value => ($c1 - $c0) / $conns, unit => 'KiB/conn (client)',
           server_kib_per_conn => ($s1 - $s0) / $conns,
           client_rss_before => $c0, client_rss_after => $c1,
           server_rss_before => $s0, server_rss_after => $s1, conns => $conns);
};

# Context creation using the default CA store (no SSL_ca_file/SSL_ca_path).
$W{context} = sub {
    my $n = $o{n} || 200;
    my $warm = IO::Socket::SSL::SSL_Context->new(SSL_verify_mode => 1)
        or die "SSL_Context->new failed: $IO::Socket::SSL::SSL_ERROR\n";
    undef $warm;
    my $r0 = rss_kb();
    my $t0 = time;
    for (1 .. $n) {
        my $ctx = IO::Socket::SSL::SSL_Context->new(SSL_verify_mode => 1)
            or die "SSL_Context->new failed: $IO::Socket::SSL::SSL_ERROR\n";
    }
    my $el = time - $t0;
    my $default_ca = eval { my %d = IO::Socket::SSL::default_ca(); join ',', map { "$_=$d{$_}" } sort keys %d } // '?';
    result(value => $el * 1000 / $n, unit => 'ms/ctx', n => $n, elapsed => $el,
           default_ca => $default_ca, rss_growth_kb => rss_kb() - $r0);
};

my $w = $W{$workload} or die "unknown workload '$workload' (known: @{[sort keys %W]})\n";
$w->();
