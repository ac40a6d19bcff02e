// End-to-end walk through the dashboard in a real headless Chromium (Debian's, through playwright-core).
// Usage: node e2e/flow.mjs <base url> <artifacts dir>
// Writes <artifacts>/e2e-report.json ({steps: {name: {ok, ...facts}}}), a screenshot per view and the exported SVG.
// Each step records its facts and carries on, so one broken view does not hide the state of the others.
import { chromium } from "playwright-core";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const base = process.argv[2] ?? "http://127.0.0.1:8000";
const out = process.argv[3] ?? "test-artifacts";
mkdirSync(out, { recursive: true });
const report = { base, steps: {}, console: [] };
const save = () => writeFileSync(join(out, "e2e-report.json"), JSON.stringify(report, null, 1));

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  // the new headless mode preloads the omnibox popup WebUI in a renderer of its own (15-60% of a core in our runs):
  // no use without a window, and on a 2-core machine it takes CPU from the page and the server being measured
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup,PreloadTopChromeWebUI"],
});
const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
const page = await context.newPage();
page.setDefaultTimeout(60000);
page.on("console", (m) => { if (m.type() === "error") report.console.push(m.text()); });
page.on("pageerror", (e) => report.console.push(`pageerror: ${e.message}`));

async function step(name, fn) {
  const t0 = Date.now();
  try {
    const facts = (await fn()) ?? {};
    report.steps[name] = { ok: true, seconds: (Date.now() - t0) / 1000, ...facts };
  } catch (e) {
    report.steps[name] = { ok: false, seconds: (Date.now() - t0) / 1000, error: String(e?.message ?? e).slice(0, 2000) };
    await page.screenshot({ path: join(out, `failed-${name}.png`) }).catch(() => {});
  }
  save();
}
const shot = (name) => page.screenshot({ path: join(out, `${name}.png`) });
const api = (path) => page.evaluate(async (p) => (await fetch(p)).json(), path);
const nav = async (view) => { await page.click(`nav a[data-view="${view}"]`); await page.waitForSelector(`main[data-view="${view}"]`); };

await step("landing", async () => {
  // a bare address opens the prepared case: two sentence layers as aligned graphs with their matching regions
  await page.goto(`${base}/`);
  await page.waitForSelector("main[data-view=home] #landing h2");
  const title = await page.$eval("#landing h2", (e) => e.textContent);
  await page.waitForSelector(".landing-view .panel svg g.node", { timeout: 120000 });
  const panels = await page.$$eval(".landing-view .panel", (ps) => ps.map((p) => p.querySelectorAll("g.node").length));
  await page.waitForSelector("#region-list .item, #region-list .error, #region-list .muted:not(:first-child)", { timeout: 120000 });
  const regions = await page.$$eval("#region-list .item", (els) => els.length);
  const hash = decodeURIComponent(new URL(page.url()).hash);
  await shot("0-landing");
  await page.click("#landing-audit");
  await page.waitForSelector("main[data-view=audit] #audit-collection");
  const auditCollection = await page.$eval("#audit-collection", (sel) => sel.options[sel.selectedIndex]?.textContent);
  return { title, panels, regions, hash, auditCollection };
});

await step("data", async () => {
  await page.goto(`${base}/#/data`);
  await page.waitForSelector("tr[data-collection]");
  const names = await page.$$eval("tr[data-collection] b", (els) => els.map((e) => e.textContent));
  await page.click("tr[data-collection]:has(b:text-is('sentences'))");
  await page.waitForSelector("tr[data-rep]");
  const reps = await page.$$eval("tr[data-rep]", (els) => els.length);
  await shot("1-data");
  return { collections: names, representations: reps };
});

let pair = [];
await step("build", async () => {
  const reps = await api("/api/representations");
  const minilm = reps.filter((r) => /minilm/i.test(r.provenance.model ?? ""));
  const pick = (layer) => minilm.find((r) => r.provenance.layer === layer) ?? minilm[0];
  pair = [pick("layer2"), pick("layer5")].map((r) => r.id);
  await nav("build");
  await page.waitForSelector("input[type=checkbox][data-rep]");
  for (const cb of await page.$$("input[type=checkbox][data-rep]:checked")) await cb.uncheck();
  for (const id of pair) await page.check(`input[type=checkbox][data-rep="${id}"]`);
  // the defaults: cover and clustering scale chosen from each layer's data, every stimulus placed
  const disabled = await page.$eval("#build-intervals", (e) => e.disabled);
  await page.click("#build-go");
  await page.waitForSelector("#build-results tr[data-graph]", { timeout: 120000 });
  const graphs = await page.$$eval("#build-results tr[data-graph]", (els) => els.map((e) => e.getAttribute("data-graph")));
  const coverage = await page.$$eval("#build-results td.coverage", (els) => els.map((e) => e.textContent));
  const reasons = await page.$$eval("#build-results .auto-reason > .muted", (els) => els.map((e) => e.textContent));
  await shot("2-build");
  return { representations: pair, graphs, coverage, reasons, fieldsDisabledInAuto: disabled };
});

await step("graphs", async () => {
  await page.click("#open-aligned");
  await page.waitForSelector(".panel svg g.node");
  const panels = await page.$$eval(".panel", (ps) => ps.map((p) => p.querySelectorAll("g.node").length));
  const layout = await page.$eval(".panel .badge", (e) => e.textContent);
  // tooltip on hover, then click a node: linked brushing across panels
  const node = await page.$(".panel:first-child g.node");
  await node.hover({ force: true });
  await page.waitForSelector(".tooltip", { state: "visible" });
  const tooltip = await page.$eval(".tooltip", (e) => e.textContent);
  await node.click({ force: true });
  // corresponding nodes come from the backend (POST /api/topo/compare), not from the browser
  await page.waitForFunction(() => [...document.querySelectorAll(".panel")].every((p) => p.dataset.partners && p.dataset.partners !== "pending"));
  await page.waitForSelector("#partners");
  const clicked = await page.$eval(".panel:first-child g.node.selected", (e) => e.getAttribute("data-node"));
  const graphIds = await page.$$eval(".panel", (ps) => ps.map((p) => p.getAttribute("data-panel")));
  const compare = await page.evaluate(async (ids) => (await fetch("/api/topo/compare", { method: "POST",
    headers: { "Content-Type": "application/json" }, body: JSON.stringify({ graph_ids: ids, top: 3, max_pairs: 0 }) })).json(), graphIds);
  const expectedPartners = (compare.pairs[0].partners_ab[clicked] ?? []).map((p) => p.node);
  const shownPartners = await page.$$eval(".panel:nth-child(2) g.node.selected, .panel:nth-child(2) g.node.partner",
    (els) => els.map((e) => ({ id: e.getAttribute("data-node"), best: e.classList.contains("selected") })));
  const marks = await page.$$eval(".panel", (ps) => ps.map((p) => ({
    selected: p.querySelectorAll("g.node.selected").length, linked: p.querySelectorAll("g.node.linked").length,
    dim: p.querySelectorAll("g.node.dim").length })));
  await shot("3-graphs");
  // the URL reproduces the view
  const url = page.url();
  const p2 = await context.newPage();
  await p2.goto(url);
  await p2.waitForSelector(".panel svg g.node.selected");
  const reproduced = await p2.$$eval(".panel", (ps) => ps.length);
  await p2.close();
  await page.selectOption("#color-mode", "pie");
  await page.waitForSelector(".panel g.node path.slice");
  await shot("3-graphs-pie");
  await page.click('#mode button[data-value="overlay"]');
  await page.waitForSelector(".panel .overlay-graph");
  const overlayPanels = await page.$$eval(".panel", (ps) => ps.length);
  await shot("3-graphs-overlay");
  await page.click('#mode button[data-value="panels"]');
  await page.selectOption("#color-mode", "label");
  return { panels, layout, tooltip: tooltip.slice(0, 200), marks, url, reproduced, overlayPanels,
    partners: { clicked, expected: expectedPartners, shown: shownPartners } };
});

await step("lasso", async () => {
  await page.waitForSelector('#mode button[data-value="panels"].on');
  await page.waitForSelector(".panel:nth-child(2) g.node");
  await page.click("#lasso");
  // a diamond over the middle of the first panel's nodes, drawn in screen coordinates
  const box = await page.$$eval(".panel:first-child g.node circle.body", (cs) => {
    const r = cs.map((c) => c.getBoundingClientRect()).map((b) => [b.x + b.width / 2, b.y + b.height / 2]);
    const xs = r.map((p) => p[0]).sort((a, b) => a - b), ys = r.map((p) => p[1]).sort((a, b) => a - b);
    const q = (a, f) => a[Math.floor(f * (a.length - 1))];
    return { x0: q(xs, 0.15), x1: q(xs, 0.85), y0: q(ys, 0.15), y1: q(ys, 0.85) };
  });
  const cx = (box.x0 + box.x1) / 2, cy = (box.y0 + box.y1) / 2, rx = (box.x1 - box.x0) / 2 + 4, ry = (box.y1 - box.y0) / 2 + 4;
  const poly = Array.from({ length: 24 }, (_, i) => [cx + rx * Math.cos((2 * Math.PI * i) / 24), cy + ry * Math.sin((2 * Math.PI * i) / 24)]);
  await page.mouse.move(poly[0][0], poly[0][1]);
  await page.mouse.down();
  for (const [x, y] of poly.slice(1)) await page.mouse.move(x, y, { steps: 2 });
  await page.mouse.move(poly[0][0], poly[0][1], { steps: 2 });
  await shot("3-graphs-lasso-drawing");
  await page.mouse.up();
  await page.waitForFunction(() => /lasso: \d+ nodes/.test(document.querySelector(".selection")?.textContent ?? ""));
  const expected = await page.$$eval(".panel:first-child g.node circle.body", (cs, pl) => {
    const inside = ([x, y]) => { let c = false; for (let i = 0, j = pl.length - 1; i < pl.length; j = i++) {
      const [xi, yi] = pl[i], [xj, yj] = pl[j];
      if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) c = !c; } return c; };
    return cs.filter((c) => { const b = c.getBoundingClientRect(); return inside([b.x + b.width / 2, b.y + b.height / 2]); }).length;
  }, poly);
  const label = await page.$eval(".selection b", (e) => e.textContent);
  const marks = await page.$$eval(".panel", (ps) => ps.map((p) => ({
    linked: p.querySelectorAll("g.node.linked").length, dim: p.querySelectorAll("g.node.dim").length,
    selected: p.querySelectorAll("g.node.selected").length })));
  await shot("3-graphs-lasso");
  await page.click("#lasso");
  const stillOn = await page.$$eval("svg.lasso-mode", (e) => e.length);
  return { label, expected, marks, stillOn };
});

await step("param_bar", async () => {
  // the aligned view's parameter bar: both graphs and their joint layout in one job, then back (all cached)
  const before = await page.$$eval(".panel", (ps) => ps.map((p) => p.dataset.panel));
  const requests = [];
  const onRequest = (r) => { if (r.method() === "POST" && /\/api\/(graphs|topo\/layout)/.test(r.url())) requests.push(new URL(r.url()).pathname); };
  page.on("request", onRequest);
  const shownIntervals = await page.$eval("#quick-intervals", (e) => e.value);
  const change = async (value, prev) => {
    if (value === "auto") await page.selectOption("#quick-auto", "shape");
    else {
      await page.fill("#quick-intervals", value);
      await page.dispatchEvent("#quick-intervals", "change");
    }
    await page.waitForFunction((b) => {
      const ps = [...document.querySelectorAll(".panel")];
      return ps.length === 2 && ps.map((p) => p.dataset.panel).join("|") !== b && ps.every((p) => p.querySelector("g.node"));
    }, prev.join("|"));
    return page.$$eval(".panel", (ps) => ps.map((p) => p.dataset.panel));
  };
  const rebuilt = await change("5", before);
  const jobLabels = await page.$$eval(".job .job-head span", (els) => els.map((e) => e.textContent));
  const graphs = await Promise.all(rebuilt.map((id) => api(`/api/graphs/${id}`)));
  const nodes = await page.$$eval(".panel", (ps) => ps.map((p) => p.querySelectorAll("g.node").length));
  const badge = await page.$eval(".panel .badge", (e) => e.textContent);
  await shot("3-graphs-param-bar");
  const firstRequests = [...requests];
  const back = await change("auto", rebuilt);
  page.off("request", onRequest);
  return { before, rebuilt, back, firstRequests, requests, jobLabels, nodes, badge, shownIntervals,
    intervals: graphs.map((g) => g.params.cover.n_cubes ?? g.params.cover.n_intervals), representations: graphs.map((g) => g.representation_id),
    nodesInJson: graphs.map((g) => g.nodes.length), pair };
});

await step("regions", async () => {
  await nav("regions");
  await page.waitForSelector("#region-list .item, #region-list .error, #region-list .muted:not(:first-child)");
  await page.waitForFunction(() => [...document.querySelectorAll(".panel")].every((p) => p.dataset.bubbles && p.dataset.bubbles !== "pending"), null, { timeout: 60000 });
  const regions = await page.$$eval("#region-list .item", (els) => els.length);
  const bubbles = await page.$$eval(".panel", (ps) => ps.map((p) => [...p.querySelectorAll("path.bubble")].filter((b) => (b.getAttribute("d") ?? "").length > 10).length));
  const outlines = await page.$$eval("path.bubble", (bs) => ({ total: bs.length, relaxed: bs.filter((b) => b.classList.contains("relaxed")).length,
    hulls: bs.filter((b) => b.classList.contains("fallback")).length }));
  await shot("4-regions");
  await page.click("#region-list .item");
  await page.waitForFunction(() => [...document.querySelectorAll(".panel")].every((p) => p.dataset.bubbles && p.dataset.bubbles !== "pending"));
  await page.click('#membrane button[data-value="density"]');
  await page.waitForSelector("path.membrane");
  const membranes = await page.$$eval(".panel", (ps) => ps.map((p) => p.querySelectorAll("path.membrane").length));
  await shot("4-regions-membrane");
  await page.click('#membrane button[data-value="hull"]');
  const hulls = await page.$$eval(".panel", (ps) => ps.map((p) => p.querySelectorAll("path.membrane").length));
  await shot("4-regions-hull");
  return { regions, bubbles, membranes, hulls, outlines };
});

await step("motifs", async () => {
  await nav("motifs");
  await page.waitForSelector("#motif-kind");
  await page.click('#motif-kind button[data-value="cycle"]');
  await page.waitForSelector("#motif-results .item, #motif-results .error, #motif-results .muted:has-text('No matches')");
  const cycles = await page.$$eval("#motif-results .item", (els) => els.length);
  let highlighted = 0;
  if (cycles) {
    await page.click("#motif-results .item");
    await page.waitForSelector("g.node.match");
    highlighted = await page.$$eval("g.node.match", (els) => els.length);
  }
  await shot("5-motifs-cycle");
  // a drawn pattern: three nodes in a path (click empty pad: node; click two nodes: edge)
  const pts = [[40, 70], [125, 35], [210, 70]];
  for (const [x, y] of pts) await page.click(".pattern-pad", { position: { x, y } });
  for (const [a, b] of [[0, 1], [1, 2]]) {
    await page.click(".pattern-pad", { position: { x: pts[a][0], y: pts[a][1] } });
    await page.click(".pattern-pad", { position: { x: pts[b][0], y: pts[b][1] } });
  }
  const drawn = await page.$$eval(".pattern-pad", ([s]) => ({ nodes: s.querySelectorAll("circle").length, edges: s.querySelectorAll("line").length }));
  await page.click("#pattern-run");
  await page.waitForFunction(() => location.hash.includes("pattern"));
  await page.waitForFunction(() => document.querySelector("#motif-results")?.textContent !== "Searching…");
  await page.waitForSelector("#motif-results .item, #motif-results .error, #motif-results .muted");
  const patternMatches = await page.$$eval("#motif-results .item", (els) => els.length);
  let patternHighlighted = 0;
  if (patternMatches) {
    await page.click("#motif-results .item");
    await page.waitForSelector("g.node.match");
    patternHighlighted = await page.$$eval("g.node.match", (els) => els.length);
  }
  const patternEdges = await page.$$eval("path.motif-edge", (els) => els.filter((e) => (e.getAttribute("d") ?? "").length > 4).length);
  const patternHash = decodeURIComponent(new URL(page.url()).hash);
  await shot("5-motifs-pattern");
  const col = await page.$eval("#concept-column", (e) => e.value);
  const stim = await api(`/api/collections/${(await api("/api/collections")).find((c) => c.name === "sentences").id}/stimuli?limit=5`);
  const value = String(stim.labels[col][0]);
  await page.fill("#concept-value", value);
  await page.click("#concept-run");
  await page.waitForFunction(() => document.querySelector("#motif-results")?.textContent !== "Searching…");
  await page.waitForSelector("#motif-results .item, #motif-results .error, #motif-results .muted");
  const concept = await page.$$eval("#motif-results .item", (els) => els.length);
  if (concept) { await page.click("#motif-results .item"); await page.waitForSelector("g.node.match"); }
  await shot("5-motifs-concept");
  return { cycles, highlighted, concept: { column: col, value, matches: concept },
    pattern: { drawn, matches: patternMatches, highlighted: patternHighlighted, edges: patternEdges, hash: patternHash } };
});

await step("export", async () => {
  const [dl] = await Promise.all([page.waitForEvent("download"), page.click("#export-svg")]);
  const path = join(out, "export.svg");
  await dl.saveAs(path);
  const [dl2] = await Promise.all([page.waitForEvent("download"), page.click("#export-json")]);
  await dl2.saveAs(join(out, "export.json"));
  const [dl3] = await Promise.all([page.waitForEvent("download"), page.click("#export-png")]);
  await dl3.saveAs(join(out, "export.png"));
  return { svg: path, nodesOnPage: await page.$$eval("g.node", (e) => e.length) };
});

await step("audit", async () => {
  await nav("audit");
  await page.waitForSelector("#audit-collection option >> nth=0", { state: "attached" });
  const mnist = await page.$eval("#audit-collection", (sel) => [...sel.options].find((o) => o.textContent === "mnist")?.value);
  await page.selectOption("#audit-collection", mnist);
  await page.fill("#audit-folds", "2");
  await page.click("#audit-run");
  await page.waitForSelector("[data-figure=layers] .heatmap g.cell", { timeout: 240000 });
  const figures = await page.$$eval("[data-figure]", (e) => e.map((c) => c.getAttribute("data-figure")));
  const findings = await page.$$eval("#findings li[data-finding]", (e) => e.map((li) => ({
    id: li.getAttribute("data-finding"), holds: li.getAttribute("data-holds"), text: li.querySelector(".evidence")?.textContent ?? "" })));
  const heatmaps = await page.$$eval("[data-figure=layers] svg.heatmap", (e) => e.map((s) => s.getAttribute("data-pair")));
  const profiles = await page.$$eval("[data-figure=layers] path.profile", (e) => e.length);
  const cells = await page.$$eval(".heatmap g.cell", (e) => e.length);
  const depth = await page.$$eval("[data-figure=depth] svg", (e) => e.map((s) => ({
    metric: s.getAttribute("data-metric"), bands: s.querySelectorAll("path.band").length,
    random: s.querySelectorAll("path.ref-area").length, chance: s.querySelectorAll("g.series.dashed path.line").length })));
  await shot("6-audit");
  // every figure: scroll to it, screenshot it, and download its SVG and CSV
  const exported = {};
  for (const id of figures) {
    const card = await page.$(`[data-figure=${id}]`);
    await card.scrollIntoViewIfNeeded();
    await card.screenshot({ path: join(out, `6-audit-${id}.png`) });
    const [svg] = await Promise.all([page.waitForEvent("download"), page.click(`[data-figure=${id}] [data-export=svg]`)]);
    const [csv] = await Promise.all([page.waitForEvent("download"), page.click(`[data-figure=${id}] [data-export=csv]`)]);
    await svg.saveAs(join(out, `audit-${id}.svg`));
    await csv.saveAs(join(out, `audit-${id}.csv`));
    exported[id] = { svg: join(out, `audit-${id}.svg`), csv: join(out, `audit-${id}.csv`) };
  }
  let epochsX = null;
  if (figures.includes("epochs")) {
    const acc = await page.$("#epochs-x [data-value=accuracy]:not([disabled])");
    if (acc) {
      await acc.click();
      await page.waitForSelector("#epochs-x [data-value=accuracy].on");
      epochsX = await page.$eval("[data-figure=epochs] .axis-title", (t) => t.textContent);
    }
  }
  const [md] = await Promise.all([page.waitForEvent("download"), page.click("#findings-md")]);
  await md.saveAs(join(out, "findings.md"));
  await (await page.$("#findings")).screenshot({ path: join(out, "6-audit-findings.png") });
  // a cell of a heatmap that is not the first pair opens its two representations as aligned graphs
  const second = await page.$$("[data-figure=layers] svg.heatmap");
  await second[1].scrollIntoViewIfNeeded();
  const cell = await second[1].$("g.cell[data-a]:not([data-a='']) >> nth=1");
  const openedPair = [await cell.getAttribute("data-a"), await cell.getAttribute("data-b")];
  await cell.click();
  await page.waitForFunction(() => location.hash.startsWith("#/graphs"), null, { timeout: 120000 });
  await page.waitForSelector(".panel svg g.node");
  const panels = await page.$$eval(".panel", (e) => e.length);
  await shot("6-audit-opened");
  return { figures, findings, heatmaps, profiles, cells, depth, exported, epochsX, findingsMd: join(out, "findings.md"),
    openedPair, opened: page.url(), panels };
});

await step("digits_thumbnails", async () => {
  // the audit opened two MNIST graphs: their tooltips and sample lists show the stored 28x28 thumbnails
  await page.waitForSelector(".panel svg g.node");
  const node = await page.$(".panel:first-child g.node");
  await node.hover({ force: true });
  await page.waitForSelector(".tooltip .thumbs canvas:not(.pending)");
  const tooltipThumbs = await page.$$eval(".tooltip .thumbs canvas", (cs) => cs.map((c) => {
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let lit = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] > 40) lit++;
    return { w: c.width, h: c.height, lit };
  }));
  await shot("6-digits-tooltip");
  await node.click({ force: true });
  await page.waitForSelector(".stimlist li canvas:not(.pending)");
  const listThumbs = await page.$$eval(".stimlist li canvas", (cs) => cs.length);
  const listText = await page.$eval(".stimlist", (e) => e.textContent);
  await page.mouse.move(5, 5);
  await page.waitForSelector("#partners");
  await shot("6-digits-selection");
  return { tooltipThumbs, listThumbs, listText: listText.slice(0, 200) };
});

await step("upload_error", async () => {
  await nav("data");
  await page.waitForSelector("#upload-file", { state: "attached" });
  await page.setInputFiles("#upload-file", { name: "broken.npy", mimeType: "application/octet-stream", buffer: Buffer.from("this is not a numpy file") });
  await page.waitForSelector(".staged.failed .error");
  const message = await page.$eval(".staged.failed .error", (e) => e.textContent);
  await shot("1-data-upload-error");
  return { message };
});

await browser.close();
save();
console.log(JSON.stringify(Object.fromEntries(Object.entries(report.steps).map(([k, v]) => [k, v.ok]))));
