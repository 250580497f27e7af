// IRC messages as data: parsing and formatting of one line, IRCv3 tag escapes, CTCP, mode
// strings, ISUPPORT, formatting codes. Pure functions with no DOM and no state, so that
// node's test runner checks them (web/tests/irc.test.js). A line here never has its CR LF:
// over WebSocket (text.ircv3.net) each message is one line without it.

// IRCv3 message-tags: how a tag value is escaped on the wire.
const TAG_UNESCAPES = { ":": ";", s: " ", "\\": "\\", r: "\r", n: "\n" };

export function unescapeTag(value) {
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch !== "\\") {
      out += ch;
      continue;
    }
    i++;
    // A lone backslash at the end is dropped; an unknown escape is the character itself.
    if (i < value.length) out += TAG_UNESCAPES[value[i]] ?? value[i];
  }
  return out;
}

export function escapeTag(value) {
  return String(value).replace(/[\\; \r\n]/g, (ch) =>
    ({ "\\": "\\\\", ";": "\\:", " ": "\\s", "\r": "\\r", "\n": "\\n" })[ch]);
}

// Splits "nick!user@host" (or a server name) into its parts; a part that is missing is "".
export function parseSource(source) {
  if (!source) return { nick: "", user: "", host: "" };
  const bang = source.indexOf("!");
  const at = source.indexOf("@", bang < 0 ? 0 : bang);
  if (bang < 0 && at < 0) return { nick: source, user: "", host: "" };
  const nickEnd = bang >= 0 ? bang : at;
  return {
    nick: source.slice(0, nickEnd),
    user: bang >= 0 ? source.slice(bang + 1, at < 0 ? undefined : at) : "",
    host: at >= 0 ? source.slice(at + 1) : "",
  };
}

// One line -> { tags, source, nick, user, host, command, params }. The command is upper case;
// the trailing parameter is the last of params (its ':' removed). Runs of spaces separate
// words, as servers send them. Returns null for a line with no command.
export function parseLine(line) {
  let rest = String(line).replace(/[\r\n]+$/, "");
  const tags = {};
  if (rest.startsWith("@")) {
    const sp = rest.indexOf(" ");
    const head = sp < 0 ? rest.slice(1) : rest.slice(1, sp);
    rest = sp < 0 ? "" : rest.slice(sp + 1);
    for (const item of head.split(";")) {
      if (!item) continue;
      const eq = item.indexOf("=");
      if (eq < 0) tags[item] = "";
      else tags[item.slice(0, eq)] = unescapeTag(item.slice(eq + 1));
    }
  }
  rest = rest.replace(/^ +/, "");
  let source = "";
  if (rest.startsWith(":")) {
    const sp = rest.indexOf(" ");
    source = sp < 0 ? rest.slice(1) : rest.slice(1, sp);
    rest = sp < 0 ? "" : rest.slice(sp + 1);
  }
  const params = [];
  let command = "";
  for (;;) {
    rest = rest.replace(/^ +/, "");
    if (!rest) break;
    if (command && rest.startsWith(":")) {
      params.push(rest.slice(1));
      break;
    }
    const sp = rest.indexOf(" ");
    const word = sp < 0 ? rest : rest.slice(0, sp);
    rest = sp < 0 ? "" : rest.slice(sp + 1);
    if (!command) command = word.toUpperCase();
    else params.push(word);
  }
  if (!command) return null;
  return { tags, source, ...parseSource(source), command, params };
}

// { tags, command, params } -> one line. The last parameter gets a ':' when it needs one
// (empty, starts with ':' or holds a space); the others must be single words. Tags whose
// value is "" or true are sent bare. CR, LF and NUL never reach the wire: they become spaces.
export function formatLine(msg) {
  const parts = [];
  const tags = msg.tags ? Object.entries(msg.tags) : [];
  if (tags.length) {
    parts.push("@" + tags.map(([k, v]) =>
      (v === "" || v === true || v == null) ? k : k + "=" + escapeTag(v)).join(";"));
  }
  parts.push(msg.command);
  const params = (msg.params || []).map((p) => String(p).replace(/[\r\n\0]/g, " "));
  params.forEach((p, i) => {
    const last = i === params.length - 1;
    if (last && (p === "" || p.startsWith(":") || p.includes(" "))) parts.push(":" + p);
    else parts.push(p);
  });
  return parts.join(" ");
}

// mIRC formatting: bold ^B, colour ^C[fg[,bg]] (one or two digits each), hex colour ^D,
// reset ^O, reverse ^V (and ^R as some clients send it), italic ^], strike ^^, underline ^_,
// monospace ^Q. All are removed; the text between them stays.
const FORMAT_RE = /\x03(?:\d{1,2}(?:,\d{1,2})?)?|\x04(?:[0-9a-fA-F]{6}(?:,[0-9a-fA-F]{6})?)?|[\x02\x0f\x11\x12\x16\x1d\x1e\x1f]/g;

export function stripFormatting(text) {
  return String(text).replace(FORMAT_RE, "");
}

// CTCP: "\x01ACTION waves\x01" -> { command: "ACTION", text: "waves" }; null if not CTCP.
// The closing \x01 is optional, as some clients leave it out.
export function parseCtcp(text) {
  if (!text || text[0] !== "\x01") return null;
  let body = text.slice(1);
  if (body.endsWith("\x01")) body = body.slice(0, -1);
  const sp = body.indexOf(" ");
  return {
    command: (sp < 0 ? body : body.slice(0, sp)).toUpperCase(),
    text: sp < 0 ? "" : body.slice(sp + 1),
  };
}

export function ctcp(command, text) {
  return "\x01" + command + (text ? " " + text : "") + "\x01";
}

export function isChannel(name, chantypes = "#") {
  return !!name && chantypes.includes(name[0]);
}

// Names compare without case. charlad folds more than ASCII (Latin-1, Greek, Cyrillic), which
// toLowerCase covers too; a client that folds more than the server only merges tabs that the
// server would have kept apart, which cannot happen since the server holds names unique.
export function foldName(name) {
  return String(name).toLowerCase();
}

// ISUPPORT tokens of one 005 line (params between the nick and the trailing text):
// "PREFIX=(ov)@+" -> { PREFIX: "(ov)@+" }; "-TOKEN" -> { TOKEN: null }; a bare token -> true.
export function parseIsupport(params) {
  const out = {};
  for (const tok of params) {
    if (!tok) continue;
    if (tok.startsWith("-")) {
      out[tok.slice(1).toUpperCase()] = null;
      continue;
    }
    const eq = tok.indexOf("=");
    if (eq < 0) out[tok.toUpperCase()] = true;
    else out[tok.slice(0, eq).toUpperCase()] = tok.slice(eq + 1).replace(/\\x([0-9a-fA-F]{2})/g,
      (_, h) => String.fromCharCode(parseInt(h, 16)));
  }
  return out;
}

// "(ov)@+" -> { modes: "ov", symbols: "@+" }, highest first; the default when it is missing.
export function parsePrefix(value) {
  const m = /^\(([^)]*)\)(.*)$/.exec(value || "");
  if (!m || m[1].length !== m[2].length) return { modes: "ov", symbols: "@+" };
  return { modes: m[1], symbols: m[2] };
}

// One entry of a 353 reply: "@+ana" (multi-prefix) or "ana!u@h" (userhost-in-names)
// -> { nick, modes: "ov" }.
export function parseNamesEntry(entry, prefix = { modes: "ov", symbols: "@+" }) {
  let i = 0;
  let modes = "";
  while (i < entry.length && prefix.symbols.includes(entry[i])) {
    modes += prefix.modes[prefix.symbols.indexOf(entry[i])];
    i++;
  }
  return { nick: parseSource(entry.slice(i)).nick, modes };
}

// The symbol of a member's highest mode ("@" for "ov"), "" for none.
export function prefixSymbol(modes, prefix = { modes: "ov", symbols: "@+" }) {
  for (let i = 0; i < prefix.modes.length; i++) {
    if (modes.includes(prefix.modes[i])) return prefix.symbols[i];
  }
  return "";
}

// A channel MODE's changes: ("+o-v", ["ana", "bob"]) -> [{ add, mode, arg }]. Which letters
// take an argument comes from CHANMODES (A lists and B always, C when set) and PREFIX.
export function parseModeChanges(modeStr, args, chanmodes = "beI,k,l,imnst", prefix = { modes: "ov" }) {
  const [a = "", b = "", c = ""] = chanmodes.split(",");
  const out = [];
  let add = true;
  let next = 0;
  for (const ch of modeStr || "") {
    if (ch === "+" || ch === "-") {
      add = ch === "+";
      continue;
    }
    const takesArg = prefix.modes.includes(ch) || a.includes(ch) || b.includes(ch) ||
      (add && c.includes(ch));
    out.push({ add, mode: ch, arg: takesArg ? (args[next++] ?? null) : null });
  }
  return out;
}

// When a message was sent: the server-time tag if it is there and valid, else `now`.
export function messageTime(tags, now = new Date()) {
  const t = tags && tags.time;
  if (t) {
    const d = new Date(t);
    if (!Number.isNaN(d.getTime())) return d;
  }
  return now;
}

function utf8Length(s) {
  let n = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0);
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}
export { utf8Length };

// Splits a message into pieces of at most maxBytes bytes of UTF-8, at a space when one is
// near (within the last third of a piece), never inside a character. IRC lines are at most
// 512 bytes with the source the server adds, so a long message goes as several PRIVMSGs.
export function splitText(text, maxBytes) {
  const out = [];
  let rest = String(text);
  while (utf8Length(rest) > maxBytes) {
    let bytes = 0;
    let cut = 0;
    let space = -1;
    for (const ch of rest) {
      const n = utf8Length(ch);
      if (bytes + n > maxBytes) break;
      bytes += n;
      cut += ch.length;
      if (ch === " ") space = cut;
    }
    if (space > 0 && space > cut * 2 / 3) {
      out.push(rest.slice(0, space - 1));
      rest = rest.slice(space);
    } else {
      out.push(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
  }
  if (rest || !out.length) out.push(rest);
  return out;
}

// The bytes a PRIVMSG's text may have so that the line the server relays, with a source as
// long as NICKLEN allows and a user and host, fits 512 bytes: ":nick!~user@host PRIVMSG
// target :" + text + CR LF.
export function maxTextBytes(target, nickLen = 32) {
  const source = 1 + nickLen + 1 + 11 + 1 + 63; // ":" nick "!" ~user "@" host
  return Math.max(60, 512 - source - " PRIVMSG ".length - utf8Length(target) - 2 - 2);
}
