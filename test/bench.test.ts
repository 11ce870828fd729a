// The benchmark workloads (src/bench/setups.ts), their measurement (measure.ts), the sweep
// (sweep.ts) and `vmlab bench`: the loops compute what they should, touch the pages they
// should, count exactly and deterministically; the host-built page tables agree with the
// reference walk for every geometry; the CLI's JSON has its shape. No timing is asserted.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GEOMETRIES, PAGE_SIZE, Pte } from '../src/arch/pte.ts';
import { Access } from '../src/arch/traps.ts';
import { referenceWalk } from '../src/machine/mmu/walk-reference.ts';
import { emulatedFigures, spread } from '../src/bench/measure.ts';
import {
  BENCH_WORKLOADS, DATA_PA, DEFAULT_BENCH_SETUP, FaultsTarget, HostPageTables, LoopTarget, buildTarget, type BenchSetup,
} from '../src/bench/setups.ts';
import { parseSweep, sweepChart, sweepSetup, type SweepSpec } from '../src/bench/sweep.ts';
import { runBench, type BenchOptions } from '../src/cli/bench.ts';
import { UsageError } from '../src/cli/options.ts';
import { UserError } from '../src/util/errors.ts';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

function vmlab(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/vmlab.js'), ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

function loop(name: 'seq' | 'randc' | 'rand' | 'stride', paging: boolean, setup: BenchSetup = DEFAULT_BENCH_SETUP): LoopTarget {
  const t = buildTarget(name, paging, setup);
  expect(t).toBeInstanceOf(LoopTarget);
  return t as LoopTarget;
}

const SEQ_WORDS = (1 << 20) / 4;
/** Instructions of one pass of seq.s over the array: mv, mv, 6 per word, then j outer. */
const SEQ_PASS = 2 + 6 * SEQ_WORDS + 1;

describe('workload construction', () => {
  it('seq adds 1 to every word of the 1 MiB array per pass, paging on and off', () => {
    for (const paging of [true, false]) {
      const t = loop('seq', paging);
      t.run(2 * SEQ_PASS);
      const m = t.machine;
      let sum = 0;
      for (let i = 0; i < SEQ_WORDS; i++) sum += m.mem32[(DATA_PA >>> 2) + i]!;
      expect(sum).toBe(2 * SEQ_WORDS);
      expect(m.mem32[DATA_PA >>> 2]).toBe(2);
      expect(m.mem32[(DATA_PA >>> 2) + SEQ_WORDS - 1]).toBe(2);
    }
  });

  it('seq counts exactly: one pass = 257 misses (text + 256 data pages), every access a lookup', () => {
    const t = loop('seq', true);
    t.run(SEQ_PASS);
    const s = t.machine.stats();
    expect(s.instructions).toBe(SEQ_PASS);
    expect(s.tlb.misses).toBe(257);
    // The first store to each page finds its TLB entry with D clear and walks again to set D.
    expect(s.walks).toBe(257 + 256);
    expect(s.loads).toBe(SEQ_WORDS);
    expect(s.stores).toBe(SEQ_WORDS);
    expect(s.tlb.hits + s.tlb.misses).toBe(SEQ_PASS + 2 * SEQ_WORDS);
    // With no TLB every fetch, load and store walks.
    const n = loop('seq', true, { ...DEFAULT_BENCH_SETUP, tlb: null });
    n.run(60_000);
    const ns = n.machine.stats();
    expect(ns.walks).toBe(60_000 + 2 * 10_000);
    expect(ns.fetches + ns.loads + ns.stores).toBe(60_000 + 2 * 10_000);
    expect(n.counters().translations).toBe(ns.walks);
  });

  it('randc and rand load only inside their 64 MiB region, spread over all of it', () => {
    for (const name of ['randc', 'rand'] as const) {
      const t = loop(name, true);
      t.run(400_000); // would stop (no trap vector) on any access outside the mapped pages
      const pt = t.tables!;
      const region = 0x04000000;
      const pages = (64 << 20) / PAGE_SIZE;
      let touched = 0;
      const eighths = new Set<number>();
      for (let p = 0; p < pages; p++) {
        const pte = t.machine.mem32[pt.leafAddress(region + p * PAGE_SIZE) >>> 2]!;
        if ((pte & Pte.A) !== 0) {
          touched++;
          eighths.add(Math.floor((8 * p) / pages));
        }
      }
      expect(touched).toBeGreaterThan(12_000); // about 36,000 loads over 16,384 pages: ~14,500 distinct
      expect(eighths.size).toBe(8);
      expect(pt.leafAddress(region - PAGE_SIZE) === -1 || (t.machine.mem32[pt.leafAddress(region - PAGE_SIZE) >>> 2]! & Pte.V) === 0).toBe(true);
    }
  });

  it('stride misses on every load once N is beyond the TLB, and never within it', () => {
    const far = emulatedFigures('stride', { ...DEFAULT_BENCH_SETUP, stridePages: 256 }, 50_000, 5_000);
    const near = emulatedFigures('stride', { ...DEFAULT_BENCH_SETUP, stridePages: 32 }, 50_000, 5_000);
    // Every load misses (the text page never does): lookups = the fetches + one per miss.
    expect(far.translations - far.walks).toBe(50_000);
    expect(far.walks).toBeGreaterThan(9_900); // 5 instructions per load, 3 more per pass
    expect(near.walks).toBe(0);
  });

  it('faults boots the kernel again when faults.s ends, and counts over every boot', () => {
    const t = buildTarget('faults', true)!;
    expect(t).toBeInstanceOf(FaultsTarget);
    expect(buildTarget('faults', false)).toBeNull();
    // faults.s ends after about 29M instructions (1,000 rounds of 64 pages and their faults).
    t.run(32_000_000);
    expect((t as FaultsTarget).boots).toBe(2);
    const c = t.counters();
    expect(c.instructions).toBe(32_000_000);
    expect(c.pageFaults).toBeGreaterThan(72_000);
  });

  it('gives identical emulated figures for two runs of the same budget (every workload)', () => {
    for (const name of BENCH_WORKLOADS) {
      const a = emulatedFigures(name, DEFAULT_BENCH_SETUP, 200_000, 10_000);
      const b = emulatedFigures(name, DEFAULT_BENCH_SETUP, 200_000, 10_000);
      expect(b).toEqual(a);
      expect(a.instructions).toBe(200_000);
    }
  });

  it('runs every loop workload at every page-table depth and with a set-associative TLB', () => {
    for (const levels of [1, 2, 3, 4] as const) {
      for (const name of ['seq', 'rand', 'stride'] as const) {
        const setup = { ...DEFAULT_BENCH_SETUP, levels, tlb: { entries: 32, ways: 4, policy: 'fifo' as const, seed: 1 } };
        const e = emulatedFigures(name, setup, 20_000);
        expect(e.instructions).toBe(20_000);
        expect(e.translations).toBeGreaterThan(20_000);
      }
    }
  });
});

describe('host-built page tables', () => {
  it('translate like the reference walk, for every geometry', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1, 2, 3, 4),
        fc.uniqueArray(fc.integer({ min: 1, max: 0x7ffff }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 255 }),
        (levels, vpns, frameBase) => {
          const g = GEOMETRIES[levels as 1 | 2 | 3 | 4];
          const mem = new Int32Array((16 << 20) / 4);
          const pt = new HostPageTables(mem, g, 0x1000, 0xc00000);
          vpns.forEach((v, i) => pt.map(v * PAGE_SIZE, (0xc00 + frameBase + i) * PAGE_SIZE, Pte.V | Pte.R | Pte.W | Pte.U));
          vpns.forEach((v, i) => {
            const r = referenceWalk(mem, g, 0x1000, v * PAGE_SIZE + 8, Access.LOAD, true);
            expect(r.ok).toBe(true);
            if (r.ok) expect(r.pa).toBe((0xc00 + frameBase + i) * PAGE_SIZE + 8);
          });
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('measurement helpers', () => {
  it('spread: median of odd and even counts, min and max', () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3 });
    expect(spread([4, 1, 2, 3])).toEqual({ median: 2.5, min: 1, max: 4 });
  });

  it('parseSweep and sweepSetup', () => {
    expect(parseSweep('tlb=4,8,8,16')).toEqual({ param: 'tlb', values: [4, 8, 16] });
    expect(parseSweep('levels=1,2,3,4').param).toBe('levels');
    expect(() => parseSweep('size=4')).toThrow(UserError);
    expect(() => parseSweep('levels=5')).toThrow(/from 1 to 4/);
    expect(sweepSetup(DEFAULT_BENCH_SETUP, { param: 'tlb', values: [16] }, 16).tlb).toMatchObject({ entries: 16, ways: 16 });
    expect(sweepSetup(DEFAULT_BENCH_SETUP, { param: 'ways', values: [4] }, 4).tlb).toMatchObject({ entries: 64, ways: 4 });
    expect(() => sweepSetup(DEFAULT_BENCH_SETUP, { param: 'ways', values: [3] }, 3)).toThrow(/divide/);
  });
});

describe('vmlab bench', () => {
  it('--json prints one object per workload with the host, baseline and emulated figures', () => {
    const r = vmlab('bench', '--workload', 'seq,randc', '--runs', '2', '--seconds', '0.02', '--json');
    expect(r.status).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(2);
    const [seq, randc] = lines.map((l) => JSON.parse(l));
    expect(seq.workload).toBe('seq');
    expect(randc.workload).toBe('randc');
    for (const j of [seq, randc]) {
      for (const k of ['mips', 'translationsPerSecond', 'walksPerSecond', 'pagingOffMips', 'ratio', 'tlbHitRate', 'cyclesPerAccess', 'cyclesPerInstruction'])
        expect(j[k], k).toBeGreaterThan(0);
      expect(j.samples).toHaveLength(2);
      expect(j.spread.mips.min).toBeLessThanOrEqual(j.mips);
      expect(j.spread.mips.max).toBeGreaterThanOrEqual(j.mips);
      expect(j.pageFaultsPerSecond).toBeNull();
    }
    expect(seq.tlbHitRate).toBeGreaterThan(0.99);
    expect(randc.tlbHitRate).toBeLessThan(0.95);
    expect(r.err).toMatch(/bench: 8 runs in/);
  });

  it('faults reports page faults per second and no paging-off baseline; --compare-no-tlb adds the no-TLB mode', () => {
    const r = vmlab('bench', '--workload', 'faults', '--runs', '1', '--seconds', '0.02', '--compare-no-tlb', '--json');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.pageFaultsPerSecond).toBeGreaterThan(0);
    expect(j.pagingOffMips).toBeNull();
    expect(j.ratio).toBeNull();
    expect(j.noTlb.mips).toBeGreaterThan(0);
    // faults.s touches each page once per fault: the TLB saves little per access there.
    expect(j.noTlb.cycleSpeedup).toBeGreaterThan(0.5);
  });

  it('prints an aligned table, and a sweep table with a two-panel chart', () => {
    const t = vmlab('bench', '--workload', 'stride', '--runs', '1', '--seconds', '0.02', '--stride-pages', '100');
    expect(t.status).toBe(0);
    expect(t.out).toMatch(/^workload +MIPS +range/);
    expect(t.out).toMatch(/^stride +[\d.]+ +[\d.]+-[\d.]+/m);
    const chart = path.join(mkdtempSync(path.join(tmpdir(), 'vmlab-bench-')), 'sweep.svg');
    const s = vmlab('bench', '--workload', 'stride', '--runs', '1', '--seconds', '0.02', '--sweep', 'tlb=16,64,256', '--chart', chart);
    expect(s.status).toBe(0);
    expect(s.out).toMatch(/^TLB entries +workload/);
    expect(s.out.match(/^ *(16|64|256) +stride/gm)).toHaveLength(3);
    const svg = readFileSync(chart, 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<svg /g)).toHaveLength(3);
    expect(svg).toMatch(/translations per CPU second/);
    expect(svg).toMatch(/cycles per access/);
  });

  it('checks --save and --chart before measuring: one line, exit 1, nothing run', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vmlab-bench-'));
    for (const [opts, file, why] of [
      [{ save: path.join(dir, 'no', 'x.json') }, path.join(dir, 'no', 'x.json'), 'no such file or directory'],
      [{ save: dir }, dir, 'is a directory'],
      [{ sweep: 'tlb=4,8', chart: path.join(dir, 'no', 'c.svg') }, path.join(dir, 'no', 'c.svg'), 'no such file or directory'],
    ] as const) {
      let err = '';
      let out = '';
      const run = () => runBench({ workload: 'seq', runs: 1, seconds: 0.01, ...opts }, { out: (t) => (out += t), err: (t) => (err += t) });
      expect(run).toThrow(new UserError(`cannot write ${file}: ${why}`));
      expect(() => run()).not.toThrow(UsageError);
      // No progress line and no table: the check came before the first measurement.
      expect(err + out).toBe('');
    }
    const r = vmlab('bench', '--workload', 'seq', '--runs', '1', '--seconds', '0.02', '--save', path.join(dir, 'no', 'x.json'));
    expect(r).toEqual({ status: 1, out: '', err: `vmlab: cannot write ${path.join(dir, 'no', 'x.json')}: no such file or directory\n` });
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the results before writing --save, so a late failure to write still shows them', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vmlab-bench-'));
    const sub = path.join(dir, 'sub');
    mkdirSync(sub);
    let out = '';
    // The directory passes the check, then goes away while the table is printed.
    const io = { out: (t: string) => ((out += t), rmSync(sub, { recursive: true, force: true })), err: () => {} };
    expect(() => runBench({ workload: 'seq', runs: 1, seconds: 0.01, save: path.join(sub, 'r.json') }, io)).toThrow(/cannot write .*r\.json/);
    expect(out).toMatch(/^seq +[\d.]+/m);
    rmSync(dir, { recursive: true, force: true });
  });

  it('with --no-tlb: TLB hits n/a in the table, null in the JSON; loops have null page faults in every sample', () => {
    let out = '';
    const [r] = runBench({ workload: 'seq', runs: 1, seconds: 0.01, tlb: false }, { out: (t) => (out += t), err: () => {} });
    expect(r!.tlbHitRate).toBeNull();
    expect(r!.pageFaultsPerSecond).toBeNull();
    expect(r!.samples).toHaveLength(1);
    for (const s of r!.samples) expect(s.pageFaultsPerSecond).toBeNull();
    const [head, , row] = out.split('\n');
    const at = head!.indexOf('TLB hits') + 'TLB hits'.length;
    expect(row!.slice(at - 'TLB hits'.length, at).trim()).toBe('n/a');
    expect(out).toMatch(/^no TLB; 2-level page tables; 1 run of 0\.01 CPU s per form; MIPS = median per CPU second, range = min-max$/m);
  });

  it('keeps every figure right-aligned with faults in the table, and names --stride-pages and --frames', () => {
    let out = '';
    runBench({ workload: 'stride,faults', runs: 1, seconds: 0.01, stridePages: 100 }, { out: (t) => (out += t), err: () => {} });
    const [head, rule, ...rows] = out.trimEnd().split('\n');
    const footer = rows.pop()!;
    expect(rows.map((r) => r.split(/ +/)[0])).toEqual(['stride', 'faults']);
    // Each column ends where its rule of dashes ends; every figure, n/a included, ends there too.
    const ends = [...rule!.matchAll(/-+/g)].map((m) => m.index! + m[0].length);
    const titles = ['MIPS', 'faults/s', 'MIPS off', 'on/off', 'TLB hits', 'CPI'];
    for (const t of titles) {
      const end = head!.indexOf(t) + t.length;
      expect(ends, t).toContain(end);
      for (const row of rows) expect(row[end - 1], `${t} in ${row}`).toMatch(/\S/);
    }
    expect(rows[0]).toMatch(/ n\/a +[\d.]+ +[\d.]+ +[\d.]+ %/); // stride: no page faults
    expect(rows[1]).toMatch(/ n\/a +n\/a +[\d.]+ %/); // faults: no paging-off baseline
    expect(footer).toContain('stride over 100 pages (--stride-pages)');
    expect(footer).toContain('faults with 8 frames (--frames)');
  });

  it('a sweep footer names neither the swept parameter\'s default nor a range; the chart is reported like other files', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vmlab-bench-'));
    const chart = path.join(dir, 'ways.svg');
    let out = '';
    let err = '';
    runBench({ workload: 'seq', runs: 1, seconds: 0.01, sweep: 'ways=1,2,64', chart }, { out: (t) => (out += t), err: (t) => (err += t) });
    const footer = out.trimEnd().split('\n').pop()!;
    expect(footer).toBe('TLB ways swept over 1, 2, 64; otherwise TLB 64 entries, lru; 2-level page tables; 1 run of 0.01 CPU s per value; MIPS = median per CPU second');
    expect(out).not.toContain('chart');
    expect(err).toContain(`vmlab: wrote ${chart} (translations per second and cycles per access vs TLB ways)\n`);
    expect(existsSync(chart)).toBe(true);
    out = '';
    runBench({ workload: 'seq', runs: 1, seconds: 0.01, sweep: 'tlb=8,16', tlbWays: 4 }, { out: (t) => (out += t), err: () => {} });
    expect(out.trimEnd().split('\n').pop()).toMatch(/^TLB entries swept over 8, 16; otherwise TLB 4-way \(at most\), lru; 2-level/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses bad option combinations as usage errors before measuring', () => {
    for (const [opts, msg] of [
      [{ chart: 'x.svg' }, '--chart needs --sweep'],
      [{ tlb: false, compareNoTlb: true }, '--compare-no-tlb cannot be combined with --no-tlb'],
      [{ compareNoTlb: true, sweep: 'tlb=4,8' }, '--compare-no-tlb cannot be combined with --sweep'],
      [{ sweep: 'tlb=0,4' }, "--sweep tlb: '0' is not a whole number"],
      [{ sweep: 'foo=1,2' }, '--sweep must be PARAM=V1,V2,...'],
      [{ sweep: 'ways=3' }, '--sweep ways=3: TLB ways (3) must divide'],
      [{ sweep: 'tlb=4,8', tlb: 16 }, '--tlb cannot be combined with --sweep tlb='],
      [{ sweep: 'ways=1,2', tlb: false }, '--sweep ways= cannot be combined with --no-tlb'],
      [{ tlb: 64, tlbWays: 3 }, '--tlb/--tlb-ways/--tlb-policy: TLB ways (3) must divide'],
      [{ sweep: 'levels=1,2', save: 'same', chart: 'same' }, '--save and --chart name the same file'],
    ] as [BenchOptions, string][]) {
      let said = '';
      const io = { out: (t: string) => (said += t), err: (t: string) => (said += t) };
      expect(() => runBench({ workload: 'seq', runs: 1, seconds: 0.01, ...opts }, io), msg).toThrow(UsageError);
      expect(() => runBench({ workload: 'seq', runs: 1, seconds: 0.01, ...opts }, io), msg).toThrow(msg);
      expect(said).toBe('');
    }
  });

  it('rejects bad options in one line', () => {
    for (const args of [
      ['--workload', 'seq,nope'],
      ['--chart', 'x.svg'],
      ['--sweep', 'bogus=1'],
      ['--tlb', '64', '--tlb-ways', '3'],
      ['--no-tlb', '--tlb-ways', '2'],
      ['--runs', '0'],
    ]) {
      const r = vmlab('bench', ...args);
      expect(r.status, args.join(' ')).not.toBe(0);
      expect(r.err.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });
});

/** The x tick labels of the sweep chart's top panel. */
function xTicks(spec: SweepSpec): string[] {
  const rep = { translationsPerSecond: 1e6, cyclesPerAccess: 3 } as never;
  const svg = sweepChart(new Map([['seq', spec.values.map((value) => ({ value, report: rep }))]]), spec);
  const top = svg.split('<svg x="0" y="400"')[0]!;
  return [...top.matchAll(/<text x="[\d.]+" y="[\d.]+" text-anchor="middle" stroke="none">([^<]*)<\/text>/g)].map((m) => m[1]!);
}

describe('the sweep chart', () => {
  it('ticks a tlb= or ways= axis (log scale) at the measured values, whatever their range; levels= linear at integers', () => {
    expect(xTicks({ param: 'tlb', values: [4, 8, 16] })).toEqual(['4', '8', '16']);
    expect(xTicks({ param: 'tlb', values: [2, 16, 64, 512] })).toEqual(['2', '16', '64', '512']);
    expect(xTicks({ param: 'ways', values: [1, 2] })).toEqual(['1', '2']);
    expect(xTicks({ param: 'levels', values: [1, 2, 3, 4] })).toEqual(['1', '2', '3', '4']);
    const rep = { translationsPerSecond: 1e6, cyclesPerAccess: 3 } as never;
    const pts = (vs: number[]) => new Map([['seq' as const, vs.map((value) => ({ value, report: rep }))]]);
    expect(sweepChart(pts([4, 8, 16]), { param: 'tlb', values: [4, 8, 16] })).toContain('TLB entries (log scale)');
    expect(sweepChart(pts([1, 2, 3]), { param: 'levels', values: [1, 2, 3] })).not.toContain('log scale');
  });

  it('is one SVG document holding both panels', () => {
    const rep = { translationsPerSecond: 1e6, cyclesPerAccess: 3 } as never;
    const svg = sweepChart(new Map([['seq', [{ value: 4, report: rep }, { value: 8, report: rep }]]]), { param: 'tlb', values: [4, 8] });
    expect(svg.match(/<svg /g)).toHaveLength(3);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });
});
