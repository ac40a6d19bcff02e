// Wire shapes of the endpoints the backend is still adding (mapper graphs, topological alignment, audits).
// When an endpoint lands, `npm run gen:api` generates its types into schema.d.ts; these declarations then only
// describe what `normalize.ts` accepts.

export interface LabelSummary {
  counts?: Record<string, number>;
  dominant?: string | null;
  purity?: number | null;
  mean?: number | null;
}

export interface GraphNodeJSON {
  id: string;
  members: number[];
  size: number;
  cover_element: number[];
  lens_mean: number[];
  labels: Record<string, LabelSummary>;
  stability: number | null;
}

export interface GraphEdgeJSON {
  source: string;
  target: string;
  shared: number;
  jaccard: number;
  stability: number | null;
}

/** Components and loops of a graph (triangles filled), each with the share of resamples in which it persists. */
export interface GraphTopologyJSON {
  b0: number;
  b1: number | null;
  n_resamples: number;
  components: { id: string; nodes: string[]; n_stimuli: number; confidence: number | null }[];
  loops: { id: string; nodes: string[]; confidence: number | null }[];
}

/** The Mapper graph wire format (backend/topoalign/mapper/graph.py, "topoalign.mapper_graph/1"). */
export interface MapperGraphJSON {
  format: string;
  id?: string;
  representation_id: string | null;
  params: Record<string, unknown>;
  n_stimuli: number;
  stimulus_ids: string[];
  nodes: GraphNodeJSON[];
  edges: GraphEdgeJSON[];
  n_covered?: number;
  coverage?: number;
  topology?: GraphTopologyJSON;
  [extra: string]: unknown;
}

/** POST /api/graphs record: an id plus summary (the graph itself at GET /api/graphs/{id}). */
export interface GraphRecord {
  id: string;
  representation_id?: string;
  params?: Record<string, unknown>;
  n_nodes?: number;
  n_edges?: number;
  stability?: unknown;
  auto?: unknown;
  [extra: string]: unknown;
}

export type Positions = Map<string, Map<string, [number, number]>>; // graph id -> node id -> (x, y)

export interface LayoutResult {
  positions: Positions;
  quality: Record<string, number>;
}

export interface Region {
  rank: number;
  score: number;
  nodes: Record<string, string[]>; // graph id -> node ids
  label?: string;
  stimuli?: string[];
  edges?: Record<string, [string, string][]>;
  [extra: string]: unknown;
}
export interface RegionResult { regions: Region[] }

export interface MotifMatch {
  graph_id: string;
  nodes: string[];
  edges?: [string, string][];
  score: number;
  kind?: string;
  [extra: string]: unknown;
}
export interface MotifResult { matches: MotifMatch[]; truncated?: boolean }

export interface AuditCell { value: number | null; a: string; b: string; error?: string | null }
export interface AuditMatrix { metric: string; rows: string[]; cols: string[]; cells: AuditCell[][]; kind?: string }
