// The cycle model: what each thing costs, in cycles. Every figure has a CLI option of the same
// name in kebab case (--cycles-load 2, --pte-read 10, ...). One counter drives everything.

import type { CycleClass } from './isa.ts';

export interface Timing {
  /** Cost per instruction class. A taken branch adds branchTaken. */
  classes: Record<CycleClass, number>;
  branchTaken: number;
  /** Each PTE read by the walker, and each PTE written back to set A or D. */
  pteRead: number;
  pteWrite: number;
  /** Entering a trap (exception or interrupt), on top of the instruction. */
  trapEntry: number;
  /** A TLB hit costs nothing extra; a miss costs its walk. This is added per miss too. */
  tlbMiss: number;
  /** Cycles from a disk command to its completion. */
  diskLatency: number;
}

export const DEFAULT_TIMING: Timing = {
  classes: { alu: 1, mul: 3, div: 20, load: 2, store: 2, branch: 1, jump: 2, system: 2 },
  branchTaken: 1,
  pteRead: 10,
  pteWrite: 10,
  trapEntry: 20,
  tlbMiss: 2,
  diskLatency: 20000,
};
