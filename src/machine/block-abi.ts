// What the fast loop (cpu.ts), a compiled block (blocks.ts) and the block's memory paths
// (block-translate.ts, and step.ts's blockMemory) say to each other: the slots of the block state and the codes a block
// returns. cpu.ts writes these indices as literals (V8 reads module constants from memory at
// every use); test/cpu.test.ts checks each literal against the names here.
//
// Block state (an Int32Array per machine, `m.blockState`), indices BS.*: the loop writes the
// counters before a call and reads them back after it; the pass constants (event, budget,
// caches) are written once per pass.

export const BS = {
  /** In/out: cycles and instructions since the pass began (int32 offsets, as in cpu.ts). */
  CYC: 0,
  N: 1,
  /** In/out: uses of the read and write caches, and the n of the last one. */
  RN: 2,
  RT: 3,
  WN: 4,
  WT: 5,
  /** In/out: the virtual pc (the block's first word on entry, the next instruction on exit). */
  PC: 6,
  /** Out: the word in hand on a SLOW_* exit. */
  W: 7,
  /** Pass constants: the event and budget limits, and the data caches (blockMemory may change the caches). */
  EVT: 8,
  STOP: 9,
  RVPN: 10,
  RBASE: 11,
  WVPN: 12,
  WBASE: 13,
  /** Pass constant: the RAM size in kernel mode (the kernel segment is reached directly), else 0. */
  KRAM: 14,
  /** In/out: direct kernel-segment loads and stores. */
  KL: 15,
  KS: 16,
  /**
   * Fetches of this pass already folded into the counters (by blockMemory): the loop reports
   * n - FN0 of them at the end of the pass, not n. 0 at the start of every pass.
   */
  FN0: 17,
  /**
   * 0 at the start of every pass; the in-place translation and blockMemory set 1 when they ran (the
   * loop's caches and counters in locals are out of date: the pass must end when the block
   * returns); blockMemory sets 2 when the access also dropped the fetch cache (the loop must
   * not write its own back).
   */
  DIRTY: 18,
  /** Out: the translation cycles (TLB miss and PTE reads) of the access the in-place translation served. */
  XC: 19,
  SIZE: 20,
} as const;

/** What a block returns: DONE (ran, pc is the next instruction), or why it stopped early. */
export const BlockExit = {
  DONE: 0,
  /** Values shared with cpu.ts's SLOW_* reasons. */
  SLOW_EXEC: 2,
  SLOW_MEMORY: 4,
  /** Its words changed since it was compiled: nothing ran. */
  STALE: 5,
  /** The event or budget limit falls inside it: nothing ran. */
  NOT_ENTERED: 6,
  /**
   * An access blockMemory served trapped (or stopped the machine): the machine's fields hold
   * the whole state; only the block's direct kernel-segment counts (KL, KS) are left to add.
   */
  SYNCED: 8,
} as const;

/** What blockMemory returns to the block. */
export const BlockMemory = {
  /** The instruction retired; the block goes on (its counters and caches are in st). */
  GO_ON: 0,
  /** The instruction retired; the block must end after it (see blockMemory). */
  LEAVE: 1,
  /** The instruction trapped or the machine stopped: the block returns SYNCED at once. */
  TRAPPED: 2,
} as const;
