// The student's exercise panel (#26): polls GET /sim/v1/exercise (the chosen cluster's)
// and lists its goals as they turn green, the rules, the hints unlocked and the time
// left. Hidden while the cluster has no exercise (`{"exercise": null}`).

import * as api from "./api.js";

const $ = (id) => document.getElementById(id);
const POLL_MS = 2000;
let timer = null;

/** `mm:ss` of a duration in ms. */
export function fmtLeft(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

function item(text, state) {
  const li = document.createElement("li");
  li.className = `goal goal-${state}`;
  li.dataset.state = state;
  li.textContent = text;
  return li;
}

/** Renders a grade (the JSON of GET /sim/v1/exercise) into the panel. */
export function render(g) {
  const panel = $("exercise-panel");
  if (!panel) return;
  panel.hidden = false;
  $("exercise-name").textContent = g.exercise;
  $("exercise-score").textContent = `${g.met} / ${g.total} goals${g.finished ? (g.passed ? " — full marks" : " — time is up") : ""}`;
  $("exercise-left").textContent = g.finished ? "finished" : `${fmtLeft(g.time_left_ms)} left`;
  $("exercise-goals").replaceChildren(...g.goals.map((x) => item(x.text, x.state)));
  $("exercise-rules").replaceChildren(...g.rules.map((x) => item(x.text, x.state)));
  $("exercise-hints").replaceChildren(...g.hints.map((h) => item(h, "hint")));
}

async function poll() {
  const panel = $("exercise-panel");
  try {
    const g = await api.get("/sim/v1/exercise");
    if (g && g.exercise) render(g);
    else if (panel) panel.hidden = true;
  } catch {
    // A transient failure: the next poll tries again.
  }
}

export function startExercise() {
  stopExercise();
  poll();
  timer = setInterval(poll, POLL_MS);
}

export function stopExercise() {
  if (timer) clearInterval(timer);
  timer = null;
}
