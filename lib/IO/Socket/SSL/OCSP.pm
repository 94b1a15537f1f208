package IO::Socket::SSL::OCSP;
# OCSP on the Perl side: the response cache and the resolver that asks the
# responders (IO::Socket::SSL::OCSP_Cache, IO::Socket::SSL::OCSP_Resolver),
# and a helper that fetches a response for a server to staple. Requests,
# signatures, certificate ids and times are checked in C (c_src/ocsp.c).
use strict;
use warnings;

# the status values of RFC 6960 CertStatus (V_OCSP_CERTSTATUS_*)
use constant { STATUS_GOOD => 0, STATUS_REVOKED => 1, STATUS_UNKNOWN => 2 };
# response-level results of IO::Socket::SSL::_OCSPTrust::check
use constant { R_OK => 0, R_INVALID => -1, R_STATUS => -2, R_VERIFY => -3, R_NONCE => -4 };

# POSTs a DER request; the body of a successful answer, else undef and why.
sub _post {
    my ($uri, $req, %args) = @_;
    eval { require HTTP::Tiny } or die "need HTTP::Tiny installed";
    # OCSP responses carry their own signature: no TLS verification needed
    my $ua = HTTP::Tiny->new(verify_SSL => 0, %args);
    my $resp = $ua->request('POST', $uri, {
        headers => { 'Content-type' => 'application/ocsp-request' },
        content => $req,
    });
    return ($resp, $resp->{success} && length($resp->{content} // '') ? $resp->{content} : undef);
}

package IO::Socket::SSL::OCSP_Cache;
# An LRU of results by DER certificate id. An entry is the status hash of a
# response (statusType, thisUpdate, nextUpdate, revocation...) and may carry
# soft_error, hard_error and expire. The meta data lives under the key ''.

{
    no warnings 'redefine';    # replaces the loader stub of IO::Socket::SSL
    *new = \&_new;
}

sub _new {
    my ($class, $size) = @_;
    return bless { '' => { _lru => 0, size => $size || 100 } }, $class;
}

# 2.099 compares the times the wrong way round and so drops every fresh entry
# and keeps stale ones; an entry is used here until its expire time or its
# nextUpdate, as its documentation says.
sub get {
    my ($self, $id) = @_;
    return if !defined $id || $id eq '';
    my $e = $self->{$id} or return;
    my $now = time();
    if (($e->{expire} && $e->{expire} <= $now)
        || ($e->{nextUpdate} && $e->{nextUpdate} <= $now)) {
        delete $self->{$id};
        return;
    }
    $e->{_lru} = $self->{''}{_lru}++;
    return $e;
}

sub put {
    my ($self, $id, $e) = @_;
    return if !defined $id || $id eq '';
    $self->{$id} = $e;
    $e->{_lru} = $self->{''}{_lru}++;
    my @k = grep { $_ ne '' } keys %$self;
    my $del = @k - $self->{''}{size};
    if ($del > 0) {
        @k = sort { $self->{$a}{_lru} <=> $self->{$b}{_lru} } @k;
        delete @{$self}{ splice(@k, 0, $del) };
    }
    return $e;
}

package IO::Socket::SSL::OCSP_Resolver;
*DEBUG = \&IO::Socket::SSL::DEBUG;
# $IO::Socket::SSL::DEBUG is read where it is (not aliased): a caller's
# `local $IO::Socket::SSL::DEBUG` must reach us

{
    no warnings 'redefine';    # replace the loader stubs of IO::Socket::SSL
    *new = \&_new;
    *fetch_response = \&_fetch_response;
}

sub _subject { IO::Socket::SSL::_Lib::x509_name($_[0], 0) }

# new($trust, $cache, $failhard, \@certs): $trust (IO::Socket::SSL::_OCSPTrust)
# finds issuers and checks signatures; the requests are made at once, so the
# resolver outlives the connection it came from.
sub _new {
    my ($class, $trust, $cache, $failhard, $certs) = @_;
    my (%todo, $hard_error, @soft_error);
    for my $cert (@$certs) {
        next if !$cert;
        my $subj = _subject($cert);
        my $uri = IO::Socket::SSL::_Lib::ocsp_uri($cert) or do {
            $IO::Socket::SSL::DEBUG > 2 && DEBUG("no URI for certificate $subj");
            push @soft_error, "no ocsp_uri for $subj";
            next;
        };
        my ($certid, $why) = $trust->certid($cert);
        if (!$certid) {
            $IO::Socket::SSL::DEBUG > 2 && DEBUG("no OCSP_CERTID for certificate $subj: $why");
            push @soft_error, "no certid for $subj: $why";
            next;
        }
        my $done = $cache->get($certid);
        if (!$done) {
            push @{ $todo{$uri}{ids} }, $certid;
            push @{ $todo{$uri}{subj} }, $subj;
        } elsif ($done->{hard_error}) {
            # one revocation is enough to fail
            $hard_error = $done->{hard_error};
            %todo = ();
            last;
        } elsif ($done->{soft_error}) {
            push @soft_error, $done->{soft_error};
        }
    }
    # one request per responder for all of its certificates
    $_->{req} = IO::Socket::SSL::_Lib::ocsp_request($_->{ids}) for values %todo;
    $hard_error ||= '' if !%todo;
    return bless {
        trust      => $trust,
        cache      => $cache,
        failhard   => $failhard,
        hard_error => $hard_error,
        soft_error => @soft_error ? join('; ', @soft_error) : undef,
        todo       => \%todo,
    }, $class;
}

sub hard_error { return shift->{hard_error} }
sub soft_error { return shift->{soft_error} }

# uri => DER request, for the requests still open
sub requests {
    my $todo = shift()->{todo};
    return map { ($_, $todo->{$_}{req}) } keys %$todo;
}

sub add_response {
    my ($self, $uri, $resp_d) = @_;
    my $todo = delete $self->{todo}{$uri};
    return $self->{hard_error} if !$todo || (defined $self->{hard_error} && $self->{hard_error} ne '');
    my $subj = join('; ', @{ $todo->{subj} });
    my $cache = $self->{cache};
    my (@soft_error, @hard_error);
    my $soft = sub {
        my ($msg, $ttl) = @_;
        @soft_error = ($msg);
        # hopefully a short-lived problem: ask again after a while
        $cache->put($_, { soft_error => $msg, expire => time() + $ttl }) for @{ $todo->{ids} };
    };

    if (!defined $resp_d || $resp_d eq '') {
        @soft_error = "http request for OCSP failed; subject: $subj";
    } else {
        my ($rc, $err, @result) = $self->{trust}->check($resp_d, $todo->{req}, $todo->{ids});
        if ($rc == IO::Socket::SSL::OCSP::R_INVALID) {
            $soft->("invalid response (no OCSP_RESPONSE); subject: $subj", 10);
        } elsif ($rc == IO::Socket::SSL::OCSP::R_STATUS) {
            $soft->("$err; subject: $subj", 10);
        } elsif ($rc != IO::Socket::SSL::OCSP::R_OK) {
            # configuration problem, or a signer we do not know
            $soft->(($err || 'failed to verify OCSP response') . "; subject: $subj", 120);
        } else {
            my (@found, @miss);
            for my $rv (@result) {
                my ($id, $st, $error) = @$rv;
                if (!$st) {
                    push @miss, $id;
                    next;
                }
                push @found, $id;
                if (!$error) {
                    $cache->put($id, $st);
                } elsif ($st->{statusType} == IO::Socket::SSL::OCSP::STATUS_REVOKED
                    || ($st->{statusType} == IO::Socket::SSL::OCSP::STATUS_UNKNOWN
                        && $error =~ /unknown/)) {
                    $error .= " (reason: $st->{revocationReason_str})"
                        if defined $st->{revocationReason_str} && $st->{revocationReason_str} ne '';
                    my $msg = "$error; subject: $subj";
                    $cache->put($id, { %$st, hard_error => $msg });
                    push @hard_error, $msg;
                } else {
                    # e.g. an answer past its nextUpdate
                    my $msg = "$error; subject: $subj";
                    push @soft_error, $msg;
                    $cache->put($id, { %$st, soft_error => $msg, expire => time() + 120 });
                }
            }
            if (@miss && @found) {
                # the responder answered only part: ask again for the rest
                $self->{todo}{$uri} = $todo;
                $todo->{ids} = \@miss;
                $todo->{req} = IO::Socket::SSL::_Lib::ocsp_request(\@miss);
                $IO::Socket::SSL::DEBUG >= 2 && DEBUG("$uri just answered " . @found . " of " . (@found + @miss)
                    . " requests");
            } elsif (@miss) {
                $soft->("cannot find entry for certificate in OCSP response; subject: $subj", 120);
            }
        }
    }

    if ($self->{failhard}) {
        push @hard_error, @soft_error;
        @soft_error = ();
    }
    if (@soft_error) {
        $self->{soft_error} .= '; ' if $self->{soft_error};
        $self->{soft_error} .= "$uri: " . join('; ', @soft_error);
    }
    if (@hard_error) {
        $self->{hard_error} = "$uri: " . join('; ', @hard_error);
        %{ $self->{todo} } = ();
    } elsif (!%{ $self->{todo} }) {
        $self->{hard_error} = '';
    }
    return $self->{hard_error};
}

sub resolve_blocking {
    my ($self, %args) = @_;
    while (my %todo = $self->requests) {
        while (my ($uri, $reqdata) = each %todo) {
            $IO::Socket::SSL::DEBUG && DEBUG("sending OCSP request to $uri");
            my ($resp, $body) = IO::Socket::SSL::OCSP::_post($uri, $reqdata, %args);
            $IO::Socket::SSL::DEBUG && DEBUG("got  OCSP response from $uri code=$resp->{status}");
            defined($self->add_response($uri, $body)) && last;
        }
    }
    $IO::Socket::SSL::DEBUG >= 2 && DEBUG("no more open OCSP requests");
    return $self->{hard_error};
}

# For servers that staple: a fresh, checked response for a certificate from
# the responder its AIA names.
#   my ($der, $status) = IO::Socket::SSL::OCSP_Resolver->fetch_response(
#       cert_file => $leaf_and_chain_pem, issuer_file => $ca_pem, ca_file => ...,
#       http => { timeout => 10 });
# Returns the DER response (and its status hash) or nothing, with the reason
# in $IO::Socket::SSL::SSL_ERROR.
sub _fetch_response {
    my ($class, %args) = @_;
    my (@free, @chain, $issuer);
    my $fail = sub {
        IO::Socket::SSL::_Lib::cert_free($_) for @free;
        IO::Socket::SSL->_internal_error("OCSP fetch failed: $_[0]", 5);
        return;
    };
    if (my $f = $args{cert_file}) {
        push @free, @chain = IO::Socket::SSL::_Lib::pem_file2certs($f);
        return $fail->("no certificate in $f") if !@chain;
    } elsif ($args{cert}) {
        @chain = ref($args{cert}) ? @{ $args{cert} } : $args{cert};
    } else {
        return $fail->("cert_file or cert is required");
    }
    if (my $f = $args{issuer_file}) {
        my @i = IO::Socket::SSL::_Lib::pem_file2certs($f);
        push @free, @i;
        $issuer = $i[0] or return $fail->("no certificate in $f");
    } else {
        $issuer = $args{issuer} || $chain[1]
            or return $fail->("the issuer is needed (issuer_file, issuer, or the chain in cert_file)");
    }
    my $leaf = $chain[0];
    my $trust = IO::Socket::SSL::_OCSPTrust->new;
    # the issuer signs its own answers or certifies the responder that does
    $trust->add($issuer, 1) or return $fail->("cannot use the issuer certificate");
    $trust->add($_, 0) for @chain[1 .. $#chain];
    if (my $f = $args{ca_file}) {
        $trust->load_file($f) or return $fail->("cannot load $f");
    }
    my $uri = $args{uri} || IO::Socket::SSL::_Lib::ocsp_uri($leaf)
        or return $fail->("no ocsp_uri for " . _subject($leaf));
    my ($id, $why) = $trust->certid($leaf);
    $id or return $fail->("no certid: $why");
    my $req = IO::Socket::SSL::_Lib::ocsp_request([$id]);
    my ($resp, $body) = IO::Socket::SSL::OCSP::_post($uri, $req, %{ $args{http} || {} });
    defined $body or return $fail->("http request for OCSP to $uri failed: $resp->{status} $resp->{reason}");
    my ($rc, $err, $res) = $trust->check($body, $req, [$id]);
    return $fail->("$uri: $err") if $rc != IO::Socket::SSL::OCSP::R_OK;
    my (undef, $st, $error) = @$res;
    return $fail->("$uri: $error") if !$st;
    # a revocation is stapled as it is: the clients must learn of it
    return $fail->("$uri: $error") if $error && $st->{statusType} != IO::Socket::SSL::OCSP::STATUS_REVOKED;
    IO::Socket::SSL::_Lib::cert_free($_) for @free;
    return wantarray ? ($body, $st) : $body;
}

1;

__END__

=head1 NAME

IO::Socket::SSL::OCSP - OCSP cache and resolver behind IO::Socket::SSL

=head1 DESCRIPTION

Loaded by L<IO::Socket::SSL> when OCSP is first used; see
L<IO::Socket::SSL/"SSL_ocsp_mode"> and the sections on
C<IO::Socket::SSL::OCSP_Cache> and C<IO::Socket::SSL::OCSP_Resolver> there.
The checks of a response (status, signature, nonce, certificate ids, times)
are made in C.

=head1 IO::Socket::SSL::OCSP_Cache

=over 4

=item new([$size])

A cache of at most C<$size> results (100 by default), least recently used
dropped first.

=item get($certid)

The cached result for a DER certificate id, while it is fresh (until its
C<expire> time or its C<nextUpdate>); undef otherwise.

=item put($certid, \%entry)

Stores a result.

=back

=head1 IO::Socket::SSL::OCSP_Resolver

Made by C<< $sock->ocsp_resolver >>.

=over 4

=item requests

=item add_response($uri, $der)

=item hard_error

=item soft_error

=item resolve_blocking(%http_tiny_args)

=item fetch_response(%args)

As described in L<IO::Socket::SSL/"IO::Socket::SSL::OCSP_Resolver">.

=back

=cut
