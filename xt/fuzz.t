#!perl
# A short run of every libFuzzer target (fuzz/run.sh): each must build and
# run FUZZ_SECONDS (default 15) from its committed seeds without a crash,
# sanitizer report, leak or timeout. Long runs are done by hand:
# fuzz/run.sh all 600 (results in fuzz/README).
use strict;
use warnings;
use Test::More;

my $clang = `sh -c 'command -v clang' 2>/dev/null`;
plan skip_all => 'clang (with libFuzzer) is not installed' if !$clang;
my $secs = $ENV{FUZZ_SECONDS} || 15;

my $out = `fuzz/run.sh build 2>&1`;
is($?, 0, 'fuzz targets build') or diag($out);

my @targets = map { m{fuzz/fuzz_(\w+)\.c$} ? $1 : () } sort glob('fuzz/fuzz_*.c');
@targets = grep { $_ ne 'ocsp' || -f 'c_src/ocsp.h' } @targets;
for my $t (@targets) {
    my $log = `fuzz/run.sh $t $secs 2>&1`;
    my $rc = $?;
    my ($runs) = $log =~ /stat::number_of_executed_units:\s*(\d+)/;
    ok($rc == 0 && $runs, "fuzz_$t: " . ($runs // 0) . " runs in ${secs}s, nothing found")
        or diag(join("\n", grep { /ERROR|SUMMARY|artifact|Test unit/ } split /\n/, $log));
}
done_testing();
