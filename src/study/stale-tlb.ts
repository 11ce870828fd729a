// `vmlab run --check-tlb`: finds uses of TLB entries that no longer match the page tables — a
// kernel that changed or removed a mapping and forgot `tlbinv`.
//
// With --check-tlb the MMU compares every TLB hit with a side-effect-free walk of the current
// tables (Mmu.traceHit -> tracer.staleTlb): a different frame, different R/W/X/U bits, or no
// mapping at all is a stale use. This checker groups the uses by place — (pid, pc, page) — and
// prints one line the first time a place is seen (at most `maxLines` such lines), then at the
// end a summary: the number of uses, and a table of the places with their counts.

import { PAGE_SHIFT, Pte } from '../arch/pte.ts';
import { nullTracer } from '../machine/tracers.ts';
import type { Tracer } from '../machine/tracer.ts';
import { formatNumber, renderTable } from '../util/table.ts';
import { hex5, hex8, shortSource, type TraceSource } from './trace.ts';

const ACCESS_WORD = ['fetch', 'load', 'store'] as const;

/** One place where stale entries were used. */
export interface StalePlace {
  pid: number;
  pc: number;
  vpn: number;
  /** file:line of pc, if known. */
  source: string | undefined;
  /** Uses at this place. */
  uses: number;
  /** The first use: access kind, va, the entry's frame and bits, the tables' (-1: no mapping). */
  access: number;
  va: number;
  entryPfn: number;
  entryPerm: number;
  walkPfn: number;
  walkPerm: number;
}

export interface StaleTlbChecker {
  tracer: Tracer;
  /** Stale uses so far, in all. */
  uses(): number;
  /** The places, in the order they were first seen. */
  places(): StalePlace[];
  /** The end-of-run report: one line when there is nothing to say, else a line and a table. */
  summary(): string;
}

/** "rwxu" bits of a PTE's low byte, `-` for each clear one. */
function rwxu(perm: number): string {
  return (
    ((perm & Pte.R) !== 0 ? 'r' : '-') +
    ((perm & Pte.W) !== 0 ? 'w' : '-') +
    ((perm & Pte.X) !== 0 ? 'x' : '-') +
    ((perm & Pte.U) !== 0 ? 'u' : '-')
  );
}

/** The first-use line of a place. */
export function describeStale(p: StalePlace, processes: boolean): string {
  const now = p.walkPfn < 0 ? 'the page tables no longer map it' : `the page tables say frame ${hex5(p.walkPfn)} ${rwxu(p.walkPerm)}`;
  return (
    `stale TLB entry used: ${ACCESS_WORD[p.access] ?? 'access'} of ${hex8(p.va)} (page ${hex5(p.vpn)}${processes ? `, pid ${p.pid}` : ''}) ` +
    `at pc ${hex8(p.pc)}${p.source !== undefined ? ` (${p.source})` : ''}: ` +
    `the TLB says frame ${hex5(p.entryPfn)} ${rwxu(p.entryPerm)}, ${now}`
  );
}

/**
 * The --check-tlb tracer. `print` receives whole lines without a newline; the caller prefixes
 * them (`vmlab: --check-tlb: `). Places are keyed by (pid, pc, page); uses after the first are
 * only counted.
 */
export function staleTlbChecker(src: TraceSource, print: (line: string) => void, opts: { maxLines?: number; maxRows?: number } = {}): StaleTlbChecker {
  const maxLines = opts.maxLines ?? 20;
  const maxRows = opts.maxRows ?? 50;
  const m = src.machine;
  // pc -> (pid << 20 | vpn) -> place: two levels of numbers, no string keys.
  const byPc = new Map<number, Map<number, StalePlace>>();
  const order: StalePlace[] = [];
  let uses = 0;

  const tracer = nullTracer({
    staleTlb(va, access, entryPfn, entryPerm, walkPfn, walkPerm) {
      uses++;
      const pc = m.pc >>> 0;
      const pid = m.mmu.asid;
      const vpn = va >>> PAGE_SHIFT;
      let atPc = byPc.get(pc);
      if (atPc === undefined) byPc.set(pc, (atPc = new Map()));
      const key = (pid << 20) | vpn;
      const known = atPc.get(key);
      if (known !== undefined) {
        known.uses++;
        return;
      }
      const place: StalePlace = {
        pid, pc, vpn, source: shortSource(src, pc, pid), uses: 1,
        access, va: va >>> 0, entryPfn, entryPerm, walkPfn, walkPerm,
      };
      atPc.set(key, place);
      order.push(place);
      if (order.length <= maxLines) print(describeStale(place, src.processes));
      if (order.length === maxLines + 1) print(`more places than ${maxLines}: the summary at the end lists them`);
    },
  });

  const summary = (): string => {
    if (uses === 0) return 'no stale TLB entry was used';
    const head = `${formatNumber(uses)} use${uses === 1 ? '' : 's'} of stale TLB entries at ${order.length} place${order.length === 1 ? '' : 's'}` +
      (order.length > maxRows ? ` (the ${maxRows} with the most uses below)` : '') + ':';
    const rows = [...order]
      .sort((a, b) => b.uses - a.uses)
      .slice(0, maxRows)
      .map((p) => [p.uses, ...(src.processes ? [p.pid] : []), hex8(p.pc), hex5(p.vpn), ACCESS_WORD[p.access] ?? '', p.source ?? '']);
    const cols = ['uses', ...(src.processes ? ['pid'] : []), 'pc', 'page', 'access', 'source'];
    return `${head}\n${renderTable(rows, { head: cols, indent: 2 })}`;
  };

  return { tracer, uses: () => uses, places: () => order, summary };
}
