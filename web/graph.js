// A group's resources as their dependency graph: a layered SVG drawing where each
// resource sits one column right of the deepest resource it depends on, so activation
// order reads left to right. Layout is computed once per group; status updates only
// change classes.

const SVG = "http://www.w3.org/2000/svg";
const NODE_W = 84;
const NODE_H = 24;
const GAP_X = 18;
const GAP_Y = 8;
const PAD = 4;

function el(name, attrs) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}

/** Column of each resource: 0 for no dependencies, else 1 + the deepest dependency. */
export function layers(resources) {
  const byName = new Map(resources.map((r) => [r.name, r]));
  const depth = new Map();
  const visiting = new Set();
  const visit = (r) => {
    if (depth.has(r.name)) return depth.get(r.name);
    if (visiting.has(r.name)) return 0; // a cycle is a config error; draw it flat
    visiting.add(r.name);
    let d = 0;
    for (const dep of r.depends_on || []) {
      const o = byName.get(dep);
      if (o) d = Math.max(d, visit(o) + 1);
    }
    visiting.delete(r.name);
    depth.set(r.name, d);
    return d;
  };
  resources.forEach(visit);
  return depth;
}

function short(name, max) {
  return name.length > max ? name.slice(0, max - 1) + "…" : name;
}

/**
 * Draws the graph; returns {svg, nodes} where nodes maps a resource name to its <g>.
 * `onSelect(name)` is called when a node is clicked.
 */
export function drawGraph(resources, onSelect) {
  const depth = layers(resources);
  const columns = [];
  for (const r of resources) {
    const d = depth.get(r.name) || 0;
    (columns[d] = columns[d] || []).push(r);
  }
  const rows = Math.max(1, ...columns.map((c) => (c ? c.length : 0)));
  const width = PAD * 2 + Math.max(1, columns.length) * (NODE_W + GAP_X) - GAP_X;
  const height = PAD * 2 + rows * (NODE_H + GAP_Y) - GAP_Y;
  const svg = el("svg", {
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    class: "graph",
    role: "img",
    "aria-label": "resource dependency graph",
  });
  // Never scaled down: a wide graph scrolls inside its card so node labels stay legible.
  const pos = new Map();
  columns.forEach((col, ci) => {
    if (!col) return;
    // Center shorter columns vertically so edges stay short.
    const offset = ((rows - col.length) * (NODE_H + GAP_Y)) / 2;
    col.forEach((r, ri) => {
      pos.set(r.name, { x: PAD + ci * (NODE_W + GAP_X), y: PAD + offset + ri * (NODE_H + GAP_Y) });
    });
  });
  const edges = el("g", { class: "edges" });
  for (const r of resources) {
    const to = pos.get(r.name);
    for (const dep of r.depends_on || []) {
      const from = pos.get(dep);
      if (!from || !to) continue;
      const x1 = from.x + NODE_W;
      const y1 = from.y + NODE_H / 2;
      const x2 = to.x;
      const y2 = to.y + NODE_H / 2;
      const mx = (x1 + x2) / 2;
      edges.appendChild(el("path", { d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2 - 3},${y2}`, class: "edge" }));
      edges.appendChild(el("path", { d: `M${x2 - 6},${y2 - 3} L${x2},${y2} L${x2 - 6},${y2 + 3} Z`, class: "arrow" }));
    }
  }
  svg.appendChild(edges);
  const nodes = new Map();
  for (const r of resources) {
    const p = pos.get(r.name);
    const g = el("g", { class: "node", transform: `translate(${p.x},${p.y})`, "data-resource": r.name, tabindex: "0" });
    const title = el("title");
    g.appendChild(title);
    g.appendChild(el("rect", { width: NODE_W, height: NODE_H, rx: 4 }));
    const text = el("text", { x: 6, y: 10, class: "name" });
    text.textContent = short(r.name, 14);
    const sub = el("text", { x: 6, y: 20, class: "sub" });
    sub.textContent = r.type;
    g.appendChild(text);
    g.appendChild(sub);
    g.addEventListener("click", () => onSelect(r.name));
    g.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") onSelect(r.name);
    });
    svg.appendChild(g);
    nodes.set(r.name, { g, title, sub, type: r.type });
  }
  return { svg, nodes };
}

/** Sets a node's status class, status line and tooltip (which names the type too). */
export function updateNode(node, name, info, selected) {
  const status = (info && info.status) || "Unknown";
  const cls = "node st-" + statusClass(status) + (selected ? " selected" : "");
  if (node.g.getAttribute("class") !== cls) node.g.setAttribute("class", cls);
  const sub = status;
  if (node.sub.textContent !== sub) node.sub.textContent = sub;
  const tip = `${name} (${node.type}): ${status}${info && info.current && info.current !== "None" ? " on " + info.current : ""}`;
  if (node.title.textContent !== tip) node.title.textContent = tip;
}

/** CSS class suffix for a product status string: `Online Pending` -> `online-pending`. */
export function statusClass(status) {
  return String(status || "unknown").toLowerCase().replace(/\s+/g, "-");
}
