// `vmlab run --trace KINDS`: what the machine and the kernel do, one event per line.
//
// Kinds (README.md "Studying page faults" lists every event and its fields):
//   tlb      hit, miss, fill, evict, flush, invalidate: which TLB (U unified, I/D split), the
//            address or page, the ASID, the entry, the frame
//   walk     each PTE the walker reads (level, PTE address and value, what it means), and each
//            write-back that sets A or D
//   fault    exceptions other than syscall (cause, address, pc with file:line, pid), the
//            kernel's monitor reports of pages brought in and evicted, of faults served and of
//            processes it ends, and the `eret` that retries a faulting instruction
//   disk     transfers started and completed (block, frame), and the disk interrupt
//   sched    process start and exit, switches (and idle) from the kernel, timer interrupts
//   syscall  each system call when it traps (name, arguments) and when it returns (result)
//
// Text lines start with the cycle stamp, right-aligned, then the kind and the event in fixed
// columns, then `name value` fields two spaces apart (fixed-width hex, so lines of one event
// line up), and a source line (file:line) last because its width varies:
//
//     120431  fault   load page fault   va 0x00403000  pc 0x00001024  pid 1  (x.s:31)
//
// --trace-format jsonl writes the same events as JSON objects, one per line, with the fields
// `cycle`, `kind`, `event` and then the event's own (numbers as numbers).
//
// Output goes through a buffer flushed every 64 KiB and at the end. The tracer allocates per
// event (strings), but only while tracing: with no --trace the machine's hooks are null.

import { closeSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import {
  DiskCmd, FaultWhy, KILL_WHY_SHIFT, MonitorEvent, PageSource, Syscall,
} from '../arch/memmap.ts';
import { PAGE_SHIFT, PTE_RWX, Pte } from '../arch/pte.ts';
import { REG_A0, REG_T0 } from '../arch/registers.ts';
import { CAUSE_KEY, Cause, causeText, isInterrupt } from '../arch/traps.ts';
import type { Machine } from '../machine/machine.ts';
import type { TlbName, Tracer } from '../machine/tracer.ts';
import { describeKill, FAIL_REASON_TEXT } from '../os/processes.ts';
import { UserError } from '../util/errors.ts';
import { fsReason } from '../util/files.ts';

export const TRACE_KINDS = ['tlb', 'walk', 'fault', 'disk', 'sched', 'syscall'] as const;
export type TraceKind = (typeof TRACE_KINDS)[number];
export const TRACE_FORMATS = ['text', 'jsonl'] as const;
export type TraceFormat = (typeof TRACE_FORMATS)[number];

/** The kinds `--trace` names: a comma-separated list of TRACE_KINDS, or `all`. */
export function parseTraceKinds(text: string): Set<TraceKind> {
  const kinds = new Set<TraceKind>();
  const words = text.split(',').map((w) => w.trim().toLowerCase()).filter((w) => w !== '');
  if (words.length === 0) throw new UserError(`--trace: no kind given (choose from ${TRACE_KINDS.join(', ')}, or all)`);
  for (const w of words) {
    if (w === 'all') TRACE_KINDS.forEach((k) => kinds.add(k));
    else if ((TRACE_KINDS as readonly string[]).includes(w)) kinds.add(w as TraceKind);
    else throw new UserError(`--trace: unknown kind "${w}" (choose from ${TRACE_KINDS.join(', ')}, or all)`);
  }
  return kinds;
}

/** What a tracer needs to know about the run beyond the hooks' arguments. */
export interface TraceSource {
  machine: Machine;
  /** Whether user programs run under a kernel (then ASID = pid, and events name processes). */
  processes: boolean;
  /** `file:line` of pc: in process pid's program for a user pc, in the kernel's for a kernel pc. */
  sourceLine(pc: number, pid: number): string | undefined;
  /** The program name of a pid (hello.s), if known. */
  processName(pid: number): string | undefined;
  /**
   * The first frame of the user pool, when a kernel runs: the kernel's monitor events name a
   * frame by its index in the pool (PAGE_IN, PAGE_OUT), traces add the pfn.
   */
  userFirstPfn?: number;
}

/** A source path as the user would type it: relative to the working directory when inside it. */
export function shortPath(p: string): string {
  if (!path.isAbsolute(p)) return p;
  const r = path.relative(process.cwd(), p);
  return r !== '' && !r.startsWith('..') && !path.isAbsolute(r) ? r : p;
}

/** `file:line` with the file shortened (shortPath), or undefined. */
export function shortSource(src: TraceSource, pc: number, pid: number): string | undefined {
  const s = src.sourceLine(pc, pid);
  if (s === undefined) return undefined;
  const colon = s.lastIndexOf(':');
  return colon < 0 ? s : shortPath(s.slice(0, colon)) + s.slice(colon);
}

// ---- output ---------------------------------------------------------------------------------

/** Text going to a file descriptor, a writer function or a file, through one buffer. */
export class BufferedOut {
  private parts: string[] = [];
  private size = 0;
  private closed = false;

  /** `write` receives the buffered text in chunks; `onClose` runs once after the last one. */
  constructor(
    private readonly sink: (text: string) => void,
    private readonly onClose: () => void = () => {},
    private readonly limit = 1 << 16,
  ) {}

  /** A new file at `file` (created or truncated); a UserError if it cannot be. */
  static toFile(file: string): BufferedOut {
    let fd: number;
    try {
      fd = openSync(file, 'w');
    } catch (e) {
      throw new UserError(`cannot write ${file}: ${fsReason(e)}`);
    }
    return new BufferedOut(
      (text) => {
        const b = Buffer.from(text, 'utf8');
        let off = 0;
        try {
          while (off < b.length) off += writeSync(fd, b, off, b.length - off);
        } catch (e) {
          throw new UserError(`cannot write ${file}: ${fsReason(e)}`);
        }
      },
      () => closeSync(fd),
    );
  }

  write(text: string): void {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= this.limit) this.flush();
  }

  flush(): void {
    if (this.size === 0) return;
    const text = this.parts.join('');
    this.parts = [];
    this.size = 0;
    this.sink(text);
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.onClose();
  }
}

// ---- formatting -----------------------------------------------------------------------------

/** Width of the cycle stamp (it grows beyond for runs of 10^10 cycles and more). */
const STAMP_WIDTH = 10;
const KIND_WIDTH = 7;
/** Wide enough for "store page fault" and two blanks. */
const EVENT_WIDTH = 18;

export function hex8(v: number): string {
  return '0x' + (v >>> 0).toString(16).padStart(8, '0');
}

/** Page and frame numbers: 20 bits, five hex digits. */
export function hex5(v: number): string {
  return '0x' + (v >>> 0).toString(16).padStart(5, '0');
}

/** The low byte of a PTE as seven letters, `-` for each clear bit: r w x u g a d. */
export function pteFlags(pte: number): string {
  return (
    ((pte & Pte.R) !== 0 ? 'r' : '-') +
    ((pte & Pte.W) !== 0 ? 'w' : '-') +
    ((pte & Pte.X) !== 0 ? 'x' : '-') +
    ((pte & Pte.U) !== 0 ? 'u' : '-') +
    ((pte & Pte.G) !== 0 ? 'g' : '-') +
    ((pte & Pte.A) !== 0 ? 'a' : '-') +
    ((pte & Pte.D) !== 0 ? 'd' : '-')
  );
}

const SYSCALL_NAME: ReadonlyMap<number, string> = new Map(Object.entries(Syscall).map(([k, v]) => [v, k.toLowerCase()]));
const PAGE_SOURCE_NAME: Readonly<Record<number, string>> = {
  [PageSource.ZERO]: 'zero',
  [PageSource.EXECUTABLE]: 'executable',
  [PageSource.SWAP]: 'swap',
};
/** The kernel's "swapped" mark in a not-present PTE (asm/README.md, "A process's memory"). */
const KERNEL_SWAPPED_MARK = 0x2;

/**
 * One event being written: text columns or a JSON object, field by field, so that both formats
 * carry the same fields in the same order. begin() starts it, f() adds a field (its JSON key
 * and value, and how it reads in text), end() writes the line.
 */
class EventLine {
  private text = '';
  private obj: Record<string, unknown> = {};
  private tail = '';

  constructor(
    private readonly out: BufferedOut,
    private readonly json: boolean,
  ) {}

  begin(cycle: number, kind: TraceKind, event: string, label: string): this {
    if (this.json) this.obj = { cycle, kind, event };
    else this.text = `${String(cycle).padStart(STAMP_WIDTH)}  ${kind.padEnd(KIND_WIDTH)} ${label.padEnd(EVENT_WIDTH)}`;
    this.tail = '';
    return this;
  }

  /** A field: `key: value` in JSON, `text` in the text line (nothing there when text is ''). */
  f(key: string, value: unknown, text: string): this {
    if (this.json) this.obj[key] = value;
    else if (text !== '') this.text += text + '  ';
    return this;
  }

  /** JSON only (the text line says it in the words of another field). */
  j(key: string, value: unknown): this {
    if (this.json) this.obj[key] = value;
    return this;
  }

  /** Text only (words that explain; JSON has them as other fields). */
  t(text: string): this {
    if (!this.json) this.text += text + '  ';
    return this;
  }

  /** The source line, last in text (its width varies); omitted when unknown. */
  src(source: string | undefined): this {
    if (source === undefined) return this;
    if (this.json) this.obj.source = source;
    else this.tail = `(${source})`;
    return this;
  }

  end(): void {
    if (this.json) this.out.write(JSON.stringify(this.obj) + '\n');
    else this.out.write((this.text + this.tail).trimEnd() + '\n');
  }
}

// ---- the tracer -----------------------------------------------------------------------------

export interface TraceTracerOptions {
  kinds: ReadonlySet<TraceKind>;
  format: TraceFormat;
  out: BufferedOut;
}

/**
 * The --trace tracer: writes the events of the enabled kinds as they happen. Call
 * `out.close()` (or flush()) at the end of the run.
 */
export class TraceTracer implements Tracer {
  now: () => number = () => 0;
  private readonly m: Machine;
  private readonly ev: EventLine;
  private readonly tlb: boolean;
  private readonly walk: boolean;
  private readonly fault: boolean;
  private readonly disk: boolean;
  private readonly sched: boolean;
  private readonly sys: boolean;
  private readonly levels: number;
  /** Per ASID, the pc of a faulting user instruction not yet retried (-1: none), for "retry". */
  private readonly pendingFault = new Float64Array(256).fill(-1);

  constructor(
    private readonly src: TraceSource,
    opts: TraceTracerOptions,
  ) {
    this.m = src.machine;
    this.ev = new EventLine(opts.out, opts.format === 'jsonl');
    this.tlb = opts.kinds.has('tlb');
    this.walk = opts.kinds.has('walk');
    this.fault = opts.kinds.has('fault');
    this.disk = opts.kinds.has('disk');
    this.sched = opts.kinds.has('sched');
    this.sys = opts.kinds.has('syscall');
    this.levels = this.m.cfg.geometry.length;
  }

  /** Starts an event: `event` is its JSON name, `label` how the text line calls it. */
  private begin(kind: TraceKind, event: string, label = event): EventLine {
    return this.ev.begin(this.m.cycles, kind, event, label);
  }

  private get asid(): number {
    return this.m.mmu.asid;
  }

  /** The pid field (only when a kernel runs processes: ASID = pid), with the program's name. */
  private pid(e: EventLine, pid: number): EventLine {
    if (!this.src.processes) return e;
    const name = this.src.processName(pid);
    e.f('pid', pid, `pid ${pid}`);
    if (name !== undefined) e.f('name', name, name.padEnd(12));
    return e;
  }

  private pidOnly(e: EventLine, pid: number): EventLine {
    return this.src.processes ? e.f('pid', pid, `pid ${pid}`) : e;
  }

  access(): void {}

  tlbHit(tlb: TlbName, va: number, entry: number, pfn: number): void {
    if (!this.tlb) return;
    this.begin('tlb', 'hit')
      .f('tlb', tlb, tlb)
      .f('va', va >>> 0, `va ${hex8(va)}`)
      .f('asid', this.asid, `asid ${String(this.asid).padEnd(3)}`)
      .f('entry', entry, `entry ${String(entry).padEnd(4)}`)
      .f('pfn', pfn, `pfn ${hex5(pfn)}`)
      .end();
  }

  tlbMiss(tlb: TlbName, va: number): void {
    if (!this.tlb) return;
    this.begin('tlb', 'miss')
      .f('tlb', tlb, tlb)
      .f('va', va >>> 0, `va ${hex8(va)}`)
      .f('asid', this.asid, `asid ${String(this.asid).padEnd(3)}`)
      .end();
  }

  tlbFill(tlb: TlbName, entry: number, vpn: number, asid: number, pfn: number, perm: number): void {
    if (!this.tlb) return;
    this.begin('tlb', 'fill')
      .f('tlb', tlb, tlb)
      .f('vpn', vpn, `vpn ${hex5(vpn)}   `)
      .f('asid', asid, `asid ${String(asid).padEnd(3)}`)
      .f('entry', entry, `entry ${String(entry).padEnd(4)}`)
      .f('pfn', pfn, `pfn ${hex5(pfn)}`)
      .f('flags', pteFlags(perm), pteFlags(perm))
      .end();
  }

  tlbEvict(tlb: TlbName, entry: number, vpn: number, asid: number): void {
    if (!this.tlb) return;
    this.begin('tlb', 'evict')
      .f('tlb', tlb, tlb)
      .f('vpn', vpn, `vpn ${hex5(vpn)}   `)
      .f('asid', asid, `asid ${String(asid).padEnd(3)}`)
      .f('entry', entry, `entry ${String(entry).padEnd(4)}`)
      .end();
  }

  tlbFlush(tlb: TlbName): void {
    if (!this.tlb) return;
    this.begin('tlb', 'flush').f('tlb', tlb, tlb).end();
  }

  tlbInvalidate(tlb: TlbName, vpn: number, emptied: number): void {
    if (!this.tlb) return;
    this.begin('tlb', 'invalidate')
      .f('tlb', tlb, tlb)
      .f('vpn', vpn, `vpn ${hex5(vpn)}   `)
      .f('emptied', emptied, `${emptied} ${emptied === 1 ? 'entry' : 'entries'} emptied`)
      .end();
  }

  walkStep(va: number, level: number, pteAddr: number, pte: number): void {
    if (!this.walk) return;
    const e = this.begin('walk', 'step', `L${level}`)
      .j('level', level)
      .f('va', va >>> 0, `va ${hex8(va)}`)
      .j('pteAddr', pteAddr >>> 0)
      .f('pte', pte >>> 0, `pte@${hex8(pteAddr)} = ${hex8(pte)}`);
    const last = level === this.levels - 1;
    const pfn = pte >>> Pte.PFN_SHIFT;
    if ((pte & Pte.V) === 0) {
      e.f('result', 'not present', 'not present');
      if ((pte & ~1) !== 0) {
        if ((pte & 0xfff) === KERNEL_SWAPPED_MARK) e.f('swapSlot', pfn, `(swap slot ${pfn})`);
        else e.t(`(kernel bits ${hex8(pte)})`);
      }
    } else if ((pte & PTE_RWX) === 0) {
      if (last) e.f('result', 'no leaf', 'a pointer at the last level: page fault');
      else e.j('result', 'table').f('pfn', pfn, `-> table at pfn ${hex5(pfn)}`);
    } else {
      e.j('result', last ? 'leaf' : 'superpage')
        .f('pfn', pfn, `${last ? 'leaf' : 'superpage leaf'}: pfn ${hex5(pfn)}`)
        .f('flags', pteFlags(pte), pteFlags(pte));
    }
    e.end();
  }

  walkUpdate(va: number, pteAddr: number, oldPte: number, newPte: number): void {
    if (!this.walk) return;
    const set = oldPte ^ newPte;
    const bits = ((set & Pte.A) !== 0 ? 'A' : '') + ((set & Pte.D) !== 0 ? 'D' : '');
    this.begin('walk', 'update', `set ${bits}`)
      .f('va', va >>> 0, `va ${hex8(va)}`)
      .j('pteAddr', pteAddr >>> 0)
      .f('pte', newPte >>> 0, `pte@${hex8(pteAddr)} = ${hex8(newPte)}`)
      .f('old', oldPte >>> 0, `(was ${hex8(oldPte)})`)
      .j('bits', bits)
      .end();
  }

  trap(cause: number, pc: number, badvaddr: number, fromUser: boolean): void {
    const pid = this.asid;
    if (cause === Cause.TIMER_INTERRUPT) {
      if (this.sched) this.pidOnly(this.begin('sched', 'tick', 'timer interrupt').f('pc', pc >>> 0, `pc ${hex8(pc)}`), pid).f('mode', mode(fromUser), mode(fromUser)).end();
      return;
    }
    if (cause === Cause.DISK_INTERRUPT) {
      if (this.disk) this.pidOnly(this.begin('disk', 'interrupt').f('pc', pc >>> 0, `pc ${hex8(pc)}`), pid).f('mode', mode(fromUser), mode(fromUser)).end();
      return;
    }
    if (isInterrupt(cause)) return;
    if (cause === Cause.SYSCALL) {
      if (!this.sys) return;
      const r = this.m.regs;
      const n = r[REG_T0]!;
      const name = SYSCALL_NAME.get(n) ?? `#${n}`;
      const e = this.begin('syscall', 'call', name).j('name', name).f('number', n, `(${n})`.padEnd(4));
      this.pidOnly(e, pid)
        .f('args', [r[REG_A0]!, r[REG_A0 + 1]!, r[REG_A0 + 2]!], `a0 ${hex8(r[REG_A0]!)}  a1 ${hex8(r[REG_A0 + 1]!)}  a2 ${hex8(r[REG_A0 + 2]!)}`)
        .f('pc', pc >>> 0, `pc ${hex8(pc)}`)
        .src(shortSource(this.src, pc, pid))
        .end();
      return;
    }
    if (fromUser && cause >= Cause.FETCH_PAGE_FAULT && cause <= Cause.STORE_PROTECTION) this.pendingFault[pid & 255] = pc >>> 0;
    if (!this.fault) return;
    const e = this.begin('fault', 'trap', causeText(cause)).j('cause', CAUSE_KEY.get(cause) ?? cause);
    e.f('va', badvaddr >>> 0, `va ${hex8(badvaddr)}`).f('pc', pc >>> 0, `pc ${hex8(pc)}`);
    this.pidOnly(e, pid).f('mode', mode(fromUser), mode(fromUser)).src(shortSource(this.src, pc, pid)).end();
  }

  eret(pc: number, toUser: boolean): void {
    if (!toUser) return;
    const pid = this.asid & 255;
    if (this.pendingFault[pid] !== pc >>> 0) return;
    this.pendingFault[pid] = -1;
    if (!this.fault) return;
    // The blanks put pc under the pc of the fault lines (after their va).
    const e = this.begin('fault', 'retry', 'retry (eret)').t(' '.repeat(13)).f('pc', pc >>> 0, `pc ${hex8(pc)}`);
    this.pidOnly(e, pid).src(shortSource(this.src, pc, pid)).end();
  }

  diskStart(cmd: number, block: number, pa: number, doneAt: number): void {
    if (!this.disk) return;
    this.begin('disk', 'start', `${diskOp(cmd)} start`)
      .j('op', diskOp(cmd))
      .f('block', block, `block ${String(block).padEnd(6)}`)
      .f('pfn', pa >>> PAGE_SHIFT, `pfn ${hex5(pa >>> PAGE_SHIFT)}`)
      .f('doneAt', doneAt, `done at ${doneAt}`)
      .end();
  }

  diskComplete(cmd: number, block: number, pa: number, ok: boolean): void {
    if (!this.disk) return;
    this.begin('disk', 'done', `${diskOp(cmd)} done`)
      .j('op', diskOp(cmd))
      .f('block', block, `block ${String(block).padEnd(6)}`)
      .f('pfn', pa >>> PAGE_SHIFT, `pfn ${hex5(pa >>> PAGE_SHIFT)}`)
      .f('ok', ok, ok ? 'ok' : 'ERROR')
      .end();
  }

  monitor(event: number, a0: number, a1: number, a2: number, a3: number): void {
    switch (event) {
      case MonitorEvent.PROC_START:
        if (this.sched) this.pid(this.begin('sched', 'start'), a0).f('root', a2 >>> 0, `root table ${hex8(a2)}`).end();
        break;
      case MonitorEvent.PROC_EXIT:
        this.pendingFault[a0 & 255] = -1;
        if (this.sched) this.pid(this.begin('sched', 'exit'), a0).f('status', a1 | 0, `status ${a1 | 0}`).end();
        break;
      case MonitorEvent.SWITCH:
        if (!this.sched) break;
        if (a0 === 0) this.begin('sched', 'idle').t('no process is ready: wait for the disk').end();
        else this.pid(this.begin('sched', 'switch'), a0).end();
        break;
      case MonitorEvent.SYSCALL:
        if (this.sys) {
          const name = SYSCALL_NAME.get(a1) ?? `#${a1}`;
          const e = this.begin('syscall', 'return', `${name} returns`).j('name', name).f('number', a1, `(${a1})`.padEnd(4));
          this.pidOnly(e, a0).f('result', a2 | 0, `-> ${a2 | 0}`).end();
        }
        break;
      case MonitorEvent.PAGE_IN:
        if (this.fault) {
          const from = PAGE_SOURCE_NAME[a3] ?? `source ${a3}`;
          this.pidOnly(this.begin('fault', 'page_in', 'page in'), a0)
            .f('vpn', a1 >>> 0, `vpn ${hex5(a1)}`)
            .f('frame', a2 >>> 0, this.frameText(a2))
            .j('pfn', this.framePfn(a2))
            .f('from', from, `from ${from}`)
            .end();
        }
        break;
      case MonitorEvent.PAGE_OUT:
        if (this.fault) {
          this.pidOnly(this.begin('fault', 'page_out', 'page out'), a0)
            .f('vpn', a1 >>> 0, `vpn ${hex5(a1)}`)
            .f('frame', a2 >>> 0, this.frameText(a2))
            .j('pfn', this.framePfn(a2))
            .f('swapped', a3 !== 0, a3 !== 0 ? 'dirty: written to swap' : 'clean: dropped')
            .end();
        }
        break;
      case MonitorEvent.FAULT_DONE:
        if (this.fault) {
          this.pidOnly(this.begin('fault', 'served'), a0)
            .f('va', a1 >>> 0, `va ${hex8(a1)}`)
            .f('pc', a2 >>> 0, `pc ${hex8(a2)}`)
            .f('resident', a3, `${a3} resident`)
            .src(shortSource(this.src, a2, a0))
            .end();
        }
        break;
      case MonitorEvent.PROC_KILL:
        this.pendingFault[a0 & 255] = -1;
        if (this.fault) {
          const cause = a1 & ((1 << KILL_WHY_SHIFT) - 1);
          const why = a1 >>> KILL_WHY_SHIFT;
          this.pid(this.begin('fault', 'kill'), a0)
            .j('cause', CAUSE_KEY.get(cause) ?? cause)
            .j('why', WHY_KEY[why] ?? why)
            .j('va', a2 >>> 0)
            .f('text', describeKill(a1, a2), describeKill(a1, a2))
            .f('pc', a3 >>> 0, `pc ${hex8(a3)}`)
            .src(shortSource(this.src, a3, a0))
            .end();
        }
        break;
      case MonitorEvent.PROC_FAIL:
        this.pendingFault[a0 & 255] = -1;
        if (this.fault) {
          const text = FAIL_REASON_TEXT[a1] ?? `reason ${a1}`;
          this.pid(this.begin('fault', 'fail'), a0).j('reason', a1).f('text', text, text).end();
        }
        break;
      default:
        break;
    }
  }

  staleTlb(): void {}

  /** A frame the kernel names (an index into the user frame pool), with its pfn when known. */
  private frameText(frame: number): string {
    const pfn = this.framePfn(frame);
    const f = `frame ${String(frame).padEnd(4)}`;
    return pfn === null ? f : `${f} (pfn ${hex5(pfn)})`;
  }

  private framePfn(frame: number): number | null {
    const first = this.src.userFirstPfn;
    return first === undefined ? null : first + (frame >>> 0);
  }
}

const WHY_KEY: Readonly<Record<number, string>> = {
  [FaultWhy.OUTSIDE]: 'outside',
  [FaultWhy.NOT_WRITABLE]: 'not_writable',
  [FaultWhy.NOT_EXECUTABLE]: 'not_executable',
  [FaultWhy.NOT_READABLE]: 'not_readable',
};

function mode(user: boolean): string {
  return user ? 'user' : 'kernel';
}

function diskOp(cmd: number): string {
  return cmd === DiskCmd.READ ? 'read' : cmd === DiskCmd.WRITE ? 'write' : `cmd ${cmd}`;
}
