#!/usr/bin/perl
# Processes and threads: a forked child dropping (or closing with
# SSL_no_shutdown) its copy of a connection never breaks the parent's; a
# cloned ithread gets dead handles and never frees what the parent owns.
use strict;
use warnings;
use lib 't/lib';
use Config;
use Test::More;
use TestLib;
use IO::Socket::SSL;
use POSIX ();
use Time::HiRes ();

watchdog(60);

# An echo server for one connection: returns lines as they come.
sub echo_server {
    my $l = ssl_listener();
    return fork_server($l, sub {
        my $l = shift;
        my $c = $l->accept or die "accept: $SSL_ERROR";
        while (defined(my $line = <$c>)) {
            print $c "echo $line";
        }
        report(done => 1);
    });
}

sub client {
    my $port = shift;
    my $c = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port,
        SSL_ca_file => cert('test-ca.pem')) or die "client: $SSL_ERROR";
    return $c;
}

for my $how ('destroy', 'close_no_shutdown') {
    my ($spid, $port) = echo_server();
    my $c = client($port);
    print $c "one\n";
    is(scalar <$c>, "echo one\n", "$how: before fork");
    my $kid = fork_child(sub {
        if ($how eq 'destroy') {
            undef $c;                         # implicit close in DESTROY
        } else {
            $c->close(SSL_no_shutdown => 1);  # explicit, without close_notify
        }
        report(ok => 1);
    });
    my ($st) = wait_child($kid);
    is($st, 0, "$how: child ran");
    print $c "two\n";
    is(scalar <$c>, "echo two\n", "$how: parent's connection still works after the child");
    ok($c->close, "$how: parent closes");
    my ($sst, $r) = wait_child($spid);
    is($r->{done}, 1, "$how: server saw a clean end");
}

SKIP: {
    skip 'perl without ithreads', 5 if !$Config{useithreads};
    require threads;
    my ($spid, $port) = echo_server();
    my $c = client($port);
    print $c "one\n";
    is(scalar <$c>, "echo one\n", 'threads: before the thread');
    my $thr = threads->create({ context => 'list' }, sub {
        # the clone's handle is dead: I/O croaks instead of touching the
        # parent's TLS state; dropping it frees nothing of the parent's
        my $ok = eval { $c->syswrite("x\n"); 1 };
        my $err = $@;
        undef $c;
        return ($ok ? 'wrote' : 'refused', $err);
    });
    my ($res, $err) = $thr->join;
    is($res, 'refused', 'threads: I/O on a cloned connection is refused');
    like($err, qr/another thread/, 'threads: with a clear message');
    print $c "two\n";
    is(scalar <$c>, "echo two\n", 'threads: parent connection works after the thread ended');
    $c->close;
    my ($sst, $r) = wait_child($spid);
    is($r->{done}, 1, 'threads: server saw a clean end');
}

# ---- fork while another thread is reading a default CA store ----
# The process-wide cache of parsed default stores has a lock. A thread that
# parses a store (here: blocked on a FIFO as its CA file, inside open(2),
# before OpenSSL takes any lock of its own) must not hold that lock, or a child
# forked meanwhile inherits it locked and hangs on its first context.
SKIP: {
    skip 'perl without ithreads', 3 if !$Config{useithreads};
    require threads;
    require File::Temp;
    require POSIX;
    my $dir = File::Temp::tempdir(CLEANUP => 1);
    my $fifo = "$dir/ca.fifo";
    POSIX::mkfifo($fifo, 0600) or die "mkfifo: $!";
    my $thr = threads->create(sub {
        IO::Socket::SSL::default_ca(SSL_ca_file => $fifo);
        my $ctx = IO::Socket::SSL::SSL_Context->new(SSL_verify_mode => 1);
        return $ctx ? 'ok' : "failed: $SSL_ERROR";
    });
    # the thread is blocked in open() once the FIFO has a reader: wait for it
    # by opening the write end without blocking (ENXIO until then)
    my $w;
    for (1 .. 1000) {
        last if sysopen($w, $fifo, POSIX::O_WRONLY() | POSIX::O_NONBLOCK());
        select(undef, undef, undef, 0.01);
    }
    ok($w, 'the thread is reading its CA file (blocked until we write)');
    # xt/valgrind.sh forgives, in this child only, "definite leaks" allocated
    # on an ithread: the thread above is not copied by fork, so what only its
    # stack held (its half-read store, its per-thread OpenSSL state) looks lost
    # here. So this child must start no thread of its own.
    my $pid = fork;
    die "fork: $!" if !defined $pid;
    if (!$pid) {
        # a hang in C never returns to perl: the default action of SIGALRM
        # ends the child with a status the parent sees
        $SIG{ALRM} = 'DEFAULT';
        alarm 20;
        IO::Socket::SSL::default_ca(SSL_ca_file => cert('test-ca.pem'));
        my $ok = IO::Socket::SSL::SSL_Context->new(SSL_verify_mode => 1);
        POSIX::_exit($ok ? 0 : 4);
    }
    waitpid($pid, 0);
    is($?, 0, 'a child forked meanwhile builds a context on a default store (no inherited lock)');
    if ($w) {    # now let the thread finish its file
        my $pem = do { local (@ARGV, $/) = cert('test-ca.pem'); <> };
        fcntl($w, POSIX::F_SETFL(), 0);
        print {$w} $pem;
        close $w;
    }
    my $res = $thr->join;
    ok(defined $res, "the thread finished ($res)");
}

done_testing;
