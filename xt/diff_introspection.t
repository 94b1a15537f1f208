#!perl
# Differential test: connection introspection and error texts, ours against
# the reference. Both sides run the same client script, each in its own perl
# (the reference with the PERL5LIB from ../shared/tools/reference.sh, ours
# with -Mblib), against the same neutral server: "openssl s_server" with the
# test server certificate and its chain. Each side prints its results as
# JSON; the test compares them key by key.
#
#   perl Makefile.PL && make && prove -b xt/diff_introspection.t
#
# Compared: dump_peer_certificate; peer_certificate issuer/subject/cn/
# subjectAltNames (+ aliases); get_fingerprint md5/sha1/sha256, of the
# certificate and of its public key; get_cipher and get_sslversion (default
# and TLS 1.2); peer_certificates; $SSL_ERROR for an unknown CA, a wrong host
# name, a missing certificate file and a key that does not match. Error
# texts are compared without Perl's " at FILE line N." (the paths differ);
# whether new() died or returned false is compared separately, as it may
# legitimately differ (see the notes at %may_differ).
use strict;
use warnings;
use lib 't/lib';
use TestLib;
use Test::More;
use JSON::PP ();

watchdog(120);

my $refsh = $ENV{ISS_REFERENCE_SH} || '/work/shared/tools/reference.sh';
plan skip_all => "reference not available ($refsh)" if !-x $refsh;
my $export = `$refsh 2>/dev/null`;
my ($reflib) = $? == 0 ? $export =~ /PERL5LIB=(\S+?)(?:\$\{PERL5LIB|\s|$)/ : ();
plan skip_all => "reference not available: $refsh failed" if !$reflib;
plan skip_all => 'no blib: run "make" first' if !-d 'blib';
my $openssl = openssl_bin();
plan skip_all => 'openssl command line tool not found' if !$openssl;

# The reference dies in new() for a missing file, we may return false with
# the same text in $SSL_ERROR: only the text is compared for these.
my %may_differ = ("missing_cert_file.died" => 1);

# ---- the neutral server ------------------------------------------------------
my $h = run_bg([$openssl, 's_server', '-accept', '127.0.0.1:0', '-www',
    '-cert', cert('server-cert.pem'), '-key', cert('server-key.pem'),
    '-cert_chain', cert('intermediate-ca.pem')], stdin_hold => 1);
wait_bg_output($h, qr/^ACCEPT \S+:(\d+)/m, 10)
    or BAIL_OUT('s_server did not start: ' . bg_output($h));
my ($port) = bg_output($h) =~ /^ACCEPT \S+:(\d+)/m;

# ---- the client script, the same for both sides --------------------------------
my $client = <<'PERL';
use strict;
use warnings;
use IO::Socket::SSL;
use JSON::PP ();
my ($port, $certdir) = @ARGV;
my %r;
my $clean = sub { my $e = shift; defined $e or return undef; $e = "$e";
    $e =~ s/ at \S+ line \d+\.?\n?\z//; $e =~ s/\n+\z//; $e };
my @ca = (SSL_ca_file => "$certdir/test-ca.pem");

for my $v ('default', 'TLSv1_2') {
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port, @ca,
        ($v eq 'default' ? () : (SSL_version => $v)));
    if (!$c) { $r{"$v.connect_error"} = "$SSL_ERROR"; next }
    $r{"$v.version"} = $c->get_sslversion;
    $r{"$v.version_int"} = $c->get_sslversion_int;
    $r{"$v.cipher"} = $c->get_cipher;
    next if $v ne 'default';
    $r{dump} = $c->dump_peer_certificate;
    for my $f (qw(issuer authority subject owner cn commonName)) {
        $r{"field.$f"} = [ $c->peer_certificate($f) ];
    }
    my @san = $c->peer_certificate('subjectAltNames');
    $r{'field.subjectAltNames'} = [ map { $_ % 2 ? unpack('H*', $san[$_]) : $san[$_] } 0 .. $#san ];
    for my $algo (qw(md5 sha1 sha256)) {
        $r{"fp.$algo"} = $c->get_fingerprint($algo);
        $r{"fp.$algo.pub"} = $c->get_fingerprint($algo, undef, 1);
        $r{"fpbin.$algo"} = unpack('H*', $c->get_fingerprint_bin($algo) // '');
    }
    $r{'fp.default'} = $c->get_fingerprint;
    $r{'chain.length'} = scalar(my @chain = $c->peer_certificates);
    $r{'chain.fp'} = [ map { $c->get_fingerprint('sha256', $_) } @chain ];
    $r{servername} = $c->get_servername;
    $r{reused} = $c->get_session_reused ? 1 : 0;
    $r{'sock_certificate.defined'} = defined($c->sock_certificate) ? 1 : 0;
    $c->close;
}

# errors
my $try = sub {
    my ($name, @args) = @_;
    $SSL_ERROR = undef;
    my $o = eval { IO::Socket::SSL->new(@args) };
    $r{"$name.ok"} = $o ? 1 : 0;
    $r{"$name.died"} = $@ ? 1 : 0;
    $r{"$name.error"} = $clean->($@ || $SSL_ERROR);
};
$try->(unknown_ca => PeerHost => '127.0.0.1', PeerPort => $port,
    SSL_ca_file => "$certdir/other-ca.pem");
$try->(wrong_host => PeerHost => '127.0.0.1', PeerPort => $port, @ca,
    SSL_verifycn_name => 'wrong.example', SSL_verifycn_scheme => 'http');
$try->(wrong_host_default_scheme => PeerHost => '127.0.0.1', PeerPort => $port, @ca,
    SSL_verifycn_name => 'wrong.example');
$try->(missing_cert_file => LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1,
    SSL_cert_file => "$certdir/no-such-file.pem", SSL_key_file => "$certdir/server-key.pem");
$try->(key_mismatch => LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1,
    SSL_cert_file => "$certdir/server-chain.pem", SSL_key_file => "$certdir/mismatch-key.pem");
$try->(no_verify_unknown_ca => PeerHost => '127.0.0.1', PeerPort => $port,
    SSL_ca_file => "$certdir/other-ca.pem", SSL_verify_mode => 0);
print JSON::PP->new->canonical->allow_nonref->encode(\%r), "\n";
PERL

sub run_side {
    my ($lib, @perlargs) = @_;
    local $ENV{PERL5LIB} = $lib;
    delete $ENV{PERL5LIB} if !defined $lib;
    open(my $p, '-|', $^X, @perlargs, '-e', $client, $port, certdir())
        or die "run $^X: $!";
    local $/;
    my $out = <$p>;
    close $p;
    my $st = $?;
    my $r = eval { JSON::PP->new->decode($out) };
    diag("side failed (status $st): $out") if !$r;
    return $r || {};
}

my $ref = run_side($reflib);
my $our = run_side(undef, '-Mblib');
stop_bg($h);

ok(%$ref, 'the reference answered');
ok(%$our, 'we answered');
ok(!exists $ref->{'default.connect_error'}, 'reference connected')
    or diag($ref->{'default.connect_error'});

my %keys = map { $_ => 1 } keys %$ref, keys %$our;
for my $k (sort keys %keys) {
    if ($may_differ{$k}) {
        note("$k: reference " . ($ref->{$k} // 'undef') . ", ours " . ($our->{$k} // 'undef')
            . ' (may differ)');
        next;
    }
    if ($k =~ /\.error$/ && defined $our->{$k} && defined $ref->{$k} && $our->{$k} ne $ref->{$k}) {
        # OpenSSL's error queue may hold more entries on one side (the
        # reference tries PEM then DER for a key file and keeps the errors
        # of both); the message and the first OpenSSL error must agree
        my @o = $our->{$k} =~ /^(.*?)(?: (error:[0-9A-F]{8}:[^:]*:[^:]*:.*?))?(?= error:|$)/;
        my @r = $ref->{$k} =~ /^(.*?)(?: (error:[0-9A-F]{8}:[^:]*:[^:]*:.*?))?(?= error:|$)/;
        is_deeply(\@o, \@r, "same $k (message and first OpenSSL error)");
        note("$k differs after that: ours '$our->{$k}', reference '$ref->{$k}'");
        next;
    }
    is_deeply($our->{$k}, $ref->{$k}, "same $k")
        or diag(JSON::PP->new->canonical->allow_nonref->encode({ ours => $our->{$k}, reference => $ref->{$k} }));
}

done_testing;
