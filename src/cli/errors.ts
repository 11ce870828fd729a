// The command line's single error handler. Three kinds of failure, told apart by what was thrown:
//
//   usage error (commander: unknown option, missing argument, bad option value)
//       -> `vmlab asm: <what> (see 'vmlab asm --help')`, exit 2
//   UserError (bad input: a missing file, a corrupt executable, assembler errors)
//       -> `vmlab: <message>`, exit with the error's code (1 unless it says otherwise)
//   anything else: a bug in vmlab
//       -> `vmlab: internal error: <message>` (the stack too when VMLAB_DEBUG=1), exit 70
//
// Commander is told not to print or exit by itself, so every message is one line from here.

import { type Command, CommanderError } from 'commander';
import { UserError, errorMessage } from '../util/errors.ts';

export const ExitCode = {
  OK: 0,
  /** The input was wrong (UserError), or a program run by vmlab failed. */
  FAILURE: 1,
  /** The command line was wrong. */
  USAGE: 2,
  /** A bug in vmlab (EX_SOFTWARE). */
  INTERNAL: 70,
} as const;

export interface ErrorSink {
  err: (text: string) => void;
}

/** `vmlab asm` for a subcommand, `vmlab` for the program. */
function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * Commander's message as one line: no "error: " prefix, the "(Did you mean ...?)" hint on the
 * same line, and for a bad option value only our parser's message when it already names the
 * option (`--frames must be an integer ...` rather than "option '--frames <n>' argument 'x' is
 * invalid. --frames must be ...").
 */
export function usageMessage(raw: string): string {
  let msg = raw.replace(/^error:\s*/, '').trim();
  const invalid = /^option '([^' ]+)[^']*' argument '.*' is invalid\.\s+([\s\S]*)$/.exec(msg);
  if (invalid !== null) {
    const flag = invalid[1]!.split(',').pop()!.trim();
    if (invalid[2]!.startsWith(flag)) msg = invalid[2]!;
  }
  return msg.split('\n').map((l) => l.trim()).filter((l) => l !== '').join(' ');
}

/** Makes cmd and its subcommands throw instead of printing and exiting; records which one failed. */
function quieten(cmd: Command, failed: { cmd: Command }): void {
  cmd.exitOverride();
  cmd.configureOutput({
    outputError: () => {
      failed.cmd = cmd;
    },
  });
  for (const sub of cmd.commands) quieten(sub, failed);
}

/**
 * The exit status for an error thrown while running a command, after printing it (see the top
 * of this file). `failed` is the command that reported a usage error, for the help hint.
 */
export function reportError(e: unknown, failed: Command | undefined, io: ErrorSink, env: NodeJS.ProcessEnv = process.env): number {
  if (e instanceof CommanderError) {
    // --help and --version have printed what was asked; `vmlab` alone printed help to stderr.
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return ExitCode.OK;
    if (e.code === 'commander.help') return e.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    const where = failed === undefined ? 'vmlab' : commandPath(failed);
    io.err(`${where}: ${usageMessage(e.message)} (see '${where} --help')\n`);
    return ExitCode.USAGE;
  }
  if (e instanceof UserError) {
    io.err(`vmlab: ${e.message}\n`);
    return e.exitCode;
  }
  if (env.VMLAB_DEBUG === '1') {
    io.err(`vmlab: internal error: ${errorMessage(e)}\n${e instanceof Error ? `${e.stack ?? ''}\n` : ''}`);
  } else {
    io.err(`vmlab: internal error: ${errorMessage(e)} (a bug in vmlab; VMLAB_DEBUG=1 shows where)\n`);
  }
  return ExitCode.INTERNAL;
}

/**
 * Parses argv and runs the chosen command with every error handled as above. Returns the exit
 * status: 0 on success (a command that needs another status on success sets process.exitCode
 * itself), else the error's. Call after every command is registered.
 */
export async function runCli(program: Command, argv: readonly string[], io: ErrorSink = { err: (t) => process.stderr.write(t) }): Promise<number> {
  const failed = { cmd: program };
  quieten(program, failed);
  try {
    await program.parseAsync([...argv]);
    return ExitCode.OK;
  } catch (e) {
    return reportError(e, failed.cmd, io);
  }
}
