package IO::Socket::SSL::Utils;
# Certificate helpers on raw X509* handles (integers), as the reference's
# Utils hands them out, so the handles also work with Net::SSLeay.
use strict;
use warnings;
use IO::Socket::SSL ();
use Exporter 'import';
use Scalar::Util ();

our $VERSION = '2.099';
our @EXPORT = qw(
    PEM_file2cert PEM_file2certs PEM_string2cert PEM_cert2file PEM_certs2file PEM_cert2string
    PEM_file2key PEM_string2key PEM_key2file PEM_key2string
    KEY_free CERT_free
    KEY_create_rsa KEY_create_ec CERT_asHash CERT_create
);

# The texts of failures are the reference's: "cannot read FILE: $!" when the
# file cannot be opened, "cannot parse ... as PEM ...: <OpenSSL's reason>"
# when its content is no PEM object. Both croak (caller's line).
sub _croak { require Carp; goto &Carp::croak }

# The reference appends OpenSSL's first queued error, which often is a stale
# one from before; the readers here leave no queue behind, so the reason is
# said plainly.
sub _ossl_reason {
    my $what = shift;
    my $e = IO::Socket::SSL::_Lib::errstack();
    $e =~ s/ (?=error:).*//s;
    return $e ne '' ? $e : "no PEM $what found";
}

sub _readable {
    my $file = shift;
    open(my $fh, '<', $file) or _croak("cannot read $file: $!");
}

sub PEM_file2cert {
    my $file = shift;
    _readable($file);
    my $cert = IO::Socket::SSL::_Lib::pem_file2cert($file)
        or _croak("cannot parse $file as PEM X509 cert: " . _ossl_reason('certificate'));
    return $cert;
}

sub PEM_string2cert {
    my $cert = IO::Socket::SSL::_Lib::pem_string2cert(shift)
        or _croak("cannot parse string as PEM X509 cert: " . _ossl_reason('certificate'));
    return $cert;
}

sub PEM_cert2string { IO::Socket::SSL::_Lib::pem_cert2string(shift) }

sub PEM_cert2file {
    my ($cert, $file) = @_;
    _write_pem($file, PEM_cert2string($cert) // _croak("cannot get string from cert"));
}

sub _write_pem {
    my ($file, $pem) = @_;
    open(my $fh, '>', $file) or _croak("cannot write $file: $!");
    print $fh $pem;
    close($fh) or _croak("cannot write $file: $!");
}

sub PEM_file2certs {
    my $file = shift;
    _readable($file);
    my @certs = IO::Socket::SSL::_Lib::pem_file2certs($file);
    _croak("cannot parse $file as PEM X509 cert: " . _ossl_reason('certificate'))
        if !@certs;
    return @certs;
}

sub PEM_certs2file {
    my ($file, @certs) = @_;
    _write_pem($file, join '', map {
        PEM_cert2string($_) // _croak("cannot get string from cert")
    } @certs);
}

sub CERT_free { IO::Socket::SSL::_Lib::cert_free($_) for @_ }

sub KEY_create_rsa { IO::Socket::SSL::_Lib::key_create_rsa(shift || 2048) }
sub KEY_create_ec {
    my $curve = shift || 'prime256v1';
    my $key = eval { IO::Socket::SSL::_Lib::key_create_ec($curve) };
    _croak("unknown curve $curve") if !$key;
    return $key;
}

# ---- CERT_asHash ----------------------------------------------------------

my @GEN_NAMES = qw(OTHERNAME EMAIL DNS X400 DIRNAME EDIPARTY URI IP RID);

# IPv6 as the reference writes it: lower case, the first longest run of
# zero groups (even a single one) written as '::'.
sub _ipv6_text {
    my @g = unpack 'n8', shift;
    my ($best, $best_len, $run, $run_len) = (-1, 0, -1, 0);
    for my $i (0 .. 7) {
        if ($g[$i]) { $run = -1; next }
        if ($run < 0) { ($run, $run_len) = ($i, 0) }
        $run_len++;
        ($best, $best_len) = ($run, $run_len) if $run_len > $best_len;
    }
    return join ':', map { sprintf '%x', $_ } @g if $best < 0;
    my $end = $best + $best_len;
    return join(':', map { sprintf '%x', $_ } @g[0 .. $best - 1]) . '::'
        . join(':', map { sprintf '%x', $_ } @g[$end .. 7]);
}

sub CERT_asHash {
    my ($cert, $digest) = @_;
    $digest ||= 'sha256';
    die "no certificate given\n" unless $cert;
    my $h = IO::Socket::SSL::_Lib::x509_as_hash($cert);
    my $md = IO::Socket::SSL::_Lib::x509_digest($cert, $digest, 0);
    $h->{"x509_digest_$digest"} = $md;
    $h->{"pubkey_digest_$digest"} = IO::Socket::SSL::_Lib::x509_digest($cert, $digest, 1);
    $h->{"fingerprint_$digest"} = join ':', map { sprintf '%02X', $_ } unpack 'C*', $md;
    my @alt = IO::Socket::SSL::_Lib::x509_alt_names($cert);
    if (@alt) {
        my @names;
        while (my ($type, $value) = splice @alt, 0, 2) {
            my $name = $GEN_NAMES[$type] // die "unknown type $type in subjectAltName\n";
            if ($name eq 'IP') {
                $value = length($value) == 4 ? join('.', unpack 'C4', $value)
                       : length($value) == 16 ? _ipv6_text($value)
                       : $value;
            }
            push @names, [ $name, $value ];
        }
        $h->{subjectAltNames} = \@names;
    }
    # as the reference (Net::SSLeay's P_X509_get_ocsp_uri in list context):
    # a certificate without OCSP responder gives [undef]
    $h->{ocsp_uri} = [undef] if !@{ $h->{ocsp_uri} || [] };
    return $h;
}

# ---- CERT_create ------------------------------------------------------------

# What each purpose turns on: [ keyUsage, extKeyUsage, nsCertType, CA ]
my %PURPOSE;
{
    my @sig_enc = qw(digitalSignature keyEncipherment);
    my @ca = qw(digitalSignature keyCertSign);
    %PURPOSE = (
        client          => [ \@sig_enc, ['clientAuth'], ['client'] ],
        server          => [ \@sig_enc, ['serverAuth'], ['server'] ],
        email           => [ \@sig_enc, ['emailProtection'], ['email'] ],
        objsign         => [ \@sig_enc, ['codeSigning'], ['objsign'] ],
        ca              => [ \@ca, [], [], 1 ],
        sslca           => [ \@ca, [], ['sslCA'], 1 ],
        emailca         => [ \@ca, [], ['emailCA'], 1 ],
        objca           => [ \@ca, [], ['objCA'], 1 ],
        emailprotection => [ \@sig_enc, ['emailProtection'], ['email'] ],
        codesigning     => [ \@sig_enc, ['codeSigning'], ['objsign'] ],
        timestamping    => [ [], ['timeStamping'], [] ],
        clientauth      => [ [], ['clientAuth'], [] ],
        serverauth      => [ [], ['serverAuth'], [] ],
        map { lc($_) => [ [$_], [], [] ] } qw(digitalSignature nonRepudiation
            keyEncipherment dataEncipherment keyAgreement keyCertSign cRLSign
            encipherOnly decipherOnly),
    );
}

# subjectAltNames types as CERT_asHash names them -> openssl.cnf syntax
# What made the last CERT_create fail, as codes for callers that recover
# (IO::Socket::SSL::Intercept leaves out an extension OpenSSL cannot parse
# back): (_ERR_EXTENSION, $nid) when an extension could not be added.
use constant _ERR_EXTENSION => 1;
our @_CREATE_ERROR;

sub _add_ext {
    my ($cert, $issuer_cert, $nid, $value) = @_;
    return if eval { IO::Socket::SSL::_Lib::x509_add_ext($cert, $issuer_cert, $nid, $value); 1 };
    @_CREATE_ERROR = (_ERR_EXTENSION, $nid);
    die $@;
}

our %SAN_CONF = (DNS => 'DNS', IP => 'IP', EMAIL => 'email', URI => 'URI', RID => 'RID');

# purpose as string ("sslCA,+server,-client"), array or hash -> { lc name => on? }
sub _purposes {
    my $p = shift;
    my %on;
    if (!ref $p) {
        $on{lc $2} = ($1 ne '-') while $p =~ m{([+-]?)(\w+)}g;
    } elsif (ref $p eq 'ARRAY') {
        for (@$p) {
            m{^([+-]?)(\w+)$} or die "invalid entry in purpose: $_\n";
            $on{lc $2} = ($1 ne '-');
        }
    } elsif (ref $p eq 'HASH') {
        $on{lc $_} = ($p->{$_} && $p->{$_} ne '-') ? 1 : 0 for keys %$p;
    } else {
        die "purpose must be a string, an array or a hash\n";
    }
    return \%on;
}

sub CERT_create {
    my %args = @_ % 2 ? %{ shift() } : @_;
    @_CREATE_ERROR = ();
    my $digest = delete $args{digest} || 'sha256';
    my $subject = delete $args{subject}
        || { organizationName => 'IO::Socket::SSL', commonName => 'IO::Socket::SSL Test' };
    my $is = delete $args{issuer};
    my $own_key = !$args{key};
    my $key = delete $args{key} || KEY_create_rsa();
    my $cert = IO::Socket::SSL::_Lib::x509_new();
    my $ok = eval {
        my $serial = delete $args{serial};
        $serial = int(rand(2**32)) if !$serial;
        if ($serial !~ /^\d+\z/) {          # a Perl number: 1.5, 1e20
            die "invalid serial number '$serial'\n"
                if !Scalar::Util::looks_like_number($serial) || $serial < 1 || $serial >= 1e48;
            $serial = sprintf '%.0f', int $serial;
        }
        IO::Socket::SSL::_Lib::x509_set_serial($cert, "$serial");
        IO::Socket::SSL::_Lib::x509_set_version($cert, delete $args{version} || 2);
        my $now = time;
        IO::Socket::SSL::_Lib::x509_set_validity($cert,
            delete $args{not_before} || $now, delete $args{not_after} || $now + 365 * 86400);
        for my $field (sort keys %$subject) {
            my $v = $subject->{$field};
            IO::Socket::SSL::_Lib::x509_subject_add($cert, $field, $_) for ref $v ? @$v : $v;
        }
        IO::Socket::SSL::_Lib::x509_set_pubkey($cert, $key);

        my $issuer_cert = delete $args{issuer_cert} || ($is && $is->[0]) || $cert;
        my $issuer_key = delete $args{issuer_key} || ($is && $is->[1]) || $key;

        my $purpose = _purposes(delete($args{purpose}) || '');
        if (delete $args{CA}) {
            exists $purpose->{$_} or $purpose->{$_} = 1 for qw(ca sslca emailca objca);
        }
        %$purpose = (server => 1, client => 1) if !%$purpose;
        my (%ku, %eku, %ns, $ca, @off);
        for my $name (sort keys %$purpose) {
            my $what = $PURPOSE{$name} or die "unknown purpose $name\n";
            if (!$purpose->{$name}) { push @off, $what; next }
            $ku{$_} = 1 for @{ $what->[0] };
            $eku{$_} = 1 for @{ $what->[1] };
            $ns{$_} = 1 for @{ $what->[2] };
            $ca = 1 if $what->[3];
        }
        for my $what (@off) {        # '-purpose' takes away what it would give
            delete $ku{$_} for @{ $what->[0] };
            delete $eku{$_} for @{ $what->[1] };
            delete $ns{$_} for @{ $what->[2] };
            $ca = 0 if $what->[3];
        }

        my @ext = (
            [ subjectKeyIdentifier => 'hash' ],
            # self-signed: OpenSSL 3 would leave 'keyid' empty; the key
            # identifier just added is the authority's
            [ authorityKeyIdentifier => $issuer_cert == $cert ? 'keyid:always' : 'keyid' ],
        );
        if (my $alt = delete $args{subjectAltNames}) {
            push @ext, [ subjectAltName => join ',', map {
                my $type = $SAN_CONF{uc $_->[0]}
                    or die "unsupported type $_->[0] in subjectAltNames\n";
                "$type:$_->[1]";
            } @$alt ];
        }
        push @ext, [ basicConstraints => $ca ? 'critical,CA:TRUE' : 'critical,CA:FALSE' ];
        push @ext, [ keyUsage => join ',', 'critical', sort keys %ku ] if %ku;
        push @ext, [ nsCertType => join ',', sort keys %ns ] if %ns;
        push @ext, [ extendedKeyUsage => join ',', sort keys %eku ] if %eku;
        my %have;
        for (@ext) {
            my $nid = IO::Socket::SSL::_Lib::obj_nid($_->[0]);
            $have{$nid} = 1;
            _add_ext($cert, $issuer_cert, $nid, $_->[1]);
        }
        for my $e (@{ delete($args{ext}) || [] }) {
            my $nid = $e->{nid} || ($e->{sn} && IO::Socket::SSL::_Lib::obj_nid($e->{sn}))
                or die "cannot determine NID of extension\n";
            next if $have{$nid};
            my $crit = $e->{critical} ? 'critical,' : '';
            my $value = $e->{data} // '';
            if ($nid == IO::Socket::SSL::_Lib::obj_nid('authorityInfoAccess')) {
                # CERT_asHash shows "OCSP - URI:..." per line; the config
                # syntax is "OCSP;URI:...,caIssuers;URI:..." in one extension
                $value = join ',', map { s/ - /;/r } split /\n/, $value;
            }
            _add_ext($cert, $issuer_cert, $nid, $crit . $value);
        }
        # as the reference: after everything known was taken
        die "unknown arguments: " . join(" ", sort keys %args)
            if !delete $args{ignore_invalid_args} && %args;
        IO::Socket::SSL::_Lib::x509_sign($cert, $issuer_cert, $issuer_key, $digest);
        1;
    };
    if (!$ok) {
        my $err = $@;
        IO::Socket::SSL::_Lib::cert_free($cert);
        KEY_free($key) if $own_key;
        die $err;
    }
    return ($cert, $key);
}

sub PEM_file2key {
    my $file = shift;
    _readable($file);
    my $key = IO::Socket::SSL::_Lib::pem_file2key($file)
        or _croak("cannot parse $file as PEM private key: " . _ossl_reason('private key'));
    return $key;
}

sub PEM_string2key {
    my $key = IO::Socket::SSL::_Lib::pem_string2key(shift)
        or _croak("cannot parse string as PEM private key: " . _ossl_reason('private key'));
    return $key;
}

sub PEM_key2string { IO::Socket::SSL::_Lib::pem_key2string(shift) }

sub PEM_key2file {
    my ($key, $file) = @_;
    _write_pem($file, PEM_key2string($key) // _croak("cannot get string from key"));
}

sub KEY_free { IO::Socket::SSL::_Lib::key_free($_) for @_ }

1;
