package IO::Socket::SSL::Session_Cache;
# Client session cache: an LRU of SSL_SESSION handles (integers) that keeps
# several sessions per key (host:port by default), because a TLS 1.3 ticket
# may be used only once. The cache owns one reference on each session.
#
# The data layout is the reference's, because programs and tests look into
# it: {room} is the free space, {ghead} the newest entry of one cyclic list of
# all entries, {shead}{$key} the newest entry of the cyclic list of the
# entries for $key. An entry is an array: [session, key, next and previous in
# the global list, next and previous in the key's list]; "next" goes from
# newer to older, so the head's previous is the oldest.
use strict;
use warnings;
use Scalar::Util ();

use constant {
    SESSION => 0, KEY => 1, GNEXT => 2, GPREV => 3, SNEXT => 4, SPREV => 5,
};

# A new ithread gets its own copy of each cache (perl clones it with the
# context that holds it), and its own reference on every session in it
# (OpenSSL counts them atomically): each thread frees what it holds, and a
# context shared by threads resumes sessions cached before the thread began.
my %LIVE;    # refaddr => the cache (weak): the caches of this interpreter

sub CLONE {
    %LIVE = map { Scalar::Util::refaddr($_) => $_ } grep { defined } values %LIVE;
    for my $cache (values %LIVE) {
        Scalar::Util::weaken($LIVE{ Scalar::Util::refaddr($cache) });
        my $e = $cache->{ghead} or next;
        for (my $x = $e; $x; ) {
            IO::Socket::SSL::_Lib::session_up_ref($x->[SESSION]) if $x->[SESSION];
            $x = $x->[GNEXT];
            last if $x == $e;
        }
    }
}

{
    # replaces the loader stub of IO::Socket::SSL
    no warnings 'redefine';
    *new = \&_new;
}

sub _debug { $IO::Socket::SSL::DEBUG >= 3 and IO::Socket::SSL::DEBUG(@_) }

sub _new {
    my ($class, $size) = @_;
    $size > 0 or return;
    my $self = bless { room => $size, ghead => undef, shead => {} }, $class;
    Scalar::Util::weaken($LIVE{ Scalar::Util::refaddr($self) } = $self);
    return $self;
}

# Links $e in front of the list whose head $$head is (or starts the list).
sub _push_front {
    my ($e, $next, $prev, $head) = @_;
    if (my $h = $$head) {
        my $oldest = $h->[$prev];
        $e->[$next] = $h;
        $e->[$prev] = $oldest;
        $oldest->[$next] = $e;
        $h->[$prev] = $e;
    } else {
        $e->[$next] = $e->[$prev] = $e;
    }
    $$head = $e;
}

# Takes $e out of one list; the head moves on, an emptied key list goes.
sub _unlink {
    my ($self, $e, $next, $prev, $head) = @_;
    $$head or return;
    if ($e->[$next] == $e) {
        if ($next == SNEXT) { delete $self->{shead}{ $e->[KEY] } } else { $$head = undef }
        return;
    }
    $e->[$prev][$next] = $e->[$next];
    $e->[$next][$prev] = $e->[$prev];
    $$head = $e->[$next] if $$head == $e;
}

sub _remove {
    my ($self, $e) = @_;
    # (the two lists written out: a TLS 1.3 client drops its used ticket
    # in every resumed connection)
    $self->_unlink($e, SNEXT, SPREV, \$self->{shead}{ $e->[KEY] });
    $self->_unlink($e, GNEXT, GPREV, \$self->{ghead});
    $self->{room}++;
    IO::Socket::SSL::_Lib::session_free($e->[SESSION]) if $e->[SESSION];
    @$e = ();    # no cycles left behind
}

sub add_session {
    my ($self, $key, $session) = @_;
    $IO::Socket::SSL::DEBUG >= 3 && _debug("add_session($key,$session)");
    my $e = [ $session, $key ];
    # (the two lists written out: this runs for every new session)
    _push_front($e, SNEXT, SPREV, \$self->{shead}{$key});
    _push_front($e, GNEXT, GPREV, \$self->{ghead});
    # the oldest goes when the cache is full
    $self->_remove($self->{ghead}[GPREV]) if --$self->{room} < 0;
    return 1;
}

sub replace_session {
    my ($self, $key, $session) = @_;
    $self->del_session($key);
    return $self->add_session($key, $session);
}

# The newest session for $key (or that very $session, if given); it becomes
# the most recently used entry, the last to be dropped.
sub get_session {
    my ($self, $key, $session) = @_;
    my $e = $self->{shead}{$key};
    if ($e && $session) {
        my $first = $e;
        until ($e->[SESSION] == $session) {
            $e = $e->[SNEXT];
            if ($e == $first) { $e = undef; last }
        }
    }
    if ($e) {
        # (the two lists written out: this runs for every connection)
        my $head = \$self->{shead}{$key};
        if ($$head != $e) {
            $self->_unlink($e, SNEXT, SPREV, $head);
            _push_front($e, SNEXT, SPREV, $head);
        }
        $head = \$self->{ghead};
        if ($$head != $e) {
            $self->_unlink($e, GNEXT, GPREV, $head);
            _push_front($e, GNEXT, GPREV, $head);
        }
    }
    $IO::Socket::SSL::DEBUG >= 3 && _debug("get_session($key" . ($session ? ",$session" : '')
        . ") -> " . ($e ? $e->[SESSION] : 'none'));
    return $e && $e->[SESSION];
}

# del_session($key): all sessions of $key; del_session($key, $session) or
# del_session(undef, $session): that session; del_session(): everything.
# Returns how many went.
sub del_session {
    my ($self, $key, $session) = @_;
    my ($e, $next) = $key ? ($self->{shead}{$key}, SNEXT) : ($self->{ghead}, GNEXT);
    my @gone;
    my $first = $e;
    while ($e) {
        if (!$session) {
            push @gone, $e;
        } elsif ($e->[SESSION] == $session) {
            push @gone, $e;
            last;
        }
        $e = $e->[$next];
        last if $e == $first;
    }
    $IO::Socket::SSL::DEBUG >= 3 && _debug("del_session(" . ($key // 'undef')
        . ($session ? ",$session" : '') . ") -> " . (@gone || 'none'));
    $self->_remove($_) for @gone;
    return scalar @gone;
}

sub _dump {
    my $self = shift;
    my (%n, @out);
    for (my $e = $self->{ghead}; $e; ) {
        $n{$e} = keys %n;
        $e = $e->[GNEXT];
        last if $e == $self->{ghead};
    }
    my $out = "room: $self->{room}\nghead:\n";
    for (my $e = $self->{ghead}; $e; ) {
        $out .= sprintf(" - [%d] <%d,%d> '%s' <%s>\n",
            $n{$e}, $n{ $e->[GPREV] }, $n{ $e->[GNEXT] }, $e->[KEY], $e->[SESSION]);
        $e = $e->[GNEXT];
        last if $e == $self->{ghead};
    }
    $out .= "shead:\n";
    for my $key (sort keys %{ $self->{shead} }) {
        $out .= " - '$key'\n";
        my $h = $self->{shead}{$key};
        for (my $e = $h; $e; ) {
            $out .= sprintf("   - [%d] <%d,%d> '%s' <%s>\n",
                $n{$e}, $n{ $e->[SPREV] }, $n{ $e->[SNEXT] }, $e->[KEY], $e->[SESSION]);
            $e = $e->[SNEXT];
            last if $e == $h;
        }
    }
    return $out;
}

# The lists are cyclic: break them, and free the sessions.
sub DESTROY {
    my $self = shift;
    delete $LIVE{ Scalar::Util::refaddr($self) };
    my $e = $self->{ghead} or return;
    my @all;
    for (my $x = $e; $x; ) { push @all, $x; $x = $x->[GNEXT]; last if $x == $e }
    for (@all) {
        IO::Socket::SSL::_Lib::session_free($_->[SESSION]) if $_->[SESSION];
        @$_ = ();
    }
    $self->{ghead} = undef;
    $self->{shead} = {};
}

1;

__END__

=head1 NAME

IO::Socket::SSL::Session_Cache - the client session cache of IO::Socket::SSL

=head1 SYNOPSIS

    use IO::Socket::SSL;

    my $cache = IO::Socket::SSL::Session_Cache->new(50);
    IO::Socket::SSL::set_default_session_cache($cache);
    # or per socket: SSL_session_cache => $cache

=head1 DESCRIPTION

Keeps TLS sessions (C<SSL_SESSION*> handles, as integers) of client
connections under a key, C<host:port> unless C<SSL_session_key> names
another, so the next connection to the same server can resume. Several
sessions are kept per key, newest first, because a TLS 1.3 ticket may be
used only once. The cache owns one reference on each session and frees it
when the session is dropped. A thread created later gets its own copy of
the cache with the sessions cached so far, holding its own reference on
each (so each thread frees only what it holds). Any object with C<add_session>, C<get_session>
and C<del_session> may be given in its place.

=head1 METHODS

=over 4

=item new($size)

A cache of at most C<$size> sessions in all, dropping the one added
longest ago when full. Returns C<undef> unless C<$size> is positive.

=item add_session($key, $session)

Adds a session under C<$key>, taking over the caller's reference.

=item get_session($key)

The newest session for C<$key>, or nothing. The cache keeps it.

=item del_session($key, [$session])

Drops every session of C<$key>, or only C<$session>; with C<$key> undef,
C<$session> under whatever key it is. Returns how many were dropped.

=item replace_session($key, $session)

Drops the sessions of C<$key>, then adds C<$session>.

=item CLONE

Called by perl in a new thread: the thread's copies of the caches take
their own reference on every session they hold.

=back

=head1 SEE ALSO

L<IO::Socket::SSL/"IO::Socket::SSL::Session_Cache">,
L<IO::Socket::SSL/"SSL_session_cache_size">.

=cut
