#!perl
# The debug output as the reference 2.099 prints it: nothing at level 1 for
# a good connection; at 2 the curl-like record trace of IO::Socket::SSL::Trace;
# at 3 also each certificate of the chain, the host name check and the
# context's end. $IO::Socket::SSL::DEBUG is $Net::SSLeay::trace.
use strict;
use warnings;
use lib 't/lib';
use TestLib;
use Test::More;
use IO::Socket::SSL;
use File::Temp ();

watchdog(60);

sub debug_of {
    my $level = shift;
    my $l = ssl_listener(SSL_version => 'TLSv1_3');
    my ($pid, $port) = fork_server($l, sub { my $c = shift->accept or die; print $c "hi\n"; <$c> });
    my $tmp = File::Temp->new;
    open(my $save, '>&', \*STDERR) or die;
    open(STDERR, '>', $tmp->filename) or die;
    local $IO::Socket::SSL::DEBUG = $level;
    {
        my $s = IO::Socket::SSL->new(PeerAddr => "127.0.0.1:$port", SSL_ca_file => cert('test-ca.pem'),
            SSL_verifycn_name => 'localhost', SSL_verifycn_scheme => 'http');
        if ($s) { my $x = <$s>; print $s "bye\n"; close $s }
    }
    open(STDERR, '>&', $save) or die;
    wait_child($pid);
    open(my $fh, '<', $tmp->filename) or die;
    local $/;
    my $out = <$fh>;
    $out =~ s{^DEBUG: \S+:\d+: }{}mg;
    return $out;
}

is(debug_of(1), '', 'level 1: nothing for a connection that works');

my $two = debug_of(2);
like($two, qr/^\* TLSv1\.3 \(OUT\), TLS handshake, Client hello \(1\)$/m, 'level 2: Client hello (OUT)');
like($two, qr/^\* TLSv1\.3 \(IN\), TLS handshake, Server hello \(2\)$/m, '... Server hello (IN)');
like($two, qr/^\* TLSv1\.3 \(IN\), TLS handshake, Certificate \(11\)$/m, '... Certificate');
like($two, qr/^\* TLSv1\.3 \(IN\), TLS handshake, Newsession Ticket \(4\)$/m, '... tickets after the handshake');
like($two, qr/^\* TLSv1\.3 \(OUT\), TLS alert, close notify \(256\)$/m, '... our close_notify');
like($two, qr/^ssl handshake done$/m, '... and the progress lines');
my @lines = split /\n/, $two;
cmp_ok(scalar(@lines), '>=', 15, 'level 2: as many lines as the reference (' . @lines . ')');
unlike($two, qr/^ok=1/m, 'level 2: no certificate lines');

my $three = debug_of(3);
like($three, qr/^new ctx \d+$/m, 'level 3: new ctx');
like($three, qr/^ok=1 \[0\] .*CN=IO::Socket::SSL Test Intermediate CA.*CN=localhost$/m, '... the leaf of the chain');
like($three, qr/^ok=1 \[1\] /m, '... the intermediate');
like($three, qr/^scheme=http cert=\d+$/m, '... the host name scheme');
like($three, qr/^identity=localhost cn=localhost alt=2 localhost/m, '... the identity check');
like($three, qr/^call Net::SSLeay::connect$/m, '... the handshake call, in the reference\'s words');

{
    my $out = '';
    local $IO::Socket::SSL::DEBUG = 2;
    local $SIG{__WARN__};
    open(my $save, '>&', \*STDERR) or die;
    my $tmp = File::Temp->new;
    open(STDERR, '>', $tmp->filename) or die;
    IO::Socket::SSL::Trace::ossl_trace(1, 0x0303, 22, "\x01\0\0\0", 4, 0);
    IO::Socket::SSL::Trace::ossl_trace(0, 0x0303, 21, "\x02\x28", 2, 0);
    IO::Socket::SSL::Trace::ossl_trace(0, 0x0303, 256, "\x16\x03\x03", 5, 0);   # a header: nothing
    open(STDERR, '>&', $save) or die;
    open(my $fh, '<', $tmp->filename) or die;
    $out = join '', <$fh>;
    like($out, qr/\* TLSv1\.2 \(OUT\), TLS handshake, Client hello \(1\)/, 'ossl_trace by hand');
    like($out, qr/\* TLSv1\.2 \(IN\), TLS alert, handshake failure \(552\)/, '... an alert');
    is(scalar(() = $out =~ /\n/g), 2, '... record headers are skipped');
}

{
    # (not with local, which gives the name a new variable, as in the reference)
    no warnings 'once';
    $IO::Socket::SSL::DEBUG = 3;
    is($Net::SSLeay::trace, 3, '$IO::Socket::SSL::DEBUG is $Net::SSLeay::trace');
    $Net::SSLeay::trace = 0;
    is($IO::Socket::SSL::DEBUG, 0, '... both ways');
}

done_testing;
