// Drives the dashboard in Debian's headless Chromium against a real `clustersim serve
// --clock manual` on a free loopback port: login, the default cluster's statuses, an API
// error shown to the user, a server-crash injected from the fault panel, the clock
// advanced past the heartbeat timeout from the clock controls, and the failover seen on
// the page with its explanation in the log, and the timeline band of failover1 Online on
// server1 until server2 noticed (the answering server's knowledge, GET /sim/v1/history);
// dates and times of day from the cluster's calendar (`--epoch`); every fault kind and
// operation of the vocabulary offered; monitor, resource, fault, server and group
// controls; the fleet picker; mirror disk status per server on the mirror-disk cluster;
// then 32 servers and 50 groups at speed 100.
// One screenshot per stage in target/browser/.
//
// Env: CLUSTERSIM_BIN (default: $CARGO_TARGET_DIR or target, then /release/clustersim),
// CHROMIUM (default /usr/bin/chromium), UPDATE_README_SCREENSHOT=1 to copy the final
// stage to web/screenshot.png, DASHBOARD_FROM_DISK=1 to serve the page's files from web/
// instead of the binary's embedded copy (while editing them; CI tests the binary's).

import { chromium } from "playwright-core";
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { unitChecks } from "./units.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const targetDir = process.env.CARGO_TARGET_DIR ? path.resolve(root, process.env.CARGO_TARGET_DIR) : path.join(root, "target");
const bin = process.env.CLUSTERSIM_BIN || path.join(targetDir, "release", "clustersim");
const outDir = path.join(root, "target", "browser");
const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";
const USER = "user";
const PASSWORD = "password";
const WAIT = 15000;
/** The main server's calendar: virtual time 0 is this date. */
const EPOCH = "2026-03-14T09:00:00Z";

const results = [];
let shotNo = 0;

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitForServer(base, proc, deadlineMs) {
  const auth = "Basic " + Buffer.from(`${USER}:${PASSWORD}`).toString("base64");
  const until = Date.now() + deadlineMs;
  let last = "";
  while (Date.now() < until) {
    if (proc.exitCode !== null) throw new Error(`clustersim exited with code ${proc.exitCode}`);
    try {
      const res = await fetch(`${base}/api/v1/cluster`, { headers: { Authorization: auth } });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = e.message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`clustersim did not answer within ${deadlineMs} ms (${last})`);
}

/** Every server this run started, stopped on exit even if the run dies. */
const children = new Set();
process.on("exit", () => children.forEach((p) => p.exitCode === null && p.kill("SIGTERM")));

async function startServer(args, logName) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const serverLog = fs.openSync(path.join(outDir, logName), "w");
  const proc = spawn(bin, ["serve", ...args, "--listen", `127.0.0.1:${port}`], {
    stdio: ["ignore", serverLog, serverLog],
  });
  children.add(proc);
  return { base, proc, serverLog };
}

async function api(base, method, p, body) {
  const auth = "Basic " + Buffer.from(`${USER}:${PASSWORD}`).toString("base64");
  const res = await fetch(base + p, {
    method,
    headers: { Authorization: auth, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${p}: HTTP ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** The product's maximum of 32 servers, with 50 groups of 2 to 4 resources and their monitors. */
function bigCluster() {
  const S = 32;
  const G = 50;
  let y = "cluster:\n  name: bigcluster\nservers:\n";
  for (let i = 1; i <= S; i++) y += `  - name: server${i}\n    priority: ${i - 1}\n`;
  y += "heartbeats:\n  - {name: lankhb1, type: lankhb}\n  - {name: lankhb2, type: lankhb}\n";
  y += "resolvers:\n  - {name: pingnp1, type: pingnp, target: 192.168.0.254}\ngroups:\n";
  for (let g = 1; g <= G; g++) {
    const pol = [0, 1, 2].map((k) => `server${((g - 1 + k) % S) + 1}`).join(", ");
    y += `  - name: failover${g}\n    servers: [${pol}]\n    resources:\n      - {name: fip${g}, type: fip}\n`;
    if (g % 3 === 0) y += `      - {name: disk${g}, type: disk}\n      - {name: vip${g}, type: vip}\n`;
    y += `      - {name: script${g}, type: exec}\n`;
  }
  y += "monitors:\n";
  for (let g = 1; g <= G; g++) y += `  - {name: fipw${g}, type: fipw, target: fip${g}, timing: active}\n`;
  y += "  - {name: userw, type: userw}\n";
  return y;
}

/**
 * Issue 5's scale bar: 32 servers and 50 groups in realtime at speed 100 with crashes,
 * monitor errors and failovers streaming in: no horizontal overflow, every card drawn,
 * and the page's log within a few frames of the server's.
 */
async function scaleChecks(browser) {
  const file = path.join(outDir, "big-cluster.yaml");
  fs.writeFileSync(file, bigCluster());
  const { base, proc, serverLog } = await startServer([file, "--clock", "realtime", "--speed", "100"], "server-scale.log");
  let page = null;
  try {
    await waitForServer(base, proc, 20000);
    page = await newPage(browser);
    await page.goto(base + "/");
    await page.fill("#login-password", PASSWORD);
    await page.click("#login-submit");
    await page.locator("#conn.live").waitFor({ timeout: WAIT });
    // Faults that keep the log busy: crashes (failovers after the 90 s timeout, that
    // is 0.9 s of wall time) and monitor errors (recovery restarts).
    for (const s of [1, 2, 3, 4]) {
      await api(base, "POST", "/sim/v1/faults", { kind: "server-crash", server: `server${s}`, duration_ms: 400000 });
    }
    for (let m = 10; m < 20; m++) {
      await api(base, "POST", "/sim/v1/faults", { kind: "monitor-result", monitor: `fipw${m}`, result: "error", duration_ms: 300000 });
    }
    await page.waitForTimeout(4000);

    await check(page, "32 servers and 50 groups are all drawn without horizontal overflow", async () => {
      const counts = await page.evaluate(() => ({
        servers: document.querySelectorAll("#servers .server").length,
        groups: document.querySelectorAll("#groups .group").length,
        monitors: document.querySelectorAll("#monitors .monitor").length,
        overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      }));
      if (counts.servers !== 32 || counts.groups !== 50 || counts.monitors !== 51) {
        throw new Error(`drawn: ${JSON.stringify(counts)}`);
      }
      if (counts.overflow > 0) throw new Error(`page is ${counts.overflow}px wider than the window`);
      await screenshot(page, "scale");
    });

    await check(page, "at speed 100 the page keeps up with the event stream", async () => {
      const r = await page.evaluate(async (auth) => {
        const { lastSeq, frameAvgMs, frames } = window.clustersimDebug();
        const res = await fetch(`/sim/v1/events?since=${lastSeq + 1}&limit=100000`, { headers: { Authorization: auth } });
        return { lastSeq, frameAvgMs, frames, behind: (await res.json()).length };
      }, "Basic " + Buffer.from(`${USER}:${PASSWORD}`).toString("base64"));
      if (r.lastSeq < 300) throw new Error(`only ${r.lastSeq} events seen: the run was not busy`);
      // Events logged between reading lastSeq and the GET count too: a few frames' worth.
      if (r.behind > 500) throw new Error(`${r.behind} events behind the server`);
      // The page's own work per frame (the browser's frame rate depends on the machine).
      if (r.frameAvgMs > 30) throw new Error(`${r.frameAvgMs.toFixed(1)} ms of script per frame over ${r.frames} frames`);
    });
  } finally {
    if (page) await page.close().catch(() => {});
    proc.kill("SIGTERM");
    fs.closeSync(serverLog);
  }
}

/**
 * Issue 9's dashboard bar on the corpus' mirror-disk cluster: each server's card shows
 * md1's mirror status and clpmdstat colour, and a cut mirror connect turns the side
 * without the latest data to Error / RED.
 */
async function mirrorChecks(browser) {
  const file = path.join(root, "scenarios", "clusters", "two-node-mirror.yaml");
  const { base, proc, serverLog } = await startServer([file, "--clock", "manual"], "server-mirror.log");
  let page = null;
  try {
    await waitForServer(base, proc, 20000);
    page = await newPage(browser);
    await page.goto(base + "/");
    await page.fill("#login-password", PASSWORD);
    await page.click("#login-submit");
    await page.locator("#conn.live").waitFor({ timeout: WAIT });
    const md = (s) => page.locator(`#servers .server[data-name="${s}"] .mirrors li[data-mirror="md1"]`);
    await check(page, "each server's card shows its mirror disk status and colour", async () => {
      for (const s of ["server1", "server2"]) {
        await expectText(md(s).locator(".badge"), "Normal", `md1 on ${s}`);
        await expectText(md(s).locator(".mcolor"), "GREEN latest", `md1 colour on ${s}`);
      }
    });
    await check(page, "a cut mirror connect shows md1 Error / RED on the stale server", async () => {
      await page.selectOption("#fault-kind", "mirror-connect-down");
      const connects = await page.locator("#fault-fields select[name=connect] option").allTextContents();
      if (connects.join() !== "mdc1") throw new Error(`connect choices: ${connects}`);
      await page.click("#fault-inject");
      await page.locator("#fault-list li[data-fault]", { hasText: "mirror-connect-down" }).waitFor({ timeout: WAIT });
      await page.click('#advance-quick button[data-advance="10000"]');
      await expectText(md("server2").locator(".badge"), "Error", "md1 on server2");
      await expectText(md("server2").locator(".mcolor"), "RED", "md1 colour on server2");
      await expectText(md("server1").locator(".mcolor"), "GREEN latest", "md1 colour on server1");
      await screenshot(page, "mirror");
    });
  } finally {
    if (page) await page.close().catch(() => {});
    proc.kill("SIGTERM");
    fs.closeSync(serverLog);
  }
}

/** A page of the size the checks expect; with DASHBOARD_FROM_DISK its files come from web/. */
async function newPage(browser) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  if (process.env.DASHBOARD_FROM_DISK === "1") {
    await page.route(/^http:\/\/127\.0\.0\.1:\d+\/([a-z]+\.(js|css|html))?$/, (route) => {
      const name = new URL(route.request().url()).pathname.slice(1) || "index.html";
      route.fulfill({ path: path.join(root, "web", name) });
    });
  }
  return page;
}

async function screenshot(page, name) {
  const file = path.join(outDir, `${String(++shotNo).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Runs one named check; a failure is recorded (with a screenshot) and the run goes on. */
async function check(page, name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`ok - ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    return true;
  } catch (e) {
    const msg = String(e && e.message ? e.message : e).split("\n")[0];
    results.push({ name, ok: false, msg });
    console.log(`not ok - ${name}: ${msg}`);
    if (page) await screenshot(page, "failed").catch(() => {});
    return false;
  }
}

/** The timeline's tooltip and pixel colour for row `key` at virtual time `t`. */
async function bandAt(page, key, t) {
  await page.waitForTimeout(300); // a frame after the last poll
  const p = await page.evaluate(([k, tt]) => window.clustersimDebug().timelinePoint(k, tt), [key, t]);
  if (!p) throw new Error(`no point for ${key} at ${t} ms`);
  const box = await page.locator("#timeline").boundingBox();
  await page.mouse.move(box.x + p.x, box.y + p.y);
  const tip = (await page.locator("#timeline-tip").textContent()).trim();
  const color = await page.evaluate(([x, y]) => {
    const c = document.getElementById("timeline");
    const dpr = c.width / c.getBoundingClientRect().width;
    const d = c.getContext("2d").getImageData(Math.round(x * dpr), Math.round(y * dpr), 1, 1).data;
    return "#" + [d[0], d[1], d[2]].map((v) => v.toString(16).padStart(2, "0")).join("");
  }, [p.x, p.y]);
  await page.mouse.move(0, 0);
  return { tip, color };
}

async function expectText(locator, expected, what) {
  await locator.waitFor({ state: "visible", timeout: WAIT });
  const until = Date.now() + WAIT;
  let actual = "";
  while (Date.now() < until) {
    actual = (await locator.textContent()).trim();
    if (actual === expected) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what}: expected "${expected}", saw "${actual}"`);
}

async function main() {
  for (const [name, fn] of unitChecks) await check(null, name, fn);
  fs.mkdirSync(outDir, { recursive: true });
  if (!fs.existsSync(bin)) throw new Error(`no clustersim binary at ${bin} (cargo build --release)`);
  if (!fs.existsSync(chromiumPath)) throw new Error(`no Chromium at ${chromiumPath}`);

  const { base, proc, serverLog } = await startServer(["--clock", "manual", "--epoch", EPOCH], "server.log");
  let browser;
  try {
    await waitForServer(base, proc, 20000);
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    const page = await newPage(browser);
    const pageErrors = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error" && !/401|Unauthorized/.test(m.text())) pageErrors.push(m.text());
    });

    await check(page, "the page is served and asks for credentials", async () => {
      const res = await page.goto(base + "/");
      if (!res || !res.ok()) throw new Error(`GET / answered ${res && res.status()}`);
      await page.locator("#login-form").waitFor({ state: "visible", timeout: WAIT });
      await screenshot(page, "login");
    });

    await check(page, "a wrong password is refused with the server's message", async () => {
      await page.fill("#login-user", USER);
      await page.fill("#login-password", "not-the-password");
      await page.click("#login-submit");
      await expectText(page.locator("#login-error"), "Authentication failed.", "login error");
    });

    await check(page, "signing in with the server's credentials shows the dashboard", async () => {
      await page.fill("#login-password", PASSWORD);
      await page.click("#login-submit");
      await page.locator("#login").waitFor({ state: "hidden", timeout: WAIT });
      await page.locator("#conn.live").waitFor({ timeout: WAIT });
    });

    const server = (n) => page.locator(`#servers .server[data-name="${n}"]`);
    const group = (n) => page.locator(`#groups .group[data-name="${n}"]`);

    await check(page, "both default servers are shown Online with their heartbeat paths", async () => {
      for (const s of ["server1", "server2"]) {
        await expectText(server(s).locator("header .status"), "Online", `${s} status`);
        const paths = await server(s).locator(".paths li").count();
        if (paths < 1) throw new Error(`${s}: no heartbeat paths shown`);
      }
    });

    await check(page, "both groups are shown Online on their first servers with their resource graphs", async () => {
      for (const [g, s] of [["failover1", "server1"], ["failover2", "server2"]]) {
        await expectText(group(g).locator("header .status"), "Online", `${g} status`);
        await expectText(group(g).locator(".current"), s, `${g} current server`);
        const nodes = await group(g).locator("svg.graph .node").count();
        if (nodes !== 2) throw new Error(`${g}: ${nodes} resource nodes drawn, expected 2`);
      }
      await screenshot(page, "dashboard");
    });

    await check(page, "the fault and operation panels offer every kind of the vocabulary, with its fields", async () => {
      const vocab = await api(base, "GET", "/sim/v1/vocabulary");
      for (const [select, fields, kinds] of [
        ["#fault-kind", "#fault-fields", vocab.fault_kinds],
        ["#operation-op", "#operation-fields", vocab.operations],
      ]) {
        const offered = await page.locator(`${select} option`).evaluateAll((os) => os.map((o) => o.value));
        const want = Object.keys(kinds);
        if (want.length < 10 || JSON.stringify([...offered].sort()) !== JSON.stringify([...want].sort())) {
          throw new Error(`${select} offers ${offered} but the vocabulary has ${want}`);
        }
        for (const kind of want) {
          await page.selectOption(select, kind);
          const drawn = await page.locator(`${fields} > [data-field]`).evaluateAll((es) => es.map((e) => e.dataset.field));
          const expected = kinds[kind].map((f) => f.name);
          if (JSON.stringify(drawn) !== JSON.stringify(expected)) throw new Error(`${kind}: fields ${drawn}, vocabulary ${expected}`);
        }
      }
      // A named field offers the cluster's names: server-crash's server lists both servers.
      await page.selectOption("#fault-kind", "server-crash");
      const names = await page.locator("#fault-fields select[name=server] option").allTextContents();
      if (names.join() !== "server1,server2") throw new Error(`server choices: ${names}`);
    });

    await check(page, "an operation of the vocabulary is sent from the operation panel", async () => {
      await page.selectOption("#operation-op", "set-timeout-ratio");
      await page.fill('#operation-fields input[name="ratio"]', "3");
      await page.fill('#operation-fields input[name="duration_ms"]', "600000");
      await page.click("#operation-send");
      await expectText(page.locator("#toratio-value"), "3", "timeout ratio");
      await page.selectOption("#operation-op", "reset-timeout-ratio");
      await page.click("#operation-send");
      await expectText(page.locator("#toratio-value"), "1", "timeout ratio");
    });

    await check(page, "a refused operation shows the API's result.message", async () => {
      // failover1 is already Online: the product refuses to start it again.
      await group("failover1").locator(".actions button", { hasText: "Start" }).click();
      const t = page.locator("#toasts .toast.error").last();
      await t.waitFor({ state: "visible", timeout: WAIT });
      const text = (await t.textContent()).trim();
      if (!/^group failover1 start: .+/.test(text)) throw new Error(`unexpected toast "${text}"`);
    });

    await check(page, "server-crash of server1 is injected from the fault panel", async () => {
      await page.selectOption("#fault-kind", "server-crash");
      await page.selectOption("#fault-fields select[name=server]", "server1");
      await page.click("#fault-inject");
      await page.locator("#fault-list li[data-fault]", { hasText: "server-crash server1" }).waitFor({ timeout: WAIT });
      await screenshot(page, "fault-injected");
    });

    await check(page, "the clock is advanced 120 s from the clock controls", async () => {
      await page.fill("#advance-amount", "120");
      await page.selectOption("#advance-unit", "1000");
      await page.click("#advance-btn");
      await expectText(page.locator("#clock-elapsed"), "02:00.000", "virtual clock");
      await expectText(page.locator("#clock-now"), "2026-03-14 09:02:00.000", "date and time of day");
    });

    await check(page, "failover1 is shown Online on server2", async () => {
      await expectText(group("failover1").locator("header .status"), "Online", "failover1 status");
      await expectText(group("failover1").locator(".current"), "server2", "failover1 current server");
      await expectText(server("server1").locator("header .status"), "Offline", "server1 status");
    });

    await check(page, "the timeline keeps failover1 Online on server1 until server2 noticed the crash", async () => {
      // Crash at t≈0, default heartbeat timeout 90 s: at 45 s server2 still knew
      // failover1 Online on server1 (as /api/v1/groups answered then).
      const at45 = await bandAt(page, "g:failover1", 45000);
      if (!/^failover1: Online on server1 from 09:00:\d\d\.\d{3} to (09:0\d:\d\d\.\d{3})$/.test(at45.tip)) throw new Error(`tip "${at45.tip}"`);
      const until = at45.tip.split(" to ")[1];
      if (until < "09:01:27.000") throw new Error(`the band ended at ${until}, before the heartbeat timeout`);
      if (at45.color !== "#2f9e58") throw new Error(`band colour ${at45.color} at 45 s, not Online green`);
      const s45 = await bandAt(page, "s:server1", 45000);
      if (!s45.tip.startsWith("server1: Online from")) throw new Error(`server1 tip "${s45.tip}"`);
      const at119 = await bandAt(page, "g:failover1", 119500);
      if (!/on server2/.test(at119.tip)) throw new Error(`after the failover: "${at119.tip}"`);
    });

    await check(page, "the log shows times of day on the cluster's calendar", async () => {
      const t = (await page.locator("#log .entry .t").first().textContent()).trim();
      if (!/^09:0[0-2]:\d\d\.\d{3}$/.test(t)) throw new Error(`log time "${t}"`);
      const title = await page.locator("#log .entry .t").first().getAttribute("title");
      if (!title.startsWith("2026-03-14T09:0")) throw new Error(`log date "${title}"`);
    });

    await check(page, "the log explains the failover of failover1", async () => {
      const entry = page.locator('#log .entry.has-reason[data-group="failover1"][data-kind^="fail"]').first();
      await entry.waitFor({ timeout: WAIT });
      const reason = (await entry.locator(".reason").textContent()).trim();
      if (reason.length < "why: ".length + 10) throw new Error(`explanation too short: "${reason}"`);
      const alert = page.locator('#log .entry[data-alert="1"]', { hasText: "failover1" });
      if ((await alert.count()) < 1) throw new Error("no product alert naming failover1 in the log");
      // Dismiss the toasts (a click does) so the picture shows the cluster, not them.
      await page.locator("#toasts .toast").evaluateAll((ts) => ts.forEach((t) => t.click()));
      const final = await screenshot(page, "failover");
      if (process.env.UPDATE_README_SCREENSHOT === "1") fs.copyFileSync(final, path.join(root, "web", "screenshot.png"));
    });

    const advanceBy = async (ms, expected) => {
      await page.click(`#advance-quick button[data-advance="${ms}"]`);
      await expectText(page.locator("#clock-elapsed"), expected, "virtual clock");
    };

    await check(page, "a monitor is suspended and resumed on one server from its chip", async () => {
      const chip = page.locator('#monitors .monitor[data-name="userw"] .chip[data-server="server2"]');
      await chip.locator("button").click();
      await expectText(chip.locator(".badge"), "Suspend", "userw on server2");
      await expectText(chip.locator("button"), "Resume", "chip button");
      await chip.locator("button").click();
      await expectText(chip.locator(".badge"), "Normal", "userw on server2");
    });

    await check(page, "a resource is stopped and started from its node in the graph", async () => {
      const g = group("failover2");
      await g.locator('svg .node[data-resource="script2"]').click();
      await g.locator(".res-actions button", { hasText: "Stop" }).click();
      await advanceBy(10000, "02:10.000");
      await expectText(g.locator(".res-actions .res-status"), "Offline", "script2");
      await g.locator(".res-actions button", { hasText: "Start" }).click();
      await advanceBy(10000, "02:20.000");
      await expectText(g.locator(".res-actions .res-status"), "Online", "script2");
    });

    await check(page, "the crash is healed, server1 started from its menu, failover1 moved back", async () => {
      await page.locator("#fault-list li[data-fault] button", { hasText: "Heal" }).first().click();
      // A healed fault stays listed as ended (its Heal button disabled).
      await expectText(page.locator("#fault-list li[data-fault] .state").first(), "ended (healed)", "healed fault");
      await advanceBy(120000, "04:20.000"); // the machine boots; its service waits (cl 18)
      await server("server1").locator("details.menu summary").click();
      await server("server1").locator(".menu-body button", { hasText: /^Start$/ }).click();
      await advanceBy(60000, "05:20.000");
      await expectText(server("server1").locator("header .status"), "Online", "server1 status");
      await group("failover1").locator(".actions select.target").selectOption("server1");
      await group("failover1").locator(".actions button", { hasText: "Move" }).click();
      await advanceBy(60000, "06:20.000");
      await expectText(group("failover1").locator(".current"), "server1", "failover1 current server");
      await expectText(group("failover1").locator("header .status"), "Online", "failover1 status");
      await screenshot(page, "operations");
    });

    await check(page, "the cluster picker switches the dashboard to another cluster of the fleet", async () => {
      const auth = "Basic " + Buffer.from(`${USER}:${PASSWORD}`).toString("base64");
      const res = await fetch(`${base}/sim/v1/clusters`, {
        method: "POST",
        headers: { Authorization: auth },
        body: JSON.stringify({ name: "lab2", clock: "manual" }),
      });
      if (res.status !== 201) throw new Error(`POST /sim/v1/clusters answered ${res.status}`);
      await page.reload();
      await page.locator("#conn.live").waitFor({ timeout: WAIT });
      const picker = page.locator("#cluster-picker");
      await picker.waitFor({ state: "visible", timeout: WAIT });
      const labels = await picker.locator("option").allTextContents();
      if (labels.length !== 2 || !labels[1].startsWith("lab2")) throw new Error(`picker lists ${labels}`);
      await picker.selectOption("lab2");
      await page.waitForURL(/#cluster=lab2/, { timeout: WAIT });
      await page.locator("#conn.live").waitFor({ timeout: WAIT });
      // lab2 is fresh: its clock is at zero, whatever the first cluster went through.
      await expectText(page.locator("#clock-elapsed"), "00:00.000", "lab2's clock");
      await expectText(group("failover1").locator(".current"), "server1", "lab2 failover1");
      await screenshot(page, "fleet-picker");
    });

    await check(page, "on another cluster's own port the picker's first option names that cluster (#26)", async () => {
      const auth = "Basic " + Buffer.from(`${USER}:${PASSWORD}`).toString("base64");
      const list = await (await fetch(`${base}/sim/v1/clusters`, { headers: { Authorization: auth } })).json();
      const lab2 = list.find((c) => c.name === "lab2");
      const other = await browser.newPage();
      try {
        await other.goto(`${lab2.api_url}/`);
        await other.locator("#login-user").fill(USER);
        await other.locator("#login-password").fill(PASSWORD);
        await other.locator("#login-submit").click();
        await other.locator("#conn.live").waitFor({ timeout: WAIT });
        const picker = other.locator("#cluster-picker");
        await picker.waitFor({ state: "visible", timeout: WAIT });
        const first = (await picker.locator("option").first().textContent()) || "";
        const shown = (await other.locator("#cluster-picker option:checked").textContent()) || "";
        if (!first.startsWith("lab2") || !shown.startsWith("lab2")) {
          throw new Error(`first option ${first}, selected ${shown}`);
        }
        // The page shows lab2 (fresh clock), and the other option is the first cluster.
        await expectText(other.locator("#clock-elapsed"), "00:00.000", "lab2's clock on its own port");
        const labels = await picker.locator("option").allTextContents();
        if (labels.length !== 2 || labels[1].startsWith("lab2")) throw new Error(`picker lists ${labels}`);
      } finally {
        await other.close();
      }
    });

    await check(page, "the instructor's page lists every cluster with its exercise and grades (#26)", async () => {
      const auth = "Basic " + Buffer.from(`${USER}:${PASSWORD}`).toString("base64");
      const text = fs.readFileSync(path.join(root, "exercises/08-reading-the-alert-log.yaml"), "utf8");
      for (const cluster of ["cluster", "lab2"]) {
        const res = await fetch(`${base}/sim/v1/exercise`, {
          method: "POST",
          headers: { Authorization: auth },
          body: JSON.stringify({ exercise: text, cluster }),
        });
        if (res.status !== 201) throw new Error(`POST /sim/v1/exercise answered ${res.status}: ${await res.text()}`);
      }
      // lab2's student suspends the monitor the alert log names.
      await fetch(`${base}/sim/v1/clusters/lab2/operations`, {
        method: "POST",
        headers: { Authorization: auth },
        body: JSON.stringify({ op: "monitor-suspend", monitor: "fipw2" }),
      });
      await fetch(`${base}/sim/v1/clusters/lab2/clock/advance`, { method: "POST", headers: { Authorization: auth }, body: '{"ms": 1000}' });
      const cls = await browser.newPage({ viewport: { width: 1100, height: 360 } });
      try {
        await cls.goto(`${base}/class.html`);
        await cls.locator("#login-user").fill(USER);
        await cls.locator("#login-password").fill(PASSWORD);
        await cls.locator("#login-submit").click();
        await cls.locator("#class-rows tr[data-cluster=lab2]").waitFor({ timeout: WAIT });
        await expectText(cls.locator("#class-rows tr[data-cluster=lab2] td").nth(3), "1 / 1 ✔", "lab2's goals");
        await expectText(cls.locator("#class-rows tr[data-cluster=cluster] td").nth(3), "0 / 1", "the first cluster's goals");
        const href = await cls.locator("#export-csv").getAttribute("href");
        if (!href || !href.startsWith("blob:")) throw new Error(`CSV link ${href}`);
        const shot = await screenshot(cls, "class");
        fs.copyFileSync(shot, path.join(root, "docs/class.png"));
      } finally {
        await cls.close();
      }
      // The student's own dashboard shows the goal green.
      await page.goto(`${base}/#cluster=lab2`);
      await page.reload();
      await page.locator("#exercise-panel li.goal-met").first().waitFor({ timeout: WAIT });
      await screenshot(page, "exercise-panel");
    });

    await check(page, "no script errors on the page", async () => {
      if (pageErrors.length) throw new Error(pageErrors.join(" | "));
    });
    await page.close();

    await mirrorChecks(browser);
    await scaleChecks(browser);
  } catch (e) {
    results.push({ name: "test setup", ok: false, msg: e.message });
    console.log(`not ok - test setup: ${e.message}`);
  } finally {
    if (browser) await browser.close().catch(() => {});
    proc.kill("SIGTERM");
    fs.closeSync(serverLog);
  }
}

await main();
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(`screenshots and server log: ${path.relative(process.cwd(), outDir) || outDir}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
