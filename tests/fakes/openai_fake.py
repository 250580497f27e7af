#!/usr/bin/env python3
"""A local fake of an OpenAI-compatible Chat Completions server, for charla's tests.

Python 3 standard library only. It speaks the real wire format (HTTP/1.1, JSON bodies, server-sent
events over chunked transfer encoding) and answers deterministically, steered by the test through
server flags and through directives written in the last user message, like [[say hola]] or
[[error 429 retry-after=2]]. tests/fakes/README.md documents every flag and directive and which
real server behaviour each one mimics.

    python3 tests/fakes/openai_fake.py --port 0 [--host 127.0.0.1|::1] [--key sk-test] [flags]

prints "PORT <n>" on stdout once it listens, then serves until SIGTERM/SIGINT, or until its stdin
reaches end of file (on by default when stdin is a pipe), and exits 0.

Endpoints: POST /v1/chat/completions (also /chat/completions), GET /v1/models (also /models), and
for the tests GET /_fake/requests, GET /_fake/stats, GET /_fake/wait, POST /_fake/reset,
POST /_fake/release.
"""

import argparse
import json
import math
import os
import random
import re
import select
import signal
import socket
import socketserver
import stat
import string
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# Appended to answers in split mode so that the pieces cut UTF-8 characters of 2, 3 and 4 bytes.
SPLIT_SAMPLE = "¿Qué tal? ñandú 漢字 🎉"

MAX_BODY = 32 << 20            # bytes of a request body; more gets 413
MAX_LINES = 100000             # [[lines N]] bound
ROLES = ("system", "assistant", "user", "function", "tool", "developer")
STREAM_PREFIX_CHUNKS = 2       # content chunks sent before [[stall]], [[drop]], [[stream-error]]
POLL = 0.05                    # seconds between checks while holding, stalling or pausing

# ---- real bodies (sources in README.md) ----

OPENAI_BAD_JSON = ("We could not parse the JSON body of your request. (HINT: This likely means "
                   "you aren't using your HTTP library correctly. The OpenAI API expects a JSON "
                   "payload, but what was sent was not valid JSON. If you have trouble figuring "
                   "out how to fix this, please contact us through our help center at "
                   "help.openai.com.)")
OPENAI_NO_KEY = ("You didn't provide an API key. You need to provide your API key in an "
                 "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), "
                 "or as the password field (with blank username) if you're accessing the API from "
                 "your browser and are prompted for a username. You can obtain an API key from "
                 "https://platform.openai.com/account/api-keys.")
OPENAI_BAD_KEY = ("Incorrect API key provided: %s. You can find your API key at "
                  "https://platform.openai.com/account/api-keys.")
OPENAI_MAX_TOKENS = ("Unsupported parameter: 'max_tokens' is not supported with this model. "
                     "Use 'max_completion_tokens' instead.")
OPENAI_QUOTA = ("You exceeded your current quota, please check your plan and billing details. For "
                "more information on this error, read the docs: "
                "https://platform.openai.com/docs/guides/error-codes/api-errors.")
OPENAI_RATE = ("Rate limit reached for %s in organization org-fake on requests per min (RPM): "
               "Limit 3, Used 3, Requested 1. Please try again in %ss. Visit "
               "https://platform.openai.com/account/rate-limits to learn more.")
OPENAI_RATE_TOKENS = ("Rate limit reached for %s in organization org-fake on tokens per min (TPM): "
                      "Limit 30000, Used 29950, Requested 120. Please try again in %ss. Visit "
                      "https://platform.openai.com/account/rate-limits to learn more.")
OPENAI_500 = "The server had an error while processing your request. Sorry about that!"
OPENAI_STREAM_ERROR = "The server had an error while processing your request."
OPENAI_503 = "The engine is currently overloaded, please try again later."
OPENAI_CONTEXT = ("This model's maximum context length is 128000 tokens. However, your messages "
                  "resulted in 131072 tokens. Please reduce the length of the messages.")
CLOUDFLARE_502 = ("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
                  "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n"
                  "</body>\r\n</html>\r\n")
HTML_PAGE = ("<!DOCTYPE html>\n<html><head><title>Welcome</title></head>\n"
             "<body><h1>It works!</h1><p>This is not an API.</p></body></html>\n")

REASONS = {100: "Continue", 200: "OK", 400: "Bad Request", 401: "Unauthorized",
           403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout",
           413: "Payload Too Large", 422: "Unprocessable Entity", 429: "Too Many Requests",
           500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
           503: "Service Unavailable", 504: "Gateway Timeout"}


class ClientGone(Exception):
    """The client closed (or reset) the connection before the fake was done."""


class ServerStopping(Exception):
    """The fake is shutting down; the handler closes its connection."""


class BadDirective(Exception):
    """A directive the fake does not know, or with bad arguments: a test bug, reported as a 400."""


def dumps(obj):
    """JSON as the real servers send it: compact, raw UTF-8 (not \\u escapes)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def json_type(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def mask_key(key):
    """OpenAI's redaction in "Incorrect API key provided": the first 8 characters, one '*' per
    hidden character, the last 4. Short keys are shown as they are, as OpenAI does."""
    if len(key) <= 12:
        return key
    return key[:8] + "*" * (len(key) - 12) + key[-4:]


def content_text(content):
    """The text of a message's content: a string, or an array of parts of which the "text" parts
    count (joined), or null."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content
                       if isinstance(p, dict) and p.get("type") == "text"
                       and isinstance(p.get("text"), str))
    return ""


def tokenize(text):
    """Words as tokens: each token is a word with the whitespace before it, so that the tokens
    concatenate back to the text (trailing whitespace goes with the last token)."""
    toks = re.findall(r"\s*\S+", text)
    rest = text[sum(len(t) for t in toks):]
    if rest:
        if toks:
            toks[-1] += rest
        else:
            toks = [rest]
    return toks


def word_count(text):
    return len(text.split())


def fmt_seconds(s):
    return ("%d" % s) if float(s).is_integer() else ("%g" % s)


def rand_id(n, rng=random):
    alphabet = string.ascii_letters + string.digits
    return "".join(rng.choice(alphabet) for _ in range(n))


# ---- directives ----

DIRECTIVE = re.compile(r"\[\[\s*([A-Za-z][\w-]*)(?:\s+(.*?))?\s*\]\]", re.S)

# name -> (min args, max args or None); "say" takes the raw rest of the directive as one argument.
DIRECTIVES = {
    "say": (1, 1), "lines": (1, 1), "history": (0, 1), "echo-system": (0, 0),
    "split": (1, 1), "slow": (1, 1), "first-byte-delay": (1, 1),
    "stall": (0, 0), "drop": (0, 1), "stream-error": (0, 1), "garbage": (0, 1),
    "error": (1, 3), "fail-first": (2, 4), "hold": (0, 0),
    "usage-in-last-chunk": (0, 0), "crlf": (0, 0), "comments": (0, 0),
}


def parse_directives(text):
    """Returns ({name: [args]}, the text without the directives, stripped). Raises BadDirective."""
    found = {}
    for m in DIRECTIVE.finditer(text):
        name = m.group(1).lower()
        rest = m.group(2) or ""
        if name not in DIRECTIVES:
            raise BadDirective("unknown directive [[%s]]; known: %s"
                               % (name, ", ".join(sorted(DIRECTIVES))))
        args = [rest] if name == "say" else rest.split()
        lo, hi = DIRECTIVES[name]
        if len(args) < lo or (hi is not None and len(args) > hi):
            raise BadDirective("[[%s]] takes %d to %s arguments, got %r" % (name, lo, hi, rest))
        found[name] = args
    return found, DIRECTIVE.sub("", text).strip()


def int_arg(name, value, lo=0, hi=None):
    try:
        n = int(value)
    except ValueError:
        raise BadDirective("[[%s]]: %r is not an integer" % (name, value))
    if n < lo or (hi is not None and n > hi):
        raise BadDirective("[[%s]]: %d is out of range" % (name, n))
    return n


def unescape_say(text):
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in "nt\\":
            out.append({"n": "\n", "t": "\t", "\\": "\\"}[text[i + 1]])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


# ---- shared state ----

class State:
    """Everything shared by the handler threads, behind one lock (and a condition for waiters)."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.cond = threading.Condition()
        self.stopping = threading.Event()
        self.requests = []
        self.next_id = 1
        self.in_flight = 0
        self.max_in_flight = 0
        self.total = 0
        self.completed = 0
        self.client_gone = 0
        self.held = []          # [(record, event)], oldest first
        self.fail_counts = {}   # question text -> requests seen with [[fail-first]]
        self.split_seed = 0

    def record(self, handler, raw):
        rec = {
            "id": None, "time": time.time(), "method": handler.command, "path": handler.path,
            "headers": {k.lower(): v for k, v in handler.headers.items()},
            "body": None, "state": "active", "status": None,
        }
        try:
            rec["body"] = json.loads(raw.decode("utf-8")) if raw else None
        except (UnicodeDecodeError, ValueError):
            rec["raw_body"] = raw.decode("utf-8", "replace")
        with self.cond:
            rec["id"] = self.next_id
            self.next_id += 1
            self.requests.append(rec)
            self.cond.notify_all()
        return rec

    def begin(self, rec):
        with self.cond:
            rec["chat"] = True
            self.total += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.cond.notify_all()

    def end(self, rec, outcome):
        with self.cond:
            rec["state"] = outcome
            if rec.get("chat"):
                self.in_flight -= 1
                if outcome == "done":
                    self.completed += 1
                elif outcome == "client_gone":
                    self.client_gone += 1
            self.cond.notify_all()

    def set_state(self, rec, st):
        with self.cond:
            rec["state"] = st
            self.cond.notify_all()

    def hold(self, rec):
        ev = threading.Event()
        with self.cond:
            rec["state"] = "held"
            self.held.append((rec, ev))
            self.cond.notify_all()
        return ev

    def unhold(self, rec, ev):
        with self.cond:
            self.held = [(r, e) for (r, e) in self.held if e is not ev]
            if rec["state"] == "held":
                rec["state"] = "active"
            self.cond.notify_all()

    def release(self, n=None):
        with self.cond:
            take = self.held if n is None else self.held[:n]
            self.held = self.held[len(take):]
            for rec, ev in take:
                rec["state"] = "active"
                ev.set()
            self.cond.notify_all()
            return len(take)

    def count_failure(self, key):
        with self.cond:
            self.fail_counts[key] = self.fail_counts.get(key, 0) + 1
            return self.fail_counts[key]

    def next_seed(self):
        with self.cond:
            self.split_seed += 1
            return self.cfg.seed * 1000003 + self.split_seed

    def stats_locked(self):
        return {"in_flight": self.in_flight, "max_in_flight": self.max_in_flight,
                "total": self.total, "held": len(self.held),
                "stalled": sum(1 for r in self.requests if r["state"] == "stalled"),
                "completed": self.completed, "client_gone": self.client_gone,
                "requests": len(self.requests)}

    def stats(self):
        with self.cond:
            return self.stats_locked()

    def snapshot(self):
        with self.cond:
            return json.loads(json.dumps(self.requests))

    def reset(self):
        with self.cond:
            self.requests = []
            self.total = self.completed = self.client_gone = 0
            self.max_in_flight = self.in_flight
            self.fail_counts = {}
            self.cond.notify_all()

    def wait(self, conds, timeout):
        """Waits until stats[k] >= v for every (k, v), or stats[k] <= v for a key written k_le;
        returns (ok, stats)."""
        def met(s, k, v):
            return s.get(k[:-3], 0) <= v if k.endswith("_le") else s.get(k, 0) >= v
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                s = self.stats_locked()
                if all(met(s, k, v) for k, v in conds.items()):
                    return True, s
                left = deadline - time.monotonic()
                if left <= 0 or self.stopping.is_set():
                    return False, s
                self.cond.wait(min(left, 0.5))


class Options:
    """What one chat request will do: the server defaults overridden by its directives."""

    def __init__(self, cfg, d):
        self.split = cfg.split
        self.slow = cfg.delay_ms / 1000.0
        self.first_byte_delay = cfg.first_byte_delay_ms / 1000.0
        self.hold = cfg.hold
        self.usage_in_last_chunk = cfg.usage_in_last_chunk
        self.crlf = "crlf" in d
        self.comments = "comments" in d
        if "split" in d:
            self.split = int_arg("split", d["split"][0], 1, 1 << 20)
        if "slow" in d:
            self.slow = int_arg("slow", d["slow"][0], 0, 600000) / 1000.0
        if "first-byte-delay" in d:
            self.first_byte_delay = int_arg("first-byte-delay", d["first-byte-delay"][0],
                                            0, 600000) / 1000.0
        if "hold" in d:
            self.hold = True
        if "usage-in-last-chunk" in d:
            self.usage_in_last_chunk = True
        self.stall = "stall" in d
        self.drop = d.get("drop")
        if self.drop is not None and self.drop and self.drop[0] != "rst":
            raise BadDirective("[[drop]] takes no argument or 'rst'")
        # None when absent, else the variant: "openai" / "llamacpp", "json" / "html".
        self.stream_error = (d["stream-error"] or ["openai"])[0] if "stream-error" in d else None
        if self.stream_error not in (None, "openai", "llamacpp"):
            raise BadDirective("[[stream-error]] takes no argument, 'openai' or 'llamacpp'")
        self.garbage = (d["garbage"] or ["json"])[0] if "garbage" in d else None
        if self.garbage not in (None, "json", "html"):
            raise BadDirective("[[garbage]] takes no argument, 'json' or 'html'")


# ---- the HTTP side ----

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "openai-fake/1.0"
    sys_version = ""

    # ---- plumbing ----

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.state = self.server.state
        self.cfg = self.state.cfg
        self.split = 0
        self.rng = None
        self.rec = None

    def handle(self):
        try:
            super().handle()
        except (ConnectionError, TimeoutError):
            pass

    def log_message(self, fmt, *args):
        if self.cfg.verbose:
            sys.stderr.write("openai_fake: %s %s\n" % (self.address_string(), fmt % args))

    def set_split(self, k):
        self.split = k
        if k and self.rng is None:
            self.rng = random.Random(self.state.next_seed())

    def out(self, data):
        """Writes bytes; in split mode in pieces of 1..K bytes, each sent on its own (TCP_NODELAY)
        after a short pause, so that the client's reads end anywhere."""
        try:
            if not self.split:
                self.connection.sendall(data)
                return
            i = 0
            while i < len(data):
                n = self.rng.randint(1, self.split)
                self.connection.sendall(data[i:i + n])
                i += n
                if self.cfg.split_pause_ms and i < len(data):
                    time.sleep(self.cfg.split_pause_ms / 1000.0)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            raise ClientGone()
        except OSError as e:
            raise ClientGone() from e

    def check_peer(self, timeout):
        """Waits up to `timeout` seconds; raises ClientGone if the client closed meanwhile, and
        ServerStopping if the fake is stopping."""
        if self.state.stopping.is_set():
            raise ServerStopping()
        try:
            r, _, _ = select.select([self.connection], [], [], timeout)
        except (OSError, ValueError):
            raise ClientGone()
        if r:
            try:
                peek = self.connection.recv(1, socket.MSG_PEEK)
            except (ConnectionError, OSError):
                raise ClientGone()
            if not peek:
                raise ClientGone()
            time.sleep(timeout)  # a pipelined request: nothing to do until this one is answered
        if self.state.stopping.is_set():
            raise ServerStopping()

    def pause(self, seconds):
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self.check_peer(min(left, POLL))

    def head(self, status, headers, length=None, chunked=False):
        if self.rec is not None:
            self.rec["status"] = status
        lines = ["HTTP/1.1 %d %s" % (status, REASONS.get(status, "Status")),
                 "Date: " + self.date_time_string()]
        lines += ["%s: %s" % h for h in headers]
        if chunked:
            lines.append("Transfer-Encoding: chunked")
        elif length is not None:
            lines.append("Content-Length: %d" % length)
        if self.close_connection:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def send_body(self, status, body, ctype, headers=()):
        data = body if isinstance(body, bytes) else body.encode("utf-8")
        self.out(self.head(status, [("Content-Type", ctype)] + list(headers), len(data)) + data)

    def send_json(self, status, obj, headers=()):
        ctype = "application/json; charset=utf-8" if self.cfg.ollama else "application/json"
        body = dumps(obj) + ("\n" if self.cfg.ollama else "")
        self.send_body(status, body, ctype, list(headers) + self.api_headers())

    def api_headers(self):
        if self.cfg.ollama:
            return []
        return [("openai-organization", "user-fake"), ("openai-processing-ms", "7"),
                ("openai-version", "2020-10-01"), ("x-request-id", "req_" + rand_id(32))]

    # ---- errors in each server's shape ----

    def error_obj(self, status, message, etype=None, param=None, code=None):
        """The {"error": {...}} object of OpenAI, or of Ollama's /v1 layer with --ollama (whose
        type follows the status and whose param and code are always null)."""
        if self.cfg.ollama:
            etype = {400: "invalid_request_error", 404: "not_found_error"}.get(status, "api_error")
            return {"error": {"message": message, "type": etype, "param": None, "code": None}}
        return {"error": {"message": message, "type": etype or "invalid_request_error",
                          "param": param, "code": code}}

    def fail(self, status, message, etype=None, param=None, code=None, headers=()):
        self.send_json(status, self.error_obj(status, message, etype, param, code), headers)

    def fake_error(self, message):
        """A test bug (unknown directive, bad arguments): a 400 that says what went wrong."""
        self.fail(400, "openai_fake: " + message, "invalid_request_error")

    def error_reply(self, spec, model):
        """Sends the error described by a directive's arguments: [[error ...]], [[fail-first]]."""
        kind, extra = spec[0].lower(), [s.lower() for s in spec[1:]]
        headers = []
        retry = None
        for e in list(extra):
            if e.startswith("retry-after="):
                try:
                    retry = float(e.split("=", 1)[1])
                except ValueError:
                    raise BadDirective("bad retry-after in %r" % " ".join(spec))
                if retry < 0:
                    raise BadDirective("negative retry-after")
                headers.append(("Retry-After", str(int(math.ceil(retry)))))
                extra.remove(e)
        if kind == "llamacpp":
            status = int_arg("error", extra[0], 400, 599) if extra else 500
            etype, msg = {400: ("invalid_request_error", "the request exceeds the available "
                                "context size, try increasing it"),
                          401: ("authentication_error", "Invalid API Key"),
                          404: ("not_found_error", "File Not Found"),
                          501: ("not_supported_error", "This server does not support this "
                                "feature"),
                          503: ("unavailable_error", "Loading model")}.get(
                              status, ("server_error", "llama_decode failed: the model crashed "
                                       "while generating"))
            body = {"error": {"code": status, "message": msg, "type": etype}}
            return self.send_body(status, dumps(body), "application/json; charset=utf-8", headers)
        if kind == "vllm":
            status = int_arg("error", extra[0], 400, 599) if extra else 400
            etype, msg = {404: ("NotFoundError", "The model `%s` does not exist." % model),
                          500: ("InternalServerError", "Internal server error"),
                          503: ("ServiceUnavailableError", "The engine is not ready")}.get(
                              status, ("BadRequestError", "This model's maximum context length "
                                       "is 4096 tokens. However, you requested 5000 tokens (4000 "
                                       "in the messages, 1000 in the completion). Please reduce "
                                       "the length of the messages or completion."))
            body = {"object": "error", "message": msg, "type": etype, "param": None,
                    "code": status}
            return self.send_body(status, dumps(body), "application/json", headers)
        if kind == "ollama-404":
            body = {"error": "model \"%s\" not found, try pulling it first" % model}
            return self.send_body(404, dumps(body), "application/json; charset=utf-8", headers)
        if kind == "ollama":
            status = int_arg("error", extra[0], 400, 599) if extra else 500
            etype = {400: "invalid_request_error", 404: "not_found_error"}.get(status, "api_error")
            msg = {404: "model \"%s\" not found, try pulling it first" % model}.get(
                status, "llama runner process has terminated: exit status 2")
            body = {"error": {"message": msg, "type": etype, "param": None, "code": None}}
            return self.send_body(status, dumps(body), "application/json", headers)
        status = int_arg("error", kind, 400, 599)
        if status == 401:
            auth = self.headers.get("Authorization", "")
            key = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
            if not key:
                return self.fail(401, OPENAI_NO_KEY, "invalid_request_error", headers=headers)
            return self.fail(401, OPENAI_BAD_KEY % mask_key(key), "invalid_request_error",
                             code="invalid_api_key", headers=headers)
        if status == 429:
            if "insufficient_quota" in extra:
                return self.fail(429, OPENAI_QUOTA, "insufficient_quota",
                                 code="insufficient_quota", headers=headers)
            tokens = "tokens" in extra
            wait = fmt_seconds(retry if retry is not None else 20)
            headers += [("x-ratelimit-limit-requests", "3"),
                        ("x-ratelimit-limit-tokens", "30000"),
                        ("x-ratelimit-remaining-requests", "2" if tokens else "0"),
                        ("x-ratelimit-remaining-tokens", "50" if tokens else "29880"),
                        ("x-ratelimit-reset-requests", wait + "s"),
                        ("x-ratelimit-reset-tokens", wait + "s")]
            return self.fail(429, (OPENAI_RATE_TOKENS if tokens else OPENAI_RATE) % (model, wait),
                             "tokens" if tokens else "requests", code="rate_limit_exceeded",
                             headers=headers)
        if status == 400:
            return self.fail(400, OPENAI_CONTEXT, "invalid_request_error", param="messages",
                             code="context_length_exceeded", headers=headers)
        if status == 403:
            return self.fail(403, "Project `proj_fake` does not have access to model `%s`"
                             % model, "invalid_request_error", code="model_not_found",
                             headers=headers)
        if status == 404:
            return self.fail(404, "The model `%s` does not exist or you do not have access to "
                             "it." % model, "invalid_request_error", code="model_not_found",
                             headers=headers)
        if status == 500:
            return self.fail(500, OPENAI_500, "server_error", headers=headers)
        if status == 502:
            return self.send_body(502, CLOUDFLARE_502, "text/html", headers)
        if status == 503:
            return self.fail(503, OPENAI_503, "server_error", headers=headers)
        return self.fail(status, "HTTP %d from the fake" % status,
                         "server_error" if status >= 500 else "invalid_request_error",
                         headers=headers)

    # ---- routing ----

    def do_GET(self):
        self.route()

    def do_POST(self):
        self.route()

    def do_PUT(self):
        self.route()

    def do_DELETE(self):
        self.route()

    def do_PATCH(self):
        self.route()

    def read_body(self):
        """The request body (Content-Length or chunked), or None after answering an error."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            data = bytearray()
            while True:
                line = self.rfile.readline(65537)
                try:
                    n = int(line.split(b";")[0].strip(), 16)
                except ValueError:
                    self.close_connection = True
                    self.send_body(400, "bad chunked body\n", "text/plain")
                    return None
                if n == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(data)
                if len(data) + n > MAX_BODY:
                    self.close_connection = True
                    self.send_body(413, "request body too large\n", "text/plain")
                    return None
                data += self.rfile.read(n)
                self.rfile.readline(3)
        try:
            n = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            n = -1
        if n < 0:
            self.close_connection = True
            self.send_body(400, "bad Content-Length\n", "text/plain")
            return None
        if n > MAX_BODY:
            self.close_connection = True
            self.send_body(413, "request body too large\n", "text/plain")
            return None
        return self.rfile.read(n) if n else b""

    def route(self):
        try:
            self.set_split(self.cfg.split)
            url = urlsplit(self.path)
            if url.path.startswith("/_fake/"):
                self.split = 0
                raw = self.read_body()
                if raw is not None:
                    self.control(url.path, parse_qs(url.query))
                return
            raw = self.read_body()
            if raw is None:
                return
            self.rec = self.state.record(self, raw)
            if url.path in ("/v1/chat/completions", "/chat/completions") and self.command == "POST":
                self.state.begin(self.rec)
                self.state_end("done", self.chat, raw)
            elif url.path in ("/v1/models", "/models") and self.command == "GET":
                self.state_end("done", self.models)
            elif self.cfg.ollama:
                self.state_end("done", self.send_body, 404, "404 page not found", "text/plain")
            else:
                self.state_end("done", self.fail, 404, "Invalid URL (%s %s)"
                               % (self.command, url.path), "invalid_request_error")
        finally:
            if self.cfg.verbose and self.rec is not None:
                sys.stderr.write("openai_fake: #%d %s %s -> %s (%s)\n" % (
                    self.rec["id"], self.command, self.path, self.rec["status"],
                    self.rec["state"]))

    def state_end(self, outcome, fn, *args):
        try:
            fn(*args)
        except ClientGone:
            self.close_connection = True
            outcome = "client_gone"
        except ServerStopping:
            self.close_connection = True
            outcome = "stopped"
        except BadDirective as e:
            self.fake_error(str(e))
        finally:
            if self.rec.get("dropped"):
                outcome = "dropped"
            self.state.end(self.rec, outcome)

    def control(self, path, query):
        def arg(name, default=None):
            return query[name][-1] if name in query else default
        if path == "/_fake/requests" and self.command == "GET":
            return self.send_body(200, dumps(self.state.snapshot()), "application/json")
        if path == "/_fake/stats" and self.command == "GET":
            return self.send_body(200, dumps(self.state.stats()), "application/json")
        if path == "/_fake/reset" and self.command == "POST":
            self.state.reset()
            return self.send_body(200, dumps({"ok": True}), "application/json")
        if path == "/_fake/release" and self.command == "POST":
            try:
                n = int(arg("n")) if arg("n") is not None else None
            except ValueError:
                return self.send_body(400, dumps({"error": "n must be an integer"}),
                                      "application/json")
            return self.send_body(200, dumps({"released": self.state.release(n)}),
                                  "application/json")
        if path == "/_fake/wait" and self.command == "GET":
            try:
                timeout = float(arg("timeout", "10"))
                conds = {k: int(v[-1]) for k, v in query.items() if k != "timeout"}
            except ValueError:
                return self.send_body(400, dumps({"error": "bad wait arguments"}),
                                      "application/json")
            ok, stats = self.state.wait(conds, timeout)
            return self.send_body(200, dumps({"ok": ok, "stats": stats}), "application/json")
        self.send_body(404, dumps({"error": "no such control endpoint: %s %s"
                                   % (self.command, path)}), "application/json")

    def models(self):
        names = self.cfg.models or ["gpt-4o-mini"]
        owner = "library" if self.cfg.ollama else "system"
        self.send_json(200, {"object": "list", "data": [
            {"id": m, "object": "model", "created": 1715367049, "owned_by": owner}
            for m in names]})

    # ---- chat completions ----

    def check_auth(self):
        """True when the request may go on; otherwise answers 401 as OpenAI does."""
        if self.cfg.key is None:
            return True
        auth = self.headers.get("Authorization")
        if auth is None or not auth.lower().startswith("bearer ") or not auth[7:].strip():
            self.fail(401, OPENAI_NO_KEY, "invalid_request_error")
            return False
        key = auth[7:].strip()
        if key != self.cfg.key:
            self.fail(401, OPENAI_BAD_KEY % mask_key(key), "invalid_request_error",
                      code="invalid_api_key")
            return False
        return True

    def validate(self, body):
        """Answers 400 (or 404) as the real server would and returns False, or returns True."""
        if not isinstance(body, dict):
            self.fail(400, "Invalid type for request body: expected an object, but got %s "
                      "instead." % json_type(body), code="invalid_type")
            return False
        model = body.get("model")
        if not isinstance(model, str) or not model:
            self.fail(400, "model is required" if self.cfg.ollama
                      else "you must provide a model parameter")
            return False
        msgs = body.get("messages")
        if msgs is None:
            self.fail(400, "Missing required parameter: 'messages'.", param="messages",
                      code="missing_required_parameter")
            return False
        if not isinstance(msgs, list):
            self.fail(400, "Invalid type for 'messages': expected an array, but got %s instead."
                      % json_type(msgs), param="messages", code="invalid_type")
            return False
        if not msgs:
            self.fail(400, "[] is too short - 'messages'" if self.cfg.ollama else
                      "Invalid 'messages': empty array. Expected an array with minimum length 1, "
                      "but got an empty array instead.", param="messages", code="empty_array")
            return False
        for i, m in enumerate(msgs):
            where = "messages[%d]" % i
            if not isinstance(m, dict):
                self.fail(400, "Invalid type for '%s': expected an object, but got %s instead."
                          % (where, json_type(m)), param=where, code="invalid_type")
                return False
            role = m.get("role")
            if role is None:
                self.fail(400, "Missing required parameter: '%s.role'." % where,
                          param=where + ".role", code="missing_required_parameter")
                return False
            if role not in ROLES:
                self.fail(400, "Invalid value: %s. Supported values are: 'system', 'assistant', "
                          "'user', 'function', 'tool', and 'developer'."
                          % ("'%s'" % role if isinstance(role, str) else dumps(role)),
                          param=where + ".role", code="invalid_value")
                return False
            if "content" not in m and role != "assistant":
                self.fail(400, "Missing required parameter: '%s.content'." % where,
                          param=where + ".content", code="missing_required_parameter")
                return False
            c = m.get("content")
            if not (isinstance(c, (str, list)) or (c is None and role == "assistant")):
                self.fail(400, "Invalid type for '%s.content': expected one of a string or array "
                          "of objects, but got %s instead." % (where, json_type(c)),
                          param=where + ".content", code="invalid_type")
                return False
        stream = body.get("stream")
        if stream is not None and not isinstance(stream, bool):
            self.fail(400, "Invalid type for 'stream': expected a boolean, but got %s instead."
                      % json_type(stream), param="stream", code="invalid_type")
            return False
        so = body.get("stream_options")
        if so is not None and not self.cfg.ollama:
            if not stream:
                self.fail(400, "The 'stream_options' parameter is only allowed when 'stream' is "
                          "enabled.", param="stream_options")
                return False
            if not isinstance(so, dict):
                self.fail(400, "Invalid type for 'stream_options': expected an object, but got "
                          "%s instead." % json_type(so), param="stream_options",
                          code="invalid_type")
                return False
        if self.cfg.reject_max_tokens and "max_tokens" in body:
            self.fail(400, OPENAI_MAX_TOKENS, "invalid_request_error", param="max_tokens",
                      code="unsupported_parameter")
            return False
        for key in ("max_tokens", "max_completion_tokens"):
            v = body.get(key)
            if v is None or (self.cfg.ollama and key == "max_completion_tokens"):
                continue
            if isinstance(v, bool) or not isinstance(v, int):
                self.fail(400, "Invalid type for '%s': expected an integer, but got %s instead."
                          % (key, json_type(v)), param=key, code="invalid_type")
                return False
            if v < 1:
                self.fail(400, "Invalid '%s': integer below minimum value. Expected a value >= 1, "
                          "but got %d instead." % (key, v), param=key,
                          code="integer_below_min_value")
                return False
        if self.cfg.models and model not in self.cfg.models:
            if self.cfg.ollama:
                self.fail(404, "model \"%s\" not found, try pulling it first" % model)
            else:
                self.fail(404, "The model `%s` does not exist or you do not have access to it."
                          % model, code="model_not_found")
            return False
        return True

    def chat(self, raw):
        if not self.check_auth():
            return
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            return self.fail(400, ("invalid character in JSON body: %s" % e) if self.cfg.ollama
                             else OPENAI_BAD_JSON)
        if not self.validate(body):
            return
        msgs = body["messages"]
        model = body["model"]
        users = [content_text(m.get("content")) for m in msgs if m.get("role") == "user"]
        question = users[-1] if users else ""
        self.rec["question"] = question
        d, text = parse_directives(question)
        self.rec["directives"] = [[k] + v for k, v in d.items()]
        opts = Options(self.cfg, d)
        self.set_split(opts.split)

        if opts.hold:
            ev = self.state.hold(self.rec)
            try:
                while not ev.is_set():
                    self.check_peer(POLL)
            finally:
                self.state.unhold(self.rec, ev)
        if opts.first_byte_delay:
            self.pause(opts.first_byte_delay)

        if "fail-first" in d:
            spec = d["fail-first"]
            n = int_arg("fail-first", spec[0], 0)
            if self.state.count_failure(question) <= n:
                return self.error_reply(spec[1:], model)
        if "error" in d:
            return self.error_reply(d["error"], model)

        answer = self.answer(d, text, msgs)
        if opts.split and not any(k in d for k in ("say", "history", "echo-system")) \
                and answer.isascii():
            answer += " " + SPLIT_SAMPLE
        toks = tokenize(answer)
        finish = "stop"
        cap = body.get("max_tokens") if self.cfg.ollama else (
            body.get("max_completion_tokens") if body.get("max_completion_tokens") is not None
            else body.get("max_tokens"))
        if cap is not None and len(toks) > cap:
            toks, finish = toks[:cap], "length"
        prompt = sum(word_count(content_text(m.get("content"))) for m in msgs)
        usage = {"prompt_tokens": prompt, "completion_tokens": len(toks),
                 "total_tokens": prompt + len(toks)}
        if not self.cfg.ollama:
            usage["prompt_tokens_details"] = {"cached_tokens": 0, "audio_tokens": 0}
            usage["completion_tokens_details"] = {"reasoning_tokens": 0, "audio_tokens": 0,
                                                  "accepted_prediction_tokens": 0,
                                                  "rejected_prediction_tokens": 0}
        if opts.garbage == "html":
            return self.send_body(200, HTML_PAGE, "text/html; charset=utf-8")
        if body.get("stream"):
            so = body.get("stream_options") or {}
            self.stream(model, toks, finish, usage, bool(so.get("include_usage")), opts)
        else:
            self.complete(model, toks, finish, usage, opts)

    def answer(self, d, text, msgs):
        if "say" in d:
            return unescape_say(d["say"][0])
        if "lines" in d:
            n = int_arg("lines", d["lines"][0], 0, MAX_LINES)
            return "\n".join("line %d" % i for i in range(1, n + 1))
        if "history" in d:
            every = bool(d["history"]) and d["history"][0] == "all"
            if d["history"] and not every:
                raise BadDirective("[[history]] takes no argument or 'all'")
            out = ["messages: %d" % len(msgs)]
            for m in msgs:
                if every or m.get("role") == "user":
                    t = content_text(m.get("content")).replace("\\", "\\\\").replace("\n", "\\n")
                    out.append("%s: %s" % (m.get("role"), t))
            return "\n".join(out)
        if "echo-system" in d:
            sys_ = [content_text(m.get("content")) for m in msgs
                    if m.get("role") in ("system", "developer")]
            return "\n".join(sys_) if sys_ else "(no system prompt)"
        if self.cfg.default_answer is not None:
            return self.cfg.default_answer.replace("{question}", text)
        return "You said: " + text

    def ids(self):
        if self.cfg.ollama:
            return "chatcmpl-%d" % random.randrange(999), "fp_ollama"
        return "chatcmpl-" + rand_id(29), "fp_" + "".join(random.choice("0123456789abcdef")
                                                          for _ in range(10))

    def complete(self, model, toks, finish, usage, opts):
        """A whole chat.completion object (stream: false)."""
        if opts.stream_error:
            return self.fail(500, OPENAI_500, "server_error")
        cid, fp = self.ids()
        msg = {"role": "assistant", "content": "".join(toks)}
        if not self.cfg.ollama:
            msg.update({"refusal": None, "annotations": []})
        choice = {"index": 0, "message": msg}
        if not self.cfg.ollama:
            choice["logprobs"] = None
        choice["finish_reason"] = finish
        obj = {"id": cid, "object": "chat.completion", "created": int(time.time()),
               "model": model, "choices": [choice], "usage": usage}
        if self.cfg.ollama:
            obj["system_fingerprint"] = fp
        else:
            obj["service_tier"] = "default"
            obj["system_fingerprint"] = fp
        body = (dumps(obj) + ("\n" if self.cfg.ollama else "")).encode("utf-8")
        ctype = "application/json; charset=utf-8" if self.cfg.ollama else "application/json"
        if opts.garbage:
            body = body[:len(body) * 2 // 3]
        head = self.head(200, [("Content-Type", ctype)] + self.api_headers(), len(body))
        if opts.stall or opts.drop is not None:
            self.out(head)
            self.out(body[:len(body) // 2])
            return self.stall() if opts.stall else self.drop(opts.drop)
        self.out(head)
        self.out(body)

    def stall(self):
        self.state.set_state(self.rec, "stalled")
        self.close_connection = True
        while True:
            self.check_peer(POLL)

    def drop(self, how):
        """Ends the connection in the middle of the response: FIN, or RST with [[drop rst]]."""
        self.rec["dropped"] = True
        self.close_connection = True
        try:
            if how and how[0] == "rst":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           b"\x01\x00\x00\x00\x00\x00\x00\x00")
                self.rfile.close()
                self.connection.close()
            else:
                self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def stream(self, model, toks, finish, usage, include_usage, opts):
        """A server-sent event stream of chat.completion.chunk objects (stream: true)."""
        chunked = self.request_version != "HTTP/1.0"
        if not chunked:
            self.close_connection = True
        eol = "\r\n" if opts.crlf else "\n"
        first = [True]

        def send(text):
            if not first[0] and opts.slow:
                self.pause(opts.slow)
            first[0] = False
            data = text.encode("utf-8")
            self.out(b"%x\r\n%s\r\n" % (len(data), data) if chunked else data)

        def event(payload):
            send("data: " + payload + eol + eol)

        def comment():
            if opts.comments:
                send(": keep-alive" + eol + eol)

        cid, fp = self.ids()
        base = {"id": cid, "object": "chat.completion.chunk", "created": int(time.time()),
                "model": model}
        if not self.cfg.ollama:
            base["service_tier"] = "default"
        base["system_fingerprint"] = fp
        separate_usage = include_usage and not opts.usage_in_last_chunk

        def chunk(delta, finish_reason=None, use=None):
            c = dict(base)
            ch = {"index": 0, "delta": delta}
            if not self.cfg.ollama:
                ch["logprobs"] = None
            ch["finish_reason"] = finish_reason
            c["choices"] = [ch]
            if use is not None:
                c["usage"] = use
            elif separate_usage and not self.cfg.ollama:
                c["usage"] = None
            return dumps(c)

        if self.cfg.ollama:
            ctype = "text/event-stream"
            headers = []
        else:
            ctype = "text/event-stream; charset=utf-8"
            headers = [("Cache-Control", "no-cache")] + self.api_headers()
        self.out(self.head(200, [("Content-Type", ctype)] + headers, chunked=chunked))
        comment()
        if not self.cfg.ollama:
            event(chunk({"role": "assistant", "content": "", "refusal": None}))

        def delta(tok):
            return {"role": "assistant", "content": tok} if self.cfg.ollama else {"content": tok}

        for i, tok in enumerate(toks):
            if i == STREAM_PREFIX_CHUNKS:
                if self.interrupt(opts, send, event, chunked):
                    return
            if opts.garbage and i == 1:
                event('{"id":"%s","object":"chat.completion.chunk","choices":[{"index":0,'
                      '"delta":{"content":"tru' % cid)
                event("this is not JSON")
                event("[DONE]")
                if chunked:
                    self.out(b"0\r\n\r\n")
                return
            event(chunk(delta(tok)))
        if len(toks) < STREAM_PREFIX_CHUNKS and self.interrupt(opts, send, event, chunked):
            return
        comment()
        final = {"role": "assistant", "content": ""} if self.cfg.ollama else {}
        event(chunk(final, finish, usage if opts.usage_in_last_chunk else None))
        if separate_usage:
            u = dict(base)
            u["choices"] = []
            u["usage"] = usage
            event(dumps(u))
        event("[DONE]")
        if chunked:
            self.out(b"0\r\n\r\n")

    def interrupt(self, opts, send, event, chunked):
        """Carries out [[stall]], [[drop]] or [[stream-error]] after the first chunks; True if
        the stream ends here."""
        if opts.stall:
            self.stall()
        if opts.drop is not None:
            self.drop(opts.drop)
            return True
        if opts.stream_error:
            if opts.stream_error == "llamacpp":
                send("error: " + dumps({"code": 500, "message": "llama_decode failed: the model "
                                        "crashed while generating", "type": "server_error"})
                     + "\n\n")
                event("[DONE]")
            else:
                event(dumps({"error": {"message": OPENAI_STREAM_ERROR, "type": "server_error",
                                       "param": None, "code": None}}))
            if chunked:
                self.out(b"0\r\n\r\n")
            return True
        return False


class FakeServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, state, family):
        self.address_family = family
        self.state = state
        super().__init__(addr, Handler)

    def server_bind(self):
        # HTTPServer.server_bind would look up the host's name (getfqdn), which can hang for
        # seconds on a machine without DNS; the fake has no use for it.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, ClientGone, ServerStopping)):
            return
        super().handle_error(request, client_address)


def parse_args(argv):
    p = argparse.ArgumentParser(description="A fake OpenAI-compatible Chat Completions server "
                                "for tests (see tests/fakes/README.md).")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1, ::1)")
    p.add_argument("--port", type=int, default=0, help="port; 0 (default) picks a free one")
    p.add_argument("--key", help="the API key; requests must carry 'Authorization: Bearer KEY'")
    p.add_argument("--models", help="comma-separated known models; others get 404 "
                   "(default: any model is accepted)")
    p.add_argument("--default-answer", help="answer to questions without an answer directive "
                   "({question} is replaced by the question); default 'You said: {question}'")
    p.add_argument("--split", type=int, default=0, metavar="K",
                   help="write every response in pieces of 1..K bytes ([[split K]] for all)")
    p.add_argument("--split-pause-ms", type=float, default=1.0,
                   help="pause after each split piece (default 1 ms)")
    p.add_argument("--delay-ms", type=int, default=0,
                   help="delay between stream chunks ([[slow MS]] for all)")
    p.add_argument("--first-byte-delay-ms", type=int, default=0,
                   help="delay before the status line ([[first-byte-delay MS]] for all)")
    p.add_argument("--usage-in-last-chunk", action="store_true",
                   help="usage inside the chunk with finish_reason (llama.cpp/vLLM style), "
                   "not in a separate chunk with empty choices")
    p.add_argument("--hold", action="store_true", help="hold every request ([[hold]] for all)")
    p.add_argument("--reject-max-tokens", action="store_true",
                   help="400 on 'max_tokens', as OpenAI's newer models do")
    p.add_argument("--ollama", action="store_true",
                   help="behave like Ollama's /v1 layer (max_tokens only, its chunk and error "
                   "shapes)")
    p.add_argument("--seed", type=int, default=1, help="seed of the split piece sizes")
    p.add_argument("--verbose", action="store_true", help="log requests to stderr")
    eof = p.add_mutually_exclusive_group()
    eof.add_argument("--exit-on-stdin-eof", dest="stdin_eof", action="store_true", default=None,
                     help="exit when stdin reaches EOF (default when stdin is a pipe)")
    eof.add_argument("--no-exit-on-stdin-eof", dest="stdin_eof", action="store_false")
    cfg = p.parse_args(argv)
    if cfg.split < 0 or cfg.delay_ms < 0 or cfg.first_byte_delay_ms < 0:
        p.error("--split, --delay-ms and --first-byte-delay-ms must be >= 0")
    cfg.models = [m for m in (cfg.models or "").split(",") if m]
    if cfg.stdin_eof is None:
        try:
            mode = os.fstat(sys.stdin.fileno()).st_mode
            cfg.stdin_eof = stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)
        except (OSError, ValueError, AttributeError):
            cfg.stdin_eof = False
    return cfg


def watch_stdin():
    """Reads stdin to its end, then asks the main thread to stop (with a SIGTERM to ourselves)."""
    try:
        while os.read(sys.stdin.fileno(), 65536):
            pass
    except OSError:
        pass
    os.kill(os.getpid(), signal.SIGTERM)


def main(argv=None):
    cfg = parse_args(sys.argv[1:] if argv is None else argv)
    # Block the stop signals in every thread; the main thread takes them with sigwait.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    state = State(cfg)
    family = socket.AF_INET6 if ":" in cfg.host else socket.AF_INET
    try:
        server = FakeServer((cfg.host.strip("[]"), cfg.port), state, family)
    except OSError as e:
        sys.stderr.write("openai_fake: cannot listen on %s port %d: %s\n" % (cfg.host, cfg.port, e))
        return 1
    sys.stdout.write("PORT %d\n" % server.server_address[1])
    sys.stdout.flush()
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                     daemon=True).start()
    if cfg.stdin_eof:
        threading.Thread(target=watch_stdin, daemon=True).start()
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    state.stopping.set()
    with state.cond:
        state.cond.notify_all()
    server.shutdown()
    server.server_close()
    # Give the handlers that hold, stall or pause a moment to notice and close their connections.
    deadline = time.monotonic() + 2.0
    with state.cond:
        while state.in_flight and time.monotonic() < deadline:
            state.cond.wait(0.1)
    if cfg.verbose:
        sys.stderr.write("openai_fake: stopped\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
