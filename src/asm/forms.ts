// What each mnemonic accepts and what it emits: the real instructions, whose operand syntax
// follows from their format in the ISA table, and the pseudo-instructions, each with the
// expansion documented in asm/README.md. The assembler picks a form by operand count.

import type { Fields, InstrDef } from '../arch/isa.ts';
import { BY_MNEMONIC, BRANCH_WORDS_RANGE, Imm, INSTRUCTIONS, JUMP_WORDS_RANGE } from '../arch/isa.ts';
import { REG_LR, REG_SP, REG_ZERO } from '../arch/registers.ts';
import type { Operand } from './ast.ts';

/** What the assembler offers a form while it encodes one statement. Errors are reported by these calls. */
export interface EmitCtx {
  /** A register operand's number (0 after reporting an error). */
  reg(op: Operand): number;
  /** An immediate, checked against the range of `kind`, for the instruction `mnemonic`. */
  imm(op: Operand, kind: Imm, mnemonic: string): number;
  /** Any 32-bit value (li, la). */
  value(op: Operand): number;
  /** A memory operand `off(base)`: the base register and the offset, checked as s16. */
  mem(op: Operand, mnemonic: string): { base: number; off: number };
  /** The word offset from pc to a label, checked for alignment and against `range`. */
  target(op: Operand, pc: number, range: readonly [number, number], what: 'branch' | 'jump'): number;
  /** A control register, by name or number; `write` for csrw (read-only ones are refused). */
  csr(op: Operand, write: boolean): number;
  /** The operand's value if pass 1 can already know it (defined earlier, constant). */
  pass1Value(op: Operand): number | undefined;
  /** True when op is a memory operand. */
  isMem(op: Operand): boolean;
  /** Appends one instruction word at the next address. */
  emit(d: InstrDef, f: Partial<Fields>): void;
}

export interface Form {
  /** The operands, as the docs and error messages show them: `rd, imm(rs1)`. */
  readonly syntax: string;
  readonly operands: number;
  /** Words emitted (for li: the long form). */
  readonly words: number;
  /** Pass 1: the words these operands need, when it depends on them (li). */
  readonly size?: (ctx: EmitCtx, ops: readonly Operand[]) => number;
  /** Pass 2: emit exactly `words` words (as decided in pass 1), pc being the first one's address. */
  readonly emit: (ctx: EmitCtx, ops: readonly Operand[], pc: number, words: number) => void;
}

export interface PseudoDoc {
  readonly name: string;
  readonly syntax: string;
  /** The instructions it becomes, in order. */
  readonly expansion: readonly string[];
  readonly note?: string;
}

function ins(m: string): InstrDef {
  const d = BY_MNEMONIC.get(m);
  if (d === undefined) throw new Error(`ISA table has no ${m}`);
  return d;
}

/** The operand syntax of a real instruction, from its format. */
export function formatSyntax(d: InstrDef): string {
  switch (d.format) {
    case 'R': return 'rd, rs1, rs2';
    case 'I': return d.imm === Imm.SHAMT ? 'rd, rs1, shamt' : 'rd, rs1, imm';
    case 'L': return 'rd, imm(rs1)';
    case 'S': return 'rs2, imm(rs1)';
    case 'B': return 'rs1, rs2, label';
    case 'J': return 'rd, label';
    case 'U': return 'rd, imm';
    case 'N': return '';
    case 'CR': return 'rd, csr';
    case 'CW': return 'csr, rs1';
    case 'R1': return 'rs1';
    case 'RD': return 'rd';
  }
}

/** The one form every real instruction has, following its format. */
function realForm(d: InstrDef): Form {
  const syntax = formatSyntax(d);
  const m = d.mnemonic;
  const one = (operands: number, emit: Form['emit']): Form => ({ syntax, operands, words: 1, emit });
  switch (d.format) {
    case 'R':
      return one(3, (c, o) => c.emit(d, { rd: c.reg(o[0]!), rs1: c.reg(o[1]!), rs2: c.reg(o[2]!) }));
    case 'I':
      return one(3, (c, o) => c.emit(d, { rd: c.reg(o[0]!), rs1: c.reg(o[1]!), imm: c.imm(o[2]!, d.imm, m) }));
    case 'L':
      return one(2, (c, o) => {
        const rd = c.reg(o[0]!);
        const { base, off } = c.mem(o[1]!, m);
        c.emit(d, { rd, rs1: base, imm: off });
      });
    case 'S':
      return one(2, (c, o) => {
        const rs2 = c.reg(o[0]!);
        const { base, off } = c.mem(o[1]!, m);
        c.emit(d, { rs2, rs1: base, imm: off });
      });
    case 'B':
      return one(3, (c, o, pc) =>
        c.emit(d, { rs1: c.reg(o[0]!), rs2: c.reg(o[1]!), imm: c.target(o[2]!, pc, BRANCH_WORDS_RANGE, 'branch') }),
      );
    case 'J':
      return one(2, (c, o, pc) => c.emit(d, { rd: c.reg(o[0]!), imm: c.target(o[1]!, pc, JUMP_WORDS_RANGE, 'jump') }));
    case 'U':
      return one(2, (c, o) => c.emit(d, { rd: c.reg(o[0]!), imm: c.imm(o[1]!, d.imm, m) }));
    case 'N':
      return one(0, (c) => c.emit(d, {}));
    case 'CR':
      return one(2, (c, o) => c.emit(d, { rd: c.reg(o[0]!), imm: c.csr(o[1]!, false) }));
    case 'CW':
      return one(2, (c, o) => c.emit(d, { imm: c.csr(o[0]!, true), rs1: c.reg(o[1]!) }));
    case 'R1':
      return one(1, (c, o) => c.emit(d, { rs1: c.reg(o[0]!) }));
    case 'RD':
      return one(1, (c, o) => c.emit(d, { rd: c.reg(o[0]!) }));
  }
}

const ADDI = ins('addi');
const ORI = ins('ori');
const LUI = ins('lui');
const SUB = ins('sub');
const SW = ins('sw');
const LW = ins('lw');
const JAL = ins('jal');
const JALR = ins('jalr');
const SLTIU = ins('sltiu');
const SLTU = ins('sltu');

const [S16_MIN, S16_MAX] = [-32768, 32767];

/** The single instruction li uses for a value, or undefined when it needs lui + ori. */
function liShort(v: number): 'addi' | 'lui' | 'ori' | undefined {
  if (v >= S16_MIN && v <= S16_MAX) return 'addi';
  if ((v & 0xffff) === 0) return 'lui';
  if (v >= 0 && v <= 0xffff) return 'ori';
  return undefined;
}

function emitLuiOri(c: EmitCtx, rd: number, v: number): void {
  c.emit(LUI, { rd, imm: v >>> 16 });
  c.emit(ORI, { rd, rs1: rd, imm: v & 0xffff });
}

/** A pseudo-instruction: its documentation and its form. */
interface Pseudo extends PseudoDoc {
  readonly form: Form;
}

function pseudo(
  name: string,
  syntax: string,
  expansion: string,
  emit: Form['emit'],
  extra: { size?: Form['size']; note?: string } = {},
): Pseudo {
  const operands = syntax === '' ? 0 : syntax.split(',').length;
  const steps = expansion.split('; ');
  const words = steps.length;
  const form: Form = extra.size ? { syntax, operands, words, emit, size: extra.size } : { syntax, operands, words, emit };
  return extra.note === undefined ? { name, syntax, expansion: steps, form } : { name, syntax, expansion: steps, note: extra.note, form };
}

/** A branch on one register compared with zero: `zeroFirst` puts zero in rs1 (blez, bgtz). */
function branchZero(name: string, real: string, zeroFirst: boolean): Pseudo {
  const d = ins(real);
  const expansion = zeroFirst ? `${real} zero, rs, label` : `${real} rs, zero, label`;
  return pseudo(name, 'rs, label', expansion, (c, o, pc) => {
    const r = c.reg(o[0]!);
    const off = c.target(o[1]!, pc, BRANCH_WORDS_RANGE, 'branch');
    c.emit(d, zeroFirst ? { rs1: REG_ZERO, rs2: r, imm: off } : { rs1: r, rs2: REG_ZERO, imm: off });
  });
}

/** A branch with its operands swapped: `bgt a, b` is `blt b, a`. */
function branchSwap(name: string, real: string): Pseudo {
  const d = ins(real);
  return pseudo(name, 'rs1, rs2, label', `${real} rs2, rs1, label`, (c, o, pc) => {
    const a = c.reg(o[0]!);
    const b = c.reg(o[1]!);
    c.emit(d, { rs1: b, rs2: a, imm: c.target(o[2]!, pc, BRANCH_WORDS_RANGE, 'branch') });
  });
}

/** The pseudo-instructions, in the order asm/README.md lists them. */
export const PSEUDOS: readonly Pseudo[] = [
  pseudo('nop', '', 'addi zero, zero, 0', (c) => c.emit(ADDI, { rd: REG_ZERO, rs1: REG_ZERO, imm: 0 })),
  pseudo(
    'li',
    'rd, value',
    'lui rd, %hi(value); ori rd, rd, %lo(value)',
    (c, o, _pc, words) => {
      const rd = c.reg(o[0]!);
      const v = c.value(o[1]!);
      if (words === 2) return emitLuiOri(c, rd, v);
      const short = liShort(v);
      if (short === 'addi') c.emit(ADDI, { rd, rs1: REG_ZERO, imm: v });
      else if (short === 'lui') c.emit(LUI, { rd, imm: v >>> 16 });
      else if (short === 'ori') c.emit(ORI, { rd, rs1: REG_ZERO, imm: v });
      else throw new Error(`li: pass 1 chose one word for ${v}, which needs two`);
    },
    {
      size: (c, o) => {
        const v = c.pass1Value(o[1]!);
        return v !== undefined && liShort(v) !== undefined ? 1 : 2;
      },
      note:
        'one word instead when the value is known in pass 1 and one instruction can build it: ' +
        '`addi rd, zero, value` (-32768..32767), else `lui rd, %hi(value)` (low 16 bits zero), ' +
        'else `ori rd, zero, value` (0..65535)',
    },
  ),
  pseudo('la', 'rd, symbol', 'lui rd, %hi(symbol); ori rd, rd, %lo(symbol)', (c, o) => emitLuiOri(c, c.reg(o[0]!), c.value(o[1]!)), {
    note: 'always both words',
  }),
  pseudo('mv', 'rd, rs', 'addi rd, rs, 0', (c, o) => c.emit(ADDI, { rd: c.reg(o[0]!), rs1: c.reg(o[1]!), imm: 0 })),
  pseudo('neg', 'rd, rs', 'sub rd, zero, rs', (c, o) => c.emit(SUB, { rd: c.reg(o[0]!), rs1: REG_ZERO, rs2: c.reg(o[1]!) })),
  // ~x = -x - 1. Negating first reads rs before rd is written, so rd may be rs.
  pseudo(
    'not',
    'rd, rs',
    'sub rd, zero, rs; addi rd, rd, -1',
    (c, o) => {
      const rd = c.reg(o[0]!);
      c.emit(SUB, { rd, rs1: REG_ZERO, rs2: c.reg(o[1]!) });
      c.emit(ADDI, { rd, rs1: rd, imm: -1 });
    },
    { note: '~x = -x - 1; correct when rd is rs' },
  ),
  pseudo('j', 'label', 'jal zero, label', (c, o, pc) =>
    c.emit(JAL, { rd: REG_ZERO, imm: c.target(o[0]!, pc, JUMP_WORDS_RANGE, 'jump') }),
  ),
  pseudo('jr', 'rs', 'jalr zero, rs, 0', (c, o) => c.emit(JALR, { rd: REG_ZERO, rs1: c.reg(o[0]!), imm: 0 })),
  pseudo('call', 'label', 'jal lr, label', (c, o, pc) =>
    c.emit(JAL, { rd: REG_LR, imm: c.target(o[0]!, pc, JUMP_WORDS_RANGE, 'jump') }),
  ),
  pseudo('ret', '', 'jalr zero, lr, 0', (c) => c.emit(JALR, { rd: REG_ZERO, rs1: REG_LR, imm: 0 })),
  pseudo('push', 'rs', 'addi sp, sp, -4; sw rs, 0(sp)', (c, o) => {
    const rs = c.reg(o[0]!);
    c.emit(ADDI, { rd: REG_SP, rs1: REG_SP, imm: -4 });
    c.emit(SW, { rs2: rs, rs1: REG_SP, imm: 0 });
  }),
  pseudo('pop', 'rd', 'lw rd, 0(sp); addi sp, sp, 4', (c, o) => {
    const rd = c.reg(o[0]!);
    c.emit(LW, { rd, rs1: REG_SP, imm: 0 });
    c.emit(ADDI, { rd: REG_SP, rs1: REG_SP, imm: 4 });
  }),
  branchZero('beqz', 'beq', false),
  branchZero('bnez', 'bne', false),
  branchZero('bltz', 'blt', false),
  branchZero('bgez', 'bge', false),
  branchZero('blez', 'bge', true),
  branchZero('bgtz', 'blt', true),
  branchSwap('bgt', 'blt'),
  branchSwap('ble', 'bge'),
  branchSwap('bgtu', 'bltu'),
  branchSwap('bleu', 'bgeu'),
  pseudo('seqz', 'rd, rs', 'sltiu rd, rs, 1', (c, o) => c.emit(SLTIU, { rd: c.reg(o[0]!), rs1: c.reg(o[1]!), imm: 1 })),
  pseudo('snez', 'rd, rs', 'sltu rd, zero, rs', (c, o) => c.emit(SLTU, { rd: c.reg(o[0]!), rs1: REG_ZERO, rs2: c.reg(o[1]!) })),
];

/** The extra forms of real instructions: `jal label` (rd = lr), `jalr rd, rs` and `jalr rd, imm(rs)`. */
const EXTRA_FORMS: ReadonlyMap<string, readonly Form[]> = new Map([
  [
    'jal',
    [{ syntax: 'label', operands: 1, words: 1, emit: (c, o, pc) => c.emit(JAL, { rd: REG_LR, imm: c.target(o[0]!, pc, JUMP_WORDS_RANGE, 'jump') }) }],
  ],
  [
    'jalr',
    [
      {
        syntax: 'rd, rs1',
        operands: 2,
        words: 1,
        emit: (c, o) => {
          const rd = c.reg(o[0]!);
          if (c.isMem(o[1]!)) {
            const { base, off } = c.mem(o[1]!, 'jalr');
            c.emit(JALR, { rd, rs1: base, imm: off });
          } else c.emit(JALR, { rd, rs1: c.reg(o[1]!), imm: 0 });
        },
      },
    ],
  ],
]);

/** Every mnemonic the assembler accepts (lower case) to its forms, one per operand count. */
export const FORMS: ReadonlyMap<string, readonly Form[]> = (() => {
  const m = new Map<string, Form[]>();
  for (const d of INSTRUCTIONS) m.set(d.mnemonic, [realForm(d), ...(EXTRA_FORMS.get(d.mnemonic) ?? [])]);
  for (const p of PSEUDOS) {
    if (m.has(p.name)) throw new Error(`pseudo-instruction ${p.name} shadows an instruction`);
    m.set(p.name, [p.form]);
  }
  for (const forms of m.values()) forms.sort((a, b) => a.operands - b.operands);
  return m;
})();

/** `mnemonic operands` for each form, for messages: `jal label | jal rd, label`. */
export function formsText(mnemonic: string, forms: readonly Form[]): string {
  return forms.map((f) => (f.syntax === '' ? mnemonic : `${mnemonic} ${f.syntax}`)).join(' | ');
}

/** The extra forms of real instructions, for the docs. */
export const EXTRA_FORM_DOCS: readonly PseudoDoc[] = [
  { name: 'jal', syntax: 'label', expansion: ['jal lr, label'] },
  { name: 'jalr', syntax: 'rd, rs1', expansion: ['jalr rd, rs1, 0'] },
  { name: 'jalr', syntax: 'rd, imm(rs1)', expansion: ['jalr rd, rs1, imm'] },
];
