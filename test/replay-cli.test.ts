// `vmlab replay`, in process: the command registered on a program like vmlab's and run through
// the CLI's one error handler.

import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ExitCode, runCli } from '../src/cli/errors.ts';
import { UP_MARK, faultTable, parseFrameList, parsePolicyList, registerReplay, runReplay } from '../src/cli/replay.ts';
import { replayGrid } from '../src/study/replay.ts';
import { parseRefs } from '../src/study/refs-format.ts';
import { UserError } from '../src/util/errors.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vmlab-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const belady = path.join(dir, 'belady.txt');
writeFileSync(belady, '1,2,3,4,1,2,5,1,2,3,4,5\n');

async function replay(...args: string[]) {
  let out = '', err = '';
  const program = new Command('vmlab');
  registerReplay(program, { out: (t) => (out += t), err: (t) => (err += t) });
  const status = await runCli(program, ['node', 'vmlab', 'replay', ...args], { err: (t) => (err += t) });
  return { status, out, err };
}

/** The table's body rows as arrays of cells. */
function rows(out: string): string[][] {
  const lines = out.split('\n');
  const rule = lines.findIndex((l) => /^-+(\s+-+)+$/.test(l.trim()));
  const body: string[][] = [];
  for (const l of lines.slice(rule + 1)) {
    if (l.trim() === '') break;
    body.push(l.trim().split(/\s+/));
  }
  return body;
}

describe('vmlab replay', () => {
  it('acceptance: fifo with 3 and 4 frames prints 9 and 10', async () => {
    const r = await replay(belady, '--policy', 'fifo', '--frames', '3-4');
    expect(r.status).toBe(0);
    expect(r.err).toBe('');
    expect(rows(r.out)).toEqual([
      ['3', '9'],
      ['4', `10${UP_MARK}`],
    ]);
    expect(r.out).toContain("Belady's anomaly");
    expect(r.out).toMatch(/12 references, 5 pages, 1 process\n/);
  });

  it('prints a column per policy, a row per frame count, aligned', async () => {
    const r = await replay(belady, '--frames', '1-5');
    expect(r.status).toBe(0);
    const lines = r.out.split('\n');
    const head = lines.find((l) => l.trim().startsWith('frames'))!;
    expect(head.trim().split(/\s+/)).toEqual(['frames', 'fifo', 'lru', 'opt', 'clock', 'random']);
    const body = rows(r.out);
    expect(body.map((row) => row[0])).toEqual(['1', '2', '3', '4', '5']);
    expect(body[2]!.slice(1, 4)).toEqual(['9', '10', '7']);
    expect(body[3]!.slice(1, 4)).toEqual([`10${UP_MARK}`, '8', '6']);
    // Every table line ends at the same column or earlier (right-aligned, trailing blanks cut).
    const table = lines.slice(lines.indexOf(head), lines.indexOf(head) + 7);
    const ends = table.map((l) => l.length);
    expect(Math.max(...ends) - Math.min(...ends)).toBeLessThanOrEqual(1);
    expect(r.out).toContain('random: seed 1');
  });

  it('--json gives the numbers', async () => {
    const r = await replay(belady, '--frames', '3,4', '--policy', 'opt,fifo,lru', '--json');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.out) as Record<string, unknown>;
    expect(j).toMatchObject({
      references: 12, pages: 5, processes: 1, compulsory: 5, frames: [3, 4], policies: ['opt', 'fifo', 'lru'],
      faults: { opt: [7, 6], fifo: [9, 10], lru: [10, 8] },
    });
  });

  it('--chart writes an SVG of faults vs frames', async () => {
    const svg = path.join(dir, 'faults.svg');
    const r = await replay(belady, '--frames', '1-6', '--chart', svg, '--policy', 'fifo,opt');
    expect(r.status).toBe(0);
    expect(r.err).toBe(`vmlab: wrote ${svg} (faults vs frames, 2 policies)\n`);
    const text = readFileSync(svg, 'utf8');
    expect(text.startsWith('<svg')).toBe(true);
    expect(text).toContain('data-series="fifo"');
    expect(text).toContain('data-x="4" data-y="10"');
  });

  it('reads PID VPN files and counts processes and exits', async () => {
    const f = path.join(dir, 'run.refs');
    writeFileSync(f, '# vmlab\n1 0x0\n2 0x0\n1 0x1\n1 exit\n2 0x1\n2 0x0\n');
    const r = await replay(f, '--frames', '2', '--policy', 'lru');
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/5 references, 4 pages, 2 processes, 1 exit\n/);
    expect(rows(r.out)).toEqual([['2', '4']]);
  });

  it('bad input: one line, non-zero status', async () => {
    const cases: [string[], number, RegExp][] = [
      [[belady, '--policy', 'fifo,bogus'], ExitCode.USAGE, /^vmlab replay: --policy: unknown policy "bogus" \(choose from fifo, lru, opt, clock, random\)/],
      [[belady, '--policy', ','], ExitCode.USAGE, /^vmlab replay: --policy: no policy given/],
      [[belady, '--frames', '4-3'], ExitCode.USAGE, /^vmlab replay: --frames: the range 4-3 runs backwards/],
      [[belady, '--frames', '0-3'], ExitCode.USAGE, /^vmlab replay: --frames: frames start at 1/],
      [[belady, '--frames', 'x'], ExitCode.USAGE, /^vmlab replay: --frames: "x" is not a count or a range/],
      [[belady, '--frames', '1-100000'], ExitCode.USAGE, /more than 10000 frame counts/],
      [[belady, '--seed', '-1'], ExitCode.USAGE, /^vmlab replay: --seed must be an integer from 0 to 4294967295/],
      [[path.join(dir, 'missing.txt')], ExitCode.FAILURE, /^vmlab: cannot read .*missing\.txt: no such file or directory$/],
      [[dir], ExitCode.FAILURE, /^vmlab: cannot read .*: is a directory$/],
      [[belady, '--chart', path.join(dir, 'no', 'x.svg')], ExitCode.FAILURE, /^vmlab: cannot write .*x\.svg: no such file or directory$/],
    ];
    const bad = path.join(dir, 'bad.refs');
    writeFileSync(bad, '1 0x1\n1 0x2\n1 2\n');
    cases.push([[bad], ExitCode.FAILURE, /^vmlab: .*bad\.refs:3: "2" is not a page number in 0x hex, nor "exit"$/]);
    for (const [args, status, msg] of cases) {
      const r = await replay(...args);
      expect(r.status, args.join(' ')).toBe(status);
      expect(r.err.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.err.trimEnd(), args.join(' ')).toMatch(msg);
      expect(r.out).toBe('');
    }
  });
});

describe('progress', () => {
  it('is reported for long runs only, and erased at the end', () => {
    const big = path.join(dir, 'big.txt');
    writeFileSync(big, Array.from({ length: 1_000_000 }, (_, i) => (i * 31) % 97).join('\n'));
    const seen: string[] = [];
    let out = '';
    const io = { out: (t: string) => (out += t), err: () => {}, progress: (t: string) => seen.push(t) };
    runReplay(big, { frames: [1, 2, 3, 4] }, io);
    expect(seen.length).toBe(21);
    expect(seen[0]).toBe('replaying: 1/20 simulations');
    expect(seen[20]).toBe('');
    expect(out).toContain('1,000,000 references, 97 pages');
    seen.length = 0;
    runReplay(belady, { frames: [1, 2, 3, 4] }, io);
    expect(seen).toEqual([]);
  });
});

describe('option parsers and the table', () => {
  it('parse frame lists and policies', () => {
    expect(parseFrameList('3')).toEqual([3]);
    expect(parseFrameList('3-4')).toEqual([3, 4]);
    expect(parseFrameList('8, 1-3,2')).toEqual([1, 2, 3, 8]);
    expect(() => parseFrameList('')).toThrow(UserError);
    expect(parsePolicyList(' LRU, fifo,lru ')).toEqual(['lru', 'fifo']);
  });

  it('marks only the counts that go up', () => {
    const g = replayGrid(parseRefs('1,2,3,4,1,2,5,1,2,3,4,5', 'b'), ['fifo', 'opt'], { from: 2, to: 5 });
    const t = faultTable(g);
    expect(t.ups).toBe(1);
    expect(t.text.split(UP_MARK)).toHaveLength(2);
  });
});
