#!perl
# Table-driven host-name verification: every vector of
# t/data/hostname_vectors.txt (certificate, scheme, public suffix argument,
# name) must give the answer the reference IO::Socket::SSL gave when the
# table was generated (t/data/make_hostname_vectors.pl; certificates from
# t/certs/hostname/make.sh). The reference is not needed here.
#
# Covered: wildcards in every position (full label, partial, in the middle,
# "*" alone, over public suffixes), CN only vs SAN + CN under every scheme,
# several SANs, IPv4/IPv6 in SAN and CN (ip_in_cn 0/1/4/6, different
# spellings), trailing dots, case, empty names, NUL bytes and white space in
# names and certificates, invalid characters, underscores, A-labels and
# U-labels (IDN).
use strict;
use warnings;
use lib 't/lib';
use TestLib;
use HostnameTable;    # the table's fields (see t/data/make_hostname_vectors.pl)
use Test::More;
use File::Basename ();
use File::Spec;
use IO::Socket::SSL;
use IO::Socket::SSL::Utils;

watchdog(60);

my $tdir  = File::Spec->catdir(File::Basename::dirname(__FILE__));
my $table = File::Spec->catfile($tdir, 'data', 'hostname_vectors.txt');
my $cdir  = File::Spec->catdir($tdir, 'certs', 'hostname');


open my $fh, '<', $table or die "$table: $!";
binmode $fh;
my @vectors;
while (my $line = <$fh>) {
    chomp $line;
    next if $line =~ m{^#} || $line !~ m{\S};
    my ($file, $scheme, $psl, $name, $exp, $comment) = split m{\t}, $line;
    defined $exp && $exp =~ m{^[01]$} or die "$table line $.: bad vector: $line\n";
    push @vectors, {
        line => $., file => $file, scheme => $scheme, psl => $psl, name => $name,
        exp => $exp, comment => ($comment // "") =~ s{^#\s*}{}r,
    };
}
close $fh;
cmp_ok(scalar @vectors, '>=', 200, 'at least 200 vectors in the table');

my %cert;
sub cert_of {
    my $file = shift;
    return $cert{$file} ||= do {
        my $path = File::Spec->catfile($cdir, $file);
        -f $path or die "no certificate $path\n";
        PEM_file2cert($path);
    };
}

# International names need IDNA conversion (U-label -> A-label). Until the
# implementation does it, vectors with non-ASCII names are TODO.
my $idn_ok = eval {
    IO::Socket::SSL::verify_hostname_of_cert("b\x{fc}cher.example.com",
        cert_of('cn_idn.pem'), 'default')
};
note("IDN conversion " . ($idn_ok ? 'available' : 'not available: U-label vectors are TODO'));

# Vectors that differ only because the public suffix list under test is not
# the reference's, "cert scheme psl name" => reason.
my %todo = (
);

# Deliberate differences (see Changes): a certificate name with an embedded
# or trailing newline is malformed and never matches, where the reference's
# unanchored patterns ignore everything from the newline on.
my %deviate = map { $_ => 'malformed name with a newline never matches' }
    qw(san_nl.pem cn_nl.pem cn_trailnl.pem);

my ($n, $fail) = (0, 0);
for my $v (@vectors) {
    $v->{exp} = 0 if $deviate{$v->{file}} && $v->{name} eq 'www.example.com'
        && $v->{scheme} ne 'none';
    # Deliberate difference (see Changes): no partial wildcard (x*.example.net)
    # matches an IDNA A-label, whatever the case of its "xn--" prefix; the
    # reference only knows the lower-case prefix.
    $v->{exp} = 0 if $v->{name} =~ /^xn--/i && $v->{name} !~ /^xn--/
        && $v->{file} eq 'san_idn.pem' && $v->{name} =~ /\.example\.net$/
        && $v->{scheme} ne 'none';
    my $name = unescape_name($v->{name});
    my @args = ($name, cert_of($v->{file}), parse_scheme($v->{scheme}));
    push @args, parse_psl($v->{psl}) if $v->{psl} ne '-';
    my @warn;
    my $got = do {
        local $SIG{__WARN__} = sub { push @warn, @_ };
        eval { IO::Socket::SSL::verify_hostname_of_cert(@args) };
    };
    my $err = $@;
    my $key = join ' ', @{$v}{qw(file scheme psl name)};
    local $TODO = $todo{$key}
        // (!$idn_ok && $name =~ m{[^\x00-\x7f]} ? 'IDN conversion pending' : undef);
    my $ok = !$err && ($got ? 1 : 0) == $v->{exp};
    ok($ok, "line $v->{line}: $key => $v->{exp}") or do {
        $fail++ if !$TODO;
        diag(join "\n",
            "vector:    $v->{file} scheme=$v->{scheme} psl=$v->{psl} name=$v->{name}",
            "comment:   $v->{comment}",
            "reference: $v->{exp}",
            "got:       " . ($err ? "died: $err" : defined $got ? "'$got'" : 'undef'),
        );
    };
    note("line $v->{line}: warning: $_") for @warn;
    $n++;
}
note("$n vectors checked, $fail failed");

CERT_free($_) for values %cert;
done_testing();
