// The graph views' frame as DOM: the top bar (title, note, the display controls' box), the panels' box and the
// inspector column (the view's own content, then legend, selection and layout quality), and what the panels' box
// shows until the graphs are drawn.
import { empty, errorBox, h, loading, svgEl } from "../dom";

export interface ShellElements {
  panels: HTMLElement;
  /** The top bar's display controls (render/controls.ts fills it). */
  controls: HTMLElement;
  legend: SVGSVGElement;
  selection: HTMLElement;
  quality: HTMLElement;
}

/** Append the frame to `root`: `side` (a view's own inspector content: region list, motif form) heads the
 *  inspector. Returns the boxes the shell fills. */
export function renderShellFrame(root: HTMLElement, title: string, subtitle: string, side: HTMLElement | null): ShellElements {
  const el: ShellElements = {
    panels: h("div", { class: "panels" }),
    controls: h("div", { class: "controls" }),
    legend: svgEl(250, 20),
    selection: h("div", { class: "selection" }),
    quality: h("div", {}),
  };
  root.append(
    h("div", { class: "topbar" }, h("h2", {}, title), h("span", { class: "muted" }, subtitle), h("span", { class: "grow" }), el.controls),
    h("div", { class: "body" }, el.panels, h("div", { class: "inspector" }, side,
      h("h3", {}, "Legend"), el.legend, h("h3", {}, "Selection"), el.selection, el.quality)));
  return el;
}

export type PanelsNote =
  | { kind: "no graphs"; build: () => void }
  | { kind: "loading"; text: string }
  | { kind: "error"; error: unknown };

/** Fill the panels' box with a note: no graphs (with a way to Build), loading progress, or why loading failed. */
export function renderPanelsNote(el: HTMLElement, note: PanelsNote): void {
  if (note.kind === "no graphs") el.replaceChildren(empty("No graphs selected.", h("button", { class: "primary", onclick: note.build }, "Build graphs →")));
  else if (note.kind === "loading") el.replaceChildren(loading(note.text));
  else el.replaceChildren(errorBox(note.error));
}
