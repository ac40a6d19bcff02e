// Pure transforms of typed API answers into what the views index by: node positions per graph, best partners per
// node, a ranked list of motif matches. Graph names in these answers are the graph ids the request gave (the API
// loads graphs by id).
import type { Compare, LayoutOut, Motifs } from "../api";

/** graph id -> node id -> (x, y) in the layout's shared frame. */
export type Positions = Map<string, Map<string, [number, number]>>;

export interface LayoutResult {
  positions: Positions;
  /** The quality figures that are numbers (stress, distances, crossings). */
  quality: Record<string, number>;
}

/** Positions in the shared frame (each drawn position minus its panel's offset) and the numeric quality figures. */
export function layoutPositions(layout: LayoutOut): LayoutResult {
  const positions: Positions = new Map();
  for (const g of layout.graphs) {
    const [dx = 0, dy = 0] = g.offset;
    positions.set(g.name, new Map(g.nodes.map((n) => [n.id, [n.x - dx, n.y - dy] as [number, number]])));
  }
  const quality: Record<string, number> = {};
  for (const [k, v] of Object.entries(layout.quality ?? {})) if (typeof v === "number") quality[k] = v;
  return { positions, quality };
}

/** Per node (`graphId/nodeId`): its best partners in every other graph, from `POST /api/topo/compare`. */
export type PartnerIndex = Map<string, Map<string, { node: string; jaccard: number }[]>>;

export function partnerIndex(compare: Compare): PartnerIndex {
  const out: PartnerIndex = new Map();
  const add = (from: string, to: string, table: Compare["pairs"][number]["partners_ab"]) => {
    for (const [node, list] of Object.entries(table)) {
      const key = `${from}/${node}`;
      if (!out.has(key)) out.set(key, new Map());
      out.get(key)!.set(to, list.map((p) => ({ node: p.node, jaccard: p.jaccard })));
    }
  };
  for (const pair of compare.pairs) {
    add(pair.a, pair.b, pair.partners_ab);
    add(pair.b, pair.a, pair.partners_ba);
  }
  return out;
}

/** A match as the motif view lists and traces it: the flat match plus, where the search reports them, its edges. */
export type MotifMatch = NonNullable<Motifs["matches"]>[number] & { edges?: [string, string][] };

/** The per-graph detail of `MotifsOut.graphs` (typed as free objects in the schema), read only as far as edges go. */
function detailEdges(graphs: Motifs["graphs"]): Map<string, [string, string][]> {
  const edges = new Map<string, [string, string][]>();
  for (const g of graphs) {
    if (typeof g.graph !== "string" || !Array.isArray(g.matches)) continue;
    for (const m of g.matches as { nodes?: unknown; edges?: unknown }[]) {
      if (Array.isArray(m.nodes) && Array.isArray(m.edges)) edges.set(matchKey(g.graph, m.nodes as string[]), m.edges as [string, string][]);
    }
  }
  return edges;
}

const matchKey = (graph: string, nodes: string[]) => `${graph}|${[...nodes].sort().join(",")}`;

/** The matches of every graph, best first, each with its edges when the search lists them. */
export function motifMatches(res: Motifs): MotifMatch[] {
  const edges = detailEdges(res.graphs);
  return (res.matches ?? [])
    .map((m) => ({ ...m, edges: edges.get(matchKey(m.graph_id, m.nodes)) }))
    .sort((a, b) => b.score - a.score);
}
