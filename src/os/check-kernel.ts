// `--check-kernel`: the host checks the kernel's page tables after every page fault the kernel
// reports as served (monitor event FAULT_DONE), so that a paging bug shows up at the fault that
// caused it rather than as a wrong word much later. The invariants (asm/README.md, "The
// kernel's interface"):
//
//   1. every valid pointer entry leads to a table inside the kernel reserve;
//   2. every valid leaf is at the last level (the kernel makes no superpages) and maps a frame
//      of the user frame pool;
//   3. no frame is mapped by two valid leaves, in one process or across processes;
//   4. the faulting process has exactly as many valid leaves as the kernel says it has resident
//      (FAULT_DONE's fourth argument).
//
// The live processes and their root tables come from the monitor too: PROC_START gives the root,
// PROC_EXIT, PROC_KILL and PROC_FAIL end it (the kernel frees the tables right after). The walk
// reads RAM directly, checking every table address against RAM first, so a corrupt entry is a
// violation and never an out-of-range read. The first violation stops the machine.

import { MonitorEvent } from '../arch/memmap.ts';
import { PAGE_SHIFT, PAGE_SIZE, Pte, PTE_RWX, type Geometry } from '../arch/pte.ts';
import type { Machine } from '../machine/machine.ts';

/** Where the kernel's frames are, in physical pages (a MemoryLayout has these fields). */
export interface CheckedLayout {
  reserveFirstPfn: number;
  reserveFrames: number;
  userFirstPfn: number;
  userFrames: number;
}

const V = Pte.V;

function hex(n: number, digits = 8): string {
  return '0x' + (n >>> 0).toString(16).padStart(digits, '0');
}

/**
 * Follows the kernel's monitor events and checks the page tables at each FAULT_DONE. Feed it
 * every event with onMonitor (after the machine exists). On the first violation it calls
 * `violation` with a one-line description (boot.ts stops the machine with it) and checks no
 * more.
 */
export class KernelChecker {
  /** Serviced page faults checked so far. */
  checks = 0;
  /** The first violation found, or null. */
  failure: string | null = null;

  private readonly roots = new Map<number, number>();
  /** Per user frame: the check number that last saw it mapped (0: never), and by whom. */
  private readonly seenAt: Uint32Array;
  private readonly seenBy: Int32Array;
  private readonly seenVpn: Int32Array;
  private readonly last: number;

  constructor(
    private readonly machine: () => Machine,
    private readonly layout: CheckedLayout,
    private readonly geometry: Geometry,
    private readonly violation: (message: string) => void,
  ) {
    this.seenAt = new Uint32Array(layout.userFrames);
    this.seenBy = new Int32Array(layout.userFrames);
    this.seenVpn = new Int32Array(layout.userFrames);
    this.last = geometry.length - 1;
  }

  /** One monitor event (MonitorEvent code and its four arguments). */
  onMonitor(ev: number, a0: number, a1: number, a2: number, a3: number): void {
    switch (ev) {
      case MonitorEvent.PROC_START:
        this.roots.set(a0, a2 >>> 0);
        break;
      case MonitorEvent.PROC_EXIT:
      case MonitorEvent.PROC_KILL:
      case MonitorEvent.PROC_FAIL:
        this.roots.delete(a0);
        break;
      case MonitorEvent.FAULT_DONE:
        if (this.failure === null) this.check(a0, a1, a2, a3);
        break;
      default:
        break;
    }
  }

  /** The one-line summary for the end of a run. */
  summary(): string {
    const n = `${this.checks.toLocaleString('en-US')} serviced page fault${this.checks === 1 ? '' : 's'} checked`;
    return this.failure === null ? `--check-kernel: ${n}, no violation` : `--check-kernel: ${n}; ${this.failure}`;
  }

  /**
   * The whole check after process `pid`'s fault at `va` (pc `pc`) was served, the kernel saying
   * it now has `resident` pages. Walks every live process's tree.
   */
  private check(pid: number, va: number, pc: number, resident: number): void {
    this.checks++;
    const stamp = this.checks;
    const where = `after the page fault of process ${pid} at ${hex(va)} (pc ${hex(pc)})`;
    let mine = -1;
    for (const [p, root] of this.roots) {
      const r = this.walkTree(p, root, stamp);
      if (typeof r === 'string') return this.fail(`${where}: ${r}`);
      if (p === pid) mine = r;
    }
    if (mine < 0) return this.fail(`${where}: process ${pid} is not a live process (no PROC_START, or it has ended)`);
    if (mine !== resident)
      return this.fail(`${where}: process ${pid} has ${mine} valid leaf PTEs but the kernel counts ${resident} resident pages`);
  }

  private fail(message: string): void {
    this.failure = message;
    this.violation(message);
  }

  /** Valid leaves under process pid's root, or the first violation in words. */
  private walkTree(pid: number, rootPa: number, stamp: number): number | string {
    const m = this.machine();
    const mem = m.mem32;
    const bytes = m.mem8;
    const g = this.geometry;
    const { reserveFirstPfn: rFirst, reserveFrames: rCount, userFirstPfn: uFirst, userFrames: uCount } = this.layout;
    let leaves = 0;
    // Depth-first over (table address, level, VPN bits above this level), with an explicit stack.
    const stack: [number, number, number][] = [[rootPa, 0, 0]];
    while (stack.length > 0) {
      const [tablePa, level, prefix] = stack.pop()!;
      const entries = 2 ** g[level]!;
      if (tablePa < 0 || tablePa + 4 * entries > m.ramBytes)
        return `process ${pid}'s table at level ${level} (${hex(tablePa)}) is outside RAM`;
      const base = tablePa >>> 2;
      const end = base + entries;
      for (let w = nextValid(mem, bytes, base, end); w >= 0; w = nextValid(mem, bytes, w + 1, end)) {
        const i = w - base;
        const pte = mem[w]!;
        const vpn = prefix * entries + i;
        const pfn = pte >>> Pte.PFN_SHIFT;
        const what = `process ${pid}'s PTE ${hex(pte)} (level ${level}, index ${i})`;
        if ((pte & PTE_RWX) === 0) {
          if (level === this.last) return `${what} is a pointer at the last level`;
          if (pfn < rFirst || pfn >= rFirst + rCount) return `${what} points to a table in frame ${hex(pfn, 5)}, outside the kernel reserve`;
          stack.push([pfn * PAGE_SIZE, level + 1, vpn]);
          continue;
        }
        if (level !== this.last) return `${what} is a superpage (the kernel makes none)`;
        if (pfn < uFirst || pfn >= uFirst + uCount)
          return `${what} for page ${hex(vpn << PAGE_SHIFT)} maps frame ${hex(pfn, 5)}, outside the user frame pool`;
        const f = pfn - uFirst;
        if (this.seenAt[f] === stamp)
          return `frame ${hex(pfn, 5)} is mapped twice: by process ${this.seenBy[f]} at ${hex(this.seenVpn[f]! << PAGE_SHIFT)} and by process ${pid} at ${hex(vpn << PAGE_SHIFT)}`;
        this.seenAt[f] = stamp;
        this.seenBy[f] = pid;
        this.seenVpn[f] = vpn;
        leaves++;
      }
    }
    return leaves;
  }
}

/**
 * Runs of words that nextValid compares with zeros natively: 16 pages of PTEs, then one page.
 * (Both powers of two; the larger a multiple of the smaller.)
 */
const BIG_RUN = 16384;
const SMALL_RUN = 1024;
const ZEROS = new Uint8Array(BIG_RUN * 4);

/** Words [w, w + n) of RAM are all zero (a native comparison; n <= BIG_RUN). */
function zeroRun(bytes: Uint8Array, w: number, n: number): boolean {
  return Buffer.compare(bytes.subarray(w * 4, (w + n) * 4), ZEROS.subarray(0, n * 4)) === 0;
}

/**
 * The first word index in [from, to) whose V bit is set, or -1. Most entries of a table are
 * not valid, and most of those are 0 (a one-level table has a million entries): aligned runs
 * of zero words are skipped whole by a native comparison, 16 pages and then one page at a
 * time, and only the rest is looked at word by word. `bytes` and `mem` view the same RAM.
 * (Exported for the test that compares it with a plain scan.)
 */
export function nextValid(mem: Int32Array, bytes: Uint8Array, from: number, to: number): number {
  let w = from;
  while (w < to) {
    if ((w & (BIG_RUN - 1)) === 0 && w + BIG_RUN <= to && zeroRun(bytes, w, BIG_RUN)) {
      w += BIG_RUN;
      continue;
    }
    if ((w & (SMALL_RUN - 1)) === 0 && w + SMALL_RUN <= to && zeroRun(bytes, w, SMALL_RUN)) {
      w += SMALL_RUN;
      continue;
    }
    if ((mem[w]! & V) !== 0) return w;
    w++;
  }
  return -1;
}
