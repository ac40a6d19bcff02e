// View 6: the alignment audit: layer x layer heatmaps per metric (geometric and topological), alignment vs depth
// with a chance band, vs epoch, and WD vs OOD per layer. Clicking a cell opens the two representations aligned.
import * as d3 from "d3";
import { api, resolveJob, type AuditResult, type Representation } from "../api";
import { normalizeAudit } from "../api/normalize";
import type { App } from "../app";
import { empty, errorBox, h, svgEl } from "../dom";
import { drawHeatmap } from "../render/heatmap";
import { drawLines } from "../render/lines";
import { graphRequest } from "./build";

export const METRICS = ["cka", "procrustes", "linear", "permutation", "topo"];

/** Build one graph per representation with the current parameters and open them in the aligned view. */
export async function openAligned(app: App, repIds: string[]): Promise<void> {
  const b = app.store.get().build;
  app.notify("Building graphs for the pair…");
  const ids = await app.buildGraphs(repIds, graphRequest("", b), "Mapper");
  app.store.set({ view: "graphs", graphs: ids, reps: repIds, node: null, region: null, match: null }, true);
}

export function mount(root: HTMLElement, app: App): () => void {
  const store = app.store;
  const metricTabs = h("div", { class: "seg", id: "audit-metric" });
  const heat = h("div", { id: "audit-heatmap" });
  const charts = h("div", { class: "charts" });
  const formBox = h("div", { class: "row" });
  let result: AuditResult | null = null;
  let selected: [number, number] | null = null;
  root.append(
    h("div", { class: "topbar" }, h("h2", {}, "Audit"), h("span", { class: "muted" }, "How aligned are layers, seeds, epochs and conditions?"),
      h("span", { class: "grow" }), formBox),
    h("div", { class: "body" }, h("div", { class: "scroll" },
      h("div", { class: "card" }, h("div", { class: "row" }, h("h2", {}, "Layer × layer"), metricTabs,
        h("span", { class: "muted" }, "click a cell to open the pair as aligned graphs")), heat),
      h("div", { class: "card" }, h("h2", {}, "Trends"), charts))));

  async function renderForm(): Promise<void> {
    let reps: Representation[] = [];
    try { reps = await app.representations(); } catch (e) { formBox.replaceChildren(errorBox(e)); return; }
    const cid = store.get().collection;
    const mine = reps.filter((r) => !cid || r.collection_id === cid);
    const models = Array.from(new Set(mine.map((r) => r.provenance.model).filter(Boolean))) as string[];
    const modelSel = h("select", { id: "audit-model" }, h("option", { value: "" }, "all models"), ...models.map((m) => h("option", { value: m }, m)));
    const metricChecks = METRICS.map((m) => h("label", {}, h("input", { type: "checkbox", value: m, checked: m !== "permutation" }), ` ${m}`));
    formBox.replaceChildren(modelSel, ...metricChecks,
      h("button", { class: "primary", id: "audit-run", onclick: () => {
        const reps2 = mine.filter((r) => !modelSel.value || r.provenance.model === modelSel.value).map((r) => r.id);
        const metrics = metricChecks.map((l) => l.querySelector("input")!).filter((i) => i.checked).map((i) => i.value);
        void run(reps2, metrics);
      } }, "Run audit"));
  }

  async function run(repIds: string[], metrics: string[]): Promise<void> {
    if (repIds.length < 2) { app.notify("An audit needs at least two representations.", "error"); return; }
    heat.replaceChildren(h("div", { class: "loading" }, "Running the audit…"));
    try {
      const r = await api.audit({ representation_ids: repIds, metrics });
      const { value } = r.job ? { value: (await app.jobs.start("Audit", r.job)).result } : await resolveJob(r);
      result = normalizeAudit(value);
      if (result.id) store.set({ audit: result.id });
      render();
    } catch (e) { heat.replaceChildren(errorBox(e)); }
  }

  function render(): void {
    if (!result || !result.matrices.length) {
      heat.replaceChildren(empty("No audit yet: pick representations and metrics above, then Run audit."));
      charts.replaceChildren();
      return;
    }
    const metric = store.get().metric && result.matrices.some((m) => m.metric === store.get().metric) ? store.get().metric! : result.matrices[0].metric;
    metricTabs.replaceChildren(...result.matrices.map((m) => h("button", { class: m.metric === metric ? "on" : "", "data-value": m.metric,
      onclick: () => { selected = null; store.set({ metric: m.metric }); render(); } }, m.metric)));
    const m = result.matrices.find((x) => x.metric === metric)!;
    const svg = svgEl(10, 10);
    heat.replaceChildren(svg);
    drawHeatmap(d3.select(svg), m, { selected, onClick: (cell, i, j) => {
      selected = [i, j];
      render();
      if (cell.a && cell.b && cell.a !== cell.b) void openAligned(app, [cell.a, cell.b]).catch((e) => app.notify(e.message, "error"));
    } });
    charts.replaceChildren();
    const chart = (title: string, series: AuditResult["depth"], xLabel: string) => {
      if (!series.length) return;
      const s = svgEl(440, 230);
      charts.append(h("div", { "data-chart": title }, h("h3", {}, title), s));
      drawLines(d3.select(s), series, { xLabel, yLabel: "alignment", onClick: (p) => {
        if (p.a && p.b) void openAligned(app, [p.a, p.b]).catch((e) => app.notify(e.message, "error"));
      } });
    };
    chart("Alignment vs depth", result.depth, "layer depth");
    chart("Alignment vs epoch", result.epoch, "epoch");
    chart("WD vs OOD per layer", result.ood, "layer");
    if (!charts.childElementCount) charts.append(h("div", { class: "muted" }, "No depth, epoch or OOD series in this audit."));
  }

  app.exportHooks = {
    name: "audit",
    svg: () => [...root.querySelectorAll<SVGSVGElement>("#audit-heatmap svg, .charts svg")].map((svg, i, all) => ({
      svg, x: i === 0 ? 0 : ((i - 1) % 2) * 450, y: i === 0 ? 0 : (+(all[0].getAttribute("height") ?? 0)) + 30 + Math.floor((i - 1) / 2) * 250,
      title: i === 0 ? `${store.get().metric ?? result?.matrices[0]?.metric ?? ""}` : svg.closest("[data-chart]")?.getAttribute("data-chart") ?? undefined })),
    csv: () => (result?.matrices ?? []).flatMap((m) => m.cells.flatMap((row, i) => row.map((c, j) => ({
      metric: m.metric, row: m.rows[i], col: m.cols[j], value: c.value, representation_a: c.a, representation_b: c.b })))),
    json: () => result,
  };
  void renderForm();
  render();
  return () => {};
}
