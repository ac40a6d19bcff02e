// The Regions view's marks and inspector as plain data -> DOM: the ranked region list (strength bar, shared stimuli,
// p-value, dominant label), the membrane control, the regions' bubble specs and their export rows. The view finds
// the regions and drives the panels.
import * as d3 from "d3";
import type { Region } from "../api";
import { errorBox, fmt, h } from "../dom";
import type { MembraneMode } from "../state";
import type { BubbleSpec } from "./bubbles";
import { regionColor } from "./colors";
import { segmentButtons } from "./controls";

/** Regions drawn in their own colour when none is picked (the others show grey in the list). */
export const SHOWN_REGIONS = 6;
export const MEMBRANE_MODES: MembraneMode[] = ["off", "density", "hull"];

export type RegionListContent =
  | { kind: "finding"; progress?: number } // a job's progress in [0, 1], when there is a job
  | { kind: "error"; error: unknown }
  | { kind: "list"; regions: Region[]; selected: number | null; labelColumn: string | null };

/** Fill `el` (the `#region-list`) with the ranked regions, the selected one `.on`; a click picks a region or, on
 *  the selected one, drops the pick. */
export function renderRegionList(el: HTMLElement, content: RegionListContent, pick: (region: number | null) => void): void {
  if (content.kind === "finding") {
    const done = content.progress === undefined ? "" : ` ${Math.round(content.progress * 100)}%`;
    el.replaceChildren(h("div", { class: "muted" }, `Finding regions…${done}`));
    return;
  }
  if (content.kind === "error") { el.replaceChildren(errorBox(content.error)); return; }
  const { regions, selected } = content;
  if (!regions.length) { el.replaceChildren(h("div", { class: "muted" }, "No matching regions at these settings.")); return; }
  // ranked by strength (shared structure: Jaccard x common stimuli x sqrt(nodes per graph)); the bar shows it
  const maxStrength = d3.max(regions, strength) || 1;
  el.replaceChildren(...regions.map((r, i) => {
    const nodes = Object.values(r.nodes).reduce((s, ids) => s + ids.length, 0);
    const label = dominantLabel(r, content.labelColumn);
    return h("div", { class: `item${selected === i ? " on" : ""}`, "data-region": String(i), onclick: () => pick(selected === i ? null : i) },
      h("span", { class: "sw", style: { background: i < SHOWN_REGIONS ? regionColor(i) : "#ccc" } }),
      h("div", {}, h("div", {}, h("b", {}, `#${i + 1}`), label ? ` ${label}` : ""),
        h("div", { class: "sub" }, `${nodes} nodes · ${fmt(r.n_common)} of ${fmt(r.n_stimuli)} stimuli shared${r.p_value != null ? ` · p ${pText(r.p_value)}` : ""}`),
        h("div", { class: "scorebar", title: "strength: Jaccard x shared stimuli x sqrt(nodes per graph)" },
          h("div", { style: { width: `${(100 * strength(r)) / maxStrength}%`, background: regionColor(i) } }))),
      h("span", { class: "score", title: "Jaccard of the member unions" }, fmt(r.score, 2)));
  }));
}

/** Fill `el` (the `#membrane` segmented control, which stays in the top bar) with the membrane modes. */
export function renderMembraneControl(el: HTMLElement, mode: MembraneMode, pick: (mode: MembraneMode) => void): void {
  el.replaceChildren(...segmentButtons(MEMBRANE_MODES.map((m) => [m, m]), mode, pick));
}

/** Per graph id: the Bubble Sets to draw, the picked region alone or else the first `SHOWN_REGIONS`, each in its
 *  region's colour. */
export function regionBubbles(regions: Region[], selected: number | null): (graphId: string) => BubbleSpec[] {
  const shown = regions.map((r, i) => ({ r, i })).filter(({ i }) => (selected === null ? i < SHOWN_REGIONS : i === selected));
  return (gid) => shown.map(({ r, i }) => ({ key: String(i), color: regionColor(i), nodeIds: r.nodes[gid] ?? [] }));
}

/** The regions as export rows, strongest first, with their nodes in each graph. */
export function regionRows(regions: Region[]): Record<string, unknown>[] {
  return regions.map((r, i) => ({
    rank: i + 1, strength: r.strength ?? "", score: r.score, n_common: r.n_common, label: dominantLabel(r) ?? "",
    p_value: r.p_value ?? "", n_stimuli: r.n_stimuli,
    ...Object.fromEntries(Object.entries(r.nodes).map(([g, n]) => [`nodes_${g}`, n.join(" ")])),
  }));
}

/** The ranking key: the region's strength, or its Jaccard for a result stored before strengths. */
const strength = (r: Region) => (typeof r.strength === "number" ? r.strength : r.score);

/** "column=value (share%)" of a region's dominant label in `column` (else its first column), or null (a numeric
 *  column has a mean, not a dominant value). */
export function dominantLabel(r: Region, column?: string | null): string | null {
  const d = r.dominant_labels;
  const [col, v] = (column && d[column] ? [column, d[column]] : Object.entries(d)[0]) ?? [];
  if (!col || !v || v.dominant == null) return null;
  return `${col}=${String(v.dominant)}${typeof v.share === "number" ? ` (${Math.round(v.share * 100)}%)` : ""}`;
}

/** A permutation p-value as text: at its floor (no null draw as good) it is a bound, "< 0.01". */
export function pText(p: number): string {
  return p < 0.0100001 ? "< 0.01" : `= ${fmt(p, 2)}`;
}
