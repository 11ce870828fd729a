import { nullTracer } from '../src/machine/tracers.ts';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { GEOMETRIES, Pte, PAGE_SIZE, makePte, type Geometry } from '../src/arch/pte.ts';
import { Access, Cause } from '../src/arch/traps.ts';
import { Prng } from '../src/util/prng.ts';
import { Mmu, type MmuConfig } from '../src/machine/mmu/mmu.ts';
import { TlbPolicy, type Tlb, type TlbConfig } from '../src/machine/mmu/tlb.ts';

const LONG = process.env.VMLAB_LONG === '1';
const RAM_PAGES = 512;

/** Page tables in a RAM, built with a bump allocator of frames (table frames from 1 up). */
class Tables {
  readonly mem: Int32Array;
  private next = 1;
  constructor(
    readonly g: Geometry,
    pages = RAM_PAGES,
  ) {
    this.mem = new Int32Array((pages * PAGE_SIZE) / 4);
  }

  newTable(): number {
    const pa = this.next * PAGE_SIZE;
    this.next += Math.max(1, 2 ** Math.max(...this.g) / 1024); // a 2^B-entry table: 2^B / 1024 pages
    return pa;
  }

  /** Physical address of the PTE for vpn at `level`, creating pointer tables above it; -1 if a leaf is in the way. */
  slot(root: number, vpn: number, level: number): number {
    let table = root;
    let below = 20;
    for (let l = 0; ; l++) {
      below -= this.g[l];
      const addr = table + 4 * (Math.floor(vpn / 2 ** below) % 2 ** this.g[l]);
      if (l === level) return addr;
      let pte = this.mem[addr / 4];
      if ((pte & Pte.V) === 0) {
        pte = makePte(this.newTable() / PAGE_SIZE, Pte.V);
        this.mem[addr / 4] = pte;
      } else if ((pte & (Pte.R | Pte.W | Pte.X)) !== 0) return -1;
      table = (pte >>> 12) * PAGE_SIZE;
    }
  }

  map(root: number, vpn: number, pfn: number, flags: number, level = this.g.length - 1): void {
    const addr = this.slot(root, vpn, level);
    if (addr >= 0) this.mem[addr / 4] = makePte(pfn, Pte.V | flags);
  }

  pte(root: number, vpn: number, level = this.g.length - 1): number {
    return this.mem[this.slot(root, vpn, level) / 4] >>> 0;
  }
}

function mmuConfig(g: Geometry, tlb: TlbConfig | null, split = false, checkTlb = false): MmuConfig {
  return { geometry: g, tlb, split, checkTlb };
}

const tlbArb: fc.Arbitrary<TlbConfig> = fc
  .record({
    entries: fc.constantFrom(1, 2, 4, 6, 8, 16, 64),
    pick: fc.nat(),
    policy: fc.constantFrom(TlbPolicy.LRU, TlbPolicy.FIFO, TlbPolicy.RANDOM),
    seed: fc.nat(),
  })
  .map(({ entries, pick, policy, seed }) => {
    const ds = [1, 2, 3, 4, 8, 16, 32, 64].filter((d) => entries % d === 0);
    return { entries, ways: ds[pick % ds.length], policy, seed };
  });

/** One address space with random pages (random permissions, some superpages, some holes). */
function randomSpace(rng: Prng, t: Tables, root: number, vpns: number[]): void {
  for (const vpn of vpns) {
    if (rng.below(6) === 0) continue; // a hole
    const flags = (rng.nextU32() & (Pte.R | Pte.W | Pte.X | Pte.U | Pte.A | Pte.D)) | Pte.R;
    if (t.g.length > 1 && rng.below(5) === 0) {
      // A superpage at level 0, aligned or not.
      const pages = 2 ** (20 - t.g[0]);
      t.map(root, vpn, (rng.below(4) * pages + (rng.below(3) === 0 ? 1 : 0)) & 0xfffff, flags, 0);
    } else {
      t.map(root, vpn, 100 + rng.below(RAM_PAGES + 50), flags);
    }
  }
}

describe('Mmu: the TLB changes costs, never results', () => {
  it('translate with a TLB gives the same addresses, faults and PTE updates as walking every access', () => {
    const met = { translated: 0, faulted: 0, hits: 0, evictions: 0 };
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.constantFrom(GEOMETRIES[2], GEOMETRIES[3], GEOMETRIES[4], [8, 12] as Geometry),
        tlbArb,
        fc.boolean(),
        (seed, g, tlbCfg, split) => {
          const rng = new Prng(seed);
          const t = new Tables(g);
          const root = t.newTable();
          const vpns = Array.from({ length: 24 }, () => (rng.below(2) ? rng.below(64) : rng.below(0x80000)));
          randomSpace(rng, t, root, vpns);
          const memNoTlb = t.mem.slice();
          const a = new Mmu(t.mem, mmuConfig(g, tlbCfg, split));
          const b = new Mmu(memNoTlb, mmuConfig(g, null));
          a.ptbr = b.ptbr = root + rng.below(PAGE_SIZE); // low bits ignored
          for (let n = 0; n < 400; n++) {
            const va = (vpns[rng.below(vpns.length)] * PAGE_SIZE + rng.below(PAGE_SIZE)) >>> 0;
            const access = rng.below(3) as Access;
            const user = rng.below(4) !== 0;
            const pa = a.translate(va, access, user);
            const pb = b.translate(va, access, user);
            if (pb >= 0) met.translated++;
            else met.faulted++;
            if (pa !== pb) expect(pa, `seed ${seed} #${n} va ${va.toString(16)} access ${access} user ${user}`).toBe(pb);
            // The cached D may lag (an I-TLB entry filled before a store dirtied the page).
            if (pa >= 0 && (a.lastPerm & ~Pte.D) !== (b.lastPerm & ~Pte.D)) expect(a.lastPerm & ~Pte.D).toBe(b.lastPerm & ~Pte.D);
          }
          for (let i = 0; i < t.mem.length; i++) if (t.mem[i] !== memNoTlb[i]) expect(t.mem[i], `seed ${seed} word ${i}`).toBe(memNoTlb[i]);
          // Without a TLB every access is a walk; with one, at most as many.
          expect(a.walker.walks).toBeLessThanOrEqual(b.walker.walks);
          const tlbs = split ? [a.itlb!, a.dtlb!] : [a.itlb!];
          expect(tlbs.reduce((s, x) => s + x.hits + x.misses, 0)).toBe(400);
          for (const x of tlbs) {
            met.hits += x.hits;
            met.evictions += x.evictions;
          }
        },
      ),
      { numRuns: LONG ? 3000 : 150 },
    );
    // The streams reach every path: translations, faults, hits, evictions.
    for (const [what, n] of Object.entries(met)) expect(n, what).toBeGreaterThan(2000);
  });
});

describe('Mmu', () => {
  const g = GEOMETRIES[2];
  const V = 0x00403000; // vpn 0x403
  const RW = Pte.R | Pte.W | Pte.U;

  function setup(tlb: Partial<TlbConfig> | null = {}, split = false, checkTlb = false) {
    const t = new Tables(g);
    const root = t.newTable();
    const cfg = tlb === null ? null : { entries: 8, ways: 8, policy: TlbPolicy.LRU, seed: 1, ...tlb };
    const m = new Mmu(t.mem, mmuConfig(g, cfg, split, checkTlb));
    m.ptbr = root;
    return { t, root, m };
  }

  it('keeps a stale entry in use after a PTE change until invalidatePage, and --check-tlb reports it', () => {
    const { t, root, m } = setup({}, false, true);
    const stale: number[][] = [];
    m.tracer = { ...nullTracer(), staleTlb: (va, access, ep, eperm, wp, wperm) => void stale.push([va, access, ep, eperm, wp, wperm]) };
    t.map(root, 0x403, 200, RW);
    expect(m.translate(V + 8, Access.LOAD, true)).toBe(200 * PAGE_SIZE + 8);
    t.map(root, 0x403, 300, RW | Pte.A); // the kernel moves the page but forgets tlbinv
    expect(m.translate(V + 8, Access.LOAD, true)).toBe(200 * PAGE_SIZE + 8);
    expect(stale).toEqual([[V + 8, Access.LOAD, 200, Pte.V | RW | Pte.A, 300, Pte.V | RW | Pte.A]]);
    m.invalidatePage(V + 0xfff);
    expect(m.translate(V + 8, Access.LOAD, true)).toBe(300 * PAGE_SIZE + 8);
    expect(stale.length).toBe(1);
    // Unmapped without tlbinv: still hits, reported with walkPfn -1.
    t.mem[t.slot(root, 0x403, 1) / 4] = 0;
    expect(m.translate(V, Access.LOAD, true)).toBe(300 * PAGE_SIZE);
    expect(stale[1]).toEqual([V, Access.LOAD, 300, Pte.V | RW | Pte.A, -1, -1]);
    const tlb = m.dtlb!;
    expect([tlb.hits, tlb.misses, tlb.invalidations]).toEqual([2, 2, 1]);
  });

  it('isolates address spaces by ASID and shares global entries', () => {
    const { t, m } = setup();
    const rootA = t.newTable();
    const rootB = t.newTable();
    t.map(rootA, 0x403, 201, RW);
    t.map(rootB, 0x403, 202, RW);
    t.map(rootA, 0x10, 203, RW | Pte.G); // global: mapped in A only, but the TLB shares it
    const run = (root: number, asid: number, va: number) => {
      m.ptbr = root;
      m.asid = asid;
      return m.translate(va, Access.LOAD, true);
    };
    for (let k = 0; k < 3; k++) {
      expect(run(rootA, 1, V)).toBe(201 * PAGE_SIZE);
      expect(run(rootB, 2, V)).toBe(202 * PAGE_SIZE);
    }
    const tlb = m.dtlb!;
    expect([tlb.misses, tlb.hits]).toEqual([2, 4]);
    expect(run(rootB, 2, 0x10000)).toBe(-Cause.LOAD_PAGE_FAULT);
    expect(run(rootA, 1, 0x10000)).toBe(203 * PAGE_SIZE);
    expect(run(rootB, 2, 0x10000)).toBe(203 * PAGE_SIZE); // the global entry matches ASID 2
    expect(tlb.snapshot().map((s) => [s.vpn, s.asid, s.pfn])).toEqual([
      [0x403, 1, 201],
      [0x403, 2, 202],
      [0x10, 1, 203],
    ]);
    m.invalidatePage(0x10000);
    expect(run(rootB, 2, 0x10000)).toBe(-Cause.LOAD_PAGE_FAULT);
  });

  it('walks again when a store hits an entry cached with D clear, then no more', () => {
    const { t, root, m } = setup();
    t.map(root, 0x403, 200, RW);
    const w = m.walker;
    const tlb = m.dtlb!;
    expect(m.translate(V, Access.LOAD, true)).toBe(200 * PAGE_SIZE);
    expect([tlb.misses, w.walks, w.pteReads, w.pteWrites]).toEqual([1, 1, 2, 1]); // A set
    expect(m.translate(V + 4, Access.STORE, true)).toBe(200 * PAGE_SIZE + 4);
    expect([tlb.misses, tlb.hits, w.walks, w.pteReads, w.pteWrites]).toEqual([1, 1, 2, 4, 2]); // D set
    expect(t.pte(root, 0x403) & (Pte.A | Pte.D)).toBe(Pte.A | Pte.D);
    expect(m.lastPerm & Pte.D).toBe(Pte.D);
    expect(tlb.perm[m.lastEntry] & Pte.D).toBe(Pte.D);
    expect(m.evicted).toBe(-1);
    expect(m.translate(V + 8, Access.STORE, true)).toBe(200 * PAGE_SIZE + 8);
    expect([tlb.hits, w.walks, w.pteWrites]).toEqual([2, 2, 2]);
    // A read-only page: the store faults from the cached perm, without walking.
    t.map(root, 0x404, 201, Pte.R | Pte.U);
    expect(m.translate(V + PAGE_SIZE, Access.LOAD, true)).toBe(201 * PAGE_SIZE);
    const walks = w.walks;
    expect(m.translate(V + PAGE_SIZE, Access.STORE, true)).toBe(-Cause.STORE_PROTECTION);
    expect(m.translate(V + PAGE_SIZE, Access.FETCH, true)).toBe(-Cause.FETCH_PROTECTION);
    expect(m.translate(V + PAGE_SIZE, Access.LOAD, true)).toBe(201 * PAGE_SIZE);
    expect(w.walks).toBe(walks);
  });

  it('refills the entry when the D re-walk finds another frame, and reports it in evicted', () => {
    const { t, root, m } = setup();
    t.map(root, 0x403, 200, RW);
    m.translate(V, Access.LOAD, false);
    const e = m.lastEntry;
    t.map(root, 0x403, 250, RW); // moved without tlbinv
    expect(m.translate(V, Access.STORE, false)).toBe(250 * PAGE_SIZE);
    expect([m.lastEntry, m.evicted]).toEqual([e, e]);
    expect(m.dtlb!.pfn[e]).toBe(250);
    t.mem[t.slot(root, 0x403, 1) / 4] = 0; // gone: the re-walk faults... but D is set now, so no re-walk
    expect(m.translate(V, Access.STORE, false)).toBe(250 * PAGE_SIZE);
  });

  it('reports tlbMiss, tlbEvict, tlbFill, tlbHit, tlbFlush, tlbInvalidate in order (split: I and D)', () => {
    const { t, root, m } = setup({ entries: 1, ways: 1 }, true);
    const log: string[] = [];
    m.tracer = {
      ...nullTracer(),
      tlbHit: (n, va, e, pfn) => void log.push(`hit ${n} ${va.toString(16)} ${e} ${pfn}`),
      tlbMiss: (n, va) => void log.push(`miss ${n} ${va.toString(16)}`),
      tlbFill: (n, e, vpn, asid, pfn, perm) => void log.push(`fill ${n} ${e} ${vpn.toString(16)} ${asid} ${pfn} ${perm}`),
      tlbEvict: (n, e, vpn, asid) => void log.push(`evict ${n} ${e} ${vpn.toString(16)} ${asid}`),
      tlbFlush: (n) => void log.push(`flush ${n}`),
      tlbInvalidate: (n, vpn, k) => void log.push(`inv ${n} ${vpn.toString(16)} ${k}`),
      walkUpdate: (va, addr, o, nw) => void log.push(`update ${va.toString(16)} ${o.toString(16)}->${nw.toString(16)}`),
    };
    t.map(root, 0x403, 200, RW | Pte.X | Pte.A);
    t.map(root, 0x404, 201, RW | Pte.A | Pte.D);
    m.asid = 3;
    const P = Pte.V | RW | Pte.A;
    m.translate(V, Access.FETCH, true);
    m.translate(V, Access.LOAD, true);
    m.translate(V + PAGE_SIZE, Access.LOAD, true);
    m.translate(V + PAGE_SIZE, Access.STORE, true);
    m.invalidatePage(V);
    m.flush();
    expect(log).toEqual([
      'miss I 403000',
      `fill I 0 403 3 200 ${P | Pte.X}`,
      'miss D 403000',
      `fill D 0 403 3 200 ${P | Pte.X}`,
      'miss D 404000',
      'evict D 0 403 3',
      `fill D 0 404 3 201 ${P | Pte.D}`,
      'hit D 404000 0 201',
      'inv I 403 1',
      'inv D 403 0',
      'flush I',
      'flush D',
    ]);
    expect([m.itlb!.invalidations, m.dtlb!.invalidations, m.itlb!.flushes, m.dtlb!.flushes]).toEqual([1, 1, 1, 1]);
  });

  it('without a TLB walks every access and flush/invalidate do nothing', () => {
    const { t, root, m } = setup(null);
    t.map(root, 0x403, 200, RW);
    for (let k = 0; k < 3; k++) expect(m.translate(V, Access.LOAD, true)).toBe(200 * PAGE_SIZE);
    expect([m.walker.walks, m.walker.pteReads, m.walker.pteWrites, m.lastEntry]).toEqual([3, 6, 1, -1]);
    expect(m.lastTlb).toBeNull();
    m.flush();
    m.invalidatePage(V);
    expect(m.translate(V, Access.FETCH, true)).toBe(-Cause.FETCH_PROTECTION);
  });
});


// ---- lazy recency ------------------------------------------------------------------------

type Mode = 'plain' | 'lazy' | 'eager';

/**
 * A CPU model over an Mmu. 'plain' translates every access. 'lazy' and 'eager' keep, per access
 * kind, the entry of the last translate and use it directly while the page and permissions
 * allow (as the real CPU's fast paths do), counting the hit themselves; 'lazy' leaves the use in
 * pend*, 'eager' calls touch() at once.
 */
class CpuModel {
  private readonly cached = [
    { e: -1, vpn: -1, tlb: null as Tlb | null },
    { e: -1, vpn: -1, tlb: null as Tlb | null },
    { e: -1, vpn: -1, tlb: null as Tlb | null },
  ];
  constructor(
    readonly m: Mmu,
    readonly mode: Mode,
  ) {}

  access(va: number, kind: Access, time: number): number {
    const c = this.cached[kind];
    const vpn = va >>> 12;
    if (this.mode !== 'plain' && c.tlb !== null && c.vpn === vpn) {
      const perm = c.tlb.perm[c.e];
      const need = [Pte.X, Pte.R, Pte.W][kind];
      if ((perm & need) !== 0 && (perm & Pte.U) !== 0 && (kind !== Access.STORE || (perm & Pte.D) !== 0)) {
        c.tlb.hits++;
        if (this.mode === 'eager') c.tlb.touch(c.e);
        else if (kind === Access.FETCH) [this.m.pendFetchEntry, this.m.pendFetchTime] = [c.e, time];
        else if (kind === Access.LOAD) [this.m.pendReadEntry, this.m.pendReadTime] = [c.e, time];
        else [this.m.pendWriteEntry, this.m.pendWriteTime] = [c.e, time];
        return ((c.tlb.pfn[c.e] << 12) | (va & 0xfff)) >>> 0;
      }
    }
    const pa = this.m.translate(va, kind, true);
    if (this.m.evicted >= 0) for (const x of this.cached) if (x.tlb === this.m.lastTlb && x.e === this.m.evicted) x.tlb = null;
    if (pa >= 0) Object.assign(c, { e: this.m.lastEntry, vpn, tlb: this.m.lastTlb });
    return pa;
  }

  /** tlbflush / tlbinv also drop the fast paths' cached entries. */
  flush(): void {
    this.m.flush();
    for (const x of this.cached) x.tlb = null;
  }
  invalidate(va: number): void {
    this.m.invalidatePage(va);
    for (const x of this.cached) x.tlb = null;
  }
}

describe('Mmu lazy recency', () => {
  it('pend* applied by translate leaves the TLB as eager touch() and as no fast path at all', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.constantFrom(1, 2, 4, 8),
        fc.constantFrom(1, 2, 4),
        fc.boolean(),
        (seed, entries, ways0, split) => {
          const ways = Math.min(ways0, entries);
          const rng = new Prng(seed);
          const t = new Tables(g2, 8);
          const root = t.newTable();
          const pages = 3 + rng.below(10);
          for (let v = 0; v < pages; v++) t.map(root, v, 100 + v, Pte.R | Pte.W | Pte.X | Pte.U | (rng.below(2) ? Pte.D | Pte.A : 0));
          const cpus = (['plain', 'lazy', 'eager'] as Mode[]).map((mode) => {
            const m = new Mmu(t.mem.slice(), mmuConfig(g2, { entries, ways, policy: TlbPolicy.LRU, seed: 0 }, split));
            m.ptbr = root;
            return new CpuModel(m, mode);
          });
          // Locality, so the fast paths are used: each kind mostly stays on its current page.
          const cur = [0, 1, 2];
          for (let n = 0; n < 500; n++) {
            const r = rng.below(100);
            if (r === 0) {
              for (const c of cpus) c.flush();
              continue;
            }
            if (r < 3) {
              const va = rng.below(pages) * PAGE_SIZE;
              for (const c of cpus) c.invalidate(va);
              continue;
            }
            const kinds = rng.below(3) === 0 ? [Access.FETCH] : [Access.FETCH, rng.below(2) ? Access.LOAD : Access.STORE];
            for (const kind of kinds) {
              if (rng.below(4) === 0) cur[kind] = rng.below(pages);
              const va = cur[kind] * PAGE_SIZE + 4 * rng.below(1024);
              const time = 2 * n + (kind === Access.FETCH ? 0 : 1);
              const pas = cpus.map((c) => c.access(va, kind, time));
              if (pas[1] !== pas[0] || pas[2] !== pas[0]) expect(pas, `seed ${seed} #${n}`).toEqual([pas[0], pas[0], pas[0]]);
            }
          }
          const state = (c: CpuModel) => {
            c.m.applyPending();
            const tlbs = split ? [c.m.itlb!, c.m.dtlb!] : [c.m.itlb!];
            // Recency order is observable through the next victims: fill every set with new pages.
            const victims: number[] = [];
            for (const tlb of tlbs) {
              for (let k = 0; k < tlb.entries; k++) {
                tlb.fill(0x1000 + k, 0, 0, Pte.V | Pte.R);
                victims.push(tlb.lastEvicted);
              }
            }
            return { counts: tlbs.map((x) => [x.hits, x.misses, x.fills, x.evictions]), victims };
          };
          const s0 = state(cpus[0]);
          expect(state(cpus[1])).toEqual(s0);
          expect(state(cpus[2])).toEqual(s0);
        },
      ),
      { numRuns: LONG ? 3000 : 150 },
    );
  });
});

const g2 = GEOMETRIES[2];
