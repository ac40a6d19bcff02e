// The graph views' inspector column as DOM from plain data: the selection (its node's facts, label bars, sample
// stimuli, corresponding nodes, its reach in each graph) and the layout's quality figures.
import { fmt, h } from "../dom";

export interface NodeFacts {
  graph: string;
  size: number;
  stability: number | null | undefined;
  lens: number[];
  /** The topology summary's component and loops that hold the node (already worded). */
  component: string | null;
  loops: string[];
}

export interface SelectedNode {
  facts: NodeFacts;
  /** Label bars of the node's members (built by the caller), if any. */
  bars: HTMLElement | null;
  /** Thumbnails from the stimulus table, shown above the sample list. */
  thumbs: HTMLElement[];
  /** Sample stimuli: a server thumbnail (or null) and the text to show. */
  samples: { thumb: HTMLElement | null; text: string }[];
  /** Best partners in each other graph; null when one graph is shown (no section). */
  partners: { title: string; partners: { node: string; jaccard: number }[] }[] | null;
  partnerState: "pending" | "ready" | "unavailable";
}

export interface SelectionView {
  label: string;
  count: number;
  node: SelectedNode | null;
  /** Per shown graph: the nodes holding brushed stimuli and the best Jaccard among them. */
  perGraph: { title: string; nodes: number; best: number }[];
}

const HINT = "Click a node, lasso some, or search: the same stimuli light up in every graph.";

/** Fill `el` (the `.selection` box) for `view`; null shows the hint. */
export function renderSelection(el: HTMLElement, view: SelectionView | null): void {
  if (!view) {
    el.replaceChildren(h("div", { class: "muted" }, HINT));
    return;
  }
  const parts: HTMLElement[] = [h("div", {}, h("b", {}, view.label), ` · ${fmt(view.count)} stimuli`)];
  if (view.node) parts.push(...selectedNode(view.node));
  parts.push(h("h3", {}, "In each graph"), h("table", { class: "data" }, h("tbody", {}, ...view.perGraph.map((g) =>
    h("tr", {}, h("td", { class: "wrap" }, g.title), h("td", { class: "num" }, `${g.nodes} nodes`),
      h("td", { class: "num", title: "best Jaccard" }, fmt(g.best, 2)))))));
  el.replaceChildren(...parts);
}

function selectedNode(n: SelectedNode): HTMLElement[] {
  const f = n.facts;
  const parts: HTMLElement[] = [h("dl", { class: "kv", id: "node-facts" },
    h("dt", {}, "graph"), h("dd", {}, f.graph), h("dt", {}, "size"), h("dd", {}, String(f.size)),
    h("dt", {}, "stability"), h("dd", {}, fmt(f.stability, 2)), h("dt", {}, "lens"), h("dd", {}, f.lens.map((v) => fmt(v, 3)).join(", ")),
    ...(f.component ? [h("dt", {}, "component"), h("dd", { class: "component" }, f.component)] : []),
    ...(f.loops.length ? [h("dt", {}, "loops"), h("dd", { class: "loops" }, f.loops.join("; "))] : []))];
  if (n.bars) parts.push(n.bars);
  if (n.thumbs.length) parts.push(h("div", { class: "thumbs", style: { marginTop: "6px" } }, ...n.thumbs));
  parts.push(h("h3", {}, "Sample stimuli"), h("ol", { class: "stimlist" }, ...n.samples.map((s) => h("li", {}, s.thumb, s.text))));
  if (n.partners) parts.push(h("h3", {}, "Corresponding nodes"), partnerList(n.partners, n.partnerState));
  return parts;
}

function partnerList(partners: NonNullable<SelectedNode["partners"]>, state: SelectedNode["partnerState"]): HTMLElement {
  if (!partners.length) {
    return h("div", { class: "muted" }, state === "pending" ? "Computing correspondence…"
      : state === "unavailable" ? "Correspondence unavailable." : "No overlapping node in the other graphs.");
  }
  return h("ul", { class: "stimlist partners", id: "partners" }, ...partners.map((c) => h("li", {},
    h("div", { class: "muted" }, c.title),
    c.partners.map((p, r) => `${r ? "" : "best "}${p.node} (Jaccard ${fmt(p.jaccard, 2)})`).join(", "))));
}

/** Fill `el` with the layout's quality figures (nothing when there are none). */
export function renderQuality(el: HTMLElement, quality: Record<string, number>): void {
  el.replaceChildren(...(Object.keys(quality).length ? [h("h3", {}, "Layout quality"),
    h("dl", { class: "kv" }, ...Object.entries(quality).flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, fmt(v))]))] : []));
}
