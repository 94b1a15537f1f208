#!/usr/bin/env python3
"""bench/worker.py - the "Python ssl" column of bench/bench.pl: the workloads of
bench/worker.pl on Python's standard library (ssl, socket, select) only.

    python3 bench/worker.py WORKLOAD certdir=DIR key=val...

prints one line "RESULT {json}".  The server is a forked child (os.fork),
except in "select", where this process is the server and the clients are the
C program (cclient=PATH, bench/limit.c "selectclient").  The client verifies
the chain (ca.crt) and the host name "localhost"; TLS 1.3 unless version=
says otherwise.  readline reads through sock.makefile('rb').readline(); print
writes each line with sock.sendall() (one SSL_write per line, as C and Perl).
"""
import json
import os
import select
import signal
import socket
import ssl
import subprocess
import sys
import time

WORKLOAD = sys.argv[1]
O = dict(a.split('=', 1) for a in sys.argv[2:])
CERTDIR = O.get('certdir', '.')
signal.alarm(int(O.get('timeout', 120)) + 5)
KIDS = []


def version():
    return ssl.TLSVersion.TLSv1_2 if O.get('version') == 'TLSv1_2' else ssl.TLSVersion.TLSv1_3


def server_ctx():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(CERTDIR + '/server.crt', CERTDIR + '/server.key')
    ctx.minimum_version = ctx.maximum_version = version()
    return ctx


def client_ctx():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)    # CERT_REQUIRED, check_hostname
    ctx.load_verify_locations(CERTDIR + '/ca.crt')
    ctx.minimum_version = ctx.maximum_version = version()
    return ctx


def listener():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('127.0.0.1', 0))
    s.listen(1024)
    return s


def tls_accept(ctx, lsock):
    c, _ = lsock.accept()
    try:
        return ctx.wrap_socket(c, server_side=True)
    except (ssl.SSLError, OSError):
        c.close()
        return None


def connect(ctx, port, session=None):
    s = socket.create_connection(('127.0.0.1', port))
    return ctx.wrap_socket(s, server_hostname='localhost', session=session)


def start_server(body):
    ctx = server_ctx()
    lsock = listener()
    port = lsock.getsockname()[1]
    pid = os.fork()
    if pid == 0:
        try:
            body(ctx, lsock)
        except Exception as e:    # noqa: BLE001 - report and leave
            sys.stderr.write('server: %r\n' % (e,))
        os._exit(0)
    KIDS.append(pid)
    lsock.close()
    return port


def stop_servers():
    for pid in KIDS:
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
    del KIDS[:]


def rss_kb():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    return None


def cpu():
    t = os.times()
    return t.user + t.system


def result(**r):
    r.update(impl_version='Python %s, %s' % (sys.version.split()[0], ssl.OPENSSL_VERSION),
             impl_path=ssl.__file__)
    sys.stdout.write('RESULT ' + json.dumps(r, sort_keys=True) + '\n')
    sys.stdout.flush()
    sys.exit(0)


def close(s):
    # send close_notify and close without waiting for the peer's, as one
    # SSL_shutdown() in C and IO::Socket::SSL's close do (a blocking unwrap()
    # would wait for the peer's close_notify)
    s.setblocking(False)
    try:
        s.unwrap()
    except (ssl.SSLError, OSError, ValueError):
        pass
    s.close()


def drain(s):
    try:
        while s.recv(1024):
            pass
    except (ssl.SSLError, OSError):
        pass


def w_latency():
    n = int(O.get('n', 20))

    def body(ctx, ls):
        while True:
            c = tls_accept(ctx, ls)
            if c:
                c.sendall(b'220 localhost ESMTP bench ready\r\n')
                drain(c)
                close(c)
    port = start_server(body)
    ctx = client_ctx()
    ms = []
    for _ in range(n):
        c = connect(ctx, port)
        t0 = time.time()
        f = c.makefile('rb')
        line = f.readline()
        ms.append((time.time() - t0) * 1000)
        if not line.startswith(b'220 '):
            raise SystemExit('no banner')
        f.close()
        close(c)
    stop_servers()
    ms.sort()
    result(value=ms[n // 2] if n % 2 else (ms[n // 2 - 1] + ms[n // 2]) / 2, unit='ms', n=n,
           min=ms[0], max=ms[-1], mean=sum(ms) / n)


def w_memory():
    conns = int(O.get('conns', 1000))
    rd, wr = os.pipe()

    def body(ctx, ls):
        keep = []
        r0 = None
        while len(keep) <= conns:
            c = tls_accept(ctx, ls)
            if c:
                c.sendall(b'x')
                keep.append(c)
                if len(keep) == 1:
                    r0 = rss_kb()
        os.write(wr, b'%d %d\n' % (r0, rss_kb()))
        while True:
            time.sleep(1)
    port = start_server(body)
    os.close(wr)
    ctx = client_ctx()
    keep = []
    c0 = None
    for i in range(conns + 1):
        c = connect(ctx, port)
        if c.recv(1) != b'x':
            raise SystemExit('sync read failed')
        keep.append(c)
        if i == 0:
            c0 = rss_kb()
    c1 = rss_kb()
    s0, s1 = (int(x) for x in os.read(rd, 100).split())
    stop_servers()
    result(value=(c1 - c0) / conns, unit='KiB/conn', client_kib=(c1 - c0) / conns,
           server_kib=(s1 - s0) / conns, conns=conns, client_rss_before=c0, client_rss_after=c1,
           server_rss_before=s0, server_rss_after=s1)


def w_handshake():
    secs = float(O.get('secs', 3))
    resume = int(O.get('resume', 0))

    def body(ctx, ls):
        while True:
            c = tls_accept(ctx, ls)
            if c:
                close(c)
    port = start_server(body)
    ctx = client_ctx()
    n = reused = 0
    sess = None
    t0 = time.time()
    while True:
        c = connect(ctx, port, sess)
        reused += c.session_reused
        drain(c)
        if resume:
            sess = c.session
        close(c)
        n += 1
        t = time.time()
        if t - t0 >= secs:
            break
    stop_servers()
    result(value=n / (t - t0), unit='handshakes/s', n=n, elapsed=t - t0, reused=reused,
           negotiated=O.get('version', 'TLSv1_3'), verify_enforced=1)


def w_bulk():
    mib = int(O.get('mib', 256))
    total = mib * 1024 * 1024
    chunk = 16384

    def body(ctx, ls):
        c = None
        while not c:
            c = tls_accept(ctx, ls)
        data = b'x' * chunk
        left = total
        while left > 0:
            left -= c.send(data if left >= chunk else data[:left])
        close(c)
    port = start_server(body)
    c = connect(client_ctx(), port)
    buf = bytearray(chunk)
    got = 0
    t0 = time.time()
    while got < total:
        n = c.recv_into(buf, chunk)
        if not n:
            raise SystemExit('EOF after %d bytes' % got)
        got += n
    el = time.time() - t0
    cipher = c.cipher()[0]
    close(c)
    stop_servers()
    result(value=mib / el, unit='MiB/s', bytes=got, elapsed=el, cipher=cipher)


LINE = b'a' * 58 + b'z\n'


def w_readline():
    lines = int(O.get('lines', 1000000))

    def body(ctx, ls):
        c = None
        while not c:
            c = tls_accept(ctx, ls)
        block = LINE * 273
        left = lines
        while left > 0:
            k = min(left, 273)
            c.sendall(block if k == 273 else LINE * k)
            left -= k
        close(c)
    port = start_server(body)
    s = connect(client_ctx(), port)
    f = s.makefile('rb')
    n = nbytes = 0
    t0 = time.time()
    c0 = cpu()
    readline = f.readline
    while True:
        line = readline()
        if not line:
            break
        n += 1
        nbytes += len(line)
    cp = cpu() - c0
    el = time.time() - t0
    f.close()
    close(s)
    stop_servers()
    if n != lines or nbytes != lines * 60:
        raise SystemExit('readline: %d lines / %d bytes' % (n, nbytes))
    result(value=n / el, unit='lines/s', lines=n, elapsed=el, cpu=cp, cpu_rate=n / cp if cp > 0 else None)


def w_print():
    lines = int(O.get('lines', 1000000))
    total = lines * 60

    def body(ctx, ls):
        c = None
        while not c:
            c = tls_accept(ctx, ls)
        got = 0
        while got < total:
            d = c.recv(65536)
            if not d:
                break
            got += len(d)
        c.sendall(b'GOT %d\n' % got)
        drain(c)
        close(c)
    port = start_server(body)
    s = connect(client_ctx(), port)
    t0 = time.time()
    c0 = cpu()
    sendall = s.sendall
    for _ in range(lines):
        sendall(LINE)
    cp = cpu() - c0
    ack = b''
    while b'\n' not in ack:
        d = s.recv(100)
        if not d:
            raise SystemExit('no ack')
        ack += d
    el = time.time() - t0
    close(s)
    stop_servers()
    if ack != b'GOT %d\n' % total:
        raise SystemExit('server got %r' % ack)
    result(value=lines / el, unit='lines/s', lines=lines, elapsed=el, cpu=cp,
           cpu_rate=lines / cp if cp > 0 else None, method='sendall per line')


def w_select():
    conns = int(O.get('conns', 16))
    ctx = server_ctx()
    ls = listener()
    port = ls.getsockname()[1]
    cl = subprocess.Popen([O['cclient'], 'selectclient', 'port=%d' % port, 'conns=%d' % conns,
                           'secs=%s' % O.get('secs', 3), 'tls=1', 'certdir=' + CERTDIR,
                           'timeout=%s' % O.get('timeout', 120)], stdout=subprocess.PIPE)
    socks = {}
    seen = 0
    c0 = cpu()
    while seen < conns or socks:
        rl = list(socks.values())
        if seen < conns:
            rl.append(ls)
        ready, _, _ = select.select(rl, [], [])
        for s in ready:
            if s is ls:
                c = tls_accept(ctx, ls)
                if c:
                    socks[c.fileno()] = c
                    seen += 1
                continue
            try:
                data = s.recv(4096)
                while s.pending():
                    data += s.recv(4096)
            except (ssl.SSLError, OSError):
                data = b''
            if not data:
                del socks[s.fileno()]
                close(s)
                continue
            s.sendall(data)
    cp = cpu() - c0
    out = cl.communicate()[0].decode()
    r = json.loads(out.split('RESULT ', 1)[1])
    result(value=r['value'], unit='round trips/s', round_trips=r['round_trips'], elapsed=r['elapsed'],
           conns=conns, server_cpu=cp, cpu_rate=r['round_trips'] / cp if cp > 0 else None)


W = dict(latency=w_latency, memory=w_memory, handshake=w_handshake, bulk=w_bulk,
         readline=w_readline, print=w_print, select=w_select)
if WORKLOAD not in W:
    raise SystemExit('unknown workload %r (known: %s)' % (WORKLOAD, ' '.join(sorted(W))))
W[WORKLOAD]()
