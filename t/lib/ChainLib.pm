package ChainLib;
# Shared by the chain tests (t/34, t/35): the certificates of
# t/certs/chains (made by t/certs/make_chains.sh), a one-connection server
# presenting one of those chains, and a client that reports how it went.
use strict;
use warnings;
use Exporter 'import';
use File::Spec;
use IO::Socket::SSL;
use TestLib;

our @EXPORT = qw(chain serve client);

my $D = certdir() . '/chains';

# path of a file in t/certs/chains
sub chain { my $f = File::Spec->catfile($D, shift); -e $f or die "missing $f\n"; $f }

# A server child presenting $chain (leaf first, then intermediates) for one
# connection; reports the accept error or the line the client sent.
sub serve {
    my ($chain, %args) = @_;
    my $l = ssl_listener(SSL_cert_file => chain($chain),
        SSL_key_file => chain('leaf-key.pem'), %args);
    return fork_server($l, sub {
        my $l = shift;
        my $c = $l->accept;
        if (!$c) { report(accept_err => "$IO::Socket::SSL::SSL_ERROR"); return }
        print $c "hi\n";
        report(line => scalar <$c>);
        $c->close;
    });
}

# Connect to localhost (default verify mode unless %args say otherwise);
# returns ($connected, $error_text, $data_read, \@warnings).
sub client {
    my ($port, %args) = @_;
    $IO::Socket::SSL::SSL_ERROR = undef;
    my @warn;
    local $SIG{__WARN__} = sub { push @warn, @_ };
    my $c = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port,
        Timeout => 10, %args);
    my $data;
    if ($c) {
        $data = <$c>;
        print $c "bye\n";
        $c->close;
    }
    return ($c ? 1 : 0, ($c ? undef : "$IO::Socket::SSL::SSL_ERROR"), $data, \@warn);
}

1;
