package IO::Socket::SSL::SSL_Context;
# A TLS context built from IO::Socket::SSL's options. Each option group is
# applied by one step below; the C context (IO::Socket::SSL::_Ctx) does the
# work. {context} is the raw SSL_CTX* as an integer, as the reference keeps it.

use strict;
use warnings;
use Scalar::Util ();
no warnings 'uninitialized';
sub croak { require Carp; goto &Carp::croak }

# the whole glob, as the reference: `local $IO::Socket::SSL::DEBUG` is seen here too
*DEBUG = *IO::Socket::SSL::DEBUG;
our $DEBUG;

# contexts of this thread, for the debug output of DESTROY (as the reference)
our %OPEN;

use constant {
    SSL_MODE_RELEASE_BUFFERS => 0x10,
    OP_ALL                   => 0x80000850,   # SSL_OP_ALL of OpenSSL 3 (bug workarounds)
    OP_SINGLE_DH_USE         => 0,            # always on since OpenSSL 1.1
    OP_CIPHER_SERVER_PREFERENCE => 0x00400000,
};

my %VERSION_NUM = (
    SSLv3 => 0x300, TLSv1 => 0x301, TLSv1_1 => 0x302, TLSv1_2 => 0x303, TLSv1_3 => 0x304,
);
my %OP_NO = (
    SSLv2 => 0, SSLv3 => 0x02000000, TLSv1 => 0x04000000, TLSv1_1 => 0x10000000,
    TLSv1_2 => 0x08000000, TLSv1_3 => 0x20000000,
);

sub _fail_die {
    # The reference dies on these; $SSL_ERROR says the same for callers that
    # look there.
    my $msg = shift;
    IO::Socket::SSL->_internal_error($msg, 9);
    die "$msg\n" if $msg =~ /\n\z/;
    croak($msg);
}

# SSL_version grammar (one version or SSLv23, plus !exclusions, ':'-joined),
# parsed in C (c_src/optparse.c); the index order is the C side's ISS_VER_*.
my @VER_NAME = qw(SSLv23 SSLv2 SSLv3 TLSv1 TLSv1_1 TLSv1_2 TLSv1_3);
sub _parse_version {
    my ($v, $excluded) = IO::Socket::SSL::_Lib::parse_ssl_version(shift);
    _fail_die($excluded) if !defined $v;
    my $op = 0;
    for (0 .. $#VER_NAME) {
        $op |= $OP_NO{$VER_NAME[$_]} || 0 if $excluded & (1 << $_);
    }
    return ($VER_NAME[$v], $op);
}

# Raw OpenSSL handles are positive integers (ours, Utils' or Net::SSLeay's).
sub _is_handle { defined $_[0] && !ref($_[0]) && $_[0] =~ /^\d+\z/ && $_[0] > 0 }

sub _scheme_array {
    my $s = shift;
    my %wild = ('' => 0, 0 => 0, full_label => 1, leftmost => 2, anywhere => 3);
    my %cn = ('' => 0, 0 => 0, always => 1, when_only => 2);
    return [
        $wild{$s->{wildcards_in_cn} || 0} // 0,
        $wild{$s->{wildcards_in_alt} || 0} // 0,
        $cn{$s->{check_cn} || 0} // 0,
        !$s->{ip_in_cn} ? 0 : $s->{ip_in_cn} eq '4' ? 4 : $s->{ip_in_cn} eq '6' ? 6 : 1,
    ];
}

{
    # replaces the loader stub of IO::Socket::SSL
    no warnings 'redefine';
    *new = \&_new;
}

# the SSL_CTX* as an integer, as the reference's method of this name
sub _get_ctx_object { shift->{context} }

sub _new {
    my $class = shift;
    my $arg_hash = (ref($_[0]) eq 'HASH') ? $_[0] : {@_};
    my $is_server = $arg_hash->{SSL_server};

    # A context to share, given with the connection (the common case of
    # many connections): the built-in defaults are the context's business
    # and are not copied into every connection's arguments; the program's
    # own defaults (set_defaults & co) may name per-connection options and
    # are merged as always.
    if (my $reuse = $arg_hash->{SSL_reuse_ctx}) {
        my $ctx = ref($reuse) eq 'IO::Socket::SSL::SSL_Context' ? $reuse->{context} && $reuse
            : UNIVERSAL::isa($reuse, 'GLOB') && !UNIVERSAL::isa($reuse, 'IO::Socket::SSL::SSL_Context')
            && ${*$reuse}{_SSL_ctx};
        if ($ctx) {
            my @global = IO::Socket::SSL::_global_defaults_for($is_server);
            %$arg_hash = (@global, %$arg_hash) if @global;
            return $ctx;
        }
    }

    my %defaults = IO::Socket::SSL::_defaults_for($is_server);
    if ($defaults{SSL_reuse_ctx}) {
        delete $defaults{SSL_reuse_ctx}
            if grep { m{^SSL_(?!verifycn_name|hostname)$} } keys %$arg_hash;
    }
    %$arg_hash = (%defaults, %$arg_hash) if %defaults;

    if (my $ctx = $arg_hash->{SSL_reuse_ctx}) {
        if (UNIVERSAL::isa($ctx, 'IO::Socket::SSL::SSL_Context')) {
            return $ctx if $ctx->{context};
        } elsif (UNIVERSAL::isa($ctx, 'GLOB') and my $sctx = ${*$ctx}{_SSL_ctx}) {
            # the context of a socket
            return $sctx;
        }
        # as the reference; also for unblessed references, where the
        # reference dies with a method call error instead
        die "invalid context to reuse: $ctx";
    }

    if (!$is_server && !defined $arg_hash->{SSL_use_cert}
        && (grep { $arg_hash->{$_} } qw(SSL_cert SSL_cert_file))
        && (grep { $arg_hash->{$_} } qw(SSL_key SSL_key_file))) {
        $arg_hash->{SSL_use_cert} = 1;
    }
    if ($arg_hash->{SSL_ca}) {
        $arg_hash->{SSL_ca_file} ||= undef;
        $arg_hash->{SSL_ca_path} ||= undef;
    } elsif ($arg_hash->{SSL_ca_path}) {
        $arg_hash->{SSL_ca_file} ||= undef;
    } elsif ($arg_hash->{SSL_ca_file}) {
        $arg_hash->{SSL_ca_path} ||= undef;
    }
    $arg_hash->{SSL_use_cert} = $is_server if !defined $arg_hash->{SSL_use_cert};

    # undef means "not given"; some callers use '' for the same
    defined($arg_hash->{$_}) or delete($arg_hash->{$_}) for keys %$arg_hash;
    for (qw(SSL_cert SSL_cert_file SSL_key SSL_key_file SSL_ca SSL_ca_file SSL_ca_path
            SSL_fingerprint)) {
        $arg_hash->{$_} = undef if defined $arg_hash->{$_} and !ref($arg_hash->{$_})
            and $arg_hash->{$_} eq '';
    }
    for my $opt (qw(SSL_cert_file SSL_key_file)) {
        defined(my $file = $arg_hash->{$opt}) or next;
        for my $f (ref($file) eq 'HASH' ? values(%$file) : $file) {
            _fail_die("$opt $f can't be used: $!") if !open(my $fh, '<', $f);
        }
    }

    my $verify_mode = $arg_hash->{SSL_verify_mode} || 0;
    _fail_die("SSL_verify_mode must be a number and not a string")
        if $verify_mode !~ /^\s*\d+\s*\z/;
    if ($verify_mode != 0) {
        for (qw(SSL_ca_file SSL_ca_path)) {
            my $v = $arg_hash->{$_} || next;
            eval { IO::Socket::SSL::_check_ssl_path($_ => $v); 1 } or do {
                (my $e = $@) =~ s{ at \S+ line \d+\.?\n\z}{};
                _fail_die("$e\n");
            };
        }
    } elsif ($verify_mode ne '0') {
        _fail_die("SSL_verify_mode must be a number and not a string");
    }

    my $self = bless {}, $class;
    my ($ver, $op) = _parse_version($arg_hash->{SSL_version});
    return IO::Socket::SSL->_internal_error("SSL Version $ver not supported", 9)
        if $ver eq 'SSLv2' || $ver eq 'SSLv3';
    my ($min, $max) = $ver eq 'SSLv23' ? (0, 0) : ($VERSION_NUM{$ver}) x 2;
    $op |= OP_ALL;
    $op |= OP_CIPHER_SERVER_PREFERENCE if $arg_hash->{SSL_honor_cipher_order};

    # A server given certificates per host name gets a context per name,
    # chosen by SNI; 'host%ecc' adds a second certificate to host's context.
    my %hosts;
    if ($is_server) {
        for my $opt (qw(SSL_key SSL_key_file SSL_cert SSL_cert_file)) {
            my $val = $arg_hash->{$opt};
            next if ref($val) ne 'HASH';
            $hosts{lc $_}{$opt} = $val->{$_} for keys %$val;
        }
    }
    my @names = %hosts ? sort keys %hosts : ('');
    my %ctx;
    for my $host (grep { !/%/ } @names) {
        my $args = %hosts ? { %$arg_hash, %{$hosts{$host}} } : $arg_hash;
        my $ctx = IO::Socket::SSL::_Ctx->new($is_server ? 1 : 0, $min, $max, $op)
            or return IO::Socket::SSL->error("SSL Context init failed");
        for my $step (\&_apply_verify, \&_apply_ca, \&_apply_certs, \&_apply_kex,
                      \&_apply_ciphers, \&_apply_alpn, \&_apply_session_keys, \&_apply_ocsp) {
            $step->($self, $ctx, { %$args }, $is_server, $host) or return;
        }
        # on by default (c_src/ctx.c): an explicit false value turns it off
        IO::Socket::SSL::_Lib::raw_mode(1, $ctx->ptr, 0, SSL_MODE_RELEASE_BUFFERS)
            if exists $args->{SSL_mode_release_buffers} && !$args->{SSL_mode_release_buffers};
        $ctx{$host} = $ctx;
    }
    for my $host (grep { /%/ } @names) {
        my ($base) = $host =~ m{^([^%]*)%};
        my $ctx = $ctx{$base} or return IO::Socket::SSL->error(
            "SSL Context init for $host failed - no config for $base");
        if (my @k = grep { !m{^SSL_(?:cert|key)(?:_file)?$} } keys %{$hosts{$host}}) {
            return IO::Socket::SSL->error(
                "invalid keys @k in configuration '$host' of additional certs");
        }
        _apply_certs($self, $ctx, { %{$hosts{$host}}, SSL_use_cert => 1,
            SSL_passwd_cb => $arg_hash->{SSL_passwd_cb} }, $is_server, $host) or return;
    }
    my $main = $ctx{''} || $ctx{(sort keys %ctx)[0]};
    if (keys(%ctx) > 1 || !exists $ctx{''}) {
        for my $host (grep { $_ ne '' } keys %ctx) {
            $main->add_sni($host, $ctx{$host});
        }
        $main->sni_default(exists $ctx{''} ? 1 : 0);
        $self->{_sni} = \%ctx;
    }
    $self->{_ctx} = $main;
    $self->{context} = $main->ptr;
    _apply_misc($self, $main, $arg_hash, $is_server) or return;

    if (my $cb = $arg_hash->{SSL_create_ctx_callback}) {
        $cb->($_->ptr) for map { $ctx{$_} } sort keys %ctx;
    }
    $self->{verify_mode} = $verify_mode;
    $self->{ocsp_mode} = defined($arg_hash->{SSL_ocsp_mode}) ? $arg_hash->{SSL_ocsp_mode}
        : $verify_mode ? IO::Socket::SSL::SSL_OCSP_TRY_STAPLE() : 0;
    $DEBUG >= 3 && IO::Socket::SSL::DEBUG("new ctx $self->{context}");
    $OPEN{ $self->{context} } = 1;
    return $self;
}

sub CLONE { %OPEN = () }

# Verification: mode, the user's callback, and the host name check that a
# verifying client always does (scheme 'default' unless told otherwise).
sub _apply_verify {
    my ($self, $ctx, $args, $is_server) = @_;
    my $mode = $args->{SSL_verify_mode} || 0;
    my $scheme = $args->{SSL_verifycn_scheme};
    my $psl = $args->{SSL_verifycn_publicsuffix};
    my $explicit = defined $scheme ? 1 : 0;
    my $check;
    if (!$is_server && ($mode & 1) && (!$scheme || $scheme ne 'none')) {
        $check = !defined $scheme ? 'default'
            : ref($scheme) eq 'HASH' ? _scheme_array($scheme) : $scheme;
        if (ref($scheme) eq 'HASH' && !%$scheme) {
            $check = undef;
        } elsif (ref($scheme) eq 'HASH' && $scheme->{callback} || ref($psl)) {
            # a Perl decision (the user's callback, or the user's public
            # suffix object): run it from the verify callback below
            $self->{verifycn_perl} = [$scheme, $psl];
            $check = undef;
        }
        $self->{verify_name} = 1;
    }
    my $use_psl = (defined $psl && !ref($psl) && $psl eq '') ? 0 : 1;
    eval { $ctx->set_verify($mode, $check, $explicit, $use_psl); 1 } or do {
        (my $e = $@) =~ s{ at \S+ line \d+\.?\n\z}{};
        _fail_die($e) if $e !~ /^scheme .* not defined\z/ || $self->{verifycn_perl};
        # An unknown scheme name: as the reference, the context is made and
        # the name check of the first verified leaf dies (in the Perl
        # callback below, which connect_SSL turns into the die)
        $self->{verifycn_perl} = [$scheme, $psl];
        $ctx->set_verify($mode, undef, $explicit, $use_psl);
    };
    my $vcb = $args->{SSL_verify_callback};
    if (my $perl = $self->{verifycn_perl}) {
        my ($vscheme, $vpsl) = @$perl;
        my $user = $vcb;
        $vcb = sub {
            my ($ok, $store, $certname, $error, $cert, $depth, $sock) = @_;
            $ok = $user->(@_[0 .. 5]) if $user;
            return $ok if !$ok || $depth != 0 || !$sock;
            # as the reference: a callback scheme gets 'unknown' when no name is known
            my $host = ${*$sock}{_SSL_verify_name};
            $host = 'unknown' if (!defined $host || $host eq '')
                && ref($vscheme) eq 'HASH' && $vscheme->{callback};
            if (!defined $host || $host eq '') {
                if ($vscheme) {
                    $sock->_internal_error("Cannot determine peer hostname for verification", 8);
                    return 0;
                }
                warn "Cannot determine hostname of peer for verification. "
                    . "Disabling default hostname verification for now. "
                    . "Please specify hostname with SSL_verifycn_name and better set "
                    . "SSL_verifycn_scheme too.\n";
                return $ok;
            }
            $DEBUG >= 3 && !ref($vscheme) && IO::Socket::SSL::DEBUG("scheme=$vscheme cert=$cert");
            my $rv = eval { IO::Socket::SSL::verify_hostname_of_cert($host, $cert, $vscheme, $vpsl) };
            if (!defined $rv) {
                # dies out of new/connect_SSL, not out of OpenSSL
                ${*$sock}{_SSL_verify_died} = $@;
                return 0;
            }
            $sock->_internal_error("hostname verification failed", 5) if !$rv;
            return $rv;
        };
    }
    if ($DEBUG >= 3) {
        # the reference's debug lines: each certificate of the chain, then
        # the host name check of the leaf
        my $user = $vcb;
        my $check_name = $self->{verify_name} && !$self->{verifycn_perl};
        $self->{verify_name_debug} = 1 if $check_name;    # reads _SSL_verify_name
        my $vscheme = defined $scheme ? $scheme : 'default';
        $vcb = sub {
            my ($ok, $store, $certname, $error, $cert, $depth, $sock) = @_;
            IO::Socket::SSL::DEBUG("ok=$ok [$depth] $certname");
            # the name check wrapper takes the socket too, the user's callback not
            $ok = $self->{verifycn_perl} ? $user->(@_) : $user->(@_[0 .. 5]) if $user;
            if ($ok && $depth == 0 && $check_name && $sock) {
                my $host = ${*$sock}{_SSL_verify_name};
                if (defined $host && $host ne '') {
                    IO::Socket::SSL::DEBUG("scheme=$vscheme cert=$cert") if !ref $vscheme;
                    (my $id = $host) =~ s{\.+$}{};
                    IO::Socket::SSL::DEBUG("identity=$id cn=" . (IO::Socket::SSL::_Lib::x509_cn($cert) // '')
                        . " alt=" . join(' ', IO::Socket::SSL::_Lib::x509_alt_names($cert)));
                }
            }
            return $ok;
        };
    }
    if (my $inner = $vcb) {
        # The glue calls this with the reference's six arguments and the
        # socket of the connection, which only the wrappers above need.
        # The value is turned into 0/1 here, inside the G_EVAL of the glue:
        # an object with an overloaded bool that dies must not unwind OpenSSL.
        $ctx->set_verify_callback($self->{verifycn_perl} || $DEBUG >= 3
            ? sub { $inner->(@_) ? 1 : 0 }
            : sub { pop; $inner->(@_) ? 1 : 0 });
    }

    # pinned certificates
    if (my $fp = $args->{SSL_fingerprint}) {
        for (ref($fp) ? @$fp : $fp) {
            # c_src/optparse.c: 'algo$hex', 'algo$pub$hex', or bare hex whose
            # length tells the algorithm; colons are ignored
            my ($rc, $algo, $pubkey, $digest) = IO::Socket::SSL::_Lib::parse_fingerprint($_);
            return IO::Socket::SSL->_internal_error("invalid fingerprint '$_'", 9)
                if $rc == -1;
            return IO::Socket::SSL->_internal_error(
                "cannot detect hash algorithm from fingerprint '$_'", 9) if $rc;
            $ctx->add_fingerprint($algo, $pubkey, $digest)
                or return IO::Socket::SSL->_internal_error(
                    "Digest algorithm $algo is not available", 9);
        }
        $ctx->force_fingerprint(1) if $args->{SSL_force_fingerprint};
    }
    return 1;
}

sub _apply_ca {
    my ($self, $ctx, $args, $is_server) = @_;
    my $verify = ($args->{SSL_verify_mode} || 0) != 0;
    if ($args->{SSL_ca} || defined $args->{SSL_ca_file} || defined $args->{SSL_ca_path}) {
        my $file = $args->{SSL_ca_file};
        $file = undef if ref($file) eq 'SCALAR' && !$$file;
        my $dir = $args->{SSL_ca_path};
        $dir = undef if ref($dir) eq 'SCALAR' && !$$dir;
        if (my $ca = $args->{SSL_ca}) {
            for (ref($ca) eq 'ARRAY' ? @$ca : $ca) {
                _is_handle($_) && $ctx->add_ca($_) or return IO::Socket::SSL->_record_error($ctx,
                    "Failed to add certificate to CA store");
            }
        }
        $dir = join($IO::Socket::SSL::OPENSSL_LIST_SEPARATOR, @$dir) if ref($dir) eq 'ARRAY';
        if (($file || $dir) and !$ctx->load_ca($file, $dir)) {
            return IO::Socket::SSL->_record_error($ctx, "Invalid certificate authority locations") if $verify;
        }
    } elsif (my %ca = IO::Socket::SSL::default_ca()) {
        # the process-wide store: parsed once, shared by every such context
        my $dir = $ca{SSL_ca_path};
        $dir = join($IO::Socket::SSL::OPENSSL_LIST_SEPARATOR, @$dir) if ref($dir) eq 'ARRAY';
        if (!$ctx->use_default_ca($ca{SSL_ca_file}, $dir) && $verify) {
            return IO::Socket::SSL->_record_error($ctx, "Invalid default certificate authority locations");
        }
    }
    if ($is_server && ($args->{SSL_verify_mode} & 1)) {
        if (my $list = $args->{SSL_client_ca}) {
            for (ref($list) eq 'ARRAY' ? @$list : $list) {
                _is_handle($_) && $ctx->add_client_ca($_) or return IO::Socket::SSL->_record_error($ctx,
                    "Failed to add certificate to client CA list");
            }
        }
        if (my $f = $args->{SSL_client_ca_file}) {
            $ctx->load_client_ca_file($f) or return IO::Socket::SSL->_record_error($ctx,
                "Failed to load certificate to client CA list");
        }
    }
    if ($args->{SSL_check_crl}) {
        $ctx->set_verify_flags(0x4);   # X509_V_FLAG_CRL_CHECK
        if (my $f = $args->{SSL_crl_file}) {
            $ctx->load_crl_file($f) or return IO::Socket::SSL->_record_error($ctx,
                "Invalid certificate revocation list");
        }
    }
    # the session id context must be set when clients are verified, or
    # their resumption fails
    if ($is_server and my $id = $args->{SSL_session_id_context}
        || (($args->{SSL_verify_mode} & 1) && $ctx->ptr)) {
        $ctx->set_session_id_context($id);
    }
    return 1;
}

sub _apply_certs {
    my ($self, $ctx, $args, $is_server) = @_;
    if (my $pcb = $args->{SSL_passwd_cb}) {
        $ctx->set_passwd_callback(sub { my $pw = $pcb->(@_); defined $pw ? "$pw" : undef });
    }
    # as the reference: a certificate that is given is used, whatever
    # SSL_use_cert says
    my ($havecert, $havekey);
    # The old built-in defaults ("Defaults for Cert, Key and CA"): only when
    # a certificate is wanted and no SSL_cert*, SSL_key* or SSL_ca* option is
    # given, certs/server-cert.pem + certs/server-key.pem (client-* for
    # clients) are used if they exist. The CA default (certs/my-ca.pem, ca/)
    # is not taken over: trust anchors found relative to the current
    # directory would silently replace the system store.
    if ($args->{SSL_use_cert} && !grep { defined $args->{$_} }
            qw(SSL_cert SSL_cert_file SSL_key SSL_key_file SSL_ca SSL_ca_file SSL_ca_path)) {
        my $who = $is_server ? 'server' : 'client';
        if (-r "certs/$who-cert.pem" && -r "certs/$who-key.pem") {
            $args->{SSL_cert_file} = "certs/$who-cert.pem";
            $args->{SSL_key_file}  = "certs/$who-key.pem";
        }
    }
    if (my $x509 = $args->{SSL_cert}) {
        my @x509 = ref($x509) eq 'ARRAY' ? @$x509 : ($x509);
        my $cert = shift @x509;
        for ($cert, @x509) {
            return IO::Socket::SSL->error("Failed to use Certificate", "not an X509 handle: $_")
                if !_is_handle($_);
        }
        $ctx->use_cert($cert, 0)
            or return IO::Socket::SSL->_record_error($ctx, "Failed to use Certificate");
        for (@x509) {
            $ctx->use_cert($_, 1)
                or return IO::Socket::SSL->_record_error($ctx, "Failed to use Certificate");
        }
        $havecert = 'OBJ';
    } elsif (my $f = $args->{SSL_cert_file}) {
        my ($fmt, $gotkey) = $ctx->use_cert_file($f);
        # the record lists every format tried, each as " [format:X] ... **"
        $fmt or return IO::Socket::SSL->_record_error($ctx,
            "Failed to load certificate from file $f:", '');
        $havecert = $fmt;
        $havekey = 'PKCS12' if $gotkey;
    }
    if (!$havecert || $havekey) {
        # nothing more to load
    } elsif (my $pkey = $args->{SSL_key}) {
        return IO::Socket::SSL->error("Failed to use Private Key", "not an EVP_PKEY handle: $pkey")
            if !_is_handle($pkey);
        $ctx->use_key($pkey)
            or return IO::Socket::SSL->_record_error($ctx, "Failed to use Private Key");
        $havekey = 'MEM';
    } elsif (my $f = $args->{SSL_key_file} || ($havecert eq 'PEM' ? $args->{SSL_cert_file} : undef)) {
        $ctx->use_key_file($f) or return IO::Socket::SSL->_record_error($ctx,
            "Failed to load key from file (no PEM or DER)");
        $havekey = 'FILE';
    }
    # a TLS 1.3 client with a certificate allows the server to ask for it
    # after the handshake (post-handshake authentication), as the reference
    $ctx->set_post_handshake_auth(1) if !$is_server && $havecert && $havekey;
    return 1;
}

# Key exchange: DH parameters (servers) and ECDH groups.
sub _apply_kex {
    my ($self, $ctx, $args, $is_server) = @_;
    if ($is_server) {
        if (my $f = $args->{SSL_dh_file}) {
            open(my $fh, '<', $f) or return IO::Socket::SSL->error("Failed to open DH file $f", "$!");
            $ctx->set_dh_file($f) or return IO::Socket::SSL->_record_error($ctx,
                "Failed to read PEM for DH from $f - wrong format?");
        } elsif (my $dh = $args->{SSL_dh}) {
            # a DH* handle (as the reference takes it, from Net::SSLeay), or
            # the parameters as a PEM string
            my $ok = !ref($dh) && $dh =~ /^[1-9][0-9]*\z/ ? $ctx->set_dh_handle($dh)
                : $ctx->set_dh(ref($dh) eq 'SCALAR' && $$dh eq 'builtin' ? undef : $dh);
            $ok or return IO::Socket::SSL->_record_error($ctx, "Failed to set DH from SSL_dh");
        }
    }
    if (my $curve = $args->{SSL_ecdh_curve}) {
        if ($curve ne 'auto') {
            $ctx->set_groups($curve) or return IO::Socket::SSL->_record_error($ctx,
                "failed to set ECDH groups/curves on context");
        }
    }
    return 1;
}

sub _apply_ciphers {
    my ($self, $ctx, $args, $is_server) = @_;
    my $host = $_[4] // '';
    if (my $cl = $args->{SSL_cipher_list}) {
        $cl = $cl->{$host} || $cl->{''} || $IO::Socket::SSL::DEFAULT_CIPHERS if ref($cl) eq 'HASH';
        # with SSL_psk the default list must not exclude the PSK ciphers
        $cl = "PSK:$cl" =~ s/ !PSK//r if defined $args->{SSL_psk} && $cl eq $IO::Socket::SSL::DEFAULT_CIPHERS;
        if (defined $cl && $cl ne '') {
            $ctx->set_cipher_list($cl)
                or return IO::Socket::SSL->_record_error($ctx, "Failed to set SSL cipher list");
        }
    }
    if (my $cs = $args->{SSL_ciphersuites}) {
        $cs = $cs->{$host} || $cs->{''} if ref($cs) eq 'HASH';
        if (defined $cs) {
            $ctx->set_ciphersuites($cs)
                or return IO::Socket::SSL->_record_error($ctx, "Failed to set SSL cipher list");
        }
    }
    return 1;
}

sub _apply_alpn {
    my ($self, $ctx, $args, $is_server) = @_;
    for (qw(SSL_alpn_protocols SSL_npn_protocols)) {
        # an empty list is no list (and empty entries are refused below)
        delete $args->{$_} if ref($args->{$_}) eq 'ARRAY' && !@{ $args->{$_} };
    }
    if (ref($args->{SSL_alpn_protocols}) eq 'ARRAY') {
        # empty names cannot go on the wire; the reference's list with one
        # is refused by OpenSSL and the connection goes on without ALPN
        my @l = grep { defined && $_ ne '' } @{ $args->{SSL_alpn_protocols} };
        $args->{SSL_alpn_protocols} = @l ? \@l : undef;
    }
    if (my $list = $args->{SSL_alpn_protocols}) {
        $ctx->set_protocols(0, ref($list) ? $list : [$list])
            or return IO::Socket::SSL->_record_error($ctx, "Failed to set ALPN protocols");
    }
    if (my $list = $args->{SSL_npn_protocols}) {
        return IO::Socket::SSL->_internal_error("NPN not supported in Net::SSLeay", 9)
            if !IO::Socket::SSL::_Lib::can_npn();
        $ctx->set_protocols(1, ref($list) ? $list : [$list])
            or return IO::Socket::SSL->_record_error($ctx, "Failed to set NPN protocols");
    }
    return 1;
}

sub _apply_misc {
    my ($self, $ctx, $args, $is_server) = @_;
    if (!$is_server) {
        if (my $cache = $args->{SSL_session_cache}) {
            $self->{session_cache} = $cache;
        } elsif (my $size = $args->{SSL_session_cache_size}) {
            require IO::Socket::SSL::Session_Cache;
            $self->{session_cache} = IO::Socket::SSL::Session_Cache->new($size);
        }
        if ($self->{session_cache}) {
            $ctx->enable_session_cache;
            $self->{session_sig} = _session_sig($args);
        }
    }
    return 1;
}

# A resumed session skips the checks of a full handshake and presents the
# client certificate of the one that made it. A cache shared by contexts
# (SSL_session_cache, set_default_session_cache) must not hand a session
# made with other settings (no verification, another CA, fingerprint,
# callback or client certificate) to a context that would have checked or
# presented something else: connect_SSL offers only sessions made under the
# same settings, every SSL_ option except those that name the cache, the
# host (added per connection) or nothing the handshake uses. Code and
# objects count by identity, lists and hashes by content.
my %SIG_SKIP = map { $_ => 1 } qw(SSL_session_cache SSL_session_cache_size
    SSL_session_key SSL_hostname SSL_verifycn_name SSL_startHandshake SSL_error_trap);
sub _session_sig {
    my $args = shift;
    return join ';', map { "$_=" . _sig_value($args->{$_}, 0) }
        grep { /^SSL_/ && !$SIG_SKIP{$_} } sort keys %$args;
}
sub _sig_value {
    my ($v, $depth) = @_;
    return defined($v) ? 'S' . length($v) . ":$v" : 'U' if !ref $v;
    return 'R' . Scalar::Util::refaddr($v) if $depth > 4 || Scalar::Util::blessed($v);
    return 'A[' . join(',', map { _sig_value($_, $depth + 1) } @$v) . ']' if ref $v eq 'ARRAY';
    return 'H{' . join(',', map { _sig_value($_, $depth + 1) . '=' . _sig_value($v->{$_}, $depth + 1) }
        sort keys %$v) . '}' if ref $v eq 'HASH';
    return 'R' . Scalar::Util::refaddr($v);
}

# Sessions on the server: ticket keys; and pre-shared keys on both sides.
sub _apply_session_keys {
    my ($self, $ctx, $args, $is_server) = @_;
    if ($is_server and my $cb = $args->{SSL_ticket_keycb}) {
        my ($sub, $data) = ref($cb) eq 'CODE' ? ($cb) : @$cb;
        $ctx->set_ticket_callback(sub { map { "$_" } $sub->(@_) }, $data);
    }
    if (defined(my $psk = $args->{SSL_psk})) {
        my @pairs = $is_server
            ? (ref($psk) eq 'HASH' ? %$psk : ('' => $psk))
            # a client key alone goes with the reference's identity
            : (ref($psk) eq 'ARRAY' ? @$psk : ('io_socket_ssl' => $psk));
        while (my ($id, $key) = splice(@pairs, 0, 2)) {
            $ctx->add_psk($id // '', $key) or return IO::Socket::SSL->_internal_error(
                "invalid SSL_psk: identity or key too long or key empty", 9);
        }
    }
    return 1;
}

# OCSP: a client asks for a stapled response and checks it (in C); a server
# staples the response it is given, per SNI host like the certificates.
sub _apply_ocsp {
    my ($self, $ctx, $args, $is_server) = @_;
    my $host = $_[4] // '';
    if (!$is_server) {
        my $verify = ($args->{SSL_verify_mode} || 0) & 1;
        my $mode = $args->{SSL_ocsp_mode};
        $mode = $verify ? IO::Socket::SSL::SSL_OCSP_TRY_STAPLE() : 0 if !defined $mode;
        my $ask = !($mode & IO::Socket::SSL::SSL_OCSP_NO_STAPLE())
            && ($mode & (IO::Socket::SSL::SSL_OCSP_TRY_STAPLE() | IO::Socket::SSL::SSL_OCSP_MUST_STAPLE()));
        # with pinned fingerprints the PKI, and so its OCSP, is not what decides
        my $check = $verify && !$args->{SSL_fingerprint};
        my $flags = ($ask ? 1 : 0)
            | ($mode & IO::Socket::SSL::SSL_OCSP_MUST_STAPLE() ? 2 : 0) | ($check ? 4 : 0);
        # SSL_ocsp_staple_callback gets, as in 2.099, the socket and the
        # OCSP_RESPONSE* (valid during the call)
        $ctx->ocsp_client($flags, $args->{SSL_ocsp_staple_callback}) or return IO::Socket::SSL->_record_error($ctx,
            "Failed to set up OCSP");
        $self->{ocsp_staple} = 1 if $ask;
        $self->{ocsp_cache} = $args->{SSL_ocsp_cache} if $args->{SSL_ocsp_cache};
        return 1;
    }
    my $staple = $args->{SSL_ocsp_staple};
    my $file = $args->{SSL_ocsp_staple_file};
    $staple = exists $staple->{$host} ? $staple->{$host} : $staple->{''} if ref($staple) eq 'HASH';
    $file = exists $file->{$host} ? $file->{$host} : $file->{''} if ref($file) eq 'HASH';
    if (!defined $staple && defined $file) {
        open(my $fh, '<:raw', $file) or return IO::Socket::SSL->error(
            "Failed to read SSL_ocsp_staple_file $file", "$!");
        local $/;
        $staple = <$fh> // '';
    }
    return 1 if !defined $staple;
    if (ref($staple) eq 'CODE') {
        # asked per handshake, with the server's socket: a long-running
        # server hands out a fresh response without a new context
        my $code = $staple;
        my $src = sub {
            my $der = $code->($_[0]);
            return if !defined $der || ref($der) || $der eq '';
            warn "IO::Socket::SSL: SSL_ocsp_staple callback returned no DER OCSP response\n"
                if !IO::Socket::SSL::_Lib::ocsp_response_parses($der);
            return "$der";
        };
        $ctx->ocsp_staple($src) or return IO::Socket::SSL->error("Failed to set up OCSP stapling");
    } elsif (!ref($staple) && $staple ne '') {
        $ctx->ocsp_staple($staple) or return IO::Socket::SSL->_internal_error(
            "Invalid SSL_ocsp_staple" . (defined $file ? " from $file" : '')
            . ": not a DER encoded OCSP response", 9);
    } elsif (ref($staple)) {
        return IO::Socket::SSL->_internal_error("SSL_ocsp_staple must be a string or a code reference", 9);
    }
    return 1;
}

sub has_session_cache { return defined shift->{session_cache} }

sub DESTROY {
    my $self = shift;
    if ($DEBUG >= 3 and my $ctx = $self->{context}) {
        IO::Socket::SSL::DEBUG("free ctx $ctx open=" . join(' ', keys %OPEN));
        if (delete $OPEN{$ctx}) {
            IO::Socket::SSL::DEBUG("free ctx $ctx callback") if $self->{verify_mode};
            IO::Socket::SSL::DEBUG("OK free ctx $ctx");
        }
    } elsif (my $c = $self->{context}) {
        delete $OPEN{$c};
    }
    # the cache frees the sessions it holds
    # the C context is reference counted: connections keep it alive
    delete @{$self}{qw(_ctx context session_cache ocsp_cache)};
}

1;

__END__

=head1 NAME

IO::Socket::SSL::SSL_Context - a TLS context built from IO::Socket::SSL options

=head1 SYNOPSIS

    use IO::Socket::SSL;

    my $ctx = IO::Socket::SSL::SSL_Context->new(
        SSL_ca_file            => 'ca.pem',
        SSL_session_cache_size => 20,
    ) or die "context: $SSL_ERROR";

    # every connection made with it shares its settings and session cache
    my $cl = IO::Socket::SSL->new(PeerAddr => 'www.example.org:443',
        SSL_reuse_ctx => $ctx) or die "connect: $SSL_ERROR";

=head1 DESCRIPTION

A context holds what connections share: protocol versions, ciphers, trust
store, certificates and keys, verification settings, callbacks and the
client session cache. L<IO::Socket::SSL> builds one for each socket from
its C<SSL_*> options, unless C<SSL_reuse_ctx> gives one to share. The
options and their defaults are those of L<IO::Socket::SSL/"OPTIONS">; client
or server defaults apply depending on C<SSL_server>.

=head1 METHODS

=over 4

=item new(%args)

Builds a context from the options. Returns the context, or false with
C<$IO::Socket::SSL::SSL_ERROR> set; options that name unreadable files or
invalid values die, as in C<< IO::Socket::SSL->new >>.
C<< $ctx->{context} >> is the C<SSL_CTX*> as an integer, for code that
calls L<Net::SSLeay> on it. The C<SSL_CTX> is freed with the last
reference to the object.

=item has_session_cache

True if the context keeps a client session cache
(C<SSL_session_cache_size> or C<SSL_session_cache>).

=back

=head1 SEE ALSO

L<IO::Socket::SSL/"IO::Socket::SSL::SSL_Context">,
L<IO::Socket::SSL::Session_Cache>.

=cut
