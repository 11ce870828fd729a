// The machines `vmlab bench` and the benny suite measure: one per workload, in two forms —
// paging on (user mode, page tables written into RAM by the host, any geometry and TLB) and
// paging off (the same loop in the kernel segment, untranslated) — plus `faults`, the real
// kernel servicing page faults from the disk.
//
//   seq     asm/bench/seq.s: lw/add/sw over a 1 MiB array, one TLB miss per 1024 words.
//   randc   asm/bench/randc.s: random words over 64 MiB of virtual space mapped onto 256 KiB
//           (64 frames, each backing 256 pages): a TLB miss nearly every load, host caches warm.
//   rand    the same loop over 64 MiB mapped onto 8 MiB (2048 frames, 8 pages each): the
//           host's caches miss too.
//   stride  asm/bench/stride.s: one load per page over N pages (default 256) mapped onto
//           min(N, 256) frames: with N above the TLB's reach, every load misses under LRU.
//   faults  asm/kernel with asm/bench/faults.s and few frames (default 8): one word of each of
//           64 heap pages in turn, checked and incremented, 1,000 rounds; nearly every visit
//           faults (a dirty page out to swap, this one back in), about six user instructions
//           per fault; the machine is booted again each time the program ends (about 72,000
//           faults per boot).
//
// Physical layout of the host-built machines (paging on): the loop's text at TEXT_PA, page
// tables from TABLES_PA (one page per table, the root first: a one-level root is 4 MiB), the
// data frames from DATA_PA. Paging off uses the same text and data frames through KSEG_BASE.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Status } from '../arch/csr.ts';
import { KSEG_BASE } from '../arch/memmap.ts';
import { GEOMETRIES, PAGE_SHIFT, PAGE_SIZE, Pte, makePte, type Geometry } from '../arch/pte.ts';
import { REG_BY_NAME } from '../arch/registers.ts';
import { DEFAULT_TIMING } from '../arch/timing.ts';
import { assembleFile, assembleSource, formatDiagnostic } from '../asm/index.ts';
import type { Executable } from '../exe/types.ts';
import { Machine, type MachineConfig } from '../machine/machine.ts';
import type { TlbConfig } from '../machine/mmu/tlb.ts';
import { bootKernel, DEFAULT_KERNEL_OPTIONS, rootTablePages } from '../os/boot.ts';

export const BENCH_WORKLOADS = ['seq', 'randc', 'rand', 'stride', 'faults'] as const;
export type BenchWorkload = (typeof BENCH_WORKLOADS)[number];

export function isBenchWorkload(s: string): s is BenchWorkload {
  return (BENCH_WORKLOADS as readonly string[]).includes(s);
}

export const BENCH_WORKLOAD_TEXT: Readonly<Record<BenchWorkload, string>> = {
  seq: 'lw/add/sw over a 1 MiB array',
  randc: 'random words, 64 MiB onto 256 KiB',
  rand: 'random words, 64 MiB onto 8 MiB',
  stride: 'one load per page over N pages',
  faults: 'kernel + faults.s, demand paging from disk',
};

/** What the bench machines are built with (the CLI options). */
export interface BenchSetup {
  /** null: no TLB, every user-space access walks (--no-tlb). */
  tlb: TlbConfig | null;
  levels: 1 | 2 | 3 | 4;
  /** Pages the stride workload visits (--stride-pages). */
  stridePages: number;
  /** User frames the kernel gets in the faults workload (--frames). */
  frames: number;
  /** Compile hot code into blocks (--no-blocks: false). */
  blocks: boolean;
}

export const DEFAULT_BENCH_SETUP: Readonly<BenchSetup> = {
  tlb: { entries: 64, ways: 64, policy: 'lru', seed: 1 },
  levels: 2,
  stridePages: 256,
  frames: 8,
  blocks: true,
};

const TEXT_PA = 0x1000;
const TABLES_PA = 0x2000;
/** Page tables end below here: a one-level root (4 MiB) and the 4-level tables for 64 MiB fit. */
export const DATA_PA = 0x600000;
const MIB = 1 << 20;

/** The directory holding asm/ (source tree or the package above dist/), found upward. */
function asmDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'asm');
    if (existsSync(path.join(candidate, 'bench', 'seq.s'))) return candidate;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find asm/bench/seq.s above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

const programs = new Map<string, Executable>();

/** asm/bench/NAME.s assembled (once per process). */
export function benchProgram(name: 'seq' | 'randc' | 'stride'): Executable {
  let exe = programs.get(name);
  if (exe === undefined) {
    const file = path.join(asmDir(), 'bench', `${name}.s`);
    const r = assembleSource(readFileSync(file, 'utf8'), file);
    if (r.exe === null) throw new Error(`${file} does not assemble:\n${r.diagnostics.map(formatDiagnostic).join('\n')}`);
    exe = r.exe;
    programs.set(name, exe);
  }
  return exe;
}

/** asm/bench/faults.s (a user program for the kernel) assembled (once per process). */
export function faultsProgram(): Executable {
  let exe = programs.get('faults');
  if (exe === undefined) {
    const file = path.join(asmDir(), 'bench', 'faults.s');
    const r = assembleFile(file);
    if (r.exe === null) throw new Error(`${file} does not assemble:\n${r.diagnostics.map(formatDiagnostic).join('\n')}`);
    exe = r.exe;
    programs.set('faults', exe);
  }
  return exe;
}

function reg(name: string): number {
  return REG_BY_NAME.get(name)!;
}

/** Default timing, the setup's TLB and geometry, no disk, deterministic seed. */
export function benchMachineConfig(setup: BenchSetup, ramBytes: number): MachineConfig {
  return {
    ramBytes,
    geometry: GEOMETRIES[setup.levels],
    tlb: setup.tlb,
    tlbSplit: false,
    timing: DEFAULT_TIMING,
    seed: 1,
    maxCycles: 0,
    disk: null,
    checkTlb: false,
    blocks: setup.blocks,
  };
}

/**
 * Page tables of any geometry written by the host: the root at `root` (rootTablePages pages),
 * every lower table one page of its own taken from `next` upward, below `limit`. Pointer PTEs
 * are V only (R = W = X = 0); leaves get the flags given.
 */
export class HostPageTables {
  private next: number;
  constructor(
    private readonly mem32: Int32Array,
    private readonly geometry: Geometry,
    readonly root: number,
    private readonly limit: number,
  ) {
    this.next = root + rootTablePages(geometry) * PAGE_SIZE;
  }

  /** Physical address of the leaf PTE for `va`, or -1 when a table on the way is missing. */
  leafAddress(va: number): number {
    let table = this.root;
    let below = 32;
    const g = this.geometry;
    for (let level = 0; ; level++) {
      below -= g[level]!;
      const addr = table + 4 * ((va >>> below) & ((1 << g[level]!) - 1));
      if (level === g.length - 1) return addr;
      const pte = this.mem32[addr >>> 2]!;
      if ((pte & Pte.V) === 0) return -1;
      table = (pte >>> PAGE_SHIFT) << PAGE_SHIFT;
    }
  }

  /** Map the page holding `va` to the frame holding `pa`. */
  map(va: number, pa: number, flags: number): void {
    let table = this.root;
    let below = 32;
    const g = this.geometry;
    for (let level = 0; level < g.length; level++) {
      below -= g[level]!;
      const slot = (table >>> 2) + ((va >>> below) & ((1 << g[level]!) - 1));
      if (level === g.length - 1) {
        this.mem32[slot] = makePte(pa >>> PAGE_SHIFT, flags) | 0;
        return;
      }
      let pte = this.mem32[slot]!;
      if ((pte & Pte.V) === 0) {
        if (this.next + PAGE_SIZE > this.limit) throw new Error('HostPageTables: out of table space');
        pte = makePte(this.next >>> PAGE_SHIFT, Pte.V) | 0;
        this.mem32[slot] = pte;
        this.next += PAGE_SIZE;
      }
      table = (pte >>> PAGE_SHIFT) << PAGE_SHIFT;
    }
  }
}

const CODE = Pte.V | Pte.R | Pte.X | Pte.U;
const DATA = Pte.V | Pte.R | Pte.W | Pte.U;

/** Copy the program's text to physical `pa`. */
function placeText(m: Machine, exe: Executable, pa: number): void {
  for (const s of exe.segments) m.writePhys(pa + (s.vaddr - exe.segments[0]!.vaddr), s.data);
}

/**
 * The host-built target for a loop workload, ready to run forever. `region` pages of virtual
 * space (from `va`) map onto `frames` frames at DATA_PA, page p onto frame p mod frames; with
 * paging off the loop sees the frames themselves at KSEG_BASE + DATA_PA.
 */
function loopTarget(
  setup: BenchSetup,
  paging: boolean,
  exe: Executable,
  region: { va: number; pages: number; frames: number },
  regs: (base: number, pages: number) => Record<string, number>,
): LoopTarget {
  const m = new Machine(benchMachineConfig(setup, DATA_PA + region.frames * PAGE_SIZE), { consoleOut() {} });
  placeText(m, exe, TEXT_PA);
  let base: number;
  let pages: number;
  let tables: HostPageTables | null = null;
  if (paging) {
    const pt = new HostPageTables(m.mem32, GEOMETRIES[setup.levels], TABLES_PA, DATA_PA);
    pt.map(exe.entry, TEXT_PA, CODE);
    for (let p = 0; p < region.pages; p++) pt.map(region.va + p * PAGE_SIZE, DATA_PA + (p % region.frames) * PAGE_SIZE, DATA);
    m.mmu.ptbr = pt.root;
    m.mmu.asid = 1;
    m.setStatus(Status.UM);
    m.pc = exe.entry;
    tables = pt;
    base = region.va;
    pages = region.pages;
  } else {
    m.pc = KSEG_BASE + TEXT_PA;
    base = KSEG_BASE + DATA_PA;
    pages = region.frames;
  }
  for (const [name, v] of Object.entries(regs(base, pages))) m.regs[reg(name)] = v | 0;
  return new LoopTarget(m, tables);
}

/** Exact counters of a target since it was built (summed over boots for faults). */
export interface BenchCounters {
  instructions: number;
  cycles: number;
  /** TLB lookups of user-space accesses (hits + misses); with no TLB, the walks. */
  translations: number;
  tlbHits: number;
  walks: number;
  pageFaults: number;
  /** Loads + stores that completed. */
  accesses: number;
  /** Their cycles: base cost plus the translation cycles charged to them. */
  accessCycles: number;
}

/** Something to measure: runs a budget of instructions, never stops by itself. */
export interface BenchTarget {
  /** The machine running now (for faults: the current boot). */
  readonly machine: Machine;
  run(instructions: number): void;
  counters(): BenchCounters;
}

function machineCounters(m: Machine, into: BenchCounters): void {
  const s = m.stats();
  const t = m.timing;
  into.instructions += s.instructions;
  into.cycles += s.cycles;
  into.translations += m.cfg.tlb === null ? s.walks : s.tlb.hits + s.tlb.misses;
  into.tlbHits += s.tlb.hits;
  into.walks += s.walks;
  into.pageFaults += s.pageFaults;
  into.accesses += s.loads + s.stores;
  into.accessCycles += s.loads * t.classes.load + s.stores * t.classes.store + s.translationCycles.load + s.translationCycles.store;
}

function zeroCounters(): BenchCounters {
  return { instructions: 0, cycles: 0, translations: 0, tlbHits: 0, walks: 0, pageFaults: 0, accesses: 0, accessCycles: 0 };
}

/** A machine that runs its loop forever. */
export class LoopTarget implements BenchTarget {
  constructor(
    readonly machine: Machine,
    /** The page tables (null with paging off). */
    readonly tables: HostPageTables | null,
  ) {}
  run(n: number): void {
    if (this.machine.run(n) !== null) throw new Error(`benchmark machine stopped: ${this.machine.stopInfo!.message}`);
  }
  counters(): BenchCounters {
    const c = zeroCounters();
    machineCounters(this.machine, c);
    return c;
  }
}

/**
 * The kernel running faults.s with `setup.frames` user frames, booted again whenever the
 * program ends; the counters add up every boot. A run that does not end with every process
 * exiting 0 is an emulator or kernel bug and throws.
 */
export class FaultsTarget implements BenchTarget {
  machine: Machine;
  private readonly done = zeroCounters();
  boots = 1;
  constructor(private readonly setup: BenchSetup) {
    this.machine = this.boot();
  }
  private boot(): Machine {
    const exe = faultsProgram();
    const base = benchMachineConfig(this.setup, PAGE_SIZE);
    const cfg: MachineConfig = { ...base, disk: { blocks: 0, jitter: 0, errorRate: 0 } };
    return bootKernel([{ path: 'faults.s', exe }], { ...DEFAULT_KERNEL_OPTIONS, frames: this.setup.frames }, cfg, { consoleOut() {} }).machine;
  }
  run(n: number): void {
    let left = n;
    while (left > 0) {
      const before = this.machine.instret;
      const stop = this.machine.run(left);
      left -= this.machine.instret - before;
      if (stop === null) continue;
      if (stop.reason !== 'halt' || stop.exitCode !== 0) throw new Error(`faults workload: the kernel run ended badly: ${stop.message}`);
      machineCounters(this.machine, this.done);
      this.machine = this.boot();
      this.boots++;
    }
  }
  counters(): BenchCounters {
    const c = { ...this.done };
    machineCounters(this.machine, c);
    return c;
  }
}

/**
 * The target for `name`, paging on or off (faults has no paging-off form: null). Deterministic:
 * the same setup and instruction budget give the same counters.
 */
export function buildTarget(name: BenchWorkload, paging: boolean, setup: BenchSetup = DEFAULT_BENCH_SETUP): BenchTarget | null {
  switch (name) {
    case 'seq':
      return loopTarget(setup, paging, benchProgram('seq'), { va: 0x10000000, pages: MIB / PAGE_SIZE, frames: MIB / PAGE_SIZE }, (base, pages) => ({
        s0: base,
        s1: (pages * PAGE_SIZE) / 4,
        t1: 1,
      }));
    case 'randc':
    case 'rand': {
      const frames = name === 'randc' ? (256 * 1024) / PAGE_SIZE : (8 * MIB) / PAGE_SIZE;
      return loopTarget(setup, paging, benchProgram('randc'), { va: 0x04000000, pages: (64 * MIB) / PAGE_SIZE, frames }, (base, pages) => ({
        s0: base,
        s1: pages * PAGE_SIZE - 4,
        t0: 0x2545f491,
      }));
    }
    case 'stride': {
      const n = setup.stridePages;
      return loopTarget(setup, paging, benchProgram('stride'), { va: 0x10000000, pages: n, frames: Math.min(n, 256) }, (base, pages) => ({
        s0: base,
        s1: pages,
        s2: PAGE_SIZE,
      }));
    }
    case 'faults':
      return paging ? new FaultsTarget(setup) : null;
  }
}
