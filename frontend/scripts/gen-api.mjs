// Dump the backend's live OpenAPI document to openapi.json and generate TypeScript types from it.
// Usage: npm run gen:api   (needs the repository's .venv)
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..", "..");
const python = process.env.PYTHON ?? resolve(root, ".venv", "bin", "python");
const dump = "from topoalign.api.app import create_app; from topoalign.api.settings import Settings; " +
  "import json, tempfile; print(json.dumps(create_app(Settings(data=tempfile.mkdtemp(), warm_umap=False)).openapi(), indent=1, sort_keys=True))";
const spec = execFileSync(python, ["-c", dump], { cwd: root, encoding: "utf8", maxBuffer: 64 << 20 });
writeFileSync(resolve(here, "..", "openapi.json"), spec);
execFileSync(process.execPath, [resolve(here, "..", "node_modules", "openapi-typescript", "bin", "cli.js"),
  resolve(here, "..", "openapi.json"), "-o", resolve(here, "..", "src", "api", "schema.d.ts"), "--default-non-nullable=false"], { stdio: "inherit" });
