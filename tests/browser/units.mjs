// Checks of the dashboard's pure functions, run in Node before the browser test: the
// graph layout, dependency defaults, and how events fold into the page's state.

import assert from "node:assert/strict";
import fs from "node:fs";
import { layers } from "../../web/graph.js";
import { FAULT_KINDS } from "../../web/faults.js";
import { normalizeConfig, createStore, applyEvent, recordStatus, pathStatus, faultLabel } from "../../web/state.js";

export const unitChecks = [
  [
    "the fault panel offers every fault kind of the engine",
    () => {
      const rust = fs.readFileSync(new URL("../../src/sim/input.rs", import.meta.url), "utf8");
      const list = rust.match(/const KINDS: &'static \[&'static str\] = &\[([^\]]*)\]/);
      assert.ok(list, "FaultKind::KINDS not found in src/sim/input.rs");
      const kinds = [...list[1].matchAll(/"([a-z-]+)"/g)].map((m) => m[1]).sort();
      assert.ok(kinds.length >= 9, `only ${kinds.length} kinds parsed`);
      assert.deepEqual(Object.keys(FAULT_KINDS).sort(), kinds);
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
    "resources without depends_on follow the default order by type",
    () => {
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
      });
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
    "events fold into status history once, in time order",
    () => {
      const st = createStore();
      assert.equal(applyEvent(st, { seq: 5, t_ms: 0, kind: "group-status", group: "g", status: "Online" }), true);
      assert.equal(applyEvent(st, { seq: 5, t_ms: 0, kind: "group-status", group: "g", status: "Online" }), false);
      applyEvent(st, { seq: 6, t_ms: 90000, kind: "server-down", server: "server2", peer: "server1", status: "Offline" });
      recordStatus(st, "g:g", 50, "Online Pending");
      recordStatus(st, "g:g", 20, "Offline");
      recordStatus(st, "g:g", 60, "Online Pending");
      assert.deepEqual(st.history.get("g:g"), [
        [0, "Online"],
        [20, "Offline"],
        [50, "Online Pending"],
      ]);
      assert.deepEqual(st.history.get("s:server1"), [[90000, "Offline"]]);
      assert.equal(st.history.get("s:server2"), undefined);
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
