import { describe, expect, it } from "vitest";
import { renderGraphControls } from "../src/render/controls";
import { renderQuality, renderSelection, type SelectedNode } from "../src/render/inspector";
import { box } from "./helpers";

const node = (over: Partial<SelectedNode> = {}): SelectedNode => ({
  facts: { graph: "cnn · conv2", size: 12, stability: 0.8765, lens: [0.12345, -1], component: "c0: 40 stimuli", loops: [] },
  bars: null, thumbs: [], samples: [{ thumb: null, text: "s1 · digit 3" }, { thumb: null, text: "s2" }],
  partners: [{ title: "mlp · fc1", partners: [{ node: "n4", jaccard: 0.6123 }, { node: "n7", jaccard: 0.2 }] }],
  partnerState: "ready", ...over,
});

describe("inspector: selection", () => {
  it("null shows the hint", () => {
    const el = box();
    renderSelection(el, null);
    expect(el.children.length).toBe(1);
    expect(el.querySelector(".muted")!.textContent).toContain("Click a node");
  });

  it("a node: facts, samples, partners (best first) and the reach in each graph", () => {
    const el = box();
    renderSelection(el, { label: "node n1", count: 1234, node: node(),
      perGraph: [{ title: "cnn · conv2", nodes: 3, best: 1 }, { title: "mlp · fc1", nodes: 5, best: 0.61234 }] });
    expect(el.querySelector("b")!.textContent).toBe("node n1");
    expect(el.firstElementChild!.textContent).toBe("node n1 · 1,234 stimuli");
    const facts = Array.from(el.querySelectorAll("#node-facts dt")).map((d) => d.textContent);
    expect(facts).toEqual(["graph", "size", "stability", "lens", "component"]);
    expect(el.querySelector("#node-facts dd.component")!.textContent).toBe("c0: 40 stimuli");
    expect(Array.from(el.querySelectorAll("#node-facts dd")).map((d) => d.textContent).slice(2, 4)).toEqual(["0.88", "0.123, -1"]);
    expect(Array.from(el.querySelectorAll("ol.stimlist li")).map((li) => li.textContent)).toEqual(["s1 · digit 3", "s2"]);
    const li = el.querySelectorAll("#partners li");
    expect(li.length).toBe(1);
    expect(li[0].textContent).toBe("mlp · fc1best n4 (Jaccard 0.61), n7 (Jaccard 0.2)");
    const rows = Array.from(el.querySelectorAll("table.data tr")).map((tr) => Array.from(tr.children).map((td) => td.textContent));
    expect(rows).toEqual([["cnn · conv2", "3 nodes", "1"], ["mlp · fc1", "5 nodes", "0.61"]]);
    expect(Array.from(el.querySelectorAll("h3")).map((x) => x.textContent)).toEqual(["Sample stimuli", "Corresponding nodes", "In each graph"]);
  });

  it("partners: a note while pending or unavailable, no section for one graph; thumbnails in order", () => {
    const el = box();
    const thumb = document.createElement("canvas");
    renderSelection(el, { label: "n", count: 1, node: node({ partners: [], partnerState: "pending", thumbs: [document.createElement("img")],
      samples: [{ thumb, text: "s9" }] }), perGraph: [] });
    expect(el.querySelector("#partners")).toBeNull();
    expect(el.textContent).toContain("Computing correspondence…");
    expect(el.querySelectorAll(".thumbs img").length).toBe(1);
    expect(el.querySelector("ol.stimlist li")!.firstChild).toBe(thumb);
    renderSelection(el, { label: "n", count: 1, node: node({ partners: [], partnerState: "unavailable" }), perGraph: [] });
    expect(el.textContent).toContain("Correspondence unavailable.");
    renderSelection(el, { label: "n", count: 1, node: node({ partners: null }), perGraph: [] });
    expect(el.textContent).not.toContain("Corresponding nodes");
  });

  it("quality: a key-value list, nothing when empty", () => {
    const el = box();
    renderQuality(el, { stress: 0.12345, trustworthiness: 0.9 });
    expect(Array.from(el.querySelectorAll("dt")).map((d) => d.textContent)).toEqual(["stress", "trustworthiness"]);
    expect(Array.from(el.querySelectorAll("dd")).map((d) => d.textContent)).toEqual(["0.123", "0.9"]);
    renderQuality(el, {});
    expect(el.children.length).toBe(0);
  });
});

describe("graph controls", () => {
  it("draws the current state and reports changes", () => {
    const el = box();
    const got: string[] = [];
    renderGraphControls(el, { mode: "overlay", color: "pie", colorModes: ["label", "pie", "graph"], labelColumn: "b",
      columns: ["a", "b"], search: "digit=3" }, {
      mode: (v) => got.push(`mode ${v}`), color: (v) => got.push(`color ${v}`), column: (v) => got.push(`column ${v}`),
      search: (q) => got.push(`search ${q}`), lasso: (on) => got.push(`lasso ${on}`), resetZoom: () => got.push("reset"),
    }, [Object.assign(document.createElement("button"), { id: "extra" })]);
    expect(el.querySelector("#mode button.on")!.getAttribute("data-value")).toBe("overlay");
    expect((el.querySelector("#color-mode") as HTMLSelectElement).value).toBe("pie");
    expect(Array.from(el.querySelectorAll("#color-mode option")).map((o) => o.textContent)).toEqual(["dominant label", "label pie", "graph"]);
    expect((el.querySelector("#color-column") as HTMLSelectElement).value).toBe("b");
    expect((el.querySelector("#search") as HTMLInputElement).value).toBe("digit=3");
    expect(el.lastElementChild!.id).toBe("extra");
    (el.querySelector('#mode button[data-value="panels"]') as HTMLButtonElement).click();
    const lasso = el.querySelector("#lasso") as HTMLButtonElement;
    lasso.click();
    lasso.click();
    (el.querySelector('button[title="Reset zoom"]') as HTMLButtonElement).click();
    const sel = el.querySelector("#color-column") as HTMLSelectElement;
    sel.value = "a";
    sel.dispatchEvent(new Event("change"));
    const search = el.querySelector("#search") as HTMLInputElement;
    search.value = " s12 ";
    search.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
    expect(got).toEqual(["mode panels", "lasso true", "lasso false", "reset", "column a", "search s12"]);
  });

  it("no label columns: no column select and no stray text", () => {
    const el = box();
    const noop = () => {};
    renderGraphControls(el, { mode: "panels", color: "label", colorModes: ["label"], labelColumn: null, columns: [], search: "" },
      { mode: noop, color: noop, column: noop, search: noop, lasso: noop, resetZoom: noop });
    expect(el.querySelector("#color-column")).toBeNull();
    expect(el.textContent).not.toContain("null");
    expect(el.children.length).toBe(5);
  });
});
