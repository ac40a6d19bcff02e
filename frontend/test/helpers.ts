// Test helpers: a small Mapper graph, an SVG root in jsdom, and snapshot-friendly serialisation.
import * as d3 from "d3";
import type { MapperGraphJSON } from "../src/api";

export function chainGraph(n = 6, extraEdges: [number, number][] = []): MapperGraphJSON {
  const nodes = Array.from({ length: n }, (_, i) => ({
    id: `n${i}`, members: [2 * i, 2 * i + 1, 2 * i + 2], size: 3, cover_element: [i], lens_mean: [i / n],
    labels: { digit: { counts: { [String(i % 3)]: 2, [String((i + 1) % 3)]: 1 }, dominant: String(i % 3), purity: 2 / 3 } },
    stability: i / n,
  }));
  const edges = [...Array.from({ length: n - 1 }, (_, i) => [i, i + 1] as [number, number]), ...extraEdges].map(([a, b]) => ({
    source: `n${a}`, target: `n${b}`, shared: 1, jaccard: 0.2, stability: null,
  }));
  return {
    format: "topoalign.mapper_graph/1", representation_id: "r1", params: {}, n_stimuli: 2 * n + 1,
    stimulus_ids: Array.from({ length: 2 * n + 1 }, (_, i) => `s${i}`), nodes, edges,
  };
}

export function svgRoot(width = 400, height = 300) {
  document.body.innerHTML = "";
  const svg = d3.select(document.body).append("svg").attr("width", width).attr("height", height);
  return svg as unknown as d3.Selection<SVGSVGElement, unknown, null, undefined>;
}

/** Serialise with numbers rounded to one decimal, so snapshots survive float noise. */
export function snapshot(el: Element): string {
  return el.outerHTML.replace(/-?\d+\.\d+/g, (m) => String(Math.round(+m * 10) / 10)).replace(/></g, ">\n<");
}

/** An empty div in a cleared document body, for a render function to fill. */
export function box(): HTMLElement {
  document.body.innerHTML = "";
  const el = document.createElement("div");
  document.body.append(el);
  return el;
}
