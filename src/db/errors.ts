// Errors meant for users: a message, the fix, and the SQLSTATE the SQL wrapper raises them with.

import { SettingsError } from '../config/settings';
import { ClusteringError } from '../core/types';

/** An error a PL/pgSQL wrapper raises with MESSAGE, DETAIL and HINT (pljs loses HINT otherwise). */
export class UserError extends Error {
  constructor(
    message: string,
    readonly hint: string = '',
    readonly detail: string = '',
    readonly code: string = '22023',
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** What a JavaScript entry returns when it failed: the wrapper raises it. */
export interface ErrorResult {
  error: { message: string; hint: string; detail: string; code: string };
}

/** Turns a user error into an ErrorResult (keeping its hint); anything else is rethrown. */
export function toErrorResult(e: unknown): ErrorResult {
  if (e instanceof UserError) return { error: { message: e.message, hint: e.hint, detail: e.detail, code: e.code } };
  if (e instanceof SettingsError) {
    return { error: { message: `pg_centroid setting ${e.key}: ${e.message}`, hint: e.hint, detail: '', code: '22023' } };
  }
  if (e instanceof ClusteringError) return { error: { message: `pg_centroid: ${e.message}`, hint: e.hint, detail: '', code: '22023' } };
  // Errors from the server itself (a failed query) must propagate: the transaction is already aborted.
  throw e;
}

/** Runs fn and returns its value, or a user error as an ErrorResult for the SQL wrapper to raise. */
export function guarded<T>(fn: () => T): T | ErrorResult {
  try {
    return fn();
  } catch (e) {
    return toErrorResult(e);
  }
}

/** True when a value is an ErrorResult. */
export function isError(v: unknown): v is ErrorResult {
  return typeof v === 'object' && v !== null && 'error' in v;
}
