// An executable in memory: what the assembler produces, what `.vmx` files hold, and what the
// loader and the kernel's disk image are built from. The binary layout is in format.ts and
// asm/README.md.

/** Segment permission flags (the same bit values as PTE R/W/X shifted down by one). */
export const SegFlag = { R: 1, W: 2, X: 4 } as const;

export interface Segment {
  /** 'text', 'data' or 'bss' for assembler output. */
  name: string;
  /** Page-aligned start address. */
  vaddr: number;
  /** Bytes in memory; the part beyond data.length is zero-filled. */
  memSize: number;
  /** SegFlag bits. */
  flags: number;
  /** The initialised bytes (file size = data.length <= memSize). */
  data: Uint8Array;
}

export const SymbolKind = { TEXT: 0, DATA: 1, BSS: 2, ABS: 3 } as const;
export type SymbolKind = (typeof SymbolKind)[keyof typeof SymbolKind];

export interface SymbolEntry {
  name: string;
  value: number;
  kind: SymbolKind;
  global: boolean;
}

/** pc -> source line. Sorted by addr; one entry per instruction or data directive emitted. */
export interface LineEntry {
  addr: number;
  /** Index into Executable.files. */
  file: number;
  line: number;
}

export interface Executable {
  entry: number;
  segments: Segment[];
  symbols: SymbolEntry[];
  /** Source file paths as given to the assembler (the main file first, then includes). */
  files: string[];
  lines: LineEntry[];
}

/** Default layout of a user program: text here, then data and bss each on the next page. */
export const USER_TEXT_BASE = 0x00001000;

/** `file:line` of the instruction at pc, or undefined if the line map does not cover it. */
export function sourceLineAt(exe: Executable, pc: number): string | undefined {
  const lines = exe.lines;
  const a = pc >>> 0;
  let lo = 0;
  let hi = lines.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (lines[mid]!.addr >>> 0 <= a) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (found < 0) return undefined;
  const e = lines[found]!;
  // Only an exact instruction address, or a data byte inside the same directive, counts.
  if (a - (e.addr >>> 0) >= 4 && found + 1 < lines.length) return undefined;
  if (!exe.segments.some((s) => a >= s.vaddr >>> 0 && a < (s.vaddr >>> 0) + s.memSize)) return undefined;
  return `${exe.files[e.file] ?? '?'}:${e.line}`;
}

/** The symbol at or before addr, for "label+offset" in listings and traces. */
export function symbolize(exe: Executable, addr: number): string | undefined {
  let best: SymbolEntry | undefined;
  const a = addr >>> 0;
  for (const s of exe.symbols) {
    if (s.kind === SymbolKind.ABS) continue;
    const v = s.value >>> 0;
    if (v <= a && (best === undefined || v > best.value >>> 0)) best = s;
  }
  if (best === undefined) return undefined;
  const off = a - (best.value >>> 0);
  return off === 0 ? best.name : `${best.name}+0x${off.toString(16)}`;
}
