#!perl
# SSL_error_trap and SSL_keepSocketOnError after a failed handshake, as the
# reference (2.081) behaves:
# - SSL_error_trap is called as ($socket, errstr() . "\n" . <OpenSSL error
#   queue, empty by then>) with $@ and $SSL_ERROR set to the error; the
#   module neither closes nor downgrades the socket: the trap owns it (e.g.
#   stop_SSL and continue in plain text). new()/accept() still fail.
# - without a trap, SSL_keepSocketOnError => 1 makes the failed socket stop
#   SSL instead of closing: useful where the caller still holds the socket
#   (SSL_startHandshake => 0 + connect_SSL/accept_SSL); start_SSL on a plain
#   socket always downgrades it to its original class, with or without the
#   option; a failed new() or accept() loses the socket either way.
use strict;
use warnings;
use lib 't/lib';
use TestLib;
use Test::More;
use File::Spec;
use IO::Socket::SSL;

watchdog(90);

my $D = certdir() . '/chains';
sub chain { my $f = File::Spec->catfile($D, shift); -e $f or die "missing $f\n"; $f }
my @server_cert = (SSL_cert_file => chain('leaf-chain.pem'),
    SSL_key_file => chain('leaf-key.pem'));
my @root = (SSL_ca_file => chain('root-ca.pem'));

my $HTTP_ERR = 'SSL accept attempt failed error:0A00009C:SSL routines::http request';
my $WRONG_VERSION =
    'SSL connect attempt failed error:0A00010B:SSL routines::wrong version number';
my $VERIFY_FAILED =
    'SSL connect attempt failed error:0A000086:SSL routines::certificate verify failed';
my $REQUEST = "GET / HTTP/1.0\r\n\r\n";
my $RESPONSE = "HTTP/1.0 400 Bad Request\r\n\r\nplain http to an https port\n";

sub slurp { my $fh = shift; local $/; my $s = <$fh>; return $s }

# A plain TCP server child that reads the client's first TLS record (the
# ClientHello), answers with 5 bytes that are no TLS record header followed
# by plain text, then reads a line and answers "bye\n".
sub plain_server {
    my $l = tcp_listener();
    return fork_server($l, sub {
        my $l = shift;
        my $c = $l->accept or die "accept: $!";
        my $hdr = '';
        while (length $hdr < 5) {
            sysread($c, $hdr, 5 - length $hdr, length $hdr) or die "no ClientHello";
        }
        my $len = unpack('n', substr($hdr, 3, 2));
        my $body = '';
        while (length $body < $len) {
            sysread($c, $body, $len - length $body, length $body) or die "short ClientHello";
        }
        report(client_hello => 1);
        syswrite($c, "XXXXXplain text from the server\n");
        report(line => scalar <$c>);
        print $c "bye\n";
        linger_close($c);
    });
}

# Close after the client did: closing with unread input would reset the
# connection, and the client could lose what was sent last.
sub linger_close {
    my $c = shift;
    $c->flush;
    shutdown($c, 1);
    1 while sysread($c, my $buf, 4096);
    close $c;
}

# readline that says why it got nothing
sub read_line {
    my $fh = shift;
    my $line = <$fh>;
    diag("readline: nothing: " . ($! + 0) . " $! blocking=" . ($fh->blocking // 'undef')
        . " eof=" . (eof($fh) ? 1 : 0)) if !defined $line;
    return $line;
}

# ---- SSL_error_trap, server side: plain HTTP to the TLS port ------------------
{
    my $l = ssl_listener(@server_cert, SSL_error_trap => sub {
        my ($s, $e) = @_;
        report(trap_args => scalar(@_), trap_ref => ref($s), trap_err => $e,
            trap_at => $@, trap_ssl_error => "$IO::Socket::SSL::SSL_ERROR",
            trap_errstr => $s->errstr, trap_fileno => defined(fileno($s)) ? 1 : 0,
            trap_opened => $s->opened);
        my $r = $s->stop_SSL;
        report(stop_ssl => $r ? 1 : 0, stop_ref => ref($s),
            stop_fileno => defined(fileno($s)) ? 1 : 0);
        report(print => (print $s $RESPONSE) ? 1 : 0);
        close $s;
    });
    my ($pid, $port) = fork_server($l, sub {
        my $l = shift;
        my $c = $l->accept;
        report(accept => $c ? 1 : 0, accept_err => "$IO::Socket::SSL::SSL_ERROR");
        # the listener goes on
        $c = $l->accept;
        report(accept2 => $c ? 1 : 0);
        if ($c) { print $c "hi\n"; report(line2 => scalar <$c>); close $c }
    });
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port") or die "connect: $!";
    print $s $REQUEST;
    my $resp = slurp($s);
    close $s;
    is($resp, $RESPONSE, 'server trap: the plain HTTP client gets the plain answer');

    my $c = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port, @root,
        Timeout => 10);
    ok($c, 'server trap: the next TLS client connects') or diag($IO::Socket::SSL::SSL_ERROR);
    if ($c) { is(scalar <$c>, "hi\n", 'server trap: next client: data'); print $c "bye\n"; close $c }

    my ($status, $r) = wait_child($pid);
    is($status, 0, 'server trap: child ok');
    is($r->{trap_args}, 2, 'server trap: two arguments');
    is($r->{trap_ref}, 'IO::Socket::SSL', 'server trap: the accepted IO::Socket::SSL socket');
    is($r->{trap_err}, "$HTTP_ERR\n", 'server trap: error text (errstr + "\n" + empty queue)');
    is($r->{trap_at}, $HTTP_ERR, 'server trap: $@ is the error');
    is($r->{trap_ssl_error}, $HTTP_ERR, 'server trap: $SSL_ERROR is the error');
    is($r->{trap_errstr}, $HTTP_ERR, 'server trap: $socket->errstr');
    is($r->{trap_fileno}, 1, 'server trap: the socket is open');
    is($r->{trap_opened}, -1, 'server trap: opened() is -1 (failed handshake)');
    is($r->{stop_ssl}, 1, 'server trap: stop_SSL succeeds');
    is($r->{stop_ref}, 'IO::Socket::SSL', 'server trap: stop_SSL keeps the class');
    is($r->{stop_fileno}, 1, 'server trap: still open after stop_SSL');
    is($r->{print}, 1, 'server trap: plain print succeeds');
    is($r->{accept}, 0, 'server trap: accept() returns false');
    is($r->{accept_err}, $HTTP_ERR, 'server trap: $SSL_ERROR after accept()');
    is($r->{accept2}, 1, 'server trap: next accept succeeds');
    is($r->{line2}, "bye\n", 'server trap: next connection: data');
}

# ---- SSL_error_trap, client side ------------------------------------------------
{
    my ($pid, $port) = plain_server();
    my ($trapped, @args, @vars);
    $IO::Socket::SSL::SSL_ERROR = undef;
    # (no Timeout here and below where the socket is used afterwards: with a
    # Timeout, the reference leaves the socket non-blocking after a failed
    # handshake)
    my $c = IO::Socket::SSL->new(PeerAddr => "127.0.0.1:$port", @root,
        SSL_error_trap => sub {
            @args = @_;
            $trapped = $_[0];
            @vars = ($@, "$IO::Socket::SSL::SSL_ERROR", $_[0]->errstr, $_[0]->opened,
                fileno($_[0]));
        });
    ok(!$c, 'client trap: new() fails');
    is($IO::Socket::SSL::SSL_ERROR, $WRONG_VERSION, 'client trap: $SSL_ERROR after new()');
    is($@, $WRONG_VERSION, 'client trap: $@ after new()');
    is(scalar(@args), 2, 'client trap: called with two arguments');
    is(ref($args[0]), 'IO::Socket::SSL', 'client trap: the IO::Socket::SSL socket');
    is($args[1], "$WRONG_VERSION\n", 'client trap: error text');
    is($vars[0], $WRONG_VERSION, 'client trap: $@ in the trap');
    is($vars[1], $WRONG_VERSION, 'client trap: $SSL_ERROR in the trap');
    is($vars[2], $WRONG_VERSION, 'client trap: errstr in the trap');
    is($vars[3], -1, 'client trap: opened() is -1 in the trap');
    ok(defined $vars[4], 'client trap: socket open in the trap');
    ok($trapped && defined fileno($trapped), 'client trap: the kept socket is still open after new()');
    if ($trapped) {
        ok($trapped->stop_SSL, 'client trap: stop_SSL');
        is(ref($trapped), 'IO::Socket::SSL', 'client trap: class kept after stop_SSL');
        is(read_line($trapped), "plain text from the server\n",
            'client trap: plain text read after the failed handshake');
        ok((print $trapped "plain from the client\n"), 'client trap: plain print');
        is(read_line($trapped), "bye\n", 'client trap: plain text read again');
        close $trapped;
        undef $trapped;
    }
    my ($status, $r) = wait_child($pid);
    is($status, 0, 'client trap: server child ok');
    is($r->{line}, "plain from the client\n", 'client trap: server got the plain line');
}

# a trap on a verification failure: gets the socket and the verify error
{
    my $l = ssl_listener(@server_cert);
    my ($pid, $port) = fork_server($l, sub {
        my $l = shift;
        my $c = $l->accept;
        report(accept_err => $c ? undef : "$IO::Socket::SSL::SSL_ERROR");
    });
    my @args;
    my $c = IO::Socket::SSL->new(PeerHost => 'localhost', PeerPort => $port, Timeout => 10,
        SSL_ca_file => chain('other-root-ca.pem'),
        SSL_error_trap => sub { @args = (ref($_[0]), $_[1], defined(fileno($_[0])) ? 1 : 0) });
    ok(!$c, 'client trap, unknown CA: new() fails');
    is_deeply(\@args, ['IO::Socket::SSL', "$VERIFY_FAILED\n", 1],
        'client trap, unknown CA: trap gets the open socket and the error');
    is($IO::Socket::SSL::SSL_ERROR, $VERIFY_FAILED, 'client trap, unknown CA: $SSL_ERROR');
    my ($status, $r) = wait_child($pid);
    is($r->{accept_err},
        'SSL accept attempt failed error:0A000418:SSL routines::tlsv1 alert unknown ca',
        'client trap, unknown CA: server got the alert');
}

# ---- no trap: new() closes the socket (with or without SSL_keepSocketOnError) ---
for my $keep (0, 1) {
    my $what = $keep ? 'new() with SSL_keepSocketOnError' : 'new()';
    my ($pid, $port) = plain_server();
    my $fds = count_fds();
    $IO::Socket::SSL::SSL_ERROR = undef;
    my $c = IO::Socket::SSL->new(PeerAddr => "127.0.0.1:$port", @root, Timeout => 10,
        $keep ? (SSL_keepSocketOnError => 1) : ());
    ok(!$c, "$what: fails");
    is($IO::Socket::SSL::SSL_ERROR, $WRONG_VERSION, "$what: \$SSL_ERROR");
    is(count_fds(), $fds, "$what: no file descriptor left open");
    my ($status, $r) = wait_child($pid);
    is($r->{client_hello}, 1, "$what: the server got the ClientHello");
    is($r->{line}, undef, "$what: the server sees the connection closed");
}

# ---- start_SSL on a plain socket: downgraded and kept ---------------------------
for my $keep (0, 1) {
    my $what = $keep ? 'start_SSL with SSL_keepSocketOnError' : 'start_SSL';
    my ($pid, $port) = plain_server();
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port") or die "connect: $!";
    my $res = IO::Socket::SSL->start_SSL($s, @root,
        $keep ? (SSL_keepSocketOnError => 1) : ());
    ok(!$res, "$what: fails");
    is($IO::Socket::SSL::SSL_ERROR, $WRONG_VERSION, "$what: \$SSL_ERROR");
    is(ref($s), 'IO::Socket::INET', "$what: socket blessed back into IO::Socket::INET");
    ok(defined fileno($s), "$what: socket still open");
    is(read_line($s), "plain text from the server\n", "$what: plain read");
    ok((print $s "plain from the client\n"), "$what: plain print");
    is(read_line($s), "bye\n", "$what: plain read again");
    close $s;
    my ($status, $r) = wait_child($pid);
    is($r->{line}, "plain from the client\n", "$what: the server got the plain line");
}

# ---- SSL_startHandshake => 0, then connect_SSL ----------------------------------
for my $keep (0, 1) {
    my $what = $keep ? 'connect_SSL with SSL_keepSocketOnError' : 'connect_SSL';
    my ($pid, $port) = plain_server();
    my $s = IO::Socket::SSL->new(PeerAddr => "127.0.0.1:$port", @root,
        SSL_startHandshake => 0, $keep ? (SSL_keepSocketOnError => 1) : ())
        or die "new: $IO::Socket::SSL::SSL_ERROR";
    my $res = $s->connect_SSL;
    ok(!$res, "$what: fails");
    is($IO::Socket::SSL::SSL_ERROR, $WRONG_VERSION, "$what: \$SSL_ERROR");
    is(ref($s), 'IO::Socket::SSL', "$what: still an IO::Socket::SSL object");
    if (!$keep) {
        ok(!defined fileno($s), "$what: socket closed");
        my ($status, $r) = wait_child($pid);
        is($r->{line}, undef, "$what: the server sees the connection closed");
        next;
    }
    ok(defined fileno($s), "$what: socket kept open");
    is($s->opened, 0, "$what: opened() is 0 (SSL stopped)");
    is(read_line($s), "plain text from the server\n", "$what: plain read");
    ok((print $s "plain from the client\n"), "$what: plain print");
    is(read_line($s), "bye\n", "$what: plain read again");
    close $s;
    my ($status, $r) = wait_child($pid);
    is($r->{line}, "plain from the client\n", "$what: the server got the plain line");
}

# ---- server side: start_SSL on an accepted plain socket ---------------------------
for my $keep (0, 1) {
    my $what = $keep ? 'server start_SSL with SSL_keepSocketOnError' : 'server start_SSL';
    my $l = tcp_listener();
    my ($pid, $port) = fork_server($l, sub {
        my $l = shift;
        my $c = $l->accept or die "accept: $!";
        my $r = IO::Socket::SSL->start_SSL($c, SSL_server => 1, @server_cert,
            $keep ? (SSL_keepSocketOnError => 1) : ());
        report(res => $r ? 1 : 0, err => "$IO::Socket::SSL::SSL_ERROR", ref => ref($c),
            open => defined(fileno($c)) ? 1 : 0);
        print $c $RESPONSE;
        close $c;
    });
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port") or die "connect: $!";
    print $s $REQUEST;
    is(slurp($s), $RESPONSE, "$what: the plain HTTP client gets the plain answer");
    close $s;
    my ($status, $r) = wait_child($pid);
    is_deeply([@$r{qw(res err ref open)}], [0, $HTTP_ERR, 'IO::Socket::INET', 1],
        "$what: fails, socket downgraded and open");
}

# ---- server side: SSL_startHandshake => 0, then accept_SSL ------------------------
for my $keep (0, 1) {
    my $what = $keep ? 'accept_SSL with SSL_keepSocketOnError' : 'accept_SSL';
    my $l = ssl_listener(@server_cert, SSL_startHandshake => 0,
        $keep ? (SSL_keepSocketOnError => 1) : ());
    my ($pid, $port) = fork_server($l, sub {
        my $l = shift;
        my $c = $l->accept or die "accept: $IO::Socket::SSL::SSL_ERROR";
        my $r = $c->accept_SSL;
        report(res => $r ? 1 : 0, err => "$IO::Socket::SSL::SSL_ERROR", ref => ref($c),
            open => defined(fileno($c)) ? 1 : 0);
        if (defined fileno($c)) {
            report(print => (print $c $RESPONSE) ? 1 : 0);
            close $c;
        }
    });
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port") or die "connect: $!";
    print $s $REQUEST;
    my $resp = slurp($s);
    close $s;
    my ($status, $r) = wait_child($pid);
    is($status, 0, "$what: child ok");
    is_deeply([@$r{qw(res err ref open)}], [0, $HTTP_ERR, 'IO::Socket::SSL', $keep],
        "$what: fails; socket " . ($keep ? 'kept open' : 'closed'));
    if ($keep) {
        is($r->{print}, 1, "$what: plain print on the kept socket");
        is($resp, $RESPONSE, "$what: the plain HTTP client gets the plain answer");
    } else {
        ok(!$resp, "$what: the client gets nothing");
    }
}

# ---- listener with SSL_keepSocketOnError: accept() fails, socket dropped ----------
{
    my $l = ssl_listener(@server_cert, SSL_keepSocketOnError => 1);
    my ($pid, $port) = fork_server($l, sub {
        my $l = shift;
        my $c = $l->accept;
        report(accept => $c ? 1 : 0, err => "$IO::Socket::SSL::SSL_ERROR");
    });
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port") or die "connect: $!";
    print $s $REQUEST;
    my $resp = slurp($s);
    close $s;
    my ($status, $r) = wait_child($pid);
    is($r->{accept}, 0, 'accept() with SSL_keepSocketOnError: fails');
    is($r->{err}, $HTTP_ERR, 'accept() with SSL_keepSocketOnError: $SSL_ERROR');
    ok(!$resp, 'accept() with SSL_keepSocketOnError: the client gets nothing');
}

done_testing;
