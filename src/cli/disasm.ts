// `vmlab disasm FILE`: print an executable as text — code as instructions with labels and
// source lines, data as a hex and ASCII dump. A source file is assembled first.

import type { Command } from 'commander';
import { disassemble } from '../disasm/index.ts';
import { stdio, type CliIO } from './asm.ts';
import { loadProgram } from './load.ts';

export interface DisasmOptions {
  symbols?: boolean;
}

export function runDisasm(file: string, opts: DisasmOptions, io: CliIO): void {
  const exe = loadProgram(file, io);
  io.out(disassemble(exe, { name: file, symbols: opts.symbols === true }));
}

export function registerDisasm(program: Command): void {
  program
    .command('disasm')
    .description('print the contents of an executable: code as instructions, data as a hex dump')
    .argument('<file>', 'an executable (.vmx), or an assembly source to assemble first')
    .option('--symbols', 'list the symbol table (labels and constants) in the heading')
    .addHelpText(
      'after',
      `
Examples:
  vmlab disasm prog.vmx
  vmlab disasm prog.s | less
  vmlab disasm --symbols prog.vmx

Each instruction line shows its address, its encoding and its source line (# file:line).`,
    )
    .action((file: string, opts: DisasmOptions) => runDisasm(file, opts, stdio));
}
