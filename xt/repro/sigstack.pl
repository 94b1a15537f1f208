# A signal handler that grows the Perl argument stack runs from inside
# readline's EINTR loop (PERL_ASYNC_CHECK in readline_impl), then
# readline_impl pushes its result through the SP it took before the loop.
use strict; use warnings;
use lib 't/lib';
use TestLib; use IO::Socket::SSL; use POSIX (); use Time::HiRes ();
my $mode = shift || 'readline';
my $l = ssl_listener();
my ($pid, $port) = fork_server($l, sub {
    my $c = shift->accept or die;
    sleep 2;                       # client blocks in SSL_read meanwhile
    print $c "line one\nline two\n";
    sleep 2;
    POSIX::_exit(0);
});
my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
    SSL_ca_file => cert('test-ca.pem'), SSL_hostname => 'localhost') or die $SSL_ERROR;
sub sink { return scalar @_ }
my $buf = "x" x 10;
$SIG{ALRM} = sub {
    # push ~2M items: forces a realloc (move) of the argument stack
    my $n = sink((1) x 2_000_000);
    $buf = "y" x 1_000_000 if $mode eq 'read';      # reallocates $buf's PV
    $/ = "two\n" if $mode eq 'rs';                   # frees the old PL_rs
};
Time::HiRes::alarm(0.5);
if ($mode eq 'read') {
    my $n = $c->read($buf, 18, 5);
    print "read returned ", ($n // "undef"), " err=$SSL_ERROR errno=$!: ", substr($buf, 0, 30) =~ s/\n/\\n/gr, "\n";
} else {
    my $line = <$c>;
    print "readline got: ", ($line // 'undef') =~ s/\n/\\n/gr, "\n";
}
wait_child($pid);
