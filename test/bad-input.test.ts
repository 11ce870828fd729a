// Bad input to every command of the real binary: missing files, directories, empty files,
// binary garbage, huge files, and bad option values. Each must end with a clear `vmlab...:`
// line on stderr and a non-zero exit status (2 for a bad command line, 1 for bad input), never
// a stack trace or an internal error. One table; the commands run concurrently.

import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeExecutable } from '../src/exe/format.ts';
import { Prng } from '../src/util/prng.ts';
import { EXAMPLES, program, ROOT } from './hardening-harness.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vmlab-bad-'));
const f = (name: string) => path.join(dir, name);
const HELLO = path.join(EXAMPLES, 'hello.s');
const USAGE = 2;
const BAD = 1;

beforeAll(() => {
  // Build once, so that the commands spawned at the same time do not race to rebuild.
  const b = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'build.mjs')], { cwd: ROOT, encoding: 'utf8' });
  expect(b.status, b.stderr).toBe(0);
  mkdirSync(f('a-directory'));
  writeFileSync(f('empty.s'), '');
  writeFileSync(f('empty.vmx'), '');
  writeFileSync(f('empty.txt'), '');
  writeFileSync(f('comments.txt'), '# nothing but a comment\n');
  const rng = new Prng(99);
  const junk = new Uint8Array(70_000).map(() => rng.below(256));
  writeFileSync(f('garbage.bin'), junk);
  writeFileSync(f('garbage.s'), junk);
  writeFileSync(f('garbage.vmx'), junk);
  writeFileSync(f('text-garbage.s'), Array.from({ length: 3000 }, (_, i) => `@@ ${i} %% !! ${'x'.repeat(i % 40)}`).join('\n'));
  writeFileSync(f('data-only.s'), '.data\nx: .word 1\n');
  // More lines than the assembler reads (1,048,576): it must refuse at once, not run out of memory.
  writeFileSync(f('huge.s'), '    nop\n'.repeat(1_100_000));
  writeFileSync(f('huge.vmx'), new Uint8Array(40 * 1024 * 1024));
  writeFileSync(f('huge-refs.txt'), `${'1 0xzz\n'.repeat(200_000)}`);
  const good = writeExecutable(program(HELLO).exe);
  writeFileSync(f('truncated.vmx'), good.subarray(0, good.length - 100));
  const flipped = good.slice();
  flipped[5000] ^= 0x40;
  writeFileSync(f('corrupt.vmx'), flipped);
  writeFileSync(f('bare.s'), '.text 0x80000000\n_start: li a0, 0\n    halt\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Case {
  args: string[];
  /** The exit status, and the last line of stderr (which must also start with `vmlab`). */
  status: number;
  err: RegExp;
  stdin?: string;
}

/**
 * Each command that reads a program, with each kind of bad file (`few`: only the kinds that
 * reach code of the command's own, the rest being the same loader).
 */
function fileCases(cmd: string, extra: string[] = [], few = false): Case[] {
  const read = (name: string, why: string) => new RegExp(`^vmlab: cannot read .*${name}: ${why}$`);
  const all: Case[] = [
    { args: [cmd, f('missing.s'), ...extra], status: BAD, err: read('missing\\.s', 'no such file( or directory)?') },
    { args: [cmd, f('a-directory'), ...extra], status: BAD, err: read('a-directory', '(it )?is a directory') },
    { args: [cmd, f('garbage.s'), ...extra], status: BAD, err: /^vmlab: .*garbage\.s: 1 error$/ },
    { args: [cmd, f('garbage.vmx'), ...extra], status: BAD, err: /^vmlab: .*garbage\.vmx: not a vmlab executable \(bad magic\)$/ },
    { args: [cmd, f('empty.vmx'), ...extra], status: BAD, err: /^vmlab: .*empty\.vmx: empty file \(not a vmlab executable\)$/ },
    { args: [cmd, f('truncated.vmx'), ...extra], status: BAD, err: /^vmlab: .*truncated\.vmx: truncated \(expected \d+ bytes, got \d+\)$/ },
    { args: [cmd, f('corrupt.vmx'), ...extra], status: BAD, err: /^vmlab: .*corrupt\.vmx: checksum mismatch \(file corrupt\)$/ },
    { args: [cmd, f('text-garbage.s'), ...extra], status: BAD, err: /^vmlab: .*text-garbage\.s: 101 errors$/ },
    { args: [cmd, f('huge.s'), ...extra], status: BAD, err: /^vmlab: .*huge\.s: 1 error$/ },
    { args: [cmd, f('huge.vmx'), ...extra], status: BAD, err: /^vmlab: .*huge\.vmx: not a vmlab executable \(bad magic\)$/ },
  ];
  return few ? all.filter((c) => /missing|directory|garbage\.s|huge\.s/.test(c.args[1]!)) : all;
}

/** Commands that run programs: an empty or data-only source has nothing to run. */
function runnableCases(cmd: string, extra: string[] = [], few = false): Case[] {
  return [
    ...fileCases(cmd, extra, few),
    { args: [cmd, f('empty.s'), ...extra], status: BAD, err: /^vmlab: .*empty\.s: no instructions to run \(a program needs a text section\)$/ },
    { args: [cmd, f('data-only.s'), ...extra], status: BAD, err: /^vmlab: .*data-only\.s: no instructions to run/ },
  ];
}

/** Bad option values of `cmd PROGRAM`: [options, exit status, message]. */
function optionCases(cmd: string, prefix: string[], table: [string[], number, RegExp][], stdin?: string): Case[] {
  return table.map(([opts, status, err]) => ({ args: [cmd, ...prefix, ...opts], status, err, ...(stdin === undefined ? {} : { stdin }) }));
}

const usage = (cmd: string, what: string) => new RegExp(`^vmlab ${cmd}: ${what}.* \\(see 'vmlab ${cmd} --help'\\)$`);

/** The machine and kernel options every program-running command shares (run, debug, demo). */
function machineOptionCases(cmd: string): [string[], number, RegExp][] {
  return [
    [['--frames', '-1'], USAGE, usage(cmd, "--frames must be an integer from 2 to 524288 \\(decimal or 0x hex\\), got '-1'")],
    [['--frames', '0'], USAGE, usage(cmd, '--frames must be an integer from 2')],
    [['--frames', '12abc'], USAGE, usage(cmd, "--frames must be .* got '12abc'")],
    [['--tlb', '0'], USAGE, usage(cmd, '--tlb must be an integer from 1 to 1048576')],
    [['--tlb', '64', '--tlb-ways', '3'], USAGE, usage(cmd, '--tlb/--tlb-ways/--tlb-policy: TLB ways \\(3\\) must divide the number of entries \\(64\\)')],
    [['--tlb', '6', '--tlb-ways', '4'], USAGE, usage(cmd, '--tlb/--tlb-ways/--tlb-policy: TLB ways \\(4\\) must divide the number of entries \\(6\\)')],
    [['--tlb-policy', 'mru'], USAGE, usage(cmd, "option '--tlb-policy <policy>' argument 'mru' is invalid. Allowed choices are lru, fifo, random")],
    [['--replace', 'lru'], USAGE, usage(cmd, "option '--replace <policy>' argument 'lru' is invalid")],
    [['--levels', '5'], USAGE, usage(cmd, '--levels must be an integer from 1 to 4')],
    [['--disk-latency', '1e3'], USAGE, usage(cmd, "--disk-latency must be an integer from 1 .* got '1e3'")],
    [['--disk-latency', '0'], USAGE, usage(cmd, '--disk-latency must be an integer from 1')],
    [['--disk-errors', '1.5'], USAGE, usage(cmd, "--disk-error-rate must be a probability from 0 to 1, got '1.5'")],
    [['--disk-latency-jitter', '-3'], USAGE, usage(cmd, '--disk-jitter must be an integer from 0')],
    [['--max-cycles', 'forever'], USAGE, usage(cmd, '--max-cycles must be an integer at least 1')],
    [['--seed', '-1'], USAGE, usage(cmd, '--seed must be an integer from 0 to 4294967295')],
    [['--quantum', '0'], USAGE, usage(cmd, '--quantum must be an integer from 1')],
    [['--swap-blocks', '-8'], USAGE, usage(cmd, '--swap-blocks must be an integer from 0')],
    [['--mem', '1000'], USAGE, usage(cmd, '--mem must be a size from 4096')],
    [['--mem', '5000'], USAGE, usage(cmd, '--mem must be a multiple of 4096 bytes, got 5000')],
    [['--no-tlb', '--tlb-ways', '2'], USAGE, usage(cmd, '--no-tlb cannot be combined with --tlb-ways \\(there is no TLB to configure\\)')],
    [['--no-tlb', '--tlb', '8'], USAGE, usage(cmd, '--no-tlb cannot be combined with --tlb \\(')],
    [['--tlb', '8', '--no-tlb'], USAGE, usage(cmd, '--no-tlb cannot be combined with --tlb \\(')],
    [['--tlb-split', '--no-tlb'], USAGE, usage(cmd, '--no-tlb cannot be combined with --tlb-split')],
    [['--kernel', f('missing.s')], BAD, /^vmlab: cannot read .*missing\.s: no such file/],
    [['--kernel', f('garbage.vmx')], BAD, /^vmlab: .*garbage\.vmx: not a vmlab executable \(bad magic\)$/],
    [['--kernel', HELLO], BAD, /^vmlab: .*hello\.s: a kernel lives in the kernel segment/],
    [['--frobnicate'], USAGE, usage(cmd, "unknown option '--frobnicate'")],
  ];
}

/** Every third case of a table (the first included): a sample of options declared in one place. */
function sample<T>(table: T[]): T[] {
  return table.filter((_, i) => i % 3 === 0);
}

const CASES: Case[] = [
  // The command line itself.
  { args: ['frobnicate'], status: USAGE, err: /^vmlab: unknown command 'frobnicate' \(see 'vmlab --help'\)$/ },
  { args: ['run'], status: USAGE, err: usage('run', "missing required argument 'programs'") },
  { args: ['asm'], status: USAGE, err: usage('asm', "missing required argument 'file'") },

  // asm
  ...fileCases('asm').filter((c) => !c.args[1]!.endsWith('.vmx')),
  { args: ['asm', f('empty.s')], status: BAD, err: /^vmlab: .*empty\.s: no instructions \(an executable needs a text section\); nothing written$/ },
  { args: ['asm', HELLO, '-o', HELLO], status: BAD, err: /^vmlab: .*hello\.s: the output would overwrite the source/ },
  { args: ['asm', HELLO, '-o', f('no/such/dir/x.vmx')], status: BAD, err: /^vmlab: cannot write .*x\.vmx: no such file or directory$/ },
  { args: ['asm', HELLO, '-o', f('a-directory')], status: BAD, err: /^vmlab: cannot write .*a-directory: is a directory$/ },

  // disasm
  ...fileCases('disasm', [], true),
  { args: ['disasm', HELLO, '--frobnicate'], status: USAGE, err: usage('disasm', "unknown option '--frobnicate'") },

  // run
  ...runnableCases('run'),
  ...optionCases('run', [HELLO], [
    ...machineOptionCases('run'),
    [['--stats-json', f('a-directory')], BAD, /^vmlab: cannot write .*a-directory: is a directory$/],
    [['--stats-json', f('no/such/dir/s.json')], BAD, /^vmlab: cannot write .*s\.json: no such file or directory$/],
    [['--refs', f('a-directory')], BAD, /^vmlab: cannot write .*a-directory: is a directory$/],
    [['--trace', 'tlb', '--trace-out', f('no/such/dir/t.txt')], BAD, /^vmlab: cannot write .*t\.txt: no such file or directory$/],
    [['--trace', 'bogus'], USAGE, usage('run', '--trace: unknown kind "bogus"')],
    [['--input', f('a-directory')], BAD, /^vmlab: cannot read .*a-directory: is a directory$/],
    [['--disk-file', f('disk.img')], BAD, /^vmlab: --disk-file is for bare programs/],
    [['--kernel-frames', '0'], USAGE, usage('run', '--kernel-frames must be an integer from 1')],
    [['--heap-pages', 'lots'], USAGE, usage('run', '--heap-pages must be an integer from 0')],
    [[f('bare.s')], BAD, /^vmlab: .*bare\.s: a bare program \(entry 0x80000000, in the kernel segment\) must run alone/],
  ]),
  { args: ['run', ...Array.from({ length: 32 }, () => HELLO)], status: BAD, err: /^vmlab: 32 programs: the kernel runs at most 31 at a time$/ },

  // replay
  { args: ['replay', f('missing.txt')], status: BAD, err: /^vmlab: cannot read .*missing\.txt: no such file or directory$/ },
  { args: ['replay', f('a-directory')], status: BAD, err: /^vmlab: cannot read .*a-directory: is a directory$/ },
  { args: ['replay', f('empty.txt')], status: BAD, err: /^vmlab: .*empty\.txt: no page references in it/ },
  { args: ['replay', f('comments.txt')], status: BAD, err: /^vmlab: .*comments\.txt: no page references in it/ },
  { args: ['replay', f('garbage.bin')], status: BAD, err: /^vmlab: .*garbage\.bin:1: .* is not a page number/ },
  { args: ['replay', f('huge-refs.txt')], status: BAD, err: /^vmlab: .*huge-refs\.txt:1: /},
  { args: ['replay', f('empty.txt'), '--frames', '0'], status: USAGE, err: usage('replay', '--frames: frames start at 1') },
  { args: ['replay', f('empty.txt'), '--frames', '9-3'], status: USAGE, err: usage('replay', '--frames: the range 9-3 runs backwards') },
  { args: ['replay', f('empty.txt'), '--policy', 'lfu'], status: USAGE, err: usage('replay', '--policy: unknown policy "lfu"') },
  { args: ['replay', f('empty.txt'), '--seed', 'x'], status: USAGE, err: usage('replay', '--seed must be an integer') },

  // sweep
  ...runnableCases('sweep', [], true),
  ...optionCases('sweep', [HELLO], [
    [['--frames', '0'], USAGE, usage('sweep', '--frames: frames start at 1')],
    [['--frames', '1'], BAD, /^vmlab: --frames: the kernel needs at least 2 frames \(got 1\)$/],
    [['--frames', 'x'], USAGE, usage('sweep', '--frames: "x" is not a count or a range')],
    [['--replace', 'lru'], USAGE, usage('sweep', '--replace: unknown policy "lru"')],
    [['--tlb', '0'], USAGE, usage('sweep', '--tlb: "0" is not a TLB size')],
    [['--jobs', '0'], USAGE, usage('sweep', '--jobs must be an integer from 1')],
    [['--levels', '9'], USAGE, usage('sweep', '--levels must be an integer from 1 to 4')],
    [[f('bare.s')], BAD, /^vmlab: .*bare\.s: a bare program .* cannot run under the kernel$/],
  ]),

  // debug (commands from stdin: none needed, the bad input stops it first)
  // (debug and demo declare the same machine and kernel options as run: a sample of them.)
  ...runnableCases('debug', [], true).map((c) => ({ ...c, stdin: 'quit\n' })),
  ...optionCases('debug', [HELLO], sample(machineOptionCases('debug')), 'quit\n'),

  // demo
  ...optionCases('demo', [], [
    ...sample(machineOptionCases('demo')),
    [['extra'], USAGE, usage('demo', "too many arguments for 'demo'")],
  ]),

  // bench
  ...optionCases('bench', [], [
    [['--workload', 'bogus'], USAGE, usage('bench', "--workload: unknown workload 'bogus'")],
    [['--runs', '0'], USAGE, usage('bench', '--runs must be an integer from 1')],
    [['--seconds', '-1'], USAGE, usage('bench', '--seconds must be a number')],
    [['--frames', '1'], USAGE, usage('bench', '--frames must be an integer from 2')],
    [['--tlb', '0'], USAGE, usage('bench', '--tlb must be an integer from 1')],
    [['--sweep', 'x'], USAGE, usage('bench', '--sweep must be PARAM=V1,V2,\\.\\.\\.')],
    [['--sweep', 'foo=1,2'], USAGE, usage('bench', '--sweep must be PARAM=V1,V2,\\.\\.\\.')],
    [['--sweep', 'tlb=0'], USAGE, usage('bench', "--sweep tlb: '0' is not a whole number")],
    [['--sweep', 'tlb=0,4'], USAGE, usage('bench', "--sweep tlb: '0' is not a whole number")],
    [['--sweep', 'tlb='], USAGE, usage('bench', '--sweep tlb: no values given')],
    [['--chart', f('c.svg')], USAGE, usage('bench', '--chart needs --sweep')],
    [['--no-tlb', '--compare-no-tlb'], USAGE, usage('bench', '--compare-no-tlb cannot be combined with --no-tlb')],
    [['--compare-no-tlb', '--sweep', 'tlb=4,8'], USAGE, usage('bench', '--compare-no-tlb cannot be combined with --sweep')],
    [['--no-tlb', '--tlb', '8'], USAGE, usage('bench', '--no-tlb cannot be combined with --tlb \\(')],
    [['--tlb', '8', '--no-tlb'], USAGE, usage('bench', '--no-tlb cannot be combined with --tlb \\(')],
    [['--no-tlb', '--tlb-ways', '2'], USAGE, usage('bench', '--no-tlb cannot be combined with --tlb-ways')],
    [['--tlb', '64', '--tlb-ways', '3'], USAGE, usage('bench', '--tlb/--tlb-ways/--tlb-policy: TLB ways \\(3\\) must divide')],
    [['--save', f('no/such/dir/b.json')], BAD, /^vmlab: cannot write .*b\.json: no such file or directory$/],
    [['--sweep', 'tlb=4', '--chart', f('a-directory')], BAD, /^vmlab: cannot write .*a-directory: is a directory$/],
  ]),
];

/** Runs the real command; resolves with its exit status and output. */
function vmlab(args: string[], stdin = ''): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'vmlab.js'), ...args], {
      cwd: dir,
      env: { ...process.env, VMLAB_DEBUG: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe.concurrent('bad input: one clear line, a non-zero exit, never a stack trace', () => {
  it('covers every command', () => {
    const commands = new Set(CASES.map((c) => c.args[0]));
    for (const cmd of ['asm', 'disasm', 'run', 'replay', 'sweep', 'debug', 'demo', 'bench']) expect(commands.has(cmd), cmd).toBe(true);
  });

  for (const c of CASES) {
    const name = c.args.map((a) => (a.startsWith(dir) ? path.relative(dir, a) || '.' : a.startsWith(ROOT) ? path.relative(ROOT, a) : a)).join(' ');
    it(`vmlab ${name.length > 100 ? `${name.slice(0, 100)}...` : name}`, async () => {
      const r = await vmlab(c.args, c.stdin);
      const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
      const last = lines[lines.length - 1] ?? '';
      const what = `stderr:\n${r.stderr.slice(-2000)}`;
      expect(r.stderr, what).not.toMatch(/internal error|\n\s+at .+:\d+:\d+\)?\n|TypeError|RangeError|ReferenceError|FATAL ERROR|heap out of memory/);
      expect(last, what).toMatch(/^vmlab( \w+)?: /);
      expect(last, what).toMatch(c.err);
      expect(r.status, what).toBe(c.status);
    });
  }
});
