// Numeric option values, parsed one way for every command: decimal or 0x hex integers (an
// optional sign; `_` between digits is allowed, `1_000_000`), within a stated range. Anything
// else — "12abc", "1e3", "", "0x", a fraction — is rejected with a message that names the
// option and the accepted range.
//
//   program.option('--frames <n>', 'frames for user pages', parseIntOption('--frames', 1, 65536))
//   program.option('--mem <bytes>', 'RAM size', parseSizeOption('--mem', 4096, 2 ** 31))

import { InvalidArgumentError } from 'commander';
import { UserError } from '../util/errors.ts';

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
