// `vmlab asm FILE.s [-o FILE.vmx] [--listing]`: assemble one source file (and what it includes)
// into an executable. Diagnostics go to stderr in the assembler's 3-line form and nothing is
// written if there is any; the listing goes to stdout.

import path from 'node:path';
import type { Command } from 'commander';
import { formatListing } from '../asm/index.ts';
import { hex32, validateExecutable, writeExecutable } from '../exe/format.ts';
import { SegFlag, type Executable } from '../exe/types.ts';
import { UserError } from '../util/errors.ts';
import { writeFileChecked } from '../util/files.ts';
import { formatNumber } from '../util/table.ts';
import { assembleOrFail } from './load.ts';

export interface AsmOptions {
  output?: string;
  listing?: boolean;
}

export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
}

export const stdio: CliIO = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

/** FILE.vmx beside the source: `dir/prog.s` -> `dir/prog.vmx`, `prog` -> `prog.vmx`. */
export function defaultOutputPath(source: string): string {
  const ext = path.extname(source);
  return path.join(path.dirname(source), `${path.basename(source, ext)}.vmx`);
}

/** "entry 0x00001000; text 40 B, data 7 B, bss 260 B". */
function summary(exe: Executable): string {
  const segs = exe.segments.map((s) => `${s.name} ${formatNumber(s.memSize)} B`).join(', ');
  return `entry ${hex32(exe.entry)}; ${segs}`;
}

/** Assembles `file` and writes the executable; see the top of this file. */
export function runAsm(file: string, opts: AsmOptions, io: CliIO): void {
  const output = opts.output ?? defaultOutputPath(file);
  if (path.resolve(output) === path.resolve(file)) {
    throw new UserError(`${file}: the output would overwrite the source; choose another name with -o`);
  }
  const { exe, result } = assembleOrFail(file, io);
  if (!exe.segments.some((s) => (s.flags & SegFlag.X) !== 0)) {
    throw new UserError(`${file}: no instructions (an executable needs a text section); nothing written`);
  }
  const problem = validateExecutable(exe);
  if (problem !== undefined) throw new UserError(`${file}: cannot make an executable: ${problem}`);
  const bytes = writeExecutable(exe);
  writeFileChecked(output, bytes);
  if (opts.listing === true) {
    const text = formatListing(result.listing, exe.files[0]);
    io.out(text.endsWith('\n') ? text : `${text}\n`);
  }
  io.err(`vmlab: wrote ${output} (${formatNumber(bytes.length)} bytes): ${summary(exe)}\n`);
}

export function registerAsm(program: Command): void {
  program
    .command('asm')
    .description('assemble a source file into an executable (.vmx)')
    .argument('<file>', 'assembly source, e.g. prog.s')
    .option('-o, --output <file>', 'the executable to write (default: the source name with .vmx, beside it)')
    .option('--listing', 'print the listing (address, encoding, source line) to stdout')
    .addHelpText(
      'after',
      `
Examples:
  vmlab asm asm/examples/bare-hello.s              writes asm/examples/bare-hello.vmx
  vmlab asm prog.s -o /tmp/prog.vmx --listing      also prints the listing

Errors are printed as file:line:col: error: message, with the line and a caret;
nothing is written if there is any, and the exit status is 1.`,
    )
    .action((file: string, opts: AsmOptions) => runAsm(file, opts, stdio));
}
