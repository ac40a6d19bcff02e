// A researcher's own models, end to end, in a real headless Chromium against a server with a token and an empty
// store: sign in (a wrong token first), create a collection from a stimulus table, upload an .npz of two models'
// layers editing provenance in the table, upload a malformed file, build aligned graphs of the two models, export
// the SVG. Usage: node e2e/researcher.mjs <base url> <token> <files dir> <artifacts dir>
import { chromium } from "playwright-core";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [base, token, files, out] = process.argv.slice(2);
mkdirSync(out, { recursive: true });
const report = { steps: {}, console: [] };
const save = () => writeFileSync(join(out, "researcher-report.json"), JSON.stringify(report, null, 1));
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
const page = await context.newPage();
page.setDefaultTimeout(60000);
page.on("console", (m) => { if (m.type() === "error") report.console.push(m.text()); });
page.on("pageerror", (e) => report.console.push(`pageerror: ${e.message}`));
const shot = (name) => page.screenshot({ path: join(out, `${name}.png`) });
async function step(name, fn) {
  const t0 = Date.now();
  try {
    report.steps[name] = { ok: true, ...((await fn()) ?? {}), seconds: (Date.now() - t0) / 1000 };
  } catch (e) {
    report.steps[name] = { ok: false, error: String(e?.message ?? e).slice(0, 2000) };
    await page.screenshot({ path: join(out, `failed-${name}.png`) }).catch(() => {});
  }
  save();
}
const apiGet = (path) => page.evaluate(async ([p, t]) => (await fetch(p, { headers: { Authorization: `Bearer ${t}` } })).json(), [path, token]);

await step("sign_in", async () => {
  await page.goto(`${base}/#/data`);
  await page.waitForSelector("#signin");
  await shot("r1-sign-in");
  await page.fill("#signin-token", "not-the-token");
  await page.click("#signin-go");
  await page.waitForFunction(() => /refused/.test(document.querySelector("#signin-error")?.textContent ?? ""));
  const refused = await page.$eval("#signin-error", (e) => e.textContent);
  await page.fill("#signin-token", token);
  await page.click("#signin-go");
  await page.waitForSelector("#signin", { state: "detached" });
  await page.waitForFunction(() => /No collections yet/.test(document.querySelector("#collections-card")?.textContent ?? ""));
  const empty = await page.$eval("#collections-card", (e) => e.textContent);
  // a link with the token in its fragment signs in a new session, and the token leaves the address bar
  const p2 = await browser.newContext().then((c) => c.newPage());
  await p2.goto(`${base}/#/data?token=${encodeURIComponent(token)}`);
  await p2.waitForSelector("#collections-card");
  const fragmentUrl = p2.url();
  const dialogInFragmentSession = await p2.$$eval("#signin", (e) => e.length);
  await p2.context().close();
  return { refused, empty: empty.slice(0, 200), fragmentUrl, dialogInFragmentSession };
});

await step("create_collection", async () => {
  await page.click("#new-collection");
  await page.fill("#collection-name", "my-stimuli");
  await page.fill("#collection-description", "planted shapes seen by two models");
  await page.setInputFiles("#collection-table", join(files, "stimuli.csv"));
  await page.setInputFiles("#collection-thumbnails", join(files, "thumbs.npy"));
  await page.click("#collection-create");
  await page.waitForSelector("tr[data-collection]:has-text('my-stimuli')");
  await shot("r2-collection");
  const cols = await apiGet("/api/collections");
  return { collections: cols.map((c) => ({ name: c.name, n: c.n_stimuli, labels: c.label_columns, text: c.has_text })) };
});

await step("upload", async () => {
  await page.setInputFiles("#upload-file", join(files, "two_models.npz"));
  await page.waitForSelector(".staged[data-upload] table.rows-table");
  const arrays = await page.$$eval(".staged[data-upload] tr[data-array]", (rs) => rs.map((r) => r.dataset.array));
  const placeholders = await page.$$eval(".staged[data-upload] tr[data-array]", (rs) => rs.map((r) =>
    Object.fromEntries([...r.querySelectorAll("input.cell")].map((i) => [i.dataset.field, i.placeholder]))));
  // provenance edited in the table: architecture for all, seed and accuracy per model, a renamed row
  await page.fill("#upload-architecture", "toy-mlp");
  await page.fill("#upload-epoch", "10");
  for (const key of arrays) {
    const row = `.staged[data-upload] tr[data-array="${key}"]`;
    const b = key.startsWith("modelB");
    await page.fill(`${row} input[data-field="seed"]`, b ? "1" : "0");
    await page.fill(`${row} input[data-field="metrics"]`, b ? "accuracy=0.91" : "accuracy=0.94");
  }
  await page.fill(`.staged[data-upload] tr[data-array="modelA/hidden2"] input[data-field="name"]`, "modelA/last");
  await shot("r3-upload-table");
  await page.click(".staged[data-upload] button[data-commit]");
  await page.waitForSelector(".staged.done .committed");
  await page.waitForSelector("tr[data-rep]");
  await shot("r3-uploaded");
  const cols = await apiGet("/api/collections");
  const reps = await apiGet(`/api/collections/${cols[0].id}/representations`);
  return { arrays, placeholders, reps: reps.map((r) => ({ name: r.name, ...r.provenance })) };
});

await step("malformed_upload", async () => {
  const before = (await apiGet("/api/representations")).length;
  await page.setInputFiles("#upload-file", join(files, "broken.npy"));
  await page.waitForSelector(".staged.failed .error");
  const message = await page.$eval(".staged.failed .error", (e) => e.textContent);
  await shot("r4-malformed");
  const after = (await apiGet("/api/representations")).length;
  return { message, before, after };
});

await step("aligned_graphs", async () => {
  const reps = await apiGet("/api/representations");
  const pick = ["modelA/last", "modelB/hidden2"].map((n) => reps.find((r) => r.name === n).id);
  await page.click('nav a[data-view="build"]');
  await page.waitForSelector("input[type=checkbox][data-rep]");
  for (const cb of await page.$$("input[type=checkbox][data-rep]:checked")) await cb.uncheck();
  for (const id of pick) await page.check(`input[type=checkbox][data-rep="${id}"]`);
  await page.click("#build-go");
  await page.waitForSelector("#build-results tr[data-graph]", { timeout: 120000 });
  await shot("r5-build");
  await page.click("#open-aligned");
  await page.waitForSelector(".panel svg g.node");
  await page.waitForTimeout(500);
  const panels = await page.$$eval(".panel", (ps) => ps.map((p) => ({ nodes: p.querySelectorAll("g.node").length,
    head: p.querySelector(".panel-head")?.textContent })));
  await page.selectOption("#color-mode", "pie");
  await shot("r5-aligned");
  return { panels };
});

await step("export_svg", async () => {
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export-svg")]);
  const path = join(out, "researcher-export.svg");
  await download.saveAs(path);
  const text = readFileSync(path, "utf8");
  const nodesOnPage = await page.$$eval(".panel g.node", (e) => e.length);
  return { bytes: text.length, starts: text.slice(0, 60), circles: (text.match(/<circle/g) ?? []).length, nodesOnPage };
});

await browser.close();
save();
console.log(JSON.stringify(Object.fromEntries(Object.entries(report.steps).map(([k, v]) => [k, v.ok]))));
