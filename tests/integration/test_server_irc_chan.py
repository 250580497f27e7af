"""charlad's IRC face: channels (hub rooms) and their modes: JOIN, PART, TOPIC, NAMES, LIST, KICK,
INVITE and MODE, with netcat users in the same rooms where it matters. Real processes on
loopback with ephemeral ports.

Run: python3 test_server_irc_chan.py /path/to/charlad
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import rx  # noqa: E402
from irc_helpers import IrcCase  # noqa: E402

ANA = "ana!~ana@127.0.0.1"


def names_of(lines):
    """The names of 353 lines, in order."""
    return [n for m in lines if m.command == "353" for n in m.last.split()]


def nc_join(nc, room, members):
    nc.send("/join " + room)
    nc.expect("* You joined %s (%d member%s)." % (room, members, "" if members == 1 else "s"))


class Join(IrcCase):
    def test_first_member_is_op(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana")
        bob = self.irc(srv, "bob")
        before = int(time.time())
        burst = self.joined(ana, "#new")
        self.assertEqual([m.raw for m in burst],
                         [":%s JOIN #new" % ANA, ":irc.test 353 ana = #new :@ana",
                          ":irc.test 366 ana #new :End of /NAMES list"])
        ana.send("MODE #new")
        ana.expect("324", params=["ana", "#new", "+nt"])
        created = int(ana.expect("329", params=["ana", "#new", rx(r"\d+")]).params[2])
        self.assertTrue(before - 2 <= created <= time.time() + 2, created)
        burst = self.joined(bob, "#NEW", ana)            # any case: the same channel
        self.assertEqual(burst[0].params, ["#new"])
        self.assertEqual(names_of(burst), ["@ana", "bob"])
        bob.send("MODE #new +m")
        bob.expect("482")
        # Joining again changes nothing and says nothing.
        bob.send("JOIN #new")
        self.assertEqual(bob.sync(), [])
        self.assertEqual(ana.sync(), [])

    def test_join_several_with_keys_and_join_0(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana")
        bob = self.irc(srv, "bob")
        self.joined(ana, "#k")
        ana.send("MODE #k +k sesamo")
        ana.expect("MODE", params=["#k", "+k", "sesamo"])
        bob.send("JOIN #k,#open sesamo")
        bob.expect("JOIN", params=["#k"])
        bob.wait_for("366")
        bob.expect("JOIN", params=["#open"])
        bob.wait_for("366")
        ana.expect("JOIN", lambda m: m.nick == "bob")
        bob.send("JOIN 0")
        got = bob.sync()
        self.assertEqual(sorted((m.command, m.params[0]) for m in got),
                         [("PART", "#k"), ("PART", "#open")])
        ana.expect("PART", lambda m: m.nick == "bob", params=["#k"])


class Topic(IrcCase):
    def test_set_query_and_the_setter(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana")
        bob = self.irc(srv, "bob")
        nc = srv.client("carla")
        self.joined(ana, "#t")
        ana.send("TOPIC #t")
        ana.expect("331", params=["ana", "#t", "No topic is set"])
        self.joined(bob, "#t", ana)
        nc_join(nc, "#t", 3)
        ana.expect("JOIN", lambda m: m.source == "carla!~u@charla", params=["#t"])
        bob.expect("JOIN", lambda m: m.nick == "carla")
        ana.send("TOPIC #t :charla sobre IRC")
        for c in (ana, bob):
            c.expect("TOPIC", lambda m: m.source == ANA, params=["#t", "charla sobre IRC"])
        nc.expect("[#t] -- ana set the topic: charla sobre IRC")
        bob.send("TOPIC #t")
        bob.expect("332", params=["bob", "#t", "charla sobre IRC"])
        setter = bob.expect("333", params=["bob", "#t", "ana", rx(r"\d+")])
        self.assertLess(abs(int(setter.params[3]) - time.time()), 5)
        # +t (a new channel's default): only operators.
        bob.send("TOPIC #t :mine")
        bob.expect("482", params=["bob", "#t", "You're not channel operator"])
        ana.send("MODE #t -t")
        ana.expect("MODE", params=["#t", "-t"])
        bob.expect("MODE")
        bob.send("TOPIC #t :de bob")
        ana.expect("TOPIC", lambda m: m.nick == "bob", params=["#t", "de bob"])
        # A newcomer gets the topic with the names.
        dan = self.irc(srv, "dan")
        burst = self.joined(dan, "#t")
        self.assertEqual([m.command for m in burst], ["JOIN", "332", "333", "353", "366"])
        self.assertEqual(burst[2].params[2], "bob")
        # Cleared.
        ana.send("TOPIC #t :")
        ana.wait_for("TOPIC", params=["#t", ""])
        nc.wait_for("[#t] -- ana cleared the topic")
        dan.send("TOPIC #t")
        dan.wait_for("331")
        # Not a member, no such channel.
        dan.send("PART #t")
        dan.expect("PART")
        dan.send("TOPIC #t :outside")
        dan.expect("442")
        dan.send("TOPIC #nochan")
        dan.expect("403", params=["dan", "#nochan", "No such channel"])


class Kick(IrcCase):
    def test_kick_seen_by_irc_and_netcat_members(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana")
        bob = self.irc(srv, "bob")
        carla, dora = srv.users("carla", "dora")
        self.joined(ana, "#k")
        self.joined(bob, "#k", ana)
        nc_join(carla, "#k", 3)
        nc_join(dora, "#k", 4)
        carla.expect("[#k] -- dora joined")
        for c in (ana, bob):
            c.expect("JOIN", lambda m: m.nick == "carla")
            c.expect("JOIN", lambda m: m.nick == "dora")
        ana.send("KICK #k carla :fuera de tema")
        for c in (ana, bob):
            c.expect("KICK", lambda m: m.source == ANA, params=["#k", "carla", "fuera de tema"])
        carla.expect("* ana removed you from #k (fuera de tema).")
        dora.expect("[#k] -- ana removed carla (fuera de tema)")
        # Without a reason IRC shows the kicker's nick, netcat shows none.
        ana.send("KICK #k bob")
        ana.expect("KICK", params=["#k", "bob", "ana"])
        bob.expect("KICK", params=["#k", "bob", "ana"])
        dora.expect("[#k] -- ana removed bob")
        bob.send("PRIVMSG #k :still here?")
        bob.expect("404", params=["bob", "#k", "Cannot send to channel"])
        ana.send("NAMES #k")
        self.assertEqual(names_of([ana.expect("353")]), ["@ana", "dora"])
        ana.expect("366")
        # A netcat operator kicks an IRC user.
        ana.send("MODE #k +o dora")
        ana.expect("MODE", params=["#k", "+o", "dora"])
        dora.expect("[#k] -- ana made dora an operator")
        ana.send("NAMES #k")
        self.assertEqual(names_of([ana.expect("353")]), ["@ana", "@dora"])

    def test_kick_several_one_line_each(self):
        srv = self.irc_server()
        ana, bob, cy, dee = (self.irc(srv, n) for n in ("ana", "bob", "cy", "dee"))
        self.joined(ana, "#k")
        self.joined(bob, "#k", ana)
        self.joined(cy, "#k", ana, bob)
        self.joined(dee, "#k", ana, bob, cy)
        # One channel, several nicks: each is kicked from it.
        ana.send("KICK #k bob,cy :bye")
        for who in ("bob", "cy"):
            dee.expect("KICK", params=["#k", who, "bye"])
        for c in (ana, bob, cy):
            c.sync()
        # Channels and nicks in pairs; a pair without a channel is dropped.
        self.joined(bob, "#k", ana, dee)
        self.joined(cy, "#k", ana, dee, bob)
        dee.sync()
        ana.send("KICK #k,#k bob,cy,dee :out")
        for who in ("bob", "cy"):
            dee.expect("KICK", params=["#k", who, "out"])
        self.assertEqual(dee.sync(), [])
        ana.sync()
        ana.send("NAMES #k")
        self.assertEqual(sorted(names_of([ana.expect("353")])), ["@ana", "dee"])


class Invite(IrcCase):
    def test_invite_only_and_invite_notify(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana")
        op2 = self.irc(srv, "op2", caps=("invite-notify",))
        op3 = self.irc(srv, "op3")
        bob = self.irc(srv, "bob")
        nc = srv.client("carla")
        self.joined(ana, "#priv")
        self.joined(op2, "#priv", ana)
        self.joined(op3, "#priv", ana, op2)
        ana.send("MODE #priv +i+oo op2 op3")
        for c in (ana, op2, op3):
            c.expect("MODE", params=["#priv", "+ioo", "op2", "op3"])
        bob.send("JOIN #priv")
        bob.expect("473", params=["bob", "#priv", "Cannot join channel (+i)"])
        ana.send("INVITE bob #priv")
        ana.expect("341", params=["ana", "bob", "#priv"])
        bob.expect("INVITE", lambda m: m.source == ANA, params=["bob", "#priv"])
        op2.expect("INVITE", lambda m: m.nick == "ana", params=["bob", "#priv"])
        self.assertEqual(op3.sync(), [])             # no invite-notify: not told
        self.joined(bob, "#priv", ana, op2, op3)
        # A netcat user is invited in its own words.
        ana.send("INVITE carla #priv")
        ana.expect("341")
        nc.expect("* ana invites you to #priv; /join #priv to go in.")
        op2.expect("INVITE", params=["carla", "#priv"])
        nc_join(nc, "#priv", 5)
        for c in (ana, op2, op3, bob):
            c.expect("JOIN", lambda m: m.source == "carla!~u@charla", params=["#priv"])
        # Refusals.
        bob.send("INVITE op3 #priv")
        bob.expect("482")                            # +i: operators only
        ana.send("INVITE bob #priv")
        ana.expect("443", params=["ana", "bob", "#priv", "is already on channel"])
        ana.send("INVITE nobody #priv")
        ana.expect("401")
        ana.send("INVITE bob #elsewhere")
        ana.expect("403")


class Modes(IrcCase):
    def test_key(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana")
        bob = self.irc(srv, "bob")
        self.joined(ana, "#k")
        ana.send("MODE #k +k sesamo")
        ana.expect("MODE", params=["#k", "+k", "sesamo"])
        bob.send("MODE #k")                          # outsiders do not see the key
        bob.expect("324", params=["bob", "#k", "+ntk", "*"])
        bob.expect("329")
        for line in ("JOIN #k", "JOIN #k abierto"):
            bob.send(line)
            bob.expect("475", params=["bob", "#k", "Cannot join channel (+k)"])
        bob.send("JOIN #k sesamo")
        bob.expect("JOIN", params=["#k"])
        ana.expect("JOIN", lambda m: m.nick == "bob")
        ana.send("MODE #k -k")
        ana.expect("MODE", params=["#k", "-k", "*"])

    def test_limit(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana")
        bob = self.irc(srv, "bob")
        dan = self.irc(srv, "dan")
        self.joined(ana, "#l")
        ana.send("MODE #l +l 2")
        ana.expect("MODE", params=["#l", "+l", "2"])
        self.joined(bob, "#l", ana)
        dan.send("JOIN #l")
        dan.expect("471", params=["dan", "#l", "Cannot join channel (+l)"])
        ana.send("INVITE dan #l")                    # an invitation passes the limit
        ana.expect("341")
        dan.expect("INVITE")
        self.joined(dan, "#l", ana, bob)
        ana.send("MODE #l")
        ana.expect("324", params=["ana", "#l", "+ntl", "2"])

    def test_ban_exception_and_invex_lists(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana")
        bob = self.irc(srv, "bob")
        nc = srv.client("carla")
        self.joined(ana, "#b")
        ana.send("MODE #b +b bob")                   # normalised to a whole mask
        ana.expect("MODE", params=["#b", "+b", "bob!*@*"])
        ana.send("MODE #b +b *!*@charla")            # every netcat user
        ana.expect("MODE", params=["#b", "+b", "*!*@charla"])
        ana.send("MODE #b +b")
        bans = [ana.expect("367"), ana.expect("367")]
        self.assertEqual(sorted(m.params[2] for m in bans), ["*!*@charla", "bob!*@*"])
        for m in bans:
            self.assertEqual(m.params[3], "ana")
            self.assertLess(abs(int(m.params[4]) - time.time()), 5)
        ana.expect("368", params=["ana", "#b", "End of channel ban list"])
        bob.send("JOIN #b")
        bob.expect("474", params=["bob", "#b", "Cannot join channel (+b)"])
        nc.send("/join #b")
        nc.expect("! You are banned from #b.")
        # An exception lets bob in despite the ban.
        ana.send("MODE #b +e b*!*@*")
        ana.expect("MODE", params=["#b", "+e", "b*!*@*"])
        ana.send("MODE #b +e")
        ana.expect("348", params=["ana", "#b", "b*!*@*", "ana", rx(r"\d+")])
        ana.expect("349", params=["ana", "#b", "End of channel exception list"])
        self.joined(bob, "#b", ana)
        # +I lets in without an invitation, but not past a ban.
        ana.send("MODE #b +i")
        ana.expect("MODE")
        bob.expect("MODE")
        ana.send("MODE #b +I *!*@charla")
        ana.expect("MODE", params=["#b", "+I", "*!*@charla"])
        bob.expect("MODE")
        ana.send("MODE #b +I")
        ana.expect("346", params=["ana", "#b", "*!*@charla", "ana", rx(r"\d+")])
        ana.expect("347", params=["ana", "#b", "End of channel invite list"])
        nc.send("/join #b")
        nc.expect("! You are banned from #b.")
        ana.send("MODE #b -b *!*@charla")
        ana.expect("MODE", params=["#b", "-b", "*!*@charla"])
        bob.expect("MODE")
        nc_join(nc, "#b", 3)
        ana.expect("JOIN", lambda m: m.nick == "carla")
        bob.expect("JOIN", lambda m: m.nick == "carla")
        # A ban on a member keeps it quiet.
        bob.send("PRIVMSG #b :antes")
        ana.wait_for("PRIVMSG", params=["#b", "antes"])
        nc.wait_for("[#b] bob: antes")
        ana.send("MODE #b -e b*!*@*")
        ana.expect("MODE")
        bob.send("PRIVMSG #b :después")
        bob.wait_for("404", params=["bob", "#b", "Cannot send to channel"])
        self.assertEqual([m for m in ana.sync() if m.command == "PRIVMSG"], [])

    def test_maxlist_is_the_most_masks_a_list_takes(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana")
        self.joined(ana, "#full")
        most = int(ana.isupport["MAXLIST"].split(":")[1])  # beI:100, one limit for each list
        for i in range(0, most, 4):
            masks = ["m%03d!*@*" % k for k in range(i, min(i + 4, most))]
            ana.send("MODE #full +%s %s" % ("b" * len(masks), " ".join(masks)))
            ana.expect("MODE", params=["#full", "+" + "b" * len(masks)] + masks)
        ana.send("MODE #full +b one!*@*")
        ana.expect("478", params=["ana", "#full", "b", "Channel list is full"])
        ana.send("MODE #full +e one!*@*")               # the other lists have their own room
        ana.expect("MODE", params=["#full", "+e", "one!*@*"])
        ana.send("MODE #full +b")
        self.assertEqual(len([ana.expect("367") for _ in range(most)]), most)
        ana.expect("368")

    def test_moderated_and_voice(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana", caps=("multi-prefix",))
        bob = self.irc(srv, "bob")
        nc = srv.client("carla")
        self.joined(ana, "#m")
        self.joined(bob, "#m", ana)
        nc_join(nc, "#m", 3)
        ana.expect("JOIN")
        bob.expect("JOIN")
        ana.send("MODE #m +m")
        ana.expect("MODE", params=["#m", "+m"])
        bob.expect("MODE", params=["#m", "+m"])
        nc.expect("[#m] -- ana let only operators and voiced members speak")
        bob.send("PRIVMSG #m :hola")
        bob.expect("404", params=["bob", "#m", "Cannot send to channel"])
        nc.send("hola")                              # #m is its current room
        nc.expect("! You cannot speak in #m now.")
        self.assertEqual(ana.sync(), [])
        ana.send("MODE #m +vv bob ana")
        ana.expect("MODE", params=["#m", "+vv", "bob", "ana"])
        bob.expect("MODE", params=["#m", "+vv", "bob", "ana"])
        nc.expect("[#m] -- ana gave bob a voice; gave ana a voice")
        bob.send("PRIVMSG #m :ahora sí")
        ana.expect("PRIVMSG", lambda m: m.nick == "bob", params=["#m", "ahora sí"])
        nc.expect("[#m] bob: ahora sí")
        # PREFIX=(ov)@+: the highest prefix, or all of them with multi-prefix.
        for c, want in ((bob, ["@ana", "+bob", "carla"]), (ana, ["@+ana", "+bob", "carla"])):
            c.send("NAMES #m")
            self.assertEqual(names_of([c.expect("353")]), want)
            c.expect("366")
        ana.send("MODE #m -v bob")
        ana.expect("MODE", params=["#m", "-v", "bob"])
        bob.expect("MODE")
        bob.send("PRIVMSG #m :otra vez")
        bob.wait_for("404")

    def test_secret_hides_the_channel(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana")
        bob = self.irc(srv, "bob")
        self.joined(ana, "#sec")
        self.joined(ana, "#pub")
        ana.send("TOPIC #sec :oculto")
        ana.expect("TOPIC")
        ana.send("MODE #sec +s")
        ana.expect("MODE", params=["#sec", "+s"])
        bob.send("LIST")
        bob.expect("321")
        self.assertEqual(bob.expect("322").params[1], "#pub")
        bob.expect("323")
        ana.send("LIST")
        ana.expect("321")
        self.assertEqual([ana.expect("322").params[1] for _ in range(2)], ["#pub", "#sec"])
        ana.expect("323")
        bob.send("WHOIS ana")
        bob.expect("311")
        bob.expect("319", params=["bob", "ana", "@#pub"])
        bob.wait_for("318")
        for line in ("NAMES #sec", "TOPIC #sec", "WHO #sec"):
            bob.send(line)
        bob.expect("366", params=["bob", "#sec", "End of /NAMES list"])
        bob.expect("442")
        bob.expect("315")
        ana.send("WHOIS ana")
        ana.expect("311")
        self.assertEqual(sorted(ana.expect("319").last.split()), ["@#pub", "@#sec"])
        ana.wait_for("318")
        # Its members see it as secret in NAMES ('@', where public channels have '=').
        ana.send("NAMES #sec")
        ana.expect("353", params=["ana", "@", "#sec", "@ana"])
        ana.expect("366")
        ana.send("NAMES #pub")
        ana.expect("353", params=["ana", "=", "#pub", "@ana"])


class List(IrcCase):
    def test_patterns_counts_and_topics(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana")
        bob = self.irc(srv, "bob")
        for room in ("#alpha", "#alpine", "#beta"):
            self.joined(ana, room)
        self.joined(bob, "#alpha", ana)
        ana.send("TOPIC #alpha :la primera")
        ana.expect("TOPIC")
        bob.expect("TOPIC")

        def listing(arg):
            bob.send("LIST" + arg)
            bob.expect("321", params=["bob", "Channel", "Users  Name"])
            got = []
            while True:
                m = bob.readline()
                if m.command == "323":
                    self.assertEqual(m.params, ["bob", "End of /LIST"])
                    return got
                self.assertEqual(m.command, "322")
                got.append(m.params[1:])

        self.assertEqual(listing(" #al*"), [["#alpha", "2", "la primera"], ["#alpine", "1", ""]])
        self.assertEqual(listing(" #BETA"), [["#beta", "1", ""]])
        self.assertEqual(listing(" #al?ha,#b*"), [["#alpha", "2", "la primera"],
                                                 ["#beta", "1", ""]])
        # The lobby, empty (no netcat user here), is no channel to list; with someone in it, it is.
        self.assertEqual([r[0] for r in listing("")], ["#alpha", "#alpine", "#beta"])
        nc = srv.client("nc")
        self.assertEqual([r[0] for r in listing("")], ["#alpha", "#alpine", "#beta", "#lobby"])
        nc.close()
        self.assertEqual(listing(" #none*"), [])


class Part(IrcCase):
    def test_part_with_and_without_reason(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana")
        bob = self.irc(srv, "bob")
        nc = srv.client("carla")
        self.joined(ana, "#p")
        self.joined(ana, "#q")
        for room in ("#p", "#q"):
            self.joined(bob, room, ana)
        nc_join(nc, "#p", 3)
        ana.expect("JOIN")
        bob.expect("JOIN")
        bob.send("PART #p :me voy, adiós")
        for c in (ana, bob):
            c.expect("PART", lambda m: m.nick == "bob", params=["#p", "me voy, adiós"])
        nc.expect("[#p] -- bob left (me voy, adiós)")
        bob.send("PART #q")
        for c in (ana, bob):
            c.expect("PART", lambda m: m.nick == "bob", params=["#q"])
        bob.send("PART #p")
        bob.expect("442", lambda m: m.params[1] == "#p")
        bob.send("PART #nochan")
        bob.expect("403", lambda m: m.params[1] == "#nochan")
        ana.send("PART #p,#q :both")
        ana.expect("PART", params=["#p", "both"])
        ana.expect("PART", params=["#q", "both"])
        nc.expect("[#p] -- ana left (both)")
        # The last one out closes the channel.
        bob.send("LIST #q")
        bob.expect("321")
        bob.expect("323")


class Names(IrcCase):
    def test_names_forms_and_long_lists(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana")
        self.joined(ana, "#lobby")
        long_names = ["u%02d" % i + "x" * 29 for i in range(40)]   # 32 characters each
        for n in long_names:
            c = srv.client(n)
            ana.expect("JOIN", lambda m, n=n: m.nick == n)
        ana.send("NAMES #lobby")
        lines = []
        while True:
            m = ana.readline()
            lines.append(m)
            if m.command == "366":
                break
        self.assertGreater(len(lines), 3)            # split over several 353 lines
        for m in lines[:-1]:
            self.assertEqual(m.command, "353")
            self.assertEqual(m.params[:3], ["ana", "=", "#lobby"])
        self.assertEqual(sorted(names_of(lines)), sorted(long_names + ["ana"]))
        ana.send("NAMES")
        ana.expect("366", params=["ana", "*", "End of /NAMES list"])
        ana.send("NAMES #nochan")
        ana.expect("366", params=["ana", "#nochan", "End of /NAMES list"])
        # Several channels (TARGMAX NAMES: no limit): each one's 353, then one 366 for all.
        self.joined(ana, "#two")
        ana.send("NAMES #two,#nochan,#two")
        self.assertEqual(ana.expect("353").params, ["ana", "=", "#two", "@ana"])
        self.assertEqual(ana.expect("353").params, ["ana", "=", "#two", "@ana"])
        ana.expect("366", params=["ana", "#two,#nochan,#two", "End of /NAMES list"])
        self.assertEqual(ana.sync(), [])


    def test_names_fit_whatever_the_server_nick_and_channel_names(self):
        # A long server name (the default is the host's, which may be long), a long nick and a
        # long channel leave less room on each 353 line: names are never cut.
        srv = self.irc_server("--server-name", "irc-" + "h" * 56 + ".example")
        nick, chan = "n" * 32, "#" + "c" * 31
        ana = self.irc(srv, nick)
        self.joined(ana, chan)
        others = ["u%02d" % i + "x" * 29 for i in range(30)]
        for n in others:
            nc = srv.client(n)
            nc.send("/join " + chan)
            ana.expect("JOIN", lambda m, n=n: m.nick == n)
        for caps in ((), ("userhost-in-names",)):
            c = self.irc(srv, "v%d" % len(caps) + "v" * 30, caps=caps)   # 32 characters
            c.send("NAMES " + chan)
            got = []
            while True:
                m = c.readline()
                if m.command == "366":
                    break
                got += [n.split("!")[0].lstrip("@") for n in m.last.split()]
            self.assertEqual(sorted(got), sorted(others + [nick]))


class Messages(IrcCase):
    def test_channel_and_nick_targets_and_no_external(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana")
        bob = self.irc(srv, "bob")
        dan = self.irc(srv, "dan")
        self.joined(ana, "#x")
        self.joined(bob, "#x", ana)
        ana.send("PRIVMSG #x,dan :a los dos")
        bob.expect("PRIVMSG", lambda m: m.source == ANA, params=["#x", "a los dos"])
        dan.expect("PRIVMSG", lambda m: m.source == ANA, params=["dan", "a los dos"])
        self.assertEqual(ana.sync(), [])             # no echo without echo-message
        # +n (the default): an outsider may not speak; without it, it may.
        dan.send("PRIVMSG #x :desde fuera")
        dan.expect("404")
        ana.send("MODE #x -n")
        ana.expect("MODE")
        bob.expect("MODE")
        dan.send("PRIVMSG #x :desde fuera")
        bob.expect("PRIVMSG", lambda m: m.nick == "dan", params=["#x", "desde fuera"])
        ana.expect("PRIVMSG", lambda m: m.nick == "dan")
        # NOTICE is never answered, not even with an error.
        dan.send("NOTICE #nochan :x")
        dan.send("NOTICE nobody :x")
        self.assertEqual(dan.sync(), [])
        dan.send("NOTICE #x :aviso")
        bob.expect("NOTICE", lambda m: m.nick == "dan", params=["#x", "aviso"])


class OpAndDeop(IrcCase):
    def test_op_gives_powers_and_netcat_sees_words(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana")
        bob = self.irc(srv, "bob")
        nc = srv.client("carla")
        self.joined(ana, "#o")
        self.joined(bob, "#o", ana)
        nc_join(nc, "#o", 3)
        ana.expect("JOIN")
        bob.expect("JOIN")
        ana.send("MODE #o +o bob")
        ana.expect("MODE", lambda m: m.source == ANA, params=["#o", "+o", "bob"])
        bob.expect("MODE", params=["#o", "+o", "bob"])
        nc.expect("[#o] -- ana made bob an operator")
        bob.send("MODE #o -o ana")
        bob.expect("MODE", params=["#o", "-o", "ana"])
        nc.expect("[#o] -- bob took operator from ana")
        ana.expect("MODE")
        ana.send("MODE #o +t")
        ana.expect("482")
        bob.send("MODE #o +o nobody")
        bob.expect("401")
        bob.send("MODE #nochan +o ana")
        bob.expect("403")


if __name__ == "__main__":
    harness.main()
