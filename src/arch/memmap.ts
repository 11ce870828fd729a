// The address map.
//
// Virtual:
//   0x00000000-0x7FFFFFFF  user space: translated by the current page tables (PTBR, ASID) in
//                          both modes; user mode needs PTE.U, kernel mode ignores it.
//   0x80000000-0xFFFFFFFF  kernel segment: kernel mode only (a user access is a protection
//                          fault); mapped directly onto physical VA - 0x80000000; never
//                          translated, never in the TLB.
//
// Physical:
//   0x00000000 .. RAM size   RAM; the kernel (or a bare program) is loaded at its link address
//                            minus 0x80000000, so a kernel linked at 0x80000000 starts at 0.
//   0x7FF00000 ..            devices (kernel VA 0xFFF00000), one 4 KiB page each, below.
//   anything else            bus error.

export const KSEG_BASE = 0x80000000;
export const USER_TOP = 0x80000000;

export const DEVICE_BASE_PA = 0x7ff00000;
export const DEVICE_PAGE = 0x1000;

/** Device pages, as physical addresses. Kernel code uses the VA (PA + 0x80000000). */
export const Dev = {
  CONSOLE: 0x7ff00000,
  DISK: 0x7ff01000,
  MONITOR: 0x7ff02000,
} as const;

/** Console registers (offsets). */
export const ConsoleReg = {
  /** Write: the low byte is printed. */
  TX: 0x0,
  /** Read: the next input byte, or -1 when there is none. */
  RX: 0x4,
} as const;

/** Disk registers (offsets). Blocks are one page (4096 bytes). */
export const DiskReg = {
  /** Block number for the next command. */
  BLOCK: 0x0,
  /** Physical address of the page to transfer (4 KiB aligned). */
  DMA: 0x4,
  /** Write a DiskCmd to start a transfer; it completes DISK_LATENCY cycles later. */
  CMD: 0x8,
  /** Read: a DiskStatus. */
  STATUS: 0xc,
  /** Write anything: acknowledge a completion (status back to IDLE, interrupt cleared). */
  ACK: 0x10,
  /** Read: number of blocks on the disk. */
  NBLOCKS: 0x14,
} as const;

export const DiskCmd = { READ: 1, WRITE: 2 } as const;
export const DiskStatus = { IDLE: 0, BUSY: 1, DONE: 2, ERROR: 3 } as const;

/**
 * Monitor: a port through which the kernel tells the emulator what it does, so that stats,
 * traces and messages can name processes and pages. Write the arguments, then the event code
 * to EVENT. It has no effect on the machine. The arguments are ARG0-ARG3, or, while ARGS holds
 * the physical address of a four-word block in RAM, that block's words (read when EVENT is
 * written): a kernel that reports often stores them to RAM, which the emulator does in its
 * fast loop, where each device register write leaves it.
 */
export const MonitorReg = {
  EVENT: 0x0,
  ARG0: 0x4,
  ARG1: 0x8,
  ARG2: 0xc,
  ARG3: 0x10,
  ARGS: 0x14,
} as const;

/** Monitor events (see asm/README.md for their arguments). */
export const MonitorEvent = {
  /** A0 = pid, A1 = program index on the command line (0-based), A2 = root page table PA. */
  PROC_START: 1,
  /** A0 = pid, A1 = exit status. */
  PROC_EXIT: 2,
  /** A0 = pid, A1 = cause, A2 = faulting address, A3 = pc. The process is being killed. */
  PROC_KILL: 3,
  /** A0 = pid, A1 = virtual page number, A2 = frame, A3 = source (PageSource). A page fault serviced. */
  PAGE_IN: 4,
  /** A0 = pid, A1 = virtual page number, A2 = frame, A3 = 1 if written to swap. A page evicted. */
  PAGE_OUT: 5,
  /** A0 = pid now running (0 = idle). */
  SWITCH: 6,
  /** A0 = pid, A1 = syscall number, A2 = result. */
  SYSCALL: 7,
  /** A0 = pid, A1 = reason (KillReason). The kernel ends a process for a reason that is not a trap. */
  PROC_FAIL: 8,
  /** A0 = pid, A1 = fault VA, A2 = pc, A3 = resident user pages. A serviced page fault is complete (for --check-kernel). */
  FAULT_DONE: 9,
} as const;

export const PageSource = { ZERO: 0, EXECUTABLE: 1, SWAP: 2 } as const;

/** Why the kernel ended a process other than by a trap (MonitorEvent.PROC_FAIL, A1). */
export const KillReason = {
  BAD_SYSCALL_ARG: 1,
  SWAP_FULL: 2,
  RESERVE_FULL: 3,
  DISK_ERROR: 4,
} as const;

/**
 * PROC_KILL's A1: the trap cause in bits 7:0 and, when the access broke its region's rules (a
 * page fault the kernel refused, or a protection fault in user space), why in the bits from
 * KILL_WHY_SHIFT up (a FaultWhy); 0 there when the cause says it all (illegal instruction...).
 */
export const KILL_WHY_SHIFT = 8;
export const FaultWhy = { OUTSIDE: 1, NOT_WRITABLE: 2, NOT_EXECUTABLE: 3, NOT_READABLE: 4 } as const;

/** The kernel's `halt` status (a0): every process exited 0, some did not, or the kernel gave up at boot. */
export const KernelHalt = { ALL_OK: 0, SOME_FAILED: 1, PANIC: 2 } as const;

/** Page replacement policies, as the boot block numbers them (`--replace`). */
export const ReplacePolicy = { fifo: 0, clock: 1, aging: 2, random: 3 } as const;
export type ReplacePolicyName = keyof typeof ReplacePolicy;

/** The boot block the loader writes for the kernel: byte offsets (see asm/README.md). */
export const BootBlock = {
  MAGIC: 0, VERSION: 4, RAM_BYTES: 8, USER_FIRST_PFN: 12, USER_FRAMES: 16, RESERVE_FIRST_PFN: 20,
  RESERVE_FRAMES: 24, POLICY: 28, QUANTUM: 32, DIR_BLOCK: 36, SWAP_FIRST: 40, SWAP_BLOCKS: 44,
  SEED: 48, STACK_PAGES: 52, HEAP_PAGES: 56, NPROGS: 60,
} as const;
export const BOOT_MAGIC = 0x544f4f42;
/** The boot block's VERSION field. */
export const BOOT_BLOCK_VERSION = 1;
export const DIR_MAGIC = 0x52494456;
/** The directory: header, then one entry per program at DIR_ENTRY_BASE + DIR_ENTRY_SIZE * i. */
export const Dir = {
  MAGIC: 0, COUNT: 4, ENTRY_BASE: 64, ENTRY_SIZE: 128,
  E_ENTRY: 0, E_NSEGS: 4, E_FIRST_BLOCK: 8, E_HEAP_VPN: 12, E_SEGS: 16, SEG_SIZE: 24, MAX_SEGS: 4,
  S_VADDR: 0, S_MEMSIZE: 4, S_FILESIZE: 8, S_BLOCK: 12, S_FLAGS: 16,
} as const;

/** Syscall numbers (in t0). */
export const Syscall = { EXIT: 1, WRITE: 2, SBRK: 3, GETPID: 4, YIELD: 5 } as const;
