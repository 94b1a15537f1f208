package TestLib;
# Helpers shared by the test suite. Everything here runs real sockets over
# loopback; nothing is mocked. Loading this module ignores SIGPIPE (SSL
# writes to a peer that went away must give EPIPE, not kill the test).
use strict;
use warnings;
use Exporter 'import';
use Cwd ();
use Errno ();
use File::Basename ();
use File::Spec;
use File::Temp ();
use IO::Handle;
use IO::Socket::INET;
use POSIX ();
use Socket ();
use Time::HiRes ();

our @EXPORT = qw(
    cert certdir watchdog
    tcp_listener ssl_listener listener_port free_port try_new
    fork_server fork_child report wait_report wait_child kill_child greeting_server
    count_fds fd_list
    run_bg wait_bg_output wait_bg stop_bg bg_output
    wait_port openssl_bin perl_inc_args
);

$SIG{PIPE} = 'IGNORE';

our %CHILD;    # forked children: pid => { fh => result pipe, results => {} }
our %BG;       # background commands: pid => handle
my $MAIN_PID = $$;

# whatever a test leaves running is killed when it ends
END {
    if ($$ == $MAIN_PID) {
        local $?;    # keep the test's exit status
        kill_child($_) for keys %CHILD;
        stop_bg($_) for values %BG;
    }
}

my $CERTDIR = Cwd::abs_path(
    File::Spec->catdir(File::Basename::dirname(__FILE__), File::Spec->updir, 'certs'));

# Absolute path of t/certs/ and of a file in it: cert('server-cert.pem').
sub certdir { $CERTDIR }
sub cert {
    my $name = shift;
    my $path = File::Spec->catfile($CERTDIR, $name);
    die "no such test certificate file: $path\n" if !-e $path;
    return $path;
}

# watchdog($secs): the whole test dies (fails) when it runs longer than $secs.
# Every test calls this first. Children created by fork_server/fork_child
# get their own watchdog.
sub watchdog {
    my $secs = shift || 30;
    $SIG{ALRM} = sub {
        my $msg = "watchdog: test timed out after ${secs}s";
        print STDERR "# $msg\n";
        # kill any children we still know about, then fail hard
        kill 'KILL', keys %CHILD, keys %BG;
        POSIX::_exit(255);
    };
    alarm $secs;
}

# A plain TCP listening socket on 127.0.0.1 with a kernel-chosen port.
sub tcp_listener {
    my %args = @_;
    my $l = IO::Socket::INET->new(
        LocalAddr => '127.0.0.1',
        LocalPort => 0,
        Listen    => 16,
        ReuseAddr => 1,
        Proto     => 'tcp',
        %args,
    ) or die "cannot create TCP listener: $!";
    return $l;
}

# An IO::Socket::SSL server socket on 127.0.0.1, port chosen by the kernel,
# with the test server certificate (+ intermediate) unless overridden.
sub ssl_listener {
    my %args = @_;
    require IO::Socket::SSL;
    my $l = IO::Socket::SSL->new(
        LocalAddr     => '127.0.0.1',
        LocalPort     => 0,
        Listen        => 16,
        ReuseAddr     => 1,
        SSL_cert_file => cert('server-chain.pem'),
        SSL_key_file  => cert('server-key.pem'),
        %args,
    ) or die "cannot create SSL listener: $! / "
        . ($IO::Socket::SSL::SSL_ERROR // '');
    return $l;
}

# try_new(@args): IO::Socket::SSL->new(@args), which may die or return
# false for bad arguments: (object or undef, error text from $@ or
# $SSL_ERROR, '' for none).
sub try_new {
    my @args = @_;
    require IO::Socket::SSL;
    $IO::Socket::SSL::SSL_ERROR = undef;
    local $@;
    my $obj = eval { IO::Socket::SSL->new(@args) };
    my $err = $@ ? "$@"
        : defined $IO::Socket::SSL::SSL_ERROR ? "$IO::Socket::SSL::SSL_ERROR" : '';
    return ($obj, $err);
}

sub listener_port {
    my $l = shift;
    my $sa = getsockname($l) or die "getsockname: $!";
    my ($port) = Socket::sockaddr_family($sa) == Socket::AF_INET()
        ? Socket::unpack_sockaddr_in($sa)
        : Socket::unpack_sockaddr_in6($sa);
    return $port;
}

# A TCP port that was free a moment ago (for external servers that must be
# told a port). Prefer listeners created before fork where possible.
sub free_port {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
        Listen => 1, ReuseAddr => 1, Proto => 'tcp') or die "free_port: $!";
    my $port = listener_port($s);
    close $s;
    return $port;
}

# ---------------------------------------------------------------------------
# Forked children with a result channel.
#
#   my ($pid, $port) = fork_server($listener, sub {
#       my $listener = shift;
#       my $c = $listener->accept or die "accept: $IO::Socket::SSL::SSL_ERROR";
#       report(line => scalar <$c>);
#   });
#   ... client code in the parent ...
#   my ($status, $r) = wait_child($pid);   # $r->{line}
#
# The listener is created in the parent before fork, so the port is known
# and already accepting: no races. The parent's copy is closed after fork.
# In the child: own watchdog (default 20 s), die => exit status 1 and the
# message reported as '__died__'; exit without END blocks/destructors
# (POSIX::_exit) after the code returns.
# ---------------------------------------------------------------------------
my $REPORT_FH; # in the child: write end

sub fork_server {
    my ($listener, $code, %opt) = @_;
    my $port = listener_port($listener);
    my $pid = fork_child(sub { $code->($listener) }, %opt);
    # parent: the child owns the listener now
    if (!$opt{keep_listener}) {
        if ($listener->isa('IO::Socket::SSL')) {
            $listener->close(SSL_no_shutdown => 1);
        } else {
            close($listener);
        }
    }
    return ($pid, $port);
}

# A server child for $n TLS connections, one after the other. For each it
# reports "err$i" (the accept error) or the facts $facts->($socket) returns,
# each key suffixed with $i; then it greets with "hi\n", waits for one line
# and closes.
sub greeting_server {
    my ($n, $facts, %args) = @_;
    return fork_server(ssl_listener(%args), sub {
        my $l = shift;
        for my $i (1 .. $n) {
            my $c = $l->accept
                or do { report("err$i" => "$IO::Socket::SSL::SSL_ERROR"); next };
            my %f = $facts->($c);
            report(map { ("$_$i" => $f{$_}) } keys %f);
            print $c "hi\n";
            <$c>;
            $c->close;
        }
    });
}

sub fork_child {
    my ($code, %opt) = @_;
    pipe(my $r, my $w) or die "pipe: $!";
    STDOUT->flush; STDERR->flush;
    my $pid = fork;
    die "fork: $!" if !defined $pid;
    if (!$pid) {
        # child
        close $r;
        $w->autoflush(1);
        $REPORT_FH = $w;
        %CHILD = ();
        %BG = ();
        my $secs = $opt{timeout} || 20;
        $SIG{ALRM} = sub {
            report(__died__ => "child watchdog: timed out after ${secs}s");
            POSIX::_exit(98);
        };
        alarm $secs;
        my $ok = eval { $code->(); 1 };
        if (!$ok) {
            my $e = $@;
            report(__died__ => $e);
            print STDERR "# child $$ died: $e";
            POSIX::_exit(1);
        }
        close $w;
        POSIX::_exit(0);
    }
    close $w;
    $CHILD{$pid} = { fh => $r, results => {} };
    return $pid;
}

# report(key => value, ...) - in a forked child: send values to the parent.
# Values may be undef or contain any bytes. Repeated keys: last one wins,
# all values are kept in $r->{key . '[]'} (array ref) too.
sub report {
    die "report() called outside of a forked child" if !$REPORT_FH;
    while (my ($k, $v) = splice(@_, 0, 2)) {
        my $enc = defined $v ? 'D' . unpack('H*', "$v") : 'U';
        print {$REPORT_FH} unpack('H*', $k) . " $enc\n";
    }
}

# wait_report($pid, $key, [$timeout=30]) -> the value the child reported
# for $key, waiting (bounded) until it has. Use it to wait for an event in
# the child ("the accept timed out") instead of sleeping and hoping.
sub wait_report {
    my ($pid, $key, $timeout) = @_;
    my $c = $CHILD{$pid} or die "wait_report: no such child $pid";
    return $c->{results}{$key} if exists $c->{results}{$key};
    my $fh = $c->{fh} or return undef;
    local $SIG{ALRM} = sub { die "wait_report: no '$key' from child $pid\n" };
    my $old = alarm($timeout || 30);
    my $found;
    while (defined(my $line = <$fh>)) {
        my ($k, $v) = _decode($line);
        $c->{results}{$k} = $v;
        push @{ $c->{results}{"$k\[]"} }, $v;
        if ($k eq $key) { $found = 1; last }
    }
    alarm($old);    # the test's own watchdog goes on
    return $found ? $c->{results}{$key} : undef;
}

sub _decode {
    my $line = shift;
    chomp $line;
    my ($k, $v) = split / /, $line, 2;
    return (pack('H*', $k), $v =~ /^D(.*)/ ? pack('H*', $1) : undef);
}

sub _read_results {
    my $pid = shift;
    my $c = $CHILD{$pid} or return {};
    my $fh = delete $c->{fh} or return $c->{results};
    while (defined(my $line = <$fh>)) {
        my ($k, $v) = _decode($line);
        $c->{results}{$k} = $v;
        push @{ $c->{results}{"$k\[]"} }, $v;
    }
    close $fh;
    return $c->{results};
}

# wait_child($pid, [$timeout=15]) -> ($exit_status, \%results)
# Waits at most $timeout seconds, then kills the child (status -1).
# $exit_status is the child's exit code (0 = its code ran without dying).
sub wait_child {
    my ($pid, $timeout) = @_;
    $timeout ||= 15;
    my $deadline = Time::HiRes::time() + $timeout;
    my $status;
    while (1) {
        my $w = waitpid($pid, POSIX::WNOHANG());
        if ($w == $pid) { $status = $? >> 8; $status = -1 if $? & 127; last }
        if ($w < 0) { $status = -1; last }
        if (Time::HiRes::time() > $deadline) {
            kill 'KILL', $pid;
            waitpid($pid, 0);
            $status = -1;
            last;
        }
        Time::HiRes::sleep(0.02);
    }
    my $r = _read_results($pid);
    delete $CHILD{$pid};
    if ($status != 0 && defined $r->{__died__}) {
        print STDERR "# child $pid: $r->{__died__}\n" if $ENV{TEST_VERBOSE};
    }
    return ($status, $r);
}

sub kill_child {
    my $pid = shift or return;
    kill 'KILL', $pid;
    waitpid($pid, 0);
    delete $CHILD{$pid};
}

# ---------------------------------------------------------------------------
# File descriptors of this process (for leak checks).
# ---------------------------------------------------------------------------
sub fd_list {
    opendir(my $dh, '/proc/self/fd') or return;
    my $self = fileno($dh);
    my @fds = sort { $a <=> $b } grep { /^\d+$/ && $_ != $self } readdir $dh;
    closedir $dh;
    return @fds;
}
sub count_fds { return scalar(my @l = fd_list()) }

# ---------------------------------------------------------------------------
# External commands (openssl s_server / s_client) in the background.
#
#   my $h = run_bg(['openssl', 's_server', ...], stdin => $data_or_undef);
#   wait_bg_output($h, qr/ACCEPT/, 10) or die;
#   ...
#   my $out = stop_bg($h);        # kills (TERM, then KILL), returns output
#   my ($rc, $out) = wait_bg($h, 10);   # waits for exit (kills on timeout)
#
# stdout and stderr go to one temporary file; stdin is the given string
# (then EOF) or, with stdin_hold => 1, a pipe kept open until stop/wait.
# ---------------------------------------------------------------------------
sub run_bg {
    my ($cmd, %opt) = @_;
    my $out = File::Temp->new(UNLINK => 1);
    my ($in_r, $in_w);
    pipe($in_r, $in_w) or die "pipe: $!";
    STDOUT->flush; STDERR->flush;
    my $pid = fork;
    die "fork: $!" if !defined $pid;
    if (!$pid) {
        close $in_w;
        POSIX::dup2(fileno($in_r), 0);
        # append mode: the tool may mix stdio-buffered and raw writes
        open(STDOUT, '>>', $out->filename) or POSIX::_exit(127);
        open(STDERR, '>&', \*STDOUT) or POSIX::_exit(127);
        $SIG{PIPE} = 'DEFAULT';
        exec(@$cmd) or POSIX::_exit(127);
    }
    close $in_r;
    $in_w->autoflush(1);
    my $h = { pid => $pid, out => $out, in => $in_w, cmd => $cmd };
    $BG{$pid} = $h;
    if (defined $opt{stdin}) {
        print {$in_w} $opt{stdin};
    }
    if (!$opt{stdin_hold}) {
        close $in_w;
        delete $h->{in};
    }
    return $h;
}

sub bg_output {
    my $h = shift;
    open(my $fh, '<', $h->{out}->filename) or return '';
    local $/;
    my $s = <$fh>;
    return defined $s ? $s : '';
}

# Wait (bounded) until the output matches $re; returns true on match.
sub wait_bg_output {
    my ($h, $re, $timeout) = @_;
    my $deadline = Time::HiRes::time() + ($timeout || 10);
    while (Time::HiRes::time() < $deadline) {
        return 1 if bg_output($h) =~ $re;
        return 0 if !_bg_alive($h) && bg_output($h) !~ $re;
        Time::HiRes::sleep(0.05);
    }
    return 0;
}

sub _bg_alive {
    my $h = shift;
    return 0 if defined $h->{status};
    my $w = waitpid($h->{pid}, POSIX::WNOHANG());
    if ($w == $h->{pid}) { $h->{status} = $? >> 8; return 0 }
    return $w == 0;
}

# Wait (bounded) for the process to exit by itself: ($exit_code, $output);
# exit code -1 if it had to be killed. Closes its stdin first, unless
# keep_stdin => 1 (some tools, e.g. openssl s_client with TLS 1.3, may lose
# data when their stdin hits EOF early).
sub wait_bg {
    my ($h, $timeout, %opt) = @_;
    close(delete $h->{in}) if $h->{in} && !$opt{keep_stdin};
    my $deadline = Time::HiRes::time() + ($timeout || 10);
    while (_bg_alive($h)) {
        if (Time::HiRes::time() > $deadline) {
            stop_bg($h);
            return (-1, bg_output($h));
        }
        Time::HiRes::sleep(0.05);
    }
    delete $BG{$h->{pid}};
    return ($h->{status}, bg_output($h));
}

# Kill the process (if still running), reap it, return its output.
sub stop_bg {
    my $h = shift;
    close(delete $h->{in}) if $h->{in};
    delete $BG{$h->{pid}};
    if (_bg_alive($h)) {
        kill 'TERM', $h->{pid};
        my $deadline = Time::HiRes::time() + 3;
        while (_bg_alive($h) && Time::HiRes::time() < $deadline) {
            Time::HiRes::sleep(0.05);
        }
        if (_bg_alive($h)) {
            kill 'KILL', $h->{pid};
            waitpid($h->{pid}, 0);
            $h->{status} = -1;
        }
    }
    return bg_output($h);
}

# Wait (bounded) until something accepts TCP connections on 127.0.0.1:$port.
# Note: this makes (and closes) a connection to the server.
sub wait_port {
    my ($port, $timeout) = @_;
    my $deadline = Time::HiRes::time() + ($timeout || 10);
    while (Time::HiRes::time() < $deadline) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
            PeerPort => $port, Proto => 'tcp', Timeout => 1);
        if ($s) { close $s; return 1 }
        Time::HiRes::sleep(0.05);
    }
    return 0;
}

# Path of the openssl command line tool, or undef.
sub openssl_bin {
    for my $d ((split /:/, $ENV{PATH} || ''), '/usr/bin', '/usr/local/bin') {
        my $p = File::Spec->catfile($d, 'openssl');
        return $p if -x $p;
    }
    return;
}

# -I arguments reproducing this process' @INC for a perl subprocess
# (so a child perl sees the same IO::Socket::SSL, e.g. from blib).
sub perl_inc_args {
    return map { "-I$_" } grep { !ref } @INC;
}

1;
