// Node placement: the backend's joint layout fitted into the panel in one shared frame, then nodes that land on each
// other nudged apart (deterministic: a seeded random source).
import * as d3 from "d3";
import { separate } from "./collide";
import type { GraphEdgeJSON, GraphNodeJSON, MapperGraphJSON } from "../api";

export type Point = [number, number];

export interface PlacedNode {
  id: string;
  x: number;
  y: number;
  r: number;
  node: GraphNodeJSON;
}

export interface PlacedEdge {
  key: string;
  source: PlacedNode;
  target: PlacedNode;
  edge: GraphEdgeJSON;
}

export interface PlacedGraph {
  graphId: string;
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  byId: Map<string, PlacedNode>;
}

/** A small linear-congruential generator: the same seed gives the same layout. */
export function lcg(seed = 1): () => number {
  let s = seed >>> 0 || 1;
  return () => ((s = (Math.imul(1664525, s) + 1013904223) >>> 0) / 4294967296);
}

/** Scales that fit all point sets in one frame (joint layouts stay comparable across panels). */
export function fitScales(points: Point[], width: number, height: number, pad = 24) {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  let [x0, x1] = (d3.extent(xs) as [number, number] | [undefined, undefined]).map((v) => v ?? 0) as [number, number];
  let [y0, y1] = (d3.extent(ys) as [number, number] | [undefined, undefined]).map((v) => v ?? 0) as [number, number];
  if (x1 - x0 < 1e-9) { x0 -= 1; x1 += 1; }
  if (y1 - y0 < 1e-9) { y0 -= 1; y1 += 1; }
  const k = Math.min((width - 2 * pad) / (x1 - x0), (height - 2 * pad) / (y1 - y0));
  const cx = (width - k * (x1 - x0)) / 2;
  const cy = (height - k * (y1 - y0)) / 2;
  return { x: (v: number) => cx + k * (v - x0), y: (v: number) => cy + k * (v - y0), k };
}

export function radiusScale(maxSize: number, range: [number, number] = [3, 13]) {
  return d3.scaleSqrt().domain([1, Math.max(2, maxSize)]).range(range).clamp(true);
}

export function placeGraph(
  graphId: string, graph: MapperGraphJSON, positions: Map<string, Point>,
  fit: { x: (v: number) => number; y: (v: number) => number }, radius: (size: number) => number,
): PlacedGraph {
  const nodes: PlacedNode[] = graph.nodes.map((n) => {
    const p = positions.get(n.id) ?? [0, 0];
    return { id: n.id, x: fit.x(p[0]), y: fit.y(p[1]), r: radius(n.size), node: n };
  });
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const edges: PlacedEdge[] = [];
  for (const e of graph.edges) {
    const s = byId.get(e.source);
    const t = byId.get(e.target);
    if (s && t) edges.push({ key: `${e.source}|${e.target}`, source: s, target: t, edge: e });
  }
  return { graphId, nodes, edges, byId };
}

/**
 * Separate overlapping nodes by a few deterministic collision ticks, each node held to its layout position, so
 * the joint layout stays recognisable while discs stop hiding one another. Mutates and returns `g`.
 */
export function declutter(g: PlacedGraph, ticks = 40, gap = 1.5): PlacedGraph {
  const discs = g.nodes.map((p) => ({ x: p.x, y: p.y, r: p.r + gap }));
  separate(discs, { ticks, strength: 0.7, pull: 0.15, velocityDecay: 0.5, random: lcg(3) });
  g.nodes.forEach((p, i) => { p.x = discs[i].x; p.y = discs[i].y; });
  return g;
}

/** Every graph placed in one shared frame of width x height (joint positions fitted together; radii by node size
 *  on one scale for all graphs; overlaps separated). */
export function placeGraphs(
  ids: string[], graphs: MapperGraphJSON[], positions: Map<string, Map<string, Point>>, width: number, height: number,
): PlacedGraph[] {
  const all: Point[] = [];
  for (const id of ids) for (const p of positions.get(id)?.values() ?? []) all.push(p);
  const fit = fitScales(all, width, height, 26);
  const maxSize = d3.max(graphs, (g) => d3.max(g.nodes, (n) => n.size)) ?? 1;
  const radius = radiusScale(maxSize, [2.5, Math.max(6, Math.min(16, width / 40))]);
  return graphs.map((g, i) => declutter(placeGraph(ids[i], g, positions.get(ids[i]) ?? new Map(), fit, radius)));
}
