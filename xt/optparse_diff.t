#!perl
# Differential check of c_src/optparse.c (SSL_version and SSL_fingerprint
# strings) against the Perl regexes with the reference's semantics, which
# SSL_Context.pm used before the parsers moved to C: random strings built
# from the grammar's pieces must give the same answer both ways.
use strict;
use warnings;
use Test::More;
use IO::Socket::SSL;

my %OP_NO = (SSLv2 => 1 << 1, SSLv3 => 1 << 2, TLSv1 => 1 << 3, TLSv1_1 => 1 << 4,
             TLSv1_2 => 1 << 5, TLSv1_3 => 1 << 6);
my @NAME = qw(SSLv23 SSLv2 SSLv3 TLSv1 TLSv1_1 TLSv1_2 TLSv1_3);

sub perl_version {
    my $spec = shift;
    my ($ver, $ex) = (undef, 0);
    for (split(/\s*:\s*/, $spec)) {
        m{^(!?)(?:(SSL(?:v2|v3|v23|v2/3))|(TLSv1(?:_?[123])?))$}i
            or return (undef, 'invalid SSL_version specified');
        my $not = $1;
        (my $v = lc($2 || $3)) =~ s{^(...)}{\U$1};
        $v =~ s{/}{};
        $v =~ s{(TLSv1)_?(\d)}{$1_$2};
        if ($not) { $ex |= $OP_NO{$v} || 0 }
        else {
            return (undef, 'cannot set multiple SSL protocols in SSL_version')
                if $ver && $v ne $ver;
            $ver = $v;
        }
    }
    return ($ver || 'SSLv23', $ex);
}

sub c_version {
    my ($v, $ex) = IO::Socket::SSL::_Lib::parse_ssl_version(shift);
    return (undef, $ex) if !defined $v;
    return ($NAME[$v], $ex);
}

sub perl_fp {
    local $_ = shift;
    my ($algo, $pubkey, $digest) = m{^(?:([\w-]+)\$)?(pub\$)?([a-f\d:]+)$}i or return (-1);
    ($digest = lc($digest)) =~ s{:}{}g;
    $algo ||= length($digest) == 32 ? 'md5' : length($digest) == 40 ? 'sha1'
            : length($digest) == 64 ? 'sha256' : return (-2);
    return (0, lc($algo), $pubkey ? 1 : 0, pack('H*', $digest));
}

my @vpieces = ('SSLv2', 'SSLv3', 'SSLv23', 'SSLv2/3', 'sslv23', 'TLSv1', 'TLSv1_1', 'TLSv11',
    'tlsv1_2', 'TLSv12', 'TLSv1_3', 'TLSV13', 'TLSv1_4', '!', ':', ' ', "\t", "\n", '/', '_',
    'x', '');
my @fpieces = ('sha1', 'SHA256', 'md5', 'pub', '$', 'pub$', '0', 'ab', 'CD', ':', '9f', 'g',
    '-', '_', ' ', "\n", '0123456789abcdef' x 2, '01234567');
srand(12345);
my ($n, $bad) = (0, 0);
for my $round (1 .. 20000) {
    my $s = join('', map { $vpieces[rand @vpieces] } 1 .. 1 + int(rand 6));
    my @p = perl_version($s);
    my @c = c_version($s);
    $n++;
    next if "@{[map { $_ // 'undef' } @p]}" eq "@{[map { $_ // 'undef' } @c]}";
    $bad++ < 10 and diag(sprintf("SSL_version %s: perl (%s) c (%s)", join('', map { sprintf '\\x%02x', ord } split //, $s),
        join(',', map { $_ // 'undef' } @p), join(',', map { $_ // 'undef' } @c)));
}
is($bad, 0, "SSL_version: $n random specs agree");
($n, $bad) = (0, 0);
for my $round (1 .. 20000) {
    my $s = join('', map { $fpieces[rand @fpieces] } 1 .. 1 + int(rand 6));
    my @p = perl_fp($s);
    my @c = IO::Socket::SSL::_Lib::parse_fingerprint($s);
    @c = ($c[0]) if $c[0] != 0;
    $n++;
    next if join("\0", @p) eq join("\0", @c);
    $bad++ < 10 and diag("fingerprint '$s': perl (@p) c (@c)");
}
is($bad, 0, "SSL_fingerprint: $n random strings agree");
done_testing();
