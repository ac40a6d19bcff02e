// Membranes: a smooth, translucent surface around a set of nodes. Two shapes:
// - density: d3.contourDensity over the nodes (weighted by size), three stacked thresholds at falling opacity;
// - hull: per piece (nodes closer than a gap), a padded convex hull smoothed with curveCatmullRomClosed.
// A set may come apart into several pieces; both shapes keep them apart.
import * as d3 from "d3";
import type { PlacedNode } from "./layout";

export interface MembraneLayer {
  d: string;
  opacity: number;
  level: number;
}

const closed = d3.line().curve(d3.curveCatmullRomClosed.alpha(0.5));

/** Split nodes into pieces whose members lie within `gap` (plus radii) of one another. */
export function pieces(nodes: PlacedNode[], gap: number): PlacedNode[][] {
  const parent = nodes.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) {
      const a = nodes[i], b = nodes[j];
      if (Math.hypot(a.x - b.x, a.y - b.y) <= a.r + b.r + gap) parent[find(i)] = find(j);
    }
  }
  const groups = d3.group(nodes.map((n, i) => [find(i), n] as const), (d) => d[0]);
  return Array.from(groups.values(), (g) => g.map((d) => d[1]));
}

/** A rounded hull path around one or more pieces ("" for no nodes). */
export function hullPath(nodes: PlacedNode[], pad: number, gap = 60): string {
  if (nodes.length === 0) return "";
  return pieces(nodes, gap).map((piece) => {
    const ring: [number, number][] = [];
    for (const n of piece) {
      const r = n.r + pad;
      for (let k = 0; k < 12; k++) {
        const a = (2 * Math.PI * k) / 12;
        ring.push([n.x + r * Math.cos(a), n.y + r * Math.sin(a)]);
      }
    }
    const hull = d3.polygonHull(ring) ?? ring;
    return closed(hull.map(([x, y]) => [Math.round(x * 100) / 100, Math.round(y * 100) / 100])) ?? "";
  }).join(" ");
}

export function membraneLayers(
  nodes: PlacedNode[], mode: "density" | "hull", size: [number, number], pad = 10,
): MembraneLayer[] {
  if (nodes.length === 0) return [];
  if (mode === "hull") {
    return [pad * 2.2, pad * 1.4, pad * 0.7].map((p, i) => ({ d: hullPath(nodes, p), opacity: 0.1 + 0.07 * i, level: i }));
  }
  // `.contours()` (d3-contour >= 3) returns a function of the threshold plus the max density; not in @types yet.
  type Contours = ((t: number) => d3.ContourMultiPolygon) & { max: number };
  const estimator = d3.contourDensity<PlacedNode>()
    .x((n) => n.x).y((n) => n.y).weight((n) => n.r * n.r)
    .size([Math.ceil(size[0]), Math.ceil(size[1])])
    .cellSize(2)
    .bandwidth(Math.max(6, d3.mean(nodes, (n) => n.r)! * 1.6));
  const density = (estimator as unknown as { contours: (d: PlacedNode[]) => Contours }).contours(nodes);
  const path = d3.geoPath();
  return [0.04, 0.15, 0.4].map((f, i) => ({
    d: path(density(density.max * f)) ?? "", opacity: 0.1 + 0.07 * i, level: i,
  })).filter((l) => l.d);
}

export function drawMembrane(
  root: d3.Selection<SVGGElement, unknown, null, undefined>, layers: MembraneLayer[], color: string,
): void {
  root.classed("membranes", true);
  root.selectAll<SVGPathElement, MembraneLayer>("path.membrane")
    .data(layers, (l) => String(l.level))
    .join("path")
    .attr("class", "membrane")
    .attr("d", (l) => l.d)
    .attr("fill", color)
    .attr("fill-opacity", (l) => l.opacity)
    .attr("stroke", color)
    .attr("stroke-opacity", (l) => (l.level === 0 ? 0.5 : 0));
}
