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

done_testing;
