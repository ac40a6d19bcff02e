// Line charts for alignment vs depth / epoch / condition, with an optional chance band per series.
import * as d3 from "d3";
import type { AuditSeries, SeriesPoint } from "../api/pending";
import { CATEGORY } from "./colors";

export interface LineOptions {
  width?: number;
  height?: number;
  xLabel?: string;
  yLabel?: string;
  onClick?: (p: SeriesPoint, s: AuditSeries) => void;
}

export function drawLines(
  svg: d3.Selection<SVGSVGElement, unknown, null, undefined>, series: AuditSeries[], opts: LineOptions = {},
): void {
  const width = opts.width ?? 420, height = opts.height ?? 220;
  const m = { top: 12, right: 110, bottom: 34, left: 44 };
  svg.selectAll("*").remove();
  svg.attr("class", "linechart").attr("width", width).attr("height", height);
  const xs = Array.from(new Set(series.flatMap((s) => s.points.map((p) => p.x))));
  const numeric = xs.every((x) => typeof x === "number");
  const x = numeric
    ? d3.scaleLinear().domain(d3.extent(xs as number[]) as [number, number]).nice().range([m.left, width - m.right])
    : d3.scalePoint<string>().domain(xs.map(String)).range([m.left, width - m.right]).padding(0.3);
  const X = (v: number | string) => (numeric ? (x as d3.ScaleLinear<number, number>)(v as number) : (x as d3.ScalePoint<string>)(String(v))!);
  const ys = series.flatMap((s) => [...s.points.map((p) => p.y), ...(s.chance ?? []).flatMap((c) => [c.lo, c.hi])]);
  const y = d3.scaleLinear().domain([Math.min(0, d3.min(ys) ?? 0), Math.max(1e-9, d3.max(ys) ?? 1)]).nice()
    .range([height - m.bottom, m.top]);
  svg.append("g").attr("class", "axis").attr("transform", `translate(0,${height - m.bottom})`)
    .call(numeric ? d3.axisBottom(x as d3.ScaleLinear<number, number>).ticks(6) : d3.axisBottom(x as d3.ScalePoint<string>));
  svg.append("g").attr("class", "axis").attr("transform", `translate(${m.left},0)`).call(d3.axisLeft(y).ticks(5));
  if (opts.xLabel) svg.append("text").attr("class", "axis-title").attr("x", (m.left + width - m.right) / 2).attr("y", height - 4).attr("text-anchor", "middle").text(opts.xLabel);
  if (opts.yLabel) svg.append("text").attr("class", "axis-title").attr("transform", `translate(11,${(m.top + height - m.bottom) / 2}) rotate(-90)`).attr("text-anchor", "middle").text(opts.yLabel);
  series.forEach((s, i) => {
    const color = CATEGORY[i % CATEGORY.length];
    const g = svg.append("g").attr("class", "series").attr("data-series", s.name);
    if (s.chance?.length) {
      const area = d3.area<{ x: number | string; lo: number; hi: number }>().x((c) => X(c.x)).y0((c) => y(c.lo)).y1((c) => y(c.hi));
      g.append("path").attr("class", "chance-band").attr("d", area(s.chance)).attr("fill", color);
    }
    const pts = s.points.filter((p) => Number.isFinite(p.y));
    const line = d3.line<SeriesPoint>().x((p) => X(p.x)).y((p) => y(p.y));
    g.append("path").attr("class", "line").attr("d", line(pts)).attr("stroke", color);
    g.selectAll("circle").data(pts).join("circle").attr("class", "point").attr("r", 3.2)
      .attr("cx", (p) => X(p.x)).attr("cy", (p) => y(p.y)).attr("fill", color)
      .on("click", (_: MouseEvent, p) => opts.onClick?.(p, s))
      .append("title").text((p) => `${s.name} @ ${p.x}: ${d3.format(".3f")(p.y)}`);
    const last = pts[pts.length - 1];
    svg.append("text").attr("class", "series-label").attr("x", width - m.right + 6).attr("y", 16 + i * 14)
      .attr("fill", color).text(s.name.length > 16 ? s.name.slice(0, 15) + "…" : s.name);
    void last;
  });
}
