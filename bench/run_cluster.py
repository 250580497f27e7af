"""bench/run --cluster: three charlad nodes sharing one Redis against one node (bench/run's mode).

Loaded by bench/run, which passes itself as `run` (its helpers: Server, free_port, start_charlad,
knows, med, fmt, log...). It starts its own redis-server (127.0.0.1, a free port, its own
directory, no persistence) for the whole mode, then alternates, --reps times each, at a fixed
moderate rate (N = 1000 receivers, S = 10 senders all on node 1, 20 messages/s each: 200 room
messages/s, 200,000 deliveries/s):

  plain    one charlad without --cluster (what the cluster costs a single node)
  one      one charlad with --cluster (the baseline)
  three    three nodes with --cluster, the receivers round-robin over their line ports

Before each run Redis is emptied (FLUSHALL) and every node gets a name of its own, so that no
lease or name of an earlier run is left. charla-bench reads each node's CPU and RSS and Redis's
INFO (PUBLISH calls, CPU, bytes) when sending starts and ends. Then Redis under load (three nodes,
30 receivers, the 10 senders as fast as a window of 16 allows: what one room message costs Redis
when many arrive at once), and memory per remote user: two nodes, N idle clients on the first,
the second's RSS before and after.
"""

import json
import os
import socket
import subprocess
import time
from pathlib import Path

N, S, RATE, M = 1000, 10, 20, 200          # 200 messages/s in all, 10 s of sending
QUICK_M = 50
KINDS = ("plain", "one", "three")
LABELS = {"plain": "one node, no --cluster", "one": "one node, --cluster",
          "three": "three nodes, --cluster"}
NODES = {"plain": 1, "one": 1, "three": 3}
FAST_N, FAST_M = 30, 2000                   # Redis under load: few receivers, window-bound
SETTLE_QUIET_S = 1.0                        # the join news is waited out, not counted
REMOTE_SIZES = (1000, 5000)
TARGET_P99_MS = 2.0


# ---- Redis ----

def redis_cmd(port, *args):
    """One command to the Redis on 127.0.0.1:port; the reply (ints, bytes, lists, or an
    error string prefixed '-')."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        req = f"*{len(args)}\r\n" + "".join(f"${len(str(a).encode())}\r\n{a}\r\n" for a in args)
        s.sendall(req.encode())
        f = s.makefile("rb")

        def read():
            line = f.readline().rstrip(b"\r\n")
            kind, rest = line[:1], line[1:]
            if kind in (b"+", b"-"):
                return rest.decode() if kind == b"+" else "-" + rest.decode()
            if kind == b":":
                return int(rest)
            if kind == b"$":
                n = int(rest)
                return None if n < 0 else f.read(n + 2)[:-2]
            if kind == b"*":
                n = int(rest)
                return None if n < 0 else [read() for _ in range(n)]
            raise RuntimeError(f"redis: unexpected reply {line!r}")
        return read()


def start_redis(run, redis, outdir):
    rdir = outdir / "redis"
    rdir.mkdir(exist_ok=True)
    port = run.free_port()
    logf = open(outdir / "logs" / f"redis-{port}.log", "w")
    # Loopback only, its own directory, no persistence (no RDB, no AOF); otherwise defaults.
    argv = [redis, "--port", str(port), "--bind", run.HOST, "--dir", str(rdir), "--save", "",
            "--appendonly", "no", "--daemonize", "no", "--logfile", ""]
    srv = run.Server("redis", argv, port, logf)
    if not run.wait_listening(port, srv.proc, time.monotonic() + run.SERVER_START_S):
        srv.stop()
        raise RuntimeError(f"redis-server did not start on port {port}")
    return srv


# ---- nodes ----

def start_nodes(run, charlad, logdir, kind, rport, tag):
    """The nodes of one run (node 1 first), each a Server on its line port."""
    nodes = []
    try:
        for i in range(NODES[kind]):
            extra = ["--udp", "off"]
            if kind != "plain":
                extra += ["--cluster", f"redis://127.0.0.1:{rport}", "--node-name",
                          f"{tag}-n{i + 1}"]
            nodes.append(run.start_charlad(charlad, logdir, extra=extra))
        if kind != "plain":
            wait_nodes(rport, len(nodes))
    except Exception:
        for n in nodes:
            n.stop()
        raise
    return nodes


def wait_nodes(rport, count, timeout=10.0):
    """Until every node is subscribed to {charla}:ctl (so each has said hello and can hear the
    others), then a moment for their sync answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reply = redis_cmd(rport, "PUBSUB", "NUMSUB", "{charla}:ctl")
        if isinstance(reply, list) and len(reply) == 2 and reply[1] >= count:
            time.sleep(0.3)
            return
        time.sleep(0.05)
    raise RuntimeError(f"{count} node(s) did not all subscribe to {{charla}}:ctl")


def generate(run, bench, ports, pids, rport, args, label, raw, deadline):
    """charla-bench over ports (receivers round-robin, senders on the first), watching pids and
    the Redis on rport; its JSON result (also written to raw), or None."""
    argv = [str(bench), "--proto", "line", "--port", ",".join(map(str, ports)),
            "--pid", ",".join(map(str, pids)), "--redis", str(rport),
            "--size", str(run.PAYLOAD), "--deadline", str(deadline), "--label", label,
            "--join-quiet", "--settle-quiet", str(SETTLE_QUIET_S)] + args
    proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=deadline + 60)
    result = next((json.loads(x) for x in reversed(proc.stdout.splitlines())
                   if x.startswith("{")), None)
    if result is None:
        run.log(f"bench/run: {label}: no result (exit {proc.returncode}): {proc.stderr.strip()}")
        return None
    raw.write(json.dumps(result) + "\n")
    raw.flush()
    return result


def one_run(run, charlad, bench, logdir, kind, rport, tag, args, raw, label):
    redis_cmd(rport, "FLUSHALL")
    try:
        nodes = start_nodes(run, charlad, logdir, kind, rport, tag)
    except RuntimeError as e:
        run.log(f"bench/run: {label}: {e}")
        return None
    try:
        r = generate(run, bench, [n.port for n in nodes], [n.pid for n in nodes], rport, args,
                     label, raw, run.RUN_DEADLINE_S)
    finally:
        for n in nodes:
            n.stop()
    if r is not None:
        r["kind"] = kind
        flag = "" if r["clean"] else f"  NOT CLEAN: {r['status']} {r['error']}"
        cross = cross_p99(r)
        run.log(f"  {label:26} p50 {r['lat_us']['p50'] / 1e3:6.2f} ms, p99 "
                f"{r['lat_us']['p99'] / 1e3:6.2f} ms"
                + (f", cross-node p99 {cross / 1e3:6.2f} ms" if cross is not None else "")
                + f", PUBLISH/msg {publish_per_msg(r) or 0:.2f}, lost {r['lost']} dup {r['dup']} "
                f"reord {r['reorder']}{flag}")
    return r


# ---- figures from one result ----

def cross_p99(r):
    ports = r.get("ports", [])
    return max((p["lat_us"]["p99"] for p in ports[1:]), default=None) if len(ports) > 1 else None


def cross_p50(r):
    ports = r.get("ports", [])
    return max((p["lat_us"]["p50"] for p in ports[1:]), default=None) if len(ports) > 1 else None


def same_p99(r):
    return r["ports"][0]["lat_us"]["p99"] if r.get("ports") else None


def publish_per_msg(r):
    return r["redis"]["publish"] / r["sent"] if r.get("redis") and r["sent"] else None


def per_sec(r, key):
    return r["redis"][key] / r["seconds"] if r.get("redis") and r["seconds"] > 0 else None


def per_msg(r, key, scale=1.0):
    return r["redis"][key] * scale / r["sent"] if r.get("redis") and r["sent"] else None


def node_ns(r, k):
    """Node k's CPU while sending per delivery to its own receivers (node 1: also the senders'
    copies of each other's messages)."""
    try:
        cpu = r["pids"][k]["cpu_send_s"]
        dels = r["ports"][k]["delivered"] + (r["peer_lines"] if k == 0 else 0)
    except (KeyError, IndexError):
        return None
    return cpu * 1e9 / dels if cpu >= 0 and dels else None


# ---- memory per remote user ----

def remote_run(run, charlad, bench, logdir, rport, n, raw, tag):
    """Two nodes; n idle clients in the lobby on the first; the second's RSS before and after."""
    redis_cmd(rport, "FLUSHALL")
    nodes = []
    try:
        for i in range(2):
            nodes.append(run.start_charlad(charlad, logdir, extra=[
                "--udp", "off", "--cluster", f"redis://127.0.0.1:{rport}",
                "--node-name", f"{tag}-n{i + 1}"]))
        wait_nodes(rport, 2)
        # The clients talk to node 1 only; node 2, the second pid, is watched.
        r = generate(run, bench, [nodes[0].port], [n.pid for n in nodes], rport,
                     ["--idle", "-n", str(n), "--idle-wait", "2"], f"remote users {n}", raw,
                     run.RUN_DEADLINE_S)
    except RuntimeError as e:
        run.log(f"bench/run: remote users {n}: {e}")
        return None
    finally:
        for node in nodes:
            node.stop()
    if r is None:
        return None
    b = r["pids"][1]
    r["remote_bytes_per_user"] = ((b["rss_kb_end"] - b["rss_kb_send"]) * 1024 / n
                                  if b["rss_kb_end"] > 0 and b["rss_kb_send"] > 0 else None)
    run.log(f"  remote users {n:5}: node 2 RSS {b['rss_kb_send']} -> {b['rss_kb_end']} KiB, "
            f"{r['remote_bytes_per_user'] or 0:.0f} B per remote user; node 1 "
            f"{r['idle_bytes_per_client']} B per local user")
    return r


# ---- the mode ----

def cluster(run, opts, charlad, bench):
    if not run.knows(charlad, "--cluster"):
        raise SystemExit("bench/run: this charlad has no --cluster")
    redis = run.ensure_package("redis-server", "redis-server")
    run.nofile_hard()
    reps, m = opts.reps, (QUICK_M if opts.quick else M)
    if opts.quick:
        reps = 1
    stamp = time.strftime("%Y%m%d-%H%M%S")
    outdir = Path(opts.out) / (stamp + "-cluster")
    logdir = outdir / "logs"
    logdir.mkdir(parents=True, exist_ok=True)
    raw = open(outdir / "raw.jsonl", "w")
    t_start = time.monotonic()
    results, remote = {}, {}
    rsrv = start_redis(run, redis, outdir)
    try:
        version = redis_cmd(rsrv.port, "INFO", "server")
        version = next((ln.split(":")[1] for ln in version.decode().splitlines()
                        if ln.startswith("redis_version:")), "?")
        args = ["-n", str(N), "-s", str(S), "-m", str(m), "--rate", str(RATE),
                "--window", "1000"]
        run.log(f"bench/run: cluster, N={N} S={S} at {RATE}/s each ({RATE * S} messages/s), "
                f"M={m}, Redis {version} on port {rsrv.port}")
        for rep in range(reps):
            order = KINDS if rep % 2 == 0 else KINDS[::-1]
            for kind in order:
                r = one_run(run, charlad, bench, logdir, kind, rsrv.port, f"r{rep}{kind}", args,
                            raw, f"{kind} #{rep + 1}")
                results.setdefault(kind, []).append(r)
        fast_m = FAST_M // 10 if opts.quick else FAST_M
        run.log(f"bench/run: Redis under load: three nodes, N={FAST_N} S={S} M={fast_m}, "
                "as fast as the window allows")
        for rep in range(reps):
            results.setdefault("fast", []).append(one_run(
                run, charlad, bench, logdir, "three", rsrv.port, f"r{rep}fast",
                ["-n", str(FAST_N), "-s", str(S), "-m", str(fast_m), "--window", "16"], raw,
                f"three fast #{rep + 1}"))
        run.log("bench/run: memory per remote user (two nodes, idle clients on the first)")
        for n in (REMOTE_SIZES[:1] if opts.quick else REMOTE_SIZES):
            remote[n] = remote_run(run, charlad, bench, logdir, rsrv.port, n, raw, f"mem{n}")
    finally:
        rsrv.stop()
        raw.close()
    text = summary(run, results, remote, reps, m, version)
    text += f"\nTotal time {time.monotonic() - t_start:.0f} s. Raw results: {outdir / 'raw.jsonl'}\n"
    (outdir / "summary.md").write_text(text)
    print(text, end="")


def summary(run, results, remote, reps, m, version):
    med, fmt = run.med, run.fmt
    out = [f"charlad as a cluster through Redis; {time.strftime('%Y-%m-%d')}, {os.cpu_count()} "
           f"CPUs, Redis {version}; N={N} receivers, S={S} senders (all on node 1), {RATE}/s each "
           f"({RATE * S} room messages/s, {RATE * S * N:,} deliveries/s), M={m}; {reps} run(s) "
           f"each, alternating, medians", "",
           "| run | deliveries/s | p50 ms | p99 ms | p99.9 ms | node-1 p99 ms | cross-node p50 ms "
           "| cross-node p99 ms | ns CPU/del (all nodes) | lost/dup/reord |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for kind in KINDS:
        rs = results.get(kind, [])
        out.append(f"| {LABELS[kind]} | {fmt(med(rs, lambda x: x['deliveries_per_s']), 1, 0)} "
                   f"| {fmt(med(rs, lambda x: x['lat_us']['p50']), 1e3)} "
                   f"| {fmt(med(rs, lambda x: x['lat_us']['p99']), 1e3)} "
                   f"| {fmt(med(rs, lambda x: x['lat_us']['p999']), 1e3)} "
                   f"| {fmt(med(rs, same_p99), 1e3)} | {fmt(med(rs, cross_p50), 1e3)} "
                   f"| {fmt(med(rs, cross_p99), 1e3)} "
                   f"| {fmt(med(rs, lambda x: x['server_cpu_ns_per_delivery']), 1, 0)} "
                   f"| {run.anomalies(rs)} |")
    one = med(results.get("one", []), lambda x: x["lat_us"]["p99"])
    cross = med(results.get("three", []), cross_p99)
    if one is not None and cross is not None:
        d = (cross - one) / 1e3
        # The runs of one repetition ran next to each other: their difference is less exposed to
        # what else the machine was doing than the difference of the medians.
        pairs = [(t, o) for t, o in zip(results.get("three", []), results.get("one", []))
                 if t is not None and o is not None and cross_p99(t) is not None]
        diffs = sorted((cross_p99(t) - o["lat_us"]["p99"]) / 1e3 for t, o in pairs)
        pd = run.statistics.median(diffs) if diffs else None
        out += ["", f"Cross-node p99 - one-node p99: {d:+.2f} ms between the medians; "
                    + (f"{pd:+.2f} ms, the median of the {len(diffs)} differences within a "
                       f"repetition ({', '.join(f'{x:+.2f}' for x in diffs)})"
                       if pd is not None else "no pairs")
                    + f". Target at most +{TARGET_P99_MS:.0f} ms: "
                    + ("met" if d <= TARGET_P99_MS else
                       "met by the paired differences only" if pd is not None and pd <= TARGET_P99_MS
                       else "NOT met") + "."]
    # Redis's CPU with no node connected (the plain runs: its timers only), per second, taken off
    # the others' to leave what the messages cost it.
    idle = med(results.get("plain", []), lambda x: per_sec(x, "cpu_s")) or 0.0

    def busy_us(x):
        return ((per_sec(x, "cpu_s") - idle) * 1e6 * x["seconds"] / x["sent"]
                if x.get("redis") and x["sent"] and x["seconds"] > 0 else None)
    out += ["", "What crossed Redis while sending (INFO deltas), medians; Redis's CPU with no node "
                f"connected (its timers) was {idle * 1e3:.2f} ms/s, taken off in the 'less idle' "
                "column:", "",
            "| run | PUBLISH/s | PUBLISH per room message | EVAL(SHA) | Redis CPU ms/s "
            "| Redis us CPU per room message | the same, less idle | bytes in per message "
            "| bytes out per message |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for kind in ("one", "three"):
        rs = results.get(kind, [])
        out.append(f"| {LABELS[kind]} | {fmt(med(rs, lambda x: per_sec(x, 'publish')), 1, 0)} "
                   f"| {fmt(med(rs, publish_per_msg), 1, 3)} "
                   f"| {fmt(med(rs, lambda x: x['redis']['evalsha'] if x.get('redis') else None), 1, 0)} "
                   f"| {fmt(med(rs, lambda x: per_sec(x, 'cpu_s')), 1e-3, 1)} "
                   f"| {fmt(med(rs, lambda x: per_msg(x, 'cpu_s', 1e6)), 1, 1)} "
                   f"| {fmt(med(rs, busy_us), 1, 1)} "
                   f"| {fmt(med(rs, lambda x: per_msg(x, 'net_in')), 1, 0)} "
                   f"| {fmt(med(rs, lambda x: per_msg(x, 'net_out')), 1, 0)} |")
    fast = results.get("fast", [])
    out += ["", f"Redis under load: three nodes, N={FAST_N} receivers (10 a node), S={S} senders "
                "on node 1 sending as fast as a window of 16 each allows, medians:", "",
            "| room messages/s | PUBLISH per message | Redis CPU ms/s | Redis us CPU per message "
            "| bytes in, out per message | p99 ms | cross-node p99 ms |",
            "|---:|---:|---:|---:|---|---:|---:|"]
    out.append(f"| {fmt(med(fast, lambda x: x['sent'] / x['seconds'] if x['seconds'] else None), 1, 0)} "
               f"| {fmt(med(fast, publish_per_msg), 1, 3)} "
               f"| {fmt(med(fast, lambda x: per_sec(x, 'cpu_s')), 1e-3, 1)} "
               f"| {fmt(med(fast, lambda x: per_msg(x, 'cpu_s', 1e6)), 1, 1)} "
               f"| {fmt(med(fast, lambda x: per_msg(x, 'net_in')), 1, 0)}, "
               f"{fmt(med(fast, lambda x: per_msg(x, 'net_out')), 1, 0)} "
               f"| {fmt(med(fast, lambda x: x['lat_us']['p99']), 1e3)} "
               f"| {fmt(med(fast, cross_p99), 1e3)} |")
    out += ["", "charlad CPU while sending, per delivery to the node's own receivers (node 1 also "
                "delivers each message to the 9 other senders), medians:", "",
            "| run | node 1 ns/del | node 2 ns/del | node 3 ns/del | node RSS end KiB |",
            "|---|---:|---:|---:|---|"]
    for kind in KINDS:
        rs = results.get(kind, [])
        cols = [fmt(med(rs, lambda x, k=k: node_ns(x, k)), 1, 0) if k < NODES[kind] else ""
                for k in range(3)]
        rss = ", ".join(fmt(med(rs, lambda x, k=k: x["pids"][k]["rss_kb_end"]), 1, 0)
                        for k in range(NODES[kind]))
        out.append(f"| {LABELS[kind]} | {' | '.join(cols)} | {rss} |")
    out += ["", "Memory per remote user (node 2's RSS with N users on node 1, in the lobby, "
                "against none; one run each):", "",
            "| remote users | node 2 RSS before KiB | after KiB | bytes per remote user "
            "| node 1 bytes per local user |", "|---:|---:|---:|---:|---:|"]
    for n, r in remote.items():
        if r is None:
            out.append(f"| {n} | failed | | | |")
            continue
        b = r["pids"][1]
        out.append(f"| {n} | {b['rss_kb_send']} | {b['rss_kb_end']} "
                   f"| {fmt(r['remote_bytes_per_user'], 1, 0)} | {r['idle_bytes_per_client']} |")
    out += ["", "Every run (p99 ms, cross-node p99 ms, PUBLISH per message, Redis CPU ms):", ""]
    for kind in KINDS + ("fast",):
        runs = "; ".join("failed" if x is None else
                         f"{x['lat_us']['p99'] / 1e3:.2f}, "
                         f"{fmt(cross_p99(x), 1e3)}, {fmt(publish_per_msg(x), 1, 3)}, "
                         f"{fmt(x['redis']['cpu_s'] * 1e3 if x.get('redis') else None, 1, 1)}"
                         + ("" if x["clean"] else " UNCLEAN") for x in results.get(kind, []))
        out.append(f"- {LABELS.get(kind, 'three nodes, under load')}: {runs}")
    return "\n".join(out) + "\n"
