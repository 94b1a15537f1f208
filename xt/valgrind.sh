#!/usr/bin/env bash
# xt/valgrind.sh - run the test suite under valgrind memcheck and fail when
# valgrind reports a problem in OUR code: any error (invalid read/write/free,
# uninitialised value, overlap, bad syscall param) or any "definitely lost"
# leak whose stack has a frame in SSL.so (SSL.xs / SSL.c / c_src/*.c).
# Noise in perl itself or in OpenSSL alone is counted and shown in the
# summary but does not fail the run.
#
#   xt/valgrind.sh                 # every t/*.t
#   xt/valgrind.sh t/21_io_methods.t t/22_mtls.t
#
# Environment:
#   VG_LOGDIR             where the per-process logs go (default: a new /tmp dir)
#   VALGRIND_TIME_SCALE   factor for the tests' alarm() watchdogs (default 10)
#   VG_EXTRA              extra valgrind options (e.g. --track-origins=yes)
#   VG_STRICT_TAP=1       also fail when a test itself fails under valgrind
#   VG_NO_BUILD=1         do not (re)build before running
#
# Forked children are always followed (fork is not exec); exec'ed perls are
# traced too, the openssl / shell / other tools are not.
set -u
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)

command -v valgrind >/dev/null || { echo "valgrind not found" >&2; exit 2; }

if [ -z "${VG_NO_BUILD:-}" ]; then
    if [ ! -f Makefile ]; then perl Makefile.PL >/dev/null || exit 2; fi
    make >/dev/null || { echo "build failed" >&2; exit 2; }
fi
[ -f blib/arch/auto/IO/Socket/SSL/SSL.so ] || { echo "no blib/.../SSL.so: build first" >&2; exit 2; }

if [ $# -gt 0 ]; then TESTS=("$@"); else TESTS=(t/*.t); fi
LOGDIR=${VG_LOGDIR:-$(mktemp -d /tmp/iss-valgrind.XXXXXX)}
mkdir -p "$LOGDIR"
export PERL_DESTRUCT_LEVEL=2      # perl frees (nearly) everything: real leaks stand out
export VALGRIND_TIME_SCALE=${VALGRIND_TIME_SCALE:-10}

declare -A TAPRC
for t in "${TESTS[@]}"; do
    name=$(basename "$t" .t)
    dir="$LOGDIR/$name"
    rm -rf "$dir"; mkdir -p "$dir"
    echo "== $t (logs: $dir)"
    # shellcheck disable=SC2086
    valgrind --tool=memcheck --leak-check=full \
        --show-leak-kinds=definite --errors-for-leak-kinds=definite \
        --num-callers=40 --error-limit=no \
        --trace-children=yes \
        --trace-children-skip='*/openssl,*/sh,*/bash,*/dash,*/curl,*/gnutls-*,*/env' \
        --suppressions="$ROOT/xt/valgrind.supp" \
        --log-file="$dir/vg.%p.log" ${VG_EXTRA:-} \
        perl -I"$ROOT/xt/lib" -MValgrindTimeScale -Mblib "$t" >"$dir/tap.txt" 2>&1
    TAPRC[$t]=$?
    tail -n 3 "$dir/tap.txt" | sed 's/^/   | /'
done

# ---- analysis: one verdict over all logs -----------------------------------
perl - "$LOGDIR" "${TESTS[@]}" <<'PERL'
use strict;
use warnings;
my ($logdir, @tests) = @ARGV;
# our frames: the module's shared object, its XS glue, the C core
my $ours_re = qr{/SSL\.so\b|\(SSL\.(?:xs|c):\d+\)|c_src/|\((?:conn|ctx|store|verify|certs|x509info|lib|psl|ocsp|ocsp_glue|glue|io)\.c:\d+\)|\((?:\w+)\.xs:\d+\)|\b(?:iss_\w+|XS_IO__Socket__SSL\w*)\b};
my $kind_re = qr{^(Invalid (?:read|write|free)|Mismatched free|Conditional jump|Use of uninitialised|Syscall param|Source and destination overlap|Argument .* of function|.*definitely lost in loss record|Jump to the invalid address|Process terminating)};
my ($ours, $other, $procs, $lost_ours) = (0, 0, 0, 0);
my %seen;
for my $t (@tests) {
    (my $name = $t) =~ s{.*/}{}; $name =~ s{\.t$}{};
    for my $log (sort glob("$logdir/$name/vg.*.log")) {
        open(my $fh, '<', $log) or next;
        $procs++;
        local $/;
        my $text = <$fh>;
        $text =~ s{^==\d+== ?}{}mg;
        for my $block (split /\n\s*\n/, $text) {
            my ($first) = $block =~ /\A\s*(.*)/;
            next if !defined $first || $first !~ $kind_re;
            my $is_ours = $block =~ $ours_re;
            if ($is_ours) {
                $ours++;
                $lost_ours++ if $first =~ /definitely lost/;
                # print each distinct stack once
                (my $key = $block) =~ s{0x[0-9A-F]+}{}gi;
                $key =~ s{\d+(?:,\d+)* bytes in \d+(?:,\d+)* blocks}{N}g;
                $key =~ s{loss record [\d,]+ of [\d,]+}{}g;
                next if $seen{$key}++;
                print "\n---- $t: $log\n$block\n";
            } else {
                $other++;
            }
        }
    }
}
print "\n== valgrind: $procs process logs; $ours error(s)/leak(s) in our frames"
    . " ($lost_ours definite leaks); $other elsewhere (perl/OpenSSL, not failing)\n";
exit($ours ? 1 : 0);
PERL
verdict=$?

failed_tap=0
for t in "${TESTS[@]}"; do
    if [ "${TAPRC[$t]}" != 0 ]; then
        echo "== note: $t exited ${TAPRC[$t]} under valgrind (see $LOGDIR/$(basename "$t" .t)/tap.txt)"
        failed_tap=1
    fi
done
echo "== logs in $LOGDIR"
if [ $verdict -ne 0 ]; then exit 1; fi
if [ -n "${VG_STRICT_TAP:-}" ] && [ $failed_tap -ne 0 ]; then exit 1; fi
exit 0
