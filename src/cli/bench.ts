// `vmlab bench [--workload seq|randc|all] [--seconds S] [--json]`: the interpreter's speed on
// the workloads of src/bench/workloads.ts, paging on and off, in MIPS and translations per
// second. With one workload --json prints one object; with all, an array of them.

import { InvalidArgumentError, type Command } from 'commander';
import { WORKLOADS, benchWorkload, isWorkload, type BenchResult, type WorkloadName } from '../bench/workloads.ts';
import { formatNumber, renderTable } from '../util/table.ts';

export interface BenchOptions {
  workload?: string;
  seconds?: number;
  json?: boolean;
}

export interface BenchIO {
  out: (text: string) => void;
  err: (text: string) => void;
}

function parseSeconds(text: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v < 0.05 || v > 600)
    throw new InvalidArgumentError(`--seconds must be a number from 0.05 to 600, got '${text}'`);
  return v;
}

function parseWorkload(text: string): string {
  if (text !== 'all' && !isWorkload(text))
    throw new InvalidArgumentError(`--workload must be one of ${[...WORKLOADS, 'all'].join(', ')}, got '${text}'`);
  return text;
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .summary("measure the interpreter's speed")
    .description(
      'Run the benchmark loops (asm/bench/*.s) with paging on (user mode, 64-entry TLB) and off (kernel\n' +
        'segment) and print MIPS (per CPU second), TLB lookups per second and the on/off ratio.\n' +
        '  seq    lw/add/sw over a 1 MiB array (one TLB miss per 1024 words)\n' +
        '  randc  random words over 64 MiB mapped onto 256 KiB (a TLB miss almost every load)',
    )
    .option('--workload <name>', `${WORKLOADS.join(', ')} or all (default: all)`, parseWorkload)
    .option('--seconds <s>', 'CPU seconds per measurement (default: 1)', parseSeconds)
    .option('--json', 'print JSON instead of a table')
    .action((opts: BenchOptions) => {
      runBench(opts, { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) });
    });
}

export function runBench(opts: BenchOptions, io: BenchIO): BenchResult[] {
  const names: WorkloadName[] = opts.workload === undefined || opts.workload === 'all' ? [...WORKLOADS] : [opts.workload as WorkloadName];
  const results: BenchResult[] = [];
  for (const name of names) {
    if (!opts.json) io.err(`measuring ${name}...\n`);
    results.push(benchWorkload(name, opts.seconds ?? 1));
  }
  if (opts.json) {
    io.out(`${JSON.stringify(results.length === 1 ? results[0] : results, null, 2)}\n`);
  } else {
    const rows = results.map((r) => [
      r.workload,
      r.mips.toFixed(1),
      (r.translationsPerSecond / 1e6).toFixed(1),
      `${(100 * r.tlbHitRate).toFixed(2)} %`,
      r.pagingOffMips.toFixed(1),
      r.ratio.toFixed(2),
    ]);
    io.out(
      `${renderTable(rows, { head: ['workload', 'MIPS', 'M lookups/s', 'TLB hit rate', 'MIPS paging off', 'on/off'] })}\n` +
        results.map((r) => `${r.workload}: ${r.description}; ${formatNumber(r.instructions)} instructions in ${r.seconds.toFixed(2)} CPU s\n`).join(''),
    );
  }
  return results;
}
