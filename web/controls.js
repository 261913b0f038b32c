// The controls that act on the simulation, each through the public endpoint a client
// would use: operations (/api/v1 POSTs), the timeout ratio, the clock (advance, speed,
// reset) and the fault panel (/sim/v1/faults). Every answer is reported to the user.

import * as api from "./api.js";
import { faultLabel, virtualNow } from "./state.js";
import { h } from "./views.js";
import { fmtDateTime, fmtTimeOfDay } from "./calendar.js";
import { buildFields, readFault, readFields } from "./forms.js";

const $ = (id) => document.getElementById(id);
const enc = encodeURIComponent;

const LABELS = {
  cluster: (a) => `cluster ${a.op}`,
  server: (a) => `server ${a.server} ${a.op}`,
  servergroups: (a) => `groups ${a.op} on ${a.target}`,
  group: (a) => `group ${a.group} ${a.op}${a.target ? " → " + a.target : ""}`,
  resource: (a) => `resource ${a.resource} ${a.op}${a.target ? " on " + a.target : ""}`,
  monitor: (a) => `monitor ${a.monitor} ${a.op} on ${a.target}`,
};

/** The REST call of an operation: [path, body]. */
function request(a) {
  switch (a.what) {
    case "cluster":
      return [`/api/v1/cluster/${a.op}`];
    case "server":
      return [`/api/v1/servers/${enc(a.server)}/${a.op}`];
    case "servergroups":
      return [`/api/v1/groups/${a.op}`, { target: a.target }];
    case "group":
      // The reference's group stop takes no target.
      return [`/api/v1/groups/${enc(a.group)}/${a.op}`, a.target && a.op !== "stop" ? { target: a.target } : undefined];
    case "resource":
      return [`/api/v1/resources/${enc(a.resource)}/${a.op}`, a.target && a.op === "start" ? { target: a.target } : undefined];
    case "monitor":
      return [`/api/v1/monitors/${enc(a.monitor)}/${a.op}`, { target: a.target }];
    default:
      return [null];
  }
}

/**
 * Wires every control. `sync` is the page's Sync; `toast(message, kind)` reports;
 * `authLost(err)` handles a 401. Returns `operate` (for the cards) and the renderers.
 */
export function initControls({ sync, toast, authLost }) {
  /** Reports a failed call; a 401 signs out instead. */
  const failed = (what, err) => (err.status === 401 ? authLost(err) : toast(`${what}: ${err.message}`));

  async function call(what, fn, okText) {
    try {
      const r = await fn();
      toast(okText ? okText(r) : `${what}: accepted`, "ok");
      return true;
    } catch (err) {
      failed(what, err);
      return false;
    } finally {
      sync.schedulePoll(0);
    }
  }

  /** Sends one operation to /api/v1 and reports the product's answer. */
  async function operate(a) {
    const [path, body] = request(a);
    if (!path) return;
    await call(LABELS[a.what](a), () => api.post(path, body));
  }

  document.querySelectorAll("[data-cluster-op]").forEach((b) =>
    b.addEventListener("click", () => {
      b.closest("details").open = false;
      operate({ what: "cluster", op: b.dataset.clusterOp });
    }),
  );

  $("toratio-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const ratio = Number($("toratio-ratio").value);
    const time = $("toratio-time").value.trim();
    const body = time ? { ratio, time } : { ratio };
    const what = `timeout ratio ${ratio}${time ? " for " + time : ""}`;
    if (await call(what, () => api.post("/api/v1/cluster/toratio/set", body))) $("toratio-menu").open = false;
  });

  $("toratio-reset").addEventListener("click", async () => {
    if (await call("timeout ratio reset", () => api.post("/api/v1/cluster/toratio/reset"))) $("toratio-menu").open = false;
  });

  // Close an open menu when clicking elsewhere.
  document.addEventListener("click", (e) => {
    document.querySelectorAll("details.menu[open]").forEach((d) => {
      if (!d.contains(e.target)) d.open = false;
    });
  });

  // ------------------------------------------------------------ clock

  async function advance(ms) {
    if (!(ms > 0)) return toast("Advance by a positive amount of time.");
    await call(
      "advance",
      () => api.post("/sim/v1/clock/advance", { ms: Math.round(ms) }),
      (r) => `advanced to ${fmtDateTime(r && r.now_ms)}${r && typeof r.events === "number" ? `, ${r.events} events` : ""}`,
    );
    // The stream brings the events too; this makes sure the log has them even if not.
    await sync.catchUp().catch(() => {});
  }

  $("advance-form").addEventListener("submit", (e) => {
    e.preventDefault();
    advance(Number($("advance-amount").value) * Number($("advance-unit").value));
  });
  document.querySelectorAll("[data-advance]").forEach((b) => b.addEventListener("click", () => advance(Number(b.dataset.advance))));

  $("speed-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const speed = Number($("speed-value").value);
    call(`speed ×${speed}`, () => api.post("/sim/v1/clock/speed", { speed }));
  });

  $("reset-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const btn = $("reset-btn");
    if (!btn.dataset.confirm) {
      // A second click confirms: reset throws away the whole run.
      btn.dataset.confirm = "1";
      btn.textContent = "Really reset?";
      setTimeout(() => {
        delete btn.dataset.confirm;
        btn.textContent = "Reset";
      }, 4000);
      return;
    }
    delete btn.dataset.confirm;
    btn.textContent = "Reset";
    const seed = $("reset-seed").value;
    try {
      await sync.ownReset(() => api.post("/sim/v1/reset", seed === "" ? {} : { seed: Number(seed) }));
      toast("simulation reset", "ok");
    } catch (err) {
      failed("reset", err);
    }
  });

  // ------------------------------------------------------------ faults

  const vocab = () => sync.store.vocab || {};
  const faultFields = () => (vocab().fault_kinds || {})[$("fault-kind").value];
  const opFields = () => (vocab().operations || {})[$("operation-op").value];

  $("fault-kind").addEventListener("change", () => buildFields($("fault-fields"), faultFields(), sync.store.config));
  $("operation-op").addEventListener("change", () => buildFields($("operation-fields"), opFields(), sync.store.config));

  $("operation-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    let body;
    try {
      body = { op: $("operation-op").value, ...readFields(opFields(), $("operation-fields")) };
    } catch (err) {
      return toast(err.message);
    }
    await call(`operation ${body.op}`, () => api.post("/sim/v1/operations", body));
  });

  $("fault-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    let fault;
    try {
      fault = readFault($("fault-kind").value, faultFields(), $("fault-fields"), {
        delayS: $("fault-delay").value,
        durationS: $("fault-duration").value,
        now: virtualNow(sync.store),
      });
    } catch (err) {
      return toast(err.message);
    }
    await call(`inject ${fault.kind}`, () => api.post("/sim/v1/faults", fault), (r) => `fault #${r && r.id} injected: ${faultLabel(fault)}`);
  });

  /** Fills a kind menu with the vocabulary's kinds (keeping the choice if it still exists). */
  function fillKinds(select, kinds) {
    const was = select.value;
    select.replaceChildren(...Object.keys(kinds || {}).map((k) => h("option", { value: k, text: k })));
    if (was && kinds && kinds[was]) select.value = was;
  }

  /** The fault panel: every fault kind of the vocabulary, fields from the cluster's names. */
  function buildFaultPanel(config, vocab) {
    fillKinds($("fault-kind"), vocab.fault_kinds);
    buildFields($("fault-fields"), faultFields(), config);
  }

  /** The operation panel: every operation of the vocabulary. */
  function buildOperationPanel(config, vocab) {
    fillKinds($("operation-op"), vocab.operations);
    buildFields($("operation-fields"), opFields(), config);
  }

  /** The faults, each with its Heal (or Cancel) button; ended ones say why. */
  function renderFaultList(store) {
    const list = $("fault-list");
    // Live faults, then the last few that ended (the API keeps up to 1,000).
    const faults = store.faults.filter((f) => f.state !== "ended").concat(store.faults.filter((f) => f.state === "ended").slice(-10));
    const key = JSON.stringify(faults.map((f) => [f.id, f.state]));
    if (list.dataset.key === key) return;
    list.dataset.key = key;
    list.replaceChildren(
      ...faults.map((f) => {
        const when = f.state === "scheduled" ? `at ${fmtTimeOfDay(f.start_ms)}` : `since ${fmtTimeOfDay(f.start_ms)}`;
        const until = f.end_ms !== null && f.end_ms !== undefined ? ` until ${fmtTimeOfDay(f.end_ms)}` : "";
        const ended = f.state === "ended";
        const heal = h("button", { type: "button", text: f.state === "scheduled" ? "Cancel" : "Heal" });
        heal.addEventListener("click", () => call(`heal #${f.id}`, () => api.del(`/sim/v1/faults/${enc(f.id)}`), () => `fault #${f.id} healed`));
        if (ended) heal.disabled = true;
        return h(
          "li",
          { "data-fault": f.id },
          h("span", { class: "label", text: `#${f.id} ${faultLabel(f)}`, title: faultLabel(f) }),
          h("span", { class: "state", text: ended ? `ended (${f.ended})` : `${f.state} ${when}${until}` }),
          heal,
        );
      }),
    );
    if (!store.faults.length) list.append(h("li", { class: "note", text: "No active or scheduled faults." }));
  }

  /** Mode, speed and seed, and the controls that fit the clock's mode. */
  function renderClockPanel(store) {
    const c = store.clock;
    setText($("clock-mode"), c.mode || "–");
    setText($("clock-mode2"), c.mode || "–");
    setText($("clock-speed"), c.mode === "realtime" ? `×${c.speed}` : "–");
    setText($("clock-seed"), String(c.seed ?? "–"));
    const manual = c.mode === "manual";
    $("advance-form").hidden = !manual;
    $("advance-quick").hidden = !manual;
    $("speed-form").hidden = manual || !c.mode;
  }

  return { operate, buildFaultPanel, buildOperationPanel, renderFaultList, renderClockPanel };
}

function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}
