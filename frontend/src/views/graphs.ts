// View 3: k Mapper graphs in the joint layout, panels or overlay, linked brushing, lasso and search.
import type { App } from "../app";
import { graphShell } from "./shell";

export function mount(root: HTMLElement, app: App): () => void {
  const shell = graphShell(root, app, {
    title: "Aligned graphs",
    subtitle: "Node area: members · edge width: Jaccard · drag to pan, wheel to zoom, shift-drag to lasso",
  });
  return shell.dispose;
}
