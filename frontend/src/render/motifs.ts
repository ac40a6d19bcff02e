// The Motifs view's inspector as plain data -> DOM: the query form (a structural kind, a small pattern drawn on a
// pad, a concept) and the ranked matches. The view runs the searches and traces the picked match in the panels.
import * as d3 from "d3";
import type { MotifMatch } from "../api/transforms";
import { errorBox, fmt, h, svgEl } from "../dom";
import { segmented } from "./controls";

export const STRUCTURAL = ["cycle", "branch", "flare", "path"] as const;
const PAD_NODES = 8;
/** Matches listed (the export has them all). */
const LISTED = 100;

/** A pattern being drawn: node positions on the pad, edges between node indices, and the node waiting for its
 *  partner. */
export interface PatternDraft {
  nodes: [number, number][];
  edges: [number, number][];
  pending: number | null;
}

export const emptyDraft = (): PatternDraft => ({ nodes: [], edges: [], pending: null });

/** A click on node `i`: a first node waits, a second one is joined to it (once per pair), the same one again
 *  stops waiting. */
export function pickPadNode(d: PatternDraft, i: number): void {
  const p = d.pending;
  if (p !== null && p !== i && !d.edges.some(([a, b]) => (a === p && b === i) || (a === i && b === p))) d.edges.push([p, i]);
  d.pending = p === null ? i : null;
}

/** The motif query of a drawn pattern ("pattern:0-1;1-2"); null without an edge. */
export function patternQuery(d: PatternDraft): string | null {
  return d.edges.length ? `pattern:${d.edges.map(([a, b]) => `${a}-${b}`).join(";")}` : null;
}

/** The pattern pad: a click on the pad adds a node (up to 8), clicks on two nodes join them; it edits `d`. */
export function patternPad(d: PatternDraft): SVGSVGElement {
  const svg = svgEl(250, 110, "pattern-pad");
  const s = d3.select(svg);
  // edges under the nodes, so a node that already has an edge can still be clicked
  const edgeLayer = s.append("g").attr("class", "edges");
  const nodeLayer = s.append("g").attr("class", "nodes");
  const draw = () => {
    edgeLayer.selectAll("line").data(d.edges).join("line").attr("x1", ([a]) => d.nodes[a][0]).attr("y1", ([a]) => d.nodes[a][1])
      .attr("x2", ([, b]) => d.nodes[b][0]).attr("y2", ([, b]) => d.nodes[b][1]);
    nodeLayer.selectAll("circle").data(d.nodes).join("circle").attr("r", 7).attr("cx", (n) => n[0]).attr("cy", (n) => n[1])
      .classed("pending", (_, i) => i === d.pending)
      .on("click", (ev, n) => { ev.stopPropagation(); pickPadNode(d, d.nodes.indexOf(n)); draw(); });
  };
  s.on("click", (ev) => { if (d.nodes.length < PAD_NODES) { d.nodes.push(d3.pointer(ev)); draw(); } });
  draw();
  return svg;
}

export interface MotifFormHandlers {
  /** Search for a motif query (a structural kind, "pattern:…" or "label:column=value"). */
  run: (query: string) => void;
  /** "Find pattern" with no edge drawn. */
  noEdge: () => void;
  clearPattern: () => void;
}

/** Fill `el` with the query form for the current `query` (its kind `.on`, a concept's column and value filled in);
 *  `columns`: the label columns a concept can use. */
export function renderMotifForm(el: HTMLElement, query: string, columns: string[], draft: PatternDraft, on: MotifFormHandlers): void {
  const isConcept = query.startsWith("label:");
  const [qc, qv] = isConcept ? query.slice(6).split("=") : [columns[0] ?? "", ""];
  const colSel = h("select", { id: "concept-column" }, ...columns.map((c) => h("option", { value: c, selected: c === qc }, c)));
  const valIn = h("input", { type: "text", id: "concept-value", placeholder: "value", value: qv ?? "", style: { width: "90px" } });
  el.replaceChildren(
    h("h3", {}, "Structural pattern"),
    segmented<string>("motif-kind", STRUCTURAL.map((k) => [k, k]), query, on.run),
    h("h3", {}, "Drawn pattern"),
    patternPad(draft),
    h("div", { class: "row", style: { marginTop: "4px" } },
      h("button", { id: "pattern-run", onclick: () => { const q = patternQuery(draft); if (q) on.run(q); else on.noEdge(); } }, "Find pattern"),
      h("button", { class: "link", onclick: on.clearPattern }, "clear"),
      h("span", { class: "muted", style: { fontSize: "11px" } }, "click: node · click two: edge")),
    h("h3", {}, "Concept"),
    h("div", { class: "row" }, colSel, h("span", {}, "=="), valIn,
      h("button", { id: "concept-run", onclick: () => on.run(`label:${colSel.value}=${valIn.value.trim()}`) }, "Find")));
}

export type MatchListContent =
  | { kind: "searching" }
  | { kind: "error"; error: unknown }
  | { kind: "list"; matches: MotifMatch[]; selected: number | null; graphTitle: (graphId: string) => string };

/** Fill `el` (the `#motif-results`) with the matches in rank order (the first 100), the selected one `.on`; a click
 *  picks a match or, on the selected one, drops the pick. */
export function renderMatchList(el: HTMLElement, content: MatchListContent, pick: (match: number | null) => void): void {
  if (content.kind === "searching") { el.replaceChildren(h("div", { class: "muted" }, "Searching…")); return; }
  if (content.kind === "error") { el.replaceChildren(errorBox(content.error)); return; }
  const { matches, selected } = content;
  if (!matches.length) { el.replaceChildren(h("div", { class: "muted" }, "No matches.")); return; }
  el.replaceChildren(...matches.slice(0, LISTED).map((m, i) => h("div", {
    class: `item${selected === i ? " on" : ""}`, "data-match": String(i), onclick: () => pick(selected === i ? null : i),
  }, h("span", { class: "score" }, String(i + 1)),
  h("div", {}, h("div", {}, `${m.kind} · ${m.nodes.length} nodes`), h("div", { class: "sub" }, content.graphTitle(m.graph_id))),
  h("span", { class: "score" }, fmt(m.score, 2)))));
}

/** The matches as export rows, in rank order. */
export function matchRows(matches: MotifMatch[]): Record<string, unknown>[] {
  return matches.map((m, i) => ({ rank: i + 1, graph_id: m.graph_id, score: m.score, nodes: m.nodes.join(" ") }));
}
