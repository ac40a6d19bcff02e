// View 4: ranked matching regions, each drawn with Bubble Sets in one colour across all graphs, plus a
// membrane overlay (density contours or a rounded hull) around the selected region or a searched concept.
// The controller: it finds the regions (at once or through a job), keeps them and drives the panels; the list, the
// membrane control and the bubble specs are render/regions.ts.
import { api, ApiError, followJob, type Job, type Region, type Regions, unexpectedJob } from "../api";
import type { App } from "../app";
import { h } from "../dom";
import { regionColor } from "../render/colors";
import { regionBubbles, regionRows, renderMembraneControl, renderRegionList, type RegionListContent } from "../render/regions";
import type { Store } from "../state";
import type { GraphPanels } from "./panels";
import { graphShell } from "./shell";

export function mount(root: HTMLElement, app: App): () => void {
  const store = app.store;
  const list = h("div", { class: "list", id: "region-list" });
  const membraneSeg = h("div", { class: "seg", id: "membrane" });
  let regions: Region[] = [];
  let panels: GraphPanels | null = null;
  const showList = (content: RegionListContent = { kind: "list", regions, selected: store.get().region, labelColumn: store.get().labelColumn }) =>
    renderRegionList(list, content, (region) => store.set({ region }));
  const showMembraneControl = () => renderMembraneControl(membraneSeg, store.get().membrane, (membrane) => store.set({ membrane }));
  const draw = async () => { if (panels) await drawRegions(panels, regions, store); };

  showList({ kind: "finding" });
  const shell = graphShell(root, app, {
    title: "Matching regions",
    subtitle: "Groups of nodes covering the same stimuli in every graph, ranked by the shared structure they carry",
    side: h("div", {}, h("h3", {}, "Regions"), list),
    extraControls: [h("span", { class: "muted" }, "membrane"), membraneSeg],
    afterDraw: (p) => { panels = p; void draw(); },
  });
  const unsub = store.subscribe((s, prev) => {
    if (s.region !== prev.region) { showList(); if (panels) brushRegion(panels, regions, store); void draw(); }
    if (s.membrane !== prev.membrane) { showMembraneControl(); if (panels) drawMembrane(panels, regions, store); }
  });
  showMembraneControl();

  void (async () => {
    if (!(await shell.ready)) return;
    try {
      regions = (await findRegions(store.get().graphs, (j) => showList({ kind: "finding", progress: j.progress }))).regions;
    } catch (e) {
      showList({ kind: "error", error: e });
      return;
    }
    showList();
    if (panels) brushRegion(panels, regions, store);
    await draw();
    const base = app.exportHooks;
    app.exportHooks = { ...base, csv: () => regionRows(regions) };
  })();
  return () => { unsub(); shell.dispose(); };
}

/** A selected region brushes its stimuli in every graph (replacing a node selection). */
function brushRegion(p: GraphPanels, regions: Region[], store: Store): void {
  const i = store.get().region;
  if (i === null || !regions[i]) { if (p.brush && !p.brush.origin) p.setBrush(null); return; }
  const stimuli = new Set<string>();
  p.ids.forEach((gid, gi) => { for (const sid of p.stimuliOf(gi, regions[i].nodes[gid] ?? [])) stimuli.add(sid); });
  if (store.get().node) store.set({ node: null });
  p.setBrush({ stimuli, label: `region #${i + 1}` });
}

/** The regions' bubbles (the picked one, or the strongest few), then the membrane. */
async function drawRegions(p: GraphPanels, regions: Region[], store: Store): Promise<void> {
  await p.setBubbles(regionBubbles(regions, store.get().region));
  drawMembrane(p, regions, store);
}

/** The membrane around the picked region, else around the brushed nodes, else none. */
function drawMembrane(p: GraphPanels, regions: Region[], store: Store): void {
  const s = store.get();
  const r = s.region !== null ? regions[s.region] : null;
  if (r) p.setMembrane((gid) => r.nodes[gid] ?? [], s.membrane, regionColor(s.region!));
  else if (p.brush) {
    const strength = p.ids.map((_, i) => p.brushStrength(i));
    p.setMembrane((gid) => [...strength[p.ids.indexOf(gid)].keys()], s.membrane, "#e15759");
  } else p.setMembrane(null, "off");
}

/** Matching regions, strongest first: at once, or through a job whose result is the id of the stored result
 *  (`{result_id}`, fetched from /api/topo/results, whose `kind` says what it holds). */
async function findRegions(ids: string[], onProgress: (j: Job) => void): Promise<Regions> {
  const r = await api.regions(ids);
  if (r.value) return r.value;
  const job = await followJob(r.job!.job_id, onProgress);
  if (job.kind !== "topo_regions" || !job.result) throw unexpectedJob(job, "topo_regions");
  const stored = await api.topoResult(job.result.result_id);
  if (stored.kind !== "regions") throw new ApiError(0, "bad_response", `Expected stored regions; got a stored ${stored.kind} result.`);
  return stored;
}
