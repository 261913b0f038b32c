// The timeline: the last minutes of virtual time as one status band per server, group
// and monitor, with a lane of fault spans and a mark at each injection and heal. Bands
// are what the answering server knew (GET /sim/v1/history), so a crashed server's
// group stays Online until the heartbeat timeout, as /api/v1 says. The axis shows
// times of day on the cluster's calendar. Drawn on a canvas so 100+ rows redraw
// cheaply on every animation frame.

import { fmtDate, fmtTimeOfDay, unixMs } from "./calendar.js";

export const STATUS_COLORS = {
  Online: "#2f9e58",
  Normal: "#2f9e58",
  "Online Pending": "#e2b428",
  "Offline Pending": "#c9a23a",
  Caution: "#f08c00",
  Error: "#d9363e",
  "Online Failure": "#d9363e",
  "Offline Failure": "#b3262d",
  Offline: "#8b93a1",
  Suspend: "#7b61d9",
  Unknown: "#c7ccd4",
  Unused: "#dde1e6",
};

const ROW_H = 13;
const LABEL_W = 96;
const AXIS_H = 16;
const FAULT_LANE_H = 12;

/** Geometry of the last drawing, for `describeAt`. */
let last = null;

/** A tick's label: the time of day (without seconds for minute steps). */
function fmtAxis(ms, step) {
  const t = fmtTimeOfDay(ms, false);
  return step >= 60000 ? t.slice(0, 5) : t;
}

function niceStep(spanMs, px) {
  const target = spanMs / Math.max(1, px / 90);
  const steps = [1e3, 2e3, 5e3, 1e4, 15e3, 3e4, 6e4, 12e4, 3e5, 6e5, 9e5, 18e5, 36e5, 72e5];
  return steps.find((s) => s >= target) || steps[steps.length - 1];
}

/**
 * Draws rows [{key, label}] from `history` (key -> [[t, status]...]) and fault spans
 * into `canvas`, covering [now - windowMs, now].
 */
export function drawTimeline(canvas, { rows, history, faults, now, windowMs }) {
  const dpr = window.devicePixelRatio || 1;
  const cssW = canvas.parentElement.clientWidth || 600;
  const lanes = layoutFaults(faults, now, windowMs);
  const laneCount = Math.max(1, lanes.length);
  const cssH = AXIS_H + laneCount * FAULT_LANE_H + 4 + rows.length * ROW_H + 2;
  if (canvas.width !== Math.round(cssW * dpr) || canvas.height !== Math.round(cssH * dpr)) {
    canvas.width = Math.round(cssW * dpr);
    canvas.height = Math.round(cssH * dpr);
    canvas.style.width = cssW + "px";
    canvas.style.height = cssH + "px";
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, cssW, cssH);
  ctx.font = "10px system-ui, sans-serif";
  ctx.textBaseline = "middle";

  // Early in a run the window starts at 0 so time flows from the left edge.
  const start = Math.max(0, now - windowMs);
  const end = start + windowMs;
  const plotW = Math.max(10, cssW - LABEL_W - 4);
  const x = (t) => LABEL_W + ((t - start) / windowMs) * plotW;

  // Axis with virtual-time ticks.
  ctx.fillStyle = "#5b6472";
  ctx.strokeStyle = "#e3e6ea";
  const step = niceStep(windowMs, plotW);
  // Ticks on round times of day, wherever the epoch falls.
  const offset = unixMs(0) % step;
  for (let t = Math.ceil((start + offset) / step) * step - offset; t <= end; t += step) {
    const xx = x(t);
    ctx.beginPath();
    ctx.moveTo(xx, AXIS_H - 3);
    ctx.lineTo(xx, cssH);
    ctx.stroke();
    ctx.fillText(fmtAxis(t, step), xx + 2, AXIS_H / 2);
  }
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, LABEL_W - 2, AXIS_H - 2);
  ctx.fillStyle = "#5b6472";
  ctx.fillText(fmtDate(start), 4, AXIS_H / 2); // the date at the window's left edge
  ctx.fillText("faults", 4, AXIS_H + FAULT_LANE_H / 2);

  // Fault lane(s): one bar per fault while active.
  const top = AXIS_H;
  lanes.forEach((lane, li) => {
    for (const f of lane) {
      const x1 = Math.max(LABEL_W, x(f.start));
      const x2 = Math.min(LABEL_W + plotW, x(f.end === null ? now : Math.min(f.end, now)));
      const y = top + li * FAULT_LANE_H + 1;
      ctx.fillStyle = "rgba(217,54,62,0.75)";
      ctx.fillRect(x1, y, Math.max(2, x2 - x1), FAULT_LANE_H - 2);
      ctx.save();
      ctx.beginPath();
      ctx.rect(x1, y, Math.max(2, x2 - x1), FAULT_LANE_H - 2);
      ctx.clip();
      ctx.fillStyle = "#fff";
      ctx.fillText(f.label, x1 + 3, y + (FAULT_LANE_H - 2) / 2);
      ctx.restore();
    }
  });
  const bandsTop = top + laneCount * FAULT_LANE_H + 4;
  last = { rows, history, lanes, now, start, windowMs, plotW, bandsTop };

  // Status bands.
  rows.forEach((row, i) => {
    const y = bandsTop + i * ROW_H;
    ctx.fillStyle = i % 2 ? "#f6f7f9" : "#fff";
    ctx.fillRect(0, y, cssW, ROW_H);
    ctx.fillStyle = "#2b313b";
    ctx.fillText(row.label.length > 16 ? row.label.slice(0, 15) + "…" : row.label, 4, y + ROW_H / 2);
    const h = history.get(row.key) || [];
    for (let j = 0; j < h.length; j++) {
      const t1 = h[j][0];
      const t2 = j + 1 < h.length ? h[j + 1][0] : now;
      if (t2 < start || t1 > now) continue;
      const x1 = Math.max(LABEL_W, x(t1));
      const x2 = Math.min(LABEL_W + plotW, x(t2));
      ctx.fillStyle = STATUS_COLORS[h[j][1]] || "#c7ccd4";
      ctx.fillRect(x1, y + 2, Math.max(1, x2 - x1), ROW_H - 4);
    }
  });

  // The present.
  ctx.strokeStyle = "#1d2733";
  ctx.beginPath();
  ctx.moveTo(x(now), AXIS_H - 3);
  ctx.lineTo(x(now), cssH);
  ctx.stroke();

  // Fault marks across every band: red at injection, green at heal.
  for (const f of faults) {
    for (const [t, color] of [[f.start, "#d9363e"], [f.end, "#2f9e58"]]) {
      if (t === null || t === undefined || t < start || t > now) continue;
      ctx.strokeStyle = color;
      ctx.setLineDash([3, 2]);
      ctx.beginPath();
      ctx.moveTo(x(t), AXIS_H);
      ctx.lineTo(x(t), cssH);
      ctx.stroke();
      ctx.setLineDash([]);
    }
  }
}

/** Packs fault spans visible in the window into as few lanes as possible. */
function layoutFaults(faults, now, windowMs) {
  const start = Math.max(0, now - windowMs);
  const visible = faults
    .filter((f) => (f.end === null || f.end >= start) && f.start <= now)
    .sort((a, b) => a.start - b.start);
  const lanes = [];
  for (const f of visible) {
    const end = f.end === null ? now : f.end;
    let lane = lanes.find((l) => l.lastEnd < f.start);
    if (!lane) {
      if (lanes.length >= 4) lane = lanes[lanes.length - 1];
      else lanes.push((lane = { items: [], lastEnd: -Infinity }));
    }
    lane.items.push(f);
    lane.lastEnd = Math.max(lane.lastEnd, end);
  }
  return lanes.map((l) => l.items);
}

/** Canvas point (CSS pixels) of row `key` at virtual time `t` in the last drawing, or null. */
export function pointFor(key, t) {
  if (!last) return null;
  const i = last.rows.findIndex((r) => r.key === key);
  if (i < 0 || t < last.start || t > last.now) return null;
  return { x: LABEL_W + ((t - last.start) / last.windowMs) * last.plotW, y: last.bandsTop + i * ROW_H + ROW_H / 2 };
}

/** What is under canvas point (x, y) in CSS pixels, as a line of text, or null. */
export function describeAt(x, y) {
  if (!last || x < LABEL_W) return null;
  const t = last.start + ((x - LABEL_W) / last.plotW) * last.windowMs;
  if (t > last.now) return null;
  const at = fmtTimeOfDay(t);
  if (y >= AXIS_H && y < last.bandsTop - 4) {
    const lane = last.lanes[Math.floor((y - AXIS_H) / FAULT_LANE_H)] || [];
    const f = lane.find((f) => f.start <= t && (f.end === null || f.end >= t));
    return f ? `#${f.id} ${f.label} (${fmtTimeOfDay(f.start)}–${f.end === null ? "now" : fmtTimeOfDay(f.end)})` : null;
  }
  const row = last.rows[Math.floor((y - last.bandsTop) / ROW_H)];
  if (!row || y < last.bandsTop) return null;
  const h = last.history.get(row.key) || [];
  let i = h.length - 1;
  while (i >= 0 && h[i][0] > t) i--;
  if (i < 0) return `${row.label} at ${at}: no status known yet`;
  const until = i + 1 < h.length ? fmtTimeOfDay(h[i + 1][0]) : "now";
  const on = h[i][2] && h[i][2] !== "None" ? ` on ${h[i][2]}` : "";
  return `${row.label}: ${h[i][1]}${on} from ${fmtTimeOfDay(h[i][0])} to ${until}`;
}
