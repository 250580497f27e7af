// Earlier messages (IRCv3 draft/chathistory): what the page asks for and how the answer joins a
// buffer's lines. The page asks CHATHISTORY LATEST when it joins a room (charlad then replays
// nothing by itself) and CHATHISTORY BEFORE the oldest line it has when the user scrolls to the
// top or presses "Load earlier messages"; the answer is a batch of type chathistory whose
// PRIVMSG and NOTICE lines state.js hands here instead of showing them as new.
//
// Pure: no DOM, no network. A buffer's history is buf.history = { loading, done, live }:
// a request on its way, nothing older left to ask for, and whether the line marking where the
// live messages start has been placed. Lines are deduplicated by msgid (a live line and its
// copy in the history are one), and kept in msgid order (charlad's msgids are 16 hex digits
// that grow with time, so the text order is the time order).

import { foldName } from "./irc.js";

export const HISTORY_PAGE = 50;
export const HISTORY_CAP = "draft/chathistory";

export function historyOf(buf) {
  if (!buf.history) buf.history = { loading: false, done: false, live: false };
  return buf.history;
}

// The oldest msgid among buf's lines, or "" when none has one.
export function oldestMsgid(buf) {
  let oldest = "";
  for (const l of buf.lines) if (l.msgid && (!oldest || l.msgid < oldest)) oldest = l.msgid;
  return oldest;
}

// The CHATHISTORY message (for irc.js formatLine) to ask for buf's earlier lines: BEFORE its
// oldest, or LATEST when it has none yet.
export function earlierRequest(buf, limit = HISTORY_PAGE) {
  const oldest = oldestMsgid(buf);
  return oldest
    ? { command: "CHATHISTORY", params: ["BEFORE", buf.name, "msgid=" + oldest, String(limit)] }
    : { command: "CHATHISTORY", params: ["LATEST", buf.name, "*", String(limit)] };
}

export function latestRequest(name, limit = HISTORY_PAGE) {
  return { command: "CHATHISTORY", params: ["LATEST", name, "*", String(limit)] };
}

// Whether the buffer's earlier lines may be asked for now.
export function canLoadEarlier(buf, caps) {
  if (!caps.has(HISTORY_CAP) || (buf.kind !== "room" && buf.kind !== "query")) return false;
  const h = historyOf(buf);
  return !h.loading && !h.done;
}

// Puts the history lines (oldest first, each with a msgid) among buf's lines, in msgid order,
// leaving out those it has already. With `marker`, a line of kind "liveStart" goes after the
// last history line when live lines follow it (once per buffer). Returns how many were added
// and whether they all went above the lines there were (a page of older lines: the view keeps
// its place).
export function mergeHistory(buf, lines, { marker = false, makeId = () => 0 } = {}) {
  const have = new Set(buf.lines.filter((l) => l.msgid).map((l) => l.msgid));
  const fresh = lines.filter((l) => l.msgid && !have.has(l.msgid) && have.add(l.msgid));
  const h = historyOf(buf);
  if (!fresh.length) return { added: 0, above: true };
  const before = buf.lines.length;
  let above = true;
  let lastAt = -1;
  for (const line of fresh) {
    line.id = makeId();
    line.history = true;
    line.time = line.time || new Date();
    // Before the first line with a greater msgid; lines without one (the page's own notes)
    // that come before it stay where they are.
    let at = buf.lines.findIndex((l) => l.msgid && l.msgid > line.msgid);
    if (at < 0) {
      at = buf.lines.length;
      if (before) above = false;
    } else if (at > 0 && buf.lines.slice(0, at).some((l) => !l.history)) {
      above = false;
    }
    buf.lines.splice(at, 0, line);
    lastAt = at;
  }
  if (marker && !h.live && lastAt >= 0 && lastAt < buf.lines.length - 1) {
    buf.lines.splice(lastAt + 1, 0, { kind: "liveStart", id: makeId(), time: buf.lines[lastAt].time });
    h.live = true;
  }
  regroup(buf);
  return { added: fresh.length, above };
}

// Whether each message line continues its speaker's block (the same rule as state.add).
const GROUP_GAP_MS = 5 * 60 * 1000;
export function regroup(buf) {
  let prev = null;
  for (const line of buf.lines) {
    line.group = !!(prev && line.kind === "msg" && prev.kind === "msg" && line.from && prev.from &&
      foldName(prev.from) === foldName(line.from) && !!prev.self === !!line.self &&
      !prev.failed && line.time - prev.time < GROUP_GAP_MS && line.time >= prev.time);
    prev = line;
  }
}

// The end of a chathistory batch (state.js collected its lines in batch.lines as { buf, line }):
// the lines join their buffers, the request is over, and a short answer means nothing older is
// left. Emits "history" { buf, added, above } for each buffer concerned.
export function finishHistory(state, batch, makeId) {
  const byBuf = new Map();
  const target = batch.target ? state.get(batch.target) : null;
  if (target) byBuf.set(target, []);
  for (const { buf, line } of batch.lines) {
    if (!byBuf.has(buf)) byBuf.set(buf, []);
    byBuf.get(buf).push(line);
  }
  for (const [buf, lines] of byBuf) {
    const h = historyOf(buf);
    const asked = h.asked || "";
    h.loading = false;
    h.asked = "";
    if (lines.length < (h.limit || HISTORY_PAGE)) h.done = true;
    const r = mergeHistory(buf, lines, { marker: asked === "LATEST", makeId });
    state.emit("history", { buf, added: r.added, above: r.above });
  }
}

// FAIL CHATHISTORY <code> <subcommand> [<target>] :text: that request is over, and asking again
// would fail again.
export function failHistory(state, msg) {
  const buf = msg.params.length > 4 ? state.get(msg.params[3] || "") : null;
  if (!buf) return;
  const h = historyOf(buf);
  h.loading = false;
  h.done = true;
  state.emit("history", { buf, added: 0, above: true });
}
