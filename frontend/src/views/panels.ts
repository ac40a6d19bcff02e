// k Mapper graphs in their joint layout, as side-by-side panels or one overlay, with linked zoom, tooltips,
// linked brushing (a node, a lasso or a search selects stimuli; every graph shows where they are), and overlay
// layers the region and motif views fill (Bubble Sets, membranes, match paths).
// This is the controller: it loads the graphs, keeps the zoom, brush and partners, and wires events; the drawing
// is in render/ (panel.ts: frames and grid; graph.ts: nodes and edges; selection.ts: brush and match marks).
import * as d3 from "d3";
import type { MapperGraphJSON, Representation } from "../api";
import type { App, LayoutInfo, StimulusTable } from "../app";
import { bubbleShapes, drawBubbles, type BubbleSpec } from "../render/bubbles";
import { CATEGORY } from "../render/colors";
import type { Placed } from "../render/export";
import { drawGraph, layer, markGraph, type GraphStyle } from "../render/graph";
import { placeGraphs, type PlacedGraph, type PlacedNode } from "../render/layout";
import { drawPanel, graphSummary, panelGrid, panelOffsets, type PanelElements } from "../render/panel";
import { brushStrength, drawMatch, matchLines, selectionMark, stimuliOfNodes } from "../render/selection";
import { drawMembrane, membraneLayers } from "../render/membrane";
import { lasso, inside } from "../render/lasso";
import { hideTooltip, showTooltip } from "../render/tooltip";
import { coloring, labelColumns, type Coloring } from "./colors";
import type { PartnerIndex } from "../api/transforms";
import { nodeTooltip, type ThumbSource } from "./tooltip";

/** Quiet time after the last pan/zoom gesture before the content is redrawn sharp for the new transform. */
const SETTLE_MS = 200;

export interface Brush {
  stimuli: Set<string>;
  origin?: { graph: string; node: string };
  label: string;
}

interface Panel extends PanelElements {
  graphIds: string[];
  title: string;
}

export class GraphPanels {
  ids: string[] = [];
  graphs: MapperGraphJSON[] = [];
  placed: PlacedGraph[] = [];
  reps: (Representation | undefined)[] = [];
  layoutInfo: LayoutInfo | null = null;
  stimuli: StimulusTable | null = null;
  coloring: Coloring | null = null;
  panels: Panel[] = [];
  brush: Brush | null = null;
  /** Best partners per node from the backend's correspondence (POST /api/topo/compare); null until it answers. */
  partners: PartnerIndex | null = null;
  partnerState: "pending" | "ready" | "unavailable" = "pending";
  thumbs: ThumbSource | null = null;
  width = 400;
  height = 300;
  onBrush: (b: Brush | null) => void = () => {};
  private zoomT = d3.zoomIdentity;
  private drawnT = d3.zoomIdentity; // the zoom the content is drawn with; a gesture's CSS transform is the change
  private gestures = 0; // pan/zoom gestures under way (a wheel gesture can still be ending when a drag starts)
  private settleTimer = 0;
  private shielded = false; // the frames' shields are up (a gesture has moved the view)
  private nodeGraph = new Map<PlacedNode, number>();
  private lassoOn = false;
  private marked = false; // whether the drawn nodes carry brush marks (markGraph) to clear

  constructor(private app: App, readonly container: HTMLElement) {}

  async load(ids: string[], onProgress?: (msg: string) => void): Promise<void> {
    this.ids = ids;
    onProgress?.("Loading graphs…");
    // the joint layout needs only the ids: it is computed while the graphs download
    const layout = this.app.layout(ids);
    layout.catch(() => {}); // an empty graph's message below wins over the layout's error
    this.graphs = await Promise.all(ids.map((id) => this.app.graph(id)));
    const reps = await this.app.representations();
    this.reps = this.graphs.map((g) => reps.find((r) => r.id === g.representation_id));
    const emptyIdx = this.graphs.findIndex((g) => g.nodes.length === 0);
    if (emptyIdx >= 0) {
      throw new Error(`The graph of ${this.title(emptyIdx)} has no nodes: every cover element was too sparse for the ` +
        "clusterer. Rebuild with a larger eps (or eps auto), fewer intervals or more overlap.");
    }
    onProgress?.("Joint layout…");
    this.layoutInfo = await layout;
    const cid = this.reps.find((r) => r)?.collection_id;
    this.stimuli = cid ? await this.app.stimuli(cid).catch(() => null) : null;
    const probe = this.graphs[0].stimulus_ids[0];
    this.thumbs = cid && probe !== undefined && !this.stimuli?.texts && await this.app.hasThumbnails(cid, probe)
      ? (stimulusIds) => this.app.thumbnails(cid, stimulusIds) : null;
    // corresponding nodes arrive after the first paint; the selection is re-marked when they do
    this.partners = null;
    this.partnerState = "pending";
    const key = ids.join(",");
    this.app.partners(ids).then((idx) => { if (this.ids.join(",") === key) this.setPartners(idx); },
      () => { if (this.ids.join(",") === key) this.setPartners(null); });
  }

  private setPartners(idx: PartnerIndex | null): void {
    this.partners = idx;
    this.partnerState = idx ? "ready" : "unavailable";
    for (const p of this.panels) p.div.dataset.partners = this.partnerState;
    this.applyBrush();
    if (this.brush) this.onBrush(this.brush);
  }

  /** The backend's best partners of a node in each other shown graph (best first). */
  partnersOf(graphId: string, nodeId: string): { graph: number; partners: { node: string; jaccard: number }[] }[] {
    const table = this.partners?.get(`${graphId}/${nodeId}`);
    if (!table) return [];
    return this.ids.map((gid, graph) => ({ graph, partners: gid === graphId ? [] : table.get(gid) ?? [] }))
      .filter((x) => x.partners.length);
  }

  columns() {
    return labelColumns(this.graphs);
  }

  title(i: number): string {
    const r = this.reps[i];
    if (!r) return this.ids[i];
    const p = r.provenance;
    return [p.model, p.layer, p.checkpoint ?? (p.epoch != null ? `ep ${p.epoch}` : null), p.condition, p.seed != null ? `seed ${p.seed}` : null]
      .filter(Boolean).join(" · ") || r.name;
  }

  /** Lay the panels out in the container and draw every graph. */
  draw(): void {
    const s = this.app.store.get();
    const overlay = s.mode === "overlay" && this.graphs.length > 1;
    const grid = panelGrid(overlay ? 1 : this.graphs.length, this.container.clientWidth, this.container.clientHeight);
    this.width = grid.width;
    this.height = grid.height;
    this.container.style.gridTemplateColumns = `repeat(${grid.cols}, 1fr)`;

    this.placed = placeGraphs(this.ids, this.graphs, this.layoutInfo!.positions, this.width, this.height);
    this.nodeGraph = new Map(this.placed.flatMap((pg, i) => pg.nodes.map((n) => [n, i] as const)));
    const cols2 = this.columns();
    const column = s.labelColumn && [...cols2.categorical, ...cols2.numeric].includes(s.labelColumn) ? s.labelColumn
      : cols2.categorical[0] ?? cols2.numeric[0] ?? null;
    this.coloring = coloring(this.graphs, s.color, column, this.nodeGraph);

    this.container.replaceChildren();
    this.marked = false;
    this.panels = [];
    this.gestures = 0;
    this.shielded = false;
    clearTimeout(this.settleTimer);
    const groups = overlay ? [this.ids.map((_, i) => i)] : this.ids.map((_, i) => [i]);
    for (const members of groups) {
      const title = overlay ? "Overlay" : this.title(members[0]);
      const graphIds = members.map((i) => this.ids[i]);
      const els = drawPanel(this.container, {
        graphIds, members, title, width: this.width, height: this.height, partners: this.partnerState,
        subtitle: overlay ? "" : graphSummary(this.graphs[members[0]]),
        tags: overlay ? members.map((i) => ({ label: this.title(i), color: CATEGORY[i % 10] })) : undefined,
        badge: this.ids.length > 1 ? "joint layout" : "layout",
      });
      members.forEach((i, k) => this.drawOne(els.graphRoots[k], i, overlay));
      const { svg, viewport } = els;
      const panel: Panel = { ...els, graphIds, title };
      this.attachZoom(panel);
      // a lasso right after a pan/zoom works in the settled frame (the content drawn with the current zoom)
      lasso(svg, () => { this.settle(); return viewport.node()!; }, (poly) => this.lassoSelect(members, poly));
      this.panels.push(panel);
    }
    this.applyBrush();
  }

  private drawOne(root: d3.Selection<SVGGElement, unknown, null, undefined>, i: number, overlay: boolean): void {
    drawGraph(root, this.placed[i], panelGraphStyle(this.coloring!, i, overlay), {
      click: (ev, n) => { ev.stopPropagation(); this.selectNode(i, n); },
      enter: (ev, n) => showTooltip(ev, nodeTooltip(n, this.graphs[i], this.stimuli, this.coloring!, this.thumbs)),
      leave: () => hideTooltip(),
    });
    root.classed("overlay-graph", overlay);
  }

  private attachZoom(panel: Panel): void {
    // During a gesture each panel's <svg> moves as one compositor layer (will-change in the CSS; its frame div
    // crops it and takes the input, so pointer positions stay in fixed coordinates): a frame of the gesture changes
    // one CSS transform per panel (the change from the transform the content is drawn with) and repaints, restyles
    // or hit-tests no node (the frame's shield catches the pointer, so no hover restyle repaints a layer either).
    // Transforming a <g> inside the SVG instead re-layerised every node per frame (~50 ms for 4 x 500 nodes in
    // software rendering). Once no gesture has run for SETTLE_MS the content takes the transform (the <g>
    // attribute, which the SVG export keeps) and is repainted sharp, once, rather than between every two gestures
    // of a quick wheel-and-drag. Strokes keep their width through vector-effect: non-scaling-stroke (a stroke
    // scale in a CSS variable restyled every element on each zoom, twice the cost of that repaint).
    const zoom = d3.zoom<HTMLDivElement, unknown>().scaleExtent([0.3, 12])
      .filter((ev: Event) => !(ev as MouseEvent).shiftKey && !this.lassoOn && (!(ev as MouseEvent).button || ev.type === "wheel"))
      .on("start", () => {
        this.gestures++;
        clearTimeout(this.settleTimer);
      })
      .on("zoom", (ev) => {
        // the shield goes up with the first move, not on mousedown: a click's mouseup must still reach its node
        if (!this.shielded) {
          this.shielded = true;
          for (const p of this.panels) p.frame.classed("moving", true);
        }
        this.zoomT = ev.transform;
        const d = this.drawnT, s = this.zoomT.k / d.k;
        const css = `translate(${this.zoomT.x - d.x * s}px,${this.zoomT.y - d.y * s}px) scale(${s})`;
        for (const p of this.panels) {
          p.svg.node()!.style.transform = css;
          if (p !== panel) zoomState(p.frame).__zoom = this.zoomT;
        }
      })
      .on("end", () => {
        this.gestures = Math.max(0, this.gestures - 1);
        if (this.gestures) return;
        if (this.shielded) {
          this.shielded = false;
          for (const p of this.panels) p.frame.classed("moving", false);
        }
        clearTimeout(this.settleTimer);
        if (this.zoomT !== this.drawnT) this.settleTimer = window.setTimeout(() => this.settle(), SETTLE_MS);
      });
    panel.frame.call(zoom).on("dblclick.zoom", null);
    panel.svg.on("click", () => { if (this.brush) this.setBrush(null); });
    zoomState(panel.frame).__zoom = this.zoomT;
    this.setTransform(panel);
  }

  /** Redraw every panel's content for the current zoom now, if a gesture left that to its timer. */
  private settle(): void {
    clearTimeout(this.settleTimer);
    if (this.zoomT === this.drawnT) return;
    for (const p of this.panels) this.setTransform(p);
  }

  /** Draw the content with the current zoom. */
  private setTransform(p: Panel): void {
    p.viewport.attr("transform", this.zoomT.toString());
    p.svg.node()!.style.transform = "";
    this.drawnT = this.zoomT;
  }

  setLassoMode(on: boolean): void {
    this.lassoOn = on;
    for (const p of this.panels) p.svg.classed("lasso-mode", on);
  }

  resetZoom(): void {
    this.zoomT = d3.zoomIdentity;
    this.settle();
    for (const p of this.panels) zoomState(p.frame).__zoom = this.zoomT;
  }

  stimuliOf(i: number, nodeIds: Iterable<string>): Set<string> {
    return stimuliOfNodes(this.graphs[i], nodeIds);
  }

  selectNode(i: number, n: PlacedNode): void {
    this.app.store.set({ node: `${this.ids[i]}/${n.id}` });
    this.setBrush({ stimuli: this.stimuliOf(i, [n.id]), origin: { graph: this.ids[i], node: n.id }, label: `node ${n.id}` });
  }

  private lassoSelect(members: number[], poly: [number, number][]): void {
    const stimuli = new Set<string>();
    let count = 0;
    for (const i of members) {
      const ids = this.placed[i].nodes.filter((n) => inside(poly, n.x, n.y)).map((n) => n.id);
      count += ids.length;
      for (const s of this.stimuliOf(i, ids)) stimuli.add(s);
    }
    this.setBrush(count ? { stimuli, label: `lasso: ${count} nodes` } : null);
  }

  setBrush(b: Brush | null): void {
    this.brush = b;
    if (!b && this.app.store.get().node) this.app.store.set({ node: null });
    this.applyBrush();
    this.onBrush(b);
  }

  /** Per node: the share of its members in the brush; the best-overlapping node of each graph is its match. */
  brushStrength(i: number): Map<string, number> {
    return this.brush ? brushStrength(this.graphs[i], this.brush.stimuli) : new Map();
  }

  private applyBrush(): void {
    // freshly drawn nodes carry no marks: with no brush there is nothing to clear (~10 ms for 2 x 260 nodes)
    if (!this.brush && !this.marked) return;
    this.marked = !!this.brush;
    this.placed.forEach((pg, i) => {
      const root = this.panels.flatMap((p) => p.viewport.select<SVGGElement>(`g.graph-${i}`).nodes())[0];
      if (!root) return;
      const sel = d3.select(root) as unknown as d3.Selection<SVGGElement, unknown, null, undefined>;
      if (!this.brush) { markGraph(sel, null); return; }
      const strength = this.brushStrength(i);
      const origin = this.brush.origin;
      const partners = origin ? this.partners?.get(`${origin.graph}/${origin.node}`)?.get(pg.graphId) ?? [] : [];
      markGraph(sel, selectionMark(pg.graphId, strength, origin, partners), (n) => strength.get(n.id) ?? 0);
    });
  }

  /** Bubble Sets per graph, computed off the first paint; resolves when every panel has its paths. */
  async setBubbles(specs: (graphId: string) => BubbleSpec[]): Promise<void> {
    for (const p of this.panels) {
      p.div.dataset.bubbles = "pending";
      const shapes = [];
      for (const gid of p.graphIds) {
        await new Promise((r) => setTimeout(r, 0));
        const i = this.ids.indexOf(gid);
        shapes.push(...bubbleShapes(this.placed[i], specs(gid)).map((s) => ({ ...s, key: `${gid}:${s.key}` })));
      }
      drawBubbles(layer(p.viewport, "bubbles"), shapes);
      p.div.dataset.bubbles = String(shapes.filter((s) => s.d).length);
    }
  }

  setMembrane(nodes: ((graphId: string) => string[]) | null, mode: "off" | "density" | "hull", color = "#e15759"): void {
    for (const p of this.panels) {
      const pts = nodes && mode !== "off" ? p.graphIds.flatMap((gid) => {
        const pg = this.placed[this.ids.indexOf(gid)];
        return nodes(gid).map((id) => pg.byId.get(id)).filter((n): n is PlacedNode => !!n);
      }) : [];
      drawMembrane(layer(p.viewport, "membranes"), mode === "off" ? [] : membraneLayers(pts, mode, [this.width, this.height]), color);
    }
  }

  /** Draw a motif match (its nodes ringed, its edges traced) in the graph it belongs to. */
  setMatch(graphId: string | null, nodeIds: string[], edges: [string, string][] = []): void {
    for (const p of this.panels) {
      const pg = graphId && p.graphIds.includes(graphId) ? this.placed[this.ids.indexOf(graphId)] : null;
      drawMatch(layer(p.viewport, "matches"), p.viewport, pg, nodeIds, pg ? matchLines(pg, nodeIds, edges) : []);
    }
  }

  exportParts(): Placed[] {
    this.settle();
    const at = panelOffsets(this.panels.length, this.width, this.height);
    return this.panels.map((p, i) => ({ svg: p.svg.node()!, ...at[i], title: p.title }));
  }

  metricsRows(): Record<string, unknown>[] {
    return this.graphs.map((g, i) => ({
      graph_id: this.ids[i], representation: this.reps[i]?.name ?? "", nodes: g.nodes.length, edges: g.edges.length,
      stimuli: g.n_stimuli, ...Object.fromEntries(Object.entries(this.layoutInfo?.quality ?? {}).map(([k, v]) => [`layout_${k}`, v])),
    }));
  }
}

/** d3-zoom keeps an element's current transform in its `__zoom` property; linked panels share one. */
function zoomState(frame: d3.Selection<HTMLDivElement, unknown, null, undefined>): { __zoom: d3.ZoomTransform } {
  return frame.node() as unknown as { __zoom: d3.ZoomTransform };
}

/** Overlay: each graph in its category colour, edges and strokes included, slightly transparent. */
function panelGraphStyle(c: Coloring, i: number, overlay: boolean): GraphStyle {
  return {
    fill: c.fill, pie: c.pie, nodeStroke: overlay ? CATEGORY[i % 10] : undefined,
    edgeColor: overlay ? CATEGORY[i % 10] : undefined, opacity: overlay ? 0.85 : undefined,
  };
}

/** The component and the loops of the topology summary that hold a node, with their confidence. */
export function nodeTopology(g: MapperGraphJSON, nodeId: string): { component: string | null; loops: string[] } {
  const t = g.topology;
  if (!t) return { component: null, loops: [] };
  const pct = (c: number | null | undefined) => (c == null ? "" : ` (in ${Math.round(c * 100)}% of ${t.n_resamples} resamples)`);
  const comp = (t.components ?? []).find((c) => c.nodes.includes(nodeId));
  return {
    component: comp ? `${comp.id}: ${comp.n_stimuli} stimuli${pct(comp.confidence)}` : null,
    loops: (t.loops ?? []).filter((l) => l.nodes.includes(nodeId)).map((l) => `${l.id}: ${l.nodes.length} nodes${pct(l.confidence)}`),
  };
}
