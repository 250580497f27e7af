// One user's connection to charlad over IRC-over-WebSocket (text.ircv3.net: each WebSocket text
// message is one IRC line without CR LF), across reconnections: registration with CAP
// negotiation, PING/PONG, joining #lobby (or, after a reconnection, the rooms we were in), the
// room list now and then, typed commands, our messages (pending until echoed), and the
// back-off when the connection drops. It holds no DOM: the transport and the timers are passed
// in, so web/tests/session.test.js drives it with a fake socket and a fake clock.
//
// It speaks to the page through the state's listeners (state.emit):
//   "status"     { phase, attempt, retryAt, reason }  phase: "idle" | "connecting" |
//                "registering" | "online" | "waiting" (to reconnect) | "left"
//   "loginError" { key, nick, problem }   a refused name, a wrong password or a failed first
//                                         connection
//   "reconnected" { rooms }                back after a drop, rooms joined again

import { ctcp, foldName, formatLine, isChannel, maxTextBytes, parseLine, splitText } from "./irc.js";
import { parseInput } from "./commands.js";
import { nameProblem, NAME_MAX } from "./names.js";
import { getLang } from "./i18n.js";
import { canLoadEarlier, earlierRequest, HISTORY_CAP, HISTORY_PAGE, historyOf, latestRequest } from "./history.js";
import { SASL_CAP, SASL_FAILURES, SASL_SUCCESS, saslPlainChunks } from "./sasl.js";

export const PROTOCOL = "text.ircv3.net";
export const WANTED_CAPS = ["server-time", "message-tags", "echo-message", "multi-prefix",
  "away-notify", "batch", "labeled-response", HISTORY_CAP];
export const REALNAME = "charla web";
export const BACKOFF_FIRST_MS = 1000;
export const BACKOFF_MAX_MS = 30000;
export const BACKOFF_JITTER = 0.2; // each delay is the nominal one +-20%
export const LIST_EVERY_MS = 60000;
export const LIST_AFTER_JOIN_MS = 500;
export const PING_AFTER_MS = 90000; // of silence from the server
export const PING_TIMEOUT_MS = 30000;
export const REGISTER_TIMEOUT_MS = 30000;

// The delay before reconnection attempt number `attempt` (0 for the first): 1 s doubling up
// to 30 s, with jitter so that a classroom of browsers does not come back all at once after
// the server restarts.
export function backoffDelay(attempt, random = Math.random) {
  const nominal = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.min(attempt, 30));
  const d = nominal * (1 - BACKOFF_JITTER + 2 * BACKOFF_JITTER * random());
  return Math.round(Math.min(BACKOFF_MAX_MS, Math.max(BACKOFF_FIRST_MS * (1 - BACKOFF_JITTER), d)));
}

// ws://host/ws for a page served over http, wss:// over https: the same origin as the page,
// which is all the Content-Security-Policy (connect-src 'self') allows.
export function wsUrl(loc) {
  return (loc.protocol === "https:" ? "wss://" : "ws://") + loc.host + "/ws";
}

// The browser's transport. handlers: { open(), line(text), close({ code, reason }) }.
export function webSocketTransport(url) {
  return (handlers) => {
    const ws = new WebSocket(url, [PROTOCOL]);
    ws.binaryType = "arraybuffer";
    const decoder = new TextDecoder();
    let done = false;
    ws.addEventListener("open", () => handlers.open());
    ws.addEventListener("message", (ev) => {
      const data = typeof ev.data === "string" ? ev.data : decoder.decode(ev.data);
      for (const line of data.split(/\r?\n/)) if (line) handlers.line(line);
    });
    ws.addEventListener("close", (ev) => {
      if (done) return;
      done = true;
      handlers.close({ code: ev.code, reason: ev.reason });
    });
    return {
      send(line) {
        if (ws.readyState === WebSocket.OPEN) ws.send(line);
      },
      close() {
        // Tell the session at once; the socket's own close event may come much later when
        // the network is gone.
        if (!done) {
          done = true;
          try { ws.close(1000); } catch { /* already closing */ }
          handlers.close({ code: 1000, reason: "closed" });
        }
      },
    };
  };
}

const realTimers = {
  setTimeout: (f, ms) => setTimeout(f, ms),
  clearTimeout: (t) => clearTimeout(t),
  now: () => Date.now(),
};

export class Session {
  constructor(state, { transport, timers = realTimers, random = Math.random } = {}) {
    this.state = state;
    this.transport = transport;
    this.timers = timers;
    this.random = random;
    this.conn = null;
    this.nick = "";
    this.phase = "idle";
    this.everOnline = false; // registered once: a drop means reconnecting, not a failed login
    this.attempt = 0;
    this.retryTimer = null;
    this.retryAt = 0;
    this.listTimer = null;
    this.pingTimer = null;
    this.regTimer = null;
    this.rejoinTimer = null;
    this.rejoining = null;
    this.pingSent = 0;
    this.lastRx = 0;
    this.labelSeq = 0;
    this.switchTo = "";
    this.lsCaps = [];
    this.capDone = false;
    this.nickTries = 0;
    this.password = ""; // for SASL PLAIN, kept in memory only, for reconnections
    this.saslPending = false;
    state.on((type, data) => this.onState(type, data));
  }

  // ---- what the page asks ----

  // The page switched language: the server's notices follow it (sent again on every welcome).
  setLanguage(code) {
    if (this.conn && this.state.registered) this.sendLine({ command: "LANGUAGE", params: [code] });
  }

  // The name prompt's Enter: connect with `nick` (logging in to the account of that name with
  // `password`, when one is given, through SASL PLAIN), or, while a connection waits for a
  // name the server accepts, offer it this one.
  login(nick, password = "") {
    const problem = nameProblem(nick);
    if (problem) {
      this.state.emit("loginError", { key: "nameInvalid", nick, problem });
      return false;
    }
    this.nick = nick;
    this.password = password;
    if (this.conn && !this.state.registered && this.phase === "registering") {
      this.sendLine({ command: "NICK", params: [nick] });
      return true;
    }
    if (this.phase === "left" || this.phase === "idle") {
      this.state.reset();
      this.everOnline = false;
      this.attempt = 0;
    }
    this.connect();
    return true;
  }

  // Reconnect at once instead of waiting for the back-off (the page's button, or the
  // browser saying it is online again).
  reconnectNow() {
    if (this.phase !== "waiting") return;
    this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.connect();
  }

  // A line typed in the input.
  input(text) {
    const cur = this.state.currentBuffer();
    const act = parseInput(text, { target: cur.name, kind: cur.kind, chantypes: this.state.chantypes });
    if (!act) return;
    const online = this.phase === "online";
    if (!online && !["help", "close", "error"].includes(act.type)) {
      this.state.error(cur, "notConnected");
      return;
    }
    switch (act.type) {
      case "say":
        this.say(act.target, act.text, false);
        break;
      case "action":
        this.say(act.target, act.text, true);
        break;
      case "join":
        this.join(act.room, act.key);
        break;
      case "part":
        this.part(act.room, act.reason);
        break;
      case "nick": {
        const problem = nameProblem(act.nick);
        if (problem) this.state.error(cur, "nickInvalid", { nick: act.nick, problem });
        else this.sendLine({ command: "NICK", params: [act.nick] });
        break;
      }
      case "msg":
        this.openQuery(act.target);
        if (act.text) this.say(act.target, act.text, false);
        break;
      case "topic":
        this.sendLine({ command: "TOPIC", params: act.text === null ? [act.room] : [act.room, act.text] });
        break;
      case "quit":
        this.quit(act.reason);
        break;
      case "close":
        if (cur.kind === "room" && cur.joined) this.part(cur.name, "");
        else this.state.close(cur.name);
        break;
      case "help":
        this.state.info(cur, "help");
        break;
      case "raw":
        this.conn.send(act.line);
        break;
      case "error":
        this.state.error(cur, act.key, act.vars || {});
        break;
      default:
        break;
    }
  }

  say(target, text, action) {
    const caps = this.state.caps;
    const budget = maxTextBytes(target, Number(this.state.isupport.NICKLEN) || NAME_MAX) - (action ? 9 : 0);
    for (const piece of splitText(text, budget)) {
      const body = action ? ctcp("ACTION", piece) : piece;
      let label = "";
      if (caps.has("labeled-response") && caps.has("echo-message")) label = "m" + ++this.labelSeq;
      // Without echo-message the server will not send our line back: show it now, final.
      // With it but without labels the echo shows it (we could not tell it from another
      // copy of ours).
      if (label || !caps.has("echo-message")) this.state.addOwn(target, piece, action, label);
      this.sendLine({ tags: label ? { label } : null, command: "PRIVMSG", params: [target, body] });
    }
  }

  join(room, key = "") {
    const buf = this.state.get(room);
    this.switchTo = foldName(room);
    if (buf && buf.joined) {
      this.state.setCurrent(room);
      return;
    }
    this.sendLine({ command: "JOIN", params: key ? [room, key] : [room] });
  }

  // Earlier lines of a buffer (the top of its log reached, or its button): CHATHISTORY BEFORE
  // its oldest line, unless one is on its way or there is nothing older (history.js).
  loadEarlier(name) {
    const buf = this.state.get(name);
    if (!buf || this.phase !== "online" || !canLoadEarlier(buf, this.state.caps)) return false;
    const req = earlierRequest(buf);
    this.askHistory(buf, req);
    return true;
  }

  askHistory(buf, req) {
    const h = historyOf(buf);
    h.loading = true;
    h.asked = req.params[0];
    h.limit = HISTORY_PAGE;
    this.state.emit("history", { buf, added: 0, above: true });
    this.sendLine(req);
  }

  part(room, reason = "") {
    this.sendLine({ command: "PART", params: reason ? [room, reason] : [room] });
  }

  openQuery(nick) {
    if (isChannel(nick, this.state.chantypes)) {
      if (this.state.get(nick)) this.state.setCurrent(nick);
      return;
    }
    this.state.ensure(nick, "query");
    this.state.setCurrent(nick);
  }

  quit(reason = "") {
    this.phase = "left";
    this.cancelTimers();
    if (this.conn) {
      this.sendLine({ command: "QUIT", params: reason ? [reason] : [] });
      const conn = this.conn;
      // The server closes after QUIT; do it ourselves if it does not.
      this.timers.setTimeout(() => conn.close(), 1000);
    } else {
      this.setStatus();
    }
  }

  // ---- the connection ----

  connect() {
    this.cancelTimers();
    if (this.conn) {
      const old = this.conn;
      this.conn = null;
      old.close();
    }
    this.phase = "connecting";
    this.capDone = false;
    this.lsCaps = [];
    this.nickTries = 0;
    this.saslPending = false;
    this.setStatus();
    const conn = this.transport({
      open: () => conn === this.conn && this.onOpen(),
      line: (l) => conn === this.conn && this.onLine(l),
      close: (info) => conn === this.conn && this.onClose(info),
    });
    this.conn = conn;
  }

  sendLine(msg) {
    if (this.conn) this.conn.send(formatLine(msg));
  }

  onOpen() {
    this.phase = "registering";
    this.lastRx = this.timers.now();
    this.setStatus();
    this.sendLine({ command: "CAP", params: ["LS", "302"] });
    this.sendLine({ command: "NICK", params: [this.nick] });
    this.sendLine({ command: "USER", params: [this.userName(), "0", "*", REALNAME] });
    this.regTimer = this.timers.setTimeout(() => {
      if (this.conn && this.phase === "registering" && this.everOnline) this.conn.close();
    }, REGISTER_TIMEOUT_MS);
  }

  // USER's user name: the nick's ASCII letters and digits, accents dropped (charlad shows it
  // as ~user), or "web" when it has none.
  userName() {
    const u = this.nick.normalize("NFD").replace(/[^A-Za-z0-9]/g, "").slice(0, 10);
    return u || "web";
  }

  onLine(line) {
    this.lastRx = this.timers.now();
    this.pingSent = 0;
    const msg = parseLine(line);
    if (!msg) return;
    switch (msg.command) {
      case "PING":
        this.sendLine({ command: "PONG", params: msg.params });
        return;
      case "PONG":
        return;
      case "CAP":
        this.onCap(msg);
        return;
      case "AUTHENTICATE":
        if (this.saslPending && msg.params[0] === "+") {
          for (const chunk of saslPlainChunks(this.nick, this.password))
            this.sendLine({ command: "AUTHENTICATE", params: [chunk] });
        }
        return;
      case SASL_SUCCESS:
        this.saslPending = false;
        this.capEnd();
        return;
      case "001":
        this.state.handle(msg);
        this.onWelcome();
        return;
      default:
        if (this.saslPending && SASL_FAILURES.has(msg.command)) this.onSaslFailed(msg.command);
        else this.state.handle(msg);
    }
  }

  // The server refused the password. At the name prompt, say so and hang up (the name is
  // someone's account: going on as a guest would only end in a rename). On a reconnection
  // (the password changed elsewhere) carry on without the account, and say that.
  onSaslFailed(code) {
    this.saslPending = false;
    if (!this.everOnline) {
      const conn = this.conn;
      this.conn = null;
      this.cancelTimers();
      this.phase = "idle";
      if (conn) conn.close();
      this.setStatus();
      this.state.emit("loginError", { key: code === "904" ? "loginFailed" : "saslFailed", nick: this.nick });
      return;
    }
    this.state.info(this.state.buffers.get("*"), "saslFailedOnReturn", { nick: this.nick });
    this.capEnd();
  }

  onCap(msg) {
    const sub = (msg.params[1] || "").toUpperCase();
    const last = msg.params[msg.params.length - 1] || "";
    if (sub === "LS") {
      // "CAP * LS * :..." continues on another line; the last has no "*".
      this.lsCaps.push(...last.split(" ").filter(Boolean).map((c) => c.split("=")[0]));
      if (msg.params[2] === "*") return;
      const want = WANTED_CAPS.filter((c) => this.lsCaps.includes(c));
      if (this.password && this.lsCaps.includes(SASL_CAP)) want.push(SASL_CAP);
      else if (this.password) this.state.info(this.state.buffers.get("*"), "saslUnavailable");
      if (want.length) this.sendLine({ command: "CAP", params: ["REQ", want.join(" ")] });
      else this.capEnd();
    } else if (sub === "ACK") {
      for (const c of last.split(" ").filter(Boolean)) {
        if (c.startsWith("-")) this.state.caps.delete(c.slice(1));
        else this.state.caps.add(c);
      }
      if (this.password && this.state.caps.has(SASL_CAP) && !this.capDone) {
        this.saslPending = true;
        this.sendLine({ command: "AUTHENTICATE", params: ["PLAIN"] });
        return;
      }
      this.capEnd();
    } else if (sub === "NAK") {
      this.capEnd();
    } else if (sub === "DEL") {
      for (const c of last.split(" ").filter(Boolean)) this.state.caps.delete(c);
    }
  }

  capEnd() {
    if (this.capDone) return;
    this.capDone = true;
    this.sendLine({ command: "CAP", params: ["END"] });
  }

  onWelcome() {
    this.timers.clearTimeout(this.regTimer);
    const again = this.everOnline;
    this.everOnline = true;
    this.phase = "online";
    this.attempt = 0;
    this.nick = this.state.me;
    // The server's notices and help in the page's language (docs/irc.md, LANGUAGE).
    this.sendLine({ command: "LANGUAGE", params: [getLang()] });
    let rooms = this.state.wantedRooms();
    if (!again && !rooms.length) {
      rooms = ["#lobby"];
      this.switchTo = "#lobby";
    }
    // One JOIN per room: a refusal names its room, and a long list fits no line limit.
    for (const r of rooms) this.sendLine({ command: "JOIN", params: [r] });
    this.sendLine({ command: "LIST" });
    this.setStatus();
    if (again) {
      this.rejoining = new Set(rooms.map(foldName));
      if (!rooms.length) this.state.emit("reconnected", { rooms: [] });
      // A room that refuses us now (invite only, a key, a ban) answers with an error, not a
      // JOIN: say we are back all the same once the others are in.
      this.rejoinTimer = this.timers.setTimeout(() => {
        this.rejoinTimer = null;
        if (!this.rejoining) return;
        this.rejoining = null;
        this.state.emit("reconnected", { rooms: this.state.wantedRooms().filter((r) => this.state.get(r).joined) });
      }, 5000);
    }
    this.schedulePing();
    this.scheduleList(LIST_EVERY_MS);
  }

  onClose(info) {
    this.conn = null;
    this.cancelTimers();
    const wasOnline = this.state.registered;
    this.state.disconnected();
    this.state.failPending("disconnected");
    if (this.phase === "left") {
      this.setStatus();
      return;
    }
    if (!this.everOnline) {
      // The first connection failed or closed before the welcome: the name prompt says so.
      this.phase = "idle";
      this.setStatus();
      this.state.emit("loginError", { key: "connectFailed", nick: this.nick, reason: info.reason || "" });
      return;
    }
    if (wasOnline) {
      for (const b of this.state.buffers.values()) {
        if (b.kind === "room" || b.key === this.state.current) this.state.info(b, "connectionLost");
      }
    }
    const delay = backoffDelay(this.attempt, this.random);
    this.attempt++;
    this.phase = "waiting";
    this.retryAt = this.timers.now() + delay;
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
    this.setStatus(info.reason || "");
  }

  cancelTimers() {
    for (const k of ["retryTimer", "listTimer", "pingTimer", "regTimer", "rejoinTimer"]) {
      if (this[k]) this.timers.clearTimeout(this[k]);
      this[k] = null;
    }
  }

  setStatus(reason = "") {
    this.state.emit("status", { phase: this.phase, attempt: this.attempt, retryAt: this.retryAt, reason });
  }

  // Silence from the server for PING_AFTER_MS: ask; no answer within PING_TIMEOUT_MS: the
  // connection is dead even if the browser has not noticed (a laptop that slept, a network
  // that changed), so close it and reconnect.
  schedulePing() {
    this.pingTimer = this.timers.setTimeout(() => {
      this.pingTimer = null;
      if (!this.conn || this.phase !== "online") return;
      const now = this.timers.now();
      if (this.pingSent && now - this.pingSent >= PING_TIMEOUT_MS) {
        this.conn.close();
        return;
      }
      if (!this.pingSent && now - this.lastRx >= PING_AFTER_MS) {
        this.pingSent = now;
        this.sendLine({ command: "PING", params: ["charla-web"] });
      }
      this.schedulePing();
    }, 5000);
  }

  scheduleList(ms) {
    if (this.listTimer) this.timers.clearTimeout(this.listTimer);
    this.listTimer = this.timers.setTimeout(() => {
      this.listTimer = null;
      if (this.phase !== "online") return;
      this.sendLine({ command: "LIST" });
      this.scheduleList(LIST_EVERY_MS);
    }, ms);
  }

  // ---- what the state saw ----

  onState(type, data) {
    switch (type) {
      case "joined": {
        const f = data.buf.key;
        if (this.switchTo === f || this.state.current === "*") {
          this.switchTo = "";
          this.state.setCurrent(data.buf.name);
        }
        if (this.rejoining && this.rejoining.delete(f) && !this.rejoining.size) {
          this.rejoining = null;
          this.timers.clearTimeout(this.rejoinTimer);
          this.rejoinTimer = null;
          this.state.emit("reconnected", { rooms: this.state.wantedRooms() });
        }
        this.scheduleList(LIST_AFTER_JOIN_MS);
        // With draft/chathistory charlad replays nothing on join: the page asks for the last
        // lines itself (again after a reconnection: the lines it has are not repeated).
        if (this.state.caps.has(HISTORY_CAP)) {
          historyOf(data.buf).done = false;
          this.askHistory(data.buf, latestRequest(data.buf.name));
        }
        break;
      }
      case "parted":
        this.scheduleList(LIST_AFTER_JOIN_MS);
        break;
      case "nickRefused":
        this.onNickRefused(data);
        break;
      case "ctcp":
        this.onCtcp(data);
        break;
      default:
        break;
    }
  }

  onNickRefused({ code, nick }) {
    const problem = nameProblem(nick);
    const key = code === "432" ? "nameInvalid" : "nameTaken";
    if (this.state.registered) {
      this.state.error(null, code === "432" ? "nickInvalid" : "nickTaken", { nick, problem });
      return;
    }
    if (this.everOnline && this.nickTries < 5) {
      // Coming back: our old session may not be gone yet. Take "name_" for now and say so.
      this.nickTries++;
      const base = Array.from(this.nick).slice(0, NAME_MAX - this.nickTries).join("");
      const alt = base + "_".repeat(this.nickTries);
      this.state.info(this.state.buffers.get("*"), "nickTakenOnReturn", { nick: this.nick, alt });
      this.sendLine({ command: "NICK", params: [alt] });
      return;
    }
    this.state.emit("loginError", { key, nick, problem });
  }

  onCtcp({ from, command, text, notice }) {
    if (notice || !from) return;
    let reply = null;
    if (command === "VERSION") reply = "charla web";
    else if (command === "PING") reply = text;
    else if (command === "TIME") reply = new Date(this.timers.now()).toUTCString();
    if (reply !== null) this.sendLine({ command: "NOTICE", params: [from, ctcp(command, reply)] });
  }
}
