# Server contexts with per-host certificates and no '' default: the first host's
# context is the main one and gets itself added as an SNI child.
use strict; use warnings;
use lib 't/lib';
use TestLib; use IO::Socket::SSL;
my $n = shift || 200;
sub rss { open(my $f, '<', "/proc/self/status"); while (<$f>) { return $1 if /^VmRSS:\s+(\d+)/ } }
for my $with_default (0, 1) {
    my $r0 = rss();
    for (1 .. $n) {
        my $ctx = IO::Socket::SSL::SSL_Context->new(SSL_server => 1,
            SSL_cert_file => { 'a.example' => cert('server-cert.pem'), 'b.example' => cert('server-cert.pem'),
                               ($with_default ? ('' => cert('server-cert.pem')) : ()) },
            SSL_key_file  => { 'a.example' => cert('server-key.pem'), 'b.example' => cert('server-key.pem'),
                               ($with_default ? ('' => cert('server-key.pem')) : ()) },
            SSL_verify_callback => sub { 1 },
        ) or die $SSL_ERROR;
    }
    printf "%s '' default: %d contexts, RSS +%d kB\n", $with_default ? 'with' : 'without', $n, rss() - $r0;
}
