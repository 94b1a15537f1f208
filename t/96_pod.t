#!perl
# Documentation: every module's POD passes podchecker without errors or
# warnings, and Pod::Coverage finds every public subroutine of every package
# documented. A module added to lib/ without an entry below fails, and so
# does a new public sub without POD. Private here means: a leading
# underscore (Pod::Coverage's rule), tie-class methods, and the few names
# listed below with the reason they are not part of the interface.
use strict;
use warnings;
use lib 't/lib';
use TestLib;
use Test::More;
use File::Find ();

watchdog(60);

my $in_ci = $ENV{CI} && $ENV{CI} ne 'false';
for my $m (qw(Pod::Checker Pod::Coverage)) {
    next if eval "require $m; 1";
    my $why = "$m is not installed (.ci/run installs libpod-coverage-perl)";
    if ($in_ci) { fail($why); done_testing; exit }
    plan skip_all => $why;
}

# The Net::SSLeay stand-in is only loaded where no real Net::SSLeay is
# found: hide Debian's for this check (see t/lib/Consumer.pm).
BEGIN { require Consumer; Consumer::Hide::install() }
use IO::Socket::SSL;

# package => [ file with its POD, names that are not interface (why) ]
my %PKG = (
    'IO::Socket::SSL' => ['lib/IO/Socket/SSL.pod', [
        'croak',    # Carp's croak, loaded on demand for internal use
        'DEBUG',    # internal tracer; documented is $IO::Socket::SSL::DEBUG
        'error',    # internal: records an error in $SSL_ERROR
        'dualvar',  # Scalar::Util's, from the XS (not loaded with the module)
        # constants, documented in the text (subs of their own, not `use constant`)
        qw(SSL_WANT_READ SSL_WANT_WRITE SSL_VERIFY_NONE SSL_VERIFY_PEER
           SSL_VERIFY_FAIL_IF_NO_PEER_CERT SSL_VERIFY_CLIENT_ONCE GEN_DNS GEN_IPADD NID_CommonName),
    ]],
    'IO::Socket::SSL::SSL_Context' => ['lib/IO/Socket/SSL/SSL_Context.pm', [
        'croak', 'DEBUG',    # as above
        # OpenSSL constants the option parser uses internally
        qw(OP_ALL OP_CIPHER_SERVER_PREFERENCE OP_SINGLE_DH_USE SSL_MODE_RELEASE_BUFFERS),
    ]],
    'IO::Socket::SSL::Session_Cache' => ['lib/IO/Socket/SSL/Session_Cache.pm', []],
    'IO::Socket::SSL::Trace'         => ['lib/IO/Socket/SSL/Trace.pm', []],
    'IO::Socket::SSL::OCSP_Cache'    => ['lib/IO/Socket/SSL/OCSP.pm', []],
    'IO::Socket::SSL::OCSP_Resolver' => ['lib/IO/Socket/SSL/OCSP.pm', ['DEBUG']],    # imported tracer
    'IO::Socket::SSL::Utils'         => ['lib/IO/Socket/SSL/Utils.pod', []],
    'IO::Socket::SSL::Intercept'     => ['lib/IO/Socket/SSL/Intercept.pm', []],
    'IO::Socket::SSL::PublicSuffix'  => ['lib/IO/Socket/SSL/PublicSuffix.pm', [
        # the punycode algorithm's parameters (RFC 3492) and the list's URL
        qw(PC_BASE PC_TMIN PC_TMAX PC_SKEW PC_DAMP PC_BIAS PC_N URL),
    ]],
    # the stand-in defines package Net::SSLeay; IO::Socket::SSL::NetSSLeay
    # itself has no subs
    'Net::SSLeay'                    => ['lib/IO/Socket/SSL/NetSSLeay.pm', []],
);
# modules whose POD lives in a .pod beside them
my %POD_BESIDE = ('lib/IO/Socket/SSL.pm' => 'lib/IO/Socket/SSL.pod',
    'lib/IO/Socket/SSL/Impl.pm' => 'lib/IO/Socket/SSL.pod',
    'lib/IO/Socket/SSL/Utils.pm' => 'lib/IO/Socket/SSL/Utils.pod');
# packages inside modules, named with an underscore or a tie class: private
# (IO::Socket::SSL::_Lib, ::_Ctx, ::_Conn, ::_OCSPTrust from the XS; ::SSL_HANDLE is the
# tie class behind every socket, its methods are perl's tie interface)
# IO::Socket::SSL::OCSP holds only a private helper (_post)
my @INTERNAL_PKG = qw(IO::Socket::SSL::OCSP IO::Socket::SSL::_Lib IO::Socket::SSL::_Ctx IO::Socket::SSL::_Conn
    IO::Socket::SSL::_OCSPTrust IO::Socket::SSL::SSL_HANDLE);

my @files;
File::Find::find({ no_chdir => 1, wanted => sub { push @files, $File::Find::name if /\.(pm|pod)$/ } }, 'lib');
@files = sort @files;
ok(scalar(@files) >= 9, scalar(@files) . ' module and POD files in lib/');

# ---- podchecker ----
for my $f (@files) {
    my $errors = '';
    open(my $out, '>', \$errors) or die;
    my $checker = Pod::Checker->new(-warnings => 2);
    $checker->parse_from_file($f, $out);
    close $out;
    my $has_pod = $checker->num_errors >= 0;    # -1: no POD at all
    if (!$has_pod) {
        ok($POD_BESIDE{$f} && -f $POD_BESIDE{$f}, "$f: no POD of its own, documented in $POD_BESIDE{$f}")
            or diag("$f has no POD");
        next;
    }
    is($checker->num_errors + $checker->num_warnings, 0, "podchecker $f: no errors or warnings")
        or diag($errors);
}

# ---- every package of every module is in the table ----
my %seen;
for my $f (grep { /\.pm$/ } @files) {
    open(my $fh, '<', $f) or die "$f: $!";
    while (<$fh>) {
        last if /^__END__/;
        $seen{$1} = $f if /^\s*package\s+([\w:]+)\s*;/;
    }
}
for my $pkg (sort keys %seen) {
    next if $pkg eq 'IO::Socket::SSL::NetSSLeay';
    ok($PKG{$pkg} || grep({ $_ eq $pkg } @INTERNAL_PKG), "package $pkg ($seen{$pkg}) is checked below")
        or diag("add $pkg to \%PKG in t/96_pod.t, with its POD");
}

# ---- Pod::Coverage ----
require IO::Socket::SSL::SSL_Context;
require IO::Socket::SSL::Session_Cache;
require IO::Socket::SSL::OCSP;    # OCSP_Cache and OCSP_Resolver live in it
$INC{"IO/Socket/SSL/$_.pm"} ||= $INC{"IO/Socket/SSL/OCSP.pm"} for qw(OCSP_Cache OCSP_Resolver);
require Net::SSLeay;    # the stand-in (Debian's is hidden above)
like($INC{'Net/SSLeay.pm'}, qr{IO/Socket/SSL/NetSSLeay\.pm$}, 'the stand-in Net::SSLeay is what gets checked');
for my $pkg (sort keys %PKG) {
    my ($pod, $private) = @{ $PKG{$pkg} };
    my $pc = Pod::Coverage->new(
        package      => $pkg,
        pod_from     => $pod,
        also_private => [map { qr/^\Q$_\E$/ } @$private],
    );
    my $cov = $pc->coverage;
    ok(defined $cov && $cov == 1, "$pkg: every public sub documented in $pod")
        or diag(defined $cov ? 'undocumented: ' . join(' ', sort $pc->uncovered) : $pc->why_unrated);
}

# ---- DIFFERENCES FROM THE REFERENCE ----
{
    open(my $fh, '<', 'lib/IO/Socket/SSL.pod') or die $!;
    my $pod = do { local $/; <$fh> };
    my ($diff) = $pod =~ /^=head1 DIFFERENCES FROM THE REFERENCE\n(.*?)^=head1 /ms;
    ok($diff, 'IO::Socket::SSL has a DIFFERENCES FROM THE REFERENCE section');
    $diff //= '';
    for my $h ('Underneath', 'Stricter or fixed', 'Only here', 'Not implemented') {
        like($diff, qr/^=head2 \Q$h\E$/m, "it has the part '$h'");
    }
    # every switch only this implementation has is named there
    my %env;
    for my $f (grep { -f } 'SSL.xs', glob('xs/*.xs'), glob('c_src/*.c'), @files) {
        open(my $s, '<', $f) or next;
        while (<$s>) { $env{$1} //= $f while /\b(IO_SOCKET_SSL_[A-Z0-9_]+)/g }
    }
    note('environment switches found: ' . join(' ', sort keys %env));
    for my $e (sort keys %env) {
        like($diff, qr/\b\Q$e\E\b/, "$e ($env{$e}) is listed among the differences");
    }
    # the features this build lacks are listed as not implemented
    for my $probe (qw(can_ocsp can_pha)) {
        next if IO::Socket::SSL->$probe;
        like($diff, qr/C<\Q$probe\E> is false/, "$probe is false and listed as not implemented");
    }
}

done_testing;
