// Forms for fault kinds and operations, built from GET /sim/v1/vocabulary (the engine's
// own types): each field becomes a choice among the cluster's names when the vocabulary
// says which objects it names, a list for one-of-a-few words, a checkbox for a flag, a
// number for a count. Nothing here knows a particular fault kind or operation.

import { h } from "./views.js";

/** The cluster's names by cluster-file section (the vocabulary's `names`). */
export function choices(config) {
  return {
    servers: config.servers.map((s) => s.name),
    heartbeats: config.paths.map((p) => p.name),
    resolvers: config.resolvers.map((r) => r.name),
    groups: config.groups.map((g) => g.name),
    resources: config.groups.flatMap((g) => g.resources.map((r) => r.name)),
    monitors: config.monitors.map((m) => m.name),
    scripts: config.scripts || [],
    mirror_connects: config.connects || [],
  };
}

const types = (f) => (Array.isArray(f.type) ? f.type : [f.type]);
const isArray = (f) => types(f).includes("array");
const isBool = (f) => types(f).includes("boolean");
const isInt = (f) => types(f).includes("integer") || types(f).includes("number");
/** A partition's sides: lists of names of more than one section. */
const isSides = (f) => isArray(f) && f.items && f.items.type === "array";

function select(name, options, emptyLabel) {
  const s = h("select", { name, id: `form-${name}` });
  if (emptyLabel) s.append(h("option", { value: "", text: `(${emptyLabel})` }));
  for (const o of options) s.append(h("option", { value: o, text: o }));
  return s;
}

/** The names a field may take in this cluster. */
function namesFor(f, c) {
  return (f.names || []).flatMap((section) => c[section] || []);
}

/** Fills `container` with one input per field of `fields` (a vocabulary entry). */
export function buildFields(container, fields, config) {
  container.replaceChildren();
  const c = choices(config);
  for (const f of fields || []) {
    const el = field(f, c);
    el.dataset.field = f.name;
    container.append(el);
  }
}

function field(f, c) {
  const label = f.name.replace(/_/g, " ");
  if (isSides(f)) return sidesTable(f, c);
  if (isArray(f) && f.names) {
    const box = h("fieldset", { class: "checks" }, h("legend", { text: `${label} (none = all)` }));
    for (const n of namesFor(f, c)) box.append(h("label", {}, h("input", { type: "checkbox", value: n }), " " + n));
    return box;
  }
  if (isBool(f)) return h("label", { class: "inline" }, h("input", { type: "checkbox", name: f.name }), " " + label);
  if (f.names || f.enum) {
    const empty = f.required ? null : f.name === "server" ? "every server" : "default";
    return h("label", {}, label + " ", select(f.name, f.names ? namesFor(f, c) : f.enum, empty));
  }
  const attrs = { name: f.name, placeholder: f.required ? "" : "optional" };
  if (isInt(f)) Object.assign(attrs, { type: "number", min: f.minimum ?? "", step: "1" });
  return h("label", {}, label + " ", h("input", attrs));
}

/** A side (A, B or out) for each name a partition may put on a side: the first
 * section's names (servers) start split first-against-the-rest, the others out. */
function sidesTable(f, c) {
  const box = h("fieldset", { class: "sides" }, h("legend", { text: f.name }));
  const grid = h("div", { class: "sides-grid" });
  (f.names || []).forEach((section, si) => {
    (c[section] || []).forEach((n, i) => {
      const s = h("select", { "data-name": n });
      for (const v of ["A", "B", "-"]) s.append(h("option", { value: v, text: v === "-" ? "out" : v }));
      s.value = si > 0 ? "-" : i === 0 ? "A" : "B";
      grid.append(h("label", { class: "side" }, s, " " + n));
    });
  });
  box.append(grid);
  return box;
}

/** Reads `fields` back from `container` into a body object; throws a user message. */
export function readFields(fields, container) {
  const body = {};
  for (const f of fields || []) {
    const el = container.querySelector(`[data-field="${f.name}"]`);
    if (!el) continue;
    const v = readOne(f, el);
    if (v === undefined) {
      if (f.required) throw new Error(`Choose ${f.name.replace(/_/g, " ")}.`);
    } else body[f.name] = v;
  }
  return body;
}

function readOne(f, el) {
  if (isSides(f)) {
    const sides = { A: [], B: [] };
    el.querySelectorAll("select").forEach((s) => sides[s.value] && sides[s.value].push(s.dataset.name));
    if (!sides.A.length || !sides.B.length) throw new Error("A partition needs at least one name on each side.");
    return [sides.A, sides.B];
  }
  if (isArray(f)) {
    const picked = [...el.querySelectorAll("input:checked")].map((i) => i.value);
    return picked.length ? picked : undefined;
  }
  const input = el.querySelector("select, input");
  if (isBool(f)) return input.checked ? true : f.required ? false : undefined;
  if (input.value === "") return undefined;
  if (isInt(f)) {
    const n = Number(input.value);
    if (!Number.isInteger(n) || (typeof f.minimum === "number" && n < f.minimum)) {
      throw new Error(`${f.name} must be a whole number${typeof f.minimum === "number" ? `, ${f.minimum} or more` : ""}.`);
    }
    return n;
  }
  return input.value;
}

/**
 * The fault of `kind` from its form, with its timing: `now` converts the delay (s)
 * into the absolute `at_ms`, the duration (s) becomes `duration_ms`.
 */
export function readFault(kind, fields, container, { delayS, durationS, now }) {
  const fault = { kind, ...readFields(fields, container) };
  const delay = Number(delayS || 0);
  if (!(delay >= 0)) throw new Error("The delay must be 0 or more seconds.");
  if (delay > 0) fault.at_ms = Math.round(now + delay * 1000);
  if (durationS !== "" && durationS !== undefined && durationS !== null) {
    const d = Number(durationS);
    if (!(d > 0)) throw new Error("The duration must be more than 0 seconds (or empty: until healed).");
    fault.duration_ms = Math.round(d * 1000);
  }
  return fault;
}
