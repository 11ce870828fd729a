// The host's view of the kernel's processes, built from the monitor events the kernel reports
// (asm/README.md, "Monitor"): who is running, how each process ended, and its paging counts.
// When the kernel ends a process for a fault, this prints one line saying why, naming the
// process, the address and the pc with its source line.

import {
  FaultWhy, KILL_WHY_SHIFT, KillReason, MonitorEvent, PageSource, USER_TOP,
} from '../arch/memmap.ts';
import { Cause, causeText } from '../arch/traps.ts';
import { sourceLineAt, type Executable } from '../exe/types.ts';
import type { ProcessStats } from '../machine/stats.ts';

export type ProcessStatus = 'not started' | 'running' | 'exited' | 'killed' | 'failed';

export interface ProcessInfo extends ProcessStats {
  pid: number;
  /** The program file's base name. */
  name: string;
  /** As named on the command line. */
  path: string;
  /** exit()'s status; null if the process did not exit. */
  exitCode: number | null;
  status: ProcessStatus;
  /** Why the kernel ended it (killed or failed), in words; null otherwise. */
  message: string | null;
  /** Page-fault traps taken by its ASID (= pid) in user mode. */
  pageFaults: number;
  /** Pages brought in, by where they came from. */
  pagesIn: { zero: number; executable: number; swap: number };
  /** Its pages evicted, and how many of those were written to swap. */
  pagesOut: number;
  swapWrites: number;
}

export interface TrackerOptions {
  /** Receives each kill message as one line (with its newline). Default: none. */
  err?: (text: string) => void;
  /** Called before a message is written, so that console output printed so far comes first. */
  flush?: () => void;
}

const WHY_TEXT: Readonly<Record<number, string>> = {
  [FaultWhy.OUTSIDE]: 'outside every region',
  [FaultWhy.NOT_WRITABLE]: 'in a read-only region',
  [FaultWhy.NOT_EXECUTABLE]: 'in a region that is not executable',
  [FaultWhy.NOT_READABLE]: 'in a region that is not readable',
};

const REASON_TEXT: Readonly<Record<number, string>> = {
  [KillReason.BAD_SYSCALL_ARG]: 'bad pointer or length passed to a system call',
  [KillReason.SWAP_FULL]: 'out of memory: the swap area is full',
  [KillReason.RESERVE_FULL]: 'out of memory: no frame left in the kernel reserve for a page table (see --kernel-frames)',
  [KillReason.DISK_ERROR]: 'disk error while paging',
};
/** PROC_FAIL's reasons in words (traces name them too). */
export { REASON_TEXT as FAIL_REASON_TEXT };

function hex(n: number): string {
  return '0x' + (n >>> 0).toString(16).padStart(8, '0');
}

const ACCESS_WORD = ['fetch from', 'load from', 'store to'] as const;

/** The access kind of an address-fault cause, or -1. */
function accessOf(cause: number): number {
  if (cause >= Cause.FETCH_PAGE_FAULT && cause <= Cause.STORE_PAGE_FAULT) return cause - Cause.FETCH_PAGE_FAULT;
  if (cause >= Cause.FETCH_PROTECTION && cause <= Cause.STORE_PROTECTION) return cause - Cause.FETCH_PROTECTION;
  if (cause >= Cause.MISALIGNED_FETCH && cause <= Cause.MISALIGNED_STORE) return cause - Cause.MISALIGNED_FETCH;
  return -1;
}

/**
 * What went wrong, in words, from PROC_KILL's arguments: "store to 0x00000000 outside every
 * region", "illegal instruction 0xffffffff", "load from 0x80000000 in the kernel segment".
 */
export function describeKill(causeWord: number, address: number): string {
  const cause = causeWord & ((1 << KILL_WHY_SHIFT) - 1);
  const why = causeWord >>> KILL_WHY_SHIFT;
  const access = accessOf(cause);
  const a = hex(address);
  if (why !== 0 && access >= 0) return `${ACCESS_WORD[access]} ${a} ${WHY_TEXT[why] ?? `(refused: ${why})`}`;
  switch (cause) {
    case Cause.FETCH_PROTECTION:
    case Cause.LOAD_PROTECTION:
    case Cause.STORE_PROTECTION: {
      const where = address >>> 0 >= USER_TOP ? 'in the kernel segment' : 'not allowed by its page';
      return `${ACCESS_WORD[access]} ${a} ${where}`;
    }
    case Cause.MISALIGNED_FETCH:
    case Cause.MISALIGNED_LOAD:
    case Cause.MISALIGNED_STORE:
      return `misaligned ${ACCESS_WORD[access]} ${a}`;
    case Cause.ILLEGAL_INSTRUCTION:
    case Cause.PRIVILEGED_INSTRUCTION:
      return `${causeText(cause)} ${a}`;
    case Cause.BUS_ERROR:
      return `bus error at ${a}`;
    case Cause.BREAKPOINT:
      return 'breakpoint';
    default:
      return `${causeText(cause)} at ${a}`;
  }
}

function baseName(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1] || p;
}

/**
 * Follows the kernel's monitor events. Feed it every event (`onMonitor`), then call `finish`
 * with the page-fault counts by ASID to get the per-process table.
 */
export class ProcessTracker {
  readonly processes: ProcessInfo[];
  private readonly exes: readonly Executable[];
  private readonly opts: TrackerOptions;

  constructor(programs: readonly { path: string; exe: Executable }[], opts: TrackerOptions = {}) {
    this.exes = programs.map((p) => p.exe);
    this.opts = opts;
    this.processes = programs.map((p, i) => ({
      pid: i + 1,
      name: baseName(p.path),
      path: p.path,
      exitCode: null,
      status: 'not started' as ProcessStatus,
      message: null,
      pageFaults: 0,
      pagesIn: { zero: 0, executable: 0, swap: 0 },
      pagesOut: 0,
      swapWrites: 0,
    }));
  }

  private proc(pid: number): ProcessInfo | undefined {
    // Checked first: reading outside the array (pid 0, the idle loop, reports events too) is a
    // slow lookup in V8, once per scheduling event.
    return pid >= 1 && pid <= this.processes.length ? this.processes[pid - 1] : undefined;
  }

  /** `file:line` of pc in process pid's program, if its line map covers it. */
  sourceLine(pid: number, pc: number): string | undefined {
    const exe = this.exes[pid - 1];
    return exe === undefined ? undefined : sourceLineAt(exe, pc >>> 0);
  }

  /** One monitor event from the kernel (MonitorEvent code and its four arguments). */
  onMonitor(ev: number, a0: number, a1: number, a2: number, a3: number): void {
    const p = this.proc(a0);
    if (p === undefined) return; // pid 0 (idle) or a kernel of one's own that numbers otherwise
    switch (ev) {
      case MonitorEvent.PROC_START:
        p.status = 'running';
        break;
      case MonitorEvent.PROC_EXIT:
        p.status = 'exited';
        p.exitCode = a1 | 0;
        break;
      case MonitorEvent.PROC_KILL: {
        p.status = 'killed';
        const where = this.sourceLine(a0, a3);
        p.message = `${describeKill(a1, a2)}, pc ${hex(a3)}${where === undefined ? '' : ` (${where})`}`;
        this.report(p, 'killed');
        break;
      }
      case MonitorEvent.PROC_FAIL:
        p.status = 'failed';
        p.message = REASON_TEXT[a1] ?? `reason ${a1}`;
        this.report(p, 'ended by the kernel');
        break;
      case MonitorEvent.PAGE_IN:
        if (a3 === PageSource.ZERO) p.pagesIn.zero++;
        else if (a3 === PageSource.EXECUTABLE) p.pagesIn.executable++;
        else if (a3 === PageSource.SWAP) p.pagesIn.swap++;
        break;
      case MonitorEvent.PAGE_OUT:
        p.pagesOut++;
        if (a3 !== 0) p.swapWrites++;
        break;
      default:
        break;
    }
  }

  private report(p: ProcessInfo, verb: string): void {
    if (this.opts.err === undefined) return;
    this.opts.flush?.();
    this.opts.err(`vmlab: process ${p.pid} (${p.name}) ${verb}: ${p.message}\n`);
  }

  /** The table, with each process's page-fault traps from the machine's count by ASID. */
  finish(pageFaultsByAsid: ArrayLike<number>): ProcessInfo[] {
    for (const p of this.processes) p.pageFaults = pageFaultsByAsid[p.pid] ?? 0;
    return this.processes;
  }
}
