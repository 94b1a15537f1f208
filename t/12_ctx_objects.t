#!perl
# Context objects and process-wide defaults: SSL_Context->new and
# SSL_reuse_ctx (context or socket), has_session_cache,
# SSL_create_ctx_callback, set_default_context, set_(client_|server_)defaults
# with short and full keys, set_ctx_defaults, context_init,
# set_args_filter_hack, SSL_mode_release_buffers; the can_* feature probes;
# introspection of a connection: peer_certificate fields and aliases,
# sock_certificate, peer_certificates, fingerprints, get_session_reused,
# get_servername, legacy names, the _SSL_object/_SSL_opened keys.
#
# Tests that change process-wide defaults run in a forked child each, so
# that they cannot leak into each other.
use strict;
use warnings;
use lib 't/lib';
use TestLib;
use Test::More;
use Digest::MD5 ();
use Digest::SHA ();
use IO::Socket::INET;
use MIME::Base64 ();
use IO::Socket::SSL;
use IO::Socket::SSL::Utils;

watchdog(120);

my $openssl = openssl_bin();
my @root = (SSL_ca_file => cert('test-ca.pem'));
my @srvcert = (SSL_cert_file => cert('server-chain.pem'), SSL_key_file => cert('server-key.pem'));

sub slurp { open(my $fh, '<:raw', $_[0]) or die "$_[0]: $!"; local $/; scalar <$fh> }
sub pem2der {
    my ($b64) = shift =~ /-----BEGIN CERTIFICATE-----(.*?)-----END/s;
    return MIME::Base64::decode_base64($b64 // '');
}

# A forked server answering $n connections ("ping" -> "pong"), reporting
# what it saw per connection. Server args: TestLib's ssl_listener defaults
# plus %$sargs.
sub server {
    my ($n, %sargs) = @_;
    my $l = ref($sargs{_listener}) ? delete $sargs{_listener} : ssl_listener(%sargs);
    return fork_server($l, sub {
        my $l = shift;
        for (1 .. $n) {
            my $s = $l->accept;
            if (!$s) { report(ok => 0, err => "$SSL_ERROR"); next }
            report(ok => 1, sni => $s->get_servername, version => $s->get_sslversion,
                reused => $s->get_session_reused ? 1 : 0,
                own_cn => scalar $s->sock_certificate('cn'),
                peer_cn => scalar $s->peer_certificate('cn'),
                ctx => $s->_get_ctx_object);
            my $line = <$s>;
            print $s "pong\n" if defined $line;
            my $big = <$s>;
            report(big => length($big // ''));
            print $s $big if defined $big;
            $s->close;
        }
    });
}

# client round trip: ping/pong; returns true if the pong came
sub ping {
    my $c = shift;
    print $c "ping\n";
    my $l = <$c>;
    print $c "\n";
    my $b = <$c>;
    return defined $l && $l eq "pong\n";
}

# ======================== SSL_Context and SSL_reuse_ctx =====================
{
    my $cb_ctx;
    my $sctx = IO::Socket::SSL::SSL_Context->new(SSL_server => 1, @srvcert,
        SSL_create_ctx_callback => sub { $cb_ctx = shift });
    isa_ok($sctx, 'IO::Socket::SSL::SSL_Context', 'server SSL_Context->new');
    ok(defined $cb_ctx && $cb_ctx =~ /^\d+$/ && $cb_ctx > 0,
        'SSL_create_ctx_callback got the SSL_CTX pointer as a positive integer');
    ok(!$sctx->has_session_cache, 'server context: no session cache');

    my $l = IO::Socket::SSL->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 5,
        SSL_reuse_ctx => $sctx);
    ok($l, 'listener with SSL_reuse_ctx => $ctx') or diag($SSL_ERROR);
    my ($pid, $port) = server(3, _listener => $l);

    my $cctx = IO::Socket::SSL::SSL_Context->new(@root, SSL_verify_mode => SSL_VERIFY_PEER,
        SSL_session_cache_size => 4);
    ok($cctx->has_session_cache, 'client context with SSL_session_cache_size: has_session_cache');
    my $c1 = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
        SSL_reuse_ctx => $cctx);
    ok($c1, 'client 1 with SSL_reuse_ctx => $ctx') or diag($SSL_ERROR);
    ok($c1 && ping($c1), 'client 1 round trip');
    ok($c1 && !$c1->get_session_reused, 'client 1: new session');
    my $c2 = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
        SSL_reuse_ctx => $cctx);
    ok($c2, 'client 2 with the same context') or diag($SSL_ERROR);
    ok($c2 && ping($c2), 'client 2 round trip');
    ok($c2 && $c2->get_session_reused, 'client 2: session reused through the context cache');
    is($c1 && $c1->_get_ctx_object, $c2 && $c2->_get_ctx_object, 'both clients share one SSL_CTX');
    # a socket as SSL_reuse_ctx; other SSL args are then ignored
    my $c3 = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
        SSL_reuse_ctx => $c1, SSL_ca_file => cert('other-ca.pem'));
    ok($c3, 'client 3 with SSL_reuse_ctx => $socket (its own SSL_ca_file ignored)')
        or diag($SSL_ERROR);
    ok($c3 && ping($c3), 'client 3 round trip');
    is($c3 && $c3->_get_ctx_object, $c1 && $c1->_get_ctx_object, 'client 3 uses the socket\'s SSL_CTX');
    $_ && $_->close for $c1, $c2, $c3;
    my ($st, $r) = wait_child($pid);
    is_deeply($r->{'ok[]'}, [1, 1, 1], 'server with the reused context accepted all three');
    is($r->{ctx}, $cb_ctx, 'accepted sockets use the SSL_CTX given to SSL_create_ctx_callback');

    # SSL_create_ctx_callback on a socket's own context
    my $got;
    my $l2 = ssl_listener(SSL_create_ctx_callback => sub { $got = shift });
    ok(defined $got && $got > 0, 'SSL_create_ctx_callback called for a listener');
    is($got, $l2->_get_ctx_object, 'the callback got $sock->_get_ctx_object');
    ($pid, $port) = server(1, _listener => $l2);
    my $cgot;
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port, @root,
        SSL_create_ctx_callback => sub { $cgot = shift });
    ok($c && $cgot && $cgot == $c->_get_ctx_object, 'client: callback value == _get_ctx_object');
    ping($c) if $c;
    $c->close if $c;
    wait_child($pid);
}

# ======================= SSL_mode_release_buffers ===========================
{
    my ($pid, $port) = server(1, SSL_mode_release_buffers => 1);
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port, @root,
        SSL_mode_release_buffers => 1);
    ok($c, 'SSL_mode_release_buffers on both sides: connects') or diag($SSL_ERROR);
    if ($c) {
        print $c "ping\n";
        my $pong = <$c>;
        my $big = ('x' x 100_000) . "\n";
        print $c $big;
        my $back = <$c>;
        is(length($back // ''), length($big), 'SSL_mode_release_buffers: 100 kB echoed');
        $c->close;
    }
    wait_child($pid);
}
# on by default (idle connections keep no record buffers); false turns it off
{
    require Net::SSLeay;    # Debian's or our stand-in: both read the raw SSL_CTX*
    my $mode = sub {
        my $ctx = IO::Socket::SSL::SSL_Context->new(SSL_verify_mode => 0, @_) or die $SSL_ERROR;
        return Net::SSLeay::CTX_get_mode($ctx->_get_ctx_object) & 0x10;
    };
    ok($mode->(), 'SSL_MODE_RELEASE_BUFFERS is on by default');
    ok($mode->(SSL_mode_release_buffers => 1), '... and with SSL_mode_release_buffers => 1');
    ok(!$mode->(SSL_mode_release_buffers => 0), '... and off with SSL_mode_release_buffers => 0');
}

# ================== process-wide defaults (each in a child) =================
# run $code in a forked child; it reports; returns the results
sub in_child {
    my $code = shift;
    my $pid = fork_child($code, timeout => 30);
    my ($st, $r) = wait_child($pid, 40);
    $r->{status} = $st;
    diag("child died: $r->{__died__}") if $r->{__died__};
    return $r;
}

# connect from inside a child: (ok, error, client)
sub try_client {
    my @args = @_;
    local $@;
    my $c = eval { IO::Socket::SSL->new(PeerHost => '127.0.0.1', Timeout => 10, @args) };
    return (0, $@ || "$SSL_ERROR") if !$c;
    return (ping($c) ? 1 : 0, '', $c);
}

{
    # set_client_defaults with short keys: ca_file, mode, callback, name, scheme
    my $r = in_child(sub {
        my ($pid, $port) = server(4);
        my ($pid2, $port2) = server(4, SSL_cert_file => cert('other-server-cert.pem'),
            SSL_key_file => cert('other-server-key.pem'));
        IO::Socket::SSL::set_client_defaults(ca_file => cert('test-ca.pem'));
        my ($ok, $err) = try_client(PeerPort => $port);
        report(ca_file => $ok, ca_file_err => $err);
        ($ok, $err) = try_client(PeerPort => $port2);
        report(ca_file_other => $ok, ca_file_other_err => $err);

        my $called = 0;
        IO::Socket::SSL::set_client_defaults(callback => sub { $called++; return 1 });
        ($ok, $err) = try_client(PeerPort => $port2, SSL_verifycn_scheme => 'none');
        report(callback => $ok, callback_called => $called, callback_err => $err);
        IO::Socket::SSL::set_client_defaults(callback => undef);

        IO::Socket::SSL::set_client_defaults(name => 'www.example.org', scheme => 'http');
        ($ok, $err) = try_client(PeerPort => $port);
        report(name_wrong => $ok, name_wrong_err => $err);
        IO::Socket::SSL::set_client_defaults(name => 'localhost');
        ($ok, $err) = try_client(PeerPort => $port);
        report(name_right => $ok, name_right_err => $err);

        IO::Socket::SSL::set_client_defaults(mode => SSL_VERIFY_NONE);
        ($ok, $err) = try_client(PeerPort => $port2);
        report(mode_none => $ok, mode_none_err => $err);
        # an explicit argument still wins over the defaults
        ($ok, $err) = try_client(PeerPort => $port2, SSL_verify_mode => SSL_VERIFY_PEER);
        report(mode_explicit => $ok);
        ($ok, $err) = try_client(PeerPort => $port, SSL_verify_mode => SSL_VERIFY_PEER);
        report(mode_explicit_good => $ok);
        wait_child($pid); wait_child($pid2);
    });
    is($r->{ca_file}, 1, 'set_client_defaults(ca_file => ...): a client without CA verifies')
        or diag($r->{ca_file_err});
    is($r->{ca_file_other}, 0, 'set_client_defaults(ca_file): an unknown CA still fails');
    is($r->{callback}, 1, 'set_client_defaults(callback => ...): the callback decides')
        or diag($r->{callback_err});
    ok($r->{callback_called} > 0, "set_client_defaults(callback): called $r->{callback_called} times");
    is($r->{name_wrong}, 0, 'set_client_defaults(name => other name, scheme => http): verification fails');
    like($r->{name_wrong_err} // '', qr/hostname verification failed|verify failed/,
        "set_client_defaults(name): $r->{name_wrong_err}");
    is($r->{name_right}, 1, 'set_client_defaults(name => localhost): verification ok')
        or diag($r->{name_right_err});
    is($r->{mode_none}, 1, 'set_client_defaults(mode => SSL_VERIFY_NONE): unknown CA accepted')
        or diag($r->{mode_none_err});
    is($r->{mode_explicit}, 0, 'explicit SSL_verify_mode beats the default');
    is($r->{mode_explicit_good}, 1, 'explicit SSL_verify_mode with default ca_file: ok');
}
{
    # set_server_defaults + set_defaults, full and short keys; set_ctx_defaults
    my $r = in_child(sub {
        IO::Socket::SSL::set_server_defaults(SSL_cert_file => cert('server-chain.pem'),
            key_file => cert('server-key.pem'));
        my $l = IO::Socket::SSL->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 5);
        report(server_defaults => $l ? 1 : 0, server_err => $SSL_ERROR // "");
        return if !$l;
        IO::Socket::SSL::set_defaults(version => 'TLSv1_2');
        my $l2 = IO::Socket::SSL->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 5);
        my ($pid, $port) = server(1, _listener => $l2);
        my ($ok, $err, $c) = try_client(PeerPort => $port, @root);
        report(set_defaults => $ok, set_defaults_version => $c ? $c->get_sslversion : $err);
        wait_child($pid);

        IO::Socket::SSL::set_ctx_defaults(SSL_version => 'TLSv1_3');
        my $l3 = IO::Socket::SSL->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 5);
        ($pid, $port) = server(1, _listener => $l3);
        ($ok, $err, $c) = try_client(PeerPort => $port, @root);
        report(ctx_defaults => $ok, ctx_defaults_version => $c ? $c->get_sslversion : $err);
        wait_child($pid);

        # server-only default: the client is not affected
        IO::Socket::SSL::set_defaults(SSL_version => 'SSLv23');
        IO::Socket::SSL::set_server_defaults(cipher_list => 'ECDHE-RSA-AES256-GCM-SHA384',
            version => 'TLSv1_2');
        my $l4 = IO::Socket::SSL->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 5);
        ($pid, $port) = server(1, _listener => $l4);
        ($ok, $err, $c) = try_client(PeerPort => $port, @root);
        report(server_cipher => $c ? $c->get_cipher : $err);
        wait_child($pid);
    });
    is($r->{server_defaults}, 1, 'set_server_defaults(SSL_cert_file, key_file): a bare listener works')
        or diag($r->{server_err});
    is($r->{set_defaults}, 1, 'set_defaults(version => TLSv1_2): connects');
    is($r->{set_defaults_version}, 'TLSv1_2', 'set_defaults(version => TLSv1_2): TLS 1.2');
    is($r->{ctx_defaults_version}, 'TLSv1_3', 'set_ctx_defaults(SSL_version => TLSv1_3): TLS 1.3');
    is($r->{server_cipher}, 'ECDHE-RSA-AES256-GCM-SHA384',
        'set_server_defaults(cipher_list, version): the server cipher');
}
{
    # set_default_context: every new socket uses it; context_init
    my $r = in_child(sub {
        my ($pid, $port) = server(3, SSL_cert_file => cert('other-server-cert.pem'),
            SSL_key_file => cert('other-server-key.pem'));
        my $ctx = IO::Socket::SSL::SSL_Context->new(SSL_verify_mode => SSL_VERIFY_NONE);
        IO::Socket::SSL::set_default_context($ctx);
        my ($ok, $err, $c) = try_client(PeerPort => $port);
        report(default_ctx => $ok, default_ctx_err => $err,
            same_ctx => ($c && $c->_get_ctx_object == $ctx->{context}) ? 1 : 0);
        IO::Socket::SSL::set_default_context(undef);
        ($ok, $err) = try_client(PeerPort => $port, @root);
        report(after_reset => $ok);

        IO::Socket::SSL::context_init({ SSL_verify_mode => SSL_VERIFY_NONE });
        ($ok, $err) = try_client(PeerPort => $port);
        report(context_init => $ok, context_init_err => $err);
        wait_child($pid);
    });
    is($r->{default_ctx}, 1, 'set_default_context($ctx): a client without args uses it')
        or diag($r->{default_ctx_err});
    is($r->{same_ctx}, 1, 'set_default_context: the client\'s SSL_CTX is the context\'s');
    is($r->{after_reset}, 0, 'set_default_context(undef): normal verification again');
    is($r->{context_init}, 1, 'context_init({SSL_verify_mode => 0}): applied')
        or diag($r->{context_init_err});
}
{
    # set_args_filter_hack: a sub, and 'use_defaults'
    my $r = in_child(sub {
        my ($pid, $port) = server(3);
        my ($pid2, $port2) = server(1, SSL_cert_file => cert('other-server-cert.pem'),
            SSL_key_file => cert('other-server-key.pem'));
        my @seen;
        IO::Socket::SSL::set_args_filter_hack(sub {
            my ($is_server, $args) = @_;
            push @seen, $is_server ? 'server' : 'client';
            $args->{SSL_version} = 'TLSv1_2' if !$is_server;
        });
        my ($ok, $err, $c) = try_client(PeerPort => $port, @root);
        report(filter => $ok, filter_version => $c ? $c->get_sslversion : $err,
            filter_seen => "@seen");

        IO::Socket::SSL::set_client_defaults(ca_file => cert('test-ca.pem'));
        IO::Socket::SSL::set_args_filter_hack('use_defaults');
        # the user's args are overridden by the defaults
        ($ok, $err) = try_client(PeerPort => $port2, SSL_verify_mode => SSL_VERIFY_NONE);
        report(use_defaults_verify => $ok, use_defaults_verify_err => $err);
        ($ok, $err) = try_client(PeerPort => $port, SSL_ca_file => cert('other-ca.pem'));
        report(use_defaults_ca => $ok, use_defaults_ca_err => $err);
        ($ok, $err, $c) = try_client(PeerPort => $port, SSL_version => 'TLSv1_2');
        report(use_defaults_version => $c ? $c->get_sslversion : $err);
        wait_child($pid); wait_child($pid2);
    });
    is($r->{filter}, 1, 'set_args_filter_hack(sub): connects');
    is($r->{filter_version}, 'TLSv1_2', 'set_args_filter_hack(sub): the filter changed the version');
    like($r->{filter_seen} // '', qr/^client/, 'set_args_filter_hack(sub): called with is_server false');
    is($r->{use_defaults_verify}, 0, "set_args_filter_hack('use_defaults'): SSL_verify_mode 0 overridden");
    is($r->{use_defaults_ca}, 1, "set_args_filter_hack('use_defaults'): default ca_file overrides the argument")
        or diag($r->{use_defaults_ca_err});
    is($r->{use_defaults_version}, 'TLSv1_3', "set_args_filter_hack('use_defaults'): SSL_version overridden");
}

# ============================ feature probes ================================
# Values of the reference on this OpenSSL (2.081; the last three from 2.099).
# A probe that is false here means the feature is not in this build: then
# there is nothing to compare.
{
    my %ref = (
        can_client_sni => 1, can_server_sni => 1, can_multi_cert => 1, can_npn => 1,
        can_alpn => 1, can_ecdh => 'auto', can_ocsp => 1, can_ticket_keycb => 1,
        can_pha => 1, can_partial_chain => 1, can_ciphersuites => 1,
        can_psk => { client => 1, server => 1 }, can_nested_ssl => 1,
    );
    my %since_2099 = map { $_ => 1 } qw(can_ciphersuites can_psk can_nested_ssl);
    for my $probe (sort keys %ref) {
        my $f = IO::Socket::SSL->can($probe);
        if (!$f && $since_2099{$probe} && $IO::Socket::SSL::VERSION < 2.085) {
            note("$probe: not in IO::Socket::SSL $IO::Socket::SSL::VERSION");
            next;
        }
        ok($f, "$probe exists") or next;
        my $v = $f->();
        if (!$v) {
            note("$probe is false: not in this build");
            next;
        }
        if (ref $ref{$probe}) {
            is_deeply($v, $ref{$probe}, "$probe: same as the reference");
        } elsif ($ref{$probe} eq '1') {
            ok($v, "$probe: true as in the reference");
        } else {
            is($v, $ref{$probe}, "$probe: '$ref{$probe}' as in the reference");
        }
    }
    my $v6 = IO::Socket::SSL->can_ipv6;
    ok(!$v6 || $v6 =~ /^IO::Socket::(IP|INET6)$/, 'can_ipv6: false or the IPv6 class name');
    is($v6, 'IO::Socket::IP', 'can_ipv6: IO::Socket::IP (as the reference)')
        if eval { require IO::Socket::IP; IO::Socket::IP->VERSION(0.31) };
    # those that work in this build
    ok(IO::Socket::SSL->can_alpn && IO::Socket::SSL->can_client_sni && IO::Socket::SSL->can_server_sni
        && IO::Socket::SSL->can_ecdh && IO::Socket::SSL->can_partial_chain
        && IO::Socket::SSL->can_ticket_keycb && IO::Socket::SSL->can_multi_cert,
        'ALPN, SNI, ECDH, partial chain, ticket key callback, multi cert: all available');
}

# ============================ introspection =================================
{
    my ($pid, $port) = server(1);
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port, @root);
    ok($c, 'introspection client connected') or diag($SSL_ERROR);
    my $subject = '/C=DE/O=IO-Socket-SSL-Test/CN=localhost';
    my $issuer  = '/C=DE/O=IO-Socket-SSL-Test/CN=IO::Socket::SSL Test Intermediate CA';
    is($c->peer_certificate('subject'), $subject, 'peer_certificate subject');
    is($c->peer_certificate('owner'), $subject, 'peer_certificate owner (alias)');
    is($c->peer_certificate('issuer'), $issuer, 'peer_certificate issuer');
    is($c->peer_certificate('authority'), $issuer, 'peer_certificate authority (alias)');
    is($c->peer_certificate('commonName'), 'localhost', 'peer_certificate commonName');
    is($c->peer_certificate('cn'), 'localhost', 'peer_certificate cn (alias)');
    is_deeply([$c->peer_certificate('subjectAltNames')],
        [2 => 'localhost', 7 => pack('C4', 127, 0, 0, 1), 7 => pack('n8', 0, 0, 0, 0, 0, 0, 0, 1)],
        'peer_certificate subjectAltNames: (type, value) pairs, IPs packed');
    is($c->peer_certificate('cn', 1), 'localhost', 'peer_certificate(cn, $refresh)');
    my $raw = $c->peer_certificate;
    ok($raw && $raw =~ /^\d+$/ && $raw > 0, 'peer_certificate() without field: an X509 handle');
    is($c->peer_certificate(undef, 1), $raw, 'peer_certificate(undef, 1): same handle');
    is(pem2der(PEM_cert2string($raw)), slurp(cert('server-cert.der')), 'the raw handle is the server cert');
    is($c->dump_peer_certificate, "Subject Name: $subject\nIssuer  Name: $issuer\n",
        'dump_peer_certificate');

    my @chain = $c->peer_certificates;
    is(scalar @chain, 2, 'peer_certificates: leaf + intermediate');
    is(pem2der(PEM_cert2string($chain[0])), pem2der(slurp(cert('server-cert.pem'))),
        'peer_certificates: leaf first');
    is(pem2der(PEM_cert2string($chain[1])), pem2der(slurp(cert('intermediate-ca.pem'))),
        'peer_certificates: then the intermediate');
    ok(!defined $c->sock_certificate, 'sock_certificate on a client without certificate: undef');

    my $der = slurp(cert('server-cert.der'));
    my %want = (md5 => Digest::MD5::md5_hex($der), sha1 => Digest::SHA::sha1_hex($der),
        sha256 => Digest::SHA::sha256_hex($der));
    for my $algo (qw(md5 sha1 sha256)) {
        is($c->get_fingerprint($algo), "$algo\$$want{$algo}", "get_fingerprint($algo)");
        is(unpack('H*', $c->get_fingerprint_bin($algo)), $want{$algo}, "get_fingerprint_bin($algo)");
    }
    is($c->get_fingerprint, "sha256\$$want{sha256}", 'get_fingerprint: sha256 by default');
    my $ca = PEM_file2cert(cert('test-ca.pem'));
    is($c->get_fingerprint('sha256', $ca),
        'sha256$' . Digest::SHA::sha256_hex(pem2der(slurp(cert('test-ca.pem')))),
        'get_fingerprint(sha256, $cert): of the given certificate');
    IO::Socket::SSL::Utils::CERT_free($ca);
    SKIP: {
        skip 'openssl command line tool not found', 3 if !$openssl;
        my $pub = `$openssl x509 -in @{[cert('server-cert.pem')]} -pubkey -noout | $openssl rsa -pubin -RSAPublicKey_out -outform DER 2>/dev/null`;
        skip 'openssl could not extract the public key', 3 if !length $pub;
        is($c->get_fingerprint('sha256', undef, 1), 'sha256$pub$' . Digest::SHA::sha256_hex($pub),
            'get_fingerprint(sha256, undef, 1): of the public key');
        is($c->get_fingerprint('sha1', undef, 1), 'sha1$pub$' . Digest::SHA::sha1_hex($pub),
            'get_fingerprint(sha1, undef, 1)');
        is(unpack('H*', $c->get_fingerprint_bin('md5', undef, 1)), Digest::MD5::md5_hex($pub),
            'get_fingerprint_bin(md5, undef, 1)');
    }

    ok(!$c->get_session_reused, 'get_session_reused: false on a new session');
    ok(!defined $c->get_servername, 'get_servername: none when connecting to an IP');
    ok(${*$c}{_SSL_object}, '_SSL_object is set while TLS is active');
    ok(${*$c}{_SSL_opened}, '_SSL_opened is true while TLS is active');
    is(${*$c}{_SSL_object}, $c->_get_ssl_object, '_SSL_object is the SSL* handle');

    # legacy names
    is(scalar $c->issuer_name, $issuer, 'issuer_name');
    is(scalar $c->subject_name, $subject, 'subject_name');
    my $gpc = $c->get_peer_certificate;
    ok($gpc, 'get_peer_certificate');
    is($gpc && $gpc->subject_name, $subject, 'get_peer_certificate->subject_name');
    ok(ping($c), 'round trip');
    $c->kill_socket;
    ok(!exists ${*$c}{_SSL_object}, 'after kill_socket/close: _SSL_object gone');
    ok(!${*$c}{_SSL_opened}, 'after close: _SSL_opened false');

    my ($st, $r) = wait_child($pid);
    is($r->{'own_cn[]'}[0], 'localhost', 'server: sock_certificate(cn) is its own certificate');
    ok(!defined $r->{'sni[]'}[0], 'server: get_servername undef without SNI');

    my $l = ssl_listener();
    ok(${*$l}{_SSL_opened}, 'listener: _SSL_opened true');
    ok(!${*$l}{_SSL_object}, 'listener: no _SSL_object');
    $l->close;
}
{
    # SNI names on both sides; get_session_reused through a cache
    # (one client context: the reference drops a context's sessions from the
    # cache when that context is freed)
    my ($pid, $port) = server(3);
    my $cctx = IO::Socket::SSL::SSL_Context->new(@root, SSL_verify_mode => SSL_VERIFY_PEER,
        SSL_session_cache_size => 4);
    my @got;
    for my $i (1 .. 2) {
        my $c = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port,
            Family => Socket::AF_INET(), SSL_reuse_ctx => $cctx);
        ok($c, "client $i to 'localhost'") or diag($SSL_ERROR);
        next if !$c;
        push @got, [$c->get_servername, $c->get_session_reused ? 1 : 0];
        ping($c);
        $c->close;
    }
    is_deeply(\@got, [['localhost', 0], ['localhost', 1]],
        'client get_servername and get_session_reused (new, then resumed)');
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port, @root,
        SSL_hostname => 'sni.example', SSL_verifycn_name => 'localhost');
    ok($c, 'client with SSL_hostname') or diag($SSL_ERROR);
    is($c && $c->get_servername, 'sni.example', 'client get_servername: the SSL_hostname');
    ping($c) if $c;
    $c->close if $c;
    my ($st, $r) = wait_child($pid);
    is_deeply($r->{'sni[]'}, ['localhost', 'localhost', 'sni.example'], 'server get_servername');
    is_deeply($r->{'reused[]'}, [0, 1, 0], 'server get_session_reused');
}
{
    # socket_to_SSL / socketToSSL: legacy start_SSL
    my ($pid, $port) = server(2);
    for my $name (qw(socket_to_SSL socketToSSL)) {
        my $plain = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port)
            or die "connect: $!";
        my $f = IO::Socket::SSL->can($name);
        ok($f, "$name exists") or next;
        my $c = $f->($plain, @root, SSL_verifycn_name => 'localhost');
        ok($c && ref($c) eq 'IO::Socket::SSL', "$name upgrades a plain socket") or diag($SSL_ERROR);
        ok($c && ping($c), "$name: round trip");
        $c->close if $c;
    }
    wait_child($pid);

    # client certificate: sock_certificate on the client, peer on the server
    ($pid, $port) = server(1, SSL_verify_mode => SSL_VERIFY_PEER, SSL_ca_file => cert('test-ca.pem'));
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port, @root,
        SSL_cert_file => cert('client-cert.pem'), SSL_key_file => cert('client-key.pem'));
    ok($c, 'client with certificate') or diag($SSL_ERROR);
    is($c && $c->sock_certificate('cn'), 'testclient', 'client sock_certificate(cn)');
    is($c && $c->sock_certificate('issuer'), '/C=DE/O=IO-Socket-SSL-Test/CN=IO::Socket::SSL Test CA',
        'client sock_certificate(issuer)');
    ok($c && $c->sock_certificate =~ /^\d+$/, 'client sock_certificate(): an X509 handle');
    ping($c) if $c;
    $c->close if $c;
    my ($st, $r) = wait_child($pid);
    is($r->{peer_cn}, 'testclient', 'server peer_certificate(cn): the client');
}

done_testing;
