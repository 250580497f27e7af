// stats.js: the server view's figures from /stats.json samples.
import { test } from "node:test";
import assert from "node:assert/strict";
import { addSample, rate, readStats, uptime, WINDOW } from "../stats.js";

test("the JSON is checked", () => {
  const good = { version: "0.1.0", server: "charla.example", online: 3, rooms: 2, messages: 120, started: 1796533136 };
  assert.deepEqual(readStats(good), good);
  assert.equal(readStats(null), null);
  assert.equal(readStats({ online: "3", messages: 1 }), null);
  assert.equal(readStats({ online: 3 }), null);
  assert.deepEqual(readStats({ online: 1, messages: 0 }), { version: "", server: "", online: 1, rooms: null, messages: 0, started: null });
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
