// The one typed client of the TopoAlign API: every request goes through `openapi-fetch` over the paths generated
// from the server's OpenAPI document (`api/schema.d.ts`, npm run gen:api), so a route or a field the server does not
// have is a type error here. Two things fetch cannot do stay outside it, typed from the same schema: uploads with
// progress (XMLHttpRequest) and a job's event stream (EventSource).
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./api/schema";

type Schemas = components["schemas"];
export type Collection = Schemas["CollectionOut"];
export type Representation = Schemas["RepresentationOut"];
export type Stimuli = Schemas["StimuliOut"];
/** A job as the server reports it: one type per kind (`kind` tells them apart and types `result`). */
export type Job = paths["/api/jobs/{job_id}"]["get"]["responses"][200]["content"]["application/json"];
export type JobKind = Job["kind"];
export type JobAccepted = Schemas["JobAccepted"];
export type IngestResult = Schemas["IngestOut"];
export type Health = Schemas["HealthOut"];
export type Thumbnails = Schemas["ThumbnailsOut"];
export type Compare = Schemas["CompareOut"];
export type Partner = Schemas["Partner"];
export type AlignedGraphs = Schemas["AlignedGraphsOut"];
export type Landing = Schemas["LandingOut"];
export type StagedUpload = Schemas["UploadOut"];
export type CommitBody = Schemas["CommitIn"];
export type RowIn = Schemas["RowIn"];
export type LabelsResult = Schemas["LabelsOut"];
export type ModelInfo = Schemas["ModelOut"];
export type AuditFigures = Schemas["AuditFiguresOut"];
export type AuditFinding = Schemas["AuditFinding"];
export type AuditLayerMatrix = Schemas["AuditLayerMatrix"];
/** The Mapper graph wire format (backend/topoalign/mapper/graph.py, "topoalign.mapper_graph/1"). */
export type MapperGraphJSON = Schemas["GraphOut"];
export type GraphNodeJSON = Schemas["GraphNode"];
export type GraphEdgeJSON = Schemas["GraphEdge"];
export type GraphRequest = Schemas["GraphRequest"];
export type LayoutOut = Schemas["LayoutOut"];
export type LayoutParams = Schemas["LayoutParams"];
export type Region = Schemas["RegionOut"];
export type Regions = Schemas["RegionsOut"];
export type Motifs = Schemas["MotifsOut"];
export type MotifQuery = Omit<Schemas["MotifIn"], "graph_ids">;

/** An API error with the server's machine code and message ({"error", "detail"}). */
export class ApiError extends Error {
  constructor(public status: number, public code: string, public detail: string) {
    super(detail);
  }
}

let base = "";
let token: string | null = null;
let onUnauthorized: ((detail: string) => void) | null = null;

const auth: Middleware = {
  onRequest({ request }) {
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
};

function makeClient(baseUrl: string) {
  // fetch looked up per call (not bound once), so a test or a polyfill that replaces it is heard
  const c = createClient<paths>({ baseUrl, fetch: (req) => globalThis.fetch(req) });
  c.use(auth);
  return c;
}
let client = makeClient(base);

/** Where requests go, the bearer token they carry, and who hears of a 401 (the sign-in dialog). */
export function configureApi(opts: { base?: string; token?: string | null; onUnauthorized?: (detail: string) => void }): void {
  if (opts.base !== undefined && opts.base !== base) client = makeClient(base = opts.base);
  if (opts.token !== undefined) token = opts.token;
  if (opts.onUnauthorized !== undefined) onUnauthorized = opts.onUnauthorized;
}
export const currentToken = (): string | null => token;

/** The error of a failed response; `body` is what came back (the API's `{error, detail}`, or text from elsewhere). */
export function errorFrom(status: number, body: unknown): ApiError {
  const err = parseError(status, body);
  if (status === 401) onUnauthorized?.(err.detail);
  return err;
}

function parseError(status: number, body: unknown): ApiError {
  if (typeof body === "string") {
    try { body = JSON.parse(body); } catch { /* not JSON: a proxy's page, say */ }
  }
  if (body && typeof body === "object" && typeof (body as Schemas["ErrorOut"]).detail === "string") {
    const e = body as Schemas["ErrorOut"];
    return new ApiError(status, e.error ?? "error", e.detail);
  }
  const text = typeof body === "string" ? body : body === undefined ? "" : JSON.stringify(body);
  return new ApiError(status, "http_error", text.slice(0, 300) || `HTTP ${status}`);
}

/** What every openapi-fetch call answers. */
interface Answer<T> { data?: T; error?: unknown; response: Response }

/** The body of a successful answer, or the API's error thrown. */
async function ok<T>(call: Promise<Answer<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw errorFrom(response.status, error);
  return data as T;
}

/** A POST that either answers at once (200) or starts a job (202, `JobAccepted`). */
async function maybeJob<T>(call: Promise<Answer<T | JobAccepted>>): Promise<{ value?: T; job?: JobAccepted }> {
  const { data, error, response } = await call;
  if (!response.ok) throw errorFrom(response.status, error);
  return response.status === 202 ? { job: data as JobAccepted } : { value: data as T };
}

/** Multipart bodies travel as FormData (openapi-fetch sends it as it is; the schema types binary fields as strings). */
function multipart<B>(fields: Record<string, string>, files: Record<string, File>): B {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) if (v !== "") form.append(k, v);
  for (const [k, f] of Object.entries(files)) form.append(k, f, f.name);
  return form as unknown as B;
}
type FormOf<P extends keyof paths> = paths[P] extends { post: { requestBody?: { content: { "multipart/form-data": infer B } } } } ? B : never;

/** The joint layout the dashboard draws (every graph in one frame; panels are the view's business). */
export const LAYOUT_REQUEST = { mode: "overlay" } as const satisfies LayoutParams;

export const api = {
  // ---- collections, representations, uploads, models, jobs -------------------------------------------------
  health: () => ok(client.GET("/api/health")),
  collections: () => ok(client.GET("/api/collections")),
  collection: (cid: string) => ok(client.GET("/api/collections/{collection_id}", { params: { path: { collection_id: cid } } })),
  createCollection: (body: Schemas["CollectionIn"]) => ok(client.POST("/api/collections", { body })),
  deleteCollection: (cid: string) =>
    ok(client.DELETE("/api/collections/{collection_id}", { params: { path: { collection_id: cid } } })),
  stimuli: (cid: string, offset = 0, limit = 100000) => ok(client.GET("/api/collections/{collection_id}/stimuli",
    { params: { path: { collection_id: cid }, query: { offset, limit } } })),
  thumbnails: (cid: string, stimulusIds: string[]) => ok(client.GET("/api/collections/{collection_id}/thumbnails",
    { params: { path: { collection_id: cid }, query: { ids: stimulusIds.join(",") } } })),
  representations: (collectionId?: string) => collectionId
    ? ok(client.GET("/api/collections/{collection_id}/representations", { params: { path: { collection_id: collectionId } } }))
    : ok(client.GET("/api/representations")),
  deleteRepresentation: (rid: string) =>
    ok(client.DELETE("/api/representations/{representation_id}", { params: { path: { representation_id: rid } } })),
  updateCollection: (cid: string, body: Schemas["CollectionPatch"]) =>
    ok(client.PATCH("/api/collections/{collection_id}", { params: { path: { collection_id: cid } }, body })),
  /** A new collection from a stimulus table (ids, optional text, labels) and optional image thumbnails. */
  createCollectionFromTable: (fields: Record<string, string>, table: File, thumbnails: File | null) =>
    ok(client.POST("/api/collections/from-table", {
      body: multipart<FormOf<"/api/collections/from-table">>(fields, { table, ...(thumbnails ? { thumbnails } : {}) }),
    })),
  addLabels: (cid: string, labels: File, fields: Record<string, string>) =>
    ok(client.POST("/api/collections/{collection_id}/labels", {
      params: { path: { collection_id: cid } },
      body: multipart<FormOf<"/api/collections/{collection_id}/labels">>(fields, { labels }),
    })),
  commitUpload: (uploadId: string, body: CommitBody) =>
    ok(client.POST("/api/uploads/{upload_id}/commit", { params: { path: { upload_id: uploadId } }, body })),
  deleteUpload: (uploadId: string) =>
    ok(client.DELETE("/api/uploads/{upload_id}", { params: { path: { upload_id: uploadId } } })),
  models: () => ok(client.GET("/api/models")),
  startExtraction: (fields: Record<string, string>, files: Record<string, File>) =>
    ok(client.POST("/api/extractions", { body: multipart<FormOf<"/api/extractions">>(fields, files) })),
  jobs: () => ok(client.GET("/api/jobs")),
  job: (jobId: string) => ok(client.GET("/api/jobs/{job_id}", { params: { path: { job_id: jobId } } })),
  cancelJob: (jobId: string) => ok(client.POST("/api/jobs/{job_id}/cancel", { params: { path: { job_id: jobId } } })),

  // ---- Mapper graphs ---------------------------------------------------------------------------------------
  buildGraph: (body: GraphRequest) => maybeJob(client.POST("/api/graphs", { body })),
  graph: (graphId: string) => ok(client.GET("/api/graphs/{graph_id}", { params: { path: { graph_id: graphId } } })),
  landing: () => ok(client.GET("/api/graphs/landing")),
  /** One graph per representation (same parameters) and their joint layout, in one job. */
  alignedGraphs: (repIds: string[], params: Omit<Schemas["AlignedGraphsIn"], "representation_ids" | "layout">, layout: LayoutParams) =>
    maybeJob(client.POST("/api/graphs/aligned", { body: { ...params, representation_ids: repIds, layout } })),

  // ---- topological alignment -------------------------------------------------------------------------------
  layout: (graphIds: string[], opts: Partial<LayoutParams> = {}) =>
    ok(client.POST("/api/topo/layout", { body: { graph_ids: graphIds, ...LAYOUT_REQUEST, quality: true, ...opts } })),
  compare: (graphIds: string[], top = 3) =>
    ok(client.POST("/api/topo/compare", { body: { graph_ids: graphIds, top, max_pairs: 0 } })),
  regions: (graphIds: string[], opts: Omit<Schemas["RegionsIn"], "graph_ids"> = {}) =>
    maybeJob(client.POST("/api/topo/regions", { body: { graph_ids: graphIds, ...opts } })),
  motifs: (graphIds: string[], query: MotifQuery) =>
    ok(client.POST("/api/topo/motifs", { body: { graph_ids: graphIds, ...query } })),
  topoResult: (resultId: string) =>
    ok(client.GET("/api/topo/results/{result_id}", { params: { path: { result_id: resultId } } })),

  // ---- audits ----------------------------------------------------------------------------------------------
  startAudit: (collectionId: string, body: Schemas["AuditIn"]) =>
    ok(client.POST("/api/collections/{collection_id}/audits", { params: { path: { collection_id: collectionId } }, body })),
  audits: (collectionId?: string) =>
    ok(client.GET("/api/audits", { params: { query: collectionId ? { collection_id: collectionId } : {} } })),
  auditResult: (auditId: string) => ok(client.GET("/api/audits/{audit_id}", { params: { path: { audit_id: auditId } } })),
  /** The audit figure by figure with the paper's findings (aggregated by the server). */
  auditSummary: (auditId: string) =>
    ok(client.GET("/api/audits/{audit_id}/summary", { params: { path: { audit_id: auditId } } })),
  /** The findings as a file to save as it is (Markdown or JSON text). */
  auditFindings: (auditId: string, format: "md" | "json") => ok(client.GET("/api/audits/{audit_id}/findings",
    { params: { path: { audit_id: auditId }, query: { format } }, parseAs: "text" })),
};

// ---- uploads with progress (XHR: fetch has no upload progress) -----------------------------------------------
type Created<P extends keyof paths> = paths[P] extends { post: { responses: { 201: { content: { "application/json": infer R } } } } } ? R : never;

/** Send a file to the staging area with upload progress: the server answers with the arrays it holds. */
export function stageUpload(file: File, labels: File | null, fields: Record<string, string>,
  onProgress: (fraction: number) => void): { promise: Promise<StagedUpload>; abort: () => void } {
  const form = new FormData();
  form.append("file", file, file.name);
  if (labels) form.append("labels", labels, labels.name);
  for (const [k, v] of Object.entries(fields)) if (v !== "") form.append(k, v);
  return xhrPost<Created<"/api/uploads">>("/api/uploads", form, onProgress);
}

function xhrPost<T>(path: string, form: FormData, onProgress: (fraction: number) => void): { promise: Promise<T>; abort: () => void } {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<T>((resolve, reject) => {
    xhr.open("POST", `${base}${path}`);
    if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve(JSON.parse(xhr.responseText) as T);
      else reject(errorFrom(xhr.status, xhr.responseText));
    };
    xhr.onerror = () => reject(new ApiError(0, "network", "The upload could not reach the server."));
    xhr.onabort = () => reject(new ApiError(0, "aborted", "Upload cancelled."));
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}

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
  return xhrPost<Created<"/api/collections/{collection_id}/representations">>(
    `/api/collections/${encodeURIComponent(collectionId)}/representations`, form, onProgress);
}

// ---- jobs: server-sent events (GET /api/jobs/{job_id}/events) with polling when the stream breaks -----------
const FINAL = new Set<Job["status"]>(["done", "failed", "cancelled", "interrupted"]);

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
    const events: keyof paths = "/api/jobs/{job_id}/events";
    const url = base + events.replace("{job_id}", encodeURIComponent(jobId));
    const src = new EventSource(`${url}${token ? `?token=${encodeURIComponent(token)}` : ""}`);
    src.onmessage = (ev) => {
      const job = JSON.parse(ev.data) as Job;
      onUpdate(job);
      if (FINAL.has(job.status)) { src.close(); finish(job); }
    };
    src.onerror = () => { src.close(); if (!finished) void poll(); };
  });
}

/** The error for a finished job that is not the kind asked for or has no result (callers narrow on `job.kind`:
 *  `if (job.kind !== "audit" || !job.result) throw unexpectedJob(job, "audit")`). */
export function unexpectedJob(job: Job, kind: JobKind): ApiError {
  return new ApiError(0, "bad_response", job.kind === kind ? `The ${kind} job ${job.id} has no result.`
    : `Expected a ${kind} job; got a ${job.kind} job.`);
}
