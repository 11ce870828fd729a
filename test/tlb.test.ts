import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Pte } from '../src/arch/pte.ts';
import { Tlb, TlbPolicy, validateTlbConfig, type TlbConfig } from '../src/machine/mmu/tlb.ts';
import { ReferenceTlb } from '../src/machine/mmu/tlb-reference.ts';

const LONG = process.env.VMLAB_LONG === '1';

function divisors(n: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= n; d++) if (n % d === 0) out.push(d);
  return out;
}

const configArb: fc.Arbitrary<TlbConfig> = fc
  .record({
    entries: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.constantFrom(1, 2, 16, 48, 64)),
    pick: fc.nat(),
    policy: fc.constantFrom(TlbPolicy.LRU, TlbPolicy.FIFO, TlbPolicy.RANDOM),
    seed: fc.integer({ min: 0, max: 0xffffffff }),
  })
  .map(({ entries, pick, policy, seed }) => {
    const ds = divisors(entries);
    // Bias towards the extremes: direct-mapped and fully associative.
    const r = pick % (ds.length + 2);
    const ways = r === ds.length ? 1 : r === ds.length + 1 ? entries : ds[r];
    return { entries, ways, policy, seed };
  });

type Op =
  | { k: 'access'; vpn: number; asid: number; pfn: number; perm: number }
  | { k: 'probe'; vpn: number; asid: number }
  | { k: 'touch'; e: number }
  | { k: 'flush' }
  | { k: 'inv'; vpn: number }
  | { k: 'setPerm'; e: number; perm: number };

function opsArb(entries: number): fc.Arbitrary<Op[]> {
  // Few pages and ASIDs, so sets fill up and pages collide; sometimes a far vpn.
  const vpn = fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0, max: 7 }) },
    { weight: 6, arbitrary: fc.integer({ min: 0, max: 2 * entries + 3 }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xfffff }) },
  );
  const asid = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 3 }) }, { weight: 1, arbitrary: fc.constant(255) });
  const perm = fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 255 }).map((p) => p & ~Pte.G) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }).map((p) => p | Pte.G) },
  );
  const entry = fc.integer({ min: 0, max: entries - 1 });
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 30, arbitrary: fc.record({ k: fc.constant('access' as const), vpn, asid, pfn: fc.integer({ min: 0, max: 0xfffff }), perm }) },
    { weight: 4, arbitrary: fc.record({ k: fc.constant('probe' as const), vpn, asid }) },
    { weight: 6, arbitrary: fc.record({ k: fc.constant('touch' as const), e: entry }) },
    { weight: 1, arbitrary: fc.constant({ k: 'flush' as const }) },
    { weight: 4, arbitrary: fc.record({ k: fc.constant('inv' as const), vpn }) },
    { weight: 3, arbitrary: fc.record({ k: fc.constant('setPerm' as const), e: entry, perm }) },
  );
  return fc.array(op, { minLength: 1, maxLength: 300, size: 'max' });
}

function counters(t: Tlb | ReferenceTlb) {
  return {
    hits: t.hits,
    misses: t.misses,
    fills: t.fills,
    evictions: t.evictions,
    flushes: t.flushes,
    invalidations: t.invalidations,
    lastEvicted: t.lastEvicted,
  };
}

function sameCounters(a: Tlb, b: ReferenceTlb): boolean {
  return (
    a.hits === b.hits &&
    a.misses === b.misses &&
    a.fills === b.fills &&
    a.evictions === b.evictions &&
    a.flushes === b.flushes &&
    a.invalidations === b.invalidations &&
    a.lastEvicted === b.lastEvicted
  );
}

/**
 * Run ops on both models, comparing every answer and the counters after each op (plain
 * comparisons, expect() only on a difference, to keep thousands of ops per run cheap).
 */
function runBoth(cfg: TlbConfig, ops: Op[]): Tlb {
  const fast = new Tlb(cfg);
  const ref = new ReferenceTlb(cfg);
  const same = (i: number, a: number, b: number) => {
    if (a !== b) expect(a, `op ${i} ${JSON.stringify(ops[i])}`).toBe(b);
  };
  ops.forEach((op, i) => {
    switch (op.k) {
      case 'access': {
        // Half the time as block-translate.ts's inPlaceReference does it: probe, then hit() or a counted
        // miss, and victim() asked before the fill.
        let e: number;
        if ((i & 1) === 0) e = fast.lookup(op.vpn, op.asid);
        else {
          e = fast.probe(op.vpn, op.asid);
          if (e >= 0) fast.hit(e);
          else fast.misses++;
        }
        same(i, e, ref.lookup(op.vpn, op.asid));
        if (e < 0) {
          const v = fast.victim(op.vpn);
          const f = fast.fill(op.vpn, op.asid, op.pfn, op.perm);
          same(i, f, ref.fill(op.vpn, op.asid, op.pfn, op.perm));
          same(i, Math.floor(f / cfg.ways), op.vpn % (cfg.entries / cfg.ways));
          // victim(): the entry the fill replaced, -1 when it took an empty way, -2 (unknown) only under RANDOM.
          if (v === -2) same(i, cfg.policy === 'random' && fast.lastEvicted >= 0 ? 1 : 0, 1);
          else same(i, v, fast.lastEvicted);
        }
        break;
      }
      case 'probe':
        same(i, fast.probe(op.vpn, op.asid), ref.probe(op.vpn, op.asid));
        break;
      case 'touch':
        fast.touch(op.e);
        ref.touch(op.e);
        break;
      case 'flush':
        fast.flush();
        ref.flush();
        break;
      case 'inv':
        same(i, fast.invalidatePage(op.vpn), ref.invalidatePage(op.vpn));
        break;
      case 'setPerm':
        fast.setPerm(op.e, op.perm);
        ref.setPerm(op.e, op.perm);
        break;
    }
    if (!sameCounters(fast, ref)) expect(counters(fast), `op ${i} ${JSON.stringify(op)}`).toEqual(counters(ref));
  });
  expect(fast.snapshot()).toEqual(ref.snapshot());
  // The public arrays agree with the snapshot: every other entry is empty.
  const valid = new Set(fast.snapshot().map((s) => s.entry));
  for (let e = 0; e < cfg.entries; e++) if (!valid.has(e)) expect(fast.vpn[e]).toBe(-1);
  return fast;
}

describe('Tlb against ReferenceTlb', () => {
  it('agrees on random operation streams over random configurations', () => {
    fc.assert(
      fc.property(
        configArb.chain((cfg) => fc.tuple(fc.constant(cfg), opsArb(cfg.entries))),
        ([cfg, ops]) => {
          runBoth(cfg, ops);
        },
      ),
      { numRuns: LONG ? 20000 : 300 },
    );
  });

  it('agrees when the sets are full all the time (many pages, long streams)', () => {
    fc.assert(
      fc.property(configArb, fc.array(fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 1 })), { minLength: 200, maxLength: 1500, size: 'max' }), (cfg, refs) => {
        runBoth(
          cfg,
          refs.map(([vpn, asid]) => ({ k: 'access', vpn, asid, pfn: vpn + 7, perm: Pte.V | Pte.R | (vpn % 5 === 0 ? Pte.G : 0) })),
        );
      }),
      { numRuns: LONG ? 2000 : 40 },
    );
  });
});

describe('Tlb', () => {
  const V = Pte.V | Pte.R;

  it('validates its configuration', () => {
    expect(validateTlbConfig({ entries: 64, ways: 4, policy: 'lru', seed: 1 })).toBeUndefined();
    expect(validateTlbConfig({ entries: 0, ways: 1, policy: 'lru', seed: 1 })).toMatch(/entries/);
    expect(validateTlbConfig({ entries: 2.5, ways: 1, policy: 'lru', seed: 1 })).toMatch(/entries/);
    expect(validateTlbConfig({ entries: 8, ways: 0, policy: 'lru', seed: 1 })).toMatch(/ways/);
    expect(validateTlbConfig({ entries: 8, ways: 16, policy: 'lru', seed: 1 })).toMatch(/ways/);
    expect(validateTlbConfig({ entries: 12, ways: 5, policy: 'fifo', seed: 1 })).toMatch(/divide/);
    expect(validateTlbConfig({ entries: 8, ways: 8, policy: 'mru' as TlbPolicy, seed: 1 })).toMatch(/unknown TLB policy 'mru'/);
    expect(() => new Tlb({ entries: 12, ways: 5, policy: 'lru', seed: 1 })).toThrow(/divide/);
  });

  it('LRU evicts the least recently used way, FIFO the earliest filled', () => {
    for (const policy of [TlbPolicy.LRU, TlbPolicy.FIFO]) {
      const t = new Tlb({ entries: 4, ways: 4, policy, seed: 0 });
      for (let v = 0; v < 4; v++) expect(t.fill(v, 0, v, V)).toBe(v);
      expect(t.lookup(0, 0)).toBe(0); // page 0 used again
      expect(t.lookup(9, 0)).toBe(-1);
      const e = t.fill(9, 0, 9, V);
      expect(e).toBe(policy === TlbPolicy.LRU ? 1 : 0);
      expect(t.lastEvicted).toBe(e);
      expect(t.evictedVpn).toBe(e);
      expect(t.evictions).toBe(1);
    }
  });

  it('fills the lowest empty way, even after invalidations in the middle', () => {
    const t = new Tlb({ entries: 40, ways: 40, policy: TlbPolicy.LRU, seed: 0 });
    for (let v = 0; v < 40; v++) t.fill(v, 0, v, V);
    expect(t.invalidatePage(35)).toBe(1);
    expect(t.invalidatePage(3)).toBe(1);
    expect(t.fill(100, 0, 1, V)).toBe(3);
    expect(t.lastEvicted).toBe(-1);
    expect(t.fill(101, 0, 1, V)).toBe(35);
    expect(t.fill(102, 0, 1, V)).toBe(0); // full again: the LRU victim is page 0's entry
  });

  it('matches by ASID or the global bit, and invalidates a page in every ASID', () => {
    const t = new Tlb({ entries: 8, ways: 2, policy: TlbPolicy.LRU, seed: 0 });
    expect(t.fill(5, 1, 50, V)).toBe(2); // set 5 mod 4 = 1, way 0
    expect(t.lookup(5, 2)).toBe(-1);
    expect(t.fill(5, 2, 51, V | Pte.G)).toBe(3);
    expect(t.lookup(5, 3)).toBe(3);
    // Both match ASID 1: the lower-numbered entry wins.
    expect(t.probe(5, 1)).toBe(2);
    expect(t.invalidatePage(5)).toBe(2);
    expect(t.probe(5, 1)).toBe(-1);
    expect(t.invalidations).toBe(1);
    expect(t.hits).toBe(1);
    expect(t.misses).toBe(1);
  });

  it('RANDOM draws only when the set is full, reproducibly per seed', () => {
    const run = (seed: number) => {
      const t = new Tlb({ entries: 8, ways: 8, policy: TlbPolicy.RANDOM, seed });
      const out: number[] = [];
      for (let v = 0; v < 40; v++) out.push(t.fill(v, 0, v, V));
      return out;
    };
    expect(run(7).slice(0, 8)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });

  it('handles more than 32 ways per set (multi-word empty bitmap)', () => {
    const t = new Tlb({ entries: 128, ways: 64, policy: TlbPolicy.FIFO, seed: 0 });
    for (let i = 0; i < 64; i++) expect(t.fill(2 * i, 0, i, V)).toBe(i);
    expect(t.invalidatePage(2 * 40)).toBe(1);
    expect(t.invalidatePage(2 * 33)).toBe(1);
    expect(t.fill(1000, 0, 0, V)).toBe(33);
    expect(t.fill(1002, 0, 0, V)).toBe(40);
    expect(t.fill(1004, 0, 0, V)).toBe(0);
    t.flush();
    expect(t.snapshot()).toEqual([]);
    expect(t.fill(3, 0, 0, V)).toBe(64);
  });
});
