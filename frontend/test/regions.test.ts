// The Regions view's list, membrane control, bubbles and export rows drawn from plain data (render/regions.ts).
import { describe, expect, it } from "vitest";
import type { Region } from "../src/api";
import { regionColor } from "../src/render/colors";
import {
  dominantLabel, pText, regionBubbles, regionRows, renderMembraneControl, renderRegionList, SHOWN_REGIONS,
} from "../src/render/regions";
import { box } from "./helpers";

const region = (i: number, over: Partial<Region> = {}): Region => ({
  id: `r${i}`, graphs: ["g1", "g2"], nodes: { g1: [`a${i}`, `b${i}`], g2: [`c${i}`] }, stimuli: [], score: 0.5, strength: 4 - i,
  n_stimuli: 1200, n_common: 40 - i, p_value: null, significant: null,
  dominant_labels: { digit: { dominant: String(i), share: 0.876, purity: 0.876, counts: { [String(i)]: 7 } }, topic: { dominant: "sport", share: 0.5 } },
  ...over,
});
const list = (el: HTMLElement) => Array.from(el.querySelectorAll<HTMLElement>("[data-region]"));

describe("region list", () => {
  it("ranks as given, with label, shared stimuli, p-value, strength bar and Jaccard", () => {
    const el = box();
    const regions = [region(0, { p_value: 0.00990099, score: 0.8123 }), region(1, { p_value: 0.2345 }), region(2, { strength: 1 })];
    renderRegionList(el, { kind: "list", regions, selected: null, labelColumn: null }, () => {});
    const items = list(el);
    expect(items.map((r) => r.dataset.region)).toEqual(["0", "1", "2"]);
    expect(items[0].querySelector("b")!.textContent).toBe("#1");
    expect(items[0].querySelector("b")!.parentElement!.textContent).toBe("#1 digit=0 (88%)");
    expect(Array.from(el.querySelectorAll(".sub")).map((s) => s.textContent)).toEqual([
      "3 nodes · 40 of 1,200 stimuli shared · p < 0.01",
      "3 nodes · 39 of 1,200 stimuli shared · p = 0.23",
      "3 nodes · 38 of 1,200 stimuli shared",
    ]);
    // the bar is the strength relative to the strongest; the score is the Jaccard
    const bars = Array.from(el.querySelectorAll<HTMLElement>(".scorebar > div")).map((b) => b.style.width);
    expect(bars).toEqual(["100%", "75%", "25%"]);
    expect(items[0].querySelector(".score")!.textContent).toBe("0.81");
    expect(el.querySelectorAll(".item.on").length).toBe(0);
  });

  it("the label column in the state wins; past the shown regions the swatch is grey", () => {
    const el = box();
    const regions = Array.from({ length: SHOWN_REGIONS + 1 }, (_, i) => region(i));
    renderRegionList(el, { kind: "list", regions, selected: null, labelColumn: "topic" }, () => {});
    expect(list(el)[0].querySelector("b")!.parentElement!.textContent).toBe("#1 topic=sport (50%)");
    const swatches = Array.from(el.querySelectorAll<HTMLElement>(".sw")).map((s) => s.style.background);
    expect(swatches.at(-1)).toBe("rgb(204, 204, 204)");
    expect(swatches[0]).not.toBe(swatches.at(-1));
  });

  it("the selected region is on; a click picks a region, a click on the picked one drops it", () => {
    const el = box();
    const picks: (number | null)[] = [];
    renderRegionList(el, { kind: "list", regions: [region(0), region(1)], selected: 1, labelColumn: null }, (i) => picks.push(i));
    expect(list(el).map((r) => r.className)).toEqual(["item", "item on"]);
    list(el)[0].click();
    list(el)[1].click();
    expect(picks).toEqual([0, null]);
  });

  it("progress, errors and no regions", () => {
    const el = box();
    renderRegionList(el, { kind: "finding" }, () => {});
    expect(el.textContent).toBe("Finding regions…");
    renderRegionList(el, { kind: "finding", progress: 0.426 }, () => {});
    expect(el.textContent).toBe("Finding regions… 43%");
    renderRegionList(el, { kind: "error", error: new Error("no graphs") }, () => {});
    expect(el.querySelector(".error")!.textContent).toBe("no graphs");
    renderRegionList(el, { kind: "list", regions: [], selected: null, labelColumn: null }, () => {});
    expect(el.textContent).toBe("No matching regions at these settings.");
  });
});

describe("regions: labels, p-values, membrane, bubbles, rows", () => {
  it("dominant label: the asked column, else the first; none for a numeric column or no labels", () => {
    expect(dominantLabel(region(3))).toBe("digit=3 (88%)");
    expect(dominantLabel(region(3), "missing")).toBe("digit=3 (88%)");
    expect(dominantLabel(region(3, { dominant_labels: { age: { mean: 31.5 } } }))).toBeNull();
    expect(dominantLabel(region(3, { dominant_labels: {} }))).toBeNull();
    expect(dominantLabel(region(3, { dominant_labels: { digit: { dominant: 7 } } }))).toBe("digit=7");
  });

  it("a p-value at the permutation floor is a bound", () => {
    expect(pText(1 / 101)).toBe("< 0.01");
    expect(pText(0.01)).toBe("< 0.01");
    expect(pText(0.0123)).toBe("= 0.012");
    expect(pText(1)).toBe("= 1");
  });

  it("the membrane control shows the mode and reports a pick", () => {
    const el = box();
    const got: string[] = [];
    renderMembraneControl(el, "density", (m) => got.push(m));
    expect(Array.from(el.querySelectorAll("button")).map((b) => [b.dataset.value, b.className])).toEqual([["off", ""], ["density", "on"], ["hull", ""]]);
    (el.querySelector('[data-value="hull"]') as HTMLButtonElement).click();
    expect(got).toEqual(["hull"]);
  });

  it("bubbles: the strongest few in their colours, or the picked region alone", () => {
    const regions = Array.from({ length: SHOWN_REGIONS + 2 }, (_, i) => region(i));
    const all = regionBubbles(regions, null)("g1");
    expect(all.map((b) => b.key)).toEqual(["0", "1", "2", "3", "4", "5"]);
    expect(all[2]).toEqual({ key: "2", color: regionColor(2), nodeIds: ["a2", "b2"] });
    expect(regionBubbles(regions, 7)("g2")).toEqual([{ key: "7", color: regionColor(7), nodeIds: ["c7"] }]);
    expect(regionBubbles(regions, 0)("other")).toEqual([{ key: "0", color: regionColor(0), nodeIds: [] }]);
  });

  it("export rows: rank, numbers, label and nodes per graph", () => {
    const rows = regionRows([region(0, { p_value: 0.05 }), region(1, { strength: null, dominant_labels: {} })]);
    expect(rows[0]).toEqual({ rank: 1, strength: 4, score: 0.5, n_common: 40, label: "digit=0 (88%)", p_value: 0.05, n_stimuli: 1200,
      nodes_g1: "a0 b0", nodes_g2: "c0" });
    expect(rows[1]).toMatchObject({ rank: 2, strength: "", label: "", p_value: "" });
  });
});
