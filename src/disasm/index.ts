// The disassembler: one word (disassembleWord) or a whole executable (disassemble).
export { disassembleWord, isValidInstruction, hexWord, type DisasmWordOptions } from './word.ts';
export { disassemble, type DisassembleOptions } from './program.ts';
export { SymbolIndex, symbolIndex } from './symbols.ts';
