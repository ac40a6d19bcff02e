// Overlap removal for drawn discs: the ticks of a d3-force simulation with forceCollide (one iteration) and
// forceX/forceY pulling each disc back to its own position, computed on typed arrays with a uniform grid in place
// of d3's quadtree. The dashboard separates every graph's nodes at each draw; with d3 this took ~30 ms for a
// 260-node graph (two thirds of a parameter change's drawing time), here it takes a few ms (bench: vitest bench
// test/collide.bench.ts, with d3 run side by side). The update rules, their order and the alpha schedule are
// d3's, so the results agree with d3's to rounding wherever both examine the same pairs (test/collide.test.ts).

export interface Disc { x: number; y: number; r: number }

export interface SeparateOptions {
  ticks?: number;
  /** forceCollide strength: the share of an overlap removed per tick. */
  strength?: number;
  /** forceX / forceY strength (scaled by alpha) pulling each disc back to where it started. */
  pull?: number;
  /** The simulation's velocityDecay. */
  velocityDecay?: number;
  /** Random source for the jiggle that separates exactly aligned centres (d3's randomSource). */
  random?: () => number;
}

const ALPHA_DECAY = 1 - Math.pow(0.001, 1 / 300); // d3's default (alphaMin 0.001 over 300 ticks)

/** Move `discs` (in place) so that they overlap less, each held near its starting position. */
export function separate(discs: Disc[], opts: SeparateOptions = {}): void {
  const { ticks = 40, strength = 0.7, pull = 0.15, velocityDecay = 0.5, random = Math.random } = opts;
  const n = discs.length;
  if (n < 2 || ticks <= 0) return;
  const x = new Float64Array(n), y = new Float64Array(n), vx = new Float64Array(n), vy = new Float64Array(n);
  const r = new Float64Array(n), tx = new Float64Array(n), ty = new Float64Array(n);
  let rmax = 0;
  for (let i = 0; i < n; i++) {
    const d = discs[i];
    x[i] = tx[i] = d.x;
    y[i] = ty[i] = d.y;
    r[i] = d.r;
    if (d.r > rmax) rmax = d.r;
  }
  const grid = new Grid(n);
  const keep = 1 - velocityDecay;
  let alpha = 1;
  for (let t = 0; t < ticks; t++) {
    alpha += (0 - alpha) * ALPHA_DECAY;
    // forceCollide: pairs found among the positions the tick starts from (x + v), as d3's quadtree holds them
    grid.fill(x, y, vx, vy, 2 * rmax);
    let drift = 0; // the farthest any disc's x + v has moved since the grid was filled
    for (let i = 0; i < n; i++) {
      const ri = r[i], ri2 = ri * ri;
      const xi = x[i] + vx[i], yi = y[i] + vy[i];
      const reach = ri + rmax + drift;
      const cx0 = grid.col(xi - reach), cx1 = grid.col(xi + reach);
      const cy0 = grid.row(yi - reach), cy1 = grid.row(yi + reach);
      for (let cy = cy0; cy <= cy1; cy++) {
        for (let cx = cx0; cx <= cx1; cx++) {
          const cell = cy * grid.nx + cx;
          for (let s = grid.start[cell], e = grid.start[cell + 1]; s < e; s++) {
            const j = grid.items[s];
            if (j <= i) continue;
            const rj = r[j], rr = ri + rj;
            let dx = xi - x[j] - vx[j], dy = yi - y[j] - vy[j];
            let l = dx * dx + dy * dy;
            if (l >= rr * rr) continue;
            if (dx === 0) { dx = (random() - 0.5) * 1e-6; l += dx * dx; }
            if (dy === 0) { dy = (random() - 0.5) * 1e-6; l += dy * dy; }
            l = Math.sqrt(l);
            l = (rr - l) / l * strength;
            dx *= l;
            dy *= l;
            const rj2 = rj * rj, share = rj2 / (ri2 + rj2);
            vx[i] += dx * share;
            vy[i] += dy * share;
            vx[j] -= dx * (1 - share);
            vy[j] -= dy * (1 - share);
            const dj = Math.abs(x[j] + vx[j] - grid.px[j]) + Math.abs(y[j] + vy[j] - grid.py[j]);
            if (dj > drift) drift = dj;
          }
        }
      }
      const di = Math.abs(x[i] + vx[i] - grid.px[i]) + Math.abs(y[i] + vy[i] - grid.py[i]);
      if (di > drift) drift = di;
    }
    for (let i = 0; i < n; i++) {
      vx[i] += (tx[i] - x[i]) * pull * alpha; // forceX, then forceY
      vy[i] += (ty[i] - y[i]) * pull * alpha;
      x[i] += vx[i] *= keep;
      y[i] += vy[i] *= keep;
    }
  }
  for (let i = 0; i < n; i++) { discs[i].x = x[i]; discs[i].y = y[i]; }
}

/** Disc indices bucketed by grid cell (counting sort, ascending index within a cell). */
class Grid {
  start = new Int32Array(1);
  items: Int32Array;
  /** Each disc's x + v when the grid was filled. */
  px: Float64Array;
  py: Float64Array;
  nx = 1;
  private ny = 1;
  private x0 = 0;
  private y0 = 0;
  private size = 1;
  private cellOf: Int32Array;

  constructor(n: number) {
    this.items = new Int32Array(n);
    this.px = new Float64Array(n);
    this.py = new Float64Array(n);
    this.cellOf = new Int32Array(n);
  }

  fill(x: Float64Array, y: Float64Array, vx: Float64Array, vy: Float64Array, cell: number): void {
    const n = x.length;
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (let i = 0; i < n; i++) {
      const px = this.px[i] = x[i] + vx[i], py = this.py[i] = y[i] + vy[i];
      if (px < x0) x0 = px;
      if (px > x1) x1 = px;
      if (py < y0) y0 = py;
      if (py > y1) y1 = py;
    }
    // cells at least the largest contact distance wide, and no more cells than ~4 per disc
    let size = Math.max(cell, 1e-9);
    while (((x1 - x0) / size + 1) * ((y1 - y0) / size + 1) > 4 * n + 16) size *= 2;
    this.x0 = x0; this.y0 = y0; this.size = size;
    this.nx = Math.floor((x1 - x0) / size) + 1;
    this.ny = Math.floor((y1 - y0) / size) + 1;
    const cells = this.nx * this.ny;
    if (this.start.length < cells + 1) this.start = new Int32Array(cells + 1);
    const start = this.start;
    start.fill(0, 0, cells + 1);
    for (let i = 0; i < n; i++) {
      const c = this.row(this.py[i]) * this.nx + this.col(this.px[i]);
      this.cellOf[i] = c;
      start[c + 1]++;
    }
    for (let c = 0; c < cells; c++) start[c + 1] += start[c];
    const fillAt = start.slice(0, cells);
    for (let i = 0; i < n; i++) this.items[fillAt[this.cellOf[i]]++] = i;
  }

  col(v: number): number {
    const c = Math.floor((v - this.x0) / this.size);
    return c < 0 ? 0 : c >= this.nx ? this.nx - 1 : c;
  }

  row(v: number): number {
    const c = Math.floor((v - this.y0) / this.size);
    return c < 0 ? 0 : c >= this.ny ? this.ny - 1 : c;
  }
}
