// The Motifs view's form, pattern pad and match list drawn from plain data (render/motifs.ts), and its requests.
import { describe, expect, it } from "vitest";
import type { MotifMatch } from "../src/api/transforms";
import {
  emptyDraft, matchRows, patternPad, patternQuery, pickPadNode, renderMatchList, renderMotifForm, type MotifFormHandlers,
} from "../src/render/motifs";
import { motifRequest } from "../src/views/motifs";
import { box } from "./helpers";

const match = (graph_id: string, score: number, n = 3, kind = "cycle"): MotifMatch =>
  ({ graph_id, score, kind, nodes: Array.from({ length: n }, (_, i) => `n${i}`) });
const clickAt = (el: Element, x: number, y: number) => el.dispatchEvent(new MouseEvent("click", { clientX: x, clientY: y, bubbles: true }));

describe("pattern pad", () => {
  it("a click adds a node, two nodes make an edge once, the same node twice cancels", () => {
    const d = emptyDraft();
    d.nodes = [[0, 0], [1, 1], [2, 2]];
    pickPadNode(d, 0);
    expect(d.pending).toBe(0);
    pickPadNode(d, 1);
    expect(d).toMatchObject({ edges: [[0, 1]], pending: null });
    pickPadNode(d, 1);
    pickPadNode(d, 0); // the same pair the other way round
    pickPadNode(d, 2);
    pickPadNode(d, 2);
    expect(d).toMatchObject({ edges: [[0, 1]], pending: null });
    pickPadNode(d, 2);
    pickPadNode(d, 1);
    expect(patternQuery(d)).toBe("pattern:0-1;2-1");
    expect(patternQuery(emptyDraft())).toBeNull();
  });

  it("draws what is clicked on it, at most 8 nodes, the waiting node marked", () => {
    const el = box();
    const d = emptyDraft();
    const svg = patternPad(d);
    el.append(svg);
    for (let i = 0; i < 10; i++) clickAt(svg, 10 + 20 * i, 30);
    expect(d.nodes.length).toBe(8);
    const circles = svg.querySelectorAll("circle");
    expect(Array.from(circles).slice(0, 2).map((c) => c.getAttribute("cx"))).toEqual(["10", "30"]);
    clickAt(circles[0], 0, 0);
    expect(svg.querySelector("circle.pending")).toBe(circles[0]);
    clickAt(circles[3], 0, 0);
    expect(d.nodes.length).toBe(8); // a click on a node adds none
    expect(d.edges).toEqual([[0, 3]]);
    const line = svg.querySelector("g.edges line")!;
    expect([line.getAttribute("x1"), line.getAttribute("x2")]).toEqual(["10", "70"]);
    expect(svg.querySelector("circle.pending")).toBeNull();
  });
});

describe("motif form", () => {
  const handlers = (got: string[]): MotifFormHandlers => ({
    run: (q) => got.push(`run ${q}`), noEdge: () => got.push("no edge"), clearPattern: () => got.push("clear"),
  });

  it("the current kind is on; kinds, the drawn pattern and a concept run their queries", () => {
    const el = box();
    const got: string[] = [];
    const d = emptyDraft();
    renderMotifForm(el, "branch", ["digit", "topic"], d, handlers(got));
    expect(Array.from(el.querySelectorAll("#motif-kind button")).map((b) => `${b.textContent}${b.className ? ".on" : ""}`))
      .toEqual(["cycle", "branch.on", "flare", "path"]);
    expect((el.querySelector("#concept-column") as HTMLSelectElement).value).toBe("digit");
    (el.querySelector('#motif-kind [data-value="path"]') as HTMLButtonElement).click();
    (el.querySelector("#pattern-run") as HTMLButtonElement).click();
    d.nodes = [[1, 1], [2, 2]];
    d.edges = [[0, 1]];
    (el.querySelector("#pattern-run") as HTMLButtonElement).click();
    (el.querySelector("#concept-column") as HTMLSelectElement).value = "topic";
    (el.querySelector("#concept-value") as HTMLInputElement).value = " sport ";
    (el.querySelector("#concept-run") as HTMLButtonElement).click();
    (el.querySelector("button.link") as HTMLButtonElement).click();
    expect(got).toEqual(["run path", "no edge", "run pattern:0-1", "run label:topic=sport", "clear"]);
  });

  it("a concept query fills in its column and value and no kind is on", () => {
    const el = box();
    renderMotifForm(el, "label:topic=sport", ["digit", "topic"], emptyDraft(), handlers([]));
    expect((el.querySelector("#concept-column") as HTMLSelectElement).value).toBe("topic");
    expect((el.querySelector("#concept-value") as HTMLInputElement).value).toBe("sport");
    expect(el.querySelectorAll("#motif-kind button.on").length).toBe(0);
    expect(el.querySelector("svg.pattern-pad")).not.toBeNull();
  });
});

describe("match list", () => {
  it("numbers the matches in the order given, with kind, size, graph title and score", () => {
    const el = box();
    const matches = [match("g2", 0.5123, 4), match("g1", 0.25, 3, "concept")];
    renderMatchList(el, { kind: "list", matches, selected: null, graphTitle: (g) => `title ${g}` }, () => {});
    const items = Array.from(el.querySelectorAll<HTMLElement>("[data-match]"));
    expect(items.map((i) => Array.from(i.children).map((c) => c.textContent))).toEqual([
      ["1", "cycle · 4 nodestitle g2", "0.51"], ["2", "concept · 3 nodestitle g1", "0.25"],
    ]);
    expect(items[0].querySelector(".sub")!.textContent).toBe("title g2");
  });

  it("the selected match is on; a click picks, a click on the picked one drops it; the first 100 only", () => {
    const el = box();
    const picks: (number | null)[] = [];
    const matches = Array.from({ length: 120 }, (_, i) => match("g1", 1 - i / 200));
    renderMatchList(el, { kind: "list", matches, selected: 2, graphTitle: (g) => g }, (i) => picks.push(i));
    const items = el.querySelectorAll<HTMLElement>("[data-match]");
    expect(items.length).toBe(100);
    expect(el.querySelector(".item.on")!.getAttribute("data-match")).toBe("2");
    items[2].click();
    items[5].click();
    expect(picks).toEqual([null, 5]);
  });

  it("searching, errors and no matches", () => {
    const el = box();
    renderMatchList(el, { kind: "searching" }, () => {});
    expect(el.textContent).toBe("Searching…");
    renderMatchList(el, { kind: "error", error: new Error("bad pattern") }, () => {});
    expect(el.querySelector(".error")!.textContent).toBe("bad pattern");
    renderMatchList(el, { kind: "list", matches: [], selected: null, graphTitle: (g) => g }, () => {});
    expect(el.textContent).toBe("No matches.");
  });

  it("export rows", () => {
    expect(matchRows([match("g1", 0.5, 2)])).toEqual([{ rank: 1, graph_id: "g1", score: 0.5, nodes: "n0 n1" }]);
  });
});

describe("motif requests", () => {
  it("the URL's query -> the request body", () => {
    expect(motifRequest("cycle")).toEqual({ kind: "cycle" });
    expect(motifRequest("label:topic=a=b")).toEqual({ kind: "concept", concept: { column: "topic", value: "a=b" } });
    expect(motifRequest("pattern:0-1;1-2")).toEqual({
      pattern: { nodes: [{ id: "p0" }, { id: "p1" }, { id: "p2" }], edges: [["p0", "p1"], ["p1", "p2"]] },
    });
  });
});
