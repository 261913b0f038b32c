// Cards for servers, groups and monitors. Each view builds its DOM once from the cluster's
// shape and then only patches text and classes that changed, so a poll at speed 100
// costs a few attribute writes, not a re-render.

import { drawGraph, updateNode, statusClass } from "./graph.js";
import { pathStatus } from "./state.js";

export function h(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

/** A status badge: `<span class="badge st-online">Online</span>`. */
export function badge(status, extra = "") {
  return h("span", { class: `badge ${extra} st-${statusClass(status)}`.trim(), text: status || "Unknown" });
}

/** Sets a badge's text and class only when they change. */
export function setBadge(el, status) {
  const s = status || "Unknown";
  if (el.textContent !== s) el.textContent = s;
  const cls = el.className.replace(/\bst-[a-z-]+/g, "").trim() + " st-" + statusClass(s);
  if (el.className !== cls) el.className = cls;
}

function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

function menu(label, buttons) {
  return h(
    "details",
    { class: "menu" },
    h("summary", { text: label }),
    h("div", { class: "menu-body" }, ...buttons),
  );
}

function opButton(label, onclick, cls) {
  return h("button", { type: "button", class: cls || "", text: label, onclick });
}

/** Servers: status, address, heartbeat paths, mirror disks, and server operations. */
export class ServersView {
  constructor(root, act) {
    this.root = root;
    this.act = act;
    this.cards = new Map();
  }

  build(config) {
    this.cards.clear();
    this.root.replaceChildren();
    for (const s of config.servers) {
      const status = badge("Unknown", "status");
      const paths = h("ul", { class: "paths" });
      const pathEls = new Map();
      for (const p of config.paths.filter((p) => p.servers.includes(s.name))) {
        const st = badge("Unknown", "pstatus small");
        paths.append(h("li", { "data-path": p.name, title: `${p.name} (${p.type})` }, h("span", { class: "pname", text: p.name }), st));
        pathEls.set(p.name, st);
      }
      // Mirror disks as this server's mirror agent reports them (clpmdstat's colours).
      const mirrors = h("ul", { class: "mirrors" });
      const mirrorEls = new Map();
      for (const md of config.groups.flatMap((g) => g.resources.filter((r) => r.type === "md"))) {
        const st = badge("Unknown", "small");
        const color = h("span", { class: "mcolor", text: "" });
        mirrors.append(h("li", { "data-mirror": md.name, title: `mirror disk ${md.name} on ${s.name}` }, h("span", { class: "pname", text: md.name }), st, color));
        mirrorEls.set(md.name, { st, color });
      }
      const run = (op) => () => this.act({ what: "server", op, server: s.name });
      const card = h(
        "article",
        { class: "card server", "data-name": s.name },
        h("header", {}, h("span", { class: "name", text: s.name, title: s.name }), status),
        s.ip ? h("div", { class: "meta", text: s.ip }) : null,
        paths,
        mirrorEls.size ? mirrors : null,
        menu("Server ▾", [
          opButton("Start", run("start")),
          opButton("Stop", run("stop")),
          opButton("Reboot", run("reboot")),
          opButton("Shutdown", run("shutdown"), "danger"),
          opButton("Start its groups", () => this.act({ what: "servergroups", op: "start", target: s.name })),
          opButton("Stop its groups", () => this.act({ what: "servergroups", op: "stop", target: s.name })),
          opButton("Dummy failure on", run("dummy-failure/start")),
          opButton("Dummy failure off", run("dummy-failure/stop")),
        ]),
      );
      this.root.append(card);
      this.cards.set(s.name, { card, status, pathEls, mirrorEls });
    }
  }

  update(store) {
    for (const [name, c] of this.cards) {
      const st = store.servers.get(name) || "Unknown";
      setBadge(c.status, st);
      c.card.classList.toggle("down", st === "Offline" || st === "Unknown");
      for (const [p, el] of c.pathEls) setBadge(el, pathStatus(store, name, p));
      for (const [md, el] of c.mirrorEls) {
        const m = store.mirrors.get(md);
        const mine = m && m.servers.get(name);
        setBadge(el.st, mine ? mine.status : "Unknown");
        const text = mine ? `${mine.color}${mine.latest ? " latest" : ""}` : "";
        setText(el.color, text);
        el.color.className = `mcolor c-${mine ? String(mine.color).toLowerCase() : "none"}`;
      }
    }
  }
}

/** Groups: status, current server, the resource graph, group and resource operations. */
export class GroupsView {
  constructor(root, act) {
    this.root = root;
    this.act = act;
    this.cards = new Map();
  }

  build(config) {
    this.cards.clear();
    this.root.replaceChildren();
    for (const g of config.groups) {
      const status = badge("Unknown", "status");
      const current = h("span", { class: "current", text: "None" });
      const target = h("select", { class: "target", title: "target server" }, h("option", { value: "", text: "(default)" }));
      for (const s of g.servers) target.append(h("option", { value: s, text: s }));
      const entry = { card: null, status, current, graph: null, selected: null, resBar: null, g };
      const resName = h("b", { class: "res-name" });
      const resStatus = badge("Unknown", "res-status small");
      const resTarget = h("select", { class: "res-target", title: "target server" }, h("option", { value: "", text: "(default)" }));
      for (const s of g.servers) resTarget.append(h("option", { value: s, text: s }));
      const resBar = h(
        "div",
        { class: "res-actions", hidden: true },
        resName,
        resStatus,
        resTarget,
        opButton("Start", () => this.act({ what: "resource", op: "start", resource: entry.selected, target: resTarget.value })),
        opButton("Stop", () => this.act({ what: "resource", op: "stop", resource: entry.selected })),
        opButton("×", () => this.select(entry, null), "close"),
      );
      Object.assign(entry, { resBar, resName, resStatus });
      entry.graph = drawGraph(g.resources, (name) => this.select(entry, entry.selected === name ? null : name));
      const run = (op) => () => this.act({ what: "group", op, group: g.name, target: target.value });
      entry.card = h(
        "article",
        { class: "card group", "data-name": g.name },
        h("header", {}, h("span", { class: "name", text: g.name, title: g.name }), status),
        h("div", { class: "meta" }, "on ", current),
        h("div", { class: "graph-box" }, entry.graph.svg),
        resBar,
        h(
          "div",
          { class: "actions" },
          target,
          opButton("Start", run("start")),
          opButton("Stop", run("stop")),
          opButton("Move", run("move")),
        ),
      );
      this.root.append(entry.card);
      this.cards.set(g.name, entry);
    }
  }

  select(entry, name) {
    entry.selected = name;
    entry.resBar.hidden = !name;
    if (name) setText(entry.resName, name);
    if (this.lastStore) this.updateOne(entry, this.lastStore);
  }

  updateOne(entry, store) {
    const info = store.groups.get(entry.g.name) || { status: "Unknown", current: "None" };
    setBadge(entry.status, info.status);
    setText(entry.current, info.current || "None");
    for (const [name, node] of entry.graph.nodes) {
      updateNode(node, name, store.resources.get(name), entry.selected === name);
    }
    if (entry.selected) {
      const r = store.resources.get(entry.selected);
      setBadge(entry.resStatus, r ? r.status : "Unknown");
    }
  }

  update(store) {
    this.lastStore = store;
    for (const entry of this.cards.values()) this.updateOne(entry, store);
  }
}

/** Monitors: overall status and per-server status with suspend/resume per server. */
export class MonitorsView {
  constructor(root, act) {
    this.root = root;
    this.act = act;
    this.rows = new Map();
  }

  build(config) {
    this.rows.clear();
    this.root.replaceChildren();
    for (const m of config.monitors) {
      const status = badge("Unknown", "status");
      const chips = h("div", { class: "per-server" });
      const row = h(
        "div",
        { class: "monitor", "data-name": m.name },
        h("div", { class: "mhead" }, h("span", { class: "name", text: m.name, title: m.name }), h("span", { class: "type", text: m.type + (m.target ? ` → ${m.target}` : "") }), status),
        chips,
      );
      this.root.append(row);
      const entry = { row, status, chips, per: new Map(), m };
      for (const s of m.servers) this.chip(entry, s);
      this.rows.set(m.name, entry);
    }
  }

  chip(entry, server) {
    const st = badge("Unknown", "small");
    const btn = h("button", { type: "button", class: "toggle", text: "Suspend" });
    btn.addEventListener("click", () => {
      const op = btn.dataset.op || "suspend";
      this.act({ what: "monitor", op, monitor: entry.m.name, target: server });
    });
    const chip = h("span", { class: "chip", "data-server": server }, h("span", { class: "sname", text: server }), st, btn);
    entry.chips.append(chip);
    const c = { chip, st, btn };
    entry.per.set(server, c);
    return c;
  }

  update(store) {
    for (const [name, entry] of this.rows) {
      const info = store.monitors.get(name);
      setBadge(entry.status, info ? info.status : "Unknown");
      if (!info) continue;
      for (const [server, st] of info.servers) {
        const c = entry.per.get(server) || this.chip(entry, server);
        setBadge(c.st, st);
        const op = st === "Suspend" ? "resume" : "suspend";
        if (c.btn.dataset.op !== op) {
          c.btn.dataset.op = op;
          c.btn.textContent = op === "resume" ? "Resume" : "Suspend";
        }
      }
    }
  }
}
