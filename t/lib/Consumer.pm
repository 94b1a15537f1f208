package Consumer;
# Tests of programs and modules that sit on IO::Socket::SSL (LWP, Mojo,
# IO::Async, Net::Server, Net::SMTP, Net::LDAP, Net::FTP, ...) run twice:
#
#   standalone  Net::SSLeay and Debian's IO::Socket::SSL are hidden, as on a
#               machine where neither is installed: `require Net::SSLeay`
#               gets our stand-in (IO::Socket::SSL::NetSSLeay).
#   system      Debian's Net::SSLeay and IO::Socket::SSL are installed and
#               visible (.ci/run installs them system-wide, as the consumer
#               packages pull them in): this build must still be the one that
#               is loaded, and Net::SSLeay calls on its raw handles must work.
#
#   use Consumer;   # first thing in the test, before anything loads TLS code
#
# Without CONSUMER_MODE in the environment, `use Consumer` runs the test file
# once per mode in a child perl, prints each run's TAP as a subtest and
# exits: the code after `use Consumer` only runs in the children. Hiding is
# done by an @INC hook at the front of @INC (Consumer::Hide), which finds the
# two packages' files everywhere except in a directory that holds this build
# (one with IO/Socket/SSL/NetSSLeay.pm), exactly as if they were not there.
use strict;
use warnings;
use Config;
use File::Spec;

our $MODE;

sub import {
    my $mode = $ENV{CONSUMER_MODE};
    if (!$mode) {
        _run_modes();    # exits
    }
    $MODE = $mode;
    if ($mode eq 'standalone') {
        Consumer::Hide::install();
    } elsif ($mode ne 'system') {
        die "CONSUMER_MODE must be standalone or system, not '$mode'\n";
    }
    # the caller gets Test::More's and our helpers
    my $caller = caller;
    no strict 'refs';
    *{"${caller}::$_"} = \&{$_} for qw(need_module in_ci check_build check_raw_handle mode);
}

sub mode { $MODE }
sub in_ci { $ENV{CI} && $ENV{CI} ne 'false' }

# The parent: the test file once per mode, each child's TAP indented as a
# subtest, a child's exit status deciding its "ok". Children's stderr goes
# straight through.
sub _run_modes {
    my @inc = map { "-I$_" } grep { !ref } @INC;
    my $n = 0;
    $| = 1;
    print "1..2\n";
    for my $mode (qw(standalone system)) {
        $n++;
        local $ENV{CONSUMER_MODE} = $mode;
        print "# Subtest: $mode\n";
        open(my $fh, '-|', $^X, @inc, $0) or die "cannot run $^X: $!";
        while (my $line = <$fh>) {
            print "    $line";
        }
        close $fh;
        my $st = $?;
        print(($st == 0 ? 'ok' : 'not ok') . " $n - $mode"
            . ($st == 0 ? '' : sprintf(' (exit %d, signal %d)', $st >> 8, $st & 127)) . "\n");
    }
    exit 0;
}

# need_module('LWP::Protocol::https', ...): loads them, or skips the whole
# run with the reason - except in CI, where .ci/run installs every one of
# them and a missing module is a failure.
sub need_module {
    for my $m (@_) {
        next if eval "require $m; 1";
        my $err = $@;
        my $why = "$m is not installed (.ci/run installs it): " . (split /\n/, $err)[0];
        if (in_ci()) {
            Test::More::fail("required module $m");
            Test::More::diag($err);
            Test::More::done_testing();
            exit 1;
        }
        Test::More::plan(skip_all => $why);
    }
}

# Is the IO::Socket::SSL that was loaded this build? Checks a function only
# this build has, the version, where it came from (blib when the test runs
# under prove -b), and which Net::SSLeay the mode should give (if any was
# loaded at all: not every consumer loads it).
sub check_build {
    my $what = shift || 'the consumer';
    # (a call, not defined &: the shared object is loaded by the first one)
    Test::More::ok(eval { IO::Socket::SSL::_Lib::openssl_version_number() },
        "$what runs on this build (IO::Socket::SSL::_Lib exists)");
    Test::More::is($IO::Socket::SSL::VERSION, '2.099', 'IO::Socket::SSL version 2.099');
    my $path = $INC{'IO/Socket/SSL.pm'} // '';
    my $dir = $path =~ s{IO/Socket/SSL\.pm$}{}r;
    Test::More::ok($dir ne '' && -e "${dir}IO/Socket/SSL/NetSSLeay.pm",
        "IO/Socket/SSL.pm came from this build ($path)");
    if (grep { !ref && m{(^|/)blib/(lib|arch)/?$} } @INC) {
        Test::More::like($path, qr{(^|/)blib/(lib|arch)/IO/Socket/SSL\.pm$}, 'loaded from blib');
    }
    if ($MODE eq 'standalone') {
        Test::More::ok(!eval { require Net::SSLeay::Handle; 1 },
            'Net::SSLeay is hidden in this run (Net::SSLeay::Handle cannot be loaded)');
    } else {
        # the point of this run: Debian's copy is there and this build wins
        my ($deb) = grep { !ref && -f "$_/IO/Socket/SSL.pm" && !Consumer::Hide::_ours($_) } @INC;
        if ($deb || in_ci()) {
            Test::More::ok($deb, "another IO::Socket::SSL is installed (" . ($deb // 'none')
                . "/IO/Socket/SSL.pm) and was not loaded");
        } else {
            Test::More::diag('no other IO::Socket::SSL installed: precedence not shown here');
        }
    }
    if (exists $INC{'Net/SSLeay.pm'}) {
        if ($MODE eq 'standalone') {
            Test::More::like($INC{'Net/SSLeay.pm'}, qr{IO/Socket/SSL/NetSSLeay\.pm$},
                'Net::SSLeay answered by the stand-in');
            # (the stand-in's @INC hook once replaced itself with this path)
            Test::More::ok(!grep({ !ref && -f } @INC), '@INC holds no file path after that');
        } else {
            Test::More::unlike($INC{'Net/SSLeay.pm'}, qr{IO/Socket/SSL/NetSSLeay\.pm$},
                "the installed Net::SSLeay was loaded ($INC{'Net/SSLeay.pm'})");
        }
    }
}

# User code calling Net::SSLeay on the raw handles of a connected socket.
# system: the real Net::SSLeay (same libssl) reads the SSL* and SSL_CTX* and
# agrees with the socket's own answers. standalone: the stand-in serves the
# subset it has and refuses the rest with its clear message.
sub check_raw_handle {
    my ($sock, $what) = @_;
    $what ||= 'socket';
    require Net::SSLeay;
    my $ssl = $sock->_get_ssl_object;
    my $ctx = $sock->_get_ctx_object;
    Test::More::ok($ssl && $ssl =~ /^\d+$/, "$what: raw SSL* is an integer handle");
    Test::More::ok($ctx && $ctx =~ /^\d+$/, "$what: raw SSL_CTX* is an integer handle");
    my $mode = Net::SSLeay::CTX_get_mode($ctx);
    Test::More::ok(defined $mode && $mode =~ /^\d+$/, "$what: Net::SSLeay::CTX_get_mode on our SSL_CTX* ($mode)");
    if ($MODE eq 'system') {
        Test::More::is(Net::SSLeay::get_cipher($ssl), $sock->get_cipher,
            "$what: Net::SSLeay::get_cipher on our SSL* agrees");
        Test::More::is(Net::SSLeay::version($ssl), $sock->get_sslversion_int,
            "$what: Net::SSLeay::version on our SSL* agrees");
        Test::More::ok(Net::SSLeay::get_SSL_CTX($ssl) == $ctx,
            "$what: Net::SSLeay::get_SSL_CTX(SSL*) is our SSL_CTX*");
        Test::More::is(Net::SSLeay::pending($ssl) + 0, 0 + Net::SSLeay::pending($ssl),
            "$what: Net::SSLeay::pending callable");
    } else {
        my $ok = eval { Net::SSLeay::get_cipher($ssl); 1 };
        Test::More::ok(!$ok && $@ =~ /Net::SSLeay::get_cipher is not available: Net::SSLeay is not installed/,
            "$what: the stand-in refuses functions it lacks with a clear message");
    }
}

package Consumer::Hide;
# An @INC hook that makes Net::SSLeay and Debian's IO::Socket::SSL absent.

my @HIDE = (qr{^Net/SSLeay(\.pm$|/)}, qr{^IO/Socket/SSL(\.pm$|/)});

sub install {
    unshift @INC, \&hook;
}

sub _ours { my $d = shift; return -e "$d/IO/Socket/SSL/NetSSLeay.pm" }

sub hook {
    my ($self, $file) = @_;
    return if !grep { $file =~ $_ } @HIDE;
    my $net = $file =~ m{^Net/SSLeay};
    my ($seen_self, $hidden);
    my @inc = @INC;    # a copy: a hook called below may change @INC
    for my $e (@inc) {
        if (ref $e) {
            if (!$seen_self) { $seen_self = 1 if $e == \&hook; next }
            # another hook (our stand-in for Net/SSLeay.pm): ask it
            my @r = eval { $e->($e, $file) };
            return @r if @r && defined $r[0];
            next;
        }
        next if !-f "$e/$file";
        if ($net || !_ours($e)) { $hidden++; next }    # as if not installed
        # the first file perl would find anyway: let perl load it as usual
        return if !$hidden;
        # this build's file behind a hidden one: hand it out from here (%INC
        # set here, or perl would store this hook's own SV, an @INC element)
        open(my $fh, '<', "$e/$file") or next;
        $INC{$file} = "$e/$file";
        return $fh;
    }
    my $src = "die qq{Can't locate $file in \\\@INC (Net::SSLeay and Debian's "
        . "IO::Socket::SSL are hidden in this run)\\n};\n";
    open(my $fh, '<', \$src) or die;
    $INC{$file} = "/hidden/$file";
    return $fh;
}

1;
