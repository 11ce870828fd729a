// Fuzzing the page-table walker and the MMU on random page-table contents: whatever RAM holds,
// whatever PTBR and address, a walk gives a translation or a fault (a trap cause), never a
// host exception, and never reads or writes outside RAM. RAM is wrapped in a Proxy that records
// every index the walker touches; the results are also compared with the plain reference walk.
// (test/walker.test.ts checks the walker on well-formed random tables; here the contents are
// anything at all, and the whole MMU with its TLB runs over tables that change under it.)
//
// Bounded in the normal run; VMLAB_LONG=1 runs many more cases.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GEOMETRIES, PAGE_SHIFT, PAGE_SIZE, Pte, type Geometry } from '../src/arch/pte.ts';
import { Access, Cause } from '../src/arch/traps.ts';
import { Mmu } from '../src/machine/mmu/mmu.ts';
import { TlbPolicy } from '../src/machine/mmu/tlb.ts';
import { referenceWalk } from '../src/machine/mmu/walk-reference.ts';
import { Walker } from '../src/machine/mmu/walker.ts';
import { LONG, TIMEOUT } from './hardening-harness.ts';

const GEOMS: Geometry[] = [GEOMETRIES[1], GEOMETRIES[2], GEOMETRIES[3], GEOMETRIES[4], [1, 19], [19, 1], [5, 5, 5, 5], [3, 3, 3, 11]];
const RUNS = LONG ? 20_000 : 300;

/** Every index read or written outside [0, length), and the count of reads and writes inside. */
interface Watch {
  outside: string[];
  reads: number;
  writes: number;
}

/**
 * An Int32Array view that records its element accesses. The walker only indexes and reads
 * `length`; anything else goes to the array itself.
 */
function watched(mem: Int32Array, w: Watch): Int32Array {
  return new Proxy(mem, {
    get(target, key) {
      if (typeof key === 'string' && /^-?\d+$/.test(key)) {
        const i = Number(key);
        if (i < 0 || i >= target.length) w.outside.push(`read ${i}`);
        else w.reads++;
        return target[i];
      }
      const v = Reflect.get(target, key, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
    set(target, key, value) {
      if (typeof key === 'string' && /^-?\d+$/.test(key)) {
        const i = Number(key);
        if (i < 0 || i >= target.length) w.outside.push(`write ${i}`);
        else w.writes++;
        target[i] = value as number;
        return true;
      }
      return Reflect.set(target, key, value, target);
    },
  });
}

/**
 * RAM contents: words that are anything at all, mixed with words that look like PTEs (V set,
 * pointers and leaves, frames near RAM's size or far beyond it) so that walks go deep.
 */
const arbWord = (pages: number) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: -0x80000000, max: 0x7fffffff }) },
    { weight: 1, arbitrary: fc.constantFrom(0, -1, 1, 0x7fffffff, -0x80000000) },
    {
      weight: 4,
      arbitrary: fc
        .record({
          pfn: fc.oneof(fc.integer({ min: 0, max: pages + 1 }), fc.integer({ min: 0, max: 0xfffff })),
          flags: fc.integer({ min: 0, max: 0xfff }),
          pointer: fc.boolean(),
        })
        .map(({ pfn, flags, pointer }) => ((pfn << PAGE_SHIFT) | (pointer ? Pte.V | (flags & ~(Pte.R | Pte.W | Pte.X)) : flags | Pte.V)) | 0),
    },
  );

const arbCase = fc
  .record({
    geometry: fc.constantFrom(...GEOMS),
    pages: fc.integer({ min: 1, max: 6 }),
  })
  .chain(({ geometry, pages }) =>
    fc.record({
      geometry: fc.constant(geometry),
      pages: fc.constant(pages),
      // Sparse contents: the rest of RAM is zero (not valid), as real tables mostly are.
      words: fc.array(fc.tuple(fc.nat((pages * PAGE_SIZE) / 4 - 1), arbWord(pages)), { maxLength: 300 }),
      ptbr: fc.oneof(fc.integer({ min: 0, max: pages * PAGE_SIZE + 2 * PAGE_SIZE }), fc.integer({ min: 0, max: 0xffffffff })),
      accesses: fc.array(
        fc.record({
          va: fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0x7fffffff })),
          access: fc.constantFrom(Access.FETCH, Access.LOAD, Access.STORE),
          user: fc.boolean(),
        }),
        { minLength: 1, maxLength: 12 },
      ),
    }),
  );

const FAULTS = new Set<number>([
  Cause.FETCH_PAGE_FAULT, Cause.LOAD_PAGE_FAULT, Cause.STORE_PAGE_FAULT,
  Cause.FETCH_PROTECTION, Cause.LOAD_PROTECTION, Cause.STORE_PROTECTION, Cause.BUS_ERROR,
]);

function sameWords(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function ram(pages: number, words: readonly (readonly [number, number])[]): Int32Array {
  const mem = new Int32Array((pages * PAGE_SIZE) / 4);
  for (const [i, v] of words) mem[i] = v;
  return mem;
}

describe('walker on random page-table contents', () => {
  it('(the watch sees reads and writes, and those outside the array)', () => {
    const w: Watch = { outside: [], reads: 0, writes: 0 };
    const m = watched(new Int32Array(4), w);
    m[1] = m[2]! + 1;
    void m[4];
    m[-1] = 0;
    expect(w).toEqual({ outside: ['read 4', 'write -1'], reads: 1, writes: 1 });
    const walker = new Walker(m, GEOMETRIES[2]);
    expect(walker.walk(0, 0, Access.LOAD, false)).toBe(Cause.LOAD_PAGE_FAULT); // reads word 0
    expect(w.reads).toBe(2);
  });

  it('translates or faults, agrees with the reference walk, and never touches memory outside RAM', () => {
    fc.assert(
      fc.property(arbCase, ({ geometry, pages, words, ptbr, accesses }) => {
        const mem = ram(pages, words);
        const w: Watch = { outside: [], reads: 0, writes: 0 };
        const walker = new Walker(watched(mem, w), geometry);
        for (const a of accesses) {
          const before = mem.slice();
          const ref = referenceWalk(before, geometry, ptbr, a.va, a.access, a.user);
          const cause = walker.walk(ptbr, a.va, a.access, a.user);
          if (ref.ok) {
            expect(cause).toBe(0);
            expect(((walker.pfn << PAGE_SHIFT) >>> 0) + (a.va & (PAGE_SIZE - 1))).toBe(ref.pa);
            expect(mem[walker.leafAddr / 4]! >>> 0).toBe(ref.newLeaf >>> 0);
          } else {
            expect(FAULTS.has(cause)).toBe(true);
            expect(cause).toBe(ref.cause);
            expect(sameWords(mem, before)).toBe(true); // a fault writes nothing back
          }
          const peek = walker.inspect(ptbr, a.va);
          expect(peek === 0 || FAULTS.has(peek)).toBe(true);
        }
        expect(w.outside).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  }, TIMEOUT);

  it('the MMU with a TLB over tables that change under it: a physical address or a fault, never an exception', () => {
    fc.assert(
      fc.property(
        arbCase,
        fc.record({
          entries: fc.constantFrom(1, 2, 4, 8),
          policy: fc.constantFrom(...Object.values(TlbPolicy)),
          split: fc.boolean(),
          noTlb: fc.boolean(),
          asid: fc.integer({ min: 0, max: 255 }),
          rewrites: fc.array(fc.tuple(fc.nat(), fc.integer({ min: -0x80000000, max: 0x7fffffff })), { maxLength: 8 }),
        }),
        ({ geometry, pages, words, ptbr, accesses }, t) => {
          const mem = ram(pages, words);
          const w: Watch = { outside: [], reads: 0, writes: 0 };
          const mmu = new Mmu(watched(mem, w), {
            geometry,
            tlb: t.noTlb ? null : { entries: t.entries, ways: t.entries, policy: t.policy, seed: 7 },
            split: t.split && !t.noTlb,
            checkTlb: false,
          });
          mmu.ptbr = ptbr;
          mmu.asid = t.asid;
          accesses.forEach((a, k) => {
            // Rewrite a few words between accesses: stale TLB entries are architectural, not errors.
            const rw = t.rewrites[k];
            if (rw !== undefined) mem[rw[0] % mem.length] = rw[1];
            const va = a.va & 0x7fffffff; // translate() is for user space
            const r = mmu.translate(va, a.access, a.user);
            if (r < 0) expect(FAULTS.has(-r)).toBe(true);
            else {
              expect(Number.isInteger(r)).toBe(true);
              expect(r).toBeLessThan(2 ** 32);
              expect(r & (PAGE_SIZE - 1)).toBe(va & (PAGE_SIZE - 1));
            }
            if (k % 3 === 2) mmu.invalidatePage(va);
          });
          expect(w.outside).toEqual([]);
        },
      ),
      { numRuns: RUNS },
    );
  }, TIMEOUT);
});
