// The real `vmlab` binary (bin/vmlab.js running the esbuild bundle), spawned as a user would.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readExecutable, writeExecutable } from '../src/exe/format.ts';
import { sampleExecutable } from './exe-fixtures.ts';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const bin = path.join(root, 'bin', 'vmlab.js');
const dir = mkdtempSync(path.join(tmpdir(), 'vmlab-cli-'));

function vmlab(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, VMLAB_DEBUG: '' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Errors are one line (plus nothing else) and never a stack trace. */
function expectOneLine(stderr: string): void {
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(stderr.trimEnd().split('\n')).toHaveLength(1);
}

beforeAll(() => {
  // Build once here, so that the spawned commands do not race to rebuild the bundle.
  const b = spawnSync(process.execPath, [path.join(root, 'bin', 'build.mjs')], { cwd: root, encoding: 'utf8' });
  expect(b.stderr).toBe('');
  expect(b.status).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('vmlab', () => {
  it('--version prints the version from package.json', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
    const r = vmlab('--version');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('--help lists the commands; every command has --help', () => {
    const r = vmlab('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: vmlab /);
    expect(r.stdout).toMatch(/^\s+asm \[options\] <file>/m);
    expect(r.stdout).toMatch(/^\s+disasm \[options\] <file>/m);
    for (const cmd of ['asm', 'disasm']) {
      const h = vmlab(cmd, '--help');
      expect(h.status).toBe(0);
      expect(h.stdout).toContain(`Usage: vmlab ${cmd} `);
    }
  });

  it('usage errors are one line with exit status 2', () => {
    for (const args of [['frobnicate'], ['asm'], ['asm', 'a.s', '--no-such-option'], ['disasm', 'a', 'b']]) {
      const r = vmlab(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expectOneLine(r.stderr);
      expect(r.stderr).toMatch(/^vmlab( \w+)?: .*\(see 'vmlab( \w+)? --help'\)\n$/);
    }
  });
});

describe('vmlab asm', () => {
  it('reports an unknown mnemonic at its line and column, writes nothing, exits 1', () => {
    const src = path.join(dir, 'bad.s');
    writeFileSync(src, '\n\n    frobnicate r1, r2\n');
    const r = vmlab('asm', 'bad.s');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('bad.s:3:5:');
    expect(r.stderr).toContain('    frobnicate r1, r2\n');
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(path.join(dir, 'bad.vmx'))).toBe(false);
  });

  it('writes FILE.vmx beside the source, or where -o says; --listing prints the listing', () => {
    writeFileSync(path.join(dir, 'ok.s'), '_start:\n    addi a0, zero, 5\n    halt\n');
    const r = vmlab('asm', 'ok.s');
    expect(r.stderr).not.toMatch(/error/);
    expect(r.status).toBe(0);
    const exe = readExecutable(readFileSync(path.join(dir, 'ok.vmx')), 'ok.vmx');
    expect(exe.segments[0]!.data.length).toBe(8);

    const l = vmlab('asm', 'ok.s', '-o', 'other.vmx', '--listing');
    expect(l.status).toBe(0);
    expect(existsSync(path.join(dir, 'other.vmx'))).toBe(true);
    expect(l.stdout).toContain('addi a0, zero, 5');
  });

  it('a program without instructions is refused in one line', () => {
    writeFileSync(path.join(dir, 'empty.s'), '# nothing here\n');
    const r = vmlab('asm', 'empty.s');
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('vmlab: empty.s: no instructions (an executable needs a text section); nothing written\n');
    expect(existsSync(path.join(dir, 'empty.vmx'))).toBe(false);
  });

  it('a missing source is one line and a non-zero exit', () => {
    const r = vmlab('asm', 'missing.s');
    expect(r.status).not.toBe(0);
    expectOneLine(r.stderr);
    expect(r.stderr).toMatch(/^vmlab: .*missing\.s/);
  });
});

describe('vmlab disasm', () => {
  it('prints an executable', () => {
    writeFileSync(path.join(dir, 'sample.vmx'), writeExecutable(sampleExecutable()));
    const r = vmlab('disasm', 'sample.vmx');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^# sample\.vmx: entry 0x00001000 <_start>/);
    expect(r.stdout).toMatch(/00001000: {2}00050118 {2}addi {4}a0, zero, 5 +# prog\.s:3/);
  });

  it('assembles a source file first, and lists symbols on request', () => {
    writeFileSync(path.join(dir, 'src.s'), '_start:\n    addi a0, zero, 5\n    halt\n');
    const r = vmlab('disasm', '--symbols', 'src.s');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^#\s+_start\s+0x00001000\s+text/m);
    expect(r.stdout).toMatch(/addi {4}a0, zero, 5 +# src\.s:2/);
  });

  it('a corrupt, truncated, missing or non-executable file is one line and a non-zero exit', () => {
    const good = writeExecutable(sampleExecutable());
    const flipped = good.slice();
    flipped[5000]! ^= 0x40;
    writeFileSync(path.join(dir, 'flipped.vmx'), flipped);
    writeFileSync(path.join(dir, 'short.vmx'), good.subarray(0, 9000));
    writeFileSync(path.join(dir, 'text.vmx'), 'hello\n');
    for (const [file, msg] of [
      ['flipped.vmx', 'vmlab: flipped.vmx: checksum mismatch (file corrupt)'],
      ['short.vmx', `vmlab: short.vmx: truncated (expected ${good.length} bytes, got 9000)`],
      ['text.vmx', 'vmlab: text.vmx: not a vmlab executable (bad magic)'],
      ['nothing.vmx', 'vmlab: cannot read nothing.vmx: no such file or directory'],
    ]) {
      const r = vmlab('disasm', file!);
      expect(r.status, file).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`${msg}\n`);
    }
  });
});
