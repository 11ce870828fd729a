// The interpreter's warm-up: small built-in programs run once per process, before the first
// real run, so that V8 compiles the fast loop (cpu.ts) with type feedback for every fast case
// and every way into and out of a pass, and the block dispatch with it.
//
// Why: without it, V8 compiles the loop while it runs its first long pass (on-stack
// replacement), before the code after the loop has ever run with feedback; that compiled loop
// then bails out at every path it has not seen (a device access, a block that leaves early, a
// user-mode cache hit), and each recompilation of the loop costs tens of milliseconds —
// which made benchmark figures vary by 2x between runs and made short runs slow.
//
// Three programs, each run in short budgets (about 20,000 instructions in all, a few tens of
// milliseconds):
// - kernel mode, no TLB: every opcode the fast loop handles (each branch both taken and not),
//   direct kernel-segment loads and stores over two pages, csrr and csrw of a scratch register,
//   a monitor-device store, rdcycle; its page gets hot, so its blocks are compiled, entered,
//   refused at the budget's end, and found stale once the host rewrites a word;
// - user mode, paging on, a 4-entry TLB: the same mix over two data pages, so the loop's
//   translation caches hit and miss and blocks leave for the slow path;
// - user mode, a compiled loop whose accesses change page, miss the TLB and fault in the
//   block (step.ts's blockTranslate, and blockMemory where it declines).


import { Csr, Status } from '../arch/csr.ts';
import { BY_MNEMONIC, INSTRUCTIONS, encode } from '../arch/isa.ts';
import { Dev, KSEG_BASE, MonitorReg } from '../arch/memmap.ts';
import { DEFAULT_LEVELS, GEOMETRIES, PAGE_SHIFT, PAGE_SIZE, Pte, makePte } from '../arch/pte.ts';
import { DEFAULT_TIMING } from '../arch/timing.ts';
import { HOT_ENTRY, HOT_PAGE } from './blocks.ts';
import { Machine } from './machine.ts';

type Fields = Partial<Record<'rd' | 'rs1' | 'rs2' | 'imm', number>>;

function word(mnemonic: string, f: Fields = {}): number {
  return encode(BY_MNEMONIC.get(mnemonic)!, { rd: 0, rs1: 0, rs2: 0, imm: 0, ...f }) | 0;
}

/**
 * The loop both programs run. r6 holds a data page's address; `toggle` (xori r6, r6, toggle)
 * moves it to the other page each iteration. `kernel` adds what only kernel mode may do.
 */
/** Where loopProgram puts the tight loop's first word, after `setup` words. */
const inner = (setup: number): number => setup + 2;
/** What the host writes over it: the same step, another word (r10 = 1). */
const INNER_REWRITTEN = (): number => word('sub', { rd: 9, rs1: 9, rs2: 10 });

function loopProgram(setup: number[], toggle: number, kernel: boolean): number[] {
  const prog = [...setup, word('addi', { rd: 10, imm: 1 })];
  const loop = prog.length;
  // A tight loop, which becomes a block that loops inside itself (INNER: its first word).
  prog.push(word('addi', { rd: 9, imm: 3 }), word('addi', { rd: 9, rs1: 9, imm: -1 }), word('bne', { rs1: 9, rs2: 0, imm: -1 }));
  // r7 toggles 0/1, so that each branch below is taken in some iterations and not in others.
  prog.push(word('addi', { rd: 1, rs1: 1, imm: 7 }), word('addi', { rd: 2, rs1: 2, imm: -3 }), word('xori', { rd: 7, rs1: 7, imm: 1 }));
  for (const d of INSTRUCTIONS) {
    if (d.format === 'R') prog.push(word(d.mnemonic, { rd: 3, rs1: 1, rs2: 2 }));
    else if (d.format === 'I' && d.mnemonic !== 'jalr') prog.push(word(d.mnemonic, { rd: 3, rs1: 1, imm: d.imm === 'shamt' ? 3 : 5 }));
    else if (d.format === 'U') prog.push(word(d.mnemonic, { rd: 3, imm: 5 }));
    else if (d.format === 'L') prog.push(word(d.mnemonic, { rd: 3, rs1: 6, imm: 8 }));
    else if (d.format === 'S') prog.push(word(d.mnemonic, { rs2: 1, rs1: 6, imm: 12 }));
    else if (d.format === 'B') prog.push(word(d.mnemonic, { rs1: 7, rs2: 0, imm: 1 }), word(d.mnemonic, { rs1: 0, rs2: 7, imm: 1 }));
  }
  prog.push(word('jal', { rd: 15, imm: 1 }), word('jalr', { rd: 0, rs1: 15, imm: 4 }), word('rdcycle', { rd: 4 }));
  if (kernel) {
    prog.push(
      word('csrr', { rd: 5, imm: Csr.SCRATCH0 }),
      word('csrw', { rs1: 1, imm: Csr.SCRATCH1 }),
      word('sw', { rs2: 1, rs1: 8, imm: MonitorReg.ARG0 }),
    );
  }
  prog.push(word('xori', { rd: 6, rs1: 6, imm: toggle }));
  prog.push(word('jal', { rd: 0, imm: loop - prog.length }));
  return prog;
}

/**
 * Run in short budgets, the host rewriting a word on the way (blocks holding it go stale). The
 * code page starts cold; after a few runs it is made hot if it is not yet, each entry a few
 * visits from compiling, so that the block paths are trained whatever the thresholds.
 */
function run(m: Machine, codePage: number, rewrite: () => void, pieces = 200): void {
  for (let i = 0; i < pieces && m.stopInfo === null; i++) {
    m.run(25 + (i % 50));
    if (i === 10 && m.code[codePage] === undefined) {
      m.heat[codePage] = HOT_PAGE;
      m.code[codePage] = new Array<number>(1024).fill(Math.max(0, HOT_ENTRY - 4));
    }
    if (i === 120) rewrite();
  }
  if (m.stopInfo !== null) throw new Error(`the interpreter's warm-up program stopped: ${m.stopInfo.message}`);
}

export function warmUp(): void {
  const config = { ramBytes: 8 * PAGE_SIZE, geometry: GEOMETRIES[DEFAULT_LEVELS], tlbSplit: false, timing: DEFAULT_TIMING, seed: 1, maxCycles: 0, disk: null, checkTlb: false };
  const io = { consoleOut() {} };

  // Kernel mode: code at PA 0, data at PA 0x1000 and 0x2000, r8 = the monitor's registers.
  {
    const m = new Machine({ ...config, tlb: null }, io);
    const setup = [
      word('lui', { rd: 6, imm: KSEG_BASE >>> 16 }),
      word('ori', { rd: 6, rs1: 6, imm: PAGE_SIZE }),
      word('lui', { rd: 8, imm: (KSEG_BASE + Dev.MONITOR) >>> 16 }),
    ];
    const prog = loopProgram(setup, 3 * PAGE_SIZE, true);
    prog.forEach((w, i) => (m.mem32[i] = w));
    m.pc = KSEG_BASE;
    // The host rewrites a word: the blocks holding it are stale.
    run(m, 0, () => (m.mem32[inner(setup.length)] = INNER_REWRITTEN()));
  }

  // User mode: code at VA 0 (PA 0x3000), data at VA 0x1000 and 0x2000 (PA 0x4000, 0x5000),
  // two-level tables at PA 0x1000 (root) and 0x2000.
  {
    const m = new Machine({ ...config, tlb: { entries: 4, ways: 4, policy: 'lru', seed: 1 } }, io);
    const root = 0x1000;
    const leaf = 0x2000;
    m.mem32[root >>> 2] = makePte(leaf >>> PAGE_SHIFT, Pte.V) | 0;
    const map = (vpn: number, pa: number, flags: number): void => void (m.mem32[(leaf >>> 2) + vpn] = makePte(pa >>> PAGE_SHIFT, Pte.V | Pte.U | flags) | 0);
    map(0, 0x3000, Pte.R | Pte.X);
    map(1, 0x4000, Pte.R | Pte.W);
    map(2, 0x5000, Pte.R | Pte.W);
    m.mmu.ptbr = root;
    m.mmu.asid = 1;
    m.setStatus(Status.UM);
    const setup = [word('ori', { rd: 6, rs1: 0, imm: PAGE_SIZE })];
    const prog = loopProgram(setup, 3 * PAGE_SIZE, false);
    prog.forEach((w, i) => (m.mem32[(0x3000 >>> 2) + i] = w));
    m.pc = 0;
    run(m, 3, () => (m.mem32[(0x3000 >>> 2) + inner(setup.length)] = INNER_REWRITTEN()));
  }

  // User mode, a compiled loop whose loads and stores change page every iteration (blocks.ts
  // serves them in place through step.ts's blockTranslate and blockMemory): VA pages 1-6 map to two frames, page
  // 0 is the loop's own code (its store takes a protection fault), page 7 is unmapped (page
  // faults); a kernel handler at PA 0 skips the faulting instruction. A one-way 2-entry TLB, so
  // data pages evict the code page's entry half the time.
  {
    const m = new Machine({ ...config, tlb: { entries: 2, ways: 1, policy: 'lru', seed: 1 } }, io);
    const root = 0x1000;
    const leaf = 0x2000;
    m.mem32[root >>> 2] = makePte(leaf >>> PAGE_SHIFT, Pte.V) | 0;
    const map = (vpn: number, pa: number, flags: number): void => void (m.mem32[(leaf >>> 2) + vpn] = makePte(pa >>> PAGE_SHIFT, Pte.V | Pte.U | flags) | 0);
    map(0, 0x3000, Pte.R | Pte.X);
    for (let vpn = 1; vpn <= 6; vpn++) map(vpn, vpn % 2 === 0 ? 0x4000 : 0x5000, Pte.R | Pte.W);
    const handler = [word('csrr', { rd: 5, imm: Csr.EPC }), word('addi', { rd: 5, rs1: 5, imm: 4 }), word('csrw', { rs1: 5, imm: Csr.EPC }), word('eret')];
    handler.forEach((w, i) => (m.mem32[i] = w));
    m.writeCsr(Csr.TVEC, KSEG_BASE);
    const prog = [
      word('lw', { rd: 3, rs1: 6 }),
      word('sw', { rs2: 3, rs1: 6, imm: 4 }),
      word('addi', { rd: 6, rs1: 6, imm: PAGE_SIZE }),
      word('andi', { rd: 6, rs1: 6, imm: 7 * PAGE_SIZE }),
      word('jal', { imm: -4 }),
    ];
    prog.forEach((w, i) => (m.mem32[(0x3000 >>> 2) + i] = w));
    m.mmu.ptbr = root;
    m.mmu.asid = 1;
    m.setStatus(Status.UM);
    m.pc = 0;
    // Fewer pieces: its traps and misses run in V8's interpreter here (everything is cold),
    // and 40 pieces train every path (200 cost 80 ms).
    run(m, 3, () => {}, 40);
  }
}
