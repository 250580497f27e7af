"""charlad integration: history and server state in SQLite (docs/protocol.md, "History").

History on join and on reconnect, /history and /history before ID, a room one is not in,
retention by rows, rooms' topics and modes across a restart, kill -9 in the middle of a burst, an
unwritable data directory, a corrupt database file, and private messages kept only with
--store-private, for accounts: readable by the account, never by a later holder of a name. Every server gets a data directory of its own (harness.temp_dir).

Run: python3 test_server_history.py /path/to/charlad
"""

import os
import re
import sqlite3
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import rx, esc  # noqa: E402

HEAD = "* Earlier in %s:"
END = rx(r"\* End of history of (#\S+); /history before (\d+) shows earlier lines\.")
UNAVAILABLE = ("! History is not available right now: the server cannot read or write it.")
REFUSED = "! You can read the history of a room you are in only."
NO_ACCOUNT = "! Private history is kept for accounts only: /login to read yours."
PASSWORD = "clave-de-prueba-8812"


def line(name, text):
    return rx(r"= \d\d:\d\d %s: %s$" % (esc(name), esc(text)))


def db_rows(data_dir, where="1", args=()):
    con = sqlite3.connect(os.path.join(data_dir, "charla.db"))
    try:
        return con.execute("SELECT COUNT(*) FROM msg WHERE " + where, args).fetchone()[0]
    finally:
        con.close()


class History(harness.TestCase):
    def expect_history(self, c, room, name, texts):
        """The head, the lines and the tail; returns the id the tail offers."""
        c.expect(HEAD % room)
        for t in texts:
            c.expect(line(name, t))
        m = c.expect(END)
        self.assertEqual(m.group(1), room)
        return int(m.group(2))

    def test_on_join_and_on_reconnect(self):
        srv = self.server("--history-on-join", "5")
        ana = srv.client("ana")
        said = ["line %d" % i for i in range(7)]
        for t in said:
            ana.send(t)
        self.assertEqual(ana.sync(), [])
        bob = srv.client(label="bob")
        bob.register("bob")
        self.expect_history(bob, "#lobby", "ana", said[-5:])
        ana.send("/join #dev")
        ana.send("only in dev")
        ana.send("/me waves")
        ana.sync()
        bob.send("/join dev")
        bob.expect("* You joined #dev (2 members).")
        bob.expect(HEAD % "#dev")
        bob.expect(line("ana", "only in dev"))
        bob.expect(rx(r"= \d\d:\d\d \* ana waves$"))
        bob.expect(END)
        # Live lines after the join are not repeated as history.
        ana.send("live")
        bob.expect("[#dev] ana: live")
        self.assertEqual(bob.sync(), [])
        # Reconnecting: the lobby's history again, the same five lines.
        bob.close()
        bob2 = srv.client(label="bob2")
        bob2.register("bob")
        self.expect_history(bob2, "#lobby", "ana", said[-5:])

    def test_history_command_and_before(self):
        srv = self.server()
        ana = srv.client("ana")
        said = ["m%02d" % i for i in range(30)] + ["'); DROP TABLE msg; -- \"%s\" ñ"]
        for t in said:
            ana.send(t)
        ana.send("/history")
        before = self.expect_history(ana, "#lobby", "ana", said[-20:])
        ana.send("/history before %d 5" % before)
        before2 = self.expect_history(ana, "#lobby", "ana", said[-25:-20])
        ana.send("/history 3")
        self.expect_history(ana, "#lobby", "ana", said[-3:])
        ana.send("/history before %d" % before2)
        self.expect_history(ana, "#lobby", "ana", said[:-25])
        ana.send("/history before 1")
        ana.expect("* No earlier lines here.")
        ana.send("/history before 9000000000000000000")  # no such id (a future one): all before
        self.expect_history(ana, "#lobby", "ana", said[-20:])
        ana.send("/history before nonsense")
        ana.expect("! Usage: /history [ROOM | NAME] [N] or /history [ROOM | NAME] before ID [N]")
        # A huge request is capped, not refused.
        ana.send("/history 1000000")
        ana.expect(HEAD % "#lobby")
        for t in said:
            ana.wait_for(line("ana", t))
        ana.expect(END)

    def test_refused_for_a_room_one_is_not_in(self):
        srv = self.server()
        ana, bob = srv.users("ana", "bob")
        ana.send("/join #dev")
        ana.send("secret plans")
        ana.sync()
        bob.send("/history #dev")
        bob.expect(REFUSED)
        bob.send("/history #nowhere")
        bob.expect(REFUSED)
        bob.send("/history #lobby")
        bob.expect("* No earlier lines here.")

    def test_retention_by_rows(self):
        srv = self.server("--history-max-rows", "5")
        ana = srv.client("ana")
        said = ["r%02d" % i for i in range(12)]
        for t in said:
            ana.send(t)
        ana.send("/history 20")
        self.expect_history(ana, "#lobby", "ana", said[-5:])

    def test_restart_keeps_rooms_topics_and_modes(self):
        data = harness.temp_dir()
        srv = self.server("--data-dir", data)
        ana = srv.client("ana")
        ana.send("/join #dev")
        ana.send("/topic plans for Tuesday")
        ana.send("/mode +mk sekrit")
        ana.send("/mode +b troll")
        ana.send("/mode +l 10")
        ana.sync()
        srv.stop()
        srv2 = self.server("--data-dir", data)
        srv2.wait_log("(1 rooms restored)")
        bob = srv2.client("bob")
        bob.send("/join #dev")
        bob.expect("! #dev needs its key: /join #dev KEY")
        troll = srv2.client("troll")
        troll.send("/join #dev sekrit")
        troll.expect("! You are banned from #dev.")
        bob.send("/join #dev sekrit")
        bob.wait_for("* You joined #dev (1 member).")
        bob.send("/topic")
        bob.wait_for(rx(r"\* The topic of #dev: plans for Tuesday \(set by ana\)\."))
        bob.send("/mode")
        bob.wait_for(rx(r"\* Modes of #dev: \+\S*m\S* sekrit"))

    def test_kill_9_mid_burst_then_restart(self):
        data = harness.temp_dir()
        srv = harness.Server("--data-dir", data)  # not self.server: it dies of SIGKILL
        self.addCleanup(srv.kill)
        ana = srv.client("ana")
        # A first burst, flushed: a read runs after every write queued before it.
        first, second = 1500, 500
        ana.send_raw(("".join("b%04d\n" % i for i in range(first))).encode())
        ana.send("/history 1")
        self.expect_history(ana, "#lobby", "ana", ["b%04d" % (first - 1)])
        # A second burst, less than a batch, and SIGKILL while charlad takes it in.
        ana.send_raw(("".join("b%04d\n" % i for i in range(first, first + second))).encode())
        srv.kill()  # no shutdown, no last commit
        self.assertEqual(srv.proc.returncode, -9)
        self.assertEqual(srv.sanitizer_lines(), [])
        con = sqlite3.connect(os.path.join(data, "charla.db"))
        self.assertEqual(con.execute("PRAGMA integrity_check").fetchone()[0], "ok")
        texts = [r[0].decode() for r in con.execute("SELECT text FROM msg ORDER BY id")]
        con.close()
        # What survived is a prefix of what was said: all of the first burst, and of the
        # second whatever was committed (at most that batch is lost).
        self.assertGreaterEqual(len(texts), first)
        self.assertEqual(texts, ["b%04d" % i for i in range(len(texts))])
        srv2 = self.server("--data-dir", data)
        bob = srv2.client("bob")
        bob.send("/history 2")
        self.expect_history(bob, "#lobby", "ana", texts[-2:])

    def test_unwritable_data_dir(self):
        # Root ignores permissions: a path under a regular file fails for everyone.
        d = harness.temp_dir()
        blocker = os.path.join(d, "file")
        with open(blocker, "w") as f:
            f.write("not a directory\n")
        srv = self.server("--data-dir", os.path.join(blocker, "data"), "--history-on-join", "5")
        srv.wait_log(rx(r"cannot create the data directory .*/file/data: Not a directory; "
                        r"running without history"))
        ana = srv.client("ana")
        ana.expect(UNAVAILABLE)
        bob = srv.client("bob")
        bob.expect(UNAVAILABLE)
        ana.send("still talking")
        bob.expect("[#lobby] ana: still talking")
        bob.send("/history")
        bob.expect(UNAVAILABLE)

    def test_corrupt_database_refuses_to_start(self):
        d = harness.temp_dir()
        path = os.path.join(d, "charla.db")
        junk = b"this is no database, whatever its name says\n" * 200
        with open(path, "wb") as f:
            f.write(junk)
        p = harness.run_charlad("--config", harness._empty_config(), "--listen", "127.0.0.1:0",
                                "--no-irc", "--no-http", "--no-ai", "--data-dir", d)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn(path, p.stderr)
        self.assertIn("refusing to start", p.stderr)
        with open(path, "rb") as f:
            self.assertEqual(f.read(), junk, "the file was touched")

    def test_no_store_keeps_nothing(self):
        srv = self.server("--no-store", "--history-on-join", "5")
        ana = srv.client("ana")
        ana.send("gone with the process")
        ana.send("/history")
        ana.expect("! This server keeps no history.")
        bob = srv.client("bob")  # nothing on join, not even a notice
        self.assertEqual(bob.sync(), [])
        self.assertNotIn("history in", srv.log_text())

    def test_private_messages_only_with_store_private(self):
        for flags, want in (((), 0), (("--store-private",), 1)):
            data = harness.temp_dir()
            srv = self.server("--data-dir", data, *flags)
            ana, bob = srv.users("ana", "bob")
            for c in (ana, bob):
                c.send("/register " + PASSWORD)
                c.expect(rx(r"\* Your name \w+ is registered: you own it and are logged in\."))
            ana.send("/msg bob between us")
            bob.expect(rx(r"\[pm\S*\] ana: between us|.*between us"))
            ana.send("in the open")
            bob.expect("[#lobby] ana: in the open")
            srv.stop()
            self.assertEqual(db_rows(data, "conv LIKE '@%'"), want, flags)
            self.assertEqual(db_rows(data, "conv = '#lobby'"), 1, flags)

    def private_history(self, c, other, lines):
        """/history OTHER: its head, the lines ((name, text) pairs) and its end."""
        c.send("/history " + other)
        c.expect(rx(r"\* Earlier in \S+:$"))
        for name, text in lines:
            c.expect(line(name, text))
        c.expect(rx(r"\* End of history of \S+; /history before \d+ shows earlier lines\."))

    def test_private_history_belongs_to_accounts(self):
        # Private history is an account's, never a name's: whoever holds a name later reads
        # nothing its earlier holder said; the account reads its own from any nick.
        data = harness.temp_dir()
        srv = self.server("--data-dir", data, "--store-private")
        ana, bob, cid, dan = srv.users("ana", "bob", "cid", "dan")
        for c in (ana, bob):
            c.send("/register " + PASSWORD)
            c.expect(rx(r"\* Your name \w+ is registered: you own it and are logged in\."))
        ana.send("/msg bob between accounts")
        bob.expect("[pm] ana: between accounts")
        bob.send("/msg ana indeed")
        ana.expect("[pm] bob: indeed")
        # Neither logged in: not kept at all.
        cid.send("/msg dan between names")
        dan.expect("[pm] cid: between names")
        # One logged in: kept for that account alone, with the other's nick.
        ana.send("/msg cid to a guest")
        cid.expect("[pm] ana: to a guest")
        self.private_history(ana, "bob", [("ana", "between accounts"), ("bob", "indeed")])
        self.private_history(bob, "ana", [("ana", "between accounts"), ("bob", "indeed")])
        self.private_history(ana, "cid", [("ana", "to a guest")])
        # Not logged in: no private history, said so.
        cid.send("/history ana")
        cid.expect(NO_ACCOUNT)
        cid.send("/history dan")
        cid.expect(NO_ACCOUNT)
        # cid and ana leave; the name cid (never registered) goes to someone who registers it:
        # the guest's conversation is ana's, not the account cid's.
        for c in (cid, ana):
            c.send("/quit")
            c.expect_eof()
        cid2 = srv.client("cid")
        cid2.send("/register " + PASSWORD)
        cid2.expect("* Your name cid is registered: you own it and are logged in.")
        for other in ("ana", "dan"):
            cid2.send("/history " + other)
            cid2.expect("* No earlier lines here.")
        # The name ana, not logged in, reads nothing (and is renamed after the grace).
        eve = srv.client("ana")
        eve.wait_for(rx(r"! The name ana is registered to an account: .*"))
        eve.send("/history bob")
        eve.expect(NO_ACCOUNT)
        # The account, back on a new connection under another nick, reads all of its own.
        anita = srv.client("anita")
        anita.send("/login ana " + PASSWORD)
        anita.expect("* You are logged in as ana.")
        self.private_history(anita, "bob", [("ana", "between accounts"), ("bob", "indeed")])
        self.private_history(anita, "cid", [("ana", "to a guest")])
        srv.stop()
        self.assertEqual(db_rows(data, "conv LIKE '@%'"), 3)
        self.assertEqual(db_rows(data, "conv = '@ana bob'"), 2)
        self.assertEqual(db_rows(data, "conv = '@ana !cid'"), 1)

if __name__ == "__main__":
    harness.main()
