// Runs a small sweep (tests/deploy/quick-sweep.yaml with 40 seeds), writes its report,
// opens it in Debian's headless Chromium and checks what a reader sees: per metric that
// varies (counted here from the rows, not from the page) an ECDF and a
// percentile-vs-factor plot that are drawn (step lines with points, markers, axis
// titles with a unit, a legend), no text spilling out of a figure, constant metrics
// in one line and no figure for them, and each flagged run with its replay command.
// Screenshot: target/browser/sweep-report.png (docs/sweep-report.png is one).
// Env: CLUSTERSIM_BIN, CHROMIUM (as dashboard.test.mjs). Last line: `N passed, N failed`.

import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bin = process.env.CLUSTERSIM_BIN || path.join(root, "target", "release", "clustersim");
const outDir = path.join(root, "target", "browser");
fs.mkdirSync(outDir, { recursive: true });
// Two levels down like tests/deploy/, so its relative base path holds; named relative to
// the root, as the page shows it.
const sweepFile = "target/browser/sweep.yaml";
fs.writeFileSync(
  path.join(root, sweepFile),
  fs.readFileSync(path.join(root, "tests/deploy/quick-sweep.yaml"), "utf8").replace(/^seeds: \d+$/m, "seeds: 40"),
);
const results = path.join(outDir, "sweep.jsonl");
const html = path.join(outDir, "sweep-report.html");
execFileSync(bin, ["sweep", sweepFile, "--quiet", "--out", results], { cwd: root, stdio: "inherit" });
execFileSync(bin, ["sweep", "report", results, "--html", html], { cwd: root, stdio: "inherit" });

// The metrics with two or more values over the rows, and the flagged runs.
const [head, ...rows] = fs.readFileSync(results, "utf8").trim().split("\n").map((l) => JSON.parse(l));
const metrics = head.header.metrics;
const values = Object.fromEntries(metrics.map((m) => [m, new Set()]));
for (const r of rows) for (const m of metrics) if (r.metrics[m] !== null) values[m].add(r.metrics[m]);
const varying = metrics.filter((m) => values[m].size >= 2);
const constant = metrics.filter((m) => values[m].size === 1);
const flagged = rows.filter((r) => r.flagged).map((r) => r.run);

const results_ = [];
function check(name, ok, msg = "") {
  results_.push({ name, ok });
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${ok ? "" : ": " + msg}`);
}

/// What a figure draws: its data lines (stroke width 2) with their point counts, its
/// markers, its texts, and texts whose box leaves the figure's SVG.
async function drawn(fig) {
  return fig.evaluate((f) => {
    const svg = f.querySelector("svg");
    if (!svg) return null;
    const box = svg.getBoundingClientRect();
    const lines = [...svg.querySelectorAll('polyline[stroke-width="2"]')].map((p) => p.points.numberOfItems);
    const texts = [...svg.querySelectorAll("text")];
    const outside = texts.filter((t) => {
      const b = t.getBoundingClientRect();
      return b.width > 0 && (b.left < box.left - 1 || b.right > box.right + 1 || b.top < box.top - 1 || b.bottom > box.bottom + 1);
    }).map((t) => t.textContent.trim());
    return {
      width: box.width,
      lines,
      markers: svg.querySelectorAll("circle, polygon").length,
      texts: texts.map((t) => t.textContent.trim()),
      outside,
    };
  });
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
try {
  const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
  await page.goto("file://" + html);
  check("some metrics vary in this sweep", varying.length >= 4, varying.join(" "));
  for (const m of varying) {
    const ecdf = page.locator(`figure.plot.ecdf[data-metric="${m}"]`);
    const pct = page.locator(`figure.plot.pct[data-metric="${m}"]`);
    check(`${m}: one ECDF and one percentile-vs-factor plot`, (await ecdf.count()) === 1 && (await pct.count()) === 1, `${await ecdf.count()} ECDF, ${await pct.count()} pct`);
    if ((await ecdf.count()) !== 1 || (await pct.count()) !== 1) continue;
    const e = await drawn(ecdf);
    check(`${m}: the ECDF draws step lines`, e.lines.some((n) => n >= 2) && e.width > 400, JSON.stringify(e.lines));
    check(`${m}: the ECDF names its axes with a unit`, e.texts.some((t) => /\((ms|s|min|h|count)\)$/.test(t)) && e.texts.includes("fraction of runs ≤ x"), e.texts.join("|"));
    check(`${m}: no ECDF text leaves the figure`, e.outside.length === 0, e.outside.join("|"));
    const p = await drawn(pct);
    check(`${m}: the percentile plot draws p50 through the 3 timeouts, with markers`, p.lines.some((n) => n >= 3) && p.markers >= 9, `${JSON.stringify(p.lines)} ${p.markers} markers`);
    check(`${m}: the percentile plot has a legend and a factor axis in seconds`, ["p50 ●", "p95 ▲ (dashed)", "p99 × (dotted)"].every((l) => p.texts.includes(l)) && p.texts.includes("heartbeat_timeout (s)"), p.texts.join("|"));
    check(`${m}: no percentile-plot text leaves the figure`, p.outside.length === 0, p.outside.join("|"));
  }
  const line = (await page.locator("#constant").count()) ? await page.locator("#constant").innerText() : "";
  check("constant metrics read in one line, without figures", constant.every((m) => line.includes(`${m} = `)) && (await page.locator(constant.map((m) => `figure[data-metric="${m}"]`).join(",")).count()) === 0, line);
  const replays = await page.locator("#flagged code.replay").allInnerTexts();
  check("each flagged run shows its replay command", replays.length === Math.min(flagged.length, 200) && flagged.slice(0, 200).every((r, i) => replays[i].endsWith(`--only ${r} --scenario row-${r}.yaml`)), `${replays.length} of ${flagged.length}: ${replays[0]}`);
  await page.screenshot({ path: path.join(outDir, "sweep-report.png"), fullPage: true, clip: { x: 0, y: 0, width: 1300, height: 1500 } });
} finally {
  await browser.close();
}
const passed = results_.filter((r) => r.ok).length;
const failed = results_.length - passed;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
