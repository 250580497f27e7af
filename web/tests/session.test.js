// session.js: registration, CAP, PING, joins, reconnection with back-off, refused names —
// with a fake WebSocket and a fake clock.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ChatState } from "../state.js";
import {
  backoffDelay, BACKOFF_FIRST_MS, BACKOFF_MAX_MS, Session, WANTED_CAPS, wsUrl,
} from "../session.js";
import { setLang } from "../i18n.js";

function fakeClock() {
  let now = 1_000_000;
  let seq = 0;
  const timers = new Map();
  return {
    timers: {
      setTimeout: (f, ms) => { timers.set(++seq, { f, at: now + ms }); return seq; },
      clearTimeout: (id) => timers.delete(id),
      now: () => now,
    },
    // Runs the timers due within `ms`, in order.
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].f();
      }
      now = end;
    },
    pending: () => [...timers.values()].map((t) => t.at - now).sort((a, b) => a - b),
  };
}

function setup() {
  const clock = fakeClock();
  const conns = [];
  const transport = (handlers) => {
    const c = { handlers, sent: [], closed: false, send(l) { this.sent.push(l); }, close() { this.closed = true; handlers.close({ code: 1000 }); } };
    conns.push(c);
    return c;
  };
  const state = new ChatState();
  const events = [];
  state.on((type, data) => events.push([type, data]));
  const session = new Session(state, { transport, timers: clock.timers, random: () => 0.5 });
  const server = (c, ...lines) => { for (const l of lines) c.handlers.line(l); };
  return { clock, conns, state, session, events, server };
}

function register(t, nick = "ana", caps = WANTED_CAPS) {
  const c = t.conns.at(-1);
  c.handlers.open();
  t.server(c, ":srv CAP * LS :account-notify " + caps.join(" ") + " setname");
  t.server(c, ":srv CAP * ACK :" + caps.join(" "));
  t.server(c, `:srv 001 ${nick} :Welcome`, `:srv 005 ${nick} PREFIX=(ov)@+ CHANTYPES=# :are supported`);
  return c;
}

test("registration: CAP LS 302, NICK, USER, REQ of what is offered, END, then JOIN #lobby", () => {
  const t = setup();
  assert.equal(t.session.login("ana"), true);
  const c = t.conns[0];
  c.handlers.open();
  assert.deepEqual(c.sent, ["CAP LS 302", "NICK ana", "USER ana 0 * :charla web"]);
  // A multi-line LS: nothing is requested before its last line.
  t.server(c, ":srv CAP * LS * :server-time message-tags sasl", ":srv CAP * LS :echo-message batch");
  assert.equal(c.sent[3], "CAP REQ :server-time message-tags echo-message batch");
  t.server(c, ":srv CAP * ACK :server-time message-tags echo-message batch");
  assert.equal(c.sent[4], "CAP END");
  assert.deepEqual([...t.state.caps].sort(), ["batch", "echo-message", "message-tags", "server-time"]);
  t.server(c, ":srv 001 ana :Welcome");
  assert.deepEqual(c.sent.slice(5), ["LANGUAGE en", "JOIN #lobby", "LIST"]);
  t.server(c, ":ana!~ana@h JOIN #lobby");
  assert.equal(t.state.current, "#lobby");
  assert.equal(t.session.phase, "online");
});

test("the server is told the page's language after the welcome and whenever it changes", () => {
  const t = setup();
  setLang("es");
  try {
    t.session.setLanguage("es"); // not connected: nothing to send
    t.session.login("ana");
    const c = register(t);
    assert.equal(c.sent.filter((l) => l.startsWith("LANGUAGE")).join(), "LANGUAGE es");
    t.session.setLanguage("en");
    assert.equal(c.sent.at(-1), "LANGUAGE en");
  } finally {
    setLang("en");
  }
});

test("a server that offers none of our caps gets CAP END at once; NAK ends too", () => {
  const t = setup();
  t.session.login("ana");
  const c = t.conns[0];
  c.handlers.open();
  t.server(c, ":srv CAP * LS :sasl");
  assert.equal(c.sent.at(-1), "CAP END");
  const u = setup();
  u.session.login("bob");
  const d = u.conns[0];
  d.handlers.open();
  u.server(d, ":srv CAP * LS :batch", ":srv CAP * NAK :batch");
  assert.equal(d.sent.at(-1), "CAP END");
});

test("a non-ASCII name gets an ASCII user name", () => {
  const t = setup();
  t.session.login("Ñandú");
  t.conns[0].handlers.open();
  assert.equal(t.conns[0].sent[2], "USER Nandu 0 * :charla web");
  const u = setup();
  u.session.login("日本");
  u.conns[0].handlers.open();
  assert.equal(u.conns[0].sent[2], "USER web 0 * :charla web");
});

test("PING is answered with PONG", () => {
  const t = setup();
  t.session.login("ana");
  const c = register(t);
  t.server(c, "PING :srv", "PING a b");
  assert.deepEqual(c.sent.slice(-2), ["PONG srv", "PONG a b"]);
});

test("a name refused at login: the prompt says why, the next name goes on the same connection", () => {
  const t = setup();
  assert.equal(t.session.login("bad:name"), false);
  assert.deepEqual(t.events.at(-1)[1].problem, { key: "nameBadChar", ch: ":" });
  assert.equal(t.conns.length, 0);
  t.session.login("bob");
  const c = t.conns[0];
  c.handlers.open();
  t.server(c, ":srv 433 * bob :Nickname is already in use");
  const err = t.events.filter(([e]) => e === "loginError").at(-1)[1];
  assert.deepEqual([err.key, err.nick], ["nameTaken", "bob"]);
  t.session.login("bob2");
  assert.equal(c.sent.at(-1), "NICK bob2");
  assert.equal(t.conns.length, 1);
});

test("messages: labeled and pending with echo-message + labeled-response", () => {
  const t = setup();
  t.session.login("ana");
  const c = register(t);
  t.server(c, ":ana!~ana@h JOIN #lobby");
  t.session.input("hola a todos");
  assert.equal(c.sent.at(-1), "@label=m1 PRIVMSG #lobby :hola a todos");
  const line = t.state.get("#lobby").lines.at(-1);
  assert.ok(line.pending);
  t.server(c, "@label=m1 :ana!~ana@h PRIVMSG #lobby :hola a todos");
  assert.ok(!line.pending);
  t.session.input("/me waves");
  assert.equal(c.sent.at(-1), "@label=m2 PRIVMSG #lobby :\x01ACTION waves\x01");
  t.session.input("/msg bob hi there");
  assert.equal(c.sent.at(-1), "@label=m3 PRIVMSG bob :hi there");
  assert.equal(t.state.current, "bob");
});

test("without echo-message our line is shown at once, final", () => {
  const t = setup();
  t.session.login("ana");
  const c = register(t, "ana", ["server-time"]);
  t.server(c, ":ana!~ana@h JOIN #lobby");
  t.session.input("hola");
  assert.equal(c.sent.at(-1), "PRIVMSG #lobby hola");
  const line = t.state.get("#lobby").lines.at(-1);
  assert.equal(line.text, "hola");
  assert.ok(!line.pending);
});

test("a long message goes as several PRIVMSGs", () => {
  const t = setup();
  t.session.login("ana");
  const c = register(t);
  t.server(c, ":ana!~ana@h JOIN #lobby");
  const before = c.sent.length;
  t.session.input(Array.from({ length: 200 }, (_, i) => "w" + i).join(" "));
  const sent = c.sent.slice(before);
  assert.ok(sent.length >= 2);
  for (const l of sent) assert.ok(new TextEncoder().encode(l).length < 512 - 100, l.length);
});

test("back-off: 1 s doubling to 30 s, with jitter", () => {
  assert.equal(backoffDelay(0, () => 0.5), BACKOFF_FIRST_MS);
  assert.equal(backoffDelay(1, () => 0.5), 2000);
  assert.equal(backoffDelay(4, () => 0.5), 16000);
  assert.equal(backoffDelay(5, () => 0.5), BACKOFF_MAX_MS);
  assert.equal(backoffDelay(50, () => 0.5), BACKOFF_MAX_MS);
  assert.equal(backoffDelay(1, () => 0), 1600);
  assert.equal(backoffDelay(1, () => 1), 2400);
  assert.ok(backoffDelay(10, () => 1) <= BACKOFF_MAX_MS);
  assert.ok(backoffDelay(0, () => 0) >= 800);
});

test("a drop: wait, reconnect, same nick, rejoin the rooms, say so", () => {
  const t = setup();
  t.session.login("ana");
  const c = register(t);
  t.server(c, ":ana!~ana@h JOIN #lobby", ":ana!~ana@h JOIN #dev");
  c.handlers.close({ code: 1006 });
  assert.equal(t.session.phase, "waiting");
  assert.ok(t.state.get("#lobby").lines.some((l) => l.key === "connectionLost"));
  // The first retry after 1 s; it fails; the next after 2 s.
  t.clock.advance(999);
  assert.equal(t.conns.length, 1);
  t.clock.advance(1);
  assert.equal(t.conns.length, 2);
  t.conns[1].handlers.close({ code: 1006 });
  t.clock.advance(1999);
  assert.equal(t.conns.length, 2);
  t.clock.advance(1);
  assert.equal(t.conns.length, 3);
  const c3 = t.conns[2];
  c3.handlers.open();
  assert.equal(c3.sent[1], "NICK ana");
  t.server(c3, ":srv CAP * LS :server-time", ":srv CAP * ACK :server-time", ":srv 001 ana :Welcome");
  assert.deepEqual(c3.sent.filter((l) => l.startsWith("JOIN")).sort(), ["JOIN #dev", "JOIN #lobby"]);
  t.server(c3, ":ana!~ana@h JOIN #lobby", ":ana!~ana@h JOIN #dev");
  const back = t.events.filter(([e]) => e === "reconnected");
  assert.equal(back.length, 1);
  assert.deepEqual(back[0][1].rooms.sort(), ["#dev", "#lobby"]);
  assert.equal(t.session.attempt, 0);
});

test("coming back while the old name is still held: name_ for now", () => {
  const t = setup();
  t.session.login("ana");
  const c = register(t);
  c.handlers.close({ code: 1006 });
  t.clock.advance(1000);
  const c2 = t.conns[1];
  c2.handlers.open();
  t.server(c2, ":srv 433 * ana :Nickname is already in use");
  assert.equal(c2.sent.at(-1), "NICK ana_");
});

test("the first connection failing goes back to the prompt, no retry loop", () => {
  const t = setup();
  t.session.login("ana");
  t.conns[0].handlers.close({ code: 1006 });
  assert.equal(t.events.filter(([e]) => e === "loginError").at(-1)[1].key, "connectFailed");
  t.clock.advance(60000);
  assert.equal(t.conns.length, 1);
});

test("/quit sends QUIT and does not reconnect", () => {
  const t = setup();
  t.session.login("ana");
  const c = register(t);
  t.session.input("/quit bye all");
  assert.equal(c.sent.at(-1), "QUIT :bye all");
  c.handlers.close({ code: 1000 });
  assert.equal(t.session.phase, "left");
  t.clock.advance(60000);
  assert.equal(t.conns.length, 1);
});

test("a silent server gets a PING, then the connection is dropped and retried", () => {
  const t = setup();
  t.session.login("ana");
  const c = register(t);
  t.clock.advance(95000);
  assert.equal(c.sent.at(-1), "PING charla-web");
  t.clock.advance(35000);
  assert.ok(c.closed);
  assert.equal(t.session.phase === "waiting" || t.conns.length === 2, true);
});

test("LIST now and then and soon after our joins", () => {
  const t = setup();
  t.session.login("ana");
  const c = register(t);
  const lists = () => c.sent.filter((l) => l === "LIST").length;
  assert.equal(lists(), 1);
  t.server(c, ":ana!~ana@h JOIN #lobby");
  t.clock.advance(600);
  assert.equal(lists(), 2);
  t.clock.advance(60000);
  assert.equal(lists(), 3);
});

test("CTCP VERSION is answered; other CTCP is not shown", () => {
  const t = setup();
  t.session.login("ana");
  const c = register(t);
  t.server(c, ":bob!~b@h PRIVMSG ana :\x01VERSION\x01");
  assert.equal(c.sent.at(-1), "NOTICE bob :\x01VERSION charla web\x01");
  assert.equal(t.state.get("bob"), null);
});

test("the WebSocket URL is the page's own host", () => {
  assert.equal(wsUrl({ protocol: "http:", host: "127.0.0.1:8080" }), "ws://127.0.0.1:8080/ws");
  assert.equal(wsUrl({ protocol: "https:", host: "chat.example.org" }), "wss://chat.example.org/ws");
});

test("back after a drop even when a room refuses us now", () => {
  const t = setup();
  t.session.login("ana");
  const c = register(t);
  t.server(c, ":ana!~ana@h JOIN #lobby", ":ana!~ana@h JOIN #vip");
  c.handlers.close({ code: 1006 });
  t.clock.advance(1000);
  const c2 = register(t);
  t.server(c2, ":ana!~ana@h JOIN #lobby", ":srv 473 ana #vip :Cannot join channel (+i)");
  assert.equal(t.events.filter(([e]) => e === "reconnected").length, 0);
  t.clock.advance(5000);
  const back = t.events.filter(([e]) => e === "reconnected");
  assert.equal(back.length, 1);
  assert.deepEqual(back[0][1].rooms, ["#lobby"]);
});

test("with draft/chathistory the session asks for the last lines on join, and earlier ones on demand", () => {
  const t = setup();
  t.session.login("ana");
  const c = register(t);
  assert.ok(t.state.caps.has("draft/chathistory"));
  c.sent.length = 0;
  t.server(c, "@msgid=0000000000000100 :ana!~ana@h JOIN #lobby");
  assert.deepEqual(c.sent.filter((l) => l.startsWith("CHATHISTORY")), ["CHATHISTORY LATEST #lobby * 50"]);
  // While that request is on its way, no second one.
  assert.equal(t.session.loadEarlier("#lobby"), false);
  t.server(c, ":srv BATCH +h chathistory #lobby");
  for (let n = 1; n <= 50; n++) {
    t.server(c, `@batch=h;msgid=${n.toString(16).padStart(16, "0")} :bob!~u@charla PRIVMSG #lobby :${n}`);
  }
  t.server(c, ":srv BATCH -h");
  c.sent.length = 0;
  assert.equal(t.session.loadEarlier("#lobby"), true);
  assert.deepEqual(c.sent, ["CHATHISTORY BEFORE #lobby msgid=0000000000000001 50"]);
});

test("without draft/chathistory nothing is asked: the server replays on join", () => {
  const t = setup();
  t.session.login("ana");
  const c = register(t, "ana", WANTED_CAPS.filter((x) => x !== "draft/chathistory"));
  c.sent.length = 0;
  t.server(c, ":ana!~ana@h JOIN #lobby");
  assert.deepEqual(c.sent.filter((l) => l.startsWith("CHATHISTORY")), []);
  assert.equal(t.session.loadEarlier("#lobby"), false);
});

// SASL PLAIN when a password is given (web/sasl.js).
function saslStart(t, password = "s3cret") {
  t.session.login("ana", password);
  const c = t.conns.at(-1);
  c.handlers.open();
  t.server(c, ":srv CAP * LS :sasl=PLAIN,EXTERNAL " + WANTED_CAPS.join(" "));
  return c;
}

test("a password logs in with SASL PLAIN before CAP END", () => {
  const t = setup();
  const c = saslStart(t);
  const req = c.sent.find((l) => l.startsWith("CAP REQ"));
  assert.ok(req.includes("sasl"), req);
  t.server(c, ":srv CAP * ACK :" + [...WANTED_CAPS, "sasl"].join(" "));
  assert.equal(c.sent.at(-1), "AUTHENTICATE PLAIN");
  assert.ok(!c.sent.includes("CAP END"), "no CAP END while authenticating");
  t.server(c, "AUTHENTICATE +");
  assert.equal(c.sent.at(-1), "AUTHENTICATE " + Buffer.from("\0ana\0s3cret").toString("base64"));
  t.server(c, ":srv 900 ana ana!ana@h ana :You are now logged in as ana", ":srv 903 ana :SASL authentication successful");
  assert.equal(c.sent.at(-1), "CAP END");
  t.server(c, ":srv 001 ana :Welcome");
  assert.equal(t.session.phase, "online");
});

test("a wrong password hangs up and says so at the name prompt", () => {
  const t = setup();
  const c = saslStart(t, "nope");
  t.server(c, ":srv CAP * ACK :" + [...WANTED_CAPS, "sasl"].join(" "), "AUTHENTICATE +");
  t.server(c, ":srv 904 * :SASL authentication failed");
  assert.ok(c.closed);
  assert.ok(!c.sent.includes("CAP END"));
  const err = t.events.filter(([type]) => type === "loginError").at(-1);
  assert.equal(err[1].key, "loginFailed");
  assert.equal(t.session.phase, "idle");
  // Trying again opens a new connection.
  t.session.login("ana", "right");
  assert.equal(t.conns.length, 2);
});

test("without a password, or on a server without sasl, no SASL happens", () => {
  const t = setup();
  t.session.login("ana");
  const c = t.conns.at(-1);
  c.handlers.open();
  t.server(c, ":srv CAP * LS :sasl " + WANTED_CAPS.join(" "));
  assert.ok(!c.sent.find((l) => l.startsWith("CAP REQ")).includes("sasl"));

  const u = setup();
  const d = saslStart(u);
  u.server(d, ":srv CAP * ACK :" + WANTED_CAPS.join(" "));
  assert.equal(d.sent.at(-1), "CAP END");
  assert.ok(!d.sent.includes("AUTHENTICATE PLAIN"));
});

test("a password refused on a reconnection goes on without the account", () => {
  const t = setup();
  const c = saslStart(t);
  t.server(c, ":srv CAP * ACK :" + [...WANTED_CAPS, "sasl"].join(" "), "AUTHENTICATE +", ":srv 903 ana :ok", ":srv 001 ana :Welcome");
  c.handlers.close({ code: 1006 });
  t.clock.advance(BACKOFF_MAX_MS);
  const d = t.conns.at(-1);
  assert.notEqual(d, c);
  d.handlers.open();
  t.server(d, ":srv CAP * LS :sasl " + WANTED_CAPS.join(" "), ":srv CAP * ACK :" + [...WANTED_CAPS, "sasl"].join(" "));
  t.server(d, "AUTHENTICATE +", ":srv 904 ana :SASL authentication failed");
  assert.equal(d.sent.at(-1), "CAP END");
  assert.ok(!d.closed);
});
