// The cluster's calendar: virtual time 0 is `settings.epoch` (`--epoch`), which
// GET /sim/v1/clock reports beside `time`, as the event log's `time` sits beside `t_ms`.
// Dates are shown in UTC, as the API writes them.

let epochMs = 0;
let epochText = "1970-01-01T00:00:00Z";

/** Sets the epoch (an ISO 8601 date, as the server gives it); ignores unreadable text. */
export function setEpoch(iso) {
  const ms = Date.parse(iso);
  if (typeof iso === "string" && Number.isFinite(ms)) {
    epochMs = ms;
    epochText = iso;
  }
}

export function epoch() {
  return epochText;
}

/** Unix ms of virtual time `tMs` (to align ticks to the calendar). */
export function unixMs(tMs) {
  return epochMs + tMs;
}

const pad = (n, w = 2) => String(n).padStart(w, "0");

function parts(tMs) {
  const d = new Date(epochMs + Math.max(0, Math.floor(tMs || 0)));
  return {
    date: `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`,
    time: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`,
    ms: pad(d.getUTCMilliseconds(), 3),
  };
}

/** `2026-01-01 09:30:00.000`: date and time of day of virtual time `tMs`. */
export function fmtDateTime(tMs) {
  const p = parts(tMs);
  return `${p.date} ${p.time}.${p.ms}`;
}

/** `2026-01-01`. */
export function fmtDate(tMs) {
  return parts(tMs).date;
}

/** `09:30:00.000` (or `09:30:00` without milliseconds). */
export function fmtTimeOfDay(tMs, withMs = true) {
  const p = parts(tMs);
  return withMs ? `${p.time}.${p.ms}` : p.time;
}

/** Virtual time since t=0 as `h:mm:ss.mmm` (hours only when needed). */
export function fmtElapsed(ms) {
  ms = Math.max(0, Math.floor(ms || 0));
  const s = Math.floor(ms / 1000);
  const hh = Math.floor(s / 3600);
  return `${hh ? hh + ":" : ""}${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}.${pad(ms % 1000, 3)}`;
}
