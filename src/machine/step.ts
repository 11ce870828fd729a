// The plain interpreter: one instruction at a time, every access through the full translation
// path. It is two things at once:
// - the slow path of the fast loop (cpu.ts): whatever the loop cannot finish from its caches
//   (a cache miss, a misaligned address, a device, a system instruction, a trap) comes here
//   as a whole instruction; and the caches are filled here after a successful translation;
// - the reference model: a Machine built with { reference: true } runs every instruction
//   here with no caches at all, and the tests compare it with the fast loop.
// So it is written for clarity first: legality from the ISA table, one case per opcode, the
// same cycle rules as cpu.ts.
//
// Cycle rules (asm/README.md "Cycle model"), shared with cpu.ts:
// - translation costs (TLB miss, PTE reads and writes) are added as they happen;
// - an instruction's class cost is added when it completes or traps, after its effects: so
//   `rdcycle`, `csrr CYCLE` and a device store see the count before their own cost (eret and
//   csrw are charged first, so that a mode change counts them in the mode they started in);
// - a trap adds trapEntry; a fetch fault has no class cost (nothing was decoded).
// An instruction that traps does not retire (instret unchanged) and has no architectural effect.

import { Csr } from '../arch/csr.ts';
import { Imm, INSTRUCTIONS, MUST_BE_ZERO, Op } from '../arch/isa.ts';
import { DEVICE_BASE_PA, DEVICE_PAGE, KSEG_BASE } from '../arch/memmap.ts';
import { PAGE_MASK, PAGE_SHIFT, PAGE_SIZE, Pte } from '../arch/pte.ts';
import { Access, Cause, protectionCause } from '../arch/traps.ts';
import { BS, BlockMemory } from './block-abi.ts';
import { CSR_NONE, CSR_RO, csrKind, type Machine } from './machine.ts';
import type { Device } from './devices/device.ts';

const TWO32 = 4294967296;

// The ISA table as per-opcode arrays, for the legality checks of exec().
const ASSIGNED = new Uint8Array(256);
const MBZ = new Int32Array(256);
const IS_SHIFT_IMM = new Uint8Array(256);
const PRIVILEGED = new Uint8Array(256);
for (const d of INSTRUCTIONS) {
  ASSIGNED[d.opcode] = 1;
  MBZ[d.opcode] = MUST_BE_ZERO[d.format];
  IS_SHIFT_IMM[d.opcode] = d.imm === Imm.SHAMT ? 1 : 0;
  PRIVILEGED[d.opcode] = d.privileged ? 1 : 0;
}

/** Loads and stores: access size in bytes (0: not a memory instruction), and sign extension. */
const MEM_SIZE = new Uint8Array(256);
const MEM_SIGNED = new Uint8Array(256);
MEM_SIZE[Op.LW] = 4;
MEM_SIZE[Op.LH] = 2;
MEM_SIZE[Op.LHU] = 2;
MEM_SIZE[Op.LB] = 1;
MEM_SIZE[Op.LBU] = 1;
MEM_SIZE[Op.SW] = 4;
MEM_SIZE[Op.SH] = 2;
MEM_SIZE[Op.SB] = 1;
MEM_SIGNED[Op.LH] = 1;
MEM_SIGNED[Op.LB] = 1;

// ---- the fast paths' caches -----------------------------------------------------------------

/**
 * Fold the uses the fast paths made of their caches since the last call into the counters:
 * fetches/loads/stores always, and for caches holding a TLB entry the TLB's hits plus the
 * entry's last use in the MMU's pend* fields (applied to the LRU order, oldest first, before
 * the MMU's next translate or invalidation). `fetchTime` = 2 * instret of the last fetch that
 * used the fetch cache: the current instruction when it was fetched from the cache, else the
 * previous one. Data uses happened at 2 * rT + 1 / 2 * wT + 1.
 */
export function syncFast(m: Machine, fetchTime: number): void {
  const mmu = m.mmu;
  if (m.fN !== 0) {
    m.fetches += m.fN;
    if (m.fTlb) {
      mmu.itlb!.hits += m.fN;
      mmu.pendFetchEntry = m.fEntry;
      mmu.pendFetchTime = fetchTime;
    }
    m.fN = 0;
  }
  if (m.rN !== 0) {
    m.loads += m.rN;
    if (m.rTlb) {
      mmu.dtlb!.hits += m.rN;
      mmu.pendReadEntry = m.rEntry;
      mmu.pendReadTime = 2 * m.rT + 1;
    }
    m.rN = 0;
  }
  if (m.wN !== 0) {
    m.stores += m.wN;
    if (m.wTlb) {
      mmu.dtlb!.hits += m.wN;
      mmu.pendWriteEntry = m.wEntry;
      mmu.pendWriteTime = 2 * m.wT + 1;
    }
    m.wN = 0;
  }
}

function unsynced(m: Machine): never {
  throw new Error(`cache dropped with unfolded uses (f ${m.fN}, r ${m.rN}, w ${m.wN})`);
}

/** Drop every cached page (the caller has folded their uses with syncFast). */
export function invalidateCaches(m: Machine): void {
  if ((m.fN | m.rN | m.wN) !== 0) unsynced(m);
  m.fVpn = m.rVpn = m.wVpn = -1;
  m.fEntry = m.rEntry = m.wEntry = -1;
  m.fTlb = m.rTlb = m.wTlb = false;
}

/**
 * The PTE bits an entry must have for a cache of this access kind to hold it: X (fetch), R
 * (load), W and D (store: a store must never skip the walk that sets D), plus U in user mode.
 * Indexed by access + 3 * user.
 */
const NEEDS = Int32Array.of(Pte.X, Pte.R, Pte.W | Pte.D, Pte.X | Pte.U, Pte.R | Pte.U, Pte.W | Pte.D | Pte.U);

function needs(access: Access, user: boolean): number {
  return NEEDS[access + (user ? 3 : 0)]!;
}

/**
 * After a successful translate: a cache holding the entry the MMU just evicted, or holding
 * the entry it just used when that entry's frame or permissions no longer suit the cache
 * (a store's D re-walk may have changed them), is dropped. Others stay: the entry is unchanged.
 */
function afterTranslate(m: Machine): void {
  const mmu = m.mmu;
  const t = mmu.lastTlb;
  if (t === null) return;
  const ev = mmu.evicted;
  const e = mmu.lastEntry;
  const perm = mmu.lastPerm;
  const base = t.pfn[e]! << PAGE_SHIFT;
  const user = m.user;
  if (m.fTlb && t === mmu.itlb && (m.fEntry === ev || (m.fEntry === e && !keeps(m.fBase, base, perm, needs(Access.FETCH, user))))) {
    m.fVpn = -1;
    m.fTlb = false;
  }
  if (t === mmu.dtlb) {
    if (m.rTlb && (m.rEntry === ev || (m.rEntry === e && !keeps(m.rBase, base, perm, needs(Access.LOAD, user))))) {
      m.rVpn = -1;
      m.rTlb = false;
    }
    if (m.wTlb && (m.wEntry === ev || (m.wEntry === e && !keeps(m.wBase, base, perm, needs(Access.STORE, user))))) {
      m.wVpn = -1;
      m.wTlb = false;
    }
  }
}

/** A cache holding the entry just used stays valid if the frame and the needed bits are unchanged. */
function keeps(cachedBase: number, base: number, perm: number, need: number): boolean {
  return cachedBase === base && (perm & need) === need;
}

/**
 * Remember that va's page maps to RAM frame base pa & ~0xfff, allowed for this access in the
 * current mode. User-space pages only when they came from a TLB entry (fast paths on), and a
 * store's only once the entry has D; kernel-segment pages always (their uses are not TLB hits).
 */
function fillCache(m: Machine, access: Access, va: number, pa: number, userSpace: boolean): void {
  if (m.reference) return;
  let entry = -1;
  if (userSpace) {
    if (!m.fastUser) return;
    entry = m.mmu.lastEntry;
    const need = needs(access, m.user);
    if (entry < 0 || (m.mmu.lastPerm & need) !== need) return;
  }
  const vpn = va >>> PAGE_SHIFT;
  const base = pa - (va & PAGE_MASK);
  if (access === Access.FETCH) {
    m.fVpn = vpn; m.fBase = base; m.fEntry = entry; m.fTlb = userSpace;
  } else if (access === Access.LOAD) {
    m.rVpn = vpn; m.rBase = base; m.rEntry = entry; m.rTlb = userSpace;
  } else {
    m.wVpn = vpn; m.wBase = base; m.wEntry = entry; m.wTlb = userSpace;
  }
}

// ---- translation ----------------------------------------------------------------------------

/**
 * mmu.translate plus its cost: (PTE reads x pteRead) + (PTE writes x pteWrite) + (misses x
 * tlbMiss), from the counters' deltas, added to cycles and to translationCycles[access].
 */
function translate(m: Machine, va: number, access: Access, user: boolean): number {
  const mmu = m.mmu;
  const wk = mmu.walker;
  const tlb = access === Access.FETCH ? mmu.itlb : mmu.dtlb;
  const walks = wk.walks;
  const r0 = wk.pteReads;
  const w0 = wk.pteWrites;
  const m0 = tlb !== null ? tlb.misses : 0;
  const pa = mmu.translate(va, access, user);
  // Every cost comes with a walk (a miss always walks, unless its PTE address is outside RAM).
  if (wk.walks !== walks || (tlb !== null && tlb.misses !== m0)) {
    const t = m.timing;
    const c = (wk.pteReads - r0) * t.pteRead + (wk.pteWrites - w0) * t.pteWrite + (tlb !== null ? (tlb.misses - m0) * t.tlbMiss : 0);
    m.cycles += c;
    m.translationCycles[access]! += c;
  }
  return pa;
}

/**
 * The physical address of an access at va, or -cause. User space: translated (and caches
 * checked against what the MMU changed); the kernel segment: PA = va - 0x80000000, a
 * protection fault from user mode. The result may lie outside RAM (the caller decides).
 */
function resolve(m: Machine, va: number, access: Access): number {
  const user = m.user;
  if (va >>> 0 < KSEG_BASE) {
    const pa = translate(m, va >>> 0, access, user);
    if (pa < 0) {
      // The entry the caches rely on may have changed (a failed D re-walk): start afresh.
      invalidateCaches(m);
      return pa;
    }
    afterTranslate(m);
    return pa;
  }
  if (user) return -protectionCause(access);
  return (va >>> 0) - KSEG_BASE;
}

/** The device whose page holds physical address pa, or null. */
function deviceAt(m: Machine, pa: number): Device | null {
  if (pa < DEVICE_BASE_PA) return null;
  const i = Math.floor((pa - DEVICE_BASE_PA) / DEVICE_PAGE);
  return i < m.devices.length ? (m.devices[i] ?? null) : null;
}

// ---- one instruction ------------------------------------------------------------------------

/** Charge `cost` and deliver a trap for the current instruction. */
function fault(m: Machine, cost: number, cause: number, badvaddr: number): void {
  m.cycles += cost;
  m.takeTrap(cause, badvaddr);
}

function retire(m: Machine, cost: number, nextPc: number): void {
  m.cycles += cost;
  m.instret++;
  m.pc = nextPc >>> 0;
}

function setReg(m: Machine, rd: number, v: number): void {
  if (rd !== 0) m.regs[rd] = v;
}

/** Fetch the word at pc into m.ir (counted). On a fault, takes the trap and returns false. */
function fetch(m: Machine): boolean {
  const pc = m.pc;
  if ((pc & 3) !== 0) {
    m.takeTrap(Cause.MISALIGNED_FETCH, pc);
    return false;
  }
  const pa = resolve(m, pc, Access.FETCH);
  if (pa < 0) {
    m.takeTrap(-pa, pc);
    return false;
  }
  if (pa >= m.ramBytes) {
    m.takeTrap(Cause.BUS_ERROR, pc);
    return false;
  }
  m.ir = m.mem32[pa >>> 2]!;
  m.fetches++;
  fillCache(m, Access.FETCH, pc, pa, pc < KSEG_BASE);
  return true;
}

let loaded = 0;

/** Load size bytes at va into `loaded` (sign- or zero-extended). Traps and returns false on a fault. */
function load(m: Machine, va: number, size: number, signed: boolean, cost: number): boolean {
  if ((va & (size - 1)) !== 0) {
    fault(m, cost, Cause.MISALIGNED_LOAD, va);
    return false;
  }
  const pa = resolve(m, va, Access.LOAD);
  if (pa < 0) {
    fault(m, cost, -pa, va);
    return false;
  }
  if (pa < m.ramBytes) {
    if (size === 4) loaded = m.mem32[pa >>> 2]!;
    else if (size === 2) loaded = signed ? m.mem16s[pa >>> 1]! : m.mem16[pa >>> 1]!;
    else loaded = signed ? m.mem8s[pa]! : m.mem8[pa]!;
    m.loads++;
    fillCache(m, Access.LOAD, va, pa, va >>> 0 < KSEG_BASE);
    return true;
  }
  return outsideRam(m, pa, va, size, false, 0, cost);
}

/** Store the low size bytes of value at va. Traps and returns false on a fault. */
function store(m: Machine, va: number, size: number, value: number, cost: number): boolean {
  if ((va & (size - 1)) !== 0) {
    fault(m, cost, Cause.MISALIGNED_STORE, va);
    return false;
  }
  const pa = resolve(m, va, Access.STORE);
  if (pa < 0) {
    fault(m, cost, -pa, va);
    return false;
  }
  if (pa < m.ramBytes) {
    if (size === 4) m.mem32[pa >>> 2] = value;
    else if (size === 2) m.mem16[pa >>> 1] = value;
    else m.mem8[pa] = value;
    m.stores++;
    fillCache(m, Access.STORE, va, pa, va >>> 0 < KSEG_BASE);
    return true;
  }
  return outsideRam(m, pa, va, size, true, value, cost);
}

/**
 * A load (into `loaded`) or store at physical address pa beyond RAM: a device register (word
 * accesses only) or a bus error (trapped, false).
 */
function outsideRam(m: Machine, pa: number, va: number, size: number, isStore: boolean, value: number, cost: number): boolean {
  const dev = deviceAt(m, pa);
  if (dev === null || size !== 4) {
    fault(m, cost, Cause.BUS_ERROR, va);
    return false;
  }
  if (isStore) {
    dev.write(pa & 0xfff, value | 0);
    m.stores++;
  } else {
    loaded = dev.read(pa & 0xfff) | 0;
    m.loads++;
  }
  return true;
}

/** High word of the unsigned 64-bit product of two 32-bit values, from 16-bit halves (exact in doubles). */
export function mulhu(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const lh = al * bh;
  const hl = ah * bl;
  const mid = ((al * bl) >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (ah * bh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) | 0;
}

/** High word of the signed 64-bit product: the unsigned one corrected for negative operands. */
export function mulh(a: number, b: number): number {
  return (mulhu(a, b) - (a < 0 ? b : 0) - (b < 0 ? a : 0)) | 0;
}

export function div(a: number, b: number): number {
  if (b === 0) return -1;
  if (a === -0x80000000 && b === -1) return a;
  return (a / b) | 0;
}
export function divu(a: number, b: number): number {
  if (b === 0) return -1;
  return ((a >>> 0) / (b >>> 0)) | 0;
}
export function rem(a: number, b: number): number {
  if (b === 0) return a;
  if (b === -1) return 0;
  return a % b | 0;
}
export function remu(a: number, b: number): number {
  if (b === 0) return a;
  return ((a >>> 0) % (b >>> 0)) | 0;
}

/**
 * Execute the word w, already fetched (and counted) at m.pc. Legality comes from the ISA
 * table: an unknown opcode, a must-be-zero bit set, a shift amount above 31 or an unknown
 * CSR is an illegal instruction; a privileged one in user mode a privileged-instruction trap.
 */
function exec(m: Machine, w: number): void {
  const op = w & 0xff;
  const cost = m.classCost[op]!;
  if (ASSIGNED[op] === 0 || (w & MBZ[op]!) !== 0 || (IS_SHIFT_IMM[op] === 1 && w >>> 16 > 31)) {
    fault(m, cost, Cause.ILLEGAL_INSTRUCTION, w);
    return;
  }
  if (PRIVILEGED[op] === 1 && m.user) {
    fault(m, cost, Cause.PRIVILEGED_INSTRUCTION, w);
    return;
  }
  const r = m.regs;
  const pc = m.pc;
  const next = (pc + 4) >>> 0;
  // Field positions: a = [11:8] (rd, or rs2 of S, or rs1 of B), b = [15:12] (rs1, or rs2 of B), c = [19:16] (rs2 of R).
  const a = (w >>> 8) & 15;
  const b = (w >>> 12) & 15;
  const c = (w >>> 16) & 15;
  const simm = w >> 16;
  const uimm = w >>> 16;
  const x = r[b]!;
  const y = r[c]!;
  switch (op) {
    case Op.ADD: setReg(m, a, x + y); break;
    case Op.SUB: setReg(m, a, x - y); break;
    case Op.AND: setReg(m, a, x & y); break;
    case Op.OR: setReg(m, a, x | y); break;
    case Op.XOR: setReg(m, a, x ^ y); break;
    case Op.SLL: setReg(m, a, x << (y & 31)); break;
    case Op.SRL: setReg(m, a, x >>> (y & 31)); break;
    case Op.SRA: setReg(m, a, x >> (y & 31)); break;
    case Op.SLT: setReg(m, a, x < y ? 1 : 0); break;
    case Op.SLTU: setReg(m, a, x >>> 0 < y >>> 0 ? 1 : 0); break;
    case Op.MUL: setReg(m, a, Math.imul(x, y)); break;
    case Op.MULH: setReg(m, a, mulh(x, y)); break;
    case Op.MULHU: setReg(m, a, mulhu(x, y)); break;
    case Op.DIV: setReg(m, a, div(x, y)); break;
    case Op.DIVU: setReg(m, a, divu(x, y)); break;
    case Op.REM: setReg(m, a, rem(x, y)); break;
    case Op.REMU: setReg(m, a, remu(x, y)); break;

    case Op.ADDI: setReg(m, a, x + simm); break;
    case Op.ANDI: setReg(m, a, x & uimm); break;
    case Op.ORI: setReg(m, a, x | uimm); break;
    case Op.XORI: setReg(m, a, x ^ uimm); break;
    case Op.SLLI: setReg(m, a, x << uimm); break;
    case Op.SRLI: setReg(m, a, x >>> uimm); break;
    case Op.SRAI: setReg(m, a, x >> uimm); break;
    case Op.SLTI: setReg(m, a, x < simm ? 1 : 0); break;
    case Op.SLTIU: setReg(m, a, x >>> 0 < simm >>> 0 ? 1 : 0); break;
    case Op.LUI: setReg(m, a, uimm << 16); break;

    case Op.LW:
    case Op.LH:
    case Op.LHU:
    case Op.LB:
    case Op.LBU:
      if (!load(m, (x + simm) | 0, MEM_SIZE[op]!, MEM_SIGNED[op] === 1, cost)) return;
      setReg(m, a, loaded);
      break;
    case Op.SW:
    case Op.SH:
    case Op.SB:
      if (!store(m, (x + simm) | 0, MEM_SIZE[op]!, r[a]!, cost)) return;
      break;

    case Op.BEQ:
    case Op.BNE:
    case Op.BLT:
    case Op.BGE:
    case Op.BLTU:
    case Op.BGEU: {
      const p = r[a]!;
      const q = r[b]!;
      const taken =
        op === Op.BEQ ? p === q
        : op === Op.BNE ? p !== q
        : op === Op.BLT ? p < q
        : op === Op.BGE ? p >= q
        : op === Op.BLTU ? p >>> 0 < q >>> 0
        : p >>> 0 >= q >>> 0;
      if (taken) retire(m, cost + m.timing.branchTaken, pc + simm * 4);
      else retire(m, cost, next);
      return;
    }
    case Op.JAL:
      setReg(m, a, next);
      retire(m, cost, pc + (w >> 12) * 4);
      return;
    case Op.JALR: {
      const target = (x + simm) >>> 0;
      if ((target & 3) !== 0) {
        fault(m, cost, Cause.MISALIGNED_FETCH, target);
        return;
      }
      setReg(m, a, next);
      retire(m, cost, target);
      return;
    }

    case Op.SYSCALL:
      fault(m, cost, Cause.SYSCALL, 0);
      return;
    case Op.BREAK:
      fault(m, cost, Cause.BREAKPOINT, 0);
      return;
    case Op.ERET:
      m.cycles += cost;
      m.instret++;
      m.eret();
      return;
    case Op.HALT:
      m.cycles += cost;
      m.instret++;
      m.halt();
      return;
    case Op.WAIT:
      m.cycles += cost;
      if (m.waitForInterrupt()) {
        m.instret++;
        m.pc = next;
      }
      return;
    case Op.CSRR:
      if (csrKind(uimm) === CSR_NONE) {
        fault(m, cost, Cause.ILLEGAL_INSTRUCTION, w);
        return;
      }
      setReg(m, a, m.readCsr(uimm));
      break;
    case Op.CSRW: {
      const kind = csrKind(uimm);
      if (kind === CSR_NONE || kind === CSR_RO) {
        fault(m, cost, Cause.ILLEGAL_INSTRUCTION, w);
        return;
      }
      m.cycles += cost;
      m.writeCsr(uimm, x);
      m.instret++;
      m.pc = next;
      return;
    }
    case Op.TLBFLUSH:
      m.mmu.flush();
      invalidateCaches(m);
      break;
    case Op.TLBINV:
      m.mmu.invalidatePage(x >>> 0);
      invalidateCaches(m);
      break;
    case Op.RDCYCLE:
      setReg(m, a, (m.cycles % TWO32) | 0);
      break;
    default:
      throw new Error(`exec: opcode 0x${op.toString(16)} is in the ISA table but has no case here (an emulator bug)`);
  }
  retire(m, cost, next);
}

/** Execute the word the fast loop fetched from its cache (already counted) at m.pc. */
export function stepFetched(m: Machine, w: number): void {
  syncFast(m, 2 * m.instret);
  exec(m, w);
}

/**
 * A load or store the fast loop fetched (and counted) but could not finish from its data
 * caches: the same as exec() for these opcodes, without the decoding they do not need (loads
 * and stores have no must-be-zero bits and are not privileged).
 */
export function stepMemory(m: Machine, w: number): void {
  syncFast(m, 2 * m.instret);
  const op = w & 0xff;
  const cost = m.classCost[op]!;
  const r = m.regs;
  const va = (r[(w >>> 12) & 15]! + (w >> 16)) | 0;
  if (op < Op.SW) {
    if (!load(m, va, MEM_SIZE[op]!, MEM_SIGNED[op] === 1, cost)) return;
    setReg(m, (w >>> 8) & 15, loaded);
  } else if (!store(m, va, MEM_SIZE[op]!, r[(w >>> 8) & 15]!, cost)) return;
  retire(m, cost, m.pc + 4);
}

/**
 * A compiled block's aligned load or store w at a user-space address that the block's caches
 * could not serve (blocks.ts): the whole instruction, exactly as the fast loop's pass exit,
 * stepMemory and the next pass would run it, without leaving the block.
 *
 * Contract with the block: the registers it changed are back in the register file; st holds
 * the pass-relative CYC and N before this instruction, its PC, and the block's read/write cache
 * counters (RN/RT, WN/WT); `own` is the block's page (physical byte address). The pass's
 * bases are m.passCycles and m.passInstret (cpu.ts). This folds every cache use so far into
 * the counters (fetches through this instruction, recorded in FN0), runs the access, and
 * marks DIRTY (the loop's locals are out of date once the block returns). Returns
 * - TRAPPED: it trapped, or the machine stopped: m holds the whole state;
 * - else it retired (a load's value is in the register file), st holds the new CYC, N and
 *   caches (RN = WN = 0), and GO_ON, or LEAVE when the block must end after it: the access
 *   dropped the fetch cache (the TLB entry of the block's page was evicted; DIRTY = 2), wrote
 *   the block's own page, or reached a device (which may have scheduled an event).
 */
export function blockMemory(m: Machine, st: Int32Array, w: number, own: number): number {
  const mmu = m.mmu;
  const iBase = m.passInstret;
  const n = st[BS.N]!;
  const fTlb = m.fTlb;
  // The state before this instruction, as the pass's end would leave it (the device and a
  // trap read it), and the cache uses folded as syncFast(m, 2 * instret) would: fetches
  // through this one (from FN0 on), then the data caches' uses.
  m.pc = st[BS.PC]! >>> 0;
  m.cycles = m.passCycles + st[BS.CYC]!;
  m.instret = iBase + n;
  m.ir = w;
  const fN = n + 1 - st[BS.FN0]!;
  m.fetches += fN;
  if (fTlb) {
    mmu.itlb!.hits += fN;
    mmu.pendFetchEntry = m.fEntry;
    mmu.pendFetchTime = 2 * (iBase + n);
  }
  const rN = st[BS.RN]!;
  if (rN !== 0) {
    m.loads += rN;
    if (m.rTlb) {
      mmu.dtlb!.hits += rN;
      mmu.pendReadEntry = m.rEntry;
      mmu.pendReadTime = 2 * (iBase + st[BS.RT]!) + 1;
    }
  }
  const wN = st[BS.WN]!;
  if (wN !== 0) {
    m.stores += wN;
    if (m.wTlb) {
      mmu.dtlb!.hits += wN;
      mmu.pendWriteEntry = m.wEntry;
      mmu.pendWriteTime = 2 * (iBase + st[BS.WT]!) + 1;
    }
  }
  st[BS.FN0] = n + 1;
  st[BS.DIRTY] |= 1;

  // stepMemory's load or store, for a user-space address (the block checked its alignment).
  const op = w & 0xff;
  const cost = m.classCost[op]!;
  const r = m.regs;
  const va = (r[(w >>> 12) & 15]! + (w >> 16)) | 0;
  const isStore = op >= Op.SW;
  const access = isStore ? Access.STORE : Access.LOAD;
  const pa = translate(m, va, access, m.user);
  if (pa < 0) {
    invalidateCaches(m);
    fault(m, cost, -pa, va);
    return BlockMemory.TRAPPED;
  }
  afterTranslate(m);
  const size = MEM_SIZE[op]!;
  let leave = false;
  if (pa < m.ramBytes) {
    if (isStore) {
      const v = r[(w >>> 8) & 15]!;
      if (size === 4) m.mem32[pa >>> 2] = v;
      else if (size === 2) m.mem16[pa >>> 1] = v;
      else m.mem8[pa] = v;
      m.stores++;
      leave = (pa - own) >>> 0 < PAGE_SIZE;
    } else {
      const rd = (w >>> 8) & 15;
      let v: number;
      if (size === 4) v = m.mem32[pa >>> 2]!;
      else if (size === 2) v = MEM_SIGNED[op] === 1 ? m.mem16s[pa >>> 1]! : m.mem16[pa >>> 1]!;
      else v = MEM_SIGNED[op] === 1 ? m.mem8s[pa]! : m.mem8[pa]!;
      if (rd !== 0) r[rd] = v;
      m.loads++;
    }
    fillCache(m, access, va, pa, true);
  } else {
    // A device page mapped into user space (or a bus error): it may schedule an event.
    if (!outsideRam(m, pa, va, size, isStore, r[(w >>> 8) & 15]!, cost)) return BlockMemory.TRAPPED;
    if (!isStore) setReg(m, (w >>> 8) & 15, loaded);
    leave = true;
  }
  retire(m, cost, m.pc + 4);
  if (m.stopInfo !== null) return BlockMemory.TRAPPED;

  st[BS.CYC] = m.cycles - m.passCycles;
  st[BS.N] = n + 1;
  st[BS.RN] = 0;
  st[BS.WN] = 0;
  st[BS.RVPN] = m.rVpn;
  st[BS.RBASE] = m.rBase;
  st[BS.WVPN] = m.wVpn;
  st[BS.WBASE] = m.wBase;
  if (m.fTlb !== fTlb) {
    st[BS.DIRTY] = 2;
    return BlockMemory.LEAVE;
  }
  return leave ? BlockMemory.LEAVE : BlockMemory.GO_ON;
}

/**
 * For the fast loop, in kernel mode: if w (at m.pc, fetched and counted) is a word load or
 * store whose address is a device register in the kernel segment, do it as stepMemory would
 * (the loop retires it: pc, instret and the cost are its to add) and return the cost; else -1
 * and nothing happened. m.cycles and m.instret are current (the device may read the time).
 */
export function kernelDeviceAccess(m: Machine, w: number): number {
  const op = w & 0xff;
  if (op !== Op.LW && op !== Op.SW) return -1;
  const r = m.regs;
  const va = (r[(w >>> 12) & 15]! + (w >> 16)) >>> 0;
  if (va < KSEG_BASE || (va & 3) !== 0) return -1;
  const pa = va - KSEG_BASE;
  if (pa < m.ramBytes) return -1;
  const dev = deviceAt(m, pa);
  if (dev === null) return -1;
  if (op === Op.SW) {
    dev.write(pa & 0xfff, r[(w >>> 8) & 15]! | 0);
    m.stores++;
  } else {
    const v = dev.read(pa & 0xfff) | 0;
    setReg(m, (w >>> 8) & 15, v);
    m.loads++;
  }
  return m.classCost[op]!;
}

/** CSRs whose write changes nothing but the register (and, for TIMECMP and IM, the next event). */
const PLAIN_CSR_WRITE = new Uint8Array(32);
for (const n of [Csr.EPC, Csr.CAUSE, Csr.BADVADDR, Csr.TVEC, Csr.TIMECMP, Csr.IM, Csr.SCRATCH0, Csr.SCRATCH1, Csr.SCRATCH2, Csr.SCRATCH3])
  PLAIN_CSR_WRITE[n] = 1;

/**
 * For the fast loop, in kernel mode: a csrr of any CSR, or a csrw that changes neither the
 * mode, the TLB's context nor the caches (not STATUS, PTBR or ASID), done as exec() does it;
 * returns its cost (the loop retires it), or -1 and nothing happened. m.cycles and m.instret
 * are current; a csrw leaves m.cycles with its cost added (exec charges csrw first), and may
 * move m.nextEvent (TIMECMP, IM; reading IP polls the devices).
 */
export function kernelCsrAccess(m: Machine, w: number): number {
  const op = w & 0xff;
  const n = w >>> 16;
  if ((w & MBZ[op]!) !== 0 || csrKind(n) === CSR_NONE) return -1;
  const cost = m.classCost[op]!;
  if (op === Op.CSRR) {
    setReg(m, (w >>> 8) & 15, m.readCsr(n));
    return cost;
  }
  if (PLAIN_CSR_WRITE[n] !== 1) return -1;
  m.cycles += cost;
  m.writeCsr(n, m.regs[(w >>> 12) & 15]!);
  return cost;
}

/** Fetch through the slow path, then execute: one whole instruction. */
export function stepSlow(m: Machine): void {
  syncFast(m, 2 * (m.instret - 1));
  if (fetch(m)) exec(m, m.ir);
}

/** The instruction boundary's slow part (events, stop, interrupts) as the fast loop calls it. */
export function boundarySlow(m: Machine): void {
  syncFast(m, 2 * (m.instret - 1));
  m.boundary();
}

/**
 * The reference loop: the same boundary rule as cpu.ts (events when cycles >= nextEvent,
 * then the budget), every instruction through stepSlow.
 */
export function executeReference(m: Machine, budget: number): void {
  const end = m.instret + budget;
  m.nextEvent = m.cycles;
  for (;;) {
    if (m.cycles >= m.nextEvent) {
      m.boundary();
      if (m.stopInfo !== null) return;
      // Look at events again before the next instruction, as the fast loop does: taking an
      // interrupt costs cycles, which may reach the next event (a cycle limit, say).
      continue;
    }
    if (m.instret >= end) return;
    stepSlow(m);
    if (m.stopInfo !== null) return;
  }
}
