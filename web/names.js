// Names: the rules charlad holds them to (docs/protocol.md, "Names"), a stable colour per name,
// and Tab completion. Pure functions, no DOM (web/tests/names.test.js).

import { foldName } from "./irc.js";

export const NAME_MAX = 32;
const BAD_START = "#/@+*!-[";
const BAD_ANYWHERE = "!@*?:,";
const RESERVED = ["pm", "server", "you"];
// Invisible characters that make two names look alike: zero-width spaces and joiners, bidi
// controls, the soft hyphen, the BOM.
const INVISIBLE = /[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/u;

// Why charlad would refuse `name`, as a key of the i18n tables ("nameEmpty", ...) with the
// offending character in `ch`, or null when the rules allow it. The server has the last
// word (432/433); this only lets the page say which rule a refused name broke.
export function nameProblem(name) {
  const chars = Array.from(name);
  if (!chars.length) return { key: "nameEmpty" };
  if (chars.length > NAME_MAX) return { key: "nameTooLong", n: NAME_MAX };
  for (const ch of chars) {
    if (/\s/u.test(ch)) return { key: "nameSpace" };
    if (/[\u0000-\u001f\u007f-\u009f\ufffd]/u.test(ch) || INVISIBLE.test(ch)) {
      return { key: "nameInvisible" };
    }
  }
  if (BAD_START.includes(chars[0])) return { key: "nameBadStart", ch: chars[0] };
  const bad = chars.find((ch) => BAD_ANYWHERE.includes(ch));
  if (bad) return { key: "nameBadChar", ch: bad };
  if (RESERVED.includes(name.toLowerCase())) return { key: "nameReserved" };
  return null;
}

// A room name the way /join takes it: "dev" means "#dev".
export function roomName(text) {
  const s = String(text).trim();
  if (!s) return "";
  return s.startsWith("#") ? s : "#" + s;
}

// 32-bit FNV-1a over the UTF-16 code units of the folded name: the same name always gets the
// same colour, whatever its case, in every browser.
export function nameHash(name) {
  let h = 0x811c9dc5;
  const s = foldName(name);
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

// Names get one of HUES hues, 360/HUES degrees apart: style.css has a class nick-c0 ..
// nick-c35 for each, at a lightness chosen per theme (NICK_LIGHTNESS) so that every hue reads
// well on the page's background (checked in names.test.js, WCAG 4.5:1).
export const HUES = 36;

export function nameColourIndex(name) {
  // Mix the high bits in: FNV's low bits alone cluster for short, similar names.
  const h = nameHash(name);
  return ((h ^ (h >>> 16)) >>> 0) % HUES;
}

export function nameHue(name) {
  return nameColourIndex(name) * (360 / HUES);
}

export function nameClass(name) {
  return "nick-c" + nameColourIndex(name);
}

// The OKLCH lightness and chroma style.css uses for names, per theme, and the backgrounds
// they are read on. Keep them in step with --nick-l, --nick-c and --bg/--bg-alt in style.css.
export const NICK_LIGHTNESS = { light: { l: 0.5, c: 0.085 }, dark: { l: 0.78, c: 0.11 } };
export const BACKGROUNDS = {
  light: ["#ffffff", "#f4f5f7", "#fff7e0"],
  dark: ["#17191d", "#1f2227", "#2e2a1c"],
};

// OKLCH -> linear sRGB (Björn Ottosson's OKLab matrices). Returns [r, g, b], linear light,
// unclamped: a component outside 0..1 means the colour is out of the sRGB gamut.
export function oklchToLinearSrgb(l, c, hDeg) {
  const h = (hDeg * Math.PI) / 180;
  const a = c * Math.cos(h);
  const b = c * Math.sin(h);
  const l_ = (l + 0.3963377774 * a + 0.2158037573 * b) ** 3;
  const m_ = (l - 0.1055613458 * a - 0.0638541728 * b) ** 3;
  const s_ = (l - 0.0894841775 * a - 1.291485548 * b) ** 3;
  return [
    4.0767416621 * l_ - 3.3077115913 * m_ + 0.2309699292 * s_,
    -1.2684380046 * l_ + 2.6097574011 * m_ - 0.3413193965 * s_,
    -0.0041960863 * l_ - 0.7034186147 * m_ + 1.707614701 * s_,
  ];
}

function srgbToLinear(v) {
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

export function hexToLinear(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((v) => srgbToLinear(v / 255));
}

export function luminance([r, g, b]) {
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

// WCAG 2 contrast ratio of two linear-light colours.
export function contrast(x, y) {
  const [hi, lo] = [luminance(x), luminance(y)].sort((p, q) => q - p);
  return (hi + 0.05) / (lo + 0.05);
}

// Tab completion: the candidates (names, without prefix symbols) that start with `word`
// ignoring case, in the order given (the caller puts recent speakers first), without
// duplicates.
export function completions(word, candidates) {
  const w = foldName(word);
  const seen = new Set();
  const out = [];
  for (const c of candidates) {
    const f = foldName(c);
    if (!f.startsWith(w) || seen.has(f)) continue;
    seen.add(f);
    out.push(c);
  }
  return out;
}

// Completes the word before the caret in `text` with one of `candidates`. Returns
// { text, caret, start, word, matches, i } or null when nothing matches. A name at the start
// of the line becomes "name: " (how people address each other, and ask the assistant),
// elsewhere "name "; a leading '@' stays. Pass the previous result as `prev`, while the text
// and caret are still what it returned, to cycle to the next match (Tab pressed again).
export function completeAt(text, caret, candidates, prev = null) {
  if (prev && prev.text === text && prev.caret === caret && prev.matches.length) {
    const i = (prev.i + 1) % prev.matches.length;
    return place(text, prev.start, caret, prev.matches, i, prev.word, prev.lineStart);
  }
  const before = text.slice(0, caret);
  let typed = /(\S*)$/.exec(before)[1];
  let start = caret - typed.length;
  const at = typed.startsWith("@");
  if (at) {
    typed = typed.slice(1);
    start += 1;
  }
  const matches = completions(typed, candidates);
  if (!matches.length) return null;
  const lineStart = !at && before.slice(0, start).trim() === "";
  // A space right after the caret is not doubled.
  const end = text[caret] === " " ? caret + 1 : caret;
  return place(text, start, end, matches, 0, typed, lineStart);
}

function place(text, start, end, matches, i, word, lineStart) {
  const insert = matches[i] + (lineStart ? ": " : " ");
  const out = text.slice(0, start) + insert + text.slice(end);
  return { text: out, caret: start + insert.length, start, word, matches, i, lineStart };
}
