# A verify callback whose return value dies when evaluated for truth: SvTRUE()
# runs outside G_EVAL, so the die longjmps through SSL_do_handshake.
use strict; use warnings;
use lib 't/lib';
use TestLib; use IO::Socket::SSL; use POSIX ();
package Evil { use overload 'bool' => sub { die "bool died\n" }, '""' => sub { die "str died\n" }; }
my $l = ssl_listener();
my ($pid, $port) = fork_server($l, sub { my $c = shift->accept; sleep 1; POSIX::_exit(0) });
my $ok = eval {
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
        SSL_ca_file => cert('test-ca.pem'), SSL_hostname => 'localhost',
        SSL_verify_callback => sub { bless {}, 'Evil' });
    1;
};
print "new() ", $ok ? "returned" : "died through OpenSSL: $@";
wait_child($pid);
