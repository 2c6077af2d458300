// Quoting (src/sql/quote.ts) checked against the real server: every rendered literal reads back as the value.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrayOf, float, ident, integer, literal, matrix, qualified, text } from '../../src/sql/quote';
import { createDatabase, type TestDatabase } from './database';

const NAMES = ['plain', 'Upper Case', 'a"b', '""', 'x; DROP TABLE y', 'Ünïcode табл', "it's", 'back\\slash', '$1', ' ', '名前'];
const TEXTS = ['', "it's", "''", 'back\\slash\\', '\\x41', 'line\nbreak', 'tab\t', '$$ dollar $$', 'Ünïcode табл 名前 🙂', '"quoted"', "E'x'"];

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
