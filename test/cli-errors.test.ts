// The CLI's error handling and option parsers, in process (test/cli.test.ts runs the real binary).

import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode, runCli, usageMessage } from '../src/cli/errors.ts';
import { addMachineOptions, machineConfig } from '../src/cli/machine-options.ts';
import { checkOutputFile, parseIntOption, parseIntText, parseIntValue, parseSizeValue, UsageError, withUsageErrors } from '../src/cli/options.ts';
import { addStudyOptions } from '../src/cli/study-options.ts';
import { UserError } from '../src/util/errors.ts';

/** A little program like vmlab's, run on args; returns the exit status, stderr and what the action saw. */
async function run(args: string[], action: (opts: Record<string, unknown>) => void = () => {}) {
  const program = new Command('vmlab');
  program
    .command('go')
    .argument('<file>')
    .option('--frames <n>', 'frames', parseIntOption('--frames', 1, 4096))
    .option('--seed <n>', 'seed', parseIntOption('--seed', 0, 0xffffffff))
    .option('--mode <m>', 'mode')
    .action((_file: string, opts: Record<string, unknown>) => action(opts));
  let err = '';
  const status = await runCli(program, ['node', 'vmlab', ...args], { err: (t) => (err += t) });
  return { status, err };
}

describe('runCli', () => {
  it('runs the action with parsed numbers', async () => {
    let seen: Record<string, unknown> = {};
    const r = await run(['go', 'f', '--frames', '0x10', '--seed', '4294967295'], (o) => (seen = o));
    expect(r).toEqual({ status: 0, err: '' });
    expect(seen).toEqual({ frames: 16, seed: 0xffffffff });
  });

  it('a bad option value: one line naming the option and the range, exit 2', async () => {
    const r = await run(['go', 'f', '--frames', '12abc']);
    expect(r.status).toBe(ExitCode.USAGE);
    expect(r.err).toBe("vmlab go: --frames must be an integer from 1 to 4096 (decimal or 0x hex), got '12abc' (see 'vmlab go --help')\n");
  });

  it('unknown options and commands, missing arguments: one line, exit 2', async () => {
    for (const [args, msg] of [
      [['go', 'f', '--xyzzy'], "vmlab go: unknown option '--xyzzy' (see 'vmlab go --help')"],
      [['go', 'f', '--mod', 'x'], "vmlab go: unknown option '--mod' (Did you mean --mode?) (see 'vmlab go --help')"],
      [['go'], "vmlab go: missing required argument 'file' (see 'vmlab go --help')"],
      [['og'], "vmlab: unknown command 'og' (Did you mean go?) (see 'vmlab --help')"],
      [['go', 'f', '--mode'], "vmlab go: option '--mode <m>' argument missing (see 'vmlab go --help')"],
    ] as const) {
      const r = await run([...args]);
      expect(r.status).toBe(ExitCode.USAGE);
      expect(r.err).toBe(`${msg}\n`);
    }
  });

  it('a UserError: `vmlab: message`, with its exit code', async () => {
    const r = await run(['go', 'f'], () => {
      throw new UserError('f: checksum mismatch (file corrupt)');
    });
    expect(r).toEqual({ status: 1, err: 'vmlab: f: checksum mismatch (file corrupt)\n' });
    const r3 = await run(['go', 'f'], () => {
      throw new UserError('odd', 3);
    });
    expect(r3.status).toBe(3);
  });

  it('anything else is an internal error, exit 70, the stack only with VMLAB_DEBUG=1', async () => {
    const boom = () => {
      throw new TypeError('x is undefined');
    };
    const saved = process.env.VMLAB_DEBUG;
    try {
      delete process.env.VMLAB_DEBUG;
      const r = await run(['go', 'f'], boom);
      expect(r.status).toBe(ExitCode.INTERNAL);
      expect(r.err).toBe('vmlab: internal error: x is undefined (a bug in vmlab; VMLAB_DEBUG=1 shows where)\n');
      process.env.VMLAB_DEBUG = '1';
      const d = await run(['go', 'f'], boom);
      expect(d.err).toMatch(/^vmlab: internal error: x is undefined\nTypeError: x is undefined\n\s+at /);
    } finally {
      if (saved === undefined) delete process.env.VMLAB_DEBUG;
      else process.env.VMLAB_DEBUG = saved;
    }
  });

  it('async actions are awaited', async () => {
    const program = new Command('vmlab');
    program.command('slow').action(async () => {
      await new Promise((r) => setTimeout(r, 5));
      throw new UserError('late');
    });
    let err = '';
    expect(await runCli(program, ['node', 'vmlab', 'slow'], { err: (t) => (err += t) })).toBe(1);
    expect(err).toBe('vmlab: late\n');
  });

  it('keeps commander messages it cannot shorten', () => {
    expect(usageMessage("error: option '--p <x>' argument 'q' is invalid. Allowed choices are a, b.")).toBe(
      "option '--p <x>' argument 'q' is invalid. Allowed choices are a, b.",
    );
  });
});

describe('numeric options', () => {
  it('accepts decimal, 0x hex, a sign and digit separators', () => {
    expect(parseIntText('42')).toBe(42);
    expect(parseIntText('0x1F')).toBe(31);
    expect(parseIntText('-7')).toBe(-7);
    expect(parseIntText('+0x10')).toBe(16);
    expect(parseIntText('1_000_000')).toBe(1_000_000);
    expect(parseIntText(' 12 ')).toBe(12);
  });

  it('rejects junk', () => {
    for (const bad of ['', ' ', '12abc', '1e3', '1.5', '0x', 'x10', '--1', '1_', '_1', '0b101', 'Infinity', 'NaN', '99999999999999999999']) {
      expect(parseIntText(bad), bad).toBeUndefined();
    }
  });

  it('agrees with Number on every safe integer written either way', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), fc.boolean(), (n, asHex) => {
        const text = asHex ? `${n < 0 ? '-' : ''}0x${Math.abs(n).toString(16)}` : String(n);
        expect(parseIntText(text)).toBe(n);
      }),
    );
  });

  it('checks the range with a message naming the option', () => {
    expect(parseIntValue('--tlb', '64', 1, 4096)).toBe(64);
    expect(() => parseIntValue('--tlb', '0', 1, 4096)).toThrow(new UserError("--tlb must be an integer from 1 to 4096 (decimal or 0x hex), got '0'"));
    expect(() => parseIntValue('--max-cycles', '-1', 0, Number.MAX_SAFE_INTEGER)).toThrow(
      new UserError("--max-cycles must be an integer at least 0 (decimal or 0x hex), got '-1'"),
    );
  });

  it('reads sizes with binary units', () => {
    expect(parseSizeValue('--mem', '16M', 1, 2 ** 32)).toBe(16 * 1024 * 1024);
    expect(parseSizeValue('--mem', '64KiB', 1, 2 ** 32)).toBe(65536);
    expect(parseSizeValue('--mem', '0x1000', 1, 2 ** 32)).toBe(4096);
    expect(parseSizeValue('--mem', '2g', 1, 2 ** 32)).toBe(2 ** 31);
    expect(parseSizeValue('--mem', '512b', 1, 2 ** 32)).toBe(512);
    for (const bad of ['16Q', 'M', '', '1.5M', '-1K', '8G']) {
      expect(() => parseSizeValue('--mem', bad, 1, 2 ** 32), bad).toThrow(/^--mem must be a size from 1 to 4294967296 bytes/);
    }
  });
});

/** A `vmlab go` with the shared machine and study options, run in process. */
async function runGo(args: string[], action: (opts: Record<string, unknown>) => void = () => {}) {
  const program = new Command('vmlab');
  const go = program.command('go').argument('<file>');
  addMachineOptions(go);
  addStudyOptions(go);
  go.action(withUsageErrors(go, (_file: string, opts: Record<string, unknown>) => action(opts)));
  let err = '';
  const status = await runCli(program, ['node', 'vmlab', 'go', ...args], { err: (t) => (err += t) });
  return { status, err };
}

describe('usage errors found after parsing', () => {
  const usage = (msg: string) => `vmlab go: ${msg} (see 'vmlab go --help')\n`;

  it('bad machine option combinations are usage errors naming the options, before the action', async () => {
    for (const [args, msg] of [
      [['--tlb', '64', '--tlb-ways', '3'], '--tlb/--tlb-ways/--tlb-policy: TLB ways (3) must divide the number of entries (64)'],
      [['--mem', '5000'], '--mem must be a multiple of 4096 bytes, got 5000'],
      [['--no-tlb', '--tlb-ways', '2'], '--no-tlb cannot be combined with --tlb-ways (there is no TLB to configure)'],
      [['--no-tlb', '--tlb', '8'], '--no-tlb cannot be combined with --tlb (there is no TLB to configure)'],
      [['--tlb', '8', '--no-tlb'], '--no-tlb cannot be combined with --tlb (there is no TLB to configure)'],
      [['--tlb-policy', 'fifo', '--tlb-split', '--no-tlb'], '--no-tlb cannot be combined with --tlb-policy, --tlb-split (there is no TLB to configure)'],
      [['--trace', 'bogus'], '--trace: unknown kind "bogus" (choose from tlb, walk, fault, disk, sched, syscall, or all)'],
      [['--trace-out', 't.txt'], '--trace-out and --trace-format go with --trace KINDS (which events to trace)'],
    ] as const) {
      let ran = false;
      const r = await runGo(['f', ...args], () => (ran = true));
      expect(r, args.join(' ')).toEqual({ status: ExitCode.USAGE, err: usage(msg) });
      expect(ran).toBe(false);
    }
  });

  it('accepts --no-tlb alone, and --tlb with its ways, policy and split', async () => {
    let seen: Record<string, unknown> = {};
    expect(await runGo(['f', '--no-tlb'], (o) => (seen = o))).toEqual({ status: 0, err: '' });
    expect(machineConfig(seen).tlb).toBeNull();
    expect(await runGo(['f', '--tlb', '8', '--tlb-ways', '2', '--tlb-policy', 'fifo', '--tlb-split'], (o) => (seen = o))).toEqual({ status: 0, err: '' });
    expect(machineConfig(seen).tlb).toMatchObject({ entries: 8, ways: 2, policy: 'fifo' });
  });

  it('a UsageError from a wrapped action is printed like commander\'s own; a UserError keeps its form', async () => {
    expect(await runGo(['f'], () => {
      throw new UsageError('--a and --b do not go together');
    })).toEqual({ status: ExitCode.USAGE, err: usage('--a and --b do not go together') });
    expect(await runGo(['f'], () => {
      throw new UserError('cannot read f: no such file or directory');
    })).toEqual({ status: ExitCode.FAILURE, err: 'vmlab: cannot read f: no such file or directory\n' });
  });

  it('machineConfig, outside the command line, still refuses the same combinations (a UserError)', () => {
    expect(() => machineConfig({ tlb: 64, tlbWays: 3 })).toThrow(UserError);
    expect(() => machineConfig({ mem: 5000 })).toThrow(/--mem must be a multiple of 4096/);
    expect(() => machineConfig({ tlb: false, tlbSplit: true })).toThrow(/--no-tlb cannot be combined/);
  });
});

describe('checkOutputFile', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vmlab-out-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts a new file in a directory that exists, and an existing file, creating nothing', () => {
    const fresh = path.join(dir, 'new.json');
    checkOutputFile(fresh);
    expect(existsSync(fresh)).toBe(false);
    const old = path.join(dir, 'old.json');
    writeFileSync(old, 'keep');
    checkOutputFile(old);
  });

  it('refuses a missing directory, a directory, and a path through a file, in writeFileChecked\'s words', () => {
    mkdirSync(path.join(dir, 'sub'), { recursive: true });
    writeFileSync(path.join(dir, 'plain'), '');
    for (const [file, why] of [
      [path.join(dir, 'no', 'such', 'x.json'), 'no such file or directory'],
      [path.join(dir, 'sub'), 'is a directory'],
      [path.join(dir, 'later') + path.sep, 'is a directory'],
      [path.join(dir, 'plain', 'x.json'), 'a component of the path is not a directory'],
      ['', 'empty file name'],
    ] as const) {
      expect(() => checkOutputFile(file), file).toThrow(new UserError(`cannot write ${file}: ${why}`));
    }
  });
});
