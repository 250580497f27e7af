"""charlad's IRC face: registration (CAP, PASS, NICK, USER), the welcome burst and what its
ISUPPORT tokens promise, the connection's life (PING both ways, timeouts, QUIT, the admission
queue, shutdown). Bad input is test_server_irc_input.py's. Real processes on loopback with
ephemeral ports.

Run: python3 test_server_irc.py /path/to/charlad
"""

import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import rx  # noqa: E402
from irc_helpers import ALL_CAPS, SERVER, IrcCase  # noqa: E402


def nums(lines):
    return [m.command for m in lines]


class Welcome(IrcCase):
    def test_burst_in_order_with_the_network_name(self):
        srv = self.irc_server("--network", "TestNet")
        ana = self.irc(srv, label="ana")
        burst = ana.register("ana", user="anita", realname="Ana María")
        codes = nums(burst)
        self.assertEqual(codes[:4], ["001", "002", "003", "004"])
        self.assertEqual(codes[4:4 + codes.count("005")], ["005"] * codes.count("005"))
        self.assertEqual(codes[4 + codes.count("005"):],
                         ["251", "252", "253", "254", "255", "265", "266", "422"])
        self.assertEqual(burst[0].source, SERVER)
        self.assertEqual(burst[0].params,
                         ["ana", "Welcome to the TestNet IRC Network ana!~anita@127.0.0.1"])
        self.assertEqual(burst[1].params[0], "ana")
        self.assertIn(SERVER, burst[1].last)
        self.assertEqual(burst[3].params[:2], ["ana", SERVER])
        self.assertTrue(burst[3].params[2].startswith("charlad-"))
        self.assertEqual(burst[-1].params, ["ana", "MOTD File is missing"])
        for m in burst:
            if m.command == "005":
                self.assertEqual(m.last, "are supported by this server")
        tok = ana.isupport
        for key, value in [("CASEMAPPING", "ascii"), ("CHANTYPES", "#"),
                           ("CHANMODES", "beI,k,l,imnst"), ("PREFIX", "(ov)@+"),
                           ("NICKLEN", "32"), ("CHANNELLEN", "32"), ("TOPICLEN", "390"),
                           ("MODES", "4"), ("MONITOR", "100"), ("NETWORK", "TestNet"),
                           ("WHOX", None), ("UTF8ONLY", None), ("EXCEPTS", "e"),
                           ("INVEX", "I"), ("CHANLIMIT", "#:10"), ("NAMELEN", "128")]:
            self.assertIn(key, tok)
            self.assertEqual(tok[key], value, key)
        targ = dict(t.split(":") for t in tok["TARGMAX"].split(","))
        self.assertEqual(targ["PRIVMSG"], "4")
        self.assertEqual(targ["NOTICE"], "4")
        # The real name given is the one others see.
        bob = self.irc(srv, "bob")
        bob.send("WHOIS ana")
        self.assertEqual(bob.expect("311").params, ["bob", "ana", "~anita", "127.0.0.1", "*",
                                                     "Ana María"])

    def test_lengths_are_the_ones_advertised(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana")
        # NICKLEN=32: 32 characters (not bytes) are a nick, 33 are not.
        ana.send("NICK " + "ñ" * 32)
        ana.expect("NICK", params=["ñ" * 32])
        ana.send("NICK " + "n" * 33)
        ana.expect("432", params=["ñ" * 32, "n" * 33, "Erroneous nickname"])
        ana.send("NICK ana")
        ana.expect("NICK", params=["ana"])
        # CHANNELLEN=32: '#' and 31 more make a channel, one more does not.
        ok, long = "#" + "c" * 31, "#" + "c" * 32
        ana.send("JOIN " + ok)
        ana.expect("JOIN", params=[ok])
        ana.wait_for("366")
        ana.send("JOIN " + long)
        ana.expect("403", lambda m: m.params[1] == long)
        # TOPICLEN=390: a longer topic is cut, at a character.
        ana.send("TOPIC %s :%s" % (ok, "é" * 200))
        self.assertEqual(ana.expect("TOPIC").last, "é" * 195)
        # AWAYLEN=390, KICKLEN=390 and the reason of a PART likewise, each cut at a character
        # (an odd start puts byte 390 inside a two-byte character).
        long, cut = "x" + "é" * 200, "x" + "é" * 194
        ana.send("AWAY :" + long)
        ana.expect("306")
        ana.send("WHOIS ana")
        self.assertEqual(ana.wait_for("301").last, cut)
        ana.wait_for("318")
        bob = self.irc(srv, "bob")
        self.joined(bob, ok, ana)
        ana.send("KICK %s bob :%s" % (ok, long))
        self.assertEqual(ana.expect("KICK").last, cut)
        self.assertEqual(bob.expect("KICK").last, cut)
        self.joined(bob, ok, ana)
        bob.send("PART %s :%s" % (ok, long))
        self.assertEqual(ana.expect("PART").last, cut)

    def test_chantypes_chanmodes_and_modes(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana")
        ana.send("JOIN &local")
        ana.expect("403", lambda m: m.params[1] == "&local")
        self.joined(ana, "#m")
        # Every letter CHANMODES names is taken...
        ana.send("MODE #m +imst-n")                     # +t is set already: no change
        ana.expect("MODE", params=["#m", "+ims-n"])
        ana.send("MODE #m +kl sesamo 5")
        ana.expect("MODE", params=["#m", "+kl", "sesamo", "5"])
        ana.send("MODE #m +beI a!*@* b!*@* c!*@*")
        ana.expect("MODE", params=["#m", "+beI", "a!*@*", "b!*@*", "c!*@*"])
        ana.send("MODE #m")
        ana.expect("324", params=["ana", "#m", "+imstkl", "sesamo", "5"])
        ana.expect("329")
        # ...and a letter it does not name is refused.
        ana.send("MODE #m +c")
        ana.expect("472", lambda m: m.params[1] == "c")
        # MODES=4: at most four changes with a parameter from one command.
        ana.send("MODE #m +bbbbb 1!*@* 2!*@* 3!*@* 4!*@* 5!*@*")
        ana.expect("MODE", params=["#m", "+bbbb", "1!*@*", "2!*@*", "3!*@*", "4!*@*"])
        self.assertEqual(ana.sync(), [])

    def test_casemapping_ascii(self):
        srv = self.irc_server()
        self.irc(srv, "Ana")
        other = self.irc(srv, label="other")
        other.send("NICK aNA")
        other.expect("433", params=["*", "aNA", "Nickname is already in use"])
        # ascii, not rfc1459: [ ] \ ~ are not the lower case of { } | ^.
        a = self.irc(srv, "a[b]\\~")
        b = self.irc(srv, "a{b}|^")
        a.send("ISON a{b}|^ A[B]\\~ nobody")
        a.expect("303", params=["a[b]\\~", "a{b}|^ a[b]\\~"])
        b.send("PRIVMSG A[B]\\~ :hola")
        self.assertEqual(a.expect("PRIVMSG").params, ["a[b]\\~", "hola"])


class Lusers(IrcCase):
    def test_counts_every_face_and_state(self):
        # hunter2's Argon2id hash, made at libsodium's least cost (charlad --hash-password).
        opers = self.file("boss $argon2id$v=19$m=8,t=1,p=1$MZ12hi0WC/WPgya/z5aXiQ$"
                          "8PEh5j3jm27oQHEUNKsfH3we2bl/BJ9DPb/pEBb0oxg\n")
        srv = self.irc_server("--oper-file", opers)
        nc = srv.client("carla")                            # a netcat user, in #lobby
        ana = self.irc(srv, "ana")
        bob = self.irc(srv, "bob")
        bob.send("MODE bob +i")
        bob.expect("MODE")
        ana.send("OPER boss hunter2")
        ana.expect("381")
        ana.expect("MODE")
        lurker = self.irc(srv, label="lurker")              # connected, never registered
        lurker.expect_silence()
        self.joined(ana, "#dev")
        ana.send("LUSERS")
        got = {m.command: m for m in [ana.expect(n) for n in
                                      ("251", "252", "253", "254", "255", "265", "266")]}
        self.assertEqual(got["251"].last, "There are 2 users and 1 invisible on 1 servers")
        self.assertEqual(got["252"].params[1:], ["1", "operator(s) online"])
        self.assertEqual(got["253"].params[1:], ["1", "unknown connection(s)"])
        self.assertEqual(got["254"].params[1:], ["2", "channels formed"])  # #lobby and #dev
        self.assertEqual(got["255"].last, "I have 3 clients and 0 servers")
        self.assertEqual(got["266"].params[1:3], ["3", "3"])
        nc.send("/quit")
        nc.expect_eof()
        ana.send("LUSERS")
        self.assertEqual(ana.wait_for("255").last, "I have 2 clients and 0 servers")


class Motd(IrcCase):
    def test_motd_from_file_in_the_burst_and_on_demand(self):
        text = "Bienvenidos a charla\r\n\nsegunda línea, ñandú\n" + "x" * 600 + "\n"
        srv = self.irc_server("--motd", self.file(text))
        ana = self.irc(srv, label="ana")
        burst = ana.register("ana")
        motd = burst[burst.index(next(m for m in burst if m.command == "375")):]
        self.assertEqual(nums(motd), ["375", "372", "372", "372", "372", "376"])
        self.assertIn(SERVER, motd[0].last)
        self.assertEqual([m.last for m in motd[1:4]],
                         ["- Bienvenidos a charla", "- ", "- segunda línea, ñandú"])
        self.assertTrue(motd[4].last.startswith("- xxxx"))  # cut to fit 512 bytes
        ana.send("MOTD")
        self.assertEqual([m.raw for m in [ana.readline() for _ in motd]], [m.raw for m in motd])
        self.assertEqual(ana.sync(), [])

    def test_no_motd_is_422(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana")
        ana.send("MOTD")
        ana.expect("422", params=["ana", "MOTD File is missing"])

    def test_unreadable_motd_file_is_refused_at_start(self):
        p = harness.run_charlad("--listen", "127.0.0.1:0", "--irc-listen", "127.0.0.1:0",
                                "--motd", "/nonexistent/motd.txt")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("cannot read --motd /nonexistent/motd.txt", p.stderr)


class Cap(IrcCase):
    def test_ls_302_lists_every_cap_and_implies_cap_notify(self):
        srv = self.irc_server()
        c = self.irc(srv, label="c")
        ls = c.cap_ls()
        self.assertEqual({cap.split("=")[0] for cap in ls}, set(ALL_CAPS))
        self.assertIn("sasl=PLAIN,EXTERNAL", ls)  # 302 shows values
        c.send("CAP LIST")
        c.expect("CAP", params=["*", "LIST", "cap-notify"])

    def test_ls_without_302_enables_nothing(self):
        srv = self.irc_server()
        c = self.irc(srv, label="c")
        c.send("CAP LS")
        self.assertEqual(set(c.expect("CAP", params=["*", "LS", None]).last.split()),
                         set(ALL_CAPS))
        c.send("CAP LIST")
        c.expect("CAP", params=["*", "LIST", ""])

    def test_req_is_all_or_nothing(self):
        srv = self.irc_server()
        c = self.irc(srv, label="c")
        c.send("CAP REQ :multi-prefix server-time")
        c.expect("CAP", params=["*", "ACK", "multi-prefix server-time"])
        c.send("CAP REQ :echo-message no-such-cap")
        c.expect("CAP", params=["*", "NAK", "echo-message no-such-cap"])
        c.send("CAP LIST")
        self.assertEqual(set(c.expect("CAP").last.split()), {"multi-prefix", "server-time"})
        c.send("CAP REQ :-server-time echo-message")
        c.expect("CAP", params=["*", "ACK", "-server-time echo-message"])
        c.send("CAP LIST")
        self.assertEqual(set(c.expect("CAP").last.split()), {"multi-prefix", "echo-message"})
        c.send("CAP FROB")
        c.expect("410", lambda m: m.params[1] == "FROB")

    def test_names_are_case_sensitive_and_302_keeps_cap_notify(self):
        srv = self.irc_server()
        c = self.irc(srv, label="c")
        c.send("CAP REQ :Multi-Prefix")
        c.expect("CAP", params=["*", "NAK", "Multi-Prefix"])
        c.cap_ls()
        c.send("CAP REQ :-cap-notify")          # a 302 client keeps it (the server MUST NOT drop it)
        c.expect("CAP", params=["*", "NAK", "-cap-notify"])
        c.send("CAP REQ :cap-notify")           # asking for it anyway is fine
        c.expect("CAP", params=["*", "ACK", "cap-notify"])
        c.send("CAP LIST")
        c.expect("CAP", params=["*", "LIST", "cap-notify"])
        # Without 302 it is a capability like the others.
        d = self.irc(srv, label="d")
        d.send("CAP REQ :cap-notify")
        d.expect("CAP", params=["*", "ACK", "cap-notify"])
        d.send("CAP REQ :-cap-notify")
        d.expect("CAP", params=["*", "ACK", "-cap-notify"])
        d.send("CAP LIST")
        d.expect("CAP", params=["*", "LIST", ""])

    def test_end_holds_registration(self):
        srv = self.irc_server()
        c = self.irc(srv, label="ana")
        c.cap_ls()
        c.send("NICK ana")
        c.send("USER ana 0 * :Ana")
        c.expect_silence()                   # no welcome while negotiating
        c.send("CAP REQ :server-time")
        c.expect("CAP", params=["*", "ACK", "server-time"])
        c.expect_silence()
        c.send("CAP END")
        c.expect("001")
        # A REQ alone (no LS) holds registration too.
        d = self.irc(srv, label="bob")
        d.send("NICK bob")
        d.send("CAP REQ :batch")
        d.send("USER bob 0 * :Bob")
        d.expect("CAP", params=["*", "ACK", "batch"])
        d.expect_silence()
        d.send("CAP END")
        d.expect("001", params=["bob", rx(r".* bob!~bob@127\.0\.0\.1")])

    def test_req_after_registration(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana")
        bob = self.irc(srv, "bob")
        self.joined(ana, "#x")
        self.joined(bob, "#x", ana)
        bob.send("AWAY :lunch")
        bob.expect("306")
        self.assertEqual(ana.sync(), [])     # no away-notify yet
        ana.send("CAP REQ away-notify")
        ana.expect("CAP", params=["ana", "ACK", "away-notify"])
        bob.send("AWAY")
        bob.expect("305")
        ana.expect("AWAY", lambda m: m.nick == "bob", params=[])


class Pass(IrcCase):
    def test_right_password_registers(self):
        srv = self.irc_server("--irc-password", "s3cret")
        self.irc(srv, "ana", password="s3cret")

    def test_wrong_or_missing_password_is_464_and_error(self):
        srv = self.irc_server("--irc-password", "s3cret")
        for label, pw in (("wrong", "guess"), ("none", None)):
            c = self.irc(srv, label=label)
            if pw:
                c.send("PASS " + pw)
            c.send("NICK " + label)
            c.send("USER %s 0 * :x" % label)
            c.expect("464", params=["*", "Password incorrect"])
            c.expect_error("Bad password")
        # The nick it held is free again.
        self.irc(srv, "wrong", password="s3cret")

    def test_pass_after_registration_is_462(self):
        srv = self.irc_server("--irc-password", "s3cret")
        ana = self.irc(srv, "ana", password="s3cret")
        ana.send("PASS s3cret")
        ana.expect("462")


class Nick(IrcCase):
    def test_taken_by_a_netcat_user_is_433(self):
        srv = self.irc_server()
        srv.client("ana")
        c = self.irc(srv, label="ana-irc")
        c.send("NICK ana")
        c.send("USER ana 0 * :Ana")
        c.expect("433", params=["*", "ana", "Nickname is already in use"])
        c.send("NICK ana2")
        c.expect("001", params=["ana2", rx(r".*ana2!~ana@127\.0\.0\.1")])

    def test_held_while_registering_so_netcat_cannot_take_it(self):
        srv = self.irc_server()
        c = self.irc(srv, label="irc")
        c.send("NICK zoe")
        c.expect_silence()
        nc = srv.client(label="nc")
        nc.expect(harness.GREETING)
        nc.expect(harness.PROMPT)
        nc.send("zoe")
        nc.expect("! The name zoe is taken; pick another.")
        c.send("USER zoe 0 * :Zoe")
        c.expect("001")

    def test_a_second_nick_before_registration_frees_the_first(self):
        srv = self.irc_server()
        c = self.irc(srv, label="c")
        c.send("NICK zoe")
        c.send("NICK zed")
        c.expect_silence()
        srv.client("zoe")                            # free again: a netcat user takes it
        other = self.irc(srv, label="other")
        other.send("NICK zed")                       # still held for c
        other.expect("433", params=["*", "zed", "Nickname is already in use"])
        c.send("USER zed 0 * :Zed")
        c.expect("001", params=["zed", rx(r".*zed!~zed@.*")])

    def test_erroneous_nicks_are_432(self):
        srv = self.irc_server()
        c = self.irc(srv, label="c")
        bad = ["-x", "#x", "/x", "[x", "+x", "*x", "!x", "@x", "a,b", "a:b", "server",
               "\u200bx", "n" * 33]
        for nick in bad:
            c.send("NICK " + nick)
            c.expect("432", params=["*", nick, "Erroneous nickname"])
        c.send("NICK")
        c.expect("431")
        c.send("NICK ok")
        c.send("USER ok 0 * :ok")
        c.expect("001")

    def test_mask_characters_in_nicks_are_432(self):
        # ! @ * ? make masks (nick!user@host, with * and ? as wildcards) ambiguous: no name,
        # whatever the face, may hold them.
        srv = self.irc_server()
        c = self.irc(srv, label="c")
        for nick in ("a!b", "a@b", "a*b", "a?b"):
            c.send("NICK " + nick)
            c.expect("432", params=["*", nick, "Erroneous nickname"])
        c.register("ok")
        for nick in ("a!b", "a@b", "a*b", "a?b"):
            c.send("NICK " + nick)
            c.expect("432", params=["ok", nick, "Erroneous nickname"])
        nc = srv.client(label="nc")
        nc.expect(harness.GREETING)
        nc.expect(harness.PROMPT)
        nc.send("x!y")
        nc.expect(rx(r"! Cannot use that name: .*"))

    def test_change_seen_by_irc_and_line_users(self):
        srv = self.irc_server()
        nc = srv.client("carla")
        ana = self.irc(srv, "ana")
        bob = self.irc(srv, "bob")
        self.joined(ana, "#lobby")
        nc.expect("[#lobby] -- ana joined")
        self.joined(bob, "#lobby", ana)
        nc.expect("[#lobby] -- bob joined")
        ana.send("NICK anita")
        ana.expect("NICK", lambda m: m.source == "ana!~ana@127.0.0.1", params=["anita"])
        bob.expect("NICK", lambda m: m.nick == "ana", params=["anita"])
        nc.expect("-- ana is now known as anita")
        # Taken (by the netcat user, in another case): 433; the nick stays.
        ana.send("NICK CARLA")
        ana.expect("433", params=["anita", "CARLA", "Nickname is already in use"])
        # A change of case alone is a change.
        ana.send("NICK Anita")
        ana.expect("NICK", params=["Anita"])
        bob.expect("NICK", params=["Anita"])
        nc.expect("-- anita is now known as Anita")
        nc.send("/msg Anita hola")
        ana.expect("PRIVMSG", lambda m: m.nick == "carla", params=["Anita", "hola"])


class Commands(IrcCase):
    def test_451_461_421_462(self):
        srv = self.irc_server()
        c = self.irc(srv, label="c")
        for line in ("JOIN #x", "PRIVMSG ana :hi", "WHOIS ana", "MODE #x", "LUSERS"):
            c.send(line)
            c.expect("451", params=["*", "You have not registered"])
        c.send("USER c")
        c.expect("461", params=["*", "USER", "Not enough parameters"])
        c.register("c")
        for cmd in ("JOIN", "KICK #x", "PART", "MODE", "OPER boss", "INVITE ana", "WHOIS",
                    "TOPIC", "KILL ana", "WALLOPS", "SETNAME", "ISON", "USERHOST", "WHOWAS"):
            c.send(cmd)
            c.expect("461", params=["c", cmd.split()[0], "Not enough parameters"])
        c.send("FROBNICATE now")
        c.expect("421", params=["c", "FROBNICATE", "Unknown command"])
        # A word no IRC command could be (not letters, not three digits) is unknown too.
        c.send("NO_SUCH-CMD 1")
        c.expect("421", params=["c", "NO_SUCH-CMD", "Unknown command"])
        c.send("USER again 0 * :x")
        c.expect("462")
        # Commands are case-insensitive; a bare LF ends a line too.
        c.send_raw(b"ping :lower\n")
        c.expect("PONG", params=[SERVER, "lower"])


class Quit(IrcCase):
    def test_reason_seen_by_irc_and_line_users(self):
        srv = self.irc_server()
        nc = srv.client("carla")
        ana = self.irc(srv, "ana")
        bob = self.irc(srv, "bob")
        self.joined(ana, "#lobby")
        nc.expect("[#lobby] -- ana joined")
        self.joined(bob, "#lobby", ana)
        nc.expect("[#lobby] -- bob joined")
        ana.send("QUIT :hasta luego")
        err = ana.expect_error()
        self.assertEqual(err.last, "Closing Link: ana (Quit: hasta luego)")
        bob.expect("QUIT", lambda m: m.source == "ana!~ana@127.0.0.1",
                   params=["Quit: hasta luego"])
        nc.expect("-- ana quit (Quit: hasta luego)")
        bob.send("QUIT")
        bob.expect_error("Client Quit")
        nc.expect("-- bob quit (Client Quit)")

    def test_closing_the_socket_is_a_quit(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana")
        bob = self.irc(srv, "bob")
        self.joined(ana, "#x")
        self.joined(bob, "#x", ana)
        bob.close()
        ana.expect("QUIT", lambda m: m.nick == "bob", params=["Connection closed"])


class Ping(IrcCase):
    def test_client_ping_gets_pong(self):
        srv = self.irc_server()
        c = self.irc(srv, label="c")
        c.send("PING :before registration")
        c.expect("PONG", params=[SERVER, "before registration"])
        c.register("c")
        c.send("PING token")
        c.expect("PONG", params=[SERVER, "token"])

    def test_silent_client_is_pinged_then_dropped(self):
        srv = self.irc_server("--irc-ping", "1", "--irc-ping-timeout", "1")
        nc = srv.client("carla")             # a netcat user: IRC's pings are not its business
        ana = self.irc(srv, "ana")
        self.joined(ana, "#lobby")
        nc.expect("[#lobby] -- ana joined")
        ana.expect("PING", params=[SERVER])
        err = ana.expect_error("Ping timeout")
        self.assertRegex(err.last, r"Closing Link: ana \(Ping timeout: \d+ seconds\)")
        nc.expect(rx(r"-- ana quit \(Ping timeout: \d+ seconds\)"))

    def test_client_that_answers_stays(self):
        srv = self.irc_server("--irc-ping", "1", "--irc-ping-timeout", "1")
        ana = self.irc(srv, "ana")
        for _ in range(3):
            ana.expect("PING", params=[SERVER])
            ana.send("PONG :" + SERVER)
        ana.send("PING :still here")
        while True:
            m = ana.readline()
            if m.command == "PING":
                ana.send("PONG :" + SERVER)
                continue
            self.assertEqual(m.command, "PONG")
            self.assertEqual(m.last, "still here")
            break

    def test_registration_timeout(self):
        srv = self.irc_server("--name-timeout", "1")
        silent = self.irc(srv, label="silent")
        half = self.irc(srv, label="half")
        half.send("NICK half")
        silent.expect_error("Registration timeout")
        half.expect_error("Registration timeout")
        # A client that registers in time is not affected.
        self.irc(srv, "quick").expect_silence()


class Queue(IrcCase):
    def test_registration_waits_for_a_slot(self):
        srv = self.irc_server("--max-clients", "1", "--max-queue", "1")
        nc = srv.client("carla")
        q = self.irc(srv, label="queued")
        q.expect("NOTICE", params=["*", "The server is full; you are number 1 in the queue."])
        q.send("NICK queued")                        # read once admitted
        q.send("USER q 0 * :Q")
        full = self.irc(srv, label="full")           # the queue is full too
        self.assertEqual([m.raw for m in full.expect_eof()],
                         ["ERROR :Closing Link: the server is full"])
        nc.send("/quit")
        nc.expect_eof()
        q.expect("001", params=["queued", rx(r".* queued!~q@127\.0\.0\.1")])

    def test_unregistered_client_leaving_is_no_news(self):
        srv = self.irc_server()
        nc = srv.client("carla")
        c = self.irc(srv, label="c")
        c.send("NICK pepe")
        c.send("QUIT :me arrepentí")
        c.expect_error("me arrepentí")
        self.assertEqual(nc.sync(), [])
        self.irc(srv, "pepe")                        # the nick it held is free


class Shutdown(IrcCase):
    def test_sigterm_sends_error_to_every_irc_client(self):
        srv = self.irc_server()
        ana = self.irc(srv, "ana")
        self.joined(ana, "#x")
        unregistered = self.irc(srv, label="unregistered")
        unregistered.expect_silence()
        nc = srv.client("carla")
        srv.terminate(signal.SIGTERM)
        ana.expect_error("Server shutting down")
        unregistered.expect_error("Server shutting down")
        nc.expect_eof()
        srv.stop()


if __name__ == "__main__":
    harness.main()
