// --check-tlb: the stale-TLB detector fires on a kernel that forgets to invalidate the TLB when
// it evicts a page (built here from the kernel's own source), pointing at the user instruction
// that used the stale entry; it is silent on the real kernel; it groups uses by place.

import { describe, expect, it } from 'vitest';
import { Pte } from '../src/arch/pte.ts';
import type { Machine } from '../src/machine/machine.ts';
import { kernelTraceSource, startStudy, type StudySession } from '../src/study/session.ts';
import { staleTlbChecker } from '../src/study/stale-tlb.ts';
import type { TraceSource } from '../src/study/trace.ts';
import { kernelRun, kernelWithoutEvictionTlbinv, lineOf, pagesProgram, type Program, type KernelRunSetup } from './study-helpers.ts';

/** A run with --check-tlb; `err` is what the checker printed (its lines, then the summary). */
function checked(programs: Program[], setup: KernelRunSetup) {
  let session: StudySession | null = null;
  let err = '';
  const run = kernelRun(programs, {
    ...setup,
    machine: { ...setup.machine, checkTlb: true },
    tracer: (b) => (session = startStudy({ checkTlb: true }, kernelTraceSource(b), (t) => void (err += t))).tracer,
  });
  session!.finish();
  return { run, err, checker: (session as unknown as StudySession).staleTlb! };
}

describe('--check-tlb', () => {
  const broken = kernelWithoutEvictionTlbinv();
  const prog = pagesProgram(10, 3);

  it('reports the uses of stale entries on a kernel without the eviction tlbinv, at the user instruction', () => {
    const { err, checker } = checked([prog], { kernel: { frames: 4 }, kernelExe: broken });
    expect(checker.uses()).toBeGreaterThan(0);
    const places = checker.places();
    expect(places.length).toBeGreaterThan(0);
    // The program's own loads and stores used the stale entries (its pages were evicted and the
    // TLB still mapped them to their old frames).
    const body = prog.exe.files[0]!;
    expect(body).toBe('pages.s');
    const lines = new Set(places.map((p) => p.source));
    const src = pagesSource();
    expect([...lines].some((l) => l === `pages.s:${lineOf(src, 'lw   t2, 0(t0)')}` || l === `pages.s:${lineOf(src, 'sw   t2, 0(t0)')}`)).toBe(true);
    for (const p of places) {
      expect(p.pid).toBe(1);
      expect(p.walkPfn === -1 || p.walkPfn !== p.entryPfn || p.walkPerm !== p.entryPerm).toBe(true);
    }
    // One line per place as it is first seen, then the summary with the counts.
    const first = err.split('\n').filter((l) => l.startsWith('vmlab: --check-tlb: stale TLB entry used: '));
    expect(first.length).toBe(Math.min(places.length, 20));
    expect(first[0]).toMatch(
      /^vmlab: --check-tlb: stale TLB entry used: (fetch|load|store) of 0x[0-9a-f]{8} \(page 0x[0-9a-f]{5}, pid 1\) at pc 0x[0-9a-f]{8} \(pages\.s:\d+\): the TLB says frame 0x[0-9a-f]{5} [r-][w-][x-][u-], (the page tables no longer map it|the page tables say frame 0x[0-9a-f]{5} [r-][w-][x-][u-])$/,
    );
    const uses = checker.uses();
    const plural = (n: number, w: string) => `${n.toLocaleString('en-US')} ${w}${n === 1 ? '' : 's'}`;
    expect(err).toContain(`vmlab: --check-tlb: ${plural(uses, 'use')} of stale TLB entries at ${plural(places.length, 'place')}:\n`);
    expect(err).toMatch(/\n  uses  pid  pc +page +access +source\n/);
  });

  it('is silent on the real kernel, with every policy, a split TLB and two processes', () => {
    for (const replace of ['fifo', 'clock', 'aging', 'random'] as const) {
      const { run, err, checker } = checked([prog, pagesProgram(7, 4)], { kernel: { frames: 5, replace, quantum: 2000 }, machine: { tlb: 8, tlbSplit: true } });
      expect(run.processes.map((p) => p.exitCode), replace).toEqual([0, 0]);
      expect(run.stats.pageFaults, replace).toBeGreaterThan(20);
      expect(checker.uses(), replace).toBe(0);
      expect(err).toBe('vmlab: --check-tlb: no stale TLB entry was used\n');
    }
  });

  it('counts uses per (pid, pc, page) and lists the busiest places first', () => {
    const m = { pc: 0x1000, mmu: { asid: 1 } } as unknown as Machine;
    const src: TraceSource = { machine: m, processes: true, sourceLine: (pc) => `p.s:${pc >>> 4}`, processName: () => 'p.s' };
    const printed: string[] = [];
    const c = staleTlbChecker(src, (l) => printed.push(l), { maxLines: 2 });
    const use = (pc: number, asid: number, va: number) => {
      (m as { pc: number }).pc = pc;
      (m.mmu as { asid: number }).asid = asid;
      c.tracer.staleTlb(va, 1, 0x21, Pte.R | Pte.W | Pte.U, -1, -1);
    };
    use(0x1000, 1, 0x5000);
    use(0x1000, 1, 0x5004); // same page, same pc: the same place
    use(0x1000, 2, 0x5000); // another process
    use(0x1010, 1, 0x5000); // another pc
    use(0x1010, 1, 0x5000);
    use(0x1010, 1, 0x5000);
    expect(c.uses()).toBe(6);
    expect(c.places().map((p) => [p.pc, p.pid, p.vpn, p.uses])).toEqual([[0x1000, 1, 5, 2], [0x1000, 2, 5, 1], [0x1010, 1, 5, 3]]);
    expect(printed).toEqual([
      'stale TLB entry used: load of 0x00005000 (page 0x00005, pid 1) at pc 0x00001000 (p.s:256): the TLB says frame 0x00021 rw-u, the page tables no longer map it',
      'stale TLB entry used: load of 0x00005000 (page 0x00005, pid 2) at pc 0x00001000 (p.s:256): the TLB says frame 0x00021 rw-u, the page tables no longer map it',
      'more places than 2: the summary at the end lists them',
    ]);
    expect(c.summary()).toBe(
      [
        '6 uses of stale TLB entries at 3 places:',
        '  uses  pid  pc          page     access  source',
        '  ----  ---  ----------  -------  ------  -------',
        '     3    1  0x00001010  0x00005  load    p.s:257',
        '     2    1  0x00001000  0x00005  load    p.s:256',
        '     1    2  0x00001000  0x00005  load    p.s:256',
      ].join('\n'),
    );
  });
});

/** The body pagesProgram assembles (for line numbers). */
function pagesSource(): string {
  return `
.text
_start:
    li   s1, 3
.pass:
    la   t0, buf
    li   t1, 10
.page:
    lw   t2, 0(t0)
    addi t2, t2, 1
    sw   t2, 0(t0)
`;
}
