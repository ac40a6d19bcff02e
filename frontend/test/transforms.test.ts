import { describe, expect, it } from "vitest";
import type { Compare, LayoutOut, Motifs } from "../src/api";
import { layoutPositions, motifMatches, partnerIndex } from "../src/api/transforms";

describe("transforms of typed API answers", () => {
  it("reads a joint layout in the shared frame (offsets removed) and keeps the numeric quality figures", () => {
    const layout: LayoutOut = { mode: "panels", params: {}, n_iter: 1, bbox: [0, 0, 20, 4], graphs: [
      { name: "g1", offset: [0, 0], nodes: [{ id: "n0", x: 1, y: 2 }] },
      { name: "g2", offset: [10, 0], nodes: [{ id: "n0", x: 11, y: 2 }] }], quality: { stress: 0.5, nested: {} } };
    const r = layoutPositions(layout);
    expect(r.positions.get("g1")!.get("n0")).toEqual([1, 2]);
    expect(r.positions.get("g2")!.get("n0")).toEqual([1, 2]);
    expect(r.quality).toEqual({ stress: 0.5 });
    expect(layoutPositions({ ...layout, quality: null }).quality).toEqual({});
  });

  it("indexes the best partners both ways, by graph id", () => {
    const compare: Compare = { graphs: [], n_shared: 3, pairs: [{ a: "g1", b: "g2", n_shared: 3, coot_distance: 0,
      coot_normalized: 0, transport_overlap: 1, pairs: [],
      partners_ab: { n0: [{ node: "m1", jaccard: 0.5, containment: 1, shared: 2 }, { node: "m0", jaccard: 0.2, containment: 0.5, shared: 1 }] },
      partners_ba: { m1: [{ node: "n0", jaccard: 0.5, containment: 1, shared: 2 }] } }] };
    const idx = partnerIndex(compare);
    expect(idx.get("g1/n0")!.get("g2")).toEqual([{ node: "m1", jaccard: 0.5 }, { node: "m0", jaccard: 0.2 }]);
    expect(idx.get("g2/m1")!.get("g1")![0].node).toBe("n0");
    expect(idx.get("g1/m1")).toBeUndefined();
  });

  it("ranks motif matches by score and adds the edges the per-graph detail lists", () => {
    const res: Motifs = { pattern: "cycle", where: null, time_limit: 5, max_matches: 10, elapsed_s: 0,
      matches: [{ graph_id: "g1", nodes: ["x"], score: 0.1, kind: "cycle" }, { graph_id: "g1", nodes: ["a", "b", "c"], score: 0.2, kind: "cycle" }],
      graphs: [{ graph: "g1", matches: [{ nodes: ["c", "b", "a"], edges: [["a", "b"], ["b", "c"], ["c", "a"]] }] }] };
    const m = motifMatches(res);
    expect(m.map((x) => x.nodes[0])).toEqual(["a", "x"]);
    expect(m[0].edges).toEqual([["a", "b"], ["b", "c"], ["c", "a"]]);
    expect(m[1].edges).toBeUndefined();
    expect(motifMatches({ ...res, matches: undefined })).toEqual([]);
  });
});
