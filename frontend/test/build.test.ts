import { describe, expect, it } from "vitest";
import { DEFAULT_BUILD } from "../src/state";
import { explicitFrom, graphRequest } from "../src/views/build";
import { nodeTopology } from "../src/views/panels";
import { graphSummary } from "../src/render/panel";
import type { MapperGraphJSON } from "../src/api";

describe("build requests", () => {
  it("sends no cover or clusterer by default: the server chooses them from the data", () => {
    expect(graphRequest("r1", DEFAULT_BUILD)).toEqual({ representation_id: "r1", lens: { kind: "pca" }, stability: 0, auto: "shape" });
  });

  it("keeps a fixed cover in an automatic mode and sends everything in explicit mode", () => {
    const fixed = graphRequest("r1", { ...DEFAULT_BUILD, coverGiven: true, intervals: [11, 6], overlap: 0.4 });
    expect(fixed).toMatchObject({ auto: "shape", cover: { kind: "kmapper", n_intervals: [11, 6], overlap: 0.4 } });
    expect(fixed).not.toHaveProperty("clusterer");
    const explicit = graphRequest("r1", { ...DEFAULT_BUILD, auto: "off", noise: "attach", minSamples: 4 });
    expect(explicit).toMatchObject({ auto: false, cover: { n_intervals: 10, overlap: 0.3 },
      clusterer: { kind: "dbscan", eps: "auto", min_samples: 4, noise: "attach" } });
    const single = graphRequest("r1", { ...DEFAULT_BUILD, auto: "off", clusterer: "single", eps: 0.8 });
    expect(single.clusterer).toEqual({ kind: "single", distance_threshold: 0.8, min_points: 1, join_isolated: true });
    expect(() => graphRequest("r1", { ...DEFAULT_BUILD, auto: "off", clusterer: "single" })).toThrow(/threshold/);
  });

  it("takes a built graph's recorded parameters as explicit ones that rebuild it", () => {
    const params = { cover: { kind: "kmapper", n_cubes: [11, 6], perc_overlap: 1 / 3 },
      clusterer: { kind: "single", distance_threshold: 0.4751234567, min_points: 1, join_isolated: true } };
    const b = explicitFrom(params, DEFAULT_BUILD);
    expect(b).toMatchObject({ auto: "off", cover: "kmapper", intervals: [11, 6], overlap: 0.3333, clusterer: "single", eps: 0.475123 });
    expect(graphRequest("r", b).clusterer).toMatchObject({ kind: "single", distance_threshold: 0.475123 });
  });
});

describe("graph summaries", () => {
  const g = {
    format: "topoalign.mapper_graph/1", representation_id: null, params: {}, n_stimuli: 10, stimulus_ids: [],
    nodes: [{ id: "n0" }, { id: "n1" }, { id: "n2" }] as never, edges: [{}, {}, {}] as never, n_covered: 9,
    topology: { b0: 1, b1: 1, n_resamples: 8, components: [{ id: "c0", nodes: ["n0", "n1", "n2"], n_stimuli: 9, confidence: 1 }],
      loops: [{ id: "l0", nodes: ["n0", "n1", "n2"], confidence: 0.875 }] },
  } as MapperGraphJSON;

  it("says how much of the data is placed and its components and loops", () => {
    expect(graphSummary(g)).toBe("3 nodes · 3 edges · 90.0% placed · b0 1 · b1 1");
    expect(graphSummary({ ...g, n_covered: 10 })).toContain("all stimuli placed");
    expect(nodeTopology(g, "n1")).toEqual({ component: "c0: 9 stimuli (in 100% of 8 resamples)",
      loops: ["l0: 3 nodes (in 88% of 8 resamples)"] });
    expect(nodeTopology({ ...g, topology: undefined }, "n1")).toEqual({ component: null, loops: [] });
  });
});
