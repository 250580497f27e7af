// The server view's figures: GET /stats.json every 2 s while the view is open (charlad serves
// it). The JSON is { version, server, online, rooms, messages, started, people, cluster }:
// `online` is the people on this server, `people` everyone in the chat (every node of a
// cluster), `messages` a counter that only grows (it restarts from 0 with the server),
// `started` the server's start in Unix seconds, and `cluster` is
// { state: "off" | "whole" | "split", nodes: [{ name, online, here }] } ("off": no cluster;
// "split": this server lost its link to the other nodes; `here` marks this node).
// Messages per second come from the deltas of `messages` over the last few samples.
// The pure part (samples -> figures) is tested by web/tests/stats.test.js.

export const STATS_URL = "/stats.json";
export const POLL_MS = 2000;
export const WINDOW = 5; // samples the rate is averaged over (about 8 s)
export const CLUSTER_STATES = ["off", "whole", "split"];
export const MAX_NODES = 64;

const count = (v) => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : null);

// Checks `cluster`: an unknown state is "off"; of `nodes` (an array) the first MAX_NODES are
// looked at, and an entry is kept only with a non-empty string name, a non-negative number
// online and a boolean here.
export function readCluster(c) {
  const off = { state: "off", nodes: [] };
  if (!c || typeof c !== "object") return off;
  const state = CLUSTER_STATES.includes(c.state) ? c.state : "off";
  if (state === "off") return off;
  const list = Array.isArray(c.nodes) ? c.nodes.slice(0, MAX_NODES) : [];
  const nodes = [];
  for (const n of list) {
    if (!n || typeof n !== "object" || typeof n.name !== "string" || !n.name) continue;
    if (count(n.online) === null || typeof n.here !== "boolean") continue;
    nodes.push({ name: n.name, online: n.online, here: n.here });
  }
  return { state, nodes };
}

// Checks the server's JSON; returns the fields as numbers and strings, or null.
export function readStats(json) {
  if (!json || typeof json !== "object") return null;
  const num = (k) => count(json[k]);
  const out = {
    version: typeof json.version === "string" ? json.version : "",
    server: typeof json.server === "string" ? json.server : "",
    online: num("online"),
    rooms: num("rooms"),
    messages: num("messages"),
    started: num("started"),
    people: num("people"),
    cluster: readCluster(json.cluster),
  };
  return out.online === null || out.messages === null ? null : out;
}

// Adds a sample { messages, at (ms, monotonic) } and returns the kept samples: the last
// WINDOW, or only the new one when the counter went back (the server restarted).
export function addSample(samples, sample) {
  const last = samples[samples.length - 1];
  if (last && (sample.messages < last.messages || sample.at <= last.at)) return [sample];
  return [...samples, sample].slice(-WINDOW);
}

// Messages per second over the kept samples; null until there are two.
export function rate(samples) {
  if (samples.length < 2) return null;
  const a = samples[0];
  const b = samples[samples.length - 1];
  return ((b.messages - a.messages) * 1000) / (b.at - a.at);
}

// Seconds the server has been up at `nowMs` (wall clock), never negative.
export function uptime(started, nowMs) {
  if (started === null || started === undefined) return null;
  return Math.max(0, nowMs / 1000 - started);
}

// Polls while started; calls onUpdate({ stats, rate, uptime }) or onError(err).
export class StatsPoller {
  constructor({ fetchFn, onUpdate, onError, url = STATS_URL, interval = POLL_MS,
    now = () => performance.now(), wallNow = () => Date.now() }) {
    Object.assign(this, { fetchFn, onUpdate, onError, url, interval, now, wallNow });
    this.samples = [];
    this.timer = null;
    this.running = false;
  }

  start() {
    if (this.running) return;
    this.running = true;
    this.tick();
  }

  stop() {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = null;
  }

  async tick() {
    try {
      const res = await this.fetchFn(this.url, { cache: "no-store", headers: { Accept: "application/json" } });
      if (!res.ok) throw new Error("HTTP " + res.status);
      const stats = readStats(await res.json());
      if (!stats) throw new Error("unexpected JSON");
      this.samples = addSample(this.samples, { messages: stats.messages, at: this.now() });
      if (this.running) {
        this.onUpdate({ stats, rate: rate(this.samples), uptime: uptime(stats.started, this.wallNow()) });
      }
    } catch (err) {
      if (this.running) this.onError(err);
    }
    if (this.running) this.timer = setTimeout(() => this.tick(), this.interval);
  }
}
