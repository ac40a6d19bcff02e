// A Mapper graph as SVG: edges (width by Jaccard) under nodes (area by members; a fill or a label pie).
// One function from placed data + options to SVG through d3 data joins; highlight states are classes, so
// linked brushing restyles without redrawing.
import * as d3 from "d3";
import type { PlacedEdge, PlacedGraph, PlacedNode } from "./layout";

export interface PieSlice { key: string; value: number; color: string }

export interface GraphStyle {
  fill: (n: PlacedNode) => string;
  pie?: ((n: PlacedNode) => PieSlice[]) | null;
  edgeWidth?: (e: PlacedEdge) => number;
  edgeColor?: string;
  nodeStroke?: string;
  opacity?: number;
}

export interface GraphHandlers {
  click?: (ev: MouseEvent, n: PlacedNode) => void;
  enter?: (ev: MouseEvent, n: PlacedNode) => void;
  leave?: (ev: MouseEvent, n: PlacedNode) => void;
}

const pie = d3.pie<PieSlice>().value((d) => d.value).sort(null);

export function edgeWidthScale(max = 4) {
  return (e: PlacedEdge) => 0.6 + (max - 0.6) * Math.sqrt(Math.max(0, Math.min(1, e.edge.jaccard)));
}

/** Draw (or update) one graph into `root` (a <g>). */
export function drawGraph(
  root: d3.Selection<SVGGElement, unknown, null, undefined>, g: PlacedGraph, style: GraphStyle,
  on: GraphHandlers = {},
): void {
  root.classed("mapper-graph", true).attr("data-graph", g.graphId).attr("opacity", style.opacity ?? null)
    // per-graph colours as CSS variables: the stylesheet's hover/selection rules still win over them
    .style("--edge", () => style.edgeColor ?? null)
    .style("--node-stroke", () => style.nodeStroke ?? null);
  const edgeLayer = layer(root, "edges");
  const nodeLayer = layer(root, "nodes");
  const ew = style.edgeWidth ?? edgeWidthScale();

  edgeLayer.selectAll<SVGLineElement, PlacedEdge>("line")
    .data(g.edges, (d) => d.key)
    .join("line")
    .attr("class", "edge")
    .attr("x1", (d) => r2(d.source.x)).attr("y1", (d) => r2(d.source.y))
    .attr("x2", (d) => r2(d.target.x)).attr("y2", (d) => r2(d.target.y))
    .attr("stroke-width", (d) => r2(ew(d)));

  // Shapes carry their own coordinates: a transform per node <g> would make every node a paint chunk of its own,
  // and the browser re-layerises chunks on each change (tens of ms per frame for 2,000 nodes).
  // every node <g> holds one body circle, made with it; `select` hands the node's datum down (a nested join per
  // node cost ~15 ms per 500 nodes on each redraw)
  const nodes = nodeLayer.selectAll<SVGGElement, PlacedNode>("g.node")
    .data(g.nodes, (d) => d.id)
    .join((enter) => {
      const e = enter.append("g").attr("class", "node");
      e.append("circle").attr("class", "body");
      return e;
    })
    .attr("data-node", (d) => d.id);

  nodes.select<SVGCircleElement>("circle.body")
    .attr("cx", (d) => r2(d.x)).attr("cy", (d) => r2(d.y))
    .attr("r", (d) => r2(d.r))
    .attr("fill", (d) => (style.pie ? "#fff" : style.fill(d)));

  if (style.pie || !nodeLayer.select("path.slice").empty()) {
    nodes.selectAll<SVGPathElement, d3.PieArcDatum<PieSlice> & { n: PlacedNode }>("path.slice")
      .data((d) => (style.pie ? pie(style.pie(d)).map((a) => ({ ...a, n: d })) : []))
      .join("path")
      .attr("class", "slice")
      .attr("d", (a) => slicePath(a.n.x, a.n.y, a.n.r, a.startAngle, a.endAngle))
      .attr("fill", (a) => a.data.color);
  }

  nodes.on("click", (ev: MouseEvent, d) => on.click?.(ev, d))
    .on("mouseenter", (ev: MouseEvent, d) => on.enter?.(ev, d))
    .on("mouseleave", (ev: MouseEvent, d) => on.leave?.(ev, d));
}

/** A pie slice centred on (cx, cy); angles as d3.pie gives them (radians clockwise from 12 o'clock). */
export function slicePath(cx: number, cy: number, r: number, a0: number, a1: number): string {
  const p = d3.pathRound(2);
  if (a1 - a0 < 2 * Math.PI - 1e-6) p.moveTo(cx, cy);
  p.arc(cx, cy, r, a0 - Math.PI / 2, a1 - Math.PI / 2);
  p.closePath();
  return p.toString();
}

/** selected: the clicked node or a best partner; partner: a runner-up partner; linked: holds brushed stimuli. */
export type NodeMark = "selected" | "partner" | "linked" | "dim" | null;

/** Restyle nodes and edges for a selection: `mark(node)` says what each node is; edges follow their ends. */
export function markGraph(
  root: d3.Selection<SVGGElement, unknown, null, undefined>, mark: ((n: PlacedNode) => NodeMark) | null,
  strength: ((n: PlacedNode) => number) | null = null,
): void {
  root.selectAll<SVGGElement, PlacedNode>("g.node")
    .classed("selected", (d) => mark?.(d) === "selected")
    .classed("partner", (d) => mark?.(d) === "partner")
    .classed("linked", (d) => mark?.(d) === "linked")
    .classed("dim", (d) => !!mark && mark(d) === "dim")
    .style("--strength", (d) => (strength ? String(r2(strength(d))) : null));
  root.selectAll<SVGLineElement, PlacedEdge>("line.edge")
    .classed("dim", (d) => !!mark && (mark(d.source) === "dim" || mark(d.target) === "dim"));
}

/** The child <g class=cls> of `parent`, created on first use (keeps layer order stable across redraws). */
export function layer(
  parent: d3.Selection<SVGGElement, unknown, null, undefined> | d3.Selection<SVGSVGElement, unknown, null, undefined>,
  cls: string,
): d3.Selection<SVGGElement, unknown, null, undefined> {
  const node = parent.node()!;
  const found = Array.from(node.children).find((c) => c.tagName === "g" && c.classList.contains(cls));
  if (found) return d3.select(found as SVGGElement);
  return d3.select(node.appendChild(document.createElementNS("http://www.w3.org/2000/svg", "g"))).attr("class", cls);
}

export function r2(v: number): number {
  return Math.round(v * 100) / 100;
}
