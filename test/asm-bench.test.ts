// The assembler's benchmark program: it must assemble cleanly (always checked), and with
// VMLAB_LONG=1 the timed run prints lines per second and holds the 100,000 lines/s target.

import { describe, expect, it } from 'vitest';
import { INSTRUCTIONS } from '../src/arch/isa.ts';
import { assembleSource } from '../src/asm/index.ts';
import { generateProgram, measureAssembler } from '../bench/asm.bench.ts';

describe('assembler benchmark', () => {
  it('generates a 10,000-line program that assembles without a diagnostic', () => {
    const src = generateProgram(10_000);
    expect(src.split('\n').length - 1).toBe(10_000);
    const r = assembleSource(src, 'bench.s');
    expect(r.diagnostics).toEqual([]);
    // Every format but those of the control-register and TLB instructions appears.
    const used = new Set(src.match(/^\S*\s+([a-z]+)/gm)!.map((m) => m.trim().split(/\s+/).pop()!));
    const formats = new Set(INSTRUCTIONS.filter((d) => used.has(d.mnemonic)).map((d) => d.format));
    expect([...formats].sort()).toEqual(['B', 'I', 'J', 'L', 'N', 'R', 'RD', 'S', 'U']);
    for (const pseudo of ['li', 'la', 'push', 'pop', 'call', 'ret', 'mv', 'bnez', 'bgtz', 'seqz']) {
      expect(used.has(pseudo), pseudo).toBe(true);
    }
  });

  it.runIf(process.env.VMLAB_LONG === '1')('assembles at least 100,000 lines per second', () => {
    const { linesPerSecond, ms } = measureAssembler(10_000, 20);
    console.log(`assembler: ${linesPerSecond.toLocaleString('en-US')} lines/s (10,000 lines in ${ms.toFixed(1)} ms)`);
    expect(linesPerSecond).toBeGreaterThan(100_000);
  });
});
