// Fuzzing the assembler with mutated real sources (every .s file in asm/, the kernel included)
// and with random token soup: it must never throw, and every diagnostic must name a file it
// read, at a line and column inside that file's text (what it read, mutations included). An
// executable comes back exactly when there is no diagnostic, and one that passes the
// executable checks can be written and read back.
//
// Bounded in the normal run; VMLAB_LONG=1 runs many more cases.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INSTRUCTIONS } from '../src/arch/isa.ts';
import { assembleSource, type AssembleResult } from '../src/asm/index.ts';
import { readExecutable, validateExecutable, writeExecutable } from '../src/exe/format.ts';
import { LONG, ROOT, TIMEOUT } from './hardening-harness.ts';

const RUNS = LONG ? 3000 : 120;

/** Every assembly source of the repository, with its text. */
function sources(dir: string): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (e.name.endsWith('.s')) out.push({ file: p, text: readFileSync(p, 'utf8') });
  }
  return out.sort((a, b) => a.file.localeCompare(b.file));
}
const SOURCES = sources(path.join(ROOT, 'asm'));
// The kernel's top file includes the others: assembling it covers about 2,800 lines.
const SMALL = SOURCES.filter((s) => s.text.split('\n').length < 700);

/** Pieces of the language, to splice into sources: most mutations then stay near-valid. */
const TOKENS = [
  ...INSTRUCTIONS.map((d) => d.mnemonic), 'li', 'la', 'push', 'pop', 'call', 'ret', 'j', 'nop',
  'r0', 'r15', 'sp', 'lr', 'a0', 't4', 's3', 'zero', 'r16', 'x1', 'status', 'ptbr', 'mmucfg',
  '.text', '.data', '.bss', '.word', '.half', '.byte', '.ascii', '.asciz', '.space', '.align', '.equ', '.set',
  '.global', '.include', '.text 0x80000000', '.data 0x1001', '.bss 4096', '.include "nope.s"', '.include "../lib/user.s"',
  ',', ':', '(', ')', '(sp)', '-4(sp)', '%hi(', '%lo(', '+', '-', '*', '/', '%', '<<', '>>', '&', '|', '^', '~',
  '0', '1', '-1', '0x7fffffff', '0x80000000', '0xffffffff', '0x100000000', '99999999999999999999', '0b102', "'a'", "'\\n'", "'", '"', '"\\x4"', '"\\q"',
  '_start:', 'loop:', '.loop:', '.loop', 'label', '.', '. + 4', '#', ';', '\t', '\n', '\r\n', ' ', '\\', '\u00e9', '\u{1f600}', '\uffff',
];

/** Where the assembler may put a diagnostic: the text of each file it read, by the name it uses. */
type Served = Map<string, string[]>;

/**
 * Checks the assembler's contract on one result: diagnostics inside the files read, and an
 * executable exactly when there are none (and, if it is valid, one that survives writing).
 */
function checkResult(r: AssembleResult, served: Served): void {
  for (const d of r.diagnostics) {
    const lines = served.get(d.file);
    expect(lines, `a diagnostic names a file that was not read: ${d.file}`).toBeDefined();
    expect(Number.isInteger(d.line) && d.line >= 1 && d.line <= lines!.length, `${d.file}:${d.line}:${d.col}: ${d.message}`).toBe(true);
    const len = lines![d.line - 1]!.replace(/\r$/, '').length;
    expect(Number.isInteger(d.col) && d.col >= 1 && d.col <= len + 1, `${d.file}:${d.line}:${d.col} (line of ${len}): ${d.message}`).toBe(true);
    expect(d.message.length).toBeGreaterThan(0);
    expect(d.message).not.toContain('\n');
  }
  expect(r.exe === null).toBe(r.diagnostics.length > 0);
  if (r.exe !== null && validateExecutable(r.exe) === undefined) {
    const bytes = writeExecutable(r.exe);
    expect(readExecutable(bytes, 'x.vmx')).toEqual(readExecutable(writeExecutable(readExecutable(bytes, 'x.vmx')), 'x.vmx'));
  }
}

/** Assembles `text` as if it were `file`, serving includes from disk (or `edit`ed); records what was read. */
function assemble(file: string, text: string, editInclude?: (p: string, t: string) => string): { r: AssembleResult; served: Served } {
  const served: Served = new Map([[file, text.replace(/^\ufeff/, '').split('\n')]]);
  const r = assembleSource(text, file, (p) => {
    const raw = readFileSync(p, 'utf8');
    const t = editInclude === undefined ? raw : editInclude(p, raw);
    served.set(p, t.replace(/^\ufeff/, '').split('\n'));
    return t;
  });
  return { r, served };
}

/** One edit of a text: delete, insert, replace, or move a piece of it. */
const arbEdit = fc.oneof(
  fc.record({ k: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ k: fc.constant('insert' as const), at: fc.nat(), what: fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 4 })) }),
  fc.record({ k: fc.constant('char' as const), at: fc.nat(), code: fc.integer({ min: 0, max: 0x2ff }) }),
  fc.record({ k: fc.constant('line' as const), at: fc.nat(), from: fc.nat() }),
  fc.record({ k: fc.constant('truncate' as const), at: fc.nat() }),
);
type Edit = typeof arbEdit extends fc.Arbitrary<infer T> ? T : never;

function applyEdits(text: string, edits: readonly Edit[], donor: string): string {
  let t = text;
  for (const e of edits) {
    const at = t.length === 0 ? 0 : e.at % (t.length + 1);
    switch (e.k) {
      case 'delete':
        t = t.slice(0, at) + t.slice(at + e.len);
        break;
      case 'insert':
        t = t.slice(0, at) + e.what + t.slice(at);
        break;
      case 'char':
        t = t.slice(0, at) + String.fromCharCode(e.code) + t.slice(at + 1);
        break;
      case 'line': {
        // Replace the line holding `at` with a line of the donor source.
        const lines = donor.split('\n');
        const start = t.lastIndexOf('\n', at - 1) + 1;
        const end = t.indexOf('\n', at);
        t = t.slice(0, start) + lines[e.from % lines.length]! + (end < 0 ? '' : t.slice(end));
        break;
      }
      case 'truncate':
        t = t.slice(0, at);
        break;
    }
  }
  return t;
}

describe('the assembler on mutated and random sources', () => {
  it('mutated sources: diagnostics inside the files, never an exception', () => {
    fc.assert(
      fc.property(
        fc.nat(SMALL.length - 1),
        fc.nat(SOURCES.length - 1),
        fc.array(arbEdit, { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        (i, j, edits, mutateIncludes) => {
          const src = SMALL[i]!;
          const donor = SOURCES[j]!.text;
          const text = applyEdits(src.text, edits, donor);
          const { r, served } = assemble(src.file, text, mutateIncludes ? (_p, t) => applyEdits(t, edits.slice(0, 2), donor) : undefined);
          checkResult(r, served);
        },
      ),
      { numRuns: RUNS },
    );
  }, TIMEOUT);

  it('the kernel, mutated', () => {
    const kernel = SOURCES.find((s) => s.file.endsWith(path.join('kernel', 'kernel.s')))!;
    fc.assert(
      fc.property(fc.array(arbEdit, { minLength: 1, maxLength: 4 }), fc.nat(SOURCES.length - 1), fc.nat(20), (edits, j, which) => {
        // Mutate one of the included files (kernel.s itself is mostly includes).
        const { r, served } = assemble(kernel.file, kernel.text, (p, t) => {
          const files = [...kernel.text.matchAll(/\.include "([^"]+)"/g)].map((m) => path.basename(m[1]!));
          return path.basename(p) === files[which % files.length] ? applyEdits(t, edits, SOURCES[j]!.text) : t;
        });
        checkResult(r, served);
      }),
      { numRuns: LONG ? 400 : 12 },
    );
  }, TIMEOUT);

  it('random token soup', () => {
    const arbLine = fc
      .tuple(fc.array(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...TOKENS) }, { weight: 1, arbitrary: fc.string({ maxLength: 5 }) }), { maxLength: 8 }), fc.constantFrom(' ', ', ', ''))
      .map(([ts, sep]) => ts.join(sep));
    fc.assert(
      fc.property(fc.array(arbLine, { maxLength: 30 }), (lines) => {
        const file = path.join(ROOT, 'asm/tests/fuzz.s');
        const text = lines.join('\n');
        const { r, served } = assemble(file, text);
        checkResult(r, served);
      }),
      { numRuns: LONG ? 5000 : 300 },
    );
  }, TIMEOUT);

  it('binary junk, NUL bytes, lone surrogates, huge numbers and deep expressions', () => {
    const file = path.join(ROOT, 'asm/tests/fuzz.s');
    const cases = [
      '\0\0\0',
      'nop\n\0',
      '\ud800 nop',
      `li a0, ${'('.repeat(500)}1${')'.repeat(500)}`,
      `li a0, ${'-'.repeat(2000)}1`,
      `li a0, ${'1+'.repeat(3000)}1`,
      `.word ${'9'.repeat(400)}`,
      `${'a'.repeat(100_000)}:`,
      `.ascii "${'\\x41'.repeat(20_000)}"`,
      '.space 0xffffffff',
      '.text 0xfffff000\n.word 1, 2',
      '.bss\n.space 0x7fffffff\n.space 0x7fffffff\n.space 0x7fffffff',
      '.align 8192',
      '.set x, x + 1\nli a0, x',
      '.equ a, b\n.equ b, a\nli a0, a',
      'x: .word y\ny: .word x - y + %hi(x) * %lo(-1) / 0',
      '.include ""',
      '.include "/"',
      '.include "fuzz.s"',
    ];
    for (const text of cases) {
      const { r, served } = assemble(file, text);
      checkResult(r, served);
    }
  });
});
