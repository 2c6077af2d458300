// The quoting module: exact renderings, refusals, and round trips through the real server.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrayOf, float, ident, integer, literal, matrix, qualified, text } from '../../src/sql/quote';
import { createDatabase, type TestDatabase } from '../db/database';

const NAMES = ['plain', 'Upper Case', 'a"b', '""', 'x; DROP TABLE y', 'Ünïcode табл', "it's", 'back\\slash', '$1', ' ', '名前'];
const TEXTS = ['', "it's", "''", 'back\\slash\\', '\\x41', 'line\nbreak', 'tab\t', '$$ dollar $$', 'Ünïcode табл 名前 🙂', '"quoted"', "E'x'"];

describe('rendering', () => {
  it('always double-quotes identifiers and doubles inner quotes', () => {
    expect(ident('v1')).toBe('"v1"');
    expect(ident('a"b')).toBe('"a""b"');
    expect(ident('x; DROP TABLE y')).toBe('"x; DROP TABLE y"');
    expect(qualified('my schema', 'T')).toBe('"my schema"."T"');
  });

  it('refuses empty identifiers and NUL characters', () => {
    expect(() => ident('')).toThrow(/invalid identifier/);
    expect(() => ident('a\u0000b')).toThrow(/NUL/);
    expect(() => text('a\u0000')).toThrow(/NUL/);
    expect(() => arrayOf(['a\u0000'], 'text')).toThrow(/NUL/);
  });

  it('renders text as a standard literal: quotes doubled, backslashes kept as they are', () => {
    expect(text("it's")).toBe("'it''s'");
    expect(text('a\\b')).toBe("'a\\b'");
  });

  it('renders NaN and infinities as quoted float8 spellings', () => {
    expect(float(NaN)).toBe("'NaN'::float8");
    expect(float(Infinity)).toBe("'Infinity'::float8");
    expect(float(-Infinity)).toBe("'-Infinity'::float8");
    expect(float(1.5)).toBe('1.5::float8');
  });

  it('renders BigInt and safe integers as int8, refusing fractions and unsafe numbers', () => {
    expect(integer(9007199254740993n)).toBe('9007199254740993::int8');
    expect(integer(-3)).toBe("'-3'::int8");
    expect(float(-0.5)).toBe("'-0.5'::float8");
    expect(literal(-3)).toBe('(-3)');
    expect(() => integer(1.5)).toThrow(/not an integer/);
    expect(() => integer(2 ** 60)).toThrow(/not an integer/);
  });

  it('refuses a type name that could carry SQL', () => {
    expect(() => arrayOf([1], "int8[]; DROP TABLE t; --")).toThrow(/invalid type name/);
    expect(() => arrayOf([1], "text'")).toThrow(/invalid type name/);
  });

  it('renders numeric arrays (typed or plain numbers) without per-element dispatch, exactly as the general path', () => {
    expect(arrayOf(Int32Array.of(3, -1, 0, 2147483647, -2147483648), 'int4')).toBe("'{3,-1,0,2147483647,-2147483648}'::int4[]");
    expect(arrayOf(Uint8Array.of(0, 255), 'int8')).toBe("'{0,255}'::int8[]");
    expect(arrayOf(Float64Array.of(1.5, NaN, Infinity, -Infinity, -0.25, 1e21, 5e-324), 'float8')).toBe(
      "'{1.5,NaN,Infinity,-Infinity,-0.25,1e+21,5e-324}'::float8[]",
    );
    expect(arrayOf([1.5, null, NaN, -Infinity], 'float8')).toBe("'{1.5,NULL,NaN,-Infinity}'::float8[]");
    expect(arrayOf([7, null, -3], 'int4')).toBe("'{7,NULL,-3}'::int4[]");
    // The same values through the general path (a bigint or a string element sends the whole array there).
    expect(arrayOf([7n, null, -3], 'int4')).toBe(arrayOf([7, null, -3], 'int4'));
    expect(arrayOf(['1.5', null, NaN, -Infinity], 'float8')).toBe(arrayOf([1.5, null, NaN, -Infinity], 'float8'));
    expect(arrayOf(Float64Array.of(2, -4), 'int8')).toBe("'{2,-4}'::int8[]");
  });

  it('still refuses fractions and unsafe numbers in integer arrays, typed or plain', () => {
    expect(() => arrayOf([1, 1.5], 'int4')).toThrow(/not an integer: 1.5/);
    expect(() => arrayOf(Float64Array.of(1, 2.5), 'int8')).toThrow(/not an integer: 2.5/);
    expect(() => arrayOf([2 ** 60], 'int8')).toThrow(/not an integer/);
    expect(() => arrayOf([NaN], 'int4')).toThrow(/not an integer: NaN/);
  });

  it('refuses a matrix of the wrong size', () => {
    expect(() => matrix([1, 2, 3], 2, 2)).toThrow(/2 x 2 needs 4 numbers, not 3/);
  });
});

describe('round trips through the server', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createDatabase('quote', []);
  });
  afterAll(async () => {
    await db?.close();
  });

  /** Evaluates one SQL expression on the server. */
  async function value(sql: string): Promise<unknown> {
    return (await db.client.query({ text: `SELECT ${sql} AS v`, types: { getTypeParser: (() => (v: string) => v) as never } })).rows[0].v;
  }

  it('identifiers name exactly the column they were made from', async () => {
    for (const name of NAMES) {
      const r = await db.client.query(`SELECT 1 AS ${ident(name)}`);
      expect(r.fields[0]?.name).toBe(name);
    }
    await db.client.query(`CREATE SCHEMA ${ident('My Schema;')}`);
    await db.client.query(`CREATE TABLE ${qualified('My Schema;', 'a"b')} (${ident('x; DROP TABLE y')} int)`);
    const r = await db.client.query(`SELECT n.nspname, c.relname, a.attname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = 1 WHERE c.oid = $1::regclass`, [qualified('My Schema;', 'a"b')]);
    expect(r.rows[0]).toEqual({ nspname: 'My Schema;', relname: 'a"b', attname: 'x; DROP TABLE y' });
  });

  it('text comes back unchanged, whatever standard_conforming_strings says about E-strings', async () => {
    for (const t of TEXTS) {
      expect(await value(text(t))).toBe(t);
      expect(await value(literal(t))).toBe(t);
    }
  });

  it('floats come back as the same number, NaN and infinities included', async () => {
    for (const x of [0, -0.5, 1e-300, 1.7976931348623157e308, Math.PI, -1e21, NaN, Infinity, -Infinity]) {
      const back = await value(`${float(x)}::text`);
      expect(Number(back === 'Infinity' ? Infinity : back === '-Infinity' ? -Infinity : back)).toBe(x === 0 ? 0 : x);
    }
  });

  it('BigInt and integers come back exactly', async () => {
    for (const x of [0n, -1n, 9223372036854775807n, -9223372036854775808n, 9007199254740993n]) {
      expect(await value(`${integer(x)}::text`)).toBe(x.toString());
      expect(await value(`${literal(x)}::text`)).toBe(x.toString());
    }
    expect(await value(`${integer(Number.MAX_SAFE_INTEGER)}::text`)).toBe(String(Number.MAX_SAFE_INTEGER));
    expect(await value(`${integer(-Number.MAX_SAFE_INTEGER)}::text`)).toBe(String(-Number.MAX_SAFE_INTEGER));
    // The smallest int8 alone, with no cast after it: -9223372036854775808::int8 would be out of range.
    expect(await value(integer(-9223372036854775808n))).toBe('-9223372036854775808');
    expect(await value(`${literal(-7)}::text`)).toBe('-7');
  });

  it('text arrays keep quotes, backslashes, braces, commas, NULL and the text "NULL"', async () => {
    const values = ['a"b', 'back\\slash', '{braces}', 'a,b', null, 'NULL', '', ' spaced ', "it's", 'Ünïcode'];
    const r = await db.client.query(`SELECT pg_catalog.array_length(${arrayOf(values, 'text')}, 1) AS n, ${arrayOf(values, 'text')} AS a`);
    expect(r.rows[0].n).toBe(values.length);
    expect(r.rows[0].a).toEqual(values);
    const nulls = await db.client.query(`SELECT e IS NULL AS isnull FROM unnest(${arrayOf(values, 'text')}) e`);
    expect(nulls.rows.map((x) => x.isnull)).toEqual(values.map((v) => v === null));
  });

  it('float8, int8, bool and jsonb arrays come back exactly', async () => {
    const floats = [1.5, NaN, Infinity, -Infinity, null, -0.25];
    const f = await db.client.query(`SELECT array_to_json(${arrayOf(floats, 'float8')})::text AS a, (${arrayOf(floats, 'float8')})[2] = 'NaN' AS nan`);
    expect(f.rows[0].a).toBe('[1.5,"NaN","Infinity","-Infinity",null,-0.25]');
    expect(f.rows[0].nan).toBe(true);
    const ints = await value(`${arrayOf([1n, -9223372036854775808n, null], 'int8')}::text`);
    expect(ints).toBe('{1,-9223372036854775808,NULL}');
    expect(await value(`${arrayOf([true, false, null], 'bool')}::text`)).toBe('{t,f,NULL}');
    const docs = [{ q: 'a"b\\c' }, [1, 'x']];
    const j = await db.client.query(`SELECT ${arrayOf(docs, 'jsonb')} AS a`);
    expect(j.rows[0].a).toEqual(docs);
  });

  it('typed int4 and float8 arrays come back exactly, extremes and non-finite values included', async () => {
    const ints = Int32Array.of(0, -1, 2147483647, -2147483648, 6);
    const i = await db.client.query(`SELECT ${arrayOf(ints, 'int4')} AS a`);
    expect(i.rows[0].a).toEqual(Array.from(ints));
    const floats = Float64Array.of(Math.PI, -1e-300, 1.7976931348623157e308, 5e-324, -1e21, NaN, Infinity, -Infinity);
    const f = await db.client.query(`SELECT array_to_json(${arrayOf(floats, 'float8')})::text AS a`);
    expect(f.rows[0].a).toBe('[3.141592653589793,-1e-300,1.7976931348623157e+308,5e-324,-1e+21,"NaN","Infinity","-Infinity"]');
  });

  it('arrays of other types (uuid, numeric, timestamptz) are cast from their text', async () => {
    expect(await value(`${arrayOf(['00000000-0000-0000-0000-000000000001'], 'uuid')}::text`)).toBe('{00000000-0000-0000-0000-000000000001}');
    expect(await value(`${arrayOf(['1.10', null], 'numeric')}::text`)).toBe('{1.10,NULL}');
    expect(await value(`(${arrayOf([new Date('2024-01-02T03:04:05.678Z')], 'timestamptz')})[1] = '2024-01-02T03:04:05.678Z'`)).toBe('t');
  });

  it('a matrix is a k x d float8[] with non-finite values kept', async () => {
    const r = await db.client.query(`SELECT array_dims(m) AS dims, m[2][3] AS x, m[1][1]::text AS nan FROM (SELECT ${matrix([NaN, 2, 3, 4, 5, -Infinity], 2, 3)} AS m) s`);
    expect(r.rows[0]).toEqual({ dims: '[1:2][1:3]', x: -Infinity, nan: 'NaN' });
  });

  it('objects, dates and booleans become jsonb, timestamptz and bool', async () => {
    const doc = { name: "O'Brien \"Ünïcode\"", path: 'C:\\x', n: [1, null] };
    expect((await db.client.query(`SELECT ${literal(doc)} AS v`)).rows[0].v).toEqual(doc);
    const d = new Date('2020-02-29T12:00:00.001Z');
    expect((await db.client.query(`SELECT ${literal(d)} AS v`)).rows[0].v.getTime()).toBe(d.getTime());
    expect((await db.client.query(`SELECT ${literal(false)} AS f, ${literal(null)} IS NULL AS n`)).rows[0]).toEqual({ f: false, n: true });
  });
});
