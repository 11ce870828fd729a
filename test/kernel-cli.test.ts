// `vmlab run` with user programs: the kernel's options and the exit status, in process
// (runCommand) and once through the real binary.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelOptions } from '../src/cli/kernel-options.ts';
import { runCommand, type RunOptions } from '../src/cli/run.ts';
import { writeExecutable } from '../src/exe/format.ts';
import { DEFAULT_KERNEL_OPTIONS, defaultKernelPath, loadKernel } from '../src/os/boot.ts';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const ex = (name: string) => path.join(root, 'asm/examples', name);
const dir = mkdtempSync(path.join(tmpdir(), 'vmlab-kernel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(files: string[], opts: RunOptions = {}) {
  let out = '';
  let err = '';
  const status = runCommand(files, opts, {
    out: (b) => {
      out += Buffer.from(b).toString('latin1');
    },
    err: (t) => {
      err += t;
    },
  });
  return { status, out, err };
}

describe('vmlab run under the kernel (in process)', () => {
  it('fills the kernel options with their defaults', () => {
    expect(kernelOptions({})).toEqual(DEFAULT_KERNEL_OPTIONS);
    expect(kernelOptions({ frames: 8, replace: 'clock', kernelFrames: 9, kernel: 'k.s' })).toMatchObject({
      frames: 8, replace: 'clock', kernelFrames: 9, kernel: 'k.s',
    });
  });

  it('runs hello and exits 0', () => {
    const r = run([ex('hello.s')]);
    expect(r).toEqual({ status: 0, out: 'hello from process 1\n', err: '' });
  });

  it('writes the processes into --stats-json', () => {
    const json = path.join(dir, 'stats.json');
    const r = run([ex('integrity.s'), ex('segfault.s')], { frames: 6, replace: 'aging', statsJson: json });
    expect(r.status).toBe(1);
    const stats = JSON.parse(readFileSync(json, 'utf8')) as { pageFaults: number; processes: Record<string, unknown>[] };
    expect(stats.processes).toHaveLength(2);
    expect(stats.processes[0]).toMatchObject({ pid: 1, name: 'integrity.s', status: 'exited', exitCode: 0 });
    expect(stats.processes[1]).toMatchObject({ pid: 2, name: 'segfault.s', status: 'killed', exitCode: null });
    expect((stats.processes as { pageFaults: number }[]).reduce((a, p) => a + p.pageFaults, 0)).toBe(stats.pageFaults);
  });

  it('runs another kernel with --kernel, from source or from a .vmx', () => {
    const vmx = path.join(dir, 'kernel.vmx');
    writeFileSync(vmx, writeExecutable(loadKernel()));
    for (const kernel of [vmx, defaultKernelPath()]) {
      expect(run([ex('hello.s')], { kernel })).toEqual({ status: 0, out: 'hello from process 1\n', err: '' });
    }
    expect(() => run([ex('hello.s')], { kernel: ex('hello.s') })).toThrow(/a kernel lives in the kernel segment/);
  });

  it('stops at --max-cycles with status 4, saying so', () => {
    const r = run([ex('integrity.s')], { frames: 4, maxCycles: 100_000 });
    expect(r.status).toBe(4);
    expect(r.err).toMatch(/^vmlab: .*cycle limit/);
  });

  it('rejects what the kernel cannot run, in one line', () => {
    expect(() => run([ex('hello.s')], { mem: 1 << 20, diskFile: path.join(dir, 'd.img') })).toThrow(/--disk-file is for bare programs/);
    expect(() => run(Array(32).fill(ex('hello.s')))).toThrow(/at most 31/);
  });
});

describe('vmlab run under the kernel (the binary)', () => {
  beforeAll(() => {
    const b = spawnSync(process.execPath, [path.join(root, 'bin', 'build.mjs')], { cwd: root, encoding: 'utf8' });
    expect(b.status).toBe(0);
  });
  const vmlab = (...args: string[]) =>
    spawnSync(process.execPath, [path.join(root, 'bin', 'vmlab.js'), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, VMLAB_DEBUG: '' } });

  it('ends only the faulting process, with one line on stderr, and exits 1', () => {
    const r = vmlab('run', 'asm/examples/segfault.s', 'asm/examples/hello.s', '--replace', 'clock');
    expect(r.stdout).toBe('about to store through a null pointer\nhello from process 2\n');
    expect(r.stderr).toBe(
      'vmlab: process 1 (segfault.s) killed: store to 0x00000000 outside every region, pc 0x0000115c (asm/examples/segfault.s:16)\n',
    );
    expect(r.status).toBe(1);
  });

  it('rejects an unknown policy with a usage error', () => {
    const r = vmlab('run', 'asm/examples/hello.s', '--replace', 'lifo');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--replace/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});
