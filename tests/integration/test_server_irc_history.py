"""IRCv3 draft/chathistory and the replay on JOIN, against a real charlad keeping history in its
own data directory: every subcommand with msgid= and timestamp= references, limits, TARGETS,
refusals, an unknown msgid, a labeled request (answered later, its label on the batch), the
replay with and without batch or draft/chathistory, and private conversations only with
--store-private, an account's alone. No sleeps: each answer is read to its end, and silence is proved with PING."""

import re
import shutil
import tempfile

import harness
from irc_helpers import IrcCase

HISTORY_CAPS = ("batch", "server-time", "message-tags", "draft/chathistory")
PASSWORD = "clave-de-prueba-4417"


class History(IrcCase):
    def history_server(self, *flags):
        data = tempfile.mkdtemp(prefix="charla-history-")
        self.addCleanup(shutil.rmtree, data, True)
        return self.irc_server("--data-dir", data, *flags)

    def said(self, srv, channel, n, caps=HISTORY_CAPS):
        """bob says n lines in channel, which ana (HISTORY_CAPS) is in; returns ana and the
        lines as ana saw them live (each with its msgid and time)."""
        ana = self.irc(srv, "ana", caps=caps)
        bob = self.irc(srv, "bob")
        self.joined(ana, channel)
        self.joined(bob, channel, ana)
        live = []
        for i in range(n):
            bob.send("PRIVMSG %s :line %d" % (channel, i))
            live.append(ana.expect("PRIVMSG", lambda m: m.last == "line %d" % i))
        return ana, bob, live

    def account(self, client, nick, command="REGISTER"):
        """Registers nick's account over NickServ (or IDENTIFY to it), logged in after."""
        client.send("PRIVMSG NickServ :%s %s" % (command, PASSWORD))
        client.wait_for("900", lambda m: m.params[2] == nick)
        client.wait_for("NOTICE", lambda m: m.nick == "NickServ")

    def batch(self, client, kind="chathistory", target=None):
        """Reads one batch of `kind`: returns (its start, its lines)."""
        start = client.expect("BATCH", lambda m: m.params[0].startswith("+") and
                              m.params[1] == kind)
        ref = start.params[0][1:]
        if target is not None:
            self.assertEqual(start.params[2:], [target])
        inner = []
        while True:
            m = client.readline()
            if m.command == "BATCH" and m.params == ["-" + ref]:
                return start, inner
            self.assertEqual(m.tags.get("batch"), ref, m.raw)
            inner.append(m)

    def texts(self, lines):
        return [m.last for m in lines]

    def ask(self, client, line, target="#h"):
        client.send(line)
        return self.texts(self.batch(client, target=target)[1])

    def test_advertised(self):
        srv = self.history_server()
        ana = self.irc(srv, "ana", caps=HISTORY_CAPS)
        self.assertIn("draft/chathistory", ana.ls)
        self.assertEqual(ana.isupport.get("CHATHISTORY"), "1000")
        self.assertEqual(ana.isupport.get("MSGREFTYPES"), "msgid,timestamp")

    def test_not_offered_without_history(self):
        srv = self.irc_server("--no-store")
        ana = self.irc(srv, "ana", caps=("batch",))
        self.assertNotIn("draft/chathistory", ana.ls)
        self.assertNotIn("CHATHISTORY", ana.isupport)
        self.assertNotIn("MSGREFTYPES", ana.isupport)
        ana.send("CAP REQ draft/chathistory")
        ana.expect("CAP", lambda m: m.params[1] == "NAK")
        self.joined(ana, "#h")
        ana.send("CHATHISTORY LATEST #h * 10")
        fail = ana.expect("FAIL")
        self.assertEqual(fail.params[:4], ["CHATHISTORY", "MESSAGE_ERROR", "LATEST", "#h"])

    def test_latest_before_after_around_between_by_msgid(self):
        srv = self.history_server()
        ana, _, live = self.said(srv, "#h", 10)
        ids = [m.tags["msgid"] for m in live]
        every = ["line %d" % i for i in range(10)]
        # The messages come as they were said: same msgid, time, sender and text.
        ana.send("CHATHISTORY LATEST #h * 100")
        _, got = self.batch(ana, target="#h")
        self.assertEqual(self.texts(got), every)
        for h, l in zip(got, live):
            self.assertEqual((h.tags["msgid"], h.tags["time"], h.nick, h.params[0]),
                             (l.tags["msgid"], l.tags["time"], "bob", "#h"))
        self.assertEqual(self.ask(ana, "CHATHISTORY LATEST #h * 3"), every[7:])
        self.assertEqual(self.ask(ana, "CHATHISTORY LATEST #h msgid=%s 100" % ids[6]), every[7:])
        self.assertEqual(self.ask(ana, "CHATHISTORY BEFORE #h msgid=%s 3" % ids[5]), every[2:5])
        self.assertEqual(self.ask(ana, "CHATHISTORY AFTER #h msgid=%s 3" % ids[5]), every[6:9])
        around = self.ask(ana, "CHATHISTORY AROUND #h msgid=%s 4" % ids[5])
        self.assertEqual(len(around), 4)
        self.assertIn("line 5", around)
        self.assertEqual(around, sorted(around, key=every.index))
        self.assertEqual(self.ask(ana, "CHATHISTORY AROUND #h msgid=%s 1" % ids[5]), ["line 5"])
        self.assertEqual(self.ask(ana, "CHATHISTORY BETWEEN #h msgid=%s msgid=%s 100" %
                                  (ids[2], ids[6])), every[3:6])
        # Reversed ends: the limit counts from the first (the later) end.
        self.assertEqual(self.ask(ana, "CHATHISTORY BETWEEN #h msgid=%s msgid=%s 2" %
                                  (ids[8], ids[1])), every[6:8])
        self.assertEqual(self.ask(ana, "CHATHISTORY BETWEEN #h msgid=%s msgid=%s 2" %
                                  (ids[1], ids[8])), every[2:4])

    def test_timestamps(self):
        srv = self.history_server()
        ana, _, live = self.said(srv, "#h", 6)
        ts = [m.tags["time"] for m in live]
        self.assertTrue(all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", t) for t in ts))
        first, last = ts[0], ts[-1]
        # Strictly before the first one's instant: nothing; after the last one's: nothing.
        self.assertEqual(self.ask(ana, "CHATHISTORY BEFORE #h timestamp=%s 10" % first), [])
        self.assertEqual(self.ask(ana, "CHATHISTORY AFTER #h timestamp=%s 10" % last), [])
        # Strictly after the first's millisecond: the lines of later milliseconds.
        later = [m.last for m in live if m.tags["time"] > first]
        self.assertEqual(self.ask(ana, "CHATHISTORY AFTER #h timestamp=%s 10" % first), later)
        self.assertEqual(self.ask(ana, "CHATHISTORY BETWEEN #h timestamp=2000-01-01T00:00:00.000Z "
                                  "timestamp=2999-01-01T00:00:00.000Z 10"), self.texts(live))
        self.assertEqual(self.ask(ana, "CHATHISTORY LATEST #h timestamp=2000-01-01T00:00:00Z 2"),
                         self.texts(live)[-2:])

    def test_limits_and_invalid_parameters(self):
        srv = self.history_server()
        ana, _, live = self.said(srv, "#h", 3)
        self.assertEqual(len(self.ask(ana, "CHATHISTORY LATEST #h * 999999")), 3)  # capped
        for bad, code, sub in (
                ("LATEST #h * 0", "INVALID_PARAMS", "LATEST"),
                ("LATEST #h * many", "INVALID_PARAMS", "LATEST"),
                ("BEFORE #h * 10", "INVALID_PARAMS", "BEFORE"),
                ("AFTER #h yesterday 10", "INVALID_PARAMS", "AFTER"),
                ("BETWEEN #h msgid=1 10", "NEED_MORE_PARAMS", "BETWEEN"),
                ("TARGETS timestamp=2000-01-01T00:00:00Z", "NEED_MORE_PARAMS", "TARGETS"),
                ("SOON #h * 10", "UNKNOWN_COMMAND", "SOON")):
            ana.send("CHATHISTORY " + bad)
            fail = ana.expect("FAIL")
            self.assertEqual(fail.params[:3], ["CHATHISTORY", code, sub], fail.raw)
        ana.send("CHATHISTORY")
        ana.expect("461")
        ana.expect_silence()

    def test_unknown_msgid_is_an_empty_batch(self):
        srv = self.history_server()
        ana, _, _ = self.said(srv, "#h", 2)
        self.assertEqual(self.ask(ana, "CHATHISTORY BEFORE #h msgid=not-one-of-ours 10"), [])
        self.assertEqual(self.ask(ana, "CHATHISTORY AFTER #h msgid=0000000000000000 10"), [])

    def test_leaving_with_requests_waiting(self):
        srv = self.history_server()
        ana, bob, _ = self.said(srv, "#h", 3)
        # Asked, then gone before the answer: the requests are cancelled, nothing is written
        # to a closed client, and the server goes on (ASan would say otherwise).
        ana.send_raw(b"CHATHISTORY LATEST #h * 10\r\nCHATHISTORY TARGETS "
                     b"timestamp=2000-01-01T00:00:00Z timestamp=2999-01-01T00:00:00Z 5\r\n"
                     b"QUIT :bye\r\n")
        ana.expect_eof()
        bob.expect("QUIT")
        self.joined(bob, "#g")
        srv.stop()
        self.assertEqual(srv.sanitizer_lines(), [])

    def test_refused_target(self):
        srv = self.history_server()
        ana, bob, _ = self.said(srv, "#h", 2)
        eve = self.irc(srv, "eve", caps=HISTORY_CAPS)
        for target in ("#h", "#nowhere"):
            eve.send("CHATHISTORY LATEST %s * 10" % target)
            fail = eve.expect("FAIL")
            self.assertEqual(fail.params[:4], ["CHATHISTORY", "INVALID_TARGET", "LATEST", target])
        eve.expect_silence()

    def test_labeled(self):
        srv = self.history_server()
        caps = HISTORY_CAPS + ("labeled-response",)
        ana, _, _ = self.said(srv, "#h", 2, caps=caps)
        ana.send("@label=h1 CHATHISTORY LATEST #h * 10")
        start, lines = self.batch(ana, target="#h")
        self.assertEqual(start.tags.get("label"), "h1")
        self.assertEqual(self.texts(lines), ["line 0", "line 1"])
        # An empty answer is still the batch, labeled; a refusal is the FAIL, labeled.
        ana.send("@label=h2 CHATHISTORY BEFORE #h timestamp=2000-01-01T00:00:00.000Z 10")
        start, lines = self.batch(ana, target="#h")
        self.assertEqual((start.tags.get("label"), lines), ("h2", []))
        ana.send("@label=h3 CHATHISTORY LATEST #elsewhere * 10")
        fail = ana.expect("FAIL")
        self.assertEqual(fail.tags.get("label"), "h3")
        ana.expect_silence()

    def test_targets(self):
        srv = self.history_server("--store-private")
        ana, bob, live = self.said(srv, "#h", 1)
        h_time = live[0].tags["time"]
        # Private history is an account's: both log in.
        self.account(ana, "ana")
        self.account(bob, "bob")
        self.joined(ana, "#g")
        self.joined(bob, "#g", ana)
        times = set([h_time])
        # Each conversation's last message in a millisecond of its own, so that a timestamp
        # bound can fall between them (what is said in one millisecond cannot be told apart).
        for text in ("in g", "private"):
            while True:
                bob.send("PRIVMSG %s :%s" % ("#g" if text == "in g" else "ana", text))
                m = ana.expect("PRIVMSG", lambda m: m.last == text)
                if m.tags["time"] not in times:
                    break
            times.add(m.tags["time"])
            if text == "in g":
                g_time = m.tags["time"]
            else:
                private_time = m.tags["time"]
        ana.send("CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z "
                 "timestamp=2999-01-01T00:00:00.000Z 10")
        _, lines = self.batch(ana, kind="draft/chathistory-targets")
        self.assertEqual([(m.command, m.params[0]) for m in lines], [("CHATHISTORY", "TARGETS")] * 3)
        names = [m.params[1].lower() for m in lines]
        self.assertEqual(names, ["#h", "#g", "bob"])  # oldest last message first
        # Each with the time of its last message, as that message's @time= said.
        self.assertEqual(lines[1].params[2], g_time)
        self.assertEqual(lines[2].params[2], private_time)
        # The limit counts from the end named first.
        ana.send("CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z "
                 "timestamp=2999-01-01T00:00:00.000Z 2")
        _, lines = self.batch(ana, kind="draft/chathistory-targets")
        self.assertEqual([m.params[1].lower() for m in lines], ["#h", "#g"])
        ana.send("CHATHISTORY TARGETS timestamp=2999-01-01T00:00:00.000Z "
                 "timestamp=2000-01-01T00:00:00.000Z 2")
        _, lines = self.batch(ana, kind="draft/chathistory-targets")
        self.assertEqual([m.params[1].lower() for m in lines], ["#g", "bob"])
        # Both ends exclusive: after #h's last message and before bob's, #g alone.
        ana.send("CHATHISTORY TARGETS timestamp=%s timestamp=%s 10" % (h_time, private_time))
        _, lines = self.batch(ana, kind="draft/chathistory-targets")
        self.assertEqual([m.params[1].lower() for m in lines], ["#g"])

    def test_private_only_with_store_private(self):
        for flags in ((), ("--store-private",)):
            with self.subTest(flags=flags):
                srv = self.history_server(*flags)
                ana = self.irc(srv, "ana", caps=HISTORY_CAPS)
                bob = self.irc(srv, "bob", caps=HISTORY_CAPS)
                self.account(ana, "ana")
                self.account(bob, "bob")
                bob.send("PRIVMSG ana :hi ana")
                ana.expect("PRIVMSG", lambda m: m.last == "hi ana")
                ana.send("PRIVMSG bob :hi bob")
                bob.expect("PRIVMSG", lambda m: m.last == "hi bob")
                ana.send("CHATHISTORY LATEST bob * 10")
                if not flags:
                    # Not kept: the store says so (FAIL), rather than an empty past.
                    fail = ana.expect("FAIL")
                    self.assertEqual(fail.params[:4], ["CHATHISTORY", "MESSAGE_ERROR", "LATEST", "bob"])
                else:
                    _, lines = self.batch(ana, target="bob")
                    self.assertEqual([(m.nick, m.params[0], m.last) for m in lines],
                                     [("bob", "ana", "hi ana"), ("ana", "bob", "hi bob")])
                    # Each side reads the same conversation.
                    bob.send("CHATHISTORY LATEST ana * 10")
                    self.assertEqual(self.texts(self.batch(bob, target="ana")[1]), ["hi ana", "hi bob"])
                srv.stop()

    def test_private_history_is_an_accounts(self):
        srv = self.history_server("--store-private")
        ana = self.irc(srv, "ana", caps=HISTORY_CAPS)
        bob = self.irc(srv, "bob", caps=HISTORY_CAPS)
        cid = self.irc(srv, "cid", caps=HISTORY_CAPS)
        dan = self.irc(srv, "dan", caps=HISTORY_CAPS)
        self.account(ana, "ana")
        self.account(bob, "bob")
        ana.send("PRIVMSG bob :between accounts")
        bob.expect("PRIVMSG", lambda m: m.last == "between accounts")
        # Neither end logged in: kept for nobody.
        cid.send("PRIVMSG dan :between names")
        dan.expect("PRIVMSG", lambda m: m.last == "between names")
        # Not logged in: an empty batch, and no private conversation among the TARGETS.
        for c, other in ((cid, "dan"), (dan, "cid"), (cid, "ana")):
            c.send("CHATHISTORY LATEST %s * 10" % other)
            self.assertEqual(self.batch(c, target=other)[1], [])
        cid.send("CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z "
                 "timestamp=2999-01-01T00:00:00.000Z 10")
        self.assertEqual(self.batch(cid, kind="draft/chathistory-targets")[1], [])
        # ana leaves; someone on the name ana without the account reads nothing.
        ana.send("QUIT")
        ana.expect_eof()
        eve = self.irc(srv, "ana", caps=HISTORY_CAPS)
        eve.wait_for("NOTICE", lambda m: "is registered to an account" in m.last)
        eve.send("CHATHISTORY LATEST bob * 10")
        self.assertEqual(self.batch(eve, target="bob")[1], [])
        # The account, back under another nick, reads its conversation, by the account's name.
        anita = self.irc(srv, "anita", caps=HISTORY_CAPS)
        anita.send("PRIVMSG NickServ :IDENTIFY ana %s" % PASSWORD)
        anita.wait_for("900", lambda m: m.params[2] == "ana")
        anita.wait_for("NOTICE", lambda m: m.nick == "NickServ")
        anita.send("CHATHISTORY LATEST bob * 10")
        _, lines = self.batch(anita, target="bob")
        self.assertEqual([(m.nick, m.params[0], m.last) for m in lines],
                         [("ana", "bob", "between accounts")])
        anita.send("CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z "
                   "timestamp=2999-01-01T00:00:00.000Z 10")
        _, lines = self.batch(anita, kind="draft/chathistory-targets")
        self.assertEqual([m.params[1].lower() for m in lines], ["bob"])

    def test_replay_on_join(self):
        srv = self.history_server("--history-on-join", "3")
        ana, bob, _ = self.said(srv, "#h", 5)
        # A batch client: the last 3 lines in a chathistory batch, after its JOIN burst.
        cid = self.irc(srv, "cid", caps=("batch", "server-time", "message-tags"))
        self.joined(cid, "#h", ana, bob)
        _, lines = self.batch(cid, target="#h")
        self.assertEqual(self.texts(lines), ["line 2", "line 3", "line 4"])
        self.assertTrue(all("time" in m.tags and "msgid" in m.tags for m in lines))
        # Live lines after it are live.
        bob.send("PRIVMSG #h :now")
        m = cid.expect("PRIVMSG")
        self.assertEqual((m.last, m.tags.get("batch")), ("now", None))
        # draft/chathistory: no replay (it asks itself); neither batch nor server-time: none.
        for nick, caps in (("dee", HISTORY_CAPS), ("eve", ())):
            c = self.irc(srv, nick, caps=caps)
            self.joined(c, "#h")
            c.expect_silence()
        # server-time without batch: plain lines, each with its time.
        fay = self.irc(srv, "fay", caps=("server-time",))
        self.joined(fay, "#h")
        got = [fay.expect("PRIVMSG") for _ in range(3)]
        self.assertEqual(self.texts(got), ["line 3", "line 4", "now"])
        self.assertTrue(all("time" in m.tags for m in got))
        fay.expect_silence()


if __name__ == "__main__":
    harness.main()
