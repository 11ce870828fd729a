// What the debugger prints: registers, the TLB, a walk, a process's page tables, the frame map,
// memory words, disassembly with source lines. Each function returns text (lines joined by
// '\n', no trailing newline) and only reads the machine: see debug-memory.ts for how memory is
// looked at without side effects. Tables are aligned with renderTable.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Irq, Status } from '../arch/csr.ts';
import { KSEG_BASE } from '../arch/memmap.ts';
import { PAGE_SHIFT, PAGE_SIZE, Pte, decodeMmuCfg } from '../arch/pte.ts';
import { NUM_REGS, REG_NAMES } from '../arch/registers.ts';
import { causeText } from '../arch/traps.ts';
import { disassembleWord } from '../disasm/index.ts';
import { symbolIndex } from '../disasm/symbols.ts';
import { sourceLineAt } from '../exe/types.ts';
import type { Machine } from '../machine/machine.ts';
import type { Tlb } from '../machine/mmu/tlb.ts';
import type { ProcessInfo } from '../os/processes.ts';
import { formatNumber, renderTable, type Cell } from '../util/table.ts';
import {
  flagLetters, hex8, hexPfn, notPresentText, peekPhys, peekVirt, peekWalk, scanTables, swapSlotOf, walkEndText,
  type PeekResult,
} from './debug-memory.ts';
import { imageFor, type Image } from './debug-symbols.ts';

/** What the views need from the debugger. */
export interface ViewContext {
  readonly m: Machine;
  readonly images: readonly Image[];
  /** The kernel's processes (empty for a bare program). */
  readonly processes: readonly ProcessInfo[];
  /** Root table of each process that has started (from the kernel's PROC_START event). */
  readonly roots: ReadonlyMap<number, number>;
  /** The user frame pool from the boot block; null for a bare program. */
  readonly pool: { firstPfn: number; frames: number } | null;
  /** Ids of the breakpoints set at addr (for process pid, or any). */
  breakpointsAt(addr: number, pid: number | null): number[];
}

// ---- names and places --------------------------------------------------------------------------

/** A source path as short as it can be said: relative to the working directory when inside it. */
export function shortPath(p: string): string {
  if (!path.isAbsolute(p)) return p;
  const rel = path.relative(process.cwd(), p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

/** `file:line` with the file shortened, or ''. */
function lineOf(im: Image | undefined, addr: number): string {
  if (im === undefined) return '';
  const l = sourceLineAt(im.exe, addr >>> 0);
  if (l === undefined) return '';
  const i = l.lastIndexOf(':');
  return `${shortPath(l.slice(0, i))}${l.slice(i)}`;
}

/** The pid whose address space is current: the ASID, when a process has it. */
export function currentPid(ctx: ViewContext): number | null {
  const asid = ctx.m.mmu.asid;
  return ctx.processes.some((p) => p.pid === asid) ? asid : null;
}

/** `pid 1 (hello.s)`, or `pid 7` for a pid the loader does not know. */
export function processName(ctx: ViewContext, pid: number): string {
  const p = ctx.processes.find((q) => q.pid === pid);
  return p === undefined ? `pid ${pid}` : `pid ${pid} (${p.name})`;
}

/**
 * `0x00001000 <_start>  asm/examples/hello.s:12`: an address with its symbol and source line,
 * in the kernel's image or (user space) process pid's.
 */
export function placeText(ctx: ViewContext, addr: number, pid: number | null): string {
  const im = imageFor(ctx.images, addr, pid);
  const parts = [hex8(addr)];
  if (im !== undefined) {
    const sym = symbolIndex(im.exe).describe(addr >>> 0);
    if (sym !== undefined) parts.push(`<${sym}>`);
    const line = lineOf(im, addr);
    if (line !== '') parts.push(line);
  }
  return parts.join('  ');
}

/** Source files' lines, read once (null: unreadable, then only `file:line` is shown). */
const sourceCache = new Map<string, string[] | null>();

function sourceText(file: string, line: number): string | undefined {
  let lines = sourceCache.get(file);
  if (lines === undefined) {
    try {
      lines = readFileSync(file, 'utf8').split(/\r?\n/);
    } catch {
      lines = null;
    }
    sourceCache.set(file, lines);
  }
  const t = lines?.[line - 1];
  return t === undefined ? undefined : t.trim();
}

/** The line of source at an exact line-map address: `file:line  text`, or undefined. */
function sourceAt(im: Image, addr: number): { key: string; text: string } | undefined {
  const l = sourceLineAt(im.exe, addr >>> 0);
  if (l === undefined) return undefined;
  const i = l.lastIndexOf(':');
  const file = l.slice(0, i);
  const line = Number(l.slice(i + 1));
  const text = sourceText(file, line);
  return { key: l, text: `${shortPath(file)}:${line}${text === undefined || text === '' ? '' : `  ${text}`}` };
}

/**
 * The root table that maps user space for process pid (from its PROC_START), or with pid null
 * the current one (PTBR). Null when there is none: the process has not started, or PTBR is 0
 * (the kernel, or a bare program, lives at physical 0: no table can be there).
 */
export function rootFor(ctx: ViewContext, pid: number | null): number | null {
  const root = pid === null ? ctx.m.mmu.ptbr >>> 0 : ctx.roots.get(pid);
  return root === undefined || root === 0 ? null : root;
}

/** The instruction word at addr for display: from memory, else from the executable's bytes. */
function instructionAt(ctx: ViewContext, addr: number, pid: number | null): { word: number; note: string } | { why: string } {
  const r = peekVirt(ctx.m, addr >>> 0 >= KSEG_BASE ? null : rootFor(ctx, pid), addr);
  if (r.ok) return { word: r.value, note: '' };
  const im = imageFor(ctx.images, addr, pid);
  if (im !== undefined) {
    for (const s of im.exe.segments) {
      const off = (addr >>> 0) - (s.vaddr >>> 0);
      if (off >= 0 && off + 4 <= s.data.length) {
        const d = s.data;
        return { word: (d[off]! | (d[off + 1]! << 8) | (d[off + 2]! << 16) | (d[off + 3]! << 24)) >>> 0, note: '(not in memory yet: from the executable)' };
      }
    }
  }
  return { why: r.why };
}

/** One disassembled line: marker, address, word, instruction. */
function instructionLine(ctx: ViewContext, addr: number, pid: number | null, marker: string): string {
  const im = imageFor(ctx.images, addr, pid);
  const got = instructionAt(ctx, addr, pid);
  if ('why' in got) return `${marker} ${(addr >>> 0).toString(16).padStart(8, '0')}:  --------  (${got.why})`;
  const text = disassembleWord(got.word, addr, im?.exe);
  const sp = text.indexOf(' ');
  const spread = sp < 0 ? text : text.slice(0, sp).padEnd(8) + text.slice(sp + 1);
  return `${marker} ${(addr >>> 0).toString(16).padStart(8, '0')}:  ${got.word.toString(16).padStart(8, '0')}  ${spread}${got.note === '' ? '' : `  ${got.note}`}`;
}

/**
 * Where the machine is: `pid 1 (hello.s), user mode, cycle 1,234`, the source line, and the
 * next instruction (marked `=>`).
 */
export function formatHere(ctx: ViewContext): string {
  const m = ctx.m;
  const pid = currentPid(ctx);
  const who = m.user ? (pid === null ? `asid ${m.mmu.asid}, user mode` : `${processName(ctx, pid)}, user mode`) : 'kernel mode';
  const out = [`at ${placeText(ctx, m.pc, pid)};  ${who}, cycle ${formatNumber(m.cycles)}`];
  const im = imageFor(ctx.images, m.pc, pid);
  const src = im === undefined ? undefined : sourceAt(im, m.pc);
  if (src !== undefined) out.push(`    ${src.text}`);
  out.push(instructionLine(ctx, m.pc, pid, '=>'));
  return out.join('\n');
}

// ---- regs --------------------------------------------------------------------------------------

function bitNames(value: number, bits: Readonly<Record<string, number>>): string {
  const names = Object.entries(bits)
    .filter(([, b]) => (value & b) !== 0)
    .map(([n]) => n);
  return names.length === 0 ? '-' : names.join(' ');
}

/** The sixteen registers (hex and signed decimal), pc, and the control registers decoded. */
export function formatRegs(ctx: ViewContext): string {
  const m = ctx.m;
  const pid = currentPid(ctx);
  const lines: string[] = [];
  const mode = m.user ? 'user' : 'kernel';
  lines.push(`pc        ${placeText(ctx, m.pc, pid)}`);
  lines.push(`mode      ${mode}${pid === null ? '' : `, ${processName(ctx, pid)}`}, interrupts ${(m.status & Status.IE) !== 0 ? 'on' : 'off'}`);
  const half = NUM_REGS / 2;
  const cell = (r: number) => {
    const v = m.regs[r]!;
    return `${`r${r}`.padEnd(3)} ${REG_NAMES[r]!.padEnd(4)}  ${hex8(v)}  ${String(v | 0).padStart(11)}`;
  };
  for (let r = 0; r < half; r++) lines.push(`${cell(r)}     ${cell(r + half)}`);
  const pairs: [string, string][] = [];
  pairs.push(['status', `${hex8(m.status)}  ${bitNames(m.status, Status)}`]);
  pairs.push(['cause', `${hex8(m.cause)}  ${m.cause === 0 ? 'none yet' : causeText(m.cause)}`]);
  // EPC and BADVADDR belong to the process that trapped: the one whose ASID is current.
  pairs.push(['epc', placeText(ctx, m.epc, pid)]);
  pairs.push(['badvaddr', hex8(m.badvaddr)]);
  pairs.push(['tvec', m.tvec === 0 ? `${hex8(0)}  none` : placeText(ctx, m.tvec, null)]);
  pairs.push(['ptbr', hex8(m.mmu.ptbr)]);
  pairs.push(['asid', `${m.mmu.asid}${pid === null ? '' : `  ${processName(ctx, pid)}`}`]);
  pairs.push(['timecmp', `${hex8(m.timer.compare)}${m.timer.deadline === Infinity ? (m.timer.pending ? '  fired' : '  not armed') : `  fires at cycle ${formatNumber(m.timer.deadline)}`}`]);
  pairs.push(['ip', `${hex8(m.ip())}  ${bitNames(m.ip(), Irq)}`]);
  pairs.push(['im', `${hex8(m.im)}  ${bitNames(m.im, Irq)}`]);
  pairs.push(['scratch', Array.from(m.scratch, (v) => hex8(v)).join(' ')]);
  const g = decodeMmuCfg(m.mmucfg);
  pairs.push(['mmucfg', `${hex8(m.mmucfg)}  ${g.length} level${g.length === 1 ? '' : 's'} (${g.join('+')} index bits)`]);
  pairs.push(['cycles', `${formatNumber(m.cycles)}  (instructions retired ${formatNumber(m.instret)})`]);
  const w = Math.max(...pairs.map(([k]) => k.length));
  for (const [k, v] of pairs) lines.push(`${k.padEnd(Math.max(w, 8))}  ${v}`);
  return lines.join('\n');
}

// ---- tlb ---------------------------------------------------------------------------------------

function tlbTable(ctx: ViewContext, t: Tlb): string {
  const rows: Cell[][] = t.snapshot().map((e) => {
    const p = ctx.processes.find((q) => q.pid === e.asid);
    return [
      e.entry, e.set, e.way, hexPfn(e.vpn), hex8(e.vpn << PAGE_SHIFT), e.asid,
      (e.perm & Pte.G) !== 0 ? '(global)' : (p?.name ?? ''), hexPfn(e.pfn), flagLetters(e.perm),
    ];
  });
  if (rows.length === 0) return '  (empty)';
  return renderTable(rows, {
    head: ['entry', 'set', 'way', 'vpn', 'page', 'asid', 'process', 'pfn', 'RWXUGAD'],
    align: ['r', 'r', 'r', 'l', 'l', 'r', 'l', 'l', 'l'],
    indent: 2,
  });
}

/** The valid TLB entries (both TLBs when split), in entry order. */
export function formatTlb(ctx: ViewContext): string {
  const mmu = ctx.m.mmu;
  const it = mmu.itlb;
  const dt = mmu.dtlb;
  if (it === null || dt === null) return 'no TLB (--no-tlb): every user-space access walks the page tables';
  const shape = (t: Tlb) => {
    const kind = t.ways === t.entries ? 'fully associative' : t.ways === 1 ? 'direct-mapped' : `${t.ways}-way set associative`;
    return `${t.entries} entries, ${kind} (${t.sets} set${t.sets === 1 ? '' : 's'} of ${t.ways}), ${t.policy}`;
  };
  const valid = (t: Tlb) => t.snapshot().length;
  if (it === dt) return `TLB: ${shape(it)}; ${valid(it)} valid\n${tlbTable(ctx, it)}`;
  return [
    `instruction TLB: ${shape(it)}; ${valid(it)} valid`,
    tlbTable(ctx, it),
    `data TLB: ${shape(dt)}; ${valid(dt)} valid`,
    tlbTable(ctx, dt),
  ].join('\n');
}

// ---- walk --------------------------------------------------------------------------------------

function rangeText(base: number, span: number): string {
  return span === PAGE_SIZE ? hex8(base) : `${hex8(base)}-${hex8(base + span - 1)}`;
}

/** What one PTE says, in words. */
function pteMeaning(pte: number, level: number, levels: number): string {
  if ((pte & Pte.V) === 0) return notPresentText(pte);
  if ((pte & (Pte.R | Pte.W | Pte.X)) === 0)
    return level === levels - 1 ? 'a pointer at the last level (a page fault)' : `table at ${hex8((pte >>> Pte.PFN_SHIFT) * PAGE_SIZE)}`;
  return `${level === levels - 1 ? 'frame' : 'superpage at frame'} ${hexPfn(pte >>> Pte.PFN_SHIFT)}  ${flagLetters(pte)}`;
}

/** The walk of va from `root`, a row per level, then where it ends. `who` names the tables. */
export function formatWalk(ctx: ViewContext, va: number, root: number, who: string): string {
  const m = ctx.m;
  const g = m.cfg.geometry;
  const a = va >>> 0;
  if (a >= KSEG_BASE) return `${hex8(a)} is in the kernel segment: not translated (physical ${hex8(a - KSEG_BASE)})`;
  const w = peekWalk(m.mem32, g, root, a);
  const head = `walk of ${hex8(a)} in ${who}: root table ${hex8(w.root)}, ${g.length} level${g.length === 1 ? '' : 's'} (${g.join('+')} index bits)`;
  const rows = w.steps.map((s) => [s.level, s.index, hex8(s.pteAddr), hex8(s.pte), rangeText(s.base, s.span), pteMeaning(s.pte, s.level, g.length)]);
  const table = renderTable(rows, { head: ['level', 'index', 'entry at', 'PTE', 'covers', 'meaning'], align: ['r', 'r', 'l', 'l', 'l', 'l'], indent: 2 });
  const e = w.end;
  let tail: string;
  if (e.kind === 'leaf') tail = `  => physical ${hex8(e.pa)} (frame ${hexPfn(e.pfn)}, offset 0x${(a & (PAGE_SIZE - 1)).toString(16).padStart(3, '0')})`;
  else if (e.kind === 'outside-ram') tail = `  => no translation: ${walkEndText(w)}`;
  else tail = `  => no translation: an access here takes a page fault`;
  return [head, table, tail].join('\n');
}

// ---- pt ----------------------------------------------------------------------------------------

interface Run {
  kind: 'leaf' | 'swap' | 'other' | 'broken' | 'outside';
  base: number;
  pages: number;
  /** leaf: first frame; swap: first slot; other/broken: the PTE; outside: the PA. */
  first: number;
  flags: number;
  level: number;
  text: string;
}

/**
 * The page-table tree of the tables at `root`: each table with the VA range it covers, and in
 * it runs of entries that continue one another (consecutive pages in consecutive frames with
 * the same flags; consecutive swap slots), then a summary. All-zero entries (never loaded) are
 * left out.
 */
export function formatPageTables(ctx: ViewContext, root: number, who: string): string {
  const m = ctx.m;
  const g = m.cfg.geometry;
  const lines: string[] = [`page tables of ${who}: root table ${hex8(root & ~(PAGE_SIZE - 1))}, ${g.length} level${g.length === 1 ? '' : 's'} (${g.join('+')} index bits)`];
  let run: Run | null = null;
  let present = 0;
  let accessed = 0;
  let dirty = 0;
  let swapped = 0;
  let tables = 0;
  const indent = (level: number) => '  '.repeat(level + 1);
  const flush = () => {
    if (run === null) return;
    const r: Run = run;
    const span = r.pages * PAGE_SIZE;
    const range = rangeText(r.base, span).padEnd(21);
    const count = `${r.pages} page${r.pages === 1 ? '' : 's'}`.padEnd(11);
    let what: string;
    if (r.kind === 'leaf') {
      what = `${r.pages === 1 ? 'frame' : 'frames'} ${hexPfn(r.first)}${r.pages === 1 ? '' : `-${hexPfn(r.first + r.pages - 1)}`}`.padEnd(24) + flagLetters(r.flags);
      if (r.level < g.length - 1) what += '  (superpage)';
    } else if (r.kind === 'swap') what = `not present, swapped: slot${r.pages === 1 ? ` ${r.first}` : `s ${r.first}-${r.first + r.pages - 1}`}`;
    else what = r.text;
    lines.push(`${indent(r.level)}${range}  ${count}${what}`);
    run = null;
  };
  const extend = (next: Run) => {
    const r = run;
    if (
      r !== null && r.kind === next.kind && r.level === next.level && r.base + r.pages * PAGE_SIZE === next.base &&
      ((r.kind === 'leaf' && r.flags === next.flags && r.first + r.pages === next.first) ||
        (r.kind === 'swap' && r.first + r.pages === next.first) ||
        (r.kind === 'other' && r.first === next.first))
    ) {
      r.pages += next.pages;
      return;
    }
    flush();
    run = next;
  };
  scanTables(m.mem32, g, root, {
    table(level, pa, base, span) {
      flush();
      if (level === 0) return;
      tables++;
      lines.push(`${indent(level - 1)}${rangeText(base, span).padEnd(21)}  table at ${hex8(pa)}`);
    },
    leaf(level, base, pages, pfn, pte) {
      present += pages;
      if ((pte & Pte.A) !== 0) accessed += pages;
      if ((pte & Pte.D) !== 0) dirty += pages;
      extend({ kind: 'leaf', base, pages, first: pfn, flags: pte & 0xff, level, text: '' });
    },
    absent(level, base, span, pte) {
      const slot = swapSlotOf(pte);
      const pages = span / PAGE_SIZE;
      if (slot >= 0 && pages === 1) {
        swapped++;
        extend({ kind: 'swap', base, pages, first: slot, flags: 0, level, text: '' });
      } else extend({ kind: 'other', base, pages, first: pte, flags: 0, level, text: notPresentText(pte) });
    },
    broken(level, base, span, pte, why) {
      flush();
      run = { kind: 'broken', base, pages: span / PAGE_SIZE, first: pte, flags: 0, level, text: `PTE ${hex8(pte)}: ${why} (a page fault)` };
      flush();
    },
    outside(level, base, span, pa) {
      flush();
      run = { kind: 'outside', base, pages: span / PAGE_SIZE, first: pa, flags: 0, level, text: `entries from ${hex8(pa)} are outside RAM (a bus error)` };
      flush();
    },
  });
  flush();
  lines.push(
    `${present} page${present === 1 ? '' : 's'} present (${accessed} accessed, ${dirty} dirty), ${swapped} swapped out, ` +
      `${tables} table${tables === 1 ? '' : 's'} below the root`,
  );
  return lines.join('\n');
}

// ---- frames ------------------------------------------------------------------------------------

interface Owner {
  pid: number;
  va: number;
  pte: number;
}

/** Which pages of live processes each user frame holds (from their page tables). */
export function frameOwners(ctx: ViewContext): Map<number, Owner[]> {
  const owners = new Map<number, Owner[]>();
  const m = ctx.m;
  for (const p of ctx.processes) {
    const root = ctx.roots.get(p.pid);
    if (p.status !== 'running' || root === undefined) continue;
    scanTables(m.mem32, m.cfg.geometry, root, {
      leaf(_level, base, pages, pfn, pte) {
        for (let k = 0; k < pages; k++) {
          const list = owners.get(pfn + k) ?? [];
          list.push({ pid: p.pid, va: base + k * PAGE_SIZE, pte });
          owners.set(pfn + k, list);
        }
      },
    });
  }
  return owners;
}

/** The frame map of the user pool: each frame's owner and page, its A and D bits; runs of free frames. */
export function formatFrames(ctx: ViewContext): string {
  const pool = ctx.pool;
  if (pool === null) return 'no user frame pool: a bare program runs without the kernel';
  const owners = frameOwners(ctx);
  const rows: Cell[][] = [];
  let used = 0;
  let freeFrom = -1;
  const endFree = (f: number) => {
    if (freeFrom < 0) return;
    const n = f - freeFrom;
    const idx = n === 1 ? String(freeFrom) : `${freeFrom}-${f - 1}`;
    const pfns = n === 1 ? hexPfn(pool.firstPfn + freeFrom) : `${hexPfn(pool.firstPfn + freeFrom)}-${hexPfn(pool.firstPfn + f - 1)}`;
    rows.push([idx, pfns, `free${n === 1 ? '' : ` (${n} frames)`}`, '', '', '', '']);
    freeFrom = -1;
  };
  for (let f = 0; f < pool.frames; f++) {
    const list = owners.get(pool.firstPfn + f);
    if (list === undefined) {
      if (freeFrom < 0) freeFrom = f;
      continue;
    }
    endFree(f);
    used++;
    for (const o of list) {
      rows.push([
        String(f), hexPfn(pool.firstPfn + f), processName(ctx, o.pid), hex8(o.va), flagLetters(o.pte).slice(0, 5),
        (o.pte & Pte.A) !== 0 ? 'yes' : 'no', (o.pte & Pte.D) !== 0 ? 'yes' : 'no',
      ]);
    }
  }
  endFree(pool.frames);
  const last = pool.firstPfn + pool.frames - 1;
  const head =
    `user frames: ${pool.frames} (pfn ${hexPfn(pool.firstPfn)}-${hexPfn(last)}, physical ${hex8(pool.firstPfn * PAGE_SIZE)}-${hex8((last + 1) * PAGE_SIZE - 1)}): ` +
    `${used} in use, ${pool.frames - used} free`;
  const table = renderTable(rows, { head: ['frame', 'pfn', 'holds', 'page', 'RWXUG', 'accessed', 'dirty'], align: ['r', 'l', 'l', 'l', 'l', 'l', 'l'], indent: 2 });
  return `${head}\n${table}\n(free: no live process maps it; a page still coming in from the disk is not mapped yet)`;
}

// ---- mem ---------------------------------------------------------------------------------------

const WORDS_PER_ROW = 4;

/**
 * `n` words from `addr` (rounded down to a word): physical when `root` is 'phys', else virtual,
 * user space through the tables at `root`. Rows of four words with their bytes as ASCII; then
 * the page each user-space row went through, or why it could not be read.
 */
export function formatMem(ctx: ViewContext, addr: number, n: number, root: number | null | 'phys', who: string): string {
  const m = ctx.m;
  const start = ((addr >>> 0) & ~3) >>> 0;
  const lines: string[] = [who];
  const notes = new Map<number, string>();
  for (let i = 0; i < n; i += WORDS_PER_ROW) {
    const rowAddr = start + i * 4;
    if (rowAddr > 0xffffffff) break;
    const words: string[] = [];
    let ascii = '';
    for (let k = 0; k < WORDS_PER_ROW && i + k < n; k++) {
      const a = rowAddr + k * 4;
      if (a > 0xfffffffc) break;
      let r: PeekResult;
      if (root === 'phys') r = peekPhys(m, a);
      else r = peekVirt(m, a >= KSEG_BASE ? null : root, a);
      if (r.ok) {
        words.push(r.value.toString(16).padStart(8, '0'));
        for (let b = 0; b < 4; b++) {
          const c = (r.value >>> (8 * b)) & 0xff;
          ascii += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
        }
        if (root !== 'phys' && a < KSEG_BASE) {
          const page = a - (a % PAGE_SIZE);
          if (!notes.has(page)) notes.set(page, `page ${hex8(page)} -> frame ${hexPfn(r.pa >>> PAGE_SHIFT)}`);
        }
      } else {
        words.push('--------');
        ascii += '....';
        const page = a - (a % PAGE_SIZE);
        if (!notes.has(page)) notes.set(page, `${root === 'phys' ? `physical ${hex8(a)}` : `page ${hex8(page)}`}: ${r.why}`);
      }
    }
    lines.push(`  ${rowAddr.toString(16).padStart(8, '0')}:  ${words.join(' ').padEnd(WORDS_PER_ROW * 9 - 1)}  |${ascii}|`);
  }
  for (const note of notes.values()) lines.push(`  ${note}`);
  return lines.join('\n');
}

// ---- disasm ------------------------------------------------------------------------------------

/**
 * `n` instructions from `start` in process pid's view (or the kernel's): labels on their own
 * lines, each new source line before the instructions it produced, `=>` at pc and `*` at a
 * breakpoint.
 */
export function formatDisasm(ctx: ViewContext, start: number, n: number, pid: number | null): string {
  const m = ctx.m;
  const out: string[] = [];
  let lastSrc = '';
  for (let i = 0; i < n; i++) {
    const addr = (start + 4 * i) >>> 0;
    if (i > 0 && addr === 0) break;
    const im = imageFor(ctx.images, addr, pid);
    if (im !== undefined) {
      for (const label of symbolIndex(im.exe).labelsAt(addr)) out.push(`${label}:`);
      const src = sourceAt(im, addr);
      if (src !== undefined && src.key !== lastSrc) {
        out.push(`        ${src.text}`);
        lastSrc = src.key;
      }
    }
    const here = addr === m.pc >>> 0 && (addr >= KSEG_BASE || pid === currentPid(ctx));
    const bp = ctx.breakpointsAt(addr, pid).length > 0;
    out.push(instructionLine(ctx, addr, pid, `${here ? '=>' : '  '}${bp ? '*' : ' '}`));
  }
  return out.join('\n');
}

// ---- ps ----------------------------------------------------------------------------------------

/** The kernel's processes: status, exit code, root table, resident pages, page faults. */
export function formatProcesses(ctx: ViewContext): string {
  if (ctx.processes.length === 0) return 'no processes: a bare program runs without the kernel';
  const m = ctx.m;
  const rows = ctx.processes.map((p) => {
    const root = ctx.roots.get(p.pid);
    let resident: Cell = '';
    if (root !== undefined && p.status === 'running') {
      let n = 0;
      scanTables(m.mem32, m.cfg.geometry, root, { leaf: (_l, _b, pages) => void (n += pages) });
      resident = n;
    }
    const here = currentPid(ctx) === p.pid && p.status === 'running' ? '*' : '';
    return [`${here}${p.pid}`, p.name, p.status, p.exitCode ?? '', root === undefined ? '' : hex8(root), resident, m.pageFaultsByAsid[p.pid] ?? 0, p.message ?? ''];
  });
  const table = renderTable(rows, {
    head: ['pid', 'program', 'status', 'exit', 'root table', 'resident', 'page faults', 'why it ended'],
    align: ['r', 'l', 'l', 'r', 'l', 'r', 'r', 'l'],
  });
  return rows.some((r) => String(r[0]).startsWith('*')) ? `${table}
(* the current process)` : table;
}
