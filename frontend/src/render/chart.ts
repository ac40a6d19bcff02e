// An x-y chart for the audit's figures: lines with a mean +- spread band or error bars, faint context lines, dashed
// reference lines (chance, rotation), shaded reference areas (the random-network band) and scatter points.
import * as d3 from "d3";

export interface XY {
  x: number;
  y: number | null;
  /** Spread around y (drawn as a band or as error bars). */
  lo?: number | null;
  hi?: number | null;
  /** 0..1: lighter to darker fill (e.g. the training progress of a checkpoint). */
  shade?: number;
  title?: string;
  /** Anything the click handler needs (the representation pairs behind the point). */
  data?: unknown;
}

export type SeriesStyle = "line" | "faint" | "dashed" | "dotted" | "dots";

export interface Series {
  name: string;
  color: string;
  points: XY[];
  style?: SeriesStyle;
  /** How lo/hi are drawn. */
  spread?: "band" | "bars";
  /** Leave out of the legend (faint per-shift lines). */
  legend?: boolean;
}

export interface Area { name: string; color: string; points: { x: number; lo: number; hi: number }[]; legend?: boolean }

export interface ChartOptions {
  width?: number;
  height?: number;
  xLabel?: string;
  yLabel?: string;
  xDomain?: [number, number];
  yDomain?: [number, number];
  legendWidth?: number;
  onPoint?: (p: XY, s: Series) => void;
}

const fmt3 = d3.format(".3f");

export function drawChart(
  svg: d3.Selection<SVGSVGElement, unknown, null, undefined>, series: Series[], areas: Area[] = [],
  opts: ChartOptions = {},
): void {
  const width = opts.width ?? 440, height = opts.height ?? 250;
  const m = { top: 12, right: opts.legendWidth ?? 130, bottom: 36, left: 46 };
  svg.selectAll("*").remove();
  svg.attr("class", "chart").attr("width", width).attr("height", height);
  const finite = (v: number | null | undefined): v is number => v !== null && v !== undefined && Number.isFinite(v);
  const xs = [...series.flatMap((s) => s.points.map((p) => p.x)), ...areas.flatMap((a) => a.points.map((p) => p.x))]
    .filter(finite);
  const ys = [
    ...series.flatMap((s) => s.points.flatMap((p) => [p.y, p.lo, p.hi])),
    ...areas.flatMap((a) => a.points.flatMap((p) => [p.lo, p.hi])),
  ].filter(finite);
  const xDom = opts.xDomain ?? (xs.length ? (d3.extent(xs) as [number, number]) : [0, 1]);
  if (xDom[0] === xDom[1]) { xDom[0] -= 0.5; xDom[1] += 0.5; }
  const x = d3.scaleLinear().domain(xDom).nice().range([m.left, width - m.right]);
  // the data's own range (padded), so small differences stay visible; a reference at 0 is in `ys` when drawn
  const [y0, y1] = ys.length ? (d3.extent(ys) as [number, number]) : [0, 1];
  const pad = Math.max((y1 - y0) * 0.08, 0.01);
  const yDom = opts.yDomain ?? [y0 - pad, y1 + pad];
  const y = d3.scaleLinear().domain(yDom).nice().range([height - m.bottom, m.top]);
  svg.append("g").attr("class", "axis").attr("transform", `translate(0,${height - m.bottom})`).call(d3.axisBottom(x).ticks(6));
  svg.append("g").attr("class", "axis").attr("transform", `translate(${m.left},0)`).call(d3.axisLeft(y).ticks(5));
  if (opts.xLabel) svg.append("text").attr("class", "axis-title").attr("x", (m.left + width - m.right) / 2)
    .attr("y", height - 4).attr("text-anchor", "middle").text(opts.xLabel);
  if (opts.yLabel) svg.append("text").attr("class", "axis-title")
    .attr("transform", `translate(11,${(m.top + height - m.bottom) / 2}) rotate(-90)`).attr("text-anchor", "middle").text(opts.yLabel);

  for (const a of areas) {
    const pts = [...a.points].sort((p, q) => p.x - q.x);
    const area = d3.area<{ x: number; lo: number; hi: number }>().x((p) => x(p.x)).y0((p) => y(p.lo)).y1((p) => y(p.hi));
    svg.append("path").attr("class", "ref-area").attr("data-area", a.name).attr("d", area(pts)).attr("fill", a.color);
  }
  const order: SeriesStyle[] = ["faint", "dashed", "dotted", "line", "dots"];
  const sorted = [...series].sort((a, b) => order.indexOf(a.style ?? "line") - order.indexOf(b.style ?? "line"));
  for (const s of sorted) {
    const style = s.style ?? "line";
    const g = svg.append("g").attr("class", `series ${style}`).attr("data-series", s.name);
    const pts = s.points.filter((p) => finite(p.y)).sort((p, q) => p.x - q.x);
    const spread = pts.filter((p) => finite(p.lo) && finite(p.hi));
    if (s.spread === "band" && spread.length > 1) {
      const band = d3.area<XY>().x((p) => x(p.x)).y0((p) => y(p.lo!)).y1((p) => y(p.hi!));
      g.append("path").attr("class", "band").attr("d", band(spread)).attr("fill", s.color);
    } else if (s.spread) {
      g.selectAll("line.bar").data(spread).join("line").attr("class", "bar")
        .attr("x1", (p) => x(p.x)).attr("x2", (p) => x(p.x)).attr("y1", (p) => y(p.lo!)).attr("y2", (p) => y(p.hi!))
        .attr("stroke", s.color);
    }
    if (style !== "dots") {
      const line = d3.line<XY>().x((p) => x(p.x)).y((p) => y(p.y!));
      g.append("path").attr("class", "line").attr("d", line(pts)).attr("stroke", s.color);
    }
    if (style === "line" || style === "dots") {
      g.selectAll("circle").data(pts).join("circle").attr("class", "point").attr("r", style === "dots" ? 4 : 3.2)
        .attr("cx", (p) => x(p.x)).attr("cy", (p) => y(p.y!)).attr("fill", s.color)
        .attr("fill-opacity", (p) => (p.shade === undefined ? 1 : 0.25 + 0.75 * p.shade))
        .on("click", (_: MouseEvent, p) => opts.onPoint?.(p, s))
        .append("title").text((p) => p.title ?? `${s.name}: ${fmt3(p.y!)}`);
    }
  }
  const legend = [...areas.filter((a) => a.legend !== false).map((a) => ({ name: a.name, color: a.color, style: "area" as const })),
    ...series.filter((s) => s.legend !== false).map((s) => ({ name: s.name, color: s.color, style: s.style ?? "line" }))];
  const maxChars = Math.max(8, Math.floor((m.right - 30) / 6));
  const lg = svg.append("g").attr("class", "legend").attr("transform", `translate(${width - m.right + 10},${m.top})`);
  legend.forEach((l, i) => {
    const row = lg.append("g").attr("transform", `translate(0,${i * 15})`);
    if (l.style === "area") row.append("rect").attr("class", "ref-area").attr("width", 14).attr("height", 9).attr("y", -7).attr("fill", l.color);
    else if (l.style === "dots") row.append("circle").attr("cx", 7).attr("cy", -3).attr("r", 4).attr("fill", l.color);
    else row.append("line").attr("class", `key ${l.style}`).attr("x1", 0).attr("x2", 14).attr("y1", -3).attr("y2", -3).attr("stroke", l.color);
    row.append("text").attr("x", 18).attr("y", 0).attr("class", "legend-label")
      .text(l.name.length > maxChars ? l.name.slice(0, maxChars - 1) + "…" : l.name).append("title").text(l.name);
  });
}
