"""A small WebSocket client (RFC 6455) on a plain socket, Python 3 standard library only.

It drives Chromium over the DevTools protocol (browser.py) and is meant for the web face's own
tests too, so it also lets a test send what a good client never would (unmasked frames, bad
opcodes, reserved bits, split frames). Every read has a deadline; nothing sleeps.

    from ws_client import WebSocket

    ws = WebSocket.connect("ws://127.0.0.1:8080/ws", protocols=["text.ircv3.net"])
    assert ws.protocol == "text.ircv3.net"
    ws.send_text("NICK ana")
    line = ws.recv_text(timeout=5)          # one whole message (fragments joined)
    ws.close()                               # close handshake, then the socket

WebSocket.connect(url, protocols=(), timeout=10, origin=None, headers=None,
                  max_message=16 MiB, expect_status=101)
    ws:// only (loopback tests need no TLS). Sends a random 16-byte Sec-WebSocket-Key and
    checks the server's Sec-WebSocket-Accept, Upgrade and Connection; with `protocols` the
    server must pick one of them (or none: .protocol is None). A refused handshake raises
    HandshakeError with .status, .headers and .body (the HTTP answer); expect_status=None
    returns the answer instead of raising, for tests of refusals.
    .protocol, .status, .response_headers (dict, lower-case names)

.send_text(str), .send_binary(bytes), .ping(payload=b""), .pong(payload=b"")
.send_frame(opcode, payload, fin=True, mask=True, rsv=0)   any frame, as is
.send_fragmented(opcode, payload, sizes)                     one message in several frames
.send_raw(bytes)                                            bytes on the socket, as is
.recv(timeout) -> Message(opcode, data)
    The next data message (TEXT or BINARY, fragments joined; text is checked as UTF-8 and
    returned as str). Pings are answered with a pong on the way (unless auto_pong is off)
    and kept in .pings; pongs are kept in .pongs. A close frame from the server is answered
    and raises Closed(code, reason). Timeout at the deadline; Closed when the socket ends.
.recv_text(timeout) -> str, .recv_binary(timeout) -> bytes
.recv_frame(timeout) -> Frame(fin, rsv, opcode, masked, data)   one raw frame, nothing answered
.close(code=1000, reason="", timeout=5) -> (code, reason) the server answered with (None if
    the server closed the socket without one); closes the socket. Idempotent.
.abort()  closes the socket at once, without a close frame
"""

import base64
import collections
import hashlib
import os
import socket
import struct
import time
import urllib.parse

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

CONT, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA

Message = collections.namedtuple("Message", "opcode data")
Frame = collections.namedtuple("Frame", "fin rsv opcode masked data")


class WebSocketError(Exception):
    pass


class HandshakeError(WebSocketError):
    def __init__(self, msg, status=None, headers=None, body=b""):
        super().__init__(msg)
        self.status = status
        self.headers = headers or {}
        self.body = body


class ProtocolError(WebSocketError):
    """The server broke RFC 6455 (a masked frame, a bad length, invalid UTF-8...)."""


class Timeout(WebSocketError, TimeoutError):
    pass


class Closed(WebSocketError):
    """The connection ended: .code and .reason of the server's close frame (None, "" if the
    socket ended without one)."""

    def __init__(self, code=None, reason=""):
        super().__init__("WebSocket closed (%s%s)" % (code, ": " + reason if reason else ""))
        self.code = code
        self.reason = reason


def accept_key(key):
    return base64.b64encode(hashlib.sha1((key + GUID).encode("ascii")).digest()).decode("ascii")


def _mask(data, key):
    if not data:
        return b""
    # XOR with the 4-byte key repeated, done on one big integer (fast enough for megabytes).
    n = len(data)
    k = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "big") ^ int.from_bytes(k, "big")).to_bytes(n, "big")


class WebSocket:
    def __init__(self, sock, timeout=10.0, max_message=16 << 20):
        self.sock = sock
        self.timeout = timeout
        self.max_message = max_message
        self.protocol = None
        self.status = None
        self.response_headers = {}
        self.auto_pong = True
        self.pings = []
        self.pongs = []
        self.close_code = None
        self.close_reason = ""
        self._buf = b""
        self._close_sent = False
        self._close_received = False

    # ---- the handshake ----

    @classmethod
    def connect(cls, url, protocols=(), timeout=10.0, origin=None, headers=None,
                max_message=16 << 20, expect_status=101):
        u = urllib.parse.urlsplit(url)
        if u.scheme != "ws":
            raise WebSocketError("only ws:// URLs: %r" % url)
        host = u.hostname
        port = u.port or 80
        path = (u.path or "/") + ("?" + u.query if u.query else "")
        deadline = time.monotonic() + timeout
        sock = socket.create_connection((host, port), timeout=timeout)
        ws = cls(sock, timeout=timeout, max_message=max_message)
        try:
            ans = ws._handshake(host, port, u.netloc, path, protocols, origin, headers or {},
                                deadline, expect_status)
        except BaseException:
            sock.close()
            raise
        if ans is not None:
            sock.close()  # a refusal: the answer is all there is
            return ans
        return ws

    def _handshake(self, host, port, netloc, path, protocols, origin, headers, deadline,
                   expect_status):
        key = base64.b64encode(os.urandom(16)).decode("ascii")
        lines = ["GET %s HTTP/1.1" % path,
                 "Host: %s" % netloc,
                 "Upgrade: websocket",
                 "Connection: Upgrade",
                 "Sec-WebSocket-Key: %s" % key,
                 "Sec-WebSocket-Version: 13"]
        if protocols:
            lines.append("Sec-WebSocket-Protocol: %s" % ", ".join(protocols))
        if origin:
            lines.append("Origin: %s" % origin)
        for k, v in headers.items():
            lines.append("%s: %s" % (k, v))
        self.send_raw(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        while b"\r\n\r\n" not in self._buf:
            if len(self._buf) > 65536:
                raise HandshakeError("the HTTP answer's head is over 64 KiB")
            if not self._fill(deadline):
                raise Timeout("no HTTP answer to the WebSocket handshake in time")
        head, self._buf = self._buf.split(b"\r\n\r\n", 1)
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
            raise HandshakeError("not an HTTP answer: %r" % status_line)
        status = int(parts[1])
        hdrs = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            value = value.strip()
            hdrs[name] = hdrs[name] + ", " + value if name in hdrs else value
        self.status = status
        self.response_headers = hdrs
        if status != 101:
            body = self._read_body(hdrs, deadline)
            if expect_status is None or expect_status == status:
                return HandshakeAnswer(status, hdrs, body)
            raise HandshakeError("the server answered %s, not 101: %r" % (status, body[:200]),
                                 status, hdrs, body)
        if expect_status not in (101, None):
            raise HandshakeError("the server accepted the WebSocket (101), not %s" % expect_status,
                                 status, hdrs)
        if hdrs.get("upgrade", "").lower() != "websocket":
            raise HandshakeError("Upgrade is %r, not websocket" % hdrs.get("upgrade"), status, hdrs)
        if "upgrade" not in [t.strip().lower() for t in hdrs.get("connection", "").split(",")]:
            raise HandshakeError("Connection is %r, not Upgrade" % hdrs.get("connection"), status, hdrs)
        if hdrs.get("sec-websocket-accept") != accept_key(key):
            raise HandshakeError("Sec-WebSocket-Accept is %r, not %r"
                                 % (hdrs.get("sec-websocket-accept"), accept_key(key)), status, hdrs)
        proto = hdrs.get("sec-websocket-protocol")
        if proto is not None and proto not in protocols:
            raise HandshakeError("the server chose subprotocol %r, not one of %r" % (proto, protocols),
                                 status, hdrs)
        if hdrs.get("sec-websocket-extensions"):
            raise HandshakeError("the server chose extensions %r it was not offered"
                                 % hdrs["sec-websocket-extensions"], status, hdrs)
        self.protocol = proto
        return None

    def _read_body(self, hdrs, deadline):
        n = hdrs.get("content-length")
        if n is None or not n.isdigit():
            return self._buf
        n = int(n)
        while len(self._buf) < n and self._fill(deadline, eof_ok=True):
            pass
        body, self._buf = self._buf[:n], self._buf[n:]
        return body

    # ---- bytes ----

    def _fill(self, deadline, eof_ok=False):
        """Reads once. False at the deadline; Closed at the end of the stream."""
        if self.sock is None:
            raise Closed(self.close_code, self.close_reason)
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        self.sock.settimeout(left)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            return False
        except (ConnectionResetError, BrokenPipeError):
            chunk = b""
        if not chunk:
            if eof_ok:
                return False
            raise Closed(self.close_code, self.close_reason)
        self._buf += chunk
        return True

    def _take(self, n, deadline):
        while len(self._buf) < n:
            if not self._fill(deadline):
                raise Timeout("no complete frame in time (have %d of %d bytes)" % (len(self._buf), n))
        data, self._buf = self._buf[:n], self._buf[n:]
        return data

    def send_raw(self, data):
        if self.sock is None:
            raise Closed(self.close_code, self.close_reason)
        self.sock.settimeout(self.timeout)
        self.sock.sendall(data)

    # ---- frames ----

    def send_frame(self, opcode, payload=b"", fin=True, mask=True, rsv=0):
        if isinstance(payload, str):
            payload = payload.encode("utf-8")
        b1 = (0x80 if fin else 0) | ((rsv & 7) << 4) | (opcode & 0x0F)
        n = len(payload)
        mbit = 0x80 if mask else 0
        if n < 126:
            head = struct.pack("!BB", b1, mbit | n)
        elif n < 65536:
            head = struct.pack("!BBH", b1, mbit | 126, n)
        else:
            head = struct.pack("!BBQ", b1, mbit | 127, n)
        if mask:
            key = os.urandom(4)
            self.send_raw(head + key + _mask(payload, key))
        else:
            self.send_raw(head + payload)

    def send_text(self, text):
        self.send_frame(TEXT, text.encode("utf-8"))

    def send_binary(self, data):
        self.send_frame(BINARY, bytes(data))

    def ping(self, payload=b""):
        self.send_frame(PING, payload)

    def pong(self, payload=b""):
        self.send_frame(PONG, payload)

    def send_fragmented(self, opcode, payload, sizes):
        """One message in several frames: the first with `opcode`, then continuations, cut
        after each size in `sizes` (the rest goes in the last frame)."""
        if isinstance(payload, str):
            payload = payload.encode("utf-8")
        pieces = []
        at = 0
        for s in sizes:
            pieces.append(payload[at:at + s])
            at += s
        pieces.append(payload[at:])
        for i, piece in enumerate(pieces):
            self.send_frame(opcode if i == 0 else CONT, piece, fin=i == len(pieces) - 1)

    def recv_frame(self, timeout=None):
        """One frame as it arrived; nothing is answered."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        b1, b2 = self._take(2, deadline)
        n = b2 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._take(2, deadline))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._take(8, deadline))[0]
            if n >> 63:
                raise ProtocolError("a 64-bit length with its top bit set")
        if n > self.max_message:
            raise ProtocolError("a frame of %d bytes, over the limit of %d" % (n, self.max_message))
        masked = bool(b2 & 0x80)
        key = self._take(4, deadline) if masked else None
        data = self._take(n, deadline)
        if masked:
            data = _mask(data, key)
        return Frame(bool(b1 & 0x80), (b1 >> 4) & 7, b1 & 0x0F, masked, data)

    def recv(self, timeout=None):
        """The next whole data message; control frames are handled on the way."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        opcode = None
        parts = []
        size = 0
        while True:
            try:
                f = self.recv_frame(max(0.0, deadline - time.monotonic()))
            except Closed:
                self._drop()
                raise
            if f.masked:
                raise ProtocolError("the server sent a masked frame")
            if f.rsv:
                raise ProtocolError("reserved bits %d set without an extension" % f.rsv)
            if f.opcode >= 0x8:
                if not f.fin or len(f.data) > 125:
                    raise ProtocolError("a fragmented or long control frame")
                if f.opcode == PING:
                    self.pings.append(f.data)
                    if self.auto_pong and not self._close_sent:
                        self.pong(f.data)
                elif f.opcode == PONG:
                    self.pongs.append(f.data)
                elif f.opcode == CLOSE:
                    self._on_close(f.data)
                else:
                    raise ProtocolError("unknown control opcode %#x" % f.opcode)
                continue
            if f.opcode == CONT:
                if opcode is None:
                    raise ProtocolError("a continuation frame with no message to continue")
            elif f.opcode in (TEXT, BINARY):
                if opcode is not None:
                    raise ProtocolError("a new message inside a fragmented one")
                opcode = f.opcode
            else:
                raise ProtocolError("unknown data opcode %#x" % f.opcode)
            parts.append(f.data)
            size += len(f.data)
            if size > self.max_message:
                raise ProtocolError("a message over %d bytes" % self.max_message)
            if f.fin:
                data = b"".join(parts)
                if opcode == TEXT:
                    try:
                        return Message(TEXT, data.decode("utf-8"))
                    except UnicodeDecodeError as e:
                        raise ProtocolError("a text message that is not UTF-8: %s" % e)
                return Message(BINARY, data)

    def recv_text(self, timeout=None):
        m = self.recv(timeout)
        if m.opcode != TEXT:
            raise ProtocolError("expected a text message, got binary %r" % m.data[:60])
        return m.data

    def recv_binary(self, timeout=None):
        m = self.recv(timeout)
        if m.opcode != BINARY:
            raise ProtocolError("expected a binary message, got text %r" % m.data[:60])
        return m.data

    # ---- closing ----

    def _on_close(self, payload):
        self._close_received = True
        if len(payload) >= 2:
            self.close_code = struct.unpack("!H", payload[:2])[0]
            self.close_reason = payload[2:].decode("utf-8", "replace")
        elif payload:
            raise ProtocolError("a close frame with a 1-byte payload")
        if not self._close_sent:
            # Echo the code, as RFC 6455 5.5.1 asks, then the server closes the TCP connection.
            try:
                self.send_frame(CLOSE, payload[:2])
            except OSError:
                pass
            self._close_sent = True
        self._drop()
        raise Closed(self.close_code, self.close_reason)

    def close(self, code=1000, reason="", timeout=5.0):
        """The close handshake: sends a close frame, reads until the server's (data on the way
        is dropped), closes the socket. Returns (code, reason) of the server's frame."""
        if self.sock is None:
            return (self.close_code, self.close_reason) if self._close_received else None
        if not self._close_sent:
            payload = struct.pack("!H", code) + reason.encode("utf-8") if code is not None else b""
            try:
                self.send_frame(CLOSE, payload)
            except OSError:
                self._drop()
                return None
            self._close_sent = True
        deadline = time.monotonic() + timeout
        try:
            while not self._close_received:
                self.recv(max(0.0, deadline - time.monotonic()))
        except Closed:
            pass
        except (Timeout, ProtocolError, OSError):
            pass
        self._drop()
        return (self.close_code, self.close_reason) if self._close_received else None

    def abort(self):
        self._drop()

    def _drop(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None

    @property
    def closed(self):
        return self.sock is None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


HandshakeAnswer = collections.namedtuple("HandshakeAnswer", "status headers body")
