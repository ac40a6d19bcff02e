// View 6: the alignment audit: layer x layer heatmaps per metric (geometric and topological), alignment vs depth
// with a chance band, vs epoch, and WD vs OOD per layer. Clicking a cell opens the two representations aligned.
import * as d3 from "d3";
import { api, resolveJob, type AuditResult, type Collection } from "../api";
import { normalizeAudit } from "../api/normalize";
import type { App } from "../app";
import { empty, errorBox, h, svgEl } from "../dom";
import { drawHeatmap } from "../render/heatmap";
import { drawLines } from "../render/lines";
import { graphRequest } from "./build";

export const METRICS = ["cka", "procrustes", "linear", "permutation", "soft", "cka_debiased", "mutual_knn", "topological"] as const;
const DEFAULT_METRICS = new Set(["cka", "procrustes", "linear"]);

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
    let cols: Collection[] = [];
    try { cols = await app.collections(); } catch (e) { formBox.replaceChildren(errorBox(e)); return; }
    const cid = store.get().collection ?? cols[0]?.id;
    const colSel = h("select", { id: "audit-collection" }, ...cols.map((c) => h("option", { value: c.id, selected: c.id === cid }, c.name)));
    const metricChecks = METRICS.map((m) => h("label", {}, h("input", { type: "checkbox", value: m, checked: DEFAULT_METRICS.has(m) }), ` ${m}`));
    const folds = h("input", { type: "number", id: "audit-folds", value: 3, min: 2, max: 20, title: "cross-validation folds" });
    colSel.addEventListener("change", () => { store.set({ collection: colSel.value, audit: null }); result = null; void loadLatest(colSel.value); });
    formBox.replaceChildren(colSel, ...metricChecks, h("label", {}, "folds ", folds),
      h("button", { class: "primary", id: "audit-run", onclick: () => {
        const metrics = metricChecks.map((l) => l.querySelector("input")!).filter((i) => i.checked).map((i) => i.value);
        void run(colSel.value, metrics as (typeof METRICS)[number][], +folds.value || 3);
      } }, "Run audit"));
    if (store.get().audit) await load(store.get().audit!);
    else if (cid) await loadLatest(cid);
  }

  async function load(id: string): Promise<void> {
    try {
      result = normalizeAudit(await api.auditResult(id));
      store.set({ audit: id });
    } catch (e) { heat.replaceChildren(errorBox(e)); return; }
    render();
  }

  async function loadLatest(cid: string): Promise<void> {
    const list = await api.audits(cid).catch(() => []);
    const latest = list.sort((a, b) => b.created_at - a.created_at)[0];
    if (latest) await load(latest.id); else render();
  }

  async function run(cid: string, metrics: (typeof METRICS)[number][], folds: number): Promise<void> {
    if (!metrics.length) { app.notify("Pick at least one metric.", "error"); return; }
    heat.replaceChildren(h("div", { class: "loading" }, "Running the audit… (progress in the sidebar)"));
    try {
      const r = await api.startAudit(cid, { metrics, folds });
      const { value } = r.job ? { value: (await app.jobs.start("Audit", r.job)).result as { audit_id: string } } : await resolveJob(r);
      await load(value.audit_id);
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
    heat.replaceChildren(h("div", { class: "muted", style: { fontSize: "11px", marginBottom: "4px" } }, m.kind ?? ""), svg);
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
    chart("Alignment vs depth", result.depth, "layer index (band: random-init baseline)");
    chart(`Alignment vs epoch · ${metric}`, result.epoch.filter((x) => x.metric === metric), "epoch");
    chart(`WD vs OOD per layer · ${metric}`, result.ood.filter((x) => x.metric === metric), "layer");
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
