"""charlad integration: shutdown, clients that vanish, half-closes, and the command line.

Run: python3 test_server_lifecycle.py /path/to/charlad
"""

import os
import pty
import shutil
import signal
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import rx  # noqa: E402

SHUTDOWN = "! Server shutting down."


class Shutdown(harness.TestCase):
    def test_sigterm_tells_everyone_and_exits_quickly(self):
        srv = self.server("--max-clients", "3")
        ana, bob = srv.users("ana", "bob")
        naming = srv.client(label="naming")
        naming.expect(harness.GREETING)
        naming.expect(harness.PROMPT)
        waiting = srv.client(label="waiting")
        waiting.expect("* The server is full. You are number 1 in the queue.")
        # bob has not read a burst yet: it is flushed before the shutdown line.
        burst = ["burst %03d" % k for k in range(500)]
        ana.send_raw(("\n".join(burst) + "\n").encode())
        self.assertEqual(ana.sync(), [])
        srv.terminate()
        # Clients keep their end open: the server closes after its grace period.
        for c in (ana, naming, waiting):
            self.assertEqual(c.expect_eof(timeout=3), [SHUTDOWN], c.label)
        self.assertEqual(bob.expect_eof(timeout=3),
                         ["[#lobby] ana: " + b for b in burst] + [SHUTDOWN])
        took = srv.stop(close_clients=False)
        self.assertLess(took, 1.5, "charlad took %.2f s to exit after SIGTERM" % took)
        srv.wait_log(rx(r"SIGTERM: shutting down, 4 connections to close"))
        srv.wait_log("charlad: info: stopped")

    def test_sigterm_clients_that_close_at_once(self):
        srv = self.server()
        cs = srv.users(*("u%d" % i for i in range(10)))
        srv.terminate()
        for c in cs:
            c.expect(SHUTDOWN, timeout=3)
            c.close()
        took = srv.stop()
        self.assertLess(took, 1.5, "charlad took %.2f s to exit after SIGTERM" % took)

    def test_sigterm_with_a_client_that_never_reads(self):
        # Megabytes wait in the server for a client that reads nothing: the server still exits
        # within its grace period instead of waiting for that output to drain.
        srv = self.server("--outq-hard", "512M", "--outq-soft", "0")
        stuck = srv.client("stuck", rcvbuf=4096)
        (flood,) = srv.users("flood")
        stuck.sync()
        line = "s" * 1000 + "\n"
        for _ in range(8):
            flood.send_raw((line * 1024).encode())  # 8 MiB in all, more than socket buffers
        self.assertEqual(flood.sync(timeout=30), [])
        srv.terminate()
        self.assertEqual(flood.expect_eof(timeout=3), [SHUTDOWN])
        took = srv.stop(close_clients=False)
        self.assertLess(took, 1.5, "charlad took %.2f s to exit after SIGTERM" % took)
        stuck.strict = False  # the connection was cut, maybe in the middle of a line
        stuck.expect_eof(timeout=20)

    def test_sigint(self):
        srv = self.server()
        (ana,) = srv.users("ana")
        srv.terminate(signal.SIGINT)
        self.assertEqual(ana.expect_eof(timeout=3), [SHUTDOWN])
        srv.stop()
        srv.wait_log("SIGINT: shutting down")

    def test_second_sigterm_stops_now(self):
        srv = self.server()
        (ana,) = srv.users("ana")
        srv.terminate()
        ana.expect(SHUTDOWN)
        srv.proc.send_signal(signal.SIGTERM)
        srv.stop(close_clients=False)
        # The second one either arrived while stopping, or after the exit (never seen).
        if any("second SIGTERM" in l for l in srv.log):
            srv.wait_log("second SIGTERM: stopping now")

    def test_idle_server_exits_at_once(self):
        srv = self.server()
        took = srv.stop()
        self.assertLess(took, 1.5)


class Vanishing(harness.TestCase):
    def vanish(self, how, reason):
        srv = self.server()
        a, b, gone = srv.users("a", "b", "gone")
        gone.send_raw(b"this partial line must never be delivered")
        # A new client's join goes round the server while the partial line is with it.
        probe = srv.client("probe")
        for c in (a, b, gone):
            c.expect("[#lobby] -- probe joined")  # gone reads everything: its close is a FIN
        how(gone)
        for c in (a, b, probe):
            c.expect("-- gone quit (%s)" % reason)
            self.assertEqual(c.sync(), [])
        a.send("still fine")
        b.expect("[#lobby] a: still fine")

    def test_close_mid_line(self):
        self.vanish(lambda c: c.close(), "connection closed")

    def test_reset_mid_line(self):
        self.vanish(lambda c: c.reset(), "connection reset")

    def test_reset_right_after_data(self):
        # The RST arrives with the last bytes (one read sees both): still a reset, not a close.
        srv = self.server()
        (obs,) = srv.users("obs")
        cs = []
        for i in range(8):
            c = srv.client("r%d" % i)
            obs.expect("[#lobby] -- r%d joined" % i)
            c.send("/part")  # alone with obs in a room of its own: no news reaches it
            c.expect("* You left #lobby.")
            obs.expect("[#lobby] -- r%d left" % i)
            obs.send("/join #r%d" % i)
            obs.expect("* You joined #r%d (1 member)." % i)
            c.send("/join #r%d" % i)
            c.expect("* You joined #r%d (2 members)." % i)
            obs.expect("[#r%d] -- r%d joined" % (i, i))
            cs.append(c)
        for c in cs:
            c.send_raw(b"partial")
            c.reset()
        got = [obs.readline() for _ in cs]
        self.assertEqual(sorted(got), ["-- r%d quit (connection reset)" % i for i in range(8)])
        self.assertEqual(obs.sync(), [])

    def test_reset_with_unread_output(self):
        srv = self.server()
        a, gone = srv.users("a", "gone")
        for k in range(200):
            a.send("unread %d" % k)
        self.assertEqual(a.sync(), [])
        gone.send_raw(b"partial")
        gone.reset()
        a.expect("-- gone quit (connection reset)")
        self.assertEqual(a.sync(), [])

    def test_vanish_while_naming_and_waiting(self):
        srv = self.server("--max-clients", "2")
        (a,) = srv.users("a")
        n = srv.client(label="naming")
        n.expect(harness.GREETING)
        n.send_raw(b"half a na")
        w = srv.client(label="waiting")
        w.expect("* The server is full. You are number 1 in the queue.")
        w.send_raw(b"queued partial")
        n.reset()
        w.expect(harness.GREETING)
        w.reset()
        self.assertEqual(a.sync(), [])
        self.assertEqual(srv.users("b")[0].sync(), [])

    def test_half_close_like_netcat(self):
        # printf 'ana\nhola\n' | nc -N host port: the lines, then a FIN.
        srv = self.server()
        (obs,) = srv.users("obs")
        c = srv.client(label="nc")
        c.send_raw(b"ana\nhola\n")
        c.sock.shutdown(socket.SHUT_WR)
        obs.expect("[#lobby] -- ana joined")
        obs.expect("[#lobby] ana: hola")
        obs.expect("-- ana quit (connection closed)")
        got = c.expect_eof()
        self.assertRegex(got[0], harness.GREETING.pattern)
        self.assertEqual(got[1], harness.PROMPT)
        self.assertRegex(got[2], r"\* Welcome, ana! .*")

    def test_many_abrupt_departures(self):
        # Each leaver is alone with obs in a room of its own, so that no news of the others
        # reaches it: a close with unread input would be an RST, not the FIN meant here.
        srv = self.server("--max-rooms", "40")
        (obs,) = srv.users("obs")
        cs = []
        for i in range(30):
            c = srv.client("v%02d" % i)
            obs.expect("[#lobby] -- v%02d joined" % i)
            c.send("/part")
            c.expect("* You left #lobby.")
            obs.expect("[#lobby] -- v%02d left" % i)
            obs.send("/join #r%02d" % i)
            obs.expect("* You joined #r%02d (1 member)." % i)
            c.send("/join #r%02d" % i)
            c.expect("* You joined #r%02d (2 members)." % i)
            obs.expect("[#r%02d] -- v%02d joined" % (i, i))
            cs.append(c)
        for i, c in enumerate(cs):
            if i % 3 == 0:
                c.send_raw(b"half %d" % i)
                c.reset()
            elif i % 3 == 1:
                c.send_raw(b"half %d" % i)
                c.close()
            else:
                c.send("/quit bye %d" % i)
        want = {"-- v%02d quit (%s)" % (i, ("connection reset", "connection closed",
                                             "bye %d" % i)[i % 3]) for i in range(30)}
        got = [obs.readline() for _ in range(30)]
        self.assertEqual(sorted(got), sorted(want))  # each once, no partial line
        self.assertEqual(obs.sync(), [])


class Netcat(harness.TestCase):
    """netcat-openbsd, the netcat the docs show, as a person uses it: its standard input a
    terminal that stays open. After the server's goodbye and FIN it still waits for that
    terminal, unless the server resets the connection once the goodbye is safely delivered."""

    def nc(self, port, *args):
        if not shutil.which("nc"):
            raise unittest.SkipTest("nc is not installed (scripts/deps installs it)")
        master, slave = pty.openpty()
        p = subprocess.Popen(["nc", *args, "127.0.0.1", str(port)], stdin=slave,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        os.close(slave)
        self.addCleanup(os.close, master)
        self.addCleanup(lambda: p.poll() is None and p.kill())
        return p, master

    def test_nc_exits_by_itself_after_quit(self):
        srv = self.server()
        (obs,) = srv.users("obs")
        p, tty = self.nc(srv.port)
        os.write(tty, b"ana\n")
        obs.expect("[#lobby] -- ana joined")
        os.write(tty, b"hola\n/quit adios\n")
        obs.expect("[#lobby] ana: hola")
        obs.expect("-- ana quit (adios)")
        try:
            out, _ = p.communicate(timeout=harness.TIMEOUT)
        except subprocess.TimeoutExpired:
            self.fail("nc did not exit after /quit; it waits for its terminal")
        lines = out.decode().splitlines()
        self.assertEqual(lines[-1], "* Bye.")  # the goodbye is never lost to the reset

    def test_nc_exits_by_itself_on_shutdown(self):
        srv = self.server()
        (obs,) = srv.users("obs")
        p, tty = self.nc(srv.port)
        os.write(tty, b"ana\n")
        obs.expect("[#lobby] -- ana joined")
        start = time.monotonic()
        srv.terminate()
        try:
            out, _ = p.communicate(timeout=harness.TIMEOUT)
        except subprocess.TimeoutExpired:
            self.fail("nc did not exit after the server stopped")
        self.assertEqual(out.decode().splitlines()[-1], SHUTDOWN)
        self.assertLess(time.monotonic() - start, harness.TIMEOUT)
        srv.stop()


class CommandLine(harness.TestCase):
    def test_help_and_version(self):
        for flag in ("--help", "-h"):
            p = harness.run_charlad(flag)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertTrue(p.stdout.startswith("Usage: charlad"), p.stdout)
            for opt in ("--listen", "--max-clients", "--max-queue", "--max-line", "--outq-hard",
                        "--outq-soft", "--outq-soft-seconds", "--name-timeout", "--idle-timeout"):
                self.assertIn(opt, p.stdout)
        for flag in ("--version", "-V"):
            p = harness.run_charlad(flag)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertRegex(p.stdout, r"^charlad \d+\.\d+\.\d+\n$")

    def test_bad_flags_exit_2(self):
        cases = [
            (["--max-clients", "abc"], "bad value 'abc' for --max-clients"),
            (["--max-clients", "-1"], "bad value '-1' for --max-clients"),
            (["--max-line", "10"], "bad value '10' for --max-line"),
            (["--max-line", "1X"], "bad value '1X' for --max-line"),
            (["--max-rooms", "0"], "bad value '0' for --max-rooms"),
            (["--outq-hard", "1Q"], "bad value '1Q' for --outq-hard"),
            (["--idle-timeout", "99999999999"], "bad value"),
            (["--name-timeout", ""], "bad value"),
            (["--outq-soft", "2M", "--outq-hard", "1M"], "--outq-soft"),
            (["--bogus"], "unknown option --bogus"),
            (["-x"], "unknown option -x"),
            (["--listen"], "--listen needs a value"),
            (["--listen", "127.0.0.1:0", "extra"], "unexpected argument 'extra'"),
        ]
        for args, msg in cases:
            p = harness.run_charlad(*args)
            self.assertEqual(p.returncode, 2, "%s: %s" % (args, p.stderr))
            self.assertIn(msg, p.stderr, args)
            self.assertTrue(p.stderr.startswith("charlad: "), p.stderr)
            self.assertEqual(p.stdout, "")

    def test_bad_listen_addresses(self):
        for spec in ("999.1.1.1:80", "127.0.0.1:99999", "nohost.invalid:7", "127.0.0.1:x"):
            p = harness.run_charlad("--listen", spec)
            # A bad address is a usage error, found while parsing flags (exit 2).
            self.assertEqual(p.returncode, 2, "%s: %s" % (spec, p.stderr))
            self.assertIn("charlad: ", p.stderr)
            self.assertIn(spec, p.stderr)

    def test_port_in_use(self):
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", 0))
            s.listen(1)
            port = s.getsockname()[1]
            p = harness.run_charlad("--listen", "127.0.0.1:%d" % port)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn("charlad: error:", p.stderr)
        finally:
            s.close()

    def test_sizes_take_suffixes(self):
        srv = self.server("--outq-hard", "1MB", "--outq-soft", "512k", "--max-line", "1K")
        (a, b) = srv.users("a", "b")
        a.send("x" * 1024)
        b.expect("[#lobby] a: " + "x" * 1024)
        a.send("x" * 1025)
        a.expect("! Line too long (max 1024 bytes); it was dropped.")


if __name__ == "__main__":
    harness.main()
