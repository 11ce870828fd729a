// The numbers the kernel shares with the host: asm/lib/machine.s is the rendering of src/arch,
// and the few facts of asm/kernel/layout.s the host relies on agree with src/os.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Pte } from '../src/arch/pte.ts';
import { SegFlag, SymbolKind } from '../src/exe/types.ts';
import { KERNEL_FRAME_ENTRY_BYTES, loadKernel } from '../src/os/boot.ts';
import { MAX_PROGRAMS, MAX_SWAP_BLOCKS } from '../src/os/disk-image.ts';
import { MACHINE_DEFS_FILE, renderMachineDefs } from '../src/os/machine-defs.ts';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

describe('asm/lib/machine.s', () => {
  it('is the rendering of src/arch', () => {
    const file = path.join(ROOT, MACHINE_DEFS_FILE);
    const want = renderMachineDefs();
    const have = readFileSync(file, 'utf8');
    if (have !== want && process.env.VMLAB_UPDATE_DOCS === '1') {
      writeFileSync(file, want);
      return;
    }
    expect(have, `${MACHINE_DEFS_FILE} is stale: rerun this test with VMLAB_UPDATE_DOCS=1`).toBe(want);
  });

  it('names every constant once', () => {
    const names = [...renderMachineDefs().matchAll(/^\.equ (\w+),/gm)].map((m) => m[1]);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe("the kernel's layout as the host sees it", () => {
  const kernel = loadKernel();
  const sym = (name: string) => {
    const s = kernel.symbols.find((x) => x.name === name);
    expect(s, `the kernel defines ${name}`).toBeDefined();
    expect(s!.kind).toBe(SymbolKind.ABS);
    return s!.value | 0;
  };

  it('has the frame-table record size the loader sizes the reserve with', () => {
    expect(sym('FTE_SIZE')).toBe(KERNEL_FRAME_ENTRY_BYTES);
  });

  it('has a process slot per directory entry, and swap slots that fit a PTE', () => {
    expect(sym('NPROC')).toBe(MAX_PROGRAMS);
    expect(sym('SWAP_MAX_SLOTS') >>> 0).toBe(MAX_SWAP_BLOCKS);
  });

  it('turns segment flags into PTE bits with one shift', () => {
    const shift = sym('SEGFLAG_TO_PTE_SHIFT');
    expect(SegFlag.R << shift).toBe(Pte.R);
    expect(SegFlag.W << shift).toBe(Pte.W);
    expect(SegFlag.X << shift).toBe(Pte.X);
  });

  it('keeps a process control block within its slot', () => {
    expect(sym('PCB_END')).toBeLessThanOrEqual(sym('PCB_SIZE'));
    expect(sym('FT_PREV') + 4).toBeLessThanOrEqual(sym('FTE_SIZE'));
  });
});
