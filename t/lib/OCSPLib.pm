package OCSPLib;
# The OCSP test PKI, made at test time (t/certs/make_ocsp_certs.sh) because
# the responder's URL, port included, is signed into the certificates; and
# the responders, real `openssl ocsp -port` processes on those ports.
use strict;
use warnings;
use Exporter 'import';
use File::Temp ();
use TestLib;

our @EXPORT = qw(ocsp_pki ocsp_responder ocsp_client slurp http_error_server);

sub slurp {
    my $f = shift;
    open(my $fh, '<:raw', $f) or die "$f: $!";
    local $/;
    return scalar <$fh>;
}

# ocsp_pki(responders => 1): { dir, port1, port2, port3, file => sub }. With
# responders, `openssl ocsp` answers for the root on port1 and for the
# intermediate on port2. Ports are picked free; if one was taken meanwhile
# the responder cannot listen, and the whole PKI is made again on others.
sub ocsp_pki {
    my %opt = @_;
    my $openssl = openssl_bin() or return;
    for my $try (1 .. 3) {
        my $dir = File::Temp::tempdir(CLEANUP => 1);
        my ($p1, $p2, $p3) = (free_port(), free_port(), free_port());
        next if $p1 == $p2 || $p2 == $p3 || $p1 == $p3;
        system('sh', TestLib::certdir() . '/make_ocsp_certs.sh', $dir, $p1, $p2, $p3) == 0
            or die "make_ocsp_certs.sh failed\n";
        my $pki = { dir => $dir, port1 => $p1, port2 => $p2, port3 => $p3 };
        if ($opt{responders}) {
            my $r1 = ocsp_responder($pki, $p1, 'index.txt', 'ca') or next;
            my $r2 = ocsp_responder($pki, $p2, 'inter-index.txt', 'inter') or next;
            $pki->{responders} = [$r1, $r2];
        }
        return $pki;
    }
    die "could not start the OCSP responders\n";
}

# A responder for CA $ca (files $ca.pem/.key) on $port; undef if it could
# not listen there.
sub ocsp_responder {
    my ($pki, $port, $index, $ca) = @_;
    my $d = $pki->{dir};
    my $h = run_bg([openssl_bin(), 'ocsp', '-port', $port, '-index', "$d/$index",
        '-CA', "$d/$ca.pem", '-rsigner', "$d/$ca.pem", '-rkey', "$d/$ca.key", '-ndays', '1']);
    if (!wait_bg_output($h, qr/waiting for OCSP client connections/i, 20)) {
        stop_bg($h);
        return;
    }
    return $h;
}

# ocsp_client($pki, $port, %args): a client to 127.0.0.1:$port that verifies
# the PKI's server certificates (name localhost): ($socket, undef), or
# (undef, $SSL_ERROR) when it did not connect.
sub ocsp_client {
    my ($pki, $port, %args) = @_;
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
        SSL_verifycn_name => 'localhost', SSL_ca_file => "$pki->{dir}/ca.pem", %args);
    return ($c, $c ? undef : $IO::Socket::SSL::SSL_ERROR);
}

# A plain HTTP server on $port that answers every request with status 500,
# in a forked child.
sub http_error_server {
    my $port = shift;
    my $l = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port,
        Listen => 5, ReuseAddr => 1) or return;
    my ($pid) = fork_server($l, sub {
        my $l = shift;
        while (my $c = $l->accept) {
            my $buf = '';
            while ($buf !~ /\r\n\r\n/) {
                my $n = sysread($c, $buf, 4096, length $buf) or last;
            }
            my ($len) = $buf =~ /Content-Length:\s*(\d+)/i;
            my ($head, $body) = split(/\r\n\r\n/, $buf, 2);
            $body //= '';
            while ($len && length($body) < $len) {
                sysread($c, $body, 4096, length $body) or last;
            }
            print $c "HTTP/1.0 500 Internal Server Error\r\nContent-Length: 4\r\n\r\noops";
            close $c;
        }
    }, timeout => 120);
    return $pid;
}

1;
