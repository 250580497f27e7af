"""charlad's IRC over WebSocket (ircv3.net/specs/extensions/websocket) at the web face's /ws: the
handshake and each of its refusals, IRC over it (registration, chat with line and IRC-over-TCP
users, PING both ways, CAP, labeled-response, IRC's line limits and flood control), the frames a
server must take (fragments, pings between them, several lines in one message) and those it must
refuse with their close codes, a slow reader cut by the output limits, and a clean QUIT and
shutdown. Every line the server sends must be one text message of one frame without CR or LF.
Real processes on loopback, ephemeral ports; servers are shared by the tests of a class, each
test in rooms and nicks of its own.

Run: python3 test_server_ws.py /path/to/charlad
"""

import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import ClientEOF, TIMEOUT, rx  # noqa: E402
from irc_helpers import SERVER, IrcCase, IrcClient  # noqa: E402
import ws_client  # noqa: E402
from ws_client import BINARY, CLOSE, CONT, PING, PONG, TEXT, WebSocket  # noqa: E402

SUBPROTOCOL = "text.ircv3.net"
BINARY_SUBPROTOCOL = "binary.ircv3.net"
# RFC 6455 1.3's example: this key's accept value.
SAMPLE_KEY = "dGhlIHNhbXBsZSBub25jZQ=="
SAMPLE_ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
WS_MESSAGE_MAX = 4096 + 512    # charlad's limit on a message (SERVER_WS_MESSAGE)


class WsIrc(IrcClient):
    """IrcClient's expectations (expect, wait_for, sync, register...) over IRC-over-WebSocket.
    Every frame from the server is checked: unmasked, no reserved bits, and each line one TEXT
    frame (BINARY once binary.ircv3.net is chosen; FIN set, never fragmented) holding no CR or LF; the line then gets IrcClient's strict
    checks. Pings are answered; a close frame is answered, kept in .close_code/.close_reason, and
    ends the lines (ClientEOF)."""

    def __init__(self, port, label=None, protocols=(SUBPROTOCOL,), origin=None, rcvbuf=None,
                 timeout=TIMEOUT):
        # No IrcClient.__init__: the socket is the WebSocket's.
        IrcClient._seq += 1
        self.label = label or "ws%d" % IrcClient._seq
        self.strict = True
        self.timeout = timeout
        self.raw = bytearray()
        self.history, self.skipped = [], []
        self.eof = self.was_reset = False
        self._buf = b""
        self._sync = 0
        self.isupport, self.caps, self.ls, self.nick = {}, set(), set(), None
        self.pings, self.pongs = [], []
        self.close_code, self.close_reason = None, ""
        self.ws = ws_connect(port, protocols=protocols, origin=origin, rcvbuf=rcvbuf,
                             timeout=timeout)
        self.sock = self.ws.sock
        self.line_opcode = BINARY if self.ws.protocol == BINARY_SUBPROTOCOL else TEXT

    def __repr__(self):
        return "<WsIrc %s>" % self.label

    def send(self, line):
        if self.line_opcode == BINARY:
            self.ws.send_binary(line.encode("utf-8") if isinstance(line, str) else line)
        else:
            self.ws.send_text(line if isinstance(line, str) else line.decode("utf-8"))

    def send_raw(self, data):
        self.ws.send_raw(data)

    def close(self):
        self.ws.abort()
        self.sock = None

    def readline(self, timeout=None):
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            if self.eof:
                raise ClientEOF("%s: closed (%s %r); last lines:\n%s"
                                % (self.label, self.close_code, self.close_reason, self._recent()))
            try:
                f = self.ws.recv_frame(max(0.0, deadline - time.monotonic()))
            except ws_client.Timeout:
                raise AssertionError("%s: no line within %.1f s; last lines:\n%s"
                                     % (self.label, self.timeout if timeout is None else timeout,
                                        self._recent()))
            except ws_client.Closed:
                self.eof = True
                raise ClientEOF("%s: the socket ended without a close frame; last lines:\n%s"
                                % (self.label, self._recent()))
            if f.masked or f.rsv:
                raise AssertionError("%s: a masked frame or reserved bits from the server: %r"
                                     % (self.label, f))
            if f.opcode == PING:
                self.pings.append(f.data)
                self.ws.pong(f.data)
            elif f.opcode == PONG:
                self.pongs.append(f.data)
            elif f.opcode == CLOSE:
                self._closed(f.data)
            elif f.opcode != self.line_opcode or not f.fin:
                raise AssertionError("%s: a line must be one frame of opcode %#x, got opcode %#x "
                                     "fin %s: %r" % (self.label, self.line_opcode, f.opcode, f.fin,
                                                     f.data[:80]))
            elif b"\r" in f.data or b"\n" in f.data:
                raise AssertionError("%s: CR or LF in a message: %r" % (self.label, f.data))
            else:
                self.raw += f.data
                return self._take(f.data + b"\r")  # IrcClient's checks want the CR of CR LF

    def _closed(self, payload):
        if len(payload) == 1:
            raise AssertionError("%s: a close payload of one byte" % self.label)
        if payload:
            self.close_code = struct.unpack("!H", payload[:2])[0]
            self.close_reason = payload[2:].decode("utf-8")
        try:
            self.ws.send_frame(CLOSE, payload[:2])     # the echo RFC 6455 5.5.1 asks for
        except OSError:
            pass
        self.eof = True

    def expect_close(self, code, timeout=None):
        """Reads to the server's close frame, which must carry `code`, then to the end of the
        socket, which must come with nothing after the close frame. Returns the lines read."""
        lines = self.expect_eof(timeout)
        if self.close_code != code:
            raise AssertionError("%s: closed with %s %r, not %s; last lines:\n%s" % (
                self.label, self.close_code, self.close_reason, code, self._recent()))
        self.expect_socket_end(timeout)
        return lines

    def expect_socket_end(self, timeout=None):
        """The server ends the TCP connection, sending nothing more."""
        sock = self.ws.sock
        if sock is None:
            raise AssertionError("%s: the socket was closed here already" % self.label)
        sock.settimeout(self.timeout if timeout is None else timeout)
        rest = self.ws._buf
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                rest += chunk
        except ConnectionResetError:
            pass
        except socket.timeout:
            raise AssertionError("%s: the server did not close the socket" % self.label)
        if rest:
            raise AssertionError("%s: bytes after the close frame: %r" % (self.label, rest[:80]))
        self.close()


def ws_connect(port, protocols=(SUBPROTOCOL,), origin=None, rcvbuf=None, timeout=TIMEOUT,
               headers=None, expect_status=101):
    """ws_client.WebSocket.connect, with a receive buffer set before the connect (a slow reader's
    window stays small)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(timeout)
    sock.connect(("127.0.0.1", port))
    ws = WebSocket(sock, timeout=timeout)
    netloc = "127.0.0.1:%d" % port
    try:
        ans = ws._handshake("127.0.0.1", port, netloc, "/ws", list(protocols), origin,
                            headers or {}, time.monotonic() + timeout, expect_status)
    except BaseException:
        sock.close()
        raise
    if ans is not None:
        sock.close()
        return ans
    return ws


def http(port, head):
    """Sends a request head (lines joined by CR LF, the blank line added) and reads the answer:
    (status, headers with lower-case names, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as s:
        s.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        deadline = time.monotonic() + TIMEOUT
        data = b""
        while b"\r\n\r\n" not in data:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = s.recv(65536)
            if not chunk:
                raise AssertionError("closed before a whole answer: %r" % data)
            data += chunk
        top, _, body = data.partition(b"\r\n\r\n")
        lines = top.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        n = int(headers.get("content-length", "0"))
        while len(body) < n and status != 101:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = s.recv(65536)
            if not chunk:
                break
            body += chunk
        return status, headers, body


def upgrade_head(port, method="GET", path="/ws", key=SAMPLE_KEY, version="13", extra=(),
                 upgrade=True):
    head = ["%s %s HTTP/1.1" % (method, path), "Host: 127.0.0.1:%d" % port]
    if upgrade:
        head += ["Upgrade: websocket", "Connection: Upgrade"]
    if key is not None:
        head.append("Sec-WebSocket-Key: " + key)
    if version is not None:
        head.append("Sec-WebSocket-Version: " + version)
    return head + list(extra)


def masked(opcode, payload, fin=True, rsv=0, declared=None):
    """A client frame's bytes (masked), optionally with a declared length other than the
    payload's (to send a header alone)."""
    n = len(payload) if declared is None else declared
    b1 = (0x80 if fin else 0) | (rsv << 4) | opcode
    if n < 126:
        head = struct.pack("!BB", b1, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", b1, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", b1, 0x80 | 127, n)
    key = b"\x01\x02\x03\x04"
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


class WsHelpers:
    """Clients of self.srv, closed when the test ends: WebSocket and TCP IRC users, line users."""

    def ws(self, nick=None, caps=(), **kw):
        c = WsIrc(self.srv.http_port, label=kw.pop("label", nick), **kw)
        self.addCleanup(c.close)
        if nick is not None:
            c.register(nick, caps=caps)
        return c

    def tcp(self, nick=None, caps=()):
        c = IrcClient(self.srv.irc_port, label=nick)
        self.addCleanup(c.close)
        if nick is not None:
            c.register(nick, caps=caps)
        return c

    def line(self, name):
        c = self.srv.client(name)
        self.srv.clients.remove(c)
        self.addCleanup(c.close)
        return c


class WsCase(WsHelpers, IrcCase):
    """One charlad per class, with the IRC face and the web face: FLAGS are added to the usual
    ones. Its log is shown for a failed test; it is stopped (and checked) after the class."""
    FLAGS = ()

    @classmethod
    def setUpClass(cls):
        flags = ["--irc-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0",
                 "--server-name", SERVER, "--no-ai"]
        if not any(f.startswith("--irc-flood") for f in cls.FLAGS):
            flags += ["--irc-flood", "0"]
        cls.srv = harness.Server(*(flags + list(cls.FLAGS)))
        assert cls.srv.irc_port and cls.srv.http_port, cls.srv.log_text()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        super().setUp()
        self._servers.append(self.srv)


# ---- the handshake ----

class Handshake(WsCase):
    def test_accept_key_and_the_ircv3_subprotocol_when_offered(self):
        port = self.srv.http_port
        status, h, _ = http(port, upgrade_head(port, extra=[
            "Sec-WebSocket-Protocol: chat.example, text.ircv3.net"]))
        self.assertEqual(status, 101)
        self.assertEqual(h["sec-websocket-accept"], SAMPLE_ACCEPT)
        self.assertEqual(h["upgrade"].lower(), "websocket")
        self.assertIn("upgrade", [t.strip().lower() for t in h["connection"].split(",")])
        self.assertEqual(h["sec-websocket-protocol"], SUBPROTOCOL)
        self.assertNotIn("sec-websocket-extensions", h)
        # A random key, checked by the client; the subprotocol chosen and IRC spoken.
        ana = self.ws("hs_ana")
        self.assertEqual(ana.ws.protocol, SUBPROTOCOL)
        self.assertEqual(ana.sync(), [])

    def test_no_subprotocol_offered_none_chosen_and_it_is_still_irc(self):
        c = self.ws(protocols=())
        self.assertIsNone(c.ws.protocol)
        self.assertNotIn("sec-websocket-protocol", c.ws.response_headers)
        burst = c.register("hs_bare")
        self.assertEqual(burst[0].params[0], "hs_bare")
        # Offered others and not ours: none chosen either (the client decides).
        port = self.srv.http_port
        status, h, _ = http(port, upgrade_head(port, extra=[
            "Sec-WebSocket-Protocol: chat.example, irc.example"]))
        self.assertEqual(status, 101)
        self.assertNotIn("sec-websocket-protocol", h)

    def test_the_first_of_ours_in_the_clients_order_is_chosen(self):
        port = self.srv.http_port
        for offered, chosen in (("binary.ircv3.net, text.ircv3.net", BINARY_SUBPROTOCOL),
                                ("chat.example, text.ircv3.net, binary.ircv3.net", SUBPROTOCOL),
                                ("binary.ircv3.net", BINARY_SUBPROTOCOL)):
            status, h, _ = http(port, upgrade_head(port, extra=[
                "Sec-WebSocket-Protocol: " + offered]))
            self.assertEqual((status, h.get("sec-websocket-protocol")), (101, chosen), offered)

    def test_frames_sent_with_the_handshake_are_read(self):
        # A client may send its first frames in the same packet as the request.
        port = self.srv.http_port
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as s:
            s.sendall(("\r\n".join(upgrade_head(port)) + "\r\n\r\n").encode() +
                      masked(TEXT, b"NICK hs_eager") +
                      masked(TEXT, b"USER hs_eager 0 * :Eager"))
            ws = WebSocket(s)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = s.recv(4096)
                self.assertTrue(chunk, "closed before the answer: %r" % data)
                data += chunk
            head, _, ws._buf = data.partition(b"\r\n\r\n")
            self.assertTrue(head.startswith(b"HTTP/1.1 101 "), head)
            first = ws.recv_frame()
            self.assertEqual((first.opcode, first.fin), (TEXT, True))
            self.assertRegex(first.data.decode(), r"^:%s 001 hs_eager :" % SERVER)

    def test_wrong_or_missing_version_is_426_naming_13(self):
        port = self.srv.http_port
        for version in ("8", "14", "13, 8", None):
            status, h, _ = http(port, upgrade_head(port, version=version))
            self.assertEqual(status, 426, version)
            self.assertEqual(h.get("sec-websocket-version"), "13", version)

    def test_missing_or_malformed_key_is_400(self):
        port = self.srv.http_port
        for key in (None, "", "not base64 at all!!!!!==", "dGhlIHNhbXBsZQ==",  # 10 bytes
                    "dGhlIHNhbXBsZSBub25jZQ", "dGhlIHNhbXBsZSBub25jZR==",    # stray bits
                    "dGhlIHNhbXBsZSBub25jZSBsb25nZXI="):                      # 22 bytes
            status, _, _ = http(port, upgrade_head(port, key=key))
            self.assertEqual(status, 400, key)

    def test_no_upgrade_is_426_and_other_methods_are_refused(self):
        port = self.srv.http_port
        status, h, _ = http(port, upgrade_head(port, upgrade=False))
        self.assertEqual(status, 426)
        self.assertEqual(h.get("upgrade", "").lower(), "websocket")
        # Upgrade without "Connection: Upgrade" is no upgrade either.
        head = [l for l in upgrade_head(port) if not l.startswith("Connection:")]
        self.assertEqual(http(port, head + ["Connection: keep-alive"])[0], 426)
        # A WebSocket is opened by a GET (RFC 6455 4.1): nothing else is switched.
        for method in ("POST", "PUT", "OPTIONS", "HEAD"):
            status, _, _ = http(port, upgrade_head(port, method=method))
            self.assertTrue(400 <= status < 500, "%s /ws gave %d" % (method, status))
        self.assertEqual(http(port, upgrade_head(port, method="HEAD"))[0], 400)

    def test_origin_of_the_page_or_none_passes_and_others_get_403(self):
        port = self.srv.http_port
        own = ws_connect(port, origin="http://127.0.0.1:%d" % port)
        self.assertEqual(own.protocol, SUBPROTOCOL)
        own.abort()
        ws_connect(port, origin=None).abort()      # not a browser: nothing to protect
        for origin in ("http://evil.example", "http://127.0.0.1:%d.evil" % port, "null"):
            ans = ws_connect(port, origin=origin, expect_status=None)
            self.assertEqual(ans.status, 403, origin)
        self.srv.wait_log("WebSocket refused: origin http://evil.example")


class OriginList(WsCase):
    FLAGS = ("--http-origin", "https://aula.example, http://b.example:8080")

    def test_listed_origins_pass_and_others_get_403(self):
        port = self.srv.http_port
        for origin in ("https://aula.example", "HTTPS://AULA.EXAMPLE", "http://b.example:8080",
                       "http://127.0.0.1:%d" % port):
            ws_connect(port, origin=origin).abort()
        for origin in ("https://aula.example.evil", "http://aula.example", "https://b.example",
                       "http://evil.example"):
            self.assertEqual(ws_connect(port, origin=origin, expect_status=None).status, 403,
                             origin)


class OriginAny(WsCase):
    FLAGS = ("--http-origin", "*")

    def test_star_lets_any_origin_in(self):
        c = WsIrc(self.srv.http_port, origin="http://anywhere.example")
        self.addCleanup(c.close)
        c.register("any_ana")


class BinarySubprotocol(WsCase):
    def test_binary_clients_get_binary_messages_and_text_ones_text_from_one_event(self):
        # binary.ircv3.net, which IRCv3 says a server must support: every line a binary message.
        # Two binary clients and a text one in a room: each sees the same lines in its own kind
        # of message (WsIrc checks the opcode of every frame).
        b1 = self.ws("bin_uno", protocols=(BINARY_SUBPROTOCOL, SUBPROTOCOL))
        self.assertEqual(b1.ws.protocol, BINARY_SUBPROTOCOL)
        b2 = self.ws("bin_dos", protocols=(BINARY_SUBPROTOCOL,))
        txt = self.ws("bin_texto")
        tcp = self.tcp("bin_tcp")
        self.joined(b1, "#binaria")
        self.joined(b2, "#binaria", b1)
        self.joined(txt, "#binaria", b1, b2)
        self.joined(tcp, "#binaria", b1, b2, txt)
        tcp.send("PRIVMSG #binaria :para todos ñ")
        for c in (b1, b2, txt):
            c.expect("PRIVMSG", lambda m: m.nick == "bin_tcp", params=["#binaria", "para todos ñ"])
        b1.send("PRIVMSG #binaria :desde binario")
        for c in (b2, txt, tcp):
            c.expect("PRIVMSG", lambda m: m.nick == "bin_uno", params=["#binaria", "desde binario"])
        for c in (b1, b2, txt, tcp):
            self.assertEqual(c.sync(), [])


class NoIrcFace(harness.TestCase):
    def test_without_the_irc_face_the_websocket_is_503(self):
        srv = self.server("--http-listen", "127.0.0.1:0", "--no-irc")
        self.assertEqual(ws_connect(srv.http_port, expect_status=None).status, 503)


# ---- IRC over WebSocket ----

class Irc(WsCase):
    def test_register_join_and_chat_with_line_and_irc_users(self):
        nc = self.line("carla")
        ana = self.ws("ana")
        self.assertEqual(ana.nick, "ana")
        self.assertIn("NETWORK", ana.isupport)
        bob = self.tcp("bob")
        burst = self.joined(ana, "#lobby")
        self.assertIn("carla", burst[-2].last.split())
        nc.expect("[#lobby] -- ana joined")
        self.joined(bob, "#lobby", ana)
        nc.expect("[#lobby] -- bob joined")
        # From WebSocket to the others.
        ana.send("PRIVMSG #lobby :hola desde la web ñ")
        nc.expect("[#lobby] ana: hola desde la web ñ")
        bob.expect("PRIVMSG", lambda m: m.nick == "ana", params=["#lobby", "hola desde la web ñ"])
        # From the others to WebSocket.
        nc.send("hola, ana")
        ana.expect("PRIVMSG", lambda m: m.source == "carla!~u@charla",
                   params=["#lobby", "hola, ana"])
        bob.expect("PRIVMSG", params=["#lobby", "hola, ana"])
        bob.send("PRIVMSG #lobby :y desde IRC")
        ana.expect("PRIVMSG", lambda m: m.nick == "bob", params=["#lobby", "y desde IRC"])
        nc.expect("[#lobby] bob: y desde IRC")
        # Private messages both ways.
        ana.send("PRIVMSG carla :psst")
        nc.expect("[pm] ana: psst")
        nc.send("/msg ana shh")
        ana.expect("PRIVMSG", lambda m: m.nick == "carla", params=["ana", "shh"])
        bob.send("PRIVMSG ana :y tú?")
        ana.expect("PRIVMSG", lambda m: m.nick == "bob", params=["ana", "y tú?"])
        ana.send("PART #lobby :bye")
        nc.expect("[#lobby] -- ana left (bye)")
        ana.expect("PART", lambda m: m.nick == "ana", params=["#lobby", "bye"])
        bob.expect("PART", lambda m: m.nick == "ana", params=["#lobby", "bye"])
        for c in (ana, bob):
            self.assertEqual(c.sync(), [], c)
        self.assertEqual(nc.sync(), [])

    def test_ping_at_the_irc_level(self):
        c = self.ws("pinger")
        c.send("PING :hola que tal")
        c.expect("PONG", params=[SERVER, "hola que tal"])
        c.send("PONG :%s" % SERVER)               # an unasked PONG is taken silently
        self.assertEqual(c.sync(), [])

    def test_cap_ls_and_negotiation(self):
        c = self.ws(label="capper")
        ls = c.cap_ls()
        for cap in ("labeled-response", "batch", "message-tags", "echo-message"):
            self.assertIn(cap, ls)
        c.register("capper", caps=("message-tags", "echo-message"))
        self.assertEqual(c.caps, {"message-tags", "echo-message"})
        c.send("CAP LIST")
        listed = set(c.expect("CAP", lambda m: m.params[1] == "LIST").last.split())
        self.assertLessEqual({"message-tags", "echo-message"}, listed)
        self.assertNotIn("labeled-response", listed)
        self.joined(c, "#caps")
        c.send("PRIVMSG #caps :eco")
        echo = c.expect("PRIVMSG", params=["#caps", "eco"])
        self.assertTrue(echo.tags.get("msgid"))

    def test_labeled_response_in_a_batch(self):
        ana = self.ws("lab_ana", caps=("labeled-response", "batch", "echo-message"))
        bob = self.tcp("lab_bob")
        self.joined(ana, "#lab")
        self.joined(bob, "#lab", ana)
        # One line: labeled itself.
        ana.send("@label=p1 PING :uno")
        self.assertEqual(ana.expect("PONG", params=[SERVER, "uno"]).tags, {"label": "p1"})
        # Several lines: a batch, each line still a message of its own.
        ana.send("@label=w2 WHOIS lab_bob")
        start = ana.expect("BATCH", params=[rx(r"\+\S+"), "labeled-response"])
        self.assertEqual(start.tags, {"label": "w2"})
        ref = start.params[0][1:]
        inner = []
        while True:
            m = ana.readline()
            if m.command == "BATCH":
                self.assertEqual(m.params, ["-" + ref])
                break
            self.assertEqual(m.tags.get("batch"), ref, m.raw)
            inner.append(m.command)
        self.assertEqual((inner[0], inner[-1]), ("311", "318"))
        # The echo of a labeled message is its response; nothing at all: ACK.
        ana.send("@label=e3 PRIVMSG #lab :etiqueta")
        self.assertEqual(ana.expect("PRIVMSG", params=["#lab", "etiqueta"]).tags.get("label"),
                         "e3")
        self.assertNotIn("label", bob.expect("PRIVMSG", params=["#lab", "etiqueta"]).tags)
        ana.send("@label=a4 MONITOR - nobody")
        self.assertEqual(ana.expect("ACK", params=[]).tags, {"label": "a4"})
        self.assertEqual(ana.sync(), [])

    def test_a_line_over_irc_limit_is_417_as_over_tcp(self):
        ws = self.ws("long_ws")
        tcp = self.tcp("long_tcp")
        line = "PRIVMSG long_tcp :" + "x" * 600
        ws.send(line)
        tcp.send(line.replace("long_tcp", "long_ws"))
        for c in (ws, tcp):
            c.expect("417")
            self.assertEqual(c.sync(), [])

    def test_quit_is_the_error_line_then_a_close_frame_then_the_end(self):
        ana = self.ws("quitter")
        bob = self.tcp("quit_bob")
        self.joined(ana, "#quit")
        self.joined(bob, "#quit", ana)
        ana.send("QUIT :hasta luego")
        lines = ana.expect_close(1000)
        self.assertEqual([m.raw for m in lines],
                         ["ERROR :Closing Link: quitter (Quit: hasta luego)"])
        bob.expect("QUIT", lambda m: m.nick == "quitter", params=["Quit: hasta luego"])

    def test_client_close_is_echoed_and_the_user_quits(self):
        ana = self.ws("closer")
        bob = self.tcp("close_bob")
        self.joined(ana, "#close")
        self.joined(bob, "#close", ana)
        ana.ws.send_frame(CLOSE, struct.pack("!H", 4000) + "adiós".encode())
        self.assertEqual(ana.expect_close(4000), [])
        bob.expect("QUIT", lambda m: m.nick == "closer")
        # A close without a code is answered with one that says all is normal (or none).
        c = self.ws("closer2")
        c.ws.send_frame(CLOSE, b"")
        c.expect_eof()
        self.assertIn(c.close_code, (None, 1000))
        c.expect_socket_end()


# ---- frames ----

class Frames(WsCase):
    def pair(self, room):
        """A WebSocket user and an IRC user in room."""
        ws = self.ws(room[1:] + "_ws")
        tcp = self.tcp(room[1:] + "_tcp")
        self.joined(ws, room)
        self.joined(tcp, room, ws)
        return ws, tcp

    def test_a_fragmented_message_is_assembled(self):
        ws, tcp = self.pair("#frag")
        text = "PRIVMSG #frag :partido en trozos, ñandú incluido"
        data = text.encode()
        cut = data.index("ñ".encode()) + 1               # inside the ñ's two bytes
        ws.ws.send_fragmented(TEXT, data, [3, cut - 3, 1, 1])
        tcp.expect("PRIVMSG", params=["#frag", "partido en trozos, ñandú incluido"])
        # An empty first fragment and empty continuations are fragments too.
        ws.ws.send_frame(TEXT, b"", fin=False)
        ws.ws.send_frame(CONT, b"PRIVMSG #frag :", fin=False)
        ws.ws.send_frame(CONT, b"", fin=False)
        ws.ws.send_frame(CONT, b"vacios", fin=True)
        tcp.expect("PRIVMSG", params=["#frag", "vacios"])
        self.assertEqual(ws.sync(), [])

    def test_a_ping_between_fragments_is_answered_at_once(self):
        ws, tcp = self.pair("#pingfrag")
        ws.ws.send_frame(TEXT, b"PRIVMSG #pingfrag :me", fin=False)
        ws.ws.ping(b"entre medias")
        f = ws.ws.recv_frame()                           # before the message is over
        self.assertEqual((f.opcode, f.data), (PONG, b"entre medias"))
        ws.ws.send_frame(CONT, b"dio", fin=True)
        tcp.expect("PRIVMSG", params=["#pingfrag", "medio"])
        self.assertEqual(ws.sync(), [])

    def test_a_websocket_ping_gets_a_pong_with_its_payload(self):
        ws = self.ws("pingws")
        ws.sync()
        for payload in (b"", b"\x00\xffbinario", b"p" * 125):
            ws.ws.ping(payload)
            f = ws.ws.recv_frame()
            self.assertEqual((f.opcode, f.fin, f.masked, f.data), (PONG, True, False, payload))
        # An unasked pong is taken silently.
        ws.ws.pong(b"unasked")
        self.assertEqual(ws.sync(), [])

    def test_several_lines_in_one_message_are_several_commands(self):
        ws, tcp = self.pair("#lines")
        ws.send("PRIVMSG #lines :A\r\nPRIVMSG #lines :B")
        tcp.expect("PRIVMSG", params=["#lines", "A"])
        tcp.expect("PRIVMSG", params=["#lines", "B"])
        ws.send("PRIVMSG #lines :C\r\n")                   # a line ended by CR LF is one line
        ws.send("PRIVMSG #lines :D\nPRIVMSG #lines :E\n")  # LF alone ends lines too
        for text in "CDE":
            tcp.expect("PRIVMSG", params=["#lines", text])
        self.assertEqual(ws.sync(), [])
        self.assertEqual(tcp.sync(), [])

    def check_cut(self, room, code, *frames):
        """A client in room sends frames (bytes as they are); the server closes it with code,
        its room hears it quit, and everybody else goes on."""
        bad, tcp = self.pair(room)
        other = self.ws(room[1:] + "_other")
        self.joined(other, room, bad, tcp)
        bad.send_raw(b"".join(frames))
        bad.expect_close(code)
        tcp.expect("QUIT", lambda m: m.nick == bad.nick)
        other.expect("QUIT", lambda m: m.nick == bad.nick)
        other.send("PRIVMSG %s :seguimos" % room)
        tcp.expect("PRIVMSG", lambda m: m.nick == other.nick, params=[room, "seguimos"])
        tcp.send("PRIVMSG %s :sí" % room)
        other.expect("PRIVMSG", lambda m: m.nick == tcp.nick, params=[room, "sí"])
        self.assertEqual(other.sync(), [])
        self.assertEqual(tcp.sync(), [])

    def test_binary_messages_are_lines_too(self):
        # IRCv3: with text.ircv3.net the client sends text, but a binary message is read as
        # the line it holds, its bytes checked as a TCP client's are (UTF8ONLY).
        ws, tcp = self.pair("#bin")
        ws.send_raw(masked(BINARY, "PRIVMSG #bin :binario ñ".encode()))
        tcp.expect("PRIVMSG", lambda m: m.nick == ws.nick, params=["#bin", "binario ñ"])
        ws.send_raw(masked(BINARY, b"PRIVMSG #bin :caf\xe9"))
        ws.expect("FAIL", lambda m: m.params[:2] == ["PRIVMSG", "INVALID_UTF8"])
        self.assertEqual(tcp.sync(), [])
        self.assertEqual(ws.sync(), [])

    def test_unmasked_frame_is_closed_with_1002(self):
        self.check_cut("#unmasked", 1002, b"\x81\x05hello")

    def test_reserved_bits_are_closed_with_1002(self):
        self.check_cut("#rsv", 1002, masked(TEXT, b"PRIVMSG #rsv :x", rsv=4))

    def test_unknown_opcodes_are_closed_with_1002(self):
        self.check_cut("#op3", 1002, masked(0x3, b"what"))
        self.check_cut("#opb", 1002, masked(0xB, b"what"))

    def test_protocol_errors_in_fragments_and_control_frames_are_1002(self):
        self.check_cut("#cont", 1002, masked(CONT, b"nothing to continue"))
        self.check_cut("#newmsg", 1002, masked(TEXT, b"PRIVMSG #newmsg :a", fin=False),
                       masked(TEXT, b"b"))
        self.check_cut("#ctlfrag", 1002, masked(PING, b"x", fin=False))
        self.check_cut("#ctllong", 1002, masked(PING, b"x" * 126))

    def test_invalid_utf8_is_closed_with_1007(self):
        self.check_cut("#utf", 1007, masked(TEXT, b"PRIVMSG #utf :\xff"))
        self.check_cut("#overlong", 1007, masked(TEXT, b"PRIVMSG #overlong :\xc0\xaf"))
        # Across fragments: a character that never ends.
        self.check_cut("#utffrag", 1007, masked(TEXT, b"PRIVMSG #utffrag :\xc3", fin=False),
                       masked(CONT, b"x"))

    def test_oversized_message_is_closed_with_1009(self):
        # The header alone says it: refused before the payload is waited for.
        self.check_cut("#big", 1009, masked(TEXT, b"", declared=1 << 20)[:14])
        self.check_cut("#bigfrag", 1009,
                       masked(TEXT, b"PRIVMSG #bigfrag :" + b"x" * 4000, fin=False),
                       masked(CONT, b"", declared=WS_MESSAGE_MAX)[:8])

    def test_bad_close_frames_are_1002(self):
        self.check_cut("#close1", 1002, masked(CLOSE, b"\x03"))
        self.check_cut("#close1005", 1002, masked(CLOSE, struct.pack("!H", 1005)))


class Limits(WsCase):
    # Flood control pauses a client in the middle of a message's lines; --max-line is the line
    # face's limit, not IRC's.
    FLAGS = ("--irc-flood", "100", "--irc-flood-burst", "2", "--max-line", "64")

    def test_lines_of_a_message_survive_a_pause_between_them(self):
        ws = self.ws("flood_ws")
        tcp = self.tcp("flood_tcp")
        self.joined(ws, "#flood")
        self.joined(tcp, "#flood", ws)
        ws.send("\r\n".join("PRIVMSG #flood :%d" % i for i in range(10)))
        ws.send("PRIVMSG #flood :next")
        for i in range(10):
            tcp.expect("PRIVMSG", params=["#flood", str(i)])
        tcp.expect("PRIVMSG", params=["#flood", "next"])
        self.assertEqual(ws.sync(), [])

    def test_irc_lines_longer_than_the_line_faces_limit_are_taken(self):
        ws = self.ws("wide_ws")
        tcp = self.tcp("wide_tcp")
        text = "ancho " * 40                              # 240 bytes, over --max-line 64
        ws.send("PRIVMSG wide_tcp :" + text)
        tcp.expect("PRIVMSG", params=["wide_tcp", text])
        tcp.send("PRIVMSG wide_ws :" + text)
        ws.expect("PRIVMSG", params=["wide_ws", text])
        self.assertEqual(ws.sync(), [])
        # Over IRC's own limit: 417 over WebSocket as over TCP.
        line = "PRIVMSG wide_tcp :" + "x" * 600
        ws.send(line)
        ws.expect("417")
        self.assertEqual(ws.sync(), [])


class ServerPing(WsCase):
    FLAGS = ("--irc-ping", "1")

    def test_the_servers_ping_is_a_message_and_a_pong_keeps_the_client(self):
        ws = self.ws("pinged")
        ws.expect("PING", params=[SERVER], timeout=5)
        ws.send("PONG :" + SERVER)
        self.assertEqual(ws.sync(), [])


class SlowReader(WsCase):
    FLAGS = ("--outq-hard", "256K", "--outq-soft", "0")
    TEXT = "x" * 400

    def test_a_websocket_that_never_reads_is_cut_and_nobody_waits(self):
        slow = self.ws("slow", rcvbuf=4096)
        talker = self.tcp("talker")
        reader = self.ws("reader")
        nc = self.line("carla")
        self.joined(slow, "#lobby")
        self.joined(talker, "#lobby", slow)
        self.joined(reader, "#lobby", slow, talker)
        for c in (slow, talker, reader):
            nc.expect("[#lobby] -- %s joined" % c.nick)
        slow.sync()                                        # it reads nothing from here on
        n, quit_seen = 0, False
        while not quit_seen:
            self.assertLess(n, 200000, "slow was never disconnected")
            talker.send_raw("".join("PRIVMSG #lobby :%d %s\r\n" % (n + i, self.TEXT)
                                    for i in range(64)).encode())
            for i in range(64):
                m = reader.readline()
                if m.command == "QUIT":
                    self.assertEqual((m.nick, m.params), ("slow", ["SendQ exceeded"]))
                    quit_seen = True
                    m = reader.readline()
                self.assertEqual(m.params, ["#lobby", "%d %s" % (n + i, self.TEXT)])
                line = nc.readline()
                if line.startswith("-- "):
                    self.assertEqual(line, "-- slow quit (SendQ exceeded)")
                    line = nc.readline()
                self.assertEqual(line, "[#lobby] talker: %d %s" % (n + i, self.TEXT))
            n += 64
        talker.send("PRIVMSG #lobby :after the slow one")
        reader.expect("PRIVMSG", params=["#lobby", "after the slow one"])
        self.assertEqual(reader.sync(), [])
        self.srv.wait_log("(irc slow): disconnecting a slow reader")
        # What was in flight comes in whole frames, then the reason, the close frame, the end.
        got = slow.expect_close(1008, timeout=15)     # policy: cut by the output limit
        self.assertEqual(slow.close_reason, "SendQ exceeded")
        self.assertEqual(got[-1].raw, "ERROR :Closing Link: slow (SendQ exceeded)")
        self.assertTrue(all(m.command == "PRIVMSG" for m in got[:-1]))


class Shutdown(WsHelpers, IrcCase):
    def test_sigterm_says_why_closes_the_websocket_and_ends(self):
        self.srv = self.irc_server("--http-listen", "127.0.0.1:0")
        ana = self.ws("ana")
        self.srv.terminate()
        lines = ana.expect_eof()
        self.assertEqual([m.raw for m in lines],
                         ["ERROR :Closing Link: ana (Server shutting down)"])
        self.assertEqual((ana.close_code, ana.close_reason), (1001, "Server shutting down"))
        ana.expect_socket_end()
        self.srv.stop(close_clients=False)


if __name__ == "__main__":
    harness.main()
