// irc.js: the parser, the formatter, tag escapes, CTCP, modes, ISUPPORT, formatting codes.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ctcp, escapeTag, formatLine, isChannel, maxTextBytes, messageTime, parseCtcp, parseIsupport,
  parseLine, parseModeChanges, parseNamesEntry, parsePrefix, parseSource, prefixSymbol,
  splitText, stripFormatting, unescapeTag, utf8Length,
} from "../irc.js";

test("a plain command with a trailing parameter", () => {
  const m = parseLine("PRIVMSG #lobby :hola a todos");
  assert.equal(m.command, "PRIVMSG");
  assert.deepEqual(m.params, ["#lobby", "hola a todos"]);
  assert.equal(m.source, "");
  assert.deepEqual(m.tags, {});
});

test("source, nick, user and host", () => {
  const m = parseLine(":ana!~ana@127.0.0.1 JOIN #lobby");
  assert.equal(m.source, "ana!~ana@127.0.0.1");
  assert.equal(m.nick, "ana");
  assert.equal(m.user, "~ana");
  assert.equal(m.host, "127.0.0.1");
  assert.deepEqual(m.params, ["#lobby"]);
  assert.deepEqual(parseSource("irc.example.org"), { nick: "irc.example.org", user: "", host: "" });
  assert.deepEqual(parseSource("bob@host"), { nick: "bob", user: "", host: "host" });
});

test("tags with escapes, bare tags and vendor tags", () => {
  const m = parseLine("@time=2026-12-06T04:57:11.184Z;msgid=1a2b;bot;+example.com/x=a\\sb\\:c\\\\d\\r\\n;empty= :gpt!~u@bot.charla PRIVMSG ana :hi");
  assert.equal(m.tags.time, "2026-12-06T04:57:11.184Z");
  assert.equal(m.tags.msgid, "1a2b");
  assert.equal(m.tags.bot, "");
  assert.equal(m.tags["+example.com/x"], "a b;c\\d\r\n");
  assert.equal(m.tags.empty, "");
  assert.equal(m.nick, "gpt");
  assert.deepEqual(m.params, ["ana", "hi"]);
});

test("tag unescaping: unknown escapes, a trailing backslash", () => {
  assert.equal(unescapeTag("a\\bc"), "abc");
  assert.equal(unescapeTag("abc\\"), "abc");
  assert.equal(unescapeTag("\\s\\s"), "  ");
  for (const v of ["plain", "a b;c\\d", "\r\n", "ñandú; ok", ""]) {
    assert.equal(unescapeTag(escapeTag(v)), v);
  }
  assert.equal(escapeTag("a b;c\\"), "a\\sb\\:c\\\\");
});

test("params: middle words, runs of spaces, a trailing one with colons and spaces", () => {
  const m = parseLine(":srv 353 ana = #lobby :@ana +bob gpt");
  assert.deepEqual(m.params, ["ana", "=", "#lobby", "@ana +bob gpt"]);
  const n = parseLine(":srv  322   ana  #dev 3 :a topic: with colons ");
  assert.deepEqual(n.params, ["ana", "#dev", "3", "a topic: with colons "]);
  assert.deepEqual(parseLine("PING :").params, [""]);
  assert.deepEqual(parseLine("PING x").params, ["x"]);
  assert.deepEqual(parseLine("CAP * LS * :multi-prefix sasl").params, ["*", "LS", "*", "multi-prefix sasl"]);
  assert.deepEqual(parseLine("001 ana :Welcome\r\n").params, ["ana", "Welcome"]);
});

test("the command is upper-cased; numerics stay; an empty line is null", () => {
  assert.equal(parseLine("privmsg a :b").command, "PRIVMSG");
  assert.equal(parseLine(":s 433 * ana :Nickname is already in use").command, "433");
  assert.equal(parseLine(""), null);
  assert.equal(parseLine("@a=b"), null);
  assert.equal(parseLine(":src"), null);
});

test("formatting a line: the trailing colon only where needed, tags escaped", () => {
  assert.equal(formatLine({ command: "NICK", params: ["ana"] }), "NICK ana");
  assert.equal(formatLine({ command: "PRIVMSG", params: ["#lobby", "hola a todos"] }), "PRIVMSG #lobby :hola a todos");
  assert.equal(formatLine({ command: "PRIVMSG", params: ["#lobby", ":)"] }), "PRIVMSG #lobby ::)");
  assert.equal(formatLine({ command: "TOPIC", params: ["#lobby", ""] }), "TOPIC #lobby :");
  assert.equal(formatLine({ command: "USER", params: ["ana", "0", "*", "charla web"] }), "USER ana 0 * :charla web");
  assert.equal(formatLine({ tags: { label: "m1", "+x": "a b;c" }, command: "PRIVMSG", params: ["bob", "hi"] }),
    "@label=m1;+x=a\\sb\\:c PRIVMSG bob hi");
  assert.equal(formatLine({ command: "PRIVMSG", params: ["bob", "one\r\ntwo"] }), "PRIVMSG bob :one  two");
  assert.equal(formatLine({ command: "LIST" }), "LIST");
  // What we format, we parse back.
  const msg = { tags: { label: "x" }, command: "PRIVMSG", params: ["#a", "b c"] };
  const back = parseLine(formatLine(msg));
  assert.deepEqual([back.tags, back.command, back.params], [msg.tags, msg.command, msg.params]);
});

test("stripping IRC formatting codes", () => {
  assert.equal(stripFormatting("\x02bold\x02 plain"), "bold plain");
  assert.equal(stripFormatting("\x0304red\x03 \x034,12on blue\x0f end"), "red on blue end");
  assert.equal(stripFormatting("\x03,5x"), ",5x"); // a comma without a foreground is text
  assert.equal(stripFormatting("\x0312345"), "345"); // at most two digits
  assert.equal(stripFormatting("\x031,123"), "3");
  assert.equal(stripFormatting("\x1ditalic\x1d \x1funder\x1f \x16rev\x16 \x12rev\x12 \x1estrike\x1e \x11mono\x11"),
    "italic under rev rev strike mono");
  assert.equal(stripFormatting("\x04ff0000hex\x04 \x04ff0000,00ff00both"), "hex both");
  assert.equal(stripFormatting("no codes: 3,4 ok"), "no codes: 3,4 ok");
  assert.equal(stripFormatting("\x01ACTION x\x01"), "\x01ACTION x\x01"); // CTCP is not formatting
});

test("CTCP", () => {
  assert.deepEqual(parseCtcp("\x01ACTION waves hello\x01"), { command: "ACTION", text: "waves hello" });
  assert.deepEqual(parseCtcp("\x01version\x01"), { command: "VERSION", text: "" });
  assert.deepEqual(parseCtcp("\x01ACTION no end"), { command: "ACTION", text: "no end" });
  assert.equal(parseCtcp("plain"), null);
  assert.equal(parseCtcp(""), null);
  assert.equal(ctcp("ACTION", "waves"), "\x01ACTION waves\x01");
});

test("ISUPPORT and PREFIX", () => {
  const is = parseIsupport(["PREFIX=(ov)@+", "CHANTYPES=#", "UTF8ONLY", "-EXCEPTS", "NETWORK=a\\x20b"]);
  assert.equal(is.PREFIX, "(ov)@+");
  assert.equal(is.UTF8ONLY, true);
  assert.equal(is.EXCEPTS, null);
  assert.equal(is.NETWORK, "a b");
  assert.deepEqual(parsePrefix("(qaohv)~&@%+"), { modes: "qaohv", symbols: "~&@%+" });
  assert.deepEqual(parsePrefix("junk"), { modes: "ov", symbols: "@+" });
});

test("NAMES entries with multi-prefix and userhost-in-names", () => {
  assert.deepEqual(parseNamesEntry("@+ana"), { nick: "ana", modes: "ov" });
  assert.deepEqual(parseNamesEntry("+bob"), { nick: "bob", modes: "v" });
  assert.deepEqual(parseNamesEntry("gpt!~u@bot.charla"), { nick: "gpt", modes: "" });
  assert.equal(prefixSymbol("ov"), "@");
  assert.equal(prefixSymbol("v"), "+");
  assert.equal(prefixSymbol(""), "");
});

test("mode changes: which letters take an argument", () => {
  assert.deepEqual(parseModeChanges("+o-v", ["ana", "bob"]), [
    { add: true, mode: "o", arg: "ana" }, { add: false, mode: "v", arg: "bob" }]);
  assert.deepEqual(parseModeChanges("+lk-l+m", ["10", "secret"]), [
    { add: true, mode: "l", arg: "10" }, { add: true, mode: "k", arg: "secret" },
    { add: false, mode: "l", arg: null }, { add: true, mode: "m", arg: null }]);
  assert.deepEqual(parseModeChanges("+b", ["*!*@x"]), [{ add: true, mode: "b", arg: "*!*@x" }]);
});

test("channels and times", () => {
  assert.ok(isChannel("#lobby"));
  assert.ok(!isChannel("ana"));
  assert.ok(!isChannel(""));
  const now = new Date(0);
  assert.equal(messageTime({ time: "2026-12-06T04:57:11.184Z" }, now).toISOString(), "2026-12-06T04:57:11.184Z");
  assert.equal(messageTime({ time: "garbage" }, now), now);
  assert.equal(messageTime({}, now), now);
});

test("long messages are split at spaces, within the byte budget, never inside a character", () => {
  assert.deepEqual(splitText("short", 100), ["short"]);
  assert.deepEqual(splitText("", 100), [""]);
  const words = Array.from({ length: 60 }, (_, i) => "palabra" + i).join(" ");
  const parts = splitText(words, 100);
  assert.ok(parts.length > 1);
  for (const p of parts) assert.ok(utf8Length(p) <= 100, p);
  assert.equal(parts.join(" "), words);
  const n = splitText("ñ".repeat(101), 100); // two bytes each
  assert.deepEqual(n.map((p) => utf8Length(p)), [100, 100, 2]);
  const emoji = splitText("😀".repeat(30), 10); // four bytes each
  for (const p of emoji) assert.ok(utf8Length(p) <= 10 && !p.includes("\ufffd"));
  assert.equal(emoji.join(""), "😀".repeat(30));
  assert.ok(maxTextBytes("#lobby") > 300 && maxTextBytes("#lobby") < 420);
});
