// The instruction set, as one table. The assembler, the disassembler and the CPU all read it:
// a mnemonic, its opcode, its bit layout, its operand syntax, its cycle class and its privilege
// are written here once and nowhere else.
//
// Every instruction is one 32-bit little-endian word. The low byte is the opcode; the formats
// place the other fields as follows (bit 31 on the left):
//
//   R   | 0 (12 bits)            | rs2 | rs1 | rd  | op |   rd = rs1 OP rs2
//   I   | imm16                  | rs1 | rd  | op |         rd = rs1 OP imm
//   L   | imm16                  | rs1 | rd  | op |         rd = mem[rs1 + simm]
//   S   | imm16                  | rs1 | rs2 | op |         mem[rs1 + simm] = rs2
//   B   | off16 (words)          | rs2 | rs1 | op |         if (rs1 CMP rs2) pc += off*4
//   J   | off20 (words)                | rd  | op |         rd = pc+4; pc += off*4
//   U   | imm16                  | 0   | rd  | op |         rd = imm << 16
//   N   | 0 (24 bits)                        | op |         no operands
//   CR  | csr16                  | 0   | rd  | op |         rd = CSR
//   CW  | csr16                  | rs1 | 0   | op |         CSR = rs1
//   R1  | 0 (16 bits)            | rs1 | 0   | op |         one source register
//   RD  | 0 (20 bits)                  | rd  | op |         one destination register
//
// Bit positions: op [7:0], the first register field [11:8], the second [15:12], rs2 of R [19:16],
// imm16 / off16 / csr16 [31:16], off20 [31:12].
//
// A word whose opcode is not in the table, or whose must-be-zero bits are not zero, or whose
// immediate is out of the instruction's range (a shift amount above 31, an unknown CSR) is an
// illegal instruction. Opcode 0 is never assigned, so zeroed memory traps when executed.

export const Format = {
  R: 'R',
  I: 'I',
  L: 'L',
  S: 'S',
  B: 'B',
  J: 'J',
  U: 'U',
  N: 'N',
  CR: 'CR',
  CW: 'CW',
  R1: 'R1',
  RD: 'RD',
} as const;
export type Format = (typeof Format)[keyof typeof Format];

/** How the 16-bit immediate of an I/L/S/U/CR/CW word is read. */
export const Imm = {
  /** Two's complement, -32768..32767, sign-extended to 32 bits. */
  S16: 's16',
  /** 0..65535, zero-extended. */
  U16: 'u16',
  /** Shift amount 0..31; the upper 11 bits of the field must be zero. */
  SHAMT: 'shamt',
  /** No immediate. */
  NONE: 'none',
} as const;
export type Imm = (typeof Imm)[keyof typeof Imm];

/** Cycle classes: each instruction costs the cycles configured for its class (see timing.ts). */
export const CycleClass = {
  ALU: 'alu',
  MUL: 'mul',
  DIV: 'div',
  LOAD: 'load',
  STORE: 'store',
  BRANCH: 'branch',
  JUMP: 'jump',
  SYSTEM: 'system',
} as const;
export type CycleClass = (typeof CycleClass)[keyof typeof CycleClass];

export interface InstrDef {
  readonly mnemonic: string;
  readonly opcode: number;
  readonly format: Format;
  readonly imm: Imm;
  readonly cycles: CycleClass;
  /** Traps with the privileged-instruction cause when executed in user mode. */
  readonly privileged: boolean;
  /** One line: what it does, for asm/README.md, the disassembler's comments and `--help`. */
  readonly summary: string;
}

function def(
  mnemonic: string,
  opcode: number,
  format: Format,
  imm: Imm,
  cycles: CycleClass,
  summary: string,
  privileged = false,
): InstrDef {
  return { mnemonic, opcode, format, imm, cycles, privileged, summary };
}

const { R, I, L, S, B, J, U, N, CR, CW, R1, RD } = Format;
const { S16, U16, SHAMT, NONE } = Imm;
const C = CycleClass;

/** The table. Opcodes are grouped by kind; gaps between groups are illegal. */
export const INSTRUCTIONS: readonly InstrDef[] = [
  // Register-register arithmetic. Shifts use rs2 mod 32. Division by zero does not trap:
  // div/divu give -1 (all ones), rem/remu give the dividend; INT_MIN / -1 gives INT_MIN, rem 0.
  def('add', 0x01, R, NONE, C.ALU, 'rd = rs1 + rs2 (wraps)'),
  def('sub', 0x02, R, NONE, C.ALU, 'rd = rs1 - rs2 (wraps)'),
  def('and', 0x03, R, NONE, C.ALU, 'rd = rs1 & rs2'),
  def('or', 0x04, R, NONE, C.ALU, 'rd = rs1 | rs2'),
  def('xor', 0x05, R, NONE, C.ALU, 'rd = rs1 ^ rs2'),
  def('sll', 0x06, R, NONE, C.ALU, 'rd = rs1 << (rs2 mod 32)'),
  def('srl', 0x07, R, NONE, C.ALU, 'rd = rs1 >>> (rs2 mod 32), zeros shifted in'),
  def('sra', 0x08, R, NONE, C.ALU, 'rd = rs1 >> (rs2 mod 32), sign bit shifted in'),
  def('slt', 0x09, R, NONE, C.ALU, 'rd = 1 if rs1 < rs2 (signed) else 0'),
  def('sltu', 0x0a, R, NONE, C.ALU, 'rd = 1 if rs1 < rs2 (unsigned) else 0'),
  def('mul', 0x0b, R, NONE, C.MUL, 'rd = low 32 bits of rs1 * rs2'),
  def('mulh', 0x0c, R, NONE, C.MUL, 'rd = high 32 bits of rs1 * rs2 (signed x signed)'),
  def('mulhu', 0x0d, R, NONE, C.MUL, 'rd = high 32 bits of rs1 * rs2 (unsigned x unsigned)'),
  def('div', 0x0e, R, NONE, C.DIV, 'rd = rs1 / rs2 (signed, rounds toward zero)'),
  def('divu', 0x0f, R, NONE, C.DIV, 'rd = rs1 / rs2 (unsigned)'),
  def('rem', 0x10, R, NONE, C.DIV, 'rd = rs1 % rs2 (signed, sign of the dividend)'),
  def('remu', 0x11, R, NONE, C.DIV, 'rd = rs1 % rs2 (unsigned)'),

  // Register-immediate arithmetic.
  def('addi', 0x18, I, S16, C.ALU, 'rd = rs1 + simm16'),
  def('andi', 0x19, I, U16, C.ALU, 'rd = rs1 & uimm16'),
  def('ori', 0x1a, I, U16, C.ALU, 'rd = rs1 | uimm16'),
  def('xori', 0x1b, I, U16, C.ALU, 'rd = rs1 ^ uimm16'),
  def('slli', 0x1c, I, SHAMT, C.ALU, 'rd = rs1 << shamt'),
  def('srli', 0x1d, I, SHAMT, C.ALU, 'rd = rs1 >>> shamt'),
  def('srai', 0x1e, I, SHAMT, C.ALU, 'rd = rs1 >> shamt'),
  def('slti', 0x1f, I, S16, C.ALU, 'rd = 1 if rs1 < simm16 (signed) else 0'),
  def('sltiu', 0x20, I, S16, C.ALU, 'rd = 1 if rs1 < simm16 (both as unsigned) else 0'),
  def('lui', 0x21, U, U16, C.ALU, 'rd = uimm16 << 16'),

  // Loads and stores: address = rs1 + simm16; words and halves must be aligned.
  def('lw', 0x28, L, S16, C.LOAD, 'rd = word at rs1 + simm16'),
  def('lh', 0x29, L, S16, C.LOAD, 'rd = sign-extended half at rs1 + simm16'),
  def('lhu', 0x2a, L, S16, C.LOAD, 'rd = zero-extended half at rs1 + simm16'),
  def('lb', 0x2b, L, S16, C.LOAD, 'rd = sign-extended byte at rs1 + simm16'),
  def('lbu', 0x2c, L, S16, C.LOAD, 'rd = zero-extended byte at rs1 + simm16'),
  def('sw', 0x30, S, S16, C.STORE, 'word at rs1 + simm16 = rs2'),
  def('sh', 0x31, S, S16, C.STORE, 'half at rs1 + simm16 = low 16 bits of rs2'),
  def('sb', 0x32, S, S16, C.STORE, 'byte at rs1 + simm16 = low 8 bits of rs2'),

  // Compare and branch: the offset counts words from the branch itself.
  def('beq', 0x38, B, S16, C.BRANCH, 'branch if rs1 == rs2'),
  def('bne', 0x39, B, S16, C.BRANCH, 'branch if rs1 != rs2'),
  def('blt', 0x3a, B, S16, C.BRANCH, 'branch if rs1 < rs2 (signed)'),
  def('bge', 0x3b, B, S16, C.BRANCH, 'branch if rs1 >= rs2 (signed)'),
  def('bltu', 0x3c, B, S16, C.BRANCH, 'branch if rs1 < rs2 (unsigned)'),
  def('bgeu', 0x3d, B, S16, C.BRANCH, 'branch if rs1 >= rs2 (unsigned)'),

  // Jumps. jal's offset counts words from the jal itself (+-2 MiB); jalr's target must be
  // word-aligned or it traps (misaligned fetch) before writing rd.
  def('jal', 0x40, J, NONE, C.JUMP, 'rd = pc + 4; pc = pc + off20 * 4'),
  def('jalr', 0x41, I, S16, C.JUMP, 'rd = pc + 4; pc = rs1 + simm16'),

  // System.
  def('syscall', 0x48, N, NONE, C.SYSTEM, 'trap to the kernel with the syscall cause'),
  def('break', 0x49, N, NONE, C.SYSTEM, 'trap to the kernel with the breakpoint cause'),
  def('eret', 0x4a, N, NONE, C.SYSTEM, 'return from a trap: pc = EPC, pop STATUS', true),
  def('halt', 0x4b, N, NONE, C.SYSTEM, 'stop the machine; a0 (r1) is the exit status', true),
  def('wait', 0x4c, N, NONE, C.SYSTEM, 'sleep until an interrupt is pending', true),
  def('csrr', 0x4d, CR, U16, C.SYSTEM, 'rd = control register', true),
  def('csrw', 0x4e, CW, U16, C.SYSTEM, 'control register = rs1', true),
  def('tlbflush', 0x4f, N, NONE, C.SYSTEM, 'invalidate every TLB entry', true),
  def('tlbinv', 0x50, R1, NONE, C.SYSTEM, "invalidate the TLB entries for rs1's page, in every ASID", true),
  def('rdcycle', 0x51, RD, NONE, C.SYSTEM, 'rd = low 32 bits of the cycle counter (allowed in user mode)'),
];

/** Opcodes by name, for the CPU's switch. Kept in step with INSTRUCTIONS by a test. */
export const Op = {
  ADD: 0x01, SUB: 0x02, AND: 0x03, OR: 0x04, XOR: 0x05, SLL: 0x06, SRL: 0x07, SRA: 0x08,
  SLT: 0x09, SLTU: 0x0a, MUL: 0x0b, MULH: 0x0c, MULHU: 0x0d, DIV: 0x0e, DIVU: 0x0f, REM: 0x10,
  REMU: 0x11,
  ADDI: 0x18, ANDI: 0x19, ORI: 0x1a, XORI: 0x1b, SLLI: 0x1c, SRLI: 0x1d, SRAI: 0x1e, SLTI: 0x1f,
  SLTIU: 0x20, LUI: 0x21,
  LW: 0x28, LH: 0x29, LHU: 0x2a, LB: 0x2b, LBU: 0x2c, SW: 0x30, SH: 0x31, SB: 0x32,
  BEQ: 0x38, BNE: 0x39, BLT: 0x3a, BGE: 0x3b, BLTU: 0x3c, BGEU: 0x3d,
  JAL: 0x40, JALR: 0x41,
  SYSCALL: 0x48, BREAK: 0x49, ERET: 0x4a, HALT: 0x4b, WAIT: 0x4c, CSRR: 0x4d, CSRW: 0x4e,
  TLBFLUSH: 0x4f, TLBINV: 0x50, RDCYCLE: 0x51,
} as const;

export const BY_MNEMONIC: ReadonlyMap<string, InstrDef> = new Map(INSTRUCTIONS.map((d) => [d.mnemonic, d]));

/** Indexed by opcode (0..255); undefined where the opcode is illegal. */
export const BY_OPCODE: readonly (InstrDef | undefined)[] = (() => {
  const t: (InstrDef | undefined)[] = new Array(256).fill(undefined);
  for (const d of INSTRUCTIONS) t[d.opcode] = d;
  return t;
})();

/** Bits that must be zero in each format (a set bit makes the word illegal). */
export const MUST_BE_ZERO: Readonly<Record<Format, number>> = {
  R: 0xfff00000 | 0,
  I: 0,
  L: 0,
  S: 0,
  B: 0,
  J: 0,
  U: 0x0000f000,
  N: 0xffffff00 | 0,
  CR: 0x0000f000,
  CW: 0x00000f00,
  R1: 0xffff0f00 | 0,
  RD: 0xfffff000 | 0,
};

/** Operands of one instruction, by field name. Fields a format lacks are 0. */
export interface Fields {
  rd: number;
  rs1: number;
  rs2: number;
  /** The immediate as the instruction reads it: sign- or zero-extended; for B and J, in words. */
  imm: number;
}

/** Ranges of the immediate fields, as the assembler checks them. */
export const IMM_RANGE: Readonly<Record<Imm, readonly [number, number]>> = {
  s16: [-32768, 32767],
  u16: [0, 65535],
  shamt: [0, 31],
  none: [0, 0],
};
export const BRANCH_WORDS_RANGE = [-32768, 32767] as const;
export const JUMP_WORDS_RANGE = [-(1 << 19), (1 << 19) - 1] as const;

/** Builds the word for `d` with the given fields. Ranges are the caller's to check. */
export function encode(d: InstrDef, f: Fields): number {
  const op = d.opcode;
  switch (d.format) {
    case 'R':
      return (op | (f.rd << 8) | (f.rs1 << 12) | (f.rs2 << 16)) >>> 0;
    case 'I':
    case 'L':
      return (op | (f.rd << 8) | (f.rs1 << 12) | ((f.imm & 0xffff) << 16)) >>> 0;
    case 'S':
      return (op | (f.rs2 << 8) | (f.rs1 << 12) | ((f.imm & 0xffff) << 16)) >>> 0;
    case 'B':
      return (op | (f.rs1 << 8) | (f.rs2 << 12) | ((f.imm & 0xffff) << 16)) >>> 0;
    case 'J':
      return (op | (f.rd << 8) | ((f.imm & 0xfffff) << 12)) >>> 0;
    case 'U':
    case 'CR':
      return (op | (f.rd << 8) | ((f.imm & 0xffff) << 16)) >>> 0;
    case 'CW':
      return (op | (f.rs1 << 12) | ((f.imm & 0xffff) << 16)) >>> 0;
    case 'N':
      return op >>> 0;
    case 'R1':
      return (op | (f.rs1 << 12)) >>> 0;
    case 'RD':
      return (op | (f.rd << 8)) >>> 0;
  }
}

/**
 * Decodes a word for the disassembler and the tests (the CPU decodes inline).
 * Returns undefined for every word the CPU would treat as an illegal instruction,
 * except that CSR numbers are not checked here (csr.ts knows them).
 */
export function decode(word: number): { def: InstrDef; fields: Fields } | undefined {
  const w = word >>> 0;
  const d = BY_OPCODE[w & 0xff];
  if (d === undefined) return undefined;
  if ((w & MUST_BE_ZERO[d.format]) !== 0) return undefined;
  const hi = w >>> 16;
  const simm = (w | 0) >> 16;
  const f: Fields = { rd: 0, rs1: 0, rs2: 0, imm: 0 };
  switch (d.format) {
    case 'R':
      f.rd = (w >>> 8) & 15; f.rs1 = (w >>> 12) & 15; f.rs2 = (w >>> 16) & 15;
      break;
    case 'I':
    case 'L':
      f.rd = (w >>> 8) & 15; f.rs1 = (w >>> 12) & 15;
      f.imm = d.imm === 's16' ? simm : hi;
      if (d.imm === 'shamt' && hi > 31) return undefined;
      break;
    case 'S':
      f.rs2 = (w >>> 8) & 15; f.rs1 = (w >>> 12) & 15; f.imm = simm;
      break;
    case 'B':
      f.rs1 = (w >>> 8) & 15; f.rs2 = (w >>> 12) & 15; f.imm = simm;
      break;
    case 'J':
      f.rd = (w >>> 8) & 15; f.imm = (w | 0) >> 12;
      break;
    case 'U':
    case 'CR':
      f.rd = (w >>> 8) & 15; f.imm = hi;
      break;
    case 'CW':
      f.rs1 = (w >>> 12) & 15; f.imm = hi;
      break;
    case 'R1':
      f.rs1 = (w >>> 12) & 15;
      break;
    case 'RD':
      f.rd = (w >>> 8) & 15;
      break;
    case 'N':
      break;
  }
  return { def: d, fields: f };
}
