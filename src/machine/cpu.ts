// The hot loop: fetch, decode and execute until the budget is used up or the machine stops.
//
// Design (measured: state on `this` or a table of handler closures cost 1.7-2.5x):
// - ONE function (fastPass) with pc, cycles, instret and the translation caches in locals;
//   registers and RAM in one Int32Array (m.cpu32: the registers sit after RAM, so one type
//   and bounds check serves both); one `switch` on the opcode.
// - Numbers are literals here, not the names from src/arch: V8 builds a jump table only for
//   literal case labels, and reads imported or module-level constants from memory at every
//   use. test/cpu.test.ts checks every case label against the ISA table and the page geometry
//   the loop assumes (12-bit page offsets: `>>> 12`, `& 0xfff`).
// - Each case either finishes the instruction and `continue`s, or — having changed nothing —
//   `break`s out to the slow path (step.ts), which runs the whole instruction plainly: cache
//   misses, misaligned addresses, devices, system instructions, illegal words, traps. Locals
//   are written back to the Machine before that call and reloaded after it (a new pass).
// - Hot loops run as compiled blocks (blocks.ts): where control arrives other than by falling
//   through, in a page it has arrived in HOT_PAGE times, the address is looked up in the
//   page's block table (counted there until HOT_ENTRY, then compiled); if a block starts
//   there, it runs instead of the switch, with the same counts (it shares the pass's caches
//   and counters through m.blockState). The switch runs whatever no block holds. A block
//   serves a user-space access its caches miss in place (block-translate.ts, or step.ts's
//   blockMemory), which leaves the loop's cached locals out of date: the pass ends when that
//   block returns.
// - In kernel mode the kernel segment is reached directly, without the caches: its loads and
//   stores (kL/kS) and its fetches (the fetch cache switches page) never leave the pass, nor
//   do a csrr, a plain csrw or a device load or store (named helpers in step.ts).
// - Three one-entry caches, fetch (f), data read (r) and data write (w): "virtual page vpn
//   maps to RAM at base, and this access is allowed in the current mode". The slow path fills
//   them after a successful translation (a store's only once the TLB entry has D) and drops
//   them whenever the TLB or the mode changes. A use of a cache holding a TLB entry is a TLB
//   hit of the model: it is counted (rN/wN; fetches follow from the instructions retired) and
//   its time kept (the fetch time is implied, rT/wT for data), and step.ts/syncFast folds both
//   into the TLB's hits and LRU order before anything else looks at the TLB. Kernel-segment
//   pages are cached too, not as TLB hits.
// - Events (timer, disk, cycle limit, stop requests, interrupts after a STATUS change) are one
//   comparison per instruction: cycles >= nextEvent (as int32 offsets, see below).
// - r0: fast cases write rd unconditionally; r0 is reset to 0 before every instruction.
// - Machine.run() first runs warm-up programs once per process (warmup.ts), so V8 compiles
//   this loop with complete type feedback.

import type { Machine } from './machine.ts';
import { compileBlock, HOT_ENTRY, HOT_PAGE, type Block, type BlockPage } from './blocks.ts';
import { boundarySlow, div, divu, invalidateCaches, kernelCsrAccess, kernelDeviceAccess, mulh, mulhu, rem, remu, stepFetched, stepMemory, stepSlow, syncFast } from './step.ts';

/**
 * Run until `budget` more instructions retire or the machine stops (m.stopInfo). On return
 * every piece of state is back in `m` (uses of the caches are left for syncFast to fold).
 * The caches start empty on every call, so the host may change anything between calls.
 */
export function execute(m: Machine, budget: number): void {
  syncFast(m, 2 * (m.instret - 1));
  invalidateCaches(m);
  m.nextEvent = m.cycles;
  if (m.stopInfo !== null) return;
  if ((m.pc & 3) !== 0) {
    // A host-set misaligned pc: let the slow path raise the misaligned fetch.
    stepSlow(m);
    if (m.stopInfo !== null) return;
  }
  const end = m.instret + budget;
  // A pass returns when its (clamped) budget is used up or the machine stopped.
  for (;;) {
    if (fastPass(m, end) === SLOW_STOPPED || m.instret >= end) return;
    syncFast(m, 2 * (m.instret - 1));
  }
}

/** Why a pass ended: its budget (or the clamp of it) is used up. */
const SLOW_NONE = 0;
/** An event is due: the boundary's slow part must run. */
const SLOW_EVENT = 1;
/** m.ir, fetched from the cache, must be executed by the slow path. */
const SLOW_EXEC = 2;
/** pc is not in the fetch cache: fetch and execute in the slow path. */
const SLOW_FETCH = 3;
/** m.ir is a load or store whose page is not in the data caches (or that is misaligned). */
const SLOW_MEMORY = 4;
/** The machine stopped in a slow step the pass made. */
const SLOW_STOPPED = 7;
/** A block translated in place (block-translate.ts, step.ts's blockMemory): nothing to do but start a new pass from m. */
const SLOW_RESYNC = 9;

// What the pass's inner loop leaves to the code after it, which may call out (see there).
const CALL_NONE = 0;
/** Run the block at callPa. */
const CALL_BLOCK = 1;
/** The entry at callPa is hot: compile its block, then run it if there is one. */
const CALL_COMPILE = 2;
/** The page of callPa has become hot: watch its entries. */
const CALL_WARM = 3;
/** A kernel-mode csrr or csrw (kernelCsrAccess). */
const CALL_CSR = 4;
/** A kernel-mode load or store the caches did not serve: maybe a device (kernelDeviceAccess). */
const CALL_DEVICE = 5;

/**
 * The fast loop: fast instructions until one needs the slow path (then the slow path runs it,
 * everything having been written back to m, and the loop starts a new pass from m's state),
 * until the budget ends (SLOW_NONE) or the machine stops (SLOW_STOPPED). A pass is an inner
 * loop that calls nothing (so V8 keeps the typed arrays' bounds, pc and the cache fields in
 * registers there) and, after it, the calls it leaves behind (CALL_*: a block, a kernel CSR
 * or device access), after which the inner loop goes on. The cache fields are constants of
 * the pass (only the slow path changes them). A function of its own so that V8 compiles it
 * with complete type feedback.
 *
 * Counters are int32 offsets from the pass's double bases (cycles = cBase + cyc, instret =
 * iBase + n), so the loop does int32 arithmetic; the limits are clamped to LIMIT, and reaching
 * a clamped limit just ends the pass (a boundary with nothing due is a no-op).
 */
function fastPass(m: Machine, end: number): number {
  const mem32 = m.cpu32;
  // Register r is mem32[R + r].
  const R = (m.ramBytes >> 2) | 0;
  const mem16 = m.mem16;
  const mem16s = m.mem16s;
  const mem8 = m.mem8;
  const mem8s = m.mem8s;
  const cls = m.timing.classes;
  const cAlu = cls.alu | 0;
  const cMul = cls.mul | 0;
  const cDiv = cls.div | 0;
  const cLoad = cls.load | 0;
  const cStore = cls.store | 0;
  const cBranch = cls.branch | 0;
  const cTaken = (cls.branch + m.timing.branchTaken) | 0;
  const cJump = cls.jump | 0;
  const cSystem = cls.system | 0;
  passes: for (;;) {
    const cBase = +m.cycles;
    const iBase = +m.instret;
    m.passCycles = cBase;
    m.passInstret = iBase;
    let evt = rel(m.nextEvent - cBase);
    const stop = rel(end - iBase);
    // Kernel mode: the kernel segment is reached directly (PA = va - 0x80000000), not through
    // the caches: kram = the RAM size (0 in user mode, so that the test never passes). Such
    // loads and stores are counted in kL/kS; a fetch from another kernel-segment page switches
    // the fetch cache to it, unless the pass began with a TLB page there (its uses are TLB hits).
    const kram = (m.status & 2) === 0 ? m.ramBytes | 0 : 0; // 2: STATUS.UM
    const kFetch = kram !== 0 && !m.fTlb;
    let fVpn = m.fVpn | 0;
    let fBase = m.fBase | 0;
    let kL = 0;
    let kS = 0;
    const rVpn = m.rVpn | 0;
    const rBase = m.rBase | 0;
    const wVpn = m.wVpn | 0;
    const wBase = m.wBase | 0;
    // Blocks (blocks.ts) share the pass's limits and caches through st, at the indices of
    // blocks.ts's BS (literals here, checked by test/cpu.test.ts), and return BlockExit codes.
    const useBlocks = m.blocks;
    const code = m.code;
    const heat = m.heat;
    const st = m.blockState;
    st[8] = evt;
    st[9] = stop;
    st[10] = rVpn;
    st[11] = rBase;
    st[12] = wVpn;
    st[13] = wBase;
    st[14] = kram;
    st[17 /* BS.FN0 */] = 0;
    st[18 /* BS.DIRTY */] = 0;
    let pc = m.pc | 0;
    let jumped = true;
    let cyc = 0;
    let n = 0;
    let rN = 0;
    let rT = 0;
    let wN = 0;
    let wT = 0;
    let w = 0;
    let slow = SLOW_NONE;
    // What the loop left to do outside it (a CALL_* code), and the block's address for a block.
    let call = CALL_NONE;
    let callPa = 0;

    pass: for (;;) {
      run: for (;;) {
        if (cyc >= evt) {
          slow = SLOW_EVENT;
          break pass;
        }
        if (n >= stop) {
          slow = SLOW_NONE;
          break pass;
        }
        mem32[R] = 0;
        if (pc >>> 12 !== fVpn) {
          if (kFetch && pc < 0 && (pc & 0x7fffffff) < kram) {
            fVpn = pc >>> 12;
            fBase = pc & 0x7ffff000;
            continue;
          }
          slow = SLOW_FETCH;
          break pass;
        }
        // Leaves with the word in hand: break pass (slow set), or break dispatch for a load or
        // store the caches could not serve (below).
        dispatch: {
          // Blocks start where control arrives other than by falling through: the pass's first
          // instruction, a branch or jump target, where a block ended. Straight-line code
          // in the plain loop costs one test.
          if (jumped && useBlocks) {
            jumped = false;
            const pa = fBase | (pc & 0xfff);
            const page = code[pa >>> 12];
            if (page !== undefined) {
              const blk = page[(pa >>> 2) & 1023];
              if (typeof blk === 'number') {
                if (blk < HOT_ENTRY) page[(pa >>> 2) & 1023] = blk + 1;
                else {
                  call = CALL_COMPILE;
                  callPa = pa;
                  break run;
                }
              } else if (blk !== null) {
                call = CALL_BLOCK;
                callPa = pa;
                break run;
              }
            } else if (++heat[pa >>> 12]! >= HOT_PAGE) {
              call = CALL_WARM;
              callPa = pa;
              break run;
            }
          }
          w = mem32[(fBase | (pc & 0xfff)) >> 2]!;
          switch (w & 0xff) {
            case 0x01: // add
              if (w >>> 20 !== 0) break;
              mem32[R + ((w >>> 8) & 15)] = mem32[R + ((w >>> 12) & 15)] + mem32[R + ((w >>> 16) & 15)];
              cyc += cAlu;
              n++;
              pc = (pc + 4) | 0;
              continue;
            case 0x02: // sub
              if (w >>> 20 !== 0) break;
              mem32[R + ((w >>> 8) & 15)] = mem32[R + ((w >>> 12) & 15)] - mem32[R + ((w >>> 16) & 15)];
              cyc += cAlu;
              n++;
              pc = (pc + 4) | 0;
              continue;
            case 0x03: // and
              if (w >>> 20 !== 0) break;
              mem32[R + ((w >>> 8) & 15)] = mem32[R + ((w >>> 12) & 15)] & mem32[R + ((w >>> 16) & 15)];
              cyc += cAlu;
              n++;
              pc = (pc + 4) | 0;
              continue;
            case 0x04: // or
              if (w >>> 20 !== 0) break;
              mem32[R + ((w >>> 8) & 15)] = mem32[R + ((w >>> 12) & 15)] | mem32[R + ((w >>> 16) & 15)];
              cyc += cAlu;
              n++;
              pc = (pc + 4) | 0;
              continue;
            case 0x05: // xor
              if (w >>> 20 !== 0) break;
              mem32[R + ((w >>> 8) & 15)] = mem32[R + ((w >>> 12) & 15)] ^ mem32[R + ((w >>> 16) & 15)];
              cyc += cAlu;
              n++;
              pc = (pc + 4) | 0;
              continue;
            case 0x06: // sll
              if (w >>> 20 !== 0) break;
              mem32[R + ((w >>> 8) & 15)] = mem32[R + ((w >>> 12) & 15)] << mem32[R + ((w >>> 16) & 15)];
              cyc += cAlu;
              n++;
              pc = (pc + 4) | 0;
              continue;
            case 0x07: // srl
              if (w >>> 20 !== 0) break;
              mem32[R + ((w >>> 8) & 15)] = mem32[R + ((w >>> 12) & 15)] >>> mem32[R + ((w >>> 16) & 15)];
              cyc += cAlu;
              n++;
              pc = (pc + 4) | 0;
              continue;
            case 0x08: // sra
              if (w >>> 20 !== 0) break;
              mem32[R + ((w >>> 8) & 15)] = mem32[R + ((w >>> 12) & 15)] >> mem32[R + ((w >>> 16) & 15)];
              cyc += cAlu;
              n++;
              pc = (pc + 4) | 0;
              continue;
            case 0x09: // slt
              if (w >>> 20 !== 0) break;
              mem32[R + ((w >>> 8) & 15)] = mem32[R + ((w >>> 12) & 15)] < mem32[R + ((w >>> 16) & 15)] ? 1 : 0;
              cyc += cAlu;
              n++;
              pc = (pc + 4) | 0;
              continue;
            case 0x0a: // sltu
              if (w >>> 20 !== 0) break;
              mem32[R + ((w >>> 8) & 15)] = mem32[R + ((w >>> 12) & 15)] >>> 0 < mem32[R + ((w >>> 16) & 15)] >>> 0 ? 1 : 0;
              cyc += cAlu;
              n++;
              pc = (pc + 4) | 0;
              continue;
            case 0x0b: // mul
              if (w >>> 20 !== 0) break;
              mem32[R + ((w >>> 8) & 15)] = Math.imul(mem32[R + ((w >>> 12) & 15)], mem32[R + ((w >>> 16) & 15)]);
              cyc += cMul;
              n++;
              pc = (pc + 4) | 0;
              continue;
            case 0x0c: // mulh
              if (w >>> 20 !== 0) break;
              mem32[R + ((w >>> 8) & 15)] = mulh(mem32[R + ((w >>> 12) & 15)], mem32[R + ((w >>> 16) & 15)]);
              cyc += cMul;
              n++;
              pc = (pc + 4) | 0;
              continue;
            case 0x0d: // mulhu
              if (w >>> 20 !== 0) break;
              mem32[R + ((w >>> 8) & 15)] = mulhu(mem32[R + ((w >>> 12) & 15)], mem32[R + ((w >>> 16) & 15)]);
              cyc += cMul;
              n++;
              pc = (pc + 4) | 0;
              continue;
            case 0x0e: // div
              if (w >>> 20 !== 0) break;
              mem32[R + ((w >>> 8) & 15)] = div(mem32[R + ((w >>> 12) & 15)], mem32[R + ((w >>> 16) & 15)]);
              cyc += cDiv;
              n++;
              pc = (pc + 4) | 0;
              continue;
            case 0x0f: // divu
              if (w >>> 20 !== 0) break;
              mem32[R + ((w >>> 8) & 15)] = divu(mem32[R + ((w >>> 12) & 15)], mem32[R + ((w >>> 16) & 15)]);
              cyc += cDiv;
              n++;
              pc = (pc + 4) | 0;
              continue;
            case 0x10: // rem
              if (w >>> 20 !== 0) break;
              mem32[R + ((w >>> 8) & 15)] = rem(mem32[R + ((w >>> 12) & 15)], mem32[R + ((w >>> 16) & 15)]);
              cyc += cDiv;
              n++;
              pc = (pc + 4) | 0;
              continue;
            case 0x11: // remu
              if (w >>> 20 !== 0) break;
              mem32[R + ((w >>> 8) & 15)] = remu(mem32[R + ((w >>> 12) & 15)], mem32[R + ((w >>> 16) & 15)]);
              cyc += cDiv;
              n++;
              pc = (pc + 4) | 0;
              continue;
            case 0x18: // addi
              mem32[R + ((w >>> 8) & 15)] = mem32[R + ((w >>> 12) & 15)] + (w >> 16);
              cyc += cAlu;
              n++;
              pc = (pc + 4) | 0;
              continue;
            case 0x19: // andi
              mem32[R + ((w >>> 8) & 15)] = mem32[R + ((w >>> 12) & 15)] & (w >>> 16);
              cyc += cAlu;
              n++;
              pc = (pc + 4) | 0;
              continue;
            case 0x1a: // ori
              mem32[R + ((w >>> 8) & 15)] = mem32[R + ((w >>> 12) & 15)] | (w >>> 16);
              cyc += cAlu;
              n++;
              pc = (pc + 4) | 0;
              continue;
            case 0x1b: // xori
              mem32[R + ((w >>> 8) & 15)] = mem32[R + ((w >>> 12) & 15)] ^ (w >>> 16);
              cyc += cAlu;
              n++;
              pc = (pc + 4) | 0;
              continue;
            case 0x1c: // slli
              if (w >>> 21 !== 0) break; // shift amount above 31
              mem32[R + ((w >>> 8) & 15)] = mem32[R + ((w >>> 12) & 15)] << (w >>> 16);
              cyc += cAlu;
              n++;
              pc = (pc + 4) | 0;
              continue;
            case 0x1d: // srli
              if (w >>> 21 !== 0) break; // shift amount above 31
              mem32[R + ((w >>> 8) & 15)] = mem32[R + ((w >>> 12) & 15)] >>> (w >>> 16);
              cyc += cAlu;
              n++;
              pc = (pc + 4) | 0;
              continue;
            case 0x1e: // srai
              if (w >>> 21 !== 0) break; // shift amount above 31
              mem32[R + ((w >>> 8) & 15)] = mem32[R + ((w >>> 12) & 15)] >> (w >>> 16);
              cyc += cAlu;
              n++;
              pc = (pc + 4) | 0;
              continue;
            case 0x1f: // slti
              mem32[R + ((w >>> 8) & 15)] = mem32[R + ((w >>> 12) & 15)] < w >> 16 ? 1 : 0;
              cyc += cAlu;
              n++;
              pc = (pc + 4) | 0;
              continue;
            case 0x20: // sltiu
              mem32[R + ((w >>> 8) & 15)] = mem32[R + ((w >>> 12) & 15)] >>> 0 < (w >> 16) >>> 0 ? 1 : 0;
              cyc += cAlu;
              n++;
              pc = (pc + 4) | 0;
              continue;
            case 0x21: // lui
              if ((w & 0xf000) !== 0) break;
              mem32[R + ((w >>> 8) & 15)] = (w >>> 16) << 16;
              cyc += cAlu;
              n++;
              pc = (pc + 4) | 0;
              continue;
            case 0x28: { // lw
              const a = (mem32[R + ((w >>> 12) & 15)] + (w >> 16)) | 0;
              if (a >>> 12 === rVpn && (a & 3) === 0) {
                mem32[R + ((w >>> 8) & 15)] = mem32[(rBase | (a & 0xfff)) >> 2];
                rN++;
                rT = n;
                cyc += cLoad;
                n++;
                pc = (pc + 4) | 0;
                continue;
              }
              if (a < 0 && (a & 0x7fffffff) < kram && (a & 3) === 0) {
                mem32[R + ((w >>> 8) & 15)] = mem32[(a & 0x7fffffff) >> 2];
                kL++;
                cyc += cLoad;
                n++;
                pc = (pc + 4) | 0;
                continue;
              }
              slow = SLOW_MEMORY;
              break dispatch;
            }
            case 0x29: { // lh
              const a = (mem32[R + ((w >>> 12) & 15)] + (w >> 16)) | 0;
              if (a >>> 12 === rVpn && (a & 1) === 0) {
                mem32[R + ((w >>> 8) & 15)] = mem16s[(rBase | (a & 0xfff)) >> 1];
                rN++;
                rT = n;
                cyc += cLoad;
                n++;
                pc = (pc + 4) | 0;
                continue;
              }
              if (a < 0 && (a & 0x7fffffff) < kram && (a & 1) === 0) {
                mem32[R + ((w >>> 8) & 15)] = mem16s[(a & 0x7fffffff) >> 1];
                kL++;
                cyc += cLoad;
                n++;
                pc = (pc + 4) | 0;
                continue;
              }
              slow = SLOW_MEMORY;
              break dispatch;
            }
            case 0x2a: { // lhu
              const a = (mem32[R + ((w >>> 12) & 15)] + (w >> 16)) | 0;
              if (a >>> 12 === rVpn && (a & 1) === 0) {
                mem32[R + ((w >>> 8) & 15)] = mem16[(rBase | (a & 0xfff)) >> 1];
                rN++;
                rT = n;
                cyc += cLoad;
                n++;
                pc = (pc + 4) | 0;
                continue;
              }
              if (a < 0 && (a & 0x7fffffff) < kram && (a & 1) === 0) {
                mem32[R + ((w >>> 8) & 15)] = mem16[(a & 0x7fffffff) >> 1];
                kL++;
                cyc += cLoad;
                n++;
                pc = (pc + 4) | 0;
                continue;
              }
              slow = SLOW_MEMORY;
              break dispatch;
            }
            case 0x2b: { // lb
              const a = (mem32[R + ((w >>> 12) & 15)] + (w >> 16)) | 0;
              if (a >>> 12 === rVpn) {
                mem32[R + ((w >>> 8) & 15)] = mem8s[rBase | (a & 0xfff)];
                rN++;
                rT = n;
                cyc += cLoad;
                n++;
                pc = (pc + 4) | 0;
                continue;
              }
              if (a < 0 && (a & 0x7fffffff) < kram) {
                mem32[R + ((w >>> 8) & 15)] = mem8s[(a & 0x7fffffff)];
                kL++;
                cyc += cLoad;
                n++;
                pc = (pc + 4) | 0;
                continue;
              }
              slow = SLOW_MEMORY;
              break dispatch;
            }
            case 0x2c: { // lbu
              const a = (mem32[R + ((w >>> 12) & 15)] + (w >> 16)) | 0;
              if (a >>> 12 === rVpn) {
                mem32[R + ((w >>> 8) & 15)] = mem8[rBase | (a & 0xfff)];
                rN++;
                rT = n;
                cyc += cLoad;
                n++;
                pc = (pc + 4) | 0;
                continue;
              }
              if (a < 0 && (a & 0x7fffffff) < kram) {
                mem32[R + ((w >>> 8) & 15)] = mem8[(a & 0x7fffffff)];
                kL++;
                cyc += cLoad;
                n++;
                pc = (pc + 4) | 0;
                continue;
              }
              slow = SLOW_MEMORY;
              break dispatch;
            }
            case 0x30: { // sw
              const a = (mem32[R + ((w >>> 12) & 15)] + (w >> 16)) | 0;
              if (a >>> 12 === wVpn && (a & 3) === 0) {
                mem32[(wBase | (a & 0xfff)) >> 2] = mem32[R + ((w >>> 8) & 15)];
                wN++;
                wT = n;
                cyc += cStore;
                n++;
                pc = (pc + 4) | 0;
                continue;
              }
              if (a < 0 && (a & 0x7fffffff) < kram && (a & 3) === 0) {
                mem32[(a & 0x7fffffff) >> 2] = mem32[R + ((w >>> 8) & 15)];
                kS++;
                cyc += cStore;
                n++;
                pc = (pc + 4) | 0;
                continue;
              }
              slow = SLOW_MEMORY;
              break dispatch;
            }
            case 0x31: { // sh
              const a = (mem32[R + ((w >>> 12) & 15)] + (w >> 16)) | 0;
              if (a >>> 12 === wVpn && (a & 1) === 0) {
                mem16[(wBase | (a & 0xfff)) >> 1] = mem32[R + ((w >>> 8) & 15)];
                wN++;
                wT = n;
                cyc += cStore;
                n++;
                pc = (pc + 4) | 0;
                continue;
              }
              if (a < 0 && (a & 0x7fffffff) < kram && (a & 1) === 0) {
                mem16[(a & 0x7fffffff) >> 1] = mem32[R + ((w >>> 8) & 15)];
                kS++;
                cyc += cStore;
                n++;
                pc = (pc + 4) | 0;
                continue;
              }
              slow = SLOW_MEMORY;
              break dispatch;
            }
            case 0x32: { // sb
              const a = (mem32[R + ((w >>> 12) & 15)] + (w >> 16)) | 0;
              if (a >>> 12 === wVpn) {
                mem8[wBase | (a & 0xfff)] = mem32[R + ((w >>> 8) & 15)];
                wN++;
                wT = n;
                cyc += cStore;
                n++;
                pc = (pc + 4) | 0;
                continue;
              }
              if (a < 0 && (a & 0x7fffffff) < kram) {
                mem8[(a & 0x7fffffff)] = mem32[R + ((w >>> 8) & 15)];
                kS++;
                cyc += cStore;
                n++;
                pc = (pc + 4) | 0;
                continue;
              }
              slow = SLOW_MEMORY;
              break dispatch;
            }
            case 0x38: // beq
              if (mem32[R + ((w >>> 8) & 15)] === mem32[R + ((w >>> 12) & 15)]) {
                pc = (pc + ((w >> 16) << 2)) | 0;
                jumped = true;
                cyc += cTaken;
              } else {
                pc = (pc + 4) | 0;
                cyc += cBranch;
              }
              n++;
              continue;
            case 0x39: // bne
              if (mem32[R + ((w >>> 8) & 15)] !== mem32[R + ((w >>> 12) & 15)]) {
                pc = (pc + ((w >> 16) << 2)) | 0;
                jumped = true;
                cyc += cTaken;
              } else {
                pc = (pc + 4) | 0;
                cyc += cBranch;
              }
              n++;
              continue;
            case 0x3a: // blt
              if (mem32[R + ((w >>> 8) & 15)] < mem32[R + ((w >>> 12) & 15)]) {
                pc = (pc + ((w >> 16) << 2)) | 0;
                jumped = true;
                cyc += cTaken;
              } else {
                pc = (pc + 4) | 0;
                cyc += cBranch;
              }
              n++;
              continue;
            case 0x3b: // bge
              if (mem32[R + ((w >>> 8) & 15)] >= mem32[R + ((w >>> 12) & 15)]) {
                pc = (pc + ((w >> 16) << 2)) | 0;
                jumped = true;
                cyc += cTaken;
              } else {
                pc = (pc + 4) | 0;
                cyc += cBranch;
              }
              n++;
              continue;
            case 0x3c: // bltu
              if (mem32[R + ((w >>> 8) & 15)] >>> 0 < mem32[R + ((w >>> 12) & 15)] >>> 0) {
                pc = (pc + ((w >> 16) << 2)) | 0;
                jumped = true;
                cyc += cTaken;
              } else {
                pc = (pc + 4) | 0;
                cyc += cBranch;
              }
              n++;
              continue;
            case 0x3d: // bgeu
              if (mem32[R + ((w >>> 8) & 15)] >>> 0 >= mem32[R + ((w >>> 12) & 15)] >>> 0) {
                pc = (pc + ((w >> 16) << 2)) | 0;
                jumped = true;
                cyc += cTaken;
              } else {
                pc = (pc + 4) | 0;
                cyc += cBranch;
              }
              n++;
              continue;
            case 0x40: // jal
              mem32[R + ((w >>> 8) & 15)] = (pc + 4) | 0;
              pc = (pc + ((w >> 12) << 2)) | 0;
              jumped = true;
              cyc += cJump;
              n++;
              continue;
            case 0x41: { // jalr
              const t = (mem32[R + ((w >>> 12) & 15)] + (w >> 16)) | 0;
              if ((t & 3) !== 0) break;
              mem32[R + ((w >>> 8) & 15)] = (pc + 4) | 0;
              pc = t;
              jumped = true;
              cyc += cJump;
              n++;
              continue;
            }
            case 0x4d: // csrr
            case 0x4e: // csrw
              // Kernel mode only (else the slow path traps), and only what kernelCsrAccess takes.
              if (kram === 0) break;
              call = CALL_CSR;
              break run;
            case 0x51: // rdcycle
              if (w >>> 12 !== 0) break;
              mem32[R + ((w >>> 8) & 15)] = (cBase + cyc) % 4294967296;
              cyc += cSystem;
              n++;
              pc = (pc + 4) | 0;
              continue;
            default:
              break;
          }
          slow = SLOW_EXEC;
          break pass;
        }
        // A load or store the caches did not serve: in kernel mode it may be a device register.
        if (kram === 0) break pass;
        call = CALL_DEVICE;
        break run;
      }
      // Calls out, between runs of the loop above: that loop calls nothing, so V8 keeps the
      // typed arrays' bounds, pc and the pass's constants in registers there (a call anywhere
      // in it made every instruction reload them: 120 -> 80 MIPS on seq without blocks).
      if (call === CALL_CSR) {
        call = CALL_NONE;
        m.pc = pc >>> 0;
        m.cycles = cBase + cyc;
        m.instret = iBase + n;
        const cost = kernelCsrAccess(m, w);
        if (cost < 0) {
          slow = SLOW_EXEC;
          break;
        }
        cyc += cost;
        n++;
        pc = (pc + 4) | 0;
        evt = rel(m.nextEvent - cBase);
        st[8] = evt;
        continue;
      }
      if (call === CALL_WARM) {
        call = CALL_NONE;
        warmPage(m, callPa);
        continue;
      }
      if (call !== CALL_DEVICE) {
        // A block to run (CALL_BLOCK), or to compile first (CALL_COMPILE).
        const page = code[callPa >>> 12]!;
        const blk = call === CALL_COMPILE ? compileEntry(m, page, callPa) : page[(callPa >>> 2) & 1023];
        call = CALL_NONE;
        // None can start here: the instruction runs in the loop.
        if (typeof blk !== 'function') continue;
        st[0] = cyc;
        st[1] = n;
        st[2] = rN;
        st[3] = rT;
        st[4] = wN;
        st[5] = wT;
        st[6] = pc;
        st[15] = kL;
        st[16] = kS;
        const why = blk(st, mem32, mem16, mem16s, mem8, mem8s, R, callPa >>> 2, m);
        if (why === 8 /* SYNCED */) {
          // A user-space access in the block trapped (step.ts, blockMemory): m holds
          // everything but the block's direct kernel-segment counts.
          m.loads += st[15 /* BS.KL */]!;
          m.stores += st[16 /* BS.KS */]!;
          if (m.stopInfo !== null) return SLOW_STOPPED;
          continue passes;
        }
        if (why !== 0 /* DONE */ && why !== 4 /* SLOW_MEMORY */ && why !== 2 /* SLOW_EXEC */) {
          // STALE or NOT_ENTERED: nothing ran; this instruction runs in the loop.
          // A stale entry was hot: compile it again at its next visit.
          if (why === 5 /* STALE */) page[(callPa >>> 2) & 1023] = HOT_ENTRY;
          continue;
        }
        cyc = st[0]!;
        n = st[1]!;
        rN = st[2]!;
        rT = st[3]!;
        wN = st[4]!;
        wT = st[5]!;
        pc = st[6]!;
        kL = st[15]!;
        kS = st[16]!;
        // After blockMemory ran (DIRTY), the caches and counters here are out of date: the
        // pass ends (a new one starts from m).
        const dirty = st[18 /* BS.DIRTY */]! !== 0;
        if (why === 0 /* DONE */) {
          jumped = true;
          if (!dirty) continue;
          slow = SLOW_RESYNC;
          break;
        }
        w = st[7]!;
        slow = why;
        // A load or store in hand in kernel mode may be a device register (below).
        if (why !== 4 /* SLOW_MEMORY */ || dirty || kram === 0) break;
      }
      // A load or store the caches did not serve, in kernel mode (CALL_DEVICE): a device
      // register is read or written here, as the slow path would (the devices see the time
      // before the access's cost), without ending the pass; the event limit is read again,
      // since a device may have scheduled something. Anything else: the slow path (slow is
      // SLOW_MEMORY).
      call = CALL_NONE;
      m.pc = pc >>> 0;
      m.cycles = cBase + cyc;
      m.instret = iBase + n;
      const cost = kernelDeviceAccess(m, w);
      if (cost < 0) break;
      cyc += cost;
      n++;
      pc = (pc + 4) | 0;
      evt = rel(m.nextEvent - cBase);
      st[8] = evt;
      slow = SLOW_NONE;
    }

    m.pc = pc >>> 0;
    m.cycles = cBase + cyc;
    m.instret = iBase + n;
    m.ir = w;
    // Every fetch from the cache either retired (n) or is the word in hand (slow 2 or 4);
    // blockMemory folded the first FN0 of them already.
    m.fN = n + (slow === SLOW_EXEC || slow === SLOW_MEMORY ? 1 : 0) - st[17 /* BS.FN0 */]!;
    m.rN = rN;
    m.rT = iBase + rT;
    m.wN = wN;
    m.wT = iBase + wT;
    // Unless blockMemory dropped the fetch cache (its TLB entry was evicted).
    if (st[18 /* BS.DIRTY */]! !== 2) {
      m.fVpn = fVpn;
      m.fBase = fBase;
    }
    m.loads += kL;
    m.stores += kS;
    // A load, store or system instruction the loop could not finish: the slow path runs it,
    // and a new pass starts from the state it leaves (read at the top), unless the machine stopped.
    if (slow === SLOW_EXEC) stepFetched(m, w);
    else if (slow === SLOW_MEMORY) stepMemory(m, w);
    else if (slow === SLOW_EVENT) boundarySlow(m);
    else if (slow === SLOW_FETCH) stepSlow(m);
    else if (slow === SLOW_RESYNC) syncFast(m, 2 * (m.instret - 1));
    else return slow;
    if (m.stopInfo !== null) return SLOW_STOPPED;
    // An event due now (a `wait` jumps the clock to one): the next pass would take its
    // boundary before anything else (events come before the budget there too), so take it
    // here and save that pass. (The kernel's idle loop waits about twice per page fault.)
    if (slow !== SLOW_EVENT && m.cycles >= m.nextEvent) {
      boundarySlow(m);
      if (m.stopInfo !== null) return SLOW_STOPPED;
    }
  }
}

/** A page has run HOT_PAGE instructions in the plain loop: its entries are counted from now on. */
function warmPage(m: Machine, pa: number): void {
  m.code[pa >>> 12] = new Array<Block | number | null>(1024).fill(0);
}

/** The loop has reached pa HOT_ENTRY times: compile the block there into its page's table (null: none can start there). */
function compileEntry(m: Machine, page: BlockPage, pa: number): Block | null {
  const blk = compileBlock(m.mem32, pa, m.blockCosts, m.blockKinds);
  page[(pa >>> 2) & 1023] = blk;
  return blk;
}

/** The loop's limits as int32 offsets: clamped to LIMIT above, -1 for "now" or in the past. */
const LIMIT = 1 << 30;
function rel(x: number): number {
  return x >= LIMIT ? LIMIT : x <= 0 ? (x === 0 ? 0 : -1) : x | 0;
}
