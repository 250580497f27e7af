// The page: draws what state.js knows and hands what the user does to session.js. Everything
// from the network lands in text nodes (textContent, createTextNode); no HTML is ever built
// from data, and no element gets a style attribute (the Content-Security-Policy forbids
// inline styles): looks are classes in style.css.

import { foldName, prefixSymbol } from "./irc.js";
import { completeAt, nameClass, roomName } from "./names.js";
import { SERVER_KEY } from "./state.js";
import { fmtDuration, fmtList, fmtNumber, getLang, setLang, STORAGE_KEY, t, translateDom } from "./i18n.js";
import { StatsPoller } from "./stats.js";
import { el } from "./dom.js";
import { LogView } from "./log.js";

const NAME_KEY = "charla.name";
const $ = (id) => document.getElementById(id);

function storage() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export function stored(key) {
  try {
    return storage()?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

export function store(key, value) {
  try {
    storage()?.setItem(key, value);
  } catch {
    /* private mode: the choice lasts for this page only */
  }
}

export class UI {
  constructor(state, session) {
    this.state = state;
    this.session = session;
    this.logs = new Map(); // buffer key -> { box, lastDay, elements: Map(line id -> element) }
    this.completion = null;
    this.history = [];
    this.historyAt = -1;
    this.status = { phase: "idle" };
    this.countdown = null;
    this.bannerTimer = null;
    this.redraw = new Set();
    this.redrawQueued = false;
    this.stats = new StatsPoller({
      fetchFn: (...a) => window.fetch(...a),
      onUpdate: (u) => this.showStats(u),
      onError: () => { $("stats-error").textContent = t("statsError"); },
    });
    state.on((type, data) => this.onState(type, data));
    this.bind();
    this.translate();
    const name = stored(NAME_KEY);
    if (name) $("name-input").value = name;
    this.showLogin();
  }

  // ---- static wiring ----

  bind() {
    $("login-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const name = $("name-input").value.trim();
      $("login-error").textContent = "";
      // The password goes to the session (memory only, for reconnections), never to storage.
      if (this.session.login(name, $("password-input").value)) {
        $("login-submit").disabled = true;
        $("login-error").textContent = "";
        $("status").textContent = t("statusConnecting");
      }
    });
    $("send-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const input = $("input");
      const text = input.value;
      if (!text.trim()) return;
      this.history.push(text);
      if (this.history.length > 100) this.history.shift();
      this.historyAt = -1;
      input.value = "";
      this.completion = null;
      this.session.input(text);
    });
    const input = $("input");
    input.addEventListener("keydown", (ev) => this.onInputKey(ev));
    input.addEventListener("input", () => { this.completion = null; });
    $("join-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const room = roomName($("join-input").value);
      if (!room) return;
      $("join-input").value = "";
      this.session.join(room);
      this.closePanels();
      $("input").focus();
    });
    $("leave-button").addEventListener("click", () => {
      const buf = this.state.currentBuffer();
      if (buf.kind === "room" && buf.joined) this.session.part(buf.name);
      else this.state.close(buf.name);
    });
    $("server-tab").addEventListener("click", () => this.go(SERVER_KEY));
    $("panel-toggle").addEventListener("click", () => this.togglePanel("side"));
    $("members-toggle").addEventListener("click", () => this.togglePanel("members"));
    $("backdrop").addEventListener("click", () => this.closePanels());
    $("side-close").addEventListener("click", () => {
      this.closePanels();
      $("panel-toggle").focus();
    });
    for (const b of document.querySelectorAll(".lang-button")) {
      b.addEventListener("click", () => {
        setLang(b.dataset.lang);
        store(STORAGE_KEY, b.dataset.lang);
        this.session.setLanguage(b.dataset.lang);
        this.translate();
      });
    }
    $("stats-open").addEventListener("click", () => this.openStats());
    $("stats").addEventListener("close", () => this.stats.stop());
    $("banner-action").addEventListener("click", () => {
      if (this.status.phase === "waiting") this.session.reconnectNow();
      else if (this.status.phase === "left") this.showLogin();
    });
    document.addEventListener("keydown", (ev) => this.onGlobalKey(ev));
    const sw = $("switcher-input");
    sw.addEventListener("input", () => this.fillSwitcher());
    sw.addEventListener("keydown", (ev) => this.onSwitcherKey(ev));
    $("switcher-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.pickSwitcher();
    });
    $("switcher-list").addEventListener("click", (ev) => {
      const li = ev.target.closest("li");
      if (!li) return;
      this.switcherAt = Number(li.dataset.index);
      this.pickSwitcher();
    });
    window.addEventListener("online", () => this.session.reconnectNow());
    document.addEventListener("visibilitychange", () => this.updateTitle());
  }

  // The language changed (or the page started): every word again.
  translate() {
    translateDom(document);
    for (const b of document.querySelectorAll(".lang-button")) {
      b.setAttribute("aria-pressed", String(b.dataset.lang === getLang()));
    }
    for (const [key, log] of this.logs) {
      const buf = this.state.buffers.get(key);
      if (buf) this.rebuildLog(buf, log);
    }
    this.drawSide();
    this.drawHead();
    this.drawMembers();
    this.drawStatus(this.status);
    if (this.lastStats) this.showStats(this.lastStats);
  }

  // ---- views ----

  showLogin(errorText = "") {
    this.closePanels();
    document.body.classList.remove("in-chat");
    $("login").hidden = false;
    $("chat").hidden = true;
    $("login-submit").disabled = false;
    $("login-error").textContent = errorText;
    const input = $("name-input");
    input.focus();
    input.select();
  }

  showChat() {
    if (!$("chat").hidden) return;
    document.body.classList.add("in-chat");
    $("login").hidden = true;
    $("chat").hidden = false;
    this.drawAll();
    $("input").focus();
  }

  drawAll() {
    this.drawSide();
    this.showBuffer(this.state.currentBuffer());
  }

  // ---- state events ----

  onState(type, data) {
    switch (type) {
      case "line":
        this.addLine(data.buf, data.line);
        break;
      case "lineUpdate":
        this.updateLine(data.buf, data.line);
        break;
      case "history":
        this.historyChanged(data.buf, data);
        break;
      case "buffers":
        this.later("side");
        break;
      case "members":
        if (data.buf === this.state.currentBuffer()) this.later("members");
        break;
      case "topic":
        if (data.buf === this.state.currentBuffer()) this.drawHead();
        break;
      case "current":
        this.showBuffer(data.buf);
        break;
      case "roomList":
        this.later("side");
        break;
      case "me":
        store(NAME_KEY, data.nick);
        this.showChat();
        this.drawStatus(this.status);
        break;
      case "status":
        this.status = data;
        this.drawStatus(data);
        if (data.phase === "left") this.showBanner(t("statusLeft"), "enterAgain");
        break;
      case "loginError":
        this.onLoginError(data);
        break;
      case "reset":
        // A new login: the old buffers' lines are gone with them.
        for (const log of this.logs.values()) log.box.remove();
        this.logs.clear();
        this.hideBanner();
        break;
      case "reconnected": {
        const rooms = data.rooms;
        this.showBanner(rooms.length ? t("reconnected", { rooms: fmtList(rooms) }) : t("reconnectedNoRooms"), null, 6000);
        break;
      }
      default:
        break;
    }
  }

  // Redraws that many events ask for in a row (a NAMES burst, a LIST) happen once a frame.
  later(what) {
    this.redraw.add(what);
    if (this.redrawQueued) return;
    this.redrawQueued = true;
    requestAnimationFrame(() => {
      this.redrawQueued = false;
      const r = this.redraw;
      this.redraw = new Set();
      if (r.has("side")) this.drawSide();
      if (r.has("members")) {
        this.drawMembers();
        this.drawHead();
      }
    });
  }

  onLoginError({ key, nick, problem }) {
    if (this.state.registered) return;
    const lines = [t(key, { nick })];
    if (problem) lines.push(t(problem.key, problem));
    if (key === "nameInvalid") lines.push(t("nameRules"));
    this.showLogin(lines.join("\n"));
    // A refused name keeps the connection, waiting for another; a failed one is gone.
    $("status").textContent = key === "connectFailed" ? t("statusIdle") : "";
  }

  drawStatus(s) {
    const status = $("status");
    clearInterval(this.countdown);
    this.countdown = null;
    switch (s.phase) {
      case "online":
        status.textContent = t("statusOnline", { nick: this.state.me });
        if (!$("banner").classList.contains("ok")) this.hideBanner();
        break;
      case "connecting":
      case "registering":
        status.textContent = t(this.session.everOnline ? "statusReconnecting" : s.phase === "connecting" ? "statusConnecting" : "statusRegistering");
        break;
      case "waiting": {
        const tick = () => {
          const left = Math.max(0, Math.ceil((s.retryAt - Date.now()) / 1000));
          const text = t("statusWaiting", { s: left });
          status.textContent = text;
          this.showBanner(text, "reconnectNow");
        };
        tick();
        this.countdown = setInterval(tick, 1000);
        break;
      }
      case "left":
        status.textContent = t("statusLeft");
        break;
      default:
        status.textContent = t("statusIdle");
    }
  }

  showBanner(text, action, hideAfter = 0) {
    const banner = $("banner");
    clearTimeout(this.bannerTimer);
    banner.hidden = false;
    banner.classList.toggle("ok", !action);
    if ($("banner-text").textContent !== text) $("banner-text").textContent = text;
    const btn = $("banner-action");
    btn.hidden = !action;
    if (action) btn.textContent = t(action);
    if (hideAfter) this.bannerTimer = setTimeout(() => this.hideBanner(), hideAfter);
  }

  hideBanner() {
    $("banner").hidden = true;
    $("banner").classList.remove("ok");
  }

  // ---- the side panel ----

  drawSide() {
    const { rooms, queries } = this.state.ordered();
    const cur = this.state.current;
    const roomTabs = $("room-tabs");
    roomTabs.replaceChildren(...rooms.map((b) => this.tab(b, cur)));
    $("query-tabs").replaceChildren(...queries.map((b) => this.tab(b, cur)));
    $("no-queries").hidden = queries.length > 0;
    const mine = new Set(rooms.filter((b) => b.joined).map((b) => b.key));
    const others = this.state.roomList.filter((r) => !mine.has(foldName(r.name)))
      .sort((a, b) => b.users - a.users || (a.name < b.name ? -1 : 1));
    $("room-list").replaceChildren(...others.map((r) => {
      const li = el("li");
      const b = el("button", "tab");
      b.type = "button";
      b.append(el("span", "tab-name", r.name), el("span", "count", fmtNumber(r.users)));
      b.setAttribute("aria-label", t("joinRoom", { room: r.name }) + ", " + t("roomUsers", { n: r.users }));
      if (r.topic) b.title = r.topic;
      b.addEventListener("click", () => {
        this.session.join(r.name);
        this.closePanels();
        $("input").focus();
      });
      li.append(b);
      return li;
    }));
    $("no-rooms").hidden = others.length > 0;
    const server = this.state.buffers.get(SERVER_KEY);
    const st = $("server-tab");
    st.setAttribute("aria-current", String(cur === SERVER_KEY));
    const su = $("server-unread");
    su.hidden = !server.unread;
    su.textContent = fmtNumber(server.unread);
    const anyUnread = [...this.state.buffers.values()].some((b) => b.mentions > 0);
    $("panel-unread").hidden = !anyUnread;
    this.updateTitle();
  }

  tab(buf, cur) {
    const li = el("li");
    const b = el("button", "tab");
    b.type = "button";
    b.dataset.key = buf.key;
    const current = buf.key === cur;
    b.setAttribute("aria-current", String(current));
    if (buf.unread) b.classList.add("unread");
    if (buf.kind === "room" && !buf.joined) b.classList.add("gone");
    const name = el("span", "tab-name" + (buf.kind === "query" ? " nick " + nameClass(buf.name) : ""), buf.name);
    b.append(name);
    const label = [buf.kind === "query" ? t("privateWith", { nick: buf.name }) : buf.name];
    if (buf.kind === "room" && buf.joined) {
      b.append(el("span", "count", fmtNumber(buf.members.size)));
      label.push(t("roomUsers", { n: buf.members.size }));
    }
    if (buf.unread) {
      const badge = el("span", "badge" + (buf.mentions ? " mention" : ""), fmtNumber(buf.unread));
      b.append(badge);
      label.push(t(buf.mentions ? "unreadMentions" : "unread", { n: buf.mentions || buf.unread }));
    }
    b.setAttribute("aria-label", label.join(", "));
    b.addEventListener("click", () => this.go(buf.key));
    li.append(b);
    const close = el("button", "tab-close", "×");
    close.type = "button";
    const closeLabel = buf.kind === "query" ? t("closeConversation", { nick: buf.name }) : t("leaveRoom", { room: buf.name });
    close.setAttribute("aria-label", closeLabel);
    close.title = closeLabel;
    close.addEventListener("click", () => {
      if (buf.kind === "room" && buf.joined) this.session.part(buf.name);
      else this.state.close(buf.name);
    });
    li.append(close);
    return li;
  }

  go(key) {
    this.state.setCurrent(key);
    this.closePanels();
    $("input").focus();
  }

  togglePanel(id) {
    const panel = $(id);
    const open = !panel.classList.contains("open");
    this.closePanels();
    if (!open) return;
    panel.classList.add("open");
    $(id === "side" ? "panel-toggle" : "members-toggle").setAttribute("aria-expanded", "true");
    if (id === "side" && window.matchMedia("(max-width: 760px)").matches) $("backdrop").hidden = false;
    if (id === "members") $("backdrop").hidden = !window.matchMedia("(max-width: 1100px)").matches;
    const first = panel.querySelector("button, input");
    if (first) first.focus();
  }

  closePanels() {
    let was = null;
    for (const [id, toggle] of [["side", "panel-toggle"], ["members", "members-toggle"]]) {
      if ($(id).classList.contains("open")) was = toggle;
      $(id).classList.remove("open");
      $(toggle).setAttribute("aria-expanded", "false");
    }
    $("backdrop").hidden = true;
    return was;
  }

  updateTitle() {
    let n = 0;
    for (const b of this.state.buffers.values()) n += b.mentions;
    document.title = n ? "(" + fmtNumber(n) + ") " + t("appTitle") : t("appTitle");
  }

  // ---- the current buffer ----

  showBuffer(buf) {
    if (!buf) return;
    const log = this.logFor(buf);
    for (const [key, l] of this.logs) l.box.hidden = key !== buf.key;
    if (!log.box.isConnected) $("logs").append(log.box);
    log.box.hidden = false;
    log.box.scrollTop = log.box.scrollHeight;
    this.drawHead();
    this.drawMembers();
    this.drawSide();
    this.completion = null;
  }

  drawHead() {
    const buf = this.state.currentBuffer();
    if (!buf) return;
    $("buf-title").textContent = buf.kind === "server" ? t("serverBuffer") : buf.name;
    $("buf-title").className = buf.kind === "query" ? "nick " + nameClass(buf.name) : "";
    const topic = $("buf-topic");
    if (buf.kind === "room") {
      topic.textContent = buf.topic || t("noTopic");
      topic.title = buf.topic || "";
    } else if (buf.kind === "query") {
      topic.textContent = t("privateWith", { nick: buf.name });
      topic.title = "";
    } else {
      topic.textContent = this.state.network || "";
    }
    const leave = $("leave-button");
    leave.hidden = buf.kind === "server";
    leave.textContent = buf.kind === "room" && buf.joined ? t("leave") : t("close");
    leave.setAttribute("aria-label", buf.kind === "room" && buf.joined ? t("leaveRoom", { room: buf.name })
      : buf.kind === "query" ? t("closeConversation", { nick: buf.name }) : t("close"));
    const target = buf.kind === "server" ? t("serverBuffer") : buf.name;
    $("input").placeholder = t("messageTo", { target });
    $("input-label").textContent = t("messageTo", { target });
    const mt = $("members-toggle");
    mt.hidden = buf.kind !== "room";
    mt.textContent = t("membersToggle") + " (" + fmtNumber(buf.members.size) + ")";
  }

  drawMembers() {
    const buf = this.state.currentBuffer();
    const list = $("member-list");
    if (!buf || buf.kind !== "room") {
      list.replaceChildren();
      $("member-count").textContent = "";
      $("members").hidden = true;
      return;
    }
    $("members").hidden = false;
    const p = this.state.prefix;
    const rank = (m) => {
      const sym = prefixSymbol(m.modes, p);
      return sym ? p.symbols.indexOf(sym) : p.symbols.length;
    };
    const members = [...buf.members.values()].sort((a, b) => rank(a) - rank(b) ||
      (foldName(a.nick) < foldName(b.nick) ? -1 : 1));
    $("member-count").textContent = fmtNumber(members.length);
    list.replaceChildren(...members.map((m) => {
      const li = el("li");
      const me = this.state.isMe(m.nick);
      const item = el(me ? "div" : "button", "member" + (m.away ? " away" : ""));
      const sym = prefixSymbol(m.modes, p);
      item.append(el("span", "prefix", sym), el("span", "nick " + nameClass(m.nick), m.nick));
      if (this.state.bots.has(foldName(m.nick))) item.append(el("span", "bot-badge", t("bot")));
      if (m.away) item.append(el("span", "you", t("away")));
      if (me) {
        item.append(el("span", "you", "(" + t("you") + ")"));
      } else {
        item.type = "button";
        const label = t("pmButton", { nick: m.nick });
        item.setAttribute("aria-label", (sym ? sym + " " : "") + m.nick + ". " + label);
        item.title = label;
        item.addEventListener("click", () => {
          this.session.openQuery(m.nick);
          this.closePanels();
          $("input").focus();
        });
      }
      li.append(item);
      return li;
    }));
  }

  // ---- keys ----

  onInputKey(ev) {
    const input = ev.currentTarget;
    if (ev.key === "Tab" && !ev.shiftKey && !ev.altKey && !ev.ctrlKey && !ev.metaKey) {
      const buf = this.state.currentBuffer();
      const res = completeAt(input.value, input.selectionStart, this.state.completionNames(buf), this.completion);
      if (!res) return; // nothing to complete: Tab moves on, as everywhere
      ev.preventDefault();
      input.value = res.text;
      input.setSelectionRange(res.caret, res.caret);
      this.completion = res;
      return;
    }
    if (ev.key === "ArrowUp" && !ev.altKey && !ev.ctrlKey && !ev.metaKey && this.history.length &&
        (input.value === "" || this.historyAt >= 0)) {
      ev.preventDefault();
      this.historyAt = this.historyAt < 0 ? this.history.length - 1 : Math.max(0, this.historyAt - 1);
      input.value = this.history[this.historyAt];
      return;
    }
    if (ev.key === "ArrowDown" && !ev.altKey && !ev.ctrlKey && !ev.metaKey && this.historyAt >= 0) {
      ev.preventDefault();
      this.historyAt++;
      if (this.historyAt >= this.history.length) {
        this.historyAt = -1;
        input.value = "";
      } else {
        input.value = this.history[this.historyAt];
      }
    }
  }

  onGlobalKey(ev) {
    if ($("chat").hidden) return;
    if (ev.altKey && !ev.ctrlKey && !ev.metaKey && (ev.key === "ArrowUp" || ev.key === "ArrowDown")) {
      ev.preventDefault();
      const list = this.state.cycle();
      const i = list.findIndex((b) => b.key === this.state.current);
      const next = list[(i + (ev.key === "ArrowDown" ? 1 : list.length - 1)) % list.length];
      if (next) this.go(next.key);
      return;
    }
    if ((ev.ctrlKey || ev.metaKey) && !ev.altKey && (ev.key === "k" || ev.key === "K")) {
      ev.preventDefault();
      this.openSwitcher();
      return;
    }
    if (ev.key === "Escape") {
      const was = this.closePanels();
      if (was) $(was).focus();
    }
  }

  // ---- Ctrl+K: go to a room or conversation by typing part of its name ----

  openSwitcher() {
    const d = $("switcher");
    if (d.open) return;
    $("switcher-input").value = "";
    this.fillSwitcher();
    d.showModal();
    $("switcher-input").focus();
  }

  fillSwitcher() {
    const q = foldName($("switcher-input").value.trim());
    const bufs = this.state.cycle().filter((b) => foldName(b.kind === "server" ? t("serverBuffer") : b.name).includes(q));
    const joined = new Set(bufs.map((b) => b.key));
    const rooms = this.state.roomList.filter((r) => !joined.has(foldName(r.name)) && foldName(r.name).includes(q));
    this.switcherItems = [...bufs.map((b) => ({ key: b.key, label: b.kind === "server" ? t("serverBuffer") : b.name })),
      ...rooms.map((r) => ({ join: r.name, label: t("joinRoom", { room: r.name }) }))];
    // Typing a room that is not listed offers to create it.
    const typed = $("switcher-input").value.trim();
    if (typed.startsWith("#") && typed.length > 1 && !this.switcherItems.some((i) => foldName(i.join || i.key) === foldName(typed))) {
      this.switcherItems.push({ join: typed, label: t("joinRoom", { room: typed }) });
    }
    this.switcherAt = 0;
    this.drawSwitcher();
  }

  drawSwitcher() {
    const list = $("switcher-list");
    list.replaceChildren(...this.switcherItems.map((item, i) => {
      const li = el("li", null, item.label);
      li.id = "switcher-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", String(i === this.switcherAt));
      li.dataset.index = String(i);
      return li;
    }));
    const input = $("switcher-input");
    if (this.switcherItems.length) input.setAttribute("aria-activedescendant", "switcher-" + this.switcherAt);
    else input.removeAttribute("aria-activedescendant");
    const sel = list.children[this.switcherAt];
    if (sel) sel.scrollIntoView({ block: "nearest" });
  }

  onSwitcherKey(ev) {
    const n = this.switcherItems.length;
    if (!n) return;
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp" || (ev.ctrlKey && (ev.key === "k" || ev.key === "K"))) {
      ev.preventDefault();
      ev.stopPropagation();
      this.switcherAt = (this.switcherAt + (ev.key === "ArrowUp" ? n - 1 : 1)) % n;
      this.drawSwitcher();
    }
  }

  pickSwitcher() {
    const item = this.switcherItems[this.switcherAt];
    $("switcher").close();
    if (!item) return;
    if (item.join) this.session.join(item.join);
    else this.go(item.key);
    $("input").focus();
  }

  // ---- the server view ----

  openStats() {
    $("stats-error").textContent = "";
    $("stats").showModal();
    this.stats.start();
  }

  showStats(u) {
    this.lastStats = u;
    $("stats-error").textContent = "";
    const s = u.stats;
    $("stat-online").textContent = fmtNumber(s.online);
    $("stat-rooms").textContent = s.rooms === null ? t("statsWaiting") : fmtNumber(s.rooms);
    $("stat-rate").textContent = u.rate === null ? t("statsWaiting")
      : fmtNumber(u.rate, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
    $("stat-total").textContent = fmtNumber(s.messages);
    $("stat-uptime").textContent = u.uptime === null ? t("statsWaiting") : fmtDuration(u.uptime);
    $("stat-server").textContent = s.server || t("statsWaiting");
    $("stat-version").textContent = s.version || t("statsWaiting");
    this.showCluster(s);
  }

  // Only for a cluster: everyone in the chat, the cluster's state and each node's count.
  showCluster(s) {
    const on = s.cluster.state !== "off";
    $("stat-people-row").hidden = !on || s.people === null;
    $("stat-people").textContent = s.people === null ? t("statsWaiting") : fmtNumber(s.people);
    $("stat-nodes").hidden = !on;
    const list = $("stat-node-list");
    if (!on) {
      list.replaceChildren();
      return;
    }
    $("stat-cluster").textContent = s.cluster.state === "whole" ? t("statsWhole") : t("statsSplit");
    list.replaceChildren(...s.cluster.nodes.map((n) => {
      const row = el("div", n.here ? "stat-node here" : "stat-node");
      row.append(el("dt", null, n.here ? n.name + " " + t("statsThisNode") : n.name),
        el("dd", null, fmtNumber(n.online)));
      return row;
    }));
  }
}

// The message log's methods (log.js).
Object.assign(UI.prototype, LogView);
