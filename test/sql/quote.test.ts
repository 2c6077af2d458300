// The quoting module: exact renderings, refusals, and round trips through the real server.

import { describe, expect, it } from 'vitest';
import { arrayOf, float, ident, integer, literal, matrix, qualified, text } from '../../src/sql/quote';

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

