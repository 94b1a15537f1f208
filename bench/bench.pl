#!/usr/bin/perl

=head1 NAME

bench/bench.pl - this build of IO::Socket::SSL side by side with the reference
(2.099 on Net::SSLeay), a C program on OpenSSL, the same Perl on plain sockets
and Python's ssl

=head1 SYNOPSIS

  perl Makefile.PL && make                  # build this tree into ./blib
  perl bench/bench.pl                       # the table of issue 15, 3 rounds (~15-25 min)
  perl bench/bench.pl --quick               # smoke run, 1 round, small sizes (~2 min)
  perl bench/bench.pl --rounds 5 --markdown /tmp/results.md
  perl bench/bench.pl --only bulk,select --impl ours,c,plain --load require
  perl bench/bench.pl --only context,handshake_ownctx   # workloads outside the table

Options:

  --rounds N       run every cell N times, interleaved across the implementations
                   (the order rotates each round); report median (min-max). Default 3,
                   1 with --quick.
  --quick          small sizes and 1 round (~2 min)
  --only A[,B..]   only these workloads (names below)
  --extra          also the workloads outside the issue's table
  --impl A[,B..]   only these columns: ours, ref, c, plain, python
  --load use|require|both   how Perl cells load the module (default both: two rows)
  --markdown FILE  write the table, with the machine noted, ready for bench/RESULTS.md
  --json FILE      also write every raw result
  --ours DIR       the tree whose blib/ is "this build" (default: the one holding bench/)
  --verbose        show the child commands and their stderr

=head1 COLUMNS

=over

=item this build (ours)

perl -I DIR/blib/lib -I DIR/blib/arch bench/worker.pl, PERL5LIB cleared.

=item reference (ref)

IO::Socket::SSL 2.099 on Debian's Net::SSLeay, selected by the PERL5LIB that
/work/shared/tools/reference.sh prints (REF_VERSION=2.081 in the environment
selects Debian's 2.081 instead).

=item C on OpenSSL (c)

bench/limit.c, compiled here with C<cc -O2 limit.c -lssl -lcrypto> into the
temp dir (Makefile.PL does not build it): the same workloads written directly
on OpenSSL with blocking sockets, the limit for a program on the same library.

=item Perl without TLS (plain)

bench/worker.pl with C<tls=0>: the same code on IO::Socket::INET (the module is
then IO::Socket::INET; IO::Socket::SSL is not loaded, which the worker reports
and this script checks). Only for memory, bulk, select, readline, print, load.

=item Python ssl (python)

bench/worker.py on python3 from PATH, standard library only (skipped if
python3 or its ssl module is missing). print writes with sendall() per line.

=back

Every Perl cell runs twice, the module loaded by C<use> (compile time) and by
C<require> at run time after the worker is compiled (as HTTP::Tiny, LWP and
Net::SMTP load it); the worker reports which, and from which file
IO/Socket/SSL.pm came, and a cell whose child loaded anything else counts as an
error. C and Python do not load Perl; their values are shown in both rows.

=head1 WORKLOADS

Client and server are the same implementation (except select: the server is
the implementation, the clients always the C program), in two processes,
over 127.0.0.1, with a throwaway RSA-2048 CA and "localhost" certificate made
by the openssl CLI. The client verifies the chain and the host name. TLS 1.3
unless named.

  latency_tls12/13  ms from the end of the client's handshake to the first line
                    of a server that speaks first (banner written right after
                    accept); median of n connections (each cell: 20, --quick 10)
  memory            RSS per idle connection (VmRSS after 1 warm-up connection and
                    after 1,000 more (--quick 200), each side measuring itself in
                    its own process; one shared context per side): two rows,
                    mem_client and mem_server
  handshake         full handshakes/s, one shared client context, no session reuse
                    (checked); client: connect, read to EOF, close; server: accept, close
  resume_tls13      the same, each connection resuming the previous one's session
  resume_tls12      (client context with a session cache; checked that all resume)
  bulk              MiB/s, 16 KiB sysread/syswrite (SSL_read/SSL_write in C)
  select            round trips/s of a one-process select() loop server echoing a
                    32-byte message; 16 C client connections, one message in flight each
  readline          lines/s, the server sends 60-byte lines, the client reads them
                    with <$sock> (C: its own buffer, memchr; Python: makefile readline)
  print             lines/s, the client writes 60-byte lines, one print/SSL_write/
                    sendall each; timed until the server acks all bytes
  load              ms of wall time of a whole process: perl -e 'use IO::Socket::SSL'
                    (or require; IO::Socket::INET for plain), python3 -c 'import ssl,
                    socket', C: a program that only initialises libssl. Gross, the
                    interpreter's start included (noted separately)

Outside the table (run with --extra or --only):

  handshake_tls12   full handshakes/s with TLS 1.2
  handshake_ownctx  full handshakes/s with a fresh client context per connection
                    (plain IO::Socket::SSL->new), ours and ref only
  memory_ownctx     memory per idle client connection, own context each
  context           ms per IO::Socket::SSL::SSL_Context->new with the default CA store
  tcpconn           plain TCP connections/s, the handshake loop without TLS: C and
                    Perl on IO::Socket::INET only (1/Perl - 1/C is what Perl's own
                    socket objects cost per connection, before any TLS)

The target column is the one of issue 15; the verdict compares this build's
median with it (for relative targets, with the median of the column named,
in the same load row).

=cut

use strict;
use warnings;
use Getopt::Long;
use File::Temp qw(tempdir);
use File::Basename qw(dirname);
use Cwd qw(abs_path);
use Time::HiRes qw(time);
use JSON::PP ();
use POSIX ();

my $bench_dir    = dirname(abs_path(__FILE__));
my $repo         = dirname($bench_dir);
my $reference_sh = '/work/shared/tools/reference.sh';

my %opt = (load => 'both');
GetOptions(\%opt, 'quick', 'only=s', 'extra', 'impl=s', 'load=s', 'rounds=i', 'markdown=s', 'json=s',
    'ours=s', 'verbose', 'help', 'reps=i')
    or die "bad options, see perldoc $0\n";
if ($opt{help}) { system('perldoc', '-T', $0); exit 0 }
$repo = abs_path($opt{ours}) if $opt{ours};
my $Q = $opt{quick};
my $rounds = $opt{rounds} // $opt{reps} // ($Q ? 1 : 3);
die "--rounds must be >= 1\n" if $rounds < 1;
die "--load must be use, require or both\n" unless $opt{load} =~ /^(use|require|both)$/;
my @loads = $opt{load} eq 'both' ? qw(use require) : ($opt{load});

# ---------------------------------------------------------------- workloads
# A run is one execution of a worker; it yields one or more rows.
# rows: [ row name, result key, label, unit, higher is better, target ]
# target: [ 'abs', op, number ] or [ column, op, factor ]
my @ALL = qw(ours ref c plain python);
my @TLS = qw(ours ref c python);
my @runs = (
    { name => 'latency_tls12', worker => 'latency', args => { version => 'TLSv1_2', n => $Q ? 10 : 20 }, cols => \@TLS,
      rows => [[ latency_tls12 => value => 'first line from a server that speaks first, after the handshake, TLS 1.2', 'ms', 0, [abs => '<=', 1] ]] },
    { name => 'latency_tls13', worker => 'latency', args => { version => 'TLSv1_3', n => $Q ? 10 : 20 }, cols => \@TLS,
      rows => [[ latency_tls13 => value => 'first line from a server that speaks first, after the handshake, TLS 1.3', 'ms', 0, [abs => '<=', 1] ]] },
    { name => 'memory', worker => 'memory', args => { conns => $Q ? 200 : 1000 }, cols => \@ALL, timeout => 300,
      rows => [[ mem_client => client_kib => 'idle client connection, memory', 'KiB', 0, [abs => '<=', 20] ],
               [ mem_server => server_kib => 'idle server connection, memory', 'KiB', 0, [abs => '<=', 14] ]] },
    { name => 'handshake', worker => 'handshake', args => { secs => $Q ? 1 : 3 }, cols => \@TLS, check => 'full',
      rows => [[ handshake => value => 'full handshakes/s, shared context', '/s', 1, [c => '>=', 0.95] ]] },
    { name => 'resume_tls13', worker => 'handshake', args => { secs => $Q ? 1 : 3, resume => 1 }, cols => \@TLS, check => 'resume',
      rows => [[ resume_tls13 => value => 'TLS 1.3 resumed handshakes/s', '/s', 1, [c => '>=', 0.8] ]] },
    { name => 'resume_tls12', worker => 'handshake', args => { secs => $Q ? 1 : 3, resume => 1, version => 'TLSv1_2' },
      cols => \@TLS, check => 'resume',
      rows => [[ resume_tls12 => value => 'TLS 1.2 resumed handshakes/s', '/s', 1, [c => '>=', 0.8] ]] },
    { name => 'bulk', worker => 'bulk', args => { mib => $Q ? 64 : 512 }, cols => \@ALL,
      rows => [[ bulk => value => 'bulk, 16 KiB sysread/syswrite', 'MiB/s', 1, [plain => '>=', 1] ]] },
    { name => 'select', worker => 'select', args => { secs => $Q ? 1 : 3, conns => 16 }, cols => \@ALL,
      rows => [[ select => value => 'select() loop server (C clients), round trips/s', '/s', 1, [plain => '>=', 0.85] ]] },
    { name => 'readline', worker => 'readline', args => { lines => $Q ? 100_000 : 1_000_000 }, cols => \@ALL,
      rows => [[ readline => value => 'readline, 60-byte lines/s', '/s', 1, [python => '>=', 1] ]] },
    { name => 'print', worker => 'print', args => { lines => $Q ? 100_000 : 1_000_000 }, cols => \@ALL,
      rows => [[ print => value => 'print, 60-byte lines/s', '/s', 1, [c => '>=', 0.9] ]] },
    { name => 'load', worker => undef, args => { n => $Q ? 5 : 15 }, cols => \@ALL,
      rows => [[ load => value => 'module load (process wall time)', 'ms', 0, [plain => '<=', 1.2] ]] },
    # outside the issue's table
    { name => 'handshake_tls12', extra => 1, worker => 'handshake', args => { secs => $Q ? 1 : 3, version => 'TLSv1_2' },
      cols => \@TLS, check => 'full',
      rows => [[ handshake_tls12 => value => 'full handshakes/s, shared context, TLS 1.2', '/s', 1, undef ]] },
    { name => 'handshake_ownctx', extra => 1, worker => 'handshake', args => { secs => $Q ? 1 : 3, ctx => 'own' },
      cols => [qw(ours ref)], check => 'full',
      rows => [[ handshake_ownctx => value => 'full handshakes/s, a new context per connection', '/s', 1, undef ]] },
    { name => 'memory_ownctx', extra => 1, worker => 'memory', args => { conns => $Q ? 100 : 200, ctx => 'own' },
      cols => [qw(ours ref)],
      rows => [[ mem_client_ownctx => client_kib => 'idle client connection, own context each, memory', 'KiB', 0, undef ]] },
    { name => 'tcpconn', extra => 1, worker => 'tcpconn', args => { secs => $Q ? 1 : 3 }, cols => [qw(c plain)],
      rows => [[ tcpconn => value => 'plain TCP connections/s (the handshake loop without TLS)', '/s', 1, undef ]] },
    { name => 'context', extra => 1, worker => 'context', args => { n => $Q ? 50 : 200 }, cols => [qw(ours ref)],
      rows => [[ context => value => 'SSL_Context->new on the default CA store', 'ms', 0, undef ]] },
);
{
    my %known = map { $_->{name} => 1 } @runs;
    if ($opt{only}) {
        my %want = map { $_ => 1 } split /,/, $opt{only};
        $want{$_} = 1 for grep { $want{latency} } qw(latency_tls12 latency_tls13);
        $want{$_} = 1 for grep { $want{resume} } qw(resume_tls12 resume_tls13);
        delete @want{qw(latency resume)};
        for (keys %want) { die "unknown workload '$_' (known: @{[map $_->{name}, @runs]})\n" unless $known{$_} }
        @runs = grep { $want{ $_->{name} } } @runs;
    } elsif (!$opt{extra}) {
        @runs = grep { !$_->{extra} } @runs;
    }
}

# ---------------------------------------------------------------- columns
my $tmp = tempdir('iosslbench-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my (%col, @notes);
my %want_col = map { $_ => 1 } ($opt{impl} ? split(/,/, $opt{impl}) : @ALL);
for my $k (keys %want_col) { die "--impl: unknown column '$k' (known: @ALL)\n" unless grep { $_ eq $k } @ALL }
{
    my $bl = "$repo/blib";
    my ($sub) = grep { -f "$bl/$_/IO/Socket/SSL.pm" } qw(arch lib);
    if ($sub) {
        $col{ours} = { perl => 1, inc => ["$bl/lib", "$bl/arch"], perl5lib => undef, expect => "$bl/$sub/" };
    } else {
        push @notes, "ours: not built (no $bl/arch/IO/Socket/SSL.pm; run 'perl Makefile.PL && make' in $repo) - skipped";
    }
    if (-f $reference_sh) {
        my $out = `bash $reference_sh 2>/dev/null`;
        if ($? == 0 && $out =~ /^export PERL5LIB=(\S+?)(?:\$\{PERL5LIB.*)?$/m) {
            my $p5 = $1;
            $col{ref} = { perl => 1, inc => [], perl5lib => $p5, expect => (split /:/, $p5)[0] . '/' };
        } else {
            push @notes, "ref: $reference_sh failed or printed no PERL5LIB - skipped";
        }
    } else {
        push @notes, "ref: $reference_sh not found - skipped";
    }
    $col{plain} = { perl => 1, plain => 1, inc => [], perl5lib => undef };
    my $cc = `sh -c 'command -v cc'` ? 'cc' : do { require Config; $Config::Config{cc} };
    my $cout = `$cc -O2 -o $tmp/limit $bench_dir/limit.c -lssl -lcrypto 2>&1`;
    if ($? == 0) {
        $col{c} = { cmd => ["$tmp/limit"] };
    } else {
        push @notes, "c: $cc -O2 bench/limit.c -lssl -lcrypto failed - skipped (select needs it too): $cout";
    }
    my $py = `sh -c 'command -v python3'`;
    chomp $py;
    # the interpreter itself, not a wrapper such as pyenv's shim (which costs a
    # second or more per start)
    $py = `$py -c 'import sys, ssl, socket, select; print(sys.executable)' 2>/dev/null` if $py;
    chomp $py if $py;
    if ($py && -x $py) {
        $col{python} = { cmd => [$py, "$bench_dir/worker.py"], exe => $py };
    } else {
        push @notes, "python: python3 with its ssl module not found - skipped";
    }
}
delete $col{$_} for grep { !$want_col{$_} } keys %col;
# does each Perl column load what we mean, from where we expect?
for my $name (grep { $col{$_} && $col{$_}{perl} && !$col{$_}{plain} } qw(ours ref)) {
    my $i = $col{$name};
    my ($ok, $out, $err) = run_cmd([perl_cmd($i), '-e', 'use IO::Socket::SSL; print "$INC{q{IO/Socket/SSL.pm}} $IO::Socket::SSL::VERSION ", eval { Net::SSLeay->VERSION } // "-", "\n"'], $i->{perl5lib}, 60);
    my ($path, $ver, $ssleay) = split ' ', $out // '';
    if (!$ok || !$path || index($path, $i->{expect}) != 0) {
        push @notes, "$name: does not load correctly (" . ($path ? "loaded $path, expected under $i->{expect}" : ($err =~ /(.*)/)[0] // 'no output') . ") - skipped";
        delete $col{$name};
        next;
    }
    @$i{qw(path version ssleay)} = ($path, $ver, $ssleay);
}
print "$_\n" for @notes;
my @cols = grep { $col{$_} } @ALL;
die "nothing to benchmark\n" unless @cols;
if (!$col{c} && grep { $_->{name} eq 'select' } @runs) {
    print "select: needs the C clients, which did not build - skipped\n";
    @runs = grep { $_->{name} ne 'select' } @runs;
}

# ---------------------------------------------------------------- machine
make_certs($tmp);
my %machine = (
    date      => POSIX::strftime('%Y-%m-%d %H:%M UTC', gmtime),
    cpus      => scalar(grep /^processor/, do { open my $f, '<', '/proc/cpuinfo'; <$f> }) || '?',
    load_start => loadavg(),
    perl      => sprintf('%vd', $^V),
    openssl   => scalar(`openssl version 2>/dev/null`) =~ s/\s+$//r,
    kernel    => scalar(`uname -sr`) =~ s/\s+$//r,
    python    => $col{python} ? scalar(`$col{python}{exe} -c 'import sys, ssl; print(sys.version.split()[0], ssl.OPENSSL_VERSION)'`) =~ s/\s+$//r : '-',
    ours      => $col{ours} ? "IO::Socket::SSL $col{ours}{version} ($col{ours}{path})" : '-',
    ref       => $col{ref} ? "IO::Socket::SSL $col{ref}{version} on Net::SSLeay $col{ref}{ssleay} ($col{ref}{path})" : '-',
    rounds    => $rounds,
    quick     => $Q ? 1 : 0,
);
# interpreter start, for reading the load row
for my $b (['perl -e 1', [$^X, '-e', 1]], ($col{python} ? ['python3 -c pass', [$col{python}{exe}, '-c', 'pass']] : ())) {
    $machine{start}{ $b->[0] } = median(map { time_cmd($b->[1]) } 1 .. ($Q ? 5 : 11));
}
print "$_: $machine{$_}\n" for qw(date cpus load_start perl openssl python kernel ours ref);
printf "interpreter start: %s\n", join ', ', map { sprintf '%s %.1f ms', $_, $machine{start}{$_} } sort keys %{ $machine{start} };
print "columns: @cols; loads: @loads; rounds: $rounds@{[$Q ? ', --quick' : '']}; certs: $tmp\n\n";

# ---------------------------------------------------------------- run
# cells of a run: [column, load] (load undef for C and Python)
my (%val, %err, %detail, %raw);    # {row}{cell} = [...]
my @row_order;
for my $run (@runs) {
    my @cells;
    for my $c (grep { my $x = $_; grep { $_ eq $x } @{ $run->{cols} } } @cols) {
        if ($col{$c}{perl}) { push @cells, map { [$c, $_] } @loads } else { push @cells, [$c, undef] }
    }
    next unless @cells;
    push @row_order, map { [$_, $run] } @{ $run->{rows} };
    for my $r (1 .. $rounds) {
        my @order = (@cells[($r - 1) % @cells .. $#cells], @cells[0 .. ($r - 1) % @cells - 1]);
        for my $cell (@order) {
            my ($c, $load) = @$cell;
            my $key = cell_key($c, $load);
            my $res = $run->{worker} ? run_worker($run, $c, $load) : run_load($run, $c, $load);
            push @{ $raw{ $run->{name} }{$key} }, $res;
            for my $row (@{ $run->{rows} }) {
                if ($res->{error}) { push @{ $err{ $row->[0] }{$key} }, $res->{error}; next }
                push @{ $val{ $row->[0] }{$key} }, $res->{ $row->[1] };
                $detail{ $row->[0] }{$key} = $res;
            }
            printf STDERR "  %-14s %-14s round %d: %s\n", $run->{name}, $key, $r,
                $res->{error} ? "ERROR $res->{error}" : join(' ', map { fmtnum($res->{ $_->[1] }) } @{ $run->{rows} })
                if $opt{verbose};
        }
    }
    print_rows($run);
}
$machine{load_end} = loadavg();
print "\nload average at start: $machine{load_start}; at end: $machine{load_end}\n";

write_markdown($opt{markdown}) if $opt{markdown};
if ($opt{json}) {
    open my $fh, '>', $opt{json} or die "$opt{json}: $!\n";
    print $fh JSON::PP->new->canonical->pretty->encode({ machine => \%machine, values => \%val, errors => \%err, raw => \%raw });
    close $fh;
    print "JSON written to $opt{json}\n";
}
exit 0;

# ---------------------------------------------------------------- results
sub cell_key { my ($c, $load) = @_; defined $load ? "$c/$load" : $c }

# the value of column $c in the row of load $load (C and Python: their only cell)
sub cell_vals {
    my ($row, $c, $load) = @_;
    return $val{$row}{ cell_key($c, $col{$c} && $col{$c}{perl} ? $load : undef) };
}

sub stat_of {
    my $v = shift;
    return undef unless $v && @$v;
    my @s = sort { $a <=> $b } @$v;
    return { med => median(@s), min => $s[0], max => $s[-1], n => scalar @s };
}

sub fmt_cell {
    my ($row, $c, $load, $run) = @_;
    return '-' unless grep { $_ eq $c } @{ $run->{cols} };
    return '-' unless $col{$c};
    my $st = stat_of(cell_vals($row, $c, $load));
    my $key = cell_key($c, $col{$c}{perl} ? $load : undef);
    return $err{$row}{$key} ? 'ERROR' : '-' unless $st;
    my $s = fmtnum($st->{med});
    $s .= ' (' . fmtnum($st->{min}) . '-' . fmtnum($st->{max}) . ')' if $st->{n} > 1;
    $s .= ' [' . scalar(@{ $err{$row}{$key} }) . ' failed]' if $err{$row}{$key};
    return $s;
}

# target text and verdict for this build in the row of $load
sub target {
    my ($rowdef, $load) = @_;
    my ($row, $higher, $t) = @$rowdef[0, 4, 5];
    return ('-', '') unless $t;
    my ($what, $op, $x) = @$t;
    my $ours = stat_of(cell_vals($row, 'ours', $load));
    my ($text, $goal);
    if ($what eq 'abs') {
        ($text, $goal) = ("$op $x", $x);
    } else {
        my %name = (c => 'C', plain => 'Perl without TLS', python => "Python's");
        $text = $x == 1 ? "$op $name{$what}" : "$op ${x}x $name{$what}";
        my $st = stat_of(cell_vals($row, $what, $load));
        return ($text, 'n/a') unless $st;
        $goal = $x * $st->{med};
        $text .= ' (' . fmtnum($goal) . ')';
    }
    return ($text, 'n/a') unless $ours;
    my $met = $op eq '<=' ? $ours->{med} <= $goal : $ours->{med} >= $goal;
    return ($text, $met ? 'met' : 'not met');
}

sub col_title { +{ ours => 'this build', ref => 'reference', c => 'C on OpenSSL', plain => 'Perl without TLS', python => 'Python ssl' }->{ $_[0] } }

sub print_rows {
    my $run = shift;
    for my $rowdef (@{ $run->{rows} }) {
        my ($row, undef, $label, $unit) = @$rowdef;
        print "$row: $label ($unit)\n";
        for my $load (@loads) {
            my ($t, $v) = target($rowdef, $load);
            printf "  %-8s %s\n", $load, join '  ', map { col_title($_) . ' ' . fmt_cell($row, $_, $load, $run) } @cols;
            printf "  %-8s target %s: %s\n", '', $t, $v if $t ne '-';
        }
        for my $key (sort keys %{ $err{$row} || {} }) {
            print "  ERROR $key: $_\n" for uniq(@{ $err{$row}{$key} });
        }
        for my $key (sort keys %{ $detail{$row} || {} }) {
            my $x = $detail{$row}{$key};
            my @extra;
            push @extra, "server/client RSS kB $x->{server_rss_before}->$x->{server_rss_after}/$x->{client_rss_before}->$x->{client_rss_after}"
                if $row eq 'mem_client' && $opt{verbose};
            push @extra, sprintf('%.0f per client CPU s', $x->{cpu_rate}) if $x->{cpu_rate} && $row =~ /^(readline|print)$/;
            push @extra, sprintf('%.0f per server CPU s', $x->{cpu_rate}) if $x->{cpu_rate} && $row eq 'select';
            push @extra, sprintf('min %.2f max %.2f', $x->{min}, $x->{max}) if $row =~ /^latency/;
            push @extra, "cipher $x->{cipher}" if $x->{cipher} && $opt{verbose};
            printf "    %-14s %s\n", $key, join('; ', @extra) if @extra;
        }
    }
}

sub write_markdown {
    my $file = shift;
    open my $fh, '>', $file or die "$file: $!\n";
    my @c = @cols;
    print $fh "| workload | load | " . join(' | ', map { col_title($_) } @c) . " | target | met |\n";
    print $fh "|---|---|" . join('', map { '---:|' } @c) . "---|---|\n";
    for my $rr (@row_order) {
        my ($rowdef, $run) = @$rr;
        my ($row, undef, $label, $unit) = @$rowdef;
        for my $load (@loads) {
            my ($t, $v) = target($rowdef, $load);
            print $fh "| $label ($unit) | `$load` | " . join(' | ', map { fmt_cell($row, $_, $load, $run) } @c) . " | $t | $v |\n";
        }
    }
    print $fh "\nMedian (min-max) over $rounds round" . ($rounds > 1 ? 's' : '') . ", cells interleaved across the columns.\n";
    print $fh "`use`/`require`: how the Perl columns load the module (C and Python show their one value in both rows).\n\n";
    print $fh "Machine: $machine{cpus} CPUs, $machine{kernel}; load average $machine{load_start} at start, $machine{load_end} at end; $machine{date}.\n";
    print $fh "perl $machine{perl}; $machine{openssl}; Python $machine{python}.\n";
    print $fh "this build: $machine{ours}; reference: $machine{ref}.\n";
    printf $fh "Interpreter start (in the load row): %s.\n", join ', ', map { sprintf '`%s` %.1f ms', $_, $machine{start}{$_} } sort keys %{ $machine{start} };
    print $fh "Command: `perl bench/bench.pl" . ($Q ? ' --quick' : '') . " --rounds $rounds`.\n";
    close $fh;
    print "markdown written to $file\n";
}

sub fmtnum {
    my $v = shift;
    return '?' unless defined $v;
    return sprintf('%.2f M', $v / 1e6) if abs($v) >= 1e6;
    return sprintf('%.1f k', $v / 1e3) if abs($v) >= 1e4;
    return sprintf('%.0f', $v) if abs($v) >= 100;
    return sprintf('%.1f', $v) if abs($v) >= 10;
    return sprintf('%.2f', $v) if abs($v) >= 0.1;
    return sprintf('%.3f', $v);
}

sub median { my @s = sort { $a <=> $b } @_; @s % 2 ? $s[$#s / 2] : ($s[@s / 2 - 1] + $s[@s / 2]) / 2 }
sub uniq { my %s; grep { !$s{$_}++ } @_ }
sub loadavg { open my $f, '<', '/proc/loadavg' or return '?'; join ' ', (split ' ', scalar <$f>)[0 .. 2] }

# ---------------------------------------------------------------- children
sub perl_cmd { my $i = shift; ($^X, map { ('-I', $_) } @{ $i->{inc} }) }

# run a command (PERL5LIB set to $p5 or removed); returns (ok, stdout, stderr)
sub run_cmd {
    my ($cmd, $p5, $timeout) = @_;
    local $ENV{PERL5LIB} = $p5;
    delete $ENV{PERL5LIB} unless defined $p5;
    delete local $ENV{PERL5OPT};
    print STDERR "+ ", (defined $p5 ? "PERL5LIB=$p5 " : ''), join(' ', @$cmd), "\n" if $opt{verbose};
    my ($outf, $errf) = ("$tmp/child.out", "$tmp/child.err");
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        setpgrp(0, 0);    # own process group so the watchdog can kill its servers too
        open STDOUT, '>', $outf or die;
        open STDERR, '>', $errf or die;
        exec @$cmd or POSIX::_exit(127);
    }
    my $timed_out;
    {
        local $SIG{ALRM} = sub { $timed_out = 1; kill 'KILL', -$pid };
        alarm $timeout;
        waitpid($pid, 0);
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

sub run_worker {
    my ($run, $c, $load) = @_;
    my $i = $col{$c};
    my $timeout = $run->{timeout} || 240;
    my %args = (%{ $run->{args} }, certdir => $tmp, timeout => $timeout);
    $args{cclient} = "$tmp/limit" if $run->{worker} eq 'select';
    my @kv = map { "$_=$args{$_}" } sort keys %args;
    my @cmd = $i->{perl}
        ? (perl_cmd($i), "$bench_dir/worker.pl", $run->{worker}, @kv, "load=$load", ($i->{plain} ? 'tls=0' : ()))
        : (@{ $i->{cmd} }, $run->{worker}, @kv);
    my ($ok, $out, $err) = run_cmd(\@cmd, $i->{perl5lib}, $timeout + 15);
    my ($json) = $out =~ /^RESULT (.*)$/m;
    if (!$ok || !$json) {
        my @e = grep { length && !/^\s+at / } split /\n/, $err;
        return { error => (@e ? join(' | ', @e[0 .. ($#e < 2 ? $#e : 2)]) : "exit status $?, no result") };
    }
    my $r = JSON::PP->new->decode($json);
    # does the cell measure what it says?
    if ($i->{perl}) {
        my $want_compile = $load eq 'use' ? 1 : 0;
        return { error => "loaded by $r->{load}, wanted $load" } if $r->{load} ne $load || $r->{loaded_at_compile} != $want_compile;
        if ($i->{plain}) {
            return { error => "plain-socket worker loaded IO::Socket::SSL ($r->{ssl_loaded})" } if $r->{ssl_loaded};
            return { error => "plain-socket worker ran on $r->{impl_path}" } unless $r->{impl_path} =~ m{IO/Socket/INET\.pm$};
        } elsif (index($r->{impl_path}, $i->{expect}) != 0) {
            return { error => "child loaded $r->{impl_path}, expected under $i->{expect}" };
        }
    }
    if (($run->{check} // '') eq 'full') {
        return { error => "$r->{reused} of $r->{n} handshakes resumed a session" } if $r->{reused};
    } elsif (($run->{check} // '') eq 'resume') {
        return { error => "only $r->{reused} of $r->{n} handshakes resumed" } if $r->{reused} < $r->{n} - 1;
    }
    if ($run->{check}) {
        return { error => "host name verification not enforced" } unless $r->{verify_enforced};
        my $want = $run->{args}{version} || 'TLSv1_3';
        return { error => "negotiated $r->{negotiated}, wanted $want" } if $r->{negotiated} && $r->{negotiated} ne $want;
    }
    return $r;
}

sub time_cmd {
    my ($cmd, $p5) = @_;
    local $ENV{PERL5LIB} = $p5;
    delete $ENV{PERL5LIB} unless defined $p5;
    delete local $ENV{PERL5OPT};
    my $t0 = time;
    system(@$cmd) == 0 or return undef;
    return (time - $t0) * 1000;
}

# load: wall time of a whole process that loads the module, median of n
sub run_load {
    my ($run, $c, $load) = @_;
    my $i = $col{$c};
    my $mod = $i->{plain} ? 'IO::Socket::INET' : 'IO::Socket::SSL';
    my $code = $load && $load eq 'use' ? "use $mod;" : "require $mod;";
    # the child checks that it loaded what the column means, as the workers do
    my $check = $i->{plain} ? 'exit($INC{"IO/Socket/SSL.pm"} ? 1 : 0)'
        : 'exit(index($INC{"IO/Socket/SSL.pm"}, q{' . ($i->{expect} // '') . '}) == 0 ? 0 : 1)';
    my @cmd = $i->{perl} ? (perl_cmd($i), '-e', "$code $check")
            : $c eq 'c' ? ("$tmp/limit", 'load')
            : ($i->{exe}, '-c', 'import ssl, socket');
    my @t;
    for (1 .. $run->{args}{n}) {
        my $t = time_cmd(\@cmd, $i->{perl5lib});
        return { error => "@cmd failed" } unless defined $t;
        push @t, $t;
    }
    return { value => median(@t), unit => 'ms', runs => scalar @t };
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
