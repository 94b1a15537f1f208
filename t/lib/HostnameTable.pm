package HostnameTable;
# The fields of t/data/hostname_vectors.txt, read by t/30_hostname.t and by
# t/data/make_hostname_vectors.pl (also in the reference's process it starts).
# Loads no IO::Socket::SSL, so it is safe next to either implementation.
use strict;
use warnings;
use Exporter 'import';

our @EXPORT = qw(unescape_name parse_scheme parse_psl);

# \xNN escapes; '' is the empty name; valid UTF-8 becomes characters
sub unescape_name {
    my $s = shift;
    return '' if $s eq "''";
    $s =~ s{\\x([0-9a-fA-F]{2})}{chr hex $1}ge;
    utf8::decode($s);    # a character string if valid UTF-8, else kept
    return $s;
}

# a scheme name, or {key=value,...} for a hash scheme
sub parse_scheme {
    my $s = shift;
    return $s if $s !~ m{^\{(.*)\}$};
    my %h;
    for (split m{,}, $1) {
        m{^(\w+)=(.*)$} or die "bad scheme element '$_'\n";
        $h{$1} = $2;
    }
    return \%h;
}

# '-': argument not given (undef); '': the public suffix check off
sub parse_psl {
    my $s = shift;
    return undef if $s eq '-';
    return ''    if $s eq "''";
    die "bad public suffix field '$s'\n";
}

1;
