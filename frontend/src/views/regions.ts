// View 4: ranked matching regions, each drawn with Bubble Sets in one colour across all graphs, plus a
// membrane overlay (density contours or a rounded hull) around the selected region or a searched concept.
import * as d3 from "d3";
import { api, followJob, type Job, type Region, type Regions, unexpectedJob } from "../api";
import type { App } from "../app";
import { errorBox, fmt, h } from "../dom";
import { regionColor } from "../render/colors";
import type { MembraneMode } from "../state";
import type { GraphPanels } from "./panels";
import { graphShell } from "./shell";

const SHOWN = 6;

export function mount(root: HTMLElement, app: App): () => void {
  const store = app.store;
  const list = h("div", { class: "list", id: "region-list" }, h("div", { class: "muted" }, "Finding regions…"));
  const membraneSeg = h("div", { class: "seg", id: "membrane" });
  let regions: Region[] = [];
  let panelsRef: GraphPanels | null = null;

  const shell = graphShell(root, app, {
    title: "Matching regions",
    subtitle: "Groups of nodes covering the same stimuli in every graph, ranked by the shared structure they carry",
    side: h("div", {}, h("h3", {}, "Regions"), list),
    extraControls: [h("span", { class: "muted" }, "membrane"), membraneSeg],
    afterDraw: (p) => { panelsRef = p; void drawRegions(); },
  });

  function renderMembraneSeg(): void {
    const m = store.get().membrane;
    membraneSeg.replaceChildren(...(["off", "density", "hull"] as MembraneMode[]).map((v) =>
      h("button", { class: v === m ? "on" : "", "data-value": v, onclick: () => store.set({ membrane: v }) }, v)));
  }

  function renderList(): void {
    const sel = store.get().region;
    if (!regions.length) { list.replaceChildren(h("div", { class: "muted" }, "No matching regions at these settings.")); return; }
    // ranked by strength (shared structure: Jaccard x common stimuli x sqrt(nodes per graph)); the bar shows it
    const strength = (r: Region) => (typeof r.strength === "number" ? r.strength : r.score);
    const maxStrength = d3.max(regions, strength) || 1;
    list.replaceChildren(...regions.map((r, i) => {
      const nodes = Object.values(r.nodes).reduce((s, ids) => s + ids.length, 0);
      const label = dominantLabel(r, store.get().labelColumn);
      return h("div", { class: `item${sel === i ? " on" : ""}`, "data-region": String(i), onclick: () => store.set({ region: sel === i ? null : i }) },
        h("span", { class: "sw", style: { background: i < SHOWN ? regionColor(i) : "#ccc" } }),
        h("div", {}, h("div", {}, h("b", {}, `#${i + 1}`), label ? ` ${label}` : ""),
          h("div", { class: "sub" }, `${nodes} nodes · ${fmt(r.n_common)} of ${fmt(r.n_stimuli)} stimuli shared${r.p_value != null ? ` · p ${pText(r.p_value)}` : ""}`),
          h("div", { class: "scorebar", title: "strength: Jaccard x shared stimuli x sqrt(nodes per graph)" },
            h("div", { style: { width: `${(100 * strength(r)) / maxStrength}%`, background: regionColor(i) } }))),
        h("span", { class: "score", title: "Jaccard of the member unions" }, fmt(r.score, 2)));
    }));
  }

  /** A selected region brushes its stimuli in every graph (replacing a node selection). */
  function brushRegion(): void {
    const p = panelsRef;
    const i = store.get().region;
    if (!p) return;
    if (i === null || !regions[i]) { if (p.brush && !p.brush.origin) p.setBrush(null); return; }
    const stimuli = new Set<string>();
    p.ids.forEach((gid, gi) => { for (const sid of p.stimuliOf(gi, regions[i].nodes[gid] ?? [])) stimuli.add(sid); });
    if (store.get().node) store.set({ node: null });
    p.setBrush({ stimuli, label: `region #${i + 1}` });
  }

  async function drawRegions(): Promise<void> {
    const p = panelsRef;
    if (!p) return;
    const sel = store.get().region;
    const shown = regions.map((r, i) => ({ r, i })).filter(({ i }) => (sel === null ? i < SHOWN : i === sel));
    await p.setBubbles((gid) => shown.map(({ r, i }) => ({ key: String(i), color: regionColor(i), nodeIds: r.nodes[gid] ?? [] })));
    drawMembrane();
  }

  function drawMembrane(): void {
    const p = panelsRef;
    if (!p) return;
    const s = store.get();
    const r = s.region !== null ? regions[s.region] : null;
    if (r) p.setMembrane((gid) => r.nodes[gid] ?? [], s.membrane, regionColor(s.region!));
    else if (p.brush) {
      const strength = p.ids.map((_, i) => p.brushStrength(i));
      p.setMembrane((gid) => [...strength[p.ids.indexOf(gid)].keys()], s.membrane, "#e15759");
    } else p.setMembrane(null, "off");
  }

  const unsub = store.subscribe((s, prev) => {
    if (s.region !== prev.region) { renderList(); brushRegion(); void drawRegions(); }
    if (s.membrane !== prev.membrane) { renderMembraneSeg(); drawMembrane(); }
  });
  renderMembraneSeg();

  void (async () => {
    if (!(await shell.ready)) return;
    const ids = store.get().graphs;
    try {
      regions = (await findRegions(ids, (j) => {
        list.firstElementChild!.textContent = `Finding regions… ${Math.round(j.progress * 100)}%`;
      })).regions;
    } catch (e) {
      list.replaceChildren(errorBox(e));
      return;
    }
    renderList();
    brushRegion();
    await drawRegions();
    const base = app.exportHooks;
    app.exportHooks = { ...base, csv: () => regions.map((r, i) => ({ rank: i + 1, strength: r.strength ?? "", score: r.score, n_common: r.n_common, label: dominantLabel(r) ?? "", p_value: r.p_value ?? "", n_stimuli: r.n_stimuli, ...Object.fromEntries(Object.entries(r.nodes).map(([g, n]) => [`nodes_${g}`, n.join(" ")])) })) };
  })();
  return () => { unsub(); shell.dispose(); };
}

/** Matching regions, strongest first: at once, or through a job whose result is the id of the stored result
 *  (`{result_id}`, fetched from /api/topo/results, whose answer is typed for every topo kind at once). */
async function findRegions(ids: string[], onProgress: (j: Job) => void): Promise<Regions> {
  const r = await api.regions(ids);
  if (r.value) return r.value;
  const job = await followJob(r.job!.job_id, onProgress);
  if (job.kind !== "topo_regions" || !job.result) throw unexpectedJob(job, "topo_regions");
  return await api.topoResult(job.result.result_id) as unknown as Regions;
}

function dominantLabel(r: Region, column?: string | null): string | null {
  const d = r.dominant_labels as Record<string, { value?: unknown; dominant?: unknown; share?: number }> | undefined;
  if (!d) return null;
  const [col, v] = (column && d[column] ? [column, d[column]] : Object.entries(d)[0]) ?? [];
  if (!col || !v) return null;
  const value = v.value ?? v.dominant;
  if (value == null) return null;
  return `${col}=${value}${typeof v.share === "number" ? ` (${Math.round(v.share * 100)}%)` : ""}`;
}

/** A permutation p-value as text: at its floor (no null draw as good) it is a bound, "< 0.01". */
function pText(p: number): string {
  return p < 0.0100001 ? "< 0.01" : `= ${fmt(p, 2)}`;
}
