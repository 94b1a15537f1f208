#!perl
# The C tests of the core (ctest/t_*.c): Perl-free programs built by `make`
# that print TAP. Each one's tests are passed through here, one Test::More
# test per C test, so a failure names the program and the test.
use strict;
use warnings;
use lib 't/lib';
use TestLib;
use Test::More;
use POSIX ();

watchdog(120);

my @sources = sort glob('ctest/t_*.c');
ok(@sources >= 6, scalar(@sources) . ' C test programs in ctest/');

for my $src (@sources) {
    (my $bin = $src) =~ s/\.c\z//;
    my $name = $bin =~ s{.*/}{}r;
    if (!-x $bin) {
        fail("$name was built by make");
        next;
    }
    # stdin from /dev/null: nothing may wait for a terminal. No shell in
    # between, so xt/valgrind.sh (which skips sh) traces the C program too.
    my $pid = open(my $out, '-|') // die "fork: $!";
    if (!$pid) {
        open(STDIN, '<', '/dev/null') or POSIX::_exit(126);
        open(STDERR, '>&', \*STDOUT) or POSIX::_exit(126);
        exec($bin) or POSIX::_exit(127);
    }
    my ($plan, $seen, @extra) = (undef, 0);
    while (my $line = <$out>) {
        chomp $line;
        if ($line =~ /^1\.\.(\d+)/) {
            $plan = $1;
        } elsif ($line =~ /^(not )?ok (\d+)(?: - (.*))?/) {
            $seen++;
            ok(!$1, "$name: " . ($3 // "test $2"));
        } elsif ($line =~ /^#/) {
            note($line);
            diag($line) if $seen && !Test::More->builder->is_passing;
        } else {
            push @extra, $line;
        }
    }
    close $out;
    my $status = $?;
    is($status, 0, "$name exited 0") or diag(join("\n", @extra));
    ok(defined $plan && $plan == $seen, "$name: ran its plan of " . ($plan // '?'));
}

done_testing();
