// `vmlab demo` (npm start): the real binary once with the defaults, its help and a bad option,
// and once in process with options that override the demo's.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_FRAMES, DEMO_PROGRAMS, runDemo } from '../src/cli/demo.ts';
import { ROOT, type StatsJson } from './example-run.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vmlab-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const vmlab = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(ROOT, 'bin', 'vmlab.js'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, VMLAB_DEBUG: '' },
  });

/** The lines each program prints, whatever the machine (their results do not depend on it). */
const OUTPUTS = [
  'sum of 0..262143 = 34359607296 (expected 34359607296)',
  'C = A x B, 64x64: checksum 89456640 (expected 89456640)',
  '0 entries differ from the closed form',
  /^random-access: 2000 random updates over 512 KiB: xor (0x[0-9a-f]{8}) \(expected \1\), after undoing them 0 words not zero$/m,
];

function expectOutputs(text: string): void {
  for (const o of OUTPUTS) {
    if (typeof o === 'string') expect(text.split('\n')).toContain(o);
    else expect(text).toMatch(o);
  }
}

/** The rows of the processes table: pid, name, exit, page faults (the first four columns). */
function processRows(text: string): [number, string, string, number][] {
  const at = text.indexOf('\nprocesses\n');
  expect(at).toBeGreaterThan(0);
  return [...text.slice(at).matchAll(/^ +(\d+) +(\S+) +(\S+) +([\d,]+)(?: |$)/gm)].map((m) => [
    Number(m[1]), m[2]!, m[3]!, Number(m[4]!.replace(/,/g, '')),
  ]);
}

describe('vmlab demo (the binary)', () => {
  beforeAll(() => {
    const b = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'build.mjs')], { cwd: ROOT, encoding: 'utf8' });
    expect(b.status, b.stderr).toBe(0);
  });

  it('runs the three programs in 32 frames, prints their output and the statistics, and exits 0', () => {
    const r = vmlab('demo');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = r.stdout;
    // The banner: what runs, and with which options.
    expect(out).toMatch(/^vmlab demo: three programs at once under the demand-paging kernel/);
    for (const [i, p] of DEMO_PROGRAMS.entries()) expect(out).toContain(`pid ${i + 1}  ${p.file}`);
    expect(out).toContain(`--frames ${DEMO_FRAMES} --replace fifo --quantum 20000`);
    expect(out).toContain('TLB 64 entries, fully associative, lru; 2-level page tables; disk latency 20,000 cycles');
    // The programs' output, then the table, in that order.
    const stats = out.indexOf('--- statistics');
    expect(stats).toBeGreaterThan(out.indexOf("--- the programs' output"));
    expectOutputs(out.slice(0, stats));
    const table = out.slice(stats);
    for (const heading of ['user cycles', 'kernel cycles', 'hit rate', 'disk', 'reads', 'writes', 'processes'])
      expect(table, heading).toContain(heading);
    const rows = processRows(table);
    expect(rows.map(([pid, name, exit]) => [pid, name, exit])).toEqual(DEMO_PROGRAMS.map((p, i) => [i + 1, p.file, '0']));
    // More pages than frames: every program pages, and the disk moves pages both ways.
    for (const [, name, , faults] of rows) expect(faults, name).toBeGreaterThan(DEMO_FRAMES);
    expect(Number(/^ {2}writes +([\d,]+)$/m.exec(table)![1]!.replace(/,/g, ''))).toBeGreaterThan(1000);
  });

  it('--help says what it does and that the run options apply', () => {
    const r = vmlab('demo', '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Usage: vmlab demo \[options\]/);
    for (const p of DEMO_PROGRAMS) expect(r.stdout).toContain(p.file);
    expect(r.stdout).toContain(`(default: ${DEMO_FRAMES})`);
    for (const opt of ['--frames', '--replace', '--tlb', '--quantum', '--disk-latency', '--seed']) expect(r.stdout).toContain(opt);
    expect(vmlab('--help').stdout).toMatch(/^ {2}demo\b/m);
  });

  it('a bad option is one line and exit status 2', () => {
    const r = vmlab('demo', '--frames', '1');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^vmlab demo: --frames must be an integer from 2 .*\n$/);
  });
});

describe('vmlab demo (in process)', () => {
  it('takes the run options: another policy, TLB and frame count, and --stats-json', () => {
    let out = '';
    const json = path.join(dir, 'demo.json');
    const status = runDemo({ frames: 48, replace: 'clock', tlb: 16, tlbWays: 4, statsJson: json }, {
      out: (b) => {
        out += Buffer.from(b).toString('latin1');
      },
      err: (t) => {
        out += `[err]${t}`;
      },
    });
    expect(status).toBe(0);
    expect(out).not.toContain('[err]');
    expect(out).toContain('--frames 48 --replace clock');
    expect(out).toContain('TLB 16 entries, 4-way, lru');
    expectOutputs(out);
    const stats = JSON.parse(readFileSync(json, 'utf8')) as StatsJson;
    expect(stats.processes.map((p) => [p.name, p.exitCode])).toEqual(DEMO_PROGRAMS.map((p) => [p.file, 0]));
    expect(stats.processes.reduce((a, p) => a + p.pageFaults, 0)).toBe(stats.pageFaults);
    expect(stats.tlb.entries).toBe(16);
    expect(processRows(out).map((r) => r[3])).toEqual(stats.processes.map((p) => p.pageFaults));
  });
});
