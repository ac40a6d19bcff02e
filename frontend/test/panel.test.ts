import { describe, expect, it } from "vitest";
import { drawGraph } from "../src/render/graph";
import { placeGraph, placeGraphs, fitScales, radiusScale } from "../src/render/layout";
import { drawPanel, gridColumns, panelGrid, panelOffsets } from "../src/render/panel";
import { brushStrength, drawMatch, matchLines, selectionMark, stimuliOfNodes } from "../src/render/selection";
import { chainGraph, snapshot } from "./helpers";

function container(): HTMLElement {
  document.body.innerHTML = "";
  const el = document.createElement("div");
  document.body.append(el);
  return el;
}

function placed(n = 6) {
  const g = chainGraph(n);
  const pos = new Map(g.nodes.map((nd, i) => [nd.id, [i * 10, (i % 2) * 10] as [number, number]]));
  return { g, p: placeGraph("g1", g, pos, fitScales([...pos.values()], 400, 300, 20), radiusScale(10)) };
}

describe("panel frame", () => {
  it("builds head, frame with shield, badge and the svg's layer order", () => {
    const el = container();
    const parts = drawPanel(el, { graphIds: ["a"], members: [0], title: "cnn · conv2", subtitle: "6 nodes · 5 edges",
      badge: "joint layout", partners: "pending", width: 320, height: 240 });
    const div = el.querySelector<HTMLDivElement>("div.panel")!;
    expect(parts.div).toBe(div);
    expect(div.dataset.panel).toBe("a");
    expect(div.dataset.partners).toBe("pending");
    expect(div.querySelector(".panel-head b")!.textContent).toBe("cnn · conv2");
    expect(div.querySelector(".panel-head .muted")!.textContent).toBe("6 nodes · 5 edges");
    expect(div.querySelector(".badge")!.textContent).toBe("joint layout");
    const svg = div.querySelector(".frame > svg.graph")!;
    expect(svg.getAttribute("width")).toBe("320");
    expect(svg.getAttribute("height")).toBe("240");
    expect(svg.nextElementSibling!.classList.contains("shield")).toBe(true);
    expect(parts.frame.node()).toBe(div.querySelector(".frame"));
    const layers = Array.from(parts.viewport.node()!.children).map((c) => c.getAttribute("class"));
    expect(layers).toEqual(["membranes", "bubbles", "graph-0", "matches"]);
    expect(parts.graphRoots.map((r) => r.attr("class"))).toEqual(["graph-0"]);
    expect(snapshot(div)).toMatchSnapshot();
  });

  it("an overlay panel has one coloured tag per graph and a layer per member", () => {
    const el = container();
    const parts = drawPanel(el, { graphIds: ["a", "b"], members: [0, 1], title: "Overlay", subtitle: "",
      tags: [{ label: "A", color: "#4e79a7" }, { label: "B", color: "#f28e2b" }], badge: "joint layout", partners: "ready",
      width: 300, height: 200 });
    const tags = Array.from(el.querySelectorAll<HTMLElement>(".panel-head .muted span.tag"));
    expect(tags.map((t) => t.textContent)).toEqual(["A", "B"]);
    expect(tags[1].style.background).toBe("rgb(242, 142, 43)");
    expect(el.querySelector(".panel")!.getAttribute("data-panel")).toBe("a,b");
    const layers = Array.from(parts.viewport.node()!.children).map((c) => c.getAttribute("class"));
    expect(layers).toEqual(["membranes", "bubbles", "graph-0", "graph-1", "matches"]);
  });

  it("grids: columns by count, panel sizes within the container, export offsets", () => {
    expect([1, 2, 4, 5, 8].map(gridColumns)).toEqual([1, 2, 2, 3, 3]);
    const g = panelGrid(2, 1000, 800);
    expect(g).toMatchObject({ cols: 2, rows: 1 });
    expect(g.width).toBe(Math.floor((980 - 10) / 2) - 2);
    expect(g.height).toBe(Math.min(780 - 30, Math.round(g.width * 1.4)));
    expect(panelGrid(1, 100, 100).width).toBe(318); // never narrower than 320 in all
    expect(panelOffsets(3, 100, 50)).toEqual([{ x: 0, y: 0 }, { x: 110, y: 0 }, { x: 0, y: 78 }]);
  });

  it("places graphs in one shared frame", () => {
    const a = chainGraph(4), b = chainGraph(4);
    const positions = new Map([
      ["a", new Map(a.nodes.map((n, i) => [n.id, [i, 0] as [number, number]]))],
      ["b", new Map(b.nodes.map((n, i) => [n.id, [i + 10, 5] as [number, number]]))],
    ]);
    const [pa, pb] = placeGraphs(["a", "b"], [a, b], positions, 400, 300);
    expect(pa.graphId).toBe("a");
    expect(pb.nodes.length).toBe(4);
    const xs = [...pa.nodes, ...pb.nodes].map((n) => n.x);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(20);
    expect(Math.max(...xs)).toBeLessThanOrEqual(380);
    expect(Math.max(...pa.nodes.map((n) => n.x))).toBeLessThan(Math.min(...pb.nodes.map((n) => n.x))); // one frame
  });
});

describe("selection marks", () => {
  it("brush strength is the Jaccard of a node's members with the brush", () => {
    const g = chainGraph(4); // node i holds stimuli 2i, 2i+1, 2i+2
    const st = brushStrength(g, new Set(["s2", "s3"]));
    expect([...st.keys()]).toEqual(["n0", "n1"]);
    expect(st.get("n0")).toBeCloseTo(1 / 4);
    expect(st.get("n1")).toBeCloseTo(2 / 3);
    expect(stimuliOfNodes(g, ["n0", "n1"])).toEqual(new Set(["s0", "s1", "s2", "s3", "s4"]));
  });

  it("the origin is selected in its graph; elsewhere the best partner, runners-up, linked and dimmed", () => {
    const { p } = placed(4);
    const st = new Map([["n1", 0.5]]);
    const own = selectionMark("g1", st, { graph: "g1", node: "n0" }, []);
    expect(p.nodes.map(own)).toEqual(["selected", "linked", "dim", "dim"]);
    const other = selectionMark("g1", st, { graph: "g0", node: "x" }, [{ node: "n2" }, { node: "n3" }]);
    expect(p.nodes.map(other)).toEqual(["dim", "linked", "selected", "partner"]);
  });

  it("traces a match's edges and rings its nodes; null clears", () => {
    const { p } = placed(5);
    document.body.innerHTML = "";
    const el = container();
    const parts = drawPanel(el, { graphIds: ["g1"], members: [0], title: "t", subtitle: "", badge: "layout", partners: "ready", width: 400, height: 300 });
    drawGraph(parts.graphRoots[0], p, { fill: () => "red" });
    const matches = parts.viewport.select<SVGGElement>("g.matches");
    const lines = matchLines(p, ["n1", "n2", "n3"]);
    expect(lines).toEqual([["n1", "n2"], ["n2", "n3"]]);
    expect(matchLines(p, ["n1"], [["n1", "n4"]])).toEqual([["n1", "n4"]]);
    drawMatch(matches, parts.viewport, p, ["n1", "n2", "n3"], lines);
    const paths = matches.selectAll<SVGPathElement, unknown>("path.motif-edge").nodes();
    expect(paths.length).toBe(2);
    const [n1, n2] = [p.byId.get("n1")!, p.byId.get("n2")!];
    expect(paths[0].getAttribute("d")).toBe(`M${n1.x},${n1.y}L${n2.x},${n2.y}`);
    expect(parts.viewport.selectAll("g.node.match").size()).toBe(3);
    drawMatch(matches, parts.viewport, null, [], []);
    expect(matches.selectAll("path.motif-edge").size()).toBe(0);
    expect(parts.viewport.selectAll("g.node.match").size()).toBe(0);
  });
});
