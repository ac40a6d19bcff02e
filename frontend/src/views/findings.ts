// The findings panel: the convergent-learning paper's claims tested on this audit (topoalign.align.findings), each
// with its verdict, the numbers' sentence and the evidence; exported as Markdown or JSON by the server.
import type { AuditFinding } from "../api";
import { h } from "../dom";

const VERDICT: Record<string, [string, string]> = {
  true: ["holds", "holds"], false: ["does not hold", "fails"], null: ["cannot be checked", "unknown"],
};

export function findingsPanel(findings: AuditFinding[], download: (format: "md" | "json") => void): HTMLElement {
  const items = findings.map((f) => {
    const [word, cls] = VERDICT[String(f.holds ?? null)];
    return h("li", { "data-finding": f.id, "data-holds": String(f.holds ?? null) },
      h("span", { class: `verdict ${cls}` }, word),
      h("span", { class: "claim" }, f.claim),
      h("span", { class: "evidence" }, f.text),
      Object.keys(f.evidence ?? {}).length
        ? h("details", {}, h("summary", {}, `evidence (${f.id})`), h("pre", {}, JSON.stringify(f.evidence, null, 1)))
        : null);
  });
  const counts = [true, false, null].map((v) => findings.filter((f) => (f.holds ?? null) === v).length);
  return h("div", { class: "card", id: "findings" },
    h("div", { class: "figure-head" }, h("h2", {}, "Findings"),
      h("span", { class: "muted" }, `the paper's claims on this collection: ${counts[0]} hold, ${counts[1]} do not, ${counts[2]} cannot be checked`),
      h("span", { class: "grow" }),
      h("button", { class: "small", id: "findings-md", onclick: () => download("md") }, "Markdown"),
      h("button", { class: "small", id: "findings-json", onclick: () => download("json") }, "JSON")),
    h("ul", { class: "findings" }, ...items));
}
