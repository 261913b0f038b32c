// The event and alert log, newest first, each entry at its time of day on the
// cluster's calendar: the product's alert text where the event has
// one, the event kind and objects otherwise, and the engine's explanation (`reason`) of
// failovers and recovery actions on its own line. Appends in batches (one per frame) and
// keeps a bounded number of rows in the DOM.

import { h } from "./views.js";
import { fmtTimeOfDay, fmtDateTime, fmtElapsed } from "./calendar.js";

const MAX_ROWS = 600;
/** At most this many rows are added per frame; the rest of a burst is summarized. */
const MAX_PER_FRAME = 200;

function level(ev) {
  const l = String(ev.level || "").toLowerCase();
  if (l.startsWith("err")) return "error";
  if (l.startsWith("warn")) return "warning";
  if (l) return "info";
  return "event";
}

/** A one-line text for an event without an alert message: `kind subject on server: status`. */
export function describe(ev) {
  if (inlineReason(ev)) {
    if (ev.kind === "operation") return `operation ${operationText(ev.reason)}`;
    return `${ev.kind} #${ev.fault}: ${ev.reason}`;
  }
  const subject = ev.resource || ev.group || ev.monitor || ev.path || ev.resolver;
  const parts = [ev.kind];
  if (subject) parts.push(subject);
  if (ev.server) parts.push(subject ? `on ${ev.server}` : ev.server);
  if (ev.peer) parts.push(`(peer ${ev.peer})`);
  if (ev.fault !== undefined) parts.push(`fault #${ev.fault}`);
  return parts.join(" ") + (ev.status ? `: ${ev.status}` : "");
}

/**
 * Fault and operation events carry a description of the input, not an explanation:
 * it goes into the line itself rather than a "why:" line.
 */
function inlineReason(ev) {
  const k = ev.kind || "";
  return !!ev.reason && (k.startsWith("fault-") || k === "operation");
}

/** `{"op":"group-move","group":"failover1","target":"server2"}` -> `group-move failover1 target=server2`. */
function operationText(reason) {
  try {
    const o = JSON.parse(reason);
    if (o && typeof o === "object" && o.op) {
      const rest = Object.entries(o)
        .filter(([k]) => k !== "op")
        .map(([k, v]) => (["group", "resource", "monitor", "server"].includes(k) ? String(v) : `${k}=${v}`));
      return [o.op, ...rest].join(" ");
    }
  } catch {
    /* not JSON: show as is */
  }
  return reason;
}

export class LogView {
  constructor(list, { alertsOnly, filter, count }) {
    this.list = list;
    this.alertsOnly = alertsOnly;
    this.filter = filter;
    this.count = count;
    this.pending = [];
    alertsOnly.addEventListener("change", () => this.applyFilter());
    filter.addEventListener("input", () => this.applyFilter());
  }

  clear() {
    this.pending = [];
    this.list.replaceChildren();
  }

  /** Queues events; `flush` (called once per animation frame) renders them. */
  push(ev) {
    this.pending.push(ev);
  }

  flush() {
    if (!this.pending.length) return;
    let batch = this.pending;
    this.pending = [];
    const frag = document.createDocumentFragment();
    let note = null;
    if (batch.length > MAX_PER_FRAME) {
      // Keep the newest events and, from the rest of the burst, alerts and explanations.
      const half = MAX_PER_FRAME / 2;
      const tail = batch.slice(-half);
      const head = batch.slice(0, -half).filter((e) => e.message || e.reason).slice(-half);
      const skipped = batch.length - tail.length - head.length;
      note = { at: head.length, skipped };
      batch = head.concat(tail);
    }
    batch.forEach((ev, i) => {
      if (note && i === note.at) {
        frag.prepend(h("li", { class: "entry skipped", text: `… ${note.skipped} events not shown (burst); GET /sim/v1/events has them all` }));
      }
      frag.prepend(this.row(ev));
    });
    this.list.prepend(frag);
    while (this.list.childElementCount > MAX_ROWS) this.list.lastElementChild.remove();
    const last = batch[batch.length - 1];
    if (this.count && last) this.count.textContent = `seq ${last.seq ?? "?"}`;
  }

  row(ev) {
    const lvl = level(ev);
    const li = h(
      "li",
      {
        class: `entry lvl-${lvl}`,
        "data-kind": ev.kind || "",
        "data-group": ev.group,
        "data-seq": ev.seq,
      },
      // Time of day on the cluster's calendar; the date and t+ elapsed on hover.
      h("span", { class: "t", text: ev.time ? ev.time.slice(11, 23) : fmtTimeOfDay(ev.t_ms), title: `${ev.time || fmtDateTime(ev.t_ms)} (t+${fmtElapsed(ev.t_ms)})` }),
      h("span", { class: "src", text: ev.module ? `${ev.module} ${ev.id ?? ""}` : ev.kind || "", title: ev.kind || "" }),
      h("span", { class: "msg", text: ev.message || describe(ev) }),
    );
    if (ev.message) li.dataset.alert = "1";
    if (ev.reason && !inlineReason(ev)) {
      li.classList.add("has-reason");
      li.append(h("div", { class: "reason", text: "why: " + ev.reason }));
    }
    if (this.hidden(li)) li.hidden = true;
    return li;
  }

  hidden(li) {
    if (this.alertsOnly.checked && !li.dataset.alert && !li.classList.contains("has-reason")) return true;
    const f = this.filter.value.trim().toLowerCase();
    return f ? !li.textContent.toLowerCase().includes(f) : false;
  }

  applyFilter() {
    for (const li of this.list.children) li.hidden = this.hidden(li);
  }
}
