/**
 * A small seeded PRNG (mulberry32): the generated sites and diffs must be the same on every run
 * and every machine, so that numbers in BENCHMARKS.md can be reproduced exactly.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Whole number in [0, n). */
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
  /** Lower-case hex string of `length` characters (a content hash stand-in). */
  hex(length: number): string;
}

export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error("pick from an empty list");
      return items[int(items.length)]!;
    },
    hex: (length: number): string => {
      let out = "";
      for (let i = 0; i < length; i++) out += "0123456789abcdef"[int(16)];
      return out;
    },
  };
}
