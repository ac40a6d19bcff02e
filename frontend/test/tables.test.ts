// The Data and Build views' cards drawn from plain data (render/collections.ts, render/builds.ts).
import { describe, expect, it } from "vitest";
import type { Collection, Representation } from "../src/api";
import { renderBuildForm, renderBuildResults, renderRepresentationPicker, meanStability } from "../src/render/builds";
import { newCollectionForm, renderCollections, renderRepresentations } from "../src/render/collections";
import { AUTO_MODES, DEFAULT_BUILD, type BuildParams } from "../src/state";
import { box, chainGraph } from "./helpers";

const coll = (id: string, over: Partial<Collection> = {}): Collection => ({
  id, name: `c-${id}`, description: "", created_at: 0, has_text: false, label_columns: ["digit"], n_representations: 2, n_stimuli: 1500, ...over,
});
const rep = (id: string, prov: Representation["provenance"] = {}): Representation => ({
  id, name: `rep-${id}`, collection_id: "c1", created_at: 0, n: 1000, d: 64, provenance: prov, stats: {},
});
const noop = () => {};

describe("collections card", () => {
  it("one row per collection, the current one on; actions do not pick the row", () => {
    const el = box();
    const got: string[] = [];
    renderCollections(el, [coll("a"), coll("b", { has_text: true, description: "words" })], "b", null, {
      toggleNew: () => got.push("new"), pick: (c) => got.push(`pick ${c.id}`), rename: (c) => got.push(`rename ${c.id}`),
      labels: noop, remove: (c) => got.push(`remove ${c.id}`),
    });
    const rows = el.querySelectorAll<HTMLTableRowElement>("tr[data-collection]");
    expect(Array.from(rows).map((r) => r.dataset.collection)).toEqual(["a", "b"]);
    expect(rows[1].className).toBe("clickable on");
    expect(rows[0].querySelector("td.num")!.textContent).toBe("1,500");
    expect(Array.from(rows[1].querySelectorAll(".tag")).map((t) => t.textContent)).toEqual(["digit", "text"]);
    expect(el.querySelector("#new-collection")!.textContent).toBe("New collection");
    rows[0].click();
    (el.querySelector('[data-rename="a"]') as HTMLButtonElement).click();
    (el.querySelector('[data-delete="b"]') as HTMLButtonElement).click();
    (el.querySelector("#new-collection") as HTMLButtonElement).click();
    expect(got).toEqual(["pick a", "rename a", "remove b", "new"]);
  });

  it("an open form sits above the table and the toggle reads Close; no collections: the form or a note", () => {
    const el = box();
    const handlers = { toggleNew: noop, pick: noop, rename: noop, labels: noop, remove: noop };
    renderCollections(el, [coll("a")], "a", newCollectionForm(noop), handlers);
    expect(el.querySelector("#new-collection")!.textContent).toBe("Close");
    expect(el.querySelector("#new-collection-form")!.nextElementSibling!.tagName).toBe("TABLE");
    renderCollections(el, [], null, null, handlers);
    expect(el.querySelector("table")).toBeNull();
    expect(el.querySelector(".empty")!.textContent).toContain("No collections yet");
  });

  it("the new-collection form hands its fields over", () => {
    const el = box();
    let got: unknown = null;
    el.append(newCollectionForm((f, status) => { got = f; status.textContent = "checked"; }));
    (el.querySelector("#collection-name") as HTMLInputElement).value = "  words ";
    (el.querySelector("#collection-id-column") as HTMLInputElement).value = " key ";
    (el.querySelector("#collection-create") as HTMLButtonElement).click();
    expect(got).toEqual({ name: "words", description: "", id_column: "key", text_column: "", table: null, thumbnails: null });
    expect(el.querySelector("#new-collection-form")!.lastElementChild!.textContent).toBe("checked");
  });

  it("representations: provenance columns, build with the first two, delete one", () => {
    const el = box();
    const got: string[] = [];
    const reps = [rep("r1", { model: "cnn", layer: "conv2", layer_fraction: 0.5, epoch: 3, seed: 1, metrics: { acc: 0.98765 } }),
      rep("r2", { model: "mlp", architecture: "mlp-2x" }), rep("r3")];
    renderRepresentations(el, { kind: "list", collection: coll("c1"), reps },
      { build: (rs) => got.push(`build ${rs.map((r) => r.id)}`), remove: (r) => got.push(`remove ${r.id}`) });
    const rows = el.querySelectorAll<HTMLTableRowElement>("tr[data-rep]");
    expect(rows.length).toBe(3);
    const cells = Array.from(rows[0].children).map((td) => td.textContent);
    expect(cells).toEqual(["rep-r1", "cnn", "conv2 0.5", "epoch 3", "–", "1", "acc 0.988", "1,000 × 64", "×"]);
    expect(rows[1].children[1].textContent).toBe("mlpmlp-2x");
    (el.querySelector("button.primary") as HTMLButtonElement).click();
    (rows[2].querySelector("button.danger") as HTMLButtonElement).click();
    expect(got).toEqual(["build r1,r2", "remove r3"]);
    renderRepresentations(el, { kind: "none" }, { build: noop, remove: noop });
    expect(el.textContent).toContain("Pick or create a collection.");
    renderRepresentations(el, { kind: "list", collection: coll("c1"), reps: [] }, { build: noop, remove: noop });
    expect(el.querySelector("button.primary")).toBeNull();
    renderRepresentations(el, { kind: "error", error: new Error("boom") }, { build: noop, remove: noop });
    expect(el.querySelector(".error")!.textContent).toBe("boom");
  });
});

describe("build cards", () => {
  it("the picker filters by provenance and reports checkbox changes", () => {
    const el = box();
    const got: string[] = [];
    const reps = [rep("r1", { model: "cnn", layer: "a" }), rep("r2", { model: "mlp", layer: "a" }), rep("r3", { model: "cnn", layer: "b" })];
    const on = { filter: (k: string, v: string) => got.push(`${k}=${v}`), toggle: (r: Representation, c: boolean) => got.push(`${r.id} ${c}`) };
    renderRepresentationPicker(el, reps, {}, new Set(["r2"]), on);
    expect(Array.from(el.querySelectorAll("select")).map((s) => s.dataset.filter)).toEqual(["model", "layer"]);
    expect(el.querySelectorAll("input[type=checkbox][data-rep]").length).toBe(3);
    expect((el.querySelector('input[data-rep="r2"]') as HTMLInputElement).checked).toBe(true);
    expect(el.querySelectorAll("tbody tr.on").length).toBe(1);
    renderRepresentationPicker(el, reps, { model: "cnn" }, new Set(), on);
    expect(Array.from(el.querySelectorAll<HTMLInputElement>("input[data-rep]")).map((c) => c.dataset.rep)).toEqual(["r1", "r3"]);
    expect((el.querySelector('select[data-filter="model"]') as HTMLSelectElement).value).toBe("cnn");
    const cb = el.querySelector('input[data-rep="r3"]') as HTMLInputElement;
    cb.checked = true;
    cb.dispatchEvent(new Event("change"));
    const sel = el.querySelector('select[data-filter="layer"]') as HTMLSelectElement;
    sel.value = "b";
    sel.dispatchEvent(new Event("change"));
    expect(got).toEqual(["r3 true", "layer=b"]);
    renderRepresentationPicker(el, [], {}, new Set(), on);
    expect(el.textContent).toContain("No representations yet");
  });

  const model = (params: BuildParams, auto: boolean, picked = 2) => ({
    params, picked, auto, lenses: ["pca", "umap"], covers: ["kmapper", "uniform"], clusterers: ["dbscan", "single"],
    autoModes: AUTO_MODES, autoLabels: { shape: "S", cmo: "C", stability: "St", off: "O" },
  });

  it("the form: automatic mode disables the clusterer, explicit mode the fix-cover box; changes are reported", () => {
    const el = box();
    const got: unknown[] = [];
    const on = { set: (p: Partial<BuildParams>, redraw?: boolean) => got.push([p, !!redraw]), build: () => got.push("build") };
    renderBuildForm(el, model({ ...DEFAULT_BUILD, auto: "shape" }, true), on);
    expect(el.querySelector("#build-go")!.textContent).toBe("Build 2 graphs");
    expect((el.querySelector("#build-clusterer") as HTMLSelectElement).disabled).toBe(true);
    expect((el.querySelector("#build-cover") as HTMLSelectElement).disabled).toBe(true);
    expect(el.querySelector("#build-fix-cover")).not.toBeNull();
    expect(Array.from(el.querySelectorAll("#build-auto option")).map((o) => o.textContent)).toEqual(["S", "C", "St", "O"]);
    renderBuildForm(el, model({ ...DEFAULT_BUILD, auto: "off", clusterer: "single", intervals: [11, 6] }, false, 0), on);
    expect(el.querySelector("#build-fix-cover")).toBeNull();
    expect((el.querySelector("#build-go") as HTMLButtonElement).disabled).toBe(true);
    expect(el.querySelector("#build-go")!.textContent).toBe("Pick representations");
    expect((el.querySelector("#build-intervals") as HTMLInputElement).value).toBe("11, 6");
    expect(el.querySelector("#build-noise")).toBeNull(); // noise only for DBSCAN
    expect(Array.from(el.querySelectorAll("label.field > span")).map((s) => s.textContent)).toContain("threshold");
    const iv = el.querySelector("#build-intervals") as HTMLInputElement;
    iv.value = "8";
    iv.dispatchEvent(new Event("change"));
    const ov = el.querySelector("#build-overlap") as HTMLInputElement;
    ov.value = "";
    ov.dispatchEvent(new Event("change"));
    const cl = el.querySelector("#build-clusterer") as HTMLSelectElement;
    cl.value = "dbscan";
    cl.dispatchEvent(new Event("change"));
    expect(got).toEqual([[{ intervals: [8] }, false], [{ overlap: DEFAULT_BUILD.overlap }, false], [{ clusterer: "dbscan" }, true]]);
  });

  it("results: one row per graph with coverage and topology, reasons and candidates, edit and open", () => {
    const el = box();
    const got: string[] = [];
    const g = { ...chainGraph(4), id: "g1", n_covered: 8, topology: { b0: 1, b1: 1, loops: [{ id: "L0", nodes: ["n0"], confidence: 0.5 }] },
      params: { auto: { strategy: "shape", reason: "one loop persists", table: [{ scale: 1, b1: 0 }, { scale: 2, b1: 1, chosen: true }] } } } as never;
    renderBuildResults(el, [{ rep: rep("r1"), id: "g1", graph: g }, { rep: undefined, id: "g2", graph: { ...chainGraph(2), id: "g2" } }], {
      edit: () => got.push("edit"), open: (ids) => got.push(`open ${ids}`),
    }, 8);
    const rows = el.querySelectorAll<HTMLTableRowElement>("#build-results tr[data-graph]");
    expect(Array.from(rows).map((r) => r.dataset.graph)).toEqual(["g1", "g2"]);
    // fmt keeps one significant digit: 8 of 9 stimuli read 90% (the panel summary says 88.9%)
    expect(rows[0].querySelector("td.coverage")!.textContent).toBe("90%");
    expect(rows[1].querySelector("td.coverage")!.textContent).toBe("–");
    expect(rows[0].children[5].getAttribute("title")).toBe("least loop confidence 0.5");
    expect(rows[0].children[6].textContent).toBe("0.375"); // mean of 0, .25, .5, .75
    expect(el.querySelector("#build-results .auto-reason > .muted")!.textContent).toBe("one loop persists");
    expect(Array.from(el.querySelectorAll(".auto-scores tbody tr")).map((r) => r.className)).toEqual(["", "on"]);
    (rows[0].querySelector("button.edit-params") as HTMLButtonElement).click();
    (el.querySelector("#open-aligned") as HTMLButtonElement).click();
    expect(got).toEqual(["edit", "open g1,g2"]);
    renderBuildResults(el, [{ rep: undefined, id: "a", graph: chainGraph(2) }, { rep: undefined, id: "b", graph: chainGraph(2) }], { edit: noop, open: noop }, 1);
    expect((el.querySelector("#open-aligned") as HTMLButtonElement).disabled).toBe(true);
    expect(el.textContent).toContain("at most 1 graphs");
    expect(meanStability([null, 1, 0])).toBe(0.5);
    expect(meanStability([null])).toBeNull();
  });
});
