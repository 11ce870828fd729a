// The assembler's public API. `vmlab asm`, `vmlab run FILE.s`, the kernel build and the tests
// call these; everything else in src/asm/ is internal.
//
// Bad input never throws: every problem in the source is a Diagnostic (file:line:col and a
// message), all of them collected, and `exe` is then null. Only a main file that cannot be
// read at all is a UserError (from assembleFile).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { UserError, errorMessage } from '../util/errors.ts';
import { Assembler } from './assembler.ts';
import type { AssembleResult, ReadFile } from './assembler.ts';

export type { AssembleResult, ListingLine, ReadFile } from './assembler.ts';
export type { Diagnostic } from './diag.ts';
export { formatDiagnostic } from './diag.ts';
export { formatListing } from './listing.ts';

function readText(p: string): string {
  return readFileSync(p, 'utf8');
}

/**
 * Assembles source text. `file` names it in diagnostics, in the line map (files[0]) and as
 * the base for relative `.include` paths; `readFile` reads included files (default: node:fs),
 * and may throw for a missing one.
 */
export function assembleSource(source: string, file: string, readFile: ReadFile = readText): AssembleResult {
  const a = new Assembler(readFile);
  a.read(file, source, [path.resolve(file)]);
  return a.finish();
}

/** Reads and assembles a file. Throws UserError only if the file itself cannot be read. */
export function assembleFile(file: string): AssembleResult {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : errorMessage(e);
    throw new UserError(`cannot read ${file}: ${why}`);
  }
  return assembleSource(source, file);
}
