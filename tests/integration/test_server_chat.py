"""charlad integration: chatting, fan-out, ordering, rooms, commands and names (docs/protocol.md).

Run: python3 test_server_chat.py /path/to/charlad
"""

import collections
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import esc, rx  # noqa: E402

SAY = rx(r"\[(#[^\]]+)\] ([^ ]+?): (.*)")


BOT = '* Bot: gpt (the assistant; ask it with "gpt: question")'


class FanOut(harness.TestCase):
    def fan_out(self, n, per_client):
        srv = self.server()
        names = ["u%02d" % i for i in range(n)]
        clients = []
        for i, name in enumerate(names):
            c = srv.client(label=name)
            c.expect(rx(r"\* charlad \S+ on .+\. %d (person|people) online\. " % i
                        + harness.esc(harness.OFFER_ES)))
            c.expect(harness.PROMPT)
            c.register(name, greeting=False)
            clients.append(c)
        # Everyone saw exactly the joins of those who came later, in order.
        for i, c in enumerate(clients):
            self.assertEqual(c.sync(), ["[#lobby] -- %s joined" % m for m in names[i + 1:]],
                             c.label)
        for c in clients:
            c.send_raw("".join("%s says %d\n" % (c.label, k) for k in range(per_client)).encode())
        for c in clients:
            want = (n - 1) * per_client
            got = []
            while len(got) < want:
                got.append(c.readline())
            got += c.sync()  # anything duplicated would have been queued before the marker
            seen = collections.defaultdict(list)
            for line in got:
                m = SAY.fullmatch(line)
                self.assertTrue(m, "%s got an unexpected line %r" % (c.label, line))
                self.assertEqual(m.group(1), "#lobby")
                seen[m.group(2)].append(m.group(3))
            self.assertNotIn(c.label, seen, "%s got its own lines echoed" % c.label)
            for other in names:
                if other != c.label:
                    self.assertEqual(seen[other], ["%s says %d" % (other, k)
                                                   for k in range(per_client)],
                                     "%s from %s" % (c.label, other))

    def test_two_clients(self):
        self.fan_out(2, 5)

    def test_seven_clients(self):
        self.fan_out(7, 10)

    def test_fifty_clients(self):
        self.fan_out(50, 4)

    def test_one_sender_order_2000_lines(self):
        srv = self.server()
        receivers = [srv.client("r%d" % i) for i in range(3)]
        sender = srv.client("sender")
        for r in receivers:
            r.wait_for("[#lobby] -- sender joined")
        payload = "".join("line %04d of the ordered burst\n" % k for k in range(2000)).encode()
        # Several writes of odd sizes, so lines straddle the reads of the server.
        for i in range(0, len(payload), 7777):
            sender.send_raw(payload[i:i + 7777])
        for r in receivers:
            for k in range(2000):
                r.expect("[#lobby] sender: line %04d of the ordered burst" % k)
            self.assertEqual(r.sync(), [])
        self.assertEqual(sender.sync(), [])


class Rooms(harness.TestCase):
    def test_rooms_are_isolated(self):
        srv = self.server()
        ana, bob, cid, dan = srv.users("ana", "bob", "cid", "dan")
        ana.send("/join #a")
        ana.expect("* You joined #a (1 member).")
        bob.send("/join a")  # the '#' is optional
        bob.expect("* You joined #a (2 members).")
        ana.expect("[#a] -- bob joined")
        cid.send("/join #B")
        cid.expect("* You joined #B (1 member).")
        dan.send("/join #b")  # room names are case-insensitive; the first spelling stays
        dan.expect("* You joined #B (2 members).")
        cid.expect("[#B] -- dan joined")
        ana.send("in a")
        cid.send("in b")
        bob.expect("[#a] ana: in a")
        dan.expect("[#B] cid: in b")
        # All four are still in #lobby, but text goes to the current room only.
        for c in (ana, bob, cid, dan):
            self.assertEqual(c.sync(), [], c.label)

    def test_room_isolation_by_membership(self):
        srv = self.server()
        ana, bob, cid = srv.users("ana", "bob", "cid")
        ana.send("/join #a")
        ana.expect("* You joined #a (1 member).")
        bob.send("/join #a")
        bob.expect("* You joined #a (2 members).")
        ana.expect("[#a] -- bob joined")
        ana.send("only for #a")
        bob.expect("[#a] ana: only for #a")
        self.assertEqual(cid.sync(), [], "cid is not in #a")
        # /join of a room one is in makes it current.
        ana.send("/join #lobby")
        ana.expect("* You are in #lobby already; it is now your current room.")
        ana.send("for the lobby")
        bob.expect("[#lobby] ana: for the lobby")
        cid.expect("[#lobby] ana: for the lobby")

    def test_part(self):
        srv = self.server()
        ana, bob = srv.users("ana", "bob")
        ana.send("/join #a")
        ana.expect("* You joined #a (1 member).")
        bob.send("/join #a")
        bob.expect("* You joined #a (2 members).")
        ana.expect("[#a] -- bob joined")
        bob.send("/part")  # the current room
        bob.expect("* You left #a.")
        bob.expect("* Your current room is #lobby.")
        ana.expect("[#a] -- bob left")
        ana.send("a only")
        self.assertEqual(bob.sync(), [])
        bob.send("/part #lobby")
        bob.expect("* You left #lobby.")
        ana.expect("[#lobby] -- bob left")
        bob.send("anyone?")
        bob.expect("! You are not in any room; /join one.")
        bob.send("/me waves")
        bob.expect("! You are not in any room; /join one.")
        bob.send("/part")
        bob.expect("! You are not in any room; /join one.")
        bob.send("/part #nowhere")
        bob.expect("! No such room: #nowhere")
        ana.send("/part #lobby")  # not the current room: the current one stays
        ana.expect("* You left #lobby.")
        ana.send("still in a")
        self.assertEqual(ana.sync(), [])
        bob.send("/part #a")
        bob.expect("! You are not in #a.")
        # An emptied room disappears; #lobby always stays.
        ana.send("/part #a")
        ana.expect("* You left #a.")
        ana.send("/rooms")
        ana.expect("* 1 room:")
        ana.expect("*   #lobby (0)")
        self.assertEqual(ana.sync(), [])

    def test_announce_max(self):
        # Rooms above --announce-max members get no join/part/quit news; smaller ones still do.
        srv = self.server("--announce-max", "3")
        ana, bob, cy = srv.users("ana", "bob", "cy")
        dee = srv.client()
        dee.register("dee")  # the lobby now has 4: silent
        self.assertEqual(ana.sync(), [])
        ana.send("/join #small")
        ana.expect("* You joined #small (1 member).")
        bob.send("/join #small")
        bob.expect("* You joined #small (2 members).")
        ana.expect("[#small] -- bob joined")
        bob.send("/quit")
        bob.expect("* Bye.")
        ana.expect("-- bob quit")  # through #small
        self.assertEqual(cy.sync(), [])  # cy shares only the big lobby with bob
        # bob's quit left the lobby at 3 members: announced again from here on.
        dee.send("/part #lobby")
        dee.expect("* You left #lobby.")
        cy.expect("[#lobby] -- dee left")
        dee.send("hi")  # sent to no room
        dee.expect("! You are not in any room; /join one.")

    def test_who_and_rooms(self):
        srv = self.server()
        zoe, ana, Bob = srv.users("zoe", "ana", "Bob")
        ana.send("/who")
        ana.expect("* #lobby (3): ana Bob zoe")  # sorted case-insensitively
        ana.expect(BOT)  # the assistant, in no room, is named where people look for members
        ana.send("/join #dev")
        ana.expect("* You joined #dev (1 member).")
        zoe.send("/join #Art")
        zoe.expect("* You joined #Art (1 member).")
        zoe.send("/join #dev")
        zoe.expect("* You joined #dev (2 members).")
        ana.expect("[#dev] -- zoe joined")
        ana.send("/rooms")
        ana.expect("* 3 rooms:")
        ana.expect("*   #Art (1)")
        ana.expect("*   #dev (2)")
        ana.expect("*   #lobby (3)")
        Bob.send("/WHO #DEV")  # commands and rooms are case-insensitive
        Bob.expect("* #dev (2): @ana zoe")
        Bob.expect(BOT)
        Bob.send("/who dev")
        Bob.expect("* #dev (2): @ana zoe")
        Bob.expect(BOT)
        Bob.send("/who #nope")
        Bob.expect("! No such room: #nope")

    def test_who_splits_long_lists(self):
        srv = self.server()
        names = ["member_with_a_long_name_%02d" % i for i in range(30)]
        clients = [srv.client(n) for n in names]
        c = clients[0]
        c.sync()
        c.send("/who")
        first = c.expect(rx(r"\* #lobby \(30\):(( \S+)+)"))
        listed = first.group(1).split()
        while len(listed) < 30:
            more = c.expect(rx(r"\* #lobby \(continued\):(( \S+)+)"))
            self.assertLessEqual(len(more.group(0).encode()), 402)
            listed += more.group(1).split()
        self.assertEqual(listed, sorted(names))
        self.assertEqual(c.sync(), [BOT])

    def test_max_rooms(self):
        srv = self.server("--max-rooms", "3")
        ana = srv.client("ana")
        ana.send("/join #a")
        ana.expect("* You joined #a (1 member).")
        ana.send("/join #b")
        ana.expect("* You joined #b (1 member).")
        ana.send("/join #c")
        ana.expect(rx(r"! You are in 3 rooms already.*"))
        ana.send("/part #a")
        ana.expect("* You left #a.")
        ana.send("/join #c")
        ana.expect("* You joined #c (1 member).")
        ana.send("/join #x:y")
        ana.expect(rx(r"! Cannot use that room name: .*"))


class Commands(harness.TestCase):
    def test_private_messages(self):
        srv = self.server()
        ana, bob, cid = srv.users("ana", "bob", "cid")
        ana.send("/msg bob psst, only you")
        bob.expect("[pm] ana: psst, only you")
        ana.send("/msg BOB  case  and   spaces ")
        bob.expect("[pm] ana: case  and   spaces")
        ana.send("/msg zoe hello")
        ana.expect("! No such user: zoe")
        ana.send("/msg bob")
        ana.expect("! Usage: /msg NAME TEXT")
        ana.send("/msg")
        ana.expect("! Usage: /msg NAME TEXT")
        bob.send("/msg ana back at you")
        ana.expect("[pm] bob: back at you")
        # Private messages reach only their target, even across rooms.
        cid.send("/join #elsewhere")
        cid.expect("* You joined #elsewhere (1 member).")
        ana.send("/msg cid found you")
        cid.expect("[pm] ana: found you")
        self.assertEqual(ana.sync(), [])
        self.assertEqual(bob.sync(), [])
        self.assertEqual(cid.sync(), [])

    def test_me_and_double_slash(self):
        srv = self.server()
        ana, bob = srv.users("ana", "bob")
        ana.send("/me waves at everyone")
        bob.expect("[#lobby] * ana waves at everyone")
        ana.send("/me")
        ana.expect("! Usage: /me ACTION")
        bob.send("//etc/hosts is a file")
        ana.expect("[#lobby] bob: /etc/hosts is a file")
        bob.send("//x")
        ana.expect("[#lobby] bob: /x")
        self.assertEqual(ana.sync(), [])
        self.assertEqual(bob.sync(), [])

    def test_empty_lines_and_crlf(self):
        srv = self.server()
        ana, bob = srv.users("ana", "bob")
        ana.send_raw(b"\n\r\nhello from telnet\r\n/me\twaves\r\n")
        bob.expect("[#lobby] ana: hello from telnet")
        bob.expect("[#lobby] * ana waves")
        self.assertEqual(bob.sync(), [])
        self.assertEqual(ana.sync(), [])

    def test_unknown_command_and_help(self):
        srv = self.server()
        ana, bob = srv.users("ana", "bob")
        ana.send("/frobnicate now")
        ana.expect("! Unknown command: /frobnicate. Type /help for the list.")
        ana.send("/x")
        ana.expect("! Unknown command: /x. Type /help for the list.")
        ana.send("/nick")
        ana.expect("! Usage: /nick NEW")
        ana.send("/join")
        ana.expect("! Usage: /join ROOM")
        ana.send("/HeLp")
        ana.expect("* Commands:")
        helped = []
        while True:
            line = ana.readline()
            self.assertTrue(line.startswith("* "), line)
            helped.append(line)
            if "//" in line:
                break
        for cmd in ("/help", "/nick", "/join", "/part", "/rooms", "/who", "/msg", "/me", "/quit"):
            self.assertTrue(any(l.startswith("*   " + cmd) for l in helped), cmd)
        self.assertEqual(bob.sync(), [])

    def test_nick_announced_once_to_those_sharing_rooms(self):
        srv = self.server()
        ana, bob, cid, dan = srv.users("ana", "bob", "cid", "dan")
        for c in (ana, bob, cid):
            c.send("/join #x")
            c.expect(rx(r"\* You joined #x \(\d members?\)\."))
        dan.send("/part")
        dan.expect("* You left #lobby.")
        dan.send("/join #far")
        dan.expect("* You joined #far (1 member).")
        for c in (ana, bob, cid, dan):
            c.sync()
        ana.send("/nick Anita")
        ana.expect("* You are now known as Anita.")
        for c in (bob, cid):
            self.assertEqual(c.sync(), ["-- ana is now known as Anita"], c.label)
        self.assertEqual(dan.sync(), [])
        self.assertEqual(ana.sync(), [])
        # The new name is in use, the old one is free, and a change of case alone is allowed.
        bob.send("/msg anita hi")
        ana.expect("[pm] bob: hi")
        bob.send("/msg ana hi")
        bob.expect("! No such user: ana")
        ana.send("/nick ANITA")
        ana.expect("* You are now known as ANITA.")
        self.assertEqual(cid.sync(), ["-- Anita is now known as ANITA"])
        ana.send("/nick ANITA")  # no change: nothing at all
        self.assertEqual(ana.sync(), [])
        self.assertEqual(cid.sync(), [])
        ana.send("/nick BOB")
        ana.expect("! The name BOB is taken; pick another.")
        ana.send("/nick a:b")
        ana.expect(rx(r"! Cannot use that name: .*"))
        cid.send("said by cid")
        ana.expect("[#x] cid: said by cid")
        ana.send("said by ANITA")
        cid.expect("[#x] ANITA: said by ANITA")
        self.assertEqual(dan.sync(), [])

    def test_quit_reason_announced_once(self):
        srv = self.server()
        ana, bob, cid = srv.users("ana", "bob", "cid")
        for c in (ana, bob):
            c.send("/join #x")
            c.expect(rx(r"\* You joined #x \(\d members?\)\."))
        cid.send("/part")
        cid.expect("* You left #lobby.")
        for c in (ana, bob, cid):
            c.sync()
        ana.send("/quit gone fishing")
        ana.expect("* Bye.")
        self.assertEqual(ana.expect_eof(), [])
        self.assertEqual(bob.sync(), ["-- ana quit (gone fishing)"])
        self.assertEqual(cid.sync(), [])  # shares no room with ana
        # The name is free again.
        again = srv.client("ANA")
        bob.wait_for("[#lobby] -- ANA joined")
        again.send("/quit")
        again.expect("* Bye.")
        again.expect_eof()
        bob.expect("-- ANA quit")

    def test_salir(self):
        srv = self.server()
        ana, bob = srv.users("ana", "bob")
        bob.send("salir de aqui")  # not alone on its line: plain text
        ana.expect("[#lobby] bob: salir de aqui")
        bob.send("  SaLiR \r")
        bob.expect("* Bye.")
        bob.expect_eof()
        ana.expect("-- bob quit")  # no reason given: none shown
        # salir works before a name is given too.
        c = srv.client(label="anon")
        c.expect(harness.GREETING)
        c.expect(harness.PROMPT)
        c.send("salir")
        c.expect("* Bye.")
        c.expect_eof()
        self.assertEqual(ana.sync(), [])


class Names(harness.TestCase):
    def test_unique_case_insensitively(self):
        srv = self.server()
        srv.client("Ana")
        srv.client("Ñandú")
        c = srv.client(label="late")
        c.expect(harness.GREETING)
        c.expect(harness.PROMPT)
        for taken in ("ana", "ANA", "ñANDÚ", "ÑANDÚ"):
            c.send(taken)
            c.expect("! The name %s is taken; pick another." % taken)
            c.expect(harness.PROMPT)
        c.register("ana2", greeting=False)

    def test_name_rules(self):
        srv = self.server()
        watcher = srv.client("watcher")
        c = srv.client(label="naming")
        c.expect(harness.GREETING)
        c.expect(harness.PROMPT)
        refused = ["a b", "a:b", "a,b", "#room", "@x", "*x", "!x", "-x", "[x", "pm", "PM",
                   "Server", "x" * 33, "ñ" * 33, "a\u200bb", "soft\u00adhyphen", "a\u00a0b",
                   "a\u2003b", "rtl\u202eb"]
        for name in refused:
            c.send(name)
            c.expect(rx(r"! Cannot use that name: .+\."), )
            c.expect(harness.PROMPT)
        # Before a name, commands other than /help and /quit are refused, text is a name.
        c.send("/join #a")
        c.expect("! Give your name first.")
        c.expect(harness.PROMPT)
        c.send("/msg watcher hi")
        c.expect("! Give your name first.")
        c.expect(harness.PROMPT)
        c.send("")  # ignored
        c.send("   ")  # ignored
        c.send("/help")
        c.expect("* Commands:")
        c.sync()
        self.assertEqual(watcher.sync(), [], "nothing from an unnamed client reaches others")
        c.register("  " + "ñ" * 32 + " ", greeting=False)  # 32 characters, trimmed
        watcher.expect("[#lobby] -- %s joined" % ("ñ" * 32))
        d = srv.client("x" * 32)
        watcher.expect("[#lobby] -- %s joined" % ("x" * 32))
        d.send("/nick pm")
        d.expect(rx(r"! Cannot use that name: .+\."))
        d.send("/nick with space")
        d.expect(rx(r"! Cannot use that name: .+\."))
        self.assertEqual(watcher.sync(), [])

    def test_greeting_counts_people(self):
        srv = self.server("--server-name", "test.example")
        a = srv.client(label="a")
        a.expect(rx(r"\* charlad \S+ on test\.example\. 0 people online\. " + harness.esc(harness.OFFER_ES)))
        a.expect(harness.PROMPT)
        a.register("a", greeting=False)
        b = srv.client(label="b")
        b.expect(rx(r"\* charlad \S+ on test\.example\. 1 person online\. " + harness.esc(harness.OFFER_ES)))
        b.expect(harness.PROMPT)
        self.assertEqual(b.register("b", greeting=False),
                         "* Welcome, b! You are in #lobby with 1 other. Type /help for commands.")
        c = srv.client(label="c")
        c.expect(rx(r"\* charlad \S+ on test\.example\. 2 people online\. " + harness.esc(harness.OFFER_ES)))
        c.expect(harness.PROMPT)
        self.assertEqual(c.register("c", greeting=False),
                         "* Welcome, c! You are in #lobby with 2 others. Type /help for commands.")


class IPv6(harness.TestCase):
    def test_ipv4_and_ipv6_together(self):
        srv = self.server(ipv6=True)
        six = srv.client("six", ipv6=True)
        four = srv.client("four")
        six.expect("[#lobby] -- four joined")
        four.send("hello over v4")
        six.expect("[#lobby] four: hello over v4")
        six.send("hello over v6")
        four.expect("[#lobby] six: hello over v6")

    def test_ipv6_only(self):
        srv = self.server(ipv6=True, ipv4=False)
        a = srv.client("a", ipv6=True)
        b = srv.client("b", ipv6=True)
        a.expect("[#lobby] -- b joined")
        b.send("/me is on ::1")
        a.expect("[#lobby] * b is on ::1")


if __name__ == "__main__":
    harness.main()
