// The disk the kernel boots from (asm/README.md, "Booting a kernel"):
//
//   block 0                 the directory: one entry per program
//   block 1 ..              each program's .vmx file (writeExecutable), from a block boundary
//   after the last program  the swap area (swapBlocks blocks, all zero)
//
// A .vmx file puts each segment's data at a page-aligned file offset, so page k of segment s is
// one whole disk block: the program's first block + fileOffset / PAGE_SIZE + k. The directory
// entry gives the kernel that block for each segment, read back from the segment table of the
// bytes written, so the image and the directory can never disagree.

import { DIR_MAGIC, Dir, USER_TOP } from '../arch/memmap.ts';
import { PAGE_SHIFT, PAGE_SIZE } from '../arch/pte.ts';
import { VMX_HEADER_SIZE, VmxHeader, VmxSegment, validateExecutable, writeExecutable } from '../exe/format.ts';
import { SegFlag, type Executable } from '../exe/types.ts';
import { UserError } from '../util/errors.ts';

/** Programs the directory block can describe. */
export const MAX_PROGRAMS = Math.floor((PAGE_SIZE - Dir.ENTRY_BASE) / Dir.ENTRY_SIZE);

/** A slot number must fit a PTE's frame field (the kernel keeps it there while a page is out). */
export const MAX_SWAP_BLOCKS = 1 << (32 - PAGE_SHIFT);

export interface DiskProgram {
  /** As named on the command line. */
  path: string;
  exe: Executable;
}

/** One segment as the directory describes it. */
export interface DiskSegment {
  vaddr: number;
  memSize: number;
  fileSize: number;
  /** Disk block of the segment's first page. */
  block: number;
  /** SegFlag bits. */
  flags: number;
}

export interface DiskEntry {
  path: string;
  entry: number;
  /** First block of the program's .vmx file, and how many blocks it takes. */
  firstBlock: number;
  blocks: number;
  /** First page after the last segment: the heap starts there. */
  heapVpn: number;
  segments: DiskSegment[];
}

export interface DiskImage {
  /** Directory and programs. The swap area after them is all zero and not stored here. */
  image: Uint8Array;
  /** Total blocks on the disk, swap area included. */
  blocks: number;
  dirBlock: number;
  swapFirst: number;
  swapBlocks: number;
  entries: DiskEntry[];
}

/**
 * Builds the disk for `programs` with a swap area of `swapBlocks` blocks. Throws UserError for
 * what the kernel could not run: too many programs, too many segments, a segment outside user
 * space or on page 0, an entry point outside user space.
 */
export function buildDiskImage(programs: readonly DiskProgram[], swapBlocks: number): DiskImage {
  if (programs.length === 0) throw new UserError('no program to run');
  if (programs.length > MAX_PROGRAMS)
    throw new UserError(`${programs.length} programs: the kernel runs at most ${MAX_PROGRAMS} at a time`);
  if (!Number.isInteger(swapBlocks) || swapBlocks < 0 || swapBlocks > MAX_SWAP_BLOCKS)
    throw new UserError(`swap blocks must be 0..${MAX_SWAP_BLOCKS}`);

  const files = programs.map((p) => {
    checkUserProgram(p);
    return writeExecutable(p.exe);
  });

  const dir = new Uint8Array(PAGE_SIZE);
  const dv = new DataView(dir.buffer);
  const u32 = (at: number, v: number) => dv.setUint32(at, v >>> 0, true);
  u32(Dir.MAGIC, DIR_MAGIC);
  u32(Dir.COUNT, programs.length);

  const entries: DiskEntry[] = [];
  let next = 1; // block 0 is the directory
  files.forEach((bytes, i) => {
    const fv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const firstBlock = next;
    const blocks = Math.ceil(bytes.length / PAGE_SIZE);
    next += blocks;
    const segments: DiskSegment[] = [];
    const nsegs = fv.getUint32(VmxHeader.SEG_COUNT, true);
    let heapVpn = 0;
    for (let k = 0; k < nsegs; k++) {
      const e = VMX_HEADER_SIZE + k * VmxSegment.SIZE;
      const s: DiskSegment = {
        vaddr: fv.getUint32(e + VmxSegment.VADDR, true),
        memSize: fv.getUint32(e + VmxSegment.MEM_SIZE, true),
        fileSize: fv.getUint32(e + VmxSegment.FILE_SIZE, true),
        block: firstBlock + fv.getUint32(e + VmxSegment.FILE_OFFSET, true) / PAGE_SIZE,
        flags: fv.getUint32(e + VmxSegment.FLAGS, true),
      };
      segments.push(s);
      heapVpn = Math.max(heapVpn, Math.ceil((s.vaddr + s.memSize) / PAGE_SIZE));
    }
    const p = programs[i]!;
    entries.push({ path: p.path, entry: p.exe.entry >>> 0, firstBlock, blocks, heapVpn, segments });

    const at = Dir.ENTRY_BASE + i * Dir.ENTRY_SIZE;
    u32(at + Dir.E_ENTRY, p.exe.entry);
    u32(at + Dir.E_NSEGS, nsegs);
    u32(at + Dir.E_FIRST_BLOCK, firstBlock);
    u32(at + Dir.E_HEAP_VPN, heapVpn);
    segments.forEach((s, k) => {
      const sa = at + Dir.E_SEGS + k * Dir.SEG_SIZE;
      u32(sa + Dir.S_VADDR, s.vaddr);
      u32(sa + Dir.S_MEMSIZE, s.memSize);
      u32(sa + Dir.S_FILESIZE, s.fileSize);
      u32(sa + Dir.S_BLOCK, s.block);
      u32(sa + Dir.S_FLAGS, s.flags);
    });
  });

  const image = new Uint8Array(next * PAGE_SIZE);
  image.set(dir, 0);
  files.forEach((bytes, i) => image.set(bytes, entries[i]!.firstBlock * PAGE_SIZE));
  return { image, blocks: next + swapBlocks, dirBlock: 0, swapFirst: next, swapBlocks, entries };
}

/** What the kernel needs of a user program, checked with one clear message each. */
function checkUserProgram(p: DiskProgram): void {
  const exe = p.exe;
  // An assembled source may have no text at all (an empty file, data only): say so plainly
  // rather than let the writer below refuse it as a bug.
  if (!exe.segments.some((s) => (s.flags & SegFlag.X) !== 0))
    throw new UserError(`${p.path}: no instructions to run (a program needs a text section)`);
  const problem = validateExecutable(exe);
  if (problem !== undefined) throw new UserError(`${p.path}: cannot run: ${problem}`);
  if (exe.segments.length > Dir.MAX_SEGS)
    throw new UserError(`${p.path}: ${exe.segments.length} segments; the kernel loads at most ${Dir.MAX_SEGS}`);
  const entry = exe.entry >>> 0;
  if (entry >= USER_TOP)
    throw new UserError(`${p.path}: entry point 0x${entry.toString(16)} is in the kernel segment: a bare program runs alone, without the kernel`);
  for (const s of exe.segments) {
    const start = s.vaddr >>> 0;
    const end = start + s.memSize;
    if (start < PAGE_SIZE)
      throw new UserError(`${p.path}: segment ${s.name} starts at 0x${start.toString(16)}: page 0 is never mapped (user programs start at 0x1000)`);
    if (end > USER_TOP)
      throw new UserError(`${p.path}: segment ${s.name} (0x${start.toString(16)}, ${s.memSize} bytes) reaches into the kernel segment`);
  }
}
