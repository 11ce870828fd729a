// Measuring the bench targets (setups.ts): host figures over several timed runs (median and
// spread), emulated figures from the exact counters over the same instructions, the paging-off
// baseline and (on request) the no-TLB mode, all in one process.
//
// Host time is CPU time of this process (process.cpuUsage: user + system), so that other work
// on a loaded host inflates the figures less than wall time would. Each form of a workload is
// one machine, built and warmed up once (so V8 has compiled the interpreter for it), then timed
// run after run; the forms take turns within each run (on, off, no TLB, on, off, ...), so a
// change in the host's load touches all of them alike.

import { BENCH_WORKLOAD_TEXT, buildTarget, type BenchCounters, type BenchSetup, type BenchTarget, type BenchWorkload } from './setups.ts';

/** Instructions per run() call between two looks at the clock. */
export const CHUNK = 1 << 19;
/**
 * CPU seconds of warm-up per form before timing (see BenchOptions.warmup). The loops reach
 * their steady speed within a few tenths of a second. `faults` runs the kernel's many short
 * paths, which V8 takes longer to optimise: measured in 3M-instruction steps from a new
 * process, its page faults per second climbed from 13k to 110-140k over about 1.5 CPU seconds,
 * so a 0.3 s warm-up timed the climb, and its first timed run was the lowest of every report.
 */
export function warmupSeconds(name: BenchWorkload): number {
  return name === 'faults' ? 1.5 : 0.3;
}

/** What one timed run gave. */
export interface RunSample {
  seconds: number;
  wallSeconds: number;
  instructions: number;
  mips: number;
  translationsPerSecond: number;
  walksPerSecond: number;
  pageFaultsPerSecond: number;
}

/** Emulated figures: exact for the instructions they cover (deterministic for a setup). */
export interface EmulatedFigures {
  instructions: number;
  cycles: number;
  translations: number;
  walks: number;
  pageFaults: number;
  /** hits / lookups (0 with no TLB). */
  tlbHitRate: number;
  /** Cycles a load or store costs on average, translation included. */
  cyclesPerAccess: number;
  cyclesPerInstruction: number;
}

/** Counters b - a, as emulated figures. */
export function emulatedBetween(a: BenchCounters, b: BenchCounters): EmulatedFigures {
  const instructions = b.instructions - a.instructions;
  const translations = b.translations - a.translations;
  const accesses = b.accesses - a.accesses;
  const cycles = b.cycles - a.cycles;
  return {
    instructions,
    cycles,
    translations,
    walks: b.walks - a.walks,
    pageFaults: b.pageFaults - a.pageFaults,
    tlbHitRate: translations === 0 ? 0 : (b.tlbHits - a.tlbHits) / translations,
    cyclesPerAccess: accesses === 0 ? 0 : (b.accessCycles - a.accessCycles) / accesses,
    cyclesPerInstruction: instructions === 0 ? 0 : cycles / instructions,
  };
}

/**
 * Emulated figures of exactly `instructions` instructions after `warmup` (no timing): what a
 * test compares between two runs, and what the figures of a timed run converge to.
 */
export function emulatedFigures(name: BenchWorkload, setup: BenchSetup, instructions: number, warmup = 0, paging = true): EmulatedFigures {
  const t = buildTarget(name, paging, setup);
  if (t === null) throw new Error(`${name} has no paging-off form`);
  if (warmup > 0) t.run(warmup);
  const a = t.counters();
  t.run(instructions);
  return emulatedBetween(a, t.counters());
}

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1e6;
}

/** One timed run of about `seconds` CPU seconds (at least one chunk). */
export function timedRun(t: BenchTarget, seconds: number): { sample: RunSample; before: BenchCounters; after: BenchCounters } {
  const before = t.counters();
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  let cpu = 0;
  do {
    t.run(CHUNK);
    cpu = cpuSeconds(c0);
  } while (cpu < seconds);
  const wall = (performance.now() - w0) / 1000;
  const after = t.counters();
  const e = emulatedBetween(before, after);
  return {
    before,
    after,
    sample: {
      seconds: cpu,
      wallSeconds: wall,
      instructions: e.instructions,
      mips: e.instructions / cpu / 1e6,
      translationsPerSecond: e.translations / cpu,
      walksPerSecond: e.walks / cpu,
      pageFaultsPerSecond: e.pageFaults / cpu,
    },
  };
}

/** Median and range of a list of numbers. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(xs: readonly number[]): Spread {
  if (xs.length === 0) return { median: NaN, min: NaN, max: NaN };
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]! };
}

export interface BenchOptions {
  runs: number;
  /** CPU seconds per timed run. */
  seconds: number;
  /** Also measure the paging-off baseline (loops only). Default true. */
  pagingOff?: boolean;
  /** Also measure with no TLB (every user access walks). */
  noTlb?: boolean;
  /**
   * Instructions run before timing starts, per form. Default: 2 chunks, then more chunks until
   * warmupSeconds(name) of CPU time have passed, so that V8 has compiled the hot code (the loop and
   * every block) before the clock starts: the figures are of the steady state.
   */
  warmup?: number;
  /** Called after each timed run of each form. */
  onRun?: () => void;
}

/** A timed run as a report lists it: page faults per second only for faults (else null). */
export type ReportSample = Omit<RunSample, 'pageFaultsPerSecond'> & { pageFaultsPerSecond: number | null };

/** One workload's figures: the JSON object `vmlab bench --json` prints (one line each). */
export interface WorkloadReport {
  workload: BenchWorkload;
  description: string;
  setup: { tlb: string; levels: number; stridePages?: number; frames?: number; blocks: boolean };
  runs: number;
  /** Median over the runs, paging on. */
  mips: number;
  translationsPerSecond: number;
  walksPerSecond: number;
  /** faults only (else null). */
  pageFaultsPerSecond: number | null;
  /** Median MIPS of the same loop with paging off (null for faults: the kernel needs paging). */
  pagingOffMips: number | null;
  /** mips / pagingOffMips (medians measured in the same process). */
  ratio: number | null;
  /** With noTlb: the no-TLB mode's median MIPS and translations per second and what the TLB gains. */
  noTlb?: { mips: number; translationsPerSecond: number; cyclesPerAccess: number; hostSpeedup: number; cycleSpeedup: number };
  /** Min and max over the runs. */
  spread: Record<'mips' | 'translationsPerSecond' | 'walksPerSecond' | 'pageFaultsPerSecond' | 'pagingOffMips', { min: number; max: number } | null>;
  /** Emulated, paging on, over every timed instruction (exact). Null with no TLB (--no-tlb). */
  tlbHitRate: number | null;
  cyclesPerAccess: number;
  cyclesPerInstruction: number;
  instructions: number;
  seconds: number;
  /** The timed runs with paging on, in order. */
  samples: ReportSample[];
}

function describeTlb(setup: BenchSetup): string {
  const t = setup.tlb;
  if (t === null) return 'none';
  const org = t.ways === t.entries ? 'fully associative' : t.ways === 1 ? 'direct-mapped' : `${t.ways}-way`;
  return `${t.entries} entries, ${org}, ${t.policy}`;
}

const range = (s: Spread) => ({ min: s.min, max: s.max });

/**
 * Measure one workload: `runs` timed runs of each form (paging on; off; no TLB when asked).
 * Counts are exact; the host figures are medians with their range.
 */
export function benchWorkloadFull(name: BenchWorkload, setup: BenchSetup, opts: BenchOptions): WorkloadReport {
  const warmup = opts.warmup ?? 2 * CHUNK;
  const on = buildTarget(name, true, setup)!;
  const off = opts.pagingOff === false ? null : buildTarget(name, false, setup);
  const noTlb = opts.noTlb === true && setup.tlb !== null ? buildTarget(name, true, { ...setup, tlb: null }) : null;
  for (const t of [on, off, noTlb]) {
    if (t === null) continue;
    t.run(warmup);
    if (opts.warmup === undefined) {
      const c0 = process.cpuUsage();
      while (cpuSeconds(c0) < warmupSeconds(name)) t.run(CHUNK);
    }
  }
  const onSamples: RunSample[] = [];
  const offSamples: RunSample[] = [];
  const noTlbSamples: RunSample[] = [];
  let onFirst: BenchCounters | null = null;
  let onLast: BenchCounters | null = null;
  let ntFirst: BenchCounters | null = null;
  let ntLast: BenchCounters | null = null;
  for (let r = 0; r < opts.runs; r++) {
    const a = timedRun(on, opts.seconds);
    onSamples.push(a.sample);
    onFirst ??= a.before;
    onLast = a.after;
    opts.onRun?.();
    if (off !== null) {
      offSamples.push(timedRun(off, opts.seconds).sample);
      opts.onRun?.();
    }
    if (noTlb !== null) {
      const b = timedRun(noTlb, opts.seconds);
      noTlbSamples.push(b.sample);
      ntFirst ??= b.before;
      ntLast = b.after;
      opts.onRun?.();
    }
  }
  const emu = emulatedBetween(onFirst!, onLast!);
  const mips = spread(onSamples.map((s) => s.mips));
  const tps = spread(onSamples.map((s) => s.translationsPerSecond));
  const wps = spread(onSamples.map((s) => s.walksPerSecond));
  const faults = name === 'faults' ? spread(onSamples.map((s) => s.pageFaultsPerSecond)) : null;
  const offMips = off === null ? null : spread(offSamples.map((s) => s.mips));
  const report: WorkloadReport = {
    workload: name,
    description: BENCH_WORKLOAD_TEXT[name],
    setup: {
      tlb: describeTlb(setup),
      levels: setup.levels,
      ...(name === 'stride' ? { stridePages: setup.stridePages } : {}),
      ...(name === 'faults' ? { frames: setup.frames } : {}),
      blocks: setup.blocks,
    },
    runs: opts.runs,
    mips: mips.median,
    translationsPerSecond: tps.median,
    walksPerSecond: wps.median,
    pageFaultsPerSecond: faults === null ? null : faults.median,
    pagingOffMips: offMips === null ? null : offMips.median,
    ratio: offMips === null ? null : mips.median / offMips.median,
    spread: {
      mips: range(mips),
      translationsPerSecond: range(tps),
      walksPerSecond: range(wps),
      pageFaultsPerSecond: faults === null ? null : range(faults),
      pagingOffMips: offMips === null ? null : range(offMips),
    },
    tlbHitRate: setup.tlb === null ? null : emu.tlbHitRate,
    cyclesPerAccess: emu.cyclesPerAccess,
    cyclesPerInstruction: emu.cyclesPerInstruction,
    instructions: emu.instructions,
    seconds: onSamples.reduce((s, x) => s + x.seconds, 0),
    // A loop takes no page faults: null, as at the top level, rather than a measured 0.
    samples: faults === null ? onSamples.map((s) => ({ ...s, pageFaultsPerSecond: null })) : onSamples,
  };
  if (noTlb !== null) {
    const nm = spread(noTlbSamples.map((s) => s.mips));
    const nt = spread(noTlbSamples.map((s) => s.translationsPerSecond));
    const ne = emulatedBetween(ntFirst!, ntLast!);
    report.noTlb = {
      mips: nm.median,
      translationsPerSecond: nt.median,
      cyclesPerAccess: ne.cyclesPerAccess,
      hostSpeedup: mips.median / nm.median,
      cycleSpeedup: ne.cyclesPerAccess === 0 || emu.cyclesPerAccess === 0 ? 0 : ne.cyclesPerAccess / emu.cyclesPerAccess,
    };
  }
  return report;
}

/** Timed runs each form makes (for a progress bar's total). */
export function runsPerWorkload(name: BenchWorkload, setup: BenchSetup, opts: BenchOptions): number {
  const forms = 1 + (opts.pagingOff !== false && name !== 'faults' ? 1 : 0) + (opts.noTlb === true && setup.tlb !== null ? 1 : 0);
  return forms * opts.runs;
}
