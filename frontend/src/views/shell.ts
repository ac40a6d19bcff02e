// The frame shared by the graph views (aligned graphs, regions, motifs): top bar with display controls, the
// panels, and an inspector column with the legend, the selection and the view's own content.
// The controller (GraphShell): it loads the panels, redraws them when the display state changes, turns a search
// into a brush and gathers what the inspector shows; the frame and the inspector are drawn by render/ (shell,
// controls, inspector, legend).
import * as d3 from "d3";
import type { App, StimulusTable } from "../app";
import type { MapperGraphJSON } from "../api";
import { renderGraphControls } from "../render/controls";
import { renderQuality, renderSelection, type SelectedNode, type SelectionView } from "../render/inspector";
import { drawLegend } from "../render/legend";
import { renderPanelsNote, renderShellFrame, type ShellElements } from "../render/shell";
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
  const el = renderShellFrame(root, opts.title, opts.subtitle, opts.side ?? null);
  const shell = new GraphShell(app, el, opts);
  const panels = shell.panels;
  app.exportHooks = {
    svg: () => panels.exportParts(),
    csv: () => panels.metricsRows(),
    json: () => (panels.graphs.length === 1 ? panels.graphs[0] : { graphs: panels.graphs }),
    name: opts.title.toLowerCase().replace(/\s+/g, "-"),
  };
  return shell;
}

class GraphShell implements Shell {
  readonly panels: GraphPanels;
  readonly ready: Promise<boolean>;
  private disposed = false;
  private resizeTimer = 0;
  private readonly unsubscribe: () => void;
  private readonly onResize = () => { clearTimeout(this.resizeTimer); this.resizeTimer = window.setTimeout(this.redraw, 150); };

  constructor(private app: App, private el: ShellElements, private opts: ShellOptions) {
    this.panels = new GraphPanels(app, el.panels);
    this.panels.onBrush = (b) => renderSelection(el.selection, b ? selectionView(this.panels, b) : null);
    this.ready = this.load(app.store.get().graphs);
    this.unsubscribe = app.store.subscribe((s: ViewState, prev: ViewState) => {
      if (!this.panels.graphs.length) return;
      if (s.mode !== prev.mode || s.color !== prev.color || s.labelColumn !== prev.labelColumn) this.redraw();
      else if (s.search !== prev.search) this.applySearch();
    });
    window.addEventListener("resize", this.onResize);
  }

  readonly redraw = (): void => {
    const panels = this.panels;
    if (!panels.graphs.length) return;
    panels.draw();
    this.showControls();
    drawLegend(d3.select(this.el.legend), panels.coloring!.legend, 250);
    this.showQuality();
    const s = this.app.store.get();
    if (s.node) {
      const [gid, nid] = s.node.split("/");
      const i = panels.ids.indexOf(gid);
      const n = panels.placed[i]?.byId.get(nid);
      if (n) panels.selectNode(i, n);
    } else if (s.search) this.applySearch();
    else renderSelection(this.el.selection, null);
    this.opts.afterDraw?.(panels);
  };

  dispose(): void {
    this.disposed = true;
    this.unsubscribe();
    window.removeEventListener("resize", this.onResize);
  }

  private async load(ids: string[]): Promise<boolean> {
    const box = this.el.panels;
    if (!ids.length) {
      renderPanelsNote(box, { kind: "no graphs", build: () => this.app.store.set({ view: "build" }, true) });
      return false;
    }
    renderPanelsNote(box, { kind: "loading", text: "Loading graphs…" });
    try {
      await this.panels.load(ids, (text) => renderPanelsNote(box, { kind: "loading", text }));
    } catch (error) {
      renderPanelsNote(box, { kind: "error", error });
      return false;
    }
    await new Promise((r) => requestAnimationFrame(r));
    this.redraw();
    void this.loadQuality(ids);
    return true;
  }

  private showControls(): void {
    const s = this.app.store.get();
    const store = this.app.store;
    const cols = this.panels.columns();
    renderGraphControls(this.el.controls, {
      mode: s.mode, color: s.color, labelColumn: s.labelColumn, search: s.search,
      colorModes: COLOR_MODES.filter((m) => m !== "graph" || s.mode === "overlay"),
      columns: [...cols.categorical, ...cols.numeric],
    }, {
      mode: (v) => store.set({ mode: v }),
      color: (v) => store.set({ color: v as ColorMode }),
      column: (v) => store.set({ labelColumn: v }),
      search: (q) => store.set({ search: q }),
      lasso: (on) => this.panels.setLassoMode(on),
      resetZoom: () => this.panels.resetZoom(),
    }, this.opts.extraControls ?? []);
  }

  /** The search box's query as a brush (a node selection stays). */
  private applySearch(): void {
    const q = this.app.store.get().search;
    const panels = this.panels;
    if (!q) { if (panels.brush && !panels.brush.origin) panels.setBrush(null); return; }
    const hits = searchHits(q, panels.stimuli, panels.graphs);
    panels.setBrush({ stimuli: hits, label: `search “${q}”` });
    if (!hits.size) this.app.notify(`No stimulus matches “${q}”.`, "error");
  }

  private showQuality(): void {
    const panels = this.panels;
    renderQuality(this.el.quality, panels.ids.length > 1 ? panels.layoutInfo?.quality ?? {} : {}); // one graph: nothing to compare
  }

  /** The layout's quality figures (the layout computed again with independent baselines, twice its time): asked
   *  for once the view has stayed up a while after the paint and the correspondence with no graph build under way,
   *  so that work never competes on the server with a quick run of parameter changes. */
  private async loadQuality(ids: string[]): Promise<void> {
    const info = this.panels.layoutInfo;
    if (!info || Object.keys(info.quality).length) return;
    await this.app.partners(ids).catch(() => null);
    for (let idle = 0; idle < QUALITY_IDLE_MS; idle = this.app.building ? 0 : idle + 250) {
      await new Promise((r) => setTimeout(r, 250));
      if (this.disposed) return;
    }
    const q = await this.app.layoutQuality(ids).catch(() => ({}));
    Object.assign(info.quality, q);
    if (this.panels.layoutInfo === info) this.showQuality();
  }
}

/** The stimuli a search query picks: "column=value" (or "column == value") by label; else a stimulus id, a text
 *  holding the query (any case) or any label equal to it. Without a stimulus table only ids match. */
export function searchHits(q: string, stimuli: StimulusTable | null, graphs: MapperGraphJSON[]): Set<string> {
  const hits = new Set<string>();
  const m = q.match(/^([^=]+?)\s*=+\s*(.+)$/);
  if (stimuli) {
    const ql = q.toLowerCase();
    stimuli.ids.forEach((id, r) => {
      if (m) { if (String(stimuli.labels[m[1]]?.[r]) === m[2]) hits.add(id); }
      else if (id === q || stimuli.texts?.[r]?.toLowerCase().includes(ql) || Object.values(stimuli.labels).some((col) => String(col[r]) === q)) hits.add(id);
    });
  } else {
    for (const g of graphs) for (const id of g.stimulus_ids) if (id === q) hits.add(id);
  }
  return hits;
}

/** The selection box's data: the brush, its node (facts, samples, partners) and its reach in each graph. */
function selectionView(panels: GraphPanels, b: Brush): SelectionView {
  return {
    label: b.label, count: b.stimuli.size, node: b.origin ? selectedNode(panels, b.origin) : null,
    perGraph: panels.ids.map((_, i) => {
      const st = panels.brushStrength(i);
      return { title: panels.title(i), nodes: st.size, best: d3.max(st.values()) ?? 0 };
    }),
  };
}

function selectedNode(panels: GraphPanels, origin: { graph: string; node: string }): SelectedNode | null {
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
