// View 2: pick representations (filters by model / layer / checkpoint / condition) and build one Mapper graph per
// representation. By default the cover and the clustering scale are chosen from each representation's data so the
// graph shows its components and loops (auto "shape"); the chosen values are shown and can be taken as explicit
// parameters to edit. Explicit mode keeps KeplerMapper's cover and clusterers.
import { api, ApiError, type GraphRequest, type Representation } from "../api";
import { CLUSTERER_KINDS, COVER_KINDS, LENS_KINDS } from "../api/choices";
import type { components } from "../api/schema";
import type { App } from "../app";
import { errorBox, h } from "../dom";
import { renderBuildForm, renderBuildResults, renderRepresentationPicker, type BuiltGraph, type FilterKey } from "../render/builds";
import { AUTO_MODES, type AutoMode, type BuildParams } from "../state";

// The menus offer what the backend declares (src/api/choices.ts, generated from its registries), less the lens
// that needs a label column ("label") and the clusterer that is another name of "single" ("agglomerative").
export const LENSES: string[] = LENS_KINDS.filter((k) => k !== "label");
export const COVERS: string[] = [...COVER_KINDS];
export const CLUSTERERS: string[] = CLUSTERER_KINDS.filter((k) => k !== "agglomerative");
const MAX_GRAPHS = 8; // a joint layout holds at most 8 graphs
const AUTO_LABELS: Record<AutoMode, string> = {
  shape: "automatic: the data's shape",
  cmo: "automatic: Carriere-Michel-Oudot",
  stability: "most stable of a small grid",
  off: "explicit (fields below)",
};

/** Whether the cover and clusterer are chosen from the data. */
export const chooses = (b: BuildParams) => b.auto === "shape" || b.auto === "cmo";

/** The body of POST /api/graphs for one representation. The build state holds plain strings (from the URL); the
 *  server checks them against its allowed values. */
export function graphRequest(repId: string, b: BuildParams): GraphRequest {
  type S = components["schemas"];
  const base = { representation_id: repId, lens: { kind: b.lens as S["LensIn"]["kind"] }, stability: b.stability };
  const cover: S["CoverIn"] = { kind: b.cover as S["CoverIn"]["kind"], n_intervals: b.intervals.length === 1 ? b.intervals[0] : b.intervals, overlap: b.overlap };
  if (chooses(b)) return { ...base, auto: b.auto as "shape" | "cmo", ...(b.coverGiven ? { cover } : {}) };
  const clusterer: S["ClustererIn"] = { kind: b.clusterer as S["ClustererIn"]["kind"] };
  if (b.clusterer === "dbscan") {
    clusterer.eps = b.eps ?? "auto";
    if (b.minSamples !== null) clusterer.min_samples = b.minSamples;
    if (b.noise !== "drop") clusterer.noise = b.noise as S["ClustererIn"]["noise"];
  } else if (b.clusterer === "single") {
    if (b.eps === null) throw new ApiError(0, "invalid_parameter", "Single linkage needs a distance threshold: fill in eps / threshold.");
    // the dashboard's single linkage places every stimulus (as the automatic choice does)
    Object.assign(clusterer, { distance_threshold: b.eps, min_points: 1, join_isolated: true });
  } else if (b.minSamples !== null) clusterer.min_samples = b.minSamples;
  return { ...base, auto: b.auto === "stability" ? "stability" : false, cover, clusterer };
}

/** Explicit build parameters that rebuild a graph as it was built (its recorded cover and clusterer). */
export function explicitFrom(params: Record<string, unknown> | undefined, b: BuildParams): BuildParams {
  const cover = (params?.cover ?? {}) as Record<string, unknown>;
  const clu = (params?.clusterer ?? {}) as Record<string, unknown>;
  const n = cover.n_cubes ?? cover.n_intervals;
  const intervals = Array.isArray(n) ? n.map(Number) : typeof n === "number" ? [n] : b.intervals;
  const ov = cover.perc_overlap ?? cover.overlap ?? b.overlap;
  const overlap = Number(Array.isArray(ov) ? ov[0] : ov);
  const kind = String(clu.kind ?? b.clusterer);
  const eps = kind === "single" ? Number(clu.distance_threshold) : typeof clu.eps === "number" ? clu.eps : null;
  return { ...b, auto: "off", coverGiven: false, cover: String(cover.kind ?? b.cover), intervals,
    overlap: +overlap.toFixed(4), clusterer: kind === "agglomerative" ? "single" : kind, eps: eps !== null && Number.isFinite(eps) ? +eps.toPrecision(6) : null };
}

export function mount(root: HTMLElement, app: App): () => void {
  const store = app.store;
  const filters: Partial<Record<FilterKey, string>> = {};
  const table = h("div", {});
  const form = h("div", {});
  const results = h("div", {});
  root.append(
    h("div", { class: "topbar" }, h("h2", {}, "Build"),
      h("span", { class: "muted" }, "One Mapper graph per representation, with the same parameters.")),
    h("div", { class: "body" }, h("div", { class: "scroll" },
      h("div", { class: "grid2" },
        h("div", { class: "card" }, h("h2", {}, "Representations"), table),
        h("div", {}, h("div", { class: "card" }, h("h2", {}, "Parameters"), form), results)))),
  );

  let reps: Representation[] = [];

  async function load(): Promise<void> {
    try {
      const all = await app.representations(true);
      const cid = store.get().collection;
      reps = cid ? all.filter((r) => r.collection_id === cid) : all;
      if (!reps.length) reps = all;
      renderTable();
    } catch (e) { table.replaceChildren(errorBox(e)); }
  }

  function renderTable(): void {
    renderRepresentationPicker(table, reps, filters, new Set(store.get().reps), {
      filter: (k, v) => { filters[k] = v; renderTable(); },
      toggle: (r, checked) => {
        const cur = new Set(store.get().reps);
        if (checked) cur.add(r.id); else cur.delete(r.id);
        store.set({ reps: reps.map((x) => x.id).filter((id) => cur.has(id)) });
        renderForm();
      },
    });
  }

  function renderForm(): void {
    const b = store.get().build;
    renderBuildForm(form, {
      params: b, picked: store.get().reps.length, auto: chooses(b),
      lenses: LENSES, covers: COVERS, clusterers: CLUSTERERS, autoModes: AUTO_MODES, autoLabels: AUTO_LABELS,
    }, {
      set: (patch, redraw = false) => { store.set({ build: { ...store.get().build, ...patch } }); if (redraw) renderForm(); },
      build: () => void build(),
    });
  }

  async function build(): Promise<void> {
    const s = store.get();
    results.replaceChildren(h("div", { class: "card" }, h("h2", {}, "Building…"), h("div", { class: "muted" }, "Progress is in the sidebar; jobs can be cancelled there.")));
    try {
      const out: BuiltGraph[] = [];
      await Promise.all(s.reps.map(async (rid, i) => {
        const r = await api.buildGraph(graphRequest(rid, s.build));
        const rep = reps.find((x) => x.id === rid);
        const id = await app.builtGraphId(r, `Mapper · ${rep?.name ?? rid}`);
        out[i] = { rep, id, graph: await app.graph(id) };
      }));
      renderBuildResults(results, out, {
        edit: (g) => { store.set({ build: explicitFrom(g.params, store.get().build) }); renderForm(); },
        open: (ids) => store.set({ view: "graphs", graphs: ids, node: null, region: null, match: null }, true),
      }, MAX_GRAPHS);
    } catch (e) {
      results.replaceChildren(h("div", { class: "card" }, h("h2", {}, "Build failed"), errorBox(e)));
    }
  }

  store.subscribe(() => {}); // state is read on demand
  void load();
  renderForm();
  return () => {};
}
