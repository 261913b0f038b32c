// The dashboard's entry point: sign-in, the wiring between the data (sync.js), the
// cards, log and timeline, and the controls, and one render per animation frame so a
// fast stream costs one DOM update per frame, not one per event.

import * as api from "./api.js";
import { virtualNow } from "./state.js";
import { Sync } from "./sync.js";
import { ServersView, GroupsView, MonitorsView, h, badge, setBadge } from "./views.js";
import { LogView } from "./log.js";
import { fmtDateTime, fmtElapsed, epoch } from "./calendar.js";
import { drawTimeline, describeAt, pointFor } from "./timeline.js";
import { initControls } from "./controls.js";
import { initPicker, refreshPicker } from "./fleet.js";
import { startExercise, stopExercise } from "./exercise.js";

const $ = (id) => document.getElementById(id);

let frameQueued = false;
let viewsDirty = true;
const frameStats = { count: 0, totalMs: 0, maxMs: 0 };

// ---------------------------------------------------------------- feedback

function toast(message, kind = "error") {
  const t = h("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status", text: message });
  t.addEventListener("click", () => t.remove());
  $("toasts").append(t);
  while ($("toasts").childElementCount > 6) $("toasts").firstElementChild.remove();
  setTimeout(() => t.remove(), kind === "error" ? 10000 : 3500);
}

function setConn(state, text, title) {
  const c = $("conn");
  c.className = "conn " + state;
  c.textContent = text || state;
  c.title = title || "event stream";
}

// ---------------------------------------------------------------- wiring

const log = new LogView($("log"), { alertsOnly: $("log-alerts-only"), filter: $("log-filter"), count: $("log-count") });

const sync = new Sync({
  loaded(config, vocab) {
    log.clear();
    $("cluster-name").textContent = config.clusterName;
    views.servers.build(config);
    views.groups.build(config);
    views.monitors.build(config);
    controls.buildFaultPanel(config, vocab);
    controls.buildOperationPanel(config, vocab);
    $("resolvers").replaceChildren(
      ...config.resolvers.map((r) => h("span", { "data-resolver": r.name, title: `${r.type} resolver` }, r.name + " ", badge("Normal", "small"))),
    );
  },
  event: (ev) => log.push(ev),
  changed() {
    viewsDirty = true;
    requestFrame();
  },
  conn: setConn,
  authLost,
  reset: (why) => toast(why, "ok"),
  failed: loadFailed,
});

const controls = initControls({ sync, toast, authLost });
const act = (a) => controls.operate(a);
const views = {
  servers: new ServersView($("servers"), act),
  groups: new GroupsView($("groups"), act),
  monitors: new MonitorsView($("monitors"), act),
};

// ---------------------------------------------------------------- sign-in

initPicker();

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

/** Checks the credentials with a GET, then loads the cluster. */
async function signIn(user, password) {
  api.setCredentials(user, password);
  try {
    await api.get("/api/v1/cluster");
  } catch (err) {
    if (err.status === 401 || err.status === 403) api.clearCredentials();
    throw err;
  }
  $("login").hidden = true;
  refreshPicker();
  startExercise();
  await sync.start();
}

function signOut() {
  sync.stop();
  stopExercise();
  api.clearCredentials();
  setConn("off", "offline");
}

/** A 401 while signed in: the credentials changed or the lockout began. */
function authLost(err) {
  signOut();
  showLogin(err.message || "Authentication failed.");
}

function loadFailed(err) {
  if (err && err.status === 401) return authLost(err);
  toast(`Cannot load the cluster: ${err && err.message}`);
  setConn("error", "error");
}

// ---------------------------------------------------------------- rendering

function requestFrame() {
  if (frameQueued) return;
  frameQueued = true;
  requestAnimationFrame(frame);
}

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
  const store = sync.store;
  log.flush();
  if (!store.config) return;
  if (viewsDirty) {
    viewsDirty = false;
    setBadge($("cluster-status"), store.cluster.status);
    $("toratio-value").textContent = store.toratio ?? "–";
    views.servers.update(store);
    views.groups.update(store);
    views.monitors.update(store);
    for (const el of $("resolvers").children) {
      setBadge(el.querySelector(".badge"), store.resolvers.get(el.dataset.resolver) || "Normal");
    }
    controls.renderClockPanel(store);
    controls.renderFaultList(store);
  }
  const now = virtualNow(store);
  $("clock-now").textContent = fmtDateTime(now);
  $("clock-now").title = `virtual time on the cluster's calendar (UTC); t=0 is ${epoch()}`;
  $("clock-elapsed").textContent = fmtElapsed(now);
  renderTimeline(store);
}

function renderTimeline(store) {
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
  if (sync.store.config && sync.store.clock.mode === "realtime") requestFrame();
}, 100);
window.addEventListener("resize", requestFrame);
$("timeline-window").addEventListener("change", requestFrame);
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

// ---------------------------------------------------------------- boot

(async () => {
  const saved = api.storedCredentials();
  if (!saved) return showLogin();
  try {
    await signIn(saved.user, saved.password);
  } catch (err) {
    if (err.status === 401) showLogin(err.message || "Authentication failed.");
    else {
      $("login").hidden = true;
      loadFailed(err);
    }
  }
})();

/** For debugging from the browser console (and the browser test): the page's counters. */
window.clustersimDebug = () => ({
  ...sync.debug(),
  frames: frameStats.count,
  frameAvgMs: frameStats.count ? frameStats.totalMs / frameStats.count : 0,
  frameMaxMs: frameStats.maxMs,
  timelinePoint: pointFor,
});
