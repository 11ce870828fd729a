// The assembler: encodings, expressions, directives, layout, labels, includes,
// pseudo-instructions, listing, line map, symbols, and the generated tables in asm/README.md.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { INSTRUCTIONS } from '../src/arch/isa.ts';
import { SegFlag, SymbolKind, USER_TEXT_BASE, sourceLineAt } from '../src/exe/types.ts';
import type { Executable } from '../src/exe/types.ts';
import { assembleFile, assembleSource, formatDiagnostic, formatListing } from '../src/asm/index.ts';
import type { AssembleResult } from '../src/asm/index.ts';
import { renderIsaTable, renderPseudoTable } from '../src/asm/isa-doc.ts';

/** An in-memory file system for includes. */
function memFs(files: Record<string, string>): (p: string) => string {
  return (p) => {
    const t = files[p];
    if (t === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
    return t;
  };
}

function assemble(src: string, files: Record<string, string> = {}): AssembleResult {
  return assembleSource(src, 'main.s', memFs(files));
}

/** Assembles and expects no diagnostics. */
function ok(src: string, files: Record<string, string> = {}): Executable {
  const r = assemble(src, files);
  expect(r.diagnostics.map(formatDiagnostic)).toEqual([]);
  expect(r.exe).not.toBeNull();
  return r.exe!;
}

function segment(exe: Executable, name: string) {
  const s = exe.segments.find((x) => x.name === name);
  if (s === undefined) throw new Error(`no ${name} segment`);
  return s;
}

/** The text segment as little-endian words. */
function textWords(src: string): number[] {
  const d = segment(ok(src), 'text').data;
  const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 4 <= d.length; i += 4) out.push(v.getUint32(i, true));
  return out;
}

function sym(exe: Executable, name: string): number {
  const s = exe.symbols.find((x) => x.name === name);
  if (s === undefined) throw new Error(`no symbol ${name}`);
  return s.value;
}

/** The value a single `.word` expression assembles to (signed). */
function wordOf(expr: string, prelude = ''): number {
  const exe = ok(`${prelude}\n.data\nv: .word ${expr}\n`);
  const d = segment(exe, 'data').data;
  return new DataView(d.buffer, d.byteOffset).getInt32(0, true);
}

// One operand set per instruction and the word it must give, worked out by hand from the
// format diagrams in asm/README.md (independently of encode()).
const ENCODINGS: readonly (readonly [string, number])[] = [
  ['add a0, a1, a2', 0x00032101],
  ['sub a0, a1, a2', 0x00032102],
  ['and a0, a1, a2', 0x00032103],
  ['or a0, a1, a2', 0x00032104],
  ['xor a0, a1, a2', 0x00032105],
  ['sll a0, a1, a2', 0x00032106],
  ['srl a0, a1, a2', 0x00032107],
  ['sra a0, a1, a2', 0x00032108],
  ['slt a0, a1, a2', 0x00032109],
  ['sltu a0, a1, a2', 0x0003210a],
  ['mul a0, a1, a2', 0x0003210b],
  ['mulh a0, a1, a2', 0x0003210c],
  ['mulhu a0, a1, a2', 0x0003210d],
  ['div a0, a1, a2', 0x0003210e],
  ['divu a0, a1, a2', 0x0003210f],
  ['rem a0, a1, a2', 0x00032110],
  ['remu a0, a1, a2', 0x00032111],
  ['addi a0, a1, -5', 0xfffb2118],
  ['andi t0, t1, 0xbeef', 0xbeef6519],
  ['ori t0, t1, 0xbeef', 0xbeef651a],
  ['xori t0, t1, 0xbeef', 0xbeef651b],
  ['slli s0, s1, 31', 0x001fba1c],
  ['srli s0, s1, 31', 0x001fba1d],
  ['srai s0, s1, 31', 0x001fba1e],
  ['slti a0, a1, -5', 0xfffb211f],
  ['sltiu a0, a1, -5', 0xfffb2120],
  ['lui sp, 0x8010', 0x80100e21],
  ['lw a0, -4(sp)', 0xfffce128],
  ['lh a0, -4(sp)', 0xfffce129],
  ['lhu a0, -4(sp)', 0xfffce12a],
  ['lb a0, -4(sp)', 0xfffce12b],
  ['lbu a0, -4(sp)', 0xfffce12c],
  ['sw lr, 8(sp)', 0x0008ef30],
  ['sh lr, 8(sp)', 0x0008ef31],
  ['sb lr, 8(sp)', 0x0008ef32],
  ['beq a0, a1, . - 8', 0xfffe2138],
  ['bne a0, a1, . - 8', 0xfffe2139],
  ['blt a0, a1, . - 8', 0xfffe213a],
  ['bge a0, a1, . - 8', 0xfffe213b],
  ['bltu a0, a1, . - 8', 0xfffe213c],
  ['bgeu a0, a1, . - 8', 0xfffe213d],
  ['jal lr, . + 16', 0x00004f40],
  ['jalr zero, lr, 0', 0x0000f041],
  ['syscall', 0x00000048],
  ['break', 0x00000049],
  ['eret', 0x0000004a],
  ['halt', 0x0000004b],
  ['wait', 0x0000004c],
  ['csrr t0, cycle', 0x0008054d],
  ['csrw TVEC, a1', 0x0004204e],
  ['tlbflush', 0x0000004f],
  ['tlbinv a3', 0x00004050],
  ['rdcycle t4', 0x00000951],
];

describe('encodings', () => {
  it('covers every instruction of the ISA table', () => {
    const covered = new Set(ENCODINGS.map(([s]) => s.split(' ')[0]));
    expect(INSTRUCTIONS.filter((d) => !covered.has(d.mnemonic)).map((d) => d.mnemonic)).toEqual([]);
  });

  it.each(ENCODINGS)('%s', (src, word) => {
    // Two words of padding so that the backward branches land inside the program.
    const words = textWords(`nop\nnop\n${src}\n`);
    expect(words[2]!.toString(16).padStart(8, '0')).toBe(word.toString(16).padStart(8, '0'));
  });

  it('accepts registers by number and by name, in any case', () => {
    expect(textWords('add r1, R2, r3\nADD A0, a1, A2\nAdd a0, A1, r3')).toEqual([0x00032101, 0x00032101, 0x00032101]);
    expect(textWords('add zero, sp, lr')).toEqual([0x000fe001]);
  });

  it('accepts mnemonics in any case, and CSR names in any case or by number', () => {
    expect(textWords('CSRR a0, Status\ncsrr a0, 0\ncsrr a0, scratch3\ncsrr a0, 19')).toEqual([
      0x0000014d, 0x0000014d, 0x0013014d, 0x0013014d,
    ]);
    expect(textWords('.equ MYCSR, 16\ncsrw MYCSR, a0')).toEqual([0x0010104e]);
  });

  it('reads (reg) as offset 0 and a full expression as the offset', () => {
    expect(textWords('lw a0, (sp)\n.equ OFF, 12\nlw a0, OFF*2 - 4(sp)\nlw a0, (OFF)(sp)')).toEqual([
      0x0000e128, 0x0014e128, 0x000ce128,
    ]);
  });

  it('takes the extremes of each immediate range', () => {
    expect(textWords('addi a0, a0, -32768\naddi a0, a0, 32767\nori a0, a0, 65535\nori a0, a0, 0\nslli a0, a0, 0')).toEqual([
      0x80001118, 0x7fff1118, 0xffff111a, 0x0000111a, 0x0000111c,
    ]);
  });

  it('encodes jal and branch offsets in words, forwards and backwards', () => {
    const w = textWords('top: beq a0, a1, end\nnop\nnop\nend: bne a0, a1, top\njal zero, top\njal lr, end');
    expect(w[0]).toBe(0x00032138); // +3 words
    expect(w[3]! >>> 16).toBe(0xfffd); // -3 words
    expect(w[4]! >> 12).toBe(-4);
    expect((w[5]! >> 12) & 0xfffff).toBe(0xffffe); // -2 words
    expect((w[5]! >>> 8) & 15).toBe(15);
  });
});

describe('expressions', () => {
  it('has C precedence and left associativity', () => {
    expect(wordOf('1 + 2 * 3')).toBe(7);
    expect(wordOf('(1 + 2) * 3')).toBe(9);
    expect(wordOf('10 - 3 - 2')).toBe(5);
    expect(wordOf('100 / 10 / 5')).toBe(2);
    expect(wordOf('1 << 2 + 1')).toBe(8); // + binds tighter than <<
    expect(wordOf('1 | 2 ^ 3 & 6')).toBe(1 | (2 ^ (3 & 6)));
    expect(wordOf('6 & 3 << 1')).toBe(6 & (3 << 1));
    expect(wordOf('7 % 4 * 3')).toBe(9);
    expect(wordOf('- - 5 + ~0 + +3')).toBe(7);
  });

  it('reads decimal, hex, binary and character literals', () => {
    expect(wordOf('0x7fffFFFF')).toBe(0x7fffffff);
    expect(wordOf('0XfF')).toBe(255);
    expect(wordOf('0b1010')).toBe(10);
    expect(wordOf('0B11')).toBe(3);
    expect(wordOf("'a'")).toBe(97);
    expect(wordOf("'\\n' + '\\t' + '\\r' + '\\0'")).toBe(10 + 9 + 13);
    expect(wordOf("'\\\\' + '\\'' + '\\\"'")).toBe(92 + 39 + 34);
    expect(wordOf("'\\x41'")).toBe(0x41);
    expect(wordOf("'#'")).toBe(35); // not a comment
  });

  it('wraps to 32 bits', () => {
    expect(wordOf('0xffffffff')).toBe(-1);
    expect(wordOf('0x7fffffff + 1')).toBe(-0x80000000);
    expect(wordOf('0x10000 * 0x10000')).toBe(0);
    expect(wordOf('-0x80000000 / -1')).toBe(-0x80000000);
    expect(wordOf('1 << 31')).toBe(-0x80000000);
  });

  it('divides toward zero; % takes the sign of the dividend', () => {
    expect(wordOf('-7 / 2')).toBe(-3);
    expect(wordOf('-7 % 2')).toBe(-1);
    expect(wordOf('7 % -2')).toBe(1);
  });

  it('shifts >> arithmetically', () => {
    expect(wordOf('-16 >> 2')).toBe(-4);
    expect(wordOf('0x80000000 >> 31')).toBe(-1);
  });

  it('computes %hi and %lo so that lui + ori rebuilds the value', () => {
    expect(wordOf('%hi(0x12345678)')).toBe(0x1234);
    expect(wordOf('%lo(0x12345678)')).toBe(0x5678);
    expect(wordOf('%hi(-1)')).toBe(0xffff);
    expect(wordOf('%LO(0xdeadbeef)')).toBe(0xbeef);
    expect(wordOf('%hi(x) << 16 | %lo(x)', '.equ x, 0xcafef00d')).toBe(0xcafef00d | 0);
  });

  it('knows . (the current address), labels and constants', () => {
    const exe = ok('.data\na: .word 1\nb: .word . - a, b, SIZE\n.equ SIZE, b - a + 4');
    const d = segment(exe, 'data').data;
    const v = new DataView(d.buffer, d.byteOffset);
    expect(v.getUint32(4, true)).toBe(4);
    expect(v.getUint32(8, true)).toBe(sym(exe, 'b'));
    expect(v.getUint32(12, true)).toBe(8);
  });
});

describe('directives and data', () => {
  it('lays out .word, .half, .byte, .ascii and .asciz little-endian and unpadded', () => {
    const exe = ok('.data\n.word 0x11223344, -1\n.half 0xaabb, -2\n.byte 1, 255, -128\n.ascii "hi", "!"\n.asciz "ok"\n.byte 7');
    expect([...segment(exe, 'data').data]).toEqual([
      0x44, 0x33, 0x22, 0x11, 0xff, 0xff, 0xff, 0xff, 0xbb, 0xaa, 0xfe, 0xff, 1, 255, 128, 104, 105, 33, 111, 107, 0, 7,
    ]);
  });

  it('applies string escapes and writes UTF-8', () => {
    const exe = ok('.data\n.ascii "a\\n\\t\\r\\0\\\\\\"\\\'\\x7f#;"\n.ascii "é"');
    expect([...segment(exe, 'data').data]).toEqual([97, 10, 9, 13, 0, 92, 34, 39, 0x7f, 35, 59, 0xc3, 0xa9]);
  });

  it('fills .space and pads .align with zeros', () => {
    const exe = ok('.data\n.byte 1\n.align 4\n.space 3, 0xaa\n.space 2\n.align 8\nend: .byte 9');
    expect([...segment(exe, 'data').data]).toEqual([1, 0, 0, 0, 0xaa, 0xaa, 0xaa, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9]);
    expect(sym(exe, 'end') - segment(exe, 'data').vaddr).toBe(16);
  });

  it('.equ and .set define constants; .set may change one, in order', () => {
    const exe = ok('.set N, 1\n.data\n.word N\n.set N, N + 1\n.word N\n.equ K, N * 10\n.word K');
    expect([...new Int32Array(segment(exe, 'data').data.slice().buffer)]).toEqual([1, 2, 20]);
    expect(exe.symbols.find((s) => s.name === 'K')).toEqual({ name: 'K', value: 20, kind: SymbolKind.ABS, global: false });
  });

  it('lets a constant be used before its .equ', () => {
    expect(textWords('addi a0, zero, LATER\n.equ LATER, 5 * 2')).toEqual([0x000a0118]);
  });

  it('.global marks symbols global', () => {
    const exe = ok('.global main, DATA_SIZE\nmain: nop\n.equ DATA_SIZE, 4\nother: nop');
    expect(exe.symbols.filter((s) => s.global).map((s) => s.name)).toEqual(['main', 'DATA_SIZE']);
  });

  it('.bss takes labels, .space and .align, and holds no bytes', () => {
    const exe = ok('nop\n.bss\nbuf: .space 100\n.align 16\nbuf2: .space 0x10000');
    const bss = segment(exe, 'bss');
    expect(bss.data.length).toBe(0);
    expect(bss.memSize).toBe(112 + 0x10000);
    expect(bss.flags).toBe(SegFlag.R | SegFlag.W);
    expect(sym(exe, 'buf2') - sym(exe, 'buf')).toBe(112);
    expect(exe.symbols.find((s) => s.name === 'buf')!.kind).toBe(SymbolKind.BSS);
  });
});

describe('sections and layout', () => {
  it('puts text at 0x1000, data and bss each on the next page', () => {
    const exe = ok('_start: nop\nnop\n.data\nd: .word 1\n.bss\nb: .space 4\n.text\nmore: nop');
    expect(exe.segments.map((s) => [s.name, s.vaddr, s.memSize, s.flags])).toEqual([
      ['text', USER_TEXT_BASE, 12, SegFlag.R | SegFlag.X],
      ['data', 0x2000, 4, SegFlag.R | SegFlag.W],
      ['bss', 0x3000, 4, SegFlag.R | SegFlag.W],
    ]);
    expect(sym(exe, 'more')).toBe(0x1008); // a reopened section continues where it stopped
    expect(exe.entry).toBe(USER_TEXT_BASE);
  });

  it('follows a text that spans pages, and skips empty sections', () => {
    const exe = ok(`.space 4096\nnop\n.bss\nb: .space 8`);
    expect(exe.segments.map((s) => [s.name, s.vaddr])).toEqual([
      ['text', 0x1000],
      ['bss', 0x3000],
    ]);
  });

  it('moves text to an explicit base; data and bss still follow', () => {
    const exe = ok('.text 0x80000000\n_start: halt\n.data\nmsg: .byte 1\n.bss\nx: .space 4');
    expect(exe.segments.map((s) => s.vaddr)).toEqual([0x80000000, 0x80001000, 0x80002000]);
    expect(exe.entry).toBe(0x80000000);
  });

  it('honours explicit data and bss bases, and knows their labels in pass 1', () => {
    const exe = ok('.data 0x40000000\nd: .word 1\n.bss 0x50000000\nb: .space 4\n.text\nli a0, d\nli a1, b');
    expect(sym(exe, 'd')).toBe(0x40000000);
    expect(segment(exe, 'bss').vaddr).toBe(0x50000000);
    expect(segment(exe, 'text').memSize).toBe(8); // both li are one lui
  });

  it('takes the entry from _start wherever it is', () => {
    const exe = ok('nop\nnop\n_start: nop');
    expect(exe.entry).toBe(0x1008);
  });

  it('makes no segment for an empty program', () => {
    const exe = ok('# nothing\n.equ X, 1\n');
    expect(exe.segments).toEqual([]);
    expect(exe.entry).toBe(USER_TEXT_BASE);
  });
});

describe('labels', () => {
  it('allows several labels on a line, and labels alone on a line', () => {
    const exe = ok('a: b:\nc:\n  nop\nd: nop');
    expect(['a', 'b', 'c', 'd'].map((n) => sym(exe, n))).toEqual([0x1000, 0x1000, 0x1000, 0x1004]);
  });

  it('scopes local labels to the preceding non-local label', () => {
    const exe = ok(`
memcpy:
.loop:  nop
        j .loop
memset:
.loop:  nop
        j .loop
        j memcpy.loop
`);
    expect(sym(exe, 'memcpy.loop')).toBe(0x1000);
    expect(sym(exe, 'memset.loop')).toBe(0x1008);
    const w = textWords('f:\n.l: nop\nj .l\ng:\n.l: nop\nj .l\nj f.l');
    expect(w.map((x) => x >> 12)).toEqual([0, -1, 0, -1, -4]);
  });

  it('accepts $, _ and . in names', () => {
    const exe = ok('$x: _y.z: a.b$: nop\nj $x\nj _y.z');
    expect(sym(exe, 'a.b$')).toBe(0x1000);
  });

  it('records labels with their section kinds', () => {
    const exe = ok('t: nop\n.data\nd: .byte 1\n.bss\nb: .space 1\n.equ c, 3');
    expect(exe.symbols.map((s) => [s.name, s.kind])).toEqual([
      ['t', SymbolKind.TEXT],
      ['d', SymbolKind.DATA],
      ['b', SymbolKind.BSS],
      ['c', SymbolKind.ABS],
    ]);
  });
});

describe('includes', () => {
  it('splices an included file in place, relative to the including file', () => {
    const exe = ok('nop\n.include "lib/util.s"\ncall helper', {
      'lib/util.s': 'helper: ret\n.include "consts.s"',
      'lib/consts.s': '.equ SEVEN, 7',
    });
    expect(sym(exe, 'helper')).toBe(0x1004);
    expect(sym(exe, 'SEVEN')).toBe(7);
    expect(exe.files).toEqual(['main.s', 'lib/util.s', 'lib/consts.s']);
  });

  it('maps lines of included files to their own file', () => {
    const exe = ok('nop\n.include "inc.s"\nnop', { 'inc.s': '\n\nadd a0, a0, a0' });
    expect(sourceLineAt(exe, 0x1000)).toBe('main.s:1');
    expect(sourceLineAt(exe, 0x1004)).toBe('inc.s:3');
    expect(sourceLineAt(exe, 0x1008)).toBe('main.s:3');
  });

  it('lets a file be included twice when that makes sense', () => {
    const exe = ok('.include "c.s"\n.include "c.s"', { 'c.s': '.set N, 1' });
    expect(sym(exe, 'N')).toBe(1);
  });
});

describe('pseudo-instructions', () => {
  const ADDI = 0x18, ORI = 0x1a, LUI = 0x21, SUB = 0x02;
  const I = (op: number, rd: number, rs1: number, imm: number) => (op | (rd << 8) | (rs1 << 12) | ((imm & 0xffff) << 16)) >>> 0;
  const R = (op: number, rd: number, rs1: number, rs2: number) => (op | (rd << 8) | (rs1 << 12) | (rs2 << 16)) >>> 0;

  it('li takes one word when the value is known and fits one instruction', () => {
    expect(textWords('li a0, 5')).toEqual([I(ADDI, 1, 0, 5)]);
    expect(textWords('li a0, -32768')).toEqual([I(ADDI, 1, 0, -32768)]);
    expect(textWords('li a0, 0x10000')).toEqual([I(LUI, 1, 0, 1)]);
    expect(textWords('li a0, 0xffff0000')).toEqual([I(LUI, 1, 0, 0xffff)]);
    expect(textWords('li a0, 0xffff')).toEqual([I(ORI, 1, 0, 0xffff)]);
    expect(textWords('li a0, 32768')).toEqual([I(ORI, 1, 0, 0x8000)]);
    expect(textWords('li a0, 0x12345678')).toEqual([I(LUI, 1, 0, 0x1234), I(ORI, 1, 1, 0x5678)]);
    expect(textWords('li a0, -32769')).toEqual([I(LUI, 1, 0, 0xffff), I(ORI, 1, 1, 0x7fff)]);
  });

  it('li uses a short form for constants and labels defined earlier', () => {
    expect(textWords('.equ K, 40\nli a0, K + 2')).toEqual([I(ADDI, 1, 0, 42)]);
    expect(textWords('here: li a0, here')).toEqual([I(ADDI, 1, 0, 0x1000)]);
    expect(textWords('li a0, .')).toEqual([I(ADDI, 1, 0, 0x1000)]);
    expect(textWords('.text 0x80000000\nli a0, .')).toEqual([I(LUI, 1, 0, 0x8000)]);
  });

  it('li takes the long form when the value is only known in pass 2', () => {
    expect(textWords('li a0, LATER\n.equ LATER, 3')).toEqual([I(LUI, 1, 0, 0), I(ORI, 1, 1, 3)]);
    expect(textWords('li a0, ahead\nahead: nop')).toEqual([I(LUI, 1, 0, 0), I(ORI, 1, 1, 0x1008), I(ADDI, 0, 0, 0)]);
    // A data label has no address until the text is laid out.
    const w = textWords('.data\nd: .word 0\n.text\nli a0, d');
    expect(w).toEqual([I(LUI, 1, 0, 0), I(ORI, 1, 1, 0x2000)]);
    // ... but the distance between two data labels is known.
    expect(textWords('.data\nd: .word 0\ne: .word 0\n.text\nli a0, e - d')).toEqual([I(ADDI, 1, 0, 4)]);
  });

  it('la is always lui + ori', () => {
    expect(textWords('la a1, 8')).toEqual([I(LUI, 2, 0, 0), I(ORI, 2, 2, 8)]);
    expect(textWords('x: la a1, x')).toEqual([I(LUI, 2, 0, 0), I(ORI, 2, 2, 0x1000)]);
  });

  it('expands the register pseudo-instructions', () => {
    expect(textWords('nop')).toEqual([I(ADDI, 0, 0, 0)]);
    expect(textWords('mv a0, a1')).toEqual([I(ADDI, 1, 2, 0)]);
    expect(textWords('neg a0, a1')).toEqual([R(SUB, 1, 0, 2)]);
    expect(textWords('not a0, a0')).toEqual([R(SUB, 1, 0, 1), I(ADDI, 1, 1, -1)]);
    expect(textWords('seqz a0, a1')).toEqual([I(0x20, 1, 2, 1)]);
    expect(textWords('snez a0, a1')).toEqual([R(0x0a, 1, 0, 2)]);
    expect(textWords('push lr')).toEqual([I(ADDI, 14, 14, -4), 0x0000ef30]);
    expect(textWords('pop lr')).toEqual([0x0000ef28, I(ADDI, 14, 14, 4)]);
  });

  it('expands jumps and calls', () => {
    expect(textWords('t: j t')).toEqual([0x00000040]);
    expect(textWords('t: call t')).toEqual([0x00000f40]);
    expect(textWords('t: jal t')).toEqual([0x00000f40]);
    expect(textWords('ret')).toEqual([0x0000f041]);
    expect(textWords('jr a2')).toEqual([0x00003041]);
    expect(textWords('jalr lr, a2')).toEqual([0x00003f41]);
    expect(textWords('jalr lr, 8(a2)')).toEqual([0x00083f41]);
  });

  it('expands the branches against zero and the swapped comparisons', () => {
    const B = (op: number, rs1: number, rs2: number) => (op | (rs1 << 8) | (rs2 << 12)) >>> 0;
    const src = 't: beqz a0, t\nbnez a0, t\nbltz a0, t\nbgez a0, t\nblez a0, t\nbgtz a0, t\nbgt a0, a1, t\nble a0, a1, t\nbgtu a0, a1, t\nbleu a0, a1, t';
    const w = textWords(src).map((x) => x & 0xffff);
    expect(w).toEqual([
      B(0x38, 1, 0), B(0x39, 1, 0), B(0x3a, 1, 0), B(0x3b, 1, 0), B(0x3b, 0, 1), B(0x3a, 0, 1),
      B(0x3a, 2, 1), B(0x3b, 2, 1), B(0x3c, 2, 1), B(0x3d, 2, 1),
    ]);
    expect(textWords(src).map((x) => x >> 16)).toEqual([0, -1, -2, -3, -4, -5, -6, -7, -8, -9]);
  });
});

describe('listing, line map and symbols', () => {
  it('lists each line with its address, encoding and source', () => {
    const r = assemble('start:  li a0, 0x12345678   # two words\n  .data\nmsg: .asciz "hi"\n.bss\nb: .space 8');
    expect(r.listing.map((l) => [l.addr, l.words, l.bytes ? [...l.bytes] : undefined, l.line, l.text])).toEqual([
      [0x1000, [0x12340121, 0x5678111a], undefined, 1, 'start:  li a0, 0x12345678   # two words'],
      [0x2000, [], undefined, 2, '  .data'],
      [0x2000, [], [104, 105, 0], 3, 'msg: .asciz "hi"'],
      [0x3000, [], undefined, 4, '.bss'],
      [0x3000, [], undefined, 5, 'b: .space 8'],
    ]);
    const text = formatListing(r.listing);
    expect(text.split('\n')[0]).toMatch(/^addr\s+code\s+line\s+source$/);
    expect(text).toContain('00001000  12340121 5678111a  main.s:1  start:  li a0, 0x12345678   # two words');
    expect(text).toContain('00002000  68 69 00');
    expect(text).toContain('(8 bytes)');
  });

  it('continues long data on rows of its own, up to a limit', () => {
    const r = assemble('.data\n.space 100, 1');
    const rows = formatListing(r.listing).split('\n').slice(2);
    expect(rows.length).toBe(5);
    expect(rows[4]).toContain('... 76 more bytes');
  });

  it('has one line entry per instruction word and per data directive', () => {
    const exe = ok('li a0, 0x12345678\nnop\n.data\n.word 1, 2\n.ascii "abc"');
    expect(exe.lines).toEqual([
      { addr: 0x1000, file: 0, line: 1 },
      { addr: 0x1004, file: 0, line: 1 },
      { addr: 0x1008, file: 0, line: 2 },
      { addr: 0x2000, file: 0, line: 4 },
      { addr: 0x2008, file: 0, line: 5 },
    ]);
    expect(sourceLineAt(exe, 0x1004)).toBe('main.s:1');
    expect(exe.files).toEqual(['main.s']);
  });
});

describe('asm/README.md', () => {
  const readmePath = new URL('../asm/README.md', import.meta.url);

  function checkBlock(name: string, body: string): void {
    const text = readFileSync(readmePath, 'utf8');
    const begin = `<!-- ${name}:begin -->`;
    const end = `<!-- ${name}:end -->`;
    const i = text.indexOf(begin);
    const j = text.indexOf(end);
    expect(i, `asm/README.md lacks ${begin}`).toBeGreaterThanOrEqual(0);
    expect(j).toBeGreaterThan(i);
    const want = `${begin}\n${body}\n${end}`;
    const have = text.slice(i, j + end.length);
    if (have !== want && process.env.VMLAB_UPDATE_DOCS === '1') {
      writeFileSync(readmePath, text.slice(0, i) + want + text.slice(j + end.length));
      return;
    }
    expect(have, `asm/README.md's ${name} block is stale: rerun this test with VMLAB_UPDATE_DOCS=1`).toBe(want);
  }

  it('holds the instruction table generated from src/arch/isa.ts', () => {
    checkBlock('isa-table', renderIsaTable());
  });

  it('holds the pseudo-instruction table generated from src/asm/forms.ts', () => {
    checkBlock('pseudo-table', renderPseudoTable());
  });
});

describe('asm/examples', () => {
  const dir = fileURLToPath(new URL('../asm/examples/', import.meta.url));
  const bare = readdirSync(dir).filter((f) => f.startsWith('bare-') && f.endsWith('.s'));

  it('has the three bare-metal examples', () => {
    expect(bare.sort()).toEqual(['bare-fib.s', 'bare-hello.s', 'bare-sum.s']);
  });

  it.each(bare)('%s assembles into a kernel-segment program', (f) => {
    const r = assembleFile(dir + f);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(r.exe!.entry).toBe(0x80000000);
    expect(r.exe!.segments.every((s) => s.vaddr >= 0x80000000)).toBe(true);
  });
});

describe('formatListing', () => {
  it('leaves out the constant definitions of included files, not those of the main file', () => {
    const files: Record<string, string> = { 'defs.s': '.equ FROM_INCLUDE, 7\n' };
    const r = assembleSource('.include "defs.s"\n.equ OWN, 3\n_start: li a0, FROM_INCLUDE + OWN\n', 'main.s', (p) => {
      const text = files[p.replace(/^.*\//, '')];
      if (text === undefined) throw new Error(`no ${p}`);
      return text;
    });
    expect(r.diagnostics).toEqual([]);
    const text = formatListing(r.listing, r.exe!.files[0]);
    expect(text).not.toContain('FROM_INCLUDE, 7');
    expect(text).toContain('.equ OWN, 3');
    expect(text).toMatch(/00001000\s+000a0118/);
  });
});
