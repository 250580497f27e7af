"""charlad integration: server bans (/ban, /unban, /bans from the line protocol; KLINE, UNKLINE,
STATS k from IRC): by name mask and by address, cutting those online who match, refusing them at
naming and at accept, kept across a restart, and gone when their time is over.
Run: python3 test_server_bans.py /path/to/charlad
"""

import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import esc, rx  # noqa: E402
from irc_helpers import IrcCase  # noqa: E402
from test_server_metrics import get, parse_exposition, value  # noqa: E402
from test_server_oper import HUNTER2  # noqa: E402

BANNED = "! You are banned from this server: %s"
UNTIL = r"! You are banned from this server until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC: %s"


def connect_from(port, src):
    s = socket.create_connection(("127.0.0.1", port), source_address=(src, 0),
                                 timeout=harness.TIMEOUT)
    return s.makefile("r", encoding="utf-8"), s


class Bans(IrcCase):
    def opers(self):
        return self.file("boss %s\n" % HUNTER2)

    def oper_line(self, srv, name="boss"):
        c = srv.client(name)
        c.send("/oper boss hunter2")
        c.expect("* You are now a server operator.")
        return c

    def oper_irc(self, srv):
        op = self.irc(srv, "op")
        op.send("OPER boss hunter2")
        op.expect("381")
        op.expect("MODE")
        return op

    def test_line_ban_by_name_cuts_and_refuses_then_unban(self):
        srv = self.server("--oper-file", self.opers())
        op = self.oper_line(srv)
        spam = srv.client("spammer")
        other = srv.client("ana")
        op.sync()
        op.send("/ban Spam* 2h no spam please")
        op.wait_for(rx(r"\* Banned Spam\*!\*@\* until \d{4}-.* UTC: no spam please "
                     r"\(1 disconnected\)\."))
        spam.wait_for(rx(UNTIL % esc("no spam please")))
        spam.expect_eof()
        other.wait_for("-- spammer quit (Banned: no spam please)")
        # At naming: refused, told and closed.
        again = srv.client(label="again")
        again.expect(harness.GREETING)
        again.expect(harness.PROMPT)
        again.send("SPAMMY")
        again.expect(rx(UNTIL % esc("no spam please")))
        again.expect_eof()
        op.send("/bans")
        op.expect(rx(r"\* Ban Spam\*!\*@\* until .* UTC, by boss: no spam please"))
        op.send("/unban spam*")
        op.expect("* Ban on spam* lifted.")
        op.send("/bans")
        op.expect("* No bans.")
        srv.client("spammy")  # named at last
        op.send("/unban nobody")
        op.wait_for("! No ban on nobody.")

    def test_only_operators_and_wrong_password(self):
        srv = self.server("--oper-file", self.opers())
        ana = srv.client("ana")
        ana.send("/ban bob")
        ana.expect("! Only server operators can do that.")
        ana.send("/bans")
        ana.expect("! Only server operators can do that.")
        ana.send("/oper boss wrong")
        ana.expect("! Wrong operator name or password.")

    def test_address_ban_refuses_at_accept_on_every_face(self):
        srv = self.irc_server("--http-listen", "127.0.0.1:0", "--oper-file", self.opers())
        op = self.oper_line(srv)
        f, s = connect_from(srv.port, "127.0.0.5")
        self.assertTrue(f.readline().startswith("* charlad"))
        op.send("/ban 127.0.0.4/31 30m flood from there")
        op.expect(rx(r"\* Banned 127\.0\.0\.4/31 until .*: flood from there \(1 disconnected\)\."))
        self.assertRegex(f.read(), UNTIL % esc("flood from there") + "\n")
        s.close()
        f, s = connect_from(srv.port, "127.0.0.4")
        self.assertRegex(f.read(), "^" + UNTIL % esc("flood from there") + "\n$")
        s.close()
        f, s = connect_from(srv.irc_port, "127.0.0.5")
        self.assertRegex(f.read(), r"^ERROR :Closing Link: 127\.0\.0\.5 \(Banned until "
                                   r"\d{4}-.* UTC: flood from there\)\n$")
        s.close()
        f, s = connect_from(srv.http_port, "127.0.0.5")
        self.assertIn("403 Forbidden", f.read())
        s.close()
        # Others are served, and /metrics counts it all.
        srv.client("carla")
        status, _, body = get(srv.http_port)
        fams = parse_exposition(body.decode("utf-8"))
        self.assertEqual(value(fams, "charla_bans"), 1)
        self.assertEqual(value(fams, "charla_banned_total", at="accept"), 3)
        self.assertEqual(value(fams, "charla_banned_total", at="online"), 1)
        self.assertEqual(value(fams, "charla_banned_total", at="naming"), 0)

    def test_kline_from_irc_stats_unkline(self):
        srv = self.irc_server("--oper-file", self.opers())
        op = self.oper_irc(srv)
        bob = self.irc(srv, "bob", user="bobby")
        nc = srv.client("carla")
        self.joined(bob, "#lobby")
        op.send("KLINE 10 *!~bobby@* :go away")
        note = op.expect("NOTICE")
        self.assertRegex(note.last, r"^Banned \*!~bobby@\* until .* UTC: go away \(1 disconnected\)$")
        bob.expect_error("Banned until")
        nc.wait_for("-- bob quit (Banned: go away)")
        op.send("STATS k")
        m = op.expect("216")
        self.assertEqual(m.params[1:5], ["K", "*!~bobby@*", "*", "*"])
        self.assertRegex(m.last, r"^go away \(until .* UTC, by op\)$")
        op.expect("219", params=["op", "k", "End of /STATS report"])
        op.send("UNKLINE *!~bobby@*")
        self.assertEqual(op.expect("NOTICE").last, "Ban on *!~bobby@* lifted")
        self.irc(srv, "bob", user="bobby")
        # Not an operator.
        carla = self.irc(srv, "irccarla")
        carla.send("KLINE x :y")
        carla.expect("481")

    def test_kline_user_part_and_host_only_mask(self):
        srv = self.irc_server("--oper-file", self.opers())
        op = self.oper_irc(srv)
        # The user part comes after NICK: the ban is checked again once it is known.
        op.send("KLINE 10 *!~evil@* :go away")
        op.expect("NOTICE")
        f, s = connect_from(srv.irc_port, "127.0.0.1")
        s.sendall(b"NICK fine\r\nUSER evil 0 * :E\r\n")
        got = f.read()
        s.close()
        self.assertRegex(got, r"ERROR :Closing Link: .*Banned until .*: go away\)")
        self.assertNotIn(" 001 ", got)
        # A mask that names only a host is that address's ban, at accept on every face.
        op.send("KLINE 10 *@127.0.0.6 :not from there")
        note = op.expect("NOTICE")
        self.assertRegex(note.last, r"^Banned 127\.0\.0\.6 until .* UTC: not from there")
        f, s = connect_from(srv.port, "127.0.0.6")
        self.assertRegex(f.read(), "^" + UNTIL % esc("not from there") + "\n$")
        s.close()
        op.send("UNKLINE *@127.0.0.6")
        self.assertEqual(op.expect("NOTICE").last, "Ban on *@127.0.0.6 lifted")

    def test_ban_survives_a_restart(self):
        data = harness.temp_dir("charla-test-data-")
        flags = ("--oper-file", self.opers(), "--data-dir", data)
        srv = self.server(*flags)
        op = self.oper_line(srv)
        op.send("/ban troll perm trolling")
        op.expect("* Banned troll!*@* for good: trolling (0 disconnected).")
        op.send("/ban 127.0.0.7 1d from seven")
        op.expect(rx(r"\* Banned 127\.0\.0\.7 until .*"))
        srv.stop()
        srv = self.server(*flags)
        t = srv.client(label="troll")
        t.expect(harness.GREETING)
        t.expect(harness.PROMPT)
        t.send("troll")
        t.expect(BANNED % "trolling")
        t.expect_eof()
        f, s = connect_from(srv.port, "127.0.0.7")
        self.assertRegex(f.read(), UNTIL % esc("from seven"))
        s.close()
        op = self.oper_line(srv)
        op.send("/bans")
        got = [op.readline(), op.readline()]
        self.assertEqual(sorted(l.split(" ")[2] for l in got), ["127.0.0.7", "troll!*@*"])

    def test_ban_expires(self):
        srv = self.server("--oper-file", self.opers())
        op = self.oper_line(srv)
        op.send("/ban 127.0.0.6 1s briefly")
        op.expect(rx(r"\* Banned 127\.0\.0\.6 until .*"))
        f, s = connect_from(srv.port, "127.0.0.6")
        self.assertRegex(f.read(), UNTIL % esc("briefly"))
        s.close()
        deadline = time.monotonic() + harness.TIMEOUT
        while True:
            f, s = connect_from(srv.port, "127.0.0.6")
            first = f.readline()
            s.close()
            if first.startswith("* charlad"):
                break
            self.assertLess(time.monotonic(), deadline, "the ban never ended: %r" % first)
            op.sync()  # a round trip to the server between tries, not a sleep
        op.send("/bans")
        op.expect("* No bans.")


if __name__ == "__main__":
    harness.main()
