// Node colouring for the graph views: dominant label, label pie, lens, purity, stability or graph, with its legend.
import * as d3 from "d3";
import type { MapperGraphJSON } from "../api";
import { categoryScale, CATEGORY, MISSING, sequentialScale, unitScale } from "../render/colors";
import type { PieSlice } from "../render/graph";
import type { PlacedNode } from "../render/layout";
import type { LegendSpec } from "../render/legend";
import type { ColorMode } from "../state";

export interface Coloring {
  fill: (n: PlacedNode) => string;
  pie: ((n: PlacedNode) => PieSlice[]) | null;
  legend: LegendSpec;
  category: d3.ScaleOrdinal<string, string, string> | null;
}

/** Label columns present in the graphs: categorical (with counts) first, then numeric (with a mean). */
export function labelColumns(graphs: MapperGraphJSON[]): { categorical: string[]; numeric: string[] } {
  const cat = new Set<string>(), numc = new Set<string>();
  for (const g of graphs) for (const n of g.nodes.slice(0, 50)) for (const [k, v] of Object.entries(n.labels ?? {})) {
    if (v?.counts) cat.add(k); else if (typeof v?.mean === "number") numc.add(k);
  }
  return { categorical: [...cat], numeric: [...numc].filter((k) => !cat.has(k)) };
}

export function coloring(graphs: MapperGraphJSON[], mode: ColorMode, column: string | null, graphIndex?: Map<PlacedNode, number>): Coloring {
  const none = (title: string): Coloring => ({ fill: () => "#7f8c9b", pie: null, legend: { kind: "none", title }, category: null });
  if (mode === "lens") {
    const vals = graphs.flatMap((g) => g.nodes.map((n) => n.lens_mean?.[0])).filter((v): v is number => Number.isFinite(v));
    if (!vals.length) return none("lens: not available");
    const ext = d3.extent(vals) as [number, number];
    const s = sequentialScale(ext);
    return { fill: (n) => s(n.node.lens_mean?.[0] ?? NaN), pie: null, category: null,
      legend: { kind: "ramp", title: "lens (first component)", domain: ext, color: (t) => d3.interpolateViridis(t) } };
  }
  if (mode === "stability" || mode === "purity") {
    const s = unitScale();
    const get = mode === "stability" ? (n: PlacedNode) => n.node.stability
      : (n: PlacedNode) => (column ? n.node.labels?.[column]?.purity : null);
    const any = graphs.some((g) => g.nodes.some((n) => (mode === "stability" ? n.stability : column ? n.labels?.[column]?.purity : null) != null));
    if (!any) return none(`${mode}: not available`);
    return { fill: (n) => s(get(n) ?? NaN), pie: null, category: null,
      legend: { kind: "ramp", title: mode === "purity" ? `purity of ${column}` : "node stability", domain: [0, 1], color: (t) => d3.interpolateYlGnBu(t) } };
  }
  if (mode === "graph" && graphIndex) {
    return { fill: (n) => CATEGORY[(graphIndex.get(n) ?? 0) % 10], pie: null, category: null, legend: { kind: "none", title: "graph" } };
  }
  if (!column) return none("no labels");
  const isNumeric = !graphs.some((g) => g.nodes.some((n) => n.labels?.[column]?.counts))
    && graphs.some((g) => g.nodes.some((n) => typeof n.labels?.[column]?.mean === "number"));
  if (isNumeric) {
    const vals = graphs.flatMap((g) => g.nodes.map((n) => n.labels?.[column]?.mean)).filter((v): v is number => Number.isFinite(v));
    const ext = (vals.length ? d3.extent(vals) : [0, 1]) as [number, number];
    const s = sequentialScale(ext, d3.interpolatePlasma);
    return { fill: (n) => s(n.node.labels?.[column]?.mean ?? NaN), pie: null, category: null,
      legend: { kind: "ramp", title: `mean ${column}`, domain: ext, color: (t) => d3.interpolatePlasma(t) } };
  }
  const values = new Set<string>();
  for (const g of graphs) for (const n of g.nodes) for (const k of Object.keys(n.labels?.[column]?.counts ?? {})) values.add(k);
  const scale = categoryScale(values);
  const legend: LegendSpec = { kind: "category", title: column, items: scale.domain().map((v) => ({ label: v, color: scale(v) })) };
  const fill = (n: PlacedNode) => {
    const d = n.node.labels?.[column]?.dominant;
    return d == null ? MISSING : scale(String(d));
  };
  if (mode === "pie") {
    return { fill, category: scale, legend, pie: (n) => Object.entries(n.node.labels?.[column]?.counts ?? {})
      .sort((a, b) => b[1] - a[1]).map(([k, v]) => ({ key: k, value: v, color: scale(k) })) };
  }
  return { fill, pie: null, legend, category: scale };
}
