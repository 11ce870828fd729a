// asm/examples/integrity.s, the paging integrity check, under the kernel: 0 bad words for every
// replacement policy with 4, 8, 16 and 64 frames and TLBs of 4 and 64 entries (32 runs, each
// its own test: in process, nothing shared but the assembled programs); several copies at
// once; a process killed for a fault beside a healthy one. In every run the page faults of the
// processes add up to the machine's.

import { describe, expect, it } from 'vitest';
import { MonitorEvent, PageSource, ReplacePolicy, type ReplacePolicyName } from '../src/arch/memmap.ts';
import { PAGE_SIZE } from '../src/arch/pte.ts';
import { machineConfig } from '../src/cli/machine-options.ts';
import type { Machine, StopInfo } from '../src/machine/machine.ts';
import { bootKernel, DEFAULT_KERNEL_OPTIONS } from '../src/os/boot.ts';
import { exampleExe, runUnderKernel, type KernelRun } from './example-run.ts';

const POLICIES = Object.keys(ReplacePolicy) as ReplacePolicyName[];
/** The pages integrity.s checks (its PAGES). */
const PAGES = 256;
/** A livelocked kernel stops here (status 4) instead of hanging the test: 4x the longest run. */
const GUARD = { maxCycles: 400_000_000 };

/** Checks what holds in every run: the faults of the processes add up, each ended as said. */
function checkRun(r: KernelRun, what: string): void {
  const sum = r.processes.reduce((a, p) => a + p.pageFaults, 0);
  expect(sum, what).toBe(r.stats.pageFaults);
  expect(r.stats.pageFaults, what).toBeGreaterThan(0);
  expect(r.stop.reason, `${what}: ${r.err}`).toBe('halt');
}

describe('integrity.s alone: every policy, 4 to 64 frames, TLB 4 and 64', () => {
  expect(POLICIES).toEqual(['fifo', 'clock', 'aging', 'random']);
  for (const replace of POLICIES)
    for (const frames of [4, 8, 16, 64])
      for (const tlb of [4, 64])
        it(`${replace}, ${frames} frames, TLB ${tlb}: bad words: 0`, () => {
          const what = `${replace} frames ${frames} tlb ${tlb}`;
          const r = runUnderKernel(['integrity.s'], { replace, frames }, { tlb, ...GUARD });
          expect(r.out, what).toBe('bad words: 0\n');
          expect(r.err, what).toBe('');
          expect(r.status, what).toBe(0);
          checkRun(r, what);
          // Every pass sweeps more pages than there are frames: pages really went out and back.
          const p = r.processes[0]!;
          expect(p.status).toBe('exited');
          expect(p.pagesIn.swap, what).toBeGreaterThanOrEqual(PAGES - frames);
          expect(p.swapWrites, what).toBeGreaterThanOrEqual(PAGES - frames);
          expect(p.pageFaults, what).toBeGreaterThanOrEqual(2 * PAGES);
        });
});

describe('integrity.s notices damage', () => {
  /**
   * Runs integrity.s with 8 frames and lets `damage` change a frame's words (by physical
   * address) each time the kernel reports a page brought in; returns the console output.
   */
  function withDamage(damage: (m: Machine, pa: number, source: number, count: number) => void): { out: string; stop: StopInfo } {
    let out = '';
    let machine: Machine | null = null;
    let count = 0;
    const booted = bootKernel([exampleExe('integrity.s')], { ...DEFAULT_KERNEL_OPTIONS, frames: 8 }, machineConfig(GUARD), {
      consoleOut: (b) => {
        out += String.fromCharCode(b);
      },
      monitor: (ev, _pid, _vpn, frame, source) => {
        if (ev !== MonitorEvent.PAGE_IN || machine === null) return;
        damage(machine, (booted.layout.userFirstPfn + frame) * PAGE_SIZE, source, count++);
      },
    });
    machine = booted.machine;
    let stop: StopInfo | null = null;
    while (stop === null) stop = machine.run();
    return { out, stop };
  }

  it('one word changed in a page coming back from swap: bad words: 1, exit status 1', () => {
    let done = false;
    const r = withDamage((m, pa, source) => {
      if (done || source !== PageSource.SWAP) return;
      done = true;
      m.writePhysWord(pa + 0x800, m.readPhysWord(pa + 0x800) ^ 0x100);
    });
    expect(done).toBe(true);
    expect(r.out).toBe('bad words: 1\n');
    expect(r.stop.exitCode).toBe(1);
  });

  it('a swapped page brought back as zeros: every word of it is bad', () => {
    let done = false;
    const r = withDamage((m, pa, source) => {
      if (done || source !== PageSource.SWAP) return;
      done = true;
      for (let i = 0; i < PAGE_SIZE; i += 4) m.writePhysWord(pa + i, 0);
    });
    expect(r.out).toBe(`bad words: ${PAGE_SIZE / 4}\n`);
    expect(r.stop.exitCode).toBe(1);
  });
});

describe('integrity.s several at once', () => {
  // Three frames per process at least: fewer can livelock round robin (asm/README.md).
  const cases: [ReplacePolicyName, number, number][] = [
    ['fifo', 3, 9],
    ['clock', 3, 12],
    ['aging', 2, 8],
    ['random', 4, 24],
  ];
  for (const [replace, copies, frames] of cases)
    it(`${copies} copies with ${replace} and ${frames} frames: each keeps its own words`, () => {
      const r = runUnderKernel(Array(copies).fill('integrity.s'), { replace, frames }, { tlb: 16, ...GUARD });
      expect(r.out).toBe('bad words: 0\n'.repeat(copies));
      expect(r.err).toBe('');
      expect(r.status).toBe(0);
      checkRun(r, replace);
      expect(r.processes.map((p) => p.exitCode)).toEqual(Array(copies).fill(0));
      for (const p of r.processes) expect(p.pageFaults).toBeGreaterThanOrEqual(2 * PAGES);
    });
});

describe('a process killed beside healthy ones', () => {
  it('segfault.s dies with a message; integrity.s and hello.s finish; the exit status is 1', () => {
    const r = runUnderKernel(['integrity.s', 'segfault.s', 'hello.s'], { frames: 9, replace: 'clock' }, GUARD);
    expect(r.out.split('\n').sort()).toEqual(['', 'about to store through a null pointer', 'bad words: 0', 'hello from process 3']);
    expect(r.err).toMatch(/^vmlab: process 2 \(segfault\.s\) killed: store to 0x00000000 outside every region, pc 0x[0-9a-f]{8} \(.*segfault\.s:\d+\)\n$/);
    expect(r.status).toBe(1);
    expect(r.processes.map((p) => [p.name, p.status, p.exitCode])).toEqual([
      ['integrity.s', 'exited', 0],
      ['segfault.s', 'killed', null],
      ['hello.s', 'exited', 0],
    ]);
    checkRun(r, 'segfault beside integrity');
  });

  it('the killed process\'s frames go back to the other: integrity.s passes in 6 frames after it', () => {
    const r = runUnderKernel(['segfault.s', 'integrity.s'], { frames: 6, replace: 'fifo' }, GUARD);
    expect(r.out).toBe('about to store through a null pointer\nbad words: 0\n');
    expect(r.status).toBe(1);
    expect(r.processes[1]).toMatchObject({ status: 'exited', exitCode: 0 });
    checkRun(r, 'segfault then integrity');
  });
});
