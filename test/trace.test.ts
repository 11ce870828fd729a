// --trace: the text and JSON-lines traces of a small kernel run (their structure, a few exact
// lines, the order of the events of one page fault), the CLI options, and that tracing does
// not change the run.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCommand, type RunIO } from '../src/cli/run.ts';
import { kernelTraceSource, startStudy, type StudyOptionValues, type StudySession } from '../src/study/session.ts';
import { TRACE_KINDS, parseTraceKinds, pteFlags } from '../src/study/trace.ts';
import { UserError } from '../src/util/errors.ts';
import { Pte } from '../src/arch/pte.ts';
import { kernelRun, lineOf, symbol, userProgram, ROOT } from './study-helpers.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vmlab-trace-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BODY = `
.text
_start:
    la   t0, buf
    lw   t1, 0(t0)          # LOAD
    addi t1, t1, 7
    sw   t1, 0(t0)          # STORE
    li   a0, 0
    call exit
.bss
.align 4096
buf: .space 4096
`;
const demo = userProgram('trace-demo.s', BODY);
const LOAD_LINE = lineOf(BODY, '# LOAD');
const loadPc = symbol(demo.exe, '_start') + 8; // after la (lui + ori)
const buf = symbol(demo.exe, 'buf');

function hex8(v: number): string {
  return '0x' + (v >>> 0).toString(16).padStart(8, '0');
}

/** The demo program run with the study options; returns the trace text and the run. */
function traced(opts: StudyOptionValues) {
  let text = '';
  let session: StudySession | null = null;
  const run = kernelRun([demo], {
    tracer: (b) => {
      session = startStudy(opts, kernelTraceSource(b), (t) => {
        text += t;
      });
      return session.tracer;
    },
  });
  session!.finish();
  return { text, run };
}

const TEXT_LINE = new RegExp(`^ {0,9}\\d+  (${TRACE_KINDS.join('|')}) +\\S`);

describe('text trace', () => {
  const { text, run } = traced({ trace: 'all' });
  const lines = text.trimEnd().split('\n');

  it('is one event per line: cycle stamp, kind, event, in fixed columns, stamps in order', () => {
    expect(run.exitCode).toBe(0);
    expect(lines.length).toBeGreaterThan(40);
    let last = 0;
    for (const l of lines) {
      expect(l).toMatch(TEXT_LINE);
      // Stamp right-aligned in 10 columns, then two blanks; the kind in 7 + 1.
      expect(l.slice(10, 12)).toBe('  ');
      expect(l[19]).toBe(' ');
      const cycle = Number(l.slice(0, 10));
      expect(cycle).toBeGreaterThanOrEqual(last);
      last = cycle;
    }
    // Every kind shows up in this run.
    for (const k of TRACE_KINDS) expect(lines.some((l) => l.slice(12, 19).trim() === k), k).toBe(true);
  });

  it('shows the load fault with its address, pc, pid and source line, exactly', () => {
    const fault = lines.filter((l) => l.includes('load page fault'));
    expect(fault).toHaveLength(1);
    expect(fault[0]!.slice(10)).toBe(
      `  fault   load page fault   va ${hex8(buf)}  pc ${hex8(loadPc)}  pid 1  user  (trace-demo.s:${LOAD_LINE})`,
    );
  });

  it('orders the events of one page fault: miss, walk to the empty PTE, trap, page in, retry, miss, walk to the leaf, fill, hit', () => {
    const at = (from: number, re: RegExp) => {
      const i = lines.findIndex((l, k) => k >= from && re.test(l));
      expect(i, String(re)).toBeGreaterThanOrEqual(from);
      return i;
    };
    const va = hex8(buf);
    const miss = at(0, new RegExp(`tlb +miss +U  va ${va}`));
    const l1 = at(miss, new RegExp(`walk +L1 +va ${va} .* = 0x00000000  not present$`));
    const trap = at(l1, /fault +load page fault/);
    const pageIn = at(trap, /fault +page in +pid 1  vpn 0x00002  frame \d+ +\(pfn 0x[0-9a-f]{5}\)  from zero$/);
    const served = at(pageIn, /fault +served +pid 1/);
    const retry = at(served, new RegExp(`fault +retry \\(eret\\) +pc ${hex8(loadPc)}  pid 1  \\(trace-demo.s:${LOAD_LINE}\\)$`));
    const miss2 = at(retry, new RegExp(`tlb +miss +U  va ${va}`));
    const leaf = at(miss2, new RegExp(`walk +L1 +va ${va} .*leaf: pfn 0x[0-9a-f]{5}  rw-u---$`));
    const setA = at(leaf, /walk +set A /);
    const fill = at(setA, /tlb +fill +U  vpn 0x00002 +asid 1 +entry 1 +pfn/);
    // The store then hits, and walks again to set D.
    const hit = at(fill, new RegExp(`tlb +hit +U  va ${va}`));
    at(hit, /walk +set D /);
    expect(miss).toBeLessThan(hit);
  });

  it('names system calls with their arguments and results', () => {
    expect(lines.some((l) => /syscall +exit +\(1\) +pid 1  a0 0x00000000 .*\(asm\/lib\/user.s:\d+\)$/.test(l))).toBe(true);
    expect(lines.some((l) => /sched +exit +pid 1  trace-demo.s +status 0$/.test(l))).toBe(true);
  });
});

describe('JSON-lines trace', () => {
  const text = traced({ trace: 'all' }).text;
  const { text: jsonl, run } = traced({ trace: 'all', traceFormat: 'jsonl' });
  const events = jsonl.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

  it('has the same events as the text, each with cycle, kind and event first', () => {
    expect(run.exitCode).toBe(0);
    expect(events).toHaveLength(text.trimEnd().split('\n').length);
    for (const e of events) {
      expect(Object.keys(e).slice(0, 3)).toEqual(['cycle', 'kind', 'event']);
      expect(TRACE_KINDS).toContain(e.kind);
    }
  });

  it('has stable field names (numbers as numbers)', () => {
    const trap = events.find((e) => e.kind === 'fault' && e.event === 'trap' && e.cause === 'load_page_fault');
    expect(trap).toEqual({
      cycle: trap!.cycle, kind: 'fault', event: 'trap', cause: 'load_page_fault', va: buf, pc: loadPc, pid: 1, mode: 'user',
      source: `trace-demo.s:${LOAD_LINE}`,
    });
    const steps = events.filter((e) => e.kind === 'walk' && e.event === 'step' && e.va === buf);
    expect(steps.map((e) => e.result)).toEqual(['table', 'not present', 'table', 'leaf', 'table', 'leaf']);
    expect(Object.keys(steps[3]!)).toEqual(['cycle', 'kind', 'event', 'level', 'va', 'pteAddr', 'pte', 'result', 'pfn', 'flags']);
    const pageIn = events.find((e) => e.event === 'page_in' && e.vpn === buf >>> 12)!;
    expect(pageIn).toMatchObject({ kind: 'fault', pid: 1, from: 'zero' });
    expect(pageIn.pfn).toBe(steps[3]!.pfn);
    expect(events.find((e) => e.kind === 'syscall' && e.event === 'call')).toMatchObject({ name: 'exit', number: 1, pid: 1, args: [0, 0, 0] });
  });
});

describe('tracing', () => {
  it('does not change the run (cycles, faults, TLB counts)', () => {
    const plain = kernelRun([demo]);
    const withAll = traced({ trace: 'all', refs: path.join(dir, 'r.txt'), checkTlb: true }).run;
    for (const k of ['cycles', 'instructions', 'pageFaults', 'walks', 'pteReads', 'pteWrites'] as const) expect(withAll.stats[k], k).toBe(plain.stats[k]);
    expect(withAll.stats.tlb).toEqual(plain.stats.tlb);
  });

  it('traces only the kinds asked for', () => {
    const { text } = traced({ trace: 'fault,disk' });
    const kinds = new Set(text.trimEnd().split('\n').map((l) => l.slice(12, 19).trim()));
    expect([...kinds].sort()).toEqual(['disk', 'fault']);
  });

  it('parses kinds: a list, all, and one clear error for an unknown one', () => {
    expect([...parseTraceKinds('walk, TLB')]).toEqual(['walk', 'tlb']);
    expect(parseTraceKinds('all').size).toBe(TRACE_KINDS.length);
    expect(() => parseTraceKinds('walk,pages')).toThrow(new UserError('--trace: unknown kind "pages" (choose from tlb, walk, fault, disk, sched, syscall, or all)'));
    expect(() => parseTraceKinds(' , ')).toThrow(UserError);
  });

  it('shows PTE flags as seven letters', () => {
    expect(pteFlags(Pte.V | Pte.R | Pte.X | Pte.U | Pte.A)).toBe('r-xu-a-');
    expect(pteFlags(0xff)).toBe('rwxugad');
  });
});

describe('the walkthrough of README.md (asm/study/)', () => {
  it('shows the events it describes, in that order', () => {
    let err = '';
    const files = ['asm/study/fault-demo.s', 'asm/study/spin.s'].map((f) => path.join(ROOT, f));
    const code = runCommand(files, { frames: 3, trace: 'all' }, { out: () => {}, err: (t) => void (err += t) });
    expect(code).toBe(0);
    const lines = err.split('\n').map((l) => l.slice(10));
    let at = 0;
    const next = (re: RegExp) => {
      const i = lines.findIndex((l, k) => k >= at && re.test(l));
      expect(i, String(re)).toBeGreaterThanOrEqual(at);
      at = i + 1;
    };
    next(/tlb +miss +U  va 0x00003000  asid 1$/);
    next(/walk +L1 +va 0x00003000  pte@0x[0-9a-f]{8} = 0x00000000  not present$/);
    next(/fault +load page fault +va 0x00003000  pc 0x00002008  pid 1  user  \(.*fault-demo.s:18\)$/);
    next(/tlb +invalidate +U  vpn 0x00001     2 entries emptied$/);
    next(/fault +page out +pid 1  vpn 0x00001  frame 0 .* clean: dropped$/);
    next(/disk +read start /);
    next(/sched +switch +pid 2  spin.s$/);
    next(/tlb +miss +U  va 0x000011(4[c-f]|50)  asid 2$/);
    next(/disk +read done /);
    next(/disk +interrupt +pc 0x[0-9a-f]{8}  pid 2  user$/);
    next(/fault +page in +pid 1  vpn 0x00003  frame 0 .* from executable$/);
    next(/fault +served +pid 1  va 0x00003000  pc 0x00002008  2 resident/);
    next(/sched +timer interrupt +pc 0x[0-9a-f]{8}  pid 2  user$/);
    next(/sched +switch +pid 1  fault-demo.s$/);
    next(/fault +retry \(eret\) +pc 0x00002008  pid 1/);
    next(/tlb +miss +U  va 0x00003000  asid 1$/);
    next(/walk +L1 +va 0x00003000  .* leaf: pfn 0x[0-9a-f]{5}  rw-u---$/);
    next(/walk +set A +va 0x00003000/);
    next(/tlb +fill +U  vpn 0x00003     asid 1    entry 1 /);
    next(/tlb +hit +U  va 0x00003004  asid 1    entry 1 /);
  });
});

describe('vmlab run --trace', () => {
  function run(files: string[], opts: Record<string, unknown>) {
    let out = '';
    let err = '';
    const io: RunIO = { out: (b) => void (out += Buffer.from(b).toString()), err: (t) => void (err += t) };
    const code = runCommand(files, opts, io);
    return { code, out, err };
  }
  const hello = path.join(ROOT, 'asm/examples/hello.s');

  it('writes the trace to stderr, the program output to stdout', () => {
    const r = run([hello], { trace: 'fault,walk' });
    expect(r.code).toBe(0);
    expect(r.out).toBe('hello from process 1\n');
    const lines = r.err.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(10);
    for (const l of lines) expect(l).toMatch(/^ {0,9}\d+  (fault|walk) /);
    expect(lines.some((l) => /fault +fetch page fault .*\(.*hello.s:\d+\)$/.test(l))).toBe(true);
  });

  it('--trace-out FILE and --trace-format jsonl', () => {
    const file = path.join(dir, 'trace.jsonl');
    const r = run([hello], { trace: 'sched', traceFormat: 'jsonl', traceOut: file });
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const events = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { kind: string; event: string });
    expect(events.every((e) => e.kind === 'sched')).toBe(true);
    expect(events.map((e) => e.event)).toContain('switch');
    expect(events[events.length - 1]).toMatchObject({ event: 'exit', pid: 1, name: 'hello.s', status: 0 });
  });

  it('bad combinations are one-line errors', () => {
    expect(() => run([hello], { traceOut: path.join(dir, 'x') })).toThrow(/--trace-out and --trace-format go with --trace/);
    expect(() => run([hello], { trace: 'nope' })).toThrow(/--trace: unknown kind "nope"/);
    expect(() => run([hello], { trace: 'all', traceOut: path.join(dir, 'no/such/dir/t') })).toThrow(/cannot write .*no such file or directory/);
  });
});
