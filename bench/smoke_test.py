"""bench_smoke: runs charla-bench against servers started here, as a correctness check.

Runs of 20 receivers and 2 senders with 50 messages each, on ephemeral loopback ports:

  line  charlad's line protocol;
  tls   the same on charlad's TLS port (--tls-listen, a throwaway self-signed P-256 pair made
        here with openssl), the generator speaking TLS (--tls): a generator speaking in clear
        there would be cut at its first line;
  ws    IRC over charlad's WebSocket endpoint (--proto ws, /ws, text.ircv3.net), with 200-byte
        payloads so that deliveries take frames with 16-bit lengths;
  ws    the same against a scripted WebSocket IRC server in this file, which does what charlad
        does not but a server may: a message of more than 64 KiB (a 64-bit length), messages in
        fragments with a PING between them, frames split across writes and many in one write.
        It also checks the generator's side: every client frame masked, the PINGs answered with
        their payload, the accept key as RFC 6455 wants it.
  ports one charlad with two line ports, the receivers spread over them (--port P1,P2), the
        join news waited out (--join-quiet), per-port figures and a Redis's INFO (--redis, a
        redis-server started here) in the report;
  cluster when charlad has --cluster: three nodes sharing that Redis, the receivers over their
        three ports, the senders on the first: every message reaches every node's receivers,
        and each crosses Redis as one PUBLISH (bench/run --cluster's load, small).

Passes when the generator exits 0, its last line is JSON that parses, every message reached every
receiver once and in order, and the server's RSS was read (charlad). Nothing is timed: the
generator's own deadline only bounds each run.

Usage: smoke_test.py CHARLA_BENCH CHARLAD
(BENCH_SMOKE_SEED seeds the scripted server's cuts and fragments; 1 unless set.)
"""

import asyncio
import base64
import hashlib
import json
import os
import random
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

from run_cluster import wait_nodes  # bench/run --cluster's: the nodes are linked

DEADLINE_S = 30
N, S, M = 20, 2, 50


def start_charlad(charlad, extra, face, port_re=None, count=1):
    """Starts charlad on 127.0.0.1, ephemeral ports; returns (process, the port of face), or the
    port in the first log line that port_re matches; with count > 1, the ports of the first count
    such lines, as a list."""
    port_re = port_re or r"listening on 127\.0\.0\.1:(\d+) \(" + re.escape(face) + r"\)"
    ports = []
    proc = subprocess.Popen(
        # Every client comes from 127.0.0.1 at once: spare loopback from the limits per address;
        # and the senders send as fast as they can: no message rate (--msg-rate).
        [charlad, "--listen", "127.0.0.1:0", "--name-timeout", "0", "--no-store",
         "--limit-exempt", "127.0.0.0/8,::1", "--msg-rate", "0"] + extra,
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        m = re.search(port_re, line)
        if m:
            ports.append(int(m.group(1)))
        if len(ports) == count:
            # Keep reading its log, so that a full pipe never blocks it.
            threading.Thread(target=proc.stderr.read, daemon=True).start()
            return proc, ports[0] if count == 1 else ports
    proc.kill()
    proc.wait()
    raise SystemExit(f"bench_smoke: charlad did not say which port its {face} face listens on")


def stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run_bench(bench, port, pid, args, label):
    argv = [bench, "--port", str(port), "-n", str(N), "-s", str(S), "-m", str(M),
            "--window", "8", "--deadline", str(DEADLINE_S), "--label", label] + args
    if pid:
        argv += ["--pid", str(pid)]
    run = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                         timeout=DEADLINE_S + 15)
    sys.stdout.write(run.stdout)
    sys.stderr.write(run.stderr)
    lines = run.stdout.strip().splitlines()
    assert lines, f"{label}: no output"
    return run.returncode, json.loads(lines[-1])


def check(label, rc, result, join_lines=None, rss=True):
    failures = []
    if rc != 0:
        failures.append(f"exit status {rc}")
    expect = {"status": "done", "clean": True, "n": N, "s": S, "m": M, "expected": N * S * M,
              "delivered": N * S * M, "lost": 0, "dup": 0, "reorder": 0, "bogus": 0, "echoes": 0,
              "error_lines": 0}
    if join_lines is not None:
        expect["join_lines"] = join_lines
    for key, want in expect.items():
        if result.get(key) != want:
            failures.append(f"{key} = {result.get(key)!r}, expected {want!r}")
    # Each sender also receives the other sender's messages (neither server echoes).
    if result.get("peer_lines") != (S - 1) * S * M:
        failures.append(f"peer_lines = {result.get('peer_lines')!r}, expected {(S - 1) * S * M}")
    if rss and (result["rss_kb"]["base"] <= 0 or result["rss_kb"]["end"] <= 0):
        failures.append(f"server RSS not read: {result['rss_kb']}")
    if result["lat_us"]["max"] <= 0:
        failures.append("no latency recorded")
    return [f"{label}: {f}" for f in failures]


# ---- a scripted IRC-over-WebSocket server ----

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def frame(opcode, payload, fin=True):
    n = len(payload)
    head = bytes([(0x80 if fin else 0) | opcode])
    if n < 126:
        head += bytes([n])
    elif n <= 0xFFFF:
        head += bytes([126]) + struct.pack("!H", n)
    else:
        head += bytes([127]) + struct.pack("!Q", n)
    return head + payload


class FakeServer:
    """Just enough IRC for charla-bench (001, JOIN and 366, PONG, PRIVMSG relayed to the other
    members), over WebSocket frames written in awkward ways. Runs its own loop in a thread."""

    def __init__(self):
        self.rng = random.Random(int(os.environ.get("BENCH_SMOKE_SEED", "1")))
        self.members = {}        # nick -> writer queue
        self.stats = {"clients": 0, "unmasked": 0, "pings": 0, "pongs": 0, "pong_mismatch": 0,
                      "big": 0, "fragmented": 0, "bad_accept": 0, "errors": []}
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        self.ready.wait(10)

    def _run(self):
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(
            asyncio.start_server(self._client, "127.0.0.1", 0))
        self.port = self.server.sockets[0].getsockname()[1]
        self.ready.set()
        self.loop.run_forever()

    def close(self):
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    async def _writer(self, writer, queue):
        """Writes what is queued in pieces cut at random places, sometimes after a pause, so that
        frames arrive split across the generator's reads, and sometimes many at once."""
        while True:
            data = await queue.get()
            if data is None:
                break
            while not queue.empty():
                more = queue.get_nowait()
                if more is None:
                    queue.put_nowait(None)
                    break
                data += more
            at = 0
            while at < len(data):
                cut = at + self.rng.choice((1, 2, 3, 7, 100, 1000, len(data)))
                writer.write(data[at:cut])
                await writer.drain()
                at = cut
                if self.rng.random() < 0.05:
                    await asyncio.sleep(0.002)
        writer.close()

    async def _client(self, reader, writer):
        st = self.stats
        st["clients"] += 1
        queue = asyncio.Queue()
        wtask = asyncio.ensure_future(self._writer(writer, queue))
        nick = None
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            m = re.search(rb"(?i)\r\nsec-websocket-key: *([^\r]*)\r\n", head)
            key = m.group(1).strip() if m else b""
            if len(base64.b64decode(key)) != 16 or b"text.ircv3.net" not in head:
                st["bad_accept"] += 1
            accept = base64.b64encode(hashlib.sha1(key + GUID.encode()).digest())
            queue.put_nowait(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                             b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept +
                             b"\r\nSec-WebSocket-Protocol: text.ircv3.net\r\n\r\n")
            ping_payload = None
            while True:
                b0, b1 = await reader.readexactly(2)
                n = b1 & 0x7F
                if n == 126:
                    n = struct.unpack("!H", await reader.readexactly(2))[0]
                elif n == 127:
                    n = struct.unpack("!Q", await reader.readexactly(8))[0]
                if not b1 & 0x80:
                    st["unmasked"] += 1
                    mask = b"\0\0\0\0"
                else:
                    mask = await reader.readexactly(4)
                data = bytes(c ^ mask[i & 3] for i, c in enumerate(await reader.readexactly(n)))
                op = b0 & 0x0F
                if op == 0xA:
                    st["pongs"] += 1
                    if data not in (ping_payload, b""):  # b"": the PINGs between fragments
                        st["pong_mismatch"] += 1
                    continue
                if op == 0x8:
                    break
                if op != 0x1 or not b0 & 0x80:
                    st["errors"].append(f"client frame {b0:#x}")
                    break
                if data.startswith(b"PING") and ping_payload is None:
                    # The fence: a control PING for the generator to answer, then a message of
                    # more than 64 KiB (a 64-bit length), many lines in one, before the PONG.
                    ping_payload = f"p{st['clients']}".encode()
                    st["pings"] += 1
                    filler = ":fake NOTICE * :" + "x" * 400
                    big = "\r\n".join([filler] * 200).encode()
                    st["big"] += 1
                    queue.put_nowait(frame(0x9, ping_payload) + frame(0x1, big))
                nick = self._line(nick, data.decode(), queue) or nick
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            if nick:
                self.members.pop(nick, None)
            queue.put_nowait(None)
            await wtask

    def _send(self, queue, line):
        """One line as a text message: whole, or now and then in fragments with a PING between."""
        data = line.encode()
        if len(data) > 20 and self.rng.random() < 0.1:
            self.stats["fragmented"] += 1
            queue.put_nowait(frame(0x1, data[:10], fin=False) + frame(0x0, data[10:20], fin=False)
                             + frame(0x9, b"") + frame(0x0, data[20:]))
        else:
            queue.put_nowait(frame(0x1, data))

    def _line(self, nick, line, queue):
        words = line.split(" ", 2)
        cmd = words[0]
        if cmd == "NICK":
            return words[1]
        if cmd == "USER":
            self._send(queue, f":fake 001 {nick} :Welcome")
            self._send(queue, f":fake 422 {nick} :No MOTD")
        elif cmd == "JOIN":
            self.members[nick] = queue
            self._send(queue, f":{nick}!u@h JOIN {words[1]}")
            self._send(queue, f":fake 366 {nick} {words[1]} :End of /NAMES list.")
        elif cmd == "PING":
            self._send(queue, f":fake PONG fake {words[1]}")
        elif cmd == "PRIVMSG":
            for other, q in list(self.members.items()):
                if other != nick:
                    self._send(q, f":{nick}!u@h PRIVMSG {words[1]} {words[2]}")
        return None


def tls_case(bench, charlad):
    """The line run again, on charlad's TLS port with charla-bench --tls."""
    openssl = shutil.which("openssl")
    if not openssl:
        return ["tls: openssl is needed (scripts/deps)"]
    with tempfile.TemporaryDirectory(prefix="bench-smoke-tls-") as tmp:
        cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-keyout", key,
                        "-out", cert, "-subj", "/CN=localhost"],
                       check=True, capture_output=True, timeout=DEADLINE_S)
        os.chmod(key, 0o600)
        # Every face on an ephemeral port, so that no TLS listener takes a default one; the line
        # face's TLS listener is the first to say "TLS on".
        proc, port = start_charlad(
            charlad, ["--tls-cert", cert, "--tls-key", key, "--tls-listen", "127.0.0.1:0",
                      "--irc-listen", "127.0.0.1:0", "--irc-tls-listen", "127.0.0.1:0",
                      "--http-listen", "127.0.0.1:0", "--https-listen", "127.0.0.1:0"],
            "tls line", port_re=r"TLS on 127\.0\.0\.1:(\d+)")
        try:
            rc, result = run_bench(bench, port, proc.pid, ["--tls"], "smoke tls")
        finally:
            stop(proc)
    failures = check("tls", rc, result, join_lines=(N + S) * (N + S - 1) // 2)
    if result.get("tls") is not True:
        failures.append(f"tls: the report says tls = {result.get('tls')!r}")
    return failures


def start_redis(tmp):
    """A redis-server on a free loopback port, no persistence, its directory tmp; (proc, port)."""
    redis = shutil.which("redis-server") or "/usr/bin/redis-server"
    with socket.socket() as sk:
        sk.bind(("127.0.0.1", 0))
        port = sk.getsockname()[1]
    proc = subprocess.Popen([redis, "--port", str(port), "--bind", "127.0.0.1", "--dir", tmp,
                             "--save", "", "--appendonly", "no", "--logfile", ""],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, port
        except OSError:
            time.sleep(0.02)
    stop(proc)
    raise SystemExit("bench_smoke: redis-server did not start")


def check_ports(label, result, nports):
    """Every port's receivers had every message, and the per-port figures are there."""
    ports = result.get("ports") or []
    if len(ports) != nports:
        return [f"{label}: {len(ports)} ports in the report, expected {nports}"]
    failures = []
    for i, p in enumerate(ports):
        want = len(range(i, N, nports))
        if p["receivers"] != want or p["delivered"] != want * S * M or p["lat_us"]["max"] <= 0:
            failures.append(f"{label}: port {i}: {p}, expected {want} receivers")
    if result.get("redis") is None:
        failures.append(f"{label}: Redis's INFO was not read")
    return failures


SETTLE = ["--join-quiet", "--settle-quiet", "0.3"]
IDLE_FACES = ["--udp", "off", "--irc-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0"]


def ports_case(bench, charlad, rport):
    proc, ports = start_charlad(charlad, ["--listen", "127.0.0.1:0"] + IDLE_FACES, "tcp line",
                                count=2)
    try:
        rc, result = run_bench(bench, f"{ports[0]},{ports[1]}", f"{proc.pid},{proc.pid}",
                               ["--redis", str(rport)] + SETTLE, "smoke ports")
    finally:
        stop(proc)
    failures = check("ports", rc, result) + check_ports("ports", result, 2)
    if result.get("redis") and result["redis"]["publish"] != 0:
        failures.append(f"ports: {result['redis']['publish']} PUBLISH without a cluster")
    return failures


def cluster_case(bench, charlad, rport):
    nodes = []
    try:
        for i in range(3):
            nodes.append(start_charlad(charlad, IDLE_FACES + [
                "--cluster", f"redis://127.0.0.1:{rport}", "--node-name", f"smoke{i + 1}"],
                "tcp line"))
        # Every node linked (subscribed to {charla}:ctl) before the clients come.
        wait_nodes(rport, len(nodes))
        rc, result = run_bench(bench, ",".join(str(p) for _, p in nodes),
                               ",".join(str(pr.pid) for pr, _ in nodes),
                               ["--redis", str(rport)] + SETTLE, "smoke cluster")
    finally:
        for pr, _ in nodes:
            stop(pr)
    failures = check("cluster", rc, result) + check_ports("cluster", result, 3)
    # One PUBLISH per room message from its origin node (a little more for the news of the
    # run's end, should a node say something while the last deliveries arrive).
    pub = (result.get("redis") or {}).get("publish", 0)
    if not S * M <= pub <= S * M * 1.2:
        failures.append(f"cluster: {pub} PUBLISH for {S * M} room messages")
    return failures


def redis_cases(bench, charlad):
    failures = []
    with tempfile.TemporaryDirectory(prefix="bench-smoke-redis-") as tmp:
        rproc, rport = start_redis(tmp)
        try:
            failures += ports_case(bench, charlad, rport)
            if "--cluster" in subprocess.run([charlad, "--help"], capture_output=True,
                                             text=True).stdout:
                failures += cluster_case(bench, charlad, rport)
            else:
                print("bench_smoke: this charlad has no --cluster: the cluster case is skipped")
        finally:
            stop(rproc)
    return failures


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    bench, charlad = sys.argv[1], sys.argv[2]
    failures = []

    proc, port = start_charlad(charlad, [], "tcp line")
    try:
        rc, result = run_bench(bench, port, proc.pid, [], "smoke line")
    finally:
        stop(proc)
    failures += check("line", rc, result, join_lines=(N + S) * (N + S - 1) // 2)

    failures += tls_case(bench, charlad)

    proc, port = start_charlad(charlad, ["--irc-listen", "127.0.0.1:0", "--irc-flood", "0",
                                         "--http-listen", "127.0.0.1:0"], "http")
    try:
        rc, result = run_bench(bench, port, proc.pid, ["--proto", "ws", "--size", "200"],
                               "smoke ws charlad")
    finally:
        stop(proc)
    failures += check("ws charlad", rc, result, join_lines=(N + S) * (N + S - 1) // 2)
    if result.get("fenced") != N + S:
        failures.append(f"ws charlad: fenced = {result.get('fenced')!r}, expected {N + S}")

    if not (shutil.which("redis-server") or os.path.exists("/usr/bin/redis-server")):
        # scripts/deps installs it; a machine without it still checks the rest.
        print("bench_smoke: no redis-server: the ports and cluster cases are skipped")
    else:
        failures += redis_cases(bench, charlad)

    fake = FakeServer()
    try:
        rc, result = run_bench(bench, fake.port, 0, ["--proto", "ws"], "smoke ws scripted")
    finally:
        fake.close()
    failures += check("ws scripted", rc, result, rss=False)
    st = fake.stats
    print(f"bench_smoke: scripted server: {st}")
    if st["clients"] != N + S or st["bad_accept"] or st["unmasked"] or st["errors"]:
        failures.append(f"ws scripted: what the generator sent: {st}")
    if st["pings"] != N + S or st["pongs"] < st["pings"] or st["pong_mismatch"]:
        failures.append(f"ws scripted: PINGs answered: {st}")
    if not st["big"] or not st["fragmented"]:
        failures.append(f"ws scripted: the awkward frames were not sent: {st}")

    if failures:
        raise SystemExit("bench_smoke: " + "; ".join(failures))
    print("bench_smoke: ok")


if __name__ == "__main__":
    main()
