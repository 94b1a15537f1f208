#!perl
# IO::Async::SSL (SSL_listen and SSL_connect, both handshakes non-blocking in
# one loop, several connections at once; an untrusted server refused) and
# Net::Server::Fork with proto ssl (in a child process, talked to by plain
# IO::Socket::SSL clients). Run twice by Consumer (see t/lib/Consumer.pm).
use strict;
use warnings;
use lib 't/lib';
use Consumer;
use TestLib;
use Test::More;

watchdog(90);
need_module(qw(IO::Async::Loop IO::Async::SSL IO::Async::Stream Future Net::Server));

my $ca = cert('test-ca.pem');

# ---- IO::Async::SSL ----
{
    my $loop = IO::Async::Loop->new;
    my (@server_err, %server_seen);
    my $listener = $loop->SSL_listen(
        host          => '127.0.0.1',
        service       => 0,
        socktype      => 'stream',
        SSL_cert_file => cert('server-chain.pem'),
        SSL_key_file  => cert('server-key.pem'),
        on_stream     => sub {
            my $stream = shift;
            my $h = $stream->read_handle;
            $server_seen{ $h->get_servername // '' }++;
            $stream->configure(on_read => sub {
                my ($s, $buf, $eof) = @_;
                while ($$buf =~ s/^(.*)\n//) {
                    $s->write("echo $1 over " . $s->read_handle->get_sslversion . "\n");
                }
                return 0;
            });
            $loop->add($stream);
        },
        on_ssl_error => sub { push @server_err, "@_" },
    )->get;
    my $port = $listener->read_handle->sockport;
    ok($port, "SSL_listen on 127.0.0.1:$port");

    my @f = map {
        my $i = $_;
        $loop->SSL_connect(
            host        => 'localhost',
            service     => $port,
            socktype    => 'stream',
            SSL_ca_file => $ca,
            # IO::Async connects first and upgrades the plain socket, so
            # SNI needs the name (as its users give it)
            SSL_hostname => 'localhost',
        )->then(sub {
            my $stream = shift;
            $stream->configure(on_read => sub { 0 });
            $loop->add($stream);
            $stream->write("hello $i\n");
            return $stream->read_until("\n")->then(sub {
                my $line = shift;
                return Future->done([$line, $stream]);
            });
        });
    } 1 .. 4;
    my @r = Future->needs_all(@f)->get;
    is(scalar(@r), 4, 'four SSL_connect clients at once');
    is($r[$_ - 1][0], "echo hello $_ over TLSv1_3\n", "client $_ answered") for 1 .. 4;
    is($server_seen{localhost}, 4, "each client sent SNI localhost") or diag(join ",", %server_seen);
    my $h = $r[0][1]->read_handle;
    ok($h->isa('IO::Socket::SSL'), 'the stream handle is an IO::Socket::SSL');
    check_raw_handle($h, 'IO::Async client stream');
    $_->[1]->close_now for @r;

    # an untrusted server: SSL_connect fails with the verification error
    my $bad = $loop->SSL_listen(
        host => '127.0.0.1', service => 0, socktype => 'stream',
        SSL_cert_file => cert('other-server-cert.pem'),
        SSL_key_file  => cert('other-server-key.pem'),
        on_stream => sub { $loop->add(shift) },
        on_ssl_error => sub { },
    )->get;
    my $f = $loop->SSL_connect(host => 'localhost', service => $bad->read_handle->sockport,
        socktype => 'stream', SSL_ca_file => $ca);
    my $err = eval { $f->get; 'connected' } // $@;
    like($err, qr/certificate verify failed/, 'untrusted server refused by SSL_connect');
    is("@server_err", '', 'no server-side errors for the good connections');
}

# ---- Net::Server, proto ssl ----
{
    package TestNetServer;
    # Fork: each connection in its own process, so a client that gives up
    # in the handshake ends only that process (Net::Server dies there)
    require Net::Server::Fork;
    our @ISA = ('Net::Server::Fork');
    our $READY;    # write end of a pipe: "bound" once the port listens
    sub post_bind_hook { syswrite($READY, "bound\n") }
    # a client that refuses the handshake ends its connection's process:
    # quietly (Net::Server dies there, which would read as a test failure)
    sub post_accept {
        my $self = shift;
        eval { $self->SUPER::post_accept(@_); 1 } or POSIX::_exit(0);
    }
    sub process_request {
        my $self = shift;
        my $c = $self->{server}{client};
        my $line = <STDIN>;
        $line =~ s/\r?\n\z//;
        print STDOUT "net-server got '$line' over ", $c->get_sslversion, ' (', ref($c), ")\n";
    }
}
{
    my $port = free_port();
    pipe(my $ready_r, $TestNetServer::READY) or die "pipe: $!";
    my $pid = fork_child(sub {
        TestNetServer->run(
            proto         => 'ssl',
            host          => '127.0.0.1',
            port          => $port,
            ipv           => 4,
            SSL_cert_file => cert('server-chain.pem'),
            SSL_key_file  => cert('server-key.pem'),
            user          => scalar(getpwuid($>)),
            group         => scalar(getgrgid($) + 0)),
            log_level     => 0,
            background    => 0,
        );
    }, timeout => 60);
    close $TestNetServer::READY;
    is(scalar(<$ready_r>), "bound\n", "Net::Server listening on 127.0.0.1:$port");
    for my $i (1 .. 3) {
        my $c = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port,
            SSL_ca_file => $ca);
        ok($c, "client $i connected to Net::Server") or do { diag($IO::Socket::SSL::SSL_ERROR); next };
        print $c "line $i\n";
        my $answer = <$c>;
        like($answer // '', qr/^net-server got 'line $i' over TLSv1_3 \(Net::Server::Proto::SSL\)$/,
            "Net::Server answered client $i");
        close $c;
    }
    # a client that fails verification does not take the server down
    my $bad = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port,
        SSL_ca_file => cert('other-ca.pem'));
    ok(!$bad, 'client trusting another CA refuses the server');
    my $c = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port, SSL_ca_file => $ca);
    ok($c, 'Net::Server still serves after that');
    if ($c) { print $c "again\n"; like(scalar(<$c>) // '', qr/got 'again'/, 'and answers'); close $c }
    kill_child($pid);
}

check_build('IO::Async and Net::Server');
done_testing;
