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
# Environment: SAN_DIR (build directory, default a new /tmp dir; reused
# and brought up to date when given), SAN_JOBS (prove -j, default 2), CC (default gcc).
set -u
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
CC=${CC:-gcc}
DIR=${SAN_DIR:-$(mktemp -d /tmp/iss-sanitize.XXXXXX)}
LOGDIR="$DIR/sanitizer-logs"

mkdir -p "$DIR"
# the tracked files plus what is new in the work tree (copied again on each
# run, so a reused SAN_DIR tests the current sources), nothing built
(git ls-files -co --exclude-standard 2>/dev/null || find . -type f) |
    grep -v '^fuzz/build/' | tar -cf - -T - | tar -xf - -C "$DIR" || exit 2
(cd "$DIR" && { [ -f Makefile ] || perl Makefile.PL SANITIZE=1 >/dev/null; } &&
    make CC="$CC" LD="$CC" >/dev/null) || { echo "sanitizer build failed" >&2; exit 2; }
grep -q fsanitize=address "$DIR/Makefile" || { echo "$DIR is not a SANITIZE=1 build" >&2; exit 2; }

ASAN_RT=$($CC -print-file-name=libasan.so)
UBSAN_RT=$($CC -print-file-name=libubsan.so)
[ -f "$ASAN_RT" ] && [ -f "$UBSAN_RT" ] || { echo "no libasan/libubsan for $CC" >&2; exit 2; }

rm -rf "$LOGDIR"; mkdir -p "$LOGDIR"
# log_path: one file per process, so reports from forked servers and from
# child perls are not lost in a test's captured output
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=0:log_path=$LOGDIR/asan:allocator_may_return_null=1:detect_odr_violation=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$LOGDIR/ubsan"
# Other programs the tests start (curl hangs at start-up with libasan
# preloaded) run without the runtimes: wrappers first in PATH drop it.
# (beside the build, not in it: t/98 lists every file in the tree)
WRAP="$DIR.sanitizer-path"
rm -rf "$WRAP"; mkdir -p "$WRAP"
# Only the sanitizer runtimes are dropped: a test's own preload (the OCSP
# script's clock shift for openssl) stays. Daemons from /usr/sbin (slapd,
# pure-ftpd) are wrapped too: with the runtimes preloaded pure-ftpd's TLS fails.
for tool in curl openssl gnutls-cli gnutls-serv gnutls-cli-debug nginx socat testssl slapd pure-ftpd; do
    real=$(command -v "$tool" || { [ -x "/usr/sbin/$tool" ] && echo "/usr/sbin/$tool"; }) || continue
    cat > "$WRAP/$tool" <<WRAPPER
#!/bin/sh
keep=
for lib in \$LD_PRELOAD; do
    case "\$lib" in *libasan*|*libubsan*) ;; *) keep="\$keep \$lib" ;; esac
done
if [ -n "\$keep" ]; then LD_PRELOAD=\$keep exec $real "\$@"; fi
exec env -u LD_PRELOAD $real "\$@"
WRAPPER
    chmod +x "$WRAP/$tool"
done
export PATH="$WRAP:$PATH"
# ASan makes perl and OpenSSL 2-3 times slower: stretch the tests' watchdog
# alarms as xt/valgrind.sh does (in the test script's perl only, as there)
export VALGRIND_TIME_SCALE=${SAN_TIME_SCALE:-4}
# tests skip what cannot work under ASan (t/87 injects a strdup failure
# through LD_PRELOAD, and ASan interposes strdup itself)
export ISS_UNDER_ASAN=1
export LD_PRELOAD="$ASAN_RT $UBSAN_RT"

if [ $# -gt 0 ]; then TESTS=("$@"); else TESTS=(t/*.t); fi
cd "$DIR" || exit 2
prove -j"${SAN_JOBS:-2}" --exec "perl -Mblib -I$DIR/xt/lib -MValgrindTimeScale" "${TESTS[@]}"
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
