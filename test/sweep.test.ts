// vmlab sweep: the grid of runs (in this process, and in real worker threads: the same
// results), its tables, JSON and SVG charts, the fifo replay check, the command line; and the
// progress display it shares with the bench.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatSweep, parseReplaceList, parseTlbList, sweepCharts, sweepJson, tlbChartFile } from '../src/cli/sweep.ts';
import { loadKernel, DEFAULT_KERNEL_OPTIONS } from '../src/os/boot.ts';
import { runSweep, sweepTasks, type SweepResult, type SweepSpec } from '../src/study/sweep.ts';
import { UserError } from '../src/util/errors.ts';
import { Progress, formatDuration } from '../src/util/progress.ts';
import { pagesProgram, ROOT, USER_LIB } from './study-helpers.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vmlab-sweep-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const workerFile = path.join(ROOT, 'dist', 'sweep-worker.js');
beforeAll(() => {
  // The worker runs from the bundle: build it (as npm test's pretest does).
  const b = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'build.mjs')], { cwd: ROOT, encoding: 'utf8' });
  expect(b.status, b.stderr).toBe(0);
});

function spec(over: Partial<SweepSpec> = {}): SweepSpec {
  const { frames: _f, replace: _r, kernel: _k, kernelFrames: _kf, ...kernelOptions } = DEFAULT_KERNEL_OPTIONS;
  return {
    programs: [pagesProgram(9, 3), pagesProgram(7, 4)],
    kernel: loadKernel(),
    frames: [4, 5, 6],
    policies: ['fifo', 'clock'],
    tlb: 16,
    tlbSizes: [],
    machine: { maxCycles: 100_000_000 },
    kernelOptions: { ...kernelOptions, quantum: 3000 },
    replay: true,
    ...over,
  };
}

/** Tags balance, attributes are quoted, one root <svg> element. */
function expectWellFormedSvg(svg: string): void {
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  const stack: string[] = [];
  let roots = 0;
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g)) {
    const [, close, name, , selfClose] = m;
    if (close) expect(stack.pop(), `</${name}>`).toBe(name);
    else if (!selfClose) {
      if (stack.length === 0) roots++;
      stack.push(name!);
    } else if (stack.length === 0) roots++;
  }
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
  // Nothing that looks like a tag was skipped by the pattern above.
  expect(svg.replace(/<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g, '')).not.toMatch(/[<>]/);
}

describe('sweep grid', () => {
  let here: SweepResult;
  const s = spec({ tlbSizes: [2, 16] });

  it('lists each run once: the fault grid, then the TLB sizes not in it', () => {
    const tasks = sweepTasks(s);
    expect(tasks.map((t) => `${t.frames}/${t.policy}/${t.tlb}/${t.refs}`)).toEqual([
      '4/fifo/16/true', '4/clock/16/false', '5/fifo/16/true', '5/clock/16/false', '6/fifo/16/true', '6/clock/16/false', '6/fifo/2/false',
    ]);
    expect(tasks.map((t) => t.id)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('runs in this process: every run ends cleanly, and the kernel FIFO equals its offline replay', async () => {
    const progress: number[] = [];
    here = await runSweep(s, { jobs: 0, onProgress: (d, t) => progress.push(d, t) });
    expect(progress).toEqual([1, 7, 2, 7, 3, 7, 4, 7, 5, 7, 6, 7, 7, 7]);
    expect(here.grid).toHaveLength(3);
    for (const row of here.grid) {
      expect(row.map((r) => r.policy)).toEqual(['fifo', 'clock']);
      for (const r of row) {
        expect(r.exitCode).toBe(0);
        expect(r.pageFaults).toBeGreaterThan(16);
      }
      expect(row[0]!.replay!.faults).toBe(row[0]!.pagesIn);
      expect(row[0]!.pagesIn).toBe(row[0]!.pageFaults);
      expect(row[1]!.replay).toBeNull();
    }
    expect(here.tlbRuns.map((r) => [r.tlb, r.frames, r.policy])).toEqual([[2, 6, 'fifo'], [16, 6, 'fifo']]);
    // The 16-entry TLB run is the grid's own run.
    expect(here.tlbRuns[1]).toBe(here.grid[2]![0]);
    expect(here.tlbRuns[0]!.tlbHitRate).toBeLessThan(here.tlbRuns[1]!.tlbHitRate);
    expect(here.tlbRuns[0]!.translationPerAccess).toBeGreaterThan(here.tlbRuns[1]!.translationPerAccess);
  });

  it('runs in worker threads with the same results', async () => {
    expect(existsSync(workerFile)).toBe(true);
    const there = await runSweep(s, { jobs: 2, workerFile });
    expect(there).toEqual(here);
  });

  it('prints the fault table with the replay column, and the TLB table', () => {
    const text = formatSweep(here);
    const lines = text.split('\n');
    expect(lines[0]).toBe('pages.s x2: page faults by frames and replacement policy (16-entry TLB)');
    expect(lines[2]).toMatch(/^frames +fifo +fifo \(replay\) +clock$/);
    const row = (r: number) => {
      const g = here.grid[r]!;
      return new RegExp(`^ +${here.spec.frames[r]} +${g[0]!.pageFaults}[ ↑] +${g[0]!.replay!.faults}  +${g[1]!.pageFaults}↑?$`);
    };
    for (let r = 0; r < 3; r++) expect(lines[4 + r]).toMatch(row(r));
    expect(text).toContain("fifo (replay): each fifo run's own reference string, replayed offline under textbook FIFO (vmlab replay), takes as many faults as the kernel took, at all 3 frame counts");
    expect(text).toContain('TLB sizes (frames 6, fifo):');
    expect(text).toMatch(/\nentries +hit rate +misses +walks +translation cycles\/user access +cycles\/load-store +page faults +cycles\n/);
    expect(text).toMatch(/\n +2 +\d+\.\d\d % +[\d,]+ +[\d,]+ +\d+\.\d+ +\d+\.\d{3} +\d+ +[\d,]+\n/);
  });

  it('JSON has the faults by policy, the replays and every run', () => {
    const j = JSON.parse(sweepJson(here)) as Record<string, unknown>;
    expect(j.frames).toEqual([4, 5, 6]);
    expect(j.policies).toEqual(['fifo', 'clock']);
    expect(j.faults).toEqual({ fifo: here.grid.map((r) => r[0]!.pageFaults), clock: here.grid.map((r) => r[1]!.pageFaults) });
    expect(j.fifoReplay).toEqual(here.grid.map((r) => r[0]!.replay!.faults));
    expect((j.tlbSweep as { sizes: number[] }).sizes).toEqual([2, 16]);
    expect((j.runs as unknown[]).length).toBe(7);
  });

  it('draws well-formed SVG charts: faults vs frames, and translation cost vs TLB size', () => {
    const c = sweepCharts(here);
    expectWellFormedSvg(c.faults);
    expect(c.faults).toContain('Page faults vs frames: pages.s x2');
    expect(c.faults).toContain('>fifo</text>');
    expect(c.faults).toContain('>clock</text>');
    expectWellFormedSvg(c.tlb!);
    expect(c.tlb).toContain('TLB entries');
    expect(tlbChartFile('/tmp/f.svg')).toBe('/tmp/f-tlb.svg');
    expect(tlbChartFile('chart')).toBe('chart-tlb.svg');
  });

  it('reports a run that did not end cleanly', async () => {
    const r = await runSweep(spec({ frames: [4], policies: ['fifo'], machine: { maxCycles: 200_000 }, replay: false }), { jobs: 0 });
    expect(r.grid[0]![0]!.stop).toBe('max-cycles');
    const text = formatSweep(r);
    expect(text).toMatch(/\n +4 +\*\d+ *\n/);
    expect(text).toContain('* frames 4, fifo: stopped at the cycle limit (--max-cycles)');
  });
});

describe('sweep options', () => {
  it('parses policies and TLB sizes, with one-line errors', () => {
    expect(parseReplaceList('clock, FIFO,clock')).toEqual(['clock', 'fifo']);
    expect(() => parseReplaceList('lru')).toThrow(new UserError('--replace: unknown policy "lru" (choose from fifo, clock, aging, random)'));
    expect(parseTlbList('4,16,4')).toEqual([4, 16]);
    expect(() => parseTlbList('4,x')).toThrow(/--tlb: "x" is not a TLB size/);
    expect(() => parseTlbList('0')).toThrow(UserError);
  });
});

describe('vmlab sweep', () => {
  const bin = path.join(ROOT, 'bin', 'vmlab.js');
  const prog = path.join(dir, 'pages.s');
  writeFileSync(
    prog,
    `.include "${USER_LIB}"
.text
_start:
    la   t0, buf
    li   t1, 8
.page:
    lw   t2, 0(t0)
    sw   t2, 0(t0)
    li   t3, 4096
    add  t0, t0, t3
    addi t1, t1, -1
    bnez t1, .page
    li   a0, 0
    call exit
.bss
.align 4096
buf: .space 8 * 4096
`,
  );
  const vmlab = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, VMLAB_DEBUG: '' } });

  it('runs the grid in 2 workers, prints the table and writes the charts', () => {
    const chart = path.join(dir, 'f.svg');
    const r = vmlab('sweep', prog, prog, '--frames', '4-5', '--replace', 'fifo,clock', '--tlb', '4,8', '--jobs', '2', '--chart', chart);
    expect(r.stderr).toMatch(/^sweep: 5 runs in \d+:\d\d on 2 threads$/m);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^pages.s x2: page faults by frames and replacement policy \(8-entry TLB\)\n/);
    expect(r.stdout).toContain('takes as many faults as the kernel took, at all 2 frame counts');
    expect(r.stderr).toContain(`vmlab: wrote ${chart} (page faults vs frames)`);
    expectWellFormedSvg(readFileSync(chart, 'utf8'));
    expectWellFormedSvg(readFileSync(path.join(dir, 'f-tlb.svg'), 'utf8'));
  });

  it('--json prints JSON on stdout', () => {
    const r = vmlab('sweep', prog, '--frames', '3', '--replace', 'clock', '--json', '--jobs', '1');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ frames: [3], policies: ['clock'], fifoReplay: null });
  });

  it('bad input is one line and a non-zero status', () => {
    // (The parsers' messages are checked above; here, that they reach the user as one line.)
    for (const [args, re] of [
      [['--frames', '1-3'], /^vmlab: --frames: the kernel needs at least 2 frames \(got 1\)$/],
      [['--replace', 'lru'], /^vmlab sweep: --replace: unknown policy "lru" \(choose from fifo, clock, aging, random\) \(see 'vmlab sweep --help'\)$/],
    ] as const) {
      const r = vmlab('sweep', prog, ...args);
      expect(r.status, args.join(' ')).not.toBe(0);
      expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr.trimEnd()).toMatch(re);
    }
    const missing = vmlab('sweep', path.join(dir, 'nope.s'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^vmlab: cannot read .*nope.s: no such file or directory\n$/);
  });
});

describe('progress', () => {
  function clock() {
    let t = 0;
    return { now: () => t, advance: (ms: number) => void (t += ms) };
  }

  it('on a terminal: one line rewritten in place, then erased and replaced by a summary', () => {
    const c = clock();
    let out = '';
    const p = new Progress({ label: 'sweep', total: 4, unit: 'runs', tty: true, write: (t) => void (out += t), now: c.now, barWidth: 8 });
    c.advance(1000);
    p.tick();
    expect(out).toBe('\rsweep [##------]  1/4 runs  25%  0:01 elapsed, ~0:03 left\x1b[K');
    c.advance(50);
    p.tick(); // within 100 ms of the last update: not shown
    expect(out.split('\r')).toHaveLength(2);
    c.advance(2000);
    p.tick();
    expect(out.endsWith('\rsweep [######--]  3/4 runs  75%  0:03 elapsed, ~0:01 left\x1b[K')).toBe(true);
    p.tick();
    p.finish(' on 2 threads');
    expect(out.endsWith('\r\x1b[Ksweep: 4 runs in 0:03 on 2 threads\n')).toBe(true);
  });

  it('elsewhere: a plain line at most every interval and each tenth of the work, then the summary', () => {
    const c = clock();
    const lines: string[] = [];
    const p = new Progress({ label: 'bench', total: 100, tty: false, write: (t) => void lines.push(t), now: c.now, intervalMs: 1000 });
    for (let i = 0; i < 100; i++) {
      c.advance(100);
      p.tick();
    }
    p.finish();
    // 10 s of work, a line at most each second and each 10 %: at 10 %, 20 %, ... 90 %.
    expect(lines).toHaveLength(10);
    expect(lines[0]).toBe('bench: 10/100 steps (10%), 0:01 elapsed, ~0:09 left\n');
    expect(lines[9]).toBe('bench: 100 steps in 0:10\n');
    expect(lines.every((l) => !l.includes('\r') && !l.includes('\x1b'))).toBe(true);
  });

  it('formats durations', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(61_400)).toBe('1:01');
    expect(formatDuration(3_600_000 + 62_000)).toBe('1:01:02');
  });
});
