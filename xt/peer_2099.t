#!perl
# 2.099 as the peer: one-sided shutdown between this build and the reference
# (both directions: our client with its server, its client with our server).
# Each side prints what it saw; the transcript must be the one two 2.099
# peers produce. Skips when the oracle is not there.
use strict;
use warnings;
use Test::More;
use File::Temp ();

my $tool = $ENV{REFERENCE_SH} || '/work/shared/tools/reference.sh';
plan skip_all => "no reference oracle ($tool)" if !-x $tool;
my $ref = `bash -c 'eval "\$($tool)" && echo "\$PERL5LIB"' 2>/dev/null`;
chomp $ref;
plan skip_all => 'the oracle did not set up' if !$ref || $?;
my $ours = join(':', 'blib/lib', 'blib/arch');

sub pair {
    my ($server_lib, $client_lib) = @_;
    my $pf = File::Temp->new;
    my $sout = File::Temp->new;
    my $pid = fork // die;
    if (!$pid) {
        $ENV{PERL5LIB} = $server_lib;
        open(STDOUT, '>', $sout->filename) or die;
        exec($^X, 'xt/peer_2099_shutdown.pl', 'server', $pf->filename) or die;
    }
    my $port;
    for (1 .. 100) { if (open(my $fh, "<", $pf->filename)) { $port = <$fh> } last if $port && $port =~ /\n/; select(undef, undef, undef, 0.1) }
    chomp $port;
    local $ENV{PERL5LIB} = $client_lib;
    my $c = `$^X xt/peer_2099_shutdown.pl client $port 2>&1`;
    waitpid($pid, 0);
    open(my $fh, '<', $sout->filename) or die;
    return join '', $c, <$fh>;
}

my $both_ref = pair($ref, $ref);
like($both_ref, qr/client plain: plain back/, '2.099 with 2.099: the transcript') or diag $both_ref;
is(pair($ref, $ours), $both_ref, 'our client with the 2.099 server: the same transcript');
is(pair($ours, $ref), $both_ref, 'the 2.099 client with our server: the same transcript');
done_testing;
