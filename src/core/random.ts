// Seeded randomness: every random choice in the core comes from here, so the same seed gives the same clusters.

/** A deterministic stream of numbers. */
export interface Random {
  /** A number in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
}

// Pure 32-bit integer math (Math.imul, >>>) so the stream is bit-identical in V8, QuickJS and plv8.

/** Scrambles a 32-bit integer (murmur3's finalizer). */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Folds any finite number (used as an integer, up to 2^53) into 32 bits. */
function fold(seed: number): number {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  return mix32(lo ^ mix32(hi ^ 0x9e3779b9));
}

/** A mulberry32 generator started from `seed`. */
export function createRandom(seed: number): Random {
  let state = fold(seed);
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number): number => Math.floor(next() * n),
  };
}

/** The seed of start number `index` of a multi-start run, independent of the other starts. */
export function deriveSeed(seed: number, index: number): number {
  return mix32(fold(seed) ^ mix32(Math.imul(index + 1, 0x9e3779b9)));
}
