// The interpreter's benchmark cases for benny: every workload of src/bench/setups.ts with
// paging on, with paging off (the loops) and with no TLB (every user access walks), one
// operation = a run of INSTRUCTIONS_PER_OP instructions on a target built and warmed up once
// per case. `benchCpu()` is what bench/suite.ts runs; it prints MIPS. `vmlab bench` measures
// the same workloads without benny (medians over runs, the on/off ratio, emulated figures).

import { add, complete, cycle, save, suite } from 'benny';
import { BENCH_WORKLOADS, DEFAULT_BENCH_SETUP, buildTarget, type BenchSetup, type BenchWorkload } from '../src/bench/setups.ts';

/** Instructions per benny operation. */
export const INSTRUCTIONS_PER_OP = 1 << 20;

type Summary = Awaited<ReturnType<typeof suite>>;
type CaseResult = Parameters<NonNullable<Parameters<typeof cycle>[0]>>[0];

/** The forms each workload is measured in: name suffix, paging, setup. */
const FORMS: readonly (readonly [string, boolean, BenchSetup])[] = [
  ['paging on', true, DEFAULT_BENCH_SETUP],
  ['paging off', false, DEFAULT_BENCH_SETUP],
  ['no TLB', true, { ...DEFAULT_BENCH_SETUP, tlb: null }],
];

/** benny's per-case limits: enough samples for a margin, the whole suite well under 5 minutes. */
const CASE_OPTIONS = { minSamples: 5, maxTime: 1.5, delay: 0.05 };

/** The cases, in order: each workload in each form it has. */
export function cpuCases(names: readonly BenchWorkload[] = BENCH_WORKLOADS): { name: string; build: () => () => void }[] {
  return names.flatMap((name) =>
    FORMS.filter(([, paging]) => paging || name !== 'faults').map(([form, paging, setup]) => ({
      name: `${name}, ${form}`,
      build: () => {
        const t = buildTarget(name, paging, setup)!;
        t.run(INSTRUCTIONS_PER_OP); // warm-up
        return () => t.run(INSTRUCTIONS_PER_OP);
      },
    })),
  );
}

/** The benny suite; with `saveAs`, its JSON and HTML chart go to `folder/saveAs.{json,chart.html}`. */
export function benchCpu(saveAs?: { folder: string; file: string }): Promise<Summary> {
  const cases = cpuCases().map((c) => add(c.name, c.build, CASE_OPTIONS));
  const saves = saveAs === undefined ? [] : [
    save({ file: saveAs.file, folder: saveAs.folder, format: 'json', details: true }),
    save({ file: saveAs.file, folder: saveAs.folder, format: 'chart.html' }),
  ];
  return suite(
    'cpu',
    ...cases,
    cycle((result: CaseResult) => {
      const mips = (result.ops * INSTRUCTIONS_PER_OP) / 1e6;
      return `  ${result.name}: ${mips.toFixed(1)} MIPS (±${result.margin.toFixed(1)}%)`;
    }),
    complete(),
    ...saves,
  );
}
