// Integrity soak: asm/examples/integrity.s, several copies at once, across every page
// replacement policy, 4 to 64 frames, TLBs of 1 to 256 entries (split and unified), 2 and 3
// page-table levels and disk latencies from 1 to 10^6 cycles, with --check-kernel on: no word
// may ever be lost. A modest grid in the normal run; VMLAB_LONG=1 runs the whole product and
// prints the totals. Then fault injection: disk errors (retried, then only the process that
// needed the transfer ends) and latency jitter (no effect on results).

import { describe, expect, it } from 'vitest';
import type { ReplacePolicyName } from '../src/arch/memmap.ts';
import type { MachineOptionValues } from '../src/cli/machine-options.ts';
import { badWordCounts, EXAMPLES, integrity, LONG, program, runKernel, TIMEOUT, type KernelRun } from './hardening-harness.ts';
import path from 'node:path';

const POLICIES: ReplacePolicyName[] = ['fifo', 'clock', 'aging', 'random'];
const FRAMES = [4, 8, 16, 32, 64];
const TLBS = [1, 4, 16, 64, 256];
const SPLIT = [false, true];
const LEVELS = [2, 3];
const LATENCIES = [1, 100, 10_000, 1_000_000];

/** integrity.s's size in pages: the full 256 in the long run, 96 (still > frames) in the normal one. */
const PAGES = LONG ? 256 : 96;
/** Words in its region (1024 a page); each is checked twice. */
const WORDS_PER_PROCESS = PAGES * 1024;

interface SoakConfig {
  replace: ReplacePolicyName;
  frames: number;
  tlb: number;
  split: boolean;
  levels: number;
  latency: number;
}

/** Copies of integrity.s: as many as get 3 frames each (at least one, at most 3). */
function copies(frames: number): number {
  return Math.max(1, Math.min(3, Math.floor(frames / 3)));
}

/** One soak run: every copy must print "bad words: 0" and exit 0, and --check-kernel stay quiet. */
function soak(c: SoakConfig): { processes: number; words: number; bad: number } {
  const n = copies(c.frames);
  const p = integrity(PAGES);
  const r = runKernel(Array.from({ length: n }, () => p), {
    kernel: { replace: c.replace, frames: c.frames },
    machine: { tlb: c.tlb, tlbSplit: c.split, levels: c.levels, diskLatency: c.latency, maxCycles: 2 ** 50 },
    maxInstructions: 40_000_000 * n,
  });
  const what = JSON.stringify(c);
  const counts = badWordCounts(r.out);
  expect(r.stop.reason, `${what}: ${r.stop.message}`).toBe('halt');
  expect(r.err, what).toBe('');
  expect(counts, what).toEqual(Array(n).fill(0));
  expect(r.processes.every((q) => q.status === 'exited' && q.exitCode === 0), what).toBe(true);
  expect(r.checker!.failure, what).toBeNull();
  return { processes: n, words: n * WORDS_PER_PROCESS, bad: counts.reduce((a, b) => a + b, 0) };
}

/** The normal run's grid: every value of every dimension at least once, mixed (no two alike). */
function modestGrid(): SoakConfig[] {
  const out: SoakConfig[] = [];
  for (let i = 0; i < 8; i++)
    out.push({
      replace: POLICIES[i % POLICIES.length]!,
      frames: FRAMES[(i * 3) % FRAMES.length]!,
      tlb: TLBS[(i * 2) % TLBS.length]!,
      split: SPLIT[Math.floor(i / 2) % 2]!,
      levels: LEVELS[Math.floor(i / 5) % 2]!,
      latency: LATENCIES[(i * 3 + 1) % LATENCIES.length]!,
    });
  return out;
}

function fullGrid(): SoakConfig[] {
  const out: SoakConfig[] = [];
  for (const replace of POLICIES)
    for (const frames of FRAMES)
      for (const tlb of TLBS)
        for (const split of SPLIT)
          for (const levels of LEVELS) for (const latency of LATENCIES) out.push({ replace, frames, tlb, split, levels, latency });
  return out;
}

describe('integrity soak', () => {
  // One test per policy under VMLAB_LONG=1 (the full product, 400 configurations each);
  // otherwise one test over the modest grid.
  const groups: [string, SoakConfig[]][] = LONG
    ? POLICIES.map((p) => [p, fullGrid().filter((c) => c.replace === p)])
    : [['mixed', modestGrid()]];
  const totals = { runs: 0, processes: 0, words: 0, bad: 0 };
  const seen = { policies: new Set<string>(), frames: new Set<number>(), tlbs: new Set<number>(), split: new Set<boolean>(), levels: new Set<number>(), latencies: new Set<number>() };
  for (const [name, grid] of groups)
    it(`keeps every word in ${grid.length} configurations (${name})`, () => {
      for (const c of grid) {
        const r = soak(c);
        totals.runs++;
        totals.processes += r.processes;
        totals.words += r.words;
        totals.bad += r.bad;
        seen.policies.add(c.replace);
        seen.frames.add(c.frames);
        seen.tlbs.add(c.tlb);
        seen.split.add(c.split);
        seen.levels.add(c.levels);
        seen.latencies.add(c.latency);
      }
      expect(totals.bad).toBe(0);
      if (LONG)
        console.log(`soak (${name}): ${totals.runs} configurations so far, ${totals.processes} processes, ${totals.words.toLocaleString('en-US')} words verified (each checked twice), ${totals.bad} lost`);
    }, TIMEOUT);

  it('the grid covers every value of every dimension', () => {
    expect([seen.policies.size, seen.frames.size, seen.tlbs.size, seen.split.size, seen.levels.size, seen.latencies.size]).toEqual([
      POLICIES.length, FRAMES.length, TLBS.length, SPLIT.length, LEVELS.length, LATENCIES.length,
    ]);
  });

  it('with no TLB, and with one and four page-table levels', () => {
    for (const machine of [{ tlb: false as const }, { levels: 1 }, { levels: 4 }] satisfies MachineOptionValues[]) {
      const p = integrity(32);
      const r = runKernel([p, p], { kernel: { frames: 8, replace: 'clock' }, machine });
      expect(badWordCounts(r.out), JSON.stringify(machine)).toEqual([0, 0]);
      expect(r.checker!.failure).toBeNull();
    }
  });
});

describe('fault injection', () => {
  /**
   * Three integrity copies and hello with disk errors: each process either finishes with every
   * word intact or is ended by the kernel for a disk error; none ever sees a wrong word.
   */
  function withErrors(rate: number, seed: number, extra: MachineOptionValues = {}): KernelRun {
    const p = integrity(64);
    const hello = program(path.join(EXAMPLES, 'hello.s'));
    const r = runKernel([p, hello, p, p], {
      kernel: { frames: 12, replace: POLICIES[seed % POLICIES.length]! },
      machine: { diskErrorRate: rate, seed, ...extra },
    });
    const what = `rate ${rate}, seed ${seed}`;
    expect(r.stop.reason, what).toBe('halt');
    expect(r.checker!.failure, what).toBeNull();
    expect(badWordCounts(r.out).every((n) => n === 0), `${what}: ${r.out}`).toBe(true);
    for (const q of r.processes) {
      if (q.status === 'exited') expect(q.exitCode, what).toBe(0);
      else expect(q, what).toMatchObject({ status: 'failed', message: 'disk error while paging' });
    }
    // Every copy that exited printed its line; the ended ones printed nothing of it.
    const finished = r.processes.filter((q) => q.name === 'integrity.s' && q.status === 'exited').length;
    expect(badWordCounts(r.out).length, what).toBe(finished);
    return r;
  }

  it('rare errors are retried away: every process finishes', () => {
    for (const seed of [1, 2, 3]) {
      const r = withErrors(0.02, seed);
      expect(r.stats.disk.errors).toBeGreaterThan(0);
      expect(r.processes.map((q) => q.status)).toEqual(['exited', 'exited', 'exited', 'exited']);
      expect(r.exitCode).toBe(0);
    }
  });

  it('frequent errors end some processes, only those, with a message; the others keep every word', () => {
    let ended = 0;
    let finished = 0;
    for (const rate of [0.1, 0.25, 0.5])
      for (const seed of [4, 5]) {
        const r = withErrors(rate, seed);
        ended += r.processes.filter((q) => q.status === 'failed').length;
        finished += r.processes.filter((q) => q.status === 'exited').length;
        const lines = r.err.split('\n').filter((l) => l !== '');
        expect(lines.length).toBe(r.processes.filter((q) => q.status === 'failed').length);
        for (const l of lines) expect(l).toMatch(/^vmlab: process \d \((integrity|hello)\.s\) ended by the kernel: disk error while paging$/);
      }
    expect(ended).toBeGreaterThan(0);
    expect(finished).toBeGreaterThan(0);
  });

  it('runs repeat exactly for a seed', () => {
    const a = withErrors(0.2, 7);
    const b = withErrors(0.2, 7);
    expect(b.stats).toEqual(a.stats);
    expect(b.out).toBe(a.out);
  });

  it('latency jitter changes the timing, never the results', () => {
    const cycles = new Set<number>();
    for (const [jitter, seed] of [[0, 1], [1000, 1], [1000, 2], [19_999, 3]] as const) {
      const p = integrity(64);
      const r = runKernel([p, p, p], { kernel: { frames: 9 }, machine: { diskJitter: jitter, seed } });
      expect(badWordCounts(r.out), `jitter ${jitter}`).toEqual([0, 0, 0]);
      expect(r.exitCode).toBe(0);
      cycles.add(r.stats.cycles);
    }
    expect(cycles.size).toBe(4);
  });
});
