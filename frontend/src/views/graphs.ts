// View 3: k Mapper graphs in the joint layout, panels or overlay, linked brushing, lasso and search.
// A compact parameter bar rebuilds the same representations with new cover settings and redraws in place.
import type { App } from "../app";
import { h } from "../dom";
import { graphRequest } from "./build";
import { graphShell, type Shell } from "./shell";

export function mount(root: HTMLElement, app: App): () => void {
  const store = app.store;
  let shell: Shell | null = null;

  function paramBar(): HTMLElement | null {
    const s = store.get();
    if (!s.reps.length || s.reps.length !== s.graphs.length) return null;
    const b = s.build;
    const intervals = h("input", { type: "number", id: "quick-intervals", value: b.intervals, min: 1, max: 100, title: "intervals" });
    const overlap = h("input", { type: "number", id: "quick-overlap", value: b.overlap, step: "0.05", min: 0, max: 0.95, title: "overlap" });
    const status = h("span", { class: "muted", id: "quick-status" });
    let requested = JSON.stringify(b);
    let latest = 0; // a rebuild that a newer change overtook is dropped
    const rebuild = async () => {
      const build = { ...store.get().build, intervals: +intervals.value || b.intervals, overlap: +overlap.value };
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
    intervals.addEventListener("change", rebuild);
    overlap.addEventListener("change", rebuild);
    return h("span", { class: "row", title: "Rebuild these graphs with other cover parameters" },
      h("label", {}, "intervals ", intervals), h("label", {}, "overlap ", overlap), status);
  }

  function open(): void {
    shell?.dispose();
    root.replaceChildren();
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
