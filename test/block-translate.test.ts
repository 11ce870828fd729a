// The in-place translation of compiled blocks (src/machine/block-translate.ts): the code
// generated for a configuration against the plain model beside it (inPlaceReference), call by
// call, on random page tables (superpages, every permission, A and D set or not, frames beyond
// RAM), random geometries of 1-4 levels, TLB shapes and policies, unified and split, two ASIDs
// and global entries, and random states of the CPU's page caches around each call. After every
// call both machines must agree on the result, the block state, every count, the caches, the
// TLB's entries and their recency order. The whole-machine differential tests (blocks.test.ts,
// machine-diff.test.ts) check the model against the general path.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Status } from '../src/arch/csr.ts';
import { GEOMETRIES, PAGE_SIZE, Pte, makePte, type Geometry } from '../src/arch/pte.ts';
import { BS } from '../src/machine/block-abi.ts';
import { inPlaceReference } from '../src/machine/block-translate.ts';
import { Machine } from '../src/machine/machine.ts';
import type { Tlb, TlbPolicy } from '../src/machine/mmu/tlb.ts';
import { Prng } from '../src/util/prng.ts';
import { config, testIo } from './cpu-helpers.ts';

const LONG = process.env.VMLAB_LONG === '1';
const RUNS = LONG ? 400 : 60;
const STEPS = 500;
const SEED = Number(process.env.VMLAB_SEED ?? 0x7a11);

/** Geometries whose superpages fit in a small RAM (a leaf above the last level spans 2-64 pages) and the standard ones. */
const GEOMETRY_LIST: Geometry[] = [GEOMETRIES[1], GEOMETRIES[2], GEOMETRIES[3], GEOMETRIES[4], [19, 1], [14, 3, 3], [5, 5, 5, 5], [8, 6, 3, 3]];
const RAM_PAGES = 128;

/** Pages 0-15 hold the page tables: level l's tables are pages 4l to 4l + 3; the rest are frames. */
const TABLE_PAGES = 16;

/**
 * A random PTE for a table of `level`: above the last level mostly pointers to the next level's
 * tables, some superpage leaves (aligned when the superpage fits in RAM); at the last level
 * mostly leaves. Leaves point into RAM or just beyond it; two in three have everything an
 * access needs (R W U A D), the others random permissions with A or D often clear. Some PTEs
 * are junk without V, some global.
 */
function randomPte(rng: Prng, g: Geometry, level: number): number {
  const last = level === g.length - 1;
  const kind = rng.below(10);
  if (kind === 0) return (rng.nextU32() & ~Pte.V) | 0;
  if (kind < (last ? 2 : 7)) return makePte(4 * Math.min(level + 1, 3) + rng.below(4), Pte.V | (rng.below(8) === 0 ? Pte.G : 0)) | 0;
  const span = 2 ** (g.slice(level + 1).reduce((a, b) => a + b, 0));
  let pfn = TABLE_PAGES + rng.below(RAM_PAGES + 8 - TABLE_PAGES);
  if (span > 1) pfn = rng.below(2) === 0 ? Math.floor(pfn / span) * span : rng.below(0x100000);
  const glob = rng.below(6) === 0 ? Pte.G : 0;
  if (rng.below(3) !== 0) return makePte(pfn, Pte.V | Pte.R | Pte.W | Pte.U | Pte.A | Pte.D | glob | (rng.below(2) === 0 ? Pte.X : 0)) | 0;
  let flags = Pte.V | glob | (rng.nextU32() & (Pte.R | Pte.W | Pte.X));
  if ((flags & (Pte.R | Pte.W | Pte.X)) === 0) flags |= Pte.R;
  if (rng.below(5) !== 0) flags |= Pte.U;
  if (rng.below(3) !== 0) flags |= Pte.A;
  if (rng.below(2) !== 0) flags |= Pte.D;
  return makePte(pfn, flags) | 0;
}

/** A random PTE for the table word at index i (its level from its page). */
function randomPteAt(rng: Prng, g: Geometry, i: number): number {
  return randomPte(rng, g, Math.min(i >>> 12, g.length - 1));
}

/** A user-space VA whose index at each level is mostly small, so the walks meet the same PTEs often. */
function randomVa(rng: Prng, g: Geometry): number {
  let va = 0;
  let below = 32;
  for (const bits of g) {
    below -= bits;
    const idx = rng.below(3) !== 0 ? rng.below(3) : rng.below(2 ** bits);
    va += idx * 2 ** below;
  }
  return (va + rng.below(PAGE_SIZE)) & 0x7ffffffc;
}

/** The entries of each set from most to least recent (LRU) or newest to oldest (FIFO). */
function recency(tlb: Tlb): number[][] {
  const next = tlb.internals().next;
  const sets: number[][] = [];
  for (let s = 0; s < tlb.sets; s++) {
    const order: number[] = [];
    for (let e = next[tlb.entries + s]!; e !== tlb.entries + s; e = next[e]!) order.push(e);
    sets.push(order);
  }
  return sets;
}

function observe(m: Machine) {
  const mmu = m.mmu;
  const tlbs = mmu.itlb === mmu.dtlb ? [mmu.dtlb!] : [mmu.itlb!, mmu.dtlb!];
  return {
    counts: [m.loads, m.stores, m.fetches, ...m.translationCycles, mmu.walker.walks, mmu.walker.pteReads, mmu.walker.pteWrites],
    caches: [m.rVpn, m.rBase, m.rEntry, m.rTlb, m.wVpn, m.wBase, m.wEntry, m.wTlb, m.fEntry, m.fTlb],
    pending: [mmu.pendFetchEntry, mmu.pendFetchTime, mmu.pendReadEntry, mmu.pendReadTime, mmu.pendWriteEntry, mmu.pendWriteTime],
    tlbs: tlbs.map((t) => ({
      counts: [t.hits, t.misses, t.fills, t.evictions, t.flushes, t.invalidations, t.lastEvicted, t.evictedVpn, t.evictedAsid],
      entries: t.snapshot(),
      recency: recency(t),
    })),
  };
}

/** Which paths the runs took, to check that the random cases reach each of them. */
type Outcome = 'fetch entry moved' | 'declined' | 'hit' | 'miss, empty way' | 'miss, eviction' | 'miss beside another ASID' | 'superpage' | 'store into own page declined';

interface Case {
  seed: number;
  geometry: number;
  entries: number;
  /** Picks the ways among the divisors of entries. */
  waysPick: number;
  policy: TlbPolicy;
  split: boolean;
}

function runCase(c: Case, tally: Map<Outcome, number>): void {
  const g = GEOMETRY_LIST[c.geometry]!;
  const divisors = [...Array(c.entries).keys()].map((k) => k + 1).filter((d) => c.entries % d === 0);
  const ways = divisors[c.waysPick % divisors.length]!;
  const cfg = config({ ramBytes: RAM_PAGES * PAGE_SIZE, geometry: g, tlb: { entries: c.entries, ways, policy: c.policy, seed: c.seed }, tlbSplit: c.split });
  const gen = new Machine(cfg, testIo());
  const ref = new Machine(cfg, testIo());
  const rng = new Prng(c.seed);
  for (let i = 0; i < gen.mem32.length; i++) gen.mem32[i] = i < TABLE_PAGES * 1024 ? randomPteAt(rng, g, i) : rng.nextU32() | 0;
  ref.mem32.set(gen.mem32);
  const both = (f: (m: Machine) => void): void => {
    f(gen);
    f(ref);
  };
  // A split I-TLB is filled only by fetches, which this test does not make: fill it at random.
  if (c.split) for (let k = 0; k < 2 * c.entries; k++) {
    const [vpn, pfn] = [rng.below(64), TABLE_PAGES + rng.below(RAM_PAGES - TABLE_PAGES)];
    both((m) => m.mmu.itlb!.fill(vpn, 1, pfn, Pte.V | Pte.R | Pte.X | Pte.U | Pte.A));
  }
  const count = (o: Outcome): void => void tally.set(o, (tally.get(o) ?? 0) + 1);
  /** Do the same to both machines. */
  const dropCaches = (m: Machine): void => {
    m.rTlb = m.wTlb = m.fTlb = false;
    m.rEntry = m.wEntry = m.fEntry = -1;
    m.rVpn = m.wVpn = -1;
  };
  let ptbr = rng.below(4) * PAGE_SIZE;
  let asid = 1;
  let status = Status.UM;
  const stG = new Int32Array(BS.SIZE);
  const stR = new Int32Array(BS.SIZE);
  for (let step = 0; step < STEPS; step++) {
    // The context and the tables change now and then, as a kernel would change them.
    if (rng.below(40) === 0) ptbr = (rng.below(10) === 0 ? rng.below(RAM_PAGES) : rng.below(4)) * PAGE_SIZE;
    if (rng.below(20) === 0) asid = rng.below(3);
    if (rng.below(30) === 0) status = rng.below(4) === 0 ? 0 : Status.UM;
    if (rng.below(60) === 0) both((m) => (m.mmu.flush(), dropCaches(m)));
    const inv = randomVa(rng, g);
    if (rng.below(30) === 0) both((m) => (m.mmu.invalidatePage(inv), dropCaches(m)));
    const word = rng.below(TABLE_PAGES * 1024);
    const pte = randomPteAt(rng, g, word);
    if (rng.below(4) === 0) both((m) => (m.mem32[word] = pte));
    // The fetch cache: an entry of the I-TLB (valid or not), and now and then a pending use.
    const itlb = gen.mmu.itlb!;
    const fEntry = rng.below(itlb.entries);
    const fTlb = rng.below(3) !== 0;
    const pend = rng.below(8) === 0 ? rng.below(itlb.entries) : -1;
    both((m) => {
      m.mmu.ptbr = ptbr;
      m.mmu.asid = asid;
      m.status = status;
      m.fTlb = fTlb;
      m.fEntry = fTlb ? fEntry : -1;
      if (pend >= 0) {
        m.mmu.pendFetchEntry = pend;
        m.mmu.pendFetchTime = step;
      }
    });
    // The block's data cache uses since its pass began, and the access.
    const rn = rng.below(3);
    const wn = rng.below(3);
    const rt = rng.below(20);
    const wt = rng.below(20);
    for (const st of [stG, stR]) {
      st.fill(0);
      st[BS.RN] = rn;
      st[BS.WN] = wn;
      st[BS.RT] = rt;
      st[BS.WT] = wt;
    }
    const va = randomVa(rng, g);
    const isStore = rng.below(2) === 0;
    const w = gen.mmu.walker;
    const tables = w.inspect(ptbr, va) === 0;
    let own = rng.below(RAM_PAGES) * PAGE_SIZE;
    if (tables && rng.below(4) === 0) own = w.inspectPfn * PAGE_SIZE;
    const at = `case ${JSON.stringify(c)} step ${step}: va 0x${va.toString(16)} ${isStore ? 'store' : 'load'} own 0x${own.toString(16)}`;
    const dtlb = gen.mmu.dtlb!;
    const before = observe(gen);
    const otherAsid = dtlb.snapshot().some((e) => e.vpn === va >>> 12);

    {
      // Whether this call's fetch use changes the recency order (LRU, a valid entry not the most recent of its set).
      const next = itlb.internals().next;
      if (c.policy === 'lru' && fTlb && itlb.vpn[fEntry] !== -1 && next[itlb.entries + Math.floor(fEntry / itlb.ways)] !== fEntry) count('fetch entry moved');
    }
    const r = isStore ? gen.translateStore(stG, va, own) : gen.translateLoad(stG, va, own);
    const expected = inPlaceReference(ref, stR, va, isStore, own);
    expect(r, at).toBe(expected);
    expect(Array.from(stG), at).toEqual(Array.from(stR));
    const after = observe(gen);
    expect(after, at).toEqual(observe(ref));

    const [hits0, misses0, , ev0] = before.tlbs[before.tlbs.length - 1]!.counts as number[];
    const [, misses1, , ev1] = after.tlbs[after.tlbs.length - 1]!.counts as number[];
    if (r < 0) {
      count('declined');
      if (isStore && tables && own === w.inspectPfn * PAGE_SIZE) count('store into own page declined');
    } else if (misses1 === misses0) count('hit');
    else {
      count(ev1 > ev0 ? 'miss, eviction' : 'miss, empty way');
      if (otherAsid) count('miss beside another ASID');
      if (w.inspectReads < g.length) count('superpage');
    }
    void hits0;
  }
}

describe('in-place translation: the generated code = the plain model', () => {
  it('random page tables, geometries, TLB shapes and policies, cache states', () => {
    const tally = new Map<Outcome, number>();
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
          geometry: fc.integer({ min: 0, max: GEOMETRY_LIST.length - 1 }),
          entries: fc.constantFrom(1, 2, 3, 4, 6, 8, 16, 64),
          waysPick: fc.nat(),
          policy: fc.constantFrom<TlbPolicy>('lru', 'lru', 'fifo', 'random'),
          split: fc.boolean(),
        }),
        (c) => runCase(c, tally),
      ),
      { numRuns: RUNS, seed: SEED },
    );
    const outcomes: Outcome[] = ['fetch entry moved', 'declined', 'hit', 'miss, empty way', 'miss, eviction', 'miss beside another ASID', 'superpage', 'store into own page declined'];
    for (const o of outcomes) expect(tally.get(o) ?? 0, `${o}: ${JSON.stringify([...tally])}`).toBeGreaterThan(0);
  });
});
