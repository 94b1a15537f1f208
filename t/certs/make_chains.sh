#!/bin/sh
# Generates the certificate chains used by the chain verification tests
# (t/34_chains.t, t/35_verify_callback.t, t/36_error_trap.t) into
# t/certs/chains/.
#
# Re-runnable: every output is overwritten. Run from anywhere:
#     sh t/certs/make_chains.sh
# The generated files are committed, so tests never need to run this.
# Requires the openssl command line tool (written against OpenSSL 3.0:
# "openssl ca -crl_lastupdate/-crl_nextupdate").
# Re-running creates new keys, so all files must be committed together.
#
# Validity: 2020-01-01 .. 2120-01-01 (backdated: clock skew does not matter),
# except the deliberately expired (2020-01-01 .. 2021-01-01) and not yet valid
# (2110-01-01 .. 2120-01-01) leaves. CRLs: lastUpdate 2020-01-01, nextUpdate
# 2120-01-01. Keys: RSA 2048; all leaves share leaf-key.pem.
#
# Outputs (all PEM, in t/certs/chains/):
#   root-ca.pem / root-ca-key.pem      root CA "IO::Socket::SSL Chains Root CA"
#   int-ca.pem / int-ca-key.pem        intermediate CA (pathlen:0), signed by root
#   other-root-ca.pem / -key.pem       an unrelated root CA (unknown CA)
#   leaf-key.pem                       key of every leaf below
#   leaf.pem,       leaf-chain.pem     CN=localhost (SAN DNS:localhost, IP:127.0.0.1,
#                                      IP:::1), EKU serverAuth, signed by int-ca
#   expired.pem,    expired-chain.pem  same, notAfter 2021-01-01 (expired)
#   notyet.pem,     notyet-chain.pem   same, notBefore 2110-01-01 (not yet valid)
#   revoked.pem,    revoked-chain.pem  same, revoked in int-ca.crl.pem
#   clientauth.pem, clientauth-chain.pem  same names, but EKU clientAuth only
#   selfsigned.pem                     CN=localhost, self-signed, CA:FALSE, with
#                                      the leaf key
#   int-ca.crl.pem                     CRL of int-ca, revoking revoked.pem
#   root-ca.crl.pem                    CRL of root-ca, empty
# *-chain.pem = the leaf followed by int-ca.pem (what a server sends).
set -eu

dir=$(cd "$(dirname "$0")" && pwd)/chains
mkdir -p "$dir"
cd "$dir"

OPENSSL=${OPENSSL:-openssl}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

rsakey() {  # rsakey OUT
    $OPENSSL genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null
}

START=20200101000000Z
END=21200101000000Z

# one "openssl ca" database per issuing CA (a CRL lists every revoked entry
# of its database)
mkdb() {    # mkdb NAME -> $work/NAME.cnf
    mkdir -p "$work/$1/newcerts"
    : > "$work/$1/index.txt"
    echo 1000 > "$work/$1/serial"
    echo 1000 > "$work/$1/crlnumber"
    cat > "$work/$1.cnf" <<CNF
[ca]
default_ca = CA_default
[CA_default]
database = $work/$1/index.txt
new_certs_dir = $work/$1/newcerts
serial = $work/$1/serial
crlnumber = $work/$1/crlnumber
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = no
crl_extensions = crl_ext
[crl_ext]
authorityKeyIdentifier = keyid:always
[policy_any]
countryName = optional
organizationName = optional
commonName = supplied
[req]
distinguished_name = dn
[dn]
CNF
}
mkdb root
mkdb int
mkdb other

# issue DB NAME SUBJECT KEY ISSUER_CERT|-selfsign ISSUER_KEY START END EXTENSIONS
#   -> NAME.pem
issue() {
    db=$1 name=$2 subj=$3 key=$4 icert=$5 ikey=$6 start=$7 end=$8 ext=$9
    printf '%s\n' "[ext]" "$ext" > "$work/$name.ext"
    $OPENSSL req -new -config "$work/$db.cnf" -key "$key" -subj "$subj" \
        -out "$work/$name.csr"
    if [ "$icert" = -selfsign ]; then
        set -- -selfsign
    else
        set -- -cert "$icert"
    fi
    $OPENSSL ca -batch -notext -preserveDN -config "$work/$db.cnf" "$@" \
        -keyfile "$ikey" -in "$work/$name.csr" -out "$name.pem" \
        -startdate "$start" -enddate "$end" \
        -extfile "$work/$name.ext" -extensions ext 2>"$work/$name.err" \
        || { cat "$work/$name.err" >&2; exit 1; }
}

CA_EXT='basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always'
INT_EXT='basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always'
SAN='subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1'
SERVER_EXT="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always
$SAN"
CLIENT_EXT="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always
$SAN"
SELF_EXT="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectKeyIdentifier=hash
$SAN"

O=/O=IO-Socket-SSL-Chains

# --- CAs
rsakey root-ca-key.pem
issue root root-ca "$O/CN=IO::Socket::SSL Chains Root CA" root-ca-key.pem \
    -selfsign root-ca-key.pem "$START" "$END" "$CA_EXT"
rsakey int-ca-key.pem
issue root int-ca "$O/CN=IO::Socket::SSL Chains Intermediate CA" int-ca-key.pem \
    root-ca.pem root-ca-key.pem "$START" "$END" "$INT_EXT"
rsakey other-root-ca-key.pem
issue other other-root-ca "/O=Unrelated-Org/CN=Unrelated Root CA" \
    other-root-ca-key.pem -selfsign other-root-ca-key.pem "$START" "$END" "$CA_EXT"

# --- leaves signed by the intermediate (shared key)
rsakey leaf-key.pem
leaf() {    # leaf NAME CN START END EXT
    issue int "$1" "$O/CN=$2" leaf-key.pem int-ca.pem int-ca-key.pem "$3" "$4" "$5"
    cat "$1.pem" int-ca.pem > "$1-chain.pem"
}
leaf leaf       localhost "$START" "$END" "$SERVER_EXT"
leaf expired    localhost "$START" 20210101000000Z "$SERVER_EXT"
leaf notyet     localhost 21100101000000Z "$END" "$SERVER_EXT"
leaf revoked    localhost "$START" "$END" "$SERVER_EXT"
leaf clientauth localhost "$START" "$END" "$CLIENT_EXT"

# --- self-signed leaf
issue other selfsigned "$O/CN=localhost" leaf-key.pem -selfsign leaf-key.pem \
    "$START" "$END" "$SELF_EXT"

# --- CRLs
$OPENSSL ca -batch -config "$work/int.cnf" -cert int-ca.pem -keyfile int-ca-key.pem \
    -revoke revoked.pem -crl_reason keyCompromise 2>"$work/revoke.err" \
    || { cat "$work/revoke.err" >&2; exit 1; }
# fixed revocation date (2020-01-01) instead of "now": reproducible output
awk 'BEGIN { FS = OFS = "\t" } $1 == "R" { sub(/^[0-9]+Z/, "200101000000Z", $3) } { print }' \
    "$work/int/index.txt" > "$work/int/index.new"
mv "$work/int/index.new" "$work/int/index.txt"
gencrl() {  # gencrl DB CERT KEY OUT
    $OPENSSL ca -batch -gencrl -config "$work/$1.cnf" -cert "$2" -keyfile "$3" \
        -crl_lastupdate "$START" -crl_nextupdate "$END" -out "$4" 2>"$work/crl.err" \
        || { cat "$work/crl.err" >&2; exit 1; }
}
gencrl int int-ca.pem int-ca-key.pem int-ca.crl.pem
gencrl root root-ca.pem root-ca-key.pem root-ca.crl.pem

# --- sanity checks (each must give the expected outcome)
v() { $OPENSSL verify -CAfile root-ca.pem -untrusted int-ca.pem "$@" 2>&1; }
v leaf.pem >/dev/null
v -purpose sslclient clientauth.pem >/dev/null
v revoked.pem >/dev/null
v -crl_check -CRLfile int-ca.crl.pem leaf.pem >/dev/null
if v -crl_check -CRLfile int-ca.crl.pem revoked.pem >/dev/null; then
    echo "revoked.pem verifies with the CRL" >&2; exit 1; fi
if v expired.pem >/dev/null; then echo "expired.pem verifies" >&2; exit 1; fi
if v notyet.pem >/dev/null; then echo "notyet.pem verifies" >&2; exit 1; fi
if v -purpose sslserver clientauth.pem >/dev/null; then
    echo "clientauth.pem verifies as a server" >&2; exit 1; fi
$OPENSSL verify -CAfile other-root-ca.pem other-root-ca.pem >/dev/null
chmod 644 ./*.pem
echo "certificate chains written to $dir"
