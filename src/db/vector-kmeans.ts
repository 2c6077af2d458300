// k-means of a pgvector column, as pgvector builds IVFFlat lists and then some: a seeded sample of the rows, greedy
// k-means++ on it (each step's distances from SQL, the rows' D(x) kept in JavaScript), Lloyd's iterations on the
// sample (vector-engine.ts), then one mean update over every row and the labelling pass.
// Cosine distance is spherical k-means: the rows come in on the unit sphere and each new center is put back on it.
// Every center is kept in single precision, as pgvector stores it, so what JavaScript holds is what SQL computes with.

import type { Settings } from '../config/settings';
import type { CenterChoice } from '../core/types';
import { lloyd } from '../core/lloyd';
import { createRandom, deriveSeed, type Random } from '../core/random';
import { normalizeRows } from '../core/unit';
import { fewerDistinctError } from '../core/seeding';
import { arrayOf } from '../sql/quote';
import { squaredDistance } from '../sql/vector';
import { createSample, distinctInSample, FullEngine, type Sample, SampleEngine, sampleRows, seedTable, vectorSampleSize, type VectorRows } from './vector-engine';
import { now, one, query } from './pl';

/** What a vector fit needs besides the rows. */
export interface VectorKmeansOptions {
  /** Valid rows of the source (counted by the caller). */
  n: number;
  seed: number;
  maxIterations: number;
  tolerance: number;
  /** Cosine: rows are unit vectors, and so are the centers. */
  unit: boolean;
  centerChoice: CenterChoice;
  starts: number;
  /** Starting centers (manual, or a warm start from stored centroids), k x d. */
  centers: Float64Array | null;
  /** The labelling pass over every row with the final centers; returns each cluster's row count. */
  label(centers: Float64Array): Float64Array;
}

/** The options of a fit or refit with these settings over n valid rows, from these centers (or seeded), labelling with `label`. */
export function vectorOptions(s: Settings, n: number, centers: Float64Array | null, label: (centers: Float64Array) => Float64Array): VectorKmeansOptions {
  return {
    n,
    seed: s.seed,
    maxIterations: s.max_iterations,
    tolerance: s.tolerance,
    unit: s.distance_type === 'cosine',
    centerChoice: s.center_choice === 'random' && s.clustering_algorithm === 'k-means++' ? 'k-means++' : s.center_choice,
    starts: s.starts,
    centers,
    label,
  };
}

/** What a vector fit returns. */
export interface VectorKmeansRun {
  centers: Float64Array;
  /** Rows per cluster under the final centers (the labelling pass's counts). */
  counts: Float64Array;
  iterations: number;
  converged: boolean;
  sample: number;
  /** The temporary table holding the sample (rows 1..sample in hash order), until the transaction ends. */
  sampleTable: string;
  /** Where the time went (ms): sampling, seeding, iterations on the sample, the pass over every row with the labelling. */
  timings: { sample_ms: number; seed_ms: number; sample_iterations_ms: number; full_ms: number };
  /** Where the sample's passes spent their time (ms) and how many there were. */
  spent: Record<string, number>;
}

/** The rows cannot hold k clusters: the sample has fewer distinct rows (`distinct`, or unknown when -1). */
export class TooFewDistinct extends Error {
  constructor(readonly distinct = -1) {
    super('too few distinct rows');
  }
}

/** Scales centers back to single precision (and onto the unit sphere under cosine), as SQL will see them. */
function projector(unit: boolean): (c: Float64Array, k: number, d: number) => void {
  return (c, k, d) => {
    if (unit) normalizeRows(c, k, d);
    for (let i = 0; i < c.length; i++) c[i] = Math.fround(c[i] as number);
  };
}

/** Rows k-means++ seeds from: the sample's first rows (a uniform subset), about 20 a cluster, 1,000 to 3,000. */
export function seedSize(k: number, sampleSize: number): number {
  return Math.min(sampleSize, Math.max(k, Math.min(3000, Math.max(1000, 20 * k))));
}

/** For each of the seed table's rows given (0-based), the squared distances of every seed row to it, in row order. */
function distancesTo(src: VectorRows, seeds: string, rows: number[]): Float64Array[] {
  const found = query<{ c: number; a: number[] }>(
    // The distances in a subquery of their own: the ordered aggregate then sorts numbers, not rows with their vectors.
    `SELECT c, pg_catalog.array_agg(q ORDER BY r) AS a
       FROM (SELECT c.r AS c, s.r, ${squaredDistance(src, 's.e', 'c.e')} AS q
               FROM ${seeds} s, (SELECT r, e FROM ${seeds} WHERE r = ANY (${arrayOf(rows.map((r) => r + 1), 'int4')})) c OFFSET 0) x GROUP BY c`,
  );
  const byRow = new Map(found.map((f) => [Number(f.c) - 1, Float64Array.from(f.a)]));
  return rows.map((r) => byRow.get(r) as Float64Array);
}

/** First index whose cumulative weight exceeds x (a row of weight 0 is never taken). */
function upperBound(cum: Float64Array, x: number): number {
  let lo = 0;
  let hi = cum.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((cum[mid] as number) > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * One greedy step in SQL: for each candidate (seed rows, 0-based) the potential sum of min(D(x), its squared
 * distance to x); returns the best candidate (the first on ties, as scikit-learn's argmin) and the rows' new D(x).
 */
function bestCandidate(src: VectorRows, seeds: string, closest: Float64Array, candidates: number[]): { pick: number; closest: Float64Array } {
  const r = one<{ j: number; a: number[] }>(
    `WITH c AS (SELECT u.j, s.e FROM pg_catalog.unnest(${arrayOf(candidates.map((c) => c + 1), 'int4')}) WITH ORDINALITY AS u(r, j) JOIN ${seeds} s ON s.r = u.r),
          v AS MATERIALIZED (SELECT c.j, s.r, LEAST((${arrayOf(closest, 'float8')})[s.r], ${squaredDistance(src, 's.e', 'c.e')}) AS v FROM ${seeds} s CROSS JOIN c),
          b AS (SELECT j FROM v GROUP BY j ORDER BY sum(v), j LIMIT 1)
     SELECT b.j, (SELECT pg_catalog.array_agg(v.v ORDER BY v.r) FROM v WHERE v.j = b.j) AS a FROM b`,
  );
  return { pick: candidates[Number(r?.j ?? 1) - 1] as number, closest: Float64Array.from(r?.a ?? []) };
}

/**
 * Greedy k-means++ (2 + floor(ln k) candidates a step, as scikit-learn) over the seed rows: one query a step, D(x)
 * kept in JavaScript for drawing the candidates. Returns rows of the seed table, 0-based. Arthur & Vassilvitskii
 * 2007, "k-means++: the advantages of careful seeding".
 */
function plusPlus(src: VectorRows, seeds: string, m: number, rng: Random): number[] {
  const { k } = src;
  const trials = 2 + Math.floor(Math.log(k));
  const chosen = [rng.int(m)];
  let closest = distancesTo(src, seeds, chosen)[0] as Float64Array;
  const cum = new Float64Array(m);
  while (chosen.length < k) {
    let acc = 0;
    for (let i = 0; i < m; i++) {
      acc += closest[i] as number;
      cum[i] = acc;
    }
    // Every row sits on a chosen one: the seed rows have fewer than k distinct rows.
    if (!(acc > 0)) throw new TooFewDistinct();
    const candidates: number[] = [];
    for (let t = 0; t < trials; t++) {
      let at = upperBound(cum, rng.next() * acc);
      while (at >= m || (closest[at] as number) <= 0) at = at >= m ? m - 1 : at - 1;
      candidates.push(at);
    }
    const best = bestCandidate(src, seeds, closest, candidates);
    chosen.push(best.pick);
    closest = best.closest;
  }
  return chosen;
}

/** k distinct rows of the sample drawn at random (0-based). */
function randomRows(src: VectorRows, sample: Sample, rng: Random): number[] {
  const picked = new Set<number>();
  const rows: number[] = [];
  const seenVectors = new Set<string>();
  let guard = 0;
  while (rows.length < src.k) {
    if (guard++ > 100 * src.k + sample.size) throw new TooFewDistinct();
    const r = rng.int(sample.size);
    if (picked.has(r)) continue;
    picked.add(r);
    // Distinct values, not just distinct rows: compare their text forms.
    const v = Array.from(sampleRows(sample, [r + 1], src.d)).join(',');
    if (seenVectors.has(v)) continue;
    seenVectors.add(v);
    rows.push(r);
  }
  return rows;
}

/** Starting centers of one start (k-means++ seeds from the first seed rows of the sample, which are rows 1..m of it). */
function startCenters(src: VectorRows, sample: Sample, o: VectorKmeansOptions, start: number, seeds: (all: boolean) => { table: string; size: number }): Float64Array {
  if (o.centers) return Float64Array.from(o.centers);
  const rng = createRandom(deriveSeed(o.seed, start));
  if (o.centerChoice === 'random') return sampleRows(sample, randomRows(src, sample, rng).map((r) => r + 1), src.d);
  let seed = seeds(false);
  try {
    return sampleRows(sample, plusPlus(src, seed.table, seed.size, rng).map((r) => r + 1), src.d);
  } catch (e) {
    // The seed rows repeat too much: seed from the whole sample (which has k distinct rows, checked before).
    if (!(e instanceof TooFewDistinct) || seed.size >= sample.size) throw e;
    seed = seeds(true);
    return sampleRows(sample, plusPlus(src, seed.table, seed.size, createRandom(deriveSeed(o.seed, start))).map((r) => r + 1), src.d);
  }
}

/**
 * Fits k centers to the rows: sample, seed, iterate on the sample, one mean update over every row, label. Throws
 * TooFewDistinct when the sample has fewer than k distinct rows.
 */
export function vectorKmeans(src: VectorRows, o: VectorKmeansOptions): VectorKmeansRun {
  const { k, d } = src;
  const t0 = now();
  const sample = createSample(src, o.n, vectorSampleSize(k));
  const distinct = distinctInSample(sample, k);
  if (distinct < k) throw new TooFewDistinct(distinct);
  const threshold = o.tolerance * sample.variance;
  const project = projector(o.unit);
  const t1 = now();
  let seedMs = 0;
  let best: { centers: Float64Array; cost: number; iterations: number; converged: boolean; engine: SampleEngine } | null = null;
  const starts = o.centers ? 1 : Math.max(1, o.starts);
  let seeds: { table: string; size: number } | null = null;
  const seedRows = (all: boolean) => {
    if (!seeds || (all && seeds.size < sample.size)) {
      const size = all ? sample.size : seedSize(k, sample.size);
      seeds = { table: seedTable(src, sample, size), size };
    }
    return seeds;
  };
  for (let s = 0; s < starts; s++) {
    const ts = now();
    const initial = startCenters(src, sample, o, s, seedRows);
    project(initial, k, d);
    seedMs += now() - ts;
    const engine = new SampleEngine(src, sample, k, d);
    const run = lloyd(engine, initial, { maxIterations: o.maxIterations, tolerance: o.tolerance, project }, threshold);
    const cost = engine.lastCost;
    if (!best || cost < best.cost) best = { centers: run.centers, cost, iterations: run.iterations, converged: run.converged, engine };
  }
  if (!best) throw new Error('internal error: no start ran');
  const t2 = now();
  let iterations = best.iterations;
  const converged = best.converged;
  let centers = best.centers;
  let counts: Float64Array;
  const spent: Record<string, number> = { ...best.engine.spent };
  const left = o.maxIterations - iterations;
  if (sample.all || left <= 0) {
    // The sample is every row (or no iteration is left): the labelling pass is all that remains.
    const tl = now();
    counts = o.label(centers);
    spent.label_pass_ms = now() - tl;
  } else {
    // One mean update over every row moves the centers from the sample's optimum onto the whole data, then the
    // labelling pass assigns every row to them.
    const engine = new FullEngine(src, o.label);
    const full = lloyd(engine, centers, { maxIterations: 1, tolerance: o.tolerance, project }, threshold);
    Object.assign(spent, engine.spent);
    centers = full.centers;
    counts = full.counts;
    iterations += full.iterations;
    // converged says whether Lloyd's iterations on the sample stopped by the tolerance: the one mean update over
    // every row is a fixed last step, not an iteration that could have been allowed to run on.
  }
  return {
    centers,
    counts,
    iterations,
    converged,
    sample: sample.size,
    sampleTable: sample.table,
    timings: { sample_ms: t1 - t0, seed_ms: seedMs, sample_iterations_ms: t2 - t1 - seedMs, full_ms: now() - t2 },
    spent,
  };
}

/** The error for too few distinct rows, with the fix. */
export function tooFewDistinctError(k: number, distinct: number): Error {
  return fewerDistinctError(k, distinct);
}
