// Assembler diagnostics: every error the assembler reports goes through Diags.error, which
// attaches the text of the offending source line so that the message can be shown with a
// caret under the column.

import type { Pos } from './ast.ts';

export interface Diagnostic {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
  message: string;
  /** The whole source line the position is in (without its line break). */
  sourceLine: string;
}

/** After this many errors the assembler stops reporting (a binary file fed to it, say). */
export const MAX_DIAGNOSTICS = 100;

export class Diags {
  /** The errors, in the order found (at most MAX_DIAGNOSTICS). */
  readonly list: Diagnostic[] = [];
  /** Set once there were more: a "too many errors" note, to be shown last. */
  overflow: Diagnostic | undefined;
  private readonly seen = new Set<string>();

  /** @param lineText returns the text of a line of a file read so far ('' if unknown). */
  constructor(private readonly lineText: (file: string, line: number) => string) {}

  /** Errors found so far, including any beyond the limit. */
  get count(): number {
    return this.list.length + (this.overflow === undefined ? 0 : 1);
  }

  /**
   * Records one error at pos. The same message at the same position is recorded once (the
   * passes may meet the same fault twice). Past MAX_DIAGNOSTICS, the first further error
   * becomes a "too many errors" note and the rest are dropped. A message is always one line:
   * control characters that user text brings in (an include path spelled with "\n") are
   * shown escaped.
   */
  error(pos: Pos, text: string): void {
    if (this.overflow !== undefined) return;
    const message = oneLine(text);
    const key = `${pos.file}\0${pos.line}\0${pos.col}\0${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const d = { file: pos.file, line: pos.line, col: pos.col, message, sourceLine: this.lineText(pos.file, pos.line) };
    if (this.list.length < MAX_DIAGNOSTICS) this.list.push(d);
    else this.overflow = { ...d, message: `too many errors (${MAX_DIAGNOSTICS} shown); stopping` };
  }
}

/**
 * The three-line form:
 *
 *     file:line:col: error: message
 *         the source line
 *         ^
 *
 * The caret line copies the tabs of the source line so that the caret sits under the column
 * whatever the tab width. A diagnostic at line 0 (no position) is just `file: error: message`.
 */
export function formatDiagnostic(d: Diagnostic): string {
  if (d.line <= 0) return `${d.file}: error: ${d.message}`;
  const head = `${d.file}:${d.line}:${d.col}: error: ${d.message}`;
  const src = d.sourceLine.replace(/\s+$/, '');
  const pad = d.sourceLine.slice(0, Math.max(0, d.col - 1)).replace(/[^\t]/g, ' ').padEnd(d.col - 1);
  return `${head}\n${src}\n${pad}^`;
}

/** Control characters as escapes (\n, \t, \xNN), so a diagnostic stays on one line. */
function oneLine(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    if (c === '\r') return '\\r';
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}
