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
#   VG_ANALYZE_ONLY=1     run nothing: judge the logs already in VG_LOGDIR
#                         (for the given test files, or all t/*.t)
#
# Forked children are always followed (fork is not exec); exec'ed programs
# are traced too (perl, nginx, slapd, pure-ftpd, make, gcc: their own leaks
# count as "elsewhere"), openssl / shells / curl / gnutls / env are not.
#
# Whole suite, 2026-12-06 (about 65 min of wall-clock, one file at a time,
# 2 cores shared): no error or leak in our frames after t/61's fix; t/80's
# child forked beside a thread: inherited blocks, see the rule below.
# Failing under valgrind for its slowness only (bounds on wall-clock or CPU
# time, or a timeout of a tool; no valgrind report behind them): t/50 (200
# non-blocking clients within 25 s), t/54 test 40 (CPU for 10 MB), t/82
# test 12 (the scaled alarm against the peer's unscaled 10 s), t/98's cpanm
# configure step. t/87 test 3 fails too: in the child perl that valgrind
# traces, the test's LD_PRELOAD strdup did not take effect (cause not
# pinned down; a plain C program under valgrind honours such a preload), so
# the failure is not injected and the name check fails in the usual way.
set -u
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)

command -v valgrind >/dev/null || { echo "valgrind not found" >&2; exit 2; }

if [ -n "${VG_ANALYZE_ONLY:-}" ]; then
    [ -n "${VG_LOGDIR:-}" ] || { echo "VG_ANALYZE_ONLY needs VG_LOGDIR" >&2; exit 2; }
    VG_NO_BUILD=1
fi
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
    TAPRC[$t]=0
    [ -n "${VG_ANALYZE_ONLY:-}" ] && continue
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
# Fork artefact rule (the only leak this script forgives in our frames):
# a child forked while another thread of its parent is inside our code (t/80
# forks beside an ithread blocked reading a FIFO as its CA file) inherits that
# thread's heap but not the thread: blocks that only the thread's stack or its
# thread-local storage pointed to (a half-read X509_STORE, OpenSSL's per-thread
# error state and DRBGs) look "definitely lost" in the child although nothing
# lost them; the parent's own log (where the thread finished) shows none.
# A definite leak is counted as such an artefact, not failing, only when ALL of
#   - the test file is listed in %FORK_BESIDE_THREAD below (its forked child
#     must start no thread of its own; t/80 says so where it forks),
#   - the log is a forked child: its parent is a traced perl of the same test
#     file running the same command (fork, not exec),
#   - the block was allocated on an ithread: the allocation stack ends in
#     threads.so's thread entry under start_thread.
# Everything else in such a child still fails the run: invalid reads/writes,
# uninitialised values, and leaks of the child's own work (allocated on its
# main thread). valgrind's --child-silent-after-fork would hide all of that.
perl - "$LOGDIR" "${TESTS[@]}" <<'PERL'
use strict;
use warnings;
my ($logdir, @tests) = @ARGV;
my %FORK_BESIDE_THREAD = ('80_fork_threads' => 1);
# our frames: the module's shared object, its XS glue, the C core
my $ours_re = qr{/SSL\.so\b|\(SSL\.(?:xs|c):\d+\)|c_src/|\((?:conn|ctx|store|verify|certs|x509info|lib|psl|ocsp|ocsp_glue|glue|io)\.c:\d+\)|\((?:\w+)\.xs:\d+\)|\b(?:iss_\w+|XS_IO__Socket__SSL\w*)\b};
my $kind_re = qr{^(Invalid (?:read|write|free)|Mismatched free|Conditional jump|Use of uninitialised|Syscall param|Source and destination overlap|Argument .* of function|.*definitely lost in loss record|Jump to the invalid address|Process terminating)};
# the last frames of an allocation made on an ithread: threads.so's entry
# (no symbols in Debian's build), then glibc's start_thread, then clone
my $ithread_re = qr{/auto/threads/threads\.so\)\s*\n\s*by 0x[0-9A-F]+: start_thread \([^)]*\)\s*\n\s*by 0x[0-9A-F]+: clone\b[^\n]*\s*\z}i;
my ($ours, $other, $procs, $lost_ours, $artefacts, $killed) = (0, 0, 0, 0, 0, 0);
my (%seen, @per_file);
for my $t (@tests) {
    (my $name = $t) =~ s{.*/}{}; $name =~ s{\.t$}{};
    my (%text, %parent, %command);
    for my $log (sort glob("$logdir/$name/vg.*.log")) {
        open(my $fh, '<', $log) or next;
        my ($pid) = $log =~ /vg\.(\d+)\.log$/ or next;
        local $/;
        my $text = <$fh>;
        $text =~ s{^==\d+== ?}{}mg;
        $text{$pid} = $text;
        ($parent{$pid}) = $text =~ /^Parent PID: (\d+)/m;
        ($command{$pid}) = $text =~ /^Command: (.*)/m;
    }
    my @before = ($procs, $ours, $other, $artefacts);
    # processes whose leak check never ended: killed (tests KILL servers
    # they are done with; the errors they logged still count) or, for the
    # header-only ones, also a fork that exec'd a program not traced
    my ($unchecked, $cut) = (0, 0);
    for my $pid (sort { $a <=> $b } keys %text) {
        $procs++;
        if ($text{$pid} !~ /^ERROR SUMMARY:/m) {
            $text{$pid} =~ /^HEAP SUMMARY:/m ? $cut++ : $unchecked++;
        }
        my $ppid = $parent{$pid};
        my $forked_beside_thread = $FORK_BESIDE_THREAD{$name}
            && defined $ppid && exists $text{$ppid}
            && defined $command{$pid} && defined $command{$ppid}
            && $command{$pid} eq $command{$ppid};
        for my $block (split /\n\s*\n/, $text{$pid}) {
            # an error on another thread than the last one reported is
            # headed by "Thread N:" with no blank line in between
            $block =~ s{\A\s*Thread \d+[^\n]*:\n}{};
            my ($first) = $block =~ /\A\s*(.*)/;
            next if !defined $first || $first !~ $kind_re;
            # a test ending a server it is done with (stop_bg sends TERM)
            # is no memory error; a crash signal is
            if ($first =~ /^Process terminating with default action of signal \d+ \((SIG\w+)\)/
                && $1 !~ /^SIG(?:SEGV|BUS|ILL|FPE|ABRT|TRAP|SYS)$/) {
                $killed++;
                next;
            }
            my $is_ours = $block =~ $ours_re;
            if ($is_ours && $forked_beside_thread
                && $first =~ /definitely lost/ && $block =~ $ithread_re) {
                $artefacts++;
                next;
            }
            if ($is_ours) {
                $ours++;
                $lost_ours++ if $first =~ /definitely lost/;
                # print each distinct stack once
                (my $key = $block) =~ s{0x[0-9A-F]+}{}gi;
                $key =~ s{\d+(?:,\d+)* bytes in \d+(?:,\d+)* blocks}{N}g;
                $key =~ s{loss record [\d,]+ of [\d,]+}{}g;
                next if $seen{$key}++;
                print "\n---- $t: $logdir/$name/vg.$pid.log\n$block\n";
            } else {
                $other++;
            }
        }
    }
    my ($p, $o, $e, $a) = ($procs - $before[0], $ours - $before[1],
        $other - $before[2], $artefacts - $before[3]);
    push @per_file, sprintf "   %-36s %4d logs  %3d ours  %3d elsewhere%s%s\n", $t,
        $p, $o, $e, $a ? "  $a inherited across fork" : '',
        ($unchecked || $cut) ? "  (no leak check: $unchecked killed or exec'd an untraced program, $cut killed during it)" : '';
}
print "\n== per file:\n", @per_file;
print "\n== valgrind: $procs process logs; $ours error(s)/leak(s) in our frames"
    . " ($lost_ours definite leaks); $other elsewhere (perl/OpenSSL, not failing)"
    . ($artefacts ? "; $artefacts inherited from a thread across fork (not failing)" : '')
    . ($killed ? "; $killed process(es) ended by a signal such as TERM (not failing)" : '')
    . "\n";
exit($ours ? 1 : 0);
PERL
verdict=$?

failed_tap=0
for t in "${TESTS[@]}"; do
    if [ -n "${VG_ANALYZE_ONLY:-}" ]; then
        tap="$LOGDIR/$(basename "$t" .t)/tap.txt"
        if [ ! -f "$tap" ]; then echo "== note: $t was not run (no $tap)"; continue; fi
        if grep -q '^not ok' "$tap" || ! grep -Eq '^1\.\.[0-9]+' "$tap"; then TAPRC[$t]=1; fi
    fi
    if [ "${TAPRC[$t]}" != 0 ]; then
        echo "== note: $t exited ${TAPRC[$t]} under valgrind (see $LOGDIR/$(basename "$t" .t)/tap.txt)"
        failed_tap=1
    fi
done
echo "== logs in $LOGDIR"
if [ $verdict -ne 0 ]; then exit 1; fi
if [ -n "${VG_STRICT_TAP:-}" ] && [ $failed_tap -ne 0 ]; then exit 1; fi
exit 0
