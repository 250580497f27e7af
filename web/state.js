// The chat as the page knows it: buffers (the server's, rooms, private conversations), their
// members, topics, lines and unread counts, the room list, who we are. It takes parsed IRC
// messages (irc.js) and tells its listeners what changed; it never touches the DOM or the
// network (session.js sends, ui.js draws), so node's test runner drives it with plain lines
// (web/tests/state.test.js).
//
// Lines are data, not text: { kind, time, from, text, ... } with the words of the page left to
// ui.js and i18n.js, so that a change of language redraws them.

import { failHistory, finishHistory } from "./history.js";
import {
  foldName, isChannel, messageTime, parseCtcp, parseIsupport, parseModeChanges,
  parseNamesEntry, parsePrefix, stripFormatting,
} from "./irc.js";

export const SERVER_KEY = "*";
export const MAX_LINES = 1000; // per buffer; the oldest are dropped
const GROUP_GAP_MS = 5 * 60 * 1000;

// Numerics whose second parameter is a channel and that belong in that channel's buffer.
const CHANNEL_NUMERICS = new Set(["324", "329", "331", "332", "333", "366", "403", "404", "405",
  "442", "467", "471", "473", "474", "475", "477", "478", "482"]);
// Numerics that say something the page shows as its own words (ui.js's errNNN keys).
const KNOWN_ERRORS = new Set(["401", "403", "404", "405", "406", "412", "421", "441", "442",
  "443", "461", "471", "473", "474", "475", "481", "482"]);
// Numerics the page has no use for showing: the welcome burst's details, LUSERS, the lists
// it asks for itself, WHO/WHOIS pieces it does not ask for.
const QUIET_NUMERICS = new Set(["002", "003", "004", "005", "250", "251", "252", "253", "254",
  "255", "265", "266", "321", "322", "323", "329", "333", "353", "366", "375", "376", "422"]);

let lineSeq = 0;

export class Buffer {
  constructor(name, kind) {
    this.name = name; // as shown: "#lobby", "bob"; SERVER_KEY for the server
    this.kind = kind; // "server" | "room" | "query"
    this.lines = [];
    this.members = new Map(); // folded nick -> { nick, modes, away }
    this.topic = "";
    this.topicBy = "";
    this.unread = 0; // lines of people since the buffer was last seen
    this.mentions = 0; // of those, ones that name us (every line of a query counts)
    this.joined = false; // a room: we are in it now
    this.wanted = false; // a room: we mean to be in it (joined, or to join again on reconnect)
  }

  get key() {
    return this.kind === "server" ? SERVER_KEY : foldName(this.name);
  }
}

export class ChatState {
  constructor() {
    this.listeners = [];
    this.reset();
  }


  // Everything forgotten but the listeners: a new login.
  reset() {
    this.me = "";
    this.registered = false;
    this.caps = new Set();
    this.isupport = {};
    this.prefix = parsePrefix("(ov)@+");
    this.chantypes = "#";
    this.chanmodes = "beI,k,l,imnst";
    this.network = "";
    this.buffers = new Map();
    this.buffers.set(SERVER_KEY, new Buffer(SERVER_KEY, "server"));
    this.current = SERVER_KEY;
    this.roomList = []; // [{ name, users, topic }] from the last LIST
    this.listing = null; // the LIST being received
    this.namesPending = new Map(); // folded room -> Map of members, until 366
    this.batches = new Map(); // ref -> { type, label }
    this.pending = new Map(); // label -> { buf, line }: our messages awaiting their echo
    this.bots = new Set(); // folded nicks seen with the bot tag
    this.spoke = new Map(); // folded room -> folded nicks, most recent speaker last
    this.emit("reset");
  }

  on(fn) {
    this.listeners.push(fn);
  }

  emit(type, data = {}) {
    for (const fn of this.listeners) fn(type, data);
  }

  // ---- buffers ----

  get(name) {
    return this.buffers.get(name === SERVER_KEY ? SERVER_KEY : foldName(name)) || null;
  }

  ensure(name, kind) {
    let buf = this.get(name);
    if (!buf) {
      buf = new Buffer(name, kind);
      this.buffers.set(buf.key, buf);
      this.emit("buffers");
    }
    return buf;
  }

  // Rooms first (#lobby leading, then by name), then conversations by name; the server's
  // buffer is not among them (ui.js shows it apart).
  ordered() {
    const rooms = [];
    const queries = [];
    for (const b of this.buffers.values()) {
      if (b.kind === "room") rooms.push(b);
      else if (b.kind === "query") queries.push(b);
    }
    const byName = (x, y) => (x.key === "#lobby" ? -1 : y.key === "#lobby" ? 1 :
      x.key < y.key ? -1 : x.key > y.key ? 1 : 0);
    rooms.sort(byName);
    queries.sort(byName);
    return { rooms, queries };
  }

  // Every buffer in the order the side panel shows them, for Alt+Up/Down.
  cycle() {
    const { rooms, queries } = this.ordered();
    return [...rooms, ...queries, this.buffers.get(SERVER_KEY)];
  }

  setCurrent(name) {
    const buf = this.get(name);
    if (!buf) return;
    this.current = buf.key;
    buf.unread = 0;
    buf.mentions = 0;
    this.emit("current", { buf });
    this.emit("buffers");
  }

  currentBuffer() {
    return this.buffers.get(this.current) || this.buffers.get(SERVER_KEY);
  }

  // Closes a conversation (local only), or forgets a room we are no longer in.
  close(name) {
    const buf = this.get(name);
    if (!buf || buf.kind === "server" || buf.joined) return;
    this.buffers.delete(buf.key);
    if (this.current === buf.key) this.current = this.fallback();
    this.emit("buffers");
    this.emit("current", { buf: this.currentBuffer() });
  }

  fallback() {
    const { rooms, queries } = this.ordered();
    const b = rooms.find((r) => r.joined) || rooms[0] || queries[0];
    return b ? b.key : SERVER_KEY;
  }

  // ---- lines ----

  add(buf, line) {
    line.id = ++lineSeq;
    line.time = line.time || new Date();
    const prev = buf.lines[buf.lines.length - 1];
    line.group = !!(prev && line.kind === "msg" && prev.kind === "msg" && line.from &&
      foldName(prev.from) === foldName(line.from) && !!prev.self === !!line.self &&
      !prev.failed && line.time - prev.time < GROUP_GAP_MS && line.time >= prev.time);
    buf.lines.push(line);
    if (buf.lines.length > MAX_LINES) buf.lines.splice(0, buf.lines.length - MAX_LINES);
    const people = line.kind === "msg" || line.kind === "action" || line.kind === "notice";
    if (buf.key !== this.current && people && !line.self) {
      buf.unread++;
      if (line.highlight || buf.kind === "query") buf.mentions++;
      this.emit("buffers");
    } else if (buf.key !== this.current && line.kind === "error") {
      buf.unread++;
      this.emit("buffers");
    }
    this.emit("line", { buf, line });
    return line;
  }

  info(buf, key, vars = {}) {
    return this.add(buf || this.currentBuffer(), { kind: "info", key, vars });
  }

  error(buf, key, vars = {}) {
    return this.add(buf || this.currentBuffer(), { kind: "error", key, vars });
  }

  // Does `text` name us, as a word, in any case?
  mentions(text) {
    if (!this.me) return false;
    const me = foldName(this.me);
    const t = foldName(text);
    let i = t.indexOf(me);
    while (i >= 0) {
      const before = i === 0 ? "" : t[i - 1];
      const after = t[i + me.length] || "";
      if (!/[\p{L}\p{N}_]/u.test(before) && !/[\p{L}\p{N}_]/u.test(after)) return true;
      i = t.indexOf(me, i + 1);
    }
    return false;
  }

  // Our own message, shown at once: pending (dimmed) until the server echoes it back when
  // labeled-response and echo-message let us match the echo, final otherwise.
  addOwn(target, text, action, label) {
    const buf = isChannel(target, this.chantypes) ? this.get(target) || this.currentBuffer()
      : this.ensure(target, "query");
    const line = this.add(buf, {
      kind: action ? "action" : "msg", from: this.me, text, self: true,
      pending: !!label, label,
    });
    if (label) this.pending.set(label, { buf, line });
    return line;
  }

  // The connection dropped: pending lines will never be echoed.
  failPending(reason) {
    for (const { buf, line } of this.pending.values()) {
      line.pending = false;
      line.failed = reason;
      this.emit("lineUpdate", { buf, line });
    }
    this.pending.clear();
  }

  speaker(buf, nick) {
    let list = this.spoke.get(buf.key);
    if (!list) this.spoke.set(buf.key, (list = []));
    const f = foldName(nick);
    const i = list.indexOf(f);
    if (i >= 0) list.splice(i, 1);
    list.push(f);
    if (list.length > 50) list.shift();
  }

  // Names for Tab completion in `buf`: recent speakers first, then members, then bots and
  // conversations.
  completionNames(buf) {
    const names = [];
    const byFold = new Map();
    for (const m of buf.members.values()) byFold.set(foldName(m.nick), m.nick);
    for (const f of [...(this.spoke.get(buf.key) || [])].reverse()) {
      if (byFold.has(f)) names.push(byFold.get(f));
    }
    for (const m of buf.members.values()) names.push(m.nick);
    if (buf.kind === "query") names.push(buf.name);
    for (const b of this.buffers.values()) if (b.kind === "query") names.push(b.name);
    return names.filter((n) => foldName(n) !== foldName(this.me) || buf.kind === "query");
  }

  // ---- the connection's life ----

  // The connection is gone: rooms are no longer joined (they stay wanted), members unknown.
  disconnected() {
    this.registered = false;
    for (const b of this.buffers.values()) {
      if (b.kind === "room") b.joined = false;
    }
    this.namesPending.clear();
    this.batches.clear();
    this.listing = null;
    this.emit("buffers");
    this.emit("members", { buf: this.currentBuffer() });
  }

  wantedRooms() {
    return [...this.buffers.values()].filter((b) => b.kind === "room" && b.wanted).map((b) => b.name);
  }

  isMe(nick) {
    return !!nick && foldName(nick) === foldName(this.me);
  }

  // ---- IRC messages ----

  // Takes one parsed message (irc.js parseLine). Returns nothing; listeners hear the changes.
  handle(msg) {
    if (!msg) return;
    const batch = msg.tags.batch && this.batches.get(msg.tags.batch);
    const label = msg.tags.label || (batch && batch.label) || "";
    const h = HANDLERS[msg.command];
    if (h) {
      h.call(this, msg, label);
    } else if (/^\d{3}$/.test(msg.command)) {
      this.numeric(msg, label);
    }
  }

  numeric(msg, label) {
    const code = msg.command;
    const p = msg.params;
    if (code === "001") {
      this.me = p[0];
      this.registered = true;
      this.emit("me", { nick: this.me });
      this.add(this.buffers.get(SERVER_KEY), { kind: "server", text: stripFormatting(p[p.length - 1] || "") });
      return;
    }
    if (code === "005") {
      Object.assign(this.isupport, parseIsupport(p.slice(1, -1)));
      if (this.isupport.PREFIX) this.prefix = parsePrefix(this.isupport.PREFIX);
      if (typeof this.isupport.CHANTYPES === "string") this.chantypes = this.isupport.CHANTYPES;
      if (typeof this.isupport.CHANMODES === "string") this.chanmodes = this.isupport.CHANMODES;
      if (typeof this.isupport.NETWORK === "string") this.network = this.isupport.NETWORK;
      return;
    }
    switch (code) {
      case "321":
        this.listing = [];
        return;
      case "322":
        if (!this.listing) this.listing = [];
        this.listing.push({ name: p[1], users: parseInt(p[2], 10) || 0, topic: stripFormatting(p[3] || "") });
        return;
      case "323":
        this.roomList = this.listing || [];
        this.listing = null;
        this.emit("roomList");
        return;
      case "331": {
        const buf = this.get(p[1]);
        if (buf) {
          buf.topic = "";
          this.emit("topic", { buf });
        }
        return;
      }
      case "332": {
        const buf = this.get(p[1]);
        if (!buf) return;
        buf.topic = stripFormatting(p[2] || "");
        this.emit("topic", { buf });
        if (buf.topic) this.add(buf, { kind: "topicIs", text: buf.topic });
        return;
      }
      case "333": {
        const buf = this.get(p[1]);
        if (buf) buf.topicBy = (p[2] || "").split("!")[0];
        return;
      }
      case "353": {
        const room = p[2];
        const f = foldName(room);
        let pending = this.namesPending.get(f);
        if (!pending) this.namesPending.set(f, (pending = new Map()));
        for (const entry of (p[3] || "").split(" ")) {
          if (!entry) continue;
          const { nick, modes } = parseNamesEntry(entry, this.prefix);
          pending.set(foldName(nick), { nick, modes, away: false });
        }
        return;
      }
      case "366":
        for (const room of (p[1] || "").split(",")) {
          const f = foldName(room);
          const buf = this.get(room);
          const pending = this.namesPending.get(f) || new Map();
          this.namesPending.delete(f);
          if (!buf) continue;
          // Away flags survive a refresh of the list.
          for (const [k, m] of pending) {
            const old = buf.members.get(k);
            if (old) m.away = old.away;
          }
          buf.members = pending;
          this.emit("members", { buf });
          this.emit("buffers");
        }
        return;
      case "432":
      case "433":
      case "436":
        // The session decides (a refused name at login, or after /nick); it also says so.
        this.emit("nickRefused", { code, nick: p[1] || "", label });
        return;
      default:
        break;
    }
    if (QUIET_NUMERICS.has(code)) return;
    // A reply to one of our messages (labeled): the failure belongs to that line.
    if (label && this.pending.has(label) && code[0] === "4") {
      const { buf, line } = this.pending.get(label);
      this.pending.delete(label);
      line.pending = false;
      line.failed = code;
      this.emit("lineUpdate", { buf, line });
    }
    let buf = null;
    if (CHANNEL_NUMERICS.has(code) && p[1]) buf = this.get(p[1]);
    if (!buf && code === "401" && p[1]) buf = this.get(p[1]);
    if (!buf && (code === "372" || code === "375" || code === "376")) buf = this.buffers.get(SERVER_KEY);
    if (!buf) buf = this.registered ? this.currentBuffer() : this.buffers.get(SERVER_KEY);
    if (code === "372") {
      this.add(buf, { kind: "server", text: stripFormatting(p[p.length - 1] || "").replace(/^- ?/, "") });
      return;
    }
    if (KNOWN_ERRORS.has(code)) {
      this.add(buf, { kind: "error", key: "err" + code, vars: { target: p[1] || "", text: p[p.length - 1] || "" } });
      return;
    }
    if (code === "324") {
      this.add(buf, { kind: "info", key: "roomModes", vars: { room: p[1], modes: p.slice(2).join(" ") } });
      return;
    }
    // Anything else: the server's own words after our nick, as text.
    const text = stripFormatting(p.slice(1).join(" "));
    this.add(buf, { kind: code[0] === "4" || code[0] === "5" ? "error" : "server", text });
  }
}

// Member bookkeeping shared by the handlers.
function removeMember(state, buf, nick) {
  if (buf.members.delete(foldName(nick))) {
    state.emit("members", { buf });
    state.emit("buffers");
    return true;
  }
  return false;
}

const HANDLERS = {
  BATCH(msg, label) {
    const ref = msg.params[0] || "";
    if (ref.startsWith("+")) {
      const outer = msg.tags.batch && this.batches.get(msg.tags.batch);
      this.batches.set(ref.slice(1), {
        type: msg.params[1] || "",
        target: msg.params[2] || "",
        lines: [], // chathistory: { buf, line } until the batch ends (history.js)
        label: msg.tags.label || (outer && outer.label) || label || "",
      });
    } else if (ref.startsWith("-")) {
      const batch = this.batches.get(ref.slice(1));
      this.batches.delete(ref.slice(1));
      if (batch && batch.type === "chathistory") finishHistory(this, batch, () => ++lineSeq);
    }
  },

  FAIL(msg) {
    if (msg.params[0] === "CHATHISTORY") failHistory(this, msg);
  },

  JOIN(msg) {
    const room = msg.params[0];
    if (!room) return;
    if (this.isMe(msg.nick)) {
      const buf = this.ensure(room, "room");
      buf.name = room; // the server's spelling
      const again = buf.lines.length > 0;
      buf.joined = true;
      buf.wanted = true;
      buf.topic = ""; // a 332 follows if the room has one (it may have changed while away)
      this.emit("topic", { buf });
      buf.members = new Map([[foldName(msg.nick), { nick: msg.nick, modes: "", away: false }]]);
      this.add(buf, { kind: "join", from: msg.nick, self: true, again, time: messageTime(msg.tags), msgid: msg.tags.msgid || "" });
      this.emit("joined", { buf });
      this.emit("buffers");
      this.emit("members", { buf });
      return;
    }
    const buf = this.get(room);
    if (!buf) return;
    buf.members.set(foldName(msg.nick), { nick: msg.nick, modes: "", away: false });
    this.add(buf, { kind: "join", from: msg.nick, time: messageTime(msg.tags) });
    this.emit("members", { buf });
    this.emit("buffers");
  },

  PART(msg) {
    const buf = this.get(msg.params[0] || "");
    if (!buf) return;
    const reason = stripFormatting(msg.params[1] || "");
    if (this.isMe(msg.nick)) {
      buf.joined = false;
      buf.wanted = false;
      this.buffers.delete(buf.key);
      this.spoke.delete(buf.key);
      if (this.current === buf.key) this.current = this.fallback();
      this.emit("parted", { buf });
      this.emit("buffers");
      this.emit("current", { buf: this.currentBuffer() });
      return;
    }
    removeMember(this, buf, msg.nick);
    this.add(buf, { kind: "part", from: msg.nick, text: reason, time: messageTime(msg.tags) });
  },

  KICK(msg) {
    const buf = this.get(msg.params[0] || "");
    const target = msg.params[1] || "";
    if (!buf) return;
    const reason = stripFormatting(msg.params[2] || "");
    if (this.isMe(target)) {
      buf.joined = false;
      buf.wanted = false;
      buf.members.clear();
      this.emit("members", { buf });
      this.emit("buffers");
      this.emit("parted", { buf });
    } else {
      removeMember(this, buf, target);
    }
    this.add(buf, { kind: "kick", from: msg.nick, target, text: reason, self: this.isMe(target), time: messageTime(msg.tags) });
  },

  QUIT(msg) {
    const reason = stripFormatting(msg.params[0] || "");
    for (const buf of this.buffers.values()) {
      if (buf.kind === "room" && removeMember(this, buf, msg.nick)) {
        this.add(buf, { kind: "quit", from: msg.nick, text: reason, time: messageTime(msg.tags) });
      } else if (buf.kind === "query" && foldName(buf.name) === foldName(msg.nick)) {
        this.add(buf, { kind: "quit", from: msg.nick, text: reason, time: messageTime(msg.tags) });
      }
    }
  },

  NICK(msg) {
    const old = msg.nick;
    const neu = msg.params[0];
    if (!neu) return;
    const mine = this.isMe(old);
    if (mine) {
      this.me = neu;
      this.emit("me", { nick: neu });
    }
    const fo = foldName(old);
    for (const buf of [...this.buffers.values()]) {
      const m = buf.members.get(fo);
      if (m) {
        buf.members.delete(fo);
        m.nick = neu;
        buf.members.set(foldName(neu), m);
        this.add(buf, { kind: "nick", from: old, target: neu, self: mine, time: messageTime(msg.tags) });
        this.emit("members", { buf });
      } else if (buf.kind === "query" && buf.key === fo) {
        // The conversation follows the person (unless one with the new name is open).
        const clash = this.get(neu);
        if (!clash || clash === buf) {
          this.buffers.delete(buf.key);
          buf.name = neu;
          this.buffers.set(buf.key, buf);
          if (this.current === fo) this.current = buf.key;
          this.emit("current", { buf: this.currentBuffer() });
        }
        this.add(buf, { kind: "nick", from: old, target: neu, time: messageTime(msg.tags) });
      }
    }
    if (mine) this.add(this.buffers.get(SERVER_KEY), { kind: "nick", from: old, target: neu, self: true });
    this.emit("buffers");
  },

  MODE(msg) {
    const target = msg.params[0] || "";
    if (!isChannel(target, this.chantypes)) return; // our user modes: nothing to show
    const buf = this.get(target);
    if (!buf) return;
    const changes = parseModeChanges(msg.params[1] || "", msg.params.slice(2), this.chanmodes, this.prefix);
    let members = false;
    for (const c of changes) {
      if (!this.prefix.modes.includes(c.mode) || !c.arg) continue;
      const m = buf.members.get(foldName(c.arg));
      if (!m) continue;
      m.modes = c.add ? (m.modes.includes(c.mode) ? m.modes : m.modes + c.mode) : m.modes.replace(c.mode, "");
      members = true;
    }
    if (members) this.emit("members", { buf });
    this.add(buf, { kind: "mode", from: msg.nick, text: msg.params.slice(1).join(" "), time: messageTime(msg.tags) });
  },

  TOPIC(msg) {
    const buf = this.get(msg.params[0] || "");
    if (!buf) return;
    buf.topic = stripFormatting(msg.params[1] || "");
    buf.topicBy = msg.nick;
    this.emit("topic", { buf });
    this.add(buf, { kind: "topic", from: msg.nick, text: buf.topic, time: messageTime(msg.tags) });
  },

  AWAY(msg) {
    const away = msg.params.length > 0 && msg.params[0] !== "";
    const f = foldName(msg.nick);
    for (const buf of this.buffers.values()) {
      const m = buf.members.get(f);
      if (m && m.away !== away) {
        m.away = away;
        this.emit("members", { buf });
      }
    }
  },

  PRIVMSG(msg, label) {
    this.message(msg, label, false, this.historyBatch(msg));
  },

  NOTICE(msg, label) {
    this.message(msg, label, true, this.historyBatch(msg));
  },

  ERROR(msg) {
    this.add(this.buffers.get(SERVER_KEY), { kind: "error", key: "serverError", vars: { text: stripFormatting(msg.params[0] || "") } });
  },
};

// The chathistory batch msg is part of, or null: its lines are history, not news.
ChatState.prototype.historyBatch = function historyBatch(msg) {
  const batch = msg.tags.batch && this.batches.get(msg.tags.batch);
  return batch && batch.type === "chathistory" ? batch : null;
};

// PRIVMSG and NOTICE: which buffer, what kind of line, our echo, mentions, the assistant; a
// history line (hist: its batch) is kept for the batch's end instead (history.js).
ChatState.prototype.message = function message(msg, label, notice, hist = null) {
  const target = msg.params[0] || "";
  let text = msg.params[1] ?? "";
  const fromMe = this.isMe(msg.nick);
  const toChannel = isChannel(target, this.chantypes);
  const ct = parseCtcp(text);
  let kind = notice ? "notice" : "msg";
  if (ct) {
    if (ct.command !== "ACTION" || notice) {
      this.emit("ctcp", { from: msg.nick, command: ct.command, text: ct.text, notice });
      return;
    }
    kind = "action";
    text = ct.text;
  }
  text = stripFormatting(text);
  const time = messageTime(msg.tags);
  const bot = "bot" in msg.tags || this.bots.has(foldName(msg.nick));
  if ("bot" in msg.tags) this.bots.add(foldName(msg.nick));

  // Our own line coming back (echo-message): settles the pending one when the label matches.
  if (fromMe && label && this.pending.has(label) && !hist) {
    const { buf, line } = this.pending.get(label);
    this.pending.delete(label);
    line.pending = false;
    line.time = time;
    line.text = text;
    this.emit("lineUpdate", { buf, line });
    return;
  }

  let buf;
  if (toChannel) {
    buf = this.get(target);
  } else if (!msg.user && !msg.host) {
    buf = this.buffers.get(SERVER_KEY); // the server talking: its source has no "!" or "@"
  } else if (fromMe) {
    buf = this.ensure(target, "query"); // sent from here (echo) or from another client of ours
  } else if (notice) {
    buf = this.get(msg.nick) || (this.registered ? this.currentBuffer() : this.buffers.get(SERVER_KEY));
  } else {
    buf = this.ensure(msg.nick, "query");
  }
  if (!buf) buf = this.buffers.get(SERVER_KEY);
  if (buf.kind === "query" && !fromMe) buf.name = msg.nick;
  const line = {
    kind, from: msg.nick || msg.source, text, time, self: fromMe, bot, toChannel,
    msgid: msg.tags.msgid || "",
  };
  if (hist) {
    hist.lines.push({ buf, line });
    return;
  }
  if (buf.kind === "room") this.speaker(buf, msg.nick);
  line.highlight = !fromMe && kind !== "notice" && this.mentions(text);
  this.add(buf, line);
};
