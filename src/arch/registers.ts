// The sixteen general registers and their conventional names.
//
//   r0        zero  always reads 0; writes are discarded
//   r1..r4    a0-a3 arguments and results (a0 = first argument and return value; syscall args)
//   r5..r9    t0-t4 temporaries, caller-saved (t0 = syscall number)
//   r10..r13  s0-s3 saved, callee-saved
//   r14       sp    stack pointer, callee-saved, word-aligned, grows down
//   r15       lr    link register: jal/call write the return address here

export const NUM_REGS = 16;
export const REG_ZERO = 0;
export const REG_A0 = 1;
export const REG_T0 = 5;
export const REG_SP = 14;
export const REG_LR = 15;

/** The preferred name of each register, as the disassembler prints it. */
export const REG_NAMES: readonly string[] = [
  'zero', 'a0', 'a1', 'a2', 'a3', 't0', 't1', 't2', 't3', 't4', 's0', 's1', 's2', 's3', 'sp', 'lr',
];

/** Every accepted spelling (lower case) to its number. */
export const REG_BY_NAME: ReadonlyMap<string, number> = (() => {
  const m = new Map<string, number>();
  for (let i = 0; i < NUM_REGS; i++) m.set(`r${i}`, i);
  REG_NAMES.forEach((n, i) => m.set(n, i));
  return m;
})();

export function regNumber(name: string): number | undefined {
  return REG_BY_NAME.get(name.toLowerCase());
}
