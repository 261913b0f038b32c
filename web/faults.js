// The fault panel: one form per fault kind of `POST /sim/v1/faults`, built from the
// cluster's names so every field is a choice rather than free text.

import { h } from "./views.js";

/** Fields of each kind, as in the engine's `FaultKind` (src/sim/input.rs). */
export const FAULT_KINDS = {
  "server-crash": [{ name: "server", from: "servers" }],
  "server-hang": [{ name: "server", from: "servers" }],
  "heartbeat-path-down": [
    { name: "server", from: "servers" },
    { name: "path", from: "paths" },
  ],
  partition: [{ name: "sides", special: "sides" }, { name: "paths", special: "paths" }, { name: "oneway", special: "bool" }],
  "resolver-target-down": [{ name: "resolver", from: "resolvers" }],
  "monitor-result": [
    { name: "monitor", from: "monitors" },
    { name: "server", from: "servers", optional: "every server" },
    { name: "result", choices: ["error", "caution", "timeout"] },
  ],
  "activation-failure": [
    { name: "resource", from: "resources" },
    { name: "server", from: "servers" },
    { name: "times", special: "times" },
  ],
  "deactivation-failure": [
    { name: "resource", from: "resources" },
    { name: "server", from: "servers" },
    { name: "times", special: "times" },
  ],
  "resource-failure": [
    { name: "resource", from: "resources" },
    { name: "server", from: "servers" },
  ],
  "mirror-connect-down": [
    { name: "connect", from: "connects" },
    { name: "server", from: "servers", optional: "every server" },
  ],
};

function select(name, options, optionalLabel) {
  const s = h("select", { name, id: `fault-${name}` });
  if (optionalLabel) s.append(h("option", { value: "", text: `(${optionalLabel})` }));
  for (const o of options) s.append(h("option", { value: o, text: o }));
  return s;
}

/** The choices of the cluster by category, from the normalized config. */
export function choices(config) {
  return {
    servers: config.servers.map((s) => s.name),
    paths: config.paths.map((p) => p.name),
    resolvers: config.resolvers.map((r) => r.name),
    monitors: config.monitors.map((m) => m.name),
    resources: config.groups.flatMap((g) => g.resources.map((r) => r.name)),
    connects: config.connects || [],
  };
}

/** Fills `container` with the inputs of `kind`. */
export function buildFields(container, kind, config) {
  container.replaceChildren();
  const c = choices(config);
  for (const f of FAULT_KINDS[kind] || []) {
    if (f.special === "sides") {
      container.append(sidesTable(c));
    } else if (f.special === "paths") {
      const box = h("fieldset", { class: "checks", "data-field": "paths" }, h("legend", { text: "paths (none = all)" }));
      for (const p of c.paths) {
        box.append(h("label", {}, h("input", { type: "checkbox", value: p }), " " + p));
      }
      container.append(box);
    } else if (f.special === "bool") {
      container.append(h("label", { class: "inline" }, h("input", { type: "checkbox", name: f.name, id: `fault-${f.name}` }), " one-way (first side to the others)"));
    } else if (f.special === "times") {
      container.append(
        h("label", {}, "times ", h("input", { type: "number", name: "times", id: "fault-times", min: "0", placeholder: "1 (0 = always)" })),
      );
    } else {
      const opts = f.choices || c[f.from] || [];
      container.append(h("label", {}, f.name + " ", select(f.name, opts, f.optional)));
    }
  }
}

/** A side (A, B or out) for each server and resolver of a partition. */
function sidesTable(c) {
  const box = h("fieldset", { class: "sides", "data-field": "sides" }, h("legend", { text: "sides" }));
  const grid = h("div", { class: "sides-grid" });
  c.servers.forEach((s, i) => grid.append(sideChoice(s, i === 0 ? "A" : "B")));
  c.resolvers.forEach((r) => grid.append(sideChoice(r, "-")));
  box.append(grid);
  return box;
}

function sideChoice(name, initial) {
  const s = h("select", { "data-name": name });
  for (const v of ["A", "B", "-"]) s.append(h("option", { value: v, text: v === "-" ? "out" : v }));
  s.value = initial;
  return h("label", { class: "side" }, s, " " + name);
}

/**
 * Reads the form into a fault object for the API, or throws an Error with a message
 * for the user. `now` converts the delay into the absolute `at_ms`.
 */
export function readFault(kind, container, { delayS, durationS, now }) {
  const fault = { kind };
  for (const f of FAULT_KINDS[kind] || []) {
    if (f.special === "sides") {
      const a = [];
      const b = [];
      container.querySelectorAll(".sides select").forEach((s) => {
        if (s.value === "A") a.push(s.dataset.name);
        if (s.value === "B") b.push(s.dataset.name);
      });
      if (!a.length || !b.length) throw new Error("A partition needs at least one name on each side.");
      fault.sides = [a, b];
    } else if (f.special === "paths") {
      const ps = [...container.querySelectorAll('[data-field="paths"] input:checked')].map((i) => i.value);
      if (ps.length) fault.paths = ps;
    } else if (f.special === "bool") {
      const i = container.querySelector(`input[name="${f.name}"]`);
      if (i && i.checked) fault[f.name] = true;
    } else if (f.special === "times") {
      const i = container.querySelector('input[name="times"]');
      if (i && i.value !== "") {
        const n = Number(i.value);
        if (!Number.isInteger(n) || n < 0) throw new Error("times must be a whole number, 0 or more.");
        fault.times = n;
      }
    } else {
      const s = container.querySelector(`select[name="${f.name}"]`);
      const v = s ? s.value : "";
      if (v) fault[f.name] = v;
      else if (!f.optional) throw new Error(`Choose a ${f.name}.`);
    }
  }
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
