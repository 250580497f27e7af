// What a line typed in the input means: a message for the current buffer, or one of the
// slash commands. Pure: returns an action for session.js to carry out
// (web/tests/commands.test.js).
//
//   /join #room [key]    /part [#room] [reason]   /nick name      /me action
//   /msg name text       /query name [text]       /topic [text]   /quit [reason]
//   /close               /help                    //text sends "/text" as a message
//
// Any other /word goes to the server as it is, upper-cased (/whois bob -> WHOIS bob), as IRC
// clients do.

import { isChannel } from "./irc.js";
import { roomName } from "./names.js";

export const COMMANDS = ["join", "part", "nick", "me", "msg", "query", "topic", "quit", "close", "help"];

// ctx: { target: the current buffer's name, kind: "room" | "query" | "server",
//        chantypes: "#" }. Returns one of
//   { type: "say", target, text }           { type: "action", target, text }
//   { type: "join", room, key }              { type: "part", room, reason }
//   { type: "nick", nick }                   { type: "msg", target, text } (text may be "")
//   { type: "topic", room, text }  (text null: ask for it)
//   { type: "quit", reason }                 { type: "close" }   { type: "help" }
//   { type: "raw", line }                    { type: "error", key, vars }
//   null for an empty line.
export function parseInput(line, ctx) {
  const text = String(line).replace(/[\r\n]+/g, " ");
  if (!text.trim()) return null;
  const chantypes = ctx.chantypes || "#";
  const inChat = ctx.kind === "room" || ctx.kind === "query";
  if (!text.startsWith("/") || text.startsWith("//")) {
    const body = text.startsWith("//") ? text.slice(1) : text;
    if (!inChat) return { type: "error", key: "notInChat" };
    return { type: "say", target: ctx.target, text: body };
  }
  const m = /^\/(\S+)\s*(.*)$/s.exec(text);
  const cmd = m[1].toLowerCase();
  const rest = m[2];
  const words = rest.split(/\s+/).filter(Boolean);
  const tail = (n) => afterWords(rest, n);
  switch (cmd) {
    case "join":
    case "j":
      if (!words[0]) return { type: "error", key: "usageJoin" };
      return { type: "join", room: roomName(words[0]), key: words[1] || "" };
    case "part":
    case "leave": {
      if (words[0] && isChannel(words[0], chantypes)) {
        return { type: "part", room: words[0], reason: tail(1) };
      }
      if (ctx.kind !== "room") return { type: "error", key: "usagePart" };
      return { type: "part", room: ctx.target, reason: rest.trim() };
    }
    case "nick":
      if (words.length !== 1) return { type: "error", key: "usageNick" };
      return { type: "nick", nick: words[0] };
    case "me":
      if (!inChat) return { type: "error", key: "notInChat" };
      if (!rest.trim()) return { type: "error", key: "usageMe" };
      return { type: "action", target: ctx.target, text: rest };
    case "msg":
    case "query": {
      if (!words[0]) return { type: "error", key: cmd === "msg" ? "usageMsg" : "usageQuery" };
      const body = tail(1);
      if (cmd === "msg" && !body) return { type: "error", key: "usageMsg" };
      return { type: "msg", target: words[0], text: body };
    }
    case "topic": {
      let room = ctx.target;
      let body = rest;
      if (words[0] && isChannel(words[0], chantypes)) {
        room = words[0];
        body = tail(1);
      } else if (ctx.kind !== "room") {
        return { type: "error", key: "usageTopic" };
      }
      return { type: "topic", room, text: body.trim() ? body : null };
    }
    case "quit":
      return { type: "quit", reason: rest.trim() };
    case "close":
      return { type: "close" };
    case "help":
      return { type: "help" };
    default:
      return { type: "raw", line: cmd.toUpperCase() + (rest ? " " + rest : "") };
  }
}

// The text after the first n words of s, its own spacing kept.
function afterWords(s, n) {
  let r = s.replace(/^\s+/, "");
  for (let i = 0; i < n; i++) {
    const m = /^\S+\s*/.exec(r);
    if (!m) return "";
    r = r.slice(m[0].length);
  }
  return r;
}
