#!perl
# Behaviour as the current reference release (2.099), the small items:
# can_nested_ssl, init, _get_ctx_object, public suffixes with a trailing dot,
# the SSL_verifycn_scheme callback's host name, a custom public suffix list,
# SSL_reuse_ctx with no context, want_read/want_write on an empty errstr.
# Every connection is real (our client against our server over loopback).
use strict;
use warnings;
use lib 't/lib';
use TestLib;
use Test::More;
use IO::Socket::SSL;
use IO::Socket::SSL::Utils;
use IO::Socket::SSL::PublicSuffix;
use Symbol ();
use File::Temp ();

watchdog(60);

is_deeply(IO::Socket::SSL->can_nested_ssl, { SSL_usebio => 1 }, 'can_nested_ssl: { SSL_usebio => 1 }');
{
    use strict 'refs';
    ok(IO::Socket::SSL->can_nested_ssl->{SSL_usebio}, 'can_nested_ssl->{SSL_usebio} under strict refs');
}
ok(defined &IO::Socket::SSL::init, 'IO::Socket::SSL::init exists');
ok(eval { IO::Socket::SSL::init(); 1 }, 'init can be called again');

my $ctx = IO::Socket::SSL::SSL_Context->new(SSL_server => 0, SSL_verify_mode => 0);
like($ctx->_get_ctx_object, qr/^\d+\z/, 'SSL_Context::_get_ctx_object: the SSL_CTX* as a number');
is($ctx->_get_ctx_object, $ctx->{context}, '... the same as {context}');

my $ps = IO::Socket::SSL::PublicSuffix->default;
is_deeply([ $ps->public_suffix('www.bar.co.uk.') ], [ 'www.bar', 'co.uk.' ], 'public_suffix keeps the trailing dot');
is(scalar $ps->public_suffix('www.bar.co.uk.', 1), 'bar.co.uk.', '... with $add too');
is_deeply([ $ps->public_suffix('www.bar.co.uk') ], [ 'www.bar', 'co.uk' ], '... and adds none');

for my $bad ('foo', 1, {}, [], \'x') {
    my $r = eval { IO::Socket::SSL::SSL_Context->new(SSL_reuse_ctx => $bad) };
    like($@, qr/^invalid context to reuse: \Q$bad\E/, "SSL_reuse_ctx => " . (ref($bad) || $bad) . " dies");
}
{
    my $c2 = IO::Socket::SSL::SSL_Context->new(SSL_reuse_ctx => $ctx);
    is($c2, $ctx, 'SSL_reuse_ctx with a context object reuses it');
}

{
    my @w;
    local $SIG{__WARN__} = sub { push @w, @_ };
    local $IO::Socket::SSL::SSL_ERROR = '';
    my $o = bless Symbol::gensym(), 'IO::Socket::SSL';
    ok(!$o->want_read, 'want_read false with an empty errstr');
    ok(!$o->want_write, 'want_write false with an empty errstr');
    $IO::Socket::SSL::SSL_ERROR = 'some failure';
    ok(!$o->want_read && !$o->want_write, '... and with a text');
    is("@w", '', '... without "isn\'t numeric" warnings');
}

# A CA and a wildcard server certificate for *.example.com.
my ($ca, $cakey) = CERT_create(CA => 1, subject => { commonName => 'conform CA' });
my ($wc, $wckey) = CERT_create(
    subject => { commonName => 'wild' },
    subjectAltNames => [ [ DNS => '*.example.com' ], [ DNS => 'localhost' ] ],
    issuer_cert => $ca, issuer_key => $cakey, purpose => 'server',
);
my $cafile = File::Temp->new(SUFFIX => '.pem');
print $cafile PEM_cert2string($ca);
close $cafile;

my $l = ssl_listener(SSL_cert => $wc, SSL_key => $wckey, SSL_cert_file => undef, SSL_key_file => undef);
my $port = listener_port($l);
my ($pid) = fork_server($l, sub {
    my $l = shift;
    # (clients that die in the handshake: the reference's server would get
    # SIGPIPE writing its tickets, when this file runs under 2.099)
    $SIG{PIPE} = 'IGNORE';
    while (1) { my $c = $l->accept or next; print $c "hi\n"; }
});

sub client {
    my %a = @_;
    return IO::Socket::SSL->new(PeerAddr => "127.0.0.1:$port", SSL_ca_file => "$cafile", %a);
}

{
    my @got;
    my $c = client(SSL_hostname => 'localhost',
        SSL_verifycn_scheme => { callback => sub { @got = @_; $_[0] eq 'localhost' } });
    ok($c, 'SSL_verifycn_scheme callback comparing names accepts the right host')
        or diag($IO::Socket::SSL::SSL_ERROR);
    is($got[0], 'localhost', '... it got the host name');
    is($got[1], 'wild', '... and the common name');
    $c = client(SSL_verifycn_name => 'www.example.com.',
        SSL_verifycn_scheme => { callback => sub { @got = @_; 1 } });
    is($got[0], 'www.example.com', '... SSL_verifycn_name, without the trailing dot');
    $c = client(SSL_hostname => 'localhost',
        SSL_verifycn_scheme => { callback => sub { 0 } });
    ok(!$c, 'a callback returning false rejects');
    like($IO::Socket::SSL::SSL_ERROR, qr/hostname verification failed|certificate verify failed/, '... as a verification failure');
    $c = eval { client(SSL_verifycn_name => 'localhost', SSL_verifycn_scheme => 'no-such-scheme') };
    like($@, qr/^scheme no-such-scheme not defined/, 'an unknown scheme dies, as the reference');
}

# An unknown scheme as 2.099: the context is made; the name check of a
# verified leaf dies out of new/start_SSL/connect_SSL, $SSL_ERROR stays undef
{
    my %bad = (SSL_verifycn_scheme => 'nonesuch');
    $IO::Socket::SSL::SSL_ERROR = undef;
    my $ctx = eval { IO::Socket::SSL::SSL_Context->new(%bad, SSL_ca_file => "$cafile") };
    ok($ctx, 'unknown scheme: the context is made') or diag($@);
    is($IO::Socket::SSL::SSL_ERROR, undef, '... $SSL_ERROR undef');
    $! = 1;
    my $c = eval { client(%bad, SSL_verifycn_name => 'localhost') };
    like($@, qr/^scheme nonesuch not defined at /, 'new: dies at the handshake');
    is($IO::Socket::SSL::SSL_ERROR, undef, '... $SSL_ERROR undef');
    is(IO::Socket::SSL->errstr, '', '... errstr empty');
    is($! + 0, 0, '... $! 0');
    {
        # debug level 3: the reference dies inside connect, so it never says
        # "done Net::SSLeay::connect" for this handshake
        my @dbg;
        local $IO::Socket::SSL::DEBUG = 3;
        local $SIG{__WARN__} = sub { push @dbg, @_ };
        open(my $olderr, '>&', \*STDERR) or die $!;
        close STDERR;
        open(STDERR, '>', \my $buf) or die $!;
        eval { client(%bad, SSL_verifycn_name => 'localhost') };
        close STDERR;
        open(STDERR, '>&', $olderr) or die $!;
        my $out = join('', $buf // '', @dbg);
        like($out, qr/call Net::SSLeay::connect/, 'debug 3: the handshake call is shown');
        unlike($out, qr/done Net::SSLeay::connect/, '... but no "done" line before the die, as the reference');
    }
    my $plain = IO::Socket::INET->new("127.0.0.1:$port") or die $!;
    $c = eval { IO::Socket::SSL->start_SSL($plain, SSL_ca_file => "$cafile", %bad, SSL_verifycn_name => 'localhost') };
    like($@, qr/^scheme nonesuch not defined at /, 'start_SSL: dies');
    is($IO::Socket::SSL::SSL_ERROR, undef, '... $SSL_ERROR undef');
    ok(defined fileno($plain) && ref($plain) eq 'IO::Socket::SSL', '... the socket stays open, an IO::Socket::SSL');
    close $plain;
    $c = eval { client(%bad, SSL_verifycn_name => 'localhost', SSL_verify_mode => 0) };
    ok($c, 'without verification the scheme is not used') or diag($@ || $IO::Socket::SSL::SSL_ERROR);
    $c = eval { IO::Socket::SSL->new(PeerAddr => "127.0.0.1:$port", %bad, SSL_verifycn_name => 'localhost',
        SSL_ca_file => cert('other-ca.pem')) };
    ok(!$c && $@ eq '', 'an unverified chain fails before the name check, without dying');
    like($IO::Socket::SSL::SSL_ERROR, qr/certificate verify failed/, '... with the verification error');
    $c = eval { client(%bad, SSL_verifycn_name => 'localhost', SSL_startHandshake => 0) } or die $@;
    $c->blocking(0);
    my $ok = eval {
        while (!$c->connect_SSL) {
            die "failed: $IO::Socket::SSL::SSL_ERROR" if !$!{EAGAIN} && !$!{EWOULDBLOCK};
            my $v = ''; vec($v, fileno($c), 1) = 1;
            select($v, $v, undef, 10);
        }
        1;
    };
    like($ok ? 'connected' : $@, qr/^scheme nonesuch not defined at /, 'non-blocking connect_SSL: dies');
    close $c;
}

{
    # *.example.com covers www.example.com unless the list makes
    # example.com a public suffix
    my $c = client(SSL_verifycn_name => 'www.example.com', SSL_verifycn_scheme => 'http');
    ok($c, 'wildcard matches by the built-in list') or diag($IO::Socket::SSL::SSL_ERROR);
    my $own = IO::Socket::SSL::PublicSuffix->from_string("com\nexample.com\n");
    $c = client(SSL_verifycn_name => 'www.example.com', SSL_verifycn_scheme => 'http',
        SSL_verifycn_publicsuffix => $own);
    ok(!$c, 'SSL_verifycn_publicsuffix: a custom list making example.com a suffix refuses the wildcard');
    like($IO::Socket::SSL::SSL_ERROR, qr/hostname verification failed/, '... as a host name failure');
    $own = IO::Socket::SSL::PublicSuffix->from_string("org\n");
    $c = client(SSL_verifycn_name => 'www.example.com', SSL_verifycn_scheme => 'http',
        SSL_verifycn_publicsuffix => $own);
    ok($c, '... a list without it accepts') or diag($IO::Socket::SSL::SSL_ERROR);
    $c = client(SSL_verifycn_name => 'localhost', SSL_verifycn_scheme => 'http',
        SSL_verifycn_publicsuffix => IO::Socket::SSL::PublicSuffix->from_string("com\nexample.com\n"));
    ok($c, '... exact names still match with a custom list') or diag($IO::Socket::SSL::SSL_ERROR);
    $c = client(SSL_verifycn_name => 'www.other.com', SSL_verifycn_scheme => 'http',
        SSL_verifycn_publicsuffix => IO::Socket::SSL::PublicSuffix->from_string("org\n"));
    ok(!$c, '... and other names still fail');

    # verify_hostname_of_cert's fourth argument
    my $own2 = IO::Socket::SSL::PublicSuffix->from_string("com\nexample.com\n");
    ok(IO::Socket::SSL::verify_hostname_of_cert('www.example.com', $wc, 'http'),
        'verify_hostname_of_cert: wildcard by the built-in list');
    ok(!IO::Socket::SSL::verify_hostname_of_cert('www.example.com', $wc, 'http', $own2),
        '... refused by a custom list');
    ok(IO::Socket::SSL::verify_hostname_of_cert('www.example.com', $wc, 'http', ''),
        "... '' turns the list off");
}

# No "untie attempted while 1 inner references still exist" when a block
# ends with a readline (or print) and the socket goes out of scope with it.
{
    my @w;
    local $SIG{__WARN__} = sub { push @w, @_ };
    local $^W = 1;
    {
        my $s = client(SSL_hostname => 'localhost');
        my $line = <$s>;
    }
    {
        my $s = client(SSL_hostname => 'localhost');
        print $s "x\n";
    }
    sub _last_readline { my $s = client(SSL_hostname => 'localhost'); my $line = <$s>; }
    _last_readline();
    is("@w", '', 'a socket freed right after <$sock> or print $sock warns nothing');
}

kill_child($pid);
# CERT_create's handles are the caller's to free, as with the reference
# (xt/valgrind.sh reported both certificates as definitely lost)
CERT_free($ca, $wc);
KEY_free($cakey, $wckey);
done_testing;
