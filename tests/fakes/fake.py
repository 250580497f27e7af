"""Starts tests/fakes/openai_fake.py for a test and talks to its control endpoints.

Python 3 standard library only. Every wait has a deadline. Typical use in tests/integration:

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fakes"))
    from fake import FakeOpenAI

    class Assistant(harness.TestCase):
        def test_answer(self):
            fake = FakeOpenAI("--key", "sk-test")      # listening once the constructor returns
            self.addCleanup(fake.stop)                  # stop() asserts a clean exit
            srv = self.server("--ai-base-url", fake.url, ...)
            ...
            self.assertEqual(fake.chat_requests()[-1]["headers"]["authorization"],
                             "Bearer sk-test")
            fake.wait(held=2)                           # two [[hold]] requests are in flight
            fake.release(1)

FakeOpenAI(*flags, host="127.0.0.1", ready_timeout=10, verbose=False)
    Runs `python3 openai_fake.py --port 0 --host HOST FLAGS...` with a pipe on stdin (closing it,
    or this process dying, stops the fake) and reads "PORT <n>". Its stderr is drained into .log.
    .port, .host; .url is the API base with /v1 ("http://127.0.0.1:PORT/v1"); .root is without.
    .requests() -> every request received, oldest first: dicts with id, time, method, path,
        headers (names lower-cased, values as received), body (parsed JSON or None), raw_body
        (only when the body was not JSON), status (sent, or None), state ("active", "held",
        "stalled", "done", "client_gone", "dropped", "stopped"), and for chat requests
        question (the last user message) and directives ([[name, args...], ...]).
    .chat_requests() -> the requests to .../chat/completions
    .stats() -> {"in_flight", "max_in_flight", "total", "held", "stalled", "completed",
        "client_gone", "requests"}: in_flight, held and stalled are chat requests now; total,
        completed (the fake wrote its whole response, whatever the status) and client_gone (the
        client closed first) count chat requests since the last reset; requests counts every
        request in .requests()
    .wait(timeout=TIMEOUT, **conds) -> stats once stats[k] >= v for every k=v given, and
        stats[k] <= v for every k_le=v (server-side long poll; AssertionError at the deadline),
        e.g. wait(held=2), wait(total=3), wait(in_flight_le=0)
    .idle(timeout=TIMEOUT) -> stats once nothing is in flight. The fake counts a request as done
        after its last write, a moment after the client may have read the whole answer: wait
        for counters rather than reading them right after a client finished.
    .reset() forgets requests, counters and [[fail-first]] counts (max_in_flight restarts from the
        current in_flight; held requests stay held)
    .release(n=None) -> how many [[hold]] requests were released (the n oldest, or all)
    .stop(timeout=5) -> closes stdin, sends SIGTERM, asserts exit code 0 within `timeout` and no
        Python traceback in the fake's stderr. Idempotent. .kill() for emergencies.
    Context manager: `with FakeOpenAI(...) as fake:` stops it at the end.

SPLIT_SAMPLE is the text the fake appends to answers in split mode.
"""

import atexit
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
from urllib.parse import urlencode

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE = os.path.join(HERE, "openai_fake.py")
TIMEOUT = float(os.environ.get("CHARLA_TEST_TIMEOUT", "10"))
SPLIT_SAMPLE = "¿Qué tal? ñandú 漢字 🎉"

_all_fakes = []


class FakeOpenAI:
    def __init__(self, *flags, host="127.0.0.1", ready_timeout=10.0, verbose=False,
                 python=None):
        self.host = host
        self.flags = [str(f) for f in flags]
        self.log = []
        self.returncode = None
        self._cond = threading.Condition()
        argv = [python or sys.executable, FAKE, "--port", "0", "--host", host]
        if verbose:
            argv.append("--verbose")
        self.argv = argv + self.flags
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        _all_fakes.append(self)
        self._err = threading.Thread(target=self._drain, daemon=True)
        self._err.start()
        self.port = self._read_port(ready_timeout)
        hostpart = "[%s]" % host if ":" in host else host
        self.root = "http://%s:%d" % (hostpart, self.port)
        self.url = self.root + "/v1"

    def _drain(self):
        for raw in self.proc.stderr:
            with self._cond:
                self.log.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def _read_port(self, timeout):
        got = []
        t = threading.Thread(target=lambda: got.append(self.proc.stdout.readline()), daemon=True)
        t.start()
        t.join(timeout)
        line = got[0].decode("ascii", "replace").strip() if got else ""
        if not line.startswith("PORT "):
            self.kill()
            raise AssertionError("openai_fake did not start (stdout %r); its stderr:\n%s"
                                 % (line, self.log_text()))
        return int(line.split()[1])

    def log_text(self):
        with self._cond:
            return "\n".join(self.log)

    def __repr__(self):
        return "<FakeOpenAI %s>" % (getattr(self, "url", None) or " ".join(self.argv))

    # ---- control endpoints ----

    def _call(self, method, path, timeout=TIMEOUT):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request(method, path, body=b"" if method == "POST" else None)
            resp = conn.getresponse()
            data = resp.read()
            if resp.status != 200:
                raise AssertionError("openai_fake %s %s: %d %r" % (method, path, resp.status,
                                                                    data))
            return json.loads(data.decode("utf-8"))
        finally:
            conn.close()

    def requests(self):
        return self._call("GET", "/_fake/requests")

    def chat_requests(self):
        return [r for r in self.requests() if r.get("chat")]

    def stats(self):
        return self._call("GET", "/_fake/stats")

    def wait(self, timeout=TIMEOUT, **conds):
        q = dict(conds, timeout=timeout)
        got = self._call("GET", "/_fake/wait?" + urlencode(q), timeout=timeout + 5)
        if not got["ok"]:
            raise AssertionError("openai_fake: waited %.1f s for %r in vain; stats %r"
                                 % (timeout, conds, got["stats"]))
        return got["stats"]

    def idle(self, timeout=TIMEOUT):
        return self.wait(timeout, in_flight_le=0)

    def reset(self):
        self._call("POST", "/_fake/reset")

    def release(self, n=None):
        path = "/_fake/release" + ("?n=%d" % n if n is not None else "")
        return self._call("POST", path)["released"]

    # ---- lifetime ----

    def running(self):
        return self.proc.poll() is None

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            pass
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass
        self._err.join(5)

    def stop(self, timeout=5.0):
        """Stops the fake; asserts exit code 0 and a stderr without tracebacks. Idempotent."""
        if self.returncode is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
            try:
                self.returncode = self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise AssertionError("openai_fake did not exit within %.1f s of SIGTERM; its "
                                     "stderr:\n%s" % (timeout, self.log_text()))
            self._err.join(5)
            self.proc.stdout.close()
        if self.returncode != 0:
            raise AssertionError("openai_fake exited with %s; its stderr:\n%s"
                                 % (self.returncode, self.log_text()))
        if "Traceback" in self.log_text():
            raise AssertionError("openai_fake raised; its stderr:\n" + self.log_text())

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
    for f in _all_fakes:
        if f.proc.poll() is None:
            f.proc.kill()
