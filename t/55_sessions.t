#!/usr/bin/perl
# Session resumption: TLS 1.2 and TLS 1.3 (tickets that arrive after the
# handshake), through our cache and a user-supplied cache object, and ticket
# key rotation across two servers.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use TestLib;
use IO::Socket::SSL;

watchdog(60);
my $ca = cert('test-ca.pem');

sub server {
    my ($n, %args) = @_;
    return greeting_server($n, sub { (reused => $_[0]->get_session_reused ? 1 : 0) }, %args);
}

sub talk {
    my ($port, %args) = @_;
    my $c = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port,
        SSL_ca_file => $ca, %args) or return "failed: $SSL_ERROR";
    my $line = <$c>;   # reading lets a TLS 1.3 ticket arrive
    my $reused = $c->get_session_reused ? 1 : 0;
    print $c "bye\n";
    $c->close;
    return $reused;
}

for my $v (qw(TLSv1_2 TLSv1_3)) {
    my ($pid, $port) = server(3, SSL_version => $v);
    my $cache = IO::Socket::SSL::Session_Cache->new(10);
    is(talk($port, SSL_session_cache => $cache), 0, "$v: first connection is new");
    is(talk($port, SSL_session_cache => $cache), 1, "$v: second connection resumes");
    is(talk($port, SSL_session_cache_size => 5), 0, "$v: another cache starts fresh");
    my ($st, $r) = wait_child($pid);
    is($r->{reused2}, 1, "$v: server agrees");
}

# A user-supplied cache object with the documented methods. The sessions
# are raw SSL_SESSION* handles it owns: it frees what it drops, with
# Net::SSLeay::SESSION_free as code written for the reference does (our
# stand-in when Net::SSLeay is not installed).
{
    package My::Cache;
    require Net::SSLeay;
    sub new { bless { s => {}, calls => [] }, shift }
    sub add_session { my ($s, $k, $v) = @_; push @{ $s->{calls} }, "add $k"; push @{ $s->{s}{$k} }, $v; 1 }
    sub get_session { my ($s, $k) = @_; push @{ $s->{calls} }, "get $k"; $s->{s}{$k} && $s->{s}{$k}[-1] }
    # with the key undef: the session wherever it is (as the reference's
    # remove callback calls it)
    sub del_session { my ($s, $k, $v) = @_; push @{ $s->{calls} }, 'del ' . ($k // 'undef');
        for my $key (defined $k ? $k : keys %{ $s->{s} }) {
            my @keep;
            for (@{ $s->{s}{$key} || [] }) {
                if (!defined $v || $_ == $v) { Net::SSLeay::SESSION_free($_) } else { push @keep, $_ }
            }
            $s->{s}{$key} = \@keep;
        }
        1 }
    sub replace_session { my ($s, $k, $v) = @_; $s->del_session($k); $s->{s}{$k} = [$v]; 1 }
    sub DESTROY { my $s = shift; Net::SSLeay::SESSION_free($_) for map { @$_ } values %{ $s->{s} } }
}
{
    my ($pid, $port) = server(2, SSL_version => 'TLSv1_3');
    my $cache = My::Cache->new;
    is(talk($port, SSL_session_cache => $cache, SSL_session_key => 'mykey'), 0, 'custom cache: new');
    is(talk($port, SSL_session_cache => $cache, SSL_session_key => 'mykey'), 1, 'custom cache: resumed');
    ok((grep { $_ eq 'add mykey' } @{ $cache->{calls} }), 'custom cache: add_session called with the key');
    ok((grep { $_ eq 'get mykey' } @{ $cache->{calls} }), 'custom cache: get_session called');
    wait_child($pid);
}

# Ticket keys rotated across two servers: the old key still decrypts, and
# the ticket is re-issued under the new key.
{
    my %keys = (('A' x 16) => 'k' x 32, ('B' x 16) => 'K' x 32);
    my $cb_for = sub {
        my $current = shift;
        return [ sub {
            my ($data, $name) = @_;
            push @{ $data->{log} }, defined $name ? "dec $name" : 'enc';
            return ($keys{$current}, $current) if !defined $name;
            return if !$keys{$name};
            return ($keys{$name}, $current);
        }, { log => [] } ];
    };
    my $cache = IO::Socket::SSL::Session_Cache->new(10);
    for my $round (['A' x 16, 0], ['B' x 16, 1]) {
        my ($name, $want) = @$round;
        my $kcb = $cb_for->($name);
        my $l = ssl_listener(SSL_version => 'TLSv1_2', SSL_ticket_keycb => $kcb);
        my ($pid, $port) = fork_server($l, sub {
            my $c = shift->accept or die $SSL_ERROR;
            print $c "hi\n";
            <$c>;
            report(log => join(',', @{ $kcb->[1]{log} }), reused => $c->get_session_reused ? 1 : 0);
            $c->close;
        });
        is(talk($port, SSL_session_cache => $cache, SSL_session_key => 'tk', SSL_version => 'TLSv1_2'),
            $want, "ticket key $name: resumed=$want");
        my ($st, $r) = wait_child($pid);
        if ($want) {
            like($r->{log}, qr/dec A{16}/, 'server B decrypted the ticket of key A');
            like($r->{log}, qr/enc/, '... and issued a new one under its current key');
        } else {
            like($r->{log}, qr/^enc/, 'server A issued a ticket');
        }
    }
}

ok(IO::Socket::SSL->can_ticket_keycb, 'can_ticket_keycb');
done_testing;
