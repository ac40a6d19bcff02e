// Self-contained SVG export in the manner of svg-crowbar: xmlns set, computed styles inlined, generic fonts;
// several panel SVGs are nested into one document. PNG goes through an <img> and a canvas. Plus CSV/JSON blobs.

const STYLE_PROPS = [
  "fill", "fill-opacity", "stroke", "stroke-width", "stroke-opacity", "stroke-dasharray", "stroke-linejoin",
  "stroke-linecap", "opacity", "font-size", "font-weight", "font-style", "text-anchor", "dominant-baseline",
  "visibility", "display", "paint-order", "mix-blend-mode", "vector-effect",
];
const GENERIC_FONT = "Helvetica, Arial, sans-serif";
const SVG_NS = "http://www.w3.org/2000/svg";

/** Copy computed styles of `src` (in the document) onto the parallel `dst` clone. */
function inlineStyles(src: Element, dst: Element): void {
  const cs = getComputedStyle(src);
  const decl: string[] = [];
  for (const p of STYLE_PROPS) {
    const v = cs.getPropertyValue(p);
    if (v && v !== "normal" && v !== "auto" && !(p === "vector-effect" && v === "none")) decl.push(`${p}:${v}`);
  }
  if (src.tagName === "text" || src.tagName === "tspan" || src.tagName === "svg") decl.push(`font-family:${GENERIC_FONT}`);
  dst.setAttribute("style", decl.join(";"));
  dst.removeAttribute("class");
  const a = src.children, b = dst.children;
  for (let i = 0; i < a.length && i < b.length; i++) inlineStyles(a[i], b[i]);
}

export interface Placed { svg: SVGSVGElement; x: number; y: number; title?: string }

/** Serialise one or more SVGs (positioned) into one standalone SVG document. */
export function exportSvg(parts: Placed[], background = "#ffffff"): string {
  let width = 0, height = 0;
  const sizes = parts.map((p) => {
    const r = p.svg.getBoundingClientRect();
    const w = +(p.svg.getAttribute("width") ?? 0) || r.width || 400;
    const h = +(p.svg.getAttribute("height") ?? 0) || r.height || 300;
    width = Math.max(width, p.x + w);
    height = Math.max(height, p.y + h + (p.title ? 18 : 0));
    return { w, h };
  });
  const doc = document.implementation.createDocument(SVG_NS, "svg", null);
  const root = doc.documentElement as unknown as SVGSVGElement;
  // namespace declarations through the xmlns namespace, so serialisers never write them twice
  root.setAttributeNS("http://www.w3.org/2000/xmlns/", "xmlns", SVG_NS);
  root.setAttributeNS("http://www.w3.org/2000/xmlns/", "xmlns:xlink", "http://www.w3.org/1999/xlink");
  root.setAttribute("version", "1.1");
  root.setAttribute("width", String(Math.ceil(width)));
  root.setAttribute("height", String(Math.ceil(height)));
  root.setAttribute("viewBox", `0 0 ${Math.ceil(width)} ${Math.ceil(height)}`);
  root.setAttribute("font-family", GENERIC_FONT);
  const bg = doc.createElementNS(SVG_NS, "rect");
  bg.setAttribute("width", "100%");
  bg.setAttribute("height", "100%");
  bg.setAttribute("fill", background);
  root.appendChild(bg);
  parts.forEach((p, i) => {
    const clone = p.svg.cloneNode(true) as SVGSVGElement;
    inlineStyles(p.svg, clone);
    const dy = p.title ? 18 : 0;
    if (p.title) {
      const t = doc.createElementNS(SVG_NS, "text");
      t.setAttribute("x", String(p.x + 4));
      t.setAttribute("y", String(p.y + 13));
      t.setAttribute("style", `font:600 12px ${GENERIC_FONT};fill:#333`);
      t.textContent = p.title;
      root.appendChild(t);
    }
    clone.setAttribute("x", String(p.x));
    clone.setAttribute("y", String(p.y + dy));
    clone.setAttribute("width", String(sizes[i].w));
    clone.setAttribute("height", String(sizes[i].h));
    clone.removeAttribute("style");
    root.appendChild(doc.importNode(clone, true));
  });
  return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(doc);
}

export function svgToPng(svgText: string, scale = 2): Promise<Blob> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    const url = URL.createObjectURL(new Blob([svgText], { type: "image/svg+xml" }));
    img.onload = () => {
      const canvas = document.createElement("canvas");
      canvas.width = Math.ceil(img.width * scale);
      canvas.height = Math.ceil(img.height * scale);
      const ctx = canvas.getContext("2d")!;
      ctx.scale(scale, scale);
      ctx.drawImage(img, 0, 0);
      URL.revokeObjectURL(url);
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("PNG encoding failed"))), "image/png");
    };
    img.onerror = () => { URL.revokeObjectURL(url); reject(new Error("The SVG could not be rendered to PNG.")); };
    img.src = url;
  });
}

// Spreadsheets run a cell that starts with = + - @ (or a tab or CR) as a formula (CSV injection): such text gets a
// leading quote (OWASP), as the server's CSV writer does (topoalign.io.csv_export). Numbers, and text that is a
// number or a ';'-joined list of numbers, stay as they are.
const FORMULA_START = /^[=+\-@\t\r]/;
const NUMBER = String.raw`[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?`;
const NUMBERS = new RegExp(`^${NUMBER}(?:;${NUMBER})*$`);

/** One CSV field: empty for null, formula-like text quoted with a leading `'`, CSV-quoted when needed. */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  let s = String(v);
  if (typeof v === "string" && FORMULA_START.test(s) && !NUMBERS.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return "";
  const cols = Array.from(new Set(rows.flatMap((r) => Object.keys(r))));
  return [cols.map(csvCell).join(","), ...rows.map((r) => cols.map((c) => csvCell(r[c])).join(","))].join("\n") + "\n";
}

export function download(name: string, data: Blob | string, type = "application/octet-stream"): void {
  const blob = typeof data === "string" ? new Blob([data], { type }) : data;
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
