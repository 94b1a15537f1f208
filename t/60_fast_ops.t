#!perl
# `print $sock ...` and `<$sock>` on our tied handles run our C code straight
# from the op (SSL.xs, "fast ops") instead of perl's tie dispatch. They must
# behave exactly like the dispatch: $, $\ $/, return values, list context,
# `$x = <$sock>` and `while (<$sock>)`, eof and $., and step aside for
# everything that is not plainly ours: say, the selected handle, a
# subclass of the tie class, a redefined PRINT or READLINE, an overloaded
# <>, a socket after stop_SSL. IO_SOCKET_SSL_NO_FAST_OPS=1 turns them off.
use strict;
use warnings;
use lib 't/lib';
use TestLib;
use Test::More;
use IO::Socket::SSL;
use Config;

watchdog(60);

my @CLIENT_SSL = (
    SSL_ca_file       => cert('test-ca.pem'),
    SSL_verifycn_name => 'localhost',
    SSL_hostname      => 'localhost',
);

sub fast { IO::Socket::SSL::_Lib::fast_calls() }

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

# ---- print -----------------------------------------------------------------
{
    my $f0 = fast();
    my $r = print $s "a", "b", "c\n";
    is($r, 1, 'print returns 1');
    cmp_ok(fast(), '>', $f0, 'print $sock ran the fast op');
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
    my $f0 = fast();
    print $s "many 3\n";
    my $x = <$s>;
    is($x, "line 1\n", '$x = <$sock>');
    cmp_ok(fast(), '>', $f0, '<$sock> ran the fast op');
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

    # eof blocks until there is data or the end, as on a plain socket
    print $s "many 2\n";
    ok(!eof($s), 'eof($sock) is false with data coming');
    is(scalar <$s>, "line 1\n", 'the data is still there');
    ok(!eof, 'bare eof refers to the handle <$sock> read last');
    is(scalar <$s>, "line 2\n", 'and reads from it');
}

# ---- what must take perl's way -------------------------------------------------
{
    my $f0 = fast();
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
        my $f1 = fast();
        print $s "wrapped\n";
        is(scalar <$s>, "echo:wrapped\n", 'wrapped PRINT and READLINE work');
        is($p, 1, 'the wrapped PRINT was called');
        is($r, 1, 'the wrapped READLINE was called');
        is(fast(), $f1, 'no fast op while PRINT and READLINE are not ours');
    }
    my $f2 = fast();
    print $s "restored\n";
    is(scalar <$s>, "echo:restored\n", 'methods restored');
    is($p + $r, 2, 'the wrappers are gone');
    cmp_ok(fast(), '>', $f2, 'fast ops again once the methods are ours again');

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

# ---- errors through the fast print ---------------------------------------------------
{
    # after stop_SSL the handle is plain: print and <> go to the socket
    print $s "stoptls\n";
    is(scalar <$s>, "stopping\n", 'stoptls answered');
    ok($s->stop_SSL, 'stop_SSL');
    my $f0 = fast();
    ok((print $s "plain text\n"), 'print after stop_SSL');
    is(scalar <$s>, "plain:plain text\n", 'readline after stop_SSL reads plain text');
    is(fast(), $f0, 'no fast op on a plain socket');
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
        my $f0 = IO::Socket::SSL::_Lib::fast_calls();
        print $c "from thread\n";
        my $l = <$c>;
        my $f1 = IO::Socket::SSL::_Lib::fast_calls();
        close $c;
        return join '|', $l, $f1 - $f0;
    });
    my $res = $thr->join;
    is($res, "t:from thread\n|2", 'print and readline in a thread take the fast ops');
    my ($status) = wait_child($pid3);
    is($status, 0, 'thread peer done');
}

# ---- off switch -------------------------------------------------------------------
{
    my @inc = map { "-I$_" } grep { !ref } @INC;
    my $out = `IO_SOCKET_SSL_NO_FAST_OPS=1 $^X @inc -MIO::Socket::SSL -e 'print IO::Socket::SSL::_Lib::fast_calls(), "\\n"'`;
    is($out, "0\n", 'IO_SOCKET_SSL_NO_FAST_OPS=1 loads fine with no fast ops');
}

done_testing;
