package IO::Socket::SSL;
# The public class: import flags and exports, socket set-up (new, accept,
# start_SSL), errors and introspection. The TLS work is done in C (c_src/,
# reached through SSL.xs); the hot I/O methods are XS subs in this package.

use strict;
use warnings;
no warnings 'uninitialized';

our $VERSION = '2.099';

use IO::Socket ();   # IO::Socket::INET and ::UNIX come with it, as callers expect
use Errno qw(EWOULDBLOCK EAGAIN ETIMEDOUT EINTR EPIPE EBADF EPERM EBUSY);

# ---------------------------------------------------------------------------
# Loading on first use
#
# `use IO::Socket::SSL` compiles this file only. The shared object (SSL.so,
# and with it libssl and libcrypto: mapping and relocating libcrypto alone
# costs more than compiling this file) and most of the Perl code
# (IO/Socket/SSL/Impl.pm) are loaded by the first call that needs them: a
# program that only may use TLS does not pay for them.
#
# Until then a stub holds the place of each of their subs in this class and
# the tie class, so method resolution, can(), defined &name and \&name
# answer as they do afterwards. Loading fills in the stubs themselves, it
# does not replace them: perl compiles a sub into an existing sub of that
# name that has no body, and so does the XS boot code (newXS). So the stubs
# lose their bodies just before (none of them is running then: each one
# hands over with goto), and references taken earlier, an exported
# SSL_WANT_READ included, become the real subs. (Only a method the program
# replaced meanwhile gets a new sub, which its stub then goes on to.)
# t/89_lazy_load.t checks that the lists below match the subs that Impl.pm
# and the XS define.
#
# The internal packages of the XS (_Lib, _Ctx, _Conn, _OCSPTrust) hold
# nothing but XS subs and have an AUTOLOAD instead, until the XS is loaded.

# XS subs (xs/socket.xs), and two constants the boot code makes (dualvars,
# see glue_boot)
our @XS_SUBS = split ' ', q(sysread read peek syswrite write print readline getline
    getlines getc eof pending _mode_changed _socket_reads
    SSL_HANDLE::TIEHANDLE SSL_HANDLE::READ SSL_HANDLE::READLINE SSL_HANDLE::WRITE SSL_HANDLE::PRINT
    SSL_HANDLE::GETC SSL_HANDLE::EOF SSL_WANT_READ SSL_WANT_WRITE);
our @XS_PACKAGES = qw(_Lib _Ctx _Conn _OCSPTrust);
# the subs of IO/Socket/SSL/Impl.pm
our @IMPL_SUBS = split ' ', q(
    DEBUG _internal_error error _record_error _errstack errstr
    get_ssleay_error fatal_ssl_error _io_fail _busy _invalid_object
    _global_defaults_for _defaults_for _check_ssl_path default_ca context_init
    set_default_context set_default_session_cache set_defaults
    set_client_defaults set_server_defaults set_args_filter_hack configure
    configure_SSL _drop_connect_state connect _peer_name _usebio_io _usebio_died _new_conn
    set_msg_callback _msg_callback _session_new connect_SSL
    _ocsp_after_handshake _ocsp_source_died _handshake_failed _update_peer
    _accepted_args accept accept_SSL start_SSL _start_SSL_over blocking
    new_from_fd close is_SSL _set_closed _peer_shutdown _conn_busy stop_SSL
    DESTROY autoflush fileno _plain_sysread _plain_read _plain_syswrite _plain_write
    _plain_print _plain_getc _plain_eof _plain_readline _plain_peek printf say
    _get_ssl_object _get_ctx_object _conn get_cipher get_sslversion
    get_sslversion_int get_session_reused get_servername _cert_field
    peer_certificate sock_certificate dump_peer_certificate
    get_fingerprint_bin get_fingerprint _idn_name verify_hostname_of_cert
    verify_hostname ocsp_resolver peer_certificates alpn_selected
    next_proto_negotiated opened opening want_read want_write socket_to_SSL
    socketToSSL kill_socket issuer_name subject_name get_peer_certificate
    truncate stat setbuf setvbuf fdopen ungetc send recv idn_to_ascii
    idn_to_unicode SSL_HANDLE::PRINTF SSL_HANDLE::FILENO
    SSL_HANDLE::TELL SSL_HANDLE::BINMODE SSL_HANDLE::CLOSE
);

my %LAZY;    # name below IO::Socket::SSL:: => [ its stub, its loader ]
my ($XS_LOADED, $IMPL_LOADED);

# The XS subs' stubs are named subs, made by one string eval: the XS boot
# code keeps the flags of a sub it fills in, and an anonymous one would stay
# marked as such.
sub _xs_stubs {
    my $src = "package IO::Socket::SSL;\n";
    for (@_) {
        my $proto = /^SSL_WANT_/ ? '()' : '';
        $src .= "sub IO::Socket::SSL::$_ $proto { unshift \@_, '$_'; goto &_lazy_first }\n";
    }
    eval "$src; 1" or die $@;
    no strict 'refs';
    $LAZY{$_} = [ \&{"IO::Socket::SSL::$_"}, \&_load_xs ] for @_;
}
# Impl.pm's are closures, a third of the cost to make (most of the cost of
# loading this file would be theirs otherwise); compiling a named sub into
# one makes it a named sub like any other. A glob that a code reference is
# assigned to is one perl "assumes" a sub in, and compiling a sub of that
# name would then make a new one instead of filling in the stub: so the
# assignment goes through a scratch glob sharing the method's slots (its
# flags are its own), which lets go of them again.
sub _impl_stubs {
    no strict 'refs';
    for my $name (@_) {
        my $stub = sub { unshift @_, $name; goto &_lazy_first };
        my $glob = \*{"IO::Socket::SSL::$name"};
        *IO::Socket::SSL::_Lazy::stub = *$glob;
        *IO::Socket::SSL::_Lazy::stub = $stub;
        # (the same slots again: perl now counts the glob as used, no
        # "used only once" warning)
        *$glob = *IO::Socket::SSL::_Lazy::stub;
        undef *IO::Socket::SSL::_Lazy::stub;
        $LAZY{$name} = [ $stub, \&_load_impl ];
    }
}
_xs_stubs(@XS_SUBS);
_impl_stubs(@IMPL_SUBS);

# The first call of a stub: load, then on to the sub now in the stub's place
# (also when the program has wrapped that method meanwhile: the wrapper
# calls the stub it took a reference to).
sub _lazy_first {
    my $lazy = $LAZY{shift()};
    $lazy->[1]->();
    goto &{ $lazy->[0] };
}

# Runs $load, which defines the subs @$names, into their stubs.
sub _lazy_fill {
    my ($load, $names, $restub) = @_;
    # invisible to the caller: no errno from the loader's file tests
    local ($!, $^E, $@);
    no strict 'refs';
    no warnings 'redefine';
    my %theirs;
    for my $name (@$names) {
        my $stub = $LAZY{$name}[0];
        my $glob = \*{"IO::Socket::SSL::$name"};
        my $now = *$glob{CODE};
        if ($now && $now == $stub) {
            undef &$stub;
            next;
        }
        # The program replaced the method meanwhile (and may call our stub
        # from its own code): the stub stays as it is and goes on to the
        # real sub, which the load makes anew in the glob (perl "assumes" a
        # sub that a glob assignment put there, so it does not fill it in);
        # the program's code goes back into the glob afterwards.
        $theirs{$name} = $now;
        *$glob = $stub;
    }
    my $ok = eval { local $^W = 0; $load->(); 1 };
    my $error = $@;
    my @left;
    for my $name (@$names) {
        my $stub = $LAZY{$name}[0];
        if (!exists $theirs{$name}) {
            push @left, $name if !defined &$stub;
            next;
        }
        my $glob = \*{"IO::Socket::SSL::$name"};
        if (*$glob{CODE} == $stub) {
            push @left, $name;
        } else {
            $LAZY{$name}[0] = *$glob{CODE};
        }
        *$glob = $theirs{$name} if $theirs{$name};
    }
    # what did not get a body (a failed load) is a stub again
    $restub->(grep { !exists $theirs{$_} } @left) if @left;
    die $error if !$ok;
    die "IO::Socket::SSL: loading did not define @left\n" if @left;
    return 1;
}

sub _load_impl {
    return 1 if $IMPL_LOADED;
    _lazy_fill(sub { require IO::Socket::SSL::Impl }, \@IMPL_SUBS, \&_impl_stubs);
    return $IMPL_LOADED = 1;
}

sub _load_xs {
    return 1 if $XS_LOADED;
    if (defined &IO::Socket::SSL::_Lib::CLONE) {
        # loaded behind our back (XSLoader::load called directly): its subs
        # replaced the stubs in the globs, and the stubs now go there
        no strict 'refs';
        $LAZY{$_}[0] = \&{"IO::Socket::SSL::$_"} for @XS_SUBS;
    } else {
        _lazy_fill(sub {
            require XSLoader;
            XSLoader::load('IO::Socket::SSL', $VERSION);
        }, \@XS_SUBS, \&_xs_stubs);
    }
    $XS_LOADED = 1;
    # no AUTOLOAD from now on: a name the XS does not define fails as perl
    # fails it, and freeing a _Conn or _Ctx calls no AUTOLOAD for DESTROY
    no strict 'refs';
    delete ${"IO::Socket::SSL::${_}::"}{AUTOLOAD} for @XS_PACKAGES;
    return 1;
}

# The internal packages' AUTOLOAD (one sub for the four: perl sets this
# package's $AUTOLOAD for it): load, then that sub, or perl's own message
# for a name that the XS does not have either.
our $AUTOLOAD;
sub _xs_autoload {
    my $name = $AUTOLOAD;
    _load_xs();
    no strict 'refs';
    goto &$name if defined &$name;
    my ($pkg, $sub) = $name =~ /^(.*)::([^:]*)\z/s;
    return if $sub eq 'DESTROY';
    my (undef, $file, $line) = caller;
    my $inv = @_ ? $_[0] : undef;
    die qq{Can't locate object method "$sub" via package "} . (ref($inv) || $inv)
        . qq{" at $file line $line.\n}
        if defined $inv && $pkg ne 'IO::Socket::SSL::_Lib'
        && (ref($inv) ? UNIVERSAL::isa($inv, $pkg) : $inv eq $pkg);
    die "Undefined subroutine &$name called at $file line $line.\n";
}
{
    no strict 'refs';
    *{"IO::Socket::SSL::${_}::AUTOLOAD"} = \&_xs_autoload for @XS_PACKAGES;
}
# Scalar::Util's, from the XS: loading IO::Socket::SSL does not load
# Scalar::Util (and List::Util) for it.
*dualvar = \&IO::Socket::SSL::_Lib::dualvar;

# SSL_Context and Session_Cache are compiled by their first use, not here:
# loading IO::Socket::SSL stays cheap for programs that only may use TLS.
sub IO::Socket::SSL::SSL_Context::new {
    require IO::Socket::SSL::SSL_Context;
    goto &IO::Socket::SSL::SSL_Context::_new;
}
sub IO::Socket::SSL::Session_Cache::new {
    require IO::Socket::SSL::Session_Cache;
    goto &IO::Socket::SSL::Session_Cache::_new;
}
sub IO::Socket::SSL::OCSP_Cache::new {
    require IO::Socket::SSL::OCSP;
    goto &IO::Socket::SSL::OCSP_Cache::_new;
}
sub IO::Socket::SSL::OCSP_Resolver::new {
    require IO::Socket::SSL::OCSP;
    goto &IO::Socket::SSL::OCSP_Resolver::_new;
}
sub IO::Socket::SSL::OCSP_Resolver::fetch_response {
    require IO::Socket::SSL::OCSP;
    goto &IO::Socket::SSL::OCSP_Resolver::_fetch_response;
}

our (@ISA, @EXPORT, $SSL_ERROR, $DEBUG);
{ no warnings "once"; *ERROR = \$SSL_ERROR; }
{
    # As the reference: $DEBUG is another name for $Net::SSLeay::trace, so a
    # real Net::SSLeay loaded alongside traces at the same level. A level set
    # before loading is kept.
    no warnings 'once';
    my $level = $DEBUG;
    *DEBUG = \$Net::SSLeay::trace;
    $DEBUG = $level if $level;
}
$DEBUG ||= 0;

sub croak { require Carp; goto &Carp::croak }

# Without Net::SSLeay installed, `require Net::SSLeay` (as HTTP::Tiny does to
# check for https support) gets a small compatibility subset on our XS. The
# hook sits last in @INC: a real Net::SSLeay is always found first.
# The hook sets %INC itself: perl would otherwise store the hook's own SV
# there, and an assignment to that entry would overwrite this @INC element.
push @INC, sub {
    return if $_[1] ne 'Net/SSLeay.pm';
    require IO::Socket::SSL::NetSSLeay;
    $INC{'Net/SSLeay.pm'} = $INC{'IO/Socket/SSL/NetSSLeay.pm'};
    my $src = "1;\n";
    open(my $fh, '<', \$src) or return;
    return $fh;
};

# Base class: IO::Socket::IP (dual stack) when it is recent enough, else
# IO::Socket::INET6, else IPv4 only. Loading IO::Socket::IP (and the POSIX
# module it pulls in) costs more than everything else here together, so it
# is named now and loaded by the first call that makes a socket.
@ISA = ('IO::Socket::IP');
# isa('IO::Socket') holds before the load; IO::Socket::IP's `use base` keeps it
@IO::Socket::IP::ISA = ('IO::Socket') if !@IO::Socket::IP::ISA;
# (Impl.pm reads $IOCLASS too)
our $IOCLASS;
my $CAN_IPV6;
sub _load_base {
    return $IOCLASS if $IOCLASS;
    local $SIG{__DIE__};
    if ($ISA[0] eq 'IO::Socket::IP') {
        if (eval { require IO::Socket::IP; IO::Socket::IP->VERSION(0.31); 1 }) {
            $CAN_IPV6 = 'IO::Socket::IP';
        } elsif (eval { require IO::Socket::INET6; IO::Socket::INET6->VERSION(2.62); 1 }) {
            $CAN_IPV6 = 'IO::Socket::INET6';
            @ISA = ($CAN_IPV6);
        } else {
            $CAN_IPV6 = '';
            @ISA = ('IO::Socket::INET');
        }
    } else {
        # 'inet4' (or 'inet6') was asked for at import
        eval "require $ISA[0]; 1" or die $@;
        $CAN_IPV6 = $ISA[0] eq 'IO::Socket::INET' ? '' : $ISA[0];
    }
    return $IOCLASS = $ISA[0];
}
sub CAN_IPV6 { _load_base(); return $CAN_IPV6 }

sub new {
    my $class = shift;
    $IOCLASS || _load_base();
    return $class->SUPER::new(@_);
}

# Constants as constant subs, inlined where used. Made as `use constant`
# makes them (a reference in the symbol table, which perl turns into a
# constant sub when asked for one), without loading constant.pm.
BEGIN {
    my %const = (
        SSL_VERIFY_NONE => 0, SSL_VERIFY_PEER => 1, SSL_VERIFY_FAIL_IF_NO_PEER_CERT => 2,
        SSL_VERIFY_CLIENT_ONCE => 4,
        SSL_OCSP_NO_STAPLE => 0b00001, SSL_OCSP_MUST_STAPLE => 0b00010,
        SSL_OCSP_FAIL_HARD => 0b00100, SSL_OCSP_FULL_CHAIN => 0b01000,
        SSL_OCSP_TRY_STAPLE => 0b10000,
        GEN_DNS => 2, GEN_IPADD => 7, NID_CommonName => 13,
        # status codes of the C core (c_src/iss.h)
        _ISS_ERR => -1, _ISS_WANT_READ => -2, _ISS_WANT_WRITE => -3, _ISS_EINTR => -4,
        _ISS_TIMEOUT => -5, _ISS_GONE => -6, _ISS_BUSY => -7, _ISS_INTERNAL => -101,
        _ISS_SEV_OPENSSL => 4,
    );
    for my $name (keys %const) {
        my $value = $const{$name};
        Internals::SvREADONLY($value, 1);
        $IO::Socket::SSL::{$name} = \$value;
    }
}
# SSL_WANT_READ and SSL_WANT_WRITE, the values of $SSL_ERROR after
# would-block, are dualvars (2 and 3) that the XS boot code makes constant
# subs (see @XS_SUBS above). Declared for the code below.
sub SSL_WANT_READ ();
sub SSL_WANT_WRITE ();

@EXPORT = qw(
    SSL_WANT_READ SSL_WANT_WRITE SSL_VERIFY_NONE SSL_VERIFY_PEER
    SSL_VERIFY_FAIL_IF_NO_PEER_CERT SSL_VERIFY_CLIENT_ONCE
    SSL_OCSP_NO_STAPLE SSL_OCSP_TRY_STAPLE SSL_OCSP_MUST_STAPLE
    SSL_OCSP_FAIL_HARD SSL_OCSP_FULL_CHAIN
    $SSL_ERROR GEN_DNS GEN_IPADD
);

my @caller_force_inet4;
sub import {
    my $class = shift;
    my @export;
    for (@_) {
        if (/^inet4$/i) {
            @ISA = 'IO::Socket::INET';
            $IOCLASS = undef;
            _load_base();
            @caller_force_inet4 = caller();
        } elsif (/^inet6$/i) {
            _load_base();
            if (!$class->isa('IO::Socket::INET6') && !$class->isa('IO::Socket::IP')) {
                $IOCLASS = undef;
                @ISA = ('IO::Socket::IP');
                if (_load_base() && CAN_IPV6) {
                    @ISA = (CAN_IPV6);
                    warn "IPv6 support re-enabled in __PACKAGE__, got disabled in file "
                        . "$caller_force_inet4[1] line $caller_force_inet4[2]";
                } else {
                    die "INET6 is not supported, install IO::Socket::IP";
                }
            }
        } elsif (/^:?debug(\d+)/) {
            $DEBUG = $1;
        } else {
            push @export, $_;
        }
    }
    require Exporter;
    @_ = ($class, @export);
    goto &Exporter::import;
}

# The reference's library set-up, callable again by programs that call it
# (e.g. after a fork, or from perlcc-built code). OpenSSL 3 initialises
# itself on first use; this only says whether set-up was done before, as the
# reference's library_init does: false when it already was.
{
    my $init_done;
    sub init { return $init_done++ ? undef : 1 }
    init();
}


# ---------------------------------------------------------------------------
# Feature probes: true only where this build really does it. (Here, not in
# Impl.pm: programs ask them when they load, as Mojo::IOLoop::TLS does.)

sub can_client_sni   { 1 }
sub can_server_sni   { 1 }
sub can_multi_cert   { 1 }
sub can_npn          { IO::Socket::SSL::_Lib::can_npn() ? 1 : '' }
sub can_alpn         { 1 }
sub can_ecdh         { 'auto' }
sub can_ipv6         { CAN_IPV6() }
sub can_ocsp         { 1 }
sub can_ticket_keycb { 1 }
sub can_pha          { 1 }
sub can_partial_chain { 1 }
sub can_ciphersuites { 1 }
sub can_psk          { return { client => 1, server => 1 } }
sub can_nested_ssl   { return { SSL_usebio => 1 } }

# ---------------------------------------------------------------------------
# Defaults (set here: a program may read or change them before the first use)

our $OPENSSL_LIST_SEPARATOR = ':';

# the reference's secure default; SSL_Context compares against it for SSL_psk
our $DEFAULT_CIPHERS = 'DEFAULT !EXP !MEDIUM !LOW !eNULL !aNULL !RC4 !DES !MD5 !PSK !SRP';
our %DEFAULT_SSL_ARGS = (
    SSL_check_crl             => 0,
    # TLS 1.2 is the lowest version by default, as the current reference
    SSL_version               => 'SSLv23:!SSLv3:!SSLv2:!TLSv1:!TLSv1_1',
    SSL_verify_callback       => undef,
    SSL_verifycn_scheme       => undef,
    SSL_verifycn_publicsuffix => undef,
    SSL_npn_protocols         => undef,
    SSL_alpn_protocols        => undef,
    SSL_cipher_list           => $DEFAULT_CIPHERS,
);
our %DEFAULT_SSL_CLIENT_ARGS = (
    %DEFAULT_SSL_ARGS,
    SSL_verify_mode => SSL_VERIFY_PEER,
    SSL_ca_file     => undef,
    SSL_ca_path     => undef,
    SSL_ocsp_mode   => SSL_OCSP_TRY_STAPLE,
);
our %DEFAULT_SSL_SERVER_ARGS = (
    %DEFAULT_SSL_ARGS,
    SSL_verify_mode        => SSL_VERIFY_NONE,
    SSL_honor_cipher_order => 1,
    SSL_dh                 => \'builtin',   # a built-in 2048-bit group
    SSL_ecdh_curve         => 'auto',
);

no warnings 'once';
*set_ctx_defaults = \&set_defaults;

package IO::Socket::SSL::SSL_HANDLE;
# The tie class behind *$sock: READ, READLINE, WRITE, PRINT, GETC and EOF are
# XS (SSL.xs) so `<$sock>`, `print $sock` and sysread($sock,...) are one call;
# its Perl methods are in Impl.pm.
use Errno 'EBADF';

1;


__END__

=head1 NAME

IO::Socket::SSL - TLS sockets for Perl, natively on OpenSSL

=head1 DESCRIPTION

The documentation is in F<IO/Socket/SSL.pod> next to this file.

=cut
