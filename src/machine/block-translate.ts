// The translation a compiled block (blocks.ts) does in place when its page caches miss: the
// common TLB hit or miss of a user-space load or store, generated for the machine's MMU
// configuration so that the hot path has no calls and no configuration tests.
//
// Why generated: a random-page loop (the `randc` benchmark) misses the TLB on most accesses,
// and the general code for it (Tlb.probe, Walker.dryWalk, Tlb.victim, Tlb.fill) costs most of
// the loop's time: V8 does not inline Tlb.fill (its bytecode serves every geometry and policy)
// and every step re-reads the configuration. The source below is one function per access kind
// with the configuration as literals (levels and index bits of the walk, sets, ways, policy,
// unified or split TLBs, RAM size, cycle costs) and the TLB's arrays in the closure; everything
// rare (a set with an empty way, a page cached under several ASIDs, an A/D update, a fault, a
// RANDOM victim) is declined or handed to the general Tlb.fill.
//
// Contract of the generated translateLoad / translateStore(st, va, own), va a user-space
// address (0 <= va < 2^31), aligned for the access, that the block's read (write) cache does
// not hold; own = the block's own page (physical byte address):
// - served: the page is in the TLB with the permissions the access needs (a store: W and D),
//   or its walk succeeds without writing the leaf back (it has A, and D for a store) and the
//   fill evicts no entry that another page cache holds; its frame is RAM and, for a store, not
//   `own`. Then it does what the general path (step.ts, blockMemory: Mmu.translate, fillCache,
//   retire) would, but the access itself and the instruction's own cost and count: applies the
//   pending uses of the caches to the LRU order (those of earlier passes, the block's data cache
//   uses by their times in st's RT and WT, then this instruction's fetch), folds the data
//   caches' counts (st's RN and WN, then 0), counts the TLB hit or the miss, walk, PTE reads,
//   fill (and eviction), charges the translation cycles to translationCycles, counts the
//   access, makes the page the read (write) cache in m, sets DIRTY |= 1, puts the translation
//   cycles in st's XC and returns the frame's physical byte address. The fetches stay the
//   loop's to count (FN0 unchanged): the fetch cache stays.
// - declined: returns -1, and nothing that a count or a later decision can see has changed
//   (applying the pending LRU uses early changes nothing: blockMemory applies the same uses
//   again in the same order, and a use applied twice is the same order). The block then calls
//   blockMemory, which takes the general path.
// Always declined: a tracer or --check-tlb (m.fastUser false: they need the general path), no
// TLB (every access walks), and a miss into a full set under RANDOM (its victim is drawn by
// the fill).
//
// inPlaceReference (at the end) is the same contract written plainly with the TLB's and the
// walker's methods; test/block-translate.test.ts compares the two decision by decision on
// random page tables and configurations. And the general path is the reference for both: the
// tests run blocks on, off and the reference machine on the same programs and compare every
// count (test/blocks.test.ts, test/machine-diff.test.ts).

import { PAGE_SHIFT, Pte, PTE_RWX } from '../arch/pte.ts';
import { Access } from '../arch/traps.ts';
import { Status } from '../arch/csr.ts';
import { BS } from './block-abi.ts';
import type { Machine } from './machine.ts';
import { TlbPolicy, type Tlb } from './mmu/tlb.ts';

/** A generated in-place translation (see the contract above). */
export type InPlaceTranslate = (st: Int32Array, va: number, own: number) => number;

export interface InPlaceTranslators {
  translateLoad: InPlaceTranslate;
  translateStore: InPlaceTranslate;
}

const DECLINE: InPlaceTranslate = () => -1;

/** Machines built so far: each one's translators are compiled apart (see makeInPlaceTranslators). */
let machinesBuilt = 0;

/**
 * The translators for m's configuration (m.mmu and m.cfg must be built). Each machine gets its
 * own copy of the code, its number in a comment: V8 treats a closure's variables (the TLB's
 * arrays, the machine) as constants in optimised code only while its function has made one
 * closure, and it shares one function between copies of the same source. Measured: with one
 * function for all machines, merely building and warming up a second machine of the same
 * configuration (as `vmlab bench` does with the paging-off twin) took randc from 244 to 154
 * MIPS, and from 180 to 120 in another sitting.
 */
export function makeInPlaceTranslators(m: Machine): InPlaceTranslators {
  if (m.reference || m.mmu.dtlb === null) return { translateLoad: DECLINE, translateStore: DECLINE };
  const src = `// machine ${++machinesBuilt}\n${inPlaceSource(m)}`;
  return (new Function('m', src) as (m: Machine) => InPlaceTranslators)(m);
}

/** The set of vpn (a set index expression) for a TLB of `sets` sets. */
function setOf(x: string, sets: number): string {
  if (sets === 1) return '0';
  return (sets & (sets - 1)) === 0 ? `(${x} & ${sets - 1})` : `(${x} % ${sets})`;
}

/** The body of the factory: the closure's constants, the LRU move-to-front, the two translators. */
export function inPlaceSource(m: Machine): string {
  const mmu = m.mmu;
  const T = mmu.dtlb!;
  const split = mmu.itlb !== T;
  const lru = T.policy === TlbPolicy.LRU;
  const random = T.policy === TlbPolicy.RANDOM;
  const out: string[] = ['"use strict";'];
  const line = (s: string): void => void out.push(s);

  line('const mmu = m.mmu, T = mmu.dtlb, I = mmu.itlb, W = mmu.walker, mem32 = m.mem32, tc = m.translationCycles;');
  line('const vpns = T.vpn, asids = T.asid, pfns = T.pfn, perms = T.perm;');
  line('const { where, sameNext, next, prev, used } = T.internals();');
  if (lru) {
    // Tlb.touch for one TLB (e valid or empty), and the same for a split I-TLB.
    const touch = (name: string, t: Tlb, vp: string, nx: string, pv: string): void => {
      const sentinel = t.sets === 1 ? `${t.entries}` : `${t.entries} + ${t.ways === 1 ? 'e' : `((e / ${t.ways}) | 0)`}`;
      line(`function ${name}(e) {`);
      line(`  if (${vp}[e] === -1) return;`);
      line(`  const s = ${sentinel}, first = ${nx}[s];`);
      line(`  if (first === e) return;`);
      line(`  const n = ${nx}[e], p = ${pv}[e];`);
      line(`  ${nx}[p] = n; ${pv}[n] = p; ${nx}[e] = first; ${pv}[e] = s; ${pv}[first] = e; ${nx}[s] = e;`);
      line('}');
    };
    touch('touch', T, 'vpns', 'next', 'prev');
    if (split) {
      line('const iArrays = I.internals(), ivpns = I.vpn, inext = iArrays.next, iprev = iArrays.prev;');
      touch('touchI', mmu.itlb!, 'ivpns', 'inext', 'iprev');
    }
  }
  for (const isStore of [false, true]) translator(isStore);
  line('return { translateLoad, translateStore };');
  return out.join('\n');

  function translator(isStore: boolean): void {
    const access = isStore ? Access.STORE : Access.LOAD;
    // What a hit needs (a store also D: else the general path walks again to set it), and what
    // a walk's leaf needs to succeed with no write-back (also A).
    const hitNeed = isStore ? Pte.W | Pte.D : Pte.R;
    const walkNeed = hitNeed | Pte.A;
    const ramPages = m.ramBytes >>> PAGE_SHIFT;
    const notOwn = isStore ? ` || pfn << ${PAGE_SHIFT} === own` : '';
    const t = m.timing;
    line(`function ${isStore ? 'translateStore' : 'translateLoad'}(st, va, own) {`);
    line('  if (!m.fastUser) return -1;');
    line(`  const vpn = va >>> ${PAGE_SHIFT}, rN = st[${BS.RN}], wN = st[${BS.WN}], fTlb = m.fTlb;`);
    // The uses not yet applied to the LRU order, oldest first: earlier passes', this pass's
    // data uses by their times, this instruction's fetch.
    line('  if ((mmu.pendFetchEntry & mmu.pendReadEntry & mmu.pendWriteEntry) !== -1) mmu.applyPending();');
    if (lru) {
      line('  const rE = rN !== 0 && m.rTlb ? m.rEntry : -1, wE = wN !== 0 && m.wTlb ? m.wEntry : -1;');
      line(`  if (wE >= 0 && rE >= 0 && st[${BS.WT}] < st[${BS.RT}]) { touch(wE); touch(rE); }`);
      line('  else { if (rE >= 0) touch(rE); if (wE >= 0) touch(wE); }');
      line(`  if (fTlb) ${split ? 'touchI' : 'touch'}(m.fEntry);`);
    }
    line(`  const asid = mmu.asid, u = (m.status & ${Status.UM}) !== 0 ? ${Pte.U} : 0;`);
    // Tlb.probe: the lowest-numbered entry of the page's chain with its ASID or G.
    line('  let e = where[vpn] - 1;');
    line(`  while (e >= 0 && (vpns[e] !== vpn || (asids[e] !== asid && (perms[e] & ${Pte.G}) === 0))) e = sameNext[e];`);
    line('  let pfn, cost = 0;');
    line('  if (e >= 0) {');
    line('    pfn = pfns[e];');
    line(`    if ((perms[e] & (${hitNeed} | u)) !== (${hitNeed} | u) || pfn >= ${ramPages}${notOwn}) return -1;`);
    line('    T.hits++;');
    if (lru) line('    touch(e);');
    line('  } else {');
    missPath();
    line('  }');
    line(`  st[${BS.XC}] = cost;`);
    // The data caches' counts (their LRU uses were applied above): the read or write cache
    // changes page, and the loop counts only the uses of the page it ends with.
    line('  if (rN !== 0) { m.loads += rN; if (m.rTlb) T.hits += rN; }');
    line('  if (wN !== 0) { m.stores += wN; if (m.wTlb) T.hits += wN; }');
    line(`  st[${BS.DIRTY}] |= 1; st[${BS.RN}] = 0; st[${BS.WN}] = 0;`);
    line(`  const base = pfn << ${PAGE_SHIFT};`);
    if (isStore) line('  m.stores++; m.wVpn = vpn; m.wBase = base; m.wEntry = e; m.wTlb = true;');
    else line('  m.loads++; m.rVpn = vpn; m.rBase = base; m.rEntry = e; m.rTlb = true;');
    line('  return base;');
    line('}');

    function missPath(): void {
      // Walker.walk, unrolled for the geometry, declining wherever walk() would fault or write.
      line(`    let tw = (mmu.ptbr >>> 2) & ${~0x3ff}, word = 0, pte = 0, perm = 0, reads = 0;`);
      walkLevel(0, 32, '    ');
      line(`    if ((perm & (${walkNeed} | u)) !== (${walkNeed} | u) || pfn >= ${ramPages}${notOwn}) return -1;`);
      // Tlb.fill into a full set whose victim is the only entry of its page and whose new
      // page has no other entry (one ASID: the common case); anything else goes to fill().
      line(`    const set = ${setOf('vpn', T.sets)};`);
      if (random) {
        // RANDOM: the victim is drawn by the fill, after which nothing can be declined.
        line(`    if (used[set] === ${T.ways}) return -1;`);
        line('    e = T.fill(vpn, asid, pfn, perm);');
      } else {
        line(`    const s = ${T.entries} + set;`);
        line(`    if (used[set] === ${T.ways}) {`);
        line('      const v = prev[s];');
        // A victim another cache holds must not go (that cache would have to be dropped).
        const held = [split ? null : '(fTlb && v === m.fEntry)', isStore ? '(m.rTlb && v === m.rEntry)' : '(m.wTlb && v === m.wEntry)'].filter((x) => x !== null);
        line(`      if (${held.join(' || ')}) return -1;`);
        line('      const old = vpns[v] & 0xfffff;');
        line('      if (where[old] === v + 1 && sameNext[v] < 0 && where[vpn] === 0) {');
        line('        T.lastEvicted = v; T.evictedVpn = vpns[v]; T.evictedAsid = asids[v]; T.evictions++; T.fills++;');
        line('        where[old] = 0; where[vpn] = v + 1;');
        line('        vpns[v] = vpn; asids[v] = asid; pfns[v] = pfn; perms[v] = perm;');
        line('        const first = next[s];');
        line('        if (first !== v) { const n = next[v], p = prev[v]; next[p] = n; prev[n] = p; next[v] = first; prev[v] = s; prev[first] = v; next[s] = v; }');
        line('        e = v;');
        line('      } else e = T.fill(vpn, asid, pfn, perm);');
        line('    } else e = T.fill(vpn, asid, pfn, perm);');
      }
      line('    T.misses++; W.walks++; W.pteReads += reads;');
      line(`    cost = ${t.tlbMiss} + reads * ${t.pteRead};`);
      line(`    tc[${access}] += cost;`);
    }
  }

  /** One level of the walk (Walker.walk's loop body for level l, whose index starts at shift). */
  function walkLevel(l: number, top: number, ind: string): void {
    const levels = m.cfg.geometry.length;
    const shift = top - m.cfg.geometry[l]!;
    line(`${ind}word = tw + ((va >>> ${shift}) & ${(1 << (top - shift)) - 1});`);
    line(`${ind}if (word >= ${m.mem32.length}) return -1;`);
    line(`${ind}pte = mem32[word];`);
    line(`${ind}if ((pte & ${Pte.V}) === 0) return -1;`);
    if (l < levels - 1) {
      line(`${ind}if ((pte & ${PTE_RWX}) === 0) {`);
      line(`${ind}  tw = (pte >>> 2) & ${~0x3ff};`);
      walkLevel(l + 1, shift, ind + '  ');
      line(`${ind}} else {`);
      leaf(l, shift, ind + '  ');
      line(`${ind}}`);
    } else {
      line(`${ind}if ((pte & ${PTE_RWX}) === 0) return -1;`);
      leaf(l, shift, ind);
    }
  }

  function leaf(l: number, shift: number, ind: string): void {
    const pageMask = (1 << (shift - PAGE_SHIFT)) - 1;
    line(`${ind}pfn = pte >>> ${Pte.PFN_SHIFT};`);
    if (pageMask !== 0) {
      // A superpage: aligned, and the page's frame within it.
      line(`${ind}if ((pfn & ${pageMask}) !== 0) return -1;`);
      line(`${ind}pfn |= (va >>> ${PAGE_SHIFT}) & ${pageMask};`);
    }
    line(`${ind}perm = pte & 0xff; reads = ${l + 1};`);
  }
}

// ---- the plain model ---------------------------------------------------------------------------

const LOAD_NEEDS = Pte.R;
const STORE_NEEDS = Pte.W | Pte.D;

/**
 * The contract above written plainly, for any configuration, with the TLB's and the walker's
 * methods (probe, hit, touch, victim, fill, dryWalk): the model the generated code is tested
 * against (test/block-translate.test.ts), decision by decision and count by count.
 */
export function inPlaceReference(m: Machine, st: Int32Array, va: number, isStore: boolean, own: number): number {
  const mmu = m.mmu;
  const tlb = mmu.dtlb;
  if (!m.fastUser || tlb === null) return -1;
  const user = m.user;
  const vpn = va >>> PAGE_SHIFT;
  const asid = mmu.asid;
  const rN = st[BS.RN]!;
  const wN = st[BS.WN]!;

  // The uses not yet applied to the LRU order, oldest first: those of earlier passes, then
  // this pass's data uses by their times, then this instruction's fetch.
  if ((mmu.pendFetchEntry & mmu.pendReadEntry & mmu.pendWriteEntry) !== -1) mmu.applyPending();
  const rE = rN !== 0 && m.rTlb ? m.rEntry : -1;
  const wE = wN !== 0 && m.wTlb ? m.wEntry : -1;
  if (wE >= 0 && rE >= 0 && st[BS.WT]! < st[BS.RT]!) {
    tlb.touch(wE);
    tlb.touch(rE);
  } else {
    if (rE >= 0) tlb.touch(rE);
    if (wE >= 0) tlb.touch(wE);
  }
  const fTlb = m.fTlb;
  if (fTlb) mmu.itlb!.touch(m.fEntry);

  const access = isStore ? Access.STORE : Access.LOAD;
  const need = (isStore ? STORE_NEEDS : LOAD_NEEDS) | (user ? Pte.U : 0);
  let e = tlb.probe(vpn, asid);
  let pfn: number;
  let cost = 0;
  if (e >= 0) {
    const perm = tlb.perm[e]!;
    pfn = tlb.pfn[e]!;
    if ((perm & need) !== need || pfn >= m.ramBytes >>> PAGE_SHIFT || (isStore && pfn << PAGE_SHIFT === own)) return -1;
    tlb.hit(e);
  } else {
    const w = mmu.walker;
    const reads = w.dryWalk(mmu.ptbr, va, access, user);
    if (reads === 0) return -1;
    const perm = w.inspectPerm;
    pfn = w.inspectPfn;
    if ((perm & need) !== need || pfn >= m.ramBytes >>> PAGE_SHIFT || (isStore && pfn << PAGE_SHIFT === own)) return -1;
    const v = tlb.victim(vpn);
    // An entry another cache holds must not go (that cache would have to be dropped).
    if (v === -2 || (v >= 0 && ((fTlb && v === m.fEntry && mmu.itlb === tlb) || (isStore ? m.rTlb && v === m.rEntry : m.wTlb && v === m.wEntry)))) return -1;
    tlb.misses++;
    w.walks++;
    w.pteReads += reads;
    e = tlb.fill(vpn, asid, pfn, perm);
    const t = m.timing;
    cost = t.tlbMiss + reads * t.pteRead;
    m.translationCycles[access]! += cost;
  }
  st[BS.XC] = cost;

  // The data caches' counts (their LRU uses were applied above): the read or write cache
  // changes page, and the loop counts only the uses of the page it ends with. The fetches are
  // left to the loop (FN0 unchanged): the fetch cache stays.
  if (rN !== 0) {
    m.loads += rN;
    if (m.rTlb) tlb.hits += rN;
  }
  if (wN !== 0) {
    m.stores += wN;
    if (m.wTlb) tlb.hits += wN;
  }
  st[BS.DIRTY] |= 1;
  st[BS.RN] = 0;
  st[BS.WN] = 0;
  const base = pfn << PAGE_SHIFT;
  if (isStore) {
    m.stores++;
    m.wVpn = vpn;
    m.wBase = base;
    m.wEntry = e;
    m.wTlb = true;
  } else {
    m.loads++;
    m.rVpn = vpn;
    m.rBase = base;
    m.rEntry = e;
    m.rTlb = true;
  }
  return base;
}
