// names.js: the name rules, the colour of a name (stable, spread, readable) and Tab completion.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  BACKGROUNDS, completeAt, completions, contrast, hexToLinear, HUES, nameClass,
  nameColourIndex, nameHash, nameHue, nameProblem, NICK_LIGHTNESS, oklchToLinearSrgb, roomName,
} from "../names.js";

test("names the server accepts pass", () => {
  for (const n of ["ana", "Ñandú", "luis_2", "a", "x".repeat(32), "日本", "bob|away", "o'neil", "[]x".slice(1)]) {
    assert.equal(nameProblem(n), null, n);
  }
});

test("each rule of docs/protocol.md, with the reason", () => {
  assert.equal(nameProblem("").key, "nameEmpty");
  assert.equal(nameProblem("x".repeat(33)).key, "nameTooLong");
  assert.equal(nameProblem("ñ".repeat(32)), null); // characters, not bytes
  assert.equal(nameProblem("a b").key, "nameSpace");
  assert.equal(nameProblem("a\u00a0b").key, "nameSpace");
  assert.equal(nameProblem("a\u200bb").key, "nameInvisible");
  assert.equal(nameProblem("a\u202eb").key, "nameInvisible");
  assert.equal(nameProblem("a\u00adb").key, "nameInvisible");
  assert.equal(nameProblem("a\x07").key, "nameInvisible");
  for (const c of "#/@+*!-[") assert.deepEqual(nameProblem(c + "x"), { key: "nameBadStart", ch: c });
  for (const c of "!@*?:,") assert.deepEqual(nameProblem("x" + c), { key: "nameBadChar", ch: c });
  for (const r of ["pm", "Server", "YOU"]) assert.equal(nameProblem(r).key, "nameReserved");
});

test("room names as /join takes them", () => {
  assert.equal(roomName("dev"), "#dev");
  assert.equal(roomName(" #dev "), "#dev");
  assert.equal(roomName(""), "");
});

test("a name's colour is stable and ignores case", () => {
  assert.equal(nameHash("ana"), nameHash("ana"));
  assert.equal(nameColourIndex("Ana"), nameColourIndex("ana"));
  assert.equal(nameClass("ÑANDÚ"), nameClass("ñandú"));
  // Known values: a change of the function would recolour everyone; make it on purpose.
  assert.equal(nameHash(""), 0x811c9dc5);
  assert.equal(nameHash("a"), 0xe40c292c);
  assert.match(nameClass("ana"), /^nick-c\d+$/);
  assert.equal(nameHue("ana") % (360 / HUES), 0);
});

test("colours spread: similar names get different hues", () => {
  const names = Array.from({ length: 200 }, (_, i) => "user" + i);
  const used = new Set(names.map(nameColourIndex));
  assert.ok(used.size >= HUES - 2, "only " + used.size + " hues of " + HUES);
  const counts = new Array(HUES).fill(0);
  for (const n of names) counts[nameColourIndex(n)]++;
  assert.ok(Math.max(...counts) <= 200 / HUES * 3, "one hue has " + Math.max(...counts));
  assert.notEqual(nameColourIndex("ana"), nameColourIndex("ana2"));
});

test("every name colour reads well (WCAG 4.5:1) on every background of both themes", () => {
  for (const theme of ["light", "dark"]) {
    const { l, c } = NICK_LIGHTNESS[theme];
    for (let i = 0; i < HUES; i++) {
      const rgb = oklchToLinearSrgb(l, c, i * (360 / HUES));
      for (const v of rgb) assert.ok(v >= -1e-4 && v <= 1 + 1e-4, `${theme} hue ${i * 10} is out of sRGB: ${rgb}`);
      const clamped = rgb.map((v) => Math.min(1, Math.max(0, v)));
      for (const bg of BACKGROUNDS[theme]) {
        const ratio = contrast(clamped, hexToLinear(bg));
        assert.ok(ratio >= 4.5, `${theme} hue ${i * 10} on ${bg}: ${ratio.toFixed(2)}`);
      }
    }
  }
});

test("style.css has the lightness, chroma, backgrounds and classes names.js assumes", () => {
  const css = readFileSync(new URL("../style.css", import.meta.url), "utf8");
  const [light, dark] = css.split("@media (prefers-color-scheme: dark)");
  const val = (part, name) => (new RegExp(name + ":\\s*([^;]+);").exec(part) || [])[1];
  assert.equal(Number(val(light, "--nick-l")), NICK_LIGHTNESS.light.l);
  assert.equal(Number(val(light, "--nick-c")), NICK_LIGHTNESS.light.c);
  assert.equal(Number(val(dark, "--nick-l")), NICK_LIGHTNESS.dark.l);
  assert.equal(Number(val(dark, "--nick-c")), NICK_LIGHTNESS.dark.c);
  assert.deepEqual([val(light, "--bg"), val(light, "--bg-alt"), val(light, "--hl-bg")], BACKGROUNDS.light);
  assert.deepEqual([val(dark, "--bg"), val(dark, "--bg-alt"), val(dark, "--hl-bg")], BACKGROUNDS.dark);
  for (let i = 0; i < HUES; i++) assert.ok(css.includes(`.nick-c${i} { --h: ${i * (360 / HUES)}; }`), "nick-c" + i);
});

test("the page's own colours have enough contrast in both themes", () => {
  const css = readFileSync(new URL("../style.css", import.meta.url), "utf8");
  const [light, dark] = css.split("@media (prefers-color-scheme: dark)");
  for (const part of [light, dark]) {
    const v = (name) => hexToLinear((new RegExp(name + ":\\s*(#[0-9a-f]{6});").exec(part))[1]);
    for (const bg of ["--bg", "--bg-alt", "--hl-bg"]) {
      assert.ok(contrast(v("--fg"), v(bg)) >= 7, "fg on " + bg);
      assert.ok(contrast(v("--muted"), v(bg)) >= 4.5, "muted on " + bg);
    }
    assert.ok(contrast(v("--accent"), v("--bg")) >= 4.5, "accent on bg");
    assert.ok(contrast(v("--accent-fg"), v("--accent")) >= 4.5, "text on accent");
    assert.ok(contrast(v("--error"), v("--bg")) >= 4.5, "error on bg");
    assert.ok(contrast(v("--fg"), v("--accent-soft")) >= 7, "fg on the current tab");
  }
});

test("completion candidates ignore case and duplicates, keep the order given", () => {
  assert.deepEqual(completions("a", ["bob", "Ana", "alba", "ana", "gpt"]), ["Ana", "alba"]);
  assert.deepEqual(completions("", ["x", "y"]), ["x", "y"]);
  assert.deepEqual(completions("z", ["x"]), []);
});

test("Tab at the start of a line gives 'name: ', elsewhere 'name ', and cycles", () => {
  const names = ["gpt", "ana", "anabel"];
  let r = completeAt("g", 1, names);
  assert.equal(r.text, "gpt: ");
  assert.equal(r.caret, 5);
  r = completeAt("hola an", 7, names);
  assert.equal(r.text, "hola ana ");
  r = completeAt(r.text, r.caret, names, r);
  assert.equal(r.text, "hola anabel ");
  r = completeAt(r.text, r.caret, names, r);
  assert.equal(r.text, "hola ana ");
  assert.equal(completeAt("hola zz", 7, names), null);
  // In the middle of a line, what follows stays; @ stays.
  r = completeAt("hi @gp and more", 6, names);
  assert.equal(r.text, "hi @gpt and more");
  assert.equal(r.caret, 8);
  // After a change the previous result no longer cycles.
  const first = completeAt("an", 2, names);
  assert.equal(completeAt("an", 2, names, first).text, "ana: ");
});
