"""UDP helpers for the integration tests (standard library only, loopback only).

Peer(port, host="127.0.0.1")
    A UDP user on a plain socket, as with `nc -u`, that counts every byte both ways.
    .send(text_or_bytes, lf=True) sends one datagram; .recv(timeout) -> bytes (AssertionError at
    the deadline); .silent(settle) asserts nothing arrives for `settle` seconds.
    .register(name) runs the cookie exchange and reads the greeting, the prompt and the welcome.
    .readline(timeout) -> the next line of the session (parts of a split line joined), checking
    that sequence numbers go up by one (loopback loses nothing), or "HELLO?", "COOKIE c" or the
    "! ..." line of a datagram outside the session; .wait_for(pattern) skips lines.
    .sent_bytes, .recv_bytes, .datagrams (every datagram received).

parse(datagram) -> (kind, seq, part, parts, text) following docs/protocol.md:
    kind is "session", "cookie", "hello" or "error".

Relay(server_port, drop=set(), dup=set(), swap={})
    A loopback UDP relay between one client and the server that forwards datagrams both ways
    and, on the way to the client, drops, duplicates or swaps chosen session datagrams, named by
    their text. .port is where the client sends; .counts() says what went each way.
"""

import re
import select
import socket
import threading
import time

SAFE_PAYLOAD = 1200
HEADER = re.compile(rb"(\d+)(?::(\d+)/(\d+))? ")


def parse(dg):
    """Splits a server datagram into (kind, seq, part, parts, text); raises on anything else."""
    assert dg.endswith(b"\n"), "datagram without a final LF: %r" % dg
    body = dg[:-1]
    m = HEADER.match(body)
    if m:
        seq = int(m.group(1))
        part, parts = (int(m.group(2)), int(m.group(3))) if m.group(2) else (1, 1)
        return "session", seq, part, parts, body[m.end():].decode("utf-8")
    if re.fullmatch(rb"COOKIE [0-9a-f]{16}", body):
        return "cookie", 0, 0, 0, body[7:].decode()
    if body == b"HELLO?":
        return "hello", 0, 0, 0, ""
    if body.startswith(b"! "):
        return "error", 0, 0, 0, body.decode("utf-8")
    raise AssertionError("not a charla datagram: %r" % dg)


def check_text(dg, who="peer"):
    """Every datagram is valid UTF-8 with no control character but its final LF."""
    text = dg.decode("utf-8")  # raises on invalid UTF-8, i.e. on a part cut inside a character
    for ch in text[:-1]:
        o = ord(ch)
        if (o < 0x20 and ch != "\t") or 0x7F <= o <= 0x9F:
            raise AssertionError("%s: control character U+%04X in %r" % (who, o, text))
    assert len(dg) <= SAFE_PAYLOAD, "%s: a %d-byte datagram" % (who, len(dg))


class Peer:
    def __init__(self, port, host="127.0.0.1", label="peer", timeout=10.0):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.bind((host, 0))
        self.addr = (host, port)
        self.label = label
        self.timeout = timeout
        self.sent_bytes = 0
        self.recv_bytes = 0
        self.datagrams = []
        self.history = []
        self.seq = 0
        self.skipped = []

    def close(self):
        self.sock.close()

    def send(self, data, lf=True):
        if isinstance(data, str):
            data = data.encode("utf-8")
        if lf:
            data += b"\n"
        self.sock.sendto(data, self.addr)
        self.sent_bytes += len(data)

    def recv(self, timeout=None):
        self.sock.settimeout(self.timeout if timeout is None else timeout)
        try:
            dg, _ = self.sock.recvfrom(65536)
        except socket.timeout:
            raise AssertionError("%s: no datagram within %.1f s; last lines: %r"
                                 % (self.label, timeout or self.timeout, self.history[-5:]))
        self.recv_bytes += len(dg)
        self.datagrams.append(dg)
        check_text(dg, self.label)
        return dg

    def silent(self, settle=0.3):
        self.sock.settimeout(settle)
        try:
            dg, _ = self.sock.recvfrom(65536)
        except socket.timeout:
            return
        raise AssertionError("%s: expected nothing, got %r" % (self.label, dg))

    def drain(self):
        """Every datagram already waiting, without blocking."""
        got = []
        self.sock.setblocking(False)
        try:
            while True:
                try:
                    dg, _ = self.sock.recvfrom(65536)
                except BlockingIOError:
                    return got
                self.recv_bytes += len(dg)
                self.datagrams.append(dg)
                got.append(dg)
        finally:
            self.sock.setblocking(True)

    def cookie(self):
        self.send("/hello %s" % self.label + " " * 24)
        kind, _, _, _, text = parse(self.recv())
        assert kind == "cookie", (kind, text)
        return text

    def register(self, name, expect_welcome=True):
        """The whole exchange; returns the welcome line. A new session counts from 1."""
        self.label = name
        self.seq = 0
        cookie = self.cookie()
        self.send("/hello %s %s" % (name, cookie))
        assert re.fullmatch(r"\* charlad \S+ on .+\. \d+ (person|people) online\. "
                            r"Para hablar en español, escribe /lang es\.",
                            self.readline()), self.history
        assert self.readline().startswith("* What is your name?"), self.history
        if not expect_welcome:
            return None
        welcome = self.readline()
        assert welcome.startswith("* Welcome, %s! " % name), welcome
        return welcome

    def readline(self, timeout=None):
        """The next session line, parts joined; sequence numbers must go up one by one."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        text = ""
        while True:
            dg = self.recv(max(0.01, deadline - time.monotonic()))
            kind, seq, part, parts, t = parse(dg)
            if kind != "session":
                line = {"hello": "HELLO?", "cookie": "COOKIE " + t, "error": t}[kind]
                self.history.append(line)
                return line
            assert seq == self.seq + 1, "%s: seq %d after %d" % (self.label, seq, self.seq)
            self.seq = seq
            text += t
            if part == parts:
                self.history.append(text)
                return text

    def wait_for(self, pattern, timeout=None):
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        rx = re.compile(pattern)
        while True:
            line = self.readline(max(0.01, deadline - time.monotonic()))
            if rx.fullmatch(line):
                return line
            self.skipped.append(line)


class Relay:
    """Forwards between one client and the server; see the module's docstring. Rules name
    session datagrams by their text (what follows the header): `drop` and `dup` are sets of
    texts, `swap` maps a text to the text whose datagram it waits for."""

    def __init__(self, server_port, drop=(), dup=(), swap=None):
        self.server = ("127.0.0.1", server_port)
        self.drop = set(drop)
        self.dup = set(dup)
        self.swap = dict(swap or {})
        self.front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.front.bind(("127.0.0.1", 0))
        self.port = self.front.getsockname()[1]
        self.back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.back.bind(("127.0.0.1", 0))
        self.client = None
        self.lock = threading.Lock()
        self.to_server = 0
        self.from_server = 0
        self.to_client = 0
        self.numbered_to_client = 0
        self.seqs = []        # session seqs that came from the server, in order
        self.held = {}        # text waited for -> held datagram
        self.done = []        # what the rules did: ("drop", text), ...
        self.stopping = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _to_client(self, dg, numbered):
        self.front.sendto(dg, self.client)
        self.to_client += 1
        self.numbered_to_client += 1 if numbered else 0

    def _run(self):
        while not self.stopping:
            ready, _, _ = select.select([self.front, self.back], [], [], 0.1)
            for s in ready:
                dg, addr = s.recvfrom(65536)
                with self.lock:
                    if s is self.front:
                        self.client = addr
                        self.to_server += 1
                        self.back.sendto(dg, self.server)
                        continue
                    self.from_server += 1
                    if self.client is None:
                        continue
                    m = HEADER.match(dg)
                    if not m:
                        self._to_client(dg, False)
                        continue
                    self.seqs.append(int(m.group(1)))
                    text = dg[m.end():].rstrip(b"\n").decode("utf-8", "replace")
                    if text in self.drop:
                        self.drop.discard(text)
                        self.done.append(("drop", text))
                        continue
                    if text in self.swap:
                        self.held[self.swap.pop(text)] = dg
                        self.done.append(("hold", text))
                        continue
                    self._to_client(dg, True)
                    if text in self.dup:
                        self.dup.discard(text)
                        self._to_client(dg, True)
                        self.done.append(("dup", text))
                    if text in self.held:
                        self._to_client(self.held.pop(text), True)
                        self.done.append(("release", text))

    def counts(self):
        with self.lock:
            return (self.to_server, self.to_client, self.numbered_to_client, list(self.seqs),
                    list(self.done))

    def close(self):
        self.stopping = True
        self.thread.join(2)
        self.front.close()
        self.back.close()
