// The dashboard's wiring: login, loading the cluster's shape and its event history,
// the live event stream, throttled status polls, one render per animation frame, and
// the controls that act through the public /api/v1 and /sim/v1 endpoints.

import * as api from "./api.js";
import {
  createStore,
  normalizeConfig,
  applySnapshot,
  applyEvent,
  applyFaults,
  virtualNow,
  faultLabel,
  MAX_EVENTS,
} from "./state.js";
import { ServersView, GroupsView, MonitorsView, h, badge, setBadge } from "./views.js";
import { LogView, fmtTime } from "./log.js";
import { drawTimeline, describeAt } from "./timeline.js";
import { FAULT_KINDS, buildFields, readFault } from "./faults.js";

const $ = (id) => document.getElementById(id);
const enc = encodeURIComponent;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Least wall time between two status polls while events keep arriving. */
const POLL_MIN_MS = 150;
/** Status poll period when nothing happens (the realtime clock still moves). */
const POLL_IDLE_MS = 1000;

let store = createStore();
let generation = 0; // bumped on login, logout and reset: stale async work checks it
let streamCtrl = null;
let catchingUp = false;
let streamBuffer = []; // stream events held while a catch-up runs
let bufferMin = Infinity; // smallest seq in streamBuffer
let frameQueued = false;
let resetting = false; // our own reset reloads by itself
let viewsDirty = true;
const poll = { inFlight: false, dirty: false, timer: null, due: 0, last: 0 };

const act = (a) => operate(a);
const views = {
  servers: new ServersView($("servers"), act),
  groups: new GroupsView($("groups"), act),
  monitors: new MonitorsView($("monitors"), act),
};
const log = new LogView($("log"), { alertsOnly: $("log-alerts-only"), filter: $("log-filter"), count: $("log-count") });

// ---------------------------------------------------------------- feedback

function toast(message, kind = "error") {
  const t = h("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status", text: message });
  t.addEventListener("click", () => t.remove());
  $("toasts").append(t);
  while ($("toasts").childElementCount > 6) $("toasts").firstElementChild.remove();
  setTimeout(() => t.remove(), kind === "error" ? 10000 : 3500);
}

function setConn(state, text) {
  const c = $("conn");
  c.className = "conn " + state;
  c.textContent = text || state;
}

// ---------------------------------------------------------------- login

function showLogin(message) {
  $("login").hidden = false;
  $("login-error").textContent = message || "";
  $("login-password").focus();
}

$("login-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  $("login-error").textContent = "";
  try {
    await signIn($("login-user").value, $("login-password").value);
  } catch (err) {
    showLogin(err.status === 401 ? err.message || "Authentication failed." : err.message);
  }
});

$("logout").addEventListener("click", () => {
  signOut();
  showLogin();
});

async function signIn(user, password) {
  api.setCredentials(user, password);
  try {
    await api.get("/api/v1/cluster");
  } catch (err) {
    if (err.status === 401 || err.status === 403) api.clearCredentials();
    throw err;
  }
  $("login").hidden = true;
  await start();
}

function signOut() {
  generation++;
  api.clearCredentials();
  if (streamCtrl) streamCtrl.abort();
  setConn("off", "offline");
}

/** A 401 while signed in: the credentials changed or the lockout began. */
function authLost(err) {
  signOut();
  showLogin(err.message || "Authentication failed.");
}

// ---------------------------------------------------------------- loading

/** (Re)loads everything: the cluster's shape, recent events, statuses, the stream. */
async function start() {
  const gen = ++generation;
  if (streamCtrl) streamCtrl.abort();
  store = createStore();
  log.clear();
  const config = normalizeConfig(await api.get("/sim/v1/config"));
  if (gen !== generation) return;
  store.config = config;
  $("cluster-name").textContent = config.clusterName;
  views.servers.build(config);
  views.groups.build(config);
  views.monitors.build(config);
  buildFaultPanel(config);
  await refresh();
  await loadHistory(gen);
  if (gen !== generation) return;
  streamLoop(gen);
  requestFrame();
}

function eventsOf(json) {
  if (Array.isArray(json)) return json;
  if (json && Array.isArray(json.events)) return json.events;
  return [];
}

async function fetchEvents(since, limit) {
  return eventsOf(await api.get(`/sim/v1/events?since=${since}&limit=${limit}`));
}

/** The seq just past the newest event, found by doubling then bisecting `since`. */
async function findEnd(from) {
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

/** Loads the newest events (at most MAX_EVENTS) into the log and the timeline. */
async function loadHistory(gen) {
  const page = 1000;
  let since = 0;
  let first = await fetchEvents(since, page);
  if (first.length === page) {
    // A long history: skip to its tail instead of paging through all of it.
    const end = await findEnd(first[first.length - 1].seq);
    since = Math.max(0, end - MAX_EVENTS);
    first = await fetchEvents(since, page);
  }
  let batch = first;
  for (let pages = 0; batch.length && pages < 20 && gen === generation; pages++) {
    for (const ev of batch) if (applyEvent(store, ev)) log.push(ev);
    if (batch.length < page) break;
    batch = await fetchEvents(batch[batch.length - 1].seq + 1, page);
  }
  viewsDirty = true;
}

/** Fetches events missed while the stream was down, connecting, or dropped some. */
async function catchUp(gen) {
  if (catchingUp) return; // the running catch-up drains the buffer when it ends
  catchingUp = true;
  try {
    for (let pages = 0; pages < 50 && gen === generation; pages++) {
      let since = store.lastSeq === null ? 0 : store.lastSeq + 1;
      if (since >= bufferMin) break; // the stream has everything from here on
      // The page keeps only MAX_EVENTS: skip the middle of a huge gap.
      if (bufferMin !== Infinity && bufferMin - since > MAX_EVENTS) since = bufferMin - MAX_EVENTS;
      const batch = await fetchEvents(since, 1000);
      batch.forEach(onEvent);
      if (batch.length < 1000) break;
    }
  } finally {
    catchingUp = false;
    const buffered = streamBuffer.sort((a, b) => a.seq - b.seq);
    streamBuffer = [];
    bufferMin = Infinity;
    buffered.forEach(onEvent);
  }
}

function buffer(ev) {
  streamBuffer.push(ev);
  if (ev.seq < bufferMin) bufferMin = ev.seq;
}

function onEvent(ev) {
  if (ev.__reset) {
    if (!resetting) {
      toast("The simulation was reset; reloading.", "ok");
      start().catch(loadFailed);
    }
    return;
  }
  if (ev.__stream && typeof ev.seq === "number" && store.lastSeq !== null) {
    if (catchingUp) return buffer(ev);
    if (ev.seq > store.lastSeq + 1) {
      // The stream skipped entries (a slow reader is dropped behind): fetch the gap first.
      buffer(ev);
      catchUp(generation).catch(() => {});
      return;
    }
  }
  if (applyEvent(store, ev)) {
    log.push(ev);
    schedulePoll();
    requestFrame();
  }
}

/**
 * Keeps the event stream open, reconnecting with backoff. The stream replays the log
 * from `since` before going live, so nothing is lost across a reconnect; a gap in
 * sequence numbers still triggers a catch-up through GET /sim/v1/events.
 */
async function streamLoop(gen) {
  let backoff = 500;
  while (gen === generation) {
    const ctrl = new AbortController();
    streamCtrl = ctrl;
    setConn("wait", "connecting");
    try {
      const since = store.lastSeq === null ? null : store.lastSeq + 1;
      await api.streamEvents(
        since,
        (ev) => {
          ev.__stream = true;
          onEvent(ev);
          if (gen === generation) setConn("live", "live");
          backoff = 500;
        },
        ctrl.signal,
        () => setConn("live", "live"),
      );
    } catch (err) {
      if (ctrl.signal.aborted || gen !== generation) return;
      if (err.status === 401) return authLost(err);
    }
    if (gen !== generation) return;
    setConn("wait", "reconnecting");
    await sleep(backoff);
    backoff = Math.min(backoff * 2, 5000);
  }
}

// ---------------------------------------------------------------- status polls

function schedulePoll(delay) {
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
    refresh();
  }, wait);
}

const settled = (p) => p.then((v) => ({ ok: true, v }), (e) => ({ ok: false, e }));

/** One round of status GETs; applied together so a frame never shows half a poll. */
async function refresh() {
  if (!store.config) return;
  const gen = generation;
  poll.inFlight = true;
  poll.dirty = false;
  try {
    const [clock, cluster, toratio, servers, groups, resources, monitors, faults] = await Promise.all(
      [
        "/sim/v1/clock",
        "/api/v1/cluster",
        "/api/v1/cluster/toratio",
        "/api/v1/servers",
        "/api/v1/groups",
        "/api/v1/resources",
        "/api/v1/monitors",
        "/sim/v1/faults",
      ].map((p) => settled(api.get(p))),
    );
    if (gen !== generation) return;
    const failed = [clock, cluster, servers, groups].find((r) => !r.ok);
    if (failed) {
      if (failed.e.status === 401) return authLost(failed.e);
      setConn("error", "error");
      $("conn").title = failed.e.message;
      return;
    }
    const prevNow = store.clock.now_ms;
    const c = clock.v || {};
    if (store.clock.at && typeof c.now_ms === "number" && c.now_ms + 1 < prevNow && store.clock.mode !== "") {
      // The clock went back: someone reset the simulation. Start over.
      toast("The simulation was reset; reloading.", "ok");
      start().catch(loadFailed);
      return;
    }
    store.clock = { now_ms: c.now_ms || 0, mode: c.mode || "", speed: c.speed ?? 1, seed: c.seed ?? "", at: performance.now() };
    applySnapshot(
      store,
      {
        cluster: cluster.v.cluster,
        toratio: toratio.ok && toratio.v.cluster ? toratio.v.cluster.toratio : null,
        servers: servers.v.servers,
        groups: groups.v.groups,
        resources: resources.ok ? resources.v.resources : null,
        monitors: monitors.ok ? monitors.v.monitors : null,
      },
      store.clock.now_ms,
    );
    if (faults.ok) applyFaults(store, Array.isArray(faults.v) ? faults.v : faults.v.faults || []);
    viewsDirty = true;
    requestFrame();
  } finally {
    poll.inFlight = false;
    poll.last = performance.now();
    if (gen === generation) schedulePoll(poll.dirty ? undefined : POLL_IDLE_MS);
  }
}

// ---------------------------------------------------------------- rendering

function requestFrame() {
  if (frameQueued) return;
  frameQueued = true;
  requestAnimationFrame(frame);
}

const frameStats = { count: 0, totalMs: 0, maxMs: 0 };

function frame() {
  const t0 = performance.now();
  try {
    drawFrame();
  } finally {
    const ms = performance.now() - t0;
    frameStats.count++;
    frameStats.totalMs += ms;
    frameStats.maxMs = Math.max(frameStats.maxMs, ms);
  }
}

function drawFrame() {
  frameQueued = false;
  log.flush();
  if (viewsDirty && store.config) {
    viewsDirty = false;
    setBadge($("cluster-status"), store.cluster.status);
    $("toratio-value").textContent = store.toratio ?? "–";
    views.servers.update(store);
    views.groups.update(store);
    views.monitors.update(store);
    renderResolvers();
    renderClockPanel();
    renderFaultList();
  }
  renderClock();
  renderTimeline();
}

function renderClock() {
  $("clock-now").textContent = fmtTime(virtualNow(store));
}

function renderClockPanel() {
  const c = store.clock;
  setText($("clock-mode"), c.mode || "–");
  setText($("clock-mode2"), c.mode || "–");
  setText($("clock-speed"), c.mode === "realtime" ? `×${c.speed}` : "–");
  setText($("clock-seed"), String(c.seed ?? "–"));
  const manual = c.mode === "manual";
  $("advance-form").hidden = !manual;
  $("advance-quick").hidden = !manual;
  $("speed-form").hidden = manual || !c.mode;
}

function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

function renderResolvers() {
  const box = $("resolvers");
  const cfg = store.config;
  if (box.childElementCount !== cfg.resolvers.length) {
    box.replaceChildren(
      ...cfg.resolvers.map((r) => h("span", { "data-resolver": r.name, title: `${r.type} resolver` }, r.name + " ", badge("Normal", "small"))),
    );
  }
  for (const el of box.children) {
    setBadge(el.querySelector(".badge"), store.resolvers.get(el.dataset.resolver) || "Normal");
  }
}

function renderTimeline() {
  if (!store.config) return;
  const cfg = store.config;
  const rows = [
    ...cfg.servers.map((s) => ({ key: "s:" + s.name, label: s.name })),
    ...cfg.groups.map((g) => ({ key: "g:" + g.name, label: g.name })),
    ...cfg.monitors.map((m) => ({ key: "m:" + m.name, label: m.name })),
  ];
  drawTimeline($("timeline"), {
    rows,
    history: store.history,
    faults: [...store.faultSpans.values()],
    now: virtualNow(store),
    windowMs: Number($("timeline-window").value),
  });
}

// Keep the realtime clock and the timeline moving between events.
setInterval(() => {
  if (store.config && store.clock.mode === "realtime") requestFrame();
}, 100);
window.addEventListener("resize", requestFrame);
$("timeline").addEventListener("mousemove", (e) => {
  const r = e.target.getBoundingClientRect();
  const text = describeAt(e.clientX - r.left, e.clientY - r.top);
  const tip = $("timeline-tip");
  tip.hidden = !text;
  if (text) {
    tip.textContent = text;
    tip.style.left = `${e.clientX + 12}px`;
    tip.style.top = `${e.clientY + 12}px`;
  }
});
$("timeline").addEventListener("mouseleave", () => ($("timeline-tip").hidden = true));
$("timeline-window").addEventListener("change", requestFrame);

// ---------------------------------------------------------------- operations

const LABELS = {
  cluster: (a) => `cluster ${a.op}`,
  server: (a) => `server ${a.server} ${a.op}`,
  servergroups: (a) => `groups ${a.op} on ${a.target}`,
  group: (a) => `group ${a.group} ${a.op}${a.target ? " → " + a.target : ""}`,
  resource: (a) => `resource ${a.resource} ${a.op}${a.target ? " on " + a.target : ""}`,
  monitor: (a) => `monitor ${a.monitor} ${a.op} on ${a.target}`,
};

/** Sends one operation to /api/v1 and reports the product's answer. */
async function operate(a) {
  let path;
  let body;
  switch (a.what) {
    case "cluster":
      path = `/api/v1/cluster/${a.op}`;
      break;
    case "server":
      path = `/api/v1/servers/${enc(a.server)}/${a.op}`;
      break;
    case "servergroups":
      path = `/api/v1/groups/${a.op}`;
      body = { target: a.target };
      break;
    case "group":
      path = `/api/v1/groups/${enc(a.group)}/${a.op}`;
      if (a.target && a.op !== "stop") body = { target: a.target };
      break;
    case "resource":
      path = `/api/v1/resources/${enc(a.resource)}/${a.op}`;
      if (a.target && a.op === "start") body = { target: a.target };
      break;
    case "monitor":
      path = `/api/v1/monitors/${enc(a.monitor)}/${a.op}`;
      body = { target: a.target };
      break;
    default:
      return;
  }
  const label = LABELS[a.what](a);
  try {
    await api.post(path, body);
    toast(`${label}: accepted`, "ok");
  } catch (err) {
    if (err.status === 401) return authLost(err);
    toast(`${label}: ${err.message}`);
  }
  schedulePoll(0);
}

document.querySelectorAll("[data-cluster-op]").forEach((b) =>
  b.addEventListener("click", () => {
    b.closest("details").open = false;
    operate({ what: "cluster", op: b.dataset.clusterOp });
  }),
);

$("toratio-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const ratio = Number($("toratio-ratio").value);
  const time = $("toratio-time").value.trim();
  const body = { ratio };
  if (time) body.time = time;
  try {
    await api.post("/api/v1/cluster/toratio/set", body);
    toast(`timeout ratio ${ratio}${time ? " for " + time : ""}: accepted`, "ok");
    $("toratio-menu").open = false;
  } catch (err) {
    toast(`timeout ratio: ${err.message}`);
  }
  schedulePoll(0);
});

$("toratio-reset").addEventListener("click", async () => {
  try {
    await api.post("/api/v1/cluster/toratio/reset");
    toast("timeout ratio reset: accepted", "ok");
    $("toratio-menu").open = false;
  } catch (err) {
    toast(`timeout ratio reset: ${err.message}`);
  }
  schedulePoll(0);
});

// Close an open menu when clicking elsewhere.
document.addEventListener("click", (e) => {
  document.querySelectorAll("details.menu[open]").forEach((d) => {
    if (!d.contains(e.target)) d.open = false;
  });
});

// ---------------------------------------------------------------- clock

async function advance(ms) {
  if (!(ms > 0)) return toast("Advance by a positive amount of time.");
  try {
    const r = await api.post("/sim/v1/clock/advance", { ms: Math.round(ms) });
    const n = r && typeof r.events === "number" ? `, ${r.events} events` : "";
    toast(`advanced to ${fmtTime(r && r.now_ms)}${n}`, "ok");
  } catch (err) {
    if (err.status === 401) return authLost(err);
    toast(`advance: ${err.message}`);
  }
  await catchUp(generation).catch(() => {});
  schedulePoll(0);
}

$("advance-form").addEventListener("submit", (e) => {
  e.preventDefault();
  advance(Number($("advance-amount").value) * Number($("advance-unit").value));
});
document.querySelectorAll("[data-advance]").forEach((b) => b.addEventListener("click", () => advance(Number(b.dataset.advance))));

$("speed-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const speed = Number($("speed-value").value);
  try {
    await api.post("/sim/v1/clock/speed", { speed });
    toast(`speed ×${speed}: accepted`, "ok");
  } catch (err) {
    toast(`speed: ${err.message}`);
  }
  schedulePoll(0);
});

$("reset-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const btn = $("reset-btn");
  if (!btn.dataset.confirm) {
    // A second click confirms: reset throws away the whole run.
    btn.dataset.confirm = "1";
    btn.textContent = "Really reset?";
    setTimeout(() => {
      delete btn.dataset.confirm;
      btn.textContent = "Reset";
    }, 4000);
    return;
  }
  delete btn.dataset.confirm;
  btn.textContent = "Reset";
  const seed = $("reset-seed").value;
  resetting = true;
  try {
    await api.post("/sim/v1/reset", seed === "" ? {} : { seed: Number(seed) });
    toast("simulation reset", "ok");
    await start();
  } catch (err) {
    toast(`reset: ${err.message}`);
  } finally {
    resetting = false;
  }
});

// ---------------------------------------------------------------- faults

function buildFaultPanel(config) {
  const kind = $("fault-kind");
  if (!kind.childElementCount) {
    for (const k of Object.keys(FAULT_KINDS)) kind.append(h("option", { value: k, text: k }));
  }
  buildFields($("fault-fields"), kind.value, config);
}

$("fault-kind").addEventListener("change", () => buildFields($("fault-fields"), $("fault-kind").value, store.config));

$("fault-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  let fault;
  try {
    fault = readFault($("fault-kind").value, $("fault-fields"), {
      delayS: $("fault-delay").value,
      durationS: $("fault-duration").value,
      now: store.clock.now_ms,
    });
  } catch (err) {
    return toast(err.message);
  }
  try {
    const r = await api.post("/sim/v1/faults", fault);
    toast(`fault #${r && r.id} injected: ${faultLabel(fault)}`, "ok");
  } catch (err) {
    if (err.status === 401) return authLost(err);
    toast(`inject ${fault.kind}: ${err.message}`);
  }
  schedulePoll(0);
});

function renderFaultList() {
  const list = $("fault-list");
  const key = JSON.stringify(store.faults.map((f) => [f.id, f.state]));
  if (list.dataset.key === key) return;
  list.dataset.key = key;
  list.replaceChildren(
    ...store.faults.map((f) => {
      const when = f.state === "scheduled" ? `at ${fmtTime(f.start_ms)}` : `since ${fmtTime(f.start_ms)}`;
      const until = f.end_ms !== null && f.end_ms !== undefined ? ` until ${fmtTime(f.end_ms)}` : "";
      const heal = h("button", { type: "button", text: f.state === "scheduled" ? "Cancel" : "Heal" });
      heal.addEventListener("click", async () => {
        try {
          await api.del(`/sim/v1/faults/${enc(f.id)}`);
          toast(`fault #${f.id} healed`, "ok");
        } catch (err) {
          toast(`heal #${f.id}: ${err.message}`);
        }
        schedulePoll(0);
      });
      return h(
        "li",
        { "data-fault": f.id },
        h("span", { class: "label", text: `#${f.id} ${faultLabel(f)}`, title: faultLabel(f) }),
        h("span", { class: "state", text: `${f.state} ${when}${until}` }),
        heal,
      );
    }),
  );
  if (!store.faults.length) list.append(h("li", { class: "note", text: "No active or scheduled faults." }));
}

// ---------------------------------------------------------------- boot

function loadFailed(err) {
  if (err && err.status === 401) return authLost(err);
  toast(`Cannot load the cluster: ${err && err.message}`);
  setConn("error", "error");
}

(async () => {
  const saved = api.storedCredentials();
  if (!saved) return showLogin();
  try {
    await signIn(saved.user, saved.password);
  } catch (err) {
    if (err.status === 401) showLogin("Authentication failed.");
    else {
      $("login").hidden = true;
      loadFailed(err);
    }
  }
})();

/** For debugging from the browser console: the page's own counters. */
window.clustersimDebug = () => ({
  lastSeq: store.lastSeq,
  events: store.events.length,
  catchingUp,
  buffered: streamBuffer.length,
  generation,
  now_ms: store.clock.now_ms,
  frames: frameStats.count,
  frameAvgMs: frameStats.count ? frameStats.totalMs / frameStats.count : 0,
  frameMaxMs: frameStats.maxMs,
});
