import { describe, expect, it } from "vitest";
import { defaultState, parseState, serializeState, Store, type ViewState } from "../src/state";

describe("view state in the URL", () => {
  it("writes nothing but the view for the defaults", () => {
    expect(serializeState(defaultState())).toBe("#/data");
    expect(parseState("#/data")).toEqual(defaultState());
  });

  it("round-trips every field", () => {
    const s: ViewState = {
      ...defaultState(), view: "regions", collection: "c1", reps: ["r1", "r2"], graphs: ["g1", "g2", "g3"],
      mode: "overlay", color: "pie", labelColumn: "topic", node: "g1/n4", search: "topic=food", region: 2,
      membrane: "density", motif: "label:topic=a=b", match: 3, metric: "cka", audit: "a1",
      build: { lens: "umap", auto: "off", coverGiven: true, cover: "balanced", intervals: [12, 7], overlap: 0.45,
        clusterer: "hdbscan", eps: 0.7, minSamples: 4, noise: "attach", stability: 10 },
    };
    const hash = serializeState(s);
    expect(parseState(hash)).toEqual(s);
    expect(serializeState(parseState(hash))).toBe(hash);
  });

  it("keeps lists readable and escapes the rest", () => {
    const hash = serializeState({ ...defaultState(), view: "graphs", graphs: ["a", "b"], search: "x & y" });
    expect(hash).toBe("#/graphs?g=a,b&q=x%20%26%20y");
  });

  it("opens the prepared case on a bare address, and Data on an unknown view", () => {
    expect(parseState("").view).toBe("home");
    expect(parseState("#/").view).toBe("home");
    expect(parseState("#/home?g=a,b").graphs).toEqual(["a", "b"]);
    expect(parseState("#/nowhere").view).toBe("data");
  });

  it("ignores malformed values and unknown keys", () => {
    const s = parseState("#/nowhere?mode=sideways&color=rainbow&region=two&n=1.5&ov=abc&zzz=1");
    expect(s.view).toBe("data");
    expect(s.mode).toBe("panels");
    expect(s.color).toBe("label");
    expect(s.region).toBeNull();
    expect(s.build.intervals).toEqual(defaultState().build.intervals);
    expect(s.build.overlap).toBe(defaultState().build.overlap);
  });

  it("reads the build mode, with the old auto=1 link meaning the stability grid", () => {
    expect(defaultState().build.auto).toBe("shape");
    expect(parseState("#/build?auto=1").build.auto).toBe("stability");
    expect(parseState("#/build?auto=cmo&fix=1&n=11,6").build).toMatchObject({ auto: "cmo", coverGiven: true, intervals: [11, 6] });
    expect(parseState("#/build?auto=magic").build.auto).toBe("shape");
  });

  it("mirrors changes into the location and notifies", () => {
    window.location.hash = "";
    const store = new Store(defaultState(), window);
    const seen: string[] = [];
    store.subscribe((s) => seen.push(s.view));
    store.set({ view: "audit", metric: "procrustes" }, true);
    expect(window.location.hash).toBe("#/audit?metric=procrustes");
    store.set({ build: { ...store.get().build, intervals: [5] } });
    expect(store.get().build.lens).toBe("pca");
    expect(window.location.hash).toContain("n=5");
    expect(seen).toEqual(["audit", "audit"]);
  });
});
