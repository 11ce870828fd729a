// Properties of the assembler, on random inputs:
// - every instruction with random valid operands assembles to a word that decode() reads back
//   as the same operands, and re-rendering the decoded word assembles to the same word;
// - the hand-written scanner (fastparse.ts) and the grammar (parse.ts) build the same tree for
//   every line the scanner accepts, and the scanner accepts nearly every valid line;
// - expressions printed with the fewest parentheses evaluate as a reference evaluator says;
// - li builds every 32-bit value, in one word exactly when one instruction can.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BRANCH_WORDS_RANGE, decode, INSTRUCTIONS, JUMP_WORDS_RANGE } from '../src/arch/isa.ts';
import type { Fields, InstrDef } from '../src/arch/isa.ts';
import { CSR_NAME, CSR_READ_ONLY } from '../src/arch/csr.ts';
import { REG_NAMES } from '../src/arch/registers.ts';
import { assembleSource, formatDiagnostic } from '../src/asm/index.ts';
import { parseLineFast } from '../src/asm/fastparse.ts';
import { parseLineOhm } from '../src/asm/parse.ts';
import { BINARY_PRECEDENCE } from '../src/asm/ast.ts';
import type { BinaryOp } from '../src/asm/ast.ts';

const LONG = process.env.VMLAB_LONG === '1';
const runs = (n: number) => (LONG ? n * 20 : n);

/** Assembles a program and returns its text words; fails the test on any diagnostic. */
function words(src: string): number[] {
  const r = assembleSource(src, 'rt.s', () => '');
  if (r.exe === null) throw new Error(`${src}\n${r.diagnostics.map(formatDiagnostic).join('\n')}`);
  const text = r.exe.segments.find((s) => s.name === 'text');
  if (text === undefined) return [];
  const v = new DataView(text.data.buffer, text.data.byteOffset, text.data.byteLength);
  return Array.from({ length: text.data.length / 4 }, (_, i) => v.getUint32(4 * i, true));
}

// ------------------------------------------------------------ rendering instructions

interface Spelling {
  regs: number[]; // per register use: 0 = rN, 1 = name, 2 = upper-case name
  hex: boolean;
  csrByNumber: boolean;
  upperMnemonic: boolean;
}

function regText(n: number, style: number): string {
  if (style === 0) return `r${n}`;
  return style === 1 ? REG_NAMES[n]! : REG_NAMES[n]!.toUpperCase();
}

function immText(v: number, hex: boolean): string {
  if (!hex) return String(v);
  return v < 0 ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`;
}

/** Source text for instruction d with fields f, branch/jump offsets written relative to `.`. */
function render(d: InstrDef, f: Fields, s: Spelling): string {
  let k = 0;
  const reg = (n: number) => regText(n, s.regs[k++ % s.regs.length]!);
  const imm = (v: number) => immText(v, s.hex);
  const rel = (wordsOff: number) => (wordsOff < 0 ? `. - ${-wordsOff * 4}` : `. + ${wordsOff * 4}`);
  const csr = (n: number) => (s.csrByNumber ? String(n) : CSR_NAME.get(n)!.toLowerCase());
  const m = s.upperMnemonic ? d.mnemonic.toUpperCase() : d.mnemonic;
  switch (d.format) {
    case 'R': return `${m} ${reg(f.rd)}, ${reg(f.rs1)}, ${reg(f.rs2)}`;
    case 'I': return `${m} ${reg(f.rd)}, ${reg(f.rs1)}, ${imm(f.imm)}`;
    case 'L': return `${m} ${reg(f.rd)}, ${imm(f.imm)}(${reg(f.rs1)})`;
    case 'S': return `${m} ${reg(f.rs2)}, ${imm(f.imm)}(${reg(f.rs1)})`;
    case 'B': return `${m} ${reg(f.rs1)}, ${reg(f.rs2)}, ${rel(f.imm)}`;
    case 'J': return `${m} ${reg(f.rd)}, ${rel(f.imm)}`;
    case 'U': return `${m} ${reg(f.rd)}, ${imm(f.imm)}`;
    case 'N': return m;
    case 'CR': return `${m} ${reg(f.rd)}, ${csr(f.imm)}`;
    case 'CW': return `${m} ${csr(f.imm)}, ${reg(f.rs1)}`;
    case 'R1': return `${m} ${reg(f.rs1)}`;
    case 'RD': return `${m} ${reg(f.rd)}`;
  }
}

const CANONICAL: Spelling = { regs: [1], hex: false, csrByNumber: false, upperMnemonic: false };

const reg = fc.integer({ min: 0, max: 15 });
const csrs = [...CSR_NAME.keys()];
const writableCsrs = csrs.filter((n) => !CSR_READ_ONLY.has(n));

/** Random valid fields for d (fields the format lacks stay 0, as decode() gives them). */
function fieldsFor(d: InstrDef): fc.Arbitrary<Fields> {
  const none = fc.constant(0);
  const immFor = (): fc.Arbitrary<number> => {
    switch (d.imm) {
      case 's16': return fc.integer({ min: -32768, max: 32767 });
      case 'u16': return fc.integer({ min: 0, max: 65535 });
      case 'shamt': return fc.integer({ min: 0, max: 31 });
      case 'none': return none;
    }
  };
  const rec = (rd: fc.Arbitrary<number>, rs1: fc.Arbitrary<number>, rs2: fc.Arbitrary<number>, imm: fc.Arbitrary<number>) =>
    fc.record({ rd, rs1, rs2, imm });
  switch (d.format) {
    case 'R': return rec(reg, reg, reg, none);
    case 'I':
    case 'L': return rec(reg, reg, none, immFor());
    case 'S': return rec(none, reg, reg, immFor());
    case 'B': return rec(none, reg, reg, fc.integer({ min: BRANCH_WORDS_RANGE[0], max: BRANCH_WORDS_RANGE[1] }));
    case 'J': return rec(reg, none, none, fc.integer({ min: JUMP_WORDS_RANGE[0], max: JUMP_WORDS_RANGE[1] }));
    case 'U': return rec(reg, none, none, immFor());
    case 'N': return rec(none, none, none, none);
    case 'CR': return rec(reg, none, none, fc.constantFrom(...csrs));
    case 'CW': return rec(none, reg, none, fc.constantFrom(...writableCsrs));
    case 'R1': return rec(none, reg, none, none);
    case 'RD': return rec(reg, none, none, none);
  }
}

const spelling: fc.Arbitrary<Spelling> = fc.record({
  regs: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 3 }),
  hex: fc.boolean(),
  csrByNumber: fc.boolean(),
  upperMnemonic: fc.boolean(),
});

const instruction = fc
  .constantFrom(...INSTRUCTIONS)
  .chain((d) => fc.tuple(fc.constant(d), fieldsFor(d), spelling));

describe('assemble -> decode -> render -> assemble', () => {
  it('gives back the operands and the same word, for every instruction', () => {
    fc.assert(
      fc.property(instruction, ([d, f, s]) => {
        const src = render(d, f, s);
        const [w] = words(src);
        const back = decode(w!);
        expect(back?.def.mnemonic).toBe(d.mnemonic);
        expect(back!.fields).toEqual(f);
        const again = render(back!.def, back!.fields, CANONICAL);
        expect(words(again)).toEqual([w]);
      }),
      { numRuns: runs(2000) },
    );
  });

  it('assembles a whole random program in one go', () => {
    fc.assert(
      fc.property(fc.array(instruction, { minLength: 1, maxLength: 50 }), (list) => {
        const ws = words(list.map(([d, f, s]) => render(d, f, s)).join('\n'));
        expect(ws.map((w) => decode(w)?.def.mnemonic)).toEqual(list.map(([d]) => d.mnemonic));
        ws.forEach((w, i) => expect(decode(w)!.fields).toEqual(list[i]![1]));
      }),
      { numRuns: runs(100) },
    );
  });
});

// ------------------------------------------------------------ the two parsers

const blank = fc.constantFrom('', ' ', '  ', '\t', ' \t ');
const name = fc.constantFrom('x', 'loop', '_start', '$t', 'a.b', 'f1', 'memcpy', 'ADD', 'a0', 'sp', 'hi', 'lo');
const localName = fc.constantFrom('.loop', '.1', '.x.y', '..z');
const number = fc.oneof(
  fc.integer({ min: 0, max: 100000 }).map(String),
  fc.integer({ min: 0, max: 0xffffffff }).map((v) => `0x${v.toString(16)}`),
  fc.integer({ min: 0, max: 0xffffffff }).map((v) => `0X${v.toString(16).toUpperCase()}`),
  fc.integer({ min: 0, max: 255 }).map((v) => `0b${v.toString(2)}`),
  fc.constantFrom("'a'", "'\\n'", "'\\''", "'\\x41'", "'\\\\'", "'#'", "';'", "' '", "'\"'", '0x', '0b2', '08', '1x', "'ab'", "'\\q'"),
);
const binOps = ['|', '^', '&', '<<', '>>', '+', '-', '*', '/', '%'];

const exprText: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    number,
    name,
    localName,
    fc.constant('.'),
    fc.tuple(fc.constantFrom('-', '~', '+'), blank, tie('e')).map(([o, b, e]) => o + b + e),
    fc.tuple(tie('e'), blank, fc.constantFrom(...binOps), blank, tie('e')).map(([a, b1, o, b2, c]) => a + b1 + o + b2 + c),
    fc.tuple(blank, tie('e'), blank).map(([a, e, b]) => `(${a}${e}${b})`),
    fc.tuple(fc.constantFrom('%hi', '%lo', '%HI', '%Lo'), blank, tie('e')).map(([h, b, e]) => `${h}${b}(${e})`),
  ),
})).e;

const operandText = fc.oneof(
  { weight: 4, arbitrary: exprText },
  { weight: 2, arbitrary: fc.tuple(exprText, blank, name, blank).map(([e, b, r, b2]) => `${e}${b}(${b2}${r}${b})`) },
  { weight: 1, arbitrary: fc.tuple(blank, name).map(([b, r]) => `(${b}${r})`) },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.constantFrom('a', 'b', ' ', '#', ';', '\\n', '\\t', '\\"', "\\'", '\\x7f', '\\\\', 'é', ',', '(', "'"), { maxLength: 8 })
      .map((p) => `"${p.join('')}"`),
  },
);

const junk = fc.constantFrom('', '', '', '', ',', '(', ')', ':', '"', "'", '@', '%', '\\', '.', ' x', '<', '>>>', '~');

const lineText = fc
  .tuple(
    fc.array(fc.tuple(blank, fc.oneof(name, localName)).map(([b, n]) => `${b}${n}:`), { maxLength: 2 }),
    fc.option(
      fc.tuple(
        blank,
        fc.oneof(fc.constantFrom('add', 'LW', 'li', 'jal', 'frob', 'x.y'), fc.constantFrom('.word', '.ASCII', '.text', '.x')),
        fc.array(fc.tuple(blank, operandText, blank), { maxLength: 3 }),
      ),
    ),
    fc.constantFrom('', ' # comment', '; c', '#', ' ;; "x"'),
    junk,
    fc.nat(),
  )
  .map(([labels, stmt, comment, j, at]) => {
    let t = labels.join('');
    if (stmt !== null) {
      const [b, m, ops] = stmt;
      t += `${b}${m}${ops.length > 0 ? ' ' : ''}${ops.map(([b1, o, b2]) => b1 + o + b2).join(',')}`;
    }
    t += comment;
    if (j !== '') {
      const p = at % (t.length + 1);
      t = t.slice(0, p) + j + t.slice(p);
    }
    return t;
  });

describe('fast scanner and grammar', () => {
  it('agree on every line the scanner accepts', () => {
    let accepted = 0;
    let grammarAccepted = 0;
    fc.assert(
      fc.property(lineText, (t) => {
        const fast = parseLineFast(t, 'f.s', 7);
        const ref = parseLineOhm(t, 'f.s', 7);
        if (ref.ast !== null && ref.errors.length === 0) grammarAccepted++;
        if (fast === undefined) return;
        accepted++;
        expect(ref.errors).toEqual([]);
        expect(fast).toEqual(ref.ast);
      }),
      { numRuns: runs(1500) },
    );
    // The scanner must not give up on most valid lines, or the assembler would be slow.
    expect(accepted).toBeGreaterThan(grammarAccepted * 0.9);
  });

  it('agree on hand-picked corner cases', () => {
    const lines = [
      'a: b:c:', '.l: .m:', 'nop#x', 'nop;x', 'add(a0)', '  lw a0 , - 4 ( sp ) ', 'lw a0, (sp)', 'lw a0, (x)(sp)',
      '.word (x) + 1', '.word (x)', 'li a0, %hi (x)', 'li a0, 5 %hi(x)', 'li a0, 5 % hi', 'li a0, %high(x)',
      'li a0, - -1', 'li a0, ~~+1', "li a0, '\\x41'", "li a0, '\\x4'", "li a0, '''", "li a0, 'é'", 'li a0, . + .',
      '.ascii "a\\"b", "c"', '.ascii "x\\', '.ascii "', 'x :', '1:', 'j .', 'j .+4', 'j ..x', '.5', 'a0: nop',
      '\tadd\ta0,a1,a2', 'add a0, a1, a2,', 'li a0, 1 >> 2 << 3', 'li a0, 1 >>> 2', 'li a0, 0x', 'li a0, 0b', 'li a0, 1a',
      'li a0, 0xFFFFFFFF', 'li a0, 0x100000000', '\u00a0nop', 'nop\r', '"s"', 'x: "s"', '.text\f', 'add a0 a1',
    ];
    for (const t of lines) {
      const fast = parseLineFast(t, 'f.s', 1);
      if (fast === undefined) continue;
      const ref = parseLineOhm(t, 'f.s', 1);
      expect(ref.errors, t).toEqual([]);
      expect(fast, t).toEqual(ref.ast);
    }
  });
});

// ------------------------------------------------------------ expressions

type Tree =
  | { k: 'num'; v: number }
  | { k: 'un'; op: '-' | '~' | '+'; a: Tree }
  | { k: 'hilo'; op: 'hi' | 'lo'; a: Tree }
  | { k: 'bin'; op: BinaryOp; l: Tree; r: Tree };

const tree: fc.Arbitrary<Tree> = fc.letrec<{ t: Tree }>((tie) => ({
  t: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 0xffffffff })).map((v): Tree => ({ k: 'num', v: v | 0 })),
    fc.tuple(fc.constantFrom('-', '~', '+'), tie('t')).map(([op, a]): Tree => ({ k: 'un', op: op as '-' | '~' | '+', a })),
    fc.tuple(fc.constantFrom('hi', 'lo'), tie('t')).map(([op, a]): Tree => ({ k: 'hilo', op: op as 'hi' | 'lo', a })),
    fc.tuple(fc.constantFrom(...(binOps as BinaryOp[])), tie('t'), tie('t')).map(([op, l, r]): Tree => ({ k: 'bin', op, l, r })),
  ),
})).t;

/** The tree's value with the documented semantics, or undefined where the assembler must refuse it. */
function reference(t: Tree): number | undefined {
  switch (t.k) {
    case 'num': return t.v;
    case 'un': {
      const a = reference(t.a);
      if (a === undefined) return undefined;
      return t.op === '-' ? -a | 0 : t.op === '~' ? ~a : a;
    }
    case 'hilo': {
      const a = reference(t.a);
      if (a === undefined) return undefined;
      return t.op === 'hi' ? (a >>> 16) & 0xffff : a & 0xffff;
    }
    case 'bin': {
      const a = reference(t.l);
      const b = reference(t.r);
      if (a === undefined || b === undefined) return undefined;
      const big = (x: bigint) => Number(BigInt.asIntN(32, x));
      switch (t.op) {
        case '+': return big(BigInt(a) + BigInt(b));
        case '-': return big(BigInt(a) - BigInt(b));
        case '*': return big(BigInt(a) * BigInt(b));
        case '/': return b === 0 ? undefined : big(BigInt(a) / BigInt(b)); // BigInt division truncates
        case '%': return b === 0 ? undefined : big(BigInt(a) % BigInt(b));
        case '<<': return b < 0 || b > 31 ? undefined : big(BigInt(a) << BigInt(b));
        case '>>': return b < 0 || b > 31 ? undefined : big(BigInt(a) >> BigInt(b));
        case '&': return a & b;
        case '|': return a | b;
        case '^': return a ^ b;
      }
    }
  }
}

const UNARY_PREC = 7;
const ATOM_PREC = 8;

function prec(t: Tree): number {
  return t.k === 'bin' ? BINARY_PRECEDENCE[t.op] : t.k === 'un' ? UNARY_PREC : ATOM_PREC;
}

/** Prints with the fewest parentheses that keep the tree (binary operators are left-associative). */
function print(t: Tree): string {
  const wrap = (c: Tree, need: boolean) => (need ? `(${print(c)})` : print(c));
  switch (t.k) {
    case 'num': return t.v < 0 ? `0x${(t.v >>> 0).toString(16)}` : String(t.v);
    case 'un': return t.op + wrap(t.a, prec(t.a) < UNARY_PREC);
    case 'hilo': return `%${t.op}(${print(t.a)})`;
    case 'bin': {
      const p = BINARY_PRECEDENCE[t.op];
      return `${wrap(t.l, prec(t.l) < p)} ${t.op} ${wrap(t.r, prec(t.r) <= p)}`;
    }
  }
}

describe('expressions', () => {
  it('evaluate as the reference says, printed with the fewest parentheses', () => {
    fc.assert(
      fc.property(tree, (t) => {
        const text = print(t);
        const want = reference(t);
        const r = assembleSource(`.data\n.word ${text}\n`, 'e.s', () => '');
        if (want === undefined) {
          expect(r.diagnostics.length, text).toBeGreaterThan(0);
          return;
        }
        expect(r.diagnostics.map(formatDiagnostic), text).toEqual([]);
        const d = r.exe!.segments[0]!.data;
        expect(new DataView(d.buffer, d.byteOffset).getInt32(0, true), text).toBe(want);
      }),
      { numRuns: runs(1500) },
    );
  });
});

// ------------------------------------------------------------ li

/** Runs addi/lui/ori words from decode() on a register file that starts at zero; returns a0. */
function runLi(ws: number[]): number {
  const r = new Int32Array(16);
  for (const w of ws) {
    const x = decode(w)!;
    const { rd, rs1, imm } = x.fields;
    if (x.def.mnemonic === 'addi') r[rd] = r[rs1]! + imm;
    else if (x.def.mnemonic === 'lui') r[rd] = imm << 16;
    else if (x.def.mnemonic === 'ori') r[rd] = r[rs1]! | imm;
    else throw new Error(`li emitted ${x.def.mnemonic}`);
    r[0] = 0;
  }
  return r[1]!;
}

const value32 = fc.oneof(
  fc.integer({ min: -0x80000000, max: 0x7fffffff }),
  fc.integer({ min: -70000, max: 70000 }),
  fc.integer({ min: 0, max: 0xffff }).map((h) => (h << 16) | 0),
  fc.constantFrom(0, -1, 32767, 32768, -32768, -32769, 65535, 65536, 0x7fffffff, -0x80000000),
);

describe('li', () => {
  it('builds every value, in one word exactly when one instruction can', () => {
    fc.assert(
      fc.property(value32, (v) => {
        const ws = words(`li a0, ${v}`);
        expect(runLi(ws)).toBe(v);
        const short = (v >= -32768 && v <= 32767) || (v & 0xffff) === 0 || (v >= 0 && v <= 0xffff);
        expect(ws.length).toBe(short ? 1 : 2);
        // Known only in pass 2: always two words, still the right value.
        const late = words(`li a0, V\n.equ V, ${v}`);
        expect(late.length).toBe(2);
        expect(runLi(late)).toBe(v);
      }),
      { numRuns: runs(500) },
    );
  });
});
