// A small seeded generator (mulberry32) for everything that must be random yet repeatable:
// the TLB's random replacement, disk latency jitter and injected errors, fuzzing seeds.
// State is one 32-bit integer, so copying it copies the sequence.

export class Prng {
  state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Next 32-bit unsigned value. */
  nextU32(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return this.nextU32() % n;
  }

  /** Uniform float in [0, 1). */
  nextFloat(): number {
    return this.nextU32() / 4294967296;
  }
}
