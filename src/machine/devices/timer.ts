// The timer: the TIMECMP control register, with MIPS Count/Compare semantics (asm/README.md
// "Timer"). Writing TIMECMP = v at cycle `now` arms the timer for the next cycle count c > now
// whose low 32 bits equal v (so a deadline up to 2^32 cycles ahead), and clears a pending
// interrupt. The interrupt becomes pending at the first instruction boundary at or after that
// cycle and stays pending until TIMECMP is written again. Until the first write, nothing is armed.

const TWO32 = 4294967296;

export class Timer {
  /** TIMECMP as last written (unsigned). */
  compare = 0;
  /** Cycle count at which the interrupt becomes pending; Infinity when not armed or already pending. */
  deadline = Infinity;
  pending = false;
  /** Interrupts raised so far. */
  fired = 0;

  /** Software wrote TIMECMP at cycle `now`. */
  write(value: number, now: number): void {
    this.compare = value >>> 0;
    this.pending = false;
    let c = now - (now % TWO32) + this.compare;
    if (c <= now) c += TWO32;
    this.deadline = c;
  }

  /** Latch the interrupt if its time has come. */
  poll(now: number): void {
    if (now >= this.deadline) {
      this.pending = true;
      this.deadline = Infinity;
      this.fired++;
    }
  }
}
