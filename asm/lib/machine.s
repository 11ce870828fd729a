# asm/lib/machine.s: the machine's numbers, by name.
#
# Generated from src/arch by src/os/machine-defs.ts; do not edit. To regenerate:
#   VMLAB_UPDATE_DOCS=1 npx vitest run --config test/vitest.config.ts test/kernel-defs.test.ts
# The kernel and asm/lib/user.s include it; a program includes user.s, not this file.

# Control registers (csrr/csrw also accept the bare names)
.equ CSR_STATUS,   0
.equ CSR_EPC,      1
.equ CSR_CAUSE,    2
.equ CSR_BADVADDR, 3
.equ CSR_TVEC,     4
.equ CSR_PTBR,     5
.equ CSR_ASID,     6
.equ CSR_TIMECMP,  7
.equ CSR_CYCLE,    8
.equ CSR_CYCLEH,   9
.equ CSR_INSTRET,  10
.equ CSR_INSTRETH, 11
.equ CSR_MMUCFG,   12
.equ CSR_IP,       13
.equ CSR_IM,       14
.equ CSR_SCRATCH0, 16
.equ CSR_SCRATCH1, 17
.equ CSR_SCRATCH2, 18
.equ CSR_SCRATCH3, 19

# STATUS bits
.equ STATUS_IE,  0x1
.equ STATUS_UM,  0x2
.equ STATUS_PIE, 0x4
.equ STATUS_PUM, 0x8
.equ STATUS_EXL, 0x10

# Interrupt lines: bits of IP and IM
.equ IRQ_TIMER, 0x1
.equ IRQ_DISK,  0x2

# Trap causes (the CAUSE register)
.equ CAUSE_FETCH_PAGE_FAULT,       1
.equ CAUSE_LOAD_PAGE_FAULT,        2
.equ CAUSE_STORE_PAGE_FAULT,       3
.equ CAUSE_FETCH_PROTECTION,       4
.equ CAUSE_LOAD_PROTECTION,        5
.equ CAUSE_STORE_PROTECTION,       6
.equ CAUSE_ILLEGAL_INSTRUCTION,    7
.equ CAUSE_PRIVILEGED_INSTRUCTION, 8
.equ CAUSE_MISALIGNED_FETCH,       9
.equ CAUSE_MISALIGNED_LOAD,        10
.equ CAUSE_MISALIGNED_STORE,       11
.equ CAUSE_BUS_ERROR,              12
.equ CAUSE_SYSCALL,                13
.equ CAUSE_BREAKPOINT,             14
.equ CAUSE_TIMER_INTERRUPT,        16
.equ CAUSE_DISK_INTERRUPT,         17

# Page-table entry bits
.equ PTE_V,          0x1
.equ PTE_R,          0x2
.equ PTE_W,          0x4
.equ PTE_X,          0x8
.equ PTE_U,          0x10
.equ PTE_G,          0x20
.equ PTE_A,          0x40
.equ PTE_D,          0x80
.equ PTE_SOFT_SHIFT, 8
.equ PTE_SOFT_MASK,  0xF00
.equ PTE_PFN_SHIFT,  12

# Pages and the address map
.equ PAGE_SIZE,  0x1000
.equ PAGE_SHIFT, 12
.equ PAGE_MASK,  0xFFF
.equ KSEG_BASE,  0x80000000
.equ USER_TOP,   0x80000000

# MMUCFG fields: levels in bits 2:0; level l index width at INDEX_SHIFT + INDEX_FIELD * l
.equ MMUCFG_LEVELS_MASK,  7
.equ MMUCFG_OFFSET_SHIFT, 3
.equ MMUCFG_INDEX_SHIFT,  8
.equ MMUCFG_INDEX_FIELD,  5
.equ MMUCFG_INDEX_MASK,   31

# Device pages, as kernel virtual addresses
.equ CONSOLE_BASE, 0xFFF00000
.equ DISK_BASE,    0xFFF01000
.equ MONITOR_BASE, 0xFFF02000

# Console registers (offsets)
.equ CONSOLE_TX, 0x0
.equ CONSOLE_RX, 0x4

# Disk registers (offsets)
.equ DISK_BLOCK,   0x0
.equ DISK_DMA,     0x4
.equ DISK_CMD,     0x8
.equ DISK_STATUS,  0xC
.equ DISK_ACK,     0x10
.equ DISK_NBLOCKS, 0x14

# Disk commands
.equ DISK_CMD_READ,  1
.equ DISK_CMD_WRITE, 2

# Disk status
.equ DISK_STATUS_IDLE,  0
.equ DISK_STATUS_BUSY,  1
.equ DISK_STATUS_DONE,  2
.equ DISK_STATUS_ERROR, 3

# Monitor registers (offsets)
.equ MON_EVENT, 0x0
.equ MON_ARG0,  0x4
.equ MON_ARG1,  0x8
.equ MON_ARG2,  0xC
.equ MON_ARG3,  0x10
.equ MON_ARGS,  0x14

# Monitor events
.equ EV_PROC_START, 1
.equ EV_PROC_EXIT,  2
.equ EV_PROC_KILL,  3
.equ EV_PAGE_IN,    4
.equ EV_PAGE_OUT,   5
.equ EV_SWITCH,     6
.equ EV_SYSCALL,    7
.equ EV_PROC_FAIL,  8
.equ EV_FAULT_DONE, 9

# Where a page came from (PAGE_IN, A3)
.equ SRC_ZERO,       0
.equ SRC_EXECUTABLE, 1
.equ SRC_SWAP,       2

# Why the kernel ended a process (PROC_FAIL, A1)
.equ KILL_BAD_SYSCALL_ARG, 1
.equ KILL_SWAP_FULL,       2
.equ KILL_RESERVE_FULL,    3
.equ KILL_DISK_ERROR,      4

# Why an access broke its region's rules (PROC_KILL, A1 bits from WHY_SHIFT)
.equ WHY_OUTSIDE,        1
.equ WHY_NOT_WRITABLE,   2
.equ WHY_NOT_EXECUTABLE, 3
.equ WHY_NOT_READABLE,   4
.equ WHY_SHIFT,          8

# The kernel's halt status
.equ HALT_ALL_OK,      0
.equ HALT_SOME_FAILED, 1
.equ HALT_PANIC,       2

# Page replacement policies (boot block POLICY)
.equ REPLACE_FIFO,   0
.equ REPLACE_CLOCK,  1
.equ REPLACE_AGING,  2
.equ REPLACE_RANDOM, 3

# The boot block: byte offsets, and its magic
.equ BOOT_MAGIC,             0
.equ BOOT_VERSION,           4
.equ BOOT_RAM_BYTES,         8
.equ BOOT_USER_FIRST_PFN,    12
.equ BOOT_USER_FRAMES,       16
.equ BOOT_RESERVE_FIRST_PFN, 20
.equ BOOT_RESERVE_FRAMES,    24
.equ BOOT_POLICY,            28
.equ BOOT_QUANTUM,           32
.equ BOOT_DIR_BLOCK,         36
.equ BOOT_SWAP_FIRST,        40
.equ BOOT_SWAP_BLOCKS,       44
.equ BOOT_SEED,              48
.equ BOOT_STACK_PAGES,       52
.equ BOOT_HEAP_PAGES,        56
.equ BOOT_NPROGS,            60
.equ BOOT_MAGIC_VALUE,       0x544F4F42
.equ BOOT_VERSION_VALUE,     1

# The disk directory: byte offsets, and its magic
.equ DIR_MAGIC,         0
.equ DIR_COUNT,         4
.equ DIR_ENTRY_BASE,    64
.equ DIR_ENTRY_SIZE,    128
.equ DIR_E_ENTRY,       0
.equ DIR_E_NSEGS,       4
.equ DIR_E_FIRST_BLOCK, 8
.equ DIR_E_HEAP_VPN,    12
.equ DIR_E_SEGS,        16
.equ DIR_SEG_SIZE,      24
.equ DIR_MAX_SEGS,      4
.equ DIR_S_VADDR,       0
.equ DIR_S_MEMSIZE,     4
.equ DIR_S_FILESIZE,    8
.equ DIR_S_BLOCK,       12
.equ DIR_S_FLAGS,       16
.equ DIR_MAGIC_VALUE,   0x52494456

# Segment flags in the directory (PTE R/W/X shifted down by one)
.equ SEGFLAG_R, 1
.equ SEGFLAG_W, 2
.equ SEGFLAG_X, 4

# System call numbers (in t0)
.equ SYS_EXIT,   1
.equ SYS_WRITE,  2
.equ SYS_SBRK,   3
.equ SYS_GETPID, 4
.equ SYS_YIELD,  5
