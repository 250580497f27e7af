"""Accounts from IRC (src/face/irc/irc_auth.c, irc_sasl.c, the accounts bridge): SASL PLAIN
before and after registration, its chunks and its refusals (904, 905, 906, 907, 908), EXTERNAL
without a certificate, NickServ IDENTIFY with 900, the name protection notice, account-notify,
extended-join and account-tag seen by an observer, WHOIS 330, and SASL over WebSocket. The
password appears in no log and no other client's lines. Run as
`python3 test_server_irc_sasl.py /path/to/charlad`."""

import base64
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from irc_helpers import IrcCase  # noqa: E402
from ws_client import WebSocket  # noqa: E402

PASSWORD = "sésamo-irc-4417"


def plain(authcid, password, authzid=""):
    return base64.b64encode(b"\0".join([authzid.encode(), authcid.encode(),
                                        password.encode()])).decode()


class Sasl(IrcCase):
    def registered_account(self, srv, nick="ana"):
        """An account made over NickServ (as irctest's controller makes them), then a QUIT."""
        c = self.irc(srv, nick)
        c.send("PRIVMSG NickServ :REGISTER %s" % PASSWORD)
        c.expect("900", params=[nick, "%s!~%s@127.0.0.1" % (nick, nick), nick, None])
        c.expect("NOTICE", lambda m: m.nick == "NickServ" and "Account created" in m.last)
        c.send("QUIT")
        c.expect_eof()

    def test_plain_before_registration(self):
        srv = self.irc_server()
        self.registered_account(srv)
        c = self.irc(srv)
        c.send("CAP LS 302")
        ls = c.expect("CAP", lambda m: m.params[1] == "LS")
        self.assertIn("sasl=PLAIN,EXTERNAL", ls.last.split())
        c.send("CAP REQ :sasl")
        c.expect("CAP", params=["*", "ACK", "sasl"])
        c.send("NICK other")
        c.send("USER u 0 * :U")
        c.send("AUTHENTICATE PLAIN")
        c.expect("AUTHENTICATE", params=["+"])
        c.send("AUTHENTICATE " + plain("ana", PASSWORD))
        c.expect("900", params=["*", "*!~u@127.0.0.1", "ana", "You are now logged in as ana"])
        c.expect("903", params=["*", "SASL authentication successful"])
        c.send("AUTHENTICATE PLAIN")
        c.expect("907")
        c.send("CAP END")
        c.expect("001")
        c.send("WHOIS other")
        c.wait_for("330", params=["other", "other", "ana", "is logged in as"])
        self.assertNotIn(PASSWORD, srv.log_text())

    def test_refusals(self):
        srv = self.irc_server()
        self.registered_account(srv)
        c = self.irc(srv)
        c.send("CAP REQ :sasl")
        c.expect("CAP")
        c.send("AUTHENTICATE PLAIN")
        c.expect("AUTHENTICATE", params=["+"])
        c.send("AUTHENTICATE " + plain("ana", "millet"))
        c.expect("904", params=["*", "SASL authentication failed"])
        c.send("AUTHENTICATE SCRAM-SHA-256")
        c.expect("908", params=["*", "PLAIN,EXTERNAL", "are available SASL mechanisms"])
        c.expect("904")
        c.send("AUTHENTICATE PLAIN")
        c.expect("AUTHENTICATE", params=["+"])
        c.send("AUTHENTICATE " + "A" * 450)  # over a chunk, within a line
        c.expect("905", params=["*", "SASL message too long"])
        c.send("AUTHENTICATE PLAIN")
        c.expect("AUTHENTICATE", params=["+"])
        c.send("AUTHENTICATE *")
        c.expect("906")
        c.send("AUTHENTICATE PLAIN")
        c.expect("AUTHENTICATE", params=["+"])
        c.send("AUTHENTICATE !!!notbase64")
        c.expect("904")
        c.send("AUTHENTICATE PLAIN")
        c.expect("AUTHENTICATE", params=["+"])
        c.send("AUTHENTICATE " + plain("ana", PASSWORD, authzid="bob"))
        c.expect("904")
        # EXTERNAL on a plain connection: no certificate to log in with (test_server_tls.py
        # logs in with one).
        c.send("AUTHENTICATE EXTERNAL")
        c.expect("AUTHENTICATE", params=["+"])
        c.send("AUTHENTICATE +")
        c.expect("904")
        # CAP END in the middle of an exchange aborts it.
        c.send("AUTHENTICATE PLAIN")
        c.expect("AUTHENTICATE", params=["+"])
        c.send("NICK x")
        c.send("USER x 0 * :x")
        c.send("CAP END")
        c.expect("906")
        c.expect("001")

    def test_chunks_and_after_registration(self):
        srv = self.irc_server()
        long_pw = "x" * 400  # a REGISTER line holds it; its SASL message takes two chunks
        c = self.irc(srv, "longpw")
        c.send("PRIVMSG NickServ :REGISTER " + long_pw)
        c.wait_for("NOTICE", lambda m: "Account created" in m.last)
        c.send("QUIT")
        c.expect_eof()
        d = self.irc(srv, "dan", caps=["sasl"])
        msg = plain("longpw", long_pw)
        self.assertGreater(len(msg), 400)
        d.send("AUTHENTICATE PLAIN")
        d.expect("AUTHENTICATE", params=["+"])
        for i in range(0, len(msg), 400):
            d.send("AUTHENTICATE " + msg[i:i + 400])
        if len(msg) % 400 == 0:
            d.send("AUTHENTICATE +")
        d.expect("900", params=["dan", "dan!~dan@127.0.0.1", "longpw", None])
        d.expect("903")

    def test_observer_sees_account_notify_extended_join_account_tag(self):
        srv = self.irc_server()
        self.registered_account(srv)
        obs = self.irc(srv, "obs", caps=["account-notify", "extended-join", "account-tag",
                                         "message-tags"])
        self.joined(obs, "#room")
        ana = self.irc(srv, "ana")
        ana.wait_for("NOTICE", lambda m: "is registered to an account" in m.last)
        self.joined(ana, "#room", obs)
        # Not logged in yet: extended-join says "*".
        ana.send("PRIVMSG NickServ :IDENTIFY %s" % PASSWORD)
        ana.expect("900", params=["ana", "ana!~ana@127.0.0.1", "ana", None])
        ana.expect("NOTICE", lambda m: m.nick == "NickServ")
        obs.expect("ACCOUNT", lambda m: m.nick == "ana", params=["ana"])
        ana.send("PRIVMSG #room :hola")
        m = obs.expect("PRIVMSG", params=["#room", "hola"])
        self.assertEqual(m.tags.get("account"), "ana")
        ana.send("PART #room")
        obs.expect("PART")
        ana.send("JOIN #room")
        obs.expect("JOIN", params=["#room", "ana", "Real ana"])
        ana.send("PRIVMSG NickServ :LOGOUT")
        obs.expect("ACCOUNT", lambda m: m.nick == "ana", params=["*"])
        ana.wait_for("901", params=["ana", "ana!~ana@127.0.0.1", "You are now logged out"])
        for line in obs.history:
            self.assertNotIn(PASSWORD, line.raw)

    def test_nick_of_an_account_is_warned_then_renamed(self):
        srv = self.irc_server("--name-grace", "1")
        self.registered_account(srv)
        m = self.irc(srv, "ana")
        m.wait_for("NOTICE", lambda x: "is registered to an account" in x.last and "1 s" in x.last)
        m.wait_for("NICK", lambda x: x.nick == "ana" and x.last.startswith("Guest"), timeout=5)

    def test_nick_of_an_account_refused_with_no_grace(self):
        srv = self.irc_server("--name-grace", "0")
        self.registered_account(srv, "ana")
        c = self.irc(srv, "bob")
        c.send("NICK ana")
        c.expect("433", params=["bob", "ana", None])

    def test_owner_takes_its_nick_with_sasl_and_no_grace(self):
        # Clients send NICK before AUTHENTICATE: the owner check waits for the end of
        # registration, when the SASL answer is in.
        srv = self.irc_server("--name-grace", "0")
        self.registered_account(srv, "ana")
        c = self.irc(srv)
        c.send("CAP LS 302")
        c.expect("CAP", lambda m: m.params[1] == "LS")
        c.send("CAP REQ :sasl")
        c.expect("CAP", params=["*", "ACK", "sasl"])
        c.send("NICK ana")
        c.send("USER u 0 * :U")
        c.send("AUTHENTICATE PLAIN")
        c.expect("AUTHENTICATE", params=["+"])
        c.send("AUTHENTICATE " + plain("ana", PASSWORD))
        c.expect("900", params=["*", "*!~u@127.0.0.1", "ana", None])
        c.expect("903")
        c.send("CAP END")
        c.expect("001", params=["ana", None])
        # Without SASL the name is still refused, and another one completes registration.
        d = self.irc(srv)
        d.send("NICK Ana")
        d.send("USER v 0 * :V")
        d.expect("433", params=["*", "Ana", None])
        d.send("NICK vera")
        d.expect("001", params=["vera", None])

    def test_sasl_over_websocket(self):
        srv = self.irc_server("--http-listen", "127.0.0.1:0")
        self.registered_account(srv)
        ws = WebSocket.connect("ws://127.0.0.1:%d/ws" % srv.http_port,
                               protocols=["text.ircv3.net"])
        try:
            ws.send_text("CAP REQ :sasl")
            self.assertIn("ACK", ws.recv_text())
            ws.send_text("AUTHENTICATE PLAIN")
            self.assertTrue(ws.recv_text().endswith("AUTHENTICATE +"))
            ws.send_text("AUTHENTICATE " + plain("ana", PASSWORD))
            self.assertIn(" 900 * ", ws.recv_text())
            self.assertIn(" 903 * ", ws.recv_text())
        finally:
            ws.close()


if __name__ == "__main__":
    harness.main()
