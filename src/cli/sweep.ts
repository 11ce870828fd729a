// `vmlab sweep PROGRAM... --frames A-B --replace P1,P2 [--tlb A,B,C] [--chart F.svg] [--json]
// [--jobs N]`: runs the kernel with the programs once per frame count and replacement policy
// (and per TLB size), in parallel worker threads, and prints the page faults as a table, the
// TLB figures as another, and optionally SVG charts. The engine is src/study/sweep.ts.

import { InvalidArgumentError, Option, type Command } from 'commander';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KSEG_BASE, ReplacePolicy, type ReplacePolicyName } from '../arch/memmap.ts';
import { TlbPolicy } from '../machine/mmu/tlb.ts';
import { DEFAULT_KERNEL_OPTIONS, loadKernel, validateKernelOptions } from '../os/boot.ts';
import { runSweep, sweepTasks, type SweepResult, type SweepRun, type SweepSpec } from '../study/sweep.ts';
import { UserError } from '../util/errors.ts';
import { writeFileChecked } from '../util/files.ts';
import { Progress } from '../util/progress.ts';
import { lineChart } from '../util/svg-chart.ts';
import { formatNumber, renderTable } from '../util/table.ts';
import { loadProgram } from './load.ts';
import { DEFAULT_TLB_ENTRIES, machineConfig, type MachineOptionValues } from './machine-options.ts';
import { parseIntOption } from './options.ts';
import { UP_MARK, parseFrameList } from './replay.ts';

export interface SweepOptions {
  frames: number[];
  replace: ReplacePolicyName[];
  tlb?: number[];
  chart?: string;
  json?: boolean;
  jobs?: number;
  /** --no-replay sets it false. */
  replay: boolean;
  // Machine and kernel options that apply to every run.
  tlbPolicy?: string;
  tlbSplit?: boolean;
  levels?: number;
  diskLatency?: number;
  seed?: number;
  maxCycles: number;
  quantum?: number;
  swapBlocks?: number;
  stackPages?: number;
  heapPages?: number;
  kernel?: string;
}

export interface SweepIO {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Whether stderr is a terminal (the progress bar rewrites one line). */
  tty: boolean;
}

export const DEFAULT_SWEEP_FRAMES = '4-16';
export const DEFAULT_SWEEP_POLICIES = 'fifo,clock';
/** A cycle limit per run, so that a configuration that thrashes for ever cannot hang the sweep. */
export const DEFAULT_SWEEP_MAX_CYCLES = 10_000_000_000;
const POLICY_NAMES = Object.keys(ReplacePolicy) as ReplacePolicyName[];

/** Policies from `fifo,clock`: known names, each once, in the order given. */
export function parseReplaceList(text: string): ReplacePolicyName[] {
  const out: ReplacePolicyName[] = [];
  for (const w of text.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '')) {
    if (!(POLICY_NAMES as string[]).includes(w)) throw new UserError(`--replace: unknown policy "${w}" (choose from ${POLICY_NAMES.join(', ')})`);
    if (!out.includes(w as ReplacePolicyName)) out.push(w as ReplacePolicyName);
  }
  if (out.length === 0) throw new UserError(`--replace: no policy given (choose from ${POLICY_NAMES.join(', ')})`);
  return out;
}

/** TLB sizes from `8,16,64`: whole numbers from 1 to 2^20, each once, in the order given. */
export function parseTlbList(text: string): number[] {
  const out: number[] = [];
  for (const w of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const n = /^\d+$/.test(w) ? Number(w) : NaN;
    if (!Number.isSafeInteger(n) || n < 1 || n > 1 << 20) throw new UserError(`--tlb: "${w}" is not a TLB size from 1 to ${1 << 20}`);
    if (!out.includes(n)) out.push(n);
  }
  if (out.length === 0) throw new UserError('--tlb: no TLB size given');
  return out;
}

function usage<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  };
}

/** The worker script: dist/sweep-worker.js beside the bundle, or found above this module. */
export function defaultWorkerFile(): string | undefined {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  const beside = path.join(dir, 'sweep-worker.js');
  if (existsSync(beside)) return beside;
  for (;;) {
    const candidate = path.join(dir, 'dist', 'sweep-worker.js');
    if (existsSync(candidate)) return candidate;
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

export function registerSweep(program: Command): void {
  const cmd = program
    .command('sweep')
    .summary('run programs under the kernel over a grid of frames, policies and TLB sizes')
    .description(
      'Run the kernel with the programs once per frame count and replacement policy (and per TLB size), ' +
        'in parallel worker threads, and print the page faults (and the TLB figures) as tables. The fifo runs ' +
        "also record their reference string and replay it offline under textbook FIFO: the column 'fifo (replay)'.",
    )
    .argument('<programs...>', 'user programs (.s or .vmx), run together as processes')
    .addOption(new Option('--frames <range>', 'frame counts: N, A-B or a comma-separated list (at least 2)').argParser(usage(parseFrameList)).default(parseFrameList(DEFAULT_SWEEP_FRAMES), DEFAULT_SWEEP_FRAMES))
    .addOption(new Option('--replace <policies>', `replacement policies, comma-separated: ${POLICY_NAMES.join(', ')}`).argParser(usage(parseReplaceList)).default(parseReplaceList(DEFAULT_SWEEP_POLICIES), DEFAULT_SWEEP_POLICIES))
    .option('--tlb <sizes>', `TLB sizes (entries, comma-separated) to compare, at the largest frame count and the first policy; the fault grid uses the largest (default: ${DEFAULT_TLB_ENTRIES})`, usage(parseTlbList))
    .option('--chart <file.svg>', 'write an SVG chart of page faults vs frames (and FILE-tlb.svg: translation cost vs TLB size)')
    .option('--json', 'print the results as JSON')
    .option('--jobs <n>', `worker threads (default: the number of cores, ${availableParallelism()})`, parseIntOption('--jobs', 1, 256))
    .option('--no-replay', 'do not record and replay the fifo runs (they run faster)')
    .addOption(new Option('--tlb-policy <policy>', 'TLB replacement (default: lru)').choices(Object.values(TlbPolicy)))
    .option('--tlb-split', 'separate instruction and data TLBs')
    .option('--levels <n>', 'page-table levels, 1-4 (default: 2)', parseIntOption('--levels', 1, 4))
    .option('--disk-latency <cycles>', 'cycles from a disk command to its completion (default: 20000)', parseIntOption('--disk-latency', 1, 2 ** 31 - 1))
    .option('--seed <n>', 'seed for every random choice (default: 1)', parseIntOption('--seed', 0, 0xffffffff))
    .option('--max-cycles <n>', 'stop each run after this many cycles', parseIntOption('--max-cycles', 1), DEFAULT_SWEEP_MAX_CYCLES)
    .option('--quantum <cycles>', `time slice (default: ${DEFAULT_KERNEL_OPTIONS.quantum})`, parseIntOption('--quantum', 1, 0x7fffffff))
    .option('--swap-blocks <n>', `swap area in 4 KiB blocks (default: ${DEFAULT_KERNEL_OPTIONS.swapBlocks})`, parseIntOption('--swap-blocks', 0, 1 << 20))
    .option('--stack-pages <n>', `stack limit per process, in pages (default: ${DEFAULT_KERNEL_OPTIONS.stackPages})`, parseIntOption('--stack-pages', 1, 1 << 18))
    .option('--heap-pages <n>', `heap limit per process, in pages (default: ${DEFAULT_KERNEL_OPTIONS.heapPages})`, parseIntOption('--heap-pages', 0, 1 << 19))
    .option('--kernel <file>', 'run this kernel (.s or .vmx) instead of asm/kernel/kernel.s');
  cmd.action(async (files: string[], opts: SweepOptions) => {
    await sweepCommand(files, opts, {
      out: (t) => process.stdout.write(t),
      err: (t) => process.stderr.write(t),
      tty: process.stderr.isTTY === true,
    }, defaultWorkerFile());
  });
}

/** The spec the options describe, with every value checked (a UserError for the first bad one). */
export function sweepSpec(files: readonly string[], opts: SweepOptions, io: Pick<SweepIO, 'err'>): SweepSpec {
  for (const f of opts.frames) if (f < 2) throw new UserError(`--frames: the kernel needs at least 2 frames (got ${f})`);
  const programs = files.map((p) => ({ path: p, exe: loadProgram(p, io) }));
  for (const p of programs)
    if (p.exe.entry >>> 0 >= KSEG_BASE) throw new UserError(`${p.path}: a bare program (linked at 0x80000000 and up) cannot run under the kernel`);
  const kernel = opts.kernel !== undefined ? loadProgram(opts.kernel, io) : loadKernel();
  const tlbSizes = opts.tlb ?? [];
  const machine: MachineOptionValues = {
    ...(opts.tlbPolicy !== undefined ? { tlbPolicy: opts.tlbPolicy } : {}),
    ...(opts.tlbSplit === true ? { tlbSplit: true } : {}),
    ...(opts.levels !== undefined ? { levels: opts.levels } : {}),
    ...(opts.diskLatency !== undefined ? { diskLatency: opts.diskLatency } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    maxCycles: opts.maxCycles,
  };
  // The fault grid runs with the largest TLB listed: the one that disturbs paging least.
  const tlb = tlbSizes.length === 0 ? DEFAULT_TLB_ENTRIES : Math.max(...tlbSizes);
  for (const t of [tlb, ...tlbSizes]) machineConfig({ ...machine, tlb: t });
  const d = DEFAULT_KERNEL_OPTIONS;
  const kernelOptions = {
    quantum: opts.quantum ?? d.quantum,
    swapBlocks: opts.swapBlocks ?? d.swapBlocks,
    stackPages: opts.stackPages ?? d.stackPages,
    heapPages: opts.heapPages ?? d.heapPages,
  };
  for (const f of opts.frames) validateKernelOptions({ ...kernelOptions, frames: f, replace: opts.replace[0]! });
  return { programs, kernel, frames: opts.frames, policies: opts.replace, tlb, tlbSizes, machine, kernelOptions, replay: opts.replay };
}

/** The whole command: runs the sweep, prints the tables (or JSON), writes the charts. */
export async function sweepCommand(files: readonly string[], opts: SweepOptions, io: SweepIO, workerFile: string | undefined): Promise<SweepResult> {
  const spec = sweepSpec(files, opts, io);
  const total = sweepTasks(spec).length;
  const jobs = Math.min(opts.jobs ?? availableParallelism(), total);
  if (workerFile === undefined) throw new Error('cannot find dist/sweep-worker.js (run node bin/build.mjs)');
  const progress = new Progress({ label: 'sweep', total, unit: total === 1 ? 'run' : 'runs', write: io.err, tty: io.tty });
  const result = await runSweep(spec, { jobs, workerFile, onProgress: (done) => progress.update(done) });
  progress.finish(` on ${jobs} thread${jobs === 1 ? '' : 's'}`);
  if (opts.json) io.out(`${sweepJson(result)}\n`);
  else io.out(formatSweep(result));
  if (opts.chart !== undefined) {
    const charts = sweepCharts(result);
    writeFileChecked(opts.chart, charts.faults);
    io.err(`vmlab: wrote ${opts.chart} (page faults vs frames)\n`);
    if (charts.tlb !== undefined) {
      const tlbFile = tlbChartFile(opts.chart);
      writeFileChecked(tlbFile, charts.tlb);
      io.err(`vmlab: wrote ${tlbFile} (translation cycles per user-space access vs TLB size)\n`);
    }
  }
  return result;
}

/** `f.svg` -> `f-tlb.svg`; a name without .svg gets `-tlb.svg` appended. */
export function tlbChartFile(chart: string): string {
  return chart.toLowerCase().endsWith('.svg') ? `${chart.slice(0, -4)}-tlb.svg` : `${chart}-tlb.svg`;
}

function names(r: SweepResult): string {
  const counts = new Map<string, number>();
  for (const p of r.spec.programs) counts.set(path.basename(p), (counts.get(path.basename(p)) ?? 0) + 1);
  return [...counts].map(([n, c]) => (c > 1 ? `${n} x${c}` : n)).join(' + ');
}

/** A run whose processes did not all exit 0, or that stopped otherwise than by the kernel's halt. */
function unclean(run: SweepRun): boolean {
  return run.exitCode !== 0;
}

/** Why a run was not clean, in a few words. */
function uncleanText(run: SweepRun): string {
  if (run.stop === 'max-cycles') return 'stopped at the cycle limit (--max-cycles)';
  if (run.stop !== 'halt') return `the machine stopped: ${run.stop}`;
  const bad = run.processes.filter((p) => p.exitCode !== 0).map((p) => `${p.pid} ${p.status}${p.exitCode !== null ? ` ${p.exitCode}` : ''}`);
  return `a process did not exit 0 (${bad.join(', ')})`;
}

/** Three decimals, or three significant digits below 0.01 (a few misses in millions of accesses). */
function small(v: number): string {
  return v === 0 || v >= 0.01 ? v.toFixed(3) : v.toPrecision(3);
}

/**
 * The tables: page faults by frames and policy (with `fifo (replay)` beside `fifo` when the
 * fifo runs were replayed, and a line saying whether they agree), then the TLB sizes.
 */
export function formatSweep(r: SweepResult): string {
  const lines: string[] = [];
  const { frames, policies } = r.spec;
  const fifoCol = policies.indexOf('fifo');
  const replayed = r.spec.replay && fifoCol >= 0;
  lines.push(`${names(r)}: page faults by frames and replacement policy (${r.spec.tlb}-entry TLB)`, '');
  const head = ['frames'];
  policies.forEach((p) => {
    head.push(`${p} `);
    if (replayed && p === 'fifo') head.push('fifo (replay) ');
  });
  let ups = 0;
  const notes: string[] = [];
  const rows = frames.map((f, i) => {
    const row: string[] = [String(f)];
    policies.forEach((p, c) => {
      const run = r.grid[i]![c]!;
      const up = i > 0 && frames[i - 1] === f - 1 && run.pageFaults > r.grid[i - 1]![c]!.pageFaults;
      if (up) ups++;
      const star = unclean(run) ? '*' : '';
      if (star) notes.push(`* frames ${f}, ${p}: ${uncleanText(run)}`);
      row.push(`${star}${formatNumber(run.pageFaults)}${up ? UP_MARK : ' '}`);
      if (replayed && p === 'fifo') row.push(`${run.replay === null ? '-' : formatNumber(run.replay.faults)} `);
    });
    return row;
  });
  lines.push(renderTable(rows, { head, align: head.map(() => 'r' as const) }), '');
  if (ups > 0) lines.push(`${UP_MARK} more faults than with one frame fewer (Belady's anomaly)`);
  lines.push(...notes);
  if (replayed) {
    // The replay counts every page brought in; the kernel brings some in without a trap (for
    // write's buffer), so the check compares with its page-ins, and says so when they differ.
    const fifoRuns = r.grid.map((row) => row[fifoCol]!);
    const differ = fifoRuns.filter((run) => run.replay !== null && run.replay.faults !== run.pagesIn);
    const soft = fifoRuns.filter((run) => run.pagesIn !== run.pageFaults);
    lines.push(
      differ.length === 0
        ? `fifo (replay): each fifo run's own reference string, replayed offline under textbook FIFO (vmlab replay), takes as many faults as the kernel took, at all ${fifoRuns.length} frame count${fifoRuns.length === 1 ? '' : 's'}`
        : `fifo (replay): the kernel's FIFO differs from the offline replay of its own reference string at frames ${differ.map((x) => x.frames).join(', ')}`,
    );
    if (soft.length > 0)
      lines.push(
        `  (the replay's count is of pages brought in: at frames ${soft.map((x) => x.frames).join(', ')} the kernel brought in pages ` +
          'for write without a page-fault trap, or refused a fault)',
      );
  }
  if (r.tlbRuns.length > 0) {
    if (lines[lines.length - 1] !== '') lines.push('');
    lines.push(`TLB sizes (frames ${r.tlbFrames}, ${r.tlbPolicy}):`, '');
    const trow = r.tlbRuns.map((run) => [
      run.tlb,
      `${(100 * run.tlbHitRate).toFixed(2)} %`,
      run.tlbMisses,
      run.walks,
      small(run.translationPerAccess),
      run.avgCyclesPerAccess.toFixed(3),
      run.pageFaults,
      run.cycles,
    ]);
    lines.push(
      renderTable(trow, {
        head: ['entries', 'hit rate', 'misses', 'walks', 'translation cycles/user access', 'cycles/load-store', 'page faults', 'cycles'],
      }),
      '',
      'translation cycles/user access: cycles charged for TLB misses and walks per user-space fetch, load or store',
      'cycles/load-store: average cost of a load or store, translation included (kernel ones too: --stats)',
    );
  }
  return lines.join('\n') + '\n';
}

/** The results for scripts: the grid by policy, the replays, the TLB runs, and every run. */
export function sweepJson(r: SweepResult): string {
  const { frames, policies } = r.spec;
  const fifoCol = policies.indexOf('fifo');
  const json = {
    programs: r.spec.programs,
    tlb: r.spec.tlb,
    frames,
    policies,
    faults: Object.fromEntries(policies.map((p, c) => [p, r.grid.map((row) => row[c]!.pageFaults)])),
    fifoReplay: r.spec.replay && fifoCol >= 0 ? r.grid.map((row) => row[fifoCol]!.replay?.faults ?? null) : null,
    tlbSweep:
      r.tlbRuns.length === 0
        ? null
        : {
            frames: r.tlbFrames,
            policy: r.tlbPolicy,
            sizes: r.tlbRuns.map((x) => x.tlb),
            hitRate: r.tlbRuns.map((x) => x.tlbHitRate),
            translationPerAccess: r.tlbRuns.map((x) => x.translationPerAccess),
            avgCyclesPerAccess: r.tlbRuns.map((x) => x.avgCyclesPerAccess),
          },
    runs: [...r.grid.flat(), ...r.tlbRuns.filter((x) => !r.grid.flat().includes(x))],
  };
  return JSON.stringify(json, null, 2).replace(/\[\s+([^[\]{}]*?)\s+\]/g, (_, inner: string) => `[${inner.split(/,\s+/).join(', ')}]`);
}

/** SVG charts: faults vs frames (a line per policy); with two or more TLB sizes, translation cost vs TLB size. */
export function sweepCharts(r: SweepResult): { faults: string; tlb?: string } {
  const faults = lineChart({
    title: `Page faults vs frames: ${names(r)}`,
    xLabel: 'frames',
    yLabel: 'page faults',
    series: r.spec.policies.map((p, c) => ({ name: p, points: r.spec.frames.map((f, i) => [f, r.grid[i]![c]!.pageFaults] as const) })),
  });
  if (r.tlbRuns.length < 2) return { faults };
  const tlb = lineChart({
    title: `Translation cost vs TLB size: ${names(r)} (frames ${r.tlbFrames}, ${r.tlbPolicy})`,
    xLabel: 'TLB entries',
    yLabel: 'translation cycles per user-space access',
    logX: true,
    series: [{ name: 'translation', points: [...r.tlbRuns].sort((a, b) => a.tlb - b.tlb).map((x) => [x.tlb, x.translationPerAccess] as const) }],
  });
  return { faults, tlb };
}
