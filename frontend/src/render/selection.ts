// Linked brushing and motif matches as marks on drawn graphs: how strongly each node holds the brushed stimuli,
// what each node is for a selection (the clicked node, its partners, linked, dimmed), and a match's traced edges.
import type * as d3 from "d3";
import type { MapperGraphJSON } from "../api";
import type { NodeMark } from "./graph";
import type { PlacedGraph, PlacedNode } from "./layout";

/** Per node of `g`: the Jaccard of its members with the brushed stimuli (nodes without any are left out). */
export function brushStrength(g: MapperGraphJSON, stimuli: Set<string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const n of g.nodes) {
    let hit = 0;
    for (const m of n.members) if (stimuli.has(g.stimulus_ids[m])) hit++;
    if (hit) out.set(n.id, hit / (n.size + stimuli.size - hit));
  }
  return out;
}

/** The stimuli held by the given nodes of `g`. */
export function stimuliOfNodes(g: MapperGraphJSON, nodeIds: Iterable<string>): Set<string> {
  const ids = new Set(nodeIds);
  const out = new Set<string>();
  for (const n of g.nodes) if (ids.has(n.id)) for (const m of n.members) out.add(g.stimulus_ids[m]);
  return out;
}

/** What each node of graph `graphId` is for a selection: in the origin's graph the clicked node is selected; in the
 *  others the best partner is selected and the runners-up are partners; nodes holding brushed stimuli are linked
 *  and the rest dimmed. */
export function selectionMark(
  graphId: string, strength: Map<string, number>, origin: { graph: string; node: string } | undefined,
  partners: { node: string }[],
): (n: PlacedNode) => NodeMark {
  const rank = new Map(partners.map((p, r) => [p.node, r]));
  return (n) => {
    if (origin && origin.graph === graphId) return n.id === origin.node ? "selected" : strength.has(n.id) ? "linked" : "dim";
    const r = rank.get(n.id);
    if (r !== undefined) return r === 0 ? "selected" : "partner";
    return strength.has(n.id) ? "linked" : "dim";
  };
}

/** The edges to trace for a match: the given ones, or else the graph's edges between its nodes. */
export function matchLines(pg: PlacedGraph, nodeIds: string[], edges: [string, string][] = []): [string, string][] {
  if (edges.length) return edges;
  return pg.edges.filter((e) => nodeIds.includes(e.source.id) && nodeIds.includes(e.target.id))
    .map((e) => [e.source.id, e.target.id]);
}

/** Trace `lines` of `pg` as `path.motif-edge` in `root` (the matches layer) and ring the matched nodes drawn in
 *  `viewport`; `pg` null clears both. */
export function drawMatch(
  root: d3.Selection<SVGGElement, unknown, null, undefined>, viewport: d3.Selection<SVGGElement, unknown, null, undefined>,
  pg: PlacedGraph | null, nodeIds: string[], lines: [string, string][],
): void {
  root.selectAll<SVGPathElement, [string, string]>("path.motif-edge").data(pg ? lines : []).join("path").attr("class", "motif-edge")
    .attr("d", ([a, b]) => { const s = pg!.byId.get(a), t = pg!.byId.get(b); return s && t ? `M${s.x},${s.y}L${t.x},${t.y}` : ""; });
  viewport.selectAll<SVGGElement, PlacedNode>("g.node").classed("match", (n) => !!pg && pg.byId.get(n.id) === n && nodeIds.includes(n.id));
}
