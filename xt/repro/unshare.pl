# default CA store from a hashed directory (shared), then a CRL file: the
# context's store is "unshared" into a copy that has only the certificates
# already in memory, not the directory lookup.
use strict; use warnings;
use lib 't/lib';
use TestLib; use IO::Socket::SSL; use POSIX ();
use File::Temp ();
# a hashed CA directory (other-ca) and an empty CRL signed by it
my $tmp = File::Temp->newdir;
mkdir "$tmp/cadir"; mkdir "$tmp/crl";
system("cp", cert('other-ca.pem'), "$tmp/cadir/") == 0 or die;
system("openssl rehash $tmp/cadir >/dev/null 2>&1") == 0 or die "openssl rehash";
open(my $fh, '>', "$tmp/crl/index.txt"); close $fh;
open($fh, '>', "$tmp/crl/crlnumber"); print $fh "01\n"; close $fh;
open($fh, '>', "$tmp/crl/ca.cnf");
print $fh "[ ca ]\ndefault_ca = d\n[ d ]\ndatabase = $tmp/crl/index.txt\ncrlnumber = $tmp/crl/crlnumber\ndefault_md = sha256\ndefault_crl_days = 30\n";
close $fh;
system("openssl ca -config $tmp/crl/ca.cnf -gencrl -keyfile " . cert('other-ca-key.pem')
    . " -cert " . cert('other-ca.pem') . " -out $tmp/crl/ca.crl >/dev/null 2>&1") == 0 or die "openssl ca -gencrl";
IO::Socket::SSL::default_ca(SSL_ca_path => "$tmp/cadir");
my $l = ssl_listener(SSL_cert_file => cert('other-server-cert.pem'), SSL_key_file => cert('other-server-key.pem'));
my ($pid, $port) = fork_server($l, sub { my $l = shift; for (1..3) { my $c = $l->accept or next; $c->close } });
# CRL first: nothing from the directory is cached yet
for my $crl (1, 0) {
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port, SSL_hostname => 'localhost',
        ($crl ? (SSL_check_crl => 1, SSL_crl_file => "$tmp/crl/ca.crl") : ()));
    print "default store from dir", ($crl ? " + SSL_check_crl/SSL_crl_file" : ""), ": ",
        ($c ? "verified ok" : "FAILED: $SSL_ERROR"), "\n";
}
my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port, SSL_hostname => 'localhost',
    SSL_ca_path => "$tmp/cadir", SSL_check_crl => 1, SSL_crl_file => "$tmp/crl/ca.crl");
print "explicit SSL_ca_path + CRL: ", ($c ? "verified ok" : "FAILED: $SSL_ERROR"), "\n";
wait_child($pid);
