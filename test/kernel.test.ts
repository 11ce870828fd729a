// The kernel (asm/kernel/), run with user programs on the emulated machine: processes,
// demand paging with every replacement policy, swap, faults that end one process, system
// calls, and a few invariants checked from the host after each serviced fault.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MonitorEvent, KSEG_BASE, type ReplacePolicyName } from '../src/arch/memmap.ts';
import { GEOMETRIES, PAGE_SHIFT, Pte, PTE_RWX, type Geometry } from '../src/arch/pte.ts';
import { assembleSource, formatDiagnostic } from '../src/asm/index.ts';
import { machineConfig, type MachineOptionValues } from '../src/cli/machine-options.ts';
import type { Executable } from '../src/exe/types.ts';
import type { Machine } from '../src/machine/machine.ts';
import type { Tracer } from '../src/machine/tracer.ts';
import { DEFAULT_KERNEL_OPTIONS, defaultKernelPath, runWithKernel, type KernelOptions, type KernelRunResult } from '../src/os/boot.ts';
import { exitKey, pageKey, refsFromKeys } from '../src/study/refs-format.ts';
import { simulate } from '../src/study/replay.ts';
import { Prng } from '../src/util/prng.ts';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const USER_LIB = path.join(ROOT, 'asm/lib/user.s');
const EXAMPLES = path.join(ROOT, 'asm/examples');

/** Assembles a user program given as text (it may call the user library) or a file. */
function program(name: string, body?: string): { path: string; exe: Executable } {
  const file = body === undefined ? path.join(EXAMPLES, name) : path.join(ROOT, 'test', name);
  const source = body === undefined ? readFileSync(file, 'utf8') : `.include "${USER_LIB}"\n${body}`;
  const r = assembleSource(source, file);
  if (r.exe === null) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
  return { path: name, exe: r.exe };
}

/**
 * asm/examples/integrity.s at 32 pages instead of 256: the same three passes and checks, at a
 * size that keeps these tests fast (test/integrity.test.ts runs the full size).
 */
function integrity(): { path: string; exe: Executable } {
  const file = path.join(EXAMPLES, 'integrity.s');
  const full = '.equ PAGES, 256';
  const text = readFileSync(file, 'utf8');
  if (!text.includes(full)) throw new Error(`integrity.s no longer says '${full}'`);
  const r = assembleSource(text.replace(full, '.equ PAGES, 32'), file);
  if (r.exe === null) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
  return { path: 'integrity.s', exe: r.exe };
}

interface Run extends KernelRunResult {
  out: string;
  err: string;
}

interface RunSetup {
  kernel?: Partial<KernelOptions>;
  machine?: MachineOptionValues;
  kernelExe?: Executable;
  monitor?: (m: () => Machine, ev: number, a0: number, a1: number, a2: number, a3: number) => void;
  tracer?: (m: () => Machine) => Partial<Tracer>;
}

function run(programs: { path: string; exe: Executable }[], setup: RunSetup = {}): Run {
  let out = '';
  let err = '';
  let machine: Machine | null = null;
  const getMachine = () => machine!;
  const cfg = machineConfig({ maxCycles: 500_000_000, ...setup.machine });
  const r = runWithKernel(
    programs,
    { ...DEFAULT_KERNEL_OPTIONS, ...setup.kernel },
    cfg,
    {
      consoleOut: (b) => {
        out += String.fromCharCode(b);
      },
      err: (t) => {
        err += t;
      },
      monitor: setup.monitor === undefined ? undefined : (ev, a0, a1, a2, a3) => setup.monitor!(getMachine, ev, a0, a1, a2, a3),
    },
    setup.kernelExe,
    (m) => {
      machine = m;
      if (setup.tracer !== undefined) m.setTracer(fullTracer(setup.tracer(getMachine)));
    },
  );
  return { ...r, out, err };
}

function fullTracer(t: Partial<Tracer>): Tracer {
  const nop = () => {};
  return {
    now: () => 0,
    access: nop, tlbHit: nop, tlbMiss: nop, tlbFill: nop, tlbEvict: nop, tlbFlush: nop, tlbInvalidate: nop,
    walkStep: nop, walkUpdate: nop, trap: nop, eret: nop, diskStart: nop, diskComplete: nop, monitor: nop, staleTlb: nop,
    ...t,
  };
}

const POLICIES: ReplacePolicyName[] = ['fifo', 'clock', 'aging', 'random'];
/** VMLAB_LONG=1 runs many more random configurations in the soak test. */
const LONG = process.env.VMLAB_LONG === '1';

describe('processes', () => {
  it('hello prints its pid and exits 0', () => {
    const r = run([program('hello.s')]);
    expect(r.out).toBe('hello from process 1\n');
    expect(r.err).toBe('');
    expect(r.stop.reason).toBe('halt');
    expect(r.exitCode).toBe(0);
    expect(r.processes[0]).toMatchObject({ pid: 1, name: 'hello.s', exitCode: 0, status: 'exited' });
  });

  it('two processes interleave and both finish', () => {
    const body = `
.text
_start:
    mv   s0, a0
    li   s1, 40
.loop:
    addi a0, s0, '0'
    call print_char
    call yield
    addi s1, s1, -1
    bnez s1, .loop
    mv   a0, s0                     # exit status = pid, to tell them apart
    addi a0, a0, -1
    call exit
`;
    const p = program('pingpong.s', body);
    const r = run([p, p]);
    expect(r.out.replace(/2/g, '')).toBe('1'.repeat(40));
    expect(r.out.replace(/1/g, '')).toBe('2'.repeat(40));
    expect(r.out).toContain('1212');
    expect(r.processes.map((x) => x.exitCode)).toEqual([0, 1]);
    expect(r.exitCode).toBe(1); // process 2 exited 1
    // A kernel that switches on yield: many switches between the two.
    expect(r.stats.traps['syscall']).toBeGreaterThanOrEqual(160);
  });

  it('syscalls: getpid, sbrk limits, unknown numbers, exit status', () => {
    const body = `
.text
_start:
    mv   s0, a0
    call getpid
    bne  a0, s0, .bad
    li   t0, 99                     # an unknown syscall returns -1
    syscall
    li   t1, -1
    bne  a0, t1, .bad
    li   a0, -4096                  # below the heap start
    call sbrk
    li   t1, -1
    bne  a0, t1, .bad
    li   a0, 0x7fffffff             # past the heap limit
    call sbrk
    li   t1, -1
    bne  a0, t1, .bad
    li   a0, 8192                   # grow by two pages, fill them, shrink, grow: zeros again
    call sbrk
    mv   s1, a0
    li   t1, 0x5a5a5a5a
    sw   t1, 0(s1)
    sw   t1, 4096(s1)
    li   a0, -8192
    call sbrk
    li   a0, 8192
    call sbrk
    bne  a0, s1, .bad
    lw   t1, 0(s1)
    bnez t1, .bad
    lw   t1, 4096(s1)
    bnez t1, .bad
    la   a0, ok
    call print_str
    li   a0, 7
    call exit
.bad:
    la   a0, bad
    call print_str
    li   a0, 1
    call exit
.data
ok:  .asciz "ok\\n"
bad: .asciz "bad\\n"
`;
    const r = run([program('syscalls.s', body)]);
    expect(r.out).toBe('ok\n');
    expect(r.processes[0]!.exitCode).toBe(7);
    expect(r.exitCode).toBe(1);
  });

  it('write copies a buffer spanning pages that are not resident, printing each byte once', () => {
    // Three pages of text in .data, printed with one write while only 2 frames exist: the
    // kernel must page the buffer in piece by piece and resume where it stopped.
    const line = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ\\n';
    const lines = 200; // 63 bytes each: 12,600 bytes, 4 pages
    const body = `
.text
_start:
    la   a1, buf
    li   a2, ${lines * 63}
    li   a0, 1
    call write
    li   t0, ${lines * 63}
    bne  a0, t0, .bad
    la   t0, buf                    # a1 and a2 are preserved
    bne  a1, t0, .bad
    li   a0, 0
    call exit
.bad:
    li   a0, 1
    call exit
.data
buf:
${`    .ascii "${line}"\n`.repeat(lines)}`;
    const r = run([program('bigwrite.s', body)], { kernel: { frames: 2 } });
    expect(r.out).toBe('abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ\n'.repeat(lines));
    expect(r.exitCode).toBe(0);
    expect(r.processes[0]!.pagesIn.executable).toBeGreaterThanOrEqual(5);
  });
});

describe('demand paging', () => {
  for (const replace of POLICIES)
    for (const frames of [4, 8])
      for (const tlb of [4, 64])
        it(`integrity keeps every word with ${replace}, ${frames} frames, TLB ${tlb}`, () => {
          const r = run([integrity()], { kernel: { replace, frames }, machine: { tlb } });
          expect(r.out).toBe('bad words: 0\n');
          expect(r.exitCode).toBe(0);
          const p = r.processes[0]!;
          expect(p.pagesOut).toBeGreaterThan(32 - frames);
          expect(p.swapWrites).toBeGreaterThanOrEqual(32 - frames);
          expect(p.pagesIn.swap).toBeGreaterThan(0);
          expect(r.stats.pageFaults).toBe(p.pageFaults);
        });

  it('runs with 1, 3 and 4 page-table levels and with no TLB', () => {
    for (const levels of [1, 3, 4]) {
      const r = run([integrity()], { kernel: { frames: 8 }, machine: { levels } });
      expect(r.out, `levels ${levels}`).toBe('bad words: 0\n');
    }
    const r = run([integrity()], { kernel: { frames: 8 }, machine: { tlb: false } });
    expect(r.out).toBe('bad words: 0\n');
  });

  it('several processes share the frames; per-process page faults add up to the total', () => {
    const m = integrity();
    const r = run([m, program('hello.s'), m], { kernel: { frames: 8, replace: 'clock' } });
    expect(r.out.split('\n').sort()).toEqual(['', 'bad words: 0', 'bad words: 0', 'hello from process 2']);
    expect(r.exitCode).toBe(0);
    const sum = r.processes.reduce((a, p) => a + p.pageFaults, 0);
    expect(sum).toBe(r.stats.pageFaults);
    expect(r.processes.every((p) => p.pageFaults > 0)).toBe(true);
  });

  it('fifo faults equal a textbook FIFO on the run\'s reference string', () => {
    // Pages of a bss array touched in the order of Belady's example, then again in reverse.
    const order = [1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5];
    const seq = [...order, ...order.reverse()];
    const body = `
.text
_start:
    la   s0, pages
${seq.map((k) => `    li   t0, ${k * 4096}\n    add  t0, s0, t0\n    lw   t1, 0(t0)\n    sw   t1, 4(t0)`).join('\n')}
    li   a0, 0
    call exit
.bss
.align 4096
pages: .space 6 * 4096
`;
    const p = program('belady.s', body);
    for (const frames of [3, 4, 5, 6]) {
      const keys: number[] = [];
      let last = -1;
      const r = run([p], {
        kernel: { frames },
        tracer: (m) => ({
          access: (va: number) => {
            const key = pageKey(m().mmu.asid, va >>> PAGE_SHIFT);
            if (key !== last) keys.push(key);
            last = key;
          },
        }),
        monitor: (_m, ev, a0) => {
          if (ev === MonitorEvent.PROC_EXIT) keys.push(exitKey(a0));
        },
      });
      expect(r.exitCode).toBe(0);
      const textbook = simulate(refsFromKeys(keys), 'fifo', frames);
      expect(r.stats.pageFaults, `${frames} frames`).toBe(textbook.faults);
    }
  });

  it('after every serviced fault, the resident count is the number of valid leaves, each in its own user frame', () => {
    const roots = new Map<number, number>();
    const m = integrity();
    let checks = 0;
    const r = run([m, m], {
      kernel: { frames: 6, replace: 'aging' },
      machine: { levels: 3 },
      monitor: (machine, ev, a0, a1, a2, a3) => {
        if (ev === MonitorEvent.PROC_START) roots.set(a0, a2);
        if (ev === MonitorEvent.PROC_EXIT) roots.delete(a0); // its tables are freed now
        if (ev !== MonitorEvent.FAULT_DONE) return;
        const mm = machine();
        const frames = new Set<number>();
        let mine = 0;
        for (const [pid, root] of roots) {
          const leaves = validLeaves(mm, root, GEOMETRIES[3]);
          for (const pfn of leaves) {
            expect(frames.has(pfn), `frame ${pfn} mapped twice`).toBe(false);
            frames.add(pfn);
          }
          if (pid === a0) mine = leaves.length;
        }
        expect(mine).toBe(a3);
        checks++;
      },
    });
    expect(r.out).toBe('bad words: 0\nbad words: 0\n');
    expect(checks).toBeGreaterThan(50);
  });

  // One word in each of 24 heap pages, incremented round after round, then checked.
  const touch = () =>
    program(
      'touch.s',
      `
.equ PAGES, 24
.equ ROUNDS, 4
.text
_start:
    li   a0, PAGES * PAGE_SIZE
    call sbrk
    mv   s0, a0
    li   s1, PAGES * PAGE_SIZE
    add  s1, s0, s1
    li   s2, ROUNDS
    li   t3, PAGE_SIZE
.round:
    mv   t0, s0
.touch:
    lw   t2, 0(t0)
    addi t2, t2, 1
    sw   t2, 0(t0)
    add  t0, t0, t3
    bne  t0, s1, .touch
    addi s2, s2, -1
    bnez s2, .round
    li   a0, 0
    li   t1, ROUNDS
    mv   t0, s0
.check:
    lw   t2, 0(t0)
    beq  t2, t1, .ok
    li   a0, 1
.ok:
    add  t0, t0, t3
    bne  t0, s1, .check
    call exit
`,
    );

  it('never leaves a stale translation in the TLB (--check-tlb), with any policy', () => {
    const t = touch();
    for (const replace of POLICIES) {
      let stale = 0;
      const r = run([t, t], {
        kernel: { replace, frames: 6, quantum: 3000 },
        machine: { checkTlb: true, tlb: 16, tlbSplit: true },
        tracer: () => ({ staleTlb: () => void stale++ }),
      });
      expect(r.processes.map((p) => p.exitCode), replace).toEqual([0, 0]);
      expect(r.stats.pageFaults, replace).toBeGreaterThan(100);
      expect(stale, replace).toBe(0);
    }
  });

  it('a kernel that forgets to invalidate the TLB on eviction corrupts memory, and integrity.s sees it', () => {
    const kfile = defaultKernelPath();
    const framesFile = path.join(path.dirname(kfile), 'frames.s');
    const eviction = '    tlbinv t0\n    lw   a0, FT_PID(s1)';
    const readFile = (p: string) => {
      const text = readFileSync(p, 'utf8');
      if (path.resolve(p) !== framesFile) return text;
      expect(text).toContain(eviction);
      return text.replace(eviction, '    nop\n    lw   a0, FT_PID(s1)');
    };
    const k = assembleSource(readFileSync(kfile, 'utf8'), kfile, readFile);
    expect(k.diagnostics).toEqual([]);
    // The stale translation of an evicted page reaches the frame's next page: either integrity.s
    // reads wrong words, or (here, with its text page) the process runs into a zeroed frame.
    for (const tlb of [4, 64]) {
      const r = run([integrity()], { kernel: { frames: 4 }, machine: { tlb }, kernelExe: k.exe! });
      expect(r.exitCode).toBe(1);
      const caught = /^bad words: [1-9]\d*\n$/.test(r.out) || r.processes[0]!.status === 'killed';
      expect(caught, `${r.out}${r.err}`).toBe(true);
    }
    // And --check-tlb points at it.
    let stale = 0;
    run([touch()], {
      kernel: { frames: 4 },
      machine: { checkTlb: true },
      kernelExe: k.exe!,
      tracer: () => ({ staleTlb: () => void stale++ }),
    });
    expect(stale).toBeGreaterThan(0);
  });
});

describe('soak', () => {
  it(`random machines and policies: every run finishes with every word intact (${LONG ? 60 : 3} runs)`, () => {
    const rng = new Prng(2024);
    const check = integrity();
    const hello = program('hello.s');
    for (let i = 0; i < (LONG ? 60 : 3); i++) {
      const progs = [check, hello, check].slice(0, 1 + rng.below(3));
      const kernel: Partial<KernelOptions> = {
        replace: POLICIES[rng.below(POLICIES.length)]!,
        // Three frames per process: enough that no round-robin schedule thrashes for ever.
        frames: 3 * progs.length + rng.below(12),
        quantum: 200 + rng.below(30000),
      };
      const tlb = [1, 4, 16, 64][rng.below(4)]!;
      const machine: MachineOptionValues =
        rng.below(5) === 0
          ? { tlb: false }
          : { tlb, tlbWays: rng.below(2) === 0 ? 1 : tlb, tlbSplit: rng.below(2) === 0 };
      Object.assign(machine, {
        levels: 1 + rng.below(4),
        diskLatency: 1 + rng.below(40000),
        diskJitter: rng.below(3) === 0 ? rng.below(500) : 0,
        seed: rng.nextU32(),
      });
      const what = JSON.stringify({ kernel, machine, programs: progs.length });
      const r = run(progs, { kernel, machine });
      expect(r.err, what).toBe('');
      expect(r.exitCode, what).toBe(0);
      // (Two processes' lines may interleave: each prints in pieces.)
      expect(r.out.match(/bad words/g)?.length ?? 0, what).toBe(progs.filter((p) => p === check).length);
      expect(r.out.match(/bad words: \d*[1-9]/), what).toBeNull();
    }
  });
});

/** Frames of the valid leaf PTEs under a root table (the kernel makes no superpages). */
function validLeaves(m: Machine, rootPa: number, g: Geometry): number[] {
  const out: number[] = [];
  const walk = (tablePa: number, level: number) => {
    for (let i = 0; i < 2 ** g[level]!; i++) {
      const pte = m.readPhysWord(tablePa + 4 * i);
      if ((pte & Pte.V) === 0) continue;
      const pa = (pte >>> PAGE_SHIFT) << PAGE_SHIFT;
      if (level === g.length - 1) {
        expect(pte & PTE_RWX).not.toBe(0);
        out.push(pte >>> PAGE_SHIFT);
      } else {
        expect(pte & PTE_RWX).toBe(0);
        walk(pa, level + 1);
      }
    }
  };
  walk(rootPa, 0);
  return out;
}

describe('faults that end one process', () => {
  const hello = program('hello.s');
  const cases: [string, string, RegExp][] = [
    ['store to 0', '    li t0, 0\n    sw t0, 0(t0)', /store to 0x00000000 outside every region, pc 0x[0-9a-f]{8} \(.*test\/bad\.s:\d+\)/],
    ['store to text', '    la t0, _start\n    sw t0, 0(t0)', /store to 0x0000[0-9a-f]{4} in a read-only region/],
    ['load from the kernel segment', `    li t0, ${KSEG_BASE}\n    lw t0, 0(t0)`, /load from 0x80000000 in the kernel segment/],
    ['fetch from data', '    la t0, word\n    jalr zero, t0, 0', /fetch from 0x0000[0-9a-f]{4} in a region that is not executable/],
    ['a privileged instruction', '    halt', /privileged instruction 0x0000004b/],
    ['an illegal instruction', '    .word 0xffffffff', /illegal instruction 0xffffffff/],
    ['a misaligned load', '    la t0, word\n    lw t0, 2(t0)', /misaligned load from 0x0000[0-9a-f]{4}/],
    ['a breakpoint', '    break', /breakpoint/],
    ['a bad write buffer', '    li a0, 1\n    li a1, 0x7000\n    li a2, 10\n    call write', /ended by the kernel: bad pointer or length passed to a system call/],
  ];
  for (const [what, code, message] of cases)
    it(`${what}: only that process ends, with a message`, () => {
      const bad = program('bad.s', `.text\n_start:\n${code}\n    li a0, 0\n    call exit\n.data\nword: .word 1\n`);
      const r = run([bad, hello]);
      expect(r.out).toBe('hello from process 2\n');
      expect(r.err).toMatch(new RegExp(`^vmlab: process 1 \\(bad\\.s\\) (killed|ended by the kernel): .*\\n$`));
      expect(r.err).toMatch(message);
      expect(r.processes[0]!.status).toMatch(/killed|failed/);
      expect(r.processes[1]).toMatchObject({ status: 'exited', exitCode: 0 });
      expect(r.exitCode).toBe(1);
    });

  it('the swap area full ends the process that needs a slot', () => {
    const r = run([integrity()], { kernel: { frames: 4, swapBlocks: 8 } });
    expect(r.err).toBe('vmlab: process 1 (integrity.s) ended by the kernel: out of memory: the swap area is full\n');
    expect(r.exitCode).toBe(1);
  });

  it('a reserve with no room for page tables ends the process that needs one', () => {
    // frame table, swap map, reserve links and the root table: one page each, nothing more.
    const r = run([program('hello.s')], { kernel: { kernelFrames: 4 } });
    expect(r.err).toMatch(/^vmlab: process 1 \(hello\.s\) ended by the kernel: out of memory: no frame left in the kernel reserve/);
    expect(r.exitCode).toBe(1);
  });

  it('a reserve too small for the kernel itself stops the boot with a message', () => {
    const r = run([program('hello.s')], { kernel: { kernelFrames: 2 } });
    expect(r.out).toBe("vmlab kernel: kernel reserve too small for the kernel's tables\n");
    expect(r.exitCode).toBe(2);
  });

  it('disk errors are retried; a page that cannot be read ends its process', () => {
    const ok = run([integrity()], { kernel: { frames: 8 }, machine: { diskErrorRate: 0.2, seed: 3 } });
    expect(ok.stats.disk.errors).toBeGreaterThan(5);
    expect(ok.out).toBe('bad words: 0\n');
    const bad = run([integrity()], { kernel: { frames: 8 }, machine: { diskErrorRate: 0.7, seed: 5 } });
    expect(bad.err).toMatch(/ended by the kernel: disk error while paging/);
    expect(bad.exitCode).toBe(1);
  });
});
