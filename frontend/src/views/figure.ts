// A figure card of the Audit view: a title, a note, its own controls, and SVG / CSV export of exactly what it shows.
import { h } from "../dom";
import { download, exportSvg, toCsv, type Placed } from "../render/export";

export interface Figure {
  id: string;
  title: string;
  /** The card (header with controls and export buttons, then the body). */
  el: HTMLElement;
  /** The SVGs it shows, with their panel titles. */
  svgs: () => { svg: SVGSVGElement; title?: string }[];
  /** The numbers behind it, one row per drawn value. */
  csv: () => Record<string, unknown>[];
}

/** Place panel SVGs in rows no wider than `maxWidth` (for one exported document). */
export function placePanels(parts: { svg: SVGSVGElement; title?: string }[], maxWidth = 1100, y0 = 0): Placed[] {
  let x = 0, y = y0, rowH = 0;
  return parts.map((p) => {
    const w = +(p.svg.getAttribute("width") ?? 0) || 300;
    const hgt = (+(p.svg.getAttribute("height") ?? 0) || 200) + (p.title ? 18 : 0);
    if (x > 0 && x + w > maxWidth) { x = 0; y += rowH + 16; rowH = 0; }
    const placed = { svg: p.svg, x, y, title: p.title };
    x += w + 16;
    rowH = Math.max(rowH, hgt);
    return placed;
  });
}

/** The height of a placed layout (to stack several figures in one export). */
export function placedHeight(parts: Placed[]): number {
  return Math.max(0, ...parts.map((p) => p.y + (+(p.svg.getAttribute("height") ?? 0) || 200) + (p.title ? 18 : 0)));
}

/** Several figures' panels stacked in one document, each titled "figure · panel". */
export function placeFigures(figures: Figure[], maxWidth = 1100): Placed[] {
  let y = 0;
  return figures.flatMap((f) => {
    const placed = placePanels(f.svgs().map((p) => ({ ...p, title: `${f.title} · ${p.title ?? ""}` })), maxWidth, y);
    if (placed.length) y = placedHeight(placed) + 24;
    return placed;
  });
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");

/** A figure card: header (title, controls, SVG and CSV buttons), a note, then `body`. */
export function figureCard(
  id: string, title: string, note: string, controls: (HTMLElement | null)[], body: HTMLElement,
  parts: Omit<Figure, "id" | "title" | "el">, fileStem: () => string,
): Figure {
  const fig: Figure = { id, title, el: h("div"), ...parts };
  const svgButton = h("button", { class: "small", "data-export": "svg", title: "download this figure as SVG", onclick: () => {
    const svgs = fig.svgs();
    if (svgs.length) download(`${fileStem()}-${slug(title)}.svg`, exportSvg(placePanels(svgs)), "image/svg+xml");
  } }, "SVG");
  const csvButton = h("button", { class: "small", "data-export": "csv", title: "download the numbers behind this figure as CSV", onclick: () => {
    download(`${fileStem()}-${slug(title)}.csv`, toCsv(fig.csv()), "text/csv");
  } }, "CSV");
  fig.el = h("div", { class: "card figure-card", "data-figure": id },
    h("div", { class: "figure-head" }, h("h2", {}, title), ...controls, h("span", { class: "grow" }), svgButton, csvButton),
    note ? h("div", { class: "figure-note" }, note) : null, body);
  return fig;
}

/** A segmented control; `onPick` gets the chosen value. */
export function segmented(id: string, values: string[], current: string, onPick: (v: string) => void,
  label: (v: string) => string = (v) => v): HTMLElement {
  return h("div", { class: "seg", id }, ...values.map((v) => h("button", {
    class: v === current ? "on" : "", "data-value": v, onclick: () => onPick(v),
  }, label(v))));
}
