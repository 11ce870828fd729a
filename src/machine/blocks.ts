// Basic-block translation: hot loops become JavaScript functions, which V8 then compiles to
// machine code with the emulated registers in host registers.
//
// When: the fast loop looks for a block only where control arrives other than by falling
// through (a branch or jump target, the start of a pass, where a block ended). A RAM page is
// watched once control has arrived in it HOT_PAGE times; then each such address in it is
// counted, and at HOT_ENTRY the block starting there is compiled — by default only if it loops
// back to its first word (BlockKinds explains why).
//
// Contract (cpu.ts calls these from its hot loop; the counts stay exactly those of the
// instruction-at-a-time loop, and test/machine-diff.test.ts and test/blocks.test.ts compare):
// - A block starts at a physical word and runs the instructions after it in the same 4 KiB page,
//   following a jal whose target is in that page (a call or a jump: the block goes on at the
//   target), up to and including a jalr or any other jal, stopping before anything the fast
//   loop does not finish itself (system instructions, rdcycle, illegal words) and after
//   MAX_LEN words. A conditional branch is a side exit: taken, the block ends there; not
//   taken, it goes on.
// - It is found by physical address and checks its own words on entry (STALE if any changed),
//   so code rewritten by a store, a disk DMA or the host is never run stale. A block's own
//   page is never written from inside the block (those stores leave it through the slow path).
// - It is entered only if every instruction in it would pass the loop's boundary check: the
//   cycle count before its last instruction stays below the next event, and the instruction
//   budget holds all of it (else NOT_ENTERED, and the loop runs one instruction itself).
// - A branch or jump back to its own first word loops inside the function while that still holds.
// - It uses the pass's translation caches (passed in BlockState) and counts their uses like
//   the loop does (rN/rT, wN/wT). An aligned user-space access the caches cannot serve (a TLB
//   miss, another page) is translated in place: first by m.translateLoad/Store (generated for
//   the machine's MMU configuration by block-translate.ts), the common case (a TLB hit, or a miss whose walk and fill change nothing else), which counts it and
//   returns the frame, the block doing the access; else through step.ts's blockMemory: the
//   same slow path the loop would take, with the block's registers and counters written back
//   first and the new caches read after it; it leaves right after that instruction if the
//   access dropped the fetch cache, wrote the block's own page, reached a device or moved the
//   next event inside the block, and at once (SYNCED) if it trapped. A kernel-segment access
//   beyond RAM (a device), a misaligned one, or a jalr to a misaligned target ends the block
//   with the word in hand (SLOW_MEMORY / SLOW_EXEC), the instructions before it retired.
// - Everything a block needs is in its arguments (its first word's physical index among them)
//   and its literals (word values, cycle costs), so one compiled function serves the same code
//   wherever it sits in RAM and in every machine with the same timing (the kernel in every
//   test machine; a program's page swapped back into another frame).
// - The block state it shares with the loop, and the codes it returns, are in block-abi.ts.

import { Op } from '../arch/isa.ts';
import { BS, BlockExit, BlockMemory } from './block-abi.ts';
import type { Machine } from './machine.ts';
import { blockMemory, div, divu, mulh, mulhu, rem, remu } from './step.ts';

export { BS, BlockExit } from './block-abi.ts';

export type Block = (
  st: Int32Array,
  mem32: Int32Array,
  mem16: Uint16Array,
  mem16s: Int16Array,
  mem8: Uint8Array,
  mem8s: Int8Array,
  R: number,
  /** Physical word index of the block's first instruction. */
  p: number,
  /** For blockMemory only. */
  m: Machine,
) => number;

/**
 * A hot page's entries by word index within the page: the block starting there, null if none
 * can, or how many times the loop has reached that word since the page got hot.
 */
export type BlockPage = (Block | number | null)[];

/** Class costs a block needs, by what the loop calls them (cycles per instruction). */
export interface BlockCosts {
  alu: number;
  mul: number;
  div: number;
  load: number;
  store: number;
  branch: number;
  /** branch + branchTaken */
  taken: number;
  jump: number;
}

const MAX_LEN = 48;

/** Times control must arrive in a page (not by falling through) before its entries are counted. */
export const HOT_PAGE = 64;
/**
 * Times control must arrive at a word of a watched page before the block starting there is
 * compiled: compiling costs about as much as running a few thousand instructions in the plain
 * loop, so code that runs a few times (once per boot, say) is not worth a function.
 */
export const HOT_ENTRY = 32;

// ---- what the translator knows of each opcode -------------------------------------------------

/** R-format ALU ops: the expression for rd from x (rs1) and y (rs2). */
const R_OPS: Record<number, [string, 'alu' | 'mul' | 'div']> = {
  [Op.ADD]: ['(x + y) | 0', 'alu'],
  [Op.SUB]: ['(x - y) | 0', 'alu'],
  [Op.AND]: ['x & y', 'alu'],
  [Op.OR]: ['x | y', 'alu'],
  [Op.XOR]: ['x ^ y', 'alu'],
  [Op.SLL]: ['x << y', 'alu'],
  [Op.SRL]: ['(x >>> y) | 0', 'alu'],
  [Op.SRA]: ['x >> y', 'alu'],
  [Op.SLT]: ['x < y ? 1 : 0', 'alu'],
  [Op.SLTU]: ['x >>> 0 < y >>> 0 ? 1 : 0', 'alu'],
  [Op.MUL]: ['Math.imul(x, y)', 'mul'],
  [Op.MULH]: ['mulh(x, y)', 'mul'],
  [Op.MULHU]: ['mulhu(x, y)', 'mul'],
  [Op.DIV]: ['div(x, y)', 'div'],
  [Op.DIVU]: ['divu(x, y)', 'div'],
  [Op.REM]: ['rem(x, y)', 'div'],
  [Op.REMU]: ['remu(x, y)', 'div'],
};

/** I-format ops: the expression for rd from x (rs1), s (the sign-extended imm) and u (zero-extended). */
const I_OPS: Record<number, string> = {
  [Op.ADDI]: '(x + s) | 0',
  [Op.ANDI]: 'x & u',
  [Op.ORI]: 'x | u',
  [Op.XORI]: 'x ^ u',
  [Op.SLLI]: 'x << u',
  [Op.SRLI]: '(x >>> u) | 0',
  [Op.SRAI]: 'x >> u',
  [Op.SLTI]: 'x < s ? 1 : 0',
  [Op.SLTIU]: 'x >>> 0 < s >>> 0 ? 1 : 0',
};
const SHIFT_IMM = new Set<number>([Op.SLLI, Op.SRLI, Op.SRAI]);

/** Loads and stores: the array, the index shift, and the alignment mask. */
const MEM_OPS: Record<number, [string, number, number]> = {
  [Op.LW]: ['mem32', 2, 3],
  [Op.LH]: ['mem16s', 1, 1],
  [Op.LHU]: ['mem16', 1, 1],
  [Op.LB]: ['mem8s', 0, 0],
  [Op.LBU]: ['mem8', 0, 0],
  [Op.SW]: ['mem32', 2, 3],
  [Op.SH]: ['mem16', 1, 1],
  [Op.SB]: ['mem8', 0, 0],
};

/** Branch conditions on p (rs1) and q (rs2). */
const B_OPS: Record<number, string> = {
  [Op.BEQ]: 'p === q',
  [Op.BNE]: 'p !== q',
  [Op.BLT]: 'p < q',
  [Op.BGE]: 'p >= q',
  [Op.BLTU]: 'p >>> 0 < q >>> 0',
  [Op.BGEU]: 'p >>> 0 >= q >>> 0',
};

/** NONE: not in a block; STRAIGHT: goes on; BRANCH: a side exit; END: ends the block. */
const Kind = { NONE: 0, STRAIGHT: 1, BRANCH: 2, END: 3 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];

/** Whether a block may hold w, and whether it ends the block. Legality as the fast loop checks it. */
function kindOf(w: number): Kind {
  const op = w & 0xff;
  if (op in R_OPS) return w >>> 20 === 0 ? Kind.STRAIGHT : Kind.NONE;
  if (op in I_OPS) return SHIFT_IMM.has(op) && w >>> 21 !== 0 ? Kind.NONE : Kind.STRAIGHT;
  if (op === Op.LUI) return (w & 0xf000) === 0 ? Kind.STRAIGHT : Kind.NONE;
  if (op in MEM_OPS) return Kind.STRAIGHT;
  if (op in B_OPS) return Kind.BRANCH;
  if (op === Op.JAL || op === Op.JALR) return Kind.END;
  return Kind.NONE;
}

// ---- translation ------------------------------------------------------------------------------

const HELPERS = { div, divu, rem, remu, mulh, mulhu, blockMemory };
/** Compiled functions by source text, shared by every machine (bounded: cleared when full). */
const compiled = new Map<string, Block>();
const MAX_COMPILED = 50_000;

/** A block's instructions in the order it runs them: words, physical word indices, byte offsets from the first. */
export interface BlockTrace {
  words: number[];
  pws: number[];
  offs: number[];
}

/**
 * The block starting at physical word index pw0: words in a row, and through a jal whose
 * target lies in the same page (a call or a jump: the block goes on at the target), until one
 * ends it. A jal back to the first word, out of the page, or to a word already in the block
 * ends it (the first loops inside the function).
 */
function blockTrace(mem32: Int32Array, pw0: number): BlockTrace {
  const t: BlockTrace = { words: [], pws: [], offs: [] };
  const first = pw0 & ~1023;
  const seen = new Set<number>();
  let i = pw0;
  let off = 0;
  while (t.words.length < MAX_LEN && i >= first && i < first + 1024 && !seen.has(i)) {
    const w = mem32[i]!;
    const k = kindOf(w);
    if (k === Kind.NONE) break;
    seen.add(i);
    t.words.push(w);
    t.pws.push(i);
    t.offs.push(off);
    if (k === Kind.END) {
      const target = i + (w >> 12);
      if ((w & 0xff) !== Op.JAL || target === pw0 || target < first || target >= first + 1024 || seen.has(target)) break;
      off += 4 * (w >> 12);
      i = target;
      continue;
    }
    i++;
    off += 4;
  }
  return t;
}

/** Whether a branch or the final jal of the block goes back to its first word. */
function loopsBack(t: BlockTrace): boolean {
  return t.words.some((w, k) => ((w & 0xff) in B_OPS && t.offs[k]! + 4 * (w >> 16) === 0) || ((w & 0xff) === Op.JAL && k === t.words.length - 1 && t.offs[k]! + 4 * (w >> 12) === 0));
}

/**
 * Which blocks are compiled. 'loops' (the default): only blocks that loop back to their first
 * instruction. A block that runs once per call is worth a function only once V8 has optimised
 * it, after thousands of calls; until then it runs slower than the fast loop, and compiling
 * it costs time too: measured on the demo and on the kernel's fault path, compiling every
 * block made short runs up to twice as slow and long ones no faster. 'all' compiles every
 * block (the tests use it, to check every kind of block against the plain loop).
 */
export type BlockKinds = 'loops' | 'all';

/** The block starting at physical byte address pa, or null when none is compiled there (see BlockKinds). */
export function compileBlock(mem32: Int32Array, pa: number, costs: BlockCosts, kinds: BlockKinds = 'loops'): Block | null {
  const pw = pa >>> 2;
  const trace = blockTrace(mem32, pw);
  const words = trace.words;
  if (words.length === 0) return null;
  if (kinds === 'loops' && !loopsBack(trace)) return null;
  // The key names everything the source depends on (the words, where they are relative to the
  // first, the costs), and is cheaper to build than the source.
  const key = `${trace.pws.map((x) => x - pw).join(',')} ${words.join(' ')} ${costs.alu} ${costs.mul} ${costs.div} ${costs.load} ${costs.store} ${costs.branch} ${costs.taken} ${costs.jump}`;
  let fn = compiled.get(key);
  if (fn === undefined) {
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    const src = blockSource(trace, costs);
    fn = new Function('H', `"use strict";\nconst { div, divu, rem, remu, mulh, mulhu, blockMemory } = H;\nreturn ${src};`)(HELPERS) as Block;
    compiled.set(key, fn);
  }
  return fn;
}

/** The JavaScript of one block (exported for tests and for reading). */
export function blockSource(trace: BlockTrace, costs: BlockCosts): string {
  const { words, pws, offs } = trace;
  const pw = pws[0]!;
  const len = words.length;
  /** The virtual pc of instruction k (k = len: after the last). */
  const pcOf = (k: number): string => `(pc0 + ${k < len ? offs[k]! : offs[len - 1]! + 4}) | 0`;
  const cost = words.map((w) => costOf(w, costs));
  // before[k]: cycles of instructions 0..k-1 (all fixed: only the last one can be a branch).
  const before: number[] = [0];
  for (let k = 0; k < len; k++) before.push(before[k]! + cost[k]!);
  const pre = before[len - 1]!;

  const regs = new Set<number>();
  const written = new Set<number>();
  let loads = false;
  let stores = false;
  for (const w of words) {
    const op = w & 0xff;
    const a = (w >>> 8) & 15;
    const b = (w >>> 12) & 15;
    const c = (w >>> 16) & 15;
    if (op in R_OPS) use(b, c), def(a);
    else if (op in I_OPS) use(b), def(a);
    else if (op === Op.LUI) def(a);
    else if (op in MEM_OPS) {
      if (op >= Op.SW) (use(a, b), (stores = true));
      else (use(b), def(a), (loads = true));
    } else if (op in B_OPS) use(a, b);
    else if (op === Op.JAL) def(a);
    else if (op === Op.JALR) use(b), def(a);
  }
  function use(...rs: number[]): void {
    for (const r of rs) if (r !== 0) regs.add(r);
  }
  function def(r: number): void {
    if (r !== 0) (regs.add(r), written.add(r));
  }
  const reg = (r: number): string => (r === 0 ? '0' : `x${r}`);

  const last = words[len - 1]!;
  const lastOp = last & 0xff;
  // A branch or jal back to the first word: the block loops inside the function.
  const selfLoop =
    words.some((w, k) => (w & 0xff) in B_OPS && offs[k]! + 4 * (w >> 16) === 0) || (lastOp === Op.JAL && offs[len - 1]! + 4 * (last >> 12) === 0);

  const out: string[] = [];
  const line = (s: string): void => void out.push(s);
  /** Leave after k instructions retired, with pc at instruction k (or `pc`), returning why. */
  // Every exit breaks out to one epilogue, which writes the registers and counters back.
  const exit = (k: number, why: number, pc = pcOf(k), extraCycles = 0, w?: number): string => {
    const parts: string[] = [];
    if (before[k]! + extraCycles !== 0) parts.push(`cyc += ${before[k]! + extraCycles};`);
    if (k !== 0) parts.push(`n += ${k};`);
    parts.push(`pcx = ${pc};`);
    if (why !== BlockExit.DONE) parts.push(`why = ${why};`);
    if (w !== undefined) parts.push(`wd = ${w | 0};`);
    parts.push('break out;');
    return `{ ${parts.join(' ')} }`;
  };

  // p = the physical word index of the first instruction: the code is the same wherever the
  // page sits in RAM (a page of a program swapped back into another frame reuses it).
  line(`function block(st, mem32, mem16, mem16s, mem8, mem8s, R, p, m) {`);
  const at = (k: number): string => (pws[k] === pw ? 'p' : `p + ${pws[k]! - pw}`);
  line(`  if (${words.map((w, k) => `mem32[${at(k)}] !== ${w | 0}`).join(' || ')}) return ${BlockExit.STALE};`);
  line(`  let cyc = st[${BS.CYC}], n = st[${BS.N}];`);
  line(`  const evt = st[${BS.EVT}], stop = st[${BS.STOP}];`);
  line(`  if (cyc + ${pre} >= evt || n + ${len} > stop) return ${BlockExit.NOT_ENTERED};`);
  line(`  const pc0 = st[${BS.PC}];`);
  // own: this block's page (byte address): stores into it must leave the block (so that the
  // next entry checks the words again), and blockMemory is told it.
  if (loads || stores) line(`  const own = (p & ~1023) << 2, kram = st[${BS.KRAM}];`);
  if (loads) line(`  let rN = st[${BS.RN}], rT = st[${BS.RT}], kL = st[${BS.KL}], rVpn = st[${BS.RVPN}], rBase = st[${BS.RBASE}];`);
  if (stores)
    line(`  let wN = st[${BS.WN}], wT = st[${BS.WT}], kS = st[${BS.KS}], wBase = st[${BS.WBASE}], wVpn = wBase === own ? -1 : st[${BS.WVPN}];`);
  if (regs.size > 0) line(`  let ${[...regs].map((r) => `x${r} = mem32[R + ${r}]`).join(', ')};`);
  line(`  let a = 0, why = ${BlockExit.DONE}, pcx = 0, wd = 0${loads || stores ? ', r = 0' : ''};`);
  line(selfLoop ? `  out: for (;;) {` : `  out: {`);

  for (let k = 0; k < len; k++) {
    const w = words[k]!;
    const op = w & 0xff;
    const a = (w >>> 8) & 15;
    const b = (w >>> 12) & 15;
    const c = (w >>> 16) & 15;
    const s = w >> 16;
    const u = w >>> 16;
    const set = (expr: string): void => void (a !== 0 && line(`  x${a} = ${expr};`));
    if (op in R_OPS) {
      set(R_OPS[op]![0].replace(/\bx\b/g, reg(b)).replace(/\by\b/g, reg(c)));
    } else if (op in I_OPS) {
      set(I_OPS[op]!.replace(/\bx\b/g, reg(b)).replace(/\bs\b/g, `(${s})`).replace(/\bu\b/g, `${u}`));
    } else if (op === Op.LUI) {
      set(`${(u << 16) | 0}`);
    } else if (op in MEM_OPS) {
      const [arr, shift, align] = MEM_OPS[op]!;
      const isStore = op >= Op.SW;
      const vpn = isStore ? 'wVpn' : 'rVpn';
      const base = isStore ? 'wBase' : 'rBase';
      line(`  a = (${reg(b)} + ${s}) | 0;`);
      const aligned = align !== 0 ? ` && (a & ${align}) === 0` : '';
      const index = shift === 0 ? `${base} | (a & 4095)` : `(${base} | (a & 4095)) >> ${shift}`;
      const kindex = shift === 0 ? `a & 0x7fffffff` : `(a & 0x7fffffff) >> ${shift}`;
      line(`  if (a >>> 12 === ${vpn}${aligned}) {`);
      if (isStore) line(`    ${arr}[${index}] = ${reg(a)}; wN++; wT = n + ${k};`);
      else line(`    ${a !== 0 ? `x${a} = ` : ''}${arr}[${index}]; rN++; rT = n + ${k};`);
      // The kernel segment, in kernel mode (kram = 0 in user mode); a store into this block's
      // own page leaves through the slow path, so the next entry checks the words again.
      const own = isStore ? ` && (a & 0x7ffff000) !== own` : '';
      line(`  } else if (a < 0 && (a & 0x7fffffff) < kram${aligned}${own}) {`);
      if (isStore) line(`    ${arr}[${kindex}] = ${reg(a)}; kS++;`);
      else line(`    ${a !== 0 ? `x${a} = ` : ''}${arr}[${kindex}]; kL++;`);
      // User space: the common case of a TLB hit or a plain miss (block-translate.ts),
      // which returns the frame; the access and the counts go on here.
      line(`  } else if (a >= 0${aligned}) {`);
      const fold: string[] = [];
      if (loads) fold.push(`st[${BS.RN}] = rN;`, `st[${BS.RT}] = rT;`);
      if (stores) fold.push(`st[${BS.WN}] = wN;`, `st[${BS.WT}] = wT;`);
      line(`    ${fold.join(' ')}`);
      line(`    r = m.${isStore ? 'translateStore' : 'translateLoad'}(st, a, own);`);
      line(`    if (r >= 0) {`);
      const served = shift === 0 ? `r | (a & 4095)` : `(r | (a & 4095)) >> ${shift}`;
      const after0: string[] = [];
      if (isStore) after0.push(`${arr}[${served}] = ${reg(a)};`, `wVpn = a >>> 12; wBase = r;`);
      else after0.push(`${a !== 0 ? `x${a} = ` : ''}${arr}[${served}];`, `rVpn = a >>> 12; rBase = r;`);
      if (loads) after0.push('rN = 0;');
      if (stores) after0.push('wN = 0;');
      after0.push(`cyc += st[${BS.XC}];`);
      line(`      ${after0.join(' ')}`);
      // The translation's cycles may bring the next event inside the rest of the block.
      line(`      if (cyc + ${pre} >= evt) ${exit(k + 1, BlockExit.DONE)}`);
      line(`    } else {`);
      // Else the slow path in place (blockMemory's contract): the registers and counters
      // written back first, the new ones read after it.
      const back = [...written].map((r) => `mem32[R + ${r}] = x${r};`);
      back.push(`st[${BS.CYC}] = cyc + ${before[k]!};`, `st[${BS.N}] = n + ${k};`, `st[${BS.PC}] = ${pcOf(k)};`);
      if (loads) back.push(`st[${BS.RN}] = rN;`, `st[${BS.RT}] = rT;`);
      if (stores) back.push(`st[${BS.WN}] = wN;`, `st[${BS.WT}] = wT;`);
      line(`    ${back.join(' ')}`);
      line(`    r = blockMemory(m, st, ${w | 0}, own);`);
      line(`    if (r === ${BlockMemory.TRAPPED}) { why = ${BlockExit.SYNCED}; break out; }`);
      if (!isStore && a !== 0) line(`    x${a} = mem32[R + ${a}];`);
      const after = [`cyc = st[${BS.CYC}] - ${before[k + 1]!};`, `n = st[${BS.N}] - ${k + 1};`];
      if (loads) after.push(`rN = 0; rVpn = st[${BS.RVPN}]; rBase = st[${BS.RBASE}];`);
      if (stores) after.push(`wN = 0; wBase = st[${BS.WBASE}]; wVpn = wBase === own ? -1 : st[${BS.WVPN}];`);
      line(`    ${after.join(' ')}`);
      // The access's translation cycles may bring the next event inside the rest of the block.
      line(`    if (r !== ${BlockMemory.GO_ON} || cyc + ${pre} >= evt) ${exit(k + 1, BlockExit.DONE)}`);
      line(`    }`);
      line(`  } else { ${exit(k, BlockExit.SLOW_MEMORY, undefined, 0, w)} }`);
    } else if (op in B_OPS) {
      // Taken: leave for the target, or loop when it is the first word. Not taken: go on (a
      // side exit; the block ends here only if this is its last word).
      const cond = B_OPS[op]!.replace('p', reg(a)).replace('q', reg(b));
      const target = offs[k]! + 4 * s;
      line(`  if (${cond}) {`);
      if (target === 0) {
        line(`    cyc += ${before[k]! + costs.taken}; n += ${k + 1};`);
        line(`    if (cyc + ${pre} < evt && n + ${len} <= stop) continue;`);
        line(`    ${exit(0, BlockExit.DONE, 'pc0')}`);
      } else line(`    ${exit(k + 1, BlockExit.DONE, `(pc0 + ${target}) | 0`, costs.taken - costs.branch)}`);
      line(`  }`);
      if (k === len - 1) line(`  ${exit(k + 1, BlockExit.DONE)}`);
    } else if (op === Op.JAL) {
      // Not the last word: the block goes on at the target (blockTrace followed it).
      set(`(pc0 + ${offs[k]! + 4}) | 0`);
      const target = offs[k]! + 4 * (w >> 12);
      if (k < len - 1) continue;
      if (target === 0) {
        line(`  cyc += ${before[k + 1]!}; n += ${k + 1};`);
        line(`  if (cyc + ${pre} < evt && n + ${len} <= stop) continue;`);
        line(`  ${exit(0, BlockExit.DONE, 'pc0')}`);
      } else line(`  ${exit(k + 1, BlockExit.DONE, `(pc0 + ${target}) | 0`)}`);
    } else if (op === Op.JALR) {
      line(`  a = (${reg(b)} + ${s}) | 0;`);
      line(`  if ((a & 3) !== 0) { ${exit(k, BlockExit.SLOW_EXEC, undefined, 0, w)} }`);
      set(`(pc0 + ${offs[k]! + 4}) | 0`);
      line(`  ${exit(k + 1, BlockExit.DONE, 'a')}`);
    } else {
      throw new Error(`blockSource: word 0x${(w >>> 0).toString(16)} cannot be in a block (an emulator bug)`);
    }
  }
  // A block that ends without a jump (before an instruction it cannot hold, at the page end or
  // at MAX_LEN) falls through to the next word.
  if (kindOf(last) === Kind.STRAIGHT) line(`  ${exit(len, BlockExit.DONE)}`);
  line(`  }`);
  const back = [...written].map((r) => `mem32[R + ${r}] = x${r};`);
  back.push(`st[${BS.CYC}] = cyc;`, `st[${BS.N}] = n;`);
  if (loads) back.push(`st[${BS.RN}] = rN;`, `st[${BS.RT}] = rT;`, `st[${BS.KL}] = kL;`);
  if (stores) back.push(`st[${BS.WN}] = wN;`, `st[${BS.WT}] = wT;`, `st[${BS.KS}] = kS;`);
  back.push(`st[${BS.PC}] = pcx;`, `st[${BS.W}] = wd;`);
  line(`  ${back.join(' ')}`);
  line(`  return why;`);
  line(`}`);
  return out.join('\n');
}

function costOf(w: number, c: BlockCosts): number {
  const op = w & 0xff;
  if (op in R_OPS) return c[R_OPS[op]![1]];
  if (op in I_OPS || op === Op.LUI) return c.alu;
  if (op in MEM_OPS) return op >= Op.SW ? c.store : c.load;
  if (op in B_OPS) return c.branch;
  return c.jump;
}
