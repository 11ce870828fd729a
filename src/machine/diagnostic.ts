// The register dump printed when the machine stops on a trap it cannot deliver (double fault,
// no trap vector) or a deadlock: what went wrong, where (pc and its file:line), the trap
// registers, and all sixteen registers by number and name, in aligned columns.

import { Status } from '../arch/csr.ts';
import { REG_NAMES } from '../arch/registers.ts';
import { causeText } from '../arch/traps.ts';
import type { Machine } from './machine.ts';

const STATUS_BITS: readonly (readonly [number, string])[] = [
  [Status.IE, 'IE'],
  [Status.UM, 'UM'],
  [Status.PIE, 'PIE'],
  [Status.PUM, 'PUM'],
  [Status.EXL, 'EXL'],
];

function hex(v: number): string {
  return '0x' + (v >>> 0).toString(16).padStart(8, '0');
}

function where(m: Machine, pc: number): string {
  const line = m.io.describePc?.(pc >>> 0);
  return line === undefined ? hex(pc) : `${hex(pc)}  ${line}`;
}

/** Title line, then the trap registers, then r0-r15 in four columns. cause -1: none to show. */
export function formatStopDiagnostic(m: Machine, title: string, cause: number, badvaddr: number): string {
  const flags = STATUS_BITS.filter(([b]) => (m.status & b) !== 0).map(([, n]) => n);
  const pairs: [string, string][] = [];
  if (cause >= 0) {
    pairs.push(['cause', `${causeText(cause)} (${cause})`]);
    pairs.push(['badvaddr', hex(badvaddr)]);
  }
  pairs.push(['pc', where(m, m.pc)]);
  pairs.push(['mode', (m.status & Status.UM) !== 0 ? 'user' : 'kernel']);
  pairs.push(['status', `${hex(m.status)}${flags.length ? '  ' + flags.join(' ') : ''}`]);
  if (m.cause === 0) {
    pairs.push(['last trap', 'none']);
  } else {
    pairs.push(['last trap', `${causeText(m.cause)} (${m.cause}), badvaddr ${hex(m.badvaddr)}`]);
    pairs.push(['epc', where(m, m.epc)]);
  }
  pairs.push(['cycles', String(m.cycles)]);
  // Values left-aligned (renderPairs right-aligns, which suits numbers, not addresses with file:line).
  const w = Math.max(...pairs.map(([k]) => k.length));
  const regs: string[] = [];
  for (let row = 0; row < 4; row++) {
    const cells: string[] = [];
    for (let col = 0; col < 4; col++) {
      const r = col * 4 + row;
      cells.push(`${('r' + r).padEnd(3)} ${REG_NAMES[r]!.padEnd(4)} ${hex(m.regs[r]!)}`);
    }
    regs.push('  ' + cells.join('   '));
  }
  return [title, ...pairs.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`), ...regs].join('\n');
}
