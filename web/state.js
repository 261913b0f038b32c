// The page's picture of the simulation: the cluster's shape (from /sim/v1/config), the
// latest statuses (from the /api/v1 GETs), heartbeat paths (from path events), and a
// bounded history of status changes and faults for the timeline. Renderers read it;
// only app.js writes it.

/** Most events kept for the log and the timeline; older ones are dropped. */
export const MAX_EVENTS = 5000;
/** Most status changes kept per object. */
const MAX_HISTORY = 400;

/** Resource type tiers of the default activation order, as `ResourceKind::default_tier`. */
const DEFAULT_ORDER = [
  ["fip", "vip", "awsvip", "awseip", "awsdns", "azurepp", "azuredns"],
  ["volmgr"],
  ["disk", "md", "hd", "nas"],
  ["ddns"],
];

function typeClass(type) {
  const i = DEFAULT_ORDER.findIndex((c) => c.includes(type));
  return i < 0 ? DEFAULT_ORDER.length : i;
}

const names = (list) => (Array.isArray(list) ? list : []).map((x) => (typeof x === "string" ? x : x && x.name)).filter(Boolean);

/**
 * Normalizes the config JSON (the cluster file as written): tolerant of omitted lists,
 * resolves each resource's dependencies as the engine does (explicit `depends_on`, else
 * every resource of the group in an earlier type tier: `ResourceKind::default_tier`).
 */
export function normalizeConfig(raw) {
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
      explicit: Array.isArray(r.depends_on) ? names(r.depends_on) : null,
    }));
    for (const r of res) {
      if (r.explicit) {
        r.depends_on = r.explicit;
      } else {
        const mine = typeClass(r.type);
        r.depends_on = res.filter((o) => typeClass(o.type) < mine).map((o) => o.name);
      }
      delete r.explicit;
    }
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
  return { clusterName, servers, paths, resolvers, groups, monitors, connects };
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
    faults: [],
    events: [],
    lastSeq: null,
    history: new Map(), // "s:name" | "g:name" | "m:name" -> [[t_ms, status], ...]
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

/** Records `status` for `key` at `t`, keeping each history sorted and free of repeats. */
export function recordStatus(store, key, t, status) {
  if (!status) return;
  let h = store.history.get(key);
  if (!h) store.history.set(key, (h = []));
  let i = h.length;
  while (i > 0 && h[i - 1][0] > t) i--;
  if (i > 0 && h[i - 1][1] === status) return;
  h.splice(i, 0, [t, status]);
  if (h.length > MAX_HISTORY) h.splice(0, h.length - MAX_HISTORY);
}

/** Applies a full status poll (the /api/v1 GETs) taken at virtual time `t`. */
export function applySnapshot(store, snap, t) {
  if (snap.cluster) store.cluster = { name: snap.cluster.name, status: snap.cluster.status };
  if (snap.toratio !== undefined) store.toratio = snap.toratio;
  if (snap.servers) {
    store.servers = new Map(snap.servers.map((s) => [s.name, s.status]));
    for (const [n, s] of store.servers) recordStatus(store, "s:" + n, t, s);
  }
  if (snap.groups) {
    store.groups = new Map(snap.groups.map((g) => [g.name, { status: g.status, current: g.current }]));
    for (const [n, g] of store.groups) recordStatus(store, "g:" + n, t, g.status);
  }
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
    for (const [n, m] of store.monitors) {
      const h = store.history.get("m:" + n);
      if (h && h.length && h[h.length - 1][1] === m.status) continue;
      recordStatus(store, "m:" + n, monitorChangeTime(store, n, t, h), m.status);
    }
  }
}

/**
 * When a monitor's status seen in a poll at `t` most likely changed. The engine logs no
 * event when an `active` monitor starts or stops with its target, so in manual mode a
 * poll after a long advance would date the change to the advance's end: use the last
 * logged event about the monitor or its target resource instead, if any is newer than
 * the previous recorded status.
 */
function monitorChangeTime(store, name, t, history) {
  const since = history && history.length ? history[history.length - 1][0] : -1;
  const m = store.config && store.config.monitors.find((x) => x.name === name);
  const target = m ? m.target : null;
  for (let i = store.events.length - 1; i >= 0; i--) {
    const e = store.events[i];
    if (e.t_ms <= since) break;
    if (e.t_ms > t) continue;
    if (e.monitor === name || (target && e.resource === target)) return e.t_ms;
  }
  return t;
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

/** Folds one stream or log event into the store (log, paths, history, fault spans). */
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
  } else if (ev.status) {
    if (ev.resource) recordStatus(store, "r:" + ev.resource, t, ev.status);
    else if (ev.monitor) {
      /* per-server monitor statuses come from polls */
    } else if (ev.group) recordStatus(store, "g:" + ev.group, t, ev.status);
    else if ((kind === "server-down" || kind === "server-up") && ev.peer) {
      // Detection events: `server` noticed, `peer` is the one that went or came back.
      recordStatus(store, "s:" + ev.peer, t, ev.status);
    } else if (ev.server && (kind.startsWith("server") || kind.startsWith("service"))) {
      recordStatus(store, "s:" + ev.server, t, ev.status);
    }
  }
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
