package IO::Socket::SSL::PublicSuffix;
# Public suffix lookups. The built-in list lives in C (c_src/psl.c, compiled
# into IO::Socket::SSL's shared object) and is never parsed in Perl; lists
# given to from_string/from_file are parsed into a Perl tree. Loading this
# file is meant to stay cheap: no data at load time, every other module is
# required on first use.
use strict;
use warnings;

our $VERSION = '2.099';

# Where the list comes from (informational only; see update_self_from_url).
sub URL () { 'http://publicsuffix.org/list/effective_tld_names.dat' }

sub _croak { require Carp; goto &Carp::croak }

# ---------------------------------------------------------------------------
# IDN conversion: the first installed of URI::_idna, Net::IDN::Encode and
# Net::LibIDN, else the converter below. Chosen on first use.

my ($to_ascii, $to_unicode);

sub _idn_init {
    return 1 if $to_ascii;
    local ($@, $!);
    if (eval { require URI::_idna;
               defined &URI::_idna::encode && defined &URI::_idna::decode }) {
        ($to_ascii, $to_unicode) = (\&URI::_idna::encode, \&URI::_idna::decode);
    } elsif (eval { require Net::IDN::Encode; 1 }) {
        ($to_ascii, $to_unicode) = (\&Net::IDN::Encode::domain_to_ascii,
                                    \&Net::IDN::Encode::domain_to_unicode);
    } elsif (eval { require Net::LibIDN; require Encode; 1 }) {
        # Net::LibIDN works on encoded octets, not on Perl characters.
        $to_ascii = sub {
            Net::LibIDN::idn_to_ascii(Encode::encode('UTF-8', $_[0]), 'utf-8');
        };
        $to_unicode = sub {
            my $u = Net::LibIDN::idn_to_unicode($_[0], 'utf-8');
            defined $u ? Encode::decode('UTF-8', $u) : $u;
        };
    } else {
        ($to_ascii, $to_unicode) = (\&_builtin_idn_to_ascii, \&_builtin_idn_to_unicode);
    }
    return 1;
}

sub idn_to_ascii   { $to_ascii   || _idn_init(); goto &$to_ascii }
sub idn_to_unicode { $to_unicode || _idn_init(); goto &$to_unicode }

# True when names can be converted; the built-in converter makes this
# always so. Callable as class method, object method or function.
sub can_idn { _idn_init() }

# --- built-in converter: nameprep approximated by lower case + NFKC, then
# RFC 3492 punycode for each label that is not plain ASCII.

my $have_nfkc;
sub _nameprep {
    my $s = lc shift;
    if (!defined $have_nfkc) {
        local ($@, $!);
        $have_nfkc = eval { require Unicode::Normalize; 1 } ? 1 : 0;
    }
    $s = lc Unicode::Normalize::NFKC($s) if $have_nfkc;
    return $s;
}

sub _builtin_idn_to_ascii {
    my $name = shift;
    return $name if !defined $name || $name !~ m{[^\x00-\x7f]};
    # the IDNA label separators besides '.'
    $name =~ tr/\x{3002}\x{ff0e}\x{ff61}/.../;
    my @out;
    for my $label (split m{\.}, $name, -1) {
        if ($label =~ m{[^\x00-\x7f]}) {
            $label = _nameprep($label);
            if ($label =~ m{[^\x00-\x7f]}) {
                _croak("label starts with the ACE prefix: $label")
                    if $label =~ m{\Axn--}i;
                $label = 'xn--' . _punycode_encode($label);
            }
        }
        push @out, $label;
    }
    return join('.', @out);
}

sub _builtin_idn_to_unicode {
    my $name = shift;
    return $name if !defined $name;
    my @out;
    for my $label (split m{\.}, $name, -1) {
        if ($label =~ m{[^\x00-\x7f]}) {
            $label = _nameprep($label);
        } elsif ($label =~ m{\Axn--(.*)\z}si) {
            $label = _punycode_decode($1);
        }
        push @out, $label;
    }
    return join('.', @out);
}

# RFC 3492 parameters
sub PC_BASE () { 36 }
sub PC_TMIN () { 1 }
sub PC_TMAX () { 26 }
sub PC_SKEW () { 38 }
sub PC_DAMP () { 700 }
sub PC_BIAS () { 72 }
sub PC_N    () { 128 }

sub _pc_threshold {
    my ($k, $bias) = @_;
    return $k <= $bias ? PC_TMIN
         : $k >= $bias + PC_TMAX ? PC_TMAX
         : $k - $bias;
}

sub _pc_adapt {
    my ($delta, $points, $first) = @_;
    $delta = int($delta / ($first ? PC_DAMP : 2));
    $delta += int($delta / $points);
    my $k = 0;
    while ($delta > ((PC_BASE - PC_TMIN) * PC_TMAX) >> 1) {
        $delta = int($delta / (PC_BASE - PC_TMIN));
        $k += PC_BASE;
    }
    return $k + int((PC_BASE - PC_TMIN + 1) * $delta / ($delta + PC_SKEW));
}

sub _pc_digit {
    my $d = shift;
    return $d < 26 ? chr(ord('a') + $d) : chr(ord('0') + $d - 26);
}

sub _punycode_encode {
    my @cps = map { ord } split //, shift;
    my $out = join '', map { chr } grep { $_ < 0x80 } @cps;
    my $basic = length $out;
    my $done = $basic;
    $out .= '-' if $basic;
    my ($n, $delta, $bias) = (PC_N, 0, PC_BIAS);
    while ($done < @cps) {
        my $next;
        for (@cps) {
            $next = $_ if $_ >= $n && (!defined $next || $_ < $next);
        }
        $delta += ($next - $n) * ($done + 1);
        $n = $next;
        for my $cp (@cps) {
            $delta++ if $cp < $n;
            next if $cp != $n;
            my $q = $delta;
            for (my $k = PC_BASE; ; $k += PC_BASE) {
                my $t = _pc_threshold($k, $bias);
                last if $q < $t;
                $out .= _pc_digit($t + ($q - $t) % (PC_BASE - $t));
                $q = int(($q - $t) / (PC_BASE - $t));
            }
            $out .= _pc_digit($q);
            $bias = _pc_adapt($delta, $done + 1, $done == $basic);
            $delta = 0;
            $done++;
        }
        $delta++;
        $n++;
    }
    return $out;
}

sub _punycode_decode {
    my $in = my $orig = shift;
    my @out;
    my $dash = rindex($in, '-');
    if ($dash >= 0) {
        @out = map { ord } split //, substr($in, 0, $dash);
        $in = substr($in, $dash + 1);
    }
    my ($n, $i, $bias) = (PC_N, 0, PC_BIAS);
    my @digits = split //, $in;
    while (@digits) {
        my ($old, $w) = ($i, 1);
        for (my $k = PC_BASE; ; $k += PC_BASE) {
            my $c = shift @digits;
            _croak("invalid punycode: $orig") if !defined $c;
            my $d = $c =~ m{\A[a-z]\z}i ? ord(lc $c) - ord('a')
                  : $c =~ m{\A[0-9]\z}  ? ord($c) - ord('0') + 26
                  : _croak("invalid punycode: $orig");
            $i += $d * $w;
            my $t = _pc_threshold($k, $bias);
            last if $d < $t;
            $w *= PC_BASE - $t;
            _croak("invalid punycode: $orig") if $w > 0x7fffffff;
        }
        my $len = @out + 1;
        $bias = _pc_adapt($i - $old, $len, $old == 0);
        $n += int($i / $len);
        $i %= $len;
        _croak("invalid punycode: $orig") if $n > 0x10ffff;
        splice @out, $i++, 0, $n;
    }
    return join '', map { chr } @out;
}

# ---------------------------------------------------------------------------
# Objects: { min_suffix => N } for the built-in list, plus tree => ROOT for a
# list given by the caller. A tree node is [ \%children_by_label, $end ],
# $end 1 for a rule, -1 for an exception ("!") rule, 0 for neither.

sub _min_suffix {
    my %args = @_;
    my $min = delete $args{min_suffix};
    $min = 1 if !defined $min;
    die "unknown args: " . join(" ", sort keys %args) if %args;
    return $min;
}

{
    my %default;
    sub default {
        my $class = shift;
        my $min = _min_suffix(@_);
        # the lookup is part of IO::Socket::SSL's shared object
        require IO::Socket::SSL;
        return $default{$min} ||= bless { min_suffix => $min }, $class;
    }
}

sub from_string {
    my ($class, $data, @args) = @_;
    open(my $fh, '<', \$data) or die "cannot read string: $!";
    return $class->from_file($fh, @args);
}

sub from_file {
    my ($class, $file, @args) = @_;
    my $min = _min_suffix(@args);
    my $fh;
    if (ref $file) {
        $fh = $file;
    } elsif (!open($fh, '<', $file)) {
        die "failed to open $file: $!";
    }
    my $root = [ {}, 0 ];
    local $/ = "\n";
    while (defined(my $rule = <$fh>)) {
        $rule =~ s{//.*}{};
        $rule =~ s{\s+$}{};
        next if $rule eq '';
        $rule = idn_to_ascii($rule) if $rule =~ m{[^\x00-\x7f]};
        my $end = $rule =~ s{\A!}{} ? -1 : 1;
        my $node = $root;
        $node = $node->[0]{$_} ||= [ {}, 0 ] for reverse split m{\.}, $rule;
        $node->[1] = $end;
    }
    return bless { tree => $root, min_suffix => $min }, $class;
}

# Depth first over the tree from the last label: at each step the label
# itself, then '*'. Ends are noted in $seen->{host|wild|xcept}{length}. The
# walk stops as a whole once some path has used all labels.
sub _walk {
    my ($node, $i, $labels, $seen) = @_;
    return 1 if $i >= @$labels;
    my @next;
    for my $which ([ $labels->[-1 - $i], 'host' ], [ '*', 'wild' ]) {
        my $child = $node->[0]{ $which->[0] } or next;
        push @next, $child;
        $seen->{ $child->[1] > 0 ? $which->[1] : 'xcept' }{ $i + 1 } = 1
            if $child->[1];
    }
    for (@next) {
        return 1 if _walk($_, $i + 1, $labels, $seen);
    }
    return 0;
}

# Number of trailing labels that form the public suffix, by the caller's list.
sub _tree_suffix_labels {
    my ($self, $labels) = @_;
    my %seen = (host => {}, wild => {}, xcept => {});
    _walk($self->{tree}, 0, $labels, \%seen);
    delete @{ $seen{wild} }{ keys %{ $seen{xcept} } };
    my $len;
    for (keys %{ $seen{host} }, keys %{ $seen{wild} },
         map { $_ - 1 } keys %{ $seen{xcept} }) {
        $len = $_ if !defined $len || $_ > $len;
    }
    return defined $len ? $len : $self->{min_suffix};
}

# The same by the built-in list, from C. Labels that can match no rule
# (empty, with a dot or NUL, not ASCII, longer than a DNS label) are passed
# as "\0", which the C code takes as exactly that; only the trailing labels
# that fit into a host name (255 bytes) are passed, which covers more labels
# than the longest rule has.
sub _builtin_suffix_labels {
    my ($self, $labels) = @_;
    my ($host, $len) = ('', -1);
    for (reverse @$labels) {
        my $l = ($_ eq '' || length($_) > 63 || m{[.\0]|[^\x00-\x7f]}) ? "\0" : $_;
        last if $len + 1 + length($l) > 255;
        $host = $len < 0 ? $l : "$l.$host";
        $len += 1 + length $l;
    }
    my $n = IO::Socket::SSL::_Lib::psl_suffix_labels($host, -1);
    return $n < 0 ? $self->{min_suffix} : $n;
}

sub public_suffix {
    my ($self, $name, $add) = @_;
    my ($want, @labels);    # $want: a(rray), s(tring), u(nicode string)
    my $add_dot;            # a fully qualified name keeps its dot on the suffix
    if (ref $name) {
        $want = 'a';
        @labels = @$name;
    } else {
        return if !defined $name;
        if ($name =~ m{[^\x00-\x7f]}) {
            $name = idn_to_ascii($name);
            $want = 'u';
        } else {
            $want = 's';
        }
        $name = lc $name;
        $add_dot = $name =~ s{\.$}{};
        @labels = $name =~ m{([^.]+)}g;
    }
    return if !@labels;
    $_ = lc for @labels;

    my $len = $self->{tree}
        ? $self->_tree_suffix_labels(\@labels)
        : $self->_builtin_suffix_labels(\@labels);
    $len += $add if $add;

    my ($rest, $suffix);
    if ($len < @labels) {
        $suffix = [ splice(@labels, -$len, $len) ];
        $rest = \@labels;
    } elsif ($len > 0) {
        ($rest, $suffix) = ([], \@labels);
    } else {
        ($rest, $suffix) = (\@labels, []);
    }
    if ($want ne 'a') {
        ($rest, $suffix) = (join('.', @$rest), join('.', @$suffix));
        if ($want eq 'u') {
            $suffix = idn_to_unicode($suffix);
            $rest   = idn_to_unicode($rest);
        }
        $suffix .= '.' if $add_dot;
    }
    return wantarray ? ($rest, $suffix) : $suffix;
}

sub update_self_from_url {
    _croak("not supported: the list is compiled into IO::Socket::SSL");
}

1;

__END__

=head1 NAME

IO::Socket::SSL::PublicSuffix - public suffixes (effective TLDs) of host names

=head1 SYNOPSIS

    use IO::Socket::SSL::PublicSuffix;

    my $ps = IO::Socket::SSL::PublicSuffix->default;      # built-in list
    my $ps = IO::Socket::SSL::PublicSuffix->from_string("uk\nco.uk\n");
    my $ps = IO::Socket::SSL::PublicSuffix->from_file('public_suffix_list.dat');

    my $suffix        = $ps->public_suffix('www.example.co.uk');    # co.uk
    my ($rest, $sfx)  = $ps->public_suffix('www.example.co.uk');    # www.example, co.uk
    my $registrable   = $ps->public_suffix('www.example.co.uk', 1); # example.co.uk
    my ($r, $s)       = $ps->public_suffix([qw(www example co uk)]);# [www example], [co uk]

=head1 DESCRIPTION

Finds the public suffix of a host name by the rules of the Public Suffix List
(L<https://publicsuffix.org/>): plain rules, C<*.> wildcard rules and C<!>
exception rules; the longest match wins, an exception counting one label
less, and C<min_suffix> labels when no rule matches.

The built-in list (its ICANN section) is compiled into IO::Socket::SSL's
shared object and searched there, so loading this module and calling
C<default> parse nothing.

=head1 METHODS

=over 4

=item CLASS->default(%args)

Object for the built-in list. C<min_suffix> (default 1) is the suffix length
used when no rule matches. One object per C<min_suffix> is kept.

=item CLASS->from_string($rules, %args)

=item CLASS->from_file($file_name_or_handle, %args)

Object for the rules given, one per line, in the format of the Public Suffix
List (C<//> starts a comment). C<%args> as for C<default>.

=item $ps->public_suffix($host | \@labels, [$add])

In list context the part before the suffix and the suffix, in scalar context
the suffix. With C<$add>, that many more labels are counted to the suffix
(C<1> gives the registrable domain). A string gives strings (lower case); an array reference of labels gives array
references. A trailing dot (a fully qualified name) stays on the suffix:
C<www.bar.co.uk.> gives C<www.bar> and C<co.uk.>. A host name with non-ASCII characters is converted to its ASCII
form to be looked up and the results are converted back.

=item $ps->can_idn, CLASS->can_idn

True when international names can be converted: with L<URI> (preferred),
L<Net::IDN::Encode> or L<Net::LibIDN>, or else with the converter built into
this module (lower case, Unicode NFKC, punycode), so always true.

=item idn_to_ascii($name), idn_to_unicode($name)

Functions converting a host name between its Unicode and ASCII (C<xn-->)
forms.

=item update_self_from_url

Not supported: the list is part of the compiled code; it croaks.

=back

=cut
