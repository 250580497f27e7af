// sasl.js: PLAIN's payload and its 400-byte chunking.
import { test } from "node:test";
import assert from "node:assert/strict";
import { saslPlainChunks, SASL_CHUNK } from "../sasl.js";

const decode = (chunks) => Buffer.from(chunks.filter((c) => c !== "+").join(""), "base64").toString("utf8");

test("a short payload is one line: NUL, account, NUL, password", () => {
  const c = saslPlainChunks("ana", "s3cret");
  assert.equal(c.length, 1);
  assert.equal(decode(c), "\0ana\0s3cret");
});

test("UTF-8 names and passwords are encoded as UTF-8", () => {
  assert.equal(decode(saslPlainChunks("Íñigo", "contraseña")), "\0Íñigo\0contraseña");
});

test("long payloads are cut at 400 and an exact multiple ends with +", () => {
  // 2 + 3 + n bytes; base64 of 300 bytes is exactly 400 characters.
  const exact = saslPlainChunks("ana", "x".repeat(300 - 5));
  assert.deepEqual(exact.map((s) => s.length), [SASL_CHUNK, 1]);
  assert.equal(exact[1], "+");
  const longer = saslPlainChunks("ana", "y".repeat(400));
  assert.ok(longer.length === 2 && longer[0].length === SASL_CHUNK && longer[1] !== "+");
  assert.equal(decode(longer), "\0ana\0" + "y".repeat(400));
});
