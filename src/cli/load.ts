// Getting an Executable from what the user names on the command line: a .vmx file is read and
// validated; anything else is assembled on the fly. Used by `disasm` and by commands that run
// programs.

import path from 'node:path';
import { assembleFile, formatDiagnostic, type AssembleResult } from '../asm/index.ts';
import { VMX_MAGIC, readExecutable } from '../exe/format.ts';
import type { Executable } from '../exe/types.ts';
import { UserError } from '../util/errors.ts';
import { readFileChecked } from '../util/files.ts';

export interface DiagnosticSink {
  /** Receives each assembler diagnostic in its 3-line form, newline-terminated. */
  err: (text: string) => void;
}

/**
 * The executable of an assembly, or — after writing every diagnostic to `io.err` — a
 * UserError `FILE: N errors`. The executable returned has at least one diagnostic-free, valid
 * layout as far as the assembler knows; callers that write it still validate it.
 */
export function assembleOrFail(file: string, io: DiagnosticSink): { exe: Executable; result: AssembleResult } {
  const result = assembleFile(file);
  const n = result.diagnostics.length;
  for (const d of result.diagnostics) io.err(`${formatDiagnostic(d).replace(/\n+$/, '')}\n`);
  if (n > 0) throw new UserError(`${file}: ${n} error${n === 1 ? '' : 's'}`);
  if (result.exe === null) throw new Error(`the assembler returned neither an executable nor a diagnostic for ${file}`);
  return { exe: result.exe, result };
}

/** True if bytes begin with the .vmx magic number. */
export function looksLikeExecutable(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) === VMX_MAGIC;
}

/**
 * The program in `file`: a .vmx file (by its name or by its magic number) is read and
 * validated, any other file is assembled (diagnostics to io.err). Every failure is a UserError.
 */
export function loadProgram(file: string, io: DiagnosticSink): Executable {
  const bytes = readFileChecked(file);
  if (looksLikeExecutable(bytes) || path.extname(file).toLowerCase() === '.vmx') return readExecutable(bytes, file);
  return assembleOrFail(file, io).exe;
}
