// The assembler proper: reads the source (following .include), then two passes over its lines.
//
// Reading: each line is parsed on its own, by the fast scanner when it can and by the grammar
// otherwise (every malformed line); `.include` splices the included file's lines in place.
//
// Pass 1 lays the program out: for each line, its section, its offset in the section and its
// size in bytes, and every label's section and offset. Sizes never depend on values that are
// not yet known: only `li` varies (one word or two), and it takes the short form only when
// pass 1 already knows its value.
//
// Between the passes the section bases are fixed (text at its given or default address, data
// and bss each on the next page after the section before, unless given), so every label has
// its address.
//
// Pass 2 evaluates every operand with all addresses known, checks ranges and encodes.
//
// Values are signed 32-bit integers. During pass 1 a label in a section whose address is not
// fixed yet (data or bss without an explicit base) is known only relative to its section, so
// the evaluator tags each value: absolute, relative to a section, or unknown. `end - start` of
// two labels in one section is then absolute even before the section has an address.

import path from 'node:path';
import { Imm, IMM_RANGE } from '../arch/isa.ts';
import type { Fields, InstrDef } from '../arch/isa.ts';
import { encode } from '../arch/isa.ts';
import { CSR_BY_NAME, CSR_NAME, CSR_READ_ONLY } from '../arch/csr.ts';
import { regNumber } from '../arch/registers.ts';
import { PAGE_SIZE } from '../arch/pte.ts';
import type { Executable, LineEntry, Segment, SymbolEntry } from '../exe/types.ts';
import { SegFlag, SymbolKind, USER_TEXT_BASE } from '../exe/types.ts';
import type { Expr, LabelDef, LineAst, Operand, Pos, Statement } from './ast.ts';
import { Diags } from './diag.ts';
import type { Diagnostic } from './diag.ts';
import { parseLineFast, leadingLabels } from './fastparse.ts';
import { parseLineOhm } from './parse.ts';
import type { EmitCtx, Form } from './forms.ts';
import { FORMS, formsText } from './forms.ts';

export interface ListingLine {
  /** Address of the line's first byte (for a line without bytes: the address it is at). */
  addr: number;
  /** Instruction words emitted by the line (empty for data and for lines that emit nothing). */
  words: number[];
  /** The bytes of a data directive (a view into the section; absent for .space in bss). */
  bytes?: Uint8Array;
  /** Bytes the line occupies (words * 4, data length, or the size of a .space/.align). */
  size: number;
  file: string;
  line: number;
  /** The source line, trailing blanks removed. */
  text: string;
}

export interface AssembleResult {
  /** The program, or null when there is any diagnostic. */
  exe: Executable | null;
  listing: ListingLine[];
  diagnostics: Diagnostic[];
}

/** Reads an included file; throws (any error) when it cannot. */
export type ReadFile = (path: string) => string;

const TEXT = 0;
const DATA = 1;
const BSS = 2;
type Sec = 0 | 1 | 2;
const SECTION_NAMES = ['text', 'data', 'bss'] as const;

/** Value tags: ABS for an absolute value; a Sec (0..2) for an offset in that section; UNKNOWN. */
const ABS = -1;
const UNKNOWN = -2;

/** Text and data are held in memory as bytes: a bound that keeps a typo from allocating gigabytes. */
const MAX_SECTION_BYTES = 64 * 1024 * 1024;

/** One source line that holds a label or a statement. */
interface Item {
  readonly ast: LineAst;
  readonly fileIdx: number;
  readonly line: number;
  /** The nearest non-local label at or before this line ('' before the first). */
  readonly scope: string;
  // Set by pass 1.
  sec: Sec;
  offset: number;
  size: number;
  /** Words emitted (instructions). */
  words: number;
  form: Form | undefined;
  /** The statement had an error in pass 1: pass 2 skips it. */
  bad: boolean;
}

interface ConstDef {
  readonly item: Item;
  readonly expr: Expr;
  readonly pos: Pos;
}

type Sym =
  | { readonly kind: 'label'; readonly name: string; readonly sec: Sec; readonly off: number; readonly pos: Pos; global: boolean }
  | {
      readonly kind: 'const';
      readonly name: string;
      readonly pos: Pos;
      readonly redefinable: boolean;
      readonly defs: ConstDef[];
      global: boolean;
      /** Value and tag as of the last definition the current pass has passed. */
      value: number;
      tag: number;
      /** The pass (1 or 2) that last passed a definition; 0 before. */
      seenInPass: number;
      /** Being evaluated ahead of its definition (cycle guard). */
      evaluating: boolean;
    };

interface Section {
  /** Address; in pass 1 undefined until fixed (text: when first used; data/bss: given, or after pass 1). */
  base: number | undefined;
  /** Bytes laid out so far (after pass 1: the size). */
  size: number;
  /** Something (a label or bytes) was placed in it: its base can no longer be given. */
  used: boolean;
  /** Where its base was given, for messages. */
  basePos: Pos | undefined;
  /** The first line that placed bytes in it, for messages. */
  firstPos: Pos | undefined;
  bytes: Uint8Array;
}

function alignUp(v: number, a: number): number {
  return Math.ceil(v / a) * a;
}

function hex(v: number): string {
  return `0x${(v >>> 0).toString(16)}`;
}

/** A pass-1 value that was required but unknown, reported after pass 1 with the reason. */
interface Pending {
  readonly pos: Pos;
  readonly what: string;
  readonly culprit: { name: string; pos: Pos } | undefined;
}

/**
 * The most source lines one assembly reads, its includes counted. Far beyond any program written
 * by hand, and it bounds the assembler's memory (each line costs it a few hundred bytes): a huge
 * or generated file gets one diagnostic instead of exhausting the host's memory.
 */
export const MAX_SOURCE_LINES = 1 << 20;

export class Assembler implements EmitCtx {
  private readonly files: string[] = [];
  /** Lines read so far, over every file (MAX_SOURCE_LINES). */
  private totalLines = 0;
  private readonly fileIndex = new Map<string, number>();
  private readonly sources = new Map<string, string[]>();
  private readonly items: Item[] = [];
  private readonly diags: Diags;
  private readonly syms = new Map<string, Sym>();
  private readonly sections: Section[] = [0, 1, 2].map(() => ({
    base: undefined,
    size: 0,
    used: false,
    basePos: undefined,
    firstPos: undefined,
    bytes: new Uint8Array(0),
  }));
  private readonly pending: Pending[] = [];
  private readonly lines: LineEntry[] = [];
  private readonly listing: ListingLine[] = [];

  // The walk: which pass, the current line, its section and the next byte to lay out or write.
  private pass = 1;
  private cur!: Item;
  private sec: Sec = TEXT;
  private offset = 0;
  /** Report unknown symbols (pass 2). Other errors are reported whenever met. */
  private reporting = false;
  /** Tag of the value the evaluator last returned. */
  private tag = ABS;
  /** The first unknown symbol met since the last reset (for "must be known in pass 1"). */
  private culprit: { name: string; pos: Pos } | undefined;
  /** Depth of evaluating constants ahead of their definitions. */
  private forward = 0;
  /** The statement being encoded has an error. */
  private stmtBad = false;
  private emitted: number[] = [];
  /** While reading: the last non-local label, which scopes the local ones after it. */
  private lastScope = '';

  constructor(private readonly readFile: ReadFile) {
    this.diags = new Diags((file, line) => this.sources.get(file)?.[line - 1] ?? '');
  }

  private error(pos: Pos, message: string): void {
    this.diags.error(pos, message);
  }

  // ---------------------------------------------------------------- reading

  /**
   * Reads one file's text into items, following includes depth-first. `stack` holds the
   * resolved paths of the files being read, for cycle detection.
   */
  read(file: string, text: string, stack: string[]): void {
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.slice(0, 8192).includes('\0')) {
      this.sources.set(file, ['']);
      this.error({ file, line: 1, col: 1 }, 'this is not assembly source: it contains NUL bytes (a binary file?)');
      return;
    }
    // Counted before splitting, so that a file of hundreds of megabytes is never split at all.
    let count = 1;
    for (let p = text.indexOf('\n'); p >= 0 && count + this.totalLines <= MAX_SOURCE_LINES; p = text.indexOf('\n', p + 1)) count++;
    this.totalLines += count;
    if (this.totalLines > MAX_SOURCE_LINES) {
      this.sources.set(file, [text.slice(0, Math.min(text.length, 200)).split('\n')[0]!]);
      this.error({ file, line: 1, col: 1 }, `too much source: an assembly reads at most ${MAX_SOURCE_LINES} lines, its includes counted`);
      return;
    }
    const lines = text.split('\n');
    for (let k = 0; k < lines.length; k++) {
      const l = lines[k]!;
      if (l.endsWith('\r')) lines[k] = l.slice(0, -1);
    }
    this.sources.set(file, lines);
    let fileIdx = this.fileIndex.get(file);
    if (fileIdx === undefined) {
      fileIdx = this.files.length;
      this.files.push(file);
      this.fileIndex.set(file, fileIdx);
    }
    for (let k = 0; k < lines.length; k++) {
      if (this.diags.overflow !== undefined) return; // nothing more will be reported: stop early
      const t = lines[k]!;
      // Blank and comment-only lines hold nothing.
      const first = t.search(/[^ \t\v\f]/);
      if (first < 0) continue;
      const c = t.charCodeAt(first);
      if (c === 35 || c === 59) continue;
      const line = k + 1;
      let ast = parseLineFast(t, file, line);
      if (ast === undefined) {
        const r = parseLineOhm(t, file, line);
        for (const e of r.errors) this.error({ file, line, col: e.col }, e.message);
        if (r.ast === null) {
          const labels = leadingLabels(t, file, line);
          if (labels.length === 0) continue;
          ast = { labels, stmt: null };
        } else if (r.errors.length > 0) {
          // The line parsed but holds a bad literal: keep its labels, drop the statement.
          ast = { labels: r.ast.labels, stmt: null };
        } else ast = r.ast;
      }
      const st = ast.stmt;
      if (st !== null && st.k === 'dir' && st.name === '.include') {
        if (ast.labels.length > 0) this.addItem({ labels: ast.labels, stmt: null }, fileIdx, line);
        this.include(st, file, stack);
        continue;
      }
      this.addItem(ast, fileIdx, line);
    }
  }

  private addItem(ast: LineAst, fileIdx: number, line: number): void {
    for (const l of ast.labels) if (!l.name.startsWith('.')) this.lastScope = l.name;
    this.items.push({
      ast,
      fileIdx,
      line,
      scope: this.lastScope,
      sec: TEXT,
      offset: 0,
      size: 0,
      words: 0,
      form: undefined,
      bad: false,
    });
  }

  private include(st: Statement, file: string, stack: string[]): void {
    const op = st.ops[0];
    if (st.ops.length !== 1 || op === undefined || op.k !== 'str') {
      this.error(st.pos, '.include takes one operand: a file name in double quotes');
      return;
    }
    const name = Buffer.from(op.bytes).toString('utf8');
    const target = path.isAbsolute(name) ? path.normalize(name) : path.join(path.dirname(file), name);
    const resolved = path.resolve(target);
    const at = stack.indexOf(resolved);
    if (at >= 0) {
      const chain = [...stack.slice(at), resolved].map((p) => path.relative(process.cwd(), p) || p).join(' -> ');
      this.error(op.pos, `include cycle: ${chain}`);
      return;
    }
    let text: string;
    try {
      text = this.readFile(target);
    } catch (e) {
      const code = (e as { code?: string }).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : e instanceof Error ? e.message : String(e);
      this.error(op.pos, `cannot include "${name}" (${target}): ${why}`);
      return;
    }
    stack.push(resolved);
    this.read(target, text, stack);
    stack.pop();
  }

  // ---------------------------------------------------------------- symbols

  /** The full name of a symbol written in the scope of `it`: `.x` after `f:` is `f.x`. */
  private fullName(name: string, it: Item): string {
    return name.charCodeAt(0) === 46 ? it.scope + name : name;
  }

  private where(pos: Pos): string {
    return `${pos.file}:${pos.line}`;
  }

  private defineLabel(l: LabelDef, it: Item): void {
    const name = this.fullName(l.name, it);
    if (regNumber(name) !== undefined) {
      this.error(l.pos, `'${name}' is a register name and cannot be a label`);
      return;
    }
    const old = this.syms.get(name);
    if (old !== undefined) {
      const what = old.kind === 'label' ? 'duplicate label' : 'label has the name of a constant';
      this.error(l.pos, `${what} '${name}' (first defined at ${this.where(old.pos)})`);
      return;
    }
    this.syms.set(name, { kind: 'label', name, sec: this.sec, off: this.offset, pos: l.pos, global: false });
    this.use(l.pos);
  }

  /** Marks the current section as used (its base is now fixed or will be computed). */
  private use(pos: Pos): void {
    const s = this.sections[this.sec]!;
    if (!s.used) {
      s.used = true;
      if (this.sec === TEXT && s.base === undefined) s.base = USER_TEXT_BASE;
    }
    s.firstPos ??= pos;
  }

  // ---------------------------------------------------------------- expressions

  /**
   * Evaluates e at the line `it` (for `.` and local names). Returns the value and sets
   * this.tag: ABS, a section (the value is an offset in it), or UNKNOWN (value 0). Hard errors
   * (division by zero, a register used as a value, a circular definition) are reported
   * whenever met; an undefined symbol only when this.reporting.
   */
  private ev(e: Expr, it: Item): number {
    switch (e.k) {
      case 'num':
        this.tag = ABS;
        return e.v;
      case 'dot':
        return this.located(it.sec, it.offset);
      case 'sym':
        return this.symbolValue(e.name, e.pos, it);
      case 'un': {
        const v = this.ev(e.arg, it);
        if (e.op === '+') return v;
        if (this.tag !== ABS) return this.unknown();
        return e.op === '-' ? -v | 0 : ~v;
      }
      case 'hilo': {
        const v = this.ev(e.arg, it);
        if (this.tag !== ABS) return this.unknown();
        return e.op === 'hi' ? (v >>> 16) & 0xffff : v & 0xffff;
      }
      case 'bin': {
        const a = this.ev(e.l, it);
        const ta = this.tag;
        const b = this.ev(e.r, it);
        const tb = this.tag;
        if (ta === UNKNOWN || tb === UNKNOWN) return this.unknown();
        if (e.op === '+') {
          if (ta !== ABS && tb !== ABS) return this.unknown();
          this.tag = ta === ABS ? tb : ta;
          return (a + b) | 0;
        }
        if (e.op === '-') {
          if (tb === ABS) this.tag = ta;
          else if (ta === tb) this.tag = ABS;
          else return this.unknown();
          return (a - b) | 0;
        }
        if (ta !== ABS || tb !== ABS) return this.unknown();
        this.tag = ABS;
        switch (e.op) {
          case '|': return a | b;
          case '^': return a ^ b;
          case '&': return a & b;
          case '*': return Math.imul(a, b);
          case '<<':
          case '>>':
            if (b < 0 || b > 31) {
              this.error(e.pos, `shift count ${b} is out of range 0..31`);
              return this.unknown();
            }
            return e.op === '<<' ? a << b : a >> b;
          case '/':
          case '%':
            if (b === 0) {
              this.error(e.pos, 'division by zero');
              return this.unknown();
            }
            return e.op === '/' ? Math.trunc(a / b) | 0 : a % b | 0;
        }
      }
    }
  }

  private unknown(): number {
    this.tag = UNKNOWN;
    return 0;
  }

  /** An address in a section: absolute once the section's base is fixed. */
  private located(sec: Sec, off: number): number {
    const base = this.sections[sec]!.base;
    if (base === undefined) {
      this.tag = sec;
      return off;
    }
    this.tag = ABS;
    return (base + off) | 0;
  }

  private symbolValue(written: string, pos: Pos, it: Item): number {
    const name = this.fullName(written, it);
    const sym = this.syms.get(name);
    if (sym === undefined) {
      if (regNumber(written) !== undefined) {
        this.error(pos, `'${written}' is a register; a value is expected here`);
      } else {
        this.culprit ??= { name, pos };
        if (this.reporting) this.error(pos, `undefined symbol '${name}'`);
      }
      return this.unknown();
    }
    if (sym.kind === 'label') return this.located(sym.sec, sym.off);
    if (sym.seenInPass === this.pass && this.forward === 0) {
      this.tag = sym.tag;
      return sym.value;
    }
    // Ahead of its definition (or inside another constant evaluated ahead of its own).
    if (sym.defs.length > 1) {
      if (this.reporting) {
        const msg =
          this.forward > 0
            ? `'${name}' is set more than once with .set, so a constant defined from it cannot be used before its definition`
            : `'${name}' is set more than once with .set: use it after it is set`;
        this.error(pos, msg);
      }
      return this.unknown();
    }
    if (this.pass === 1) {
      this.culprit ??= { name, pos };
      return this.unknown();
    }
    if (sym.evaluating) {
      this.error(pos, `circular definition of '${name}'`);
      return this.unknown();
    }
    const def = sym.defs[0]!;
    sym.evaluating = true;
    this.forward++;
    const v = this.ev(def.expr, def.item);
    this.forward--;
    sym.evaluating = false;
    return v;
  }

  /** Evaluates a value that pass 1 must know (section bases, .space, .align); undefined if it cannot. */
  private required(e: Expr, it: Item, what: string): number | undefined {
    this.culprit = undefined;
    const errors = this.diags.count;
    const v = this.ev(e, it);
    if (this.tag === ABS) return v;
    // An error already said why (a division by zero, a register as a value).
    if (this.diags.count === errors) this.pending.push({ pos: e.pos, what, culprit: this.culprit });
    return undefined;
  }

  /** Turns the values pass 1 needed and could not know into errors, now that every symbol is known. */
  private reportPending(): void {
    for (const p of this.pending) {
      const c = p.culprit;
      if (c === undefined) {
        this.error(p.pos, `${p.what} must be a constant known where it is written (not an address in data or bss)`);
      } else if (!this.syms.has(c.name)) {
        this.error(c.pos, `undefined symbol '${c.name}'`);
      } else {
        this.error(c.pos, `${p.what} must be known where it is written, and '${c.name}' is defined further down`);
      }
    }
  }

  // ---------------------------------------------------------------- operands (EmitCtx)

  /** An operand that must be a value (pass 2); reports and marks the statement bad if it is not. */
  private valueExpr(op: Operand): Expr | undefined {
    const e = exprOf(op);
    if (e === undefined) this.fail(op.pos, notAValue(op));
    return e;
  }

  private fail(pos: Pos, message: string): void {
    this.stmtBad = true;
    this.error(pos, message);
  }

  /** Evaluates in pass 2; a failure marks the statement bad. */
  private final(e: Expr): number | undefined {
    const v = this.ev(e, this.cur);
    if (this.tag !== ABS) {
      this.stmtBad = true;
      return undefined;
    }
    return v;
  }

  reg(op: Operand): number {
    if (op.k === 'expr' && op.e.k === 'sym') {
      const r = regNumber(op.e.name);
      if (r !== undefined) return r;
      this.fail(op.pos, `bad register '${op.e.name}' (registers: r0-r15, zero, a0-a3, t0-t4, s0-s3, sp, lr)`);
      return 0;
    }
    this.fail(op.pos, 'expected a register');
    return 0;
  }

  isMem(op: Operand): boolean {
    return op.k === 'mem';
  }

  private checkRange(op: Operand, v: number, lo: number, hi: number, what: string): number {
    if (v < lo || v > hi) {
      this.fail(op.pos, `${what} ${v} is out of range ${lo}..${hi}`);
      return 0;
    }
    return v;
  }

  imm(op: Operand, kind: Imm, mnemonic: string): number {
    const e = this.valueExpr(op);
    if (e === undefined) return 0;
    const v = this.final(e);
    if (v === undefined) return 0;
    const [lo, hi] = IMM_RANGE[kind];
    const what = kind === Imm.SHAMT ? `${mnemonic}: shift amount` : `${mnemonic}: immediate`;
    return this.checkRange(op, v, lo, hi, what);
  }

  value(op: Operand): number {
    const e = this.valueExpr(op);
    if (e === undefined) return 0;
    return this.final(e) ?? 0;
  }

  mem(op: Operand, mnemonic: string): { base: number; off: number } {
    if (op.k !== 'mem') {
      this.fail(op.pos, `${mnemonic}: expected a memory operand such as 8(sp) or (a0)`);
      return { base: 0, off: 0 };
    }
    const base = regNumber(op.base);
    if (base === undefined) {
      this.fail(op.basePos, `bad register '${op.base}' (registers: r0-r15, zero, a0-a3, t0-t4, s0-s3, sp, lr)`);
    }
    let off = 0;
    if (op.off !== null) {
      const v = this.final(op.off);
      if (v !== undefined) off = this.checkRange(op, v, IMM_RANGE.s16[0], IMM_RANGE.s16[1], `${mnemonic}: offset`);
    }
    return { base: base ?? 0, off };
  }

  target(op: Operand, pc: number, range: readonly [number, number], what: 'branch' | 'jump'): number {
    const e = this.valueExpr(op);
    if (e === undefined) return 0;
    const t = this.final(e);
    if (t === undefined) return 0;
    if ((t & 3) !== 0) {
      this.fail(op.pos, `${what} target ${hex(t)} is not a multiple of 4`);
      return 0;
    }
    const words = ((t - pc) | 0) >> 2;
    if (words < range[0] || words > range[1]) {
      this.fail(op.pos, `${what} too far: target ${hex(t)} is ${words} words away (the limit is ${range[0]}..${range[1]})`);
      return 0;
    }
    return words;
  }

  csr(op: Operand, write: boolean): number {
    let n: number | undefined;
    const names = [...CSR_NAME.values()].join(', ');
    if (op.k === 'expr' && op.e.k === 'sym') {
      n = CSR_BY_NAME.get(op.e.name.toLowerCase());
      if (n === undefined && !this.syms.has(this.fullName(op.e.name, this.cur))) {
        this.fail(op.pos, `unknown control register '${op.e.name}' (names: ${names})`);
        return 0;
      }
    }
    if (n === undefined) {
      const e = this.valueExpr(op);
      if (e === undefined) return 0;
      n = this.final(e);
      if (n === undefined) return 0;
      if (!CSR_NAME.has(n)) {
        this.fail(op.pos, `unknown control register ${n} (names: ${names})`);
        return 0;
      }
    }
    if (write && CSR_READ_ONLY.has(n)) {
      this.fail(op.pos, `control register ${CSR_NAME.get(n)} is read-only`);
      return 0;
    }
    return n;
  }

  pass1Value(op: Operand): number | undefined {
    const e = exprOf(op);
    if (e === undefined) return undefined;
    const v = this.ev(e, this.cur);
    return this.tag === ABS ? v : undefined;
  }

  emit(d: InstrDef, f: Partial<Fields>): void {
    this.emitted.push(encode(d, { rd: f.rd ?? 0, rs1: f.rs1 ?? 0, rs2: f.rs2 ?? 0, imm: f.imm ?? 0 }));
  }

  // ---------------------------------------------------------------- pass 1

  private pass1(): void {
    this.pass = 1;
    this.reporting = false;
    this.sec = TEXT;
    this.offset = 0;
    for (const it of this.items) {
      if (this.diags.overflow !== undefined) return; // past the error limit the result is failure anyway
      this.cur = it;
      for (const l of it.ast.labels) this.defineLabel(l, it);
      const st = it.ast.stmt;
      it.sec = this.sec;
      it.offset = this.offset;
      if (st === null) continue;
      if (st.k === 'ins') this.layInstruction(st, it);
      else this.layDirective(st, it);
      this.offset += it.size;
      this.sections[this.sec]!.size = this.offset;
    }
    this.sections[this.sec]!.size = this.offset;
  }

  private layInstruction(st: Statement, it: Item): void {
    const forms = FORMS.get(st.name);
    if (forms === undefined) {
      this.error(st.pos, `unknown instruction '${st.name}'${suggest(st.name, FORMS.keys())}`);
      it.bad = true;
      it.size = 4;
      return;
    }
    const form = forms.find((f) => f.operands === st.ops.length);
    if (form === undefined) {
      const counts = [...new Set(forms.map((f) => f.operands))];
      const expects = counts.length === 1 ? plural(counts[0]!, 'operand') : `${counts.join(' or ')} operands`;
      this.error(st.pos, `${st.name} expects ${expects} (${formsText(st.name, forms)}), got ${st.ops.length}`);
      it.bad = true;
      it.size = 4 * Math.max(...forms.map((f) => f.words));
      return;
    }
    if (this.sec === BSS) {
      this.error(st.pos, 'an instruction cannot go in .bss (it holds no bytes): only labels, .space and .align');
      it.bad = true;
      return;
    }
    if ((this.offset & 3) !== 0) {
      this.error(st.pos, `instruction at ${this.here()}, which is not a multiple of 4: put .align 4 before it`);
      it.bad = true;
    }
    this.use(st.pos);
    it.form = form;
    it.words = form.size ? form.size(this, st.ops) : form.words;
    it.size = it.words * 4;
  }

  /** Where pass 1 is, for messages: the address if the section has one yet, else the offset in it. */
  private here(): string {
    const base = this.sections[this.sec]!.base;
    if (base !== undefined) return `address ${hex(base + this.offset)}`;
    return `offset ${hex(this.offset)} of .${SECTION_NAMES[this.sec]}`;
  }

  /** The directives: operand checks, and the bytes each one takes in pass 1. */
  private layDirective(st: Statement, it: Item): void {
    const ops = st.ops;
    const name = st.name;
    const bad = (message: string): void => {
      this.error(st.pos, message);
      it.bad = true;
    };
    switch (name) {
      case '.text':
      case '.data':
      case '.bss': {
        if (ops.length > 1) return bad(`${name} takes at most one operand: the section's address`);
        const sec = (name === '.text' ? TEXT : name === '.data' ? DATA : BSS) as Sec;
        this.sections[this.sec]!.size = this.offset;
        this.sec = sec;
        this.offset = this.sections[sec]!.size;
        it.sec = sec;
        it.offset = this.offset;
        if (ops.length === 1) this.setBase(sec, ops[0]!, it, name);
        return;
      }
      case '.word':
      case '.half':
      case '.byte': {
        if (ops.length === 0) return bad(`${name} takes one or more values`);
        if (!this.dataAllowed(st, it)) return;
        for (const op of ops) if (op.k === 'str') return this.badOperand(op, it, `${name} takes numbers; for text use .ascii or .asciz`);
        const width = name === '.word' ? 4 : name === '.half' ? 2 : 1;
        it.size = ops.length * width;
        this.use(st.pos);
        // Words and halves are read with aligned loads (a misaligned one traps), so they are
        // never placed misaligned; nothing is padded behind the programmer's back either.
        if (this.offset % width !== 0) {
          bad(`${name} at ${this.here()}, which is not a multiple of ${width}: put .align ${width} before it`);
        }
        return;
      }
      case '.ascii':
      case '.asciz': {
        if (ops.length === 0) return bad(`${name} takes one or more strings in double quotes`);
        if (!this.dataAllowed(st, it)) return;
        let size = 0;
        for (const op of ops) {
          if (op.k !== 'str') return this.badOperand(op, it, `${name} takes strings in double quotes`);
          size += op.bytes.length + (name === '.asciz' ? 1 : 0);
        }
        it.size = size;
        this.use(st.pos);
        return;
      }
      case '.space': {
        if (ops.length < 1 || ops.length > 2) return bad('.space takes a size and an optional fill byte: .space n [, fill]');
        const e = this.operandExpr(ops[0]!, it);
        if (e === undefined) return;
        const n = this.required(e, it, 'the size of .space');
        if (n === undefined) return void (it.bad = true);
        if (n < 0) return this.badOperand(ops[0]!, it, `.space size ${n} is negative`);
        it.size = n;
        this.use(st.pos);
        return;
      }
      case '.align': {
        if (ops.length !== 1) return bad('.align takes one operand: a power of two, in bytes');
        const e = this.operandExpr(ops[0]!, it);
        if (e === undefined) return;
        const n = this.required(e, it, 'the alignment');
        if (n === undefined) return void (it.bad = true);
        if (n <= 0 || (n & (n - 1)) !== 0 || n > PAGE_SIZE) {
          return this.badOperand(ops[0]!, it, `.align ${n}: the alignment must be a power of two from 1 to ${PAGE_SIZE} (bytes)`);
        }
        it.size = (n - (this.offset % n)) % n;
        return;
      }
      case '.equ':
      case '.set': {
        const target = ops[0];
        if (ops.length !== 2 || target === undefined || target.k !== 'expr' || target.e.k !== 'sym') {
          return bad(`${name} takes a name and a value: ${name} NAME, value`);
        }
        const e = this.operandExpr(ops[1]!, it);
        if (e === undefined) return;
        this.defineConst(target.e.name, target.pos, e, it, name === '.set');
        return;
      }
      case '.global':
      case '.globl':
        if (ops.length === 0) return bad(`${name} takes one or more symbol names`);
        for (const op of ops) if (!(op.k === 'expr' && op.e.k === 'sym')) return this.badOperand(op, it, `${name} takes symbol names`);
        return;
      default:
        return bad(`unknown directive '${name}'${suggest(name, DIRECTIVES)}`);
    }
  }

  private badOperand(op: Operand, it: Item, message: string): void {
    this.error(op.pos, message);
    it.bad = true;
  }

  /** An operand that must be a value (pass 1); reports and marks the line bad if it is not. */
  private operandExpr(op: Operand, it: Item): Expr | undefined {
    const e = exprOf(op);
    if (e === undefined) this.badOperand(op, it, notAValue(op));
    return e;
  }

  private dataAllowed(st: Statement, it: Item): boolean {
    if (this.sec !== BSS) return true;
    this.error(st.pos, `${st.name} cannot go in .bss (it holds no bytes): use .space, or put the data in .data`);
    it.bad = true;
    return false;
  }

  private setBase(sec: Sec, op: Operand, it: Item, name: string): void {
    const e = this.operandExpr(op, it);
    if (e === undefined) return;
    const v = this.required(e, it, `the address of ${name}`);
    if (v === undefined) return;
    const s = this.sections[sec]!;
    const addr = v >>> 0;
    if (addr % PAGE_SIZE !== 0) return this.badOperand(op, it, `${name} address ${hex(addr)} is not a multiple of the page size (${hex(PAGE_SIZE)})`);
    if (s.basePos !== undefined) {
      if (s.base === addr) return;
      return this.badOperand(op, it, `${name} already starts at ${hex(s.base!)} (set at ${this.where(s.basePos)})`);
    }
    if (s.used) {
      return this.badOperand(op, it, `the address of ${name} must be given before anything is put in it (first use at ${this.where(s.firstPos!)})`);
    }
    s.base = addr;
    s.basePos = op.pos;
  }

  private defineConst(written: string, pos: Pos, expr: Expr, it: Item, redefinable: boolean): void {
    const name = this.fullName(written, it);
    if (regNumber(name) !== undefined) {
      this.error(pos, `'${name}' is a register name and cannot be a constant`);
      it.bad = true;
      return;
    }
    const old = this.syms.get(name);
    if (old !== undefined) {
      if (old.kind === 'label') {
        this.error(pos, `'${name}' is already a label (defined at ${this.where(old.pos)})`);
        it.bad = true;
        return;
      }
      if (!old.redefinable || !redefinable) {
        const how = old.redefinable ? '.set (use .set again to change it)' : '.equ, which cannot be redefined';
        this.error(pos, `'${name}' is already defined at ${this.where(old.pos)} with ${how}`);
        it.bad = true;
        return;
      }
      old.defs.push({ item: it, expr, pos });
    } else {
      this.syms.set(name, {
        kind: 'const',
        name,
        pos,
        redefinable,
        defs: [{ item: it, expr, pos }],
        global: false,
        value: 0,
        tag: UNKNOWN,
        seenInPass: 0,
        evaluating: false,
      });
    }
    this.setConst(name, expr, it);
  }

  /** Runs a constant's definition in the current pass: from here on it has this value. */
  private setConst(name: string, expr: Expr, it: Item): void {
    const sym = this.syms.get(name);
    if (sym === undefined || sym.kind !== 'const') return;
    // Marked while its own value is computed, so that `.equ A, A + 1` is found circular.
    sym.evaluating = true;
    const v = this.ev(expr, it);
    sym.evaluating = false;
    sym.value = v;
    sym.tag = this.tag;
    sym.seenInPass = this.pass;
  }

  // ---------------------------------------------------------------- between the passes

  /** Fixes the section addresses; reports overlaps and overflows. */
  private placeSections(): boolean {
    const [text, data, bss] = this.sections as [Section, Section, Section];
    text.base ??= USER_TEXT_BASE;
    data.base ??= alignUp(text.base + text.size, PAGE_SIZE);
    bss.base ??= alignUp(data.base + data.size, PAGE_SIZE);
    let ok = true;
    const placed: { sec: Sec; lo: number; hi: number }[] = [];
    for (const sec of [TEXT, DATA, BSS] as Sec[]) {
      const s = this.sections[sec]!;
      if (s.size === 0) continue;
      const at = s.basePos ?? s.firstPos ?? { file: this.files[0]!, line: 0, col: 0 };
      const name = SECTION_NAMES[sec];
      if (sec !== BSS && s.size > MAX_SECTION_BYTES) {
        this.error(at, `.${name} is ${s.size} bytes; at most ${MAX_SECTION_BYTES} bytes fit (use .bss for large zeroed areas)`);
        ok = false;
        continue;
      }
      const hi = s.base! + s.size;
      if (hi > 0x100000000) {
        this.error(at, `.${name} runs past the end of the address space (${hex(s.base!)} + ${s.size} bytes)`);
        ok = false;
        continue;
      }
      const lo = s.base!;
      const pageHi = alignUp(hi, PAGE_SIZE);
      for (const p of placed) {
        if (lo < p.hi && p.lo < pageHi) {
          const other = SECTION_NAMES[p.sec];
          this.error(at, `.${name} (${hex(lo)}..${hex(hi - 1)}) shares pages with .${other} (${hex(p.lo)}..${hex(p.hi - 1)})`);
          ok = false;
        }
      }
      placed.push({ sec, lo, hi: pageHi });
    }
    if (ok) {
      for (const sec of [TEXT, DATA] as Sec[]) this.sections[sec]!.bytes = new Uint8Array(this.sections[sec]!.size);
    }
    return ok;
  }

  // ---------------------------------------------------------------- pass 2

  private pass2(): void {
    this.pass = 2;
    this.reporting = true;
    for (const it of this.items) {
      if (this.diags.overflow !== undefined) return;
      this.cur = it;
      this.sec = it.sec;
      this.offset = it.offset;
      const st = it.ast.stmt;
      const addr = (this.sections[it.sec]!.base! + it.offset) | 0;
      const entry: ListingLine = {
        addr: addr >>> 0,
        words: [],
        size: it.size,
        file: this.files[it.fileIdx]!,
        line: it.line,
        text: (this.sources.get(this.files[it.fileIdx]!)?.[it.line - 1] ?? '').trimEnd(),
      };
      this.listing.push(entry);
      if (st === null || it.bad) continue;
      if (st.k === 'ins') this.encodeInstruction(st, it, addr, entry);
      else this.writeDirective(st, it, addr, entry);
    }
  }

  private encodeInstruction(st: Statement, it: Item, addr: number, entry: ListingLine): void {
    this.stmtBad = false;
    this.emitted = [];
    it.form!.emit(this, st.ops, addr, it.words);
    if (this.stmtBad) return;
    if (this.emitted.length !== it.words) throw new Error(`${st.name}: emitted ${this.emitted.length} words, laid out ${it.words}`);
    const bytes = this.sections[it.sec]!.bytes;
    for (let k = 0; k < this.emitted.length; k++) {
      const w = this.emitted[k]!;
      const p = it.offset + 4 * k;
      bytes[p] = w & 0xff;
      bytes[p + 1] = (w >>> 8) & 0xff;
      bytes[p + 2] = (w >>> 16) & 0xff;
      bytes[p + 3] = w >>> 24;
      this.lines.push({ addr: (addr + 4 * k) >>> 0, file: it.fileIdx, line: it.line });
    }
    entry.words = this.emitted;
  }

  private writeDirective(st: Statement, it: Item, addr: number, entry: ListingLine): void {
    const sec = this.sections[it.sec]!;
    const bytes = sec.bytes;
    const name = st.name;
    const at = it.offset;
    switch (name) {
      case '.word':
      case '.half':
      case '.byte': {
        const width = name === '.word' ? 4 : name === '.half' ? 2 : 1;
        const [lo, hi] = name === '.word' ? [-0x80000000, 0xffffffff] : name === '.half' ? [-32768, 65535] : [-128, 255];
        st.ops.forEach((op, k) => {
          this.stmtBad = false;
          let v = this.value(op);
          if (this.stmtBad) return;
          v = this.checkRange(op, v, lo, hi, `${name} value`);
          for (let b = 0; b < width; b++) bytes[at + k * width + b] = (v >>> (8 * b)) & 0xff;
        });
        break;
      }
      case '.ascii':
      case '.asciz': {
        let p = at;
        for (const op of st.ops) {
          if (op.k !== 'str') continue;
          for (const b of op.bytes) bytes[p++] = b;
          if (name === '.asciz') bytes[p++] = 0;
        }
        break;
      }
      case '.space': {
        if (st.ops.length === 2) {
          this.stmtBad = false;
          const f = this.value(st.ops[1]!);
          if (this.stmtBad) break;
          const fill = this.checkRange(st.ops[1]!, f, -128, 255, '.space fill byte');
          if (it.sec === BSS && fill !== 0) {
            this.error(st.ops[1]!.pos, '.bss is zero-filled: .space there cannot have a fill byte');
          } else if (it.sec !== BSS) bytes.fill(fill & 0xff, at, at + it.size);
        }
        break;
      }
      case '.equ':
      case '.set': {
        const target = st.ops[0]!;
        if (target.k === 'expr' && target.e.k === 'sym') {
          const e = this.operandExpr(st.ops[1]!, it);
          if (e !== undefined) this.setConst(this.fullName(target.e.name, it), e, it);
        }
        return;
      }
      case '.global':
      case '.globl':
        for (const op of st.ops) {
          if (op.k !== 'expr' || op.e.k !== 'sym') continue;
          const full = this.fullName(op.e.name, it);
          const sym = this.syms.get(full);
          if (sym === undefined) this.error(op.pos, `.global names '${full}', which is not defined`);
          else sym.global = true;
        }
        return;
      default:
        return;
    }
    if (it.size > 0 && (name === '.word' || name === '.half' || name === '.byte' || name === '.ascii' || name === '.asciz' || name === '.space')) {
      this.lines.push({ addr: addr >>> 0, file: it.fileIdx, line: it.line });
      if (it.sec !== BSS) entry.bytes = bytes.subarray(at, at + it.size);
    }
  }

  // ---------------------------------------------------------------- the whole

  /** Runs both passes over what was read, and builds the result. */
  finish(): AssembleResult {
    this.pass1();
    this.reportPending();
    if (this.placeSections()) this.pass2();
    const diagnostics = this.diags.list;
    if (diagnostics.length > 0) {
      const order = (d: Diagnostic) => this.fileIndex.get(d.file) ?? 0;
      const sorted = [...diagnostics].sort((a, b) => order(a) - order(b) || a.line - b.line || a.col - b.col);
      if (this.diags.overflow !== undefined) sorted.push(this.diags.overflow);
      return { exe: null, listing: this.listing, diagnostics: sorted };
    }
    return { exe: this.executable(), listing: this.listing, diagnostics: [] };
  }

  private executable(): Executable {
    const segments: Segment[] = [];
    const flags = [SegFlag.R | SegFlag.X, SegFlag.R | SegFlag.W, SegFlag.R | SegFlag.W];
    for (const sec of [TEXT, DATA, BSS] as Sec[]) {
      const s = this.sections[sec]!;
      if (s.size === 0) continue;
      segments.push({
        name: SECTION_NAMES[sec],
        vaddr: s.base! >>> 0,
        memSize: s.size,
        flags: flags[sec]!,
        data: sec === BSS ? new Uint8Array(0) : s.bytes,
      });
    }
    const symbols: SymbolEntry[] = [];
    const kinds = [SymbolKind.TEXT, SymbolKind.DATA, SymbolKind.BSS];
    for (const sym of this.syms.values()) {
      if (sym.kind === 'label') {
        symbols.push({ name: sym.name, value: (this.sections[sym.sec]!.base! + sym.off) >>> 0, kind: kinds[sym.sec]!, global: sym.global });
      } else {
        symbols.push({ name: sym.name, value: sym.value >>> 0, kind: SymbolKind.ABS, global: sym.global });
      }
    }
    const start = this.syms.get('_start');
    let entry = this.sections[TEXT]!.base! >>> 0;
    if (start !== undefined) entry = start.kind === 'label' ? (this.sections[start.sec]!.base! + start.off) >>> 0 : start.value >>> 0;
    const lines = this.lines.slice().sort((a, b) => a.addr - b.addr);
    return { entry, segments, symbols, files: this.files.slice(), lines };
  }
}

const DIRECTIVES = [
  '.text', '.data', '.bss', '.word', '.half', '.byte', '.ascii', '.asciz', '.space', '.align',
  '.equ', '.set', '.global', '.globl', '.include',
];

/** Edit distance (insertions, deletions, substitutions) between two short words. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** ` (did you mean 'x'?)` for the closest known name within two edits (one for short names), or ''. */
function suggest(name: string, known: Iterable<string>): string {
  const limit = name.length <= 3 ? 1 : 2;
  let best: string | undefined;
  let bestD = limit + 1;
  for (const k of known) {
    const d = distance(name, k);
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best === undefined ? '' : ` (did you mean '${best}'?)`;
}

/**
 * The expression of an operand used as a value. `(x)` parses as a memory operand (the grammar
 * cannot tell), and is read here as the value x.
 */
function exprOf(op: Operand): Expr | undefined {
  if (op.k === 'expr') return op.e;
  if (op.k === 'mem' && op.off === null) return { k: 'sym', name: op.base, pos: op.basePos };
  return undefined;
}

function notAValue(op: Operand): string {
  return op.k === 'str' ? 'expected a value, not a string' : 'expected a value, not a memory operand';
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
