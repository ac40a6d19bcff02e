// The app context shared by views: the state store, cached server data, notices, jobs and export hooks.
import {
  type AlignedGraphs, api, ApiError, followJob, LAYOUT_REQUEST, type Collection, type GraphRequest, type Job, type JobAccepted,
  type MapperGraphJSON, type Representation, unexpectedJob,
} from "./api";
import { layoutPositions, partnerIndex, type LayoutResult, type PartnerIndex } from "./api/transforms";
import type { Placed } from "./render/export";
import { Store } from "./state";

export interface StimulusTable {
  ids: string[];
  texts: string[] | null;
  labels: Record<string, unknown[]>;
  row: Map<string, number>;
}

export interface ExportHooks {
  svg?: () => Placed[];
  csv?: () => Record<string, unknown>[];
  json?: () => unknown;
  name?: string;
}

export interface JobTracker {
  start(label: string, accepted: JobAccepted): Promise<Job>;
}

export type LayoutInfo = LayoutResult;

export class App {
  readonly store: Store;
  exportHooks: ExportHooks = {};
  private graphs = new Map<string, Promise<MapperGraphJSON>>();
  private layouts = new Map<string, Promise<LayoutInfo>>();
  private layoutQualities = new Map<string, Promise<Record<string, number>>>();
  private stimuliCache = new Map<string, Promise<StimulusTable>>();
  private repsCache: Promise<Representation[]> | null = null;
  private thumbsCache = new Map<string, Map<string, Promise<number[] | null>>>();
  private partnersCache = new Map<string, Promise<PartnerIndex | null>>();
  private collectionsCache: Promise<Collection[]> | null = null;
  /** Graph builds under way (optional work such as layout quality waits for none). */
  building = 0;
  jobs: JobTracker = { start: (_label, accepted) => followJob(accepted.job_id, () => {}) };
  notify: (msg: string, kind?: "error" | "info") => void = () => {};

  constructor(store: Store) {
    this.store = store;
  }

  collections(refresh = false): Promise<Collection[]> {
    if (refresh || !this.collectionsCache) this.collectionsCache = api.collections();
    return this.collectionsCache;
  }

  representations(refresh = false): Promise<Representation[]> {
    if (refresh || !this.repsCache) this.repsCache = api.representations();
    return this.repsCache;
  }

  invalidate(): void {
    this.repsCache = null;
    this.collectionsCache = null;
  }

  graph(id: string): Promise<MapperGraphJSON> {
    let p = this.graphs.get(id);
    if (!p) {
      p = api.graph(id).then((g) => ({ ...g, id }));
      p.catch(() => this.graphs.delete(id));
      this.graphs.set(id, p);
    }
    return p;
  }

  /** Pre-seed the cache with a graph that came back inline. */
  putGraph(id: string, g: MapperGraphJSON): void {
    this.graphs.set(id, Promise.resolve({ ...g, id }));
  }

  stimuli(collectionId: string): Promise<StimulusTable> {
    let p = this.stimuliCache.get(collectionId);
    if (!p) {
      p = (async () => {
        const first = await api.stimuli(collectionId, 0, 100000);
        const ids = [...first.stimulus_ids];
        const texts = first.texts ? [...first.texts] : null;
        const labels: Record<string, unknown[]> = Object.fromEntries(Object.entries(first.labels).map(([k, v]) => [k, [...v]]));
        for (let off = ids.length; off < first.total; off += 100000) {
          const page = await api.stimuli(collectionId, off, 100000);
          ids.push(...page.stimulus_ids);
          texts?.push(...(page.texts ?? []));
          for (const [k, v] of Object.entries(page.labels)) (labels[k] ??= []).push(...v);
        }
        return { ids, texts, labels, row: new Map(ids.map((s, i) => [s, i])) };
      })();
      p.catch(() => this.stimuliCache.delete(collectionId));
      this.stimuliCache.set(collectionId, p);
    }
    return p;
  }

  /** Grey levels (8 x 8, row by row) of some stimuli's thumbnails, fetched once per stimulus; null where none. */
  thumbnails(collectionId: string, ids: string[]): Map<string, Promise<number[] | null>> {
    let cache = this.thumbsCache.get(collectionId);
    if (!cache) this.thumbsCache.set(collectionId, cache = new Map());
    const missing = ids.filter((id) => !cache!.has(id));
    if (missing.length) {
      const batch = api.thumbnails(collectionId, missing).catch(() => ({} as Record<string, number[]>));
      for (const id of missing) cache.set(id, batch.then((t) => t[id] ?? null));
    }
    return new Map(ids.map((id) => [id, cache!.get(id)!]));
  }

  /** Whether a collection has thumbnails (one probe request per collection). */
  async hasThumbnails(collectionId: string, probeId: string): Promise<boolean> {
    return (await this.thumbnails(collectionId, [probeId]).get(probeId)) != null;
  }

  /** Best partners of every node in every other graph, as the backend's correspondence computes them. */
  partners(graphIds: string[]): Promise<PartnerIndex | null> {
    const key = graphIds.join(",");
    let p = this.partnersCache.get(key);
    if (!p) {
      p = graphIds.length < 2 ? Promise.resolve(null) : api.compare(graphIds).then(partnerIndex);
      p.catch(() => this.partnersCache.delete(key));
      this.partnersCache.set(key, p);
    }
    return p;
  }

  async collectionOfGraph(g: MapperGraphJSON): Promise<string | null> {
    if (!g.representation_id) return null;
    const rep = (await this.representations()).find((r) => r.id === g.representation_id)
      ?? (await this.representations(true)).find((r) => r.id === g.representation_id);
    return rep?.collection_id ?? null;
  }

  /** The joint layout of several graphs (`POST /api/topo/layout`). Its quality figures are left out (half the
   *  server's time): `layoutQuality` fetches them after the paint. */
  layout(graphIds: string[]): Promise<LayoutInfo> {
    const key = graphIds.join(",");
    let p = this.layouts.get(key);
    if (!p) {
      p = api.layout(graphIds, { quality: false }).then(layoutPositions);
      p.catch(() => this.layouts.delete(key));
      this.layouts.set(key, p);
    }
    return p;
  }

  /** The joint layout's quality figures (the same layout computed again with its independent baselines). */
  layoutQuality(graphIds: string[]): Promise<Record<string, number>> {
    const key = graphIds.join(",");
    let p = this.layoutQualities.get(key);
    if (!p) {
      p = api.layout(graphIds, { quality: true }).then((r) => layoutPositions(r).quality);
      p.catch(() => this.layoutQualities.delete(key));
      this.layoutQualities.set(key, p);
    }
    return p;
  }

  /** Build (or fetch from the backend's cache) one graph per representation; returns graph ids in order.
   *  Two to eight graphs are built with their joint layout in one job (one round trip instead of a build per graph,
   *  then the layout), which seeds the layout cache. */
  async buildGraphs(repIds: string[], params: GraphRequest, label = "Mapper"): Promise<string[]> {
    const out: string[] = [];
    this.building++;
    try {
      if (repIds.length >= 2 && repIds.length <= 8) {
        const { representation_id: _, ...shared } = params; // the aligned request names its representations instead
        const r = await api.alignedGraphs(repIds, shared, { ...LAYOUT_REQUEST, quality: false });
        let value: AlignedGraphs;
        if (r.job) {
          const job = await this.jobs.start(`${label} × ${repIds.length} + joint layout`, r.job);
          if (job.kind !== "aligned_graphs" || !job.result) throw unexpectedJob(job, "aligned_graphs");
          value = job.result;
        } else value = r.value!;
        const ids = value.graph_ids;
        if (ids.length !== repIds.length) {
          throw new ApiError(0, "bad_response", "The graph build returned no graph ids.");
        }
        for (const id of ids) void this.graph(id).catch(() => {}); // fetched while the view is rebuilt for them
        const key = ids.join(",");
        if (!this.layouts.has(key)) {
          this.layouts.set(key, Promise.resolve(layoutPositions(value.layout)));
        }
        return ids;
      }
      await Promise.all(repIds.map(async (rid, i) => {
        const r = await api.buildGraph({ ...params, representation_id: rid });
        out[i] = await this.builtGraphId(r, `${label} ${i + 1}/${repIds.length}`);
      }));
    } finally {
      this.building--;
    }
    return out;
  }

  /** The id of a built graph: the graph itself (200, `GraphOut`, kept in the cache) or what its build job reports
   *  (202; the job is followed under `label`). */
  async builtGraphId(r: { value?: MapperGraphJSON; job?: JobAccepted }, label: string): Promise<string> {
    const id = r.value?.id;
    if (r.value && id) {
      this.putGraph(id, r.value);
      return id;
    }
    if (!r.job) throw new ApiError(0, "bad_response", "The graph build returned no graph id.");
    const job = await this.jobs.start(label, r.job);
    if (job.kind !== "graph" || !job.result) throw unexpectedJob(job, "graph");
    return job.result.graph_id;
  }
}
