"""charlad as a service: the config file, --check-config, sd_notify and SIGHUP reload.

Run: python3 test_server_service.py /path/to/charlad
"""

import os
import re
import signal
import socket
import stat
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from irc_helpers import IrcCase  # noqa: E402


class Files:
    """Temporary config files with a chosen mode, removed when the test ends."""

    def conf(self, text, mode=0o600, name="charlad.conf"):
        d = tempfile.mkdtemp(prefix="charla-svc-")
        path = os.path.join(d, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(path, mode)
        self.addCleanup(os.rmdir, d)
        self.addCleanup(lambda: os.path.exists(path) and os.unlink(path))
        return path

    def rewrite(self, path, text):
        """Replaces a file's content in place (keeps its mode)."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)

    def refused(self, *args):
        p = harness.run_charlad(*args)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertEqual(p.stdout, "")
        return p.stderr


def wait_nth(srv, text, n, timeout=harness.TIMEOUT):
    """Waits until `text` is in n lines of srv's log."""
    deadline = time.monotonic() + timeout
    with srv._cond:
        while sum(text in line for line in srv.log) < n:
            left = deadline - time.monotonic()
            if left <= 0 or srv._eof:
                raise AssertionError("charlad logged %r fewer than %d times:\n%s"
                                     % (text, n, "\n".join(srv.log)))
            srv._cond.wait(left)


class ConfigFile(Files, harness.TestCase):
    def test_values_applied_and_flags_win(self):
        path = self.conf("# the file\n\nserver-name = from-file\nmax-line = 100\n"
                         "listen = 127.0.0.1:1\n")
        srv = self.server("--config", path)
        c = srv.client()
        c.expect(harness.rx(r"\* charlad \S+ on from-file\. .*"))
        c.expect(harness.PROMPT)
        c.send("ana")
        c.wait_for(harness.rx(r"\* Welcome, ana!.*"))
        c.send("x" * 150)  # longer than the file's max-line: refused
        c.wait_for(harness.rx(r"! .*(long|100).*"))
        # --listen on the command line replaced the file's 127.0.0.1:1 (the harness's port 0).
        self.assertNotEqual(srv.port, 1)
        srv2 = self.server("--config", path, "--server-name", "from-flag")
        c2 = srv2.client()
        c2.expect(harness.rx(r"\* charlad \S+ on from-flag\. .*"))

    def test_flags_in_the_file(self):
        path = self.conf("no-http = false\nno-irc = true\nudp = off\nverbose = no\n")
        srv = self.server("--config", path)
        self.assertFalse(any("(udp)" in l for l in srv.log), srv.log_text())
        srv.users("ana")

    def test_unknown_setting_with_file_and_line(self):
        path = self.conf("listen = *:7777\nlisen = *:7000\n")
        err = self.refused("--config", path)
        self.assertEqual(err, 'charlad: %s:2: unknown setting "lisen" (did you mean "listen"?)\n'
                         % path)

    def test_bad_value(self):
        path = self.conf("\n# c\nmax-clients = lots\n")
        err = self.refused("--config", path)
        self.assertEqual(err, 'charlad: %s:3: bad value "lots" for max-clients '
                         '(see charlad --help)\n' % path)
        path = self.conf("listen = 999.1.1.1:7\n")
        self.assertTrue(self.refused("--config", path).startswith("charlad: %s:1: " % path))

    def test_argv_only_settings(self):
        path = self.conf("config = /etc/other.conf\n")
        self.assertEqual(self.refused("--config", path),
                         "charlad: %s:1: config can only be given on the command line\n" % path)

    def test_bad_permissions(self):
        for mode in (0o660, 0o606):
            path = self.conf("max-rooms = 3\n", mode=mode)
            self.assertEqual(self.refused("--config", path),
                             "charlad: %s: others may change it (mode %04o); refusing it: "
                             "chmod go-w %s\n" % (path, mode, path))

    def test_secret_in_a_world_readable_file(self):
        path = self.conf("network = n\nirc-password = s3cret\n", mode=0o644)
        self.assertEqual(self.refused("--config", path),
                         "charlad: %s:2: irc-password is a secret, but everyone may read this "
                         "file (mode 0644); refusing it: chmod o-r %s\n" % (path, path))
        # Without a secret, a world-readable file is fine; with one, 0640 is.
        ok = self.conf("network = n\n", mode=0o644)
        self.assertEqual(harness.run_charlad("--config", ok, "--check-config").returncode, 0)
        ok = self.conf("irc-password = s3cret\n", mode=0o640)
        self.assertEqual(harness.run_charlad("--config", ok, "--check-config").returncode, 0)

    @unittest.skipUnless(os.geteuid() == 0, "needs root to give a file to another owner")
    def test_owned_by_someone_else(self):
        path = self.conf("max-rooms = 3\n", mode=0o644)
        os.chown(path, 65534, 65534)
        self.assertIn("owned by uid 65534, neither root nor this user",
                      self.refused("--config", path))

    def test_explicit_missing_file(self):
        d = tempfile.mkdtemp(prefix="charla-svc-")
        self.addCleanup(os.rmdir, d)
        path = os.path.join(d, "nope.conf")
        self.assertEqual(self.refused("--config", path),
                         "charlad: cannot read config file %s: No such file or directory\n" % path)

    def test_help_ignores_a_broken_file(self):
        path = self.conf("lisen = 1\n")
        p = harness.run_charlad("--config", path, "--help")
        self.assertEqual(p.returncode, 0)
        self.assertIn("--check-config", p.stdout)


class CheckConfig(Files, harness.TestCase):
    def test_ok_without_binding(self):
        # The port is taken: --check-config must not try to bind it.
        hold = socket.socket()
        hold.bind(("127.0.0.1", 0))
        hold.listen(1)
        self.addCleanup(hold.close)
        port = hold.getsockname()[1]
        motd = self.conf("hola\n", mode=0o644, name="motd")
        path = self.conf("listen = 127.0.0.1:%d\nmotd = %s\n" % (port, motd))
        p = harness.run_charlad("--config", path, "--check-config")
        self.assertEqual((p.returncode, p.stdout, p.stderr),
                         (0, "charlad: configuration OK (%s)\n" % path, ""))

    def test_ok_without_a_file(self):
        p = harness.run_charlad("--check-config", "--config", self.conf(""), "--no-ai")
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_missing_files_are_each_reported(self):
        path = self.conf("motd = /nonexistent/motd\noper-file = /nonexistent/opers\n"
                         "ai-key-file = /nonexistent/key\n")
        err = self.refused("--config", path, "--check-config")
        self.assertEqual(err.splitlines(), [
            "charlad: cannot read --motd /nonexistent/motd: No such file or directory",
            "charlad: cannot read --oper-file /nonexistent/opers: No such file or directory",
            "charlad: cannot read --ai-key-file /nonexistent/key: No such file or directory",
        ])

    def test_bad_oper_file_and_bad_flag(self):
        opers = self.conf("ana\n", name="opers")
        err = self.refused("--check-config", "--config", self.conf(""), "--oper-file", opers)
        self.assertEqual(err, "charlad: --oper-file %s line 1: want NAME ARGON2ID-HASH\n" % opers)
        err = self.refused("--check-config", "--listen", "nowhere:x")
        self.assertTrue(err.startswith("charlad: "), err)
        self.assertEqual(len(err.splitlines()), 1)


class Notify(Files, IrcCase):
    def notify_socket(self):
        """An abstract AF_UNIX datagram socket, and $NOTIFY_SOCKET naming it for charlad."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        name = "charla-test-notify-%d-%s" % (os.getpid(), self.id().rsplit(".", 1)[-1])
        sock.bind("\0" + name)
        sock.settimeout(harness.TIMEOUT)
        self.addCleanup(sock.close)
        old = os.environ.get("NOTIFY_SOCKET")
        os.environ["NOTIFY_SOCKET"] = "@" + name
        self.addCleanup(lambda: os.environ.pop("NOTIFY_SOCKET", None) if old is None
                        else os.environ.__setitem__("NOTIFY_SOCKET", old))
        return sock

    def recv(self, sock):
        return dict(l.split("=", 1) for l in sock.recv(4096).decode().split("\n"))

    def test_ready_reload_stopping(self):
        sock = self.notify_socket()
        srv = self.server()
        msg = self.recv(sock)
        self.assertEqual(msg["READY"], "1")
        self.assertIn("listening", msg["STATUS"])
        srv.users("ana")  # listening when it said so
        srv.proc.send_signal(signal.SIGHUP)
        msg = self.recv(sock)
        self.assertEqual(msg["RELOADING"], "1")
        self.assertTrue(msg["MONOTONIC_USEC"].isdigit())
        self.assertEqual(self.recv(sock)["READY"], "1")
        srv.stop()
        self.assertEqual(self.recv(sock)["STOPPING"], "1")

    def test_path_socket(self):
        d = tempfile.mkdtemp(prefix="charla-svc-")
        self.addCleanup(os.rmdir, d)
        path = os.path.join(d, "notify")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        sock.settimeout(harness.TIMEOUT)
        self.addCleanup(os.unlink, path)
        self.addCleanup(sock.close)
        os.environ["NOTIFY_SOCKET"] = path
        self.addCleanup(os.environ.pop, "NOTIFY_SOCKET", None)
        self.server()
        self.assertEqual(self.recv(sock)["READY"], "1")


class Reload(Files, IrcCase):
    def test_new_motd_for_new_clients_old_client_stays(self):
        motd = self.conf("first motd\n", mode=0o644, name="motd")
        path = self.conf("motd = %s\n" % motd)
        srv = self.irc_server("--config", path)
        old = self.irc(srv, label="old")
        burst = old.register("old")
        self.assertIn("- first motd", [m.last for m in burst])
        line = srv.client("ana")
        self.rewrite(motd, "second motd\n")
        srv.proc.send_signal(signal.SIGHUP)
        wait_nth(srv, "reload done", 1)
        new = self.irc(srv, label="new")
        self.assertIn("- second motd", [m.last for m in new.register("new")])
        self.assertEqual(old.sync(), [])  # still connected, and answered
        line.sync()

    def test_broken_config_on_reload_keeps_the_server(self):
        path = self.conf("max-rooms = 3\n")
        srv = self.irc_server("--config", path)
        (ana,) = srv.users("ana")
        self.rewrite(path, "max-rooms = 3\nlisen = *:1\n")
        srv.proc.send_signal(signal.SIGHUP)
        srv.wait_log('reload failed, old settings kept: %s:2: unknown setting "lisen" '
                     '(did you mean "listen"?)' % path)
        self.assertEqual(ana.sync(), [])
        srv.users("bob")
        # A missing MOTD makes a reload fail the same way.
        self.rewrite(path, "max-rooms = 3\nmotd = /nonexistent/motd\n")
        srv.proc.send_signal(signal.SIGHUP)
        wait_nth(srv, "reload failed", 2)
        srv.wait_log("cannot read --motd /nonexistent/motd")
        self.assertEqual(ana.sync(), ["[#lobby] -- bob joined"])  # still connected

    def test_reloadable_applied_others_need_a_restart(self):
        path = self.conf("max-rooms = 10\nmax-line = 4096\n")
        srv = self.server("--config", path)
        (ana,) = srv.users("ana")
        for room in ("#a", "#b"):
            ana.send("/join " + room)
        ana.sync()
        self.rewrite(path, "max-rooms = 2\nmax-line = 100\nverbose = true\n")
        srv.proc.send_signal(signal.SIGHUP)
        wait_nth(srv, "reload done", 1)
        srv.wait_log("reload: max-line changed, which needs a restart; keeping the old value")
        srv.wait_log("reload: max-rooms changed")
        srv.wait_log("reload: verbose changed")
        ana.send("/join #c")  # lobby, #a, #b: past the new limit of 2
        ana.wait_for(harness.rx(r"! .*\b2\b.*"))
        ana.send("y" * 200)  # max-line was kept at 4096
        self.assertEqual(ana.sync(), [])
        # verbose: each connection is logged from now on.
        srv.client("bob")
        srv.wait_log(harness.rx(r"debug: .*127\.0\.0\.1"))


if __name__ == "__main__":
    harness.main()
