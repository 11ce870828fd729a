// Numeric option values, parsed one way for every command: decimal or 0x hex integers (an
// optional sign; `_` between digits is allowed, `1_000_000`), within a stated range. Anything
// else — "12abc", "1e3", "", "0x", a fraction — is rejected with a message that names the
// option and the accepted range.
//
//   program.option('--frames <n>', 'frames for user pages', parseIntOption('--frames', 1, 65536))
//   program.option('--mem <bytes>', 'RAM size', parseSizeOption('--mem', 4096, 2 ** 31))

import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { UserError } from '../util/errors.ts';
import { fsReason } from '../util/files.ts';
import { ExitCode } from './errors.ts';

const INTEGER = /^([+-]?)(0x[0-9a-f]+(?:_[0-9a-f]+)*|\d+(?:_\d+)*)$/i;
const SIZE = /^([+-]?)(0x[0-9a-f]+(?:_[0-9a-f]+)*|\d+(?:_\d+)*)\s*([kmg]i?b?|b)?$/i;
const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** The integer `text` spells (decimal or 0x hex, optional sign), or undefined. Exact up to 2^53. */
export function parseIntText(text: string): number | undefined {
  const m = INTEGER.exec(text.trim());
  if (m === null) return undefined;
  const n = Number(m[2]!.replace(/_/g, ''));
  if (!Number.isSafeInteger(n)) return undefined;
  return m[1] === '-' ? -n : n;
}

function rangeText(min: number, max: number): string {
  return max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
}

/**
 * The value of a numeric option: `text` as an integer in [min, max]. Throws UserError
 * `NAME must be an integer from MIN to MAX (decimal or 0x hex), got 'TEXT'`.
 */
export function parseIntValue(name: string, text: string, min: number, max: number): number {
  const n = parseIntText(text);
  if (n === undefined || n < min || n > max) {
    throw new UserError(`${name} must be an integer ${rangeText(min, max)} (decimal or 0x hex), got '${text}'`);
  }
  return n;
}

/**
 * A commander argument parser for an integer option in [min, max] (see parseIntValue). The
 * CLI's error handler prints its message as the whole error line.
 */
export function parseIntOption(name: string, min: number, max: number = Number.MAX_SAFE_INTEGER): (text: string) => number {
  return (text: string) => {
    try {
      return parseIntValue(name, text, min, max);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  };
}

/**
 * A byte count: an integer with an optional binary unit, `4096`, `64K`, `16M`, `1G`, `0x1000`
 * (K = 1024; `KB`, `KiB`, `MiB` also accepted). Throws UserError when malformed or outside
 * [min, max].
 */
export function parseSizeValue(name: string, text: string, min: number, max: number): number {
  const m = SIZE.exec(text.trim());
  const unit = m?.[3]?.[0]?.toLowerCase() ?? '';
  const base = m === null ? NaN : Number(m[2]!.replace(/_/g, ''));
  const n = (m?.[1] === '-' ? -1 : 1) * base * SIZE_UNITS[unit]!;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UserError(`${name} must be a size ${rangeText(min, max)} bytes (e.g. 65536, 64K, 16M, 0x10000), got '${text}'`);
  }
  return n;
}

/** A commander argument parser for a byte count (see parseSizeValue). */
export function parseSizeOption(name: string, min: number, max: number = Number.MAX_SAFE_INTEGER): (text: string) => number {
  return (text: string) => {
    try {
      return parseSizeValue(name, text, min, max);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  };
}

/**
 * A bad option value or combination that only shows once every option is parsed (`--tlb 64
 * --tlb-ways 3`, `--chart` without `--sweep`). A command whose action is wrapped by
 * withUsageErrors() reports it as commander reports its own usage errors:
 * `vmlab CMD: MESSAGE (see 'vmlab CMD --help')`, exit 2. Anywhere else it is a UserError with
 * exit status 2.
 */
export class UsageError extends UserError {
  constructor(message: string) {
    super(message, ExitCode.USAGE);
    this.name = 'UsageError';
  }
}

/** The CommanderError code of the usage errors vmlab raises itself (errors.ts prints them all alike). */
export const USAGE_ERROR_CODE = 'vmlab.usage';

/** Reports `message` as a usage error of `cmd` (throws commander's error for errors.ts to print). */
export function failUsage(cmd: Command, message: string): never {
  cmd.error(message, { exitCode: ExitCode.USAGE, code: USAGE_ERROR_CODE });
  // cmd.error() throws (errors.ts sets exitOverride) or exits; never returns.
  throw new UsageError(message);
}

/** `action` for cmd.action(), with every UsageError it throws reported by failUsage(). */
export function withUsageErrors<A extends unknown[]>(cmd: Command, action: (...args: A) => void): (...args: A) => void {
  return (...args: A) => {
    try {
      action(...args);
    } catch (e) {
      if (e instanceof UsageError) failUsage(cmd, e.message);
      throw e;
    }
  };
}

/**
 * Checks, before any work, that `file` can be written at the end: it is not a directory, and it
 * is writable if it exists, or its directory exists and is writable if not. Nothing is created
 * or truncated. Throws UserError `cannot write FILE: REASON` (the words writeFileChecked uses),
 * so that a long run is not thrown away by a typo in an output path.
 */
export function checkOutputFile(file: string): void {
  const fail = (reason: string): never => {
    throw new UserError(`cannot write ${file}: ${reason}`);
  };
  if (file === '') fail('empty file name');
  let exists = true;
  try {
    if (statSync(file).isDirectory()) fail('is a directory');
  } catch (e) {
    if (e instanceof UserError) throw e;
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') fail(fsReason(e));
    exists = false;
  }
  // "out/" that does not exist yet would be created as a directory by nobody: writing it fails.
  if (!exists && /[/\\]$/.test(file)) fail('is a directory');
  const target = exists ? file : path.dirname(file);
  try {
    if (!exists && !statSync(target).isDirectory()) fail('a component of the path is not a directory');
    accessSync(target, exists ? constants.W_OK : constants.W_OK | constants.X_OK);
  } catch (e) {
    if (e instanceof UserError) throw e;
    fail(fsReason(e));
  }
}
