// Every program in asm/examples/: its output and exit status with the default options (and,
// for some, the other runs their header comments promise), in process through `vmlab run`.
// A program added to asm/examples/ without an entry here fails the first test.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRefs } from '../src/study/refs-format.ts';
import { simulate } from '../src/study/replay.ts';
import { example, EXAMPLES, runExample, runExampleWithStats } from './example-run.ts';

/** Stops a run that goes round for ever (a livelocked kernel) instead of hanging the test. */
const GUARD = { maxCycles: 2_000_000_000 };

const KILLED_AT_NULL =
  /^vmlab: process 1 \(segfault\.s\) killed: store to 0x00000000 outside every region, pc 0x[0-9a-f]{8} \(.*asm\/examples\/segfault\.s:\d+\)\n$/;

/** What each example prints with the default options, and its exit status. */
const EXPECTED: Readonly<Record<string, { out: string | RegExp; status: number; err?: RegExp }>> = {
  'bare-hello.s': { out: 'hello from bare metal\n', status: 0 },
  'bare-sum.s': { out: 'sum of 1..100 = 5050\n', status: 0 },
  'bare-fib.s': { out: '0 1 1 2 3 5 8 13 21 34 55 89 144 233 377 610 987 1597 2584 4181\n', status: 0 },
  'hello.s': { out: 'hello from process 1\n', status: 0 },
  'segfault.s': { out: 'about to store through a null pointer\n', status: 1, err: KILLED_AT_NULL },
  'integrity.s': { out: 'bad words: 0\n', status: 0 },
  'sum-large.s': { out: 'sum of 0..262143 = 34359607296 (expected 34359607296)\n', status: 0 },
  'matmul.s': {
    out:
      'C = A x B, 64x64: checksum 89456640 (expected 89456640)\n' +
      'C[0][0] = 85344\nC[1][2] = 83200\nC[17][42] = -10752\nC[63][63] = -168672\n' +
      '0 entries differ from the closed form\n',
    status: 0,
  },
  'random-access.s': {
    out: /^random-access: 2000 random updates over 512 KiB: xor (0x[0-9a-f]{8}) \(expected \1\), after undoing them 0 words not zero\n$/,
    status: 0,
  },
  'stack-growth.s': { out: /^stack-growth: depth 500, 1 KiB per call, lowest sp 0x7ff8[0-9a-f]{4}, bad words: 0\n$/, status: 0 },
  'heap-growth.s': {
    out: /^heap-growth: break (0x0000[0-9a-f]{4}), after 64 x sbrk\(16 KiB\) (0x00[0-9a-f]{6}), after sbrk\(-512 KiB\) (0x00[0-9a-f]{6}), grown back; bad words: 0\n$/,
    status: 0,
  },
  'tlbprobe.s': {
    out:
      'pages  cycles/access\n-----  -------------\n' +
      [1, 2, 4, 8, 16, 32].map((n) => `${String(n).padStart(5)}           6.00\n`).join('') +
      '   64  page faults: more pages than frames, stopping here (try --frames 300)\n',
    status: 0,
  },
  'belady.s': { out: 'belady: done\n', status: 0 },
  'thrash.s': { out: 'thrash: 32 pages x 100 rounds, bad pages: 0\n', status: 0 },
};

describe('asm/examples', () => {
  const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.s')).sort();

  it('every example has an expected output here, and a header that says what it shows and how to run it', () => {
    expect(files.filter((f) => !(f in EXPECTED))).toEqual([]);
    expect(Object.keys(EXPECTED).filter((f) => !files.includes(f))).toEqual([]);
    for (const f of files) {
      const text = readFileSync(example(f), 'utf8');
      expect(text.startsWith(`# ${f}: `), f).toBe(true);
      expect(text, f).toMatch(new RegExp(`^#\\s+vmlab run asm/examples/${f.replace('.', '\\.')}`, 'm'));
    }
  });

  for (const [name, want] of Object.entries(EXPECTED))
    it(`${name} prints what it should and exits ${want.status}`, () => {
      const r = runExample([example(name)], GUARD);
      if (typeof want.out === 'string') expect(r.out).toBe(want.out);
      else expect(r.out).toMatch(want.out);
      if (want.err !== undefined) expect(r.err).toMatch(want.err);
      else expect(r.err).toBe('');
      expect(r.status).toBe(want.status);
    });
});

describe('what the examples\' comments promise', () => {
  it('heap-growth: the heap starts at the page after the program, and shrinks and grows back by whole pages', () => {
    const r = runExample([example('heap-growth.s')], GUARD);
    const [, start, grown, shrunk] = /break (0x\w+), .* (0x\w+), .* (0x\w+),/.exec(r.out)!.map((s) => parseInt(s, 16));
    expect(start! % 4096).toBe(0);
    expect(grown! - start!).toBe(1 << 20);
    expect(shrunk! - start!).toBe(1 << 19);
  });

  it('heap-growth with a heap limit below 1 MiB: sbrk fails, and it says so', () => {
    const r = runExample([example('heap-growth.s')], { ...GUARD, heapPages: 100 });
    expect(r.out).toMatch(/sbrk failed: the heap limit \(--heap-pages\) is reached\n$/);
    expect(r.status).toBe(1);
  });

  it('stack-growth past --stack-pages is killed by the kernel', () => {
    const r = runExample([example('stack-growth.s')], { ...GUARD, stackPages: 100 });
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^vmlab: process 1 \(stack-growth\.s\) killed: store to 0x7ff9[0-9a-f]{4} outside every region/);
    expect(r.status).toBe(1);
  });

  it('tlbprobe shows the jump at the TLB size: 16 entries, then 64 with enough frames', () => {
    const rows = (out: string) =>
      Object.fromEntries([...out.matchAll(/^ +(\d+) +(\d+\.\d\d)$/gm)].map((m) => [Number(m[1]), Number(m[2])]));
    const small = runExample([example('tlbprobe.s')], { ...GUARD, tlb: 16 });
    expect(small.status).toBe(0);
    expect(rows(small.out)).toEqual({ 1: 6, 2: 6, 4: 6, 8: 6, 16: 28, 32: 28 });
    const big = runExample([example('tlbprobe.s')], { ...GUARD, tlb: 64, frames: 300 });
    expect(big.status).toBe(0);
    expect(rows(big.out)).toEqual({ 1: 6, 2: 6, 4: 6, 8: 6, 16: 6, 32: 6, 64: 28, 128: 28, 256: 28 });
  });

  it('belady: 13 page faults with 4 frames and 14 with 5 under fifo (the anomaly, one frame later)', () => {
    const faults = [3, 4, 5, 6].map((frames) => {
      const r = runExampleWithStats([example('belady.s')], { ...GUARD, frames, replace: 'fifo' });
      expect(r.out).toBe('belady: done\n');
      expect(r.stats.processes[0]!.pageFaults).toBe(r.stats.pageFaults);
      return r.stats.pageFaults;
    });
    expect(faults).toEqual([18, 13, 14, 8]);
  });

  it('belady: the data pages are referenced in the textbook order, and the kernel\'s fifo counts are those of its reference string', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vmlab-belady-'));
    try {
      const refsFile = path.join(dir, 'belady.refs');
      const r = runExampleWithStats([example('belady.s')], { ...GUARD, frames: 4, refs: refsFile });
      const text = readFileSync(refsFile, 'utf8');
      const data = [...text.matchAll(/^1 0x([0-9a-f]+)$/gm)].map((m) => parseInt(m[1]!, 16)).filter((vpn) => vpn >= 0x100);
      // A faulting access is recorded twice, the attempt and the retry: collapse repeats.
      const order = data.filter((vpn, i) => i === 0 || data[i - 1] !== vpn).map((vpn) => vpn - 0x100);
      expect(order).toEqual([1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5]);
      expect(simulate(parseRefs(text, refsFile), 'fifo', 4).faults).toBe(r.stats.pageFaults);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sum-large pages its array out and back in with 16 frames and clock', () => {
    const r = runExampleWithStats([example('sum-large.s')], { ...GUARD, frames: 16, replace: 'clock' });
    expect(r.out).toBe(EXPECTED['sum-large.s']!.out);
    expect(r.status).toBe(0);
    const p = r.stats.processes[0]!;
    expect(p.swapWrites).toBeGreaterThanOrEqual(256 - 16);
    expect(p.pagesIn.swap).toBeGreaterThanOrEqual(256 - 16);
  });

  it('matmul with a 4-entry TLB: the same result, and a miss on each of B\'s four pages for every entry of C', () => {
    const base = runExampleWithStats([example('matmul.s')], GUARD);
    const small = runExampleWithStats([example('matmul.s')], { ...GUARD, tlb: 4 });
    expect(small.out).toBe(base.out);
    expect(small.status).toBe(0);
    expect(base.stats.tlb.misses).toBeLessThan(100);
    expect(small.stats.tlb.misses).toBeGreaterThanOrEqual(4 * 64 * 64);
    expect(small.stats.tlb.misses).toBeLessThan(6 * 64 * 64);
  });

  it('random-access keeps its words with too few frames and the clock policy', () => {
    const r = runExampleWithStats([example('random-access.s')], { ...GUARD, frames: 48, replace: 'clock' });
    expect(r.out).toMatch(EXPECTED['random-access.s']!.out);
    expect(r.status).toBe(0);
    expect(r.stats.processes[0]!.pagesIn.swap).toBeGreaterThan(500);
  });
});
