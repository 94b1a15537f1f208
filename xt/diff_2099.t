#!perl
# Differential tests against the reference release 2.099 (the oracle of
# ../shared/tools/reference.sh): the same scripts run under 2.099 and under
# this build, and their outputs (or their TAP results) must agree, except for
# the differences the project decided and documented in Changes. Skips when
# the oracle is not there.
use strict;
use warnings;
use Test::More;
use File::Spec;

my $tool = $ENV{REFERENCE_SH} || File::Spec->rel2abs('../shared/tools/reference.sh');
$tool = '/work/shared/tools/reference.sh' if !-x $tool && -x '/work/shared/tools/reference.sh';
plan skip_all => "no reference oracle ($tool)" if !-x $tool;
my $ref = `bash -c 'eval "\$($tool)" && echo "\$PERL5LIB"' 2>/dev/null`;
chomp $ref;
plan skip_all => 'the oracle did not set up' if !$ref || $?;

sub run_under {
    my ($which, @cmd) = @_;
    local $ENV{PERL5LIB} = $which eq 'ref' ? $ref : join(':', 'blib/lib', 'blib/arch', $ENV{PERL5LIB} // ());
    my $out = `$^X @cmd 2>&1`;
    return $out;
}

# ---- scripts whose whole output is compared --------------------------------
for my $script (qw(xt/diff_utils.pl xt/diff_sessions.pl)) {
    my $r = run_under(ref => $script);
    my $o = run_under(ours => $script);
    if ($script =~ /sessions/) {
        # Deliberately different (Changes): 2.099 registers OpenSSL's
        # remove-session callback, and SSL_CTX_free flushes the context's
        # internal cache through it, so every session a context made is
        # deleted from the shared cache (del_session(undef, $session)) when
        # that context is freed. In the "own" pattern (a context per
        # connection) 2.099 therefore never resumes; we do. The oracle must
        # still show that trigger, our build the resumption; then those
        # lines and the calls after "free:" are left out of the comparison.
        for my $v (qw(TLSv1_2 TLSv1_3)) {
            like($r, qr/^$v own reused=0 0 0\n$v own log: (?:get\(key\)=none (?:add\(key\) )+\| (?:del\(undef,S\) )+){3}free:\n/m,
                "2.099, $v, a context per connection: the session is deleted when its context is freed, never resumed");
            like($o, qr/^$v own reused=0 1 1\n/m, "ours, $v, a context per connection: resumed (deliberate difference)");
            like($r, qr/^$v shared:close log: .*free: del\(undef,S\)/m,
                "2.099, $v: freeing a shared context deletes its sessions from the cache");
        }
        for ($r, $o) {
            $_ = join '', grep { !/ own (?:log:|reused=)/ } split /^/, $_;
            s/free:[^\n]*/free:/g;
        }
    }
    is($o, $r, "$script: same output as 2.099") or diag("2.099:\n$r\nours:\n$o");
}

# ---- debug output, levels 1 to 3 --------------------------------------------
for my $level (1 .. 3) {
    my ($r, $o) = map { run_under($_ => 'xt/diff_debug.pl', $level) } qw(ref ours);
    for ($r, $o) {
        # compared: our lines. Not compared: Net::SSLeay's own trace (lines
        # without "DEBUG:"), OCSP stapling (issue of its own)
        $_ = join '', grep { /^DEBUG: / && !/OCSP/ } split /^/, $_;
    }
    is($o, $r, "debug level $level: the same lines as 2.099") or diag("2.099:\n$r\nours:\n$o");
}

# ---- test files run under both: the same tests pass ------------------------
my %known = (
    # SSL_reuse_ctx with an unblessed reference: 2.099 dies with a method
    # call error, we with "invalid context to reuse" (Changes)
    't/61_conform_misc.t' => qr/SSL_reuse_ctx => (?:HASH|ARRAY|SCALAR) dies/,
    # client session caches (Changes): 2.099 deletes a context's sessions
    # from the cache when the context is freed, so connections with their
    # own contexts never resume; and it offers a cached session to any
    # context, also one that would have verified more or presented another
    # client certificate. The protocol-driven deletions are the same.
    't/66_session_cache_2099.t' => qr/with their own contexts resume|no del_session when a context is freed|server agrees they resumed|freeing the context calls nothing|is not offered to|nor to one checking|a verified session|but not for another host name|resumed with the same certificate|the cached session was not offered/,
);
for my $t (qw(t/52_stop_ssl.t t/61_conform_misc.t t/62_shutdown_2099.t t/66_session_cache_2099.t)) {
    my %res;
    for my $which (qw(ref ours)) {
        my $out = run_under($which, '-It/lib', $t);
        for (split /\n/, $out) {
            $res{$which}{$2} = $1 if /^(ok|not ok) \d+ - (.*)/;
        }
    }
    my @diff = grep { ($res{ref}{$_} // '') ne ($res{ours}{$_} // '') }
        sort keys %{ { %{ $res{ref} || {} }, %{ $res{ours} || {} } } };
    my @deliberate = grep { $known{$t} && /$known{$t}/ } @diff;
    note("$t: deliberately different from 2.099 (Changes): " . join('; ', @deliberate)) if @deliberate;
    @diff = grep { !$known{$t} || !/$known{$t}/ } @diff;
    ok(keys %{ $res{ref} || {} } > 5, "$t ran under 2.099");
    is("@diff", '', "$t: the same tests pass under 2.099 and this build")
        or diag(join "\n", map { "$_: 2.099 " . ($res{ref}{$_} // '-') . ", ours " . ($res{ours}{$_} // '-') } @diff);
}

done_testing;
