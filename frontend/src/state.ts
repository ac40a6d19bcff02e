// The view state, serialised into the URL hash so a link reproduces the view: `#/<view>?key=value&...`.
// Only values that differ from the defaults are written; parsing ignores unknown keys and malformed values.

export const VIEWS = ["home", "data", "build", "graphs", "regions", "motifs", "audit"] as const;
export type ViewName = (typeof VIEWS)[number];
export const COLOR_MODES = ["label", "pie", "lens", "purity", "stability", "graph"] as const;
export type ColorMode = (typeof COLOR_MODES)[number];
export type LayoutMode = "panels" | "overlay";
export type MembraneMode = "off" | "density" | "hull";

/** Who sets the cover and clusterer: the data's shape (default), the Carriere-Michel-Oudot estimator, the most
 *  stable setting of a small grid, or nobody ("off": the explicit fields). */
export const AUTO_MODES = ["shape", "cmo", "stability", "off"] as const;
export type AutoMode = (typeof AUTO_MODES)[number];

export interface BuildParams {
  lens: string;
  auto: AutoMode;
  coverGiven: boolean; // with "shape" / "cmo": keep the cover below and choose only the clustering scale
  cover: string;
  intervals: number[]; // one value, or one per lens dimension
  overlap: number;
  clusterer: string;
  eps: number | null; // DBSCAN radius (null: "auto", from a distance quantile) or the single-linkage threshold
  minSamples: number | null; // null: the clusterer's own default
  noise: string; // DBSCAN noise rows: drop | keep | attach
  stability: number; // resamples for node stability and the confidence of components and loops (0 = off)
}

export interface ViewState {
  view: ViewName;
  collection: string | null;
  reps: string[];          // representations picked in Build
  graphs: string[];        // graph ids shown in views 3-5
  mode: LayoutMode;
  color: ColorMode;
  labelColumn: string | null;
  node: string | null;     // selected node as "<graph id>/<node id>"
  search: string;
  region: number | null;   // index into the ranked regions
  membrane: MembraneMode;
  motif: string;           // "cycle" | "branch" | "flare" | "path" | "pattern:<edges>" | "label:<col>=<value>"
  match: number | null;    // index into the ranked motif matches
  metric: string | null;   // audit heatmap metric
  audit: string | null;    // audit id (cached result)
  build: BuildParams;
}

export const DEFAULT_BUILD: BuildParams = {
  lens: "pca", auto: "shape", coverGiven: false, cover: "kmapper", intervals: [10], overlap: 0.3, clusterer: "dbscan",
  eps: null, minSamples: null, noise: "drop", stability: 0,
};

/** "11,6" -> [11, 6]; null when not a list of positive integers. */
export function parseIntervals(v: string | null): number[] | null {
  if (v === null) return null;
  const parts = v.split(/[,\s]+/).filter(Boolean);
  if (!parts.length || parts.some((p) => !/^\d+$/.test(p) || +p < 1)) return null;
  return parts.map((p) => parseInt(p, 10));
}

export function defaultState(): ViewState {
  return {
    view: "data", collection: null, reps: [], graphs: [], mode: "panels", color: "label", labelColumn: null,
    node: null, search: "", region: null, membrane: "off", motif: "cycle", match: null, metric: null, audit: null,
    build: { ...DEFAULT_BUILD },
  };
}

const list = (v: string | null) => (v ? v.split(",").filter(Boolean) : []);
const int = (v: string | null) => (v !== null && /^-?\d+$/.test(v) ? parseInt(v, 10) : null);
const num = (v: string | null) => (v !== null && v.trim() !== "" && Number.isFinite(+v) ? +v : null);
function oneOf<T extends string>(v: string | null, allowed: readonly T[], fallback: T): T {
  return v !== null && (allowed as readonly string[]).includes(v) ? (v as T) : fallback;
}

/** Parse a location hash (`#/graphs?g=a,b`) into a full view state. */
export function parseState(hash: string): ViewState {
  const s = defaultState();
  const raw = hash.replace(/^#\/?/, "");
  const [path, query = ""] = raw.split("?", 2);
  s.view = path === "" ? "home" : oneOf(path, VIEWS, "data"); // a bare address opens the prepared case
  const q = new URLSearchParams(query);
  s.collection = q.get("c");
  s.reps = list(q.get("r"));
  s.graphs = list(q.get("g"));
  s.mode = oneOf(q.get("mode"), ["panels", "overlay"] as const, "panels");
  s.color = oneOf(q.get("color"), COLOR_MODES, "label");
  s.labelColumn = q.get("col");
  s.node = q.get("node");
  s.search = q.get("q") ?? "";
  s.region = int(q.get("region"));
  s.membrane = oneOf(q.get("membrane"), ["off", "density", "hull"] as const, "off");
  s.motif = q.get("motif") ?? "cycle";
  s.match = int(q.get("match"));
  s.metric = q.get("metric");
  s.audit = q.get("audit");
  const b = s.build;
  b.lens = q.get("lens") ?? b.lens;
  const auto = q.get("auto");
  b.auto = auto === "1" ? "stability" : oneOf(auto, AUTO_MODES, b.auto);
  b.coverGiven = q.get("fix") === "1";
  b.cover = q.get("cov") ?? b.cover;
  b.intervals = parseIntervals(q.get("n")) ?? b.intervals;
  b.overlap = num(q.get("ov")) ?? b.overlap;
  b.clusterer = q.get("cl") ?? b.clusterer;
  b.eps = num(q.get("eps"));
  b.minSamples = int(q.get("ms"));
  b.noise = oneOf(q.get("noise"), ["drop", "keep", "attach"] as const, "drop");
  b.stability = int(q.get("st")) ?? 0;
  return s;
}

/** Serialise a view state into a hash; defaults are left out so links stay short. */
export function serializeState(s: ViewState): string {
  const d = defaultState();
  const q: [string, string][] = [];
  const put = (k: string, v: string | number | null | undefined, dv: string | number | null | undefined) => {
    if (v !== null && v !== undefined && v !== "" && v !== dv) q.push([k, String(v)]);
  };
  put("c", s.collection, null);
  put("r", s.reps.join(","), "");
  put("g", s.graphs.join(","), "");
  put("mode", s.mode, d.mode);
  put("color", s.color, d.color);
  put("col", s.labelColumn, null);
  put("node", s.node, null);
  put("q", s.search, "");
  put("region", s.region, null);
  put("membrane", s.membrane, d.membrane);
  put("motif", s.motif, d.motif);
  put("match", s.match, null);
  put("metric", s.metric, null);
  put("audit", s.audit, null);
  put("lens", s.build.lens, d.build.lens);
  put("cov", s.build.cover, d.build.cover);
  put("auto", s.build.auto, d.build.auto);
  put("fix", s.build.coverGiven ? "1" : null, null);
  put("n", s.build.intervals.join(","), d.build.intervals.join(","));
  put("ov", s.build.overlap, d.build.overlap);
  put("cl", s.build.clusterer, d.build.clusterer);
  put("eps", s.build.eps, null);
  put("ms", s.build.minSamples, null);
  put("noise", s.build.noise, d.build.noise);
  put("st", s.build.stability, 0);
  const query = q.map(([k, v]) => `${k}=${encodeURIComponent(v).replace(/%2C/g, ",")}`).join("&");
  return `#/${s.view}${query ? `?${query}` : ""}`;
}

type Listener = (s: ViewState, prev: ViewState) => void;

/** The app's single state store; every change is mirrored into the URL. */
export class Store {
  private state: ViewState;
  private listeners = new Set<Listener>();

  constructor(initial: ViewState, private readonly win: Window | null = typeof window === "undefined" ? null : window) {
    this.state = initial;
    this.win?.addEventListener("hashchange", () => {
      const next = parseState(this.win!.location.hash);
      if (serializeState(next) !== serializeState(this.state)) this.replace(next, false);
    });
  }

  get(): ViewState {
    return this.state;
  }

  /** Apply a patch; `history` pushes an entry (view changes) instead of replacing the current one. */
  set(patch: Partial<ViewState>, history = false): void {
    const next = { ...this.state, ...patch, build: { ...this.state.build, ...(patch.build ?? {}) } };
    this.replace(next, true, history);
  }

  private replace(next: ViewState, writeUrl: boolean, history = false): void {
    const prev = this.state;
    this.state = next;
    if (writeUrl && this.win) {
      const hash = serializeState(next);
      if (hash !== this.win.location.hash) {
        if (history) this.win.history.pushState(null, "", hash);
        else this.win.history.replaceState(null, "", hash);
      }
    }
    for (const l of this.listeners) l(next, prev);
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}
