// The page's picture of the simulation: the cluster's shape (from /sim/v1/config and
// the vocabulary's resolved dependencies), the latest statuses (from the /api/v1 GETs),
// heartbeat paths (from path events), mirror disks (from /sim/v1/view), and a bounded
// history for the timeline: status changes as the answering server knew them (from
// /sim/v1/history, so a band agrees with /api/v1 at every moment) and fault spans.
// Renderers read it; only sync.js writes it.

/** Most events kept for the log and the timeline; older ones are dropped. */
export const MAX_EVENTS = 5000;
/** Most status changes kept per object. */
const MAX_HISTORY = 400;

const names = (list) => (Array.isArray(list) ? list : []).map((x) => (typeof x === "string" ? x : x && x.name)).filter(Boolean);

/**
 * Normalizes the config JSON (the cluster file as written), tolerant of omitted lists.
 * Each resource's dependencies are the engine's own resolution, from the vocabulary's
 * `dependencies` (explicit `depends_on`, else the default order by type).
 */
export function normalizeConfig(raw, vocab) {
  const resolved = (vocab && vocab.dependencies) || {};
  const cfg = raw && raw.config ? raw.config : raw || {};
  const servers = (cfg.servers || []).map((s) => ({ name: s.name, ip: s.ip || null }));
  const allServers = servers.map((s) => s.name);
  const paths = (cfg.heartbeats || cfg.paths || []).map((h) => ({
    name: h.name,
    type: h.type || h.kind || "",
    servers: h.servers ? names(h.servers) : allServers,
  }));
  const resolvers = (cfg.resolvers || []).map((r) => ({ name: r.name, type: r.type || r.kind || "" }));
  const groups = (cfg.groups || []).map((g) => {
    const res = (g.resources || []).map((r) => ({
      name: r.name,
      type: r.type || r.kind || "",
      depends_on: resolved[r.name] || (Array.isArray(r.depends_on) ? names(r.depends_on) : []),
    }));
    return { name: g.name, servers: g.servers ? names(g.servers) : allServers, resources: res };
  });
  const monitors = (cfg.monitors || []).map((m) => ({
    name: m.name,
    type: m.type || m.kind || "",
    target: m.target || null,
    servers: m.servers ? names(m.servers) : allServers,
  }));
  const clusterName = (cfg.cluster && cfg.cluster.name) || cfg.name || "cluster";
  const connects = (cfg.mirror_connects || []).map((c) => c.name);
  const scripts = (cfg.scripts || []).map((x) => x.name);
  const mirrored = groups.some((g) => g.resources.some((r) => r.type === "md"));
  return { clusterName, servers, paths, resolvers, groups, monitors, connects, scripts, mirrored };
}

export function createStore() {
  return {
    config: null,
    cluster: { name: "", status: "Unknown" },
    toratio: null,
    servers: new Map(), // name -> status
    groups: new Map(), // name -> {status, current}
    resources: new Map(), // name -> {status, current, type, group}
    monitors: new Map(), // name -> {status, type, servers: Map(server -> status)}
    paths: new Map(), // "server/path" -> status of server's heartbeats on path, from path events
    resolvers: new Map(), // name -> status, from resolver events
    clock: { now_ms: 0, mode: "", speed: 1, seed: 0, at: 0 },
    mirrors: new Map(), // md resource -> {status, servers: Map(server -> {status, color, latest})}
    faults: [],
    events: [],
    lastSeq: null,
    history: new Map(), // "s:name" | "g:name" | "r:name" | "m:name" -> [[t_ms, status, current], ...]
    historySeq: 0, // the next /sim/v1/history seq to ask for
    faultSpans: new Map(), // fault id -> {id, label, start, end}
  };
}

/** Virtual time now: in realtime mode the clock runs on between polls. */
export function virtualNow(store) {
  const c = store.clock;
  if (c.mode === "realtime" && c.at) {
    return c.now_ms + Math.max(0, performance.now() - c.at) * (c.speed || 1);
  }
  return c.now_ms;
}

/** Records `status` (on `current`) for `key` at `t`, keeping each history sorted. */
export function recordStatus(store, key, t, status, current) {
  if (!status) return;
  let h = store.history.get(key);
  if (!h) store.history.set(key, (h = []));
  let i = h.length;
  while (i > 0 && h[i - 1][0] > t) i--;
  if (i > 0 && h[i - 1][1] === status && h[i - 1][2] === current) return;
  h.splice(i, 0, [t, status, current]);
  if (h.length > MAX_HISTORY) h.splice(0, h.length - MAX_HISTORY);
}

const HISTORY_KEYS = { server: "s:", group: "g:", resource: "r:", monitor: "m:" };

/** Folds entries of GET /sim/v1/history (the answering server's changes) into the bands. */
export function applyHistory(store, entries) {
  for (const e of entries) {
    if (typeof e.seq !== "number" || e.seq < store.historySeq) continue;
    store.historySeq = e.seq + 1;
    const prefix = HISTORY_KEYS[e.object];
    if (prefix) recordStatus(store, prefix + e.name, e.t_ms, e.status, e.current);
  }
}

/** Mirror disks from a /sim/v1/view (`mirrors`: per md resource, per server). */
export function applyMirrors(store, mirrors) {
  store.mirrors = new Map(
    (mirrors || []).map((m) => [
      m.name,
      { status: m.status, servers: new Map((m.servers || []).map((s) => [s.name, { status: s.status, color: s.color, latest: s.latest }])) },
    ]),
  );
}

/** Applies a full status poll (the /api/v1 GETs). */
export function applySnapshot(store, snap) {
  if (snap.cluster) store.cluster = { name: snap.cluster.name, status: snap.cluster.status };
  if (snap.toratio !== undefined) store.toratio = snap.toratio;
  if (snap.servers) store.servers = new Map(snap.servers.map((s) => [s.name, s.status]));
  if (snap.groups) store.groups = new Map(snap.groups.map((g) => [g.name, { status: g.status, current: g.current }]));
  if (snap.resources) {
    store.resources = new Map(snap.resources.map((r) => [r.name, r]));
  }
  if (snap.monitors) {
    store.monitors = new Map(
      snap.monitors.map((m) => [
        m.name,
        { status: m.status, type: m.type, servers: new Map((m.servers || []).map((s) => [s.name, s.status])) },
      ]),
    );
  }
}

/** Status of a heartbeat path as seen for `server`; Normal until an event says otherwise. */
export function pathStatus(store, server, path) {
  const s = store.servers.get(server);
  if (!s) return "Unknown";
  if (s === "Offline") return "Offline"; // a stopped server sends nothing on any path
  return store.paths.get(server + "/" + path) || "Normal";
}

/** Label of a fault for marks and lists, e.g. `server-crash server1`. */
export function faultLabel(f) {
  if (!f) return "fault";
  const kind = f.kind || "fault";
  if (kind === "partition" && Array.isArray(f.sides)) {
    return `partition ${f.sides.map((s) => s.join("+")).join(" | ")}${f.oneway ? " (one-way)" : ""}`;
  }
  const parts = [f.resource, f.monitor, f.path, f.resolver].filter(Boolean);
  if (f.server) parts.push(parts.length ? `on ${f.server}` : f.server);
  if (f.result) parts.push(`→ ${f.result}`);
  if (f.times !== undefined && f.times !== null) parts.push(`×${f.times || "∞"}`);
  return [kind, ...parts].join(" ");
}

/** Folds one stream or log event into the store (log, paths, resolvers, fault spans). */
export function applyEvent(store, ev) {
  if (typeof ev.seq === "number") {
    if (store.lastSeq !== null && ev.seq <= store.lastSeq) return false;
    store.lastSeq = ev.seq;
  }
  store.events.push(ev);
  if (store.events.length > MAX_EVENTS) store.events.splice(0, store.events.length - MAX_EVENTS);
  const t = ev.t_ms || 0;
  const kind = ev.kind || "";

  if (ev.path && (ev.peer || ev.server) && (kind.startsWith("path-") || ev.status)) {
    // `server` heard (or stopped hearing) `peer` on `path`: it is the peer's path that
    // changed, as the product shows it under the peer.
    const st = ev.status || (kind === "path-down" ? "Error" : kind === "path-up" ? "Normal" : null);
    if (st) store.paths.set((ev.peer || ev.server) + "/" + ev.path, st);
  } else if (ev.resolver && kind.startsWith("resolver-")) {
    store.resolvers.set(ev.resolver, ev.status || (kind === "resolver-error" ? "Error" : "Normal"));
  }
  // Status bands come from /sim/v1/history, not from events: the log is ground truth,
  // the bands are what the answering server knew.
  if (kind === "fault-injected" && ev.fault !== undefined) {
    const prev = store.faultSpans.get(ev.fault);
    store.faultSpans.set(ev.fault, {
      id: ev.fault,
      label: (prev && prev.label) || faultEventLabel(ev),
      start: t,
      end: null,
    });
  } else if (kind === "fault-healed" && ev.fault !== undefined) {
    const span = store.faultSpans.get(ev.fault);
    if (span) span.end = t;
    else store.faultSpans.set(ev.fault, { id: ev.fault, label: faultEventLabel(ev), start: t, end: t });
  }
  if (store.faultSpans.size > 500) {
    const oldest = [...store.faultSpans.keys()].slice(0, store.faultSpans.size - 500);
    oldest.forEach((k) => store.faultSpans.delete(k));
  }
  return true;
}

function faultEventLabel(ev) {
  const what = [ev.server, ev.path, ev.resolver, ev.monitor, ev.resource].filter(Boolean).join(" ");
  return ev.reason || ev.message || `fault ${ev.fault}${what ? " " + what : ""}`;
}

/** Labels fault spans from the /sim/v1/faults list (which knows the kind and fields). */
export function applyFaults(store, list) {
  store.faults = list;
  for (const f of list) {
    const span = store.faultSpans.get(f.id);
    const label = faultLabel(f);
    if (span) span.label = label;
    else if (f.state === "active") {
      store.faultSpans.set(f.id, { id: f.id, label, start: f.start_ms || 0, end: f.end_ms || null });
    }
  }
}
