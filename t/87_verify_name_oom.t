#!/usr/bin/perl
# Fail closed when the host name to verify cannot be copied (out of memory).
# There is no way to make one particular allocation fail from Perl, so the
# client runs in a child perl with a small LD_PRELOAD library whose strdup()
# fails (ENOMEM) for exactly one string, the name we verify; every other
# strdup works. The code under test is the real build: only the C library's
# answer to that one call is changed. Before the fix the failure was ignored,
# the verify callback then found no name, warned and passed the name check:
# the handshake succeeded against a certificate for another name.
use strict;
use warnings;
use lib 't/lib';
use Config;
use File::Temp ();
use Test::More;
use TestLib;
use IO::Socket::SSL;

watchdog(60);

my $NAME = 'iss-oom-name.invalid';    # the server's certificate is for localhost
my $dir = File::Temp::tempdir(CLEANUP => 1);
open my $fh, '>', "$dir/failstrdup.c" or die $!;
print $fh <<"C";
#include <errno.h>
#include <stdlib.h>
#include <string.h>
/* strdup that fails for one string and works (without calling libc's) for others */
char *strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p;
    if (strcmp(s, "$NAME") == 0) {
        errno = ENOMEM;
        return NULL;
    }
    p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}
C
close $fh;
# Under xt/sanitize.sh the ASan runtime comes first in LD_PRELOAD and
# interposes strdup itself, so the failure cannot be injected there.
plan skip_all => 'ASan interposes strdup: the failure cannot be injected under xt/sanitize.sh'
    if $ENV{ISS_UNDER_ASAN};
my $cc = $Config{cc} || 'cc';
my $so = "$dir/failstrdup.so";
system("$cc -shared -fPIC -o $so $dir/failstrdup.c >$dir/cc.log 2>&1") == 0
    or plan skip_all => "cannot build an LD_PRELOAD library with $cc (the test needs one)";

# One client handshake in a child perl; prints "ok" or "fail <SSL_ERROR>".
sub client_run {
    my ($port, $preload) = @_;
    my $code = <<'PERL';
use IO::Socket::SSL;
my ($port, $ca, $name) = @ARGV;
local $SIG{__WARN__} = sub { print "warn $_[0]" };
my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
    SSL_ca_file => $ca, SSL_verifycn_name => $name, SSL_verify_mode => 1);
print $c ? "ok\n" : "fail $IO::Socket::SSL::SSL_ERROR\n";
PERL
    local $ENV{LD_PRELOAD} = $preload
        ? join(' ', grep { defined && length } $ENV{LD_PRELOAD}, $so) : $ENV{LD_PRELOAD};
    open my $p, '-|', $^X, perl_inc_args(), '-e', $code, $port, cert('test-ca.pem'), $NAME
        or die "cannot run perl: $!";
    local $/;
    my $out = <$p>;
    close $p;
    return $out // '';
}

for my $preload (0, 1) {
    my ($pid, $port) = fork_server(ssl_listener(), sub { shift->accept; });
    my $out = client_run($port, $preload);
    if (!$preload) {
        # control: the name is kept, and it is not the certificate's
        like($out, qr/^fail .*hostname verification failed/m,
            "control (no LD_PRELOAD): wrong name fails the name check: $out");
    } else {
        unlike($out, qr/^ok/m, 'copying the verify name fails: the handshake fails');
        like($out, qr/^fail .*out of memory copying the host name to verify/m,
            "... and \$SSL_ERROR says why: $out");
        unlike($out, qr/Cannot determine hostname/, '... no "cannot determine hostname" fallback');
    }
    kill_child($pid);
}

done_testing;
