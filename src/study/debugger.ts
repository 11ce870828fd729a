// The debugger behind `vmlab debug`: boots the machine as `vmlab run` does (a bare program, or
// the kernel with user programs), stops before the first instruction, and runs one command at
// a time (README.md "The debugger" lists them).
//
// How it runs the machine without slowing `vmlab run`: the interpreter has no breakpoint check.
// `continue` with no breakpoint and no watched fault calls Machine.run() in chunks (full
// speed). Otherwise the debugger single-steps: at each instruction boundary it does what the
// reference loop (step.ts executeReference) does — the boundary's events when they are due,
// then one whole instruction through the plain slow path — and looks at pc, the trap counts
// and the stop state in between. The slow path is the reference model the fast loop is tested
// against, so every count (cycles, TLB, walks) is the same as in a plain run.
//
// A step is one instruction, or the entry into an interrupt taken before it (then the step
// ends at the handler's first instruction). An instruction that traps ends its step at the
// handler too: that is where `break fault` stops, with CAUSE, EPC and BADVADDR set.

import { Status } from '../arch/csr.ts';
import { KSEG_BASE, MonitorEvent } from '../arch/memmap.ts';
import { Cause, CAUSE_KEY, causeText } from '../arch/traps.ts';
import { ConsoleBuffer, type RunOptions } from '../cli/run.ts';
import { kernelOptions } from '../cli/kernel-options.ts';
import { loadProgram } from '../cli/load.ts';
import { machineConfig } from '../cli/machine-options.ts';
import { parseIntText } from '../cli/options.ts';
import { sourceLineAt, type Executable } from '../exe/types.ts';
import { Machine, type StopInfo } from '../machine/machine.ts';
import { formatStats, type MachineStats } from '../machine/stats.ts';
import { stepSlow } from '../machine/step.ts';
import { bootKernel, kernelExitCode } from '../os/boot.ts';
import type { ProcessInfo, ProcessTracker } from '../os/processes.ts';
import { UserError, errorMessage } from '../util/errors.ts';
import { readFileChecked } from '../util/files.ts';
import { formatNumber, renderTable } from '../util/table.ts';
import { hex8 } from './debug-memory.ts';
import { evalAddress, imagesNamed, isCode, resolveBreakSpec, type CodeLocation, type ExprEnv, type Image } from './debug-symbols.ts';
import { bareTraceSource, checkStudyOptions, kernelTraceSource, startStudy, type StudySession } from './session.ts';
import {
  currentPid, formatDisasm, formatFrames, formatHere, formatMem, formatPageTables, formatProcesses, formatRegs,
  formatTlb, formatWalk, placeText, processName, rootFor, type ViewContext,
} from './debug-views.ts';

/** Where a session writes. Tests pass their own; the CLI writes to stdout and stderr. */
export interface DebugIO {
  /** The debugger's own text, whole lines. */
  out(text: string): void;
  /** One-line command errors, and the kernel's messages about processes it ends. */
  err(text: string): void;
  /** The program's console output. */
  console(bytes: Uint8Array): void;
  /** A progress line while a long `continue` runs (null: clear it). Optional. */
  progress?(text: string | null): void;
}

export type DebugOptions = RunOptions;

interface CodeBreak {
  id: number;
  kind: 'code';
  spec: string;
  locs: CodeLocation[];
  hits: number;
}

interface FaultBreak {
  id: number;
  kind: 'fault';
  spec: string;
  causes: number[];
  hits: number;
}

type Breakpoint = CodeBreak | FaultBreak;

/** What ended a run command. */
type Stop =
  | { kind: 'break'; ids: number[] }
  | { kind: 'fault'; ids: number[]; trap: TrapNote }
  | { kind: 'machine'; info: StopInfo }
  | { kind: 'steps' }
  | { kind: 'cycle' }
  | { kind: 'interrupted' };

/** A trap as the debugger saw it taken. */
interface TrapNote {
  cause: number;
  epc: number;
  badvaddr: number;
  /** The ASID at the trap: whose pc EPC is (for a user-mode trap). */
  asid: number;
  fromUser: boolean;
}

const STEP_OK = 0;
const STEP_TRAP = 1;
const STEP_STOPPED = 2;

/** Instructions per Machine.run() call in a full-speed continue, and steps between looks at Ctrl-C. */
const RUN_CHUNK = 1 << 20;
const STEP_SLICE = 1 << 16;
/** The most words `mem` or instructions `disasm` prints at once. */
const MAX_LISTED = 1 << 16;
/** `step N` lists at most this many of the traps it went through. */
const TRAPS_LISTED = 10;

/** Every exception but syscall: what `break fault` watches. */
const FAULT_CAUSES: readonly number[] = [
  Cause.FETCH_PAGE_FAULT, Cause.LOAD_PAGE_FAULT, Cause.STORE_PAGE_FAULT,
  Cause.FETCH_PROTECTION, Cause.LOAD_PROTECTION, Cause.STORE_PROTECTION,
  Cause.ILLEGAL_INSTRUCTION, Cause.PRIVILEGED_INSTRUCTION,
  Cause.MISALIGNED_FETCH, Cause.MISALIGNED_LOAD, Cause.MISALIGNED_STORE,
  Cause.BUS_ERROR, Cause.BREAKPOINT,
];

/** Names for groups of causes in `break fault:NAME` (besides each cause's own name). */
const CAUSE_GROUPS: Readonly<Record<string, readonly number[]>> = {
  page_fault: [Cause.FETCH_PAGE_FAULT, Cause.LOAD_PAGE_FAULT, Cause.STORE_PAGE_FAULT],
  protection: [Cause.FETCH_PROTECTION, Cause.LOAD_PROTECTION, Cause.STORE_PROTECTION],
  misaligned: [Cause.MISALIGNED_FETCH, Cause.MISALIGNED_LOAD, Cause.MISALIGNED_STORE],
  interrupt: [Cause.TIMER_INTERRUPT, Cause.DISK_INTERRUPT],
};

/**
 * The causes a `fault` / `fault:A,B` spec names: cause names as in --stats-json
 * (`load_page_fault`; `-` or a blank may stand for `_`), a group (page_fault, protection,
 * misaligned, interrupt) or a cause number. A UserError lists the names for anything else.
 */
export function parseFaultSpec(spec: string): number[] {
  const m = /^fault(?::(.*))?$/i.exec(spec.trim());
  if (m === null) throw new Error(`parseFaultSpec: not a fault spec: ${spec}`);
  if (m[1] === undefined) return [...FAULT_CAUSES];
  const causes = new Set<number>();
  for (const part of m[1].split(',')) {
    const name = part.trim().toLowerCase().replace(/[-\s]+/g, '_');
    const n = parseIntText(name);
    const byName = [...CAUSE_KEY].find(([, k]) => k === name)?.[0];
    if (n !== undefined && CAUSE_KEY.has(n)) causes.add(n);
    else if (byName !== undefined) causes.add(byName);
    else if (CAUSE_GROUPS[name] !== undefined) for (const c of CAUSE_GROUPS[name]) causes.add(c);
    else
      throw new UserError(
        `unknown cause '${part.trim()}' (expected a cause number, ${Object.keys(CAUSE_GROUPS).join(', ')}, or one of ${[...CAUSE_KEY.values()].join(', ')})`,
      );
  }
  return [...causes].sort((a, b) => a - b);
}

/** The commands: name, aliases, arguments, what it does (for `help`). */
const COMMANDS: readonly (readonly [string, string, string, string])[] = [
  ['step', 's', '[N]', 'run N instructions (default 1); stops early at a breakpoint or a watched fault'],
  ['continue', 'c', '', 'run until a breakpoint, a watched fault, or the machine stops'],
  ['until', '', '<cycle> | +N', 'run until the cycle count reaches <cycle> (or N more cycles), a breakpoint or a watched fault'],
  ['break', 'b', '<where>', 'stop at a label, 0xADDR, file:line (prog:label, kernel:label), or on a trap: fault, fault:<cause>'],
  ['delete', '', 'N | all', 'remove breakpoint N, or every breakpoint'],
  ['breaks', '', '', 'list the breakpoints'],
  ['regs', 'r', '', 'registers, pc, and the control registers decoded'],
  ['tlb', '', '', 'the valid TLB entries'],
  ['walk', '', '<va> [pid]', 'the page-table walk of a virtual address, level by level (changes nothing)'],
  ['pt', '', '[pid]', "a process's page tables: present ranges, swapped and other not-present entries"],
  ['frames', '', '', 'the user frames: which process and page each holds, accessed and dirty bits'],
  ['ps', '', '', 'the processes: status, root table, resident pages, page faults'],
  ['disasm', 'd', '[addr] [N]', 'N instructions (default 12) from addr, or around pc, with source lines'],
  ['mem', 'x', '<addr> [N]', 'N words (default 16) at a virtual address, or physical with p:0x...'],
  ['stats', '', '', 'the statistics so far (as --stats prints them)'],
  ['help', 'h', '', 'this list'],
  ['quit', 'q', '', 'end the session'],
];

const ALIASES: ReadonlyMap<string, string> = new Map(
  COMMANDS.flatMap(([name, alias]) => (alias === '' ? [[name, name]] : [[name, name], [alias, name]])).concat([
    ['exit', 'quit'],
    ['?', 'help'],
  ]) as [string, string][],
);

export type CommandOutcome = 'ok' | 'error' | 'quit';

/** Thrown by a command for a bad argument: printed as one line, the session goes on. */
class CommandError extends UserError {}

function need(cond: boolean, message: string): asserts cond {
  if (!cond) throw new CommandError(message);
}

export class Debugger implements ViewContext {
  readonly m: Machine;
  readonly images: Image[];
  readonly roots: ReadonlyMap<number, number>;
  readonly pool: { firstPfn: number; frames: number } | null;
  /** True when the programs run under the kernel. */
  readonly withKernel: boolean;
  /** Set by the CLI on Ctrl-C: a running command stops at the next slice. */
  interrupted = false;

  private readonly io: DebugIO;
  private readonly tracker: ProcessTracker | null;
  private readonly consoleOut: ConsoleBuffer;
  private readonly study: StudySession;
  private readonly breakpoints: Breakpoint[] = [];
  private nextId = 1;
  /** Code breakpoints by address, and the number of fault breakpoints watching each cause. */
  private byPc = new Map<number, CodeBreak[]>();
  private readonly watched = new Uint16Array(32);
  private readonly env: ExprEnv;

  private constructor(
    m: Machine,
    images: Image[],
    tracker: ProcessTracker | null,
    roots: ReadonlyMap<number, number>,
    pool: Debugger['pool'],
    consoleOut: ConsoleBuffer,
    study: StudySession,
    io: DebugIO,
  ) {
    this.m = m;
    this.images = images;
    this.roots = roots;
    this.tracker = tracker;
    this.pool = pool;
    this.withKernel = tracker !== null;
    this.consoleOut = consoleOut;
    this.io = io;
    this.study = study;
    if (study.tracer !== null) m.setTracer(study.tracer);
    this.env = { images, reg: (n) => m.regs[n]!, pc: () => m.pc };
  }

  /**
   * Boots `files` as `vmlab run` would (one bare program alone, or user programs under the
   * kernel) and stops before the first instruction. Bad input is a UserError.
   */
  static boot(files: readonly string[], opts: DebugOptions, io: DebugIO): Debugger {
    if (files.length === 0) throw new UserError('no program to debug');
    const cfg = machineConfig(opts);
    checkStudyOptions(opts);
    const exes = files.map((f) => loadProgram(f, { err: io.err }));
    const bare = exes.map((e) => e.entry >>> 0 >= KSEG_BASE);
    const consoleOut = new ConsoleBuffer((b) => io.console(b));
    const consoleIn = opts.input !== undefined ? readFileChecked(opts.input) : undefined;
    if (bare.length === 1 && bare[0]) {
      const exe = exes[0]!;
      const m = new Machine(cfg, {
        consoleOut: (b) => consoleOut.put(b),
        ...(consoleIn !== undefined ? { consoleIn } : {}),
        describePc: (pc) => sourceLineAt(exe, pc),
      });
      const images: Image[] = [{ name: baseName(files[0]!), exe, pid: null }];
      return closingDiskOnError(m, () => {
        m.loadImage(exe);
        const study = startStudy(opts, bareTraceSource(m, exe), io.err);
        return new Debugger(m, images, null, new Map(), null, consoleOut, study, io);
      });
    }
    const i = bare.indexOf(true);
    if (i >= 0)
      throw new UserError(`${files[i]}: a bare program (entry 0x${(exes[i]!.entry >>> 0).toString(16)}, in the kernel segment) must run alone, not with other programs`);
    const kopts = kernelOptions(opts);
    const kernel: Executable | undefined = kopts.kernel === undefined ? undefined : loadProgram(kopts.kernel, { err: io.err });
    const programs = files.map((p, k) => ({ path: p, exe: exes[k]! }));
    const roots = new Map<number, number>();
    let dbg: Debugger | null = null;
    const booted = bootKernel(
      programs,
      kopts,
      cfg,
      {
        consoleOut: (b) => consoleOut.put(b),
        flush: () => dbg?.flushConsole(),
        err: io.err,
        ...(consoleIn !== undefined ? { consoleIn } : {}),
        monitor: (ev, a0, _a1, a2) => {
          if (ev === MonitorEvent.PROC_START) roots.set(a0, a2 >>> 0);
        },
      },
      kernel,
    );
    const images: Image[] = [
      { name: 'kernel', exe: booted.kernel, pid: null },
      ...programs.map((p, k) => ({ name: baseName(p.path), exe: p.exe, pid: k + 1 })),
    ];
    const pool = { firstPfn: booted.layout.userFirstPfn, frames: booted.layout.userFrames };
    return closingDiskOnError(booted.machine, () => {
      // --trace, --refs, --check-tlb: as in `vmlab run`, their tracers see every instruction.
      const study = startStudy(opts, kernelTraceSource(booted), io.err);
      // The monitor hook keeps filling `roots` as processes start.
      dbg = new Debugger(booted.machine, images, booted.tracker, roots, pool, consoleOut, study, io);
      return dbg;
    });
  }

  // ---- ViewContext -------------------------------------------------------------------------

  get processes(): readonly ProcessInfo[] {
    return this.tracker?.processes ?? [];
  }

  breakpointsAt(addr: number, pid: number | null): number[] {
    const list = this.byPc.get(addr >>> 0);
    if (list === undefined) return [];
    return list.filter((b) => b.locs.some((l) => l.addr === addr >>> 0 && (l.pid === null || pid === null || l.pid === pid))).map((b) => b.id);
  }

  // ---- output ------------------------------------------------------------------------------

  /** Console output so far goes out first; a debugger line never starts mid-line. */
  flushConsole(): void {
    this.consoleOut.flush();
    this.study.flush();
    if (this.consoleOut.last >= 0 && this.consoleOut.last !== 10) {
      this.io.console(Uint8Array.of(10));
      this.consoleOut.last = 10;
    }
  }

  private say(text: string): void {
    this.flushConsole();
    this.io.out(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** The banner: what was booted and where the machine stands. */
  banner(): string {
    const what = this.withKernel
      ? `${this.images.filter((im) => im.pid !== null).map((im) => `${im.name} (pid ${im.pid})`).join(', ')} under the kernel`
      : `${this.images[0]!.name}, bare`;
    return `vmlab debug: ${what}; stopped before the first instruction. 'help' lists the commands.\n${formatHere(this)}`;
  }

  // ---- commands ----------------------------------------------------------------------------

  /**
   * Runs one command line. Errors in it print one line on io.err and return 'error'; the
   * session can go on. Blank lines and `#` comments do nothing.
   */
  async execute(line: string): Promise<CommandOutcome> {
    const words = line.trim().split(/\s+/).filter((w) => w !== '');
    if (words.length === 0 || words[0]!.startsWith('#')) return 'ok';
    const name = ALIASES.get(words[0]!.toLowerCase());
    const args = words.slice(1);
    try {
      if (name === undefined) throw new CommandError(`unknown command '${words[0]}' ('help' lists the commands)`);
      return await this.dispatch(name, args);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      this.flushConsole();
      this.io.err(`error: ${errorMessage(e)}\n`);
      return 'error';
    }
  }

  private async dispatch(name: string, args: string[]): Promise<CommandOutcome> {
    const maxArgs: Record<string, number> = {
      step: 1, continue: 0, until: 1, delete: 1, breaks: 0, regs: 0, tlb: 0, walk: 2, pt: 1, frames: 0, ps: 0,
      disasm: 2, mem: 2, stats: 0, help: 1, quit: 0,
    };
    if (name !== 'break') need(args.length <= (maxArgs[name] ?? 0), `${name}: too many arguments ('help' shows how to use it)`);
    switch (name) {
      case 'step': {
        const n = args.length === 0 ? 1 : this.count(args[0]!, 'step');
        this.say(this.report(await this.run({ steps: n }), true));
        return 'ok';
      }
      case 'continue':
        this.say(this.report(await this.run({}), false));
        return 'ok';
      case 'until': {
        need(args.length === 1, "until: which cycle? ('until 50000', or 'until +1000' for 1000 more)");
        const rel = args[0]!.startsWith('+');
        const v = parseIntText(rel ? args[0]!.slice(1) : args[0]!);
        need(v !== undefined && v >= 0, `until: '${args[0]}' is not a cycle count`);
        const target = rel ? this.m.cycles + v : v;
        need(target > this.m.cycles, `until: cycle ${formatNumber(target)} has passed (now ${formatNumber(this.m.cycles)})`);
        this.say(this.report(await this.run({ cycle: target }), false));
        return 'ok';
      }
      case 'break':
        this.say(this.addBreak(args.join(' ')));
        return 'ok';
      case 'delete':
        this.say(this.deleteBreak(args[0]));
        return 'ok';
      case 'breaks':
        this.say(this.listBreaks());
        return 'ok';
      case 'regs':
        this.say(formatRegs(this));
        return 'ok';
      case 'tlb':
        this.say(formatTlb(this));
        return 'ok';
      case 'walk': {
        need(args.length >= 1, 'walk: which virtual address? (walk 0x1000 [pid])');
        const a = evalAddress(args[0]!, this.env);
        const pid = args.length > 1 ? this.pidArg(args[1]!) : (a.pid ?? this.currentTablesPid());
        if (a.value < KSEG_BASE) this.needTables(pid);
        this.say(formatWalk(this, a.value, rootFor(this, pid) ?? 0, this.tablesName(pid)));
        return 'ok';
      }
      case 'pt': {
        const pid = args.length > 0 ? this.pidArg(args[0]!) : this.currentTablesPid();
        this.needTables(pid);
        let text = formatPageTables(this, rootFor(this, pid)!, this.tablesName(pid));
        const p = this.processes.find((q) => q.pid === pid);
        if (p !== undefined && p.status !== 'running') text += `\n(pid ${p.pid} has ${p.status}: the kernel may have reused these frames since)`;
        this.say(text);
        return 'ok';
      }
      case 'frames':
        this.say(formatFrames(this));
        return 'ok';
      case 'ps':
        this.say(formatProcesses(this));
        return 'ok';
      case 'disasm': {
        const n = args.length > 1 ? this.count(args[1]!, 'disasm', MAX_LISTED) : 12;
        let start: number;
        let pid: number | null;
        if (args.length === 0) {
          pid = currentPid(this);
          start = this.disasmStart(pid);
        } else {
          const a = evalAddress(args[0]!, this.env);
          start = (a.value & ~3) >>> 0;
          pid = a.pid ?? currentPid(this);
        }
        this.say(formatDisasm(this, start, n, pid));
        return 'ok';
      }
      case 'mem': {
        need(args.length >= 1, 'mem: which address? (mem 0x2000 [N], mem p:0x1000 for physical)');
        const n = args.length > 1 ? this.count(args[1]!, 'mem', MAX_LISTED) : 16;
        const text = args[0]!;
        if (/^p:/i.test(text)) {
          const a = evalAddress(text.slice(2), { ...this.env, images: [] });
          this.say(formatMem(this, a.value, n, 'phys', `physical ${hex8(a.value & ~3)}:`));
        } else {
          const a = evalAddress(text, this.env);
          const pid = a.pid ?? this.currentTablesPid();
          if (a.value < KSEG_BASE) this.needTables(pid);
          const who = a.value >= KSEG_BASE ? `${placeText(this, a.value, null)} (kernel segment, physical ${hex8(a.value - KSEG_BASE)}):` : `${placeText(this, a.value, pid)} in ${this.tablesName(pid)}:`;
          this.say(formatMem(this, a.value, n, rootFor(this, pid), who));
        }
        return 'ok';
      }
      case 'stats':
        this.say(formatStats(this.stats()));
        return 'ok';
      case 'help':
        this.say(helpText());
        return 'ok';
      case 'quit':
        return 'quit';
      default:
        throw new Error(`debugger: command ${name} has no handler`);
    }
  }

  /** A positive count argument, at most `max`. */
  private count(text: string, cmd: string, max = Number.MAX_SAFE_INTEGER): number {
    const n = parseIntText(text);
    need(n !== undefined && n >= 1, `${cmd}: '${text}' is not a positive count`);
    need(n <= max, `${cmd}: at most ${formatNumber(max)} at a time`);
    return n;
  }

  /** A pid argument: a number, or a program's name. */
  private pidArg(text: string): number {
    need(this.withKernel, 'there are no processes: a bare program runs without the kernel');
    const ims = imagesNamed(text, this.images).filter((im) => im.pid !== null);
    need(ims.length > 0, `'${text}' is the kernel, not a process`);
    need(ims.length === 1, `'${text}' names several processes (${ims.map((im) => im.pid).join(', ')}): give the pid`);
    return ims[0]!.pid!;
  }

  /**
   * There are tables to look at: process pid's (it must have started), or with no pid the
   * current ones (PTBR 0 means none were set up: the kernel and a bare program live at
   * physical 0, so no table can be there).
   */
  private needTables(pid: number | null): void {
    if (pid !== null) need(rootFor(this, pid) !== null, `${processName(this, pid)} has not started yet: it has no page tables`);
    else if (this.withKernel) need(this.m.mmu.ptbr !== 0, 'no page tables yet: PTBR is 0 (name a process, or run until one starts)');
    else need(this.m.mmu.ptbr !== 0, 'no page tables: PTBR is 0 (this program has not set up paging)');
  }

  /** The current process when PTBR holds its root table (so its tables are the current ones), else null. */
  private currentTablesPid(): number | null {
    const pid = currentPid(this);
    return pid !== null && this.roots.get(pid) === this.m.mmu.ptbr >>> 0 ? pid : null;
  }

  /** "pid 1 (hello.s)" or "the current tables (PTBR ...)". */
  private tablesName(pid: number | null): string {
    if (pid !== null) return processName(this, pid);
    return `the current page tables (PTBR ${hex8(this.m.mmu.ptbr)})`;
  }

  /** Where `disasm` with no address starts: a few instructions before pc, not before its segment. */
  private disasmStart(pid: number | null): number {
    const pc = this.m.pc >>> 0;
    let start = Math.max(0, pc - 16);
    const im = pc >= KSEG_BASE ? this.images.find((i) => i.pid === null) : this.images.find((i) => i.pid === pid);
    const seg = im?.exe.segments.find((s) => pc >= s.vaddr >>> 0 && pc < (s.vaddr >>> 0) + s.memSize);
    if (seg !== undefined) start = Math.max(start, seg.vaddr >>> 0);
    return start;
  }

  /** The statistics so far, with the processes as the kernel reported them. */
  stats(): MachineStats {
    const s = this.m.stats();
    if (this.tracker !== null) s.processes = this.tracker.finish(this.m.pageFaultsByAsid).map((p) => ({ ...p }));
    return s;
  }

  // ---- breakpoints -------------------------------------------------------------------------

  private addBreak(spec: string): string {
    need(spec !== '', "break: where? (a label, 0xADDR, file:line, or 'fault')");
    const id = this.nextId;
    if (/^fault(:|$)/i.test(spec)) {
      const causes = parseFaultSpec(spec);
      this.nextId++;
      this.breakpoints.push({ id, kind: 'fault', spec, causes, hits: 0 });
      for (const c of causes) this.watched[c]!++;
      return `breakpoint ${id}: stop when a trap is taken for ${faultWhat(causes)}`;
    }
    const locs = resolveBreakSpec(spec, this.env);
    this.nextId++;
    const b: CodeBreak = { id, kind: 'code', spec, locs, hits: 0 };
    this.breakpoints.push(b);
    this.reindex();
    if (locs.length === 1) return `breakpoint ${id} at ${this.locText(locs[0]!)}`;
    return [`breakpoint ${id}: ${locs.length} locations`, ...locs.map((l) => `  ${this.locText(l)}`)].join('\n');
  }

  private locText(l: CodeLocation): string {
    const place = placeText(this, l.addr, l.pid);
    const note = l.image !== null && !isCode(l.image, l.addr) ? '  (not in an executable segment)' : '';
    if (l.addr >= KSEG_BASE) return `${place}${note}`;
    return `${place}  in ${l.pid === null ? 'any process' : processName(this, l.pid)}${note}`;
  }

  private deleteBreak(arg: string | undefined): string {
    need(arg !== undefined, "delete: which breakpoint? (delete N, or delete all)");
    if (arg.toLowerCase() === 'all') {
      const n = this.breakpoints.length;
      this.breakpoints.length = 0;
      this.watched.fill(0);
      this.reindex();
      return `deleted ${n} breakpoint${n === 1 ? '' : 's'}`;
    }
    const id = parseIntText(arg);
    const k = this.breakpoints.findIndex((b) => b.id === id);
    need(k >= 0, `delete: no breakpoint ${arg} ('breaks' lists them)`);
    const b = this.breakpoints[k]!;
    this.breakpoints.splice(k, 1);
    if (b.kind === 'fault') for (const c of b.causes) this.watched[c]!--;
    this.reindex();
    return `deleted breakpoint ${b.id}`;
  }

  private reindex(): void {
    const map = new Map<number, CodeBreak[]>();
    for (const b of this.breakpoints) {
      if (b.kind !== 'code') continue;
      for (const l of b.locs) {
        const list = map.get(l.addr) ?? [];
        if (!list.includes(b)) list.push(b);
        map.set(l.addr, list);
      }
    }
    this.byPc = map;
  }

  private listBreaks(): string {
    if (this.breakpoints.length === 0) return 'no breakpoints';
    const rows = this.breakpoints.map((b) => [
      b.id,
      b.spec,
      b.kind === 'fault' ? `traps: ${faultWhat(b.causes)}` : b.locs.map((l) => this.locText(l)).join('; '),
      b.hits,
    ]);
    return renderTable(rows, { head: ['#', 'breakpoint', 'where', 'hits'], align: ['r', 'l', 'l', 'r'] });
  }

  /** Code breakpoints that match pc now (its ASID for a user address); each counts a hit. */
  private hitsHere(): number[] {
    const pc = this.m.pc >>> 0;
    const list = this.byPc.get(pc);
    if (list === undefined) return [];
    const asid = this.m.mmu.asid;
    const ids: number[] = [];
    for (const b of list) {
      if (b.locs.some((l) => l.addr === pc && (l.pid === null || l.pid === asid))) {
        b.hits++;
        ids.push(b.id);
      }
    }
    return ids;
  }

  // ---- running -----------------------------------------------------------------------------

  private trapTotal(): number {
    let s = 0;
    const t = this.m.trapCounts;
    for (let i = 0; i < t.length; i++) s += t[i]!;
    return s;
  }

  /**
   * True if a trap was taken since `cause0` / `count0` (CAUSE and its count) were read. Every
   * trap sets CAUSE and counts itself, so nothing changing means no trap; when something did
   * change (a `csrw CAUSE` can change CAUSE without a trap), the total count decides.
   */
  private trapSince(cause0: number, count0: number): boolean {
    const m = this.m;
    if (m.cause === cause0 && m.trapCounts[cause0 & 31] === count0) return false;
    const total = this.trapTotal();
    const taken = total !== this.trapsSeen;
    this.trapsSeen = total;
    return taken;
  }

  /** The total trap count when the debugger last looked. */
  private trapsSeen = 0;

  /**
   * One step (see the top of this file): the boundary's events if due — an interrupt taken
   * there ends the step — else one instruction through the slow path. STEP_TRAP when a trap
   * was taken, STEP_STOPPED when the machine stopped.
   */
  private stepOne(): number {
    const m = this.m;
    if (m.stopInfo !== null) return STEP_STOPPED;
    const cause0 = m.cause;
    const count0 = m.trapCounts[cause0 & 31]!;
    if (m.cycles >= m.nextEvent) {
      m.boundary();
      if (m.stopInfo !== null) return STEP_STOPPED;
      if (this.trapSince(cause0, count0)) return STEP_TRAP;
    }
    stepSlow(m);
    if (m.stopInfo !== null) return STEP_STOPPED;
    return this.trapSince(cause0, count0) ? STEP_TRAP : STEP_OK;
  }

  private trapNote(): TrapNote {
    const m = this.m;
    return { cause: m.cause, epc: m.epc, badvaddr: m.badvaddr, asid: m.mmu.asid, fromUser: (m.status & Status.PUM) !== 0 };
  }

  /** Traps seen by the last `step` (for its report). */
  private stepTraps: TrapNote[] = [];
  private stepTrapCount = 0;

  /**
   * Runs until `steps` steps are done, the cycle count reaches `cycle`, a breakpoint matches pc
   * (not checked before the first step, so a run can leave a breakpoint), a watched trap is
   * taken, the machine stops, or Ctrl-C.
   */
  private async run(limit: { steps?: number; cycle?: number }): Promise<Stop> {
    const m = this.m;
    need(m.stopInfo === null, `the machine has stopped (${m.stopInfo?.reason}): nothing more to run`);
    this.interrupted = false;
    this.trapsSeen = this.trapTotal();
    this.stepTraps = [];
    this.stepTrapCount = 0;
    const started = Date.now();
    let lastProgress = started;
    const progress = () => {
      const now = Date.now();
      if (this.io.progress !== undefined && now - started > 1000 && now - lastProgress > 250) {
        lastProgress = now;
        this.io.progress(`running: cycle ${formatNumber(m.cycles)}, ${formatNumber(m.instret)} instructions (Ctrl-C stops)`);
      }
    };
    try {
      if (limit.steps === undefined && limit.cycle === undefined && this.byPc.size === 0 && !this.watching()) {
        // Nothing to look for: full speed.
        for (;;) {
          const stop = m.run(RUN_CHUNK);
          this.consoleOut.flush();
          if (stop !== null) return { kind: 'machine', info: stop };
          if (this.interrupted) return { kind: 'interrupted' };
          progress();
          await yieldToEvents();
        }
      }
      // The reference loop forces a boundary at its start; so does this (it is idempotent).
      m.nextEvent = Math.min(m.nextEvent, m.cycles);
      let steps = 0;
      for (let slice = 0; ; slice++) {
        for (let k = 0; k < STEP_SLICE; k++) {
          if (steps > 0) {
            const ids = this.hitsHere();
            if (ids.length > 0) return { kind: 'break', ids };
          }
          if (limit.cycle !== undefined && m.cycles >= limit.cycle) return { kind: 'cycle' };
          if (limit.steps !== undefined && steps >= limit.steps) return { kind: 'steps' };
          const r = this.stepOne();
          steps++;
          if (r === STEP_STOPPED) return { kind: 'machine', info: m.stopInfo! };
          if (r === STEP_TRAP) {
            const note = this.trapNote();
            if (this.watched[note.cause & 31]! > 0) {
              const ids: number[] = [];
              for (const b of this.breakpoints) {
                if (b.kind === 'fault' && b.causes.includes(note.cause)) {
                  b.hits++;
                  ids.push(b.id);
                }
              }
              return { kind: 'fault', ids, trap: note };
            }
            this.stepTrapCount++;
            if (this.stepTraps.length < TRAPS_LISTED) this.stepTraps.push(note);
          }
        }
        this.consoleOut.flush();
        if (this.interrupted) return { kind: 'interrupted' };
        progress();
        await yieldToEvents();
      }
    } finally {
      this.consoleOut.flush();
      this.io.progress?.(null);
    }
  }

  private watching(): boolean {
    return this.watched.some((n) => n > 0);
  }

  /** A trap in a line: cause, where it came from, where it went. */
  private trapText(t: TrapNote): string {
    const pid = t.fromUser && this.processes.some((p) => p.pid === t.asid) ? t.asid : null;
    const from = t.cause >= Cause.TIMER_INTERRUPT ? 'before' : 'at';
    const who = pid !== null ? `${processName(this, pid)} ` : t.fromUser ? 'user mode ' : 'kernel mode ';
    return `${causeText(t.cause)} (${t.cause}) in ${who}${from} ${placeText(this, t.epc, pid)}${hasBadvaddr(t.cause) ? `, badvaddr ${hex8(t.badvaddr)}` : ''}`;
  }

  /** What the run did and where the machine is now. */
  private report(stop: Stop, listTraps: boolean): string {
    const lines: string[] = [];
    if (listTraps) {
      for (const t of this.stepTraps) lines.push(`trap: ${this.trapText(t)}`);
      if (this.stepTrapCount > this.stepTraps.length) lines.push(`(and ${this.stepTrapCount - this.stepTraps.length} more traps)`);
    }
    switch (stop.kind) {
      case 'break':
        lines.push(stop.ids.map((id) => `breakpoint ${id} (${this.breakpoints.find((b) => b.id === id)?.spec ?? '?'})`).join(', '));
        break;
      case 'fault':
        lines.push(`breakpoint ${stop.ids.join(', ')}: ${this.trapText(stop.trap)}`);
        lines.push(`  cause ${stop.trap.cause} (${causeText(stop.trap.cause)}), epc ${hex8(stop.trap.epc)}, badvaddr ${hex8(stop.trap.badvaddr)}; now in the trap handler`);
        break;
      case 'machine':
        return [...lines, this.machineStopped(stop.info)].join('\n');
      case 'interrupted':
        lines.push('interrupted');
        break;
      case 'cycle':
      case 'steps':
        break;
    }
    lines.push(formatHere(this));
    return lines.join('\n');
  }

  private machineStopped(info: StopInfo): string {
    const lines = [`the machine stopped: ${info.message}`];
    if (this.withKernel && info.reason === 'halt') {
      lines.push(`kernel exit status ${kernelExitCode(info)}`);
      lines.push(formatProcesses(this));
    }
    lines.push(`(cycle ${formatNumber(this.m.cycles)}, ${formatNumber(this.m.instret)} instructions; regs, mem, pt and the rest still work)`);
    return lines.join('\n');
  }

  /**
   * Ends the session: flushes the console, closes the study outputs (--trace, --refs) and a
   * disk file; returns the statistics for --stats / --stats-json. Call once.
   */
  finish(): MachineStats {
    this.flushConsole();
    try {
      this.study.finish();
    } finally {
      this.m.disk?.close();
    }
    return this.stats();
  }
}

/** The result of `f`; if it throws, the machine's disk (a host file, maybe) is closed first. */
function closingDiskOnError<T>(m: Machine, f: () => T): T {
  try {
    return f();
  } catch (e) {
    m.disk?.close();
    throw e;
  }
}

/** Lets timers, Ctrl-C and the terminal run between slices of a long command. */
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function baseName(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1] || p;
}

/** Causes whose BADVADDR means something (address faults, illegal and privileged words). */
function hasBadvaddr(cause: number): boolean {
  return cause >= Cause.FETCH_PAGE_FAULT && cause <= Cause.BUS_ERROR;
}

/** "any fault (...)" or the causes by name. */
function faultWhat(causes: readonly number[]): string {
  if (causes.length === FAULT_CAUSES.length && FAULT_CAUSES.every((c) => causes.includes(c))) return 'any fault (every exception but syscall)';
  return causes.map((c) => causeText(c)).join(', ');
}

/** `help`: the commands and their aliases, aligned. */
export function helpText(): string {
  const rows = COMMANDS.map(([name, alias, args, what]) => [`${name}${args === '' ? '' : ` ${args}`}`, alias, what]);
  return [
    renderTable(rows, { head: ['command', 'alias', 'what it does'], align: ['l', 'l', 'l'] }),
    '',
    'Addresses: 0x1000, 4096, a label (print_str, kernel:trap_entry, hello:_start, 2:loop), a register (sp, a0),',
    'pc, sums such as sp+8 or greeting+4. A user address means the current process, unless a pid or program',
    "name qualifies it; 'mem p:0x1000' reads physical memory. Nothing but step/continue/until changes the machine.",
  ].join('\n');
}

