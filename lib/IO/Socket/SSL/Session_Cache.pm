package IO::Socket::SSL::Session_Cache;
# Client session cache: an LRU of SSL_SESSION handles (integers) that keeps
# several sessions per key (host:port by default), because a TLS 1.3 ticket
# may be used only once. The cache owns one reference on each session.
use strict;
use warnings;

# The sessions are raw handles owned by this process's cache: a new thread
# must not get (and later free) a copy.
sub CLONE_SKIP { 1 }

{
    # replaces the loader stub of IO::Socket::SSL
    no warnings 'redefine';
    *new = \&_new;
}

sub _new {
    my ($class, $size) = @_;
    $size > 0 or return;
    return bless { room => $size, keys => {}, order => [] }, $class;
}

# newest first per key; 'order' holds [key, session] newest first overall
sub add_session {
    my ($self, $key, $session) = @_;
    unshift @{ $self->{keys}{$key} }, $session;
    unshift @{ $self->{order} }, [$key, $session];
    while (@{ $self->{order} } > $self->{room}) {
        my ($k, $s) = @{ pop @{ $self->{order} } };
        $self->_drop($k, $s);
    }
    return 1;
}

sub replace_session {
    my ($self, $key, $session) = @_;
    $self->del_session($key);
    return $self->add_session($key, $session);
}

sub get_session {
    my ($self, $key) = @_;
    my $list = $self->{keys}{$key} or return;
    return $list->[0];
}

# del_session($key): all sessions of key; del_session($key, $s) or
# del_session(undef, $s): just that session.
sub del_session {
    my ($self, $key, $session) = @_;
    my @gone = grep {
        (!defined $key || $_->[0] eq $key) && (!defined $session || $_->[1] == $session)
    } @{ $self->{order} };
    for my $e (@gone) {
        @{ $self->{order} } = grep { $_ != $e } @{ $self->{order} };
        $self->_drop(@$e);
    }
    return scalar @gone;
}

sub _drop {
    my ($self, $key, $session) = @_;
    my $list = $self->{keys}{$key} or return;
    @$list = grep { $_ != $session } @$list;
    delete $self->{keys}{$key} if !@$list;
    IO::Socket::SSL::_Lib::session_free($session);
}

sub _dump {
    my $self = shift;
    return map { "$_->[0] => $_->[1]" } @{ $self->{order} };
}

sub DESTROY {
    my $self = shift;
    IO::Socket::SSL::_Lib::session_free($_->[1]) for @{ $self->{order} || [] };
    @{ $self->{order} || [] } = ();
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
when the session is dropped. It is not shared with threads created later
(each gets an empty cache). Any object with C<add_session>, C<get_session>
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

=item CLONE_SKIP

Returns true: a new thread does not get copies of the handles (it would
free them a second time).

=back

=head1 SEE ALSO

L<IO::Socket::SSL/"IO::Socket::SSL::Session_Cache">,
L<IO::Socket::SSL/"SSL_session_cache_size">.

=cut
