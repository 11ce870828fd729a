# layout.s: the kernel's own data structures, as sizes and byte offsets.
#
# Every structure is an array of fixed-size records; a field is read with `lw t0, FIELD(base)`.
# The numbers of the machine itself (CSRs, PTE bits, devices, the boot block) come from
# ../lib/machine.s, generated from src/arch; nothing here repeats them.

# Kernel variables (the k_* words) live in .data, which follows the text, so that each one lies
# in the first 32 KiB of the kernel segment: one is then read with
#     lui  t0, %hi(k_x)
#     lw   t1, %lo(k_x)(t0)
# two instructions where `la` then `lw` take three: the paths of a page fault, the disk and the
# scheduler read them so (dozens per fault); code that runs once, at boot or at exit, keeps
# the plainer `la`. A load's offset is signed, so this needs %lo(k_x) below 0x8000: the
# assembler refuses the line otherwise, and `la` is the way then. The big arrays (the process
# table, the directory buffer, the kernel stack) stay in .bss, after the variables. Device
# registers are reached the same way: `lui t1, %hi(MONITOR_BASE)` then
# `sw t0, %lo(MONITOR_BASE) + MON_EVENT(t1)`.
# Since every %lo(k_x) is below 0x8000, every k_* word has the same %hi (that of KSEG_BASE):
# a path that reads several loads it once, `lui t0, %hi(k_x)`, then reads k_y, k_z, ... with
# `lw t1, %lo(k_y)(t0)`. (Were a word ever moved past 0x80008000, the assembler would refuse
# its %lo as an offset, so the sharing cannot go wrong silently.)

# The monitor's argument block k_mon (util.s): an event's arguments, in the order of the
# monitor's ARG0-ARG3.
.equ MA_0, 0
.equ MA_1, 4
.equ MA_2, 8
.equ MA_3, 12

# A null link in the lists of frame indices and reserve frame numbers, and "no swap slot".
# (Lists of requests use their addresses, and 0 ends them: no kernel address is 0.) Frame
# indices and swap slots are never negative, so `bltz`/`bgez` tell NIL from them.
.equ NIL, -1

# Words: tables of words are indexed with `slli t, i, WORD_SHIFT`.
.equ WORD_SIZE, 4
.equ WORD_SHIFT, 2
.equ INSN_SIZE, 4          # every instruction is one word: a syscall returns to EPC + INSN_SIZE

# ---------------------------------------------------------------------------------------------
# Processes. One process per program in the disk directory, so the table has one slot per
# directory entry. A process is never created after boot and its pid is never reused; since
# ASID = pid, a TLB entry of a process that has ended can never match again.

.equ NPROC, (PAGE_SIZE - DIR_ENTRY_BASE) / DIR_ENTRY_SIZE

# Process states. The scheduler counts the READY ones (k_nready) and those not ENDED
# (k_nlive): every change of state to or from READY, or to ENDED, keeps the counts.
.equ P_UNUSED,  0          # no process in this slot
.equ P_READY,   1          # runnable, waiting for the CPU
.equ P_RUNNING, 2          # the current process (k_current)
.equ P_WAITING, 3          # waiting for a page being brought in from the disk
.equ P_NOFRAME, 4          # waiting for any frame to finish its I/O (every frame was busy)
.equ P_ENDED,   5          # exited or killed; its resources are released

# ---------------------------------------------------------------------------------------------
# Disk requests, queued FIFO and started one at a time. A page fault queues at most a write-out
# (of the dirty page it evicts) and a page-in, and the process waits for the page-in, which the
# disk serves after the write-out: so each process owns two request records, in its PCB
# (PCB_RQ_IN, PCB_RQ_OUT), and both are off the queue whenever it runs and can fault again. A
# process that ends leaves its queued requests to complete; its PCB is never reused.
# proc_create sets the fields that never change: PCB_RQ_IN's RQ_PCB (the process itself) and
# PCB_RQ_OUT's RQ_KIND (RQ_WRITE); the fault path fills in the rest for each request. PCB_RQ_IN's
# RQ_KIND is RQ_READ too (proc_create), but while a zero-fill waits in the queue: page_in makes
# it RQ_ZERO then, and pagein_done puts RQ_READ back (a process that ends never faults again).
# The kinds of request. READ and WRITE are the disk's own command codes, so the driver writes
# the kind to DISK_CMD as it is; ZERO never reaches the disk.
.equ RQ_READ,  DISK_CMD_READ   # read BLOCK into FRAME, then map the page (a page-in)
.equ RQ_WRITE, DISK_CMD_WRITE  # write FRAME to BLOCK (a page-out to swap)
.equ RQ_ZERO,  -1              # zero FRAME, then map the page (a page-in that waits its turn);
                               # the one negative kind (disk_start tests the sign)

.equ RQ_KIND,   0          # RQ_READ, RQ_WRITE or RQ_ZERO
.equ RQ_BLOCK,  4          # disk block
.equ RQ_FRAME,  8          # user frame index
.equ RQ_PCB,    12         # page-in: the process waiting; write-out: the owner of the page
.equ RQ_TRIES,  16         # retries so far after disk errors
.equ RQ_NEXT,   20         # next request in the queue (0 = none)
.equ RQ_SOURCE, 24         # page-in: SRC_* to report
.equ RQ_REC,    28         # page-in: the frame's record (FT_*)
.equ RQ_SIZE,   32
.equ DISK_RETRIES, 3       # a failed transfer is tried again up to this many times

# A segment of a process, as the fault handler needs it (copied from the directory at boot).
.equ SEG_START,    0       # first address (page-aligned)
.equ SEG_END,      4       # end of the region: vaddr + memSize rounded up to a page
.equ SEG_FILE_END, 8       # vaddr + fileSize: bytes below it come from the executable
.equ SEG_BLOCK,    12      # disk block of the segment's first page
.equ SEG_PERM,     16      # PTE permission bits for its pages (PTE_R/W/X)
.equ SEG_SIZE,     20

# The process control block. Offsets of the saved registers are by register number, so
# r1 (a0) is at PCB_REGS + 4 and r15 (lr) at PCB_REGS + 60. r0's slot is never used.
.equ PCB_REGS,       0
.equ PCB_A0,         PCB_REGS + WORD_SIZE * 1
.equ PCB_A1,         PCB_REGS + WORD_SIZE * 2
.equ PCB_A2,         PCB_REGS + WORD_SIZE * 3
.equ PCB_A3,         PCB_REGS + WORD_SIZE * 4
.equ PCB_T0,         PCB_REGS + WORD_SIZE * 5
.equ PCB_T1,         PCB_REGS + WORD_SIZE * 6
.equ PCB_T2,         PCB_REGS + WORD_SIZE * 7
.equ PCB_T3,         PCB_REGS + WORD_SIZE * 8
.equ PCB_T4,         PCB_REGS + WORD_SIZE * 9
.equ PCB_S0,         PCB_REGS + WORD_SIZE * 10
.equ PCB_S1,         PCB_REGS + WORD_SIZE * 11
.equ PCB_S2,         PCB_REGS + WORD_SIZE * 12
.equ PCB_S3,         PCB_REGS + WORD_SIZE * 13
.equ PCB_SP,         PCB_REGS + WORD_SIZE * 14
.equ PCB_LR,         PCB_REGS + WORD_SIZE * 15
.equ PCB_PC,         PCB_REGS + WORD_SIZE * 16   # user pc: where the process resumes
.equ PCB_STATE,      PCB_PC + 4          # a P_* state
.equ PCB_PID,        PCB_STATE + 4       # 1, 2, ... = ASID
.equ PCB_ROOT,       PCB_PID + 4         # physical address of the root page table
.equ PCB_TABLES,     PCB_ROOT + 4        # first reserve frame of its other tables (PFN), or NIL
.equ PCB_NSEGS,      PCB_TABLES + 4      # number of segments (at most DIR_MAX_SEGS)
.equ PCB_SEGS,       PCB_NSEGS + 4       # DIR_MAX_SEGS segment records
.equ PCB_HEAP_START, PCB_SEGS + DIR_MAX_SEGS * SEG_SIZE
.equ PCB_BRK,        PCB_HEAP_START + 4  # the break: the heap is [HEAP_START, BRK)
.equ PCB_HEAP_LIMIT, PCB_BRK + 4         # the break never goes above this
.equ PCB_STACK_LOW,  PCB_HEAP_LIMIT + 4  # the stack is [STACK_LOW, USER_TOP)
.equ PCB_RESIDENT,   PCB_STACK_LOW + 4   # user pages mapped (valid leaf PTEs)
.equ PCB_WRITTEN,    PCB_RESIDENT + 4    # write: bytes printed by earlier attempts of this call
.equ PCB_FAULT_VA,   PCB_WRITTEN + 4     # the page being brought in: the address wanted,
.equ PCB_FAULT_PERM, PCB_FAULT_VA + 4    #   the PTE permission bits of its region,
.equ PCB_FAULT_HW,   PCB_FAULT_PERM + 4  #   1 if it serves a hardware page fault (not a syscall)
# The region region_find found last (fault.s): [REGION_START, REGION_END) with its permission
# bits and segment record. A fault in the same region (nearly every fault) skips the search.
# REGION_END = 0 means none (an empty range); sbrk empties it, since the heap's end moves.
.equ PCB_REGION_START, PCB_FAULT_HW + 4
.equ PCB_REGION_END,   PCB_REGION_START + 4
.equ PCB_REGION_PERM,  PCB_REGION_END + 4
.equ PCB_REGION_SEG,   PCB_REGION_PERM + 4
# The leaf table vm_lookup reached last (vm.s): the address bits above the leaf index
# (LEAF_TAG, NIL when none: no address matches it) and the kernel address of that table.
# Tables stay in place until the process ends, so the pair stays true.
.equ PCB_LEAF_TAG,   PCB_REGION_SEG + 4
.equ PCB_LEAF_TABLE, PCB_LEAF_TAG + 4
# The process's two disk requests (RQ_*, above): the page-in it waits for, and the write-out of
# the dirty page its fault evicted (that page may be another process's).
.equ PCB_RQ_IN,      PCB_LEAF_TABLE + 4
.equ PCB_RQ_OUT,     PCB_RQ_IN + RQ_SIZE
.equ PCB_END,        PCB_RQ_OUT + RQ_SIZE
.equ PCB_SHIFT,      9                   # a PCB is 512 bytes, so pcb = table + (index << 9)
.equ PCB_SIZE,       1 << PCB_SHIFT

# ---------------------------------------------------------------------------------------------
# The user frame table: one record per frame of the user pool (frame f is physical page
# BOOT_USER_FIRST_PFN + f). A frame is free (on the free list) or holds one page of one process
# (on the resident list, in the order the frames were given to their pages: FIFO order). The
# resident list is a ring (the newest frame's next is the oldest), so that the FIFO case, the
# oldest frame taken for a new page and so becoming the newest, is one step of its head.
.equ FT_PID,   0           # owner's pid; 0 = free
.equ FT_VPN,   4           # the virtual page it holds
.equ FT_PTE,   8           # kernel address of the leaf PTE that maps (or will map) it
.equ FT_SLOT,  12          # swap slot holding a copy of the page, or NIL
.equ FT_BUSY,  16          # while its page-in is pending (a transfer for this frame is queued
                           # or running): the PCB of the process waiting for it; else 0
.equ FT_AGE,   20          # aging policy: 8-bit age, the A bit of each tick shifted in on top
.equ FT_NEXT,  24          # next frame on the free list (NIL ends it) or the resident ring
.equ FT_PREV,  28          # previous frame on the resident ring
.equ FTE_SHIFT, 5
.equ FTE_SIZE,  1 << FTE_SHIFT

# frame_take's answer when the victim must go to swap and swap is full (NIL: every frame busy).
.equ FRAME_SWAP_FULL, -2

# The age a page starts with: as if it had been referenced during the current tick.
.equ AGE_NEW, 0x80
.equ AGE_TOP, 0x80         # where a tick puts the A bit

# ---------------------------------------------------------------------------------------------
# A not-present PTE (V = 0) belongs to the kernel:
#     0                              the page has never been loaded: it comes from its region
#                                    (the executable's blocks, or zero-fill)
#     slot << PTE_PFN_SHIFT | PTE_SWAPPED   the page's only up-to-date copy is in swap slot `slot`
# PTE_SWAPPED reuses the position of R, which means nothing while V = 0.
.equ PTE_SWAPPED, PTE_R
.equ SWAP_MAX_SLOTS, 1 << (32 - PTE_PFN_SHIFT)

# The swap map: one byte per swap slot, the pid that owns it (0 = free).

# ---------------------------------------------------------------------------------------------
# Memory access kinds, in the order of the page-fault causes (kind = cause - FETCH_PAGE_FAULT).
.equ ACC_FETCH, 0
.equ ACC_LOAD,  1
.equ ACC_STORE, 2

# Results of page_in (fault.s).
.equ PI_MAPPED,  0         # the page is mapped now; the process can go on
.equ PI_BLOCKED, 1         # the process waits (for the disk, or for a frame)
.equ PI_ENDED,   2         # the process was ended (bad address, no memory, ...)

# Directory segment flags become PTE permission bits by this shift (SEGFLAG_R << 1 == PTE_R,
# and likewise W and X: test/kernel-defs.test.ts checks it).
.equ SEGFLAG_TO_PTE_SHIFT, 1

# The random policy's generator: Marsaglia's xorshift32, x ^= x << A; x ^= x >> B; x ^= x << C.
# It must not start at 0 (it would stay there).
.equ XORSHIFT_A, 13
.equ XORSHIFT_B, 17
.equ XORSHIFT_C, 5
.equ RANDOM_SEED_IF_ZERO, 0x2545F491

# The file descriptors write() accepts: both are the console.
.equ FD_STDOUT, 1
.equ FD_STDERR, 2

.equ KSTACK_SIZE, PAGE_SIZE
