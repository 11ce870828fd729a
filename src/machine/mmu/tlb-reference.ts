// The TLB model written as plainly as possible, to check the fast Tlb against: per set an
// array of ways holding objects, LRU as a recency list, FIFO as a fill-order list, RANDOM with
// the same generator draws. Not for the emulator's hot path.

import { Pte } from '../../arch/pte.ts';
import { Prng } from '../../util/prng.ts';
import { TlbPolicy, validateTlbConfig, type TlbConfig } from './tlb.ts';

interface Way {
  vpn: number;
  asid: number;
  pfn: number;
  perm: number;
}

export class ReferenceTlb {
  readonly entries: number;
  readonly ways: number;
  readonly sets: number;
  readonly policy: TlbPolicy;

  hits = 0;
  misses = 0;
  fills = 0;
  evictions = 0;
  flushes = 0;
  invalidations = 0;
  lastEvicted = -1;

  private readonly table: (Way | null)[][];
  /** Per set, way numbers of the valid entries, most recent first (used for LRU, filled for FIFO). */
  private readonly order: number[][];
  private readonly prng: Prng;

  constructor(cfg: TlbConfig) {
    const bad = validateTlbConfig(cfg);
    if (bad !== undefined) throw new Error(`ReferenceTlb: ${bad}`);
    this.entries = cfg.entries;
    this.ways = cfg.ways;
    this.sets = cfg.entries / cfg.ways;
    this.policy = cfg.policy;
    this.prng = new Prng(cfg.seed);
    this.table = [];
    this.order = [];
    for (let s = 0; s < this.sets; s++) {
      this.table.push(new Array<Way | null>(this.ways).fill(null));
      this.order.push([]);
    }
  }

  private matchWay(vpn: number, asid: number): number {
    const ways = this.table[vpn % this.sets];
    for (let w = 0; w < this.ways; w++) {
      const x = ways[w];
      if (x !== null && x.vpn === vpn && (x.asid === asid || (x.perm & Pte.G) !== 0)) return w;
    }
    return -1;
  }

  private makeMostRecent(set: number, way: number): void {
    this.order[set] = [way, ...this.order[set].filter((w) => w !== way)];
  }

  lookup(vpn: number, asid: number): number {
    const w = this.matchWay(vpn, asid);
    if (w < 0) {
      this.misses++;
      return -1;
    }
    this.hits++;
    const set = vpn % this.sets;
    if (this.policy === TlbPolicy.LRU) this.makeMostRecent(set, w);
    return set * this.ways + w;
  }

  probe(vpn: number, asid: number): number {
    const w = this.matchWay(vpn, asid);
    return w < 0 ? -1 : (vpn % this.sets) * this.ways + w;
  }

  fill(vpn: number, asid: number, pfn: number, perm: number): number {
    const set = vpn % this.sets;
    const ways = this.table[set];
    let way = ways.indexOf(null);
    this.lastEvicted = -1;
    if (way < 0) {
      if (this.policy === TlbPolicy.RANDOM) way = this.prng.below(this.ways);
      else way = this.order[set][this.order[set].length - 1];
      this.lastEvicted = set * this.ways + way;
      this.evictions++;
    }
    ways[way] = { vpn, asid, pfn, perm };
    this.makeMostRecent(set, way);
    this.fills++;
    return set * this.ways + way;
  }

  setPerm(e: number, perm: number): void {
    const x = this.table[Math.floor(e / this.ways)][e % this.ways];
    if (x !== null) x.perm = perm;
  }

  touch(e: number): void {
    const set = Math.floor(e / this.ways);
    const way = e % this.ways;
    if (this.policy === TlbPolicy.LRU && this.table[set][way] !== null) this.makeMostRecent(set, way);
  }

  flush(): void {
    for (let s = 0; s < this.sets; s++) {
      this.table[s].fill(null);
      this.order[s] = [];
    }
    this.flushes++;
  }

  invalidatePage(vpn: number): number {
    this.invalidations++;
    const set = vpn % this.sets;
    let emptied = 0;
    for (let w = 0; w < this.ways; w++) {
      if (this.table[set][w]?.vpn === vpn) {
        this.table[set][w] = null;
        this.order[set] = this.order[set].filter((x) => x !== w);
        emptied++;
      }
    }
    return emptied;
  }

  snapshot(): { entry: number; set: number; way: number; vpn: number; asid: number; pfn: number; perm: number }[] {
    const out = [];
    for (let s = 0; s < this.sets; s++) {
      for (let w = 0; w < this.ways; w++) {
        const x = this.table[s][w];
        if (x !== null) out.push({ entry: s * this.ways + w, set: s, way: w, vpn: x.vpn, asid: x.asid, pfn: x.pfn, perm: x.perm });
      }
    }
    return out;
  }
}
