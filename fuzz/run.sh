#!/usr/bin/env bash
# fuzz/run.sh - build the libFuzzer targets and run them.
#
#   fuzz/run.sh TARGET SECONDS     run one target (e.g. fuzz/run.sh psl 600)
#   fuzz/run.sh all SECONDS        run every target in turn, SECONDS each
#   fuzz/run.sh build              only build them
#
# Targets are fuzz/fuzz_TARGET.c, linked with ctest/ctlib.c (the C tests'
# entry points) and c_src/*.c, built with clang -fsanitize=fuzzer,address,
# undefined into fuzz/build/. Each run starts from the committed seeds in
# fuzz/corpus/TARGET/ and keeps what it learns in fuzz/build/corpus/TARGET/
# (not committed; merge useful inputs back by hand). Crashes, leaks and
# timeouts go to fuzz/findings/TARGET/. One fuzzer at a time (-jobs=1): the
# machine is shared. Needs clang and libFuzzer (Debian: clang
# libfuzzer-14-dev libclang-rt-14-dev).
#
# Environment: CC (default clang), FUZZ_FLAGS (extra libFuzzer flags),
# OPENSSL_CFLAGS / OPENSSL_LIBS (default from pkg-config).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
CC=${CC:-clang}
B=fuzz/build
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
CFLAGS="-g -O1 -fno-omit-frame-pointer $SAN -Ic_src -Ictest ${OPENSSL_CFLAGS:-$(pkg-config --cflags openssl 2>/dev/null || true)}"
LIBS=${OPENSSL_LIBS:-$(pkg-config --libs openssl 2>/dev/null || echo -lssl -lcrypto)}

# OCSP response checking (c_src/ocsp.c) joins once its header exists.
TARGETS=(load hostname version fingerprint psl alpn readline)
[ -f c_src/ocsp.h ] && TARGETS+=(ocsp)

build() {
    mkdir -p "$B/obj"
    local objs=() src obj
    for src in c_src/*.c ctest/ctlib.c; do
        obj="$B/obj/$(basename "$src" .c).o"
        if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ c_src/iss.h -nt "$obj" ] \
           || [ c_src/iss_internal.h -nt "$obj" ] || [ ctest/ctlib.h -nt "$obj" ]; then
            # shellcheck disable=SC2086
            $CC $CFLAGS -fsanitize=fuzzer-no-link -c "$src" -o "$obj"
        fi
        objs+=("$obj")
    done
    local t
    for t in "${TARGETS[@]}"; do
        local bin="$B/fuzz_$t" newer=0 o
        for o in "fuzz/fuzz_$t.c" "${objs[@]}"; do [ "$o" -nt "$bin" ] && newer=1; done
        if [ ! -x "$bin" ] || [ $newer = 1 ]; then
            # shellcheck disable=SC2086
            $CC $CFLAGS -fsanitize=fuzzer "fuzz/fuzz_$t.c" "${objs[@]}" $LIBS -o "$bin"
        fi
    done
}

run() {
    local t=$1 secs=$2
    local work="$B/corpus/$t" found="fuzz/findings/$t"
    mkdir -p "$work" "$found"
    echo "== fuzz_$t for ${secs}s (seeds fuzz/corpus/$t, findings $found)"
    # no terminal: an encrypted key must never wait for a pass phrase on it
    # shellcheck disable=SC2086
    ISS_CERTDIR="${ISS_CERTDIR:-$ROOT/t/certs}" setsid "$B/fuzz_$t" -max_total_time="$secs" -timeout=20 \
        -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="$found/" ${FUZZ_FLAGS:-} "$work" "fuzz/corpus/$t" </dev/null
}

case "${1:-}" in
build) build ;;
all)
    build
    rc=0
    for t in "${TARGETS[@]}"; do run "$t" "${2:-60}" || rc=1; done
    exit $rc ;;
"" | -h | --help) sed -n '2,20p' "$0"; exit 2 ;;
*)
    build
    run "$1" "${2:-60}" ;;
esac
