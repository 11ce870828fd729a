// `vmlab bench [--workload NAMES] [--tlb N | --no-tlb] [--tlb-ways N] [--tlb-policy P]
// [--levels N] [--runs N] [--seconds S] [--compare-no-tlb] [--sweep P=V,...] [--chart F.svg]
// [--json] [--save F.json]`: the interpreter's translation throughput on the workloads of
// src/bench/setups.ts.
// For each workload: host figures (median and range over the runs) with paging on, the same loop
// with paging off in the same process and the ratio, and emulated figures (exact). --json prints
// one JSON object per workload, one per line. --sweep measures one parameter's values instead
// (paging on only) and --chart draws them.
//
// Every check comes before the first measurement: bad option values and combinations are usage
// errors (exit 2), output files that cannot be written are bad files (exit 1). The results are
// printed before any file is written, so that a late failure to write still shows them.

import { InvalidArgumentError, Option, type Command } from 'commander';
import { TlbPolicy, validateTlbConfig } from '../machine/mmu/tlb.ts';
import { benchWorkloadFull, runsPerWorkload, type BenchOptions as MeasureOptions, type WorkloadReport } from '../bench/measure.ts';
import { BENCH_WORKLOADS, DEFAULT_BENCH_SETUP, isBenchWorkload, type BenchSetup, type BenchWorkload } from '../bench/setups.ts';
import { parseSweep, runBenchSweep, sweepChart, sweepParamText, sweepSetup, type SweepSpec } from '../bench/sweep.ts';
import { UserError } from '../util/errors.ts';
import { writeFileChecked } from '../util/files.ts';
import { Progress } from '../util/progress.ts';
import { renderTable } from '../util/table.ts';
import { watchTlbFlags } from './machine-options.ts';
import { checkOutputFile, failUsage, parseIntOption, UsageError, withUsageErrors } from './options.ts';

export interface BenchOptions {
  /** Comma list of workloads, or all. */
  workload?: string;
  /** Entries, or false for --no-tlb. */
  tlb?: number | false;
  tlbWays?: number;
  tlbPolicy?: string;
  levels?: number;
  stridePages?: number;
  frames?: number;
  runs?: number;
  seconds?: number;
  compareNoTlb?: boolean;
  /** false with --no-blocks. */
  blocks?: boolean;
  sweep?: string;
  chart?: string;
  json?: boolean;
  /** Also write the JSON lines to this file (with the table on stdout). */
  save?: string;
}

export interface BenchIO {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Whether err is a terminal (the progress line rewrites itself). Default false. */
  tty?: boolean;
}

export const DEFAULT_RUNS = 5;
export const DEFAULT_SECONDS = 0.5;

function parseSeconds(text: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v < 0.01 || v > 600)
    throw new InvalidArgumentError(`--seconds must be a number from 0.01 to 600, got '${text}'`);
  return v;
}

/** `seq,randc` or `all`: known names, each once, in the order given. */
export function parseWorkloads(text: string): BenchWorkload[] {
  const out: BenchWorkload[] = [];
  for (const w of text.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '')) {
    if (w === 'all') {
      for (const n of BENCH_WORKLOADS) if (!out.includes(n)) out.push(n);
      continue;
    }
    if (!isBenchWorkload(w)) throw new InvalidArgumentError(`--workload: unknown workload '${w}' (choose from ${[...BENCH_WORKLOADS, 'all'].join(', ')})`);
    if (!out.includes(w)) out.push(w);
  }
  if (out.length === 0) throw new InvalidArgumentError(`--workload: no workload given (choose from ${[...BENCH_WORKLOADS, 'all'].join(', ')})`);
  return out;
}

/** The --sweep parser: the text as given once parseSweep accepts it (a usage error if not). */
function sweepOption(text: string): string {
  try {
    parseSweep(text);
  } catch (e) {
    if (e instanceof UserError) throw new InvalidArgumentError(e.message);
    throw e;
  }
  return text;
}

/** A UserError that fn throws, as a UsageError (option combinations checked by shared code). */
function asUsage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof UserError && !(e instanceof UsageError)) throw new UsageError(e.message);
    throw e;
  }
}

export function registerBench(program: Command): void {
  const cmd = program
    .command('bench')
    .summary("measure the interpreter's translation throughput")
    .description(
      'Run the benchmark workloads and print host figures (MIPS, translations,\n' +
        'walks and page faults per CPU second: median and range over the runs), the\n' +
        'same loop with paging off and the on/off ratio, and emulated figures (TLB\n' +
        'hit rate, cycles per load/store, cycles per instruction).\n' +
        '  seq     lw/add/sw over a 1 MiB array (one TLB miss per 1024 words)\n' +
        '  randc   random words, 64 MiB onto 256 KiB (a TLB miss almost every load)\n' +
        '  rand    random words, 64 MiB onto 8 MiB (the host caches miss too)\n' +
        '  stride  one load per page over --stride-pages pages\n' +
        '  faults  the kernel running asm/bench/faults.s with --frames frames\n' +
        '          (a page fault every few instructions)',
    )
    .option('--workload <names>', `comma list of ${BENCH_WORKLOADS.join(', ')}, or all (default: all)`, (t: string) => parseWorkloads(t).join(','))
    .option('--tlb <entries>', 'TLB entries (default: 64)', parseIntOption('--tlb', 1, 1 << 20))
    .option('--no-tlb', 'no TLB: every user-space access walks the page tables')
    .option('--tlb-ways <n>', 'TLB associativity (default: entries, fully associative)', parseIntOption('--tlb-ways', 1, 1 << 20))
    .addOption(new Option('--tlb-policy <policy>', 'TLB replacement policy (default: lru)').choices(Object.values(TlbPolicy)))
    .option('--levels <n>', 'page-table levels, 1-4 (default: 2)', parseIntOption('--levels', 1, 4))
    .option('--stride-pages <n>', `pages the stride workload visits (default: ${DEFAULT_BENCH_SETUP.stridePages})`, parseIntOption('--stride-pages', 1, 65536))
    .option('--frames <n>', `user frames for the faults workload (default: ${DEFAULT_BENCH_SETUP.frames})`, parseIntOption('--frames', 2, 64))
    .option('--runs <n>', `timed runs per workload and form (default: ${DEFAULT_RUNS})`, parseIntOption('--runs', 1, 1000))
    .option('--seconds <s>', `CPU seconds per timed run (default: ${DEFAULT_SECONDS})`, parseSeconds)
    .option('--no-blocks', 'the interpreter loop alone: no compiled blocks (to see what they gain)')
    .option('--compare-no-tlb', 'also measure each workload with no TLB and show what the TLB gains (not with --no-tlb or --sweep)')
    .option('--sweep <param=values>', 'measure at each value of tlb=, ways= (with --tlb) or levels= instead (e.g. tlb=4,8,16,32)', sweepOption)
    .option('--chart <file.svg>', 'with --sweep: write an SVG chart of the sweep')
    .option('--json', 'print one JSON object per workload (one per line) instead of a table')
    .option('--save <file.json>', 'also write the JSON lines to this file');
  const tlbFlags = watchTlbFlags(cmd);
  cmd.hook('preAction', (c) => {
    const bad = tlbFlags.problem(c.opts<BenchOptions>());
    if (bad !== undefined) failUsage(c, bad);
  });
  cmd.action(
    withUsageErrors(cmd, (opts: BenchOptions) => {
      runBench(opts, { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), tty: process.stderr.isTTY === true });
    }),
  );
}

/** The BenchSetup the options describe; a UsageError for a TLB that cannot be built. */
export function benchSetup(o: BenchOptions): BenchSetup {
  const d = DEFAULT_BENCH_SETUP;
  let tlb = d.tlb;
  if (o.tlb === false) {
    if (o.tlbWays !== undefined || o.tlbPolicy !== undefined) throw new UsageError('--no-tlb cannot be combined with --tlb-ways or --tlb-policy');
    tlb = null;
  } else {
    const entries = o.tlb ?? d.tlb!.entries;
    tlb = { entries, ways: o.tlbWays ?? entries, policy: (o.tlbPolicy ?? d.tlb!.policy) as TlbPolicy, seed: 1 };
    const bad = validateTlbConfig(tlb);
    if (bad !== undefined) throw new UsageError(`--tlb/--tlb-ways/--tlb-policy: ${bad}`);
  }
  return {
    tlb,
    levels: (o.levels ?? d.levels) as 1 | 2 | 3 | 4,
    stridePages: o.stridePages ?? d.stridePages,
    frames: o.frames ?? d.frames,
    blocks: o.blocks !== false,
  };
}

/** Everything runBench needs, every option checked. */
interface BenchPlan {
  names: BenchWorkload[];
  setup: BenchSetup;
  spec: SweepSpec | null;
  runs: number;
  seconds: number;
}

/** The option swept by each sweep parameter, which the sweep overrides. */
const SWEPT_OPTION: Readonly<Record<SweepSpec['param'], { flag: string; key: keyof BenchOptions }>> = {
  tlb: { flag: '--tlb', key: 'tlb' },
  ways: { flag: '--tlb-ways', key: 'tlbWays' },
  levels: { flag: '--levels', key: 'levels' },
};

/**
 * Checks every option before anything is measured: a UsageError for a bad value or combination,
 * then a UserError for an output file (--save, --chart) that cannot be written.
 */
export function benchPlan(opts: BenchOptions): BenchPlan {
  const names = parseWorkloads(opts.workload ?? 'all');
  const setup = benchSetup(opts);
  if (opts.chart !== undefined && opts.sweep === undefined) throw new UsageError('--chart needs --sweep (it charts the swept parameter)');
  const spec = opts.sweep === undefined ? null : asUsage(() => parseSweep(opts.sweep!));
  if (opts.compareNoTlb === true) {
    if (setup.tlb === null) throw new UsageError('--compare-no-tlb cannot be combined with --no-tlb (there is no TLB to compare)');
    if (spec !== null) throw new UsageError('--compare-no-tlb cannot be combined with --sweep (a sweep measures with the TLB only)');
  }
  if (spec !== null) {
    if (setup.tlb === null && spec.param !== 'levels') throw new UsageError(`--sweep ${spec.param}= cannot be combined with --no-tlb (it sweeps a TLB parameter)`);
    const swept = SWEPT_OPTION[spec.param];
    if (opts[swept.key] !== undefined) throw new UsageError(`${swept.flag} cannot be combined with --sweep ${spec.param}= (the sweep sets it)`);
    for (const v of spec.values) asUsage(() => sweepSetup(setup, spec, v));
  }
  if (opts.save !== undefined && opts.save === opts.chart) throw new UsageError('--save and --chart name the same file');
  for (const file of [opts.save, opts.chart]) if (file !== undefined) checkOutputFile(file);
  return { names, setup, spec, runs: opts.runs ?? DEFAULT_RUNS, seconds: opts.seconds ?? DEFAULT_SECONDS };
}

const f1 = (v: number) => v.toFixed(1);
const f2 = (v: number) => v.toFixed(2);
const mega = (v: number) => (v / 1e6).toFixed(1);
const pct = (v: number) => `${(100 * v).toFixed(2)} %`;
const NA = 'n/a';
/** A figure that may be absent (null: not measured for this workload or setup). */
const or = <T>(v: T | null | undefined, f: (v: T) => string) => (v === null || v === undefined ? NA : f(v));
/** Every column right-aligned (numbers and n/a alike) but the first `text` ones. */
const alignRight = (columns: number, text = 1) => Array.from({ length: columns }, (_, i) => (i < text ? 'l' : 'r') as 'l' | 'r');

function workloadRows(reports: readonly WorkloadReport[], noTlb: boolean): { head: string[]; rows: string[][] } {
  const head = ['workload', 'MIPS', 'range', 'M transl/s', 'M walks/s', 'faults/s', 'MIPS off', 'on/off', 'TLB hits', 'cyc/access', 'CPI'];
  if (noTlb) head.push('MIPS no TLB', 'TLB gain host', 'TLB gain cycles');
  const rows = reports.map((r) => {
    const row = [
      r.workload,
      f1(r.mips),
      `${f1(r.spread.mips!.min)}-${f1(r.spread.mips!.max)}`,
      mega(r.translationsPerSecond),
      mega(r.walksPerSecond),
      or(r.pageFaultsPerSecond, (v) => Math.round(v).toLocaleString('en-US')),
      or(r.pagingOffMips, f1),
      or(r.ratio, f2),
      or(r.tlbHitRate, pct),
      f2(r.cyclesPerAccess),
      f2(r.cyclesPerInstruction),
    ];
    if (noTlb) row.push(or(r.noTlb?.mips, f1), or(r.noTlb?.hostSpeedup, (v) => `${f2(v)} x`), or(r.noTlb?.cycleSpeedup, (v) => `${f2(v)} x`));
    return row;
  });
  return { head, rows };
}

/**
 * The setup in words, for the line under a table: what every figure was measured with, less
 * `swept` (the sweep's parameter, which the table's first column gives), and the options of
 * the workloads that ran (--stride-pages for stride, --frames for faults).
 */
function setupLine(s: BenchSetup, names: readonly BenchWorkload[], runs: number, seconds: number, swept: SweepSpec['param'] | null): string {
  const parts: string[] = [];
  const t = s.tlb;
  if (t === null) parts.push('no TLB');
  else {
    const org = t.ways === t.entries ? 'fully associative' : t.ways === 1 ? 'direct-mapped' : `${t.ways}-way`;
    if (swept === 'tlb') parts.push(`TLB ${t.ways === t.entries ? 'fully associative' : `${t.ways}-way (at most)`}, ${t.policy}`);
    else if (swept === 'ways') parts.push(`TLB ${t.entries} entries, ${t.policy}`);
    else parts.push(`TLB ${t.entries} entries, ${org}, ${t.policy}`);
  }
  if (swept !== 'levels') parts.push(`${s.levels}-level page tables`);
  if (names.includes('stride')) parts.push(`stride over ${s.stridePages} pages (--stride-pages)`);
  if (names.includes('faults')) parts.push(`faults with ${s.frames} frames (--frames)`);
  if (!s.blocks) parts.push('no compiled blocks (--no-blocks)');
  parts.push(`${runs} run${runs === 1 ? '' : 's'} of ${seconds} CPU s per ${swept === null ? 'form' : 'value'}`);
  return `${parts.join('; ')}; MIPS = median per CPU second${swept === null ? ', range = min-max' : ''}`;
}

/** JSON lines: one object per report. */
const jsonLines = (reports: readonly object[]) => reports.map((r) => `${JSON.stringify(r)}\n`).join('');

/** Measure and report; returns the reports (for tests). Checks every option first (benchPlan). */
export function runBench(opts: BenchOptions, io: BenchIO): WorkloadReport[] {
  const { names, setup, spec, runs, seconds } = benchPlan(opts);
  const measure: MeasureOptions = { runs, seconds, noTlb: opts.compareNoTlb === true };
  if (spec !== null) measure.pagingOff = false;
  const perWorkload = names.map((n) => runsPerWorkload(n, setup, measure) * (spec === null ? 1 : spec.values.length));
  const progress = new Progress({ label: 'bench', total: perWorkload.reduce((a, b) => a + b, 0), unit: 'runs', write: io.err, tty: io.tty ?? false });
  measure.onRun = () => progress.tick();

  if (spec !== null) {
    const results = runBenchSweep(names, setup, spec, measure);
    progress.finish();
    const all = [...results].flatMap(([, pts]) => pts.map((p) => ({ ...p.report, sweep: { param: spec.param, value: p.value } })));
    if (opts.json) io.out(jsonLines(all));
    else {
      const rows = all.map((r) => [
        String(r.sweep.value), r.workload, f1(r.mips), mega(r.translationsPerSecond), mega(r.walksPerSecond), or(r.tlbHitRate, pct), f2(r.cyclesPerAccess), f2(r.cyclesPerInstruction),
      ]);
      const head = [sweepParamText(spec.param), 'workload', 'MIPS', 'M transl/s', 'M walks/s', 'TLB hits', 'cyc/access', 'CPI'];
      io.out(`${renderTable(rows, { head, align: ['r', 'l', ...alignRight(head.length - 2, 0)] })}\n`);
      io.out(`${sweepParamText(spec.param)} swept over ${spec.values.join(', ')}; otherwise ${setupLine(setup, names, runs, seconds, spec.param)}\n`);
    }
    if (opts.chart !== undefined) {
      writeFileChecked(opts.chart, sweepChart(results, spec));
      io.err(`vmlab: wrote ${opts.chart} (translations per second and cycles per access vs ${sweepParamText(spec.param)})\n`);
    }
    if (opts.save !== undefined) {
      writeFileChecked(opts.save, jsonLines(all));
      io.err(`vmlab: wrote ${opts.save} (${all.length} JSON line${all.length === 1 ? '' : 's'})\n`);
    }
    return all;
  }

  const reports: WorkloadReport[] = [];
  for (const name of names) reports.push(benchWorkloadFull(name, setup, measure));
  progress.finish();
  if (opts.json) {
    io.out(jsonLines(reports));
  } else {
    const t = workloadRows(reports, measure.noTlb === true);
    io.out(`${renderTable(t.rows, { head: t.head, align: alignRight(t.head.length) })}\n${setupLine(setup, names, runs, seconds, null)}\n`);
  }
  if (opts.save !== undefined) {
    writeFileChecked(opts.save, jsonLines(reports));
    io.err(`vmlab: wrote ${opts.save} (${reports.length} JSON line${reports.length === 1 ? '' : 's'})\n`);
  }
  return reports;
}
