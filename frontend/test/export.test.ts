import { describe, expect, it } from "vitest";
import { exportSvg, toCsv } from "../src/render/export";
import { drawGraph, layer } from "../src/render/graph";
import { fitScales, placeGraph, radiusScale } from "../src/render/layout";
import { chainGraph, svgRoot } from "./helpers";

describe("SVG export", () => {
  it("is standalone XML with xmlns, inlined styles, generic fonts and the nodes", () => {
    const style = document.createElement("style");
    style.textContent = ".node circle { stroke: rgb(255, 0, 0); } text { font-family: Inter; }";
    document.head.appendChild(style);
    const g = chainGraph(5);
    const pos = new Map(g.nodes.map((n, i) => [n.id, [i, i] as [number, number]]));
    const svg = svgRoot(300, 200);
    drawGraph(layer(svg, "graph-0"), placeGraph("g", g, pos, fitScales([...pos.values()], 300, 200), radiusScale(3)), { fill: () => "#4e79a7" });
    svg.append("text").text("title");
    const text = exportSvg([{ svg: svg.node()!, x: 0, y: 0, title: "panel A" }, { svg: svg.node()!, x: 310, y: 0 }]);
    const doc = new DOMParser().parseFromString(text, "image/svg+xml");
    expect(doc.querySelector("parsererror")).toBeNull();
    const root = doc.documentElement;
    expect(root.getAttribute("xmlns")).toBe("http://www.w3.org/2000/svg");
    expect(root.getAttribute("width")).toBe("610");
    expect(doc.querySelectorAll("circle").length).toBe(10);
    expect(text).toContain("stroke:rgb(255, 0, 0)");
    expect(text).toContain("sans-serif");
    expect(text).not.toContain("class=");
    expect(text).toContain("panel A");
  });
});

describe("CSV export", () => {
  it("writes CSV with quoting", () => {
    expect(toCsv([{ a: 1, b: 'x,"y"' }, { a: 2 }])).toBe('a,b\n1,"x,""y"""\n2,\n');
  });

  it("quotes formula-like text (CSV injection) but never numbers", () => {
    const csv = toCsv([{ model: "=HYPERLINK(1)", layer: "@SUM(A1)", c: "+x", d: "-2+3", score: -0.5, s: "-0.5;0.25", e: "\t=1" }]);
    expect(csv.split("\n")[1]).toBe("'=HYPERLINK(1),'@SUM(A1),'+x,'-2+3,-0.5,-0.5;0.25,'\t=1");
    expect(toCsv([{ "=evil": 1 }])).toBe("'=evil\n1\n");
  });
});
