"""charlad integration: server operators with hashed passwords (--oper-file, --hash-password).

The operators' file holds Argon2id hashes, never passwords: a plaintext line is refused at start
and on a reload, with a hint. OPER's check runs off the event loop, a wrong password is answered
464, and an address that keeps failing is throttled. Run: python3 test_server_oper.py /path/to/charlad
"""

import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from irc_helpers import IrcCase  # noqa: E402

# Argon2id hashes of "hunter2" (for other suites too), made at libsodium's least cost so that
# checking them is quick; charlad --hash-password makes them at a higher one.
HUNTER2 = ("$argon2id$v=19$m=8,t=1,p=1$MZ12hi0WC/WPgya/z5aXiQ$"
           "8PEh5j3jm27oQHEUNKsfH3we2bl/BJ9DPb/pEBb0oxg")
HINT = "make one with `charlad --hash-password` and put it in its place"


def hash_password(password):
    p = subprocess.run([harness.CHARLAD, "--hash-password"], input=password + "\n",
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout.strip()


class HashPassword(harness.TestCase):
    def test_prints_an_argon2id_hash_not_the_password(self):
        h = hash_password("correct horse")
        self.assertTrue(h.startswith("$argon2id$v=19$m=262144,t=3,p=1$"), h)
        self.assertNotIn("correct horse", h)
        self.assertNotEqual(h, hash_password("correct horse"))  # salted

    def test_empty_and_too_long_refused(self):
        for pw, why in (("", "no password on standard input"),
                        ("x" * 600, "the password is too long (512 bytes at most)")):
            p = subprocess.run([harness.CHARLAD, "--hash-password"], input=pw + "\n",
                               capture_output=True, text=True, timeout=60)
            self.assertEqual((p.returncode, p.stdout, p.stderr), (2, "", "charlad: %s\n" % why))


class Opers(IrcCase):
    def opers(self, *lines):
        return self.file("# operators\n" + "".join(l + "\n" for l in lines))

    def test_hashed_password_works_made_by_hash_password(self):
        srv = self.irc_server("--oper-file", self.opers("boss " + hash_password("s3cret pw")))
        ana = self.irc(srv, "ana")
        ana.send("OPER boss :s3cret pw")
        ana.expect("381", params=["ana", "You are now an IRC operator"])
        ana.expect("MODE", params=["ana", "+o"])
        self.assertNotIn("s3cret", srv.log_text())

    def test_plaintext_refused_at_start(self):
        path = self.opers("boss hunter2")
        p = harness.run_charlad("--oper-file", path, "--no-ai", "--listen", "127.0.0.1:0")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("--oper-file %s line 2: the password is not an Argon2id hash" % path,
                      p.stderr)
        self.assertIn(HINT, p.stderr)
        self.assertNotIn("hunter2", p.stderr)

    def test_plaintext_refused_on_reload_old_operators_kept(self):
        path = self.opers("boss " + HUNTER2)
        srv = self.irc_server("--oper-file", path)
        with open(path, "w") as f:
            f.write("boss hunter2\n")
        srv.proc.send_signal(signal.SIGHUP)
        srv.wait_log("reload failed, old settings kept: --oper-file %s line 1: the password "
                     "is not an Argon2id hash" % path)
        ana = self.irc(srv, "ana")
        ana.send("OPER boss hunter2")
        ana.expect("381")

    def test_wrong_password_then_throttled_per_address(self):
        srv = self.irc_server("--oper-file", self.opers("boss " + HUNTER2))
        ana = self.irc(srv, "ana")
        for line in ("OPER boss wrong", "OPER nobody hunter2", "OPER BOSS hunter2",
                     "OPER boss hunter", "OPER boss x"):
            ana.send(line)
            ana.expect("464", params=["ana", "Password incorrect"])
        # Five failures: this address now waits, even with the right password, from any client.
        bob = self.irc(srv, "bob")
        bob.send("OPER boss hunter2")
        bob.expect("464", params=["bob", "Too many failed OPER attempts from your address; "
                                         "try again later"])
        self.assertNotIn("hunter2", srv.log_text())

    def test_replies_keep_the_order_of_commands(self):
        # The check runs off the loop, but the client's next command waits for its answer.
        srv = self.irc_server("--oper-file", self.opers("boss " + hash_password("pw")))
        ana = self.irc(srv, "ana")
        ana.send_raw(b"OPER boss pw\r\nPING :after\r\nOPER boss nope\r\nPING :last\r\n")
        self.assertEqual(ana.readline().command, "381")
        self.assertEqual(ana.readline().command, "MODE")
        self.assertEqual(ana.readline().last, "after")
        self.assertEqual(ana.readline().command, "464")
        self.assertEqual(ana.readline().last, "last")

    def test_client_gone_while_its_check_runs(self):
        srv = self.irc_server("--oper-file", self.opers("boss " + hash_password("pw")))
        ana = self.irc(srv, "ana")
        ana.send("OPER boss pw")  # a check of some hundreds of ms at --hash-password's cost
        ana.close()
        bob = self.irc(srv, "bob")
        bob.send("OPER boss pw")
        bob.expect("381")

    def test_no_operators(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana")
        ana.send("OPER boss hunter2")
        ana.expect("491", params=["ana", "No operators are configured on this server"])


if __name__ == "__main__":
    harness.main()
