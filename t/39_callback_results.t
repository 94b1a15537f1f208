#!/usr/bin/perl
# What a Perl callback gives back to OpenSSL - its result, or $@ when it
# died - is read after the callback's eval is over, with OpenSSL's frames
# (the handshake, the key loading) below. A value that dies when it is read
# (an object whose bool or "" overload dies, wide characters where bytes are
# wanted) must fail that operation like a dying callback does, never unwind
# across OpenSSL; and the next connections work.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use TestLib;
use IO::Socket::SSL;

watchdog(120);

{ package BoolDies; use overload 'bool' => sub { die "bool died\n" }, '""' => sub { 'a BoolDies object' }, fallback => 1; }
{ package StrDies;  use overload '""' => sub { die "string died\n" }, 'bool' => sub { 1 }, fallback => 1; }
{ package BothDie;  use overload 'bool' => sub { die "bool died\n" }, '""' => sub { die "string died\n" }, fallback => 1; }

my @ca = (SSL_ca_file => cert('test-ca.pem'), SSL_hostname => 'localhost');
my $NOSTR = qr/a callback died with an exception object that cannot be made a string/;

# A server that greets every connection it accepts, reporting each accept's
# error ("errN") and the warnings of its callbacks ("warnN"), until killed.
sub server {
    my %args = @_;
    return fork_server(ssl_listener(%args), sub {
        my $l = shift;
        for my $i (1 .. 50) {
            my @w;
            local $SIG{__WARN__} = sub { push @w, $_[0] };
            my $c = $l->accept;
            report("warn$i" => join('', @w));
            if (!$c) { report("err$i" => "$SSL_ERROR"); next }
            report("err$i" => '');
            print $c "hi\n";
            <$c>;
            $c->close;
        }
    });
}

# One client connection: (greeting or undef, error).
sub talk {
    my ($port, @args) = @_;
    $SSL_ERROR = undef;
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port, @ca, @args)
        or return (undef, "$SSL_ERROR");
    my $line = <$c>;
    print $c "bye\n";
    $c->close;
    return ($line, '');
}

# ---- SSL_verify_callback (client) ----
{
    my ($pid, $port) = server();
    my @cases = (
        [ 'returns an object whose bool dies', sub { bless {}, 'BoolDies' }, qr/bool died/ ],
        [ 'dies with an object whose bool dies', sub { die bless {}, 'BoolDies' }, qr/a BoolDies object/ ],
        [ 'dies with an object whose "" dies', sub { die bless {}, 'StrDies' }, $NOSTR ],
        [ 'dies with an object whose bool and "" die', sub { die bless {}, 'BothDie' }, $NOSTR ],
    );
    for (@cases) {
        my ($name, $cb, $want) = @$_;
        my ($line, $err) = talk($port, SSL_verify_callback => $cb);
        ok(!defined $line, "verify callback $name: the handshake fails");
        like($err, $want, "... error: $err");
        ($line, $err) = talk($port);
        is($line, "hi\n", '... the next connection works') or diag($err);
    }
    # the glue itself, without the Perl side's wrapper (which makes the
    # value 0/1 inside the eval already)
    my $ctx = IO::Socket::SSL::SSL_Context->new(@ca, SSL_verify_callback => sub { 1 })
        or die "context: $SSL_ERROR";
    $ctx->{_ctx}->set_verify_callback(sub { bless {}, 'BoolDies' });
    my ($line, $err) = talk($port, SSL_reuse_ctx => $ctx);
    ok(!defined $line, 'verify callback of the glue returning an object whose bool dies: fails');
    like($err, qr/bool died/, "... error: $err");
    ($line, $err) = talk($port);
    is($line, "hi\n", '... the next connection works') or diag($err);
    kill_child($pid);
}

# ---- SSL_passwd_cb (loading an encrypted key) ----
{
    my @key = (SSL_cert_file => cert('server-chain.pem'), SSL_key_file => cert('server-key-enc.pem'));
    my @cases = (
        [ 'returns an object whose "" dies', sub { bless {}, 'StrDies' }, qr/string died/ ],
        [ 'dies with an object whose "" dies', sub { die bless {}, 'StrDies' }, $NOSTR ],
        [ 'dies with an object whose bool dies', sub { die bless {}, 'BoolDies' }, qr/a BoolDies object/ ],
        # as the reference: the password's UTF-8 bytes (wrong here)
        [ 'returns wide characters', sub { "keyp\x{263a}ss" }, qr/./ ],
    );
    for (@cases) {
        my ($name, $cb, $want) = @$_;
        my $ctx;
        $SSL_ERROR = undef;
        # a die from under OpenSSL's key loading would end up in this eval
        my $died = !eval { $ctx = IO::Socket::SSL::SSL_Context->new(@key, SSL_server => 1,
            SSL_passwd_cb => $cb); 1 };
        ok(!$died, "passwd callback $name: no die through OpenSSL") or diag($@);
        ok(!$ctx, '... the key is not loaded');
        like("$SSL_ERROR", $want, "... error: $SSL_ERROR");
    }
    my $ctx = IO::Socket::SSL::SSL_Context->new(@key, SSL_server => 1, SSL_passwd_cb => sub { 'keypass' });
    ok($ctx, 'the right password still loads the key') or diag($SSL_ERROR);
}

# ---- SSL_ocsp_staple as a code reference (server) ----
# a staple source that dies or gives no bytes: no staple and a warning
{
    my $n = 0;
    my @src = (sub { "\x{263a}" x 10 }, sub { die bless {}, 'StrDies' }, sub { die bless {}, 'BothDie' });
    my ($pid, $port) = server(SSL_ocsp_staple => sub { my $s = $src[$n++]; $s ? $s->(@_) : undef });
    my @want = (qr/SSL_ocsp_staple callback died: Wide character/,
        qr/SSL_ocsp_staple callback died: .*$NOSTR/, qr/SSL_ocsp_staple callback died: .*$NOSTR/);
    for my $i (1 .. 3) {
        my ($line, $err) = talk($port, SSL_ocsp_mode => IO::Socket::SSL::SSL_OCSP_TRY_STAPLE());
        is($line, "hi\n", "staple source $i: the connection works without a staple") or diag($err);
        is(wait_report($pid, "err$i"), '', '... the server accepted');
        like(wait_report($pid, "warn$i"), $want[$i - 1], '... and warned');
    }
    my ($line, $err) = talk($port, SSL_ocsp_mode => IO::Socket::SSL::SSL_OCSP_TRY_STAPLE());
    is($line, "hi\n", 'the next connection works') or diag($err);
    is(wait_report($pid, 'warn4'), '', '... without a warning');
    kill_child($pid);
}

# ---- SSL_ticket_keycb (server, TLS 1.3 tickets) ----
{
    my $n = 0;
    my @bad = (sub { ("\x{263a}" x 32, 'name') }, sub { die bless {}, 'StrDies' },
        sub { die bless {}, 'BoolDies' });
    my ($pid, $port) = server(SSL_version => 'TLSv1_3', SSL_ticket_keycb => sub {
        my $b = $bad[$n++];
        return $b ? $b->(@_) : ('K' x 32, 'name');
    });
    my @want = (qr/Wide character in a callback's result/, $NOSTR, qr/a BoolDies object/);
    for my $i (1 .. 3) {
        my ($line, $err) = talk($port, SSL_version => 'TLSv1_3');
        my $serr = wait_report($pid, "err$i");
        like($serr, $want[$i - 1], "ticket callback $i: the server's error: $serr");
    }
    my ($line, $err) = talk($port, SSL_version => 'TLSv1_3');
    is($line, "hi\n", 'the next connection works') or diag($err);
    is(wait_report($pid, 'err4'), '', '... on both sides');
    kill_child($pid);
}

# ---- the session callback (a client's session cache) and the message callback ----
{
    package DyingCache;
    sub new { bless {}, shift }
    sub add_session { die bless {}, 'BothDie' }
    sub get_session { undef }
    sub del_session { 1 }
    sub replace_session { 1 }
}
{
    my ($pid, $port) = server();
    my ($line, $err) = talk($port, SSL_session_cache => DyingCache->new, SSL_session_key => 'k');
    ok(1, 'a session cache dying with an object whose bool and "" die: no crash'
        . ($line ? '' : " ($err)"));
    my @w;
    {
        local $SIG{__WARN__} = sub { push @w, @_ };
        my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port, @ca,
            SSL_startHandshake => 0);
        $c->set_msg_callback(sub { die bless {}, 'BothDie' });
        ok($c->connect_SSL, 'a message callback dying with such an object: ignored, as any die of it')
            or diag($SSL_ERROR);
        is(scalar <$c>, "hi\n", '... the connection works');
        print $c "bye\n";
    }
    ($line, $err) = talk($port);
    is($line, "hi\n", 'the next connection works') or diag($err);
    kill_child($pid);
}

done_testing;
