// One word -> one line of assembly, in the syntax the assembler reads back:
//
//   R   add rd, rs1, rs2            L   lw rd, imm(rs1)          U   lui rd, imm
//   I   addi rd, rs1, imm           S   sw rs2, imm(rs1)         N   syscall
//   B   beq rs1, rs2, TARGET        J   jal rd, TARGET           CR  csrr rd, CSRNAME
//   CW  csrw CSRNAME, rs1           R1  tlbinv rs1               RD  rdcycle rd
//
// Registers by their preferred names (REG_NAMES). Sign-extended immediates in decimal;
// zero-extended ones in decimal below 10 and in hex above. A branch or jump TARGET is the
// absolute address with the nearest symbol (`0x00001010 <loop+0x4>`), or, with numericTargets,
// an offset from the instruction itself (`. + 12`, `. - 8`, `.`) that reassembles to the same
// word at any address. Every word the CPU would reject — an unknown opcode, a must-be-zero bit
// set, a shift above 31, an unknown control register, a write to a read-only one — comes out
// as `.word 0x........`, which also reassembles to itself.

import { CSR_NAME, CSR_READ_ONLY } from '../arch/csr.ts';
import { decode, type InstrDef, type Fields } from '../arch/isa.ts';
import { REG_NAMES } from '../arch/registers.ts';
import { hex32 } from '../exe/format.ts';
import type { Executable } from '../exe/types.ts';
import { symbolIndex } from './symbols.ts';

export interface DisasmWordOptions {
  /** Print branch and jump targets as `. + off` (relative to the instruction), not as addresses. */
  numericTargets?: boolean;
}

/** `0x0000100c`: addresses and words, always eight digits. */
export const hexWord = hex32;

function reg(n: number): string {
  return REG_NAMES[n]!;
}

/** A zero-extended 16-bit immediate: small ones read better in decimal, masks in hex. */
function uimm(n: number): string {
  return n < 10 ? String(n) : `0x${n.toString(16)}`;
}

function immText(d: InstrDef, imm: number): string {
  return d.imm === 'u16' ? uimm(imm) : String(imm);
}

/** The CSR's name if the instruction may use it: any known CSR for csrr, a writable one for csrw. */
function csrName(n: number, write: boolean): string | undefined {
  if (write && CSR_READ_ONLY.has(n)) return undefined;
  return CSR_NAME.get(n);
}

function target(pc: number, words: number, exe: Executable | undefined, numeric: boolean): string {
  if (numeric) {
    const rel = words * 4;
    return rel === 0 ? '.' : rel > 0 ? `. + ${rel}` : `. - ${-rel}`;
  }
  const t = (pc + words * 4) >>> 0;
  const sym = exe === undefined ? undefined : symbolIndex(exe).describe(t);
  return sym === undefined ? hexWord(t) : `${hexWord(t)} <${sym}>`;
}

/** The operand list of a decoded instruction, or undefined if the word is not a valid one. */
function operands(d: InstrDef, f: Fields, pc: number, exe: Executable | undefined, numeric: boolean): string | undefined {
  switch (d.format) {
    case 'R':
      return `${reg(f.rd)}, ${reg(f.rs1)}, ${reg(f.rs2)}`;
    case 'I':
      return `${reg(f.rd)}, ${reg(f.rs1)}, ${immText(d, f.imm)}`;
    case 'L':
      return `${reg(f.rd)}, ${f.imm}(${reg(f.rs1)})`;
    case 'S':
      return `${reg(f.rs2)}, ${f.imm}(${reg(f.rs1)})`;
    case 'B':
      return `${reg(f.rs1)}, ${reg(f.rs2)}, ${target(pc, f.imm, exe, numeric)}`;
    case 'J':
      return `${reg(f.rd)}, ${target(pc, f.imm, exe, numeric)}`;
    case 'U':
      return `${reg(f.rd)}, ${uimm(f.imm)}`;
    case 'CR': {
      const name = csrName(f.imm, false);
      return name === undefined ? undefined : `${reg(f.rd)}, ${name}`;
    }
    case 'CW': {
      const name = csrName(f.imm, true);
      return name === undefined ? undefined : `${name}, ${reg(f.rs1)}`;
    }
    case 'R1':
      return reg(f.rs1);
    case 'RD':
      return reg(f.rd);
    case 'N':
      return '';
  }
}

/**
 * The instruction `word` at address `pc` as assembly text (see the top of this file), or
 * `.word 0x........` for a word the CPU would treat as illegal. Never throws; any number is
 * taken modulo 2^32. With `exe`, branch and jump targets are named by its symbols.
 */
export function disassembleWord(word: number, pc: number, exe?: Executable, opts?: DisasmWordOptions): string {
  const w = word >>> 0;
  const dec = decode(w);
  if (dec !== undefined) {
    const ops = operands(dec.def, dec.fields, pc >>> 0, exe, opts?.numericTargets === true);
    if (ops !== undefined) return ops === '' ? dec.def.mnemonic : `${dec.def.mnemonic} ${ops}`;
  }
  return `.word ${hexWord(w)}`;
}

/** True if the CPU would execute `word` (decode() accepts it and its CSR, if any, is usable). */
export function isValidInstruction(word: number): boolean {
  return !disassembleWord(word, 0).startsWith('.word');
}
