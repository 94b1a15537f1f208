#!perl
# Net::FTP with TLS on this build against Debian's pure-ftpd, configured and
# started by the test (a throwaway virtual user, the test certificate):
# AUTH TLS (starttls), protected data channels in passive and active mode,
# download and upload, a clear data channel (PROT C), a server that
# requires TLS, an untrusted server refused, and CCC (stoptls): the control
# channel goes back to plain text after TLS is shut down on it alone, while
# data channels stay protected. (Debian's pure-ftpd has no implicit FTPS;
# Net::FTP's SSL => 1 is the same code path as Net::SMTP's, see t/93.)
# Run twice by Consumer (see t/lib/Consumer.pm).
use strict;
use warnings;
use lib 't/lib';
use Consumer;
use TestLib;
use RealServers;
use Test::More;

watchdog(120);
need_module(qw(Net::FTP));

my $ca = cert('test-ca.pem');
my $payload = join('', map { "line $_ of the file\n" } 1 .. 2000);    # ~40 KB

sub fetch {
    my ($ftp, $name) = @_;
    my $data = '';
    open(my $fh, '>', \$data) or die;
    $ftp->get($name, $fh) or return undef;
    close $fh;
    return $data;
}

sub slurp { open(my $fh, '<', shift) or return undef; local $/; return scalar <$fh> }

my $p = start_pureftpd(files => { 'big.txt' => $payload, 'hello.txt' => "hello ftp\n" });
my @login = ($p->{user}, $p->{pass});

for my $passive (1, 0) {
    my $mode = $passive ? 'passive' : 'active';
    my $ftp = Net::FTP->new('localhost', Port => $p->{port}, Passive => $passive,
        Timeout => 20, SSL_ca_file => $ca);
    ok($ftp, "$mode: connected") or do { diag($@); next };
    ok(!$ftp->is_SSL, "$mode: plain before starttls");
    ok($ftp->starttls, "$mode: starttls (AUTH TLS, PBSZ 0, PROT P)") or diag($ftp->message . " $@");
    ok($ftp->is_SSL, "$mode: control channel is TLS");
    ok($ftp->login(@login), "$mode: login over TLS") or diag($ftp->message);
    ok($ftp->binary, "$mode: binary");
    my @ls = $ftp->ls;
    ok((grep { $_ eq 'big.txt' } @ls) && (grep { $_ eq 'hello.txt' } @ls),
        "$mode: NLST over a protected data channel (@ls)");
    ok((fetch($ftp, 'big.txt') // '') eq $payload, "$mode: 40 KB download over a protected data channel");
    my $up = "uploaded in $mode mode\n" x 100;
    open(my $ufh, '<', \$up) or die;
    ok($ftp->put($ufh, "$mode.txt"), "$mode: upload over a protected data channel") or diag($ftp->message);
    ok($ftp->prot('C'), "$mode: PROT C");
    is(fetch($ftp, 'hello.txt'), "hello ftp\n", "$mode: download over a clear data channel");
    ok($ftp->quit, "$mode: quit");
    ok((slurp("$p->{root}/$mode.txt") // '') eq $up, "$mode: the server stored the upload");
}

{
    my $ftp = Net::FTP->new('localhost', Port => $p->{port}, Timeout => 20, Passive => 1,
        SSL_ca_file => $ca);
    ok($ftp->starttls, 'starttls for the raw handle checks');
    check_raw_handle($ftp, 'Net::FTP control channel');
    ok(!eval { $ftp->starttls; 1 } && $@ =~ /called starttls within SSL session/,
        'Net::FTP refuses a second starttls');
    $ftp->quit;
}
{
    my $ftp = Net::FTP->new('localhost', Port => $p->{port}, Timeout => 20,
        SSL_ca_file => cert('other-ca.pem'));
    ok(!$ftp->starttls, 'starttls to a server from an untrusted CA fails');
    like("$@ $IO::Socket::SSL::SSL_ERROR", qr/certificate verify failed/, 'with the verification error');
}

# ---- CCC ----
{
    my $ftp = Net::FTP->new('localhost', Port => $p->{port}, Passive => 1, Timeout => 20,
        SSL_ca_file => $ca);
    ok($ftp->starttls, 'CCC: starttls') or diag($ftp->message . " $@");
    ok($ftp->login(@login), 'CCC: login over TLS') or diag($ftp->message);
    ok($ftp->binary, 'CCC: binary');
    ok((fetch($ftp, 'big.txt') // '') eq $payload, 'CCC: protected download before');
    ok($ftp->stoptls, 'stoptls: CCC accepted, TLS on the control channel shut down')
        or diag($ftp->message);
    like($ftp->message, qr/unencrypted|clear/i, 'server: ' . ($ftp->message =~ s/\s+\z//r));
    ok(!$ftp->is_SSL, 'the control channel is plain again');
    ok(defined $ftp->pwd, 'a command in plain text after CCC');
    ok((fetch($ftp, 'big.txt') // '') eq $payload, 'data channel still protected after CCC (PROT P kept)');
    my $up = "after CCC\n" x 50;
    open(my $ufh, '<', \$up) or die;
    ok($ftp->put($ufh, 'after-ccc.txt'), 'upload after CCC');
    ok($ftp->quit, 'quit in plain text');
    ok((slurp("$p->{root}/after-ccc.txt") // '') eq $up, 'pure-ftpd stored the upload');
}
stop_bg($p->{h});

# ---- a server that requires TLS everywhere (-Y 3) ----
{
    my $s = start_pureftpd(tls => 3, files => { 'hello.txt' => "tls only\n" });
    my $plain = Net::FTP->new('localhost', Port => $s->{port}, Passive => 1, Timeout => 20);
    ok(!$plain->login($s->{user}, $s->{pass}), 'plain login refused by a TLS-only server');
    $plain->quit;
    my $ftp = Net::FTP->new('localhost', Port => $s->{port}, Passive => 1, Timeout => 20,
        SSL_ca_file => $ca);
    ok($ftp->starttls && $ftp->login($s->{user}, $s->{pass}), 'TLS login accepted');
    is(fetch($ftp, 'hello.txt'), "tls only\n", 'protected download from a TLS-only server');
    $ftp->quit;
    stop_bg($s->{h});
}

check_build('Net::FTP');
done_testing;
