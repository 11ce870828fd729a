import { nullTracer } from '../src/machine/tracers.ts';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { GEOMETRIES, Pte, PAGE_SIZE, makePte, type Geometry } from '../src/arch/pte.ts';
import { Access, Cause } from '../src/arch/traps.ts';
import { Prng } from '../src/util/prng.ts';
import { Walker } from '../src/machine/mmu/walker.ts';
import { referenceWalk } from '../src/machine/mmu/walk-reference.ts';
import type { Tracer } from '../src/machine/tracer.ts';

const LONG = process.env.VMLAB_LONG === '1';

const CUSTOM: Geometry[] = [
  [1, 19],
  [19, 1],
  [12, 8],
  [8, 12],
  [5, 5, 5, 5],
  [3, 3, 3, 11],
  [11, 3, 3, 3],
  [1, 1, 1, 17],
];
const ALL_GEOMETRIES: Geometry[] = [GEOMETRIES[1], GEOMETRIES[2], GEOMETRIES[3], GEOMETRIES[4], ...CUSTOM];

/** Records walkStep/walkUpdate calls as tuples. */
function recordingTracer(log: number[][]): Tracer {
  return nullTracer({
    walkStep: (va, level, pteAddr, pte) => void log.push([0, va, level, pteAddr, pte]),
    walkUpdate: (va, pteAddr, oldPte, newPte) => void log.push([1, va, pteAddr, oldPte, newPte]),
  });
}

/**
 * A RAM of `pages` pages full of random PTEs: not-valid junk, pointers (some to frames beyond
 * RAM), and leaves with random permission bits whose frames are often multiples of a random
 * power of two, so superpages come both aligned and misaligned.
 */
function randomRam(rng: Prng, pages: number): Int32Array {
  const mem = new Int32Array((pages * PAGE_SIZE) / 4);
  for (let i = 0; i < mem.length; i++) {
    const kind = rng.below(10);
    let pte: number;
    if (kind < 2) {
      pte = rng.nextU32() & ~Pte.V;
    } else if (kind < 5) {
      const pfn = rng.below(8) === 0 ? rng.below(0x100000) : rng.below(pages + 2);
      pte = makePte(pfn, Pte.V | (rng.nextU32() & (Pte.U | Pte.G | Pte.A | Pte.D | Pte.SOFT_MASK)));
    } else {
      const pfn = rng.below(4) === 0 ? rng.below(0x100000) : (rng.below(4) << rng.below(20)) & 0xfffff;
      let flags = Pte.V | (rng.nextU32() & 0xffe);
      if ((flags & (Pte.R | Pte.W | Pte.X)) === 0) flags |= [Pte.R, Pte.W, Pte.X][rng.below(3)];
      pte = makePte(pfn, flags);
    }
    mem[i] = pte;
  }
  return mem;
}

/** A VA whose index at each level is mostly small, so walks stay in the RAM and meet the same PTEs. */
function randomVa(rng: Prng, g: Geometry): number {
  if (rng.below(8) === 0) return rng.nextU32() & 0x7fffffff;
  let va = 0;
  let below = 32;
  for (const bits of g) {
    below -= bits;
    const idx = rng.below(2) === 0 ? rng.below(4) : rng.below(2 ** bits);
    va += idx * 2 ** below;
  }
  return (va + rng.below(PAGE_SIZE)) >>> 0;
}

/** Compare one value; expect() only on a difference (it is slow, and this runs ~10^5 times). */
function same(actual: unknown, expected: unknown, at: () => string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) expect(actual, at()).toEqual(expected);
}

/** How often each outcome was met, to check that the random tables reach every case. */
const tally = new Map<string, number>();
function count(key: string): void {
  tally.set(key, (tally.get(key) ?? 0) + 1);
}

function compareOnRandomTables(seed: number, g: Geometry, pages: number, accesses: number): void {
  const rng = new Prng(seed);
  const memFast = randomRam(rng, pages);
  const memRef = memFast.slice();
  const steps: number[] = []; // pteAddr, level per walkStep
  const updates: number[][] = [];
  const w = new Walker(memFast, g);
  const tracer = recordingTracer([]);
  tracer.walkStep = (_va, level, pteAddr) => steps.push(pteAddr, level);
  tracer.walkUpdate = (va, pteAddr, oldPte, newPte) => updates.push([va, pteAddr, oldPte, newPte]);
  w.tracer = tracer;
  let ptbr = rng.below(pages) * PAGE_SIZE;
  for (let n = 0; n < accesses; n++) {
    if (rng.below(50) === 0) ptbr = rng.below(6) === 0 ? rng.nextU32() : rng.below(pages) * PAGE_SIZE + rng.below(PAGE_SIZE);
    const va = randomVa(rng, g);
    const access = rng.below(3) as Access;
    const user = rng.below(2) === 0;
    const at = () => `seed ${seed} geometry ${g.join('+')} access #${n}: ptbr ${ptbr.toString(16)} va ${va.toString(16)} kind ${access} user ${user}`;
    const reads = w.pteReads;
    const writes = w.pteWrites;
    const walks = w.walks;
    steps.length = 0;
    updates.length = 0;
    // dryWalk() first: it must change and count nothing, and say what walk() is about to do.
    const dry = w.dryWalk(ptbr, va, access, user);
    const dryOut = [w.inspectPfn, w.inspectPerm];
    same([w.walks, w.pteReads, w.pteWrites, steps.length], [walks, reads, writes, 0], at);
    const cause = w.walk(ptbr, va, access, user);
    const ref = referenceWalk(memRef, g, ptbr, va, access, user);
    if (dry > 0) {
      count('dry walk');
      same(ref.ok && ref.newLeaf === memRef[ref.pteAddrs[ref.pteAddrs.length - 1]! / 4]! >>> 0, true, at);
      same([dry, ...dryOut], [ref.pteAddrs.length, w.pfn, w.perm], at);
    } else if (ref.ok) {
      // Declined: only because the walk updates A or D.
      count('dry walk declined');
      same(ref.newLeaf !== memRef[ref.pteAddrs[ref.pteAddrs.length - 1]! / 4]! >>> 0, true, at);
    }
    same(w.walks - walks, 1, at);
    same(w.pteReads - reads, ref.pteAddrs.length, at);
    same(steps, ref.pteAddrs.flatMap((addr, level) => [addr, level]), at);
    if (!ref.ok) {
      count(`cause ${ref.cause}`);
      same(cause, ref.cause, at);
      same(w.pteWrites - writes, 0, at);
      same(updates, [], at);
      continue;
    }
    same(cause, 0, at);
    same((w.pfn * PAGE_SIZE + (va & (PAGE_SIZE - 1))) >>> 0, ref.pa, at);
    const leafAddr = ref.pteAddrs[ref.pteAddrs.length - 1];
    same(w.leafAddr, leafAddr, at);
    same(w.leafLevel, ref.pteAddrs.length - 1, at);
    same(w.perm, ref.newLeaf & 0xff, at);
    const old = memRef[leafAddr / 4] >>> 0;
    const wrote = ref.newLeaf !== old;
    count(ref.pteAddrs.length < g.length ? 'superpage' : 'page');
    count(wrote ? 'write-back' : 'no write-back');
    same(w.pteWrites - writes, wrote ? 1 : 0, at);
    same(updates, wrote ? [[va, leafAddr, old, ref.newLeaf]] : [], at);
    memRef[leafAddr / 4] = ref.newLeaf;
    // inspect() sees the same translation, without counting.
    const r2 = w.pteReads;
    same(w.inspect(ptbr, va), 0, at);
    same([w.inspectPfn, w.inspectPerm, w.pteReads], [w.pfn, w.perm, r2], at);
  }
  for (let i = 0; i < memFast.length; i++) if (memFast[i] !== memRef[i]) expect(memFast[i], `seed ${seed}: RAM word ${i}`).toBe(memRef[i]);
}

describe('Walker against referenceWalk', () => {
  it('agrees on random page tables, geometries, accesses and modes (walk, dryWalk, inspect)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(...ALL_GEOMETRIES), fc.integer({ min: 2, max: 24 }), (seed, g, pages) => {
        compareOnRandomTables(seed, g, pages, 300);
      }),
      { numRuns: LONG ? 5000 : 150 },
    );
    const causes: number[] = [Cause.BUS_ERROR, Cause.FETCH_PAGE_FAULT, Cause.LOAD_PAGE_FAULT, Cause.STORE_PAGE_FAULT];
    causes.push(Cause.FETCH_PROTECTION, Cause.LOAD_PROTECTION, Cause.STORE_PROTECTION);
    for (const key of ['page', 'superpage', 'write-back', 'no write-back', 'dry walk', 'dry walk declined', ...causes.map((c) => `cause ${c}`)])
      expect(tally.get(key) ?? 0, `outcome '${key}' met`).toBeGreaterThan(50);
  });
});

describe('Walker', () => {
  // Two-level tables in 16 pages: root at frame 1, second-level table at frame 2.
  const RAM_PAGES = 16;
  function setup(g: Geometry = GEOMETRIES[2]) {
    const mem = new Int32Array((RAM_PAGES * PAGE_SIZE) / 4);
    return { mem, w: new Walker(mem, g) };
  }
  const ROOT = 1 * PAGE_SIZE;
  const L2 = 2 * PAGE_SIZE;
  // va 0x00403123: root index 1, second-level index 3.
  const VA = 0x00403123;
  const rootSlot = ROOT / 4 + 1;
  const leafSlot = L2 / 4 + 3;

  it('translates through a pointer and a leaf, and sets A on a load, D on a store', () => {
    const { mem, w } = setup();
    mem[rootSlot] = makePte(2, Pte.V);
    mem[leafSlot] = makePte(9, Pte.V | Pte.R | Pte.W);
    expect(w.walk(ROOT, VA, Access.LOAD, false)).toBe(0);
    expect(w.pfn).toBe(9);
    expect(w.pteReads).toBe(2);
    expect(w.pteWrites).toBe(1);
    expect(mem[leafSlot]).toBe(makePte(9, Pte.V | Pte.R | Pte.W | Pte.A));
    expect(w.walk(ROOT, VA, Access.LOAD, false)).toBe(0);
    expect(w.pteWrites).toBe(1); // A already set: no write-back
    expect(w.walk(ROOT, VA, Access.STORE, false)).toBe(0);
    expect(w.pteWrites).toBe(2);
    expect(w.perm).toBe(Pte.V | Pte.R | Pte.W | Pte.A | Pte.D);
    expect(w.leafAddr).toBe(leafSlot * 4);
    expect(w.leafLevel).toBe(1);
    expect(w.walks).toBe(3);
  });

  it('reports page faults of the access kind: not valid, pointer at the last level', () => {
    const { mem, w } = setup();
    for (const a of [Access.FETCH, Access.LOAD, Access.STORE])
      expect(w.walk(ROOT, VA, a, true)).toBe([Cause.FETCH_PAGE_FAULT, Cause.LOAD_PAGE_FAULT, Cause.STORE_PAGE_FAULT][a]);
    mem[rootSlot] = makePte(2, Pte.V);
    mem[leafSlot] = makePte(3, Pte.V); // a pointer where a leaf must be
    expect(w.walk(ROOT, VA, Access.LOAD, false)).toBe(Cause.LOAD_PAGE_FAULT);
    mem[leafSlot] = makePte(3, Pte.R | Pte.W | Pte.X | Pte.U); // V clear: the rest is ignored
    expect(w.walk(ROOT, VA, Access.STORE, false)).toBe(Cause.STORE_PAGE_FAULT);
    expect(w.pteWrites).toBe(0);
  });

  it('maps superpages whose frame is aligned, and faults on misaligned ones', () => {
    const { mem, w } = setup();
    mem[rootSlot] = makePte(0x400, Pte.V | Pte.R); // 4 MiB superpage at frame 1024
    expect(w.walk(ROOT, VA, Access.LOAD, false)).toBe(0);
    expect(w.pfn).toBe(0x403);
    expect(w.leafLevel).toBe(0);
    expect(w.pteReads).toBe(1);
    mem[rootSlot] = makePte(0x401, Pte.V | Pte.R);
    expect(w.walk(ROOT, VA, Access.LOAD, false)).toBe(Cause.LOAD_PAGE_FAULT);
    // 4 levels: a level-2 leaf maps 64 pages (256 KiB).
    const g4 = setup(GEOMETRIES[4]);
    // va 0x40005000 -> indices 1, 0, 0, 5
    g4.mem[ROOT / 4 + 1] = makePte(2, Pte.V);
    g4.mem[L2 / 4 + 0] = makePte(3, Pte.V);
    g4.mem[(3 * PAGE_SIZE) / 4 + 0] = makePte(64 * 7, Pte.V | Pte.X);
    expect(g4.w.walk(ROOT, 0x40005000, Access.FETCH, false)).toBe(0);
    expect(g4.w.pfn).toBe(64 * 7 + 5);
    expect(g4.w.leafLevel).toBe(2);
    g4.mem[(3 * PAGE_SIZE) / 4 + 0] = makePte(64 * 7 + 32, Pte.V | Pte.X);
    expect(g4.w.walk(ROOT, 0x40005000, Access.FETCH, false)).toBe(Cause.FETCH_PAGE_FAULT);
  });

  it('checks permissions: X for fetch, R for load, W for store, U in user mode only', () => {
    const { mem, w } = setup();
    mem[rootSlot] = makePte(2, Pte.V);
    const cases: [number, Access, boolean, number][] = [
      [Pte.R, Access.LOAD, true, Cause.LOAD_PROTECTION],
      [Pte.R | Pte.U, Access.LOAD, true, 0],
      [Pte.R, Access.LOAD, false, 0],
      [Pte.R | Pte.U, Access.STORE, true, Cause.STORE_PROTECTION],
      [Pte.R | Pte.U, Access.FETCH, true, Cause.FETCH_PROTECTION],
      [Pte.W | Pte.U, Access.STORE, true, 0], // W without R: stores are allowed...
      [Pte.W | Pte.U, Access.LOAD, true, Cause.LOAD_PROTECTION], // ...but loads still need R
      [Pte.X | Pte.U, Access.FETCH, true, 0],
      [Pte.X | Pte.U, Access.LOAD, true, Cause.LOAD_PROTECTION],
      [Pte.R | Pte.W | Pte.X, Access.STORE, false, 0],
    ];
    for (const [flags, access, user, cause] of cases) {
      mem[leafSlot] = makePte(9, Pte.V | flags);
      expect(w.walk(ROOT, VA, access, user), `${flags} ${access} ${user}`).toBe(cause);
      // A faulting access leaves the PTE alone.
      if (cause !== 0) expect(mem[leafSlot]).toBe(makePte(9, Pte.V | flags));
    }
  });

  it('raises a bus error for a PTE address outside RAM, without reading it', () => {
    const { mem, w } = setup();
    expect(w.walk(RAM_PAGES * PAGE_SIZE, VA, Access.LOAD, false)).toBe(Cause.BUS_ERROR);
    expect(w.walk(0xfffff000 | 0, VA, Access.LOAD, false)).toBe(Cause.BUS_ERROR);
    expect(w.pteReads).toBe(0);
    mem[rootSlot] = makePte(RAM_PAGES, Pte.V); // next table just past the end of RAM
    expect(w.walk(ROOT, VA, Access.FETCH, true)).toBe(Cause.BUS_ERROR);
    expect(w.pteReads).toBe(1);
    // The low 12 bits of PTBR are ignored.
    mem[rootSlot] = makePte(2, Pte.V);
    mem[leafSlot] = makePte(9, Pte.V | Pte.R);
    expect(w.walk(ROOT + 0xfff, VA, Access.LOAD, false)).toBe(0);
  });

  it('walks a single 20-bit level', () => {
    const mem = new Int32Array((2048 * PAGE_SIZE) / 4); // the 4 MiB table fits
    const w = new Walker(mem, GEOMETRIES[1]);
    mem[0xfffff] = makePte(5, Pte.V | Pte.R | Pte.U);
    expect(w.walk(0, 0xfffff000 | 0, Access.LOAD, true)).toBe(0);
    expect(w.pfn).toBe(5);
    expect(w.pteReads).toBe(1);
  });
});
