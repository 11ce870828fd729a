// `vmlab demo` (what `npm start` runs): three example programs at once under the kernel, in
// fewer frames than their pages, then the statistics table of `vmlab run --stats`. It is
// `vmlab run` with chosen programs and a smaller default for --frames, and a banner saying what
// runs with which options; every run option may override them. Everything goes to stdout, in
// order (the statistics and any kill message too), so that the show reads top to bottom.

import type { Command } from 'commander';
import path from 'node:path';
import { PAGE_SIZE } from '../arch/pte.ts';
import { defaultKernelPath } from '../os/boot.ts';
import { formatNumber } from '../util/table.ts';
import { addKernelOptions, kernelOptions, type KernelOptionValues } from './kernel-options.ts';
import { addMachineOptions, machineConfig, type MachineOptionValues } from './machine-options.ts';
import { runCommand, runStdio, type RunIO } from './run.ts';

/** The programs, from asm/examples/, with what the banner says of each (pid = index + 1). */
export const DEMO_PROGRAMS: readonly { file: string; what: string }[] = [
  { file: 'sum-large.s', what: 'fills a 1 MiB array (256 pages) and sums it' },
  { file: 'matmul.s', what: 'multiplies two 64x64 matrices (12 pages of matrices)' },
  { file: 'random-access.s', what: 'updates random words of a 512 KiB region (128 pages)' },
];

/** User frames unless --frames says otherwise: under a tenth of the programs' pages. */
export const DEMO_FRAMES = 32;

/** Pages the programs touch in all, about (their regions, code, data and stack included). */
const DEMO_PAGES = 400;

export interface DemoOptions extends MachineOptionValues, KernelOptionValues {}

export function registerDemo(program: Command): void {
  const cmd = program
    .command('demo')
    .summary('run three programs in less memory than they need, and show the statistics')
    .description(
      `Runs ${DEMO_PROGRAMS.map((p) => p.file).join(', ')} (from asm/examples/) at once under the ` +
        `demand-paging kernel, with ${DEMO_FRAMES} user frames for programs that touch about ${DEMO_PAGES} pages, then prints ` +
        'the statistics of vmlab run --stats: page faults per process, disk reads and writes, the TLB hit rate, ' +
        'user, kernel and idle cycles. The options are those of vmlab run: they change the machine or the kernel.',
    )
    .addHelpText(
      'after',
      `
Examples:
  vmlab demo --frames 16 --replace clock
  vmlab demo --tlb 8 --tlb-ways 2
  npm start -- --replace aging --disk-latency 5000

Exit status: that of vmlab run (0 when every program exited 0).`,
    );
  addMachineOptions(cmd, { stats: false });
  cmd.option('--stats-json <file>', "also write the statistics as JSON to this file ('-': stdout, at the end)");
  addKernelOptions(cmd);
  const frames = cmd.options.find((o) => o.long === '--frames');
  if (frames !== undefined) frames.description = `physical frames for user pages, at least 2 (default: ${DEMO_FRAMES})`;
  cmd.action((opts: DemoOptions & { statsJson?: string }) => {
    process.exitCode = runDemo(opts, runStdio);
  });
}

/** The directory of the example programs (beside asm/kernel/, found from this module). */
export function examplesDir(): string {
  return path.join(path.dirname(path.dirname(defaultKernelPath())), 'examples');
}

/** A path as the user would type it from here: relative when under the current directory. */
function shortPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

/**
 * Runs the demo: banner, the programs' output, the statistics table, all through io.out (the
 * table and messages included). Returns the exit status of the run. Bad options are a
 * UserError, as for `vmlab run`.
 */
export function runDemo(opts: DemoOptions & { statsJson?: string }, io: RunIO): number {
  const o: DemoOptions & { statsJson?: string; stats: boolean } = { ...opts, frames: opts.frames ?? DEMO_FRAMES, stats: true };
  const files = DEMO_PROGRAMS.map((p) => shortPath(path.join(examplesDir(), p.file)));
  const text = (t: string) => io.out(new TextEncoder().encode(t));
  text(banner(o));
  text('\n--- the programs\' output\n');
  // Messages are passed on as they come, except the last one: runCommand writes the
  // statistics last, and they get a heading of their own.
  let last = 10;
  let pending: string | null = null;
  const flush = () => {
    if (pending === null) return;
    text(pending);
    if (pending.length > 0) last = pending.charCodeAt(pending.length - 1);
    pending = null;
  };
  const status = runCommand(files, o, {
    out: (b) => {
      flush();
      if (b.length > 0) last = b[b.length - 1]!;
      io.out(b);
    },
    err: (t) => {
      flush();
      pending = t;
    },
  });
  if (pending !== null) {
    text(`${last === 10 ? '' : '\n'}\n--- statistics (the table of vmlab run --stats)\n`);
    flush();
  }
  text(
    '\nHow to read it: a page fault is an access to a page that was not in memory; disk reads bring\n' +
      'pages in (from the executable or from swap) and disk writes send dirty pages out to swap; idle\n' +
      'cycles are time with nothing to run, every program waiting for the disk.\n',
  );
  return status;
}

/** What runs, and with which machine and kernel options (after the defaults are filled in). */
function banner(o: DemoOptions): string {
  const k = kernelOptions(o);
  const cfg = machineConfig(o);
  const t = cfg.tlb;
  const tlb =
    t === null
      ? 'no TLB (every access walks)'
      : `TLB ${t.entries} entries${cfg.tlbSplit ? ' (split I/D)' : ''}, ${t.ways === t.entries ? 'fully associative' : t.ways === 1 ? 'direct-mapped' : `${t.ways}-way`}, ${t.policy}`;
  const width = Math.max(...DEMO_PROGRAMS.map((p) => p.file.length));
  const count = ['no', 'one', 'two', 'three', 'four', 'five'][DEMO_PROGRAMS.length] ?? String(DEMO_PROGRAMS.length);
  const short = k.frames < DEMO_PAGES;
  const lines = [
    `vmlab demo: ${count} programs at once under the demand-paging kernel, ${short ? 'in less memory than they need' : 'with room for all their pages'}`,
    '',
    ...DEMO_PROGRAMS.map((p, i) => `  pid ${i + 1}  ${p.file.padEnd(width)}  ${p.what}`),
    '',
    `They share ${formatNumber(k.frames)} frames (${formatNumber((k.frames * PAGE_SIZE) / 1024)} KiB) for about ${DEMO_PAGES} pages` +
      (short ? ', so the kernel pages to and from the disk.' : '.'),
    `  kernel   --frames ${k.frames} --replace ${k.replace} --quantum ${k.quantum}`,
    `  machine  ${tlb}; ${cfg.geometry.length}-level page tables; disk latency ${formatNumber(cfg.timing.diskLatency)} cycles` +
      (cfg.maxCycles > 0 ? `; --max-cycles ${cfg.maxCycles}` : ''),
    'Change any of it: npm start -- --frames 16 --replace clock (vmlab demo --help lists the options).',
  ];
  return `${lines.join('\n')}\n`;
}
