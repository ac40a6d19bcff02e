// View 6: the alignment audit, figure for figure with the convergent-learning paper (Figs. 1-5), plus the findings
// report. The server aggregates (GET /api/audits/{id}/summary); this view only draws, and every point or cell opens
// its two representations as aligned graphs.
import { api, type AuditFigures, type Collection, unexpectedJob } from "../api";
import type { App } from "../app";
import { empty, errorBox, h } from "../dom";
import { download } from "../render/export";
import { accuracyFigure, depthFigure, epochsFigure, layersFigure, metricsOf, oodFigure, type FigureContext } from "./audit_figures";
import { graphRequest } from "./build";
import { placedHeight, placePanels, segmented, type Figure } from "./figure";
import { findingsPanel } from "./findings";

export const METRICS = ["linear", "procrustes", "permutation", "soft", "cka", "cka_debiased", "mutual_knn", "topological"] as const;
const DEFAULT_METRICS = new Set(["linear", "procrustes", "permutation"]);

/** Build one graph per representation with the current parameters and open them in the aligned view. */
export async function openAligned(app: App, repIds: string[]): Promise<void> {
  const b = app.store.get().build;
  app.notify("Building graphs for the pair…");
  const ids = await app.buildGraphs(repIds, graphRequest("", b), "Mapper");
  app.store.set({ view: "graphs", graphs: ids, reps: repIds, node: null, region: null, match: null }, true);
}

export function mount(root: HTMLElement, app: App): () => void {
  const store = app.store;
  const formBox = h("div", { class: "row" });
  const findingsBox = h("div");
  const metricBar = h("div", { class: "row", id: "audit-metric-bar" });
  const figuresBox = h("div", { id: "audit-figures" });
  let summary: AuditFigures | null = null;
  let figures: Figure[] = [];
  const ui: Record<string, string> = {};
  root.append(
    h("div", { class: "topbar" }, h("h2", {}, "Audit"),
      h("span", { class: "muted" }, "Do layers, seeds, checkpoints and conditions align, as the paper says?"),
      h("span", { class: "grow" }), formBox),
    h("div", { class: "body" }, h("div", { class: "scroll" }, findingsBox, metricBar, figuresBox)));

  async function renderForm(): Promise<void> {
    let cols: Collection[];
    try { cols = await app.collections(); } catch (e) { formBox.replaceChildren(errorBox(e)); return; }
    const cid = store.get().collection ?? cols[0]?.id;
    const colSel = h("select", { id: "audit-collection" }, ...cols.map((c) => h("option", { value: c.id, selected: c.id === cid }, c.name)));
    const metricChecks = METRICS.map((m) => h("label", {}, h("input", { type: "checkbox", value: m, checked: DEFAULT_METRICS.has(m) }), ` ${m}`));
    const folds = h("input", { type: "number", id: "audit-folds", value: 5, min: 2, max: 20, title: "cross-validation folds" });
    colSel.addEventListener("change", () => { store.set({ collection: colSel.value, audit: null }); summary = null; void loadLatest(colSel.value); });
    formBox.replaceChildren(colSel, ...metricChecks, h("label", {}, "folds ", folds),
      h("button", { class: "primary", id: "audit-run", onclick: () => {
        const metrics = metricChecks.map((l) => l.querySelector("input")!).filter((i) => i.checked).map((i) => i.value);
        void run(colSel.value, metrics as (typeof METRICS)[number][], +folds.value || 5);
      } }, "Run audit"));
    if (store.get().audit) await load(store.get().audit!);
    else if (cid) await loadLatest(cid);
  }

  async function load(id: string): Promise<void> {
    figuresBox.replaceChildren(h("div", { class: "loading" }, "Loading the audit…"));
    try {
      summary = await api.auditSummary(id);
      store.set({ audit: id });
    } catch (e) { figuresBox.replaceChildren(errorBox(e)); return; }
    render();
  }

  async function loadLatest(cid: string): Promise<void> {
    const list = await api.audits(cid).catch(() => []);
    const latest = list.sort((a, b) => b.created_at - a.created_at)[0];
    if (latest) await load(latest.id); else render();
  }

  async function run(cid: string, metrics: (typeof METRICS)[number][], folds: number): Promise<void> {
    if (!metrics.length) { app.notify("Pick at least one metric.", "error"); return; }
    figuresBox.replaceChildren(h("div", { class: "loading" }, "Running the audit… (progress in the sidebar)"));
    try {
      const done = await app.jobs.start("Audit", await api.startAudit(cid, { metrics, folds }));
      if (done.kind !== "audit" || !done.result) throw unexpectedJob(done, "audit");
      await load(done.result.audit_id); // the stored audit the job wrote (or found)
    } catch (e) { figuresBox.replaceChildren(errorBox(e)); }
  }

  const fileStem = () => `audit-${summary?.collection?.name ?? ""}-${summary?.audit_id ?? ""}`.replace(/[^A-Za-z0-9_.-]+/g, "_");

  async function downloadFindings(format: "md" | "json"): Promise<void> {
    if (!summary) return;
    try {
      const text = await api.auditFindings(summary.audit_id, format);
      download(`findings-${fileStem()}.${format}`, text, format === "md" ? "text/markdown" : "application/json");
    } catch (e) { app.notify((e as Error).message, "error"); }
  }

  function open(pairs: string[][]): void {
    const pair = pairs.find((p) => p.length === 2 && p[0] !== p[1]);
    if (pair) void openAligned(app, pair).catch((e) => app.notify(e.message, "error"));
  }

  function render(): void {
    if (!summary) {
      findingsBox.replaceChildren();
      metricBar.replaceChildren();
      figuresBox.replaceChildren(empty("No audit of this collection yet: pick metrics above, then Run audit."));
      figures = [];
      return;
    }
    const metrics = metricsOf(summary);
    const metric = metrics.includes(store.get().metric ?? "") ? store.get().metric! : (metrics.includes("procrustes") ? "procrustes" : metrics[0]);
    findingsBox.replaceChildren(findingsPanel(summary.findings, (f) => void downloadFindings(f)));
    const plan = summary.plan as { models?: string[]; checkpoints?: (string | null)[]; depth_from_order?: string[] };
    metricBar.replaceChildren(h("b", {}, "Metric for Figs. 2-5"),
      segmented("audit-metric", metrics, metric, (v) => { store.set({ metric: v }); render(); }),
      h("span", { class: "muted" }, `${plan.models?.length ?? 0} models · ${plan.checkpoints?.length ?? 0} checkpoints · ` +
        `${(summary.params as { folds?: number }).folds ?? "?"}-fold cross-validation` +
        (plan.depth_from_order?.length ? ` · depth from layer order for ${plan.depth_from_order.length} model(s)` : "")));
    const ctx: FigureContext = { summary, metric, open, rerender: render, ui, fileStem };
    figures = [depthFigure(ctx), layersFigure(ctx), epochsFigure(ctx), oodFigure(ctx), accuracyFigure(ctx)]
      .filter((f): f is Figure => f !== null);
    figuresBox.replaceChildren(...figures.map((f) => f.el));
  }

  app.exportHooks = {
    name: "audit",
    svg: () => {
      let y = 0;
      return figures.flatMap((f) => {
        const placed = placePanels(f.svgs().map((p) => ({ ...p, title: `${f.title} · ${p.title ?? ""}` })), 1100, y);
        if (placed.length) y = placedHeight(placed) + 24;
        return placed;
      });
    },
    csv: () => figures.flatMap((f) => f.csv().map((r) => ({ figure: f.id, ...r }))),
    json: () => summary,
  };
  void renderForm();
  render();
  return () => {};
}
