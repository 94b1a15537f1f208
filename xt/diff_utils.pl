use strict; use warnings; use IO::Socket::SSL::Utils;
# Run by xt/diff_2099.t under 2.099 and under this build: Utils' failure texts
# (up to OpenSSL's reason, which differs) and CERT_asHash's ocsp_uri.
my $d = 't/certs';
sub t { my ($n, $c) = @_; my $r = eval { $c->(); 1 }; my $e = $@; $e =~ s/ at \S+ line \d+.*//s; $e =~ s/0x[0-9a-f]+/ADDR/g; $e =~ s/(PEM X509 cert|PEM private key): .*/$1: REASON/; print "$n: ", ($r ? "ok" : "die<$e>"), "\n" }
t(file2cert_missing => sub { PEM_file2cert("/nonexist.pem") });
t(file2cert_garbage => sub { PEM_file2cert("$d/bad-garbage.pem") });
t(file2certs_missing => sub { PEM_file2certs("/nonexist.pem") });
t(file2certs_empty => sub { my @c = PEM_file2certs("$d/empty.pem"); print scalar(@c), "\n" });
t(string2cert_bad => sub { my $c = PEM_string2cert("garbage"); print defined $c ? "c\n" : "undef\n" });
t(file2key_missing => sub { PEM_file2key("/nonexist.pem") });
t(file2key_garbage => sub { PEM_file2key("$d/bad-garbage.pem") });
t(string2key_bad => sub { my $k = PEM_string2key("garbage"); print defined $k ? "k\n" : "undef\n" });
t(certs2file_bad => sub { PEM_certs2file("/nonexist/dir/x.pem", PEM_file2cert("$d/server-cert.pem")) });
t(cert2file_bad => sub { PEM_cert2file(PEM_file2cert("$d/server-cert.pem"), "/nonexist/dir/x.pem") });
t(key2file_bad => sub { PEM_key2file(PEM_file2key("$d/server-key.pem"), "/nonexist/dir/x.pem") });
t(ec_bad => sub { KEY_create_ec("nosuchcurve") });
t(ec_ok => sub { my $k = KEY_create_ec(); print $k ? "key\n" : "nokey\n" });
t(ec_named => sub { my $k = KEY_create_ec("secp384r1"); print $k ? "key\n" : "nokey\n" });
t(create_unknown => sub { CERT_create(foo => 1, bar => 2, CA => 1) });
my $h = CERT_asHash(PEM_file2cert("$d/server-cert.pem"));
print "ocsp_uri: [", join(",", map { $_ // 'undef' } @{ $h->{ocsp_uri} }), "]\n";
print "keys: ", join(",", sort keys %$h), "\n";
my ($c,$k) = CERT_create(CA=>1, ext => [{ sn => 'authorityInfoAccess', data => 'OCSP;URI:http://ocsp.example/, caIssuers;URI:http://ca.example/ca.crt' }]);
$h = CERT_asHash($c);
print "ocsp_uri2: ", (exists $h->{ocsp_uri} ? (defined $h->{ocsp_uri} ? "[".join(",",ref $h->{ocsp_uri} ? @{$h->{ocsp_uri}} : $h->{ocsp_uri})."] ".ref($h->{ocsp_uri}) : 'undef') : 'missing'), "\n";
