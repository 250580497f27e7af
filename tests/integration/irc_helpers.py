"""IRC helpers for the integration tests: a strict IRC client on a plain socket (standard library
only, loopback only), a harness.Client with IRC's framing: deadlines everywhere, no sleep ever
makes an assertion.

    import harness
    from irc_helpers import IrcCase

    class Chan(IrcCase):
        def test_join(self):
            srv = self.irc_server("--motd", path)   # charlad with --irc-listen 127.0.0.1:0
            ana = self.irc(srv, "ana", caps=("server-time",))   # connected and registered
            bob = self.irc(srv, "bob")
            ana.send("JOIN #x")
            ana.expect("JOIN", params=["#x"])        # the next line must be a JOIN of #x
            ana.wait_for("366")                      # skips lines (kept in .skipped)
            bob.send("JOIN #x")
            ana.expect("JOIN", lambda m: m.nick == "bob")
            self.assertEqual(ana.sync(), [])         # nothing else arrived

parse(line) -> Msg
    One IRC line (without CR LF) as .tags (dict: key -> unescaped value, "" when given without
    one), .source, .nick (the source up to '!'), .command (upper case), .params (the trailing
    one included, as the last), .raw. str(msg) is the raw line.

IrcClient(port, host="127.0.0.1", label=None, timeout=TIMEOUT, strict=True)
    Reads are framed by LF and must end in CR LF. With strict=True every line must be valid
    UTF-8, hold no NUL or lone CR, and be at most 512 bytes once its tags are taken away (CR LF
    included), as RFC 1459 and IRCv3 message-tags say; a violation fails the test at once.
    .send(line) adds CR LF; .send_raw(bytes) sends as is
    .readline(timeout) -> Msg; ClientEOF at the end of the stream, AssertionError at the deadline
    .expect(command, pred=None, params=None, timeout) -> the next line must have this command
        (a word or a numeric) and, if given, satisfy pred(msg) and have exactly these params
        (each a str, a compiled pattern that must fullmatch, or None for any)
    .wait_for(command, pred=None, params=None, timeout) -> skips lines until one matches
    .sync(timeout) -> the lines that arrived before the answer to "PING :marker-N" (the PONG
        itself is dropped). The server answers in order, so every line queued for this client
        before it read the marker is among them.
    .expect_silence() asserts that sync() returns nothing
    .ready() -> the lines that have arrived already, without waiting (never to prove that
        something did not happen: only that it has not happened yet)
    .expect_eof(timeout) -> the lines read before the server closed the connection
    .expect_error(reason_substring=None) -> the ERROR line, which must be the last before EOF
    .register(nick, caps=(), user=None, realname=None, password=None) -> the welcome burst
        (001 through 376 or 422). With caps: CAP LS 302, CAP REQ, CAP END around NICK and
        USER. .isupport holds the 005 tokens (value None for a bare token), .caps what was
        acknowledged, .ls the capabilities the server listed.
    .close(); .reset() (RST); .history is every Msg received

IrcCase(harness.TestCase)
    .irc_server(*flags, ai=False) -> harness.Server with --irc-listen 127.0.0.1:0, a fixed
        --server-name (SERVER) unless flags give one, --irc-flood 0 unless flags set flood
        control, and, unless ai, --no-ai
    .irc(srv, nick=None, caps=(), **kw) -> IrcClient on srv.irc_port, closed with the server,
        registered as nick when one is given
    .file(text) -> the path of a temporary file holding text (removed after the test)
"""

import os
import re
import tempfile
import time

import harness
from harness import ClientEOF, TIMEOUT

SERVER = "irc.test"
IRC_LINE_MAX = 512
# draft/chathistory is offered while history is kept: the harness gives every charlad a data
# directory of its own, so it is among them unless a test says --no-store.
ALL_CAPS = ("account-notify", "account-tag", "away-notify", "batch", "cap-notify", "draft/chathistory",
            "echo-message", "extended-join", "invite-notify", "labeled-response", "message-tags", "multi-prefix",
            "sasl", "server-time", "setname", "userhost-in-names")

_UNESCAPE = {":": ";", "s": " ", "\\": "\\", "r": "\r", "n": "\n"}


def unescape_tag(v):
    out, i = [], 0
    while i < len(v):
        ch = v[i]
        if ch == "\\":
            if i + 1 < len(v):
                out.append(_UNESCAPE.get(v[i + 1], v[i + 1]))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def escape_tag(v):
    return (v.replace("\\", "\\\\").replace(";", "\\:").replace(" ", "\\s")
            .replace("\r", "\\r").replace("\n", "\\n"))


class Msg:
    __slots__ = ("raw", "tags", "source", "command", "params")

    def __init__(self, raw, tags, source, command, params):
        self.raw, self.tags, self.source, self.command, self.params = (
            raw, tags, source, command, params)

    @property
    def nick(self):
        return self.source.split("!", 1)[0] if self.source else None

    @property
    def last(self):
        return self.params[-1] if self.params else None

    def __repr__(self):
        return repr(self.raw)

    def __str__(self):
        return self.raw


def parse(line):
    """Parses one line without its CR LF (Modern IRC grammar with IRCv3 tags)."""
    rest = line
    tags = {}
    if rest.startswith("@"):
        head, _, rest = rest[1:].partition(" ")
        for item in head.split(";"):
            key, eq, value = item.partition("=")
            assert key, "empty tag key in %r" % line
            tags[key] = unescape_tag(value) if eq else ""
        rest = rest.lstrip(" ")
    source = None
    if rest.startswith(":"):
        source, _, rest = rest[1:].partition(" ")
        rest = rest.lstrip(" ")
    command = None
    params = []
    while rest:
        if command is not None and rest.startswith(":"):
            params.append(rest[1:])
            break
        word, _, rest = rest.partition(" ")
        rest = rest.lstrip(" ")
        if command is None:
            command = word.upper()
        else:
            params.append(word)
    assert command, "no command in %r" % line
    return Msg(line, tags, source, command, params)


def _want_matches(want, value):
    if want is None:
        return True
    if isinstance(want, re.Pattern):
        return value is not None and bool(want.fullmatch(value))
    return want == value


def _show_want(command, pred, params):
    s = command
    if params is not None:
        s += " %r" % ([p.pattern if isinstance(p, re.Pattern) else p for p in params],)
    if pred is not None:
        s += " (with a condition)"
    return s


class IrcClient(harness.Client):
    """harness.Client's socket, deadlines and end-of-stream handling, with IRC's framing (CR LF,
    512 bytes before the tags) and lines parsed into Message values."""
    _seq = 0

    def __init__(self, port, host="127.0.0.1", label=None, timeout=TIMEOUT, strict=True,
                 rcvbuf=None):
        IrcClient._seq += 1
        super().__init__(port, host=host, label=label or "irc%d" % IrcClient._seq,
                         rcvbuf=rcvbuf, strict=strict, timeout=timeout)
        self.isupport = {}
        self.caps = set()
        self.ls = set()
        self.nick = None

    def __repr__(self):
        return "<IrcClient %s>" % self.label

    # ---- sending ----

    def send(self, line):
        data = line if isinstance(line, (bytes, bytearray)) else line.encode("utf-8")
        self.send_raw(bytes(data) + b"\r\n")

    # ---- receiving ----

    def _recent(self, n=10):
        return "\n".join("    %r" % m.raw for m in self.history[-n:]) or "    (nothing)"

    def _check(self, data):
        """The strict checks of one line as received (LF removed, CR still there)."""
        if not data.endswith(b"\r"):
            raise AssertionError("%s: a line not ended by CR LF: %r" % (self.label, data))
        body = data[:-1]
        if b"\r" in body or b"\0" in body:
            raise AssertionError("%s: CR or NUL inside a line: %r" % (self.label, data))
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as e:
            raise AssertionError("%s: invalid UTF-8 (%s): %r" % (self.label, e, data))
        rest = body
        if rest.startswith(b"@"):
            sp = rest.find(b" ")
            rest = rest[sp + 1:] if sp >= 0 else b""
        if len(rest) + 2 > IRC_LINE_MAX:
            raise AssertionError("%s: %d bytes after the tags (CR LF included), over 512: %r"
                                 % (self.label, len(rest) + 2, data))
        return text

    def _take(self, data):
        text = self._check(data) if self.strict else data.rstrip(b"\r").decode("utf-8", "replace")
        msg = parse(text)
        self.history.append(msg)
        return msg

    @staticmethod
    def matches(msg, command, pred=None, params=None):
        if msg.command != command.upper():
            return False
        if params is not None:
            if len(params) != len(msg.params):
                return False
            if not all(_want_matches(w, v) for w, v in zip(params, msg.params)):
                return False
        return pred is None or bool(pred(msg))

    def expect(self, command, pred=None, params=None, timeout=None):
        want = _show_want(command, pred, params)
        try:
            msg = self.readline(timeout)
        except ClientEOF as e:
            raise ClientEOF("%s: expected %s, got EOF\n%s" % (self.label, want, e))
        except AssertionError as e:
            raise AssertionError("%s: expected %s\n%s" % (self.label, want, e))
        if not self.matches(msg, command, pred, params):
            raise AssertionError("%s: expected %s\n   got %r\nlast lines:\n%s"
                                 % (self.label, want, msg.raw, self._recent()))
        return msg

    def wait_for(self, command, pred=None, params=None, timeout=None):
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        want = _show_want(command, pred, params)
        while True:
            try:
                msg = self.readline(max(0.0, deadline - time.monotonic()))
            except ClientEOF as e:
                raise ClientEOF("%s: waited for %s, got EOF\n%s" % (self.label, want, e))
            except AssertionError as e:
                raise AssertionError("%s: waited for %s in vain\n%s" % (self.label, want, e))
            if self.matches(msg, command, pred, params):
                return msg
            self.skipped.append(msg)

    def sync(self, timeout=None):
        """Sends PING :marker and returns the lines that arrived before its PONG."""
        self._sync += 1
        marker = "marker-%s-%d" % (re.sub(r"\W", "", self.label)[:20] or "x", self._sync)
        self.send("PING :" + marker)
        start = len(self.skipped)
        self.wait_for("PONG", lambda m: m.last == marker, timeout=timeout)
        lines = self.skipped[start:]
        del self.skipped[start:]
        return lines

    def ready(self):
        """The lines that have arrived already, without waiting for more."""
        if self.sock is not None and not self.eof:
            self.sock.setblocking(False)
            try:
                while True:
                    chunk = self.sock.recv(65536)
                    if not chunk:
                        self.eof = True
                        break
                    self.raw += chunk
                    self._buf += chunk
            except BlockingIOError:
                pass
            finally:
                self.sock.settimeout(self.timeout)
        got = []
        while b"\n" in self._buf:
            got.append(self.readline(0))
        return got

    def expect_silence(self, timeout=None):
        got = self.sync(timeout)
        if got:
            raise AssertionError("%s: expected nothing, got:\n%s"
                                 % (self.label, "\n".join("    %r" % m.raw for m in got)))

    def expect_eof(self, timeout=None):
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        lines = []
        while True:
            try:
                lines.append(self.readline(max(0.0, deadline - time.monotonic())))
            except ClientEOF:
                return lines
            except AssertionError:
                if self.eof:
                    raise
                raise AssertionError("%s: the connection was not closed within %.1f s; read:\n%s"
                                     % (self.label, self.timeout if timeout is None else timeout,
                                        "\n".join("    %r" % m.raw for m in lines[-10:])))

    def expect_error(self, reason=None, timeout=None):
        """Reads to EOF; the last line must be ERROR (containing `reason` if given)."""
        lines = self.expect_eof(timeout)
        if not lines or lines[-1].command != "ERROR":
            raise AssertionError("%s: expected ERROR before EOF, got:\n%s" % (
                self.label, "\n".join("    %r" % m.raw for m in lines[-10:]) or "    nothing"))
        if reason is not None and reason not in lines[-1].last:
            raise AssertionError("%s: ERROR without %r: %r" % (self.label, reason,
                                                               lines[-1].raw))
        return lines[-1]

    # ---- registration ----

    def cap_ls(self):
        """CAP LS 302 and the capabilities listed (over as many lines as it takes)."""
        self.send("CAP LS 302")
        while True:
            m = self.expect("CAP", lambda m: m.params[1] == "LS")
            self.ls.update(m.last.split())
            if m.params[2] != "*":
                return set(self.ls)

    def register(self, nick, caps=(), user=None, realname=None, password=None, timeout=None):
        """Registers; returns the welcome burst, 001 through 376 or 422."""
        self.label = nick
        if password is not None:
            self.send("PASS " + password)
        if caps:
            self.cap_ls()
        self.send("NICK " + nick)
        self.send("USER %s 0 * :%s" % (user or nick, realname or "Real " + nick))
        if caps:
            self.send("CAP REQ :" + " ".join(caps))
            ack = self.expect("CAP", timeout=timeout)
            if ack.params[1] != "ACK":
                raise AssertionError("%s: caps %r refused: %r" % (self.label, caps, ack.raw))
            self.caps.update(ack.last.split())
            self.send("CAP END")
        burst = [self.expect("001", timeout=timeout)]
        self.nick = burst[0].params[0]
        while burst[-1].command not in ("376", "422"):
            burst.append(self.readline(timeout))
        for m in burst:
            if m.command == "005":
                for tok in m.params[1:-1]:
                    key, eq, value = tok.partition("=")
                    self.isupport[key] = value if eq else None
        return burst


class IrcCase(harness.TestCase):
    def irc_server(self, *flags, ai=False):
        extra = ["--irc-listen", "127.0.0.1:0"]
        if "--server-name" not in [str(f) for f in flags]:
            extra += ["--server-name", SERVER]
        # Flood control slows a test that sends many commands: off unless a test sets it.
        if not any(str(f).startswith("--irc-flood") for f in flags):
            extra += ["--irc-flood", "0"]
        if not ai:
            extra.append("--no-ai")
        srv = self.server(*(extra + [str(f) for f in flags]))
        assert srv.irc_port, "no IRC port in charlad's log:\n" + srv.log_text()
        return srv

    def irc(self, srv, nick=None, caps=(), **kw):
        reg = {k: kw.pop(k) for k in ("user", "realname", "password") if k in kw}
        c = IrcClient(srv.irc_port, label=kw.pop("label", nick), **kw)
        srv.clients.append(c)
        if nick is not None:
            c.register(nick, caps=caps, **reg)
        return c

    def file(self, text):
        fd, path = tempfile.mkstemp(prefix="charla-irc-")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        self.addCleanup(os.unlink, path)
        return path

    def joined(self, client, channel, *others):
        """client JOINs channel and reads its own JOIN to the end of NAMES; each of `others`
        (already members) reads the JOIN. Returns the burst client read."""
        client.send("JOIN " + channel)
        burst = [client.expect("JOIN", lambda m: m.nick == client.nick and
                               m.params[0].lower() == channel.lower())]
        while burst[-1].command != "366":
            burst.append(client.readline())
        for o in others:
            o.expect("JOIN", lambda m: m.nick == client.nick and
                     m.params[0].lower() == channel.lower())
        return burst
