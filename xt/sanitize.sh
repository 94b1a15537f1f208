#!/usr/bin/env bash
# xt/sanitize.sh - build the module with AddressSanitizer + UBSan
# (perl Makefile.PL SANITIZE=1) in a scratch copy of the tree and run the t/
# suite against it. Fails on any sanitizer report or failing test.
#
#   xt/sanitize.sh                  # every t/*.t
#   xt/sanitize.sh t/21_io_methods.t t/30_hostname.t
#
# perl itself is not instrumented, so the sanitizer runtimes are
# LD_PRELOADed. Leak checking is off here: perl does not free everything at
# exit, and leaks are xt/valgrind.sh's job (it knows which frames are ours).
# Environment: SAN_DIR (build directory, default a new /tmp dir; reused when
# given and already built), SAN_JOBS (prove -j, default 2), CC (default gcc).
set -u
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
CC=${CC:-gcc}
DIR=${SAN_DIR:-$(mktemp -d /tmp/iss-sanitize.XXXXXX)}
LOGDIR="$DIR/sanitizer-logs"

if [ ! -f "$DIR/blib/arch/auto/IO/Socket/SSL/SSL.so" ] || [ -z "${SAN_DIR:-}" ]; then
    mkdir -p "$DIR"
    # the tracked files plus what is new in the work tree, nothing built
    (git ls-files -co --exclude-standard 2>/dev/null || find . -type f) |
        grep -v '^fuzz/' | tar -cf - -T - | tar -xf - -C "$DIR" || exit 2
    (cd "$DIR" && perl Makefile.PL SANITIZE=1 >/dev/null && make CC="$CC" LD="$CC" >/dev/null) ||
        { echo "sanitizer build failed" >&2; exit 2; }
fi

ASAN_RT=$($CC -print-file-name=libasan.so)
UBSAN_RT=$($CC -print-file-name=libubsan.so)
[ -f "$ASAN_RT" ] && [ -f "$UBSAN_RT" ] || { echo "no libasan/libubsan for $CC" >&2; exit 2; }

rm -rf "$LOGDIR"; mkdir -p "$LOGDIR"
# log_path: one file per process, so reports from forked servers and from
# child perls are not lost in a test's captured output
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=0:log_path=$LOGDIR/asan:allocator_may_return_null=1:detect_odr_violation=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$LOGDIR/ubsan"
export LD_PRELOAD="$ASAN_RT $UBSAN_RT"

if [ $# -gt 0 ]; then TESTS=("$@"); else TESTS=(t/*.t); fi
cd "$DIR" || exit 2
prove -b -j"${SAN_JOBS:-2}" "${TESTS[@]}"
rc=$?
unset LD_PRELOAD

reports=$(find "$LOGDIR" -type f | wc -l)
if [ "$reports" -gt 0 ]; then
    echo "== $reports sanitizer report(s):"
    for f in "$LOGDIR"/*; do echo "---- $f"; head -n 40 "$f"; done
    rc=1
fi
echo "== sanitizer build in $DIR (logs $LOGDIR): $([ $rc = 0 ] && echo clean || echo FAILED)"
exit $rc
