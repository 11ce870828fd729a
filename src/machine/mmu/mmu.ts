// Address translation for user space: TLB lookup, walk on a miss, fill (asm/README.md "The TLB").
//
// translate() is the CPU's slow path: the CPU keeps its own per-access-kind caches of the last
// entry used and reports their hits lazily (it adds them to tlb.hits and leaves the entry and
// time in pend*), so every count stays exact for the model while the hot loop skips this call.
// Costs are not computed here: the CPU charges from the deltas of walker.pteReads,
// walker.pteWrites and tlb.misses.

import { Pte, PAGE_SHIFT, PAGE_MASK, type Geometry } from '../../arch/pte.ts';
import { Access, protectionCause } from '../../arch/traps.ts';
import type { Tracer, TlbName } from '../tracer.ts';
import { Tlb, type TlbConfig } from './tlb.ts';
import { ACCESS_NEEDS, Walker } from './walker.ts';

export interface MmuConfig {
  geometry: Geometry;
  /** null: no TLB, every access walks. */
  tlb: TlbConfig | null;
  /** Separate instruction and data TLBs, each of tlb.entries entries. */
  split: boolean;
  /** Compare every TLB hit with the page tables and report stale entries (tracer.staleTlb). */
  checkTlb: boolean;
}

/** The permission bits --check-tlb compares between a cached entry and the tables. */
const CHECKED_PERM = Pte.R | Pte.W | Pte.X | Pte.U;

// Plain numbers for the hot path (cheaper than properties of Pte / Access in the bundle).
const U = Pte.U;
const D = Pte.D;
const FETCH = Access.FETCH;
const STORE = Access.STORE;

export class Mmu {
  /** The TLB for fetches; the same object as dtlb when unified; null with no TLB. */
  declare itlb: Tlb | null;
  declare dtlb: Tlb | null;
  declare walker: Walker;
  /** Written by the CPU when software writes the PTBR / ASID control registers. */
  ptbr = 0;
  asid = 0;

  // Results of the last successful translate.
  lastTlb: Tlb | null = null;
  /** The entry used or filled; -1 with no TLB. */
  lastEntry = -1;
  lastPerm = 0;
  /** The entry of lastTlb whose valid translation the last translate replaced, else -1. */
  evicted = -1;

  // Lazy recency from the CPU's fast paths (entry indices or -1, and the time of their last
  // use: instruction count * 2, + 1 for data). Fetch entries are in itlb, data ones in dtlb.
  pendFetchEntry = -1;
  pendFetchTime = 0;
  pendReadEntry = -1;
  pendReadTime = 0;
  pendWriteEntry = -1;
  pendWriteTime = 0;

  declare readonly checkTlb: boolean;
  declare private readonly iName: TlbName;
  declare private readonly dName: TlbName;
  private tracerRef: Tracer | null = null;

  /** mem32 covers the whole RAM. Throws on a configuration that validate*Config rejects. */
  constructor(mem32: Int32Array, cfg: MmuConfig) {
    this.walker = new Walker(mem32, cfg.geometry);
    this.checkTlb = cfg.checkTlb;
    if (cfg.tlb === null) {
      this.itlb = this.dtlb = null;
    } else if (cfg.split) {
      this.itlb = new Tlb(cfg.tlb);
      // A generator of its own, so the two TLBs' random victims are not in lockstep.
      this.dtlb = new Tlb({ ...cfg.tlb, seed: (cfg.tlb.seed + 1) >>> 0 });
    } else {
      this.itlb = this.dtlb = new Tlb(cfg.tlb);
    }
    this.iName = cfg.split ? 'I' : 'U';
    this.dName = cfg.split ? 'D' : 'U';
  }

  /** The tracer for TLB and walk events; setting it also sets the walker's. */
  get tracer(): Tracer | null {
    return this.tracerRef;
  }
  set tracer(t: Tracer | null) {
    this.tracerRef = t;
    this.walker.tracer = t;
  }

  /**
   * Translate a user-space va (< 0x80000000) for one access. Returns the physical address
   * (>= 0, possibly outside RAM: the caller decides what lives there) or -cause.
   *
   * With a TLB: one lookup (a hit or a miss counted). A hit checks the cached permissions
   * (protection fault without a walk); a store hitting an entry cached with D clear walks again
   * (a walk, not a miss) and updates the entry's perm, and its pfn if the tables now differ
   * (then `evicted` names the entry, since its old translation is gone). A miss walks and, if
   * the walk succeeds, fills; a faulting walk fills nothing. Without a TLB every access walks.
   * Pending fast-path recency is applied first.
   */
  translate(va: number, access: Access, user: boolean): number {
    if ((this.pendFetchEntry & this.pendReadEntry & this.pendWriteEntry) !== -1) this.applyPending();
    const tracer = this.tracerRef;
    if (tracer !== null) tracer.access(va, access, user);
    const tlb = access === FETCH ? this.itlb : this.dtlb;
    if (tlb === null) return this.translateNoTlb(va, access, user);
    const vpn = va >>> PAGE_SHIFT;
    let e = tlb.lookup(vpn, this.asid);
    if (e < 0) {
      // Miss: walk, and fill only if the walk succeeds. Kept inline: a call costs as much as a
      // quarter of the whole miss.
      if (tracer !== null) tracer.tlbMiss(tlb === this.itlb ? this.iName : this.dName, va);
      const w = this.walker;
      const cause = w.walk(this.ptbr, va, access, user);
      if (cause !== 0) return -cause;
      e = tlb.fill(vpn, this.asid, w.pfn, w.perm);
      this.evicted = tlb.lastEvicted;
      if (tracer !== null) this.traceFill(tlb, e);
      this.lastTlb = tlb;
      this.lastEntry = e;
      this.lastPerm = w.perm;
      return ((w.pfn << PAGE_SHIFT) | (va & PAGE_MASK)) >>> 0;
    }

    if (tracer !== null) this.traceHit(tlb, va, access, e);
    const perm = tlb.perm[e];
    if ((perm & (ACCESS_NEEDS >>> (access << 2)) & 0xf) === 0 || (user === true && (perm & U) === 0)) return -protectionCause(access);
    this.evicted = -1;
    if (access === STORE && (perm & D) === 0) {
      const cause = this.walker.walk(this.ptbr, va, access, user);
      if (cause !== 0) return -cause;
      this.redirty(tlb, e);
    }
    this.lastTlb = tlb;
    this.lastEntry = e;
    this.lastPerm = tlb.perm[e];
    return ((tlb.pfn[e] << PAGE_SHIFT) | (va & PAGE_MASK)) >>> 0;
  }

  /** tlbflush: empty the TLB (both when split). Pending recency is moot and dropped. */
  flush(): void {
    this.pendFetchEntry = this.pendReadEntry = this.pendWriteEntry = -1;
    const tracer = this.tracerRef;
    if (this.itlb !== null) {
      this.itlb.flush();
      if (tracer !== null) tracer.tlbFlush(this.iName);
    }
    if (this.dtlb !== null && this.dtlb !== this.itlb) {
      this.dtlb.flush();
      if (tracer !== null) tracer.tlbFlush(this.dName);
    }
  }

  /** tlbinv: empty the entries of va's page in every ASID (each TLB counts an invalidation). */
  invalidatePage(va: number): void {
    if ((this.pendFetchEntry & this.pendReadEntry & this.pendWriteEntry) !== -1) this.applyPending();
    const vpn = va >>> PAGE_SHIFT;
    const tracer = this.tracerRef;
    if (this.itlb !== null) {
      const n = this.itlb.invalidatePage(vpn);
      if (tracer !== null) tracer.tlbInvalidate(this.iName, vpn, n);
    }
    if (this.dtlb !== null && this.dtlb !== this.itlb) {
      const n = this.dtlb.invalidatePage(vpn);
      if (tracer !== null) tracer.tlbInvalidate(this.dName, vpn, n);
    }
  }

  // ---- slow paths -------------------------------------------------------------------------

  /** Report a fill (and the eviction it made) of entry e of tlb. */
  private traceFill(tlb: Tlb, e: number): void {
    const tracer = this.tracerRef as Tracer;
    const name = tlb === this.itlb ? this.iName : this.dName;
    if (tlb.lastEvicted >= 0) tracer.tlbEvict(name, e, tlb.evictedVpn, tlb.evictedAsid);
    tracer.tlbFill(name, e, tlb.vpn[e], tlb.asid[e], tlb.pfn[e], tlb.perm[e]);
  }

  /** After a successful re-walk for a store on entry e: cache the new perm, and the pfn if it moved. */
  private redirty(tlb: Tlb, e: number): void {
    const w = this.walker;
    if (tlb.pfn[e] !== w.pfn) {
      tlb.pfn[e] = w.pfn;
      this.evicted = e;
    }
    tlb.setPerm(e, w.perm);
  }

  private translateNoTlb(va: number, access: Access, user: boolean): number {
    const w = this.walker;
    const cause = w.walk(this.ptbr, va, access, user);
    if (cause !== 0) return -cause;
    this.lastTlb = null;
    this.lastEntry = -1;
    this.lastPerm = w.perm;
    this.evicted = -1;
    return ((w.pfn << PAGE_SHIFT) | (va & PAGE_MASK)) >>> 0;
  }

  /** Trace a hit and, with --check-tlb, compare the entry with what the tables say now. */
  private traceHit(tlb: Tlb, va: number, access: Access, e: number): void {
    const tracer = this.tracerRef as Tracer;
    tracer.tlbHit(tlb === this.itlb ? this.iName : this.dName, va, e, tlb.pfn[e]);
    if (!this.checkTlb) return;
    const w = this.walker;
    const pfn = tlb.pfn[e];
    const perm = tlb.perm[e];
    if (w.inspect(this.ptbr, va) !== 0) tracer.staleTlb(va, access, pfn, perm, -1, -1);
    else if (w.inspectPfn !== pfn || ((w.inspectPerm ^ perm) & CHECKED_PERM) !== 0)
      tracer.staleTlb(va, access, pfn, perm, w.inspectPfn, w.inspectPerm);
  }

  /**
   * Apply the fast paths' pending uses to the LRU state, oldest first, as if each had been
   * touched when it happened (only the last use of each matters), then clear them. translate()
   * and invalidatePage() do it first; call it before reading the recency (snapshot, debugger).
   */
  applyPending(): void {
    const fe = this.pendFetchEntry;
    const re = this.pendReadEntry;
    const we = this.pendWriteEntry;
    this.pendFetchEntry = this.pendReadEntry = this.pendWriteEntry = -1;
    const it = this.itlb;
    const dt = this.dtlb;
    if (it === null || dt === null) return;
    // Oldest first, ties in the order fetch, read, write; a use not pending sorts last (and
    // touchUse skips it). The six orders of three, written out: no loop, no allocation.
    const ft = fe >= 0 ? this.pendFetchTime : Infinity;
    const rt = re >= 0 ? this.pendReadTime : Infinity;
    const wt = we >= 0 ? this.pendWriteTime : Infinity;
    if (ft <= rt) {
      if (rt <= wt) (touchUse(it, fe), touchUse(dt, re), touchUse(dt, we));
      else if (ft <= wt) (touchUse(it, fe), touchUse(dt, we), touchUse(dt, re));
      else (touchUse(dt, we), touchUse(it, fe), touchUse(dt, re));
    } else if (ft <= wt) (touchUse(dt, re), touchUse(it, fe), touchUse(dt, we));
    else if (rt <= wt) (touchUse(dt, re), touchUse(dt, we), touchUse(it, fe));
    else (touchUse(dt, we), touchUse(dt, re), touchUse(it, fe));
  }
}

/** A pending use of entry e (-1: none) touches it. */
function touchUse(tlb: Tlb, e: number): void {
  if (e >= 0) tlb.touch(e);
}
