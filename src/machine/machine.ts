// The machine: RAM, registers, control registers, traps, devices and the MMU, wired together
// in one place. The instruction loop is in cpu.ts (the fast path) and step.ts (the plain
// slow path); this file holds the state they share and the rare operations (traps, eret, CSR
// access, device access, interrupts, stopping) with their exact semantics from asm/README.md.
//
// Host conventions:
// - `pc` is kept unsigned (0 .. 2^32-1) on the object; the hot loop keeps it as an int32 local.
// - `cycles` and `instret` are plain numbers (exact integers up to 2^53).
// - RAM is one ArrayBuffer with views of every width; the host must be little-endian (checked
//   at load time) so that the 32-bit view reads words the way the architecture lays them out.

import { CSR_READ_ONLY, Csr, Irq, STATUS_WRITABLE, Status, isCsr } from '../arch/csr.ts';
import { INSTRUCTIONS } from '../arch/isa.ts';
import { DEVICE_BASE_PA, DEVICE_PAGE, Dev, KSEG_BASE } from '../arch/memmap.ts';
import { PAGE_SIZE, encodeMmuCfg, type Geometry } from '../arch/pte.ts';
import { REG_A0 } from '../arch/registers.ts';
import type { Timing } from '../arch/timing.ts';
import { Cause, causeText } from '../arch/traps.ts';
import type { Executable } from '../exe/types.ts';
import { UserError } from '../util/errors.ts';
import { makeInPlaceTranslators, type InPlaceTranslate } from './block-translate.ts';
import { BS, type BlockCosts, type BlockKinds, type BlockPage } from './blocks.ts';
import { execute } from './cpu.ts';
import { ConsoleDevice } from './devices/console.ts';
import type { Device, DeviceHost } from './devices/device.ts';
import { DiskDevice } from './devices/disk.ts';
import { MonitorDevice } from './devices/monitor.ts';
import { Timer } from './devices/timer.ts';
import { Mmu } from './mmu/mmu.ts';
import type { TlbConfig } from './mmu/tlb.ts';
import { formatStopDiagnostic } from './diagnostic.ts';
import { collectStats, type MachineStats } from './stats.ts';
import { executeReference, invalidateCaches, syncFast } from './step.ts';
import { warmUp } from './warmup.ts';
import type { Tracer } from './tracer.ts';

if (new Uint8Array(Uint32Array.of(0x01020304).buffer)[0] !== 0x04) {
  throw new Error('vmlab needs a little-endian host');
}

export interface MachineConfig {
  /** RAM size in bytes: a multiple of 4096, below the device window. */
  ramBytes: number;
  geometry: Geometry;
  /** null: no TLB, every user-space access walks the page tables. */
  tlb: TlbConfig | null;
  tlbSplit: boolean;
  timing: Timing;
  seed: number;
  /** Stop once the cycle count reaches this; 0 = no limit. */
  maxCycles: number;
  /** null: no disk (its page is then a bus error). */
  disk: { image?: Uint8Array; file?: string; blocks: number; jitter: number; errorRate: number } | null;
  /** Compare every TLB hit with the page tables (tracer.staleTlb); turns the fast paths off. */
  checkTlb: boolean;
  /** Compile hot code into blocks (blocks.ts); default true. Counts are the same either way. */
  blocks?: boolean;
}

export interface MachineIo {
  consoleOut(byte: number): void;
  consoleIn?: Uint8Array;
  monitor?(ev: number, a0: number, a1: number, a2: number, a3: number): void;
  /** `file:line` of a pc, for diagnostics. */
  describePc?(pc: number): string | undefined;
}

export type StopReason = 'halt' | 'max-cycles' | 'double-fault' | 'no-trap-vector' | 'deadlock' | 'stopped';

export interface StopInfo {
  reason: StopReason;
  /** halt: a0 & 255. Otherwise the STOP_EXIT code for the reason. */
  exitCode: number;
  /** One line for halt, max-cycles and stopped; a register dump for faults and deadlock. */
  message: string;
  /**
   * double-fault and no-trap-vector: the trap that could not be delivered (its cause, the
   * instruction's pc and BADVADDR). It is not among the traps counted: those were taken.
   */
  trap?: { cause: number; pc: number; badvaddr: number };
}

/** Exit statuses for stops other than halt (a bare program's `halt` uses a0). */
export const STOP_EXIT: Readonly<Record<Exclude<StopReason, 'halt'>, number>> = {
  'double-fault': 3,
  'no-trap-vector': 3,
  deadlock: 3,
  'max-cycles': 4,
  stopped: 5,
};

/** CSR numbers are 16 bits; this table says which exist and which are read-only. */
const CSR_KIND = (() => {
  const t = new Uint8Array(65536);
  for (let n = 0; n < 65536; n++) if (isCsr(n)) t[n] = CSR_READ_ONLY.has(n) ? 2 : 1;
  return t;
})();
export const CSR_NONE = 0;
export const CSR_RW = 1;
export const CSR_RO = 2;
export function csrKind(n: number): number {
  return CSR_KIND[n & 0xffff]!;
}

const TWO32 = 4294967296;

export class Machine {
  readonly cfg: MachineConfig;
  readonly io: MachineIo;
  readonly timing: Timing;
  readonly ramBytes: number;
  readonly ram: ArrayBuffer;
  readonly mem8: Uint8Array;
  readonly mem8s: Int8Array;
  readonly mem16: Uint16Array;
  readonly mem16s: Int16Array;
  readonly mem32: Int32Array;

  /** r0..r15; r0 is kept at 0 between instructions. A view of the 16 words after RAM (see cpu32). */
  readonly regs: Int32Array;
  /**
   * The interpreter's view: RAM followed by the registers, so that the hot loop reaches both
   * through one typed array (one bounds and type check per instruction instead of two).
   * Everything else uses the RAM-only views; physical addresses are checked against ramBytes.
   */
  readonly cpu32: Int32Array;
  /** Unsigned. */
  pc = 0;
  cycles = 0;
  instret = 0;
  /** The instruction word last fetched by the slow path. */
  ir = 0;

  // Control registers (PTBR and ASID live in the MMU: mmu.ptbr, mmu.asid).
  status = 0;
  epc = 0;
  cause = 0;
  badvaddr = 0;
  tvec = 0;
  im = 0;
  readonly scratch = new Int32Array(4);
  readonly mmucfg: number;

  readonly mmu: Mmu;
  readonly timer = new Timer();
  readonly console: ConsoleDevice;
  readonly disk: DiskDevice | null;
  readonly monitor: MonitorDevice;
  /** Device pages in physical-address order from DEVICE_BASE_PA (null: nothing there). */
  readonly devices: (Device | null)[];

  tracer: Tracer | null = null;
  /** What the devices see of the machine (its tracer follows setTracer). */
  private readonly deviceHost: { -readonly [K in keyof DeviceHost]: DeviceHost[K] };

  /** Cycle count at which the loop must stop and look at events (see boundary() in step.ts). */
  nextEvent = 0;
  stopInfo: StopInfo | null = null;
  private stopRequest: string | null = null;

  // Counters (stats.ts turns them into MachineStats).
  readonly trapCounts = new Float64Array(32);
  /** Page-fault traps (causes 1-3) taken from user mode, by ASID (the kernel uses ASID = pid). */
  readonly pageFaultsByAsid = new Int32Array(256);
  userCycles = 0;
  /** Cycle count when user mode was last entered. */
  userSince = 0;
  idleCycles = 0;
  fetches = 0;
  loads = 0;
  stores = 0;
  /** Cycles charged for TLB misses and walks, by Access (fetch, load, store). */
  readonly translationCycles = new Float64Array(3);

  // The CPU's one-entry translation caches (cpu.ts, step.ts). Between runs they live here;
  // during a run the hot loop keeps vpn/base/counts in locals and writes them back before
  // every slow call. vpn = -1: empty. entry: the TLB entry the page came from, -1 for a
  // kernel-segment page (whose uses are not TLB hits). n: uses not yet folded into the
  // counters; t: instret of the last data use.
  fVpn = -1; fBase = 0; fEntry = -1; fTlb = false; fN = 0;
  rVpn = -1; rBase = 0; rEntry = -1; rTlb = false; rN = 0; rT = 0;
  wVpn = -1; wBase = 0; wEntry = -1; wTlb = false; wN = 0; wT = 0;
  /** User-space pages may be cached (TLB present, no tracer, no --check-tlb). */
  fastUser = true;
  /** Run every instruction through the plain slow path with no caches (the reference model). */
  readonly reference: boolean;

  // Basic-block translation (blocks.ts): hot pages' code as compiled functions.
  /** Translate hot code into blocks (off: the fast loop runs every instruction itself). */
  blocks: boolean;
  /** Which blocks (blocks.ts, BlockKinds). */
  blockKinds: BlockKinds = 'loops';
  /** Per RAM page: its blocks by word (null: no block starts there), or undefined while cold. */
  readonly code: (BlockPage | undefined)[];
  /** Per RAM page: instructions the fast loop ran there while it was cold. */
  readonly heat: Int32Array;
  readonly blockState = new Int32Array(BS.SIZE);
  /** The cycles and instret at the start of the fast loop's current pass (for step.ts's blockMemory). */
  passCycles = 0;
  passInstret = 0;
  readonly blockCosts: BlockCosts;

  /** A block's user-space load or store its caches miss, translated in place (block-translate.ts). */
  readonly translateLoad: InPlaceTranslate;
  readonly translateStore: InPlaceTranslate;

  /** Cycles by instruction class, indexed by opcode (illegal opcodes cost a system instruction). */
  readonly classCost = new Int32Array(256);

  constructor(cfg: MachineConfig, io: MachineIo, opts: { reference?: boolean; blocks?: boolean } = {}) {
    if (cfg.ramBytes <= 0 || cfg.ramBytes % PAGE_SIZE !== 0 || cfg.ramBytes > DEVICE_BASE_PA)
      throw new UserError(`RAM size must be a multiple of ${PAGE_SIZE} bytes, at most 0x${DEVICE_BASE_PA.toString(16)} (got ${cfg.ramBytes})`);
    this.cfg = cfg;
    this.io = io;
    this.timing = cfg.timing;
    this.reference = opts.reference === true;
    this.blocks = opts.blocks !== false && cfg.blocks !== false && !this.reference;
    this.ramBytes = cfg.ramBytes;
    this.ram = new ArrayBuffer(cfg.ramBytes + 64);
    this.mem8 = new Uint8Array(this.ram, 0, cfg.ramBytes);
    this.mem8s = new Int8Array(this.ram, 0, cfg.ramBytes);
    this.mem16 = new Uint16Array(this.ram, 0, cfg.ramBytes / 2);
    this.mem16s = new Int16Array(this.ram, 0, cfg.ramBytes / 2);
    this.mem32 = new Int32Array(this.ram, 0, cfg.ramBytes / 4);
    this.cpu32 = new Int32Array(this.ram);
    this.regs = new Int32Array(this.ram, cfg.ramBytes, 16);
    this.code = new Array<BlockPage | undefined>(cfg.ramBytes / PAGE_SIZE).fill(undefined);
    this.heat = new Int32Array(cfg.ramBytes / PAGE_SIZE);
    this.mmu = new Mmu(this.mem32, { geometry: cfg.geometry, tlb: cfg.tlb, split: cfg.tlbSplit, checkTlb: cfg.checkTlb });
    this.mmucfg = encodeMmuCfg(cfg.geometry);

    this.classCost.fill(cfg.timing.classes.system);
    for (const d of INSTRUCTIONS) this.classCost[d.opcode] = cfg.timing.classes[d.cycles];
    const cls = cfg.timing.classes;
    this.blockCosts = {
      alu: cls.alu, mul: cls.mul, div: cls.div, load: cls.load, store: cls.store,
      branch: cls.branch, taken: cls.branch + cfg.timing.branchTaken, jump: cls.jump,
    };

    const self = this;
    // A plain object, its tracer kept up to date by setTracer (a getter cost the monitor and
    // the disk a call on every event).
    const host = (this.deviceHost = {
      now: () => self.cycles,
      // A device register was written (a disk command: a completion is now due).
      devicesChanged: () => self.eventsChanged(),
      tracer: null,
    });
    this.console = new ConsoleDevice((b) => io.consoleOut(b), io.consoleIn);
    this.monitor = new MonitorDevice(host, io.monitor?.bind(io), this.mem32);
    this.disk =
      cfg.disk === null
        ? null
        : new DiskDevice(
            { ...cfg.disk, latency: cfg.timing.diskLatency, seed: (cfg.seed ^ 0x5eed0d15) >>> 0 },
            this.mem8,
            host,
          );
    this.devices = [];
    this.devices[(Dev.CONSOLE - DEVICE_BASE_PA) / DEVICE_PAGE] = this.console;
    this.devices[(Dev.DISK - DEVICE_BASE_PA) / DEVICE_PAGE] = this.disk;
    this.devices[(Dev.MONITOR - DEVICE_BASE_PA) / DEVICE_PAGE] = this.monitor;
    this.updateFastUser();
    const inPlace = makeInPlaceTranslators(this);
    this.translateLoad = inPlace.translateLoad;
    this.translateStore = inPlace.translateStore;
  }

  get user(): boolean {
    return (this.status & Status.UM) !== 0;
  }

  // ---- loading and host access ------------------------------------------------------------

  /**
   * Load a bare program: every segment must be in the kernel segment and fit in RAM at
   * PA = vaddr - 0x80000000 (bss zeroed). Sets pc = entry, kernel mode, interrupts off, TVEC 0.
   */
  loadImage(exe: Executable): void {
    for (const s of exe.segments) {
      const va = s.vaddr >>> 0;
      if (va < KSEG_BASE)
        throw new UserError(`segment ${s.name} at 0x${hex(va)} is in user space: a bare program lives at 0x80000000 and up`);
      const pa = va - KSEG_BASE;
      if (pa + s.memSize > this.ramBytes)
        throw new UserError(
          `segment ${s.name} (0x${hex(va)}, ${s.memSize} bytes) does not fit in ${this.ramBytes} bytes of RAM (see --mem)`,
        );
      this.mem8.fill(0, pa, pa + s.memSize);
      this.mem8.set(s.data, pa);
    }
    this.pc = exe.entry >>> 0;
    this.setStatus(0);
    this.tvec = 0;
  }

  writePhys(pa: number, bytes: Uint8Array): void {
    if (pa < 0 || pa + bytes.length > this.ramBytes) throw new Error(`writePhys: 0x${hex(pa)}+${bytes.length} outside RAM`);
    this.mem8.set(bytes, pa);
  }

  readPhysWord(pa: number): number {
    if (pa < 0 || pa + 4 > this.ramBytes || (pa & 3) !== 0) throw new Error(`readPhysWord: bad address 0x${hex(pa)}`);
    return this.mem32[pa >>> 2]!;
  }

  writePhysWord(pa: number, value: number): void {
    if (pa < 0 || pa + 4 > this.ramBytes || (pa & 3) !== 0) throw new Error(`writePhysWord: bad address 0x${hex(pa)}`);
    this.mem32[pa >>> 2] = value;
  }

  /** Attach a tracer (or detach with null). While one is attached, every access takes the slow path. */
  setTracer(t: Tracer | null): void {
    syncFast(this, 2 * (this.instret - 1));
    this.tracer = t;
    this.mmu.tracer = t;
    this.deviceHost.tracer = t;
    if (t !== null) t.now = () => this.cycles;
    this.updateFastUser();
    invalidateCaches(this);
  }

  private updateFastUser(): void {
    this.fastUser = !this.reference && this.tracer === null && !this.cfg.checkTlb && this.mmu.itlb !== null;
  }

  // ---- running ----------------------------------------------------------------------------

  /**
   * Run until the machine stops or `maxInstructions` more instructions have retired.
   * Returns the StopInfo, or null when the budget ran out first (the machine can go on).
   * Every counter is exact when this returns.
   */
  run(maxInstructions = Infinity): StopInfo | null {
    if (this.stopInfo !== null) return this.stopInfo;
    if (!trained) {
      trained = true;
      warmUp();
    }
    if (this.reference) executeReference(this, maxInstructions);
    else execute(this, maxInstructions);
    this.regs[0] = 0;
    syncFast(this, 2 * (this.instret - 1));
    return this.stopInfo;
  }

  /** Ask the machine to stop at the next instruction boundary (reason 'stopped'). */
  requestStop(message = 'stopped by request'): void {
    this.stopRequest = message;
    this.nextEvent = -Infinity;
  }

  get stopRequested(): string | null {
    return this.stopRequest;
  }

  stop(reason: StopReason, exitCode: number, message: string): void {
    if (this.stopInfo !== null) return;
    this.stopInfo = { reason, exitCode, message };
    this.nextEvent = -Infinity;
  }

  /** Statistics as the plain --stats-json object (processes left empty for the kernel loader). */
  stats(): MachineStats {
    syncFast(this, 2 * (this.instret - 1));
    return collectStats(this);
  }

  // ---- traps, modes, interrupts -----------------------------------------------------------

  /**
   * Deliver a trap for the instruction at pc (an exception) or before it (an interrupt):
   * STATUS push (PUM = UM, PIE = IE, UM = 0, IE = 0, EXL = 1), EPC = pc, CAUSE, BADVADDR,
   * pc = TVEC, + trapEntry cycles (counted as kernel time). A trap while EXL is set, or with
   * TVEC = 0, cannot be delivered: the machine stops with a register dump instead, leaving
   * every register as it was.
   */
  takeTrap(cause: number, badvaddr: number): void {
    const fromUser = (this.status & Status.UM) !== 0;
    if ((this.status & Status.EXL) !== 0) {
      this.stop('double-fault', STOP_EXIT['double-fault'], this.diagnostic(`double fault: ${causeText(cause)} while in a trap handler (STATUS.EXL set)`, cause, badvaddr));
      this.stopInfo!.trap = { cause, pc: this.pc, badvaddr: badvaddr >>> 0 };
      return;
    }
    if (this.tvec === 0) {
      this.stop('no-trap-vector', STOP_EXIT['no-trap-vector'], this.diagnostic(`${causeText(cause)} with no trap handler (TVEC = 0)`, cause, badvaddr));
      this.stopInfo!.trap = { cause, pc: this.pc, badvaddr: badvaddr >>> 0 };
      return;
    }
    this.trapCounts[cause & 31]!++;
    if (fromUser && cause >= Cause.FETCH_PAGE_FAULT && cause <= Cause.STORE_PAGE_FAULT) this.pageFaultsByAsid[this.mmu.asid & 255]!++;
    if (this.tracer !== null) this.tracer.trap(cause, this.pc, badvaddr >>> 0, fromUser);
    const s = this.status;
    this.setStatus((fromUser ? Status.PUM : 0) | ((s & Status.IE) !== 0 ? Status.PIE : 0) | Status.EXL);
    this.epc = this.pc;
    this.cause = cause;
    this.badvaddr = badvaddr >>> 0;
    this.pc = this.tvec;
    this.cycles += this.timing.trapEntry;
  }

  /** eret: pc = EPC, UM = PUM, IE = PIE, EXL = 0 (PUM and PIE unchanged). */
  eret(): void {
    const s = this.status;
    const toUser = (s & Status.PUM) !== 0;
    this.setStatus((s & (Status.PUM | Status.PIE)) | (toUser ? Status.UM : 0) | ((s & Status.PIE) !== 0 ? Status.IE : 0));
    this.pc = this.epc;
    if (this.tracer !== null) this.tracer.eret(this.pc, toUser);
  }

  /**
   * Every STATUS change goes through here: the user/kernel cycle buckets switch on a mode
   * change, the translation caches are dropped (they were checked for the old mode), and an
   * interrupt that the new STATUS lets through is taken before the next instruction.
   */
  setStatus(v: number): void {
    const old = this.status;
    const now = v & STATUS_WRITABLE;
    this.status = now;
    if (((old ^ now) & Status.UM) !== 0) {
      if ((now & Status.UM) !== 0) this.userSince = this.cycles;
      else this.userCycles += this.cycles - this.userSince;
      invalidateCaches(this);
    }
    // Interrupts may have become deliverable (or not): the loop looks at events as soon as one
    // is due, and only then.
    this.eventsChanged();
  }

  /** IP: bit per pending interrupt line. */
  ip(): number {
    return (this.timer.pending ? Irq.TIMER : 0) | (this.disk !== null && this.disk.irq ? Irq.DISK : 0);
  }

  /** Bring devices up to the current cycle: complete a due disk transfer, latch the timer. */
  pollDevices(): void {
    const now = this.cycles;
    if (this.disk !== null && now >= this.disk.doneAt) this.disk.poll(now);
    if (now >= this.timer.deadline) this.timer.poll(now);
  }

  /**
   * The earliest future event: a device completion, the timer, the cycle limit, a stop
   * request. Interrupts already pending need no event: whatever could unmask them (a STATUS
   * or IM write, eret) calls eventsChanged(), which makes them due at once.
   */
  computeNextEvent(): number {
    if (this.stopInfo !== null || this.stopRequest !== null) return -Infinity;
    let t = this.timer.deadline;
    if (this.disk !== null && this.disk.doneAt < t) t = this.disk.doneAt;
    const max = this.cfg.maxCycles;
    if (max > 0 && max < t) t = max;
    return t;
  }

  /**
   * A device's event time, the timer's deadline or the interrupt mask changed: bring the next
   * event forward to what a boundary would now find due, rather than stop the next
   * instruction for a boundary that would find nothing to do (each such stop costs the fast
   * loop a pass). An interrupt the machine could take now (pending, unmasked, enabled) is due
   * at once; otherwise the earliest device event, cycle limit or stop request. An earlier
   * nextEvent is kept (a boundary that finds nothing due changes nothing).
   */
  eventsChanged(): void {
    const takeNow = (this.ip() & this.im) !== 0 && (this.status & (Status.IE | Status.EXL)) === Status.IE;
    const t = takeNow ? this.cycles : this.computeNextEvent();
    if (t < this.nextEvent) this.nextEvent = t;
  }

  /**
   * At an instruction boundary once cycles >= nextEvent: bring devices up to date, stop on the
   * cycle limit or a request, take a pending enabled interrupt (timer before disk), and set the
   * next event.
   */
  boundary(): void {
    this.pollDevices();
    const max = this.cfg.maxCycles;
    if (this.stopRequest !== null) {
      this.stop('stopped', STOP_EXIT.stopped, this.stopRequest);
      return;
    }
    if (max > 0 && this.cycles >= max) {
      this.stop('max-cycles', STOP_EXIT['max-cycles'], `stopped at the cycle limit (${max} cycles; see --max-cycles)`);
      return;
    }
    const pend = this.ip() & this.im;
    if (pend !== 0 && (this.status & (Status.IE | Status.EXL)) === Status.IE) {
      this.takeTrap((pend & Irq.TIMER) !== 0 ? Cause.TIMER_INTERRUPT : Cause.DISK_INTERRUPT, 0);
      if (this.stopInfo !== null) return;
    }
    this.nextEvent = this.computeNextEvent();
  }

  /**
   * wait (kernel mode, already charged): if an unmasked interrupt is pending, go on. Else jump
   * the cycle count to the next event that can raise one (an unmasked device), counting the
   * jump as idle time, but not past the cycle limit. With nothing to come, stop (deadlock).
   * Returns false if the machine stopped.
   */
  waitForInterrupt(): boolean {
    this.pollDevices();
    if ((this.ip() & this.im) !== 0) return true;
    let t = Infinity;
    if ((this.im & Irq.TIMER) !== 0) t = this.timer.deadline;
    if ((this.im & Irq.DISK) !== 0 && this.disk !== null && this.disk.doneAt < t) t = this.disk.doneAt;
    if (t === Infinity) {
      this.stop('deadlock', STOP_EXIT.deadlock, this.diagnostic('deadlock: wait with no interrupt to come (no unmasked device event pending)', -1, 0));
      return false;
    }
    const max = this.cfg.maxCycles;
    if (max > 0 && t > max) t = Math.max(max, this.cycles);
    if (t > this.cycles) {
      this.idleCycles += t - this.cycles;
      this.cycles = t;
    }
    this.nextEvent = this.cycles;
    return true;
  }

  // ---- control registers ------------------------------------------------------------------

  /** The value csrr reads (n must exist: csrKind(n) !== CSR_NONE). */
  readCsr(n: number): number {
    switch (n) {
      case Csr.STATUS: return this.status;
      case Csr.EPC: return this.epc | 0;
      case Csr.CAUSE: return this.cause | 0;
      case Csr.BADVADDR: return this.badvaddr | 0;
      case Csr.TVEC: return this.tvec | 0;
      case Csr.PTBR: return this.mmu.ptbr | 0;
      case Csr.ASID: return this.mmu.asid;
      case Csr.TIMECMP: return this.timer.compare | 0;
      case Csr.CYCLE: return (this.cycles % TWO32) | 0;
      case Csr.CYCLEH: return Math.floor(this.cycles / TWO32) | 0;
      case Csr.INSTRET: return (this.instret % TWO32) | 0;
      case Csr.INSTRETH: return Math.floor(this.instret / TWO32) | 0;
      case Csr.MMUCFG: return this.mmucfg | 0;
      case Csr.IP:
        this.pollDevices();
        return this.ip();
      case Csr.IM: return this.im;
      case Csr.SCRATCH0: case Csr.SCRATCH1: case Csr.SCRATCH2: case Csr.SCRATCH3:
        return this.scratch[n - Csr.SCRATCH0]!;
      default:
        throw new Error(`readCsr: no control register ${n}`);
    }
  }

  /** csrw (n must be a writable CSR). */
  writeCsr(n: number, v: number): void {
    switch (n) {
      case Csr.STATUS: this.setStatus(v); break;
      case Csr.EPC: this.epc = (v & ~3) >>> 0; break;
      case Csr.CAUSE: this.cause = v >>> 0; break;
      case Csr.BADVADDR: this.badvaddr = v >>> 0; break;
      case Csr.TVEC: this.tvec = (v & ~3) >>> 0; break;
      case Csr.PTBR:
        this.mmu.ptbr = (v & ~0xfff) >>> 0;
        invalidateCaches(this);
        break;
      case Csr.ASID:
        this.mmu.asid = v & 0xff;
        invalidateCaches(this);
        break;
      case Csr.TIMECMP:
        this.timer.write(v, this.cycles);
        this.eventsChanged();
        break;
      case Csr.IM:
        this.im = v & (Irq.TIMER | Irq.DISK);
        this.eventsChanged();
        break;
      case Csr.SCRATCH0: case Csr.SCRATCH1: case Csr.SCRATCH2: case Csr.SCRATCH3:
        this.scratch[n - Csr.SCRATCH0] = v;
        break;
      default:
        throw new Error(`writeCsr: control register ${n} is not writable`);
    }
  }

  // ---- diagnostics ------------------------------------------------------------------------

  /** A multi-line register dump headed by `title` (cause -1: none). */
  diagnostic(title: string, cause: number, badvaddr: number): string {
    return formatStopDiagnostic(this, title, cause, badvaddr);
  }

  /** The halt stop: exit status a0 & 255. */
  halt(): void {
    const a0 = this.regs[REG_A0]!;
    this.stop('halt', a0 & 255, `halted with exit status ${a0 & 255}${(a0 & 255) !== a0 ? ` (a0 = ${a0})` : ''}`);
  }
}

/** Whether warmUp() has run in this process. */
let trained = false;

export function hex(v: number, digits = 8): string {
  return (v >>> 0).toString(16).padStart(digits, '0');
}
