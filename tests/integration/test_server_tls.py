"""charlad's TLS (--tls-cert, --tls-key): the line protocol (--tls-listen), IRC
(--irc-tls-listen) and the web face (--https-listen: the page and WSS) over TLS; what a client
sees (protocol versions, ciphers, ALPN, its certificate's fingerprint in WHOIS), what is refused
(TLS 1.1, weak ciphers, garbage, a half ClientHello past the handshake timeout, a plain client
on a TLS port and a TLS client on a plain one), a SIGHUP that loads a new certificate for new
clients while old ones chat on, and the configuration's refusals. Certificates are made here
with `openssl` in a temporary directory; real processes on loopback, ephemeral ports.

Run: python3 test_server_tls.py /path/to/charlad
"""

import hashlib
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import ClientEOF, TIMEOUT, rx  # noqa: E402
from irc_helpers import IrcCase, IrcClient  # noqa: E402
from test_server_metrics import get as http_get  # noqa: E402
from ws_client import WebSocket  # noqa: E402

OPENSSL = shutil.which("openssl")
SSLSCAN = shutil.which("sslscan")


def make_pair(directory, name, cn="localhost", san="DNS:localhost,IP:127.0.0.1"):
    """A self-signed P-256 certificate and its key (0600), as the README shows."""
    cert = os.path.join(directory, name + ".pem")
    key = os.path.join(directory, name + ".key")
    subprocess.run([OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=" + cn, "-addext", "subjectAltName=" + san],
                   check=True, capture_output=True)
    os.chmod(key, 0o600)
    return cert, key


def fingerprint(cert_path):
    with open(cert_path) as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    return hashlib.sha256(der).hexdigest()


def client_ctx(ca=None, cert=None, key=None, alpn=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if ca:
        ctx.load_verify_locations(ca)
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if cert:
        ctx.load_cert_chain(cert, key)
    if alpn:
        ctx.set_alpn_protocols(alpn)
    return ctx


def tls_ports(srv):
    """{face: port} of the TLS listeners: each "TLS on A" line follows the face's own
    "listening on A (face)" line."""
    faces, ports = {}, {}
    for line in srv.log:
        m = re.search(r"listening on (127\.0\.0\.1:\d+) \(([^)]+)\)", line)
        if m:
            faces[m.group(1)] = m.group(2)
        m = re.search(r"TLS on (127\.0\.0\.1):(\d+)", line)
        if m:
            ports[faces["%s:%s" % (m.group(1), m.group(2))]] = int(m.group(2))
    return ports


def read_all(sock):
    """Every byte until the peer closes."""
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


def wrap(client, ctx, host="localhost"):
    """Turns a harness client's connected socket into a TLS one (the handshake runs here)."""
    # A FIN without close_notify first is an error here, not an end (suppress_ragged_eofs).
    client.sock = ctx.wrap_socket(client.sock, server_hostname=host, suppress_ragged_eofs=False)
    client.sock.settimeout(client.timeout)
    return client


class Tls(IrcCase):
    @classmethod
    def setUpClass(cls):
        if not OPENSSL:
            raise AssertionError("openssl is needed (scripts/deps)")
        cls.dir = harness.temp_dir("charla-tls-")
        cls.cert, cls.key = make_pair(cls.dir, "server")
        cls.ccert, cls.ckey = make_pair(cls.dir, "client", cn="ana", san="DNS:ana")

    def tls_server(self, *flags):
        srv = self.irc_server("--tls-cert", self.cert, "--tls-key", self.key,
                              "--tls-listen", "127.0.0.1:0", "--irc-tls-listen", "127.0.0.1:0",
                              "--http-listen", "127.0.0.1:0", "--https-listen", "127.0.0.1:0",
                              "-v", *flags)
        srv.tls = tls_ports(srv)
        assert set(srv.tls) == {"tcp line", "irc", "http"}, srv.log_text()
        return srv

    def line_tls(self, srv, name=None, ctx=None, **kw):
        c = wrap(harness.Client(srv.tls["tcp line"], **kw), ctx or client_ctx(self.cert))
        srv.clients.append(c)
        if name:
            c.register(name)
        return c

    def irc_tls(self, srv, nick, ctx=None):
        c = wrap(IrcClient(srv.tls["irc"], label=nick), ctx or client_ctx(self.cert))
        srv.clients.append(c)
        c.register(nick)
        return c

    # ---- handshakes and chat ----

    def test_line_tls_chats_with_plain(self):
        srv = self.tls_server()
        ana = self.line_tls(srv, "ana")
        self.assertEqual(ana.sock.version(), "TLSv1.3")
        bob = srv.client("bob")
        ana.wait_for("[#lobby] -- bob joined")
        bob.send("hola ana")
        ana.wait_for("[#lobby] bob: hola ana")
        ana.send("hola bob")
        bob.wait_for("[#lobby] ana: hola bob")
        # A graceful close ends with close_notify before the FIN: wrap() makes a bare FIN an
        # SSLEOFError ("EOF occurred in violation of protocol").
        ana.send("/quit")
        self.assertEqual(ana.expect_eof()[-1], "* Bye.")
        self.assertFalse(ana.was_reset)

    def test_tls12_and_big_output(self):
        """TLS 1.2 with an AEAD suite; a burst larger than one record and than what is sealed
        ahead of the socket arrives whole and in order."""
        srv = self.tls_server()
        ctx = client_ctx(self.cert)
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ana = self.line_tls(srv, "ana", ctx=ctx)
        self.assertEqual(ana.sock.version(), "TLSv1.2")
        self.assertRegex(ana.sock.cipher()[0], r"^ECDHE-(ECDSA|RSA)-(AES\d+-GCM|CHACHA20)")
        bob = srv.client("bob")
        ana.wait_for("[#lobby] -- bob joined")
        for i in range(400):
            bob.send("line %d %s" % (i, "x" * 300))
        for i in range(400):
            ana.expect("[#lobby] bob: line %d %s" % (i, "x" * 300))

    def test_slow_tls_reader_is_cut_by_the_output_limits(self):
        """The limits judge a TLS client by its plaintext queue: one that never reads is cut
        (its ciphertext ahead of the socket is bounded), and the others lose nothing."""
        srv = self.tls_server("--outq-hard", "128K", "--outq-soft", "0")
        slow = self.line_tls(srv, "slow", rcvbuf=4096)
        talker = srv.client("talker")
        reader = self.line_tls(srv, "reader")
        slow.sync()                                   # it reads nothing from here on
        text = "y" * 400
        n, cut = 0, False
        while not cut:
            self.assertLess(n, 20000, "slow was never disconnected")
            talker.send_raw("".join("%d %s\n" % (n + i, text) for i in range(64)).encode())
            for i in range(64):
                line = reader.readline()
                if line.startswith("-- slow quit"):
                    cut = True
                    line = reader.readline()
                self.assertEqual(line, "[#lobby] talker: %d %s" % (n + i, text))
            n += 64
        srv.wait_log("(slow): disconnecting a slow reader")

    def test_irc_tls_whois_secure_and_certfp(self):
        srv = self.tls_server()
        ana = self.irc_tls(srv, "ana", client_ctx(self.cert, self.ccert, self.ckey))
        ana.send("WHOIS ana")
        ana.wait_for("671")
        fp = ana.wait_for("276")
        self.assertEqual(fp.last, "has client certificate fingerprint " + fingerprint(self.ccert))
        ana.wait_for("318")
        ana.send("MODE ana")
        self.assertEqual(ana.wait_for("221").last, "+Z")
        # A TLS client without a certificate: secure, no fingerprint; a plain one: neither.
        bob = self.irc_tls(srv, "bob")
        bob.send("WHOIS bob")
        bob.wait_for("318")
        got = [m.command for m in bob.skipped]
        self.assertIn("671", got)
        self.assertNotIn("276", got)
        cid = self.irc(srv, "cid")
        cid.send("WHOIS ana")
        lines = [m.command for m in [cid.readline() for _ in range(3)]]
        rest = cid.sync()
        cmds = lines + [m.command for m in rest]
        self.assertIn("671", cmds)            # ana is on TLS
        self.assertNotIn("276", cmds)         # ...but her fingerprint is hers to see
        cid.send("WHOIS cid")
        cmds = [m.command for m in cid.sync()]
        self.assertNotIn("671", cmds)
        cid.send("MODE cid")
        self.assertEqual(cid.wait_for("221").last, "+")
        # TLS and plain IRC clients chat.
        ana.send("JOIN #t")
        cid.send("JOIN #t")
        ana.wait_for("JOIN", lambda m: m.source.startswith("cid!"))
        cid.send("PRIVMSG #t :hola")
        ana.wait_for("PRIVMSG", lambda m: m.last == "hola")

    def test_sasl_external_with_a_client_certificate(self):
        """NickServ CERT ADD attaches the connection's fingerprint to the account; a later
        connection with that certificate logs in with SASL EXTERNAL and no password, one with
        another certificate (or none) is refused."""
        import base64
        srv = self.tls_server()
        with_cert = client_ctx(self.cert, self.ccert, self.ckey)
        ana = self.irc_tls(srv, "ana", with_cert)
        ana.send("PRIVMSG NickServ :REGISTER clave-larga-9931")
        ana.wait_for("900")
        ana.send("PRIVMSG NickServ :CERT ADD")
        ana.wait_for("NOTICE", lambda m: m.nick == "NickServ" and "certificates" in m.last)
        ana.send("PRIVMSG NickServ :CERT LIST")
        ana.wait_for("NOTICE", lambda m: m.nick == "NickServ" and fingerprint(self.ccert) in m.last)
        ana.send("QUIT")
        ana.expect_eof()

        seq = iter(range(100))

        def external(ctx, account=""):
            c = wrap(IrcClient(srv.tls["irc"], label="ext"), ctx)
            srv.clients.append(c)
            c.send("CAP REQ :sasl")
            c.expect("CAP", lambda m: m.params[1] == "ACK")
            c.send("NICK other%d" % next(seq))
            c.send("USER u 0 * :U")
            c.send("AUTHENTICATE EXTERNAL")
            c.expect("AUTHENTICATE", params=["+"])
            c.send("AUTHENTICATE " + (base64.b64encode(account.encode()).decode() if account else "+"))
            return c

        c = external(with_cert)
        c.expect("900", lambda m: m.params[2] == "ana")
        c.expect("903")
        c.send("CAP END")
        c.expect("001")
        c.send("WHOIS other0")
        c.wait_for("330", lambda m: m.params[2] == "ana")
        # Naming the account explicitly works too; naming another is refused.
        external(with_cert, "ana").wait_for("903")
        external(with_cert, "bob").wait_for("904")
        # Another certificate, or none, is not the account's.
        other_cert, other_key = make_pair(self.dir, "other", cn="eve", san="DNS:eve")
        external(client_ctx(self.cert, other_cert, other_key)).wait_for("904")
        external(client_ctx(self.cert)).wait_for("904")

    def test_https_page_alpn_and_wss(self):
        srv = self.tls_server()
        ctx = client_ctx(self.cert, alpn=["h2", "http/1.1"])
        with socket.create_connection(("127.0.0.1", srv.tls["http"]), timeout=TIMEOUT) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                self.assertEqual(s.selected_alpn_protocol(), "http/1.1")
                s.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                data = read_all(s)
        self.assertTrue(data.startswith(b"HTTP/1.1 200"), data[:200])
        # No ALPN at all is fine too, and IRC over WSS is IRC.
        raw = socket.create_connection(("127.0.0.1", srv.tls["http"]), timeout=TIMEOUT)
        sock = client_ctx(self.cert).wrap_socket(raw, server_hostname="localhost")
        self.assertIsNone(sock.selected_alpn_protocol())
        ws = WebSocket(sock, timeout=TIMEOUT)
        netloc = "localhost:%d" % srv.tls["http"]
        ws._handshake("localhost", srv.tls["http"], netloc, "/ws", ["text.ircv3.net"],
                      "https://" + netloc, {}, time.monotonic() + TIMEOUT, 101)
        ws.send_text("NICK wss")
        ws.send_text("USER wss 0 * :W")
        while True:
            line = ws.recv_text()
            if " 001 " in line:
                break
        ws.send_text("WHOIS wss")
        while True:
            line = ws.recv_text()
            self.assertNotIn(" 318 ", line, "no 671 for a WSS client")
            if " 671 " in line:
                break
        ws.close()
        sock.close()

    def test_irc_tls_line_irc_no_alpn(self):
        """IRC and the line protocol take no ALPN id: one offered is not acknowledged."""
        srv = self.tls_server()
        for face in ("irc", "tcp line"):
            raw = socket.create_connection(("127.0.0.1", srv.tls[face]), timeout=TIMEOUT)
            with client_ctx(self.cert, alpn=["http/1.1"]).wrap_socket(
                    raw, server_hostname="localhost") as s:
                self.assertIsNone(s.selected_alpn_protocol())

    # ---- openssl s_client and sslscan ----

    def s_client(self, port, *args, stdin=b""):
        return subprocess.run([OPENSSL, "s_client", "-connect", "127.0.0.1:%d" % port,
                               "-servername", "localhost", "-CAfile", self.cert] + list(args),
                              input=stdin, capture_output=True, timeout=TIMEOUT)

    def test_s_client_and_refusals(self):
        srv = self.tls_server()
        port = srv.tls["tcp line"]
        ok = self.s_client(port, "-verify_return_error", "-quiet", stdin=b"sam\n/quit\n")
        out = ok.stdout.decode()
        self.assertIn("What is your name?", out)
        self.assertIn("Welcome, sam!", out)
        old = self.s_client(port, "-tls1_1")
        self.assertNotEqual(old.returncode, 0)
        self.assertRegex(old.stdout.decode() + old.stderr.decode(),
                         r"alert protocol version|unsupported protocol|no protocols available")
        weak = self.s_client(port, "-tls1_2", "-cipher", "AES128-SHA")
        self.assertNotEqual(weak.returncode, 0)
        self.assertRegex(weak.stdout.decode() + weak.stderr.decode(), r"handshake failure")
        srv.wait_log("TLS handshake failed: unsupported protocol")
        srv.wait_log("TLS handshake failed: no shared cipher")
        # The server is fine.
        self.line_tls(srv, "ana")

    def test_sslscan_no_old_protocol_no_weak_cipher(self):
        if not SSLSCAN:
            raise AssertionError("sslscan is needed (scripts/deps)")
        srv = self.tls_server()
        for face in ("tcp line", "irc", "http"):
            p = subprocess.run([SSLSCAN, "--xml=-", "--no-colour",
                                "127.0.0.1:%d" % srv.tls[face]],
                               capture_output=True, timeout=120)
            xml = p.stdout.decode()
            root = ET.fromstring(xml[xml.index("<?xml"):])
            enabled = {(pr.get("type"), pr.get("version")) for pr in root.iter("protocol")
                       if pr.get("enabled") == "1"}
            self.assertEqual(enabled, {("tls", "1.2"), ("tls", "1.3")}, face)
            ciphers = [(c.get("sslversion"), c.get("cipher"), int(c.get("bits")))
                       for c in root.iter("cipher")]
            self.assertTrue(ciphers, xml)
            for version, name, bits in ciphers:
                self.assertIn(version, ("TLSv1.2", "TLSv1.3"), name)
                self.assertGreaterEqual(bits, 128, name)
                if version == "TLSv1.2":
                    self.assertRegex(name, r"^ECDHE-(ECDSA|RSA)-(AES\d+-GCM-SHA\d+|CHACHA20-"
                                           r"POLY1305)$")
            renego = [r.get("supported") for r in root.iter("renegotiation")]
            self.assertNotIn("1", renego)
            comp = [c.get("supported") for c in root.iter("compression")]
            self.assertNotIn("1", comp)

    # ---- bad input ----

    def test_half_client_hello_times_out(self):
        srv = self.tls_server("--tls-handshake-timeout", "1")
        half = harness.Client(srv.tls["tcp line"], strict=False)
        srv.clients.append(half)
        # A ClientHello record header announcing 512 bytes, then only a few of them.
        half.send_raw(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 20)
        start = time.monotonic()
        half.expect_eof(timeout=6)
        self.assertGreaterEqual(time.monotonic() - start, 0.5)
        srv.wait_log("TLS handshake timed out")
        self.line_tls(srv, "ana")

    def test_garbage_plain_and_unknown_sni(self):
        srv = self.tls_server()
        ana = self.line_tls(srv, "ana")
        # A client that speaks in clear is told so in clear, in its protocol, and closed.
        http_answer = ["HTTP/1.1 400 Bad Request\r", "Content-Type: text/plain; charset=utf-8\r",
                       "Content-Length: 29\r", "Connection: close\r", "\r",
                       "This port speaks HTTPS only."]
        for face, junk, told in (
                ("tcp line", b"ana\n", ["! This port speaks TLS: connect with charla --tls (or "
                                        "openssl s_client)."]),
                ("irc", b"NICK x\r\nUSER x 0 * :x\r\n", ["ERROR :This port speaks TLS only\r"]),
                ("http", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", http_answer),
                # A broken handshake record: a TLS alert (fatal, unexpected_message: its last
                # byte, 10, ends the "line"), nothing in clear.
                ("tcp line", b"\x16\x03\x01\x00\x05" + bytes(range(256)) * 4,
                 ["\x15\x03\x03\x00\x02\x02"])):
            c = harness.Client(srv.tls[face], strict=False)
            srv.clients.append(c)
            c.send_raw(junk)
            lines = c.expect_eof()
            self.assertEqual(lines, told, face)
        srv.wait_log("not TLS (plain text on a TLS port?)")
        # A TLS client on a plain port: the line port's greeting ends its handshake at once
        # ("wrong version number"); the IRC port says nothing before registration, so that one
        # waits out a short timeout. The server is fine either way.
        for port, error in ((srv.port, ssl.SSLError), (srv.irc_port, socket.timeout)):
            raw = socket.create_connection(("127.0.0.1", port), timeout=1)
            with self.assertRaises(error):
                client_ctx(self.cert).wrap_socket(raw, server_hostname="localhost")
            raw.close()
        # An unknown name: the one certificate is served.
        c = wrap(harness.Client(srv.tls["tcp line"]), client_ctx(), host="unknown.example")
        srv.clients.append(c)
        self.assertEqual(hashlib.sha256(c.sock.getpeercert(binary_form=True)).hexdigest(),
                         fingerprint(self.cert))
        c.register("sni")
        ana.wait_for("[#lobby] -- sni joined")
        ana.send("still here")
        c.wait_for("[#lobby] ana: still here")
        self.assertFalse(srv.sanitizer_lines())

    def test_bad_certificate_refused_by_client(self):
        """The server's certificate names localhost: a client that checks the name refuses
        another, and one that trusts another CA refuses it altogether."""
        srv = self.tls_server()
        other, _ = make_pair(self.dir, "other", cn="other")
        for ctx, host in ((client_ctx(self.cert), "wrong.example"),
                          (client_ctx(other), "localhost")):
            raw = socket.create_connection(("127.0.0.1", srv.tls["tcp line"]), timeout=TIMEOUT)
            with self.assertRaises(ssl.SSLCertVerificationError):
                ctx.wrap_socket(raw, server_hostname=host)
            raw.close()

    # ---- charla --tls ----

    def charla(self, *args, stdin=""):
        """Runs the terminal client (next to charlad) with piped input to its end."""
        binary = os.path.join(os.path.dirname(harness.CHARLAD), "charla")
        env = dict(os.environ, LANGUAGE="", LC_ALL="C.UTF-8")
        return subprocess.run([binary] + list(args), input=stdin, capture_output=True, text=True,
                              timeout=TIMEOUT, env=env)

    def test_charla_tls_chats(self):
        srv = self.tls_server()
        bob = srv.client("bob")
        p = self.charla("--tls", "--ca", self.cert, "-n", "ana", "localhost",
                        str(srv.tls["tcp line"]), stdin="hola bob\n/quit\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("Welcome, ana!", p.stdout)
        bob.wait_for("[#lobby] ana: hola bob")
        # --ca alone implies --tls, and an IP address is checked against the certificate's.
        p = self.charla("--ca", self.cert, "-n", "ana2", "127.0.0.1", str(srv.tls["tcp line"]),
                        stdin="/quit\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("Welcome, ana2!", p.stdout)

    def test_charla_tls_refuses_bad_certificates(self):
        srv = self.tls_server()
        port = str(srv.tls["tcp line"])
        # Self-signed, not trusted by the system: refused before anything is sent.
        p = self.charla("--tls", "-n", "ana", "localhost", port, stdin="hola\n")
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertEqual(p.stderr.strip(), "charla: the server's certificate was refused "
                         "(self-signed certificate): it is not localhost's, or not signed by "
                         "an authority you trust (--ca FILE)")
        self.assertEqual(p.stdout, "")
        # Trusted, but the name is not the certificate's.
        p = self.charla("--ca", self.cert, "-n", "ana", "localhost.localdomain", port)
        if "unknown host" not in p.stderr:
            self.assertEqual(p.returncode, 4, p.stderr)
            self.assertIn("hostname mismatch", p.stderr)
        p = self.charla("--ca", self.cert, "-n", "ana", "::1", port)
        self.assertEqual(p.returncode, 4, p.stderr)   # no IPv6 listener: cannot connect
        # In Spanish, the same refusal.
        p = self.charla("--tls", "--lang", "es", "-n", "ana", "localhost", port)
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertIn("se rechazó el certificado del servidor (self-signed certificate)",
                      p.stderr)
        # A plain server: the handshake fails clearly.
        p = self.charla("--tls", "--ca", self.cert, "127.0.0.1", str(srv.port))
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertIn("TLS with 127.0.0.1 port %d failed" % srv.port, p.stderr)
        p = self.charla("--ca", os.path.join(self.dir, "missing.pem"), "127.0.0.1", port)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("cannot use the certificates in", p.stderr)
        p = self.charla("--tls", "--udp", "127.0.0.1", port)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("--tls and --udp cannot go together", p.stderr)
        srv.wait_log("TLS handshake failed")
        self.line_tls(srv, "fine")

    def test_charla_tls_wrong_host_name(self):
        """A certificate for another name, signed by a trusted CA (--ca): refused."""
        d = harness.temp_dir("charla-tls-name-")
        cert, key = make_pair(d, "else", cn="else.example", san="DNS:else.example")
        srv = self.server("--tls-cert", cert, "--tls-key", key, "--tls-listen", "127.0.0.1:0",
                          "--no-ai")
        srv.tls = tls_ports(srv)
        p = self.charla("--ca", cert, "-n", "ana", "localhost", str(srv.tls["tcp line"]))
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertIn("hostname mismatch", p.stderr)
        p = self.charla("--ca", cert, "-n", "ana", "127.0.0.1", str(srv.tls["tcp line"]))
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertIn("IP address mismatch", p.stderr)

    # ---- reload ----

    def test_sighup_new_certificate_old_clients_stay(self):
        d = harness.temp_dir("charla-tls-reload-")
        cert, key = os.path.join(d, "c.pem"), os.path.join(d, "c.key")
        shutil.copy(self.cert, cert)
        shutil.copy(self.key, key)
        os.chmod(key, 0o600)
        srv = self.irc_server("--tls-cert", cert, "--tls-key", key, "--tls-listen",
                              "127.0.0.1:0", "--irc-tls-listen", "127.0.0.1:0", "--no-http",
                              "-v")
        srv.tls = tls_ports(srv)

        def connect(want_cert, name=None):
            """A new TLS client, which must be served want_cert."""
            c = wrap(harness.Client(srv.tls["tcp line"]), client_ctx())
            srv.clients.append(c)
            self.assertEqual(hashlib.sha256(c.sock.getpeercert(True)).hexdigest(),
                             fingerprint(want_cert))
            if name:
                c.register(name)
            return c

        old = connect(self.cert, "old")
        new_cert, new_key = make_pair(d, "new")
        shutil.copy(new_cert, cert)
        shutil.copy(new_key, key)
        srv.proc.send_signal(signal.SIGHUP)
        srv.wait_log("reload: TLS certificate loaded from")
        srv.wait_log("reload done")
        new = connect(new_cert, "new")
        old.wait_for("[#lobby] -- new joined")
        old.send("sigo aqui")
        new.wait_for("[#lobby] old: sigo aqui")
        # A bad pair keeps the one in force.
        with open(key, "w") as f:
            f.write("not a key\n")
        srv.proc.send_signal(signal.SIGHUP)
        srv.wait_log("reload: TLS certificate not changed")
        connect(new_cert)
        new.send("y ahora")
        old.wait_for("[#lobby] new: y ahora")

    # ---- metrics, shutdown ----

    def test_metrics_count_handshakes(self):
        srv = self.tls_server()
        self.line_tls(srv, "ana")
        c = harness.Client(srv.tls["irc"], strict=False)
        srv.clients.append(c)
        c.send_raw(b"garbage\r\n")
        c.expect_eof()
        status, _, body = http_get(srv.http_port)
        self.assertEqual(status, 200)
        text = body.decode()
        self.assertRegex(text, r'charla_tls_handshakes_total\{result="ok"\} [1-9]')
        self.assertRegex(text, r'charla_tls_handshakes_total\{result="failed"\} [1-9]')

    def test_stop_with_tls_clients_connected(self):
        """No leak and no sanitizer report with TLS clients (one mid-handshake) at exit."""
        srv = self.tls_server()
        self.line_tls(srv, "ana")
        self.irc_tls(srv, "bob")
        half = harness.Client(srv.tls["irc"], strict=False)
        half.send_raw(b"\x16\x03\x01\x02\x00")
        srv.stop(close_clients=False)
        half.close()


class TlsConfig(harness.TestCase):
    def test_tls_options_need_a_certificate(self):
        for flag in ("--tls-listen", "--irc-tls-listen", "--https-listen"):
            p = harness.run_charlad("--config", harness._empty_config(), flag, "127.0.0.1:0",
                                    "--check-config")
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("%s needs --tls-cert and --tls-key" % flag, p.stderr)
        p = harness.run_charlad("--config", harness._empty_config(), "--tls-cert", "x.pem",
                                "--check-config")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("--tls-cert needs --tls-key too", p.stderr)

    def test_world_readable_key_refused(self):
        d = harness.temp_dir("charla-tls-key-")
        cert, key = make_pair(d, "s")
        os.chmod(key, 0o644)
        p = harness.run_charlad("--config", harness._empty_config(), "--no-store", "--no-ai",
                                "--listen", "127.0.0.1:0", "--tls-cert", cert, "--tls-key", key,
                                "--tls-listen", "127.0.0.1:0", "--no-irc", "--no-http")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("is readable by everyone", p.stderr)
        self.assertNotIn("PRIVATE KEY", p.stderr)
        os.chmod(key, 0o600)
        with open(key, "w") as f:
            f.write("-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n")
        p = harness.run_charlad("--config", harness._empty_config(), "--no-store", "--no-ai",
                                "--listen", "127.0.0.1:0", "--tls-cert", cert, "--tls-key", key,
                                "--tls-listen", "127.0.0.1:0", "--no-irc", "--no-http")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("cannot load --tls-key", p.stderr)


if __name__ == "__main__":
    harness.main()
