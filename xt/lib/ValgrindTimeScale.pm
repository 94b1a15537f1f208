package ValgrindTimeScale;
# Loaded with -M by xt/valgrind.sh before the test: stretches alarm() so the
# tests' watchdogs do not fire under valgrind (which runs ~20-50x slower).
# VALGRIND_TIME_SCALE (default 10) is the factor.
use strict;
my $f;
BEGIN { $f = $ENV{VALGRIND_TIME_SCALE} || 10 }
BEGIN {
    no warnings 'once';
    *CORE::GLOBAL::alarm = sub { CORE::alarm(@_ ? $_[0] * $f : $_ * $f) };
}
1;
