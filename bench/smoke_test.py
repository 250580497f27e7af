"""bench_smoke: runs charla-bench against a charlad started here, as a correctness check.

20 receivers and 2 senders, 50 messages each, on an ephemeral loopback port. Passes when the
generator exits 0, its last line is JSON that parses, every message reached every receiver once and
in order, and the server's RSS was read. Nothing is timed: the generator's own deadline only bounds
the run.

Usage: smoke_test.py CHARLA_BENCH CHARLAD
"""

import json
import re
import subprocess
import sys
import time

DEADLINE_S = 30


def start_charlad(charlad):
    """Starts charlad on 127.0.0.1, an ephemeral port; returns (process, port)."""
    proc = subprocess.Popen(
        [charlad, "--listen", "127.0.0.1:0", "--name-timeout", "0"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        m = re.search(r"listening on 127\.0\.0\.1:(\d+) ", line)
        if m:
            return proc, int(m.group(1))
    proc.kill()
    proc.wait()
    raise SystemExit("bench_smoke: charlad did not say which port it listens on")


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    bench, charlad = sys.argv[1], sys.argv[2]
    proc, port = start_charlad(charlad)
    try:
        run = subprocess.run(
            [bench, "--port", str(port), "--pid", str(proc.pid), "-n", "20", "-s", "2",
             "-m", "50", "--window", "8", "--deadline", str(DEADLINE_S), "--label", "smoke"],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=DEADLINE_S + 15)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    sys.stdout.write(run.stdout)
    sys.stderr.write(run.stderr)
    lines = run.stdout.strip().splitlines()
    assert lines, "no output"
    result = json.loads(lines[-1])
    failures = []
    if run.returncode != 0:
        failures.append(f"exit status {run.returncode}")
    expect = {"status": "done", "clean": True, "n": 20, "s": 2, "m": 50, "expected": 2000,
              "delivered": 2000, "lost": 0, "dup": 0, "reorder": 0, "bogus": 0, "echoes": 0,
              "error_lines": 0, "join_lines": 22 * 21 // 2}
    for key, want in expect.items():
        if result.get(key) != want:
            failures.append(f"{key} = {result.get(key)!r}, expected {want!r}")
    # Each sender also receives the other sender's 50 messages (charlad does not echo).
    if result.get("peer_lines") != 2 * 50:
        failures.append(f"peer_lines = {result.get('peer_lines')!r}, expected 100")
    if result["rss_kb"]["base"] <= 0 or result["rss_kb"]["end"] <= 0:
        failures.append(f"server RSS not read: {result['rss_kb']}")
    if result["lat_us"]["max"] <= 0:
        failures.append("no latency recorded")
    if failures:
        raise SystemExit("bench_smoke: " + "; ".join(failures))
    print("bench_smoke: ok")


if __name__ == "__main__":
    main()
