#!perl
# Mojolicious on this build: a Mojolicious daemon over TLS and Mojo::UserAgent
# in one event loop (both sides' handshakes non-blocking), several
# concurrent requests that the server only answers once all of them are in
# flight, a verified client, an untrusted server refused, and a second
# daemon in another process. Run twice by Consumer (see t/lib/Consumer.pm).
use strict;
use warnings;
use lib 't/lib';
use Consumer;
use TestLib;
use Test::More;

watchdog(90);
need_module(qw(Mojolicious::Lite Mojo::UserAgent Mojo::Server::Daemon Mojo::Promise));

ok(Mojo::IOLoop::TLS->can_tls, 'Mojo sees TLS support (IO::Socket::SSL 2.009+)');

my $N = 6;
my (@waiting, %sni);
my $app = Mojolicious->new;
$app->log->level('fatal');
$app->routes->get('/req/:i' => sub {
    my $c = shift;
    my $h = $c->tx->connection && Mojo::IOLoop->stream($c->tx->connection)->handle;
    $sni{ $c->param('i') } = $h->get_servername if $h;
    $c->render_later;
    push @waiting, $c;
    return if @waiting < $N;
    # every request is in flight at once: answer them all
    for my $w (splice @waiting) {
        my $hh = Mojo::IOLoop->stream($w->tx->connection)->handle;
        $w->render(text => 'answer ' . $w->param('i') . ' over ' . $hh->get_sslversion);
    }
});
$app->routes->get('/one' => sub { shift->render(text => 'one') });

my $cert = cert('server-chain.pem');
my $key  = cert('server-key.pem');
my $daemon = Mojo::Server::Daemon->new(app => $app, silent => 1,
    listen => ["https://127.0.0.1?cert=$cert&key=$key"])->start;
my $port = $daemon->ports->[0];
ok($port, "daemon listens on 127.0.0.1:$port");

my $ua = Mojo::UserAgent->new(ca => cert('test-ca.pem'), request_timeout => 20,
    max_connections => 0);
my @p = map { my $i = $_; $ua->get_p("https://localhost:$port/req/$i") } 1 .. $N;
my @res;
Mojo::Promise->all(@p)->then(sub { @res = map { $_->[0]->result } @_ })
    ->catch(sub { diag("requests failed: @_") })->wait;
is(scalar(@res), $N, "$N concurrent non-blocking requests answered");
for my $i (1 .. $N) {
    my $r = $res[$i - 1] or next;
    is($r->code, 200, "request $i: 200");
    is($r->body, "answer $i over TLSv1_3", "request $i: body");
}
is(scalar(keys %sni), $N, 'each request came on its own TLS connection');
is($sni{1}, 'localhost', 'Mojo::UserAgent sent SNI');

# the client's socket: raw handles usable by Net::SSLeay user code
{
    my $tx = $ua->build_tx(GET => "https://localhost:$port/one");
    my $handle;
    $tx->on(connection => sub {
        my ($tx, $id) = @_;
        $handle = Mojo::IOLoop->stream($id)->handle;
    });
    $ua->start_p($tx)->wait;    # non-blocking: the daemon shares the loop
    is($tx->result->body, 'one', 'one more request');
    ok($handle && $handle->isa('IO::Socket::SSL'), 'the stream handle is an IO::Socket::SSL');
    check_raw_handle($handle, 'Mojo client stream') if $handle;
}

# an untrusted server is refused
{
    my $bad = Mojo::Server::Daemon->new(app => $app, silent => 1,
        listen => ['https://127.0.0.1?cert=' . cert('other-server-cert.pem')
            . '&key=' . cert('other-server-key.pem')])->start;
    my $bport = $bad->ports->[0];
    my $err;
    Mojo::UserAgent->new(ca => cert('test-ca.pem'), request_timeout => 20)
        ->get_p("https://localhost:$bport/one")
        ->then(sub { $err = 'no error, status ' . shift->result->code }, sub { $err = shift })->wait;
    like($err // '', qr/certificate verify failed/, 'untrusted server refused: ' . ($err // ''));
    my $body;
    Mojo::UserAgent->new(insecure => 1, request_timeout => 20)
        ->get_p("https://localhost:$bport/one")
        ->then(sub { $body = shift->result->body }, sub { $body = "error: @_" })->wait;
    is($body, 'one', 'insecure => 1 accepts it');
}

# a daemon in another process, a blocking client in this one
{
    my $l = TestLib::tcp_listener();
    my $p2 = listener_port($l);
    close $l;
    my $pid = fork_child(sub {
        my $d = Mojo::Server::Daemon->new(app => $app, silent => 1,
            listen => ["https://127.0.0.1:$p2?cert=$cert&key=$key"]);
        $d->run;
    }, timeout => 60);
    ok(wait_port($p2, 20), 'daemon process listening');
    my $ua2 = Mojo::UserAgent->new(ca => cert('test-ca.pem'), request_timeout => 20);
    for my $i (1 .. 3) {
        my $tx = $ua2->get("https://localhost:$p2/one");
        is($tx->result->body, 'one', "request $i to the other process");
    }
    kill_child($pid);
}

check_build('Mojolicious');
done_testing;
