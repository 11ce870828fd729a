// The listing: what `vmlab asm --listing` prints. One row per source line that holds a label
// or a statement: address, encoding, file:line and the source text. Long data continues on
// rows of its own, up to a few; the rest is summed up.

import { renderTable } from '../util/table.ts';
import type { ListingLine } from './assembler.ts';

const BYTES_PER_ROW = 8;
const MAX_DATA_ROWS = 4;

function hex8(v: number): string {
  return (v >>> 0).toString(16).padStart(8, '0');
}

/** The encoding column of one line: one or more rows. */
function encodingRows(l: ListingLine): string[] {
  if (l.words.length > 0) return [l.words.map(hex8).join(' ')];
  const b = l.bytes;
  if (b !== undefined && b.length > 0) {
    const rows: string[] = [];
    for (let p = 0; p < b.length; p += BYTES_PER_ROW) {
      if (rows.length === MAX_DATA_ROWS - 1 && b.length - p > BYTES_PER_ROW) {
        rows.push(`... ${b.length - p} more bytes`);
        break;
      }
      rows.push(Array.from(b.subarray(p, p + BYTES_PER_ROW), (x) => x.toString(16).padStart(2, '0')).join(' '));
    }
    return rows;
  }
  if (l.size > 0) return [`(${l.size} bytes)`];
  return [''];
}

/**
 * Formats a listing as an aligned text block with a header:
 *
 *     addr      code               line        source
 *     00001000  00010118           prog.s:3        li a0, 1
 */
const CONSTANT_LINE = /^\s*(\.(equ|set)\b|#|;|$)/i;

/** `mainFile`: the file given to the assembler (its lines are always shown). */
export function formatListing(lines: readonly ListingLine[], mainFile?: string): string {
  const rows: string[][] = [];
  const main = mainFile ?? lines[0]?.file;
  for (const l of lines) {
    // Constant definitions of included files (asm/lib/machine.s has some 150) emit nothing
    // and would bury the program; the main file's own lines are all kept.
    if (l.file !== main && l.size === 0 && CONSTANT_LINE.test(l.text)) continue;
    const enc = encodingRows(l);
    rows.push([hex8(l.addr), enc[0]!, `${l.file}:${l.line}`, l.text]);
    for (let k = 1; k < enc.length; k++) {
      const addr = l.addr + k * BYTES_PER_ROW;
      rows.push([enc[k]!.startsWith('...') ? '' : hex8(addr), enc[k]!, '', '']);
    }
  }
  return renderTable(rows, { head: ['addr', 'code', 'line', 'source'], align: ['l', 'l', 'l', 'l'] });
}
