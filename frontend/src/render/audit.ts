// The Audit view's frame and controls as plain data -> DOM: the run form (collection, metrics, folds), the metric
// bar with the plan's size, and the empty state. The figures are views/audit_figures.ts; requests live in the view.
import type { AuditFigures, Collection } from "../api";
import { AUDIT_METRICS } from "../api/choices";
import { empty, h } from "../dom";
import { segmented } from "./controls";

export type AuditMetric = (typeof AUDIT_METRICS)[number];
const DEFAULT_METRICS: readonly AuditMetric[] = ["linear", "procrustes", "permutation"];

export interface AuditElements {
  form: HTMLElement;
  findings: HTMLElement;
  metricBar: HTMLElement;
  figures: HTMLElement;
}

/** Append the view's top bar (title, note, the run form's box) and body to `root`; returns the boxes to fill. */
export function renderAuditFrame(root: HTMLElement): AuditElements {
  const el: AuditElements = {
    form: h("div", { class: "row" }),
    findings: h("div"),
    metricBar: h("div", { class: "row", id: "audit-metric-bar" }),
    figures: h("div", { id: "audit-figures" }),
  };
  root.append(
    h("div", { class: "topbar" }, h("h2", {}, "Audit"),
      h("span", { class: "muted" }, "Do layers, seeds, checkpoints and conditions align, as the paper says?"),
      h("span", { class: "grow" }), el.form),
    h("div", { class: "body" }, h("div", { class: "scroll" }, el.findings, el.metricBar, el.figures)));
  return el;
}

export interface AuditFormHandlers {
  /** Another collection picked. */
  collection: (collectionId: string) => void;
  run: (collectionId: string, metrics: AuditMetric[], folds: number) => void;
}

/** Fill `el` with the run form: the collections (`current` picked), a checkbox per metric (the three families
 *  checked), the folds and the Run button. */
export function renderAuditForm(el: HTMLElement, cols: Collection[], current: string | undefined, on: AuditFormHandlers): void {
  const colSel = h("select", { id: "audit-collection" }, ...cols.map((c) => h("option", { value: c.id, selected: c.id === current }, c.name)));
  const boxes = AUDIT_METRICS.map((m) => h("input", { type: "checkbox", value: m, checked: DEFAULT_METRICS.includes(m) }));
  const folds = h("input", { type: "number", id: "audit-folds", value: 5, min: 2, max: 20, title: "cross-validation folds" });
  colSel.addEventListener("change", () => on.collection(colSel.value));
  el.replaceChildren(colSel, ...boxes.map((b) => h("label", {}, b, ` ${b.value}`)), h("label", {}, "folds ", folds),
    h("button", { class: "primary", id: "audit-run", onclick: () =>
      on.run(colSel.value, AUDIT_METRICS.filter((_, i) => boxes[i].checked), +folds.value || 5) }, "Run audit"));
}

/** The metric Figs. 2-5 show: `wanted` when the audit has it, else Procrustes, else the first. */
export function shownMetric(metrics: string[], wanted: string | null): string {
  return wanted !== null && metrics.includes(wanted) ? wanted : metrics.includes("procrustes") ? "procrustes" : metrics[0];
}

/** Fill `el` (the `#audit-metric-bar`) with the metric picker and what the audit covers. */
export function renderMetricBar(el: HTMLElement, summary: AuditFigures, metrics: string[], metric: string, pick: (metric: string) => void): void {
  const count = (v: unknown) => (Array.isArray(v) ? v.length : 0);
  const { plan, params } = summary;
  el.replaceChildren(h("b", {}, "Metric for Figs. 2-5"),
    segmented<string>("audit-metric", metrics.map((m) => [m, m]), metric, pick),
    h("span", { class: "muted" }, `${count(plan.models)} models · ${count(plan.checkpoints)} checkpoints · ` +
      `${String(params.folds ?? "?")}-fold cross-validation` +
      (count(plan.depth_from_order) ? ` · depth from layer order for ${count(plan.depth_from_order)} model(s)` : "")));
}

/** No audit yet: no findings, no metric bar, a note where the figures go. */
export function renderNoAudit(el: AuditElements): void {
  el.findings.replaceChildren();
  el.metricBar.replaceChildren();
  el.figures.replaceChildren(empty("No audit of this collection yet: pick metrics above, then Run audit."));
}
