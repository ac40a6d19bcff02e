// View 3: k Mapper graphs in the joint layout, panels or overlay, linked brushing, lasso and search.
// A compact parameter bar rebuilds the same representations and redraws in place: the mode (the data's shape, CMO,
// explicit) and the cover. In an automatic mode, editing the cover keeps the clustering scale chosen per
// representation; the fields start at the cover the first graph was built with.
import type { App } from "../app";
import { h } from "../dom";
import { AUTO_MODES, parseIntervals, type AutoMode, type BuildParams } from "../state";
import { chooses, graphRequest } from "./build";
import { graphShell, type Shell } from "./shell";

const MAX_GRAPHS = 8;
const MODE_LABELS: Record<AutoMode, string> = { shape: "auto: shape", cmo: "auto: CMO", stability: "stability grid", off: "explicit" };

export function mount(root: HTMLElement, app: App): () => void {
  const store = app.store;
  let shell: Shell | null = null;

  function paramBar(): HTMLElement | null {
    const s = store.get();
    if (!s.reps.length || s.reps.length !== s.graphs.length) return null;
    const b = s.build;
    const mode = h("select", { id: "quick-auto", title: "Who sets the cover and clusterer" },
      ...AUTO_MODES.map((m) => h("option", { value: m, selected: m === b.auto }, MODE_LABELS[m])));
    const intervals = h("input", { type: "text", id: "quick-intervals", value: b.intervals.join(", "), size: 5,
      title: "intervals: one number, or one per lens dimension" });
    const overlap = h("input", { type: "number", id: "quick-overlap", value: b.overlap, step: "0.05", min: 0, max: 0.95, title: "overlap" });
    const status = h("span", { class: "muted", id: "quick-status" });
    let requested = JSON.stringify(b);
    let latest = 0; // a rebuild that a newer change overtook is dropped
    const rebuild = async (patch: Partial<BuildParams>) => {
      const build = { ...store.get().build, ...patch };
      // a second change event for the same values (the field losing focus after Enter) rebuilds nothing
      const key = JSON.stringify(build);
      if (key === requested) return;
      requested = key;
      const mine = ++latest;
      status.textContent = "rebuilding…";
      try {
        const ids = await app.buildGraphs(store.get().reps, graphRequest("", build));
        if (mine === latest) store.set({ build, graphs: ids, node: null });
      } catch (e) {
        if (mine !== latest) return;
        requested = "";
        status.textContent = "";
        app.notify(e instanceof Error ? e.message : String(e), "error");
      }
    };
    // a cover edit in an automatic mode fixes the cover; the scale stays chosen per representation
    const coverEdit = () => rebuild({ intervals: parseIntervals(intervals.value) ?? b.intervals, overlap: +overlap.value,
      ...(chooses(b) ? { coverGiven: true } : {}) });
    intervals.addEventListener("change", coverEdit);
    overlap.addEventListener("change", coverEdit);
    mode.addEventListener("change", () => rebuild({ auto: mode.value as AutoMode, coverGiven: false }));
    queueMicrotask(() => void shell?.ready.then(() => {  // show the cover the graphs were built with (shell is set by now)
      const cover = shell?.panels.graphs[0]?.params?.cover as Record<string, unknown> | undefined;
      if (!cover || (!chooses(b) || b.coverGiven)) return;
      const n = cover.n_cubes ?? cover.n_intervals;
      const p = cover.perc_overlap ?? cover.overlap;
      if (n !== undefined) intervals.value = (Array.isArray(n) ? n : [n]).join(", ");
      if (typeof p === "number") overlap.value = String(+p.toFixed(3));
      intervals.title = "chosen for the first graph; edit to fix the cover (the scale stays automatic)";
    }));
    return h("span", { class: "row", title: "Rebuild these graphs with other parameters" },
      mode, h("label", {}, "intervals ", intervals), h("label", {}, "overlap ", overlap), status);
  }

  function open(): void {
    shell?.dispose();
    root.replaceChildren();
    if (store.get().graphs.length > MAX_GRAPHS) {
      shell = null;
      root.append(h("div", { class: "body" }, h("div", { class: "card error", id: "too-many-graphs" },
        `The aligned view lays out at most ${MAX_GRAPHS} graphs jointly; this link holds ${store.get().graphs.length}. ` +
        "Pick at most 8 in Build.")));
      return;
    }
    const bar = paramBar();
    shell = graphShell(root, app, {
      title: "Aligned graphs",
      subtitle: "area: members · width: Jaccard · drag: pan · wheel: zoom · shift-drag: lasso",
      extraControls: bar ? [bar] : [],
    });
  }

  const unsub = store.subscribe((s, prev) => { if (s.graphs.join() !== prev.graphs.join()) open(); });
  open();
  return () => { unsub(); shell?.dispose(); };
}
