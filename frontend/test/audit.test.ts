// The Audit view's frame, run form and metric bar drawn from plain data (render/audit.ts), and the figures stacked
// for one export (views/figure.ts).
import { describe, expect, it } from "vitest";
import type { AuditFigures, Collection } from "../src/api";
import { AUDIT_METRICS } from "../src/api/choices";
import { renderAuditForm, renderAuditFrame, renderMetricBar, renderNoAudit, shownMetric, type AuditMetric } from "../src/render/audit";
import { svgEl } from "../src/dom";
import { placeFigures, type Figure } from "../src/views/figure";
import { box } from "./helpers";

const coll = (id: string, name: string) => ({ id, name }) as Collection;
const summary = (plan: Record<string, unknown>, params: Record<string, unknown>) =>
  ({ audit_id: "a1", collection: {}, depth: [], layers: [], epochs: [], ood: [], wd_ood: [], findings: [], plan, params }) as AuditFigures;

describe("audit frame and form", () => {
  it("the frame holds the form in the top bar and findings, metric bar and figures in order", () => {
    const root = box();
    const el = renderAuditFrame(root);
    expect(root.querySelector(".topbar h2")!.textContent).toBe("Audit");
    expect(root.querySelector(".topbar")!.lastElementChild).toBe(el.form);
    expect(Array.from(root.querySelector(".body .scroll")!.children)).toEqual([el.findings, el.metricBar, el.figures]);
    expect([el.metricBar.id, el.figures.id]).toEqual(["audit-metric-bar", "audit-figures"]);
  });

  it("the form: collections (current picked), the registry's metrics (three families checked), folds; Run reports them", () => {
    const el = box();
    const runs: [string, AuditMetric[], number][] = [];
    const picked: string[] = [];
    renderAuditForm(el, [coll("c1", "mnist"), coll("c2", "words")], "c2", {
      collection: (id) => picked.push(id), run: (...a) => runs.push(a),
    });
    const sel = el.querySelector("#audit-collection") as HTMLSelectElement;
    expect(sel.value).toBe("c2");
    const boxes = Array.from(el.querySelectorAll<HTMLInputElement>("input[type=checkbox]"));
    expect(boxes.map((b) => b.value)).toEqual([...AUDIT_METRICS]);
    expect(boxes.filter((b) => b.checked).map((b) => b.value)).toEqual(["linear", "procrustes", "permutation"]);
    expect(boxes[0].parentElement!.textContent).toBe(" linear");
    (el.querySelector("#audit-run") as HTMLButtonElement).click();
    boxes[0].checked = false;
    boxes[4].checked = true;
    (el.querySelector("#audit-folds") as HTMLInputElement).value = "7";
    (el.querySelector("#audit-run") as HTMLButtonElement).click();
    (el.querySelector("#audit-folds") as HTMLInputElement).value = "";
    (el.querySelector("#audit-run") as HTMLButtonElement).click();
    sel.value = "c1";
    sel.dispatchEvent(new Event("change"));
    expect(runs).toEqual([
      ["c2", ["linear", "procrustes", "permutation"], 5],
      ["c2", ["procrustes", "permutation", "cka"], 7],
      ["c2", ["procrustes", "permutation", "cka"], 5],
    ]);
    expect(picked).toEqual(["c1"]);
  });
});

describe("audit metric bar", () => {
  it("the shown metric: the wanted one if the audit has it, else Procrustes, else the first", () => {
    expect(shownMetric(["linear", "cka"], "cka")).toBe("cka");
    expect(shownMetric(["linear", "procrustes"], "cka")).toBe("procrustes");
    expect(shownMetric(["linear", "cka"], null)).toBe("linear");
  });

  it("the picker with the shown metric on, and the plan's size", () => {
    const el = box();
    const got: string[] = [];
    renderMetricBar(el, summary({ models: ["a", "b"], checkpoints: [null, "e1", "e2"], depth_from_order: ["a"] }, { folds: 4 }),
      ["linear", "procrustes"], "procrustes", (m) => got.push(m));
    expect(el.querySelector("b")!.textContent).toBe("Metric for Figs. 2-5");
    expect(el.querySelector("#audit-metric button.on")!.getAttribute("data-value")).toBe("procrustes");
    expect(el.querySelector(".muted")!.textContent)
      .toBe("2 models · 3 checkpoints · 4-fold cross-validation · depth from layer order for 1 model(s)");
    (el.querySelector('#audit-metric [data-value="linear"]') as HTMLButtonElement).click();
    expect(got).toEqual(["linear"]);
    renderMetricBar(el, summary({}, {}), ["cka"], "cka", () => {});
    expect(el.querySelector(".muted")!.textContent).toBe("0 models · 0 checkpoints · ?-fold cross-validation");
  });

  it("no audit: nothing but a note where the figures go", () => {
    const root = box();
    const el = renderAuditFrame(root);
    el.findings.append(document.createElement("p"));
    el.metricBar.append(document.createElement("p"));
    renderNoAudit(el);
    expect([el.findings.children.length, el.metricBar.children.length]).toEqual([0, 0]);
    expect(el.figures.querySelector(".empty")!.textContent).toContain("No audit of this collection yet");
  });
});

describe("figures in one export", () => {
  it("stacks each figure's panels below the previous figure, titled figure · panel", () => {
    const fig = (id: string, n: number): Figure => ({ id, title: id.toUpperCase(), el: document.createElement("div"), csv: () => [],
      svgs: () => Array.from({ length: n }, (_, i) => ({ svg: svgEl(600, 200), title: `p${i}` })) });
    const placed = placeFigures([fig("a", 2), fig("none", 0), fig("b", 1)]);
    expect(placed.map((p) => [p.title, p.x, p.y])).toEqual([
      ["A · p0", 0, 0], ["A · p1", 0, 234], ["B · p0", 0, 476],
    ]);
  });
});
