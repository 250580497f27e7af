"""charlad's IRC face: users: WHOIS, WHO and WHOX, WHOWAS, ISON, USERHOST, AWAY, user modes,
server operators (OPER, KILL, WALLOPS) and the server queries (VERSION, TIME, INFO, ADMIN), with
netcat users and the assistant as IRC sees them. Real processes on loopback, ephemeral ports.

Run: python3 test_server_irc_user.py /path/to/charlad
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import rx  # noqa: E402
from irc_helpers import SERVER, IrcCase  # noqa: E402

OPERS = "# operators\n\nboss hunter2\nother pw\n"


def until(client, end):
    """The lines up to and including the first `end` numeric."""
    got = []
    while True:
        m = client.readline()
        got.append(m)
        if m.command == end:
            return got


class Whois(IrcCase):
    def test_whois_irc_netcat_away_oper_and_unknown(self):
        srv = self.irc_server("--oper-file", self.file(OPERS))
        ana = self.irc(srv, "ana")
        bob = self.irc(srv, "bob", user="roberto", realname="Roberto Gómez")
        nc = srv.client("carla")
        self.joined(bob, "#x")
        self.joined(bob, "#y")
        ana.send("WHOIS bob")
        got = until(ana, "318")
        self.assertEqual(got[0].params, ["ana", "bob", "~roberto", "127.0.0.1", "*",
                                         "Roberto Gómez"])
        by = {m.command: m for m in got}
        self.assertEqual(sorted(by), ["311", "312", "318", "319"])
        self.assertEqual(sorted(by["319"].last.split()), ["@#x", "@#y"])
        self.assertEqual(by["312"].params[:3], ["ana", "bob", SERVER])
        self.assertEqual(got[-1].params, ["ana", "bob", "End of /WHOIS list"])
        # Away and operator.
        bob.send("AWAY :en una reunión")
        bob.expect("306", params=["bob", "You have been marked as being away"])
        bob.send("OPER boss hunter2")
        bob.expect("381")
        bob.expect("MODE", params=["bob", "+o"])
        ana.send("WHOIS BOB")
        by = {m.command: m for m in until(ana, "318")}
        self.assertEqual(by["301"].params, ["ana", "bob", "en una reunión"])
        self.assertEqual(by["313"].params, ["ana", "bob", "is an IRC operator"])
        # A netcat user: the hub's stand-ins for what it has no IRC notion of.
        ana.send("WHOIS carla")
        got = until(ana, "318")
        self.assertEqual(got[0].params, ["ana", "carla", "~u", "charla", "*", "charla user"])
        self.assertIn(["ana", "carla", "#lobby"], [m.params for m in got if m.command == "319"])
        nc.send("hola")                              # still there, still talking
        # The two-parameter form (a server, then the nick) and an unknown nick.
        ana.send("WHOIS %s bob" % SERVER)
        self.assertEqual(until(ana, "318")[0].command, "311")
        ana.send("WHOIS nobody")
        ana.expect("401", params=["ana", "nobody", "No such nick/channel"])
        ana.expect("318", params=["ana", "nobody", "End of /WHOIS list"])

    def test_many_channels_take_several_319_lines(self):
        srv = self.irc_server("--max-rooms", "30")
        bob = self.irc(srv, "bob")
        rooms = ["#%02d" % i + "c" * 29 for i in range(30)]     # 32 characters each
        for r in rooms:
            self.joined(bob, r)
        ana = self.irc(srv, "ana")
        ana.send("WHOIS bob")
        lines = [m for m in until(ana, "318") if m.command == "319"]
        self.assertGreater(len(lines), 1)
        for m in lines:
            self.assertEqual(m.params[:2], ["ana", "bob"])
        self.assertEqual(sorted(n for m in lines for n in m.last.split()),
                         sorted("@" + r for r in rooms))

    def test_whois_the_assistant(self):
        srv = self.irc_server(ai=True)
        ana = self.irc(srv, "ana")
        ana.send("WHOIS gpt")
        by = {m.command: m for m in until(ana, "318")}
        self.assertEqual(by["311"].params, ["ana", "gpt", "~u", "bot.charla", "*", "charla bot"])
        self.assertEqual(by["335"].params, ["ana", "gpt", "is a bot (the assistant)"])
        self.assertNotIn("319", by)


class Who(IrcCase):
    def test_who_and_whox(self):
        srv = self.irc_server("--oper-file", self.file(OPERS))
        ana = self.irc(srv, "ana", realname="Ana Pérez")
        bob = self.irc(srv, "bob")
        self.joined(ana, "#w")
        self.joined(bob, "#w", ana)
        bob.send("AWAY :fuera")
        bob.expect("306")
        ana.send("OPER boss hunter2")
        ana.wait_for("MODE")
        ana.send("WHO #w")
        got = until(ana, "315")
        self.assertEqual(sorted(m.raw for m in got[:-1]), sorted([
            ":irc.test 352 ana #w ~ana 127.0.0.1 irc.test ana H*@ :0 Ana Pérez",
            ":irc.test 352 ana #w ~bob 127.0.0.1 irc.test bob G :0 Real bob"]))
        self.assertEqual(got[-1].params, ["ana", "#w", "End of WHO list"])
        # WHOX: the fields asked for, in the standard order, with the token.
        ana.send("WHO #w %tcnuhfar,42")
        got = until(ana, "315")
        self.assertEqual(sorted(m.params for m in got[:-1]), [
            ["ana", "42", "#w", "~ana", "127.0.0.1", "ana", "H*@", "0", "Ana Pérez"],
            ["ana", "42", "#w", "~bob", "127.0.0.1", "bob", "G", "0", "Real bob"]])
        ana.send("WHO bob %rn")
        ana.expect("354", params=["ana", "bob", "Real bob"])
        ana.expect("315", params=["ana", "bob", "End of WHO list"])
        # A mask over nicks, and nothing for no match.
        ana.send("WHO b*")
        self.assertEqual([m.params[5] for m in until(ana, "315")[:-1]], ["bob"])
        ana.send("WHO zz*")
        ana.expect("315")
        # The mask is matched against the host, the user and the real name too.
        ana.send("WHO *pérez")
        self.assertEqual([m.params[5] for m in until(ana, "315")[:-1]], ["ana"])
        ana.send("WHO ~bob")
        self.assertEqual([m.params[5] for m in until(ana, "315")[:-1]], ["bob"])
        ana.send("WHO 127.0.0.*")
        self.assertEqual(sorted(m.params[5] for m in until(ana, "315")[:-1]), ["ana", "bob"])

    def test_who_of_a_room_lists_the_assistant_as_names_does(self):
        srv = self.irc_server(ai=True)
        ana = self.irc(srv, "ana")
        self.joined(ana, "#lobby")
        ana.send("WHO #lobby")
        got = until(ana, "315")[:-1]
        self.assertEqual(sorted((m.params[5], m.params[6]) for m in got),
                         [("ana", "H"), ("gpt", "HB")])

    def test_invisible_users_are_hidden_from_strangers(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana")
        bob = self.irc(srv, "bob")
        dan = self.irc(srv, "dan")
        bob.send("MODE bob +i")
        bob.expect("MODE", params=["bob", "+i"])
        ana.send("WHO *")
        self.assertEqual(sorted(m.params[5] for m in until(ana, "315")[:-1]), ["ana", "dan"])
        ana.send("WHO b*")
        self.assertEqual(until(ana, "315")[:-1], [])
        ana.send("WHO bob")                          # asked by exact nick: shown
        self.assertEqual([m.params[5] for m in until(ana, "315")[:-1]], ["bob"])
        self.joined(ana, "#s")
        self.joined(bob, "#s", ana)
        ana.send("WHO *")                            # sharing a channel: shown
        self.assertEqual(sorted(m.params[5] for m in until(ana, "315")[:-1]),
                         ["ana", "bob", "dan"])
        dan.send("WHO #s")                           # a stranger asking of the channel
        self.assertEqual(sorted(m.params[5] for m in until(dan, "315")[:-1]), ["ana"])


class Whowas(IrcCase):
    def test_after_quit_and_rename(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana")
        bob = self.irc(srv, "bob", user="rob", realname="Roberto")
        ana.send("WHOWAS bob")
        ana.expect("406", params=["ana", "bob", "There was no such nickname"])
        ana.expect("369", params=["ana", "bob", "End of WHOWAS"])
        bob.send("NICK beto")
        bob.expect("NICK")
        bob.send("QUIT :chau")
        bob.expect_error()
        nc = srv.client("carla")
        nc.send("/nick carlota")
        nc.expect("* You are now known as carlota.")
        ana.send("WHOWAS BOB")
        ana.expect("314", params=["ana", "bob", "~rob", "127.0.0.1", "*", "Roberto"])
        ana.expect("312", params=["ana", "bob", SERVER, rx(".*")])
        ana.expect("369")
        ana.send("WHOWAS beto")
        ana.expect("314", params=["ana", "beto", "~rob", "127.0.0.1", "*", "Roberto"])
        ana.expect("312")
        ana.expect("369")
        ana.send("WHOWAS carla")                     # netcat users too
        ana.expect("314", params=["ana", "carla", "~u", "charla", "*", "charla user"])
        ana.expect("312")
        ana.expect("369")
        # Newest first; a count keeps that many.
        bob2 = self.irc(srv, "bob", user="otro", realname="Otro Bob")
        bob2.send("QUIT")
        bob2.expect_error()
        ana.send("WHOWAS bob")
        self.assertEqual([m.params[2] for m in until(ana, "369") if m.command == "314"],
                         ["~otro", "~rob"])
        ana.send("WHOWAS bob 1")
        self.assertEqual([m.params[2] for m in until(ana, "369") if m.command == "314"],
                         ["~otro"])


class IsonUserhost(IrcCase):
    def test_ison_and_userhost(self):
        srv = self.irc_server("--oper-file", self.file(OPERS))
        ana = self.irc(srv, "ana")
        bob = self.irc(srv, "bob")
        srv.client("carla")
        ana.send("ISON bob CARLA nobody")
        ana.expect("303", params=["ana", "bob carla"])
        ana.send("ISON :bob nobody ana")
        ana.expect("303", params=["ana", "bob ana"])
        ana.send("ISON nobody")
        ana.expect("303", params=["ana", ""])
        bob.send("AWAY :lejos")
        bob.expect("306")
        ana.send("OPER other pw")
        ana.wait_for("MODE")
        ana.send("USERHOST ana bob carla nobody")
        ana.expect("302", params=["ana", "ana*=+~ana@127.0.0.1 bob=-~bob@127.0.0.1 "
                                         "carla=+~u@charla"])


    def test_long_replies_leave_out_whole_nicks(self):
        # A reply has less room than the command it answers (":server 303 nick :" against
        # "ISON "): what does not fit is left out whole, never cut inside a nick.
        name = "charla." + "s" * 60
        srv = self.irc_server("--server-name", name)
        nicks = ["u%02d" % i + "x" * 29 for i in range(14)]     # 32 characters each
        for n in nicks:
            srv.client(n)
        ana = self.irc(srv, "ana")
        ana.send("ISON " + " ".join(nicks))
        got = ana.expect("303").last.split()
        self.assertGreater(len(got), 10)
        self.assertEqual(got, nicks[:len(got)])
        ana.send("USERHOST " + " ".join(nicks[:5]))
        for item in ana.expect("302").last.split():
            self.assertIn(item.split("=")[0], nicks)
            self.assertTrue(item.endswith("=+~u@charla"), item)


class Away(IrcCase):
    def test_away_replies_notify_and_301(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana", caps=("away-notify",))
        bob = self.irc(srv, "bob")
        dan = self.irc(srv, "dan")
        self.joined(ana, "#a")
        self.joined(bob, "#a", ana)
        self.joined(dan, "#a", ana, bob)
        bob.send("AWAY :comiendo")
        bob.expect("306")
        ana.expect("AWAY", lambda m: m.source == "bob!~bob@127.0.0.1", params=["comiendo"])
        self.assertEqual(dan.sync(), [])             # no away-notify, no news
        dan.send("PRIVMSG bob :¿estás?")
        dan.expect("301", params=["dan", "bob", "comiendo"])
        bob.expect("PRIVMSG", params=["bob", "¿estás?"])
        dan.send("NOTICE bob :sin respuesta")        # NOTICE is never answered
        bob.expect("NOTICE")
        self.assertEqual(dan.sync(), [])
        bob.send("AWAY")
        bob.expect("305", params=["bob", "You are no longer marked as being away"])
        ana.expect("AWAY", lambda m: m.nick == "bob", params=[])
        dan.send("PRIVMSG bob :¿y ahora?")
        bob.expect("PRIVMSG")
        self.assertEqual(dan.sync(), [])


class UserModes(IrcCase):
    def test_invisible_wallops_and_refusals(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana")
        self.irc(srv, "bob")
        ana.send("MODE ana")
        ana.expect("221", params=["ana", "+"])
        ana.send("MODE ana +iw")
        ana.expect("MODE", lambda m: m.source == "ana!~ana@127.0.0.1", params=["ana", "+iw"])
        ana.send("MODE ana")
        ana.expect("221", params=["ana", "+iw"])
        ana.send("MODE ana +i")                      # no change: nothing said
        self.assertEqual(ana.sync(), [])
        ana.send("MODE ana -w+o")                    # +o is OPER's to give
        ana.expect("MODE", params=["ana", "-w"])
        ana.send("MODE ana +x")
        ana.expect("501", params=["ana", "Unknown MODE flag"])
        ana.send("MODE bob +i")
        ana.expect("502")
        ana.send("MODE nobody")
        ana.expect("401")


class Operators(IrcCase):
    def test_oper_wrong_and_right(self):
        srv = self.irc_server("--oper-file", self.file(OPERS))
        ana = self.irc(srv, "ana")
        for line in ("OPER boss wrong", "OPER nobody hunter2", "OPER BOSS hunter2"):
            ana.send(line)
            ana.expect("464", params=["ana", "Password incorrect"])
        ana.send("MODE ana")
        ana.expect("221", params=["ana", "+"])
        ana.send("OPER boss hunter2")
        ana.expect("381", params=["ana", "You are now an IRC operator"])
        ana.expect("MODE", params=["ana", "+o"])
        ana.send("MODE ana -o")
        ana.expect("MODE", params=["ana", "-o"])
        ana.send("KILL ana :x")
        ana.expect("481")

    def test_kill_by_an_operator_and_by_anyone_else(self):
        srv = self.irc_server("--oper-file", self.file(OPERS), ai=True)
        ana = self.irc(srv, "ana")
        bob = self.irc(srv, "bob")
        dan = self.irc(srv, "dan")
        nc, nc2 = srv.users("carla", "dora")
        for c in (ana, bob, dan):
            self.joined(c, "#lobby")
            nc.expect("[#lobby] -- %s joined" % c.nick)
            nc2.expect("[#lobby] -- %s joined" % c.nick)
        ana.expect("JOIN")
        ana.expect("JOIN")
        bob.expect("JOIN")
        bob.send("KILL dan :no")
        bob.expect("481", params=["bob", "Permission Denied- You're not an IRC operator"])
        ana.send("OPER boss hunter2")
        ana.wait_for("MODE")
        ana.send("KILL nobody :x")
        ana.expect("401")
        ana.send("KILL gpt :x")                      # the assistant is no one's to kill
        ana.expect("401")
        ana.send("KILL bob :spam")
        got = bob.expect_eof()
        self.assertEqual(got[-2].raw, ":ana!~ana@127.0.0.1 KILL bob :Killed (ana (spam))")
        self.assertEqual(got[-1].raw, "ERROR :Closing Link: bob (Killed (ana (spam)))")
        for c in (ana, dan):
            c.expect("QUIT", lambda m: m.nick == "bob", params=["Killed (ana (spam))"])
        nc.expect("-- bob quit (Killed (ana (spam)))")
        # A netcat user killed from IRC.
        ana.send("KILL dora :fuera")
        self.assertEqual(nc2.expect_eof()[-1], "! ana disconnected you (Killed (ana (fuera))).")
        dan.expect("QUIT", lambda m: m.nick == "dora")
        # A long reason is cut to fit the line, for the victim too.
        ana.send("KILL dan :" + "r" * 450)
        for m in dan.expect_eof():
            self.assertLessEqual(len(m.raw.encode()) + 2, 512)

    def test_an_operator_may_kill_itself(self):
        srv = self.irc_server("--oper-file", self.file(OPERS))
        ana = self.irc(srv, "ana")
        bob = self.irc(srv, "bob", caps=("labeled-response", "batch"))
        bob.send("MONITOR + ana")
        bob.expect("730")
        ana.send("OPER boss hunter2")
        ana.wait_for("MODE")
        ana.send("KILL ana :adiós a mí misma")
        got = ana.expect_eof()
        self.assertEqual([m.command for m in got], ["KILL", "ERROR"])
        bob.expect("731", params=["bob", "ana"])
        # A labeled KILL of someone else: the victim's news is not the killer's response.
        bob.send("OPER boss hunter2")
        bob.wait_for("MODE")
        carla = self.irc(srv, "carla")
        bob.send("@label=k KILL carla :fuera")
        self.assertEqual(bob.expect("ACK").tags, {"label": "k"})
        carla.expect_error("Killed (bob (fuera))")

    def test_operators_run_every_room_they_are_in(self):
        # The lobby has no room operator: a server operator runs it (docs/irc.md).
        srv = self.irc_server("--oper-file", self.file(OPERS))
        nc = srv.client("carla")
        ana = self.irc(srv, "ana")
        bob = self.irc(srv, "bob")
        self.joined(ana, "#lobby")
        self.joined(bob, "#lobby", ana)
        nc.expect("[#lobby] -- ana joined")
        nc.expect("[#lobby] -- bob joined")
        ana.send("TOPIC #lobby :clase de redes")
        ana.expect("482", params=["ana", "#lobby", "You're not channel operator"])
        ana.send("OPER boss hunter2")
        ana.wait_for("MODE")
        ana.send("TOPIC #lobby :clase de redes")
        ana.expect("TOPIC", params=["#lobby", "clase de redes"])
        bob.expect("TOPIC")
        nc.expect("[#lobby] -- ana set the topic: clase de redes")
        ana.send("MODE #lobby +m")
        ana.expect("MODE", params=["#lobby", "+m"])
        bob.expect("MODE")
        nc.expect("[#lobby] -- ana let only operators and voiced members speak")
        bob.send("PRIVMSG #lobby :¿puedo?")
        bob.expect("404")
        nc.send("¿y yo?")
        nc.expect("! You cannot speak in #lobby now.")
        ana.send("PRIVMSG #lobby :silencio, por favor")   # the one who moderates may speak
        bob.expect("PRIVMSG", params=["#lobby", "silencio, por favor"])
        nc.expect("[#lobby] ana: silencio, por favor")
        ana.send("KICK #lobby carla :a la sala de al lado")
        nc.expect("* ana removed you from #lobby (a la sala de al lado).")
        bob.expect("KICK", params=["#lobby", "carla", "a la sala de al lado"])
        ana.expect("KICK")
        # Not in the room, no power over it.
        ana.send("PART #lobby")
        ana.expect("PART")
        ana.send("MODE #lobby -m")
        ana.expect("442")

    def test_pong_costs_no_flood_budget(self):
        # One command a second in bursts of one: 30 PONGs costing a token each would hold the
        # PING after them for 30 s, far past the deadline; PONG is free (docs/irc.md).
        srv = self.irc_server("--irc-flood", "1", "--irc-flood-burst", "1")
        ana = self.irc(srv, "ana")
        ana.send_raw(b"PONG :irc.test\r\n" * 30)
        ana.expect_silence()

    def test_wallops_to_plus_w_users(self):
        srv = self.irc_server("--oper-file", self.file(OPERS))
        ana = self.irc(srv, "ana")
        bob = self.irc(srv, "bob")
        dan = self.irc(srv, "dan")
        bob.send("MODE bob +w")
        bob.expect("MODE")
        dan.send("WALLOPS :hola")
        dan.expect("481")
        ana.send("OPER boss hunter2")
        ana.wait_for("MODE")
        ana.send("WALLOPS :mantenimiento a las 5")
        bob.expect("WALLOPS", lambda m: m.source == "ana!~ana@127.0.0.1",
                   params=["mantenimiento a las 5"])
        self.assertEqual(ana.sync(), [])             # not +w herself
        self.assertEqual(dan.sync(), [])


class ServerQueries(IrcCase):
    def test_version_time_info_admin(self):
        srv = self.irc_server("--network", "Red")
        ana = self.irc(srv, "ana")
        ana.send("VERSION")
        ana.expect("351", params=["ana", rx(r"charlad-\S+"), SERVER, "charla"])
        ana.expect("005")
        ana.wait_for("005", lambda m: "WHOX" in m.params)
        ana.send("TIME")
        ana.expect("391", params=["ana", SERVER, rx(r"\w+ \w+ \d\d \d{4} -- \d\d:\d\d:\d\d .*")])
        ana.send("INFO")
        self.assertEqual([m.command for m in until(ana, "374")], ["371", "371", "374"])
        ana.send("ADMIN")
        self.assertEqual([m.command for m in until(ana, "259")], ["256", "257", "258", "259"])
        self.assertEqual(ana.history[-2].params, ["ana", "Red"])
        self.assertEqual(ana.history[-3].params, ["ana", "charla chat server"])

    def test_links_names_this_server_with_its_line(self):
        srv = self.irc_server("--server-info", "Aula 3")
        ana = self.irc(srv, "ana")
        ana.send("LINKS")
        ana.expect("364", params=["ana", SERVER, SERVER, "0 Aula 3"])
        ana.expect("365", params=["ana", "*", "End of /LINKS list"])
        ana.send("WHOIS ana")
        self.assertEqual([m for m in until(ana, "318") if m.command == "312"][0].params,
                         ["ana", "ana", SERVER, "Aula 3"])

    def test_help_index_one_command_and_unknown(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana")
        for cmd in ("HELP", "HELPOP"):
            ana.send(cmd)
            got = until(ana, "706")
            self.assertEqual(got[0].command, "704")
            self.assertEqual({m.params[1] for m in got}, {"index"})
            listed = " ".join(m.last for m in got if m.command == "705").split()
            for name in ("JOIN", "PRIVMSG", "MONITOR", "WHOWAS", "HELP"):
                self.assertIn(name, listed)
        ana.send("HELP privmsg")
        got = until(ana, "706")
        self.assertEqual([m.command for m in got], ["704", "705", "706"])
        self.assertEqual(got[0].params, ["ana", "PRIVMSG", "PRIVMSG <target>{,<target>} :<text>"])
        ana.send("HELP NOSUCH")
        ana.expect("524", params=["ana", "NOSUCH", "No help for that"])


class BotMode(IrcCase):
    def test_a_client_says_it_is_a_bot(self):
        srv = self.irc_server()
        bot = self.irc(srv, "bip")
        tagged = self.irc(srv, "ana", caps=("message-tags",))
        plain = self.irc(srv, "bob")
        self.assertEqual(bot.isupport["BOT"], "B")
        bot.send("MODE bip +B")
        bot.expect("MODE", params=["bip", "+B"])
        bot.send("MODE bip")
        bot.expect("221", params=["bip", "+B"])
        bot.send("PRIVMSG ana,bob :beep")
        self.assertIn("bot", tagged.expect("PRIVMSG", params=["ana", "beep"]).tags)
        self.assertEqual(plain.expect("PRIVMSG", params=["bob", "beep"]).tags, {})
        plain.send("WHOIS bip")
        self.assertEqual([m.params for m in until(plain, "318") if m.command == "335"],
                         [["bob", "bip", "is a bot"]])
        plain.send("WHO bip")
        self.assertIn("B", plain.expect("352").params[6])
        bot.send("MODE bip -B")
        bot.expect("MODE", params=["bip", "-B"])
        bot.send("PRIVMSG ana :human again")
        self.assertNotIn("bot", tagged.expect("PRIVMSG", params=["ana", "human again"]).tags)

    def test_the_assistant_is_a_bot_to_message_tags_clients(self):
        srv = self.irc_server(ai=True)
        ana = self.irc(srv, "ana", caps=("message-tags",))
        ana.send("PRIVMSG gpt :hola")
        # Unconfigured, the assistant answers that it is (privately), as a bot.
        self.assertIn("bot", ana.wait_for("PRIVMSG", lambda m: m.nick == "gpt").tags)


if __name__ == "__main__":
    harness.main()
