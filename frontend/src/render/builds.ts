// The Build view's cards as DOM from plain data and callbacks: the representation picker (filters and checkboxes),
// the parameter form, and the built graphs with the reasons and candidates behind an automatic choice.
import type { MapperGraphJSON, Representation } from "../api";
import { empty, fmt, h } from "../dom";
import { DEFAULT_BUILD, parseIntervals, type AutoMode, type BuildParams } from "../state";

/** The provenance fields the picker filters by. */
export const FILTERS = ["model", "layer", "checkpoint", "condition"] as const;
export type FilterKey = (typeof FILTERS)[number];

export interface PickerHandlers {
  filter: (key: FilterKey, value: string) => void;
  toggle: (r: Representation, checked: boolean) => void;
}

/** Fill `el` with one select per provenance field that has values and the representations passing the filters,
 *  each with a checkbox (`selected` checked). */
export function renderRepresentationPicker(
  el: HTMLElement, reps: Representation[], filters: Partial<Record<FilterKey, string>>, selected: Set<string>, on: PickerHandlers,
): void {
  if (!reps.length) { el.replaceChildren(empty("No representations yet: add some in Data.")); return; }
  const values = (k: FilterKey) => Array.from(new Set(reps.map((r) => r.provenance[k]).filter((v) => v != null))).map(String).sort();
  const filterRow = h("div", { class: "row", style: { marginBottom: "8px" } },
    ...FILTERS.filter((k) => values(k).length > 0).map((k) =>
      h("select", { "data-filter": k, onchange: (e: Event) => on.filter(k, (e.target as HTMLSelectElement).value) },
        h("option", { value: "" }, `all ${k}s`), ...values(k).map((v) => h("option", { value: v, selected: filters[k] === v }, v)))));
  const shown = reps.filter((r) => FILTERS.every((k) => !filters[k] || String(r.provenance[k]) === filters[k]));
  const rows = shown.map((r) => {
    const cb = h("input", { type: "checkbox", checked: selected.has(r.id), "data-rep": r.id });
    cb.addEventListener("change", () => on.toggle(r, cb.checked));
    const p = r.provenance;
    return h("tr", { class: selected.has(r.id) ? "on" : "" }, h("td", {}, cb), h("td", { class: "name", title: r.name }, h("b", {}, r.name)),
      h("td", {}, p.model ?? "–"), h("td", {}, p.layer ?? "–"),
      h("td", {}, p.checkpoint ?? (p.epoch != null ? `ep ${p.epoch}` : "–")), h("td", {}, p.condition ?? "–"),
      h("td", { class: "num" }, `${fmt(r.n)} × ${fmt(r.d)}`));
  });
  el.replaceChildren(filterRow, h("table", { class: "data" },
    h("thead", {}, h("tr", {}, h("th", {}, ""), ...["name", "model", "layer", "checkpoint", "condition"].map((t) => h("th", {}, t)), h("th", { class: "num" }, "n × d"))),
    h("tbody", {}, ...rows)));
}

export interface BuildFormModel {
  params: BuildParams;
  /** Representations picked. */
  picked: number;
  /** Whether the cover and clusterer are chosen from the data. */
  auto: boolean;
  lenses: string[];
  covers: string[];
  clusterers: string[];
  autoModes: readonly AutoMode[];
  autoLabels: Record<AutoMode, string>;
}

export interface BuildFormHandlers {
  /** A parameter changed; `redraw`: the form's shape depends on it. */
  set: (patch: Partial<BuildParams>, redraw?: boolean) => void;
  build: () => void;
}

/** Fill `el` with the parameter form: lens and mode, cover, clusterer, stability, the build button and a note. */
export function renderBuildForm(el: HTMLElement, m: BuildFormModel, on: BuildFormHandlers): void {
  const b = m.params;
  const select = (id: string, options: readonly string[], value: string, set: (v: string) => void, labels?: Record<string, string>) =>
    h("select", { id, onchange: (e: Event) => set((e.target as HTMLSelectElement).value) },
      ...options.map((o) => h("option", { value: o, selected: o === value }, labels?.[o] ?? o)));
  const number = (id: string, value: number | null, step: string, set: (v: number | null) => void, placeholder = "") =>
    h("input", { type: "number", id, step, value: value ?? "", placeholder,
      onchange: (e: Event) => { const v = (e.target as HTMLInputElement).value; set(v === "" ? null : +v); } });
  const auto = m.auto;
  const explicitCover = !auto || b.coverGiven;
  const go = h("button", { class: "primary", id: "build-go", disabled: m.picked === 0, onclick: () => on.build() },
    m.picked ? `Build ${m.picked} graph${m.picked > 1 ? "s" : ""}` : "Pick representations");
  const intervals = h("input", { type: "text", id: "build-intervals", value: b.intervals.join(", "), size: 6,
    title: "one number, or one per lens dimension (e.g. 11, 6)", disabled: !explicitCover,
    onchange: (e: Event) => { const v = parseIntervals((e.target as HTMLInputElement).value); if (v) on.set({ intervals: v }); } });
  const field = (label: string, ctl: HTMLElement, active = true, title?: string) =>
    h("label", { class: active ? "field" : "field off", title }, h("span", {}, label), ctl);
  const fix = h("input", { type: "checkbox", id: "build-fix-cover", checked: b.coverGiven,
    onchange: (e: Event) => on.set({ coverGiven: (e.target as HTMLInputElement).checked }, true) });
  const disable = (ctl: HTMLElement, off: boolean) => { (ctl as HTMLInputElement).disabled = off; return ctl; };
  el.replaceChildren(
    h("div", { class: "row" },
      field("lens", select("build-lens", m.lenses, b.lens, (v) => on.set({ lens: v }))),
      field("parameters", select("build-auto", m.autoModes, b.auto, (v) => on.set({ auto: v as AutoMode }, true), m.autoLabels)),
      auto ? h("label", { title: "Keep this cover and let only the clustering scale be chosen" }, fix, " fix the cover") : null),
    h("div", { class: "row", style: { marginTop: "8px" } },
      field("cover", disable(select("build-cover", m.covers, b.cover, (v) => on.set({ cover: v })), !explicitCover), explicitCover),
      field("intervals", intervals, explicitCover),
      field("overlap", disable(number("build-overlap", b.overlap, "0.05", (v) => on.set({ overlap: v ?? DEFAULT_BUILD.overlap })), !explicitCover), explicitCover),
      field("clusterer", disable(select("build-clusterer", m.clusterers, b.clusterer, (v) => on.set({ clusterer: v }, true)), auto), !auto),
      field(b.clusterer === "single" ? "threshold" : "eps", disable(number("build-eps", b.eps, "0.05", (v) => on.set({ eps: v }), b.clusterer === "single" ? "" : "auto"), auto), !auto),
      field("min samples", disable(number("build-min-samples", b.minSamples, "1", (v) => on.set({ minSamples: v }), "3"), auto), !auto),
      b.clusterer === "dbscan" ? field("noise", disable(select("build-noise", ["drop", "keep", "attach"], b.noise, (v) => on.set({ noise: v })), auto), !auto,
        "DBSCAN noise rows: drop (as KeplerMapper), keep (a node each) or attach (to the nearest cluster of their cover element)") : null,
      field("stability", number("build-stability", b.stability, "1", (v) => on.set({ stability: v ?? 0 }), "0"), true,
        "Resamples for node and edge stability and the confidence of components and loops (0 = off)")),
    h("div", { class: "row", style: { marginTop: "10px" } }, h("span", { class: "grow" }), go),
    h("div", { class: "muted", id: "build-help", style: { marginTop: "6px", fontSize: "11px" } },
      auto ? "The cover and the clustering scale are chosen per representation so the graph shows its components and loops " +
        "(persistent over neighbouring covers and scales, checked on resamples); every stimulus lands in a node. " +
        "The choice and its reason appear with the graphs, and can be taken as explicit parameters to edit."
        : "Explicit: KeplerMapper's cover (10 intervals at 30% overlap by default) and the clusterer as given; DBSCAN " +
          "with eps auto picks its radius from a distance quantile and drops noise rows unless told to keep or attach them."));
}

export interface BuiltGraph { rep: Representation | undefined; id: string; graph: MapperGraphJSON }

export interface ResultHandlers {
  /** Take a graph's parameters as explicit ones to edit. */
  edit: (g: MapperGraphJSON) => void;
  /** Open the built graphs in the aligned view. */
  open: (ids: string[]) => void;
}

/** Fill `el` with the built graphs (size, coverage, b0, b1, stability) and, per automatic choice, its reason and
 *  candidates; the aligned view opens at most `maxGraphs` together. */
export function renderBuildResults(el: HTMLElement, out: BuiltGraph[], on: ResultHandlers, maxGraphs: number): void {
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
        onclick: () => on.edit(g) }, "edit")));
  });
  const reasons = out.filter((o) => autoOf(o.graph)?.reason).map((o) => {
    const a = autoOf(o.graph)!;
    return h("div", { class: "auto-reason" }, h("h3", {}, `${a.strategy ?? "auto"} · ${o.rep?.name ?? o.id}`),
      h("div", { class: "muted" }, String(a.reason)), candidateTable(a));
  });
  el.replaceChildren(h("div", { class: "card", id: "build-results" },
    h("div", { class: "row" }, h("h2", {}, "Graphs"), h("span", { class: "grow" }),
      ids.length > maxGraphs ? h("span", { class: "muted" }, `The aligned view lays out at most ${maxGraphs} graphs: pick fewer to open them together.`) : null,
      h("button", { class: "primary", id: "open-aligned", disabled: ids.length > maxGraphs, onclick: () => on.open(ids) }, "Open aligned →")),
    h("table", { class: "data" }, h("thead", {}, h("tr", {}, h("th", {}, "representation"), h("th", { class: "num" }, "nodes"),
      h("th", { class: "num" }, "edges"), h("th", { class: "num", title: "share of the stimuli placed in a node" }, "coverage"),
      h("th", { class: "num", title: "connected components" }, "b0"), h("th", { class: "num", title: "independent loops (triangles filled)" }, "b1"),
      h("th", { class: "num" }, "stability"), h("th", {}, ""))),
      h("tbody", {}, ...rows)),
    ...reasons));
}

export function meanStability(values: (number | null)[]): number | null {
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
