#!perl
# IO::Socket::SSL::PublicSuffix: default (the list compiled in C), from_string,
# from_file, string/array/unicode input, $add, min_suffix, IDN conversion.
#
# Expected values were taken from the reference IO::Socket::SSL 2.085
# PublicSuffix.pm (with URI::_idna for IDN) by running the same calls; the
# reference is not needed to run this test.
use strict;
use warnings;
use utf8;
use lib 't/lib';
use TestLib;
use Test::More;
use File::Temp ();
use IO::Socket::SSL;
use IO::Socket::SSL::Utils;
use IO::Socket::SSL::PublicSuffix;

watchdog(60);
binmode($_, ':utf8') for Test::More->builder->output,
    Test::More->builder->failure_output, Test::More->builder->todo_output;

my $PS = 'IO::Socket::SSL::PublicSuffix';

# output of a child perl with our @INC running $code
sub run_perl {
    my $code = shift;
    open(my $p, '-|', $^X, perl_inc_args(), '-e', $code) or die "cannot run perl: $!";
    local $/;
    my $got = <$p>;
    close $p;
    return defined $got ? $got : '';
}

# ---- default: strings, $add, min_suffix ------------------------------------
# [ min_suffix, host, add, expected (rest, suffix) ]
my @default = (
    [1, 'www.example.co.uk',        0, 'www.example', 'co.uk'],
    [1, 'www.example.co.uk',        1, 'www', 'example.co.uk'],
    [1, 'www.example.co.uk',        2, '', 'www.example.co.uk'],
    [1, 'WWW.Example.COM.',         0, 'www.example', 'com.'],
    [1, 'WWW.Example.COM.',         1, 'www', 'example.com.'],
    [1, 'co.uk',                    0, '', 'co.uk'],
    [1, 'co.uk',                    1, '', 'co.uk'],
    [1, 'uk',                       0, '', 'uk'],
    [1, 'localhost',                0, '', 'localhost'],
    [1, 'localhost',                1, '', 'localhost'],
    [1, 'www.example.zz',           0, 'www.example', 'zz'],
    [1, 'www.example.zz',           1, 'www', 'example.zz'],
    # "*.kawasaki.jp" with the exception "!city.kawasaki.jp"
    [1, 'www.city.kawasaki.jp',     0, 'www.city', 'kawasaki.jp'],
    [1, 'www.city.kawasaki.jp',     1, 'www', 'city.kawasaki.jp'],
    [1, 'a.b.foo.kawasaki.jp',      0, 'a.b', 'foo.kawasaki.jp'],
    [1, 'a.b.foo.kawasaki.jp',      1, 'a', 'b.foo.kawasaki.jp'],
    [1, 'a.b.foo.kawasaki.jp',      2, '', 'a.b.foo.kawasaki.jp'],
    [1, 'a.b.k12.ma.us',            0, 'a.b', 'k12.ma.us'],
    [1, 'www.xn--bcher-kva.example.de', 0, 'www.xn--bcher-kva.example', 'de'],
    [1, 'www.xn--bcher-kva.example.de', 2, 'www', 'xn--bcher-kva.example.de'],
    # no rule matches: min_suffix labels
    [0, 'localhost',                0, 'localhost', ''],
    [0, 'localhost',                1, '', 'localhost'],
    [0, 'www.example.zz',           0, 'www.example.zz', ''],
    [0, 'www.example.zz',           1, 'www.example', 'zz'],
    [2, 'localhost',                0, '', 'localhost'],
    [2, 'www.example.zz',           0, 'www', 'example.zz'],
    [2, 'www.example.zz',           1, '', 'www.example.zz'],
    # a rule matches: min_suffix does not matter
    [0, 'www.example.co.uk',        0, 'www.example', 'co.uk'],
    [2, 'www.example.co.uk',        0, 'www.example', 'co.uk'],
    [0, 'foo.bar',                  0, 'foo', 'bar'],
    [2, 'foo.bar',                  0, 'foo', 'bar'],
    [0, 'www.city.kawasaki.jp',     0, 'www.city', 'kawasaki.jp'],
    # unicode in, unicode out
    [1, 'www.bücher.example.de',    0, 'www.bücher.example', 'de'],
    [1, 'www.bücher.example.de',    1, 'www.bücher', 'example.de'],
    [1, 'www.bücher.example.de',    2, 'www', 'bücher.example.de'],
    [1, 'www.example.みんな',       0, 'www.example', 'みんな'],
    [1, 'www.example.みんな',       1, 'www', 'example.みんな'],
    [1, '例え.テスト',              0, '例え', 'テスト'],
    [1, '例え.テスト',              1, '', '例え.テスト'],
    [1, 'www.食狮.公司.cn',         0, 'www.食狮', '公司.cn'],
    [1, 'www.食狮.公司.cn',         1, 'www', '食狮.公司.cn'],
    [0, 'www.bücher.example.de',    0, 'www.bücher.example', 'de'],
    [2, 'www.example.みんな',       0, 'www.example', 'みんな'],
);
for (@default) {
    my ($min, $host, $add, @want) = @$_;
    my $ps = $PS->default(min_suffix => $min);
    is_deeply([ $ps->public_suffix($host, $add) ], \@want,
        "default(min_suffix=$min) $host +$add: (@want)");
    is(scalar $ps->public_suffix($host, $add), $want[1],
        "  scalar context: $want[1]");
}

my $ps = $PS->default;
is_deeply([ $ps->public_suffix('www.example.co.uk') ], [ 'www.example', 'co.uk' ],
    'default without args: min_suffix 1, no $add');
is(ref($ps), $PS, 'default gives an object of the class');
ok($ps == $PS->default && $ps == $PS->default(min_suffix => 1),
    'default object is kept per min_suffix');
ok($ps != $PS->default(min_suffix => 2), '... another one for another min_suffix');
ok(!eval { $PS->default(foo => 1); 1 } && $@ =~ /unknown args: foo/,
    'default dies on unknown args');
is_deeply([ $ps->public_suffix('') ], [], 'empty name: empty list');
is(scalar $ps->public_suffix('.'), undef, 'name "." : undef');
is(scalar $ps->public_suffix(undef), undef, 'undef name: undef');

# ---- default: array in, array out ------------------------------------------
my @arrays = (
    [1, [qw(www example co uk)], 0, [qw(www example)], [qw(co uk)]],
    [1, [qw(www example co uk)], 1, [qw(www)], [qw(example co uk)]],
    [1, [qw(WWW Example COM)],   0, [qw(www example)], [qw(com)]],
    [1, [qw(WWW Example COM)],   1, [qw(www)], [qw(example com)]],
    [1, [qw(a b foo kawasaki jp)], 0, [qw(a b)], [qw(foo kawasaki jp)]],
    [1, [qw(city kawasaki jp)],  0, [qw(city)], [qw(kawasaki jp)]],
    [1, [qw(city kawasaki jp)],  1, [], [qw(city kawasaki jp)]],
    [0, [qw(www example zz)],    0, [qw(www example zz)], []],
    [2, [qw(www example zz)],    0, [qw(www)], [qw(example zz)]],
);
for (@arrays) {
    my ($min, $in, $add, @want) = @$_;
    my @in = @$in;
    is_deeply([ $PS->default(min_suffix => $min)->public_suffix($in, $add) ], \@want,
        "default(min_suffix=$min) [@$in] +$add: [@{$want[0]}] [@{$want[1]}]");
    is_deeply($in, \@in, '  input array unchanged');
}

# ---- from_string --------------------------------------------------------------
my $list = <<'LIST';
// a small list
com
co.uk
*.kobe.jp
!city.kobe.jp
jp

*.ck
!www.ck
bücher.de   // unicode rule, stored in its ASCII form
LIST
my $s = $PS->from_string($list);
my @str = (
    ['www.example.com',  0, 'www.example', 'com'],
    ['www.example.com',  1, 'www', 'example.com'],
    ['foo.co.uk',        0, 'foo', 'co.uk'],
    ['foo.co.uk',        1, '', 'foo.co.uk'],
    ['uk',               0, '', 'uk'],          # not listed: min_suffix 1
    ['foo.de',           0, 'foo', 'de'],
    ['www.foo.kobe.jp',  0, 'www', 'foo.kobe.jp'],   # wildcard
    ['www.city.kobe.jp', 0, 'www.city', 'kobe.jp'],  # exception
    ['www.city.kobe.jp', 1, 'www', 'city.kobe.jp'],
    ['city.kobe.jp',     0, 'city', 'kobe.jp'],
    ['kobe.jp',          0, 'kobe', 'jp'],
    ['x.jp',             0, 'x', 'jp'],
    ['www.ck',           0, 'www', 'ck'],            # exception to "*.ck"
    ['x.y.ck',           0, 'x', 'y.ck'],
    ['ck',               0, '', 'ck'],
    ['www.xn--bcher-kva.de', 0, 'www', 'xn--bcher-kva.de'],
    ['a.bücher.de',      0, 'a', 'bücher.de'],
    ['a.bücher.de',      1, '', 'a.bücher.de'],
);
for (@str) {
    my ($host, $add, @want) = @$_;
    is_deeply([ $s->public_suffix($host, $add) ], \@want,
        "from_string: $host +$add: (@want)");
}
is_deeply([ $s->public_suffix([qw(a b city kobe jp)]) ], [ [qw(a b city)], [qw(kobe jp)] ],
    'from_string: array in, array out');

my $s0 = $PS->from_string("*.kobe.jp\n!city.kobe.jp\n", min_suffix => 0);
is_deeply([ $s0->public_suffix('www.city.kobe.jp') ], [ 'www.city', 'kobe.jp' ],
    'from_string min_suffix 0: exception');
is_deeply([ $s0->public_suffix('a.b.kobe.jp') ], [ 'a', 'b.kobe.jp' ],
    'from_string min_suffix 0: wildcard');
is_deeply([ $s0->public_suffix('foo.bar') ], [ 'foo.bar', '' ],
    'from_string min_suffix 0: no match, empty suffix');
my $s2 = $PS->from_string("com\n", min_suffix => 2);
is_deeply([ $s2->public_suffix('a.b.c.org') ], [ 'a.b', 'c.org' ],
    'from_string min_suffix 2: no match, two labels');
is_deeply([ $s2->public_suffix('a.b.com') ], [ 'a.b', 'com' ],
    'from_string min_suffix 2: a match wins');
ok(!eval { $PS->from_string("com\n", bar => 1); 1 } && $@ =~ /unknown args: bar/,
    'from_string dies on unknown args');

# a later line for the same name wins; "*" alone matches any last label
my $w = $PS->from_string("foo.com\n!foo.com\n*\n");
is_deeply([ $w->public_suffix('a.foo.com') ], [ 'a.foo', 'com' ], 'later rule wins');
is_deeply([ $w->public_suffix('a.b.zz') ], [ 'a.b', 'zz' ], 'rule "*"');

# ---- from_file ------------------------------------------------------------
my $dir = File::Temp::tempdir(CLEANUP => 1);
my $file = "$dir/list.dat";
# as the reference, from_file reads octets: the unicode rule is given in its
# ASCII form
(my $ascii_list = $list) =~ s/bücher/xn--bcher-kva/;
open(my $out, '>', $file) or die "$file: $!";
print $out $ascii_list;
close $out;
for my $how ('name', 'handle') {
    my $fh;
    if ($how eq 'handle') {
        open($fh, '<', $file) or die "$file: $!";
    }
    my $f = $PS->from_file($how eq 'name' ? $file : $fh);
    ok($f, "from_file by $how");
    my $n = 0;
    for (@str) {
        my ($host, $add, @want) = @$_;
        $n++ if join("|", $f->public_suffix($host, $add)) eq join("|", @want);
    }
    is($n, scalar(@str), "from_file by $how: same results as from_string");
}
{
    open(my $fh, '<', \"co.uk\n") or die;
    my $f = $PS->from_file($fh, min_suffix => 0);
    is_deeply([ $f->public_suffix('www.co.uk') ], [ 'www', 'co.uk' ],
        'from_file with an in-memory handle');
    is_deeply([ $f->public_suffix('www.co.zz') ], [ 'www.co.zz', '' ],
        '... and its min_suffix');
}
ok(!eval { $PS->from_file("$dir/missing.dat"); 1 } && $@ =~ /failed to open/,
    'from_file dies for a missing file');

# ---- IDN ----------------------------------------------------------------------
ok($PS->can_idn, 'can_idn as class method');
ok($ps->can_idn, 'can_idn as object method');
is(IO::Socket::SSL::PublicSuffix::idn_to_ascii('bücher.de'), 'xn--bcher-kva.de',
    'idn_to_ascii');
is(IO::Socket::SSL::PublicSuffix::idn_to_unicode('xn--bcher-kva.de'), 'bücher.de',
    'idn_to_unicode');
is(IO::Socket::SSL::PublicSuffix::idn_to_ascii('みんな'), 'xn--q9jyb4c',
    'idn_to_ascii, Japanese');
is(IO::Socket::SSL::PublicSuffix::idn_to_unicode('www.xn--zckzah'), 'www.テスト',
    'idn_to_unicode, Japanese');
is(IO::Socket::SSL::idn_to_ascii('bücher.de'), 'xn--bcher-kva.de',
    'IO::Socket::SSL::idn_to_ascii');

# the built-in converter (used when no IDN module is installed)
my %pc = (    # RFC 3492 section 7.1 samples, and some names
    "\x{4ED6}\x{4EEC}\x{4E3A}\x{4EC0}\x{4E48}\x{4E0D}\x{8BF4}\x{4E2D}\x{6587}"
        => 'ihqwcrb4cv8a8dqg056pqjye',
    "3\x{5E74}B\x{7D44}\x{91D1}\x{516B}\x{5148}\x{751F}" => '3B-ww4c5e180e575a65lsy2b',
    "\x{0644}\x{064A}\x{0647}\x{0645}\x{0627}\x{0628}\x{062A}\x{0643}\x{0644}"
        . "\x{0645}\x{0648}\x{0634}\x{0639}\x{0631}\x{0628}\x{064A}\x{061F}"
        => 'egbpdaj6bu4bxfgehfvwxn',
    '-> $1.00 <-' => '-> $1.00 <--',
    'bücher' => 'bcher-kva',
);
for (sort keys %pc) {
    is(IO::Socket::SSL::PublicSuffix::_punycode_encode($_), $pc{$_}, "punycode encode $pc{$_}");
    is(IO::Socket::SSL::PublicSuffix::_punycode_decode($pc{$_}), $_, "punycode decode $pc{$_}");
}
my %builtin = (
    'bücher.de' => 'xn--bcher-kva.de',
    'www.BÜCHER.de' => 'www.xn--bcher-kva.de',     # lower case
    'ｂüｃｈｅｒ.de' => 'xn--bcher-kva.de',          # NFKC: full width letters
    'www.example.みんな' => 'www.example.xn--q9jyb4c',
    '例え.テスト' => 'xn--r8jz45g.xn--zckzah',
    'plain.example.com' => 'plain.example.com',
);
for (sort keys %builtin) {
    is(IO::Socket::SSL::PublicSuffix::_builtin_idn_to_ascii($_), $builtin{$_},
        "built-in idn_to_ascii: $builtin{$_}");
}
is(IO::Socket::SSL::PublicSuffix::_builtin_idn_to_unicode('www.xn--bcher-kva.de'),
    'www.bücher.de', 'built-in idn_to_unicode');
is(IO::Socket::SSL::PublicSuffix::_builtin_idn_to_unicode('xn--r8jz45g.XN--ZCKZAH'),
    '例え.テスト', 'built-in idn_to_unicode, upper case ACE');
ok(!eval { IO::Socket::SSL::PublicSuffix::_builtin_idn_to_unicode('xn--a!b.de'); 1 },
    'built-in idn_to_unicode croaks on bad punycode');

# the whole module without any IDN module installed: a child perl in which
# requiring URI::_idna, Net::IDN::Encode and Net::LibIDN fails
{
    my $code = <<'CODE';
unshift @INC, sub {
    die "hidden\n" if $_[1] =~ m{^(?:URI/_idna|Net/IDN/Encode|Net/LibIDN)\.pm$};
    return;
};
require IO::Socket::SSL::PublicSuffix;
my $c = 'IO::Socket::SSL::PublicSuffix';
binmode(STDOUT, ':utf8');
print join('|', $c->can_idn ? 1 : 0,
    IO::Socket::SSL::PublicSuffix::idn_to_ascii("b\x{fc}cher.de"),
    IO::Socket::SSL::PublicSuffix::idn_to_unicode('xn--bcher-kva.de'),
    $c->default->public_suffix("www.b\x{fc}cher.example.de", 1),
    $INC{'URI/_idna.pm'} ? 'uri' : 'no-uri'), "\n";
CODE
    my $got = run_perl($code);
    utf8::decode($got);
    chomp $got;
    is($got, '1|xn--bcher-kva.de|bücher.de|www.bücher|example.de|no-uri',
        'without IDN modules: built-in converter');
}

# loading the module loads nothing else
{
    my $got = run_perl('require IO::Socket::SSL::PublicSuffix; print join(",", sort grep '
        . '{ !m{^(?:strict|warnings|IO/Socket/SSL/PublicSuffix)\.pm$} } keys %INC)');
    is($got, '', 'loading the module requires nothing else');
}

ok(!eval { IO::Socket::SSL::PublicSuffix::update_self_from_url(); 1 }
    && $@ =~ /not supported/, 'update_self_from_url croaks');

# ---- end to end: a unicode name against an ASCII (punycode) certificate -----
SKIP: {
    my $openssl = openssl_bin() or skip('no openssl command line tool', 3);
    my $tmp = File::Temp::tempdir(CLEANUP => 1);
    my $out = `"$openssl" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=idn-test -addext subjectAltName=DNS:xn--bcher-kva.example.com -keyout $tmp/key.pem -out $tmp/cert.pem 2>&1`;
    skip("openssl could not create the certificate: $out", 3) if $? || !-s "$tmp/cert.pem";
    my $cert = PEM_file2cert("$tmp/cert.pem");
    is(IO::Socket::SSL::verify_hostname_of_cert('bücher.example.com', $cert, 'default'), 1,
        'unicode name matches the punycode SAN');
    is(IO::Socket::SSL::verify_hostname_of_cert('xn--bcher-kva.example.com', $cert, 'default'), 1,
        'ASCII form matches too');
    is(IO::Socket::SSL::verify_hostname_of_cert('bücher.example.org', $cert, 'default'), 0,
        'another unicode name does not');
    CERT_free($cert);
}

done_testing;
