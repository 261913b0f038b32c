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
  const chosen = chosenCluster();
  picker.replaceChildren(
    ...list.map((c, i) => {
      const o = document.createElement("option");
      o.value = i === 0 ? "" : c.name;
      o.textContent = pickerLabel(c);
      if (c.holder) o.dataset.holder = c.holder;
      o.selected = (chosen || "") === o.value || chosen === c.name;
      return o;
    }),
  );
  picker.hidden = false;
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
