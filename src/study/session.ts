// The study outputs of one run — --trace, --refs, --check-tlb — set up together: each is a
// tracer, and a small fan-out hands every hook to all of them. `vmlab run` starts a session
// after building the machine, attaches its tracer, and finishes it when the run ends (files
// flushed and closed, the --check-tlb summary printed).
//
// With none of the options the session's tracer is null and nothing is attached, so the
// machine keeps its fast paths.

import { KSEG_BASE } from '../arch/memmap.ts';
import { sourceLineAt, type Executable } from '../exe/types.ts';
import type { Machine } from '../machine/machine.ts';
import type { Tracer } from '../machine/tracer.ts';
import type { BootedKernel } from '../os/boot.ts';
import { UserError } from '../util/errors.ts';
import { RefsWriter } from './refs-format.ts';
import { refsTracer } from './refs-recorder.ts';
import { staleTlbChecker, type StaleTlbChecker } from './stale-tlb.ts';
import { BufferedOut, TRACE_FORMATS, TraceTracer, parseTraceKinds, type TraceFormat, type TraceSource } from './trace.ts';

/** The option values (commander's camelCase keys). */
export interface StudyOptionValues {
  /** --trace KINDS */
  trace?: string;
  /** --trace-format text|jsonl */
  traceFormat?: string;
  /** --trace-out FILE (default: stderr) */
  traceOut?: string;
  /** --refs FILE */
  refs?: string;
  /** --check-tlb (a machine option: it also makes the MMU compare every hit) */
  checkTlb?: boolean;
}

/** One tracer that passes every hook to each of `tracers` in order (null for none, the tracer itself for one). */
export function fanOut(tracers: readonly Tracer[]): Tracer | null {
  if (tracers.length === 0) return null;
  if (tracers.length === 1) return tracers[0]!;
  const ts = [...tracers];
  const n = ts.length;
  return {
    now: () => 0,
    access(va, access, user) { for (let i = 0; i < n; i++) ts[i]!.access(va, access, user); },
    tlbHit(tlb, va, entry, pfn) { for (let i = 0; i < n; i++) ts[i]!.tlbHit(tlb, va, entry, pfn); },
    tlbMiss(tlb, va) { for (let i = 0; i < n; i++) ts[i]!.tlbMiss(tlb, va); },
    tlbFill(tlb, entry, vpn, asid, pfn, perm) { for (let i = 0; i < n; i++) ts[i]!.tlbFill(tlb, entry, vpn, asid, pfn, perm); },
    tlbEvict(tlb, entry, vpn, asid) { for (let i = 0; i < n; i++) ts[i]!.tlbEvict(tlb, entry, vpn, asid); },
    tlbFlush(tlb) { for (let i = 0; i < n; i++) ts[i]!.tlbFlush(tlb); },
    tlbInvalidate(tlb, vpn, emptied) { for (let i = 0; i < n; i++) ts[i]!.tlbInvalidate(tlb, vpn, emptied); },
    walkStep(va, level, pteAddr, pte) { for (let i = 0; i < n; i++) ts[i]!.walkStep(va, level, pteAddr, pte); },
    walkUpdate(va, pteAddr, oldPte, newPte) { for (let i = 0; i < n; i++) ts[i]!.walkUpdate(va, pteAddr, oldPte, newPte); },
    trap(cause, pc, badvaddr, fromUser) { for (let i = 0; i < n; i++) ts[i]!.trap(cause, pc, badvaddr, fromUser); },
    eret(pc, toUser) { for (let i = 0; i < n; i++) ts[i]!.eret(pc, toUser); },
    diskStart(cmd, block, pa, doneAt) { for (let i = 0; i < n; i++) ts[i]!.diskStart(cmd, block, pa, doneAt); },
    diskComplete(cmd, block, pa, ok) { for (let i = 0; i < n; i++) ts[i]!.diskComplete(cmd, block, pa, ok); },
    monitor(event, a0, a1, a2, a3) { for (let i = 0; i < n; i++) ts[i]!.monitor(event, a0, a1, a2, a3); },
    staleTlb(va, access, entryPfn, entryPerm, walkPfn, walkPerm) {
      for (let i = 0; i < n; i++) ts[i]!.staleTlb(va, access, entryPfn, entryPerm, walkPfn, walkPerm);
    },
  };
}

/** The TraceSource of a kernel run: user pcs by the process's program, kernel pcs by the kernel's. */
export function kernelTraceSource(booted: BootedKernel): TraceSource {
  return {
    machine: booted.machine,
    processes: true,
    sourceLine: (pc, pid) => (pc >>> 0 >= KSEG_BASE ? sourceLineAt(booted.kernel, pc) : booted.tracker.sourceLine(pid, pc)),
    processName: (pid) => booted.tracker.processes[pid - 1]?.name,
    userFirstPfn: booted.layout.userFirstPfn,
  };
}

/** The TraceSource of a bare program (no processes). */
export function bareTraceSource(m: Machine, exe: Executable): TraceSource {
  return { machine: m, processes: false, sourceLine: (pc) => sourceLineAt(exe, pc), processName: () => undefined };
}

export interface StudySession {
  /** The tracer to attach; null when no study option was given. */
  readonly tracer: Tracer | null;
  /** Writes out buffered trace text (before a message on stderr, so that the order holds). */
  flush(): void;
  /** The run is over: flush and close the outputs, print the --check-tlb summary. Idempotent. */
  finish(): void;
  /** The --check-tlb checker, if asked for. */
  readonly staleTlb: StaleTlbChecker | null;
}

/** Checks the option combination before anything runs; one line per problem. */
export function checkStudyOptions(o: StudyOptionValues): void {
  if (o.trace === undefined && (o.traceOut !== undefined || o.traceFormat !== undefined))
    throw new UserError('--trace-out and --trace-format go with --trace KINDS (which events to trace)');
  if (o.trace !== undefined) parseTraceKinds(o.trace);
  if (o.traceFormat !== undefined && !(TRACE_FORMATS as readonly string[]).includes(o.traceFormat))
    throw new UserError(`--trace-format must be one of ${TRACE_FORMATS.join(', ')} (got ${o.traceFormat})`);
  if (o.refs !== undefined && o.refs === o.traceOut) throw new UserError('--refs and --trace-out name the same file');
}

/**
 * Opens the outputs the options ask for and builds their tracers for the machine of `src`.
 * `err` receives text for stderr (the trace when it has no --trace-out, and --check-tlb lines).
 * The caller attaches `tracer` and calls finish() when the run ends, also on failure.
 */
export function startStudy(o: StudyOptionValues, src: TraceSource, err: (text: string) => void): StudySession {
  checkStudyOptions(o);
  const tracers: Tracer[] = [];
  let traceOut: BufferedOut | null = null;
  let refs: RefsWriter | null = null;
  let stale: StaleTlbChecker | null = null;
  try {
    if (o.trace !== undefined) {
      traceOut = o.traceOut !== undefined ? BufferedOut.toFile(o.traceOut) : new BufferedOut(err);
      tracers.push(new TraceTracer(src, { kinds: parseTraceKinds(o.trace), format: (o.traceFormat ?? 'text') as TraceFormat, out: traceOut }));
    }
    if (o.refs !== undefined) {
      refs = RefsWriter.open(o.refs);
      tracers.push(refsTracer(src.machine, refs));
    }
  } catch (e) {
    traceOut?.close();
    refs?.close();
    throw e;
  }
  if (o.checkTlb === true) {
    const out = traceOut;
    stale = staleTlbChecker(src, (line) => {
      out?.flush();
      err(`vmlab: --check-tlb: ${line}\n`);
    });
    tracers.push(stale.tracer);
  }
  let finished = false;
  return {
    tracer: fanOut(tracers),
    staleTlb: stale,
    flush: () => traceOut?.flush(),
    finish: () => {
      if (finished) return;
      finished = true;
      try {
        traceOut?.close();
      } finally {
        refs?.close();
      }
      if (stale !== null) err(`vmlab: --check-tlb: ${stale.summary()}\n`);
    },
  };
}
