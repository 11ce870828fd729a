// Control registers, read with `csrr rd, NAME` and written with `csrw NAME, rs` in kernel mode.
// An unknown number, or a write to a read-only register, is an illegal instruction.

export const Csr = {
  /** Mode and interrupt enables; see STATUS bits below. */
  STATUS: 0,
  /** pc of the trapping instruction (or of the next one, for interrupts). Writes clear bits 1:0. */
  EPC: 1,
  /** Why the last trap was taken (a Cause). */
  CAUSE: 2,
  /** The faulting virtual address of an address fault; the instruction word of an illegal or privileged instruction. */
  BADVADDR: 3,
  /** Trap vector: where every trap jumps. 0 means none: a trap then stops the machine. Writes clear bits 1:0. */
  TVEC: 4,
  /** Physical address of the current root page table (4 KiB aligned; low 12 bits ignored). */
  PTBR: 5,
  /** Current address-space id, 0..255; TLB entries are tagged with it. */
  ASID: 6,
  /**
   * Timer compare, as MIPS Count/Compare: the timer interrupt becomes pending when the low 32 bits
   * of CYCLE next equal TIMECMP, and stays pending until TIMECMP is written again.
   * So `csrr t0, CYCLE; add t0, t0, QUANTUM; csrw TIMECMP, t0` fires QUANTUM cycles from now.
   */
  TIMECMP: 7,
  /** Cycle counter, low and high words (read-only). */
  CYCLE: 8,
  CYCLEH: 9,
  /** Instructions retired, low and high words (read-only). */
  INSTRET: 10,
  INSTRETH: 11,
  /** Page-table geometry (read-only): see MmuCfg. */
  MMUCFG: 12,
  /** Interrupts pending (read-only): bit per Irq. */
  IP: 13,
  /** Interrupt mask: an interrupt is taken only if its bit is set here (and STATUS.IE, and not EXL). */
  IM: 14,
  /** Scratch registers for the trap entry: the hardware never touches them. */
  SCRATCH0: 16,
  SCRATCH1: 17,
  SCRATCH2: 18,
  SCRATCH3: 19,
} as const;
export type CsrNumber = (typeof Csr)[keyof typeof Csr];

export const CSR_READ_ONLY: ReadonlySet<number> = new Set([
  Csr.CYCLE, Csr.CYCLEH, Csr.INSTRET, Csr.INSTRETH, Csr.MMUCFG, Csr.IP,
]);

export const CSR_BY_NAME: ReadonlyMap<string, number> = new Map(
  Object.entries(Csr).map(([k, v]) => [k.toLowerCase(), v]),
);
export const CSR_NAME: ReadonlyMap<number, string> = new Map(Object.entries(Csr).map(([k, v]) => [v, k]));

export function isCsr(n: number): boolean {
  return CSR_NAME.has(n);
}

/**
 * STATUS bits. A trap pushes (UM, IE) into (PUM, PIE), clears UM and IE and sets EXL;
 * `eret` pops them back and clears EXL. A trap taken while EXL is set is a double fault:
 * the machine stops with a diagnostic. The kernel may clear EXL itself once it has saved
 * EPC and STATUS if it wants to take nested traps.
 */
export const Status = {
  /** Interrupts enabled. */
  IE: 1 << 0,
  /** User mode (0 = kernel mode). */
  UM: 1 << 1,
  /** IE before the last trap. */
  PIE: 1 << 2,
  /** UM before the last trap. */
  PUM: 1 << 3,
  /** In a trap handler: set by every trap, cleared by eret. */
  EXL: 1 << 4,
} as const;
export const STATUS_WRITABLE = Status.IE | Status.UM | Status.PIE | Status.PUM | Status.EXL;

/** Interrupt lines: bit numbers in IP and IM. */
export const Irq = {
  TIMER: 1 << 0,
  DISK: 1 << 1,
} as const;
