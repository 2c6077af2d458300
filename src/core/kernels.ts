// The hot passes of k-means, compiled once per (k, d) with the Function constructor: QuickJS (pljs) runs the
// straight-line code this writes (dimensions unrolled, the point's coordinates and, for small k * d, the centers
// held in locals) about twice as fast as nested loops over typed arrays. The arithmetic is in the same order as
// squaredEuclidean, so labels and ties are the same as nearest() and results are bit-identical in V8 and QuickJS.

/**
 * The first exact assignment: labels, Hamerly's bounds (not squared), and the clusters' sums and counts (with row
 * weights w, weighted: counts are then the clusters' weights).
 */
export type ExactPass = (
  data: Float64Array,
  n: number,
  centers: Float64Array,
  labels: Int32Array,
  upper: Float64Array,
  lower: Float64Array,
  sums: Float64Array,
  counts: Float64Array,
  w: Float64Array | null,
) => void;

/**
 * One Hamerly pass after the centers moved: updates the bounds, rechecks the points they cannot clear, moves
 * reassigned points between the clusters' sums and counts; returns how many labels changed.
 */
export type BoundsPass = (
  data: Float64Array,
  n: number,
  centers: Float64Array,
  labels: Int32Array,
  upper: Float64Array,
  lower: Float64Array,
  sums: Float64Array,
  counts: Float64Array,
  moved: Float64Array,
  half: Float64Array,
  max1: number,
  max2: number,
  arg1: number,
  w: Float64Array | null,
) => number;

/** Sum of (weighted) squared distances from each point to the center of its label. */
export type CostPass = (data: Float64Array, n: number, centers: Float64Array, labels: Int32Array, w: Float64Array | null) => number;

/**
 * Mean over the dimensions of each dimension's (population) variance; writes the bounding box into lo and hi, and
 * each dimension's variance into vars.
 */
export type VariancePass = (data: Float64Array, n: number, lo: Float64Array, hi: Float64Array, vars: Float64Array) => number;

/**
 * One k-means++ trial: out[i] = min(closest[i], squared distance from row i of xs to the candidate at
 * xs[cand..cand+d)); returns the sum of out (weighted by w when given).
 */
export type PotentialPass = (xs: Float64Array, m: number, cand: number, closest: Float64Array, out: Float64Array, w: Float64Array | null) => number;

/** The compiled passes for one (k, d). */
export interface Kernels {
  exact: ExactPass;
  bounds: BoundsPass;
  cost: CostPass;
  variance: VariancePass;
  potential: PotentialPass;
}

/** Above this many center coordinates the centers are read from the array instead of locals. */
const CENTER_LOCALS = 64;
/** Above this many dimensions the distance is a loop instead of unrolled. */
const UNROLL_D = 16;

const cache = new Map<string, Kernels>();

/** The variance pass as plain loops (many dimensions). */
function varianceLoop(d: number): VariancePass {
  return (data, n, lo, hi, vars) => {
    let total = 0;
    for (let j = 0; j < d; j++) {
      const shift = data[j] as number;
      let s1 = 0;
      let s2 = 0;
      let min = Infinity;
      let max = -Infinity;
      for (let at = j; at < n * d; at += d) {
        const x = data[at] as number;
        if (x < min) min = x;
        if (x > max) max = x;
        const t = x - shift;
        s1 += t;
        s2 += t * t;
      }
      lo[j] = min;
      hi[j] = max;
      // Rounding can make a variance slightly negative; NaN (from a NaN or infinite value) must stay NaN.
      const v = (s2 - (s1 * s1) / n) / n;
      vars[j] = v < 0 ? 0 : v;
      total += v < 0 ? 0 : v;
    }
    return total / d;
  };
}

/** The potential pass as plain loops (many dimensions). */
function potentialLoop(d: number): PotentialPass {
  return (xs, m, cand, closest, out, wt) => {
    let pot = 0;
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) {
        const t = (xs[i * d + j] as number) - (xs[cand + j] as number);
        s += t * t;
      }
      const w = closest[i] as number;
      if (w < s) s = w;
      out[i] = s;
      pot += wt ? (wt[i] as number) * s : s;
    }
    return pot;
  };
}

/** Statements setting `s` to the squared distance from the point (x0.. or data[xo + j]) to center `c`. */
function distanceCode(k: number, d: number, c: number | null): string {
  const unrolled = d <= UNROLL_D;
  if (!unrolled) {
    const co = c === null ? 'co' : String(c * d);
    return `s = 0; for (let j = 0; j < ${d}; j++) { t = data[xo + j] - centers[${co} + j]; s += t * t; }\n`;
  }
  const locals = c !== null && k * d <= CENTER_LOCALS;
  const center = (j: number) => (locals ? `c${c}_${j}` : c === null ? `centers[co + ${j}]` : `centers[${c * d + j}]`);
  let code = `t = x0 - ${center(0)}; s = t * t;\n`;
  for (let j = 1; j < d; j++) code += `t = x${j} - ${center(j)}; s += t * t;\n`;
  return code;
}

/** Declarations: centers in locals (small k * d) . */
function centerLocals(k: number, d: number): string {
  if (d > UNROLL_D || k * d > CENTER_LOCALS) return '';
  let code = '';
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) code += `const c${c}_${j} = centers[${c * d + j}];\n`;
  return code;
}

/** Loads the point at xo into x0..x{d-1} (when unrolled). */
function pointLocals(d: number): string {
  if (d > UNROLL_D) return '';
  let code = '';
  for (let j = 0; j < d; j++) code += `const x${j} = data[xo + ${j}];\n`;
  return code;
}

/** Statements finding the nearest (a, b1) and second-nearest (b2) squared distances over all centers. */
function nearestTwoCode(k: number, d: number): string {
  const compare = (c: string) => `if (s < b1) { b2 = b1; b1 = s; a = ${c}; } else if (s < b2) { b2 = s; }\n`;
  let code = 'let b1 = Infinity; let b2 = Infinity; let a = 0;\n';
  if (k * d <= CENTER_LOCALS && d <= UNROLL_D) {
    for (let c = 0; c < k; c++) code += distanceCode(k, d, c) + compare(String(c));
  } else {
    code += `for (let c = 0, co = 0; c < ${k}; c++, co += ${d}) {\n${distanceCode(k, d, null)}${compare('c')}}\n`;
  }
  return code;
}

/** Adds (sign +) or removes (sign -) the point at xo from cluster `who`'s sum (times its weight wi, weighted). */
function sumCode(d: number, who: string, sign: '+' | '-', weighted: boolean): string {
  const times = weighted ? 'wi * ' : '';
  if (d > UNROLL_D) return `for (let j = 0; j < ${d}; j++) sums[${who} * ${d} + j] ${sign}= ${times}data[xo + j];\n`;
  let code = `{ const so = ${who} * ${d};\n`;
  for (let j = 0; j < d; j++) code += `sums[so + ${j}] ${sign}= ${times}x${j};\n`;
  return code + '}\n';
}

/** The row's weight, declared at the top of a row loop (weighted passes only). */
function weightLocal(weighted: boolean): string {
  return weighted ? 'const wi = w[i];\n' : '';
}

/** Source of the exact pass. */
function exactSource(k: number, d: number, weighted: boolean): string {
  return `${centerLocals(k, d)}let t = 0; let s = 0;
for (let i = 0, xo = 0; i < n; i++, xo += ${d}) {
${weightLocal(weighted)}${pointLocals(d)}${nearestTwoCode(k, d)}labels[i] = a; upper[i] = Math.sqrt(b1); lower[i] = Math.sqrt(b2);
counts[a] += ${weighted ? 'wi' : '1'};
${sumCode(d, 'a', '+', weighted)}}`;
}

/** Source of the bounds pass (Hamerly 2010, Algorithm 2, with incremental sums). */
function boundsSource(k: number, d: number, weighted: boolean): string {
  // Strict and with a rounding margin, so exact ties are rechecked and go to the lowest index as in nearest().
  return `${centerLocals(k, d)}let t = 0; let s = 0; let changed = 0;
for (let i = 0, xo = 0; i < n; i++, xo += ${d}) {
const own = labels[i];
let u = upper[i] + moved[own];
const l = lower[i] - (own === arg1 ? max2 : max1);
const h = half[own];
const bound = (h > l ? h : l) * (1 - 1e-12);
if (u < bound) { upper[i] = u; lower[i] = l; continue; }
${pointLocals(d)}const co = own * ${d};
${distanceCode(k, d, null)}u = Math.sqrt(s);
if (u < bound) { upper[i] = u; lower[i] = l; continue; }
${nearestTwoCode(k, d)}labels[i] = a; upper[i] = Math.sqrt(b1); lower[i] = Math.sqrt(b2);
if (a !== own) {
${weightLocal(weighted)}changed++; counts[own] -= ${weighted ? 'wi' : '1'}; counts[a] += ${weighted ? 'wi' : '1'};
${sumCode(d, 'own', '-', weighted)}${sumCode(d, 'a', '+', weighted)}}
}
return changed;`;
}

/** Source of the cost pass. */
function costSource(k: number, d: number, weighted: boolean): string {
  return `let t = 0; let s = 0; let total = 0;
for (let i = 0, xo = 0; i < n; i++, xo += ${d}) {
${pointLocals(d)}const co = labels[i] * ${d};
${distanceCode(k, d, null)}total += ${weighted ? 'w[i] * s' : 's'};
}
return total;`;
}

/**
 * Source of the variance pass: one pass of sums shifted by the first row (so they stay accurate far from 0), and
 * each dimension's minimum and maximum.
 */
function varianceSource(d: number): string {
  let code = 'let t = 0; let x = 0;\n';
  for (let j = 0; j < d; j++) code += `const m${j} = data[${j}]; let s${j} = 0; let q${j} = 0; let lo${j} = Infinity; let hi${j} = -Infinity;\n`;
  code += `for (let xo = 0, end = n * ${d}; xo < end; xo += ${d}) {\n`;
  for (let j = 0; j < d; j++) {
    code += `x = data[xo + ${j}]; if (x < lo${j}) lo${j} = x; if (x > hi${j}) hi${j} = x; t = x - m${j}; s${j} += t; q${j} += t * t;\n`;
  }
  code += '}\nlet total = 0; let v = 0;\n';
  for (let j = 0; j < d; j++) code += `lo[${j}] = lo${j}; hi[${j}] = hi${j}; v = (q${j} - (s${j} * s${j}) / n) / n; vars[${j}] = v < 0 ? 0 : v; total += v < 0 ? 0 : v;\n`;
  return code + `return total / ${d};`;
}

/** Source of the k-means++ potential pass. */
function potentialSource(d: number, weighted: boolean): string {
  let code = 'let t = 0; let s = 0; let pot = 0;\n';
  for (let j = 0; j < d; j++) code += `const c${j} = xs[cand + ${j}];\n`;
  code += `for (let i = 0, xo = 0; i < m; i++, xo += ${d}) {\n`;
  code += `t = xs[xo] - c0; s = t * t;\n`;
  for (let j = 1; j < d; j++) code += `t = xs[xo + ${j}] - c${j}; s += t * t;\n`;
  code += `const c = closest[i];\nif (c < s) s = c;\nout[i] = s; pot += ${weighted ? 'w[i] * s' : 's'};\n}\nreturn pot;`;
  return code;
}

/** The passes for k centers of d dimensions (weighted: rows carry weights), compiled on first use and cached. */
export function kernelsFor(k: number, d: number, weighted = false): Kernels {
  const key = `${k}x${d}${weighted ? 'w' : ''}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const made: Kernels = {
    exact: new Function('data', 'n', 'centers', 'labels', 'upper', 'lower', 'sums', 'counts', 'w', exactSource(k, d, weighted)) as ExactPass,
    bounds: new Function(
      'data', 'n', 'centers', 'labels', 'upper', 'lower', 'sums', 'counts', 'moved', 'half', 'max1', 'max2', 'arg1', 'w',
      boundsSource(k, d, weighted),
    ) as BoundsPass,
    cost: new Function('data', 'n', 'centers', 'labels', 'w', costSource(k, d, weighted)) as CostPass,
    variance: (d <= UNROLL_D ? new Function('data', 'n', 'lo', 'hi', 'vars', varianceSource(d)) : varianceLoop(d)) as VariancePass,
    potential: (d <= UNROLL_D ? new Function('xs', 'm', 'cand', 'closest', 'out', 'w', potentialSource(d, weighted)) : potentialLoop(d)) as PotentialPass,
  };
  cache.set(key, made);
  return made;
}
