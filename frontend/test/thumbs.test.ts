import { describe, expect, it } from "vitest";
import { serverThumbs } from "../src/views/tooltip";

describe("server thumbnails", () => {
  it("shows a canvas per stimulus at once, sizes it from the grey levels, drops those without one", async () => {
    const asked: string[][] = [];
    const source = (ids: string[]) => {
      asked.push(ids);
      return new Map(ids.map((id) => [id, Promise.resolve(id === "b" ? null : Array.from({ length: 64 }, (_, i) => i * 4))]));
    };
    HTMLCanvasElement.prototype.getContext = (() => null) as never; // jsdom paints nothing; sizes and removal are what count
    const box = document.createElement("div");
    const canvases = serverThumbs(["a", "b"], source);
    box.append(...canvases);
    expect(asked).toEqual([["a", "b"]]); // one request for the batch
    expect(canvases.map((c) => c.classList.contains("pending"))).toEqual([true, true]);
    await new Promise((r) => setTimeout(r, 0));
    expect([...box.querySelectorAll("canvas")].map((c) => [c.dataset.stimulus, c.width, c.height, c.classList.contains("pending")]))
      .toEqual([["a", 8, 8, false]]);
  });
});
