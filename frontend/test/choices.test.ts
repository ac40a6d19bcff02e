import { describe, expect, it } from "vitest";
import * as choices from "../src/api/choices";
import { CLUSTERERS, COVERS, LENSES } from "../src/views/build";
import openapi from "../openapi.json?raw";

// The committed openapi.json is checked against the live backend by tests/test_api_contract.py; this checks the
// generated constants against it, so a name added to a backend registry reaches the menus or fails here.
const doc = JSON.parse(openapi);
const enumOf = (schema: string, prop: string): string[] => {
  const p = doc.components.schemas[schema].properties[prop];
  return p.enum ?? p.items?.enum ?? p.anyOf.find((x: { enum?: string[] }) => x.enum).enum;
};

describe("choices", () => {
  it("are the schema's enums", () => {
    expect([...choices.LENS_KINDS]).toEqual(enumOf("LensIn", "kind"));
    expect([...choices.COVER_KINDS]).toEqual(enumOf("CoverIn", "kind"));
    expect([...choices.CLUSTERER_KINDS]).toEqual(enumOf("ClustererIn", "kind"));
    expect([...choices.NOISE_RULES]).toEqual(enumOf("ClustererIn", "noise"));
    expect([...choices.METRICS]).toEqual(enumOf("GraphRequest", "metric"));
    expect([...choices.AUTO_STRATEGIES]).toEqual(enumOf("GraphRequest", "auto"));
    expect([...choices.AUDIT_METRICS]).toEqual(enumOf("AuditIn", "metrics"));
  });
  it("reach the Build view's menus", () => {
    expect(LENSES).toEqual(["pca", "umap", "norm", "density", "eccentricity", "knn"]);
    expect(COVERS[0]).toBe("kmapper");
    expect(CLUSTERERS).toEqual(["dbscan", "single", "hdbscan"]);
  });
});
