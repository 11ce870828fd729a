// Assembler diagnostics: each kind of error at its exact line and column, several errors in
// one file, the three-line format, and no exception for any input.

import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserError } from '../src/util/errors.ts';
import { assembleFile, assembleSource, formatDiagnostic } from '../src/asm/index.ts';
import type { AssembleResult, Diagnostic } from '../src/asm/index.ts';

function memFs(files: Record<string, string>): (p: string) => string {
  return (p) => {
    const t = files[p];
    if (t === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
    return t;
  };
}

function assemble(src: string, files: Record<string, string> = {}): AssembleResult {
  return assembleSource(src, 'prog.s', memFs(files));
}

/** `file:line:col: message` of every diagnostic. */
function diags(src: string, files: Record<string, string> = {}): string[] {
  const r = assemble(src, files);
  expect(r.exe === null).toBe(r.diagnostics.length > 0);
  return r.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`);
}

/** Expects exactly one diagnostic, at line:col, whose message matches. */
function one(src: string, line: number, col: number, message: RegExp, files: Record<string, string> = {}): Diagnostic {
  const r = assemble(src, files);
  expect(r.exe).toBeNull();
  expect(r.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`)).toHaveLength(1);
  const d = r.diagnostics[0]!;
  expect(`${d.line}:${d.col}`).toBe(`${line}:${col}`);
  expect(d.message).toMatch(message);
  return d;
}

describe('each kind of error, at its line and column', () => {
  it('unknown mnemonic', () => {
    const d = one('\n\n    frobnicate r1, r2\n', 3, 5, /^unknown instruction 'frobnicate'$/);
    expect(d.file).toBe('prog.s');
    expect(d.sourceLine).toBe('    frobnicate r1, r2');
  });

  it('unknown names get a suggestion when one is close', () => {
    one('  mov a0, a1', 1, 3, /^unknown instruction 'mov' \(did you mean 'mv'\?\)$/);
    one('  addd a0, a1, a2', 1, 3, /^unknown instruction 'addd' \(did you mean 'add'\?\)$/);
    one('  .wrod 1', 1, 3, /^unknown directive '\.wrod' \(did you mean '\.word'\?\)$/);
  });

  it('bad register', () => {
    one('nop\n  add a0, a1, r16', 2, 15, /^bad register 'r16'/);
    one('  lw a0, 4(r99)', 1, 12, /^bad register 'r99'/);
    one('  mv a0, foo', 1, 10, /^bad register 'foo'/);
    one('  jr 12', 1, 6, /^expected a register$/);
  });

  it('immediate out of range', () => {
    one('  addi a0, a0, 40000', 1, 16, /^addi: immediate 40000 is out of range -32768..32767$/);
    one('  addi a0, a0, -32769', 1, 16, /out of range -32768..32767/);
    one('  ori a0, a0, -1', 1, 15, /^ori: immediate -1 is out of range 0..65535$/);
    one('  lui a0, 0x10000', 1, 11, /^lui: immediate 65536 is out of range 0..65535$/);
    one('  slli a0, a0, 32', 1, 16, /^slli: shift amount 32 is out of range 0..31$/);
    one('  lw a0, 32768(sp)', 1, 10, /^lw: offset 32768 is out of range -32768..32767$/);
    one('.data\n  .byte 256', 2, 9, /^\.byte value 256 is out of range -128..255$/);
    one('.data\n  .half -32769', 2, 9, /^\.half value -32769 is out of range -32768..65535$/);
    one('.data\n  .space 2, 300', 2, 13, /fill byte 300 is out of range/);
  });

  it('branch too far, jump too far, misaligned target', () => {
    one('  beq a0, a1, far\n  .space 0x20000\nfar: nop', 1, 15, /^branch too far: target 0x21004 is 32769 words away \(the limit is -32768\.\.32767\)$/);
    one('back: nop\n  .space 0x20000\n  bnez a0, back', 3, 12, /^branch too far/);
    one('  j far\n  .space 0x200000\nfar: nop', 1, 5, /^jump too far: target 0x201004 is 524289 words away/);
    one('  beq a0, a1, . + 2', 1, 15, /^branch target 0x1002 is not a multiple of 4$/);
  });

  it('branches at the limits are fine', () => {
    expect(diags('  beq a0, a1, far\n  .space 0x1fff8\nfar: nop')).toEqual([]);
    expect(diags('  j far\n  .space 0x1ffff8\nfar: nop')).toEqual([]);
  });

  it('undefined label', () => {
    one('  nop\n  j nowhere', 2, 5, /^undefined symbol 'nowhere'$/);
    one('  li a0, 1 + missing * 2', 1, 14, /^undefined symbol 'missing'$/);
    one('f:\n  j .loop', 2, 5, /^undefined symbol 'f\.loop'$/);
    one('  lw a0, OFF(sp)', 1, 10, /^undefined symbol 'OFF'$/);
  });

  it('duplicate label', () => {
    one('x:  nop\n  nop\n x:  nop', 3, 2, /^duplicate label 'x' \(first defined at prog\.s:1\)$/);
    one('f:\n.l: nop\n.l: nop', 3, 1, /^duplicate label 'f\.l'/);
    one('.equ K, 1\nK: nop', 2, 1, /^label has the name of a constant 'K'/);
  });

  it('missing include', () => {
    one('nop\n  .include "nope.s"', 2, 12, /^cannot include "nope\.s" \(nope\.s\): no such file$/);
  });

  it('include cycle', () => {
    const d = one('.include "a.s"', 2, 10, /^include cycle: .*a\.s -> .*b\.s -> .*a\.s$/, {
      'a.s': 'nop\n.include "b.s"',
      'b.s': 'nop\n.include "a.s"',
    });
    expect(d.file).toBe('b.s');
    one('.include "prog.s"', 1, 10, /^include cycle: prog\.s -> prog\.s$/, { 'prog.s': '' });
  });

  it('errors inside an included file name that file', () => {
    const r = assemble('nop\n.include "inc.s"', { 'inc.s': '\n  bogus' });
    expect(r.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}`)).toEqual(['inc.s:2:3']);
    expect(r.diagnostics[0]!.sourceLine).toBe('  bogus');
  });

  it('unterminated string', () => {
    one('.data\n  .ascii "abc', 2, 10, /^unterminated string$/);
    one('.data\n  .asciz "ends with a backslash\\', 2, 10, /^unterminated string$/);
    one('.data\n  .ascii "a\\"', 2, 10, /^unterminated string$/);
  });

  it('bad escapes and literals', () => {
    one('.data\n  .ascii "a\\qb"', 2, 12, /^unknown escape '\\q'$/);
    one('.data\n  .ascii "\\x4"', 2, 11, /^bad escape: \\x needs two hex digits$/);
    one('  li a0, 0x100000000', 1, 10, /^number 0x100000000 does not fit in 32 bits$/);
    one('  li a0, 4294967296', 1, 10, /does not fit in 32 bits/);
    one("  li a0, '\\z'", 1, 11, /^unknown escape '\\z'$/);
  });

  it('bad directive: unknown, or wrong operands', () => {
    one('  .frob 1', 1, 3, /^unknown directive '\.frob'$/);
    one('  .word', 1, 3, /^\.word takes one or more values$/);
    one('.data\n  .word "x"', 2, 9, /^\.word takes numbers/);
    one('  .equ 5, 3', 1, 3, /^\.equ takes a name and a value/);
    one('  .equ X', 1, 3, /^\.equ takes a name and a value/);
    one('  .align 3', 1, 10, /^\.align 3: the alignment must be a power of two from 1 to 4096/);
    one('  .align 8192', 1, 10, /power of two from 1 to 4096/);
    one('  .space -1', 1, 10, /^\.space size -1 is negative$/);
    one('  .space 1, 2, 3', 1, 3, /^\.space takes a size and an optional fill byte/);
    one('  .text 1, 2', 1, 3, /^\.text takes at most one operand/);
    one('  .ascii 5', 1, 10, /^\.ascii takes strings in double quotes$/);
    one('  .include 5', 1, 3, /^\.include takes one operand: a file name in double quotes$/);
    one('  .global 5', 1, 11, /^\.global takes symbol names$/);
    one('  .global nothere', 1, 11, /^\.global names 'nothere', which is not defined$/);
  });

  it('wrong operand count', () => {
    one('  add a0, a1', 1, 3, /^add expects 3 operands \(add rd, rs1, rs2\), got 2$/);
    one('  nop a0', 1, 3, /^nop expects 0 operands \(nop\), got 1$/);
    one('  jal a0, a1, a2', 1, 3, /^jal expects 1 or 2 operands \(jal label \| jal rd, label\), got 3$/);
    one('  ret 1', 1, 3, /^ret expects 0 operands/);
    one('  push', 1, 3, /^push expects 1 operand \(push rs\), got 0$/);
  });

  it('wrong operand kind', () => {
    one('  lw a0, 4', 1, 10, /^lw: expected a memory operand such as 8\(sp\) or \(a0\)$/);
    one('  add a0, a1, 5', 1, 15, /^expected a register$/);
    one('  addi a0, a1, a2', 1, 16, /^'a2' is a register; a value is expected here$/);
    one('  addi a0, a1, 4(sp)', 1, 16, /^expected a value, not a memory operand$/);
    one('  addi a0, a1, "s"', 1, 16, /^expected a value, not a string$/);
    one('  csrr a0, bogus', 1, 12, /^unknown control register 'bogus'/);
    one('  csrr a0, 15', 1, 12, /^unknown control register 15/);
    one('  csrw cycle, a0', 1, 8, /^control register CYCLE is read-only$/);
  });

  it('syntax errors carry the grammar position and a short message', () => {
    one('  add a0, a1 a2', 1, 14, /^syntax error: unexpected 'a'; expected ',' or end of line$/);
    one('  add a0, , a2', 1, 11, /^syntax error: unexpected ','; expected an expression$/);
    one('  li a0, (1 + 2', 1, 16, /^syntax error: unexpected end of line; expected '\)'$/);
    one('  lw a0, 4(sp', 1, 14, /^syntax error: unexpected end of line; expected '\)'$/);
    one('@', 1, 1, /^syntax error: unexpected '@'; expected a label, an instruction or a directive$/);
    one('x : nop', 1, 3, /^syntax error: unexpected ':'/);
  });

  it('value errors', () => {
    one('.data\n  .word 1 / (2 - 2)', 2, 11, /^division by zero$/);
    one('.data\n  .word 5 % 0', 2, 11, /^division by zero$/);
    one('.data\n  .word 1 << 32', 2, 11, /^shift count 32 is out of range 0\.\.31$/);
    one('.equ A, B\n.equ B, A\n.data\n.word A', 2, 9, /^circular definition of 'A'$/);
    one('.data\n.word N\n.set N, 1\n.set N, 2', 2, 7, /^'N' is set more than once with \.set: use it after it is set$/);
    one('.equ K, 1\n.equ K, 2', 2, 6, /^'K' is already defined at prog\.s:1 with \.equ, which cannot be redefined$/);
    one('.set K, 1\n.equ K, 2', 2, 6, /^'K' is already defined at prog\.s:1 with \.set/);
    one('sp: nop', 1, 1, /^'sp' is a register name and cannot be a label$/);
    one('.equ A0, 1', 1, 6, /^'A0' is a register name and cannot be a constant$/);
  });

  it('values needed for the layout must be known where they are written', () => {
    one('  .space SIZE\n.equ SIZE, 4', 1, 10, /^the size of \.space must be known where it is written, and 'SIZE' is defined further down$/);
    one('  .space end - start\nstart: nop\nend:', 1, 10, /'end' is defined further down/);
    one('  .space NOPE', 1, 10, /^undefined symbol 'NOPE'$/);
    one('.data\nd: .word 0\n.text\n.space d', 4, 8, /^the size of \.space must be a constant known where it is written/);
  });

  it('section rules', () => {
    one('.bss\n  nop', 2, 3, /^an instruction cannot go in \.bss/);
    one('.bss\n  .word 1', 2, 3, /^\.word cannot go in \.bss/);
    one('.bss\n  .space 4, 1', 2, 13, /^\.bss is zero-filled/);
    one('  .text 0x80000010', 1, 9, /^\.text address 0x80000010 is not a multiple of the page size/);
    one('nop\n  .text 0x80000000', 2, 9, /^the address of \.text must be given before anything is put in it \(first use at prog\.s:1\)$/);
    one('.data 0x2000\n.data 0x3000', 2, 7, /^\.data already starts at 0x2000/);
    one('nop\n.data 0x1000\n.word 1', 2, 7, /^\.data \(0x1000\.\.0x1003\) shares pages with \.text \(0x1000\.\.0x1fff\)$/);
    one('.text 0xfffff000\n.space 0x1004', 1, 7, /^\.text runs past the end of the address space/);
    one('  .byte 1\n  nop', 2, 3, /^instruction at address 0x1001, which is not a multiple of 4: put \.align 4 before it$/);
    one('.data\n  .byte 1\n  .word 2', 3, 3, /^\.word at offset 0x1 of \.data, which is not a multiple of 4: put \.align 4 before it$/);
    one('.data 0x4000\n  .byte 1\n  .half 2', 3, 3, /^\.half at address 0x4001, which is not a multiple of 2: put \.align 2 before it$/);
    one('.data\n  .space 0x5000000', 2, 3, /^\.data is 83886080 bytes; at most 67108864 bytes fit/);
  });

  it('refuses binary input', () => {
    one('\u0000\u0001\u0002garbage', 1, 1, /not assembly source: it contains NUL bytes/);
  });
});

describe('several errors', () => {
  it('are all reported, in order, and the rest of the file is still checked', () => {
    const src = [
      'start:',
      '    frobnicate r1, r2', // 2
      '    addi a0, a0, 70000', // 3
      '    add a0, a1, r16', // 4
      '    j nowhere', // 5
      'start: nop', // 6
      '    .ascii "open', // 7
      '    .bogus', // 8
      '    add a0, a1', // 9
      '    lw a0, 4', // 10
      '    add a0, a1 a2', // 11
      '    j start', // 12: fine
    ].join('\n');
    expect(diags(src)).toEqual([
      "prog.s:2:5: unknown instruction 'frobnicate'",
      'prog.s:3:18: addi: immediate 70000 is out of range -32768..32767',
      "prog.s:4:17: bad register 'r16' (registers: r0-r15, zero, a0-a3, t0-t4, s0-s3, sp, lr)",
      "prog.s:5:7: undefined symbol 'nowhere'",
      "prog.s:6:1: duplicate label 'start' (first defined at prog.s:1)",
      'prog.s:7:12: unterminated string',
      "prog.s:8:5: unknown directive '.bogus'",
      'prog.s:9:5: add expects 3 operands (add rd, rs1, rs2), got 2',
      'prog.s:10:12: lw: expected a memory operand such as 8(sp) or (a0)',
      "prog.s:11:16: syntax error: unexpected 'a'; expected ',' or end of line",
    ]);
  });

  it('keep the labels of a line that does not parse, so that its references are not errors too', () => {
    expect(diags('loop: addi a0, a0,, 1\n  j loop')).toEqual(["prog.s:1:19: syntax error: unexpected ','; expected an expression"]);
  });

  it('report each operand of a data directive', () => {
    expect(diags('.data\n.byte 300, 1, -200')).toEqual([
      'prog.s:2:7: .byte value 300 is out of range -128..255',
      'prog.s:2:15: .byte value -200 is out of range -128..255',
    ]);
  });

  it('stop after a hundred', () => {
    const r = assemble(Array.from({ length: 150 }, () => 'bogus').join('\n'));
    expect(r.diagnostics).toHaveLength(101);
    expect(r.diagnostics[100]!.message).toBe('too many errors (100 shown); stopping');
  });
});

describe('formatDiagnostic', () => {
  it('prints file:line:col, the line and a caret', () => {
    const r = assemble('\n\n    frobnicate r1, r2');
    expect(formatDiagnostic(r.diagnostics[0]!)).toBe(
      "prog.s:3:5: error: unknown instruction 'frobnicate'\n    frobnicate r1, r2\n    ^",
    );
  });

  it('keeps tabs so that the caret lines up', () => {
    const r = assemble('\tadd\ta0, a1, r99');
    expect(formatDiagnostic(r.diagnostics[0]!)).toBe("prog.s:1:14: error: bad register 'r99' (registers: r0-r15, zero, a0-a3, t0-t4, s0-s3, sp, lr)\n\tadd\ta0, a1, r99\n\t   \t        ^");
  });

  it('points past the end of the line for a missing operand', () => {
    const r = assemble('  li a0,');
    expect(formatDiagnostic(r.diagnostics[0]!).split('\n')[2]).toBe('        ^');
  });
});

describe('assembleFile', () => {
  it('reads the file and its includes from disk', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vmlab-asm-'));
    try {
      mkdirSync(path.join(dir, 'lib'));
      writeFileSync(path.join(dir, 'main.s'), '.include "lib/x.s"\n  call f\n  .include "lib/missing.s"\n');
      writeFileSync(path.join(dir, 'lib', 'x.s'), 'f: ret\n');
      const main = path.join(dir, 'main.s');
      const r = assembleFile(main);
      expect(r.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`)).toEqual([
        `3:12: cannot include "lib/missing.s" (${path.join(dir, 'lib', 'missing.s')}): no such file`,
      ]);
      writeFileSync(main, '.include "lib/x.s"\n  call f\n');
      const ok = assembleFile(main);
      expect(ok.diagnostics).toEqual([]);
      expect(ok.exe!.files).toEqual([main, path.join(dir, 'lib', 'x.s')]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('throws a one-line UserError for a main file it cannot read', () => {
    expect(() => assembleFile('/nonexistent/prog.s')).toThrow(UserError);
    expect(() => assembleFile('/nonexistent/prog.s')).toThrow(/^cannot read \/nonexistent\/prog\.s: no such file$/);
    expect(() => assembleFile(tmpdir())).toThrow(/it is a directory/);
  });
});

describe('robustness', () => {
  const alphabet = fc.constantFrom(
    ...'abcxyz019 \t,:.()"\'#;%+-*/<>|&^~\\$_\n'.split(''),
    'add ', 'lw ', '.word ', '.text ', '.space ', 'li ', 'a0', 'sp', '0x', '%hi(', '.include ',
  );

  it('never throws, whatever the input, and gives an executable exactly when there is no diagnostic', () => {
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 60 }), (parts) => {
        const r = assembleSource(parts.join(''), 'fuzz.s', () => '');
        expect(r.exe === null).toBe(r.diagnostics.length > 0);
        for (const d of r.diagnostics) {
          expect(d.line).toBeGreaterThanOrEqual(1);
          expect(d.col).toBeGreaterThanOrEqual(1);
          expect(formatDiagnostic(d).split('\n')).toHaveLength(3);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200, unit: 'binary' }), (text) => {
        const r = assembleSource(text, 'fuzz.s', () => {
          throw new Error('no includes');
        });
        expect(r.exe === null).toBe(r.diagnostics.length > 0);
      }),
      { numRuns: 300 },
    );
  });
});

describe('diagnostics stay on one line', () => {
  // The fuzzer found it: an include path spelled with the escape "\n" holds a newline, and the
  // "cannot include" message printed it raw, over two lines.
  it('shows control characters of quoted user text escaped', () => {
    const r = assembleSource('.include "a\\nb.s"\n', 'main.s', () => {
      throw Object.assign(new Error('missing'), { code: 'ENOENT' });
    });
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]!.message).not.toContain('\n');
    expect(r.diagnostics[0]!.message).toContain('a\\nb.s');
  });
});
