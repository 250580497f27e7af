// history.js and the state's chathistory batches: earlier messages asked for, merged in msgid
// order without duplicates, the live marker, the end of what there is to load.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseLine } from "../irc.js";
import { ChatState } from "../state.js";
import { canLoadEarlier, earlierRequest, historyOf, mergeHistory, oldestMsgid } from "../history.js";
import { formatLine } from "../irc.js";

function chat(caps = ["batch", "server-time", "message-tags", "draft/chathistory"]) {
  const s = new ChatState();
  for (const c of caps) s.caps.add(c);
  const events = [];
  s.on((type, data) => events.push([type, data]));
  const feed = (...lines) => { for (const l of lines) s.handle(parseLine(l)); };
  feed(":srv 001 ana :Welcome", "@time=2026-12-06T10:00:00.000Z;msgid=0000000000000100 :ana!~ana@h JOIN #lobby");
  s.setCurrent("#lobby");
  events.length = 0;
  return { s, feed, events, lobby: s.get("#lobby") };
}

const id = (n) => n.toString(16).padStart(16, "0");
const hist = (ref, n, from = "bob") => `@batch=${ref};time=2026-12-06T09:00:${String(n % 60).padStart(2, "0")}.000Z;msgid=${id(n)} :${from}!~u@charla PRIVMSG #lobby :line ${n}`;
const texts = (buf) => buf.lines.map((l) => l.kind === "msg" ? l.text : l.kind);

test("a LATEST answer goes above our join, is not news, and marks where live lines start", () => {
  const { s, feed, events, lobby } = chat();
  historyOf(lobby).asked = "LATEST";
  feed(`@time=2026-12-06T10:00:01.000Z;msgid=${id(0x101)} :bob!~u@h PRIVMSG #lobby :live`); // arrives first
  events.length = 0;
  feed(":srv BATCH +H1 chathistory #lobby", hist("H1", 0x10), hist("H1", 0x20),
    `@batch=H1;msgid=${id(0x101)};time=2026-12-06T10:00:01.000Z :bob!~u@h PRIVMSG #lobby :live`,
    ":srv BATCH -H1");
  assert.deepEqual(texts(lobby), ["line 16", "line 32", "liveStart", "join", "live"]);
  assert.ok(lobby.lines[0].history && !lobby.lines[4].history);
  assert.equal(lobby.unread, 0);
  const h = events.filter(([t]) => t === "history");
  assert.equal(h.length, 1);
  assert.equal(h[0][1].added, 2);
  assert.ok(historyOf(lobby).done, "fewer than a page: nothing older");
  assert.equal(events.filter(([t]) => t === "line").length, 0, "history lines are not drawn as new");
  assert.equal(s.get("#lobby"), lobby);
});

test("a BEFORE page goes on top, keeps the view (above), and the next asks before its oldest", () => {
  const { feed, lobby, events } = chat();
  const h = historyOf(lobby);
  assert.deepEqual(earlierRequest(lobby).params, ["BEFORE", "#lobby", "msgid=" + id(0x100), "50"]);
  h.asked = "BEFORE";
  h.loading = true;
  const lines = [];
  for (let n = 1; n <= 50; n++) lines.push(hist("B", n));
  feed(":srv BATCH +B chathistory #lobby", ...lines, ":srv BATCH -B");
  assert.equal(lobby.lines.length, 51);
  assert.equal(lobby.lines[0].text, "line 1");
  assert.ok(!texts(lobby).includes("liveStart"));
  assert.ok(!h.loading && !h.done, "a full page: there may be more");
  assert.equal(events.find(([t]) => t === "history")[1].above, true);
  assert.equal(oldestMsgid(lobby), id(1));
  assert.deepEqual(formatLine(earlierRequest(lobby)), "CHATHISTORY BEFORE #lobby msgid=0000000000000001 50");
  // The same page again adds nothing (deduplicated by msgid), and an empty answer ends it.
  feed(":srv BATCH +C chathistory #lobby", ...lines.map((l) => l.replace("batch=B", "batch=C")), ":srv BATCH -C");
  assert.equal(lobby.lines.length, 51);
  feed(":srv BATCH +D chathistory #lobby", ":srv BATCH -D");
  assert.ok(h.done);
  assert.ok(!canLoadEarlier(lobby, new Set(["draft/chathistory"])));
});

test("private history lands in the conversation, ours and theirs, actions as actions", () => {
  const { s, feed } = chat();
  feed(":srv BATCH +P chathistory bob",
    `@batch=P;msgid=${id(5)};time=2026-12-06T09:00:00.000Z :bob!~u@charla PRIVMSG ana :hi`,
    `@batch=P;msgid=${id(6)};time=2026-12-06T09:00:01.000Z :ana!~u@charla PRIVMSG bob :\x01ACTION waves\x01`,
    ":srv BATCH -P");
  const bob = s.get("bob");
  assert.deepEqual(bob.lines.map((l) => [l.kind, l.text, !!l.self]), [["msg", "hi", false], ["action", "waves", true]]);
});

test("FAIL CHATHISTORY ends the request; without the capability nothing is asked", () => {
  const { s, feed, lobby } = chat();
  historyOf(lobby).loading = true;
  feed(":srv FAIL CHATHISTORY MESSAGE_ERROR BEFORE #lobby :Messages could not be retrieved");
  assert.ok(!historyOf(lobby).loading && historyOf(lobby).done);
  const plain = chat(["batch"]);
  assert.ok(!canLoadEarlier(plain.lobby, plain.s.caps));
  assert.ok(s);
});

test("mergeHistory: msgid order, duplicates within an answer too, groups recomputed", () => {
  const buf = { kind: "room", name: "#x", lines: [] };
  const at = (n, from = "bob") => ({ kind: "msg", from, text: "t" + n, msgid: id(n), time: new Date(1e12 + n * 1000) });
  mergeHistory(buf, [at(3), at(5)]);
  const r = mergeHistory(buf, [at(1), at(3), at(4), at(4), at(6, "eve")]);
  assert.equal(r.added, 3);
  assert.equal(r.above, false, "one went below the lines there were");
  assert.deepEqual(buf.lines.map((l) => l.text), ["t1", "t3", "t4", "t5", "t6"]);
  assert.deepEqual(buf.lines.map((l) => l.group), [false, true, true, true, false]);
});
