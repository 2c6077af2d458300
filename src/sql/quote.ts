// The one place where names and values become SQL text. Every identifier and every value that
// reaches a query built by pg_centroid goes through here (pljs cannot bind parameters while a
// trigger runs, so the in-database code renders values as literals).

/** Quotes an identifier the way PostgreSQL's quote_ident does when in doubt: always. */
export function ident(name: string): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new Error(`invalid identifier: ${JSON.stringify(name)}`);
  }
  if (name.includes('\u0000')) throw new Error('invalid identifier: contains a NUL character');
  return '"' + name.replace(/"/g, '""') + '"';
}

/** Quotes a schema-qualified name. */
export function qualified(schema: string, name: string): string {
  return ident(schema) + '.' + ident(name);
}

/** Renders a string as a standard-conforming literal (E'' is never needed: backslashes are plain). */
export function text(value: string): string {
  if (value.includes('\u0000')) throw new Error('invalid text value: contains a NUL character');
  return "'" + value.replace(/'/g, "''") + "'";
}

/** Renders a number as a float8 literal; NaN and infinities become their quoted spellings. */
export function float(value: number): string {
  if (Number.isNaN(value)) return "'NaN'::float8";
  if (value === Infinity) return "'Infinity'::float8";
  if (value === -Infinity) return "'-Infinity'::float8";
  // String(-0) is "0"; the sign of zero does not matter to us. A negative number is quoted
  // because unary minus binds looser than :: (-1::float8::text is -(text), an error).
  return value < 0 ? `'${value}'::float8` : String(value) + '::float8';
}

/** Renders an integer (number or BigInt) as an int8 literal; refuses fractions. */
export function integer(value: number | bigint): string {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
  // Quoted when negative: -9223372036854775808::int8 is -(9223372036854775808::int8), out of range.
  return value < 0 ? `'${value.toString()}'::int8` : value.toString() + '::int8';
}

/** A value whose literal form is known to pg_centroid. */
export type Value = null | boolean | number | bigint | string | Date | Value[] | { [key: string]: unknown };

/** Renders any supported value as a literal; objects become jsonb. */
export function literal(value: Value): string {
  if (value === null || value === undefined) return 'NULL';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isSafeInteger(value)) return float(value);
      return value < 0 ? `(${value})` : String(value);
    case 'bigint':
      return integer(value);
    case 'string':
      return text(value);
    default:
      if (value instanceof Date) return text(value.toISOString()) + '::timestamptz';
      if (Array.isArray(value)) return arrayOf(value, guessArrayType(value));
      return text(JSON.stringify(value)) + '::jsonb';
  }
}

/** The element types rendered specially; any other type name (from format_type) is rendered as text. */
export type ArrayType = 'float8' | 'int8' | 'int4' | 'text' | 'bool' | 'jsonb';

/**
 * Renders an array as one array literal string with a cast: cheap to build and to parse.
 * `type` is one of ArrayType or a type name as PostgreSQL's format_type prints it (uuid, numeric, ...).
 */
export function arrayOf(values: ArrayLike<unknown>, type: ArrayType | string): string {
  if (!/^[a-z_][a-z0-9_ ().,"]*$/i.test(type)) throw new Error(`invalid type name: ${JSON.stringify(type)}`);
  let body = type === 'int4' || type === 'int8' || type === 'float8' ? numericBody(values, type) : null;
  if (body === null) {
    const parts: string[] = new Array(values.length);
    for (let i = 0; i < values.length; i++) parts[i] = arrayElement(values[i], type);
    body = parts.join(',');
  }
  return text('{' + body + '}') + '::' + type + '[]';
}

const INTEGER_ARRAYS = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array];

/**
 * The elements of an int4, int8 or float8 array joined without per-element dispatch, exactly as arrayElement
 * renders them; null when some element needs the general path (a bigint, a fraction for an integer type, ...).
 */
function numericBody(values: ArrayLike<unknown>, type: 'int4' | 'int8' | 'float8'): string | null {
  // Typed arrays join natively: integer ones for any of the three types, float ones for float8 (String(NaN) is
  // NaN and String(Infinity) is Infinity, as PostgreSQL spells them).
  if (ArrayBuffer.isView(values)) {
    if (INTEGER_ARRAYS.some((t) => values instanceof t)) return (values as Int32Array).join(',');
    if (type === 'float8' && (values instanceof Float64Array || values instanceof Float32Array)) return values.join(',');
    return null;
  }
  const n = values.length;
  const parts: string[] = new Array(n);
  if (type === 'float8') {
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (typeof v === 'number') parts[i] = String(v);
      else if (v === null || v === undefined) parts[i] = 'NULL';
      else return null;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (typeof v === 'number' && Number.isSafeInteger(v)) parts[i] = String(v);
      else if (v === null || v === undefined) parts[i] = 'NULL';
      else return null;
    }
  }
  return parts.join(',');
}

/** Renders k x d numbers as a two-dimensional float8[] literal. */
export function matrix(flat: ArrayLike<number>, k: number, d: number): string {
  if (flat.length !== k * d) throw new Error(`matrix of ${k} x ${d} needs ${k * d} numbers, not ${flat.length}`);
  const rows: string[] = [];
  for (let i = 0; i < k; i++) {
    const row: string[] = [];
    for (let j = 0; j < d; j++) row.push(arrayElement(flat[i * d + j], 'float8'));
    rows.push('{' + row.join(',') + '}');
  }
  return text('{' + rows.join(',') + '}') + '::float8[]';
}

/** One element inside an array literal's braces. */
function arrayElement(value: unknown, type: string): string {
  if (value === null || value === undefined) return 'NULL';
  switch (type) {
    case 'float8': {
      const n = Number(value);
      if (Number.isNaN(n)) return 'NaN';
      if (n === Infinity) return 'Infinity';
      if (n === -Infinity) return '-Infinity';
      return String(n);
    }
    case 'int8':
    case 'int4': {
      if (typeof value === 'bigint') return value.toString();
      const n = Number(value);
      if (!Number.isSafeInteger(n)) throw new Error(`not an integer: ${String(value)}`);
      return String(n);
    }
    case 'bool':
      return value ? 't' : 'f';
    case 'text':
      return quoteArrayText(String(value));
    case 'jsonb':
      return quoteArrayText(JSON.stringify(value));
    default:
      return quoteArrayText(value instanceof Date ? value.toISOString() : String(value));
  }
}

/** Double-quotes an element inside an array literal, escaping quotes and backslashes. */
function quoteArrayText(s: string): string {
  if (s.includes('\u0000')) throw new Error('invalid text value: contains a NUL character');
  return '"' + s.replace(/[\\"]/g, (c) => '\\' + c) + '"';
}

/** Picks an element type for an array from its first non-null element. */
function guessArrayType(values: Value[]): ArrayType {
  const first = values.find((v) => v !== null && v !== undefined);
  if (typeof first === 'bigint') return 'int8';
  if (typeof first === 'number') return values.every((v) => v === null || Number.isSafeInteger(v)) ? 'int8' : 'float8';
  if (typeof first === 'boolean') return 'bool';
  if (typeof first === 'string' || first === undefined) return 'text';
  return 'jsonb';
}
