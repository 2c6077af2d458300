// Lloyd's k-means for few dimensions and many rows, by the filtering algorithm: Kanungo, Mount, Netanyahu,
// Piatko, Silverman and Wu 2002, "An efficient k-means clustering algorithm: analysis and implementation",
// IEEE TPAMI 24(7): https://doi.org/10.1109/TPAMI.2002.1017616
//
// The rows are counted once into a grid of Morton-ordered cells, and the cells form a tree (an octree for
// d = 3) whose nodes hold their rows' count and sum. Each iteration walks the tree with the candidate centers: a
// node whose box lies wholly on one center's side of the other candidates' bisectors gives that center its count
// and sum at once, without touching its rows; only rows of cells that a bisector cuts are compared one by one.
// In an interpreter (QuickJS in pljs), where every touched row costs, this is what makes an iteration cheap.
//
// The assignment is exact: a candidate is pruned only with a margin far above rounding, so every row gets the
// center nearest() gives it (ties to the lowest index), and the iterations are Lloyd's iterations. The hot code is
// compiled once per d with the Function constructor (dimensions unrolled), as in kernels.ts.

import {
  type Assignment,
  type Candidate,
  type CenterRun,
  farthestRows,
  type IterationOptions,
  lloyd,
  type LloydEngine,
  shiftThreshold,
  summarize,
  type Summary,
} from './lloyd';
import type { Points } from './types';

/** The most dimensions the filtering engine takes (boxes prune less as d grows). */
export const FILTER_MAX_D = 3;
/**
 * The fewest rows the filtering engine takes, by d (index): below, Hamerly's engine is as fast or faster in pljs
 * (measured to convergence at tolerance 1e-4 on uniform data, k = 3 to 20: filtering wins 2-5x for d = 1 from
 * 1,000 rows, 1.7-2x for d = 2 from 10,000, 1.1-1.7x for d = 3 from 20,000, and loses by up to 1.8x for d = 3
 * at 10,000 rows with k = 10, where a grid coarse enough to pay for itself leaves most cells cut by a bisector).
 */
export const FILTER_MIN_N: readonly number[] = [Infinity, 2048, 8192, 20000];
/**
 * The grid has at most n / ROWS_PER_CELL cells, in 2^bits per dimension (measured in pljs: for 100,000 x 3 rows,
 * 16^3 cells beat 8^3 and 32^3 by 1.4x; an iteration is a balance between nodes visited and rows compared)...
 */
const ROWS_PER_CELL = 20;
/** ...at most 2^MAX_CELL_BITS cells, and at most 2^10 per dimension (d = 1 gains nothing from finer cells). */
const MAX_CELL_BITS = 17;
const MAX_BITS = 10;
/** A node of at most this many rows is compared row by row instead of split further. */
const DIRECT_ROWS = 4;

/** The grid and its tree: level l has 2^(d * l) nodes, the last level (l = bits) is the grid's cells. */
export interface Grid {
  d: number;
  /** Cells per dimension = 2^bits. */
  bits: number;
  /** Rows in each node, per level. */
  count: Int32Array[];
  /** Sum of each node's rows (d per node), per level. */
  sum: Float64Array[];
  /** Row indices sorted by cell; the rows of cell c are order[cellStart[c] .. cellStart[c + 1]). */
  order: Int32Array;
  cellStart: Int32Array;
  /** The grid's lower corner, and the width of a node per level and dimension (index level * d + j). */
  lo: Float64Array;
  width: Float64Array;
  /** Widening of every box per dimension, far above the rounding of a row's cell. */
  slack: Float64Array;
}

/** Bits per dimension of the grid for n rows of d dimensions. */
function gridBits(n: number, d: number): number {
  const total = Math.min(MAX_CELL_BITS, Math.floor(Math.log2(Math.max(2, n / ROWS_PER_CELL))));
  return Math.max(1, Math.min(MAX_BITS, Math.floor(total / d)));
}

/** Statements for j = 0..d-1, each from `line(j)`. */
function dims(d: number, line: (j: number) => string, join = '\n'): string {
  return Array.from({ length: d }, (_, j) => line(j)).join(join);
}

/** Cell of each row (Morton order) into cellOf; each cell's count and sum. spread holds d tables of `side`. */
type CellPass = (
  data: Float64Array,
  n: number,
  lo: Float64Array,
  scale: Float64Array,
  side: number,
  spread: Int32Array,
  cellOf: Int32Array,
  count: Int32Array,
  sum: Float64Array,
) => void;

/**
 * One walk of the tree for the given centers: each center's count and sum into counts and sums (zeroed first);
 * with labels, also labels every row and returns the cost (sum of squared distances), else returns 0.
 */
type WalkPass = (
  grid: Grid,
  data: Float64Array,
  centers: Float64Array,
  k: number,
  counts: Int32Array,
  sums: Float64Array,
  labels: Int32Array | null,
) => number;

interface GridKernels {
  cells: CellPass;
  assign: WalkPass;
  label: WalkPass;
}

/** Source of the cell pass: (x - lo) * scale is >= 0 and below side, so | 0 is the cell's index. */
function cellSource(d: number): string {
  return `${dims(d, (j) => `const lo${j} = lo[${j}], sc${j} = scale[${j}], sp${j} = spread.subarray(${j} * side, ${j + 1} * side);`)}
for (let i = 0, at = 0; i < n; i++, at += ${d}) {
${dims(d, (j) => `const x${j} = data[at + ${j}];`)}
const id = ${dims(d, (j) => `sp${j}[((x${j} - lo${j}) * sc${j}) | 0]`, ' | ')};
cellOf[i] = id; count[id]++;
const so = id * ${d};
${dims(d, (j) => `sum[so + ${j}] += x${j};`)}
}`;
}

/**
 * Source of one walk: it adds up counts and sums; `labelled` also labels rows and sums the cost. Per depth it keeps
 * the candidates (k) and the node's box without slack (lower corner, d); a node's width per level is in the grid.
 */
function walkSource(d: number, labelled: boolean): string {
  const sq = (x: (j: number) => string, c: (j: number) => string) =>
    `t = ${x(0)} - ${c(0)}; s = t * t;\n` + dims(d - 1, (m) => `t = ${x(m + 1)} - ${c(m + 1)}; s += t * t;`);
  // What a row of center `c` at distance `s` adds.
  const take = (c: string, s: string) =>
    `counts[${c}]++; const so = ${c} * ${d}; ${dims(d, (j) => `sums[so + ${j}] += x${j};`, ' ')}` +
    (labelled ? ` labels[i] = ${c}; cost += ${s};` : '');
  const wholeBody = `counts[c] += count[level][node];
  const so = c * ${d}; const no = node * ${d}; const sl = sum[level];
  ${dims(d, (j) => `sums[so + ${j}] += sl[no + ${j}];`)}
  ${
    labelled
      ? `let t = 0, s = 0;
  ${dims(d, (j) => `const z${j} = centers[so + ${j}];`)}
  for (let p = first; p < end; p++) {
    const i = order[p]; labels[i] = c; const xo = i * ${d};
    ${sq((j) => `data[xo + ${j}]`, (j) => `z${j}`)}
    cost += s;
  }`
      : ''
  }`;
  return `const { bits, count, sum, order, cellStart, lo, width, slack } = grid;
const cand = new Int32Array((bits + 2) * k);
const corner = new Float64Array((bits + 1) * ${d});
${dims(d, (j) => `const e${j} = slack[${j}];`)}
counts.fill(0); sums.fill(0);
let cost = 0;
// The largest coordinate of a row and (far) the largest squared distance a row can have to a center.
let reach = 0, far = 0;
for (let j = 0; j < ${d}; j++) reach = Math.max(reach, Math.abs(lo[j]), Math.abs(lo[j] + width[j]));
for (let t = 0; t < k * ${d}; t++) far = Math.max(far, Math.abs(centers[t]));
far = (reach + far) * (reach + far);
// Rows first..end of order, compared one by one with the nc candidates at cand[base..).
function rows(first, end, base, nc) {
  let t = 0, s = 0;
  if (nc === 2) {
    const a = cand[base], b = cand[base + 1];
    ${dims(d, (j) => `const a${j} = centers[a * ${d} + ${j}], b${j} = centers[b * ${d} + ${j}];`)}
    ${
      labelled
        ? `for (let p = first; p < end; p++) {
      const i = order[p]; const xo = i * ${d};
      ${dims(d, (j) => `const x${j} = data[xo + ${j}];`)}
      ${sq((j) => `x${j}`, (j) => `a${j}`)}
      const sa = s;
      ${sq((j) => `x${j}`, (j) => `b${j}`)}
      if (s < sa) { ${take('b', 's')} } else { ${take('a', 'sa')} }
    }`
        : `// b is nearer than a where g = x . (b - a) - (|b|^2 - |a|^2) / 2 > 0: one dot product a row. Within
    // margin of 0 (far above the rounding of g and of both distances) the distances decide, as nearest() does.
    ${dims(d, (j) => `const u${j} = b${j} - a${j};`)}
    const half = 0.5 * (${dims(d, (j) => `b${j} * b${j} - a${j} * a${j}`, ' + ')});
    const margin = 1e-9 * (reach * (${dims(d, (j) => `Math.abs(u${j})`, ' + ')}) + Math.abs(half) + ${d} * far);
    for (let p = first; p < end; p++) {
      const i = order[p]; const xo = i * ${d};
      ${dims(d, (j) => `const x${j} = data[xo + ${j}];`)}
      const g = ${dims(d, (j) => `x${j} * u${j}`, ' + ')} - half;
      let near = g > 0;
      if (g < margin && g > -margin) {
        ${sq((j) => `x${j}`, (j) => `a${j}`)}
        const sa = s;
        ${sq((j) => `x${j}`, (j) => `b${j}`)}
        near = s < sa;
      }
      if (near) { ${take('b', '0')} } else { ${take('a', '0')} }
    }`
    }
    return;
  }
  for (let p = first; p < end; p++) {
    const i = order[p]; const xo = i * ${d};
    ${dims(d, (j) => `const x${j} = data[xo + ${j}];`)}
    let best = 0, bestDist = Infinity;
    for (let u = base, stop = base + nc; u < stop; u++) {
      const co = cand[u] * ${d};
      ${sq((j) => `x${j}`, (j) => `centers[co + ${j}]`)}
      if (s < bestDist) { bestDist = s; best = cand[u]; }
    }
    ${take('best', 'bestDist')}
  }
}
// Every row of the node (rows first..end of order) belongs to center c.
function whole(level, node, first, end, c) {
  ${wholeBody}
}
function visit(level, node, nc) {
  const base = level * k;
  const b = level * ${d};
  const w = level * ${d};
  let t = 0, s = 0;
  ${dims(d, (j) => `const l${j} = corner[b + ${j}] - e${j}, h${j} = corner[b + ${j}] + width[w + ${j}] + e${j}, m${j} = 0.5 * (l${j} + h${j});`)}
  // The candidate nearest the box's middle...
  let star = cand[base], starDist = Infinity;
  for (let u = base, stop = base + nc; u < stop; u++) {
    const co = cand[u] * ${d};
    ${sq((j) => `m${j}`, (j) => `centers[co + ${j}]`)}
    if (s < starDist) { starDist = s; star = cand[u]; }
  }
  const diag = ${dims(d, (j) => `(h${j} - l${j}) * (h${j} - l${j})`, ' + ')};
  ${dims(d, (j) => `const z${j} = centers[star * ${d} + ${j}];`)}
  // ...then every candidate that may be nearer somewhere in the box: at the box's corner farthest toward c,
  // star must be nearer by a margin far above rounding, or c stays.
  const kept = base + k;
  let nk = 0;
  for (let u = base, stop = base + nc; u < stop; u++) {
    const c = cand[u];
    if (c !== star) {
      const co = c * ${d};
      let dc = 0, ds = 0, v = 0, y = 0;
      ${dims(d, (j) => `y = centers[co + ${j}]; v = y > z${j} ? h${j} : l${j}; t = v - y; dc += t * t; t = v - z${j}; ds += t * t;`, '\n      ')}
      if (dc - ds > 1e-9 * (dc + ds + diag)) continue;
    }
    cand[kept + nk++] = c;
  }
  const shift = ${d} * (bits - level);
  const first = cellStart[node << shift];
  const end = cellStart[(node + 1) << shift];
  if (nk === 1) { whole(level, node, first, end, star); return; }
  if (level === bits || end - first <= ${DIRECT_ROWS}) { rows(first, end, kept, nk); return; }
  const below = count[level + 1];
  const cb = b + ${d};
  ${dims(d, (j) => `const c${j} = corner[b + ${j}], hw${j} = width[w + ${d + j}];`)}
  for (let child = 0; child < ${1 << d}; child++) {
    const id = (node << ${d}) | child;
    if (below[id] === 0) continue;
    ${dims(d, (j) => `corner[cb + ${j}] = (child & ${1 << j}) === 0 ? c${j} : c${j} + hw${j};`, '\n    ')}
    visit(level + 1, id, nk);
  }
}
for (let c = 0; c < k; c++) cand[c] = c;
${dims(d, (j) => `corner[${j}] = lo[${j}];`)}
visit(0, 0, k);
return cost;`;
}

const kernelCache = new Map<number, GridKernels>();

/** The grid's passes for d dimensions, compiled on first use and cached. */
function gridKernels(d: number): GridKernels {
  const hit = kernelCache.get(d);
  if (hit) return hit;
  const walkArgs = ['grid', 'data', 'centers', 'k', 'counts', 'sums', 'labels'];
  const made: GridKernels = {
    cells: new Function('data', 'n', 'lo', 'scale', 'side', 'spread', 'cellOf', 'count', 'sum', cellSource(d)) as CellPass,
    assign: new Function(...walkArgs, walkSource(d, false)) as WalkPass,
    label: new Function(...walkArgs, walkSource(d, true)) as WalkPass,
  };
  kernelCache.set(d, made);
  return made;
}

/**
 * Counts the rows into the grid and builds the tree's levels: one pass over the rows for the cells (their counts
 * and sums), one to sort the rows by cell. `summary` must be the rows' own (its bounding box is the grid's).
 */
export function buildGrid(points: Points, summary: Summary): Grid {
  const { data, n, d } = points;
  const bits = gridBits(n, d);
  const side = 1 << bits;
  const lo = Float64Array.from(summary.lo);
  const scale = new Float64Array(d);
  const slack = new Float64Array(d);
  const width = new Float64Array((bits + 1) * d);
  for (let j = 0; j < d; j++) {
    const l = summary.lo[j] as number;
    const h = summary.hi[j] as number;
    // The grid spans a hair more than the data, so the largest value still falls inside the last cell.
    const e = (h - l) * (1 + 1e-9);
    scale[j] = e > 0 ? side / e : 0;
    slack[j] = 1e-9 * e + 1e-12 * (Math.abs(l) + Math.abs(h));
    for (let level = 0; level <= bits; level++) width[level * d + j] = e / (1 << level);
  }
  // spread[j * side + q]: the bits of q moved to every d-th bit from bit j (the Morton interleave).
  const spread = new Int32Array(d * side);
  for (let q = 0; q < side; q++) {
    let m = 0;
    for (let b = 0; b < bits; b++) if ((q >> b) & 1) m |= 1 << (b * d);
    for (let j = 0; j < d; j++) spread[j * side + q] = m << j;
  }
  const cells = 1 << (bits * d);
  const cellOf = new Int32Array(n);
  const count = new Int32Array(cells);
  const sum = new Float64Array(cells * d);
  gridKernels(d).cells(data, n, lo, scale, side, spread, cellOf, count, sum);
  const counts: Int32Array[] = new Array(bits + 1);
  const sums: Float64Array[] = new Array(bits + 1);
  counts[bits] = count;
  sums[bits] = sum;
  for (let level = bits - 1; level >= 0; level--) {
    const size = 1 << (d * level);
    const childCount = counts[level + 1] as Int32Array;
    const childSum = sums[level + 1] as Float64Array;
    const c = new Int32Array(size);
    const s = new Float64Array(size * d);
    for (let child = 0; child < size << d; child++) {
      const m = childCount[child] as number;
      if (m === 0) continue;
      const p = child >> d;
      c[p] = (c[p] as number) + m;
      for (let j = 0; j < d; j++) s[p * d + j] = (s[p * d + j] as number) + (childSum[child * d + j] as number);
    }
    counts[level] = c;
    sums[level] = s;
  }
  const cellStart = new Int32Array(cells + 1);
  for (let c = 0; c < cells; c++) cellStart[c + 1] = (cellStart[c] as number) + (count[c] as number);
  const next = cellStart.slice(0, cells);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = cellOf[i] as number;
    order[next[c] as number] = i;
    next[c] = (next[c] as number) + 1;
  }
  return { d, bits, count: counts, sum: sums, order, cellStart, lo, width, slack };
}

/** The filtering engine over a set of rows and its grid: each pass walks the tree (see the head of this file). */
export class FilteringEngine implements LloydEngine {
  readonly k: number;
  readonly d: number;
  private readonly grid: Grid;
  private readonly pass: GridKernels;
  private readonly counts: Int32Array;
  private readonly sums: Float64Array;
  private readonly labels: Int32Array;
  /** The centers the labels and cost are for (null until a labelling walk). */
  private labelledFor: Float64Array | null = null;
  private cost = 0;

  constructor(private readonly points: Points, k: number, summary: Summary) {
    this.k = k;
    this.d = points.d;
    this.grid = buildGrid(points, summary);
    this.pass = gridKernels(points.d);
    this.counts = new Int32Array(k);
    this.sums = new Float64Array(k * points.d);
    this.labels = new Int32Array(points.n);
  }

  /** Cells of the grid (for traces). */
  get cells(): number {
    return 1 << (this.grid.bits * this.d);
  }

  assign(centers: Float64Array, last: boolean): Assignment {
    if (last) this.label(centers);
    else this.pass.assign(this.grid, this.points.data, centers, this.k, this.counts, this.sums, null);
    return { counts: this.counts, sums: this.sums, changed: null };
  }

  farthest(centers: Float64Array, m: number): Candidate[] {
    this.label(centers);
    return farthestRows(this.points, centers, this.labels, m);
  }

  /** The walks compute every pass from the centers alone: a moved row needs no bookkeeping. */
  move(): void {}

  /** Labels (exact for these centers) and the cost, the sum of squared distances. */
  finish(centers: Float64Array): { labels: Int32Array; cost: number } {
    this.label(centers);
    return { labels: this.labels, cost: this.cost };
  }

  /** A labelling walk, unless the labels are already for these centers. */
  private label(centers: Float64Array): void {
    if (this.labelledFor && this.labelledFor.every((v, i) => v === centers[i])) return;
    this.cost = this.pass.label(this.grid, this.points.data, centers, this.k, this.counts, this.sums, this.labels);
    this.labelledFor = Float64Array.from(centers);
  }
}

/**
 * Runs k-means from `initial` with the filtering engine and returns centers, labels (exact for them) and cost; see
 * lloyd() for the rules, the same as hamerly()'s. `summary` (the rows' own, from summarize()) saves a pass when the
 * caller has it.
 */
export function filtering(
  points: Points,
  initial: Float64Array,
  k: number,
  options: IterationOptions,
  threshold?: number,
  summary?: Summary,
): CenterRun {
  const known = summary ?? summarize(points);
  const engine = new FilteringEngine(points, k, known);
  options.trace?.('grid', engine.cells);
  const run = lloyd(engine, initial, options, threshold ?? shiftThreshold(points, options.tolerance, known));
  const { labels, cost } = engine.finish(run.centers);
  options.trace?.('finished', cost);
  return { centers: run.centers, labels, cost, iterations: run.iterations, converged: run.converged };
}
