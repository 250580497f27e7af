// The message log of a buffer: its lines drawn as elements (time, name in its colour, the text
// with links, events in words of the current language), kept per buffer and redrawn when the
// language changes. Methods of UI (ui.js mixes them in: they use its state and its logs map);
// everything from the network lands in text nodes, never in HTML.

import { nameClass } from "./names.js";
import { fmtDateTime, fmtTime, getLang, t, tParts } from "./i18n.js";
import { el } from "./dom.js";
import { canLoadEarlier, HISTORY_CAP, historyOf } from "./history.js";

const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+[^\s<>"'`.,;:!?)\]}»”’]/giu;
// Placeholders whose value is a person's name (drawn with the name's colour).
const NAME_VARS = new Set(["nick", "old", "new", "by", "alt"]);

export const LogView = {
  logFor(buf) {
    let log = this.logs.get(buf.key);
    if (!log) {
      const box = el("div", "log");
      box.setAttribute("role", "log");
      box.setAttribute("aria-live", "polite");
      box.setAttribute("aria-relevant", "additions");
      box.tabIndex = 0;
      box.dataset.key = buf.key;
      box.hidden = true;
      log = { box, lastDay: "", elements: new Map() };
      this.logs.set(buf.key, log);
      this.labelLog(buf, log);
      // Reaching the top asks for earlier lines (history.js), as the button does.
      box.addEventListener("scroll", () => {
        if (box.scrollTop === 0 && !box.hidden) this.loadEarlier(box.dataset.key);
      });
      this.earlierButton(buf, log);
      for (const line of buf.lines) this.renderLine(buf, log, line);
    }
    return log;
  },

  labelLog(buf, log) {
    log.box.setAttribute("aria-label", buf.kind === "server" ? t("serverBuffer") : buf.name);
  },

  rebuildLog(buf, log, keep = false) {
    const box = log.box;
    const fromBottom = box.scrollHeight - box.scrollTop;
    box.replaceChildren();
    log.lastDay = "";
    log.elements.clear();
    this.labelLog(buf, log);
    this.earlierButton(buf, log);
    for (const line of buf.lines) this.renderLine(buf, log, line);
    // Older lines put above keep what the reader sees where it was.
    box.scrollTop = keep ? box.scrollHeight - fromBottom : box.scrollHeight;
  },

  // "Load earlier messages" at the top of a room's or conversation's log, while the server
  // keeps history (draft/chathistory) and there is more to ask for; it says when a request is
  // on its way.
  earlierButton(buf, log) {
    let b = log.earlier;
    if (!b) {
      b = log.earlier = el("button", "earlier");
      b.type = "button";
      b.addEventListener("click", () => this.loadEarlier(log.box.dataset.key));
    }
    const h = historyOf(buf);
    const show = this.state.caps.has(HISTORY_CAP) && (buf.kind === "room" || buf.kind === "query") && !h.done;
    b.hidden = !show;
    b.disabled = h.loading;
    b.textContent = t(h.loading ? "loadingEarlier" : "loadEarlier");
    if (log.box.firstChild !== b) log.box.prepend(b);
  },

  loadEarlier(key) {
    const buf = this.state.buffers.get(key);
    if (buf && canLoadEarlier(buf, this.state.caps)) this.session.loadEarlier(buf.name);
  },

  // A history answer (or a request sent): redraw the log, in place when lines went above.
  historyChanged(buf, { added, above }) {
    const log = this.logs.get(buf.key);
    if (!log) return;
    if (added) this.rebuildLog(buf, log, above || log.box.hidden);
    else this.earlierButton(buf, log);
  },

  addLine(buf, line) {
    const fresh = !this.logs.has(buf.key);
    const log = this.logFor(buf);
    if (fresh) return; // logFor drew every line the buffer has, this one included
    const box = log.box;
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    this.renderLine(buf, log, line);
    // Lines beyond the state's limit are gone from the page too.
    while (log.elements.size > buf.lines.length + 50) {
      const [id, e] = log.elements.entries().next().value;
      log.elements.delete(id);
      const block = e.parentElement;
      e.remove();
      if (block && block !== box && !block.querySelector(".text")) block.remove();
    }
    if (atBottom || line.self) box.scrollTop = box.scrollHeight;
  },

  updateLine(buf, line) {
    const log = this.logs.get(buf.key);
    const e = log && log.elements.get(line.id);
    if (!e) return;
    this.markState(e, line);
    // The echo's server-time replaces our guess: in the line's own <time>, or its block's
    // when it is the block's first paragraph.
    const block = e.classList.contains("text") ? e.parentElement : null;
    const time = block ? (block.querySelector(":scope > .text") === e ? block.querySelector(".meta time") : null)
      : e.querySelector("time");
    if (time) this.setTime(time, line.time);
  },

  markState(e, line) {
    e.classList.toggle("pending", !!line.pending);
    e.classList.toggle("failed", !!line.failed);
    const holder = e;
    let note = holder.querySelector(":scope > .state-note");
    const text = line.pending ? t("sending") : line.failed ? t("notDelivered") : "";
    if (!text) {
      if (note) note.remove();
      return;
    }
    if (!note) {
      note = el("span", "state-note");
      holder.append(note);
    }
    note.textContent = " " + text;
  },

  setTime(time, date) {
    time.dateTime = date.toISOString();
    time.textContent = fmtTime(date);
    time.title = fmtDateTime(date);
  },

  timeEl(date) {
    const time = el("time");
    this.setTime(time, date);
    return time;
  },

  nickEl(nick) {
    return el("span", "nick " + nameClass(nick), nick);
  },

  // Text from others: split around web links, each piece a text node or an <a> whose href
  // is only ever http(s).
  appendText(parent, text) {
    let last = 0;
    for (const m of text.matchAll(URL_RE)) {
      if (m.index > last) parent.append(document.createTextNode(text.slice(last, m.index)));
      const a = el("a", null, m[0]);
      a.href = m[0];
      a.rel = "noopener noreferrer nofollow";
      a.target = "_blank";
      parent.append(a);
      last = m.index + m[0].length;
    }
    if (last < text.length) parent.append(document.createTextNode(text.slice(last)));
  },

  // The page's words for an event line, with the names in their colours.
  appendParts(parent, key, vars) {
    for (const part of tParts(key, vars)) {
      if (part.name && NAME_VARS.has(part.name)) parent.append(this.nickEl(part.text));
      else parent.append(document.createTextNode(part.text));
    }
  },

  dayMark(log, line) {
    const day = line.time.toDateString();
    if (log.lastDay && log.lastDay !== day) {
      const d = el("p", "day", new Intl.DateTimeFormat(getLang(), { dateStyle: "full" }).format(line.time));
      d.setAttribute("role", "separator");
      log.box.append(d);
    }
    log.lastDay = day;
  },

  renderLine(buf, log, line) {
    this.dayMark(log, line);
    const box = log.box;
    let e;
    if (line.kind === "msg") {
      const last = box.lastElementChild;
      const text = el("p", "text");
      this.appendText(text, line.text);
      if (line.highlight) text.classList.add("hl");
      if (line.group && last && last.classList.contains("msg")) {
        text.title = fmtTime(line.time);
        last.append(text);
      } else {
        e = el("div", "msg" + (line.self ? " self" : "") + (line.bot ? " bot" : "") + (line.history ? " history" : ""));
        e.dataset.from = line.from;
        const meta = el("div", "meta");
        meta.append(this.nickEl(line.from));
        if (line.bot) meta.append(el("span", "bot-badge", t("bot")));
        meta.append(this.timeEl(line.time));
        e.append(meta, text);
        box.append(e);
      }
      // A message's element is its paragraph: that is what goes pending, failed, or away.
      log.elements.set(line.id, text);
      if (line.pending || line.failed) this.markState(text, line);
      return;
    }
    if (line.kind === "action") {
      e = el("p", "action" + (line.self ? " self" : "") + (line.highlight ? " hl" : ""));
      const body = el("span", "body");
      body.append("* ", this.nickEl(line.from), " ");
      this.appendText(body, line.text);
      e.append(this.timeEl(line.time), body);
    } else if (line.kind === "notice") {
      e = el("div", "notice");
      const body = el("span", "body");
      body.append("-", this.nickEl(line.from), "- ");
      this.appendText(body, line.text);
      e.append(this.timeEl(line.time), body);
    } else {
      e = el("p", "event " + this.eventClass(line));
      const body = el("span", "body");
      this.eventBody(body, buf, line);
      e.append(this.timeEl(line.time), body);
    }
    box.append(e);
    log.elements.set(line.id, e);
    if (line.pending || line.failed) this.markState(e, line);
  },

  eventClass(line) {
    switch (line.kind) {
      case "error": return "error";
      case "server": return "server";
      case "info": return line.key === "connectionLost" ? "lost" : "info";
      case "topic": case "topicIs": return "topic-line";
      default: return line.kind;
    }
  },

  eventBody(body, buf, line) {
    const r = line.text || "";
    switch (line.kind) {
      case "join":
        this.appendParts(body, line.self ? (line.again ? "rejoinSelf" : "joinSelf") : "join", { nick: line.from, room: buf.name });
        break;
      case "part":
        this.appendParts(body, r ? "partReason" : "part", { nick: line.from, reason: r });
        break;
      case "quit":
        this.appendParts(body, r ? "quitReason" : "quit", { nick: line.from, reason: r });
        break;
      case "kick":
        this.appendParts(body, line.self ? (r ? "kickSelfReason" : "kickSelf") : (r ? "kickReason" : "kick"),
          { by: line.from, nick: line.target, reason: r });
        break;
      case "nick":
        this.appendParts(body, line.self ? "nickSelf" : "nick", { old: line.from, new: line.target });
        break;
      case "topic":
        this.appendParts(body, r ? "topic" : "topicCleared", { nick: line.from, text: r });
        break;
      case "topicIs":
        this.appendParts(body, "topicIs", { text: r });
        break;
      case "liveStart":
        this.appendParts(body, "liveStart", {});
        break;
      case "mode":
        this.appendParts(body, "mode", { nick: line.from, modes: r });
        break;
      case "info":
      case "error":
        if (line.key) {
          this.appendParts(body, line.key, line.vars || {});
          if (line.vars && line.vars.problem) body.append(" " + t(line.vars.problem.key, line.vars.problem));
        } else {
          this.appendText(body, r);
        }
        break;
      default:
        this.appendText(body, r);
    }
  },
};
