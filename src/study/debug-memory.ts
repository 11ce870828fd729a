// The debugger's view of memory: page-table walks, table scans and word reads that look without
// touching. Nothing here writes RAM, sets an A or D bit, counts a walk or a PTE read, reads a
// device register with a side effect, or looks at the TLB: `walk`, `pt`, `frames`, `mem` and
// `disasm` leave the machine exactly as they found it.
//
// The walk follows asm/README.md "Paging" literally (plain arithmetic on non-negative numbers,
// like the reference walk in src/machine/mmu/walk-reference.ts, which a test compares it with):
// from the root table at `root` (low 12 bits ignored), each level reads the PTE at
// table + 4 * index, the index being that level's bits of the VA, root first:
//   V = 0                 -> not present (the other 31 bits are the kernel's)
//   R = W = X = 0         -> a pointer to the next table at PFN * 4096 (at the last level: a fault)
//   otherwise a leaf      -> above the last level a superpage, whose PFN must be a multiple of
//                            its size in pages (else a fault)
// A PTE address at or past the end of RAM ends the walk (the hardware's bus error).
// Permissions are not checked: the walk says what the entry allows, not what one access may do.

import { KSEG_BASE, DEVICE_BASE_PA, DEVICE_PAGE } from '../arch/memmap.ts';
import { PAGE_SIZE, PTE_RWX, Pte, type Geometry } from '../arch/pte.ts';
import type { Machine } from '../machine/machine.ts';

/**
 * What the default kernel keeps in a not-present PTE (asm/kernel/layout.s; asm/README.md "The
 * kernel's interface"): 0 = never loaded; `slot << PFN_SHIFT | SWAPPED` = the page's only
 * up-to-date copy is in swap slot `slot`. SWAPPED reuses the position of R. Another kernel may
 * use these bits otherwise: the debugger then shows them as plain kernel bits.
 */
export const KERNEL_PTE_SWAPPED = Pte.R;

/** The PTE flags the debugger prints as letters, in this order ('-' when clear). V is implied. */
const FLAG_LETTERS = ['R', 'W', 'X', 'U', 'G', 'A', 'D'] as const;

/** "R-XU-A-": the flags of a PTE (or of a TLB entry's cached low byte), a letter each. */
export function flagLetters(pte: number): string {
  let s = '';
  for (const k of FLAG_LETTERS) s += (pte & Pte[k]) !== 0 ? k : '-';
  return s;
}

export function hex8(v: number): string {
  return '0x' + (v >>> 0).toString(16).padStart(8, '0');
}

/** A frame number as the debugger prints it: 0x00021 (five digits cover 20 bits). */
export function hexPfn(pfn: number): string {
  return '0x' + (pfn >>> 0).toString(16).padStart(5, '0');
}

/** What a not-present PTE says under the default kernel's convention. */
export function notPresentText(pte: number): string {
  const v = pte >>> 0;
  if (v === 0) return 'not present (never loaded: from its region)';
  const slot = swapSlotOf(v);
  if (slot >= 0) return `not present, swapped: slot ${slot}`;
  return `not present, kernel bits ${hex8(v)}`;
}

/** The swap slot of a not-present PTE in the default kernel's form, or -1. */
export function swapSlotOf(pte: number): number {
  const v = pte >>> 0;
  if ((v & Pte.V) !== 0 || (v & 0xfff) !== KERNEL_PTE_SWAPPED) return -1;
  return v >>> Pte.PFN_SHIFT;
}

/** A valid entry is a pointer when R = W = X = 0. */
export function isPointer(pte: number): boolean {
  return (pte & Pte.V) !== 0 && (pte & PTE_RWX) === 0;
}

/** Bits of the VA below level `level`'s index (32 at the top, 12 after the last level). */
function bitsBelowLevel(geometry: Geometry, level: number): number {
  let bits = 32;
  for (let l = 0; l <= level; l++) bits -= geometry[l]!;
  return bits;
}

export interface WalkStep {
  level: number;
  /** The index into this level's table. */
  index: number;
  pteAddr: number;
  /** The entry, unsigned. */
  pte: number;
  /** The first virtual address the entry covers and how many bytes it covers. */
  base: number;
  span: number;
}

export type WalkEnd =
  /** A leaf: pa is the physical address of va; pages = 4 KiB pages the leaf maps (1 at the last level). */
  | { kind: 'leaf'; pa: number; pfn: number; pte: number; pages: number }
  | { kind: 'not-present'; pte: number }
  | { kind: 'pointer-at-last-level' }
  | { kind: 'misaligned-superpage'; pte: number; pages: number }
  /** The next PTE would lie at or past the end of RAM (the hardware's bus error). */
  | { kind: 'outside-ram'; pteAddr: number };

export interface PeekWalk {
  va: number;
  /** The root table's physical address (low 12 bits cleared). */
  root: number;
  steps: WalkStep[];
  end: WalkEnd;
}

/**
 * The walk of `va` from the root table at `root`, level by level, reading `mem32` only (see
 * the top of this file). Never throws for any root or table contents.
 */
export function peekWalk(mem32: Int32Array, geometry: Geometry, root: number, va: number): PeekWalk {
  const ramBytes = mem32.length * 4;
  const vaU = va >>> 0;
  const rootPa = Math.floor((root >>> 0) / PAGE_SIZE) * PAGE_SIZE;
  const steps: WalkStep[] = [];
  let table = rootPa;
  for (let level = 0; level < geometry.length; level++) {
    const below = bitsBelowLevel(geometry, level);
    const span = 2 ** below;
    const index = Math.floor(vaU / span) % 2 ** geometry[level]!;
    const pteAddr = table + 4 * index;
    if (pteAddr + 4 > ramBytes) return { va: vaU, root: rootPa, steps, end: { kind: 'outside-ram', pteAddr } };
    const pte = mem32[pteAddr / 4]! >>> 0;
    steps.push({ level, index, pteAddr, pte, base: Math.floor(vaU / span) * span, span });
    if ((pte & Pte.V) === 0) return { va: vaU, root: rootPa, steps, end: { kind: 'not-present', pte } };
    const pfn = Math.floor(pte / PAGE_SIZE);
    if (isPointer(pte)) {
      if (level === geometry.length - 1) return { va: vaU, root: rootPa, steps, end: { kind: 'pointer-at-last-level' } };
      table = pfn * PAGE_SIZE;
      continue;
    }
    const pages = span / PAGE_SIZE;
    if (pfn % pages !== 0) return { va: vaU, root: rootPa, steps, end: { kind: 'misaligned-superpage', pte, pages } };
    const pageFrame = pfn + (Math.floor(vaU / PAGE_SIZE) % pages);
    return { va: vaU, root: rootPa, steps, end: { kind: 'leaf', pa: pageFrame * PAGE_SIZE + (vaU % PAGE_SIZE), pfn: pageFrame, pte, pages } };
  }
  throw new Error('peekWalk: unreachable (the last level is a leaf or a fault)');
}

// ---- scanning whole tables -------------------------------------------------------------------

export interface TableVisitor {
  /** A table at `level` (0 = the root) at physical `pa`, covering `span` bytes of VA from `base`. */
  table?(level: number, pa: number, base: number, span: number): void;
  /** A valid leaf: `pages` 4 KiB pages from `base`, the first in frame `pfn` (superpage: consecutive frames). */
  leaf?(level: number, base: number, pages: number, pfn: number, pte: number, pteAddr: number): void;
  /** A valid entry that cannot be used: a pointer at the last level or a misaligned superpage. */
  broken?(level: number, base: number, span: number, pte: number, why: string): void;
  /** A not-present entry whose bits are not all zero (the kernel's: a swap slot, say). */
  absent?(level: number, base: number, span: number, pte: number): void;
  /** A table (or part of one) lying outside RAM: not read. */
  outside?(level: number, base: number, span: number, pa: number): void;
}

/**
 * Every entry of the tree at `root`, in VA order, depth first: tables as they are entered,
 * leaves, unusable entries and non-zero not-present entries (all-zero ones are skipped). Reads
 * `mem32` only. The work is bounded by the entries reached (at most about 2^20 leaves whatever
 * the tables hold, since a walk has at most `geometry.length` levels).
 */
export function scanTables(mem32: Int32Array, geometry: Geometry, root: number, v: TableVisitor): void {
  const ramBytes = mem32.length * 4;
  const last = geometry.length - 1;
  const visit = (level: number, pa: number, base: number): void => {
    const below = bitsBelowLevel(geometry, level);
    const span = 2 ** below;
    const n = 2 ** geometry[level]!;
    v.table?.(level, pa, base, span * n);
    for (let i = 0; i < n; i++) {
      const addr = pa + 4 * i;
      const vb = base + i * span;
      if (addr + 4 > ramBytes) {
        v.outside?.(level, vb, (n - i) * span, addr);
        return;
      }
      const pte = mem32[addr / 4]! >>> 0;
      if ((pte & Pte.V) === 0) {
        if (pte !== 0) v.absent?.(level, vb, span, pte);
        continue;
      }
      const pfn = Math.floor(pte / PAGE_SIZE);
      if (isPointer(pte)) {
        if (level === last) v.broken?.(level, vb, span, pte, 'a pointer at the last level');
        else visit(level + 1, pfn * PAGE_SIZE, vb);
        continue;
      }
      const pages = span / PAGE_SIZE;
      if (pfn % pages !== 0) v.broken?.(level, vb, span, pte, 'a misaligned superpage');
      else v.leaf?.(level, vb, pages, pfn, pte, addr);
    }
  };
  visit(0, Math.floor((root >>> 0) / PAGE_SIZE) * PAGE_SIZE, 0);
}

// ---- reading words -----------------------------------------------------------------------------

export type PeekResult = { ok: true; value: number; pa: number } | { ok: false; why: string };

/**
 * The word at physical address pa (word-aligned): RAM, or a device register through the
 * device's side-effect-free peek(). Anything else has nothing there.
 */
export function peekPhys(m: Machine, pa: number): PeekResult {
  const a = pa >>> 0;
  if (a + 4 <= m.ramBytes) return { ok: true, value: m.mem32[a >>> 2]! >>> 0, pa: a };
  if (a >= DEVICE_BASE_PA) {
    const dev = m.devices[Math.floor((a - DEVICE_BASE_PA) / DEVICE_PAGE)];
    if (dev !== undefined && dev !== null) return { ok: true, value: dev.peek(a % DEVICE_PAGE) >>> 0, pa: a };
  }
  return { ok: false, why: 'nothing at this physical address' };
}

/**
 * The word at virtual address va (word-aligned) as the machine would see it in kernel mode:
 * the kernel segment maps directly, user space goes through the tables at `root` (a peek
 * walk: no TLB, no A bit). `root` null: user space has no tables to use.
 */
export function peekVirt(m: Machine, root: number | null, va: number): PeekResult {
  const a = va >>> 0;
  if (a >= KSEG_BASE) return peekPhys(m, a - KSEG_BASE);
  if (root === null) return { ok: false, why: 'no page tables' };
  const w = peekWalk(m.mem32, m.cfg.geometry, root, a);
  const e = w.end;
  if (e.kind === 'leaf') return peekPhys(m, e.pa);
  return { ok: false, why: walkEndText(w) };
}

/** Why a walk gave no address, in a few words ("not present (never loaded...)"). */
export function walkEndText(w: PeekWalk): string {
  const e = w.end;
  switch (e.kind) {
    case 'leaf':
      return `physical ${hex8(e.pa)}`;
    case 'not-present':
      return notPresentText(e.pte);
    case 'pointer-at-last-level':
      return 'a pointer entry at the last level (a page fault)';
    case 'misaligned-superpage':
      return 'a misaligned superpage (a page fault)';
    case 'outside-ram':
      return `the entry at ${hex8(e.pteAddr)} is outside RAM (a bus error)`;
  }
}
