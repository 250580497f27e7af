"""A real browser for the tests: Debian's headless Chromium driven over the DevTools protocol
(CDP), through ws_client.py. Python 3 standard library only; loopback only.

    from browser import Browser

    with Browser() as br:                          # chromium started, CDP connected
        page = br.page("http://127.0.0.1:8080/", lang="es", width=390, height=844, mobile=True)
        page.type("#name-input", "ana")            # focus, then Input.insertText
        page.press("Enter")                         # Input.dispatchKeyEvent down/up
        page.wait("document.querySelector('#chat:not([hidden])')", what="the chat")
        page.click("button[data-lang=en]")         # a real mouse click at the element's centre
        n = page.eval("fetch('/stats.json').then(r => r.json()).then(j => j.online)")
        page.screenshot("/tmp/page.png")
        page.assert_clean()                         # no console error, exception or CSP report
    # every process stopped and the profile removed, also when the block raised

Browser(binary=None, timeout=TIMEOUT, args=())
    Starts `chromium --headless=new` with a throwaway --user-data-dir, --remote-debugging-port=0
    on 127.0.0.1 (the port is read from the profile's DevToolsActivePort file), --no-sandbox
    only when running as root (Chromium's sandbox refuses root), every background service off,
    and a host resolver that resolves nothing but localhost, so that no page can reach beyond
    the machine. $CHROMIUM overrides the binary. .version is the browser's product string.
    .page(url=None, lang=None, width=1280, height=800, mobile=False, timeout=...) -> Page
        a new tab in its own browser context (cookies, storage and cache of its own), with the
        console, exceptions and CSP reports collected from the first byte
    .close(): closes CDP, then SIGTERM and, after 5 s, SIGKILL to the browser's process group;
        removes the profile. Idempotent; also run at exit for a browser left open.
    .log(): Chromium's standard error

Page
    .goto(url, timeout) waits for the load event; AssertionError if navigation fails
    .eval(js, timeout, await_promise=True) -> the value (JSON-able values by value); a JS
        exception raises JsError with its text and stack
    .wait(js, timeout, what=None) -> the first value of `js` that JavaScript deems true (an
        expression; a promise is awaited), polled every 50 ms (the
        page is observed, nothing sleeps to assert); AssertionError naming `what` and the last
        value at the deadline
    .click(selector) scrolls the element into view and clicks its centre with the mouse;
        AssertionError if no visible element matches, or another element is on top of it
    .focus(selector); .type(selector, text) focuses and inserts text as an IME would;
        .insert_text(text) into whatever has focus
    .press(key, modifiers=()) one key: "Enter", "Tab", "Escape", "ArrowUp"..., or one
        character; modifiers from "Alt", "Control", "Meta", "Shift"
    .text(selector) -> innerText (AssertionError if missing); .exists(selector) -> bool;
        .count(selector) -> int
    .screenshot(path) -> path (PNG of the viewport)
    .set_viewport(width, height, mobile=False, scale=1)
    .emulate_media(color_scheme=None, reduced_motion=None): "dark", "reduce"...
    .set_locale(lang): navigator.language(s), Accept-Language and Intl's default locale
    .console: [(level, text)] every console message; .errors: [str] console errors,
        uncaught exceptions, failed loads and Content-Security-Policy violations
    .assert_clean(): AssertionError listing .errors if there are any
    .close()

BrowserCase(harness.TestCase)
    One browser per test class (started on first use), a fresh page per call of
    self.page(...). When a test fails, each of its pages is saved as a PNG in
    $CHARLA_TEST_ARTIFACTS (default: a charla-test-artifacts folder in the temporary
    directory) and the path printed; its console too.
"""

import atexit
import base64
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402
from ws_client import Closed, Timeout, WebSocket  # noqa: E402

TIMEOUT = harness.TIMEOUT
CHROMIUM = os.environ.get("CHROMIUM") or "chromium"

# Input.dispatchKeyEvent needs the key, its code and its Windows key code; text for keys that
# type something.
KEYS = {
    "Enter": ("Enter", 13, "\r"), "Tab": ("Tab", 9, None), "Escape": ("Escape", 27, None),
    "Backspace": ("Backspace", 8, None), "Delete": ("Delete", 46, None),
    "ArrowUp": ("ArrowUp", 38, None), "ArrowDown": ("ArrowDown", 40, None),
    "ArrowLeft": ("ArrowLeft", 37, None), "ArrowRight": ("ArrowRight", 39, None),
    "Home": ("Home", 36, None), "End": ("End", 35, None),
    "PageUp": ("PageUp", 33, None), "PageDown": ("PageDown", 34, None),
    " ": ("Space", 32, " "),
}
MODIFIERS = {"Alt": 1, "Control": 2, "Ctrl": 2, "Meta": 4, "Shift": 8}

_open_browsers = []


class CdpError(AssertionError):
    pass


class JsError(AssertionError):
    pass


def _which(name):
    if os.sep in name:
        return name if os.access(name, os.X_OK) else None
    return shutil.which(name)


def available():
    """True when a Chromium binary is installed (scripts/deps installs Debian's)."""
    return _which(CHROMIUM) is not None


class Browser:
    def __init__(self, binary=None, timeout=TIMEOUT, args=()):
        self.timeout = timeout
        self.binary = _which(binary or CHROMIUM)
        if not self.binary:
            raise RuntimeError("no Chromium (%s): install Debian's chromium (scripts/deps)"
                               % (binary or CHROMIUM))
        self.dir = tempfile.mkdtemp(prefix="charla-chromium-")
        self.profile = os.path.join(self.dir, "profile")
        self.proc = None
        self.ws = None
        self.pages = []
        self._next = 0
        self._responses = {}
        self._listeners = {}  # session id -> callable(method, params)
        self._stderr = []
        self._lock = threading.Lock()
        argv = [self.binary, "--headless=new",
                "--user-data-dir=" + self.profile,
                "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
                "--no-first-run", "--no-default-browser-check", "--disable-gpu",
                "--disable-extensions", "--disable-background-networking", "--disable-sync",
                "--disable-component-update", "--disable-default-apps", "--disable-domain-reliability",
                "--disable-breakpad", "--disable-client-side-phishing-detection",
                "--disable-features=Translate,MediaRouter,OptimizationHints,InterestFeedContentSuggestions,CalculateNativeWinOcclusion,AutofillServerCommunication",
                "--metrics-recording-only", "--mute-audio", "--password-store=basic",
                "--use-mock-keychain", "--no-proxy-server", "--hide-scrollbars",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1, EXCLUDE [::1]",
                "--force-color-profile=srgb", "--font-render-hinting=none"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            argv.append("--no-sandbox")  # the sandbox refuses to run as root
        argv += list(args)
        argv.append("about:blank")
        self.argv = argv
        env = dict(os.environ)
        env.setdefault("LANG", "C.UTF-8")
        # The Debian wrapper execs the real binary, so this pid is the browser's; its helpers
        # share its process group, which close() ends as a whole.
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, env=env, start_new_session=True)
        _open_browsers.append(self)
        threading.Thread(target=self._drain, daemon=True).start()
        try:
            port, path = self._devtools_port(time.monotonic() + max(timeout, 20.0))
            self.ws = WebSocket.connect("ws://127.0.0.1:%d%s" % (port, path), timeout=timeout,
                                        max_message=256 << 20)
            self.version = self.call("Browser.getVersion")
        except BaseException:
            self.close()
            raise

    def _drain(self):
        for raw in self.proc.stderr:
            with self._lock:
                self._stderr.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def log(self):
        with self._lock:
            return "\n".join(self._stderr)

    def _devtools_port(self, deadline):
        """Chromium writes the port it took and the browser's WebSocket path to this file."""
        path = os.path.join(self.profile, "DevToolsActivePort")
        while True:
            try:
                with open(path) as f:
                    lines = f.read().split("\n")
                if len(lines) >= 2 and lines[0].strip().isdigit() and lines[1].startswith("/"):
                    return int(lines[0]), lines[1].strip()
            except FileNotFoundError:
                pass
            if self.proc.poll() is not None:
                raise AssertionError("chromium exited with %s before listening:\n%s"
                                     % (self.proc.returncode, self.log()))
            if time.monotonic() > deadline:
                raise AssertionError("chromium did not write DevToolsActivePort in time:\n"
                                     + self.log())
            time.sleep(0.02)  # observing a file another process writes

    # ---- CDP ----

    def call(self, method, params=None, session=None, timeout=None):
        """Sends one command and returns its result; events that arrive meanwhile go to their
        page's listener."""
        if self.ws is None:
            raise CdpError("the browser is closed")
        self._next += 1
        mid = self._next
        msg = {"id": mid, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.ws.send_text(json.dumps(msg))
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while mid not in self._responses:
            left = deadline - time.monotonic()
            if left <= 0 or not self.pump(left):
                if time.monotonic() >= deadline:
                    raise CdpError("no answer to %s within %.1f s" % (method, timeout or self.timeout))
        res = self._responses.pop(mid)
        if "error" in res:
            raise CdpError("%s failed: %s" % (method, res["error"].get("message", res["error"])))
        return res.get("result", {})

    def pump(self, timeout):
        """Reads one message (a response or an event). False if none came in time."""
        try:
            text = self.ws.recv_text(timeout)
        except Timeout:
            return False
        except Closed:
            self.ws = None
            raise CdpError("the browser closed the DevTools connection:\n" + self.log())
        msg = json.loads(text)
        if "id" in msg:
            self._responses[msg["id"]] = msg
        else:
            fn = self._listeners.get(msg.get("sessionId"))
            if fn:
                fn(msg.get("method"), msg.get("params", {}))
        return True

    def drain(self, settle=0.0):
        """Handles every event that has arrived (and, with settle, those arriving for that
        long)."""
        deadline = time.monotonic() + settle
        while self.ws is not None and self.pump(max(0.0, deadline - time.monotonic())):
            pass

    # ---- pages ----

    def page(self, url=None, lang=None, width=1280, height=800, mobile=False, timeout=None):
        ctx = self.call("Target.createBrowserContext", {"disposeOnDetach": True})["browserContextId"]
        target = self.call("Target.createTarget", {"url": "about:blank", "browserContextId": ctx})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, target, session, ctx)
        self.pages.append(page)
        page._setup(lang, width, height, mobile)
        if url:
            page.goto(url, timeout)
        return page

    def close(self):
        if self.proc is None:
            return
        if self.ws is not None:
            try:
                self.ws.send_text(json.dumps({"id": 0, "method": "Browser.close"}))
            except OSError:
                pass
            self.ws.abort()
            self.ws = None
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.proc.pid, sig)  # the group of the browser we started
            except (ProcessLookupError, PermissionError):
                break
            try:
                self.proc.wait(5)
                # Helpers may outlive the browser by a moment: end the rest of its group.
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (subprocess.TimeoutExpired, ProcessLookupError, PermissionError):
                pass
        self.proc.wait()
        self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)
        if self in _open_browsers:
            _open_browsers.remove(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


@atexit.register
def _close_leftovers():
    for b in list(_open_browsers):
        b.close()


def _remote_text(obj):
    """A console argument (Runtime.RemoteObject) as text."""
    if "value" in obj:
        return obj["value"] if isinstance(obj["value"], str) else json.dumps(obj["value"])
    return obj.get("description") or obj.get("unserializableValue") or obj.get("type", "?")


class Page:
    def __init__(self, browser, target, session, context):
        self.browser = browser
        self.target = target
        self.session = session
        self.context = context
        self.console = []
        self.errors = []
        self.loads = 0
        self.closed = False
        browser._listeners[session] = self._event

    def _setup(self, lang, width, height, mobile):
        for domain in ("Page", "Runtime", "Log"):
            self.call(domain + ".enable")
        # Security issues (CSP violations among them) come through Audits as well as the console.
        try:
            self.call("Audits.enable")
        except CdpError:
            pass
        self.set_viewport(width, height, mobile)
        if lang:
            self.set_locale(lang)

    def call(self, method, params=None, timeout=None):
        return self.browser.call(method, params, self.session, timeout)

    def _event(self, method, p):
        if method == "Page.loadEventFired":
            self.loads += 1
        elif method == "Runtime.consoleAPICalled":
            text = " ".join(_remote_text(a) for a in p.get("args", []))
            self.console.append((p.get("type"), text))
            if p.get("type") in ("error", "assert"):
                self.errors.append("console.%s: %s" % (p.get("type"), text))
        elif method == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            exc = d.get("exception", {})
            self.errors.append("uncaught exception: %s (%s:%s)" % (
                exc.get("description") or d.get("text"), d.get("url", "?"), d.get("lineNumber", "?")))
        elif method == "Log.entryAdded":
            e = p.get("entry", {})
            self.console.append((e.get("level"), e.get("text", "")))
            if e.get("level") == "error" or "Content Security Policy" in e.get("text", ""):
                self.errors.append("%s %s: %s%s" % (e.get("source"), e.get("level"), e.get("text"),
                                                    " (%s)" % e["url"] if e.get("url") else ""))
        elif method == "Audits.issueAdded":
            issue = p.get("issue", {})
            if issue.get("code") == "ContentSecurityPolicyIssue":
                d = issue.get("details", {}).get("contentSecurityPolicyIssueDetails", {})
                self.errors.append("CSP violation: %s blocked %s (%s)" % (
                    d.get("violatedDirective"), d.get("blockedURL", "inline"),
                    d.get("contentSecurityPolicyViolationType")))

    # ---- navigation and scripts ----

    def goto(self, url, timeout=None):
        before = self.loads
        res = self.call("Page.navigate", {"url": url})
        if res.get("errorText"):
            raise AssertionError("cannot load %s: %s" % (url, res["errorText"]))
        deadline = time.monotonic() + (self.browser.timeout if timeout is None else timeout)
        while self.loads == before:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("%s did not finish loading in time" % url)
            self.browser.pump(left)

    def reload(self, timeout=None):
        before = self.loads
        self.call("Page.reload", {"ignoreCache": True})
        deadline = time.monotonic() + (self.browser.timeout if timeout is None else timeout)
        while self.loads == before:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("the page did not reload in time")
            self.browser.pump(left)

    def eval(self, js, timeout=None, await_promise=True):
        res = self.call("Runtime.evaluate", {
            "expression": js, "returnByValue": True, "awaitPromise": await_promise,
            "userGesture": True, "timeout": int(1000 * (timeout or self.browser.timeout)),
        }, timeout=(timeout or self.browser.timeout) + 1)
        if "exceptionDetails" in res:
            d = res["exceptionDetails"]
            desc = d.get("exception", {}).get("description") or d.get("text")
            raise JsError("%s\n  in: %s" % (desc, js if len(js) < 300 else js[:300] + "..."))
        r = res.get("result", {})
        return r.get("value") if "value" in r else (None if r.get("type") == "undefined" else r.get("description"))

    def wait(self, js, timeout=None, what=None, interval=0.05):
        """Polls `js` until it is truthy; returns its value."""
        deadline = time.monotonic() + (self.browser.timeout if timeout is None else timeout)
        last = None
        # Truthiness as JavaScript sees it (an element is truthy, though it comes back as {}).
        probe = "(async () => { const v = await (%s); return [!!v, v]; })()" % js
        while True:
            try:
                ok, last = self.eval(probe, timeout=max(1.0, deadline - time.monotonic()))
            except JsError as e:
                last = "exception: %s" % e
            else:
                if ok:
                    return last
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("waited %.1f s in vain for %s; last value: %r%s" % (
                    timeout or self.browser.timeout, what or js, last,
                    "\npage errors:\n  " + "\n  ".join(self.errors) if self.errors else ""))
            # Between polls, handle the browser's events (console messages) for a moment.
            self.browser.drain(min(interval, left))

    # ---- input ----

    def _box(self, selector):
        js = """(() => {
          const el = document.querySelector(%s);
          if (!el) return {missing: true};
          el.scrollIntoView({block: "center", inline: "center"});
          const r = el.getBoundingClientRect();
          const x = r.left + r.width / 2, y = r.top + r.height / 2;
          const top = document.elementFromPoint(x, y);
          return {x, y, w: r.width, h: r.height,
                  onTop: !!top && (top === el || el.contains(top)),
                  cover: top ? top.tagName + (top.id ? "#" + top.id : "") + (top.className ? "." + String(top.className).split(" ").join(".") : "") : null};
        })()""" % json.dumps(selector)
        return self.eval(js)

    def click(self, selector, timeout=None):
        """Clicks the centre of the first element matching `selector` once it is visible and
        on top (waiting for that up to the timeout)."""
        deadline = time.monotonic() + (self.browser.timeout if timeout is None else timeout)
        while True:
            box = self._box(selector)
            ok = not box.get("missing") and box["w"] > 0 and box["h"] > 0 and box["onTop"]
            if ok:
                break
            if time.monotonic() >= deadline:
                raise AssertionError("cannot click %s: %s" % (selector, "no such element" if box.get("missing")
                                     else "covered by %s" % box.get("cover") if box["w"] and box["h"]
                                     else "not visible"))
            self.browser.drain(0.05)
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", {"type": kind, "x": box["x"], "y": box["y"],
                                                   "button": "left", "buttons": 1 if kind == "mousePressed" else 0,
                                                   "clickCount": 1})

    def focus(self, selector):
        ok = self.eval("(() => { const e = document.querySelector(%s); if (!e) return false; e.focus(); return document.activeElement === e; })()"
                       % json.dumps(selector))
        if not ok:
            raise AssertionError("cannot focus %s" % selector)

    def insert_text(self, text):
        self.call("Input.insertText", {"text": text})

    def type(self, selector, text):
        self.focus(selector)
        self.insert_text(text)

    def press(self, key, modifiers=()):
        mods = 0
        for m in modifiers:
            mods |= MODIFIERS[m]
        if key in KEYS:
            code, vk, text = KEYS[key]
            name = key
        elif len(key) == 1:
            name = key
            if key.isalpha():
                code, vk = "Key" + key.upper(), ord(key.upper())
            elif key.isdigit():
                code, vk = "Digit" + key, ord(key)
            else:
                code, vk = "", 0
            text = key
        else:
            raise ValueError("unknown key %r" % key)
        # A key with Control, Alt or Meta types nothing.
        if mods & (1 | 2 | 4):
            text = None
        down = {"type": "keyDown" if text else "rawKeyDown", "key": name, "code": code,
                "windowsVirtualKeyCode": vk, "nativeVirtualKeyCode": vk, "modifiers": mods}
        if text:
            down["text"] = text
            down["unmodifiedText"] = text
        self.call("Input.dispatchKeyEvent", down)
        self.call("Input.dispatchKeyEvent", {"type": "keyUp", "key": name, "code": code,
                                             "windowsVirtualKeyCode": vk, "nativeVirtualKeyCode": vk,
                                             "modifiers": mods})

    # ---- reading ----

    def exists(self, selector):
        return bool(self.eval("!!document.querySelector(%s)" % json.dumps(selector)))

    def count(self, selector):
        return self.eval("document.querySelectorAll(%s).length" % json.dumps(selector))

    def text(self, selector):
        t = self.eval("(() => { const e = document.querySelector(%s); return e ? e.innerText : null; })()"
                      % json.dumps(selector))
        if t is None:
            raise AssertionError("no element %s" % selector)
        return t

    # ---- emulation and pictures ----

    def set_viewport(self, width, height, mobile=False, scale=1):
        self.call("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": scale, "mobile": mobile})
        self.call("Emulation.setTouchEmulationEnabled", {"enabled": bool(mobile)})

    def emulate_media(self, color_scheme=None, reduced_motion=None):
        """prefers-color-scheme ("light", "dark") and prefers-reduced-motion ("reduce",
        "no-preference"); None leaves the browser's own."""
        features = []
        if color_scheme:
            features.append({"name": "prefers-color-scheme", "value": color_scheme})
        if reduced_motion:
            features.append({"name": "prefers-reduced-motion", "value": reduced_motion})
        self.call("Emulation.setEmulatedMedia", {"features": features})

    def set_locale(self, lang):
        """navigator.language and navigator.languages, the Accept-Language header and Intl's
        default locale become `lang` (e.g. "es-ES")."""
        self.call("Emulation.setLocaleOverride", {"locale": lang.replace("_", "-")})
        ua = self.browser.version.get("userAgent", "").replace("HeadlessChrome", "Chrome")
        self.call("Emulation.setUserAgentOverride", {"userAgent": ua, "acceptLanguage": lang})

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return path

    def assert_clean(self):
        self.browser.drain(0.05)
        if self.errors:
            raise AssertionError("the page reported errors:\n  " + "\n  ".join(self.errors))

    def close(self):
        if self.closed or self.browser.ws is None:
            return
        self.closed = True
        try:
            self.browser.call("Target.closeTarget", {"targetId": self.target})
            self.browser.call("Target.disposeBrowserContext", {"browserContextId": self.context})
        except CdpError:
            pass
        self.browser._listeners.pop(self.session, None)


def artifacts_dir():
    d = os.environ.get("CHARLA_TEST_ARTIFACTS") or os.path.join(tempfile.gettempdir(),
                                                                 "charla-test-artifacts")
    os.makedirs(d, exist_ok=True)
    return d


class BrowserCase(harness.TestCase):
    """One browser for the class, a fresh page (own context) per self.page(); screenshots of a
    failed test's pages."""

    _browser = None

    @classmethod
    def browser(cls):
        if cls._browser is None:
            cls._browser = Browser()
            cls.addClassCleanup(cls._close_browser)
        return cls._browser

    @classmethod
    def _close_browser(cls):
        if cls._browser is not None:
            cls._browser.close()
            cls._browser = None

    def page(self, url=None, **kw):
        p = self.browser().page(url, **kw)
        self.addCleanup(self._page_done, p)
        return p

    def _page_done(self, page):
        # The test's failure is in the result by now (inside a cleanup, unittest's own success
        # flag reads True whatever happened before).
        result = getattr(getattr(self, "_outcome", None), "result", None)
        failed = result is not None and any(t is self for t, _ in
                                            getattr(result, "failures", []) + getattr(result, "errors", []))
        if failed and not page.closed and page.browser.ws is not None:
            name = re.sub(r"[^\w.-]+", "_", self.id())
            try:
                path = page.screenshot(os.path.join(artifacts_dir(), "%s-%d.png" % (name, id(page) % 10000)))
                sys.stderr.write("\n  screenshot of the failed test's page: %s\n" % path)
                sys.stderr.write("  its console:\n%s\n" % "\n".join(
                    "    %s: %s" % c for c in page.console[-30:]))
            except (AssertionError, OSError) as e:
                sys.stderr.write("\n  (no screenshot: %s)\n" % e)
        page.close()
