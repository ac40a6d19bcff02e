// View 0, where a bare address opens: the prepared case of the demo (GET /api/graphs/landing, written by
// `topoalign demo`), the last layers of two sentence encoders as aligned graphs with their matching regions (the
// regions view, mounted below the case's header), and a link to the audit of the MNIST zoo.
import { ApiError, api, type Landing } from "../api";
import type { App } from "../app";
import { errorBox, h } from "../dom";
import { graphRequest } from "./build";
import { mount as mountRegions } from "./regions";

export function mount(root: HTMLElement, app: App): () => void {
  const store = app.store;
  const header = h("div", { class: "landing", id: "landing" }, h("span", { class: "muted" }, "Loading the prepared case…"));
  const view = h("div", { class: "landing-view" });
  root.append(header, view);
  let unmountRegions: (() => void) | null = null;
  let disposed = false;

  void (async () => {
    let c: Landing;
    try {
      c = await api.landing();
    } catch (e) {
      header.replaceChildren(e instanceof ApiError && e.status === 404 ? noCase() : errorBox(e));
      return;
    }
    header.replaceChildren(...describe(c));
    const s = store.get();
    if (s.graphs.length !== 2 || s.reps.join(",") !== c.representation_ids.join(",")) {
      try {
        const ids = await app.buildGraphs(c.representation_ids, graphRequest("", s.build), "Prepared case");
        if (disposed) return;
        store.set({ graphs: ids, reps: c.representation_ids, collection: c.collection_id,
          labelColumn: c.label_column ?? s.labelColumn, node: null, region: null });
      } catch (e) {
        view.replaceChildren(errorBox(e));
        return;
      }
    }
    if (!disposed) unmountRegions = mountRegions(view, app);
  })();

  function describe(c: Landing): HTMLElement[] {
    const audit = c.audit_collection_id
      ? h("button", { class: "primary", id: "landing-audit", title: "Alignment across layers, seeds, epochs and shifts",
        onclick: () => store.set({ view: "audit", collection: c.audit_collection_id, audit: null, graphs: [], reps: [] }, true) },
      `Audit of ${c.audit_collection} →`)
      : null;
    return [
      h("div", { class: "landing-text" }, h("h2", {}, c.title), h("p", { class: "muted" }, c.summary)),
      h("div", { class: "landing-links" }, audit,
        h("button", { id: "landing-data", onclick: () => store.set({ view: "data", collection: c.collection_id }, true) },
          "All collections")),
    ];
  }

  return () => { disposed = true; unmountRegions?.(); };
}

function noCase(): HTMLElement {
  return h("div", { class: "landing-text" }, h("h2", {}, "No prepared case here"),
    h("p", { class: "muted" }, "Build the demo zoo (", h("code", {}, "topoalign demo"), " or ", h("code", {}, "make run"),
      ") for MNIST networks and sentence encoders to compare, or start from your own data in ",
      h("a", { href: "#/data" }, "Data"), "."));
}
