// View 2: pick representations (filters by model / layer / checkpoint / condition) and build one Mapper graph per
// representation. By default the cover and the clustering scale are chosen from each representation's data so the
// graph shows its components and loops (auto "shape"); the chosen values are shown and can be taken as explicit
// parameters to edit. Explicit mode keeps KeplerMapper's cover and clusterers.
import { api, ApiError, type GraphRequest, type MapperGraphJSON, type Representation } from "../api";
import type { components } from "../api/schema";
import type { App } from "../app";
import { empty, errorBox, fmt, h } from "../dom";
import { AUTO_MODES, DEFAULT_BUILD, parseIntervals, type AutoMode, type BuildParams } from "../state";

export const LENSES = ["pca", "umap", "norm", "density", "eccentricity", "knn"];
export const COVERS = ["kmapper", "uniform", "balanced"];
export const CLUSTERERS = ["dbscan", "single", "hdbscan"];
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

const FILTERS = ["model", "layer", "checkpoint", "condition"] as const;

export function mount(root: HTMLElement, app: App): () => void {
  const store = app.store;
  const filters: Record<string, string> = {};
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
    if (!reps.length) { table.replaceChildren(empty("No representations yet: add some in Data.")); return; }
    const selected = new Set(store.get().reps);
    const values = (k: (typeof FILTERS)[number]) => Array.from(new Set(reps.map((r) => r.provenance[k]).filter((v) => v != null))).map(String).sort();
    const filterRow = h("div", { class: "row", style: { marginBottom: "8px" } },
      ...FILTERS.filter((k) => values(k).length > 0).map((k) => {
        const sel = h("select", { "data-filter": k, onchange: (e: Event) => { filters[k] = (e.target as HTMLSelectElement).value; renderTable(); } },
          h("option", { value: "" }, `all ${k}s`), ...values(k).map((v) => h("option", { value: v, selected: filters[k] === v }, v)));
        return sel;
      }));
    const shown = reps.filter((r) => FILTERS.every((k) => !filters[k] || String(r.provenance[k]) === filters[k]));
    const rows = shown.map((r) => {
      const cb = h("input", { type: "checkbox", checked: selected.has(r.id), "data-rep": r.id });
      cb.addEventListener("change", () => {
        const cur = new Set(store.get().reps);
        if (cb.checked) cur.add(r.id); else cur.delete(r.id);
        store.set({ reps: reps.map((x) => x.id).filter((id) => cur.has(id)) });
        renderForm();
      });
      const p = r.provenance;
      return h("tr", { class: selected.has(r.id) ? "on" : "" }, h("td", {}, cb), h("td", { class: "name", title: r.name }, h("b", {}, r.name)),
        h("td", {}, p.model ?? "–"), h("td", {}, p.layer ?? "–"),
        h("td", {}, p.checkpoint ?? (p.epoch != null ? `ep ${p.epoch}` : "–")), h("td", {}, p.condition ?? "–"),
        h("td", { class: "num" }, `${fmt(r.n)} × ${fmt(r.d)}`));
    });
    table.replaceChildren(filterRow, h("table", { class: "data" },
      h("thead", {}, h("tr", {}, h("th", {}, ""), ...["name", "model", "layer", "checkpoint", "condition"].map((t) => h("th", {}, t)), h("th", { class: "num" }, "n × d"))),
      h("tbody", {}, ...rows)));
  }

  function renderForm(): void {
    const b = store.get().build;
    const set = (patch: Partial<BuildParams>, redraw = false) => { store.set({ build: { ...store.get().build, ...patch } }); if (redraw) renderForm(); };
    const select = (id: string, options: string[], value: string, on: (v: string) => void, labels?: Record<string, string>) =>
      h("select", { id, onchange: (e: Event) => on((e.target as HTMLSelectElement).value) },
        ...options.map((o) => h("option", { value: o, selected: o === value }, labels?.[o] ?? o)));
    const number = (id: string, value: number | null, step: string, on: (v: number | null) => void, placeholder = "") =>
      h("input", { type: "number", id, step, value: value ?? "", placeholder,
        onchange: (e: Event) => { const v = (e.target as HTMLInputElement).value; on(v === "" ? null : +v); } });
    const nSel = store.get().reps.length;
    const auto = chooses(b);
    const explicitCover = !auto || b.coverGiven;
    const go = h("button", { class: "primary", id: "build-go", disabled: nSel === 0, onclick: () => void build() },
      nSel ? `Build ${nSel} graph${nSel > 1 ? "s" : ""}` : "Pick representations");
    const intervals = h("input", { type: "text", id: "build-intervals", value: b.intervals.join(", "), size: 6,
      title: "one number, or one per lens dimension (e.g. 11, 6)", disabled: !explicitCover,
      onchange: (e: Event) => { const v = parseIntervals((e.target as HTMLInputElement).value); if (v) set({ intervals: v }); } });
    const field = (label: string, el: HTMLElement, on = true, title?: string) =>
      h("label", { class: on ? "field" : "field off", title }, h("span", {}, label), el);
    const fix = h("input", { type: "checkbox", id: "build-fix-cover", checked: b.coverGiven,
      onchange: (e: Event) => set({ coverGiven: (e.target as HTMLInputElement).checked }, true) });
    const disable = (el: HTMLElement, off: boolean) => { (el as HTMLInputElement).disabled = off; return el; };
    form.replaceChildren(
      h("div", { class: "row" },
        field("lens", select("build-lens", LENSES, b.lens, (v) => set({ lens: v }))),
        field("parameters", select("build-auto", [...AUTO_MODES], b.auto, (v) => set({ auto: v as AutoMode }, true), AUTO_LABELS)),
        auto ? h("label", { title: "Keep this cover and let only the clustering scale be chosen" }, fix, " fix the cover") : null as unknown as HTMLElement),
      h("div", { class: "row", style: { marginTop: "8px" } },
        field("cover", disable(select("build-cover", COVERS, b.cover, (v) => set({ cover: v })), !explicitCover), explicitCover),
        field("intervals", intervals, explicitCover),
        field("overlap", disable(number("build-overlap", b.overlap, "0.05", (v) => set({ overlap: v ?? DEFAULT_BUILD.overlap })), !explicitCover), explicitCover),
        field("clusterer", disable(select("build-clusterer", CLUSTERERS, b.clusterer, (v) => set({ clusterer: v }, true)), auto), !auto),
        field(b.clusterer === "single" ? "threshold" : "eps", disable(number("build-eps", b.eps, "0.05", (v) => set({ eps: v }), b.clusterer === "single" ? "" : "auto"), auto), !auto),
        field("min samples", disable(number("build-min-samples", b.minSamples, "1", (v) => set({ minSamples: v }), "3"), auto), !auto),
        b.clusterer === "dbscan" ? field("noise", disable(select("build-noise", ["drop", "keep", "attach"], b.noise, (v) => set({ noise: v })), auto), !auto,
          "DBSCAN noise rows: drop (as KeplerMapper), keep (a node each) or attach (to the nearest cluster of their cover element)") : null as unknown as HTMLElement,
        field("stability", number("build-stability", b.stability, "1", (v) => set({ stability: v ?? 0 }), "0"), true,
          "Resamples for node and edge stability and the confidence of components and loops (0 = off)")),
      h("div", { class: "row", style: { marginTop: "10px" } }, h("span", { class: "grow" }), go),
      h("div", { class: "muted", id: "build-help", style: { marginTop: "6px", fontSize: "11px" } },
        auto ? "The cover and the clustering scale are chosen per representation so the graph shows its components and loops " +
          "(persistent over neighbouring covers and scales, checked on resamples); every stimulus lands in a node. " +
          "The choice and its reason appear with the graphs, and can be taken as explicit parameters to edit."
          : "Explicit: KeplerMapper's cover (10 intervals at 30% overlap by default) and the clusterer as given; DBSCAN " +
            "with eps auto picks its radius from a distance quantile and drops noise rows unless told to keep or attach them."));
  }

  async function build(): Promise<void> {
    const s = store.get();
    results.replaceChildren(h("div", { class: "card" }, h("h2", {}, "Building…"), h("div", { class: "muted" }, "Progress is in the sidebar; jobs can be cancelled there.")));
    try {
      const out: Built[] = [];
      await Promise.all(s.reps.map(async (rid, i) => {
        const r = await api.buildGraph(graphRequest(rid, s.build));
        let value: unknown = r.value;
        const rep = reps.find((x) => x.id === rid);
        if (r.job) value = (await app.jobs.start(`Mapper · ${rep?.name ?? rid}`, r.job)).result;
        const id = app.graphIdFrom(value);
        out[i] = { rep, id, graph: await app.graph(id) };
      }));
      renderResults(out);
    } catch (e) {
      results.replaceChildren(h("div", { class: "card" }, h("h2", {}, "Build failed"), errorBox(e)));
    }
  }

  function renderResults(out: Built[]): void {
    const ids = out.map((o) => o.id);
    const rows = out.map((o) => {
      const g = o.graph;
      const topo = g.topology;
      const covered = g.n_covered ?? null;
      const loops = topo?.loops ?? [];
      const conf = loops.length ? Math.min(...loops.map((l) => l.confidence ?? 1)) : null;
      return h("tr", { "data-graph": o.id }, h("td", {}, h("b", {}, o.rep?.name ?? o.id)),
        h("td", { class: "num" }, fmt(g.nodes.length)), h("td", { class: "num" }, fmt(g.edges.length)),
        h("td", { class: "num coverage", title: `${fmt(covered)} of ${fmt(g.n_stimuli)} stimuli in a node` },
          covered === null ? "–" : `${fmt((100 * covered) / Math.max(g.n_stimuli, 1), 1)}%`),
        h("td", { class: "num" }, fmt(topo?.b0)), h("td", { class: "num", title: conf === null ? "" : `least loop confidence ${fmt(conf, 2)}` }, fmt(topo?.b1)),
        h("td", { class: "num" }, fmt(meanStability(g.nodes.map((n) => n.stability ?? null)))),
        h("td", {}, h("button", { class: "edit-params", title: "Take this graph's cover and clusterer as explicit parameters to edit",
          onclick: () => { store.set({ build: explicitFrom(g.params, store.get().build) }); renderForm(); } }, "edit")));
    });
    const reasons = out.filter((o) => autoOf(o.graph)?.reason).map((o) => {
      const a = autoOf(o.graph)!;
      return h("div", { class: "auto-reason" }, h("h3", {}, `${a.strategy ?? "auto"} · ${o.rep?.name ?? o.id}`),
        h("div", { class: "muted" }, String(a.reason)), candidateTable(a));
    });
    results.replaceChildren(h("div", { class: "card", id: "build-results" },
      h("div", { class: "row" }, h("h2", {}, "Graphs"), h("span", { class: "grow" }),
        ids.length > MAX_GRAPHS ? h("span", { class: "muted" }, `The aligned view lays out at most ${MAX_GRAPHS} graphs: pick fewer to open them together.`) : null as unknown as HTMLElement,
        h("button", { class: "primary", id: "open-aligned", disabled: ids.length > MAX_GRAPHS,
          onclick: () => store.set({ view: "graphs", graphs: ids, node: null, region: null, match: null }, true) }, "Open aligned →")),
      h("table", { class: "data" }, h("thead", {}, h("tr", {}, h("th", {}, "representation"), h("th", { class: "num" }, "nodes"),
        h("th", { class: "num" }, "edges"), h("th", { class: "num", title: "share of the stimuli placed in a node" }, "coverage"),
        h("th", { class: "num", title: "connected components" }, "b0"), h("th", { class: "num", title: "independent loops (triangles filled)" }, "b1"),
        h("th", { class: "num" }, "stability"), h("th", {}, ""))),
        h("tbody", {}, ...rows)),
      ...reasons));
  }

  store.subscribe(() => {}); // state is read on demand
  void load();
  renderForm();
  return () => {};
}

interface Built { rep: Representation | undefined; id: string; graph: MapperGraphJSON }

function meanStability(values: (number | null)[]): number | null {
  const v = values.filter((x): x is number => typeof x === "number");
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
}

interface AutoRecord { strategy?: string; reason?: string; table?: Record<string, unknown>[]; best?: Record<string, unknown> }

function autoOf(g: { params?: Record<string, unknown> }): AutoRecord | null {
  const a = g.params?.auto as AutoRecord | undefined;
  return a && typeof a === "object" ? a : null;
}

/** The candidates behind an automatic choice (one row per cover and scale tried), the chosen row marked. */
function candidateTable(a: AutoRecord): HTMLElement | null {
  if (!Array.isArray(a.table) || !a.table.length) return null;
  const keys = ["scale", "n_intervals", "b0", "b1", "n_nodes", "fragmented", "n_edges", "score", "eps"].filter((k) => k in a.table![0]);
  const best = a.best ? JSON.stringify(a.best) : null;
  const chosen = (row: Record<string, unknown>) => row.chosen === true || (best !== null && JSON.stringify(row) === best);
  return h("details", {}, h("summary", { class: "muted" }, `${a.table.length} candidates`),
    h("table", { class: "data auto-scores" }, h("thead", {}, h("tr", {}, ...keys.map((k) => h("th", {}, k)))),
      h("tbody", {}, ...a.table.map((row) => h("tr", { class: chosen(row) ? "on" : "" }, ...keys.map((k) => {
        const v = row[k];
        return h("td", { class: typeof v === "number" ? "num" : "" }, typeof v === "number" ? fmt(v, 3) : Array.isArray(v) ? v.join(" × ") : String(v));
      }))))));
}
