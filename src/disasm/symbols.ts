// Address -> symbol lookups for the disassembler: "loop", "memcpy+0x8", and the labels that
// sit at one address. Built once per executable (sorted arrays, binary search), so a full
// disassembly stays O(n log n) however many symbols there are.

import { type Executable, SymbolKind, type SymbolEntry } from '../exe/types.ts';

/** Smaller is preferred when several symbols share an address: global, then not local. */
function rank(s: SymbolEntry): number {
  return (s.global ? 0 : 2) + (s.name.includes('.') ? 1 : 0);
}

export class SymbolIndex {
  /** Distinct symbol addresses, ascending, and the preferred name at each. */
  private readonly addrs: number[] = [];
  private readonly best: string[] = [];
  /** Every label at an address, in the order the executable lists them. */
  private readonly byAddr = new Map<number, string[]>();
  /** Segment bounds [start, end), ascending by start. */
  private readonly segStart: number[] = [];
  private readonly segEnd: number[] = [];

  constructor(exe: Executable) {
    const syms = exe.symbols
      .map((s, i) => ({ s, i, v: s.value >>> 0 }))
      .filter((e) => e.s.kind !== SymbolKind.ABS)
      .sort((a, b) => a.v - b.v || rank(a.s) - rank(b.s) || a.i - b.i);
    for (const { s, v } of syms) {
      if (this.addrs.length === 0 || this.addrs[this.addrs.length - 1] !== v) {
        this.addrs.push(v);
        this.best.push(s.name);
      }
    }
    for (const s of exe.symbols) {
      if (s.kind === SymbolKind.ABS) continue;
      const v = s.value >>> 0;
      const list = this.byAddr.get(v);
      if (list === undefined) this.byAddr.set(v, [s.name]);
      else list.push(s.name);
    }
    const segs = [...exe.segments].sort((a, b) => (a.vaddr >>> 0) - (b.vaddr >>> 0));
    for (const s of segs) {
      this.segStart.push(s.vaddr >>> 0);
      this.segEnd.push((s.vaddr >>> 0) + s.memSize);
    }
  }

  /** The labels defined exactly at addr (empty if none). */
  labelsAt(addr: number): readonly string[] {
    return this.byAddr.get(addr >>> 0) ?? [];
  }

  /**
   * `name` or `name+0xOFF` for addr: the nearest symbol at or below addr in the same segment.
   * Undefined when addr is in no segment or no symbol precedes it there.
   */
  describe(addr: number): string | undefined {
    const a = addr >>> 0;
    const seg = lastAtOrBelow(this.segStart, a);
    if (seg < 0 || a >= this.segEnd[seg]!) return undefined;
    const k = lastAtOrBelow(this.addrs, a);
    if (k < 0 || this.addrs[k]! < this.segStart[seg]!) return undefined;
    const off = a - this.addrs[k]!;
    return off === 0 ? this.best[k]! : `${this.best[k]!}+0x${off.toString(16)}`;
  }
}

/** Index of the last element <= x in an ascending array, or -1. */
function lastAtOrBelow(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= x) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

const cache = new WeakMap<Executable, SymbolIndex>();

/** The index of exe, built on first use. (An executable is not changed after it is built.) */
export function symbolIndex(exe: Executable): SymbolIndex {
  let idx = cache.get(exe);
  if (idx === undefined) {
    idx = new SymbolIndex(exe);
    cache.set(exe, idx);
  }
  return idx;
}
