// The CLI's error handling and option parsers, in process (test/cli.test.ts runs the real binary).

import { Command } from 'commander';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExitCode, runCli, usageMessage } from '../src/cli/errors.ts';
import { parseIntOption, parseIntText, parseIntValue, parseSizeValue } from '../src/cli/options.ts';
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
