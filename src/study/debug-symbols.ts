// Names for the debugger: which executable ("image") an address belongs to, and the reverse —
// a label, a `file:line` or an address expression typed by the user turned into addresses.
//
// Images: the kernel (or a bare program), whose addresses are in the kernel segment and mean the
// same in every process; and one image per user program, whose addresses mean something only
// in its own process (pid = ASID, 1, 2, ... in command-line order).
//
// Spellings accepted (asm/README.md names; README.md "The debugger" documents them):
//   qualifier   `kernel`, a pid (`2`), a program's file name (`hello.s`) or its stem (`hello`)
//   expression  terms joined by + and -: a number (decimal or 0x hex), a register name (`sp`,
//               `a0`, `r5`), `pc`, or a symbol; `QUALIFIER:expression` looks symbols up in the
//               named images only (and, for memory, uses that process's page tables)
//   file:line   a source file (as the assembler was given it, or any trailing part of that
//               path: `hello.s`, `kernel/fault.s`) and a line; the first line at or after it
//               that produced an instruction

import path from 'node:path';
import { KSEG_BASE } from '../arch/memmap.ts';
import { regNumber } from '../arch/registers.ts';
import { symbolIndex } from '../disasm/symbols.ts';
import { SegFlag, SymbolKind, sourceLineAt, type Executable } from '../exe/types.ts';
import { UserError } from '../util/errors.ts';
import { hex8 } from './debug-memory.ts';

export interface Image {
  /** `kernel`, or the program's file name (`hello.s`). */
  name: string;
  exe: Executable;
  /** The process running it; null for the kernel or a bare program (the kernel segment). */
  pid: number | null;
}

/** A code address and the process it belongs to (null: any, for the kernel segment). */
export interface CodeLocation {
  addr: number;
  pid: number | null;
  image: Image | null;
}

/** What expressions can read besides symbols. */
export interface ExprEnv {
  images: readonly Image[];
  reg(n: number): number;
  pc(): number;
}

function stem(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/** The images a qualifier names, or a UserError saying which qualifiers exist. */
export function imagesNamed(q: string, images: readonly Image[]): Image[] {
  let found: Image[];
  if (/^\d+$/.test(q)) found = images.filter((im) => im.pid === Number(q));
  else if (q.toLowerCase() === 'kernel') found = images.filter((im) => im.pid === null);
  else found = images.filter((im) => im.name === q || stem(im.name) === q);
  if (found.length === 0) {
    const names = [...new Set(images.map((im) => (im.pid === null ? 'kernel' : `${stem(im.name)} (pid ${im.pid})`)))];
    throw new UserError(`no program or process '${q}' (there are: ${names.join(', ')})`);
  }
  return found;
}

// ---- expressions -------------------------------------------------------------------------------

type Term = { sign: 1 | -1; kind: 'num'; value: number } | { sign: 1 | -1; kind: 'reg'; reg: number } | { sign: 1 | -1; kind: 'pc' } | { sign: 1 | -1; kind: 'sym'; name: string };

/** A symbol as the assembler names it; a leading dot is a local label's short name (`.loop`). */
const NAME = /^[A-Za-z_$.][A-Za-z0-9_$.]*$/;
const NUMBER = /^(0x[0-9a-f]+|\d+)$/i;

/** Terms of `a + b - c`; a UserError for anything else. */
function parseTerms(text: string): Term[] {
  const src = text.trim();
  if (src === '') throw new UserError('an address is missing');
  const terms: Term[] = [];
  let sign: 1 | -1 = 1;
  let rest = src;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest[0] === '-' ? -1 : 1;
    rest = rest.slice(1).trimStart();
  }
  for (;;) {
    const m = /^([^+\s-]+)\s*/.exec(rest);
    if (m === null) throw new UserError(`cannot read the address '${src}'`);
    const word = m[1]!;
    if (NUMBER.test(word)) terms.push({ sign, kind: 'num', value: Number(word) });
    else if (word.toLowerCase() === 'pc') terms.push({ sign, kind: 'pc' });
    else if (regNumber(word) !== undefined) terms.push({ sign, kind: 'reg', reg: regNumber(word)! });
    else if (NAME.test(word)) terms.push({ sign, kind: 'sym', name: word });
    else throw new UserError(`cannot read '${word}' in '${src}': expected a number, a register, pc or a symbol`);
    rest = rest.slice(m[0].length);
    if (rest === '') return terms;
    if (rest[0] !== '+' && rest[0] !== '-') throw new UserError(`cannot read the address '${src}'`);
    sign = rest[0] === '-' ? -1 : 1;
    rest = rest.slice(1).trimStart();
  }
}

/**
 * The value of a symbol in one image: labels first, then constants (when allowed). A local
 * label's short name (`.loop`) also finds `func.loop` when only one function has it.
 */
function symbolValue(im: Image, name: string, constants: boolean): number | undefined {
  let constant: number | undefined;
  for (const s of im.exe.symbols) {
    if (s.name !== name) continue;
    if (s.kind !== SymbolKind.ABS) return s.value >>> 0;
    if (constants) constant = s.value >>> 0;
  }
  if (constant !== undefined || !name.startsWith('.')) return constant;
  const locals = im.exe.symbols.filter((s) => s.kind !== SymbolKind.ABS && s.name.endsWith(name));
  return locals.length === 1 ? locals[0]!.value >>> 0 : undefined;
}

function evalTerms(terms: readonly Term[], env: ExprEnv, sym: (name: string) => number | undefined): number | undefined {
  let v = 0;
  for (const t of terms) {
    let x: number | undefined;
    if (t.kind === 'num') x = t.value;
    else if (t.kind === 'pc') x = env.pc();
    else if (t.kind === 'reg') x = env.reg(t.reg) >>> 0;
    else x = sym(t.name);
    if (x === undefined) return undefined;
    v += t.sign * x;
  }
  return v >>> 0;
}

/** Splits `QUALIFIER:rest` (the qualifier is everything before the first colon). */
function splitQualifier(text: string): { q: string | null; rest: string } {
  const i = text.indexOf(':');
  return i < 0 ? { q: null, rest: text } : { q: text.slice(0, i).trim(), rest: text.slice(i + 1) };
}

export interface AddressValue {
  value: number;
  /**
   * Whose page tables a user-space value refers to: a pid, or undefined for "the current
   * ones" (no qualifier and no program symbol in the expression).
   */
  pid: number | undefined;
}

/**
 * Evaluate an address expression for `mem`, `disasm`, `walk`. A symbol found in several images
 * with different values is ambiguous (the message lists the qualified spellings).
 */
export function evalAddress(text: string, env: ExprEnv): AddressValue {
  const { q, rest } = splitQualifier(text);
  const pool = q === null ? env.images : imagesNamed(q, env.images);
  const terms = parseTerms(rest);
  const names = terms.filter((t): t is Extract<Term, { kind: 'sym' }> => t.kind === 'sym').map((t) => t.name);
  let qualifiedPid: number | undefined;
  if (q !== null && pool.length > 0 && pool.every((im) => im.pid !== null)) qualifiedPid = pool[0]!.pid!;
  if (names.length === 0) {
    const value = evalTerms(terms, env, () => undefined)!;
    return { value, pid: qualifiedPid };
  }
  if (pool.length === 0) throw new UserError(`'${names[0]}': only numbers and registers here`);
  // Evaluate in each image that defines every symbol; the results must agree.
  const results: { im: Image; value: number }[] = [];
  for (const im of pool) {
    const value = evalTerms(terms, env, (n) => symbolValue(im, n, true));
    if (value !== undefined) results.push({ im, value });
  }
  if (results.length === 0) throw new UserError(`no symbol ${names.map((n) => `'${n}'`).join(', ')} in ${describePool(pool)}`);
  const values = new Set(results.map((r) => r.value));
  if (values.size > 1)
    throw new UserError(
      `'${rest.trim()}' is ambiguous: ${results.map((r) => `${qualifierOf(r.im, env.images)}:${rest.trim()} = ${hex8(r.value)}`).join(', ')}`,
    );
  const value = results[0]!.value;
  const users = results.filter((r) => r.im.pid !== null);
  return { value, pid: qualifiedPid ?? (users.length > 0 && value < KSEG_BASE ? users[0]!.im.pid! : undefined) };
}

/** A qualifier that names just this image: `kernel`, the program's stem, or its pid when the stem is shared. */
export function qualifierOf(im: Image, images: readonly Image[]): string {
  if (im.pid === null) return 'kernel';
  return images.filter((o) => stem(o.name) === stem(im.name)).length > 1 ? String(im.pid) : stem(im.name);
}

function describePool(pool: readonly Image[]): string {
  return pool.map((im) => (im.pid !== null ? `${im.name} (pid ${im.pid})` : im.name === 'kernel' ? 'the kernel' : im.name)).join(', ');
}

// ---- code locations (breakpoints) -------------------------------------------------------------

function inExecutableSegment(exe: Executable, addr: number): boolean {
  return exe.segments.some((s) => (s.flags & SegFlag.X) !== 0 && addr >= s.vaddr >>> 0 && addr < (s.vaddr >>> 0) + s.memSize);
}

function inAnySegment(exe: Executable, addr: number): boolean {
  return exe.segments.some((s) => addr >= s.vaddr >>> 0 && addr < (s.vaddr >>> 0) + s.memSize);
}

/** True if a source path as the assembler recorded it is the file the user named. */
function sameFile(recorded: string, named: string): boolean {
  const r = recorded.replace(/\\/g, '/');
  const n = named.replace(/\\/g, '/');
  return r === n || r.endsWith('/' + n) || path.resolve(recorded) === path.resolve(named);
}

/** True if addr lies in an executable segment of the image (a place an instruction can be). */
export function isCode(im: Image, addr: number): boolean {
  return inExecutableSegment(im.exe, addr >>> 0);
}

/** Does any image know a source file by this name? */
export function isSourceFile(name: string, images: readonly Image[]): boolean {
  return images.some((im) => im.exe.files.some((f) => sameFile(f, name)));
}

/**
 * `file:line`: in every image built from that file, the lowest address of the first line at
 * or after `line` that produced an instruction (in an executable segment).
 */
export function resolveFileLine(file: string, line: number, images: readonly Image[]): CodeLocation[] {
  const out: CodeLocation[] = [];
  for (const im of images) {
    const files = new Set<number>();
    im.exe.files.forEach((f, i) => {
      if (sameFile(f, file)) files.add(i);
    });
    if (files.size === 0) continue;
    let best: { line: number; addr: number } | null = null;
    for (const e of im.exe.lines) {
      if (!files.has(e.file) || e.line < line || !inExecutableSegment(im.exe, e.addr >>> 0)) continue;
      const a = e.addr >>> 0;
      if (best === null || e.line < best.line || (e.line === best.line && a < best.addr)) best = { line: e.line, addr: a };
    }
    if (best !== null) out.push({ addr: best.addr, pid: im.pid, image: im });
  }
  if (out.length === 0) {
    if (!isSourceFile(file, images)) throw new UserError(`no source file '${file}' in the programs or the kernel`);
    throw new UserError(`no instruction at or after ${file}:${line}`);
  }
  return out;
}

/**
 * Where a breakpoint spec (not `fault`) stops: `file:line`, or `[QUALIFIER:]expression`. A
 * label defined in several images gives a location in each; a number in user space applies to
 * every process whose executable contains it (to any process if none does).
 */
export function resolveBreakSpec(spec: string, env: ExprEnv): CodeLocation[] {
  const fl = /^(.+):(\d+)$/.exec(spec);
  if (fl !== null && isSourceFile(fl[1]!, env.images)) return resolveFileLine(fl[1]!, Number(fl[2]), env.images);
  const { q, rest } = splitQualifier(spec);
  const pool = q === null ? env.images : imagesNamed(q, env.images);
  const terms = parseTerms(rest);
  const hasSym = terms.some((t) => t.kind === 'sym');
  let locs: CodeLocation[] = [];
  if (hasSym) {
    for (const im of pool) {
      const value = evalTerms(terms, env, (n) => symbolValue(im, n, false));
      if (value !== undefined) locs.push({ addr: value, pid: value >= KSEG_BASE ? null : im.pid, image: im });
    }
    if (locs.length === 0) {
      const names = terms.filter((t): t is Extract<Term, { kind: 'sym' }> => t.kind === 'sym').map((t) => `'${t.name}'`);
      throw new UserError(`no label ${names.join(', ')} in ${describePool(pool)}`);
    }
  } else {
    const addr = evalTerms(terms, env, () => undefined)!;
    if (addr >= KSEG_BASE) {
      locs.push({ addr, pid: null, image: pool.find((im) => im.pid === null) ?? null });
    } else {
      const users = pool.filter((im) => im.pid !== null && inAnySegment(im.exe, addr));
      if (users.length > 0) for (const im of users) locs.push({ addr, pid: im.pid, image: im });
      else if (q !== null && pool.every((im) => im.pid !== null)) for (const im of pool) locs.push({ addr, pid: im.pid, image: im });
      else locs.push({ addr, pid: null, image: null });
    }
  }
  // A location in the kernel segment is one location whatever image named it.
  const seen = new Set<string>();
  locs = locs.filter((l) => {
    const key = `${l.addr}:${l.pid}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  for (const l of locs) if ((l.addr & 3) !== 0) throw new UserError(`${hex8(l.addr)} is not an instruction address (not a multiple of 4)`);
  return locs;
}

// ---- addresses to names ------------------------------------------------------------------------

/** The image an address belongs to: the kernel segment's, or process pid's for user space. */
export function imageFor(images: readonly Image[], addr: number, pid: number | null): Image | undefined {
  if (addr >>> 0 >= KSEG_BASE) return images.find((im) => im.pid === null);
  if (pid === null) return undefined;
  return images.find((im) => im.pid === pid);
}

/** `<label+0x4>` (or '') and `file:line` (or '') of an address in an image. */
export function nameOf(im: Image | undefined, addr: number): { sym: string; line: string } {
  if (im === undefined) return { sym: '', line: '' };
  const s = symbolIndex(im.exe).describe(addr >>> 0);
  return { sym: s === undefined ? '' : `<${s}>`, line: sourceLineAt(im.exe, addr >>> 0) ?? '' };
}
