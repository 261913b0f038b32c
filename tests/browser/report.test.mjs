// Opens the HTML report of a failing scenario (tests/browser/failing/) in Debian's headless
// Chromium and checks what a reader sees: the FAIL verdict, the failed expectation in
// the expectations table with what was seen, the explain lines listed and as hoverable
// dots on the timeline, the steps listed, an m:ss time axis, labelled step marks, and a
// timeline that fills the page width. Screenshot: target/browser/report.png.
// Env: CLUSTERSIM_BIN, CHROMIUM (as dashboard.test.mjs). Last line: `N passed, N failed`.

import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bin = process.env.CLUSTERSIM_BIN || path.join(root, "target", "release", "clustersim");
const outDir = path.join(root, "target", "browser");
const report = path.join(outDir, "report.html");
fs.mkdirSync(outDir, { recursive: true });

try {
  execFileSync(bin, ["run", "tests/browser/failing/", "--report", report], { cwd: root, stdio: "ignore" });
} catch (e) {
  if (e.status !== 1) throw e; // 1: the scenario fails, as it should here
}

const results = [];
function check(name, ok, msg = "") {
  results.push({ name, ok });
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${ok ? "" : ": " + msg}`);
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto("file://" + report);
  const section = page.locator("section.scenario").first();
  const h2 = await section.locator("h2").innerText();
  check("the scenario reads FAIL", h2.startsWith("FAIL"), h2);
  const failedRow = section.locator("table.expect tr", { hasText: "FAIL" }).first();
  const rowText = (await failedRow.count()) ? await failedRow.innerText() : "";
  check("the failed expectation is listed with what was seen", /never: group failover1 Online on 2 or more servers/.test(rowText) && /seen|Online on server1, server2/.test(rowText), rowText);
  const explain = await section.locator("pre.explain").innerText();
  check("the explain lines are listed", /failover/.test(explain) && explain.split("\n").filter(Boolean).length >= 1, explain);
  const dots = section.locator("svg.tl circle.why");
  const dotTitle = (await dots.count()) ? await dots.first().locator("title").textContent() : "";
  check("explain lines are dots on the timeline with the line on hover", (await dots.count()) >= 1 && explain.includes(dotTitle.trim()), dotTitle);
  const steps = await section.locator("pre.steps").isVisible();
  check("the steps are listed, not collapsed", steps && (await section.locator("pre.steps").innerText()).trim().length > 0);
  const ticks = await section.locator("svg.tl text.tick").evaluateAll((els) => els.map((e) => e.textContent));
  check("the time axis reads m:ss", ticks.length === 11 && ticks.every((t) => /^\d+:\d\d(:\d\d)?(\.\d)?$/.test(t)), ticks.join(" "));
  const labels = await section.locator("svg.tl text.mark").evaluateAll((els) => els.map((e) => e.textContent));
  check("the step marks are labelled", labels.length >= 1 && labels.every((l) => l.trim().length > 0), labels.join(" | "));
  const svgBox = await section.locator("svg.tl").boundingBox();
  check("the timeline fills the page width", svgBox && svgBox.width > 1400 * 0.85, JSON.stringify(svgBox));
  await page.screenshot({ path: path.join(outDir, "report.png"), fullPage: true });
} finally {
  await browser.close();
}
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
