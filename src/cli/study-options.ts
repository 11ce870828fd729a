// The study options of `vmlab run`: --trace, --trace-format, --trace-out, --refs. (--check-tlb
// is a machine option, machine-options.ts, since it changes what the MMU does.) The outputs
// themselves are built by src/study/session.ts.
//
// A bad --trace kind or combination (--trace-out without --trace) is a usage error, found
// before the action runs; an output file that cannot be written is checked by the command
// before it runs anything (a UserError, like every bad file).

import { Option, type Command } from 'commander';
import { UserError } from '../util/errors.ts';
import { checkStudyOptions, type StudyOptionValues } from '../study/session.ts';
import { TRACE_FORMATS, TRACE_KINDS } from '../study/trace.ts';
import { failUsage } from './options.ts';

export function addStudyOptions(cmd: Command): Command {
  return cmd
    .option('--trace <kinds>', `trace events, comma-separated: ${TRACE_KINDS.join(', ')}, or all`)
    .addOption(new Option('--trace-format <format>', 'trace as aligned text or as JSON lines (default: text)').choices([...TRACE_FORMATS]))
    .option('--trace-out <file>', 'write the trace to this file (default: stderr)')
    .option('--refs <file>', 'write the page reference string ("PID VPN" lines) to this file')
    .hook('preAction', (c) => {
      try {
        checkStudyOptions(c.opts<StudyOptionValues>());
      } catch (e) {
        if (e instanceof UserError) failUsage(c, e.message);
        throw e;
      }
    });
}
