#!perl
# One error record per context and connection: (code, severity, text) filled
# by the C core or the callbacks' glue, read through the one accessor
# IO::Socket::SSL::_Lib::error_record, and turned into $SSL_ERROR/errstr by
# the one mapping function _record_error. Each failure below is seen twice:
# the record the mapping function is handed, and what the user gets.
use strict;
use warnings;
use lib 't/lib';
use TestLib;
use Test::More;
use POSIX ();
use IO::Socket::SSL;

watchdog(60);

# codes and severities of c_src/iss.h
use constant { E_OPENSSL => 1, E_CALLBACK => 2, E_VERIFY => 3 };
use constant { SEV_OPENSSL => 4, SEV_VERIFY => 5 };

my $ca = cert('test-ca.pem');

# the records the mapping function sees (looked at without taking them)
my @seen;
{
    no warnings 'redefine';
    my $orig = \&IO::Socket::SSL::_record_error;
    *IO::Socket::SSL::_record_error = sub {
        push @seen, [ IO::Socket::SSL::_Lib::error_record($_[1]) ];
        goto &$orig;
    };
}

# ---- the one ranking, asked from Perl ----
ok(IO::Socket::SSL::_Lib::error_outranks(-1, 0), 'an empty record takes anything');
ok(IO::Socket::SSL::_Lib::error_outranks(4, 4), 'a later error of the same severity replaces');
ok(IO::Socket::SSL::_Lib::error_outranks(4, 5), 'a more severe error replaces');
ok(!IO::Socket::SSL::_Lib::error_outranks(5, 4), 'a less severe error does not');

# ---- a fresh context's record is empty ----
{
    my $ctx = IO::Socket::SSL::SSL_Context->new(SSL_server => 0, SSL_verify_mode => 0)
        or die "context: $IO::Socket::SSL::SSL_ERROR";
    is_deeply([ IO::Socket::SSL::_Lib::error_record($ctx->{_ctx}) ], [ 0, -1, '' ],
        'a fresh context: empty record');
    ok(!eval { IO::Socket::SSL::_Lib::error_record(\my $x); 1 }, 'anything else is refused');
}

# ---- context: OpenSSL refuses a cipher list ----
@seen = ();
ok(!IO::Socket::SSL::SSL_Context->new(SSL_server => 0, SSL_verify_mode => 0,
        SSL_cipher_list => 'NO-SUCH-CIPHER'), 'bad cipher list: no context');
is($seen[0][0], E_OPENSSL, 'context record: code OpenSSL');
is($seen[0][1], SEV_OPENSSL, 'context record: severity 4');
like($seen[0][2], qr/^error:[0-9A-F]{8}:/, 'context record: OpenSSL text');
like($IO::Socket::SSL::SSL_ERROR, qr/^Failed to set SSL cipher list error:/,
    "mapped: $IO::Socket::SSL::SSL_ERROR");

# ---- context: the key password callback dies ----
@seen = ();
ok(!IO::Socket::SSL::SSL_Context->new(SSL_server => 1,
        SSL_cert_file => cert('server-cert.pem'), SSL_key_file => cert('server-key-enc.pem'),
        SSL_passwd_cb => sub { die "no password for you\n" }), 'passwd callback dies: no context');
is_deeply($seen[-1], [ E_CALLBACK, SEV_OPENSSL, "no password for you\n" ],
    'context record: the callback\'s $@');
like($IO::Socket::SSL::SSL_ERROR, qr/^Failed to load key .*no password for you$/,
    "mapped: the callback's message after what failed");

# ---- three client connections: verify failure, callback death, I/O error ----
my $l = ssl_listener(SSL_version => 'TLSv1_3');
my ($pid, $port) = fork_server($l, sub {
    my $l = shift;
    for my $i (1 .. 3) {
        my $c = $l->accept;
        report("accept$i" => $c ? 1 : 0);
        next if !$c;
        # not a TLS record: the client's next read fails inside OpenSSL
        POSIX::write(fileno($c), "\x17\x03\x03\xff\xff" . ("x" x 64), 69);
        1 while sysread($c, my $buf, 100);   # until the client closes
    }
});

sub client {
    my ($name, %args) = @_;
    @seen = ();
    $IO::Socket::SSL::SSL_ERROR = undef;
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port, Timeout => 10,
        SSL_ca_file => $ca, SSL_verifycn_scheme => 'default', %args);
    return $c;
}

ok(!client('verify', SSL_verifycn_name => 'wrong.example'), 'wrong host name: no connection');
is_deeply($seen[-1], [ E_VERIFY, SEV_VERIFY, 'hostname verification failed' ],
    'connection record: host name check, severity 5');
is("$IO::Socket::SSL::SSL_ERROR", 'hostname verification failed',
    "mapped alone: $IO::Socket::SSL::SSL_ERROR");

ok(!client('callback', SSL_verifycn_name => 'localhost',
        SSL_verify_callback => sub { die "client callback died\n" }),
    'verify callback dies: no connection');
is_deeply($seen[-1], [ E_CALLBACK, SEV_OPENSSL, "client callback died\n" ],
    'connection record: the callback\'s $@, of OpenSSL\'s severity');
is("$IO::Socket::SSL::SSL_ERROR", "SSL connect attempt failed client callback died\n",
    'mapped after what failed');

my $c = client('io', SSL_verifycn_name => 'localhost');
ok($c, 'third connection is up') or diag($IO::Socket::SSL::SSL_ERROR);
@seen = ();
my $n = sysread($c, my $buf, 100);
ok(!$n, 'reading a broken record fails');
is($seen[-1][0], E_OPENSSL, 'connection record: code OpenSSL');
is($seen[-1][1], SEV_OPENSSL, 'connection record: severity 4');
like($seen[-1][2], qr/^error:[0-9A-F]{8}:/, "connection record: OpenSSL's text");
like($c->errstr, qr/^SSL read error error:[0-9A-F]{8}:/, 'errstr: ' . $c->errstr);
close $c;

my ($status, $r) = wait_child($pid);
is($status, 0, 'server child ok');
is_deeply([ @$r{qw(accept1 accept2 accept3)} ], [ 0, 0, 1 ], 'server: only the third handshake worked');

done_testing;
