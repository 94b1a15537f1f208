#!perl
# `use IO::Socket::SSL` compiles only the module's core; the rest of
# lib/IO/Socket/SSL.pm is kept as text and compiled by the first call of one
# of its subs (issue 15: loading costs about what IO::Socket::INET does). The
# stubs must stand for exactly the subs of that text, before and after.
use strict;
use warnings;
use lib 't/lib';
use TestLib;
use Test::More;
use B ();

watchdog(60);

# A fresh perl: what `use IO::Socket::SSL` loads and compiles.
{
    my $code = 'use IO::Socket::SSL; print join(" ", sort keys %INC), "\n";'
        . 'print IO::Socket::SSL->can("connect_SSL") ? 1 : 0, "\n";';
    open(my $p, '-|', $^X, perl_inc_args(), '-e', $code) or die "cannot run perl: $!";
    my @out = <$p>;
    close $p;
    is($?, 0, 'a fresh perl loads the module');
    my %inc = map { $_ => 1 } split ' ', $out[0] // '';
    ok($inc{'IO/Socket/SSL.pm'}, 'IO::Socket::SSL is loaded');
    ok(!$inc{$_}, "$_ is not loaded by use IO::Socket::SSL")
        for qw(constant.pm Scalar/Util.pm List/Util.pm IO/Socket/IP.pm POSIX.pm);
    is($out[1], "1\n", 'can() answers for a deferred method before its text is compiled');
}

require IO::Socket::SSL;

# The stub list names exactly the subs and aliases of the deferred text.
my $file = $INC{'IO/Socket/SSL.pm'};
open(my $fh, '<', $file) or die "$file: $!";
my $src = do { local $/; <$fh> };
my ($text) = $src =~ /<<'__IMPL__';\n(.*?\n)__IMPL__\n/s or die "no deferred text in $file";
my @in_text = "\n$text" =~ /\n[ \t]*(?:sub |\*)([\w:]+)/g;
is_deeply([sort(IO::Socket::SSL::_impl_names())], [sort @in_text],
    'the stub list matches the subs of the deferred text');

sub defined_subs {
    no strict 'refs';
    return sort grep { defined &{"IO::Socket::SSL::$_"} } keys %IO::Socket::SSL::;
}
my @before = defined_subs();
my %before_cv = map { no strict 'refs'; ($_ => 0 + \&{"IO::Socket::SSL::$_"}) } @before;

# A program that wraps a sub before the text is compiled keeps its wrapper,
# which calls the real sub through the stub it saved.
my $orig = \&IO::Socket::SSL::can_ocsp;
{
    no warnings 'redefine';
    *IO::Socket::SSL::can_ocsp = sub { 'wrapped:' . $orig->(@_) };
}

# The first call of a deferred sub compiles the text and runs the real sub.
is(IO::Socket::SSL->can_alpn, 1, 'a deferred method works on its first call');
is(IO::Socket::SSL->can_ocsp, 'wrapped:1', 'a wrapper set before stays, and reaches the real sub');
my @after = defined_subs();
is_deeply(\@after, \@before, 'compiling the text defines no sub that had no stub');
for my $name (grep { $_ ne 'can_ocsp' } IO::Socket::SSL::_impl_names()) {
    no strict 'refs';
    my $cv = \&{"IO::Socket::SSL::$name"};
    isnt(0 + $cv, $before_cv{$name}, "$name: the stub is replaced");
    isnt(B::svref_2object($cv)->GV->NAME, '__ANON__', "$name: a named sub now");
}

# Errors in deferred code report this file and its real line numbers.
{
    my ($line, $n) = (undef, 0);
    for (split /\n/, $src) {
        $n++;
        if (/^sub _invalid_object /) { $line = $n; last }
    }
    ok($line, 'found _invalid_object in the source');
    my $cv = \&IO::Socket::SSL::_invalid_object;
    is(B::svref_2object($cv)->START->line, $line + 1, 'line numbers of deferred code are the file\'s');
    is(B::svref_2object($cv)->FILE, $file, 'file name of deferred code is the file\'s');
}

done_testing;
