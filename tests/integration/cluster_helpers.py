"""Helpers for the cluster's integration tests (issue 18): a real redis-server of the test's own,
charlad nodes linked through it, and readers of what Redis and the nodes tell. Standard library
only; loopback and ephemeral ports; every wait has a deadline, nothing sleeps to make an
assertion.

    import cluster_helpers as ch

    class Chat(ch.ClusterCase):
        def test_cross(self):
            r = self.redis()                       # stopped when the test ends
            n1, n2 = self.nodes(2, r)              # linked: /stats.json says "whole", 2 nodes
            ana, bea = n1.client("ana"), n2.client("bea")
            ana.wait_for("[#lobby] -- bea joined")

Redis(*flags)
    redis-server (from $REDIS_SERVER or PATH) on 127.0.0.1 and a free port, in a temporary dir of
    its own (--dir, --save '', --appendonly no, --protected-mode no), ready when it answers PING.
    .url; .port; .stop() (SIGTERM, wait); .kill() (SIGKILL); .pause()/.resume() (SIGSTOP/SIGCONT);
    .restart() on the same port and dir; .cli(*args) one command on a connection of its own
    (RESP, raises RedisError on an error reply); .info(section) -> dict (values such as
    "calls=3,usec=9" parsed into dicts); .monitor() -> Monitor; .close() (idempotent).

Monitor(redis)
    A MONITOR connection read by a thread: .commands() -> [[b"PUBLISH", b"chan", b"payload"], ...]
    (arguments as bytes, unescaped; the command name upper-cased); .wait(pred, timeout) -> the
    first command satisfying pred; .close().

ClusterCase(IrcCase)
    .redis(*flags) -> Redis, closed after the test (after its nodes stop: they say goodbye)
    .node(redis, k, irc=False, lease=2, extra=()) -> harness.Server named node-K, with the web
        listener (for /stats.json and /metrics), --no-ai, and IRC when asked; stopped and checked
        after the test, or only reaped if the test killed it (self.kill9(srv)).
    .nodes(n, redis, **kw) -> [node-1..node-n], each seen "whole" with n nodes (wait_whole)
    .wait_whole(srvs, n) / .wait_state(srv, state) poll /stats.json on a deadline
    .kill9(srv) SIGKILL and reap
    .three() -> (redis, (node-1, node-2, node-3), (ana, bea, cris)): ana a line user on node-1,
        bea on node-2, cris an IRC user on node-3 who joined #lobby (NAMES listed all three);
        the join news read

RedisCluster(n=3)
    n redis-servers with --cluster-enabled yes (Redis above, each in its own dir, on free ports),
    made one Redis Cluster of n masters by `redis-cli --cluster create ... --cluster-replicas 0
    --cluster-yes`; ready when every node says cluster_state:ok. .nodes (the Redis objects);
    .owner(key) -> the Redis serving key's slot; .calls(*commands) summed over the nodes;
    .close(). ClusterCase.redis_cluster(n) closes it after the test. slot(key) is Redis's
    keyHashSlot (CRC16/XMODEM of the key or its {hash tag}, mod 16384).

nicks(text) -> the set of names of a NAMES or /who list; stats_json(srv) -> dict;
metric(srv, name, **labels) -> float (sum of the matching samples); rss_kb(srv, field) -> VmRSS (or VmHWM, the peak); until_answer(client, command, pattern) repeats a line command until
its answer has a matching line;
parse_cmsg(payload) -> (header words, fields); encode_cmsg(header words, fields) -> payload
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request

import harness
from harness import TIMEOUT
from irc_helpers import IrcCase

REDIS_SERVER = os.environ.get("REDIS_SERVER") or shutil.which("redis-server")
LEASE = 2  # seconds: --cluster-lease of the tests, so that deaths are seen quickly
SPLIT_EN = ("The chat is split: this server lost its link to the other nodes. "
            "People here can still talk.")
WHOLE_EN = "The chat is whole again."
SPLIT_ES = ("El chat está partido: este servidor perdió el enlace con los demás nodos. "
            "Quienes están aquí pueden seguir hablando.")
WHOLE_ES = "El chat vuelve a estar entero."

_all_redis = []


class RedisError(Exception):
    """An error reply (-ERR ..., -OOM ...)."""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- RESP (what redis-cli would say, without depending on it) ----

def resp_command(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, (bytes, bytearray)) else str(a).encode("utf-8")
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class RespConn:
    """One connection to Redis: commands in, replies out (RESP2)."""

    def __init__(self, port, timeout=TIMEOUT):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def close(self):
        self.sock.close()

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exactly(self, n):
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return RedisError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self._exactly(n)
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.reply() for _ in range(n)]
        raise ConnectionError("not RESP: %r" % line)

    def command(self, *args):
        self.sock.sendall(resp_command(*args))
        r = self.reply()
        if isinstance(r, RedisError):
            raise r
        return r


class Redis:
    def __init__(self, *flags):
        if not REDIS_SERVER:
            raise RuntimeError("redis-server is not installed (scripts/deps installs it)")
        self.flags = [str(f) for f in flags]
        self.dir = harness.temp_dir("charla-test-redis-")
        self.proc = None
        self.port = None
        _all_redis.append(self)
        for attempt in range(5):  # a free port may be taken between the probe and the bind
            self.port = free_port()
            if self._start(must=attempt == 4):
                break

    @property
    def url(self):
        return "redis://127.0.0.1:%d" % self.port

    def _start(self, must=True):
        argv = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
                "--save", "", "--appendonly", "no", "--protected-mode", "no",
                "--daemonize", "no", "--logfile", os.path.join(self.dir, "redis.log")]
        self.proc = subprocess.Popen(argv + self.flags, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                if must:
                    raise AssertionError("redis-server exited (%s); its log:\n%s"
                                         % (self.proc.returncode, self.log_text()))
                return False
            try:
                if self.cli("PING") == "PONG":
                    return True
            except (OSError, ConnectionError, RedisError):
                pass
            # Polling a process that is starting: nothing to wait on but the clock.
            time.sleep(0.02)
        self.proc.kill()
        raise AssertionError("redis-server did not answer PING within %.0f s" % TIMEOUT)

    def log_text(self):
        try:
            with open(os.path.join(self.dir, "redis.log"), encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return "(no log)"

    def cli(self, *args):
        c = RespConn(self.port)
        try:
            return c.command(*args)
        finally:
            c.close()

    def info(self, section="all"):
        out = {}
        for line in self.cli("INFO", section).decode().splitlines():
            if not line or line.startswith("#") or ":" not in line:
                continue
            k, v = line.split(":", 1)
            if "=" in v:
                out[k] = {a: b for a, _, b in (kv.partition("=") for kv in v.split(","))}
            else:
                out[k] = v
        return out

    def calls(self, *commands):
        """The sum of INFO commandstats' calls of these commands (lower case: publish, evalsha)."""
        stats = self.info("commandstats")
        return sum(int(stats.get("cmdstat_" + c, {}).get("calls", 0)) for c in commands)

    def monitor(self):
        return Monitor(self)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def _signal(self, sig):
        if self.running():
            self.proc.send_signal(sig)

    def pause(self):
        self._signal(signal.SIGSTOP)

    def resume(self):
        self._signal(signal.SIGCONT)

    def stop(self):
        self.resume()
        self._signal(signal.SIGTERM)
        if self.proc is not None:
            self.proc.wait(TIMEOUT)

    def kill(self):
        self._signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(TIMEOUT)

    def restart(self):
        """Starts a new redis-server on the same port and dir (the old one must be gone)."""
        if self.running():
            raise AssertionError("restart() of a redis-server still running")
        self._start()

    def close(self):
        if self.running():
            self.resume()
            self.proc.kill()
            self.proc.wait(TIMEOUT)


REDIS_CLI = os.environ.get("REDIS_CLI") or shutil.which("redis-cli")
CLUSTER_SLOTS = 16384


def crc16(data):
    """CRC16/XMODEM, as Redis Cluster's."""
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def slot(key):
    key = key.encode("utf-8") if isinstance(key, str) else key
    start = key.find(b"{")
    if start >= 0:
        end = key.find(b"}", start + 1)
        if end > start + 1:
            key = key[start + 1:end]
    return crc16(key) % CLUSTER_SLOTS


class RedisCluster:
    def __init__(self, n=3):
        if not REDIS_CLI:
            raise RuntimeError("redis-cli is not installed (scripts/deps installs it)")
        self.nodes = []
        try:
            for _ in range(n):
                self.nodes.append(Redis("--cluster-enabled", "yes",
                                        "--cluster-config-file", "nodes.conf"))
            argv = [REDIS_CLI, "--cluster", "create"]
            argv += ["127.0.0.1:%d" % r.port for r in self.nodes]
            argv += ["--cluster-replicas", "0", "--cluster-yes"]
            p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=TIMEOUT)
            if p.returncode != 0:
                raise AssertionError("redis-cli --cluster create failed:\n%s"
                                     % p.stdout.decode(errors="replace"))
            self._wait_ok()
        except BaseException:
            self.close()
            raise

    def _wait_ok(self):
        deadline = time.monotonic() + TIMEOUT
        for r in self.nodes:
            while True:
                info = r.cli("CLUSTER", "INFO").decode()
                if "cluster_state:ok" in info:
                    break
                if time.monotonic() > deadline:
                    raise AssertionError("the cluster never ok on %d:\n%s" % (r.port, info))
                # Gossip settling between other processes: nothing to wait on but the clock.
                time.sleep(0.05)

    def owner(self, key):
        """The Redis that serves key's slot (from CLUSTER SLOTS of the first node)."""
        s = slot(key)
        for lo, hi, master, *_ in self.nodes[0].cli("CLUSTER", "SLOTS"):
            if lo <= s <= hi:
                return next(r for r in self.nodes if r.port == master[1])
        raise AssertionError("no master serves slot %d" % s)

    def calls(self, *commands):
        return sum(r.calls(*commands) for r in self.nodes)

    def close(self):
        for r in self.nodes:
            r.close()


def _kill_leftover_redis():
    for r in _all_redis:
        if r.running():
            r.proc.kill()


import atexit  # noqa: E402
atexit.register(_kill_leftover_redis)


# MONITOR quotes arguments as sdscatrepr does: \\ \" \n \r \t \a \b and \xHH.
_REPR_ESC = {b"\\": b"\\", b'"': b'"', b"n": b"\n", b"r": b"\r", b"t": b"\t", b"a": b"\a",
             b"b": b"\b"}


def _unrepr(text):
    """The arguments of one MONITOR line after its '] ': a list of bytes."""
    args, i, n = [], 0, len(text)
    while i < n:
        if text[i:i + 1] != b'"':
            i += 1
            continue
        i += 1
        cur = bytearray()
        while i < n and text[i:i + 1] != b'"':
            ch = text[i:i + 1]
            if ch == b"\\":
                nxt = text[i + 1:i + 2]
                if nxt == b"x":
                    cur.append(int(text[i + 2:i + 4], 16))
                    i += 4
                    continue
                cur += _REPR_ESC.get(nxt, nxt)
                i += 2
                continue
            cur += ch
            i += 1
        args.append(bytes(cur))
        i += 1
    return args


class Monitor:
    def __init__(self, redis):
        self.conn = RespConn(redis.port)
        self.conn.sock.sendall(resp_command("MONITOR"))
        if self.conn.reply() != "OK":
            raise AssertionError("MONITOR refused")
        self._cmds = []
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self):
        self.conn.sock.settimeout(None)
        try:
            while True:
                line = self.conn._line()
                if not line.startswith(b"+"):
                    continue
                _, _, rest = line.partition(b"] ")
                args = _unrepr(rest)
                if args:
                    args[0] = args[0].upper()
                with self._cond:
                    self._cmds.append(args)
                    self._cond.notify_all()
        except (OSError, ConnectionError, ValueError):
            pass

    def commands(self):
        with self._cond:
            return list(self._cmds)

    def wait(self, pred, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for c in self._cmds:
                    if pred(c):
                        return c
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("MONITOR never saw the command; it saw:\n%s" % "\n".join(
                        "    %r" % c[:3] for c in self._cmds[-20:]))
                self._cond.wait(left)

    def close(self):
        try:
            self.conn.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.conn.close()
        self._thread.join(5)


# ---- the payload codec's shape (src/bridge/cluster/cmsg.c): `C1 TYPE NODE ID TIME N\n` then N
# netstrings `LEN:BYTES\n` ----

def parse_cmsg(payload):
    head, _, rest = payload.partition(b"\n")
    words = head.split(b" ")
    fields = []
    for _ in range(int(words[-1])):
        n, _, rest = rest.partition(b":")
        fields.append(rest[:int(n)])
        rest = rest[int(n) + 1:]
    return words, fields


def encode_cmsg(words, fields):
    words = list(words[:-1]) + [b"%d" % len(fields)]
    return b" ".join(words) + b"\n" + b"".join(b"%d:%s\n" % (len(f), f) for f in fields)


# ---- reading the nodes ----

def http_get(srv, path):
    """(status, body bytes) of GET path on srv's web listener."""
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (srv.http_port, path),
                                    timeout=TIMEOUT) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def stats_json(srv):
    status, body = http_get(srv, "/stats.json")
    assert status == 200, "GET /stats.json: %d %r" % (status, body[:200])
    return json.loads(body)


def metric(srv, name, missing=False, **labels):
    """The sum of the samples of `name` in srv's /metrics whose labels include `labels` (None if
    there is none and `missing` says that is allowed)."""
    status, body = http_get(srv, "/metrics")
    assert status == 200, "GET /metrics: %d" % status
    total, seen = 0.0, False
    for line in body.decode().splitlines():
        m = re.fullmatch(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)", line)
        if not m or m.group(1) != name:
            continue
        got = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        if all(got.get(k) == v for k, v in labels.items()):
            total += float(m.group(4))
            seen = True
    if not seen and missing:
        return None
    assert seen, "no sample %s%r in /metrics" % (name, labels)
    return total


def rss_kb(srv, field="VmRSS"):
    """srv's resident memory in kB (VmHWM: its peak so far)."""
    with open("/proc/%d/status" % srv.proc.pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError("no %s for pid %d" % (field, srv.proc.pid))


def nicks(text):
    """The names of a NAMES or /who list, without their @ and + marks."""
    return {n.lstrip("@+") for n in text.split()}


def until_answer(client, command, want, timeout=TIMEOUT):
    """Sends `command` (a line client's) again until one of its answer's lines fullmatches the
    pattern `want`, on a deadline; returns the match. For what another node learns a moment
    after it happened, when nobody there is shown it (a join into a room with no member there)."""
    deadline = time.monotonic() + timeout
    while True:
        client.send(command)
        lines = client.sync()
        for line in lines:
            m = want.fullmatch(line)
            if m:
                return m
        if time.monotonic() > deadline:
            raise AssertionError("%s: %s never answered /%s/; last answer: %r"
                                 % (client.label, command, want.pattern, lines))


def cluster_of(srv):
    return stats_json(srv).get("cluster") or {}


class ClusterCase(IrcCase):
    def setUp(self):
        super().setUp()
        if not REDIS_SERVER:
            self.skipTest("redis-server is not installed (scripts/deps installs it)")
        self._killed = set()

    def redis(self, *flags):
        r = Redis(*flags)
        self.addCleanup(r.close)
        return r

    def redis_cluster(self, n=3):
        rc = RedisCluster(n)
        self.addCleanup(rc.close)
        return rc

    def node_flags(self, redis_url, k, irc=False, lease=LEASE, extra=(), ai=None):
        """ai: the URL of an OpenAI-compatible fake for the node's assistant (None: --no-ai)."""
        flags = ["--http-listen", "127.0.0.1:0",
                 "--cluster", redis_url, "--node-name", "node-%d" % k,
                 "--cluster-lease", str(lease)]
        flags += ["--ai-url", ai, "--ai-rate", "0"] if ai else ["--no-ai"]
        if irc:
            flags += ["--irc-listen", "127.0.0.1:0", "--irc-flood", "0",
                      "--server-name", "node%d.test" % k]
        return flags + [str(f) for f in extra]

    def node(self, redis, k, irc=False, lease=LEASE, extra=(), url=None, ai=None):
        srv = harness.Server(*self.node_flags(url or redis.url, k, irc, lease, extra, ai))
        srv.node_name = "node-%d" % k
        self._servers.append(srv)
        self.addCleanup(self._finish, srv)
        return srv

    def _finish(self, srv):
        if srv in self._killed:
            srv.kill()
            return
        srv.stop()

    def kill9(self, srv):
        self._killed.add(srv)
        srv.proc.kill()
        srv.proc.wait(TIMEOUT)

    def nodes(self, n, redis, **kw):
        srvs = [self.node(redis, k, **kw) for k in range(1, n + 1)]
        self.wait_whole(srvs, n)
        return srvs

    def wait_state(self, srv, state, nodes=None, timeout=TIMEOUT):
        """Polls srv's /stats.json until cluster.state is `state` (and it lists `nodes` nodes)."""
        deadline = time.monotonic() + timeout
        while True:
            c = cluster_of(srv)
            if c.get("state") == state and (nodes is None or len(c.get("nodes", [])) == nodes):
                return c
            if not c and state == "whole" and nodes and self._log_whole(srv, nodes):
                return c  # no "cluster" in /stats.json (test_stats_show_every_node says so)
            if time.monotonic() > deadline:
                raise AssertionError("%s: cluster never %s with %s nodes; last: %r"
                                     % (getattr(srv, "node_name", "?"), state, nodes, c))
            # Polling another process's state over HTTP: the clock is all there is to wait on.
            time.sleep(0.05)

    @staticmethod
    def _log_whole(srv, n):
        """What the log says: linked, and each of the n-1 other nodes joined."""
        log = srv.log_text()
        others = ["node-%d" % k for k in range(1, n + 1) if "node-%d" % k != srv.node_name]
        return ("cluster: node %s linked" % srv.node_name in log
                and all("cluster: node %s joined" % o in log for o in others))

    def wait_whole(self, srvs, n, timeout=TIMEOUT):
        for s in srvs:
            self.wait_state(s, "whole", n, timeout)

    def three(self):
        """node-1 (ana, line), node-2 (bea, line), node-3 (cris, IRC), all in #lobby."""
        r = self.redis()
        n1, n2, n3 = self.nodes(3, r, irc=True)
        ana = n1.client("ana")
        bea = n2.client("bea")
        ana.wait_for("[#lobby] -- bea joined")
        cris = self.irc(n3, "cris")
        cris.send("JOIN #lobby")
        cris.expect("JOIN", lambda m: m.nick == "cris")
        names = set()
        while True:
            m = cris.readline()
            if m.command == "353":
                names |= nicks(m.last)
            if m.command == "366":
                break
        assert names == {"ana", "bea", "cris"}, "NAMES of #lobby on node-3 at JOIN: %r" % names
        for c in (ana, bea):
            c.wait_for("[#lobby] -- cris joined")
        return r, (n1, n2, n3), (ana, bea, cris)
