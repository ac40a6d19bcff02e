// The one typed client of the TopoAlign API.
// Types of landed endpoints come from the generated `api/schema.d.ts` (npm run gen:api); the shapes of endpoints
// that other parts of the backend are still adding are declared in `api/pending.ts` and normalised here, so views
// never see wire-format variations.
import type { components } from "./api/schema";
import type {
  GraphRecord, LayoutResult, MapperGraphJSON, MotifResult, RegionResult,
} from "./api/pending";

export type * from "./api/pending";
export type Collection = components["schemas"]["CollectionOut"];
export type Representation = components["schemas"]["RepresentationOut"];
export type Stimuli = components["schemas"]["StimuliOut"];
export type Job = components["schemas"]["JobOut"];
export type JobAccepted = { job_id: string; status_url: string; events_url: string };
export type IngestResult = components["schemas"]["IngestOut"];
export type Health = components["schemas"]["HealthOut"];
export type Thumbnails = components["schemas"]["ThumbnailsOut"];
export type Compare = components["schemas"]["CompareOut"];
export type Partner = components["schemas"]["Partner"];
export type AlignedGraphs = components["schemas"]["AlignedGraphsOut"];
export type Landing = components["schemas"]["LandingOut"];
export type StagedUpload = components["schemas"]["UploadOut"];
export type CommitBody = components["schemas"]["CommitIn"];
export type RowIn = components["schemas"]["RowIn"];
export type LabelsResult = components["schemas"]["LabelsOut"];
export type ModelInfo = components["schemas"]["ModelOut"];
export type AuditFigures = components["schemas"]["AuditFiguresOut"];
export type AuditFinding = components["schemas"]["AuditFinding"];
export type AuditLayerMatrix = components["schemas"]["AuditLayerMatrix"];

/** An API error with the server's machine code and message ({"error", "detail"}). */
export class ApiError extends Error {
  constructor(public status: number, public code: string, public detail: string) {
    super(detail);
  }
}

let base = "";
let token: string | null = null;
let onUnauthorized: ((detail: string) => void) | null = null;
/** Where requests go, the bearer token they carry, and who hears of a 401 (the sign-in dialog). */
export function configureApi(opts: { base?: string; token?: string | null; onUnauthorized?: (detail: string) => void }): void {
  if (opts.base !== undefined) base = opts.base;
  if (opts.token !== undefined) token = opts.token;
  if (opts.onUnauthorized !== undefined) onUnauthorized = opts.onUnauthorized;
}
export const currentToken = (): string | null => token;

function headers(extra: Record<string, string> = {}): Record<string, string> {
  return token ? { ...extra, Authorization: `Bearer ${token}` } : extra;
}

export async function errorFrom(status: number, text: string): Promise<ApiError> {
  const err = parseError(status, text);
  if (status === 401) onUnauthorized?.(err.detail);
  return err;
}

function parseError(status: number, text: string): ApiError {
  try {
    const body = JSON.parse(text);
    if (body && typeof body.detail === "string") return new ApiError(status, body.error ?? "error", body.detail);
    if (body && Array.isArray(body.detail)) {
      const msg = body.detail.map((d: { loc?: unknown[]; msg?: string }) =>
        `${(d.loc ?? []).slice(1).join(".")}: ${d.msg}`).join("; ");
      return new ApiError(status, body.error ?? "invalid_input", msg);
    }
  } catch { /* not JSON */ }
  return new ApiError(status, "http_error", text.slice(0, 300) || `HTTP ${status}`);
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(base + path, {
    method,
    headers: headers(body === undefined ? {} : { "Content-Type": "application/json" }),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw await errorFrom(res.status, text);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A GET whose body is text to save as it is (a report, a CSV). */
async function requestText(path: string): Promise<string> {
  const res = await fetch(base + path, { headers: headers() });
  const text = await res.text();
  if (!res.ok) throw await errorFrom(res.status, text);
  return text;
}

/** A POST that either answers at once (200/201) or starts a job (202). */
async function postMaybeJob<T>(path: string, body: unknown): Promise<{ value?: T; job?: JobAccepted }> {
  const res = await fetch(base + path, {
    method: "POST", headers: headers({ "Content-Type": "application/json" }), body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw await errorFrom(res.status, text);
  const data = JSON.parse(text);
  if (res.status === 202 || (data && typeof data.job_id === "string" && !("nodes" in data))) return { job: data };
  return { value: data as T };
}

/** The joint layout the dashboard draws (every graph in one frame; panels are the view's business). */
export const LAYOUT_REQUEST = { mode: "overlay" } as const;

// ---- collections, representations, jobs (landed) -------------------------------------------------------------
export const api = {
  health: () => request<Health>("GET", "/api/health"),
  collections: () => request<Collection[]>("GET", "/api/collections"),
  collection: (id: string) => request<Collection>("GET", `/api/collections/${enc(id)}`),
  createCollection: (body: components["schemas"]["CollectionIn"]) => request<Collection>("POST", "/api/collections", body),
  deleteCollection: (id: string) => request<void>("DELETE", `/api/collections/${enc(id)}`),
  stimuli: (id: string, offset = 0, limit = 100000) =>
    request<Stimuli>("GET", `/api/collections/${enc(id)}/stimuli?offset=${offset}&limit=${limit}`),
  thumbnails: (id: string, stimulusIds: string[]) =>
    request<Thumbnails>("GET", `/api/collections/${enc(id)}/thumbnails?ids=${stimulusIds.map(enc).join(",")}`),
  representations: (collectionId?: string) =>
    request<Representation[]>("GET", collectionId ? `/api/collections/${enc(collectionId)}/representations` : "/api/representations"),
  deleteRepresentation: (id: string) => request<void>("DELETE", `/api/representations/${enc(id)}`),
  updateCollection: (id: string, body: { name?: string; description?: string }) =>
    request<Collection>("PATCH", `/api/collections/${enc(id)}`, body),
  /** A new collection from a stimulus table (ids, optional text, labels) and optional image thumbnails. */
  createCollectionFromTable: (fields: Record<string, string>, table: File, thumbnails: File | null) =>
    postForm<Collection>("/api/collections/from-table", fields, { table, ...(thumbnails ? { thumbnails } : {}) }),
  addLabels: (id: string, labels: File, fields: Record<string, string>) =>
    postForm<LabelsResult>(`/api/collections/${enc(id)}/labels`, fields, { labels }),
  commitUpload: (uploadId: string, body: CommitBody) => request<IngestResult>("POST", `/api/uploads/${enc(uploadId)}/commit`, body),
  deleteUpload: (uploadId: string) => request<void>("DELETE", `/api/uploads/${enc(uploadId)}`),
  models: () => request<ModelInfo[]>("GET", "/api/models"),
  startExtraction: (fields: Record<string, string>, files: Record<string, File>) =>
    postForm<JobAccepted>("/api/extractions", fields, files),
  jobs: () => request<Job[]>("GET", "/api/jobs"),
  job: (id: string) => request<Job>("GET", `/api/jobs/${enc(id)}`),
  cancelJob: (id: string) => request<Job>("POST", `/api/jobs/${enc(id)}/cancel`),

  // ---- Mapper graphs -----------------------------------------------------------------------------------------
  buildGraph: (body: Record<string, unknown>) => postMaybeJob<GraphRecord | MapperGraphJSON>("/api/graphs", body),
  graph: (id: string) => request<MapperGraphJSON>("GET", `/api/graphs/${enc(id)}`),
  landing: () => request<Landing>("GET", "/api/graphs/landing"),
  /** One graph per representation (same parameters) and their joint layout, in one job. */
  alignedGraphs: (repIds: string[], params: Record<string, unknown>, layout: Record<string, unknown>) =>
    postMaybeJob<AlignedGraphs>("/api/graphs/aligned", { ...params, representation_ids: repIds, layout }),

  // ---- topological alignment -------------------------------------------------------------------------------
  layout: (graphIds: string[], opts: Record<string, unknown> = {}) =>
    postMaybeJob<LayoutResult>("/api/topo/layout", { graph_ids: graphIds, ...LAYOUT_REQUEST, quality: true, ...opts }),
  compare: (graphIds: string[], top = 3) =>
    request<Compare>("POST", "/api/topo/compare", { graph_ids: graphIds, top, max_pairs: 0 }),
  regions: (graphIds: string[], opts: Record<string, unknown> = {}) =>
    postMaybeJob<RegionResult>("/api/topo/regions", { graph_ids: graphIds, ...opts }),
  motifs: (graphIds: string[], query: Record<string, unknown>) =>
    postMaybeJob<MotifResult>("/api/topo/motifs", { graph_ids: graphIds, ...query }),

  topoResult: (id: string) => request<Record<string, unknown>>("GET", `/api/topo/results/${enc(id)}`),

  // ---- audits -------------------------------------------------------------------------------------------------
  startAudit: (collectionId: string, body: components["schemas"]["AuditIn"]) =>
    postMaybeJob<{ audit_id: string }>(`/api/collections/${enc(collectionId)}/audits`, body),
  audits: (collectionId?: string) =>
    request<components["schemas"]["AuditSummary"][]>("GET", `/api/audits${collectionId ? `?collection_id=${enc(collectionId)}` : ""}`),
  auditResult: (id: string) => request<components["schemas"]["AuditOut"]>("GET", `/api/audits/${enc(id)}`),
  /** The audit figure by figure with the paper's findings (aggregated by the server). */
  auditSummary: (id: string) => request<AuditFigures>("GET", `/api/audits/${enc(id)}/summary`),
  auditFindings: (id: string, format: "md" | "json") => requestText(`/api/audits/${enc(id)}/findings?format=${format}`),
};

/** The routes the running server offers (from its OpenAPI), to tell "not built yet" from "failed". */
export async function availableRoutes(): Promise<Set<string>> {
  try {
    const spec = await request<{ paths: Record<string, unknown> }>("GET", "/openapi.json");
    return new Set(Object.keys(spec.paths));
  } catch {
    return new Set();
  }
}

function enc(s: string): string {
  return encodeURIComponent(s);
}

/** A multipart POST (small forms: the collection table, labels, an extraction's files). */
async function postForm<T>(path: string, fields: Record<string, string>, files: Record<string, File>): Promise<T> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) if (v !== "") form.append(k, v);
  for (const [k, f] of Object.entries(files)) form.append(k, f, f.name);
  const res = await fetch(base + path, { method: "POST", headers: headers(), body: form });
  const text = await res.text();
  if (!res.ok) throw await errorFrom(res.status, text);
  return JSON.parse(text) as T;
}

/** Send a file to the staging area with upload progress: the server answers with the arrays it holds. */
export function stageUpload(file: File, labels: File | null, fields: Record<string, string>,
  onProgress: (fraction: number) => void): { promise: Promise<StagedUpload>; abort: () => void } {
  const form = new FormData();
  form.append("file", file, file.name);
  if (labels) form.append("labels", labels, labels.name);
  for (const [k, v] of Object.entries(fields)) if (v !== "") form.append(k, v);
  return xhrPost<StagedUpload>("/api/uploads", form, onProgress);
}

function xhrPost<T>(path: string, form: FormData, onProgress: (fraction: number) => void): { promise: Promise<T>; abort: () => void } {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<T>((resolve, reject) => {
    xhr.open("POST", `${base}${path}`);
    if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    xhr.onload = async () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve(JSON.parse(xhr.responseText));
      else reject(await errorFrom(xhr.status, xhr.responseText));
    };
    xhr.onerror = () => reject(new ApiError(0, "network", "The upload could not reach the server."));
    xhr.onabort = () => reject(new ApiError(0, "aborted", "Upload cancelled."));
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}

// ---- upload with progress (XHR: fetch has no upload progress) ------------------------------------------------
export interface UploadFields {
  name?: string; model?: string; layer?: string; layer_index?: number; checkpoint?: string; epoch?: number;
  condition?: string; seed?: number; drop_nonfinite?: boolean; create?: boolean; id_column?: string;
}

export function uploadRepresentation(
  collectionId: string, file: File | Blob, fields: UploadFields, labels: File | null,
  onProgress: (fraction: number) => void,
): { promise: Promise<IngestResult>; abort: () => void } {
  const form = new FormData();
  form.append("file", file, (file as File).name ?? "upload.bin");
  if (labels) form.append("labels", labels, labels.name);
  for (const [k, v] of Object.entries(fields)) {
    if (v !== undefined && v !== null && v !== "") form.append(k, String(v));
  }
  return xhrPost<IngestResult>(`/api/collections/${enc(collectionId)}/representations`, form, onProgress);
}

// ---- jobs: server-sent events with a polling fallback ---------------------------------------------------------
const FINAL = new Set(["done", "failed", "cancelled", "interrupted"]);

export function followJob(jobId: string, onUpdate: (job: Job) => void): Promise<Job> {
  return new Promise((resolve, reject) => {
    let finished = false;
    const finish = (job: Job) => {
      if (finished) return;
      finished = true;
      if (job.status === "done") resolve(job);
      else reject(new ApiError(0, job.status, job.error || job.message || `Job ${job.status}.`));
    };
    const poll = async () => {
      while (!finished) {
        try {
          const job = await api.job(jobId);
          onUpdate(job);
          if (FINAL.has(job.status)) return finish(job);
        } catch (e) { finished = true; return reject(e); }
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    if (typeof EventSource === "undefined") { void poll(); return; }
    const src = new EventSource(`${base}/api/jobs/${enc(jobId)}/events${token ? `?token=${enc(token)}` : ""}`);
    src.onmessage = (ev) => {
      const job = JSON.parse(ev.data) as Job;
      onUpdate(job);
      if (FINAL.has(job.status)) { src.close(); finish(job); }
    };
    src.onerror = () => { src.close(); if (!finished) void poll(); };
  });
}

/** Run a maybe-job request to its value, reporting progress. */
export async function resolveJob<T>(
  r: { value?: T; job?: JobAccepted }, onProgress: (job: Job) => void = () => {},
): Promise<{ value: T; jobId?: string }> {
  if (r.value !== undefined) return { value: r.value };
  const job = await followJob(r.job!.job_id, onProgress);
  return { value: job.result as T, jobId: job.id };
}
