// Fits by aggregates: centroid.fit and centroid.choose_k without reading the rows into JavaScript, the route a
// sharded source takes (a partitioned table whose partitions are postgres_fdw foreign tables). Every statement is
// plain SQL over the source's leaves: a profile (counts, sums, deviations), a sample drawn on the shards by a hash
// of the key, the Lloyd passes of the aggregate engine (src/db/pushdown.ts) under the core's driver, a summary pass
// (sizes, radii, cost, the agreement with the labels already written) and one UPDATE that writes the labels where
// the rows are (on a foreign partition, postgres_fdw's direct modify: the UPDATE runs on its server).

import type { Candidate, Metrics, ModelFit } from '../config/results';
import { type Settings, validateConfig } from '../config/settings';
import { nearest } from '../core/assign';
import { qualityFromSums, type ClusterSums } from '../core/cluster-sums';
import { FEATURE_ZERO } from '../core/features';
import { fit } from '../core/fit';
import { lloyd } from '../core/lloyd';
import { matchLabels } from '../core/match';
import { silhouette } from '../core/metrics';
import { countDistinct, validateCenters } from '../core/seeding';
import { scaleOf, unstandardize, type Scaler } from '../core/standardize';
import type { Points } from '../core/types';
import { float, ident, integer, text } from '../sql/quote';
import { type Column, type Table } from './catalog';
import { UserError } from './errors';
import { now, notice, one } from './pl';
import { AggregateEngine, farthestSql, type Frame, inOrder, overLeaves, passSql, rawFeatureSql, scaledFeatureSql, validColumnSql } from './pushdown';
import { fitOptions, sampleSize } from './refit';
import { isSharded, type Layout, layoutOf, remoteExec, remoteQuery } from './shards';
import { nearestFlatSql } from './sqlengine';
import { checkSourceColumns, releaseSource, resolveOutput, resolveSource, type Source } from './batch-source';

/** The largest cluster_count x dimensions the aggregate route renders (a pass writes each distance out twice). */
export const AGGREGATE_MAX_TERMS = 4096;

/** How a fit reads its source: every row into JavaScript, or aggregates only. */
export type FitRoute = { route: 'rows' } | { route: 'aggregates'; layout: Layout };

/** Why the aggregate route cannot compute what the settings ask, or null when it can. */
function reasonAgainst(s: Settings, source: Source, output: Table | null): string | null {
  if (s.clustering_algorithm !== 'k-means' && s.clustering_algorithm !== 'k-means++') return `${s.clustering_algorithm} needs the rows in memory`;
  if (s.distance_type === 'manhattan') return 'its passes are sums of euclidean distances, not manhattan (manhattan runs k-medians, whose medians are no sums)';
  if (s.distance_type !== 'euclidean') return `its passes are sums of euclidean distances of the rows as stored, not ${s.distance_type} distances`;
  const terms = s.cluster_count * s.clustering_columns.length;
  if (terms > AGGREGATE_MAX_TERMS) return `cluster_count x clustering columns is ${terms}, more than the ${AGGREGATE_MAX_TERMS} its passes render`;
  if (output !== null && output.oid !== source.table.oid) return `its labels go to ${output.display}, not to the source itself`;
  return null;
}

/**
 * The route of a fit: aggregates for a sharded source, or for any source when the session sets pg_centroid.engine to
 * sql; rows otherwise (and always under pg_centroid.engine = js). A sharded source the aggregates cannot fit is read
 * row by row, with a NOTICE saying why.
 */
export function fitRoute(source: Source, s: Settings, output: Table | null, what: string): FitRoute {
  const forced = one<{ e: string | null }>(`SELECT pg_catalog.current_setting('pg_centroid.engine', true) AS e`)?.e ?? 'auto';
  if (forced === 'js') return { route: 'rows' };
  const layout = layoutOf(source.table.oid);
  const sharded = isSharded(layout);
  if (forced !== 'sql' && !sharded) return { route: 'rows' };
  const reason = reasonAgainst(s, source, output);
  if (reason === null) return { route: 'aggregates', layout };
  notice(
    `pg_centroid: ${what} reads every row of ${sharded ? 'sharded table ' : ''}${source.display} into this server's memory, because ${reason}` +
      ' (k-means with euclidean distance and labels written to the source itself runs on aggregates)',
  );
  return { route: 'rows' };
}

/** A source profiled for the aggregate passes: its frame, valid and total rows, the tolerance's scale and the scaler. */
interface Profiled {
  frame: Frame;
  n: number;
  total: number;
  variance: number;
  scaler: Scaler | null;
}

/** Numbers of a row of aggregates, summed over the leaves' rows in one order (see inOrder). */
function sumRows(rows: Record<string, unknown>[], columns: string[]): Float64Array {
  const out = new Float64Array(columns.length);
  for (const r of inOrder(rows, columns)) columns.forEach((c, i) => (out[i] = (out[i] as number) + Number(r[c] ?? 0)));
  return out;
}

/**
 * Profiles the source in two aggregate statements: rows and valid rows, each column's sum and whether a value needs
 * flushing to 0, then each column's squared deviations from its mean (the tolerance's scale, and the scaler of
 * standardize zscore, two-pass as fitScaler computes it). Refuses fewer valid rows than k.
 */
function profile(source: Source, s: Settings, layout: Layout, k: number, what: string): Profiled {
  const columns = s.clustering_columns.map((c) => source.table.columns.get(c) as Column);
  const d = columns.length;
  const valid = columns.map(validColumnSql).join(' AND ');
  const raw = columns.map((c) => rawFeatureSql(c, false));
  const first = remoteQuery<Record<string, unknown>>(
    overLeaves(layout, (rel) => `SELECT pg_catalog.count(*) AS total, pg_catalog.count(*) FILTER (WHERE ${valid}) AS n, ${raw.map((x, j) => `pg_catalog.sum(${x}) FILTER (WHERE ${valid}) AS s${j}, pg_catalog.bool_or(${x} <> 0 AND pg_catalog.abs(${x}) < ${float(FEATURE_ZERO)}) FILTER (WHERE ${valid}) AS z${j}`).join(', ')} FROM ${rel}`),
    layout,
    source.display,
    what,
  );
  const sums = sumRows(first, ['total', 'n', ...raw.map((_, j) => `s${j}`)]);
  const total = sums[0] as number;
  const n = sums[1] as number;
  if (n < k) {
    throw new UserError(
      `pg_centroid: ${source.display} has ${n} rows with valid features (${total - n} left out for NULL, NaN or infinite values), fewer than cluster_count ${k}`,
      n > 0 ? `lower cluster_count to at most ${n}, or add rows` : 'the source has no rows with all clustering columns set: check its query and columns',
    );
  }
  let x = columns.map((c, j) => rawFeatureSql(c, first.some((r) => r[`z${j}`] === true)));
  const means = Float64Array.from({ length: d }, (_, j) => (sums[2 + j] as number) / n);
  const dev = (j: number) => `((${x[j] as string}) - (${float(means[j] as number)}))`;
  const second = remoteQuery<Record<string, unknown>>(
    overLeaves(layout, (rel) => `SELECT ${x.map((_, j) => `pg_catalog.sum(${dev(j)} * ${dev(j)}) AS q${j}, pg_catalog.min(pg_catalog.abs(${dev(j)})) FILTER (WHERE ${dev(j)} <> 0) AS e${j}`).join(', ')} FROM ${rel} WHERE ${valid}`),
    layout,
    source.display,
    what,
  );
  const squares = sumRows(second, x.map((_, j) => `q${j}`));
  const nearest = x.map((_, j) => Math.min(...second.map((r) => (r[`e${j}`] === null ? Infinity : Number(r[`e${j}`])))));
  let scaler: Scaler | null = null;
  let variance = 0;
  if (s.standardize === 'zscore') {
    const scales = Float64Array.from({ length: d }, (_, j) => scaleOf(squares[j] as number, n, means[j] as number));
    scaler = { means, scales };
    // Standardized values nearer 0 than FEATURE_ZERO are flushed, as raw ones are (no square underflows).
    x = x.map((e, j) => scaledFeatureSql(e, means[j] as number, scales[j] as number, (nearest[j] as number) / (scales[j] as number) < FEATURE_ZERO));
    for (let j = 0; j < d; j++) variance += (squares[j] as number) / n / (scales[j] as number) ** 2;
  } else {
    for (let j = 0; j < d; j++) variance += (squares[j] as number) / n;
  }
  return { frame: { layout, display: source.display, valid, x }, n, total, variance: variance / d, scaler };
}

/** SQL: the key's seeded hash (the default hash operator class's extended function; text's for other types). */
function keyHashSql(table: Table, s: Settings): string {
  const key = table.columns.get(s.key_column) as Column;
  const fn = one<{ f: string | null }>(
    `SELECT p.proname::text AS f FROM pg_catalog.pg_opclass oc JOIN pg_catalog.pg_am am ON am.oid = oc.opcmethod AND am.amname = 'hash'
       JOIN pg_catalog.pg_amproc ap ON ap.amprocfamily = oc.opcfamily AND ap.amprocnum = 2 AND ap.amproclefttype = oc.opcintype AND ap.amprocrighttype = oc.opcintype
       JOIN pg_catalog.pg_proc p ON p.oid = ap.amproc AND p.pronamespace = 'pg_catalog'::pg_catalog.regnamespace
       JOIN pg_catalog.pg_type t ON t.oid = oc.opcintype AND t.typnamespace = 'pg_catalog'::pg_catalog.regnamespace
      WHERE oc.opcdefault AND t.typname = ${text(key.base)} LIMIT 1`,
  )?.f;
  const seed = integer(s.seed);
  return fn ? `pg_catalog.${ident(fn)}(${ident(key.name)}, ${seed})` : `pg_catalog.hashtextextended(${ident(key.name)}::pg_catalog.text, ${seed})`;
}

/** Points from rows of columns x0..x{d-1}, in the order of their values (the same whichever server answered first). */
function pointsOf(rows: Record<string, unknown>[], d: number): Points {
  const xs = Array.from({ length: d }, (_, j) => `x${j}`);
  const ordered = inOrder(rows, xs);
  const data = new Float64Array(ordered.length * d);
  ordered.forEach((r, i) => xs.forEach((c, j) => (data[i * d + j] = Number(r[c]))));
  return { data, n: ordered.length, d };
}

/**
 * The sample k-means starts from, drawn on the shards: the valid rows whose seeded key hash is 0 modulo
 * n / sampleSize(k) (a filter postgres_fdw ships; random() is not shipped), all valid rows when there are few. When
 * the sample has fewer than k distinct rows, up to k distinct rows of the source (a pushed-down GROUP BY ... LIMIT)
 * join it; fewer than k distinct rows in all is refused.
 */
function drawSample(source: Source, s: Settings, p: Profiled, k: number, what: string): Points {
  const f = p.frame;
  const d = f.x.length;
  const xs = f.x.map((e, j) => `${e} AS x${j}`).join(', ');
  const step = Math.floor(p.n / sampleSize(k));
  const filter = step > 1 ? ` AND (${keyHashSql(source.table, s)} % ${integer(step)}) = 0` : '';
  const sample = pointsOf(remoteQuery(overLeaves(f.layout, (rel) => `SELECT ${xs} FROM ${rel} WHERE ${f.valid}${filter}`), f.layout, f.display, what), d);
  if (countDistinct(sample, k) >= k) return sample;
  const groups = f.x.map((_, j) => String(j + 1)).join(', ');
  const distinct = pointsOf(remoteQuery(overLeaves(f.layout, (rel) => `SELECT ${xs} FROM ${rel} WHERE ${f.valid} GROUP BY ${groups} LIMIT ${integer(k)}`), f.layout, f.display, what), d);
  const found = countDistinct(distinct, k);
  if (found < k) throw new UserError(`pg_centroid: ${source.display} has only ${found} distinct rows, fewer than cluster_count ${k}`, `lower cluster_count to at most ${found}`);
  const data = new Float64Array((sample.n + distinct.n) * d);
  data.set(sample.data);
  data.set(distinct.data, sample.n * d);
  return { data, n: sample.n + distinct.n, d };
}

/** The per-cluster sums under the final centers, and (when labels is the output's column) the agreement with it. */
interface Summary {
  sums: ClusterSums;
  agreement: Float64Array;
}

/** One aggregate pass: per nearest center and current label, rows, distance sums, squared distances, coordinate sums. */
function summarize(f: Frame, centers: Float64Array, k: number, label: string | null, what: string): Summary {
  const d = f.x.length;
  const { position, dist } = nearestFlatSql(f.x, centers, k);
  const l = label === null ? 'NULL::pg_catalog.int4' : `CASE WHEN ${ident(label)} BETWEEN 0 AND ${k - 1} THEN ${ident(label)}::pg_catalog.int4 END`;
  const rows = remoteQuery<Record<string, unknown>>(
    overLeaves(f.layout, (rel) => `SELECT ${position} AS p, ${l} AS l, pg_catalog.count(*) AS n, pg_catalog.sum(pg_catalog.sqrt(${dist})) AS r, pg_catalog.sum(${dist}) AS q, ${f.x.map((e, j) => `pg_catalog.sum(${e}) AS s${j}`).join(', ')} FROM ${rel} WHERE ${f.valid} GROUP BY 1, 2`),
    f.layout,
    f.display,
    what,
  );
  const sums: ClusterSums = { k, d, counts: new Int32Array(k), sums: new Float64Array(k * d), distances: new Float64Array(k), squares: new Float64Array(k) };
  const agreement = new Float64Array(k * k);
  for (const r of inOrder(rows, ['p', 'l', 'n', 'r', 'q', ...f.x.map((_, j) => `s${j}`)])) {
    const c = Number(r.p) - 1;
    const m = Number(r.n);
    sums.counts[c] = (sums.counts[c] as number) + m;
    sums.distances[c] = (sums.distances[c] as number) + Number(r.r);
    sums.squares[c] = (sums.squares[c] as number) + Number(r.q);
    for (let j = 0; j < d; j++) sums.sums[c * d + j] = (sums.sums[c * d + j] as number) + Number(r[`s${j}`]);
    if (r.l !== null && r.l !== undefined) agreement[c * k + Number(r.l)] = (agreement[c * k + Number(r.l)] as number) + m;
  }
  return { sums, agreement };
}

/** Cluster j renumbered perm[j]: the centers and sums. */
function renumber(centers: Float64Array, s: ClusterSums, perm: Int32Array): { centers: Float64Array; sums: ClusterSums } {
  const { k, d } = s;
  const out: ClusterSums = { k, d, counts: new Int32Array(k), sums: new Float64Array(k * d), distances: new Float64Array(k), squares: new Float64Array(k) };
  const moved = new Float64Array(k * d);
  for (let j = 0; j < k; j++) {
    const p = perm[j] as number;
    out.counts[p] = s.counts[j] as number;
    out.distances[p] = s.distances[j] as number;
    out.squares[p] = s.squares[j] as number;
    for (let t = 0; t < d; t++) {
      moved[p * d + t] = centers[j * d + t] as number;
      out.sums[p * d + t] = s.sums[j * d + t] as number;
    }
  }
  return { centers: moved, sums: out };
}

/** SQL: a valid row's normalized distance, its distance over its cluster's RMS radius (as normalizedDistance). */
function normalizedSql(position: string, dist: string, rms: Float64Array): string {
  const r = `(ARRAY[${Array.from(rms, (v) => float(v)).join(', ')}]::pg_catalog.float8[])[${position}]`;
  return `(CASE WHEN ${dist} <= 0 THEN 0::pg_catalog.float8 WHEN ${r} > 0 THEN pg_catalog.sqrt(${dist}) / ${r} ELSE 'Infinity'::pg_catalog.float8 END)`;
}

/** The contamination threshold (as contaminationThreshold): the largest normalized distance of the rows left unflagged. */
function contaminationThreshold(f: Frame, centers: Float64Array, k: number, rms: Float64Array, n: number, share: number, what: string): number {
  const flagged = Math.min(n, Math.round(share * n));
  if (flagged === n) return -Infinity;
  const { position, dist } = nearestFlatSql(f.x, centers, k);
  const nd = normalizedSql(position, dist, rms);
  // Each leaf sends its flagged + 1 largest (ORDER BY ... LIMIT is pushed down), then the (flagged + 1)-th of all.
  const rows = remoteQuery<{ v: number }>(overLeaves(f.layout, (rel) => `SELECT ${nd} AS v FROM ${rel} WHERE ${f.valid} ORDER BY 1 DESC LIMIT ${integer(flagged + 1)}`), f.layout, f.display, what);
  const sorted = rows.map((r) => Number(r.v)).sort((a, b) => b - a);
  return sorted[flagged] as number;
}

/** The UPDATE writing every row's label (and distance, anomaly flag) where it differs; NULL for invalid rows. */
function updateSql(table: Table, s: Settings, f: Frame, centers: Float64Array, k: number, rms: Float64Array, threshold: number): string {
  const { position, dist } = nearestFlatSql(f.x, centers, k);
  const when = (v: string) => `CASE WHEN ${f.valid} THEN ${v} END`;
  const sets: [string, string][] = [[s.cluster_number_column as string, when(`${position} - 1`)]];
  if (s.distance_column !== null) sets.push([s.distance_column, when(`pg_catalog.sqrt(${dist})`)]);
  if (s.anomaly_column !== null) sets.push([s.anomaly_column, when(`${normalizedSql(position, dist, rms)} > ${float(threshold)}`)]);
  return `UPDATE ${table.sql} SET ${sets.map(([c, v]) => `${ident(c)} = ${v}`).join(', ')}
           WHERE ${sets.map(([c, v]) => `${ident(c)} IS DISTINCT FROM ${v}`).join(' OR ')}`;
}

/** Throws unless there are exactly k finite centers and no cluster is empty. */
function checkCenters(centers: Float64Array, counts: ArrayLike<number>, k: number, d: number, display: string): void {
  if (centers.length !== k * d || centers.some((v) => !Number.isFinite(v))) throw new Error(`internal error: the aggregate fit of ${display} ended with centers ${Array.from(centers).join(', ')}`);
  if (Array.from(counts).some((m) => m === 0)) {
    throw new UserError(`pg_centroid: ${display} has fewer distinct rows than cluster_count ${k}: a cluster stayed empty`, 'lower cluster_count');
  }
}

/** The k-means start: the manual starting centers, else k-means (its center choice and starts) on the sample. */
function startOf(s: Settings, sample: Points, k: number, d: number): Float64Array {
  const options = fitOptions({ ...s, cluster_count: k }, null);
  if (options.centerChoice === 'manual') return validateCenters(options.centers, k, d);
  return fit(sample, options).centers;
}

/** A finite number, or null (JSON has no NaN). */
function finite(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/** What a fit by aggregates hands back to centroid.fit, which registers the version. */
export interface AggregateFit {
  fit: Omit<ModelFit, 'model' | 'version' | 'owner' | 'duration_ms'>;
  /** Centers in original units, as stored. */
  centers: Float64Array;
  scaler: Scaler | null;
}

/** The k-means run of one k: the start on the sample, then Lloyd's passes on the shards. */
function runK(s: Settings, p: Profiled, sample: Points, k: number, what: string): { centers: Float64Array; iterations: number; converged: boolean; passes: number } {
  const d = p.frame.x.length;
  const engine = new AggregateEngine(p.frame, k, what);
  const run = lloyd(engine, startOf(s, sample, k, d), { maxIterations: s.max_iterations, tolerance: s.tolerance }, s.tolerance > 0 ? s.tolerance * p.variance : 0);
  checkCenters(run.centers, run.counts, k, d, p.frame.display);
  return { centers: run.centers, iterations: run.iterations, converged: run.converged, passes: engine.passes };
}

/** Sample rows' silhouette under the centers (their labels: the nearest center). */
function sampleSilhouette(sample: Points, centers: Float64Array, k: number, size: number, seed: number): number {
  const labels = new Int32Array(sample.n);
  for (let i = 0; i < sample.n; i++) labels[i] = nearest(sample.data, i * sample.d, centers, k, sample.d, 'euclidean');
  return silhouette(sample, labels, k, 'euclidean', { sampleSize: size, seed });
}

/** centroid.fit by aggregates: the whole fit in SQL statements over the source's leaves; labels by one UPDATE. */
export function fitByAggregates(source: Source, s: Settings, output: Table | null, layout: Layout, silhouetteSample: number): AggregateFit {
  const what = 'centroid.fit';
  const k = s.cluster_count;
  const t0 = now();
  const p = profile(source, s, layout, k, what);
  const sample = drawSample(source, s, p, k, what);
  const d = p.frame.x.length;
  const t1 = now();
  const run = runK(s, p, sample, k, what);
  const t2 = now();
  const summary = summarize(p.frame, run.centers, k, output ? (s.cluster_number_column as string) : null, what);
  // Cluster numbers follow the ones already in the output column (as the row route does).
  const perm = output ? matchLabels(summary.agreement, k) : Int32Array.from({ length: k }, (_, j) => j);
  const { centers, sums } = renumber(run.centers, summary.sums, perm);
  const t2b = now();
  const q = qualityFromSums(sums, centers);
  const threshold = s.contamination !== null ? contaminationThreshold(p.frame, centers, k, q.rmsRadii, p.n, s.contamination, what) : (s.anomaly_threshold ?? 3);
  const metrics: Metrics = {
    inertia: q.cost,
    silhouette: finite(sampleSilhouette(sample, centers, k, silhouetteSample, s.seed)),
    silhouette_sample: Math.min(silhouetteSample, sample.n),
    davies_bouldin: finite(q.daviesBouldin),
    calinski_harabasz: finite(q.calinskiHarabasz),
    cluster_sizes: Array.from(sums.counts),
    radii: Array.from(q.meanRadii),
    rms_radii: Array.from(q.rmsRadii),
    anomaly_threshold: Number.isFinite(threshold) ? threshold : null,
  };
  const t3 = now();
  const changed = output ? remoteExec(updateSql(output, s, p.frame, centers, k, q.rmsRadii, threshold), layout, source.display, what) : 0;
  const original = p.scaler ? unstandardize(centers, p.scaler) : centers;
  return {
    centers: original,
    scaler: p.scaler,
    fit: {
      vector_type: null,
      rows_used: p.n,
      rows_skipped: p.total - p.n,
      k,
      algorithm: s.clustering_algorithm,
      cost: q.cost,
      iterations: run.iterations,
      converged: run.converged,
      timings: { read_ms: t1 - t0, fit_ms: t2 - t1, renumber_ms: t2b - t2, metrics_ms: t3 - t2b, write_ms: now() - t3 },
      centroids: Array.from({ length: k }, (_, c) => Array.from(original.subarray(c * d, c * d + d))),
      standardization: p.scaler ? { means: Array.from(p.scaler.means), scales: Array.from(p.scaler.scales) } : null,
      metrics,
      output_table: output?.display ?? null,
      labels_changed: changed,
      pushdown: pushdownFacts(layout, run.passes, sample.n),
    },
  };
}

/** What the fit result says of the aggregate route: the relations and servers its statements reached. */
function pushdownFacts(layout: Layout, passes: number, sampleRows: number): NonNullable<ModelFit['pushdown']> {
  return {
    relations: layout.leaves.map((l) => l.display),
    servers: layout.servers.map((v) => ({ name: v.name, host: v.host, port: v.port, async_capable: v.asyncCapable })),
    passes,
    sample_rows: sampleRows,
  };
}

/** centroid.choose_k by aggregates: every k from one profile and one sample, each k's passes on the shards. */
export function candidatesByAggregates(source: Source, s: Settings, layout: Layout, kMin: number, kMax: number, silhouetteSample: number): { candidates: Candidate[]; rowsUsed: number; rowsSkipped: number } {
  const what = 'centroid.choose_k';
  const p = profile(source, s, layout, kMax, what);
  const sample = drawSample(source, s, p, kMax, what);
  const candidates: Candidate[] = [];
  for (let k = kMin; k <= kMax; k++) {
    const run = runK(s, p, sample, k, what);
    const q = qualityFromSums(summarize(p.frame, run.centers, k, null, what).sums, run.centers);
    candidates.push({
      k,
      cost: q.cost,
      silhouette: finite(sampleSilhouette(sample, run.centers, k, silhouetteSample, s.seed)),
      davies_bouldin: finite(q.daviesBouldin),
      calinski_harabasz: finite(q.calinskiHarabasz),
      iterations: run.iterations,
    });
  }
  return { candidates, rowsUsed: p.n, rowsSkipped: p.total - p.n };
}

/** The statements a fit by aggregates runs on a source, from these centers (for EXPLAIN VERBOSE). */
function statementsOf(source: Source, s: Settings, output: Table | null, given: number[] | number[][] | null): Record<string, unknown> {
  const layout = layoutOf(source.table.oid);
  const k = s.cluster_count;
  const d = s.clustering_columns.length;
  const what = 'centroid.fit_statements';
  const p = profile(source, s, layout, k, what);
  const flat = given === null ? (s.starting_centers?.flat() ?? new Array<number>(k * d).fill(0)) : (given as (number | number[])[]).flat();
  if (flat.length !== k * d || flat.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    throw new UserError(`pg_centroid: centers must be cluster_count x clustering columns = ${k} x ${d} finite numbers, not ${flat.length} values`, `pass ARRAY[[...], ...] with ${k} rows of ${d} numbers, or NULL for the starting_centers`);
  }
  const centers = Float64Array.from(flat as number[]);
  const step = Math.floor(p.n / sampleSize(k));
  const xs = p.frame.x.map((e, j) => `${e} AS x${j}`).join(', ');
  const filter = step > 1 ? ` AND (${keyHashSql(source.table, s)} % ${integer(step)}) = 0` : '';
  return {
    relations: layout.leaves.map((l) => l.display),
    servers: layout.servers.map((v) => v.name),
    sharded: isSharded(layout),
    pass: passSql(p.frame, centers, k),
    sample: overLeaves(layout, (rel) => `SELECT ${xs} FROM ${rel} WHERE ${p.frame.valid}${filter}`),
    farthest: farthestSql(p.frame, centers, k, 2 * k),
    update: output && output.oid === source.table.oid ? updateSql(output, s, p.frame, centers, k, new Float64Array(k).fill(1), s.anomaly_threshold ?? 3) : null,
  };
}

/** centroid.fit_statements: the statements a fit by aggregates runs on the source, from these centers (for EXPLAIN). */
export function fitStatements(sourceArg: string, config: unknown, centers: number[] | number[][] | null, callerPath: string): Record<string, unknown> {
  const s = validateConfig(config, 'fit');
  const source = resolveSource(sourceArg, callerPath);
  const output = resolveOutput(s, source, callerPath);
  checkSourceColumns(source, s, output !== null);
  const statements = statementsOf(source, s, output, centers);
  releaseSource(source);
  return statements;
}
