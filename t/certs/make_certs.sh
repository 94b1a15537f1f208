#!/bin/sh
# Generates the test PKI used by the test suite (t/*.t).
#
# Re-runnable: every output is overwritten. Run from anywhere:
#     sh t/certs/make_certs.sh
# The generated files are committed, so tests never need to run this.
# Requires the openssl command line tool (written against OpenSSL 3.0).
# All certificates are valid 2020-01-01 .. 2120-01-01 (100 years, backdated so
# that clock skew does not matter); keys are RSA 2048 except server-ec-key.pem.
# Re-running creates new keys, so all files must be committed together.
#
# Outputs (all PEM):
#   test-ca.pem / test-ca-key.pem                 root CA ("IO::Socket::SSL Test CA")
#   intermediate-ca.pem / intermediate-ca-key.pem intermediate CA, signed by root
#   server-cert.pem / server-key.pem              CN=localhost, SAN DNS:localhost,
#                                                 IP:127.0.0.1, IP:::1; signed by intermediate
#   server-chain.pem                              server-cert.pem + intermediate-ca.pem
#   server-ec-cert.pem / server-ec-key.pem        like server-cert but EC P-256 key
#                                                 (cert file contains the intermediate too)
#   client-cert.pem / client-key.pem             CN=testclient, EKU clientAuth, signed by root
#   other-ca.pem / other-ca-key.pem               unrelated root CA
#   other-server-cert.pem / other-server-key.pem  CN=localhost (same SANs), signed by other CA
#   wronghost-cert.pem / wronghost-key.pem        CN/SAN www.example.org, signed by intermediate
#                                                 (cert file contains the intermediate too)
#   mismatch-key.pem                              RSA key matching no certificate
set -eu

dir=$(cd "$(dirname "$0")" && pwd)
cd "$dir"

OPENSSL=${OPENSSL:-openssl}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

rsakey() {  # rsakey OUT
    $OPENSSL genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null
}
eckey() {   # eckey OUT
    $OPENSSL genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
        -pkeyopt ec_param_enc:named_curve -out "$1" 2>/dev/null
}

# Certificates are issued with "openssl ca" so that notBefore can be backdated
# (robust against clock skew); validity is 100 years.
START=20200101000000Z
END=21200101000000Z
mkdir "$work/newcerts"
: > "$work/index.txt"
echo 1000 > "$work/serial"
cat > "$work/ca.cnf" <<CNF
[ca]
default_ca = CA_default
[CA_default]
database = $work/index.txt
new_certs_dir = $work/newcerts
serial = $work/serial
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = no
[policy_any]
countryName = optional
organizationName = optional
commonName = supplied
[req]
distinguished_name = dn
[dn]
CNF

# issue NAME SUBJECT KEY ISSUER_CERT|-selfsign ISSUER_KEY EXTENSIONS(multiline)
#   -> NAME.pem
issue() {
    name=$1 subj=$2 key=$3 icert=$4 ikey=$5 ext=$6
    printf '%s\n' "[ext]" "$ext" > "$work/$name.ext"
    $OPENSSL req -new -config "$work/ca.cnf" -key "$key" -subj "$subj" \
        -out "$work/$name.csr"
    if [ "$icert" = -selfsign ]; then
        set -- -selfsign
    else
        set -- -cert "$icert"
    fi
    $OPENSSL ca -batch -notext -preserveDN -config "$work/ca.cnf" "$@" \
        -keyfile "$ikey" -in "$work/$name.csr" -out "$name.pem" \
        -startdate "$START" -enddate "$END" \
        -extfile "$work/$name.ext" -extensions ext 2>"$work/$name.err" \
        || { cat "$work/$name.err" >&2; exit 1; }
}

CA_EXT='basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always'
SERVER_SAN='subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1'
SERVER_EXT='basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always'
EC_SERVER_EXT='basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always'
CLIENT_EXT='basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always'

# --- root CA
rsakey test-ca-key.pem
issue test-ca "/C=DE/O=IO-Socket-SSL-Test/CN=IO::Socket::SSL Test CA" test-ca-key.pem \
    -selfsign test-ca-key.pem "$CA_EXT"

# --- intermediate CA
rsakey intermediate-ca-key.pem
issue intermediate-ca "/C=DE/O=IO-Socket-SSL-Test/CN=IO::Socket::SSL Test Intermediate CA" \
    intermediate-ca-key.pem test-ca.pem test-ca-key.pem \
    "$(printf '%s\n' "$CA_EXT" | sed 's/CA:TRUE/CA:TRUE,pathlen:0/')"

# --- server (RSA), signed by intermediate
rsakey server-key.pem
issue server-cert "/C=DE/O=IO-Socket-SSL-Test/CN=localhost" server-key.pem \
    intermediate-ca.pem intermediate-ca-key.pem "$SERVER_EXT
$SERVER_SAN"
cat server-cert.pem intermediate-ca.pem > server-chain.pem

# --- server (EC P-256), signed by intermediate; cert file includes the chain
eckey server-ec-key.pem
issue server-ec-cert "/C=DE/O=IO-Socket-SSL-Test/CN=localhost" server-ec-key.pem \
    intermediate-ca.pem intermediate-ca-key.pem "$EC_SERVER_EXT
$SERVER_SAN"
cat intermediate-ca.pem >> server-ec-cert.pem

# --- client cert, signed by root
rsakey client-key.pem
issue client-cert "/C=DE/O=IO-Socket-SSL-Test/CN=testclient" client-key.pem \
    test-ca.pem test-ca-key.pem "$CLIENT_EXT"

# --- unrelated CA + a localhost server cert from it
rsakey other-ca-key.pem
issue other-ca "/C=DE/O=Other-Test-Org/CN=Other Test CA" other-ca-key.pem \
    -selfsign other-ca-key.pem "$CA_EXT"
rsakey other-server-key.pem
issue other-server-cert "/C=DE/O=Other-Test-Org/CN=localhost" other-server-key.pem \
    other-ca.pem other-ca-key.pem "$SERVER_EXT
$SERVER_SAN"

# --- cert for another host name, signed by intermediate; includes the chain
rsakey wronghost-key.pem
issue wronghost-cert "/C=DE/O=IO-Socket-SSL-Test/CN=www.example.org" wronghost-key.pem \
    intermediate-ca.pem intermediate-ca-key.pem "$SERVER_EXT
subjectAltName=DNS:www.example.org"
cat intermediate-ca.pem >> wronghost-cert.pem

# --- a key matching no certificate
rsakey mismatch-key.pem

# --- sanity checks
$OPENSSL verify -CAfile test-ca.pem -untrusted intermediate-ca.pem server-cert.pem >/dev/null
$OPENSSL verify -CAfile test-ca.pem -untrusted intermediate-ca.pem server-ec-cert.pem >/dev/null
$OPENSSL verify -CAfile test-ca.pem -untrusted intermediate-ca.pem wronghost-cert.pem >/dev/null
$OPENSSL verify -CAfile test-ca.pem -purpose sslclient client-cert.pem >/dev/null
$OPENSSL verify -CAfile other-ca.pem other-server-cert.pem >/dev/null
chmod 644 ./*.pem
echo "test PKI written to $dir"
