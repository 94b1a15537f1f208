#!/bin/sh
# Derives the test PKI of make_certs.sh into other file formats, plus DH
# parameters and deliberately broken files, for the context tests
# (t/10_version_ciphers.t, t/11_certs_keys.t, t/13_bad_options.t).
#
# Re-runnable: every output is overwritten. Run after make_certs.sh (the
# outputs must be regenerated whenever the PKI is), from anywhere:
#     sh t/certs/make_formats.sh
# The generated files are committed, so tests never need to run this.
# Requires the openssl command line tool (written against OpenSSL 3.0).
#
# Outputs:
#   server-cert.der           server-cert.pem as DER (leaf only, no chain)
#   server-key.der            server-key.pem as DER (PKCS#8, unencrypted)
#   server-key-rsa.der        server-key.pem as DER (PKCS#1 "traditional" RSA)
#   server.p12                key + leaf + intermediate, password "p12pass"
#   server-nopass.p12         key + leaf + intermediate, empty password
#   server-leaf.p12           key + leaf only (no chain), password "p12pass"
#   server-combined.pem       leaf + intermediate + key in one PEM file
#   server-key-enc.pem        server-key.pem encrypted (PKCS#8, AES-256),
#                             password "keypass"
#   server-key-enc-trad.pem   server-key.pem encrypted in the traditional
#                             OpenSSL format (Proc-Type/DEK-Info), "keypass"
#   dh-ffdhe3072.pem          DH parameters (RFC 7919 ffdhe3072 group, PEM
#                             "DH PARAMETERS"): 3072 bits, unlike the
#                             built-in 2048-bit default, so a client can tell
#   ca-bundle.pem             test-ca.pem + other-ca.pem
#   bad-garbage.pem           text that is no PEM at all
#   bad-truncated-cert.pem    server-cert.pem cut in the middle of the base64
#   bad-base64-cert.pem       PEM markers around invalid base64
#   bad-garbage.der           random-looking binary bytes
#   bad-truncated-cert.der    server-cert.der cut in half
#   bad-truncated.p12         server.p12 cut in half
#   bad-truncated-key.pem     server-key.pem cut in the middle of the base64
#   empty.pem                 an empty file
set -eu

dir=$(cd "$(dirname "$0")" && pwd)
cd "$dir"

OPENSSL=${OPENSSL:-openssl}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- DER
$OPENSSL x509 -in server-cert.pem -outform DER -out server-cert.der
$OPENSSL pkcs8 -topk8 -nocrypt -in server-key.pem -outform DER -out server-key.der
$OPENSSL rsa -in server-key.pem -outform DER -traditional -out server-key-rsa.der 2>/dev/null

# --- PKCS#12 (OpenSSL 3 defaults: AES-256-CBC, PBKDF2)
$OPENSSL pkcs12 -export -in server-cert.pem -inkey server-key.pem \
    -certfile intermediate-ca.pem -name server -passout pass:p12pass -out server.p12
$OPENSSL pkcs12 -export -in server-cert.pem -inkey server-key.pem \
    -certfile intermediate-ca.pem -name server -passout pass: -out server-nopass.p12
$OPENSSL pkcs12 -export -in server-cert.pem -inkey server-key.pem \
    -name server -passout pass:p12pass -out server-leaf.p12

# --- PEM variants
cat server-cert.pem intermediate-ca.pem server-key.pem > server-combined.pem
$OPENSSL pkey -in server-key.pem -aes256 -passout pass:keypass -out server-key-enc.pem
$OPENSSL rsa -in server-key.pem -aes256 -traditional -passout pass:keypass \
    -out server-key-enc-trad.pem 2>/dev/null
cat test-ca.pem other-ca.pem > ca-bundle.pem

# --- DH parameters (a named group: instant, and no weak parameters)
$OPENSSL genpkey -genparam -algorithm DH -pkeyopt group:ffdhe3072 -out dh-ffdhe3072.pem

# --- broken files
printf 'this is not a certificate\nnor a key\n' > bad-garbage.pem
head -c 600 server-cert.pem > bad-truncated-cert.pem
printf '%s\n' '-----BEGIN CERTIFICATE-----' 'MIIB!!!not*base64***' \
    'AAAA' '-----END CERTIFICATE-----' > bad-base64-cert.pem
# fixed bytes (not random) so that re-running gives the same file
i=0; : > bad-garbage.der
while [ $i -lt 64 ]; do printf '\001\377\020\200\177\033\000\252' >> bad-garbage.der; i=$((i+1)); done
size=$(wc -c < server-cert.der); head -c $((size / 2)) server-cert.der > bad-truncated-cert.der
size=$(wc -c < server.p12); head -c $((size / 2)) server.p12 > bad-truncated.p12
head -c 800 server-key.pem > bad-truncated-key.pem
: > empty.pem

# --- sanity checks
$OPENSSL x509 -inform DER -in server-cert.der -noout
$OPENSSL pkey -inform DER -in server-key.der -noout
$OPENSSL pkcs12 -in server.p12 -passin pass:p12pass -noout
$OPENSSL pkcs12 -in server-nopass.p12 -passin pass: -noout
$OPENSSL pkey -in server-key-enc.pem -passin pass:keypass -noout
$OPENSSL pkey -in server-key-enc-trad.pem -passin pass:keypass -noout
$OPENSSL pkeyparam -in dh-ffdhe3072.pem -noout
if $OPENSSL x509 -in bad-truncated-cert.pem -noout 2>/dev/null; then
    echo "bad-truncated-cert.pem parses" >&2; exit 1
fi
chmod 644 ./*.der ./*.p12 server-combined.pem server-key-enc*.pem dh-ffdhe3072.pem \
    ca-bundle.pem bad-*.pem empty.pem
echo "format fixtures written to $dir"
