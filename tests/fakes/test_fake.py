#!/usr/bin/env python3
"""Self-test of tests/fakes/openai_fake.py: its wire format, checked with raw sockets.

Run: python3 tests/fakes/test_fake.py   (ctest: fake_openai)

The checks read the bytes as a client sees them (every recv() piece is kept), decode HTTP/1.1
(Content-Length and chunked) and server-sent events by hand, and compare bodies, statuses and
headers with what the real servers send (see README.md for the sources).
"""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake import FAKE, SPLIT_SAMPLE, TIMEOUT, FakeOpenAI  # noqa: E402

MODEL = "gpt-test"


def chat_body(question, stream=False, include_usage=None, system=None, history=(), model=MODEL,
              **extra):
    msgs = []
    if system is not None:
        msgs.append({"role": "system", "content": system})
    for role, text in history:
        msgs.append({"role": role, "content": text})
    msgs.append({"role": "user", "content": question})
    body = {"model": model, "messages": msgs}
    if stream:
        body["stream"] = True
    if include_usage is not None:
        body["stream_options"] = {"include_usage": include_usage}
    body.update(extra)
    return body


class Response:
    def __init__(self):
        self.status = None
        self.headers = {}
        self.body = b""
        self.complete = False    # the body ended where HTTP framing says it ends
        self.eof = False         # the server closed the connection
        self.reset = False

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def events(self):
        """The SSE events of the body, as (field, value) of each non-comment line, per event."""
        text = self.body.decode("utf-8").replace("\r\n", "\n")
        out = []
        for block in text.split("\n\n"):
            lines = [l for l in block.split("\n") if l and not l.startswith(":")]
            if lines:
                out.append([tuple(l.split(": ", 1)) for l in lines])
        return out

    def data(self):
        """The payloads of the data: lines, in order."""
        return [v for ev in self.events() for f, v in ev if f == "data"]

    def chunks(self):
        return [json.loads(d) for d in self.data() if d != "[DONE]"]


class Conn:
    """A raw HTTP/1.1 client connection that keeps every piece it receives."""

    def __init__(self, port, host="127.0.0.1"):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.settimeout(TIMEOUT)
        self.sock.connect((host, port))
        self.host = host
        self.port = port
        self.buf = bytearray()
        self.raw = bytearray()
        self.pieces = []
        self.eof = False
        self.reset = False

    def close(self):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def request(self, body, path="/v1/chat/completions", method="POST", headers=(), raw=None):
        data = raw if raw is not None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        lines = ["%s %s HTTP/1.1" % (method, path), "Host: 127.0.0.1:%d" % self.port,
                 "Content-Type: application/json", "Content-Length: %d" % len(data)]
        lines += ["%s: %s" % h for h in headers]
        self.send(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + data)

    def fill(self, timeout):
        """Reads once; False if nothing came within `timeout`. Sets .eof at the end."""
        if self.eof:
            return False
        self.sock.settimeout(timeout)
        try:
            piece = self.sock.recv(65536)
        except socket.timeout:
            return False
        except ConnectionResetError:
            self.reset = True
            piece = b""
        if not piece:
            self.eof = True
            return False
        self.pieces.append(piece)
        self.raw += piece
        self.buf += piece
        return True

    def _need(self, pred, deadline):
        while True:
            n = pred()
            if n is not None:
                return n
            if self.eof or not self.fill(max(0.0, deadline - time.monotonic())):
                if self.eof:
                    return None
                raise AssertionError("no data from the fake within the deadline; got %r"
                                     % bytes(self.raw[-300:]))

    def read_line(self, deadline):
        i = self._need(lambda: (self.buf.find(b"\r\n") + 2) if b"\r\n" in self.buf else None,
                       deadline)
        if i is None:
            return None
        line, self.buf = bytes(self.buf[:i - 2]), self.buf[i:]
        return line

    def read_exact(self, n, deadline):
        got = self._need(lambda: n if len(self.buf) >= n else None, deadline)
        if got is None:
            out, self.buf = bytes(self.buf), bytearray()
            return out
        out, self.buf = bytes(self.buf[:n]), self.buf[n:]
        return out

    def head(self, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        r = Response()
        while True:
            line = self.read_line(deadline)
            if line is None:
                raise AssertionError("connection closed before a status line: %r"
                                     % bytes(self.raw))
            proto, status = line.decode("latin-1").split(" ", 2)[:2]
            assert proto == "HTTP/1.1", line
            r.status = int(status)
            r.headers = {}
            while True:
                h = self.read_line(deadline)
                if not h:
                    break
                k, v = h.decode("latin-1").split(":", 1)
                r.headers[k.strip().lower()] = v.strip()
            if r.status != 100:
                return r

    def next_chunk(self, r, deadline):
        """The next chunk of a chunked body; b"" at its end; None if the connection ended."""
        line = self.read_line(deadline)
        if line is None:
            return None
        n = int(line.split(b";")[0], 16)
        if n == 0:
            self.read_line(deadline)
            r.complete = True
            return b""
        data = self.read_exact(n, deadline)
        if len(data) < n:
            r.body += data
            return None
        self.read_line(deadline)
        return data

    def response(self, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        r = self.head(timeout)
        if r.headers.get("transfer-encoding") == "chunked":
            while True:
                data = self.next_chunk(r, deadline)
                if not data:
                    break
                r.body += data
        elif "content-length" in r.headers:
            n = int(r.headers["content-length"])
            r.body = self.read_exact(n, deadline)
            r.complete = len(r.body) == n
        else:
            while self.fill(max(0.0, deadline - time.monotonic())):
                pass
            r.body, self.buf = bytes(self.buf), bytearray()
            r.complete = self.eof
        r.eof, r.reset = self.eof, self.reset
        return r


def post(port, body, host="127.0.0.1", **kw):
    c = Conn(port, host)
    try:
        c.request(body, **kw)
        r = c.response()
        r.pieces, r.raw = c.pieces, bytes(c.raw)
        return r
    finally:
        c.close()


def content_of(r):
    """The answer text reassembled from the content deltas of a streamed response."""
    return "".join((c["choices"][0]["delta"].get("content") or "")
                   for c in r.chunks() if c.get("choices"))


def err(message, etype, param=None, code=None):
    return {"error": {"message": message, "type": etype, "param": param, "code": code}}


class Shared(unittest.TestCase):
    """Tests against one fake with default flags (reset before each test)."""

    @classmethod
    def setUpClass(cls):
        cls.fake = FakeOpenAI()
        cls.port = cls.fake.port

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()

    def setUp(self):
        self.fake.idle()  # the previous test's requests are all done, server side too
        self.fake.reset()

    def ask(self, question, **kw):
        return post(self.port, chat_body(question, **kw))

    # ---- normal answers ----

    def test_answer_without_stream(self):
        r = self.ask("hola mundo")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["content-type"], "application/json")
        self.assertTrue(r.headers["x-request-id"].startswith("req_"))
        obj = r.json()
        self.assertRegex(obj["id"], r"^chatcmpl-\w+$")
        self.assertEqual(obj["object"], "chat.completion")
        self.assertEqual(obj["model"], MODEL)
        self.assertIsInstance(obj["created"], int)
        self.assertEqual(obj["choices"], [{
            "index": 0, "message": {"role": "assistant", "content": "You said: hola mundo",
                                    "refusal": None, "annotations": []},
            "logprobs": None, "finish_reason": "stop"}])
        u = obj["usage"]
        self.assertEqual((u["prompt_tokens"], u["completion_tokens"], u["total_tokens"]),
                         (2, 4, 6))

    def test_stream_with_separate_usage_chunk(self):
        r = self.ask("uno dos tres", stream=True, include_usage=True)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["content-type"], "text/event-stream; charset=utf-8")
        self.assertEqual(r.headers["transfer-encoding"], "chunked")
        self.assertTrue(r.complete)
        data = r.data()
        self.assertEqual(data[-1], "[DONE]")
        chunks = r.chunks()
        ids = {(c["id"], c["created"], c["model"], c["system_fingerprint"], c["object"])
               for c in chunks}
        self.assertEqual(len(ids), 1, "every chunk has the same id, created, model")
        self.assertEqual(chunks[0]["object"], "chat.completion.chunk")
        self.assertEqual(chunks[0]["choices"], [{
            "index": 0, "delta": {"role": "assistant", "content": "", "refusal": None},
            "logprobs": None, "finish_reason": None}])
        body = chunks[1:-2]
        self.assertEqual(["".join(c["choices"][0]["delta"]["content"] for c in body)],
                         ["You said: uno dos tres"])
        self.assertTrue(all(c["choices"][0]["finish_reason"] is None for c in body))
        self.assertEqual(chunks[-2]["choices"], [{"index": 0, "delta": {}, "logprobs": None,
                                                  "finish_reason": "stop"}])
        self.assertTrue(all(c["usage"] is None for c in chunks[:-1]))
        self.assertEqual(chunks[-1]["choices"], [])
        u = chunks[-1]["usage"]
        self.assertEqual((u["prompt_tokens"], u["completion_tokens"], u["total_tokens"]),
                         (3, 5, 8))
        for line in r.body.split(b"\n\n")[:-1]:
            self.assertTrue(line.startswith(b"data: "), line)

    def test_stream_without_usage(self):
        r = self.ask("hola", stream=True)
        chunks = r.chunks()
        self.assertEqual(content_of(r), "You said: hola")
        self.assertFalse(any("usage" in c for c in chunks))
        self.assertEqual(chunks[-1]["choices"][0]["finish_reason"], "stop")
        self.assertEqual(r.data()[-1], "[DONE]")

    def test_usage_in_last_chunk(self):
        r = self.ask("hola [[usage-in-last-chunk]]", stream=True, include_usage=True)
        chunks = r.chunks()
        self.assertTrue(all(c["choices"] for c in chunks), "no chunk with empty choices")
        last = chunks[-1]
        self.assertEqual(last["choices"][0]["finish_reason"], "stop")
        self.assertEqual(last["usage"]["completion_tokens"], 3)
        self.assertFalse(any("usage" in c for c in chunks[:-1]))
        self.assertEqual(r.data()[-1], "[DONE]")

    def test_split_pieces_reassemble_exactly(self):
        want = "You said: hola " + SPLIT_SAMPLE
        r = self.ask("[[split 4]] hola", stream=True, include_usage=True)
        self.assertTrue(r.complete)
        self.assertEqual(content_of(r), want)
        bounds = []
        off = 0
        for p in r.pieces[:-1]:
            off += len(p)
            bounds.append(off)
        raw = r.raw
        in_char = [b for b in bounds if raw[b - 1] >= 0x80 and 0x80 <= raw[b] <= 0xBF]
        self.assertTrue(in_char, "no read ended inside a UTF-8 character")
        spans = []
        i = raw.find(b"data: {")
        while i >= 0:
            j = raw.find(b"\n\n", i)
            spans.append((i + 6, j))
            i = raw.find(b"data: {", j)
        inside = [b for b in bounds if any(s < b < e for s, e in spans)]
        self.assertGreater(len(inside), len(spans), "reads did not end inside the JSON")
        # Non-streamed too: the same exact bytes once reassembled.
        r = self.ask("[[split 3]] adiós")
        self.assertEqual(r.json()["choices"][0]["message"]["content"],
                         "You said: adiós")  # not ASCII already: nothing appended
        self.assertGreater(len(r.pieces), 20)

    def test_say_lines_history_echo_system(self):
        r = self.ask("[[say uno\\ndos  tres\\\\n]]")
        self.assertEqual(r.json()["choices"][0]["message"]["content"], "uno\ndos  tres\\n")
        r = self.ask("[[say ¿Qué? ñ]]", stream=True)
        self.assertEqual(content_of(r), "¿Qué? ñ")
        r = self.ask("[[lines 3]]", stream=True)
        self.assertEqual(content_of(r), "line 1\nline 2\nline 3")
        r = self.ask("[[history]]", system="sé breve",
                     history=[("user", "primero"), ("assistant", "vale"),
                              ("user", "dos\nlíneas")])
        self.assertEqual(r.json()["choices"][0]["message"]["content"],
                         "messages: 5\nuser: primero\nuser: dos\\nlíneas\nuser: [[history]]")
        r = self.ask("[[history all]]", system="S", history=[("user", "a"), ("assistant", "b")])
        self.assertEqual(r.json()["choices"][0]["message"]["content"],
                         "messages: 4\nsystem: S\nuser: a\nassistant: b\nuser: [[history all]]")
        r = self.ask("[[echo-system]]", system="Eres un loro.")
        self.assertEqual(r.json()["choices"][0]["message"]["content"], "Eres un loro.")
        r = self.ask("[[echo-system]]")
        self.assertEqual(r.json()["choices"][0]["message"]["content"], "(no system prompt)")
        # Array-of-parts content counts as its text parts.
        r = post(self.port, {"model": MODEL, "messages": [{"role": "user", "content": [
            {"type": "text", "text": "par"}, {"type": "text", "text": "tes"}]}]})
        self.assertEqual(r.json()["choices"][0]["message"]["content"], "You said: partes")

    def test_output_cap_counts_words(self):
        for key in ("max_tokens", "max_completion_tokens"):
            r = self.ask("[[lines 10]]", stream=True, include_usage=True, **{key: 3})
            self.assertEqual(content_of(r), "line 1\nline", key)
            chunks = r.chunks()
            self.assertEqual(chunks[-2]["choices"][0]["finish_reason"], "length", key)
            self.assertEqual(chunks[-1]["usage"]["completion_tokens"], 3, key)
            r = self.ask("[[lines 10]]", **{key: 4})
            ch = r.json()["choices"][0]
            self.assertEqual((ch["message"]["content"], ch["finish_reason"]),
                             ("line 1\nline 2", "length"), key)
        r = self.ask("[[lines 2]]", max_tokens=4)
        self.assertEqual(r.json()["choices"][0]["finish_reason"], "stop")
        r = self.ask("hola", max_tokens=0)
        self.assertEqual((r.status, r.json()), (400, err(
            "Invalid 'max_tokens': integer below minimum value. Expected a value >= 1, but got 0 "
            "instead.", "invalid_request_error", "max_tokens", "integer_below_min_value")))

    # ---- validation ----

    def test_validation_errors(self):
        r = post(self.port, None, raw=b"{not json")
        self.assertEqual(r.status, 400)
        e = r.json()["error"]
        self.assertTrue(e["message"].startswith("We could not parse the JSON body of your "
                                                "request."), e)
        self.assertEqual((e["type"], e["param"], e["code"]), ("invalid_request_error", None, None))
        r = post(self.port, {"messages": [{"role": "user", "content": "x"}]})
        self.assertEqual((r.status, r.json()), (400, err(
            "you must provide a model parameter", "invalid_request_error")))
        r = post(self.port, {"model": MODEL})
        self.assertEqual((r.status, r.json()), (400, err(
            "Missing required parameter: 'messages'.", "invalid_request_error", "messages",
            "missing_required_parameter")))
        r = post(self.port, {"model": MODEL, "messages": []})
        self.assertEqual((r.status, r.json()), (400, err(
            "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an "
            "empty array instead.", "invalid_request_error", "messages", "empty_array")))
        r = post(self.port, {"model": MODEL, "messages": [{"role": "robot", "content": "x"}]})
        self.assertEqual((r.status, r.json()["error"]["param"], r.json()["error"]["code"]),
                         (400, "messages[0].role", "invalid_value"))
        r = post(self.port, {"model": MODEL, "messages": [{"role": "user"}]})
        self.assertEqual(r.json()["error"]["param"], "messages[0].content")
        r = post(self.port, chat_body("x", include_usage=True))
        self.assertEqual((r.status, r.json()["error"]["param"]), (400, "stream_options"))
        r = self.ask("[[bogus 1]]")
        self.assertEqual(r.status, 400)
        self.assertIn("unknown directive [[bogus]]", r.json()["error"]["message"])
        # The fake counts a request out after its answer is written: wait for it, on a deadline.
        self.assertEqual(self.fake.idle()["in_flight"], 0)

    def test_paths_models_and_keep_alive(self):
        c = Conn(self.port)
        try:
            c.request(chat_body("uno"), path="/chat/completions")
            r1 = c.response()
            c.request(chat_body("dos"))
            r2 = c.response()
            c.request(None, path="/v1/chat/completion", raw=b"{}")
            r3 = c.response()
            c.request(None, path="/v1/models", method="GET", raw=b"")
            r4 = c.response()
        finally:
            c.close()
        self.assertEqual(r1.json()["choices"][0]["message"]["content"], "You said: uno")
        self.assertEqual(r2.json()["choices"][0]["message"]["content"], "You said: dos")
        self.assertEqual((r3.status, r3.json()), (404, err(
            "Invalid URL (POST /v1/chat/completion)", "invalid_request_error")))
        self.assertEqual(r4.json()["object"], "list")
        self.assertEqual([m["id"] for m in r4.json()["data"]], ["gpt-4o-mini"])
        self.assertEqual([r["path"] for r in self.fake.requests()],
                         ["/chat/completions", "/v1/chat/completions", "/v1/chat/completion",
                          "/v1/models"])
        self.assertEqual(len(self.fake.chat_requests()), 2)

    def test_connection_close_and_http10(self):
        c = Conn(self.port)
        try:
            c.request(chat_body("adiós", stream=True), headers=[("Connection", "close")])
            r = c.response()
            self.assertEqual(r.headers["connection"], "close")
            self.assertEqual(content_of(r), "You said: adiós")
            self.assertFalse(c.fill(TIMEOUT))
            self.assertTrue(c.eof)
        finally:
            c.close()
        c = Conn(self.port)
        try:
            data = json.dumps(chat_body("viejo", stream=True)).encode()
            c.send(b"POST /v1/chat/completions HTTP/1.0\r\nContent-Length: %d\r\n\r\n%s"
                   % (len(data), data))
            r = c.response()  # no chunked encoding in HTTP/1.0: the body ends with the connection
        finally:
            c.close()
        self.assertNotIn("transfer-encoding", r.headers)
        self.assertTrue(r.complete)
        self.assertEqual(content_of(r), "You said: viejo")
        self.assertEqual(r.data()[-1], "[DONE]")

    def test_expect_100_continue(self):
        c = Conn(self.port)
        try:
            data = json.dumps(chat_body("grande " * 200)).encode()
            c.send(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n"
                    "Expect: 100-continue\r\n\r\n" % len(data)).encode())
            c._need(lambda: 1 if b"\r\n\r\n" in c.buf else None, time.monotonic() + TIMEOUT)
            self.assertEqual(bytes(c.raw), b"HTTP/1.1 100 Continue\r\n\r\n")
            c.send(data)
            r = c.response()
        finally:
            c.close()
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["usage"]["prompt_tokens"], 200)

    # ---- errors ----

    def test_error_directives(self):
        key = "sk-abcdefghijklmnop1234"
        quota = ("You exceeded your current quota, please check your plan and billing details. "
                 "For more information on this error, read the docs: "
                 "https://platform.openai.com/docs/guides/error-codes/api-errors.")
        cases = [
            ("[[error 401]]", 401, err(
                "Incorrect API key provided: sk-abcde***********1234. You can find your API key "
                "at https://platform.openai.com/account/api-keys.", "invalid_request_error",
                None, "invalid_api_key")),
            ("[[error 429 retry-after=7]]", 429, err(
                "Rate limit reached for gpt-test in organization org-fake on requests per min "
                "(RPM): Limit 3, Used 3, Requested 1. Please try again in 7s. Visit "
                "https://platform.openai.com/account/rate-limits to learn more.", "requests",
                None, "rate_limit_exceeded")),
            ("[[error 429 insufficient_quota]]", 429,
             err(quota, "insufficient_quota", None, "insufficient_quota")),
            ("[[error 500]]", 500, err("The server had an error while processing your request. "
                                       "Sorry about that!", "server_error")),
            ("[[error 503 retry-after=2]]", 503, err(
                "The engine is currently overloaded, please try again later.", "server_error")),
            ("[[error 404]]", 404, err("The model `gpt-test` does not exist or you do not have "
                                       "access to it.", "invalid_request_error", None,
                                       "model_not_found")),
            ("[[error llamacpp]]", 500, {"error": {
                "code": 500, "message": "llama_decode failed: the model crashed while "
                "generating", "type": "server_error"}}),
            ("[[error llamacpp 503]]", 503, {"error": {
                "code": 503, "message": "Loading model", "type": "unavailable_error"}}),
            ("[[error vllm]]", 400, {
                "object": "error", "message": "This model's maximum context length is 4096 "
                "tokens. However, you requested 5000 tokens (4000 in the messages, 1000 in the "
                "completion). Please reduce the length of the messages or completion.",
                "type": "BadRequestError", "param": None, "code": 400}),
            ("[[error ollama-404]]", 404,
             {"error": "model \"gpt-test\" not found, try pulling it first"}),
            ("[[error ollama]]", 500, err("llama runner process has terminated: exit status 2",
                                          "api_error")),
        ]
        for question, status, body in cases:
            with self.subTest(question):
                for stream in (False, True):
                    r = post(self.port, chat_body(question, stream=stream),
                             headers=[("Authorization", "Bearer " + key)])
                    self.assertEqual(r.status, status)
                    self.assertTrue(r.headers["content-type"].startswith("application/json"))
                    self.assertEqual(r.json(), body)
        r = self.ask("[[error 429 retry-after=7]]")
        h = r.headers
        self.assertEqual((h["retry-after"], h["x-ratelimit-remaining-requests"],
                          h["x-ratelimit-reset-requests"], h["x-ratelimit-limit-requests"]),
                         ("7", "0", "7s", "3"))
        self.assertNotIn("retry-after", self.ask("[[error 429 insufficient_quota]]").headers)
        self.assertNotIn("retry-after", self.ask("[[error 500]]").headers)
        self.assertEqual(self.ask("[[error 503 retry-after=2]]").headers["retry-after"], "2")
        self.assertEqual(self.ask("[[error 429 retry-after=0.5]]").headers["retry-after"], "1")
        r = self.ask("[[error 401]]")
        self.assertTrue(r.json()["error"]["message"].startswith("You didn't provide an API key."))
        r = self.ask("[[error 502]]")
        self.assertEqual((r.status, r.headers["content-type"]), (502, "text/html"))
        self.assertIn(b"502 Bad Gateway", r.body)

    def test_error_inside_a_200_stream(self):
        r = self.ask("uno dos tres cuatro [[stream-error]]", stream=True)
        self.assertEqual(r.status, 200)
        self.assertTrue(r.complete)
        data = r.data()
        self.assertEqual(len(data), 4)
        self.assertEqual(json.loads(data[-1]), err(
            "The server had an error while processing your request.", "server_error"))
        self.assertEqual("".join(json.loads(d)["choices"][0]["delta"].get("content", "")
                                 for d in data[:3]), "You said:")
        self.assertNotIn("[DONE]", data)
        # llama.cpp: an "error:" field (not data:), then [DONE].
        r = self.ask("uno dos tres [[stream-error llamacpp]]", stream=True)
        ev = r.events()
        self.assertEqual(ev[-2][0][0], "error")
        self.assertEqual(json.loads(ev[-2][0][1]), {"code": 500, "message": "llama_decode "
                         "failed: the model crashed while generating", "type": "server_error"})
        self.assertEqual(ev[-1], [("data", "[DONE]")])
        # Without stream: a plain 500.
        r = self.ask("x [[stream-error]]")
        self.assertEqual(r.status, 500)

    def test_garbage(self):
        r = self.ask("uno dos [[garbage]]", stream=True)
        self.assertEqual(r.status, 200)
        data = r.data()
        json.loads(data[0])
        json.loads(data[1])
        for d in data[2:4]:
            self.assertRaises(ValueError, json.loads, d)
        self.assertEqual(data[-1], "[DONE]")
        r = self.ask("x [[garbage]]")
        self.assertEqual(r.status, 200)
        self.assertRaises(ValueError, r.json)
        r = self.ask("x [[garbage html]]", stream=True)
        self.assertEqual((r.status, r.headers["content-type"]), (200, "text/html; charset=utf-8"))
        self.assertTrue(r.body.startswith(b"<!DOCTYPE html>"))

    def test_fail_first_then_answer(self):
        q = "[[fail-first 2 429 retry-after=1]] reintenta"
        got = [self.ask(q) for _ in range(3)]
        self.assertEqual([r.status for r in got], [429, 429, 200])
        self.assertEqual(got[0].headers["retry-after"], "1")
        self.assertEqual(got[2].json()["choices"][0]["message"]["content"],
                         "You said: reintenta")
        other = "[[fail-first 1 500]] otra"
        self.assertEqual([self.ask(other).status for _ in range(2)], [500, 200])
        self.assertEqual(self.ask(q).status, 200, "still counted")
        self.fake.reset()
        self.assertEqual(self.ask(q).status, 429, "reset forgets the counts")
        r = self.ask("[[fail-first 1 429 insufficient_quota]] q", stream=True)
        self.assertEqual(r.json()["error"]["code"], "insufficient_quota")

    # ---- timing and connection behaviour ----

    def test_stall_keeps_the_connection_open(self):
        c = Conn(self.port)
        try:
            c.request(chat_body("uno dos tres cuatro cinco [[stall]]", stream=True))
            r = c.head()
            self.assertEqual(r.status, 200)
            deadline = time.monotonic() + TIMEOUT
            for _ in range(3):
                self.assertTrue(c.next_chunk(r, deadline))
            self.assertEqual(c.buf, b"", "more than the role chunk and two content chunks")
            self.assertFalse(c.fill(0.4), "the fake sent more after stalling")
            self.assertFalse(c.eof, "the fake closed a stalled stream")
            st = self.fake.wait(stalled=1)
            self.assertEqual((st["in_flight"], st["completed"]), (1, 0))
            self.assertEqual(self.fake.chat_requests()[-1]["state"], "stalled")
        finally:
            c.close()
        self.fake.wait(client_gone=1)
        # The fake counts a request out after its answer is written: wait for it, on a deadline.
        self.assertEqual(self.fake.idle()["in_flight"], 0)
        # Without stream: half the body, then nothing.
        c = Conn(self.port)
        try:
            c.request(chat_body("x [[stall]]"))
            r = c.head()
            want = int(r.headers["content-length"])
            self.assertFalse(c.fill(0.3) and len(c.buf) >= want)
            self.assertFalse(c.eof)
        finally:
            c.close()
        self.fake.wait(client_gone=2)

    def test_drop_closes_mid_stream(self):
        r = self.ask("uno dos tres cuatro [[drop]]", stream=True)
        self.assertEqual(r.status, 200)
        self.assertFalse(r.complete)
        self.assertTrue(r.eof)
        self.assertEqual(len(r.data()), 3)
        self.assertNotIn("[DONE]", r.data())
        r = self.ask("uno dos tres cuatro [[drop rst]]", stream=True)
        self.assertFalse(r.complete)
        self.assertTrue(r.eof)
        r = self.ask("x y z [[drop]]")
        self.assertFalse(r.complete)
        self.assertLess(len(r.body), int(r.headers["content-length"]))
        self.fake.idle()
        self.assertEqual([q["state"] for q in self.fake.chat_requests()], ["dropped"] * 3)

    def test_first_byte_delay_and_slow(self):
        t0 = time.monotonic()
        r = self.ask("[[first-byte-delay 300]] hola")
        self.assertGreaterEqual(time.monotonic() - t0, 0.29)
        self.assertEqual(r.json()["choices"][0]["message"]["content"], "You said: hola")
        t0 = time.monotonic()
        r = self.ask("[[slow 60]] a b", stream=True)  # 6 events after the first: >= 5 pauses
        self.assertGreaterEqual(time.monotonic() - t0, 0.29)
        self.assertEqual(content_of(r), "You said: a b")

    def test_client_leaving_is_seen(self):
        c = Conn(self.port)
        c.request(chat_body("[[first-byte-delay 5000]] x"))
        self.fake.wait(in_flight=1)
        c.close()
        st = self.fake.wait(client_gone=1)
        self.assertEqual(st["in_flight"], 0)
        self.assertEqual(self.fake.chat_requests()[0]["state"], "client_gone")
        c = Conn(self.port)
        c.request(chat_body("[[hold]] y"))
        self.fake.wait(held=1)
        c.close()
        st = self.fake.wait(client_gone=2)
        self.assertEqual(st["held"], 0)

    def test_hold_and_release(self):
        results = {}

        def worker(i):
            results[i] = post(self.port, chat_body("[[hold]] pregunta %d" % i, stream=True))

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        st = self.fake.wait(held=4)
        self.assertEqual((st["in_flight"], st["max_in_flight"], st["completed"]), (4, 4, 0))
        self.assertEqual(results, {})
        self.assertEqual(self.fake.release(1), 1)
        st = self.fake.wait(completed=1)
        self.assertEqual(st["held"], 3)
        self.assertEqual(self.fake.release(), 3)
        for t in threads:
            t.join(TIMEOUT)
        st = self.fake.wait(completed=4)
        self.assertEqual((st["in_flight"], st["max_in_flight"], st["total"], st["completed"]),
                         (0, 4, 4, 4))
        for i in range(4):
            self.assertEqual(content_of(results[i]), "You said: pregunta %d" % i)
        self.assertEqual(self.fake.release(), 0)

    def test_many_concurrent_streams(self):
        results = {}

        def worker(i):
            results[i] = post(self.port, chat_body("[[slow 20]] [[lines 5]] %d" % i,
                                                   stream=True, include_usage=True))

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(24)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(TIMEOUT * 2)
        self.assertEqual(len(results), 24)
        for i in range(24):
            self.assertEqual(content_of(results[i]), "line 1\nline 2\nline 3\nline 4\nline 5")
        st = self.fake.idle()
        self.assertEqual((st["total"], st["completed"], st["in_flight"]), (24, 24, 0))
        self.assertGreater(st["max_in_flight"], 1)

    def test_requests_log(self):
        post(self.port, chat_body("¿hola?", stream=True), headers=[("Authorization",
                                                                       "Bearer sk-whatever")])
        self.fake.idle()
        reqs = self.fake.requests()
        self.assertEqual(len(reqs), 1)
        r = reqs[0]
        self.assertEqual((r["method"], r["path"], r["status"], r["state"], r["question"]),
                         ("POST", "/v1/chat/completions", 200, "done", "¿hola?"))
        self.assertEqual(r["headers"]["authorization"], "Bearer sk-whatever")
        self.assertEqual(r["body"], chat_body("¿hola?", stream=True))
        post(self.port, None, raw=b"\xff not json")
        r = self.fake.requests()[1]
        self.assertIsNone(r["body"])
        self.assertEqual(r["raw_body"], "\ufffd not json")
        r = self.ask("[[slow 1]] [[error 429 retry-after=3]] x")
        self.assertEqual(self.fake.requests()[2]["directives"],
                         [["slow", "1"], ["error", "429", "retry-after=3"]])
        self.fake.reset()
        self.assertEqual(self.fake.requests(), [])
        self.assertEqual(self.fake.stats()["total"], 0)


class Flags(unittest.TestCase):
    """Tests that need a fake of their own, started with server flags."""

    def start(self, *flags, **kw):
        fake = FakeOpenAI(*flags, **kw)
        self.addCleanup(fake.stop)
        return fake

    def test_api_key(self):
        fake = self.start("--key", "sk-test-1234")
        body = chat_body("hola")
        r = post(fake.port, body)
        self.assertEqual(r.status, 401)
        self.assertTrue(r.json()["error"]["message"].startswith("You didn't provide an API key."))
        r = post(fake.port, body, headers=[("Authorization", "Bearer sk-wrong-key-abcd")])
        self.assertEqual((r.status, r.json()), (401, err(
            "Incorrect API key provided: sk-wrong*****abcd. You can find your API key at "
            "https://platform.openai.com/account/api-keys.", "invalid_request_error", None,
            "invalid_api_key")))
        r = post(fake.port, body, headers=[("Authorization", "Bearer sk-test-1234")])
        self.assertEqual(r.status, 200)
        self.assertEqual(fake.requests()[1]["headers"]["authorization"],
                         "Bearer sk-wrong-key-abcd")

    def test_reject_max_tokens(self):
        fake = self.start("--reject-max-tokens")
        r = post(fake.port, chat_body("hola", max_tokens=5))
        self.assertEqual((r.status, r.json()), (400, err(
            "Unsupported parameter: 'max_tokens' is not supported with this model. Use "
            "'max_completion_tokens' instead.", "invalid_request_error", "max_tokens",
            "unsupported_parameter")))
        r = post(fake.port, chat_body("[[lines 4]]", max_completion_tokens=2))
        ch = r.json()["choices"][0]
        self.assertEqual((ch["message"]["content"], ch["finish_reason"]), ("line 1", "length"))

    def test_ollama(self):
        fake = self.start("--ollama", "--models", "llama3.2")
        r = post(fake.port, chat_body("[[lines 4]]", model="llama3.2", max_completion_tokens=2,
                                      stream=True, include_usage=True))
        self.assertEqual(r.headers["content-type"], "text/event-stream")
        self.assertEqual(content_of(r), "line 1\nline 2\nline 3\nline 4",
                         "max_completion_tokens is ignored")
        chunks = r.chunks()
        self.assertTrue(all(c["system_fingerprint"] == "fp_ollama" for c in chunks))
        self.assertEqual(chunks[0]["choices"][0]["delta"], {"role": "assistant",
                                                            "content": "line"})
        self.assertEqual(chunks[-2]["choices"], [{"index": 0, "delta": {
            "role": "assistant", "content": ""}, "finish_reason": "stop"}])
        self.assertEqual((chunks[-1]["choices"], chunks[-1]["usage"]),
                         ([], {"prompt_tokens": 2, "completion_tokens": 8, "total_tokens": 10}))
        self.assertEqual(r.data()[-1], "[DONE]")
        r = post(fake.port, chat_body("[[lines 4]]", model="llama3.2", max_tokens=2))
        ch = r.json()["choices"][0]
        self.assertEqual((ch["message"]["content"], ch["finish_reason"]), ("line 1", "length"))
        r = post(fake.port, chat_body("[[error 500]]", model="llama3.2"))
        self.assertEqual((r.status, r.json()), (500, err(
            "The server had an error while processing your request. Sorry about that!",
            "api_error")))
        r = post(fake.port, chat_body("hola", model="llama3.1"))
        self.assertEqual((r.status, r.json()), (404, err(
            "model \"llama3.1\" not found, try pulling it first", "not_found_error")))
        r = post(fake.port, None, path="/api/nothing", raw=b"{}")
        self.assertEqual((r.status, r.body), (404, b"404 page not found"))

    def test_server_defaults(self):
        fake = self.start("--split", "5", "--usage-in-last-chunk", "--default-answer",
                          "Respuesta a {question}", "--models", "a,b")
        r = post(fake.port, chat_body("x", model="a", stream=True))
        self.assertEqual(content_of(r), "Respuesta a x " + SPLIT_SAMPLE)
        self.assertEqual(r.chunks()[-1]["usage"]["completion_tokens"], 8)
        self.assertGreater(len(r.pieces), 50)
        r = post(fake.port, chat_body("x", model="c"))
        self.assertEqual((r.status, r.json()["error"]["code"]), (404, "model_not_found"))
        self.assertGreater(len(r.pieces), 10, "errors are split too")
        r = post(fake.port, None, path="/v1/models", method="GET", raw=b"")
        self.assertEqual([m["id"] for m in r.json()["data"]], ["a", "b"])

    def test_delay_flags_and_hold_flag(self):
        fake = self.start("--first-byte-delay-ms", "200", "--delay-ms", "30", "--hold")
        got = []
        t = threading.Thread(target=lambda: got.append(post(fake.port,
                                                            chat_body("a", stream=True))))
        t.start()
        fake.wait(held=1)
        t0 = time.monotonic()
        fake.release()
        t.join(TIMEOUT)
        self.assertGreaterEqual(time.monotonic() - t0, 0.19 + 5 * 0.03)
        self.assertEqual(content_of(got[0]), "You said: a")

    def test_ipv6(self):
        try:
            s = socket.socket(socket.AF_INET6)
            s.bind(("::1", 0))
            s.close()
        except OSError:
            self.skipTest("no IPv6 loopback on this machine")
        fake = self.start(host="::1")
        self.assertEqual(fake.url, "http://[::1]:%d/v1" % fake.port)
        r = post(fake.port, chat_body("hola"), host="::1")
        self.assertEqual(r.json()["choices"][0]["message"]["content"], "You said: hola")
        self.assertEqual(fake.stats()["total"], 1)

    def test_stdin_eof_stops_it(self):
        p = subprocess.Popen([sys.executable, FAKE, "--port", "0"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            line = p.stdout.readline()
            self.assertRegex(line.decode(), r"^PORT \d+\n$")
            port = int(line.split()[1])
            c = Conn(port)  # a stalled stream must not keep it alive
            c.request(chat_body("a b c [[stall]]", stream=True))
            c.head()
            p.stdin.close()
            self.assertEqual(p.wait(TIMEOUT), 0)
            self.assertEqual(p.stderr.read(), b"")
            c.close()
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            p.stdout.close()
            p.stderr.close()

    def test_sigterm_and_no_stdin_watch(self):
        p = subprocess.Popen([sys.executable, FAKE, "--port", "0", "--no-exit-on-stdin-eof",
                              "--verbose"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        try:
            port = int(p.stdout.readline().split()[1])
            p.stdin.close()
            r = post(port, chat_body("sigo vivo"))  # stdin EOF ignored
            self.assertEqual(r.status, 200)
            c = Conn(port)
            c.request(chat_body("[[hold]] x"))
            w = Conn(port)
            w.request(None, path="/_fake/wait?held=1&timeout=%d" % TIMEOUT, method="GET", raw=b"")
            self.assertTrue(w.response().json()["ok"])
            w.close()
            p.send_signal(signal.SIGTERM)
            self.assertEqual(p.wait(TIMEOUT), 0)
            self.assertTrue(c.fill(TIMEOUT) is False and c.eof, "held connection closed")
            c.close()
            err_text = p.stderr.read().decode()
            self.assertIn("POST /v1/chat/completions -> 200 (done)", err_text)
            self.assertNotIn("Traceback", err_text)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            p.stdout.close()
            p.stderr.close()


if __name__ == "__main__":
    t0 = time.monotonic()
    prog = unittest.main(exit=False, verbosity=2)
    r = prog.result
    bad = len(r.failures) + len(r.errors)
    print("SUMMARY test_fake: %d run, %d failed, %d errors, %d skipped in %.1f s: %s" % (
        r.testsRun, len(r.failures), len(r.errors), len(r.skipped), time.monotonic() - t0,
        "FAIL" if bad or not r.testsRun else "OK"))
    sys.exit(1 if bad or not r.testsRun else 0)
