// The interpreter's benchmark cases for benny: each workload of src/bench/workloads.ts (the
// loops in asm/bench/), paging on and off, one operation = a run of 2^20 instructions on a
// machine built once per case. `benchCpu()` is what bench/suite.ts runs; it prints MIPS.
// `vmlab bench` measures the same workloads without benny (and the on/off ratio).

import { add, complete, cycle, suite } from 'benny';
import { WORKLOADS, buildWorkload } from '../src/bench/workloads.ts';

/** Instructions per benny operation. */
export const INSTRUCTIONS_PER_OP = 1 << 20;

type Summary = Awaited<ReturnType<typeof suite>>;
type CaseResult = Parameters<NonNullable<Parameters<typeof cycle>[0]>>[0];

/** The benny suite: seq and randc, paging on and off. */
export function benchCpu(): Promise<Summary> {
  const cases = WORKLOADS.flatMap((name) =>
    [true, false].map((paging) =>
      add(`${name}, paging ${paging ? 'on' : 'off'}`, () => {
        const m = buildWorkload(name, paging);
        m.run(INSTRUCTIONS_PER_OP); // warm-up
        return () => {
          m.run(INSTRUCTIONS_PER_OP);
        };
      }),
    ),
  );
  return suite(
    'cpu',
    ...cases,
    cycle((result: CaseResult) => {
      const mips = (result.ops * INSTRUCTIONS_PER_OP) / 1e6;
      return `  ${result.name}: ${mips.toFixed(1)} MIPS (±${result.margin.toFixed(1)}%)`;
    }),
    complete(),
  );
}
