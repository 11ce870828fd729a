// Trap causes, the values of the CAUSE register. Exceptions are caused by the instruction at
// EPC, which has had no effect; interrupts (16 and up) arrive between instructions and EPC is
// the next instruction to run.

export const Cause = {
  FETCH_PAGE_FAULT: 1,
  LOAD_PAGE_FAULT: 2,
  STORE_PAGE_FAULT: 3,
  FETCH_PROTECTION: 4,
  LOAD_PROTECTION: 5,
  STORE_PROTECTION: 6,
  ILLEGAL_INSTRUCTION: 7,
  PRIVILEGED_INSTRUCTION: 8,
  MISALIGNED_FETCH: 9,
  MISALIGNED_LOAD: 10,
  MISALIGNED_STORE: 11,
  BUS_ERROR: 12,
  SYSCALL: 13,
  BREAKPOINT: 14,
  TIMER_INTERRUPT: 16,
  DISK_INTERRUPT: 17,
} as const;
export type Cause = (typeof Cause)[keyof typeof Cause];

/** Stable snake_case names: the keys of `traps` in --stats-json and the words of traces. */
export const CAUSE_KEY: ReadonlyMap<number, string> = new Map(
  Object.entries(Cause).map(([k, v]) => [v, k.toLowerCase()]),
);

/** A phrase for messages: "store page fault", "illegal instruction". */
export function causeText(cause: number): string {
  const k = CAUSE_KEY.get(cause);
  return k === undefined ? `cause ${cause}` : k.replace(/_/g, ' ');
}

export function isInterrupt(cause: number): boolean {
  return cause >= 16;
}

/** Memory access kinds, in the order of the fault causes above (page fault = 1 + kind). */
export const Access = {
  FETCH: 0,
  LOAD: 1,
  STORE: 2,
} as const;
export type Access = (typeof Access)[keyof typeof Access];

export function pageFaultCause(access: Access): Cause {
  return (Cause.FETCH_PAGE_FAULT + access) as Cause;
}
export function protectionCause(access: Access): Cause {
  return (Cause.FETCH_PROTECTION + access) as Cause;
}
