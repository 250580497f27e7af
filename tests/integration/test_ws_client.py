"""ws_client.py checked against a scripted WebSocket server in this process (loopback, an
ephemeral port, one thread per test): the handshake and its refusals, masking, lengths of 7,
16 and 64 bits, fragments with a ping among them, reads cut at every byte, the close
handshake both ways, deadlines and the server's protocol errors.

Run: python3 test_ws_client.py  (ctest: ws_client)
"""

import base64
import hashlib
import os
import socket
import struct
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import ws_client  # noqa: E402
from ws_client import Closed, HandshakeError, ProtocolError, Timeout, WebSocket  # noqa: E402

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class Peer:
    """The server's side of one connection, for a script to drive."""

    def __init__(self, conn):
        self.conn = conn
        self.buf = b""
        self.request = None
        self.headers = {}

    def read_until(self, mark):
        while mark not in self.buf:
            chunk = self.conn.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        head, self.buf = self.buf.split(mark, 1)
        return head

    def read(self, n):
        while len(self.buf) < n:
            chunk = self.conn.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def handshake(self, status=101, protocol=None, accept=None, extra=""):
        head = self.read_until(b"\r\n\r\n").decode("latin-1").split("\r\n")
        self.request = head[0]
        for line in head[1:]:
            k, _, v = line.partition(":")
            self.headers[k.strip().lower()] = v.strip()
        key = self.headers["sec-websocket-key"]
        if status != 101:
            body = b"no websocket here"
            self.conn.sendall(b"HTTP/1.1 %d Nope\r\nContent-Length: %d\r\n\r\n%s" % (status, len(body), body))
            return
        acc = accept or base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        lines = ["HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade",
                 "Sec-WebSocket-Accept: " + acc]
        if protocol:
            lines.append("Sec-WebSocket-Protocol: " + protocol)
        self.conn.sendall(("\r\n".join(lines) + "\r\n" + extra + "\r\n").encode())

    def frame(self):
        """One frame from the client: (fin, opcode, payload); asserts it is masked."""
        b1, b2 = self.read(2)
        n = b2 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self.read(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self.read(8))[0]
        assert b2 & 0x80, "the client sent an unmasked frame"
        key = self.read(4)
        data = bytes(b ^ key[i % 4] for i, b in enumerate(self.read(n)))
        return bool(b1 & 0x80), b1 & 0x0F, data

    def send(self, opcode, data=b"", fin=True, mask=False, rsv=0, split=None):
        b1 = (0x80 if fin else 0) | (rsv << 4) | opcode
        n = len(data)
        mbit = 0x80 if mask else 0
        if n < 126:
            head = struct.pack("!BB", b1, mbit | n)
        elif n < 65536:
            head = struct.pack("!BBH", b1, mbit | 126, n)
        else:
            head = struct.pack("!BBQ", b1, mbit | 127, n)
        if mask:
            head += b"\0\0\0\0"  # a zero key leaves the payload as it is
        raw = head + data
        if split:
            for i in range(0, len(raw), split):
                self.conn.sendall(raw[i:i + split])
                time.sleep(0.001)  # so that the client's reads end inside the frame
        else:
            self.conn.sendall(raw)


class Case(unittest.TestCase):
    def serve(self, script):
        """Starts a one-connection server running script(peer); returns the ws:// URL."""
        lsock = socket.socket()
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(1)
        self.addCleanup(lsock.close)
        self.errors = []
        self.done = threading.Event()

        def run():
            try:
                lsock.settimeout(10)
                conn, _ = lsock.accept()
                conn.settimeout(10)
                with conn:
                    script(Peer(conn))
            except Exception as e:  # reported by the test's end
                self.errors.append(e)
            finally:
                self.done.set()
        t = threading.Thread(target=run, daemon=True)
        t.start()
        self.addCleanup(self.finish)
        return "ws://127.0.0.1:%d/ws?x=1" % lsock.getsockname()[1]

    def finish(self):
        self.assertTrue(self.done.wait(10), "the server script did not end")
        if self.errors:
            raise self.errors[0]


class Handshake(Case):
    def test_request_accept_and_subprotocol(self):
        seen = {}

        def script(p):
            p.handshake(protocol="text.ircv3.net")
            seen.update(p.headers, request=p.request)
            p.send(ws_client.TEXT, b"hola")
            assert p.frame() == (True, ws_client.CLOSE, struct.pack("!H", 1000))
            p.send(ws_client.CLOSE, struct.pack("!H", 1000))
        ws = WebSocket.connect(self.serve(script), protocols=["text.ircv3.net", "irc"], origin="http://127.0.0.1")
        self.assertEqual(ws.protocol, "text.ircv3.net")
        self.assertEqual(ws.recv_text(), "hola")
        self.assertEqual(ws.close(), (1000, ""))
        self.assertTrue(ws.closed)
        self.finish()
        self.assertEqual(seen["request"], "GET /ws?x=1 HTTP/1.1")
        self.assertEqual(seen["upgrade"], "websocket")
        self.assertEqual(seen["sec-websocket-version"], "13")
        self.assertEqual(seen["sec-websocket-protocol"], "text.ircv3.net, irc")
        self.assertEqual(seen["origin"], "http://127.0.0.1")
        self.assertEqual(len(base64.b64decode(seen["sec-websocket-key"])), 16)

    def test_a_wrong_accept_key_is_refused(self):
        url = self.serve(lambda p: p.handshake(accept="d3Jvbmc="))
        with self.assertRaisesRegex(HandshakeError, "Sec-WebSocket-Accept"):
            WebSocket.connect(url)

    def test_a_subprotocol_not_offered_is_refused(self):
        url = self.serve(lambda p: p.handshake(protocol="other"))
        with self.assertRaisesRegex(HandshakeError, "subprotocol"):
            WebSocket.connect(url, protocols=["text.ircv3.net"])

    def test_no_subprotocol_chosen(self):
        url = self.serve(lambda p: p.handshake())
        ws = WebSocket.connect(url, protocols=["text.ircv3.net"])
        self.assertIsNone(ws.protocol)
        ws.abort()

    def test_an_http_refusal_is_an_error_or_an_answer(self):
        url = self.serve(lambda p: p.handshake(status=404))
        with self.assertRaises(HandshakeError) as cm:
            WebSocket.connect(url)
        self.assertEqual(cm.exception.status, 404)
        self.assertEqual(cm.exception.body, b"no websocket here")
        self.finish()
        url = self.serve(lambda p: p.handshake(status=400))
        ans = WebSocket.connect(url, expect_status=None)
        self.assertEqual((ans.status, ans.body), (400, b"no websocket here"))

    def test_extensions_not_offered_are_refused(self):
        url = self.serve(lambda p: p.handshake(extra="Sec-WebSocket-Extensions: permessage-deflate\r\n"))
        with self.assertRaisesRegex(HandshakeError, "extensions"):
            WebSocket.connect(url)


class Frames(Case):
    def test_lengths_masking_and_binary(self):
        big = os.urandom(70000)
        mid = "ñ" * 200

        def script(p):
            p.handshake()
            for _ in range(3):
                fin, op, data = p.frame()
                p.send(op, data)  # echo
        ws = WebSocket.connect(self.serve(script))
        ws.send_text("short")
        self.assertEqual(ws.recv_text(), "short")
        ws.send_text(mid)
        self.assertEqual(ws.recv_text(), mid)
        ws.send_binary(big)
        self.assertEqual(ws.recv_binary(), big)
        ws.abort()

    def test_fragments_with_a_ping_between_and_reads_cut_at_every_byte(self):
        pongs = []

        def script(p):
            p.handshake()
            p.send(ws_client.TEXT, "¿Qué ".encode(), fin=False, split=1)
            p.send(ws_client.PING, b"are you there", split=1)
            p.send(ws_client.CONT, "tal? 🎉".encode()[:9], fin=False, split=1)
            p.send(ws_client.CONT, "tal? 🎉".encode()[9:], split=1)
            pongs.append(p.frame())
        ws = WebSocket.connect(self.serve(script))
        self.assertEqual(ws.recv_text(), "¿Qué tal? 🎉")
        self.assertEqual(ws.pings, [b"are you there"])
        self.finish()
        self.assertEqual(pongs, [(True, ws_client.PONG, b"are you there")])
        ws.abort()

    def test_sending_fragments_and_raw_frames(self):
        got = []

        def script(p):
            p.handshake()
            for _ in range(4):
                got.append(p.frame())
        ws = WebSocket.connect(self.serve(script))
        ws.send_fragmented(ws_client.TEXT, "abcdef", [2, 2])
        ws.ping(b"x")
        self.finish()
        self.assertEqual(got, [(False, ws_client.TEXT, b"ab"), (False, ws_client.CONT, b"cd"),
                               (True, ws_client.CONT, b"ef"), (True, ws_client.PING, b"x")])
        ws.abort()

    def test_the_deadline(self):
        def script(p):
            p.handshake()
            p.frame()  # waits for the client's close
        ws = WebSocket.connect(self.serve(script))
        t0 = time.monotonic()
        with self.assertRaises(Timeout):
            ws.recv(timeout=0.2)
        self.assertLess(time.monotonic() - t0, 2)
        ws.close(timeout=0.2)

    def test_protocol_errors_of_the_server(self):
        cases = [
            (lambda p: p.send(ws_client.TEXT, b"x", mask=True), "masked"),
            (lambda p: p.send(ws_client.TEXT, b"\xff\xfe"), "UTF-8"),
            (lambda p: p.send(ws_client.TEXT, b"x", rsv=4), "reserved"),
            (lambda p: p.send(ws_client.CONT, b"x"), "continuation"),
            (lambda p: p.send(0x3, b"x"), "opcode"),
            (lambda p: p.send(ws_client.PING, b"x", fin=False), "control"),
        ]
        for send, why in cases:
            def script(p, send=send):
                p.handshake()
                send(p)
                try:
                    p.frame()
                except (EOFError, OSError):
                    pass
            ws = WebSocket.connect(self.serve(script))
            with self.assertRaisesRegex(ProtocolError, why):
                ws.recv(timeout=5)
            ws.abort()
            self.finish()

    def test_the_message_size_limit(self):
        def script(p):
            p.handshake()
            p.send(ws_client.BINARY, b"x" * 2000)
        ws = WebSocket.connect(self.serve(script), max_message=1000)
        with self.assertRaisesRegex(ProtocolError, "over the limit"):
            ws.recv()
        ws.abort()


class Closing(Case):
    def test_the_server_closes_with_a_code_and_a_reason(self):
        echoed = []

        def script(p):
            p.handshake()
            p.send(ws_client.TEXT, b"last words")
            p.send(ws_client.CLOSE, struct.pack("!H", 1001) + "servidor apagándose".encode())
            echoed.append(p.frame())
        ws = WebSocket.connect(self.serve(script))
        self.assertEqual(ws.recv_text(), "last words")
        with self.assertRaises(Closed) as cm:
            ws.recv()
        self.assertEqual((cm.exception.code, cm.exception.reason), (1001, "servidor apagándose"))
        self.assertTrue(ws.closed)
        self.finish()
        self.assertEqual(echoed, [(True, ws_client.CLOSE, struct.pack("!H", 1001))])
        self.assertEqual(ws.close(), (1001, "servidor apagándose"))  # idempotent

    def test_the_socket_ends_without_a_close_frame(self):
        url = self.serve(lambda p: p.handshake())
        ws = WebSocket.connect(url)
        with self.assertRaises(Closed) as cm:
            ws.recv(timeout=5)
        self.assertIsNone(cm.exception.code)

    def test_our_close_waits_for_the_answer_and_drops_data_on_the_way(self):
        def script(p):
            p.handshake()
            assert p.frame()[1] == ws_client.CLOSE
            p.send(ws_client.TEXT, b"late")
            p.send(ws_client.CLOSE, struct.pack("!H", 1000) + b"ok")
        ws = WebSocket.connect(self.serve(script))
        self.assertEqual(ws.close(1000, "bye"), (1000, "ok"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
