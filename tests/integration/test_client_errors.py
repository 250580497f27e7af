#!/usr/bin/env python3
"""charla's failures: each gives one clear line on stderr and its own exit code (see --help):
2 bad command line, 3 unknown host, 4 cannot connect, 5 connection lost or closed by the server."""

import os
import signal
import socket
import struct
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_client_common as common  # noqa: E402

ARGS = common.parse_args()
HOST = common.HOST


def run(*args, stdin=subprocess.DEVNULL):
    """Runs charla to the end; returns (exit code, stdout, stderr)."""
    p = subprocess.run([ARGS.charla, *args], stdin=stdin, capture_output=True,
                       timeout=common.TIMEOUT)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


class CommandLine(unittest.TestCase):
    def test_help_documents_the_exit_codes(self):
        code, out, err = run("--help")
        self.assertEqual(code, 0)
        self.assertIn("Usage: charla [-u] [-n NAME] [--lang LANG] [HOST [PORT]]", out)
        for line in ("2  bad command line", "3  unknown host", "4  cannot connect",
                     "5  connection lost", "6  the server refused the name"):
            self.assertIn(line, out)
        self.assertEqual(err, "")

    def test_version(self):
        code, out, _ = run("--version")
        self.assertEqual(code, 0)
        self.assertRegex(out, r"^charla \d+\.\d+\.\d+\n$")

    def test_bad_port_is_a_usage_error(self):
        code, out, err = run("localhost", "99999")
        self.assertEqual(code, 2)
        self.assertEqual(err, "charla: invalid port 99999 (1 to 65535)\n")
        self.assertEqual(out, "")

    def test_unknown_option_is_a_usage_error(self):
        code, _, err = run("--bogus")
        self.assertEqual(code, 2)
        self.assertEqual(err, "charla: unknown option --bogus (try --help)\n")


class Connecting(unittest.TestCase):
    def test_connection_refused(self):
        # A port that is bound but not listening refuses connections, and nobody else can take
        # it while we hold it: no race with other tests.
        with socket.socket() as s:
            s.bind((HOST, 0))
            port = s.getsockname()[1]
            code, out, err = run(HOST, str(port))
        self.assertEqual(code, 4)
        self.assertEqual(err, f"charla: cannot connect to {HOST} port {port}: connection refused\n")
        self.assertEqual(out, "")

    def test_a_host_name_is_resolved(self):
        server = common.ScriptedServer()
        p = common.charla(ARGS.charla, "localhost", str(server.port))
        try:
            server.accept()
            p.stdin.write(b"/quit\n")
            p.stdin.flush()
            server.lines.wait(r"^/quit$")
            server.close()
            self.assertEqual(common.finish(p), 0)
        finally:
            server.close()
            common.reap(p)

    def test_unknown_host_fails_fast(self):
        started = time.monotonic()
        code, out, err = run("no-such-host.invalid", "7777")
        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual(code, 3)
        self.assertEqual(err, "charla: unknown host no-such-host.invalid\n")
        self.assertEqual(out, "")

    def test_a_numeric_port_out_of_reach_of_dns(self):
        # An IP literal never goes to a resolver; a refused connection to it is code 4, not 3.
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
            port = s.getsockname()[1]
            code, _, err = run("[::1]", str(port))
        self.assertEqual(code, 4)
        self.assertEqual(err, f"charla: cannot connect to ::1 port {port}: connection refused\n")


class LostWithScriptedServer(unittest.TestCase):
    def setUp(self):
        self.server = common.ScriptedServer()
        self.proc = common.charla(ARGS.charla, "-n", "ana", HOST, str(self.server.port))
        self.server.accept()
        self.server.lines.wait(r"^ana$")
        self.server.send("* Welcome, ana! You are in #lobby with 0 others.")
        self.proc.out.wait(r"^\* Welcome")

    def tearDown(self):
        common.reap(self.proc)
        self.server.close()

    def test_server_closes_unasked(self):
        self.server.close()
        self.assertEqual(common.finish(self.proc), 5)
        self.proc.err.wait_eof()
        self.assertEqual(self.proc.err.lines,
                         [f"charla: lost connection to {HOST} port {self.server.port}: "
                          "connection closed by the server"])

    def test_server_shutting_down(self):
        self.server.send("! Server shutting down.")
        self.server.close()
        self.assertEqual(common.finish(self.proc), 5)
        self.proc.out.wait(r"^! Server shutting down\.$")
        self.proc.err.wait_eof()
        self.assertEqual(self.proc.err.lines,
                         [f"charla: lost connection to {HOST} port {self.server.port}: "
                          "the server shut down"])



class Reset(unittest.TestCase):
    def test_connection_reset(self):
        # No reader thread here: a socket closed while another thread waits in recv() on it
        # is only released when that recv returns, and the RST would never leave.
        with socket.socket() as listener:
            listener.bind((HOST, 0))
            listener.listen(1)
            listener.settimeout(common.TIMEOUT)
            port = listener.getsockname()[1]
            p = common.charla(ARGS.charla, "-n", "ana", HOST, str(port))
            try:
                conn, _ = listener.accept()
                conn.settimeout(common.TIMEOUT)
                self.assertEqual(conn.recv(100), b"ana\n")
                conn.sendall(b"* Welcome, ana! You are in #lobby with 0 others.\n")
                p.out.wait(r"^\* Welcome")
                # SO_LINGER on with a zero timeout: close() sends a RST, not a FIN.
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()
                self.assertEqual(common.finish(p), 5)
                p.err.wait_eof()
                self.assertEqual(p.err.lines, [f"charla: lost connection to {HOST} port {port}: "
                                               "connection reset by peer"])
            finally:
                common.reap(p)


class ClosedOutput(unittest.TestCase):
    def test_a_closed_standard_output_ends_the_client(self):
        server = common.ScriptedServer()
        read_end, write_end = os.pipe()
        os.close(read_end)
        p = subprocess.Popen([ARGS.charla, HOST, str(server.port)], stdin=subprocess.PIPE,
                             stdout=write_end, stderr=subprocess.PIPE)
        os.close(write_end)
        try:
            server.accept()
            server.send("[#lobby] luis: anyone there?")
            self.assertEqual(common.finish(p), 1)
            # Nobody reads the chat any more: the client goes, without an error message about
            # a broken pipe, as other filters do.
            self.assertEqual(p.stderr.read(), b"")
            server.lines.wait_eof()
        finally:
            common.reap(p)
            server.close()


if ARGS.charlad:
    class LostWithCharlad(unittest.TestCase):
        def setUp(self):
            self.server = common.RealServer(ARGS.charlad)
            self.proc = common.charla(ARGS.charla, "-n", "ana", HOST, str(self.server.port))
            self.proc.out.wait(r"^\* Welcome, ana!")

        def tearDown(self):
            common.reap(self.proc)
            self.server.stop(signal.SIGKILL)

        def test_server_killed(self):
            self.server.proc.kill()
            self.assertEqual(common.finish(self.proc), 5)
            self.proc.err.wait(rf"^charla: lost connection to {HOST} port {self.server.port}: "
                               r"(connection closed by the server|connection reset by peer)$")

        def test_server_stopped(self):
            self.server.proc.send_signal(signal.SIGTERM)
            self.assertEqual(common.finish(self.proc), 5)
            self.proc.out.wait(r"^! Server shutting down\.$")
            self.proc.err.wait(rf"^charla: lost connection to {HOST} port {self.server.port}: "
                               r"the server shut down$")


if __name__ == "__main__":
    common.main()
