"""Accounts from the line protocol and NickServ (src/bridge/accounts, src/text/cmd_account.c):
register, log in and out, a new password, a wrong password, the name taken by someone else and
renamed after --name-grace, or refused with a grace of 0; the hash in the store is Argon2id and
the password is nowhere (log, database file, other clients); a guesser is throttled after
--login-fails; registrations per address are limited by --register-rate; accounts survive a
restart. Run as `python3 test_server_accounts.py /path/to/charlad`."""

import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import rx  # noqa: E402

PASSWORD = "Sésamo-ábrete-7391"  # unique enough to grep for


class Accounts(harness.TestCase):
    def db_rows(self, data_dir, sql):
        db = sqlite3.connect(os.path.join(data_dir, "charla.db"))
        try:
            return db.execute(sql).fetchall()
        finally:
            db.close()

    def test_register_login_logout_password(self):
        data = harness.temp_dir("charla-test-data-")
        srv = self.server("--data-dir", data)
        ana, bob = srv.users("ana", "bob")
        ana.send("/register %s ana@example.org" % PASSWORD)
        ana.expect("* Your name ana is registered: you own it and are logged in.")
        ana.send("/register again")
        ana.expect("! You are logged in as ana already; /logout first.")
        ana.send("/logout")
        ana.expect("* You are logged out.")
        ana.wait_for(rx(r"! The name ana is registered to an account: log in within \d+ s "
                        r"\(/login PASSWORD\) or you will be renamed\."))
        ana.send("/login wrong-one")
        ana.expect("! Wrong name or password.")
        ana.send("/login " + PASSWORD)
        ana.expect("* You are logged in as ana.")
        ana.send("/password %s nuevo-1234" % PASSWORD)
        ana.expect("* The password of ana is changed.")
        ana.send("/logout")
        ana.expect("* You are logged out.")
        ana.expect(rx(r"! The name ana is registered to an account: .*"))
        ana.send("/login ana " + PASSWORD)
        ana.expect("! Wrong name or password.")
        ana.send("/login ana nuevo-1234")
        ana.expect("* You are logged in as ana.")
        # Bad input: clear refusals.
        ana.send("/password nuevo-1234 " + "x" * 600)
        ana.expect("! Cannot use that password: it is longer than 512 bytes.")
        ana.send("/logout")
        ana.expect("* You are logged out.")
        ana.expect(rx(r"! The name ana is registered to an account: .*"))
        bob.send("/register")
        bob.expect("! Usage: /register PASSWORD [EMAIL]")
        bob.send("/register pw not-an-address")
        bob.expect("! That is not an e-mail address.")
        bob.send("/password a b")
        bob.expect("! You are not logged in.")
        bob.send("/login nadie pw")
        bob.expect("! Wrong name or password.")
        bob.send_raw(b"/login ana \xff\xfe\n")
        # The line face replaces ill-formed bytes before any command sees them; what is left is
        # a wrong password.
        bob.expect(rx(r"! (Wrong name or password\.|Cannot use that password: .*)"))
        srv.stop()
        # The store: an Argon2id hash, the e-mail, and the password nowhere.
        rows = self.db_rows(data, "SELECT folded, name, hash, email FROM account")
        self.assertEqual(len(rows), 1)
        folded, name, pwhash, email = rows[0]
        self.assertEqual((folded, name, email), ("ana", "ana", "ana@example.org"))
        self.assertTrue(pwhash.startswith("$argon2id$v=19$"), pwhash)
        for secret in (PASSWORD, "nuevo-1234"):
            for path in os.listdir(data):
                with open(os.path.join(data, path), "rb") as f:
                    self.assertNotIn(secret.encode(), f.read(), path)
            self.assertNotIn(secret, srv.log_text())
            self.assertFalse([l for l in bob.history if secret in l], bob.history)

    def test_account_survives_a_restart(self):
        data = harness.temp_dir("charla-test-data-")
        srv = self.server("--data-dir", data)
        ana = srv.client("ana")
        ana.send("/register " + PASSWORD)
        ana.expect("* Your name ana is registered: you own it and are logged in.")
        srv.stop()
        srv2 = self.server("--data-dir", data, "--name-grace", "0")
        srv2.wait_log("1 accounts")
        c = srv2.client()
        c.expect(harness.GREETING)
        c.expect(harness.PROMPT)
        c.send("ana")
        c.expect("! The name ana is registered to an account: /login ana PASSWORD first, or pick "
                 "another.")
        c.expect(harness.PROMPT)
        # Logging in before naming names one after the account.
        c.send("/login ana " + PASSWORD)
        c.expect("* You are logged in as ana.")
        c.expect(rx(r"\* Welcome, ana! You are in #lobby with \d+ others?\. Type /help for "
                    r"commands\."))

    def test_name_taken_is_renamed_after_the_grace(self):
        srv = self.server("--name-grace", "1")
        ana = srv.client("ana")
        ana.send("/register " + PASSWORD)
        ana.expect("* Your name ana is registered: you own it and are logged in.")
        ana.send("/nick ana_away")
        ana.expect("* You are now known as ana_away.")
        mallory = srv.client("ana")
        mallory.expect("! The name ana is registered to an account: log in within 1 s "
                       "(/login PASSWORD) or you will be renamed.")
        m = mallory.wait_for(rx(r"\* You are now known as (Guest\d{5})\."), timeout=5)
        ana.wait_for("-- ana is now known as %s" % m.group(1))
        # The owner takes the name back.
        ana.send("/nick ana")
        ana.expect("* You are now known as ana.")

    def test_nickserv_from_a_line_client(self):
        # Private messages are kept (--store-private), but never those to NickServ.
        data = harness.temp_dir("charla-test-data-")
        srv = self.server("--data-dir", data, "--store-private")
        ana, bob = srv.users("ana", "bob")
        ana.send("/msg NickServ REGISTER %s" % PASSWORD)
        ana.expect("[pm] NickServ: Account created: ana is registered to you and you are "
                   "logged in.")
        ana.send("/msg NickServ LOGOUT")
        ana.expect("[pm] NickServ: You are now logged out.")
        ana.wait_for(rx(r"! The name ana is registered .*"))
        ana.send("/msg NickServ IDENTIFY wrong")
        ana.expect("[pm] NickServ: Refused: wrong name or password.")
        ana.send("/msg NickServ IDENTIFY ana %s" % PASSWORD)
        ana.expect("[pm] NickServ: You are now logged in as ana.")
        # A fingerprint the connection did not show (it showed none) is not added: anyone
        # could add someone else's and be logged in by their certificate.
        ana.send("/msg NickServ CERT ADD AB:CD:EF:01")
        ana.expect("[pm] NickServ: Refused: no such certificate (your connection shows none).")
        ana.send("/msg NickServ CERT LIST")
        ana.expect("[pm] NickServ: ana has no certificates.")
        ana.send("/msg NickServ FROB")
        ana.expect("[pm] NickServ: Unknown command FROB. Send HELP for the list.")
        ana.send("/lang es")
        ana.expect("* Tu idioma ahora es español.")
        ana.send("/msg NickServ SET PASSWORD")
        ana.expect("[pm] NickServ: Sintaxis: SET PASSWORD NEW")
        self.assertEqual(bob.sync(), [])
        ana.send("/msg bob kept")
        bob.expect("[pm] ana: kept")
        srv.stop()
        self.assertNotIn(PASSWORD, srv.log_text())
        self.assertEqual(self.db_rows(data, "SELECT count(*) FROM msg WHERE conv LIKE '@%'"),
                         [(1,)])
        for path in os.listdir(data):
            with open(os.path.join(data, path), "rb") as f:
                self.assertNotIn(PASSWORD.encode(), f.read(), path)

    def test_a_guesser_is_throttled(self):
        srv = self.server("--login-fails", "3", "--login-window", "60")
        ana, eve = srv.users("ana", "eve")
        ana.send("/register " + PASSWORD)
        ana.expect("* Your name ana is registered: you own it and are logged in.")
        for guess in ("a1", "a2", "a3"):
            eve.send("/login ana " + guess)
            eve.expect("! Wrong name or password.")
        eve.send("/login ana " + PASSWORD)  # right, but too late
        m = eve.expect(rx(r"! Too many failed logins; try again in (\d+) s\."))
        self.assertTrue(0 < int(m.group(1)) <= 60)
        srv.wait_log("failed login to account ana from 127.0.0.1")

    def test_registrations_per_address(self):
        srv = self.server("--register-rate", "2")
        users = srv.users("u1", "u2", "u3")
        for u in users[:2]:
            u.send("/register " + PASSWORD)
            u.expect(rx(r"\* Your name u\d is registered: you own it and are logged in\."))
        users[2].send("/register " + PASSWORD)
        m = users[2].expect(rx(r"! Too many registrations from your address; try again in "
                               r"(\d+) s\."))
        self.assertTrue(3500 < int(m.group(1)) <= 3600)

    def test_a_rooms_founder_gets_op_back_also_after_a_restart(self):
        data = harness.temp_dir("charla-test-data-")
        srv = self.server("--data-dir", data)
        ana, bob = srv.users("ana", "bob")
        ana.send("/register " + PASSWORD)
        ana.expect("* Your name ana is registered: you own it and are logged in.")
        ana.send("/join #club")
        ana.expect(rx(r"\* You joined #club \(1 members?\)\."))
        ana.send("/part #club")
        ana.wait_for(rx(r"\* You left #club\..*"))
        bob.send("/join #club")  # kept while empty; bob is no operator of it
        bob.expect(rx(r"\* You joined #club \(1 members?\)\."))
        ana.send("/join #club")
        ana.wait_for(rx(r"\* You joined #club \(2 members\)\."))
        ana.send("/who #club")
        ana.expect("* #club (2): @ana bob")
        srv.stop()
        srv2 = self.server("--data-dir", data)
        srv2.wait_log("(1 rooms restored); 1 accounts")
        ana2 = srv2.client("ana")
        ana2.send("/login " + PASSWORD)
        ana2.wait_for("* You are logged in as ana.")
        cid = srv2.client("cid")
        cid.send("/join #club")
        cid.expect(rx(r"\* You joined #club \(1 members?\)\."))
        ana2.send("/join #club")
        ana2.wait_for(rx(r"\* You joined #club \(2 members\)\."))
        ana2.send("/who #club")
        ana2.expect("* #club (2): @ana cid")

    def test_no_store_keeps_accounts_in_memory(self):
        srv = self.server("--no-store")
        ana = srv.client("ana")
        ana.send("/register " + PASSWORD)
        ana.expect("* Your name ana is registered: you own it and are logged in.")


if __name__ == "__main__":
    harness.main()
