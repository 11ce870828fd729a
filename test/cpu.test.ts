// Instruction semantics: every instruction on the fast loop and on the reference model
// (Machine { reference: true }), against a BigInt model for the arithmetic; edge cases;
// illegal and privileged words; the fast loop's literal case labels against the ISA table.

import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Csr, Irq, Status } from '../src/arch/csr.ts';
import { INSTRUCTIONS, Op } from '../src/arch/isa.ts';
import { PAGE_MASK, PAGE_SHIFT } from '../src/arch/pte.ts';
import { Cause } from '../src/arch/traps.ts';
import type { Machine } from '../src/machine/machine.ts';
import { BlockExit, BS } from '../src/machine/blocks.ts';
import { bare, bareAsm, ins, runToStop } from './cpu-helpers.ts';

const MODES = [
  ['fast', false],
  ['reference', true],
] as const;

const s32 = (x: bigint) => Number(BigInt.asIntN(32, x));
const S = (x: number) => BigInt(x | 0);
const U = (x: number) => BigInt(x >>> 0);
const MIN = -0x80000000;

/** The BigInt model of each register-register operation. */
const RR: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => s32(S(a) + S(b)),
  sub: (a, b) => s32(S(a) - S(b)),
  and: (a, b) => a & b,
  or: (a, b) => a | b,
  xor: (a, b) => a ^ b,
  sll: (a, b) => s32(S(a) << BigInt(b & 31)),
  srl: (a, b) => s32(U(a) >> BigInt(b & 31)),
  sra: (a, b) => s32(S(a) >> BigInt(b & 31)),
  slt: (a, b) => (a < b ? 1 : 0),
  sltu: (a, b) => (a >>> 0 < b >>> 0 ? 1 : 0),
  mul: (a, b) => s32(S(a) * S(b)),
  mulh: (a, b) => s32((S(a) * S(b)) >> 32n),
  mulhu: (a, b) => s32((U(a) * U(b)) >> 32n),
  div: (a, b) => (b === 0 ? -1 : a === MIN && b === -1 ? MIN : s32(S(a) / S(b))),
  divu: (a, b) => (b === 0 ? -1 : s32(U(a) / U(b))),
  rem: (a, b) => (b === 0 ? a : a === MIN && b === -1 ? 0 : s32(S(a) % S(b))),
  remu: (a, b) => (b === 0 ? a : s32(U(a) % U(b))),
};

/** Immediate forms: the model takes the 16-bit field as written in the word. */
const RI: Record<string, (a: number, imm: number) => number> = {
  addi: (a, i) => s32(S(a) + BigInt((i << 16) >> 16)),
  andi: (a, i) => a & i,
  ori: (a, i) => a | i,
  xori: (a, i) => a ^ i,
  slti: (a, i) => (a < (i << 16) >> 16 ? 1 : 0),
  sltiu: (a, i) => (a >>> 0 < ((i << 16) >> 16) >>> 0 ? 1 : 0),
};
const SHIFT: Record<string, (a: number, sh: number) => number> = {
  slli: (a, sh) => s32(S(a) << BigInt(sh)),
  srli: (a, sh) => s32(U(a) >> BigInt(sh)),
  srai: (a, sh) => s32(S(a) >> BigInt(sh)),
};

const edge = fc.oneof(
  fc.constantFrom(0, 1, -1, 2, -2, 31, 32, 33, MIN, 0x7fffffff, 0x8000, 0xffff, 0x10000, -0x8000),
  fc.integer({ min: MIN, max: 0x7fffffff }),
);

/** Run `words` then halt, with r1/r2 preset; returns the machine. */
function exec(words: number[], a: number, b: number, reference: boolean): Machine {
  const { m } = bare([...words, ins('halt')], { ramBytes: 64 * 1024, tlb: null, disk: null }, { reference });
  m.regs[1] = a;
  m.regs[2] = b;
  expect(runToStop(m).reason).toBe('halt');
  return m;
}

describe.each(MODES)('instruction semantics (%s)', (_name, reference) => {
  it.each(Object.keys(RR))('%s matches the BigInt model', (mn) => {
    fc.assert(
      fc.property(edge, edge, (a, b) => {
        const m = exec([ins(mn, { rd: 3, rs1: 1, rs2: 2 })], a, b, reference);
        expect(m.regs[3]).toBe(RR[mn]!(a, b));
      }),
      { numRuns: 60 },
    );
  });

  it.each(Object.keys(RI))('%s matches the BigInt model', (mn) => {
    fc.assert(
      fc.property(edge, fc.integer({ min: 0, max: 0xffff }), (a, imm) => {
        const m = exec([ins(mn, { rd: 3, rs1: 1, imm })], a, 0, reference);
        expect(m.regs[3]).toBe(RI[mn]!(a, imm));
      }),
      { numRuns: 60 },
    );
  });

  it.each(Object.keys(SHIFT))('%s by every amount', (mn) => {
    for (const a of [0x80000001 | 0, 0x12345678, -1, 1]) {
      for (let sh = 0; sh < 32; sh++) {
        const m = exec([ins(mn, { rd: 3, rs1: 1, imm: sh })], a, 0, reference);
        expect(m.regs[3]).toBe(SHIFT[mn]!(a, sh));
      }
    }
  });

  it('edge cases: division, shifts by >= 32 through a register, wrap-around', () => {
    const run = (mn: string, a: number, b: number) => exec([ins(mn, { rd: 3, rs1: 1, rs2: 2 })], a, b, reference).regs[3];
    expect(run('div', 7, 0)).toBe(-1);
    expect(run('divu', 7, 0)).toBe(-1);
    expect(run('rem', 7, 0)).toBe(7);
    expect(run('remu', -7, 0)).toBe(-7);
    expect(run('div', MIN, -1)).toBe(MIN);
    expect(run('rem', MIN, -1)).toBe(0);
    expect(run('div', -7, 2)).toBe(-3);
    expect(run('rem', -7, 2)).toBe(-1);
    expect(run('sll', 1, 33)).toBe(2);
    expect(run('srl', MIN, 63)).toBe(1);
    expect(run('sra', MIN, 32)).toBe(MIN);
    expect(run('add', 0x7fffffff, 1)).toBe(MIN);
    expect(run('sub', MIN, 1)).toBe(0x7fffffff);
    expect(run('mul', 0x10000, 0x10000)).toBe(0);
    expect(run('mulhu', -1, -1)).toBe(-2);
    expect(run('mulh', -1, -1)).toBe(0);
  });

  it('lui/ori build any constant; andi/ori/xori zero-extend, addi sign-extends', () => {
    const m = exec(
      [
        ins('lui', { rd: 3, imm: 0xdead }),
        ins('ori', { rd: 3, rs1: 3, imm: 0xbeef }),
        ins('addi', { rd: 4, rs1: 0, imm: -1 }),
        ins('ori', { rd: 5, rs1: 0, imm: 0xffff }),
        ins('xori', { rd: 6, rs1: 4, imm: 0x8000 }),
        ins('andi', { rd: 7, rs1: 4, imm: 0x8001 }),
        ins('sltiu', { rd: 8, rs1: 1, imm: -1 }),
      ],
      5,
      0,
      reference,
    );
    expect(m.regs[3]! >>> 0).toBe(0xdeadbeef);
    expect(m.regs[4]).toBe(-1);
    expect(m.regs[5]).toBe(0xffff);
    expect(m.regs[6]).toBe(~0x8000);
    expect(m.regs[7]).toBe(0x8001);
    expect(m.regs[8]).toBe(1); // 5 < 0xffffffff unsigned
  });

  it('r0 stays 0 whatever is written to it', () => {
    const m = exec(
      [ins('addi', { rd: 0, rs1: 0, imm: 5 }), ins('add', { rd: 3, rs1: 0, rs2: 0 }), ins('lui', { rd: 0, imm: 1 }), ins('or', { rd: 4, rs1: 0, rs2: 1 })],
      9,
      0,
      reference,
    );
    expect(m.regs[0]).toBe(0);
    expect(m.regs[3]).toBe(0);
    expect(m.regs[4]).toBe(9);
  });

  it('loads sign- or zero-extend; stores write only their width', () => {
    const { m } = bareAsm(
      `
        la   t0, buf
        li   t1, 0x8081f2f3
        sw   t1, 0(t0)
        lb   a0, 0(t0)
        lbu  a1, 0(t0)
        lh   a2, 2(t0)
        lhu  a3, 2(t0)
        li   t2, 0x11
        sb   t2, 1(t0)
        li   t2, 0x2233
        sh   t2, 2(t0)
        lw   s0, 0(t0)
        lw   s1, -4(t0)
        halt
        .data
        .word 0x55667788
buf:    .word 0
`,
      {},
      { reference },
    );
    expect(runToStop(m).reason).toBe('halt');
    expect(m.regs[1]).toBe(-13); // 0xf3
    expect(m.regs[2]).toBe(0xf3);
    expect(m.regs[3]).toBe(0x8081 - 0x10000);
    expect(m.regs[4]).toBe(0x8081);
    expect(m.regs[10]! >>> 0).toBe(0x223311f3);
    expect(m.regs[11]).toBe(0x55667788);
  });

  it('branches: signed and unsigned, taken and not, with their cycle costs', () => {
    const cases: [string, number, number, boolean][] = [
      ['beq', 3, 3, true], ['beq', 3, 4, false], ['bne', 3, 4, true], ['bne', 3, 3, false],
      ['blt', -1, 0, true], ['blt', 0, -1, false], ['bge', 0, 0, true], ['bge', -1, 0, false],
      ['bltu', 0, -1, true], ['bltu', -1, 0, false], ['bgeu', -1, 0, true], ['bgeu', 0, -1, false],
    ];
    for (const [mn, a, b, taken] of cases) {
      const m = exec([ins(mn, { rs1: 1, rs2: 2, imm: 2 }), ins('addi', { rd: 3, rs1: 0, imm: 1 })], a, b, reference);
      expect([mn, a, b, m.regs[3]]).toEqual([mn, a, b, taken ? 0 : 1]);
      // taken: branch 1 + taken 1, then halt 2; not taken: branch 1, addi 1, halt 2
      expect(m.cycles).toBe(4);
      expect(m.instret).toBe(taken ? 2 : 3);
    }
  });

  it('jal and jalr link pc + 4; jalr adds a signed offset', () => {
    const { m } = bareAsm(
      `
        jal  lr, f
        li   a1, 1
        la   t0, g
        jalr a2, t0, 4
        halt
f:      mv   a0, lr
        jalr zero, lr, 0
g:      halt
        li   a3, 7
        halt
`,
      {},
      { reference },
    );
    expect(runToStop(m).reason).toBe('halt');
    expect(m.regs[1]! >>> 0).toBe(0x80000004);
    expect(m.regs[2]).toBe(1);
    expect(m.regs[4]).toBe(7);
    expect(m.regs[3]! >>> 0).toBe(0x80000014);
  });

  it('rdcycle reads the cycle count before its own cost; CYCLE/INSTRET via csrr', () => {
    const { m } = bareAsm(
      `
        addi t0, zero, 1
        rdcycle a0
        rdcycle a1
        csrr a2, CYCLE
        csrr a3, INSTRET
        halt
`,
      {},
      { reference },
    );
    runToStop(m);
    expect(m.regs[1]).toBe(1);
    expect(m.regs[2]).toBe(3);
    expect(m.regs[3]).toBe(5);
    expect(m.regs[4]).toBe(4);
  });
});

/** A machine with a trap handler that halts with a0 = CAUSE, a1 = BADVADDR, a2 = EPC. */
function trapping(body: string, reference: boolean, over = {}) {
  return bareAsm(
    `
        la   t0, handler
        csrw TVEC, t0
${body}
        li   a0, -1
        halt
handler:
        csrr a0, CAUSE
        csrr a1, BADVADDR
        csrr a2, EPC
        halt
`,
    over,
    { reference },
  );
}

describe.each(MODES)('illegal, privileged, misaligned (%s)', (_name, reference) => {
  const illegal = [
    ['unknown opcode', 0x000000ff],
    ['opcode 0', 0],
    ['R-format must-be-zero bits', ins('add', { rd: 1, rs1: 2, rs2: 3 }) | (1 << 20)],
    ['shift amount 32', ins('slli', { rd: 1, rs1: 1, imm: 32 })],
    ['lui must-be-zero bits', ins('lui', { rd: 1, imm: 1 }) | 0xf000],
    ['halt with operand bits', ins('halt') | 0x100],
    ['unknown CSR', ins('csrr', { rd: 1, imm: 15 })],
    ['write to a read-only CSR', ins('csrw', { rs1: 1, imm: Csr.CYCLE })],
    ['rdcycle must-be-zero bits', ins('rdcycle', { rd: 1 }) | 0x1000],
  ] as const;
  it.each(illegal)('%s is an illegal instruction with BADVADDR = the word', (_what, word) => {
    const { m } = trapping(`        .word ${word >>> 0}`, reference);
    expect(runToStop(m).reason).toBe('halt');
    expect(m.regs[1]).toBe(Cause.ILLEGAL_INSTRUCTION);
    expect(m.regs[2]! >>> 0).toBe(word >>> 0);
    expect(m.regs[3]! >>> 0).toBe(0x8000000c);
  });

  it('every privileged instruction traps in user mode, with no effect', () => {
    for (const d of INSTRUCTIONS.filter((x) => x.privileged)) {
      const word = ins(d.mnemonic, { rd: 1, rs1: 1, imm: d.mnemonic.startsWith('csr') ? Csr.SCRATCH0 : 0 });
      // User code at a kernel address cannot run: build a user page.
      const { m } = bare([], { ramBytes: 1 << 20 }, { reference });
      const handler = [ins('csrr', { rd: 1, imm: Csr.CAUSE }), ins('csrr', { rd: 2, imm: Csr.BADVADDR }), ins('halt')];
      handler.forEach((w, i) => (m.mem32[0x100 + i] = w));
      m.tvec = 0x80000400;
      m.mem32[0x2000 / 4] = (0x3 << 12) | 1; // root[0] -> the table at 0x3000 (V)
      m.mem32[0x3000 / 4 + 1] = (0x4 << 12) | 0x1b; // va 0x1000 -> pa 0x4000, V R X U
      m.mem32[0x4000 / 4] = word;
      m.mmu.ptbr = 0x2000;
      m.setStatus(Status.UM);
      m.pc = 0x1000;
      expect(runToStop(m).reason).toBe('halt');
      expect([d.mnemonic, m.regs[1], m.regs[2]! >>> 0]).toEqual([d.mnemonic, Cause.PRIVILEGED_INSTRUCTION, word >>> 0]);
      expect(m.instret).toBe(3);
    }
  });

  it('misaligned loads and stores trap with the address and change nothing', () => {
    for (const [insn, cause, addr] of [
      ['lw a3, 2(t1)', Cause.MISALIGNED_LOAD, 0x80001002],
      ['lh a3, 1(t1)', Cause.MISALIGNED_LOAD, 0x80001001],
      ['lhu a3, 3(t1)', Cause.MISALIGNED_LOAD, 0x80001003],
      ['sw t1, 1(t1)', Cause.MISALIGNED_STORE, 0x80001001],
      ['sh t1, 3(t1)', Cause.MISALIGNED_STORE, 0x80001003],
    ] as const) {
      const { m } = trapping(`        li t1, 0x80001000\n        li a3, 77\n        ${insn}`, reference);
      runToStop(m);
      expect([insn, m.regs[1], m.regs[2]! >>> 0, m.regs[4]]).toEqual([insn, cause, addr, 77]);
      expect(m.mem32[0x1000 / 4]).toBe(0);
    }
  });

  it('jalr to a misaligned target traps before writing rd', () => {
    const { m } = trapping('        li t1, 0x80000102\n        li a3, 5\n        jalr a3, t1, 0', reference);
    runToStop(m);
    expect(m.regs[1]).toBe(Cause.MISALIGNED_FETCH);
    expect(m.regs[2]! >>> 0).toBe(0x80000102);
    expect(m.regs[4]).toBe(5);
  });

  it('kernel access beyond RAM and byte access to a device are bus errors', () => {
    let t = trapping('        li t1, 0x80100000\n        lw a3, 0(t1)', reference, { ramBytes: 1 << 20 });
    runToStop(t.m);
    expect([t.m.regs[1], t.m.regs[2]! >>> 0]).toEqual([Cause.BUS_ERROR, 0x80100000]);
    t = trapping('        li t1, 0xfff00000\n        li a3, 65\n        sb a3, 0(t1)', reference);
    runToStop(t.m);
    expect([t.m.regs[1], t.m.regs[2]! >>> 0]).toEqual([Cause.BUS_ERROR, 0xfff00000]);
    expect(t.io.out).toEqual([]);
    t = trapping('        li t1, 0xfff03000\n        sw a3, 0(t1)', reference);
    runToStop(t.m);
    expect([t.m.regs[1], t.m.regs[2]! >>> 0]).toEqual([Cause.BUS_ERROR, 0xfff03000]);
  });

  it('syscall and break trap with EPC at the instruction and BADVADDR 0', () => {
    for (const [insn, cause] of [['syscall', Cause.SYSCALL], ['break', Cause.BREAKPOINT]] as const) {
      const { m } = trapping(`        ${insn}`, reference);
      runToStop(m);
      expect([m.regs[1], m.regs[2], m.regs[3]! >>> 0]).toEqual([cause, 0, 0x8000000c]);
      expect(m.stats().traps[insn === 'syscall' ? 'syscall' : 'breakpoint']).toBe(1);
    }
  });
});

describe('the reference model', () => {
  // Found by test/blocks.test.ts: the reference ran the handler's first instruction after an
  // interrupt whose entry cost had reached --max-cycles, where the fast loop stops.
  it('looks at events again after taking an interrupt, however run() is cut', () => {
    const src = `
        la   t0, handler
        csrw TVEC, t0
        li   t0, ${Irq.TIMER}
        csrw IM, t0
        li   t0, 100
        csrw TIMECMP, t0
        li   t0, ${Status.IE}
        csrw STATUS, t0
spin:   j    spin
handler:
        addi a0, a0, 1
        halt`;
    const ends = [
      { reference: false, step: 1e6 },
      { reference: true, step: 1e6 },
      { reference: true, step: 1 },
    ].map(({ reference, step }) => {
      const { m } = bareAsm(src, { maxCycles: 105 }, { reference });
      while (m.run(step) === null);
      return [m.stopInfo!.reason, m.instret, m.pc, m.regs[1]];
    });
    expect(ends[0]![0]).toBe('max-cycles');
    expect(ends[1]).toEqual(ends[0]);
    expect(ends[2]).toEqual(ends[0]);
  });
});

describe('the fast loop', () => {
  it('has one literal case label per opcode it handles, each equal to the ISA table', () => {
    const src = readFileSync(new URL('../src/machine/cpu.ts', import.meta.url), 'utf8');
    const cases = [...src.matchAll(/case 0x([0-9a-f]{2}): (?:\{ )?\/\/ (\w+)/g)].map((x) => [parseInt(x[1]!, 16), x[2]!] as const);
    expect(cases.length).toBeGreaterThan(40);
    const byName = new Map(INSTRUCTIONS.map((d) => [d.mnemonic, d.opcode]));
    for (const [op, name] of cases) expect([name, op]).toEqual([name, byName.get(name)]);
    expect(new Set(cases.map(([op]) => op)).size).toBe(cases.length);
    // Op (the named constants) agrees with the table too.
    for (const d of INSTRUCTIONS) expect(Op[d.mnemonic.toUpperCase() as keyof typeof Op]).toBe(d.opcode);
    // The loop's page arithmetic is written as `>>> 12` and `& 0xfff`.
    expect([PAGE_SHIFT, PAGE_MASK]).toEqual([12, 0xfff]);
  });

  it('reaches the block state at the indices of BS and reads block exits as BlockExit, in literals', () => {
    const src = readFileSync(new URL('../src/machine/cpu.ts', import.meta.url), 'utf8');
    const slot: Record<string, keyof typeof BS> = {
      cyc: 'CYC', n: 'N', rN: 'RN', rT: 'RT', wN: 'WN', wT: 'WT', pc: 'PC', w: 'W',
      evt: 'EVT', stop: 'STOP', rVpn: 'RVPN', rBase: 'RBASE', wVpn: 'WVPN', wBase: 'WBASE', kram: 'KRAM', kL: 'KL', kS: 'KS',
    };
    const uses = [
      ...[...src.matchAll(/\bst\[(\d+)\] = (\w+);/g)].map((x) => [Number(x[1]), x[2]!] as const),
      ...[...src.matchAll(/\b(\w+) = st\[(\d+)\]!;/g)].map((x) => [Number(x[2]), x[1]!] as const),
    ];
    expect(uses.length).toBeGreaterThan(25);
    for (const [index, name] of uses) expect([name, index]).toEqual([name, BS[slot[name]!]]);
    // Slots written with their name beside them: st[17 /* BS.FN0 */].
    const named = [...src.matchAll(/\bst\[(\d+) \/\* BS\.(\w+) \*\/\]/g)];
    expect(named.length).toBeGreaterThan(4);
    for (const x of named) expect([x[2], Number(x[1])]).toEqual([x[2], BS[x[2] as keyof typeof BS]]);
    const exits = [...src.matchAll(/(\d+) \/\* (\w+) \*\//g)];
    expect(exits.length).toBeGreaterThan(4);
    for (const x of exits) expect([x[2], Number(x[1])]).toEqual([x[2], BlockExit[x[2] as keyof typeof BlockExit]]);
    expect(src).toContain('(m.status & 2) === 0');
    expect(Status.UM).toBe(2);
  });

  it('gives the same results as the reference on random straight-line ALU code', () => {
    const alu = [...Object.keys(RR), ...Object.keys(RI), ...Object.keys(SHIFT), 'lui'];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...alu), fc.nat(15), fc.nat(15), fc.nat(15), fc.nat(0xffff)), { minLength: 1, maxLength: 40 }),
        fc.array(edge, { minLength: 16, maxLength: 16 }),
        (prog, init) => {
          const words = prog.map(([mn, rd, rs1, rs2, imm]) =>
            ins(mn, { rd, rs1, rs2, imm: mn in SHIFT ? imm & 31 : imm }),
          );
          const results = [false, true].map((reference) => {
            const { m } = bare([...words, ins('halt')], { ramBytes: 64 * 1024, tlb: null, disk: null }, { reference });
            init.forEach((v, i) => i > 0 && (m.regs[i] = v));
            runToStop(m);
            return [Array.from(m.regs), m.cycles, m.instret];
          });
          expect(results[0]).toEqual(results[1]);
        },
      ),
      { numRuns: 200 },
    );
  });
});
