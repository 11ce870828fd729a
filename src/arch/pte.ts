// Page-table entries and the page-table geometry.
//
// A PTE is one 32-bit word:
//
//   31                         12 11    8   7   6   5   4   3   2   1   0
//  | physical frame number (20) | soft | D | A | G | U | X | W | R | V |
//
// A valid entry with R = W = X = 0 points to the next-level table (the frame holds it).
// A valid entry with any of R, W, X is a leaf: at the last level it maps a 4 KiB page, above
// it a superpage whose frame number must be aligned to the superpage's size (else the entry is
// treated as not valid). An entry with V = 0 is not present; its other 31 bits belong to the
// kernel, which keeps the page's disk location there. The hardware walker sets A on every
// access and D on every store, writing the entry back to memory.

export const Pte = {
  V: 1 << 0,
  R: 1 << 1,
  W: 1 << 2,
  X: 1 << 3,
  U: 1 << 4,
  G: 1 << 5,
  A: 1 << 6,
  D: 1 << 7,
  /** Four bits the hardware ignores in a valid entry; the kernel may use them. */
  SOFT_SHIFT: 8,
  SOFT_MASK: 0xf << 8,
  PFN_SHIFT: 12,
} as const;

export const PTE_RWX = Pte.R | Pte.W | Pte.X;

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const PAGE_MASK = PAGE_SIZE - 1;

export function ptePfn(pte: number): number {
  return pte >>> Pte.PFN_SHIFT;
}
export function makePte(pfn: number, flags: number): number {
  return ((pfn << Pte.PFN_SHIFT) | flags) >>> 0;
}

/**
 * Page-table geometry: index bits per level, root first. The index bits add up to 20, so with
 * the 12-bit page offset they cover the 32-bit address. Level 0 is the root.
 */
export type Geometry = readonly number[];

/** The geometry chosen by `--levels N`. 2 levels (10 + 10) is the default. */
export const GEOMETRIES: Readonly<Record<1 | 2 | 3 | 4, Geometry>> = {
  1: [20],
  2: [10, 10],
  3: [4, 8, 8],
  4: [2, 6, 6, 6],
};
export const DEFAULT_LEVELS = 2;

/**
 * MMUCFG, the read-only register that tells software the geometry:
 *   bits 2:0    number of levels (1..4)
 *   bits 7:3    page offset bits (12)
 *   bits 12:8   index bits of level 0 (the root)
 *   bits 17:13  index bits of level 1
 *   bits 22:18  index bits of level 2
 *   bits 27:23  index bits of level 3
 */
export const MmuCfg = {
  /** Bits 2:0: the number of levels. */
  LEVELS_MASK: 7,
  /** Bits 7:3: the page offset bits. */
  OFFSET_SHIFT: 3,
  /** Level l's index width sits at INDEX_SHIFT + INDEX_FIELD * l, INDEX_FIELD bits wide. */
  INDEX_SHIFT: 8,
  INDEX_FIELD: 5,
  INDEX_MASK: 31,
} as const;

export function encodeMmuCfg(g: Geometry): number {
  let v = g.length | (PAGE_SHIFT << MmuCfg.OFFSET_SHIFT);
  g.forEach((bits, level) => {
    v |= bits << (MmuCfg.INDEX_SHIFT + MmuCfg.INDEX_FIELD * level);
  });
  return v >>> 0;
}
export function decodeMmuCfg(v: number): Geometry {
  const levels = v & MmuCfg.LEVELS_MASK;
  const g: number[] = [];
  for (let l = 0; l < levels; l++) g.push((v >>> (MmuCfg.INDEX_SHIFT + MmuCfg.INDEX_FIELD * l)) & MmuCfg.INDEX_MASK);
  return g;
}

export function validateGeometry(g: Geometry): string | undefined {
  if (g.length < 1 || g.length > 4) return 'page tables have 1 to 4 levels';
  if (g.some((b) => !Number.isInteger(b) || b < 1 || b > 20)) return 'each level has 1 to 20 index bits';
  if (g.reduce((a, b) => a + b, 0) !== 32 - PAGE_SHIFT) return `the index bits must add up to ${32 - PAGE_SHIFT}`;
  return undefined;
}
