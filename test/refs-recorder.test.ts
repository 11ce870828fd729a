// --refs: the reference string a run records (exact content on a tiny program, the kernel's
// own accesses through user addresses, exits), the file and in-memory recorders agreeing, and
// the kernel's FIFO taking exactly the faults of an offline FIFO replay of the run's own string,
// with several processes.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PAGE_SHIFT } from '../src/arch/pte.ts';
import { runCommand } from '../src/cli/run.ts';
import { nullTracer } from '../src/machine/tracers.ts';
import { exitKey, pageKey, parseRefs, RefsWriter } from '../src/study/refs-format.ts';
import { RefKeys, refsTracer } from '../src/study/refs-recorder.ts';
import { simulate } from '../src/study/replay.ts';
import { fanOut } from '../src/study/session.ts';
import { kernelRun, pagesProgram, symbol, userProgram, ROOT, type Program } from './study-helpers.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vmlab-refs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs with a RefKeys recorder and, beside it, a tracer that keeps every access (no dedup). */
function record(programs: Program[], kernel: { frames?: number; quantum?: number; replace?: 'fifo' | 'clock' } = {}) {
  const keys = new RefKeys();
  const raw: number[] = [];
  const run = kernelRun(programs, {
    kernel,
    tracer: (b) => {
      const m = b.machine;
      const all = nullTracer({ access: (va) => void raw.push(pageKey(m.mmu.asid, va >>> PAGE_SHIFT)) });
      return fanOut([refsTracer(m, keys), all]);
    },
  });
  return { run, refs: keys.refs(), raw };
}

describe('the reference string of a tiny program', () => {
  const BODY = `
.text
_start:
    la   t0, buf
    lw   t1, 0(t0)          # page A
    lw   t1, 4096(t0)       # page B
    lw   t1, 0(t0)          # page A again
    li   a0, 1
    la   a1, msg            # a page only the kernel's write reads
    li   a2, 3
    call write
    li   a0, 0
    call exit
.data
msg: .ascii "ok\\n"
.bss
.align 4096
buf: .space 2 * 4096
`;
  const p = userProgram('tiny.s', BODY);
  const text = symbol(p.exe, '_start') >>> PAGE_SHIFT;
  const a = symbol(p.exe, 'buf') >>> PAGE_SHIFT;
  const b = a + 1;
  const msg = symbol(p.exe, 'msg') >>> PAGE_SHIFT;
  const { run, refs, raw } = record([p]);
  const keys = [...refs.keys];

  it('runs', () => {
    expect(run.exitCode).toBe(0);
    expect(run.out).toBe('ok\n');
  });

  it('is every translated access with consecutive repeats dropped, then the exit', () => {
    const dedup = raw.filter((k, i) => i === 0 || k !== raw[i - 1]);
    expect(keys).toEqual([...dedup, exitKey(1)]);
  });

  it('has the program\'s data pages in its order, each fault recorded when it happens and again at the retry', () => {
    const data = keys.filter((k) => k >= 0 && k !== pageKey(1, text));
    // A faults (recorded), retried after the fetch of its instruction: A again. Then B the same
    // way, then A (resident now), then the message page, read by the kernel's write in kernel
    // mode through the user address. The kernel checks the page before reading it and brings
    // it in without a trap, so it is recorded once, when it is read.
    expect(data).toEqual([a, a, b, b, a, msg].map((v) => pageKey(1, v)));
    expect(keys[0]).toBe(pageKey(1, text));
    expect(keys[keys.length - 1]).toBe(exitKey(1));
    expect(run.stats.pageFaults).toBe(3);
    const pin = run.processes[0]!.pagesIn;
    expect(pin.zero + pin.executable + pin.swap).toBe(4);
    // The replay counts the pages brought in: the three faults and the message page.
    expect(simulate(refs, 'fifo', 8).faults).toBe(4);
  });

  it('vmlab run --refs writes the same string to the file', () => {
    const file = path.join(dir, 'tiny.refs');
    const src = path.join(dir, 'tiny.s');
    // The same program from a file (the include made absolute).
    writeFileSync(src, `.include "${path.join(ROOT, 'asm/lib/user.s')}"\n${BODY}`);
    const code = runCommand([src], { refs: file }, { out: () => {}, err: () => {} });
    expect(code).toBe(0);
    const content = readFileSync(file, 'utf8');
    expect(content.split('\n')[0]).toMatch(/^# vmlab page reference string/);
    expect([...parseRefs(content, file).keys]).toEqual(keys);
    expect(content).toContain(`1 0x${a.toString(16)}\n1 0x${text.toString(16)}\n`);
    expect(content.endsWith('1 exit\n')).toBe(true);
  });
});

describe('RefKeys and RefsWriter', () => {
  it('drop the same repeats and restart after an exit', () => {
    const file = path.join(dir, 'w.refs');
    const w = RefsWriter.open(file);
    const k = new RefKeys();
    const ops: [number, number][] = [[1, 5], [1, 5], [2, 5], [2, 5], [1, 5], [1, 6], [1, -1], [1, 6], [3, 0], [3, 0]];
    for (const [pid, vpn] of ops) {
      if (vpn < 0) {
        w.exit(pid);
        k.exit(pid);
      } else {
        w.access(pid, vpn);
        k.access(pid, vpn);
      }
    }
    w.close();
    expect([...parseRefs(readFileSync(file, 'utf8'), file).keys]).toEqual([...k.refs().keys]);
    expect(k.length).toBe(7);
  });
});

describe("the kernel's FIFO", () => {
  it('takes exactly the faults of an offline FIFO replay of the run\'s own reference string, with three processes', () => {
    const progs = [pagesProgram(9, 3), pagesProgram(7, 4), pagesProgram(11, 2)];
    // (With 5 frames or fewer these three thrash for ever: each needs two pages at once.)
    for (const [frames, quantum] of [[6, 700], [8, 3000], [13, 700], [13, 20000]] as const) {
      const { run, refs } = record(progs, { frames, quantum, replace: 'fifo' });
      expect(run.processes.map((p) => p.exitCode), `${frames} frames`).toEqual([0, 0, 0]);
      expect(refs.keys.filter((k) => k < 0)).toHaveLength(3);
      const replay = simulate(refs, 'fifo', frames);
      expect(run.stats.pageFaults, `${frames} frames`).toBe(replay.faults);
      expect(run.stats.pageFaults).toBeGreaterThan(27);
    }
  });

  it('and with clock the kernel is not a textbook FIFO (the check can fail)', () => {
    const progs = [pagesProgram(9, 3), pagesProgram(7, 4)];
    const { run, refs } = record(progs, { frames: 5, quantum: 700, replace: 'clock' });
    expect(run.exitCode).toBe(0);
    expect(run.stats.pageFaults).not.toBe(simulate(refs, 'fifo', 5).faults);
  });
});
