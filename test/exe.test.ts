import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { PAGE_SIZE } from '../src/arch/pte.ts';
import {
  VMX_HEADER_SIZE,
  VMX_MAGIC,
  VMX_MAX_SEGMENTS,
  VmxHeader,
  VmxLine,
  VmxSegment,
  VmxSymbol,
  loadExecutableFile,
  readExecutable,
  validateExecutable,
  vmxChecksum,
  writeExecutable,
} from '../src/exe/format.ts';
import { SegFlag, type Executable, type SymbolKind } from '../src/exe/types.ts';
import { UserError } from '../src/util/errors.ts';
import { sampleExecutable } from './exe-fixtures.ts';

/** The error readExecutable throws for bytes (failing the test if it returns or throws another kind). */
function readError(bytes: Uint8Array, name = 'h.vmx'): UserError {
  try {
    readExecutable(bytes, name);
  } catch (e) {
    if (e instanceof UserError) return e;
    throw new Error(`expected a UserError, got ${String(e)}`);
  }
  throw new Error('expected readExecutable to fail');
}

/** A copy of bytes changed by fn, with the checksum made right again (so later checks are reached). */
function patched(bytes: Uint8Array, fn: (dv: DataView, b: Uint8Array) => void, fixCrc = true): Uint8Array {
  const b = bytes.slice();
  const dv = new DataView(b.buffer);
  fn(dv, b);
  if (fixCrc) dv.setUint32(VmxHeader.CRC, vmxChecksum(b), true);
  return b;
}

const seg = (i: number, field: number) => VMX_HEADER_SIZE + i * VmxSegment.SIZE + field;
const u32 = (dv: DataView, at: number) => dv.getUint32(at, true);
const set32 = (dv: DataView, at: number, v: number) => dv.setUint32(at, v >>> 0, true);

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

const sampleBytes = writeExecutable(sampleExecutable());

/** Random valid executables: 1-6 segments, page-aligned and apart, one executable one holding the entry. */
const arbExecutable: fc.Arbitrary<Executable> = fc
  .record({
    basePage: fc.integer({ min: 0, max: 0xfff00 }),
    segs: fc.array(
      fc.record({
        gap: fc.integer({ min: 0, max: 3 }),
        pages: fc.integer({ min: 1, max: 3 }),
        slack: fc.integer({ min: 0, max: PAGE_SIZE - 1 }),
        data: fc.uint8Array({ maxLength: 5000 }),
        flags: fc.integer({ min: 0, max: 7 }),
        name: fc.string({ unit: 'binary', maxLength: 8 }),
      }),
      { minLength: 1, maxLength: 6 },
    ),
    entrySeg: fc.nat(),
    entryOff: fc.nat(),
    symbols: fc.array(
      fc.record({
        name: fc.string({ unit: 'binary', maxLength: 10 }),
        value: fc.integer({ min: 0, max: 0xffffffff }),
        kind: fc.integer({ min: 0, max: 3 }),
        global: fc.boolean(),
      }),
      { maxLength: 20 },
    ),
    files: fc.array(fc.string({ unit: 'grapheme', maxLength: 12 }), { maxLength: 3 }),
    lines: fc.array(fc.record({ addr: fc.integer({ min: 0, max: 0xffffffff }), file: fc.nat(), line: fc.nat() }), { maxLength: 30 }),
  })
  .map((r): Executable => {
    let page = r.basePage;
    const segments = r.segs.map((s, i) => {
      page += s.gap;
      const vaddr = page * PAGE_SIZE;
      page += s.pages;
      const memSize = s.pages * PAGE_SIZE - s.slack;
      const flags = i === r.entrySeg % r.segs.length ? s.flags | SegFlag.X : s.flags;
      return { name: s.name.replace(/\0/g, ''), vaddr, memSize, flags, data: s.data.slice(0, memSize) };
    });
    const home = segments[r.entrySeg % segments.length]!;
    const entry = home.vaddr + ((r.entryOff % home.memSize) & ~3);
    const files = r.files.map((f) => f.replace(/\0/g, ''));
    const lines =
      files.length === 0
        ? []
        : r.lines.map((l) => ({ addr: l.addr, file: l.file % files.length, line: l.line })).sort((a, b) => a.addr - b.addr);
    const symbols = r.symbols.map((s) => ({ ...s, name: s.name.replace(/\0/g, ''), kind: s.kind as SymbolKind }));
    return { entry, segments, symbols, files, lines };
  });

describe('writeExecutable / readExecutable', () => {
  it('round-trips the sample program', () => {
    const exe = sampleExecutable();
    expect(readExecutable(sampleBytes, 'sample.vmx')).toEqual(exe);
  });

  it('lays the sample out as documented', () => {
    const dv = new DataView(sampleBytes.buffer);
    expect(u32(dv, VmxHeader.MAGIC)).toBe(VMX_MAGIC);
    expect(new TextDecoder().decode(sampleBytes.subarray(0, 3))).toBe('VMX');
    expect(dv.getUint16(VmxHeader.VERSION, true)).toBe(1);
    expect(dv.getUint16(VmxHeader.HEADER_SIZE, true)).toBe(64);
    expect(u32(dv, VmxHeader.SEG_OFFSET)).toBe(64);
    expect(u32(dv, VmxHeader.TOTAL_SIZE)).toBe(sampleBytes.length);
    // text and data each on their own page after the header page; bss has no bytes in the file.
    expect(u32(dv, seg(0, VmxSegment.FILE_OFFSET))).toBe(PAGE_SIZE);
    expect(u32(dv, seg(1, VmxSegment.FILE_OFFSET))).toBe(2 * PAGE_SIZE);
    expect(u32(dv, seg(2, VmxSegment.FILE_SIZE))).toBe(0);
    expect(u32(dv, VmxHeader.SYM_OFFSET)).toBe(3 * PAGE_SIZE);
    expect(u32(dv, VmxHeader.RESERVED)).toBe(0);
  });

  it('writes the same bytes every time', () => {
    expect(writeExecutable(sampleExecutable())).toEqual(sampleBytes);
  });

  it('round-trips random executables, and a kernel can page each segment straight from the file', () => {
    fc.assert(
      fc.property(arbExecutable, (exe) => {
        const bytes = writeExecutable(exe);
        const back = readExecutable(bytes, 'r.vmx');
        // Segment bytes compared with Buffer.equals: toEqual on big typed arrays is slow.
        const strip = (x: Executable) => ({ ...x, segments: x.segments.map((s) => ({ ...s, data: s.data.length })) });
        expect(strip(back)).toEqual(strip(exe));
        back.segments.forEach((s, i) => expect(sameBytes(s.data, exe.segments[i]!.data)).toBe(true));
        expect(sameBytes(writeExecutable(back), bytes)).toBe(true);
        const dv = new DataView(bytes.buffer);
        exe.segments.forEach((s, i) => {
          const off = u32(dv, seg(i, VmxSegment.FILE_OFFSET));
          expect(off % PAGE_SIZE).toBe(0);
          // Page k of the segment is file page off/4096 + k, zero beyond the data.
          for (let k = 0; k * PAGE_SIZE < s.data.length; k++) {
            const page = bytes.subarray(off + k * PAGE_SIZE, off + (k + 1) * PAGE_SIZE);
            const want = new Uint8Array(PAGE_SIZE);
            want.set(s.data.subarray(k * PAGE_SIZE, (k + 1) * PAGE_SIZE));
            expect(sameBytes(page, want)).toBe(true);
          }
        });
      }),
      { numRuns: 150 },
    );
  });

  it('accepts values written signed and reads them back unsigned', () => {
    const exe = sampleExecutable();
    exe.symbols.push({ name: 'MINUS_ONE', value: -1, kind: 3, global: false });
    const back = readExecutable(writeExecutable(exe), 'x.vmx');
    expect(back.symbols.at(-1)!.value).toBe(0xffffffff);
  });

  it('refuses to write an invalid executable (a caller bug)', () => {
    const exe = sampleExecutable();
    exe.entry = 0x2000;
    expect(() => writeExecutable(exe)).toThrow(/not executable/);
    expect(validateExecutable(sampleExecutable())).toBeUndefined();
  });
});

describe('readExecutable rejects damaged files with a UserError', () => {
  it('every truncation', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: sampleBytes.length - 1 }), (cut) => {
        const e = readError(sampleBytes.subarray(0, cut));
        expect(e.message).toMatch(/^h\.vmx: (empty file|not a vmlab executable|truncated)/);
      }),
      { numRuns: 300 },
    );
    expect(readError(sampleBytes.subarray(0, 9000)).message).toBe(
      `h.vmx: truncated (expected ${sampleBytes.length} bytes, got 9000)`,
    );
  });

  it('every flipped byte (the checksum catches what the field checks do not)', () => {
    fc.assert(
      fc.property(fc.nat(sampleBytes.length - 1), fc.integer({ min: 1, max: 255 }), (pos, mask) => {
        const b = sampleBytes.slice();
        b[pos]! ^= mask;
        expect(readError(b).message).toMatch(/^h\.vmx: /);
      }),
      { numRuns: 500 },
    );
  });

  it('random changes with a valid checksum: read back or rejected, never another exception', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ pos: fc.nat(), value: fc.integer({ min: 0, max: 255 }), header: fc.boolean() }), { minLength: 1, maxLength: 4 }),
        (changes) => {
          const b = patched(sampleBytes, (_dv, bytes) => {
            for (const c of changes) {
              // Half of the changes land in the header and segment table, where most checks are.
              const at = c.header ? c.pos % (VMX_HEADER_SIZE + 3 * VmxSegment.SIZE) : c.pos % bytes.length;
              if (at >= VmxHeader.CRC && at < VmxHeader.CRC + 4) continue;
              bytes[at] = c.value;
            }
          });
          try {
            readExecutable(b, 'h.vmx');
          } catch (e) {
            expect(e).toBeInstanceOf(UserError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 9000 }), fc.boolean(), (bytes, magic) => {
        if (magic && bytes.length >= 4) new DataView(bytes.buffer).setUint32(0, VMX_MAGIC, true);
        expect(readError(bytes)).toBeInstanceOf(UserError);
      }),
      { numRuns: 300 },
    );
  });
});

describe('each validation has its own message', () => {
  const cases: [string, (dv: DataView, b: Uint8Array) => void, RegExp | string][] = [
    ['bad magic', (dv) => set32(dv, VmxHeader.MAGIC, 0x464c457f), 'h.vmx: not a vmlab executable (bad magic)'],
    ['version', (dv) => dv.setUint16(VmxHeader.VERSION, 2, true), 'h.vmx: unsupported format version 2 (this vmlab reads version 1)'],
    ['header size', (dv) => dv.setUint16(VmxHeader.HEADER_SIZE, 32, true), 'h.vmx: bad header size 32 (expected 64)'],
    ['reserved', (dv) => set32(dv, VmxHeader.RESERVED, 1), 'h.vmx: reserved header field is not zero'],
    ['too many segments', (dv) => set32(dv, VmxHeader.SEG_COUNT, VMX_MAX_SEGMENTS + 1), `h.vmx: too many segments (${VMX_MAX_SEGMENTS + 1}; at most ${VMX_MAX_SEGMENTS})`],
    ['segment table offset', (dv) => set32(dv, VmxHeader.SEG_OFFSET, 128), 'h.vmx: segment table at offset 128 (expected 64)'],
    ['header page padding', (_dv, b) => (b[PAGE_SIZE - 1] = 7), /non-zero byte at offset 4095, in the padding of the header page/],
    ['string table outside the file', (dv) => set32(dv, VmxHeader.STR_SIZE, 1 << 20), /string table \(1048576 bytes at offset \d+\) extends past the end of the file/],
    ['string offset out of range', (dv) => set32(dv, seg(1, VmxSegment.NAME), 5000), /segment 1: string offset 5000 is outside the string table/],
    ['string not NUL-terminated', (dv, b) => {
      const end = u32(dv, VmxHeader.STR_OFFSET) + u32(dv, VmxHeader.STR_SIZE);
      b[end - 1] = 0x41;
    }, /the string at offset \d+ is not NUL-terminated/],
    ['string not UTF-8', (dv, b) => (b[u32(dv, VmxHeader.STR_OFFSET) + u32(dv, seg(0, VmxSegment.NAME))] = 0xff), /segment 0: the string at offset \d+ is not valid UTF-8/],
    ['vaddr not page-aligned', (dv) => set32(dv, seg(1, VmxSegment.VADDR), 0x2010), "h.vmx: segment 1 ('data'): address 0x00002010 is not page-aligned"],
    ['empty segment', (dv) => set32(dv, seg(2, VmxSegment.MEM_SIZE), 0), "h.vmx: segment 2 ('bss'): memory size is 0"],
    ['file size above memory size', (dv) => set32(dv, seg(1, VmxSegment.MEM_SIZE), 3), "h.vmx: segment 1 ('data'): file size 7 exceeds memory size 3"],
    ['past the 32-bit space', (dv) => {
      set32(dv, seg(2, VmxSegment.VADDR), 0xfffff000);
      set32(dv, seg(2, VmxSegment.MEM_SIZE), 0x1001);
    }, "h.vmx: segment 2 ('bss'): 4097 bytes at 0xfffff000 run past the end of the 32-bit address space"],
    ['bad flags', (dv) => set32(dv, seg(1, VmxSegment.FLAGS), 9), /segment 1 \('data'\): bad flags 0x00000009/],
    ['file offset not page-aligned', (dv) => set32(dv, seg(1, VmxSegment.FILE_OFFSET), 0x2004), "h.vmx: segment 1 ('data'): file offset 8196 is not page-aligned"],
    ['data over the header page', (dv) => set32(dv, seg(0, VmxSegment.FILE_OFFSET), 0), /segment 0 \('text'\): data at file offset 0 overlaps the header page/],
    ['data over the previous segment', (dv) => set32(dv, seg(1, VmxSegment.FILE_OFFSET), PAGE_SIZE), /segment 1 \('data'\): data at file offset 4096 overlaps the previous segment/],
    ['data past the end', (dv) => set32(dv, seg(1, VmxSegment.FILE_OFFSET), 16 * PAGE_SIZE), /segment 1 \('data'\): data \(7 bytes at offset 65536, padded to a page\) extend past the end of the file/],
    ['non-zero padding after data', (_dv, b) => (b[2 * PAGE_SIZE + 100] = 1), /segment 1 \('data'\): non-zero byte at file offset 8292, in the padding after its data/],
    ['table past the end', (dv) => set32(dv, VmxHeader.LINE_COUNT, 100000), /line table \(1200000 bytes at offset \d+\) extends past the end of the file/],
    ['table over segment data', (dv) => set32(dv, VmxHeader.FILE_OFFSET, 2 * PAGE_SIZE), /file table at offset 8192 overlaps the segment data \(which end at 12288\)/],
    ['tables overlapping', (dv) => set32(dv, VmxHeader.FILE_OFFSET, u32(dv, VmxHeader.SYM_OFFSET) + 4), 'h.vmx: symbol table and file table overlap'],
    ['symbol kind', (dv, b) => (b[u32(dv, VmxHeader.SYM_OFFSET) + VmxSymbol.KIND] = 9), "h.vmx: symbol '_start': unknown kind 9"],
    ['symbol global flag', (dv, b) => (b[u32(dv, VmxHeader.SYM_OFFSET) + VmxSymbol.GLOBAL] = 2), "h.vmx: symbol '_start': bad global flag 2"],
    ['symbol padding', (dv, b) => (b[u32(dv, VmxHeader.SYM_OFFSET) + VmxSymbol.PAD] = 1), "h.vmx: symbol '_start': padding is not zero"],
    ['line file index', (dv) => set32(dv, u32(dv, VmxHeader.LINE_OFFSET) + VmxLine.FILE, 2), 'h.vmx: line entry 0: file index 2 is out of range (2 files)'],
    ['lines out of order', (dv) => set32(dv, u32(dv, VmxHeader.LINE_OFFSET) + VmxLine.SIZE + VmxLine.ADDR, 0x900), 'h.vmx: line entry 1: address 0x00000900 is out of order (after 0x00001000)'],
    ['entry outside every segment', (dv) => set32(dv, VmxHeader.ENTRY, 0x9000), 'h.vmx: entry point 0x00009000 is outside every segment'],
    ['entry not in code', (dv) => set32(dv, VmxHeader.ENTRY, 0x2000), "h.vmx: entry point 0x00002000 is in segment 'data', which is not executable"],
    ['entry not word-aligned', (dv) => set32(dv, VmxHeader.ENTRY, 0x1002), 'h.vmx: entry point 0x00001002 is not word-aligned'],
    ['segments overlapping in memory', (dv) => set32(dv, seg(1, VmxSegment.MEM_SIZE), 0x1001), /segments 'data' \(0x00002000\+4097\) and 'bss' \(0x00003000\) overlap in memory/],
  ];
  for (const [what, change, message] of cases) {
    it(what, () => {
      const e = readError(patched(sampleBytes, change));
      if (typeof message === 'string') expect(e.message).toBe(message);
      else expect(e.message).toMatch(message);
      expect(e.message).not.toContain('\n');
    });
  }

  it('empty file', () => {
    expect(readError(new Uint8Array(0)).message).toBe('h.vmx: empty file (not a vmlab executable)');
  });

  it('checksum', () => {
    const b = sampleBytes.slice();
    b[PAGE_SIZE] ^= 1;
    expect(readError(b).message).toBe('h.vmx: checksum mismatch (file corrupt)');
  });

  it('extra bytes after the end', () => {
    const b = new Uint8Array(sampleBytes.length + 3);
    b.set(sampleBytes);
    expect(readError(b).message).toBe(`h.vmx: 3 unexpected bytes after the end (expected ${sampleBytes.length} bytes, got ${b.length})`);
  });

  it('an incomplete header page', () => {
    const b = patched(sampleBytes.subarray(0, 100), (dv) => set32(dv, VmxHeader.TOTAL_SIZE, 100));
    expect(readError(b).message).toBe('h.vmx: the header page is incomplete (100 bytes; expected at least 4096)');
  });
});

describe('loadExecutableFile', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vmlab-exe-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file', () => {
    const p = path.join(dir, 'ok.vmx');
    writeFileSync(p, sampleBytes);
    expect(loadExecutableFile(p)).toEqual(sampleExecutable());
  });

  it('missing file, directory, empty file: one-line UserErrors naming the path', () => {
    const missing = path.join(dir, 'nope.vmx');
    expect(() => loadExecutableFile(missing)).toThrow(new UserError(`cannot read ${missing}: no such file or directory`));
    const sub = path.join(dir, 'sub.vmx');
    mkdirSync(sub);
    expect(() => loadExecutableFile(sub)).toThrow(new UserError(`cannot read ${sub}: is a directory`));
    const empty = path.join(dir, 'empty.vmx');
    writeFileSync(empty, '');
    expect(() => loadExecutableFile(empty)).toThrow(new UserError(`${empty}: empty file (not a vmlab executable)`));
  });
});
