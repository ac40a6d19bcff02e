// View 5: motif queries over every shown graph: a structural pattern (cycle, branch, flare, path), a small pattern
// drawn by hand, or a concept (label == value). Ranked matches; clicking one traces it in its graph and brushes
// the same stimuli in the others.
import * as d3 from "d3";
import { api, type MotifQuery } from "../api";
import { motifMatches, type MotifMatch } from "../api/transforms";
import type { App } from "../app";
import { errorBox, fmt, h, svgEl } from "../dom";
import type { GraphPanels } from "./panels";
import { graphShell } from "./shell";

export const STRUCTURAL = ["cycle", "branch", "flare", "path"] as const;

/** The motif query string of the URL state -> request body. */
export function motifRequest(query: string): MotifQuery {
  if (query.startsWith("label:")) {
    const [column, ...rest] = query.slice(6).split("=");
    return { kind: "concept", concept: { column, value: rest.join("=") } };
  }
  if (query.startsWith("pattern:")) {
    const edges = query.slice(8).split(";").filter(Boolean).map((e) => e.split("-").map((v) => `p${v}`) as [string, string]);
    const ids = Array.from(new Set(edges.flat()));
    return { pattern: { nodes: ids.map((id) => ({ id })), edges } };
  }
  return { kind: query as MotifQuery["kind"] }; // a URL's kind; the server checks it
}

export function mount(root: HTMLElement, app: App): () => void {
  const store = app.store;
  const results = h("div", { class: "list", id: "motif-results" });
  const form = h("div", {});
  let matches: MotifMatch[] = [];
  let panels: GraphPanels | null = null;

  const shell = graphShell(root, app, {
    title: "Motifs",
    subtitle: "Find loops, branches, flares, paths, a drawn pattern, or where a concept lives",
    side: h("div", {}, form, h("h3", {}, "Matches"), results),
    afterDraw: (p) => { panels = p; renderForm(); showMatch(); },
  });

  // --- a small pattern pad: click to add nodes, click two nodes to join them ---------------------------------
  let pNodes: [number, number][] = [];
  let pEdges: [number, number][] = [];
  let pending: number | null = null;
  function pad(): SVGSVGElement {
    const svg = svgEl(250, 110, "pattern-pad");
    const s = d3.select(svg);
    // edges under the nodes, so a node that already has an edge can still be clicked
    const edgeLayer = s.append("g").attr("class", "edges");
    const nodeLayer = s.append("g").attr("class", "nodes");
    const draw = () => {
      edgeLayer.selectAll("line").data(pEdges).join("line").attr("x1", ([a]) => pNodes[a][0]).attr("y1", ([a]) => pNodes[a][1])
        .attr("x2", ([, b]) => pNodes[b][0]).attr("y2", ([, b]) => pNodes[b][1]);
      nodeLayer.selectAll("circle").data(pNodes).join("circle").attr("r", 7).attr("cx", (d) => d[0]).attr("cy", (d) => d[1])
        .classed("pending", (_, i) => i === pending)
        .on("click", (ev, d) => {
          ev.stopPropagation();
          const i = pNodes.indexOf(d);
          if (pending === null) pending = i;
          else if (pending !== i) { if (!pEdges.some(([a, b]) => (a === pending && b === i) || (a === i && b === pending))) pEdges.push([pending, i]); pending = null; }
          else pending = null;
          draw();
        });
    };
    s.on("click", (ev) => { if (pNodes.length < 8) { pNodes.push(d3.pointer(ev) as [number, number]); draw(); } });
    draw();
    return svg;
  }

  function renderForm(): void {
    const q = store.get().motif;
    const cols = panels?.columns().categorical ?? [];
    const isConcept = q.startsWith("label:");
    const [qc, qv] = isConcept ? q.slice(6).split("=") : [cols[0] ?? "", ""];
    const colSel = h("select", { id: "concept-column" }, ...cols.map((c) => h("option", { value: c, selected: c === qc }, c)));
    const valIn = h("input", { type: "text", id: "concept-value", placeholder: "value", value: qv ?? "", style: { width: "90px" } });
    const run = (query: string) => { store.set({ motif: query, match: null }); renderForm(); void search(); };
    form.replaceChildren(
      h("h3", {}, "Structural pattern"),
      h("div", { class: "seg", id: "motif-kind" }, ...STRUCTURAL.map((k) =>
        h("button", { class: q === k ? "on" : "", "data-value": k, onclick: () => run(k) }, k))),
      h("h3", {}, "Drawn pattern"),
      pad(),
      h("div", { class: "row", style: { marginTop: "4px" } },
        h("button", { id: "pattern-run", onclick: () => { if (pEdges.length) run(`pattern:${pEdges.map(([a, b]) => `${a}-${b}`).join(";")}`); else app.notify("Draw at least one edge: click two nodes.", "error"); } }, "Find pattern"),
        h("button", { class: "link", onclick: () => { pNodes = []; pEdges = []; pending = null; renderForm(); } }, "clear"),
        h("span", { class: "muted", style: { fontSize: "11px" } }, "click: node · click two: edge")),
      h("h3", {}, "Concept"),
      h("div", { class: "row" }, colSel, h("span", {}, "=="), valIn,
        h("button", { id: "concept-run", onclick: () => run(`label:${colSel.value}=${valIn.value.trim()}`) }, "Find")));
  }

  function renderResults(): void {
    const sel = store.get().match;
    if (!matches.length) { results.replaceChildren(h("div", { class: "muted" }, "No matches.")); return; }
    const title = (gid: string) => panels?.title(panels.ids.indexOf(gid)) ?? gid;
    results.replaceChildren(...matches.slice(0, 100).map((m, i) => h("div", {
      class: `item${sel === i ? " on" : ""}`, "data-match": String(i), onclick: () => store.set({ match: sel === i ? null : i }),
    }, h("span", { class: "score" }, String(i + 1)),
    h("div", {}, h("div", {}, `${m.kind ?? store.get().motif.split(":")[0]} · ${m.nodes.length} nodes`), h("div", { class: "sub" }, title(m.graph_id))),
    h("span", { class: "score" }, fmt(m.score, 2)))));
  }

  function showMatch(): void {
    const p = panels;
    if (!p) return;
    const i = store.get().match;
    const m = i !== null ? matches[i] : null;
    if (!m) { p.setMatch(null, []); return; }
    p.setMatch(m.graph_id, m.nodes, m.edges ?? []);
    const gi = p.ids.indexOf(m.graph_id);
    if (gi >= 0) p.setBrush({ stimuli: p.stimuliOf(gi, m.nodes), label: `match ${i! + 1}` });
  }

  async function search(): Promise<void> {
    const ids = store.get().graphs;
    results.replaceChildren(h("div", { class: "muted" }, "Searching…"));
    try {
      matches = motifMatches(await api.motifs(ids, motifRequest(store.get().motif)));
      renderResults();
      showMatch();
    } catch (e) {
      matches = [];
      results.replaceChildren(errorBox(e));
    }
  }

  const unsub = store.subscribe((s, prev) => {
    if (s.match !== prev.match) { renderResults(); showMatch(); }
  });
  void shell.ready.then((ok) => {
    if (!ok) return;
    void search();
    const base = app.exportHooks;
    app.exportHooks = { ...base, csv: () => matches.map((m, i) => ({ rank: i + 1, graph_id: m.graph_id, score: m.score, nodes: m.nodes.join(" ") })) };
  });
  return () => { unsub(); shell.dispose(); };
}
