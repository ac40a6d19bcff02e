// The dashboard shell: sidebar navigation, job tray, export buttons; views are loaded on demand (code split).
import "./styles.css";
import { api, followJob, type Job, type JobAccepted } from "./api";
import { App } from "./app";
import { errorBox, h } from "./dom";
import { download, exportSvg, svgToPng, toCsv } from "./render/export";
import { parseState, Store, type ViewName } from "./state";
import { setupAuth, takeTokenFromHash } from "./views/signin";

type Mount = (root: HTMLElement, app: App) => () => void;

const VIEW_META: Record<ViewName, { title: string; hint: string; load: () => Promise<{ mount: Mount }> }> = {
  home: { title: "Start", hint: "The prepared case: two models' aligned graphs", load: () => import("./views/home") },
  data: { title: "Data", hint: "Collections, representations, upload", load: () => import("./views/data") },
  build: { title: "Build", hint: "Mapper graphs from representations", load: () => import("./views/build") },
  graphs: { title: "Aligned graphs", hint: "Joint layout, linked brushing", load: () => import("./views/graphs") },
  regions: { title: "Matching regions", hint: "Bubble Sets and membranes", load: () => import("./views/regions") },
  motifs: { title: "Motifs", hint: "Structural and concept queries", load: () => import("./views/motifs") },
  audit: { title: "Audit", hint: "Alignment across layers, epochs, OOD", load: () => import("./views/audit") },
};

// a token in the URL fragment is taken out before anything reads the hash (setupAuth keeps it for the session)
const fragment = takeTokenFromHash(location.hash);
if (fragment.token !== null) {
  sessionStorage.setItem("topoalign.token", fragment.token);
  history.replaceState(null, "", `${location.pathname}${location.search}${fragment.hash}`);
}
const store = new Store(parseState(location.hash));
const app = new App(store);
(window as unknown as { __topoalign: App }).__topoalign = app;

const nav = h("nav", { class: "nav" });
const jobsTray = h("div", { class: "jobs", "aria-live": "polite" });
const notices = h("div", { class: "notices", "aria-live": "assertive" });
const main = h("main", { class: "main" });
const exportBar = h("div", { class: "export" },
  h("div", { class: "side-title" }, "Export"),
  h("div", { class: "export-buttons" },
    h("button", { id: "export-svg", onclick: () => doExport("svg"), title: "Standalone SVG of the current view" }, "SVG"),
    h("button", { id: "export-png", onclick: () => doExport("png") }, "PNG"),
    h("button", { id: "export-json", onclick: () => doExport("json"), title: "Graph JSON" }, "JSON"),
    h("button", { id: "export-csv", onclick: () => doExport("csv"), title: "Metrics CSV" }, "CSV")));

document.getElementById("app")!.append(
  h("aside", { class: "sidebar" },
    h("div", { class: "brand" }, h("span", { class: "logo" }), h("span", {}, "TopoAlign")),
    nav, jobsTray, h("div", { class: "spacer" }), exportBar),
  main, notices);

app.notify = (msg, kind = "info") => {
  const n = h("div", { class: `notice ${kind}`, role: kind === "error" ? "alert" : "status" }, msg);
  notices.append(n);
  setTimeout(() => n.remove(), kind === "error" ? 9000 : 4000);
};

app.jobs = {
  start(label: string, accepted: JobAccepted): Promise<Job> {
    const bar = h("div", { class: "bar" }, h("div", { class: "fill" }));
    const msg = h("div", { class: "job-msg" }, "queued");
    const cancel = h("button", { class: "link", title: "Cancel this job" }, "cancel");
    const row = h("div", { class: "job", "data-job": accepted.job_id },
      h("div", { class: "job-head" }, h("span", {}, label), cancel), bar, msg);
    cancel.addEventListener("click", () => { void api.cancelJob(accepted.job_id).catch((e) => app.notify(String(e), "error")); });
    jobsTray.append(row);
    const p = followJob(accepted.job_id, (job) => {
      (bar.firstChild as HTMLElement).style.transform = `scaleX(${job.progress.toFixed(2)})`;
      msg.textContent = job.message || job.status;
      row.dataset.status = job.status;
    });
    p.then(() => setTimeout(() => row.remove(), 1500), (e) => {
      msg.textContent = e.message;
      row.dataset.status = "failed";
      setTimeout(() => row.remove(), 8000);
    });
    return p;
  },
};

let unmount: (() => void) | null = null;
let current: ViewName | null = null;
let token = 0;

async function show(view: ViewName): Promise<void> {
  if (view === current) return;
  current = view;
  const mine = ++token;
  unmount?.();
  unmount = null;
  app.exportHooks = {};
  for (const a of nav.querySelectorAll("a")) a.classList.toggle("active", a.dataset.view === view);
  document.title = `${VIEW_META[view].title} · TopoAlign`;
  main.replaceChildren(h("div", { class: "loading" }, "Loading…"));
  try {
    const mod = await VIEW_META[view].load();
    if (mine !== token) return;
    main.replaceChildren();
    main.dataset.view = view;
    unmount = mod.mount(main, app);
  } catch (e) {
    main.replaceChildren(errorBox(e));
  }
}

(Object.keys(VIEW_META) as ViewName[]).forEach((v, i) => {
  nav.append(h("a", { href: `#/${v}`, "data-view": v, title: VIEW_META[v].hint, onclick: (ev: Event) => {
    ev.preventDefault();
    store.set({ view: v }, true);
  } }, h("span", { class: "num" }, String(i)), h("span", {}, VIEW_META[v].title)));
});

store.subscribe((s) => void show(s.view));

async function doExport(kind: "svg" | "png" | "json" | "csv"): Promise<void> {
  const hooks = app.exportHooks;
  const name = `topoalign-${hooks.name ?? current}`;
  try {
    if (kind === "svg" || kind === "png") {
      const parts = hooks.svg?.() ?? [];
      if (!parts.length) return app.notify("Nothing to export in this view.", "error");
      const text = exportSvg(parts);
      if (kind === "svg") download(`${name}.svg`, text, "image/svg+xml");
      else download(`${name}.png`, await svgToPng(text));
    } else if (kind === "json") {
      const data = hooks.json?.();
      if (!data) return app.notify("No graph JSON in this view.", "error");
      download(`${name}.json`, JSON.stringify(data, null, 1), "application/json");
    } else {
      const rows = hooks.csv?.() ?? [];
      if (!rows.length) return app.notify("No metrics in this view.", "error");
      download(`${name}.csv`, toCsv(rows), "text/csv");
    }
  } catch (e) {
    app.notify(e instanceof Error ? e.message : String(e), "error");
  }
}

void setupAuth(() => { app.invalidate(); current = null; void show(store.get().view); })
  .finally(() => show(store.get().view));
