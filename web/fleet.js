// The cluster picker: when `serve` hosts a fleet, lists its clusters (GET
// /sim/v1/clusters, with each one's status and, when a Cello pool lends it out, who
// holds it) and switches the whole dashboard to the chosen one. The choice lives in the URL (`#cluster=NAME`); api.js then sends every
// call through `/sim/v1/clusters/NAME/...` (its control API and `.../api/v1`).

import * as api from "./api.js";

const $ = (id) => document.getElementById(id);

/** The cluster named in the URL, or null (the listener's own cluster). */
export function chosenCluster() {
  const m = /(?:^|[#&])cluster=([^&]+)/.exec(location.hash);
  return m ? decodeURIComponent(m[1]) : null;
}

/** A cluster's line in the picker: `name — status`, and its holder when lent out. */
export function pickerLabel(c) {
  const held = typeof c.holder === "string" && c.holder ? ` — held by ${c.holder}` : "";
  return `${c.name} — ${c.status}${held}`;
}

/** Fills the picker; hidden while the fleet has a single cluster. */
export async function refreshPicker() {
  const picker = $("cluster-picker");
  if (!picker) return;
  let list;
  try {
    list = await api.get("/sim/v1/clusters", { direct: true });
  } catch {
    return;
  }
  if (!Array.isArray(list) || list.length < 2) {
    picker.hidden = true;
    return;
  }
  picker.replaceChildren(...pickerOptions(list, chosenCluster()).map(optionElement));
  picker.hidden = false;
}

/**
 * The picker's options: first this port's own cluster (value "", the listener's
 * `/sim/v1`; the list marks it `own`), then every other cluster by name. `selected`
 * is the one the page shows.
 */
export function pickerOptions(list, chosen) {
  const own = list.find((c) => c.own);
  const others = list.filter((c) => c !== own);
  const opts = [];
  if (own) opts.push({ value: "", label: pickerLabel(own), holder: own.holder, name: own.name });
  for (const c of others) opts.push({ value: c.name, label: pickerLabel(c), holder: c.holder, name: c.name });
  for (const o of opts) o.selected = chosen ? o.name === chosen : o.value === "";
  return opts;
}

function optionElement(opt) {
  const o = document.createElement("option");
  o.value = opt.value;
  o.textContent = opt.label;
  if (opt.holder) o.dataset.holder = opt.holder;
  o.selected = opt.selected;
  return o;
}

export function initPicker() {
  const picker = $("cluster-picker");
  if (!picker) return;
  api.setCluster(chosenCluster());
  picker.addEventListener("change", () => {
    location.hash = picker.value ? `cluster=${encodeURIComponent(picker.value)}` : "";
    location.reload();
  });
  picker.addEventListener("focus", refreshPicker);
}
