// Fuzzing the CPU under the kernel: a user process made of random instruction words (mostly
// real instructions with random registers and immediates, some system calls with random
// arguments, some words that are anything at all), its registers first loaded with awkward
// values (null, the kernel segment, device registers, the stack's edge, syscall numbers...).
// Beside it run integrity.s and hello.s. Whatever the random process does — ends, is ended, or
// runs for ever — the host never throws, the machine never stops on a kernel bug, --check-kernel
// finds nothing, and the healthy processes print exactly what they print alone and exit 0.
//
// Bounded in the normal run; VMLAB_LONG=1 runs many more cases.

import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Format, INSTRUCTIONS, encode, type InstrDef } from '../src/arch/isa.ts';
import { MonitorEvent, Syscall, USER_TOP } from '../src/arch/memmap.ts';
import { PAGE_SIZE } from '../src/arch/pte.ts';
import { REG_T0 } from '../src/arch/registers.ts';
import { SegFlag, USER_TEXT_BASE, type Executable } from '../src/exe/types.ts';
import { EXAMPLES, integrity, LONG, program, runKernel, stopWhenOthersEnd, TIMEOUT, type Program } from './hardening-harness.ts';

const RUNS = LONG ? 2000 : 40;

const OP = (m: string): InstrDef => INSTRUCTIONS.find((d) => d.mnemonic === m)!;
const LUI = OP('lui');
const ORI = OP('ori');
const ADDI = OP('addi');
const SYSCALL = OP('syscall');
const JAL = OP('jal');

/** Values worth having in a register when random code uses it as an address, a length, a number. */
const AWKWARD = [
  0, 1, 2, 3, 4, 5, 6, -1, 0x7fffffff, 0x80000000, 0xffffffff, USER_TEXT_BASE, USER_TEXT_BASE + 2, 0x2000, 0x2ffc, 0x3000,
  0x40000000, USER_TOP - 4, USER_TOP - PAGE_SIZE, USER_TOP - 256 * PAGE_SIZE - 4, 0x80000000, 0x80001000, 0xfff00000, 0xfff01008, 0xfff02000,
];
const arbRegValue = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...AWKWARD) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffffffff }) });
const arbReg = fc.integer({ min: 0, max: 15 });

/** One instruction of the ISA with random fields; branch and jump offsets mostly stay near. */
const arbInstruction = fc
  .record({
    d: fc.constantFrom(...INSTRUCTIONS),
    rd: arbReg,
    rs1: arbReg,
    rs2: arbReg,
    imm: fc.oneof(fc.integer({ min: -8, max: 8 }), fc.integer({ min: -0x8000, max: 0xffff }), fc.constantFrom(...AWKWARD.map((v) => v & 0xffff))),
  })
  .map(({ d, rd, rs1, rs2, imm }) => [encode(d, { rd, rs1, rs2, imm: d.format === Format.J ? imm & 0xfffff : imm })]);

/** A system call: t0 = a number (often a real one), then `syscall`. */
const arbSyscall = fc
  .oneof(fc.constantFrom(...Object.values(Syscall)), fc.integer({ min: -2, max: 300 }))
  .map((n) => [encode(ADDI, { rd: REG_T0, rs1: 0, rs2: 0, imm: n }), encode(SYSCALL, { rd: 0, rs1: 0, rs2: 0, imm: 0 })]);

const arbWords = fc.array(
  fc.oneof(
    { weight: 12, arbitrary: arbInstruction },
    { weight: 3, arbitrary: arbSyscall },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffffffff }).map((w) => [w]) },
  ),
  { minLength: 1, maxLength: 48 },
);

/** How the random code ends if it gets there: exit(a0), or a jump back to its start (for ever). */
const arbEnding = fc.constantFrom('exit', 'loop', 'none');

/**
 * The random process: registers r1..r15 loaded with `regs` (lui + ori each), the random words,
 * then its ending; a data page of `data` bytes after the text.
 */
function fuzzProgram(regs: readonly number[], body: readonly number[], ending: string, data: Uint8Array): Program {
  const words: number[] = [];
  regs.forEach((v, i) => {
    const rd = i + 1;
    words.push(encode(LUI, { rd, rs1: 0, rs2: 0, imm: (v >>> 16) & 0xffff }), encode(ORI, { rd, rs1: rd, rs2: 0, imm: v & 0xffff }));
  });
  const start = words.length;
  words.push(...body);
  if (ending === 'exit') words.push(encode(ADDI, { rd: REG_T0, rs1: 0, rs2: 0, imm: Syscall.EXIT }), encode(SYSCALL, { rd: 0, rs1: 0, rs2: 0, imm: 0 }));
  if (ending === 'loop') words.push(encode(JAL, { rd: 0, rs1: 0, rs2: 0, imm: (start - words.length) & 0xfffff }));
  const text = new Uint8Array(new Uint32Array(words).buffer);
  const dataVa = USER_TEXT_BASE + Math.ceil(text.length / PAGE_SIZE) * PAGE_SIZE;
  const exe: Executable = {
    entry: USER_TEXT_BASE,
    segments: [
      { name: 'text', vaddr: USER_TEXT_BASE, memSize: text.length, flags: SegFlag.R | SegFlag.X, data: text },
      { name: 'data', vaddr: dataVa, memSize: PAGE_SIZE, flags: SegFlag.R | SegFlag.W, data },
    ],
    symbols: [],
    files: [],
    lines: [],
  };
  return { path: 'fuzz.vmx', exe };
}

describe('random user code under the kernel', () => {
  it('ends or runs, and touches nothing but itself', () => {
    const healthy = integrity(16);
    const hello = program(path.join(EXAMPLES, 'hello.s'));
    const outcomes = new Map<string, number>();
    let instructions = 0;
    fc.assert(
      fc.property(
        fc.array(arbRegValue, { minLength: 15, maxLength: 15 }),
        arbWords,
        arbEnding,
        fc.uint8Array({ minLength: 0, maxLength: PAGE_SIZE }),
        fc.integer({ min: 0, max: 2 }),
        fc.constantFrom('fifo', 'clock', 'aging', 'random' as const),
        (regs, body, ending, data, where, replace) => {
          const fuzz = fuzzProgram(regs, body.flat(), ending, data);
          // The random process at each position in turn: first, between, last.
          const progs = [healthy, hello];
          progs.splice(where, 0, fuzz);
          const fuzzPid = where + 1;
          // Console bytes by the process that was running when they were written.
          let current = 0;
          const byPid = new Map<number, string>();
          const stopper = stopWhenOthersEnd(3, [fuzzPid])!;
          const r = runKernel(progs, {
            kernel: { frames: 9, replace, heapPages: 64, stackPages: 16 },
            machine: { maxCycles: 100_000_000 },
            maxInstructions: 20_000_000,
            consoleOut: (b) => byPid.set(current, (byPid.get(current) ?? '') + String.fromCharCode(b)),
            monitor: (m, ev, a0, ...rest) => {
              if (ev === MonitorEvent.SWITCH) current = a0;
              stopper(m, ev, a0, ...rest);
            },
          });
          const what = `${r.stop.reason}: ${r.stop.message}`;
          expect(['halt', 'stopped', 'max-cycles'], what).toContain(r.stop.reason);
          expect(r.checker!.failure, what).toBeNull();
          const h = r.processes[progs.indexOf(healthy)]!;
          const e = r.processes[progs.indexOf(hello)]!;
          expect(h, what).toMatchObject({ status: 'exited', exitCode: 0 });
          expect(e, what).toMatchObject({ status: 'exited', exitCode: 0 });
          expect(byPid.get(h.pid), what).toBe('bad words: 0\n');
          expect(byPid.get(e.pid), what).toBe(`hello from process ${e.pid}\n`);
          const x = r.processes[fuzzPid - 1]!;
          expect(['exited', 'killed', 'failed', 'running']).toContain(x.status);
          const key = `${x.status}${x.message === null ? '' : `: ${x.message.replace(/0x[0-9a-f]{8}/g, 'X').replace(/, pc.*$/, '')}`}`;
          outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
          instructions += r.stats.instructions;
        },
      ),
      { numRuns: RUNS },
    );
    // The random processes must not all die at their first word: some run, some call the kernel.
    const ended = [...outcomes].filter(([k]) => k.startsWith('killed')).reduce((a, [, n]) => a + n, 0);
    expect(ended).toBeLessThan(RUNS);
    if (LONG || process.env.VMLAB_FUZZ_REPORT === '1') {
      console.log(`fuzz-cpu: ${RUNS} runs, ${instructions.toLocaleString('en-US')} instructions in all; how the random process ended:`);
      for (const [k, n] of [...outcomes].sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(6)}  ${k}`);
    }
  }, TIMEOUT);
});
