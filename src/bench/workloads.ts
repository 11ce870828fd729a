// The interpreter's benchmarks: machines built directly by the host (page tables written
// into RAM, user mode entered by setting PTBR, ASID, STATUS and pc; no kernel), running the
// loops in asm/bench/ forever, measured for a fixed time.
//
//   seq    asm/bench/seq.s over a 1 MiB array: paging on (user mode, every page mapped, a
//          64-entry TLB: one miss per 1024 words) and the same code with paging off (kernel
//          segment). The ratio of the two is what translation costs the fast path.
//   randc  asm/bench/randc.s: random words over 64 MiB of virtual space mapped onto 256 KiB
//          of physical memory (each of the 64 frames backs 256 pages), so almost every load
//          misses the TLB and walks; paging off runs it over the 256 KiB directly.
//
// MIPS = instructions retired per second of CPU time (process.cpuUsage, so that other work on
// the host inflates the figures less than wall time would); translationsPerSecond = TLB
// lookups (hits + misses) per second.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Status } from '../arch/csr.ts';
import { KSEG_BASE } from '../arch/memmap.ts';
import { GEOMETRIES, PAGE_SIZE, Pte, makePte } from '../arch/pte.ts';
import { REG_BY_NAME } from '../arch/registers.ts';
import { DEFAULT_TIMING } from '../arch/timing.ts';
import { assembleSource, formatDiagnostic } from '../asm/index.ts';
import type { Executable } from '../exe/types.ts';
import { Machine, type MachineConfig } from '../machine/machine.ts';

export const WORKLOADS = ['seq', 'randc'] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

export function isWorkload(s: string): s is WorkloadName {
  return (WORKLOADS as readonly string[]).includes(s);
}

export const WORKLOAD_TEXT: Readonly<Record<WorkloadName, string>> = {
  seq: 'lw/add/sw over a 1 MiB array, 64-entry TLB',
  randc: 'random words over 64 MiB mapped onto 256 KiB, 64-entry TLB',
};

/** The directory holding asm/bench/*.s, found above this module (source tree or dist/). */
function benchDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'asm', 'bench');
    if (existsSync(path.join(candidate, 'seq.s'))) return candidate;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find asm/bench/seq.s above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

const programs = new Map<WorkloadName, Executable>();

/** The workload's loop, assembled from asm/bench/NAME.s (once per process). */
export function workloadProgram(name: WorkloadName): Executable {
  let exe = programs.get(name);
  if (exe === undefined) {
    const file = path.join(benchDir(), `${name}.s`);
    const r = assembleSource(readFileSync(file, 'utf8'), file);
    if (r.exe === null) throw new Error(`${file} does not assemble:\n${r.diagnostics.map(formatDiagnostic).join('\n')}`);
    exe = r.exe;
    programs.set(name, exe);
  }
  return exe;
}

function reg(name: string): number {
  return REG_BY_NAME.get(name)!;
}

/** The machine the benchmarks use: default timing, a 64-entry fully associative LRU TLB, no disk. */
export function benchConfig(ramBytes: number): MachineConfig {
  return {
    ramBytes,
    geometry: GEOMETRIES[2],
    tlb: { entries: 64, ways: 64, policy: 'lru', seed: 1 },
    tlbSplit: false,
    timing: DEFAULT_TIMING,
    seed: 1,
    maxCycles: 0,
    disk: null,
    checkTlb: false,
  };
}

/** Two-level page tables written by the host: root at `root`, tables allocated from `next`. */
class HostPageTables {
  constructor(
    private readonly mem32: Int32Array,
    readonly root: number,
    private next: number,
  ) {}
  map(va: number, pa: number, flags: number): void {
    const slot = (this.root >>> 2) + (va >>> 22);
    let pde = this.mem32[slot]!;
    if ((pde & Pte.V) === 0) {
      pde = makePte(this.next >>> 12, Pte.V) | 0;
      this.mem32[slot] = pde;
      this.next += PAGE_SIZE;
    }
    this.mem32[(((pde >>> 12) << 12) >>> 2) + ((va >>> 12) & 1023)] = makePte(pa >>> 12, flags) | 0;
  }
}

/** Copy the program's text to physical `pa`. */
function placeText(m: Machine, exe: Executable, pa: number): void {
  for (const s of exe.segments) m.writePhys(pa + (s.vaddr - exe.segments[0]!.vaddr), s.data);
}

const CODE = Pte.V | Pte.R | Pte.X | Pte.U;
const DATA = Pte.V | Pte.R | Pte.W | Pte.U;

/**
 * A machine ready to run the workload forever: paging on = user mode with page tables built
 * here, paging off = the same code in the kernel segment.
 */
export function buildWorkload(name: WorkloadName, paging: boolean): Machine {
  const exe = workloadProgram(name);
  const textPa = 0x20000;
  if (name === 'seq') {
    const m = new Machine(benchConfig(4 << 20), { consoleOut() {} });
    const arrayPa = 0x100000;
    const words = (1 << 20) / 4;
    placeText(m, exe, textPa);
    m.regs[reg('s1')] = words;
    m.regs[reg('t1')] = 1;
    if (paging) {
      const arrayVa = 0x10000000;
      const pt = new HostPageTables(m.mem32, 0x1000, 0x2000);
      pt.map(exe.entry, textPa, CODE);
      for (let p = 0; p < (1 << 20) / PAGE_SIZE; p++) pt.map(arrayVa + p * PAGE_SIZE, arrayPa + p * PAGE_SIZE, DATA);
      enterUser(m, pt.root, exe.entry);
      m.regs[reg('s0')] = arrayVa;
    } else {
      m.pc = KSEG_BASE + textPa;
      m.regs[reg('s0')] = KSEG_BASE + arrayPa;
    }
    return m;
  }
  const m = new Machine(benchConfig(1 << 20), { consoleOut() {} });
  const framesPa = 0x40000;
  const frames = 64;
  placeText(m, exe, textPa);
  m.regs[reg('t0')] = 0x2545f491;
  if (paging) {
    const regionVa = 0x04000000;
    const pages = (64 << 20) / PAGE_SIZE;
    const pt = new HostPageTables(m.mem32, 0x1000, 0x2000);
    pt.map(exe.entry, textPa, CODE);
    for (let p = 0; p < pages; p++) pt.map(regionVa + p * PAGE_SIZE, framesPa + (p % frames) * PAGE_SIZE, DATA);
    enterUser(m, pt.root, exe.entry);
    m.regs[reg('s0')] = regionVa;
    m.regs[reg('s1')] = (64 << 20) - 4;
  } else {
    m.pc = KSEG_BASE + textPa;
    m.regs[reg('s0')] = KSEG_BASE + framesPa;
    m.regs[reg('s1')] = frames * PAGE_SIZE - 4;
  }
  return m;
}

function enterUser(m: Machine, root: number, pc: number): void {
  m.mmu.ptbr = root;
  m.mmu.asid = 1;
  m.setStatus(Status.UM);
  m.pc = pc;
}

export interface Measurement {
  instructions: number;
  /** CPU seconds (user + system) spent in run(). */
  seconds: number;
  /** Wall-clock seconds, for reference. */
  wallSeconds: number;
  mips: number;
  translations: number;
  translationsPerSecond: number;
  tlbHitRate: number;
  cyclesPerInstruction: number;
}

/**
 * Run the machine for about `seconds` of CPU time in chunks of `chunk` instructions, after a
 * warm-up (so the JIT has compiled the loop), and report the rates over the timed part.
 */
export function measure(m: Machine, seconds: number, chunk = 1 << 20): Measurement {
  m.run(chunk * 2);
  const s0 = m.stats();
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  let cpu = 0;
  do {
    if (m.run(chunk) !== null) throw new Error(`benchmark machine stopped: ${m.stopInfo!.message}`);
    const c = process.cpuUsage(c0);
    cpu = (c.user + c.system) / 1e6;
  } while (cpu < seconds);
  const wall = (performance.now() - w0) / 1000;
  const s1 = m.stats();
  const instructions = s1.instructions - s0.instructions;
  const translations = s1.tlb.hits + s1.tlb.misses - s0.tlb.hits - s0.tlb.misses;
  const hits = s1.tlb.hits - s0.tlb.hits;
  return {
    instructions,
    seconds: cpu,
    wallSeconds: wall,
    mips: instructions / cpu / 1e6,
    translations,
    translationsPerSecond: translations / cpu,
    tlbHitRate: translations === 0 ? 0 : hits / translations,
    cyclesPerInstruction: (s1.cycles - s0.cycles) / instructions,
  };
}

export interface BenchResult {
  workload: WorkloadName;
  description: string;
  /** Paging on. */
  mips: number;
  translationsPerSecond: number;
  tlbHitRate: number;
  cyclesPerInstruction: number;
  pagingOffMips: number;
  /** mips / pagingOffMips, measured in the same process. */
  ratio: number;
  instructions: number;
  seconds: number;
}

/** Paging on, then paging off, each for `seconds` of CPU time. */
export function benchWorkload(name: WorkloadName, seconds = 1): BenchResult {
  const on = measure(buildWorkload(name, true), seconds);
  const off = measure(buildWorkload(name, false), seconds);
  return {
    workload: name,
    description: WORKLOAD_TEXT[name],
    mips: on.mips,
    translationsPerSecond: on.translationsPerSecond,
    tlbHitRate: on.tlbHitRate,
    cyclesPerInstruction: on.cyclesPerInstruction,
    pagingOffMips: off.mips,
    ratio: on.mips / off.mips,
    instructions: on.instructions + off.instructions,
    seconds: on.seconds + off.seconds,
  };
}
