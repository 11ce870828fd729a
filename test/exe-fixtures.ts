// Hand-built executables for the exe, disasm and cli tests (they do not need the assembler).

import { BY_MNEMONIC, encode, type Fields } from '../src/arch/isa.ts';
import { Csr } from '../src/arch/csr.ts';
import { regNumber } from '../src/arch/registers.ts';
import { SegFlag, SymbolKind, type Executable } from '../src/exe/types.ts';

/** The word for `mnemonic` with the given fields (registers by name). */
export function ins(mnemonic: string, f: { rd?: string; rs1?: string; rs2?: string; imm?: number } = {}): number {
  const d = BY_MNEMONIC.get(mnemonic);
  if (d === undefined) throw new Error(`no instruction ${mnemonic}`);
  const r = (n: string | undefined) => (n === undefined ? 0 : regNumber(n)!);
  const fields: Fields = { rd: r(f.rd), rs1: r(f.rs1), rs2: r(f.rs2), imm: f.imm ?? 0 };
  return encode(d, fields);
}

export function wordsToBytes(words: readonly number[]): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  const dv = new DataView(out.buffer);
  words.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
  return out;
}

/**
 * A small program in three segments:
 *   0x1000 _start: addi a0, zero, 5          prog.s:3
 *   0x1004 loop:   addi a0, a0, -1           prog.s:4
 *   0x1008         bne a0, zero, loop        prog.s:5
 *   0x100c         lui a1, 0                 prog.s:6   (la a1, msg)
 *   0x1010         ori a1, a1, 0x2000        prog.s:6
 *   0x1014         jal lr, func              prog.s:7
 *   0x1018         csrr t0, CYCLE            prog.s:8
 *   0x101c         halt                      prog.s:9
 *   0x1020         .word 0                   prog.s:10
 *   0x1024 func:   jalr zero, lr, 0          lib.s:2
 *   0x2000 msg:    "hello\n\0"               prog.s:13
 *   0x3000 buf:    256 zero bytes (bss), 0x3100 count: 4 bytes
 */
export function sampleExecutable(): Executable {
  const text = [
    ins('addi', { rd: 'a0', rs1: 'zero', imm: 5 }),
    ins('addi', { rd: 'a0', rs1: 'a0', imm: -1 }),
    ins('bne', { rs1: 'a0', rs2: 'zero', imm: -1 }),
    ins('lui', { rd: 'a1', imm: 0 }),
    ins('ori', { rd: 'a1', rs1: 'a1', imm: 0x2000 }),
    ins('jal', { rd: 'lr', imm: 4 }),
    ins('csrr', { rd: 't0', imm: Csr.CYCLE }),
    ins('halt'),
    0,
    ins('jalr', { rd: 'zero', rs1: 'lr', imm: 0 }),
  ];
  return {
    entry: 0x1000,
    segments: [
      { name: 'text', vaddr: 0x1000, memSize: text.length * 4, flags: SegFlag.R | SegFlag.X, data: wordsToBytes(text) },
      { name: 'data', vaddr: 0x2000, memSize: 7, flags: SegFlag.R | SegFlag.W, data: new TextEncoder().encode('hello\n\0') },
      { name: 'bss', vaddr: 0x3000, memSize: 0x104, flags: SegFlag.R | SegFlag.W, data: new Uint8Array(0) },
    ],
    symbols: [
      { name: '_start', value: 0x1000, kind: SymbolKind.TEXT, global: true },
      { name: 'loop', value: 0x1004, kind: SymbolKind.TEXT, global: false },
      { name: 'func', value: 0x1024, kind: SymbolKind.TEXT, global: false },
      { name: 'msg', value: 0x2000, kind: SymbolKind.DATA, global: false },
      { name: 'buf', value: 0x3000, kind: SymbolKind.BSS, global: false },
      { name: 'count', value: 0x3100, kind: SymbolKind.BSS, global: false },
      { name: 'N', value: 100, kind: SymbolKind.ABS, global: false },
    ],
    files: ['prog.s', 'lib.s'],
    lines: [
      { addr: 0x1000, file: 0, line: 3 },
      { addr: 0x1004, file: 0, line: 4 },
      { addr: 0x1008, file: 0, line: 5 },
      { addr: 0x100c, file: 0, line: 6 },
      { addr: 0x1010, file: 0, line: 6 },
      { addr: 0x1014, file: 0, line: 7 },
      { addr: 0x1018, file: 0, line: 8 },
      { addr: 0x101c, file: 0, line: 9 },
      { addr: 0x1020, file: 0, line: 10 },
      { addr: 0x1024, file: 1, line: 2 },
      { addr: 0x2000, file: 0, line: 13 },
    ],
  };
}
