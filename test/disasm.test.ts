import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CSR_BY_NAME, CSR_NAME, CSR_READ_ONLY, Csr } from '../src/arch/csr.ts';
import { BY_MNEMONIC, INSTRUCTIONS, MUST_BE_ZERO, decode, encode, type Fields } from '../src/arch/isa.ts';
import { regNumber } from '../src/arch/registers.ts';
import { assembleSource } from '../src/asm/index.ts';
import { disassemble, disassembleWord, isValidInstruction } from '../src/disasm/index.ts';
import { SegFlag, type Executable } from '../src/exe/types.ts';
import { ins, sampleExecutable, wordsToBytes } from './exe-fixtures.ts';

/**
 * An independent reader of the disassembler's syntax (`mn op, op`, `imm(reg)`, CSR names,
 * `. + off` targets, `.word 0x...`): the word the text stands for at pc.
 */
function reassemble(text: string): number {
  if (text.startsWith('.word ')) return Number(text.slice(6)) >>> 0;
  const sp = text.indexOf(' ');
  const mn = sp < 0 ? text : text.slice(0, sp);
  const ops = sp < 0 ? [] : text.slice(sp + 1).split(', ');
  const d = BY_MNEMONIC.get(mn);
  if (d === undefined) throw new Error(`unknown mnemonic in '${text}'`);
  const reg = (s: string | undefined): number => {
    const r = regNumber(s ?? '');
    if (r === undefined) throw new Error(`bad register '${s}' in '${text}'`);
    return r;
  };
  const num = (s: string | undefined): number => {
    if (s === undefined || !/^-?(\d+|0x[0-9a-f]+)$/.test(s)) throw new Error(`bad number '${s}' in '${text}'`);
    return Number(s);
  };
  const words = (s: string | undefined): number => {
    const m = /^\.(?: ([+-]) (\d+))?$/.exec(s ?? '');
    if (m === null) throw new Error(`bad target '${s}' in '${text}'`);
    const bytes = m[1] === undefined ? 0 : (m[1] === '-' ? -1 : 1) * Number(m[2]);
    return bytes / 4;
  };
  const mem = (s: string | undefined): [number, number] => {
    const m = /^(-?\d+)\((\w+)\)$/.exec(s ?? '');
    if (m === null) throw new Error(`bad memory operand '${s}' in '${text}'`);
    return [Number(m[1]), reg(m[2])];
  };
  const csr = (s: string | undefined): number => {
    const n = CSR_BY_NAME.get((s ?? '').toLowerCase());
    if (n === undefined) throw new Error(`bad CSR '${s}' in '${text}'`);
    return n;
  };
  const f: Fields = { rd: 0, rs1: 0, rs2: 0, imm: 0 };
  const want = { R: 3, I: 3, L: 2, S: 2, B: 3, J: 2, U: 2, N: 0, CR: 2, CW: 2, R1: 1, RD: 1 }[d.format];
  if (ops.length !== want) throw new Error(`expected ${want} operands in '${text}'`);
  switch (d.format) {
    case 'R': f.rd = reg(ops[0]); f.rs1 = reg(ops[1]); f.rs2 = reg(ops[2]); break;
    case 'I': f.rd = reg(ops[0]); f.rs1 = reg(ops[1]); f.imm = num(ops[2]); break;
    case 'L': f.rd = reg(ops[0]); [f.imm, f.rs1] = mem(ops[1]); break;
    case 'S': f.rs2 = reg(ops[0]); [f.imm, f.rs1] = mem(ops[1]); break;
    case 'B': f.rs1 = reg(ops[0]); f.rs2 = reg(ops[1]); f.imm = words(ops[2]); break;
    case 'J': f.rd = reg(ops[0]); f.imm = words(ops[1]); break;
    case 'U': f.rd = reg(ops[0]); f.imm = num(ops[1]); break;
    case 'CR': f.rd = reg(ops[0]); f.imm = csr(ops[1]); break;
    case 'CW': f.imm = csr(ops[0]); f.rs1 = reg(ops[1]); break;
    case 'R1': f.rs1 = reg(ops[0]); break;
    case 'RD': f.rd = reg(ops[0]); break;
    case 'N': break;
  }
  return encode(d, f);
}

/** Words worth trying: anything, and words with a real opcode and clean must-be-zero bits. */
const arbWord = fc.oneof(
  fc.integer({ min: 0, max: 0xffffffff }),
  fc.tuple(fc.constantFrom(...INSTRUCTIONS), fc.integer({ min: 0, max: 0xffffffff }), fc.boolean()).map(([d, r, clean]) => {
    const w = ((r & ~0xff) | d.opcode) >>> 0;
    return clean ? (w & ~MUST_BE_ZERO[d.format]) >>> 0 : w;
  }),
  fc.tuple(fc.constantFrom(Csr.CYCLE, Csr.STATUS, Csr.SCRATCH3, 15, 20, 0xffff), fc.constantFrom(0x4d, 0x4e), fc.nat(15)).map(
    ([csr, op, r]) => ((csr << 16) | (op === 0x4d ? r << 8 : r << 12) | op) >>> 0,
  ),
);

describe('disassembleWord', () => {
  const cases: [number, string][] = [
    [ins('add', { rd: 'a0', rs1: 'a1', rs2: 'a2' }), 'add a0, a1, a2'],
    [ins('addi', { rd: 'sp', rs1: 'sp', imm: -4 }), 'addi sp, sp, -4'],
    [ins('addi', { rd: 'a0', rs1: 'zero', imm: 32767 }), 'addi a0, zero, 32767'],
    [ins('andi', { rd: 't0', rs1: 't1', imm: 0xff }), 'andi t0, t1, 0xff'],
    [ins('ori', { rd: 'a1', rs1: 'a1', imm: 5 }), 'ori a1, a1, 5'],
    [ins('xori', { rd: 'a1', rs1: 'a1', imm: 0xffff }), 'xori a1, a1, 0xffff'],
    [ins('slli', { rd: 's0', rs1: 's1', imm: 31 }), 'slli s0, s1, 31'],
    [ins('sltiu', { rd: 't4', rs1: 's3', imm: -1 }), 'sltiu t4, s3, -1'],
    [ins('lui', { rd: 'a1', imm: 0x8000 }), 'lui a1, 0x8000'],
    [ins('lw', { rd: 'a0', rs1: 'sp', imm: 8 }), 'lw a0, 8(sp)'],
    [ins('lbu', { rd: 'a0', rs1: 'a1', imm: -1 }), 'lbu a0, -1(a1)'],
    [ins('sw', { rs2: 'lr', rs1: 'sp', imm: -4 }), 'sw lr, -4(sp)'],
    [ins('sb', { rs2: 'a0', rs1: 't0', imm: 0 }), 'sb a0, 0(t0)'],
    [ins('beq', { rs1: 'a0', rs2: 'a1', imm: 3 }), 'beq a0, a1, 0x0000100c'],
    [ins('bgeu', { rs1: 'a0', rs2: 'a1', imm: -2 }), 'bgeu a0, a1, 0x00000ff8'],
    [ins('jal', { rd: 'lr', imm: 0x100 }), 'jal lr, 0x00001400'],
    [ins('jal', { rd: 'zero', imm: -0x401 }), 'jal zero, 0xfffffffc'],
    [ins('jalr', { rd: 'zero', rs1: 'lr', imm: 0 }), 'jalr zero, lr, 0'],
    [ins('syscall'), 'syscall'],
    [ins('break'), 'break'],
    [ins('eret'), 'eret'],
    [ins('halt'), 'halt'],
    [ins('wait'), 'wait'],
    [ins('tlbflush'), 'tlbflush'],
    [ins('tlbinv', { rs1: 'a0' }), 'tlbinv a0'],
    [ins('rdcycle', { rd: 't2' }), 'rdcycle t2'],
    [ins('csrr', { rd: 't0', imm: Csr.CYCLE }), 'csrr t0, CYCLE'],
    [ins('csrw', { rs1: 't0', imm: Csr.TIMECMP }), 'csrw TIMECMP, t0'],
    // Words the CPU rejects.
    [0, '.word 0x00000000'],
    [0xffffffff, '.word 0xffffffff'],
    [ins('csrw', { rs1: 't0', imm: Csr.CYCLE }), '.word 0x0008504e'],
    [ins('csrr', { rd: 't0', imm: 15 }), '.word 0x000f054d'],
    [ins('slli', { rd: 'a0', rs1: 'a0', imm: 32 }), '.word 0x0020111c'],
    [ins('add') | 0x00100000, '.word 0x00100001'],
    [ins('halt') | 0x100, '.word 0x0000014b'],
  ];
  for (const [word, text] of cases) {
    it(text, () => expect(disassembleWord(word, 0x1000)).toBe(text));
  }

  it('names branch and jump targets by symbol, within their segment', () => {
    const exe = sampleExecutable();
    expect(disassembleWord(ins('bne', { rs1: 'a0', rs2: 'zero', imm: -1 }), 0x1008, exe)).toBe('bne a0, zero, 0x00001004 <loop>');
    expect(disassembleWord(ins('jal', { rd: 'lr', imm: 4 }), 0x1014, exe)).toBe('jal lr, 0x00001024 <func>');
    expect(disassembleWord(ins('beq', { rs1: 'a0', rs2: 'a1', imm: 1 }), 0x1024, exe)).toBe('beq a0, a1, 0x00001028');
    expect(disassembleWord(ins('beq', { rs1: 'a0', rs2: 'a1', imm: 1 }), 0x1004, exe)).toBe('beq a0, a1, 0x00001008 <loop+0x4>');
    // Prefer a global name, then a non-local one, when several share an address.
    exe.symbols.push({ name: 'loop.inner', value: 0x1004, kind: 0, global: false }, { name: 'entry2', value: 0x1004, kind: 0, global: true });
    expect(disassembleWord(ins('beq', { rs1: 'a0', rs2: 'a1', imm: 0 }), 0x1004, structuredClone(exe))).toBe('beq a0, a1, 0x00001004 <entry2>');
  });

  it('prints targets relative to the instruction with numericTargets', () => {
    const o = { numericTargets: true };
    expect(disassembleWord(ins('beq', { rs1: 'a0', rs2: 'a1', imm: 3 }), 0x1000, undefined, o)).toBe('beq a0, a1, . + 12');
    expect(disassembleWord(ins('blt', { rs1: 'a0', rs2: 'a1', imm: -2 }), 0x1000, undefined, o)).toBe('blt a0, a1, . - 8');
    expect(disassembleWord(ins('jal', { rd: 'zero', imm: 0 }), 0x1000, undefined, o)).toBe('jal zero, .');
  });

  it('turns every word into text that stands for that same word', () => {
    fc.assert(
      fc.property(arbWord, fc.integer({ min: 0, max: 0xffffffff }), (w, pc) => {
        const text = disassembleWord(w, pc, undefined, { numericTargets: true });
        expect(reassemble(text)).toBe(w);
        // Targets shown as addresses never throw either.
        expect(typeof disassembleWord(w, pc, sampleExecutable())).toBe('string');
      }),
      { numRuns: 5000 },
    );
  });

  it('reassembles with the real assembler to the same words', () => {
    fc.assert(
      fc.property(fc.array(arbWord, { minLength: 1, maxLength: 50 }), (words) => {
        // Placed mid-space so that every branch and jump target is a valid address.
        const base = 0x40000000;
        const src = `.text ${base}\n${words.map((w, i) => disassembleWord(w, base + 4 * i, undefined, { numericTargets: true })).join('\n')}\n`;
        const r = assembleSource(src, 'round.s');
        expect(r.diagnostics).toEqual([]);
        const data = r.exe!.segments[0]!.data;
        const back = Array.from({ length: data.length / 4 }, (_, i) => new DataView(data.buffer, data.byteOffset).getUint32(4 * i, true));
        expect(back).toEqual(words);
      }),
      { numRuns: 100 },
    );
  });

  it('gives an instruction for exactly the words the CPU accepts', () => {
    fc.assert(
      fc.property(arbWord, (w) => {
        const dec = decode(w);
        let valid = dec !== undefined;
        if (dec !== undefined && dec.def.format === 'CR') valid = CSR_NAME.has(dec.fields.imm);
        if (dec !== undefined && dec.def.format === 'CW') valid = CSR_NAME.has(dec.fields.imm) && !CSR_READ_ONLY.has(dec.fields.imm);
        expect(isValidInstruction(w)).toBe(valid);
        expect(disassembleWord(w, 0).startsWith('.word ')).toBe(!valid);
      }),
      { numRuns: 5000 },
    );
  });

  it('survives odd arguments', () => {
    expect(disassembleWord(-1, -4)).toBe('.word 0xffffffff');
    expect(disassembleWord(ins('beq', { imm: -1 }), 0)).toBe('beq zero, zero, 0xfffffffc');
  });
});

describe('disassemble', () => {
  const text = disassemble(sampleExecutable(), { name: 'sample.vmx' });

  it('heads the listing with the entry and a segment table', () => {
    expect(text).toMatch(/^# sample\.vmx: entry 0x00001000 <_start>\n/);
    expect(text).toMatch(/#\s+segment\s+start\s+end\s+flags\s+bytes\s+in file/);
    expect(text).toMatch(/#\s+text\s+0x00001000\s+0x00001027\s+r-x\s+40\s+40/);
    expect(text).toContain('# 6 labels, 1 constant (--symbols lists them)');
  });

  it('lists the symbol table on request', () => {
    const withSyms = disassemble(sampleExecutable(), { symbols: true });
    expect(withSyms).toMatch(/#\s+symbol\s+value\s+decimal\s+kind\s+scope\n/);
    expect(withSyms).toMatch(/#\s+_start\s+0x00001000\s+text\s+global\n/);
    expect(withSyms).toMatch(/#\s+N\s+0x00000064\s+100\s+constant\s+local\n/);
  });

  it('lists code with labels, encodings and source lines', () => {
    const lines = text.split('\n');
    const at = (s: string) => lines.findIndex((l) => l.startsWith(s));
    expect(lines[at('_start:') + 1]).toMatch(/^ {2}00001000: {2}00050118 {2}addi {4}a0, zero, 5 +# prog\.s:3$/);
    expect(lines[at('loop:') + 1]).toMatch(/^ {2}00001004: .*addi {4}a0, a0, -1 +# prog\.s:4$/);
    expect(text).toMatch(/bne {5}a0, zero, 0x00001004 <loop> +# prog\.s:5/);
    expect(text).toMatch(/ori {5}a1, a1, 0x2000 +# prog\.s:6 {2}= 0x00002000 <msg>/);
    expect(text).toMatch(/00001020: {2}00000000 {2}\.word {3}0x00000000 +# prog\.s:10/);
    expect(lines[at('func:') + 1]).toMatch(/jalr {4}zero, lr, 0 +# lib\.s:2$/);
    // The comments line up.
    const cols = lines.filter((l) => /^ {2}0000100/.test(l)).map((l) => l.indexOf('#'));
    expect(new Set(cols).size).toBe(1);
  });

  it('dumps data as hex and ASCII, and bss as zero-filled ranges per label', () => {
    expect(text).toMatch(/msg:\n {2}00002000: {2}68 65 6c 6c 6f 0a 00 +\|hello\.\.\| +# prog\.s:13/);
    expect(text).toMatch(/buf:\n {2}00003000: {2}zero-filled, 256 bytes\ncount:\n {2}00003100: {2}zero-filled, 4 bytes/);
  });

  it('folds runs of zeros and breaks dump lines at labels', () => {
    const exe = sampleExecutable();
    const code = [ins('addi', { rd: 'a0', rs1: 'zero', imm: 1 }), 0, 0, 0, 0, 0, 0, ins('halt')];
    exe.segments[0] = { name: 'text', vaddr: 0x1000, memSize: 0x2000, flags: SegFlag.R | SegFlag.X, data: wordsToBytes(code) };
    exe.segments.splice(1, 1, { name: 'data', vaddr: 0x4000, memSize: 100, flags: SegFlag.R, data: new Uint8Array([1, 2, 3, ...new Array(61).fill(0), 9]) });
    exe.symbols = [{ name: 'mid', value: 0x4002, kind: 1, global: false }, { name: '_start', value: 0x1000, kind: 0, global: true }];
    exe.lines = [];
    const out = disassemble(exe);
    expect(out).toContain('  00001004:  6 zero words (24 bytes)\n  0000101c:  0000004b  halt');
    expect(out).toContain('  00001020:  zero-filled, 8160 bytes');
    expect(out).toMatch(/00004000: {2}01 02 +\|\.\.\|\nmid:\n {2}00004002: {2}03 00 00/);
    expect(out).toMatch(/00004010: {2}48 zero bytes\n {2}00004040: {2}09 +\|\.\|\n {2}00004041: {2}zero-filled, 35 bytes/);
  });

  it('shows trailing bytes of code that are not a whole word, and labels outside the segments', () => {
    const exe: Executable = {
      entry: 0x80000000,
      segments: [{ name: 'text', vaddr: 0x80000000, memSize: 6, flags: SegFlag.R | SegFlag.X, data: new Uint8Array([0x4b, 0, 0, 0, 0xab, 0xcd]) }],
      symbols: [{ name: 'end', value: 0x80000006, kind: 0, global: false }, { name: 'way_out', value: 0x90000000, kind: 0, global: false }],
      files: [],
      lines: [],
    };
    const out = disassemble(exe);
    expect(out).toContain('80000004:            .byte 0xab, 0xcd');
    expect(out).toContain('#   way_out = 0x90000000');
    expect(out).toMatch(/\.byte 0xab, 0xcd\nend: {2}# at 0x80000006, the end\n$/);
    expect(out).not.toContain('#   end =');
  });

  it('never throws on random executables', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 100 }), fc.array(fc.nat(0x3000), { maxLength: 8 }), (code, data, labels) => {
        const exe: Executable = {
          entry: 0x1000,
          segments: [
            { name: 'text', vaddr: 0x1000, memSize: Math.max(code.length, 1), flags: SegFlag.R | SegFlag.X, data: code },
            { name: 'data', vaddr: 0x2000, memSize: data.length + 50, flags: SegFlag.R | SegFlag.W, data },
          ],
          symbols: labels.map((v, i) => ({ name: `l${i}`, value: 0x1000 + v, kind: 0, global: false })),
          files: ['a.s'],
          lines: [...labels].sort((a, b) => a - b).map((v) => ({ addr: 0x1000 + v, file: 0, line: v })),
        };
        expect(disassemble(exe).endsWith('\n')).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
