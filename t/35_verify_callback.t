#!perl
# SSL_verify_callback, client and server side, with the chains from
# t/certs/chains (made by t/certs/make_chains.sh). The callback gets the
# reference's six arguments:
#   ($ok, $x509_store_ctx, $certname, $error, $x509, $depth)
# $x509_store_ctx and $x509 are pointers as positive integers ($x509 usable
# with IO::Socket::SSL::Utils::PEM_cert2string during the call), $certname is
# X509_NAME_oneline(issuer) . X509_NAME_oneline(subject), $error is 0 or
# ERR_error_string() of the X509 verify error code (so e.g.
# "error:0000000A:lib(0)::reason(10)" for an expired certificate). Its return
# value decides. Call sequences are the reference's (2.081 on OpenSSL 3).
use strict;
use warnings;
use lib 't/lib';
use TestLib;
use ChainLib;
use Test::More;
use File::Spec;
use IO::Socket::SSL;
use IO::Socket::SSL::Utils qw(PEM_cert2string);

watchdog(90);

my $VERIFY_FAILED_C =
    'SSL connect attempt failed error:0A000086:SSL routines::certificate verify failed';
my $VERIFY_FAILED_S =
    'SSL accept attempt failed error:0A000086:SSL routines::certificate verify failed';
my $ALERT_INTERNAL =
    'SSL accept attempt failed error:0A000438:SSL routines::tlsv1 alert internal error';

my $ROOT = '/O=IO-Socket-SSL-Chains/CN=IO::Socket::SSL Chains Root CA';
my $INT  = '/O=IO-Socket-SSL-Chains/CN=IO::Socket::SSL Chains Intermediate CA';
my $LEAF = '/O=IO-Socket-SSL-Chains/CN=localhost';
# X509 verify error codes as the callback sees them
sub verr { my $n = shift; sprintf('error:%08X:lib(0)::reason(%d)', $n, $n) }
my %E = (expired => verr(10), self_signed => verr(18),
    no_issuer => verr(20), revoked => verr(23), purpose => verr(26));

# PEM text of each certificate file -> its name
my %PEM;
for my $name (qw(root-ca int-ca leaf expired selfsigned revoked clientauth)) {
    open(my $fh, '<', chain("$name.pem")) or die;
    local $/;
    $PEM{<$fh>} = $name;
}

# A callback recording each call as [ok, name, error, cert, depth] (cert:
# the file whose PEM matches the X509 argument) and checking the argument
# types into $rec->{bad}; $decide->(@_) gives the return value (default: $ok).
sub recorder {
    my ($rec, $decide) = @_;
    $rec->{calls} = [];
    $rec->{bad} = [];
    $rec->{ctx} = {};
    return sub {
        my @a = @_;
        my ($ok, $ctx, $name, $err, $x509, $depth) = @a;
        push @{ $rec->{bad} }, "got " . scalar(@a) . " arguments" if @a != 6;
        push @{ $rec->{bad} }, "store ctx not a positive integer: " . ($ctx // 'undef')
            if !defined $ctx || $ctx !~ /^[1-9][0-9]*\z/;
        push @{ $rec->{bad} }, "x509 not a positive integer: " . ($x509 // 'undef')
            if !defined $x509 || $x509 !~ /^[1-9][0-9]*\z/;
        $rec->{ctx}{$ctx // ''}++;
        my $pem = eval { PEM_cert2string($x509) };
        my $cert = defined $pem ? ($PEM{$pem} // 'unknown certificate') : 'no PEM';
        push @{ $rec->{calls} }, [$ok, $name, $err, $cert, $depth];
        return $decide ? $decide->(@_) : $ok;
    };
}

sub show_calls {
    my $calls = shift;
    return join('', map { '#   ' . join(' | ', map { $_ // 'undef' } @$_) . "\n" } @$calls);
}

# Checks the recorded calls against the expected list
sub calls_are {
    my ($rec, $expect, $name) = @_;
    is_deeply($rec->{calls}, $expect, "$name: callback calls")
        or diag("got:\n" . show_calls($rec->{calls}));
    is_deeply($rec->{bad}, [], "$name: argument types");
    is(scalar(keys %{ $rec->{ctx} }), 1, "$name: one X509_STORE_CTX for the whole chain")
        if @$expect;
}

# ---- client side ---------------------------------------------------------------

# cb_case(name, chain, [client args], $decide, [expected calls],
#   expected: undef = success, else the server's accept error)
sub cb_case {
    my ($name, $chain, $args, $decide, $calls, $server_err) = @_;
    my ($pid, $port) = serve($chain);
    my %rec;
    my ($ok, $err, $data, $warn) = client($port, @$args,
        SSL_verify_callback => recorder(\%rec, $decide));
    my ($status, $r) = wait_child($pid);
    if (!defined $server_err) {
        ok($ok, "$name: connects") or diag("error: " . ($err // ''));
        is($data, "hi\n", "$name: data");
        is($r->{accept_err}, undef, "$name: server accept succeeded");
    } else {
        ok(!$ok, "$name: handshake fails");
        is($err, $VERIFY_FAILED_C, "$name: \$SSL_ERROR");
        is($r->{accept_err}, $server_err, "$name: alert received by the server");
    }
    calls_are(\%rec, $calls, $name);
    is("@$warn", '', "$name: no warnings");
}

my @root = (SSL_ca_file => chain('root-ca.pem'));
my @valid_calls = (
    [1, "$ROOT$ROOT", 0, 'root-ca', 2],
    [1, "$ROOT$INT",  0, 'int-ca',  1],
    [1, "$INT$LEAF",  0, 'leaf',    0],
);

cb_case('valid chain', 'leaf-chain.pem', [@root], undef, \@valid_calls);
cb_case('valid chain, callback returns 0', 'leaf-chain.pem', [@root], sub { 0 },
    [$valid_calls[0]], $ALERT_INTERNAL);
cb_case('valid chain, callback returns 0 for the leaf only', 'leaf-chain.pem', [@root],
    sub { $_[5] == 0 ? 0 : $_[0] }, \@valid_calls, $ALERT_INTERNAL);
cb_case('valid chain, callback returns undef', 'leaf-chain.pem', [@root], sub { undef },
    [$valid_calls[0]], $ALERT_INTERNAL);
cb_case("valid chain, callback returns ''", 'leaf-chain.pem', [@root], sub { '' },
    [$valid_calls[0]], $ALERT_INTERNAL);
cb_case('valid chain, callback returns 2 (true)', 'leaf-chain.pem', [@root], sub { 2 },
    \@valid_calls);

cb_case('expired leaf', 'expired-chain.pem', [@root], undef, [
    [1, "$ROOT$ROOT", 0, 'root-ca', 2],
    [1, "$ROOT$INT",  0, 'int-ca',  1],
    [0, "$INT$LEAF",  $E{expired}, 'expired', 0],
], 'SSL accept attempt failed error:0A000415:SSL routines::sslv3 alert certificate expired');
cb_case('expired leaf accepted by the callback', 'expired-chain.pem', [@root], sub { 1 }, [
    [1, "$ROOT$ROOT", 0, 'root-ca', 2],
    [1, "$ROOT$INT",  0, 'int-ca',  1],
    [0, "$INT$LEAF",  $E{expired}, 'expired', 0],
    [1, "$INT$LEAF",  $E{expired}, 'expired', 0],
]);
cb_case('unknown CA accepted by the callback', 'leaf-chain.pem',
    [SSL_ca_file => chain('other-root-ca.pem')], sub { 1 }, [
    [0, "$ROOT$INT", $E{no_issuer}, 'int-ca', 1],
    [1, "$ROOT$INT", $E{no_issuer}, 'int-ca', 1],
    [1, "$INT$LEAF", $E{no_issuer}, 'leaf',   0],
]);
cb_case('self-signed leaf', 'selfsigned.pem', [@root], undef,
    [[0, "$LEAF$LEAF", $E{self_signed}, 'selfsigned', 0]],
    'SSL accept attempt failed error:0A000418:SSL routines::tlsv1 alert unknown ca');
cb_case('self-signed leaf accepted by the callback', 'selfsigned.pem', [@root], sub { 1 }, [
    [0, "$LEAF$LEAF", $E{self_signed}, 'selfsigned', 0],
    [1, "$LEAF$LEAF", $E{self_signed}, 'selfsigned', 0],
]);
cb_case('intermediate missing', 'leaf.pem', [@root], undef,
    [[0, "$INT$LEAF", $E{no_issuer}, 'leaf', 0]],
    'SSL accept attempt failed error:0A000418:SSL routines::tlsv1 alert unknown ca');
cb_case('intermediate as trust anchor (partial chain)', 'leaf-chain.pem',
    [SSL_ca_file => chain('int-ca.pem')], undef, [
    [1, "$ROOT$INT", 0, 'int-ca', 1],
    [1, "$INT$LEAF", 0, 'leaf',   0],
]);
cb_case('revoked leaf (CRL)', 'revoked-chain.pem',
    [@root, SSL_check_crl => 1, SSL_crl_file => chain('int-ca.crl.pem')], undef,
    [[0, "$INT$LEAF", $E{revoked}, 'revoked', 0]],
    'SSL accept attempt failed error:0A000414:SSL routines::sslv3 alert certificate revoked');
cb_case('client certificate presented by a server', 'clientauth-chain.pem', [@root], undef,
    [[0, "$INT$LEAF", $E{purpose}, 'clientauth', 0]],
    'SSL accept attempt failed error:0A000413:SSL routines::sslv3 alert unsupported certificate');
cb_case('SSL_VERIFY_NONE: callback still called, its 0 does not fail the handshake',
    'leaf-chain.pem', [SSL_ca_file => chain('other-root-ca.pem'), SSL_verify_mode => SSL_VERIFY_NONE],
    undef, [[0, "$ROOT$INT", $E{no_issuer}, 'int-ca', 1]]);

# a callback returning 1 does not skip the hostname check
{
    my ($pid, $port) = serve('leaf-chain.pem');
    my %rec;
    my ($ok, $err, $data, $warn) = client($port, @root,
        SSL_verifycn_name => 'www.example.org',
        SSL_verify_callback => recorder(\%rec, sub { 1 }));
    my ($status, $r) = wait_child($pid);
    ok(!$ok, 'callback returning 1, wrong host name: fails');
    is($err, 'hostname verification failed', 'wrong host name: error text');
    calls_are(\%rec, \@valid_calls, 'wrong host name');
    is($r->{accept_err}, $ALERT_INTERNAL, 'wrong host name: alert received by the server');
}

# a callback that died during a handshake that still succeeded (verify mode
# none) leaves nothing behind: a later failure on the same context reports
# its own error, not the old message
{
    my ($pid, $port) = serve('leaf-chain.pem');
    my $ctx = IO::Socket::SSL::SSL_Context->new(SSL_verify_mode => 0,
        SSL_verify_callback => sub { die "old callback message\n" });
    my ($ok, $err) = client($port, SSL_reuse_ctx => $ctx);
    ok($ok, 'callback died with verify mode none: the connection works');
    wait_child($pid);
    my $plain = tcp_listener();
    my ($ppid, $pport) = fork_server($plain, sub { my $c = shift->accept; print $c "not TLS\n"; sleep 1 });
    ($ok, $err) = client($pport, SSL_reuse_ctx => $ctx);
    ok(!$ok, 'next connection on that context to a plain server fails');
    unlike($err, qr/old callback message/, "... with its own error: $err");
    kill_child($ppid);
}

# a callback that dies: the handshake fails with the message, no crash.
# (The reference lets the exception out of new(); failing new() with the
# message in $SSL_ERROR is accepted as well.)
{
    my ($pid, $port) = serve('leaf-chain.pem');
    $IO::Socket::SSL::SSL_ERROR = undef;
    my $c = eval {
        IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port, Timeout => 10, @root,
            SSL_verify_callback => sub { die "verify callback died\n" });
    };
    my $died = $@;
    ok(!$c, 'dying callback: no connection');
    my $msg = $died || ($IO::Socket::SSL::SSL_ERROR // '');
    like($msg, qr/verify callback died/, "dying callback: the message is reported: $msg");
    # (with the reference, the connection stays open after the exception:
    # the server would wait for the rest of the handshake)
    kill_child($pid);

    # the process goes on: the next connection works
    ($pid, $port) = serve('leaf-chain.pem');
    my %rec;
    my ($ok, $err, $data) = client($port, @root, SSL_verify_callback => recorder(\%rec));
    ok($ok, 'after a dying callback: the next connection works') or diag($err);
    is($data, "hi\n", 'after a dying callback: data');
    calls_are(\%rec, \@valid_calls, 'after a dying callback');
    wait_child($pid);
}

# ---- server side: client certificates -------------------------------------------

# A server child requiring a client certificate, verifying it against the
# root with a recording callback; one connection.
sub serve_mtls {
    my ($decide) = @_;
    my %rec;
    my $l = ssl_listener(SSL_cert_file => chain('leaf-chain.pem'),
        SSL_key_file => chain('leaf-key.pem'), @root,
        SSL_verify_mode => SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
        SSL_verify_callback => recorder(\%rec, $decide));
    return fork_server($l, sub {
        my $l = shift;
        my $c = eval { $l->accept };
        report(died => $@) if $@;
        report(calls => join("\n", map { join("\t", map { $_ // 'undef' } @$_) } @{ $rec{calls} }),
            bad => join("\n", @{ $rec{bad} }), nctx => scalar(keys %{ $rec{ctx} }));
        if (!$c) { report(accept_err => "$IO::Socket::SSL::SSL_ERROR"); return }
        report(peer => $c->peer_certificate('subject'));
        print $c "hi\n";
        report(line => scalar <$c>);
        $c->close;
    });
}

sub calls_from_server {
    my $s = shift;
    return [ map { [ split /\t/ ] } grep { length } split /\n/, $s // '' ];
}

sub mtls_case {
    my ($name, $client_chain, $decide, $calls, $fail) = @_;
    my ($pid, $port) = serve_mtls($decide);
    my $c = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port, Timeout => 10,
        @root, SSL_cert_file => chain($client_chain), SSL_key_file => chain('leaf-key.pem'));
    my $data;
    if ($c) {
        # TLS 1.3: the client may be done before the server has verified it
        $data = <$c>;
        print $c "bye\n";
        $c->close;
    }
    my ($status, $r) = wait_child($pid);
    is($status, 0, "server, $name: child ok");
    is($r->{died}, undef, "server, $name: accept did not die");
    if (!$fail) {
        is($r->{accept_err}, undef, "server, $name: accept succeeds");
        is($r->{peer}, $LEAF, "server, $name: peer certificate");
        is($r->{line}, "bye\n", "server, $name: data");
        is($data, "hi\n", "server, $name: client got data");
    } else {
        is($r->{accept_err}, $VERIFY_FAILED_S, "server, $name: accept fails");
        ok(!defined $data, "server, $name: client gets no data");
    }
    is_deeply(calls_from_server($r->{calls}), $calls, "server, $name: callback calls")
        or diag("got:\n$r->{calls}");
    is($r->{bad}, '', "server, $name: argument types");
    is($r->{nctx}, 1, "server, $name: one X509_STORE_CTX");
}

my @client_calls = (
    [1, "$ROOT$ROOT", 0, 'root-ca',    2],
    [1, "$ROOT$INT",  0, 'int-ca',     1],
    [1, "$INT$LEAF",  0, 'clientauth', 0],
);
mtls_case('client certificate (clientAuth)', 'clientauth-chain.pem', undef, \@client_calls);
mtls_case('client certificate rejected by the callback', 'clientauth-chain.pem',
    sub { $_[5] == 0 ? 0 : $_[0] }, \@client_calls, 1);
mtls_case('server certificate (serverAuth only) as client certificate', 'leaf-chain.pem',
    undef, [[0, "$INT$LEAF", $E{purpose}, 'leaf', 0]], 1);
mtls_case('server certificate as client certificate, accepted by the callback',
    'leaf-chain.pem', sub { 1 }, [
    [0, "$INT$LEAF",  $E{purpose}, 'leaf',    0],
    [1, "$ROOT$ROOT", $E{purpose}, 'root-ca', 2],
    [1, "$ROOT$INT",  $E{purpose}, 'int-ca',  1],
    [1, "$INT$LEAF",  $E{purpose}, 'leaf',    0],
]);

# server callback that dies: accept fails with the message (exception or
# $SSL_ERROR), the server process does not crash
{
    my $l = ssl_listener(SSL_cert_file => chain('leaf-chain.pem'),
        SSL_key_file => chain('leaf-key.pem'), @root,
        SSL_verify_mode => SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
        SSL_verify_callback => sub { die "server verify callback died\n" });
    my ($pid, $port) = fork_server($l, sub {
        my $l = shift;
        $IO::Socket::SSL::SSL_ERROR = undef;
        my $c = eval { $l->accept };
        report(ok => $c ? 1 : 0, died => $@, err => $IO::Socket::SSL::SSL_ERROR);
        report(alive => 1);
    });
    my $c = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port, Timeout => 10,
        @root, SSL_cert_file => chain('clientauth-chain.pem'),
        SSL_key_file => chain('leaf-key.pem'));
    my $data = $c ? <$c> : undef;
    my ($status, $r) = wait_child($pid);
    is($status, 0, 'server, dying callback: child ok (no crash)');
    is($r->{alive}, 1, 'server, dying callback: the server goes on after accept');
    is($r->{ok}, 0, 'server, dying callback: accept fails');
    my $msg = $r->{died} || ($r->{err} // '');
    like($msg, qr/server verify callback died/, "server, dying callback: message reported: $msg");
    ok(!defined $data, 'server, dying callback: client gets no data');
}

done_testing;
