// `vmlab bench [--workload NAMES] [--tlb N | --no-tlb] [--tlb-ways N] [--tlb-policy P]
// [--levels N] [--runs N] [--seconds S] [--compare-no-tlb] [--sweep P=V,...] [--chart F.svg]
// [--json] [--save F.json]`: the interpreter's translation throughput on the workloads of
// src/bench/setups.ts.
// For each workload: host figures (median and range over the runs) with paging on, the same loop
// with paging off in the same process and the ratio, and emulated figures (exact). --json prints
// one JSON object per workload, one per line. --sweep measures one parameter's values instead
// (paging on only) and --chart draws them.

import { InvalidArgumentError, Option, type Command } from 'commander';
import { TlbPolicy, validateTlbConfig } from '../machine/mmu/tlb.ts';
import { benchWorkloadFull, runsPerWorkload, type BenchOptions as MeasureOptions, type WorkloadReport } from '../bench/measure.ts';
import { BENCH_WORKLOADS, DEFAULT_BENCH_SETUP, isBenchWorkload, type BenchSetup, type BenchWorkload } from '../bench/setups.ts';
import { parseSweep, runBenchSweep, sweepChart, sweepParamText, type SweepSpec } from '../bench/sweep.ts';
import { UserError } from '../util/errors.ts';
import { writeFileChecked } from '../util/files.ts';
import { Progress } from '../util/progress.ts';
import { renderTable } from '../util/table.ts';
import { parseIntOption } from './options.ts';

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

export function registerBench(program: Command): void {
  program
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
    .option('--compare-no-tlb', 'also measure each workload with no TLB and show what the TLB gains')
    .option('--sweep <param=values>', 'measure at each value of tlb=, ways= (with --tlb) or levels= instead (e.g. tlb=4,8,16,32)')
    .option('--chart <file.svg>', 'with --sweep: write an SVG chart of the sweep')
    .option('--json', 'print one JSON object per workload (one per line) instead of a table')
    .option('--save <file.json>', 'also write the JSON lines to this file')
    .action((opts: BenchOptions) => {
      runBench(opts, { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), tty: process.stderr.isTTY === true });
    });
}

/** The BenchSetup the options describe; a UserError for a TLB that cannot be built. */
export function benchSetup(o: BenchOptions): BenchSetup {
  const d = DEFAULT_BENCH_SETUP;
  let tlb = d.tlb;
  if (o.tlb === false) {
    if (o.tlbWays !== undefined || o.tlbPolicy !== undefined) throw new UserError('--no-tlb cannot be combined with --tlb-ways or --tlb-policy');
    tlb = null;
  } else {
    const entries = o.tlb ?? d.tlb!.entries;
    tlb = { entries, ways: o.tlbWays ?? entries, policy: (o.tlbPolicy ?? d.tlb!.policy) as TlbPolicy, seed: 1 };
    const bad = validateTlbConfig(tlb);
    if (bad !== undefined) throw new UserError(`--tlb/--tlb-ways/--tlb-policy: ${bad}`);
  }
  return {
    tlb,
    levels: (o.levels ?? d.levels) as 1 | 2 | 3 | 4,
    stridePages: o.stridePages ?? d.stridePages,
    frames: o.frames ?? d.frames,
    blocks: o.blocks !== false,
  };
}

const f1 = (v: number) => v.toFixed(1);
const f2 = (v: number) => v.toFixed(2);
const mega = (v: number) => (v / 1e6).toFixed(1);
const pct = (v: number) => `${(100 * v).toFixed(2)} %`;

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
      r.pageFaultsPerSecond === null ? '' : Math.round(r.pageFaultsPerSecond).toLocaleString('en-US'),
      r.pagingOffMips === null ? 'n/a' : f1(r.pagingOffMips),
      r.ratio === null ? 'n/a' : f2(r.ratio),
      pct(r.tlbHitRate),
      f2(r.cyclesPerAccess),
      f2(r.cyclesPerInstruction),
    ];
    if (noTlb) row.push(r.noTlb ? f1(r.noTlb.mips) : '', r.noTlb ? `${f2(r.noTlb.hostSpeedup)} x` : '', r.noTlb ? `${f2(r.noTlb.cycleSpeedup)} x` : '');
    return row;
  });
  return { head, rows };
}

/** The setup in words, for the line under the table. */
function setupLine(s: BenchSetup, runs: number, seconds: number): string {
  const t = s.tlb;
  const tlb = t === null ? 'no TLB' : `TLB ${t.entries} entries, ${t.ways === t.entries ? 'fully associative' : `${t.ways}-way`}, ${t.policy}`;
  return `${tlb}; ${s.levels}-level page tables;${s.blocks ? '' : ' no compiled blocks (--no-blocks);'} ${runs} run${runs === 1 ? '' : 's'} of ${seconds} CPU s per form; MIPS = median per CPU second, range = min-max`;
}

/** Measure and report; returns the reports (for tests). */
export function runBench(opts: BenchOptions, io: BenchIO): WorkloadReport[] {
  const names = parseWorkloads(opts.workload ?? 'all');
  const setup = benchSetup(opts);
  const runs = opts.runs ?? DEFAULT_RUNS;
  const seconds = opts.seconds ?? DEFAULT_SECONDS;
  if (opts.chart !== undefined && opts.sweep === undefined) throw new UserError('--chart needs --sweep (it charts the swept parameter)');
  const spec: SweepSpec | null = opts.sweep === undefined ? null : parseSweep(opts.sweep);
  const measure: MeasureOptions = { runs, seconds, noTlb: opts.compareNoTlb === true && spec === null };
  if (spec !== null) measure.pagingOff = false;
  const perWorkload = names.map((n) => runsPerWorkload(n, setup, measure) * (spec === null ? 1 : spec.values.length));
  const progress = new Progress({ label: 'bench', total: perWorkload.reduce((a, b) => a + b, 0), unit: 'runs', write: io.err, tty: io.tty ?? false });
  measure.onRun = () => progress.tick();

  if (spec !== null) {
    const results = runBenchSweep(names, setup, spec, measure);
    progress.finish();
    const all = [...results].flatMap(([, pts]) => pts.map((p) => ({ ...p.report, sweep: { param: spec.param, value: p.value } })));
    if (opts.chart !== undefined) writeFileChecked(opts.chart, sweepChart(results, spec));
    if (opts.save !== undefined) writeFileChecked(opts.save, all.map((r) => `${JSON.stringify(r)}\n`).join(''));
    if (opts.json) io.out(all.map((r) => `${JSON.stringify(r)}\n`).join(''));
    else {
      const rows = all.map((r) => [
        String(r.sweep.value), r.workload, f1(r.mips), mega(r.translationsPerSecond), mega(r.walksPerSecond), pct(r.tlbHitRate), f2(r.cyclesPerAccess), f2(r.cyclesPerInstruction),
      ]);
      io.out(`${renderTable(rows, { head: [sweepParamText(spec.param), 'workload', 'MIPS', 'M transl/s', 'M walks/s', 'TLB hits', 'cyc/access', 'CPI'] })}\n`);
      io.out(`${sweepParamText(spec.param)} swept over ${spec.values.join(', ')}; otherwise ${setupLine(setup, runs, seconds)}\n`);
      if (opts.chart !== undefined) io.out(`chart: ${opts.chart}\n`);
    }
    return all;
  }

  const reports: WorkloadReport[] = [];
  for (const name of names) reports.push(benchWorkloadFull(name, setup, measure));
  progress.finish();
  if (opts.save !== undefined) writeFileChecked(opts.save, reports.map((r) => `${JSON.stringify(r)}\n`).join(''));
  if (opts.json) {
    io.out(reports.map((r) => `${JSON.stringify(r)}\n`).join(''));
  } else {
    const t = workloadRows(reports, measure.noTlb === true);
    io.out(`${renderTable(t.rows, { head: t.head })}\n${setupLine(setup, runs, seconds)}\n`);
  }
  return reports;
}
