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
