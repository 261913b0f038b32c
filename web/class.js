// The instructor's page (#26): every cluster of the fleet with its holder, exercise,
// goals met, time left and newest alert (GET /sim/v1/class, the admin only), a link to
// each cluster's dashboard, and the grades as CSV and JUnit.

import * as api from "./api.js";
import { fmtLeft } from "./exercise.js";

const $ = (id) => document.getElementById(id);
const POLL_MS = 3000;

function cell(text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

function row(r) {
  const tr = document.createElement("tr");
  tr.dataset.cluster = r.cluster;
  const goals = r.exercise ? `${r.met} / ${r.total}${r.passed ? " ✔" : ""}` : "";
  const left = r.exercise ? (r.finished ? "finished" : fmtLeft(r.time_left_ms)) : "";
  const link = document.createElement("a");
  link.href = r.dashboard;
  link.textContent = "dashboard";
  link.target = "_blank";
  const open = document.createElement("td");
  open.append(link);
  tr.append(
    cell(r.cluster),
    cell(r.holder || ""),
    cell(r.exercise || "—"),
    cell(goals, r.passed ? "passed" : ""),
    cell(left),
    cell(r.last_alert || ""),
    open,
  );
  return tr;
}

async function download(format, link) {
  const text = await api.getText(`/sim/v1/class?format=${format}`);
  link.href = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
}

async function refresh() {
  const rows = await api.get("/sim/v1/class");
  $("class-rows").replaceChildren(...rows.map(row));
}

async function signIn(user, password) {
  api.setCredentials(user, password);
  try {
    await refresh();
  } catch (err) {
    api.clearCredentials();
    throw err;
  }
  $("login").hidden = true;
  await download("csv", $("export-csv"));
  await download("junit", $("export-junit"));
  setInterval(() => refresh().catch(() => {}), POLL_MS);
}

$("login-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  try {
    await signIn($("login-user").value, $("login-password").value);
  } catch (err) {
    $("login-error").textContent = err.message;
  }
});

const saved = api.storedCredentials();
if (saved) signIn(saved.user, saved.password).catch(() => {});
