// What a memory-mapped device looks like to the machine (asm/README.md "Devices").
//
// Each device owns one 4 KiB page of the physical device window; the machine passes it the
// offset within that page of an aligned word access. Byte and half-word accesses to a device
// page are bus errors and never reach the device. Offsets with no register read as 0 and
// ignore writes.

import type { Tracer } from '../tracer.ts';

export interface Device {
  /** Short name for traces and the debugger ("console", "disk", "monitor"). */
  readonly name: string;
  /** A word read by the program; may have side effects (the console consumes an input byte). */
  read(offset: number): number;
  /** The value read() would return, without any side effect (the debugger uses it). */
  peek(offset: number): number;
  /** A word written by the program. */
  write(offset: number, value: number): void;
}

/** What a device may ask of the machine. Only the machine implements it (machine.ts). */
export interface DeviceHost {
  /** The current cycle count. */
  now(): number;
  /**
   * A device's next event time changed, or one of its interrupt lines rose: the machine takes
   * it into account before the next instruction. (A line going down needs no call.)
   */
  devicesChanged(): void;
  /** The tracer attached to the machine, if any. */
  readonly tracer: Tracer | null;
}
