// `vmlab replay FILE`: replays a page reference string (from `vmlab run --refs`, or a plain
// list of page numbers) under textbook replacement policies and prints the page faults for
// each number of frames, as a table, as JSON, or as an SVG chart.

import { InvalidArgumentError, Option, type Command } from 'commander';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { UserError } from '../util/errors.ts';
import { fsReason, readFileChecked, writeFileChecked } from '../util/files.ts';
import { renderTable, formatNumber } from '../util/table.ts';
import { lineChart } from '../util/svg-chart.ts';
import { parseRefs, type RefString } from '../study/refs-format.ts';
import { DEFAULT_REPLAY_SEED, POLICIES, isPolicy, refsSummary, replayGrid, type Policy, type ReplayGrid } from '../study/replay.ts';
import { parseIntOption } from './options.ts';

export interface ReplayOptions {
  /** Default: every policy. */
  policy?: readonly Policy[];
  /** Frame counts; default DEFAULT_FRAMES. */
  frames?: readonly number[];
  seed?: number;
  /** Path of an SVG chart to write. */
  chart?: string;
  json?: boolean;
}

/** Where the command writes; tests pass their own. */
export interface ReplayIO {
  out: (text: string) => void;
  /** Notes ("wrote chart.svg"). */
  err: (text: string) => void;
  /** Progress for long runs, replacing the previous one; '' when done (erase it). */
  progress?: (text: string) => void;
}

export const replayStdio: ReplayIO = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  progress: process.stderr.isTTY ? (t) => process.stderr.write(`\r${t}\x1b[K`) : undefined,
};

export const DEFAULT_FRAMES = '1-16';
/** More rows than this is almost surely a typo (and would take a long time). */
export const MAX_FRAME_COUNTS = 10_000;
/** Marks a count that is higher than the one with a frame fewer. */
export const UP_MARK = '↑';

/** Policies from `fifo,lru,...`: known names, each once, in the order given. */
export function parsePolicyList(text: string): Policy[] {
  const names = text.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  if (names.length === 0) throw new UserError(`--policy: no policy given (choose from ${POLICIES.join(', ')})`);
  const out: Policy[] = [];
  for (const n of names) {
    if (!isPolicy(n)) throw new UserError(`--policy: unknown policy "${n}" (choose from ${POLICIES.join(', ')})`);
    if (!out.includes(n)) out.push(n);
  }
  return out;
}

/** Frame counts from `3`, `3-4`, `1-16` or `1,2,4,8-12`: ascending, each once. */
export function parseFrameList(text: string): number[] {
  const set = new Set<number>();
  const bad = (why: string): never => {
    throw new UserError(`--frames: ${why} in "${text}" (expected N, A-B or a comma-separated list, frames >= 1)`);
  };
  const items = text.split(',').map((s) => s.trim());
  if (items.every((s) => s === '')) bad('no frame count');
  for (const item of items) {
    if (item === '') continue;
    const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(item);
    if (!m) bad(`"${item}" is not a count or a range`);
    const a = Number(m![1]);
    const b = m![2] === undefined ? a : Number(m![2]);
    if (a < 1) bad('frames start at 1');
    if (b < a) bad(`the range ${item} runs backwards`);
    if (b - a + 1 > MAX_FRAME_COUNTS || !Number.isSafeInteger(b)) bad(`more than ${MAX_FRAME_COUNTS} frame counts`);
    for (let f = a; f <= b; f++) set.add(f);
    if (set.size > MAX_FRAME_COUNTS) bad(`more than ${MAX_FRAME_COUNTS} frame counts`);
  }
  return [...set].sort((x, y) => x - y);
}

/** The reference string in `file` (`-` for standard input). */
export function readRefsFile(file: string): RefString {
  let text: string;
  if (file === '-') {
    try {
      text = readFileSync(0, 'utf8');
    } catch (e) {
      throw new UserError(`cannot read standard input: ${fsReason(e)}`);
    }
  } else {
    text = Buffer.from(readFileChecked(file)).toString('utf8');
  }
  return parseRefs(text, file === '-' ? '<stdin>' : file);
}

/**
 * The fault table: one row per frame count, one column per policy. A count higher than the
 * one in the row above (one frame fewer when the rows are consecutive) gets UP_MARK; the
 * other cells get a space in its place so that the digits stay aligned.
 */
export function faultTable(grid: ReplayGrid): { text: string; ups: number } {
  let ups = 0;
  const rows = grid.frames.map((f, r) => [
    f,
    ...grid.policies.map((_, c) => {
      const faults = grid.results[r]![c]!.faults;
      const up = r > 0 && faults > grid.results[r - 1]![c]!.faults;
      if (up) ups++;
      return formatNumber(faults) + (up ? UP_MARK : ' ');
    }),
  ]);
  // Headings get the mark's place too, so that they end over the last digit.
  const head = ['frames', ...grid.policies.map((p) => `${p} `)];
  const text = renderTable(rows, { head, align: head.map(() => 'r' as const) });
  return { text, ups };
}

function plural(n: number, word: string, words = `${word}s`): string {
  return `${formatNumber(n)} ${n === 1 ? word : words}`;
}

/** Runs `vmlab replay` (see README.md). Throws UserError for bad input. */
export function runReplay(file: string, opts: ReplayOptions, io: ReplayIO): void {
  const policies = opts.policy ?? POLICIES;
  const frames = opts.frames ?? parseFrameList(DEFAULT_FRAMES);
  const seed = opts.seed ?? DEFAULT_REPLAY_SEED;
  const refs = readRefsFile(file);
  const info = refsSummary(refs);
  const shown = file === '-' ? '<stdin>' : file;
  // An empty file (or one of comments only) is a mistake, not a study of nothing.
  if (info.references === 0) throw new UserError(`${shown}: no page references in it (expected "PID VPN" lines or page numbers)`);

  // Progress only for long work: about 2*10^7 reference steps and more.
  const total = frames.length * policies.length;
  const showProgress = io.progress !== undefined && refs.keys.length * total >= 2e7;
  const grid = replayGrid(refs, policies, frames, {
    seed,
    onProgress: showProgress ? (done, all) => io.progress!(`replaying: ${done}/${all} simulations`) : undefined,
  });
  if (showProgress) io.progress!('');

  if (opts.chart !== undefined) {
    const svg = lineChart({
      title: `Page faults vs frames: ${file === '-' ? 'stdin' : path.basename(file)}`,
      xLabel: 'frames',
      yLabel: 'page faults',
      series: grid.policies.map((p, c) => ({ name: p, points: grid.frames.map((f, r) => [f, grid.results[r]![c]!.faults] as const) })),
    });
    writeFileChecked(opts.chart, svg);
  }
  const chartNote = () => {
    if (opts.chart !== undefined) {
      io.err(`vmlab: wrote ${opts.chart} (faults vs frames, ${plural(grid.policies.length, 'policy', 'policies')})\n`);
    }
  };

  if (opts.json) {
    const byPolicy = (pick: 'faults' | 'evictions') =>
      Object.fromEntries(grid.policies.map((p, c) => [p, grid.frames.map((_, r) => grid.results[r]![c]![pick])]));
    const json = {
      file,
      format: refs.format,
      references: info.references,
      pages: info.pages,
      processes: info.processes,
      exits: info.exits,
      compulsory: grid.compulsory,
      seed,
      frames: grid.frames,
      policies: grid.policies,
      faults: byPolicy('faults'),
      evictions: byPolicy('evictions'),
    };
    // Indented, with each list of plain values kept on one line.
    const text = JSON.stringify(json, null, 2).replace(/\[\s+([^[\]{}]*?)\s+\]/g, (_, inner: string) => `[${inner.split(/,\s+/).join(', ')}]`);
    io.out(text + '\n');
    chartNote();
    return;
  }

  const lines: string[] = [];
  lines.push(
    `${shown}: ${plural(info.references, 'reference')}, ${plural(info.pages, 'page')}, ` +
      plural(info.processes, 'process', 'processes') +
      (info.exits > 0 ? `, ${plural(info.exits, 'exit')}` : ''),
  );
  lines.push(`page faults by frames${policies.includes('random') ? ` (random: seed ${seed})` : ''}:`, '');
  const table = faultTable(grid);
  lines.push(table.text, '');
  if (table.ups > 0) lines.push(`${UP_MARK} more faults than the row above, which has fewer frames (Belady's anomaly)`);
  lines.push(`every policy takes at least ${plural(grid.compulsory, 'fault')}: the first touch of each page`);
  io.out(lines.join('\n') + '\n');
  chartNote();
}

/** A commander parser from one that throws UserError (a bad value is a usage error). */
function usage<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  };
}

/** Adds `replay` to the vmlab command line. */
export function registerReplay(program: Command, io: ReplayIO = replayStdio): void {
  program
    .command('replay')
    .description('replay a page reference string under replacement policies and count the page faults')
    .argument('<file>', 'reference string: "PID 0xVPN" lines (vmlab run --refs) or plain page numbers; - reads stdin')
    .addOption(
      new Option('--policy <list>', `policies, comma-separated: ${POLICIES.join(', ')}`)
        .argParser(usage(parsePolicyList))
        .default([...POLICIES], 'all'),
    )
    .addOption(
      new Option('--frames <range>', 'frame counts: N, A-B, or a comma-separated list of those')
        .argParser(usage(parseFrameList))
        .default(parseFrameList(DEFAULT_FRAMES), DEFAULT_FRAMES),
    )
    .option('--seed <n>', 'seed of the random policy', parseIntOption('--seed', 0, 0xffffffff), DEFAULT_REPLAY_SEED)
    .option('--chart <file.svg>', 'also write an SVG chart of faults vs frames')
    .option('--json', 'print the results as JSON')
    .action((file: string, opts: ReplayOptions) => runReplay(file, opts, io));
}
