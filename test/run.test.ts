// `vmlab run` (bare programs) and `vmlab bench`, as a user runs them: the built CLI in a child
// process, checking output, exit status, stats and one-line errors.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { STOP_EXIT } from '../src/machine/machine.ts';

const root = path.resolve(import.meta.dirname, '..');
const tmp = mkdtempSync(path.join(tmpdir(), 'vmlab-run-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function vmlab(...args: string[]) {
  return vmlabIn(root, ...args);
}

function vmlabIn(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/vmlab.js'), ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

function source(name: string, text: string): string {
  const file = path.join(tmp, name);
  writeFileSync(file, text);
  return file;
}

function noStackTrace(text: string): void {
  expect(text).not.toMatch(/^\s+at /m);
  expect(text).not.toContain('internal error');
}

describe('vmlab run (bare programs)', () => {
  it.each([
    ['bare-hello.s', /hello/],
    ['bare-sum.s', /5050/],
    ['bare-fib.s', /4181/],
  ])('runs asm/examples/%s with --stats', (name, expected) => {
    const r = vmlab('run', `asm/examples/${name}`, '--stats');
    expect(r.status).toBe(0);
    expect(r.out).toMatch(expected);
    for (const word of ['cycles', 'instructions', 'hits', 'misses', 'TLB', 'walks']) expect(r.err).toContain(word);
    noStackTrace(r.err);
  });

  it('--stats-json writes the documented keys', () => {
    const json = path.join(tmp, 'stats.json');
    const r = vmlab('run', 'asm/examples/bare-sum.s', '--stats-json', json, '--tlb', '16', '--tlb-split');
    expect(r.status).toBe(0);
    const s = JSON.parse(readFileSync(json, 'utf8'));
    for (const k of ['cycles', 'instructions', 'userCycles', 'kernelCycles', 'idleCycles', 'walks', 'pteReads', 'pteWrites', 'traps', 'pageFaults', 'disk', 'processes', 'stop', 'avgCyclesPerAccess', 'cyclesPerInstruction'])
      expect(s).toHaveProperty(k);
    expect(s.tlb).toMatchObject({ entries: 16, split: true, hits: 0, misses: 0 });
    expect(s.tlb.i).toBeDefined();
    expect(s.stop).toEqual({ reason: 'halt', exitCode: 0 });
    expect(s.instructions).toBeGreaterThan(100);
  });

  it('the exit status is a0 at halt; .vmx files run too', () => {
    const file = source('exit7.s', '    .text 0x80000000\n    li a0, 7\n    halt\n');
    expect(vmlab('run', file).status).toBe(7);
    const vmx = path.join(tmp, 'exit7.vmx');
    expect(vmlab('asm', file, '-o', vmx).status).toBe(0);
    expect(vmlab('run', vmx).status).toBe(7);
  });

  it('a fault with no handler: the register dump with file:line, and a non-zero status', () => {
    const file = source('crash.s', '    .text 0x80000000\n    li a0, 1\n    lw a1, 3(zero)\n    halt\n');
    const r = vmlab('run', file);
    expect(r.status).toBe(STOP_EXIT['no-trap-vector']);
    expect(r.err).toContain('misaligned load');
    expect(r.err).toContain('crash.s:3');
    expect(r.err).toMatch(/r1\s+a0\s+0x00000001/);
    noStackTrace(r.err);
  });

  it('--max-cycles stops with a message and the stats', () => {
    const file = source('spin.s', '    .text 0x80000000\nloop: j loop\n');
    const r = vmlab('run', file, '--max-cycles', '5000', '--stats');
    expect(r.status).toBe(STOP_EXIT['max-cycles']);
    expect(r.err).toContain('cycle limit');
    expect(r.err).toMatch(/cycles\s+5,000/);
  });

  it('--input feeds the console; timing options change the counts', () => {
    const echo = source(
      'echo.s',
      `    .text 0x80000000
    li   t0, 0xfff00000
loop: lw a0, 4(t0)
    bltz a0, done
    sw   a0, 0(t0)
    j    loop
done: li a0, 0
    halt
`,
    );
    const input = source('in.txt', 'abc');
    const r = vmlab('run', echo, '--input', input, '--stats-json', path.join(tmp, 'a.json'));
    expect(r.out).toBe('abc');
    vmlab('run', echo, '--input', input, '--cycles-load', '5', '--stats-json', path.join(tmp, 'b.json'));
    const a = JSON.parse(readFileSync(path.join(tmp, 'a.json'), 'utf8'));
    const b = JSON.parse(readFileSync(path.join(tmp, 'b.json'), 'utf8'));
    expect(b.cycles - a.cycles).toBe(4 * 3);
  });

  it.each([
    [['--tlb', '0'], /--tlb must be an integer/],
    [['--tlb', '6', '--tlb-ways', '4'], /ways \(4\) must divide the number of entries \(6\)/],
    [['--tlb-policy', 'mru'], /mru/],
    [['--mem', '5000'], /--mem must be a multiple of 4096/],
    [['--mem', '4G'], /--mem must be a size/],
    [['--levels', '5'], /--levels must be an integer from 1 to 4/],
    [['--cycles-load', '-1'], /--cycles-load must be an integer/],
    [['--disk-error-rate', '2'], /probability/],
    [['--no-tlb', '--tlb-ways', '2'], /--no-tlb cannot be combined/],
  ])('rejects bad options in one line: %s', (args, message) => {
    const r = vmlab('run', 'asm/examples/bare-hello.s', ...args);
    expect(r.status).not.toBe(0);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    noStackTrace(r.err);
  });

  it.each([
    [['--tlb', '64', '--tlb-ways', '3'], '--tlb/--tlb-ways/--tlb-policy: TLB ways (3) must divide the number of entries (64)'],
    [['--mem', '5000'], '--mem must be a multiple of 4096 bytes, got 5000'],
    [['--no-tlb', '--tlb-ways', '2'], '--no-tlb cannot be combined with --tlb-ways (there is no TLB to configure)'],
    [['--no-tlb', '--tlb', '8'], '--no-tlb cannot be combined with --tlb (there is no TLB to configure)'],
    [['--tlb', '8', '--no-tlb'], '--no-tlb cannot be combined with --tlb (there is no TLB to configure)'],
    [['--trace', 'bogus'], '--trace: unknown kind "bogus" (choose from tlb, walk, fault, disk, sched, syscall, or all)'],
  ])('a bad option combination is a usage error (exit 2): %s', (args, message) => {
    const r = vmlab('run', 'asm/examples/bare-hello.s', ...args);
    expect(r).toEqual({ status: 2, out: '', err: `vmlab run: ${message} (see 'vmlab run --help')\n` });
  });

  it.each([
    ['bare-hello.s', '--stats-json'],
    ['hello.s', '--stats-json'],
    ['hello.s', '--refs'],
    ['bare-hello.s', '--trace-out'],
  ])('checks the %s output file of %s before running: one line, exit 1, no output', (program, option) => {
    const file = path.join(tmp, 'no', 'such', 'dir', 'out.txt');
    const extra = option === '--trace-out' ? ['--trace', 'tlb'] : [];
    const r = vmlab('run', `asm/examples/${program}`, ...extra, option, file);
    expect(r).toEqual({ status: 1, out: '', err: `vmlab: cannot write ${file}: no such file or directory\n` });
  });

  it('--stats-json - writes the statistics to stdout after the program\'s output (no file named -)', () => {
    const r = vmlabIn(tmp, 'run', path.join(root, 'asm/examples/bare-sum.s'), '--stats-json', '-');
    expect(r.status).toBe(0);
    expect(existsSync(path.join(tmp, '-'))).toBe(false);
    const at = r.out.indexOf('{\n');
    expect(r.out.slice(0, at)).toMatch(/5050\n$/);
    const s = JSON.parse(r.out.slice(at));
    expect(s.instructions).toBeGreaterThan(0);
    expect(s.stop).toBeDefined();
    expect(vmlab('run', '--help').out).toMatch(/--stats-json <file> +.*'-': stdout/);
  });

  it('a missing program or a program that does not fit in RAM is one line', () => {
    let r = vmlab('run', path.join(tmp, 'nope.s'));
    expect(r.status).toBe(1);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    const big = source('big.s', '    .text 0x80000000\n    halt\n    .bss\n    .space 0x20000\n');
    r = vmlab('run', big, '--mem', '64K');
    expect(r.status).toBe(1);
    expect(r.err).toMatch(/does not fit in 65536 bytes of RAM/);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('--check-tlb runs the program to the same end and says whether a stale TLB entry was used', () => {
    const r = vmlab('run', 'asm/examples/bare-sum.s', '--check-tlb');
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/5050/);
    expect(r.err).toMatch(/stale TLB/);
  });
});

describe('vmlab bench', () => {
  it('--json prints MIPS, translations per second and the paging on/off ratio', () => {
    const r = vmlab('bench', '--workload', 'seq', '--seconds', '0.05', '--json');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.workload).toBe('seq');
    for (const k of ['mips', 'translationsPerSecond', 'pagingOffMips', 'ratio', 'tlbHitRate']) expect(j[k]).toBeGreaterThan(0);
    expect(j.tlbHitRate).toBeGreaterThan(0.99);
  });

  it('rejects an unknown workload in one line', () => {
    const r = vmlab('bench', '--workload', 'nope');
    expect(r.status).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });
});
