// A base for tracers: every hook does nothing; pass the hooks you need.

import type { Tracer } from './tracer.ts';

/** A tracer whose hooks do nothing, with `over` replacing some of them. */
export function nullTracer(over: Partial<Tracer> = {}): Tracer {
  const nop = (): void => {};
  return {
    now: () => 0,
    access: nop,
    tlbHit: nop,
    tlbMiss: nop,
    tlbFill: nop,
    tlbEvict: nop,
    tlbFlush: nop,
    tlbInvalidate: nop,
    walkStep: nop,
    walkUpdate: nop,
    trap: nop,
    eret: nop,
    diskStart: nop,
    diskComplete: nop,
    monitor: nop,
    staleTlb: nop,
    ...over,
  };
}
