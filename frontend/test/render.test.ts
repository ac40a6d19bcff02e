import * as d3 from "d3";
import { describe, expect, it } from "vitest";
import { bubbleOutline, bubbleShapes, drawBubbles } from "../src/render/bubbles";
import { drawGraph, layer, markGraph, slicePath } from "../src/render/graph";
import { drawHeatmap } from "../src/render/heatmap";
import { declutter, fitScales, placeGraph, radiusScale } from "../src/render/layout";
import { drawLegend } from "../src/render/legend";
import { drawChart } from "../src/render/chart";
import { hullPath, membraneLayers, pieces } from "../src/render/membrane";
import { chainGraph, snapshot, svgRoot } from "./helpers";

function placed(n = 6, extra: [number, number][] = []) {
  const g = chainGraph(n, extra);
  const pos = new Map(g.nodes.map((nd, i) => [nd.id, [i * 10, (i % 2) * 10] as [number, number]]));
  const fit = fitScales([...pos.values()], 400, 300, 20);
  return { g, p: placeGraph("g1", g, pos, fit, radiusScale(10)) };
}

describe("layout", () => {
  it("fits points into the frame keeping the aspect ratio", () => {
    const f = fitScales([[0, 0], [10, 5]], 420, 300, 10);
    expect(f.x(0)).toBeCloseTo(10);
    expect(f.x(10)).toBeCloseTo(410);
    expect(f.y(5) - f.y(0)).toBeCloseTo(200); // same scale on both axes
  });

  it("declutter separates coincident nodes deterministically", () => {
    const g = chainGraph(4);
    const pos = new Map(g.nodes.map((n) => [n.id, [0, 0] as [number, number]]));
    const run = () => declutter(placeGraph("g", g, pos, { x: (v) => v + 100, y: (v) => v + 100 }, () => 8)).nodes.map((n) => [n.x, n.y]);
    const a = run();
    expect(a).toEqual(run());
    const d = Math.hypot(a[0][0] - a[1][0], a[0][1] - a[1][1]);
    expect(d).toBeGreaterThan(8);
  });
});

describe("graph drawing", () => {
  it("draws edges under nodes (snapshot)", () => {
    const { p } = placed();
    const svg = svgRoot();
    const root = layer(svg, "graph-0");
    drawGraph(root, p, { fill: (n) => (n.node.labels!.digit.dominant === "0" ? "#4e79a7" : "#f28e2b") });
    expect(root.selectAll("line.edge").size()).toBe(5);
    expect(root.selectAll("g.node").size()).toBe(6);
    expect(snapshot(root.node()!)).toMatchSnapshot();
  });

  it("joins by id: a redraw with fewer nodes removes the rest, pies replace fills", () => {
    const { g, p } = placed();
    const svg = svgRoot();
    const root = layer(svg, "graph-0");
    drawGraph(root, p, { fill: () => "red" });
    const first = root.select<SVGGElement>('g.node[data-node="n0"]').node();
    const fewer = { ...p, nodes: p.nodes.slice(0, 3), edges: p.edges.slice(0, 2) };
    drawGraph(root, fewer, { fill: () => "red", pie: (n) => Object.entries(n.node.labels!.digit.counts!).map(([k, v]) => ({ key: k, value: v, color: k === "0" ? "blue" : "green" })) });
    expect(root.selectAll("g.node").size()).toBe(3);
    expect(root.select('g.node[data-node="n0"]').node()).toBe(first);
    expect(root.selectAll("path.slice").size()).toBe(6);
    drawGraph(root, fewer, { fill: () => "red" }); // and back: plain fills, no slices left over
    expect(root.selectAll("path.slice").size()).toBe(0);
    expect(root.selectAll("circle.body").size()).toBe(3);
    expect(root.select('g.node[data-node="n0"] circle.body').attr("fill")).toBe("red");
    expect(root.select('g.node[data-node="n0"] circle.body').datum()).toBe(fewer.nodes[0]); // datum handed down
    void g;
  });

  it("overlay colours are CSS variables on the graph, so the stylesheet's grey does not hide them", () => {
    const { p } = placed();
    const root = layer(svgRoot(), "graph-0");
    drawGraph(root, p, { fill: () => "red", edgeColor: "#e15759", nodeStroke: "#e15759" });
    expect(root.node()!.style.getPropertyValue("--edge")).toBe("#e15759");
    expect(root.node()!.style.getPropertyValue("--node-stroke")).toBe("#e15759");
    expect(root.selectAll("line.edge[stroke]").size()).toBe(0); // no attribute for the stylesheet to override
    drawGraph(root, p, { fill: () => "red" });
    expect(root.node()!.style.getPropertyValue("--edge")).toBe("");
  });

  it("centres pie slices on their node (no per-node transform)", () => {
    expect(slicePath(10, 20, 5, 0, Math.PI / 2)).toBe("M10,20L10,15A5,5,0,0,1,15,20Z");
    const whole = slicePath(10, 20, 5, 0, 2 * Math.PI);
    expect(whole.startsWith("M10,15A5,5")).toBe(true); // a lone slice is the disc, no spoke to the centre
    expect(whole).not.toContain("NaN");
  });

  it("marks a selection; edges to dimmed nodes dim too", () => {
    const { p } = placed();
    const root = layer(svgRoot(), "graph-0");
    drawGraph(root, p, { fill: () => "red" });
    markGraph(root, (n) => (n.id === "n0" ? "selected" : n.id === "n1" ? "linked" : "dim"));
    expect(root.selectAll("g.node.selected").size()).toBe(1);
    expect(root.selectAll("g.node.linked").size()).toBe(1);
    expect(root.selectAll("g.node.dim").size()).toBe(4);
    expect(root.selectAll("line.edge.dim").size()).toBe(4);
    markGraph(root, null);
    expect(root.selectAll(".dim, .selected").size()).toBe(0);
  });
});

describe("bubble sets and membranes", () => {
  it("outlines a region with its own edges", () => {
    const { p } = placed(8);
    const d = bubbleOutline(p, ["n2", "n3", "n4"]);
    expect(d.startsWith("M")).toBe(true);
    expect(d).not.toContain("NaN");
    expect(bubbleOutline(p, [])).toBe("");
  });

  it("every region gets an outline; obstacle-free Bubble Sets before a hull", () => {
    const { p } = placed(8);
    const shapes = bubbleShapes(p, [{ key: "0", color: "#4e79a7", nodeIds: ["n0", "n1"] }]);
    expect(shapes[0].fallback).toBe("none");
    // a region whose members are far apart with no edge between them: no Bubble Sets contour encloses both
    const far = { ...p, nodes: p.nodes.map((n, i) => (i === 7 ? { ...n, x: n.x + 5000, y: n.y + 5000 } : n)) };
    far.byId = new Map(far.nodes.map((n) => [n.id, n]));
    far.edges = [];
    const [shape] = bubbleShapes(far, [{ key: "1", color: "#f28e2b", nodeIds: ["n0", "n7"] }]);
    expect(["none", "obstacles", "hull"]).toContain(shape.fallback);
    expect(shape.d.startsWith("M")).toBe(true);
    // the obstacle-free outline is still a Bubble Sets contour around the members
    expect(bubbleOutline(p, ["n2", "n3", "n4"], 4, false).startsWith("M")).toBe(true);
  });

  it("draws one path per region and keeps colours", () => {
    const { p } = placed(8);
    const root = layer(svgRoot(), "bubbles");
    drawBubbles(root, bubbleShapes(p, [{ key: "0", color: "#4e79a7", nodeIds: ["n0", "n1"] }, { key: "1", color: "#f28e2b", nodeIds: ["n5", "n6"] }]));
    const paths = root.selectAll<SVGPathElement, unknown>("path.bubble").nodes();
    expect(paths.map((e) => e.getAttribute("fill"))).toEqual(["#4e79a7", "#f28e2b"]);
    expect(paths.every((e) => (e.getAttribute("d") ?? "").length > 10)).toBe(true);
  });

  it("splits a membrane into pieces far apart", () => {
    const mk = (x: number, y: number, id: string) => ({ id, x, y, r: 5, node: chainGraph(1).nodes[0] });
    const nodes = [mk(10, 10, "a"), mk(20, 12, "b"), mk(300, 200, "c")];
    expect(pieces(nodes, 20).length).toBe(2);
    expect(hullPath(nodes, 6, 20).match(/M/g)!.length).toBe(2);
    const dens = membraneLayers(nodes, "density", [400, 300]);
    expect(dens.length).toBeGreaterThan(0);
    expect(dens.map((l) => l.opacity)).toEqual([...dens.map((l) => l.opacity)].sort());
    expect(membraneLayers([], "hull", [400, 300])).toEqual([]);
  });
});

describe("audit charts and legends", () => {
  it("draws a clickable heatmap", () => {
    const svg = svgRoot();
    const clicked: string[] = [];
    drawHeatmap(svg, { metric: "cka", rows: ["l1", "l2"], cols: ["l1", "l2"], cells: [
      [{ value: 1, a: "r1", b: "r1" }, { value: 0.5, a: "r1", b: "r2" }],
      [{ value: 0.5, a: "r2", b: "r1" }, { value: null, a: "r2", b: "r2" }]] }, { onClick: (c) => clicked.push(`${c.a}-${c.b}`) });
    expect(svg.selectAll("g.cell").size()).toBe(4);
    (svg.select('g.cell[data-b="r2"]').node() as SVGGElement).dispatchEvent(new MouseEvent("click"));
    expect(clicked).toEqual(["r1-r2"]);
    expect(snapshot(svg.node()!)).toMatchSnapshot();
  });

  it("heatmap profiles: the row and column maxima as lines, on a shared colour domain", () => {
    const svg = svgRoot();
    drawHeatmap(svg, { metric: "procrustes", rows: ["a", "b"], cols: ["x", "y", "z"], cells: [
      [{ value: 0.2, a: "1", b: "2" }, { value: 0.9, a: "1", b: "3" }, { value: null, a: "", b: "" }],
      [{ value: 0.4, a: "4", b: "2" }, { value: 0.1, a: "4", b: "3" }, { value: 0.3, a: "4", b: "5" }]] },
    { cell: 20, domain: [0, 1], profiles: { rowMax: [0.9, 0.4], colMax: [0.4, 0.9, 0.3] } });
    expect(svg.selectAll("path.profile").size()).toBe(2);
    // the column profile's peak sits above the middle column, the row profile's first point is further right
    const col = svg.select("path.col-max").attr("d");
    const pts = col.replace(/^M/, "").split("L").map((p) => p.split(",").map(Number));
    expect(pts.map((p) => p[0])).toEqual([10, 30, 50]);
    expect(Math.min(...pts.map((p) => p[1]))).toBe(pts[1][1]);
    const row = svg.select("path.row-max").attr("d").replace(/^M/, "").split("L").map((p) => p.split(",").map(Number));
    expect(row[0][0]).toBeGreaterThan(row[1][0]);
    // a shared domain: a 0.9 cell has the same colour whatever else is in the matrix
    const fill = svg.select('g.cell[data-b="3"][data-a="1"] rect').attr("fill");
    const other = svgRoot();
    drawHeatmap(other, { metric: "procrustes", rows: ["a"], cols: ["x"], cells: [[{ value: 0.9, a: "1", b: "3" }]] }, { cell: 20, domain: [0, 1] });
    expect(other.select("g.cell rect").attr("fill")).toBe(fill);
  });

  it("charts: a mean +- sd band, a reference area, dashed and faint lines, clickable points", () => {
    const svg = svgRoot(440, 250);
    const clicked: unknown[] = [];
    drawChart(svg, [
      { name: "net", color: "#123456", spread: "band", points: [{ x: 0, y: 0.9, lo: 0.85, hi: 0.95, data: [["a", "b"]] }, { x: 1, y: 0.5, lo: 0.4, hi: 0.6 }] },
      { name: "chance", color: "#555", style: "dashed", points: [{ x: 0, y: 0.01 }, { x: 1, y: 0.02 }] },
      { name: "shift", color: "#999", style: "faint", legend: false, points: [{ x: 0, y: 0.8 }, { x: 1, y: 0.2 }] },
      { name: "missing", color: "#f00", style: "dots", points: [{ x: 0.5, y: null }] },
    ], [{ name: "untrained", color: "#aaa", points: [{ x: 0, lo: 0.1, hi: 0.3 }, { x: 1, lo: 0.1, hi: 0.2 }] }],
    { onPoint: (p) => clicked.push(p.data) });
    expect(svg.selectAll("path.band").size()).toBe(1);
    expect(svg.selectAll("path.ref-area").size()).toBe(1);
    expect(svg.selectAll("g.series.dashed path.line").size()).toBe(1);
    expect(svg.selectAll("g.series.faint path.line").size()).toBe(1);
    expect(svg.selectAll("circle.point").size()).toBe(2); // dashed and faint lines have no points; null y is skipped
    expect(svg.selectAll("g.legend > g").size()).toBe(4); // area + net + chance + missing (faint is left out)
    (svg.select("circle.point").node() as SVGCircleElement).dispatchEvent(new MouseEvent("click"));
    expect(clicked).toEqual([[["a", "b"]]]);
    // the y axis includes every band and reference value
    const ticks = svg.selectAll<SVGGElement, number>("g.axis").filter((_, i) => i === 1).selectAll<SVGGElement, number>(".tick").data();
    expect(Math.min(...ticks)).toBeLessThanOrEqual(0);
    expect(Math.max(...ticks)).toBeGreaterThanOrEqual(0.95);
  });

  it("legends: categories and ramps", () => {
    const svg = svgRoot();
    drawLegend(svg, { kind: "category", title: "digit", items: [{ label: "0", color: "#4e79a7" }, { label: "1", color: "#f28e2b" }] });
    expect(svg.selectAll("g.item").size()).toBe(2);
    drawLegend(svg, { kind: "ramp", title: "lens", domain: [0, 1], color: d3.interpolateViridis });
    expect(svg.selectAll("stop").size()).toBe(11);
  });
});
