// Progress of long work on stderr (sweeps, the benchmark suite): how much is done, how long it
// has taken and about how long is left.
//
// On a terminal it is one line that rewrites itself (`\r`, then erase to the end of the line),
// at most every `intervalMs` (default 100 ms):
//
//   sweep [##########----------]  9/18 runs  50%  0:12 elapsed, ~0:12 left
//
// Elsewhere (a pipe, a log file, CI) rewriting a line would leave a mess, so it prints plain
// lines instead, at most every `intervalMs` (default 5 s) and never more than about ten times
// in all, and one at the end:
//
//   sweep: 9/18 runs (50%), 0:12 elapsed, ~0:12 left
//   sweep: 18 runs in 0:24
//
// The estimate of what is left assumes the remaining units take as long as the finished ones
// did on average.

export interface ProgressOptions {
  /** What is progressing, first on the line: "sweep". */
  label: string;
  /** Units of work in all (at least 1). */
  total: number;
  /** The name of a unit, plural: "runs". Default "steps". */
  unit?: string;
  /** Where the text goes. Default: process.stderr. */
  write?: (text: string) => void;
  /** Whether that is a terminal (one rewriting line). Default: process.stderr.isTTY. */
  tty?: boolean;
  /** Least time between two updates, in ms. Default 100 on a terminal, 5000 otherwise. */
  intervalMs?: number;
  /** Width of the bar in characters on a terminal. Default 20. */
  barWidth?: number;
  /** The clock, in ms (tests pass their own). Default Date.now. */
  now?: () => number;
}

/** m:ss, or h:mm:ss from an hour on. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export class Progress {
  private readonly write: (text: string) => void;
  private readonly tty: boolean;
  private readonly interval: number;
  private readonly now: () => number;
  private readonly start: number;
  private readonly unit: string;
  private readonly barWidth: number;
  /** Units done so far. */
  done = 0;
  private lastShown = -Infinity;
  /** Plain mode: the fraction of the work at the last line printed. */
  private lastFraction = 0;
  private finished = false;
  /** A line is on the terminal that finish() must erase. */
  private showing = false;

  constructor(private readonly opts: ProgressOptions) {
    this.write = opts.write ?? ((t) => void process.stderr.write(t));
    this.tty = opts.tty ?? process.stderr.isTTY === true;
    this.interval = opts.intervalMs ?? (this.tty ? 100 : 5000);
    this.now = opts.now ?? Date.now;
    this.start = this.now();
    this.unit = opts.unit ?? 'steps';
    this.barWidth = opts.barWidth ?? 20;
    if (!(opts.total >= 1)) throw new Error(`Progress: total must be at least 1 (got ${opts.total})`);
  }

  /** `n` more units are done; shows the progress if the last update is old enough. */
  tick(n = 1): void {
    this.update(this.done + n);
  }

  /** `done` units are done in all. */
  update(done: number): void {
    if (this.finished) return;
    this.done = Math.min(done, this.opts.total);
    const t = this.now();
    if (t - this.lastShown < this.interval) return;
    const fraction = this.done / this.opts.total;
    // Plain lines: a new one only when a tenth more of the work is done, so a quick job says little.
    if (!this.tty && (this.done === this.opts.total || fraction - this.lastFraction < 0.1)) return;
    this.lastShown = t;
    this.lastFraction = fraction;
    this.show(t);
  }

  /** The work is over: erase the terminal line and print one closing line (`note` appended). */
  finish(note = ''): void {
    if (this.finished) return;
    this.finished = true;
    const elapsed = formatDuration(this.now() - this.start);
    const erase = this.tty && this.showing ? '\r\x1b[K' : '';
    this.write(`${erase}${this.opts.label}: ${this.done} ${this.unit} in ${elapsed}${note}\n`);
  }

  /** The line for `t` (without control characters), for tests and for show(). */
  line(t = this.now()): string {
    const { label, total } = this.opts;
    const elapsedMs = t - this.start;
    const pct = Math.floor((100 * this.done) / total);
    const left = this.done === 0 ? '' : `, ~${formatDuration((elapsedMs / this.done) * (total - this.done))} left`;
    const count = `${this.done}/${total} ${this.unit}`;
    if (!this.tty) return `${label}: ${count} (${pct}%), ${formatDuration(elapsedMs)} elapsed${left}`;
    const filled = Math.round((this.barWidth * this.done) / total);
    const bar = '#'.repeat(filled) + '-'.repeat(this.barWidth - filled);
    return `${label} [${bar}]  ${count}  ${pct}%  ${formatDuration(elapsedMs)} elapsed${left}`;
  }

  private show(t: number): void {
    if (this.tty) {
      this.write(`\r${this.line(t)}\x1b[K`);
      this.showing = true;
    } else {
      this.write(`${this.line(t)}\n`);
    }
  }
}
