import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  REF_VPN_LIMIT, RefsWriter, describeRefs, exitKey, formatRefs, keyPid, keyVpn, pageKey, parseRefs, refsFromKeys,
} from '../src/study/refs-format.ts';
import { UserError } from '../src/util/errors.ts';

const LONG = process.env.VMLAB_LONG === '1';
const dir = mkdtempSync(path.join(tmpdir(), 'vmlab-refs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const keys = (text: string) => Array.from(parseRefs(text, 'f.refs').keys);

/** The UserError message parseRefs gives for `text`. */
function errorOf(text: string): string {
  try {
    parseRefs(text, 'f.refs');
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as Error).message;
  }
  throw new Error('no error');
}

describe('parseRefs: PID VPN lines', () => {
  it('reads pages, exits, comments and blank lines', () => {
    const r = parseRefs('# a run\n2 0x1f\n\n  2 0x20   # next page\r\n3 0X0\n2 exit\n3 0xfffff\n', 'f.refs');
    expect(r.format).toBe('pid');
    expect(r.references).toBe(4);
    expect(Array.from(r.keys)).toEqual([pageKey(2, 0x1f), pageKey(2, 0x20), pageKey(3, 0), exitKey(2), pageKey(3, 0xfffff)]);
    expect(keyPid(r.keys[3]!)).toBe(2);
    expect(keyPid(r.keys[4]!)).toBe(3);
    expect(keyVpn(r.keys[4]!)).toBe(0xfffff);
    expect(describeRefs(r)).toEqual({ references: 4, exits: 1, pages: 4, processes: 2 });
  });

  it('takes a file without a final newline, and an empty one', () => {
    expect(keys('1 0x2')).toEqual([pageKey(1, 2)]);
    expect(parseRefs('', 'f').keys.length).toBe(0);
    expect(parseRefs('# nothing\n\n', 'f').references).toBe(0);
  });

  it('names the file and line of the first bad line', () => {
    expect(errorOf('1 0x1\n1 0x2\n1 2\n')).toBe('f.refs:3: "2" is not a page number in 0x hex, nor "exit"');
    expect(errorOf('1 0x1\n\n# c\n256 0x1\n')).toBe('f.refs:4: process id "256" is above 255');
    expect(errorOf('1 0x1\n1 0x100000\n')).toBe('f.refs:2: page number "0x100000" is not below 2^20');
    expect(errorOf('1 0x1\n1 0x1 0x2\n')).toMatch(/^f\.refs:2: expected "PID VPN"/);
    expect(errorOf('1 0x1\n1, 0x2\n')).toMatch(/^f\.refs:2: expected "PID VPN"/);
    expect(errorOf('1 0x1\nx 0x2\n')).toBe('f.refs:2: "x" is not a decimal process id');
    expect(errorOf('1 0x1\n0x1 0x2\n')).toBe('f.refs:2: "0x1" is not a decimal process id');
    expect(errorOf('1 0x1\n1 0xg\n')).toBe('f.refs:2: "0xg" is not a page number in 0x hex, nor "exit"');
    expect(errorOf('1 0x1\n1\n')).toMatch(/^f\.refs:2: expected/);
  });
});

describe('parseRefs: plain lists', () => {
  it('reads decimal and hex pages separated by commas, blanks and lines', () => {
    const r = parseRefs('1,2, 3\n4 0x10\t5,\n# comment 6\n7 # eight\n', 'f');
    expect(r.format).toBe('plain');
    expect(Array.from(r.keys)).toEqual([1, 2, 3, 4, 16, 5, 7]);
    expect(keys('1 2')).toEqual([1, 2]);
    expect(keys('0x1 0x2')).toEqual([1, 2]);
    expect(keys('5')).toEqual([5]);
    expect(keys('1,,2')).toEqual([1, 2]);
    expect(keys('\uFEFF3,4')).toEqual([3, 4]);
  });

  it('rejects what is not a page number', () => {
    expect(errorOf('1,2\n3,x4\n')).toBe('f.refs:2: "x4" is not a page number (decimal or 0x hex)');
    expect(errorOf('1\n2\n1048576\n')).toBe('f.refs:3: page number "1048576" is not below 2^20');
    expect(errorOf('1\n99999999999999999999\n')).toMatch(/^f\.refs:2: page number .* is not below/);
    expect(errorOf('1 2\n1 exit\n')).toMatch(/^f\.refs:2: "exit" in a plain list/);
    expect(errorOf('-1\n')).toBe('f.refs:1: "-1" is not a page number (decimal or 0x hex)');
  });

  it('counts lines from the first, even when the first line switches the form', () => {
    expect(errorOf('\n# c\n1 2 3\nq\n')).toBe('f.refs:4: "q" is not a page number (decimal or 0x hex)');
  });
});

const entryArb = fc.oneof(
  { weight: 10, arbitrary: fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: REF_VPN_LIMIT - 1 })).map(([p, v]) => pageKey(p, v)) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }).map(exitKey) },
);

describe('formatRefs and parseRefs', () => {
  it('round-trip both forms', () => {
    fc.assert(
      fc.property(fc.array(entryArb, { maxLength: 50 }), (ks) => {
        const r = refsFromKeys(ks, 'pid');
        expect(parseRefs(formatRefs(r), 'x')).toEqual(r.keys.length ? r : { ...r, format: 'pid' });
      }),
      { numRuns: LONG ? 10_000 : 300 },
    );
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: REF_VPN_LIMIT - 1 }), { minLength: 1, maxLength: 50 }), (vs) => {
        const r = refsFromKeys(vs, 'plain');
        expect(parseRefs(formatRefs(r), 'x')).toEqual(r);
      }),
      { numRuns: LONG ? 10_000 : 300 },
    );
  });
});

describe('RefsWriter', () => {
  it('writes PID VPN lines, skipping repeats of the previous page', () => {
    const file = path.join(dir, 'a.refs');
    const w = RefsWriter.open(file);
    w.access(2, 0x1f);
    w.access(2, 0x1f);
    w.access(3, 0x1f);
    w.access(2, 0x1f);
    w.access(2, 0);
    w.exit(2);
    w.access(3, 0xfffff);
    w.access(255, 7);
    w.close();
    w.close(); // twice is harmless
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n').slice(1).join('\n')).toBe('2 0x1f\n3 0x1f\n2 0x1f\n2 0x0\n2 exit\n3 0xfffff\n255 0x7\n');
    expect(text.startsWith('#')).toBe(true);
    expect(w.lines).toBe(7);
    expect(Array.from(parseRefs(text, file).keys)).toEqual([
      pageKey(2, 0x1f), pageKey(3, 0x1f), pageKey(2, 0x1f), pageKey(2, 0), exitKey(2), pageKey(3, 0xfffff), pageKey(255, 7),
    ]);
  });

  it('records a page again after an exit, when the pid comes back', () => {
    const file = path.join(dir, 'b.refs');
    const w = new RefsWriter(openSync(file, 'w'), true);
    w.access(1, 4);
    w.exit(1);
    w.access(1, 4);
    w.close();
    expect(Array.from(parseRefs(readFileSync(file, 'utf8'), file).keys)).toEqual([pageKey(1, 4), exitKey(1), pageKey(1, 4)]);
  });

  it('streams through a small buffer in chunks and keeps the order', () => {
    fc.assert(
      fc.property(fc.array(entryArb, { maxLength: 400 }), fc.integer({ min: 64, max: 300 }), (ks, size) => {
        const file = path.join(dir, 'c.refs');
        const w = new RefsWriter(openSync(file, 'w'), true, size);
        const expected: number[] = [];
        let last = -1;
        for (const k of ks) {
          if (k < 0) {
            w.exit(~k);
            expected.push(k);
            last = -1;
          } else {
            w.access(keyPid(k), keyVpn(k));
            if (k !== last) expected.push(k);
            last = k;
          }
        }
        w.close();
        expect(Array.from(parseRefs(readFileSync(file, 'utf8'), file).keys)).toEqual(expected);
      }),
      { numRuns: LONG ? 2_000 : 60 },
    );
  });

  it('refuses pages out of range (an emulator bug) and unwritable paths (a user error)', () => {
    const w = new RefsWriter(openSync(path.join(dir, 'd.refs'), 'w'), true);
    expect(() => w.access(256, 0)).toThrow(Error);
    expect(() => w.access(0, REF_VPN_LIMIT)).toThrow(Error);
    expect(() => w.exit(-1)).toThrow(Error);
    w.close();
    expect(() => RefsWriter.open(path.join(dir, 'no', 'such', 'dir.refs'))).toThrow(/^cannot write .*: no such file or directory$/);
  });

  it('parses 10^6 lines quickly', () => {
    const lines: string[] = [];
    for (let i = 0; i < 1_000_000; i++) lines.push(`${i & 7} 0x${(i % 4099).toString(16)}`);
    const text = lines.join('\n');
    const t = performance.now();
    const r = parseRefs(text, 'big');
    expect(r.references).toBe(1_000_000);
    expect(keyVpn(r.keys[999_999]!)).toBe(999_999 % 4099);
    expect(performance.now() - t).toBeLessThan(3_000);
  });
});
