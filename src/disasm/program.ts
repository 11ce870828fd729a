// A whole executable as readable text: a heading (the entry point, the segment table, and the
// symbol counts or, on request, the symbol table), then each segment in address order.
// Executable segments are listed one instruction per line
//
//   loop:
//     00001004:  ffff1118  addi    a0, a0, -1                   # prog.s:4
//     00001008:  ffff0139  bne     a0, zero, 0x00001004 <loop>  # prog.s:5
//
// and the others as a hex and ASCII dump, up to 16 bytes a line:
//
//   msg:
//     00002000:  68 65 6c 6c 6f 0a 00                              |hello..|  # prog.s:13
//
// A new line starts at every label and every line-map entry, so each source directive gets its
// own line and its `# file:line`. Runs of zero words or zero bytes fold into one line, and the
// zero-filled part of a segment (memSize beyond its data) is one line per label in it.

import { Op } from '../arch/isa.ts';
import { segFlagsText } from '../exe/format.ts';
import { SegFlag, SymbolKind, type Executable, type Segment } from '../exe/types.ts';
import { renderTable } from '../util/table.ts';
import { symbolIndex, type SymbolIndex } from './symbols.ts';
import { disassembleWord, hexWord } from './word.ts';

export interface DisassembleOptions {
  /** Shown in the heading: usually the file name. */
  name?: string;
  /** List every symbol (name, value, kind, scope) in the heading, not just how many there are. */
  symbols?: boolean;
}

const KIND_NAME: Readonly<Record<number, string>> = {
  [SymbolKind.TEXT]: 'text',
  [SymbolKind.DATA]: 'data',
  [SymbolKind.BSS]: 'bss',
  [SymbolKind.ABS]: 'constant',
};

/** The symbol table as comment lines: by kind, then by value. */
function symbolTable(exe: Executable): string[] {
  const rows = exe.symbols
    .map((s, i) => ({ s, i }))
    .sort((a, b) => a.s.kind - b.s.kind || (a.s.value >>> 0) - (b.s.value >>> 0) || a.i - b.i)
    .map(({ s }) => [s.name, hexWord(s.value), s.kind === SymbolKind.ABS ? String(s.value | 0) : '', KIND_NAME[s.kind] ?? '?', s.global ? 'global' : 'local']);
  const table = renderTable(rows, { head: ['symbol', 'value', 'decimal', 'kind', 'scope'], align: ['l', 'l', 'r', 'l', 'l'] });
  return table.split('\n').map((l) => `#   ${l}`);
}

const BYTES_PER_ROW = 16;
/** Fold a run of zero words (or zero rows of bytes) once it is at least this long. */
const FOLD_WORDS = 4;
const FOLD_ROWS = 2;
const MNEMONIC_WIDTH = 8;
const MAX_TEXT_WIDTH = 60;

interface Row {
  addr: number;
  /** Everything after "addr:  ", before the comment. */
  body: string;
  comment: string;
}

/** What the per-segment writers need: the symbol index and the line map by exact address. */
interface Ctx {
  exe: Executable;
  syms: SymbolIndex;
  /** Address -> index of its (last) entry in exe.lines. */
  lineAt: Map<number, number>;
}

function addr8(a: number): string {
  return (a >>> 0).toString(16).padStart(8, '0');
}

/** "addi    a0, zero, 5": the mnemonic padded so that operands line up. */
function spread(text: string): string {
  const sp = text.indexOf(' ');
  return sp < 0 ? text : text.slice(0, sp).padEnd(MNEMONIC_WIDTH) + text.slice(sp + 1);
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/** Labels in [from, to): each on its own line; one not at `from` notes where it really is. */
function labelLines(ctx: Ctx, from: number, to: number, out: (Row | string)[]): void {
  for (let a = from; a < to; a++) {
    for (const name of ctx.syms.labelsAt(a)) out.push(a === from ? `${name}:` : `${name}:  # at ${hexWord(a)}`);
  }
}

/** `file:line` of the line-map entry at exactly addr, or ''. */
function where(ctx: Ctx, addr: number): string {
  const i = ctx.lineAt.get(addr);
  if (i === undefined) return '';
  const l = ctx.exe.lines[i]!;
  return `${ctx.exe.files[l.file] ?? '?'}:${l.line}`;
}

/** True if a label or a line-map entry starts at an address in [from, to). */
function hasBreak(ctx: Ctx, from: number, to: number): boolean {
  for (let a = from; a < to; a++) if (ctx.syms.labelsAt(a).length > 0 || ctx.lineAt.has(a)) return true;
  return false;
}

function emitRows(rows: readonly (Row | string)[], out: string[]): void {
  let width = 0;
  for (const r of rows) if (typeof r !== 'string' && r.comment !== '') width = Math.max(width, r.body.length);
  width = Math.min(width, MAX_TEXT_WIDTH);
  for (const r of rows) {
    if (typeof r === 'string') out.push(r);
    else if (r.comment === '') out.push(`  ${addr8(r.addr)}:  ${r.body}`.trimEnd());
    else out.push(`  ${addr8(r.addr)}:  ${r.body.padEnd(width)}  # ${r.comment}`);
  }
}

/** One line per instruction; labels before; `lui rd, hi` + `ori rd, rd, lo` notes the value. */
function textRows(ctx: Ctx, seg: Segment): (Row | string)[] {
  const rows: (Row | string)[] = [];
  const base = seg.vaddr >>> 0;
  const data = seg.data;
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const words = data.length >>> 2;
  let luiReg = -1;
  let luiHigh = 0;
  for (let i = 0; i < words; ) {
    const addr = base + i * 4;
    const w = dv.getUint32(i * 4, true);
    labelLines(ctx, addr, addr + 4, rows);
    const src = where(ctx, addr);
    if (w === 0) {
      let n = 1;
      while (i + n < words && dv.getUint32((i + n) * 4, true) === 0 && !hasBreak(ctx, addr + n * 4, addr + n * 4 + 4)) n++;
      if (n >= FOLD_WORDS) {
        rows.push({ addr, body: `${plural(n, 'zero word')} (${n * 4} bytes)`, comment: src });
        i += n;
        luiReg = -1;
        continue;
      }
    }
    const text = disassembleWord(w, addr, ctx.exe);
    const notes = src === '' ? [] : [src];
    const op = w & 0xff;
    const rd = (w >>> 8) & 15;
    if (op === Op.ORI && luiReg === rd && ((w >>> 12) & 15) === rd && !text.startsWith('.word')) {
      const value = (luiHigh | (w >>> 16)) >>> 0;
      const sym = ctx.syms.describe(value);
      notes.push(`= ${hexWord(value)}${sym === undefined ? '' : ` <${sym}>`}`);
    }
    if (op === Op.LUI && !text.startsWith('.word')) {
      luiReg = rd;
      luiHigh = (w & 0xffff0000) >>> 0;
    } else luiReg = -1;
    rows.push({ addr, body: `${addr8(w)}  ${spread(text)}`, comment: notes.join('  ') });
    i++;
  }
  const tail = data.length & 3;
  if (tail !== 0) {
    const addr = base + words * 4;
    labelLines(ctx, addr, addr + tail, rows);
    const bytes = Array.from(data.subarray(words * 4), (b) => `0x${b.toString(16).padStart(2, '0')}`);
    rows.push({ addr, body: `${' '.repeat(8)}  .byte ${bytes.join(', ')}`, comment: where(ctx, addr) });
  }
  return rows;
}

function asciiOf(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
  return s;
}

function hexBytes(bytes: Uint8Array): string {
  const parts: string[] = [];
  bytes.forEach((b, k) => parts.push((k === 8 ? ' ' : '') + b.toString(16).padStart(2, '0')));
  return parts.join(' ');
}

function isZero(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b !== 0) return false;
  return true;
}

/** Hex and ASCII dump rows: a row ends at 16 bytes, at an address multiple of 16, or before a break. */
function dataRows(ctx: Ctx, seg: Segment): (Row | string)[] {
  const rows: (Row | string)[] = [];
  const base = seg.vaddr >>> 0;
  const data = seg.data;
  const hexWidth = BYTES_PER_ROW * 3;
  const rowEnd = (p: number): number => {
    let q = p + 1;
    while (q < data.length && (base + q) % BYTES_PER_ROW !== 0 && !hasBreak(ctx, base + q, base + q + 1)) q++;
    return q;
  };
  for (let p = 0; p < data.length; ) {
    const addr = base + p;
    labelLines(ctx, addr, addr + 1, rows);
    const src = where(ctx, addr);
    const q = rowEnd(p);
    if (isZero(data.subarray(p, q))) {
      // Fold following zero rows that start no label or source line.
      let n = 1;
      let r = q;
      while (r < data.length && !hasBreak(ctx, base + r, base + r + 1)) {
        const next = rowEnd(r);
        if (!isZero(data.subarray(r, next))) break;
        r = next;
        n++;
      }
      if (n >= FOLD_ROWS) {
        rows.push({ addr, body: `${plural(r - p, 'zero byte')}`, comment: src });
        p = r;
        continue;
      }
    }
    const chunk = data.subarray(p, q);
    rows.push({ addr, body: `${hexBytes(chunk).padEnd(hexWidth)}  |${asciiOf(chunk)}|`, comment: src });
    p = q;
  }
  return rows;
}

/** The zero-filled part of a segment, split at the labels in it. */
function zeroFillRows(ctx: Ctx, seg: Segment): (Row | string)[] {
  const rows: (Row | string)[] = [];
  const base = seg.vaddr >>> 0;
  const end = base + seg.memSize;
  let start = base + seg.data.length;
  if (start >= end) return rows;
  // Label addresses inside the zero-filled part, ascending.
  const cuts = ctx.exe.symbols
    .filter((s) => s.kind !== SymbolKind.ABS && s.value >>> 0 > start && s.value >>> 0 < end)
    .map((s) => s.value >>> 0)
    .sort((a, b) => a - b);
  for (const stop of [...new Set(cuts), end]) {
    labelLines(ctx, start, start + 1, rows);
    rows.push({ addr: start, body: `zero-filled, ${plural(stop - start, 'byte')}`, comment: where(ctx, start) });
    start = stop;
  }
  return rows;
}

/**
 * The whole executable as text (see the top of this file), ending with a newline. Segments
 * appear in address order; labels are every non-constant symbol; `# file:line` comes from the
 * line map. Never throws for an executable that passes validateExecutable.
 */
export function disassemble(exe: Executable, opts: DisassembleOptions = {}): string {
  const syms = symbolIndex(exe);
  const lineAt = new Map<number, number>();
  exe.lines.forEach((l, i) => lineAt.set(l.addr >>> 0, i));
  const ctx: Ctx = { exe, syms, lineAt };
  const segs = [...exe.segments].sort((a, b) => (a.vaddr >>> 0) - (b.vaddr >>> 0));
  const out: string[] = [];

  const entrySym = syms.describe(exe.entry);
  out.push(`# ${opts.name === undefined ? '' : `${opts.name}: `}entry ${hexWord(exe.entry)}${entrySym === undefined ? '' : ` <${entrySym}>`}`);
  if (segs.length > 0) {
    const table = renderTable(
      segs.map((s) => [s.name, hexWord(s.vaddr), hexWord((s.vaddr >>> 0) + s.memSize - 1), segFlagsText(s.flags), s.memSize, s.data.length]),
      { head: ['segment', 'start', 'end', 'flags', 'bytes', 'in file'] },
    );
    out.push('#', ...table.split('\n').map((l) => `#   ${l}`));
  }
  if (opts.symbols === true && exe.symbols.length > 0) {
    out.push('#', ...symbolTable(exe));
  } else if (exe.symbols.length > 0) {
    const nConst = exe.symbols.filter((s) => s.kind === SymbolKind.ABS).length;
    const nLabel = exe.symbols.length - nConst;
    out.push('#', `# ${nLabel} label${nLabel === 1 ? '' : 's'}, ${nConst} constant${nConst === 1 ? '' : 's'} (--symbols lists them)`);
  }
  // A label just past a segment (`_end:` after the last instruction) is listed after it.
  const segEnds = new Set(segs.map((s) => (s.vaddr >>> 0) + s.memSize));
  const outside = exe.symbols.filter(
    (s) => s.kind !== SymbolKind.ABS && syms.describe(s.value) === undefined && !segEnds.has(s.value >>> 0),
  );
  if (outside.length > 0) {
    out.push('#', '# labels outside every segment:');
    for (const s of outside) out.push(`#   ${s.name} = ${hexWord(s.value)}`);
  }

  for (const seg of segs) {
    const last = (seg.vaddr >>> 0) + seg.memSize - 1;
    out.push('', `${seg.name}  ${hexWord(seg.vaddr)}-${hexWord(last)}  ${segFlagsText(seg.flags)}  (${plural(seg.memSize, 'byte')}, ${seg.data.length} in the file)`, '');
    const rows = (seg.flags & SegFlag.X) !== 0 ? textRows(ctx, seg) : dataRows(ctx, seg);
    rows.push(...zeroFillRows(ctx, seg));
    const end1 = (seg.vaddr >>> 0) + seg.memSize;
    if (syms.describe(end1) === undefined) for (const name of syms.labelsAt(end1)) rows.push(`${name}:  # at ${hexWord(end1)}, the end`);
    emitRows(rows, out);
  }
  return `${out.join('\n')}\n`;
}
