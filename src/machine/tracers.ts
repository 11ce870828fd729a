// Small tracers built on the Tracer interface: a base whose every hook does nothing (extend
// it with the hooks you need), and the --check-tlb reporter.

import { PAGE_SHIFT, Pte } from '../arch/pte.ts';
import type { Tracer } from './tracer.ts';

/** A tracer whose hooks do nothing, with `over` replacing some of them. */
export function nullTracer(over: Partial<Tracer> = {}): Tracer {
  const nop = (): void => {};
  return {
    now: () => 0,
    access: nop,
    tlbHit: nop,
    tlbMiss: nop,
    tlbFill: nop,
    tlbEvict: nop,
    tlbFlush: nop,
    tlbInvalidate: nop,
    walkStep: nop,
    walkUpdate: nop,
    trap: nop,
    eret: nop,
    diskStart: nop,
    diskComplete: nop,
    monitor: nop,
    staleTlb: nop,
    ...over,
  };
}

const ACCESS_WORD = ['fetch', 'load', 'store'];

/** "rwxu" flags of a PTE's low byte, '-' for each missing. */
function permText(perm: number): string {
  return (
    ((perm & Pte.R) !== 0 ? 'r' : '-') +
    ((perm & Pte.W) !== 0 ? 'w' : '-') +
    ((perm & Pte.X) !== 0 ? 'x' : '-') +
    ((perm & Pte.U) !== 0 ? 'u' : '-')
  );
}

function hex(v: number): string {
  return '0x' + (v >>> 0).toString(16).padStart(8, '0');
}

export interface StaleTlbReporter {
  tracer: Tracer;
  /** Uses reported so far (all of them, shown or not). */
  count(): number;
}

/**
 * The --check-tlb tracer: one line per use of a TLB entry that no longer matches the page
 * tables, naming the access, the address, the pc (and its file:line) and what the entry and
 * the tables say; after `limit` lines it only counts.
 */
export function staleTlbReporter(
  pc: () => number,
  describePc: (pc: number) => string | undefined,
  print: (line: string) => void,
  limit = 20,
): StaleTlbReporter {
  let n = 0;
  const tracer = nullTracer({
    staleTlb(va, access, entryPfn, entryPerm, walkPfn, walkPerm) {
      n++;
      if (n > limit) return;
      const at = pc();
      const line = describePc(at);
      const now =
        walkPfn < 0 ? 'the page tables no longer map it' : `the page tables say frame 0x${walkPfn.toString(16)} ${permText(walkPerm)}`;
      print(
        `stale TLB entry used: ${ACCESS_WORD[access] ?? 'access'} of ${hex(va)} (page 0x${(va >>> PAGE_SHIFT).toString(16)}) ` +
          `at pc ${hex(at)}${line ? ` (${line})` : ''}: the TLB says frame 0x${entryPfn.toString(16)} ${permText(entryPerm)}, ${now}`,
      );
      if (n === limit) print(`(further stale uses are counted, not shown)`);
    },
  });
  return { tracer, count: () => n };
}
