// `vmlab debug PROGRAM... [run options]`: the debugger (src/study/debugger.ts) on a terminal or
// on a script. On a terminal: readline with a prompt and history; an empty line repeats the
// last step or continue; Ctrl-C stops a running command (and at the prompt just clears the
// line); Ctrl-D or `quit` ends. When stdin is not a terminal, commands are read from it one a
// line, each echoed after the prompt so the transcript reads like a session, to the end of the
// input; the exit status is then 1 if any command failed, else 0.

import readline from 'node:readline';
import type { Command } from 'commander';
import { Debugger, type DebugIO } from '../study/debugger.ts';
import { addKernelOptions } from './kernel-options.ts';
import { addMachineOptions } from './machine-options.ts';
import { addStudyOptions } from './study-options.ts';
import { checkRunOutputs, writeStats, type RunOptions } from './run.ts';

/** The prompt, and the marker before each command echoed from a script. */
export const PROMPT = '(vmlab) ';

/** Commands an empty line repeats on a terminal. */
const REPEATABLE = /^(s|step|c|continue)(\s|$)/i;

export function registerDebug(program: Command): void {
  const cmd = program
    .command('debug')
    .summary('step through programs: breakpoints, registers, the TLB, page tables, frames')
    .description(
      'Boot the programs as `vmlab run` does (one bare program, or user programs under the kernel) and stop ' +
        'before the first instruction. Commands come from the terminal, or one a line from stdin when it is ' +
        "not a terminal. Type 'help' in the session for the commands.",
    )
    .argument('<programs...>', 'programs to debug (.s or .vmx)')
    .option('--input <file>', "bytes for the console's RX register");
  addMachineOptions(cmd);
  addKernelOptions(cmd);
  addStudyOptions(cmd);
  cmd.action(async (files: string[], opts: RunOptions) => {
    process.exitCode = await debugCommand(files, opts);
  });
}

const stdio: DebugIO = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  console: (b) => void process.stdout.write(b),
};

/** The command on the process's own stdin/stdout/stderr; returns the exit status. */
export async function debugCommand(files: string[], opts: RunOptions): Promise<number> {
  const interactive = process.stdin.isTTY === true;
  const io: DebugIO = { ...stdio };
  if (interactive && process.stderr.isTTY === true) {
    io.progress = (text) => void process.stderr.write(text === null ? '\r\x1b[K' : `\r${text}\x1b[K`);
  }
  // The output files first: a session's statistics are not lost to a typo in their path.
  checkRunOutputs(opts);
  const dbg = Debugger.boot(files, opts, io);
  try {
    io.out(`${dbg.banner()}\n`);
    if (interactive) {
      await runInteractive(dbg);
      return 0;
    }
    const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
    return await runScript(dbg, rl, io);
  } finally {
    writeStats(dbg.finish(), opts, { out: (b) => io.console(b), err: io.err });
  }
}

/**
 * A session from lines (a script, stdin that is not a terminal, a test): each command is
 * echoed after PROMPT, then run; blank lines and `#` comments are skipped. Ends at `quit` or
 * the end of the lines. Returns 1 if any command failed, else 0.
 */
export async function runScript(dbg: Debugger, lines: AsyncIterable<string> | Iterable<string>, io: Pick<DebugIO, 'out'>): Promise<number> {
  let failed = false;
  for await (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    dbg.flushConsole();
    io.out(`${PROMPT}${line}\n`);
    const r = await dbg.execute(line);
    if (r === 'error') failed = true;
    if (r === 'quit') break;
  }
  return failed ? 1 : 0;
}

/** The terminal session: prompt, history, Ctrl-C to stop a running command. */
async function runInteractive(dbg: Debugger): Promise<void> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, prompt: PROMPT, historySize: 1000, terminal: true });
  let busy = false;
  rl.on('SIGINT', () => {
    if (busy) {
      dbg.interrupted = true;
      return;
    }
    process.stdout.write('^C\n');
    rl.write(null, { ctrl: true, name: 'u' });
  });
  let last = '';
  rl.prompt();
  try {
    for await (const typed of rl) {
      let line = typed.trim();
      if (line === '' && REPEATABLE.test(last)) line = last;
      if (line !== '') last = line;
      busy = true;
      const r = await dbg.execute(line);
      busy = false;
      if (r === 'quit') break;
      dbg.flushConsole();
      rl.prompt();
    }
  } finally {
    rl.close();
  }
}
