import { describe, expect, it } from "vitest";
import { parseMetrics, rowsFromCells } from "../src/views/uploads";
import { takeTokenFromHash } from "../src/views/signin";

describe("upload table", () => {
  it("reads task metrics as name=value pairs and names a bad one", () => {
    expect(parseMetrics("accuracy=0.93, loss = 1e-3; top5=1")).toEqual({ accuracy: 0.93, loss: 0.001, top5: 1 });
    expect(parseMetrics("")).toEqual({});
    expect(() => parseMetrics("accuracy=high")).toThrow(/accuracy=high/);
  });

  it("sends only the cells the user filled, typed, and the arrays left out", () => {
    const staged = { arrays: [{ key: "a/l1" }, { key: "a/l2" }] } as never;
    const rows = rowsFromCells(staged, { "a/l1": { seed: "2", name: " first ", metrics: "acc=0.5" }, "a/l2": { layer_fraction: "" } },
      { "a/l2": false });
    expect(rows).toEqual([{ key: "a/l1", include: true, seed: 2, name: "first", metrics: { acc: 0.5 } }, { key: "a/l2", include: false }]);
    expect(() => rowsFromCells(staged, { "a/l1": { epoch: "ten" } }, {})).toThrow(/epoch of a\/l1/);
  });
});

describe("sign-in", () => {
  it("takes a token out of the URL fragment and keeps the rest of the view state", () => {
    expect(takeTokenFromHash("#token=abc")).toEqual({ token: "abc", hash: "" });
    expect(takeTokenFromHash("#/graphs?g=a,b&token=x%2By")).toEqual({ token: "x+y", hash: "#/graphs?g=a%2Cb" });
    expect(takeTokenFromHash("#/data")).toEqual({ token: null, hash: "#/data" });
  });
});
