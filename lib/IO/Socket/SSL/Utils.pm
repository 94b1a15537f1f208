package IO::Socket::SSL::Utils;
# Certificate helpers on raw X509* handles (integers), as the reference's
# Utils hands them out, so the handles also work with Net::SSLeay.
use strict;
use warnings;
use IO::Socket::SSL ();
use Exporter 'import';

our $VERSION = '2.099';
our @EXPORT = qw(
    PEM_file2cert PEM_string2cert PEM_cert2file PEM_cert2string CERT_free
    PEM_file2key PEM_string2key PEM_key2file PEM_key2string KEY_free
);

sub PEM_file2cert {
    my $file = shift;
    my $cert = IO::Socket::SSL::_Lib::pem_file2cert($file)
        or die "failed to read certificate from $file\n";
    return $cert;
}

sub PEM_string2cert {
    my $cert = IO::Socket::SSL::_Lib::pem_string2cert(shift)
        or die "failed to parse PEM certificate\n";
    return $cert;
}

sub PEM_cert2string { IO::Socket::SSL::_Lib::pem_cert2string(shift) }

sub PEM_cert2file {
    my ($cert, $file) = @_;
    _write_pem($file, PEM_cert2string($cert) // die "failed to convert certificate to PEM\n");
}

sub _write_pem {
    my ($file, $pem) = @_;
    open(my $fh, '>', $file) or die "failed to open $file: $!\n";
    print $fh $pem;
    close($fh) or die "failed to write $file: $!\n";
}

sub CERT_free { IO::Socket::SSL::_Lib::cert_free($_) for @_ }

sub PEM_file2key {
    my $file = shift;
    my $key = IO::Socket::SSL::_Lib::pem_file2key($file)
        or die "failed to read key from $file\n";
    return $key;
}

sub PEM_string2key {
    my $key = IO::Socket::SSL::_Lib::pem_string2key(shift)
        or die "failed to parse PEM key\n";
    return $key;
}

sub PEM_key2string { IO::Socket::SSL::_Lib::pem_key2string(shift) }

sub PEM_key2file {
    my ($key, $file) = @_;
    _write_pem($file, PEM_key2string($key) // die "failed to convert key to PEM\n");
}

sub KEY_free { IO::Socket::SSL::_Lib::key_free($_) for @_ }

1;
