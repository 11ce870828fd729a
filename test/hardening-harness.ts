// Shared by the hardening tests (hostile, soak, fuzz-cpu): assembling the example and hostile
// programs once, and running programs under the kernel in process with their console output,
// messages and per-process results captured.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MonitorEvent } from '../src/arch/memmap.ts';
import { assembleSource, formatDiagnostic } from '../src/asm/index.ts';
import { machineConfig, type MachineOptionValues } from '../src/cli/machine-options.ts';
import type { Executable } from '../src/exe/types.ts';
import type { Machine, StopInfo } from '../src/machine/machine.ts';
import { bootKernel, DEFAULT_KERNEL_OPTIONS, kernelExitCode, type KernelOptions, type KernelRunResult } from '../src/os/boot.ts';

export const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const EXAMPLES = path.join(ROOT, 'asm/examples');
export const HOSTILE = path.join(ROOT, 'asm/tests/hostile');
/** VMLAB_LONG=1: the long runs (full-size programs, every configuration, many fuzz cases). */
export const LONG = process.env.VMLAB_LONG === '1';
/** The time limit of a test that does more under VMLAB_LONG=1: three hours then, a minute otherwise. */
export const TIMEOUT = LONG ? 3 * 3_600_000 : 60_000;

export interface Program {
  /** As it would be named on the command line (relative to the repository). */
  path: string;
  exe: Executable;
}

const cache = new Map<string, Program>();

/**
 * The program in `file` (absolute, or relative to the repository), assembled once. `edit`
 * rewrites the source first (a smaller size, say); each distinct edit is its own program.
 */
export function program(file: string, edit?: (source: string) => string): Program {
  const abs = path.isAbsolute(file) ? file : path.join(ROOT, file);
  const key = `${abs}\0${edit?.toString() ?? ''}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const text = readFileSync(abs, 'utf8');
  const r = assembleSource(edit === undefined ? text : edit(text), abs);
  if (r.exe === null) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
  const p = { path: path.relative(ROOT, abs), exe: r.exe };
  cache.set(key, p);
  return p;
}

/**
 * asm/examples/integrity.s with PAGES pages instead of 256: the same passes and checks, smaller
 * (and faster) for the many runs of the normal test suite. Output: "bad words: N".
 */
export function integrity(pages = 256): Program {
  const full = '.equ PAGES, 256';
  return program(path.join(EXAMPLES, 'integrity.s'), (text) => {
    if (!text.includes(full)) throw new Error(`integrity.s no longer says '${full}'`);
    return pages === 256 ? text : text.replace(full, `.equ PAGES, ${pages}`);
  });
}

export interface KernelRun extends KernelRunResult {
  /** Console output (latin1). */
  out: string;
  /** Kill messages and the like, as the CLI would print them (without the final stop line). */
  err: string;
}

export interface RunSetup {
  kernel?: Partial<KernelOptions>;
  machine?: MachineOptionValues;
  kernelExe?: Executable;
  /** Sees the machine once it is booted, before the first instruction. */
  beforeRun?: (m: Machine) => void;
  /** Stop the run after this many instructions (default 1e9). */
  maxInstructions?: number;
  /** Sees every byte written to the console (as well as the run's `out`). */
  consoleOut?: (byte: number) => void;
  /** Sees every monitor event the kernel reports, with the machine. */
  monitor?: (m: Machine, ev: number, a0: number, a1: number, a2: number, a3: number) => void;
}

/**
 * Runs `programs` under the kernel, in process. --check-kernel is on unless setup.kernel says
 * otherwise. Two guards against a run that never ends: a cycle limit (2e9 unless
 * setup.machine says otherwise) and an instruction budget (setup.maxInstructions, default
 * 1e9), past which the run is stopped ('stopped', "instruction budget spent").
 */
export function runKernel(programs: readonly Program[], setup: RunSetup = {}): KernelRun {
  let out = '';
  let err = '';
  let machine: Machine | null = null;
  const onEvent = setup.monitor;
  const onByte = setup.consoleOut;
  const cfg = machineConfig({ maxCycles: 2_000_000_000, ...setup.machine });
  const booted = bootKernel(
    programs,
    { ...DEFAULT_KERNEL_OPTIONS, checkKernel: true, ...setup.kernel },
    cfg,
    {
      consoleOut: (b) => {
        out += String.fromCharCode(b);
        onByte?.(b);
      },
      err: (t) => {
        err += t;
      },
      ...(onEvent === undefined ? {} : { monitor: (ev: number, a0: number, a1: number, a2: number, a3: number) => onEvent(machine!, ev, a0, a1, a2, a3) }),
    },
    setup.kernelExe,
  );
  const m = booted.machine;
  machine = m;
  setup.beforeRun?.(m);
  const budget = setup.maxInstructions ?? 1e9;
  let stop: StopInfo | null = null;
  while (stop === null) {
    stop = m.run(CHUNK);
    if (stop === null && m.instret >= budget) m.requestStop('instruction budget spent');
  }
  const stats = m.stats();
  const processes = booted.tracker.finish(m.pageFaultsByAsid);
  stats.processes = processes;
  return { stop, exitCode: kernelExitCode(stop), stats, processes, machine: m, checker: booted.checker, out, err };
}

/** Instructions per m.run() call between checks of the budget. */
const CHUNK = 1 << 22;

/**
 * A monitor hook that stops the machine once every process but those in `endless` has ended
 * (exited, killed or failed): how a test ends a run that a hostile program would keep going.
 */
export function stopWhenOthersEnd(count: number, endless: readonly number[]): RunSetup['monitor'] {
  const ended = new Set<number>();
  return (m, ev, a0) => {
    if (ev !== MonitorEvent.PROC_EXIT && ev !== MonitorEvent.PROC_KILL && ev !== MonitorEvent.PROC_FAIL) return;
    ended.add(a0);
    let left = 0;
    for (let pid = 1; pid <= count; pid++) if (!ended.has(pid) && !endless.includes(pid)) left++;
    if (left === 0) m.requestStop('every process but the endless ones has ended');
  };
}

/** "bad words: N" lines of a run's output, as numbers (integrity prints one per process). */
export function badWordCounts(out: string): number[] {
  return [...out.matchAll(/bad words: (\d+)\n/g)].map((m) => Number(m[1]));
}
