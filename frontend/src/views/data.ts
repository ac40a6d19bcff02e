// View 1: collections and their representations (provenance, shape, labels), drag-and-drop upload, demo zoo.
import { api, uploadRepresentation, type Collection, type Representation } from "../api";
import type { App } from "../app";
import { empty, errorBox, fmt, h } from "../dom";

export function mount(root: HTMLElement, app: App): () => void {
  const store = app.store;
  const collectionsBox = h("div", { class: "card" });
  const repsBox = h("div", { class: "card" });
  const uploadBox = h("div", { class: "card" });
  root.append(
    h("div", { class: "topbar" }, h("h2", {}, "Data"),
      h("span", { class: "muted" }, "Collections of stimuli and the representations (activation matrices) recorded on them."),
      h("span", { class: "grow" }),
      h("button", { onclick: () => { app.invalidate(); void refresh(); } }, "Refresh")),
    h("div", { class: "body" }, h("div", { class: "scroll" },
      h("div", { class: "grid2" }, h("div", {}, collectionsBox, uploadBox), h("div", {}, repsBox)))),
  );

  async function refresh(): Promise<void> {
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
    renderCollections(cols, cid);
    renderUpload(cols.find((c) => c.id === cid) ?? null);
    await renderReps(cols.find((c) => c.id === cid) ?? null);
  }

  function renderCollections(cols: Collection[], cid: string | null): void {
    const demo = h("div", { class: "muted", style: { marginTop: "10px", fontSize: "12px" } },
      "Demo zoo: ", h("code", {}, "topoalign demo --data <dir>"),
      " (or ", h("code", {}, "make run"), ") builds digits CNNs (seeds, epochs, OOD) and MiniLM layers on sentences.");
    if (!cols.length) {
      collectionsBox.replaceChildren(h("h2", {}, "Collections"), empty("No collections yet."), demo);
      return;
    }
    const rows = cols.map((c) => h("tr", {
      class: `clickable${c.id === cid ? " on" : ""}`, "data-collection": c.id,
      onclick: () => { store.set({ collection: c.id, reps: [] }); void refresh(); },
    },
    h("td", {}, h("b", {}, c.name), c.description ? h("div", { class: "muted" }, c.description) : null),
    h("td", { class: "num" }, fmt(c.n_stimuli)),
    h("td", { class: "num" }, String(c.n_representations)),
    h("td", {}, ...c.label_columns.map((l) => h("span", { class: "tag" }, l)), c.has_text ? h("span", { class: "tag" }, "text") : null)));
    collectionsBox.replaceChildren(h("h2", {}, "Collections"),
      h("table", { class: "data" }, h("thead", {}, h("tr", {}, h("th", {}, "name"), h("th", { class: "num" }, "stimuli"),
        h("th", { class: "num" }, "reps"), h("th", {}, "labels"))), h("tbody", {}, ...rows)), demo);
  }

  async function renderReps(c: Collection | null): Promise<void> {
    if (!c) { repsBox.replaceChildren(h("h2", {}, "Representations"), empty("Pick or create a collection.")); return; }
    let reps: Representation[];
    try {
      reps = await api.representations(c.id);
    } catch (e) { repsBox.replaceChildren(h("h2", {}, "Representations"), errorBox(e)); return; }
    const head = h("div", { class: "row" }, h("h2", {}, `Representations · ${c.name}`), h("span", { class: "grow" }),
      reps.length ? h("button", { class: "primary", onclick: () => store.set({ view: "build", reps: reps.slice(0, 2).map((r) => r.id) }, true) }, "Build graphs →") : null);
    if (!reps.length) { repsBox.replaceChildren(head, empty("No representations: upload an activation file.")); return; }
    const rows = reps.map((r) => {
      const p = r.provenance;
      const stats = r.stats as Record<string, unknown>;
      return h("tr", { "data-rep": r.id },
        h("td", { class: "name", title: r.name }, h("b", {}, r.name)),
        h("td", {}, p.model ?? "–"), h("td", {}, p.layer ?? "–"),
        h("td", {}, p.checkpoint ?? (p.epoch != null ? `epoch ${p.epoch}` : "–")),
        h("td", {}, p.condition ?? "–"), h("td", { class: "num" }, p.seed != null ? String(p.seed) : "–"),
        h("td", { class: "num" }, `${fmt(r.n)} × ${fmt(r.d)}`),
        h("td", { class: "num", title: JSON.stringify(stats) }, stats && typeof stats.mean_norm === "number" ? fmt(stats.mean_norm as number) : ""),
        h("td", {}, h("button", { class: "link danger", title: "Delete representation", onclick: async () => {
          if (!confirm(`Delete ${r.name}?`)) return;
          try { await api.deleteRepresentation(r.id); app.invalidate(); void refresh(); } catch (e) { app.notify(String(e), "error"); }
        } }, "×")));
    });
    repsBox.replaceChildren(head, h("table", { class: "data" },
      h("thead", {}, h("tr", {}, ...["name", "model", "layer", "checkpoint", "condition"].map((t) => h("th", {}, t)),
        h("th", { class: "num" }, "seed"), h("th", { class: "num" }, "n × d"), h("th", { class: "num" }, "‖x‖"), h("th", {}))),
      h("tbody", {}, ...rows)));
  }

  function renderUpload(c: Collection | null): void {
    const fileInput = h("input", { type: "file", id: "upload-file", style: { display: "none" } });
    const labelsInput = h("input", { type: "file", id: "upload-labels", accept: ".csv,.tsv" });
    const fields = {
      name: h("input", { type: "text", placeholder: "from file name", id: "upload-name" }),
      model: h("input", { type: "text", placeholder: "e.g. MiniLM" }),
      layer: h("input", { type: "text", placeholder: "e.g. layer3" }),
      checkpoint: h("input", { type: "text", placeholder: "optional" }),
      condition: h("input", { type: "text", placeholder: "WD / OOD" }),
    };
    const dropNonfinite = h("input", { type: "checkbox" });
    const bar = h("div", {});
    const status = h("div", { class: "upload-status" });
    const drop = h("div", { class: "drop", id: "upload-drop", tabindex: "0" },
      h("b", {}, "Drop an activation file here"), h("br"),
      h("span", {}, ".npy .npz .safetensors .pt .h5 .csv — or click to choose"));
    drop.addEventListener("click", () => fileInput.click());
    drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
    drop.addEventListener("dragleave", () => drop.classList.remove("over"));
    drop.addEventListener("drop", (e) => {
      e.preventDefault();
      drop.classList.remove("over");
      const f = e.dataTransfer?.files?.[0];
      if (f) send(f);
    });
    fileInput.addEventListener("change", () => { const f = fileInput.files?.[0]; if (f) send(f); fileInput.value = ""; });

    function send(file: File): void {
      if (!c) { status.replaceChildren(errorBox("Create or pick a collection first.")); return; }
      bar.className = "progress";
      bar.replaceChildren(h("div", {}));
      status.replaceChildren(h("span", { class: "muted" }, `Uploading ${file.name} (${fmt(file.size)} bytes)…`));
      const up = uploadRepresentation(c.id, file, {
        name: fields.name.value || undefined, model: fields.model.value || undefined, layer: fields.layer.value || undefined,
        checkpoint: fields.checkpoint.value || undefined, condition: fields.condition.value || undefined,
        drop_nonfinite: dropNonfinite.checked || undefined,
      }, labelsInput.files?.[0] ?? null, (f) => { (bar.firstChild as HTMLElement).style.transform = `scaleX(${f.toFixed(2)})`; });
      up.promise.then((res) => {
        bar.className = "";
        bar.replaceChildren();
        status.replaceChildren(h("div", { class: "muted" },
          `Added ${res.representations.map((r) => r.name).join(", ")}`,
          res.dropped_rows ? ` (dropped ${res.dropped_rows} non-finite rows)` : "", ...(res.notes ?? []).map((n) => h("div", {}, n))));
        app.invalidate();
        void refresh();
      }, (err) => {
        bar.className = "";
        bar.replaceChildren();
        status.replaceChildren(errorBox(err));
      });
    }

    uploadBox.replaceChildren(h("h2", {}, c ? `Upload into ${c.name}` : "Upload"), drop, fileInput, bar, status,
      h("div", { class: "row", style: { marginTop: "10px" } },
        ...Object.entries(fields).map(([k, el]) => h("label", { class: "field" }, h("span", {}, k), el))),
      h("div", { class: "row", style: { marginTop: "8px" } },
        h("label", { class: "field" }, h("span", {}, "labels (CSV/TSV, optional)"), labelsInput),
        h("label", {}, dropNonfinite, " drop rows with NaN/Inf")));
  }

  void refresh();
  return () => {};
}
