#!/usr/bin/perl
# make_hostname_vectors.pl: writes t/data/hostname_vectors.txt, the table of
# host-name verification vectors checked by t/30_hostname.t (dev time only).
#
#   perl t/data/make_hostname_vectors.pl            # from the distribution root
#   perl t/data/make_hostname_vectors.pl --print    # show the table, write nothing
#
# The vectors (certificate, scheme, public suffix argument, name) are listed
# below; the expected column is NOT written by hand: it is what the REFERENCE
# implementation (IO::Socket::SSL on Net::SSLeay, selected by the PERL5LIB that
# /work/shared/tools/reference.sh prints, or by $REF_PERL5LIB) answers. The
# reference runs in a perl process of its own; this script never loads any
# IO::Socket::SSL itself, so the two implementations are never mixed.
#
# The certificates are t/certs/hostname/*.pem, made by t/certs/hostname/make.sh.
#
# Table format (one vector a line, fields separated by one TAB; '#' lines are
# comments):
#   cert      file name in t/certs/hostname/
#   scheme    a scheme name (default, http, ldap, ...) or a hash scheme written
#             as {key=value,...} ({} is the empty hash: no check at all)
#   psl       '-' for the default public suffix list (argument not given), ''
#             for the empty string (public suffix check off)
#   name      the name to verify: bytes 0x00-0x20, 0x27 ('), 0x5c (\) and 0x7f
#             are written \xNN; '' is the empty name. After unescaping, the
#             name is decoded from UTF-8 when it is valid UTF-8 (so 'bücher'
#             is a character string), otherwise kept as is (\xfc alone is the
#             Latin-1 character U+00FC).
#   expected  1 (verifies) or 0, as answered by the reference
#   comment   optional, what the vector shows
use strict;
use warnings;
use utf8;
use File::Basename ();
use File::Spec;
use File::Temp ();
use Cwd ();

my $print_only = grep { $_ eq '--print' } @ARGV;

my $root  = Cwd::abs_path(File::Spec->catdir(File::Basename::dirname(__FILE__), '..', '..'));
my $table = "$root/t/data/hostname_vectors.txt";
my $certs = "$root/t/certs/hostname";

# ---- the table's fields: t/lib/HostnameTable.pm, here and in the reference child
require lib;
lib->import("$root/t/lib");
require HostnameTable;
HostnameTable->import;

sub escape_name {
    my $s = shift;
    return "''" if $s eq '';
    my $chars = utf8::is_utf8($s) || $s =~ m{[^\x00-\xff]};
    my $out = '';
    for my $c (split //, $s) {
        my $o = ord $c;
        if ($o <= 0x20 || $o == 0x7f || $c eq '\\' || $c eq "'" || ($o >= 0x80 && $o <= 0xff && !$chars)) {
            $out .= sprintf '\\x%02x', $o;
        } else {
            $out .= $c;
        }
    }
    utf8::encode($out);
    return $out;
}

# ---- the vectors -----------------------------------------------------------------
my (@vectors, %seen);

# v(CERT, SCHEMES, PSL, NAMES, COMMENT): one vector per scheme x name.
# SCHEMES/NAMES: a scalar or an array ref; PSL: '-' or "''".
sub v {
    my ($cert, $schemes, $psl, $names, $comment) = @_;
    -f "$certs/$cert.pem" or die "no certificate $cert.pem\n";
    for my $scheme (ref $schemes ? @$schemes : $schemes) {
        for my $name (ref $names ? @$names : $names) {
            my @f = ("$cert.pem", $scheme, $psl, escape_name($name));
            next if $seen{"@f"}++;
            # the written form must read back as the intended name
            unescape_name($f[3]) eq $name or die "escaping round trip failed for $f[3]\n";
            push @vectors, [@f, $comment];
        }
    }
}

my @NAMED = qw(default http www rfc2818 rfc3920 xmpp rfc4217 ftp
    rfc2595 smtp rfc4642 imap pop3 acap rfc5539 nntp rfc5538 netconf
    rfc5425 syslog rfc5953 snmp rfc4513 ldap rfc5922 sip rfc5971 gist none);
my @HASH = (
    '{check_cn=always,wildcards_in_alt=full_label}',
    '{check_cn=always,wildcards_in_alt=leftmost}',
    '{check_cn=when_only,wildcards_in_cn=anywhere,wildcards_in_alt=anywhere}',
    '{check_cn=always,wildcards_in_cn=full_label,wildcards_in_alt=0}',
    '{check_cn=always,wildcards_in_cn=leftmost,wildcards_in_alt=leftmost}',
    '{check_cn=always,ip_in_cn=6}',
    '{check_cn=when_only,ip_in_cn=4}',
    '{check_cn=always,ip_in_cn=1}',
    '{check_cn=0,wildcards_in_alt=anywhere}',
    '{wildcards_in_alt=anywhere}',
    '{}',
);
my @ALL  = (@NAMED, @HASH);
# one of each behaviour: anywhere+always, anywhere+when_only+ip4, full_label,
# alt only full_label, no wildcards, full_label+when_only, leftmost, nothing
my @REP  = ('default', 'http', 'rfc2818', 'smtp', 'ldap', 'sip', 'gist',
    '{check_cn=always,wildcards_in_cn=leftmost,wildcards_in_alt=leftmost}', 'none');
my @WILD = ('default', 'http', 'smtp', 'ldap', 'sip',
    '{check_cn=always,wildcards_in_cn=leftmost,wildcards_in_alt=leftmost}');
my @IPS  = ('default', 'http', 'rfc2818', 'smtp', '{check_cn=always,ip_in_cn=6}',
    '{check_cn=when_only,ip_in_cn=4}', '{check_cn=always,ip_in_cn=0}');

# -- every scheme on the basic cases
v(cn_www     => \@ALL, '-', 'www.example.com', 'CN only, exact');
v(cn_wild    => \@ALL, '-', 'www.example.com', 'CN *.example.com');
v(cn_fwild   => \@ALL, '-', 'foo.example.com', 'CN f*.example.com: partial wildcard');
v(san_www    => \@ALL, '-', 'www.example.com', 'SAN exact');
v(san_wild   => \@ALL, '-', 'www.example.com', 'SAN *.example.com');
v(san_fwild  => \@ALL, '-', 'foo.example.com', 'SAN f*.example.com: partial wildcard');
v(san_www    => \@ALL, '-', 'cn.example.net', 'name only in CN, SAN present');
v(san_cnwild => \@ALL, '-', 'www.example.org', 'CN *.example.org, SAN www.example.com');
v(cn_ip4     => \@ALL, '-', '192.0.2.1', 'IPv4 in CN only');
v(cn_ip6     => \@ALL, '-', '2001:db8::1', 'IPv6 in CN only');
v(san_ipcn4  => \@ALL, '-', '192.0.2.1', 'IPv4 in CN, DNS names in SAN (do not count for IPs)');
v(san_ip     => \@ALL, '-', '::1', 'IPv6 SAN');
v(san_uri    => \@ALL, '-', 'www.example.com', 'URI/email SAN only: CN used');
v(san_empty  => \@ALL, '-', 'www.example.com', 'empty DNS SAN counts as a DNS name');
v(cn_none    => \@ALL, '-', 'www.example.com', 'no CN, no SAN');
v(cn_www     => \@ALL, '-', '', 'empty name');

# -- wildcards in every position, in CN and in SAN
for my $w (['wild', '*.example.com', [
                'www.example.com', 'WWW.EXAMPLE.COM', 'www.example.com.', 'www.example.com..',
                'a.b.example.com', 'example.com', '.example.com', 'x..example.com', '-.example.com',
                '_x.example.com', 'www-1.example.com', 'www.example.org', 'www.example.com.org',
                'wwwexample.com', '*.example.com', 'xn--bcher-kva.example.com', 'www.example.co']],
           ['fwild', 'f*.example.com', [
                'foo.example.com', 'f.example.com', 'fx.example.com', 'FOO.EXAMPLE.COM',
                'f-.example.com', 'bar.example.com', 'of.example.com', 'f.o.example.com',
                'foo.bar.example.com', 'foo.example.com.']],
           ['wildoo', '*oo.example.com', [
                'foo.example.com', 'oo.example.com', 'boo.example.com', 'fo.example.com',
                'xn--oo.example.com', 'FOO.example.com', 'a.foo.example.com']],
           ['fwildo', 'f*o.example.com', [
                'foo.example.com', 'fo.example.com', 'fooo.example.com', 'f.o.example.com',
                'fxo.example.com', 'fox.example.com']],
           ['midwild', 'www.*.com', ['www.example.com', 'www.*.com', 'www.x.com']],
           ['star', '*', ['com', 'example.com', 'localhost', '*', 'www.example.com']],
           ['wildcom', '*.com', ['example.com', 'www.example.com', 'com', 'EXAMPLE.COM']],
           ['wildcouk', '*.co.uk', ['example.co.uk', 'co.uk', 'www.example.co.uk']],
           ['wilddot', '*.example.com.', ['www.example.com', 'www.example.com.', 'example.com']],
) {
    my ($tag, $pat, $names) = @$w;
    v("san_$tag", \@WILD, '-', $names, "SAN $pat");
    v("cn_$tag", \@WILD, '-', $names, "CN $pat") if -f "$certs/cn_$tag.pem";
}
# the public suffix check off
v(san_wildcom  => ['default', 'smtp'], "''", ['example.com', 'www.example.com', 'com'],
    'SAN *.com, public suffix check off');
v(cn_wildcom   => ['default', 'smtp'], "''", ['example.com', 'com'], 'CN *.com, public suffix check off');
v(san_wildcouk => ['default', 'smtp'], "''", ['example.co.uk', 'co.uk'], 'SAN *.co.uk, public suffix check off');
v(cn_wildcouk  => 'default', "''", 'example.co.uk', 'CN *.co.uk, public suffix check off');
v(san_star     => ['default', 'smtp'], "''", ['com', 'example.com'], 'SAN *, public suffix check off');
v(cn_wildkobe  => \@WILD, '-', ['foo.kobe.jp', 'www.foo.kobe.jp', 'city.kobe.jp'], 'CN *.kobe.jp (PSL wildcard rule)');
v(cn_wildkobe  => ['default', 'smtp'], "''", ['foo.kobe.jp', 'city.kobe.jp'], 'CN *.kobe.jp, public suffix check off');
v(san_wildwild => \@WILD, '-', ['a.b.example.com', 'a.*.example.com', 'www.example.org', 'x.example.org',
    '*.example.org'], 'SAN *.*.example.com, **.example.org');
v(san_upper    => \@WILD, '-', ['www.example.com', 'foo.example.org', 'FOO.EXAMPLE.ORG', 'f.example.org'],
    'SAN *.EXAMPLE.COM, F*.Example.Org');

# -- public suffixes (identities checked against the ICANN section of the list)
my @psl_names = ('foo.kobe.jp', 'www.city.kobe.jp', 'WWW.CITY.KOBE.JP', 'www.city.kobe.jp.',
    'x.bar.foo.kobe.jp', 'www.example.co.uk', 'example.co.uk', 'co.uk', 'example.uk',
    'foo.github.io', 'FOO.GITHUB.IO', 'foo.xn--55qx5d.cn', 'foo.公司.cn', 'a.www.ck', 'a.foo.ck',
    'www.ck', 'example.com.au', 'a.x.pvt.k12.ma.us', 'a.pvt.k12.ma.us', 'b.a.pvt.k12.ma.us');
v(san_psl => ['default', 'smtp'], '-', \@psl_names, 'public suffix rules under wildcards');
v(san_psl => ['default', 'smtp'], "''", \@psl_names, 'public suffix check off');
v(san_psl => ['ldap', 'sip'], '-', ['www.city.kobe.jp', 'foo.github.io'], 'public suffix rules, other schemes');

# -- IP addresses
v(san_ip => \@IPS, '-', [
    '127.0.0.1', '127.000.000.001', '127.0.0.1.', '127.0.0.1..', '127.0.0.2', '127.1', '127.0.1',
    '2130706433', '0x7f.0.0.1', '127.0.0.1.5', '256.0.0.1', '127.0.0.1:443', '127.0.0.1/32',
    "127.0.0.1\n", ' 127.0.0.1', '::1', '0:0:0:0:0:0:0:1', '::0001', '0000:0000:0000:0000:0000:0000:0000:0001',
    '::1.', '[::1]', 'fe80::1%eth0', '::1:', ':::1', '::g', '2001:DB8::1', '2001:db8:0::1',
    '2001:0db8:0000:0000:0000:0000:0000:0001', '::ffff:198.51.100.1', '::FFFF:198.51.100.1',
    '198.51.100.1', '::ffff:127.0.0.1', '::127.0.0.1', '192.0.2.1', 'www.example.com',
], 'IP SANs 127.0.0.1 ::1 2001:db8::1 ::ffff:198.51.100.1, CN 192.0.2.1');
v(cn_ip4 => [@IPS, '{check_cn=always,ip_in_cn=4}', '{check_cn=always,ip_in_cn=yes}', 'gist', 'ldap'], '-',
    ['192.0.2.1', '192.000.002.001', '192.0.2.1.', '::ffff:192.0.2.1', '192.0.2.2', '192.0.2'],
    'IPv4 in CN: a string compare');
v(cn_ip6 => [@IPS, '{check_cn=always,ip_in_cn=4}', '{check_cn=when_only,ip_in_cn=6}'], '-',
    ['2001:db8::1', '2001:DB8::1', '2001:db8:0:0:0:0:0:1', '2001:db8::1.', '2001:db8::2'],
    'IPv6 in CN: a string compare');
v(cn_ip6short => ['default', 'http', '{check_cn=always,ip_in_cn=6}'], '-', ['::1', '0:0:0:0:0:0:0:1', '::01'],
    'CN ::1');
v(cn_ip6long => ['default', 'http', '{check_cn=always,ip_in_cn=6}'], '-', ['::1', '0:0:0:0:0:0:0:1'],
    'CN 0:0:0:0:0:0:0:1');
v(san_ipcn6 => \@IPS, '-', ['2001:db8::1', 'www.example.com'], 'IPv6 in CN, DNS SAN');
v(san_ipasdns => \@IPS, '-', ['127.0.0.1', '192.0.2.1', 'cn.example.net'], 'IP addresses as DNS SANs');
v(san_nosubj => [@REP, '{check_cn=always,ip_in_cn=1}'], '-',
    ['192.0.2.1', 'www.example.com', 'other.example.com', ''], 'empty subject (no CN)');
v(san_odd => \@IPS, '-', ['192.0.2.1', '192.0.2.1.255'], 'IP SANs of length 5 and 8');
v(san_multi => \@IPS, '-', ['192.0.2.7', '192.0.2.8'], 'IP SAN among DNS SANs');

# -- several SANs, trailing dots, case
v(san_multi => \@REP, '-', ['www.example.com', 'mail.example.org', 'MAIL.EXAMPLE.ORG', 'x.wild.example.net',
    'X.WILD.EXAMPLE.NET.', 'wild.example.net', 'ftp.example.com', 'ftp.example.com.', 'cn.example.net',
    'user@example.com', 'example.com', 'uri.example.com', 'https://uri.example.com/'],
    'several SANs (DNS, IP, email, URI)');
v(cn_dot => \@REP, '-', ['www.example.com', 'www.example.com.', 'www.example.com..', 'WWW.EXAMPLE.COM.',
    '.', ''], 'CN www.example.com. (absolute)');
v(cn_www => \@REP, '-', ['www.example.com...', '.www.example.com', 'www..example.com', 'WwW.ExAmPlE.CoM',
    '.', '..', 'www.example.co', 'ww.example.com', 'www.example.comm'], 'CN www.example.com');
v(cn_upper => \@REP, '-', ['www.example.com', 'WWW.EXAMPLE.COM'], 'CN WWW.Example.COM');
v(cn_onlydot => \@REP, '-', ['', '.', 'www.example.com'], 'CN "."');
v(san_dots => \@REP, '-', ['www.example.com', '', '.'], 'SANs "." and "..", CN www.example.com');
v(san_empty => \@REP, '-', ['', '.'], 'empty DNS SAN');
v(cn_multi => \@REP, '-', ['first.example.com', 'second.example.com'], 'two CNs: the first counts');
v(cn_bmp => \@REP, '-', ['www.example.com'], 'CN as BMPString (raw bytes compared)');
v(san_cnwild => \@REP, '-', ['www.example.com', 'foo.example.org'], 'CN *.example.org, SAN www.example.com');
v(san_uri => \@REP, '-', ['www.example.com', 'admin@www.example.com'], 'URI/email SAN only');

# -- NUL bytes, white space and other odd bytes
v(san_nul => \@REP, '-', ['www.example.com', "www.example.com\0.evil.com", 'evil.com', 'www.example.org',
    "www.example.org\0", "\0", '', 'cn.example.net'], 'SANs with embedded NUL bytes');
v(cn_nul => [@REP, '{}'], '-', ['www.example.com', "www.example.com\0.evil.com", "www.example.com\0", 'evil.com'],
    'CN with an embedded NUL byte');
v(cn_www => ['none', '{}', 'default'], '-', ["www.example.com\0", "\0", "www.example.com\0.evil.com"],
    'NUL in the name');
v(san_ws => \@REP, '-', ['www.example.com', 'mail.example.com', 'foo.wild.example.org', 'in ner.example.com',
    'ner.example.com', ' www.example.com', "mail.example.com\r\n"], 'SANs with white space around');
v(cn_space => \@REP, '-', ['www.example.com', ' www.example.com ', 'www.example.com '], 'CN with spaces around');
v(san_nl => \@REP, '-', ['www.example.com', 'evil.org', 'foo.example.org', 'f.example.org'],
    'SANs *.example.com\nevil.org and f*.example.org\n');
v(cn_nl => \@REP, '-', ['www.example.com', 'evil.org', "www.example.com\nevil.org"], 'CN *.example.com\nevil.org');
v(cn_trailnl => \@REP, '-', ['www.example.com', "www.example.com\n"], 'CN *.example.com\n');
v(san_odd => \@REP, '-', ['www.example.com', 'www.example.com/evil', 'a b.example.com', 'www.example.com:443',
    'www.example.org'], 'SANs with /, space, :port; URI SAN');
v(cn_www => \@REP, '-', ["www.example.com\n", "www.example.com.\n", "www.example.com\t", 'www.exa*mple.com',
    'www.example.com%00', 'www@example.com', 'ww w.example.com', 'www.example.com/', "www.example.com\x7f",
    "www.example.com\\", "www.example.com'", 'www.example.com:443'], 'invalid characters in the name');
v(cn_wild => \@WILD, '-', ["www\0.example.com", "w\tw.example.com", 'w w.example.com', 'w*w.example.com'],
    'invalid characters under a wildcard');

# -- underscores
v(cn_under => \@REP, '-', ['_acme.a_b.example.com', '_ACME.A_B.EXAMPLE.COM', 'acme.a_b.example.com'],
    'CN _acme.a_b.example.com');
v(san_under => \@WILD, '-', ['x.under_score.example.com', '_.under_score.example.com',
    'a_b.under_score.example.com', '_acme.example.com', 'u_x.example.org', 'u_.example.org', 'u.example.org'],
    'SANs *.under_score.example.com, _acme.example.com, u_*.example.org');

# -- international names (A-labels and U-labels)
v(san_idn => \@WILD, '-', ['xn--bcher-kva.example.com', 'XN--BCHER-KVA.EXAMPLE.COM', 'bücher.example.com',
    'BÜCHER.example.com', "b\x{fc}cher.example.com", 'www.café.example.com', 'www.xn--caf-dma.example.com',
    'café.example.com', 'xyz.example.net', 'xn--bcher-kva.example.net', 'XN--BCHER-KVA.example.net',
    'xn--bcher-kva.example.org', 'bücher.example.org', '☃.example.com', 'xn--n3h.example.com',
    '*.bücher.example.com', 'bücher.example.com.', 'bucher.example.com'],
    'SANs xn--bcher-kva.example.com, *.xn--caf-dma.example.com, x*.example.net, *-kva.example.org, xn--n3h.example.com');
v(cn_idn => \@REP, '-', ['xn--bcher-kva.example.com', 'bücher.example.com', 'BÜCHER.EXAMPLE.COM'],
    'CN xn--bcher-kva.example.com');
v(cn_utf8 => \@REP, '-', ['bücher.example.com', 'xn--bcher-kva.example.com'], 'CN bücher.example.com as raw UTF-8');
v(cn_wild => \@WILD, '-', ['bücher.example.com', 'bücher.www.example.com'], 'U-label under CN *.example.com');
v(cn_fwild => ['default', 'http'], '-', ['föö.example.com', 'xn--f-oo.example.com'], 'U-label under CN f*.example.com');

# ---- run the reference ---------------------------------------------------------------
my $ref_lib = $ENV{REF_PERL5LIB};
if (!$ref_lib) {
    my $sh = `/work/shared/tools/reference.sh`;
    $? == 0 or die "reference.sh failed\n";
    ($ref_lib) = $sh =~ m{PERL5LIB=([^\$\s]+)} or die "cannot find PERL5LIB in: $sh\n";
    $ref_lib =~ s{\$\{PERL5LIB.*}{};
}

my $CHILD = <<'CHILD';
use strict;
use warnings;
use HostnameTable;
use IO::Socket::SSL;
use IO::Socket::SSL::Utils;
# make sure this is the reference on Net::SSLeay, not the implementation under test
# (this build loads its shared object on first use: no _load_xs in the reference)
defined &Net::SSLeay::X509_get_subjectAltNames && !defined &IO::Socket::SSL::_load_xs
    or die "not the reference implementation: $INC{'IO/Socket/SSL.pm'}\n";
print STDERR "reference: $INC{'IO/Socket/SSL.pm'}\n";
print "# reference: IO::Socket::SSL $IO::Socket::SSL::VERSION,"
    . " Net::SSLeay $Net::SSLeay::VERSION, IDN: "
    . (IO::Socket::SSL::PublicSuffix->can_idn ? join(' ', grep { m{idn}i } sort keys %INC) : 'none') . "\n";
my $dir = shift;
my %cert;
binmode STDIN;
binmode STDOUT;
while (my $line = <STDIN>) {
    chomp $line;
    my ($file, $scheme, $psl, $name) = split m{\t}, $line, -1;
    my $cert = $cert{$file} ||= PEM_file2cert("$dir/$file") or die "cannot load $file\n";
    local $SIG{__WARN__} = sub { };    # undef CN and the like
    my @args = (unescape_name($name), $cert, parse_scheme($scheme));
    push @args, parse_psl($psl) if $psl ne '-';
    my $r = eval { IO::Socket::SSL::verify_hostname_of_cert(@args) };
    print defined $@ && $@ ne '' ? do { (my $e = $@) =~ s{\s+}{ }g; "E $e\n" } : $r ? "1\n" : "0\n";
}
CHILD

my $in = File::Temp->new;
binmode $in;
print $in join("\t", @$_[0 .. 3]), "\n" for @vectors;
close $in;
my $child = File::Temp->new(SUFFIX => '.pl');
print $child $CHILD;
close $child;
my @out = do {
    local $ENV{PERL5LIB} = $ref_lib;
    local $ENV{PERL5OPT};
    open my $fh, '-|', qq{"$^X" -I"$root/t/lib" "$child" "$certs" < "$in"}
        or die "cannot run the reference: $!";
    binmode $fh;
    my @lines = <$fh>;
    close $fh or die "the reference process failed (status $?)\n";
    @lines;
};
my $header = shift @out;
$header =~ m{^# reference: IO::Socket::SSL (\S+)} or die "no answer from the reference:\n$header";
@out == @vectors or die "reference answered " . scalar(@out) . " of " . scalar(@vectors) . " vectors\n";

my $text = <<"HEAD";
# Host-name verification vectors for t/30_hostname.t.
# GENERATED by t/data/make_hostname_vectors.pl: edit that script, not this file.
# The expected column is the answer of the reference implementation:
$header#
# Fields (TAB separated): cert (t/certs/hostname/) scheme psl name expected [comment]
#   scheme: name, or {key=value,...} for a hash scheme ({} = no check)
#   psl:    '-' = default public suffix list, '' = empty string (check off)
#   name:   \\xNN for bytes 0x00-0x20 0x27 0x5c 0x7f (and Latin-1 bytes in
#           non-UTF-8 names); '' = empty name; then decoded from UTF-8 if valid
HEAD
my %count;
for my $i (0 .. $#vectors) {
    my $r = $out[$i];
    chomp $r;
    $r =~ m{^[01]$} or die "reference failed on vector: @{$vectors[$i]}[0..3]: $r\n";
    $count{$r}++;
    my ($file, $scheme, $psl, $name, $comment) = @{ $vectors[$i] };
    my $c = $comment;
    utf8::encode($c);
    $c =~ s{[\t\n]}{ }g;
    $text .= join("\t", $file, $scheme, $psl, $name, $r, "# $c") . "\n";
}
printf STDERR "%d vectors: %d verify, %d do not\n", scalar(@vectors), $count{1} || 0, $count{0} || 0;
if ($print_only) {
    print $text;
} else {
    open my $fh, '>', $table or die "$table: $!";
    binmode $fh;
    print $fh $text;
    close $fh or die "$table: $!";
    print STDERR "written $table\n";
}
