// The graph views' frame and panel notes (render/shell.ts) and the search box's hits (views/shell.ts).
import { describe, expect, it } from "vitest";
import type { StimulusTable } from "../src/app";
import { renderPanelsNote, renderShellFrame } from "../src/render/shell";
import { searchHits } from "../src/views/shell";
import { box, chainGraph } from "./helpers";

describe("shell frame", () => {
  it("top bar with title, note and controls; panels; inspector with the view's content above legend and selection", () => {
    const root = box();
    const side = document.createElement("section");
    const el = renderShellFrame(root, "Motifs", "find loops", side);
    expect(root.querySelector(".topbar h2")!.textContent).toBe("Motifs");
    expect(root.querySelector(".topbar .muted")!.textContent).toBe("find loops");
    expect(root.querySelector(".topbar")!.lastElementChild).toBe(el.controls);
    expect(root.querySelector(".body")!.firstElementChild).toBe(el.panels);
    const inspector = root.querySelector(".inspector")!;
    expect(inspector.firstElementChild).toBe(side);
    expect(Array.from(inspector.querySelectorAll("h3")).map((x) => x.textContent)).toEqual(["Legend", "Selection"]);
    expect(Array.from(inspector.children).slice(-4)).toEqual([el.legend, inspector.querySelectorAll("h3")[1], el.selection, el.quality]);
    renderShellFrame(box(), "Aligned graphs", "", null);
    expect(document.querySelector(".inspector")!.firstElementChild!.textContent).toBe("Legend");
  });

  it("panel notes: no graphs (with a way to Build), loading, an error", () => {
    const el = box();
    let built = 0;
    renderPanelsNote(el, { kind: "no graphs", build: () => built++ });
    expect(el.querySelector(".empty p")!.textContent).toBe("No graphs selected.");
    (el.querySelector("button.primary") as HTMLButtonElement).click();
    expect(built).toBe(1);
    renderPanelsNote(el, { kind: "loading", text: "Joint layout…" });
    expect(el.innerHTML).toBe('<div class="loading">Joint layout…</div>');
    renderPanelsNote(el, { kind: "error", error: new Error("The graph has no nodes") });
    expect(el.querySelector('[role="alert"]')!.textContent).toBe("The graph has no nodes");
  });
});

describe("search hits", () => {
  const table: StimulusTable = {
    ids: ["s0", "s1", "s2", "s3"], texts: ["A Cat sat", "dog", "cat food", "bird"], labels: { digit: [3, "3", 4, null], topic: ["x", "y", "3", "z"] },
    row: new Map([["s0", 0], ["s1", 1], ["s2", 2], ["s3", 3]]),
  };

  it("column=value by label, with or without spaces and ==", () => {
    expect([...searchHits("digit=3", table, [])]).toEqual(["s0", "s1"]);
    expect([...searchHits("digit == 4", table, [])]).toEqual(["s2"]);
    expect([...searchHits("colour=red", table, [])]).toEqual([]);
  });

  it("else an id, a text holding it (any case) or a label equal to it", () => {
    expect([...searchHits("cat", table, [])]).toEqual(["s0", "s2"]);
    expect([...searchHits("s3", table, [])]).toEqual(["s3"]);
    expect([...searchHits("3", table, [])]).toEqual(["s0", "s1", "s2"]);
  });

  it("without a stimulus table, ids of the graphs' stimuli only", () => {
    const g = chainGraph(3);
    expect([...searchHits("s4", null, [g, g])]).toEqual(["s4"]);
    expect([...searchHits("digit=3", null, [g])]).toEqual([]);
  });
});
