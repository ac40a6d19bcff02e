// View 1: collections (create from a stimulus table, rename, add labels, delete) and their representations
// (provenance, task metrics, shape); uploads with provenance per array (./uploads) and extraction (./extract).
import { api, type Collection, type Representation } from "../api";
import type { App } from "../app";
import { errorBox, h } from "../dom";
import { newCollectionForm, renderCollections, renderRepresentations, type NewCollectionFields } from "../render/collections";
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
    showCollections(cols, cid);
    if (!keepForms || !uploadHolder.firstChild) {
      uploadHolder.replaceChildren(uploadCard(cols, current, () => { app.invalidate(); void refresh(true); }));
      extractHolder.replaceChildren(extractCard(app, cols, current, () => { app.invalidate(); void refresh(true); }));
    }
    await showReps(current);
  }

  function showCollections(cols: Collection[], cid: string | null): void {
    renderCollections(collectionsBox, cols, cid, creating ? newCollectionForm(create) : null, {
      toggleNew: () => { creating = !creating; showCollections(cols, cid); },
      pick: (c) => { store.set({ collection: c.id, reps: [] }); void refresh(); },
      rename: (c) => void rename(c),
      labels: (c, f) => void addLabels(c, f, false),
      remove: (c) => void remove(c),
    });
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

  async function create(f: NewCollectionFields, status: HTMLElement): Promise<void> {
    if (!f.name || !f.table) return void status.replaceChildren(errorBox("A collection needs a name and a stimulus table (CSV/TSV: one row per stimulus)."));
    try {
      const coll = await api.createCollectionFromTable({ name: f.name, description: f.description,
        id_column: f.id_column, text_column: f.text_column }, f.table, f.thumbnails);
      creating = false;
      store.set({ collection: coll.id, reps: [] });
      app.invalidate();
      void refresh();
    } catch (e) { status.replaceChildren(errorBox(e)); }
  }

  async function showReps(c: Collection | null): Promise<void> {
    const on = {
      build: (picked: Representation[]) => store.set({ view: "build", reps: picked.map((r) => r.id) }, true),
      remove: async (r: Representation) => {
        if (!confirm(`Delete ${r.name}?`)) return;
        try { await api.deleteRepresentation(r.id); app.invalidate(); void refresh(true); } catch (e) { app.notify(errorText(e), "error"); }
      },
    };
    if (!c) return renderRepresentations(repsBox, { kind: "none" }, on);
    let reps: Representation[];
    try {
      reps = await api.representations(c.id);
    } catch (e) { return renderRepresentations(repsBox, { kind: "error", error: e }, on); }
    if (reps.length) app.exportHooks = { name: `representations-${c.name}`, csv: () => reps.map((r) => {
      const { metrics, extra: _extra, ...p } = r.provenance;
      return { id: r.id, name: r.name, n: r.n, d: r.d, ...p,
        ...Object.fromEntries(Object.entries(metrics ?? {}).map(([k, v]) => [`metric_${k}`, v])) };
    }) };
    renderRepresentations(repsBox, { kind: "list", collection: c, reps }, on);
  }

  void refresh();
  return () => {};
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
