"""charlad's IRC face: the IRCv3 capabilities it advertises (echo-message, server-time,
message-tags, labeled-response with batch, multi-prefix, userhost-in-names, extended-join,
setname, away-notify, invite-notify) and MONITOR. Real processes on loopback, ephemeral ports.

Run: python3 test_server_irc_v3.py /path/to/charlad
"""

import calendar
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import rx  # noqa: E402
from irc_helpers import SERVER, IrcCase, escape_tag  # noqa: E402

TIME = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{3})Z")


def stamp(value):
    """Seconds since 1970 of an IRCv3 server-time value, which must be ISO 8601 in UTC with
    milliseconds."""
    m = TIME.fullmatch(value)
    assert m, "not a server-time: %r" % value
    y, mo, d, h, mi, s, ms = (int(g) for g in m.groups())
    return calendar.timegm((y, mo, d, h, mi, s)) + ms / 1000


class EchoMessage(IrcCase):
    def test_sender_gets_its_own_messages_with_the_same_msgid(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana", caps=("echo-message", "message-tags"))
        bob = self.irc(srv, "bob", caps=("message-tags",))
        plain = self.irc(srv, "plain", caps=("echo-message",))
        nc = srv.client("carla")
        self.joined(ana, "#lobby")
        self.joined(bob, "#lobby", ana)
        nc.expect("[#lobby] -- ana joined")
        nc.expect("[#lobby] -- bob joined")
        ana.send("PRIVMSG #lobby :hola a todos")
        mine = ana.expect("PRIVMSG", lambda m: m.source == "ana!~ana@127.0.0.1",
                          params=["#lobby", "hola a todos"])
        theirs = bob.expect("PRIVMSG", params=["#lobby", "hola a todos"])
        nc.expect("[#lobby] ana: hola a todos")
        self.assertTrue(mine.tags["msgid"])
        self.assertEqual(mine.tags["msgid"], theirs.tags["msgid"])
        # Private messages, notices and actions are echoed too.
        ana.send("PRIVMSG bob :psst")
        ana.send("NOTICE bob :aviso")
        ana.send("PRIVMSG bob :\x01ACTION saluda\x01")
        for cmd, text in (("PRIVMSG", "psst"), ("NOTICE", "aviso"),
                          ("PRIVMSG", "\x01ACTION saluda\x01")):
            e = ana.expect(cmd, params=["bob", text])
            self.assertEqual(e.tags["msgid"], bob.expect(cmd, params=["bob", text]).tags["msgid"])
        # Without message-tags the echo comes bare; without echo-message nothing comes back.
        plain.send("PRIVMSG bob :sin etiquetas")
        self.assertEqual(plain.expect("PRIVMSG", params=["bob", "sin etiquetas"]).tags, {})
        bob.expect("PRIVMSG")
        bob.send("PRIVMSG ana :vuelta")
        ana.expect("PRIVMSG", params=["ana", "vuelta"])
        self.assertEqual(bob.sync(), [])
        # A message to oneself arrives, then comes back as its echo (irctest's
        # labeled-response tests hold servers to both copies), with one msgid.
        ana.send("PRIVMSG ana :a mí")
        got = ana.expect("PRIVMSG", params=["ana", "a mí"])
        echo = ana.expect("PRIVMSG", params=["ana", "a mí"])
        self.assertEqual(got.tags["msgid"], echo.tags["msgid"])
        self.assertEqual(ana.sync(), [])


class ServerTime(IrcCase):
    def test_time_tags_are_utc_with_milliseconds(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana", caps=("server-time",))
        bob = self.irc(srv, "bob")
        self.joined(ana, "#t")
        before = time.time()
        self.joined(bob, "#t")
        join = ana.expect("JOIN", lambda m: m.nick == "bob")
        bob.send("PRIVMSG #t :¿qué hora es?")
        msg = ana.expect("PRIVMSG")
        after = time.time()
        for m in (join, msg):
            self.assertEqual(set(m.tags), {"time"})
            self.assertTrue(before - 2 <= stamp(m.tags["time"]) <= after + 2, m.raw)
        self.assertLessEqual(stamp(join.tags["time"]), stamp(msg.tags["time"]))
        ana.send("PRIVMSG #t :sin hora")
        self.assertEqual(bob.expect("PRIVMSG").tags, {})


class MessageTags(IrcCase):
    def test_msgid_and_client_tags_relayed_only_to_message_tags_clients(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana", caps=("message-tags",))
        bob = self.irc(srv, "bob", caps=("message-tags",))
        dan = self.irc(srv, "dan")
        for c, others in ((ana, ()), (bob, (ana,)), (dan, (ana, bob))):
            self.joined(c, "#m", *others)
        value = "a;b c\\d"
        ana.send("@+draft/reply=abc;+example.com/x=%s;server-only=1 PRIVMSG #m :etiquetado"
                 % escape_tag(value))
        got = bob.expect("PRIVMSG", params=["#m", "etiquetado"])
        self.assertEqual(got.tags.get("+draft/reply"), "abc")
        self.assertEqual(got.tags.get("+example.com/x"), value)
        self.assertNotIn("server-only", got.tags)   # only client-only tags are relayed
        self.assertRegex(got.tags["msgid"], r"\S+")
        self.assertEqual(dan.expect("PRIVMSG", params=["#m", "etiquetado"]).tags, {})
        # The tags of a client that did not negotiate message-tags are not relayed.
        dan.send("@+draft/reply=zzz PRIVMSG #m :de dan")
        got = bob.expect("PRIVMSG", params=["#m", "de dan"])
        self.assertEqual(set(got.tags), {"msgid"})
        ana.expect("PRIVMSG")
        # msgids differ from message to message.
        ana.send("PRIVMSG #m :uno")
        ana.send("PRIVMSG #m :dos")
        ids = {bob.expect("PRIVMSG").tags["msgid"] for _ in range(2)}
        self.assertEqual(len(ids), 2)

    def test_tagmsg_only_to_message_tags_clients(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana", caps=("message-tags", "echo-message"))
        bob = self.irc(srv, "bob", caps=("message-tags",))
        dan = self.irc(srv, "dan")
        nc = srv.client("carla")
        for c, others in ((ana, ()), (bob, (ana,)), (dan, (ana, bob))):
            self.joined(c, "#lobby", *others)
            nc.expect("[#lobby] -- %s joined" % c.nick)
        ana.send("@+typing=active TAGMSG #lobby")
        got = bob.expect("TAGMSG", lambda m: m.nick == "ana", params=["#lobby"])
        self.assertEqual(got.tags["+typing"], "active")
        echo = ana.expect("TAGMSG", params=["#lobby"])
        self.assertEqual(echo.tags["msgid"], got.tags["msgid"])
        ana.send("@+typing=paused TAGMSG bob")
        self.assertEqual(bob.expect("TAGMSG", params=["bob"]).tags["+typing"], "paused")
        ana.expect("TAGMSG", params=["bob"])
        self.assertEqual(dan.sync(), [])
        self.assertEqual(nc.sync(), [])
        # TAGMSG from a client without message-tags goes nowhere.
        dan.send("@+typing=active TAGMSG #lobby")
        self.assertEqual(dan.sync(), [])
        self.assertEqual(bob.sync(), [])


class LabeledResponse(IrcCase):
    def test_one_line_several_lines_and_none(self):
        srv = self.irc_server()
        caps = ("labeled-response", "batch", "echo-message")
        ana = self.irc(srv, "ana", caps=caps)
        bob = self.irc(srv, "bob")
        self.joined(ana, "#l")
        self.joined(bob, "#l", ana)
        # One line: labeled itself.
        ana.send("@label=p1 PING :uno")
        pong = ana.expect("PONG", params=[SERVER, "uno"])
        self.assertEqual(pong.tags, {"label": "p1"})
        # Several lines: in a labeled-response batch.
        ana.send("@label=w2 WHOIS bob")
        start = ana.expect("BATCH", lambda m: m.params[0].startswith("+"))
        self.assertEqual(start.tags, {"label": "w2"})
        self.assertEqual(start.params[1], "labeled-response")
        ref = start.params[0][1:]
        inner = []
        while True:
            m = ana.readline()
            if m.command == "BATCH":
                self.assertEqual(m.params, ["-" + ref])
                break
            self.assertEqual(m.tags.get("batch"), ref, m.raw)
            self.assertNotIn("label", m.tags)
            inner.append(m.command)
        self.assertEqual(inner[0], "311")
        self.assertEqual(inner[-1], "318")
        # No output at all: ACK.
        ana.send("@label=a3 MODE ana +i")
        ana.expect("MODE")                            # user modes: one line
        ana.send("@label=a4 AWAY")
        self.assertEqual(ana.expect("305").tags, {"label": "a4"})
        ana.send("@label=a5 MONITOR - nobody")
        ack = ana.expect("ACK", params=[])
        self.assertEqual((ack.source, ack.tags), (SERVER, {"label": "a5"}))
        # An echoed message is the response to a labeled PRIVMSG; others get no label.
        ana.send("@label=e6 PRIVMSG #l :etiqueta")
        echo = ana.expect("PRIVMSG", params=["#l", "etiqueta"])
        self.assertEqual(echo.tags.get("label"), "e6")
        self.assertNotIn("label", bob.expect("PRIVMSG", params=["#l", "etiqueta"]).tags)
        self.assertEqual(ana.sync(), [])

    def test_labels_are_escaped_and_tagged_lines_keep_their_tags(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana", caps=("labeled-response", "batch", "server-time"))
        ana.send("@label=a\\:b\\sc PING :x")          # the label "a;b c", escaped
        self.assertEqual(ana.expect("PONG").tags, {"label": "a;b c"})
        ana.send("@label=j JOIN #x")
        start = ana.expect("BATCH", params=[rx(r"\+\S+"), "labeled-response"])
        join = ana.expect("JOIN", params=["#x"])
        self.assertEqual(join.tags["batch"], start.params[0][1:])
        stamp(join.tags["time"])
        ana.expect("353")
        ana.expect("366")
        ana.expect("BATCH", params=["-" + start.params[0][1:]])

    def test_labeled_quit_ends_with_the_error(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana", caps=("labeled-response", "batch"))
        ana.send("@label=q QUIT :adiós")
        got = ana.expect_eof()
        self.assertEqual(got[-1].command, "ERROR", [m.raw for m in got])
        self.assertEqual(got[-1].last, "Closing Link: ana (Quit: adiós)")
        self.assertEqual([m.command for m in got], ["ERROR"])

    def test_without_the_cap_or_label_nothing_changes(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana", caps=("batch",))
        ana.send("@label=x PING :y")
        self.assertEqual(ana.expect("PONG").tags, {})
        lab = self.irc(srv, "lab", caps=("labeled-response", "batch"))
        lab.send("PING :z")
        self.assertEqual(lab.expect("PONG").tags, {})
        lab.send("@label=q PRIVMSG ana :hola")       # no echo-message: ACK
        self.assertEqual(lab.expect("ACK").tags, {"label": "q"})
        ana.expect("PRIVMSG")


class NamesCaps(IrcCase):
    def test_multi_prefix_and_userhost_in_names(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana")
        mp = self.irc(srv, "mp", caps=("multi-prefix",))
        uh = self.irc(srv, "uh", caps=("userhost-in-names", "multi-prefix"))
        nc = srv.client("carla")
        self.joined(ana, "#lobby")
        nc.expect("[#lobby] -- ana joined")
        self.joined(mp, "#lobby", ana)
        self.joined(uh, "#lobby", ana, mp)
        # Nobody is op of the lobby: make ana op and voiced through a new channel instead.
        for c, others in ((ana, ()), (mp, (ana,)), (uh, (ana, mp))):
            self.joined(c, "#n", *others)
        ana.send("MODE #n +vv ana mp")
        for c in (ana, mp, uh):
            c.expect("MODE")
        want = {ana: ["@ana", "+mp", "uh"], mp: ["@+ana", "+mp", "uh"],
                uh: ["@+ana!~ana@127.0.0.1", "+mp!~mp@127.0.0.1", "uh!~uh@127.0.0.1"]}
        for c, names in want.items():
            c.send("NAMES #n")
            self.assertEqual(c.expect("353").last.split(), names)
            c.expect("366")
        uh.send("NAMES #lobby")
        self.assertEqual(uh.expect("353").last.split(),
                         ["ana!~ana@127.0.0.1", "carla!~u@charla", "mp!~mp@127.0.0.1",
                          "uh!~uh@127.0.0.1"])


class ExtendedJoin(IrcCase):
    def test_account_and_realname_in_join(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana", caps=("extended-join",))
        plain = self.irc(srv, "plain")
        self.joined(ana, "#lobby")
        self.joined(plain, "#lobby", ana)
        bob = self.irc(srv, "bob", realname="Roberto Gómez")
        bob.send("JOIN #lobby")
        ana.expect("JOIN", lambda m: m.nick == "bob", params=["#lobby", "*", "Roberto Gómez"])
        plain.expect("JOIN", lambda m: m.nick == "bob", params=["#lobby"])
        srv.client("carla")                          # the lobby is where netcat users start
        ana.expect("JOIN", lambda m: m.source == "carla!~u@charla",
                   params=["#lobby", "*", "charla user"])
        plain.expect("JOIN", params=["#lobby"])


class AwayNotify(IrcCase):
    def test_a_user_joining_while_away_is_followed_by_its_away(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana", caps=("away-notify", "server-time", "message-tags"))
        plain = self.irc(srv, "plain")
        self.joined(ana, "#a")
        self.joined(plain, "#a", ana)
        bob = self.irc(srv, "bob", caps=("away-notify",))
        bob.send("AWAY :de viaje")
        bob.expect("306")
        burst = self.joined(bob, "#a")
        self.assertNotIn("AWAY", [m.command for m in burst])   # not for its own JOIN
        join = ana.expect("JOIN", lambda m: m.nick == "bob")
        away = ana.expect("AWAY", lambda m: m.source == "bob!~bob@127.0.0.1",
                          params=["de viaje"])
        self.assertEqual(away.tags["time"], join.tags["time"])
        self.assertNotEqual(away.tags.get("msgid"), join.tags["msgid"])
        plain.expect("JOIN", lambda m: m.nick == "bob")
        self.assertEqual(plain.sync(), [])                     # no away-notify: no AWAY
        # Back: a join is then a join alone.
        bob.send("AWAY")
        bob.expect("305")
        ana.expect("AWAY", params=[])
        self.joined(bob, "#b")
        ana.send("JOIN #b")
        ana.wait_for("366")
        bob.expect("JOIN")
        bob.send("PART #b")
        bob.expect("PART")
        ana.expect("PART")
        bob.send("JOIN #b")
        bob.expect("JOIN")
        ana.expect("JOIN", lambda m: m.nick == "bob")
        self.assertEqual([m.command for m in ana.sync()], [])


class Setname(IrcCase):
    def test_setname_seen_by_setname_clients(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana", caps=("setname",))
        bob = self.irc(srv, "bob", caps=("setname",))
        dan = self.irc(srv, "dan")
        far = self.irc(srv, "far", caps=("setname",))   # shares no channel
        for c, others in ((ana, ()), (bob, (ana,)), (dan, (ana, bob))):
            self.joined(c, "#s", *others)
        self.assertIn("NAMELEN", ana.isupport)
        ana.send("SETNAME :Ana María Pérez")
        for c in (ana, bob):
            c.expect("SETNAME", lambda m: m.source == "ana!~ana@127.0.0.1",
                     params=["Ana María Pérez"])
        self.assertEqual(dan.sync(), [])
        self.assertEqual(far.sync(), [])
        dan.send("WHOIS ana")
        self.assertEqual(dan.expect("311").last, "Ana María Pérez")
        dan.wait_for("318")
        # Without the cap the change is made silently.
        dan.send("SETNAME :Daniel")
        self.assertEqual(dan.sync(), [])
        ana.expect("SETNAME", lambda m: m.nick == "dan", params=["Daniel"])
        bob.expect("SETNAME", lambda m: m.nick == "dan", params=["Daniel"])
        # Longer than NAMELEN: refused (setname's spec), the name unchanged.
        namelen = int(ana.isupport["NAMELEN"])
        ana.send("SETNAME :" + "n" * (namelen + 1))
        ana.expect("FAIL", params=["SETNAME", "INVALID_REALNAME", rx(".+")])
        ana.send("SETNAME :" + "n" * namelen)
        ana.expect("SETNAME", params=["n" * namelen])


class Monitor(IrcCase):
    def test_online_offline_by_any_face(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana")
        self.irc(srv, "bob")
        ana.send("MONITOR + bob,Carla,dan")
        ana.expect("730", params=["ana", "bob!~bob@127.0.0.1"])
        ana.expect("731", params=["ana", "Carla,dan"])
        nc = srv.client("carla")                     # a netcat user arrives
        ana.expect("730", params=["ana", "carla!~u@charla"])
        dan = self.irc(srv, "dan")                   # an IRC user registers
        ana.expect("730", params=["ana", "dan!~dan@127.0.0.1"])
        dan.send("NICK daniel")                      # renames: offline
        ana.expect("731", params=["ana", "dan"])
        dan.send("NICK dan")
        ana.expect("730", params=["ana", "dan!~dan@127.0.0.1"])
        nc.send("/quit")                             # quits: offline
        ana.expect("731", params=["ana", "carla"])
        dan.close()
        ana.expect("731", params=["ana", "dan"])
        self.assertEqual(ana.sync(), [])

    def test_long_lists_keep_every_nick_whole(self):
        srv = self.irc_server("--server-name", "irc-" + "h" * 80 + ".example")
        me = "m" * 32
        ana = self.irc(srv, me)
        nicks = ["w%02d" % i + "x" * 29 for i in range(40)]     # 32 characters each
        for i in range(0, 40, 10):                               # within a 512-byte command
            ana.send("MONITOR + " + ",".join(nicks[i:i + 10]))
        for cmd in ("731", "732"):
            if cmd == "732":
                ana.send("MONITOR L")
            got = []
            for m in ana.sync():
                self.assertEqual(m.command if m.command != "733" else cmd, cmd)
                if m.command == cmd:
                    got += m.last.split(",")
            self.assertEqual(sorted(got), nicks)

    def test_list_status_remove_clear_and_full(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana")
        self.irc(srv, "bob")
        ana.send("MONITOR + bob,zoe")
        ana.expect("730")
        ana.expect("731")
        ana.send("MONITOR L")
        self.assertEqual(sorted(ana.expect("732").last.split(",")), ["bob", "zoe"])
        ana.expect("733", params=["ana", "End of MONITOR list"])
        ana.send("MONITOR S")
        ana.expect("730", params=["ana", "bob!~bob@127.0.0.1"])
        ana.expect("731", params=["ana", "zoe"])
        ana.send("MONITOR - ZOE")
        self.assertEqual(ana.sync(), [])
        ana.send("MONITOR L")
        ana.expect("732", params=["ana", "bob"])
        ana.expect("733")
        self.irc(srv, "zoe")                         # no longer watched: no news
        self.assertEqual(ana.sync(), [])
        ana.send("MONITOR C")
        ana.send("MONITOR L")
        ana.expect("733")
        # MONITOR=100: the 101st is refused with 734, and the rest of that list with it.
        limit = int(ana.isupport["MONITOR"])
        ana.send("MONITOR + " + ",".join("n%03d" % i for i in range(limit - 1)))
        offline = []
        for m in ana.sync():
            self.assertEqual(m.command, "731")
            self.assertLessEqual(len(m.raw.encode()) + 2, 512)
            offline += m.last.split(",")
        self.assertEqual(len(offline), limit - 1)
        ana.send("MONITOR + last,over1,over2")
        ana.expect("734", params=["ana", str(limit), "over1,over2", "Monitor list is full."])
        ana.expect("731", params=["ana", "last"])
        ana.send("MONITOR X")
        ana.expect("421")


if __name__ == "__main__":
    harness.main()
