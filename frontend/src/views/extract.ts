// Extraction: run a model on inputs on the server, as a job with progress. A TorchScript file is uploaded with its
// inputs (.npy / .pt tensor); a local Hugging Face model is picked by name from the server's model folder (never a
// path) and run on a text file, one stimulus per line. Every layer becomes a representation.
import { api, type Collection, type ModelInfo, unexpectedJob } from "../api";
import type { App } from "../app";
import { errorBox, h } from "../dom";
import { parseMetrics } from "./uploads";

export function extractCard(app: App, collections: Collection[], current: Collection | null, onDone: () => void): HTMLElement {
  const source = h("select", { id: "extract-source" }, h("option", { value: "torchscript" }, "TorchScript file"));
  const modelFile = h("input", { type: "file", id: "extract-model-file", accept: ".pt,.pth,.ts,.zip" });
  const hfModel = h("select", { id: "extract-hf-model" });
  const inputs = h("input", { type: "file", id: "extract-inputs", accept: ".npy,.pt,.pth,.txt" });
  const collection = h("input", { type: "text", id: "extract-collection", value: current?.name ?? "",
    placeholder: "collection name (new or existing)", list: "extract-collections" });
  const datalist = h("datalist", { id: "extract-collections" }, ...collections.map((c) => h("option", { value: c.name })));
  const fields = {
    model: h("input", { type: "text", placeholder: "default: file / folder name" }),
    architecture: h("input", { type: "text" }),
    checkpoint: h("input", { type: "text" }),
    condition: h("input", { type: "text", placeholder: "test or ood:…" }),
    metrics: h("input", { type: "text", placeholder: "accuracy=0.93" }),
    layers: h("input", { type: "text", placeholder: "all" }),
  };
  const status = h("div", { id: "extract-status" });
  const go = h("button", { class: "primary", id: "extract-go" }, "Extract");
  const sync = () => {
    const hf = (source as HTMLSelectElement).value === "hf";
    modelFile.style.display = hf ? "none" : "";
    hfModel.style.display = hf ? "" : "none";
    inputs.setAttribute("accept", hf ? ".txt" : ".npy,.pt,.pth");
  };
  source.addEventListener("change", sync);
  void api.models().then((models: ModelInfo[]) => {
    if (!models.length) return;
    source.append(h("option", { value: "hf" }, "Hugging Face model on the server"));
    hfModel.replaceChildren(...models.map((m) => h("option", { value: m.name }, `${m.name}${m.layers ? ` (${m.layers.length} layers)` : ""}`)));
  }).catch(() => {});

  go.addEventListener("click", async () => {
    const hf = (source as HTMLSelectElement).value === "hf";
    const input = (inputs as HTMLInputElement).files?.[0];
    const model = (modelFile as HTMLInputElement).files?.[0];
    const coll = (collection as HTMLInputElement).value.trim();
    if (!coll) return void status.replaceChildren(errorBox("Name the collection to store the layers in."));
    if (!input) return void status.replaceChildren(errorBox(hf ? "Choose a text file, one stimulus per line." : "Choose the inputs tensor (.npy or .pt)."));
    if (!hf && !model) return void status.replaceChildren(errorBox("Choose the TorchScript model file."));
    const form: Record<string, string> = { collection: coll };
    try {
      for (const [k, el] of Object.entries(fields)) {
        const v = (el as HTMLInputElement).value.trim();
        if (v) form[k] = k === "metrics" ? JSON.stringify(parseMetrics(v)) : v;
      }
    } catch (e) { return void status.replaceChildren(errorBox(e)); }
    if (hf) form.hf_model = (hfModel as HTMLSelectElement).value;
    go.setAttribute("disabled", "");
    status.replaceChildren(h("span", { class: "muted" }, "Sending…"));
    try {
      const job = await api.startExtraction(form, { inputs: input, ...(hf ? {} : { model_file: model! }) });
      status.replaceChildren(h("span", { class: "muted" }, "Extracting: progress in the sidebar."));
      const done = await app.jobs.start(`Extract · ${hf ? form.hf_model : model!.name}`, job);
      if (done.kind !== "extract" || !done.result) throw unexpectedJob(done, "extract");
      const reps = done.result.representations.map((r) => r.name);
      status.replaceChildren(h("div", { class: "muted", id: "extract-done" }, `Stored ${reps.length} layers: ${reps.join(", ")}`));
      onDone();
    } catch (e) {
      status.replaceChildren(errorBox(e));
    } finally {
      go.removeAttribute("disabled");
    }
  });
  sync();
  const field = (label: string, el: HTMLElement) => h("label", { class: "field" }, h("span", {}, label), el);
  return h("div", { class: "card", id: "extract-card" }, h("h2", {}, "Extract from a model"),
    h("div", { class: "row" }, field("model", source), modelFile, hfModel),
    h("div", { class: "row", style: { marginTop: "8px" } }, field("inputs", inputs), field("collection", collection), datalist),
    h("div", { class: "row", style: { marginTop: "8px" } }, ...Object.entries(fields).map(([k, el]) => field(k, el))),
    h("div", { class: "row", style: { marginTop: "8px" } }, go, h("span", { class: "grow" })), status);
}
