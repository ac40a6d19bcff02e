// View 1: collections (create from a stimulus table, rename, add labels, delete) and their representations
// (provenance, task metrics, shape); uploads with provenance per array (./uploads) and extraction (./extract).
import { api, type Collection, type Representation } from "../api";
import type { App } from "../app";
import { empty, errorBox, fmt, h } from "../dom";
import { extractCard } from "./extract";
import { uploadCard } from "./uploads";

export function mount(root: HTMLElement, app: App): () => void {
  const store = app.store;
  const collectionsBox = h("div", { class: "card", id: "collections-card" });
  const repsBox = h("div", { class: "card" });
  const uploadHolder = h("div", {});
  const extractHolder = h("div", {});
  root.append(
    h("div", { class: "topbar" }, h("h2", {}, "Data"),
      h("span", { class: "muted" }, "Collections of stimuli and the representations (activation matrices) recorded on them."),
      h("span", { class: "grow" }),
      h("button", { onclick: () => { app.invalidate(); void refresh(); } }, "Refresh")),
    h("div", { class: "body" }, h("div", { class: "scroll" },
      h("div", { class: "grid2" }, h("div", {}, collectionsBox), h("div", {}, repsBox)),
      uploadHolder, extractHolder)),
  );
  let creating = false;

  async function refresh(keepForms = false): Promise<void> {
    let cols: Collection[];
    try {
      cols = await app.collections();
    } catch (e) {
      collectionsBox.replaceChildren(h("h2", {}, "Collections"), errorBox(e));
      return;
    }
    let cid = store.get().collection;
    if ((!cid || !cols.some((c) => c.id === cid)) && cols.length) {
      cid = cols[0].id;
      store.set({ collection: cid });
    }
    const current = cols.find((c) => c.id === cid) ?? null;
    renderCollections(cols, cid);
    if (!keepForms || !uploadHolder.firstChild) {
      uploadHolder.replaceChildren(uploadCard(cols, current, () => { app.invalidate(); void refresh(true); }));
      extractHolder.replaceChildren(extractCard(app, cols, current, () => { app.invalidate(); void refresh(true); }));
    }
    await renderReps(current);
  }

  function renderCollections(cols: Collection[], cid: string | null): void {
    const demo = h("div", { class: "muted", style: { marginTop: "10px", fontSize: "12px" } },
      "Demo zoo: ", h("code", {}, "topoalign demo --data <dir>"),
      " (or ", h("code", {}, "make run"), ") builds MNIST CNNs and MLPs (seeds, checkpoints, 25 shifts) and MiniLM and MPNet layers on sentences and words.");
    const head = h("div", { class: "row" }, h("h2", {}, "Collections"), h("span", { class: "grow" }),
      h("button", { id: "new-collection", onclick: () => { creating = !creating; renderCollections(cols, cid); } },
        creating ? "Close" : "New collection"));
    const form = creating ? newCollectionForm() : null;
    if (!cols.length) {
      collectionsBox.replaceChildren(head, form ?? empty("No collections yet: create one, or upload a file into a new one."), demo);
      return;
    }
    const rows = cols.map((c) => h("tr", {
      class: `clickable${c.id === cid ? " on" : ""}`, "data-collection": c.id,
      onclick: () => { store.set({ collection: c.id, reps: [] }); void refresh(); },
    },
    h("td", {}, h("b", {}, c.name), c.description ? h("div", { class: "muted" }, c.description) : null),
    h("td", { class: "num" }, fmt(c.n_stimuli)),
    h("td", { class: "num" }, String(c.n_representations)),
    h("td", {}, ...c.label_columns.map((l) => h("span", { class: "tag" }, l)), c.has_text ? h("span", { class: "tag" }, "text") : null),
    h("td", { class: "actions" }, ...collectionActions(c))));
    collectionsBox.replaceChildren(head, ...(form ? [form] : []),
      h("table", { class: "data" }, h("thead", {}, h("tr", {}, h("th", {}, "name"), h("th", { class: "num" }, "stimuli"),
        h("th", { class: "num" }, "reps"), h("th", {}, "labels"), h("th", {}, ""))), h("tbody", {}, ...rows)), demo);
  }

  function collectionActions(c: Collection): HTMLElement[] {
    const stop = (fn: () => void) => (e: Event) => { e.stopPropagation(); fn(); };
    const labels = h("input", { type: "file", accept: ".csv,.tsv,.txt", style: { display: "none" } });
    labels.addEventListener("change", () => {
      const f = (labels as HTMLInputElement).files?.[0];
      if (f) void addLabels(c, f, false);
      (labels as HTMLInputElement).value = "";
    });
    return [
      h("button", { class: "link", title: "Rename", "data-rename": c.id, onclick: stop(() => void rename(c)) }, "rename"),
      h("button", { class: "link", title: "Add label columns from a CSV/TSV (merged: nothing is overwritten unless you confirm)",
        onclick: stop(() => (labels as HTMLInputElement).click()) }, "+ labels"), labels,
      h("button", { class: "link danger", title: "Delete the collection and its representations", "data-delete": c.id,
        onclick: stop(() => void remove(c)) }, "delete"),
    ];
  }

  async function rename(c: Collection): Promise<void> {
    const name = prompt(`New name for ${c.name}:`, c.name);
    if (!name || name === c.name) return;
    try { await api.updateCollection(c.id, { name }); app.invalidate(); void refresh(); } catch (e) { app.notify(errorText(e), "error"); }
  }

  async function remove(c: Collection): Promise<void> {
    if (!confirm(`Delete collection ${c.name} with its ${c.n_representations} representations? This cannot be undone.`)) return;
    try {
      await api.deleteCollection(c.id);
      if (store.get().collection === c.id) store.set({ collection: null, reps: [] });
      app.invalidate();
      void refresh();
    } catch (e) { app.notify(errorText(e), "error"); }
  }

  async function addLabels(c: Collection, file: File, overwrite: boolean): Promise<void> {
    try {
      const res = await api.addLabels(c.id, file, overwrite ? { overwrite: "true" } : {});
      app.notify(`Labels of ${c.name}: ${Object.entries(res.changed).map(([k, n]) => `${k} (${n} values)`).join(", ") || "nothing new"}`);
      app.invalidate();
      void refresh(true);
    } catch (e) {
      const err = e as { status?: number };
      if (err.status === 409 && confirm(`${errorText(e)}\n\nReplace those values?`)) return addLabels(c, file, true);
      app.notify(errorText(e), "error");
    }
  }

  function newCollectionForm(): HTMLElement {
    const name = h("input", { type: "text", id: "collection-name", placeholder: "e.g. my-stimuli" });
    const description = h("input", { type: "text", id: "collection-description", placeholder: "optional" });
    const table = h("input", { type: "file", id: "collection-table", accept: ".csv,.tsv,.txt" });
    const idColumn = h("input", { type: "text", id: "collection-id-column", placeholder: "auto", size: 8 });
    const textColumn = h("input", { type: "text", id: "collection-text-column", placeholder: "text", size: 8 });
    const thumbs = h("input", { type: "file", id: "collection-thumbnails", accept: ".npy" });
    const status = h("div", {});
    const go = h("button", { class: "primary", id: "collection-create" }, "Create");
    go.addEventListener("click", async () => {
      const f = (table as HTMLInputElement).files?.[0];
      const n = (name as HTMLInputElement).value.trim();
      if (!n || !f) return void status.replaceChildren(errorBox("A collection needs a name and a stimulus table (CSV/TSV: one row per stimulus)."));
      try {
        const coll = await api.createCollectionFromTable({ name: n, description: (description as HTMLInputElement).value,
          id_column: (idColumn as HTMLInputElement).value.trim(), text_column: (textColumn as HTMLInputElement).value.trim() },
        f, (thumbs as HTMLInputElement).files?.[0] ?? null);
        creating = false;
        store.set({ collection: coll.id, reps: [] });
        app.invalidate();
        void refresh();
      } catch (e) { status.replaceChildren(errorBox(e)); }
    });
    const field = (label: string, el: HTMLElement, title?: string) => h("label", { class: "field", title }, h("span", {}, label), el);
    return h("div", { class: "new-collection", id: "new-collection-form" },
      h("div", { class: "row" }, field("name", name), field("description", description)),
      h("div", { class: "row", style: { marginTop: "6px" } },
        field("stimuli (CSV/TSV)", table, "one row per stimulus: an id column, optionally a text column, the other columns labels"),
        field("id column", idColumn), field("text column", textColumn),
        field("thumbnails (.npy, optional)", thumbs, "images (n, h, w) or (n, h, w, 3) in the table's row order")),
      h("div", { class: "row", style: { marginTop: "6px" } }, go), status);
  }

  async function renderReps(c: Collection | null): Promise<void> {
    if (!c) { repsBox.replaceChildren(h("h2", {}, "Representations"), empty("Pick or create a collection.")); return; }
    let reps: Representation[];
    try {
      reps = await api.representations(c.id);
    } catch (e) { repsBox.replaceChildren(h("h2", {}, "Representations"), errorBox(e)); return; }
    const head = h("div", { class: "row" }, h("h2", {}, `Representations · ${c.name}`), h("span", { class: "grow" }),
      reps.length ? h("button", { class: "primary", onclick: () => store.set({ view: "build", reps: reps.slice(0, 2).map((r) => r.id) }, true) }, "Build graphs →") : null);
    if (!reps.length) { repsBox.replaceChildren(head, empty("No representations: upload an activation file or extract from a model.")); return; }
    const rows = reps.map((r) => {
      const p = r.provenance;
      const metrics = Object.entries(p.metrics ?? {}).map(([k, v]) => `${k} ${fmt(v, 3)}`).join(", ");
      return h("tr", { "data-rep": r.id },
        h("td", { class: "name", title: r.name }, h("b", {}, r.name)),
        h("td", {}, p.model ?? "–", p.architecture && p.architecture !== p.model ? h("div", { class: "muted" }, p.architecture) : null),
        h("td", {}, p.layer ?? "–", p.layer_fraction != null ? h("span", { class: "muted" }, ` ${fmt(p.layer_fraction, 2)}`) : null),
        h("td", {}, p.checkpoint ?? (p.epoch != null ? `epoch ${p.epoch}` : "–")),
        h("td", {}, p.condition ?? "–"), h("td", { class: "num" }, p.seed != null ? String(p.seed) : "–"),
        h("td", { class: "metrics" }, metrics || "–"),
        h("td", { class: "num" }, `${fmt(r.n)} × ${fmt(r.d)}`),
        h("td", {}, h("button", { class: "link danger", title: "Delete representation", onclick: async () => {
          if (!confirm(`Delete ${r.name}?`)) return;
          try { await api.deleteRepresentation(r.id); app.invalidate(); void refresh(true); } catch (e) { app.notify(errorText(e), "error"); }
        } }, "×")));
    });
    app.exportHooks = { name: `representations-${c.name}`, csv: () => reps.map((r) => {
      const { metrics, extra: _extra, ...p } = r.provenance;
      return { id: r.id, name: r.name, n: r.n, d: r.d, ...p,
        ...Object.fromEntries(Object.entries(metrics ?? {}).map(([k, v]) => [`metric_${k}`, v])) };
    }) };
    repsBox.replaceChildren(head, h("table", { class: "data" },
      h("thead", {}, h("tr", {}, ...["name", "model", "layer (depth)", "checkpoint", "condition"].map((t) => h("th", {}, t)),
        h("th", { class: "num" }, "seed"), h("th", {}, "task metrics"), h("th", { class: "num" }, "n × d"), h("th", {}))),
      h("tbody", {}, ...rows)));
  }

  void refresh();
  return () => {};
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
