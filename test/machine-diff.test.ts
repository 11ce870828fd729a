// Differential tests on random programs. A small kernel services page faults (mapping pages
// on demand, some read-only, with tlbinv), skips or restarts faulting instructions, flushes
// the TLB on syscall and re-arms the timer on every timer interrupt; the random user program
// loads, stores, branches and computes over a few dozen pages.
//
// - fast loop vs reference model vs fast loop with a tracer (fast paths off): identical in
//   everything — registers, pc, RAM, cycles, every counter, the TLB's contents — for several
//   TLB shapes and policies (small TLBs, so that the lazy LRU bookkeeping of the fast paths
//   decides evictions);
// - with a TLB vs without one (every access walks): the same architectural results (timer
//   and rdcycle left out, since cycle counts differ).
// VMLAB_LONG=1 runs many more cases.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Csr, Irq, Status } from '../src/arch/csr.ts';
import { Pte } from '../src/arch/pte.ts';
import { Cause } from '../src/arch/traps.ts';
import type { MachineConfig } from '../src/machine/machine.ts';
import type { TlbConfig } from '../src/machine/mmu/tlb.ts';
import { ROOT_PA, ins, tracer, userMachine, MNEMONICS } from './cpu-helpers.ts';

const LONG = process.env.VMLAB_LONG === '1';
const RUNS = LONG ? 100 : 12;
const BUDGET = LONG ? 60_000 : 15_000;
/** Per test: the long runs take minutes on a busy machine. */
const TIMEOUT = LONG ? 30 * 60_000 : 60_000;

const FRAMES_PA = 0x80000;
const REGION_TOP = 0x400000;
const QUANTUM = 997;

function kernelSource(timer: boolean): string {
  const perm = Pte.V | Pte.R | Pte.W | Pte.X | Pte.U;
  return `
handler:
        csrw SCRATCH0, t0
        csrw SCRATCH1, t1
        csrw SCRATCH2, t2
        csrr t0, CAUSE
        li   t1, ${Cause.TIMER_INTERRUPT}
        beq  t0, t1, timer
        li   t1, ${Cause.STORE_PAGE_FAULT + 1}
        blt  t0, t1, pagefault
        li   t1, ${Cause.FETCH_PROTECTION}
        beq  t0, t1, restart
        li   t1, ${Cause.MISALIGNED_FETCH}
        beq  t0, t1, restart
        li   t1, ${Cause.BUS_ERROR}
        beq  t0, t1, restart
        li   t1, ${Cause.SYSCALL}
        beq  t0, t1, flush
skip:   csrr t0, EPC
        addi t0, t0, 4
        csrw EPC, t0
        j    out
flush:  tlbflush
        j    skip
restart:
        li   t0, 0x1000
        csrw EPC, t0
        j    out
pagefault:
        csrr t1, BADVADDR
        li   t2, ${REGION_TOP}
        bltu t1, t2, map
        li   t2, ${Cause.FETCH_PAGE_FAULT}
        beq  t0, t2, restart
        j    skip
map:    srli t1, t1, 12           # vpn
        andi t2, t1, 31           # one of 32 frames
        addi t2, t2, ${FRAMES_PA >>> 12}
        slli t2, t2, 12
        ori  t2, t2, ${perm}
        andi t0, t1, 7
        addi t0, t0, -5
        bnez t0, rw
        xori t2, t2, ${Pte.W}     # every eighth page read-only
rw:     slli t1, t1, 2
        li   t0, ${0x80000000 + ROOT_PA + 0x1000}
        add  t1, t1, t0
        sw   t2, 0(t1)
        csrr t1, BADVADDR
        tlbinv t1
        j    out
timer:  ${timer ? '' : 'halt'}
        csrr t0, CYCLE
        addi t0, t0, ${QUANTUM}
        csrw TIMECMP, t0
out:    csrr t0, SCRATCH0
        csrr t1, SCRATCH1
        csrr t2, SCRATCH2
        eret
`;
}

const { RR, RI, SH, LOADS, STORES, BRANCHES } = MNEMONICS;
/** Destinations: anything but s0-s2 (the base registers) and r0 now and then. */
const dst = fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 14, 15);
const src = fc.integer({ min: 0, max: 15 });
const base = fc.constantFrom(10, 11, 12);
const offset = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -32, max: 32 }).map((x) => x * 4) },
  { weight: 1, arbitrary: fc.integer({ min: -2048, max: 2047 }) },
);

function instruction(withTime: boolean): fc.Arbitrary<number> {
  const choices: { weight: number; arbitrary: fc.Arbitrary<number> }[] = [
    { weight: 25, arbitrary: fc.tuple(fc.constantFrom(...RR), dst, src, src).map(([m, rd, rs1, rs2]) => ins(m, { rd, rs1, rs2 })) },
    { weight: 12, arbitrary: fc.tuple(fc.constantFrom(...RI), dst, src, fc.integer({ min: 0, max: 0xffff })).map(([m, rd, rs1, imm]) => ins(m, { rd, rs1, imm })) },
    { weight: 5, arbitrary: fc.tuple(fc.constantFrom(...SH), dst, src, fc.integer({ min: 0, max: 31 })).map(([m, rd, rs1, imm]) => ins(m, { rd, rs1, imm })) },
    { weight: 3, arbitrary: fc.tuple(dst, fc.integer({ min: 0, max: 0xffff })).map(([rd, imm]) => ins('lui', { rd, imm })) },
    { weight: 20, arbitrary: fc.tuple(fc.constantFrom(...LOADS), dst, base, offset).map(([m, rd, rs1, imm]) => ins(m, { rd, rs1, imm })) },
    { weight: 14, arbitrary: fc.tuple(fc.constantFrom(...STORES), src, base, offset).map(([m, rs2, rs1, imm]) => ins(m, { rs2, rs1, imm })) },
    // Move a base register by whole pages, wrapped into the region (andi keeps it low).
    { weight: 4, arbitrary: fc.tuple(base, fc.integer({ min: -6, max: 6 })).map(([r, k]) => ins('addi', { rd: r, rs1: r, imm: k * 4096 })) },
    { weight: 2, arbitrary: base.map((r) => ins('andi', { rd: r, rs1: r, imm: 0xfffc })) },
    { weight: 8, arbitrary: fc.tuple(fc.constantFrom(...BRANCHES), src, src, fc.integer({ min: -6, max: 8 })).map(([m, rs1, rs2, imm]) => ins(m, { rs1, rs2, imm })) },
    { weight: 2, arbitrary: fc.tuple(dst, fc.integer({ min: -4, max: 8 })).map(([rd, imm]) => ins('jal', { rd, imm })) },
    { weight: 1, arbitrary: fc.tuple(dst, src, offset).map(([rd, rs1, imm]) => ins('jalr', { rd, rs1, imm })) },
    { weight: 1, arbitrary: fc.constantFrom(ins('syscall'), ins('break'), 0xff, ins('tlbflush'), ins('csrr', { rd: 1, imm: Csr.STATUS })) },
  ];
  if (withTime) choices.push({ weight: 1, arbitrary: dst.map((rd) => ins('rdcycle', { rd })) });
  return fc.oneof(...choices);
}

interface Case {
  words: number[];
  regs: number[];
}

function caseArb(withTime: boolean): fc.Arbitrary<Case> {
  return fc.record({
    words: fc.array(instruction(withTime), { minLength: 8, maxLength: 120 }),
    regs: fc.array(fc.integer({ min: -100, max: 0x30000 }), { minLength: 16, maxLength: 16 }),
  });
}

type Mode = 'fast' | 'reference' | 'traced';

function runCase(c: Case, over: Partial<MachineConfig>, mode: Mode, timer: boolean) {
  // The user program: the random words, then a jump back to the start.
  const words = [...c.words, ins('jal', { rd: 0, imm: -c.words.length })];
  const userSrc = `.text\n_start:\n${words.map((w) => `        .word ${w >>> 0}`).join('\n')}\n`;
  const s = userMachine(kernelSource(timer), userSrc, over, { reference: mode === 'reference' });
  const { m } = s;
  c.regs.forEach((v, i) => i > 0 && (m.regs[i] = v));
  m.regs[10] = 0x3000;
  m.regs[11] = 0x9000;
  m.regs[12] = 0x15000;
  if (timer) {
    m.writeCsr(Csr.IM, Irq.TIMER);
    m.writeCsr(Csr.TIMECMP, QUANTUM);
    m.setStatus(Status.UM | Status.IE);
  }
  if (mode === 'traced') m.setTracer(tracer());
  // In pieces, to cross run() boundaries at odd places too.
  let left = BUDGET;
  while (left > 0 && m.stopInfo === null) {
    const n = Math.min(left, 4999);
    m.run(n);
    left -= n;
  }
  return m;
}

function full(m: ReturnType<typeof runCase>) {
  const tlbs = [m.mmu.itlb, m.mmu.dtlb].map((t) => t?.snapshot() ?? null);
  return {
    stop: m.stopInfo,
    regs: Array.from(m.regs),
    pc: m.pc,
    csr: [m.status, m.epc, m.cause, m.badvaddr, m.mmu.asid],
    stats: m.stats(),
    tlbs,
    ram: Buffer.from(m.mem8).toString('base64'),
  };
}

const SHAPES: [string, TlbConfig, boolean][] = [
  ['4 entries, 2-way, lru', { entries: 4, ways: 2, policy: 'lru', seed: 1 }, false],
  ['4 entries, fully associative, lru, split', { entries: 4, ways: 4, policy: 'lru', seed: 1 }, true],
  ['8 entries, direct-mapped, fifo', { entries: 8, ways: 1, policy: 'fifo', seed: 1 }, false],
  ['6 entries, 3-way, random', { entries: 6, ways: 3, policy: 'random', seed: 7 }, false],
  ['64 entries, lru', { entries: 64, ways: 64, policy: 'lru', seed: 1 }, false],
];

describe('fast loop = reference model = traced run, on random programs', () => {
  it.each(SHAPES)('TLB %s', (_name, tlb, split) => {
    fc.assert(
      fc.property(caseArb(true), (c) => {
        const over = { tlb, tlbSplit: split };
        const fast = full(runCase(c, over, 'fast', true));
        expect(fast.stats.instructions).toBeGreaterThan(0);
        expect(full(runCase(c, over, 'reference', true))).toEqual(fast);
        expect(full(runCase(c, over, 'traced', true))).toEqual(fast);
      }),
      { numRuns: RUNS },
    );
  }, TIMEOUT);
});

describe('TLB or no TLB: the same architectural results', () => {
  it('random programs without timer or rdcycle', () => {
    fc.assert(
      fc.property(caseArb(false), fc.constantFrom(...SHAPES), (c, [, tlb, split]) => {
        const a = runCase(c, { tlb, tlbSplit: split }, 'fast', false);
        const b = runCase(c, { tlb: null }, 'fast', false);
        expect(Array.from(a.regs)).toEqual(Array.from(b.regs));
        expect([a.pc, a.instret, a.status, a.epc, a.cause, a.badvaddr]).toEqual([b.pc, b.instret, b.status, b.epc, b.cause, b.badvaddr]);
        expect(Buffer.compare(Buffer.from(a.mem8), Buffer.from(b.mem8))).toBe(0);
        const [sa, sb] = [a.stats(), b.stats()];
        expect(sa.traps).toEqual(sb.traps);
        expect([sa.fetches, sa.loads, sa.stores]).toEqual([sb.fetches, sb.loads, sb.stores]);
        // Without a TLB there are no lookups, only walks.
        expect([sb.tlb.hits, sb.tlb.misses]).toEqual([0, 0]);
        expect(sb.walks).toBeGreaterThanOrEqual(sa.walks);
      }),
      { numRuns: RUNS },
    );
  }, TIMEOUT);
});
