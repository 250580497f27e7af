"""charlad's web page in a real browser (headless Chromium over the DevTools protocol, see
browser.py): a student opens the page, gives a name and chats in #lobby with netcat, IRC and
the assistant; private conversations, renames, Spanish, a phone-sized screen, the keyboard,
the server view, and reconnection after charlad restarts. Every test also checks that the
page logged no error and broke no rule of the Content-Security-Policy.

Run: python3 test_server_web_browser.py /path/to/charlad

The page is served by charlad's web face (`--http-listen`), whose WebSocket the IRC face takes.
"""

import json
import os
import re
import shutil
import socket
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "fakes"))
import browser  # noqa: E402
import harness  # noqa: E402
from harness import rx  # noqa: E402
from irc_helpers import IrcClient  # noqa: E402

LOG = "document.querySelector('.log:not([hidden])')"

for _k in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CHARLA_AI_MODEL"):
    os.environ.pop(_k, None)

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def js(value):
    return json.dumps(value)


class WebCase(browser.BrowserCase):
    def setUp(self):
        super().setUp()
        if not browser.available():
            self.fail("no Chromium: scripts/deps installs Debian's chromium")

    # ---- servers ----

    def web_server(self, *flags, http_port=0, irc_port=0):
        """charlad with its web page (and IRC, for IRC users); returns (srv, base URL)."""
        flags = ["--irc-listen", "127.0.0.1:%d" % irc_port, "--irc-flood", "0"] + list(flags)
        srv = self.server("--http-listen", "127.0.0.1:%d" % http_port, *flags)
        port = self.http_port(srv)
        srv.web_flags = flags
        srv.web_port = port
        return srv, "http://127.0.0.1:%d/" % port

    def http_port(self, srv):
        port = getattr(srv, "http_port", None)
        if port:
            return port
        m = re.search(r"listening on 127\.0\.0\.1:(\d+) \(http\)", srv.log_text())
        if not m:
            self.fail("no http port in charlad's log:\n" + srv.log_text())
        return int(m.group(1))

    def restart(self, srv, *flags):
        """Stops charlad and starts it again on the same ports (the page's URL stays)."""
        srv.stop()
        keep = [f for f in srv.web_flags if not f.startswith("127.0.0.1:")]
        i = keep.index("--irc-listen")
        keep[i + 1:i + 1] = ["127.0.0.1:%d" % srv.irc_port]
        return self.server("--http-listen", "127.0.0.1:%d" % srv.web_port, *keep, *flags)

    # ---- the page ----

    def open(self, url, name=None, **kw):
        page = self.page(url, **kw)
        if name:
            self.login(page, name)
        return page

    def login(self, page, name):
        page.wait("document.activeElement && document.activeElement.id === 'name-input'", what="the name prompt focused")
        page.eval("document.querySelector('#name-input').value = ''")
        page.insert_text(name)
        page.press("Enter")
        page.wait("!document.querySelector('#chat').hidden && document.querySelector('#buf-title').textContent === '#lobby'"
                  " && %s && %s.innerText.length > 0" % (LOG, LOG), what="%s in #lobby" % name)

    def say(self, page, text):
        page.focus("#input")
        page.insert_text(text)
        page.press("Enter")

    def wait_log(self, page, text, timeout=None):
        page.wait("%s && %s.innerText.includes(%s)" % (LOG, LOG, js(text)), timeout=timeout,
                  what="%r in the log of %s" % (text, self.title(page)))

    def title(self, page):
        return page.eval("document.querySelector('#buf-title').textContent")

    def members(self, page):
        return page.eval("[...document.querySelectorAll('#member-list .member')].map(e => e.querySelector('.prefix').textContent + e.querySelector('.nick').textContent)")

    def wait_members(self, page, want):
        """Waits until the member list (prefix + name, in the page's order) is `want`."""
        page.wait("JSON.stringify([...document.querySelectorAll('#member-list .member')].map(e =>"
                  " e.querySelector('.prefix').textContent + e.querySelector('.nick').textContent)) === %s" % js(json.dumps(want, separators=(",", ":"), ensure_ascii=False)),
                  what="members %r (have %r)" % (want, self.members(page)))

    def visible(self, page, selector):
        return page.eval("""(() => { const e = document.querySelector(%s); if (!e) return false;
            const r = e.getBoundingClientRect(), s = getComputedStyle(e);
            return s.visibility !== 'hidden' && s.display !== 'none' && r.width > 0 && r.right > 0 && r.left < innerWidth; })()"""
                         % js(selector))


class Chat(WebCase):
    def test_join_chat_with_netcat_and_irc_users_text_stays_text(self):
        srv, url = self.web_server("--no-ai")
        page = self.open(url)
        # The page and its rules come from charlad itself.
        head = page.eval("fetch('/').then(r => ({csp: r.headers.get('content-security-policy'), type: r.headers.get('content-type')}))")
        self.assertIn("default-src 'self'", head["csp"])
        self.assertTrue(head["type"].startswith("text/html"), head)
        self.login(page, "ana")
        self.wait_log(page, "You joined #lobby")
        bob = srv.client("bob")
        self.wait_members(page, ["ana", "bob"])
        bob.send("hola ana, ¿qué tal?")
        self.wait_log(page, "hola ana, ¿qué tal?")
        # A line naming us stands out; its author's name is coloured.
        self.assertTrue(page.eval("!!%s.querySelector('.text.hl')" % LOG))
        self.assertRegex(page.eval("%s.querySelector('.msg .nick').className" % LOG), r"nick nick-c\d+")
        self.say(page, "hi bob")
        bob.wait_for("[#lobby] ana: hi bob")
        self.say(page, "/me waves")
        bob.wait_for("[#lobby] * ana waves")
        bob.send("/me waves back")
        self.wait_log(page, "* bob waves back")
        # Markup from others is text; IRC formatting codes are stripped.
        bob.send('<img src=x onerror="document.title=1"><b>bold</b>')
        self.wait_log(page, '<img src=x onerror="document.title=1"><b>bold</b>')
        self.assertEqual(page.eval("%s.querySelectorAll('img, b').length" % LOG), 0)
        carol = IrcClient(srv.irc_port, label="carol")
        self.addCleanup(carol.close)
        carol.register("carol")
        carol.send("JOIN #lobby")
        carol.wait_for("366")
        carol.send("PRIVMSG #lobby :\x02negrita\x02 y \x0304,01rojo\x03\x0f fin")
        self.wait_log(page, "negrita y rojo fin")
        # Tab completes a name: "name: " at the start of a line.
        page.focus("#input")
        page.insert_text("ca")
        page.press("Tab")
        self.assertEqual(page.eval("document.querySelector('#input').value"), "carol: ")
        page.press("Enter")
        page.assert_clean()

    def test_refused_names_are_explained(self):
        srv, url = self.web_server()  # with the assistant, whose name is taken
        bob = srv.client("bob")
        page = self.open(url)
        page.wait("document.activeElement.id === 'name-input'")
        page.insert_text("bad:name")
        page.press("Enter")
        page.wait("document.querySelector('#login-error').innerText.includes('cannot contain')", what="the rule")
        err = page.text("#login-error")
        self.assertIn("1 to 32 characters", err)
        for taken in ("bob", "GPT"):
            page.eval("document.querySelector('#name-input').select()")
            page.insert_text(taken)
            page.press("Enter")
            page.wait("document.querySelector('#login-error').innerText.includes('is taken')", what="%s taken" % taken)
            self.assertIn("the name %s is taken" % taken.lower(), page.text("#login-error").lower())
            page.eval("document.querySelector('#login-error').textContent = ''")
        self.login(page, "ana")
        bob.wait_for("[#lobby] -- ana joined")
        # The assistant is a member like the others.
        self.wait_members(page, ["ana", "bob", "gpt"])
        page.assert_clean()

    def test_registered_name_logs_in_with_its_password(self):
        """The name prompt's password logs in with SASL PLAIN: a wrong one is told at the prompt
        and nothing is joined; the right one joins #lobby logged in to the account (WHOIS 330
        for an IRC user), and the password appears in no one's lines and no log."""
        password = "clave-del-navegador-3301"
        srv, url = self.web_server("--no-ai")
        owner = srv.client("ana")
        owner.send("/register %s" % password)
        owner.expect("* Your name ana is registered: you own it and are logged in.")
        owner.send("/quit")
        watcher = srv.client("bob")
        page = self.open(url)
        page.wait("document.activeElement.id === 'name-input'")
        page.insert_text("ana")
        page.focus("#password-input")
        page.insert_text("not-the-password")
        page.press("Enter")
        page.wait("document.querySelector('#login-error').innerText.includes('Wrong password')",
                  what="the wrong password told")
        self.assertFalse(page.eval("document.querySelector('#login').hidden"))
        page.eval("document.querySelector('#password-input').value = ''")
        page.focus("#password-input")
        page.insert_text(password)
        page.press("Enter")
        page.wait("!document.querySelector('#chat').hidden && document.querySelector('#buf-title').textContent === '#lobby'",
                  what="ana in #lobby")
        watcher.wait_for("[#lobby] -- ana joined")
        irc = IrcClient(srv.irc_port, label="cid")
        srv.clients.append(irc)
        irc.register("cid")
        irc.send("WHOIS ana")
        irc.wait_for("330", lambda m: m.params[1:3] == ["ana", "ana"])
        # The password was never shown, logged or stored in the page's storage.
        self.assertNotIn(password, srv.log_text())
        self.assertNotIn(password, page.eval("JSON.stringify(Object.assign({}, localStorage))"))
        watcher.send("/who")
        self.assertNotIn(password, "\n".join(watcher.sync()))
        page.assert_clean()

    def test_private_conversation_rename_and_leaving(self):
        srv, url = self.web_server("--no-ai")
        page = self.open(url, "ana")
        bob = srv.client("bob")
        page.wait("document.querySelector('#member-list').innerText.includes('bob')")
        bob.send("/msg ana psst, ana")
        page.wait("document.querySelector('#query-tabs .tab .badge')", what="an unread mark on bob's conversation")
        label = page.eval("document.querySelector('#query-tabs .tab').getAttribute('aria-label')")
        self.assertIn("bob", label)
        self.assertIn("1 message for you", label)
        page.click("#query-tabs .tab")
        self.assertEqual(self.title(page), "bob")
        self.wait_log(page, "psst, ana")
        self.assertFalse(page.exists("#query-tabs .tab .badge"))
        self.say(page, "hola bob")
        bob.wait_for("[pm] ana: hola bob")
        # Clicking a member opens the conversation with them.
        page.press("ArrowUp", ["Alt"])
        self.assertEqual(self.title(page), "#lobby")
        page.click("#member-list button.member")
        self.assertEqual(self.title(page), "bob")
        self.say(page, "/nick anita")
        bob.wait_for("-- ana is now known as anita")
        page.wait("document.querySelector('#status').textContent.includes('anita')", what="the new name in the status")
        # Rooms: join with the form, leave with the button.
        page.press("ArrowUp", ["Alt"])
        page.type("#join-input", "dev")
        page.press("Enter")
        page.wait("document.querySelector('#buf-title').textContent === '#dev'", what="#dev")
        self.wait_members(page, ["@anita"])
        page.click("#leave-button")
        page.wait("document.querySelector('#buf-title').textContent === '#lobby'", what="back in #lobby")
        self.assertNotIn("#dev", page.text("#room-tabs"))
        page.assert_clean()


    def test_quit_and_enter_again(self):
        srv, url = self.web_server("--no-ai")
        bob = srv.client("bob")
        page = self.open(url, "ana")
        self.say(page, "hasta luego")
        self.say(page, "/quit me voy")
        bob.wait_for("-- ana quit (Quit: me voy)")
        page.wait("document.querySelector('#banner').innerText.includes('You left the chat.')", what="the goodbye")
        page.click("#banner-action")
        page.wait("!document.querySelector('#login').hidden", what="the name prompt")
        self.assertEqual(page.eval("document.querySelector('#name-input').value"), "ana")
        page.press("Enter")
        page.wait("!document.querySelector('#chat').hidden && document.querySelector('#buf-title').textContent === '#lobby'")
        bob.wait_for("[#lobby] -- ana joined")
        self.wait_log(page, "You joined #lobby")
        # A new start: nothing of the last session is left on the page, but what the server's
        # history gives back as history (marked so).
        live = page.eval("[...document.querySelectorAll('#logs .msg:not(.history), #logs .event')]"
                         ".map(e => e.innerText).join('\\n')")
        self.assertNotIn("hasta luego", live)
        page.assert_clean()


class History(WebCase):
    """Earlier messages (draft/chathistory, web/history.js) with charlad keeping history."""

    def texts(self, page):
        return page.eval("[...%s.querySelectorAll('.msg .text')].map(e => e.textContent)" % LOG)

    def test_earlier_messages_load_above_once_and_keep_the_view(self):
        data = tempfile.mkdtemp(prefix="charla-web-history-")
        self.addCleanup(shutil.rmtree, data, True)
        srv, url = self.web_server("--no-ai", "--data-dir", data)
        bob, eve = srv.client("bob"), srv.client("eve")
        for i in range(60):
            bob.send("old %02d" % i)
        eve.wait_for("[#lobby] bob: old 59")
        page = self.open(url, "ana")
        # On join the page asks for the last 50 itself: history, then the mark, then live.
        self.wait_log(page, "old 59")
        self.wait_log(page, "from here on, live")
        self.assertEqual(self.texts(page), ["old %02d" % i for i in range(10, 60)])
        self.assertEqual(page.count(".log:not([hidden]) .msg.history .text"), 50)
        order = page.eval("%s.innerText" % LOG)
        self.assertLess(order.index("old 59"), order.index("from here on, live"))
        self.assertLess(order.index("from here on, live"), order.index("You joined #lobby"))
        # The button, from the keyboard: the ten older lines go above, the view stays put.
        page.focus(".log:not([hidden]) .earlier")  # which scrolls the log to its top
        keep = page.eval("%s.scrollHeight - %s.scrollTop" % (LOG, LOG))
        page.press("Enter")
        self.wait_log(page, "old 00")
        self.assertEqual(self.texts(page), ["old %02d" % i for i in range(60)])
        self.assertLessEqual(abs(page.eval("%s.scrollHeight - %s.scrollTop" % (LOG, LOG)) - keep), 2)
        # Fewer than asked came: nothing older, no button.
        page.wait("%s.querySelector('.earlier').hidden" % LOG, what="the button gone")
        # Live lines go below, once.
        bob.send("new one")
        self.wait_log(page, "new one")
        self.assertEqual(self.texts(page), ["old %02d" % i for i in range(60)] + ["new one"])
        page.assert_clean()


class Assistant(WebCase):
    def test_answers_arrive_line_by_line_in_one_block(self):
        from fake import FakeOpenAI
        fake = FakeOpenAI()
        self.addCleanup(fake.stop)
        srv, url = self.web_server("--ai-url", fake.url, "--ai-rate", "0")
        page = self.open(url, "ana")
        bob = srv.client("bob")
        self.say(page, "gpt: [[slow 150]] [[say Un socket es\\nun extremo\\nde una conexión.]]")
        blocks = "[...%s.querySelectorAll('.msg.bot')]" % LOG
        first = page.wait("(() => { const b = %s.at(-1); return b && b.querySelectorAll('.text').length; })()" % blocks,
                          what="the first line of the answer")
        self.assertLess(first, 3, "the answer should appear line by line, not at once")
        page.wait("%s.at(-1).querySelectorAll('.text').length === 3" % blocks, what="three lines in one block")
        texts = page.eval("[...%s.at(-1).querySelectorAll('.text')].map(p => p.textContent)" % blocks)
        self.assertEqual(texts, ["ana: Un socket es", "un extremo", "de una conexión."])
        self.assertEqual(page.eval("%s.length" % blocks), 1)
        self.assertIn("bot", page.eval("%s.at(-1).querySelector('.bot-badge').textContent" % blocks).lower())
        bob.wait_for("[#lobby] gpt: de una conexión.")
        # Privately: its own conversation.
        self.say(page, "/msg gpt [[say uno\\ndos]]")
        page.wait("document.querySelector('#buf-title').textContent === 'gpt'")
        answer = page.wait("(() => { const b = %s.querySelector('.msg.bot'); return b && b.querySelectorAll('.text').length === 2 &&"
                           " [...b.querySelectorAll('.text')].map(p => p.textContent); })()" % LOG, what="the private answer")
        self.assertEqual(answer, ["uno", "dos"])
        page.assert_clean()


class Language(WebCase):
    def test_spanish_from_the_browser_and_the_switch_persists(self):
        srv, url = self.web_server("--no-ai")
        page = self.open(url, lang="es-ES")
        page.wait("document.querySelector('#login h2').textContent === 'Entra en el chat'", what="Spanish")
        self.assertEqual(page.eval("document.documentElement.lang"), "es")
        self.login(page, "ana")
        self.wait_log(page, "Has entrado en #lobby")
        self.assertEqual(page.text("#stats-open"), "Servidor")
        self.assertIn("Conectado como ana", page.text("#status"))
        page.click(".lang-button[data-lang=en]")
        self.wait_log(page, "You joined #lobby")
        self.assertEqual(page.eval("document.documentElement.lang"), "en")
        self.assertEqual(page.eval("document.querySelector('.lang-button[data-lang=en]').getAttribute('aria-pressed')"), "true")
        page.reload()
        page.wait("document.querySelector('#login h2').textContent === 'Join the chat'", what="English after reload")
        page.click(".lang-button[data-lang=es]")
        self.assertEqual(page.text("#login h2"), "Entra en el chat")
        page.assert_clean()


class Reconnection(WebCase):
    def test_back_in_the_same_rooms_after_charlad_restarts(self):
        srv, url = self.web_server("--no-ai")
        page = self.open(url, "ana")
        self.say(page, "/join #dev")
        page.wait("document.querySelector('#buf-title').textContent === '#dev'")
        srv.stop()
        page.wait("!document.querySelector('#banner').hidden && document.querySelector('#banner').innerText.includes('Reconnecting')",
                  what="the page saying it reconnects")
        t0 = time.monotonic()
        srv2 = self.restart(srv)
        page.wait("document.querySelector('#banner').innerText.includes('Reconnected. You are back in #lobby and #dev.')",
                  timeout=20, what="back in both rooms")
        sys.stderr.write("  (back %.1f s after charlad restarted) " % (time.monotonic() - t0))
        self.wait_log(page, "You are back in #dev")
        bob = srv2.client("bob")
        bob.send("/join #dev")
        bob.wait_for(rx(r"\* You joined #dev \(2 members\)\."))
        self.say(page, "still here")
        bob.wait_for("[#dev] ana: still here")
        page.assert_clean()


class Screens(WebCase):
    def test_phone_sized_screen(self):
        srv, url = self.web_server("--no-ai")
        page = self.open(url, width=390, height=844, mobile=True)
        self.login(page, "ana")
        self.assertFalse(self.visible(page, "#side"), "the side panel starts folded")
        self.assertLessEqual(page.eval("document.documentElement.scrollWidth"), 390, "nothing wider than the screen")
        self.assertTrue(self.visible(page, "#input"))
        bob = srv.client("bob")
        bob.send("/join #dev")
        bob.send("/msg ana hola")
        page.wait("document.querySelector('#panel-unread') && !document.querySelector('#panel-unread').hidden", what="the unread dot")
        page.click("#panel-toggle")
        page.wait("getComputedStyle(document.querySelector('#side')).visibility === 'visible'", what="the panel open")
        self.assertEqual(page.eval("document.querySelector('#panel-toggle').getAttribute('aria-expanded')"), "true")
        page.click("#query-tabs .tab")
        page.wait("getComputedStyle(document.querySelector('#side')).visibility === 'hidden'", what="the panel folded again")
        self.assertEqual(self.title(page), "bob")
        self.say(page, "hola desde el móvil")
        bob.wait_for("[pm] ana: hola desde el móvil")
        # Alt+Down: bob -> the server's messages -> #lobby.
        page.press("ArrowDown", ["Alt"])
        page.press("ArrowDown", ["Alt"])
        self.assertEqual(self.title(page), "#lobby")
        page.click("#members-toggle")
        page.wait("getComputedStyle(document.querySelector('#members')).visibility === 'visible'", what="the members")
        page.press("Escape")
        page.wait("getComputedStyle(document.querySelector('#members')).visibility === 'hidden'")
        self.assertLessEqual(page.eval("document.documentElement.scrollWidth"), 390)
        page.assert_clean()

    def test_keyboard_switcher_focus_and_the_server_view(self):
        srv, url = self.web_server("--no-ai")
        page = self.open(url, "ana")
        self.say(page, "/join #dev")
        page.wait("document.querySelector('#buf-title').textContent === '#dev'")
        page.press("k", ["Control"])
        page.wait("document.querySelector('#switcher').open", what="the switcher")
        page.insert_text("lob")
        page.press("Enter")
        page.wait("document.querySelector('#buf-title').textContent === '#lobby'", what="#lobby by Ctrl+K")
        self.assertEqual(page.eval("document.activeElement.id"), "input")
        # Keyboard focus is visible.
        page.press("Tab")
        self.assertNotEqual(page.eval("getComputedStyle(document.activeElement).outlineStyle"), "none")
        # Every control has a name.
        unnamed = page.eval("""[...document.querySelectorAll('button, input')].filter(e => e.offsetParent &&
            !(e.getAttribute('aria-label') || e.labels && e.labels.length || e.textContent.trim())).map(e => e.outerHTML)""")
        self.assertEqual(unnamed, [])
        # The server view: /stats.json every 2 s, messages per second from its deltas.
        stats = page.eval("fetch('/stats.json').then(r => r.json())")
        self.assertEqual(sorted(stats), ["cluster", "messages", "online", "people", "rooms", "server",
                                         "started", "version"])
        self.assertGreaterEqual(stats["online"], 1)
        # Alone, not in a cluster (the page hides the nodes, checked below).
        self.assertEqual(stats["cluster"]["state"], "off")
        bob = srv.client("bob")
        bob.send("/join #dev")
        page.click("#stats-open")
        page.wait("document.querySelector('#stats').open")
        page.wait("document.querySelector('#stat-rate').textContent !== '—'", timeout=8, what="a rate after two samples")
        self.assertTrue(page.eval("document.querySelector('#stat-nodes').hidden"))
        for _ in range(5):
            bob.send("hola")
        page.wait("parseInt(document.querySelector('#stat-total').textContent.replace(/\\D/g, '')) >= %d" % (stats["messages"] + 5),
                  timeout=8, what="the message counter growing")
        self.assertRegex(page.text("#stat-uptime"), r"\d+ (s|min|h)")
        page.press("Escape")
        page.wait("!document.querySelector('#stats').open")
        page.assert_clean()


if __name__ == "__main__":
    harness.main()
