// Hostile programs (asm/tests/hostile/) beside healthy ones: each hostile program must end
// alone, with a message saying why, while integrity.s beside it keeps every word and exits 0
// and the kernel goes on. Also the kernel's limits (the swap area, --max-cycles) and
// --check-kernel, shown to fire on kernels broken on purpose.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReplacePolicyName } from '../src/arch/memmap.ts';
import { Pte } from '../src/arch/pte.ts';
import { assembleSource } from '../src/asm/index.ts';
import { defaultKernelPath } from '../src/os/boot.ts';
import { nextValid } from '../src/os/check-kernel.ts';
import type { ProcessStatus } from '../src/os/processes.ts';
import { badWordCounts, HOSTILE, integrity, LONG, program, ROOT, runKernel, stopWhenOthersEnd, TIMEOUT } from './hardening-harness.ts';

interface Expectation {
  /** How the hostile process ends: killed (a trap), failed (the kernel ended it), exited, or still running at the cycle limit. */
  status: ProcessStatus;
  /** Its message (what the CLI prints after "process N (name) killed: "). */
  message?: RegExp;
  /** Runs for ever: the run ends at the cycle limit. */
  endless?: boolean;
}

const BAD_SYSCALL = /^bad pointer or length passed to a system call$/;

/** Every program in asm/tests/hostile/ and what it must come to. */
const HOSTILE_PROGRAMS: Readonly<Record<string, Expectation>> = {
  'kernel-store.s': { status: 'killed', message: /^store to 0x80000000 in the kernel segment, pc 0x[0-9a-f]{8} \(.*asm\/tests\/hostile\/kernel-store\.s:\d+\)$/ },
  'kernel-load.s': { status: 'killed', message: /^load from 0x80000000 in the kernel segment, pc / },
  'kernel-jump.s': { status: 'killed', message: /^fetch from 0x80000000 in the kernel segment, pc 0x80000000$/ },
  'privileged-csr.s': { status: 'killed', message: /^privileged instruction 0x[0-9a-f]{8}, pc .*privileged-csr\.s:\d+\)$/ },
  'privileged-halt.s': { status: 'killed', message: /^privileged instruction 0x0000004b, pc / },
  'illegal.s': { status: 'killed', message: /^illegal instruction 0xffffffff, pc / },
  'breakpoint.s': { status: 'killed', message: /^breakpoint, pc / },
  'misaligned.s': { status: 'killed', message: /^misaligned load from 0x0000[0-9a-f]{3}[13579bdf], pc / },
  'self-modify.s': { status: 'killed', message: /^store to 0x0000[0-9a-f]{4} in a read-only region, pc / },
  'null-jump.s': { status: 'killed', message: /^fetch from 0x00000000 outside every region, pc 0x00000000$/ },
  'use-after-free.s': { status: 'killed', message: /^store to 0x0000[0-9a-f]{4} outside every region, pc / },
  'stack-overflow.s': { status: 'killed', message: /^store to 0x7fef[0-9a-f]{4} outside every region, pc / },
  'heap-bomb.s': { status: 'failed', message: /^out of memory: the swap area is full$/ },
  'syscall-kernel-ptr.s': { status: 'failed', message: BAD_SYSCALL },
  'syscall-unmapped-ptr.s': { status: 'failed', message: BAD_SYSCALL },
  'syscall-huge-len.s': { status: 'failed', message: BAD_SYSCALL },
  'syscall-wrap.s': { status: 'failed', message: BAD_SYSCALL },
  'syscall-straddle.s': { status: 'failed', message: BAD_SYSCALL },
  'syscall-junk.s': { status: 'exited' },
  'endless-loop.s': { status: 'running', endless: true },
  'yield-storm.s': { status: 'running', endless: true },
};

/** What the hostile program itself may print (only syscall-junk prints, one line at once). */
const OWN_OUTPUT: Readonly<Record<string, string>> = {
  'syscall-junk.s': 'syscall-junk: every bad call refused\n',
};

const POLICIES: ReplacePolicyName[] = ['fifo', 'clock', 'aging', 'random'];

/**
 * Runs integrity.s (with `pages` pages) and the hostile program, in the order given, and checks
 * everything the brief asks: the healthy program's output and status are those of a run on its
 * own, the hostile one ends as expected with its message, the machine never stops on a kernel
 * bug, and --check-kernel finds nothing.
 */
function checkBeside(
  name: string,
  opts: { hostileFirst: boolean; pages: number; replace: ReplacePolicyName; frames: number; swapBlocks?: number },
): void {
  const want = HOSTILE_PROGRAMS[name]!;
  const healthy = integrity(opts.pages);
  const hostile = program(path.join(HOSTILE, name));
  const progs = opts.hostileFirst ? [hostile, healthy] : [healthy, hostile];
  const hi = opts.hostileFirst ? 0 : 1;
  const what = `${name} ${JSON.stringify(opts)}`;
  // An endless program: the test ends the run once the healthy one is done.
  const r = runKernel(progs, {
    kernel: { frames: opts.frames, replace: opts.replace, ...(opts.swapBlocks === undefined ? {} : { swapBlocks: opts.swapBlocks }) },
    ...(want.endless === true ? { monitor: stopWhenOthersEnd(2, [hi + 1]) } : {}),
  });
  const h = r.processes[1 - hi]!;
  const x = r.processes[hi]!;
  // The healthy program: as if alone.
  expect(r.out.replace(OWN_OUTPUT[name] ?? '\0', ''), what).toBe('bad words: 0\n');
  expect(h, what).toMatchObject({ status: 'exited', exitCode: 0, message: null });
  // The hostile program: ended as expected, with its message on the error stream.
  expect(x.status, what).toBe(want.status);
  if (want.message !== undefined) {
    expect(x.message, what).toMatch(want.message);
    const verb = want.status === 'killed' ? 'killed' : 'ended by the kernel';
    expect(r.err, what).toBe(`vmlab: process ${x.pid} (${name}) ${verb}: ${x.message}\n`);
  } else {
    expect(r.err, what).toBe('');
  }
  // The kernel: never a double fault or a deadlock; --check-kernel saw every fault and no violation.
  expect(r.stop.reason, what).toBe(want.endless === true ? 'stopped' : 'halt');
  expect(r.checker!.failure, what).toBeNull();
  expect(r.checker!.checks, what).toBeGreaterThan(0);
  expect(r.exitCode, what).toBe(want.endless === true ? 5 : want.status === 'exited' ? 0 : 1);
}

describe('hostile programs beside integrity.s', () => {
  it('the table names every program in asm/tests/hostile/', () => {
    const files = readdirSync(HOSTILE).filter((f) => f.endsWith('.s')).sort();
    expect(files).toEqual(Object.keys(HOSTILE_PROGRAMS).sort());
  });

  // The normal run: each program after the healthy one and before it, with a small integrity
  // (32 pages), 8 frames and a small swap area (so that the heap bomb fills it soon);
  // VMLAB_LONG=1 adds the full-size integrity with every policy and the default swap area.
  for (const name of Object.keys(HOSTILE_PROGRAMS))
    it(`${name}: only it ends, integrity keeps every word`, () => {
      checkBeside(name, { hostileFirst: false, pages: 32, replace: 'fifo', frames: 8, swapBlocks: 256 });
      checkBeside(name, { hostileFirst: true, pages: 32, replace: 'clock', frames: 8, swapBlocks: 256 });
      if (LONG)
        for (const replace of POLICIES) {
          checkBeside(name, { hostileFirst: false, pages: 256, replace, frames: 8 });
          checkBeside(name, { hostileFirst: true, pages: 256, replace, frames: 12 });
        }
    }, TIMEOUT);

  it('every hostile program at once, beside two integrity processes', () => {
    const names = Object.keys(HOSTILE_PROGRAMS).filter((n) => HOSTILE_PROGRAMS[n]!.endless !== true);
    const healthy = integrity(32);
    const progs = [healthy, ...names.map((n) => program(path.join(HOSTILE, n))), healthy];
    const r = runKernel(progs, { kernel: { frames: 3 * progs.length } });
    expect(badWordCounts(r.out)).toEqual([0, 0]);
    expect(r.processes[0]).toMatchObject({ status: 'exited', exitCode: 0 });
    expect(r.processes[progs.length - 1]).toMatchObject({ status: 'exited', exitCode: 0 });
    names.forEach((n, i) => expect(r.processes[i + 1]!.status, n).toBe(HOSTILE_PROGRAMS[n]!.status));
    expect(r.stop.reason).toBe('halt');
    expect(r.checker!.failure).toBeNull();
  });
});

describe('acceptance, through the command line', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vmlab-hostile-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('vmlab run integrity.s kernel-store.s --frames 8: non-zero only because of the hostile program', () => {
    const r = spawnSync(
      process.execPath,
      [path.join(ROOT, 'bin/vmlab.js'), 'run', 'asm/examples/integrity.s', 'asm/tests/hostile/kernel-store.s', '--frames', '8', '--check-kernel'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(r.stdout).toBe('bad words: 0\n');
    expect(r.stderr).toMatch(/^vmlab: process 2 \(kernel-store\.s\) killed: store to 0x80000000 in the kernel segment, pc 0x[0-9a-f]{8} \(asm\/tests\/hostile\/kernel-store\.s:\d+\)\nvmlab: --check-kernel: [\d,]+ serviced page faults checked, no violation\n$/);
    expect(r.status).toBe(1);
  });

  it('--max-cycles stops an endless program with a message and the statistics so far', () => {
    const json = path.join(dir, 'stats.json');
    const r = spawnSync(
      process.execPath,
      [path.join(ROOT, 'bin/vmlab.js'), 'run', 'asm/examples/hello.s', 'asm/tests/hostile/endless-loop.s', '--max-cycles', '3000000', '--stats', '--stats-json', json],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(r.stdout).toBe('hello from process 1\n');
    expect(r.stderr).toMatch(/^vmlab: stopped at the cycle limit \(3000000 cycles; see --max-cycles\)\n/);
    expect(r.stderr).toMatch(/\n\s*cycles\s+3,0\d\d,\d{3}\n/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // never a stack trace
    expect(r.status).toBe(4);
    const stats = JSON.parse(readFileSync(json, 'utf8')) as { cycles: number; stop: { reason: string }; processes: { status: string }[] };
    expect(stats.stop.reason).toBe('max-cycles');
    expect(stats.cycles).toBeGreaterThanOrEqual(3_000_000);
    expect(stats.processes.map((p) => p.status)).toEqual(['exited', 'running']);
  });
});

describe('limits', () => {
  it('a full swap area ends the process holding the most swap, not the innocent one that needed a slot', () => {
    // heap-bomb runs first and takes nearly all of 600 slots; integrity (256 pages) needs a slot
    // when none is left: the bomb must be the one to go, and integrity must finish intact.
    for (const replace of POLICIES) {
      const r = runKernel([program(path.join(HOSTILE, 'heap-bomb.s')), integrity()], { kernel: { frames: 8, swapBlocks: 600, replace } });
      expect(r.out, replace).toBe('bad words: 0\n');
      expect(r.processes[0], replace).toMatchObject({ status: 'failed', message: 'out of memory: the swap area is full' });
      expect(r.processes[1], replace).toMatchObject({ status: 'exited', exitCode: 0 });
      expect(r.checker!.failure, replace).toBeNull();
    }
  });

  it('a process that alone needs more swap than there is ends, with a clear message', () => {
    const r = runKernel([integrity(64)], { kernel: { frames: 4, swapBlocks: 16 } });
    expect(r.err).toBe('vmlab: process 1 (integrity.s) ended by the kernel: out of memory: the swap area is full\n');
    expect(r.exitCode).toBe(1);
  });

  it('--heap-pages stops the heap bomb before the swap area fills', () => {
    const r = runKernel([program(path.join(HOSTILE, 'heap-bomb.s')), integrity(32)], { kernel: { frames: 8, heapPages: 100 } });
    expect(r.out).toBe('bad words: 0\n');
    expect(r.processes[0]!.message).toMatch(/^store to 0x000[0-9a-f]{5} outside every region/);
  });

  it('--stack-pages bounds the stack', () => {
    const r = runKernel([program(path.join(HOSTILE, 'stack-overflow.s'))], { kernel: { frames: 4, stackPages: 3 } });
    expect(r.processes[0]!.message).toMatch(/^store to 0x7fffcffc outside every region/);
  });
});

describe('--check-kernel', () => {
  const kfile = defaultKernelPath();
  const kdir = path.dirname(kfile);

  /** The kernel with one line of `file` replaced: a kernel with a bug of our making. */
  function brokenKernel(file: string, from: string, to: string) {
    const target = path.join(kdir, file);
    const k = assembleSource(readFileSync(kfile, 'utf8'), kfile, (p) => {
      const text = readFileSync(p, 'utf8');
      if (path.resolve(p) !== target) return text;
      expect(text.split(from).length, `${file} holds '${from}' once`).toBe(2);
      return text.replace(from, to);
    });
    expect(k.diagnostics).toEqual([]);
    return k.exe!;
  }

  const two = () => [integrity(32), integrity(32)];

  it('finds nothing wrong with the real kernel, with every policy and geometry', () => {
    // Each policy with each geometry under VMLAB_LONG=1; otherwise each once (a diagonal).
    for (const replace of POLICIES)
      for (const levels of [1, 2, 3, 4]) {
        if (!LONG && levels !== POLICIES.indexOf(replace) + 1) continue;
        const r = runKernel(two(), { kernel: { frames: 6, replace }, machine: { levels } });
        expect(badWordCounts(r.out), `${replace} ${levels}`).toEqual([0, 0]);
        expect(r.checker!.failure, `${replace} ${levels}`).toBeNull();
        expect(r.checker!.checks).toBeGreaterThan(20);
      }
  }, TIMEOUT);

  it('fires when eviction leaves the old mapping in place: a frame mapped twice', () => {
    // evict writes the not-present PTE with `sw t0, 0(t1)` after loading FT_PTE into t1.
    const k = brokenKernel('frames.s', '    lw   t1, FT_PTE(s1)\n    sw   t0, 0(t1)', '    lw   t1, FT_PTE(s1)\n    nop');
    const r = runKernel(two(), { kernel: { frames: 6 }, kernelExe: k });
    expect(r.stop.reason).toBe('stopped');
    expect(r.stop.message).toMatch(/^--check-kernel: after the page fault of process \d at 0x[0-9a-f]{8} \(pc 0x[0-9a-f]{8}\): frame 0x[0-9a-f]{5} is mapped twice: by process \d at 0x[0-9a-f]{8} and by process \d at 0x[0-9a-f]{8}$/);
    expect(r.exitCode).toBe(5);
  });

  it('fires when a page is mapped to a frame outside the user pool', () => {
    // page_map builds the PTE from k_user_pfn + frame; leave out the pool's base.
    const k = brokenKernel('fault.s', '    add  t0, t0, s1\n    slli t0, t0, PTE_PFN_SHIFT', '    mv   t0, s1\n    slli t0, t0, PTE_PFN_SHIFT');
    const r = runKernel(two(), { kernel: { frames: 6 }, kernelExe: k });
    expect(r.stop.message).toMatch(/^--check-kernel: after the page fault of process 1 at 0x[0-9a-f]{8} \(pc 0x[0-9a-f]{8}\): process 1's PTE 0x[0-9a-f]{8} \(level 1, index \d+\) for page 0x[0-9a-f]{8} maps frame 0x0000\d, outside the user frame pool$/);
  });

  it('fires when the kernel miscounts the resident pages', () => {
    // evict decrements the owner's resident count; drop the store.
    const k = brokenKernel('frames.s', '    addi t0, t0, -1\n    sw   t0, PCB_RESIDENT(a0)', '    addi t0, t0, -1\n    nop');
    const r = runKernel(two(), { kernel: { frames: 6 }, kernelExe: k });
    expect(r.stop.message).toMatch(/: process \d has \d+ valid leaf PTEs but the kernel counts \d+ resident pages$/);
  });

  it('its scan for valid entries (skipping zero runs natively) agrees with a plain one', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: -0x80000000, max: 0x7fffffff })), { maxLength: 20 }),
        fc.nat(),
        fc.nat(),
        (pages, words, a, b) => {
          const mem = new Int32Array(pages * 1024);
          for (const [i, v] of words) mem[i % mem.length] = v;
          const bytes = new Uint8Array(mem.buffer);
          const from = a % (mem.length + 1);
          const to = from + (b % (mem.length - from + 1));
          let plain = -1;
          for (let w = from; w < to; w++)
            if ((mem[w]! & Pte.V) !== 0) {
              plain = w;
              break;
            }
          expect(nextValid(mem, bytes, from, to)).toBe(plain);
        },
      ),
      { numRuns: LONG ? 20_000 : 500 },
    );
  });

  it('stays quiet without the option', () => {
    const k = brokenKernel('frames.s', '    addi t0, t0, -1\n    sw   t0, PCB_RESIDENT(a0)', '    addi t0, t0, -1\n    nop');
    const r = runKernel(two(), { kernel: { frames: 6, checkKernel: false }, kernelExe: k });
    expect(r.checker).toBeNull();
    expect(r.stop.reason).toBe('halt');
  });
});
