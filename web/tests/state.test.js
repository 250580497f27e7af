// state.js: the chat model fed with IRC lines as charlad sends them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseLine } from "../irc.js";
import { ChatState, MAX_LINES, SERVER_KEY } from "../state.js";

function chat(me = "ana") {
  const s = new ChatState();
  const events = [];
  s.on((type, data) => events.push([type, data]));
  const feed = (...lines) => { for (const l of lines) s.handle(parseLine(l)); };
  feed(":srv 001 " + me + " :Welcome to the charla IRC Network " + me,
    ":srv 005 " + me + " PREFIX=(ov)@+ CHANTYPES=# CHANMODES=beI,k,l,imnst NETWORK=charla :are supported",
    `@time=2026-12-06T10:00:00.000Z :${me}!~${me}@127.0.0.1 JOIN #lobby`,
    `:srv 353 ${me} = #lobby :${me} @op +voiced gpt`,
    `:srv 366 ${me} #lobby :End of /NAMES list`);
  s.setCurrent("#lobby");
  events.length = 0;
  return { s, feed, events, lobby: s.get("#lobby") };
}

const kinds = (buf) => buf.lines.map((l) => l.kind);
const nicks = (buf) => [...buf.members.values()].map((m) => m.nick + ":" + m.modes).sort();

test("the welcome names us, ISUPPORT sets the prefixes, our JOIN opens the room", () => {
  const { s, lobby } = chat();
  assert.equal(s.me, "ana");
  assert.ok(s.registered);
  assert.equal(s.network, "charla");
  assert.ok(lobby.joined && lobby.wanted);
  assert.deepEqual(nicks(lobby), ["ana:", "gpt:", "op:o", "voiced:v"]);
  assert.equal(s.current, "#lobby");
});

test("joins, parts, quits, kicks and renames keep the member list", () => {
  const { s, feed, lobby } = chat();
  feed(":bob!~bob@h JOIN #lobby");
  assert.ok(lobby.members.has("bob"));
  feed(":bob!~bob@h NICK :Roberto");
  assert.ok(!lobby.members.has("bob") && lobby.members.get("roberto").nick === "Roberto");
  feed(":Roberto!~bob@h PART #lobby :bye");
  assert.ok(!lobby.members.has("roberto"));
  feed(":zoe!~z@h JOIN #lobby", ":zoe!~z@h QUIT :Client Quit");
  assert.ok(!lobby.members.has("zoe"));
  feed(":op!~o@h KICK #lobby voiced :out");
  assert.ok(!lobby.members.has("voiced"));
  assert.deepEqual(kinds(lobby).slice(-6), ["join", "nick", "part", "join", "quit", "kick"]);
  const part = lobby.lines.find((l) => l.kind === "part");
  assert.equal(part.text, "bye");
  assert.equal(s.get("#nowhere"), null);
});

test("MODE +o/-v updates prefixes (multi-prefix keeps both)", () => {
  const { feed, lobby } = chat();
  feed(":op!~o@h MODE #lobby +ov gpt gpt", ":op!~o@h MODE #lobby -v+m voiced");
  assert.equal(lobby.members.get("gpt").modes, "ov");
  assert.equal(lobby.members.get("voiced").modes, "");
  feed(":srv 353 ana = #lobby :@+both", ":srv 366 ana #lobby :End");
  assert.equal(lobby.members.get("both").modes, "ov");
});

test("messages: channel, private, action, notice, formatting stripped, mention", () => {
  const { s, feed, lobby } = chat();
  feed("@time=2026-12-06T10:01:00.000Z :bob!~b@h PRIVMSG #lobby :\x02hola\x02 \x0304ana\x03!");
  const l = lobby.lines.at(-1);
  assert.equal(l.kind, "msg");
  assert.equal(l.text, "hola ana!");
  assert.ok(l.highlight);
  assert.equal(l.time.toISOString(), "2026-12-06T10:01:00.000Z");
  feed(":bob!~b@h PRIVMSG #lobby :mariana is not me");
  assert.ok(!lobby.lines.at(-1).highlight);
  feed(":bob!~b@h PRIVMSG #lobby :\x01ACTION waves\x01");
  assert.deepEqual([lobby.lines.at(-1).kind, lobby.lines.at(-1).text], ["action", "waves"]);
  feed(":bob!~b@h PRIVMSG ana :psst");
  const q = s.get("bob");
  assert.equal(q.kind, "query");
  assert.equal(q.lines.at(-1).text, "psst");
  assert.equal(q.unread, 1);
  assert.equal(q.mentions, 1);
  feed(":bob!~b@h NOTICE ana :a notice");
  assert.equal(q.lines.at(-1).kind, "notice");
  feed(":srv NOTICE ana :server says");
  assert.equal(s.buffers.get(SERVER_KEY).lines.at(-1).text, "server says");
});

test("the assistant's lines are grouped into one block and marked as a bot's", () => {
  const { s, feed, lobby } = chat();
  feed("@bot;time=2026-12-06T10:02:00.000Z :gpt!~u@bot.charla PRIVMSG #lobby :ana: A socket is",
    "@bot;time=2026-12-06T10:02:01.000Z :gpt!~u@bot.charla PRIVMSG #lobby :one end of a connection.",
    "@bot;time=2026-12-06T10:02:02.000Z :gpt!~u@bot.charla PRIVMSG #lobby :Servers listen.");
  const last = lobby.lines.slice(-3);
  assert.deepEqual(last.map((l) => l.group), [false, true, true]);
  assert.ok(last.every((l) => l.bot));
  assert.ok(s.bots.has("gpt"));
  feed("@time=2026-12-06T10:02:03.000Z :bob!~b@h PRIVMSG #lobby :thanks");
  assert.equal(lobby.lines.at(-1).group, false);
  // Long silences and other kinds of line break a group.
  feed("@time=2026-12-06T10:30:00.000Z :bob!~b@h PRIVMSG #lobby :later");
  assert.equal(lobby.lines.at(-1).group, false);
});

test("unread counts in buffers that are not shown, reset when shown", () => {
  const { s, feed, lobby } = chat();
  feed(":ana!~a@h JOIN #dev", ":srv 366 ana #dev :End");
  const dev = s.get("#dev");
  s.setCurrent("#dev");
  feed(":bob!~b@h JOIN #lobby", ":bob!~b@h PRIVMSG #lobby :one", ":bob!~b@h PRIVMSG #lobby :ana: two");
  assert.equal(lobby.unread, 2);
  assert.equal(lobby.mentions, 1);
  assert.equal(dev.unread, 0);
  s.setCurrent("#lobby");
  assert.equal(lobby.unread, 0);
  assert.equal(lobby.mentions, 0);
});

test("our messages: pending until the labeled echo, failed on a labeled error", () => {
  const { s, feed, lobby } = chat();
  const line = s.addOwn("#lobby", "hola", false, "m1");
  assert.ok(line.pending);
  feed("@label=m1;time=2026-12-06T10:03:00.000Z :ana!~a@h PRIVMSG #lobby :hola");
  assert.ok(!line.pending);
  assert.equal(line.time.toISOString(), "2026-12-06T10:03:00.000Z");
  assert.equal(lobby.lines.filter((l) => l.text === "hola").length, 1);
  const bad = s.addOwn("#nowhere", "x", false, "m2");
  feed("@label=m2 :srv 404 ana #nowhere :Cannot send to channel");
  assert.equal(bad.failed, "404");
  const lost = s.addOwn("#lobby", "y", false, "m3");
  s.failPending("disconnected");
  assert.equal(lost.failed, "disconnected");
});

test("a labeled batch passes its label to the lines inside", () => {
  const { s, feed } = chat();
  const line = s.addOwn("bob", "hi", false, "m9");
  feed("@label=m9 BATCH +b1 labeled-response", "@batch=b1 :srv 401 ana bob :No such nick/channel", "BATCH -b1");
  assert.equal(line.failed, "401");
});

test("topics: 332 on join, TOPIC changes, formatting stripped", () => {
  const { feed, lobby } = chat();
  feed(":srv 332 ana #lobby :\x02Welcome\x02 all", ":srv 333 ana #lobby op!~o@h 1796533136");
  assert.equal(lobby.topic, "Welcome all");
  assert.equal(lobby.topicBy, "op");
  feed(":op!~o@h TOPIC #lobby :New topic");
  assert.equal(lobby.topic, "New topic");
  assert.equal(lobby.lines.at(-1).kind, "topic");
});

test("LIST fills the room list; NAMES replaces the members", () => {
  const { s, feed, events } = chat();
  feed(":srv 321 ana Channel :Users  Name", ":srv 322 ana #dev 3 :\x02dev\x02 talk", ":srv 322 ana #lobby 5 :", ":srv 323 ana :End of /LIST");
  assert.deepEqual(s.roomList, [{ name: "#dev", users: 3, topic: "dev talk" }, { name: "#lobby", users: 5, topic: "" }]);
  assert.ok(events.some(([t]) => t === "roomList"));
});

test("our PART closes the room; a KICK keeps it, not joined", () => {
  const { s, feed } = chat();
  feed(":ana!~a@h JOIN #dev", ":srv 366 ana #dev :End");
  s.setCurrent("#dev");
  feed(":ana!~a@h PART #dev");
  assert.equal(s.get("#dev"), null);
  assert.equal(s.current, "#lobby");
  feed(":ana!~a@h JOIN #x", ":op!~o@h KICK #x ana :go");
  const x = s.get("#x");
  assert.ok(x && !x.joined && !x.wanted);
  assert.equal(x.lines.at(-1).kind, "kick");
  assert.ok(x.lines.at(-1).self);
  assert.deepEqual(s.wantedRooms(), ["#lobby"]);
});

test("our NICK renames us; a query follows its person", () => {
  const { s, feed } = chat();
  feed(":bob!~b@h PRIVMSG ana :hi");
  s.setCurrent("bob");
  feed(":bob!~b@h NICK roberto");
  assert.equal(s.get("bob"), null);
  assert.equal(s.get("roberto").name, "roberto");
  assert.equal(s.current, "roberto");
  feed(":ana!~a@h NICK anita");
  assert.equal(s.me, "anita");
  assert.ok(s.get("#lobby").members.has("anita"));
});

test("away-notify dims members; disconnection keeps the rooms wanted", () => {
  const { s, feed, lobby } = chat();
  feed(":op!~o@h AWAY :lunch");
  assert.ok(lobby.members.get("op").away);
  feed(":op!~o@h AWAY");
  assert.ok(!lobby.members.get("op").away);
  s.disconnected();
  assert.ok(!lobby.joined && lobby.wanted);
  assert.deepEqual(s.wantedRooms(), ["#lobby"]);
});

test("errors and unknown numerics land in the current buffer", () => {
  const { feed, lobby } = chat();
  feed(":srv 421 ana FOO :Unknown command");
  assert.deepEqual([lobby.lines.at(-1).kind, lobby.lines.at(-1).key], ["error", "err421"]);
  feed(":srv 999 ana some :thing");
  assert.deepEqual([lobby.lines.at(-1).kind, lobby.lines.at(-1).text], ["server", "some thing"]);
});

test("completion names: recent speakers first", () => {
  const { s, feed, lobby } = chat();
  feed(":voiced!~v@h PRIVMSG #lobby :x");
  const names = s.completionNames(lobby);
  assert.equal(names[0], "voiced");
  assert.ok(names.includes("gpt") && !names.includes("ana"));
});

test("a buffer keeps at most MAX_LINES lines", () => {
  const { s, feed, lobby } = chat();
  for (let i = 0; i < MAX_LINES + 20; i++) s.info(lobby, "help");
  assert.equal(lobby.lines.length, MAX_LINES);
});
