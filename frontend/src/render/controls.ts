// The graph views' top-bar controls as DOM from plain data and callbacks: panels/overlay, colour mode, label column,
// search, lasso, reset zoom. The caller owns the state; every control reports through its callback.
import { h } from "../dom";

export interface GraphControlsModel {
  mode: "panels" | "overlay";
  color: string;
  /** The colour modes offered (the caller leaves "graph" out unless overlaid). */
  colorModes: readonly string[];
  labelColumn: string | null;
  /** Label columns to colour by; no select when empty. */
  columns: string[];
  search: string;
}

export interface GraphControlsHandlers {
  mode: (v: "panels" | "overlay") => void;
  color: (v: string) => void;
  column: (v: string) => void;
  search: (q: string) => void;
  lasso: (on: boolean) => void;
  resetZoom: () => void;
}

const COLOR_LABELS: Record<string, string> = {
  label: "dominant label", pie: "label pie", lens: "lens", purity: "purity", stability: "stability", graph: "graph",
};

/** A segmented control `#id` with one button per option, the current one `.on`. */
export function segmented<T extends string>(id: string, options: [T, string][], value: T, on: (v: T) => void): HTMLElement {
  return h("div", { class: "seg", id }, ...segmentButtons(options, value, on));
}

/** The buttons of a segmented control (to refill one that stays in place). */
export function segmentButtons<T extends string>(options: [T, string][], value: T, on: (v: T) => void): HTMLButtonElement[] {
  return options.map(([v, label]) => h("button", { class: v === value ? "on" : "", "data-value": v, onclick: () => on(v) }, label));
}

/** Fill `el` (the top bar's `.controls`) with the display controls, then `extra`. */
export function renderGraphControls(
  el: HTMLElement, m: GraphControlsModel, on: GraphControlsHandlers, extra: HTMLElement[] = [],
): void {
  const colSelect = h("select", { id: "color-column", title: "Label column",
    onchange: (e: Event) => on.column((e.target as HTMLSelectElement).value) },
    ...m.columns.map((c) => h("option", { value: c, selected: c === m.labelColumn }, c)));
  const colorSel = h("select", { id: "color-mode", title: "Colour nodes by",
    onchange: (e: Event) => on.color((e.target as HTMLSelectElement).value) },
    ...m.colorModes.map((c) => h("option", { value: c, selected: c === m.color }, COLOR_LABELS[c] ?? c)));
  const search = h("input", { type: "search", id: "search", placeholder: "label=value or stimulus id", value: m.search, style: { width: "190px" } });
  search.addEventListener("keydown", (e) => { if ((e as KeyboardEvent).key === "Enter") on.search(search.value.trim()); });
  search.addEventListener("search", () => on.search(search.value.trim()));
  const lassoBtn = h("button", { id: "lasso", title: "Lasso-select nodes (or shift-drag)", onclick: () => {
    const active = !lassoBtn.classList.contains("on");
    lassoBtn.classList.toggle("on", active);
    on.lasso(active);
  } }, "Lasso");
  el.replaceChildren(
    segmented("mode", [["panels", "Panels"], ["overlay", "Overlay"]], m.mode, on.mode),
    // no label columns: no select (a null here would become the text "null")
    h("label", {}, "colour ", colorSel), ...(m.columns.length ? [colSelect] : []),
    search, lassoBtn, h("button", { title: "Reset zoom", onclick: () => on.resetZoom() }, "⤢"),
    ...extra);
}
