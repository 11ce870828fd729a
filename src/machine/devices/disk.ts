// The disk (asm/README.md "Disk"): one block = one page; a transfer starts when CMD is written
// and completes `latency` cycles later (plus a seeded jitter, if configured), when its data
// moves between the block and RAM. Completion sets STATUS to DONE or ERROR and raises the disk
// interrupt until ACK. Backed by an in-memory image, or by a host file read and written a block
// at a time.
//
// The in-memory image is kept a block at a time, each block allocated when first written (or
// given by the initial image): a block never written reads as zeros. So a disk with a large
// swap area costs nothing until it is used (the kernel's bench boots one again and again).
//
// What counts as an error (STATUS = ERROR at completion, no data moved): a command other than
// READ/WRITE, a block number at or beyond NBLOCKS, a DMA address that is not page-aligned or
// whose page is not wholly in RAM, an injected error (probability errorRate, seeded). A command
// written while a transfer is in flight does not start another: the one in flight completes at
// its time with ERROR and moves no data. Random draws, per accepted command, in this order: the
// jitter (if jitter > 0), then the error (if errorRate > 0).

import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { DiskCmd, DiskReg, DiskStatus } from '../../arch/memmap.ts';
import { PAGE_SIZE } from '../../arch/pte.ts';
import { Prng } from '../../util/prng.ts';
import { UserError, errorMessage } from '../../util/errors.ts';
import type { Device, DeviceHost } from './device.ts';

export const DISK_BLOCK = PAGE_SIZE;

export interface DiskConfig {
  /** In-memory contents (copied into a buffer of `blocks` blocks; shorter images are zero-padded). */
  image?: Uint8Array;
  /** A host file to read and write instead (created if missing; `blocks` = its size rounded up, at least `blocks`). */
  file?: string;
  blocks: number;
  /** Each transfer's latency is latency + a uniform draw in [-jitter, +jitter] (at least 1). */
  jitter: number;
  /** Probability that an accepted transfer fails. */
  errorRate: number;
  latency: number;
  seed: number;
}

export class DiskDevice implements Device {
  readonly name = 'disk';
  readonly blocks: number;
  block = 0;
  dma = 0;
  status: number = DiskStatus.IDLE;
  /** The transfer in flight (or last completed): command, block, DMA address. */
  cmd = 0;
  cmdBlock = 0;
  cmdDma = 0;
  /** Cycle at which the transfer in flight completes; Infinity when none. */
  doneAt = Infinity;
  /** The transfer in flight will complete with ERROR. */
  private failing = false;
  reads = 0;
  writes = 0;
  errors = 0;

  /** In-memory contents by block (null: never written, all zeros); null for a host file. */
  private readonly image: (Uint8Array | null)[] | null;
  private fd: number | null = null;
  private readonly file: string | undefined;
  private readonly prng: Prng;

  constructor(
    private readonly cfg: DiskConfig,
    private readonly ram: Uint8Array,
    private readonly host: DeviceHost,
  ) {
    this.prng = new Prng(cfg.seed);
    this.file = cfg.file;
    if (cfg.file !== undefined) {
      try {
        this.fd = openSync(cfg.file, 'a+');
        closeSync(this.fd);
        this.fd = openSync(cfg.file, 'r+');
      } catch (e) {
        throw new UserError(`cannot open disk file ${cfg.file}: ${errorMessage(e)}`);
      }
      const size = fstatSync(this.fd).size;
      this.blocks = Math.max(cfg.blocks, Math.ceil(size / DISK_BLOCK));
      this.image = null;
    } else {
      this.blocks = cfg.blocks;
      this.image = new Array<Uint8Array | null>(cfg.blocks).fill(null);
      const init = cfg.image;
      if (init !== undefined) {
        if (init.length > cfg.blocks * DISK_BLOCK)
          throw new UserError(`disk image of ${init.length} bytes does not fit in ${cfg.blocks} blocks`);
        for (let b = 0; b * DISK_BLOCK < init.length; b++) {
          const block = new Uint8Array(DISK_BLOCK);
          block.set(init.subarray(b * DISK_BLOCK, (b + 1) * DISK_BLOCK));
          this.image[b] = block;
        }
      }
    }
  }

  /** The disk interrupt line: a completed transfer not yet acknowledged. */
  get irq(): boolean {
    return this.status === DiskStatus.DONE || this.status === DiskStatus.ERROR;
  }

  get busy(): boolean {
    return this.status === DiskStatus.BUSY;
  }

  read(offset: number): number {
    return this.peek(offset);
  }

  peek(offset: number): number {
    switch (offset) {
      case DiskReg.BLOCK: return this.block;
      case DiskReg.DMA: return this.dma;
      case DiskReg.CMD: return this.cmd;
      case DiskReg.STATUS: return this.status;
      case DiskReg.NBLOCKS: return this.blocks;
      default: return 0;
    }
  }

  write(offset: number, value: number): void {
    switch (offset) {
      case DiskReg.BLOCK: this.block = value >>> 0; break;
      case DiskReg.DMA: this.dma = value >>> 0; break;
      case DiskReg.CMD: this.command(value >>> 0); break;
      case DiskReg.ACK:
        // The line goes down: nothing can become due, so the machine need not look again.
        if (this.irq) this.status = DiskStatus.IDLE;
        break;
      default: break;
    }
  }

  /** A command written at the current cycle. */
  private command(cmd: number): void {
    if (this.busy) {
      this.failing = true;
      return;
    }
    const now = this.host.now();
    this.cmd = cmd;
    this.cmdBlock = this.block;
    this.cmdDma = this.dma;
    let latency = this.cfg.latency;
    if (this.cfg.jitter > 0) latency = Math.max(1, latency + this.prng.below(2 * this.cfg.jitter + 1) - this.cfg.jitter);
    const injected = this.cfg.errorRate > 0 && this.prng.nextFloat() < this.cfg.errorRate;
    this.failing =
      injected ||
      (cmd !== DiskCmd.READ && cmd !== DiskCmd.WRITE) ||
      this.cmdBlock >= this.blocks ||
      this.cmdDma % DISK_BLOCK !== 0 ||
      this.cmdDma + DISK_BLOCK > this.ram.length;
    this.status = DiskStatus.BUSY;
    this.doneAt = now + latency;
    if (this.host.tracer !== null) this.host.tracer.diskStart(cmd, this.cmdBlock, this.cmdDma, this.doneAt);
    this.host.devicesChanged();
  }

  /** Complete the transfer in flight if its time has come (now >= doneAt). Returns true if it did. */
  poll(now: number): boolean {
    if (now < this.doneAt) return false;
    this.doneAt = Infinity;
    const ok = !this.failing;
    if (ok) {
      if (this.cmd === DiskCmd.READ) {
        this.readBlock(this.cmdBlock, this.ram, this.cmdDma);
        this.reads++;
      } else {
        this.writeBlock(this.cmdBlock, this.ram, this.cmdDma);
        this.writes++;
      }
      this.status = DiskStatus.DONE;
    } else {
      this.errors++;
      this.status = DiskStatus.ERROR;
    }
    this.failing = false;
    if (this.host.tracer !== null) this.host.tracer.diskComplete(this.cmd, this.cmdBlock, this.cmdDma, ok);
    return true;
  }

  /** Copy of block b as the disk holds it now (tests, the kernel loader's checks). */
  readBlockCopy(b: number): Uint8Array {
    const out = new Uint8Array(DISK_BLOCK);
    this.readBlock(b, out, 0);
    return out;
  }

  /** Host-side write of a block (the loader builds the disk image with it). */
  writeBlockFrom(b: number, data: Uint8Array): void {
    if (b >= this.blocks || data.length > DISK_BLOCK) throw new Error(`disk: host write to block ${b} out of range`);
    const buf = new Uint8Array(DISK_BLOCK);
    buf.set(data);
    this.writeBlock(b, buf, 0);
  }

  /** Release the host file, if any. */
  close(): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
  }

  /** Block b into dst[at, at + DISK_BLOCK). */
  private readBlock(b: number, dst: Uint8Array, at: number): void {
    if (this.image !== null) {
      const block = this.image[b] ?? null; // (beyond the disk: zeros, for readBlockCopy)
      if (block === null) dst.fill(0, at, at + DISK_BLOCK);
      else dst.set(block, at);
      return;
    }
    let got = 0;
    try {
      got = readSync(this.fd as number, dst, at, DISK_BLOCK, b * DISK_BLOCK);
    } catch (e) {
      throw new UserError(`disk file ${this.file}: read of block ${b} failed: ${errorMessage(e)}`);
    }
    // Beyond the end of the file the disk reads as zeros.
    if (got < DISK_BLOCK) dst.fill(0, at + got, at + DISK_BLOCK);
  }

  /** src[at, at + DISK_BLOCK) into block b. */
  private writeBlock(b: number, src: Uint8Array, at: number): void {
    if (this.image !== null) {
      let block = this.image[b]!;
      if (block === null) this.image[b] = block = new Uint8Array(DISK_BLOCK);
      block.set(src.subarray(at, at + DISK_BLOCK));
      return;
    }
    try {
      writeSync(this.fd as number, src, at, DISK_BLOCK, b * DISK_BLOCK);
    } catch (e) {
      throw new UserError(`disk file ${this.file}: write of block ${b} failed: ${errorMessage(e)}`);
    }
  }
}
