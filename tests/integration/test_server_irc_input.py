"""charlad's IRC face and bad input: lines over IRC's limits, NUL and CR inside a line, invalid
UTF-8, a thousand JOINs in one burst, and the refusals (403, 441, 401, 482, 407, 411, 412) of
requests that cannot be done. Real processes on loopback with ephemeral ports.

Run: python3 test_server_irc_input.py /path/to/charlad
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import rx  # noqa: E402
from irc_helpers import SERVER, IrcCase  # noqa: E402


class BadInput(IrcCase):
    def test_long_lines_are_417_and_the_client_stays(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana")
        bob = self.irc(srv, "bob")
        self.joined(ana, "#x")
        self.joined(bob, "#x", ana)
        ana.send("PRIVMSG #x :" + "a" * 588)             # 600 bytes with CR LF
        ana.expect("417", params=["ana", "Input line too long"])
        ana.send("PRIVMSG #x :" + "b" * 5000)            # over what a line may be with tags
        ana.expect("417")
        ana.send("@+x=" + "t" * 4200 + " PRIVMSG #x :tagged")  # tags over 4096 bytes
        ana.expect("417")
        ok = "c" * (510 - len("PRIVMSG #x :"))           # exactly 512 with CR LF
        ana.send("PRIVMSG #x :" + ok)
        got = bob.expect("PRIVMSG")                      # cut to fit 512 with the source
        self.assertTrue(ok.startswith(got.last))
        self.assertEqual(len(got.raw.encode()) + 2, 512)
        self.assertEqual(ana.sync(), [])
        self.assertEqual(bob.sync(), [])

    def test_nul_and_cr_inside_a_line_are_ignored(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana")
        bob = self.irc(srv, "bob")
        self.joined(ana, "#x")
        self.joined(bob, "#x", ana)
        ana.send_raw(b"PRIVMSG #x :nul\0here\r\nPRIVMSG #x :cr\rhere\r\nPRIVMSG #x :fine\r\n")
        bob.expect("PRIVMSG", params=["#x", "fine"])
        self.assertEqual(ana.sync(), [])
        self.assertEqual(bob.sync(), [])
        # Blank lines, spaces alone and tags without a command are ignored too.
        ana.send_raw(b"\r\n   \r\n@a=b\r\n@a=b :src\r\n")
        self.assertEqual(ana.sync(), [])

    def test_invalid_utf8_is_fail_and_reaches_nobody(self):
        srv = self.irc_server()
        nc = srv.client("carla")
        ana = self.irc(srv, "ana")
        self.joined(ana, "#lobby")
        nc.expect("[#lobby] -- ana joined")
        ana.send(b"PRIVMSG #lobby :caf\xe9")
        fail = ana.expect("FAIL", params=["PRIVMSG", "INVALID_UTF8", rx(r".*UTF-8.*")])
        self.assertEqual(fail.source, SERVER)
        ana.send(b"TOPIC #lobby :\xc3(")
        ana.expect("FAIL", params=["TOPIC", "INVALID_UTF8", rx(".+")])
        ana.send(b"NICK \xff\xfe")
        ana.expect("FAIL", params=["NICK", "INVALID_UTF8", rx(".+")])
        self.assertEqual(nc.sync(), [])
        ana.send("PRIVMSG #lobby :café")
        nc.expect("[#lobby] ana: café")
        # Before registration too.
        c = self.irc(srv, label="c")
        c.send(b"NICK \xe9t\xe9")
        c.expect("FAIL", params=["NICK", "INVALID_UTF8", rx(".+")])

    def test_a_thousand_joins_in_a_burst(self):
        srv = self.irc_server("--irc-flood", "0", "--max-rooms", "7")
        ana = self.irc(srv, "ana")
        self.assertEqual(ana.isupport["CHANLIMIT"], "#:7")     # --max-rooms, as advertised
        bob = self.irc(srv, "bob")
        ana.send_raw(b"".join(b"JOIN #r%d\r\n" % i for i in range(1000)))
        got = ana.sync(timeout=60)
        joins = [m for m in got if m.command == "JOIN"]
        self.assertEqual([m.params[0] for m in joins], ["#r%d" % i for i in range(7)])
        full = [m for m in got if m.command == "405"]
        self.assertEqual([m.params[1] for m in full], ["#r%d" % i for i in range(7, 1000)])
        self.assertEqual(len(got), 7 * 3 + 993)          # JOIN, 353, 366 each; 405 each
        bob.send("LIST")
        bob.expect("321")
        listed = [bob.expect("322") for _ in range(7)]   # ana's seven (the lobby is empty)
        self.assertEqual(sorted(m.params[1] for m in listed), ["#r%d" % i for i in range(7)])
        bob.expect("323")

    def test_refusals_403_441_401_482_407(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana")
        bob = self.irc(srv, "bob")
        self.irc(srv, "carla")
        self.joined(ana, "#x")
        self.joined(bob, "#x", ana)
        for name in ("x", "#", "#a:b", "#\u200bx"):
            ana.send("JOIN " + name)
            ana.expect("403", params=["ana", name, "No such channel"])
        ana.send("KICK #x carla")
        ana.expect("441", params=["ana", "carla", "#x", "They aren't on that channel"])
        ana.send("KICK #x nobody")
        ana.expect("401", params=["ana", "nobody", "No such nick/channel"])
        ana.send("KICK #nochan bob")
        ana.expect("403")
        bob.send("MODE #x +m")
        bob.expect("482", params=["bob", "#x", "You're not channel operator"])
        bob.send("KICK #x ana")
        bob.expect("482")
        ana.send("PRIVMSG bob,carla,#x,bob,#x :five")
        ana.expect("407", params=["ana", "#x", "Too many targets"])
        # The first four targets got it, in order; the fifth did not.
        self.assertEqual([(m.command, m.params) for m in bob.sync()],
                         [("PRIVMSG", ["bob", "five"]), ("PRIVMSG", ["#x", "five"]),
                          ("PRIVMSG", ["bob", "five"])])
        ana.send("PRIVMSG")
        ana.expect("411")
        ana.send("PRIVMSG bob")
        ana.expect("412")
        ana.send("PRIVMSG nobody :hi")
        ana.expect("401", params=["ana", "nobody", "No such nick/channel"])
        ana.send("PRIVMSG #nochan :hi")
        ana.expect("403")


if __name__ == "__main__":
    harness.main()
