// The Audit view's figures, drawn from the server's summary (GET /api/audits/{id}/summary; the aggregation lives in
// topoalign.align.audit_summary): Fig. 1 depth, Fig. 2 layer x layer, Fig. 3 training, Fig. 4 WD vs OOD, Fig. 5
// alignment vs task accuracy under shift. Every point and cell opens its two representations as aligned graphs.
import * as d3 from "d3";
import type { AuditFigures, AuditLayerMatrix } from "../api";
import { empty, h, svgEl } from "../dom";
import { drawChart, type Area, type Series, type XY } from "../render/chart";
import { categoryScale } from "../render/colors";
import { drawHeatmap, type HeatCell, type HeatMatrix } from "../render/heatmap";
import { figureCard, segmented, type Figure } from "./figure";

type Epoch = AuditFigures["epochs"][number];
type Ood = AuditFigures["ood"][number];
type WdOod = AuditFigures["wd_ood"][number];

export interface FigureContext {
  summary: AuditFigures;
  metric: string;
  /** Open the representation pairs behind a point or cell. */
  open: (pairs: string[][]) => void;
  /** Re-render the figures (after a figure's own control changed). */
  rerender: () => void;
  /** Per-figure UI state that survives re-renders. */
  ui: Record<string, string>;
  fileStem: () => string;
}

const RANDOM = "#9aa0a6";
const CHANCE = "#555";
const fmt = d3.format(".3f");
const pct = d3.format(".0%");
const depthOf = (r: { layer_fraction?: number | null; layer_index?: number | null }) =>
  r.layer_fraction ?? (r.layer_index ?? 0);
const spread = (mean: number | null | undefined, sd: number | null | undefined) =>
  mean === null || mean === undefined ? {} : { lo: mean - (sd ?? 0), hi: mean + (sd ?? 0) };
const pairsOf = (p: XY) => (p.data as string[][] | undefined) ?? [];
const group = <T,>(rows: T[], key: (r: T) => string) => d3.group(rows, key);

/** The paper's order: the three families from most to least flexible, then the others. */
const METRIC_ORDER = ["linear", "procrustes", "permutation", "soft", "cka", "cka_debiased", "mutual_knn", "topological"];
const byMetric = (a: string, b: string) => (METRIC_ORDER.indexOf(a) + 1 || 99) - (METRIC_ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b);

export function metricsOf(s: AuditFigures): string[] {
  return Array.from(new Set([...s.depth.map((r) => r.metric), ...s.layers.map((m) => m.metric), ...s.epochs.map((r) => r.metric),
    ...s.ood.map((r) => r.metric)])).sort(byMetric);
}

/** Fig. 1: alignment vs depth fraction, one panel per metric: mean +- sd over seed pairs per architecture, the
 * random-network band (untrained pairs, mean +- sd), chance (permutation null) and, for matching metrics, the
 * random-rotation baseline. */
export function depthFigure(ctx: FigureContext): Figure | null {
  const rows = ctx.summary.depth;
  if (!rows.length) return null;
  const models = categoryScale(rows.map((r) => r.model));
  const panels: { svg: SVGSVGElement; title: string }[] = [];
  const body = h("div", { class: "multiples" });
  for (const [metric, mrows] of [...group(rows, (r) => r.metric)].sort((a, b) => byMetric(a[0], b[0]))) {
    const series: Series[] = [], areas: Area[] = [];
    for (const [model, rs] of group(mrows, (r) => r.model)) {
      // the band: sd over model pairs, or the cross-validation fold sd when there is one pair
      series.push({ name: model, color: models(model), spread: "band", points: rs.map((r) => ({
        x: depthOf(r), y: r.mean ?? null, ...spread(r.mean, r.n_pairs > 1 ? r.sd : r.fold_sd), data: r.pairs,
        title: `${model} · ${r.layer}: ${fmt(r.mean ?? NaN)} ± ${fmt(r.sd ?? 0)} over ${r.n_pairs} pair(s)` +
          (r.fold_sd !== null && r.fold_sd !== undefined ? ` (fold sd ${fmt(r.fold_sd)})` : ""),
      })) });
    }
    // the untrained band and the rotation baseline per architecture (their layers sit at different depths)
    const byModel = [...group(mrows, (r) => r.model)];
    byModel.forEach(([model, rs], i) => {
      const random = rs.filter((r) => r.random_mean !== null && r.random_mean !== undefined);
      if (random.length) areas.push({ name: byModel.length > 1 ? "untrained (per model)" : "untrained", legend: i === 0,
        color: byModel.length > 1 ? models(model) : RANDOM,
        points: random.map((r) => ({ x: depthOf(r), lo: r.random_mean! - (r.random_sd ?? 0), hi: r.random_mean! + (r.random_sd ?? 0) })) });
    });
    const chance = mrows.filter((r) => r.chance !== null && r.chance !== undefined);
    if (chance.length) series.push({ name: "chance", color: CHANCE, style: "dashed",
      points: [...d3.rollup(chance, (v) => d3.mean(v, (r) => r.chance!)!, (r) => depthOf(r))].map(([x, y]) => ({ x, y })) });
    byModel.forEach(([model, rs], i) => {
      const rotation = rs.filter((r) => r.rotation !== null && r.rotation !== undefined);
      if (rotation.length) series.push({ name: byModel.length > 1 ? "rotation (per model)" : "rotation", legend: i === 0,
        color: byModel.length > 1 ? models(model) : "#b07aa1", style: "dotted",
        points: rotation.map((r) => ({ x: depthOf(r), y: r.rotation!, title: `${model} · ${r.layer}: random rotation ${fmt(r.rotation!)}` })) });
    });
    const svg = svgEl(378, 250);
    drawChart(d3.select(svg), series, areas, { width: 378, height: 250, legendWidth: 100,
      xLabel: "depth (fraction of the model's layers)", yLabel: metric,
      xDomain: [0, 1], onPoint: (p) => ctx.open(pairsOf(p)) });
    svg.setAttribute("data-metric", metric);
    panels.push({ svg, title: metric });
    body.append(h("div", { class: "multiple" }, h("div", { class: "multiple-title" }, metric), svg));
  }
  return figureCard("depth", "Fig. 1 · Alignment vs depth",
    "Same-architecture models (seeds) at the final checkpoint, in distribution: line and band = mean ± sd over model " +
    "pairs (with one pair: ± the cross-validation fold sd); shaded area = the same layers between untrained networks; " +
    "dashed = chance (stimuli shuffled); dotted = random-rotation baseline (permutation and soft matching). Click a " +
    "point to open its pair as aligned graphs.",
    [], body, { svgs: () => panels, csv: () => rows.map(({ pairs, ...r }) => ({ ...r, pairs: pairs.length })) }, ctx.fileStem);
}

function asMatrix(m: AuditLayerMatrix): HeatMatrix {
  const cells: HeatCell[][] = m.scores.map((row, i) => row.map((v, j) => {
    const ids = m.representation_ids[i]?.[j];
    const error = m.errors[i]?.[j];
    return { value: v ?? null, a: ids?.[0] ?? "", b: ids?.[1] ?? "", ...(error ? { error } : {}) };
  }));
  return { metric: m.metric, rows: m.rows, cols: m.columns, cells };
}

const PAGE = 24;

/** Fig. 2: layer x layer heatmaps for every model pair (and within each model) of the chosen metric, on one
 * colour scale, with row / column maximum profiles. */
export function layersFigure(ctx: FigureContext): Figure | null {
  const all = ctx.summary.layers.filter((m) => m.metric === ctx.metric);
  if (!ctx.summary.layers.length) return null;
  const filter = ctx.ui.layersFilter ?? "";
  const shown = all.filter((m) => !filter || `${m.model_a} ${m.model_b}`.toLowerCase().includes(filter.toLowerCase()));
  const limit = ctx.ui.layersAll === "1" ? shown.length : PAGE;
  const values = all.flatMap((m) => m.scores.flat()).filter((v): v is number => v !== null && Number.isFinite(v));
  const domain: [number, number] = values.length ? [Math.min(0, d3.min(values)!), Math.max(1e-9, d3.max(values)!)] : [0, 1];
  const maxLayers = d3.max(all, (m) => Math.max(m.rows.length, m.columns.length)) ?? 1;
  const cell = Math.max(9, Math.min(26, Math.floor(260 / maxLayers)));
  const panels: { svg: SVGSVGElement; title: string }[] = [];
  const section = (title: string, mats: AuditLayerMatrix[]) => {
    if (!mats.length) return null;
    const box = h("div", { class: "multiples" });
    for (const m of mats) {
      const svg = svgEl(10, 10);
      const name = m.within_model ? `${m.model_a} (within)` : `${m.model_a} × ${m.model_b}`;
      drawHeatmap(d3.select(svg), asMatrix(m), { cell, domain, maxLabel: 12, profiles: { rowMax: m.row_max, colMax: m.col_max },
        onClick: (c) => { if (c.a && c.b) ctx.open([[c.a, c.b]]); } });
      svg.setAttribute("data-pair", `${m.model_a}|${m.model_b}`);
      panels.push({ svg, title: name });
      box.append(h("div", { class: "multiple" }, h("div", { class: "multiple-title", title: name }, name), svg));
    }
    return h("div", {}, h("h3", {}, title), box);
  };
  const visible = shown.slice(0, limit);
  const search = h("input", { type: "search", id: "layers-filter", placeholder: "filter models", value: filter, style: { width: "130px" } });
  search.addEventListener("change", () => { ctx.ui.layersFilter = search.value; ctx.rerender(); });
  const more = shown.length > limit ? h("button", { id: "layers-more", onclick: () => { ctx.ui.layersAll = "1"; ctx.rerender(); } },
    `Show all ${shown.length} pairs`) : null;
  const body = h("div", {},
    all.length ? null : empty(`No layer × layer cells for ${ctx.metric}.`),
    section("Between models", visible.filter((m) => !m.within_model)),
    section("Within each model", visible.filter((m) => m.within_model)),
    more);
  return figureCard("layers", `Fig. 2 · Layer × layer · ${ctx.metric}`,
    `One heatmap per model pair at the final checkpoint (rows: layers of the first model, columns: the second), one ` +
    `colour scale [${fmt(domain[0])}, ${fmt(domain[1])}] (viridis, yellow = aligned); grey lines: row maxima (right) and ` +
    `column maxima (top). ${shown.length} of ${all.length} pairs match the filter. Click a cell to open the pair.`,
    [search], body, {
      svgs: () => panels,
      csv: () => visible.flatMap((m) => m.scores.flatMap((row, i) => row.map((v, j) => ({
        metric: m.metric, model_a: m.model_a, model_b: m.model_b, layer_a: m.rows[i], layer_b: m.columns[j], score: v,
        row_max: m.row_max[i], col_max: m.col_max[j],
        representation_a: m.representation_ids[i]?.[j]?.[0] ?? null, representation_b: m.representation_ids[i]?.[j]?.[1] ?? null,
      })))),
    }, ctx.fileStem);
}

/** Fig. 3: alignment through training, one line per layer, x = epoch or the models' task accuracy; lighter points
 * are earlier checkpoints. */
export function epochsFigure(ctx: FigureContext): Figure | null {
  const rows = ctx.summary.epochs.filter((r) => r.metric === ctx.metric);
  if (!ctx.summary.epochs.length) return null;
  const hasAccuracy = rows.some((r) => r.accuracy !== null && r.accuracy !== undefined);
  const xMode = hasAccuracy && ctx.ui.epochsX === "accuracy" ? "accuracy" : "epoch";
  const seen = (r: Epoch) => r.epochs_seen ?? r.epoch ?? 0;
  const epochs = rows.map(seen);
  const [e0, e1] = [d3.min(epochs) ?? 0, d3.max(epochs) ?? 1];
  const series: Series[] = [];
  const oneModel = new Set(rows.map((r) => r.model)).size <= 1;
  const byLayer = group(rows, (r) => (oneModel ? r.layer : `${r.model} · ${r.layer}`));
  const depthColor = d3.scaleSequential(d3.interpolatePlasma).domain([-0.1, 1.1]);
  for (const [name, rs] of byLayer) {
    const pts = [...rs].sort((a, b) => seen(a) - seen(b));
    series.push({ name, color: depthColor(pts[0].layer_fraction ?? 0), spread: "bars", points: pts
      .filter((r) => xMode === "epoch" || (r.accuracy !== null && r.accuracy !== undefined))
      .map((r: Epoch) => ({ x: xMode === "epoch" ? seen(r) : r.accuracy!, y: r.mean ?? null, ...spread(r.mean, r.sd),
        shade: e1 > e0 ? (seen(r) - e0) / (e1 - e0) : 1, data: r.pairs,
        title: `${name}, ${r.checkpoint ?? ""} (${fmt(seen(r))} epochs)${r.accuracy !== null && r.accuracy !== undefined ? `, accuracy ${pct(r.accuracy)}` : ""}: ` +
          `${fmt(r.mean ?? NaN)} ± ${fmt(r.sd ?? 0)}` })) });
  }
  const svg = svgEl(560, 280);
  drawChart(d3.select(svg), series, [], { width: 560, height: 280, legendWidth: 170,
    xLabel: xMode === "epoch" ? "epochs of training" : "task accuracy (mean of the two models)", yLabel: ctx.metric,
    onPoint: (p) => ctx.open(pairsOf(p)) });
  const toggle = segmented("epochs-x", ["epoch", "accuracy"], xMode, (v) => { ctx.ui.epochsX = v; ctx.rerender(); },
    (v) => `x: ${v}`);
  if (!hasAccuracy) toggle.querySelector<HTMLButtonElement>('[data-value="accuracy"]')!.disabled = true;
  return figureCard("epochs", `Fig. 3 · Training · ${ctx.metric}`,
    `Same-architecture pairs at every checkpoint, one line per layer (dark = early layer, yellow = deep), mean ± sd over ` +
    `pairs; lighter points are earlier checkpoints.` + (hasAccuracy ? "" : " No task accuracy is recorded (provenance " +
    "metrics.accuracy), so the x axis is the epoch."), [toggle], h("div", {}, rows.length ? svg : empty(`No checkpoints for ${ctx.metric}.`)),
    { svgs: () => (rows.length ? [{ svg, title: `Training · ${ctx.metric}` }] : []),
      csv: () => rows.map(({ pairs, ...r }) => ({ ...r, pairs: pairs.length })) }, ctx.fileStem);
}

/** Fig. 4: in-distribution alignment vs the mean +- standard error over shifted conditions, per depth, with one
 * faint line per shift; one panel per architecture. */
export function oodFigure(ctx: FigureContext): Figure | null {
  const wd = ctx.summary.wd_ood.filter((r) => r.metric === ctx.metric);
  const ood = ctx.summary.ood.filter((r) => r.metric === ctx.metric && r.same_architecture !== false);
  if (!ctx.summary.wd_ood.length) return null;
  const panels: { svg: SVGSVGElement; title: string }[] = [];
  const body = h("div", { class: "multiples" });
  const shifts = categoryScale(ood.filter((r) => !r.in_distribution).map((r) => r.condition ?? ""));
  for (const [model, rows] of group(wd, (r) => r.model)) {
    const series: Series[] = [];
    const perShift = group(ood.filter((r) => r.model === model && !r.in_distribution), (r) => r.condition ?? "");
    for (const [cond, rs] of perShift) series.push({ name: cond, color: shifts(cond), style: "faint", legend: false,
      points: rs.map((r: Ood) => ({ x: depthOf(r), y: r.mean ?? null })) });
    const idRows = ood.filter((r) => r.model === model && r.in_distribution);
    series.push({ name: "WD", color: "#1f77b4", spread: "bars", points: rows.map((r: WdOod) => {
      const row = idRows.find((x) => x.layer === r.layer);
      return { x: depthOf(r), y: r.wd ?? null, data: row?.pairs, title: `${r.layer} WD: ${fmt(r.wd ?? NaN)}` };
    }) });
    series.push({ name: "OOD ± SE", color: "#d62728", spread: "bars", points: rows.map((r: WdOod) => ({
      x: depthOf(r), y: r.ood_mean ?? null, lo: r.ood_mean !== null && r.ood_mean !== undefined ? r.ood_mean - (r.ood_se ?? 0) : null,
      hi: r.ood_mean !== null && r.ood_mean !== undefined ? r.ood_mean + (r.ood_se ?? 0) : null,
      data: ood.filter((x) => x.model === model && x.layer === r.layer && !x.in_distribution).flatMap((x) => x.pairs),
      title: `${r.layer} OOD: ${fmt(r.ood_mean ?? NaN)} ± ${fmt(r.ood_se ?? 0)} (SE over ${r.n_shifts} shifts), gap ${fmt(r.gap ?? NaN)}` })) });
    const svg = svgEl(420, 260);
    drawChart(d3.select(svg), series, [], { width: 420, height: 260, legendWidth: 110, xDomain: [0, 1],
      xLabel: "depth (fraction of the model's layers)", yLabel: ctx.metric, onPoint: (p) => ctx.open(pairsOf(p)) });
    svg.setAttribute("data-model", model);
    panels.push({ svg, title: model });
    body.append(h("div", { class: "multiple" }, h("div", { class: "multiple-title" }, model), svg));
  }
  if (!wd.length) body.append(empty(`No shifted conditions for ${ctx.metric}.`));
  return figureCard("ood", `Fig. 4 · In distribution vs out of distribution · ${ctx.metric}`,
    "Seed pairs at the final checkpoint under every input condition: blue = in distribution (WD), red = mean ± standard " +
    `error over the ${wd[0]?.n_shifts ?? 0} shifted conditions (OOD), faint lines = one per shift. Click a point to open its pair.`,
    [], body, { svgs: () => panels, csv: () => [
      ...wd.map((r) => ({ kind: "wd_vs_ood", ...r })),
      ...ood.map(({ pairs, ...r }) => ({ kind: "condition", ...r, pairs: pairs.length })),
    ] }, ctx.fileStem);
}

interface CorrPoint { metric: string; model: string; layer: string; layer_fraction: number; pearson: number; n_conditions: number }

/** Fig. 5: (a) alignment vs task accuracy across conditions at a chosen layer (default: first and deepest), (b) the
 * correlation of the two as a function of depth (from the `ood_performance` finding). */
export function accuracyFigure(ctx: FigureContext): Figure | null {
  const ood = ctx.summary.ood.filter((r) => r.metric === ctx.metric && r.same_architecture !== false &&
    r.accuracy !== null && r.accuracy !== undefined);
  if (!ctx.summary.ood.length) return null;
  const finding = ctx.summary.findings.find((f) => f.id === "ood_performance");
  const corr = ((finding?.evidence?.per_layer ?? []) as CorrPoint[]).filter((p) => p.metric === ctx.metric);
  const models = Array.from(new Set(ood.map((r) => r.model)));
  const model = models.includes(ctx.ui.accModel ?? "") ? ctx.ui.accModel! : models[0] ?? "";
  const rows = ood.filter((r) => r.model === model);
  const layers = Array.from(new Set(rows.sort((a, b) => depthOf(a) - depthOf(b)).map((r) => r.layer)));
  const chosen = layers.includes(ctx.ui.accLayer ?? "") ? [ctx.ui.accLayer!] : [layers[0], layers[layers.length - 1]].filter((l, i, a) => l && a.indexOf(l) === i);
  const conds = categoryScale(rows.map((r) => r.condition ?? ""));
  const panels: { svg: SVGSVGElement; title: string }[] = [];
  const body = h("div", { class: "multiples" });
  for (const layer of chosen) {
    const rs = rows.filter((r) => r.layer === layer);
    // few conditions: one colour each; many (corruptions x severities): in distribution vs shifted, names in tooltips
    const many = new Set(rs.map((r) => r.condition)).size > 8;
    const key = (r: Ood) => (many ? (r.in_distribution ? "in distribution" : "shifted") : r.condition ?? "");
    const color = (k: string) => (many ? (k === "shifted" ? "#4e79a7" : "#e15759") : conds(k));
    const series: Series[] = Array.from(group(rs, key)).map(([k, v]) => ({
      name: k, color: color(k), style: "dots" as const, points: v.map((r) => ({ x: r.accuracy!, y: r.mean ?? null,
        data: r.pairs, title: `${r.condition}: accuracy ${pct(r.accuracy!)}, ${ctx.metric} ${fmt(r.mean ?? NaN)}` })) }))
      .sort((a, b) => Number(a.name === "in distribution") - Number(b.name === "in distribution")); // WD on top
    const c = corr.find((p) => p.model === model && p.layer === layer);
    const svg = svgEl(380, 250);
    drawChart(d3.select(svg), series, [], { width: 380, height: 250, legendWidth: 110, xLabel: "task accuracy under the condition",
      yLabel: ctx.metric, onPoint: (p) => ctx.open(pairsOf(p)) });
    const title = `${layer}${c ? ` · r = ${c.pearson.toFixed(2)}` : ""}`;
    svg.setAttribute("data-layer", layer);
    panels.push({ svg, title: `${model} · ${title}` });
    body.append(h("div", { class: "multiple" }, h("div", { class: "multiple-title" }, title), svg));
  }
  const corrSeries: Series[] = Array.from(group(corr, (p) => p.model)).map(([m, pts]) => ({
    name: m, color: categoryScale(corr.map((p) => p.model))(m), points: pts.map((p) => ({ x: p.layer_fraction, y: p.pearson,
      title: `${p.layer}: r = ${p.pearson.toFixed(2)} over ${p.n_conditions} conditions` })) }));
  if (corrSeries.length) {
    const svg = svgEl(380, 250);
    drawChart(d3.select(svg), corrSeries, [], { width: 380, height: 250, legendWidth: 110, xDomain: [0, 1], yDomain: [-1, 1],
      xLabel: "depth (fraction of the model's layers)", yLabel: "Pearson r (alignment, accuracy)" });
    svg.setAttribute("data-panel", "correlation");
    panels.push({ svg, title: "correlation vs depth" });
    body.append(h("div", { class: "multiple" }, h("div", { class: "multiple-title" }, "(b) correlation vs depth"), svg));
  } else if (rows.length) {
    body.append(h("div", { class: "multiple", id: "acc-corr-missing" }, h("div", { class: "multiple-title" }, "(b) correlation vs depth"),
      empty(finding?.text ?? "Needs four or more conditions with a task accuracy per layer.")));
  }
  if (!rows.length) body.replaceChildren(empty("No task accuracy per condition is recorded (provenance metrics.accuracy of each " +
    "shifted representation), so alignment cannot be set against performance."));
  const modelSel = models.length > 1 ? h("select", { id: "acc-model" }, ...models.map((m) => h("option", { value: m, selected: m === model }, m))) : null;
  modelSel?.addEventListener("change", () => { ctx.ui.accModel = modelSel.value; ctx.ui.accLayer = ""; ctx.rerender(); });
  const layerSel = h("select", { id: "acc-layer" }, h("option", { value: "" }, "first and deepest layer"),
    ...layers.map((l) => h("option", { value: l, selected: chosen.length === 1 && chosen[0] === l }, l)));
  layerSel.addEventListener("change", () => { ctx.ui.accLayer = layerSel.value; ctx.rerender(); });
  return figureCard("accuracy", `Fig. 5 · Alignment vs task accuracy under shift · ${ctx.metric}`,
    "(a) One point per input condition: the pair's alignment against the models' accuracy under that condition; " +
    "(b) the Pearson correlation of the two per layer, against depth.", [modelSel, layerSel], body,
    { svgs: () => panels, csv: () => [...ood.map(({ pairs, ...r }) => ({ kind: "condition", ...r, pairs: pairs.length })),
      ...corr.map((p) => ({ kind: "correlation", ...p }))] }, ctx.fileStem);
}
