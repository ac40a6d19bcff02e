// Freehand lasso on an SVG: collects a polygon in the coordinates of `frame` and reports it on release.
import * as d3 from "d3";

export function lasso(
  svg: d3.Selection<SVGSVGElement, unknown, null, undefined>, frame: () => SVGGElement,
  onDone: (polygon: [number, number][]) => void,
): () => void {
  const path = svg.append("path").attr("class", "lasso").attr("d", "");
  let pts: [number, number][] = [];
  let screen: [number, number][] = [];
  const line = d3.line().curve(d3.curveLinearClosed);
  const drag = d3.drag<SVGSVGElement, unknown>()
    .filter((ev: MouseEvent) => ev.shiftKey || (svg.node()?.classList.contains("lasso-mode") ?? false))
    .on("start", (ev) => {
      pts = [d3.pointer(ev.sourceEvent, frame()) as [number, number]];
      screen = [d3.pointer(ev.sourceEvent, svg.node()) as [number, number]];
    })
    .on("drag", (ev) => {
      pts.push(d3.pointer(ev.sourceEvent, frame()) as [number, number]);
      screen.push(d3.pointer(ev.sourceEvent, svg.node()) as [number, number]);
      path.attr("d", line(screen));
    })
    .on("end", () => { path.attr("d", ""); if (pts.length > 2) onDone(pts); pts = []; screen = []; });
  svg.call(drag);
  return () => { svg.on(".drag", null); path.remove(); };
}

export function inside(polygon: [number, number][], x: number, y: number): boolean {
  return d3.polygonContains(polygon, [x, y]);
}
