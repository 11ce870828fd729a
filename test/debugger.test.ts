// `vmlab debug`: scripted sessions on a bare program and on hello.s under the kernel, the
// guarantees behind them (looking changes nothing; stepping gives the same counts as `vmlab
// run`), the peek walk against the reference walk, and the command line.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GEOMETRIES, PAGE_SIZE, Pte, makePte, type Geometry } from '../src/arch/pte.ts';
import { Access, Cause } from '../src/arch/traps.ts';
import { runScript } from '../src/cli/debug.ts';
import { runCommand, type RunOptions } from '../src/cli/run.ts';
import { loadKernel } from '../src/os/boot.ts';
import { referenceWalk } from '../src/machine/mmu/walk-reference.ts';
import { peekWalk, scanTables, flagLetters, notPresentText } from '../src/study/debug-memory.ts';
import { Debugger, parseFaultSpec, type DebugIO } from '../src/study/debugger.ts';
import { Prng } from '../src/util/prng.ts';

const LONG = process.env.VMLAB_LONG === '1';
/** trap_entry's address in the default kernel, as the debugger prints it (the kernel's layout may change). */
const TRAP_ENTRY = (() => {
  const s = loadKernel().symbols.find((x) => x.name === 'trap_entry');
  if (s === undefined) throw new Error('the kernel has no trap_entry');
  return `0x${(s.value >>> 0).toString(16).padStart(8, '0')}`;
})();
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const ex = (name: string) => path.join('asm/examples', name);
const dir = mkdtempSync(path.join(tmpdir(), 'vmlab-debug-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// Programs are named relative to the package root, where the tests run (so messages show asm/...).
if (path.resolve(process.cwd()) !== root) throw new Error(`run the tests from ${root}`);

interface Session {
  /** Everything in order: banner, echoed commands, output, errors, console bytes. */
  text: string;
  /** Only the error lines. */
  errors: string[];
  status: number;
  dbg: Debugger;
  /** The output of the n-th (0-based) command that starts with `cmd`. */
  after(cmd: string, n?: number): string;
}

async function session(files: string[], script: string, opts: RunOptions = {}): Promise<Session> {
  const parts: string[] = [];
  const errors: string[] = [];
  const io: DebugIO = {
    out: (t) => void parts.push(t),
    err: (t) => {
      parts.push(t);
      errors.push(...t.split('\n').filter((l) => l !== ''));
    },
    console: (b) => void parts.push(Buffer.from(b).toString('latin1')),
  };
  const dbg = Debugger.boot(files, opts, io);
  io.out(`${dbg.banner()}\n`);
  const status = await runScript(dbg, script.trim().split('\n'), io);
  dbg.finish();
  const text = parts.join('');
  return {
    text,
    errors,
    status,
    dbg,
    after(cmd: string, n = 0) {
      const chunks = text.split('(vmlab) ').slice(1).filter((c) => c.startsWith(cmd));
      const c = chunks[n];
      if (c === undefined) throw new Error(`no command '${cmd}' #${n} in the transcript:\n${text}`);
      return c.slice(c.indexOf('\n') + 1);
    },
  };
}

describe('a session on a bare program (bare-sum.s)', () => {
  it('breaks at a label, continues, shows registers, steps, disassembles, and reports bad commands in one line', async () => {
    const s = await session(
      [ex('bare-sum.s')],
      `
      b .loop
      c
      regs
      s
      s 2
      d
      x sp 4
      until +50
      frobnicate
      s 0
      b nosuch
      x
      walk 0x1000
      frames
      delete all
      c
      c
      regs
      q
      `,
    );
    expect(s.text).toMatch(/^vmlab debug: bare-sum\.s, bare; stopped before the first instruction/);
    expect(s.after('b .loop')).toMatch(/^breakpoint 1 at 0x80000010  <_start\.loop>  asm\/examples\/bare-sum\.s:18\n/);
    const hit = s.after('c');
    expect(hit).toMatch(/^breakpoint 1 \(\.loop\)\nat 0x80000010  <_start\.loop>/);
    expect(hit).toContain('=> 80000010:  000baa01  add     s0, s0, s1');
    // At the first pass through .loop: s0 = 0, s1 = 1, s2 = 100.
    const regs = s.after('regs');
    expect(regs).toMatch(/^pc        0x80000010  <_start\.loop>  asm\/examples\/bare-sum\.s:18$/m);
    expect(regs).toMatch(/r11 s1    0x00000001            1/);
    expect(regs).toMatch(/r12 s2    0x00000064          100/);
    expect(regs).toMatch(/^mode      kernel, interrupts off$/m);
    expect(regs).toMatch(/^cause     0x00000000  none yet$/m);
    expect(s.after('s\n')).toContain('=> 80000014:');
    // addi, then the branch back: the second step lands on the breakpoint.
    expect(s.after('s 2')).toMatch(/^breakpoint 1 \(\.loop\)/);
    const d = s.after('d');
    expect(d).toContain('_start.loop:');
    expect(d).toContain('asm/examples/bare-sum.s:18  .loop:  add   s0, s0, s1');
    expect(d).toMatch(/^=>\* 80000010:/m); // pc and a breakpoint
    expect(s.after('x sp 4')).toMatch(/^0x80100000 \(kernel segment, physical 0x00100000\):\n  80100000:  00000000 00000000 00000000 00000000/);
    expect(s.after('until +50')).toMatch(/cycle \d/);
    // Each bad command: one line, and the session goes on.
    expect(s.errors).toEqual([
      "error: unknown command 'frobnicate' ('help' lists the commands)",
      "error: step: '0' is not a positive count",
      "error: no label 'nosuch' in bare-sum.s",
      'error: mem: which address? (mem 0x2000 [N], mem p:0x1000 for physical)',
      'error: no page tables: PTBR is 0 (this program has not set up paging)',
      'error: the machine has stopped (halt): nothing more to run',
    ]);
    expect(s.after('frames')).toContain('no user frame pool');
    expect(s.after('c', 1)).toContain('sum of 1..100 = 5050\n');
    expect(s.after('c', 1)).toContain('the machine stopped: halted with exit status 0');
    expect(s.after('regs', 1)).toMatch(/^cycles    784  \(instructions retired 453\)$/m); // as vmlab run --stats says
    expect(s.status).toBe(1);
  });
});

describe('a session on hello.s under the kernel', () => {
  it('breaks in the process, walks its pages, shows its tables, frames and TLB, and stops at its page fault', async () => {
    const s = await session(
      [ex('hello.s')],
      `
      break hello:_start
      continue
      regs
      continue
      step
      walk 0x1148
      pt
      frames
      tlb
      disasm
      break fault
      continue
      regs
      ps
      quit
      breaks
      `,
    );
    expect(s.errors).toEqual([]);
    expect(s.status).toBe(0);
    expect(s.after('break hello:_start')).toBe('breakpoint 1 at 0x00001148  <_start>  asm/examples/hello.s:12  in pid 1 (hello.s)\n');
    const hit = s.after('continue');
    expect(hit).toMatch(/^breakpoint 1 \(hello:_start\)\nat 0x00001148  <_start>  asm\/examples\/hello\.s:12;  pid 1 \(hello\.s\), user mode, cycle /);
    expect(hit).toContain('asm/examples/hello.s:12  mv   s0, a0');
    const regs = s.after('regs');
    expect(regs).toMatch(/^pc        0x00001148  <_start>  asm\/examples\/hello\.s:12$/m);
    expect(regs).toMatch(/^mode      user, pid 1 \(hello\.s\), interrupts on$/m);
    expect(regs).toMatch(/r1  a0    0x00000001            1/); // a0 = pid at entry
    expect(regs).toMatch(/r14 sp    0x80000000  -2147483648/);
    expect(regs).toMatch(/^status    0x0000000f  IE UM PIE PUM$/m);
    expect(regs).toMatch(/^asid      1  pid 1 \(hello\.s\)$/m);
    expect(regs).toMatch(new RegExp(`^tvec      ${TRAP_ENTRY}  <trap_entry>`, 'm'));
    // The text page is not in yet: the first fetch faults, the kernel brings the page in, and
    // the process comes back to the same instruction.
    expect(hit).toContain('=> 00001148:  00001a18  addi    s0, a0, 0  (not in memory yet: from the executable)');
    expect(s.after('continue', 1)).toMatch(/^breakpoint 1 \(hello:_start\)\n/);
    expect(s.after('continue', 1)).toContain('=> 00001148:  00001a18  addi    s0, a0, 0\n');
    expect(s.after('step')).toMatch(/^at 0x0000114c  <_start\+0x4>  asm\/examples\/hello\.s:13;/);

    // The step fetched from the text page: the walk set A, and the TLB caches it.
    const walk = s.after('walk 0x1148');
    expect(walk).toMatch(/^walk of 0x00001148 in pid 1 \(hello\.s\): root table 0x[0-9a-f]{8}, 2 levels \(10\+10 index bits\)/);
    expect(walk).toMatch(/^\s+0\s+0\s+0x[0-9a-f]{8}\s+0x[0-9a-f]{8}\s+0x00000000-0x003fffff\s+table at 0x/m);
    const leaf = /^\s+1\s+1\s+0x[0-9a-f]{8}\s+0x[0-9a-f]{8}\s+0x00001000\s+frame (0x[0-9a-f]{5})  R-XU-A-$/m.exec(walk);
    expect(leaf, walk).not.toBeNull();
    const frame = leaf![1]!;
    expect(walk).toContain(`=> physical 0x${frame.slice(2).padStart(5, '0')}148 (frame ${frame}, offset 0x148)`);
    const pt = s.after('pt');
    expect(pt).toMatch(/^  0x00000000-0x003fffff  table at 0x/m);
    expect(pt).toMatch(new RegExp(`^    0x00001000\\s+1 page\\s+frame ${frame}\\s+R-XU-A-$`, 'm'));
    expect(pt).toContain('1 page present (1 accessed, 0 dirty), 0 swapped out, 1 table below the root');
    const frames = s.after('frames');
    expect(frames).toMatch(/^user frames: 64 \(pfn 0x[0-9a-f]{5}-0x[0-9a-f]{5}, physical .*\): 1 in use, 63 free$/m);
    expect(frames).toMatch(new RegExp(`^\\s+0  ${frame}\\s+pid 1 \\(hello\\.s\\)\\s+0x00001000\\s+R-XU-\\s+yes\\s+no$`, 'm'));
    expect(frames).toMatch(/^\s+1-63  0x[0-9a-f]{5}-0x[0-9a-f]{5}\s+free \(63 frames\)$/m);
    const tlb = s.after('tlb');
    expect(tlb).toMatch(/^TLB: 64 entries, fully associative \(1 set of 64\), lru; 1 valid$/m);
    expect(tlb).toMatch(new RegExp(`^\\s+0\\s+0\\s+0  0x00001  0x00001000\\s+1  hello\\.s  ${frame}  R-XU-A-$`, 'm'));
    const d = s.after('disasm');
    expect(d).toContain('asm/examples/hello.s:13  la   a0, greeting');
    expect(d).toMatch(/^=>\s+0000114c:  [0-9a-f]{8}  lui     a0, 0$/m);
    expect(d).toMatch(/^  \* 00001148:  [0-9a-f]{8}  addi    s0, a0, 0$/m);

    // The next fault: print_str reads the greeting, whose page is not there yet.
    expect(s.after('break fault')).toBe('breakpoint 2: stop when a trap is taken for any fault (every exception but syscall)\n');
    const fault = s.after('continue', 2);
    expect(fault).toMatch(/^breakpoint 2: load page fault \(2\) in pid 1 \(hello\.s\) at 0x00001044  <print_str\.len\+0x4>  asm\/lib\/user\.s:\d+, badvaddr 0x00002000$/m);
    expect(fault).toContain('cause 2 (load page fault), epc 0x00001044, badvaddr 0x00002000; now in the trap handler');
    expect(fault).toMatch(new RegExp(`^at ${TRAP_ENTRY}  <trap_entry>`, 'm'));
    const regs2 = s.after('regs', 1);
    expect(regs2).toMatch(/^cause     0x00000002  load page fault$/m);
    expect(regs2).toMatch(/^badvaddr  0x00002000$/m);
    expect(regs2).toMatch(/^epc       0x00001044  <print_str\.len\+0x4>  asm\/lib\/user\.s:\d+$/m);
    expect(regs2).toMatch(/^status    0x0000001c  PIE PUM EXL$/m);
    expect(regs2).toMatch(/^mode      kernel, pid 1 \(hello\.s\), interrupts off$/m);
    expect(s.after('ps')).toMatch(/^ \*1  hello\.s  running\s+0x[0-9a-f]{8}\s+1\s+2\s*$/m);
    // quit ends the session: nothing after it runs.
    expect(s.text).not.toContain('(vmlab) breaks');
  });

  it('knows labels, files and addresses in every program, and says which is meant', async () => {
    const s = await session(
      [ex('hello.s'), ex('segfault.s')],
      `
      b 0x1000
      b segfault.s:16
      b user.s:46
      b 2:print_str
      b kernel:trap_entry
      mem _start
      mem segfault:message 4
      b fault:store_page_fault
      b fault:bogus
      b 3:_start
      b hello.s:999
      delete 3
      delete 3
      breaks
      c
      c
      delete all
      b segfault.s:15
      c
      mem segfault:message 4
      `,
      { frames: 4 },
    );
    expect(s.after('b 0x1000')).toMatch(/^breakpoint 1: 2 locations\n  0x00001000  <exit>  asm\/lib\/user\.s:\d+  in pid 1 \(hello\.s\)\n  0x00001000  <exit>  asm\/lib\/user\.s:\d+  in pid 2 \(segfault\.s\)\n$/);
    expect(s.after('b segfault.s:16')).toMatch(/^breakpoint 2 at 0x[0-9a-f]{8}  <_start\+0x[0-9a-f]+>  asm\/examples\/segfault\.s:16  in pid 2 \(segfault\.s\)\n$/);
    expect(s.after('b user.s:46')).toMatch(/^breakpoint 3: 2 locations/);
    expect(s.after('b 2:print_str')).toMatch(/^breakpoint 4 at 0x[0-9a-f]{8}  <print_str>  .*  in pid 2 \(segfault\.s\)\n$/);
    expect(s.after('b kernel:trap_entry')).toMatch(new RegExp(`^breakpoint 5 at ${TRAP_ENTRY}  <trap_entry>  asm/kernel/trap\\.s:\\d+\n$`));
    expect(s.after('b fault:store_page_fault')).toBe('breakpoint 6: stop when a trap is taken for store page fault\n');
    expect(s.errors).toEqual([
      "error: '_start' is ambiguous: kernel:_start = 0x80000000, hello:_start = 0x00001148, segfault:_start = 0x00001148",
      'error: pid 2 (segfault.s) has not started yet: it has no page tables',
      expect.stringMatching(/^error: unknown cause 'bogus' \(expected a cause number, page_fault, protection, misaligned, interrupt, or one of fetch_page_fault, .*\)$/),
      "error: no program or process '3' (there are: kernel, hello (pid 1), segfault (pid 2))",
      'error: no instruction at or after hello.s:999',
      "error: delete: no breakpoint 3 ('breaks' lists them)",
    ]);
    expect(s.after('breaks')).toMatch(/^#  breakpoint/);
    expect(s.after('breaks')).not.toMatch(/^3 /m);
    // First stop: the kernel's trap entry (the first user fetch faults).
    expect(s.after('c')).toMatch(/^breakpoint 5 \(kernel:trap_entry\)/);
    expect(s.after('c', 1)).toMatch(/^breakpoint 5 \(kernel:trap_entry\)/);
    // Once pid 2 has run, its data page can be read through its own tables.
    expect(s.after('mem segfault:message 4', 1)).toMatch(/^0x00002000  <message>  asm\/examples\/segfault\.s:\d+ in pid 2 \(segfault\.s\):\n  00002000:  756f6261 6f742074 6f747320 74206572  \|about to store t\|\n  page 0x00002000 -> frame 0x[0-9a-f]{5}\n$/);
    expect(s.status).toBe(1);
  });

  it('stops at the store through a null pointer in segfault.s, and the kernel then ends only that process', async () => {
    const s = await session(
      [ex('segfault.s'), ex('hello.s')],
      `
      b fault:store_page_fault
      c
      regs
      delete all
      c
      ps
      `,
    );
    expect(s.after('c')).toMatch(/^breakpoint 1: store page fault \(3\) in pid 1 \(segfault\.s\) at 0x[0-9a-f]{8}  <_start\+0x[0-9a-f]+>  asm\/examples\/segfault\.s:16, badvaddr 0x00000000$/m);
    expect(s.after('regs')).toMatch(/^cause     0x00000003  store page fault$/m);
    expect(s.after('regs')).toMatch(/^badvaddr  0x00000000$/m);
    expect(s.text).toContain('vmlab: process 1 (segfault.s) killed: store to 0x00000000 outside every region');
    expect(s.after('c', 1)).toContain('the machine stopped: halted with exit status 1');
    const ps = s.after('ps');
    expect(ps).toMatch(/^\s+1  segfault\.s  killed\s+0x[0-9a-f]{8}\s+\d+  store to 0x00000000 outside every region/m);
    expect(ps).toMatch(/^\s+\*?2  hello\.s\s+exited\s+0  0x[0-9a-f]{8}/m);
  });

  it('shows swapped-out pages, frames of several processes, and a set-associative TLB', async () => {
    const s = await session([ex('thrash.s'), ex('hello.s')], 'until 3000000\npt 1\nframes\ntlb\nwalk 2:0x3000', { frames: 6, tlb: 8, tlbWays: 2 });
    expect(s.errors).toEqual([]);
    expect(s.after('pt 1')).toMatch(/^    0x[0-9a-f]{8}-0x[0-9a-f]{8}\s+\d+ pages\s+not present, swapped: slots \d+-\d+$/m);
    expect(s.after('pt 1')).toMatch(/^\d+ pages present \(\d+ accessed, \d+ dirty\), \d+ swapped out, 1 table below the root$/m);
    expect(s.after('frames')).toMatch(/^user frames: 6 /m);
    expect(s.after('frames')).toMatch(/pid 1 \(thrash\.s\)\s+0x[0-9a-f]{8}\s+RW-U-\s+yes\s+yes/);
    expect(s.after('tlb')).toMatch(/^TLB: 8 entries, 2-way set associative \(4 sets of 2\), lru; \d valid$/m);
    expect(s.after('walk 2:0x3000')).toMatch(/not present \(never loaded: from its region\)\n  => no translation: an access here takes a page fault\n$/);
  });
});

describe('the debugger changes nothing by looking', () => {
  it('leaves RAM, registers, the TLB, the counts and the devices as they were', async () => {
    const input = path.join(dir, 'input.txt');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(input, 'xyz');
    const s = await session([ex('hello.s')], 'b fault:load_page_fault\nc\ns 200', { input, frames: 4 });
    const m = s.dbg.m;
    const ram = m.mem8.slice();
    const regs = m.regs.slice();
    const state = () => JSON.stringify([m.pc, m.cycles, m.instret, m.status, m.cause, m.epc, m.badvaddr, m.stats(), m.mmu.itlb!.snapshot(), m.ip(), m.nextEvent]);
    const before = state();
    const looks = [
      'regs', 'tlb', 'walk 0x1148', 'walk 0x2000', 'walk 0x7ffffffc', 'pt', 'pt 1', 'frames', 'ps', 'mem 0x1148 16', 'mem greeting',
      'mem p:0x0 64', 'mem 0xfff00004 2', 'mem 0xfff02000 8', 'disasm', 'disasm 0x1000 30', 'disasm kernel:trap_entry', 'stats', 'breaks', 'help',
    ];
    for (const cmd of looks) expect(await s.dbg.execute(cmd), cmd).toBe('ok');
    expect(Buffer.from(m.mem8).equals(Buffer.from(ram))).toBe(true);
    expect(m.regs).toEqual(regs);
    expect(state()).toBe(before);
    // The console's RX register, peeked twice, still offers the first input byte.
    const text: string[] = [];
    const io = { out: (t: string) => void text.push(t), err: (t: string) => void text.push(t), console: () => {} };
    const d2 = Debugger.boot([ex('bare-sum.s')], { input }, io);
    await d2.execute('x 0xfff00004 1');
    await d2.execute('x 0xfff00004 1');
    expect(text.join('')).toMatch(/fff00004:  00000078.*\n[^]*fff00004:  00000078/);
  });
});

describe('stepping gives the counts of a plain run', () => {
  const FIELDS = ['cycles', 'instructions', 'userCycles', 'kernelCycles', 'idleCycles', 'fetches', 'loads', 'stores', 'translationCycles', 'tlb', 'walks', 'pteReads', 'pteWrites', 'traps', 'pageFaultsByAsid', 'disk', 'console', 'stop'] as const;
  const pick = (s: Record<string, unknown>) => Object.fromEntries(FIELDS.map((k) => [k, s[k]]));

  async function compare(files: string[], opts: RunOptions, script: string): Promise<void> {
    const json = path.join(dir, 'stats.json');
    runCommand(files, { ...opts, statsJson: json }, { out: () => {}, err: () => {} });
    const run = JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown>;
    const s = await session(files, script, opts);
    expect(s.text).toContain('the machine stopped');
    expect(pick(JSON.parse(JSON.stringify(s.dbg.stats())) as Record<string, unknown>)).toEqual(pick(run));
  }

  it('single-stepped to the end (two processes, timer interrupts, evictions, a kill)', async () => {
    await compare([ex('hello.s'), ex('segfault.s')], { quantum: 200, frames: 5, tlb: 4, tlbWays: 2, diskLatency: 3000 }, 'b fault:illegal_instruction\nc');
  });

  it('mixing steps, breakpoints and full-speed runs (split random TLB)', async () => {
    await compare(
      [ex('hello.s'), ex('hello.s')],
      { quantum: 700, frames: 4, tlb: 8, tlbSplit: true, tlbPolicy: 'random', seed: 7 },
      's 3000\nb kernel:trap_entry\nc\nc\ns 5\nregs\ntlb\nuntil +20000\ndelete all\nc',
    );
  });

  it('on a bare program', async () => {
    await compare([ex('bare-fib.s')], {}, 'b fault\ns 17\nc');
  });
});

// ---- the peek walk and the table scan, against the reference walk -----------------------------

/** RAM of `pages` pages of random PTEs: not present, pointers and leaves, mostly inside RAM. */
function randomRam(rng: Prng, pages: number): Int32Array {
  const mem = new Int32Array((pages * PAGE_SIZE) / 4);
  for (let i = 0; i < mem.length; i++) {
    const kind = rng.below(10);
    if (kind < 3) mem[i] = rng.below(3) === 0 ? 0 : rng.nextU32() & ~Pte.V;
    else if (kind < 6) mem[i] = makePte(rng.below(8) === 0 ? rng.below(0x100000) : rng.below(pages + 2), Pte.V | (rng.nextU32() & (Pte.U | Pte.A | Pte.D)));
    else {
      let flags = Pte.V | (rng.nextU32() & 0xffe);
      if ((flags & (Pte.R | Pte.W | Pte.X)) === 0) flags |= Pte.W;
      mem[i] = makePte(rng.below(4) === 0 ? rng.below(0x100000) : (rng.below(4) << rng.below(20)) & 0xfffff, flags);
    }
  }
  return mem;
}

function randomVa(rng: Prng, g: Geometry): number {
  let va = 0;
  let below = 32;
  for (const bits of g) {
    below -= bits;
    va += (rng.below(2) === 0 ? rng.below(4) : rng.below(2 ** bits)) * 2 ** below;
  }
  return (va + rng.below(PAGE_SIZE)) >>> 0;
}

const GEOS: Geometry[] = [GEOMETRIES[2], GEOMETRIES[3], GEOMETRIES[4], [12, 8], [5, 5, 5, 5], [1, 19]];

describe('peekWalk', () => {
  it('reads what the reference walk reads and ends where it does, changing nothing', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(...GEOS), fc.integer({ min: 2, max: 16 }), (seed, g, pages) => {
        const rng = new Prng(seed);
        const mem = randomRam(rng, pages);
        const copy = mem.slice();
        const rootPa = rng.below(6) === 0 ? rng.nextU32() : rng.below(pages) * PAGE_SIZE + rng.below(PAGE_SIZE);
        for (let n = 0; n < 100; n++) {
          const va = randomVa(rng, g);
          const w = peekWalk(mem, g, rootPa, va);
          const ref = referenceWalk(mem, g, rootPa, va, Access.LOAD, false);
          const e = w.end;
          seen.add(e.kind);
          // What the reference walk's outcome allows the peek walk to say.
          const agrees = ref.ok
            ? e.kind === 'leaf' && e.pa === ref.pa && (e.pte & Pte.R) !== 0
            : ref.cause === Cause.LOAD_PROTECTION
              ? e.kind === 'leaf' && (e.pte & Pte.R) === 0
              : ref.cause === Cause.BUS_ERROR
                ? e.kind === 'outside-ram'
                : ref.cause === Cause.LOAD_PAGE_FAULT && ['not-present', 'pointer-at-last-level', 'misaligned-superpage'].includes(e.kind);
          const sameReads = JSON.stringify(w.steps.map((st) => [st.pteAddr, st.pte])) === JSON.stringify(ref.pteAddrs.map((a) => [a, mem[a / 4]! >>> 0]));
          // expect() only on a difference: it is slow, and this runs ~10^4 times.
          if (!agrees || !sameReads) expect({ va, root: rootPa, geometry: g, peek: w, ref }).toBeUndefined();
        }
        if (Buffer.compare(Buffer.from(mem.buffer), Buffer.from(copy.buffer)) !== 0) expect(mem).toEqual(copy);
      }),
      { numRuns: LONG ? 3000 : 120 },
    );
    expect([...seen].sort()).toEqual(['leaf', 'misaligned-superpage', 'not-present', 'outside-ram', 'pointer-at-last-level']);
  });
});

describe('scanTables', () => {
  it('reports exactly the leaves the walk finds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(...GEOS.filter((g) => g[0]! <= 10)), (seed, g) => {
        const rng = new Prng(seed);
        const pages = 2 + rng.below(6);
        const mem = randomRam(rng, pages);
        const rootPa = rng.below(pages) * PAGE_SIZE;
        const leaves: { base: number; pages: number; pfn: number }[] = [];
        scanTables(mem, g, rootPa, { leaf: (_l, base, n, pfn) => void leaves.push({ base, pages: n, pfn }) });
        for (const l of leaves.slice(0, 40)) {
          const k = rng.below(l.pages);
          const w = peekWalk(mem, g, rootPa, l.base + k * PAGE_SIZE);
          expect(w.end).toMatchObject({ kind: 'leaf', pfn: l.pfn + k });
        }
        for (let n = 0; n < 40; n++) {
          const va = randomVa(rng, g);
          const w = peekWalk(mem, g, rootPa, va);
          if (w.end.kind !== 'leaf') continue;
          expect(leaves.some((l) => va >= l.base && va < l.base + l.pages * PAGE_SIZE)).toBe(true);
        }
      }),
      { numRuns: LONG ? 1000 : 40 },
    );
  });
});

describe('small pieces', () => {
  it('names PTE flags and the kernel bits of not-present entries', () => {
    expect(flagLetters(Pte.V | Pte.R | Pte.X | Pte.U | Pte.A)).toBe('R-XU-A-');
    expect(flagLetters(0xff)).toBe('RWXUGAD');
    expect(notPresentText(0)).toBe('not present (never loaded: from its region)');
    expect(notPresentText((12 << 12) | Pte.R)).toBe('not present, swapped: slot 12');
    expect(notPresentText(0x1230)).toBe('not present, kernel bits 0x00001230');
  });

  it('parses fault specs', () => {
    expect(parseFaultSpec('fault')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14]);
    expect(parseFaultSpec('fault:page_fault')).toEqual([1, 2, 3]);
    expect(parseFaultSpec('fault:store-page-fault,7,interrupt')).toEqual([3, 7, 16, 17]);
    expect(() => parseFaultSpec('fault:99')).toThrow(/unknown cause '99'/);
  });
});

describe('vmlab debug (the command)', () => {
  beforeAll(() => {
    // Build once here, so that the spawned commands do not race to rebuild the bundle.
    const b = spawnSync(process.execPath, [path.join(root, 'bin', 'build.mjs')], { cwd: root, encoding: 'utf8' });
    expect(b.status).toBe(0);
  });
  const vmlab = (args: string[], input: string) =>
    spawnSync(process.execPath, [path.join(root, 'bin/vmlab.js'), ...args], { cwd: root, input, encoding: 'utf8' });

  it('reads a script from stdin, echoes each command after the prompt, and fails if a command did', () => {
    const r = vmlab(['debug', 'asm/examples/bare-sum.s', '--stats'], 'b .loop\nc\nregs\nbogus\nquit\n');
    expect(r.stdout).toContain('(vmlab) b .loop\nbreakpoint 1 at 0x80000010');
    expect(r.stdout).toContain('(vmlab) regs\npc        0x80000010');
    expect(r.stdout).toContain('(vmlab) bogus\n(vmlab) quit\n');
    expect(r.stderr).toMatch(/^error: unknown command 'bogus' \('help' lists the commands\)\ntime\n  cycles /);
    expect(r.status).toBe(1);
    const ok = vmlab(['debug', 'asm/examples/bare-sum.s'], 'c\n');
    expect(ok.stdout).toContain('sum of 1..100 = 5050\nthe machine stopped: halted with exit status 0');
    expect(ok.status).toBe(0);
  });

  it('checks --stats-json before the session starts', () => {
    const r = vmlab(['debug', 'asm/examples/bare-sum.s', '--stats-json', 'no/such/dir/s.json'], 'c\n');
    expect(r.stderr).toBe('vmlab: cannot write no/such/dir/s.json: no such file or directory\n');
    expect(r.stdout).toBe('');
    expect(r.status).toBe(1);
  });

  it('reports bad input like vmlab run', () => {
    const missing = vmlab(['debug', 'nosuch.s'], '');
    expect(missing.stderr).toBe('vmlab: cannot read nosuch.s: no such file or directory\n');
    expect(missing.status).toBe(1);
    const both = vmlab(['debug', 'asm/examples/bare-sum.s', 'asm/examples/hello.s'], '');
    expect(both.stderr).toMatch(/^vmlab: asm\/examples\/bare-sum\.s: a bare program .* must run alone/);
    const usage = vmlab(['debug', 'asm/examples/hello.s', '--frames', 'x'], '');
    expect(usage.status).toBe(2);
  });
});
