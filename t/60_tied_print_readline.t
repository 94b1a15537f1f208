#!perl
# `print $sock ...` and `<$sock>` on a TLS socket go through perl's tie
# dispatch to IO::Socket::SSL::SSL_HANDLE's PRINT and READLINE, each one XS
# call with its loop in C. They behave as print and readline do: $, $\ $/,
# return values, list context, `$x = <$sock>` and `while (<$sock>)`, eof and
# $.; say, the selected handle, a subclass of the tie class, a redefined
# PRINT or READLINE, an overloaded <> and a socket after stop_SSL all work;
# so does a thread. The same holds when the module is loaded at run time,
# after the caller's code is compiled (as HTTP::Tiny and LWP load it).
use strict;
use warnings;
use lib 't/lib';
use TestLib;
use Test::More;
use IO::Socket::SSL;
use Config;
use B ();
use Scalar::Util ();

watchdog(60);

my @CLIENT_SSL = (
    SSL_ca_file       => cert('test-ca.pem'),
    SSL_verifycn_name => 'localhost',
    SSL_hostname      => 'localhost',
);

# Echo server: each line back; "many N\n" sends N numbered lines;
# "stoptls\n" answers then stop_SSL and echoes plain lines; "quit\n" ends.
my ($pid, $port) = fork_server(ssl_listener(), sub {
    my $l = shift;
    my $c = $l->accept or die "accept: $SSL_ERROR";
    while (defined(my $line = $c->getline)) {
        if ($line eq "quit\n") { last }
        elsif ($line =~ /^many (\d+)/) { $c->syswrite(join '', map { "line $_\n" } 1 .. $1) }
        elsif ($line eq "stoptls\n") {
            $c->syswrite("stopping\n");
            $c->stop_SSL or die "stop_SSL: $SSL_ERROR";
            while (sysread($c, my $buf, 1000)) { syswrite($c, "plain:$buf") }
            last;
        }
        else { $c->syswrite("echo:$line") }
    }
});

my $s = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port, @CLIENT_SSL)
    or die "connect: $SSL_ERROR";

# one XS call each: the loop over records and lines is in C (the shared
# object is loaded by the first use, the listener above)
for my $m (qw(PRINT READLINE READ WRITE)) {
    ok(B::svref_2object(IO::Socket::SSL::SSL_HANDLE->can($m))->XSUB, "SSL_HANDLE::$m is XS");
}

# ---- print -----------------------------------------------------------------
{
    my $r = print $s "a", "b", "c\n";
    is($r, 1, 'print returns 1');
    is(scalar <$s>, "echo:abc\n", 'print LIST joined');
    {
        local $, = '-';
        local $\ = "\n";
        print $s "x", "y";
    }
    is(scalar <$s>, "echo:x-y\n", 'print honours $, and $\\');
    print {$s} "block\n";
    is(scalar <$s>, "echo:block\n", 'print {$sock}');
    my @r = (print $s "list ctx\n");
    is_deeply(\@r, [1], 'print in list context gives one true value');
    is(scalar <$s>, "echo:list ctx\n", 'and the line was sent');
    for ("dollar underscore\n") { print {$s} $_ }
    is(scalar <$s>, "echo:dollar underscore\n", 'print {$sock} $_');
}

# ---- readline ----------------------------------------------------------------
{
    print $s "many 3\n";
    my $x = <$s>;
    is($x, "line 1\n", '$x = <$sock>');
    chomp(my $y = <$s>);
    is($y, 'line 2', 'chomp(my $y = <$sock>)');
    my $z = readline($s);
    is($z, "line 3\n", 'readline($sock)');

    print $s "many 4\n";
    my @got;
    while (<$s>) {
        push @got, $_;
        last if /line 4/;
    }
    is_deeply(\@got, [map { "line $_\n" } 1 .. 4], 'while (<$sock>) sets $_');

    print $s "many 5\n";
    my $n = 0;
    while (defined(my $l = <$s>)) { $n++; last if $l eq "line 5\n" }
    is($n, 5, 'while (defined(my $l = <$sock>))');

    print $s "many 2\n";
    {
        local $/ = \4;
        is(scalar <$s>, 'line', '$/ = \4 gives records');
        is(scalar <$s>, " 1\nl", '... across lines');
    }
    is(scalar <$s>, "ine 2\n", 'back to lines');

    print $s "one more\n";
    my $v = <$s> . "tail";
    is($v, "echo:one more\ntail", 'readline inside an expression');

    # a line read from the record already at hand (the usual case) and one
    # that needs the next record clear $SSL_ERROR and $! as any read does;
    # a one-byte $/ other than "\n" is found there too
    print $s "many 3\n";
    for my $i (1 .. 3) {
        ($SSL_ERROR, $!) = ('stale', 4);
        is(scalar <$s>, "line $i\n", "line $i");
        ok(!defined $SSL_ERROR && $! == 0, "line $i: \$SSL_ERROR and \$! cleared");
    }
    print $s "many 2\n";
    {
        local $/ = ' ';
        is(scalar <$s>, 'line ', '$/ = " "');
        is(scalar <$s>, "1\nline ", '... across a newline');
    }
    is(scalar <$s>, "2\n", 'back to lines');

    # eof blocks until there is data or the end, as on a plain socket
    print $s "many 2\n";
    ok(!eof($s), 'eof($sock) is false with data coming');
    is(scalar <$s>, "line 1\n", 'the data is still there');
    ok(!eof, 'bare eof refers to the handle <$sock> read last');
    is(scalar <$s>, "line 2\n", 'and reads from it');
}

# ---- what must take perl's way -------------------------------------------------
{
    say $s "said";
    is(scalar <$s>, "echo:said\n", 'say $sock works');

    my $old = select($s);
    print "selected\n";
    select($old);
    is(scalar <$s>, "echo:selected\n", 'print to the selected handle works');

    # a redefined PRINT/READLINE is called, not bypassed
    my ($p, $r) = (0, 0);
    {
        no warnings 'redefine';
        my $orig_p = \&IO::Socket::SSL::SSL_HANDLE::PRINT;
        my $orig_r = \&IO::Socket::SSL::SSL_HANDLE::READLINE;
        local *IO::Socket::SSL::SSL_HANDLE::PRINT = sub { $p++; goto &$orig_p };
        local *IO::Socket::SSL::SSL_HANDLE::READLINE = sub { $r++; goto &$orig_r };
        print $s "wrapped\n";
        is(scalar <$s>, "echo:wrapped\n", 'wrapped PRINT and READLINE work');
        is($p, 1, 'the wrapped PRINT was called');
        is($r, 1, 'the wrapped READLINE was called');
    }
    print $s "restored\n";
    is(scalar <$s>, "echo:restored\n", 'methods restored');
    is($p + $r, 2, 'the wrappers are gone');

    # a subclass of the tie class gets its own methods
    {
        package My::Handle;
        our @ISA = ('IO::Socket::SSL::SSL_HANDLE');
        our ($prints, $reads) = (0, 0);
        sub PRINT    { $prints++; my $self = shift; $self->SUPER::PRINT(@_) }
        sub READLINE { $reads++; my $self = shift; $self->SUPER::READLINE(@_) }
    }
    {
        untie *$s;
        tie *$s, 'My::Handle', $s;
        print $s "subclass\n";
        is(scalar <$s>, "echo:subclass\n", 'a subclass of the tie class works');
        is("$My::Handle::prints/$My::Handle::reads", '1/1', 'its PRINT and READLINE were called');
        untie *$s;
        tie *$s, 'IO::Socket::SSL::SSL_HANDLE', $s;
    }

    # an overloaded <> on a subclass of the socket
    {
        package My::Sock;
        our @ISA = ('IO::Socket::SSL');
        use overload '<>' => sub { "overloaded\n" }, fallback => 1;
    }
    bless $s, 'My::Sock';
    is(scalar <$s>, "overloaded\n", 'an overloaded <> wins');
    bless $s, 'IO::Socket::SSL';
    print $s "after overload\n";
    is(scalar <$s>, "echo:after overload\n", 'the socket still reads its own lines');
}

# ---- errors through print ------------------------------------------------------------
{
    # after stop_SSL the handle is plain: print and <> go to the socket
    print $s "stoptls\n";
    is(scalar <$s>, "stopping\n", 'stoptls answered');
    ok($s->stop_SSL, 'stop_SSL');
    ok((print $s "plain text\n"), 'print after stop_SSL');
    is(scalar <$s>, "plain:plain text\n", 'readline after stop_SSL reads plain text');
    close $s;
    my ($status, $res) = wait_child($pid);
    is($status, 0, 'echo server done') or diag $res->{__died__};
}

{
    # the peer is gone: print fails with an error, as through the tie
    my ($pid2, $port2) = fork_server(ssl_listener(), sub {
        my $c = shift->accept or die;
        $c->close;
    });
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port2, @CLIENT_SSL)
        or die "connect: $SSL_ERROR";
    wait_child($pid2);
    my $ok = 1;
    for (1 .. 50) { $ok = print $c "x" x 1000; last unless $ok }
    ok(!$ok, 'print to a peer that closed fails');
    ok($SSL_ERROR, "with an error: $SSL_ERROR");
    is(scalar <$c>, undef, '<$sock> gives undef at EOF');
    close $c;
}

# ---- in a thread: its own interpreter, its own state ---------------------------
SKIP: {
    skip 'this perl has no ithreads', 2 unless $Config{useithreads};
    require threads;
    my ($pid3, $port3) = fork_server(ssl_listener(), sub {
        my $c = shift->accept or die;
        while (defined(my $l = <$c>)) { print $c "t:$l" }
    });
    my $thr = threads->create(sub {
        my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port3, @CLIENT_SSL)
            or return "connect: $SSL_ERROR";
        print $c "from thread\n";
        my $l = <$c>;
        close $c;
        return $l;
    });
    my $res = $thr->join;
    is($res, "t:from thread\n", 'print and readline in a thread');
    my ($status) = wait_child($pid3);
    is($status, 0, 'thread peer done');
}

# ---- loaded at run time --------------------------------------------------------
# A program whose print and readline ops were compiled before the module came
# in (require at run time) gets the same results.
{
    my ($pid4, $port4) = fork_server(ssl_listener(), sub {
        my $c = shift->accept or die;
        while (defined(my $l = <$c>)) { print $c "rt:$l" }
    });
    my @inc = map { "-I$_" } grep { !ref } @INC;
    my $ca = cert('test-ca.pem');
    my $code = <<'CODE';
my ($port, $ca) = @ARGV;
die "loaded too early\n" if $INC{'IO/Socket/SSL.pm'};
require IO::Socket::SSL;
my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
    SSL_ca_file => $ca, SSL_verifycn_name => 'localhost', SSL_hostname => 'localhost')
    or die "connect: $IO::Socket::SSL::SSL_ERROR\n";
{ local ($,, $\) = ('-', "\n"); print $c 'a', 'b' or die "print: $!\n"; }
my $l = <$c>;
print $l;
close $c;
CODE
    my $out = do {
        open(my $fh, '-|', $^X, @inc, '-e', $code, $port4, $ca) or die "run perl: $!";
        local $/;
        <$fh>;
    };
    is($out, "rt:a-b\n", 'require at run time: print with $, and $\\, then <$sock>');
    kill_child($pid4);
}

# ---- READLINE called as a method ----------------------------------------------
# `<$sock>` copies what READLINE returns at once; a caller of the method keeps
# it: each call gives a fresh scalar it may modify, and the lines it kept
# earlier stay as they were.
{
    my ($pid5, $port5) = fork_server(ssl_listener(), sub {
        my $c = shift->accept or die;
        print $c "a\nb\nc\nd\ne\n";
        my $l = <$c>;    # until the client is done
    });
    my $c = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port5, @CLIENT_SSL)
        or die "connect: $SSL_ERROR";
    is(scalar <$c>, "a\n", 'READLINE method: <$sock> first');
    my $t = tied(*$c);
    # (TIEHANDLE is XS: the tie object is a blessed ref to a weak ref to the socket)
    is(ref $t, 'IO::Socket::SSL::SSL_HANDLE', 'the tie object\'s class');
    ok(ref $$t && $$t == $c, '... it refers to the socket');
    ok(Scalar::Util::isweak($$t), '... weakly (no cycle through the glob)');
    my $r1 = \ scalar($t->READLINE);
    my $r2 = \ scalar($t->READLINE);
    my $edit = sub { $_[0] =~ s/\n\z//; $_[0] };
    my $edited = eval { $edit->(scalar $t->READLINE) };
    is($@, '', 'READLINE method: a sub may modify the returned scalar');
    is($edited, 'd', '... and it was the next line');
    is($$r1, "b\n", '... a line kept from an earlier call is unchanged');
    is($$r2, "c\n", '... so is the one after it');
    ok($r1 != $r2, '... each call returned its own scalar');
    is(scalar <$c>, "e\n", '<$sock> after the method calls');
    print $c "done\n";
    my @warned;
    { local $SIG{__WARN__} = sub { push @warned, @_ }; $c->close }
    is("@warned", "", "close while the program holds tied(*\$sock): no untie warning");
    kill_child($pid5);
}

done_testing;
