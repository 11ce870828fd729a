// The machine: traps from user mode (EPC, CAUSE, BADVADDR, restartable), the TLB as software
// sees it (D re-walk, stale entries, ASIDs, global pages), interrupts and the timer, wait,
// stops with diagnostics, the cycle split and the stats. Every scenario runs on the fast
// loop, on the reference model and with a tracer attached (fast paths off), and the three
// must agree exactly.

import { describe, expect, it } from 'vitest';
import { Csr, Irq, Status } from '../src/arch/csr.ts';
import { DiskCmd, DiskReg, DiskStatus, Dev, KSEG_BASE } from '../src/arch/memmap.ts';
import { Pte, makePte } from '../src/arch/pte.ts';
import { Cause } from '../src/arch/traps.ts';
import type { Machine } from '../src/machine/machine.ts';
import { formatStats } from '../src/machine/stats.ts';
import { PageTables, bareAsm, runToStop, symbol, tracer, userMachine, type UserSetup } from './cpu-helpers.ts';

type Mode = 'fast' | 'reference' | 'traced';
const MODES: Mode[] = ['fast', 'reference', 'traced'];

function inMode(mode: Mode, build: (reference: boolean) => UserSetup): UserSetup {
  const s = build(mode === 'reference');
  if (mode === 'traced') s.m.setTracer(tracer());
  return s;
}

/** Everything observable about a finished machine, for comparing modes. */
function snapshot(m: Machine) {
  const st = m.stats();
  return {
    regs: Array.from(m.regs),
    pc: m.pc,
    csr: [m.status, m.epc, m.cause, m.badvaddr],
    stats: st,
    tlb: m.mmu.itlb?.snapshot() ?? [],
    ram: Buffer.from(m.mem8).toString('base64'),
  };
}

function sameInEveryMode(build: (reference: boolean) => UserSetup, check: (s: UserSetup) => void): void {
  const snaps = MODES.map((mode) => {
    const s = inMode(mode, build);
    runToStop(s.m);
    check(s);
    return snapshot(s.m);
  });
  expect(snaps[1]).toEqual(snaps[0]);
  expect(snaps[2]).toEqual(snaps[0]);
}

describe('traps from user mode', () => {
  const kernel = `
handler:
        csrr t1, CAUSE
        li   t2, ${Cause.LOAD_PAGE_FAULT}
        beq  t1, t2, pf
        li   t2, ${Cause.STORE_PROTECTION}
        beq  t1, t2, wp
        halt
pf:     la   t3, seen
        sw   a0, 0(t3)            # a0 as the faulting load left it
        csrr t4, BADVADDR
        sw   t4, 4(t3)
        csrr t4, EPC
        sw   t4, 8(t3)
        sw   s1, 0(s0)            # the PTE (kernel address in s0) := mapped, read-only
        csrr t4, BADVADDR
        tlbinv t4
        eret
wp:     la   t3, seen
        lw   t4, 0(s2)            # the word the store targets, as it is now
        sw   t4, 12(t3)
        sw   s3, 0(s0)            # the PTE := writable
        csrr t4, BADVADDR
        tlbinv t4
        eret
        .data
seen:   .word 0, 0, 0, 0
`;
  const user = `
        .text
_start: li   t0, 0x400000
        li   a0, 1234
fault:  lw   a0, 0(t0)            # page fault; then 777
        li   a1, 99
wfault: sw   a1, 4(t0)            # protection fault; then stores 99
        lw   a2, 4(t0)
        syscall
`;
  const FRAME = 0x80000;
  function build(reference: boolean): UserSetup {
    const s = userMachine(kernel, user, {}, { reference });
    const { m, pt } = s;
    pt.map(0x400000, FRAME, 0); // not present
    m.mem32[FRAME / 4] = 777;
    m.mem32[FRAME / 4 + 1] = 555;
    m.regs[10] = KSEG_BASE + pt.pteAddr(0x400000);
    m.regs[11] = makePte(FRAME >>> 12, Pte.V | Pte.R | Pte.U) | 0;
    m.regs[12] = KSEG_BASE + FRAME + 4;
    m.regs[13] = makePte(FRAME >>> 12, Pte.V | Pte.R | Pte.W | Pte.U) | 0;
    return s;
  }

  it('a page fault and a protection fault are restartable: the faulting instruction had no effect', () => {
    sameInEveryMode(build, ({ m, kernel: k, user: u }) => {
      expect(m.stopInfo?.reason).toBe('halt');
      expect(m.cause).toBe(Cause.SYSCALL);
      const seen = (symbol(k, 'seen') - KSEG_BASE) / 4;
      expect(m.mem32[seen]).toBe(1234);
      expect(m.mem32[seen + 1]).toBe(0x400000);
      expect(m.mem32[seen + 2]! >>> 0).toBe(symbol(u, 'fault'));
      expect(m.mem32[seen + 3]).toBe(555);
      expect(m.regs[1]).toBe(777);
      expect(m.regs[3]).toBe(99);
      expect(m.mem32[FRAME / 4 + 1]).toBe(99);
      const st = m.stats();
      expect(st.traps.load_page_fault).toBe(1);
      expect(st.traps.store_protection).toBe(1);
      expect(st.traps.syscall).toBe(1);
      expect(st.pageFaults).toBe(1);
      expect(st.pageFaultsByAsid).toEqual({ 1: 1 });
    });
  });

  // Each probe: a user snippet that traps once; the handler halts with the trap registers.
  const probeKernel = `
handler:
        csrr s0, CAUSE
        csrr s1, BADVADDR
        csrr s2, EPC
        halt
`;
  const probes: [string, string, number, (s: UserSetup) => number][] = [
    ['fetch page fault', 'li t0, 0x500000\n jalr zero, t0, 0', Cause.FETCH_PAGE_FAULT, () => 0x500000],
    ['fetch protection (no X)', 'la t0, data\n jalr zero, t0, 0', Cause.FETCH_PROTECTION, (s) => symbol(s.user, 'data')],
    ['fetch protection (kernel segment)', 'li t0, 0x80000000\n jalr zero, t0, 0', Cause.FETCH_PROTECTION, () => 0x80000000],
    ['load page fault', 'li t0, 0x500000\n lw a0, 8(t0)', Cause.LOAD_PAGE_FAULT, () => 0x500008],
    ['store page fault', 'li t0, 0x500000\n sb a0, 3(t0)', Cause.STORE_PAGE_FAULT, () => 0x500003],
    ['load protection (kernel segment)', 'li t0, 0x80000000\n lw a0, 4(t0)', Cause.LOAD_PROTECTION, () => 0x80000004],
    ['load protection (no R)', 'li t0, 0x600000\n lw a0, 0(t0)', Cause.LOAD_PROTECTION, () => 0x600000],
    ['store protection (text)', 'la t0, _start\n sw a0, 0(t0)', Cause.STORE_PROTECTION, (s) => symbol(s.user, '_start')],
    ['store protection (kernel segment)', 'li t0, 0xfff00000\n sw a0, 0(t0)', Cause.STORE_PROTECTION, () => 0xfff00000],
    ['misaligned fetch', 'la t0, _start\n jalr zero, t0, 2', Cause.MISALIGNED_FETCH, (s) => symbol(s.user, '_start') + 2],
    ['misaligned load', 'la t0, data\n lh a0, 1(t0)', Cause.MISALIGNED_LOAD, (s) => symbol(s.user, 'data') + 1],
    ['misaligned store', 'la t0, data\n sw a0, 2(t0)', Cause.MISALIGNED_STORE, (s) => symbol(s.user, 'data') + 2],
    ['bus error', 'li t0, 0x700000\n lw a0, 0(t0)', Cause.BUS_ERROR, () => 0x700000],
    ['illegal instruction', '.word 0x000000ff', Cause.ILLEGAL_INSTRUCTION, () => 0xff],
    ['privileged instruction', 'tlbflush', Cause.PRIVILEGED_INSTRUCTION, () => 0x4f],
    ['syscall', 'syscall', Cause.SYSCALL, () => 0],
    ['breakpoint', 'break', Cause.BREAKPOINT, () => 0],
  ];
  it.each(probes)('%s: CAUSE, BADVADDR and EPC', (_name, snippet, cause, bad) => {
    sameInEveryMode(
      (reference) => {
        const s = userMachine(probeKernel, `.text\n_start: nop\n${snippet}\n here: halt\n .data\ndata: .word 1, 2, 3\n`, {}, { reference });
        s.pt.map(0x600000, s.nextFrame, Pte.V | Pte.W | Pte.U);
        s.pt.map(0x700000, 0x7000000, Pte.V | Pte.R | Pte.U); // a frame beyond RAM
        return s;
      },
      (s) => {
        const { m } = s;
        expect(m.stopInfo?.reason).toBe('halt');
        expect(m.regs[10]).toBe(cause);
        expect(m.regs[11]! >>> 0).toBe(bad(s) >>> 0);
        // EPC: the faulting instruction (for a fetch fault through a jump, the target).
        const jumped = cause === Cause.FETCH_PAGE_FAULT || cause === Cause.FETCH_PROTECTION;
        expect(m.regs[12]! >>> 0).toBe(jumped ? bad(s) >>> 0 : symbol(s.user, 'here') - 4);
        expect(m.status & (Status.PUM | Status.EXL | Status.UM)).toBe(Status.PUM | Status.EXL);
      },
    );
  });
});

describe('the TLB as software sees it', () => {
  it('a store hitting an entry cached with D clear walks again (a walk, not a miss) and sets D', () => {
    sameInEveryMode(
      (reference) => {
        const s = userMachine('handler: halt', '.text\n_start: li t0, 0x400000\n lw a0, 0(t0)\n sw a0, 0(t0)\n syscall\n', {}, { reference });
        s.pt.map(0x400000, s.nextFrame, Pte.V | Pte.R | Pte.W | Pte.U);
        // The text page too starts with A clear.
        return s;
      },
      ({ m, pt }) => {
        const st = m.stats();
        expect([st.tlb.hits, st.tlb.misses, st.walks, st.pteReads, st.pteWrites]).toEqual([4, 2, 3, 6, 3]);
        expect(st.translationCycles.total).toBe(2 * 2 + 6 * 10 + 3 * 10);
        expect(pt.pte(0x400000) & (Pte.A | Pte.D)).toBe(Pte.A | Pte.D);
        expect(pt.pte(0x1000) & (Pte.A | Pte.D)).toBe(Pte.A);
      },
    );
  });

  const staleKernel = `
handler:
        csrr t1, CAUSE
        li   t2, ${Cause.SYSCALL}
        bne  t1, t2, stop
        li   t2, 1
        bne  t0, t2, inv
        sw   a1, 0(a2)            # rewrite the PTE, no tlbinv
        j    back
inv:    tlbinv a3
back:   csrr t1, EPC
        addi t1, t1, 4
        csrw EPC, t1
        eret
stop:   halt
`;
  const staleUser = `
        .text
_start: lw   s0, 0(a3)            # frame A: 111
        li   t0, 1
        syscall                   # PTE -> frame B, without tlbinv
stale:  lw   s1, 0(a3)            # still frame A (the TLB entry)
        li   t0, 2
        syscall                   # tlbinv
        lw   s2, 0(a3)            # frame B: 222
        break
`;
  function staleBuild(reference: boolean, checkTlb = false): UserSetup {
    const s = userMachine(staleKernel, staleUser, { checkTlb }, { reference });
    const a = s.nextFrame;
    const b = a + 0x1000;
    s.pt.map(0x400000, a, Pte.V | Pte.R | Pte.U);
    s.m.mem32[a / 4] = 111;
    s.m.mem32[b / 4] = 222;
    s.m.regs[2] = makePte(b >>> 12, Pte.V | Pte.R | Pte.U) | 0;
    s.m.regs[3] = KSEG_BASE + s.pt.pteAddr(0x400000);
    s.m.regs[4] = 0x400000;
    return s;
  }

  it('a stale entry stays in use after the PTE changes, until tlbinv', () => {
    sameInEveryMode(staleBuild, ({ m }) => {
      expect(m.cause).toBe(Cause.BREAKPOINT);
      expect([m.regs[10], m.regs[11], m.regs[12]]).toEqual([111, 111, 222]);
      expect(m.stats().tlb.invalidations).toBe(1);
    });
  });

  it('--check-tlb reports the use of the stale entry, and only that', () => {
    const s = staleBuild(false, true);
    const reports: number[][] = [];
    s.m.setTracer(tracer({ staleTlb: (va, access, ep, eperm, wp, wperm) => reports.push([va, access, ep, wp, s.m.pc]) }));
    runToStop(s.m);
    const a = (s.m.regs[2]! >>> 12) - 1;
    expect(reports).toEqual([[0x400000, 1, a, a + 1, symbol(s.user, 'stale')]]);
  });

  it('ASIDs keep address spaces apart; a global entry matches every ASID', () => {
    const kernel = `
handler:
        csrr t1, CAUSE
        li   t2, ${Cause.SYSCALL}
        bne  t1, t2, stop
        csrw PTBR, s0             # switch address space, no flush
        csrw ASID, s1
        mv   t1, s0               # next time, switch back
        mv   s0, s2
        mv   s2, t1
        mv   t1, s1
        mv   s1, s3
        mv   s3, t1
        csrr t1, EPC
        addi t1, t1, 4
        csrw EPC, t1
        eret
stop:   halt
`;
    const user = `
        .text
_start: li   t0, 0x400000
        li   t4, 0x500000
        lw   a0, 0(t0)            # ASID 1: 1
        lw   a3, 0(t4)            # global: 5
        syscall                   # to ASID 2
        lw   a1, 0(t0)            # ASID 2: 2
        lw   a2, 0(t4)            # the global entry, though ASID 2's tables do not map it
        syscall                   # back to ASID 1
        lw   t3, 0(t0)            # 1 again, a hit
        break
`;
    sameInEveryMode(
      (reference) => {
        const s = userMachine(kernel, user, {}, { reference });
        const { m, pt } = s;
        const rootB = 0x30000;
        const ptB = new PageTables(m, rootB, rootB + 0x1000);
        const [fa, fb, fg] = [s.nextFrame, s.nextFrame + 0x1000, s.nextFrame + 0x2000];
        pt.map(0x400000, fa, Pte.V | Pte.R | Pte.U);
        pt.map(0x500000, fg, Pte.V | Pte.R | Pte.U | Pte.G);
        ptB.map(0x400000, fb, Pte.V | Pte.R | Pte.U);
        ptB.map(0x1000, symbolFrame(s), Pte.V | Pte.R | Pte.X | Pte.U);
        m.mem32[fa / 4] = 1;
        m.mem32[fb / 4] = 2;
        m.mem32[fg / 4] = 5;
        m.regs[10] = rootB;
        m.regs[11] = 2;
        m.regs[12] = pt.root;
        m.regs[13] = 1;
        return s;
      },
      ({ m }) => {
        expect([m.regs[1], m.regs[4], m.regs[2], m.regs[3], m.regs[8]]).toEqual([1, 5, 2, 5, 1]);
        // Misses: text and 0x400000 in ASID 1, the global page, text and 0x400000 in ASID 2.
        const st = m.stats();
        expect(st.tlb.misses).toBe(5);
        expect(st.tlb.flushes).toBe(0);
        const asids = m.mmu.itlb!.snapshot().map((e) => [e.vpn, e.asid]).sort((x, y) => x[0]! - y[0]! || x[1]! - y[1]!);
        expect(asids).toEqual([[1, 1], [1, 2], [0x400, 1], [0x400, 2], [0x500, 1]]);
      },
    );
  });
});

describe('the fast paths keep the LRU order exact', () => {
  // Each program makes a TLB eviction depend on uses the fast paths see and report lazily
  // (hits in their caches); the counts must equal those of a traced run, where every access
  // goes through the MMU. (Each was checked to fail when that kind of report is dropped or
  // mis-timed.)
  const programs: [string, number, string][] = [
    [
      'a read hit decides (fetch, write hits too)',
      4,
      `
loop:   lw   a0, 0(s0)        # A (read cache: A)
        sw   a0, 0(s2)        # C (write cache: C)
        sw   a0, 0(s1)        # B (write cache: B)
        lw   a0, 4(s0)        # A: a read-cache hit, the only sign A is newer than C
        lw   a1, 0(t4)        # D: miss; LRU evicts C
        sw   a0, 4(s1)        # B: write-cache hit
        lw   a1, 8(s2)        # C: miss, evicts the LRU
        addi a3, a3, 1
        j    loop`,
    ],
    [
      'a write hit after a read hit',
      4,
      `
loop:   lw   a0, 0(s0)        # A
        sw   a0, 0(s1)        # B
        sw   a0, 4(s1)        # B: lazy write
        lw   a0, 4(s0)        # A: lazy read, later
        lw   a1, 0(s2)        # F: both applied, oldest first
        lw   a1, 0(t4)        # D: evicts B
        addi a3, a3, 1
        j    loop`,
    ],
    [
      'a read hit after a write hit',
      4,
      `
loop:   lw   a0, 0(s0)        # A
        sw   a0, 0(s1)        # B
        lw   a0, 4(s0)        # A: lazy read
        sw   a0, 4(s1)        # B: lazy write, later
        lw   a1, 0(s2)        # F
        lw   a1, 0(t4)        # D: evicts A
        addi a3, a3, 1
        j    loop`,
    ],
    [
      'a fetch and a read of the same instruction, then a fetch miss (one 2-way set)',
      2,
      `
        j    start
        .space 4096 - 16
start:  lw   a0, 0(s0)        # A, slow
        addi a1, a1, 1
        lw   a0, 4(s0)        # last word of the page: a read hit after its own fetch
        lw   a0, 8(s0)        # next page: the fetch miss evicts the older of code and A
        j    start`,
    ],
  ];
  it.each(programs)('%s', (_name, entries, body) => {
    const res = [false, true].map((traced) => {
      const s = userMachine('handler: halt', `.text\n_start:${body}\n`, { tlb: { entries, ways: entries, policy: 'lru', seed: 1 } });
      const pages = [0x10000, 0x11000, 0x12000, 0x13000];
      pages.forEach((va, i) => s.pt.map(va, s.nextFrame + i * 4096, Pte.V | Pte.R | Pte.W | Pte.U));
      [10, 11, 12, 9].forEach((r, i) => (s.m.regs[r] = pages[i]!));
      if (traced) s.m.setTracer(tracer());
      s.m.run(2000);
      const st = s.m.stats();
      return [st.tlb.hits, st.tlb.misses, st.tlb.evictions, s.m.mmu.itlb!.snapshot()];
    });
    expect(res[0]![2]).toBeGreaterThan(100);
    expect(res[0]).toEqual(res[1]);
  });
});

/** The frame the user text page was given (the first user frame). */
function symbolFrame(s: UserSetup): number {
  return s.pt.pte(0x1000) & ~0xfff;
}

describe('interrupts, timer, wait, disk', () => {
  it('the timer interrupt is taken at the first boundary at or after TIMECMP, EPC = next instruction', () => {
    for (const reference of [false, true]) {
      const { m, exe } = bareAsm(
        `
        la   t0, handler
        csrw TVEC, t0
        li   t0, ${Irq.TIMER}
        csrw IM, t0
        csrr s0, CYCLE
        addi t0, s0, 100
        csrw TIMECMP, t0
        li   t0, ${Status.IE}
        csrw STATUS, t0
loop:   j    loop
handler:
        csrr s1, CYCLE
        csrr s2, EPC
        csrr s3, IP
        csrw TIMECMP, zero        # acknowledge
        csrr a0, IP
        halt
`,
        {},
        { reference },
      );
      runToStop(m);
      // After csrw STATUS the count is s0 + 8; the 2-cycle jumps reach s0 + 100 exactly.
      expect(m.regs[11]! - m.regs[10]!).toBe(100 + 20);
      expect(m.regs[12]! >>> 0).toBe(symbol(exe, 'loop'));
      expect(m.regs[13]).toBe(Irq.TIMER);
      expect(m.regs[1]).toBe(0);
      expect(m.stats().traps.timer_interrupt).toBe(1);
    }
  });

  it('a disk read completes diskLatency cycles after CMD; wait jumps there as idle time; the IRQ enters the handler', () => {
    for (const reference of [false, true]) {
      const { m, exe } = bareAsm(
        `
        la   t0, handler
        csrw TVEC, t0
        li   t0, ${Irq.DISK}
        csrw IM, t0
        li   t0, ${Status.IE}
        csrw STATUS, t0
        li   t2, ${KSEG_BASE + Dev.DISK}
        li   t1, 3
        sw   t1, ${DiskReg.BLOCK}(t2)
        li   t1, 0x8000
        sw   t1, ${DiskReg.DMA}(t2)
        li   t1, ${DiskCmd.READ}
        csrr s0, CYCLE
        sw   t1, ${DiskReg.CMD}(t2)   # issued at s0 + 2
        lw   s3, ${DiskReg.STATUS}(t2)
        wait
after:  halt
handler:
        csrr s1, CYCLE
        csrr s2, EPC
        lw   a0, ${DiskReg.STATUS}(t2)
        sw   zero, ${DiskReg.ACK}(t2)
        csrr a1, IP
        lw   a2, ${DiskReg.STATUS}(t2)
        halt
`,
        { disk: { blocks: 8, jitter: 0, errorRate: 0, image: blockImage(8) } },
        { reference },
      );
      runToStop(m);
      const L = m.timing.diskLatency;
      expect(m.regs[13]).toBe(DiskStatus.BUSY);
      expect(m.regs[11]! - m.regs[10]!).toBe(2 + L + 20);
      expect(m.regs[12]! >>> 0).toBe(symbol(exe, 'after'));
      expect([m.regs[1], m.regs[2], m.regs[3]]).toEqual([DiskStatus.DONE, 0, DiskStatus.IDLE]);
      expect(m.mem8[0x8000]).toBe(3);
      expect(m.mem8[0x8fff]).toBe(3);
      const st = m.stats();
      // issued at s0+2; sw 2, lw 2, wait 2 -> s0+8 when wait starts skipping.
      expect(st.idleCycles).toBe(L - 6);
      expect(st.disk).toEqual({ reads: 1, writes: 0, errors: 0 });
      expect(st.traps.disk_interrupt).toBe(1);
    }
  });

  it('interrupts wait for IE, stay pending under EXL, and are taken right after eret', () => {
    const { m, exe } = bareAsm(`
        la   t0, handler
        csrw TVEC, t0
        li   t0, ${Irq.TIMER}
        csrw IM, t0
        csrr t0, CYCLE
        addi t0, t0, 10
        csrw TIMECMP, t0
        li   s0, 0
spin:   addi s0, s0, 1            # IE is off: the interrupt stays pending
        li   t1, 20
        blt  s0, t1, spin
        csrr s1, IP
        syscall                   # EXL set: pending, not taken
back:   li   t0, ${Status.IE}
        csrw STATUS, t0           # taken before the next instruction
never:  halt
handler:
        csrr t2, CAUSE
        li   t3, ${Cause.SYSCALL}
        bne  t2, t3, irq
        csrr s2, IP
        la   t2, back
        csrw EPC, t2
        li   t2, 0
        csrw STATUS, t2           # leave the trap state with interrupts off
        eret
irq:    csrr s3, EPC
        halt
`);
    runToStop(m);
    expect(m.regs[11]).toBe(Irq.TIMER);
    expect(m.regs[12]).toBe(Irq.TIMER);
    expect(m.regs[13]! >>> 0).toBe(symbol(exe, 'never'));
  });

  it('wait returns at once when an unmasked interrupt is already pending, even with IE off', () => {
    const { m } = bareAsm(`
        li   t0, ${Irq.TIMER}
        csrw IM, t0
        csrr t0, CYCLE
        addi t0, t0, 10
        csrw TIMECMP, t0
        wait                      # sleeps to the deadline
        csrr s0, CYCLE
        wait                      # pending: no sleep
        csrr s1, CYCLE
        halt
`);
    runToStop(m);
    expect(m.regs[11]! - m.regs[10]!).toBe(4);
    expect(m.stats().traps.timer_interrupt).toBe(0);
  });
});

function blockImage(blocks: number): Uint8Array {
  const img = new Uint8Array(blocks * 4096);
  for (let b = 0; b < blocks; b++) img.fill(b, b * 4096, (b + 1) * 4096);
  return img;
}

describe('stops', () => {
  it('a trap with no handler stops with a register dump naming file:line', () => {
    const { m } = bareAsm(`
        li   a0, 42
        li   t0, 0x80100000
        lw   a1, 0(t0)
        halt
`, { ramBytes: 1 << 20 });
    const s = runToStop(m);
    expect(s.reason).toBe('no-trap-vector');
    expect(s.exitCode).not.toBe(0);
    expect(s.message).toContain('bus error');
    expect(s.message).toMatch(/pc\s+0x80000008\s+test\.s:5/);
    expect(s.message).toMatch(/badvaddr\s+0x80100000/);
    expect(s.message).toMatch(/r1\s+a0\s+0x0000002a/);
    expect(s.message).toMatch(/r15 lr\s+0x00000000/);
    expect(m.pc).toBe(0x80000008);
    // The statistics name the trap that was not delivered, and do not count it as taken.
    const stats = m.stats();
    expect(stats.stop).toEqual({ reason: 'no-trap-vector', exitCode: s.exitCode, trap: { cause: 'bus_error', pc: 0x80000008, badvaddr: 0x80100000 } });
    expect(stats.traps.bus_error).toBe(0);
    // The table: the trap on the stop line, and no hit rate for a TLB that saw no lookup.
    const table = formatStats(stats);
    expect(table).toContain('stop: no-trap-vector (bus_error at pc 0x80000008, BADVADDR 0x80100000, not delivered)');
    expect(table).toMatch(/\n  all +0 +0 +n\/a +0 /);
  });

  it('a fault inside a handler (EXL set) is a double fault', () => {
    const { m } = bareAsm(`
        la   t0, handler
        csrw TVEC, t0
        syscall
        halt
handler:
        .word 0xff
`);
    const s = runToStop(m);
    expect(s.reason).toBe('double-fault');
    expect(s.message).toContain('illegal instruction');
    expect(s.message).toMatch(/status\s+0x00000010\s+EXL/);
    expect(s.message).toMatch(/epc\s+0x8000000c/);
    expect(m.stats().stop?.trap?.cause).toBe('illegal_instruction');
  });

  it('wait with nothing to come is a deadlock', () => {
    const { m } = bareAsm(`
        li   t0, ${Irq.DISK}
        csrw IM, t0
        wait
        halt
`);
    const s = runToStop(m);
    expect(s.reason).toBe('deadlock');
    expect(s.message).toContain('deadlock');
  });

  it('the cycle limit stops the machine', () => {
    const { m } = bareAsm('loop: j loop', { maxCycles: 1001 });
    const s = runToStop(m);
    expect(s.reason).toBe('max-cycles');
    expect(m.cycles).toBe(1002);
    expect(s.message).toContain('1001');
  });

  it('halt: exit status a0 & 255; a stopped machine stays stopped', () => {
    const { m } = bareAsm('li a0, 0x1ff\n halt');
    const s = runToStop(m);
    expect([s.reason, s.exitCode]).toEqual(['halt', 255]);
    expect(m.run()).toBe(s);
  });

  it('run(n) stops after exactly n instructions and resumes where it left off', () => {
    const src = 'li a0, 0\nloop: addi a0, a0, 1\n li t0, 1000\n blt a0, t0, loop\n halt';
    const whole = bareAsm(src).m;
    runToStop(whole);
    const parts = bareAsm(src).m;
    let n = 0;
    while (parts.run(7) === null) {
      n++;
      expect(parts.instret).toBe(7 * n);
    }
    expect(snapshotShort(parts)).toEqual(snapshotShort(whole));
  });
});

function snapshotShort(m: Machine) {
  return [Array.from(m.regs), m.pc, m.cycles, m.instret, m.stats()];
}

describe('cycle accounting and stats', () => {
  it('splits cycles into user, kernel and idle', () => {
    const s = userMachine(
      `handler:
        csrr t1, EPC
        addi t1, t1, 4
        csrw EPC, t1
        li   t0, ${Irq.TIMER}
        csrw IM, t0
        csrr t0, CYCLE
        addi t0, t0, 1000
        csrw TIMECMP, t0
        wait
        halt`,
      '.text\n_start: li a0, 1\n li a1, 2\n syscall\n',
    );
    runToStop(s.m);
    const st = s.m.stats();
    expect(st.userCycles + st.kernelCycles + st.idleCycles).toBe(st.cycles);
    expect(st.idleCycles).toBeGreaterThan(900);
    expect(st.userCycles).toBeGreaterThan(0);
    expect(st.kernelCycles).toBeGreaterThan(20);
  });

  it('stats have the documented keys', () => {
    const { m } = bareAsm('li a0, 3\n halt');
    runToStop(m);
    const st = m.stats();
    for (const k of ['cycles', 'instructions', 'userCycles', 'kernelCycles', 'idleCycles', 'tlb', 'walks', 'pteReads', 'pteWrites', 'traps', 'pageFaults', 'disk', 'processes', 'stop', 'avgCyclesPerAccess', 'cyclesPerInstruction'])
      expect(st).toHaveProperty(k);
    for (const k of ['hits', 'misses', 'hitRate', 'fills', 'evictions', 'flushes', 'invalidations']) expect(st.tlb).toHaveProperty(k);
    expect(Object.keys(st.traps)).toContain('load_page_fault');
    expect(st.stop).toEqual({ reason: 'halt', exitCode: 3 });
    expect(JSON.parse(JSON.stringify(st))).toEqual(st);
  });

  it('MMUCFG describes the geometry; CSR writes mask their fields', () => {
    const { m } = bareAsm(`
        csrr a0, MMUCFG
        li   t0, -1
        csrw EPC, t0
        csrr a1, EPC
        csrw ASID, t0
        csrr a2, ASID
        csrw PTBR, t0
        csrr a3, PTBR
        csrw IM, t0
        csrr s0, IM
        halt
`);
    runToStop(m);
    expect(m.regs[1]).toBe(2 | (12 << 3) | (10 << 8) | (10 << 13));
    expect(m.regs[2]).toBe(-4);
    expect(m.regs[3]).toBe(255);
    expect(m.regs[4]).toBe(-4096);
    expect(m.regs[10]).toBe(Irq.TIMER | Irq.DISK);
    expect(Csr.MMUCFG).toBe(12);
  });
});
