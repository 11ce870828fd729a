// Fuzzing the executable reader with damaged real programs (the examples, the hostile programs
// and the kernel, written as .vmx): bytes changed, header and segment-table fields set to edge
// values, files cut or extended — with the checksum and the size field fixed up afterwards, so
// that the damage reaches the checks behind them. The reader must reject the file with a
// UserError, or return an image that passes validation, writes back to the same image, and runs
// (under the kernel beside a healthy program, or bare) without a host exception.
// (test/exe.test.ts covers the reader on one sample; this covers it on every real program.)
//
// Bounded in the normal run; VMLAB_LONG=1 runs many more cases.

import { readdirSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KSEG_BASE } from '../src/arch/memmap.ts';
import { machineConfig } from '../src/cli/machine-options.ts';
import { readExecutable, validateExecutable, vmxChecksum, VmxHeader, VmxSegment, VMX_HEADER_SIZE, writeExecutable } from '../src/exe/format.ts';
import type { Executable } from '../src/exe/types.ts';
import { Machine } from '../src/machine/machine.ts';
import { loadKernel } from '../src/os/boot.ts';
import { UserError } from '../src/util/errors.ts';
import { EXAMPLES, HOSTILE, LONG, program, runKernel, TIMEOUT } from './hardening-harness.ts';

const RUNS = LONG ? 5000 : 200;

const SAMPLES: { name: string; bytes: Uint8Array }[] = [
  ...readdirSync(EXAMPLES).filter((f) => f.endsWith('.s')).map((f) => path.join(EXAMPLES, f)),
  ...readdirSync(HOSTILE).filter((f) => f.endsWith('.s')).map((f) => path.join(HOSTILE, f)),
].map((f) => ({ name: path.basename(f), bytes: writeExecutable(program(f).exe) }));
SAMPLES.push({ name: 'kernel.vmx', bytes: writeExecutable(loadKernel()) });

const HEADER_FIELDS = Object.entries(VmxHeader).filter(([k]) => k !== 'CRC');
const SEG_FIELDS = Object.entries(VmxSegment).filter(([k]) => k !== 'SIZE');

/** Values that sit on the edges the reader must check. */
const arbEdgeValue = (len: number) =>
  fc.oneof(
    fc.constantFrom(0, 1, 2, 3, 4, 7, 0x1000, 0xfff, 0x1001, 0x7fffffff, 0x80000000, 0xfffff000, 0xffffffff, len, len - 1, len + 1, len - 0x1000, 168, 169),
    fc.integer({ min: 0, max: 0xffffffff }),
    fc.integer({ min: 0, max: len + 0x2000 }),
  );

const arbDamage = fc.oneof(
  fc.record({ k: fc.constant('bytes' as const), writes: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }) }),
  fc.record({ k: fc.constant('header' as const), field: fc.nat(HEADER_FIELDS.length - 1), value: arbEdgeValue(0x4000) }),
  fc.record({ k: fc.constant('segment' as const), seg: fc.nat(3), field: fc.nat(SEG_FIELDS.length - 1), value: arbEdgeValue(0x4000) }),
  fc.record({ k: fc.constant('resize' as const), len: fc.nat(), fill: fc.integer({ min: 0, max: 255 }) }),
);
type Damage = typeof arbDamage extends fc.Arbitrary<infer T> ? T : never;

function damage(src: Uint8Array, ds: readonly Damage[], fixCrc: boolean, fixSize: boolean): Uint8Array {
  let b = src.slice();
  for (const d of ds) {
    const dv = new DataView(b.buffer);
    switch (d.k) {
      case 'bytes':
        if (b.length > 0) for (const [at, v] of d.writes) b[at % b.length] = v;
        break;
      case 'header': {
        const [name, off] = HEADER_FIELDS[d.field]!;
        if (off + 4 > b.length) break;
        if (name === 'VERSION' || name === 'HEADER_SIZE') dv.setUint16(off, d.value & 0xffff, true);
        else dv.setUint32(off, d.value >>> 0, true);
        break;
      }
      case 'segment': {
        const off = VMX_HEADER_SIZE + d.seg * VmxSegment.SIZE + SEG_FIELDS[d.field]![1];
        if (off + 4 > b.length) break;
        dv.setUint32(off, d.value >>> 0, true);
        break;
      }
      case 'resize': {
        const len = d.len % (src.length + 2 * 4096);
        const n = new Uint8Array(len).fill(d.fill);
        n.set(b.subarray(0, Math.min(len, b.length)));
        b = n;
        break;
      }
    }
  }
  if (b.length >= VMX_HEADER_SIZE) {
    const dv = new DataView(b.buffer);
    if (fixSize) dv.setUint32(VmxHeader.TOTAL_SIZE, b.length, true);
    if (fixCrc) dv.setUint32(VmxHeader.CRC, vmxChecksum(b), true);
  }
  return b;
}

/** Runs an executable the reader accepted: under the kernel beside hello, or bare. */
function runAccepted(exe: Executable): void {
  try {
    if (exe.entry >>> 0 >= KSEG_BASE) {
      const m = new Machine(machineConfig({ maxCycles: 200_000 }), { consoleOut: () => {} });
      m.loadImage(exe);
      m.run(1_000_000);
    } else {
      const hello = program(path.join(EXAMPLES, 'hello.s'));
      const r = runKernel([{ path: 'fuzzed.vmx', exe }, hello], { kernel: { frames: 8 }, machine: { maxCycles: 3_000_000 }, maxInstructions: 2_000_000 });
      expect(r.checker!.failure).toBeNull();
      expect(['halt', 'max-cycles', 'stopped']).toContain(r.stop.reason);
    }
  } catch (e) {
    // Bad input the loader or the kernel's disk image refuses (a segment in the stack, too many
    // segments, RAM too small for a bare program) is a UserError; nothing else may escape.
    if (!(e instanceof UserError)) throw e;
  }
}

describe('the executable reader on damaged real programs', () => {
  it('every sample reads back as written', () => {
    for (const s of SAMPLES) expect(Buffer.compare(writeExecutable(readExecutable(s.bytes, s.name)), s.bytes), s.name).toBe(0);
  });

  it('damaged files: a UserError, or an image that validates, round-trips and runs', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.nat(SAMPLES.length - 1), fc.array(arbDamage, { minLength: 1, maxLength: 3 }), fc.boolean(), fc.boolean(), (i, ds, fixCrc, fixSize) => {
        const s = SAMPLES[i]!;
        const bytes = damage(s.bytes, ds, fixCrc || fixSize, fixSize);
        let exe: Executable;
        try {
          exe = readExecutable(bytes, s.name);
        } catch (e) {
          expect(e).toBeInstanceOf(UserError);
          expect((e as Error).message.startsWith(`${s.name}: `)).toBe(true);
          expect((e as Error).message).not.toContain('\n');
          return;
        }
        accepted++;
        expect(validateExecutable(exe)).toBeUndefined();
        const again = writeExecutable(exe);
        expect(Buffer.compare(writeExecutable(readExecutable(again, s.name)), again)).toBe(0);
        runAccepted(exe);
      }),
      { numRuns: RUNS },
    );
    // Some damage leaves a valid file (a changed byte of code, a symbol's value): those ran.
    expect(accepted).toBeGreaterThan(0);
    if (LONG) console.log(`fuzz-exe: ${accepted} of ${RUNS} damaged files were valid, and ran`);
  }, TIMEOUT);

  it('random bytes behind a valid header', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 9000 }), (junk) => {
        const b = new Uint8Array(Math.max(VMX_HEADER_SIZE, junk.length));
        b.set(junk);
        b.set(SAMPLES[0]!.bytes.subarray(0, VMX_HEADER_SIZE));
        const dv = new DataView(b.buffer);
        dv.setUint32(VmxHeader.TOTAL_SIZE, b.length, true);
        dv.setUint32(VmxHeader.CRC, vmxChecksum(b), true);
        try {
          const exe = readExecutable(b, 'junk.vmx');
          expect(validateExecutable(exe)).toBeUndefined();
        } catch (e) {
          expect(e).toBeInstanceOf(UserError);
        }
      }),
      { numRuns: LONG ? 3000 : 200 },
    );
  }, TIMEOUT);
});
