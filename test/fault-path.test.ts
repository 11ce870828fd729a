// The page-fault path's shortcuts (measured by `vmlab bench --workload faults`): the kernel reads a
// partial page of the executable as one whole block, relying on the .vmx zero padding instead
// of clearing the tail; the disk keeps its in-memory image a block at a time, allocated when
// first written; an acknowledge (a line going down) does not make the machine look again.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DiskCmd, DiskReg, DiskStatus, MonitorEvent } from '../src/arch/memmap.ts';
import { PAGE_SIZE } from '../src/arch/pte.ts';
import { assembleSource, formatDiagnostic } from '../src/asm/index.ts';
import { machineConfig } from '../src/cli/machine-options.ts';
import { DiskDevice } from '../src/machine/devices/disk.ts';
import { DEFAULT_KERNEL_OPTIONS, runWithKernel } from '../src/os/boot.ts';
import { host } from './device-host.ts';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const USER_LIB = path.join(ROOT, 'asm/lib/user.s');

// Fills HEAP pages with all ones (so that every frame has held non-zero words), then checks
// that the text and data pages, brought back from the executable into such frames, read as
// zeros from the end of their file data to the end of the page. Three rounds; exits 0 if every
// word was right, 1 otherwise.
const TAILS = `
.include "${USER_LIB}"
.equ HEAP, 12
.text
_start:
    li   a0, HEAP * PAGE_SIZE
    call sbrk
    mv   s0, a0                     # s0 = heap
    li   s1, 3                      # s1 = rounds left
.round:
    mv   t0, s0
    li   t1, HEAP * PAGE_SIZE
    add  t1, t0, t1
    li   t2, -1
.fill:
    sw   t2, 0(t0)
    addi t0, t0, 4
    bne  t0, t1, .fill
    la   a0, data_end
    call zero_tail
    bnez a0, .fail
    la   a1, data_words
    lw   t0, 0(a1)
    li   t1, 0x12345678
    bne  t0, t1, .fail
    la   a0, text_end
    call zero_tail
    bnez a0, .fail
    addi s1, s1, -1
    bnez s1, .round
    li   a0, 0
    call exit
.fail:
    li   a0, 1
    call exit

# zero_tail: a0 = 0 if every word from a0 to the end of its page is 0, else 1.
zero_tail:
    li   t1, PAGE_SIZE - 1
    add  t1, a0, t1
    srli t1, t1, 12
    slli t1, t1, 12                 # t1 = end of the page
.check:
    beq  a0, t1, .ok
    lw   t0, 0(a0)
    bnez t0, .bad
    addi a0, a0, 4
    j    .check
.ok:
    li   a0, 0
    ret
.bad:
    li   a0, 1
    ret
text_end:

.data
data_words: .word 0x12345678, 0x9abcdef0, 0x0badf00d
data_end:
`;

describe('partial pages of the executable', () => {
  it('read as zeros past their file data, in frames that held other data, with every policy', () => {
    const r = assembleSource(TAILS, path.join(ROOT, 'test', 'tails.s'));
    if (r.exe === null) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
    for (const replace of ['fifo', 'clock', 'aging', 'random'] as const) {
      let fromExe = 0;
      const run = runWithKernel(
        [{ path: 'tails.s', exe: r.exe }],
        { ...DEFAULT_KERNEL_OPTIONS, frames: 4, replace },
        machineConfig({ maxCycles: 200_000_000 }),
        {
          consoleOut() {},
          monitor: (ev, _a0, _a1, _a2, a3) => {
            if (ev === MonitorEvent.PAGE_IN && a3 === 1) fromExe++;
          },
        },
      );
      expect(run.stop.reason, replace).toBe('halt');
      expect(run.processes[0]!.exitCode, replace).toBe(0);
      // The text and data pages came back from the executable more than once each.
      expect(fromExe, replace).toBeGreaterThan(4);
    }
  });
});


describe('the disk image, a block at a time', () => {
  it('keeps the initial image, reads never-written blocks as zeros, and keeps what is written', () => {
    const ram = new Uint8Array(4 * PAGE_SIZE);
    const image = new Uint8Array(PAGE_SIZE + 10).fill(7); // one block and the start of the next
    const h = host();
    const d = new DiskDevice({ image, blocks: 4096, jitter: 0, errorRate: 0, latency: 100, seed: 1 }, ram, h);
    expect(d.readBlockCopy(0).every((b) => b === 7)).toBe(true);
    const b1 = d.readBlockCopy(1);
    expect(b1.subarray(0, 10).every((b) => b === 7)).toBe(true);
    expect(b1.subarray(10).every((b) => b === 0)).toBe(true);
    expect(d.readBlockCopy(4095).every((b) => b === 0)).toBe(true);

    // A transfer: write RAM page 1 to block 3000, read it back into page 2; fill page 3 with
    // junk and read a never-written block over it.
    ram.fill(0x5a, PAGE_SIZE, 2 * PAGE_SIZE);
    ram.fill(0xee, 3 * PAGE_SIZE);
    const transfer = (cmd: number, block: number, dma: number) => {
      d.write(DiskReg.BLOCK, block);
      d.write(DiskReg.DMA, dma);
      const before = h.changes;
      d.write(DiskReg.CMD, cmd);
      expect(h.changes).toBe(before + 1); // a completion is now due
      h.t = d.doneAt;
      expect(d.poll(h.t)).toBe(true);
      expect(d.status).toBe(DiskStatus.DONE);
      d.write(DiskReg.ACK, 0);
      expect(h.changes).toBe(before + 1); // the line going down needs no look
      expect(d.status).toBe(DiskStatus.IDLE);
    };
    transfer(DiskCmd.WRITE, 3000, PAGE_SIZE);
    transfer(DiskCmd.READ, 3000, 2 * PAGE_SIZE);
    expect(ram.subarray(2 * PAGE_SIZE, 3 * PAGE_SIZE).every((b) => b === 0x5a)).toBe(true);
    transfer(DiskCmd.READ, 3001, 3 * PAGE_SIZE);
    expect(ram.subarray(3 * PAGE_SIZE).every((b) => b === 0)).toBe(true);
    expect(d.readBlockCopy(3000).every((b) => b === 0x5a)).toBe(true);
    expect({ reads: d.reads, writes: d.writes, errors: d.errors }).toEqual({ reads: 2, writes: 1, errors: 0 });
  });

  it('still refuses an image larger than the disk', () => {
    const ram = new Uint8Array(PAGE_SIZE);
    expect(() => new DiskDevice({ image: new Uint8Array(2 * PAGE_SIZE + 1), blocks: 2, jitter: 0, errorRate: 0, latency: 1, seed: 1 }, ram, host())).toThrow(
      /does not fit in 2 blocks/,
    );
  });
});
