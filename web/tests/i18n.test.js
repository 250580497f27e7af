// i18n.js: both languages say everything, with the same placeholders; formats follow the
// language; the page's static words and the code's keys all exist.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import {
  fmtDuration, fmtList, fmtNumber, LANGS, pickLang, setLang, t, TABLES, tParts,
} from "../i18n.js";

const placeholders = (v) => {
  const strings = typeof v === "object" ? Object.values(v) : [v];
  return strings.map((s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().join(","));
};

test("English and Spanish have exactly the same keys", () => {
  assert.deepEqual(LANGS.sort(), ["en", "es"]);
  const en = Object.keys(TABLES.en).sort();
  const es = Object.keys(TABLES.es).sort();
  assert.deepEqual(es.filter((k) => !en.includes(k)), [], "only in Spanish");
  assert.deepEqual(en.filter((k) => !es.includes(k)), [], "only in English");
});

test("every entry is non-empty, and both languages use the same placeholders", () => {
  for (const key of Object.keys(TABLES.en)) {
    const e = TABLES.en[key];
    const s = TABLES.es[key];
    assert.equal(typeof e, typeof s, key);
    if (typeof e === "object") {
      assert.ok(e.one && e.other && s.one && s.other, key + " needs one and other");
    } else {
      assert.ok(e.length && s.length, key + " is empty");
    }
    assert.deepEqual(new Set(placeholders(s)), new Set(placeholders(e)), key);
  }
});

// Keys the code uses: t("x"), tParts("x"), key: "x", data-i18n="x" and friends.
function usedKeys() {
  const dir = new URL("../", import.meta.url);
  const keys = new Set();
  for (const f of readdirSync(dir)) {
    if (!/\.(js|html)$/.test(f) || f === "i18n.js") continue;
    const src = readFileSync(new URL(f, dir), "utf8");
    for (const m of src.matchAll(/\bt(?:Parts)?\(\s*"(\w+)"/g)) keys.add(m[1]);
    for (const m of src.matchAll(/\bkey: "(\w+)"(?!\s*\+)/g)) keys.add(m[1]);
    for (const m of src.matchAll(/data-i18n(?:-[a-z-]+)?="(\w+)"/g)) keys.add(m[1]);
    for (const m of src.matchAll(/(?:info|error)\((?:[^,]+), "(\w+)"/g)) keys.add(m[1]);
    for (const m of src.matchAll(/"(err\d{3})"/g)) keys.add(m[1]);
    for (const m of src.matchAll(/"(name[A-Z]\w+|usage\w+|status[A-Z]\w+)"/g)) keys.add(m[1]);
  }
  return keys;
}

test("every key the page uses is in the tables", () => {
  const keys = usedKeys();
  assert.ok(keys.size > 60, "found only " + keys.size + " keys");
  const missing = [...keys].filter((k) => !(k in TABLES.en));
  assert.deepEqual(missing, []);
});

test("the numerics state.js shows in its own words all have an entry", () => {
  const src = readFileSync(new URL("../state.js", import.meta.url), "utf8");
  const list = /KNOWN_ERRORS = new Set\(\[([^\]]+)\]/.exec(src)[1];
  for (const code of list.match(/\d{3}/g)) assert.ok(TABLES.en["err" + code], "err" + code);
});

test("the language follows the stored choice, then the browser's, then English", () => {
  assert.equal(pickLang(null, ["es-ES", "en"]), "es");
  assert.equal(pickLang(null, ["es-419"]), "es");
  assert.equal(pickLang(null, ["fr-FR", "es"]), "es");
  assert.equal(pickLang(null, ["fr-FR"]), "en");
  assert.equal(pickLang("en", ["es-ES"]), "en");
  assert.equal(pickLang("xx", ["es"]), "es");
  assert.equal(pickLang(null, []), "en");
});

test("placeholders are filled; names come out as their own parts", () => {
  setLang("en");
  assert.equal(t("join", { nick: "bob" }), "bob joined");
  assert.deepEqual(tParts("join", { nick: "<b>bob</b>" }), [{ text: "<b>bob</b>", name: "nick" }, { text: " joined" }]);
  setLang("es");
  assert.equal(t("join", { nick: "bob" }), "bob ha entrado");
  assert.equal(t("nope-no-such-key"), "nope-no-such-key");
  setLang("en");
});

test("plurals and numbers follow the language", () => {
  setLang("en");
  assert.equal(t("roomUsers", { n: 1 }), "1 person");
  assert.equal(t("roomUsers", { n: 1234 }), "1,234 people");
  assert.equal(fmtNumber(1234.5, { maximumFractionDigits: 1 }), "1,234.5");
  setLang("es");
  assert.equal(t("roomUsers", { n: 1 }), "1 persona");
  assert.equal(t("roomUsers", { n: 3 }), "3 personas");
  assert.equal(fmtNumber(12345.5, { maximumFractionDigits: 1 }), "12.345,5");
  setLang("en");
});

test("durations and lists", () => {
  setLang("en");
  assert.equal(fmtDuration(0), "0 s");
  assert.equal(fmtDuration(59), "59 s");
  assert.equal(fmtDuration(61), "1 min 1 s");
  assert.equal(fmtDuration(3600), "1 h");
  assert.equal(fmtDuration(2 * 86400 + 3 * 3600 + 5), "2 days 3 h");
  assert.equal(fmtList(["#lobby", "#dev"]), "#lobby and #dev");
  setLang("es");
  assert.equal(fmtDuration(86400), "1 día");
  assert.equal(fmtList(["#lobby", "#dev"]), "#lobby y #dev");
  setLang("en");
});
