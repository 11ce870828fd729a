// The `vmlab` command line: builds the commander program from the command modules and runs it
// through the one error handler (errors.ts). bin/vmlab.js runs the esbuild bundle of this file.
//
// To add a command: write src/cli/NAME.ts exporting `registerNAME(program: Command)` that calls
// program.command(...), then add one import and one entry to COMMANDS below. Actions report
// bad input by throwing UserError; an action that succeeds but needs a non-zero exit status
// (a program that failed) sets process.exitCode.

import { Command } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { registerAsm } from './asm.ts';
import { registerBench } from './bench.ts';
import { registerDebug } from './debug.ts';
import { registerDemo } from './demo.ts';
import { registerDisasm } from './disasm.ts';
import { runCli } from './errors.ts';
import { registerReplay } from './replay.ts';
import { registerRun } from './run.ts';
import { registerSweep } from './sweep.ts';

/** Every command, in the order `vmlab --help` lists them. */
const COMMANDS: readonly ((program: Command) => void)[] = [
  registerAsm,
  registerDisasm,
  registerRun,
  registerReplay,
  registerSweep,
  registerDebug,
  registerBench,
  registerDemo,
];

function buildProgram(): Command {
  const program = new Command('vmlab')
    .description('A cycle-level emulator of a toy 32-bit machine with an MMU, a TLB and a demand-paging kernel.')
    .version(pkg.version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .addHelpText(
      'after',
      `
Exit status: 0 on success, 1 for bad input or a failed program, 2 for a bad command line,
70 for an internal error (VMLAB_DEBUG=1 prints its stack).
Every command takes --help (vmlab asm --help). The machine is described in asm/README.md,
the tool in README.md.`,
    );
  for (const register of COMMANDS) register(program);
  return program;
}

// `vmlab disasm x.vmx | head` closes the pipe early: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  process.stderr.write(`vmlab: cannot write the output: ${e.message}\n`);
  process.exit(1);
});

const status = await runCli(buildProgram(), process.argv);
if (status !== 0) process.exitCode = status;
