// Shared by the study tests (trace, refs, stale TLB, sweep): small user programs assembled from
// text, kernel runs with the study outputs attached, and the kernel variant that forgets to
// invalidate the TLB when it evicts a page.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assembleSource, formatDiagnostic } from '../src/asm/index.ts';
import { machineConfig, type MachineOptionValues } from '../src/cli/machine-options.ts';
import type { Executable } from '../src/exe/types.ts';
import type { Tracer } from '../src/machine/tracer.ts';
import { bootKernel, defaultKernelPath, DEFAULT_KERNEL_OPTIONS, kernelExitCode, type BootedKernel, type KernelOptions } from '../src/os/boot.ts';
import type { MachineStats } from '../src/machine/stats.ts';
import type { ProcessInfo } from '../src/os/processes.ts';
import type { StopInfo } from '../src/machine/machine.ts';

export const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const USER_LIB = path.join(ROOT, 'asm/lib/user.s');

export interface Program {
  path: string;
  exe: Executable;
}

/** A user program from `body` (it may call the user library), named `name` in line maps. */
export function userProgram(name: string, body: string): Program {
  const r = assembleSource(`.include "${USER_LIB}"\n${body}`, name);
  if (r.exe === null) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
  return { path: name, exe: r.exe };
}

/** The line of `body` (1-based, in the file userProgram makes: the include is line 1) holding `marker`. */
export function lineOf(body: string, marker: string): number {
  const i = body.split('\n').findIndex((l) => l.includes(marker));
  if (i < 0) throw new Error(`no line with ${marker}`);
  return i + 2;
}

/** Address of a symbol of exe. */
export function symbol(exe: Executable, name: string): number {
  const s = exe.symbols.find((x) => x.name === name);
  if (s === undefined) throw new Error(`no symbol ${name}`);
  return s.value >>> 0;
}

/**
 * Touches PAGES pages of bss, one word each (load, add, store), PASSES times over, then exits 0.
 * Enough paging to make replacement matter with a few frames, quick to run.
 */
export function pagesProgram(pages = 10, passes = 3): Program {
  return userProgram(
    'pages.s',
    `
.text
_start:
    li   s1, ${passes}
.pass:
    la   t0, buf
    li   t1, ${pages}
.page:
    lw   t2, 0(t0)
    addi t2, t2, 1
    sw   t2, 0(t0)
    li   t3, 4096
    add  t0, t0, t3
    addi t1, t1, -1
    bnez t1, .page
    addi s1, s1, -1
    bnez s1, .pass
    li   a0, 0
    call exit
.bss
.align 4096
buf: .space ${pages} * 4096
`,
  );
}

export interface KernelRun {
  booted: BootedKernel;
  stop: StopInfo;
  exitCode: number;
  stats: MachineStats;
  processes: ProcessInfo[];
  out: string;
  err: string;
}

export interface KernelRunSetup {
  kernel?: Partial<KernelOptions>;
  machine?: MachineOptionValues;
  kernelExe?: Executable;
  /** Builds the tracer to attach (after boot, before the first instruction); null for none. */
  tracer?: (b: BootedKernel, err: (t: string) => void) => Tracer | null;
}

/** Boots the kernel with the programs, runs to the end, returns what happened. */
export function kernelRun(programs: Program[], setup: KernelRunSetup = {}): KernelRun {
  let out = '';
  let err = '';
  const errSink = (t: string) => {
    err += t;
  };
  const cfg = machineConfig({ maxCycles: 200_000_000, ...setup.machine });
  const booted = bootKernel(
    programs,
    { ...DEFAULT_KERNEL_OPTIONS, ...setup.kernel },
    cfg,
    { consoleOut: (b) => void (out += String.fromCharCode(b)), err: errSink },
    setup.kernelExe,
  );
  const m = booted.machine;
  const t = setup.tracer?.(booted, errSink) ?? null;
  if (t !== null) m.setTracer(t);
  let stop: StopInfo | null = null;
  while (stop === null) stop = m.run();
  const stats = m.stats();
  const processes = booted.tracker.finish(m.pageFaultsByAsid);
  stats.processes = processes;
  return { booted, stop, exitCode: kernelExitCode(stop), stats, processes, out, err };
}

/**
 * The kernel with the `tlbinv` of its eviction path (frames.s: the page leaving its frame)
 * replaced by a nop: the old translation stays in the TLB after the frame is given to another
 * page. Built from the kernel's own source text, so it follows the kernel as it changes.
 */
export function kernelWithoutEvictionTlbinv(): Executable {
  const kfile = defaultKernelPath();
  const framesFile = path.join(path.dirname(kfile), 'frames.s');
  const eviction = '    tlbinv t0\n    lw   a0, FT_PID(s1)';
  const readFile = (p: string) => {
    const text = readFileSync(p, 'utf8');
    if (path.resolve(p) !== framesFile) return text;
    if (!text.includes(eviction)) throw new Error('the eviction tlbinv of asm/kernel/frames.s is not where the test expects it');
    return text.replace(eviction, '    nop\n    lw   a0, FT_PID(s1)');
  };
  const k = assembleSource(readFileSync(kfile, 'utf8'), kfile, readFile);
  if (k.exe === null) throw new Error(k.diagnostics.map(formatDiagnostic).join('\n'));
  return k.exe;
}
