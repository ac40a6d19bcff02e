// The Data view's cards as DOM from plain data and callbacks: the collections table (with its row actions and the
// new-collection form) and a collection's representations with their provenance. Requests live in the view.
import type { Collection, Representation } from "../api";
import { empty, errorBox, fmt, h } from "../dom";

export interface CollectionHandlers {
  toggleNew: () => void;
  pick: (c: Collection) => void;
  rename: (c: Collection) => void;
  /** A label table picked for the collection. */
  labels: (c: Collection, file: File) => void;
  remove: (c: Collection) => void;
}

/** Fill `el` with the collections table (`cid` highlighted), `form` (the open new-collection form) above it. */
export function renderCollections(
  el: HTMLElement, cols: Collection[], cid: string | null, form: HTMLElement | null, on: CollectionHandlers,
): void {
  const demo = h("div", { class: "muted", style: { marginTop: "10px", fontSize: "12px" } },
    "Demo zoo: ", h("code", {}, "topoalign demo --data <dir>"),
    " (or ", h("code", {}, "make run"), ") builds MNIST CNNs and MLPs (seeds, checkpoints, 25 shifts) and MiniLM and MPNet layers on sentences and words.");
  const head = h("div", { class: "row" }, h("h2", {}, "Collections"), h("span", { class: "grow" }),
    h("button", { id: "new-collection", onclick: on.toggleNew }, form ? "Close" : "New collection"));
  if (!cols.length) {
    el.replaceChildren(head, form ?? empty("No collections yet: create one, or upload a file into a new one."), demo);
    return;
  }
  const rows = cols.map((c) => h("tr", {
    class: `clickable${c.id === cid ? " on" : ""}`, "data-collection": c.id, onclick: () => on.pick(c),
  },
  h("td", {}, h("b", {}, c.name), c.description ? h("div", { class: "muted" }, c.description) : null),
  h("td", { class: "num" }, fmt(c.n_stimuli)),
  h("td", { class: "num" }, String(c.n_representations)),
  // the label chips wrap, so the row's buttons stay in view on a narrow card
  h("td", { class: "tags" }, ...c.label_columns.map((l) => h("span", { class: "tag" }, l)), c.has_text ? h("span", { class: "tag" }, "text") : null),
  h("td", { class: "actions" }, ...collectionActions(c, on))));
  el.replaceChildren(head, ...(form ? [form] : []),
    h("table", { class: "data" }, h("thead", {}, h("tr", {}, h("th", {}, "name"), h("th", { class: "num" }, "stimuli"),
      h("th", { class: "num" }, "reps"), h("th", {}, "labels"), h("th", {}, ""))), h("tbody", {}, ...rows)), demo);
}

function collectionActions(c: Collection, on: CollectionHandlers): HTMLElement[] {
  // the row's click picks the collection: its buttons do their own thing only
  const stop = (fn: () => void) => (e: Event) => { e.stopPropagation(); fn(); };
  const labels = h("input", { type: "file", accept: ".csv,.tsv,.txt", style: { display: "none" } });
  labels.addEventListener("change", () => {
    const f = labels.files?.[0];
    if (f) on.labels(c, f);
    labels.value = "";
  });
  return [
    h("button", { class: "link", title: "Rename", "data-rename": c.id, onclick: stop(() => on.rename(c)) }, "rename"),
    h("button", { class: "link", title: "Add label columns from a CSV/TSV (merged: nothing is overwritten unless you confirm)",
      onclick: stop(() => labels.click()) }, "+ labels"), labels,
    h("button", { class: "link danger", title: "Delete the collection and its representations", "data-delete": c.id,
      onclick: stop(() => on.remove(c)) }, "delete"),
  ];
}

export interface NewCollectionFields {
  name: string;
  description: string;
  id_column: string;
  text_column: string;
  table: File | null;
  thumbnails: File | null;
}

/** The new-collection form; `create` gets the fields and the form's status box (for errors). */
export function newCollectionForm(create: (fields: NewCollectionFields, status: HTMLElement) => void): HTMLElement {
  const name = h("input", { type: "text", id: "collection-name", placeholder: "e.g. my-stimuli" });
  const description = h("input", { type: "text", id: "collection-description", placeholder: "optional" });
  const table = h("input", { type: "file", id: "collection-table", accept: ".csv,.tsv,.txt" });
  const idColumn = h("input", { type: "text", id: "collection-id-column", placeholder: "auto", size: 8 });
  const textColumn = h("input", { type: "text", id: "collection-text-column", placeholder: "text", size: 8 });
  const thumbs = h("input", { type: "file", id: "collection-thumbnails", accept: ".npy" });
  const status = h("div", {});
  const go = h("button", { class: "primary", id: "collection-create" }, "Create");
  go.addEventListener("click", () => create({
    name: name.value.trim(), description: description.value, id_column: idColumn.value.trim(),
    text_column: textColumn.value.trim(), table: table.files?.[0] ?? null, thumbnails: thumbs.files?.[0] ?? null,
  }, status));
  const field = (label: string, el: HTMLElement, title?: string) => h("label", { class: "field", title }, h("span", {}, label), el);
  return h("div", { class: "new-collection", id: "new-collection-form" },
    h("div", { class: "row" }, field("name", name), field("description", description)),
    h("div", { class: "row", style: { marginTop: "6px" } },
      field("stimuli (CSV/TSV)", table, "one row per stimulus: an id column, optionally a text column, the other columns labels"),
      field("id column", idColumn), field("text column", textColumn),
      field("thumbnails (.npy, optional)", thumbs, "images (n, h, w) or (n, h, w, 3) in the table's row order")),
    h("div", { class: "row", style: { marginTop: "6px" } }, go), status);
}

export type RepresentationsContent =
  | { kind: "none" } // no collection picked
  | { kind: "error"; error: unknown }
  | { kind: "list"; collection: Collection; reps: Representation[] };

export interface RepresentationHandlers {
  /** Open the build view with these representations picked. */
  build: (reps: Representation[]) => void;
  remove: (r: Representation) => void;
}

/** Fill `el` with a collection's representations: provenance, task metrics and shape, one row each. */
export function renderRepresentations(el: HTMLElement, content: RepresentationsContent, on: RepresentationHandlers): void {
  if (content.kind === "none") { el.replaceChildren(h("h2", {}, "Representations"), empty("Pick or create a collection.")); return; }
  if (content.kind === "error") { el.replaceChildren(h("h2", {}, "Representations"), errorBox(content.error)); return; }
  const { collection: c, reps } = content;
  const head = h("div", { class: "row" }, h("h2", {}, `Representations · ${c.name}`), h("span", { class: "grow" }),
    reps.length ? h("button", { class: "primary", onclick: () => on.build(reps.slice(0, 2)) }, "Build graphs →") : null);
  if (!reps.length) { el.replaceChildren(head, empty("No representations: upload an activation file or extract from a model.")); return; }
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
      h("td", {}, h("button", { class: "link danger", title: "Delete representation", onclick: () => on.remove(r) }, "×")));
  });
  el.replaceChildren(head, h("table", { class: "data" },
    h("thead", {}, h("tr", {}, ...["name", "model", "layer (depth)", "checkpoint", "condition"].map((t) => h("th", {}, t)),
      h("th", { class: "num" }, "seed"), h("th", {}, "task metrics"), h("th", { class: "num" }, "n × d"), h("th", {}))),
    h("tbody", {}, ...rows)));
}
