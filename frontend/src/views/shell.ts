// The frame shared by the graph views (aligned graphs, regions, motifs): top bar with display controls, the
// panels, and an inspector column with the legend, the selection and the view's own content.
import * as d3 from "d3";
import type { App } from "../app";
import { empty, errorBox, h, svgEl } from "../dom";
import { renderGraphControls } from "../render/controls";
import { renderQuality, renderSelection, type SelectedNode, type SelectionView } from "../render/inspector";
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

  function renderControls(): void {
    const s = state();
    const cols = panels.columns();
    renderGraphControls(controls, {
      mode: s.mode, color: s.color, labelColumn: s.labelColumn, search: s.search,
      colorModes: COLOR_MODES.filter((m) => m !== "graph" || s.mode === "overlay"),
      columns: [...cols.categorical, ...cols.numeric],
    }, {
      mode: (v) => store.set({ mode: v }),
      color: (v) => store.set({ color: v as ColorMode }),
      column: (v) => store.set({ labelColumn: v }),
      search: (q) => store.set({ search: q }),
      lasso: (on) => panels.setLassoMode(on),
      resetZoom: () => panels.resetZoom(),
    }, opts.extraControls ?? []);
  }

  /** The selection box's data: the brush, its node (facts, samples, partners) and its reach in each graph. */
  function selectionView(b: Brush): SelectionView {
    return {
      label: b.label, count: b.stimuli.size, node: b.origin ? selectedNode(b.origin) : null,
      perGraph: panels.ids.map((_, i) => {
        const st = panels.brushStrength(i);
        return { title: panels.title(i), nodes: st.size, best: d3.max(st.values()) ?? 0 };
      }),
    };
  }

  function selectedNode(origin: { graph: string; node: string }): SelectedNode | null {
    const i = panels.ids.indexOf(origin.graph);
    const n = panels.placed[i]?.byId.get(origin.node);
    if (!n) return null;
    const col = panels.coloring?.legend.kind === "category" ? panels.coloring.legend.title : null;
    const topo = nodeTopology(panels.graphs[i], n.node.id);
    const samples = sampleStimuli(n, panels.graphs[i], panels.stimuli, 8);
    const thumbs = samples.map((x) => thumbnail(x.image)).filter((t): t is HTMLElement => !!t);
    const server = !thumbs.length && panels.thumbs ? serverThumbs(samples.map((x) => x.id), panels.thumbs) : [];
    const labelOf = (id: string) => {
      const row = panels.stimuli?.row.get(id);
      const v = col && row !== undefined ? panels.stimuli!.labels[col]?.[row] : undefined;
      return v == null ? "" : ` · ${col} ${v}`;
    };
    return {
      facts: { graph: panels.title(i), size: n.node.size, stability: n.node.stability, lens: n.node.lens_mean, ...topo },
      bars: labelBars(n, panels.coloring!, col, 6),
      thumbs,
      samples: samples.map((x, k) => ({ thumb: server[k] ?? null, text: x.text ?? `${x.id}${server.length ? labelOf(x.id) : ""}` })),
      partners: panels.ids.length > 1
        ? panels.partnersOf(origin.graph, origin.node).map((c) => ({ title: panels.title(c.graph), partners: c.partners }))
        : null,
      partnerState: panels.partnerState,
    };
  }

  function showSelection(b: Brush | null): void {
    renderSelection(selection, b ? selectionView(b) : null);
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

  function showQuality(): void {
    renderQuality(quality, panels.ids.length > 1 ? panels.layoutInfo?.quality ?? {} : {}); // one graph: nothing to compare
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
    if (panels.layoutInfo === info) showQuality();
  }

  function redraw(): void {
    if (!panels.graphs.length) return;
    panels.draw();
    renderControls();
    drawLegend(d3.select(legendSvg), panels.coloring!.legend, 250);
    showQuality();
    const s = state();
    if (s.node) {
      const [gid, nid] = s.node.split("/");
      const i = panels.ids.indexOf(gid);
      const n = panels.placed[i]?.byId.get(nid);
      if (n) panels.selectNode(i, n);
    } else if (s.search) applySearch();
    else showSelection(null);
    opts.afterDraw?.(panels);
  }

  panels.onBrush = showSelection;
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
