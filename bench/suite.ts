// `npm run bench`: the benny suite — the interpreter on every bench workload (paging on, off and
// with no TLB; bench/cpu.bench.ts) and the assembler (bench/asm.bench.ts). Each suite's JSON
// and benny's HTML chart are saved under bench/results/ as
//   DATE_node-VERSION_CPU-MODEL-cpu.{json,chart.html}   (and -asm for the assembler)
// with the CPU model lower-cased and every run of other characters made one '-'. Takes about
// a minute; bin/build.mjs bundles this file as dist/bench-suite.js.

import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { benchAssembler } from './asm.bench.ts';
import { benchCpu } from './cpu.bench.ts';

/** A file-name-safe form of `s`: lower case, [a-z0-9.] kept, other runs become '-'. */
export function sanitise(s: string): string {
  return s.toLowerCase().replace(/\(r\)|\(tm\)/g, '').replace(/[^a-z0-9.]+/g, '-').replace(/^-+|-+$/g, '') || 'unknown';
}

/** The stem of this run's result files: date, Node version, CPU model. */
export function resultStem(date = new Date()): string {
  const cpu = cpus()[0]?.model ?? 'unknown-cpu';
  return `${date.toISOString().slice(0, 10)}_node-${process.versions.node}_${sanitise(cpu)}`;
}

/** bench/results, found from this module (bench/ in the source tree, dist/ in the bundle). */
function resultsDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const root of [path.dirname(here), here]) if (existsSync(path.join(root, 'bench'))) return path.join(root, 'bench', 'results');
  return path.join(process.cwd(), 'bench', 'results');
}

async function main(): Promise<void> {
  const folder = resultsDir();
  const stem = resultStem();
  const load = loadavg().map((l) => l.toFixed(2)).join(' ');
  process.stdout.write(`vmlab bench suite: Node ${process.versions.node}, ${cpus()[0]?.model ?? 'unknown CPU'} x ${cpus().length}, load average ${load}\n`);
  await benchCpu({ folder, file: `${stem}-cpu` });
  await benchAssembler({ folder, file: `${stem}-asm` });
  process.stdout.write(`results: ${path.relative(process.cwd(), folder)}/${stem}-{cpu,asm}.{json,chart.html}\n`);
}

await main();
