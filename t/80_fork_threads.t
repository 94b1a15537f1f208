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

# ---- fork while another thread loads a default CA store ----
# The process-wide cache of parsed default stores has a lock. A fork() while
# another thread holds it must not leave the child with a lock nobody will
# release: the child builds a context on a default store at once.
SKIP: {
    skip 'perl without ithreads', 2 if !$Config{useithreads};
    # xt/sanitize.sh: GCC 12's ASan allocator takes no lock around fork(), so
    # a child forked while the thread allocates can hang in ASan's malloc
    # (seen: SizeClassAllocator64 lock, from SSL_CTX_new) - not in our code
    skip 'ASan runtime (xt/sanitize.sh): its allocator is not fork-safe beside threads', 2
        if $ENV{ISS_UNDER_ASAN};
    require threads;
    require threads::shared;
    require File::Temp;
    my $dir = File::Temp::tempdir(CLEANUP => 1);
    my $pem = do { local (@ARGV, $/) = cert('ca-bundle.pem'); <> };
    {
        open my $fh, '>', "$dir/big.pem" or die $!;
        print $fh $pem x 20;    # long enough to parse (~0.1 s) that a fork lands in it
    }
    link("$dir/big.pem", "$dir/b$_.pem") or die "link: $!" for 1 .. 400;
    my $stop :shared = 0;
    my $loads :shared = 0;
    my $thr = threads->create(sub {
        # every path is new to the cache: each context parses its file
        for my $i (1 .. 400) {
            last if $stop;
            IO::Socket::SSL::default_ca(SSL_ca_file => "$dir/b$i.pem");
            IO::Socket::SSL::SSL_Context->new(SSL_verify_mode => 1) or die $SSL_ERROR;
            $loads++;
        }
    });
    Time::HiRes::sleep(0.01) until $loads >= 1;
    my @status;
    for my $n (1 .. 15) {
        my $pid = fork;
        die "fork: $!" if !defined $pid;
        if (!$pid) {
            # a deadlock in C never returns to perl to run a perl handler:
            # the default action ends the child, with a status the parent sees
            $SIG{ALRM} = 'DEFAULT';
            alarm 10;
            IO::Socket::SSL::default_ca(SSL_ca_file => cert('test-ca.pem'));
            my $ok = IO::Socket::SSL::SSL_Context->new(SSL_verify_mode => 1);
            POSIX::_exit($ok ? 0 : 4);
        }
        waitpid($pid, 0);
        push @status, $?;
    }
    $stop = 1;
    $thr->join;
    is(join(',', @status), join(',', (0) x 15),
        "15 children forked while a thread parsed default stores ($loads parsed) all built a context");
    ok($loads > 1, 'the thread was parsing meanwhile');
}

done_testing;
