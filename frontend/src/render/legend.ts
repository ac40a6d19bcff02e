// Legends: categorical swatches or a continuous ramp with ticks, as SVG.
import * as d3 from "d3";

export type LegendSpec =
  | { kind: "category"; title: string; items: { label: string; color: string }[] }
  | { kind: "ramp"; title: string; domain: [number, number]; color: (t: number) => string }
  | { kind: "none"; title: string };

export function drawLegend(svg: d3.Selection<SVGSVGElement, unknown, null, undefined>, spec: LegendSpec, width = 200): void {
  svg.selectAll("*").remove();
  svg.attr("class", "legend").attr("width", width);
  svg.append("text").attr("class", "legend-title").attr("x", 0).attr("y", 11).text(spec.title);
  if (spec.kind === "category") {
    const shown = spec.items.slice(0, 24);
    const cols = shown.length > 12 ? 2 : 1;
    const colW = width / cols;
    const rows = Math.ceil(shown.length / cols);
    const g = svg.append("g").attr("transform", "translate(0,18)");
    const item = g.selectAll("g.item").data(shown).join("g").attr("class", "item")
      .attr("transform", (_, i) => `translate(${Math.floor(i / rows) * colW},${(i % rows) * 15})`);
    item.append("rect").attr("width", 10).attr("height", 10).attr("rx", 2).attr("fill", (d) => d.color);
    item.append("text").attr("x", 14).attr("y", 9).text((d) => d.label);
    let h = 18 + rows * 15;
    if (spec.items.length > shown.length) {
      svg.append("text").attr("class", "legend-more").attr("x", 0).attr("y", h + 8).text(`+${spec.items.length - shown.length} more`);
      h += 14;
    }
    svg.attr("height", h);
  } else if (spec.kind === "ramp") {
    const id = `ramp-${Math.random().toString(36).slice(2, 8)}`;
    const grad = svg.append("defs").append("linearGradient").attr("id", id);
    d3.range(0, 1.0001, 0.1).forEach((t) => grad.append("stop").attr("offset", `${t * 100}%`).attr("stop-color", spec.color(t)));
    const w = width - 16;
    svg.append("rect").attr("x", 0).attr("y", 18).attr("width", w).attr("height", 10).attr("rx", 2).attr("fill", `url(#${id})`);
    const x = d3.scaleLinear().domain(spec.domain).range([0, w]);
    svg.append("g").attr("class", "axis").attr("transform", "translate(0,30)")
      .call(d3.axisBottom(x).ticks(4).tickSize(3).tickFormat(d3.format(".2~g")));
    svg.attr("height", 50);
  } else {
    svg.attr("height", 14);
  }
}
