// The frame shared by the graph views (aligned graphs, regions, motifs): top bar with display controls, the
// panels, and an inspector column with the legend, the selection and the view's own content.
import * as d3 from "d3";
import type { App } from "../app";
import { empty, errorBox, fmt, h, svgEl } from "../dom";
import { drawLegend } from "../render/legend";
import { COLOR_MODES, type ColorMode, type ViewState } from "../state";
import { GraphPanels, nodeTopology, type Brush } from "./panels";
import { labelBars, sampleStimuli, serverThumbs, thumbnail } from "./tooltip";

const QUALITY_IDLE_MS = 2000;

export interface ShellOptions {
  title: string;
  subtitle: string;
  /** Called after every (re)draw of the panels. */
  afterDraw?: (panels: GraphPanels) => void;
  /** Content of the inspector above the legend (region list, motif form). */
  side?: HTMLElement;
  extraControls?: HTMLElement[];
}

export interface Shell {
  panels: GraphPanels;
  ready: Promise<boolean>;
  redraw: () => void;
  dispose: () => void;
}

export function graphShell(root: HTMLElement, app: App, opts: ShellOptions): Shell {
  const store = app.store;
  const panelsEl = h("div", { class: "panels" });
  const legendSvg = svgEl(250, 20);
  const selection = h("div", { class: "selection" });
  const quality = h("div", {});
  const controls = h("div", { class: "controls" });
  const inspector = h("div", { class: "inspector" }, opts.side ?? null,
    h("h3", {}, "Legend"), legendSvg, h("h3", {}, "Selection"), selection, quality);
  root.append(
    h("div", { class: "topbar" }, h("h2", {}, opts.title), h("span", { class: "muted" }, opts.subtitle), h("span", { class: "grow" }), controls),
    h("div", { class: "body" }, panelsEl, inspector));
  const panels = new GraphPanels(app, panelsEl);
  const state = () => store.get();
  let disposed = false;

  function seg<T extends string>(id: string, options: [T, string][], value: T, on: (v: T) => void): HTMLElement {
    return h("div", { class: "seg", id }, ...options.map(([v, label]) =>
      h("button", { class: v === value ? "on" : "", "data-value": v, onclick: () => on(v) }, label)));
  }

  function renderControls(): void {
    const s = state();
    const cols = panels.columns();
    const colSelect = h("select", { id: "color-column", title: "Label column",
      onchange: (e: Event) => store.set({ labelColumn: (e.target as HTMLSelectElement).value }) },
      ...[...cols.categorical, ...cols.numeric].map((c) => h("option", { value: c, selected: c === s.labelColumn }, c)));
    const colorSel = h("select", { id: "color-mode", title: "Colour nodes by",
      onchange: (e: Event) => store.set({ color: (e.target as HTMLSelectElement).value as ColorMode }) },
      ...COLOR_MODES.filter((m) => m !== "graph" || s.mode === "overlay").map((m) =>
        h("option", { value: m, selected: m === s.color }, { label: "dominant label", pie: "label pie", lens: "lens", purity: "purity", stability: "stability", graph: "graph" }[m])));
    const search = h("input", { type: "search", id: "search", placeholder: "label=value or stimulus id", value: s.search, style: { width: "190px" } });
    search.addEventListener("keydown", (e) => { if ((e as KeyboardEvent).key === "Enter") store.set({ search: search.value.trim() }); });
    search.addEventListener("search", () => store.set({ search: search.value.trim() }));
    const lassoBtn = h("button", { id: "lasso", title: "Lasso-select nodes (or shift-drag)", onclick: () => {
      const on = !lassoBtn.classList.contains("on");
      lassoBtn.classList.toggle("on", on);
      panels.setLassoMode(on);
    } }, "Lasso");
    controls.replaceChildren(
      seg("mode", [["panels", "Panels"], ["overlay", "Overlay"]], s.mode, (v) => store.set({ mode: v })),
      h("label", {}, "colour ", colorSel), cols.categorical.length + cols.numeric.length ? colSelect : null as unknown as HTMLElement,
      search, lassoBtn, h("button", { title: "Reset zoom", onclick: () => panels.resetZoom() }, "⤢"),
      ...(opts.extraControls ?? []));
  }

  function renderSelection(b: Brush | null): void {
    const s = state();
    if (!b) {
      selection.replaceChildren(h("div", { class: "muted" }, "Click a node, lasso some, or search: the same stimuli light up in every graph."));
      return;
    }
    const parts: HTMLElement[] = [h("div", {}, h("b", {}, b.label), ` · ${fmt(b.stimuli.size)} stimuli`)];
    if (b.origin) {
      const i = panels.ids.indexOf(b.origin.graph);
      const n = panels.placed[i]?.byId.get(b.origin.node);
      if (n) {
        const col = panels.coloring?.legend.kind === "category" ? panels.coloring.legend.title : null;
        const topo = nodeTopology(panels.graphs[i], n.node.id);
        parts.push(h("dl", { class: "kv", id: "node-facts" }, h("dt", {}, "graph"), h("dd", {}, panels.title(i)), h("dt", {}, "size"), h("dd", {}, String(n.node.size)),
          h("dt", {}, "stability"), h("dd", {}, fmt(n.node.stability, 2)), h("dt", {}, "lens"), h("dd", {}, n.node.lens_mean.map((v) => fmt(v, 3)).join(", ")),
          ...(topo.component ? [h("dt", {}, "component"), h("dd", { class: "component" }, topo.component)] : []),
          ...(topo.loops.length ? [h("dt", {}, "loops"), h("dd", { class: "loops" }, topo.loops.join("; "))] : [])));
        const bars = labelBars(n, panels.coloring!, col, 6);
        if (bars) parts.push(bars);
        const samples = sampleStimuli(n, panels.graphs[i], panels.stimuli, 8);
        const thumbs = samples.map((x) => thumbnail(x.image)).filter((t): t is HTMLElement => !!t);
        if (thumbs.length) parts.push(h("div", { class: "thumbs", style: { marginTop: "6px" } }, ...thumbs));
        const server = !thumbs.length && panels.thumbs ? serverThumbs(samples.map((x) => x.id), panels.thumbs) : [];
        const labelOf = (id: string) => {
          const row = panels.stimuli?.row.get(id);
          const v = col && row !== undefined ? panels.stimuli!.labels[col]?.[row] : undefined;
          return v == null ? "" : ` · ${col} ${v}`;
        };
        parts.push(h("h3", {}, "Sample stimuli"), h("ol", { class: "stimlist" }, ...samples.map((x, k) =>
          h("li", {}, server[k] ?? null, x.text ?? `${x.id}${server.length ? labelOf(x.id) : ""}`))));
        const corr = panels.partnersOf(b.origin.graph, b.origin.node);
        if (panels.ids.length > 1) parts.push(h("h3", {}, "Corresponding nodes"), corr.length
          ? h("ul", { class: "stimlist partners", id: "partners" }, ...corr.map((c) => h("li", {},
            h("div", { class: "muted" }, panels.title(c.graph)),
            c.partners.map((p, r) => `${r ? "" : "best "}${p.node} (Jaccard ${fmt(p.jaccard, 2)})`).join(", "))))
          : h("div", { class: "muted" }, panels.partnerState === "pending" ? "Computing correspondence…"
            : panels.partnerState === "unavailable" ? "Correspondence unavailable." : "No overlapping node in the other graphs."));
      }
    }
    parts.push(h("h3", {}, "In each graph"), h("table", { class: "data" }, h("tbody", {}, ...panels.ids.map((_, i) => {
      const st = panels.brushStrength(i);
      const best = d3.max(st.values()) ?? 0;
      return h("tr", {}, h("td", { class: "wrap" }, panels.title(i)), h("td", { class: "num" }, `${st.size} nodes`), h("td", { class: "num", title: "best Jaccard" }, fmt(best, 2)));
    }))));
    selection.replaceChildren(...parts);
    void s;
  }

  function applySearch(): void {
    const q = state().search;
    if (!q) { if (panels.brush && !panels.brush.origin) panels.setBrush(null); return; }
    const hits = new Set<string>();
    const st = panels.stimuli;
    const m = q.match(/^([^=]+?)\s*=+\s*(.+)$/);
    if (st) {
      const ql = q.toLowerCase();
      st.ids.forEach((id, r) => {
        if (m) { if (String(st.labels[m[1]]?.[r]) === m[2]) hits.add(id); }
        else if (id === q || st.texts?.[r]?.toLowerCase().includes(ql) || Object.values(st.labels).some((col) => String(col[r]) === q)) hits.add(id);
      });
    } else {
      for (const g of panels.graphs) for (const id of g.stimulus_ids) if (id === q) hits.add(id);
    }
    panels.setBrush({ stimuli: hits, label: `search “${q}”` });
    if (!hits.size) app.notify(`No stimulus matches “${q}”.`, "error");
  }

  function renderQuality(): void {
    const q = panels.ids.length > 1 ? panels.layoutInfo?.quality ?? {} : {}; // one graph: nothing to compare
    quality.replaceChildren(...(Object.keys(q).length ? [h("h3", {}, "Layout quality"),
      h("dl", { class: "kv" }, ...Object.entries(q).flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, fmt(v))]))] : []));
  }

  /** The layout's quality figures (the layout computed again with independent baselines, twice its time): asked
   *  for once the view has stayed up a while after the paint and the correspondence with no graph build under way,
   *  so that work never competes on the server with a quick run of parameter changes. */
  async function loadQuality(ids: string[]): Promise<void> {
    const info = panels.layoutInfo;
    if (!info || Object.keys(info.quality).length) return;
    await app.partners(ids).catch(() => null);
    for (let idle = 0; idle < QUALITY_IDLE_MS; idle = app.building ? 0 : idle + 250) {
      await new Promise((r) => setTimeout(r, 250));
      if (disposed) return;
    }
    const q = await app.layoutQuality(ids).catch(() => ({}));
    Object.assign(info.quality, q);
    if (panels.layoutInfo === info) renderQuality();
  }

  function redraw(): void {
    if (!panels.graphs.length) return;
    panels.draw();
    renderControls();
    drawLegend(d3.select(legendSvg), panels.coloring!.legend, 250);
    renderQuality();
    const s = state();
    if (s.node) {
      const [gid, nid] = s.node.split("/");
      const i = panels.ids.indexOf(gid);
      const n = panels.placed[i]?.byId.get(nid);
      if (n) panels.selectNode(i, n);
    } else if (s.search) applySearch();
    else renderSelection(null);
    opts.afterDraw?.(panels);
  }

  panels.onBrush = renderSelection;
  const ready = (async () => {
    const ids = state().graphs;
    if (!ids.length) {
      panelsEl.replaceChildren(empty("No graphs selected.", h("button", { class: "primary", onclick: () => store.set({ view: "build" }, true) }, "Build graphs →")));
      return false;
    }
    panelsEl.replaceChildren(h("div", { class: "loading" }, "Loading graphs…"));
    try {
      await panels.load(ids, (msg) => { panelsEl.firstElementChild!.textContent = msg; });
    } catch (e) {
      panelsEl.replaceChildren(errorBox(e));
      return false;
    }
    await new Promise((r) => requestAnimationFrame(r));
    redraw();
    void loadQuality(ids);
    return true;
  })();

  const unsub = store.subscribe((s: ViewState, prev: ViewState) => {
    if (!panels.graphs.length) return;
    if (s.mode !== prev.mode || s.color !== prev.color || s.labelColumn !== prev.labelColumn) redraw();
    else if (s.search !== prev.search) applySearch();
  });
  let resizeTimer = 0;
  const onResize = () => { clearTimeout(resizeTimer); resizeTimer = window.setTimeout(redraw, 150); };
  window.addEventListener("resize", onResize);
  app.exportHooks = {
    svg: () => panels.exportParts(),
    csv: () => panels.metricsRows(),
    json: () => (panels.graphs.length === 1 ? panels.graphs[0] : { graphs: panels.graphs }),
    name: opts.title.toLowerCase().replace(/\s+/g, "-"),
  };
  return { panels, ready, redraw, dispose: () => { disposed = true; unsub(); window.removeEventListener("resize", onResize); } };
}
