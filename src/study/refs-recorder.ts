// `vmlab run --refs FILE`: the run's page reference string, recorded from the machine's hooks.
//
// What is recorded (README.md, "Reference strings"):
// - every translated access — every access to user space, fetch or data, in user or kernel
//   mode (the kernel's `write` reads the caller's buffer through user addresses) — as
//   `PID VPN`, where PID is the current ASID (the kernel uses ASID = pid), unless it is on the
//   same page as the access before it. The access is recorded when it is attempted, before
//   the TLB lookup: a faulting access is in the string at the moment it faults, which is when
//   the kernel chooses its victim, and its retry after the fault is recorded again only if
//   other pages were touched in between;
// - `PID exit` when the kernel reports that a process ended (PROC_EXIT, PROC_KILL or
//   PROC_FAIL), once per process: its frames are free from then on.
//
// The sink is a RefsWriter (a file) or RefKeys (in memory, for sweeps and tests); both drop
// consecutive references to the same page the same way.

import { MonitorEvent } from '../arch/memmap.ts';
import { PAGE_SHIFT } from '../arch/pte.ts';
import type { Machine } from '../machine/machine.ts';
import { nullTracer } from '../machine/tracers.ts';
import type { Tracer } from '../machine/tracer.ts';
import { exitKey, pageKey, refsFromKeys, type RefString } from './refs-format.ts';

/** Where references go: RefsWriter and RefKeys. */
export interface RefsSink {
  access(pid: number, vpn: number): void;
  exit(pid: number): void;
}

/**
 * A reference string kept in memory as page keys (refs-format.ts), with the same rule as
 * RefsWriter: a reference on the same page (same pid) as the one before it is dropped, and an
 * exit makes the next reference count whatever it is.
 */
export class RefKeys implements RefsSink {
  private data = new Int32Array(1 << 16);
  private n = 0;
  private lastKey = -1;

  get length(): number {
    return this.n;
  }

  access(pid: number, vpn: number): void {
    const key = pageKey(pid, vpn);
    if (key === this.lastKey) return;
    this.lastKey = key;
    this.push(key);
  }

  exit(pid: number): void {
    this.lastKey = -1;
    this.push(exitKey(pid));
  }

  private push(k: number): void {
    if (this.n === this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.n++] = k;
  }

  /** The string so far (a copy). */
  refs(): RefString {
    return refsFromKeys(this.data.subarray(0, this.n));
  }
}

/** The MonitorEvent codes that end a process. */
function endsProcess(event: number): boolean {
  return event === MonitorEvent.PROC_EXIT || event === MonitorEvent.PROC_KILL || event === MonitorEvent.PROC_FAIL;
}

/**
 * A tracer that records m's reference string into `sink` (see the top of this file). Nothing
 * is allocated per access.
 */
export function refsTracer(m: Machine, sink: RefsSink): Tracer {
  // A process's end is recorded once, whichever events report it (a kill may come with an exit).
  const ended = new Uint8Array(256);
  return nullTracer({
    access(va: number) {
      sink.access(m.mmu.asid & 255, va >>> PAGE_SHIFT);
    },
    monitor(event: number, a0: number) {
      if (a0 >>> 0 > 255) return;
      if (event === MonitorEvent.PROC_START) ended[a0] = 0; // a kernel of one's own may reuse pids
      if (!endsProcess(event) || ended[a0] !== 0) return;
      ended[a0] = 1;
      sink.exit(a0);
    },
  });
}
