// Bubble Sets (bubblesets-js v3) around a region's nodes. The region's own Mapper edges are passed as `edges`
// and no virtual edges are routed (O(k^2 N) otherwise), and non-members are limited to the neighbourhood of the
// region. `createOutline` returns an empty path when no contour encloses every member: callers then get "".
import * as d3 from "d3";
import { circle, createOutline, line, rect } from "bubblesets-js";
import type { PlacedGraph, PlacedNode } from "./layout";
import { hullPath } from "./membrane";

export interface BubbleSpec {
  key: string;
  color: string;
  nodeIds: string[];
}

export interface BubbleShape {
  key: string;
  color: string;
  d: string;
  /** "none": Bubble Sets around the region with the other nodes as obstacles; "obstacles": Bubble Sets had to
   *  ignore the other nodes to close a contour; "hull": no contour at all, a padded hull stands in. */
  fallback: "none" | "obstacles" | "hull";
}

/** The outline of `members` among `g`'s nodes, as an SVG path string ("" when none). `obstacles`: the other nodes
 *  near the region push the contour away from them (Bubble Sets' non-members). */
export function bubbleOutline(g: PlacedGraph, memberIds: Iterable<string>, pad = 4, obstacles = true): string {
  const ids = new Set(memberIds);
  const members = g.nodes.filter((n) => ids.has(n.id));
  if (members.length === 0) return "";
  const [x0, x1] = d3.extent(members, (n) => n.x) as [number, number];
  const [y0, y1] = d3.extent(members, (n) => n.y) as [number, number];
  const m = 40;
  const nonMembers = obstacles ? g.nodes.filter((n) => !ids.has(n.id) && n.x > x0 - m && n.x < x1 + m && n.y > y0 - m && n.y < y1 + m) : [];
  const edges = g.edges.filter((e) => ids.has(e.source.id) && ids.has(e.target.id))
    .map((e) => line(e.source.x, e.source.y, e.target.x, e.target.y));
  const path = createOutline(
    members.map((n) => circle(n.x, n.y, n.r + pad)),
    nonMembers.map((n) => rect(n.x - n.r, n.y - n.r, 2 * n.r, 2 * n.r)),
    edges,
    { nodeR0: 12, nodeR1: 34, edgeR0: 8, edgeR1: 18, maxMarchingIterations: 20 },
  );
  if (path.length === 0) return "";
  const d = path.sample(8).simplify(0).bSplines().simplify(0).toString(2);
  return d && d !== "Z" && !d.includes("NaN") ? d : "";
}

/** One shape per region: Bubble Sets; where the nearby nodes leave it no closed contour, Bubble Sets without them
 *  as obstacles; a padded hull only when neither closes. */
export function bubbleShapes(g: PlacedGraph, specs: BubbleSpec[]): BubbleShape[] {
  return specs.map((s) => {
    const d = bubbleOutline(g, s.nodeIds);
    if (d) return { key: s.key, color: s.color, d, fallback: "none" };
    const free = bubbleOutline(g, s.nodeIds, 4, false);
    if (free) return { key: s.key, color: s.color, d: free, fallback: "obstacles" };
    const pts = s.nodeIds.map((id) => g.byId.get(id)).filter((n): n is PlacedNode => !!n);
    return { key: s.key, color: s.color, d: hullPath(pts, 8), fallback: "hull" };
  });
}

export function drawBubbles(root: d3.Selection<SVGGElement, unknown, null, undefined>, shapes: BubbleShape[]): void {
  root.classed("bubbles", true);
  root.selectAll<SVGPathElement, BubbleShape>("path.bubble")
    .data(shapes.filter((s) => s.d), (s) => s.key)
    .join("path")
    .attr("class", (s) => (s.fallback === "hull" ? "bubble fallback" : s.fallback === "obstacles" ? "bubble relaxed" : "bubble"))
    .attr("data-region", (s) => s.key)
    .attr("d", (s) => s.d)
    .attr("fill", (s) => s.color)
    .attr("stroke", (s) => s.color);
}
