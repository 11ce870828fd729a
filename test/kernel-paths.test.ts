// The kernel's less travelled fault paths, each reached for certain (the test watches the
// kernel's pc arrive at the path's label) and each ending well: every frame busy (the process
// waits for one and is woken when a page-in completes), a zero-fill queued behind the
// write-out of its frame's dirty page, and disk errors retried. Plus the cost of the common
// path: kernel instructions per page fault on the faults benchmark, with every policy.

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { assembleSource } from '../src/asm/index.ts';
import type { ReplacePolicyName } from '../src/arch/memmap.ts';
import { machineConfig, type MachineOptionValues } from '../src/cli/machine-options.ts';
import { bootKernel, DEFAULT_KERNEL_OPTIONS, kernelExitCode, type KernelOptions } from '../src/os/boot.ts';
import { pagesProgram, ROOT, userProgram, type Program } from './study-helpers.ts';
import path from 'node:path';

interface PathRun {
  exitCode: number;
  out: string;
  /** How many times the kernel's pc reached each watched label. */
  reached: Map<string, number>;
  checks: number;
  failure: string | null;
}

/**
 * Boots the kernel with `programs` and --check-kernel and runs it to the end: an instruction at
 * a time, counting arrivals at the kernel labels named in `watch` (local labels as
 * `function.label`), until each has been reached or `stepLimit` instructions have run; then at
 * full speed.
 */
function runWatching(programs: Program[], kernel: Partial<KernelOptions>, machine: MachineOptionValues, watch: string[], stepLimit = 2_000_000): PathRun {
  let out = '';
  const cfg = machineConfig({ maxCycles: 400_000_000, ...machine });
  const b = bootKernel(programs, { ...DEFAULT_KERNEL_OPTIONS, ...kernel, checkKernel: true }, cfg, {
    consoleOut: (c) => void (out += String.fromCharCode(c)),
    err: () => {},
  });
  const at = new Map<number, string>();
  for (const name of watch) {
    const s = b.kernel.symbols.find((x) => x.name === name);
    if (s === undefined) throw new Error(`the kernel has no label ${name}`);
    at.set(s.value >>> 0, name);
  }
  const reached = new Map(watch.map((w) => [w, 0]));
  const m = b.machine;
  let unseen = watch.length;
  for (let n = 0; m.stopInfo === null && unseen > 0 && n < stepLimit; n++) {
    const name = at.get(m.pc >>> 0);
    if (name !== undefined && reached.set(name, reached.get(name)! + 1).get(name) === 1) unseen--;
    m.run(1);
  }
  while (m.stopInfo === null) m.run();
  return { exitCode: kernelExitCode(m.stopInfo), out, reached, checks: b.checker!.checks, failure: b.checker!.failure };
}

describe('the kernel on its rare fault paths', () => {
  it('a process that finds every frame busy waits, and is woken when a page-in completes', () => {
    // Four processes of one page each (their text), three frames: the first three page-ins
    // hold every frame while the fourth process faults.
    const spin = userProgram('spin.s', '.text\n_start:\n    li   t0, 5000\n.loop:\n    addi t0, t0, -1\n    bnez t0, .loop\n    li   a0, 0\n    call exit\n');
    const progs = [1, 2, 3, 4].map(() => spin);
    const r = runWatching(progs, { frames: 3 }, {}, ['page_in.no_frame', 'wake_noframe.loop']);
    expect(r.exitCode).toBe(0);
    expect(r.failure).toBeNull();
    expect(r.reached.get('page_in.no_frame')).toBeGreaterThan(0);
    expect(r.reached.get('wake_noframe.loop')).toBeGreaterThan(0);
  });

  it('a zero-fill waits behind the write-out of its frame, then maps a page of zeros', () => {
    // One pass over ten bss pages, each written: with three frames, every new page takes a
    // frame whose old page is dirty, so its zero-fill is queued behind that write.
    const r = runWatching([pagesProgram(10, 2)], { frames: 3 }, {}, ['page_in.zero_later', 'disk_start', 'page_in.from_swap']);
    expect(r.exitCode).toBe(0);
    expect(r.failure).toBeNull();
    expect(r.reached.get('page_in.zero_later')).toBeGreaterThan(0);
    expect(r.reached.get('page_in.from_swap')).toBeGreaterThan(0);
  });

  it('disk errors are retried, and a transfer that keeps failing ends the process that needed it', () => {
    const progs = [pagesProgram(6, 3), pagesProgram(6, 3)];
    const r = runWatching(progs, { frames: 3 }, { diskErrorRate: 0.6, seed: 5 }, ['disk_interrupt.error', 'disk_interrupt.give_up']);
    expect(r.failure).toBeNull();
    expect(r.reached.get('disk_interrupt.error')).toBeGreaterThan(0);
    expect(r.reached.get('disk_interrupt.give_up')).toBeGreaterThan(0);
    expect(r.exitCode).toBe(1); // HALT_SOME_FAILED: a process ended by the kernel
  });
});

describe('the cost of a page fault', () => {
  // asm/bench/faults.s (the faults benchmark's program) with 8 frames: nearly every visit
  // faults, the victim is written to swap and the page read back. The bounds are what the
  // kernel costs today with a little room: a change that makes the fault path much slower
  // should be a decision, not an accident.
  // (100 rounds instead of its 1,000: the same path, a tenth of the time.)
  const file = path.join(ROOT, 'asm/bench/faults.s');
  const full = '.equ ROUNDS, 1000';
  const text = readFileSync(file, 'utf8');
  if (!text.includes(full)) throw new Error(`faults.s no longer says '${full}'`);
  const faults = assembleSource(text.replace(full, '.equ ROUNDS, 100'), file).exe!;
  const bound: Record<ReplacePolicyName, number> = { fifo: 415, clock: 500, random: 555, aging: 780 };
  for (const replace of ['fifo', 'clock', 'random', 'aging'] as const)
    it(`${replace}: at most ${bound[replace]} instructions per page fault`, () => {
      const b = bootKernel([{ path: 'faults.s', exe: faults }], { ...DEFAULT_KERNEL_OPTIONS, frames: 8, replace }, machineConfig({}), { consoleOut: () => {} });
      const m = b.machine;
      while (m.stopInfo === null) m.run();
      expect(kernelExitCode(m.stopInfo)).toBe(0);
      const s = m.stats();
      expect(s.pageFaults).toBeGreaterThan(6_000);
      expect(s.instructions / s.pageFaults).toBeLessThan(bound[replace]);
    });
});
