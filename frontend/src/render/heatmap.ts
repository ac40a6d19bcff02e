// A layer x layer heatmap: one cell per pair, value as colour and text, click to open the pair.
import * as d3 from "d3";
import type { AuditCell, AuditMatrix } from "../api/pending";

export interface HeatmapOptions {
  cell?: number;
  color?: (v: number) => string;
  onClick?: (cell: AuditCell, i: number, j: number) => void;
  selected?: [number, number] | null;
}

interface CellDatum extends AuditCell { i: number; j: number }

export function drawHeatmap(
  svg: d3.Selection<SVGSVGElement, unknown, null, undefined>, m: AuditMatrix, opts: HeatmapOptions = {},
): void {
  const n = m.rows.length;
  const cell = opts.cell ?? Math.max(22, Math.min(46, Math.floor(420 / Math.max(1, m.cols.length))));
  const labelW = Math.min(130, 12 + 6.5 * d3.max(m.rows, (r) => r.length)!);
  const labelH = Math.min(110, 12 + 5 * d3.max(m.cols, (c) => c.length)!);
  const values = m.cells.flat().map((c) => c.value).filter((v): v is number => v !== null && Number.isFinite(v));
  const [lo, hi] = values.length ? (d3.extent(values) as [number, number]) : [0, 1];
  const color = opts.color ?? d3.scaleSequential(d3.interpolateViridis).domain([Math.min(lo, 0), Math.max(hi, 1e-9)]);
  svg.attr("class", "heatmap").attr("width", labelW + cell * m.cols.length + 8).attr("height", labelH + cell * n + 8)
    .attr("data-metric", m.metric);
  const root = svg.selectAll<SVGGElement, null>("g.root").data([null]).join("g").attr("class", "root")
    .attr("transform", `translate(${labelW},${labelH})`);
  const data: CellDatum[] = m.cells.flatMap((row, i) => row.map((c, j) => ({ ...c, i, j })));
  const cells = root.selectAll<SVGGElement, CellDatum>("g.cell").data(data, (d) => `${d.i},${d.j}`)
    .join((e) => {
      const g = e.append("g").attr("class", "cell");
      g.append("rect");
      g.append("text");
      return g;
    })
    .attr("transform", (d) => `translate(${d.j * cell},${d.i * cell})`)
    .attr("data-a", (d) => d.a).attr("data-b", (d) => d.b)
    .classed("selected", (d) => !!opts.selected && opts.selected[0] === d.i && opts.selected[1] === d.j)
    .on("click", (_: MouseEvent, d) => opts.onClick?.(d, d.i, d.j));
  cells.select("rect").attr("width", cell - 1).attr("height", cell - 1)
    .attr("fill", (d) => (d.value === null ? "#eee" : color(d.value)));
  cells.select("text").attr("x", (cell - 1) / 2).attr("y", (cell - 1) / 2 + 3.5).attr("text-anchor", "middle")
    .attr("fill", (d) => (d.value !== null && d3.hsl(color(d.value)).l < 0.55 ? "#fff" : "#222"))
    .text((d) => (d.value === null ? "" : cell >= 30 ? d3.format(".2f")(d.value) : ""));
  cells.selectAll("title").data((d) => [d]).join("title")
    .text((d) => `${m.rows[d.i]} × ${m.cols[d.j]}: ${d.value === null ? "n/a" : d3.format(".3f")(d.value)}`);
  root.selectAll<SVGTextElement, string>("text.row").data(m.rows).join("text").attr("class", "row axis-label")
    .attr("x", -6).attr("y", (_, i) => i * cell + cell / 2 + 3).attr("text-anchor", "end").text((d) => d);
  root.selectAll<SVGTextElement, string>("text.col").data(m.cols).join("text").attr("class", "col axis-label")
    .attr("transform", (_, j) => `translate(${j * cell + cell / 2 + 3},-6) rotate(-50)`).text((d) => d);
}
