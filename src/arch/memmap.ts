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
 * to EVENT. It has no effect on the machine.
 */
export const MonitorReg = {
  EVENT: 0x0,
  ARG0: 0x4,
  ARG1: 0x8,
  ARG2: 0xc,
  ARG3: 0x10,
} as const;

/** Monitor events (see asm/README.md for their arguments). */
export const MonitorEvent = {
  /** A0 = pid, A1 = program index on the command line (0-based). */
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
  /** A0 = pid, A1 = fault VA, A2 = pc. The kernel returns from a page fault it serviced (for --check-kernel). */
  FAULT_DONE: 9,
} as const;

export const PageSource = { ZERO: 0, EXECUTABLE: 1, SWAP: 2 } as const;
