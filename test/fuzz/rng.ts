/**
 * The fuzzer's only source of randomness: a small seeded PRNG (sfc32), so
 * input N of a run is the same on every machine given the same seed. Each
 * input gets its own stream, derived from (seed, target, index).
 */

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(...parts: (number | string)[]) {
    // FNV-1a over the parts, spread to four words: any seed string works.
    let h = 0x811c9dc5;
    const mix = (s: string): void => {
      for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
      h = Math.imul(h ^ 0x2f, 0x01000193) >>> 0;
    };
    for (const p of parts) mix(String(p));
    this.a = h;
    this.b = h ^ 0x9e3779b9;
    this.c = Math.imul(h, 0x85ebca6b) >>> 0;
    this.d = 1;
    for (let i = 0; i < 12; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** 0 ≤ n < max */
  int(max: number): number {
    return max <= 1 ? 0 : this.u32() % max;
  }

  chance(p: number): boolean {
    return this.u32() / 0x100000000 < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)]!;
  }

  /** Small numbers far more often than large ones (lengths, counts). */
  small(max: number): number {
    return Math.min(max, Math.floor(Math.pow(this.u32() / 0x100000000, 3) * (max + 1)));
  }
}
