// A layer x layer heatmap: one cell per pair, value as colour and text, click to open the pair; optionally the row and
// column maxima as grey profiles (right and top), as in the convergent-learning paper's Fig. 2.
import * as d3 from "d3";

/** One cell: its value (null where the pair has none, with why) and the two representations it compares. */
export interface HeatCell { value: number | null; a: string; b: string; error?: string | null }
/** A matrix to draw: row and column labels and the cells row by row. */
export interface HeatMatrix { metric: string; rows: string[]; cols: string[]; cells: HeatCell[][] }

export interface HeatmapOptions {
  cell?: number;
  color?: (v: number) => string;
  onClick?: (cell: HeatCell, i: number, j: number) => void;
  selected?: [number, number] | null;
  /** Shared colour domain (small multiples compare by colour). */
  domain?: [number, number];
  /** Row maxima (drawn right of the grid) and column maxima (drawn above it). */
  profiles?: { rowMax: (number | null)[]; colMax: (number | null)[] };
  /** Longest label drawn, in characters. */
  maxLabel?: number;
}

const PROFILE = 30;

interface CellDatum extends HeatCell { i: number; j: number }

export function drawHeatmap(
  svg: d3.Selection<SVGSVGElement, unknown, null, undefined>, m: HeatMatrix, opts: HeatmapOptions = {},
): void {
  const n = m.rows.length;
  const cell = opts.cell ?? Math.max(22, Math.min(46, Math.floor(420 / Math.max(1, m.cols.length))));
  const maxLabel = opts.maxLabel ?? 20;
  const short = (s: string) => (s.length > maxLabel ? s.slice(0, maxLabel - 1) + "…" : s);
  const labelW = Math.min(130, 12 + 6.5 * d3.max(m.rows, (r) => short(r).length)!);
  const labelH = Math.min(110, 12 + 5 * d3.max(m.cols, (c) => short(c).length)!);
  const values = m.cells.flat().map((c) => c.value).filter((v): v is number => v !== null && Number.isFinite(v));
  const [lo, hi] = opts.domain ?? (values.length ? (d3.extent(values) as [number, number]) : [0, 1]);
  const color = opts.color ?? d3.scaleSequential(d3.interpolateViridis).domain([Math.min(lo, 0), Math.max(hi, 1e-9)]);
  const top = labelH + (opts.profiles ? PROFILE : 0);
  svg.attr("class", "heatmap").attr("width", labelW + cell * m.cols.length + 8 + (opts.profiles ? PROFILE + 4 : 0))
    .attr("height", top + cell * n + 8).attr("data-metric", m.metric);
  const root = svg.selectAll<SVGGElement, null>("g.root").data([null]).join("g").attr("class", "root")
    .attr("transform", `translate(${labelW},${top})`);
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
    .text((d) => `${m.rows[d.i]} × ${m.cols[d.j]}: ${d.value === null ? `n/a${d.error ? ` (${d.error})` : ""}` : d3.format(".3f")(d.value)}`);
  root.selectAll<SVGTextElement, string>("text.row").data(m.rows).join("text").attr("class", "row axis-label")
    .attr("x", -6).attr("y", (_, i) => i * cell + cell / 2 + 3).attr("text-anchor", "end").text(short);
  root.selectAll<SVGTextElement, string>("text.col").data(m.cols).join("text").attr("class", "col axis-label")
    .attr("transform", (_, j) => `translate(${j * cell + cell / 2 + 3},-6) rotate(-50)`).text(short);
  if (opts.profiles) drawProfiles(root, opts.profiles, cell, m.cols.length, labelH, [Math.min(lo, 0), Math.max(hi, 1e-9)]);
}

/** Grey line plots of the row maxima (right of the grid, value to the right) and column maxima (above the labels). */
function drawProfiles(
  root: d3.Selection<SVGGElement, null, SVGSVGElement, unknown>, p: { rowMax: (number | null)[]; colMax: (number | null)[] },
  cell: number, nCols: number, labelH: number, domain: [number, number],
): void {
  const t = (v: number) => (v - domain[0]) / (domain[1] - domain[0] || 1);
  const defined = <T extends { v: number | null }>(d: T) => d.v !== null && Number.isFinite(d.v);
  const g = root.selectAll<SVGGElement, null>("g.profiles").data([null]).join("g").attr("class", "profiles");
  g.selectAll("*").remove();
  const cols = p.colMax.map((v, j) => ({ v, j }));
  const yTop = (v: number) => -labelH - 4 - t(v) * (PROFILE - 8);
  g.append("line").attr("class", "profile-axis").attr("x1", 0).attr("x2", cell * nCols).attr("y1", yTop(domain[0])).attr("y2", yTop(domain[0]));
  g.append("path").attr("class", "profile col-max")
    .attr("d", d3.line<{ v: number | null; j: number }>().defined(defined).x((d) => d.j * cell + cell / 2).y((d) => yTop(d.v!))(cols));
  const rows = p.rowMax.map((v, i) => ({ v, i }));
  const x0 = cell * nCols + 4;
  const xRight = (v: number) => x0 + t(v) * (PROFILE - 4);
  g.append("line").attr("class", "profile-axis").attr("x1", x0).attr("x2", x0).attr("y1", 0).attr("y2", cell * rows.length);
  g.append("path").attr("class", "profile row-max")
    .attr("d", d3.line<{ v: number | null; i: number }>().defined(defined).x((d) => xRight(d.v!)).y((d) => d.i * cell + cell / 2)(rows));
}
