// The syntax tree of one source line. Both parsers build exactly these shapes — the ohm
// grammar (parse.ts, the definition and the source of every syntax error) and the hand-written
// scanner (fastparse.ts, used first because it is far faster) — and a property test checks
// that they agree. Every node carries the position where it starts in the source.

/** A source position: file path as given, 1-based line, 1-based column (UTF-16 units, a tab is 1). */
export interface Pos {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

export type UnaryOp = '-' | '~' | '+';
export type BinaryOp = '|' | '^' | '&' | '<<' | '>>' | '+' | '-' | '*' | '/' | '%';

/**
 * Expressions. Parentheses leave no node. A binary or unary node's position is its operator's;
 * `hilo` is at its `%`.
 */
export type Expr =
  /** A number or character literal, already wrapped to a signed 32-bit value. */
  | { readonly k: 'num'; readonly v: number; readonly pos: Pos }
  /** A label or constant, as written (a local `.name` is resolved later, in its scope). */
  | { readonly k: 'sym'; readonly name: string; readonly pos: Pos }
  /** `.`, the address of the current statement. */
  | { readonly k: 'dot'; readonly pos: Pos }
  | { readonly k: 'un'; readonly op: UnaryOp; readonly arg: Expr; readonly pos: Pos }
  | { readonly k: 'bin'; readonly op: BinaryOp; readonly l: Expr; readonly r: Expr; readonly pos: Pos }
  | { readonly k: 'hilo'; readonly op: 'hi' | 'lo'; readonly arg: Expr; readonly pos: Pos };

/** Operands, at the position of their first character. */
export type Operand =
  | { readonly k: 'expr'; readonly e: Expr; readonly pos: Pos }
  /** `off(base)` or `(base)`; base is any identifier here, checked as a register later. */
  | { readonly k: 'mem'; readonly off: Expr | null; readonly base: string; readonly basePos: Pos; readonly pos: Pos }
  /** A string literal, escapes applied, as bytes (UTF-8 for characters above 0x7f). */
  | { readonly k: 'str'; readonly bytes: readonly number[]; readonly pos: Pos };

export interface LabelDef {
  readonly name: string;
  readonly pos: Pos;
}

/** An instruction or a directive. `name` is lower-cased; a directive's keeps its leading dot. */
export interface Statement {
  readonly k: 'ins' | 'dir';
  readonly name: string;
  readonly ops: readonly Operand[];
  readonly pos: Pos;
}

/** One parsed line: any number of labels, then at most one statement. */
export interface LineAst {
  readonly labels: readonly LabelDef[];
  readonly stmt: Statement | null;
}

/** Precedence of the binary operators, as in C: higher binds tighter. */
export const BINARY_PRECEDENCE: Readonly<Record<BinaryOp, number>> = {
  '|': 1,
  '^': 2,
  '&': 3,
  '<<': 4,
  '>>': 4,
  '+': 5,
  '-': 5,
  '*': 6,
  '/': 6,
  '%': 6,
};

/** The escapes accepted in strings and character literals, by the character after `\` (`\xNN` aside). */
export const ESCAPES: Readonly<Record<string, number>> = {
  n: 10,
  t: 9,
  r: 13,
  '0': 0,
  '\\': 92,
  '"': 34,
  "'": 39,
};

/** UTF-8 bytes of one code point, appended to out. */
export function pushUtf8(out: number[], cp: number): void {
  if (cp < 0x80) out.push(cp);
  else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
  else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
}

/**
 * Applies the escapes of a string or character literal's body (the text between the quotes):
 * `\n \t \r \0 \\ \" \'` and `\xNN` (exactly two hex digits, one raw byte). Other characters
 * become their UTF-8 bytes. On a bad escape returns its index in `body` and a message.
 */
export function decodeEscapes(body: string): { bytes: number[] } | { at: number; message: string } {
  const bytes: number[] = [];
  for (let i = 0; i < body.length; ) {
    const cp = body.codePointAt(i)!;
    if (cp !== 0x5c) {
      pushUtf8(bytes, cp);
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const c = body[i + 1];
    if (c === 'x') {
      const hex = body.slice(i + 2, i + 4);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return { at: i, message: 'bad escape: \\x needs two hex digits' };
      bytes.push(parseInt(hex, 16));
      i += 4;
    } else if (c !== undefined && Object.hasOwn(ESCAPES, c)) {
      bytes.push(ESCAPES[c]!);
      i += 2;
    } else {
      return { at: i, message: c === undefined ? 'bad escape at end of string' : `unknown escape '\\${c}'` };
    }
  }
  return { bytes };
}

/**
 * The value of a character literal's body: the byte of its escape, or the character's code
 * point. Returns a message when the body is not exactly one character or escape.
 */
export function charValue(body: string): number | string {
  if (body.startsWith('\\')) {
    const d = decodeEscapes(body);
    if ('message' in d) return d.message;
    if (d.bytes.length !== 1) return 'a character literal holds one character';
    return d.bytes[0]!;
  }
  const cp = body.codePointAt(0);
  if (cp === undefined || body.length !== (cp > 0xffff ? 2 : 1)) return 'a character literal holds one character';
  return cp;
}

/** A number literal's value wrapped to a signed 32-bit integer, or undefined if it needs more than 32 bits. */
export function numberValue(text: string): number | undefined {
  const t = text.toLowerCase();
  let v: number;
  if (t.startsWith('0x')) v = parseInt(t.slice(2), 16);
  else if (t.startsWith('0b')) v = parseInt(t.slice(2), 2);
  else v = parseInt(t, 10);
  if (!(v <= 0xffffffff)) return undefined;
  return v | 0;
}
