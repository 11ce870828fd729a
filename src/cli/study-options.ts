// The study options of `vmlab run`: --trace, --trace-format, --trace-out, --refs. (--check-tlb
// is a machine option, machine-options.ts, since it changes what the MMU does.) The outputs
// themselves are built by src/study/session.ts.

import { Option, type Command } from 'commander';
import { TRACE_FORMATS, TRACE_KINDS } from '../study/trace.ts';

export function addStudyOptions(cmd: Command): Command {
  return cmd
    .option('--trace <kinds>', `trace events, comma-separated: ${TRACE_KINDS.join(', ')}, or all`)
    .addOption(new Option('--trace-format <format>', 'trace as aligned text or as JSON lines (default: text)').choices([...TRACE_FORMATS]))
    .option('--trace-out <file>', 'write the trace to this file (default: stderr)')
    .option('--refs <file>', 'write the page reference string ("PID VPN" lines) to this file');
}
