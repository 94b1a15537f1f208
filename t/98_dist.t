#!perl
# The CPAN distribution: MANIFEST matches the tree (make distcheck), `make
# dist` from the MANIFEST's files gives a tarball whose META names the
# prerequisites, repository and bug tracker, and that tarball installs with
# cpanm offline (a mirror that does not exist, nothing to fetch) into a
# throwaway local::lib. The installed copy then runs the main example and
# takes precedence over Debian's IO::Socket::SSL for consumers (LWP), with
# Debian's Net::SSLeay working on its handles; and the site directory that
# `make install` uses comes before Debian's vendor directories in @INC.
use strict;
use warnings;
use lib 't/lib';
use TestLib;
use Test::More;
use Config;
use Cwd ();
use ExtUtils::Manifest ();
use File::Temp ();

watchdog(600);

my $top = Cwd::getcwd();
plan skip_all => 'run from the top of the distribution (no MANIFEST here)' if !-f 'MANIFEST';
my $in_ci = $ENV{CI} && $ENV{CI} ne 'false';
my $cpanm = (grep { -x } map { "$_/cpanm" } split(/:/, $ENV{PATH} || ''), '/usr/bin')[0];
if (!$cpanm || !eval { require local::lib; 1 }) {
    my $why = 'cpanm and local::lib are needed (.ci/run installs cpanminus and liblocal-lib-perl)';
    if ($in_ci) { fail($why); done_testing; exit }
    plan skip_all => $why;
}

sub run_cmd {
    my ($dir, @cmd) = @_;
    my $pid = open(my $fh, '-|') // die "fork: $!";
    if (!$pid) {
        open(STDERR, '>&', \*STDOUT);
        chdir $dir or die "$dir: $!";
        exec(@cmd) or POSIX::_exit(127);
    }
    local $/;
    my $out = <$fh> // '';
    close $fh;
    return ($? >> 8, $out);
}

# ---- MANIFEST is complete and has nothing extra (make distcheck) ----
{
    local $ExtUtils::Manifest::Quiet = 1;
    my @missing = ExtUtils::Manifest::manicheck();
    my @extra   = ExtUtils::Manifest::filecheck();
    is("@missing", '', 'every file in MANIFEST exists');
    # (files left by a build or by tests running alongside are skipped by
    # MANIFEST.SKIP; whatever else is here must be listed)
    is("@extra", '', 'every distributable file is in MANIFEST');
}

# ---- make dist from a copy of the MANIFEST's files ----
my $tmp = File::Temp::tempdir(CLEANUP => 1);
my $src = "$tmp/src";
{
    my $files = ExtUtils::Manifest::maniread();
    mkdir $src or die $!;
    local $ExtUtils::Manifest::Verbose = 0;
    ExtUtils::Manifest::manicopy($files, $src, 'cp');
}
my ($rc, $out) = run_cmd($src, $^X, 'Makefile.PL');
is($rc, 0, 'perl Makefile.PL in a copy of the MANIFEST') or diag($out);
($rc, $out) = run_cmd($src, $Config{make} || 'make', 'dist');
is($rc, 0, 'make dist') or diag($out);
my ($tarball) = glob("$src/IO-Socket-SSL-*.tar.gz");
ok($tarball && -s $tarball, 'tarball made: ' . ($tarball // 'none'));

# META from the tarball
{
    ($rc, $out) = run_cmd($tmp, 'tar', 'xzf', $tarball);
    my ($dir) = grep { -d } glob("$tmp/IO-Socket-SSL-*");
    require CPAN::Meta;
    my $meta = CPAN::Meta->load_file("$dir/META.json");
    is($meta->name, 'IO-Socket-SSL', 'META name');
    is($meta->version, '2.099', 'META version');
    my $p = $meta->effective_prereqs;
    is($p->requirements_for('runtime', 'requires')->requirements_for_module('IO::Socket::IP'),
        '0.31', 'runtime requires IO::Socket::IP 0.31');
    ok(defined $p->requirements_for('configure', 'requires')->requirements_for_module('ExtUtils::MakeMaker'),
        'configure requires ExtUtils::MakeMaker');
    ok(defined $p->requirements_for('test', 'requires')->requirements_for_module('Test::More'),
        'test requires Test::More');
    my $res = $meta->resources;
    like($res->{repository}{url} // '', qr{^https://.+\.git$}, 'repository url');
    like($res->{repository}{web} // '', qr{^https://}, 'repository web');
    like($res->{bugtracker}{web} // '', qr{^https://.+/issues$}, 'bugtracker');
    ok(-f "$dir/t/certs/test-ca.pem" && -f "$dir/c_src/psl_data.inc" && -f "$dir/SSL.xs",
        'the tarball holds the sources, the generated data and the test PKI');
}

# ---- cpanm, offline, into a throwaway local::lib ----
my $ll = "$tmp/ll";
{
    local $ENV{PERL_CPANM_HOME} = "$tmp/cpanm-home";
    local $ENV{PERL_CPANM_OPT};
    local $ENV{PERL5LIB};
    local $ENV{PERL_MM_OPT};
    local $ENV{PERL_MB_OPT};
    # offline: the only mirror is an empty directory, and no proxy works
    mkdir "$tmp/no-mirror";
    local $ENV{http_proxy} = 'http://127.0.0.1:9';
    local $ENV{https_proxy} = 'http://127.0.0.1:9';
    ($rc, $out) = run_cmd($tmp, $cpanm, '--notest', '--mirror', "file://$tmp/no-mirror",
        '--mirror-only', '-L', $ll, $tarball);
    is($rc, 0, 'cpanm installs the tarball offline into a local::lib') or diag($out);
}
my $arch = "$ll/lib/perl5/$Config{archname}";
ok(-f "$arch/IO/Socket/SSL.pm", 'IO/Socket/SSL.pm installed next to the shared object');
ok(-f "$arch/auto/IO/Socket/SSL/SSL.so", 'SSL.so installed');

{
    local $ENV{PERL5LIB} = "$ll/lib/perl5";
    # the main example, with the installed copy, from outside the source tree
    ($rc, $out) = run_cmd($tmp, $^X, "$top/examples/tls_roundtrip.pl");
    is($rc, 0, 'examples/tls_roundtrip.pl runs on the installed copy') or diag($out);
    like($out, qr/verified TLS round trip: OK/, 'verified TLS round trip');

    # precedence: a consumer loads the installed copy, although Debian's
    # IO::Socket::SSL (and Net::SSLeay) are installed too
    my $code = <<'CODE';
use strict; use warnings;
my $lwp = eval { require LWP::Protocol::https; 1 };
require IO::Socket::SSL;
my ($deb) = grep { !ref && -f "$_/IO/Socket/SSL.pm" && $_ ne $ARGV[0] } @INC;
print "loaded=$INC{'IO/Socket/SSL.pm'}\n";
print "native=", (eval { IO::Socket::SSL::_Lib::openssl_version_number() } ? 1 : 0), "\n";
print "other=", ($deb // ''), "\n";
print "lwp=", ($lwp ? 1 : 0), "\n";
if (eval { require Net::SSLeay; 1 }) {
    my $c = IO::Socket::SSL::SSL_Context->new(SSL_verify_mode => 0);
    print "net_ssleay=$INC{'Net/SSLeay.pm'}\n";
    print "ctx_mode=", Net::SSLeay::CTX_get_mode($c->{context}), "\n";
}
CODE
    ($rc, $out) = run_cmd($tmp, $^X, '-e', $code, $arch);
    is($rc, 0, 'a program loading IO::Socket::SSL with the local::lib first') or diag($out);
    like($out, qr{^loaded=\Q$arch\E/IO/Socket/SSL\.pm$}m, 'it gets the installed copy');
    like($out, qr/^native=1$/m, 'which is this build');
    if ($out =~ /^other=(.+)$/m) {
        pass("another IO::Socket::SSL is installed ($1) and was not loaded");
    } elsif ($in_ci) {
        fail("Debian's IO::Socket::SSL is installed in CI (.ci/run)");
    }
    if ($out =~ /^net_ssleay=(.+)$/m && $1 !~ /NetSSLeay/) {
        like($out, qr/^ctx_mode=\d+$/m, "Debian's Net::SSLeay ($1) works on our SSL_CTX*");
    }
}

# ---- make install's site directory comes before the vendor directories ----
{
    open(my $mf, '<', "$src/Makefile") or die "$src/Makefile: $!";
    my %mk = map { /^(INSTALLSITEARCH|INSTALLVENDORLIB|INSTALLVENDORARCH|INSTALLDIRS) = (.*)$/ ? ($1 => $2) : () } <$mf>;
    is($mk{INSTALLDIRS}, 'site', 'make install installs into the site directories');
    local $ENV{PERL5LIB};
    ($rc, $out) = run_cmd($tmp, $^X, '-e', 'print "$_\n" for grep { !ref } @INC');
    my @inc = split /\n/, $out;
    my %pos; @pos{reverse @inc} = reverse 0 .. $#inc;
    my $site = $pos{ $mk{INSTALLSITEARCH} };
    ok(defined $site, "the site arch directory $mk{INSTALLSITEARCH} is in perl's default \@INC");
    for my $v (grep { defined && length } @mk{qw(INSTALLVENDORARCH INSTALLVENDORLIB)}) {
        next if !defined $pos{$v};
        ok(defined $site && $site < $pos{$v}, "it comes before $v, where Debian's packages are");
    }
}

done_testing;
