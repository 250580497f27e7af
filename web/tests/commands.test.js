// commands.js: what a typed line means.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseInput } from "../commands.js";

const room = { target: "#lobby", kind: "room", chantypes: "#" };
const query = { target: "bob", kind: "query", chantypes: "#" };
const server = { target: "*", kind: "server", chantypes: "#" };

test("plain text is said in the current buffer", () => {
  assert.deepEqual(parseInput("hola", room), { type: "say", target: "#lobby", text: "hola" });
  assert.deepEqual(parseInput("hola", query), { type: "say", target: "bob", text: "hola" });
  assert.deepEqual(parseInput("//not a command", room), { type: "say", target: "#lobby", text: "/not a command" });
  assert.deepEqual(parseInput("hola", server), { type: "error", key: "notInChat" });
  assert.equal(parseInput("   ", room), null);
});

test("/join, /part", () => {
  assert.deepEqual(parseInput("/join dev", room), { type: "join", room: "#dev", key: "" });
  assert.deepEqual(parseInput("/J #dev sesame", room), { type: "join", room: "#dev", key: "sesame" });
  assert.deepEqual(parseInput("/join", room), { type: "error", key: "usageJoin" });
  assert.deepEqual(parseInput("/part", room), { type: "part", room: "#lobby", reason: "" });
  assert.deepEqual(parseInput("/part see you  later", room), { type: "part", room: "#lobby", reason: "see you  later" });
  assert.deepEqual(parseInput("/part #dev bye now", query), { type: "part", room: "#dev", reason: "bye now" });
  assert.deepEqual(parseInput("/part", query), { type: "error", key: "usagePart" });
});

test("/nick, /me, /msg, /query", () => {
  assert.deepEqual(parseInput("/nick anita", room), { type: "nick", nick: "anita" });
  assert.deepEqual(parseInput("/nick", room), { type: "error", key: "usageNick" });
  assert.deepEqual(parseInput("/nick a b", room), { type: "error", key: "usageNick" });
  assert.deepEqual(parseInput("/me waves", room), { type: "action", target: "#lobby", text: "waves" });
  assert.deepEqual(parseInput("/me", room), { type: "error", key: "usageMe" });
  assert.deepEqual(parseInput("/msg bob hola  qué tal", room), { type: "msg", target: "bob", text: "hola  qué tal" });
  assert.deepEqual(parseInput("/msg bob", room), { type: "error", key: "usageMsg" });
  assert.deepEqual(parseInput("/query gpt", room), { type: "msg", target: "gpt", text: "" });
  assert.deepEqual(parseInput("/msg gpt what is a socket?", room), { type: "msg", target: "gpt", text: "what is a socket?" });
});

test("/topic, /quit, /close, /help and anything else raw", () => {
  assert.deepEqual(parseInput("/topic", room), { type: "topic", room: "#lobby", text: null });
  assert.deepEqual(parseInput("/topic Sockets today", room), { type: "topic", room: "#lobby", text: "Sockets today" });
  assert.deepEqual(parseInput("/topic #dev new one", query), { type: "topic", room: "#dev", text: "new one" });
  assert.deepEqual(parseInput("/topic", query), { type: "error", key: "usageTopic" });
  assert.deepEqual(parseInput("/quit", room), { type: "quit", reason: "" });
  assert.deepEqual(parseInput("/QUIT see you", room), { type: "quit", reason: "see you" });
  assert.deepEqual(parseInput("/close", query), { type: "close" });
  assert.deepEqual(parseInput("/help", room), { type: "help" });
  assert.deepEqual(parseInput("/whois bob", room), { type: "raw", line: "WHOIS bob" });
  assert.deepEqual(parseInput("/away", room), { type: "raw", line: "AWAY" });
});
