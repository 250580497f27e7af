"""charlad integration: GET /metrics (the Prometheus text format 0.0.4, read by a strict parser
written here, and by promtool when it is installed or $PROMTOOL names it), its counters moving as
line, IRC and WebSocket users chat, a slow reader cut, the assistant against the fake OpenAI
server, who may read it (403), and --log-format json (every stderr line a JSON object).
docs/metrics.md is the contract.

Run: python3 test_server_metrics.py /path/to/charlad
"""

import json
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "fakes"))
import harness  # noqa: E402
from harness import TIMEOUT, esc, rx  # noqa: E402
from irc_helpers import IrcCase  # noqa: E402
from test_server_ws import WsIrc  # noqa: E402
from fake import FakeOpenAI  # noqa: E402

for _k in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CHARLA_AI_MODEL"):
    os.environ.pop(_k, None)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")
FACES = ("line", "udp", "irc", "websocket", "web")


# ---- a strict reader of the text format ----

def _value(text, where):
    if text in ("+Inf", "-Inf", "NaN"):
        return float(text.replace("Inf", "inf").replace("NaN", "nan"))
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", text):
        raise AssertionError("%s: not a value: %r" % (where, text))
    return float(text)


def _labels(text, where):
    """The inside of {...}: name="value" pairs, comma-separated, values with \\\\, \\" and \\n
    as the only escapes."""
    labels, i = {}, 0
    while i < len(text):
        m = re.compile(r'([^=,"]*)="').match(text, i)
        if not m or not LABEL.match(m.group(1)) or m.group(1).startswith("__"):
            raise AssertionError("%s: bad label at %r" % (where, text[i:]))
        name, i, value = m.group(1), m.end(), []
        while True:
            if i >= len(text):
                raise AssertionError("%s: unterminated label value" % where)
            ch = text[i]
            if ch == "\\":
                esc_ = text[i + 1:i + 2]
                if esc_ not in ("\\", '"', "n"):
                    raise AssertionError("%s: bad escape \\%s" % (where, esc_))
                value.append("\n" if esc_ == "n" else esc_)
                i += 2
            elif ch == '"':
                i += 1
                break
            elif ch == "\n":
                raise AssertionError("%s: a raw newline in a label" % where)
            else:
                value.append(ch)
                i += 1
        if name in labels:
            raise AssertionError("%s: label %s twice" % (where, name))
        labels[name] = "".join(value)
        if i < len(text):
            if text[i] != ",":
                raise AssertionError("%s: expected ',' at %r" % (where, text[i:]))
            i += 1
    return labels


def parse_exposition(text):
    """{family: {"type", "help", "samples": [(name, labels, value)]}}, after checking every rule
    this test holds charlad to: each family announced by HELP then TYPE before its samples, its
    samples together, valid names and labels, no sample twice, counters named *_total, gauges
    not, names charla_* or process_*, histograms cumulative with +Inf equal to _count."""
    if not text.endswith("\n"):
        raise AssertionError("the body does not end with a newline")
    families, current, seen = {}, None, set()
    for n, line in enumerate(text[:-1].split("\n"), 1):
        where = "line %d (%r)" % (n, line)
        if line.startswith("#"):
            m = re.fullmatch(r"# (HELP|TYPE) (\S+) (.*)", line)
            if not m:
                raise AssertionError("%s: a comment that is not HELP or TYPE" % where)
            kind, name, rest = m.groups()
            if not NAME.match(name):
                raise AssertionError("%s: bad family name" % where)
            if kind == "HELP":
                if name in families:
                    raise AssertionError("%s: family announced twice" % where)
                if re.search(r"\\[^\\n]", rest) or not rest:
                    raise AssertionError("%s: bad help text" % where)
                families[name] = {"help": rest, "type": None, "samples": []}
                current = name
            else:
                if current != name or families[name]["type"] is not None:
                    raise AssertionError("%s: TYPE not right after its HELP" % where)
                if rest not in TYPES:
                    raise AssertionError("%s: unknown type" % where)
                families[name]["type"] = rest
            continue
        m = re.fullmatch(r"([^{} ]+)(?:\{(.*)\})? (\S+)", line)
        if not m:
            raise AssertionError("%s: not a sample (or has a timestamp)" % where)
        name, labels, value = m.group(1), _labels(m.group(2) or "", where), _value(m.group(3), where)
        if not NAME.match(name):
            raise AssertionError("%s: bad metric name" % where)
        fam = families.get(current)
        if fam is None or fam["type"] is None:
            raise AssertionError("%s: a sample before any HELP and TYPE" % where)
        suffixes = ("_bucket", "_sum", "_count") if fam["type"] == "histogram" else ("",)
        if not any(name == current + s for s in suffixes):
            raise AssertionError("%s: not of family %s" % (where, current))
        key = (name, tuple(sorted(labels.items())))
        if key in seen:
            raise AssertionError("%s: the same sample twice" % where)
        seen.add(key)
        fam["samples"].append((name, labels, value))
    for name, fam in families.items():
        if fam["type"] is None or not fam["samples"]:
            raise AssertionError("family %s has no TYPE or no sample" % name)
        if not (name.startswith("charla_") or name.startswith("process_")):
            raise AssertionError("family %s is neither charla_* nor process_*" % name)
        if fam["type"] == "counter":
            if not name.endswith("_total"):
                raise AssertionError("counter %s does not end in _total" % name)
            for _, _, v in fam["samples"]:
                if v < 0 or math.isnan(v):
                    raise AssertionError("counter %s is %r" % (name, v))
        elif name.endswith("_total"):
            raise AssertionError("%s ends in _total but is a %s" % (name, fam["type"]))
        if fam["type"] == "histogram":
            _check_histogram(name, fam["samples"])
    return families


def _check_histogram(name, samples):
    groups = {}
    for sname, labels, value in samples:
        rest = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
        g = groups.setdefault(rest, {"buckets": [], "sum": None, "count": None})
        if sname == name + "_bucket":
            if "le" not in labels:
                raise AssertionError("%s: a bucket without le" % name)
            g["buckets"].append((_value(labels["le"], name), value))
        elif "le" in labels:
            raise AssertionError("%s: le on %s" % (name, sname))
        else:
            g["sum" if sname.endswith("_sum") else "count"] = value
    for rest, g in groups.items():
        les = [le for le, _ in g["buckets"]]
        counts = [c for _, c in g["buckets"]]
        if not les or les[-1] != math.inf:
            raise AssertionError("%s%s: the last bucket is not +Inf" % (name, rest))
        if les != sorted(les) or len(set(les)) != len(les):
            raise AssertionError("%s%s: buckets not in increasing le" % (name, rest))
        if counts != sorted(counts):
            raise AssertionError("%s%s: buckets not cumulative: %r" % (name, rest, counts))
        if g["count"] is None or g["sum"] is None:
            raise AssertionError("%s%s: no _count or _sum" % (name, rest))
        if counts[-1] != g["count"]:
            raise AssertionError("%s%s: +Inf %r != _count %r" % (name, rest, counts[-1], g["count"]))


def value(fams, name, family=None, **labels):
    """The sample `name` with exactly these labels, of family `name` (or `family`)."""
    for n, l, v in fams[family or name]["samples"]:
        if n == name and l == labels:
            return v
    raise AssertionError("no sample %s%r" % (name, labels))


# ---- HTTP ----

def get(port, path="/metrics", source=None):
    """(status, headers, body) of GET path, from the loopback address `source` if given."""
    s = socket.socket()
    s.settimeout(TIMEOUT)
    try:
        if source:
            s.bind((source, 0))
        s.connect(("127.0.0.1", port))
        s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n"
                   % (path, port)).encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    top, _, body = data.partition(b"\r\n\r\n")
    lines = top.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return int(lines[0].split(" ")[1]), headers, body


def promtool():
    return os.environ.get("PROMTOOL") or shutil.which("promtool")


class MetricsCase(IrcCase):
    def scrape(self, srv):
        status, headers, body = get(srv.http_port)
        self.assertEqual(status, 200, body)
        self.assertEqual(headers["content-type"], CONTENT_TYPE)
        text = body.decode("utf-8")
        fams = parse_exposition(text)
        tool = promtool()
        if tool:
            p = subprocess.run([tool, "check", "metrics"], input=text, text=True,
                               capture_output=True, timeout=TIMEOUT)
            self.assertEqual(p.returncode, 0, "promtool: %s%s" % (p.stdout, p.stderr))
        return fams

    def web_server(self, *flags, ai=False):
        return self.irc_server("--http-listen", "127.0.0.1:0", *flags, ai=ai)

    def ws(self, srv, nick):
        c = WsIrc(srv.http_port, label=nick)
        self.addCleanup(c.close)
        c.register(nick)
        return c

    def wait_value(self, srv, pred, what):
        """Scrapes until pred(families) holds: for a gauge that follows something the server
        does on its own time (a queue draining). Bounded by TIMEOUT."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            fams = self.scrape(srv)
            if pred(fams):
                return fams
            if time.monotonic() > deadline:
                raise AssertionError("never: " + what)


class Format(MetricsCase):
    def test_every_family_is_announced_typed_and_valid(self):
        srv = self.web_server()
        fams = self.scrape(srv)
        want = {
            "charla_connections": "gauge", "charla_connections_accepted_total": "counter",
            "charla_slow_readers_dropped_total": "counter", "charla_sessions_online": "gauge",
            "charla_sessions_queued": "gauge", "charla_rooms": "gauge",
            "charla_messages_total": "counter", "charla_deliveries_total": "counter",
            "charla_output_queue_bytes": "gauge", "charla_http_requests_total": "counter",
            "process_resident_memory_bytes": "gauge", "process_cpu_seconds_total": "counter",
            "process_open_fds": "gauge", "process_start_time_seconds": "gauge",
        }
        for name, typ in want.items():
            self.assertIn(name, fams)
            self.assertEqual(fams[name]["type"], typ, name)
        for face in FACES:
            value(fams, "charla_connections", face=face)
        self.assertGreater(value(fams, "process_resident_memory_bytes"), 1 << 20)
        self.assertGreater(value(fams, "process_open_fds"), 3)
        started = value(fams, "process_start_time_seconds")
        self.assertLess(abs(started - time.time()), 120)
        # The scrape's own connection is the one web connection; the earlier 2xx is counted.
        self.assertEqual(value(fams, "charla_connections", face="web"), 1)
        again = self.scrape(srv)
        self.assertEqual(value(again, "charla_http_requests_total", code="2xx"),
                         value(fams, "charla_http_requests_total", code="2xx") + 1)

    def test_the_parser_refuses_what_prometheus_would(self):
        good = "# HELP charla_a_total A.\n# TYPE charla_a_total counter\ncharla_a_total 1\n"
        parse_exposition(good)
        bad = [
            "charla_a_total 1\n",                                           # no HELP/TYPE
            good.replace("counter", "gauge"),                               # gauge named _total
            good.replace("charla_a_total", "charla_a"),                     # counter without _total
            good + "charla_a_total 2\n",                                    # twice
            good.replace(" 1\n", " one\n"),                                 # value
            good.replace(" 1\n", " 1 1700000000\n"),                        # timestamp
            good.replace("charla_a_total 1", 'charla_a_total{x="\\q"} 1'),  # escape
            good.replace("charla_a_total 1", 'charla_a_total{1x="a"} 1'),   # label name
            good[:-1],                                                      # no final newline
            "# HELP charla_h H.\n# TYPE charla_h histogram\n"
            'charla_h_bucket{le="1"} 2\ncharla_h_bucket{le="+Inf"} 1\n'
            "charla_h_sum 1\ncharla_h_count 1\n",                           # not cumulative
            "# HELP charla_h H.\n# TYPE charla_h histogram\n"
            'charla_h_bucket{le="1"} 1\ncharla_h_bucket{le="+Inf"} 2\n'
            "charla_h_sum 1\ncharla_h_count 3\n",                           # +Inf != count
        ]
        for text in bad:
            with self.assertRaises(AssertionError, msg=text):
                parse_exposition(text)


class Chat(MetricsCase):
    def test_counters_move_as_line_irc_and_websocket_users_chat(self):
        srv = self.web_server()
        before = self.scrape(srv)
        ana = srv.client("ana")                      # the line face
        bob = self.irc(srv, "bob")                   # IRC over TCP
        cai = self.ws(srv, "cai")                    # IRC over WebSocket
        for c in (bob, cai):
            self.joined(c, "#lobby")
        ana.wait_for("[#lobby] -- cai joined")
        for c in (bob, cai):
            c.sync()
        ana.sync()
        s0 = self.scrape(srv)
        for face, n in (("line", 1), ("irc", 1), ("websocket", 1), ("web", 1), ("udp", 0)):
            self.assertEqual(value(s0, "charla_connections", face=face), n, face)
        for face in ("line", "irc", "websocket"):
            self.assertEqual(value(s0, "charla_connections_accepted_total", face=face) -
                             value(before, "charla_connections_accepted_total", face=face), 1)
        self.assertEqual(value(s0, "charla_sessions_online"), 3)
        self.assertEqual(value(s0, "charla_sessions_queued"), 0)
        self.assertEqual(value(s0, "charla_rooms"), 1)

        # One message in the room (to bob and cai: the sender gets no echo) and one private
        # message (to ana): three deliveries of messages.
        ana.send("hola")
        for c in (bob, cai):
            c.expect("PRIVMSG", params=["#lobby", "hola"])
        bob.send("PRIVMSG ana :a solas")
        ana.expect("[pm] bob: a solas")
        cai.send("JOIN #otra")
        cai.wait_for("366")
        s1 = self.scrape(srv)
        d = lambda name, **l: value(s1, name, **l) - value(s0, name, **l)  # noqa: E731
        self.assertEqual(d("charla_messages_total", kind="room"), 1)
        self.assertEqual(d("charla_messages_total", kind="private"), 1)
        self.assertEqual(d("charla_deliveries_total", event="message"), 3)
        self.assertGreaterEqual(d("charla_deliveries_total", event="other"), 1)  # cai's JOIN
        self.assertEqual(value(s1, "charla_rooms"), 2)

        # Leaving is seen at once by the gauges (the close callback has run once the others
        # heard the quit... or soon after: wait for it, bounded).
        bob.send("QUIT :adios")
        ana.wait_for(rx(r"-- bob quit.*"))
        self.wait_value(srv, lambda f: value(f, "charla_connections", face="irc") == 0,
                        "the IRC connection leaves the gauge")
        cai.close()
        self.wait_value(srv, lambda f: value(f, "charla_connections", face="websocket") == 0,
                        "the WebSocket leaves the gauge")


class SlowReaders(MetricsCase):
    TEXT = "x" * 400

    def flood_until(self, srv, flood, pred, what):
        """flood sends lines until pred(scrape) holds; bounded in bytes and time."""
        deadline, sent = time.monotonic() + 30, 0
        while True:
            flood.send_raw(("%s\n" % self.TEXT).encode() * 64)
            sent += 64
            flood.sync()
            fams = self.scrape(srv)
            if pred(fams):
                return fams
            self.assertLess(time.monotonic(), deadline, "never: " + what)
            self.assertLess(sent, 200000, "never: " + what)

    def test_queued_bytes_follow_a_reader_that_stops_and_then_leaves(self):
        srv = self.web_server("--outq-hard", "0", "--outq-soft", "0")
        slow = srv.client("slow", rcvbuf=4096)
        flood = srv.client("flood")
        slow.sync()                                  # it reads nothing from here on
        fams = self.flood_until(srv, flood,
                                lambda f: value(f, "charla_output_queue_bytes") > 64 * 1024,
                                "output is queued for the reader that stopped")
        slow.reset()
        self.wait_value(srv, lambda f: value(f, "charla_output_queue_bytes") == 0,
                        "the queue's bytes leave the gauge with its connection")
        self.assertEqual(value(fams, "charla_slow_readers_dropped_total", face="line"), 0)

    def test_a_slow_reader_cut_is_counted_by_face(self):
        srv = self.web_server("--outq-hard", "64K", "--outq-soft", "0")
        slow = srv.client("slow", rcvbuf=4096)
        flood = srv.client("flood")
        slow.sync()
        self.flood_until(srv, flood,
                         lambda f: value(f, "charla_slow_readers_dropped_total", face="line") > 0,
                         "the slow reader is counted")
        srv.wait_log("(slow): disconnecting a slow reader")
        fams = self.scrape(srv)
        self.assertEqual(value(fams, "charla_slow_readers_dropped_total", face="line"), 1)
        for face in ("irc", "websocket", "web"):
            self.assertEqual(value(fams, "charla_slow_readers_dropped_total", face=face), 0)


class Assistant(MetricsCase):
    def test_requests_errors_and_latency(self):
        fake = FakeOpenAI()
        self.addCleanup(fake.stop)
        srv = self.web_server("--ai-url", fake.url, "--ai-rate", "0", ai=True)
        ana = srv.client("ana")
        s0 = self.scrape(srv)
        self.assertEqual(value(s0, "charla_assistant_requests_total"), 0)
        ana.send("gpt: [[say uno]]")
        ana.wait_for("[#lobby] gpt: ana: uno")
        ana.send("gpt: [[error 401]]")
        ana.wait_for(rx(r"\[#lobby\] gpt: .*"))
        # A 500 retried once, then the answer: two requests, one server error.
        ana.send("gpt: [[fail-first 1 500]] [[say dos]]")
        ana.wait_for("[#lobby] gpt: ana: dos")
        s1 = self.wait_value(srv, lambda f: value(f, "charla_assistant_running") == 0,
                             "the assistant has nothing running")
        self.assertEqual(value(s1, "charla_assistant_questions_total"), 3)
        self.assertEqual(value(s1, "charla_assistant_requests_total"), 4)
        errors = {l["kind"]: v for _, l, v in s1["charla_assistant_errors_total"]["samples"]}
        self.assertEqual(errors["auth"], 1)
        self.assertEqual(errors["server"], 1)
        self.assertEqual(sum(errors.values()), 2, errors)
        hist = "charla_assistant_request_duration_seconds"
        self.assertEqual(value(s1, hist + "_count", hist), 4)
        self.assertEqual(value(s1, hist + "_bucket", hist, le="+Inf"), 4)
        self.assertGreater(value(s1, hist + "_sum", hist), 0)


class Access(MetricsCase):
    def can_bind(self, addr):
        s = socket.socket()
        try:
            s.bind((addr, 0))
            return True
        except OSError:
            return False
        finally:
            s.close()

    def test_only_allowed_addresses_may_read(self):
        if not self.can_bind("127.0.0.2"):
            self.skipTest("cannot bind 127.0.0.2 as a source address")
        srv = self.web_server("--metrics-allow", "127.0.0.1, ::1")
        status, headers, body = get(srv.http_port, source="127.0.0.2")
        self.assertEqual(status, 403, body)
        self.assertNotIn(b"charla_", body)
        self.assertEqual(get(srv.http_port, source="127.0.0.1")[0], 200)
        # The page and /stats.json stay open to everyone.
        self.assertEqual(get(srv.http_port, "/stats.json", source="127.0.0.2")[0], 200)
        fams = self.scrape(srv)
        self.assertGreaterEqual(value(fams, "charla_http_requests_total", code="4xx"), 1)

    def test_loopback_by_default_and_a_block(self):
        if not self.can_bind("127.0.0.2"):
            self.skipTest("cannot bind 127.0.0.2 as a source address")
        srv = self.web_server()
        self.assertEqual(get(srv.http_port, source="127.0.0.2")[0], 200)
        srv2 = self.web_server("--metrics-allow", "10.0.0.0/8,127.0.0.2/32")
        self.assertEqual(get(srv2.http_port, source="127.0.0.2")[0], 200)
        self.assertEqual(get(srv2.http_port, source="127.0.0.1")[0], 403)

    def test_a_bad_list_is_refused_at_start(self):
        p = harness.run_charlad("--listen", "127.0.0.1:0", "--no-irc", "--udp", "off",
                                "--http-listen", "127.0.0.1:0", "--metrics-allow", "10.0.0.0/33")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("--metrics-allow", p.stderr)


class JsonLogs(MetricsCase):
    def test_every_line_is_a_json_object(self):
        srv = self.web_server("--log-format", "json", "-v")
        ana = srv.client("ana")
        bob = self.irc(srv, "bob")
        self.joined(bob, "#lobby")
        ana.send("hola")
        bob.wait_for("PRIVMSG")
        # A refused WebSocket origin is logged with the bytes the client sent: quotes,
        # backslashes and bytes that are not UTF-8 must still make a JSON line.
        s = socket.create_connection(("127.0.0.1", srv.http_port), timeout=TIMEOUT)
        s.sendall(b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                  b'Origin: http://evil"\\\xff\xc3\r\n\r\n')
        s.recv(65536)
        s.close()
        srv.wait_log("WebSocket refused")
        srv.stop()
        lines = srv.log
        self.assertGreater(len(lines), 5)
        stamp = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\Z")
        for line in lines:
            try:
                rec = json.loads(line)
            except ValueError:
                raise AssertionError("not JSON: %r" % line)
            self.assertEqual(set(rec) - {"truncated"}, {"ts", "level", "msg", "prog"}, line)
            self.assertTrue(stamp.match(rec["ts"]), line)
            self.assertIn(rec["level"], ("error", "warn", "info", "debug"))
            self.assertEqual(rec["prog"], "charlad")
        msgs = [json.loads(l)["msg"] for l in lines]
        self.assertTrue(any(re.search(r"ready$", m) for m in msgs))
        refused = [m for m in msgs if "WebSocket refused" in m]
        self.assertEqual(len(refused), 1)
        self.assertTrue(refused[0].endswith('origin http://evil"\\\ufffd\ufffd'), refused[0])


if __name__ == "__main__":
    harness.main()
