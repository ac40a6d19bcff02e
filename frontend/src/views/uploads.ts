// Uploads: drop one or many activation files; each is staged on the server (POST /api/uploads, with progress), its
// arrays listed in an editable table (one representation per array: name, model, architecture, layer, layer index,
// depth fraction, checkpoint, epoch, seed, condition, task metrics, defaulted from the file order), then committed
// into a collection, all or nothing. A file the server cannot read shows its error and leaves nothing stored.
import { api, stageUpload, type Collection, type RowIn, type StagedUpload } from "../api";
import { errorBox, fmt, h } from "../dom";

export interface UploadTarget { collection: string; create: boolean }

/** "accuracy=0.93, loss=0.2" -> {accuracy: 0.93, loss: 0.2}; throws naming the bad part. */
export function parseMetrics(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(/[,;]/).map((p) => p.trim()).filter(Boolean)) {
    const m = /^([^=\s][^=]*?)\s*=\s*(-?[\d.]+(?:e-?\d+)?)$/i.exec(part);
    if (!m || !Number.isFinite(+m[2])) throw new Error(`Task metrics are NAME=NUMBER, e.g. accuracy=0.93. Got "${part}".`);
    out[m[1].trim()] = +m[2];
  }
  return out;
}

const ROW_FIELDS = ["name", "model", "architecture", "layer", "layer_index", "layer_fraction", "checkpoint", "epoch",
  "seed", "condition", "metrics"] as const;
type RowField = (typeof ROW_FIELDS)[number];
const NUMERIC = new Set<RowField>(["layer_index", "layer_fraction", "epoch", "seed"]);

/** The commit body's rows from the table's cells (empty cells keep the defaults). */
export function rowsFromCells(staged: StagedUpload, cells: Record<string, Partial<Record<RowField, string>>>,
  included: Record<string, boolean>): RowIn[] {
  return staged.arrays.map((a) => {
    const c = cells[a.key] ?? {};
    const row: Record<string, unknown> = { key: a.key, include: included[a.key] !== false };
    for (const f of ROW_FIELDS) {
      const v = (c[f] ?? "").trim();
      if (!v) continue;
      if (f === "metrics") row.metrics = parseMetrics(v);
      else if (NUMERIC.has(f)) {
        if (!Number.isFinite(+v)) throw new Error(`${f.replace("_", " ")} of ${a.key} must be a number. Got "${v}".`);
        row[f] = +v;
      } else row[f] = v;
    }
    return row as RowIn;
  });
}

/** The upload card: a target collection, base provenance, a drop zone, and one staged-file card per file. */
export function uploadCard(collections: Collection[], current: Collection | null, onDone: () => void): HTMLElement {
  const target = h("select", { id: "upload-target" },
    ...collections.map((c) => h("option", { value: c.id, selected: c.id === current?.id }, c.name)),
    h("option", { value: "__new__", selected: !current }, "new collection…"));
  const newName = h("input", { type: "text", id: "upload-new-collection", placeholder: "new collection name" });
  const syncTarget = () => { newName.style.display = (target as HTMLSelectElement).value === "__new__" ? "" : "none"; };
  target.addEventListener("change", syncTarget);
  const base = {
    model: h("input", { type: "text", id: "upload-model", placeholder: "e.g. resnet18-s0" }),
    architecture: h("input", { type: "text", id: "upload-architecture", placeholder: "e.g. resnet18" }),
    checkpoint: h("input", { type: "text", id: "upload-checkpoint", placeholder: "e.g. epoch-10" }),
    epoch: h("input", { type: "number", id: "upload-epoch", min: 0 }),
    seed: h("input", { type: "number", id: "upload-seed", min: 0 }),
    condition: h("input", { type: "text", id: "upload-condition", placeholder: "test or ood:blur" }),
    metrics: h("input", { type: "text", id: "upload-metrics", placeholder: "accuracy=0.93" }),
  };
  const labelsInput = h("input", { type: "file", id: "upload-labels", accept: ".csv,.tsv,.txt" });
  const idColumn = h("input", { type: "text", id: "upload-id-column", placeholder: "auto" });
  const dropNonfinite = h("input", { type: "checkbox", id: "upload-drop-nonfinite" });
  const fileInput = h("input", { type: "file", id: "upload-file", multiple: true, style: { display: "none" } });
  const staged = h("div", { class: "staged-list", id: "staged-list" });
  const drop = h("div", { class: "drop", id: "upload-drop", tabindex: "0" },
    h("b", {}, "Drop activation files here"), h("br"),
    h("span", {}, ".npy .npz .safetensors .pt .h5 .csv: one or many; multi-array files give one representation per array"));
  drop.addEventListener("click", () => fileInput.click());
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    for (const f of Array.from(e.dataTransfer?.files ?? [])) stage(f);
  });
  fileInput.addEventListener("change", () => { for (const f of Array.from((fileInput as HTMLInputElement).files ?? [])) stage(f); (fileInput as HTMLInputElement).value = ""; });

  const targetOf = (): UploadTarget | null => {
    const v = (target as HTMLSelectElement).value;
    if (v !== "__new__") return { collection: v, create: false };
    const name = (newName as HTMLInputElement).value.trim();
    return name ? { collection: name, create: true } : null;
  };
  const baseProvenance = (): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [k, el] of Object.entries(base)) {
      const v = (el as HTMLInputElement).value.trim();
      if (!v) continue;
      out[k] = k === "metrics" ? parseMetrics(v) : k === "epoch" || k === "seed" ? +v : v;
    }
    return out;
  };

  function stage(file: File): void {
    const bar = h("div", { class: "progress" }, h("div", {}));
    const body = h("div", {}, h("span", { class: "muted" }, `Uploading ${file.name} (${fmt(file.size)} bytes)…`));
    const card = h("div", { class: "staged", "data-file": file.name }, h("div", { class: "row" }, h("b", {}, file.name)), bar, body);
    staged.append(card);
    const fields: Record<string, string> = { id_column: (idColumn as HTMLInputElement).value.trim(),
      drop_nonfinite: (dropNonfinite as HTMLInputElement).checked ? "true" : "" };
    const up = stageUpload(file, (labelsInput as HTMLInputElement).files?.[0] ?? null, fields,
      (f) => { (bar.firstChild as HTMLElement).style.transform = `scaleX(${f.toFixed(2)})`; });
    up.promise.then((s) => { bar.remove(); card.dataset.upload = s.upload_id; renderStaged(card, body, s); },
      (err) => { bar.remove(); card.classList.add("failed"); body.replaceChildren(errorBox(err), h("div", { class: "muted" }, "Nothing was stored.")); });
  }

  function renderStaged(card: HTMLElement, body: HTMLElement, s: StagedUpload): void {
    const cells: Record<string, Partial<Record<RowField, string>>> = {};
    const included: Record<string, boolean> = {};
    const head = h("tr", {}, h("th", {}, ""), h("th", {}, "array"), h("th", { class: "num" }, "n × d"),
      ...ROW_FIELDS.map((f) => h("th", {}, f.replace("_", " "))));
    const rows = s.arrays.map((a) => {
      cells[a.key] = {};
      const defaults: Record<string, unknown> = { name: a.key, ...a };
      const inc = h("input", { type: "checkbox", checked: true, "data-include": a.key,
        onchange: (e: Event) => { included[a.key] = (e.target as HTMLInputElement).checked; } });
      return h("tr", { "data-array": a.key }, h("td", {}, inc), h("td", { class: "name" }, h("code", {}, a.key)),
        h("td", { class: "num" }, a.reduced_shape.join(" × ")),
        ...ROW_FIELDS.map((f) => {
          const dv = defaults[f];
          const input = h("input", { type: "text", class: "cell", "data-field": f, size: NUMERIC.has(f) ? 4 : 10,
            placeholder: dv === null || dv === undefined ? "" : typeof dv === "number" ? String(+dv.toFixed(4)) : String(dv),
            oninput: (e: Event) => { cells[a.key][f] = (e.target as HTMLInputElement).value; } });
          return h("td", {}, input);
        }));
    });
    const status = h("div", { class: "commit-status" });
    const commit = h("button", { class: "primary", "data-commit": s.upload_id }, "Add to collection");
    const discard = h("button", { class: "link danger" }, "discard");
    commit.addEventListener("click", async () => {
      const t = targetOf();
      if (!t) { status.replaceChildren(errorBox("Name the new collection (or pick an existing one) first.")); return; }
      let body: Record<string, unknown>;
      try {
        body = { collection: t.collection, create: t.create, provenance: baseProvenance(), rows: rowsFromCells(s, cells, included) };
      } catch (e) { status.replaceChildren(errorBox(e)); return; }
      commit.setAttribute("disabled", "");
      status.replaceChildren(h("span", { class: "muted" }, "Storing…"));
      try {
        const res = await api.commitUpload(s.upload_id, body as never);
        card.classList.add("done");
        card.replaceChildren(h("div", { class: "muted committed" }, `${s.filename}: added ${res.representations.map((r) => r.name).join(", ")}`,
          ...(res.notes ?? []).map((n) => h("div", {}, n))));
        onDone();
      } catch (e) {
        commit.removeAttribute("disabled");
        status.replaceChildren(errorBox(e), h("div", { class: "muted" }, "Nothing was stored; fix the table and try again."));
      }
    });
    discard.addEventListener("click", () => { void api.deleteUpload(s.upload_id).catch(() => {}); card.remove(); });
    body.replaceChildren(
      h("div", { class: "muted" }, `${s.format} · ${fmt(s.n_rows)} rows · ${s.arrays.length} array${s.arrays.length > 1 ? "s" : ""}` +
        `${s.has_ids ? " · stimulus ids in the file" : " · no ids: rows follow the collection's order"}` +
        `${s.label_columns.length ? ` · labels: ${s.label_columns.join(", ")}` : ""}`),
      ...s.notes.map((n) => h("div", { class: "muted" }, n)),
      h("div", { class: "table-scroll" }, h("table", { class: "data rows-table" }, h("thead", {}, head), h("tbody", {}, ...rows))),
      h("div", { class: "muted", style: { fontSize: "11px" } }, "Empty cells keep the defaults shown in grey (from the file order and the fields above); " +
        "metrics as name=value, e.g. accuracy=0.93."),
      h("div", { class: "row", style: { marginTop: "6px" } }, commit, discard, h("span", { class: "grow" })), status);
  }

  syncTarget();
  const field = (label: string, el: HTMLElement, title?: string) => h("label", { class: "field", title }, h("span", {}, label), el);
  return h("div", { class: "card", id: "upload-card" }, h("h2", {}, "Upload activations"),
    h("div", { class: "row" }, field("into", target), newName),
    h("div", { class: "row", style: { marginTop: "8px" } }, ...Object.entries(base).map(([k, el]) => field(k, el))),
    h("div", { class: "row", style: { marginTop: "8px" } }, field("labels (CSV/TSV, optional)", labelsInput),
      field("id column", idColumn, "id column of a CSV/TSV file or of the labels file"),
      h("label", {}, dropNonfinite, " drop rows with NaN/Inf")),
    h("div", { style: { marginTop: "10px" } }, drop), fileInput, staged);
}
