// The hardware page-table walker (asm/README.md "Paging").
//
// From the root table at PTBR (low 12 bits ignored), each level reads one PTE, a word of RAM at
// table + 4 * index, the index being the level's bits of the VA (geometry, root first):
//   V = 0                           -> page fault
//   R = W = X = 0 (a pointer)       -> next table at PFN * 4096; at the last level a page fault
//   otherwise a leaf; above the last level a superpage, whose PFN must be a multiple of its
//   size in pages (else a page fault); the page's frame is PFN + the VA's page index within it.
// Then permissions: a fetch needs X, a load R, a store W (W without R is allowed), and a user
// access needs U; else a protection fault. Only then A (and D for a store) are set, and the PTE
// is written back if that changed it. A PTE address at or beyond RAM is a bus error: nothing is
// read outside the RAM array, and that attempt is not counted as a PTE read.

import { Pte, PTE_RWX, PAGE_SHIFT, type Geometry } from '../../arch/pte.ts';
import { Access, Cause } from '../../arch/traps.ts';
import type { Tracer } from '../tracer.ts';

/**
 * The PTE bit each access kind needs, one nibble per Access value (FETCH: X, LOAD: R, STORE: W):
 * needed = (ACCESS_NEEDS >>> (access << 2)) & 0xf. Arithmetic, so the hot path reads no table.
 */
export const ACCESS_NEEDS = Pte.X | (Pte.R << 4) | (Pte.W << 8);

// The bits the walk tests, as plain numbers (a module constant costs less on the hot path than
// a property of Pte in the bundled code).
const V = Pte.V;
const U = Pte.U;
const A = Pte.A;
const AD = Pte.A | Pte.D;
const RWX = PTE_RWX;
const PFN_SHIFT = Pte.PFN_SHIFT;

export class Walker {
  walks = 0;
  pteReads = 0;
  pteWrites = 0;

  // Outputs of the last successful walk.
  /** Frame of the 4 KiB page containing va (superpage: base frame + page index within it). */
  pfn = 0;
  /** Leaf PTE low byte after the A/D update. */
  perm = 0;
  /** Physical address of the leaf PTE. */
  leafAddr = 0;
  leafLevel = 0;

  // Outputs of the last successful inspect() (side-effect free walk for --check-tlb, dryWalk).
  inspectPfn = 0;
  inspectPerm = 0;
  /** PTEs read. */
  inspectReads = 0;

  tracer: Tracer | null = null;

  declare private readonly mem32: Int32Array;
  declare private readonly levels: number;
  /**
   * The geometry in one int: bits 5l..5l+4 hold the VA bit where level l's index starts (its
   * shift). Level l's index has (previous shift - shift) bits, the root's (32 - shift); a leaf
   * at level l spans 2^(shift - 12) pages.
   */
  declare private readonly shifts: number;

  /** mem32 covers the whole RAM (its byteLength is the RAM size); geometry must be valid. */
  constructor(mem32: Int32Array, geometry: Geometry) {
    this.mem32 = mem32;
    this.levels = geometry.length;
    let shift = 32;
    let packed = 0;
    for (let l = 0; l < this.levels; l++) {
      shift -= geometry[l];
      packed |= shift << (5 * l);
    }
    if (shift !== PAGE_SHIFT || this.levels > 4) throw new Error(`Walker: geometry ${geometry.join('+')} is not 1-4 levels covering 20 bits`);
    this.shifts = packed;
  }

  /**
   * Walk for one access. Returns 0 on success (outputs pfn, perm, leafAddr, leafLevel set),
   * else the Cause: page fault or protection fault of the access kind, or BUS_ERROR for a PTE
   * address outside RAM. Counts one walk, each PTE read and the write-back.
   */
  walk(ptbr: number, va: number, access: Access, user: boolean): number {
    const mem = this.mem32;
    const words = mem.length;
    const tracer = this.tracer;
    const last = this.levels - 1;
    let shifts = this.shifts; // level l's shift in the low 5 bits after l steps
    // Word indices (physical address / 4) keep every value a small non-negative int, and the
    // RAM check below is the array's own bounds check.
    let tableWord = (ptbr >>> 2) & ~0x3ff;
    let top = 32;
    let level = 0;
    let result: number;
    for (;;) {
      const shift = shifts & 31;
      shifts >>>= 5;
      const word = tableWord + ((va >>> shift) & ((1 << (top - shift)) - 1));
      if (word >= words) {
        result = Cause.BUS_ERROR;
        break;
      }
      const pte = mem[word];
      level++; // now the number of PTEs read
      if (tracer !== null) tracer.walkStep(va, level - 1, word * 4, pte >>> 0);
      if ((pte & V) === 0) {
        result = Cause.FETCH_PAGE_FAULT + access;
        break;
      }
      if ((pte & RWX) === 0) {
        if (level > last) {
          result = Cause.FETCH_PAGE_FAULT + access;
          break;
        }
        tableWord = (pte >>> 2) & ~0x3ff;
        top = shift;
        continue;
      }
      // A leaf: superpage alignment, permissions, then A/D.
      const pageMask = (1 << (shift - PAGE_SHIFT)) - 1;
      let pfn = pte >>> PFN_SHIFT;
      if ((pfn & pageMask) !== 0) {
        result = Cause.FETCH_PAGE_FAULT + access;
        break;
      }
      pfn |= (va >>> PAGE_SHIFT) & pageMask;
      if ((pte & (ACCESS_NEEDS >>> (access << 2)) & 0xf) === 0 || (user === true && (pte & U) === 0)) {
        result = Cause.FETCH_PROTECTION + access;
        break;
      }
      const updated = pte | (access === Access.STORE ? AD : A);
      if (updated !== pte) this.writeBack(va, word, pte, updated);
      this.pfn = pfn;
      this.perm = updated & 0xff;
      this.leafAddr = word * 4;
      this.leafLevel = level - 1;
      result = 0;
      break;
    }
    this.walks++;
    this.pteReads += level;
    return result;
  }

  /** Store the leaf with A/D set (once per page and kind, so off the hot path). */
  private writeBack(va: number, word: number, pte: number, updated: number): void {
    this.mem32[word] = updated;
    this.pteWrites++;
    if (this.tracer !== null) this.tracer.walkUpdate(va, word * 4, pte >>> 0, updated >>> 0);
  }

  /**
   * The common case of walk(), without its side effects: if walk(ptbr, va, access, user) would
   * succeed and write nothing back (the leaf already has A, and D for a store), returns the
   * number of PTEs it would read, with inspectPfn and inspectPerm set (as walk() sets pfn and
   * perm); else 0 (a fault, a bus error, an A/D update: walk() itself must run). Counts and
   * traces nothing.
   */
  dryWalk(ptbr: number, va: number, access: Access, user: boolean): number {
    if (this.inspect(ptbr, va) !== 0) return 0;
    const perm = this.inspectPerm;
    const done = access === Access.STORE ? AD : A;
    if ((perm & (ACCESS_NEEDS >>> (access << 2)) & 0xf) === 0 || (user === true && (perm & U) === 0) || (perm & done) !== done) return 0;
    return this.inspectReads;
  }

  /**
   * The translation the tables give now, for --check-tlb: the same walk without permission
   * checks, counting, tracing or writes. Returns 0 (inspectPfn, inspectPerm: the leaf's low
   * byte as it is in memory, and inspectReads: the PTEs read) or the cause a load walk would
   * fail with.
   */
  inspect(ptbr: number, va: number): number {
    const mem = this.mem32;
    let tableWord = (ptbr >>> 2) & ~0x3ff;
    let top = 32;
    for (let level = 0; level < this.levels; level++) {
      const shift = (this.shifts >>> (5 * level)) & 31;
      const word = tableWord + ((va >>> shift) & ((1 << (top - shift)) - 1));
      if (word >= mem.length) return Cause.BUS_ERROR;
      const pte = mem[word];
      if ((pte & V) === 0) return Cause.LOAD_PAGE_FAULT;
      if ((pte & RWX) === 0) {
        tableWord = (pte >>> 2) & ~0x3ff;
        top = shift;
        continue;
      }
      const pageMask = (1 << (shift - PAGE_SHIFT)) - 1;
      const pfn = pte >>> PFN_SHIFT;
      if ((pfn & pageMask) !== 0) return Cause.LOAD_PAGE_FAULT;
      this.inspectPfn = pfn | ((va >>> PAGE_SHIFT) & pageMask);
      this.inspectPerm = pte & 0xff;
      this.inspectReads = level + 1;
      return 0;
    }
    return Cause.LOAD_PAGE_FAULT;
  }
}
