#!/bin/sh
# Generates the certificates behind the host-name vectors of t/30_hostname.t
# (table: t/data/hostname_vectors.txt).
#
# Re-runnable: every *.pem here is overwritten. Run from anywhere:
#     sh t/certs/hostname/make.sh
# The outputs are committed; tests never run this. Requires the openssl command
# line tool (written against OpenSSL 3.0), xxd and perl (byte patching only).
#
# All certificates are self-signed with a throw-away Ed25519 key (not kept:
# only the names inside the certificates matter), valid for 36500 days.
# Each certificate is described by the line that makes it below: the subject
# (openssl -subj syntax) and the subjectAltName extension, either in openssl's
# syntax or as DER built by the helpers (for names openssl would not write:
# NUL bytes, control characters, surrounding white space, empty names, odd IP
# address lengths). Subjects with such bytes are written with a same-length
# placeholder that is patched in the DER afterwards; the certificate is then
# signed again, so every file is a valid self-signed certificate.
set -eu

dir=$(cd "$(dirname "$0")" && pwd)
cd "$dir"

OPENSSL=${OPENSSL:-openssl}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

$OPENSSL genpkey -algorithm ED25519 -out "$work/key.pem" 2>/dev/null

# ---- DER helpers for subjectAltName=DER:... ----------------------------------
# hex of a printf format string (so '\000', '\t', '\n' give those bytes)
hexof() { printf "$1" | xxd -p | tr -d '\n'; }
# tlv TAG HEX: DER TLV (lengths up to 65535)
tlv() {
    n=$(( ${#2} / 2 ))
    if [ $n -lt 128 ]; then printf '%s%02x%s' "$1" $n "$2"
    elif [ $n -lt 256 ]; then printf '%s81%02x%s' "$1" $n "$2"
    else printf '%s82%04x%s' "$1" $n "$2"
    fi
}
gn_dns() { tlv 82 "$(hexof "$1")"; }      # dNSName, printf format
gn_ip()  { tlv 87 "$1"; }                 # iPAddress, raw hex of any length
gn_uri() { tlv 86 "$(hexof "$1")"; }      # uniformResourceIdentifier
san_der() {                               # san_der GN-HEX...: DER:<GeneralNames>
    body=
    for g in "$@"; do body="$body$g"; done
    printf 'DER:%s' "$(tlv 30 "$body")"
}

# ---- certificate maker --------------------------------------------------------
# mk NAME SUBJECT [SAN [MASK]]
#   SUBJECT: -subj argument; SAN: value of subjectAltName ('' for none);
#   MASK: string_mask for the subject (default utf8only)
mk() {
    name=$1 subj=$2 san=${3:-} mask=${4:-utf8only}
    {
        printf '[req]\ndistinguished_name = dn\nstring_mask = %s\nutf8 = yes\n' "$mask"
        printf '[dn]\n[ext]\nbasicConstraints = critical,CA:FALSE\n'
        if [ -n "$san" ]; then printf "subjectAltName = %s\n" "$san"; fi
    } > "$work/$name.cnf"
    $OPENSSL req -x509 -new -key "$work/key.pem" -days 36500 -utf8 \
        -subj "$subj" -config "$work/$name.cnf" -extensions ext \
        -out "$name.pem" 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
}

# patch NAME FROM TO: replaces the same-length string FROM (a Perl string
# literal body, e.g. 'a@b') by TO (e.g. 'a\0b') everywhere in NAME.pem's DER
# (subject and issuer alike), then signs the certificate again.
patch() {
    name=$1
    $OPENSSL x509 -in "$name.pem" -outform DER -out "$work/c.der"
    FROM=$2 TO=$3 perl -0777 -i -pe '
        my ($f, $t) = map { eval qq{"$_"} } @ENV{qw(FROM TO)};
        length($f) == length($t) or die "patch: length differs\n";
        s/\Q$f\E/$t/g or die "patch: $ENV{FROM} not found\n";
    ' "$work/c.der"
    # the TBSCertificate starts after the 4-byte outer SEQUENCE header; an
    # Ed25519 signature is the last 64 bytes
    $OPENSSL asn1parse -inform DER -in "$work/c.der" -strparse 4 -noout -out "$work/tbs.der"
    $OPENSSL pkeyutl -sign -rawin -inkey "$work/key.pem" -in "$work/tbs.der" -out "$work/sig"
    size=$(wc -c < "$work/c.der")
    head -c $((size - 64)) "$work/c.der" > "$work/c2.der"
    cat "$work/sig" >> "$work/c2.der"
    $OPENSSL x509 -inform DER -in "$work/c2.der" -out "$name.pem"
    $OPENSSL verify -CAfile "$name.pem" "$name.pem" >/dev/null ||
        { echo "patch: $name.pem does not verify" >&2; exit 1; }
}

rm -f ./*.pem
OTHER=/CN=cn.example.net

# ---- subject CN only, no subjectAltName ---------------------------------------
mk cn_www          /CN=www.example.com
mk cn_upper        /CN=WWW.Example.COM
mk cn_dot          /CN=www.example.com.
mk cn_wild         '/CN=*.example.com'
mk cn_fwild        '/CN=f*.example.com'
mk cn_wildoo       '/CN=*oo.example.com'
mk cn_fwildo       '/CN=f*o.example.com'
mk cn_midwild      '/CN=www.*.com'
mk cn_star         '/CN=*'
mk cn_wildcom      '/CN=*.com'
mk cn_wildcouk     '/CN=*.co.uk'
mk cn_wildkobe     '/CN=*.kobe.jp'
mk cn_wilddot      '/CN=*.example.com.'
mk cn_ip4          /CN=192.0.2.1
mk cn_ip6          /CN=2001:db8::1
mk cn_ip6short     /CN=::1
mk cn_ip6long      /CN=0:0:0:0:0:0:0:1
mk cn_idn          /CN=xn--bcher-kva.example.com
mk cn_utf8         /CN=bücher.example.com
mk cn_under        /CN=_acme.a_b.example.com
mk cn_onlydot      /CN=.
mk cn_multi        /CN=first.example.com/CN=second.example.com
mk cn_none         '/O=No Common Name'
mk cn_bmp          /CN=www.example.com '' MASK:0x800
mk cn_nul          /CN=www.example.com@.evil.com
patch cn_nul       'www.example.com@.evil.com' 'www.example.com\0.evil.com'
mk cn_nl           '/CN=*.example.com~evil.org'
patch cn_nl        '*.example.com~evil.org' '*.example.com\nevil.org'
mk cn_trailnl      '/CN=*.example.com~'
patch cn_trailnl   '*.example.com~' '*.example.com\n'
mk cn_space        '/CN=~www.example.com~'
patch cn_space     '~www.example.com~' ' www.example.com '

# ---- subjectAltName (CN is cn.example.net unless the line says otherwise) -----
mk san_www         $OTHER 'DNS:www.example.com'
mk san_multi       $OTHER 'DNS:www.example.com,DNS:MAIL.Example.ORG,DNS:*.wild.example.net,DNS:ftp.example.com.,IP:192.0.2.7,email:user@example.com,URI:https://uri.example.com/'
mk san_wild        $OTHER 'DNS:*.example.com'
mk san_fwild       $OTHER 'DNS:f*.example.com'
mk san_wildoo      $OTHER 'DNS:*oo.example.com'
mk san_fwildo      $OTHER 'DNS:f*o.example.com'
mk san_midwild     $OTHER 'DNS:www.*.com'
mk san_star        $OTHER 'DNS:*'
mk san_wildcom     $OTHER 'DNS:*.com'
mk san_wildcouk    $OTHER 'DNS:*.co.uk'
mk san_wilddot     $OTHER 'DNS:*.example.com.'
mk san_wildwild    $OTHER 'DNS:*.*.example.com,DNS:**.example.org'
mk san_upper       $OTHER 'DNS:*.EXAMPLE.COM,DNS:F*.Example.Org'
mk san_psl         $OTHER 'DNS:*.kobe.jp,DNS:*.city.kobe.jp,DNS:*.bar.foo.kobe.jp,DNS:*.example.co.uk,DNS:*.github.io,DNS:*.xn--55qx5d.cn,DNS:*.www.ck,DNS:*.foo.ck,DNS:*.uk,DNS:*.com.au,DNS:*.pvt.k12.ma.us,DNS:*.x.pvt.k12.ma.us'
mk san_idn         $OTHER 'DNS:xn--bcher-kva.example.com,DNS:*.xn--caf-dma.example.com,DNS:x*.example.net,DNS:*-kva.example.org,DNS:xn--n3h.example.com'
mk san_under       $OTHER 'DNS:*.under_score.example.com,DNS:_acme.example.com,DNS:u_*.example.org'
mk san_ip          /CN=192.0.2.1 'IP:127.0.0.1,IP:::1,IP:2001:db8::1,IP:::ffff:198.51.100.1,DNS:www.example.com'
mk san_ipasdns     $OTHER 'DNS:127.0.0.1,DNS:192.0.2.1'
mk san_uri         /CN=www.example.com 'URI:https://www.example.com/,email:admin@www.example.com'
mk san_ipcn4       /CN=192.0.2.1 'DNS:www.example.com'
mk san_ipcn6       /CN=2001:db8::1 'DNS:www.example.com'
mk san_nosubj      / 'DNS:www.example.com,IP:192.0.2.1'
mk san_cnwild      '/CN=*.example.org' 'DNS:www.example.com'
mk san_empty       /CN=www.example.com "$(san_der "$(gn_dns '')")"
mk san_dots        /CN=www.example.com "$(san_der "$(gn_dns '.')" "$(gn_dns '..')")"
mk san_nul         $OTHER "$(san_der "$(gn_dns 'www.example.com\000.evil.com')" \
                                    "$(gn_dns '*.example.org\000')" "$(gn_dns '\000')")"
mk san_ws          $OTHER "$(san_der "$(gn_dns ' www.example.com ')" \
                                    "$(gn_dns '\tmail.example.com\r\n')" \
                                    "$(gn_dns '  *.wild.example.org')" \
                                    "$(gn_dns 'in ner.example.com')")"
mk san_nl          $OTHER "$(san_der "$(gn_dns '*.example.com\nevil.org')" \
                                    "$(gn_dns 'f*.example.org\n')")"
mk san_odd         $OTHER "$(san_der "$(gn_dns 'www.example.com/evil')" \
                                    "$(gn_dns 'a b.example.com')" \
                                    "$(gn_dns 'www.example.com:443')" \
                                    "$(gn_ip c0000201ff)" "$(gn_ip c0000201ffffff00)" \
                                    "$(gn_uri 'www.example.org')")"

echo "certificates written to $dir"
