// The hardware TLB: a set-associative cache of translations, tagged with the ASID.
//
// Model (asm/README.md "The TLB"): `entries` entries in `sets = entries / ways` sets; a page's
// set is vpn mod sets; entry e = set * ways + way. A lookup matches an entry of the page's set
// whose vpn is equal and whose ASID is equal or whose cached G bit is set; when several match
// (a global entry filled beside an ASID-private one for the same page), the lowest-numbered
// entry wins. A fill takes the lowest-numbered empty way of the set, else the policy's victim.
//
// Host structures, all typed arrays sized at construction, so nothing allocates per access and
// a miss costs a handful of array accesses whatever the associativity:
// - `where`, indexed by the 20-bit vpn: 1 + the lowest-numbered entry holding that page (0 =
//   none), and `sameNext`, the next entry holding the same page (other ASIDs), in entry order;
// - per set, a circular doubly linked list through its valid entries and a sentinel node
//   (node entries + set): sentinel.next is the most recent (LRU: used; FIFO: filled), and
//   sentinel.prev the victim, so no end-of-list cases;
// - per set, a count of valid entries and a bitmap of empty ways (bit w%32 of word w>>5), used
//   only while the set has room: a victim's way is reused as it is.
// ReferenceTlb (tlb-reference.ts) is the same model written plainly; the tests compare them.

import { Pte } from '../../arch/pte.ts';
import { Prng } from '../../util/prng.ts';

export const TlbPolicy = { LRU: 'lru', FIFO: 'fifo', RANDOM: 'random' } as const;
export type TlbPolicy = (typeof TlbPolicy)[keyof typeof TlbPolicy];

export interface TlbConfig {
  entries: number;
  ways: number;
  policy: TlbPolicy;
  seed: number;
}

/** The largest TLB the model accepts: one entry per virtual page. */
export const TLB_MAX_ENTRIES = 1 << 20;

/** A one-line message for a bad configuration, or undefined when it is usable. */
export function validateTlbConfig(c: TlbConfig): string | undefined {
  if (!Number.isInteger(c.entries) || c.entries < 1 || c.entries > TLB_MAX_ENTRIES)
    return `TLB entries must be a whole number from 1 to ${TLB_MAX_ENTRIES} (got ${c.entries})`;
  if (!Number.isInteger(c.ways) || c.ways < 1 || c.ways > c.entries)
    return `TLB ways must be a whole number from 1 to the number of entries, ${c.entries} (got ${c.ways})`;
  if (c.entries % c.ways !== 0) return `TLB ways (${c.ways}) must divide the number of entries (${c.entries})`;
  if (!Object.values(TlbPolicy).includes(c.policy))
    return `unknown TLB policy '${String(c.policy)}' (expected ${Object.values(TlbPolicy).join(', ')})`;
  return undefined;
}

/** The vpn is 20 bits (va >>> 12); `where` has one slot per page. */
const VPN_MASK = 0xfffff;

const POLICY_LRU = 0;
const POLICY_FIFO = 1;
const POLICY_RANDOM = 2;

export class Tlb {
  declare readonly entries: number;
  declare readonly ways: number;
  declare readonly sets: number;
  declare readonly policy: TlbPolicy;

  /** Virtual page number (va >>> 12) of each entry; -1 = empty. */
  declare readonly vpn: Int32Array;
  declare readonly asid: Uint8Array;
  /** Frame of the 4 KiB page (a superpage is cached as the 4 KiB page that was accessed). */
  declare readonly pfn: Int32Array;
  /** The leaf PTE's low byte as cached: V R W X U G A D at their Pte.* positions. */
  declare readonly perm: Uint8Array;

  hits = 0;
  misses = 0;
  fills = 0;
  evictions = 0;
  flushes = 0;
  invalidations = 0;
  /** After fill(): the entry whose valid content was replaced, or -1. */
  lastEvicted = -1;
  /** After a fill that evicted: the replaced entry's vpn and ASID (for the tlbEvict trace). */
  evictedVpn = -1;
  evictedAsid = 0;

  declare private readonly policyCode: number;
  declare private readonly prng: Prng;
  /** sets - 1 when sets is a power of two (set = vpn & setMask), else -1 (set = vpn % sets). */
  declare private readonly setMask: number;

  declare private readonly where: Int32Array;
  declare private readonly sameNext: Int32Array;

  /** Recency / fill-order lists: nodes 0..entries-1 are entries, entries + s is set s's sentinel. */
  declare private readonly next: Int32Array;
  declare private readonly prev: Int32Array;
  /** The sentinel node of each entry's set. */
  declare private readonly sentinelOf: Int32Array;

  declare private readonly used: Int32Array;
  declare private readonly emptyWords: number;
  declare private readonly emptyBits: Int32Array;

  constructor(cfg: TlbConfig) {
    const bad = validateTlbConfig(cfg);
    if (bad !== undefined) throw new Error(`Tlb: ${bad}`);
    const n = cfg.entries;
    const sets = (n / cfg.ways) | 0; // kept an int, so vpn % sets stays integer maths
    this.entries = n;
    this.ways = cfg.ways;
    this.sets = sets;
    this.policy = cfg.policy;
    this.policyCode = cfg.policy === TlbPolicy.LRU ? POLICY_LRU : cfg.policy === TlbPolicy.FIFO ? POLICY_FIFO : POLICY_RANDOM;
    this.prng = new Prng(cfg.seed);
    this.setMask = (sets & (sets - 1)) === 0 ? sets - 1 : -1;

    this.vpn = new Int32Array(n).fill(-1);
    this.asid = new Uint8Array(n);
    this.pfn = new Int32Array(n);
    this.perm = new Uint8Array(n);

    this.where = new Int32Array(VPN_MASK + 1);
    this.sameNext = new Int32Array(n).fill(-1);

    this.next = new Int32Array(n + sets);
    this.prev = new Int32Array(n + sets);
    this.sentinelOf = new Int32Array(n);
    for (let e = 0; e < n; e++) this.sentinelOf[e] = n + ((e / cfg.ways) | 0);

    this.used = new Int32Array(sets);
    this.emptyWords = (cfg.ways + 31) >>> 5;
    this.emptyBits = new Int32Array(sets * this.emptyWords);
    this.reset();
  }

  /**
   * Hit: the matching entry (lowest-numbered if several), counted as a hit; under LRU it
   * becomes the most recent of its set. Miss: -1, counted as a miss.
   */
  lookup(vpn: number, asid: number): number {
    // Inline match (see match()): this and fill() are the miss path's hot spots.
    const vpns = this.vpn;
    let e = this.where[vpn & VPN_MASK] - 1;
    while (e >= 0 && (vpns[e] !== vpn || (this.asid[e] !== asid && (this.perm[e] & Pte.G) === 0))) e = this.sameNext[e];
    if (e < 0) {
      this.misses++;
      return -1;
    }
    this.hits++;
    if (this.policyCode === POLICY_LRU) {
      // Move to the front of its set's list, unless it is there already.
      const next = this.next;
      const prev = this.prev;
      const sentinel = this.sentinelOf[e];
      const first = next[sentinel];
      if (first !== e) {
        const n = next[e];
        const p = prev[e];
        next[p] = n;
        prev[n] = p;
        next[e] = first;
        prev[e] = sentinel;
        prev[first] = e;
        next[sentinel] = e;
      }
    }
    return e;
  }

  /** The same match as lookup(), without counting and without touching the recency. */
  probe(vpn: number, asid: number): number {
    return this.match(vpn, asid);
  }

  /**
   * Place a translation (after a miss) in set vpn mod sets: its lowest-numbered empty way, else
   * the policy's victim (LRU: least recently used; FIFO: earliest filled; RANDOM: way =
   * prng.below(ways), drawn only when the set is full). The new entry is the most recent of
   * its set. Sets lastEvicted (and evictedVpn/evictedAsid) and returns the entry.
   */
  fill(vpn: number, asid: number, pfn: number, perm: number): number {
    // One flat function with the arrays in locals: calls to small helpers cost more than the
    // work here. The helpers only run for a page cached under several ASIDs.
    const vpns = this.vpn;
    const where = this.where;
    const sameNext = this.sameNext;
    const next = this.next;
    const prev = this.prev;
    const listed = this.policyCode !== POLICY_RANDOM;
    const set = this.setMask >= 0 ? vpn & this.setMask : vpn % this.sets;
    const sentinel = this.entries + set;
    let e: number;
    if (this.used[set] === this.ways) {
      // Full: the victim's way is reused as it is (count and bitmap unchanged).
      // RANDOM: the value of prng.below(ways), computed on uint32 operands so that it stays
      // integer maths (below() on the generator's uint32 result goes through doubles).
      e = listed ? prev[sentinel] : set * this.ways + ((this.prng.nextU32() % (this.ways >>> 0)) | 0);
      const old = vpns[e];
      this.lastEvicted = e;
      this.evictedVpn = old;
      this.evictedAsid = this.asid[e];
      this.evictions++;
      const slot = old & VPN_MASK;
      if (where[slot] === e + 1 && sameNext[e] < 0) where[slot] = 0;
      else this.unindex(e);
      if (listed) {
        const n = next[e];
        const p = prev[e];
        next[p] = n;
        prev[n] = p;
      }
    } else {
      const way = this.lowestEmptyWay(set);
      this.emptyBits[set * this.emptyWords + (way >>> 5)] &= ~(1 << (way & 31));
      this.used[set]++;
      e = set * this.ways + way;
      this.lastEvicted = -1;
    }
    vpns[e] = vpn;
    this.asid[e] = asid;
    this.pfn[e] = pfn;
    this.perm[e] = perm;
    const slot = vpn & VPN_MASK;
    if (where[slot] === 0) where[slot] = e + 1;
    else this.index(e, vpn);
    if (listed) {
      const first = next[sentinel];
      next[e] = first;
      prev[e] = sentinel;
      prev[first] = e;
      next[sentinel] = e;
    }
    this.fills++;
    return e;
  }

  /**
   * Without changing anything: whether fill(vpn, ...) would evict now. -1: the set has an
   * empty way (no eviction); else the entry it would replace (LRU, FIFO); -2 under RANDOM,
   * whose victim is not known before the generator is drawn.
   */
  victim(vpn: number): number {
    const set = this.setMask >= 0 ? vpn & this.setMask : vpn % this.sets;
    if (this.used[set] !== this.ways) return -1;
    return this.policyCode === POLICY_RANDOM ? -2 : this.prev[this.entries + set]!;
  }

  /** A hit found by probe(): counted, and under LRU made the most recent of its set (as lookup() does). */
  hit(e: number): void {
    this.hits++;
    this.touch(e);
  }

  /** Replace the cached perm of entry e (after a re-walk set D). No counting. */
  setPerm(e: number, perm: number): void {
    this.perm[e] = perm;
  }

  /** Mark e used now, without counting. No-op unless LRU, or when e is empty. */
  touch(e: number): void {
    if (this.policyCode === POLICY_LRU && this.vpn[e] !== -1 && this.next[this.sentinelOf[e]] !== e) this.moveToFront(e);
  }

  /**
   * The index and list arrays, for the in-place translation generated per configuration
   * (machine/block-translate.ts), which does the common probe, touch and fill itself. Any other
   * code goes through the methods.
   */
  internals(): { where: Int32Array; sameNext: Int32Array; next: Int32Array; prev: Int32Array; used: Int32Array } {
    return { where: this.where, sameNext: this.sameNext, next: this.next, prev: this.prev, used: this.used };
  }

  /** Empty every entry. Counts one flush. */
  flush(): void {
    this.reset();
    this.flushes++;
  }

  /** Empty every entry for vpn, in every ASID. Counts one invalidation. Returns how many were emptied. */
  invalidatePage(vpn: number): number {
    this.invalidations++;
    let emptied = 0;
    for (let e = this.where[vpn & VPN_MASK] - 1; e >= 0; ) {
      const after = this.sameNext[e];
      if (this.vpn[e] === vpn) {
        this.empty(e);
        emptied++;
      }
      e = after;
    }
    return emptied;
  }

  /** Valid entries in entry order, for the debugger and tests. */
  snapshot(): { entry: number; set: number; way: number; vpn: number; asid: number; pfn: number; perm: number }[] {
    const out = [];
    for (let e = 0; e < this.entries; e++) {
      if (this.vpn[e] === -1) continue;
      const set = (e / this.ways) | 0;
      out.push({ entry: e, set, way: e - set * this.ways, vpn: this.vpn[e], asid: this.asid[e], pfn: this.pfn[e], perm: this.perm[e] });
    }
    return out;
  }

  // ---- internals --------------------------------------------------------------------------

  /** The lowest-numbered entry matching (vpn, asid), or -1. Entries of a page are chained in entry order. */
  private match(vpn: number, asid: number): number {
    let e = this.where[vpn & VPN_MASK] - 1;
    while (e >= 0) {
      if (this.vpn[e] === vpn && (this.asid[e] === asid || (this.perm[e] & Pte.G) !== 0)) return e;
      e = this.sameNext[e];
    }
    return -1;
  }

  /** Add entry e (holding vpn) to its page's chain, keeping the chain in entry order. */
  private index(e: number, vpn: number): void {
    const slot = vpn & VPN_MASK;
    const first = this.where[slot] - 1;
    if (first < 0 || first > e) {
      this.sameNext[e] = first;
      this.where[slot] = e + 1;
      return;
    }
    let p = first;
    while (this.sameNext[p] >= 0 && this.sameNext[p] < e) p = this.sameNext[p];
    this.sameNext[e] = this.sameNext[p];
    this.sameNext[p] = e;
  }

  /** Take valid entry e out of its page's chain. */
  private unindex(e: number): void {
    const slot = this.vpn[e] & VPN_MASK;
    const first = this.where[slot] - 1;
    if (first === e) {
      this.where[slot] = this.sameNext[e] + 1;
    } else {
      let p = first;
      while (this.sameNext[p] !== e) p = this.sameNext[p];
      this.sameNext[p] = this.sameNext[e];
    }
    this.sameNext[e] = -1;
  }

  private unlink(node: number): void {
    const n = this.next[node];
    const p = this.prev[node];
    this.next[p] = n;
    this.prev[n] = p;
  }

  private pushFront(node: number, sentinel: number): void {
    const first = this.next[sentinel];
    this.next[node] = first;
    this.prev[node] = sentinel;
    this.prev[first] = node;
    this.next[sentinel] = node;
  }

  /** LRU: make valid entry e the most recent of its set. */
  private moveToFront(e: number): void {
    this.unlink(e);
    this.pushFront(e, this.sentinelOf[e]);
  }

  /** Make valid entry e empty: out of its chain and list, counted free, its way marked empty. */
  private empty(e: number): void {
    this.unindex(e);
    if (this.policyCode !== POLICY_RANDOM) this.unlink(e);
    const set = this.sentinelOf[e] - this.entries;
    const way = e - set * this.ways;
    this.emptyBits[set * this.emptyWords + (way >>> 5)] |= 1 << (way & 31);
    this.used[set]--;
    this.vpn[e] = -1;
    this.asid[e] = 0;
    this.pfn[e] = 0;
    this.perm[e] = 0;
  }

  /** Lowest empty way of a set that has one (the first set bit of its bitmap). */
  private lowestEmptyWay(set: number): number {
    const base = set * this.emptyWords;
    for (let w = 0; w < this.emptyWords; w++) {
      const m = this.emptyBits[base + w];
      if (m !== 0) return (w << 5) + 31 - Math.clz32(m & -m);
    }
    throw new Error('Tlb: a set with a free way has no empty bit');
  }

  /** Every entry empty: clears `where` only at the pages held, so a flush costs O(entries). */
  private reset(): void {
    for (let e = 0; e < this.entries; e++) if (this.vpn[e] !== -1) this.where[this.vpn[e] & VPN_MASK] = 0;
    this.vpn.fill(-1);
    this.asid.fill(0);
    this.pfn.fill(0);
    this.perm.fill(0);
    this.sameNext.fill(-1);
    for (let node = 0; node < this.entries + this.sets; node++) this.next[node] = this.prev[node] = node;
    this.used.fill(0);
    // Every way empty: full words of ones, and the low (ways mod 32) bits of a last partial word.
    const words = this.emptyWords;
    const rest = this.ways & 31;
    for (let s = 0; s < this.sets; s++) {
      for (let w = 0; w < words; w++) this.emptyBits[s * words + w] = w === words - 1 && rest !== 0 ? (1 << rest) - 1 : -1;
    }
  }
}
