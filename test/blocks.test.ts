// Basic-block translation (src/machine/blocks.ts) changes nothing but speed: with blocks on, a
// machine ends in exactly the state it reaches with blocks off and in the reference model —
// registers, pc, control registers, RAM, cycles, instret, every statistic, the TLB's entries
// and their recency order, and (through a log the test kernel keeps) the pc and cycle of every
// timer interrupt.
//
// 1. Random looping user programs under a small kernel (page faults, skipped faults, a timer
//    that fires inside hot loops), blocks on vs off vs reference; each run must have compiled
//    and entered blocks, and the runs together must have met every block exit but STALE
//    (which part 2 meets).
// 2. Self-modifying code: a hot loop patching its own block, another block of its page and a
//    block in another page; the host rewriting hot code between runs; a disk DMA over it.
// 3. One m.run(N) = many small m.run(k), blocks on.
// 4. The real kernel with programs whose frames are reused for other programs' code.
//
// Blocks are counted by wrapping the compiled functions in m.code between run pieces (the
// wrapper only counts: it returns what the block returned). VMLAB_LONG=1 runs many more cases;
// VMLAB_SEED=N changes the random cases.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Csr, Irq, Status } from '../src/arch/csr.ts';
import { Dev, DiskCmd, DiskReg, DiskStatus, KSEG_BASE, MonitorEvent } from '../src/arch/memmap.ts';
import { PAGE_SIZE, Pte } from '../src/arch/pte.ts';
import { DEFAULT_TIMING, type Timing } from '../src/arch/timing.ts';
import { Cause } from '../src/arch/traps.ts';
import { assembleSource, formatDiagnostic } from '../src/asm/index.ts';
import { machineConfig } from '../src/cli/machine-options.ts';
import type { Executable } from '../src/exe/types.ts';
import { BlockExit, BS, HOT_PAGE, type Block } from '../src/machine/blocks.ts';
import type { Machine, MachineConfig } from '../src/machine/machine.ts';
import type { Tlb, TlbConfig } from '../src/machine/mmu/tlb.ts';
import { bootKernel, DEFAULT_KERNEL_OPTIONS, type KernelOptions } from '../src/os/boot.ts';
import { ROOT_PA, assemble, bareAsm, ins, symbol, userMachine, MNEMONICS } from './cpu-helpers.ts';
import { EXAMPLES, ROOT } from './example-run.ts';

const LONG = process.env.VMLAB_LONG === '1';
const RUNS = LONG ? 150 : 12;
/** fast-check's seed: runs are the same every time (VMLAB_SEED=N explores others). */
const SEED = Number(process.env.VMLAB_SEED ?? 0xb10c);
const TIMEOUT = LONG ? 30 * 60_000 : 60_000;

// ---- observing a machine ------------------------------------------------------------------------

type Mode = 'blocks' | 'off' | 'reference';
const MODES: readonly Mode[] = ['blocks', 'off', 'reference'];

/** Every readable control register but IP (reading it polls the devices). */
const CSRS = Object.values(Csr).filter((n) => n !== Csr.IP);

/** The entries of each set from most to least recent (LRU) or newest to oldest fill (FIFO). */
function recency(tlb: Tlb): number[][] {
  // The recency lists are private: node `entries + s` is set s's sentinel (see tlb.ts).
  const next = (tlb as unknown as { next: Int32Array }).next;
  const sets: number[][] = [];
  for (let s = 0; s < tlb.sets; s++) {
    const sentinel = tlb.entries + s;
    const order: number[] = [];
    for (let e = next[sentinel]!; e !== sentinel; e = next[e]!) order.push(e);
    sets.push(order);
  }
  return sets;
}

/** Everything but RAM (compared word by word by ramDiff, which names the first difference). */
function observe(m: Machine) {
  const stats = m.stats();
  // The fast paths' last uses are folded into the recency lists lazily (mmu.ts).
  m.mmu.applyPending();
  const tlbs = m.mmu.itlb === m.mmu.dtlb ? [m.mmu.itlb] : [m.mmu.itlb, m.mmu.dtlb];
  return {
    stop: m.stopInfo,
    pc: m.pc,
    regs: Array.from(m.regs),
    csrs: CSRS.map((n) => m.readCsr(n)),
    cycles: m.cycles,
    instret: m.instret,
    stats,
    tlbs: tlbs.map((t) => (t === null ? null : { entries: t.snapshot(), recency: recency(t) })),
  };
}

function ramDiff(a: Machine, b: Machine): string | null {
  for (let i = 0; i < a.mem32.length; i++)
    if (a.mem32[i] !== b.mem32[i])
      return `RAM differs first at PA 0x${(i * 4).toString(16)}: 0x${(a.mem32[i]! >>> 0).toString(16)} vs 0x${(b.mem32[i]! >>> 0).toString(16)}`;
  return null;
}

/** Machines a and b are in the same state. */
function expectSame(a: Machine, b: Machine): void {
  expect(observe(b)).toEqual(observe(a));
  expect(ramDiff(a, b)).toBeNull();
}

// ---- counting block uses ------------------------------------------------------------------------

interface BlockUse {
  /** Calls that ran instructions (DONE or a SLOW_* exit), and the instructions they retired. */
  entered: number;
  instructions: number;
  /** Calls that returned SLOW_MEMORY or SLOW_EXEC. */
  slowExits: number;
  notEntered: number;
  stale: number;
  /** Calls of a self-looping block that went round more than once. */
  selfLoops: number;
  /** Calls in which blockMemory served a user-space access in place (DIRTY set)... */
  served: number;
  /** ...and that access evicted the TLB entry of the block's own page (DIRTY = 2)... */
  fetchDropped: number;
  /** ...or trapped (SYNCED). */
  trapped: number;
}

function newUse(): BlockUse {
  return { entered: 0, instructions: 0, slowExits: 0, notEntered: 0, stale: 0, selfLoops: 0, served: 0, fetchDropped: 0, trapped: 0 };
}

function addUse(to: BlockUse, u: BlockUse): void {
  for (const k of Object.keys(to) as (keyof BlockUse)[]) to[k] += u[k];
}

const counting = new WeakSet<Block>();

/** Replace every compiled block in m.code by a wrapper that counts its calls into `use`. */
function instrument(m: Machine, use: BlockUse): void {
  for (const page of m.code) {
    if (page === undefined) continue;
    for (let i = 0; i < page.length; i++) {
      const blk = page[i];
      // The page's table also holds null (no block can start there) and entry counts.
      if (typeof blk !== 'function' || counting.has(blk)) continue;
      const src = blk.toString();
      // The entry check (the line that returns STALE) compares each word of the block once.
      const check = src.split('\n').find((l) => l.includes(`return ${BlockExit.STALE};`)) ?? '';
      const len = check.split(' !== ').length - 1;
      if (len === 0) throw new Error(`instrument: no entry check in the block's source:\n${src}`);
      const selfLoop = src.includes('for (;;)');
      const wrapper = ((...args: Parameters<Block>): number => {
        const st = args[0];
        const n0 = st[BS.N]!;
        const why = blk(...args);
        if (why === BlockExit.NOT_ENTERED) use.notEntered++;
        else if (why === BlockExit.STALE) use.stale++;
        else {
          const ran = st[BS.N]! - n0;
          use.entered++;
          use.instructions += ran;
          if (why !== BlockExit.DONE && why !== BlockExit.SYNCED) use.slowExits++;
          if (selfLoop && ran > len) use.selfLoops++;
          // The loop clears DIRTY at the start of a pass, and a pass ends when it is set.
          if (st[BS.DIRTY] !== 0) use.served++;
          if (st[BS.DIRTY] === 2) use.fetchDropped++;
          if (why === BlockExit.SYNCED) use.trapped++;
        }
        return why;
      }) as Block;
      counting.add(wrapper);
      page[i] = wrapper;
    }
  }
}

/** Compiled blocks in m.code. */
function compiledBlocks(m: Machine): number {
  let n = 0;
  for (const page of m.code) if (page !== undefined) for (const b of page) if (typeof b === 'function') n++;
  return n;
}

/**
 * Run `budget` instructions (or to the stop) in pieces of `piece`, instrumenting the blocks
 * after each piece when `use` is given.
 */
function drive(m: Machine, budget: number, piece: number, use?: BlockUse): void {
  let left = budget;
  while (left > 0 && m.stopInfo === null) {
    const n = Math.min(left, piece);
    m.run(n);
    left -= n;
    if (use !== undefined) instrument(m, use);
  }
}

// ---- random looping programs under a small kernel -----------------------------------------------

const USER_ENTRY = 0x1000;
/** Data pages live at 0x8000-0xffff (page moves wrap into it); the kernel maps any page below REGION_TOP. */
const REGION_TOP = 0x400000;
const FRAMES_PA = 0x80000;
/** The kernel's timer log: count at +0, the quantum (set by the host) at +4, (EPC, CYCLE) pairs from +8. */
const LOG_PA = 0x30000;
const LOG_SLOTS = 256;

/**
 * Page faults on loads and stores below REGION_TOP map the page (one of 32 frames, every eighth
 * page read-only, then tlbinv); fetch faults restart the program; syscall flushes the TLB; other
 * exceptions (misaligned, protection, illegal, break) skip the instruction; each timer interrupt
 * logs EPC and CYCLE and re-arms the timer a quantum later.
 */
function kernelSource(): string {
  const perm = Pte.V | Pte.R | Pte.W | Pte.X | Pte.U;
  const log = KSEG_BASE + LOG_PA;
  return `
handler:
        csrw SCRATCH0, t0
        csrw SCRATCH1, t1
        csrw SCRATCH2, t2
        csrr t0, CAUSE
        li   t1, ${Cause.TIMER_INTERRUPT}
        beq  t0, t1, timer
        li   t1, ${Cause.FETCH_PAGE_FAULT}
        beq  t0, t1, restart
        li   t1, ${Cause.FETCH_PROTECTION}
        beq  t0, t1, restart
        li   t1, ${Cause.STORE_PAGE_FAULT + 1}
        blt  t0, t1, pagefault
        li   t1, ${Cause.SYSCALL}
        beq  t0, t1, flush
skip:   csrr t0, EPC
        addi t0, t0, 4
        csrw EPC, t0
        j    out
flush:  tlbflush
        j    skip
restart:
        li   t0, ${USER_ENTRY}
        csrw EPC, t0
        j    out
pagefault:
        csrr t1, BADVADDR
        li   t2, ${REGION_TOP}
        bgeu t1, t2, skip
        srli t1, t1, 12           # vpn
        andi t2, t1, 31
        addi t2, t2, ${FRAMES_PA >>> 12}
        slli t2, t2, 12
        ori  t2, t2, ${perm}
        andi t0, t1, 7
        addi t0, t0, -5
        bnez t0, rw
        xori t2, t2, ${Pte.W}
rw:     slli t1, t1, 2
        li   t0, ${KSEG_BASE + ROOT_PA + 0x1000}
        add  t1, t1, t0
        sw   t2, 0(t1)
        csrr t1, BADVADDR
        tlbinv t1
        j    out
timer:  li   t1, ${log}
        lw   t2, 0(t1)
        addi t2, t2, 1
        sw   t2, 0(t1)
        andi t2, t2, ${LOG_SLOTS - 1}
        slli t2, t2, 3
        add  t2, t2, t1
        csrr t0, EPC
        sw   t0, 8(t2)
        csrr t0, CYCLE
        sw   t0, 12(t2)
        lw   t1, 4(t1)
        add  t0, t0, t1
        csrw TIMECMP, t0
out:    csrr t0, SCRATCH0
        csrr t1, SCRATCH1
        csrr t2, SCRATCH2
        eret
`;
}
const KERNEL = kernelSource();

/** A forward branch or jal, its target a fraction of the way to the loop's end. */
type Jump = { k: 'br'; op: string; rs1: number; rs2: number; frac: number } | { k: 'jal'; rd: number; frac: number };
/** A body item: fixed words, or a jump. */
type Item = { k: 'w'; w: number[] } | Jump;

interface Loop {
  iters: number;
  body: Item[];
}

interface Program {
  loops: Loop[];
  regs: number[];
  bases: number[];
  quantum: number;
  piece: number;
}

const { RR, RI, SH, LOADS, STORES, BRANCHES } = MNEMONICS;
/** r10-r12 are the data bases and r13 the loop counter: never destinations; r0 often is. */
const dst = fc.constantFrom(0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 14, 15);
const src = fc.integer({ min: 0, max: 15 });
const base = fc.constantFrom(10, 11, 12);
const offset = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -32, max: 32 }).map((x) => x * 4) },
  // Far (into the neighbouring pages) and misaligned.
  { weight: 2, arbitrary: fc.integer({ min: -2048, max: 2047 }) },
  { weight: 1, arbitrary: fc.constantFrom(-1, -2, -3, 1, 2, 3, 4094, 4095 - 4096) },
);
const w = (word: number): Item => ({ k: 'w', w: [word] });
const frac = fc.integer({ min: 0, max: 999 }).map((x) => x / 1000);

/** Straight-line items: ALU (r0 as destination, division by zero, shifts), loads and stores. */
const straight: fc.Arbitrary<Item> = fc.oneof(
  { weight: 20, arbitrary: fc.tuple(fc.constantFrom(...RR), dst, src, src).map(([m, rd, rs1, rs2]) => w(ins(m, { rd, rs1, rs2 }))) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('div', 'divu', 'rem', 'remu'), dst, src).map(([m, rd, rs1]) => w(ins(m, { rd, rs1, rs2: 0 }))) },
  { weight: 10, arbitrary: fc.tuple(fc.constantFrom(...RI), dst, src, fc.integer({ min: 0, max: 0xffff })).map(([m, rd, rs1, imm]) => w(ins(m, { rd, rs1, imm }))) },
  { weight: 5, arbitrary: fc.tuple(fc.constantFrom(...SH), dst, src, fc.integer({ min: 0, max: 31 })).map(([m, rd, rs1, imm]) => w(ins(m, { rd, rs1, imm }))) },
  { weight: 2, arbitrary: fc.tuple(dst, fc.integer({ min: 0, max: 0xffff })).map(([rd, imm]) => w(ins('lui', { rd, imm }))) },
  { weight: 14, arbitrary: fc.tuple(fc.constantFrom(...LOADS), dst, base, offset).map(([m, rd, rs1, imm]) => w(ins(m, { rd, rs1, imm }))) },
  { weight: 10, arbitrary: fc.tuple(fc.constantFrom(...STORES), src, base, offset).map(([m, rs2, rs1, imm]) => w(ins(m, { rs2, rs1, imm }))) },
);

const item: fc.Arbitrary<Item> = fc.oneof(
  { weight: 60, arbitrary: straight },
  // Move a base a little (accesses then straddle pages), or by pages, wrapped back into 0x8000-0xfffc.
  { weight: 2, arbitrary: fc.tuple(base, fc.integer({ min: -16, max: 16 })).map(([r, k]) => w(ins('addi', { rd: r, rs1: r, imm: 4 * k }))) },
  {
    weight: 2,
    arbitrary: fc.tuple(base, fc.integer({ min: -3, max: 3 })).map(([r, k]): Item => ({
      k: 'w',
      w: [ins('addi', { rd: r, rs1: r, imm: k * PAGE_SIZE }), ins('andi', { rd: r, rs1: r, imm: 0x7ffc }), ins('ori', { rd: r, rs1: r, imm: 0x8000 })],
    })),
  },
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...BRANCHES), src, src, frac).map(([op, rs1, rs2, f]): Item => ({ k: 'br', op, rs1, rs2, frac: f })) },
  { weight: 2, arbitrary: fc.tuple(dst, frac).map(([rd, f]): Item => ({ k: 'jal', rd, frac: f })) },
  // jal r14 to the next word, then jalr to the word after it, or to a misaligned address near it
  // (misaligned fetch on the jalr, which the kernel skips).
  {
    weight: 2,
    arbitrary: fc.tuple(dst, fc.constantFrom(4, 4, 5, 6, 7)).map(([rd, imm]) => ({ k: 'w', w: [ins('jal', { rd: 14, imm: 1 }), ins('jalr', { rd, rs1: 14, imm })] }) as Item),
  },
  { weight: 1, arbitrary: fc.constantFrom(ins('syscall'), ins('break'), 0xff, ins('csrr', { rd: 1, imm: Csr.STATUS })).map(w) },
  { weight: 1, arbitrary: dst.map((rd) => w(ins('rdcycle', { rd }))) },
);

const loop: fc.Arbitrary<Loop> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ iters: fc.integer({ min: 2, max: 40 }), body: fc.array(item, { maxLength: 40, size: 'medium' }) }) },
  // Tight loops: a block that branches back to its own first word.
  { weight: 2, arbitrary: fc.record({ iters: fc.integer({ min: 20, max: 300 }), body: fc.array(straight, { maxLength: 3 }) }) },
);

const program: fc.Arbitrary<Program> = fc.record({
  loops: fc.array(loop, { minLength: 1, maxLength: 4 }),
  regs: fc.array(fc.integer({ min: -0x80000000, max: 0x7fffffff }), { minLength: 16, maxLength: 16 }),
  bases: fc.array(fc.integer({ min: 0x2000, max: 0x3fff }).map((x) => x * 4), { minLength: 3, maxLength: 3 }),
  quantum: fc.oneof(fc.integer({ min: 30, max: 300 }), fc.integer({ min: 300, max: 5000 })),
  // Run pieces: long enough for blocks to be entered (part 3 takes pieces of 1-50).
  piece: fc.oneof(fc.integer({ min: 60, max: 400 }), fc.integer({ min: 400, max: 6000 })),
});

/**
 * The words: per loop `addi r13, r0, iters`, the body, `addi r13, r13, -1`, `bne r13, r0, top`;
 * then a jump back to the first loop.
 */
function programWords(p: Program): number[] {
  const out: number[] = [];
  for (const l of p.loops) {
    out.push(ins('addi', { rd: 13, rs1: 0, imm: l.iters }));
    const top = out.length;
    const body: (number | Jump)[] = [];
    for (const it of l.body) if (it.k === 'w') body.push(...it.w);
    else body.push(it);
    // Forward targets run from the next word to the loop's decrement (body.length).
    body.forEach((x, i) => {
      if (typeof x === 'number') return void out.push(x);
      const by = 1 + Math.floor(x.frac * (body.length - i));
      out.push(x.k === 'br' ? ins(x.op, { rs1: x.rs1, rs2: x.rs2, imm: by }) : ins('jal', { rd: x.rd, imm: by }));
    });
    out.push(ins('addi', { rd: 13, rs1: 13, imm: -1 }));
    out.push(ins('bne', { rs1: 13, rs2: 0, imm: top - out.length }));
  }
  out.push(ins('jal', { rd: 0, imm: -out.length }));
  return out;
}

/** The program in a user machine under the test kernel, timer armed, not yet run. */
function startProgram(p: Program, over: Partial<MachineConfig>, mode: Mode): Machine {
  const words = programWords(p);
  const userSrc = `.text\n_start:\n${words.map((x) => `        .word ${x >>> 0}`).join('\n')}\n`;
  const s = userMachine(KERNEL, userSrc, over, { reference: mode === 'reference' });
  const { m } = s;
  expect(s.user.entry).toBe(USER_ENTRY);
  if (mode === 'off') m.blocks = false;
  else m.blockKinds = 'all'; // every kind of block, not only loops
  p.regs.forEach((v, i) => i > 0 && (m.regs[i] = v));
  p.bases.forEach((v, i) => (m.regs[10 + i] = v));
  m.writePhysWord(LOG_PA + 4, p.quantum);
  m.writeCsr(Csr.IM, Irq.TIMER);
  m.writeCsr(Csr.TIMECMP, p.quantum);
  m.setStatus(Status.UM | Status.IE);
  return m;
}

/**
 * Runs p in the three modes and checks they agree; unless `mayStayCold` (a run that a cycle limit
 * may end early), also that the blocks run compiled and entered blocks.
 */
function differential(p: Program, over: Partial<MachineConfig>, budget: number, total: BlockUse, mayStayCold = false): Machine {
  const use = newUse();
  const [on, off, ref] = MODES.map((mode) => {
    const m = startProgram(p, over, mode);
    drive(m, budget, p.piece, mode === 'blocks' ? use : undefined);
    return m;
  }) as [Machine, Machine, Machine];
  if (!mayStayCold) {
    expect(on.stats().instructions).toBeGreaterThan(HOT_PAGE);
    expect(compiledBlocks(on)).toBeGreaterThan(0);
    expect(use.instructions).toBeGreaterThan(0);
  }
  expect(compiledBlocks(off)).toBe(0);
  expectSame(off, on);
  expectSame(ref, on);
  addUse(total, use);
  return on;
}

/** The timer log's interrupts (the kernel counts them at LOG_PA). */
function timerInterrupts(m: Machine): number {
  return m.readPhysWord(LOG_PA);
}

const SHAPES: [string, TlbConfig, boolean][] = [
  ['4 entries, 2-way, lru', { entries: 4, ways: 2, policy: 'lru', seed: 1 }, false],
  ['4 entries, fully associative, lru, split', { entries: 4, ways: 4, policy: 'lru', seed: 1 }, true],
  ['8 entries, direct-mapped, fifo', { entries: 8, ways: 1, policy: 'fifo', seed: 1 }, false],
  ['6 entries, 3-way, random', { entries: 6, ways: 3, policy: 'random', seed: 7 }, false],
  ['64 entries, lru', { entries: 64, ways: 64, policy: 'lru', seed: 1 }, false],
];

/** Costs from 0 up (0-cycle instructions included), and a cycle limit now and then. */
const timing: fc.Arbitrary<Timing> = fc
  .record({
    alu: fc.integer({ min: 0, max: 3 }),
    mul: fc.integer({ min: 0, max: 6 }),
    div: fc.integer({ min: 0, max: 30 }),
    load: fc.integer({ min: 0, max: 4 }),
    store: fc.integer({ min: 0, max: 4 }),
    branch: fc.integer({ min: 0, max: 3 }),
    jump: fc.integer({ min: 0, max: 3 }),
    system: fc.integer({ min: 0, max: 4 }),
    branchTaken: fc.integer({ min: 0, max: 3 }),
    trapEntry: fc.integer({ min: 0, max: 30 }),
    pteRead: fc.integer({ min: 0, max: 12 }),
    tlbMiss: fc.integer({ min: 0, max: 4 }),
  })
  .map((t) => ({
    ...structuredClone(DEFAULT_TIMING),
    classes: { alu: t.alu, mul: t.mul, div: t.div, load: t.load, store: t.store, branch: t.branch, jump: t.jump, system: t.system },
    branchTaken: t.branchTaken,
    trapEntry: t.trapEntry,
    pteRead: t.pteRead,
    tlbMiss: t.tlbMiss,
  }));

describe('blocks on = blocks off = reference model, on random looping programs', () => {
  const BUDGET = LONG ? 60_000 : 20_000;

  it('every TLB shape, default timing; blocks loop, leave early and are refused', () => {
    const total = newUse();
    fc.assert(
      fc.property(program, fc.constantFrom(...SHAPES), (p, [, tlb, split]) => {
        differential(p, { tlb, tlbSplit: split }, BUDGET, total);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    // Summed over the runs: blocks went round inside themselves, left early for the slow
    // path, and were refused because the timer (or the budget) fell inside them.
    expect(total.selfLoops).toBeGreaterThan(0);
    expect(total.slowExits).toBeGreaterThan(0);
    expect(total.notEntered).toBeGreaterThan(0);
    expect(total.instructions).toBeGreaterThan(RUNS * 1000);
    // User-space accesses the caches could not serve ran in place (step.ts, blockMemory):
    // some evicted the TLB entry of the block's own code, some trapped.
    expect(total.served).toBeGreaterThan(0);
    expect(total.fetchDropped).toBeGreaterThan(0);
    expect(total.trapped).toBeGreaterThan(0);
  }, TIMEOUT);

  it('random timings (zero-cycle classes included) and cycle limits', () => {
    const total = newUse();
    let limited = 0;
    let hot = 0;
    fc.assert(
      fc.property(
        program,
        timing,
        fc.option(fc.integer({ min: 20_000, max: 80_000 }), { freq: 3 }),
        fc.constantFrom(...SHAPES),
        (p, t, maxCycles, [, tlb, split]) => {
          const on = differential(p, { tlb, tlbSplit: split, timing: t, maxCycles: maxCycles ?? 0 }, BUDGET, total, maxCycles !== null);
          if (on.stopInfo?.reason === 'max-cycles') limited++;
          if (compiledBlocks(on) > 0) hot++;
        },
      ),
      { numRuns: RUNS, seed: SEED + 1 },
    );
    expect(total.notEntered).toBeGreaterThan(0);
    expect(limited).toBeGreaterThan(0);
    // A short cycle limit may end a run before any page is hot, but not most runs.
    expect(hot).toBeGreaterThan(RUNS / 2);
  }, TIMEOUT);

  it('timer interrupts inside hot loops: taken at the same pc and cycle', () => {
    // With a quantum of 37-97 cycles the timer often falls inside a hot block. The kernel's
    // log (in the RAM compared) holds the EPC and CYCLE of the last 256 interrupts.
    const total = newUse();
    fc.assert(
      fc.property(program, fc.integer({ min: 37, max: 97 }), (p0, quantum) => {
        const p = { ...p0, quantum };
        const on = differential(p, {}, BUDGET, total);
        expect(timerInterrupts(on)).toBeGreaterThan(10);
      }),
      { numRuns: Math.ceil(RUNS / 2), seed: SEED + 2 },
    );
    expect(total.notEntered).toBeGreaterThan(RUNS);
  }, TIMEOUT);
});

// ---- the in-place TLB path's recency ------------------------------------------------------------

/**
 * A loop that stores to page B and loads from page A (the write and read caches), then loads
 * from a page P that the TLB does not hold. Before that miss's fill, the block's uses of B and A
 * must reach the LRU order oldest first and the fetch last (block-translate.ts): with three
 * entries the victim is B, or A when the order is wrong. P moves over the region every round.
 */
function recencySource(storeFirst: boolean): string {
  const first = storeFirst ? 'sw   a3, 0(a0)' : 'lw   t0, 0(a1)';
  const second = storeFirst ? 'lw   t0, 0(a1)' : 'sw   a3, 0(a0)';
  return `
        .text
_start: li   a0, 0x8000
        li   a1, 0x9000
        li   a2, 0xa000
        li   a3, 400
loop:   ${first}
        ${second}
        lw   t1, 0(a2)
        add  t2, t2, t1
        addi a2, a2, 4096
        andi a2, a2, 0x7fff
        ori  a2, a2, 0x8000
        addi a3, a3, -1
        bne  a3, zero, loop
        j    _start
`;
}

describe('the in-place TLB path: cache uses reach the LRU order before a fill', () => {
  const shapes: [string, TlbConfig, boolean][] = [
    ['3 entries, lru', { entries: 3, ways: 3, policy: 'lru', seed: 1 }, false],
    ['4 entries, lru', { entries: 4, ways: 4, policy: 'lru', seed: 1 }, false],
    ['4 entries, 2-way, lru', { entries: 4, ways: 2, policy: 'lru', seed: 1 }, false],
    ['2 entries, lru, split', { entries: 2, ways: 2, policy: 'lru', seed: 1 }, true],
    ['3 entries, fifo', { entries: 3, ways: 3, policy: 'fifo', seed: 1 }, false],
  ];
  const cases = shapes.flatMap(([name, tlb, split]) => [true, false].map((storeFirst) => ({ name, tlb, split, storeFirst })));
  it.each(cases)('$name, store first: $storeFirst', ({ tlb, split, storeFirst }) => {
    const use = newUse();
    const [on, ref] = (['blocks', 'reference'] as const).map((mode) => {
      const { m } = userMachine(KERNEL, recencySource(storeFirst), { tlb, tlbSplit: split }, { reference: mode === 'reference' });
      drive(m, 30_000, 700, mode === 'blocks' ? use : undefined);
      return m;
    }) as [Machine, Machine];
    expect(use.served).toBeGreaterThan(20);
    expect(on.stats().tlb.misses).toBeGreaterThan(1000);
    expectSame(ref, on);
  });
});

// ---- self-modifying code ------------------------------------------------------------------------

/**
 * Where the patched word is. The loop's block runs from `loop` through `jal lr, fsame` into
 * fsame (a jal within the page does not end a block) up to fsame's jalr; fjalr, reached by a
 * jalr, is another block of that page; fother a block of the next page.
 */
type Site = "the loop block's first word" | 'a later word of the loop block' | 'the loop block, past a jal' | 'another block of the page' | 'a block of the next page';
const SITES: readonly Site[] = [
  "the loop block's first word",
  'a later word of the loop block',
  'the loop block, past a jal',
  'another block of the page',
  'a block of the next page',
];
const SITE_LABEL: Record<Site, string> = {
  "the loop block's first word": 'site_a',
  'a later word of the loop block': 'site_b',
  'the loop block, past a jal': 'site_c',
  'another block of the page': 'site_e',
  'a block of the next page': 'site_d',
};

interface Smc {
  site: Site;
  /**
   * Which block stores: the loop's (its own page's stores leave the block, the next page's
   * stay in it), or fother's.
   */
  storeIn: 'loop' | 'fother';
  /** Store the new word once from iteration `at` on, or alternate new and old words from there. */
  toggle: boolean;
  at: number;
  /** The new word. */
  alt: number;
}

const SMC_ITERS = 400;

/**
 * A bare program (kernel segment) whose hot loop stores, every iteration, into the word at the
 * site: the word as assembled before iteration `at`, then `alt` (or alternately alt and the old
 * word).
 */
function smcSource(c: Smc): string {
  const store = `
        sltu t0, s0, s2           # t0 = 1 before iteration 'at'
        xori t0, t0, 1            # ... then 0
        ${c.toggle ? 'andi t1, s0, 1\n        and  t0, t0, t1' : ''}
        mul  t1, t0, t4
        add  t1, t1, t3           # the old word, or the new one
        sw   t1, 0(s3)`;
  return `
        .text 0x80000000
_start: li   s1, ${SMC_ITERS}
        li   s2, ${c.at}
        la   s3, ${SITE_LABEL[c.site]}
        lw   t3, 0(s3)            # the word as assembled
        la   t0, alt
        lw   t4, 0(t0)
        sub  t4, t4, t3           # new - old
        la   t2, fjalr
        li   s0, 0
loop:
site_a: add  a1, a1, a0
        ${c.storeIn === 'loop' ? store : ''}
site_b: addi a0, a0, 1
        jal  lr, fsame
        jalr lr, t2, 0
        jal  lr, fother
        addi s0, s0, 1
        bne  s0, s1, loop
        halt
fsame:
site_c: addi a2, a2, 3
        add  a2, a2, a1
        jalr zero, lr, 0
fjalr:
site_e: xori a1, a1, 0x55
        jalr zero, lr, 0
alt:    .word ${c.alt >>> 0}
        .align 4096
fother:
site_d: addi a3, a3, 5
        ${c.storeIn === 'fother' ? store : ''}
        xor  a3, a3, a2
        jalr zero, lr, 0
`;
}

/** Runs c in the three modes, checks they agree and halt, and returns the blocks machine and its block use. */
function runSmc(c: Smc): { on: Machine; use: BlockUse } {
  const use = newUse();
  const [on, off, ref] = MODES.map((mode) => {
    const { m, exe } = bareAsm(smcSource(c), {}, { reference: mode === 'reference' });
    expect(m.mem32[(symbol(exe, SITE_LABEL[c.site]) - KSEG_BASE) >>> 2]).toBe(PATCH[c.site][0]);
    if (mode === 'off') m.blocks = false;
    else m.blockKinds = 'all'; // every kind of block, not only loops
    drive(m, 100_000, 500, mode === 'blocks' ? use : undefined);
    return m;
  }) as [Machine, Machine, Machine];
  expect(on.stopInfo?.reason).toBe('halt');
  expectSame(off, on);
  expectSame(ref, on);
  // The loop's page and fother's were hot (the loop's page holds a block; fother's entry may
  // have been found stale last, to be compiled again at its next visit), and a patched block
  // was found stale.
  expect(on.code[0]?.some((b) => typeof b === 'function')).toBe(true);
  expect(on.code[1]).toBeDefined();
  expect(use.stale).toBeGreaterThan(0);
  return { on, use };
}

/** For each site: its word as assembled and a replacement with a different effect. */
const PATCH: Record<Site, [number, number]> = {
  "the loop block's first word": [ins('add', { rd: 2, rs1: 2, rs2: 1 }), ins('sub', { rd: 2, rs1: 2, rs2: 1 })],
  'a later word of the loop block': [ins('addi', { rd: 1, rs1: 1, imm: 1 }), ins('addi', { rd: 1, rs1: 1, imm: 7 })],
  'the loop block, past a jal': [ins('addi', { rd: 3, rs1: 3, imm: 3 }), ins('addi', { rd: 3, rs1: 3, imm: -100 })],
  'another block of the page': [ins('xori', { rd: 2, rs1: 2, imm: 0x55 }), ins('xori', { rd: 2, rs1: 2, imm: 0x3a0 })],
  'a block of the next page': [ins('addi', { rd: 4, rs1: 4, imm: 5 }), ins('addi', { rd: 4, rs1: 4, imm: 1000 })],
};

describe('self-modifying code', () => {
  const cases = SITES.flatMap((site) =>
    (['loop', 'fother'] as const).flatMap((storeIn) => [false, true].map((toggle) => ({ site, storeIn, toggle }))),
  );
  it.each(cases)('a store in $storeIn patches $site (toggling: $toggle)', ({ site, storeIn, toggle }) => {
    const [old, alt] = PATCH[site];
    const c: Smc = { site, storeIn, toggle, at: 200, alt };
    const { on } = runSmc(c);
    // The same program storing the old word every time: the patch must have changed the results.
    const { m: unpatched } = bareAsm(smcSource({ ...c, alt: old }));
    drive(unpatched, 100_000, 100_000);
    expect(Array.from(on.regs.subarray(1, 5))).not.toEqual(Array.from(unpatched.regs.subarray(1, 5)));
    expect(on.instret).toBe(unpatched.instret);
  });

  it('random new words at random iterations: the same as blocks off and the reference', () => {
    // New words that keep the loop's control flow: ALU ops on a0-a3, lui, rdcycle (which a
    // block cannot hold, so the patched block is cut short), a jal to the next word.
    const reg = fc.integer({ min: 1, max: 4 });
    const any = fc.constantFrom(0, 1, 2, 3, 4, 10);
    const alt = fc.oneof(
      { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...RR), reg, any, any).map(([m, rd, rs1, rs2]) => ins(m, { rd, rs1, rs2 })) },
      { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...RI, ...SH), reg, any, fc.integer({ min: 0, max: 31 })).map(([m, rd, rs1, imm]) => ins(m, { rd, rs1, imm })) },
      { weight: 1, arbitrary: fc.tuple(reg, fc.integer({ min: 0, max: 0xffff })).map(([rd, imm]) => ins('lui', { rd, imm })) },
      { weight: 1, arbitrary: reg.map((rd) => ins('rdcycle', { rd })) },
      { weight: 1, arbitrary: fc.constant(ins('jal', { rd: 0, imm: 1 })) },
    );
    fc.assert(
      fc.property(fc.constantFrom(...SITES), fc.constantFrom('loop' as const, 'fother' as const), fc.boolean(), fc.integer({ min: 150, max: SMC_ITERS - 10 }), alt, (site, storeIn, toggle, at, word) => {
        fc.pre(word !== PATCH[site][0]);
        runSmc({ site, storeIn, toggle, at, alt: word });
      }),
      { numRuns: RUNS, seed: SEED + 3 },
    );
  }, TIMEOUT);

  it('the host rewrites a hot loop between runs (mem32, writePhys, writePhysWord): the new code runs', () => {
    const src = `
_start: li   s1, 100000
        li   s0, 0
loop:   addi a0, a0, 1
        addi s0, s0, 1
        bne  s0, s1, loop
        halt
`;
    const exe = assemble(src);
    const loopPa = symbol(exe, 'loop') - KSEG_BASE;
    const rewrites: ((m: Machine, word: number) => void)[] = [
      (m, word) => void (m.mem32[loopPa >>> 2] = word),
      (m, word) => m.writePhys(loopPa, new Uint8Array(new Int32Array([word]).buffer)),
      (m, word) => m.writePhysWord(loopPa, word),
    ];
    const steps = [1, 3, -2, 5];
    const machines = MODES.map((mode) => {
      const { m } = bareAsm(src, {}, { reference: mode === 'reference' });
      if (mode === 'off') m.blocks = false;
      else m.blockKinds = 'all'; // every kind of block, not only loops
      while (m.pc !== symbol(exe, 'loop')) m.run(1);
      return m;
    });
    const on = machines[0]!;
    let expected = 0;
    for (const [i, step] of steps.entries()) {
      if (i > 0) for (const m of machines) rewrites[i - 1]!(m, ins('addi', { rd: 1, rs1: 1, imm: step }));
      // 1000 iterations of three instructions: back at `loop`.
      for (const m of machines) m.run(3000);
      expected += 1000 * step;
      expect(on.regs[1]).toBe(expected);
      expect(on.pc).toBe(symbol(exe, 'loop'));
      // The loop ran as a block, compiled for the current word.
      const blk = on.code[loopPa >>> 12]?.[(loopPa >>> 2) & 1023];
      expect(typeof blk).toBe('function');
      expect(String(blk)).toContain(`!== ${ins('addi', { rd: 1, rs1: 1, imm: step })}`);
      for (const m of machines.slice(1)) expectSame(m, on);
    }
  });

  it('a disk DMA over a hot function: the new code runs', () => {
    const src = `
        .equ DISK, ${KSEG_BASE + Dev.DISK}
_start: li   s1, 400
        li   s0, 0
first:  jal  lr, f
        addi s0, s0, 1
        bne  s0, s1, first
        li   t2, DISK              # read block 1 over f's page
        li   t1, 1
        sw   t1, ${DiskReg.BLOCK}(t2)
        la   t1, f
        li   t0, ${KSEG_BASE}
        sub  t1, t1, t0
        sw   t1, ${DiskReg.DMA}(t2)
        li   t1, ${DiskCmd.READ}
        sw   t1, ${DiskReg.CMD}(t2)
        li   t0, ${DiskStatus.DONE}
poll:   lw   t1, ${DiskReg.STATUS}(t2)
        bne  t1, t0, poll
        sw   zero, ${DiskReg.ACK}(t2)
        li   s0, 0
        li   s1, 200
second: jal  lr, f
        addi s0, s0, 1
        bne  s0, s1, second
        halt
        .align 4096
f:      addi a0, a0, 1
        jalr zero, lr, 0
`;
    const image = new Uint8Array(4 * PAGE_SIZE);
    new Int32Array(image.buffer, PAGE_SIZE, 2).set([ins('addi', { rd: 1, rs1: 1, imm: 100 }), ins('jalr', { rd: 0, rs1: 15, imm: 0 })]);
    const timing = { ...structuredClone(DEFAULT_TIMING), diskLatency: 3000 };
    const use = newUse();
    const [on, off, ref] = MODES.map((mode) => {
      const { m } = bareAsm(src, { timing, disk: { blocks: 4, jitter: 0, errorRate: 0, image } }, { reference: mode === 'reference' });
      if (mode === 'off') m.blocks = false;
      else m.blockKinds = 'all'; // every kind of block, not only loops
      drive(m, 100_000, 300, mode === 'blocks' ? use : undefined);
      return m;
    }) as [Machine, Machine, Machine];
    expect(on.stopInfo?.reason).toBe('halt');
    expect(on.regs[1]).toBe(400 + 200 * 100);
    expect(on.stats().disk.reads).toBe(1);
    expect(use.stale).toBeGreaterThan(0);
    expectSame(off, on);
    expectSame(ref, on);
  });
});

// ---- budgets ------------------------------------------------------------------------------------

describe('budgets', () => {
  it('one m.run(N) ends where many m.run(k), k from 1 to 50, end (blocks on)', () => {
    const N = LONG ? 20_000 : 6000;
    const total = newUse();
    fc.assert(
      fc.property(program, fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 64 }), (p, ks) => {
        const one = startProgram(p, {}, 'blocks');
        one.run(N);
        const many = startProgram(p, {}, 'blocks');
        const use = newUse();
        let left = N;
        for (let i = 0; left > 0 && many.stopInfo === null; i++) {
          const k = Math.min(left, ks[i % ks.length]!);
          many.run(k);
          left -= k;
          instrument(many, use);
        }
        expect(compiledBlocks(one)).toBeGreaterThan(0);
        expect(compiledBlocks(many)).toBeGreaterThan(0);
        expectSame(one, many);
        const off = startProgram(p, {}, 'off');
        off.run(N);
        expectSame(off, many);
        addUse(total, use);
      }),
      { numRuns: RUNS, seed: SEED + 4 },
    );
    // Small budgets: blocks ran, and were refused when the budget ended inside them.
    expect(total.instructions).toBeGreaterThan(0);
    expect(total.notEntered).toBeGreaterThan(0);
  }, TIMEOUT);
});

// ---- the real kernel ----------------------------------------------------------------------------

const USER_LIB = path.join(ROOT, 'asm', 'lib', 'user.s');

function userProgram(name: string, text: string, file = path.join(ROOT, 'test', name)): { path: string; exe: Executable } {
  const r = assembleSource(text, file);
  if (r.exe === null) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
  return { path: name, exe: r.exe };
}

/** A program with hot loops in three more code pages, each a function; prints a checksum. */
function pagesProgram(name: string, seed: number): { path: string; exe: Executable } {
  const fn = (k: number, ops: string) => `
        .align 4096
f${k}:    li   t0, ${150 + 50 * k}
f${k}l:   ${ops}
        addi t0, t0, -1
        bnez t0, f${k}l
        ret`;
  return userProgram(
    name,
    `.include "${USER_LIB}"
.text
_start: li   s1, ${seed}
        li   s0, 8
round:  call f1
        call f2
        call f3
        addi s0, s0, -1
        bnez s0, round
        mv   a0, s1
        call print_int
        li   a0, '\\n'
        call print_char
        li   a0, 0
        call exit
${fn(1, `addi s1, s1, ${seed % 7}\n        xor  s1, s1, t0`)}
${fn(2, `slli t1, s1, 3\n        add  s1, s1, t1\n        srli t1, s1, 7\n        xor  s1, s1, t1`)}
${fn(3, `mul  t1, s1, t0\n        addi s1, t1, ${seed % 13}`)}
`,
  );
}

/** asm/examples/thrash.s with fewer rounds. */
function thrash(): { path: string; exe: Executable } {
  const file = path.join(EXAMPLES, 'thrash.s');
  const full = '.equ ROUNDS, 100';
  const text = readFileSync(file, 'utf8');
  if (!text.includes(full)) throw new Error(`thrash.s no longer says '${full}'`);
  return userProgram('thrash.s', text.replace(full, '.equ ROUNDS, 6'), file);
}

interface KernelRun {
  m: Machine;
  out: string;
  stats: unknown;
  exitCode: number | null;
  /** Times a frame was paged in with code other than the code it held last. */
  codeReuse: number;
  use: BlockUse;
}

function runKernel(programs: { path: string; exe: Executable }[], kopts: Partial<KernelOptions>, blocks: boolean): KernelRun {
  let out = '';
  const owner = new Map<number, string>();
  let codeReuse = 0;
  const booted = bootKernel(programs, { ...DEFAULT_KERNEL_OPTIONS, ...kopts }, machineConfig({ maxCycles: 200_000_000 }), {
    consoleOut: (b) => void (out += String.fromCharCode(b)),
    err: (t) => void (out += t),
    monitor: (ev, pid, vpn, frame) => {
      if (ev !== MonitorEvent.PAGE_IN) return;
      const exe = programs[pid - 1]!.exe;
      const code = exe.segments.some((s) => (s.flags & 4) !== 0 && vpn >= s.vaddr >>> 12 && vpn < (s.vaddr + s.memSize + PAGE_SIZE - 1) >>> 12);
      const key = `${pid}:${vpn}`;
      if (!code) return void owner.delete(frame);
      const before = owner.get(frame);
      if (before !== undefined && before !== key) codeReuse++;
      owner.set(frame, key);
    },
  });
  const m = booted.machine;
  m.blocks = blocks;
  m.blockKinds = 'all';
  const use = newUse();
  drive(m, Infinity, 50_000, blocks ? use : undefined);
  const stats = m.stats();
  stats.processes = booted.tracker.finish(m.pageFaultsByAsid);
  return { m, out, stats, exitCode: m.stopInfo?.exitCode ?? null, codeReuse, use };
}

describe('the kernel, with frames reused for other programs\' code', () => {
  it.each(['fifo', 'clock'] as const)('blocks on = blocks off: output, statistics, every register and RAM (%s)', (replace) => {
    const programs = [pagesProgram('pages-a.s', 17), thrash(), pagesProgram('pages-b.s', 40), userProgram('hello.s', readFileSync(path.join(EXAMPLES, 'hello.s'), 'utf8'), path.join(EXAMPLES, 'hello.s'))];
    const kopts = { frames: 6, replace, quantum: 3000 };
    const on = runKernel(programs, kopts, true);
    const off = runKernel(programs, kopts, false);
    expect(on.exitCode).toBe(0);
    expect(on.out).toMatch(/thrash: 32 pages x 6 rounds, bad pages: 0\n/);
    expect(on.out).toContain('hello from process 4\n');
    expect(on.out).toBe(off.out);
    expect(on.stats).toEqual(off.stats);
    expectSame(off.m, on.m);
    // Frames did hold other code over time, blocks ran, and some were found stale.
    expect(on.codeReuse).toBeGreaterThan(0);
    expect(compiledBlocks(on.m)).toBeGreaterThan(0);
    expect(on.use.instructions).toBeGreaterThan(0);
    expect(on.use.stale).toBeGreaterThan(0);
  });
});



