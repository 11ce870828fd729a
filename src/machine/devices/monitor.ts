// The monitor port (asm/README.md "Monitor"): the kernel writes up to four arguments, then an
// event code; the event is forwarded to the host (stats, messages) and the tracer. It has no
// effect on the machine. The arguments are the ARG registers, or the four words of RAM at the
// physical address in ARGS while that is not 0 (read when EVENT is written). Reads return the
// last values written (EVENT: the last event code; ARGn: the last written or delivered).

import { MonitorReg } from '../../arch/memmap.ts';
import type { Device, DeviceHost } from './device.ts';

export type MonitorSink = (event: number, a0: number, a1: number, a2: number, a3: number) => void;

export class MonitorDevice implements Device {
  readonly name = 'monitor';
  /** ARG0..ARG3 as last written. */
  readonly args = new Int32Array(4);
  lastEvent = 0;
  /** Events received so far. */
  events = 0;
  /** ARGS: the physical address of the argument block in RAM, or 0 (the ARG registers). */
  argsBlock = 0;

  /** ram32: the machine's RAM, where an argument block lies. */
  constructor(
    private readonly host: DeviceHost,
    private readonly sink: MonitorSink | undefined,
    private readonly ram32: Int32Array,
  ) {}

  read(offset: number): number {
    return this.peek(offset);
  }

  peek(offset: number): number {
    if (offset === MonitorReg.EVENT) return this.lastEvent;
    if (offset === MonitorReg.ARGS) return this.argsBlock;
    const i = argIndex(offset);
    return i < 0 ? 0 : this.args[i]!;
  }

  write(offset: number, value: number): void {
    if (offset === MonitorReg.EVENT) {
      const a = this.args;
      if (this.argsBlock !== 0) {
        const w = this.argsBlock >>> 2;
        const ram = this.ram32;
        a[0] = ram[w]!;
        a[1] = ram[w + 1]!;
        a[2] = ram[w + 2]!;
        a[3] = ram[w + 3]!;
      }
      this.lastEvent = value | 0;
      this.events++;
      if (this.sink !== undefined) this.sink(value | 0, a[0]!, a[1]!, a[2]!, a[3]!);
      const t = this.host.tracer;
      if (t !== null) t.monitor(value | 0, a[0]!, a[1]!, a[2]!, a[3]!);
      return;
    }
    if (offset === MonitorReg.ARGS) {
      // A block that is misaligned or not wholly in RAM is refused: ARGS reads 0, and the
      // ARG registers are the arguments.
      const pa = value >>> 0;
      this.argsBlock = (pa & 3) === 0 && pa + 16 <= this.ram32.length * 4 ? pa : 0;
      return;
    }
    const i = argIndex(offset);
    if (i >= 0) this.args[i] = value;
  }
}

/** ARG0..ARG3 sit at consecutive words after EVENT. */
function argIndex(offset: number): number {
  const i = (offset - MonitorReg.ARG0) >> 2;
  return (offset & 3) === 0 && i >= 0 && i < 4 ? i : -1;
}
