// View 5: motif queries over every shown graph: a structural pattern (cycle, branch, flare, path), a small pattern
// drawn by hand, or a concept (label == value). Ranked matches; clicking one traces it in its graph and brushes
// the same stimuli in the others.
// The controller: it keeps the query (in the URL state), the drawn pattern and the matches, runs the searches and
// drives the panels; the form and the match list are render/motifs.ts.
import { api, type MotifQuery } from "../api";
import { motifMatches, type MotifMatch } from "../api/transforms";
import type { App } from "../app";
import { h } from "../dom";
import { emptyDraft, matchRows, renderMatchList, renderMotifForm, type MatchListContent } from "../render/motifs";
import type { GraphPanels } from "./panels";
import { graphShell } from "./shell";

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
  let draft = emptyDraft();

  const showForm = () => renderMotifForm(form, store.get().motif, panels?.columns().categorical ?? [], draft, {
    run: (query) => { store.set({ motif: query, match: null }); showForm(); void search(); },
    noEdge: () => app.notify("Draw at least one edge: click two nodes.", "error"),
    clearPattern: () => { draft = emptyDraft(); showForm(); },
  });
  const showMatches = (content: MatchListContent = { kind: "list", matches, selected: store.get().match,
    graphTitle: (gid) => panels?.title(panels.ids.indexOf(gid)) ?? gid }) => renderMatchList(results, content, (match) => store.set({ match }));
  const trace = () => { if (panels) traceMatch(panels, matches, store.get().match); };

  async function search(): Promise<void> {
    showMatches({ kind: "searching" });
    try {
      matches = motifMatches(await api.motifs(store.get().graphs, motifRequest(store.get().motif)));
      showMatches();
      trace();
    } catch (e) {
      matches = [];
      showMatches({ kind: "error", error: e });
    }
  }

  const shell = graphShell(root, app, {
    title: "Motifs",
    subtitle: "Find loops, branches, flares, paths, a drawn pattern, or where a concept lives",
    side: h("div", {}, form, h("h3", {}, "Matches"), results),
    afterDraw: (p) => { panels = p; showForm(); trace(); },
  });
  const unsub = store.subscribe((s, prev) => { if (s.match !== prev.match) { showMatches(); trace(); } });
  void shell.ready.then((ok) => {
    if (!ok) return;
    void search();
    const base = app.exportHooks;
    app.exportHooks = { ...base, csv: () => matchRows(matches) };
  });
  return () => { unsub(); shell.dispose(); };
}

/** Trace match `i` in its graph and brush its stimuli everywhere; no match clears the trace. */
function traceMatch(p: GraphPanels, matches: MotifMatch[], i: number | null): void {
  const m = i !== null ? matches[i] : null;
  if (!m) { p.setMatch(null, []); return; }
  p.setMatch(m.graph_id, m.nodes, m.edges ?? []);
  const gi = p.ids.indexOf(m.graph_id);
  if (gi >= 0) p.setBrush({ stimuli: p.stimuliOf(gi, m.nodes), label: `match ${i! + 1}` });
}
