// Aligned text tables for people: stats at exit, replay and sweep results, bench figures.
// Numbers are right-aligned, text left-aligned; a rule separates the header.

export type Cell = string | number | bigint | undefined | null;

export interface TableOptions {
  /** Column titles. */
  head: readonly string[];
  /** Per column: 'l' or 'r'. Default: right for columns whose body cells are all numeric. */
  align?: readonly ('l' | 'r')[];
  /** Spaces between columns. */
  gap?: number;
  /** Indent every line by this many spaces. */
  indent?: number;
}

/** Thousands separators for integers; up to `digits` decimals for others. */
export function formatNumber(n: number | bigint, digits = 2): string {
  if (typeof n === 'bigint') return n.toLocaleString('en-US');
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function cellText(c: Cell): string {
  if (c === undefined || c === null) return '';
  if (typeof c === 'number' || typeof c === 'bigint') return formatNumber(c);
  return c;
}

const NUMERIC = /^[-+]?[\d,]*\.?\d+(e[-+]?\d+)?\s*%?$|^[-+]?[\d,]+(\.\d+)?\s*[x×%]?$/i;

export function renderTable(rows: readonly (readonly Cell[])[], opts: TableOptions): string {
  const gap = ' '.repeat(opts.gap ?? 2);
  const indent = ' '.repeat(opts.indent ?? 0);
  const text = rows.map((r) => opts.head.map((_, i) => cellText(r[i])));
  const widths = opts.head.map((h, i) => Math.max(h.length, ...text.map((r) => r[i]!.length)));
  const align = opts.head.map((_, i) => {
    const a = opts.align?.[i];
    if (a) return a;
    const body = text.map((r) => r[i]!).filter((s) => s !== '');
    return body.length > 0 && body.every((s) => NUMERIC.test(s)) ? 'r' : 'l';
  });
  const line = (cells: readonly string[]) =>
    indent +
    cells
      .map((c, i) => (align[i] === 'r' ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join(gap)
      .trimEnd();
  return [line(opts.head), indent + widths.map((w) => '-'.repeat(w)).join(gap), ...text.map(line)].join('\n');
}

/** Two-column "name  value" list, names left, values right-aligned, for stats. */
export function renderPairs(pairs: readonly (readonly [string, Cell])[], indent = 2): string {
  const w = Math.max(0, ...pairs.map(([k]) => k.length));
  const vals = pairs.map(([, v]) => cellText(v));
  const vw = Math.max(0, ...vals.map((v) => v.length));
  return pairs.map(([k], i) => `${' '.repeat(indent)}${k.padEnd(w)}  ${vals[i]!.padStart(vw)}`).join('\n');
}
