// A hand-written scanner for the lines of grammar.ohm, used before the grammar because an ohm
// match costs tens of microseconds per line (the assembler would manage a few thousand lines
// a second). It builds exactly the tree parse.ts builds, or gives up: it returns undefined for
// any line it is not sure of — every malformed line, and a few odd but valid ones — and the
// caller then runs the grammar, which is the definition and reports the errors. So this file
// may refuse more than the grammar, never accept more. test/asm-roundtrip.test.ts compares the
// two on random lines.

import type { BinaryOp, Expr, LabelDef, LineAst, Operand, Pos, Statement } from './ast.ts';
import { BINARY_PRECEDENCE, charValue, decodeEscapes, numberValue } from './ast.ts';

// The line being scanned. Module state, so that the scanner allocates only the tree.
let s = '';
let n = 0;
let i = 0;
let file = '';
let lineNo = 0;

/** Thrown to give up on a line; caught in parseLineFast only. */
const GIVE_UP = { giveUp: true } as const;

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 /* _ */ || c === 36 /* $ */;
}
function isIdentChar(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57) || c === 46 /* . */;
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isHex(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

function at(col0: number): Pos {
  return { file, line: lineNo, col: col0 + 1 };
}

/** Skips the grammar's `space`: blanks, and a comment (`#` or `;`) to the end of the line. */
function skipWs(): void {
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 9 || c === 11 || c === 12 || c === 13) i++;
    else if (c === 35 /* # */ || c === 59 /* ; */) i = n;
    else return;
  }
}

/** Length of `identStart identChar*` at p, or 0. */
function identLen(p: number): number {
  if (p >= n || !isIdentStart(s.charCodeAt(p))) return 0;
  let q = p + 1;
  while (q < n && isIdentChar(s.charCodeAt(q))) q++;
  return q - p;
}

/** Length of the grammar's symbolName (ident, or `.` identChar+) at p, or 0. */
function symbolLen(p: number): number {
  const k = identLen(p);
  if (k > 0) return k;
  if (p + 1 < n && s.charCodeAt(p) === 46 && isIdentChar(s.charCodeAt(p + 1))) {
    let q = p + 2;
    while (q < n && isIdentChar(s.charCodeAt(q))) q++;
    return q - p;
  }
  return 0;
}

/** True if `%hi` or `%lo` (any case), not followed by a name character, starts at p. */
function isHiLo(p: number): boolean {
  if (p + 3 > n || s.charCodeAt(p) !== 37) return false;
  const w = s.slice(p + 1, p + 3).toLowerCase();
  if (w !== 'hi' && w !== 'lo') return false;
  return p + 3 >= n || !isIdentChar(s.charCodeAt(p + 3));
}

/** The binary operator at i, or undefined. */
function peekBinary(): BinaryOp | undefined {
  if (i >= n) return undefined;
  const c = s.charCodeAt(i);
  switch (c) {
    case 124: return '|';
    case 94: return '^';
    case 38: return '&';
    case 43: return '+';
    case 45: return '-';
    case 42: return '*';
    case 47: return '/';
    case 37: return isHiLo(i) ? undefined : '%';
    case 60: return s.charCodeAt(i + 1) === 60 ? '<<' : undefined;
    case 62: return s.charCodeAt(i + 1) === 62 ? '>>' : undefined;
    default: return undefined;
  }
}

/** Precedence climbing over BINARY_PRECEDENCE: the same left-associative tree as the grammar's levels. */
function parseExpr(minPrec: number): Expr {
  let left = parseUnary();
  for (;;) {
    const save = i;
    skipWs();
    const op = peekBinary();
    if (op === undefined || BINARY_PRECEDENCE[op] < minPrec) {
      i = save;
      return left;
    }
    const opPos = at(i);
    i += op.length;
    skipWs();
    const right = parseExpr(BINARY_PRECEDENCE[op] + 1);
    left = { k: 'bin', op, l: left, r: right, pos: opPos };
  }
}

function expect(code: number): void {
  skipWs();
  if (i >= n || s.charCodeAt(i) !== code) throw GIVE_UP;
  i++;
}

function parseUnary(): Expr {
  if (i >= n) throw GIVE_UP;
  const c = s.charCodeAt(i);
  const start = i;
  if (c === 45 || c === 126 || c === 43) {
    i++;
    skipWs();
    const arg = parseUnary();
    return { k: 'un', op: c === 45 ? '-' : c === 126 ? '~' : '+', arg, pos: at(start) };
  }
  if (c === 40 /* ( */) {
    i++;
    skipWs();
    const e = parseExpr(0);
    expect(41);
    return e;
  }
  if (c === 37 /* % */) {
    if (!isHiLo(i)) throw GIVE_UP;
    const op = s.slice(i + 1, i + 3).toLowerCase() as 'hi' | 'lo';
    i += 3;
    expect(40);
    skipWs();
    const arg = parseExpr(0);
    expect(41);
    return { k: 'hilo', op, arg, pos: at(start) };
  }
  if (isDigit(c)) return parseNumber();
  if (c === 39 /* ' */) return parseChar();
  const k = symbolLen(i);
  if (k > 0) {
    i += k;
    return { k: 'sym', name: s.slice(start, i), pos: at(start) };
  }
  if (c === 46 /* . */) {
    i++;
    return { k: 'dot', pos: at(start) };
  }
  throw GIVE_UP;
}

function parseNumber(): Expr {
  const start = i;
  const c1 = s.charCodeAt(i + 1) | 32;
  if (s.charCodeAt(i) === 48 && (c1 === 120 /* x */ || c1 === 98 /* b */)) {
    i += 2;
    const digitsFrom = i;
    while (i < n && (c1 === 120 ? isHex(s.charCodeAt(i)) : s.charCodeAt(i) === 48 || s.charCodeAt(i) === 49)) i++;
    if (i === digitsFrom) throw GIVE_UP;
  } else {
    while (i < n && isDigit(s.charCodeAt(i))) i++;
  }
  if (i < n && isIdentChar(s.charCodeAt(i))) throw GIVE_UP;
  const v = numberValue(s.slice(start, i));
  if (v === undefined) throw GIVE_UP;
  return { k: 'num', v, pos: at(start) };
}

function parseChar(): Expr {
  const start = i;
  // Only plain ASCII bodies here: `'c'`, `'\c'`, `'\xNN'`. Anything else goes to the grammar.
  let end: number;
  if (s.charCodeAt(i + 1) === 92 /* \ */) end = s.charCodeAt(i + 2) === 120 && s.charCodeAt(i + 5) === 39 ? i + 5 : i + 3;
  else end = i + 2;
  if (end >= n || s.charCodeAt(end) !== 39) throw GIVE_UP;
  const body = s.slice(i + 1, end);
  if (body === "'" || !/^[\x20-\x7e]+$/.test(body)) throw GIVE_UP;
  const v = charValue(body);
  if (typeof v === 'string') throw GIVE_UP;
  i = end + 1;
  return { k: 'num', v, pos: at(start) };
}

/** `( name )` at i followed by `,` or the end: the register part of a memory operand. */
function tryBase(): { base: string; basePos: Pos } | undefined {
  const save = i;
  skipWs();
  if (i >= n || s.charCodeAt(i) !== 40) {
    i = save;
    return undefined;
  }
  i++;
  skipWs();
  const k = identLen(i);
  if (k === 0) {
    i = save;
    return undefined;
  }
  const basePos = at(i);
  const base = s.slice(i, i + k);
  i += k;
  skipWs();
  if (i >= n || s.charCodeAt(i) !== 41) {
    i = save;
    return undefined;
  }
  i++;
  const after = i;
  skipWs();
  if (i < n && s.charCodeAt(i) !== 44) {
    i = save;
    return undefined;
  }
  i = after;
  return { base, basePos };
}

function parseOperand(): Operand {
  const start = i;
  const c = s.charCodeAt(i);
  if (c === 34 /* " */) {
    let j = i + 1;
    for (;;) {
      if (j >= n) throw GIVE_UP;
      const d = s.charCodeAt(j);
      if (d === 34) break;
      j += d === 92 ? 2 : 1;
    }
    const dec = decodeEscapes(s.slice(i + 1, j));
    if ('message' in dec) throw GIVE_UP;
    i = j + 1;
    return { k: 'str', bytes: dec.bytes, pos: at(start) };
  }
  if (c === 40 /* ( */) {
    const b = tryBase();
    if (b !== undefined) return { k: 'mem', off: null, base: b.base, basePos: b.basePos, pos: at(start) };
  }
  const e = parseExpr(0);
  const b = tryBase();
  if (b !== undefined) return { k: 'mem', off: e, base: b.base, basePos: b.basePos, pos: at(start) };
  return { k: 'expr', e, pos: at(start) };
}

function parseLine(): LineAst {
  const labels: LabelDef[] = [];
  for (;;) {
    skipWs();
    const k = symbolLen(i);
    if (k === 0 || s.charCodeAt(i + k) !== 58 /* : */) break;
    labels.push({ name: s.slice(i, i + k), pos: at(i) });
    i += k + 1;
  }
  if (i >= n) return { labels, stmt: null };
  let kind: 'ins' | 'dir';
  let k: number;
  if (s.charCodeAt(i) === 46) {
    kind = 'dir';
    k = identLen(i + 1);
    if (k === 0) throw GIVE_UP;
    k += 1;
  } else {
    kind = 'ins';
    k = identLen(i);
    if (k === 0) throw GIVE_UP;
  }
  const namePos = at(i);
  const name = s.slice(i, i + k).toLowerCase();
  i += k;
  const ops: Operand[] = [];
  skipWs();
  if (i < n) {
    ops.push(parseOperand());
    for (;;) {
      skipWs();
      if (i >= n || s.charCodeAt(i) !== 44) break;
      i++;
      skipWs();
      ops.push(parseOperand());
    }
  }
  skipWs();
  if (i < n) throw GIVE_UP;
  const stmt: Statement = { k: kind, name, ops, pos: namePos };
  return { labels, stmt };
}

/**
 * Parses one line (without its line break) into the tree parse.ts would build, or returns
 * undefined when the grammar has to decide (always for a malformed line).
 */
export function parseLineFast(text: string, fileName: string, line: number): LineAst | undefined {
  s = text;
  n = text.length;
  i = 0;
  file = fileName;
  lineNo = line;
  try {
    return parseLine();
  } catch (e) {
    if (e === GIVE_UP) return undefined;
    throw e;
  }
}

/**
 * The labels at the start of a line the grammar rejected (`loop: addx a0` still defines
 * loop), so that one bad statement does not also make every reference to its label an error.
 */
export function leadingLabels(text: string, fileName: string, line: number): LabelDef[] {
  s = text;
  n = text.length;
  i = 0;
  file = fileName;
  lineNo = line;
  const labels: LabelDef[] = [];
  for (;;) {
    skipWs();
    const k = symbolLen(i);
    if (k === 0 || s.charCodeAt(i + k) !== 58) return labels;
    labels.push({ name: s.slice(i, i + k), pos: at(i) });
    i += k + 1;
  }
}
