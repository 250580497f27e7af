"""charlad's IRC face together with the other faces: IRC and netcat users (harness.Client) in the
same rooms, both ways (messages, actions, private messages, notices, names, renames, quits), a
UDP user, and the assistant asked from IRC. Real processes on loopback, ephemeral ports.

Run: python3 test_server_irc_mixed.py /path/to/charlad
"""

import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "fakes"))
import harness  # noqa: E402
from harness import rx  # noqa: E402
from irc_helpers import IrcCase  # noqa: E402
from udp_helpers import Peer  # noqa: E402
from fake import FakeOpenAI  # noqa: E402

for _k in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CHARLA_AI_MODEL"):
    os.environ.pop(_k, None)

ANA = "ana!~ana@127.0.0.1"
BOT = '* Bot: gpt (the assistant; ask it with "gpt: question")'


def names_of(m):
    return m.last.split()


class Lobby(IrcCase):
    def test_irc_and_netcat_talk_both_ways(self):
        srv = self.irc_server()
        nc = srv.client("carla")
        ana = self.irc(srv, "ana")
        burst = self.joined(ana, "#lobby")
        self.assertEqual(names_of(burst[-2]), ["ana", "carla"])
        nc.expect("[#lobby] -- ana joined")
        ana.send("PRIVMSG #lobby :hola, carla")
        nc.expect("[#lobby] ana: hola, carla")
        nc.send("hola, ana: ¿qué tal?")
        ana.expect("PRIVMSG", lambda m: m.source == "carla!~u@charla",
                   params=["#lobby", "hola, ana: ¿qué tal?"])
        nc.send(":D")                                # a leading colon stays text
        ana.expect("PRIVMSG", params=["#lobby", ":D"])
        # Actions: CTCP ACTION and /me are the same thing.
        ana.send("PRIVMSG #lobby :\x01ACTION baila\x01")
        nc.expect("[#lobby] * ana baila")
        nc.send("/me canta")
        ana.expect("PRIVMSG", lambda m: m.nick == "carla",
                   params=["#lobby", "\x01ACTION canta\x01"])
        # Private messages and notices.
        nc.send("/msg ana psst")
        ana.expect("PRIVMSG", lambda m: m.nick == "carla", params=["ana", "psst"])
        ana.send("PRIVMSG carla :shh")
        nc.expect("[pm] ana: shh")
        ana.send("NOTICE carla :aviso")
        nc.expect("[pm] ana: aviso")
        ana.send("PRIVMSG carla :\x01ACTION saluda\x01")
        nc.expect("[pm] * ana saluda")
        # Other CTCP is for IRC clients: a netcat user has none to answer it.
        ana.send("PRIVMSG carla :\x01VERSION\x01")
        ana.send("PRIVMSG #lobby :\x01PING 123\x01")
        self.assertEqual(nc.sync(), [])
        # IRC formatting means nothing on a terminal: dropped for netcat users.
        ana.send("PRIVMSG #lobby :\x02negrita\x02 \x0304,01rojo\x03 \x1dcursiva\x1d \x0fnormal")
        nc.expect("[#lobby] ana: negrita rojo cursiva normal")
        # A netcat line longer than IRC's limit arrives cut at a character, within 512 bytes.
        nc.send("ñ" * 1000)
        got = ana.expect("PRIVMSG", lambda m: m.nick == "carla")
        self.assertTrue(got.last and set(got.last) == {"ñ"}, got.raw)
        self.assertGreater(len(got.raw.encode()), 480)
        self.assertEqual(ana.sync(), [])
        self.assertEqual(nc.sync(), [])

    def test_who_names_renames_and_quits_across_faces(self):
        srv = self.irc_server()
        nc = srv.client("carla")
        ana = self.irc(srv, "ana")
        bob = self.irc(srv, "bob")                   # IRC, but in no channel
        self.joined(ana, "#lobby")
        nc.expect("[#lobby] -- ana joined")
        nc.send("/who")
        nc.expect("* #lobby (2): ana carla")
        ana.send("NAMES #lobby")
        self.assertEqual(names_of(ana.expect("353")), ["ana", "carla"])
        ana.expect("366")
        ana.send("WHO #lobby %nf")
        self.assertEqual(sorted(m.params[1:] for m in [ana.expect("354"), ana.expect("354")]),
                         [["ana", "H"], ["carla", "H"]])
        ana.expect("315")
        # A netcat user renames, joins a channel, and quits.
        nc.send("/nick carlota")
        nc.expect("* You are now known as carlota.")
        ana.expect("NICK", lambda m: m.source == "carla!~u@charla", params=["carlota"])
        self.joined(bob, "#irc")
        nc.send("/join #irc")
        nc.expect("* You joined #irc (2 members).")
        bob.expect("JOIN", lambda m: m.nick == "carlota", params=["#irc"])
        nc.send("en #irc")
        bob.expect("PRIVMSG", params=["#irc", "en #irc"])
        nc.send("/quit hasta mañana")
        nc.expect("* Bye.")
        for c in (ana, bob):
            c.expect("QUIT", lambda m: m.nick == "carlota", params=["hasta mañana"])
        self.assertEqual(bob.sync(), [])

    def test_irc_user_parting_the_lobby_is_a_part_for_netcat(self):
        srv = self.irc_server()
        nc = srv.client("carla")
        ana = self.irc(srv, "ana")
        self.joined(ana, "#lobby")
        nc.expect("[#lobby] -- ana joined")
        ana.send("PART #lobby :me voy")
        ana.expect("PART")
        nc.expect("[#lobby] -- ana left (me voy)")
        nc.send("/msg ana ¿sigues ahí?")             # still reachable in private
        ana.expect("PRIVMSG", params=["ana", "¿sigues ahí?"])
        ana.send("QUIT")
        ana.expect_error()
        self.assertEqual(nc.sync(), [])              # shares no room: no news


class Udp(IrcCase):
    def udp_port(self, srv):
        line = srv.wait_log(rx(r"receiving datagrams on 127\.0\.0\.1:(\d+) \(udp\)"))
        return int(re.search(r":(\d+) \(udp\)", line).group(1))

    def test_udp_user_in_the_lobby(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana")
        self.joined(ana, "#lobby")
        ana.send("MONITOR + udo")
        ana.expect("731", params=["ana", "udo"])
        peer = Peer(self.udp_port(srv), label="udo")
        self.addCleanup(peer.close)
        peer.register("udo")
        ana.expect("730", params=["ana", "udo!~u@charla"])
        ana.expect("JOIN", lambda m: m.source == "udo!~u@charla", params=["#lobby"])
        peer.send("hola por datagramas")
        ana.expect("PRIVMSG", lambda m: m.nick == "udo", params=["#lobby", "hola por datagramas"])
        ana.send("PRIVMSG #lobby :hola, udo")
        self.assertEqual(peer.readline(), "[#lobby] ana: hola, udo")
        ana.send("PRIVMSG udo :en privado")
        self.assertEqual(peer.readline(), "[pm] ana: en privado")
        peer.send("/msg ana de vuelta")
        ana.expect("PRIVMSG", lambda m: m.nick == "udo", params=["ana", "de vuelta"])
        peer.send("/quit me voy")
        # MONITOR's news and the QUIT, in either order.
        got = sorted((m.command, m.nick, m.params) for m in (ana.readline(), ana.readline()))
        self.assertEqual(got, [("731", "irc.test", ["ana", "udo"]),
                               ("QUIT", "udo", ["me voy"])])


class Assistant(IrcCase):
    def ai_server(self):
        fake = FakeOpenAI()
        self.addCleanup(fake.stop)
        return fake, self.irc_server("--ai-url", fake.url, "--ai-rate", "0", ai=True)

    def test_asked_in_a_channel_and_in_private(self):
        fake, srv = self.ai_server()
        nc = srv.client("carla")
        ana = self.irc(srv, "ana")
        burst = self.joined(ana, "#lobby")
        self.assertEqual(names_of(burst[-2]), ["ana", "carla", "gpt"])
        nc.expect("[#lobby] -- ana joined")
        ana.send("PRIVMSG #lobby :gpt: [[say hola\\nmundo]]")
        nc.expect("[#lobby] ana: gpt: [[say hola\\nmundo]]")
        bot = "gpt!~u@bot.charla"
        ana.expect("PRIVMSG", lambda m: m.source == bot, params=["#lobby", "ana: hola"])
        ana.expect("PRIVMSG", lambda m: m.source == bot, params=["#lobby", "mundo"])
        nc.expect("[#lobby] gpt: ana: hola")
        nc.expect("[#lobby] gpt: mundo")
        self.assertEqual(fake.chat_requests()[-1]["body"]["messages"][-1],
                         {"role": "user", "content": "ana: [[say hola\\nmundo]]"})
        # A CTCP query is no question: nothing is asked of the model.
        ana.send("PRIVMSG gpt :\x01VERSION\x01")
        ana.send("NOTICE gpt :[[say no]]")              # nor is a NOTICE ever answered
        ana.send("PRIVMSG gpt :[[say listo]]")          # asked after them, answered after them
        ana.expect("PRIVMSG", lambda m: m.nick == "gpt", params=["ana", "listo"])
        self.assertEqual(fake.wait(completed=2)["total"], 2)
        # In private: the answer comes to the asker alone.
        ana.send("PRIVMSG gpt :[[say secreto\\nde ana]]")
        ana.expect("PRIVMSG", lambda m: m.source == bot, params=["ana", "secreto"])
        ana.expect("PRIVMSG", lambda m: m.source == bot, params=["ana", "de ana"])
        self.assertEqual(nc.sync(), [])
        # It hears every channel, and answers where it was asked.
        burst = self.joined(ana, "#dev")
        self.assertEqual(names_of(burst[-2]), ["@ana", "gpt"])
        ana.send("PRIVMSG #dev :gpt, [[say en dev]]")
        ana.expect("PRIVMSG", lambda m: m.nick == "gpt", params=["#dev", "ana: en dev"])
        self.assertEqual(nc.sync(), [])

    def test_long_answers_fit_irc_lines(self):
        long = " ".join("palabra%d" % i for i in range(150))      # one line of ~1400 bytes
        fake = FakeOpenAI("--default-answer", long)
        self.addCleanup(fake.stop)
        srv = self.irc_server("--ai-url", fake.url, "--ai-rate", "0", ai=True)
        ana = self.irc(srv, "ana")
        ana.send("PRIVMSG gpt :¿algo largo?")
        text = ""
        while len(text.split()) < 150:
            m = ana.readline()
            self.assertEqual((m.command, m.nick, m.params[0]), ("PRIVMSG", "gpt", "ana"))
            text += " " + m.last
        self.assertEqual(text.split(), long.split())
        self.assertEqual(ana.sync(), [])

    def test_netcat_who_shows_irc_users_and_the_bot(self):
        fake, srv = self.ai_server()
        nc = srv.client("carla")
        ana = self.irc(srv, "ana")
        self.joined(ana, "#lobby")
        nc.expect("[#lobby] -- ana joined")
        nc.send("/who")
        nc.expect("* #lobby (2): ana carla")
        nc.expect(BOT)
        nc.send("gpt: [[say para todos]]")
        ana.expect("PRIVMSG", lambda m: m.nick == "carla", params=["#lobby", "gpt: [[say para todos]]"])
        ana.expect("PRIVMSG", lambda m: m.nick == "gpt", params=["#lobby", "carla: para todos"])


if __name__ == "__main__":
    harness.main()
