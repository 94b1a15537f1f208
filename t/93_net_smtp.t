#!perl
# Net::SMTP on this build: a whole mail sent over STARTTLS and over SMTPS
# (SSL => 1) to our own SMTP server (IO::Socket::SSL in a child: start_SSL
# after "220 ready", or TLS from the start), and Net::SMTP's own TLS checks:
# the host name it verifies (scheme smtp), an untrusted server, a second
# starttls refused, can_ssl. Run twice by Consumer (see t/lib/Consumer.pm).
use strict;
use warnings;
use lib 't/lib';
use Consumer;
use TestLib;
use Test::More;

watchdog(60);
need_module(qw(Net::SMTP IO::Socket::SSL));

my $ca = cert('test-ca.pem');

# A small ESMTP server for one session. implicit => 1: TLS from the first
# byte (SMTPS). Reports the envelope, the message and the TLS facts.
sub smtp_server {
    my (%o) = @_;
    my %tls = (SSL_server => 1,
        SSL_cert_file => $o{cert} || cert('server-chain.pem'),
        SSL_key_file  => $o{key}  || cert('server-key.pem'));
    my $l = $o{implicit} ? ssl_listener(%tls, Timeout => 10) : tcp_listener();
    return fork_server($l, sub {
        my $l = shift;
        # (a refused handshake is the client's test: report, do not die)
        my $c = $l->accept or return report(accept_error => "$IO::Socket::SSL::SSL_ERROR");
        my $say = sub { print $c "$_\r\n" for @_ };
        $say->('220 localhost ESMTP test');
        my $tls = $o{implicit};
        report(tls_at_start => $tls ? 1 : 0);
        while (defined(my $line = <$c>)) {
            $line =~ s/\r?\n\z//;
            if ($line =~ /^EHLO (\S+)/i) {
                $say->('250-localhost hello ' . $1, ($tls ? () : '250-STARTTLS'), '250 8BITMIME');
            } elsif ($line =~ /^STARTTLS/i) {
                $say->('220 ready for TLS');
                IO::Socket::SSL->start_SSL($c, %tls)
                    or return report(starttls_error => "$IO::Socket::SSL::SSL_ERROR");
                $tls = 1;
                report(upgraded => ref $c, sni => $c->get_servername);
            } elsif ($line =~ /^MAIL FROM:\s*<(.*)>/i) {
                report(from => $1, from_tls => $tls); $say->('250 ok');
            } elsif ($line =~ /^RCPT TO:\s*<(.*)>/i) {
                report(to => $1); $say->('250 ok');
            } elsif ($line =~ /^DATA/i) {
                $say->('354 go ahead');
                my $msg = '';
                while (defined(my $d = <$c>)) { last if $d =~ /^\.\r?\n\z/; $msg .= $d }
                report(msg => $msg, version => $c->get_sslversion);
                $say->('250 queued');
            } elsif ($line =~ /^QUIT/i) {
                $say->('221 bye');
                last;
            } elsif ($line =~ /^NOOP/i) {
                $say->('250 ok');
            } else {
                $say->('502 unknown');
            }
        }
        $c->close;
    });
}

sub send_mail {
    my ($smtp, $n) = @_;
    return $smtp->mail('sender@example.org') && $smtp->to('rcpt@example.org')
        && $smtp->data && $smtp->datasend("Subject: test $n\r\n\r\nbody $n\r\n")
        && $smtp->dataend;
}

is(Net::SMTP->can_ssl, 'IO::Socket::SSL', 'Net::SMTP->can_ssl names IO::Socket::SSL');

# ---- STARTTLS ----
{
    my ($pid, $port) = smtp_server();
    my $smtp = Net::SMTP->new('localhost', Port => $port, Hello => 'client.test', Timeout => 10,
        SSL_ca_file => $ca);
    ok($smtp, 'connected (plain)') or diag($@);
    ok(defined $smtp->supports('STARTTLS'), 'server offers STARTTLS');
    ok($smtp->starttls, 'starttls') or diag("starttls: $@");
    ok($smtp->isa('IO::Socket::SSL'), 'the Net::SMTP object is now an IO::Socket::SSL (' . ref($smtp) . ')');
    ok(!defined $smtp->supports('STARTTLS'), 'EHLO again after TLS: no STARTTLS offered');
    ok(!eval { $smtp->starttls; 1 } && $@ =~ /already in SSL mode/, 'a second starttls is refused by Net::SMTP');
    ok(send_mail($smtp, 1), 'mail sent over STARTTLS');
    check_raw_handle($smtp, 'Net::SMTP after starttls');
    ok($smtp->quit, 'quit');
    my ($st, $r) = wait_child($pid);
    is($st, 0, 'server ok') or diag($r->{__died__});
    is($r->{tls_at_start}, 0, 'plain at first');
    is($r->{upgraded}, 'IO::Socket::SSL', 'server upgraded with start_SSL');
    is($r->{sni}, 'localhost', 'Net::SMTP sent SNI');
    is($r->{from_tls}, 1, 'envelope sent over TLS');
    is($r->{msg}, "Subject: test 1\r\n\r\nbody 1\r\n", 'message received');
    is($r->{version}, 'TLSv1_3', 'TLS 1.3');
}

# ---- SMTPS (SSL => 1) ----
{
    my ($pid, $port) = smtp_server(implicit => 1);
    my $smtp = Net::SMTP->new('localhost', Port => $port, SSL => 1, Hello => 'client.test',
        Timeout => 10, SSL_ca_file => $ca);
    ok($smtp, 'SMTPS connected') or diag($@);
    ok($smtp && $smtp->isa('IO::Socket::SSL'), 'SMTPS object is an IO::Socket::SSL');
    ok($smtp && send_mail($smtp, 2), 'mail sent over SMTPS');
    $smtp->quit if $smtp;
    my ($st, $r) = wait_child($pid);
    is($st, 0, 'server ok') or diag($r->{__died__});
    is($r->{tls_at_start}, 1, 'TLS from the start');
    is($r->{msg}, "Subject: test 2\r\n\r\nbody 2\r\n", 'message received');
}

# ---- Net::SMTP's verification: host name (scheme smtp) and CA ----
{
    my ($pid, $port) = smtp_server(implicit => 1,
        cert => cert('wronghost-cert.pem'), key => cert('wronghost-key.pem'));
    my $smtp = Net::SMTP->new('localhost', Port => $port, SSL => 1, Timeout => 10,
        SSL_ca_file => $ca);
    ok(!$smtp, 'SMTPS to a server certified for another name fails');
    like($@, qr/hostname verification failed|certificate verify failed/, "error: $@");
    wait_child($pid);
}
{
    my ($pid, $port) = smtp_server();
    my $smtp = Net::SMTP->new('localhost', Port => $port, Timeout => 10,
        SSL_ca_file => cert('other-ca.pem'));
    ok($smtp, 'plain connection');
    ok(!$smtp->starttls, 'starttls against a server from an untrusted CA fails');
    like($@, qr/certificate verify failed/, "error: $@");
    kill_child($pid);
}
{
    # the name Net::SMTP checks is the host it was given: 127.0.0.1 is in
    # the certificate's IP SANs, and SSL_verifycn_name overrides it
    my ($pid, $port) = smtp_server(implicit => 1);
    my $smtp = Net::SMTP->new('127.0.0.1', Port => $port, SSL => 1, Timeout => 10,
        SSL_ca_file => $ca);
    ok($smtp, 'SMTPS to 127.0.0.1 verifies against the IP SAN') or diag($@);
    $smtp->quit if $smtp;
    wait_child($pid);
    ($pid, $port) = smtp_server(implicit => 1);
    $smtp = Net::SMTP->new('127.0.0.1', Port => $port, SSL => 1, Timeout => 10,
        SSL_ca_file => $ca, SSL_verifycn_name => 'mail.example.org');
    ok(!$smtp, 'SSL_verifycn_name passed through Net::SMTP is checked');
    wait_child($pid);
}

check_build('Net::SMTP');
done_testing;
