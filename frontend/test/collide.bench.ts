// Node separation at draw time: our grid collide (src/render/collide.ts) against d3-force's simulation with
// forceCollide + forceX/forceY, the same ticks and strengths, on scatters the size of a dashboard graph.
// Run: npx vitest bench --run test/collide.bench.ts (bench/bench_frontend.py runs it and prints the ratios).
import { bench, describe } from "vitest";
import * as d3 from "d3";
import { separate, type Disc } from "../src/render/collide";
import { lcg } from "../src/render/layout";

function scatter(n: number, seed: number, density: number): Disc[] {
  const rnd = lcg(seed);
  const discs = Array.from({ length: n }, () => ({ x: 0, y: 0, r: 4 + 12 * rnd() ** 2 }));
  const side = Math.sqrt(discs.reduce((s, d) => s + Math.PI * d.r * d.r, 0) / density);
  for (const d of discs) { d.x = side * rnd(); d.y = side * rnd(); }
  return discs;
}

for (const n of [260, 500, 2000]) {
  const start = scatter(n, 7, 0.8);
  describe(`separate ${n} discs, 40 ticks`, () => {
    bench("topoalign", () => { separate(start.map((d) => ({ ...d })), { random: lcg(3) }); });
    bench("d3-force", () => {
      type N = d3.SimulationNodeDatum & { d: Disc };
      const sim: N[] = start.map((d) => ({ x: d.x, y: d.y, d }));
      d3.forceSimulation(sim).randomSource(lcg(3))
        .force("collide", d3.forceCollide<N>((v) => v.d.r).strength(0.7))
        .force("x", d3.forceX<N>((v) => v.d.x).strength(0.15))
        .force("y", d3.forceY<N>((v) => v.d.y).strength(0.15))
        .velocityDecay(0.5).stop().tick(40);
    });
  });
}
