// Keeps the page's store in step with the server: the cluster's shape and vocabulary,
// the newest events, the live event stream (with catch-up over gaps), and throttled
// status polls (with the answering server's status history for the timeline).
// It knows nothing of the DOM; the page reacts through the hooks it is given.

import * as api from "./api.js";
import { createStore, normalizeConfig, applySnapshot, applyEvent, applyFaults, applyHistory, applyMirrors, MAX_EVENTS } from "./state.js";
import { setEpoch } from "./calendar.js";

/** Least wall time between two status polls while events keep arriving. */
const POLL_MIN_MS = 150;
/** Status poll period when nothing happens (the realtime clock still moves). */
const POLL_IDLE_MS = 1000;
const PAGE = 1000;
/** History entries per request. */
const HISTORY_PAGE = 5000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const settled = (p) => p.then((v) => ({ ok: true, v }), (e) => ({ ok: false, e }));

function eventsOf(json) {
  if (Array.isArray(json)) return json;
  if (json && Array.isArray(json.events)) return json.events;
  return [];
}

async function fetchEvents(since, limit) {
  return eventsOf(await api.get(`/sim/v1/events?since=${since}&limit=${limit}`));
}

/**
 * Hooks: `loaded(config, vocab)` after the shape is known (build the views), `event(ev)` for
 * each new event (the log), `changed()` after new statuses, `conn(state, text)` for
 * the stream indicator, `authLost(err)` on a 401, `reset(why)` when the simulation was
 * reset by someone else, `failed(err)` when a reload failed.
 */
export class Sync {
  constructor(hooks) {
    this.hooks = hooks;
    this.store = createStore();
    this.generation = 0; // bumped on every (re)load and stop: stale async work checks it
    this.streamCtrl = null;
    this.catchingUp = false;
    this.streamBuffer = []; // stream events held while a catch-up runs
    this.bufferMin = Infinity; // smallest seq in streamBuffer
    this.resetting = false; // our own reset reloads by itself
    this.noToratio = false; // the server's API version has no /cluster/toratio
    this.poll = { inFlight: false, dirty: false, timer: null, due: 0, last: 0 };
  }

  /** Stops the stream and polls; pending answers are ignored. */
  stop() {
    this.generation++;
    if (this.streamCtrl) this.streamCtrl.abort();
    if (this.poll.timer) clearTimeout(this.poll.timer);
    this.poll.timer = null;
  }

  /** (Re)loads everything: the cluster's shape, statuses, recent events, the stream. */
  async start() {
    this.stop();
    const gen = this.generation;
    this.store = createStore();
    const [raw, vocab] = await Promise.all([api.get("/sim/v1/config"), api.get("/sim/v1/vocabulary")]);
    if (gen !== this.generation) return;
    const config = normalizeConfig(raw, vocab);
    this.store.config = config;
    this.store.vocab = vocab;
    this.hooks.loaded(config, vocab);
    await this.refresh();
    await this.loadHistory(gen);
    if (gen !== this.generation) return;
    this.streamLoop(gen);
    this.hooks.changed();
  }

  /** Reload after an external reset, unless we are resetting ourselves. */
  reload(why) {
    if (this.resetting) return;
    this.hooks.reset(why);
    this.start().catch((e) => this.hooks.failed(e));
  }

  /** Runs `fn` (our own reset) without treating its effects as someone else's reset. */
  async ownReset(fn) {
    this.resetting = true;
    try {
      await fn();
      await this.start();
    } finally {
      this.resetting = false;
    }
  }

  /** The seq just past the newest event, found by doubling then bisecting `since`. */
  async findEnd(from) {
    let lo = from;
    let hi = Math.max(from * 2, 1024);
    for (let i = 0; i < 40; i++) {
      const probe = await fetchEvents(hi, 1);
      if (!probe.length) break;
      lo = probe[0].seq;
      hi = Math.max(hi * 2, lo + 1);
    }
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      const probe = await fetchEvents(mid, 1);
      if (probe.length) lo = probe[0].seq;
      else hi = mid;
    }
    return hi;
  }

  /** Loads the newest events (at most MAX_EVENTS) into the store and the log. */
  async loadHistory(gen) {
    let first = await fetchEvents(0, PAGE);
    if (first.length === PAGE) {
      // A long history: skip to its tail instead of paging through all of it.
      const end = await this.findEnd(first[first.length - 1].seq);
      first = await fetchEvents(Math.max(0, end - MAX_EVENTS), PAGE);
    }
    let batch = first;
    for (let pages = 0; batch.length && pages < 20 && gen === this.generation; pages++) {
      for (const ev of batch) if (applyEvent(this.store, ev)) this.hooks.event(ev);
      if (batch.length < PAGE) break;
      batch = await fetchEvents(batch[batch.length - 1].seq + 1, PAGE);
    }
  }

  /** Fetches events missed while the stream was down or skipped some. */
  async catchUp() {
    if (this.catchingUp) return; // the running catch-up drains the buffer when it ends
    const gen = this.generation;
    this.catchingUp = true;
    try {
      for (let pages = 0; pages < 50 && gen === this.generation; pages++) {
        let since = this.store.lastSeq === null ? 0 : this.store.lastSeq + 1;
        if (since >= this.bufferMin) break; // the stream has everything from here on
        // The page keeps only MAX_EVENTS: skip the middle of a huge gap.
        if (this.bufferMin !== Infinity && this.bufferMin - since > MAX_EVENTS) since = this.bufferMin - MAX_EVENTS;
        const batch = await fetchEvents(since, PAGE);
        batch.forEach((ev) => this.onEvent(ev));
        if (batch.length < PAGE) break;
      }
    } finally {
      this.catchingUp = false;
      const buffered = this.streamBuffer.sort((a, b) => a.seq - b.seq);
      this.streamBuffer = [];
      this.bufferMin = Infinity;
      buffered.forEach((ev) => this.onEvent(ev));
    }
  }

  buffer(ev) {
    this.streamBuffer.push(ev);
    if (ev.seq < this.bufferMin) this.bufferMin = ev.seq;
  }

  onEvent(ev) {
    if (ev.__reset) return this.reload("The simulation was reset; reloading.");
    const store = this.store;
    if (ev.__stream && typeof ev.seq === "number" && store.lastSeq !== null) {
      if (this.catchingUp) return this.buffer(ev);
      if (ev.seq > store.lastSeq + 1) {
        // The stream skipped entries: fetch the gap first.
        this.buffer(ev);
        this.catchUp().catch(() => {});
        return;
      }
    }
    if (applyEvent(store, ev)) {
      this.hooks.event(ev);
      this.schedulePoll();
      this.hooks.changed();
    }
  }

  /**
   * Keeps the event stream open, reconnecting with backoff. The stream replays the log
   * from `since` before going live, so nothing is lost across a reconnect; a gap in
   * sequence numbers still triggers a catch-up through GET /sim/v1/events.
   */
  async streamLoop(gen) {
    let backoff = 500;
    while (gen === this.generation) {
      const ctrl = new AbortController();
      this.streamCtrl = ctrl;
      this.hooks.conn("wait", "connecting");
      try {
        const since = this.store.lastSeq === null ? null : this.store.lastSeq + 1;
        await api.streamEvents(
          since,
          (ev) => {
            ev.__stream = true;
            this.onEvent(ev);
            backoff = 500;
          },
          ctrl.signal,
          () => this.hooks.conn("live", "live"),
        );
      } catch (err) {
        if (ctrl.signal.aborted || gen !== this.generation) return;
        if (err.status === 401) return this.hooks.authLost(err);
      }
      if (gen !== this.generation) return;
      this.hooks.conn("wait", "reconnecting");
      await sleep(backoff);
      backoff = Math.min(backoff * 2, 5000);
    }
  }

  /** Plans a status poll: after `delay` ms, or as soon as the throttle allows. */
  schedulePoll(delay) {
    const poll = this.poll;
    if (poll.inFlight) {
      poll.dirty = true;
      return;
    }
    const wait = delay ?? Math.max(0, POLL_MIN_MS - (performance.now() - poll.last));
    const due = performance.now() + wait;
    if (poll.timer) {
      if (poll.due <= due) return; // an earlier poll is already planned
      clearTimeout(poll.timer);
    }
    poll.due = due;
    poll.timer = setTimeout(() => {
      poll.timer = null;
      this.refresh();
    }, wait);
  }

  /** One round of status GETs, applied together so a frame never shows half a poll. */
  async refresh() {
    const store = this.store;
    if (!store.config) return;
    const gen = this.generation;
    const poll = this.poll;
    poll.inFlight = true;
    poll.dirty = false;
    try {
      const [clock, cluster, toratio, servers, groups, resources, monitors, faults, history, view] = await Promise.all(
        [
          "/sim/v1/clock",
          "/api/v1/cluster",
          this.noToratio ? null : "/api/v1/cluster/toratio",
          "/api/v1/servers",
          "/api/v1/groups",
          "/api/v1/resources",
          "/api/v1/monitors",
          "/sim/v1/faults",
          `/sim/v1/history?since=${store.historySeq}&limit=${HISTORY_PAGE}`,
          // Mirror disk status per server is in the answering server's whole view.
          store.config.mirrored ? "/sim/v1/view" : null,
        ].map((p) => (p ? settled(api.get(p)) : { ok: false })),
      );
      if (gen !== this.generation) return;
      // REST API v1.0 and v1.1 have no timeout ratio endpoint: stop asking.
      if (!toratio.ok && toratio.e && toratio.e.status === 400) this.noToratio = true;
      const failed = [clock, cluster, servers, groups].find((r) => !r.ok);
      if (failed) {
        if (failed.e.status === 401) return this.hooks.authLost(failed.e);
        this.hooks.conn("error", "error", failed.e.message);
        return;
      }
      const c = clock.v || {};
      if (store.clock.at && typeof c.now_ms === "number" && c.now_ms + 1 < store.clock.now_ms) {
        // The clock went back: the simulation was reset (or the server restarted).
        return this.reload("The simulation was reset; reloading.");
      }
      store.clock = { now_ms: c.now_ms || 0, mode: c.mode || "", speed: c.speed ?? 1, seed: c.seed ?? "", at: performance.now() };
      setEpoch(c.epoch);
      applySnapshot(store, {
        cluster: cluster.v.cluster,
        toratio: toratio.ok && toratio.v.cluster ? toratio.v.cluster.toratio : null,
        servers: servers.v.servers,
        groups: groups.v.groups,
        resources: resources.ok ? resources.v.resources : null,
        monitors: monitors.ok ? monitors.v.monitors : null,
      });
      if (history.ok && Array.isArray(history.v)) {
        applyHistory(store, history.v);
        if (history.v.length === HISTORY_PAGE) poll.dirty = true; // more to fetch at once
      }
      if (view.ok) applyMirrors(store, view.v.mirrors);
      if (faults.ok) applyFaults(store, Array.isArray(faults.v) ? faults.v : faults.v.faults || []);
      this.hooks.changed(true);
    } finally {
      poll.inFlight = false;
      poll.last = performance.now();
      if (gen === this.generation) this.schedulePoll(poll.dirty ? undefined : POLL_IDLE_MS);
    }
  }

  /** The page's own counters, for debugging and the browser test. */
  debug() {
    return {
      lastSeq: this.store.lastSeq,
      events: this.store.events.length,
      catchingUp: this.catchingUp,
      buffered: this.streamBuffer.length,
      generation: this.generation,
      now_ms: this.store.clock.now_ms,
    };
  }
}
