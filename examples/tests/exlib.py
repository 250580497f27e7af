"""Helpers shared by the tests of the classroom examples (Python 3 standard library only).

Every wait here has a deadline, so a broken program makes a test fail instead of hang. Waiting
for something to *not* happen (a server that must stay silent) is the one place where a test
waits a fixed time, QUIET seconds; a test never sleeps to let something happen, it waits for the
event itself.
"""
import queue
import re
import select
import socket
import subprocess
import sys
import threading
import time

# How long any one expected event (a line, a process exit) may take. Generous, because the tests
# also run under AddressSanitizer on a loaded machine, and a timeout only costs time on failure.
TIMEOUT = 15.0

# How long a server must stay silent to count as "says nothing". A broken server answers within
# milliseconds on loopback, so this is long enough to catch it and short enough to keep tests fast.
QUIET = 0.5

SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                   "runtime error:")


class TestFailure(AssertionError):
    pass


def check(cond, message):
    if not cond:
        raise TestFailure(message)


class Proc:
    """A child process. Threads collect its stdout (line by line) and stderr, so that it never
    blocks on a full pipe however much it prints, and the test can wait for one line at a time."""

    def __init__(self, argv, stdin=subprocess.DEVNULL):
        self.argv = [str(a) for a in argv]
        self.p = subprocess.Popen(self.argv, stdin=stdin, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)
        self.lines = queue.Queue()
        self.seen = []  # every stdout line so far, for error messages and final checks
        self.err = []
        self._out_thread = threading.Thread(target=self._read_out, daemon=True)
        self._err_thread = threading.Thread(target=self._read_err, daemon=True)
        self._out_thread.start()
        self._err_thread.start()

    def _read_out(self):
        for raw in self.p.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.seen.append(line)
            self.lines.put(line)
        self.lines.put(None)  # end of output

    def _read_err(self):
        for raw in self.p.stderr:
            self.err.append(raw.decode("utf-8", "replace"))

    @property
    def name(self):
        return self.argv[0].rsplit("/", 1)[-1]

    def describe(self):
        return "%s: stdout so far %r; stderr %r" % (self.name, self.seen, "".join(self.err))

    def next_line(self, timeout=TIMEOUT):
        """The next stdout line, waiting at most TIMEOUT seconds; fails at end of output."""
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise TestFailure("no output line within %.1f s from %s" % (timeout, self.describe()))
        if line is None:
            self.lines.put(None)
            raise TestFailure("%s ended its output early; %s" % (self.name, self.describe()))
        return line

    def expect(self, pattern, timeout=TIMEOUT):
        """Reads stdout lines until one matches the regular expression PATTERN (from its start)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TestFailure("no line matching %r from %s" % (pattern, self.describe()))
            m = re.match(pattern, self.next_line(left))
            if m:
                return m

    def write(self, data):
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def wait(self, timeout=TIMEOUT):
        """Waits for the process to exit by itself and returns its exit status."""
        try:
            rc = self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise TestFailure("%s did not exit within %.1f s; %s" % (self.name, timeout,
                                                                    self.describe()))
        self._out_thread.join(TIMEOUT)
        self._err_thread.join(TIMEOUT)
        self.check_sanitizers()
        return rc

    def stop(self):
        """Ends a process that would run forever (a server). Fails if it had already died."""
        rc = self.p.poll()
        if rc is None:
            self.p.terminate()
            try:
                self.p.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self._out_thread.join(TIMEOUT)
        self._err_thread.join(TIMEOUT)
        self.check_sanitizers()
        check(rc is None, "%s had exited on its own (status %s); %s" % (self.name, rc,
                                                                      self.describe()))

    def kill(self):
        """Cleanup after a failure: no checks, just make sure nothing is left running."""
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()

    def check_sanitizers(self):
        text = "".join(self.err)
        for mark in SANITIZER_MARKS:
            check(mark not in text, "%s: sanitizer report:\n%s" % (self.name, text))


def start_server(argv, **kw):
    """Starts a server that prints "listening on ADDRESS port PORT" first; returns (proc, port)."""
    proc = Proc(argv, **kw)
    m = proc.expect(r"listening on (\S+) port (\d+)$")
    return proc, int(m.group(2))


class LineSocket:
    """A TCP connection that the test drives by hand, reading the server's lines one at a time."""

    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=TIMEOUT)
        # Without Nagle's algorithm each send() leaves at once, so pieces really arrive apart.
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def has_data(self, timeout):
        if b"\n" in self.buf:
            return True
        r, _, _ = select.select([self.sock], [], [], timeout)
        return bool(r)

    def line(self, timeout=TIMEOUT):
        """The next line from the server, without its newline, as text."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            check(left > 0 and self.has_data(left),
                  "no complete line within %.1f s (have %r)" % (timeout, self.buf[:200]))
            data = self.sock.recv(65536)
            check(data, "the server closed the connection; unfinished data %r" % self.buf[:200])
            self.buf += data
        raw, self.buf = self.buf.split(b"\n", 1)
        return raw.decode("utf-8", "replace")

    def expect_silence(self, what):
        """Fails if the server sends anything within QUIET seconds."""
        if self.has_data(QUIET):
            data = self.buf or self.sock.recv(65536)
            raise TestFailure("%s, but the server sent %r" % (what, data[:200]))

    def expect_closed(self, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            check(left > 0 and self.has_data(left), "the server did not close the connection")
            data = self.sock.recv(65536)
            if not data:
                return
            self.buf += data
            check(b"\n" not in self.buf, "unexpected line before close: %r" % self.buf[:200])

    def close(self):
        self.sock.close()


def run_cases(cases):
    """Runs the case named by argv[1] with the remaining arguments (binary paths)."""
    if len(sys.argv) < 2 or sys.argv[1] not in cases:
        sys.exit("usage: %s {%s} BINARIES..." % (sys.argv[0], "|".join(cases)))
    cleanup = []
    try:
        cases[sys.argv[1]](sys.argv[2:], cleanup)
    except TestFailure as e:
        print("FAIL: %s" % e, file=sys.stderr)
        sys.exit(1)
    finally:
        for item in reversed(cleanup):
            try:
                item()
            except Exception:  # cleanup must not hide the real failure
                pass
    print("ok")
