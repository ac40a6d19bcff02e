// A graph panel's frame as DOM: head (title, summary or overlay tags), the fixed frame with its shield around the
// svg, the layout badge, and the svg's layer order (membranes, bubbles, one <g> per graph, matches). Also the grid
// the panels are laid out in. Data in, elements out: the zoom, lasso and brushing are wired by the caller.
import * as d3 from "d3";
import type { MapperGraphJSON } from "../api";
import { h, svgEl } from "../dom";
import { layer } from "./graph";

export interface PanelSpec {
  /** The graph ids the panel shows, as its `data-panel`. */
  graphIds: string[];
  /** Indices of the graphs drawn in it: each gets a layer `g.graph-<i>`. */
  members: number[];
  title: string;
  /** The muted text beside the title (one graph: its summary). */
  subtitle: string;
  /** Overlay: one coloured tag per graph in place of the subtitle. */
  tags?: { label: string; color: string }[];
  badge: string;
  /** The correspondence state, as `data-partners`. */
  partners: string;
  width: number;
  height: number;
}

export interface PanelElements {
  div: HTMLDivElement;
  /** The fixed box around the svg: it takes the pan/zoom input while the svg itself moves during a gesture. */
  frame: d3.Selection<HTMLDivElement, unknown, null, undefined>;
  svg: d3.Selection<SVGSVGElement, unknown, null, undefined>;
  viewport: d3.Selection<SVGGElement, unknown, null, undefined>;
  /** One empty layer per member graph, in `members` order. */
  graphRoots: d3.Selection<SVGGElement, unknown, null, undefined>[];
}

/** Append a panel for `spec` to `container` and return its parts. */
export function drawPanel(container: HTMLElement, spec: PanelSpec): PanelElements {
  const svgNode = svgEl(spec.width, spec.height, "graph");
  const muted = spec.tags
    ? h("span", { class: "muted" }, ...spec.tags.map((t) =>
      h("span", { style: { marginLeft: "8px" } }, h("span", { class: "tag", style: { background: t.color, color: "#fff" } }, t.label))))
    : h("span", { class: "muted" }, spec.subtitle);
  const div = h("div", { class: "panel", "data-panel": spec.graphIds.join(",") },
    h("div", { class: "panel-head" }, h("b", {}, spec.title), muted),
    h("div", { class: "frame" }, svgNode, h("div", { class: "shield" })),
    h("div", { class: "badge" }, spec.badge));
  div.dataset.partners = spec.partners;
  container.append(div);
  const svg = d3.select(svgNode);
  const viewport = svg.append("g").attr("class", "viewport");
  layer(viewport, "membranes");
  layer(viewport, "bubbles");
  const graphRoots = spec.members.map((i) => layer(viewport, `graph-${i}`));
  layer(viewport, "matches");
  const frame = d3.select(div.querySelector<HTMLDivElement>(".frame")!);
  return { div, frame, svg, viewport, graphRoots };
}

/** Columns for k panels: one, two up to four, then three. */
export function gridColumns(k: number): number {
  return k === 1 ? 1 : k <= 4 ? 2 : 3;
}

/** The grid of k panels in a container of the given size: columns, rows and each panel's svg size. */
export function panelGrid(k: number, containerWidth: number, containerHeight: number) {
  const cols = gridColumns(k);
  const rows = Math.ceil(k / cols);
  const W = Math.max(320, containerWidth - 20);
  const H = Math.max(260, containerHeight - 20);
  const width = Math.floor((W - (cols - 1) * 10) / cols) - 2;
  const height = Math.max(220, Math.min(Math.floor((H - (rows - 1) * 10) / rows) - 30, Math.round(width * (k <= 2 ? 1.4 : 0.85))));
  return { cols, rows, width, height };
}

/** Where each of k panels of the given size sits in an export (a title row above each). */
export function panelOffsets(k: number, width: number, height: number): { x: number; y: number }[] {
  const cols = gridColumns(k);
  return Array.from({ length: k }, (_, i) => ({ x: (i % cols) * (width + 10), y: Math.floor(i / cols) * (height + 28) }));
}

/** "52 nodes · 101 edges · 100% placed · b0 1 · b1 2": size, coverage and topology of a graph, for its panel. */
export function graphSummary(g: MapperGraphJSON): string {
  const parts = [`${g.nodes.length} nodes`, `${g.edges.length} edges`];
  if (typeof g.n_covered === "number") {
    const share = (100 * g.n_covered) / Math.max(g.n_stimuli, 1);
    parts.push(share >= 99.95 ? "all stimuli placed" : `${share.toFixed(1)}% placed`);
  }
  if (g.topology) parts.push(`b0 ${g.topology.b0}`, `b1 ${g.topology.b1 ?? "?"}`);
  return parts.join(" · ");
}
