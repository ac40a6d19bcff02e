// Turn the topological-alignment responses into the shapes the views draw (the audit's figures come aggregated
// from the server: GET /api/audits/{id}/summary).
// Tolerant on purpose: those endpoints are landing in parallel, and small wire variations (lists vs maps,
// {x, y} vs [x, y]) must not reach the views.
import type {
  LayoutResult, MotifMatch, MotifResult, Positions, Region,
  RegionResult,
} from "./pending";

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

function xy(p: Json): [number, number] | null {
  if (Array.isArray(p) && p.length >= 2) return [+p[0], +p[1]];
  if (p && typeof p === "object" && "x" in p) return [+p.x, +p.y];
  return null;
}

function nodeMap(raw: Json): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  if (Array.isArray(raw)) {
    for (const r of raw) {
      const id = r.id ?? r.node_id ?? r.node;
      const p = xy(r.position ?? r.pos ?? r);
      if (id !== undefined && p) out.set(String(id), p);
    }
  } else if (raw && typeof raw === "object") {
    for (const [id, p] of Object.entries(raw)) {
      const q = xy(p);
      if (q) out.set(id, q);
    }
  }
  return out;
}

export function normalizeLayout(raw: Json, graphIds: string[]): LayoutResult {
  const positions: Positions = new Map();
  const src = raw?.positions ?? raw?.layouts ?? raw?.graphs ?? raw;
  if (Array.isArray(src) && src.length && ("graph_id" in src[0]) && ("node_id" in src[0] || "node" in src[0])) {
    for (const r of src) {
      const gid = String(r.graph_id);
      if (!positions.has(gid)) positions.set(gid, new Map());
      const p = xy(r.position ?? r);
      if (p) positions.get(gid)!.set(String(r.node_id ?? r.node), p);
    }
  } else if (Array.isArray(src)) {
    // [{graph_id | id | name, offset?, nodes: [{id, x, y}]}]: drawn positions minus the panel offset = shared frame
    src.forEach((g: Json, i: number) => {
      const named = [g.graph_id, g.id, g.name].map((v) => (v === undefined ? v : String(v))).find((v) => v && graphIds.includes(v));
      const gid = named ?? graphIds[i] ?? String(i);
      const m = nodeMap(g.positions ?? g.nodes ?? g);
      const off = xy(g.offset);
      if (off && (off[0] || off[1])) for (const [k, p] of m) m.set(k, [p[0] - off[0], p[1] - off[1]]);
      positions.set(gid, m);
    });
  } else if (src && typeof src === "object") {
    for (const [gid, m] of Object.entries(src)) positions.set(gid, nodeMap(m));
  }
  const quality: Record<string, number> = {};
  for (const [k, v] of Object.entries(raw?.quality ?? {})) if (typeof v === "number") quality[k] = v;
  return { positions, quality };
}

function perGraphIds(raw: Json): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (Array.isArray(raw)) {
    for (const r of raw) out[String(r.graph_id)] = (r.nodes ?? r.node_ids ?? []).map(String);
  } else if (raw && typeof raw === "object") {
    for (const [gid, ids] of Object.entries(raw)) out[gid] = (ids as Json[]).map(String);
  }
  return out;
}

export function normalizeRegions(raw: Json, graphIds: string[] = []): RegionResult {
  const list: Json[] = Array.isArray(raw) ? raw : raw?.regions ?? [];
  // Regions key their nodes by graph name; names in request order map onto the graph ids.
  const names: string[] = (raw?.graphs ?? raw?.names ?? []).map(String);
  const rename = (nodes: Record<string, string[]>) => {
    const out: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(nodes)) {
      const i = names.indexOf(k);
      out[graphIds.includes(k) || i < 0 || !graphIds[i] ? k : graphIds[i]] = v;
    }
    return out;
  };
  const regions: Region[] = list.map((r, i) => ({
    ...r,
    rank: r.rank ?? i + 1,
    score: +(r.score ?? r.similarity ?? r.quality ?? 0),
    nodes: rename(perGraphIds(r.nodes ?? r.node_ids ?? r.members ?? {})),
    label: r.label ?? r.name ?? r.concept,
  }));
  return { regions };
}

export function normalizeMotifs(raw: Json): MotifResult {
  // Per-graph details (edges) keyed by graph and node set, to decorate the flat ranked list.
  const detail = new Map<string, Json>();
  const perGraph: Json[] = Array.isArray(raw?.graphs) ? raw.graphs : [];
  for (const g of perGraph) for (const m of g.matches ?? []) detail.set(`${g.graph}|${[...m.nodes].sort().join(",")}`, m);
  let list: Json[] = [];
  const src = Array.isArray(raw) ? raw : raw?.matches ?? raw?.results;
  if (Array.isArray(src)) list = src;
  else if (src && typeof src === "object") {
    for (const [gid, ms] of Object.entries(src)) for (const m of ms as Json[]) list.push({ graph_id: gid, ...m });
  } else if (perGraph.length) {
    for (const g of perGraph) for (const m of g.matches ?? []) list.push({ graph_id: g.graph, score: m.n_members, ...m });
  }
  // a concept query answers with its footprint: the enriched nodes of each graph
  for (const g of raw?.footprint?.graphs ?? []) {
    if (g.nodes?.length) list.push({ graph_id: g.graph, nodes: g.nodes, kind: "concept", score: g.n_selected / Math.max(1, g.population), shape: g.shape });
  }
  const matches: MotifMatch[] = list.map((m) => {
    const graph_id = String(m.graph_id ?? m.graph);
    const nodes = (m.nodes ?? m.node_ids ?? []).map(String);
    const d = detail.get(`${graph_id}|${[...nodes].sort().join(",")}`);
    return { ...d, ...m, graph_id, nodes, edges: m.edges ?? d?.edges, score: +(m.score ?? m.rank_score ?? 0) };
  });
  const seen = new Set<string>();
  const unique = matches.filter((m) => {
    const key = `${m.graph_id}|${[...m.nodes].sort().join(",")}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
  unique.sort((a, b) => b.score - a.score);
  return { matches: unique, truncated: !!raw?.truncated || perGraph.some((g) => g.truncated) };
}

/** Per node (`graphId/nodeId`): its best partners in every other graph, from `POST /api/topo/compare`, with the
 * response's graph names mapped onto graph ids (they are listed in request order). */
export type PartnerIndex = Map<string, Map<string, { node: string; jaccard: number }[]>>;

export function normalizePartners(raw: Json, graphIds: string[]): PartnerIndex {
  const names: string[] = (raw?.graphs ?? []).map((g: Json) => String(g?.name ?? g));
  const idOf = (name: string) => graphIds[names.indexOf(name)] ?? (graphIds.includes(name) ? name : null);
  const out: PartnerIndex = new Map();
  const add = (from: string | null, to: string | null, table: Json) => {
    if (!from || !to || !table) return;
    for (const [node, list] of Object.entries(table as Record<string, Json[]>)) {
      const key = `${from}/${node}`;
      if (!out.has(key)) out.set(key, new Map());
      out.get(key)!.set(to, (list ?? []).map((p) => ({ node: String(p.node), jaccard: +p.jaccard })));
    }
  };
  for (const pair of raw?.pairs ?? []) {
    const a = idOf(String(pair.a)), b = idOf(String(pair.b));
    add(a, b, pair.partners_ab);
    add(b, a, pair.partners_ba);
  }
  return out;
}
