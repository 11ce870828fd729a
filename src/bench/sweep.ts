// `vmlab bench --sweep PARAM=V1,V2,...`: the bench workloads measured once per value of one
// machine parameter — TLB entries (tlb=), TLB ways (ways=, with --tlb entries) or page-table
// levels (levels=) — and a two-panel SVG chart: host translations per second (top) and emulated
// cycles per load/store (bottom) against the parameter, one series per workload.

import { lineChart } from '../util/svg-chart.ts';
import { UserError } from '../util/errors.ts';
import { validateTlbConfig } from '../machine/mmu/tlb.ts';
import { benchWorkloadFull, type BenchOptions, type WorkloadReport } from './measure.ts';
import type { BenchSetup, BenchWorkload } from './setups.ts';

export const SWEEP_PARAMS = ['tlb', 'ways', 'levels'] as const;
export type SweepParam = (typeof SWEEP_PARAMS)[number];

export interface SweepSpec {
  param: SweepParam;
  values: number[];
}

const PARAM_TEXT: Readonly<Record<SweepParam, string>> = {
  tlb: 'TLB entries',
  ways: 'TLB ways',
  levels: 'page-table levels',
};

/** `tlb=4,8,16` → {param, values}: whole numbers, each once, in the order given. */
export function parseSweep(text: string): SweepSpec {
  const m = /^\s*([a-z]+)\s*=\s*(.*)$/.exec(text);
  if (m === null || !(SWEEP_PARAMS as readonly string[]).includes(m[1]!))
    throw new UserError(`--sweep must be PARAM=V1,V2,... with PARAM one of ${SWEEP_PARAMS.join(', ')} (got '${text}')`);
  const param = m[1] as SweepParam;
  const values: number[] = [];
  for (const w of m[2]!.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const n = /^\d+$/.test(w) ? Number(w) : NaN;
    const max = param === 'levels' ? 4 : 1 << 20;
    if (!Number.isSafeInteger(n) || n < 1 || n > max) throw new UserError(`--sweep ${param}: '${w}' is not a whole number from 1 to ${max}`);
    if (!values.includes(n)) values.push(n);
  }
  if (values.length === 0) throw new UserError(`--sweep ${param}: no values given`);
  return { param, values };
}

/** The setup for one value of the sweep (a UserError if that TLB cannot be built). */
export function sweepSetup(base: BenchSetup, spec: SweepSpec, value: number): BenchSetup {
  if (spec.param === 'levels') return { ...base, levels: value as 1 | 2 | 3 | 4 };
  const tlb = base.tlb ?? { entries: 64, ways: 64, policy: 'lru' as const, seed: 1 };
  const next = spec.param === 'tlb' ? { ...tlb, entries: value, ways: Math.min(tlb.ways === tlb.entries ? value : tlb.ways, value) } : { ...tlb, ways: value };
  const bad = validateTlbConfig(next);
  if (bad !== undefined) throw new UserError(`--sweep ${spec.param}=${value}: ${bad}`);
  return { ...base, tlb: next };
}

export interface SweepPoint {
  value: number;
  report: WorkloadReport;
}

/** Every workload at every value (paging on only). Checks every value's setup before running. */
export function runBenchSweep(names: readonly BenchWorkload[], base: BenchSetup, spec: SweepSpec, opts: BenchOptions): Map<BenchWorkload, SweepPoint[]> {
  const setups = spec.values.map((v) => sweepSetup(base, spec, v));
  const out = new Map<BenchWorkload, SweepPoint[]>();
  for (const name of names) {
    const points: SweepPoint[] = [];
    spec.values.forEach((value, i) => {
      points.push({ value, report: benchWorkloadFull(name, setups[i]!, { ...opts, pagingOff: false, noTlb: false }) });
    });
    out.set(name, points);
  }
  return out;
}

/** Two charts stacked in one standalone SVG document. */
function stack(top: string, bottom: string, width: number, height: number): string {
  const inner = (svg: string, y: number) => svg.replace(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" /, `<svg x="0" y="${y}" `).trimEnd();
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${2 * height}" viewBox="0 0 ${width} ${2 * height}">`,
    inner(top, 0),
    inner(bottom, height),
    '</svg>',
    '',
  ].join('\n');
}

/** The sweep chart: translations per second (millions) above, cycles per access below. */
export function sweepChart(results: Map<BenchWorkload, SweepPoint[]>, spec: SweepSpec): string {
  const width = 760;
  const height = 400;
  // TLB entries and ways are sizes, usually powers of two: a log axis spaces 4, 8, 16 evenly and
  // lineChart ticks it at the measured values. Levels (1-4) stay linear, ticked at integers.
  const logX = spec.param !== 'levels';
  const series = (f: (r: WorkloadReport) => number) =>
    [...results].map(([name, pts]) => ({ name, points: pts.map((p) => [p.value, f(p.report)] as const) }));
  const top = lineChart({
    title: `Host translation throughput vs ${PARAM_TEXT[spec.param]}`,
    xLabel: PARAM_TEXT[spec.param],
    yLabel: 'million translations per CPU second',
    series: series((r) => r.translationsPerSecond / 1e6),
    logX,
    width,
    height,
  });
  const bottom = lineChart({
    title: `Emulated cycles per load/store vs ${PARAM_TEXT[spec.param]}`,
    xLabel: PARAM_TEXT[spec.param],
    yLabel: 'cycles per access (translation included)',
    series: series((r) => r.cyclesPerAccess),
    logX,
    width,
    height,
  });
  return stack(top, bottom, width, height);
}

export function sweepParamText(p: SweepParam): string {
  return PARAM_TEXT[p];
}
