import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { describeRefs, exitKey, pageKey, parseRefs, refsFromKeys } from '../src/study/refs-format.ts';
import {
  POLICIES, compulsoryFaults, frameCounts, refsSummary, replayGrid, simulate, simulateReference, type Policy,
} from '../src/study/replay.ts';

const LONG = process.env.VMLAB_LONG === '1';

const BELADY = parseRefs('1,2,3,4,1,2,5,1,2,3,4,5', 'belady');

/**
 * Random reference strings: a few processes with a few pages each, so that pages repeat and
 * frames fill up, and now and then a process exits (and may come back with the same pid).
 */
const refsArb = fc
  .array(
    fc.oneof(
      { weight: 12, arbitrary: fc.record({ pid: fc.integer({ min: 0, max: 2 }), vpn: fc.integer({ min: 0, max: 6 }) }) },
      { weight: 1, arbitrary: fc.record({ pid: fc.integer({ min: 0, max: 2 }), vpn: fc.constant(-1) }) },
    ),
    { maxLength: 70 },
  )
  .map((xs) => refsFromKeys(xs.map(({ pid, vpn }) => (vpn < 0 ? exitKey(pid) : pageKey(pid, vpn)))));

describe('known answers (1,2,3,4,1,2,5,1,2,3,4,5)', () => {
  const table: [Policy, number, number][] = [
    ['fifo', 3, 9],
    ['fifo', 4, 10],
    ['lru', 3, 10],
    ['lru', 4, 8],
    ['opt', 3, 7],
    ['opt', 4, 6],
  ];
  for (const [policy, frames, faults] of table) {
    it(`${policy} with ${frames} frames: ${faults} faults`, () => {
      expect(simulate(BELADY, policy, frames).faults).toBe(faults);
      expect(simulateReference(BELADY, policy, frames).faults).toBe(faults);
    });
  }

  it('clock follows the textbook second-chance steps', () => {
    expect(simulate(BELADY, 'clock', 3).faults).toBe(9);
    // 3 frames: 1,2,3 load into frames 0,1,2 with their bits set, the hand at frame 0. The hit
    // on 1 sets a bit that is already set; 4 clears all three bits, wraps, and replaces frame
    // 0 (page 1), the hand moving to frame 1; so the last 1 faults again, replacing page 2.
    const r = parseRefs('1 2 3 1 4 1', 'x');
    expect(simulate(r, 'clock', 3).faults).toBe(5);
    // 1,2,3,4 as above (bits: frame 0 set, frames 1 and 2 clear, hand at 1). The hit on 2
    // sets frame 1's bit, so 5 passes it (clearing it) and replaces page 3 in frame 2; 2 then
    // hits, and 3 faults once more: 1 2 3 4 5 3.
    const s = parseRefs('1 2 3 4 2 5 2 3', 'x');
    expect(simulate(s, 'clock', 3).faults).toBe(6);
    expect(simulateReference(s, 'clock', 3).faults).toBe(6);
    // FIFO would have evicted 2 for 5 (it was loaded before 3): 1 2 3 4 5 2 3 -> 7.
    expect(simulate(s, 'fifo', 3).faults).toBe(7);
  });

  it('the counts add up', () => {
    const r = simulate(BELADY, 'fifo', 3);
    expect(r).toEqual({ policy: 'fifo', frames: 3, references: 12, faults: 9, evictions: 6, hits: 3 });
    expect(compulsoryFaults(BELADY)).toBe(5);
  });
});

describe('exit markers', () => {
  it('free the frames of that process only', () => {
    // Two frames; pid 1 uses both, exits; pid 2's pages then fit without evicting anything.
    const r = refsFromKeys([pageKey(1, 0), pageKey(1, 1), exitKey(1), pageKey(2, 0), pageKey(2, 1), pageKey(2, 0)]);
    for (const p of POLICIES) {
      const res = simulate(r, p, 2);
      expect(res.faults, p).toBe(4);
      expect(res.evictions, p).toBe(0);
    }
  });

  it('make a reused pid start cold', () => {
    const r = refsFromKeys([pageKey(1, 5), exitKey(1), pageKey(1, 5)]);
    expect(compulsoryFaults(r)).toBe(2);
    for (const p of POLICIES) expect(simulate(r, p, 4).faults, p).toBe(2);
  });

  it('opt treats a page whose process exits before its next use as dead', () => {
    // Frames 2. After 1:a 2:b, 1:c must evict a or b. b is used next, a only after pid 1 has
    // exited (a different lifetime), so a goes: faults a b c, then b hits, then a again.
    const a = pageKey(1, 0), b = pageKey(2, 0), c = pageKey(1, 1);
    const r = refsFromKeys([a, b, c, b, exitKey(1), a]);
    expect(simulate(r, 'opt', 2).faults).toBe(4);
    expect(simulateReference(r, 'opt', 2).faults).toBe(4);
  });
});

describe('fast simulations agree with the reference model', () => {
  for (const policy of POLICIES) {
    it(policy, () => {
      fc.assert(
        fc.property(refsArb, fc.integer({ min: 1, max: 7 }), fc.integer({ min: 0, max: 0xffffffff }), (refs, frames, seed) => {
          expect(simulate(refs, policy, frames, seed)).toEqual(simulateReference(refs, policy, frames, seed));
        }),
        { numRuns: LONG ? 20_000 : 400 },
      );
    });
  }
});

describe('properties of the model', () => {
  it('opt takes no more faults than any other policy', () => {
    fc.assert(
      fc.property(refsArb, fc.integer({ min: 1, max: 6 }), (refs, frames) => {
        const opt = simulate(refs, 'opt', frames).faults;
        for (const p of POLICIES) expect(opt).toBeLessThanOrEqual(simulate(refs, p, frames).faults);
      }),
      { numRuns: LONG ? 5_000 : 200 },
    );
  });

  it('every policy takes the compulsory faults, and only those with enough frames', () => {
    fc.assert(
      fc.property(refsArb, (refs) => {
        const cold = compulsoryFaults(refs);
        const pages = new Set(Array.from(refs.keys).filter((k) => k >= 0)).size;
        for (const p of POLICIES) {
          expect(simulate(refs, p, 1).faults).toBeGreaterThanOrEqual(cold);
          expect(simulate(refs, p, Math.max(1, pages)).faults).toBe(cold);
          expect(simulate(refs, p, 1000).faults).toBe(cold);
        }
      }),
      { numRuns: LONG ? 5_000 : 200 },
    );
  });

  it('lru and opt never fault more with more frames (no exits: stack algorithms)', () => {
    const noExits = fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 80 }).map((v) => refsFromKeys(v, 'plain'));
    fc.assert(
      fc.property(noExits, fc.integer({ min: 1, max: 9 }), (refs, frames) => {
        for (const p of ['lru', 'opt'] as const) {
          expect(simulate(refs, p, frames + 1).faults).toBeLessThanOrEqual(simulate(refs, p, frames).faults);
        }
      }),
      { numRuns: LONG ? 5_000 : 300 },
    );
  });

  it('random is repeatable for a seed and varies with it', () => {
    const keys = Array.from({ length: 2000 }, (_, i) => (i * 7919) % 37);
    const refs = refsFromKeys(keys, 'plain');
    const a = simulate(refs, 'random', 8, 42).faults;
    expect(simulate(refs, 'random', 8, 42).faults).toBe(a);
    const others = [1, 2, 3, 4, 5].map((s) => simulate(refs, 'random', 8, s).faults);
    expect(new Set([a, ...others]).size).toBeGreaterThan(1);
  });
});

describe('replayGrid', () => {
  it('gives rows by frames and columns by policies', () => {
    const g = replayGrid(BELADY, ['fifo', 'lru', 'opt'], { from: 3, to: 4 });
    expect(g.frames).toEqual([3, 4]);
    expect(g.results.map((row) => row.map((r) => r.faults))).toEqual([
      [9, 10, 7],
      [10, 8, 6],
    ]);
    expect(g.compulsory).toBe(5);
    expect(replayGrid(BELADY, ['fifo'], [4, 3]).frames).toEqual([4, 3]);
  });

  it('reports progress and rejects bad frame counts', () => {
    const seen: string[] = [];
    replayGrid(BELADY, ['fifo', 'opt'], { from: 1, to: 3 }, { onProgress: (d, t) => seen.push(`${d}/${t}`) });
    expect(seen).toEqual(['1/6', '2/6', '3/6', '4/6', '5/6', '6/6']);
    expect(() => frameCounts({ from: 0, to: 3 })).toThrow(RangeError);
    expect(() => simulate(BELADY, 'lru', 1.5)).toThrow(RangeError);
  });

  it('handles a million references in well under a second per policy', () => {
    // Four processes walking over 64 pages each with some locality, and exits.
    const n = LONG ? 10_000_000 : 1_000_000;
    const keys = new Int32Array(n);
    let x = 12345;
    for (let i = 0; i < n; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const pid = (i >> 12) & 3;
      keys[i] = i % 250_000 === 249_999 ? exitKey(pid) : pageKey(pid, (x >>> 16) % ((x & 3) === 0 ? 64 : 8));
    }
    const refs = refsFromKeys(keys);
    for (const p of POLICIES) {
      const t = performance.now();
      const r = simulate(refs, p, 16);
      const ms = performance.now() - t;
      expect(r.faults).toBeGreaterThan(compulsoryFaults(refs));
      expect(ms, p).toBeLessThan(LONG ? 20_000 : 3_000);
    }
  });
});

describe('refsSummary', () => {
  it('agrees with describeRefs and compulsoryFaults', () => {
    fc.assert(
      fc.property(refsArb, (refs) => {
        expect(refsSummary(refs)).toEqual({ ...describeRefs(refs), compulsory: compulsoryFaults(refs) });
      }),
      { numRuns: LONG ? 5_000 : 200 },
    );
  });
});
