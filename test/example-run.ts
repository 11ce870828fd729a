// Running the example programs in process for the tests: through `vmlab run`'s own entry point
// (runCommand, with its console output and messages captured), or straight through the
// kernel's loader (runWithKernel) when a test wants the per-process figures without a file.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assembleFile, formatDiagnostic } from '../src/asm/index.ts';
import { machineConfig, type MachineOptionValues } from '../src/cli/machine-options.ts';
import { runCommand, type RunOptions } from '../src/cli/run.ts';
import type { Executable } from '../src/exe/types.ts';
import type { MachineStats } from '../src/machine/stats.ts';
import { DEFAULT_KERNEL_OPTIONS, runWithKernel, type KernelOptions, type KernelRunResult } from '../src/os/boot.ts';
import type { ProcessInfo } from '../src/os/processes.ts';

export const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const EXAMPLES = path.join(ROOT, 'asm', 'examples');

/** The path of asm/examples/NAME. */
export function example(name: string): string {
  return path.join(EXAMPLES, name);
}

export interface Captured {
  status: number;
  /** Console output (bytes as latin1: the examples print ASCII). */
  out: string;
  /** vmlab's messages. */
  err: string;
}

/** `vmlab run FILES... [opts]` in process. */
export function runExample(files: readonly string[], opts: RunOptions = {}): Captured {
  let out = '';
  let err = '';
  const status = runCommand([...files], opts, {
    out: (b) => {
      out += Buffer.from(b).toString('latin1');
    },
    err: (t) => {
      err += t;
    },
  });
  return { status, out, err };
}

export interface StatsJson extends MachineStats {
  processes: ProcessInfo[];
}

/** The same, with the statistics it writes with --stats-json. */
export function runExampleWithStats(files: readonly string[], opts: RunOptions = {}): Captured & { stats: StatsJson } {
  const dir = mkdtempSync(path.join(tmpdir(), 'vmlab-examples-'));
  try {
    const json = path.join(dir, 'stats.json');
    const r = runExample(files, { ...opts, statsJson: json });
    return { ...r, stats: JSON.parse(readFileSync(json, 'utf8')) as StatsJson };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const assembled = new Map<string, Executable>();

/** asm/examples/NAME assembled (once per test file). */
export function exampleExe(name: string): { path: string; exe: Executable } {
  let exe = assembled.get(name);
  if (exe === undefined) {
    const r = assembleFile(example(name));
    if (r.exe === null) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
    exe = r.exe;
    assembled.set(name, exe);
  }
  return { path: name, exe };
}

export interface KernelRun extends KernelRunResult, Captured {}

/**
 * Runs examples (by name) under the kernel through the loader, capturing console output and
 * messages; `status` is the CLI's exit status.
 */
export function runUnderKernel(names: readonly string[], kernel: Partial<KernelOptions>, machine: MachineOptionValues = {}): KernelRun {
  let out = '';
  let err = '';
  const r = runWithKernel(names.map(exampleExe), { ...DEFAULT_KERNEL_OPTIONS, ...kernel }, machineConfig(machine), {
    consoleOut: (b) => {
      out += String.fromCharCode(b);
    },
    err: (t) => {
      err += t;
    },
  });
  return { ...r, status: r.exitCode, out, err };
}
