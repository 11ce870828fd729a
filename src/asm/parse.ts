// The reference parser: one ohm match of grammar.ohm per line, turned into the tree of ast.ts.
// It is the definition of the syntax and the source of every syntax error. The assembler
// tries the faster scanner of fastparse.ts first and comes here for any line the scanner does
// not accept, so every malformed line is diagnosed by this file.

import * as ohm from 'ohm-js';
import grammarSource from './grammar.ohm';
import type { BinaryOp, Expr, LabelDef, LineAst, Operand, Pos, Statement, UnaryOp } from './ast.ts';
import { charValue, decodeEscapes, numberValue } from './ast.ts';

/** Where a problem was found: 1-based column in the line, and a message. */
export interface LineError {
  col: number;
  message: string;
}

let grammar: ohm.Grammar | undefined;
let semantics: ohm.Semantics | undefined;
let matcher: ohm.Matcher | undefined;

// The file and line being converted, and the errors found by the semantic actions. The
// actions are plain functions created once, so they read the line's context from here.
let curFile = '';
let curLine = 0;
let curErrors: LineError[] = [];

function pos(node: ohm.Node): Pos {
  return { file: curFile, line: curLine, col: node.source.startIdx + 1 };
}

/** Folds `first (op next)*` into a left-associative tree, each node at its operator. */
function fold(first: ohm.Node, ops: ohm.Node, rest: ohm.Node): Expr {
  let e = first['ast']() as Expr;
  const opNodes = ops.children;
  const restNodes = rest.children;
  for (let i = 0; i < opNodes.length; i++) {
    const op = opNodes[i]!;
    e = { k: 'bin', op: op.sourceString as BinaryOp, l: e, r: restNodes[i]!['ast']() as Expr, pos: pos(op) };
  }
  return e;
}

function makeSemantics(g: ohm.Grammar): ohm.Semantics {
  const s = g.createSemantics();
  s.addOperation<unknown>('ast', {
    Line(labels, stmt): LineAst {
      const ls = labels.children.map((l) => l['ast']() as LabelDef);
      const st = stmt.children.length > 0 ? (stmt.children[0]!['ast']() as Statement) : null;
      return { labels: ls, stmt: st };
    },
    labelDef(name, _colon): LabelDef {
      return { name: name.sourceString, pos: pos(name) };
    },
    Statement_directive(name, ops): Statement {
      return {
        k: 'dir',
        name: name.sourceString.toLowerCase(),
        ops: ops.asIteration().children.map((o) => o['ast']() as Operand),
        pos: pos(name),
      };
    },
    Statement_instruction(name, ops): Statement {
      return {
        k: 'ins',
        name: name.sourceString.toLowerCase(),
        ops: ops.asIteration().children.map((o) => o['ast']() as Operand),
        pos: pos(name),
      };
    },
    Operand_memory(mem, _look): Operand {
      return mem['ast']() as Operand;
    },
    Operand_string(str): Operand {
      const body = str.sourceString;
      const at = pos(str);
      if (!body.endsWith('"') || body.length < 2 || str.children[0]!.ctorName !== 'string_closed') {
        curErrors.push({ col: at.col, message: 'unterminated string' });
        return { k: 'str', bytes: [], pos: at };
      }
      const d = decodeEscapes(body.slice(1, -1));
      if ('message' in d) {
        curErrors.push({ col: at.col + 1 + d.at, message: d.message });
        return { k: 'str', bytes: [], pos: at };
      }
      return { k: 'str', bytes: d.bytes, pos: at };
    },
    Operand_expr(e): Operand {
      return { k: 'expr', e: e['ast']() as Expr, pos: pos(e) };
    },
    Memory_offset(off, _l, base, _r): Operand {
      return { k: 'mem', off: off['ast']() as Expr, base: base.sourceString, basePos: pos(base), pos: pos(off) };
    },
    Memory_bare(open, base, _r): Operand {
      return { k: 'mem', off: null, base: base.sourceString, basePos: pos(base), pos: pos(open) };
    },
    Expr: fold,
    XorExpr: fold,
    AndExpr: fold,
    ShiftExpr: fold,
    AddExpr: fold,
    MulExpr: fold,
    Unary_op(op, arg): Expr {
      return { k: 'un', op: op.sourceString as UnaryOp, arg: arg['ast']() as Expr, pos: pos(op) };
    },
    Primary_paren(_l, e, _r): Expr {
      return e['ast']() as Expr;
    },
    Primary_hilo(hl, _l, e, _r): Expr {
      return { k: 'hilo', op: hl.sourceString.slice(1).toLowerCase() as 'hi' | 'lo', arg: e['ast']() as Expr, pos: pos(hl) };
    },
    number(_n): Expr {
      const at = pos(this);
      const v = numberValue(this.sourceString);
      if (v === undefined) {
        curErrors.push({ col: at.col, message: `number ${this.sourceString} does not fit in 32 bits` });
        return { k: 'num', v: 0, pos: at };
      }
      return { k: 'num', v, pos: at };
    },
    charLit(_q1, _c, _q2): Expr {
      const at = pos(this);
      const v = charValue(this.sourceString.slice(1, -1));
      if (typeof v === 'string') {
        curErrors.push({ col: at.col + 1, message: v });
        return { k: 'num', v: 0, pos: at };
      }
      return { k: 'num', v, pos: at };
    },
    symbolName(_n): Expr {
      return { k: 'sym', name: this.sourceString, pos: pos(this) };
    },
    dot(_d): Expr {
      return { k: 'dot', pos: pos(this) };
    },
  });
  return s;
}

/** The compiled grammar (built on first use and kept). */
export function getGrammar(): ohm.Grammar {
  if (grammar === undefined) grammar = ohm.grammar(grammarSource);
  return grammar;
}

/** A short description of what was found at a failure position, for syntax errors. */
function found(text: string, at: number): string {
  if (at >= text.length) return 'end of line';
  const c = text.codePointAt(at)!;
  const ch = String.fromCodePoint(c);
  if (c < 0x20 || c === 0x7f) return `character 0x${c.toString(16).padStart(2, '0')}`;
  return ch === "'" ? `"'"` : `'${ch}'`;
}

interface OhmFailure {
  getText(): string;
  isDescription(): boolean;
  isFluffy(): boolean;
}

// Terminals that can only start an expression: when "an expression" is expected they add
// nothing to the message.
const EXPRESSION_STARTS = new Set(['+', '-', '~', '(', '%', '"']);
const OPERATORS = new Set(['|', '^', '&', '<<', '>>', '+', '-', '*', '/', '%', '(']);
const NAME_STARTS = new Set(['$', '_', '"A".."Z"', '"a".."z"']);

function rank(label: string): number {
  if (label === 'end of line') return 2;
  return label.startsWith("'") ? 1 : 0;
}

/**
 * What the grammar expected at the failure, in a few words: ohm's failures, with the
 * terminals that merely start an expression folded into "an expression", the characters that
 * start a name into "a name", and "end of input" read as "end of line".
 */
function expectedText(r: ohm.FailedMatchResult): string {
  // getRightmostFailures is not in ohm's type declarations; without it, take ohm's own text.
  const withFailures = r as unknown as { getRightmostFailures?: () => OhmFailure[] };
  if (typeof withFailures.getRightmostFailures !== 'function') return r.getExpectedText();
  const failures = withFailures.getRightmostFailures().filter((f) => !f.isFluffy());
  const texts = failures.map((f) => f.getText());
  const hasExpr = texts.includes('an expression');
  // Where a comma or the end of the line would do, the operators that could also continue
  // the expression are noise.
  const atOperandEnd = texts.includes(',') || texts.includes('end of input');
  const out: string[] = [];
  for (const t of texts) {
    let label: string;
    if (t === 'end of input') label = 'end of line';
    else if (hasExpr && EXPRESSION_STARTS.has(t)) continue;
    else if (atOperandEnd && OPERATORS.has(t)) continue;
    else if (NAME_STARTS.has(t) || /^"[A-Za-z]"\.\."[A-Za-z]"$/.test(t)) label = 'a name';
    else if (t.startsWith('a') && t.includes(' ')) label = t;
    else label = `'${t}'`;
    if (!out.includes(label)) out.push(label);
  }
  // Names of things first, the end of the line last.
  out.sort((a, b) => rank(a) - rank(b));
  if (out.length <= 1) return out.join('');
  return `${out.slice(0, -1).join(', ')} or ${out[out.length - 1]}`;
}

/**
 * Parses one line with the grammar. Returns the tree and the errors found (syntax errors, bad
 * escapes, unterminated strings, numbers beyond 32 bits). With a syntax error the tree is
 * null. Never throws for any input text.
 */
export function parseLineOhm(text: string, file: string, line: number): { ast: LineAst | null; errors: LineError[] } {
  const g = getGrammar();
  semantics ??= makeSemantics(g);
  // One matcher reused: building a matcher per line costs more than the match itself.
  matcher ??= g.matcher();
  matcher.setInput(text);
  const r = matcher.match();
  if (r.failed()) {
    const at = r.getRightmostFailurePosition();
    let expected = expectedText(r);
    // Nothing of the line was understood: say what a line may hold.
    if (expected === 'end of line' && at === text.search(/\S/)) expected = 'a label, an instruction or a directive';
    const hint = expected === '' ? '' : `; expected ${expected}`;
    return { ast: null, errors: [{ col: at + 1, message: `syntax error: unexpected ${found(text, at)}${hint}` }] };
  }
  curFile = file;
  curLine = line;
  curErrors = [];
  const ast = semantics(r)['ast']() as LineAst;
  const errors = curErrors;
  curErrors = [];
  return { ast, errors };
}
