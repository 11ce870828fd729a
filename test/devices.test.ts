// Devices: the disk (timing, errors, jitter, seeds, host files), the console (TX, RX) and the
// monitor port, driven by bare programs and directly.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DiskCmd, DiskReg, DiskStatus, Dev, KSEG_BASE, MonitorEvent, MonitorReg } from '../src/arch/memmap.ts';
import { DiskDevice } from '../src/machine/devices/disk.ts';
import { Timer } from '../src/machine/devices/timer.ts';
import { Machine, type MachineConfig } from '../src/machine/machine.ts';
import { sourceLineAt } from '../src/exe/types.ts';
import { assemble, bareAsm, config, runToStop, testIo, tracer } from './cpu-helpers.ts';
import { host } from './device-host.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'vmlab-dev-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const DISK = KSEG_BASE + Dev.DISK;

/** A bare program that transfers one block (cmd, block, dma) by polling, then halts with STATUS in a0. */
let transfers = 0;
function transfer(cmd: number, block: number, dma: number): string {
  const poll = `poll${transfers++}`;
  return `
        li   t2, ${DISK}
        li   t1, ${block}
        sw   t1, ${DiskReg.BLOCK}(t2)
        li   t1, ${dma}
        sw   t1, ${DiskReg.DMA}(t2)
        li   t1, ${cmd}
        sw   t1, ${DiskReg.CMD}(t2)
${poll}: lw   a0, ${DiskReg.STATUS}(t2)
        li   t1, ${DiskStatus.BUSY}
        beq  a0, t1, ${poll}
        lw   a1, ${DiskReg.NBLOCKS}(t2)
        halt
`;
}

function diskConfig(over: Partial<NonNullable<MachineConfig['disk']>> = {}): Partial<MachineConfig> {
  return { disk: { blocks: 8, jitter: 0, errorRate: 0, ...over } };
}

describe('disk', () => {
  it('writes a page to a block and reads it back elsewhere; NBLOCKS; counts', () => {
    const { m } = bareAsm(
      `
        li   t0, 0x80009000
        li   t1, 0x5a5a1234
        sw   t1, 0(t0)
        sw   t1, 4092(t0)
${transfer(DiskCmd.WRITE, 5, 0x9000).replace('halt', '')}
${transfer(DiskCmd.READ, 5, 0xa000)}
`,
      diskConfig(),
    );
    runToStop(m);
    expect(m.regs[1]).toBe(DiskStatus.DONE);
    expect(m.regs[2]).toBe(8);
    expect(m.mem32[0xa000 / 4]).toBe(0x5a5a1234);
    expect(m.mem32[0xaffc / 4]).toBe(0x5a5a1234);
    expect(m.disk!.readBlockCopy(5)[0]).toBe(0x34);
    expect(m.stats().disk).toEqual({ reads: 1, writes: 1, errors: 0 });
  });

  it.each([
    ['a block out of range', DiskCmd.READ, 8, 0x9000],
    ['an unaligned DMA address', DiskCmd.READ, 1, 0x9004],
    ['a DMA page beyond RAM', DiskCmd.WRITE, 1, 0x100000],
    ['an unknown command', 3, 1, 0x9000],
  ])('%s completes with ERROR and moves nothing', (_what, cmd, block, dma) => {
    const { m } = bareAsm(transfer(cmd, block, dma), { ...diskConfig({ image: new Uint8Array(8 * 4096).fill(7) }), ramBytes: 1 << 20 });
    runToStop(m);
    expect(m.regs[1]).toBe(DiskStatus.ERROR);
    expect(m.mem8[0x9000]).toBe(0);
    expect(m.stats().disk).toEqual({ reads: 0, writes: 0, errors: 1 });
  });

  it('a command while busy fails the transfer in flight', () => {
    const h = host();
    const ram = new Uint8Array(64 * 1024);
    const d = new DiskDevice({ blocks: 4, jitter: 0, errorRate: 0, latency: 100, seed: 1, image: new Uint8Array(4096).fill(9) }, ram, h);
    d.write(DiskReg.BLOCK, 0);
    d.write(DiskReg.DMA, 0x1000);
    d.write(DiskReg.CMD, DiskCmd.READ);
    expect(d.read(DiskReg.STATUS)).toBe(DiskStatus.BUSY);
    h.t = 50;
    d.write(DiskReg.CMD, DiskCmd.READ);
    expect(d.doneAt).toBe(100);
    expect(d.poll(99)).toBe(false);
    expect(d.poll(100)).toBe(true);
    expect(d.read(DiskReg.STATUS)).toBe(DiskStatus.ERROR);
    expect(d.irq).toBe(true);
    expect(ram[0x1000]).toBe(0);
    d.write(DiskReg.ACK, 0);
    expect([d.read(DiskReg.STATUS), d.irq]).toEqual([DiskStatus.IDLE, false]);
  });

  it('jitter and injected errors are drawn from the seed: same seed, same run', () => {
    const runs = (seed: number) => {
      const h = host();
      const d = new DiskDevice({ blocks: 4, jitter: 500, errorRate: 0.5, latency: 1000, seed }, new Uint8Array(8192), h);
      const out: [number, number][] = [];
      for (let i = 0; i < 40; i++) {
        d.write(DiskReg.DMA, 0);
        d.write(DiskReg.CMD, DiskCmd.READ);
        const at = d.doneAt - h.t;
        h.t = d.doneAt;
        d.poll(h.t);
        out.push([at, d.read(DiskReg.STATUS)]);
        d.write(DiskReg.ACK, 0);
      }
      return out;
    };
    const a = runs(1);
    expect(runs(1)).toEqual(a);
    expect(runs(2)).not.toEqual(a);
    expect(a.every(([t]) => t >= 500 && t <= 1500)).toBe(true);
    expect(new Set(a.map(([t]) => t)).size).toBeGreaterThan(10);
    const errors = a.filter(([, s]) => s === DiskStatus.ERROR).length;
    expect(errors).toBeGreaterThan(5);
    expect(errors).toBeLessThan(35);
  });

  it('a host file backs the disk: blocks read from it, writes land in it, beyond its end reads zeros', () => {
    const file = path.join(tmp, 'disk.img');
    const img = new Uint8Array(2 * 4096);
    img.fill(0x11, 0, 4096);
    img.fill(0x22, 4096);
    writeFileSync(file, img);
    const { m } = bareAsm(
      `${transfer(DiskCmd.READ, 1, 0x9000).replace('halt', '')}
        li   t0, 0x80009000
        li   t1, 0x33
        sb   t1, 0(t0)
${transfer(DiskCmd.WRITE, 3, 0x9000).replace('halt', '')}
${transfer(DiskCmd.READ, 2, 0xa000)}`,
      diskConfig({ file, blocks: 4 }),
    );
    try {
      runToStop(m);
    } finally {
      m.disk!.close();
    }
    expect(m.regs[1]).toBe(DiskStatus.DONE);
    expect(m.regs[2]).toBe(4);
    expect(m.mem8[0x9001]).toBe(0x22);
    expect(m.mem8[0xa000]).toBe(0);
    const after = readFileSync(file);
    expect(after.length).toBe(4 * 4096);
    expect(after[3 * 4096]).toBe(0x33);
    expect(after[3 * 4096 + 1]).toBe(0x22);
  });

  it('reports transfers to the tracer with their completion time', () => {
    const { m } = bareAsm(transfer(DiskCmd.READ, 2, 0x9000), diskConfig());
    const seen: unknown[] = [];
    m.setTracer(tracer({ diskStart: (...a) => seen.push(['start', ...a]), diskComplete: (...a) => seen.push(['done', ...a]) }));
    runToStop(m);
    const start = seen[0] as number[];
    expect(start.slice(0, 4)).toEqual(['start', DiskCmd.READ, 2, 0x9000]);
    expect(start[4]).toBeGreaterThan(m.timing.diskLatency);
    expect(seen[1]).toEqual(['done', DiskCmd.READ, 2, 0x9000, true]);
  });
});

describe('console and monitor', () => {
  it('TX prints bytes; RX reads the input, then -1; peek has no side effect', () => {
    const src = `
        li   t0, ${KSEG_BASE + Dev.CONSOLE}
loop:   lw   a0, 4(t0)
        bltz a0, done
        addi a0, a0, 1
        sw   a0, 0(t0)
        j    loop
done:   halt
`;
    const { m, io } = bareAsmWithInput(src, new TextEncoder().encode('HAL'));
    expect(m.console.peek(4)).toBe('H'.charCodeAt(0));
    expect(m.console.peek(4)).toBe('H'.charCodeAt(0));
    runToStop(m);
    expect(io.text()).toBe('IBM');
    expect(m.stats().console.bytesOut).toBe(3);
    const none = bareAsmWithInput(src, new Uint8Array(0));
    runToStop(none.m);
    expect(none.io.out).toEqual([]);
  });

  it('the monitor forwards events with their arguments to the host and the tracer', () => {
    const { m, io } = bareAsm(`
        li   t0, ${KSEG_BASE + Dev.MONITOR}
        li   t1, 7
        sw   t1, ${MonitorReg.ARG0}(t0)
        li   t1, -2
        sw   t1, ${MonitorReg.ARG1}(t0)
        li   t1, 0x12345678
        sw   t1, ${MonitorReg.ARG3}(t0)
        li   t1, ${MonitorEvent.PROC_EXIT}
        sw   t1, ${MonitorReg.EVENT}(t0)
        lw   a0, ${MonitorReg.ARG1}(t0)
        halt
`);
    const traced: number[][] = [];
    m.setTracer(tracer({ monitor: (...a) => traced.push(a) }));
    runToStop(m);
    expect(io.events).toEqual([[MonitorEvent.PROC_EXIT, 7, -2, 0, 0x12345678]]);
    expect(traced).toEqual(io.events);
    expect(m.regs[1]).toBe(-2);
  });

  it('takes the arguments from the RAM block at ARGS while it is set, and refuses a bad block', () => {
    const { m, io } = bareAsm(`
        li   t0, ${KSEG_BASE + Dev.MONITOR}
        li   t1, 9
        sw   t1, ${MonitorReg.ARG0}(t0)      # a register argument, ignored while ARGS is set
        li   t2, ${KSEG_BASE + 0x3000}
        li   t1, 11
        sw   t1, 0(t2)
        li   t1, 12
        sw   t1, 4(t2)
        li   t1, -13
        sw   t1, 8(t2)
        li   t1, 14
        sw   t1, 12(t2)
        li   t1, 0x3000
        sw   t1, ${MonitorReg.ARGS}(t0)
        lw   a0, ${MonitorReg.ARGS}(t0)
        li   t1, ${MonitorEvent.PAGE_IN}
        sw   t1, ${MonitorReg.EVENT}(t0)
        lw   a1, ${MonitorReg.ARG2}(t0)      # the value delivered
        li   t1, 15
        sw   t1, 4(t2)                       # read again at the next event
        li   t1, ${MonitorEvent.PAGE_OUT}
        sw   t1, ${MonitorReg.EVENT}(t0)
        li   t1, 0x3002                      # misaligned: refused, the registers again
        sw   t1, ${MonitorReg.ARGS}(t0)
        lw   a2, ${MonitorReg.ARGS}(t0)
        li   t1, ${MonitorEvent.SWITCH}
        sw   t1, ${MonitorReg.EVENT}(t0)
        li   t1, 0x7ffffff0                  # beyond RAM: refused
        sw   t1, ${MonitorReg.ARGS}(t0)
        lw   a3, ${MonitorReg.ARGS}(t0)
        halt
`);
    runToStop(m);
    expect(io.events).toEqual([
      [MonitorEvent.PAGE_IN, 11, 12, -13, 14],
      [MonitorEvent.PAGE_OUT, 11, 15, -13, 14],
      // The registers as the last event left them, ARG0 included: the block's values stand.
      [MonitorEvent.SWITCH, 11, 15, -13, 14],
    ]);
    expect([m.regs[1], m.regs[2], m.regs[3], m.regs[4]]).toEqual([0x3000, -13, 0, 0]);
  });
});

describe('timer', () => {
  it('arms for the next cycle count with those low 32 bits', () => {
    const t = new Timer();
    t.write(100, 50);
    expect(t.deadline).toBe(100);
    t.write(100, 100);
    expect(t.deadline).toBe(100 + 2 ** 32);
    t.write(5, 2 ** 32 + 10);
    expect(t.deadline).toBe(2 * 2 ** 32 + 5);
    t.poll(2 * 2 ** 32 + 4);
    expect(t.pending).toBe(false);
    t.poll(2 * 2 ** 32 + 9);
    expect([t.pending, t.deadline]).toEqual([true, Infinity]);
    t.write(0, 3 * 2 ** 32);
    expect(t.pending).toBe(false);
  });
});

/** A bare machine whose console reads `input`. */
function bareAsmWithInput(src: string, input: Uint8Array) {
  const exe = assemble(src);
  const io = testIo();
  io.consoleIn = input;
  io.describePc = (pc) => sourceLineAt(exe, pc);
  const m = new Machine(config(), io);
  m.loadImage(exe);
  return { m, io };
}
