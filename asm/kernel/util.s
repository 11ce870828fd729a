# util.s: small helpers used everywhere.
#
# Convention inside the kernel: the usual calling convention (arguments and results in a0-a3,
# t0-t4 and a0-a3 clobbered by a call, s0-s3 preserved), on the one kernel stack. The functions
# of the page-fault path that save several registers take their stack space at once (one addi,
# then a sw per register) rather than push by push.

.equ ZERO_BLOCK, 64                 # bytes zeroed per round of the unrolled loop

.data
.align 4
# The monitor's argument block: boot writes its physical address to the monitor's ARGS, so an
# event's arguments are stored here (words MA_0-MA_3, layout.s), then the event code is written
# to EVENT, which delivers them (asm/README.md, "Monitor"). Stores to RAM run in the emulator's
# fast loop, where each device register write leaves it: a page fault reports five events.
k_mon:           .space 16

.text

# monitor: tell the emulator what the kernel is doing (asm/README.md, "Monitor").
#   t0 = event (EV_*), a0-a3 = its arguments.
#   Clobbers t1. Has no effect on the machine.
monitor:
    lui  t1, %hi(k_mon)
    sw   a0, %lo(k_mon) + MA_0(t1)
    sw   a1, %lo(k_mon) + MA_1(t1)
    sw   a2, %lo(k_mon) + MA_2(t1)
    sw   a3, %lo(k_mon) + MA_3(t1)
    lui  t1, %hi(MONITOR_BASE)
    sw   t0, %lo(MONITOR_BASE) + MON_EVENT(t1) # the event last: writing it delivers the arguments
    ret

# zero_page: fill one page with zeros.
#   a0 = kernel address of the page (page-aligned).
#   Clobbers t0, t1. Unrolled by 16 words (ZERO_BLOCK bytes): zero-fill is the kernel's
#   hottest loop.
zero_page:
    li   t0, PAGE_SIZE
    add  t0, a0, t0                 # t0 = end of the page
    mv   t1, a0
.loop:
    sw   zero, 0(t1)
    sw   zero, 4(t1)
    sw   zero, 8(t1)
    sw   zero, 12(t1)
    sw   zero, 16(t1)
    sw   zero, 20(t1)
    sw   zero, 24(t1)
    sw   zero, 28(t1)
    sw   zero, 32(t1)
    sw   zero, 36(t1)
    sw   zero, 40(t1)
    sw   zero, 44(t1)
    sw   zero, 48(t1)
    sw   zero, 52(t1)
    sw   zero, 56(t1)
    sw   zero, 60(t1)
    addi t1, t1, ZERO_BLOCK
    bne  t1, t0, .loop
    ret

# zero_bytes: fill [a0, a0 + a1) with zeros, a byte at a time (small records).
#   a0 = kernel address, a1 = length in bytes (may be 0).
#   Clobbers t0, t1.
zero_bytes:
    add  t0, a0, a1
    mv   t1, a0
    beq  t1, t0, .done
.loop:
    sb   zero, 0(t1)
    addi t1, t1, 1
    bne  t1, t0, .loop
.done:
    ret

# zero_pages: fill a1 consecutive pages from a0 with zeros.
#   a0 = kernel address (page-aligned), a1 = number of pages.
#   Clobbers a0, a1, t0, t1.
zero_pages:
    push lr
.loop:
    beqz a1, .done
    call zero_page
    li   t0, PAGE_SIZE
    add  a0, a0, t0
    addi a1, a1, -1
    j    .loop
.done:
    pop  lr
    ret

# pa_to_kva / kva_to_pa: the kernel segment maps physical address p at virtual p + KSEG_BASE.
# RAM lies below 2^31, so adding KSEG_BASE is setting bit 31 and subtracting it is clearing it.
#   a0 = address in, a0 = address out. Clobber t0.
pa_to_kva:
    li   t0, KSEG_BASE
    or   a0, a0, t0
    ret
kva_to_pa:
    li   t0, KSEG_BASE
    sub  a0, a0, t0
    ret

# frame_kva: the kernel address of user frame a0.
#   a0 = frame index, a0 = kernel address of its page. Clobbers t0.
frame_kva:
    la   t0, k_user_pfn
    lw   t0, 0(t0)
    add  a0, a0, t0
    slli a0, a0, PAGE_SHIFT
    li   t0, KSEG_BASE
    or   a0, a0, t0
    ret

# frame_entry: the frame table record of frame a0.
#   a0 = frame index, a0 = kernel address of its FT_* record. Clobbers t0.
frame_entry:
    la   t0, k_frame_table
    lw   t0, 0(t0)
    slli a0, a0, FTE_SHIFT
    add  a0, a0, t0
    ret

# pcb_of_pid: the process control block of pid a0 (1..NPROC).
#   a0 = pid, a0 = kernel address of its PCB. Clobbers t0.
pcb_of_pid:
    addi a0, a0, -1
    slli a0, a0, PCB_SHIFT
    la   t0, proc_table
    add  a0, a0, t0
    ret

# console_puts: print a NUL-terminated string on the console.
#   a0 = kernel address of the string. Clobbers a0, t0, t1.
console_puts:
    li   t1, CONSOLE_BASE
.loop:
    lbu  t0, 0(a0)
    beqz t0, .done
    sw   t0, CONSOLE_TX(t1)
    addi a0, a0, 1
    j    .loop
.done:
    ret

# panic: the kernel cannot go on (only at boot: a bad boot block, a missing directory, a
# reserve too small for the kernel's own tables). Prints "vmlab kernel: MESSAGE" and halts with
# HALT_PANIC.
#   a0 = kernel address of the message. Does not return.
panic:
    mv   s0, a0
    la   a0, panic_prefix
    call console_puts
    mv   a0, s0
    call console_puts
    li   t0, '\n'
    li   t1, CONSOLE_BASE
    sw   t0, CONSOLE_TX(t1)
    li   a0, HALT_PANIC
    halt

.data
panic_prefix: .asciz "vmlab kernel: "
.text
