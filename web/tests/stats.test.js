// stats.js: the server view's figures from /stats.json samples.
import { test } from "node:test";
import assert from "node:assert/strict";
import { addSample, MAX_NODES, rate, readStats, uptime, WINDOW } from "../stats.js";

const OFF = { state: "off", nodes: [] };

test("the JSON is checked", () => {
  const good = { version: "0.1.0", server: "charla.example", online: 3, rooms: 2, messages: 120, started: 1796533136 };
  assert.deepEqual(readStats(good), { ...good, people: null, cluster: OFF });
  assert.equal(readStats(null), null);
  assert.equal(readStats({ online: "3", messages: 1 }), null);
  assert.equal(readStats({ online: 3 }), null);
  assert.deepEqual(readStats({ online: 1, messages: 0 }),
    { version: "", server: "", online: 1, rooms: null, messages: 0, started: null, people: null, cluster: OFF });
});

test("a server without a cluster", () => {
  const s = readStats({ online: 3, messages: 9, people: 3, cluster: { state: "off", nodes: [] } });
  assert.equal(s.people, 3);
  assert.deepEqual(s.cluster, OFF);
  // "off" means no nodes, whatever the list says
  assert.deepEqual(readStats({ online: 3, messages: 9, cluster: { state: "off", nodes: [{ name: "a", online: 1, here: true }] } }).cluster, OFF);
});

test("a cluster: everyone in the chat, and each node's count", () => {
  const nodes = [
    { name: "node-1", online: 3, here: true },
    { name: "node-2", online: 5, here: false },
  ];
  const s = readStats({ online: 3, messages: 9, people: 8, cluster: { state: "whole", nodes } });
  assert.equal(s.online, 3);
  assert.equal(s.people, 8);
  assert.deepEqual(s.cluster, { state: "whole", nodes });
  assert.equal(readStats({ online: 3, messages: 9, people: 3, cluster: { state: "split", nodes: nodes.slice(0, 1) } }).cluster.state, "split");
});

test("the cluster's state is one of three words, else off", () => {
  const nodes = [{ name: "node-1", online: 3, here: true }];
  for (const state of ["WHOLE", "joined", "", 1, null, undefined, ["whole"]]) {
    assert.deepEqual(readStats({ online: 3, messages: 9, cluster: { state, nodes } }).cluster, OFF, String(state));
  }
  for (const cluster of [null, "whole", 3, [], undefined]) {
    assert.deepEqual(readStats({ online: 3, messages: 9, cluster }).cluster, OFF, String(cluster));
  }
  assert.equal(readStats({ online: 3, messages: 9, people: "8" }).people, null);
  assert.equal(readStats({ online: 3, messages: 9, people: -1 }).people, null);
});

test("bad node entries are dropped, the good ones kept in order", () => {
  const nodes = [
    { name: "node-1", online: 3, here: true },
    null,
    "node-x",
    { name: 7, online: 1, here: false },
    { name: "", online: 1, here: false },
    { name: "node-y", online: -1, here: false },
    { name: "node-z", online: "2", here: false },
    { name: "node-w", online: Infinity, here: false },
    { name: "node-v", online: 2, here: "yes" },
    { name: "node-u", online: 2 },
    { name: "node-2", online: 0, here: false, extra: "ignored" },
  ];
  const s = readStats({ online: 3, messages: 9, people: 3, cluster: { state: "split", nodes } });
  assert.deepEqual(s.cluster, { state: "split", nodes: [
    { name: "node-1", online: 3, here: true },
    { name: "node-2", online: 0, here: false },
  ] });
  assert.deepEqual(readStats({ online: 3, messages: 9, cluster: { state: "whole", nodes: "node-1" } }).cluster, { state: "whole", nodes: [] });
  assert.deepEqual(readStats({ online: 3, messages: 9, cluster: { state: "whole" } }).cluster, { state: "whole", nodes: [] });
});

test("at most MAX_NODES nodes are kept", () => {
  const nodes = Array.from({ length: MAX_NODES + 10 }, (_, i) => ({ name: "node-" + i, online: i, here: i === 0 }));
  const s = readStats({ online: 0, messages: 0, cluster: { state: "whole", nodes } });
  assert.equal(MAX_NODES, 64);
  assert.equal(s.cluster.nodes.length, MAX_NODES);
  assert.equal(s.cluster.nodes[MAX_NODES - 1].name, "node-" + (MAX_NODES - 1));
});

test("messages per second from the deltas over a window of samples", () => {
  let s = [];
  s = addSample(s, { messages: 100, at: 0 });
  assert.equal(rate(s), null);
  s = addSample(s, { messages: 110, at: 2000 });
  assert.equal(rate(s), 5);
  for (let i = 2; i < 10; i++) s = addSample(s, { messages: 100 + i * 10, at: i * 2000 });
  assert.equal(s.length, WINDOW);
  assert.equal(rate(s), 5);
  s = addSample(s, { messages: 190, at: 20000 }); // a quiet two seconds
  assert.equal(rate(s), (190 - 160) / 8);
});

test("a counter that goes back (the server restarted) starts again", () => {
  let s = [{ messages: 500, at: 0 }, { messages: 520, at: 2000 }];
  s = addSample(s, { messages: 3, at: 4000 });
  assert.deepEqual(s, [{ messages: 3, at: 4000 }]);
  assert.equal(rate(s), null);
});

test("uptime", () => {
  assert.equal(uptime(1000, 1_060_000), 60);
  assert.equal(uptime(2000, 1_000_000), 0);
  assert.equal(uptime(null, 5), null);
});
