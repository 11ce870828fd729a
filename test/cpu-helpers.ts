// Helpers for the CPU and machine tests: machines with small RAM, programs from encoded words
// or assembly source, page tables written by the host.

import { BY_MNEMONIC, INSTRUCTIONS, Imm, encode, type Fields, type InstrDef } from '../src/arch/isa.ts';
import { Status } from '../src/arch/csr.ts';
import { KSEG_BASE } from '../src/arch/memmap.ts';
import { nullTracer } from '../src/machine/tracers.ts';
import { GEOMETRIES, Pte, makePte } from '../src/arch/pte.ts';
import { DEFAULT_TIMING, type Timing } from '../src/arch/timing.ts';
import { Machine, type MachineConfig, type MachineIo, type StopInfo } from '../src/machine/machine.ts';
import { assembleSource, formatDiagnostic } from '../src/asm/index.ts';
import { sourceLineAt, type Executable } from '../src/exe/types.ts';

/** One instruction word. */
export function ins(mnemonic: string, f: Partial<Fields> = {}): number {
  const d = BY_MNEMONIC.get(mnemonic);
  if (d === undefined) throw new Error(`no instruction ${mnemonic}`);
  return encode(d, { rd: 0, rs1: 0, rs2: 0, imm: 0, ...f }) | 0;
}

export function config(over: Partial<MachineConfig> = {}): MachineConfig {
  return {
    ramBytes: 1 << 20,
    geometry: GEOMETRIES[2],
    tlb: { entries: 16, ways: 16, policy: 'lru', seed: 1 },
    tlbSplit: false,
    timing: structuredClone(DEFAULT_TIMING) as Timing,
    seed: 1,
    maxCycles: 0,
    disk: { blocks: 16, jitter: 0, errorRate: 0 },
    checkTlb: false,
    ...over,
  };
}

export interface TestIo extends MachineIo {
  out: number[];
  events: number[][];
  text(): string;
}

export function testIo(): TestIo {
  const out: number[] = [];
  const events: number[][] = [];
  return {
    out,
    events,
    consoleOut: (b) => out.push(b),
    monitor: (ev, a0, a1, a2, a3) => events.push([ev, a0, a1, a2, a3]),
    text: () => String.fromCharCode(...out),
  };
}

/** A machine with `words` at physical 0, started in kernel mode at 0x80000000. */
export function bare(words: number[], over: Partial<MachineConfig> = {}, opts: { reference?: boolean } = {}): { m: Machine; io: TestIo } {
  const io = testIo();
  const m = new Machine(config(over), io, opts);
  words.forEach((w, i) => (m.mem32[i] = w));
  m.pc = KSEG_BASE;
  return { m, io };
}

/**
 * A two-level page table built by the host in RAM: root at `root` (PA), second-level tables
 * allocated from `next` upwards. map(va, pa, flags) writes a leaf PTE.
 */
export class PageTables {
  constructor(
    readonly m: Machine,
    readonly root: number,
    private next: number,
  ) {}
  map(va: number, pa: number, flags: number): void {
    const mem = this.m.mem32;
    const i0 = va >>> 22;
    const i1 = (va >>> 12) & 1023;
    let pde = mem[(this.root >>> 2) + i0]!;
    if ((pde & Pte.V) === 0) {
      pde = makePte(this.next >>> 12, Pte.V) | 0;
      mem[(this.root >>> 2) + i0] = pde;
      this.next += 4096;
    }
    const table = (pde >>> 12) << 12;
    mem[(table >>> 2) + i1] = makePte(pa >>> 12, flags) | 0;
  }
  /** Physical address of va's leaf PTE (its table must exist). */
  pteAddr(va: number): number {
    const pde = this.m.mem32[(this.root >>> 2) + (va >>> 22)]!;
    if ((pde & Pte.V) === 0) throw new Error(`no table for 0x${va.toString(16)}`);
    return ((pde >>> 12) << 12) + ((va >>> 12) & 1023) * 4;
  }
  pte(va: number): number {
    const mem = this.m.mem32;
    const pde = mem[(this.root >>> 2) + (va >>> 22)]!;
    return mem[(((pde >>> 12) << 12) >>> 2) + ((va >>> 12) & 1023)]! >>> 0;
  }
  setPte(va: number, v: number): void {
    const mem = this.m.mem32;
    const pde = mem[(this.root >>> 2) + (va >>> 22)]!;
    mem[(((pde >>> 12) << 12) >>> 2) + ((va >>> 12) & 1023)] = v;
  }
}

/** Assemble `src` (a bare program: the caller's `.text 0x80000000` or this default) or fail the test. */
export function assemble(src: string, file = 'test.s'): Executable {
  const text = /^\s*\.text\s/m.test(src) ? src : `    .text 0x80000000\n${src}`;
  const r = assembleSource(text, file);
  if (r.exe === null) throw new Error(`test program does not assemble:\n${r.diagnostics.map(formatDiagnostic).join('\n')}`);
  return r.exe;
}

/** A machine with the bare program `src` loaded (not yet run). */
export function bareAsm(src: string, over: Partial<MachineConfig> = {}, opts: { reference?: boolean } = {}): { m: Machine; io: TestIo; exe: Executable } {
  const exe = assemble(src);
  const io = testIo();
  io.describePc = (pc) => sourceLineAt(exe, pc);
  const m = new Machine(config(over), io, opts);
  m.loadImage(exe);
  return { m, io, exe };
}

/** Run to the end (with a safety budget) and return the stop. */
export function runToStop(m: Machine, budget = 1_000_000): StopInfo {
  const s = m.run(budget);
  if (s === null) throw new Error(`program still running after ${budget} instructions (pc 0x${m.pc.toString(16)})`);
  return s;
}

export function symbol(exe: Executable, name: string): number {
  const s = exe.symbols.find((x) => x.name === name);
  if (s === undefined) throw new Error(`no symbol ${name}`);
  return s.value >>> 0;
}

/** Physical layout of userMachine(): kernel at 0, tables at 0x10000.., user frames at 0x40000... */
export const ROOT_PA = 0x10000;
export const USER_FRAMES_PA = 0x40000;

export interface UserSetup {
  m: Machine;
  io: TestIo;
  kernel: Executable;
  user: Executable;
  pt: PageTables;
  /** Next free frame (PA) for the test to map more pages. */
  nextFrame: number;
}

/**
 * A bare kernel (`kernelSrc`, linked at 0x80000000, whose `handler` label becomes TVEC) and a
 * user program (`userSrc`, default user layout) mapped by host-built page tables (text R X U,
 * data R W U), started in user mode at the user entry with ASID 1.
 */
export function userMachine(
  kernelSrc: string,
  userSrc: string,
  over: Partial<MachineConfig> = {},
  opts: { reference?: boolean } = {},
): UserSetup {
  const kernel = assemble(kernelSrc, 'kernel.s');
  const ur = assembleSource(userSrc, 'user.s');
  if (ur.exe === null) throw new Error(`user program does not assemble:\n${ur.diagnostics.map(formatDiagnostic).join('\n')}`);
  const user = ur.exe;
  const io = testIo();
  io.describePc = (pc) => (pc >= KSEG_BASE ? sourceLineAt(kernel, pc) : sourceLineAt(user, pc));
  const m = new Machine(config(over), io, opts);
  m.loadImage(kernel);
  const pt = new PageTables(m, ROOT_PA, ROOT_PA + 0x1000);
  let frame = USER_FRAMES_PA;
  for (const s of user.segments) {
    const flags = Pte.V | Pte.U | Pte.R | ((s.flags & 2) !== 0 ? Pte.W : 0) | ((s.flags & 4) !== 0 ? Pte.X : 0);
    for (let off = 0; off < s.memSize; off += 4096) {
      pt.map(s.vaddr + off, frame, flags);
      m.mem8.set(s.data.subarray(off, Math.min(off + 4096, s.data.length)), frame);
      frame += 4096;
    }
  }
  m.tvec = symbol(kernel, 'handler');
  m.mmu.ptbr = ROOT_PA;
  m.mmu.asid = 1;
  m.setStatus(Status.UM);
  m.pc = user.entry >>> 0;
  return { m, io, kernel, user, pt, nextFrame: frame };
}

/** A tracer whose every hook does nothing, with `over` replacing some. */
export const tracer = nullTracer;

/** Mnemonics by kind, from the ISA table, for the random programs of the differential tests. */
export const MNEMONICS = (() => {
  const pick = (ok: (d: InstrDef) => boolean): string[] => INSTRUCTIONS.filter(ok).map((d) => d.mnemonic);
  return {
    /** Register-register ALU operations. */
    RR: pick((d) => d.format === 'R'),
    /** Register-immediate ALU operations (not shifts, not jalr). */
    RI: pick((d) => d.format === 'I' && d.imm !== Imm.SHAMT && d.mnemonic !== 'jalr'),
    /** Shifts by an immediate. */
    SH: pick((d) => d.format === 'I' && d.imm === Imm.SHAMT),
    LOADS: pick((d) => d.format === 'L'),
    STORES: pick((d) => d.format === 'S'),
    BRANCHES: pick((d) => d.format === 'B'),
  };
})();
