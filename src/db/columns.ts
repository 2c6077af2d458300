// The settings against a table's columns: each named column exists and has a type its setting can use, and
// starting centers have the rows' dimensions (numeric columns, or one pgvector column: src/db/pgvector.ts).

import type { Settings } from '../config/settings';
import { ident } from '../sql/quote';
import type { Column, Table } from './catalog';
import { UserError } from './errors';
import { checkVectorSettings, hasVectorColumn } from './pgvector';

/** Checks settings against the table's current columns; throws a UserError naming the fix. */
export function checkColumns(table: Table, s: Settings, usage: 'insert' | 'fit'): void {
  const need = (key: string, column: string) => {
    const c = table.columns.get(column);
    if (!c) {
      const names = [...table.columns.keys()];
      throw new UserError(
        `pg_centroid setting ${key}: column "${column}" does not exist in table ${table.display}`,
        names.length ? `columns of ${table.display}: ${names.join(', ')}` : 'the table has no columns',
      );
    }
    return c;
  };
  const key = need('key_column', s.key_column);
  if (!key.equality) {
    throw new UserError(
      `pg_centroid setting key_column: column "${s.key_column}" of ${table.display} is ${key.type}, which has no equality operator, so rows cannot be matched by it`,
      'choose a key column of a type that can be compared with = (integers, text, uuid, timestamps, numeric, ...), e.g. a primary key',
    );
  }
  for (const column of s.clustering_columns) {
    const c = need('clustering_columns', column);
    if (c.kind === null && !c.vector) throw notANumber(table, c);
  }
  checkVectorSettings(table, s);
  checkCenterDimensions(table, s);
  if (s.cluster_number_column !== null) {
    const c = need('cluster_number_column', s.cluster_number_column);
    if (!c.integer) {
      throw new UserError(
        `pg_centroid setting cluster_number_column: column "${s.cluster_number_column}" of ${table.display} is ${c.type}, not an integer`,
        `ALTER TABLE ${table.sql} ALTER COLUMN ${ident(s.cluster_number_column)} TYPE integer`,
      );
    }
  } else if (usage === 'insert') {
    throw new UserError('pg_centroid setting cluster_number_column is missing', 'add "cluster_number_column": "<integer column>"');
  }
  if (s.time_column !== null) need('time_column', s.time_column);
  if (s.distance_column !== null) {
    const c = need('distance_column', s.distance_column);
    if (c.kind !== 'float' && c.kind !== 'numeric') {
      throw new UserError(
        `pg_centroid setting distance_column: column "${c.name}" of ${table.display} is ${c.type}, not double precision`,
        `ALTER TABLE ${table.sql} ALTER COLUMN ${ident(c.name)} TYPE double precision`,
      );
    }
  }
  if (s.anomaly_column !== null) {
    const c = need('anomaly_column', s.anomaly_column);
    if (c.base !== 'bool') {
      throw new UserError(`pg_centroid setting anomaly_column: column "${c.name}" of ${table.display} is ${c.type}, not boolean`, `ALTER TABLE ${table.sql} ALTER COLUMN ${ident(c.name)} TYPE boolean USING ${ident(c.name)}::boolean`);
    }
  }
}

/** The error for a clustering column that is neither a number nor a pgvector vector. */
export function notANumber(table: Table, c: Column): UserError {
  return new UserError(
    `pg_centroid setting clustering_columns: column "${c.name}" of ${table.display} is ${c.type}, not a number`,
    'cluster on numeric columns (smallint, integer, bigint, real, double precision, numeric, or domains over them), or on one vector(n) or halfvec(n) column of pgvector',
  );
}

/** Refuses starting centers of another length than the rows (numeric columns: one number per column). */
export function checkCenterDimensions(table: Table, s: Settings): void {
  if (!s.starting_centers || hasVectorColumn(table, s)) return;
  const d = s.clustering_columns.length;
  s.starting_centers.forEach((p, i) => {
    if (p.length !== d) {
      throw new UserError(`pg_centroid setting starting_centers: starting_centers[${i}] must have ${d} coordinates (one per clustering column), not ${p.length}`, `give each point ${d} numbers, in the order of clustering_columns`);
    }
  });
}
