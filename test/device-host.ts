// A host for driving a device directly in tests: `now` is settable (t), and the calls of
// devicesChanged are counted (changes).

import type { DeviceHost } from '../src/machine/devices/device.ts';

export function host(): DeviceHost & { t: number; changes: number } {
  const h = {
    t: 0,
    changes: 0,
    now: () => h.t,
    devicesChanged: () => {
      h.changes++;
    },
    tracer: null,
  };
  return h;
}
