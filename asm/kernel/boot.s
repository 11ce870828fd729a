# boot.s: from the loader's hand-off to the first process.
#
# The loader (src/os/boot.ts) lays out physical memory as: this kernel at 0, the boot block on
# the next page, the kernel reserve, then the user frame pool; it starts us in kernel mode with
# interrupts off and a0 = the physical address of the boot block (asm/README.md, "Booting a
# kernel").

.data                               # kernel variables live in .data (layout.s)
.align 4
# The boot block's fields, kept for the whole run.
k_user_pfn:      .space 4       # first physical page of the user frame pool
k_nframes:       .space 4       # number of user frames
k_rsv_first:     .space 4       # first physical page of the kernel reserve
k_nrsv:          .space 4       # number of reserve frames
k_rsv_bump:      .space 4       # next reserve frame not yet carved out at boot
k_policy:        .space 4       # REPLACE_*
k_quantum:       .space 4       # time slice in cycles
k_dir_block:     .space 4       # disk block of the directory
k_swap_first:    .space 4       # first disk block of the swap area
k_swap_slots:    .space 4       # number of swap slots (blocks)
k_stack_pages:   .space 4       # stack limit per process, in pages
k_heap_pages:    .space 4       # heap limit per process, in pages
k_nprocs:        .space 4       # number of programs = processes

.text
.global _start

# _start: the kernel's entry.
#   a0 = physical address of the boot block. Never returns: ends in schedule.
_start:
    # EXL first. The kernel always runs with EXL = 1, so a trap inside the kernel (a kernel bug)
    # is a double fault: the machine stops with a register dump instead of entering trap_entry,
    # which would save the kernel's registers over a user process's.
    li   t0, STATUS_EXL
    csrw status, t0
    la   t0, trap_entry
    csrw tvec, t0
    csrw im, zero                   # no interrupts until the processes exist
    la   sp, kstack_top
    # The monitor takes every event's arguments from k_mon (util.s) from now on.
    la   t0, k_mon
    li   t1, KSEG_BASE
    sub  t0, t0, t1                 # (its physical address)
    lui  t1, %hi(MONITOR_BASE)
    sw   t0, %lo(MONITOR_BASE) + MON_ARGS(t1)

    call pa_to_kva
    mv   s0, a0                     # s0 = the boot block
    lw   t0, BOOT_MAGIC(s0)
    li   t1, BOOT_MAGIC_VALUE
    bne  t0, t1, .bad_boot_block
    lw   t0, BOOT_VERSION(s0)
    li   t1, BOOT_VERSION_VALUE
    bne  t0, t1, .bad_boot_block

    lw   t0, BOOT_USER_FIRST_PFN(s0)
    la   t1, k_user_pfn
    sw   t0, 0(t1)
    lw   t0, BOOT_USER_FRAMES(s0)
    beqz t0, .no_frames
    la   t1, k_nframes
    sw   t0, 0(t1)
    lw   t0, BOOT_RESERVE_FIRST_PFN(s0)
    la   t1, k_rsv_first
    sw   t0, 0(t1)
    la   t1, k_rsv_bump
    sw   t0, 0(t1)
    lw   t0, BOOT_RESERVE_FRAMES(s0)
    la   t1, k_nrsv
    sw   t0, 0(t1)
    lw   t0, BOOT_POLICY(s0)
    li   t1, REPLACE_RANDOM
    bgtu t0, t1, .bad_boot_block
    la   t1, k_policy
    sw   t0, 0(t1)
    lw   t0, BOOT_QUANTUM(s0)
    la   t1, k_quantum
    sw   t0, 0(t1)
    lw   t0, BOOT_DIR_BLOCK(s0)
    la   t1, k_dir_block
    sw   t0, 0(t1)
    lw   t0, BOOT_SWAP_FIRST(s0)
    la   t1, k_swap_first
    sw   t0, 0(t1)
    lw   t0, BOOT_SWAP_BLOCKS(s0)
    li   t1, SWAP_MAX_SLOTS
    bgtu t0, t1, .bad_boot_block    # a slot number must fit in a PTE's frame field
    la   t1, k_swap_slots
    sw   t0, 0(t1)
    lw   t0, BOOT_SEED(s0)
    bnez t0, .seed_ok
    li   t0, RANDOM_SEED_IF_ZERO
.seed_ok:
    la   t1, k_random
    sw   t0, 0(t1)
    lw   t0, BOOT_STACK_PAGES(s0)
    la   t1, k_stack_pages
    sw   t0, 0(t1)
    lw   t0, BOOT_HEAP_PAGES(s0)
    la   t1, k_heap_pages
    sw   t0, 0(t1)
    lw   t0, BOOT_NPROGS(s0)
    beqz t0, .bad_boot_block
    li   t1, NPROC
    bgtu t0, t1, .too_many
    la   t1, k_nprocs
    sw   t0, 0(t1)

    call vm_init                    # page-table geometry from MMUCFG
    call frames_init                # frame table, swap map (carved from the reserve)
    call disk_init                  # the request queue
    call read_directory             # disk block 0 into dir_buf, by polling
    call proc_create_all            # one process per directory entry (carves root tables)
    call rsv_init                   # what is left of the reserve: free page-table frames

    li   t0, IRQ_TIMER | IRQ_DISK
    csrw im, t0
    j    start_scheduling           # (trap.s) and the first process runs

.bad_boot_block:
    la   a0, msg_bad_boot
    j    panic
.no_frames:
    la   a0, msg_no_frames
    j    panic
.too_many:
    la   a0, msg_too_many
    j    panic

# rsv_carve: take whole pages from the front of the kernel reserve, at boot only.
#   a0 = bytes wanted. Returns a0 = kernel address of the first of the zeroed pages.
#   Panics if the reserve is too small. Clobbers a1, t0-t2.
rsv_carve:
    push lr
    push s0
    li   t0, PAGE_SIZE - 1
    add  a0, a0, t0
    srli s0, a0, PAGE_SHIFT         # s0 = pages
    la   t0, k_rsv_bump
    lw   t1, 0(t0)                  # t1 = first page carved
    add  t2, t1, s0
    la   a0, k_rsv_first
    lw   a0, 0(a0)
    la   a1, k_nrsv
    lw   a1, 0(a1)
    add  a0, a0, a1                 # a0 = end of the reserve
    bgtu t2, a0, .full
    sw   t2, 0(t0)
    slli a0, t1, PAGE_SHIFT
    call pa_to_kva
    push a0
    mv   a1, s0
    call zero_pages
    pop  a0
    pop  s0
    pop  lr
    ret
.full:
    la   a0, msg_reserve_small
    j    panic

# read_directory: read the disk directory into dir_buf and check it.
#   Runs before interrupts are on: starts the transfer, then `wait`s with only the disk's
#   interrupt enabled and reads IP itself. A failed read is tried DISK_RETRIES more times.
#   Clobbers a0-a3, t0-t4.
read_directory:
    push lr
    la   a0, dir_buf
    call kva_to_pa
    mv   a2, a0                     # a2 = physical address of the buffer
    la   t0, k_dir_block
    lw   a1, 0(t0)                  # a1 = block
    li   a3, 0                      # a3 = retries so far
    li   t0, IRQ_DISK
    csrw im, t0
.start:
    li   t1, DISK_BASE
    sw   a1, DISK_BLOCK(t1)
    sw   a2, DISK_DMA(t1)
    li   t2, DISK_CMD_READ
    sw   t2, DISK_CMD(t1)
.wait:
    wait
    csrr t0, ip
    andi t0, t0, IRQ_DISK
    beqz t0, .wait
    lw   t2, DISK_STATUS(t1)
    sw   zero, DISK_ACK(t1)
    li   t0, DISK_STATUS_DONE
    beq  t2, t0, .read
    li   t0, DISK_RETRIES
    beq  a3, t0, .unreadable
    addi a3, a3, 1
    j    .start
.read:
    csrw im, zero
    la   t0, dir_buf
    lw   t1, DIR_MAGIC(t0)
    li   t2, DIR_MAGIC_VALUE
    bne  t1, t2, .bad_dir
    lw   t1, DIR_COUNT(t0)
    la   t2, k_nprocs
    lw   t2, 0(t2)
    bne  t1, t2, .bad_dir
    pop  lr
    ret
.unreadable:
    la   a0, msg_dir_unreadable
    j    panic
.bad_dir:
    la   a0, msg_bad_dir
    j    panic

.data
msg_bad_boot:       .asciz "bad boot block"
msg_no_frames:      .asciz "no user frames"
msg_too_many:       .asciz "too many programs"
msg_reserve_small:  .asciz "kernel reserve too small for the kernel's tables"
msg_dir_unreadable: .asciz "cannot read the disk directory"
msg_bad_dir:        .asciz "bad disk directory"

.bss
.align PAGE_SIZE
dir_buf:        .space PAGE_SIZE    # the disk directory (a DMA target: page-aligned)
kstack:         .space KSTACK_SIZE  # the one kernel stack
kstack_top:
.text
