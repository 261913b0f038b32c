// Checks of the dashboard's pure functions, run in Node before the browser test: the
// graph layout, dependencies from the vocabulary, the calendar, the picker's labels,
// and how events and history fold into the page's state.

import assert from "node:assert/strict";
import { layers } from "../../web/graph.js";
import { normalizeConfig, createStore, applyEvent, applyHistory, recordStatus, pathStatus, faultLabel } from "../../web/state.js";
import { setEpoch, fmtDateTime, fmtTimeOfDay, fmtElapsed } from "../../web/calendar.js";
import { pickerLabel, pickerOptions } from "../../web/fleet.js";

export const unitChecks = [
  [
    "dates and times of day follow the cluster's epoch",
    () => {
      setEpoch("2025-12-31T23:59:30Z");
      assert.equal(fmtDateTime(45_500), "2026-01-01 00:00:15.500");
      assert.equal(fmtTimeOfDay(45_500, false), "00:00:15");
      assert.equal(fmtElapsed(3_723_004), "1:02:03.004");
      setEpoch("not a date"); // ignored: the last good epoch stays
      assert.equal(fmtDateTime(0), "2025-12-31 23:59:30.000");
      setEpoch("2026-01-01T00:00:00Z");
    },
  ],
  [
    "the cluster picker names the holder of a lent-out cluster, and only then",
    () => {
      assert.equal(pickerLabel({ name: "lab2", status: "Normal" }), "lab2 — Normal");
      assert.equal(pickerLabel({ name: "lab2", status: "Normal", holder: "alice" }), "lab2 — Normal — held by alice");
      assert.equal(pickerLabel({ name: "lab2", status: "Normal", holder: null }), "lab2 — Normal");
    },
  ],
  [
    "the picker's first option names this port's own cluster, on every port (#26)",
    () => {
      const list = [
        { name: "lab-1", status: "Normal", holder: "alice" },
        { name: "lab-2", status: "Normal", own: true },
        { name: "lab-3", status: "Error" },
      ];
      const opts = pickerOptions(list, null);
      assert.deepEqual(opts.map((o) => [o.value, o.label, o.selected]), [
        ["", "lab-2 — Normal", true],
        ["lab-1", "lab-1 — Normal — held by alice", false],
        ["lab-3", "lab-3 — Error", false],
      ]);
      assert.deepEqual(pickerOptions(list, "lab-3").filter((o) => o.selected).map((o) => o.name), ["lab-3"]);
    },
  ],
  [
    "history entries become bands once, in seq order, with the group's server",
    () => {
      const st = createStore();
      applyHistory(st, [
        { seq: 0, t_ms: 0, object: "group", name: "failover1", status: "Offline", current: "None" },
        { seq: 1, t_ms: 5000, object: "group", name: "failover1", status: "Online", current: "server1" },
        { seq: 2, t_ms: 5000, object: "server", name: "server1", status: "Online" },
      ]);
      // A repeated page (a retried poll) changes nothing.
      applyHistory(st, [{ seq: 1, t_ms: 5000, object: "group", name: "failover1", status: "Online", current: "server1" }]);
      applyHistory(st, [{ seq: 3, t_ms: 150000, object: "group", name: "failover1", status: "Online", current: "server2" }]);
      assert.deepEqual(st.history.get("g:failover1"), [
        [0, "Offline", "None"],
        [5000, "Online", "server1"],
        [150000, "Online", "server2"],
      ]);
      assert.deepEqual(st.history.get("s:server1"), [[5000, "Online", undefined]]);
      assert.equal(st.historySeq, 4);
    },
  ],
  [
    "graph layout puts each resource one column right of its deepest dependency",
    () => {
      const d = layers([
        { name: "fip", depends_on: [] },
        { name: "disk", depends_on: ["fip"] },
        { name: "vip", depends_on: [] },
        { name: "app", depends_on: ["disk", "vip"] },
      ]);
      assert.deepEqual(Object.fromEntries(d), { fip: 0, disk: 1, vip: 0, app: 2 });
    },
  ],
  [
    "graph layout survives a dependency cycle",
    () => {
      const d = layers([
        { name: "a", depends_on: ["b"] },
        { name: "b", depends_on: ["a"] },
      ]);
      assert.equal(d.size, 2);
    },
  ],
  [
    "resource dependencies are the vocabulary's, as the engine resolved them",
    () => {
      const vocab = { dependencies: { x: ["d", "f", "v"], d: ["f", "v"], f: [], v: [], y: ["f"] } };
      const cfg = normalizeConfig({
        cluster: { name: "c" },
        servers: [{ name: "s1" }, { name: "s2" }],
        groups: [
          {
            name: "g",
            resources: [
              { name: "x", type: "exec" },
              { name: "d", type: "disk" },
              { name: "f", type: "fip" },
              { name: "v", type: "vip" },
              { name: "y", type: "exec", depends_on: ["f"] },
            ],
          },
        ],
      }, vocab);
      const deps = Object.fromEntries(cfg.groups[0].resources.map((r) => [r.name, r.depends_on]));
      assert.deepEqual(deps, { x: ["d", "f", "v"], d: ["f", "v"], f: [], v: [], y: ["f"] });
      assert.deepEqual(cfg.groups[0].servers, ["s1", "s2"]);
      assert.equal(cfg.clusterName, "c");
    },
  ],
  [
    "a path-down event marks the lost peer's path, a stopped server shows its paths Offline",
    () => {
      const st = createStore();
      st.servers = new Map([
        ["server1", "Online"],
        ["server2", "Online"],
      ]);
      applyEvent(st, { seq: 1, t_ms: 90000, kind: "path-down", server: "server2", peer: "server1", path: "lankhb1", status: "Error" });
      assert.equal(pathStatus(st, "server1", "lankhb1"), "Error");
      assert.equal(pathStatus(st, "server2", "lankhb1"), "Normal");
      st.servers.set("server1", "Offline");
      assert.equal(pathStatus(st, "server1", "lankhb1"), "Offline");
      assert.equal(pathStatus(st, "server9", "lankhb1"), "Unknown");
    },
  ],
  [
    "events fold into the log once; the bands ignore them (they are ground truth)",
    () => {
      const st = createStore();
      assert.equal(applyEvent(st, { seq: 5, t_ms: 0, kind: "group-status", group: "g", status: "Online" }), true);
      assert.equal(applyEvent(st, { seq: 5, t_ms: 0, kind: "group-status", group: "g", status: "Online" }), false);
      applyEvent(st, { seq: 6, t_ms: 90000, kind: "server-down", server: "server2", peer: "server1", status: "Offline" });
      assert.equal(st.history.size, 0);
      recordStatus(st, "g:g", 50, "Online Pending");
      recordStatus(st, "g:g", 20, "Offline");
      recordStatus(st, "g:g", 60, "Online Pending");
      assert.deepEqual(st.history.get("g:g"), [
        [20, "Offline", undefined],
        [50, "Online Pending", undefined],
      ]);
      assert.equal(st.events.length, 2);
    },
  ],
  [
    "fault labels name the kind and its targets",
    () => {
      assert.equal(faultLabel({ kind: "server-crash", server: "server1" }), "server-crash server1");
      assert.equal(faultLabel({ kind: "monitor-result", monitor: "userw", result: "error" }), "monitor-result userw → error");
      assert.equal(
        faultLabel({ kind: "partition", sides: [["server1"], ["server2", "pingnp1"]], oneway: true }),
        "partition server1 | server2+pingnp1 (one-way)",
      );
      assert.equal(faultLabel({ kind: "activation-failure", resource: "fip1", server: "server2", times: 0 }), "activation-failure fip1 on server2 ×∞");
    },
  ],
];
