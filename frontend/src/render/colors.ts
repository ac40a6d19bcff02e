// One set of colour scales for the whole dashboard, so a label has the same colour in every view.
import * as d3 from "d3";

export const CATEGORY = d3.schemeTableau10;
export const MISSING = "#c8c8c8";
export const HIGHLIGHT = "#e8590c";
// Regions use Dark2, apart from the Tableau label colours, so a bubble never reads as a label.
export const REGION_COLORS = d3.schemeDark2 as string[];

/** A categorical scale with a stable order (values sorted naturally), shared between panels and legend. */
export function categoryScale(values: Iterable<string>): d3.ScaleOrdinal<string, string, string> {
  const domain = Array.from(new Set(values)).sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const range = domain.length <= 10 ? CATEGORY : [...CATEGORY, ...d3.schemeSet3, ...d3.schemePastel1];
  return d3.scaleOrdinal<string, string, string>().domain(domain).range(range).unknown(MISSING);
}

export function sequentialScale(extent: [number, number], interpolator = d3.interpolateViridis) {
  const [lo, hi] = extent[0] === extent[1] ? [extent[0] - 1e-9, extent[1] + 1e-9] : extent;
  return d3.scaleSequential(interpolator).domain([lo, hi]).unknown(MISSING);
}

/** Diverging-free colour for [0, 1] qualities (purity, stability): light is low, dark is high. */
export function unitScale() {
  return d3.scaleSequential(d3.interpolateYlGnBu).domain([0, 1]).unknown(MISSING);
}

export function regionColor(i: number): string {
  return REGION_COLORS[i % REGION_COLORS.length];
}
