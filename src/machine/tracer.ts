// The hooks through which the machine reports what it does, for `--trace`, `--refs`,
// `--check-tlb` and the debugger. Every hook site is guarded by `if (tracer !== null)` and sits
// in a slow-path function, never in the hot loop: when a tracer is attached the CPU turns its
// fast paths off so that every access reaches those functions. Arguments are primitives, so a
// trace allocates nothing unless the tracer itself does.
//
// Which TLB: 'I' instruction, 'D' data (split TLB), 'U' unified.

export type TlbName = 'I' | 'D' | 'U';

export interface Tracer {
  /** Current cycle count, for stamps: set by the machine when the tracer is attached. */
  now: () => number;

  /** Every translated access (user space), before the TLB lookup. access: Access value. */
  access(va: number, access: number, user: boolean): void;

  tlbHit(tlb: TlbName, va: number, entry: number, pfn: number): void;
  tlbMiss(tlb: TlbName, va: number): void;
  tlbFill(tlb: TlbName, entry: number, vpn: number, asid: number, pfn: number, perm: number): void;
  tlbEvict(tlb: TlbName, entry: number, vpn: number, asid: number): void;
  tlbFlush(tlb: TlbName): void;
  tlbInvalidate(tlb: TlbName, vpn: number, emptied: number): void;

  /** One level of a walk: the PTE read at physical pteAddr. */
  walkStep(va: number, level: number, pteAddr: number, pte: number): void;
  /** The walker wrote back a PTE to set A and/or D. */
  walkUpdate(va: number, pteAddr: number, oldPte: number, newPte: number): void;

  /** A trap is taken. */
  trap(cause: number, pc: number, badvaddr: number, fromUser: boolean): void;
  /** eret back to pc. */
  eret(pc: number, toUser: boolean): void;

  diskStart(cmd: number, block: number, pa: number, doneAt: number): void;
  diskComplete(cmd: number, block: number, pa: number, ok: boolean): void;

  /** The kernel reported an event through the monitor port (MonitorEvent code and arguments). */
  monitor(event: number, a0: number, a1: number, a2: number, a3: number): void;

  /**
   * A TLB hit whose cached translation no longer matches the page tables (only with --check-tlb).
   * walkPfn/walkPerm are -1 when the walk now faults.
   */
  staleTlb(va: number, access: number, entryPfn: number, entryPerm: number, walkPfn: number, walkPerm: number): void;
}
