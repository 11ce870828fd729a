// Statistics: the --stats-json object and the --stats table.
//
// Definitions (README.md "Statistics"):
// - cycles = userCycles + kernelCycles + idleCycles; idle = cycles skipped by `wait`.
// - fetches/loads/stores: memory references that completed (a faulting one is not counted).
// - translationCycles: cycles charged for TLB misses and page-table walks (tlbMiss per miss,
//   pteRead per PTE read, pteWrite per A/D write-back), split by the access that caused them.
// - avgCyclesPerAccess: what a load or store costs on average to reach memory, translation
//   included: (loads x cycles-load + stores x cycles-store + translation cycles of loads and
//   stores) / (loads + stores). With paging off (or every access hitting the TLB) it is the
//   plain load/store cost; each miss and walk adds to it.
// - tlb.hitRate = hits / (hits + misses), 0 when there were no lookups. With a split TLB the
//   top-level counts are the sums and `i` / `d` give each TLB; with no TLB they are all 0.

import { CAUSE_KEY, Cause } from '../arch/traps.ts';
import { Access } from '../arch/traps.ts';
import { hex32 } from '../exe/format.ts';
import { formatNumber, renderTable, type Cell } from '../util/table.ts';
import type { Machine, StopReason } from './machine.ts';
import type { Tlb } from './mmu/tlb.ts';

export interface TlbCounts {
  hits: number;
  misses: number;
  hitRate: number;
  fills: number;
  evictions: number;
  flushes: number;
  invalidations: number;
}

export interface TlbStats extends TlbCounts {
  /** Entries per TLB (0: no TLB), ways, policy, split. */
  entries: number;
  ways: number;
  policy: string;
  split: boolean;
  i?: TlbCounts;
  d?: TlbCounts;
}

/** A process as the kernel loader reports it (the machine leaves the list empty). */
export interface ProcessStats {
  pid: number;
  name: string;
  exitCode: number | null;
  pageFaults: number;
  [more: string]: unknown;
}

export interface MachineStats {
  cycles: number;
  instructions: number;
  cyclesPerInstruction: number;
  userCycles: number;
  kernelCycles: number;
  idleCycles: number;
  fetches: number;
  loads: number;
  stores: number;
  avgCyclesPerAccess: number;
  translationCycles: { fetch: number; load: number; store: number; total: number };
  tlb: TlbStats;
  walks: number;
  pteReads: number;
  pteWrites: number;
  /** Every cause by its CAUSE_KEY name, zeros included. */
  traps: Record<string, number>;
  /** Page-fault traps (fetch, load, store page faults), from either mode. */
  pageFaults: number;
  /** Page-fault traps taken from user mode, by ASID (only ASIDs with any). */
  pageFaultsByAsid: Record<string, number>;
  disk: { reads: number; writes: number; errors: number };
  console: { bytesOut: number };
  processes: ProcessStats[];
  /**
   * Why the machine stopped (null: it did not). For a trap it could not deliver
   * (double-fault, no-trap-vector), `trap` names it: the cause's CAUSE_KEY name, pc, BADVADDR.
   */
  stop: { reason: StopReason; exitCode: number; trap?: { cause: string; pc: number; badvaddr: number } } | null;
}

function tlbCounts(t: Tlb): TlbCounts {
  const lookups = t.hits + t.misses;
  return {
    hits: t.hits,
    misses: t.misses,
    hitRate: lookups === 0 ? 0 : t.hits / lookups,
    fills: t.fills,
    evictions: t.evictions,
    flushes: t.flushes,
    invalidations: t.invalidations,
  };
}

function sumCounts(a: TlbCounts, b: TlbCounts): TlbCounts {
  const hits = a.hits + b.hits;
  const misses = a.misses + b.misses;
  return {
    hits,
    misses,
    hitRate: hits + misses === 0 ? 0 : hits / (hits + misses),
    fills: a.fills + b.fills,
    evictions: a.evictions + b.evictions,
    flushes: a.flushes + b.flushes,
    invalidations: a.invalidations + b.invalidations,
  };
}

/** The stats of a machine whose fast-path counts have been folded (Machine.stats() does it). */
export function collectStats(m: Machine): MachineStats {
  const mmu = m.mmu;
  const cfg = m.cfg;
  let tlb: TlbStats;
  if (mmu.itlb === null || mmu.dtlb === null || cfg.tlb === null) {
    tlb = { entries: 0, ways: 0, policy: 'none', split: false, hits: 0, misses: 0, hitRate: 0, fills: 0, evictions: 0, flushes: 0, invalidations: 0 };
  } else if (mmu.itlb === mmu.dtlb) {
    tlb = { entries: cfg.tlb.entries, ways: cfg.tlb.ways, policy: cfg.tlb.policy, split: false, ...tlbCounts(mmu.itlb) };
  } else {
    const i = tlbCounts(mmu.itlb);
    const d = tlbCounts(mmu.dtlb);
    tlb = { entries: cfg.tlb.entries, ways: cfg.tlb.ways, policy: cfg.tlb.policy, split: true, ...sumCounts(i, d), i, d };
  }
  const traps: Record<string, number> = {};
  for (const [code, key] of CAUSE_KEY) traps[key] = m.trapCounts[code]!;
  const byAsid: Record<string, number> = {};
  m.pageFaultsByAsid.forEach((n, asid) => {
    if (n !== 0) byAsid[String(asid)] = n;
  });
  const userCycles = m.userCycles + ((m.user ? m.cycles - m.userSince : 0));
  const tc = m.translationCycles;
  const t = m.timing.classes;
  const data = m.loads + m.stores;
  return {
    cycles: m.cycles,
    instructions: m.instret,
    cyclesPerInstruction: m.instret === 0 ? 0 : m.cycles / m.instret,
    userCycles,
    kernelCycles: m.cycles - userCycles - m.idleCycles,
    idleCycles: m.idleCycles,
    fetches: m.fetches,
    loads: m.loads,
    stores: m.stores,
    avgCyclesPerAccess: data === 0 ? 0 : (m.loads * t.load + m.stores * t.store + tc[Access.LOAD]! + tc[Access.STORE]!) / data,
    translationCycles: {
      fetch: tc[Access.FETCH]!,
      load: tc[Access.LOAD]!,
      store: tc[Access.STORE]!,
      total: tc[0]! + tc[1]! + tc[2]!,
    },
    tlb,
    walks: mmu.walker.walks,
    pteReads: mmu.walker.pteReads,
    pteWrites: mmu.walker.pteWrites,
    traps,
    pageFaults: m.trapCounts[Cause.FETCH_PAGE_FAULT]! + m.trapCounts[Cause.LOAD_PAGE_FAULT]! + m.trapCounts[Cause.STORE_PAGE_FAULT]!,
    pageFaultsByAsid: byAsid,
    disk: m.disk === null ? { reads: 0, writes: 0, errors: 0 } : { reads: m.disk.reads, writes: m.disk.writes, errors: m.disk.errors },
    console: { bytesOut: m.console.bytesOut },
    processes: [],
    stop: stopStats(m),
  };
}

function stopStats(m: Machine): MachineStats['stop'] {
  const info = m.stopInfo;
  if (info === null) return null;
  if (info.trap === undefined) return { reason: info.reason, exitCode: info.exitCode };
  const t = info.trap;
  return { reason: info.reason, exitCode: info.exitCode, trap: { cause: CAUSE_KEY.get(t.cause) ?? `cause_${t.cause}`, pc: t.pc, badvaddr: t.badvaddr } };
}

function pct(x: number): string {
  return `${(100 * x).toFixed(2)} %`;
}

function share(part: number, whole: number): string {
  return whole === 0 ? '' : pct(part / whole);
}

type Row = readonly [name: string, value: Cell, note?: string];
type Block = { title: string; rows?: Row[]; text?: string };

/**
 * The --stats report: groups (time, memory, TLB, walks, traps, disk, processes, stop) of
 * aligned lines — name, value right-aligned, a note such as a share of the cycles — with one
 * set of column widths for the whole report. For people; the JSON is for programs.
 */
export function formatStats(s: MachineStats): string {
  const blocks: Block[] = [];
  blocks.push({
    title: 'time',
    rows: [
      ['cycles', s.cycles],
      ['instructions', s.instructions],
      ['cycles per instruction', s.cyclesPerInstruction.toFixed(2)],
      ['user cycles', s.userCycles, share(s.userCycles, s.cycles)],
      ['kernel cycles', s.kernelCycles, share(s.kernelCycles, s.cycles)],
      ['idle cycles', s.idleCycles, share(s.idleCycles, s.cycles)],
    ],
  });
  blocks.push({
    title: 'memory',
    rows: [
      ['fetches', s.fetches],
      ['loads', s.loads],
      ['stores', s.stores],
      ['avg cycles per load/store', s.avgCyclesPerAccess.toFixed(2), 'translation included'],
      ['translation cycles', s.translationCycles.total, share(s.translationCycles.total, s.cycles)],
    ],
  });
  const t = s.tlb;
  if (t.entries === 0) {
    blocks.push({ title: 'TLB: none (every user-space access walks the page tables)' });
  } else {
    const shape = t.ways === t.entries ? 'fully associative' : t.ways === 1 ? 'direct-mapped' : `${t.ways}-way`;
    const title = `TLB: ${t.split ? 'split I/D, ' : ''}${t.entries} entries${t.split ? ' each' : ''}, ${shape}, ${t.policy}`;
    // No lookups (a bare program never leaves the kernel segment): no rate to show.
    const row = (name: string, c: TlbCounts): Cell[] => [name, c.hits, c.misses, c.hits + c.misses === 0 ? 'n/a' : pct(c.hitRate), c.fills, c.evictions, c.flushes, c.invalidations];
    const rows: Cell[][] = t.split && t.i && t.d ? [row('I', t.i), row('D', t.d), row('total', t)] : [row('all', t)];
    blocks.push({
      title,
      text: renderTable(rows, { head: ['', 'hits', 'misses', 'hit rate', 'fills', 'evictions', 'flushes', 'invalidations'], indent: 2, align: ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'] }),
    });
  }
  blocks.push({
    title: 'page-table walks',
    rows: [
      ['walks', s.walks],
      ['PTE reads', s.pteReads],
      ['PTE writes', s.pteWrites],
    ],
  });
  const traps = Object.entries(s.traps).filter(([, n]) => n > 0);
  if (traps.length === 0) blocks.push({ title: 'traps: none' });
  else blocks.push({ title: 'traps', rows: traps.map(([k, n]): Row => [k.replace(/_/g, ' '), n]) });
  if (s.disk.reads + s.disk.writes + s.disk.errors > 0)
    blocks.push({
      title: 'disk',
      rows: [
        ['reads', s.disk.reads],
        ['writes', s.disk.writes],
        ['errors', s.disk.errors],
      ],
    });
  if (s.processes.length > 0) {
    // The kernel loader's entries also say how each process ended and how its pages moved.
    const paging = (p: ProcessStats) => {
      const pin = p.pagesIn as { zero: number; executable: number; swap: number } | undefined;
      if (pin === undefined) return [];
      return [p.status as string, pin.zero + pin.executable + pin.swap, pin.swap, p.pagesOut as number, p.swapWrites as number];
    };
    const more = s.processes.every((p) => p.pagesIn !== undefined);
    blocks.push({
      title: 'processes',
      text: renderTable(
        s.processes.map((p) => [p.pid, p.name, p.exitCode === null ? '-' : p.exitCode, p.pageFaults, ...(more ? paging(p) : [])]),
        {
          head: ['pid', 'name', 'exit', 'page faults', ...(more ? ['status', 'pages in', 'from swap', 'pages out', 'to swap'] : [])],
          indent: 2,
        },
      ),
    });
  }
  if (s.stop !== null) {
    const t = s.stop.trap;
    const trap = t === undefined ? '' : ` (${t.cause} at pc ${hex32(t.pc)}, BADVADDR ${hex32(t.badvaddr)}, not delivered)`;
    blocks.push({ title: `stop: ${s.stop.reason}${trap}, exit status ${s.stop.exitCode}` });
  }

  const all = blocks.flatMap((b) => b.rows ?? []);
  const nameW = Math.max(...all.map(([n]) => n.length));
  const text = (v: Cell) => (typeof v === 'number' ? formatNumber(v) : String(v ?? ''));
  const valueW = Math.max(...all.map(([, v]) => text(v).length));
  const out: string[] = [];
  for (const b of blocks) {
    out.push(b.title);
    if (b.text !== undefined) out.push(b.text);
    for (const [name, value, note] of b.rows ?? [])
      out.push(`  ${name.padEnd(nameW)}  ${text(value).padStart(valueW)}${note ? `  ${note}` : ''}`);
  }
  return out.join('\n');
}
