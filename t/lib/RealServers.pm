package RealServers;
# Debian's servers (nginx, slapd, pure-ftpd), started by a test as the test user
# with a throwaway configuration in a temporary directory, listening on free
# loopback ports, and stopped when the test ends (TestLib's run_bg/stop_bg).
# Each start_* returns a hash with the ports and the background handle, or
# dies with the server's own output when it does not come up. Readiness is
# "the port accepts connections", never a sleep.
use strict;
use warnings;
use Exporter 'import';
use File::Temp ();
use TestLib;

our @EXPORT = qw(find_program start_nginx start_slapd start_pureftpd);

# Absolute path of a server program (sbin directories included), or undef.
sub find_program {
    my $name = shift;
    for my $d ((split /:/, $ENV{PATH} || ''), qw(/usr/sbin /usr/bin /sbin /usr/local/sbin)) {
        return "$d/$name" if -x "$d/$name";
    }
    return;
}

sub _write {
    my ($file, $text) = @_;
    open(my $fh, '>', $file) or die "$file: $!";
    print $fh $text;
    close $fh or die "$file: $!";
}

sub _up {
    my ($h, $what, @ports) = @_;
    for my $p (@ports) {
        next if wait_port($p, 20);
        my $out = stop_bg($h);
        die "$what did not come up on 127.0.0.1:$p:\n$out\n";
    }
}

# nginx serving static files over TLS, one server block per site:
#   start_nginx(good => { cert => ..., key => ... }, other => {...})
# -> { dir, h, port => { good => N, other => M } }. Each site's root holds
# index.html with "site NAME\n".
sub start_nginx {
    my %sites = @_;
    my $nginx = find_program('nginx') or die "nginx is not installed\n";
    my $dir = File::Temp::tempdir(CLEANUP => 1);
    my (%port, $servers);
    for my $name (sort keys %sites) {
        my $s = $sites{$name};
        $port{$name} = free_port();
        mkdir "$dir/$name" or die $!;
        _write("$dir/$name/index.html", "site $name\n");
        $servers .= <<"CONF";
    server {
        listen 127.0.0.1:$port{$name} ssl;
        server_name localhost;
        ssl_certificate     $s->{cert};
        ssl_certificate_key $s->{key};
        root $dir/$name;
    }
CONF
    }
    mkdir "$dir/tmp";
    _write("$dir/nginx.conf", <<"CONF");
daemon off;
master_process off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    default_type text/plain;
$servers}
CONF
    my $h = run_bg([$nginx, '-p', "$dir/", '-c', "$dir/nginx.conf", '-e', "$dir/error.log"]);
    _up($h, 'nginx', values %port);
    return { dir => $dir, h => $h, port => \%port };
}

# slapd (OpenLDAP, Debian's) with an empty mdb database for dc=example,dc=org
# (rootdn cn=admin,dc=example,dc=org, password "secret"), the test PKI for
# TLS, and both ldap:// (for StartTLS) and ldaps:// listeners.
# -> { dir, h, ldap => port, ldaps => port, base, rootdn, rootpw }
sub start_slapd {
    my %o = @_;
    my $slapd = find_program('slapd') or die "slapd is not installed\n";
    my $dir = File::Temp::tempdir(CLEANUP => 1);
    mkdir "$dir/db" or die $!;
    my ($schema) = grep { -f "$_/core.schema" } qw(/etc/ldap/schema /etc/openldap/schema);
    die "no OpenLDAP core.schema found\n" if !$schema;
    my ($moddir) = grep { -e "$_/back_mdb.la" || -e "$_/back_mdb.so" } qw(/usr/lib/ldap /usr/lib/openldap /usr/lib64/openldap);
    my $cert = $o{cert} || TestLib::cert('server-chain.pem');
    my $key  = $o{key}  || TestLib::cert('server-key.pem');
    my $ca   = TestLib::cert('test-ca.pem');
    _write("$dir/slapd.conf", <<"CONF");
include $schema/core.schema
include $schema/cosine.schema
include $schema/inetorgperson.schema
pidfile $dir/slapd.pid
argsfile $dir/slapd.args
@{[ $moddir ? "modulepath $moddir\nmoduleload back_mdb" : '' ]}
TLSCACertificateFile $ca
TLSCertificateFile $cert
TLSCertificateKeyFile $key
database mdb
maxsize 10485760
suffix "dc=example,dc=org"
rootdn "cn=admin,dc=example,dc=org"
rootpw secret
directory $dir/db
CONF
    my ($p1, $p2) = (free_port(), free_port());
    $p2 = free_port() while $p2 == $p1;
    # -d 0: stay in the foreground (no fork), log nothing
    my $h = run_bg([$slapd, '-d', '0', '-f', "$dir/slapd.conf",
        '-h', "ldap://127.0.0.1:$p1/ ldaps://127.0.0.1:$p2/"]);
    _up($h, 'slapd', $p1, $p2);
    return { dir => $dir, h => $h, ldap => $p1, ldaps => $p2,
        base => 'dc=example,dc=org', rootdn => 'cn=admin,dc=example,dc=org', rootpw => 'secret' };
}

# pure-ftpd (Debian's). It implements CCC (clear command channel), which
# vsftpd does not (and Debian's two packages conflict: one FTP server per
# machine). One virtual user "tuser" (password "secret", files owned by
# "daemon") in a throwaway PureDB made with pure-pw mkdb, everyone chrooted, the
# test certificate; tls => 1 (default): TLS optional, 2: required on the
# control channel, 3: on the data channels too. It must be started as root.
# -> { dir, h, port, root, user, pass }
sub start_pureftpd {
    my %o = @_;
    my $ftpd = find_program('pure-ftpd') or die "pure-ftpd is not installed\n";
    my $pw   = find_program('pure-pw')   or die "pure-pw is not installed\n";
    die "pure-ftpd needs root to start\n" if $> != 0;
    my $dir = File::Temp::tempdir(CLEANUP => 1);
    chmod 0755, $dir;
    mkdir "$dir/root", 0777 or die $!;
    chmod 0777, "$dir/root";
    my $files = $o{files} || {};
    for my $f (keys %$files) {
        _write("$dir/root/$f", $files->{$f});
        chmod 0644, "$dir/root/$f";
    }
    my $uid = getpwnam('daemon') // die "no user daemon\n";
    my $gid = (getpwnam('daemon'))[3];
    # the user line is written here: pure-pw useradd would hash with argon2id
    # at a cost of seconds per login; a SHA-512 crypt hash with few rounds is
    # checked by pure-ftpd all the same
    my $hash = crypt('secret', '$6$rounds=1000$isstestsalt$');
    die "crypt() has no SHA-512\n" if !$hash || $hash !~ /^\$6\$/;
    _write("$dir/passwd", "tuser:${hash}:${uid}:${gid}::${dir}/root/./::::::::::::\n");
    system($pw, 'mkdb', "$dir/passwd.pdb", '-f', "$dir/passwd") == 0
        or die "pure-pw mkdb failed ($?)\n";
    my $port = free_port();
    my $h = run_bg([$ftpd, '-S', "127.0.0.1,$port", '-l', "puredb:$dir/passwd.pdb",
        '-Y', $o{tls} // 1, '-2', TestLib::cert('server-chain.pem') . ',' . TestLib::cert('server-key.pem'),
        '-E', '-H', '-A', '-P', '127.0.0.1']);
    _up($h, 'pure-ftpd', $port);
    return { dir => $dir, h => $h, port => $port, root => "$dir/root",
        user => 'tuser', pass => 'secret' };
}

1;
