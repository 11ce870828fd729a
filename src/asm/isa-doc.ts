// Generates the tables of asm/README.md that must follow the code: the instruction table
// (from src/arch/isa.ts) and the pseudo-instruction table (from forms.ts). A test compares
// them with the README and, with VMLAB_UPDATE_DOCS=1, rewrites the blocks.

import { INSTRUCTIONS } from '../arch/isa.ts';
import { EXTRA_FORM_DOCS, PSEUDOS, formatSyntax } from './forms.ts';

function cell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

function code(s: string): string {
  return s === '' ? '' : `\`${s}\``;
}

/** The instruction table: one row per ISA table entry, in opcode order. */
export function renderIsaTable(): string {
  const rows = [...INSTRUCTIONS].sort((a, b) => a.opcode - b.opcode);
  const out = [
    '| mnemonic | syntax | format | opcode | cycles | privileged | what it does |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const d of rows) {
    const syntax = formatSyntax(d);
    out.push(
      `| \`${d.mnemonic}\` | ${code(syntax === '' ? d.mnemonic : `${d.mnemonic} ${syntax}`)} | ${d.format} | ` +
        `0x${d.opcode.toString(16).padStart(2, '0')} | ${d.cycles} | ${d.privileged ? 'yes' : ''} | ${cell(d.summary)} |`,
    );
  }
  return out.join('\n');
}

/** The pseudo-instructions and the extra forms of jal/jalr, with their expansions. */
export function renderPseudoTable(): string {
  const out = ['| write | assembles to | words |', '|---|---|---|'];
  for (const p of [...PSEUDOS, ...EXTRA_FORM_DOCS]) {
    const form = p.syntax === '' ? p.name : `${p.name} ${p.syntax}`;
    const steps = p.expansion.map((x) => `\`${x}\``).join('; ');
    const words = p.name === 'li' ? '1 or 2' : String(p.expansion.length);
    out.push(`| \`${form}\` | ${cell(steps)}${p.note ? ` — ${cell(p.note)}` : ''} | ${words} |`);
  }
  return out.join('\n');
}
