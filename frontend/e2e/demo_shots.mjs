// Screenshots of the full demo's default graphs (not a test: for looking at what a new user sees).
// Usage: node e2e/demo_shots.mjs <base url> <out dir>
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const base = process.argv[2];
const out = process.argv[3];
mkdirSync(out, { recursive: true });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
page.setDefaultTimeout(180000);
const api = (path, body) => page.evaluate(async ([p, b]) => (await fetch(p, b ? { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(b) } : {})).json(), [path, body]);
await page.goto(`${base}/#/data`);
const reps = await api("/api/representations");
const pick = (pred) => reps.filter(pred).map((r) => r.id);
const sets = {
  sentences: pick((r) => /layer2$|layer5$/.test(r.name) && /MiniLM/.test(r.name)),
  mnist: pick((r) => /mnist-cnn-s0\/epoch-3\/test\/(conv3|fc)$/.test(r.name)),
};
for (const [name, ids] of Object.entries(sets)) {
  let res = await api("/api/graphs/aligned", { representation_ids: ids, layout: { mode: "overlay", quality: false } });
  while (res.job_id) {
    const j = await api(`/api/jobs/${res.job_id}`);
    if (j.status === "done") { res = j.result; break; }
    if (j.status === "failed") throw new Error(JSON.stringify(j));
    await page.waitForTimeout(300);
  }
  await page.goto(`${base}/#/graphs?r=${ids.join(",")}&g=${res.graph_ids.join(",")}`);
  await page.waitForSelector(".panel svg g.node");
  await page.waitForTimeout(800);
  await page.screenshot({ path: join(out, `${name}-graphs.png`) });
  await page.selectOption("#color-mode", "pie");
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(out, `${name}-pie.png`) });
  await page.click('nav a[data-view="regions"]');
  await page.waitForSelector("#region-list .item", { timeout: 180000 });
  await page.waitForFunction(() => [...document.querySelectorAll(".panel")].every((p) => p.dataset.bubbles && p.dataset.bubbles !== "pending"), null, { timeout: 120000 });
  const outlines = await page.$$eval("path.bubble", (bs) => ({ total: bs.length, relaxed: bs.filter((b) => b.classList.contains("relaxed")).length, hulls: bs.filter((b) => b.classList.contains("fallback")).length }));
  console.log(name, JSON.stringify(outlines));
  await page.screenshot({ path: join(out, `${name}-regions.png`) });
  await page.click('nav a[data-view="graphs"]');
}
await browser.close();
