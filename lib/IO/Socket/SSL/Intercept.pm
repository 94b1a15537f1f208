package IO::Socket::SSL::Intercept;
# Certificates for a TLS interception proxy: each server certificate is
# cloned (subject, names, validity, most extensions) and signed by the
# proxy's own CA, with a cache so each server is cloned once.
use strict;
use warnings;
use Carp 'croak';
use IO::Socket::SSL::Utils;

our $VERSION = '2.099';

# extensions that describe the original issuer, not the clone
# (and SCTs, signed for the original; the must-staple feature, which the
# proxy cannot honour)
my $NOT_CLONED = qr/^(?:authorityInfoAccess|subjectKeyIdentifier|authorityKeyIdentifier
    |certificatePolicies|crlDistributionPoints|ct_precert_scts|tlsfeature)$/x;

# handles belong to the process and thread that made them: a copy of the
# object in a new ithread or a forked child must not free them
sub _owner { return "$$:" . ($INC{'threads.pm'} ? threads->tid : 0) }

sub new {
    my ($class, %args) = @_;
    my %own;    # handles this object loaded or made, and so frees
    my $fail = sub { _free_own(\%own); croak @_ };
    my $cert_or_file = sub {
        my ($handle, $file, $load, $kind) = @_;
        return $handle if $handle;
        return undef if !$file;
        my $h = $load->($file);
        $own{$h} = $kind;
        return $h;
    };
    my $cacert = $cert_or_file->(delete $args{proxy_cert}, delete $args{proxy_cert_file},
        \&PEM_file2cert, 'cert') or $fail->("no proxy_cert or proxy_cert_file given");
    my $cakey = $cert_or_file->(delete $args{proxy_key}, delete $args{proxy_key_file},
        \&PEM_file2key, 'key') or $fail->("no proxy_key or proxy_key_file given");
    # the key of the clones: cert_key (what the reference reads) or pubkey
    # (what it documents), else one new key for this interceptor
    my $certkey = $cert_or_file->(delete $args{cert_key}, delete $args{cert_key_file},
        \&PEM_file2key, 'key')
        || $cert_or_file->(delete $args{pubkey}, delete $args{pubkey_file}, \&PEM_file2key, 'key');
    if (!$certkey) {
        $certkey = KEY_create_rsa(2048);
        $own{$certkey} = 'key';
    }

    my $cache = delete $args{cache} || {};
    if (ref $cache eq 'CODE') {
        my $type = $cache->('type');
        if (!$type) {
            # the old interface: get with ->(ident), set with ->(ident, cert, key)
            my $old = $cache;
            $cache = sub {
                my ($ident, $create) = @_;
                my @ck = $old->($ident);
                $old->($ident, @ck = $create->()) if !@ck;
                return @ck;
            };
        } elsif ($type != 1) {
            $fail->("invalid type of cache: $type");
        }
    } elsif (ref $cache ne 'HASH') {
        $fail->("cache must be a hash or a code reference");
    }

    return bless {
        cacert  => $cacert,
        cakey   => $cakey,
        certkey => $certkey,
        cache   => $cache,
        serial  => delete $args{serial},
        own     => \%own,
        owner   => _owner(),
    }, ref($class) || $class;
}

sub clone_cert {
    my ($self, $old_cert, $ident) = @_;
    croak "no certificate to clone" if !$old_cert;
    my $hash = CERT_asHash($old_cert);
    my $create = sub {
        my %h = %$hash;
        $h{ext} = [ grep { defined $_->{sn} && $_->{sn} !~ $NOT_CLONED
            # the names go in through subjectAltNames below
            && $_->{sn} ne 'subjectAltName' } @{ $h{ext} || [] } ];
        # names OpenSSL's config syntax cannot express are not cloned
        $h{subjectAltNames} = [ grep { $IO::Socket::SSL::Utils::SAN_CONF{$_->[0]} }
            @{ $h{subjectAltNames} } ] if $h{subjectAltNames};
        my $serial = $self->{serial};
        $serial = !defined $serial ? (unpack 'L', $hash->{x509_digest_sha256})[0]
            : ref $serial eq 'CODE' ? $serial->($old_cert, $hash)
            : ++$self->{serial};
        delete @h{qw(issuer purpose CA key)};
        # an extension whose printed form OpenSSL cannot parse back is left
        # out (the reference ignored such failures too)
        for (0 .. @{ $h{ext} }) {
            my @ck = eval { CERT_create(%h, ignore_invalid_args => 1,
                issuer_cert => $self->{cacert},
                issuer_key  => $self->{cakey},
                key         => $self->{certkey},
                serial      => $serial,
            ) };
            return @ck if @ck;
            my $err = $@;
            my ($code, $nid) = @IO::Socket::SSL::Utils::_CREATE_ERROR;
            die $err if !$code || $code != IO::Socket::SSL::Utils::_ERR_EXTENSION;
            my $n = @{ $h{ext} };
            $h{ext} = [ grep { ($_->{nid} // 0) != $nid } @{ $h{ext} } ];
            die $err if @{ $h{ext} } == $n;
        }
        croak "cannot clone the certificate";
    };
    $ident //= substr(unpack('H*', $hash->{x509_digest_sha256}), 0, 32);
    my $cache = $self->{cache};
    return $cache->($ident, $create) if ref $cache eq 'CODE';
    my $e = $cache->{$ident} ||= do {
        my ($cert, $key) = $create->();
        { cert => $cert, key => $key };
    };
    $e->{atime} = time;
    return ($e->{cert}, $e->{key});
}

# As the reference: the certificates in a hash cache are freed with the
# interceptor (an entry taken out of the cache is the caller's to free);
# of the rest, what this object loaded or made.
sub DESTROY {
    my $self = shift;
    return if ($self->{owner} // '') ne _owner();
    my $own = delete $self->{own} or return;
    my %freed;
    if (ref $self->{cache} eq 'HASH') {
        for my $e (values %{ $self->{cache} }) {
            CERT_free($e->{cert}) if $e->{cert} && !$freed{ $e->{cert} }++;
        }
    }
    delete @$own{ keys %freed };
    _free_own($own);
}

# frees { handle => 'cert' | 'key' }
sub _free_own {
    my $own = shift;
    $own->{$_} eq 'key' ? KEY_free($_) : CERT_free($_) for keys %$own;
}

# ---- keeping an interceptor across restarts ----

sub STORABLE_freeze { my $self = shift; return $self->serialize }
sub STORABLE_thaw {
    my ($self, undef, $data) = @_;
    my $new = ref($self)->unserialize($data);
    %$self = %$new;
    %$new = ();         # its handles are $self's now
    return;
}

sub serialize {
    my $self = shift;
    my $serial = $self->{serial};
    my $data = pack 'N', 2;
    $data .= pack 'N/a*', $_ for PEM_cert2string($self->{cacert}),
        PEM_key2string($self->{cakey}), PEM_key2string($self->{certkey});
    # a code serial cannot be stored: the clones go back to digest serials
    $data .= pack 'N', defined $serial && !ref $serial ? $serial : 0;
    if (ref $self->{cache} eq 'HASH') {
        for my $ident (sort keys %{ $self->{cache} }) {
            my $e = $self->{cache}{$ident};
            my $key = !$e->{key} || $e->{key} == $self->{certkey} ? '' : PEM_key2string($e->{key});
            $data .= pack 'N/a*N/a*N/a*N', $ident, PEM_cert2string($e->{cert}), $key, $e->{atime} || 0;
        }
    }
    return $data;
}

sub unserialize {
    my ($class, $data) = @_;
    croak "serialized with wrong version"
        if length($data) < 4 || unpack('N', substr($data, 0, 4, '')) != 2;
    my ($cacert, $cakey, $certkey, $serial, $rest) = unpack 'N/a*N/a*N/a*Na*', $data;
    croak "serialized data is truncated" if !defined $serial;
    my $self = bless { serial => $serial || undef, cache => {}, own => {}, owner => _owner() },
        ref($class) || $class;
    # each handle is the object's as soon as it exists: a croak frees it
    $self->{own}{ $self->{cacert} = PEM_string2cert($cacert) } = 'cert';
    $self->{own}{ $self->{cakey} = PEM_string2key($cakey) } = 'key';
    $self->{own}{ $self->{certkey} = PEM_string2key($certkey) } = 'key';
    while (length $rest) {
        my ($ident, $cert, $key, $atime);
        ($ident, $cert, $key, $atime, $rest) = unpack 'N/a*N/a*N/a*Na*', $rest;
        croak "serialized data is truncated" if !defined $atime;
        croak "serialized data has two entries for $ident" if $self->{cache}{$ident};
        my $e = $self->{cache}{$ident} = { cert => PEM_string2cert($cert), atime => $atime };
        $e->{key} = length $key ? PEM_string2key($key) : $self->{certkey};
        $self->{own}{ $e->{key} } = 'key' if length $key;
    }
    return $self;
}

1;

__END__

=head1 NAME

IO::Socket::SSL::Intercept - certificates for intercepting TLS (man in the middle)

=head1 SYNOPSIS

    use IO::Socket::SSL::Intercept;
    my $mitm = IO::Socket::SSL::Intercept->new(
        proxy_cert_file => 'proxy_cert.pem',
        proxy_key_file  => 'proxy_key.pem',
    );
    # after connecting to the real server as $server, and accepting the
    # client's TCP connection as $client:
    my ($cert, $key) = $mitm->clone_cert($server->peer_certificate);
    IO::Socket::SSL->start_SSL($client,
        SSL_server => 1, SSL_cert => $cert, SSL_key => $key,
    ) or die "upgrade failed: $SSL_ERROR";

=head1 DESCRIPTION

An interception proxy talks TLS to the client with a copy of the real
server's certificate, signed by a CA of its own that the client has been
told to trust. This module makes those copies and keeps them in a cache.
A client that does not trust the proxy's CA notices the interception.

=head1 METHODS

=over 4

=item new(%args)

C<proxy_cert> (an X509* handle) or C<proxy_cert_file> (PEM) and
C<proxy_key> or C<proxy_key_file> are the proxy CA's certificate and key
(required; a key file must not be encrypted).

C<cert_key> / C<cert_key_file> (also accepted as C<pubkey> / C<pubkey_file>)
is the key all clones get; without it a new RSA-2048 key is made once per
interceptor.

C<serial>: a number to count the clones' serial numbers up from, or
C<sub { my ($original_cert, $hash) = @_; ... }> returning one; by default
the serial comes from the original certificate's SHA-256 digest.

C<cache>: a hash (the default is an internal one) that gets
C<< ident => { cert => ..., key => ..., atime => ... } >> for each clone, or a
code reference called as C<< $cache->($ident, $create) >> that returns a cached
C<(cert, key)> or calls C<< $create->() >> to make them. C<< $cache->('type') >>
must return 1; a cache that returns nothing there is called the old way:
C<< $cache->($ident) >> to look up and C<< $cache->($ident, $cert, $key) >> to store.

=item clone_cert($original_cert, [$ident])

Returns C<($cert, $key)>: the clone and its key. C<$ident> is the cache key;
by default the first 32 hex digits of the original's SHA-256 digest. The clone
keeps the original's subject, validity, version and extensions except those
that describe its issuer (authorityInfoAccess, the key identifiers,
certificatePolicies, crlDistributionPoints), its SCTs, the must-staple
feature, and extensions whose printed form OpenSSL cannot read back;
subjectAltNames of types other than DNS, IP, email, URI and RID are left out.

=item serialize / unserialize($string)

=item STORABLE_freeze / STORABLE_thaw

Turns the interceptor, with a hash cache, into a string and back;
C<STORABLE_freeze> and C<STORABLE_thaw> do the same for L<Storable>. A code
C<serial> is not stored: the restored interceptor uses digest serials.

=back

When the interceptor goes away it frees the certificates in its hash cache
(as the reference does; an entry taken out of the cache is the caller's to
free) and what it loaded or made itself: certificates and keys from files, a
generated key, unserialized ones. Handles passed in stay the caller's. A copy
of the interceptor in another ithread or a forked child frees nothing.

=head1 SEE ALSO

L<IO::Socket::SSL::Utils>, L<IO::Socket::SSL>

=cut
