"""Harness for charlad integration tests: real processes, loopback only, ephemeral ports.

Python 3 standard library only. Every wait has a deadline; nothing sleeps to make an assertion.

Typical use (a file tests/integration/test_server_*.py, run as `python3 FILE /path/to/charlad`):

    import harness

    class Chat(harness.TestCase):
        def test_hello(self):
            srv = self.server("--max-line", "100")  # stopped and checked when the test ends
            ana = srv.client("ana")                 # connected and registered (name given)
            bob = srv.client("bob")
            ana.expect("[#lobby] -- bob joined")    # a str is compared with the whole next line
            bob.send("hola")
            ana.expect("[#lobby] bob: hola")
            m = ana.wait_for(harness.rx(r"\\[pm\\] (\\w+): .*"))  # a pattern must fullmatch; skips lines

    if __name__ == "__main__":
        harness.main()  # argv[1] or $CHARLAD is the charlad binary; prints a summary line

Server(*flags, ipv6=False, ipv4=True)
    Starts `charlad --listen 127.0.0.1:0 [--listen [::1]:0] FLAGS...`, waits for "ready" and
    reads the ports from the log (.port, .port6). Its stderr is drained by a thread into .log
    (a list of str). TestCase.server() registers the stop as a cleanup; use Server directly
    only with `with Server(...) as srv:` or an explicit stop()/kill().
    .client(name=None, ipv6=False, **kw) -> Client (registered as `name` if given)
    .users(*names) -> [Client]: registers each in turn, then reads (and drops) the join news
        each got up to a sync(), so that every client's next line is a fresh one
    .wait_log(want, timeout) -> the first log line matching (str: substring; pattern: search)
    .terminate(sig=SIGTERM) sends a signal once (a second SIGTERM means "stop now" to charlad)
    .stop(timeout=5, code=0, close_clients=True) -> seconds from the SIGTERM (terminate()'s or
        its own) to the exit. Asserts the exit code and that the log has no sanitizer report.
        Idempotent; closes the server's clients first unless told not to.
    .kill(); .sanitizer_lines(); .log_text()

Client(port, host="127.0.0.1", label=None, rcvbuf=None, strict=True)
    A netcat-like user. Reads are buffered and framed by LF; .raw keeps every byte received.
    With strict=True every line received must be valid UTF-8 without control characters other
    than TAB (the contract's promise); a violation fails the test at once.
    .send(text_or_bytes) adds "\\n"; .send_raw(bytes) sends as is
    .readline(timeout) -> str; raises ClientEOF at end of stream, an AssertionError at the deadline
    .expect(want, timeout) -> the next line must match (str: equal; pattern: fullmatch)
    .wait_for(want, timeout) -> skips lines (kept in .skipped) until one matches
    .expect_eof(timeout) -> the lines read before EOF (or a reset; then .was_reset is True)
    .expect_silence(settle=0.3) -> asserts that no line arrives for `settle` seconds
    .sync(timeout) -> the lines that arrived before the server answered a marker command; every
        line the server queued for us before it read the marker is among them
    .register(name, greeting=True) -> the welcome line (reads greeting and prompt first)
    .close(); .reset() closes with RST (SO_LINGER 0); .history is every line received

run_charlad(*args, timeout) -> subprocess.CompletedProcess (text), for flag tests; asserts no
    sanitizer report.

rx(pattern) compiles a regex; esc(text) escapes text for use inside one.
"""

import atexit
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

TIMEOUT = float(os.environ.get("CHARLA_TEST_TIMEOUT", "10"))
CHARLAD = os.environ.get("CHARLAD")

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "runtime error:", "LeakSanitizer",
                   "ERROR: UndefinedBehaviorSanitizer", "WARNING: ThreadSanitizer")

# The greeting offers every other language in itself (docs/protocol.md): Spanish, to English.
OFFER_ES = "Para hablar en español, escribe /lang es."
GREETING = re.compile(r"\* charlad \S+ on .+\. \d+ (person|people) online\. " + re.escape(OFFER_ES))
PROMPT = "* What is your name? (1-32 characters; no spaces, no ':')"

_all_servers = []


def rx(pattern):
    return re.compile(pattern)


def esc(text):
    return re.escape(text)


def _matches(want, line):
    if isinstance(want, re.Pattern):
        return want.fullmatch(line)
    return line if line == want else None


def _show(want):
    return "/%s/" % want.pattern if isinstance(want, re.Pattern) else repr(want)



_empty_config_path = []


def _empty_config():
    """The path of an empty charlad config file (mode 0600), made once per test process."""
    if not _empty_config_path:
        d = tempfile.mkdtemp(prefix="charla-test-conf-")
        path = os.path.join(d, "charlad.conf")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        atexit.register(shutil.rmtree, d, True)
        _empty_config_path.append(path)
    return _empty_config_path[0]

def temp_dir(prefix="charla-test-"):
    """A new temporary directory, removed when the test process ends."""
    d = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, d, True)
    return d


class ClientEOF(AssertionError):
    """The server closed the connection while a line was expected."""


class Server:
    def __init__(self, *flags, ipv6=False, ipv4=True, binary=None, ready_timeout=20.0):
        self.binary = binary or CHARLAD
        if not self.binary:
            raise RuntimeError("no charlad binary: pass it as argv[1] or set $CHARLAD")
        self.flags = [str(f) for f in flags]
        self.log = []
        self.port = None
        self.port6 = None
        self.clients = []
        self.returncode = None
        self.stop_seconds = None
        self.signalled_at = None
        self._cond = threading.Condition()
        self._eof = False
        argv = [self.binary]
        if ipv4:
            argv += ["--listen", "127.0.0.1:0"]
        if ipv6:
            argv += ["--listen", "[::1]:0"]
        # The IRC face only where a test asks for it: IRC's default port is one for the whole
        # machine, and the suites run in parallel.
        if not any(f.startswith("--irc-listen") or f == "--no-irc" for f in self.flags):
            argv.append("--no-irc")
        if not any(f.startswith("--http-listen") or f == "--no-http" for f in self.flags):
            argv.append("--no-http")
        # An empty config file unless the test brings one: the machine's own
        # /etc/charla/charlad.conf (or /usr/local/etc/...) must not change what a test sees.
        if not any(f == "--config" or f.startswith("--config=") for f in self.flags):
            argv += ["--config", _empty_config()]
        # A fresh data directory of its own unless the test names one (or --no-store), so that
        # tests never share a database nor leave one behind; and no history on join unless the
        # test asks, so that what a newcomer reads stays what the other suites expect.
        if not any(f.startswith("--data-dir") or f == "--no-store" for f in self.flags):
            argv += ["--data-dir", temp_dir("charla-test-data-")]
        # Suites connect many clients from loopback, quickly: the limits per address spare it
        # unless the test sets a limit itself (test_server_limits_addr.py).
        if not any(f.split("=")[0] in LIMIT_FLAGS for f in self.flags):
            argv += ["--limit-exempt", "127.0.0.0/8,::1"]
        # No message rate unless the test sets one (test_server_flood.py): suites send quickly.
        if not any(f.startswith("--msg-rate") for f in self.flags):
            argv += ["--msg-rate", "0"]
        if not any(f.startswith("--history-on-join") for f in self.flags):
            argv += ["--history-on-join", "0"]
        argv += self.flags
        self.irc_port = None
        self.http_port = None
        self.argv = argv
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        _all_servers.append(self)
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()
        try:
            # Text, or a JSON line (--log-format json).
            self.wait_log(rx(r'charlad: info: charlad \S+ ready|"msg":"charlad \S+ ready"'),
                          ready_timeout)
        except AssertionError:
            self.kill()
            raise
        for line in self.log:
            # The first of each: TLS listeners (--tls-listen...) open after the plain ones.
            m = re.search(r"listening on 127\.0\.0\.1:(\d+) \(tcp line\)", line)
            if m and self.port is None:
                self.port = int(m.group(1))
            m = re.search(r"listening on \[::1\]:(\d+) \(tcp line\)", line)
            if m and self.port6 is None:
                self.port6 = int(m.group(1))
            m = re.search(r"listening on (?:127\.0\.0\.1|\[::1\]):(\d+) \(irc\)", line)
            if m and self.irc_port is None:
                self.irc_port = int(m.group(1))
            m = re.search(r"listening on (?:127\.0\.0\.1|\[::1\]):(\d+) \(http\)", line)
            if m and self.http_port is None:
                self.http_port = int(m.group(1))
        if (ipv4 and not self.port) or (ipv6 and not self.port6):
            self.kill()
            raise AssertionError("no port in charlad's log:\n" + self.log_text())

    def _drain(self):
        for raw in self.proc.stderr:
            with self._cond:
                self.log.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def log_text(self):
        with self._cond:
            return "\n".join(self.log)

    def wait_log(self, want, timeout=TIMEOUT):
        """The first log line containing `want` (str) or where the pattern is found (search)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self.log:
                    if (want.search(line) if isinstance(want, re.Pattern) else want in line):
                        return line
                left = deadline - time.monotonic()
                if self._eof or left <= 0:
                    raise AssertionError("charlad never logged %s (%s); its log:\n%s" % (
                        _show(want), "exited" if self._eof else "timed out", "\n".join(self.log)))
                self._cond.wait(left)

    def client(self, name=None, ipv6=False, **kw):
        c = Client(self.port6 if ipv6 else self.port, host="::1" if ipv6 else "127.0.0.1",
                   label=kw.pop("label", name), **kw)
        self.clients.append(c)
        if name is not None:
            c.register(name)
        return c

    def users(self, *names, **kw):
        cs = [self.client(n, **kw) for n in names]
        for i, c in enumerate(cs):
            got = c.sync()
            want = ["[#lobby] -- %s joined" % n for n in names[i + 1:]]
            if got != want:
                raise AssertionError("%s: expected %r after registering, got %r"
                                     % (c.label, want, got))
        return cs

    def sanitizer_lines(self):
        with self._cond:
            return [l for l in self.log if any(m in l for m in SANITIZER_MARKS)]

    def running(self):
        return self.proc.poll() is None

    def kill(self):
        for c in self.clients:
            c.close()
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            pass
        self._thread.join(5)

    def terminate(self, sig=signal.SIGTERM):
        """Sends `sig` unless a signal was sent already; remembers when."""
        if self.signalled_at is None:
            self.signalled_at = time.monotonic()
            if self.proc.poll() is None:
                self.proc.send_signal(sig)

    def stop(self, timeout=5.0, code=0, close_clients=True):
        """SIGTERM, then asserts the exit code within `timeout` and a clean log. Idempotent."""
        if self.returncode is None:
            if close_clients:
                for c in self.clients:
                    c.close()
            self.terminate()
            try:
                self.returncode = self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise AssertionError("charlad did not exit within %.1f s of SIGTERM; its log:\n%s"
                                     % (timeout, self.log_text()))
            self.stop_seconds = time.monotonic() - self.signalled_at
            self._thread.join(5)
            for c in self.clients:
                c.close()
        bad = self.sanitizer_lines()
        if bad:
            raise AssertionError("sanitizer report in charlad's log:\n" + self.log_text())
        if self.returncode != code:
            raise AssertionError("charlad exited with %s, not %s; its log:\n%s"
                                 % (self.returncode, code, self.log_text()))
        return self.stop_seconds

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            self.stop()
        else:
            self.kill()
        return False


@atexit.register
def _kill_leftovers():
    for s in _all_servers:
        if s.proc.poll() is None:
            s.proc.kill()


# The flags of the connection limits per address (docs/protocol.md, "Limits").
LIMIT_FLAGS = ("--max-per-ip", "--max-per-ip24", "--max-per-ip64", "--connect-rate",
               "--limit-exempt")


class Client:
    _seq = 0

    def __init__(self, port, host="127.0.0.1", label=None, rcvbuf=None, strict=True,
                 timeout=TIMEOUT):
        Client._seq += 1
        self.label = label or "client%d" % Client._seq
        self.strict = strict
        self.timeout = timeout
        self.raw = bytearray()
        self.history = []
        self.skipped = []
        self.eof = False
        self.was_reset = False
        self._buf = b""
        self._sync = 0
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect((host, port))

    def __repr__(self):
        return "<Client %s>" % self.label

    # ---- sending ----

    def send_raw(self, data):
        self.sock.settimeout(self.timeout)
        self.sock.sendall(data)

    def send(self, text):
        data = text if isinstance(text, (bytes, bytearray)) else text.encode("utf-8")
        self.send_raw(bytes(data) + b"\n")

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None

    def reset(self):
        """Closes with an RST instead of a FIN (SO_LINGER on with a zero timeout)."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close()

    # ---- receiving ----

    def _recent(self, n=8):
        tail = self.history[-n:]
        return "\n".join("    " + repr(l) for l in tail) or "    (nothing)"

    def _check(self, data):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise AssertionError("%s: the server sent invalid UTF-8 (%s): %r" % (self.label, e, data))
        for ch in text:
            o = ord(ch)
            if (o < 0x20 and ch != "\t") or 0x7F <= o <= 0x9F:
                raise AssertionError("%s: the server sent control character U+%04X in %r"
                                     % (self.label, o, text))
        return text

    def _fill(self, deadline):
        """Reads once; False at the deadline. Raises ClientEOF at the end of the stream."""
        if self.eof or self.sock is None:
            raise ClientEOF("%s: connection closed; last lines:\n%s" % (self.label, self._recent()))
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        self.sock.settimeout(left)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            return False
        except ConnectionResetError:
            self.was_reset = True
            chunk = b""
        if not chunk:
            self.eof = True
            raise ClientEOF("%s: connection closed; last lines:\n%s" % (self.label, self._recent()))
        self.raw += chunk
        self._buf += chunk
        return True

    def _take(self, data):
        """One line as received (LF removed): checked, kept in .history, returned as str.
        A client of another protocol (irc_helpers.IrcClient) overrides this alone."""
        line = self._check(data) if self.strict else data.decode("utf-8", "replace")
        self.history.append(line)
        return line

    def readline(self, timeout=None):
        """The next line (without LF). AssertionError at the deadline, ClientEOF at the end."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            i = self._buf.find(b"\n")
            if i >= 0:
                data, self._buf = self._buf[:i], self._buf[i + 1:]
                return self._take(data)
            if self.eof:
                raise ClientEOF("%s: connection closed%s; last lines:\n%s" % (
                    self.label, " (partial line %r)" % self._buf if self._buf else "",
                    self._recent()))
            if not self._fill(deadline):
                raise AssertionError("%s: no line within %.1f s; last lines:\n%s"
                                     % (self.label, timeout or self.timeout, self._recent()))

    def expect(self, want, timeout=None):
        """The next line must be `want` (str) or fullmatch it (pattern). Returns line or match."""
        try:
            line = self.readline(timeout)
        except ClientEOF as e:
            raise ClientEOF("%s: expected %s, got EOF\n%s" % (self.label, _show(want), e))
        except AssertionError as e:
            raise AssertionError("%s: expected %s\n%s" % (self.label, _show(want), e))
        m = _matches(want, line)
        if not m:
            raise AssertionError("%s: expected %s\n   got %r\nlast lines:\n%s"
                                 % (self.label, _show(want), line, self._recent()))
        return m

    def wait_for(self, want, timeout=None):
        """Skips lines (appended to .skipped) until one matches `want`; returns line or match."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            try:
                line = self.readline(max(0.0, deadline - time.monotonic()))
            except ClientEOF as e:
                raise ClientEOF("%s: waited for %s, got EOF\n%s" % (self.label, _show(want), e))
            except AssertionError as e:
                raise AssertionError("%s: waited for %s in vain\n%s" % (self.label, _show(want), e))
            m = _matches(want, line)
            if m:
                return m
            self.skipped.append(line)

    def expect_eof(self, timeout=None):
        """Reads to the end of the stream; returns the lines read on the way."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        lines = []
        while True:
            try:
                lines.append(self.readline(max(0.0, deadline - time.monotonic())))
            except ClientEOF:
                return lines
            except AssertionError:
                raise AssertionError("%s: the connection was not closed within %.1f s; read:\n%s"
                                     % (self.label, timeout or self.timeout,
                                        "\n".join("    " + repr(l) for l in lines[-8:])))

    def expect_silence(self, settle=0.3):
        """Asserts that no line arrives for `settle` seconds (only to prove something did NOT
        happen; keep it short, and prefer sync() where a marker can be used)."""
        try:
            line = self.readline(settle)
        except ClientEOF:
            raise
        except AssertionError:
            return
        raise AssertionError("%s: expected nothing, got %r" % (self.label, line))

    def sync(self, timeout=None):
        """Sends a marker command and returns the lines that arrived before its answer.
        The server answers in order, so every line queued for us before it read the marker
        (every message fanned out before then) is in the result."""
        self._sync += 1
        word = "sync-%s-%d" % (re.sub(r"\W", "", self.label)[:20] or "x", self._sync)
        self.send("/" + word)
        want = "! Unknown command: /%s. Type /help for the list." % word
        start = len(self.skipped)
        self.wait_for(want, timeout)
        lines = self.skipped[start:]
        del self.skipped[start:]
        return lines

    def register(self, name, greeting=True, timeout=None):
        """Reads the greeting and the prompt (unless greeting=False), gives `name`, expects the
        welcome. Returns the welcome line."""
        if greeting:
            self.expect(GREETING, timeout)
            self.expect(PROMPT, timeout)
        self.send(name)
        self.label = name if isinstance(name, str) else self.label
        shown = name if isinstance(name, str) else name.decode("utf-8", "replace")
        return self.expect(rx(r"\* Welcome, %s! You are in #lobby with \d+ others?\. "
                              r"Type /help for commands\." % esc(shown.strip())), timeout).group(0)


def run_charlad(*args, timeout=20.0, binary=None):
    """Runs charlad with `args` to completion (for flag tests); asserts no sanitizer report."""
    args = [str(a) for a in args]
    # A data directory of its own (first, so that the flag under test stays last): a run that
    # fails after the store opened must not leave ./charla-data behind.
    if not any(a.startswith("--data-dir") or a == "--no-store" for a in args):
        args = ["--data-dir", temp_dir("charla-test-data-")] + args
    p = subprocess.run([binary or CHARLAD] + args, stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=timeout)
    bad = [l for l in p.stderr.splitlines() if any(m in l for m in SANITIZER_MARKS)]
    if bad:
        raise AssertionError("sanitizer report from charlad %s:\n%s" % (args, p.stderr))
    return p


class TestCase(unittest.TestCase):
    """A unittest.TestCase whose self.server(...) is stopped and checked after the test."""

    def setUp(self):
        self._servers = []

    def server(self, *flags, **kw):
        srv = Server(*flags, **kw)
        self._servers.append(srv)
        self.addCleanup(srv.stop)
        return srv


class _Result(unittest.TextTestResult):
    """Prints the log of every server of a failed test, and times each test."""

    def startTest(self, test):
        self._t0 = time.monotonic()
        super().startTest(test)

    def _dump(self, test):
        for srv in getattr(test, "_servers", []):
            self.stream.write("\n---- charlad log (%s) ----\n%s\n---- end of log ----\n"
                              % (" ".join(srv.argv[1:]), srv.log_text()))

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._dump(test)

    def addError(self, test, err):
        super().addError(test, err)
        self._dump(test)

    def stopTest(self, test):
        super().stopTest(test)
        if self.showAll:
            self.stream.write("    (%.2f s)\n" % (time.monotonic() - self._t0))


def main():
    """Takes the charlad path from argv[1] (or $CHARLAD), runs the tests, prints a summary line
    and exits non-zero if anything failed."""
    global CHARLAD
    args = sys.argv[1:]
    if args and not args[0].startswith("-"):
        CHARLAD = os.path.abspath(args.pop(0))
    if not CHARLAD or not os.access(CHARLAD, os.X_OK):
        print("usage: %s /path/to/charlad [unittest args]" % sys.argv[0], file=sys.stderr)
        sys.exit(2)
    name = os.path.splitext(os.path.basename(sys.argv[0]))[0]
    t0 = time.monotonic()
    prog = unittest.main(argv=[sys.argv[0]] + args, exit=False, verbosity=2,
                         testRunner=unittest.TextTestRunner(resultclass=_Result, verbosity=2))
    r = prog.result
    bad = len(r.failures) + len(r.errors) + len(r.unexpectedSuccesses)
    print("SUMMARY %s: %d run, %d failed, %d errors, %d skipped in %.1f s: %s" % (
        name, r.testsRun, len(r.failures), len(r.errors), len(r.skipped),
        time.monotonic() - t0, "FAIL" if bad or not r.testsRun else "OK"))
    sys.exit(1 if bad or not r.testsRun else 0)
