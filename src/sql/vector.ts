// SQL text for pgvector columns: vector literals, the rows' vectors (on the unit sphere under cosine), and the
// nearest of k centers computed by pgvector's C distance functions in one expression.
//
// The nearest center: pgvector computes squared L2 distances in single precision and returns them widened to
// float8, so each distance d has at most 24 significant bits. Key i = d_i * (1 + i * 2^-36) + i * 2^-1060 keeps the
// order of distinct distances (the factor moves d by less than half a float4 step, for i < 2^11) and orders equal
// distances by i, so LEAST over the keys is the nearest center with ties to the lowest index, and the key alone tells
// both: d is the key rounded to float4, i is (key / d - 1) * 2^36; a distance of 0 leaves i * 2^-1060 (a subnormal
// that is absorbed by any nonzero d). One LEAST per row, no array, no sort: PostgreSQL has no common subexpressions,
// so an argmin that names the distances twice would compute them twice.
// Pure text generation, unit-tested without a database.

import { ident, text } from './quote';

/** pgvector's column types pg_centroid clusters. */
export type VectorType = 'vector' | 'halfvec';

/** Largest k the encoded nearest-center key distinguishes (i * 2^-36 must stay under 2^-25). */
export const VECTOR_MAX_K = 2000;

/** Rows whose vector is this long or longer are invalid: their squared distances could overflow single precision. */
export const VECTOR_MAX_NORM = 1e18;

/** The multiplier of center i's key. */
export function keyFactor(i: number): number {
  return 1 + i * 2 ** -36;
}

/** The tie-breaker added to center i's key (a subnormal float8). */
export function keyTie(i: number): number {
  return i * 2 ** -1060;
}

/** pgvector's names in its schema (quoted). */
export interface Pgvector {
  schema: string;
}

/** A pgvector object of the extension's schema, quoted (vector, l2_normalize, ...). */
export function pv(p: Pgvector, name: string): string {
  return `${ident(p.schema)}.${ident(name)}`;
}

/** The vector type. */
export function vectorType(p: Pgvector): string {
  return pv(p, 'vector');
}

/** Squared L2 distance of two vector expressions (single precision, widened to float8). */
export function squaredDistance(p: Pgvector, a: string, b: string): string {
  return `${pv(p, 'vector_l2_squared_distance')}(${a}, ${b})`;
}

/** L2 distance of two vector expressions. */
export function distance(p: Pgvector, a: string, b: string): string {
  return `(${a} OPERATOR(${ident(p.schema)}.<->) ${b})`;
}

/**
 * A vector literal of the given numbers, rounded to single precision (as the vector holds them; the text is the
 * float8 spelling of each float4 value, which reads back to the same float4). Typed arrays join natively, which
 * QuickJS does several times faster than a loop of String() calls.
 */
export function vectorLiteral(p: Pgvector, values: ArrayLike<number>, offset = 0, d = values.length - offset): string {
  const f = new Float32Array(d);
  for (let j = 0; j < d; j++) f[j] = values[offset + j] as number;
  for (let j = 0; j < d; j++) {
    if (!Number.isFinite(f[j] as number)) throw new Error(`vector: ${values[offset + j]} is not a finite single-precision number`);
  }
  // Neither quotes nor backslashes can occur in numbers: the literal needs no escaping.
  return `'[${f.join(',')}]'::${vectorType(p)}`;
}

/** Parses a vector's text form ([1,2.5,1e-05]) into numbers. */
export function parseVector(t: string): number[] {
  const v = JSON.parse(t) as unknown;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) throw new Error(`vector: cannot read ${t.slice(0, 40)}`);
  return v as number[];
}

/** Parses k vectors' texts into a flat k x d array. */
export function parseVectors(texts: string[], d: number): Float64Array {
  const out = new Float64Array(texts.length * d);
  texts.forEach((t, c) => {
    const v = parseVector(t);
    if (v.length !== d) throw new Error(`vector: expected ${d} dimensions, not ${v.length}`);
    out.set(v, c * d);
  });
  return out;
}

/** The column's value as a vector (halfvec widened), and the condition that makes the row valid. */
export function rowVector(p: Pgvector, column: string, type: VectorType, unit: boolean): { vector: string; valid: string; norm: string } {
  const raw = type === 'halfvec' ? `${column}::${vectorType(p)}` : column;
  const norm = `${pv(p, 'vector_norm')}(${raw})`;
  // Cosine: a vector of length 0 has no direction. Either way a vector too long for single-precision distances is invalid.
  const short = op(norm, '<', `${VECTOR_MAX_NORM}::pg_catalog.float8`);
  const valid = unit ? `(${op(norm, '>', '0::pg_catalog.float8')} AND ${short})` : `(${raw} IS NOT NULL AND ${short})`;
  return { vector: unit ? `${pv(p, 'l2_normalize')}(${raw})` : raw, valid, norm };
}

/** a <op> b with a schema-qualified operator (the label function runs under the inserting role's search_path). */
function op(a: string, o: '+' | '-' | '*' | '/' | '<' | '>' | '>=', b: string): string {
  return `(${a} OPERATOR(pg_catalog.${o}) ${b})`;
}

/** LEAST over the encoded keys of the row's squared distance to each of the k centers (see the top of this file). */
export function nearestKey(p: Pgvector, row: string, centers: ArrayLike<number>, k: number, d: number): string {
  if (k > VECTOR_MAX_K) throw new Error(`vector: k = ${k} is more than ${VECTOR_MAX_K}`);
  const keys: string[] = [];
  for (let c = 0; c < k; c++) {
    const dist = squaredDistance(p, row, vectorLiteral(p, centers, c * d, d));
    keys.push(c === 0 ? dist : op(op(dist, '*', `${keyFactor(c)}::pg_catalog.float8`), '+', `${keyTie(c)}::pg_catalog.float8`));
  }
  return k === 1 ? `(${keys[0]})` : `LEAST(${keys.join(', ')})`;
}

/** The center index a key names (int4). */
export function keyLabel(key: string): string {
  const tiny = op(key, '<', '1e-300::pg_catalog.float8');
  const zero = `pg_catalog.round(${op(key, '/', `${keyTie(1)}::pg_catalog.float8`)})`;
  const other = `pg_catalog.round(${op(op(op(key, '/', `${key}::pg_catalog.float4::pg_catalog.float8`), '-', '1::pg_catalog.float8'), '*', `${2 ** 36}::pg_catalog.float8`)})`;
  return `(CASE WHEN ${tiny} THEN ${zero} ELSE ${other} END)::pg_catalog.int4`;
}

/** The squared distance a key holds (float8). */
export function keySquared(key: string): string {
  return `(CASE WHEN ${op(key, '<', '1e-300::pg_catalog.float8')} THEN 0::pg_catalog.float8 ELSE ${key}::pg_catalog.float4::pg_catalog.float8 END)`;
}

/** Decodes a key in JavaScript, as keyLabel and keySquared do in SQL (for tests and checks). */
export function decodeKey(key: number): { label: number; squared: number } {
  if (key < 1e-300) return { label: Math.round(key / keyTie(1)), squared: 0 };
  const d = Math.fround(key);
  return { label: Math.round((key / d - 1) * 2 ** 36), squared: d };
}
