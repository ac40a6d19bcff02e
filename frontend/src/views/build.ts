// View 2: pick representations (filters by model / layer / checkpoint / condition), set lens, cover and clusterer
// (or `auto`, which reports its stability scores), build one Mapper graph per representation as jobs.
import { api, type Representation } from "../api";
import type { App } from "../app";
import { empty, errorBox, fmt, h } from "../dom";
import { DEFAULT_BUILD, type BuildParams } from "../state";

export const LENSES = ["pca", "umap", "norm", "density", "eccentricity", "knn"];
export const COVERS = ["kmapper", "uniform", "balanced"];
export const CLUSTERERS = ["dbscan", "single", "hdbscan"];

/** The body of POST /api/graphs for one representation. */
export function graphRequest(repId: string, b: BuildParams): Record<string, unknown> {
  const clusterer: Record<string, unknown> = { kind: b.clusterer };
  if (b.clusterer === "dbscan") clusterer.eps = b.eps ?? "auto";
  if (b.minSamples !== null) clusterer.min_samples = b.minSamples;
  return {
    representation_id: repId,
    lens: { kind: b.lens },
    cover: { kind: b.cover, n_intervals: b.intervals, overlap: b.overlap },
    clusterer,
    auto: b.auto,
    stability: b.stability,
  };
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
      h("span", { class: "muted" }, "One Mapper graph per representation, with the same lens, cover and clusterer.")),
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
    const set = (patch: Partial<BuildParams>) => store.set({ build: { ...store.get().build, ...patch } });
    const select = (id: string, options: string[], value: string, on: (v: string) => void) =>
      h("select", { id, onchange: (e: Event) => on((e.target as HTMLSelectElement).value) },
        ...options.map((o) => h("option", { value: o, selected: o === value }, o)));
    const number = (id: string, value: number | null, step: string, on: (v: number | null) => void, placeholder = "") =>
      h("input", { type: "number", id, step, value: value ?? "", placeholder,
        onchange: (e: Event) => { const v = (e.target as HTMLInputElement).value; on(v === "" ? null : +v); } });
    const nSel = store.get().reps.length;
    const auto = h("input", { type: "checkbox", id: "build-auto", checked: b.auto, onchange: (e: Event) => { set({ auto: (e.target as HTMLInputElement).checked }); renderForm(); } });
    const go = h("button", { class: "primary", id: "build-go", disabled: nSel === 0, onclick: () => void build() },
      nSel ? `Build ${nSel} graph${nSel > 1 ? "s" : ""}` : "Pick representations");
    form.replaceChildren(
      h("div", { class: "row" },
        h("label", { class: "field" }, h("span", {}, "lens"), select("build-lens", LENSES, b.lens, (v) => set({ lens: v }))),
        h("label", { class: "field" }, h("span", {}, "cover"), select("build-cover", COVERS, b.cover, (v) => set({ cover: v }))),
        h("label", { class: "field" }, h("span", {}, "intervals"), number("build-intervals", b.intervals, "1", (v) => set({ intervals: v ?? DEFAULT_BUILD.intervals }))),
        h("label", { class: "field" }, h("span", {}, "overlap"), number("build-overlap", b.overlap, "0.05", (v) => set({ overlap: v ?? DEFAULT_BUILD.overlap }))),
        h("label", { class: "field" }, h("span", {}, "clusterer"), select("build-clusterer", CLUSTERERS, b.clusterer, (v) => set({ clusterer: v }))),
        h("label", { class: "field" }, h("span", {}, "eps"), number("build-eps", b.eps, "0.05", (v) => set({ eps: v }), "auto")),
        h("label", { class: "field" }, h("span", {}, "min samples"), number("build-min-samples", b.minSamples, "1", (v) => set({ minSamples: v }), "3")),
        h("label", { class: "field", title: "Resamples for node and edge stability (0 = off)" }, h("span", {}, "stability"), number("build-stability", b.stability, "1", (v) => set({ stability: v ?? 0 }), "0"))),
      h("div", { class: "row", style: { marginTop: "10px" } },
        h("label", {}, auto, " auto — search cover/eps and keep the most stable graph"),
        h("span", { class: "grow" }), go),
      h("div", { class: "muted", style: { marginTop: "6px", fontSize: "11px" } },
        "Defaults: PCA lens, 8 intervals at 40% overlap, DBSCAN with eps from the data's distance quantile."));
  }

  async function build(): Promise<void> {
    const s = store.get();
    results.replaceChildren(h("div", { class: "card" }, h("h2", {}, "Building…"), h("div", { class: "muted" }, "Progress is in the sidebar; jobs can be cancelled there.")));
    try {
      const out: { rep: Representation | undefined; record: Record<string, unknown>; id: string }[] = [];
      await Promise.all(s.reps.map(async (rid, i) => {
        const r = await api.buildGraph(graphRequest(rid, s.build));
        let value: unknown = r.value;
        const rep = reps.find((x) => x.id === rid);
        if (r.job) value = (await app.jobs.start(`Mapper · ${rep?.name ?? rid}`, r.job)).result;
        const id = app.graphIdFrom(value);
        const graph = await app.graph(id);
        out[i] = { rep, record: { ...(value as Record<string, unknown>), n_nodes: graph.nodes.length, n_edges: graph.edges.length,
          stability: meanStability(graph.nodes.map((n) => n.stability)), auto: graph.params?.auto }, id };
      }));
      renderResults(out);
    } catch (e) {
      results.replaceChildren(h("div", { class: "card" }, h("h2", {}, "Build failed"), errorBox(e)));
    }
  }

  function renderResults(out: { rep: Representation | undefined; record: Record<string, unknown>; id: string }[]): void {
    const ids = out.map((o) => o.id);
    const rows = out.map((o) => {
      const rec = o.record;
      const nodes = (rec.n_nodes ?? (Array.isArray(rec.nodes) ? rec.nodes.length : undefined)) as number | undefined;
      const edges = (rec.n_edges ?? (Array.isArray(rec.edges) ? rec.edges.length : undefined)) as number | undefined;
      return h("tr", { "data-graph": o.id }, h("td", {}, h("b", {}, o.rep?.name ?? o.id)), h("td", { class: "num" }, fmt(nodes)),
        h("td", { class: "num" }, fmt(edges)), h("td", { class: "num" }, fmt(stabilityOf(rec))));
    });
    const autoTables = out.filter((o) => Array.isArray(autoCandidates(o.record))).map((o) => {
      const cands = autoCandidates(o.record)!;
      return h("div", {}, h("h3", {}, `auto · ${o.rep?.name ?? o.id}`),
        h("table", { class: "data auto-scores" }, h("thead", {}, h("tr", {}, ...Object.keys(cands[0] ?? {}).map((k) => h("th", {}, k)))),
          h("tbody", {}, ...cands.map((c) => h("tr", { class: c.chosen ? "on" : "" }, ...Object.values(c).map((v) => h("td", { class: typeof v === "number" ? "num" : "" }, typeof v === "number" ? fmt(v) : typeof v === "object" ? JSON.stringify(v) : String(v))))))));
    });
    results.replaceChildren(h("div", { class: "card", id: "build-results" },
      h("div", { class: "row" }, h("h2", {}, "Graphs"), h("span", { class: "grow" }),
        h("button", { class: "primary", id: "open-aligned", onclick: () => store.set({ view: "graphs", graphs: ids, node: null, region: null, match: null }, true) }, "Open aligned →")),
      h("table", { class: "data" }, h("thead", {}, h("tr", {}, h("th", {}, "representation"), h("th", { class: "num" }, "nodes"), h("th", { class: "num" }, "edges"), h("th", { class: "num" }, "stability"))),
        h("tbody", {}, ...rows)),
      ...autoTables));
  }

  store.subscribe(() => {}); // state is read on demand
  void load();
  renderForm();
  return () => {};
}

function stabilityOf(rec: Record<string, unknown>): number | null {
  const s = rec.stability as unknown;
  if (typeof s === "number") return s;
  if (s && typeof s === "object" && typeof (s as Record<string, unknown>).score === "number") return (s as { score: number }).score;
  return null;
}

function meanStability(values: (number | null)[]): number | null {
  const v = values.filter((x): x is number => typeof x === "number");
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
}

/** The `auto` sweep's table (one row per setting, with its stability), the chosen row marked. */
function autoCandidates(rec: Record<string, unknown>): Record<string, unknown>[] | null {
  const a = rec.auto as { table?: Record<string, unknown>[]; best?: Record<string, unknown> } | unknown[] | undefined;
  if (Array.isArray(a)) return a as Record<string, unknown>[];
  if (!a || !Array.isArray(a.table)) return null;
  const best = JSON.stringify(a.best ?? null);
  return a.table.map((row) => {
    const chosen = a.best ? Object.entries(a.best).every(([k, v]) => JSON.stringify(row[k]) === JSON.stringify(v)) : false;
    void best;
    return { ...row, chosen };
  });
}
