# kernel.s: the vmlab kernel, a small demand-paging kernel for the toy machine.
#
# What it does (asm/README.md, "Booting a kernel" and "The kernel's interface"):
#   - runs every program of the disk directory as a process (pid = ASID = index + 1), round
#     robin, switching on the timer and whenever a process waits for the disk;
#   - pages on demand: every user page starts not present; a page fault brings the page in from
#     its swap slot, the executable, or zero-fill, into a free frame or one taken from another
#     page by the replacement policy (fifo, clock, aging, random), writing a dirty victim to swap;
#   - ends a process that makes a fault of its own, and only that one.
#
# Design: one kernel stack; the kernel always runs with EXL = 1 and interrupts off, so it is
# never interrupted and a fault inside it stops the machine (a kernel bug shows as a double
# fault with a register dump). Every trap enters at trap_entry and every path ends in schedule,
# which returns to user mode: the kernel never returns up its stack.
#
# Files, in reading order:
#   layout.s   the kernel's data structures: PCB, frame table, disk requests
#   boot.s     from the loader's hand-off to the first process
#   trap.s     the trap vector and the dispatch on CAUSE
#   proc.s     processes: creation, scheduler, idle loop, exit/kill
#   fault.s    the page-fault handler: regions, sources, mapping
#   frames.s   user frames, replacement policies, swap slots
#   vm.s       page tables: geometry from MMUCFG, walk, allocation from the reserve
#   disk.s     the disk driver: request queue, completion, retries
#   syscall.s  exit, write, sbrk, getpid, yield
#   util.s     small helpers: monitor events, zeroing, panic

.include "../lib/machine.s"
.include "layout.s"

.text 0x80000000
.include "boot.s"
.include "trap.s"
.include "proc.s"
.include "fault.s"
.include "frames.s"
.include "vm.s"
.include "disk.s"
.include "syscall.s"
.include "util.s"
