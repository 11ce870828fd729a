// `vmlab run PROGRAM... [options]`: run programs (.s assembled on the fly, or .vmx).
//
// A bare program — one program whose entry is in the kernel segment (0x80000000 and up) — is
// loaded at PA = vaddr - 0x80000000 and started in kernel mode at its entry, with no trap
// handler and interrupts off; `halt` ends it and a0 is the exit status. Programs whose entry
// is in user space run under the kernel: runUserPrograms() is that path's single entry point.

import type { Command } from 'commander';
import { KSEG_BASE } from '../arch/memmap.ts';
import { sourceLineAt, type Executable } from '../exe/types.ts';
import { Machine, type MachineConfig, type StopInfo } from '../machine/machine.ts';
import { formatStats, type MachineStats } from '../machine/stats.ts';
import { UserError } from '../util/errors.ts';
import { readFileChecked, writeFileChecked } from '../util/files.ts';
import { bareTraceSource, startStudy, type StudyOptionValues } from '../study/session.ts';
import { loadProgram } from './load.ts';
import { addMachineOptions, machineConfig, type MachineOptionValues } from './machine-options.ts';
import { addKernelOptions, runUserPrograms, type KernelOptionValues } from './kernel-options.ts';
import { checkOutputFile } from './options.ts';
import { addStudyOptions } from './study-options.ts';

export interface RunOptions extends MachineOptionValues, KernelOptionValues, StudyOptionValues {
  /** A file whose bytes the console's RX register returns, one per read. */
  input?: string;
}

/** Where a run writes: console output (bytes) and messages (text). Tests pass their own. */
export interface RunIO {
  out: (bytes: Uint8Array) => void;
  err: (text: string) => void;
}

export const runStdio: RunIO = {
  out: (b) => process.stdout.write(b),
  err: (t) => process.stderr.write(t),
};

/** Instructions per run() call: console output is flushed between calls. */
const CHUNK = 1 << 22;

/** Buffers the console's bytes so that a chatty program does not make one write per byte. */
export class ConsoleBuffer {
  private buf = new Uint8Array(1 << 16);
  private len = 0;
  /** The last byte written (-1: none yet), so a report can start on a fresh line. */
  last = -1;
  constructor(private readonly sink: (bytes: Uint8Array) => void) {}
  put(byte: number): void {
    if (this.len === this.buf.length) this.flush();
    this.buf[this.len++] = byte;
    this.last = byte;
  }
  flush(): void {
    if (this.len === 0) return;
    this.sink(this.buf.slice(0, this.len));
    this.len = 0;
  }
}

export function registerRun(program: Command): void {
  const cmd = program
    .command('run')
    .summary('run programs on the emulated machine')
    .description(
      'Run programs (.s files are assembled first).\n' +
        'One program linked at 0x80000000 or above runs bare: loaded at physical address\n' +
        'vaddr - 0x80000000, started in kernel mode, ended by halt (exit status a0).\n' +
        'Programs linked in user space run as processes under the kernel.',
    )
    .addHelpText(
      'after',
      '\nExit status: a bare program\'s halt status; under the kernel 0 when every process\n' +
        'exited 0, else 1 (2 if the kernel gave up at boot); 3 when the machine stopped (a trap\n' +
        'it could not deliver, a double fault, a deadlock); 4 at --max-cycles; 1 for bad\n' +
        'input; 2 for a bad command line.',
    )
    .argument('<programs...>', 'programs to run (.s or .vmx)')
    .option('--input <file>', "bytes for the console's RX register");
  addMachineOptions(cmd);
  addKernelOptions(cmd);
  addStudyOptions(cmd);
  cmd.action((files: string[], opts: RunOptions) => {
    process.exitCode = runCommand(files, opts, runStdio);
  });
}

/** `--stats-json -`: the statistics go to stdout, after the program's output. */
export const STATS_TO_STDOUT = '-';

/**
 * Checks, before anything runs, that every file the run will write (--stats-json, --refs,
 * --trace-out) can be written: a UserError `cannot write FILE: REASON` for the first that cannot,
 * so that a long run is not lost to a typo in an output path.
 */
export function checkRunOutputs(o: { statsJson?: string; refs?: string; traceOut?: string }): void {
  if (o.statsJson !== undefined && o.statsJson !== STATS_TO_STDOUT) checkOutputFile(o.statsJson);
  if (o.refs !== undefined) checkOutputFile(o.refs);
  if (o.traceOut !== undefined) checkOutputFile(o.traceOut);
}

/** The whole command; returns the exit status. Bad input is a UserError. */
export function runCommand(files: string[], opts: RunOptions, io: RunIO): number {
  const cfg = machineConfig(opts);
  checkRunOutputs(opts);
  const exes = files.map((f) => loadProgram(f, { err: io.err }));
  const bare = exes.map((e) => e.entry >>> 0 >= KSEG_BASE);
  if (bare.length === 1 && bare[0]) return runBare(files[0]!, exes[0]!, cfg, opts, io);
  const i = bare.indexOf(true);
  if (i >= 0)
    throw new UserError(
      `${files[i]}: a bare program (entry 0x${(exes[i]!.entry >>> 0).toString(16)}, in the kernel segment) must run alone, not with other programs`,
    );
  return runUserPrograms(files, exes, cfg, opts, io);
}

/** Run one bare program to its end; prints what the options ask for; returns the exit status. */
export function runBare(file: string, exe: Executable, cfg: MachineConfig, opts: RunOptions, io: RunIO): number {
  const consoleOut = new ConsoleBuffer(io.out);
  const m = new Machine(cfg, {
    consoleOut: (b) => consoleOut.put(b),
    ...(opts.input !== undefined ? { consoleIn: readFileChecked(opts.input) } : {}),
    describePc: (pc) => sourceLineAt(exe, pc),
  });
  const study = startStudy(opts, bareTraceSource(m, exe), io.err);
  if (study.tracer !== null) m.setTracer(study.tracer);
  try {
    m.loadImage(exe);
    let stop: StopInfo | null = null;
    while (stop === null) {
      stop = m.run(CHUNK);
      consoleOut.flush();
    }
    // Reports start on a line of their own even when the program's output did not end one.
    if (consoleOut.last >= 0 && consoleOut.last !== 10 && (stop.reason !== 'halt' || opts.stats === true)) io.err('\n');
    study.finish();
    reportStop(stop, file, io);
    writeStats(m.stats(), opts, io, consoleOut.last);
    return stop.exitCode;
  } finally {
    consoleOut.flush();
    study.finish();
    m.disk?.close();
  }
}

/** Says why the machine stopped, unless it simply halted. */
export function reportStop(stop: StopInfo, file: string, io: RunIO): void {
  if (stop.reason === 'halt') return;
  io.err(`vmlab: ${file}: ${stop.message}\n`);
}

/**
 * --stats (a table on stderr) and --stats-json FILE (`-`: stdout, through io.out, on a line of
 * its own: `consoleLast` is the last byte the program wrote there, -1 for none).
 */
export function writeStats(stats: MachineStats, opts: { stats?: boolean; statsJson?: string }, io: RunIO, consoleLast = -1): void {
  if (opts.stats === true) io.err(`${formatStats(stats)}\n`);
  if (opts.statsJson === undefined) return;
  const json = `${JSON.stringify(stats, null, 2)}\n`;
  if (opts.statsJson === STATS_TO_STDOUT) io.out(new TextEncoder().encode(`${consoleLast >= 0 && consoleLast !== 10 ? '\n' : ''}${json}`));
  else writeFileChecked(opts.statsJson, json);
}
