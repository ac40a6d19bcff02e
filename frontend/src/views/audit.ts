// View 6: the alignment audit, figure for figure with the convergent-learning paper (Figs. 1-5), plus the findings
// report. The server aggregates (GET /api/audits/{id}/summary); this view only draws, and every point or cell opens
// its two representations as aligned graphs.
// The controller (AuditView): it loads the latest or picked audit, runs new ones and keeps the summary and the
// figures; the frame, form and metric bar are render/audit.ts, the figures audit_figures.ts.
import { api, type AuditFigures, type Collection, unexpectedJob } from "../api";
import type { App } from "../app";
import { errorBox, loading } from "../dom";
import { renderAuditForm, renderAuditFrame, renderMetricBar, renderNoAudit, shownMetric, type AuditElements, type AuditMetric } from "../render/audit";
import { download } from "../render/export";
import { accuracyFigure, depthFigure, epochsFigure, layersFigure, metricsOf, oodFigure, type FigureContext } from "./audit_figures";
import { graphRequest } from "./build";
import { placeFigures, type Figure } from "./figure";
import { findingsPanel } from "./findings";

/** Build one graph per representation with the current parameters and open them in the aligned view. */
export async function openAligned(app: App, repIds: string[]): Promise<void> {
  const b = app.store.get().build;
  app.notify("Building graphs for the pair…");
  const ids = await app.buildGraphs(repIds, graphRequest("", b), "Mapper");
  app.store.set({ view: "graphs", graphs: ids, reps: repIds, node: null, region: null, match: null }, true);
}

export function mount(root: HTMLElement, app: App): () => void {
  const view = new AuditView(app, renderAuditFrame(root));
  app.exportHooks = {
    name: "audit",
    svg: () => placeFigures(view.figures),
    csv: () => view.figures.flatMap((f) => f.csv().map((r) => ({ figure: f.id, ...r }))),
    json: () => view.summary,
  };
  void view.showForm();
  view.render();
  return () => {};
}

class AuditView {
  summary: AuditFigures | null = null;
  figures: Figure[] = [];
  /** Per-figure UI state that survives re-renders. */
  private ui: Record<string, string> = {};

  constructor(private app: App, private el: AuditElements) {}

  /** The run form, then the audit in the URL state or else the collection's latest. */
  async showForm(): Promise<void> {
    const store = this.app.store;
    let cols: Collection[];
    try { cols = await this.app.collections(); } catch (e) { this.el.form.replaceChildren(errorBox(e)); return; }
    const cid = store.get().collection ?? cols[0]?.id;
    renderAuditForm(this.el.form, cols, cid, {
      collection: (id) => { store.set({ collection: id, audit: null }); this.summary = null; void this.loadLatest(id); },
      run: (id, metrics, folds) => void this.run(id, metrics, folds),
    });
    const audit = store.get().audit;
    if (audit) await this.load(audit);
    else if (cid) await this.loadLatest(cid);
  }

  async load(id: string): Promise<void> {
    this.el.figures.replaceChildren(loading("Loading the audit…"));
    try {
      this.summary = await api.auditSummary(id);
      this.app.store.set({ audit: id });
    } catch (e) { this.el.figures.replaceChildren(errorBox(e)); return; }
    this.render();
  }

  async loadLatest(cid: string): Promise<void> {
    const list = await api.audits(cid).catch(() => []);
    const latest = list.sort((a, b) => b.created_at - a.created_at)[0];
    if (latest) await this.load(latest.id); else this.render();
  }

  async run(cid: string, metrics: AuditMetric[], folds: number): Promise<void> {
    if (!metrics.length) { this.app.notify("Pick at least one metric.", "error"); return; }
    this.el.figures.replaceChildren(loading("Running the audit… (progress in the sidebar)"));
    try {
      const done = await this.app.jobs.start("Audit", await api.startAudit(cid, { metrics, folds }));
      if (done.kind !== "audit" || !done.result) throw unexpectedJob(done, "audit");
      await this.load(done.result.audit_id); // the stored audit the job wrote (or found)
    } catch (e) { this.el.figures.replaceChildren(errorBox(e)); }
  }

  render(): void {
    const summary = this.summary;
    if (!summary) { renderNoAudit(this.el); this.figures = []; return; }
    const metrics = metricsOf(summary);
    const metric = shownMetric(metrics, this.app.store.get().metric);
    this.el.findings.replaceChildren(findingsPanel(summary.findings, (f) => void this.downloadFindings(f)));
    renderMetricBar(this.el.metricBar, summary, metrics, metric, (v) => { this.app.store.set({ metric: v }); this.render(); });
    const ctx: FigureContext = { summary, metric, open: (pairs) => this.open(pairs), rerender: () => this.render(), ui: this.ui,
      fileStem: () => this.fileStem() };
    this.figures = [depthFigure(ctx), layersFigure(ctx), epochsFigure(ctx), oodFigure(ctx), accuracyFigure(ctx)]
      .filter((f): f is Figure => f !== null);
    this.el.figures.replaceChildren(...this.figures.map((f) => f.el));
  }

  private fileStem(): string {
    return `audit-${this.summary?.collection?.name ?? ""}-${this.summary?.audit_id ?? ""}`.replace(/[^A-Za-z0-9_.-]+/g, "_");
  }

  private async downloadFindings(format: "md" | "json"): Promise<void> {
    if (!this.summary) return;
    try {
      const text = await api.auditFindings(this.summary.audit_id, format);
      download(`findings-${this.fileStem()}.${format}`, text, format === "md" ? "text/markdown" : "application/json");
    } catch (e) { this.app.notify((e as Error).message, "error"); }
  }

  /** Open the first pair of two different representations behind a point or cell. */
  private open(pairs: string[][]): void {
    const pair = pairs.find((p) => p.length === 2 && p[0] !== p[1]);
    if (pair) void openAligned(this.app, pair).catch((e) => this.app.notify(e.message, "error"));
  }
}
