# One read() of 64 MB through TLS-in-TLS: every BIO callback of the inner
# connection makes a mortal in the caller's temps scope (io_call).
use strict; use warnings;
use lib 't/lib';
use TestLib; use IO::Socket::SSL; use POSIX ();
my $N = 16 * 1024 * 1024;
sub rss { open(my $f, '<', "/proc/self/status"); while (<$f>) { return $1 if /^VmRSS:\s+(\d+)/ } }
my $l = ssl_listener();
my ($pid, $port) = fork_server($l, sub {
    my $outer = shift->accept or die;
    my $inner = IO::Socket::SSL->start_SSL($outer, SSL_server => 1, SSL_usebio => 1,
        SSL_cert_file => cert('server-cert.pem'), SSL_key_file => cert('server-key.pem')) or die $SSL_ERROR;
    my $chunk = 'x' x 65536;
    for (1 .. $N / 65536) { $inner->syswrite($chunk) or last; }   # syswrite: at most one record per call
    sleep 2;
}, timeout => 120);
my $outer = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
    SSL_ca_file => cert('test-ca.pem'), SSL_hostname => 'localhost') or die $SSL_ERROR;
my $inner = IO::Socket::SSL->start_SSL($outer, SSL_usebio => 1, SSL_verify_mode => 0) or die $SSL_ERROR;
my $buf = '';
my $r0 = rss();
my $n = $inner->read($buf, $N);                  # one XS call
my $r1 = rss();
printf "read %d bytes in one call; RSS grew by %d MB (the buffer itself is %d MB)\n",
    $n, ($r1 - $r0) / 1024, length($buf) / 1048576;
kill 'KILL', $pid; wait_child($pid);
