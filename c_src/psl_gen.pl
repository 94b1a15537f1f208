#!/usr/bin/perl
# psl_gen.pl: turns the Public Suffix List into c_src/psl_data.inc (dev time only).
#
#   perl c_src/psl_gen.pl [public_suffix_list.dat [psl_data.inc]]
#   perl c_src/psl_gen.pl --selftest      # punycode vectors from RFC 3492
#
# Input defaults to Debian's copy (package "publicsuffix"); output to
# psl_data.inc next to this script. The output is deterministic: the same list
# gives the same file, so a diff of psl_data.inc shows exactly what changed.
#
# Each rule becomes one lowercase ASCII string. Unicode labels are converted to
# IDNA A-labels ("xn--" + punycode, RFC 3492) by the encoder below; the "*."
# and "!" prefixes are kept. ICANN and PRIVATE rules go to separate sorted
# arrays (strcmp order, for binary search): the reference IO::Socket::SSL
# ignores the PRIVATE section (PublicSuffix.pm's _default_data cuts the list at
# "===END ICANN DOMAINS==="), so psl.c only compiles the PRIVATE array in when
# ISS_PSL_WITH_PRIVATE is defined.
use strict;
use warnings;
use Digest::SHA ();
use File::Basename ();
use File::Spec;
use Unicode::Normalize ();

# ---- punycode (RFC 3492, section 6.3) ----------------------------------------
use constant {
    BASE => 36, TMIN => 1, TMAX => 26, SKEW => 38, DAMP => 700,
    INITIAL_BIAS => 72, INITIAL_N => 0x80,
};

# RFC 3492 6.1: bias adaptation after each encoded code point.
sub _adapt {
    my ($delta, $numpoints, $firsttime) = @_;
    $delta = $firsttime ? int($delta / DAMP) : $delta >> 1;
    $delta += int($delta / $numpoints);
    my $k = 0;
    while ($delta > ((BASE - TMIN) * TMAX) >> 1) {
        $delta = int($delta / (BASE - TMIN));
        $k += BASE;
    }
    return $k + int(((BASE - TMIN + 1) * $delta) / ($delta + SKEW));
}

# 0..25 -> a..z, 26..35 -> 0..9
sub _digit { my $d = shift; return chr($d < 26 ? 0x61 + $d : 0x30 + $d - 26) }

# Punycode of a string of characters (without the "xn--" prefix).
sub punycode_encode {
    my @cp = map { ord } split //, shift;
    my $out = join '', map { chr } grep { $_ < 0x80 } @cp;
    my $b = length $out;
    my $h = $b;
    $out .= '-' if $b;
    my ($n, $delta, $bias) = (INITIAL_N, 0, INITIAL_BIAS);
    while ($h < @cp) {
        my $m;
        for (@cp) { $m = $_ if $_ >= $n && (!defined $m || $_ < $m) }
        $delta += ($m - $n) * ($h + 1);
        $n = $m;
        for my $c (@cp) {
            $delta++ if $c < $n;
            next if $c != $n;
            my $q = $delta;
            for (my $k = BASE; ; $k += BASE) {
                my $t = $k <= $bias ? TMIN : $k >= $bias + TMAX ? TMAX : $k - $bias;
                last if $q < $t;
                $out .= _digit($t + ($q - $t) % (BASE - $t));
                $q = int(($q - $t) / (BASE - $t));
            }
            $out .= _digit($q);
            $bias = _adapt($delta, $h + 1, $h == $b);
            $delta = 0;
            $h++;
        }
        $delta++;
        $n++;
    }
    return $out;
}

# A rule label to its ASCII form: lower case, NFKC (as IDNA's nameprep), and
# "xn--" + punycode when anything non-ASCII remains.
sub label_to_ascii {
    my $l = Unicode::Normalize::NFKC(lc shift);
    return $l if $l !~ /[^\x00-\x7f]/;
    return 'xn--' . punycode_encode($l);
}

sub selftest {
    # RFC 3492 section 7.1 samples, plus labels from the list itself.
    my @v = (
        ["\x{644}\x{64A}\x{647}\x{645}\x{627}\x{628}\x{62A}\x{643}\x{644}\x{645}"
            . "\x{648}\x{634}\x{639}\x{631}\x{628}\x{64A}\x{61F}", 'egbpdaj6bu4bxfgehfvwxn'],
        ["\x{4ED6}\x{4EEC}\x{4E3A}\x{4EC0}\x{4E48}\x{4E0D}\x{8BF4}\x{4E2D}\x{6587}",
            'ihqwcrb4cv8a8dqg056pqjye'],
        ["\x{3072}\x{3068}\x{3064}\x{5c4b}\x{6839}\x{306e}\x{4e0b}2", '2-u9tlzr9756bt3uc0v'],
        ["Pro\x{10D}prost\x{11B}nemluv\x{ED}\x{10D}esky", 'Proprostnemluvesky-uyb24dma41a'],
        ["3\x{5E74}B\x{7D44}\x{91D1}\x{516B}\x{5148}\x{751F}", '3B-ww4c5e180e575a65lsy2b'],
        ["b\x{fc}cher", 'bcher-kva'],
        ["m\x{fc}nchen", 'mnchen-3ya'],
        ["\x{4e2d}\x{56fd}", 'fiqs8s'],
        ["\x{65b0}\x{52a0}\x{5761}", 'yfro4i67o'],
    );
    my $fail = 0;
    for (@v) {
        my $got = punycode_encode($_->[0]);
        next if $got eq $_->[1];
        $fail++;
        print STDERR "punycode mismatch: got $got, want $_->[1]\n";
    }
    print $fail ? "selftest: $fail failed\n" : "selftest: ok (" . @v . " vectors)\n";
    exit($fail ? 1 : 0);
}

# ---- list parsing --------------------------------------------------------------
selftest() if @ARGV && $ARGV[0] eq '--selftest';

my $in = shift // '/usr/share/publicsuffix/public_suffix_list.dat';
my $out = shift // File::Spec->catfile(File::Basename::dirname(__FILE__), 'psl_data.inc');

open(my $fh, '<:raw', $in) or die "open $in: $!\n";
my $raw = do { local $/; <$fh> };
close $fh;
my $sha256 = Digest::SHA::sha256_hex($raw);
utf8::decode($raw) or die "$in is not valid UTF-8\n";

my (%rules, %meta, $section);
my $lineno = 0;
for my $line (split /\r?\n/, $raw) {
    $lineno++;
    if ($line =~ m{^//\s*===BEGIN (ICANN|PRIVATE) DOMAINS===}) { $section = $1; next }
    if ($line =~ m{^//\s*===END (ICANN|PRIVATE) DOMAINS===}) { $section = undef; next }
    if ($line =~ m{^//\s*(VERSION|COMMIT):\s*(\S+)}) { $meta{lc $1} = $2; next }
    if ($line =~ m{^// List of new gTLDs imported from .* on (\S+)}) { $meta{gtld} = $1; next }
    (my $rule = $line) =~ s{//.*}{};
    $rule =~ s{^\s+|\s+$}{}g;
    next if $rule eq '';
    die "$in:$lineno: rule outside the ICANN/PRIVATE sections: $rule\n" if !$section;
    # The list's format: the rule is the first whitespace-delimited word.
    $rule =~ s{\s.*}{};
    my $prefix = $rule =~ s{^!}{} ? '!' : '';
    my @labels = split /\./, $rule, -1;
    die "$in:$lineno: empty label in $line\n" if grep { $_ eq '' } @labels;
    # psl.c finds wildcards only as the whole first label ("*.X"), which is
    # all the list uses; anything else would need the reference's tree walk.
    die "$in:$lineno: unsupported wildcard in $line\n"
        if grep { /\*/ && $_ ne '*' } @labels
        or grep { $_ eq '*' } @labels[1 .. $#labels]
        or ($prefix && $labels[0] eq '*');
    my $ascii = $prefix . join('.', map { label_to_ascii($_) } @labels);
    die "$in:$lineno: unexpected characters in $ascii\n"
        if $ascii !~ m{\A!?(?:\*\.)?[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\z};
    $rules{$section}{$ascii} = 1;
}
die "$in: no ICANN section found\n" if !$rules{ICANN};
# The reference keeps one flag per tree node, so "X" and "!X" cannot both
# hold; psl.c would count both. Refuse such a list rather than guess.
for my $x (map { keys %$_ } values %rules) {
    next if $x !~ /^!(.*)/;
    die "$in: both $1 and $x are rules\n" if grep { $_->{$1} } values %rules;
}

sub nlabels { my $r = shift; $r =~ s{^!}{}; return scalar(() = $r =~ /\./g) + 1 }

my $deb = '';
if ($in =~ m{^/usr/share/publicsuffix/}) {
    my $v = `dpkg-query -W -f='\${Version}' publicsuffix 2>/dev/null`;
    $deb = " (Debian package publicsuffix $v)" if $? == 0 && $v =~ /^\S+$/;
}
my $version = $meta{version} // $meta{gtld} // 'unknown';

my $o = '';
$o .= "/* psl_data.inc: the Public Suffix List as sorted C arrays. GENERATED by\n";
$o .= " * c_src/psl_gen.pl -- do not edit; regenerate with: perl c_src/psl_gen.pl\n";
$o .= " *\n";
$o .= " * Source: $in$deb\n";
$o .= " * List version: $meta{version}\n" if $meta{version};
$o .= " * List commit: $meta{commit}\n" if $meta{commit};
$o .= " * New gTLDs imported from ICANN on: $meta{gtld}\n" if $meta{gtld};
$o .= " * SHA-256 of the source: $sha256\n";
$o .= " *\n";
$o .= " * The list is published by https://publicsuffix.org/ under the Mozilla Public\n";
$o .= " * License, v. 2.0 (https://mozilla.org/MPL/2.0/). Unicode labels are given\n";
$o .= " * as IDNA A-labels (xn--, RFC 3492); \"*.\" and \"!\" prefixes are kept.\n";
$o .= " */\n\n";
$o .= "#define ISS_PSL_VERSION \"$version\"\n\n";

for my $sec (qw(ICANN PRIVATE)) {
    my @r = sort { $a cmp $b } keys %{ $rules{$sec} || {} };
    my $max = 0;
    for (@r) { my $n = nlabels($_); $max = $n if $n > $max }
    # In strcmp order "!" rules come first, then "*." rules, then the rest
    # ('!' < '*' < '-' < digits < '_' < letters): psl.c searches the first
    # two groups on their own.
    my $nx = grep { /^!/ } @r;
    my $nw = grep { /^\*/ } @r;
    die "rules not grouped as expected\n"
        if grep({ !/^!/ } @r[0 .. $nx - 1]) or grep({ !/^\*/ } @r[$nx .. $nx + $nw - 1]);
    # Nodes: every proper label-suffix of a rule ("kobe.jp" and "jp" for
    # "*.kobe.jp"), the inner nodes of the reference's rule tree. A name whose
    # last k labels are no node can match no rule longer than k labels.
    my %node;
    for (@r) {
        my @l = split /\./, s/^!//r;
        $node{ join '.', @l[$_ .. $#l] } = 1 for 1 .. $#l;
    }
    my @nodes = sort { $a cmp $b } keys %node;
    my $name = lc $sec;
    $o .= "#ifdef ISS_PSL_WITH_PRIVATE\n" if $sec eq 'PRIVATE';
    $o .= "/* $sec section: " . @r . " rules ($nx exceptions, then $nw wildcards, then\n";
    $o .= " * the others), at most $max labels; " . @nodes . " inner nodes. */\n";
    $o .= "#define ISS_PSL_${sec}_COUNT " . @r . "\n";
    $o .= "#define ISS_PSL_${sec}_EXCEPTIONS $nx\n";
    $o .= "#define ISS_PSL_${sec}_WILDCARDS $nw\n";
    $o .= "#define ISS_PSL_${sec}_MAX_LABELS $max\n";
    $o .= "#define ISS_PSL_${sec}_NODE_COUNT " . @nodes . "\n";
    $o .= "static const char *const iss_psl_$name\[] = {\n";
    $o .= "    \"$_\",\n" for @r;
    $o .= "};\n";
    $o .= "static const char *const iss_psl_${name}_nodes\[] = {\n";
    $o .= "    \"$_\",\n" for @nodes;
    $o .= "};\n";
    $o .= "#endif /* ISS_PSL_WITH_PRIVATE */\n" if $sec eq 'PRIVATE';
    $o .= "\n" if $sec eq 'ICANN';
}

open(my $ofh, '>', "$out.tmp") or die "open $out.tmp: $!\n";
print {$ofh} $o or die "write $out.tmp: $!\n";
close $ofh or die "close $out.tmp: $!\n";
rename("$out.tmp", $out) or die "rename to $out: $!\n";
printf "%s: %d ICANN + %d PRIVATE rules, list %s\n", $out,
    scalar(keys %{ $rules{ICANN} }), scalar(keys %{ $rules{PRIVATE} || {} }), $version;
