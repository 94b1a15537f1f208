package IO::Socket::SSL;
# The bulk of IO::Socket::SSL: compiled by the first call of one of its subs,
# not by `use IO::Socket::SSL` (see "Loading on first use" in SSL.pm, whose
# @IMPL_SUBS names every sub defined here: each has a stub there until then).
# File lexicals here are this file's own; what SSL.pm shares with this file
# are package variables ($IOCLASS, the %DEFAULT_SSL_*ARGS, $DEFAULT_CIPHERS...).

use strict;
use warnings;
no warnings 'uninitialized';
# A method the program replaced before this file was loaded has no stub in
# its glob to fill in: its sub here is made anew, and SSL.pm puts the
# program's own back (see _lazy_fill). t/89 checks that no sub is defined
# twice here.
no warnings 'redefine';

our (@ISA, $SSL_ERROR, $DEBUG, $IOCLASS, $OPENSSL_LIST_SEPARATOR, $DEFAULT_CIPHERS,
    %DEFAULT_SSL_ARGS, %DEFAULT_SSL_CLIENT_ARGS, %DEFAULT_SSL_SERVER_ARGS);

sub DEBUG {
    $DEBUG or return;
    my (undef, $file, $line, $sub) = caller(1);
    if ($sub && $sub =~ m{^IO::Socket::SSL::(?:error|(_internal_error))$}) {
        (undef, $file, $line) = caller(2) if $1;
    } else {
        (undef, $file, $line) = caller;
    }
    my $msg = shift;
    $file = '...' . substr($file, -17) if length($file) > 20;
    $msg = sprintf $msg, @_ if @_;
    print STDERR "DEBUG: $file:$line: $msg\n";
}

# ---------------------------------------------------------------------------
# Errors: one place turns failures into $SSL_ERROR, with the reference's
# severity rule (0 fallback, 4 OpenSSL, 5 host name/OCSP, 9 fatal usage),
# decided by the C core's one ranking (err.c): a later error replaces an
# earlier one only if it is at least as severe.

sub _internal_error {
    my ($self, $error, $severity) = @_;
    $error = dualvar(-1, $error);
    if (ref($self)) {
        my $oe = ${*$self}{_SSL_last_err};
        if (!$oe || IO::Socket::SSL::_Lib::error_outranks($oe->[1], $severity)) {
            ${*$self}{_SSL_last_err} = [$error, $severity];
            $SSL_ERROR = $error;
            $DEBUG && DEBUG("local error: $error");
        } else {
            $DEBUG && DEBUG("ignoring less severe local error '$error', keep '$oe->[0]'");
        }
    } else {
        $SSL_ERROR = $error;
        $DEBUG && DEBUG("global error: $error");
    }
    return;
}

# An OpenSSL-level failure: the message plus OpenSSL's error texts, taken
# from the object that failed (or, for compatibility, the thread's queue).
sub error {
    my ($self, $error, $ossl) = @_;
    $ossl = IO::Socket::SSL::_Lib::errstack() if @_ < 3;
    $error .= ' ' . $ossl if defined $ossl && $ossl ne '';
    return $self->_internal_error($error, 4) if $error;
    return;
}

# The one place the error record of a context or connection (filled by the
# C core and the callbacks' glue) becomes $SSL_ERROR/errstr. An error of
# OpenSSL's rank - OpenSSL's failure, a callback's death - follows $what;
# a more specific one (host name, fingerprint, revocation) stands alone at
# its own severity. Given $sep, the text always follows "$what$sep", at the
# record's severity (at least OpenSSL's). $if_empty replaces $what when the
# record has no text.
sub _record_error {
    my ($self, $obj, $what, $sep, $if_empty) = @_;
    my (undef, $sev, $text) = IO::Socket::SSL::_Lib::error_record($obj, 1);
    $sev = _ISS_SEV_OPENSSL if $sev < _ISS_SEV_OPENSSL;
    return $self->_internal_error($what . $sep . $text, $sev) if defined $sep;
    return $self->_internal_error($text, $sev) if $sev > _ISS_SEV_OPENSSL;
    return $self->error($if_empty, '') if $text eq '' && defined $if_empty;
    return $self->error($what, $text);
}

sub _errstack {
    my $e = IO::Socket::SSL::_Lib::errstack();
    return $e eq '' ? () : split(/ (?=error:)/, $e);
}

sub errstr {
    my $self = shift;
    my $oe = ref($self) && ${*$self}{_SSL_last_err};
    return $oe ? $oe->[0] : $SSL_ERROR || '';
}

sub get_ssleay_error {
    my $e = IO::Socket::SSL::_Lib::errstack();
    return '' if $e eq '';
    return join('', map { "SSL error: $_\n" } split(/ (?=error:)/, $e));
}

sub fatal_ssl_error {
    my $self = shift;
    my $error_trap = ${*$self}{_SSL_arguments}{SSL_error_trap};
    $@ = $self->errstr;
    my $saved_error = $SSL_ERROR;
    if (defined $error_trap and ref($error_trap) eq 'CODE') {
        $error_trap->($self, $self->errstr() . "\n" . $self->get_ssleay_error());
    } elsif (${*$self}{_SSL_ioclass_upgraded} || ${*$self}{_SSL_arguments}{SSL_keepSocketOnError}) {
        $DEBUG >= 3 && DEBUG('downgrading SSL only, not closing socket');
        $self->stop_SSL;
    } else {
        $self->close;
    }
    $SSL_ERROR = $saved_error if $saved_error;
    return;
}

# Called by the XS I/O subs on would-block or failure.
sub _io_fail {
    my ($self, $status, $what) = @_;
    # would-block and EINTR: $SSL_ERROR, $! and _SSL_last_err as the
    # reference sets them, in the C glue shared with sysread/syswrite
    return IO::Socket::SSL::_Lib::io_wait_status($self, $status)
        if $status == _ISS_WANT_READ || $status == _ISS_WANT_WRITE || $status == _ISS_EINTR;
    return $self->_internal_error($what, 9) if $status == _ISS_INTERNAL;
    return _busy($what) if $status == _ISS_BUSY;
    # a direction closed by a one-sided shutdown: $! alone, as the reference
    # (plain I/O, or EPERM)
    return if $status == _ISS_ERR && ref($self)
        && ${*$self}{$what =~ /write/ ? '_SSL_write_closed' : '_SSL_read_closed'};
    my $conn = ${*$self}{_SSL_conn};
    my $errno = $!;
    $! = EPIPE if !$errno && $what =~ /write|shutdown/ && $conn && $conn->last_ssl_error == 5;
    return $self->error($what, '') if !$conn;
    return $self->_record_error($conn, $what);
}

# I/O on a socket from a callback that OpenSSL runs for that very socket
# (verify, message, session callbacks...) would re-enter OpenSSL: refused.
# Only $SSL_ERROR and $! tell, not the socket's own error record, so the
# operation that is running reports its own outcome afterwards.
sub _busy {
    my $what = shift;
    $SSL_ERROR = dualvar(-1, "$what: called from a callback while OpenSSL works on "
        . "this connection (only close is allowed there)");
    $! = EBUSY;
    return;
}

sub _invalid_object {
    return IO::Socket::SSL->_internal_error("Undefined IO::Socket::SSL object", 9);
}

# ---------------------------------------------------------------------------
# Defaults and argument handling


my $GLOBAL_SSL_ARGS        = {};
my $GLOBAL_SSL_CLIENT_ARGS = {};
my $GLOBAL_SSL_SERVER_ARGS = {};
my $FILTER_SSL_ARGS;

# the program's own defaults only (a shared context has the rest)
sub _global_defaults_for {
    return %$GLOBAL_SSL_ARGS || %{$_[0] ? $GLOBAL_SSL_SERVER_ARGS : $GLOBAL_SSL_CLIENT_ARGS}
        ? (%$GLOBAL_SSL_ARGS, %{$_[0] ? $GLOBAL_SSL_SERVER_ARGS : $GLOBAL_SSL_CLIENT_ARGS})
        : ();
}

sub _defaults_for {
    my $is_server = shift;
    return $is_server
        ? (%DEFAULT_SSL_SERVER_ARGS, %$GLOBAL_SSL_ARGS, %$GLOBAL_SSL_SERVER_ARGS)
        : (%DEFAULT_SSL_CLIENT_ARGS, %$GLOBAL_SSL_ARGS, %$GLOBAL_SSL_CLIENT_ARGS);
}

my $CHECK_SSL_PATH = sub {
    my %args = (@_ == 1) ? ('', @_) : @_;
    for my $type (keys %args) {
        my $path = $args{$type};
        if (!$type) {
            delete $args{$type};
            $type = (ref($path) || -d $path) ? 'SSL_ca_path' : 'SSL_ca_file';
            $args{$type} = $path;
        }
        next if ref($path) eq 'SCALAR' && !$$path;
        if ($type eq 'SSL_ca_file') {
            die "SSL_ca_file $path can't be used: $!" if !open(my $fh, '<', $path);
        } elsif ($type eq 'SSL_ca_path') {
            $path = [split($OPENSSL_LIST_SEPARATOR, $path)] if !ref($path);
            my @err;
            for my $d (ref($path) ? @$path : $path) {
                if (!-d $d) {
                    push @err, "SSL_ca_path $d does not exist";
                } elsif (!opendir(my $dh, $d)) {
                    push @err, "SSL_ca_path $d is not accessible: $!";
                } else {
                    @err = ();
                    last;
                }
            }
            die "@err" if @err;
        }
    }
    return %args;
};
sub _check_ssl_path { $CHECK_SSL_PATH->(@_) }

{
    my %default_ca;
    my $ca_detected;   # 0: never detect, undef: (re)detect
    sub default_ca {
        if (@_) {
            if (@_ > 1) {
                %default_ca = @_;
                $ca_detected = 0;
            } elsif (my $path = shift) {
                %default_ca = $CHECK_SSL_PATH->($path);
                $ca_detected = 0;
            } else {
                $ca_detected = undef;
                %default_ca = ();
            }
        }
        return %default_ca if defined $ca_detected;

        my $openssldir =
            IO::Socket::SSL::_Lib::openssl_version_text(4) =~ m{^OPENSSLDIR: "(.+)"$} ? $1
            : 'cannot-determine-openssldir-from-ssleay-version';
        my $dir = $ENV{SSL_CERT_DIR} || "$openssldir/certs";
        if (opendir(my $dh, $dir)) {
          FILES: for my $f (grep { m{^[a-f\d]{8}(\.\d+)?$} } readdir($dh)) {
                open(my $fh, '<', "$dir/$f") or next;
                while (my $line = <$fh>) {
                    $line =~ m{^-+BEGIN (X509 |TRUSTED |)CERTIFICATE-} or next;
                    $default_ca{SSL_ca_path} = $dir;
                    last FILES;
                }
            }
        }
        my $file = $ENV{SSL_CERT_FILE} || "$openssldir/cert.pem";
        if (open(my $fh, '<', $file)) {
            while (my $line = <$fh>) {
                $line =~ m{^-+BEGIN (X509 |TRUSTED |)CERTIFICATE-} or next;
                $default_ca{SSL_ca_file} = $file;
                last;
            }
        }
        $default_ca{SSL_ca_file} = Mozilla::CA::SSL_ca_file() if !%default_ca && do {
            local $SIG{__DIE__};
            eval { require Mozilla::CA; 1 };
        };
        $ca_detected = 1;
        return %default_ca;
    }
}

sub context_init {
    return ($GLOBAL_SSL_ARGS = (ref($_[0]) eq 'HASH') ? $_[0] : {@_});
}
sub set_default_context { $GLOBAL_SSL_ARGS->{SSL_reuse_ctx} = shift }
sub set_default_session_cache { $GLOBAL_SSL_ARGS->{SSL_session_cache} = shift }

{
    my $set_defaults = sub {
        my $args = shift;
        for (my $i = 0; $i < @$args; $i += 2) {
            my ($k, $v) = @{$args}[$i, $i + 1];
            if ($k =~ m{^SSL_}) {
                $_->{$k} = $v for @_;
            } elsif ($k =~ m{^(name|scheme)$}) {
                $_->{"SSL_verifycn_$k"} = $v for @_;
            } elsif ($k =~ m{^(callback|mode)$}) {
                $_->{"SSL_verify_$k"} = $v for @_;
            } else {
                $_->{"SSL_$k"} = $v for @_;
            }
        }
    };
    sub set_defaults {
        $set_defaults->(\@_, $GLOBAL_SSL_ARGS, $GLOBAL_SSL_CLIENT_ARGS, $GLOBAL_SSL_SERVER_ARGS);
    }
    sub set_client_defaults { $set_defaults->(\@_, $GLOBAL_SSL_CLIENT_ARGS) }
    sub set_server_defaults { $set_defaults->(\@_, $GLOBAL_SSL_SERVER_ARGS) }
}

sub set_args_filter_hack {
    my $sub = shift;
    if (ref $sub) {
        $FILTER_SSL_ARGS = $sub;
    } elsif ($sub eq 'use_defaults') {
        $FILTER_SSL_ARGS = sub {
            my ($is_server, $args) = @_;
            %$args = (%$args, $is_server
                ? (%DEFAULT_SSL_SERVER_ARGS, %$GLOBAL_SSL_SERVER_ARGS)
                : (%DEFAULT_SSL_CLIENT_ARGS, %$GLOBAL_SSL_CLIENT_ARGS));
        };
    }
}

# ---------------------------------------------------------------------------
# Socket set-up

# every per-socket key we own, removed when TLS ends
my @all_my_keys = qw(
    _SSL_arguments _SSL_certificate _SSL_ctx _SSL_fileno _SSL_in_DESTROY
    _SSL_ioclass_downgrade _SSL_ioclass_upgraded _SSL_last_err _SSL_object
    _SSL_conn _SSL_ocsp_verify _SSL_opened _SSL_opening _SSL_servername
    _SSL_msg_callback _SSL_session_used _SSL_usebio_outer _SSL_verify_name
    _SSL_read_closed _SSL_write_closed _SSL_verify_died _SSL_accept_args
);

sub configure {
    my ($self, $arg_hash) = @_;
    return _invalid_object() unless $self;
    # Blocking during set-up: new() on a non-blocking socket would fail the
    # connect; the caller's Blocking => 0 applies afterwards.
    my $blocking = delete $arg_hash->{Blocking};
    $arg_hash->{Blocking} = 1 if defined $blocking;
    # the defaults added here and in configure_SSL (kept as _SSL_arguments)
    my @added = grep { !exists $arg_hash->{$_} } qw(SSL_keepSocketOnError SSL_server Proto Family);
    # a socket made here is closed when its handshake fails
    $arg_hash->{SSL_keepSocketOnError} = 0 if !exists $arg_hash->{SSL_keepSocketOnError};
    $self->configure_SSL($arg_hash) || return;
    if ($arg_hash->{Family} ||= $arg_hash->{Domain}) {
        # with a known family AI_ADDRCONFIG only hurts (loopback-only hosts)
        $arg_hash->{GetAddrInfoFlags} = 0
            if ($IOCLASS || _load_base()) eq 'IO::Socket::IP' && !defined $arg_hash->{GetAddrInfoFlags};
    }
    return $self->_internal_error("@ISA configuration failed", 0)
        if !$self->SUPER::configure($arg_hash);
    if (!$arg_hash->{Listen}) {
        _drop_connect_state($self);
        # Once connected, the added defaults that are false (read as if
        # absent) and the protocol (the base class has used it) are of no
        # further use: four hash entries in every client connection.
        for (@added) {
            delete $arg_hash->{$_}
                if !$arg_hash->{$_} || $_ eq 'Proto' && $arg_hash->{Proto} eq Socket::IPPROTO_TCP();
        }
    }
    $self->blocking(0) if defined $blocking && !$blocking;
    return $self;
}

# IO::Socket::IP keeps what its setup() needs to try the next address (the
# resolved addresses, a hash each; error slots; socket options; the
# blocking flag) and what connect() needs to finish a non-blocking connect:
# 1 KiB per connection, a sixth of an idle client's Perl and glue memory.
# Once connected neither can come again, so a connected socket lets go of
# it; a connect still in progress or a listener keeps everything.
my @ip_connect_keys = qw(io_socket_ip_infos io_socket_ip_idx io_socket_ip_errors
    io_socket_ip_sockopts io_socket_ip_v6only io_socket_ip_listenqueue io_socket_ip_blocking);

sub _drop_connect_state {
    my $self = shift;
    my $h = \%{*$self};
    my $infos = $h->{io_socket_ip_infos} or return;
    return if $h->{io_socket_ip_connect_in_progress} || defined $h->{io_socket_ip_listenqueue};
    my $idx = $h->{io_socket_ip_idx};
    return if !defined $idx || $idx < 0 || ref $infos ne 'ARRAY' || !$infos->[$idx] || !defined $infos->[$idx]{peeraddr};
    delete @$h{@ip_connect_keys};
}

sub configure_SSL {
    my ($self, $arg_hash) = @_;
    # the protocol by number: by name, IO::Socket::IP asks getprotobyname()
    # for every socket, which reads /etc/protocols (six system calls and
    # ~10,000 instructions per connection)
    $arg_hash->{Proto} ||= Socket::IPPROTO_TCP();
    my $is_server = $arg_hash->{SSL_server};
    $is_server = $arg_hash->{SSL_server} = $arg_hash->{Listen} || 0 if !defined $is_server;
    $FILTER_SSL_ARGS->($is_server, $arg_hash) if $FILTER_SSL_ARGS;
    # an existing socket being upgraded stays open when the handshake fails
    # (the reference's default since 2.099)
    $arg_hash->{SSL_keepSocketOnError} = 1 if !exists $arg_hash->{SSL_keepSocketOnError};
    if (my $old = ${*$self}{_SSL_conn}) {
        # configured again while a connection exists (start_SSL on a TLS
        # socket): that one ends here, without close_notify, and the tied
        # handle lets go of it
        $old->free;
        { no warnings "untie"; untie *$self }    # a tied() object the program holds is no reason to warn
    }
    delete @{*$self}{@all_my_keys};
    ${*$self}{_SSL_opened}    = $is_server;
    ${*$self}{_SSL_arguments} = $arg_hash;
    # a shared context and no defaults of the program's own: nothing to
    # build or merge (SSL_Context's new would return that very context)
    my $reuse = $arg_hash->{SSL_reuse_ctx};
    if (ref($reuse) eq 'IO::Socket::SSL::SSL_Context' && $reuse->{context}
        && !%$GLOBAL_SSL_ARGS && !%{$is_server ? $GLOBAL_SSL_SERVER_ARGS : $GLOBAL_SSL_CLIENT_ARGS}) {
        ${*$self}{_SSL_ctx} = $reuse;
        return $self;
    }
    ${*$self}{_SSL_ctx} = IO::Socket::SSL::SSL_Context->new($arg_hash) or return;
    return $self;
}

sub connect {
    my $self = shift || return _invalid_object();
    return $self if ${*$self}{_SSL_opened};
    if (!${*$self}{_SSL_opening}) {
        $DEBUG >= 2 && DEBUG('socket not yet connected');
        $self->SUPER::connect(@_) || return;
        $DEBUG >= 2 && DEBUG('socket connected');
        $! = undef;
        my $sh = ${*$self}{_SSL_arguments}{SSL_startHandshake};
        return $self if defined $sh && !$sh;
    }
    return $self->connect_SSL;
}

# The peer name as given, without port and brackets.
sub _peer_name {
    my $host = shift;
    return if !defined $host;
    $host =~ s{^(?:([^:\[]+)|(\[(.*)\]))(:[\w\-]+)?$}{$1$3}x;
    return $host;
}

# The SSL_usebio transport, called from C under G_EVAL while OpenSSL works:
# it hands back plain values only, so nothing can die once the eval is over.
sub _usebio_io {
    my ($outer, $method, undef, $len) = @_;    # $_[2]: the buffer
    my $n = $outer->$method($_[2], $len);
    $_[2] = "$_[2]" if ref $_[2];
    return defined $n ? 0 + $n : undef;
}

# ... and its death, reported as a warning (a __WARN__ handler may die too)
sub _usebio_died { warn "IO::Socket::SSL: SSL_usebio transport died: $_[0]" }

sub _new_conn {
    my ($self, $is_server) = @_;
    my $ctx = ${*$self}{_SSL_ctx};
    my $conn;
    if (my $outer = ${*$self}{_SSL_usebio_outer}) {
        # TLS inside TLS: our records travel through the outer connection
        my $outer_fd = ${*$self}{_SSL_fileno};    # set by _start_SSL_over
        $conn = IO::Socket::SSL::_Conn->new_over($ctx->{_ctx}, $outer, $is_server,
            defined $outer_fd ? $outer_fd : -1, $self)
            or return $self->_record_error($ctx->{_ctx}, "SSL structure creation failed");
    } else {
        my $fileno = ${*$self}{_SSL_fileno} = CORE::fileno($self);
        return $self->_internal_error("Socket has no fileno", 9) if !defined $fileno;
        $conn = IO::Socket::SSL::_Conn->new($ctx->{_ctx}, $fileno, $is_server, $self)
            or return $self->_record_error($ctx->{_ctx}, "SSL structure creation failed");
    }
    ${*$self}{_SSL_conn}   = $conn;
    # the connection knows its socket (weakly), for the callbacks
    ${*$self}{_SSL_object} = $conn->ptr;
    # the record trace of the debug output (IO::Socket::SSL::Trace) uses it too
    $conn->set_msg_callback(1) if ${*$self}{_SSL_msg_callback} || $DEBUG >= 2;
    return $conn;
}


# Protocol message tracing: set_msg_callback($cb, @args) or (undef) to stop.
sub set_msg_callback {
    my $self = shift;
    if (@_) {
        if ($_[0]) {
            ${*$self}{_SSL_msg_callback} = [@_];
        } else {
            delete ${*$self}{_SSL_msg_callback};
        }
    }
    if (my $conn = ${*$self}{_SSL_conn}) {
        $conn->set_msg_callback(${*$self}{_SSL_msg_callback} || $DEBUG >= 2 ? 1 : 0);
    }
}

# Called from C with the connection's socket first.
sub _msg_callback {
    my $self = shift or return;
    if ($DEBUG >= 2) {
        require IO::Socket::SSL::Trace;
        IO::Socket::SSL::Trace::ossl_trace(@_);
    }
    my $cb = ${*$self}{_SSL_msg_callback} or return;
    my ($sub, @arg) = @$cb;
    $sub->($self, @_[0 .. 5], @arg);
}

# A new client session or TLS 1.3 ticket (also after the handshake).
sub _session_new {
    my ($self, $session) = @_;
    $self or return 0;
    my $cache = ${*$self}{_SSL_ctx} && ${*$self}{_SSL_ctx}{session_cache} or return 0;
    my $key = ${*$self}{_SSL_arguments}{SSL_session_key} or return 0;
    $DEBUG >= 3 && DEBUG("callback session new <$key> $session");
    $cache->add_session($key, $session);
    return 1;
}

sub connect_SSL {
    my $self = shift;
    my $args = @_ > 1 ? {@_} : $_[0] || {};
    return $self if ${*$self}{_SSL_opened};
    my $conn = ${*$self}{_SSL_conn};
    my $ctx  = ${*$self}{_SSL_ctx};
    if (!${*$self}{_SSL_opening}) {
        $DEBUG >= 2 && DEBUG('ssl handshake not started');
        ${*$self}{_SSL_opening} = 1;
        my $arg_hash = ${*$self}{_SSL_arguments};
        $conn = $self->_new_conn(0) or return;

        # SNI from the host name, never for an IP address (RFC 6066 3)
        my $host;
        if (exists $arg_hash->{SSL_hostname}) {
            $host = $arg_hash->{SSL_hostname};
        } elsif ($host = $arg_hash->{PeerAddr} || $arg_hash->{PeerHost}) {
            $host =~ s{:[a-zA-Z0-9_\-]+$}{};
            $host = undef if $host !~ m{[a-z_]}i or $host =~ m{:};
        }
        if ($host) {
            $DEBUG >= 2 && DEBUG("using SNI with hostname $host");
            $conn->set_sni($host)
                or return $self->_record_error($conn, "SSL connect attempt failed");
        } else {
            $DEBUG >= 2 && DEBUG("not using SNI because hostname is unknown");
        }

        $DEBUG >= 2 && DEBUG('request OCSP stapling') if $ctx->{ocsp_staple};
        $arg_hash->{PeerAddr} || $arg_hash->{PeerHost} || $self->_update_peer;
        my $name;
        if ($ctx->{verify_name}) {
            $name = $arg_hash->{SSL_verifycn_name};
            $name = $arg_hash->{SSL_hostname} if !defined $name;
            $name = _peer_name($arg_hash->{PeerAddr} || $arg_hash->{PeerHost})
                if !defined $name;
            # for the Perl-side checks in this and any later handshake (a
            # Perl scheme, the debug output); the C check keeps its own copy
            ${*$self}{_SSL_verify_name} = $name if $ctx->{verifycn_perl} || $ctx->{verify_name_debug};
            # fail closed: a name that could not be kept is no reason to skip the check
            $conn->set_verify_name(defined $name && $name =~ m{[^\x00-\x7f]} ? _idn_name($name) : $name)
                or return $self->_record_error($conn, "SSL connect attempt failed:", ' ');
        }
        if (my $cache = $ctx->{session_cache}) {
            my $key = $arg_hash->{SSL_session_key} ||= do {
                my $host = $arg_hash->{PeerAddr} || $arg_hash->{PeerHost};
                my $port = $arg_hash->{PeerPort} || $arg_hash->{PeerService};
                $port ? "$host:$port" : $host;
            };
            # only a session made under the same settings and host name
            # (SSL_Context::_session_sig)
            my $sig = ($ctx->{session_sig} // '') . "\0"
                . ($ctx->{verify_name} ? $name // '' : '');
            # (one digest of $sig for both: bind_sessions offers the session too)
            my $session = $cache->get_session($key);
            my $offered = $conn->bind_sessions($sig, $session);
            return $self->_record_error($conn, "SSL connect attempt failed") if $offered < 0;
            if ($offered) {
                ${*$self}{_SSL_session_used} = $session;
            } elsif ($session) {
                $DEBUG >= 3 && DEBUG("session <$key> was made with other settings: not offered");
            }
        }
    }

    $! = undef;
    $SSL_ERROR = undef;
    my $timeout = exists $args->{Timeout} ? $args->{Timeout} : ${*$self}{io_socket_timeout};
    $timeout = -1 if !defined $timeout || $timeout <= 0 || !$self->blocking;
    # (the texts of the reference's debug output, which names its binding)
    $DEBUG >= 3 && DEBUG('call Net::SSLeay::connect');
    my $rc = $conn->handshake($timeout);
    # (not after a name check that died: the reference dies inside connect)
    $DEBUG >= 3 && !exists ${*$self}{_SSL_verify_died}
        && DEBUG('done Net::SSLeay::connect -> ' . ($rc == 0 ? 1 : $rc == _ISS_WANT_READ || $rc == _ISS_WANT_WRITE ? -1 : 0));
    return _busy('connect_SSL') if $rc == _ISS_BUSY;
    return _handshake_failed($self, $rc, $conn, 'connect') if $rc != 0;

    $DEBUG >= 2 && DEBUG('ssl handshake done');
    delete ${*$self}{_SSL_opening};
    ${*$self}{_SSL_opened} = 1;
    if (my $used = delete ${*$self}{_SSL_session_used}) {
        # OpenSSL retires the session it offered once it is used up: a TLS
        # 1.3 ticket after one resumption (RFC 8446 C.4), a TLS 1.2 session
        # whose ticket the server replaced. The cache drops it then, as the
        # reference's remove callback does (with the same arguments).
        $ctx->{session_cache}->del_session(undef, $used)
            if !IO::Socket::SSL::_Lib::session_is_resumable($used);
    }
    if ($DEBUG >= 3 || $ctx->{ocsp_cache}) {
        _ocsp_after_handshake($self, $conn, $ctx) or return $self->fatal_ssl_error;
    } elsif (defined(my $e = $conn->ocsp_post_check)) {
        # (what _ocsp_after_handshake ends with, without a call per connection)
        $self->_internal_error($e, 5);
        return $self->fatal_ssl_error;
    }
    if (defined(my $w = $conn->warning)) { warn $w }
    tie *{$self}, 'IO::Socket::SSL::SSL_HANDLE', $self;
    return $self;
}

# What the stapled OCSP response said (checked in C during the handshake,
# which already failed for a revocation or a required staple that did not
# come): its results go to the cache for the resolver of later connections.
my @STAPLE_DEBUG = (undef, 'did not get stapled OCSP response',
    'got stapled OCSP response, not usable', 'got OCSP success with stapling',
    'got OCSP revocation with stapling', 'stapled OCSP response given to SSL_ocsp_staple_callback');
sub _ocsp_after_handshake {
    my ($self, $conn, $ctx) = @_;
    my ($state, $msg) = $conn->ocsp_state;
    $DEBUG >= 3 && $STAPLE_DEBUG[$state]
        && DEBUG($STAPLE_DEBUG[$state] . (defined $msg ? ": $msg" : ''));
    if (my $cache = $state && $ctx->{ocsp_cache}) {
        for ($conn->ocsp_results) {
            my ($id, $st, $error) = @$_;
            $st or next;
            $cache->put($id, !$error ? $st
                : $st->{statusType} == 0 ? { %$st, soft_error => $error, expire => time() + 120 }
                : { %$st, hard_error => $error });
        }
    }
    if (defined(my $e = $conn->ocsp_post_check)) {
        return $self->_internal_error($e, 5);
    }
    return 1;
}

# A server's SSL_ocsp_staple code reference died: no staple this time.
sub _ocsp_source_died { warn $_[0] }

# A handshake that did not finish: would-block (non-blocking sockets keep
# going later), timeout, or failure.
sub _handshake_failed {
    my ($self, $rc, $conn, $what) = @_;
    if ($rc == _ISS_GONE) {
        # A callback closed (or downgraded) this very socket while OpenSSL
        # was working on it; the connection is freed, the object may no
        # longer be an IO::Socket::SSL: call nothing on it.
        _internal_error($self, "SSL $what attempt failed: the socket was closed during the handshake", 9);
        $! = Errno::EBADF();
        return;
    }
    if ($rc == _ISS_WANT_READ || $rc == _ISS_WANT_WRITE) {
        $DEBUG >= 2 && DEBUG('ssl handshake in progress');
        $self->_io_fail($rc);
        return;
    }
    if (defined(my $died = delete ${*$self}{_SSL_verify_died})) {
        # the host name check died (an unknown SSL_verifycn_scheme): die as
        # the reference, whose check croaks through the handshake, leaving
        # $SSL_ERROR and the socket as they are
        $! = 0;
        die $died;
    }
    delete ${*$self}{_SSL_opening};
    ${*$self}{_SSL_opened} = -1;
    if ($rc == _ISS_TIMEOUT) {
        $self->_internal_error("SSL $what attempt failed: timeout", 4);
        $! = ETIMEDOUT;
        return;
    }
    if (my $used = delete ${*$self}{_SSL_session_used}) {
        # a handshake that failed with an alert invalidates the session it
        # tried (OpenSSL's remove callback in the reference)
        my $ctx = ${*$self}{_SSL_ctx};
        $ctx->{session_cache}->del_session(undef, $used) if $ctx && $ctx->{session_cache};
    }
    $self->_record_error($conn, "SSL $what attempt failed", undef,
        $conn->last_ret == 0 ? "SSL $what attempt failed because of handshake problems" : undef);
    $DEBUG >= 1 && DEBUG("fatal SSL error: $SSL_ERROR");
    return $self->fatal_ssl_error;
}

sub _update_peer {
    my $self = shift;
    my $arg_hash = ${*$self}{_SSL_arguments};
    eval {
        my $sockaddr = getpeername(${*$self}{_SSL_usebio_outer} || $self) or return;
        my $af = Socket::sockaddr_family($sockaddr);
        if (CAN_IPV6() && $af == Socket::AF_INET6()) {
            my ($err, $host, $port) = Socket::getnameinfo($sockaddr,
                Socket::NI_NUMERICHOST() | Socket::NI_NUMERICSERV());
            return if $err;
            $arg_hash->{PeerPort} = $port;
            $arg_hash->{PeerAddr} = $host;
        } else {
            my ($port, $addr) = Socket::sockaddr_in($sockaddr);
            $arg_hash->{PeerPort} = $port;
            $arg_hash->{PeerAddr} = Socket::inet_ntoa($addr);
        }
    };
}

# The arguments of a socket accepted by $listener: the listener's, with
# SSL_server 0 as in the reference. Nothing writes into them for a server
# connection, so the accepted sockets share one copy (made again when the
# listener is configured anew) instead of one hash per connection.
sub _accepted_args {
    my $listener = shift;
    my $args = ${*$listener}{_SSL_arguments};
    my $shared = ${*$listener}{_SSL_accept_args};
    return $shared->[1] if $shared && $shared->[0] == $args;
    $shared = ${*$listener}{_SSL_accept_args} = [ $args, { %$args, SSL_server => 0 } ];
    Scalar::Util::weaken($shared->[0]);
    return $shared->[1];
}

sub accept {
    my $self = shift || return _invalid_object();
    my $class = shift || 'IO::Socket::SSL';
    my $socket = ${*$self}{_SSL_opening};
    if (!$socket) {
        $DEBUG >= 2 && DEBUG('no socket yet');
        $socket = $self->SUPER::accept($class) || return;
        $DEBUG >= 2 && DEBUG('accept created normal socket ' . $socket);
        my $sh = ${*$self}{_SSL_arguments}{SSL_startHandshake};
        if (defined $sh && !$sh) {
            ${*$socket}{_SSL_ctx} = ${*$self}{_SSL_ctx};
            ${*$socket}{_SSL_arguments} = _accepted_args($self);
            $DEBUG >= 2 && DEBUG('will not start SSL handshake yet');
            return wantarray ? ($socket, getpeername($socket)) : $socket;
        }
    }
    $self->accept_SSL($socket) || return;
    $DEBUG >= 2 && DEBUG('accept_SSL ok');
    return wantarray ? ($socket, getpeername($socket)) : $socket;
}

sub accept_SSL {
    my $self = shift;
    my $socket = (@_ && UNIVERSAL::isa($_[0], 'IO::Handle')) ? shift : $self;
    my $args = @_ > 1 ? {@_} : $_[0] || {};
    my $conn;
    if (!${*$self}{_SSL_opening}) {
        $DEBUG >= 2 && DEBUG('starting sslifying');
        ${*$self}{_SSL_opening} = $socket;
        if ($socket != $self) {
            ${*$socket}{_SSL_ctx} = ${*$self}{_SSL_ctx};
            ${*$socket}{_SSL_arguments} = _accepted_args($self);
        }
        $conn = $socket->_new_conn(1) or do {
            delete ${*$self}{_SSL_opening};
            return;
        };
    }
    $conn ||= ${*$socket}{_SSL_conn};
    $! = undef;
    $SSL_ERROR = undef;
    my $timeout = exists $args->{Timeout} ? $args->{Timeout} : ${*$self}{io_socket_timeout};
    $timeout = -1 if !defined $timeout || $timeout <= 0 || !$socket->blocking;
    my $rc = $conn->handshake($timeout);
    $DEBUG >= 3 && DEBUG('Net::SSLeay::accept -> ' . ($rc == 0 ? 1 : $rc == _ISS_WANT_READ || $rc == _ISS_WANT_WRITE ? -1 : 0));
    return _busy('accept_SSL') if $rc == _ISS_BUSY;
    if ($rc != 0) {
        delete ${*$self}{_SSL_opening}
            unless $rc == _ISS_WANT_READ || $rc == _ISS_WANT_WRITE;
        return _handshake_failed($socket, $rc, $conn, 'accept');
    }
    $DEBUG >= 2 && DEBUG('handshake done, socket ready');
    delete ${*$self}{_SSL_opening};
    ${*$socket}{_SSL_opened} = 1;
    tie *{$socket}, 'IO::Socket::SSL::SSL_HANDLE', $socket;
    return $socket;
}

sub start_SSL {
    my ($class, $socket) = (shift, shift);
    return $class->_internal_error("Not a socket", 9) if !ref($socket);
    my $arg_hash = @_ == 1 ? $_[0] : {@_};
    # a callback running for this socket's own TLS cannot start it anew
    return _busy('start_SSL') if _conn_busy($socket);
    return $class->_start_SSL_over($socket, $arg_hash) if $arg_hash->{SSL_usebio};
    my %to = exists $arg_hash->{Timeout} ? (Timeout => delete $arg_hash->{Timeout}) : ();
    $IOCLASS || _load_base();
    # An unblessed glob (reference) is blessed in place and stays an
    # IO::Socket::SSL on failure and after stop_SSL, as in the reference.
    require Scalar::Util;
    my $original_class = Scalar::Util::blessed($socket);
    my $original_fileno = UNIVERSAL::can($socket, 'fileno') ? $socket->fileno : CORE::fileno($socket);
    return $class->_internal_error("Socket has no fileno", 9) if !defined $original_fileno;

    bless $socket, $class;
    if (!$socket->configure_SSL($arg_hash)) {
        bless($socket, $original_class) if defined $original_class;
        return;
    }
    ${*$socket}{_SSL_fileno} = $original_fileno;
    ${*$socket}{_SSL_ioclass_upgraded} = $original_class
        if defined $original_class && $class ne $original_class;

    my $start_handshake = $arg_hash->{SSL_startHandshake};
    if (!defined($start_handshake) || $start_handshake) {
        $DEBUG >= 2 && DEBUG("start handshake");
        my $was_blocking = $socket->blocking(1);
        my $result = ${*$socket}{_SSL_arguments}{SSL_server}
            ? $socket->accept_SSL(%to)
            : $socket->connect_SSL(%to);
        if ($result) {
            $socket->blocking(0) if !$was_blocking;
            return $socket;
        }
        # upgrade failed: back to the original class (the socket stays
        # open unless SSL_keepSocketOnError was turned off)
        $socket->blocking(0) if !$was_blocking && defined CORE::fileno($socket);
        bless($socket, $original_class) if defined $original_class;
        return;
    }
    $DEBUG >= 2 && DEBUG("don't start handshake: $socket");
    return $socket;
}

# SSL_usebio: a new socket object whose TLS runs over $outer (which may be
# an IO::Socket::SSL itself: TLS inside TLS, as through a TLS proxy). The
# outer handle stays as it is and is not closed with the inner one.
sub _start_SSL_over {
    my ($class, $outer, $arg_hash) = @_;
    _load_base();
    require Symbol;
    my $self = bless Symbol::gensym(), ref($class) || $class;
    ${*$self}{_SSL_usebio_outer} = $outer;
    my %to = exists $arg_hash->{Timeout} ? (Timeout => delete $arg_hash->{Timeout}) : ();
    $self->configure_SSL($arg_hash) or return;
    ${*$self}{_SSL_usebio_outer} = $outer;   # configure_SSL starts from a clean slate
    ${*$self}{_SSL_fileno} = UNIVERSAL::can($outer, 'fileno') ? $outer->fileno : CORE::fileno($outer);
    my $start = $arg_hash->{SSL_startHandshake};
    return $self if defined $start && !$start;
    my $ok = $arg_hash->{SSL_server} ? $self->accept_SSL(%to) : $self->connect_SSL(%to);
    return $ok ? $self : undef;
}

# The inner socket of SSL_usebio has no descriptor of its own: blocking
# mode is the outer's.
sub blocking {
    my $self = shift;
    if (my $outer = ${*$self}{_SSL_usebio_outer}) {
        return $outer->blocking(@_);
    }
    my $r = $self->SUPER::blocking(@_);
    # the socket BIO remembers a non-blocking mode it saw (c_src/biosock.c)
    $self->_mode_changed if @_;
    return $r;
}

sub new_from_fd {
    my ($class, $fd) = (shift, shift);
    _load_base();
    if (defined $_[0] && length($_[0]) < 4) {
        (my $mode = $_[0]) =~ tr/+<>//d;
        shift unless length($mode);
    }
    my $handle = $ISA[0]->new_from_fd($fd, '+<')
        || return ($class->error("Could not create socket from file descriptor."));
    return $class->start_SSL($handle, @_);
}

# ---------------------------------------------------------------------------
# Ending TLS

sub close {
    my $self = shift || return _invalid_object();
    my $close_args = (ref($_[0]) eq 'HASH') ? $_[0] : {@_};
    return if !$self->stop_SSL(
        SSL_fast_shutdown => 1,
        %$close_args,
        _SSL_ioclass_downgrade => 0,
        _SSL_in_close => 1,
    );
    # stop_SSL ends the TLS object itself when called from here; should it
    # still be there, it goes now
    $self->stop_SSL(SSL_no_shutdown => 1, _SSL_ioclass_downgrade => 0, _SSL_in_close => 1,
        _SSL_in_DESTROY => $close_args->{_SSL_in_DESTROY})
        if ${*$self}{_SSL_conn};
    if (!$close_args->{_SSL_in_DESTROY}) {
        { no warnings "untie"; untie *$self }
        undef ${*$self}{_SSL_fileno};
        # the inner socket of SSL_usebio owns no descriptor
        return 1 if delete ${*$self}{_SSL_usebio_outer};
        return $self->SUPER::close;
    }
    return 1;
}

# Which directions of TLS are still open: 'rw', 'r', 'w' or '' (undef when
# there is no TLS at all). A direction closes with our close_notify
# (stop_SSL), with the peer's (read), or with both when the peer's is
# answered automatically.
sub is_SSL {
    my $self = pop;
    ${*$self}{_SSL_conn} or return;
    return (${*$self}{_SSL_read_closed} ? '' : 'r') . (${*$self}{_SSL_write_closed} ? '' : 'w');
}

sub _set_closed {
    my ($self, $rd, $wr) = @_;
    ${*$self}{_SSL_read_closed}  = $rd if defined $rd;
    ${*$self}{_SSL_write_closed} = $wr if defined $wr;
    my $conn = ${*$self}{_SSL_conn} or return;
    $conn->set_closed(${*$self}{_SSL_read_closed} || 0, ${*$self}{_SSL_write_closed} || 0);
}

# Called from the XS read functions when a read ends at the peer's
# close_notify (once). As the reference: with our own close_notify already
# sent, TLS is over (stop_SSL); with SSL_on_peer_shutdown, reading is marked
# closed and the read returns what the callback returns (handed back as a
# reference); else close_notify is answered at once and both directions are
# marked closed automatically (-1): plain data must not be taken for TLS
# data, so later writes fail and reads fail when plain data waits (EPERM)
# until the program calls stop_SSL or close.
sub _peer_shutdown {
    my $self = shift;
    my $conn = ${*$self}{_SSL_conn} or return;
    if ($conn->get_shutdown & 1) {
        $self->stop_SSL(SSL_no_shutdown => 1);
        return;
    }
    if (my $cb = ${*$self}{_SSL_arguments}{SSL_on_peer_shutdown}) {
        $self->_set_closed(1, undef);
        my $rv = $cb->($self);
        return \$rv;
    }
    $! = undef;
    $SSL_ERROR = undef;
    $conn->shutdown(1, -1);
    # (_set_closed(-1, -1) written out: this runs at the end of most connections)
    ${*$self}{_SSL_read_closed} = ${*$self}{_SSL_write_closed} = -1;
    $conn = ${*$self}{_SSL_conn} and $conn->set_closed(-1, -1);
    return;
}

# 1 while OpenSSL works on the socket's connection (a callback runs for it)
sub _conn_busy {
    my $sock = shift;
    # (a glob, the usual case, needs no eval)
    my $conn = UNIVERSAL::isa($sock, 'GLOB') ? ${*$sock}{_SSL_conn}
        : UNIVERSAL::isa($sock, 'IO::Handle') ? eval { ${*$sock}{_SSL_conn} } : undef;
    $conn or return 0;
    return $conn->busy;
}

sub stop_SSL {
    my $self = shift || return _invalid_object();
    my $stop_args = (ref($_[0]) eq 'HASH') ? $_[0] : {@_};
    # from a callback of this connection: close may end it (no close_notify
    # is sent from inside OpenSSL), a downgrade to plain text may not
    return _busy('stop_SSL') if !$stop_args->{_SSL_in_close} && _conn_busy($self);
    $stop_args->{SSL_no_shutdown} = 1 if !${*$self}{_SSL_opened};

    if (my $conn = ${*$self}{_SSL_conn}) {
        if (delete ${*$self}{_SSL_opening}) {
            # handshake never finished: nothing to say goodbye to
        } elsif (!$stop_args->{SSL_no_shutdown} && (${*$self}{_SSL_opened} || 0) > 0) {
            my $timeout = exists $stop_args->{Timeout} ? $stop_args->{Timeout}
                : ${*$self}{io_socket_timeout};
            # (the blocking mode only matters for a timeout: one fcntl less)
            $timeout = -1 if !defined $timeout || $timeout <= 0 || !$self->blocking;
            $! = undef;
            $SSL_ERROR = undef;
            my $rc = $conn->shutdown($stop_args->{SSL_fast_shutdown} ? 1 : 0, $timeout);
            if ($rc == _ISS_WANT_READ || $rc == _ISS_WANT_WRITE) {
                # non-blocking: call again when the socket is ready
                $self->_io_fail($rc);
                return;
            } elsif ($rc == _ISS_ERR && !$stop_args->{_SSL_in_close}) {
                $self->_io_fail($rc, 'SSL shutdown error (' . $conn->last_ssl_error . ')');
                return;
            }
            if ($rc != _ISS_ERR && !($conn->get_shutdown & 2) && !$stop_args->{_SSL_in_close}) {
                # One direction only (fast shutdown, or the peer did not
                # answer in time): we write no more TLS, the peer's TLS
                # records are still read. TLS ends when its close_notify
                # arrives (see _peer_shutdown) or with close (which ends it
                # here at once).
                $self->_set_closed(undef, 1);
                return $self;
            }
            # close() closes even when the goodbye could not be said
        }
        # As OpenSSL (the reference's remove callback): a connection that
        # ends without our close_notify leaves a session not to be resumed.
        # (Not for a copy of the connection in another thread, which must
        # not touch it: the eval.)
        if ((${*$self}{_SSL_opened} || 0) > 0 and my $ctx = ${*$self}{_SSL_ctx}) {
            if (my $cache = $ctx->{session_cache}) {
                local $@;
                my $sess = eval { !($conn->get_shutdown & 1) && $conn->get1_session };
                if ($sess) {
                    $cache->del_session(undef, $sess);
                    IO::Socket::SSL::_Lib::session_free($sess);
                }
            }
        }
        $conn->free;
        delete @{*$self}{qw(_SSL_conn _SSL_object _SSL_certificate _SSL_read_closed _SSL_write_closed)};
        ${*$self}{_SSL_opened} = 0;
        { no warnings "untie"; untie *$self }
    }

    if ($stop_args->{SSL_ctx_free}) {
        my $ctx = delete ${*$self}{_SSL_ctx};
        $ctx && $ctx->DESTROY();
    }

    if (!$stop_args->{_SSL_in_DESTROY}) {
        my $downgrade = $stop_args->{_SSL_ioclass_downgrade};
        if ($downgrade || !defined $downgrade) {
            if (my $orig_class = delete ${*$self}{_SSL_ioclass_upgraded}) {
                bless $self, $orig_class;
                my @sslkeys = grep { m{^_?SSL_} } keys %{*$self};
                delete @{*$self}{@sslkeys} if @sslkeys;
            }
        }
    }
    return $self;
}

sub DESTROY {
    my $self = shift or return;
    if (${*$self}{_SSL_conn}) {
        # never a close_notify from here: a forked child dropping its copy
        # must not end the parent's session
        local ($., $@, $!, $^E, $?);
        $self->close(_SSL_in_DESTROY => 1, SSL_no_shutdown => 1);
    }
    delete @{*$self}{@all_my_keys};
}

# IO::Handle's autoflush, without its SelectSaver object and qualify()
# call: IO::Socket's new calls it for every socket made or accepted (16,000
# instructions there, ~2,500 here). The same flag, the same return value.
sub autoflush {
    my $old = select($_[0]);
    my $prev = $|;
    $| = @_ > 1 ? $_[1] : 1;
    select($old);
    return $prev;
}

sub fileno {
    my $self = shift;
    my $fn = ${*$self}{_SSL_fileno};
    return defined($fn) ? $fn : $self->SUPER::fileno();
}

# ---------------------------------------------------------------------------
# Plain-socket fallbacks used by the XS I/O subs before TLS starts or after
# it stopped.

sub _plain_sysread  { my $s = shift; $s->SUPER::sysread(@_) }
sub _plain_read     { my $s = shift; $s->SUPER::read(@_) }
sub _plain_syswrite { my $s = shift; $s->SUPER::syswrite(@_) }
sub _plain_write    { my $s = shift; $s->SUPER::write(@_) }
sub _plain_print    { my $s = shift; $s->SUPER::print(@_) }
sub _plain_getc     { my $s = shift; $s->SUPER::getc(@_) }
sub _plain_eof      { my $s = shift; $s->SUPER::eof(@_) }
sub _plain_readline {
    my $s = shift;
    return wantarray ? $s->SUPER::getlines : $s->SUPER::getline;
}
sub _plain_peek {
    my $self = shift;
    return if !defined CORE::recv($self, my $buf, $_[1], Socket::MSG_PEEK());
    $_[0] = $_[2] ? substr($_[0], 0, $_[2]) . $buf : $buf;
    return length($buf);
}

sub printf {
    my ($self, $format) = (shift, shift);
    return $self->write(sprintf($format, @_));
}

sub say {
    my $self = shift;
    local $\ = "\n";
    return $self->print(@_);
}

# ---------------------------------------------------------------------------
# Introspection

sub _get_ssl_object {
    my $self = shift;
    return ${*$self}{_SSL_object} || IO::Socket::SSL->_internal_error("Undefined SSL object", 9);
}

sub _get_ctx_object {
    my $self = shift;
    my $ctx_object = ${*$self}{_SSL_ctx};
    return $ctx_object && $ctx_object->{context};
}

sub _conn {
    my $self = shift;
    return ${*$self}{_SSL_conn} || IO::Socket::SSL->_internal_error("Undefined SSL object", 9);
}

sub get_cipher {
    my $conn = shift->_conn || return;
    return $conn->cipher;
}

my %VERSION_NAME = (
    0x0304 => 'TLSv1_3', 0x0303 => 'TLSv1_2', 0x0302 => 'TLSv1_1',
    0x0301 => 'TLSv1', 0x0300 => 'SSLv3', 0x0002 => 'SSLv2', 0xfeff => 'DTLS1',
);
sub get_sslversion {
    my $conn = shift->_conn || return;
    my $v = $conn->version or return;
    return $VERSION_NAME{$v};
}

sub get_sslversion_int {
    my $conn = shift->_conn || return;
    return $conn->version;
}

sub get_session_reused {
    my $conn = shift->_conn || return;
    return $conn->session_reused;
}

sub get_servername {
    my $self = shift;
    return ${*$self}{_SSL_servername} ||= do {
        my $conn = $self->_conn or return;
        $conn->servername;
    };
}

{
    my %dispatcher = (
        issuer          => sub { IO::Socket::SSL::_Lib::x509_name(shift, 1) },
        subject         => sub { IO::Socket::SSL::_Lib::x509_name(shift, 0) },
        commonName      => sub { IO::Socket::SSL::_Lib::x509_cn(shift) },
        subjectAltNames => sub { IO::Socket::SSL::_Lib::x509_alt_names(shift) },
    );
    $dispatcher{authority} = $dispatcher{issuer};
    $dispatcher{owner}     = $dispatcher{subject};
    $dispatcher{cn}        = $dispatcher{commonName};
    sub _cert_field {
        my ($what, $cert, $field) = @_;
        my $sub = $dispatcher{$field} or croak
            "invalid argument for $what, valid are: " . join(" ", keys %dispatcher)
            . "\nMaybe you need to upgrade your Net::SSLeay";
        return $sub->($cert);
    }
}

sub peer_certificate {
    my ($self, $field, $reload) = @_;
    my $conn = $self->_conn or return;
    my $cert = $conn->peer_cert($reload ? 1 : 0)
        or return $self->error("Could not retrieve peer certificate");
    ${*$self}{_SSL_certificate} = $cert;
    return $field ? _cert_field('peer_certificate', $cert, $field) : $cert;
}

sub sock_certificate {
    my ($self, $field) = @_;
    my $conn = $self->_conn or return;
    my $cert = $conn->own_cert or return;
    return $field ? _cert_field('sock_certificate', $cert, $field) : $cert;
}

sub dump_peer_certificate {
    my $self = shift;
    my $conn = $self->_conn or return;
    my $cert = $conn->peer_cert(0);
    return "Subject Name: undefined\nIssuer  Name: undefined\n" if !$cert;
    return 'Subject Name: ' . IO::Socket::SSL::_Lib::x509_name($cert, 0) . "\n"
        . 'Issuer  Name: ' . IO::Socket::SSL::_Lib::x509_name($cert, 1) . "\n";
}

sub get_fingerprint_bin {
    my ($self, $algo, $cert, $key_only) = @_;
    $cert ||= $self->peer_certificate;
    return IO::Socket::SSL::_Lib::x509_digest($cert, $algo || 'sha256', $key_only ? 1 : 0);
}

sub get_fingerprint {
    my ($self, $algo, $cert, $key_only) = @_;
    $algo ||= 'sha256';
    my $fp = get_fingerprint_bin($self, $algo, $cert, $key_only) or return;
    return $algo . '$' . ($key_only ? 'pub$' : '') . unpack('H*', $fp);
}

# International names are compared in their ASCII (punycode) form.
sub _idn_name {
    my $name = shift;
    return $name if !defined $name || $name !~ m{[^\x00-\x7f]};
    my $ascii = eval {
        require IO::Socket::SSL::PublicSuffix;
        IO::Socket::SSL::PublicSuffix::idn_to_ascii($name);
    };
    return defined $ascii ? $ascii : $name;
}

sub verify_hostname_of_cert {
    my ($identity, $cert, $scheme, $publicsuffix) = @_;
    $scheme ||= 'default';
    if (ref($scheme) eq 'HASH') {
        if (my $sub = $scheme->{callback}) {
            (my $id = $identity) =~ s{\.+$}{};
            return $sub->($id, IO::Socket::SSL::_Lib::x509_cn($cert),
                IO::Socket::SSL::_Lib::x509_alt_names($cert));
        }
        return 1 if !%$scheme;
        require IO::Socket::SSL::SSL_Context;
        $scheme = IO::Socket::SSL::SSL_Context::_scheme_array($scheme);
    }
    return 1 if !ref($scheme) && $scheme eq 'none';
    return 0 if $identity =~ m{\0};
    # as the reference's patterns: "1.2.3.4\n" is the address 1.2.3.4
    $identity =~ s{\n\z}{} if $identity =~ m{^[\d.]+\n\z};
    # the public suffix rule: no wildcard may cover a public suffix. 1: by
    # the built-in list (in C), 0: wildcards are not restricted, 2: no
    # wildcard matches this identity (decided here by the caller's list)
    my $use_psl = (defined $publicsuffix && !ref($publicsuffix) && $publicsuffix eq '') ? 0 : 1;
    if (ref($publicsuffix) && (ref($publicsuffix) ne 'IO::Socket::SSL::PublicSuffix'
            || $publicsuffix->{tree} || $publicsuffix->{min_suffix} != 1)) {
        (my $id = _idn_name($identity)) =~ s{\.+$}{};
        my @labels = split(m{\.+}, $id);
        my $tld = $publicsuffix->public_suffix(\@labels, +1);
        $use_psl = @labels > ($tld ? 0 + @$tld : 1) ? 0 : 2;
    }
    return IO::Socket::SSL::_Lib::verify_hostname_of_cert(
        $cert, _idn_name($identity), $scheme, $use_psl);
}

sub verify_hostname {
    my $self = shift;
    my $host = shift;
    my $cert = $self->peer_certificate;
    return verify_hostname_of_cert($host, $cert, @_);
}

sub ocsp_resolver {
    my $self = shift;
    my $conn = $self->_conn or return;
    my $ctx = ${*$self}{_SSL_ctx};
    my $trust = IO::Socket::SSL::_OCSPTrust->from_conn($conn) or return;
    require IO::Socket::SSL::OCSP;
    return IO::Socket::SSL::OCSP_Resolver->new(
        $trust,
        $ctx->{ocsp_cache} ||= IO::Socket::SSL::OCSP_Cache->new,
        $ctx->{ocsp_mode} & SSL_OCSP_FAIL_HARD,
        @_ ? \@_
            : $ctx->{ocsp_mode} & SSL_OCSP_FULL_CHAIN ? [ $self->peer_certificates ]
            : [ $self->peer_certificate ]
    );
}

# The peer's chain, leaf first. As in the reference, a socket returned by
# accept (whose SSL_server argument is 0 there) gets the chain without the
# leaf: only the certificates the client sent after it.
sub peer_certificates {
    my $self = shift;
    my $conn = $self->_conn or return;
    return if !$self->peer_certificate;
    my @chain = $conn->peer_chain;
    shift @chain if $conn->is_server && !${*$self}{_SSL_arguments}{SSL_server};
    return @chain;
}

sub alpn_selected {
    my $conn = shift->_conn || return;
    return $conn->alpn_selected;
}

sub next_proto_negotiated {
    my $self = shift;
    return $self->_internal_error("NPN not supported in Net::SSLeay", 9) if !can_npn();
    my $conn = $self->_conn || return;
    return $conn->npn_selected;
}

# ---------------------------------------------------------------------------
# Small methods and legacy names

sub opened {
    my $self = shift;
    return IO::Handle::opened($self) && ${*$self}{_SSL_opened};
}
sub opening { my $self = shift; return ${*$self}{_SSL_opening} }
# compared as numbers without warnings: errstr may be '' or a message
sub want_read  { no warnings 'numeric'; shift->errstr == SSL_WANT_READ }
sub want_write { no warnings 'numeric'; shift->errstr == SSL_WANT_WRITE }

sub socket_to_SSL { IO::Socket::SSL->start_SSL(@_) }
sub socketToSSL   { IO::Socket::SSL->start_SSL(@_) }
sub kill_socket   { shift->close }
sub issuer_name   { return (shift()->peer_certificate("issuer")) }
sub subject_name  { return (shift()->peer_certificate("subject")) }
sub get_peer_certificate { return shift() }

sub truncate { croak("Use of truncate() not allowed with SSL") }
sub stat     { croak("Use of stat() not allowed with SSL") }
sub setbuf   { croak("Use of setbuf() not allowed with SSL") }
sub setvbuf  { croak("Use of setvbuf() not allowed with SSL") }
sub fdopen   { croak("Use of fdopen() not allowed with SSL") }
sub ungetc { croak("Use of ungetc() not implemented in IO::Socket::SSL") }
sub send   { croak("Use of send() not implemented in IO::Socket::SSL; use print/printf/syswrite instead") }
sub recv   { croak("Use of recv() not implemented in IO::Socket::SSL; use read/sysread instead") }

sub idn_to_ascii   { require IO::Socket::SSL::PublicSuffix; IO::Socket::SSL::PublicSuffix::idn_to_ascii(@_) }
sub idn_to_unicode { require IO::Socket::SSL::PublicSuffix; IO::Socket::SSL::PublicSuffix::idn_to_unicode(@_) }

package IO::Socket::SSL::SSL_HANDLE;
# The tie class's methods written in Perl (TIEHANDLE, READ, READLINE, WRITE,
# PRINT, GETC and EOF are XS, xs/socket.xs; EBADF is imported in SSL.pm).
use strict;

sub PRINTF  { my $s = ${shift()}; $s->printf(@_) }
sub FILENO  { ${shift()}->fileno(@_) }
sub TELL    { $! = EBADF; return -1 }
sub BINMODE { return 0 }
sub CLOSE {
    my $ssl = ${$_[0]};
    local @_;
    $ssl->close();
}

1;
