// The monitor port (asm/README.md "Monitor"): the kernel writes up to four arguments, then an
// event code; the event is forwarded to the host (stats, messages) and the tracer. It has no
// effect on the machine. Reads return the last values written (EVENT: the last event code).

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

  constructor(
    private readonly host: DeviceHost,
    private readonly sink: MonitorSink | undefined,
  ) {}

  read(offset: number): number {
    return this.peek(offset);
  }

  peek(offset: number): number {
    if (offset === MonitorReg.EVENT) return this.lastEvent;
    const i = argIndex(offset);
    return i < 0 ? 0 : this.args[i]!;
  }

  write(offset: number, value: number): void {
    if (offset === MonitorReg.EVENT) {
      const a = this.args;
      this.lastEvent = value | 0;
      this.events++;
      if (this.sink !== undefined) this.sink(value | 0, a[0]!, a[1]!, a[2]!, a[3]!);
      const t = this.host.tracer;
      if (t !== null) t.monitor(value | 0, a[0]!, a[1]!, a[2]!, a[3]!);
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
