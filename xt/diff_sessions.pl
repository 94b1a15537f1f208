# Run by xt/diff_2099.t under 2.099 and under this build: a user session
# cache that logs the calls it gets, TLS 1.2 and 1.3 resumption against our
# own server process, and the cache's data layout (room, ghead, shead).
use strict; use warnings;
use lib 't/lib';
use TestLib;
use IO::Socket::SSL;
$| = 1;
package LogCache;
our @ISA = ('IO::Socket::SSL::Session_Cache');
our @log;
sub add_session { my ($s, $k, $x) = @_; push @log, "add($k)"; shift->SUPER::add_session(@_) }
sub get_session { my ($s, $k, $x) = @_; my $r = shift->SUPER::get_session(@_); push @log, "get($k)=" . ($r ? 'S' : 'none'); $r }
sub del_session { my ($s, $k, $x) = @_; push @log, 'del(' . ($k // 'undef') . ',' . ($x ? 'S' : '') . ')'; shift->SUPER::del_session(@_) }
package main;
my $c = IO::Socket::SSL::Session_Cache->new(3);
$c->add_session("k$_", 1000 + $_) for 1 .. 2;
print "room $c->{room} newest $c->{ghead}[1] shead ", join(',', sort keys %{ $c->{shead} }), "\n";
$c->get_session('k1');
print "after get k1: newest $c->{ghead}[1]\n";
print "shead k2 entry key: $c->{shead}{k2}[1]\n";
$_->[0] = 0 for values %{ $c->{shead} };    # the handles above are not real sessions
undef $c;
# "own": the issue's pattern, each connection with its own context and one
# cache shared (2.099 drops each session when its context is freed; we
# resume: xt/diff_2099.t knows). "shared": one context for all connections,
# ended with close, without close_notify, or dropped; "free:" marks freeing
# that context (2.099: del_session for each of its sessions; we: nothing).
for my $v (qw(TLSv1_2 TLSv1_3)) {
    for my $mode (qw(own shared:close shared:no_shutdown shared:drop)) {
        my ($shared, $how) = $mode eq "own" ? (0, "close") : split(/:/, $mode);
        my $l = ssl_listener(SSL_version => $v);
        my ($pid, $port) = fork_server($l, sub { my $l = shift; for (1 .. 3) { my $x = $l->accept or next; print $x "hi\n"; <$x> } });
        my $cache = LogCache->new(5);
        my %a = (SSL_version => $v, SSL_ca_file => cert('test-ca.pem'), SSL_verifycn_name => 'localhost',
            SSL_session_cache => $cache, SSL_session_key => 'key');
        my $ctx = $shared ? IO::Socket::SSL::SSL_Context->new(%a) : undef;
        @log = ();
        my @reused;
        for my $i (1 .. 3) {
            my $s = IO::Socket::SSL->new(PeerAddr => "127.0.0.1:$port", %a, $ctx ? (SSL_reuse_ctx => $ctx) : ())
                or die "connect: $IO::Socket::SSL::SSL_ERROR";
            my $l = <$s>;
            push @reused, $s->get_session_reused ? 1 : 0;
            print $s "x\n";
            push @log, '|';
            if ($how eq 'close') { close $s }
            elsif ($how eq 'no_shutdown') { $s->close(SSL_no_shutdown => 1) }
            else { undef $s }
        }
        push @log, 'free:';
        undef $ctx;
        print "$v $mode reused=@reused\n";
        print "$v $mode log: @log\n";
        kill_child($pid);
    }
}
