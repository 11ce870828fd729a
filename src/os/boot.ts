// Booting the kernel with user programs, as a small boot loader would (asm/README.md, "Booting
// a kernel"):
//
//   physical 0     the kernel image (text, data, bss), linked at 0x80000000
//   next page      the boot block
//   next           the kernel reserve: --kernel-frames frames (the kernel's frame table, swap
//                  map and reserve links first, then root tables, then every other page table)
//   next           the user frame pool: exactly --frames frames
//
// then the disk (disk-image.ts), then a0 = the boot block's address and go. The kernel's
// monitor events feed a ProcessTracker, which names processes in messages and stats.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REG_A0 } from '../arch/registers.ts';
import {
  BOOT_BLOCK_VERSION, BOOT_MAGIC, BootBlock, DEVICE_BASE_PA, KSEG_BASE, KernelHalt, ReplacePolicy,
  USER_TOP, type ReplacePolicyName,
} from '../arch/memmap.ts';
import { PAGE_SHIFT, PAGE_SIZE, type Geometry } from '../arch/pte.ts';
import { assembleFile, formatDiagnostic } from '../asm/index.ts';
import { sourceLineAt, type Executable } from '../exe/types.ts';
import { Machine, type MachineConfig, type MachineIo, type StopInfo } from '../machine/machine.ts';
import type { MachineStats } from '../machine/stats.ts';
import { UserError } from '../util/errors.ts';
import { KernelChecker } from './check-kernel.ts';
import { buildDiskImage, type DiskEntry, type DiskImage, type DiskProgram } from './disk-image.ts';
import { ProcessTracker, type ProcessInfo } from './processes.ts';

/** The `vmlab run` options that concern the kernel (src/cli/kernel-options.ts parses them). */
export interface KernelOptions {
  /** User frames (--frames). */
  frames: number;
  replace: ReplacePolicyName;
  /** A kernel of one's own, .s or .vmx (--kernel); default asm/kernel/kernel.s. */
  kernel?: string;
  /** Reserve frames (--kernel-frames); default: enough for the programs (defaultKernelFrames). */
  kernelFrames?: number;
  /** Time slice in cycles (--quantum). */
  quantum: number;
  swapBlocks: number;
  /** Per-process stack and heap limits, in pages. */
  stackPages: number;
  heapPages: number;
  /** --check-kernel: check the page tables after every serviced page fault (check-kernel.ts). */
  checkKernel?: boolean;
}

export const DEFAULT_KERNEL_OPTIONS: Readonly<KernelOptions> = {
  frames: 64,
  replace: 'fifo',
  quantum: 20000,
  swapBlocks: 4096,
  stackPages: 256,
  heapPages: 16384,
};

/**
 * The bytes of one frame table record in asm/kernel/layout.s (FTE_SIZE): the loader sizes the
 * default reserve with it. test/kernel-defs.test.ts checks the two agree.
 */
export const KERNEL_FRAME_ENTRY_BYTES = 32;

/** Where things are in physical memory, in pages unless named otherwise. */
export interface MemoryLayout {
  kernelPages: number;
  bootBlockPa: number;
  reserveFirstPfn: number;
  reserveFrames: number;
  userFirstPfn: number;
  userFrames: number;
  ramBytes: number;
}

export interface BootedKernel {
  machine: Machine;
  tracker: ProcessTracker;
  kernel: Executable;
  disk: DiskImage;
  layout: MemoryLayout;
  /** With --check-kernel: the checker (its summary() for the end of the run); else null. */
  checker: KernelChecker | null;
}

export interface KernelRunResult {
  stop: StopInfo;
  /** Process exit status for the CLI: 0 if every process exited 0 (see kernelExitCode). */
  exitCode: number;
  stats: MachineStats;
  processes: ProcessInfo[];
  machine: Machine;
  checker: KernelChecker | null;
}

export interface KernelIo extends MachineIo {
  /** Kill messages and the like, one line each (default: none). */
  err?: (text: string) => void;
  /** Flushes console output before a message (so the order on the terminal makes sense). */
  flush?: () => void;
}

/** The directory holding asm/kernel/kernel.s, found upward from this module (src/os or dist). */
export function defaultKernelPath(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'asm', 'kernel', 'kernel.s');
    if (existsSync(candidate)) return candidate;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find asm/kernel/kernel.s above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

const kernelCache = new Map<string, Executable>();

/**
 * The kernel executable assembled from `file`, or from asm/kernel/kernel.s (assembled once per
 * host process). Assembler diagnostics become one UserError listing them. (The CLI loads a
 * `--kernel` file, .s or .vmx, itself and passes the executable to bootKernel.)
 */
export function loadKernel(file?: string): Executable {
  const p = file ?? defaultKernelPath();
  const cached = file === undefined ? kernelCache.get(p) : undefined;
  if (cached !== undefined) return cached;
  const r = assembleFile(p);
  if (r.exe === null) {
    const text = r.diagnostics.map((d) => formatDiagnostic(d).replace(/\n+$/, '')).join('\n');
    throw new UserError(`the kernel does not assemble:\n${text}`);
  }
  const exe = checkKernel(r.exe, p);
  if (file === undefined) kernelCache.set(p, exe);
  return exe;
}

/** `exe` if it can be a kernel (linked in the kernel segment), else a UserError. */
function checkKernel(exe: Executable, name: string): Executable {
  for (const s of exe.segments)
    if (s.vaddr >>> 0 < KSEG_BASE) throw new UserError(`${name}: a kernel lives in the kernel segment (0x80000000 and up); segment ${s.name} is at 0x${(s.vaddr >>> 0).toString(16)}`);
  if (exe.entry >>> 0 < KSEG_BASE) throw new UserError(`${name}: the kernel's entry point is not in the kernel segment`);
  return exe;
}

/** Pages the kernel image occupies from physical 0 (its bss included). */
export function kernelPages(kernel: Executable): number {
  let end = 0;
  for (const s of kernel.segments) end = Math.max(end, (s.vaddr >>> 0) - KSEG_BASE + s.memSize);
  return Math.max(1, Math.ceil(end / PAGE_SIZE));
}

/**
 * Page tables below the root that one process can need at most: for each level below the root,
 * the tables covering every page of its regions (segments, the heap up to its limit, the stack
 * up to its limit).
 */
function tablesForProcess(e: DiskEntry, geometry: Geometry, opts: KernelOptions): number {
  const stackLow = USER_TOP - opts.stackPages * PAGE_SIZE;
  const heapStart = e.heapVpn * PAGE_SIZE;
  const heapEnd = Math.min(heapStart + opts.heapPages * PAGE_SIZE, Math.max(heapStart, stackLow));
  const regions: [number, number][] = e.segments.map((s) => [s.vaddr, s.vaddr + s.memSize]);
  regions.push([heapStart, heapEnd], [stackLow, USER_TOP]);
  let total = 0;
  // A table at level l (l >= 1) covers 2^(bits of levels l.. + PAGE_SHIFT) bytes.
  for (let l = 1; l < geometry.length; l++) {
    let shift = PAGE_SHIFT;
    for (let k = l; k < geometry.length; k++) shift += geometry[k]!;
    const span = 2 ** shift;
    const tables = new Set<number>();
    for (const [a, b] of regions) {
      if (b <= a) continue;
      for (let t = Math.floor(a / span); t <= Math.floor((b - 1) / span); t++) tables.add(t);
    }
    total += tables.size;
  }
  return total;
}

/** Pages a root table takes (a one-level table of 2^20 entries is 4 MiB). */
export function rootTablePages(geometry: Geometry): number {
  return Math.max(1, Math.ceil((4 * 2 ** geometry[0]!) / PAGE_SIZE));
}

/**
 * The reserve the kernel needs to run these programs whatever they touch: its own tables (the
 * frame table, the swap map, the reserve's link words), a root table per process, and every
 * other page table the processes' regions can need.
 */
export function defaultKernelFrames(entries: readonly DiskEntry[], geometry: Geometry, opts: KernelOptions): number {
  const pages = (bytes: number) => Math.ceil(bytes / PAGE_SIZE);
  let fixed = pages(opts.frames * KERNEL_FRAME_ENTRY_BYTES) + pages(opts.swapBlocks);
  for (const e of entries) fixed += rootTablePages(geometry) + tablesForProcess(e, geometry, opts);
  // The link words cover the whole reserve, themselves included.
  let reserve = fixed;
  for (;;) {
    const next = fixed + pages(4 * reserve);
    if (next === reserve) return reserve;
    reserve = next;
  }
}

/** Physical memory for a kernel of `kpages` pages, a reserve and a user pool. */
export function layoutMemory(kpages: number, reserveFrames: number, userFrames: number): MemoryLayout {
  const bootBlockPa = kpages * PAGE_SIZE;
  const reserveFirstPfn = kpages + 1;
  const userFirstPfn = reserveFirstPfn + reserveFrames;
  const ramBytes = (userFirstPfn + userFrames) * PAGE_SIZE;
  if (ramBytes > DEVICE_BASE_PA)
    throw new UserError(
      `${userFrames} user frames and ${reserveFrames} reserve frames need ${ramBytes} bytes of RAM; at most ${DEVICE_BASE_PA} fit below the devices`,
    );
  return { kernelPages: kpages, bootBlockPa, reserveFirstPfn, reserveFrames, userFirstPfn, userFrames, ramBytes };
}

/** The boot block's 64 bytes (asm/README.md, "Booting a kernel"). */
export function bootBlockBytes(
  layout: MemoryLayout, disk: DiskImage, opts: KernelOptions, seed: number, programs: number,
): Uint8Array {
  const b = new Uint8Array(BootBlock.NPROGS + 4);
  const dv = new DataView(b.buffer);
  const put = (at: number, v: number) => dv.setUint32(at, v >>> 0, true);
  put(BootBlock.MAGIC, BOOT_MAGIC);
  put(BootBlock.VERSION, BOOT_BLOCK_VERSION);
  put(BootBlock.RAM_BYTES, layout.ramBytes);
  put(BootBlock.USER_FIRST_PFN, layout.userFirstPfn);
  put(BootBlock.USER_FRAMES, layout.userFrames);
  put(BootBlock.RESERVE_FIRST_PFN, layout.reserveFirstPfn);
  put(BootBlock.RESERVE_FRAMES, layout.reserveFrames);
  put(BootBlock.POLICY, ReplacePolicy[opts.replace]);
  put(BootBlock.QUANTUM, opts.quantum);
  put(BootBlock.DIR_BLOCK, disk.dirBlock);
  put(BootBlock.SWAP_FIRST, disk.swapFirst);
  put(BootBlock.SWAP_BLOCKS, disk.swapBlocks);
  put(BootBlock.SEED, seed);
  put(BootBlock.STACK_PAGES, opts.stackPages);
  put(BootBlock.HEAP_PAGES, opts.heapPages);
  put(BootBlock.NPROGS, programs);
  return b;
}

/** Checks option values the kernel relies on; one clear line for each problem. */
export function validateKernelOptions(o: KernelOptions): void {
  const int = (name: string, v: number, min: number, max: number) => {
    if (!Number.isInteger(v) || v < min || v > max) throw new UserError(`--${name} must be an integer from ${min} to ${max} (got ${v})`);
  };
  // One instruction may need two pages at once (its own and the one it loads or stores).
  int('frames', o.frames, 2, 1 << 19);
  if (!(o.replace in ReplacePolicy)) throw new UserError(`--replace must be one of ${Object.keys(ReplacePolicy).join(', ')} (got ${o.replace})`);
  if (o.kernelFrames !== undefined) int('kernel-frames', o.kernelFrames, 1, 1 << 19);
  int('quantum', o.quantum, 1, 0x7fffffff);
  int('swap-blocks', o.swapBlocks, 0, 1 << (32 - PAGE_SHIFT));
  int('stack-pages', o.stackPages, 1, 1 << 18);
  int('heap-pages', o.heapPages, 0, 1 << 19);
}

/**
 * Builds the machine with the kernel loaded, the boot block written, the disk attached and
 * a0 set: ready to run. `base` gives everything but RAM size and disk contents (its disk
 * latency, jitter and error rate are kept); `kernel` overrides opts.kernel with an executable.
 */
export function bootKernel(
  programs: readonly DiskProgram[],
  opts: KernelOptions,
  base: MachineConfig,
  io: KernelIo,
  kernel?: Executable,
): BootedKernel {
  validateKernelOptions(opts);
  if (base.disk?.file !== undefined)
    throw new UserError('--disk-file is for bare programs: with user programs the disk holds the directory, the programs and swap');
  const kexe = kernel !== undefined ? checkKernel(kernel, opts.kernel ?? 'the kernel') : loadKernel(opts.kernel);
  const disk = buildDiskImage(programs, opts.swapBlocks);
  for (const e of disk.entries)
    for (const s of e.segments)
      if (s.vaddr + s.memSize > USER_TOP - opts.stackPages * PAGE_SIZE)
        throw new UserError(`${e.path}: a segment reaches into the stack (the top ${opts.stackPages} pages; see --stack-pages)`);
  const reserve = opts.kernelFrames ?? defaultKernelFrames(disk.entries, base.geometry, opts);
  const layout = layoutMemory(kernelPages(kexe), reserve, opts.frames);

  const tracker = new ProcessTracker(programs, { err: io.err, flush: io.flush });
  let machine: Machine | null = null;
  // The first violation stops the machine at the next instruction boundary, with the
  // violation as the stop message (status 5, 'stopped').
  const checker =
    opts.checkKernel === true
      ? new KernelChecker(() => machine!, layout, base.geometry, (msg) => machine!.requestStop(`--check-kernel: ${msg}`))
      : null;
  const mio: MachineIo = {
    consoleOut: (b) => io.consoleOut(b),
    monitor: (ev, a0, a1, a2, a3) => {
      tracker.onMonitor(ev, a0, a1, a2, a3);
      checker?.onMonitor(ev, a0, a1, a2, a3);
      io.monitor?.(ev, a0, a1, a2, a3);
    },
    describePc: (pc) => {
      const custom = io.describePc?.(pc);
      if (custom !== undefined) return custom;
      if (pc >>> 0 >= KSEG_BASE) return sourceLineAt(kexe, pc);
      return machine === null ? undefined : tracker.sourceLine(machine.mmu.asid, pc);
    },
  };
  if (io.consoleIn !== undefined) mio.consoleIn = io.consoleIn;
  const cfg: MachineConfig = {
    ...base,
    ramBytes: layout.ramBytes,
    disk: {
      image: disk.image,
      blocks: disk.blocks,
      jitter: base.disk?.jitter ?? 0,
      errorRate: base.disk?.errorRate ?? 0,
    },
  };
  const m = new Machine(cfg, mio);
  machine = m;
  m.loadImage(kexe);
  m.writePhys(layout.bootBlockPa, bootBlockBytes(layout, disk, opts, base.seed, programs.length));
  m.regs[REG_A0] = layout.bootBlockPa;
  return { machine: m, tracker, kernel: kexe, disk, layout, checker };
}

/**
 * The CLI exit status of a kernel run: the kernel's halt status (0 every process exited 0,
 * 1 some did not, 2 the kernel gave up at boot) or the machine's code for other stops
 * (3 double fault or deadlock, 4 cycle limit, 5 stopped).
 */
export function kernelExitCode(stop: StopInfo): number {
  if (stop.reason !== 'halt') return stop.exitCode;
  return stop.exitCode === KernelHalt.ALL_OK || stop.exitCode === KernelHalt.SOME_FAILED ? stop.exitCode : KernelHalt.PANIC;
}

/**
 * Boots the kernel with `programs` and runs the machine until it stops. `beforeRun` sees the
 * booted machine first (to attach a tracer, say).
 */
export function runWithKernel(
  programs: readonly DiskProgram[],
  opts: KernelOptions,
  base: MachineConfig,
  io: KernelIo,
  kernel?: Executable,
  beforeRun?: (m: Machine) => void,
): KernelRunResult {
  const booted = bootKernel(programs, opts, base, io, kernel);
  const m = booted.machine;
  beforeRun?.(m);
  let stop: StopInfo | null = null;
  while (stop === null) stop = m.run();
  const stats = m.stats();
  const processes = booted.tracker.finish(m.pageFaultsByAsid);
  stats.processes = processes;
  return { stop, exitCode: kernelExitCode(stop), stats, processes, machine: m, checker: booted.checker };
}
