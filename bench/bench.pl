#!/usr/bin/perl

=head1 NAME

bench/bench.pl - side-by-side benchmark: our native IO::Socket::SSL vs the reference (2.081 on Net::SSLeay)

=head1 SYNOPSIS

  cd /work/main
  perl Makefile.PL && make             # build ours into ./blib (optional)
  perl bench/bench.pl                  # all workloads, both implementations
  perl bench/bench.pl --quick          # smaller sizes / shorter durations (~1 min)
  perl bench/bench.pl --only handshake_tls13,bulk --json /tmp/bench.json
  perl bench/bench.pl --impl ref       # only one side (ours|ref)
  perl bench/bench.pl --reps 3         # run each workload 3x per impl, report the best

Options:

  --quick          smaller sizes (readline/print 100k lines, bulk 128 MiB, 1 s handshakes, ...)
  --only A[,B..]   run only these workloads (names below; "handshake" selects both TLS versions)
  --impl ours|ref  run only one implementation
  --reps N         repetitions per workload and impl; best value is reported (default 1)
  --json FILE      also write all raw results as JSON
  --ours DIR       where ours is built (default: the repo root containing bench/; uses DIR/blib)
  --verbose        show the child commands and their stderr

Workloads (client and server use the same implementation; server is a forked
child; loopback 127.0.0.1; throwaway CA + "localhost" RSA-2048 cert made with
the openssl CLI in a temp dir):

  load             perl -e 'use IO::Socket::SSL' wall time, median of N runs, minus perl -e 1
  handshake_tls13  full handshakes/s, server SSL_version TLSv1_3, client verifies with
                   SSL_ca_file + hostname 'localhost', fresh context per connection,
                   no session reuse, connect + read-to-EOF + close, fixed duration
  handshake_tls12  same with TLSv1_2
  bulk             MiB/s, server syswrite 16 KiB chunks, client sysread 16 KiB (timed on client)
  readline         lines/s, server sends 1e6 x 60-byte lines, client: while (defined($l=<$sock>))
  print            lines/s, client print $sock $line 1e6 x 60 bytes, server sysread + ack
  readline_rt      readline with the module loaded by require at run time (after the
                   worker's own ops are compiled, as HTTP::Tiny and LWP load it)
  print_rt         print, likewise loaded at run time
  memory           KiB RSS per idle client connection (200 conns, own ctx each); server too
  context          ms per IO::Socket::SSL::SSL_Context->new(SSL_verify_mode=>1) with the
                   default CA store (no SSL_ca_file)

Implementations are selected per child process: ours = perl -I DIR/blib/lib
-I DIR/blib/arch (PERL5LIB cleared); reference = PERL5LIB from
/work/shared/tools/reference.sh.  Each child verifies which IO/Socket/SSL.pm it
actually loaded.  If one side is unavailable, only the other is run.

Ratio column is always ours/reference; the "verdict" column says whether that
is better or worse for us (higher-is-better for rates, lower-is-better for
times and memory).

The per-workload code lives in bench/worker.pl.

=cut

use strict;
use warnings;
use Getopt::Long;
use File::Temp qw(tempdir);
use File::Basename qw(dirname);
use File::Spec;
use Cwd qw(abs_path);
use Time::HiRes qw(time);
use JSON::PP ();
use POSIX ();

my $bench_dir = dirname(abs_path(__FILE__));
my $repo      = dirname($bench_dir);
my $worker    = "$bench_dir/worker.pl";
my $reference_sh = '/work/shared/tools/reference.sh';

my %opt = (reps => 1);
GetOptions(\%opt, 'quick', 'only=s', 'impl=s', 'reps=i', 'json=s', 'ours=s', 'verbose', 'help')
    or die "bad options, see perldoc $0\n";
if ($opt{help}) { system('perldoc', '-T', $0); exit 0 }
$repo = abs_path($opt{ours}) if $opt{ours};

my $Q = $opt{quick};
# name => [ worker workload, args, "higher is better"?, per-child timeout (s) ]
my @workloads = (
    [ load            => undef, {}, 0, 120 ],
    [ handshake_tls13 => 'handshake', { version => 'TLSv1_3', secs => $Q ? 1 : 3 }, 1, 60 ],
    [ handshake_tls12 => 'handshake', { version => 'TLSv1_2', secs => $Q ? 1 : 3 }, 1, 60 ],
    [ bulk            => 'bulk',      { mib => $Q ? 128 : 1024 }, 1, 180 ],
    [ readline        => 'readline',  { lines => $Q ? 100_000 : 1_000_000 }, 1, 300 ],
    [ print           => 'print',     { lines => $Q ? 100_000 : 1_000_000 }, 1, 300 ],
    [ readline_rt     => 'readline',  { lines => $Q ? 100_000 : 1_000_000, load => 'require' }, 1, 300 ],
    [ print_rt        => 'print',     { lines => $Q ? 100_000 : 1_000_000, load => 'require' }, 1, 300 ],
    [ memory          => 'memory',    { conns => 200 }, 0, 120 ],
    [ context         => 'context',   { n => $Q ? 50 : 200 }, 0, 180 ],
);
my $load_runs = $Q ? 10 : 20;

if ($opt{only}) {
    my %want = map { $_ => 1 } split /,/, $opt{only};
    $want{$_} = 1 for grep { $want{handshake} } qw(handshake_tls13 handshake_tls12);
    my %known = map { $_->[0] => 1 } @workloads;
    for (keys %want) { die "unknown workload '$_' (known: @{[map $_->[0], @workloads]})\n" unless $known{$_} || $_ eq 'handshake' }
    @workloads = grep { $want{$_->[0]} } @workloads;
}

# ---------------------------------------------------------------- impls
my %impl;    # name => { env => {...}, inc => [...], note => ... }
my @notes;
{
    my $bl = "$repo/blib";
    # the modules are built into blib/arch, next to the shared object
    my ($sub) = grep { -f "$bl/$_/IO/Socket/SSL.pm" } qw(arch lib);
    if ($sub) {
        $impl{ours} = { inc => ["$bl/lib", "$bl/arch"], perl5lib => undef, expect => "$bl/$sub/" };
    } else {
        push @notes, "ours: not built (no $bl/arch/IO/Socket/SSL.pm; run 'perl Makefile.PL && make' in $repo) - skipped";
    }
    if (-x $reference_sh || -f $reference_sh) {
        my $out = `bash $reference_sh 2>/dev/null`;
        if ($? == 0 && $out =~ /^export PERL5LIB=(\S+?)(?:\$\{PERL5LIB.*)?$/m) {
            my $p5 = $1;
            $impl{ref} = { inc => [], perl5lib => $p5, expect => (split /:/, $p5)[0] . '/' };
        } else {
            push @notes, "ref: $reference_sh failed or printed no PERL5LIB - skipped";
        }
    } else {
        push @notes, "ref: $reference_sh not found - skipped";
    }
}
if ($opt{impl}) {
    die "--impl must be ours or ref\n" unless $opt{impl} =~ /^(ours|ref)$/;
    delete $impl{$_} for grep { $_ ne $opt{impl} } keys %impl;
}
my $tmp = tempdir('iosslbench-XXXXXX', TMPDIR => 1, CLEANUP => 1);
# sanity: does each impl load, and from where we expect?
for my $name (sort keys %impl) {
    my $i = $impl{$name};
    my ($ok, $out, $err) = run_child($i, 60, '-e', 'use IO::Socket::SSL; print "$INC{q{IO/Socket/SSL.pm}} $IO::Socket::SSL::VERSION\n"');
    chomp $out;
    my ($path, $ver) = split ' ', $out // '';
    if (!$ok || !$path || index($path, $i->{expect}) != 0) {
        push @notes, "$name: does not load correctly (" . ($path ? "loaded $path, expected under $i->{expect}" : ($err =~ /(.*)/)[0] // 'no output') . ") - skipped";
        delete $impl{$name};
        next;
    }
    $i->{path} = $path; $i->{version} = $ver;
}
print "$_\n" for @notes;
my @impls = grep { $impl{$_} } qw(ours ref);
die "nothing to benchmark\n" unless @impls;
printf "%-4s IO::Socket::SSL %s  %s\n", $_, $impl{$_}{version}, $impl{$_}{path} for @impls;

# ---------------------------------------------------------------- certs
make_certs($tmp);
print "certs: $tmp (RSA-2048 CA + localhost server cert)\n";
if (grep { $_->[0] eq 'context' } @workloads) {
    print "note: /etc/ssl/certs missing - 'context' measures an empty default store\n" unless -d '/etc/ssl/certs';
}
printf "cpus: %s, perl %s%s\n\n", (scalar(grep /^processor/, do { open my $f, '<', '/proc/cpuinfo'; <$f> }) || '?'), $^V,
    $Q ? ', --quick' : '';

# ---------------------------------------------------------------- run
my @rows;
my %json = (quick => $Q ? JSON::PP::true : JSON::PP::false, impls => { map { $_ => { path => $impl{$_}{path}, version => $impl{$_}{version} } } @impls }, results => {});
for my $wl (@workloads) {
    my ($name, $wname, $args, $higher, $timeout) = @$wl;
    my %res;
    for my $rep (1 .. $opt{reps}) {
        # alternate order between reps to even out thermal/cache effects
        for my $iname ($rep % 2 ? @impls : reverse @impls) {
            my $r = $name eq 'load' ? bench_load($impl{$iname}) : bench_worker($impl{$iname}, $wname, $args, $timeout);
            if (!$r->{error}) {
                push @{ $json{results}{$name}{$iname}{runs} }, $r;
                my $best = $res{$iname};
                $res{$iname} = $r if !$best || $best->{error}
                    || ($higher ? $r->{value} > $best->{value} : $r->{value} < $best->{value});
            } else {
                $res{$iname} //= $r;
                push @{ $json{results}{$name}{$iname}{errors} }, $r->{error};
            }
        }
    }
    push @rows, [$name, $higher, \%res];
    print_row($name, $higher, \%res);
}

if ($opt{json}) {
    $json{summary} = { map { my ($n, $h, $r) = @$_; ($n => { higher_is_better => $h ? JSON::PP::true : JSON::PP::false,
        map { $_ => ($r->{$_}{error} ? undef : $r->{$_}{value}) } keys %$r }) } @rows };
    open my $fh, '>', $opt{json} or die "$opt{json}: $!\n";
    print $fh JSON::PP->new->canonical->pretty->encode(\%json);
    close $fh;
    print "\nJSON written to $opt{json}\n";
}
exit 0;

# ---------------------------------------------------------------- output
my $header_done;
sub print_row {
    my ($name, $higher, $res) = @_;
    my ($o, $r) = @$res{qw(ours ref)};
    my $unit = ($o && $o->{unit}) || ($r && $r->{unit}) || '';
    if (!$header_done++) {
        printf "%-16s %-20s %12s %12s %8s  %s\n", 'workload', 'unit', 'ours', 'reference', 'ours/ref', 'verdict';
        print '-' x 90, "\n";
    }
    my $fmt = sub { my $x = shift; return '-' unless $x; return 'ERROR' if $x->{error}; fmtnum($x->{value}) };
    my ($ratio, $verdict) = ('-', $higher ? '(higher is better)' : '(lower is better)');
    if ($o && $r && !$o->{error} && !$r->{error} && $r->{value} > 0) {
        my $q = $o->{value} / $r->{value};
        $ratio = sprintf '%.2f', $q;
        my $f = $higher ? $q : ($q > 0 ? 1 / $q : undef);
        $verdict = !defined $f || $f <= 0 ? ($higher ? 'ours worse' : 'ours better') . ' (ratio n/a)'
                 : $f >= 1 ? sprintf('ours %.2fx better', $f) : sprintf('ours %.2fx worse', 1 / $f);
        $verdict .= $higher ? ' (higher=better)' : ' (lower=better)';
    }
    printf "%-16s %-20s %12s %12s %8s  %s\n", $name, $unit, $fmt->($o), $fmt->($r), $ratio, $verdict;
    # extra lines
    for my $iname (grep { $res->{$_} } qw(ours ref)) {
        my $x = $res->{$iname};
        if ($x->{error}) { print "    $iname ERROR: $x->{error}\n"; next }
        my @extra;
        push @extra, "baseline perl -e 1 = " . fmtnum($x->{baseline_ms}) . " ms, gross = " . fmtnum($x->{gross_ms}) . " ms" if $name eq 'load';
        push @extra, "server " . fmtnum($x->{server_kib_per_conn}) . " KiB/conn" if $name eq 'memory';
        push @extra, "$x->{negotiated}" if $x->{negotiated} && $x->{negotiated} ne ($name =~ /tls1(\d)/ ? "TLSv1_$1" : '');
        push @extra, "cipher $x->{cipher}" if $x->{cipher};
        push @extra, "WARNING: $x->{reused} sessions reused" if $x->{reused};
        push @extra, "WARNING: hostname verification NOT enforced" if $name =~ /^handshake/ && !$x->{verify_enforced};
        push @extra, "n=$x->{n}" if $name =~ /^handshake/;
        push @extra, "default_ca: $x->{default_ca}" if $x->{default_ca};
        push @extra, sprintf("%.2f s", $x->{elapsed}) if $x->{elapsed};
        push @extra, sprintf("%.0f %s per client CPU second", $x->{cpu_rate}, $x->{unit})
            if $x->{cpu_rate};
        printf "    %-4s %s\n", $iname, join('; ', @extra) if @extra;
    }
}

sub fmtnum {
    my $v = shift;
    return '?' unless defined $v;
    return sprintf('%.0f', $v) if abs($v) >= 1000;
    return sprintf('%.1f', $v) if abs($v) >= 10;
    return sprintf('%.2f', $v) if abs($v) >= 0.1;
    return sprintf('%.4f', $v);
}

# ---------------------------------------------------------------- children
# run perl with the impl's @INC; returns (ok, stdout, stderr)
sub run_child {
    my ($i, $timeout, @args) = @_;
    my @cmd = ($^X, (map { ('-I', $_) } @{ $i->{inc} }), @args);
    local $ENV{PERL5LIB} = $i->{perl5lib};
    delete $ENV{PERL5LIB} unless defined $i->{perl5lib};
    delete local $ENV{PERL5OPT};
    print STDERR "+ ", (defined $i->{perl5lib} ? "PERL5LIB=$i->{perl5lib} " : ''), join(' ', @cmd), "\n" if $opt{verbose};
    my ($outf, $errf) = ("$tmp/child.out", "$tmp/child.err");
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        setpgrp(0, 0);    # own process group so the watchdog can kill the forked server too
        open STDOUT, '>', $outf or die; open STDERR, '>', $errf or die;
        exec @cmd or POSIX::_exit(127);
    }
    my $timed_out;
    {
        local $SIG{ALRM} = sub { $timed_out = 1; kill 'KILL', -$pid };
        my $prev = alarm $timeout;
        waitpid($pid, 0);    # restarted after the signal handler ran; returns once killed
        alarm 0;
    }
    my $rc = $?;
    kill 'KILL', -$pid;    # stray server children, if any
    my $out = do { local $/; open my $f, '<', $outf; <$f> } // '';
    my $err = do { local $/; open my $f, '<', $errf; <$f> } // '';
    print STDERR $err if $opt{verbose} && length $err;
    $err = "timed out after $timeout s; $err" if $timed_out;
    return (!$timed_out && $rc == 0, $out, $err);
}

sub bench_worker {
    my ($i, $wname, $args, $timeout) = @_;
    my ($ok, $out, $err) = run_child($i, $timeout + 15, $worker, $wname, "certdir=$tmp", "timeout=$timeout",
        map { "$_=$args->{$_}" } sort keys %$args);
    my ($json) = $out =~ /^RESULT (.*)$/m;
    if (!$ok || !$json) {
        my @e = grep { length } split /\n/, $err;
        return { error => (@e ? join(' | ', @e[0 .. ($#e < 2 ? $#e : 2)]) : "exit status $?, no result") };
    }
    my $r = JSON::PP->new->decode($json);
    if (index($r->{impl_path}, $i->{expect}) != 0) {
        return { error => "child loaded $r->{impl_path}, expected under $i->{expect}" };
    }
    return $r;
}

sub median { my @s = sort { $a <=> $b } @_; @s % 2 ? $s[$#s / 2] : ($s[@s / 2 - 1] + $s[@s / 2]) / 2 }

sub bench_load {
    my $i = shift;
    my (@base, @load);
    for (1 .. $load_runs) {    # interleave to cancel drift
        for my $which (0, 1) {
            my $t0 = time;
            my ($ok, $out, $err) = run_child($i, 30, '-e', $which ? 'use IO::Socket::SSL' : '1');
            my $dt = (time - $t0) * 1000;
            return { error => "perl -e 'use IO::Socket::SSL' failed: $err" } unless $ok;
            push @{ $which ? \@load : \@base }, $dt;
        }
    }
    my ($b, $l) = (median(@base), median(@load));
    return { value => $l - $b, unit => 'ms (net)', gross_ms => $l, baseline_ms => $b, runs => $load_runs };
}

# ---------------------------------------------------------------- certs
sub make_certs {
    my $d = shift;
    my $cnf = "$d/openssl.cnf";
    open my $fh, '>', $cnf or die "$cnf: $!";
    print $fh <<'EOF';
[req]
distinguished_name = dn
prompt = no
[dn]
CN = bench
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[srv_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
    close $fh;
    my @cmds = (
        [qw(openssl req -x509 -new -newkey rsa:2048 -nodes -days 2 -sha256), -config => $cnf,
         -extensions => 'ca_ext', -subj => '/CN=IO-Socket-SSL bench CA', -keyout => "$d/ca.key", -out => "$d/ca.crt"],
        [qw(openssl req -new -newkey rsa:2048 -nodes -sha256), -config => $cnf,
         -subj => '/CN=localhost', -keyout => "$d/server.key", -out => "$d/server.csr"],
        [qw(openssl x509 -req -days 2 -sha256 -set_serial 2), -in => "$d/server.csr", -CA => "$d/ca.crt",
         -CAkey => "$d/ca.key", -extfile => $cnf, -extensions => 'srv_ext', -out => "$d/server.crt"],
    );
    for my $c (@cmds) {
        my $out = `@{[map { "'$_'" } @$c]} 2>&1`;
        die "cert generation failed: @$c\n$out" if $?;
    }
}
