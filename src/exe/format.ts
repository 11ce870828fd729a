// The .vmx executable file: its layout, a writer and a validating reader.
//
// Little-endian throughout. The first page holds the header and the segment table; each
// segment's initialised bytes start at a page-aligned file offset and are zero-padded to a
// whole page, so that a kernel can page straight from the file: block k of a segment is file
// page fileOffset / 4096 + k, for k < ceil(fileSize / 4096); pages beyond that are zero-filled.
// The symbol table, the string table, the file table and the line table follow the last
// segment's data, in that order.
//
//   header (64 bytes)
//     0  u32 magic 0x00584D56 ("VMX\0")    4  u16 version (1)      6  u16 header size (64)
//     8  u32 entry                          12 u32 segment count    16 u32 segment table offset (64)
//     20 u32 symbol count                   24 u32 symbol table offset
//     28 u32 string table offset            32 u32 string table size
//     36 u32 file count                     40 u32 file table offset
//     44 u32 line count                     48 u32 line table offset
//     52 u32 total file size                56 u32 CRC-32 of the whole file, this field as zero
//     60 u32 reserved (0)
//   segment (24 bytes): vaddr, memSize, fileSize, fileOffset, flags (SegFlag), name
//   symbol  (12 bytes): name, value, kind u8 (SymbolKind), global u8 (0/1), 2 zero bytes
//   file     (4 bytes): path
//   line    (12 bytes): addr, file index, line
//   strings: NUL-terminated UTF-8; names and paths above are byte offsets into this table.
//
// The reader trusts nothing: every count, offset, size, flag and string is checked before it
// is used, and each problem is a UserError naming the file and what is wrong.

import { crc32 } from 'node:zlib';
import { PAGE_MASK, PAGE_SIZE } from '../arch/pte.ts';
import { UserError } from '../util/errors.ts';
import { readFileChecked } from '../util/files.ts';
import { SegFlag, SymbolKind, type Executable, type LineEntry, type Segment, type SymbolEntry } from './types.ts';

export const VMX_MAGIC = 0x00584d56;
export const VMX_VERSION = 1;
export const VMX_HEADER_SIZE = 64;

/** Byte offsets of the header fields. */
export const VmxHeader = {
  MAGIC: 0,
  VERSION: 4,
  HEADER_SIZE: 6,
  ENTRY: 8,
  SEG_COUNT: 12,
  SEG_OFFSET: 16,
  SYM_COUNT: 20,
  SYM_OFFSET: 24,
  STR_OFFSET: 28,
  STR_SIZE: 32,
  FILE_COUNT: 36,
  FILE_OFFSET: 40,
  LINE_COUNT: 44,
  LINE_OFFSET: 48,
  TOTAL_SIZE: 52,
  CRC: 56,
  RESERVED: 60,
} as const;

/** Byte offsets inside a segment table entry. */
export const VmxSegment = { VADDR: 0, MEM_SIZE: 4, FILE_SIZE: 8, FILE_OFFSET: 12, FLAGS: 16, NAME: 20, SIZE: 24 } as const;
/** Byte offsets inside a symbol table entry. */
export const VmxSymbol = { NAME: 0, VALUE: 4, KIND: 8, GLOBAL: 9, PAD: 10, SIZE: 12 } as const;
/** Byte offsets inside a file table entry. */
export const VmxFile = { PATH: 0, SIZE: 4 } as const;
/** Byte offsets inside a line table entry. */
export const VmxLine = { ADDR: 0, FILE: 4, LINE: 8, SIZE: 12 } as const;

/** The header and the segment table share the first page: (4096 - 64) / 24 entries. */
export const VMX_MAX_SEGMENTS = Math.floor((PAGE_SIZE - VMX_HEADER_SIZE) / VmxSegment.SIZE);

const SEG_FLAGS_ALL = SegFlag.R | SegFlag.W | SegFlag.X;
const U32_MAX = 0xffffffff;
const ADDRESS_SPACE = 2 ** 32;
const SYMBOL_KINDS: ReadonlySet<number> = new Set(Object.values(SymbolKind));

export function hex32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

/** "r-x" for SegFlag bits. */
export function segFlagsText(flags: number): string {
  return `${flags & SegFlag.R ? 'r' : '-'}${flags & SegFlag.W ? 'w' : '-'}${flags & SegFlag.X ? 'x' : '-'}`;
}

function segLabel(i: number, name: string): string {
  return `segment ${i} ('${name}')`;
}

function roundUpToPage(n: number): number {
  return Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
}

/** An integer that is a 32-bit value read either way: -2^31 .. 2^32-1. */
function isWord(n: number): boolean {
  return Number.isInteger(n) && n >= -0x80000000 && n <= U32_MAX;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why s cannot be stored as a NUL-terminated UTF-8 string (and read back the same), if it cannot. */
function textProblem(s: string): string | undefined {
  if (s.includes('\0')) return 'contains a NUL character';
  if (LONE_SURROGATE.test(s)) return 'is not valid Unicode (an unpaired surrogate)';
  return undefined;
}

/**
 * The first problem that makes `exe` unfit to be written or run, or undefined. Both the writer
 * (which refuses such an executable) and the reader (after decoding a file) apply these rules,
 * so whatever one writes the other reads:
 * - at most VMX_MAX_SEGMENTS segments, each page-aligned, 1..2^32-1 bytes in memory, inside the
 *   32-bit space, with data.length <= memSize, flags only R/W/X, and no two overlapping;
 * - the entry point word-aligned and inside a segment with X;
 * - symbols of a known kind; names and paths valid Unicode without NUL characters;
 * - line entries sorted by address, each naming an existing file.
 * Addresses and values may be given signed or unsigned; they are compared unsigned.
 */
export function validateExecutable(exe: Executable): string | undefined {
  const segs = exe.segments;
  if (segs.length > VMX_MAX_SEGMENTS) return `too many segments (${segs.length}; at most ${VMX_MAX_SEGMENTS})`;
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i]!;
    const what = segLabel(i, s.name);
    const bad = textProblem(s.name);
    if (bad !== undefined) return `${what}: the name ${bad}`;
    if (!isWord(s.vaddr)) return `${what}: address ${s.vaddr} is not a 32-bit value`;
    const va = s.vaddr >>> 0;
    if ((va & PAGE_MASK) !== 0) return `${what}: address ${hex32(va)} is not page-aligned`;
    if (!Number.isInteger(s.memSize) || s.memSize < 1 || s.memSize > U32_MAX) {
      return `${what}: memory size ${s.memSize} is out of range (1 to ${U32_MAX})`;
    }
    if (s.data.length > s.memSize) return `${what}: file size ${s.data.length} exceeds memory size ${s.memSize}`;
    if (va + s.memSize > ADDRESS_SPACE) {
      return `${what}: ${s.memSize} bytes at ${hex32(va)} run past the end of the 32-bit address space`;
    }
    if (!Number.isInteger(s.flags) || s.flags < 0 || (s.flags & ~SEG_FLAGS_ALL) !== 0) {
      return `${what}: bad flags ${s.flags} (R=1, W=2, X=4)`;
    }
  }
  const order = segs.map((_, i) => i).sort((a, b) => (segs[a]!.vaddr >>> 0) - (segs[b]!.vaddr >>> 0));
  for (let k = 1; k < order.length; k++) {
    const p = segs[order[k - 1]!]!;
    const q = segs[order[k]!]!;
    if ((p.vaddr >>> 0) + p.memSize > q.vaddr >>> 0) {
      return `segments '${p.name}' (${hex32(p.vaddr)}+${p.memSize}) and '${q.name}' (${hex32(q.vaddr)}) overlap in memory`;
    }
  }

  if (!isWord(exe.entry)) return `entry point ${exe.entry} is not a 32-bit value`;
  const entry = exe.entry >>> 0;
  const home = segs.find((s) => entry >= s.vaddr >>> 0 && entry < (s.vaddr >>> 0) + s.memSize);
  if (home === undefined) return `entry point ${hex32(entry)} is outside every segment`;
  if ((home.flags & SegFlag.X) === 0) return `entry point ${hex32(entry)} is in segment '${home.name}', which is not executable`;
  if ((entry & 3) !== 0) return `entry point ${hex32(entry)} is not word-aligned`;

  for (let i = 0; i < exe.symbols.length; i++) {
    const s = exe.symbols[i]!;
    const bad = textProblem(s.name);
    if (bad !== undefined) return `symbol ${i}: the name ${bad}`;
    if (!isWord(s.value)) return `symbol '${s.name}': value ${s.value} is not a 32-bit value`;
    if (!SYMBOL_KINDS.has(s.kind)) return `symbol '${s.name}': unknown kind ${s.kind}`;
  }
  for (let i = 0; i < exe.files.length; i++) {
    const bad = textProblem(exe.files[i]!);
    if (bad !== undefined) return `file ${i}: the path ${bad}`;
  }
  let prev = 0;
  for (let i = 0; i < exe.lines.length; i++) {
    const l = exe.lines[i]!;
    if (!isWord(l.addr)) return `line entry ${i}: address ${l.addr} is not a 32-bit value`;
    if (!Number.isInteger(l.file) || l.file < 0 || l.file >= exe.files.length) {
      return `line entry ${i}: file index ${l.file} is out of range (${exe.files.length} files)`;
    }
    if (!Number.isInteger(l.line) || l.line < 0 || l.line > U32_MAX) return `line entry ${i}: bad line number ${l.line}`;
    const a = l.addr >>> 0;
    if (a < prev) return `line entry ${i}: address ${hex32(a)} is out of order (after ${hex32(prev)})`;
    prev = a;
  }
  return undefined;
}

/** Interns strings into one NUL-terminated UTF-8 table; offset 0 is the empty string. */
class StringTable {
  private readonly offsets = new Map<string, number>([['', 0]]);
  private readonly chunks: Uint8Array[] = [new Uint8Array(1)];
  private size = 1;
  private readonly encoder = new TextEncoder();

  add(s: string): number {
    const known = this.offsets.get(s);
    if (known !== undefined) return known;
    const bytes = this.encoder.encode(s);
    const off = this.size;
    const chunk = new Uint8Array(bytes.length + 1);
    chunk.set(bytes);
    this.chunks.push(chunk);
    this.size += chunk.length;
    this.offsets.set(s, off);
    return off;
  }

  get byteLength(): number {
    return this.size;
  }

  writeTo(out: Uint8Array, at: number): void {
    let p = at;
    for (const c of this.chunks) {
      out.set(c, p);
      p += c.length;
    }
  }
}

const ZERO_WORD = new Uint8Array(4);

/** CRC-32 (zlib's) of the whole file with the CRC field taken as zero. Allocates nothing. */
export function vmxChecksum(bytes: Uint8Array): number {
  let c = crc32(bytes.subarray(0, VmxHeader.CRC));
  c = crc32(ZERO_WORD, c);
  c = crc32(bytes.subarray(VmxHeader.CRC + 4), c);
  return c >>> 0;
}

/**
 * The .vmx bytes of `exe`, laid out as described at the top of this file. Deterministic: the
 * same executable always gives the same bytes. `exe` must pass validateExecutable (callers that
 * build it from user input check first); an invalid one is a bug and throws an Error.
 */
export function writeExecutable(exe: Executable): Uint8Array {
  const problem = validateExecutable(exe);
  if (problem !== undefined) throw new Error(`writeExecutable: invalid executable: ${problem}`);

  const strings = new StringTable();
  const segNames = exe.segments.map((s) => strings.add(s.name));
  const symNames = exe.symbols.map((s) => strings.add(s.name));
  const filePaths = exe.files.map((f) => strings.add(f));

  let off = PAGE_SIZE;
  const segOffsets = exe.segments.map((s) => {
    const at = off;
    off += roundUpToPage(s.data.length);
    return at;
  });
  const symOff = off;
  off += exe.symbols.length * VmxSymbol.SIZE;
  const strOff = off;
  off += strings.byteLength;
  off = Math.ceil(off / 4) * 4; // (not `& ~3`: offsets may pass 2^31)
  const fileOff = off;
  off += exe.files.length * VmxFile.SIZE;
  const lineOff = off;
  off += exe.lines.length * VmxLine.SIZE;
  const total = off;
  if (total > U32_MAX) throw new Error(`writeExecutable: ${total} bytes do not fit the format`);

  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  const u32 = (at: number, v: number) => dv.setUint32(at, v >>> 0, true);
  u32(VmxHeader.MAGIC, VMX_MAGIC);
  dv.setUint16(VmxHeader.VERSION, VMX_VERSION, true);
  dv.setUint16(VmxHeader.HEADER_SIZE, VMX_HEADER_SIZE, true);
  u32(VmxHeader.ENTRY, exe.entry);
  u32(VmxHeader.SEG_COUNT, exe.segments.length);
  u32(VmxHeader.SEG_OFFSET, VMX_HEADER_SIZE);
  u32(VmxHeader.SYM_COUNT, exe.symbols.length);
  u32(VmxHeader.SYM_OFFSET, symOff);
  u32(VmxHeader.STR_OFFSET, strOff);
  u32(VmxHeader.STR_SIZE, strings.byteLength);
  u32(VmxHeader.FILE_COUNT, exe.files.length);
  u32(VmxHeader.FILE_OFFSET, fileOff);
  u32(VmxHeader.LINE_COUNT, exe.lines.length);
  u32(VmxHeader.LINE_OFFSET, lineOff);
  u32(VmxHeader.TOTAL_SIZE, total);

  exe.segments.forEach((s, i) => {
    const e = VMX_HEADER_SIZE + i * VmxSegment.SIZE;
    u32(e + VmxSegment.VADDR, s.vaddr);
    u32(e + VmxSegment.MEM_SIZE, s.memSize);
    u32(e + VmxSegment.FILE_SIZE, s.data.length);
    u32(e + VmxSegment.FILE_OFFSET, segOffsets[i]!);
    u32(e + VmxSegment.FLAGS, s.flags);
    u32(e + VmxSegment.NAME, segNames[i]!);
    out.set(s.data, segOffsets[i]!);
  });
  exe.symbols.forEach((s, i) => {
    const e = symOff + i * VmxSymbol.SIZE;
    u32(e + VmxSymbol.NAME, symNames[i]!);
    u32(e + VmxSymbol.VALUE, s.value);
    out[e + VmxSymbol.KIND] = s.kind;
    out[e + VmxSymbol.GLOBAL] = s.global ? 1 : 0;
  });
  strings.writeTo(out, strOff);
  filePaths.forEach((p, i) => u32(fileOff + i * VmxFile.SIZE + VmxFile.PATH, p));
  exe.lines.forEach((l, i) => {
    const e = lineOff + i * VmxLine.SIZE;
    u32(e + VmxLine.ADDR, l.addr);
    u32(e + VmxLine.FILE, l.file);
    u32(e + VmxLine.LINE, l.line);
  });
  u32(VmxHeader.CRC, vmxChecksum(out));
  return out;
}

/** A table's place in the file, for the bounds and overlap checks. */
interface Region {
  what: string;
  start: number;
  end: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes and validates a .vmx file. Returns an Executable whose addresses and values are
 * unsigned and whose segment data are copies (the caller may reuse `bytes`). Any problem
 * throws UserError `NAME: what is wrong` — bad magic, unsupported version, truncation, checksum
 * mismatch, any count, offset, size or string out of range, misaligned or overlapping
 * segments, non-zero padding, bad flags or kinds, unsorted line entries, an entry point
 * outside executable code. No other exception escapes for any input.
 */
export function readExecutable(bytes: Uint8Array, name: string): Executable {
  const fail = (msg: string): UserError => new UserError(`${name}: ${msg}`);
  const len = bytes.length;
  if (len === 0) throw fail('empty file (not a vmlab executable)');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (len < 4 || dv.getUint32(VmxHeader.MAGIC, true) !== VMX_MAGIC) throw fail('not a vmlab executable (bad magic)');
  if (len < VMX_HEADER_SIZE) throw fail(`truncated (expected at least ${VMX_HEADER_SIZE} bytes, got ${len})`);
  const u32 = (at: number) => dv.getUint32(at, true);

  const version = dv.getUint16(VmxHeader.VERSION, true);
  if (version !== VMX_VERSION) throw fail(`unsupported format version ${version} (this vmlab reads version ${VMX_VERSION})`);
  const headerSize = dv.getUint16(VmxHeader.HEADER_SIZE, true);
  if (headerSize !== VMX_HEADER_SIZE) throw fail(`bad header size ${headerSize} (expected ${VMX_HEADER_SIZE})`);
  const total = u32(VmxHeader.TOTAL_SIZE);
  if (len < total) throw fail(`truncated (expected ${total} bytes, got ${len})`);
  if (len > total) throw fail(`${len - total} unexpected bytes after the end (expected ${total} bytes, got ${len})`);
  if (vmxChecksum(bytes) !== u32(VmxHeader.CRC)) throw fail('checksum mismatch (file corrupt)');
  if (u32(VmxHeader.RESERVED) !== 0) throw fail('reserved header field is not zero');
  if (len < PAGE_SIZE) throw fail(`the header page is incomplete (${len} bytes; expected at least ${PAGE_SIZE})`);

  const segCount = u32(VmxHeader.SEG_COUNT);
  if (segCount > VMX_MAX_SEGMENTS) throw fail(`too many segments (${segCount}; at most ${VMX_MAX_SEGMENTS})`);
  const segTable = u32(VmxHeader.SEG_OFFSET);
  if (segTable !== VMX_HEADER_SIZE) throw fail(`segment table at offset ${segTable} (expected ${VMX_HEADER_SIZE})`);
  const segTableEnd = segTable + segCount * VmxSegment.SIZE;
  for (let p = segTableEnd; p < PAGE_SIZE; p++) {
    if (bytes[p] !== 0) throw fail(`non-zero byte at offset ${p}, in the padding of the header page`);
  }

  // The string table first: every name below points into it.
  const strOff = u32(VmxHeader.STR_OFFSET);
  const strSize = u32(VmxHeader.STR_SIZE);
  if (strOff + strSize > len) throw fail(`string table (${strSize} bytes at offset ${strOff}) extends past the end of the file`);
  // nulAt[k]: the table offset of the first NUL at or after k, or -1; one pass, so that
  // looking up many names stays linear in the size of the file whatever they point at.
  const nulAt = new Int32Array(strSize);
  for (let k = strSize - 1, next = -1; k >= 0; k--) {
    if (bytes[strOff + k] === 0) next = k;
    nulAt[k] = next;
  }
  const str = (off: number, what: string): string => {
    if (off >= strSize) throw fail(`${what}: string offset ${off} is outside the string table (${strSize} bytes)`);
    const end = nulAt[off]!;
    if (end < 0) throw fail(`${what}: the string at offset ${off} is not NUL-terminated`);
    try {
      return utf8.decode(bytes.subarray(strOff + off, strOff + end));
    } catch {
      throw fail(`${what}: the string at offset ${off} is not valid UTF-8`);
    }
  };

  // Segment data: page-aligned, in segment order, after the header page, zero-padded to a page.
  const segments: Segment[] = [];
  let dataEnd = PAGE_SIZE;
  for (let i = 0; i < segCount; i++) {
    const e = segTable + i * VmxSegment.SIZE;
    const segName = str(u32(e + VmxSegment.NAME), `segment ${i}`);
    const what = segLabel(i, segName);
    const vaddr = u32(e + VmxSegment.VADDR);
    const memSize = u32(e + VmxSegment.MEM_SIZE);
    const fileSize = u32(e + VmxSegment.FILE_SIZE);
    const fileOffset = u32(e + VmxSegment.FILE_OFFSET);
    const flags = u32(e + VmxSegment.FLAGS);
    if ((vaddr & PAGE_MASK) !== 0) throw fail(`${what}: address ${hex32(vaddr)} is not page-aligned`);
    if (memSize === 0) throw fail(`${what}: memory size is 0`);
    if (fileSize > memSize) throw fail(`${what}: file size ${fileSize} exceeds memory size ${memSize}`);
    if (vaddr + memSize > ADDRESS_SPACE) {
      throw fail(`${what}: ${memSize} bytes at ${hex32(vaddr)} run past the end of the 32-bit address space`);
    }
    if ((flags & ~SEG_FLAGS_ALL) !== 0) throw fail(`${what}: bad flags ${hex32(flags)} (R=1, W=2, X=4)`);
    if ((fileOffset & PAGE_MASK) !== 0) throw fail(`${what}: file offset ${fileOffset} is not page-aligned`);
    let data = new Uint8Array(0);
    if (fileSize > 0) {
      if (fileOffset < dataEnd) {
        throw fail(`${what}: data at file offset ${fileOffset} overlaps ${i === 0 || dataEnd === PAGE_SIZE ? 'the header page' : 'the previous segment'}`);
      }
      const padded = fileOffset + roundUpToPage(fileSize);
      if (padded > len) throw fail(`${what}: data (${fileSize} bytes at offset ${fileOffset}, padded to a page) extend past the end of the file`);
      for (let p = fileOffset + fileSize; p < padded; p++) {
        if (bytes[p] !== 0) throw fail(`${what}: non-zero byte at file offset ${p}, in the padding after its data`);
      }
      data = bytes.slice(fileOffset, fileOffset + fileSize);
      dataEnd = padded;
    }
    segments.push({ name: segName, vaddr, memSize, flags, data });
  }

  // The tables: inside the file, after the segment data, not overlapping one another.
  const symCount = u32(VmxHeader.SYM_COUNT);
  const fileCount = u32(VmxHeader.FILE_COUNT);
  const lineCount = u32(VmxHeader.LINE_COUNT);
  const regions: Region[] = [
    { what: 'symbol table', start: u32(VmxHeader.SYM_OFFSET), end: 0 },
    { what: 'string table', start: strOff, end: strOff + strSize },
    { what: 'file table', start: u32(VmxHeader.FILE_OFFSET), end: 0 },
    { what: 'line table', start: u32(VmxHeader.LINE_OFFSET), end: 0 },
  ];
  regions[0]!.end = regions[0]!.start + symCount * VmxSymbol.SIZE;
  regions[2]!.end = regions[2]!.start + fileCount * VmxFile.SIZE;
  regions[3]!.end = regions[3]!.start + lineCount * VmxLine.SIZE;
  for (const r of regions) {
    if (r.end > len) throw fail(`${r.what} (${r.end - r.start} bytes at offset ${r.start}) extends past the end of the file`);
    if (r.end > r.start && r.start < dataEnd) throw fail(`${r.what} at offset ${r.start} overlaps the segment data (which end at ${dataEnd})`);
  }
  const used = regions.filter((r) => r.end > r.start).sort((a, b) => a.start - b.start);
  for (let k = 1; k < used.length; k++) {
    if (used[k - 1]!.end > used[k]!.start) throw fail(`${used[k - 1]!.what} and ${used[k]!.what} overlap`);
  }

  const symbols: SymbolEntry[] = [];
  for (let i = 0; i < symCount; i++) {
    const e = regions[0]!.start + i * VmxSymbol.SIZE;
    const symName = str(u32(e + VmxSymbol.NAME), `symbol ${i}`);
    const kind = bytes[e + VmxSymbol.KIND]!;
    const global = bytes[e + VmxSymbol.GLOBAL]!;
    if (!SYMBOL_KINDS.has(kind)) throw fail(`symbol '${symName}': unknown kind ${kind}`);
    if (global > 1) throw fail(`symbol '${symName}': bad global flag ${global}`);
    if (bytes[e + VmxSymbol.PAD] !== 0 || bytes[e + VmxSymbol.PAD + 1] !== 0) throw fail(`symbol '${symName}': padding is not zero`);
    symbols.push({ name: symName, value: u32(e + VmxSymbol.VALUE), kind: kind as SymbolKind, global: global === 1 });
  }
  const files: string[] = [];
  for (let i = 0; i < fileCount; i++) files.push(str(u32(regions[2]!.start + i * VmxFile.SIZE + VmxFile.PATH), `file ${i}`));
  const lines: LineEntry[] = [];
  for (let i = 0; i < lineCount; i++) {
    const e = regions[3]!.start + i * VmxLine.SIZE;
    lines.push({ addr: u32(e + VmxLine.ADDR), file: u32(e + VmxLine.FILE), line: u32(e + VmxLine.LINE) });
  }

  const exe: Executable = { entry: u32(VmxHeader.ENTRY), segments, symbols, files, lines };
  const problem = validateExecutable(exe);
  if (problem !== undefined) throw fail(problem);
  return exe;
}

/**
 * Reads and validates the executable at `path`. A missing, unreadable or empty file, a
 * directory, or a corrupt executable is a UserError naming the path.
 */
export function loadExecutableFile(path: string): Executable {
  return readExecutable(readFileChecked(path), path);
}
