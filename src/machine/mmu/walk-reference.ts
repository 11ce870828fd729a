// The page-table walk written as plainly as possible, to check the fast Walker against. It
// changes nothing: it reports what the walk reads and what the leaf PTE would become.
// Arithmetic on plain non-negative numbers (division and remainder), no bit tricks on the VA.

import { Pte, PAGE_SIZE, type Geometry } from '../../arch/pte.ts';
import { Access, Cause, pageFaultCause, protectionCause } from '../../arch/traps.ts';

export type ReferenceWalkResult =
  /** pteAddrs: physical addresses read, root first (the last is the leaf's). newLeaf: the leaf after A/D. */
  | { ok: true; pa: number; pteAddrs: number[]; newLeaf: number }
  /** pteAddrs: the PTEs read before the fault (a PTE outside RAM is not read). */
  | { ok: false; cause: number; pteAddrs: number[] };

function has(pte: number, bit: number): boolean {
  return (pte & bit) !== 0;
}

export function referenceWalk(
  mem: Int32Array,
  geometry: Geometry,
  ptbr: number,
  va: number,
  access: Access,
  user: boolean,
): ReferenceWalkResult {
  const ramBytes = mem.length * 4;
  const vaU = va >>> 0;
  const pteAddrs: number[] = [];
  let table = Math.floor((ptbr >>> 0) / PAGE_SIZE) * PAGE_SIZE;
  // Bits of the VA below the current level's index: starts at 32, ends at the page offset.
  let bitsBelow = 32;
  for (let level = 0; level < geometry.length; level++) {
    bitsBelow -= geometry[level];
    const index = Math.floor(vaU / 2 ** bitsBelow) % 2 ** geometry[level];
    const addr = table + 4 * index;
    if (addr >= ramBytes) return { ok: false, cause: Cause.BUS_ERROR, pteAddrs };
    pteAddrs.push(addr);
    const pte = mem[addr / 4] >>> 0;
    const frame = Math.floor(pte / PAGE_SIZE);
    if (!has(pte, Pte.V)) return { ok: false, cause: pageFaultCause(access), pteAddrs };
    const isPointer = !has(pte, Pte.R) && !has(pte, Pte.W) && !has(pte, Pte.X);
    if (isPointer) {
      if (level === geometry.length - 1) return { ok: false, cause: pageFaultCause(access), pteAddrs };
      table = frame * PAGE_SIZE;
      continue;
    }
    // A leaf mapping 2^(bitsBelow - 12) pages.
    const pages = 2 ** (bitsBelow - 12);
    if (frame % pages !== 0) return { ok: false, cause: pageFaultCause(access), pteAddrs };
    const needed = access === Access.FETCH ? Pte.X : access === Access.LOAD ? Pte.R : Pte.W;
    if (!has(pte, needed)) return { ok: false, cause: protectionCause(access), pteAddrs };
    if (user && !has(pte, Pte.U)) return { ok: false, cause: protectionCause(access), pteAddrs };
    const pageInSuper = Math.floor(vaU / PAGE_SIZE) % pages;
    const pa = (frame + pageInSuper) * PAGE_SIZE + (vaU % PAGE_SIZE);
    let newLeaf = pte;
    if (!has(newLeaf, Pte.A)) newLeaf += Pte.A;
    if (access === Access.STORE && !has(newLeaf, Pte.D)) newLeaf += Pte.D;
    return { ok: true, pa, pteAddrs, newLeaf };
  }
  throw new Error('referenceWalk: unreachable (the last level is a leaf or a fault)');
}
