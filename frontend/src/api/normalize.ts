// Turn the topological-alignment and audit responses into the shapes the views draw.
// Tolerant on purpose: those endpoints are landing in parallel, and small wire variations (lists vs maps,
// {x, y} vs [x, y]) must not reach the views.
import type {
  AuditCell, AuditMatrix, AuditResult, AuditSeries, LayoutResult, MotifMatch, MotifResult, Positions, Region,
  RegionResult, SeriesPoint,
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
  let list: Json[] = [];
  const src = Array.isArray(raw) ? raw : raw?.matches ?? raw?.results ?? [];
  if (Array.isArray(src)) list = src;
  else for (const [gid, ms] of Object.entries(src)) for (const m of ms as Json[]) list.push({ graph_id: gid, ...m });
  const matches: MotifMatch[] = list.map((m) => ({
    ...m,
    graph_id: String(m.graph_id),
    nodes: (m.nodes ?? m.node_ids ?? []).map(String),
    edges: m.edges,
    score: +(m.score ?? m.rank_score ?? 0),
  }));
  matches.sort((a, b) => b.score - a.score);
  return { matches, truncated: !!raw?.truncated };
}

function series(raw: Json): AuditSeries[] {
  if (!raw) return [];
  const list: Json[] = Array.isArray(raw) ? raw : Object.entries(raw).map(([name, v]) => ({ name, ...(v as Json) }));
  return list.map((s) => ({
    name: String(s.name ?? s.metric ?? "series"),
    points: (s.points ?? []).map((p: Json): SeriesPoint => ({ ...p, y: +(p.y ?? p.value) })),
    chance: s.chance,
  }));
}

export function normalizeAudit(raw: Json): AuditResult {
  const mats: Json[] = Array.isArray(raw?.matrices) ? raw.matrices
    : Object.entries(raw?.matrices ?? raw?.metrics ?? {}).map(([metric, m]) => ({ metric, ...(m as Json) }));
  const matrices: AuditMatrix[] = mats.map((m) => {
    const rows: string[] = (m.rows ?? m.labels ?? []).map(String);
    const cols: string[] = (m.cols ?? m.columns ?? rows).map(String);
    const ids: string[] | undefined = m.representation_ids;
    const colIds: string[] | undefined = m.col_representation_ids ?? ids;
    const cells: AuditCell[][] = m.cells ?? (m.values ?? []).map((row: Json[], i: number) =>
      row.map((v: Json, j: number): AuditCell => ({
        value: v === null ? null : +v, a: ids?.[i] ?? rows[i], b: colIds?.[j] ?? cols[j],
      })));
    return { metric: String(m.metric ?? m.name), rows, cols, cells, kind: m.kind };
  });
  return { id: raw?.id, matrices, depth: series(raw?.depth), epoch: series(raw?.epoch), ood: series(raw?.ood) };
}
