#!perl
# Differential test: our public suffix lengths (c_src/psl.c) against the
# reference's IO::Socket::SSL::PublicSuffix->default->public_suffix, for the
# same ~200 host names, without and with $add = 1 (the form hostname
# verification uses). Each side runs in its own perl: the reference with the
# PERL5LIB from ../shared/tools/reference.sh, ours with -Mblib.
#
#   perl Makefile.PL && make && prove -b xt/psl_diff.t
#
# The two sides compile in different versions of the list (the reference has
# its own copy inside PublicSuffix.pm; ours is generated from Debian's
# publicsuffix package, see the header of c_src/psl_data.inc). Names whose
# answer changed between those versions are listed in %list_changes below.
use strict;
use warnings;
use Test::More;
use File::Temp ();

my $refsh = $ENV{ISS_REFERENCE_SH} || '/work/shared/tools/reference.sh';
plan skip_all => "reference not available ($refsh)" if !-x $refsh;
my $export = `$refsh 2>/dev/null`;
my ($reflib) = $? == 0 ? $export =~ /PERL5LIB=(\S+?)(?:\$\{PERL5LIB|\s|$)/ : ();
plan skip_all => "reference not available: $refsh failed" if !$reflib;
plan skip_all => 'no blib: run "make" first' if !-d 'blib';

# ---- the names ---------------------------------------------------------------
my @suffixes = qw(
    com net org de io uk co.uk ac.uk gov.uk sch.uk
    jp co.jp tokyo.jp shibuya.tokyo.jp kobe.jp city.kobe.jp kawasaki.jp city.kawasaki.jp
    ck www.ck bd au com.au edu.au act.edu.au us ma.us k12.ma.us pvt.k12.ma.us
    xn--fiqs8s xn--55qx5d.cn xn--p1ai xn--o1ac.xn--90a3ac xn--55qx5d.hk
    github.io blogspot.com herokuapp.com compute.amazonaws.com
    localhost invalid zz bj com.bj gouv.bj
);
my @hosts;
for my $s (@suffixes) {
    push @hosts, $s, "foo.$s", "www.foo.$s";
}
for my $s (@suffixes[0 .. 19]) {
    push @hosts, uc("www.foo.$s"), "foo.$s.";
}
push @hosts, qw(
    a.b.c.d.e.f.example.co.uk ..example..co..uk.. .co.uk co.uk.. x.y.z
    *.co.uk *.kobe.jp !city.kobe.jp !www.ck a.*.ck foo_bar.example.com
    -foo.co.uk foo-.kobe.jp 1.2.3.4 123.com xn--bcher-kva.de xn--bcher-kva.xn--p1ai
    CITY.KOBE.JP Www.Ck
);

# Names whose public suffix changed between the two list versions, as
# name => [reference, ours] suffix lengths (without $add). Reference list:
# gTLDs imported 2022-11-02; ours: 2023-01-30 (Debian publicsuffix
# 20230209.2326). .bj was restructured in between: asso.bj, barreau.bj and
# gouv.bj were removed, com.bj and others added.
my %list_changes = (
    'com.bj'         => [1, 2],
    'foo.com.bj'     => [1, 2],
    'www.foo.com.bj' => [1, 2],
    'gouv.bj'        => [2, 1],
    'foo.gouv.bj'    => [2, 1],
    'www.foo.gouv.bj'=> [2, 1],
);

# ---- run both sides --------------------------------------------------------
my $tmp = File::Temp->new;
print {$tmp} map { "$_\n" } @hosts;
close $tmp;

# Each side prints "len len_add1" per name: the number of labels of the
# public suffix, and of the suffix plus one label ($add = 1), both at most the
# number of labels of the name, as the reference returns them.
my $count = 'my $n = () = $_[0] =~ m{[^.]+}g; $n';
my $ref_code = <<"EOF";
use IO::Socket::SSL::PublicSuffix;
my \$ps = IO::Socket::SSL::PublicSuffix->default;
sub cnt { $count }
open my \$fh, '<', \$ARGV[0] or die;
while (my \$h = <\$fh>) {
    chomp \$h;
    my \$s = \$ps->public_suffix(\$h);
    my \$s1 = \$ps->public_suffix(\$h, 1);
    print cnt(\$s), ' ', cnt(\$s1), "\\n";
}
EOF
my $our_code = <<"EOF";
use IO::Socket::SSL;
eval { IO::Socket::SSL::_Lib::psl_suffix_labels('example.com', -1); 1 } or do { print "NOFUNC\\n"; exit 0 };
sub cnt { $count }
open my \$fh, '<', \$ARGV[0] or die;
while (my \$h = <\$fh>) {
    chomp \$h;
    my \$n = cnt(\$h);
    my \$l = IO::Socket::SSL::_Lib::psl_suffix_labels(\$h, 1);
    my \$l1 = \$l + 1;
    \$l = \$n if \$l > \$n;
    \$l1 = \$n if \$l1 > \$n;
    print "\$l \$l1\\n";
}
EOF

sub run_perl {
    my ($lib, @args) = @_;
    local $ENV{PERL5LIB} = $lib;
    delete $ENV{PERL5LIB} if !defined $lib;
    open(my $p, '-|', $^X, @args) or die "run $^X: $!";
    my @out = <$p>;
    close $p;
    die "$^X @args[0..1]: exit status $?\n" if $?;
    chomp @out;
    return @out;
}

my @ref = run_perl($reflib, '-e', $ref_code, $tmp->filename);
my @our = run_perl(undef, '-Mblib', '-e', $our_code, $tmp->filename);
plan skip_all => 'IO::Socket::SSL::_Lib::psl_suffix_labels not defined yet'
    if @our && $our[0] eq 'NOFUNC';
is(scalar @ref, scalar @hosts, 'reference answered for every name');
is(scalar @our, scalar @hosts, 'we answered for every name');

my $diffs = 0;
for my $i (0 .. $#hosts) {
    my $h = $hosts[$i];
    my ($r, $r1) = split ' ', $ref[$i] // '';
    my ($o, $o1) = split ' ', $our[$i] // '';
    if (my $k = $list_changes{lc $h}) {
        my $same = $r == $o;
        ok($same || ($r == $k->[0] && $o == $k->[1]),
            "$h: reference $r, ours $o (the lists differ here: expected $k->[0] vs $k->[1])");
        next;
    }
    my $ok = is("$o $o1", "$r $r1", "$h: suffix labels, and with \$add = 1");
    $diffs++ if !$ok;
}
is($diffs, 0, 'no differences outside the documented list changes');
done_testing;
