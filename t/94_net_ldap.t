#!perl
# Net::LDAP on this build against Debian's slapd, started by the test with a
# throwaway database and the test PKI: ldaps:// and start_tls with
# verification, a bind, an add and a search over TLS; an untrusted CA and a
# wrong server name refused. Run twice by Consumer (see t/lib/Consumer.pm).
use strict;
use warnings;
use lib 't/lib';
use Consumer;
use TestLib;
use RealServers;
use Test::More;

watchdog(90);
need_module(qw(Net::LDAP));

my $s = start_slapd();
my $ca = cert('test-ca.pem');

sub roundtrip {
    my ($ldap, $cn) = @_;
    my $m = $ldap->bind($s->{rootdn}, password => $s->{rootpw});
    is($m->code, 0, "$cn: simple bind as the root DN") or diag($m->error);
    if ($cn eq 'ldaps') {
        $m = $ldap->add($s->{base}, attrs => [objectClass => ['dcObject', 'organization'],
            dc => 'example', o => 'Example']);
        is($m->code, 0, 'base entry added') or diag($m->error);
    }
    $m = $ldap->add("cn=$cn,$s->{base}", attrs => [objectClass => ['person'],
        cn => $cn, sn => "added over $cn"]);
    is($m->code, 0, "$cn: entry added") or diag($m->error);
    $m = $ldap->search(base => $s->{base}, filter => '(objectClass=person)', attrs => ['sn']);
    is($m->code, 0, "$cn: search") or diag($m->error);
    my %sn = map { ($_->get_value('sn')) x 2 } $m->entries;
    ok($sn{"added over $cn"}, "$cn: the entry is found");
    return scalar $m->entries;
}

# ---- ldaps:// ----
{
    my $ldap = Net::LDAP->new("ldaps://localhost:$s->{ldaps}", verify => 'require',
        cafile => $ca, timeout => 10);
    ok($ldap, 'ldaps:// connected with verify => require') or diag($@);
    my $sock = $ldap->socket;
    ok($sock->isa('IO::Socket::SSL'), 'the socket is an IO::Socket::SSL');
    like($sock->get_sslversion, qr/^TLSv1_[23]$/, 'protocol ' . $sock->get_sslversion);
    is($sock->peer_certificate('cn'), 'localhost', 'slapd presented the test certificate');
    is(roundtrip($ldap, 'ldaps'), 1, 'one person');
    check_raw_handle($sock, 'Net::LDAP ldaps socket');
    $ldap->unbind;
    $ldap->disconnect;
}

# ---- ldap:// + start_tls ----
{
    my $ldap = Net::LDAP->new("ldap://localhost:$s->{ldap}", timeout => 10)
        or die "ldap://: $@";
    ok(!$ldap->socket->isa('IO::Socket::SSL'), 'plain before start_tls');
    my $m = $ldap->start_tls(verify => 'require', cafile => $ca);
    is($m->code, 0, 'start_tls with verify => require') or diag($m->error);
    ok($ldap->socket->isa('IO::Socket::SSL'), 'TLS after start_tls');
    is(roundtrip($ldap, 'starttls'), 2, 'both persons');
    $m = $ldap->start_tls(verify => 'require', cafile => $ca);
    ok($m->code, 'a second start_tls is refused: ' . $m->error);
    $ldap->unbind;
}

# ---- refusals ----
{
    my $ldap = Net::LDAP->new("ldaps://localhost:$s->{ldaps}", verify => 'require',
        cafile => cert('other-ca.pem'), timeout => 10);
    ok(!$ldap, 'ldaps:// with another CA: refused');
    like($@, qr/certificate verify failed/, "error: $@");

    $ldap = Net::LDAP->new("ldaps://127.0.0.1:$s->{ldaps}", verify => 'require',
        cafile => $ca, sslserver => 'ldap.example.org', timeout => 10);
    ok(!$ldap, 'ldaps:// expecting another server name (sslserver): refused');
    like($@, qr/hostname verification failed|certificate verify failed/, "error: $@");

    $ldap = Net::LDAP->new("ldap://localhost:$s->{ldap}", timeout => 10) or die "ldap://: $@";
    my $m = $ldap->start_tls(verify => 'require', cafile => cert('other-ca.pem'));
    ok($m->code, 'start_tls with another CA: refused (' . $m->error . ')');

    $ldap = Net::LDAP->new("ldaps://localhost:$s->{ldaps}", verify => 'none', timeout => 10);
    ok($ldap, "verify => 'none' connects without a CA") or diag($@);
}

stop_bg($s->{h});
check_build('Net::LDAP');
done_testing;
