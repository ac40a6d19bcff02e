// Frontend benchmarks in headless Chromium (called by bench/bench_frontend.py).
//   node e2e/bench.mjs fps <base>                       4 graphs x 500 nodes: pan/zoom frames per second
//   node e2e/bench.mjs redraw <base> <hash> <n>          parameter change -> redrawn view, n times (seconds each)
// Prints one JSON line.
import { chromium } from "playwright-core";

const [mode, base, ...rest] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  // the new headless mode preloads the omnibox popup WebUI in a renderer of its own (15-60% of a core in our runs):
  // no use without a window, and on a 2-core machine it takes CPU from the page and the server being measured
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup,PreloadTopChromeWebUI"],
});
const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
page.setDefaultTimeout(120000);

/** A synthetic Mapper graph: `n` nodes on noisy rings of clusters, ~1.6 edges per node, 10k stimuli. */
function syntheticGraph(seed, n = 500, nStim = 10000) {
  let s = seed;
  const rnd = () => ((s = (Math.imul(1664525, s) + 1013904223) >>> 0) / 4294967296);
  const nodes = [], edges = [], pos = {};
  for (let i = 0; i < n; i++) {
    const size = 5 + Math.floor(rnd() * 60);
    const start = Math.floor(rnd() * (nStim - size));
    const members = Array.from({ length: size }, (_, k) => start + k);
    const digit = String(Math.floor(start / (nStim / 10)));
    nodes.push({ id: `n${i}`, members, size, cover_element: [i % 20], lens_mean: [rnd()], stability: rnd(),
      labels: { digit: { counts: { [digit]: size - 1, "0": 1 }, dominant: digit, purity: (size - 1) / size } } });
    const a = (2 * Math.PI * i) / n, r = 10 + 3 * Math.sin(i / 7) + rnd();
    pos[`n${i}`] = { id: `n${i}`, x: r * Math.cos(a), y: r * Math.sin(a) };
    if (i > 0) edges.push({ source: `n${i - 1}`, target: `n${i}`, shared: 2, jaccard: rnd() * 0.5, stability: null });
    if (i > 10 && rnd() < 0.6) edges.push({ source: `n${i - 1 - Math.floor(rnd() * 10)}`, target: `n${i}`, shared: 1, jaccard: rnd() * 0.3, stability: null });
  }
  return { graph: { format: "topoalign.mapper_graph/1", representation_id: null, params: {}, n_stimuli: nStim,
    stimulus_ids: Array.from({ length: nStim }, (_, i) => `s${i}`), nodes, edges }, positions: Object.values(pos) };
}

async function fps() {
  const ids = ["b0", "b1", "b2", "b3"];
  const data = Object.fromEntries(ids.map((id, i) => [id, syntheticGraph(11 + i)]));
  await page.route("**/api/graphs/*", (route) => {
    const id = route.request().url().split("/").pop();
    route.fulfill({ json: { ...data[id].graph, id } });
  });
  await page.route("**/api/topo/layout", (route) => route.fulfill({ json: {
    graphs: ids.map((id) => ({ name: id, offset: [0, 0], nodes: data[id].positions })), quality: {} } }));
  await page.goto(`${base}/#/graphs?g=${ids.join(",")}`);
  await page.waitForFunction(() => document.querySelectorAll(".panel g.node").length >= 2000);
  const box = await page.$eval(".panel svg", (e) => { const r = e.getBoundingClientRect(); return { x: r.x + r.width / 2, y: r.y + r.height / 2 }; });
  await page.mouse.move(box.x, box.y);
  await page.evaluate(() => {
    window.__frames = [];
    const tick = (t) => { window.__frames.push(t); if (!window.__stop) requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  });
  const t0 = Date.now();
  // alternate wheel zooms and drag pans for ~4 s, one input per frame or so
  for (let k = 0; k < 12; k++) {
    for (let j = 0; j < 8; j++) { await page.mouse.wheel(0, k % 2 ? 60 : -60); await page.waitForTimeout(16); }
    await page.mouse.down();
    for (let j = 0; j < 10; j++) { await page.mouse.move(box.x + (j - 5) * 12, box.y + (k % 3) * 8); await page.waitForTimeout(16); }
    await page.mouse.up();
  }
  const frames = await page.evaluate(() => { window.__stop = true; return window.__frames; });
  const seconds = (Date.now() - t0) / 1000;
  // once the input pauses the panels are redrawn sharp for the new zoom: the longest frame of that pause
  const settle = [];
  for (let k = 0; k < 3; k++) {
    await page.evaluate(() => {
      window.__stop = false; window.__frames = [];
      const tick = (t) => { window.__frames.push(t); if (!window.__stop) requestAnimationFrame(tick); };
      requestAnimationFrame(tick);
    });
    for (let j = 0; j < 4; j++) { await page.mouse.wheel(0, k % 2 ? 80 : -80); await page.waitForTimeout(16); }
    await page.waitForTimeout(1000);
    const f = await page.evaluate(() => { window.__stop = true; return window.__frames; });
    settle.push(Math.max(...f.slice(1).map((t, i) => t - f[i])));
  }
  const dts = frames.slice(1).map((t, i) => t - frames[i]).sort((a, b) => a - b);
  const p95 = dts[Math.floor(0.95 * (dts.length - 1))];
  return { nodes: await page.$$eval(".panel g.node", (e) => e.length), frames: frames.length, seconds,
    fps: (frames.length - 1) / ((frames[frames.length - 1] - frames[0]) / 1000), frame_ms_p95: p95,
    settle_ms: settle.sort((a, b) => a - b)[1] };
}

async function redraw(hash, n) {
  await page.goto(`${base}/${hash}`);
  await page.waitForSelector(".panel g.node");
  await page.waitForSelector("#quick-intervals");
  const times = [];
  for (let k = 0; k < n; k++) {
    const before = await page.$$eval(".panel", (ps) => ps.map((p) => p.dataset.panel).join("|"));
    const value = String(6 + k);
    const t0 = Date.now();
    await page.fill("#quick-intervals", value);
    await page.dispatchEvent("#quick-intervals", "change");
    await page.waitForFunction((b) => {
      const ps = [...document.querySelectorAll(".panel")];
      return ps.length > 0 && ps.map((p) => p.dataset.panel).join("|") !== b && ps.every((p) => p.querySelector("g.node"));
    }, before, { timeout: 120000 });
    times.push((Date.now() - t0) / 1000);
    await page.waitForSelector("#quick-intervals");
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { times, p50: sorted[Math.floor(0.5 * (sorted.length - 1))], p95: sorted[Math.ceil(0.95 * (sorted.length - 1))] };
}

const result = mode === "fps" ? await fps() : await redraw(rest[0], +(rest[1] ?? 10));
console.log(JSON.stringify(result));
await browser.close();
