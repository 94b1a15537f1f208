#!perl
# Loading on first use: `use IO::Socket::SSL` compiles lib/IO/Socket/SSL.pm
# only; the shared object (with libssl and libcrypto) and IO/Socket/SSL/Impl.pm
# come with the first call that needs them. Each case runs in a fresh perl
# (loading is once per process), against a TLS echo server: whatever the
# first use is, it works, and what a program can see of the module (can(),
# defined &name, references taken before, exported constants, error
# messages, warnings) is the same before and after. The last part checks
# that the stub lists in SSL.pm match what Impl.pm and the XS define.
use strict;
use warnings;
use lib 't/lib';
use TestLib;
use Test::More;
use Config;
use IO::Socket::SSL;
use B ();

watchdog(120);

my @perl = ($^X, perl_inc_args(), '-It/lib');
my $ca = cert('test-ca.pem');

# echo server: one line back per connection, for as long as the test runs
my ($spid, $port) = fork_server(ssl_listener(), sub {
    my $l = shift;
    while (1) {
        my $c = $l->accept or next;
        my $line = <$c>;
        print $c $line if defined $line;
        $c->close;
    }
}, timeout => 110);

# What every child starts with: warnings are printed (and counted by the
# parent), helpers for the checks.
my $PRELUDE = <<'EOC';
BEGIN { $SIG{__WARN__} = sub { print "WARN: $_[0]" } }
use strict;
use warnings FATAL => 'all';
no warnings 'once';
our ($PORT, $CA) = splice(@ARGV, 0, 2);
sub mapped {
    open(my $f, '<', '/proc/self/maps') or die "maps: $!";
    return scalar grep { m{/lib(?:ssl|crypto)\.so} } <$f>;
}
sub state {
    return 'ssl=' . (mapped() ? 1 : 0)
        . ' xs=' . ((grep { $_ eq 'IO::Socket::SSL' } @DynaLoader::dl_modules) ? 1 : 0)
        . ' impl=' . ($INC{'IO/Socket/SSL/Impl.pm'} ? 1 : 0)
        . ' netssleay=' . ($INC{'Net/SSLeay.pm'} ? 1 : 0);
}
sub client {
    return IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $PORT,
        SSL_ca_file => $CA, SSL_verifycn_name => 'localhost', @_);
}
sub talk {
    my $c = shift or die "no connection: $IO::Socket::SSL::SSL_ERROR";
    print $c "ping $$\n";
    my $l = <$c>;
    $c->close;
    die "bad echo: " . ($l // 'undef') if !defined $l || $l ne "ping $$\n";
    return 'ok';
}
EOC

sub run_child {
    my ($code, @args) = @_;
    open(my $fh, '-|', @perl, '-w', '-e', $PRELUDE . $code, $port, $ca, @args)
        or die "cannot run perl: $!";
    local $/;
    my $out = <$fh>;
    close $fh;
    return ($out // '', $?);
}

# the lines "key: value" a child printed, and its warnings
sub child_ok {
    my ($name, $code, $want, @args) = @_;
    my ($out, $st) = run_child($code, @args);
    my %got = map { /^(\w+): (.*)$/ ? ($1 => $2) : () } split /\n/, $out;
    my @warn = $out =~ /^WARN: (.*)$/mg;
    subtest $name => sub {
        is($st, 0, 'child exits 0') or diag($out);
        is_deeply(\@warn, [], 'no warnings') or diag($out);
        for my $k (sort keys %$want) {
            my $w = $want->{$k};
            ref $w ? like($got{$k}, $w, $k) : is($got{$k}, $w, $k);
        }
    };
    return \%got;
}

my $UNLOADED = 'ssl=0 xs=0 impl=0 netssleay=0';

child_ok('use loads neither the shared object nor Impl.pm', <<'EOC',
use IO::Socket::SSL;
print "after_use: ", state(), "\n";
print "talk: ", talk(client()), "\n";
print "after_talk: ", state(), "\n";
EOC
    { after_use => $UNLOADED, talk => 'ok', after_talk => 'ssl=1 xs=1 impl=1 netssleay=0' });

child_ok('require at run time', <<'EOC',
require IO::Socket::SSL;
print "after_require: ", state(), "\n";
print "talk: ", talk(client()), "\n";
EOC
    { after_require => $UNLOADED, talk => 'ok' });

child_ok('first use: start_SSL on a plain socket', <<'EOC',
use IO::Socket::SSL;
use IO::Socket::INET;
my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $PORT) or die $!;
print "before: ", state(), "\n";
print "talk: ", talk(IO::Socket::SSL->start_SSL($s, SSL_ca_file => $CA,
    SSL_verifycn_name => 'localhost')), "\n";
EOC
    { before => $UNLOADED, talk => 'ok' });

child_ok('first use: new_from_fd', <<'EOC',
use IO::Socket::SSL;
use IO::Socket::INET;
my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $PORT) or die $!;
print "talk: ", talk(IO::Socket::SSL->new_from_fd(fileno($s), '+<', SSL_ca_file => $CA,
    SSL_verifycn_name => 'localhost')), "\n";
EOC
    { talk => 'ok' });

child_ok('first use: SSL_Context->new, then a connection with it', <<'EOC',
use IO::Socket::SSL;
my $ctx = IO::Socket::SSL::SSL_Context->new(SSL_ca_file => $CA, SSL_verifycn_name => 'localhost')
    or die "ctx: $IO::Socket::SSL::SSL_ERROR";
print "ctx: ", state(), "\n";
print "talk: ", talk(client(SSL_reuse_ctx => $ctx)), "\n";
EOC
    { ctx => qr/^ssl=1 xs=1 /, talk => 'ok' });

child_ok('first use: IO::Socket::SSL::Utils (no Impl.pm needed)', <<'EOC',
use IO::Socket::SSL::Utils;
print "before: ", state(), "\n";
my ($cert, $key) = CERT_create(CA => 1, subject => { commonName => 'lazy' });
print "cn: ", CERT_asHash($cert)->{subject}{commonName}, "\n";
print "after: ", state(), "\n";
# caller-owned, as in the reference (xt/valgrind.sh counts them otherwise)
CERT_free($cert);
KEY_free($key);
EOC
    { before => $UNLOADED, cn => 'lazy', after => 'ssl=1 xs=1 impl=0 netssleay=0' });

child_ok('first use: default_ca and the feature probes', <<'EOC',
use IO::Socket::SSL;
print "probes: ", join(',', map { IO::Socket::SSL->$_ ? 1 : 0 }
    qw(can_client_sni can_alpn can_ocsp can_pha)), "\n";
print "after_probes: ", state(), "\n";
my %ca = IO::Socket::SSL::default_ca();
print "default_ca: ", (grep { /^SSL_ca_(?:file|path)$/ } keys %ca) ? 'found' : 'none', "\n";
print "after: ", state(), "\n";
EOC
    { probes => '1,1,1,1', after_probes => $UNLOADED, default_ca => qr/^(found|none)$/,
      after => qr/^ssl=1 xs=1 impl=1/ });

child_ok('first use: the Net::SSLeay stand-in', <<'EOC',
BEGIN { require Consumer; Consumer::Hide::install() }
use IO::Socket::SSL;
require Net::SSLeay;
print "stand_in: ", ($INC{'Net/SSLeay.pm'} =~ m{IO/Socket/SSL/NetSSLeay\.pm$} ? 1 : 0), "\n";
print "before: ", state(), "\n";
print "version: ", (Net::SSLeay::OPENSSL_VERSION_NUMBER() >= 0x30000000 ? 'ok' : 'old'), "\n";
print "talk: ", talk(client()), "\n";
EOC
    { stand_in => 1, before => 'ssl=0 xs=0 impl=0 netssleay=1', version => 'ok', talk => 'ok' });

child_ok('first use in a forked child, then in the parent', <<'EOC',
use IO::Socket::SSL;
my $pid = fork // die "fork: $!";
if (!$pid) {
    my $ok = eval { talk(client()) } // "died: $@";
    print "child: $ok\n";
    require POSIX;
    STDOUT->flush;
    POSIX::_exit(0);
}
waitpid($pid, 0);
print "parent_before: ", state(), "\n";
print "parent: ", talk(client()), "\n";
EOC
    { child => 'ok', parent_before => $UNLOADED, parent => 'ok' });

SKIP: {
    skip 'perl without ithreads', 2 if !$Config{useithreads};
    child_ok('first use inside a thread, then in the main thread', <<'EOC',
use threads;
use IO::Socket::SSL;
my $r = threads->create(sub { my $ok = eval { talk(client()) } // "died: $@"; $ok })->join;
print "thread: $r\n";
print "main_before: ", join(' ', (split / /, state())[1, 2]), "\n";
print "main: ", talk(client()), "\n";
my $r2 = threads->create(sub { talk(client()) })->join;
print "thread_after: $r2\n";
EOC
        { thread => 'ok', main_before => 'xs=0 impl=0', main => 'ok', thread_after => 'ok' });

    child_ok('loaded in the main thread, used in a thread', <<'EOC',
use threads;
use IO::Socket::SSL;
print "main: ", talk(client()), "\n";
print "thread: ", threads->create(sub { talk(client()) })->join, "\n";
EOC
        { main => 'ok', thread => 'ok' });
}

# can(), defined &name and references taken before the load: the same subs
# after it (the loaders fill the stubs in, they never replace them)
child_ok('can() and \&name answer the same before and after loading', <<'EOC',
use IO::Socket::SSL;
use B ();
no strict 'refs';
my @names = (@IO::Socket::SSL::XS_SUBS, @IO::Socket::SSL::IMPL_SUBS);
my (%ref, @undef);
for my $n (@names) {
    my ($pkg, $m) = $n =~ /^(?:(\w+)::)?(\w+)$/;
    my $class = $pkg ? "IO::Socket::SSL::$pkg" : 'IO::Socket::SSL';
    $ref{$n} = $class->can($m);
    push @undef, $n if !defined &{"${class}::$m"} || !$ref{$n};
}
print "undefined_before: @undef\n";
print "can_sysread_ours: ", (IO::Socket::SSL->can('sysread') != IO::Handle->can('sysread') ? 1 : 0), "\n";
my $want_before = \&main::SSL_WANT_READ;
print "talk: ", talk(client()), "\n";
my @changed;
for my $n (@names) {
    my ($pkg, $m) = $n =~ /^(?:(\w+)::)?(\w+)$/;
    my $class = $pkg ? "IO::Socket::SSL::$pkg" : 'IO::Socket::SSL';
    push @changed, $n if ($class->can($m) // 0) != $ref{$n};
}
print "changed_after: @changed\n";
print "want_same: ", ($want_before == \&IO::Socket::SSL::SSL_WANT_READ ? 1 : 0), "\n";
print "want_value: ", SSL_WANT_READ() + 0, " ", SSL_WANT_READ(), "\n";
print "want_const: ", (B::svref_2object(\&main::SSL_WANT_READ)->CvFLAGS & B::CVf_CONST() ? 1 : 0), "\n";
eval { my $r = \(SSL_WANT_READ()); $$r = 5 };
print "want_readonly: ", ($@ =~ /read-only/ ? 1 : 0), " ", SSL_WANT_READ() + 0, "\n";
print "names: ", scalar(@names), "\n";
EOC
    { undefined_before => '', can_sysread_ours => 1, talk => 'ok', changed_after => '',
      want_same => 1, want_value => '2 SSL wants a read first', want_const => 1,
      want_readonly => '1 2',
      names => qr/^[1-9]\d+$/ });

# A method the program wrapped before the first use stays wrapped, and its
# wrapper reaches the real method through the reference it took.
child_ok('a method wrapped before the first use stays wrapped', <<'EOC',
use IO::Socket::SSL;
my $calls = 0;
my $orig = \&IO::Socket::SSL::connect_SSL;
my $orig_read = \&IO::Socket::SSL::sysread;
{
    no warnings 'redefine';
    *IO::Socket::SSL::connect_SSL = sub { $calls++; goto &$orig };
    *IO::Socket::SSL::sysread = sub { $calls += 100; goto &$orig_read };
}
my $c = client() or die "connect: $IO::Socket::SSL::SSL_ERROR";
print $c "ping $$\n";
$c->sysread(my $buf, 100);
$c->close;
print "echo: ", ($buf eq "ping $$\n" ? 'ok' : $buf), "\n";
print "talk: ", talk(client()), "\n";
print "calls: $calls\n";
print "still_wrapped: ", (\&IO::Socket::SSL::connect_SSL != $orig
    && \&IO::Socket::SSL::sysread != $orig_read ? 1 : 0), "\n";
EOC
    { echo => 'ok', talk => 'ok', calls => 102, still_wrapped => 1 });

# An unknown method or function fails as perl fails it, before and after.
child_ok('unknown names fail with perl\'s own messages', <<'EOC',
use IO::Socket::SSL;
# 'ok' when $@ is exactly perl's message for the call on line $line
sub check {
    my ($what, $line) = @_;
    my $want = ($what =~ /^&/ ? "Undefined subroutine $what called"
        : qq{Can't locate object method "$what->[1]" via package "$what->[0]"}) . " at -e line $line.\n";
    return $@ eq $want ? 'ok' : "got <$@> want <$want>";
}
eval { IO::Socket::SSL->no_such_method(1) };
print "class_method: ", check(['IO::Socket::SSL', 'no_such_method'], __LINE__ - 1), "\n";
eval { IO::Socket::SSL::no_such_function(1) };
print "function: ", check('&IO::Socket::SSL::no_such_function', __LINE__ - 1), "\n";
eval { IO::Socket::SSL::_Lib::no_such_xs(1) };
print "lib_function: ", check('&IO::Socket::SSL::_Lib::no_such_xs', __LINE__ - 1), "\n";
eval { IO::Socket::SSL::_Conn->no_such_xs(1) };
print "conn_method: ", check(['IO::Socket::SSL::_Conn', 'no_such_xs'], __LINE__ - 1), "\n";
print "still: ", state(), "\n";
my $c = client() or die;
eval { $c->no_such_method(1) };
print "object_method: ", check(['IO::Socket::SSL', 'no_such_method'], __LINE__ - 1), "\n";
$c->close;
eval { IO::Socket::SSL::_Lib::no_such_xs(2) };
print "lib_function_after: ", check('&IO::Socket::SSL::_Lib::no_such_xs', __LINE__ - 1), "\n";
eval { IO::Socket::SSL->no_such_method(1) };
print "class_method_after: ", check(['IO::Socket::SSL', 'no_such_method'], __LINE__ - 1), "\n";
EOC
    { class_method => 'ok', function => 'ok', lib_function => 'ok', conn_method => 'ok',
      still => qr/^ssl=1 xs=1 impl=0/, object_method => 'ok', lib_function_after => 'ok',
      class_method_after => 'ok' });

# Loading leaves $! (and $@) as they were.
child_ok('loading leaves $! alone', <<'EOC',
use IO::Socket::SSL;
$! = 5;
my $v = IO::Socket::SSL::_Lib::openssl_version_number();
print "errno_xs: ", $! + 0, "\n";
$! = 7;
my $e = IO::Socket::SSL->errstr;
print "errno_impl: ", $! + 0, "\n";
print "state: ", state(), "\n";
EOC
    { errno_xs => 5, errno_impl => 7, state => 'ssl=1 xs=1 impl=1 netssleay=0' });

# ---- the stub lists match what is defined ----------------------------------
# (in this process: load everything first)
IO::Socket::SSL::_load_impl();
IO::Socket::SSL::_load_xs();
{
    no strict 'refs';
    my %impl = map { $_ => 1 } @IO::Socket::SSL::IMPL_SUBS;
    my %xs = map { $_ => 1 } @IO::Socket::SSL::XS_SUBS;
    is(scalar(keys %impl), scalar(@IO::Socket::SSL::IMPL_SUBS), '@IMPL_SUBS has no duplicates');
    ok(!grep({ $impl{$_} } keys %xs), 'no name is in both lists');
    my (@no_stub, @not_impl, @not_xs, @xs_no_stub);
    for my $pkg ('', 'SSL_HANDLE::') {
        my $stash = \%{"IO::Socket::SSL::$pkg"};
        for my $name (sort keys %$stash) {
            next if $name =~ /::$/;
            my $full = "IO::Socket::SSL::$pkg$name";
            next if !defined &$full;
            my $cv = B::svref_2object(\&$full);
            # (not an imported sub, nor an alias such as set_ctx_defaults)
            next if $cv->GV->STASH->NAME ne "IO::Socket::SSL" . ($pkg ? '::SSL_HANDLE' : '')
                || $cv->GV->NAME ne $name;
            # a sub compiled from Impl.pm needs a stub in SSL.pm
            push @no_stub, "$pkg$name" if $cv->FILE =~ m{IO/Socket/SSL/Impl\.pm$} && !$impl{"$pkg$name"};
            # an XS sub of the class or the tie class needs one too
            push @xs_no_stub, "$pkg$name" if $cv->XSUB && $cv->FILE =~ /SSL\.c$/ && !$xs{"$pkg$name"};
        }
    }
    for my $n (sort keys %impl) {
        my $cv = B::svref_2object(\&{"IO::Socket::SSL::$n"});
        push @not_impl, $n if $cv->XSUB || $cv->FILE !~ m{IO/Socket/SSL/Impl\.pm$};
    }
    for my $n (sort keys %xs) {
        push @not_xs, $n if !B::svref_2object(\&{"IO::Socket::SSL::$n"})->XSUB;
    }
    is("@no_stub", '', 'every sub of Impl.pm has a stub in SSL.pm (@IMPL_SUBS)');
    is("@not_impl", '', 'every name in @IMPL_SUBS is a sub of Impl.pm');
    is("@xs_no_stub", '', 'every XS sub of the class and the tie class is in @XS_SUBS');
    is("@not_xs", '', 'every name in @XS_SUBS is an XS sub');

    # the same from Impl.pm's text: also a sub that perl would compile into
    # another package by mistake
    open(my $fh, '<', $INC{'IO/Socket/SSL/Impl.pm'}) or die $!;
    my ($pkg, @text) = ('');
    while (<$fh>) {
        last if /^__END__/;
        $pkg = $1 eq 'IO::Socket::SSL' ? '' : ($1 . '::') =~ s/^IO::Socket::SSL:://r
            if /^\s*package\s+([\w:]+)\s*;/;
        push @text, "$pkg$1" if /^\s*sub\s+(\w+)/;
    }
    is(join(' ', sort @text), join(' ', sort keys %impl), 'the subs in Impl.pm\'s text are @IMPL_SUBS');
}

kill_child($spid);
done_testing;
