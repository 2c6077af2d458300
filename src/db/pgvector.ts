// pgvector columns as pg_centroid sees them: where pgvector lives (it is optional: only dynamic SQL names its
// types and functions), which column of a table is a vector of how many dimensions, and what settings cannot work
// with one. A table is clustered either on one vector(n) or halfvec(n) column, or on numeric columns.

import type { Settings } from '../config/settings';
import type { Pgvector, VectorType } from '../sql/vector';
import { VECTOR_MAX_K } from '../sql/vector';
import type { Column, Table } from './catalog';
import { UserError } from './errors';
import { one } from './pl';

/** A vector column being clustered: its name, type, dimensions and pgvector's schema. */
export interface VectorFeature extends Pgvector {
  column: string;
  type: VectorType;
  dims: number;
}

/** pgvector's schema in this database, or null when it is not installed. */
export function pgvectorSchema(): string | null {
  const row = one<{ s: string }>(
    `SELECT n.nspname::text AS s FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'vector'`,
  );
  return row ? row.s : null;
}

/** True when any clustering column of the settings is a vector column of the table. */
export function hasVectorColumn(table: Table, s: Settings): boolean {
  return s.clustering_columns.some((c) => table.columns.get(c)?.vector);
}

/** The vector column the settings cluster, or null when they cluster numeric columns; assumes checkVectorSettings passed. */
export function vectorFeature(table: Table, s: Settings): VectorFeature | null {
  const c = s.clustering_columns.length === 1 ? table.columns.get(s.clustering_columns[0] as string) : undefined;
  if (!c?.vector || c.vector.dims === null) return null;
  return { column: c.name, type: c.vector.type, dims: c.vector.dims, schema: c.vector.schema };
}

/** The number of values a row of the settings has: a vector column's dimensions, else one per column. */
export function dimensionsOf(table: Table, s: Settings): number {
  return vectorFeature(table, s)?.dims ?? s.clustering_columns.length;
}

/**
 * Refuses settings that cannot cluster a vector column, naming the setting and the fix: a vector column with other
 * columns, a second one, one without declared dimensions, and what pg_centroid does not compute on vectors
 * (manhattan distance, k-medians, k-medoids, z-scores, half-life weights, more than VECTOR_MAX_K clusters).
 */
export function checkVectorSettings(table: Table, s: Settings): void {
  const vectors = s.clustering_columns.map((c) => table.columns.get(c)).filter((c): c is Column => c?.vector !== undefined && c.vector !== null);
  if (vectors.length === 0) return;
  const first = vectors[0] as Column;
  if (s.clustering_columns.length > 1) {
    const others = s.clustering_columns.filter((c) => c !== first.name);
    throw new UserError(
      vectors.length > 1
        ? `pg_centroid setting clustering_columns: ${vectors.map((c) => `"${c.name}"`).join(' and ')} of ${table.display} are vector columns; one vector column is clustered at a time`
        : `pg_centroid setting clustering_columns: "${first.name}" of ${table.display} is a vector column and cannot be mixed with other columns (${others.join(', ')})`,
      `cluster on one vector column alone: "clustering_columns": ["${first.name}"], or on numeric columns only`,
    );
  }
  const type = first.vector as NonNullable<Column['vector']>;
  if (type.dims === null) {
    throw new UserError(
      `pg_centroid setting clustering_columns: column "${first.name}" of ${table.display} is ${type.type} without a number of dimensions`,
      `declare its dimensions: ALTER TABLE ${table.sql} ALTER COLUMN "${first.name.replace(/"/g, '""')}" TYPE ${type.type}(384) (the length of its vectors)`,
    );
  }
  const refuse = (key: string, value: string, fix: string) => {
    throw new UserError(`pg_centroid setting ${key}: ${value} is not taken with vector column "${first.name}"`, fix);
  };
  if (s.distance_type === 'manhattan') refuse('distance_type', 'manhattan', 'use "distance_type": "cosine" (the usual choice for embeddings) or "euclidean"');
  if (s.clustering_algorithm === 'k-medians' || s.clustering_algorithm === 'k-medoids') {
    refuse('clustering_algorithm', s.clustering_algorithm, 'use "clustering_algorithm": "k-means" (k-means++ starts are the default)');
  }
  if (s.standardize !== 'none') refuse('standardize', s.standardize, 'remove "standardize": embeddings are compared as they are (or by direction with "distance_type": "cosine")');
  if (s.half_life !== null) refuse('half_life', JSON.stringify(s.half_life), 'remove "half_life": refits of vector columns weigh every row of the window alike');
  if (s.cluster_count > VECTOR_MAX_K) {
    throw new UserError(`pg_centroid setting cluster_count: ${s.cluster_count} is more than the ${VECTOR_MAX_K} clusters a vector column takes`, `set "cluster_count" to at most ${VECTOR_MAX_K}`);
  }
  if (s.starting_centers) {
    s.starting_centers.forEach((p, i) => {
      if (p.length !== type.dims) {
        throw new UserError(
          `pg_centroid setting starting_centers: starting_centers[${i}] has ${p.length} numbers, but column "${first.name}" is ${type.type}(${type.dims})`,
          `give each point ${type.dims} numbers`,
        );
      }
    });
  }
}
