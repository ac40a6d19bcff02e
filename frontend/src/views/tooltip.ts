// Node tooltips and detail panes: size, top labels, lens, stability, sample stimuli (sentences or digit thumbnails).
import type { MapperGraphJSON } from "../api";
import type { StimulusTable } from "../app";
import { fmt, h } from "../dom";
import { MISSING } from "../render/colors";
import type { PlacedNode } from "../render/layout";
import type { Coloring } from "./colors";

const IMAGE_COLUMNS = ["pixels", "image", "thumbnail"];

/** A thumbnail from a data URL or a whitespace/comma separated square of grey levels (e.g. 8x8 digits). */
export function thumbnail(value: unknown): HTMLElement | null {
  if (typeof value !== "string") return null;
  if (value.startsWith("data:image/")) return h("img", { src: value, alt: "" });
  const nums = value.trim().split(/[\s,]+/).map(Number);
  const side = Math.round(Math.sqrt(nums.length));
  if (side < 4 || side * side !== nums.length || nums.some((v) => !Number.isFinite(v))) return null;
  const max = Math.max(...nums) || 1;
  return paintGrey(greyCanvas(side), nums.map((v) => (255 * v) / max));
}

/** Per stimulus id: a promise of its grey levels (0-255, row by row), null when it has no thumbnail. */
export type ThumbSource = (ids: string[]) => Map<string, Promise<number[] | null>>;

function greyCanvas(side: number): HTMLCanvasElement {
  const c = document.createElement("canvas");
  c.width = side;
  c.height = side;
  return c;
}

function paintGrey(c: HTMLCanvasElement, levels: number[]): HTMLCanvasElement {
  const ctx = c.getContext?.("2d");
  if (!ctx) return c;
  const img = ctx.createImageData(c.width, c.height);
  levels.forEach((v, i) => { const g = Math.round(v); img.data.set([g, g, g, 255], i * 4); });
  ctx.putImageData(img, 0, 0);
  return c;
}

/** 8x8 canvases for stimuli whose thumbnails the server holds: shown at once, painted when the grey levels
 * arrive, removed when there are none. */
export function serverThumbs(ids: string[], source: ThumbSource): HTMLCanvasElement[] {
  const levels = source(ids);
  return ids.map((id) => {
    const c = greyCanvas(8);
    c.dataset.stimulus = id;
    c.classList.add("pending");
    void levels.get(id)!.then((v) => {
      if (!v) { c.remove(); return; }
      const side = Math.round(Math.sqrt(v.length));
      c.width = side;
      c.height = side;
      paintGrey(c, v);
      c.classList.remove("pending");
    });
    return c;
  });
}

export function sampleStimuli(n: PlacedNode, g: MapperGraphJSON, stimuli: StimulusTable | null, k = 3) {
  const step = Math.max(1, Math.floor(n.node.members.length / k));
  const rows = n.node.members.filter((_, i) => i % step === 0).slice(0, k);
  return rows.map((r) => {
    const id = g.stimulus_ids[r];
    const row = stimuli?.row.get(id);
    const text = row !== undefined ? stimuli?.texts?.[row] ?? null : null;
    const imgCol = stimuli && IMAGE_COLUMNS.find((c) => c in stimuli.labels);
    const image = row !== undefined && imgCol ? stimuli!.labels[imgCol][row] : text?.startsWith("data:image/") ? text : null;
    return { id, text: text && !text.startsWith("data:image/") ? text : null, image };
  });
}

export function labelBars(n: PlacedNode, c: Coloring, column: string | null, top = 4): HTMLElement | null {
  const counts = column ? n.node.labels?.[column]?.counts : null;
  if (!counts) return null;
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  const total = entries.reduce((s, e) => s + e[1], 0) || 1;
  return h("div", { class: "bars" }, ...entries.slice(0, top).map(([k, v]) =>
    h("div", { class: "b" }, h("span", {}, k.length > 12 ? k.slice(0, 11) + "…" : k),
      h("div", { style: { width: `${Math.max(2, (100 * v) / total)}%`, background: c.category?.(k) ?? MISSING } }),
      h("span", {}, `${Math.round((100 * v) / total)}%`))),
  entries.length > top ? h("div", { class: "muted" }, `+${entries.length - top} more`) : null);
}

export function nodeTooltip(
  n: PlacedNode, g: MapperGraphJSON, stimuli: StimulusTable | null, c: Coloring, source: ThumbSource | null = null,
): HTMLElement {
  const column = c.legend.kind === "category" ? c.legend.title : Object.keys(n.node.labels ?? {})[0] ?? null;
  const samples = sampleStimuli(n, g, stimuli, source ? 6 : 3);
  let thumbs: HTMLElement[] = samples.map((s) => thumbnail(s.image)).filter((t): t is HTMLElement => !!t);
  if (!thumbs.length && source) thumbs = serverThumbs(samples.map((s) => s.id), source);
  const dom = column ? n.node.labels?.[column] : null;
  return h("div", {},
    h("div", {}, h("b", {}, `${n.id}`), ` · ${n.node.size} stimuli`,
      dom?.purity != null ? ` · purity ${fmt(dom.purity, 2)}` : "", n.node.stability != null ? ` · stability ${fmt(n.node.stability, 2)}` : ""),
    n.node.lens_mean?.length ? h("div", { class: "stim" }, `lens ${n.node.lens_mean.map((v) => fmt(v, 3)).join(", ")}`) : null,
    labelBars(n, c, column),
    thumbs.length ? h("div", { class: "thumbs" }, ...thumbs) : null,
    ...samples.filter((s) => s.text).map((s) => h("div", { class: "stim" }, `“${s.text!.length > 90 ? s.text!.slice(0, 89) + "…" : s.text}”`)),
    !samples.some((s) => s.text) && !thumbs.length ? h("div", { class: "stim" }, samples.map((s) => s.id).join(", ")) : null);
}
