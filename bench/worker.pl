#!/usr/bin/perl
# bench/worker.pl - runs ONE workload and prints one line "RESULT <json>" on
# stdout.  Started by bench/bench.pl, which selects the implementation:
#   IO::Socket::SSL   whichever is first in @INC (-I blib/... or PERL5LIB)
#   tls=0             the same code on plain IO::Socket::INET sockets (the
#                     "Perl without TLS" column); IO::Socket::SSL is not loaded
# and how it is loaded:
#   load=use          at compile time, before this script's own ops (default)
#   load=require      at run time, after this script is compiled, as
#                     HTTP::Tiny, LWP and Net::SMTP's starttls load it
# You can run it by hand:
#   perl -Iblib/lib -Iblib/arch bench/worker.pl handshake certdir=/tmp/x secs=3
#   perl bench/worker.pl bulk tls=0 mib=256
# The select workload needs the C clients: cclient=/path/to/limit (bench/limit.c).
use strict;
use warnings;
my ($TLS, $LOAD, $MODULE);
BEGIN {
    my %a = map { /^([^=]+)=(.*)$/s ? ($1 => $2) : () } @ARGV;
    $TLS    = ($a{tls} // 1) ? 1 : 0;
    $LOAD   = $a{load} || 'use';
    $MODULE = $TLS ? 'IO::Socket::SSL' : 'IO::Socket::INET';
    die "load must be use or require\n" unless $LOAD =~ /^(use|require)$/;
    if ($LOAD eq 'use') { (my $f = "$MODULE.pm") =~ s{::}{/}g; require $f }
}
# whether the module was there when the rest of this file was compiled
my $LOADED_AT_COMPILE;
BEGIN { $LOADED_AT_COMPILE = $INC{'IO/Socket/SSL.pm'} || $INC{'IO/Socket/INET.pm'} ? 1 : 0 }
use Time::HiRes qw(time sleep);
use JSON::PP ();
use POSIX ();

my $workload = shift @ARGV or die "usage: worker.pl WORKLOAD key=val...\n";
my %o = map { /^([^=]+)=(.*)$/s ? ($1 => $2) : die "bad arg $_\n" } @ARGV;
my $certdir = $o{certdir};
if ($LOAD eq 'require') { (my $f = "$MODULE.pm") =~ s{::}{/}g; require $f }
my $watchdog = $o{timeout} || 120;

my @kids;
$SIG{ALRM} = sub { kill 'KILL', @kids if @kids; print STDERR "worker: watchdog ($watchdog s) fired in $workload\n"; POSIX::_exit(3) };
alarm $watchdog;

my %srv_sock = (LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1024, ReuseAddr => 1);
my %srv_ssl  = (
    SSL_server    => 1,
    SSL_cert_file => "$certdir/server.crt",
    SSL_key_file  => "$certdir/server.key",
    ($o{version} ? (SSL_version => $o{version}) : ()),
);
# per connection (host name to send and check) and per context (chain check)
my %cli_conn = (SSL_hostname => 'localhost', SSL_verifycn_name => 'localhost', SSL_verifycn_scheme => 'default');
# the client is pinned to the workload's version as well, as limit.c and
# worker.py do (unpinned it offered TLS 1.3 too and made a key share it never used)
my %cli_ctx  = (SSL_verify_mode => 1, SSL_ca_file => "$certdir/ca.crt",
    ($o{version} ? (SSL_version => $o{version}) : ()));

# CPU seconds (user + system) of this process: on a busy machine a rate per
# CPU second says more about the code than one per wall-clock second.
sub cpu { my @t = times; $t[0] + $t[1] }

sub result {
    my %r = @_;
    $r{impl_version}      = $MODULE->VERSION;
    $r{impl_path}         = $INC{ $TLS ? 'IO/Socket/SSL.pm' : 'IO/Socket/INET.pm' };
    $r{ssl_loaded}        = $INC{'IO/Socket/SSL.pm'} // '';
    $r{load}              = $LOAD;
    $r{loaded_at_compile} = $LOADED_AT_COMPILE;
    print "RESULT ", JSON::PP->new->canonical->encode(\%r), "\n";
    exit 0;
}

sub rss_kb {
    my $pid = shift || 'self';
    open my $fh, '<', "/proc/$pid/status" or return undef;
    while (<$fh>) { return $1 if /^VmRSS:\s+(\d+)\s+kB/ }
    return undef;
}

sub err { $TLS ? "$! / $IO::Socket::SSL::SSL_ERROR" : "$!" }

sub listener {
    my %ssl = (%srv_ssl, @_);
    my $srv = $TLS ? IO::Socket::SSL->new(%srv_sock, %ssl) : IO::Socket::INET->new(%srv_sock)
        or die "server listen failed: " . err() . "\n";
    return $srv;
}

# fork a server; $body->($listen_socket) runs in the child.  Returns port.
sub start_server {
    my ($srv_args, $body) = @_;
    my $srv = listener(%$srv_args);
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
    close $srv;    # the parent does not need the listener
    return ($port, $pid);
}

# TERM lets the server exit through its handler (so a server profiled under
# callgrind writes its profile); KILL after 3 s. perl runs a handler between
# ops only: a TERM that lands after perl's last check and before accept(2)
# starts leaves the server blocked in accept for good - seen under valgrind,
# which widens that window, as a run hanging until the watchdog.
sub stop_servers {
    kill 'TERM', @kids;
    for my $pid (@kids) {
        my $until = time + 3;
        while (waitpid($pid, POSIX::WNOHANG()) == 0) {
            if (time > $until) { kill 'KILL', $pid; waitpid $pid, 0; last }
            sleep 0.01;
        }
    }
    @kids = ();
}

# a client context to share between connections (SSL_reuse_ctx)
sub client_ctx {
    return undef unless $TLS;
    return IO::Socket::SSL::SSL_Context->new(%cli_ctx, @_)
        || die "client context: $IO::Socket::SSL::SSL_ERROR\n";
}

# a client connection; with $ctx it shares that context, else it makes its own
sub connect_cli {
    my ($port, $ctx, %extra) = @_;
    my $c = $TLS
        ? IO::Socket::SSL->new(PeerAddr => '127.0.0.1', PeerPort => $port, %cli_conn,
            ($ctx ? (SSL_reuse_ctx => $ctx) : %cli_ctx), %extra)
        : IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port);
    $c or die "client connect failed: " . err() . "\n";
    return $c;
}

sub write_all {
    my ($s, $buf) = @_;
    my $off = 0; my $len = length $buf;
    while ($off < $len) {
        my $n = $s->syswrite($buf, $len - $off, $off);
        die "syswrite failed: " . err() . "\n" unless defined $n && $n > 0;
        $off += $n;
    }
}

# The server of the handshake loops: accept, close (close_notify with TLS).
sub accept_close_server {
    my $srv = shift;
    while (1) {
        my $c = $srv->accept or next;
        $c->close;
    }
}

sub median { my @s = sort { $a <=> $b } @_; @s % 2 ? $s[$#s / 2] : ($s[@s / 2 - 1] + $s[@s / 2]) / 2 }

# ---------------------------------------------------------------------------
my %W;

# Server speaks first (SMTPS/IMAPS/POP3S): it prints a banner line right after
# the handshake.  The client times from the end of its handshake (new returned)
# to the first line read with <$sock>; median over n connections.
$W{latency} = sub {
    my $n = $o{n} || 20;
    my ($port) = start_server({}, sub {
        my $srv = shift;
        while (1) {
            my $c = $srv->accept or next;
            print $c "220 localhost ESMTP bench ready\r\n";
            1 while $c->sysread(my $buf, 1024);
            $c->close;
        }
    });
    my $ctx = client_ctx();
    my @ms;
    for (1 .. $n) {
        my $c = connect_cli($port, $ctx);
        my $t0 = time;
        my $line = <$c>;
        push @ms, (time - $t0) * 1000;
        die "no banner\n" unless defined $line && $line =~ /^220 /;
        $c->close;
    }
    stop_servers();
    my @s = sort { $a <=> $b } @ms;
    my $sum = 0; $sum += $_ for @ms;
    result(value => median(@ms), unit => 'ms', n => $n, min => $s[0], max => $s[-1], mean => $sum / $n);
};

# Memory per idle connection, one shared context on each side.  Each side
# measures its own RSS (/proc/self/status VmRSS) after one warm-up connection
# and after `conns` more, every one idle: handshake done, one sync byte read,
# nothing pending.  The server reports its numbers through a pipe.
$W{memory} = sub {
    my $conns = $o{conns} || 1000;
    my $own = ($o{ctx} || 'shared') eq 'own';
    pipe(my $rd, my $wr) or die "pipe: $!";
    my ($port) = start_server({}, sub {
        my $srv = shift;
        close $rd;
        my ($r0, @keep);
        while (@keep <= $conns) {
            my $c = $srv->accept or next;
            write_all($c, 'x');
            push @keep, $c;
            $r0 = rss_kb() if @keep == 1;
        }
        my $r1 = rss_kb();
        syswrite $wr, "$r0 $r1\n";
        sleep 1 while 1;
    });
    close $wr;
    my $ctx = $own ? undef : client_ctx();
    my ($c0, @keep);
    for (0 .. $conns) {
        my $c = connect_cli($port, $ctx);
        $c->sysread(my $buf, 1) == 1 or die "sync read failed: " . err() . "\n";
        push @keep, $c;
        $c0 = rss_kb() if !$_;
    }
    my $c1 = rss_kb();
    my ($s0, $s1) = split ' ', (<$rd> // die "no report from the server\n");
    stop_servers();
    result(value => ($c1 - $c0) / $conns, unit => 'KiB/conn',
           client_kib => ($c1 - $c0) / $conns, server_kib => ($s1 - $s0) / $conns,
           client_rss_before => $c0, client_rss_after => $c1,
           server_rss_before => $s0, server_rss_after => $s1, conns => $conns,
           ctx => $own ? 'own' : 'shared');
};

# Handshakes/s.  Server (listener's context): accept + close.  Client: one
# shared context (ctx=own: a fresh one per connection, the plain
# IO::Socket::SSL->new usage); connect (verifies chain + host name
# 'localhost'), read to EOF (takes the TLS 1.3 tickets and the close_notify),
# close.  resume=1: the client context has a session cache, so each
# connection resumes the session of the one before.
$W{handshake} = sub {
    my $secs   = $o{secs} || 3;
    my $count  = $o{n} || 0;    # n=N: exactly N connections (callgrind)
    my $resume = $o{resume} || 0;
    my $own    = ($o{ctx} || 'shared') eq 'own';
    my ($port) = start_server({}, \&accept_close_server);
    my $ctx = $own ? undef : client_ctx($resume ? (SSL_session_cache_size => 16) : ());
    # guard: verification must really be on (a wrong name has to fail)
    my $bad = IO::Socket::SSL->new(PeerAddr => '127.0.0.1', PeerPort => $port, %cli_ctx,
        SSL_hostname => 'wrong.example', SSL_verifycn_name => 'wrong.example', SSL_verifycn_scheme => 'default');
    my $enforced = $bad ? 0 : 1;
    undef $bad;
    my ($n, $reused, $got_ver) = (0, 0, undef);
    my $buf;
    my $t0 = time; my $t;
    do {
        my $c = connect_cli($port, $ctx);
        $got_ver //= eval { $c->get_sslversion } // '?';
        $reused++ if eval { $c->get_session_reused };
        1 while $c->sysread($buf, 1024);
        $c->close;
        $n++;
        $t = time;
    } while ($count ? $n < $count : $t - $t0 < $secs);
    my $el = $t - $t0;
    stop_servers();
    result(value => $n / $el, unit => 'handshakes/s', n => $n, elapsed => $el,
           negotiated => $got_ver, reused => $reused, verify_enforced => $enforced,
           ctx => $own ? 'own' : 'shared');
};

# Plain TCP connections (tls=0 only): the handshake loop without TLS, on
# IO::Socket::INET - connect, read to EOF, close; the server accepts and
# closes. Beside limit.c's tcpconn it shows what Perl's socket objects cost
# per connection before any TLS, the part of a handshake row no TLS module
# can win back.
$W{tcpconn} = sub {
    my $secs = $o{secs} || 3;
    my ($port) = start_server({}, \&accept_close_server);
    my ($n, $buf) = (0, undef);
    my $t0 = time; my $t;
    my $c0 = cpu();
    do {
        my $c = connect_cli($port);
        1 while $c->sysread($buf, 1024);
        $c->close;
        $n++;
        $t = time;
    } while ($t - $t0 < $secs);
    my $cpu = cpu() - $c0;
    my $el = $t - $t0;
    stop_servers();
    result(value => $n / $el, unit => 'connections/s', n => $n, elapsed => $el,
        cpu => $cpu, cpu_rate => $cpu > 0 ? $n / $cpu : undef);
};

# Bulk throughput: server syswrites 16 KiB chunks, client sysreads 16 KiB,
# timed on the client (receiver) from just after the handshake to the last byte.
$W{bulk} = sub {
    my $mib = $o{mib} || 256;
    my $total = $mib * 1024 * 1024;
    my $chunk = 16384;
    my ($port) = start_server({}, sub {
        my $srv = shift;
        my $c = $srv->accept or die "accept: " . err() . "\n";
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
    my $ver = $TLS ? eval { $c->get_sslversion } // '?' : 'plain';
    my $cipher = $TLS ? eval { $c->get_cipher } // '?' : undef;
    my ($got, $buf) = (0, '');
    my $t0 = time;
    while ($got < $total) {
        my $n = $c->sysread($buf, $chunk);
        die "client sysread: " . (defined $n ? 'EOF' : err()) . " after $got bytes\n" unless $n;
        $got += $n;
    }
    my $el = time - $t0;
    $c->close;
    stop_servers();
    result(value => $mib / $el, unit => 'MiB/s', bytes => $got, elapsed => $el,
           negotiated => $ver, ($cipher ? (cipher => $cipher) : ()));
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
        my $c = $srv->accept or die "accept: " . err() . "\n";
        my $left = $lines;
        while ($left > 0) {
            my $k = $left < $per ? $left : $per;
            write_all($c, $k == $per ? $block : $line x $k);
            $left -= $k;
        }
        $c->close;
    });
    my $sock = connect_cli($port);
    my ($n, $bytes) = (0, 0);
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

# print: client does print $sock $line N times (one record, on plain sockets
# one write(2) - IO::Socket turns autoflush on - per line); server drains with
# sysread and acks once it has everything; timed on the client until the ack.
$W{print} = sub {
    my $lines = $o{lines} || 1_000_000;
    my $total = $lines * 60;
    my ($line) = make_lines_block();
    my ($port) = start_server({}, sub {
        my $srv = shift;
        my $c = $srv->accept or die "accept: " . err() . "\n";
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
        print $sock $line or die "print failed: " . err() . "\n";
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

# select() loop server: this process is the server under test, one select()
# over the listener and every connection, echoing each message (sysread, then
# what pending() still holds, then syswrite).  The clients are the C program
# (cclient=, bench/limit.c "selectclient"), a separate process: conns
# connections, one 32-byte message in flight on each; it counts round trips.
$W{select} = sub {
    my $conns = $o{conns} || 16;
    my $cclient = $o{cclient} or die "select needs cclient=PATH (bench/limit.c)\n";
    my $l = listener();
    my $port = $l->sockport;
    pipe(my $rd, my $wr) or die "pipe: $!";
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        close $rd; close $l;
        open STDOUT, '>&', $wr or die;
        { exec $cclient, 'selectclient', "port=$port", "conns=$conns", "secs=" . ($o{secs} || 3),
            "tls=$TLS", "certdir=$certdir", "timeout=$watchdog" }
        POSIX::_exit(127);
    }
    push @kids, $pid;
    close $wr;
    my $lfn = fileno $l;
    my (%c, $seen);
    my $rin = '';
    vec($rin, $lfn, 1) = 1;
    $seen = 0;
    my $c0 = cpu();
    while ($seen < $conns || %c) {
        select(my $rout = $rin, undef, undef, undef) > 0 or next;
        if ($seen < $conns && vec($rout, $lfn, 1)) {
            my $c = $l->accept or next;
            $c{ fileno $c } = $c;
            vec($rin, fileno $c, 1) = 1;
            vec($rin, $lfn, 1) = 0 if ++$seen == $conns;
        }
        for my $fn (keys %c) {
            next unless vec($rout, $fn, 1);
            my $c = $c{$fn};
            my $n = $c->sysread(my $buf, 4096);
            if (!$n) {
                vec($rin, $fn, 1) = 0;
                delete $c{$fn};
                $c->close;
                next;
            }
            if ($TLS) { $c->sysread($buf, 4096, length $buf) while $c->pending }
            write_all($c, $buf);
        }
    }
    my $cpu = cpu() - $c0;
    my $out = do { local $/; <$rd> } // '';
    waitpid $pid, 0;
    @kids = ();
    my ($json) = $out =~ /^RESULT (.*)$/m or die "no result from the C clients (status $?)\n";
    my $r = JSON::PP->new->decode($json);
    result(value => $r->{value}, unit => 'round trips/s', round_trips => $r->{round_trips},
        elapsed => $r->{elapsed}, conns => $conns, server_cpu => $cpu,
        cpu_rate => $cpu > 0 ? $r->{round_trips} / $cpu : undef);
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
die "$workload needs TLS\n" if !$TLS && $workload =~ /^(handshake|latency|context)$/;
die "$workload is for plain sockets (tls=0)\n" if $TLS && $workload eq 'tcpconn';
$w->();
