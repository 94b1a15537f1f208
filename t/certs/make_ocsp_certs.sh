#!/bin/sh
# Makes the OCSP test PKI in OUTDIR, for responders on 127.0.0.1:
#     sh t/certs/make_ocsp_certs.sh OUTDIR ROOT_PORT INTER_PORT BAD_PORT
# The OCSP URL of a certificate (its AIA) is part of what the issuer signs,
# so the tests run this at test time with ports they hold free, instead of
# committing certificates that name a port someone else may be using.
# EC P-256 keys: the whole PKI takes well under a second.
#
# Outputs (PEM unless .der):
#   ca.pem ca.key                 root CA
#   responder.pem responder.key   delegated responder of the root (EKU OCSPSigning)
#   good.pem good.key             CN=localhost, AIA root port, good
#   revoked.pem revoked.key       CN=localhost, AIA root port, revoked (keyCompromise)
#   unknown.pem unknown.key       CN=localhost, AIA root port, not in the index
#   muststaple.pem muststaple.key CN=localhost, TLS feature status_request, good
#   noaia.pem noaia.key           CN=localhost, no AIA
#   badresp.pem badresp.key       CN=localhost, AIA on BAD_PORT (nothing, or an HTTP error)
#   inter.pem inter.key           intermediate CA (AIA root port), good
#   leaf2.pem leaf2.key           CN=localhost by the intermediate, AIA inter port, good
#   leaf2-chain.pem               leaf2.pem + inter.pem
#   other-ca.pem other-ca.key     an unrelated self-signed CA (the "wrong key")
#   index.txt inter-index.txt     the responders' databases
#   resp-good.der resp-revoked.der resp-unknown.der resp-muststaple.der
#   resp-good-delegated.der       good, signed by responder.pem (certs included)
#   resp-good-wrongkey.der        good, signed by other-ca
#   resp-tryLater.der             a non-successful response (tryLater)
#   resp-good-expired.der         good, thisUpdate 10 days and nextUpdate 9 days ago
#                                 (only when a C compiler is there to shift the clock)
set -eu

out=$1; p1=$2; p2=$3; p3=$4
OPENSSL=${OPENSSL:-openssl}
mkdir -p "$out"
cd "$out"

key() { $OPENSSL genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# cert NAME ISSUER SERIAL CN < extension lines: NAME.pem signed by ISSUER(.pem/.key)
cert() {
    cat > "$1.ext"
    key "$1.key"
    $OPENSSL req -new -key "$1.key" -subj "/O=IO::Socket::SSL OCSP test/CN=$4" \
        -out "$1.csr" 2>/dev/null
    $OPENSSL x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -set_serial "$3" \
        -days 3650 -sha256 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
    rm -f "$1.csr" "$1.ext"
}

leafext() {  # a TLS server certificate, AIA on port $1 unless empty
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature"
    echo "extendedKeyUsage=serverAuth"
    echo "subjectAltName=DNS:localhost,IP:127.0.0.1"
    if [ -n "$1" ]; then echo "authorityInfoAccess=OCSP;URI:http://127.0.0.1:$1/"; fi
}

ca() {  # ca NAME SUBJECT-CN
    key "$1.key"
    $OPENSSL req -x509 -new -key "$1.key" -subj "/O=IO::Socket::SSL OCSP test/CN=$2" \
        -days 3650 -sha256 -set_serial 1 -out "$1.pem" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

ca ca "OCSP Test Root"
ca other-ca "Other Root"
cert responder ca 16 "OCSP responder" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=OCSPSigning
EXT
leafext "$p1" | cert good ca 32 localhost
leafext "$p1" | cert revoked ca 33 localhost
leafext "$p1" | cert unknown ca 34 localhost
{ leafext "$p1"; echo "tlsfeature=status_request"; } | cert muststaple ca 35 localhost
leafext "" | cert noaia ca 36 localhost
leafext "$p3" | cert badresp ca 37 localhost
cert inter ca 48 "OCSP Test Intermediate" <<EXT
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
authorityInfoAccess=OCSP;URI:http://127.0.0.1:$p1/
EXT
leafext "$p2" | cert leaf2 inter 64 localhost
cat leaf2.pem inter.pem > leaf2-chain.pem

# index.txt: V|R, expiry, revocation[,reason], serial (hex), file, subject;
# a serial that is not listed is "unknown"
line() {  # line STATUS REVOCATION CERT
    exp=$($OPENSSL x509 -in "$3" -noout -enddate | sed 's/notAfter=//')
    exp=$(date -u -d "$exp" +%y%m%d%H%M%SZ)
    serial=$($OPENSSL x509 -in "$3" -noout -serial | sed 's/serial=//')
    subj=$($OPENSSL x509 -in "$3" -noout -subject -nameopt compat | sed 's/subject=//')
    printf '%s\t%s\t%s\t%s\tunknown\t%s\n' "$1" "$exp" "$2" "$serial" "$subj"
}
revtime=$(date -u +%y%m%d%H%M%SZ)
{
    line V "" responder.pem
    line V "" good.pem
    line R "$revtime,keyCompromise" revoked.pem
    line V "" muststaple.pem
    line V "" noaia.pem
    line V "" badresp.pem
    line V "" inter.pem
} > index.txt
line V "" leaf2.pem > inter-index.txt
echo "unique_subject = no" > index.txt.attr
echo "unique_subject = no" > inter-index.txt.attr

# resp NAME CERT SIGNER [ocsp options]: a response for CERT, signed by SIGNER
resp() {
    name=$1; c=$2; signer=$3; shift 3
    $OPENSSL ocsp -issuer ca.pem -cert "$c" -no_nonce -reqout "$name.req" 2>/dev/null
    $OPENSSL ocsp -index index.txt -CA ca.pem -rsigner "$signer.pem" -rkey "$signer.key" \
        -reqin "$name.req" -respout "$name.der" -ndays 1 "$@" >/dev/null 2>&1
    rm -f "$name.req"
}
resp resp-good good.pem ca
resp resp-revoked revoked.pem ca
resp resp-unknown unknown.pem ca
resp resp-muststaple muststaple.pem ca
resp resp-good-delegated good.pem responder
resp resp-good-wrongkey good.pem other-ca
# responseStatus tryLater (3), no responseBytes: SEQUENCE { ENUMERATED 3 }
printf '\060\003\012\001\003' > resp-tryLater.der

# An expired answer: the responder signs with a clock ten days back. A tiny
# LD_PRELOAD library shifts time() (and the other clocks) for openssl only.
CC=${CC:-cc}
if command -v "$CC" >/dev/null 2>&1; then
    cat > shift.c <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>
static long shift(void) { const char *s = getenv("ISS_TIME_SHIFT"); return s ? atol(s) : 0; }
time_t time(time_t *t) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (t) *t = ts.tv_sec;
    return ts.tv_sec;
}
int clock_gettime(clockid_t id, struct timespec *ts) {
    static int (*real)(clockid_t, struct timespec *);
    int r;
    if (!real) real = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
    r = real(id, ts);
    if (r == 0 && id == CLOCK_REALTIME) ts->tv_sec -= shift();
    return r;
}
int gettimeofday(struct timeval *tv, void *tz) {
    struct timespec ts;
    (void)tz;
    clock_gettime(CLOCK_REALTIME, &ts);
    tv->tv_sec = ts.tv_sec;
    tv->tv_usec = ts.tv_nsec / 1000;
    return 0;
}
C
    if $CC -shared -fPIC -o shift.so shift.c -ldl 2>/dev/null; then
        $OPENSSL ocsp -issuer ca.pem -cert good.pem -no_nonce -reqout exp.req 2>/dev/null
        LD_PRELOAD=$out/shift.so ISS_TIME_SHIFT=864000 $OPENSSL ocsp -index index.txt \
            -CA ca.pem -rsigner ca.pem -rkey ca.key -reqin exp.req \
            -respout resp-good-expired.der -ndays 1 >/dev/null 2>&1 || true
        rm -f exp.req
    fi
    rm -f shift.c
fi
exit 0
