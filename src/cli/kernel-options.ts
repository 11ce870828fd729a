// `vmlab run` with user programs: the kernel's options, and the run itself (boot the kernel
// with the programs, run to the end, report). run.ts calls runUserPrograms for every run whose
// programs are linked in user space; the kernel side lives in src/os/.

import { Option, type Command } from 'commander';
import { ReplacePolicy, type ReplacePolicyName } from '../arch/memmap.ts';
import type { Executable } from '../exe/types.ts';
import type { MachineConfig, StopInfo } from '../machine/machine.ts';
import { MAX_SWAP_BLOCKS } from '../os/disk-image.ts';
import { bootKernel, DEFAULT_KERNEL_OPTIONS, kernelExitCode, type KernelOptions } from '../os/boot.ts';
import { KernelHalt } from '../arch/memmap.ts';
import { readFileChecked } from '../util/files.ts';
import { checkStudyOptions, kernelTraceSource, startStudy, type StudyOptionValues, type StudySession } from '../study/session.ts';
import { loadProgram } from './load.ts';
import { parseIntOption } from './options.ts';
import { ConsoleBuffer, writeStats, type RunIO } from './run.ts';

/** The parsed values (commander's camelCase keys). */
export interface KernelOptionValues {
  frames?: number;
  replace?: string;
  kernel?: string;
  kernelFrames?: number;
  quantum?: number;
  swapBlocks?: number;
  stackPages?: number;
  heapPages?: number;
  checkKernel?: boolean;
}

const POLICIES = Object.keys(ReplacePolicy) as ReplacePolicyName[];

/** Declares the kernel's options on `cmd` (they apply when the programs run under the kernel). */
export function addKernelOptions(cmd: Command): Command {
  const d = DEFAULT_KERNEL_OPTIONS;
  return cmd
    .option('--frames <n>', `physical frames for user pages, at least 2 (default: ${d.frames})`, parseIntOption('--frames', 2, 1 << 19))
    .addOption(new Option('--replace <policy>', `page replacement policy (default: ${d.replace})`).choices(POLICIES))
    .option('--kernel <file>', 'run this kernel (.s or .vmx) instead of asm/kernel/kernel.s')
    .option(
      '--kernel-frames <n>',
      "frames for the kernel's tables and page tables (default: enough for the programs)",
      parseIntOption('--kernel-frames', 1, 1 << 19),
    )
    .option('--quantum <cycles>', `time slice (default: ${d.quantum})`, parseIntOption('--quantum', 1, 0x7fffffff))
    .option('--swap-blocks <n>', `swap area in 4 KiB blocks (default: ${d.swapBlocks})`, parseIntOption('--swap-blocks', 0, MAX_SWAP_BLOCKS))
    .option('--stack-pages <n>', `stack limit per process, in pages (default: ${d.stackPages})`, parseIntOption('--stack-pages', 1, 1 << 18))
    .option('--heap-pages <n>', `heap limit per process, in pages (default: ${d.heapPages})`, parseIntOption('--heap-pages', 0, 1 << 19))
    .option('--check-kernel', "check the kernel's page tables after every serviced page fault; stop at the first violation");
}

/** The KernelOptions the parsed values give (defaults filled in). */
export function kernelOptions(v: KernelOptionValues): KernelOptions {
  const d = DEFAULT_KERNEL_OPTIONS;
  const o: KernelOptions = {
    frames: v.frames ?? d.frames,
    replace: (v.replace ?? d.replace) as ReplacePolicyName,
    quantum: v.quantum ?? d.quantum,
    swapBlocks: v.swapBlocks ?? d.swapBlocks,
    stackPages: v.stackPages ?? d.stackPages,
    heapPages: v.heapPages ?? d.heapPages,
  };
  if (v.kernel !== undefined) o.kernel = v.kernel;
  if (v.kernelFrames !== undefined) o.kernelFrames = v.kernelFrames;
  if (v.checkKernel === true) o.checkKernel = true;
  return o;
}

/** Instructions per run() call: console output is flushed between calls. */
const CHUNK = 1 << 22;

/**
 * Runs user programs as processes under the kernel; returns the exit status: 0 when every
 * process exited 0, 1 when one did not (it exited non-zero, or the kernel ended it: the
 * message is on stderr), 2 when the kernel gave up at boot, 3 or more when the machine
 * stopped (double fault, deadlock: a kernel bug; 4: --max-cycles reached).
 */
export function runUserPrograms(
  files: readonly string[],
  exes: readonly Executable[],
  cfg: MachineConfig,
  opts: KernelOptionValues & StudyOptionValues & { input?: string; stats?: boolean; statsJson?: string },
  io: RunIO,
): number {
  const kopts = kernelOptions(opts);
  checkStudyOptions(opts);
  const out = new ConsoleBuffer(io.out);
  const kernel = kopts.kernel === undefined ? undefined : loadProgram(kopts.kernel, { err: io.err });
  const programs = files.map((path, i) => ({ path, exe: exes[i]! }));
  let study: StudySession | null = null;
  const booted = bootKernel(
    programs,
    kopts,
    cfg,
    {
      consoleOut: (b) => out.put(b),
      flush: () => {
        out.flush();
        study?.flush();
      },
      err: io.err,
      ...(opts.input !== undefined ? { consoleIn: readFileChecked(opts.input) } : {}),
    },
    kernel,
  );
  const m = booted.machine;
  // --trace, --refs, --check-tlb: their tracers see the run from its first instruction.
  study = startStudy(opts, kernelTraceSource(booted), io.err);
  if (study.tracer !== null) m.setTracer(study.tracer);
  let stop: StopInfo | null = null;
  try {
    while (stop === null) {
      stop = m.run(CHUNK);
      out.flush();
    }
  } finally {
    out.flush();
    study.finish();
    m.disk?.close();
  }
  const code = kernelExitCode(stop);
  if (stop.reason !== 'halt') io.err(`vmlab: ${stop.message}\n`);
  else if (code === KernelHalt.PANIC) io.err('vmlab: the kernel gave up at boot (its message is above)\n');
  // A violation was the stop message above; otherwise say how much was checked.
  if (booted.checker !== null && booted.checker.failure === null) io.err(`vmlab: ${booted.checker.summary()}\n`);
  const stats = m.stats();
  stats.processes = booted.tracker.finish(m.pageFaultsByAsid);
  writeStats(stats, opts, io, out.last);
  return code;
}
