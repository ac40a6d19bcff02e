import { describe, expect, it } from "vitest";
import { normalizeLayout, normalizeMotifs, normalizePartners, normalizeRegions } from "../src/api/normalize";
import { toCsv } from "../src/render/export";

describe("wire normalisation", () => {
  it("reads a joint layout in the shared frame (offsets removed)", () => {
    const raw = { mode: "panels", graphs: [
      { name: "g1", offset: [0, 0], nodes: [{ id: "n0", x: 1, y: 2 }] },
      { name: "g2", offset: [10, 0], nodes: [{ id: "n0", x: 11, y: 2 }] }], quality: { stress: 0.5, nested: {} } };
    const r = normalizeLayout(raw, ["g1", "g2"]);
    expect(r.positions.get("g2")!.get("n0")).toEqual([1, 2]);
    expect(r.quality).toEqual({ stress: 0.5 });
    expect(normalizeLayout({ positions: { g1: { n0: [3, 4] } } }, ["g1"]).positions.get("g1")!.get("n0")).toEqual([3, 4]);
  });

  it("indexes the backend's best partners both ways, by graph id", () => {
    const raw = { graphs: [{ name: "g1" }, { name: "g2#2" }], pairs: [{ a: "g1", b: "g2#2",
      partners_ab: { n0: [{ node: "m1", jaccard: 0.5, containment: 1, shared: 2 }, { node: "m0", jaccard: 0.2 }] },
      partners_ba: { m1: [{ node: "n0", jaccard: 0.5 }] } }] };
    const idx = normalizePartners(raw, ["g1", "g2"]);
    expect(idx.get("g1/n0")!.get("g2")).toEqual([{ node: "m1", jaccard: 0.5 }, { node: "m0", jaccard: 0.2 }]);
    expect(idx.get("g2/m1")!.get("g1")![0].node).toBe("n0");
    expect(idx.get("g1/m1")).toBeUndefined();
  });

  it("maps region graph names onto graph ids", () => {
    const r = normalizeRegions({ graphs: ["A", "B"], regions: [{ id: "r1", nodes: { A: ["n1"], B: ["n2"] }, score: 0.9 }] }, ["g1", "g2"]);
    expect(r.regions[0].nodes).toEqual({ g1: ["n1"], g2: ["n2"] });
    expect(r.regions[0].rank).toBe(1);
  });

  it("ranks motif matches by score", () => {
    const m = normalizeMotifs({ matches: { g1: [{ nodes: ["a"], score: 0.1 }, { nodes: ["b"], score: 0.7 }] } });
    expect(m.matches.map((x) => x.nodes[0])).toEqual(["b", "a"]);
    expect(m.matches[0].graph_id).toBe("g1");
  });

  it("writes CSV with quoting", () => {
    expect(toCsv([{ a: 1, b: 'x,"y"' }, { a: 2 }])).toBe('a,b\n1,"x,""y"""\n2,\n');
  });

  it("quotes formula-like text (CSV injection) but never numbers", () => {
    const csv = toCsv([{ model: "=HYPERLINK(1)", layer: "@SUM(A1)", c: "+x", d: "-2+3", score: -0.5, s: "-0.5;0.25", e: "\t=1" }]);
    expect(csv.split("\n")[1]).toBe("'=HYPERLINK(1),'@SUM(A1),'+x,'-2+3,-0.5,-0.5;0.25,'\t=1");
    expect(toCsv([{ "=evil": 1 }])).toBe("'=evil\n1\n");
  });
});

describe("motif responses of /api/topo/motifs", () => {
  it("decorates the ranked list with per-graph edges, and reads a concept footprint", () => {
    const raw = {
      matches: [{ graph_id: "g1", nodes: ["a", "b", "c"], score: 0.2, kind: "cycle" }],
      graphs: [{ graph: "g1", matches: [{ nodes: ["c", "b", "a"], edges: [["a", "b"], ["b", "c"], ["c", "a"]] }] }],
    };
    const m = normalizeMotifs(raw).matches;
    expect(m[0].edges).toEqual([["a", "b"], ["b", "c"], ["c", "a"]]);
    const concept = normalizeMotifs({ graphs: [], footprint: { graphs: [
      { graph: "g1", nodes: ["n1"], n_selected: 4, population: 40 }, { graph: "g2", nodes: [], n_selected: 0, population: 40 }] } });
    expect(concept.matches).toHaveLength(1);
    expect(concept.matches[0]).toMatchObject({ graph_id: "g1", nodes: ["n1"], kind: "concept", score: 0.1 });
  });
});
