// The console (asm/README.md "Console"): TX prints the low byte of a word written to it; RX
// returns the next byte of an optional input buffer, or -1 once it is used up.

import { ConsoleReg } from '../../arch/memmap.ts';
import type { Device } from './device.ts';

export class ConsoleDevice implements Device {
  readonly name = 'console';
  /** Bytes written to TX so far. */
  bytesOut = 0;
  private readonly input: Uint8Array;
  private inPos = 0;

  constructor(
    private readonly out: (byte: number) => void,
    input?: Uint8Array,
  ) {
    this.input = input ?? new Uint8Array(0);
  }

  read(offset: number): number {
    if (offset !== ConsoleReg.RX) return 0;
    return this.inPos < this.input.length ? this.input[this.inPos++]! : -1;
  }

  peek(offset: number): number {
    if (offset !== ConsoleReg.RX) return 0;
    return this.inPos < this.input.length ? this.input[this.inPos]! : -1;
  }

  write(offset: number, value: number): void {
    if (offset !== ConsoleReg.TX) return;
    this.bytesOut++;
    this.out(value & 0xff);
  }
}
